// The spare-block allocator against a reference model (one state per block,
// the next-fit cursor) over seeded random operation sequences, on real
// placements and on tiny hand-made ones around the 64-bit word boundaries:
// never a reserved, used or bad block handed out, -ENOSPC exactly when the
// model has no free block, counters always exact, reset back to the start.
#include <stdlib.h>
#include "unit.h"
#include "alloc.h"

static u64 rng;

static u64 rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct model {
	u32 n;
	u32 cursor;
	u8 *st;		/* enum dmr_block_state */
	u8 *init;	/* the states after init */
	u32 count[4];
};

static void model_init(struct model *md, const struct dmr_placement *p)
{
	md->n = (u32)p->blocks;
	md->st = calloc(md->n + 1, 1);
	md->init = calloc(md->n + 1, 1);
	assert_non_null(md->st);
	assert_non_null(md->init);
	for (u32 c = 0; c < p->copies; c++)
		for (u64 b = p->start[c]; b < p->start[c] + p->copy_blocks; b++)
			md->init[b] = DMR_BLOCK_RESERVED;
	memcpy(md->st, md->init, md->n);
	memset(md->count, 0, sizeof(md->count));
	for (u32 b = 0; b < md->n; b++)
		md->count[md->st[b]]++;
	md->cursor = 0;
}

static void model_reset(struct model *md)
{
	memcpy(md->st, md->init, md->n);
	memset(md->count, 0, sizeof(md->count));
	for (u32 b = 0; b < md->n; b++)
		md->count[md->st[b]]++;
	md->cursor = 0;
}

static void model_set(struct model *md, u32 b, u8 s)
{
	md->count[md->st[b]]--;
	md->st[b] = s;
	md->count[s]++;
}

static void model_free(struct model *md)
{
	free(md->st);
	free(md->init);
}

static void assert_counters(const struct dmr_alloc *a, const struct model *md)
{
	assert_int_equal(a->nr_blocks, md->n);
	assert_int_equal(a->nr_reserved, md->count[DMR_BLOCK_RESERVED]);
	assert_int_equal(a->nr_used, md->count[DMR_BLOCK_USED]);
	assert_int_equal(a->nr_bad, md->count[DMR_BLOCK_BAD]);
	assert_int_equal(dmr_alloc_free(a), md->count[DMR_BLOCK_FREE]);
}

static void assert_states(const struct dmr_alloc *a, const struct model *md)
{
	for (u32 b = 0; b < md->n; b++) {
		if (dmr_alloc_state(a, b) != md->st[b])
			fail_msg("block %u: state %d, model %d", b, dmr_alloc_state(a, b), md->st[b]);
		assert_int_equal(dmr_alloc_is_reserved(a, b), md->init[b] == DMR_BLOCK_RESERVED);
	}
	/* Windows of every size class, the last ones past the end. */
	for (u32 n = 1; n <= 1000; n = n * 3 + 1) {
		for (u32 first = 0; first < md->n; first += 1 + n / 2) {
			bool want = false;

			for (u32 b = first; b < md->n && b - first < n; b++)
				want |= md->init[b] == DMR_BLOCK_RESERVED;
			assert_int_equal(dmr_alloc_any_reserved(a, first, n), want);
		}
	}
	assert_counters(a, md);
}

/* Next-fit: the first free block at or after the cursor, wrapping once. */
static int model_get(struct model *md, u32 *block)
{
	if (!md->count[DMR_BLOCK_FREE])
		return -ENOSPC;
	for (u32 i = 0; i < md->n; i++) {
		u32 b = (md->cursor + i) % md->n;

		if (md->st[b] == DMR_BLOCK_FREE) {
			model_set(md, b, DMR_BLOCK_USED);
			md->cursor = b + 1 < md->n ? b + 1 : 0;
			*block = b;
			return 0;
		}
	}
	fail_msg("model counters wrong");
	return -1;
}

