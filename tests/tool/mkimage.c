// SPDX-License-Identifier: GPL-2.0-only
/*
 * mkimage: write dm-remap metadata into an image file with the shared core,
 * as the kernel would (dmr_store_load formats an all-zero region or loads
 * the metadata there; dmr_store_commit writes it), for the offline tests of
 * `dmremap check`, `dump`, `format`, `repair` and `restore`.
 *
 *   mkimage <image> <spare_start> <spare_len> <block_size> <main_len> [op...]
 *
 * ops, applied in order, then a final commit if anything changed:
 *   remap:<main_block>    give main_block a spare block, REMAPPED
 *   pending:<main_block>  give main_block a spare block, PENDING
 *   bad:<spare_block>     mark a spare block bad
 *   commit                commit now (the generation grows by one)
 *
 * Prints one line per op (the spare block it got) and the final generation.
 */
#include <fcntl.h>
#include <unistd.h>

#include "store.h"
#include "table.h"

#define PAGES 8U

static int img_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	ssize_t n = pread(*(int *)ctx, buf, bytes, (off_t)(sector << 9));

	return n == (ssize_t)bytes ? 0 : -EIO;
}

static int img_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	ssize_t n = pwrite(*(int *)ctx, buf, bytes, (off_t)(sector << 9));

	return n == (ssize_t)bytes ? 0 : -EIO;
}

static int img_flush(void *ctx)
{
	return fsync(*(int *)ctx) ? -errno : 0;
}

static int fail(const char *what, const char *why)
{
	fprintf(stderr, "mkimage: %s: %s\n", what, why);
	return 1;
}

static int commit(struct dmr_meta *m, const struct dmr_io *io)
{
	struct dmr_copy_info rep[DMR_MAX_COPIES];
	u32 ok = dmr_store_commit(m, io, rep);

	if (ok != m->place.copies)
		return fail("commit", ok ? rep[0].why : "no copy written");
	return 0;
}

int main(int argc, char **argv)
{
	struct dmr_geometry geo;
	struct dmr_meta m;
	struct dmr_io io = { .read = img_read, .write = img_write, .flush = img_flush };
	struct dmr_index *ix;
	struct dmr_load_report rep;
	char err[1024], *arg;
	u64 bs, v;
	u32 spare;
	int fd, i, r;

	if (argc < 6 || dmr_parse_u64(argv[2], &geo.spare_start) ||
	    dmr_parse_u64(argv[3], &geo.spare_len) || dmr_parse_u64(argv[4], &bs) ||
	    dmr_parse_u64(argv[5], &geo.main_len)) {
		fprintf(stderr, "usage: mkimage <image> <spare_start> <spare_len> <block_size> <main_len> [op...]\n");
		return 2;
	}
	geo.block_size = (u32)bs;
	fd = open(argv[1], O_RDWR);
	if (fd < 0)
		return fail(argv[1], strerror(errno));
	io.ctx = &fd;
	io.buf_pages = PAGES;
	io.buf = aligned_alloc(DMR_META_PAGE_SIZE, PAGES * DMR_META_PAGE_SIZE);
	if (!io.buf || dmr_meta_init(&m, &geo, err, sizeof(err)))
		return fail("init", err);
	r = dmr_store_load(&m, &io, 0, &ix, &rep, err, sizeof(err));
	if (r)
		return fail("load", err);
	dmr_index_free(ix);
	printf("%s generation %llu\n", rep.formatted ? "formatted" : "loaded",
	       (unsigned long long)m.generation);
	for (i = 6; i < argc; i++) {
		arg = argv[i];
		if (!strcmp(arg, "commit")) {
			if (commit(&m, &io))
				return 1;
			printf("commit generation %llu\n", (unsigned long long)m.generation);
			continue;
		}
		if (!strncmp(arg, "remap:", 6) && !dmr_parse_u64(arg + 6, &v))
			r = dmr_meta_add(&m, v, DMR_SLOT_REMAPPED, &spare);
		else if (!strncmp(arg, "pending:", 8) && !dmr_parse_u64(arg + 8, &v))
			r = dmr_meta_add(&m, v, DMR_SLOT_PENDING, &spare);
		else if (!strncmp(arg, "bad:", 4) && !dmr_parse_u64(arg + 4, &v) && v <= UINT32_MAX)
			r = dmr_meta_set_bad(&m, spare = (u32)v);
		else
			return fail(arg, "unknown op");
		if (r)
			return fail(arg, strerror(-r));
		printf("%s spare %u\n", arg, spare);
	}
	if (dmr_meta_nr_dirty(&m)) {
		if (commit(&m, &io))
			return 1;
		printf("commit generation %llu\n", (unsigned long long)m.generation);
	}
	dmr_meta_destroy(&m);
	free(io.buf);
	close(fd);
	return 0;
}
