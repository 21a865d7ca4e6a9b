// The in-memory metadata API: what each change accepts and refuses, the
// counters it keeps, and the slot pages it marks dirty for the next commit.
#include "unit.h"
#include "meta.h"
#include "check.h"

/* 4096 blocks of 512 bytes, 9 slot pages; copies: blocks 0-79 and 80-159. */
static const struct dmr_geometry geo = { 8192, 8192, 4096, 512 };

static void consistent(const struct dmr_meta *m)
{
	char buf[512];
	struct dmr_out o;

	dmr_out_init(&o, buf, sizeof(buf));
	if (dmr_meta_check(m, NULL, &o))
		fail_msg("%s", buf);
}

static void test_init(void **state)
{
	struct dmr_meta m;
	char err[128];
	(void)state;

	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	assert_int_equal(m.nr_blocks, 4096);
	assert_int_equal(m.nr_pages, 9);
	assert_int_equal(m.main_blocks, 8192);
	assert_int_equal(m.generation, 0);
	assert_int_equal(m.alloc.nr_reserved, 160);
	assert_int_equal(dmr_alloc_free(&m.alloc), 4096 - 160);
	assert_int_equal(dmr_meta_nr_dirty(&m), 9);	/* a new copy: every page */
	for (u32 i = 0; i < 9; i++)
		assert_true(dmr_meta_page_dirty(&m, i));
	assert_int_equal(dmr_spare_sector(&m, 0), 8192);
	assert_int_equal(dmr_spare_sector(&m, 100), 8292);
	assert_int_equal(dmr_copy_page_sector(&m, 1, 0), 8192 + 80);
	assert_int_equal(dmr_copy_page_sector(&m, 1, 9), 8192 + 80 + 72);
	consistent(&m);
	dmr_meta_destroy(&m);
}