static void run_ops(const struct dmr_placement *p, u32 nr_ops, u64 seed)
{
	struct dmr_alloc a;
	struct model md;
	u32 recent[8] = { 0 }, b, got, full = 0;
	int r, want;

	rng = seed;
	assert_int_equal(dmr_alloc_init(&a, p), 0);
	model_init(&md, p);
	assert_states(&a, &md);
	for (u32 op = 0; op < nr_ops; op++) {
		u32 kind = rnd() % 1000 + (rnd() % 5000 ? 0 : 1000);

		/* Half the time a block recently handed out, else any (or past the end). */
		b = rnd() & 1 ? recent[rnd() % 8] : (u32)(rnd() % (md.n + 2));
		if (kind < 570) {
			want = model_get(&md, &b);
			r = dmr_alloc_get(&a, &got);
			assert_int_equal(r, want);
			if (!r) {
				if (got != b)
					fail_msg("op %u: got block %u, next-fit gives %u", op, got, b);
				recent[rnd() % 8] = got;
			} else {
				full++;
			}
		} else if (kind < 670) {
			want = b < md.n && md.st[b] == DMR_BLOCK_FREE ? 0 : -EINVAL;
			assert_int_equal(dmr_alloc_claim(&a, b), want);
			if (!want)
				model_set(&md, b, DMR_BLOCK_USED);
		} else if (kind < 970) {
			want = b < md.n && md.st[b] == DMR_BLOCK_USED ? 0 : -EINVAL;
			assert_int_equal(dmr_alloc_release(&a, b), want);
			if (!want)
				model_set(&md, b, DMR_BLOCK_FREE);
		} else if (kind < 1000) {
			want = b < md.n && (md.st[b] == DMR_BLOCK_FREE ||
					    md.st[b] == DMR_BLOCK_USED) ? 0 : -EINVAL;
			assert_int_equal(dmr_alloc_set_bad(&a, b), want);
			if (!want)
				model_set(&md, b, DMR_BLOCK_BAD);
		} else {
			dmr_alloc_reset(&a);
			model_reset(&md);
			assert_states(&a, &md);
		}
		assert_counters(&a, &md);
		if (md.n <= 1024 || op % 1024 == 0)
			assert_states(&a, &md);
	}
	assert_states(&a, &md);
	/* Small regions must have run out of space on the way. */
	if (md.n * 4 < nr_ops)
		assert_true(full > 0);
	dmr_alloc_reset(&a);
	model_reset(&md);
	assert_states(&a, &md);
	model_free(&md);
	dmr_alloc_destroy(&a);
}

static struct dmr_placement real(u64 sectors, u32 bs)
{
	struct dmr_placement p;
	char *err;

	assert_int_equal(dmr_placement(sectors, bs, &p, &err), 0);
	return p;
}

/* Tiny layouts: word boundaries, copies at the very end, nothing free. */
static const struct dmr_placement tiny[] = {
	{ "t", 0, 1, 0, { 0 } },
	{ "t", 1, 2, 1, { 0 } },
	{ "t", 1, 2, 1, { 1 } },
	{ "t", 2, 10, 5, { 0, 5 } },		/* all reserved */
	{ "t", 2, 63, 3, { 0, 60 } },
	{ "t", 2, 64, 1, { 0, 63 } },
	{ "t", 2, 65, 2, { 1, 63 } },
	{ "t", 3, 127, 2, { 0, 62, 125 } },
	{ "t", 3, 128, 2, { 0, 64, 126 } },
	{ "t", 4, 129, 1, { 0, 63, 64, 128 } },
	{ "t", 4, 200, 10, { 0, 60, 120, 190 } },
	{ "t", 2, 300, 40, { 50, 250 } },
};

static void test_random_tiny(void **state)
{
	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(tiny); i++)
		for (u64 seed = 1; seed <= 20; seed++)
			run_ops(&tiny[i], 3000, seed * 7919 + i);
}

static void test_random_real(void **state)
{
	(void)state;
	for (u32 bs = 512; bs <= 4096; bs *= 2) {
		struct dmr_placement p = real(2048, bs);

		run_ops(&p, 20000, bs);
		p = real(131072 - bs / 512, bs);
		run_ops(&p, 20000, bs + 1);
	}
	{
		struct dmr_placement p = real(131072, 4096);

		run_ops(&p, 60000, 3);
		p = real(8388608, 4096);	/* 4 copies, 2^20 blocks */
		run_ops(&p, 20000, 4);
	}
}

