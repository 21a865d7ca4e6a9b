// The on-disk format: every field pinned (size and offset; a change here is a
// format change and needs a new DMR_FORMAT_VERSION), then encode/decode
// through meta.h: round trips, and every kind of damage refused: each bit
// flip, each truncation, torn copies, pages of another commit, unknown
// features and versions, other geometries, other data, inconsistent slots.
#include <stdlib.h>
#include "unit.h"
#include "format.h"
#include "meta.h"
#include "check.h"
#include "crc32c.h"

#define PAGE DMR_META_PAGE_SIZE
#define OFF(type, field, off) assert_int_equal(offsetof(struct type, field), off)
#define SIZE(type, field, n) assert_int_equal(sizeof(((struct type *)0)->field), n)
#define SB_CRC offsetof(struct dmr_disk_sb, crc)
#define SLOT_CRC offsetof(struct dmr_disk_slot_page, crc)

static void test_superblock_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct dmr_disk_sb), 128);
	OFF(dmr_disk_sb, magic, 0);		SIZE(dmr_disk_sb, magic, 8);
	OFF(dmr_disk_sb, crc, 8);		SIZE(dmr_disk_sb, crc, 4);
	OFF(dmr_disk_sb, version, 12);		SIZE(dmr_disk_sb, version, 4);
	OFF(dmr_disk_sb, generation, 16);	SIZE(dmr_disk_sb, generation, 8);
	OFF(dmr_disk_sb, incompat, 24);		SIZE(dmr_disk_sb, incompat, 4);
	OFF(dmr_disk_sb, compat_ro, 28);	SIZE(dmr_disk_sb, compat_ro, 4);
	OFF(dmr_disk_sb, compat, 32);		SIZE(dmr_disk_sb, compat, 4);
	OFF(dmr_disk_sb, copy_index, 36);	SIZE(dmr_disk_sb, copy_index, 4);
	OFF(dmr_disk_sb, main_len, 40);		SIZE(dmr_disk_sb, main_len, 8);
	OFF(dmr_disk_sb, spare_start, 48);	SIZE(dmr_disk_sb, spare_start, 8);
	OFF(dmr_disk_sb, spare_len, 56);	SIZE(dmr_disk_sb, spare_len, 8);
	OFF(dmr_disk_sb, block_size, 64);	SIZE(dmr_disk_sb, block_size, 4);
	OFF(dmr_disk_sb, nr_blocks, 68);	SIZE(dmr_disk_sb, nr_blocks, 4);
	OFF(dmr_disk_sb, nr_pages, 72);		SIZE(dmr_disk_sb, nr_pages, 4);
	OFF(dmr_disk_sb, pages_crc, 76);	SIZE(dmr_disk_sb, pages_crc, 4);
	OFF(dmr_disk_sb, nr_remapped, 80);	SIZE(dmr_disk_sb, nr_remapped, 4);
	OFF(dmr_disk_sb, nr_pending, 84);	SIZE(dmr_disk_sb, nr_pending, 4);
	OFF(dmr_disk_sb, nr_bad, 88);		SIZE(dmr_disk_sb, nr_bad, 4);
	OFF(dmr_disk_sb, copy_count, 92);	SIZE(dmr_disk_sb, copy_count, 4);
	OFF(dmr_disk_sb, copy_blocks, 96);	SIZE(dmr_disk_sb, copy_blocks, 4);
	OFF(dmr_disk_sb, copy_start, 100);	SIZE(dmr_disk_sb, copy_start, 16);
	OFF(dmr_disk_sb, reserved, 116);	SIZE(dmr_disk_sb, reserved, 12);
	assert_int_equal(sizeof(DMR_SB_MAGIC), 9);
	assert_memory_equal(DMR_SB_MAGIC, "DMREMAP\0", 8);
	assert_int_equal(DMR_FORMAT_VERSION, 1);
	assert_int_equal(PAGE, 4096);
	assert_int_equal(DMR_INCOMPAT_SUPPORTED, 0);
	assert_int_equal(DMR_COMPAT_RO_SUPPORTED, 0);
}

static void test_slot_page_layout(void **state)
{
	struct dmr_disk_slot_page p;
	(void)state;
	assert_int_equal(sizeof(struct dmr_disk_slot_page), 4096);
	assert_int_equal(DMR_SLOTS_PER_PAGE, 510);
	OFF(dmr_disk_slot_page, magic, 0);	SIZE(dmr_disk_slot_page, magic, 4);
	OFF(dmr_disk_slot_page, crc, 4);	SIZE(dmr_disk_slot_page, crc, 4);
	OFF(dmr_disk_slot_page, index, 8);	SIZE(dmr_disk_slot_page, index, 4);
	OFF(dmr_disk_slot_page, reserved, 12);	SIZE(dmr_disk_slot_page, reserved, 4);
	OFF(dmr_disk_slot_page, slot, 16);	SIZE(dmr_disk_slot_page, slot, 4080);
	p.magic = cpu_to_le32(DMR_SLOT_MAGIC);
	assert_memory_equal(&p.magic, "SLOT", 4);
	/* A slot: state in bits 63..60, main block in 59..0. */
	assert_int_equal(DMR_SLOT_FREE, 0);
	assert_int_equal(DMR_SLOT_REMAPPED, 1);
	assert_int_equal(DMR_SLOT_PENDING, 2);
	assert_int_equal(DMR_SLOT_BAD, 3);
	assert_int_equal(dmr_slot_make(DMR_SLOT_PENDING, 0x123456789abULL), 0x20000123456789abULL);
	assert_int_equal(dmr_slot_make(DMR_SLOT_BAD, 0), 0x3000000000000000ULL);
	assert_int_equal(dmr_slot_state(0x1fffffffffffffffULL), 1);
	assert_int_equal(dmr_slot_main(0x1fffffffffffffffULL), DMR_SLOT_MAIN_MASK);
	assert_int_equal(DMR_SLOT_MAIN_MASK, (1ULL << 60) - 1);
	assert_int_equal(dmr_slot_pages(0), 0);
	assert_int_equal(dmr_slot_pages(1), 1);
	assert_int_equal(dmr_slot_pages(510), 1);
	assert_int_equal(dmr_slot_pages(511), 2);
	assert_int_equal(DMR_MAX_SPARE_BLOCKS, 1U << 24);
}