static void test_changes(void **state)
{
	struct dmr_meta m;
	char err[128];
	u32 s1, s2, s3;
	(void)state;

	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	dmr_meta_clean(&m);
	assert_int_equal(dmr_meta_nr_dirty(&m), 0);

	/* add: only mapped states, only main blocks of the device */
	assert_int_equal(dmr_meta_add(&m, 8192, DMR_SLOT_REMAPPED, &s1), -EINVAL);
	assert_int_equal(dmr_meta_add(&m, ~0ULL, DMR_SLOT_REMAPPED, &s1), -EINVAL);
	assert_int_equal(dmr_meta_add(&m, 1, DMR_SLOT_FREE, &s1), -EINVAL);
	assert_int_equal(dmr_meta_add(&m, 1, DMR_SLOT_BAD, &s1), -EINVAL);
	assert_int_equal(dmr_meta_add(&m, 1, 4, &s1), -EINVAL);
	assert_int_equal(dmr_meta_nr_dirty(&m), 0);
	consistent(&m);
	assert_int_equal(dmr_meta_add(&m, 8191, DMR_SLOT_REMAPPED, &s1), 0);
	assert_int_equal(s1, 160);
	assert_int_equal(m.slots[160], dmr_slot_make(DMR_SLOT_REMAPPED, 8191));
	assert_int_equal(dmr_meta_add(&m, 0, DMR_SLOT_PENDING, &s2), 0);
	assert_int_equal(m.nr_remapped, 1);
	assert_int_equal(m.nr_pending, 1);
	assert_int_equal(dmr_meta_nr_dirty(&m), 1);
	assert_true(dmr_meta_page_dirty(&m, 0));
	consistent(&m);

	/* set_state: between the mapped states only */
	dmr_meta_clean(&m);
	assert_int_equal(dmr_meta_set_state(&m, s2, DMR_SLOT_REMAPPED), 0);
	assert_int_equal(m.nr_remapped, 2);
	assert_int_equal(m.nr_pending, 0);
	assert_int_equal(dmr_meta_nr_dirty(&m), 1);
	assert_int_equal(dmr_meta_set_state(&m, s2, DMR_SLOT_REMAPPED), 0);	/* no change */
	assert_int_equal(dmr_meta_set_state(&m, s2, DMR_SLOT_BAD), -EINVAL);
	assert_int_equal(dmr_meta_set_state(&m, s2, DMR_SLOT_FREE), -EINVAL);
	assert_int_equal(dmr_meta_set_state(&m, 1000, DMR_SLOT_PENDING), -EINVAL);	/* free */
	assert_int_equal(dmr_meta_set_state(&m, 5, DMR_SLOT_PENDING), -EINVAL);	/* a copy */
	assert_int_equal(dmr_meta_set_state(&m, 4096, DMR_SLOT_PENDING), -EINVAL);
	assert_int_equal(dmr_meta_set_state(&m, s1, DMR_SLOT_PENDING), 0);
	assert_int_equal(m.nr_remapped, 1);
	assert_int_equal(m.nr_pending, 1);
	consistent(&m);

	/* remove: mapped slots only; the block is free again */
	assert_int_equal(dmr_meta_remove(&m, 1000), -EINVAL);
	assert_int_equal(dmr_meta_remove(&m, 0), -EINVAL);
	assert_int_equal(dmr_meta_remove(&m, 4096), -EINVAL);
	assert_int_equal(dmr_meta_remove(&m, s1), 0);
	assert_int_equal(m.slots[s1], 0);
	assert_int_equal(dmr_alloc_state(&m.alloc, s1), DMR_BLOCK_FREE);
	assert_int_equal(dmr_meta_remove(&m, s1), -EINVAL);
	assert_int_equal(m.nr_pending, 0);
	consistent(&m);

	/* set_bad: free or mapped blocks, not a copy, not twice */
	dmr_meta_clean(&m);
	assert_int_equal(dmr_meta_set_bad(&m, 0), -EINVAL);
	assert_int_equal(dmr_meta_set_bad(&m, 159), -EINVAL);
	assert_int_equal(dmr_meta_set_bad(&m, 4096), -EINVAL);
	assert_int_equal(dmr_meta_nr_dirty(&m), 0);
	assert_int_equal(dmr_meta_set_bad(&m, 4095), 0);		/* free, last page */
	assert_int_equal(dmr_meta_set_bad(&m, 4095), -EINVAL);
	assert_int_equal(dmr_meta_set_bad(&m, s2), 0);			/* mapped */
	assert_int_equal(m.nr_remapped, 0);
	assert_int_equal(m.slots[s2], dmr_slot_make(DMR_SLOT_BAD, 0));
	assert_int_equal(m.alloc.nr_bad, 2);
	assert_int_equal(dmr_meta_nr_dirty(&m), 2);
	assert_true(dmr_meta_page_dirty(&m, 8));
	assert_true(dmr_meta_page_dirty(&m, 0));
	assert_int_equal(dmr_meta_set_state(&m, s2, DMR_SLOT_REMAPPED), -EINVAL);
	assert_int_equal(dmr_meta_remove(&m, s2), -EINVAL);
	consistent(&m);

	/* A page boundary: block 509 is page 0, block 510 page 1. */
	dmr_meta_clean(&m);
	assert_int_equal(dmr_meta_set_bad(&m, 509), 0);
	assert_true(dmr_meta_page_dirty(&m, 0));
	assert_false(dmr_meta_page_dirty(&m, 1));
	assert_int_equal(dmr_meta_set_bad(&m, 510), 0);
	assert_true(dmr_meta_page_dirty(&m, 1));
	assert_int_equal(dmr_meta_nr_dirty(&m), 2);

	/* The next allocation skips bad blocks. */
	assert_int_equal(dmr_meta_add(&m, 7, DMR_SLOT_REMAPPED, &s3), 0);
	assert_true(s3 > s2 && s3 != 509 && s3 != 510);
	consistent(&m);

	/* reset: empty, every page dirty, generation kept */
	m.generation = 42;
	m.compat = 1;
	dmr_meta_reset(&m);
	assert_int_equal(m.nr_remapped + m.nr_pending + m.alloc.nr_bad + m.alloc.nr_used, 0);
	assert_int_equal(m.compat, 0);
	assert_int_equal(m.generation, 42);
	assert_int_equal(dmr_meta_nr_dirty(&m), 9);
	for (u32 b = 0; b < m.nr_blocks; b++)
		assert_int_equal(m.slots[b], 0);
	consistent(&m);
	dmr_meta_dirty_all(&m);
	assert_int_equal(dmr_meta_nr_dirty(&m), 9);
	dmr_meta_destroy(&m);
}

