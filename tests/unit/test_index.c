// The lookup index against a reference sorted array: updates (insert,
// replace, remove; the old version untouched, as RCU readers still use it),
// range queries against brute force, and building from slots with duplicate
// and count checks.
#include <stdlib.h>
#include "unit.h"
#include "index.h"
#include "format.h"

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define MAX_REF 4096

struct ref {
	u32 count;
	struct dmr_index_entry e[MAX_REF];
};

static void ref_update(struct ref *r, const struct dmr_index_entry *e, bool remove)
{
	u32 i = 0;

	while (i < r->count && r->e[i].main_block < e->main_block)
		i++;
	if (i < r->count && r->e[i].main_block == e->main_block) {
		if (remove) {
			memmove(r->e + i, r->e + i + 1, (r->count - i - 1) * sizeof(r->e[0]));
			r->count--;
		} else {
			r->e[i] = *e;
		}
	} else if (!remove) {
		memmove(r->e + i + 1, r->e + i, (r->count - i) * sizeof(r->e[0]));
		r->e[i] = *e;
		r->count++;
	}
}

static void assert_same(const struct dmr_index *ix, const struct ref *r)
{
	assert_non_null(ix);
	assert_int_equal(ix->count, r->count);
	for (u32 i = 0; i < r->count; i++) {
		struct dmr_index_entry e = dmr_index_get(ix, i);

		assert_int_equal(e.main_block, r->e[i].main_block);
		assert_int_equal(e.spare_block, r->e[i].spare_block);
		assert_int_equal(e.state, r->e[i].state);
	}
}

static const struct dmr_index_entry *brute_first(const struct ref *r, u64 lo, u64 hi)
{
	for (u32 i = 0; i < r->count; i++)
		if (r->e[i].main_block >= lo && r->e[i].main_block <= hi)
			return &r->e[i];
	return NULL;
}

static void check_queries(const struct dmr_index *ix, const struct ref *r, u64 range, u32 n)
{
	for (u32 q = 0; q < n; q++) {
		u64 lo = rnd() % range, hi;
		const struct dmr_index_entry *want;
		struct dmr_index_entry got;
		u32 i;

		switch (rnd() % 6) {
		case 0: hi = lo; break;
		case 1: hi = lo + rnd() % 8; break;
		case 2: hi = lo + rnd() % range; break;
		case 3: hi = lo ? lo - 1 : 0; lo = hi + 1; break;	/* empty: lo > hi */
		case 4: hi = ~0ULL; break;
		default:
			/* Exactly on, just before and just after an entry. */
			if (r->count) {
				u64 m = r->e[rnd() % r->count].main_block;

				lo = m - (rnd() % 2);
				hi = rnd() % 2 ? m : m - 1;
			} else {
				hi = lo;
			}
		}
		i = dmr_index_find(ix, lo, hi);
		want = brute_first(r, lo, hi);
		if (!want) {
			if (i != DMR_INDEX_NONE)
				fail_msg("[%llu, %llu]: got %llu, want none", (unsigned long long)lo,
					 (unsigned long long)hi,
					 (unsigned long long)dmr_index_main(ix, i));
			continue;
		}
		assert_true(i < ix->count);
		got = dmr_index_get(ix, i);
		assert_int_equal(got.main_block, want->main_block);
		assert_int_equal(got.spare_block, want->spare_block);
		assert_int_equal(got.state, want->state);
		/* The single-block form agrees. */
		if (lo == hi) {
			assert_true(dmr_index_lookup(ix, lo, &got));
			assert_int_equal(got.spare_block, want->spare_block);
		} else if (!dmr_index_lookup(ix, lo, &got)) {
			assert_true(want->main_block != lo);
		}
	}
}

static void random_updates(u64 range, u32 nr_ops, u64 seed)
{
	static struct ref r, before;
	struct dmr_index *ix = NULL, *n;
	u64 qrange = range + 2 > range ? range + 2 : range;
	u32 changes = 0;

	rng = seed;
	r.count = 0;
	for (u32 op = 0; op < nr_ops; op++) {
		struct dmr_index_entry e = {
			.main_block = rnd() % range,
			.spare_block = (u32)rnd() % DMR_MAX_SPARE_BLOCKS,
			.state = rnd() % 2 ? DMR_SLOT_REMAPPED : DMR_SLOT_PENDING,
		};
		/* Mostly inserts while small, removes when large, some replaces. */
		bool remove = rnd() % 100 < 30 + 40 * r.count / MAX_REF;

		if (r.count == MAX_REF && !remove)
			remove = true;
		/* Half the removes and replaces hit an existing entry. */
		if (r.count && rnd() % 2)
			e.main_block = r.e[rnd() % r.count].main_block;
		before.count = r.count;
		memcpy(before.e, r.e, r.count * sizeof(r.e[0]));
		n = dmr_index_update(ix, &e, remove);
		ref_update(&r, &e, remove);
		assert_same(n, &r);
		if (ix)
			assert_same(ix, &before);	/* the old version is unchanged */
		changes += r.count != before.count;
		dmr_index_free(ix);
		ix = n;
		if (op % 16 == 0)
			check_queries(ix, &r, qrange, 64);
	}
	check_queries(ix, &r, qrange, 4096);
	assert_true(changes > nr_ops / 4);
	dmr_index_free(ix);
}

