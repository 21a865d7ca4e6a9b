// SPDX-License-Identifier: GPL-2.0-only
#include "store.h"

#define PAGE_SECTORS (DMR_META_PAGE_SIZE >> 9)

static const char *const copy_state_names[] = {
	[DMR_COPY_UNCHECKED] = "unchecked",
	[DMR_COPY_OK] = "ok",
	[DMR_COPY_STALE] = "stale",
	[DMR_COPY_BAD] = "bad",
	[DMR_COPY_EMPTY] = "empty",
	[DMR_COPY_IOERR] = "ioerr",
	[DMR_COPY_FAILED] = "failed",
};

const char *dmr_copy_state_name(enum dmr_copy_state s)
{
	return copy_state_names[s];
}

static u8 *scratch_page(const struct dmr_io *io, u32 i)
{
	return (u8 *)io->buf + (size_t)i * DMR_META_PAGE_SIZE;
}

static bool io_async(const struct dmr_io *io)
{
	return io->read_start && io->read_wait && io->buf_pages >= 2;
}

/* Index entries sorted per step while a read is in flight: well under a read. */
#define BUILD_STEP 4096

/*
 * Slot pages of copy c, a run of pages at a time, to fn(arg, page number,
 * page). With io that can start reads, the halves of the buffer take turns:
 * the next run is read while fn checks this one, and bld (if not NULL) is
 * built a step at a time while a read is in flight. On a read error info
 * says where; fn's error is returned as it is. No read is left in flight.
 */
static int each_slot_page(const struct dmr_meta *m, const struct dmr_io *io, u32 c,
			  int (*fn)(void *arg, u32 p, const void *page), void *arg,
			  struct dmr_index_builder *bld, struct dmr_copy_info *info)
{
	bool async = io_async(io), ahead = false, more = false;
	u32 run = async ? io->buf_pages / 2 : io->buf_pages;
	u32 p = 0, n, i, half = 0, at = 0;
	int r = 0, start_r = 0;

	if (async && m->nr_pages) {
		r = io->read_start(io->ctx, dmr_copy_page_sector(m, c, 1), io->buf,
				   (size_t)min_t(u32, run, m->nr_pages) * DMR_META_PAGE_SIZE);
		ahead = !r;
	}
	while (!r && p < m->nr_pages) {
		n = min_t(u32, run, m->nr_pages - p);
		at = p;
		if (async) {
			/* The next run into the other half, then wait for this one. */
			more = p + n < m->nr_pages;
			if (more)
				start_r = io->read_start(io->ctx, dmr_copy_page_sector(m, c, 1 + p + n),
							 scratch_page(io, half ? 0 : run),
							 (size_t)min_t(u32, run, m->nr_pages - p - n) *
							 DMR_META_PAGE_SIZE);
			if (bld && io->read_busy)
				while (io->read_busy(io->ctx) && dmr_index_build_step(bld, BUILD_STEP))
					dmr_cond_resched();
			r = io->read_wait(io->ctx);
			ahead = more && !start_r;
		} else {
			r = io->read(io->ctx, dmr_copy_page_sector(m, c, 1 + p), io->buf,
				     (size_t)n * DMR_META_PAGE_SIZE);
		}
		if (r)
			break;
		for (i = 0; i < n; i++) {
			r = fn(arg, p + i, scratch_page(io, (half ? run : 0) + i));
			if (r)
				goto out;
		}
		p += n;
		half ^= async;
		if (start_r) {
			r = start_r;
			at = p;
		}
	}
	if (r) {
		info->state = DMR_COPY_IOERR;
		snprintf(info->why, sizeof(info->why), "read error %d at slot page %u", r, at);
	}
out:
	if (ahead)
		io->read_wait(io->ctx);
	return r;
}

struct page_check {
	struct dmr_meta *m;
	struct dmr_copy_info *info;
};

static int load_one(void *arg, u32 p, const void *page)
{
	struct page_check *pc = arg;

	if (dmr_meta_load_page(pc->m, p, page, pc->info->why, sizeof(pc->info->why))) {
		pc->info->state = DMR_COPY_BAD;
		return -EINVAL;
	}
	return 0;
}

