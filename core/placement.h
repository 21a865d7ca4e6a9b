/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Placement of the metadata copies inside the spare region, chosen from the
 * region's size alone (deterministic: the same region always gets the same
 * layout, so a table line finds its metadata again).
 *
 *   region size        strategy  copies  positions (in spare blocks, n = region)
 *   < 1 MiB            refused (and more than 2^24 blocks)
 *   [1 MiB, 64 MiB)    small     2       packed at the start: 0, c
 *   [64 MiB, 4 GiB)    medium    3       spread evenly: 0, n/3, 2n/3
 *   >= 4 GiB           large     4       geometric, last at the end:
 *                                        0, n/16, n/4, n - c
 *
 * c is the size of one copy in spare blocks: a superblock page plus slot
 * pages with one slot per spare block (docs/on-disk-format.md). Copies are
 * spread because damage on a disk is usually contiguous.
 */
#ifndef DMR_CORE_PLACEMENT_H
#define DMR_CORE_PLACEMENT_H

#include "compat.h"

#define DMR_MAX_COPIES 4
#define DMR_SPARE_MIN_SECTORS 2048ULL			/* 1 MiB */
#define DMR_SPARE_MEDIUM_SECTORS (64ULL << 11)		/* 64 MiB */
#define DMR_SPARE_LARGE_SECTORS (4ULL << 21)		/* 4 GiB */

struct dmr_placement {
	const char *strategy;		/* "small", "medium" or "large" */
	u32 copies;
	u64 blocks;			/* spare blocks in the region */
	u64 copy_blocks;		/* spare blocks per copy */
	u64 start[DMR_MAX_COPIES];	/* first spare block of each copy */
};

/* Spare blocks one metadata copy takes for a region of spare_blocks blocks. */
u64 dmr_copy_blocks(u64 spare_blocks, u32 block_size);

/*
 * Layout for a spare region of spare_sectors with block_size-byte blocks
 * (block_size already validated, spare_sectors a multiple of it).
 * Returns 0, or -1 with *error set.
 */
int dmr_placement(u64 spare_sectors, u32 block_size, struct dmr_placement *p,
		  char **error);

#endif /* DMR_CORE_PLACEMENT_H */