static void test_update_random(void **state)
{
	(void)state;
	random_updates(8, 2000, 1);		/* dense: many replaces */
	random_updates(1000, 20000, 2);
	random_updates(1ULL << 40, 20000, 3);
	random_updates(~0ULL, 5000, 4);	/* main blocks near the top */
}

static void test_empty(void **state)
{
	struct dmr_index_entry e = { 5, 7, DMR_SLOT_REMAPPED };
	struct dmr_index *ix, *n;
	(void)state;

	assert_int_equal(dmr_index_find(NULL, 0, ~0ULL), DMR_INDEX_NONE);
	ix = dmr_index_alloc(0, 0);
	assert_non_null(ix);
	assert_int_equal(dmr_index_find(ix, 0, ~0ULL), DMR_INDEX_NONE);
	/* Removing what is not there, from nothing. */
	n = dmr_index_update(NULL, &e, true);
	assert_non_null(n);
	assert_int_equal(n->count, 0);
	dmr_index_free(n);
	n = dmr_index_update(NULL, &e, false);
	assert_int_equal(n->count, 1);
	assert_int_equal(dmr_index_find(n, 0, 5), 0);
	assert_int_equal(dmr_index_find(n, 5, 5), 0);
	assert_int_equal(dmr_index_find(n, 0, 4), DMR_INDEX_NONE);
	assert_int_equal(dmr_index_find(n, 6, ~0ULL), DMR_INDEX_NONE);
	assert_int_equal(dmr_index_find(n, 5, 4), DMR_INDEX_NONE);
	dmr_index_free(ix);
	ix = dmr_index_update(n, &e, true);
	assert_int_equal(ix->count, 0);
	assert_int_equal(n->count, 1);
	dmr_index_free(n);
	dmr_index_free(ix);
}

/*
 * Slots for nr blocks: about a third mapped, some bad, main blocks distinct:
 * m * mult (+ m % 3 when mult > 1) for distinct m below range.
 */
static u32 random_slots(u64 *slots, u32 nr, u64 range, u64 mult, struct ref *r)
{
	u8 *used = calloc(range, 1);
	u32 mapped = 0;

	assert_non_null(used);
	r->count = 0;
	for (u32 b = 0; b < nr; b++) {
		u64 m = rnd() % range;
		u32 k = rnd() % 6;

		slots[b] = 0;
		if (k == 5) {
			slots[b] = dmr_slot_make(DMR_SLOT_BAD, 0);
		} else if (k < 2 && !used[m]) {
			struct dmr_index_entry e = { m * mult + (mult > 1 ? m % 3 : 0), b,
						     k ? DMR_SLOT_PENDING : DMR_SLOT_REMAPPED };

			used[m] = 1;
			slots[b] = dmr_slot_make(e.state, e.main_block);
			ref_update(r, &e, false);
			mapped++;
		}
	}
	free(used);
	return mapped;
}

static void test_build(void **state)
{
	static u64 slots[MAX_REF];
	static struct ref r;
	struct dmr_index *ix;
	u64 dup;
	(void)state;

	rng = 77;
	for (u32 round = 0; round < 200; round++) {
		u32 nr = 1 + rnd() % MAX_REF, mapped, a, b;
		u64 range = 1 + rnd() % (round % 2 ? 1000000 : 2 * nr);
		/* Every third round, keys up to the largest main block: 5 sort passes. */
		u64 mult = round % 3 == 2 ? DMR_SLOT_MAIN_MASK / range : 1;

		mapped = random_slots(slots, nr, range, mult, &r);
		ix = NULL;
		assert_int_equal(dmr_index_build(slots, nr, mapped, &ix, &dup), 0);
		assert_same(ix, &r);
		check_queries(ix, &r, range + 2, 256);
		dmr_index_free(ix);
		/* In steps of a random size, some left to the end: the same index. */
		{
			struct dmr_index_builder bld;
			u32 budget = 1 + rnd() % 100, steps = rnd() % 1000;

			assert_int_equal(dmr_index_build_begin(&bld, slots, nr, mapped, &dup), 0);
			while (steps-- && dmr_index_build_step(&bld, budget))
				;
			assert_int_equal(dmr_index_build_end(&bld, &ix, &dup), 0);
			assert_same(ix, &r);
			dmr_index_free(ix);
			if (round % 10 == 0) {
				assert_int_equal(dmr_index_build_begin(&bld, slots, nr, mapped, &dup), 0);
				dmr_index_build_step(&bld, budget);
				dmr_index_build_abort(&bld);
			}
		}
		/* A count that disagrees with the slots. */
		ix = NULL;
		dup = 0;
		assert_int_equal(dmr_index_build(slots, nr, mapped + 1, &ix, &dup), -EINVAL);
		assert_null(ix);
		assert_int_equal(dup, ~0ULL);
		if (mapped) {
			dup = 0;
			assert_int_equal(dmr_index_build(slots, nr, mapped - 1, &ix, &dup), -EINVAL);
			assert_null(ix);
			assert_int_equal(dup, ~0ULL);
		}
		if (mapped < 2)
			continue;
		/* Give one mapped slot the main block of another: duplicate. */
		a = r.e[rnd() % r.count].spare_block;
		do
			b = r.e[rnd() % r.count].spare_block;
		while (b == a);
		slots[b] = dmr_slot_make(dmr_slot_state(slots[b]), dmr_slot_main(slots[a]));
		dup = 0;
		assert_int_equal(dmr_index_build(slots, nr, mapped, &ix, &dup), -EINVAL);
		assert_null(ix);
		assert_int_equal(dup, dmr_slot_main(slots[a]));
	}
	/* Nothing mapped. */
	memset(slots, 0, sizeof(slots));
	slots[3] = dmr_slot_make(DMR_SLOT_BAD, 0);
	assert_int_equal(dmr_index_build(slots, MAX_REF, 0, &ix, &dup), 0);
	assert_int_equal(ix->count, 0);
	assert_int_equal(dmr_index_find(ix, 0, ~0ULL), DMR_INDEX_NONE);
	dmr_index_free(ix);
	/* Main block 0 twice, far apart; a remapped and a pending. */
	slots[10] = dmr_slot_make(DMR_SLOT_REMAPPED, 0);
	slots[4000] = dmr_slot_make(DMR_SLOT_PENDING, 0);
	dup = 1;
	assert_int_equal(dmr_index_build(slots, MAX_REF, 2, &ix, &dup), -EINVAL);
	assert_int_equal(dup, 0);
}

