// Activation (dmr_store_load) with synchronous reads and with reads started
// ahead (read_start/read_busy/read_wait): the same copy chosen, the same
// verdict on every copy, the same index, whatever read fails where, and no
// read left in flight.
#include "unit.h"
#include "store.h"

#define PAGE DMR_META_PAGE_SIZE
#define BUF_PAGES 8

struct img {
	u8 *data;
	u64 sectors;
	u64 bad_sector;		/* a read covering it fails (or U64_MAX) */
	u32 fail_start;		/* the n-th read_start fails (0: none) */
	u32 starts;
	/* Reads started and not yet waited for, oldest first. */
	int result[2];
	u32 in_flight, busy_polls;
	u64 reads;
	/* Pages that writes may still land (U64_MAX: no limit); then they fail: a power cut. */
	u64 write_budget;
	u64 pages_written;
};

static int copy_out(struct img *im, u64 sector, void *buf, size_t bytes)
{
	assert_true(sector + bytes / 512 <= im->sectors);
	im->reads++;
	if (im->bad_sector >= sector && im->bad_sector < sector + bytes / 512)
		return -EIO;
	memcpy(buf, im->data + sector * 512, bytes);
	return 0;
}

static int img_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct img *im = ctx;

	assert_int_equal(im->in_flight, 0);	/* no synchronous read under a started one */
	return copy_out(im, sector, buf, bytes);
}

static int img_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	struct img *im = ctx;
	u64 pages = bytes / PAGE;

	assert_true(sector + bytes / 512 <= im->sectors);
	if (pages > im->write_budget) {
		/* The cut falls in this write: its first pages landed. */
		memcpy(im->data + sector * 512, buf, im->write_budget * PAGE);
		im->pages_written += im->write_budget;
		im->write_budget = 0;
		return -EIO;
	}
	if (im->write_budget != U64_MAX)
		im->write_budget -= pages;
	im->pages_written += pages;
	memcpy(im->data + sector * 512, buf, bytes);
	return 0;
}

static int img_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static int img_start(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct img *im = ctx;
	int r;

	assert_true(im->in_flight < 2);
	if (++im->starts == im->fail_start)
		return -ENOMEM;
	r = copy_out(im, sector, buf, bytes);
	im->result[im->in_flight++] = r;
	im->busy_polls = 3;
	return 0;
}

/* In flight for a few polls, so that activation gets to build between reads. */
static bool img_busy(void *ctx)
{
	struct img *im = ctx;

	assert_true(im->in_flight > 0);
	if (!im->busy_polls)
		return false;
	im->busy_polls--;
	return true;
}

static int img_wait(void *ctx)
{
	struct img *im = ctx;
	int r;

	assert_true(im->in_flight > 0);
	r = im->result[0];
	im->result[0] = im->result[1];
	im->in_flight--;
	return r;
}

static void io_for(struct dmr_io *io, struct img *im, bool ahead)
{
	*io = (struct dmr_io){ .ctx = im, .read = img_read, .write = img_write,
			       .flush = img_flush, .buf_pages = BUF_PAGES };
	if (ahead) {
		io->read_start = img_start;
		io->read_busy = img_busy;
		io->read_wait = img_wait;
	}
	io->buf = malloc(BUF_PAGES * PAGE);
	assert_non_null(io->buf);
}

static const struct dmr_geometry geo = {
	.block_size = 4096, .spare_start = 0, .spare_len = 16384 * 8, .main_len = 1 << 24,
};

/* A region of 16,384 blocks (medium: 3 copies of 33 slot pages) with n remaps. */
static void make_image(struct img *im, u32 n)
{
	struct dmr_load_report rep;
	struct dmr_index *ix;
	struct dmr_meta m;
	struct dmr_io io;
	char err[256];
	u32 spare;

	memset(im, 0, sizeof(*im));
	im->sectors = geo.spare_len;
	im->data = calloc(im->sectors, 512);
	im->bad_sector = U64_MAX;
	im->write_budget = U64_MAX;
	assert_non_null(im->data);
	io_for(&io, im, false);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_store_load(&m, &io, 0, &ix, &rep, err, sizeof(err)), 0);
	assert_true(rep.formatted);
	dmr_index_free(ix);
	for (u32 i = 0; i < n; i++)
		assert_int_equal(dmr_meta_add(&m, (i * 7919ULL) % (1 << 21), i % 5 ? DMR_SLOT_REMAPPED :
					      DMR_SLOT_PENDING, &spare), 0);
	assert_int_equal(dmr_store_commit(&m, &io, NULL), m.place.copies);
	dmr_meta_destroy(&m);
	free(io.buf);
}

