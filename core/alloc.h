/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The spare-block allocator: a bitmap over the spare region's blocks in which
 * the metadata copies are reserved from the start, so no block of a copy can
 * ever be handed out. Allocation is next-fit from a cursor (O(1) amortised:
 * the cursor only moves forward, each word is passed once per sweep), the
 * counters are kept exact on every change, and the state is rebuilt from the
 * slot table at load (dmr_alloc_claim/dmr_alloc_set_bad), so nothing in use
 * is handed out again after a reboot.
 *
 * Not locked: the caller serialises changes (the kernel holds its metadata
 * mutex).
 */
#ifndef DMR_CORE_ALLOC_H
#define DMR_CORE_ALLOC_H

#include "compat.h"
#include "placement.h"

enum dmr_block_state {
	DMR_BLOCK_FREE,
	DMR_BLOCK_RESERVED,	/* inside a metadata copy */
	DMR_BLOCK_USED,
	DMR_BLOCK_BAD,
};

struct dmr_alloc {
	u32 nr_blocks;
	u32 cursor;		/* next block to try */
	u64 *taken;		/* bit set: reserved, used or bad */
	u64 *bad;		/* bit set: bad */
	struct dmr_placement place;
	u32 nr_reserved;
	u32 nr_used;
	u32 nr_bad;
};

/* All blocks free except the copies of p. 0, or -ENOMEM. */
int dmr_alloc_init(struct dmr_alloc *a, const struct dmr_placement *p);
void dmr_alloc_destroy(struct dmr_alloc *a);
/* Back to the state after init. */
void dmr_alloc_reset(struct dmr_alloc *a);

static inline u32 dmr_alloc_free(const struct dmr_alloc *a)
{
	return a->nr_blocks - a->nr_reserved - a->nr_used - a->nr_bad;
}

enum dmr_block_state dmr_alloc_state(const struct dmr_alloc *a, u32 block);
/* Whether block lies in a metadata copy. Inline: the I/O path asks it per hit. */
static inline bool dmr_alloc_is_reserved(const struct dmr_alloc *a, u32 block)
{
	u32 i;

	for (i = 0; i < a->place.copies; i++)
		if (block >= a->place.start[i] &&
		    block < a->place.start[i] + a->place.copy_blocks)
			return true;
	return false;
}

/* Whether any of blocks first .. first + n - 1 lies in a metadata copy. */
bool dmr_alloc_any_reserved(const struct dmr_alloc *a, u32 first, u32 n);

/* Hand out a free block: 0 and *block, or -ENOSPC (no spare space). */
int dmr_alloc_get(struct dmr_alloc *a, u32 *block);
/* Free -> used (load, or a caller choosing the block). -EINVAL otherwise. */
int dmr_alloc_claim(struct dmr_alloc *a, u32 block);
/* Used -> free. -EINVAL if the block is not used. */
int dmr_alloc_release(struct dmr_alloc *a, u32 block);
/* Free or used -> bad. -EINVAL if reserved or already bad. */
int dmr_alloc_set_bad(struct dmr_alloc *a, u32 block);

#endif /* DMR_CORE_ALLOC_H */