/* A deep search tree (5 levels): every answer equals a binary search's. */
/*
 * The filter in front of the tree: entries at the edges of granules and at
 * the largest key; queries just beside them, across them, past the last
 * key; a key set beyond what the filter covers turns it off, not wrong.
 */
static void test_filter(void **state)
{
	static const u64 keys[] = { 0, 7, 8, 1000, 1023, 1024, 99999, 1000000 };
	struct dmr_index_entry e = { .state = DMR_SLOT_REMAPPED };
	struct dmr_index *ix = dmr_index_alloc(ARRAY_SIZE(keys), 1000000);
	u32 i, hit;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		e.main_block = keys[i];
		e.spare_block = i;
		dmr_index_set(ix, i, &e);
	}
	dmr_index_seal(ix);
	assert_non_null(ix->filter);
	assert_true(ix->filter_shift > 0);
	for (u64 lo = 0; lo < 1000010; lo += lo < 2000 ? 1 : 997) {
		for (u64 len = 1; len <= 3000; len *= 7) {
			u64 hi = lo + len - 1;

			for (hit = 0; hit < ARRAY_SIZE(keys) && !(keys[hit] >= lo && keys[hit] <= hi); hit++)
				;
			assert_int_equal(dmr_index_find(ix, lo, hi),
					 hit < ARRAY_SIZE(keys) ? hit : DMR_INDEX_NONE);
		}
	}
	assert_int_equal(dmr_index_find(ix, 1000001, U64_MAX), DMR_INDEX_NONE);
	assert_int_equal(dmr_index_find(ix, 0, U64_MAX), 0);
	/* Beyond the cover: no filter from now on, and still right. */
	e.main_block = 5000000;
	dmr_index_set(ix, ARRAY_SIZE(keys) - 1, &e);
	assert_null(ix->filter);
	assert_int_equal(dmr_index_find(ix, 4999999, 5000000), ARRAY_SIZE(keys) - 1);
	dmr_index_free(ix);
}

static void test_large_tree(void **state)
{
	enum { N = 300000 };
	u64 *slots = calloc(N, sizeof(*slots)), dup = 0, b = 0;
	struct dmr_index *ix;
	(void)state;

	for (u32 i = 0; i < N; i++) {
		b += 1 + rnd() % 5;
		slots[(i * 7919ULL) % N] = dmr_slot_make(DMR_SLOT_REMAPPED, b);
	}
	assert_int_equal(dmr_index_build(slots, N, N, &ix, &dup), 0);
	assert_true(ix->levels >= 4);
	for (u32 q = 0; q < 200000; q++) {
		u64 key = rnd() % (b + 2), hi = key + rnd() % 4;
		u32 lo = 0, top = ix->count, mid;
		u32 got = dmr_index_find(ix, key, hi);

		while (lo < top) {
			mid = lo + (top - lo) / 2;
			if (dmr_index_main(ix, mid) < key)
				lo = mid + 1;
			else
				top = mid;
		}
		if (lo < ix->count && dmr_index_main(ix, lo) <= hi)
			assert_int_equal(got, lo);
		else
			assert_int_equal(got, DMR_INDEX_NONE);
	}
	dmr_index_free(ix);
	free(slots);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_update_random),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_large_tree),
	};
	return cmocka_run_group_tests_name("index", tests, NULL, NULL);
}