/* Read the slot pages of copy c into m (validating each). */
static int load_pages(struct dmr_meta *m, const struct dmr_io *io, u32 c,
		      struct dmr_copy_info *info)
{
	struct page_check pc = { m, info };

	return each_slot_page(m, io, c, load_one, &pc, NULL, info);
}

static int compare_one(void *arg, u32 p, const void *page)
{
	struct page_check *pc = arg;

	return dmr_meta_compare_page(pc->m, p, page, pc->info->why, sizeof(pc->info->why)) ?
	       -EINVAL : 0;
}

/*
 * Read and decode copy c's superblock into sb: 0 with its verdict in *v
 * (CORRUPT also for one that heads another copy), or the read's -errno;
 * why says what is wrong.
 */
static int read_sb(const struct dmr_meta *m, const struct dmr_io *io, u32 c,
		   struct dmr_sb_info *sb, enum dmr_sb_verdict *v, char *why, size_t whylen)
{
	int r = io->read(io->ctx, dmr_copy_page_sector(m, c, 0), io->buf, DMR_META_PAGE_SIZE);

	if (r) {
		snprintf(why, whylen, "read error %d at the superblock", r);
		return r;
	}
	*v = dmr_sb_decode(io->buf, &m->geo, sb, why, whylen);
	if (*v == DMR_SB_VALID && sb->copy_index != c) {
		snprintf(why, whylen, "superblock says it heads copy %u", sb->copy_index);
		*v = DMR_SB_CORRUPT;
	}
	return 0;
}

/* dmr_store_verify_copy, building bld (if not NULL) while reads are in flight. */
static void verify_copy(const struct dmr_meta *m, const struct dmr_io *io, u32 c,
			struct dmr_copy_info *info, struct dmr_index_builder *bld)
{
	/* compare_one only reads m. */
	struct page_check pc = { (struct dmr_meta *)m, info };
	struct dmr_sb_info sb;
	enum dmr_sb_verdict v;

	memset(info, 0, sizeof(*info));
	if (read_sb(m, io, c, &sb, &v, info->why, sizeof(info->why))) {
		info->state = DMR_COPY_IOERR;
		return;
	}
	info->generation = sb.generation;
	if (v == DMR_SB_ZERO) {
		info->state = DMR_COPY_EMPTY;
		snprintf(info->why, sizeof(info->why), "superblock is all zeroes");
		return;
	}
	info->state = DMR_COPY_BAD;
	if (v != DMR_SB_VALID)
		return;
	if (sb.generation < m->generation) {
		info->state = DMR_COPY_STALE;
		snprintf(info->why, sizeof(info->why), "generation %llu, current is %llu",
			 (unsigned long long)sb.generation, (unsigned long long)m->generation);
		return;
	}
	if (sb.generation != m->generation || sb.pages_crc != dmr_meta_pages_crc(m) ||
	    sb.nr_remapped != m->nr_remapped || sb.nr_pending != m->nr_pending ||
	    sb.nr_bad != m->alloc.nr_bad) {
		snprintf(info->why, sizeof(info->why), "superblock (generation %llu) differs from memory (generation %llu)",
			 (unsigned long long)sb.generation, (unsigned long long)m->generation);
		return;
	}
	if (each_slot_page(m, io, c, compare_one, &pc, bld, info))
		return;
	info->state = DMR_COPY_OK;
	info->why[0] = '\0';
}

void dmr_store_verify_copy(const struct dmr_meta *m, const struct dmr_io *io, u32 c,
			   struct dmr_copy_info *info)
{
	verify_copy(m, io, c, info, NULL);
}

/*
 * Write the pages of copy c that are dirty (all if full), then its
 * superblock at generation, then flush.
 */