static void exhaust(const struct dmr_placement *p, u32 nr_bad)
{
	struct dmr_alloc a;
	u8 *seen = calloc(p->blocks + 1, 1);
	u32 b, n = 0, start_free, bad_set = 0;

	assert_non_null(seen);
	assert_int_equal(dmr_alloc_init(&a, p), 0);
	rng = p->blocks + nr_bad;
	for (u32 i = 0; i < nr_bad; i++) {
		b = (u32)(rnd() % p->blocks);
		if (!dmr_alloc_is_reserved(&a, b) && dmr_alloc_state(&a, b) != DMR_BLOCK_BAD) {
			assert_int_equal(dmr_alloc_set_bad(&a, b), 0);
			seen[b] = 2;
			bad_set++;
		}
	}
	assert_int_equal(a.nr_bad, bad_set);
	start_free = dmr_alloc_free(&a);
	assert_int_equal(start_free, p->blocks - a.nr_reserved - bad_set);
	while (dmr_alloc_get(&a, &b) == 0) {
		assert_true(b < p->blocks);
		assert_false(seen[b]);
		assert_false(dmr_alloc_is_reserved(&a, b));
		seen[b] = 1;
		n++;
		assert_true(n <= start_free);
	}
	assert_int_equal(n, start_free);
	assert_int_equal(dmr_alloc_free(&a), 0);
	assert_int_equal(dmr_alloc_get(&a, &b), -ENOSPC);
	assert_int_equal(dmr_alloc_claim(&a, 0), -EINVAL);
	/* A released block is the only one left. */
	if (n) {
		u32 x = (u32)(rnd() % p->blocks);

		while (seen[x] != 1)
			x = (x + 1) % (u32)p->blocks;
		assert_int_equal(dmr_alloc_release(&a, x), 0);
		assert_int_equal(dmr_alloc_get(&a, &b), 0);
		assert_int_equal(b, x);
		assert_int_equal(dmr_alloc_get(&a, &b), -ENOSPC);
	}
	dmr_alloc_reset(&a);
	assert_int_equal(a.nr_used + a.nr_bad, 0);
	assert_int_equal(dmr_alloc_free(&a), p->blocks - a.nr_reserved);
	free(seen);
	dmr_alloc_destroy(&a);
}

static void test_exhaustion(void **state)
{
	(void)state;
	for (u32 i = 0; i < ARRAY_SIZE(tiny); i++) {
		exhaust(&tiny[i], 0);
		exhaust(&tiny[i], 5);
	}
	for (u32 bs = 512; bs <= 4096; bs *= 2) {
		struct dmr_placement p = real(2048, bs);

		exhaust(&p, 0);
		exhaust(&p, 100);
		p = real(131072, bs);
		exhaust(&p, 1000);
	}
	{
		struct dmr_placement p = real(8388608, 4096);

		exhaust(&p, 50);
	}
}

/*
 * Activation rebuilds the allocator from the slots (claim, set_bad on any
 * block): nothing in use is handed out again, whatever the cursor.
 */
static void test_rebuilt_state(void **state)
{
	struct dmr_placement p = real(4096, 512);	/* 4096 blocks, copies of 80 */
	struct dmr_alloc a;
	u32 b;
	(void)state;

	assert_int_equal(dmr_alloc_init(&a, &p), 0);
	assert_int_equal(a.nr_reserved, 160);
	for (b = 0; b < 160; b++) {
		assert_int_equal(dmr_alloc_state(&a, b), DMR_BLOCK_RESERVED);
		assert_int_equal(dmr_alloc_claim(&a, b), -EINVAL);
		assert_int_equal(dmr_alloc_release(&a, b), -EINVAL);
		assert_int_equal(dmr_alloc_set_bad(&a, b), -EINVAL);
	}
	for (b = 160; b < 4096; b += 2)
		assert_int_equal(dmr_alloc_claim(&a, b), 0);
	assert_int_equal(dmr_alloc_claim(&a, 160), -EINVAL);
	assert_int_equal(dmr_alloc_set_bad(&a, 161), 0);
	assert_int_equal(dmr_alloc_set_bad(&a, 161), -EINVAL);
	assert_int_equal(dmr_alloc_set_bad(&a, 162), 0);	/* used -> bad */
	assert_int_equal(dmr_alloc_release(&a, 162), -EINVAL);
	assert_int_equal(dmr_alloc_claim(&a, 4096), -EINVAL);
	assert_int_equal(dmr_alloc_set_bad(&a, 4096), -EINVAL);
	assert_int_equal(dmr_alloc_release(&a, 0xffffffffU), -EINVAL);
	assert_int_equal(a.nr_used, 1968 - 1);
	assert_int_equal(a.nr_bad, 2);
	assert_int_equal(dmr_alloc_free(&a), 4096 - 160 - 1967 - 2);
	for (u32 i = 0; i < 4096 - 160 - 1969; i++) {
		assert_int_equal(dmr_alloc_get(&a, &b), 0);
		assert_true(b >= 163 && b % 2 == 1);
	}
	assert_int_equal(dmr_alloc_get(&a, &b), -ENOSPC);
	dmr_alloc_destroy(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_tiny),
		cmocka_unit_test(test_random_real),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_rebuilt_state),
	};
	return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