struct result {
	int r;
	struct dmr_load_report rep;
	u32 count;
	u64 sum;		/* of the index's entries, to compare indexes */
	u32 copies_ok;
};

static void load(struct img *im, bool ahead, unsigned int flags, struct result *res)
{
	struct dmr_index *ix = NULL;
	struct dmr_meta m;
	struct dmr_io io;
	char err[512];

	io_for(&io, im, ahead);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	memset(res, 0, sizeof(*res));
	res->r = dmr_store_load(&m, &io, flags, &ix, &res->rep, err, sizeof(err));
	assert_int_equal(im->in_flight, 0);
	if (!res->r) {
		res->count = ix->count;
		for (u32 i = 0; i < ix->count; i++) {
			struct dmr_index_entry e = dmr_index_get(ix, i);

			res->sum = res->sum * 31 + e.main_block * 7 + e.spare_block * 3 + e.state;
		}
		res->copies_ok = m.copies_ok;
	}
	dmr_index_free(ix);
	dmr_meta_destroy(&m);
	free(io.buf);
}

static void assert_same_result(const struct result *a, const struct result *b)
{
	assert_int_equal(a->r, b->r);
	assert_int_equal(a->rep.chosen, b->rep.chosen);
	assert_int_equal(a->count, b->count);
	assert_true(a->sum == b->sum);
	assert_int_equal(a->copies_ok, b->copies_ok);
	for (u32 c = 0; c < DMR_MAX_COPIES; c++) {
		assert_int_equal(a->rep.copy[c].state, b->rep.copy[c].state);
		/* The runs differ (half the buffer ahead): so does a read error's first page. */
		if (a->rep.copy[c].state != DMR_COPY_IOERR)
			assert_string_equal(a->rep.copy[c].why, b->rep.copy[c].why);
	}
}

/* Both ways on the same image, read-only so that neither repairs it. */
static void both_ways(struct img *im, struct result *res)
{
	struct result ahead;

	load(im, false, DMR_LOAD_READ_ONLY, res);
	im->starts = 0;
	load(im, true, DMR_LOAD_READ_ONLY, &ahead);
	assert_same_result(res, &ahead);
}

static void test_clean(void **state)
{
	struct result res;
	struct img im;
	(void)state;

	make_image(&im, 5000);
	both_ways(&im, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.count, 5000);
	assert_int_equal(res.copies_ok, 7);
	free(im.data);
}

/* A read error in every place of every copy: the same outcome both ways. */
static void test_read_errors(void **state)
{
	struct dmr_meta m;
	struct result res;
	struct img im;
	char err[256];
	u32 seen_ioerr = 0;
	(void)state;

	make_image(&im, 5000);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	for (u32 c = 0; c < m.place.copies; c++) {
		for (u32 p = 0; p <= m.nr_pages; p += 1 + p % 7) {
			im.bad_sector = dmr_copy_page_sector(&m, c, p) + p % 8;
			both_ways(&im, &res);
			assert_int_equal(res.r, 0);
			assert_int_equal(res.count, 5000);
			seen_ioerr += res.rep.copy[c].state == DMR_COPY_IOERR;
		}
	}
	assert_true(seen_ioerr > 3 * 10);
	im.bad_sector = U64_MAX;
	dmr_meta_destroy(&m);
	free(im.data);
}

/* A read that cannot be started, at every point: an I/O error of that copy. */
static void test_start_errors(void **state)
{
	struct result sync, ahead;
	struct img im;
	(void)state;

	make_image(&im, 2000);
	load(&im, false, DMR_LOAD_READ_ONLY, &sync);
	for (u32 n = 1; n < 200; n++) {
		im.starts = 0;
		im.fail_start = n;
		load(&im, true, DMR_LOAD_READ_ONLY, &ahead);
		assert_int_equal(ahead.r, 0);
		assert_int_equal(ahead.count, sync.count);
		assert_true(ahead.sum == sync.sum);
		if (ahead.rep.chosen == sync.rep.chosen && ahead.copies_ok != sync.copies_ok)
			assert_int_equal(ahead.rep.copy[__builtin_ctz(sync.copies_ok ^ ahead.copies_ok)].state,
					 DMR_COPY_IOERR);
	}
	free(im.data);
}

