// The metadata checker: silent on consistent metadata, and each kind of
// inconsistency reported (one line per violation, the count returned).
// Also the bounded text output it writes into (report.h).
#include <stdlib.h>
#include "unit.h"
#include "check.h"

static const struct dmr_geometry geo = { 8192, 8192, 4096, 512 };	/* copies: 0..79, 80..159 */

struct fx {
	struct dmr_meta m;
	struct dmr_index *ix;
	u32 mapped[40];		/* spare blocks of the mapped main blocks 0, 3, 6, ... */
	u32 free_block;		/* a free, unreserved block */
};

static void fx_init(struct fx *f)
{
	char err[128];
	u64 dup;

	assert_int_equal(dmr_meta_init(&f->m, &geo, err, sizeof(err)), 0);
	for (u32 i = 0; i < 40; i++)
		assert_int_equal(dmr_meta_add(&f->m, 3 * i, i % 2 ? DMR_SLOT_PENDING : DMR_SLOT_REMAPPED,
					      &f->mapped[i]), 0);
	assert_int_equal(dmr_meta_set_bad(&f->m, 3000), 0);		/* free -> bad */
	assert_int_equal(dmr_meta_add(&f->m, 500, DMR_SLOT_REMAPPED, &f->free_block), 0);
	assert_int_equal(dmr_meta_set_bad(&f->m, f->free_block), 0);	/* used -> bad */
	assert_int_equal(dmr_meta_add(&f->m, 501, DMR_SLOT_REMAPPED, &f->free_block), 0);
	assert_int_equal(dmr_meta_remove(&f->m, f->free_block), 0);	/* used -> free */
	assert_int_equal(dmr_alloc_state(&f->m.alloc, f->free_block), DMR_BLOCK_FREE);
	assert_int_equal(dmr_index_build(f->m.slots, f->m.nr_blocks,
					 f->m.nr_remapped + f->m.nr_pending, &f->ix, &dup), 0);
	assert_int_equal(f->ix->count, 40);
}

static void fx_free(struct fx *f)
{
	dmr_index_free(f->ix);
	dmr_meta_destroy(&f->m);
}

/* Check; the violations must be n, one line each, the first containing what. */
static void expect(const struct fx *f, bool with_ix, u32 n, const char *what)
{
	char buf[4096];
	struct dmr_out o;
	u32 got, lines = 0;

	dmr_out_init(&o, buf, sizeof(buf));
	got = dmr_meta_check(&f->m, with_ix ? f->ix : NULL, &o);
	for (size_t i = 0; i < o.len; i++)
		lines += buf[i] == '\n';
	if (got != n || (what && !strstr(buf, what)))
		fail_msg("%u violations (want %u, '%s'):\n%s", got, n, what ? what : "", buf);
	assert_false(o.truncated);
	assert_int_equal(lines, n);
	assert_int_equal(strlen(buf), o.len);
	assert_true(!o.len || buf[o.len - 1] == '\n');
}

static void test_consistent(void **state)
{
	struct fx f;
	char buf[16];
	struct dmr_out o;
	(void)state;

	fx_init(&f);
	expect(&f, true, 0, NULL);
	expect(&f, false, 0, NULL);
	/* Nothing printed even into a tiny buffer. */
	dmr_out_init(&o, buf, sizeof(buf));
	assert_int_equal(dmr_meta_check(&f.m, f.ix, &o), 0);
	assert_int_equal(o.len, 0);
	assert_false(o.truncated);
	/* Empty metadata too. */
	fx_free(&f);
	{
		char err[64];

		assert_int_equal(dmr_meta_init(&f.m, &geo, err, sizeof(err)), 0);
		f.ix = dmr_index_alloc(0, 0);
		expect(&f, true, 0, NULL);
		fx_free(&f);
	}
}