/* --- encoding and decoding ------------------------------------------------ */

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const struct dmr_geometry geos[] = {
	{ 1ULL << 20, 1ULL << 20, 2048, 4096 },	/* 256 blocks, 1 page, 2 copies */
	{ 8192, 8192, 4096, 512 },		/* 4096 blocks, 9 pages, 2 copies */
	{ 1ULL << 22, 0, 131072, 4096 },	/* 16384 blocks, 33 pages, 3 copies */
	{ 1ULL << 24, 0, 8388608, 4096 },	/* 2^20 blocks, 2057 pages, 4 copies */
};

/* One copy: page 0 the superblock, page 1 + i slot page i. */
struct image {
	u32 nr_pages;
	u8 (*page)[PAGE];
};

static void image_alloc(struct image *img, const struct dmr_meta *m)
{
	img->nr_pages = m->nr_pages;
	img->page = calloc(1 + m->nr_pages, PAGE);
	assert_non_null(img->page);
}

static void image_copy(struct image *dst, const struct image *src)
{
	dst->nr_pages = src->nr_pages;
	dst->page = malloc((1 + (size_t)src->nr_pages) * PAGE);
	assert_non_null(dst->page);
	memcpy(dst->page, src->page, (1 + (size_t)src->nr_pages) * PAGE);
}

static void encode(struct dmr_meta *m, u32 copy, u64 gen, struct image *img)
{
	for (u32 i = 0; i < m->nr_pages; i++)
		dmr_meta_encode_page(m, i, img->page[1 + i]);
	dmr_meta_encode_sb(m, copy, gen, img->page[0]);
}

enum stage { LOADED, SB_REFUSED, INIT_FAILED, PAGE_REFUSED, FINISH_REFUSED };

/*
 * Load img the way activation does, into a fresh meta for want (or for the
 * superblock's geometry if want is NULL). On LOADED, *m and *ix are the
 * caller's to free.
 */
static enum stage load(const struct image *img, const struct dmr_geometry *want,
		       struct dmr_meta *m, struct dmr_index **ix)
{
	struct dmr_sb_info sb;
	char err[256];

	if (dmr_sb_decode(img->page[0], want, &sb, err, sizeof(err)) != DMR_SB_VALID)
		return SB_REFUSED;
	if (dmr_meta_init(m, want ? want : &sb.geo, err, sizeof(err)))
		return INIT_FAILED;
	assert_int_equal(m->nr_pages, sb.nr_pages);
	for (u32 i = 0; i < m->nr_pages; i++) {
		if (dmr_meta_load_page(m, i, img->page[1 + i], err, sizeof(err))) {
			assert_true(err[0]);
			dmr_meta_destroy(m);
			return PAGE_REFUSED;
		}
	}
	err[0] = 0;
	if (dmr_meta_load_finish(m, &sb, ix, err, sizeof(err))) {
		assert_true(err[0]);
		dmr_meta_destroy(m);
		return FINISH_REFUSED;
	}
	return LOADED;
}

static enum stage load_drop(const struct image *img, const struct dmr_geometry *want)
{
	struct dmr_meta m;
	struct dmr_index *ix;
	enum stage s = load(img, want, &m, &ix);

	if (s == LOADED) {
		dmr_index_free(ix);
		dmr_meta_destroy(&m);
	}
	return s;
}

static void meta_new(struct dmr_meta *m, const struct dmr_geometry *g)
{
	char err[128];

	assert_int_equal(dmr_meta_init(m, g, err, sizeof(err)), 0);
}

/* A free, unreserved spare block in slot page pg, preferring its last slot. */
static int free_block_in_page(const struct dmr_meta *m, u32 pg, u32 *b)
{
	u32 first = pg * DMR_SLOTS_PER_PAGE;
	u32 last = first + DMR_SLOTS_PER_PAGE < m->nr_blocks ?
		   first + DMR_SLOTS_PER_PAGE : m->nr_blocks;

	for (u32 x = last; x-- > first;) {
		if (dmr_alloc_state(&m->alloc, x) == DMR_BLOCK_FREE) {
			*b = x;
			return 0;
		}
	}
	return -1;
}

/*
 * Fill m with n mapped main blocks (distinct), some pending, some bad
 * blocks, some removals, and a bad block at the end of every slot page so
 * that no page has a zero tail.
 */
static void populate(struct dmr_meta *m, u32 n)
{
	u8 *used = calloc(m->main_blocks, 1);
	u32 spare, b;

	assert_non_null(used);
	for (u32 i = 0; i < n; i++) {
		u64 mb = rnd() % m->main_blocks;
		u32 st = rnd() % 3 ? DMR_SLOT_REMAPPED : DMR_SLOT_PENDING;

		if (used[mb])
			continue;
		if (dmr_meta_add(m, mb, st, &spare))
			break;
		used[mb] = 1;
		switch (rnd() % 8) {
		case 0:
			assert_int_equal(dmr_meta_set_bad(m, spare), 0);
			used[mb] = 0;
			break;
		case 1:
			assert_int_equal(dmr_meta_remove(m, spare), 0);
			used[mb] = 0;
			break;
		case 2:
			assert_int_equal(dmr_meta_set_state(m, spare, DMR_SLOT_PENDING + DMR_SLOT_REMAPPED - st), 0);
			break;
		}
	}
	for (u32 pg = 0; pg < m->nr_pages; pg++) {
		if (!free_block_in_page(m, pg, &b))
			assert_int_equal(dmr_meta_set_bad(m, b), 0);
	}
	free(used);
}

