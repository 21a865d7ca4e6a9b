/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * On-disk metadata format, version 1. All integers are little-endian.
 *
 * The spare region holds several copies of the metadata (placement.h decides
 * how many and where). A copy is a run of 4 KiB pages: a superblock, then
 * slot pages holding one 8-byte slot per spare block, so the table can never
 * overflow and no spare block can belong to two main blocks. Every page
 * carries a crc32c over its 4 KiB with the crc field zeroed; the superblock
 * also carries a crc32c over the slot pages' crcs, so a copy whose pages and
 * superblock come from different commits (a torn commit) is detected.
 * Field by field: docs/on-disk-format.md.
 */
#ifndef DMR_CORE_FORMAT_H
#define DMR_CORE_FORMAT_H

#include "compat.h"

#define DMR_META_PAGE_SIZE 4096U
#define DMR_FORMAT_VERSION 1U
#define DMR_SB_MAGIC "DMREMAP\0"
#define DMR_SLOT_MAGIC 0x544f4c53U	/* "SLOT" as little-endian bytes */
#define DMR_SLOTS_PER_PAGE 510U
/*
 * Spare blocks per region: the slot array is kept in RAM (8 bytes a block)
 * and read at activation, so it is bounded: 64 GiB of spare at 4 KiB blocks.
 */
#define DMR_MAX_SPARE_BLOCKS (1U << 24)

/* Feature flags: none defined in version 1. */
#define DMR_INCOMPAT_SUPPORTED 0U	/* other bits: refuse to load */
#define DMR_COMPAT_RO_SUPPORTED 0U	/* other bits: load read-only */

/*
 * A slot: bits 63..60 the state, bits 59..0 the main block it serves.
 * FREE and BAD slots have main block 0. Slots of blocks inside a metadata
 * copy are always FREE (the allocator reserves those blocks).
 */
enum dmr_slot_state {
	DMR_SLOT_FREE = 0,
	DMR_SLOT_REMAPPED = 1,	/* main block's data lives in this spare block */
	DMR_SLOT_PENDING = 2,	/* main block unreadable; this block reserved for it */
	DMR_SLOT_BAD = 3,	/* spare block failed; never handed out again */
};
#define DMR_SLOT_STATE_SHIFT 60
#define DMR_SLOT_MAIN_MASK ((1ULL << DMR_SLOT_STATE_SHIFT) - 1)

static inline u64 dmr_slot_make(u32 state, u64 main_block)
{
	return ((u64)state << DMR_SLOT_STATE_SHIFT) | main_block;
}

static inline u32 dmr_slot_state(u64 slot)
{
	return (u32)(slot >> DMR_SLOT_STATE_SHIFT);
}

static inline u64 dmr_slot_main(u64 slot)
{
	return slot & DMR_SLOT_MAIN_MASK;
}

struct dmr_disk_sb {
	u8 magic[8];		/* DMR_SB_MAGIC */
	__le32 crc;		/* crc32c of the page, this field zero */
	__le32 version;		/* DMR_FORMAT_VERSION */
	__le64 generation;	/* grows by one on every commit, starts at 1 */
	__le32 incompat;
	__le32 compat_ro;
	__le32 compat;
	__le32 copy_index;	/* which copy this page heads, 0-based */
	__le64 main_len;	/* geometry the table line must match: sectors */
	__le64 spare_start;	/* sectors */
	__le64 spare_len;	/* sectors */
	__le32 block_size;	/* bytes */
	__le32 nr_blocks;	/* spare blocks in the region */
	__le32 nr_pages;	/* slot pages after the superblock */
	__le32 pages_crc;	/* crc32c over the slot pages' crc fields, in order */
	__le32 nr_remapped;	/* slot counts, cross-checked at load */
	__le32 nr_pending;
	__le32 nr_bad;
	__le32 copy_count;
	__le32 copy_blocks;	/* spare blocks per copy */
	__le32 copy_start[4];	/* first spare block of each copy; unused are 0 */
	u8 reserved[12];	/* zero */
} __attribute__((packed));

struct dmr_disk_slot_page {
	__le32 magic;		/* DMR_SLOT_MAGIC */
	__le32 crc;		/* crc32c of the page, this field zero */
	__le32 index;		/* slot page number within the copy, 0-based */
	__le32 reserved;	/* zero */
	__le64 slot[DMR_SLOTS_PER_PAGE];	/* slot i: spare block index*510+i */
} __attribute__((packed));

dmr_static_assert(sizeof(struct dmr_disk_sb) == 128, "superblock size");
dmr_static_assert(sizeof(struct dmr_disk_slot_page) == DMR_META_PAGE_SIZE,
		  "slot page size");

/* Slot pages for a region of nr_blocks spare blocks. */
static inline u32 dmr_slot_pages(u32 nr_blocks)
{
	return (nr_blocks + DMR_SLOTS_PER_PAGE - 1) / DMR_SLOTS_PER_PAGE;
}

/* crc32c of a metadata page with the 4-byte crc field at crc_offset zeroed. */
u32 dmr_page_crc(const void *page, size_t crc_offset);

#endif /* DMR_CORE_FORMAT_H */