static void test_slots(void **state)
{
	struct fx f;
	(void)state;

	for (u32 c = 0; c < 9; c++) {
		fx_init(&f);
		switch (c) {
		case 0:	/* a mapped slot inside a metadata copy (block 5 of copy 0) */
			f.m.slots[5] = dmr_slot_make(DMR_SLOT_REMAPPED, 1000);
			expect(&f, false, 1, "inside a metadata copy is in use");
			break;
		case 1:	/* a bad slot on the last block of copy 1 */
			f.m.slots[159] = dmr_slot_make(DMR_SLOT_BAD, 0);
			expect(&f, false, 1, "inside a metadata copy is in use");
			break;
		case 2:
			f.m.slots[f.mapped[7]] = dmr_slot_make(DMR_SLOT_PENDING, f.m.main_blocks);
			expect(&f, false, 1, "past the device end");
			break;
		case 3:
			f.m.slots[f.mapped[7]] = dmr_slot_make(DMR_SLOT_PENDING, f.m.main_blocks - 1);
			expect(&f, false, 0, NULL);	/* the last block is fine */
			break;
		case 4:
			f.m.slots[f.free_block] = dmr_slot_make(DMR_SLOT_FREE, 9);
			expect(&f, false, 1, "names main block 9");
			break;
		case 5:
			f.m.slots[f.free_block] = dmr_slot_make(9, 0);
			expect(&f, false, 1, "invalid state 9");
			break;
		case 6:	/* a slot turned bad behind the allocator's back */
			f.m.slots[f.free_block] = dmr_slot_make(DMR_SLOT_BAD, 0);
			expect(&f, false, 2, "is not bad in the allocator");
			break;
		case 7:	/* a slot freed behind the allocator's back */
			f.m.slots[f.mapped[0]] = 0;
			f.m.nr_remapped--;
			expect(&f, false, 2, "is taken in the allocator");
			break;
		case 8:	/* two main blocks the same: only the index shows it */
			f.m.slots[f.mapped[2]] = f.m.slots[f.mapped[0]];
			expect(&f, false, 0, NULL);
			fx_free(&f);
			fx_init(&f);
			f.m.slots[f.mapped[2]] = f.m.slots[f.mapped[0]];
			expect(&f, true, 1, "disagrees with the slots");
			break;
		}
		fx_free(&f);
	}
}

static void test_counters_and_allocator(void **state)
{
	struct fx f;
	(void)state;

	for (u32 c = 0; c < 8; c++) {
		fx_init(&f);
		switch (c) {
		case 0:
			f.m.nr_remapped++;
			expect(&f, true, 1, "counters say 21 remapped, 20 pending; slots hold 20, 20");
			break;
		case 1:
			f.m.nr_pending--;
			expect(&f, true, 1, "counters say");
			break;
		case 2:	/* a free block taken in the allocator */
			assert_int_equal(dmr_alloc_claim(&f.m.alloc, f.free_block), 0);
			expect(&f, true, 2, "is taken in the allocator");
			break;
		case 3:	/* a mapped block free in the allocator */
			assert_int_equal(dmr_alloc_release(&f.m.alloc, f.mapped[3]), 0);
			expect(&f, true, 2, "is not used in the allocator");
			break;
		case 4:	/* a mapped block bad in the allocator */
			assert_int_equal(dmr_alloc_set_bad(&f.m.alloc, f.mapped[3]), 0);
			expect(&f, true, 2, "is not used in the allocator");
			break;
		case 5:	/* a block of a copy not reserved in the allocator */
			f.m.alloc.taken[1] &= ~(1ULL << 15);	/* block 79 */
			expect(&f, true, 1, "spare block 79 inside a metadata copy is not reserved");
			break;
		case 6:
			f.m.alloc.nr_bad++;
			expect(&f, true, 1, "allocator counts");
			break;
		case 7:
			f.m.alloc.nr_reserved--;
			expect(&f, true, 1, "allocator counts");
			break;
		}
		fx_free(&f);
	}
}

static void test_placement(void **state)
{
	struct fx f;
	(void)state;

	for (u32 c = 0; c < 3; c++) {
		fx_init(&f);
		switch (c) {
		case 0:
			f.m.place.copies = 1;
			expect(&f, true, 1, "only 1 metadata copies");
			break;
		case 1:
			f.m.place.start[1] = 79;
			expect(&f, true, 1, "metadata copies 0 and 1 overlap");
			break;
		case 2:
			f.m.place.start[1] = f.m.nr_blocks - 79;
			expect(&f, true, 1, "metadata copy 1 ends past the spare region");
			break;
		}
		fx_free(&f);
	}
}