static void assert_same_meta(const struct dmr_meta *a, const struct dmr_meta *b)
{
	assert_int_equal(a->nr_blocks, b->nr_blocks);
	assert_memory_equal(a->slots, b->slots, (size_t)a->nr_blocks * sizeof(u64));
	assert_int_equal(a->nr_remapped, b->nr_remapped);
	assert_int_equal(a->nr_pending, b->nr_pending);
	assert_int_equal(a->alloc.nr_bad, b->alloc.nr_bad);
	assert_int_equal(a->alloc.nr_used, b->alloc.nr_used);
	assert_int_equal(a->alloc.nr_reserved, b->alloc.nr_reserved);
	assert_int_equal(a->compat_ro, b->compat_ro);
	assert_int_equal(a->compat, b->compat);
	for (u32 x = 0; x < a->nr_blocks; x++)
		assert_int_equal(dmr_alloc_state(&a->alloc, x), dmr_alloc_state(&b->alloc, x));
}

static void round_trip(const struct dmr_geometry *g, u32 n, u64 gen)
{
	struct dmr_meta m, l;
	struct dmr_index *ix;
	struct image img, again;
	struct dmr_out o;
	char buf[256];
	u32 mapped = 0;

	meta_new(&m, g);
	populate(&m, n);
	m.compat_ro = 0x80000000U;	/* unknown compat bits survive a load */
	m.compat = 0x5;
	image_alloc(&img, &m);
	image_alloc(&again, &m);
	for (u32 c = 0; c < m.place.copies; c++) {
		encode(&m, c, gen, &img);
		assert_int_equal(load(&img, g, &l, &ix), LOADED);
		assert_same_meta(&m, &l);
		assert_int_equal(l.generation, gen);
		assert_int_equal(dmr_meta_nr_dirty(&l), 0);
		dmr_out_init(&o, buf, sizeof(buf));
		assert_int_equal(dmr_meta_check(&l, ix, &o), 0);
		assert_int_equal(o.len, 0);
		/* The index holds exactly the mapped slots. */
		for (u32 b = 0; b < m.nr_blocks; b++) {
			u32 st = dmr_slot_state(m.slots[b]);
			struct dmr_index_entry e;

			if (st != DMR_SLOT_REMAPPED && st != DMR_SLOT_PENDING)
				continue;
			mapped++;
			assert_true(dmr_index_lookup(ix, dmr_slot_main(m.slots[b]), &e));
			assert_int_equal(e.spare_block, b);
			assert_int_equal(e.state, st);
		}
		assert_int_equal(ix->count, l.nr_remapped + l.nr_pending);
		/* Re-encoding the loaded copy gives the same bytes. */
		encode(&l, c, l.generation, &again);
		assert_memory_equal(img.page, again.page, (1 + (size_t)img.nr_pages) * PAGE);
		for (u32 i = 0; i < l.nr_pages; i++)
			assert_int_equal(dmr_meta_compare_page(&l, i, img.page[1 + i], buf, sizeof(buf)), 0);
		dmr_index_free(ix);
		dmr_meta_destroy(&l);
	}
	assert_true(mapped > 0 || !n);
	free(img.page);
	free(again.page);
	dmr_meta_destroy(&m);
}

static void test_round_trip(void **state)
{
	(void)state;
	rng = 1;
	round_trip(&geos[0], 0, 1);
	round_trip(&geos[0], 300, 2);	/* more than fit: exhaustion on the way */
	round_trip(&geos[1], 2000, 77);
	round_trip(&geos[2], 5000, 1ULL << 40);
	round_trip(&geos[3], 20000, ~0ULL);
}

/*
 * The bytes themselves: slot encoding, both crcs computed independently of
 * meta.c, and a known image's crc (this value changes only with the format).
 */
static void test_encoding(void **state)
{
	static const u8 slot4[8] = { 1, 0, 0, 0, 0, 0, 0, 0x10 };
	static const u8 slot5[8] = { 2, 0, 0, 0, 0, 0, 0, 0x20 };
	static const u8 slot255[8] = { 0, 0, 0, 0, 0, 0, 0, 0x30 };
	struct dmr_meta m, l;
	struct dmr_index *ix;
	struct image img;
	u8 copy[PAGE];
	__le32 crcs[9];
	u32 s;
	(void)state;

	meta_new(&m, &geos[0]);		/* copies: blocks 0-1 and 2-3 */
	assert_int_equal(dmr_meta_add(&m, 1, DMR_SLOT_REMAPPED, &s), 0);
	assert_int_equal(s, 4);
	assert_int_equal(dmr_meta_add(&m, 2, DMR_SLOT_PENDING, &s), 0);
	assert_int_equal(dmr_meta_set_bad(&m, 255), 0);
	image_alloc(&img, &m);
	encode(&m, 1, 3, &img);
	assert_memory_equal(img.page[1], "SLOT", 4);
	assert_memory_equal(img.page[1] + 8, "\0\0\0\0\0\0\0\0", 8);	/* index 0, reserved */
	assert_memory_equal(img.page[1] + 16 + 4 * 8, slot4, 8);
	assert_memory_equal(img.page[1] + 16 + 5 * 8, slot5, 8);
	assert_memory_equal(img.page[1] + 16 + 255 * 8, slot255, 8);
	memcpy(copy, img.page[1], PAGE);
	memset(copy + 4, 0, 4);
	crcs[0] = cpu_to_le32(dmr_crc32c(copy, PAGE));
	assert_memory_equal(img.page[1] + 4, &crcs[0], 4);
	memcpy(copy, img.page[0], PAGE);
	memset(copy + 8, 0, 4);
	crcs[1] = cpu_to_le32(dmr_crc32c(copy, PAGE));
	assert_memory_equal(img.page[0] + 8, &crcs[1], 4);
	crcs[1] = cpu_to_le32(dmr_crc32c(&crcs[0], 4));
	assert_memory_equal(img.page[0] + 76, &crcs[1], 4);	/* pages_crc */
	assert_memory_equal(img.page[0], "DMREMAP\0", 8);
	assert_memory_equal(img.page[0] + 12, "\1\0\0\0\3\0\0\0\0\0\0\0", 12);	/* version, generation */
	assert_memory_equal(img.page[0] + 36, "\1\0\0\0", 4);		/* copy_index */
	assert_int_equal(dmr_crc32c(img.page[0], PAGE), 0x55236bb4U);
	assert_int_equal(dmr_crc32c(img.page[1], PAGE), 0xa10412deU);
	free(img.page);
	dmr_meta_destroy(&m);

	/* Several pages: the pages crc is over their crc fields, in order. */
	meta_new(&m, &geos[1]);
	rng = 3;
	populate(&m, 500);
	image_alloc(&img, &m);
	encode(&m, 0, 1, &img);
	assert_int_equal(img.nr_pages, 9);
	for (u32 i = 0; i < 9; i++)
		memcpy(&crcs[i], img.page[1 + i] + 4, 4);
	crcs[0] = cpu_to_le32(dmr_crc32c(crcs, sizeof(crcs)));
	assert_memory_equal(img.page[0] + 76, &crcs[0], 4);
	assert_int_equal(load(&img, &geos[1], &l, &ix), LOADED);
	assert_same_meta(&m, &l);
	dmr_index_free(ix);
	dmr_meta_destroy(&l);
	free(img.page);
	dmr_meta_destroy(&m);
}

