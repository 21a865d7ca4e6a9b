// Placement of metadata copies: every threshold and its neighbours, and the
// layout invariants (inside the region, apart, not overlapping, spare left)
// for many sizes and every block size.
#include <stdlib.h>
#include "unit.h"
#include "placement.h"
#include "format.h"

static void check_layout(uint64_t sectors, uint32_t bs)
{
	struct dmr_placement p, q;
	char *err = NULL;

	if (dmr_placement(sectors, bs, &p, &err))
		fail_msg("%llu sectors, bs %u refused: %s", (unsigned long long)sectors, bs, err);
	assert_int_equal(p.blocks, sectors / (bs / 512));
	assert_true(p.copies >= 2 && p.copies <= DMR_MAX_COPIES);
	assert_int_equal(p.start[0], 0);
	for (uint32_t i = 1; i < p.copies; i++)
		assert_true(p.start[i] >= p.start[i - 1] + p.copy_blocks);
	assert_true(p.start[p.copies - 1] + p.copy_blocks <= p.blocks);
	/* A copy holds a superblock and one slot per spare block. */
	assert_true(p.copy_blocks * bs >=
		    DMR_META_PAGE_SIZE * (1 + (p.blocks + DMR_SLOTS_PER_PAGE - 1) / DMR_SLOTS_PER_PAGE));
	assert_true(p.blocks > p.copies * p.copy_blocks);
	/* Deterministic. */
	assert_int_equal(dmr_placement(sectors, bs, &q, &err), 0);
	assert_memory_equal(&p, &q, sizeof(p));
}

static const char *strategy(uint64_t sectors, uint32_t bs)
{
	static struct dmr_placement p;
	char *err = NULL;

	if (dmr_placement(sectors, bs, &p, &err))
		return err;
	return p.strategy;
}

static void test_thresholds(void **state)
{
	(void)state;
	for (uint32_t bs = 512; bs <= 4096; bs *= 2) {
		uint64_t s = bs / 512;	/* one block, in sectors */

		assert_string_equal(strategy(2048 - s, bs), "Spare region too small: at least 2048 sectors (1 MiB)");
		assert_string_equal(strategy(0, bs), "Spare region too small: at least 2048 sectors (1 MiB)");
		assert_string_equal(strategy(2048, bs), "small");
		assert_string_equal(strategy(2048 + s, bs), "small");
		assert_string_equal(strategy(131072 - s, bs), "small");
		assert_string_equal(strategy(131072, bs), "medium");
		assert_string_equal(strategy(131072 + s, bs), "medium");
		assert_string_equal(strategy(8388608 - s, bs), "medium");
		assert_string_equal(strategy(8388608, bs), "large");
		assert_string_equal(strategy(8388608 + s, bs), "large");
		check_layout(2048, bs);
		check_layout(131072 - s, bs);
		check_layout(131072, bs);
		check_layout(8388608 - s, bs);
		check_layout(8388608, bs);
	}
	/* The slot array is held in RAM: at most 2^24 spare blocks. */
	assert_string_equal(strategy((u64)DMR_MAX_SPARE_BLOCKS * 8, 4096), "large");
	assert_string_equal(strategy((DMR_MAX_SPARE_BLOCKS + 1ULL) * 8, 4096),
			    "Spare region too large: at most 16777216 blocks (64 GiB at block_size 4096)");
	assert_string_equal(strategy(DMR_MAX_SPARE_BLOCKS, 512), "large");
	assert_string_equal(strategy(DMR_MAX_SPARE_BLOCKS + 1ULL, 512),
			    "Spare region too large: at most 16777216 blocks (64 GiB at block_size 4096)");
	check_layout((u64)DMR_MAX_SPARE_BLOCKS * 8, 4096);
	check_layout(DMR_MAX_SPARE_BLOCKS, 512);
}

static void test_documented_positions(void **state)
{
	struct dmr_placement p;
	char *err;
	(void)state;
	/* 16 MiB, 4 KiB blocks: 4096 blocks, copy = 1 + 9 slot pages. */
	assert_int_equal(dmr_placement(32768, 4096, &p, &err), 0);
	assert_int_equal(p.copies, 2);
	assert_int_equal(p.copy_blocks, 10);
	assert_int_equal(p.start[1], 10);
	/* 1 GiB, 4 KiB blocks: 262144 blocks, 3 copies at thirds. */
	assert_int_equal(dmr_placement(2097152, 4096, &p, &err), 0);
	assert_int_equal(p.copies, 3);
	assert_int_equal(p.copy_blocks, 1 + 515);
	assert_int_equal(p.start[1], 87381);
	assert_int_equal(p.start[2], 174762);
	/* 8 GiB, 4 KiB blocks: 2097152 blocks, last copy ends at the region's end. */
	assert_int_equal(dmr_placement(16777216, 4096, &p, &err), 0);
	assert_int_equal(p.copies, 4);
	assert_int_equal(p.start[1], 131072);
	assert_int_equal(p.start[2], 524288);
	assert_int_equal(p.start[3] + p.copy_blocks, 2097152);
}

static void test_random_sizes(void **state)
{
	(void)state;
	srandom(42);
	for (int i = 0; i < 20000; i++) {
		uint32_t bs = 512u << (random() % 4);
		uint64_t s = bs / 512;
		uint64_t sectors = ((uint64_t)random() << 4 | (random() & 15)) % (1ULL << (11 + random() % 22));

		sectors -= sectors % s;
		if (sectors / s > DMR_MAX_SPARE_BLOCKS)
			sectors = DMR_MAX_SPARE_BLOCKS * s;
		if (sectors < 2048)
			sectors = 2048;
		check_layout(sectors, bs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_documented_positions),
		cmocka_unit_test(test_random_sizes),
	};
	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
