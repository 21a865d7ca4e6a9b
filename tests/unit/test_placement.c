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
	/* A copy holds a superblock and one entry per spare block. */
	assert_true(p.copy_blocks * bs >=
		    DMR_META_BLOCK_SIZE * (1 + (p.blocks + DMR_ENTRIES_PER_BLOCK - 1) / DMR_ENTRIES_PER_BLOCK));
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
	/* Entries address spare blocks with 32 bits. */
	assert_string_equal(strategy(0xffffffffULL * 8, 4096), "large");
	assert_string_equal(strategy(0x100000000ULL * 8, 4096), "Spare region too large: at most 2^32 blocks");
	assert_string_equal(strategy(0x100000000ULL, 512), "Spare region too large: at most 2^32 blocks");
}

static void test_documented_positions(void **state)
{
	struct dmr_placement p;
	char *err;
	(void)state;
	/* 16 MiB, 4 KiB blocks: 4096 blocks, copy = 1 + 17 entry blocks. */
	assert_int_equal(dmr_placement(32768, 4096, &p, &err), 0);
	assert_int_equal(p.copies, 2);
	assert_int_equal(p.copy_blocks, 18);
	assert_int_equal(p.start[1], 18);
	/* 1 GiB, 4 KiB blocks: 262144 blocks, 3 copies at thirds. */
	assert_int_equal(dmr_placement(2097152, 4096, &p, &err), 0);
	assert_int_equal(p.copies, 3);
	assert_int_equal(p.copy_blocks, 1 + 1033);
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
