/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lookup index of the I/O path: the remapped and pending main blocks,
 * sorted by main block, so that "does this bio touch any entry, and which
 * first?" is one binary search over a range, whatever the bio's length.
 *
 * An index is immutable once built: a change builds a new index and the
 * kernel publishes it with RCU, so readers take no lock and allocate nothing
 * (the no-hit path with no entries at all is a single load of the count).
 *
 * 12 bytes of RAM per entry, in leaves of 16 entries: 16 sorted main blocks
 * (128 bytes), then their spare blocks and states (64 bytes), and a bit
 * filter of about 1 byte per entry in front of it all. Above the
 * leaves sits a static search tree of every 16th key, every 16th of those,
 * ..., about half a byte per entry. A lookup counts the keys below its
 * target in one node of 16 per level (compares and adds, no data-dependent
 * branch); the upper levels stay in cache, the leaf costs two cache lines of
 * keys, and a hit reads its value from the third line of the same leaf.
 * Large indexes are allocated with kvmalloc, which maps them with huge pages,
 * so a lookup costs cache misses, not TLB misses too.
 */
#ifndef DMR_CORE_INDEX_H
#define DMR_CORE_INDEX_H

#include "compat.h"
#include "format.h"
#ifdef __KERNEL__
#include <linux/rcupdate.h>
#endif

/* One entry, as handed in and out: the index stores the fields apart. */
struct dmr_index_entry {
	u64 main_block;
	u32 spare_block;
	u32 state;		/* DMR_SLOT_REMAPPED or DMR_SLOT_PENDING */
};

/*
 * A value: the spare block (below DMR_MAX_SPARE_BLOCKS) and, in the top bit,
 * whether the entry is pending rather than remapped; 4 bytes, so that a
 * leaf is three cache lines.
 */
#define DMR_INDEX_PENDING (1U << 31)
dmr_static_assert(DMR_MAX_SPARE_BLOCKS <= DMR_INDEX_PENDING, "spare block in an index value");

#define DMR_INDEX_FAN 16
#define DMR_INDEX_MAX_LEVELS 7	/* 16^7 > DMR_MAX_SPARE_BLOCKS */
#define DMR_INDEX_NONE U32_MAX

/* Unused places of the last leaf and node hold key U64_MAX. */
struct dmr_index_leaf {
	u64 key[DMR_INDEX_FAN];
	u32 val[DMR_INDEX_FAN];
};

struct dmr_index {
#ifdef __KERNEL__
	struct rcu_head rcu;	/* freed after the readers of the old version */
#endif
	u32 count;
	u32 levels;		/* tree levels above the leaves */
	/* Level l >= 1: key i is the first key of node i of level l-1. */
	u32 level_count[DMR_INDEX_MAX_LEVELS + 1];
	u64 *level_key[DMR_INDEX_MAX_LEVELS + 1];
	struct dmr_index_leaf *leaf;
	/*
	 * A filter in front of the tree: bit g set if some entry's main block
	 * lies in granule g (2^filter_shift blocks), all entries below
	 * filter_cover; about 8 granules per entry. I/O far from every entry
	 * then costs one load instead of a walk. NULL when not usable.
	 */
	u64 *filter;
	u64 filter_cover;
	u32 filter_shift;
};

/*
 * An index for count entries with main blocks up to max_key; set each
 * entry, in key order, then seal.
 */
struct dmr_index *dmr_index_alloc(u32 count, u64 max_key);
void dmr_index_free(struct dmr_index *ix);
void dmr_index_set(struct dmr_index *ix, u32 i, const struct dmr_index_entry *e);
void dmr_index_seal(struct dmr_index *ix);

static inline u64 dmr_index_main(const struct dmr_index *ix, u32 i)
{
	return ix->leaf[i / DMR_INDEX_FAN].key[i % DMR_INDEX_FAN];
}

static inline u32 dmr_index_val(const struct dmr_index *ix, u32 i)
{
	return ix->leaf[i / DMR_INDEX_FAN].val[i % DMR_INDEX_FAN];
}