/* The decoded superblock holds what was encoded. */
static void test_sb_fields(void **state)
{
	struct dmr_meta m;
	struct dmr_sb_info sb;
	u8 page[PAGE];
	char err[128];
	(void)state;

	for (u32 gi = 0; gi < ARRAY_SIZE(geos); gi++) {
		meta_new(&m, &geos[gi]);
		rng = 7 + gi;
		populate(&m, 100);
		for (u32 i = 0; i < m.nr_pages; i++) {
			u8 sp[PAGE];

			dmr_meta_encode_page(&m, i, sp);
		}
		for (u32 c = 0; c < m.place.copies; c++) {
			dmr_meta_encode_sb(&m, c, 1000 + c, page);
			assert_int_equal(dmr_sb_decode(page, NULL, &sb, err, sizeof(err)), DMR_SB_VALID);
			assert_int_equal(sb.generation, 1000 + c);
			assert_int_equal(sb.copy_index, c);
			assert_int_equal(sb.geo.main_len, geos[gi].main_len);
			assert_int_equal(sb.geo.spare_start, geos[gi].spare_start);
			assert_int_equal(sb.geo.spare_len, geos[gi].spare_len);
			assert_int_equal(sb.geo.block_size, geos[gi].block_size);
			assert_int_equal(sb.nr_blocks, m.nr_blocks);
			assert_int_equal(sb.nr_pages, m.nr_pages);
			assert_int_equal(sb.nr_remapped, m.nr_remapped);
			assert_int_equal(sb.nr_pending, m.nr_pending);
			assert_int_equal(sb.nr_bad, m.alloc.nr_bad);
			assert_int_equal(sb.copy_count, m.place.copies);
			assert_int_equal(sb.copy_blocks, m.place.copy_blocks);
			for (u32 k = 0; k < DMR_MAX_COPIES; k++)
				assert_int_equal(sb.copy_start[k], k < m.place.copies ? m.place.start[k] : 0);
		}
		dmr_meta_destroy(&m);
	}
}

/* A main block no slot of m names. */
static u64 unused_main(const struct dmr_meta *m)
{
	for (u64 mb = m->main_blocks; mb-- > 0;) {
		u32 b;

		for (b = 0; b < m->nr_blocks; b++)
			if (dmr_slot_state(m->slots[b]) != DMR_SLOT_FREE && dmr_slot_main(m->slots[b]) == mb)
				break;
		if (b == m->nr_blocks)
			return mb;
	}
	fail_msg("no unused main block");
	return 0;
}

/* A mapped slot in slot page pg. */
static int mapped_in_page(const struct dmr_meta *m, u32 pg, u32 *b)
{
	for (u32 x = pg * DMR_SLOTS_PER_PAGE; x < (pg + 1) * DMR_SLOTS_PER_PAGE && x < m->nr_blocks; x++) {
		u32 st = dmr_slot_state(m->slots[x]);

		if (st == DMR_SLOT_REMAPPED || st == DMR_SLOT_PENDING) {
			*b = x;
			return 0;
		}
	}
	return -1;
}

/*
 * A geometry-1 copy (9 slot pages) at generation 1 and at generation 2, in
 * which every slot page differs (a mapped slot serves another main block)
 * but every counter is the same: only the pages crc tells them apart.
 */
struct two_commits {
	struct dmr_meta m;
	struct image old, new;
};

static void two_commits(struct two_commits *t)
{
	struct dmr_sb_info a, b;
	struct dmr_out o;
	char err[256];
	u32 x;

	rng = 99;
	meta_new(&t->m, &geos[1]);
	populate(&t->m, 1000);
	for (u32 pg = 0; pg < t->m.nr_pages; pg++) {
		if (!mapped_in_page(&t->m, pg, &x))
			continue;
		/* Map a free block the way activation rebuilds the allocator. */
		assert_int_equal(free_block_in_page(&t->m, pg, &x), 0);
		assert_int_equal(dmr_alloc_claim(&t->m.alloc, x), 0);
		t->m.slots[x] = dmr_slot_make(DMR_SLOT_PENDING, unused_main(&t->m));
		t->m.nr_pending++;
	}
	image_alloc(&t->old, &t->m);
	encode(&t->m, 0, 1, &t->old);
	for (u32 pg = 0; pg < t->m.nr_pages; pg++) {
		assert_int_equal(mapped_in_page(&t->m, pg, &x), 0);
		t->m.slots[x] = dmr_slot_make(dmr_slot_state(t->m.slots[x]), unused_main(&t->m));
	}
	dmr_out_init(&o, err, sizeof(err));
	assert_int_equal(dmr_meta_check(&t->m, NULL, &o), 0);
	image_alloc(&t->new, &t->m);
	encode(&t->m, 0, 2, &t->new);
	for (u32 i = 1; i <= t->m.nr_pages; i++)
		assert_memory_not_equal(t->old.page[i], t->new.page[i], PAGE);
	assert_int_equal(dmr_sb_decode(t->old.page[0], &geos[1], &a, err, sizeof(err)), DMR_SB_VALID);
	assert_int_equal(dmr_sb_decode(t->new.page[0], &geos[1], &b, err, sizeof(err)), DMR_SB_VALID);
	assert_int_equal(a.nr_remapped, b.nr_remapped);
	assert_int_equal(a.nr_pending, b.nr_pending);
	assert_int_equal(a.nr_bad, b.nr_bad);
	assert_int_not_equal(a.pages_crc, b.pages_crc);
	assert_int_equal(load_drop(&t->old, &geos[1]), LOADED);
	assert_int_equal(load_drop(&t->new, &geos[1]), LOADED);
}