static void test_index(void **state)
{
	struct dmr_index_entry e, t;
	struct fx f;
	struct dmr_index *n;
	(void)state;

	for (u32 c = 0; c < 7; c++) {
		fx_init(&f);
		switch (c) {
		case 0:	/* wrong spare block */
			e = dmr_index_get(f.ix, 5);
			e.spare_block = f.free_block;
			dmr_index_set(f.ix, 5, &e);
			expect(&f, true, 1, "main block 15 -> spare block");
			break;
		case 1:	/* wrong state */
			e = dmr_index_get(f.ix, 5);
			e.state = DMR_SLOT_REMAPPED + DMR_SLOT_PENDING - e.state;
			dmr_index_set(f.ix, 5, &e);
			expect(&f, true, 1, "disagrees with the slots");
			break;
		case 2:	/* spare block past the region */
			e = dmr_index_get(f.ix, 39);
			e.spare_block = f.m.nr_blocks;
			dmr_index_set(f.ix, 39, &e);
			expect(&f, true, 1, "disagrees with the slots");
			break;
		case 3:	/* missing */
			e = dmr_index_get(f.ix, 10);
			n = dmr_index_update(f.ix, &e, true);
			dmr_index_free(f.ix);
			f.ix = n;
			expect(&f, true, 1, "lookup index holds 39 entries, slots map 40");
			break;
		case 4:	/* duplicated */
			n = dmr_index_alloc(41, U64_MAX);
			for (u32 i = 0; i < 41; i++) {
				e = dmr_index_get(f.ix, i <= 10 ? i : i - 1);
				dmr_index_set(n, i, &e);
			}
			dmr_index_seal(n);
			dmr_index_free(f.ix);
			f.ix = n;
			expect(&f, true, 2, "out of order or twice");
			break;
		case 5:	/* out of order */
			e = dmr_index_get(f.ix, 3);
			t = dmr_index_get(f.ix, 4);
			dmr_index_set(f.ix, 3, &t);
			dmr_index_set(f.ix, 4, &e);
			expect(&f, true, 1, "main block 9 out of order or twice");
			break;
		case 6:	/* an entry pointing into a metadata copy, slot agreeing */
			e = dmr_index_get(f.ix, 0);
			f.m.slots[7] = dmr_slot_make(e.state, e.main_block);
			f.m.slots[e.spare_block] = 0;
			e.spare_block = 7;
			dmr_index_set(f.ix, 0, &e);
			/*
			 * Slot 7 in use, a slot freed behind the allocator, counters
			 * and allocator counts off, index count off, entry into a copy.
			 */
			expect(&f, true, 6, "points into a metadata copy");
			break;
		}
		fx_free(&f);
	}
}

/* Many violations into a small buffer: all counted, whole lines printed. */
static void test_truncated_report(void **state)
{
	struct fx f;
	char buf[200];
	struct dmr_out o;
	(void)state;

	fx_init(&f);
	for (u32 b = 300; b < 400; b++)
		f.m.slots[b] = dmr_slot_make(DMR_SLOT_FREE, b);
	dmr_out_init(&o, buf, sizeof(buf));
	assert_int_equal(dmr_meta_check(&f.m, f.ix, &o), 100);
	assert_true(o.truncated);
	assert_true(o.len > 0 && o.len < sizeof(buf));
	assert_int_equal(strlen(buf), o.len);
	assert_int_equal(buf[o.len - 1], '\n');
	assert_memory_equal(buf, "free spare block 300 names main block 300\n", 42);
	fx_free(&f);
}

static void test_out(void **state)
{
	char buf[32];
	struct dmr_out o;
	(void)state;

	/* Lines that fit, then one that does not: cut after the last whole line. */
	memset(buf, 'x', sizeof(buf));
	dmr_out_init(&o, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_true(dmr_out(&o, "line %d\n", 1));
	assert_true(dmr_out(&o, "line %d\n", 22));
	assert_true(dmr_out(&o, "part "));
	assert_false(dmr_out(&o, "of a line that is too long\n"));
	assert_true(o.truncated);
	assert_string_equal(buf, "line 1\nline 22\n");
	assert_int_equal(o.len, 15);
	/* Once cut, nothing more, even what would fit. */
	assert_false(dmr_out(&o, "x\n"));
	assert_string_equal(buf, "line 1\nline 22\n");

	/* Exactly full (31 characters and the NUL) fits. */
	dmr_out_init(&o, buf, sizeof(buf));
	assert_true(dmr_out(&o, "%030d\n", 7));
	assert_int_equal(o.len, 31);
	assert_false(o.truncated);
	assert_true(dmr_out(&o, "%s", ""));	/* nothing always fits */
	assert_false(dmr_out(&o, "y"));
	assert_true(o.truncated);
	assert_int_equal(o.len, 31);
	assert_int_equal(buf[31], 0);
	/* One more than fits: nothing, since the only line is not whole. */
	dmr_out_init(&o, buf, sizeof(buf));
	assert_false(dmr_out(&o, "%031d\n", 7));
	assert_true(o.truncated);
	assert_int_equal(o.len, 0);
	assert_string_equal(buf, "");
	/* No room at all is flagged too. */
	dmr_out_init(&o, buf, 0);
	assert_false(dmr_out(&o, "x\n"));
	assert_true(o.truncated);
	dmr_out_init(&o, buf, 1);
	assert_false(dmr_out(&o, "x\n"));
	assert_true(o.truncated);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistent),
		cmocka_unit_test(test_slots),
		cmocka_unit_test(test_counters_and_allocator),
		cmocka_unit_test(test_placement),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_truncated_report),
		cmocka_unit_test(test_out),
	};
	return cmocka_run_group_tests_name("check", tests, NULL, NULL);
}