/* Exhaustion: -ENOSPC and nothing changed. */
static void test_full(void **state)
{
	static const struct dmr_geometry small = { 4096, 4096, 2048, 4096 };	/* 252 free */
	struct dmr_meta m;
	char err[128];
	u32 s, n = 0;
	(void)state;

	assert_int_equal(dmr_meta_init(&m, &small, err, sizeof(err)), 0);
	while (dmr_meta_add(&m, n, DMR_SLOT_PENDING, &s) == 0)
		n++;
	assert_int_equal(n, 252);
	assert_int_equal(dmr_meta_add(&m, n, DMR_SLOT_PENDING, &s), -ENOSPC);
	assert_int_equal(m.nr_pending, 252);
	consistent(&m);
	assert_int_equal(dmr_meta_remove(&m, 100), 0);
	assert_int_equal(dmr_meta_add(&m, 300, DMR_SLOT_REMAPPED, &s), 0);
	assert_int_equal(s, 100);
	consistent(&m);
	dmr_meta_destroy(&m);
}

/* A page offered past the last one is refused, whatever its header says. */
static void test_page_past_end(void **state)
{
	struct dmr_meta m;
	struct dmr_disk_slot_page p;
	char err[128];
	(void)state;

	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	memset(&p, 0, sizeof(p));
	p.magic = cpu_to_le32(DMR_SLOT_MAGIC);
	for (u32 i = 9; i < 12; i++) {
		p.index = cpu_to_le32(i);
		p.crc = cpu_to_le32(dmr_page_crc(&p, offsetof(struct dmr_disk_slot_page, crc)));
		err[0] = 0;
		assert_int_equal(dmr_meta_load_page(&m, i, &p, err, sizeof(err)), -EINVAL);
		assert_true(err[0]);
	}
	p.index = cpu_to_le32(8);
	p.crc = cpu_to_le32(dmr_page_crc(&p, offsetof(struct dmr_disk_slot_page, crc)));
	assert_int_equal(dmr_meta_load_page(&m, 8, &p, err, sizeof(err)), 0);
	dmr_meta_destroy(&m);
}

