// The on-disk structures are pinned: size and offset of every field. A change
// here is a format change and needs a new DMR_FORMAT_VERSION.
#include "unit.h"
#include "format.h"

#define OFF(type, field, off) assert_int_equal(offsetof(struct type, field), off)

static void test_superblock_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct dmr_disk_sb), 128);
	OFF(dmr_disk_sb, magic, 0);
	OFF(dmr_disk_sb, crc, 8);
	OFF(dmr_disk_sb, version, 12);
	OFF(dmr_disk_sb, generation, 16);
	OFF(dmr_disk_sb, incompat, 24);
	OFF(dmr_disk_sb, compat_ro, 28);
	OFF(dmr_disk_sb, compat, 32);
	OFF(dmr_disk_sb, block_size, 36);
	OFF(dmr_disk_sb, main_sectors, 40);
	OFF(dmr_disk_sb, spare_start, 48);
	OFF(dmr_disk_sb, spare_len, 56);
	OFF(dmr_disk_sb, copy_index, 64);
	OFF(dmr_disk_sb, copy_count, 68);
	OFF(dmr_disk_sb, entry_count, 72);
	OFF(dmr_disk_sb, entry_blocks, 80);
	OFF(dmr_disk_sb, flags, 84);
	OFF(dmr_disk_sb, uuid, 88);
	OFF(dmr_disk_sb, reserved, 104);
	assert_memory_equal(DMR_SB_MAGIC, "DMREMAP", 8);
}

static void test_entry_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct dmr_disk_entry), 16);
	OFF(dmr_disk_entry, main_block, 0);
	OFF(dmr_disk_entry, spare_block, 8);
	OFF(dmr_disk_entry, state, 12);
}

static void test_entry_block_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct dmr_disk_entry_block), 4096);
	assert_int_equal(DMR_ENTRIES_PER_BLOCK, 254);
	OFF(dmr_disk_entry_block, magic, 0);
	OFF(dmr_disk_entry_block, crc, 4);
	OFF(dmr_disk_entry_block, generation, 8);
	OFF(dmr_disk_entry_block, index, 16);
	OFF(dmr_disk_entry_block, count, 20);
	OFF(dmr_disk_entry_block, reserved, 24);
	OFF(dmr_disk_entry_block, entries, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_superblock_layout),
		cmocka_unit_test(test_entry_layout),
		cmocka_unit_test(test_entry_block_layout),
	};
	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
