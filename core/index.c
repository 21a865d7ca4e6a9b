// SPDX-License-Identifier: GPL-2.0-only
#include "index.h"
#include "format.h"

/* Keys the tree above count entries needs at most: n/16 + n/256 + ... */
static size_t tree_keys(u32 count)
{
	return (size_t)count / (DMR_INDEX_FAN - 1) + DMR_INDEX_MAX_LEVELS;
}

struct dmr_index *dmr_index_alloc(u32 count)
{
	struct dmr_index *ix;

	ix = dmr_zalloc(sizeof(*ix) + (size_t)count * sizeof(ix->e[0]) +
			tree_keys(count) * sizeof(u64));
	if (ix) {
		ix->count = count;
		ix->level_count[0] = count;
	}
	return ix;
}

void dmr_index_free(struct dmr_index *ix)
{
	dmr_free(ix);
}

void dmr_index_seal(struct dmr_index *ix)
{
	u64 *keys = (u64 *)(ix->e + ix->count);
	u32 l, i, n = ix->count;

	ix->levels = 0;
	ix->level_count[0] = n;
	for (l = 1; n > DMR_INDEX_FAN && l <= DMR_INDEX_MAX_LEVELS; l++) {
		n = (n + DMR_INDEX_FAN - 1) / DMR_INDEX_FAN;
		ix->level_key[l] = keys;
		ix->level_count[l] = n;
		for (i = 0; i < n; i++)
			keys[i] = l == 1 ? ix->e[i * DMR_INDEX_FAN].main_block :
				ix->level_key[l - 1][i * DMR_INDEX_FAN];
		keys += n;
		ix->levels = l;
	}
}

/*
 * Position of the first entry with main_block >= key. From the top level
 * down: with p keys of level l below key, the answer in level l-1 lies in
 * ((p-1)*16, p*16], so each level scans at most 15 keys.
 */
static u32 lower_bound(const struct dmr_index *ix, u64 key)
{
	u32 l = ix->levels, lo = 0, hi = ix->level_count[l], p, mid;

	if (!l && hi > DMR_INDEX_FAN) {
		/* Not sealed (built by hand): plain binary search. */
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			if (ix->e[mid].main_block < key)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}
	for (; l; l--) {
		const u64 *k = ix->level_key[l];

		for (p = lo; p < hi && k[p] < key; p++)
			;
		lo = p ? (p - 1) * DMR_INDEX_FAN + 1 : 0;
		hi = min_t(u32, p * DMR_INDEX_FAN, ix->level_count[l - 1]);
	}
	for (p = lo; p < hi && ix->e[p].main_block < key; p++)
		;
	return p;
}

const struct dmr_index_entry *dmr_index_first(const struct dmr_index *ix,
					      u64 lo, u64 hi)
{
	u32 i;

	if (!ix || !ix->count)
		return NULL;
	i = lower_bound(ix, lo);
	if (i < ix->count && ix->e[i].main_block <= hi)
		return &ix->e[i];
	return NULL;
}

struct dmr_index *dmr_index_update(const struct dmr_index *ix,
				   const struct dmr_index_entry *e, bool remove)
{
	u32 count = ix ? ix->count : 0;
	u32 i = ix ? lower_bound(ix, e->main_block) : 0;
	bool present = i < count && ix->e[i].main_block == e->main_block;
	/* Entries before and after position i keep their order. */
	u32 tail_from = present ? i + 1 : i;
	u32 new_count = remove ? count - (present ? 1 : 0) : count + (present ? 0 : 1);
	u32 tail_to = remove ? i : i + 1;
	struct dmr_index *n = dmr_index_alloc(new_count);

	if (!n)
		return NULL;
	if (i)
		memcpy(n->e, ix->e, (size_t)i * sizeof(n->e[0]));
	if (!remove)
		n->e[i] = *e;
	if (count > tail_from)
		memcpy(n->e + tail_to, ix->e + tail_from,
		       (size_t)(count - tail_from) * sizeof(n->e[0]));
	dmr_index_seal(n);
	return n;
}

static void sift_down(struct dmr_index_entry *e, u32 root, u32 n)
{
	struct dmr_index_entry t;
	u32 child;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && e[child + 1].main_block > e[child].main_block)
			child++;
		if (e[root].main_block >= e[child].main_block)
			return;
		t = e[root];
		e[root] = e[child];
		e[child] = t;
		root = child;
	}
}

/* Heapsort: in place, no recursion, O(n log n) in the worst case. */
static void sort_entries(struct dmr_index_entry *e, u32 n)
{
	struct dmr_index_entry t;
	u32 i;

	for (i = n / 2; i-- > 0;)
		sift_down(e, i, n);
	for (i = n; i-- > 1;) {
		t = e[0];
		e[0] = e[i];
		e[i] = t;
		sift_down(e, 0, i);
	}
}

int dmr_index_build(const u64 *slots, u32 nr_blocks, u32 count,
		    struct dmr_index **out, u64 *dup)
{
	struct dmr_index *ix = dmr_index_alloc(count);
	u32 b, i = 0, state;

	if (!ix)
		return -ENOMEM;
	for (b = 0; b < nr_blocks; b++) {
		state = dmr_slot_state(slots[b]);
		if (state != DMR_SLOT_REMAPPED && state != DMR_SLOT_PENDING)
			continue;
		if (i == count)
			goto bad_count;
		ix->e[i].main_block = dmr_slot_main(slots[b]);
		ix->e[i].spare_block = b;
		ix->e[i].state = state;
		i++;
	}
	if (i != count)
		goto bad_count;
	sort_entries(ix->e, count);
	dmr_index_seal(ix);
	for (i = 1; i < count; i++) {
		if (ix->e[i].main_block == ix->e[i - 1].main_block) {
			*dup = ix->e[i].main_block;
			dmr_index_free(ix);
			return -EINVAL;
		}
	}
	*out = ix;
	return 0;

bad_count:
	/* The caller's count disagrees with the slots: treat as corruption. */
	*dup = ~0ULL;
	dmr_index_free(ix);
	return -EINVAL;
}
