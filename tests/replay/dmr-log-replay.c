// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmr-log-replay: replay a dm-log-writes log of a dm-remap spare device and
 * judge the spare's state at every point a power cut could leave it in,
 * with the code the kernel activates with and `dmremap check` checks with
 * (core/store.c's loader, core/check.c's invariants).
 *
 *   dmr-log-replay [options] <log image> <spare image> <spare_start> <spare_len>
 *                  <block_size> <main_len>
 *
 * The spare starts all zero (dm-remap formats only an all-zero region); its
 * image after the run gives the size, and replaying the whole log must give
 * it back byte for byte (proof that the log was read right and is complete).
 *
 * Points, the disk as a volatile write cache may leave it:
 *  - flush: every write logged before a flush entry applied;
 *  - fua: after a FUA write (it bypasses the cache), the writes not yet
 *    flushed left out;
 *  - between: the state at the last flush (and FUAs since) plus a subset of
 *    the writes since, applied in log order: every subset when there are at
 *    most --exhaustive of them, otherwise every prefix, every "all but one"
 *    and --subsets random subsets (seeded, the seed printed);
 *  - end: the whole log applied (the writes after the last flush included).
 * At each point: the metadata loads read-only (the newest valid copy, as
 * `dmremap check` loads it), every invariant holds, the generation is not
 * older than the one durable at the last flush or FUA point, every
 * expectation set by a mark holds (below), and the kernel's activation
 * (load with repair, in an undo log) leaves every copy current, as `dmremap
 * check` then finds. --nonzero-data: no remapped block's spare data is all
 * zero (for runs whose main device holds no zero block).
 * Points before the first format is durable (the table load that formats
 * had not returned) are counted and not judged.
 *
 * Marks (`dmsetup message <log-writes dev> 0 mark <text>`), written by the
 * guest after an acknowledged operation, so that every later point must
 * reflect it:
 *   mapped:<sector>:<tag>  the block holding <sector> is remapped and its spare
 *                          block holds pattern "<sector>.<tag>" (lines of
 *                          printf '%-15s\n', repeated over the block)
 *   unmapped:<sector>      the block has no spare block
 *   forget:<sector>        no expectation any more (sent before changing it)
 * Other marks are counted only.
 *
 * Exit status: 0 every point ok, 1 a point failed (the first is reported),
 * 2 usage error or a log that cannot be read.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "table.h"
#include "log-writes.h"

#define SCRATCH_PAGES 64U
#define LABEL_MAX 15U		/* a pattern line: 15 characters and '\n' */

struct entry {
	u64 off;		/* bytes into the spare device */
	u64 len;		/* bytes */
	u32 flags;
	const u8 *data;		/* in the log; NULL for a discard or flush */
	char *mark;		/* NUL-terminated text of a mark */
};

enum expect_kind { EXPECT_MAPPED, EXPECT_UNMAPPED };

struct expect {
	u64 sector;
	u64 block;
	enum expect_kind kind;
	char label[LABEL_MAX + 1];	/* "<sector>.<tag>" */
	u64 entry;			/* the mark's index */
};

struct undo {
	u64 off;
	u64 len;
	size_t saved;		/* offset in undo_buf */
};

struct stats {
	u64 flush, fua, end, exhaustive, prefix, except_one, random;
	u64 unjudged, clean, expect_checks, nonzero_checks;
	u64 writes, discards, flushes, fuas, marks, bytes;
	u64 max_pending;
	u32 max_remapped, min_gen, max_gen;
};

struct replay {
	/* the log */
	struct entry *e;
	u64 nr;
	u32 sectorsize;
	/* the spare device in memory, and an undo log for points between flushes */
	u8 *img;
	u64 size;
	struct undo *undo;
	size_t nr_undo, cap_undo;
	u8 *undo_buf;
	size_t undo_len, undo_cap;
	bool recording;
	/* the metadata, loaded at each point */
	struct dmr_geometry geo;
	struct dmr_meta m;
	struct dmr_io io;
	/* judging */
	bool formatted;		/* a flush or FUA point loaded */
	u64 durable_gen;
	struct expect *ex;
	size_t nr_ex, cap_ex;
	bool nonzero_data;
	bool verbose;
	u32 subsets, exhaustive;
	u64 rng;
	struct stats st;
	char *checkbuf;
};

static dmr_printf(1, 2) void die(const char *fmt, ...)
{
	va_list ap;

	fputs("dmr-log-replay: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory");
	return p;
}