static void two_commits_free(struct two_commits *t)
{
	free(t->old.page);
	free(t->new.page);
	dmr_meta_destroy(&t->m);
}

/*
 * Is img, damaged in page p (0: the superblock), refused? The page alone
 * first (decode, or load_page into l), then the whole copy.
 */
static bool detected(const struct image *img, u32 p, struct dmr_meta *l)
{
	struct dmr_sb_info sb;
	char err[256];

	if (!p) {
		if (dmr_sb_decode(img->page[0], &geos[1], &sb, err, sizeof(err)) != DMR_SB_VALID)
			return true;
	} else if (dmr_meta_load_page(l, p - 1, img->page[p], err, sizeof(err))) {
		return true;
	}
	return load_drop(img, &geos[1]) != LOADED;
}

static void test_every_bit_flip(void **state)
{
	struct two_commits t;
	struct dmr_meta l;
	struct image img;
	(void)state;

	two_commits(&t);
	meta_new(&l, &geos[1]);
	image_copy(&img, &t.new);
	/* The superblock, the first and the last slot page. */
	for (u32 p = 0; p <= img.nr_pages; p += p ? img.nr_pages - 1 : 1) {
		for (u32 bit = 0; bit < PAGE * 8; bit++) {
			img.page[p][bit / 8] ^= 1U << (bit % 8);
			if (!detected(&img, p, &l))
				fail_msg("page %u: flip of bit %u not detected", p, bit);
			img.page[p][bit / 8] ^= 1U << (bit % 8);
		}
	}
	assert_false(detected(&img, 0, &l));
	assert_false(detected(&img, 1, &l));
	dmr_meta_destroy(&l);
	free(img.page);
	two_commits_free(&t);
}

static void test_every_truncation(void **state)
{
	struct two_commits t;
	struct dmr_meta l;
	struct image img;
	u32 tested = 0;
	(void)state;

	two_commits(&t);
	meta_new(&l, &geos[1]);
	image_copy(&img, &t.new);
	for (u32 p = 0; p <= img.nr_pages; p++) {
		for (u32 k = 0; k < PAGE; k++) {
			memset(img.page[p] + k, 0, PAGE - k);
			if (memcmp(img.page[p], t.new.page[p], PAGE)) {
				tested++;
				if (!detected(&img, p, &l))
					fail_msg("page %u zeroed from byte %u not detected", p, k);
			}
			memcpy(img.page[p], t.new.page[p], PAGE);
		}
	}
	/* Every full slot page ends in a used slot; the superblock in its fields. */
	assert_true(tested > (t.m.nr_pages - 1) * PAGE + 100);
	dmr_meta_destroy(&l);
	free(img.page);
	two_commits_free(&t);
}

/*
 * Torn copies: the commit of generation 2 stopped after some of its slot
 * pages (the rest still generation 1, or never written), or its superblock
 * never made it; and single pages from the other commit.
 */
static void test_torn_copy(void **state)
{
	struct two_commits t;
	struct dmr_meta l;
	struct dmr_index *ix;
	struct image img;
	char err[256];
	u32 n;
	(void)state;

	two_commits(&t);
	n = t.m.nr_pages;
	image_copy(&img, &t.new);
	for (u32 j = 0; j < n; j++) {
		/* Pages j.. from the old commit: each page is valid alone. */
		for (u32 i = j; i < n; i++)
			memcpy(img.page[1 + i], t.old.page[1 + i], PAGE);
		assert_int_equal(load_drop(&img, &geos[1]), FINISH_REFUSED);
		/* Pages j.. never written. */
		for (u32 i = j; i < n; i++)
			memset(img.page[1 + i], 0, PAGE);
		assert_int_equal(load_drop(&img, &geos[1]), PAGE_REFUSED);
		memcpy(img.page, t.new.page, (1 + (size_t)n) * PAGE);
	}
	/* Old superblock over new pages: only the superblock was not written. */
	memcpy(img.page[0], t.old.page[0], PAGE);
	assert_int_equal(load_drop(&img, &geos[1]), FINISH_REFUSED);
	memcpy(img.page[0], t.new.page[0], PAGE);
	/* One page of the other commit, in either direction. */
	for (u32 i = 1; i <= n; i++) {
		memcpy(img.page[i], t.old.page[i], PAGE);
		assert_int_equal(load_drop(&img, &geos[1]), FINISH_REFUSED);
		memcpy(img.page[i], t.new.page[i], PAGE);
	}
	free(img.page);
	image_copy(&img, &t.old);
	for (u32 i = 1; i <= n; i++) {
		memcpy(img.page[i], t.new.page[i], PAGE);
		assert_int_equal(load_drop(&img, &geos[1]), FINISH_REFUSED);
		memcpy(img.page[i], t.old.page[i], PAGE);
	}
	/* Two pages swapped: each has the wrong index. */
	memcpy(img.page[1], t.old.page[2], PAGE);
	memcpy(img.page[2], t.old.page[1], PAGE);
	assert_int_equal(load_drop(&img, &geos[1]), PAGE_REFUSED);
	/* Verifying a copy against memory finds every page of the other commit. */
	assert_int_equal(load(&t.new, &geos[1], &l, &ix), LOADED);
	for (u32 i = 0; i < n; i++) {
		assert_int_equal(dmr_meta_compare_page(&l, i, t.new.page[1 + i], err, sizeof(err)), 0);
		err[0] = 0;
		assert_int_equal(dmr_meta_compare_page(&l, i, t.old.page[1 + i], err, sizeof(err)), -EINVAL);
		assert_true(err[0]);
	}
	assert_int_equal(dmr_meta_compare_page(&l, 1, t.new.page[1], err, sizeof(err)), -EINVAL);
	/*
	 * The compare computes no crc: a flipped bit anywhere in the page (its
	 * header, its crc field, a slot, the unused tail) must still fail it.
	 */
	for (u32 i = 0; i < n; i += n - 1) {
		u8 *p = img.page[1 + i];

		memcpy(p, t.new.page[1 + i], PAGE);
		for (u32 off = 0; off < PAGE; off++) {
			p[off] ^= 1U << (off % 8);
			err[0] = 0;
			assert_int_equal(dmr_meta_compare_page(&l, i, p, err, sizeof(err)), -EINVAL);
			assert_true(err[0]);
			p[off] ^= 1U << (off % 8);
		}
		assert_int_equal(dmr_meta_compare_page(&l, i, p, err, sizeof(err)), 0);
		if (n == 1)
			break;
	}
	dmr_index_free(ix);
	dmr_meta_destroy(&l);
	free(img.page);
	two_commits_free(&t);
}

