/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * On-disk metadata format, version 1. All integers are little-endian.
 *
 * The spare region holds several copies of the metadata (placement decides
 * how many and where). A copy is a run of 4 KiB metadata blocks: one
 * superblock, then entry blocks with room for one entry per spare block, so
 * the table can never overflow. Every block carries a crc32c over the whole
 * 4 KiB with its crc field zeroed, and the copy's generation, so a torn or
 * stale block is detected. Field-by-field description: docs/on-disk-format.md.
 */
#ifndef DMR_CORE_FORMAT_H
#define DMR_CORE_FORMAT_H

#include "compat.h"

#define DMR_META_BLOCK_SIZE 4096U
#define DMR_FORMAT_VERSION 1U
#define DMR_SB_MAGIC "DMREMAP\0"
#define DMR_EB_MAGIC 0x52454d44U	/* "DMER" read as little-endian bytes */

struct dmr_disk_sb {
	u8 magic[8];		/* DMR_SB_MAGIC */
	__le32 crc;		/* crc32c of the 4 KiB block, this field zero */
	__le32 version;		/* DMR_FORMAT_VERSION */
	__le64 generation;	/* grows by one on every commit */
	__le32 incompat;	/* unknown bit: refuse to load */
	__le32 compat_ro;	/* unknown bit: load read-only */
	__le32 compat;		/* unknown bit: ignore */
	__le32 block_size;	/* remap block size, bytes */
	__le64 main_sectors;	/* geometry the table line must match */
	__le64 spare_start;
	__le64 spare_len;
	__le32 copy_index;	/* which copy this is, 0-based */
	__le32 copy_count;
	__le64 entry_count;	/* entries in use across the entry blocks */
	__le32 entry_blocks;	/* entry blocks following the superblock */
	__le32 flags;
	u8 uuid[16];		/* identifies one formatted region */
	u8 reserved[24];
} __attribute__((packed));

struct dmr_disk_entry {
	__le64 main_block;	/* block number on the main device */
	__le32 spare_block;	/* block index within the spare region */
	__le32 state;		/* DMR_ENTRY_* */
} __attribute__((packed));

#define DMR_EB_HEADER_SIZE 32U
#define DMR_ENTRIES_PER_BLOCK \
	((DMR_META_BLOCK_SIZE - DMR_EB_HEADER_SIZE) / sizeof(struct dmr_disk_entry))

struct dmr_disk_entry_block {
	__le32 magic;		/* DMR_EB_MAGIC */
	__le32 crc;		/* crc32c of the 4 KiB block, this field zero */
	__le64 generation;	/* equals the superblock's */
	__le32 index;		/* position after the superblock, 0-based */
	__le32 count;		/* entries used in this block */
	u8 reserved[8];
	struct dmr_disk_entry entries[DMR_ENTRIES_PER_BLOCK];
} __attribute__((packed));

dmr_static_assert(sizeof(struct dmr_disk_sb) == 128, "superblock size");
dmr_static_assert(sizeof(struct dmr_disk_entry) == 16, "entry size");
dmr_static_assert(sizeof(struct dmr_disk_entry_block) == DMR_META_BLOCK_SIZE,
		  "entry block size");

#endif /* DMR_CORE_FORMAT_H */