/* A damaged page in another copy: found while the index is built, repaired. */
static void test_damage_found_and_repaired(void **state)
{
	struct dmr_meta m;
	struct result res;
	struct img im;
	char err[256];
	(void)state;

	make_image(&im, 5000);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	im.data[dmr_copy_page_sector(&m, 2, 10) * 512 + 1000] ^= 4;
	both_ways(&im, &res);
	assert_int_equal(res.rep.chosen, 0);
	assert_int_equal(res.rep.copy[2].state, DMR_COPY_BAD);
	assert_int_equal(res.copies_ok, 3);
	/* Read-write: copy 2 is rewritten, and then all three are ok. */
	im.starts = 0;
	load(&im, true, 0, &res);
	assert_int_equal(res.rep.repaired, 4);
	load(&im, true, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.copies_ok, 7);
	dmr_meta_destroy(&m);
	free(im.data);
}

/*
 * dmr_store_format is what activation writes into an all-zero region, byte
 * for byte; it overwrites metadata that was there, copy by copy.
 */
static void test_format(void **state)
{
	struct dmr_copy_info ci[DMR_MAX_COPIES];
	struct img loaded, formatted;
	struct dmr_meta m;
	struct result res;
	struct dmr_io io;
	char err[256];
	u64 data;
	(void)state;

	make_image(&loaded, 0);	/* formatted by activation, then one commit */
	memset(&formatted, 0, sizeof(formatted));
	formatted.sectors = geo.spare_len;
	formatted.data = calloc(formatted.sectors, 512);
	formatted.bad_sector = U64_MAX;
	formatted.write_budget = U64_MAX;
	assert_non_null(formatted.data);
	io_for(&io, &formatted, false);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_store_first_data(&m, &io, &data), 0);
	assert_true(data == geo.spare_start + geo.spare_len);
	assert_int_equal(dmr_store_format(&m, &io, ci), 3);
	assert_int_equal(m.generation, 1);
	assert_int_equal(m.copies_ok, 7);
	for (u32 c = 0; c < 3; c++)
		assert_int_equal(ci[c].state, DMR_COPY_OK);
	assert_int_equal(dmr_store_first_data(&m, &io, &data), 0);
	assert_true(data == dmr_copy_page_sector(&m, 0, 0));
	/* Activation's format and its commit of nothing new: generation 2. */
	load(&loaded, false, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(dmr_store_commit(&m, &io, NULL), 3);
	assert_memory_equal(formatted.data, loaded.data, geo.spare_len * 512);

	/* Over remaps: all gone, generation 1 again. */
	free(loaded.data);
	make_image(&loaded, 100);
	free(io.buf);
	io_for(&io, &loaded, false);
	assert_int_equal(dmr_store_format(&m, &io, NULL), 3);
	load(&loaded, false, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.count, 0);
	assert_int_equal(res.rep.copy[0].generation, 1);
	assert_int_equal(res.copies_ok, 7);

	/* A non-zero byte anywhere is found, in its sector. */
	memset(formatted.data, 0, geo.spare_len * 512);
	formatted.data[777777] = 1;
	free(io.buf);
	io_for(&io, &formatted, false);
	assert_int_equal(dmr_store_first_data(&m, &io, &data), 0);
	assert_int_equal(data, 777777 / 512);
	formatted.bad_sector = 5;
	assert_int_equal(dmr_store_first_data(&m, &io, &data), -EIO);
	dmr_meta_destroy(&m);
	free(io.buf);
	free(loaded.data);
	free(formatted.data);
}