/* Superblock and slot page crcs, recomputed after a deliberate change. */
static void sb_recrc(u8 *page)
{
	struct dmr_disk_sb *d = (struct dmr_disk_sb *)page;

	d->crc = cpu_to_le32(dmr_page_crc(page, SB_CRC));
}

static void slot_recrc(u8 *page)
{
	struct dmr_disk_slot_page *d = (struct dmr_disk_slot_page *)page;

	d->crc = cpu_to_le32(dmr_page_crc(page, SLOT_CRC));
}

static enum dmr_sb_verdict decode(const u8 *page, const struct dmr_geometry *want)
{
	struct dmr_sb_info sb;
	char err[256] = "";
	enum dmr_sb_verdict v = dmr_sb_decode(page, want, &sb, err, sizeof(err));

	if (v != DMR_SB_VALID && v != DMR_SB_ZERO && !err[0])
		fail_msg("verdict %s without a reason", dmr_sb_verdict_name(v));
	return v;
}

static void test_features_and_version(void **state)
{
	struct two_commits t;
	struct dmr_disk_sb *d;
	struct image img;
	(void)state;

	two_commits(&t);
	image_copy(&img, &t.new);
	d = (struct dmr_disk_sb *)img.page[0];
	/* Rewriting the crc alone keeps it valid: only the changes below refuse it. */
	sb_recrc(img.page[0]);
	assert_int_equal(decode(img.page[0], &geos[1]), DMR_SB_VALID);
	for (u32 bit = 0; bit < 32; bit++) {
		d->incompat = cpu_to_le32(1U << bit);
		sb_recrc(img.page[0]);
		assert_int_equal(decode(img.page[0], &geos[1]), DMR_SB_UNSUPPORTED);
		assert_int_equal(decode(img.page[0], NULL), DMR_SB_UNSUPPORTED);
	}
	d->incompat = 0;
	for (u32 v = 0; v < 8; v++) {
		d->version = cpu_to_le32(v == 7 ? 0xffffffffU : v);
		sb_recrc(img.page[0]);
		assert_int_equal(decode(img.page[0], NULL), v == 1 ? DMR_SB_VALID : DMR_SB_UNSUPPORTED);
	}
	d->version = cpu_to_le32(DMR_FORMAT_VERSION);
	/* Unknown compat_ro and compat bits: loaded, kept, written back. */
	d->compat_ro = cpu_to_le32(0x40);
	d->compat = cpu_to_le32(0xffffffffU);
	sb_recrc(img.page[0]);
	{
		struct dmr_meta l;
		struct dmr_index *ix;
		u8 again[PAGE];

		assert_int_equal(load(&img, &geos[1], &l, &ix), LOADED);
		assert_int_equal(l.compat_ro, 0x40);
		assert_int_equal(l.compat, 0xffffffffU);
		dmr_meta_encode_sb(&l, 0, l.generation, again);
		assert_memory_equal(again, img.page[0], PAGE);
		dmr_index_free(ix);
		dmr_meta_destroy(&l);
	}
	free(img.page);
	two_commits_free(&t);
}

static void test_geometry_mismatch(void **state)
{
	struct dmr_meta m;
	u8 page[PAGE];
	(void)state;

	for (u32 gi = 0; gi < ARRAY_SIZE(geos); gi++) {
		const struct dmr_geometry *g = &geos[gi];
		u64 bs = g->block_size >> 9;
		struct dmr_geometry w[] = {
			{ g->main_len + bs, g->spare_start, g->spare_len, g->block_size },
			{ g->main_len - bs, g->spare_start, g->spare_len, g->block_size },
			{ g->main_len, g->spare_start + bs, g->spare_len, g->block_size },
			{ g->main_len, g->spare_start + 8, g->spare_len, g->block_size },
			{ g->main_len, g->spare_start, g->spare_len + bs, g->block_size },
			{ g->main_len, g->spare_start, g->spare_len - bs, g->block_size },
			{ g->main_len, g->spare_start, g->spare_len, g->block_size * 2 },
			{ g->main_len, g->spare_start, g->spare_len, g->block_size / 2 },
		};

		meta_new(&m, g);
		for (u32 i = 0; i < m.nr_pages; i++)
			dmr_meta_encode_page(&m, i, page);
		dmr_meta_encode_sb(&m, 0, 1, page);
		assert_int_equal(decode(page, g), DMR_SB_VALID);
		assert_int_equal(decode(page, NULL), DMR_SB_VALID);
		for (u32 i = 0; i < ARRAY_SIZE(w); i++)
			assert_int_equal(decode(page, &w[i]), DMR_SB_MISMATCH);
		dmr_meta_destroy(&m);
	}
}