/* xorshift64*: the random subsets, reproducible from the printed seed. */
static u64 rnd(struct replay *r)
{
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ULL;
}

/* ---- the spare image and its undo log ---- */

static void save(struct replay *r, u64 off, u64 len)
{
	if (!r->recording)
		return;
	if (r->nr_undo == r->cap_undo) {
		r->cap_undo = r->cap_undo ? 2 * r->cap_undo : 256;
		r->undo = xrealloc(r->undo, r->cap_undo * sizeof(*r->undo));
	}
	while (r->undo_len + len > r->undo_cap) {
		r->undo_cap = r->undo_cap ? 2 * r->undo_cap : 1 << 20;
		r->undo_buf = xrealloc(r->undo_buf, r->undo_cap);
	}
	memcpy(r->undo_buf + r->undo_len, r->img + off, len);
	r->undo[r->nr_undo++] = (struct undo){ off, len, r->undo_len };
	r->undo_len += len;
}

static void rollback(struct replay *r)
{
	struct undo *u;

	while (r->nr_undo) {
		u = &r->undo[--r->nr_undo];
		memcpy(r->img + u->off, r->undo_buf + u->saved, u->len);
	}
	r->undo_len = 0;
}

static void apply(struct replay *r, const struct entry *e)
{
	save(r, e->off, e->len);
	if (e->data)
		memcpy(r->img + e->off, e->data, e->len);
	else
		memset(r->img + e->off, 0, e->len);	/* discarded: reads zeroes */
}

static int img_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct replay *r = ctx;

	if (sector > r->size >> 9 || bytes > r->size - (sector << 9))
		return -EIO;
	memcpy(buf, r->img + (sector << 9), bytes);
	return 0;
}

/* Only the activation's repair writes, always inside an undo log. */
static int img_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	struct replay *r = ctx;

	if (sector > r->size >> 9 || bytes > r->size - (sector << 9))
		return -EIO;
	save(r, sector << 9, bytes);
	memcpy(r->img + (sector << 9), buf, bytes);
	return 0;
}

static int img_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

/* ---- reading the log ---- */

