// SPDX-License-Identifier: GPL-2.0-only
/*
 * mklog: write a dm-log-writes log (log-writes.h) of a dm-remap spare
 * device, and the spare's final image, with the shared core doing what the
 * kernel does (dmr_store_load formats an all-zero region, dmr_store_commit
 * commits), for the tests of dmr-log-replay: logs it must accept, and logs
 * with a flaw it must find.
 *
 *   mklog <log> <spare image> <sectorsize> <spare bytes> <spare_start> <spare_len>
 *         <block_size> <main_len> op...
 *
 * ops, in order:
 *   create               load: formats the all-zero region
 *   remap:<sector>:<tag> as the remap message: pattern "<sector>.<tag>" written
 *                        to a new spare block, flush, commit; then the mark
 *                        mapped:<sector>:<tag>, as the guest writes it
 *   unremap:<sector>     mark forget:<sector>, free its spare block, commit,
 *                        mark unmapped:<sector>
 *   write:<sector>:<tag> pattern to the block's spare block, FUA (the block is
 *                        remapped), after forget:<sector>, then mapped:...
 *   noflush              from here on, flushes are not logged (a commit
 *                        that forgets them)
 *   garbage:<copy>       random bytes over the superblock of a copy, flush
 *   rewind               every copy written back as before the last commit,
 *                        flush (the generation goes back)
 *   lie:<sector>:<tag>   the mark mapped:<sector>:<tag> alone
 *   discard:<spare block> a discard of one spare block
 *   mark:<text>          a mark
 * Then the mark dm-log-writes-end, as dm-log-writes closes a log.
 */
#include <inttypes.h>

#include "store.h"
#include "table.h"
#include "log-writes.h"

#define PAGES 8U

struct mklog {
	FILE *log;
	u32 ss;			/* log sectorsize */
	u64 nr_entries;
	u8 *img;		/* the spare device */
	u64 size;
	u8 *before;		/* the spare before the last commit */
	bool noflush;
	struct dmr_meta m;
	struct dmr_io io;
	u64 map_main[1024];
	u32 map_spare[1024];
	u32 nr_map;
};

static void die(const char *what)
{
	fprintf(stderr, "mklog: %s\n", what);
	exit(1);
}

static void entry(struct mklog *l, u64 off, u64 len, u32 flags, const void *data,
		  const char *mark)
{
	u8 *unit = calloc(1, l->ss);
	struct lw_entry e = {
		.sector = htole64(off / l->ss),
		.nr_sectors = htole64(len / l->ss),
		.flags = htole64(flags),
		.data_len = htole64(mark ? strlen(mark) : 0),
	};

	if (!unit || off % l->ss || len % l->ss)
		die("entry not in whole sectors");
	memcpy(unit, &e, sizeof(e));
	if (mark)
		memcpy(unit + sizeof(e), mark, strlen(mark));
	if (fwrite(unit, l->ss, 1, l->log) != 1 ||
	    (data && fwrite(data, len, 1, l->log) != 1))
		die("writing the log");
	free(unit);
	l->nr_entries++;
}

static void lwrite(struct mklog *l, u64 off, const void *buf, u64 len, u32 flags)
{
	if (off > l->size || len > l->size - off)
		die("write past the spare");
	memcpy(l->img + off, buf, len);
	entry(l, off, len, flags, buf, NULL);
}

static void lflush(struct mklog *l)
{
	if (!l->noflush)
		entry(l, 0, 0, LW_FLUSH, NULL, NULL);
}

static void lmark(struct mklog *l, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	entry(l, 0, 0, LW_MARK, NULL, text);
}

static int io_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct mklog *l = ctx;

	memcpy(buf, l->img + (sector << 9), bytes);
	return 0;
}

static int io_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	lwrite(ctx, sector << 9, buf, bytes, 0);
	return 0;
}

static int io_flush(void *ctx)
{
	lflush(ctx);
	return 0;
}

static void commit(struct mklog *l)
{
	memcpy(l->before, l->img, l->size);
	if (dmr_store_commit(&l->m, &l->io, NULL) != l->m.place.copies)
		die("commit");
}

static void pattern(struct mklog *l, u64 sector, const char *tag, u8 *block)
{
	char label[80], line[96];
	u32 i;

	if ((size_t)snprintf(label, sizeof(label), "%" PRIu64 ".%s", sector, tag) > 15)
		die("label too long");
	snprintf(line, sizeof(line), "%-15s\n", label);
	for (i = 0; i < l->m.geo.block_size; i += 16)
		memcpy(block + i, line, 16);
}

/* Index in map_main/map_spare of a remapped main block. */
static u32 map_index(struct mklog *l, u64 main_block)
{
	u32 i;

	for (i = 0; i < l->nr_map; i++)
		if (l->map_main[i] == main_block)
			return i;
	die("block not remapped");
	return 0;
}