/* DMR_LOAD_NO_FORMAT repairs, but neither formats nor writes without a valid copy. */
static void test_no_format(void **state)
{
	struct dmr_meta m;
	struct result res;
	struct img im;
	u8 *before;
	char err[256];
	(void)state;

	memset(&im, 0, sizeof(im));
	im.sectors = geo.spare_len;
	im.data = calloc(im.sectors, 512);
	im.bad_sector = U64_MAX;
	im.write_budget = U64_MAX;
	assert_non_null(im.data);
	load(&im, false, DMR_LOAD_NO_FORMAT, &res);
	assert_int_equal(res.r, -EINVAL);
	load(&im, false, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.r, -EINVAL);
	for (u64 i = 0; i < im.sectors * 512; i++)
		assert_int_equal(im.data[i], 0);
	free(im.data);

	make_image(&im, 300);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	im.data[dmr_copy_page_sector(&m, 1, 0) * 512 + 20] ^= 1;
	load(&im, false, DMR_LOAD_NO_FORMAT, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.rep.repaired, 2);
	load(&im, false, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.copies_ok, 7);
	assert_int_equal(res.count, 300);

	/* Every copy damaged: refused, nothing written. */
	for (u32 c = 0; c < 3; c++)
		im.data[dmr_copy_page_sector(&m, c, 1) * 512 + 40] ^= 1;
	before = malloc(im.sectors * 512);
	assert_non_null(before);
	memcpy(before, im.data, im.sectors * 512);
	load(&im, false, DMR_LOAD_NO_FORMAT, &res);
	assert_int_equal(res.r, -EINVAL);
	assert_memory_equal(before, im.data, im.sectors * 512);
	free(before);
	dmr_meta_destroy(&m);
	free(im.data);
}

/*
 * What dmremap format (gen 0 here) and restore (a table committed in full at
 * gen) write over metadata at generation 2.
 */
static void write_over(struct img *im, u64 gen)
{
	struct dmr_meta m;
	struct dmr_io io;
	char err[256];

	io_for(&io, im, false);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	if (!gen) {
		dmr_store_format(&m, &io, NULL);
	} else {
		for (u32 i = 0; i < 100; i++)
			assert_int_equal(dmr_meta_set_slot(&m, 6000 + 3 * i,
							   dmr_slot_make(i % 4 ? DMR_SLOT_REMAPPED :
									 DMR_SLOT_PENDING, 11ULL * i),
							   err, sizeof(err)), 0);
		m.generation = gen - 1;
		dmr_store_commit(&m, &io, NULL);
	}
	dmr_meta_destroy(&m);
	free(io.buf);
}

/*
 * Two loads of one region, as a table and the table a reload puts in its
 * place: what the older one commits after the newer one loaded is seen by
 * dmr_store_newest() (also with a copy unreadable), and a second load of the
 * newer one has it.
 */