/* Restoring a saved table: chosen blocks, every refusal, nothing changed by one. */
static void test_set_slot(void **state)
{
	struct dmr_index *ix;
	struct dmr_meta m;
	char err[128];
	u64 dup = 0;
	(void)state;

	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	dmr_meta_clean(&m);
	assert_int_equal(dmr_meta_set_slot(&m, 1000, dmr_slot_make(DMR_SLOT_REMAPPED, 8191),
					   err, sizeof(err)), 0);
	assert_true(dmr_meta_page_dirty(&m, 1000 / DMR_SLOTS_PER_PAGE));
	assert_int_equal(dmr_meta_nr_dirty(&m), 1);
	assert_int_equal(dmr_meta_set_slot(&m, 160, dmr_slot_make(DMR_SLOT_PENDING, 0),
					   err, sizeof(err)), 0);
	assert_int_equal(dmr_meta_set_slot(&m, 4095, dmr_slot_make(DMR_SLOT_BAD, 0),
					   err, sizeof(err)), 0);
	assert_int_equal(m.nr_remapped, 1);
	assert_int_equal(m.nr_pending, 1);
	assert_int_equal(m.alloc.nr_used, 2);
	assert_int_equal(m.alloc.nr_bad, 1);
	consistent(&m);

	/* Refused: the first and last block of each copy, a block past the end,
	 * a block given twice, a main block past the device, a bad block naming
	 * a main block, an undefined state and FREE. */
	assert_int_equal(dmr_meta_set_slot(&m, 0, dmr_slot_make(DMR_SLOT_REMAPPED, 1),
					   err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "spare block 0 lies in metadata copy 0");
	assert_int_equal(dmr_meta_set_slot(&m, 79, dmr_slot_make(DMR_SLOT_BAD, 0),
					   err, sizeof(err)), -EINVAL);
	assert_int_equal(dmr_meta_set_slot(&m, 80, dmr_slot_make(DMR_SLOT_REMAPPED, 1),
					   err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "spare block 80 lies in metadata copy 1");
	assert_int_equal(dmr_meta_set_slot(&m, 159, dmr_slot_make(DMR_SLOT_PENDING, 1),
					   err, sizeof(err)), -EINVAL);
	assert_int_equal(dmr_meta_set_slot(&m, 4096, dmr_slot_make(DMR_SLOT_REMAPPED, 1),
					   err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "spare block 4096 is past the region's last block 4095");
	assert_int_equal(dmr_meta_set_slot(&m, 1000, dmr_slot_make(DMR_SLOT_REMAPPED, 2),
					   err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "spare block 1000 is given twice");
	assert_int_equal(dmr_meta_set_slot(&m, 4095, dmr_slot_make(DMR_SLOT_BAD, 0),
					   err, sizeof(err)), -EINVAL);
	assert_int_equal(dmr_meta_set_slot(&m, 1001, dmr_slot_make(DMR_SLOT_REMAPPED, 8192),
					   err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "main block 8192 is past the device end (8192 blocks)");
	assert_int_equal(dmr_meta_set_slot(&m, 1001, dmr_slot_make(DMR_SLOT_BAD, 5),
					   err, sizeof(err)), -EINVAL);
	assert_int_equal(dmr_meta_set_slot(&m, 1001, dmr_slot_make(4, 5),
					   err, sizeof(err)), -EINVAL);
	assert_int_equal(dmr_meta_set_slot(&m, 1001, 0, err, sizeof(err)), -EINVAL);
	assert_int_equal(m.slots[1001], 0);
	assert_int_equal(m.nr_remapped, 1);
	assert_int_equal(m.nr_pending, 1);
	assert_int_equal(m.alloc.nr_used, 2);
	assert_int_equal(m.alloc.nr_bad, 1);
	consistent(&m);

	/* The allocator hands out neither block afterwards. */
	for (u32 i = 0; i < 4096 - 160 - 3; i++) {
		u32 spare;

		assert_int_equal(dmr_alloc_get(&m.alloc, &spare), 0);
		assert_true(spare != 160 && spare != 1000 && spare != 4095);
	}

	/* A main block given twice: the index build names it. */
	dmr_meta_destroy(&m);
	assert_int_equal(dmr_meta_init(&m, &geo, err, sizeof(err)), 0);
	assert_int_equal(dmr_meta_set_slot(&m, 200, dmr_slot_make(DMR_SLOT_REMAPPED, 7),
					   err, sizeof(err)), 0);
	assert_int_equal(dmr_meta_set_slot(&m, 300, dmr_slot_make(DMR_SLOT_PENDING, 7),
					   err, sizeof(err)), 0);
	assert_int_equal(dmr_index_build(m.slots, m.nr_blocks, 2, &ix, &dup), -EINVAL);
	assert_int_equal(dup, 7);
	dmr_meta_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_page_past_end),
		cmocka_unit_test(test_set_slot),
	};
	return cmocka_run_group_tests_name("meta", tests, NULL, NULL);
}