int main(int argc, char **argv)
{
	struct mklog l = { 0 };
	struct dmr_geometry geo;
	struct dmr_load_report rep;
	struct dmr_index *ix;
	struct lw_super super = { 0 };
	u64 ss, bytes, bs, sector, v, off;
	char err[1024], tag[64], *arg;
	u8 *block, *unit;
	u32 spare, i;
	int a, n;
	FILE *f;

	if (argc < 10 || dmr_parse_u64(argv[3], &ss) || dmr_parse_u64(argv[4], &bytes) ||
	    dmr_parse_u64(argv[5], &geo.spare_start) || dmr_parse_u64(argv[6], &geo.spare_len) ||
	    dmr_parse_u64(argv[7], &bs) || dmr_parse_u64(argv[8], &geo.main_len)) {
		fprintf(stderr, "usage: mklog <log> <spare image> <sectorsize> <spare bytes> <spare_start> <spare_len> <block_size> <main_len> op...\n");
		return 2;
	}
	l.ss = (u32)ss;
	l.size = bytes;
	geo.block_size = (u32)bs;
	l.img = calloc(1, bytes);
	l.before = calloc(1, bytes);
	block = malloc(bs);
	unit = calloc(1, ss);
	l.log = fopen(argv[1], "w");
	if (!l.img || !l.before || !block || !unit || !l.log)
		die("setup");
	if (dmr_meta_init(&l.m, &geo, err, sizeof(err)))
		die(err);
	l.io = (struct dmr_io){ .ctx = &l, .read = io_read, .write = io_write, .flush = io_flush,
				.buf_pages = PAGES };
	l.io.buf = aligned_alloc(DMR_META_PAGE_SIZE, PAGES * DMR_META_PAGE_SIZE);
	if (!l.io.buf)
		die("setup");
	/* The super's unit first; it is written again at the end. */
	if (fwrite(unit, ss, 1, l.log) != 1)
		die("writing the log");
	srand(1);
	for (a = 9; a < argc; a++) {
		arg = argv[a];
		if (!strcmp(arg, "create")) {
			memcpy(l.before, l.img, l.size);
			if (dmr_store_load(&l.m, &l.io, 0, &ix, &rep, err, sizeof(err)))
				die(err);
			dmr_index_free(ix);
		} else if (sscanf(arg, "remap:%" SCNu64 ":%63s", &sector, tag) == 2) {
			if (dmr_meta_add(&l.m, sector / (bs >> 9), DMR_SLOT_REMAPPED, &spare))
				die("remap: no spare block");
			l.map_main[l.nr_map] = sector / (bs >> 9);
			l.map_spare[l.nr_map++] = spare;
			pattern(&l, sector, tag, block);
			lwrite(&l, dmr_spare_sector(&l.m, spare) << 9, block, bs, 0);
			lflush(&l);
			commit(&l);
			lmark(&l, "mapped:%" PRIu64 ":%s", sector, tag);
		} else if (sscanf(arg, "unremap:%" SCNu64 "%n", &sector, &n) == 1 && !arg[n]) {
			lmark(&l, "forget:%" PRIu64, sector);
			i = map_index(&l, sector / (bs >> 9));
			if (dmr_meta_remove(&l.m, l.map_spare[i]))
				die("unremap");
			l.map_main[i] = UINT64_MAX;
			commit(&l);
			lmark(&l, "unmapped:%" PRIu64, sector);
		} else if (sscanf(arg, "write:%" SCNu64 ":%63s", &sector, tag) == 2) {
			lmark(&l, "forget:%" PRIu64, sector);
			i = map_index(&l, sector / (bs >> 9));
			pattern(&l, sector, tag, block);
			lwrite(&l, dmr_spare_sector(&l.m, l.map_spare[i]) << 9, block, bs, LW_FUA);
			lmark(&l, "mapped:%" PRIu64 ":%s", sector, tag);
		} else if (!strcmp(arg, "noflush")) {
			l.noflush = true;
		} else if (sscanf(arg, "garbage:%" SCNu64 "%n", &v, &n) == 1 && !arg[n] &&
			   v < l.m.place.copies) {
			for (i = 0; i < DMR_META_PAGE_SIZE; i++)
				block[i] = (u8)rand();
			lwrite(&l, dmr_copy_page_sector(&l.m, (u32)v, 0) << 9, block,
			       DMR_META_PAGE_SIZE, 0);
			lflush(&l);
		} else if (!strcmp(arg, "rewind")) {
			for (i = 0; i < l.m.place.copies; i++) {
				off = dmr_copy_page_sector(&l.m, i, 0) << 9;
				lwrite(&l, off, l.before + off, l.m.place.copy_blocks * bs, 0);
			}
			lflush(&l);
		} else if (sscanf(arg, "lie:%" SCNu64 ":%63s", &sector, tag) == 2) {
			lmark(&l, "mapped:%" PRIu64 ":%s", sector, tag);
		} else if (sscanf(arg, "discard:%" SCNu64 "%n", &v, &n) == 1 && !arg[n]) {
			off = dmr_spare_sector(&l.m, (u32)v) << 9;
			memset(l.img + off, 0, bs);
			entry(&l, off, bs, LW_DISCARD, NULL, NULL);
		} else if (!strncmp(arg, "mark:", 5)) {
			lmark(&l, "%s", arg + 5);
		} else {
			die(arg);
		}
	}
	lmark(&l, LW_END_MARK);
	super.magic = htole64(LW_MAGIC);
	super.version = htole64(LW_VERSION);
	super.nr_entries = htole64(l.nr_entries);
	super.sectorsize = htole32(l.ss);
	memcpy(unit, &super, sizeof(super));
	if (fseek(l.log, 0, SEEK_SET) || fwrite(unit, ss, 1, l.log) != 1 || fclose(l.log))
		die("writing the log");
	f = fopen(argv[2], "w");
	if (!f || fwrite(l.img, l.size, 1, f) != 1 || fclose(f))
		die("writing the spare image");
	printf("%" PRIu64 " entries, generation %" PRIu64 "\n", l.nr_entries, l.m.generation);
	dmr_meta_destroy(&l.m);
	free(l.io.buf);
	free(l.img);
	free(l.before);
	free(block);
	free(unit);
	return 0;
}