static void test_newest(void **state)
{
	struct dmr_load_report rep;
	struct dmr_index *ix, *ix2;
	struct dmr_meta live, next;
	struct dmr_io io;
	struct img im;
	char err[256];
	u32 spare;
	u64 g;
	(void)state;

	make_image(&im, 100);
	io_for(&io, &im, false);
	assert_int_equal(dmr_meta_init(&live, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_meta_init(&next, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_store_load(&live, &io, 0, &ix, &rep, err, sizeof(err)), 0);
	dmr_index_free(ix);
	assert_int_equal(dmr_store_load(&next, &io, 0, &ix, &rep, err, sizeof(err)), 0);
	g = next.generation;
	assert_int_equal(dmr_store_newest(&next, &io), g);

	assert_int_equal(rep.newest, g);

	/* The live table remaps one more block after the next one loaded. */
	assert_int_equal(dmr_meta_add(&live, (1ULL << 21) - 1, DMR_SLOT_REMAPPED, &spare), 0);
	assert_int_equal(dmr_store_commit(&live, &io, NULL), live.place.copies);
	assert_int_equal(dmr_store_newest(&next, &io), g + 1);
	/* Copy 0's superblock unreadable: the others still say so. */
	im.bad_sector = dmr_copy_page_sector(&next, 0, 0);
	assert_int_equal(dmr_store_newest(&next, &io), g + 1);
	im.bad_sector = U64_MAX;

	assert_int_equal(dmr_store_load(&next, &io, DMR_LOAD_NO_FORMAT, &ix2, &rep, err,
					sizeof(err)), 0);
	assert_int_equal(next.generation, g + 1);
	assert_int_equal(ix2->count, 101);
	assert_int_equal(dmr_store_newest(&next, &io), next.generation);
	dmr_index_free(ix);
	dmr_index_free(ix2);

	/*
	 * A commit cut short: copy 0 has the newer superblock but a damaged
	 * page, the others the older table. The load takes copy 1 and says it
	 * saw the newer one, which dmr_store_newest() then finds too: nothing
	 * was committed after the load.
	 */
	{
		u8 *save = malloc(im.sectors * 512);
		u64 at;

		assert_non_null(save);
		memcpy(save, im.data, im.sectors * 512);
		assert_int_equal(dmr_meta_add(&live, (1ULL << 21) - 2, DMR_SLOT_REMAPPED, &spare), 0);
		assert_int_equal(dmr_store_commit(&live, &io, NULL), live.place.copies);
		for (u32 c = 1; c < live.place.copies; c++) {
			at = dmr_copy_page_sector(&live, c, 0) * 512;
			memcpy(im.data + at, save + at, (1 + (size_t)live.nr_pages) * PAGE);
		}
		im.data[dmr_copy_page_sector(&live, 0, 1) * 512 + 100] ^= 0xff;
		free(save);
		assert_int_equal(dmr_store_load(&next, &io, DMR_LOAD_DEFER_WRITES, &ix, &rep, err,
						sizeof(err)), 0);
		assert_int_equal(rep.chosen, 1);
		assert_int_equal(next.generation, g + 1);
		assert_int_equal(rep.newest, g + 2);
		assert_int_equal(dmr_store_newest(&next, &io), g + 2);
		dmr_index_free(ix);
	}

	/* Every superblock zeroed: no generation at all. */
	for (u32 c = 0; c < next.place.copies; c++)
		memset(im.data + dmr_copy_page_sector(&next, c, 0) * 512, 0, PAGE);
	assert_int_equal(dmr_store_newest(&next, &io), 0);
	dmr_meta_destroy(&live);
	dmr_meta_destroy(&next);
	free(io.buf);
	free(im.data);
}

/*
 * DMR_LOAD_DEFER_WRITES writes nothing: an empty region loads as unformatted
 * and a damaged copy stays out of copies_ok; dmr_store_finish() then formats
 * or repairs, and a plain load finds every copy intact.
 */
static void test_deferred_writes(void **state)
{
	struct dmr_load_report rep;
	struct dmr_index *ix;
	struct result res;
	struct dmr_meta m;
	struct dmr_io io;
	struct img im;
	char err[256];
	(void)state;

	/* An all-zero region: nothing written until finish formats it. */
	make_image(&im, 0);
	memset(im.data, 0, im.sectors * 512);
	im.pages_written = 0;
	io_for(&io, &im, false);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_store_load(&m, &io, DMR_LOAD_DEFER_WRITES, &ix, &rep, err,
					sizeof(err)), 0);
	assert_true(rep.unformatted);
	assert_false(rep.formatted);
	assert_int_equal(ix->count, 0);
	assert_int_equal(im.pages_written, 0);
	assert_int_equal(m.copies_ok, 0);
	assert_int_equal(dmr_store_finish(&m, &io, &rep, err, sizeof(err)), 0);
	assert_true(rep.formatted);
	assert_false(rep.unformatted);
	assert_int_equal(m.copies_ok, 7);
	assert_true(im.pages_written > 0);
	dmr_index_free(ix);
	dmr_meta_destroy(&m);
	load(&im, false, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.copies_ok, 7);
	free(im.data);

	/* Something writes a superblock before finish: no format over it. */
	make_image(&im, 0);
	memset(im.data, 0, im.sectors * 512);
	im.pages_written = 0;
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_store_load(&m, &io, DMR_LOAD_DEFER_WRITES, &ix, &rep, err,
					sizeof(err)), 0);
	im.data[dmr_copy_page_sector(&m, 2, 0) * 512 + 7] = 1;
	assert_int_equal(dmr_store_finish(&m, &io, &rep, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "refusing to format"));
	assert_int_equal(im.pages_written, 0);
	im.data[dmr_copy_page_sector(&m, 2, 0) * 512 + 7] = 0;
	assert_int_equal(dmr_store_finish(&m, &io, &rep, err, sizeof(err)), 0);
	assert_true(rep.formatted);
	dmr_index_free(ix);
	dmr_meta_destroy(&m);
	free(im.data);

	/* Copy 1's superblock destroyed: left alone, then repaired by finish. */
	make_image(&im, 300);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	memset(im.data + dmr_copy_page_sector(&m, 1, 0) * 512, 0xa5, PAGE);
	im.pages_written = 0;
	assert_int_equal(dmr_store_load(&m, &io, DMR_LOAD_DEFER_WRITES, &ix, &rep, err,
					sizeof(err)), 0);
	assert_int_equal(ix->count, 300);
	assert_int_equal(im.pages_written, 0);
	assert_int_equal(m.copies_ok, 5);
	assert_int_equal(rep.repaired, 0);
	assert_int_equal(dmr_store_finish(&m, &io, &rep, err, sizeof(err)), 0);
	assert_int_equal(rep.repaired, 2);
	assert_int_equal(m.copies_ok, 7);
	dmr_index_free(ix);
	dmr_meta_destroy(&m);
	load(&im, false, DMR_LOAD_READ_ONLY, &res);
	assert_int_equal(res.r, 0);
	assert_int_equal(res.count, 300);
	assert_int_equal(res.copies_ok, 7);
	free(io.buf);
	free(im.data);
}