static inline u32 dmr_index_val_spare(u32 v)
{
	return v & ~DMR_INDEX_PENDING;
}

static inline u32 dmr_index_val_state(u32 v)
{
	return v & DMR_INDEX_PENDING ? DMR_SLOT_PENDING : DMR_SLOT_REMAPPED;
}

static inline struct dmr_index_entry dmr_index_get(const struct dmr_index *ix, u32 i)
{
	u32 v = dmr_index_val(ix, i);
	struct dmr_index_entry e = {
		.main_block = dmr_index_main(ix, i),
		.spare_block = dmr_index_val_spare(v),
		.state = dmr_index_val_state(v),
	};

	return e;
}

/* Whether an entry may lie in lo..hi by the filter: false only if none does. */
static inline bool dmr_index_filter_may(const struct dmr_index *ix, u64 lo, u64 hi)
{
	u64 g, last, w;

	if (lo >= ix->filter_cover)
		return false;
	g = lo >> ix->filter_shift;
	last = min_t(u64, hi, ix->filter_cover - 1) >> ix->filter_shift;
	if (last - g >= 64)
		return true;
	/* Granules g..last: within one word or two, tested with masks. */
	w = ix->filter[g / 64] & (~0ULL << (g % 64));
	if (g / 64 == last / 64)
		return w & (~0ULL >> (63 - last % 64));
	return w || (ix->filter[last / 64] & (~0ULL >> (63 - last % 64)));
}

/* dmr_index_find() past the filter: the walk down the tree. */
u32 dmr_index_search(const struct dmr_index *ix, u64 lo, u64 hi);

/*
 * Position of the first entry with lo <= main_block <= hi, or DMR_INDEX_NONE
 * (which is >= count, so "i < ix->count" ends a walk from it). Inline: the
 * I/O path's usual answer, "none", then costs no call.
 */
static inline u32 dmr_index_find(const struct dmr_index *ix, u64 lo, u64 hi)
{
	if (!ix || !ix->count || (ix->filter && !dmr_index_filter_may(ix, lo, hi)))
		return DMR_INDEX_NONE;
	return dmr_index_search(ix, lo, hi);
}

/* The entry for block, if there is one. */
bool dmr_index_lookup(const struct dmr_index *ix, u64 block, struct dmr_index_entry *out);

/*
 * A copy of ix with the entry for e->main_block inserted or replaced
 * (remove == false) or removed (remove == true). NULL if out of memory.
 */
struct dmr_index *dmr_index_update(const struct dmr_index *ix,
				   const struct dmr_index_entry *e, bool remove);

/*
 * Build from a slot array (REMAPPED and PENDING slots). Fails with -EINVAL
 * and *dup set to the main block when two slots name the same main block
 * (~0 when count is not the number of such slots), -ENOMEM when out of
 * memory.
 */
int dmr_index_build(const u64 *slots, u32 nr_blocks, u32 count,
		    struct dmr_index **out, u64 *dup);

/*
 * The same in steps, so that activation can sort while it waits for reads:
 * begin (the count check and the allocations), then steps of at most budget
 * entries each (true while work remains), then end, which does what is left
 * and checks for duplicates; or abort. The slots must not change meanwhile.
 */
struct dmr_index_builder {
	const u64 *slots;
	u32 nr_blocks;
	u32 passes, bits;	/* of the radix sort */
	u32 phase, at;		/* where the next step resumes */
	u32 *pos;		/* passes x 2^bits digit counts, then positions */
	struct dmr_index_entry *tmp;
	struct dmr_index *ix;
};

int dmr_index_build_begin(struct dmr_index_builder *b, const u64 *slots, u32 nr_blocks,
			  u32 count, u64 *dup);
bool dmr_index_build_step(struct dmr_index_builder *b, u32 budget);
int dmr_index_build_end(struct dmr_index_builder *b, struct dmr_index **out, u64 *dup);
void dmr_index_build_abort(struct dmr_index_builder *b);

#endif /* DMR_CORE_INDEX_H */