static void test_zero_and_foreign(void **state)
{
	u8 page[PAGE];
	struct dmr_meta m;
	(void)state;

	memset(page, 0, PAGE);
	assert_int_equal(decode(page, &geos[0]), DMR_SB_ZERO);
	assert_int_equal(decode(page, NULL), DMR_SB_ZERO);
	page[PAGE - 1] = 1;			/* one stray byte */
	assert_int_equal(decode(page, NULL), DMR_SB_FOREIGN);
	memset(page, 0xff, PAGE);
	assert_int_equal(decode(page, NULL), DMR_SB_FOREIGN);
	rng = 5;
	for (u32 i = 0; i < PAGE; i++)
		page[i] = (u8)rnd();
	assert_int_equal(decode(page, NULL), DMR_SB_FOREIGN);
	/* Almost our magic. */
	meta_new(&m, &geos[0]);
	dmr_meta_encode_page(&m, 0, page);
	assert_int_equal(decode(page, NULL), DMR_SB_FOREIGN);	/* a slot page */
	dmr_meta_encode_sb(&m, 0, 1, page);
	assert_int_equal(decode(page, NULL), DMR_SB_VALID);
	for (u32 i = 0; i < 8; i++) {
		page[i] ^= 0x20;
		sb_recrc(page);
		assert_int_equal(decode(page, NULL), DMR_SB_FOREIGN);
		page[i] ^= 0x20;
	}
	dmr_meta_destroy(&m);
}

/* Fields that disagree with each other, crc made right: CORRUPT. */
static void test_sb_inconsistent_fields(void **state)
{
	struct dmr_meta m;
	u8 good[PAGE], page[PAGE];
	struct dmr_disk_sb *d = (struct dmr_disk_sb *)page;
	(void)state;

	meta_new(&m, &geos[0]);	/* 2 copies of 2 blocks, 252 blocks left */
	dmr_meta_encode_page(&m, 0, page);
	dmr_meta_encode_sb(&m, 0, 1, good);
	for (u32 c = 0; c < 34; c++) {
		memcpy(page, good, PAGE);
		switch (c) {
		case 0: d->reserved[0] = 1; break;
		case 1: d->reserved[11] = 0x80; break;
		case 2: page[128] = 1; break;
		case 3: page[PAGE - 1] = 1; break;
		case 4: d->block_size = cpu_to_le32(1024 + 512); break;
		case 5: d->block_size = cpu_to_le32(8192); break;
		case 6: d->block_size = cpu_to_le32(256); break;
		case 7: d->block_size = 0; break;
		case 8: d->spare_len = cpu_to_le64(2048 + 1); break;
		case 9: d->spare_start = cpu_to_le64((1 << 20) + 1); break;
		case 10: d->main_len = 0; break;
		case 11: d->main_len = cpu_to_le64((1 << 20) + 4); break;
		case 12: d->spare_len = cpu_to_le64(2048 - 8); break;	/* too small */
		case 13: d->spare_len = cpu_to_le64(1ULL << 40); break;	/* too large */
		case 14: d->nr_blocks = cpu_to_le32(257); break;
		case 15: d->nr_blocks = cpu_to_le32(255); break;
		case 16: d->nr_pages = cpu_to_le32(2); break;
		case 17: d->nr_pages = 0; break;
		case 18: d->copy_count = cpu_to_le32(3); break;
		case 19: d->copy_count = cpu_to_le32(1); break;
		case 20: d->copy_blocks = cpu_to_le32(3); break;
		case 21: d->copy_start[0] = cpu_to_le32(1); break;
		case 22: d->copy_start[1] = cpu_to_le32(3); break;
		case 23: d->copy_start[2] = cpu_to_le32(4); break;
		case 24: d->copy_start[3] = cpu_to_le32(250); break;
		case 25: d->copy_index = cpu_to_le32(2); break;
		case 26: d->copy_index = cpu_to_le32(0xffffffffU); break;
		case 27: d->generation = 0; break;
		case 28: d->nr_remapped = cpu_to_le32(253); break;
		case 29: d->nr_pending = cpu_to_le32(253); break;
		case 30: d->nr_bad = cpu_to_le32(253); break;
		case 31: d->nr_remapped = d->nr_pending = d->nr_bad = cpu_to_le32(85); break;
		case 32: d->nr_remapped = cpu_to_le32(0xffffffffU);
			 d->nr_pending = cpu_to_le32(2); break;
		case 33: d->spare_len = cpu_to_le64(4096); break;	/* other layout */
		}
		sb_recrc(page);
		if (decode(page, NULL) != DMR_SB_CORRUPT)
			fail_msg("case %u: %s", c, dmr_sb_verdict_name(decode(page, NULL)));
	}
	/* The limits themselves are fine. */
	memcpy(page, good, PAGE);
	d->nr_remapped = d->nr_pending = cpu_to_le32(84);
	d->nr_bad = cpu_to_le32(84);
	d->copy_index = cpu_to_le32(1);
	d->generation = cpu_to_le64(~0ULL);
	sb_recrc(page);
	assert_int_equal(decode(page, NULL), DMR_SB_VALID);
	dmr_meta_destroy(&m);
}