static int write_copy(struct dmr_meta *m, const struct dmr_io *io, u32 c,
		      u64 generation, bool full, struct dmr_copy_info *info)
{
	u32 p = 0, n;
	int r;

	while (p < m->nr_pages) {
		if (!full && !dmr_meta_page_dirty(m, p)) {
			p++;
			continue;
		}
		/* A run of consecutive pages to write, as long as the scratch allows. */
		for (n = 0; n < io->buf_pages && p + n < m->nr_pages &&
		     (full || dmr_meta_page_dirty(m, p + n)); n++)
			dmr_meta_encode_page(m, p + n, scratch_page(io, n));
		r = io->write(io->ctx, dmr_copy_page_sector(m, c, 1 + p), io->buf,
			      (size_t)n * DMR_META_PAGE_SIZE);
		if (r) {
			snprintf(info->why, sizeof(info->why), "write error %d at slot page %u", r, p);
			return r;
		}
		p += n;
	}
	dmr_meta_encode_sb(m, c, generation, io->buf);
	r = io->write(io->ctx, dmr_copy_page_sector(m, c, 0), io->buf, DMR_META_PAGE_SIZE);
	if (r) {
		snprintf(info->why, sizeof(info->why), "write error %d at the superblock", r);
		return r;
	}
	r = io->flush(io->ctx);
	if (r)
		snprintf(info->why, sizeof(info->why), "flush error %d", r);
	return r;
}

u32 dmr_store_commit(struct dmr_meta *m, const struct dmr_io *io,
		     struct dmr_copy_info *rep)
{
	struct dmr_copy_info info;
	u64 generation = m->generation + 1;
	u32 c, ok = 0;

	m->copies_ok = 0;
	for (c = 0; c < m->place.copies; c++) {
		memset(&info, 0, sizeof(info));
		if (write_copy(m, io, c, generation, false, &info)) {
			info.state = DMR_COPY_FAILED;
		} else {
			info.state = DMR_COPY_OK;
			ok++;
			m->copies_ok |= 1U << c;
		}
		if (rep)
			rep[c] = info;
	}
	/*
	 * Even when no copy is confirmed, a write may have landed: later
	 * commits must use a newer generation than any that may be on disk.
	 */
	m->generation = generation;
	if (ok)
		dmr_meta_clean(m);
	return ok;
}

int dmr_store_write_copy(struct dmr_meta *m, const struct dmr_io *io, u32 c)
{
	struct dmr_copy_info info;

	return write_copy(m, io, c, m->generation, true, &info);
}

int dmr_store_first_data(const struct dmr_meta *m, const struct dmr_io *io, u64 *sector)
{
	u64 at = m->geo.spare_start, end = at + m->geo.spare_len;
	size_t bytes, i;
	const u64 *w;
	int r;

	while (at < end) {
		bytes = (size_t)min_t(u64, (u64)io->buf_pages * PAGE_SECTORS, end - at) << 9;
		r = io->read(io->ctx, at, io->buf, bytes);
		if (r)
			return r;
		w = io->buf;
		for (i = 0; i < bytes / sizeof(*w); i++) {
			if (w[i]) {
				*sector = at + i * sizeof(*w) / 512;
				return 0;
			}
		}
		at += bytes >> 9;
	}
	*sector = end;
	return 0;
}

u64 dmr_store_newest(const struct dmr_meta *m, const struct dmr_io *io)
{
	enum dmr_sb_verdict v;
	struct dmr_sb_info sb;
	char why[112];
	u64 newest = 0;
	u32 c;

	/* A copy that cannot be read is one no load could choose either. */
	for (c = 0; c < m->place.copies; c++)
		if (!read_sb(m, io, c, &sb, &v, why, sizeof(why)) && v == DMR_SB_VALID &&
		    sb.generation > newest)
			newest = sb.generation;
	return newest;
}

u32 dmr_store_format(struct dmr_meta *m, const struct dmr_io *io, struct dmr_copy_info *rep)
{
	dmr_meta_reset(m);
	m->generation = 0;
	return dmr_store_commit(m, io, rep);
}

/* Format the empty region that load found (rep->unformatted). */
static int write_format(struct dmr_meta *m, const struct dmr_io *io,
			struct dmr_load_report *rep, char *err, size_t errlen)
{
	u32 c;