static bool same_table(const struct result *a, const struct result *b)
{
	return a->r == 0 && b->r == 0 && a->count == b->count && a->sum == b->sum;
}

/*
 * A power cut at every page of a format or restore over other metadata, at a
 * lower and a higher generation: a valid copy is always left, holding the old
 * table or the new one, never a mix; a repair then makes every copy equal.
 */
static void test_writers_cut(void **state)
{
	static const u64 gens[] = { 0, 1, 5 };
	struct result old, new, res, again;
	struct img im, pristine;
	struct dmr_meta m;
	char err[256];
	u64 total, cut;
	u32 seen_old, seen_new;
	(void)state;

	make_image(&pristine, 300);
	load(&pristine, false, DMR_LOAD_READ_ONLY, &old);
	assert_int_equal(old.r, 0);
	im = pristine;
	im.data = malloc(im.sectors * 512);
	assert_non_null(im.data);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	for (u32 g = 0; g < ARRAY_SIZE(gens); g++) {
		memcpy(im.data, pristine.data, im.sectors * 512);
		im.pages_written = 0;
		write_over(&im, gens[g]);
		total = im.pages_written;
		assert_int_equal(total, 3 * (1 + m.nr_pages));
		load(&im, false, DMR_LOAD_READ_ONLY, &new);
		assert_int_equal(new.copies_ok, 7);
		seen_old = seen_new = 0;
		for (cut = 0; cut <= total; cut++) {
			/* Only the copies were written: put them back. */
			for (u32 c = 0; c < 3; c++) {
				u64 at = dmr_copy_page_sector(&m, c, 0) * 512;

				memcpy(im.data + at, pristine.data + at, (1 + (size_t)m.nr_pages) * PAGE);
			}
			im.write_budget = cut;
			write_over(&im, gens[g]);
			im.write_budget = U64_MAX;
			load(&im, false, DMR_LOAD_READ_ONLY, &res);
			if (same_table(&res, &old))
				seen_old++;
			else if (same_table(&res, &new))
				seen_new++;
			else
				fail_msg("gen %llu, cut at page %llu: neither table (load %d, %u entries)",
					 (unsigned long long)gens[g], (unsigned long long)cut, res.r,
					 res.count);
			load(&im, false, 0, &again);
			load(&im, false, DMR_LOAD_READ_ONLY, &again);
			assert_true(same_table(&again, &res));
			assert_int_equal(again.copies_ok, 7);
		}
		assert_true(seen_old > 0 && seen_new > 0);
	}
	dmr_meta_destroy(&m);
	free(im.data);
	free(pristine.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_start_errors),
		cmocka_unit_test(test_damage_found_and_repaired),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_no_format),
		cmocka_unit_test(test_writers_cut),
		cmocka_unit_test(test_newest),
		cmocka_unit_test(test_deferred_writes),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