/* Slot page contents that must be refused even with a right crc. */
static void test_slot_page_refused(void **state)
{
	struct dmr_meta m, l;
	struct dmr_disk_slot_page *d;
	u8 good[PAGE], page[PAGE];
	char err[256];
	u64 mb;
	(void)state;

	meta_new(&m, &geos[1]);	/* 4096 blocks of 512 bytes, copies 0..79, 80..159 */
	meta_new(&l, &geos[1]);
	mb = m.main_blocks;
	d = (struct dmr_disk_slot_page *)page;
	/* Last page: blocks 4080..4095 then 494 slots past the end. */
	dmr_meta_encode_page(&m, 8, good);
	assert_int_equal(dmr_meta_load_page(&l, 8, good, err, sizeof(err)), 0);
	assert_int_equal(dmr_meta_load_page(&l, 9, good, err, sizeof(err)), -EINVAL);
	for (u32 c = 0; c < 16; c++) {
		u32 idx = 8;

		memcpy(page, good, PAGE);
		switch (c) {
		case 0: d->magic = cpu_to_le32(DMR_SLOT_MAGIC ^ 1); break;
		case 1: d->index = cpu_to_le32(7); break;
		case 2: d->reserved = cpu_to_le32(1); break;
		case 3: d->slot[15] = cpu_to_le64(dmr_slot_make(4, 0)); break;
		case 4: d->slot[15] = cpu_to_le64(dmr_slot_make(15, 1)); break;
		case 5: d->slot[15] = cpu_to_le64(dmr_slot_make(DMR_SLOT_FREE, 1)); break;
		case 6: d->slot[15] = cpu_to_le64(dmr_slot_make(DMR_SLOT_BAD, 1)); break;
		case 7: d->slot[15] = cpu_to_le64(dmr_slot_make(DMR_SLOT_REMAPPED, mb)); break;
		case 8: d->slot[15] = cpu_to_le64(dmr_slot_make(DMR_SLOT_PENDING, DMR_SLOT_MAIN_MASK)); break;
		case 9: d->slot[16] = cpu_to_le64(dmr_slot_make(DMR_SLOT_BAD, 0)); break;
		case 10: d->slot[509] = cpu_to_le64(1); break;
		case 11: d->index = cpu_to_le32(0); idx = 0;	/* page 0: copies inside */
			 d->slot[0] = cpu_to_le64(dmr_slot_make(DMR_SLOT_REMAPPED, 1)); break;
		case 12: d->index = cpu_to_le32(0); idx = 0;
			 d->slot[159] = cpu_to_le64(dmr_slot_make(DMR_SLOT_BAD, 0)); break;
		case 13: d->index = cpu_to_le32(0); idx = 0;
			 d->slot[80] = cpu_to_le64(dmr_slot_make(DMR_SLOT_PENDING, 0)); break;
		case 14: d->index = cpu_to_le32(0); idx = 0;
			 d->slot[79] = cpu_to_le64(dmr_slot_make(DMR_SLOT_BAD, 0)); break;
		case 15: idx = 7; break;	/* page 8 offered as page 7 */
		}
		slot_recrc(page);
		err[0] = 0;
		if (dmr_meta_load_page(&l, idx, page, err, sizeof(err)) != -EINVAL)
			fail_msg("case %u accepted", c);
		assert_true(err[0]);
	}
	/* The boundaries themselves load. */
	memcpy(page, good, PAGE);
	d->slot[15] = cpu_to_le64(dmr_slot_make(DMR_SLOT_REMAPPED, mb - 1));
	d->slot[14] = cpu_to_le64(dmr_slot_make(DMR_SLOT_BAD, 0));
	slot_recrc(page);
	assert_int_equal(dmr_meta_load_page(&l, 8, page, err, sizeof(err)), 0);
	memset(page, 0, PAGE);
	d->magic = cpu_to_le32(DMR_SLOT_MAGIC);
	d->slot[160] = cpu_to_le64(dmr_slot_make(DMR_SLOT_PENDING, 0));
	slot_recrc(page);
	assert_int_equal(dmr_meta_load_page(&l, 0, page, err, sizeof(err)), 0);
	dmr_meta_destroy(&l);
	dmr_meta_destroy(&m);
}

/* Whole copies whose slots contradict their superblock or each other. */
static void test_copy_refused(void **state)
{
	struct dmr_meta m;
	struct image img;
	u32 s1, s2;
	(void)state;

	for (u32 c = 0; c < 5; c++) {
		meta_new(&m, &geos[1]);
		image_alloc(&img, &m);
		assert_int_equal(dmr_meta_add(&m, 5, DMR_SLOT_REMAPPED, &s1), 0);
		assert_int_equal(dmr_meta_add(&m, 6, DMR_SLOT_PENDING, &s2), 0);
		assert_int_equal(dmr_meta_set_bad(&m, 1000), 0);
		for (u32 i = 0; i < m.nr_pages; i++)
			dmr_meta_encode_page(&m, i, img.page[1 + i]);
		switch (c) {
		case 0:	/* sane: the cases below are refused for their change only */
			break;
		case 1:
			m.nr_remapped++;
			break;
		case 2:
			m.nr_pending--;
			break;
		case 3:
			m.alloc.nr_bad++;
			break;
		case 4:	/* the table line shrank below a mapped main block */
			m.geo.main_len = 6 * (m.geo.block_size >> 9);
			break;
		}
		dmr_meta_encode_sb(&m, 1, 3, img.page[0]);
		assert_int_equal(load_drop(&img, NULL), c ? (c == 4 ? PAGE_REFUSED : FINISH_REFUSED) : LOADED);
		free(img.page);
		dmr_meta_destroy(&m);
	}
	/* One main block on two spare blocks. */
	meta_new(&m, &geos[1]);
	image_alloc(&img, &m);
	assert_int_equal(dmr_meta_add(&m, 5, DMR_SLOT_REMAPPED, &s1), 0);
	encode(&m, 0, 1, &img);
	assert_int_equal(load_drop(&img, &geos[1]), LOADED);
	assert_int_equal(dmr_meta_add(&m, 5, DMR_SLOT_PENDING, &s2), 0);
	encode(&m, 0, 2, &img);
	assert_int_equal(load_drop(&img, &geos[1]), FINISH_REFUSED);
	free(img.page);
	dmr_meta_destroy(&m);
}

static void test_init_refused(void **state)
{
	struct dmr_meta m;
	char err[128];
	struct dmr_geometry g[] = {
		{ 8192, 0, 2048, 1000 },
		{ 8192, 0, 2048, 8192 },
		{ 8192, 0, 2048, 0 },
		{ 8192, 0, 2040, 4096 },
		{ 8192, 0, 1ULL << 40, 4096 },
	};
	(void)state;

	for (u32 i = 0; i < ARRAY_SIZE(g); i++) {
		err[0] = 0;
		assert_int_equal(dmr_meta_init(&m, &g[i], err, sizeof(err)), -EINVAL);
		assert_true(err[0]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_superblock_layout),
		cmocka_unit_test(test_slot_page_layout),
		cmocka_unit_test(test_encoding),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sb_fields),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_every_truncation),
		cmocka_unit_test(test_torn_copy),
		cmocka_unit_test(test_features_and_version),
		cmocka_unit_test(test_geometry_mismatch),
		cmocka_unit_test(test_zero_and_foreign),
		cmocka_unit_test(test_sb_inconsistent_fields),
		cmocka_unit_test(test_slot_page_refused),
		cmocka_unit_test(test_copy_refused),
		cmocka_unit_test(test_init_refused),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