	if (!dmr_store_format(m, io, rep->copy)) {
		snprintf(err, errlen, "formatting the spare region failed: %s", rep->copy[0].why);
		return -EIO;
	}
	rep->unformatted = false;
	rep->formatted = true;
	for (c = 0; c < m->place.copies; c++)
		if (m->copies_ok & (1U << c))
			rep->copy[c].state = DMR_COPY_OK;
	return 0;
}

/* Every copy not current and intact is rewritten from the chosen one. */
static void repair(struct dmr_meta *m, const struct dmr_io *io, struct dmr_load_report *rep)
{
	u32 c;
	int r;

	for (c = 0; c < m->place.copies; c++) {
		if (m->copies_ok & (1U << c))
			continue;
		r = dmr_store_write_copy(m, io, c);
		if (r) {
			rep->copy[c].state = DMR_COPY_FAILED;
			snprintf(rep->copy[c].why, sizeof(rep->copy[c].why), "repair failed: error %d", r);
			continue;
		}
		rep->repaired |= 1U << c;
		m->copies_ok |= 1U << c;
	}
}

int dmr_store_finish(struct dmr_meta *m, const struct dmr_io *io, struct dmr_load_report *rep,
		     char *err, size_t errlen)
{
	enum dmr_sb_verdict v;
	struct dmr_sb_info sb;
	char why[112];
	u32 c;
	int r;

	if (!rep->unformatted) {
		repair(m, io, rep);
		return 0;
	}
	/* Still empty? Something may have written there since the load. */
	for (c = 0; c < m->place.copies; c++) {
		r = read_sb(m, io, c, &sb, &v, why, sizeof(why));
		if (r) {
			snprintf(err, errlen, "copy %u: %s, before formatting", c, why);
			return r;
		}
		if (v != DMR_SB_ZERO) {
			snprintf(err, errlen, "spare region was written since it was read empty (copy %u's superblock); refusing to format it",
				 c);
			return -EINVAL;
		}
	}
	return write_format(m, io, rep, err, errlen);
}

static int refuse(struct dmr_load_report *rep, u32 copies, char *err, size_t errlen,
		  const char *what)
{
	size_t len;
	u32 c;

	len = (size_t)snprintf(err, errlen, "%s", what);
	for (c = 0; c < copies && len < errlen; c++)
		len += (size_t)snprintf(err + len, errlen - len, "; copy %u %s%s%s", c,
					dmr_copy_state_name(rep->copy[c].state),
					rep->copy[c].why[0] ? ": " : "", rep->copy[c].why);
	return -EINVAL;
}

