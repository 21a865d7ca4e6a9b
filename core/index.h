/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lookup index of the I/O path: the remapped and pending main blocks,
 * sorted by main block, so that "does this bio touch any entry, and which
 * first?" is one binary search over a range, whatever the bio's length.
 *
 * An index is immutable once built: a change builds a new index and the
 * kernel publishes it with RCU, so readers take no lock and allocate nothing
 * (the no-hit path with no entries at all is a single load of the count).
 * 16 bytes of RAM per entry, plus about half a byte for a static search
 * tree over the keys (every 16th key, every 16th of those, ...): a lookup
 * scans at most 16 keys per level, the upper levels stay in cache, and only
 * the last steps touch the entries, instead of a cache miss at every step of
 * a binary search over the whole array.
 */
#ifndef DMR_CORE_INDEX_H
#define DMR_CORE_INDEX_H

#include "compat.h"
#ifdef __KERNEL__
#include <linux/rcupdate.h>
#endif

struct dmr_index_entry {
	u64 main_block;
	u32 spare_block;
	u32 state;		/* DMR_SLOT_REMAPPED or DMR_SLOT_PENDING */
};

#define DMR_INDEX_FAN 16
#define DMR_INDEX_MAX_LEVELS 8	/* 16^8 > DMR_MAX_SPARE_BLOCKS */

struct dmr_index {
#ifdef __KERNEL__
	struct rcu_head rcu;	/* freed after the readers of the old version */
#endif
	u32 count;
	u32 levels;		/* tree levels above e[]; 0 until dmr_index_seal() */
	u32 level_count[DMR_INDEX_MAX_LEVELS + 1];
	u64 *level_key[DMR_INDEX_MAX_LEVELS + 1];	/* [l][i]: key of [l-1][16 i] */
	struct dmr_index_entry e[];
};

struct dmr_index *dmr_index_alloc(u32 count);
void dmr_index_free(struct dmr_index *ix);

/* Build the search tree once e[] is complete and sorted (update and build do). */
void dmr_index_seal(struct dmr_index *ix);

/* First entry with lo <= main_block <= hi, or NULL. */
const struct dmr_index_entry *dmr_index_first(const struct dmr_index *ix,
					      u64 lo, u64 hi);

/*
 * A copy of ix with the entry for e->main_block inserted or replaced
 * (remove == false) or removed (remove == true). NULL if out of memory.
 */
struct dmr_index *dmr_index_update(const struct dmr_index *ix,
				   const struct dmr_index_entry *e, bool remove);

/*
 * Build from a slot array (REMAPPED and PENDING slots). Fails with -EINVAL
 * and *dup set to the main block when two slots name the same main block,
 * -ENOMEM when out of memory.
 */
int dmr_index_build(const u64 *slots, u32 nr_blocks, u32 count,
		    struct dmr_index **out, u64 *dup);

#endif /* DMR_CORE_INDEX_H */