static u64 le64_at(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static void read_log(struct replay *r, const char *path)
{
	struct stat st;
	const u8 *log, *h;
	u64 pos, i, nr, size, len;
	u32 ss;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", path, strerror(errno));
	size = (u64)st.st_size;
	if (size < 512)
		die("%s: too small for a log", path);
	log = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (log == MAP_FAILED)
		die("%s: mmap: %s", path, strerror(errno));
	close(fd);
	if (le64_at(log + offsetof(struct lw_super, magic)) != LW_MAGIC)
		die("%s: no dm-log-writes super (magic)", path);
	if (le64_at(log + offsetof(struct lw_super, version)) != LW_VERSION)
		die("%s: log version %" PRIu64 ", expected %llu", path,
		    le64_at(log + offsetof(struct lw_super, version)), LW_VERSION);
	nr = le64_at(log + offsetof(struct lw_super, nr_entries));
	memcpy(&ss, log + offsetof(struct lw_super, sectorsize), sizeof(ss));
	ss = le32toh(ss);
	if (ss < 512 || ss > 65536 || (ss & (ss - 1)))
		die("%s: sectorsize %u", path, ss);
	r->sectorsize = ss;
	if (nr > size / ss)
		die("%s: %" PRIu64 " entries cannot fit", path, nr);
	r->e = xrealloc(NULL, nr * sizeof(*r->e));
	r->nr = nr;
	pos = ss;
	for (i = 0; i < nr; i++) {
		struct entry *e = &r->e[i];
		u64 sector, nr_sectors, flags, data_len;

		if (pos > size - ss)
			die("%s: entry %" PRIu64 " at byte %" PRIu64 " is past the end", path, i, pos);
		h = log + pos;
		sector = le64_at(h + offsetof(struct lw_entry, sector));
		nr_sectors = le64_at(h + offsetof(struct lw_entry, nr_sectors));
		flags = le64_at(h + offsetof(struct lw_entry, flags));
		data_len = le64_at(h + offsetof(struct lw_entry, data_len));
		if (flags & ~(u64)LW_KNOWN_FLAGS)
			die("%s: entry %" PRIu64 ": unknown flags 0x%" PRIx64, path, i, flags);
		memset(e, 0, sizeof(*e));
		e->flags = (u32)flags;
		pos += ss;
		if (flags & LW_MARK) {
			if (data_len > ss - sizeof(struct lw_entry) || nr_sectors)
				die("%s: entry %" PRIu64 ": mark of %" PRIu64 " bytes", path, i, data_len);
			e->mark = xrealloc(NULL, data_len + 1);
			memcpy(e->mark, h + sizeof(struct lw_entry), data_len);
			e->mark[data_len] = '\0';
			continue;
		}
		/* dm-log-writes logs no inline data but a mark's. */
		if (data_len)
			die("%s: entry %" PRIu64 ": inline data of %" PRIu64 " bytes", path, i, data_len);
		if (nr_sectors > UINT64_MAX / ss || sector > UINT64_MAX / ss)
			die("%s: entry %" PRIu64 ": sector %" PRIu64 "+%" PRIu64 " overflows", path, i,
			    sector, nr_sectors);
		e->off = sector * ss;
		e->len = nr_sectors * ss;
		if (!e->len) {
			if (!(flags & LW_FLUSH))
				die("%s: entry %" PRIu64 ": empty write without a flush", path, i);
			continue;
		}
		if (flags & LW_DISCARD)
			continue;
		len = e->len;
		if (len > size - pos)
			die("%s: entry %" PRIu64 ": data of %" PRIu64 " bytes past the end", path, i, len);
		e->data = log + pos;
		pos += len;
	}
	if (!nr || !r->e[nr - 1].mark || strcmp(r->e[nr - 1].mark, LW_END_MARK))
		die("%s: the log does not end with the mark " LW_END_MARK
		    " (the log-writes device was not removed, or the log is cut)", path);
}

/* ---- judging a point ---- */

struct point {
	const char *kind;
	u64 entry;		/* log index the point is at */
	u64 from;		/* between: the pending writes' first log index */
	const u64 *pend;	/* between: log indices of the pending writes */
	const bool *in;		/* which of them are applied */
	u32 n;
};

static void describe(const struct replay *r, const struct point *p)
{
	const char *mark = "(none)";
	u64 i;
	u32 j;

	/* Between flushes: the mark before the first write that may be lost. */
	for (i = (p->in && p->n ? p->pend[0] : p->entry) + 1; i-- > 0;)
		if (i < r->nr && r->e[i].mark) {
			mark = r->e[i].mark;
			break;
		}
	printf("FAIL point: %s at log entry %" PRIu64 " (last mark before it: %s)\n",
	       p->kind, p->entry, mark);
	if (p->in) {
		printf("  writes since the last flush: %u, applied:", p->n);
		for (j = 0; j < p->n; j++)
			if (p->in[j])
				printf(" %" PRIu64, p->pend[j]);
		printf("\n");
	}
}

static dmr_printf(3, 4) bool fail(const struct replay *r, const struct point *p,
				   const char *fmt, ...)
{
	va_list ap;

	describe(r, p);
	printf("  ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return false;
}

static bool block_zero(const u8 *b, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (b[i])
			return false;
	return true;
}

static bool holds_pattern(const u8 *b, u32 len, const char *label)
{
	char line[LABEL_MAX + 2];
	u32 i;

	snprintf(line, sizeof(line), "%-15s\n", label);
	for (i = 0; i < len; i += LABEL_MAX + 1)
		if (memcmp(b + i, line, LABEL_MAX + 1))
			return false;
	return true;
}

static bool check_expectations(struct replay *r, const struct point *p,
			       const struct dmr_index *ix)
{
	struct dmr_index_entry ie;
	const struct expect *x;
	const u8 *b;
	bool found;
	size_t i;

	for (i = 0; i < r->nr_ex; i++) {
		x = &r->ex[i];
		found = dmr_index_lookup(ix, x->block, &ie);
		r->st.expect_checks++;
		if (x->kind == EXPECT_UNMAPPED) {
			if (found)
				return fail(r, p, "sector %" PRIu64 " has spare block %u, but it was unremapped (mark at entry %" PRIu64 ")",
					    x->sector, ie.spare_block, x->entry);
			continue;
		}
		if (!found || ie.state != DMR_SLOT_REMAPPED)
			return fail(r, p, "sector %" PRIu64 " is %s, but its remap was acknowledged (mark at entry %" PRIu64 ")",
				    x->sector, found ? "pending" : "not remapped", x->entry);
		b = r->img + (dmr_spare_sector(&r->m, ie.spare_block) << 9);
		if (!holds_pattern(b, r->geo.block_size, x->label))
			return fail(r, p, "sector %" PRIu64 ": spare block %u does not hold its acknowledged data \"%s\" (mark at entry %" PRIu64 "; it holds \"%.15s\")",
				    x->sector, ie.spare_block, x->label, x->entry, (const char *)b);
	}
	return true;
}

static bool check_nonzero(struct replay *r, const struct point *p, const struct dmr_index *ix)
{
	struct dmr_index_entry ie;
	u32 i;

	for (i = 0; i < ix->count; i++) {
		ie = dmr_index_get(ix, i);
		if (ie.state != DMR_SLOT_REMAPPED)
			continue;
		r->st.nonzero_checks++;
		if (block_zero(r->img + (dmr_spare_sector(&r->m, ie.spare_block) << 9),
			       r->geo.block_size))
			return fail(r, p, "main block %" PRIu64 " is remapped to spare block %u, which holds only zeroes",
				    ie.main_block, ie.spare_block);
	}
	return true;
}

/*
 * Judge the image as it stands, counting it in *counter. durable: a flush,
 * FUA or end point (its generation becomes the floor for later points).
 */
static bool judge(struct replay *r, const struct point *p, bool durable, u64 *counter)
{
	struct dmr_load_report rep;
	struct dmr_index *ix;
	struct dmr_out out;
	char err[1024];
	u64 gen;
	u32 c, v, ok = 0;
	bool was_recording = r->recording, good;
	int rc;

	rc = dmr_store_load(&r->m, &r->io, DMR_LOAD_READ_ONLY, &ix, &rep, err, sizeof(err));
	if (rc == -ENOMEM)
		die("%s", err);
	if (!r->formatted) {
		if (rc) {
			r->st.unjudged++;
			return true;
		}
		if (durable)
			r->formatted = true;
	}
	(*counter)++;
	if (rc)
		return fail(r, p, "the metadata does not load: %s", err);
	dmr_out_init(&out, r->checkbuf, 65536);
	v = dmr_meta_check(&r->m, ix, &out);
	if (v) {
		dmr_index_free(ix);
		return fail(r, p, "%u invariant violation(s):\n%s", v, r->checkbuf);
	}
	gen = r->m.generation;
	if (gen < r->durable_gen) {
		dmr_index_free(ix);
		return fail(r, p, "generation %" PRIu64 " loaded, but %" PRIu64 " was durable already",
			    gen, r->durable_gen);
	}
	good = check_expectations(r, p, ix) && (!r->nonzero_data || check_nonzero(r, p, ix));
	for (c = 0; c < r->m.place.copies; c++)
		ok += rep.copy[c].state == DMR_COPY_OK;
	if (ok == r->m.place.copies)
		r->st.clean++;
	if (r->m.nr_remapped > r->st.max_remapped)
		r->st.max_remapped = r->m.nr_remapped;
	if (!r->st.min_gen || gen < r->st.min_gen)
		r->st.min_gen = (u32)gen;
	if (gen > r->st.max_gen)
		r->st.max_gen = (u32)gen;
	if (r->verbose && durable)
		printf("%s at entry %" PRIu64 ": generation %" PRIu64 ", remapped %u, pending %u, bad %u, copies current %u/%u\n",
		       p->kind, p->entry, gen, r->m.nr_remapped, r->m.nr_pending, r->m.alloc.nr_bad,
		       ok, r->m.place.copies);
	dmr_index_free(ix);
	if (!good)
		return false;

	/* The activation after this power cut: repair, then every copy current. */
	r->recording = true;
	rc = dmr_store_load(&r->m, &r->io, 0, &ix, &rep, err, sizeof(err));
	dmr_index_free(ix);
	if (rc) {
		r->recording = was_recording;
		return fail(r, p, "activation (with repair) refused: %s", err);
	}
	rc = dmr_store_load(&r->m, &r->io, DMR_LOAD_READ_ONLY, &ix, &rep, err, sizeof(err));
	dmr_index_free(ix);
	good = !rc && r->m.generation == gen;
	for (c = 0; good && c < r->m.place.copies; c++)
		good = rep.copy[c].state == DMR_COPY_OK;
	if (!good)
		fail(r, p, "after the activation's repair: %s; generation %" PRIu64 " (was %" PRIu64 "), copy 0 %s %s",
		     rc ? err : "not every copy is current", r->m.generation, gen,
		     dmr_copy_state_name(rep.copy[0].state), rep.copy[0].why);
	if (!was_recording)
		rollback(r);	/* otherwise the caller's rollback undoes the repair too */
	r->recording = was_recording;
	if (good && durable)
		r->durable_gen = gen;
	return good;
}

/* ---- marks ---- */

static struct expect *find_expect(struct replay *r, u64 block)
{
	size_t i;

	for (i = 0; i < r->nr_ex; i++)
		if (r->ex[i].block == block)
			return &r->ex[i];
	return NULL;
}

static void mark(struct replay *r, u64 i)
{
	const char *t = r->e[i].mark;
	char kind[16], tag[64];
	u64 sector, block;
	struct expect *x;
	int n = 0;

	r->st.marks++;
	if (sscanf(t, "%15[a-z]:%" SCNu64 "%n", kind, &sector, &n) != 2 ||
	    (strcmp(kind, "mapped") && strcmp(kind, "unmapped") && strcmp(kind, "forget")))
		return;		/* an ordinary mark */
	if (sector >= r->geo.main_len)
		die("entry %" PRIu64 ": mark %s: sector past the device", i, t);
	block = sector / (r->geo.block_size >> 9);
	x = find_expect(r, block);
	if (!strcmp(kind, "forget")) {
		if (x)
			*x = r->ex[--r->nr_ex];
		if (t[n])
			die("entry %" PRIu64 ": mark %s: trailing text", i, t);
		return;
	}
	if (!x) {
		if (r->nr_ex == r->cap_ex) {
			r->cap_ex = r->cap_ex ? 2 * r->cap_ex : 64;
			r->ex = xrealloc(r->ex, r->cap_ex * sizeof(*r->ex));
		}
		x = &r->ex[r->nr_ex++];
	}
	memset(x, 0, sizeof(*x));
	x->sector = sector;
	x->block = block;
	x->entry = i;
	if (!strcmp(kind, "unmapped")) {
		x->kind = EXPECT_UNMAPPED;
		if (t[n])
			die("entry %" PRIu64 ": mark %s: trailing text", i, t);
		return;
	}
	x->kind = EXPECT_MAPPED;
	if (sscanf(t + n, ":%63s", tag) != 1 ||
	    (size_t)snprintf(x->label, sizeof(x->label), "%" PRIu64 ".%s", sector, tag) > LABEL_MAX)
		die("entry %" PRIu64 ": mark %s: want mapped:<sector>:<tag>, \"<sector>.<tag>\" at most %u characters",
		    i, t, LABEL_MAX);
	if (r->geo.block_size % (LABEL_MAX + 1))
		die("block size %u is not a multiple of the pattern line", r->geo.block_size);
}

/* ---- points between flushes ---- */

static bool between(struct replay *r, const char *kind, u64 *counter, u64 at,
		    const u64 *pend, bool *in, u32 n)
{
	struct point p = { .kind = kind, .entry = at, .pend = pend, .in = in, .n = n };
	bool ok;
	u32 j;

	r->recording = true;
	for (j = 0; j < n; j++)
		if (in[j])
			apply(r, &r->e[pend[j]]);
	ok = judge(r, &p, false, counter);
	rollback(r);
	r->recording = false;
	return ok;
}

/*
 * A power cut before the next flush: the state at the last flush plus any
 * subset of the n writes since (pend[]: their log indices), the empty one and
 * the full one excepted (judged as flush points).
 */
static bool between_points(struct replay *r, u64 at, const u64 *pend, u32 n)
{
	bool *in;
	u64 mask;
	u32 i, j, k;
	bool ok = true;

	if (n < 2)
		return true;
	in = xrealloc(NULL, n * sizeof(*in));
	if (n <= r->exhaustive) {
		for (mask = 1; ok && mask < (1ULL << n) - 1; mask++) {
			for (j = 0; j < n; j++)
				in[j] = mask >> j & 1;
			ok = between(r, "between (every subset)", &r->st.exhaustive, at, pend, in, n);
		}
		free(in);
		return ok;
	}
	for (i = 1; ok && i < n; i++) {
		for (j = 0; j < n; j++)
			in[j] = j < i;
		ok = between(r, "between (prefix)", &r->st.prefix, at, pend, in, n);
	}
	/* All but the last is a prefix already. */
	for (i = 0; ok && i + 1 < n; i++) {
		for (j = 0; j < n; j++)
			in[j] = j != i;
		ok = between(r, "between (all but one)", &r->st.except_one, at, pend, in, n);
	}
	for (k = 0; ok && k < r->subsets; k++) {
		for (j = 0; j < n; j++)
			in[j] = rnd(r) >> 63;
		ok = between(r, "between (random subset)", &r->st.random, at, pend, in, n);
	}
	free(in);
	return ok;
}

static bool replay(struct replay *r)
{
	struct point p = { 0 };
	u64 *pend = xrealloc(NULL, r->nr * sizeof(*pend));
	u64 i;
	u32 n = 0, j;
	bool ok = true;

	for (i = 0; ok && i < r->nr; i++) {
		const struct entry *e = &r->e[i];

		p.entry = i;
		if (e->mark) {
			mark(r, i);
			continue;
		}
		if (e->flags & LW_FLUSH) {
			ok = between_points(r, i, pend, n);
			for (j = 0; j < n; j++)
				apply(r, &r->e[pend[j]]);
			n = 0;
			p.kind = "flush";
			r->st.flushes++;
			ok = ok && judge(r, &p, true, &r->st.flush);
			if (!e->len)
				continue;
		}
		/* Data, possibly behind a preflush: a FUA write is durable at once. */
		if (e->flags & LW_DISCARD)
			r->st.discards++;
		else
			r->st.writes++;
		r->st.bytes += e->len;
		if (e->flags & LW_FUA) {
			apply(r, e);
			p.kind = "fua";
			r->st.fuas++;
			ok = ok && judge(r, &p, true, &r->st.fua);
		} else {
			pend[n++] = i;
			if (n > r->st.max_pending)
				r->st.max_pending = n;
		}
	}
	if (ok) {
		/* Writes never flushed (logged when the log-writes device went away). */
		ok = between_points(r, r->nr - 1, pend, n);
		for (j = 0; j < n; j++)
			apply(r, &r->e[pend[j]]);
		p.kind = "end";
		p.entry = r->nr - 1;
		ok = ok && judge(r, &p, true, &r->st.end);
	}
	free(pend);
	return ok;
}

static int usage(void)
{
	fprintf(stderr, "usage: dmr-log-replay [--seed <n>] [--subsets <n>] [--exhaustive <n>] [--nonzero-data] [--verbose]\n"
		"                      <log image> <spare image> <spare_start> <spare_len> <block_size> <main_len>\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "subsets", required_argument, NULL, 'n' },
		{ "exhaustive", required_argument, NULL, 'x' },
		{ "nonzero-data", no_argument, NULL, 'z' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct replay r = { .subsets = 8, .exhaustive = 8 };
	struct stat st;
	struct point p = { .kind = "end" };
	u64 seed = 0, v, bs, diff;
	bool have_seed = false, ok;
	char err[1024];
	u8 *final;
	int opt, fd;

	while ((opt = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (dmr_parse_u64(optarg, &seed))
				return usage();
			have_seed = true;
			break;
		case 'n':
		case 'x':
			if (dmr_parse_u64(optarg, &v) || v > (opt == 'x' ? 16 : 100000))
				return usage();
			if (opt == 'n')
				r.subsets = (u32)v;
			else
				r.exhaustive = (u32)v;
			break;
		case 'z':
			r.nonzero_data = true;
			break;
		case 'v':
			r.verbose = true;
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 6 || dmr_parse_u64(argv[optind + 2], &r.geo.spare_start) ||
	    dmr_parse_u64(argv[optind + 3], &r.geo.spare_len) ||
	    dmr_parse_u64(argv[optind + 4], &bs) || bs > DMR_MAX_BLOCK_SIZE ||
	    dmr_parse_u64(argv[optind + 5], &r.geo.main_len))
		return usage();
	r.geo.block_size = (u32)bs;
	if (!have_seed) {
		fd = open("/dev/urandom", O_RDONLY);
		if (fd < 0 || read(fd, &seed, sizeof(seed)) != sizeof(seed))
			die("/dev/urandom: %s", strerror(errno));
		close(fd);
		seed %= 1000000000;
	}
	r.rng = seed * 0x9e3779b97f4a7c15ULL + 1;

	read_log(&r, argv[optind]);
	fd = open(argv[optind + 1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die("%s: %s", argv[optind + 1], strerror(errno));
	r.size = (u64)st.st_size;
	final = xrealloc(NULL, r.size);
	if (pread(fd, final, r.size, 0) != (ssize_t)r.size)
		die("%s: short read", argv[optind + 1]);
	close(fd);
	r.img = calloc(1, r.size ? r.size : 1);
	if (!r.img)
		die("out of memory");
	for (v = 0; v < r.nr; v++)
		if (r.e[v].len && (r.e[v].off > r.size || r.e[v].len > r.size - r.e[v].off))
			die("entry %" PRIu64 ": bytes %" PRIu64 "+%" PRIu64 " are past the spare's end",
			    v, r.e[v].off, r.e[v].len);
	if (r.geo.spare_start > r.size >> 9 || r.geo.spare_len > (r.size >> 9) - r.geo.spare_start)
		die("spare region %" PRIu64 "+%" PRIu64 " ends past the spare image", r.geo.spare_start,
		    r.geo.spare_len);
	if (dmr_meta_init(&r.m, &r.geo, err, sizeof(err)))
		die("%s", err);
	r.io = (struct dmr_io){ .ctx = &r, .read = img_read, .write = img_write,
				.flush = img_flush, .buf_pages = SCRATCH_PAGES };
	r.io.buf = aligned_alloc(DMR_META_PAGE_SIZE, SCRATCH_PAGES * DMR_META_PAGE_SIZE);
	r.checkbuf = malloc(65536);
	if (!r.io.buf || !r.checkbuf)
		die("out of memory");

	printf("log %s: %" PRIu64 " entries, sectorsize %u; spare region %" PRIu64 "+%" PRIu64
	       ", block_size %u, %s layout, %u copies; seed %" PRIu64 "\n",
	       argv[optind], r.nr, r.sectorsize, r.geo.spare_start, r.geo.spare_len,
	       r.geo.block_size, r.m.place.strategy, r.m.place.copies, seed);
	fflush(stdout);
	ok = replay(&r);
	if (ok) {
		for (diff = 0; diff < r.size && r.img[diff] == final[diff]; diff++)
			;
		if (diff < r.size) {
			p.entry = r.nr - 1;
			ok = fail(&r, &p, "the whole log replayed differs from %s at byte %" PRIu64,
				  argv[optind + 1], diff);
		}
	}
	printf("log: %" PRIu64 " writes (%" PRIu64 " bytes), %" PRIu64 " discards, %" PRIu64
	       " flushes, %" PRIu64 " FUA writes, %" PRIu64 " marks; at most %" PRIu64 " writes between flushes\n",
	       r.st.writes, r.st.bytes, r.st.discards, r.st.flushes, r.st.fuas, r.st.marks, r.st.max_pending);
	printf("points judged: %" PRIu64 " flush, %" PRIu64 " fua, %" PRIu64 " between (%" PRIu64
	       " every subset, %" PRIu64 " prefix, %" PRIu64 " all but one, %" PRIu64 " random), %" PRIu64
	       " end; %" PRIu64 " before the first format, not judged\n",
	       r.st.flush, r.st.fua, r.st.exhaustive + r.st.prefix + r.st.except_one + r.st.random,
	       r.st.exhaustive, r.st.prefix, r.st.except_one, r.st.random, r.st.end, r.st.unjudged);
	printf("judged: generations %u..%u, at most %u remapped, %" PRIu64 " with every copy current; %"
	       PRIu64 " mark expectations and %" PRIu64 " non-zero data checks held\n",
	       r.st.min_gen, r.st.max_gen, r.st.max_remapped, r.st.clean, r.st.expect_checks,
	       r.st.nonzero_checks);
	v = r.st.flush + r.st.fua + r.st.end + r.st.exhaustive + r.st.prefix + r.st.except_one +
	    r.st.random;
	if (ok)
		printf("ok: %" PRIu64 " points checked (%" PRIu64 " flush, %" PRIu64 " fua, %" PRIu64
		       " between, %" PRIu64 " end)\n", v, r.st.flush, r.st.fua,
		       r.st.exhaustive + r.st.prefix + r.st.except_one + r.st.random, r.st.end);
	else
		printf("fail (seed %" PRIu64 ")\n", seed);
	for (v = 0; v < r.nr; v++)
		free(r.e[v].mark);
	free(r.e);
	free(r.img);
	free(final);
	free(r.undo);
	free(r.undo_buf);
	free(r.ex);
	free(r.io.buf);
	free(r.checkbuf);
	dmr_meta_destroy(&r.m);
	return ok ? 0 : 1;
}