int dmr_store_load(struct dmr_meta *m, const struct dmr_io *io, unsigned int flags,
		   struct dmr_index **ix, struct dmr_load_report *rep,
		   char *err, size_t errlen)
{
	struct dmr_copy_info before[DMR_MAX_COPIES];
	struct dmr_sb_info sb[DMR_MAX_COPIES];
	enum dmr_sb_verdict v[DMR_MAX_COPIES];
	struct dmr_index_builder bld;
	u32 copies = m->place.copies, c, best;
	bool tried[DMR_MAX_COPIES] = { false };
	bool empty = true;
	u64 data;
	int r;

	memset(rep, 0, sizeof(*rep));
	rep->chosen = -1;
	*ix = NULL;
	for (c = 0; c < copies; c++) {
		struct dmr_copy_info *ci = &rep->copy[c];

		if (read_sb(m, io, c, &sb[c], &v[c], ci->why, sizeof(ci->why))) {
			ci->state = DMR_COPY_IOERR;
			v[c] = DMR_SB_CORRUPT;
			empty = false;
			continue;
		}
		ci->generation = sb[c].generation;
		if (v[c] == DMR_SB_ZERO) {
			ci->state = DMR_COPY_EMPTY;
			continue;
		}
		empty = false;
		ci->state = DMR_COPY_BAD;
		if (v[c] == DMR_SB_MISMATCH || v[c] == DMR_SB_UNSUPPORTED) {
			snprintf(err, errlen, "spare region holds dm-remap metadata this table line cannot use: copy %u: %s",
				 c, ci->why);
			return -EINVAL;
		}
		if (v[c] == DMR_SB_VALID && sb[c].generation > rep->newest)
			rep->newest = sb[c].generation;
	}

	/*
	 * Newest valid superblock first; the first whose pages validate wins.
	 * The other copies are read and compared with it while its index is
	 * built, so that the sort overlaps their reads.
	 */
	for (;;) {
		best = copies;
		for (c = 0; c < copies; c++)
			if (v[c] == DMR_SB_VALID && !tried[c] &&
			    (best == copies || sb[c].generation > sb[best].generation))
				best = c;
		if (best == copies)
			break;
		tried[best] = true;
		dmr_meta_reset(m);
		if (load_pages(m, io, best, &rep->copy[best]))
			continue;
		r = dmr_meta_load_check(m, &sb[best], &bld, rep->copy[best].why,
					sizeof(rep->copy[best].why));
		if (r == -ENOMEM) {
			snprintf(err, errlen, "out of memory loading the metadata");
			return r;
		}
		if (r) {
			rep->copy[best].state = DMR_COPY_BAD;
			continue;
		}
		memcpy(before, rep->copy, sizeof(before));
		for (c = 0; c < copies; c++) {
			if (c == best)
				continue;
			if (v[c] == DMR_SB_VALID && sb[c].generation == m->generation && !tried[c]) {
				verify_copy(m, io, c, &rep->copy[c], &bld);
			} else if (v[c] == DMR_SB_VALID && sb[c].generation < m->generation) {
				rep->copy[c].state = DMR_COPY_STALE;
				snprintf(rep->copy[c].why, sizeof(rep->copy[c].why),
					 "generation %llu, current is %llu",
					 (unsigned long long)sb[c].generation,
					 (unsigned long long)m->generation);
			}
		}
		if (dmr_meta_load_end(m, &bld, ix, rep->copy[best].why,
				      sizeof(rep->copy[best].why))) {
			/* Compared with a copy that is not valid after all: forget it. */
			for (c = 0; c < copies; c++)
				if (c != best)
					rep->copy[c] = before[c];
			rep->copy[best].state = DMR_COPY_BAD;
			continue;
		}
		rep->chosen = (int)best;
		break;
	}

	if (rep->chosen < 0) {
		if (!empty)
			return refuse(rep, copies, err, errlen,
				      "no valid metadata copy in the spare region, refusing to format it");
		if (flags & DMR_LOAD_READ_ONLY) {
			snprintf(err, errlen, "spare region is not formatted and the table says read_only");
			return -EINVAL;
		}
		if (flags & DMR_LOAD_NO_FORMAT) {
			snprintf(err, errlen, "spare region is not formatted: every metadata copy is empty");
			return -EINVAL;
		}
		r = dmr_store_first_data(m, io, &data);
		if (r) {
			snprintf(err, errlen, "read error %d checking that the spare region is empty", r);
			return r;
		}
		if (data < m->geo.spare_start + m->geo.spare_len) {
			snprintf(err, errlen, "spare region holds data but no dm-remap metadata; refusing to format it (zero it or use dmremap format)");
			return -EINVAL;
		}
		*ix = dmr_index_alloc(0, 0);
		if (!*ix) {
			snprintf(err, errlen, "cannot allocate the lookup index");
			return -ENOMEM;
		}
		/* m is still as dmr_meta_init() made it: no copy was tried. */
		rep->unformatted = true;
		if (flags & DMR_LOAD_DEFER_WRITES)
			return 0;
		r = write_format(m, io, rep, err, errlen);
		if (r) {
			dmr_index_free(*ix);
			*ix = NULL;
		}
		return r;
	}

	/* Every other copy: current and intact, or to be rewritten from the chosen one. */
	m->copies_ok = 1U << rep->chosen;
	rep->copy[rep->chosen].state = DMR_COPY_OK;
	for (c = 0; c < copies; c++)
		if (rep->copy[c].state == DMR_COPY_OK)
			m->copies_ok |= 1U << c;
	if (!(flags & (DMR_LOAD_READ_ONLY | DMR_LOAD_DEFER_WRITES)))
		repair(m, io, rep);
	return 0;
}
