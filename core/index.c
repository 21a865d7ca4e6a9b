// SPDX-License-Identifier: GPL-2.0-only
#include "index.h"
#include "format.h"

static u32 nodes(u32 n)
{
	return (n + DMR_INDEX_FAN - 1) / DMR_INDEX_FAN;
}

/* Keys of the tree above n entries: n/16 + n/256 + ..., each level padded. */
static size_t tree_keys(u32 n)
{
	size_t keys = 0;

	while (n > DMR_INDEX_FAN) {
		n = nodes(n);
		keys += (size_t)nodes(n) * DMR_INDEX_FAN;
	}
	return keys;
}

/* Leaves start on a cache line of their own. */
#define LEAF_OFFSET ((sizeof(struct dmr_index) + 63) & ~(size_t)63)

/* Granules of the filter: the smallest that gives at most 8 per entry. */
static u32 filter_shift(u32 count, u64 max_key)
{
	u64 granules = 8 * (u64)max_t(u32, count, 8);
	u32 shift = 0;

	while ((max_key >> shift) + 1 > granules)
		shift++;
	return shift;
}

struct dmr_index *dmr_index_alloc(u32 count, u64 max_key)
{
	size_t leaves = (size_t)nodes(count) * sizeof(struct dmr_index_leaf);
	size_t keys = tree_keys(count) * sizeof(u64), words = 0;
	struct dmr_index *ix;
	u32 i, shift = 0;

	/* One allocation: the kernel frees an index with kvfree_rcu(). */
	if (count && max_key < U64_MAX) {
		shift = filter_shift(count, max_key);
		words = ((max_key >> shift) + 64) / 64;
	}
	ix = dmr_zalloc(LEAF_OFFSET + leaves + keys + words * sizeof(u64));
	if (ix) {
		ix->count = count;
		ix->level_count[0] = count;
		ix->leaf = (struct dmr_index_leaf *)((char *)ix + LEAF_OFFSET);
		ix->level_key[1] = (u64 *)((char *)ix->leaf + leaves);
		for (i = count; i % DMR_INDEX_FAN; i++)
			ix->leaf[i / DMR_INDEX_FAN].key[i % DMR_INDEX_FAN] = U64_MAX;
		if (words) {
			ix->filter = (u64 *)((char *)ix->level_key[1] + keys);
			ix->filter_cover = max_key + 1;
			ix->filter_shift = shift;
		}
	}
	return ix;
}

void dmr_index_free(struct dmr_index *ix)
{
	dmr_free(ix);
}

/* A block the filter cannot hold turns the filter off (set bits only ever say "maybe"). */
static void filter_set(struct dmr_index *ix, u64 block)
{
	u64 g;

	if (!ix->filter || block >= ix->filter_cover) {
		ix->filter = NULL;
		return;
	}
	g = block >> ix->filter_shift;
	ix->filter[g / 64] |= 1ULL << (g % 64);
}

void dmr_index_set(struct dmr_index *ix, u32 i, const struct dmr_index_entry *e)
{
	struct dmr_index_leaf *leaf = &ix->leaf[i / DMR_INDEX_FAN];

	leaf->key[i % DMR_INDEX_FAN] = e->main_block;
	filter_set(ix, e->main_block);
	leaf->val[i % DMR_INDEX_FAN] = e->spare_block |
				       (e->state == DMR_SLOT_PENDING ? DMR_INDEX_PENDING : 0);
}

/* Level l's key i: the first key of node i of the level below. */
static u64 first_key(const struct dmr_index *ix, u32 l, u32 i)
{
	return l == 1 ? ix->leaf[i].key[0] : ix->level_key[l - 1][i * DMR_INDEX_FAN];
}

void dmr_index_seal(struct dmr_index *ix)
{
	u64 *keys = ix->level_key[1];
	u32 l, i, n = ix->count;

	ix->levels = 0;
	for (l = 1; n > DMR_INDEX_FAN; l++) {
		n = nodes(n);
		ix->level_key[l] = keys;
		ix->level_count[l] = n;
		for (i = 0; i < n; i++)
			keys[i] = first_key(ix, l, i);
		for (; i % DMR_INDEX_FAN; i++)
			keys[i] = U64_MAX;
		keys += i;
		ix->levels = l;
	}
}

/*
 * Keys of one node below key: a binary search of 4 steps with no branch on
 * the data (each step a conditional move); both cache lines of the node are
 * asked for first, so their misses overlap.
 */
static u32 count_below(const u64 *k, u64 key)
{
	u32 base = 0, half;

	dmr_prefetch(k + DMR_INDEX_FAN / 2);
	for (half = DMR_INDEX_FAN / 2; half; half /= 2)
		base = k[base + half - 1] < key ? base + half : base;
	return base + (k[base] < key);
}

/*
 * Position of the first key >= key (count if none). From the top level
 * down: if p keys of node j of level l lie below key, the answer lies in
 * node j*16 + p - 1 of the level below (or is the first key of the next
 * one, which the count of 16 there yields), node 0 if p is 0.
 */
static u32 lower_bound(const struct dmr_index *ix, u64 key)
{
	u32 l, node = 0, p;

	for (l = ix->levels; l; l--) {
		p = node * DMR_INDEX_FAN + count_below(ix->level_key[l] + node * DMR_INDEX_FAN, key);
		node = p ? p - 1 : 0;
	}
	/* A hit reads the leaf's value line next: ask for it with the keys. */
	dmr_prefetch(ix->leaf[node].val);
	return node * DMR_INDEX_FAN + count_below(ix->leaf[node].key, key);
}

u32 dmr_index_search(const struct dmr_index *ix, u64 lo, u64 hi)
{
	u32 i = lower_bound(ix, lo);

	if (i < ix->count && dmr_index_main(ix, i) <= hi)
		return i;
	return DMR_INDEX_NONE;
}

bool dmr_index_lookup(const struct dmr_index *ix, u64 block, struct dmr_index_entry *out)
{
	u32 i = dmr_index_find(ix, block, block);

	if (i == DMR_INDEX_NONE)
		return false;
	*out = dmr_index_get(ix, i);
	return true;
}

/* Entries from_i.. of from to to_i.. of to: runs that stay within a leaf on both sides. */
static void copy_entries(struct dmr_index *to, u32 to_i, const struct dmr_index *from,
			 u32 from_i, u32 n)
{
	const struct dmr_index_leaf *src;
	struct dmr_index_leaf *dst;
	u32 run, f, t;

	while (n) {
		f = from_i % DMR_INDEX_FAN;
		t = to_i % DMR_INDEX_FAN;
		run = min_t(u32, n, DMR_INDEX_FAN - max_t(u32, f, t));
		src = &from->leaf[from_i / DMR_INDEX_FAN];
		dst = &to->leaf[to_i / DMR_INDEX_FAN];
		memcpy(&dst->key[t], &src->key[f], run * sizeof(src->key[0]));
		memcpy(&dst->val[t], &src->val[f], run * sizeof(src->val[0]));
		from_i += run;
		to_i += run;
		n -= run;
	}
}

struct dmr_index *dmr_index_update(const struct dmr_index *ix,
				   const struct dmr_index_entry *e, bool remove)
{
	u32 count = ix ? ix->count : 0;
	u32 i = count ? lower_bound(ix, e->main_block) : 0;
	bool present = i < count && dmr_index_main(ix, i) == e->main_block;
	/* Entries before and after position i keep their order. */
	u32 tail_from = present ? i + 1 : i;
	u32 new_count = remove ? count - (present ? 1 : 0) : count + (present ? 0 : 1);
	u32 tail_to = remove ? i : i + 1;
	u64 max_key = count ? dmr_index_main(ix, count - 1) : 0;
	struct dmr_index *n;
	u32 k;

	if (!remove && e->main_block > max_key)
		max_key = e->main_block;
	n = dmr_index_alloc(new_count, max_key);
	if (!n)
		return NULL;
	copy_entries(n, 0, ix, 0, i);
	if (!remove)
		dmr_index_set(n, i, e);
	if (count > tail_from)
		copy_entries(n, tail_to, ix, tail_from, count - tail_from);
	/* The copied entries' filter bits. */
	for (k = 0; n->filter && k < new_count; k++)
		filter_set(n, dmr_index_main(n, k));
	dmr_index_seal(n);
	return n;
}

/* Digits of at most 13 bits: a pass's counters (32 KiB) and the lines it writes to stay in L2. */
#define RADIX_MAX_BITS 13

static bool mapped(u64 slot)
{
	u32 state = dmr_slot_state(slot);

	return state == DMR_SLOT_REMAPPED || state == DMR_SLOT_PENDING;
}

/* Entry i of a pass's output: a temporary array (to), or the index for the last pass. */
static inline void put(struct dmr_index *ix, struct dmr_index_entry *to, u32 i,
		       const struct dmr_index_entry *e)
{
	if (to)
		to[i] = *e;
	else
		dmr_index_set(ix, i, e);
}

int dmr_index_build_begin(struct dmr_index_builder *b, const u64 *slots, u32 nr_blocks,
			  u32 count, u64 *dup)
{
	u32 i, n = 0, key_bits;
	u64 max = 0;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < nr_blocks; i++) {
		if (mapped(slots[i])) {
			max |= dmr_slot_main(slots[i]);
			n++;
		}
	}
	/* The caller's count disagrees with the slots: treat as corruption. */
	if (n != count) {
		*dup = ~0ULL;
		return -EINVAL;
	}
	for (key_bits = 1; key_bits < 64 && (max >> key_bits); key_bits++)
		;
	b->slots = slots;
	b->nr_blocks = nr_blocks;
	b->passes = (key_bits + RADIX_MAX_BITS - 1) / RADIX_MAX_BITS;
	b->bits = (key_bits + b->passes - 1) / b->passes;
	b->ix = dmr_index_alloc(count, max);
	b->pos = dmr_zalloc(((size_t)b->passes << b->bits) * sizeof(u32));
	if (b->passes > 1 && count)
		b->tmp = dmr_zalloc_large((b->passes > 2 ? 2 : 1) * (size_t)count * sizeof(*b->tmp));
	if (!b->ix || !b->pos || (b->passes > 1 && count && !b->tmp)) {
		dmr_index_build_abort(b);
		return -ENOMEM;
	}
	return 0;
}

/*
 * An LSD radix sort by main block whose first pass reads the slot array and
 * whose last pass writes the index: keys below 2^26 need one temporary
 * array, larger ones two. Phase 0 counts every pass's digits in one read of
 * the slots; phase 1 + p is pass p, stable, reading its source in order.
 */
bool dmr_index_build_step(struct dmr_index_builder *b, u32 budget)
{
	/* Locals: stores through pos could alias the builder's u32 fields. */
	const u32 count = b->ix->count, shift_bits = b->bits, mask = (1U << b->bits) - 1;
	const u32 passes = b->passes;
	u32 *const counts = b->pos;
	struct dmr_index *const ix = b->ix;
	const u64 *slots = b->slots;
	u32 p, i, c, sum, at, end, *pos;
	struct dmr_index_entry e, *to;
	const struct dmr_index_entry *from;
	u64 key;

	while (budget && b->phase <= b->passes) {
		at = b->at;
		p = b->phase ? b->phase - 1 : 0;
		pos = counts + ((size_t)p << shift_bits);
		/* The last pass writes the index, the others the temporary arrays in turn. */
		to = p + 1 < passes ? b->tmp + (size_t)(p % 2) * count : NULL;
		if (!b->phase) {
			end = at + min_t(u32, budget, b->nr_blocks - at);
			for (i = at; i < end; i++) {
				if (!mapped(slots[i]))
					continue;
				key = dmr_slot_main(slots[i]);
				for (p = 0; p < passes; p++)
					counts[((size_t)p << shift_bits) + ((key >> (p * shift_bits)) & mask)]++;
			}
		} else if (b->phase == 1) {
			end = at + min_t(u32, budget, b->nr_blocks - at);
			for (i = at; i < end; i++) {
				if (!mapped(slots[i]))
					continue;
				e.main_block = dmr_slot_main(slots[i]);
				e.spare_block = i;
				e.state = dmr_slot_state(slots[i]);
				put(ix, to, pos[e.main_block & mask]++, &e);
			}
		} else {
			from = b->tmp + (size_t)((p - 1) % 2) * count;
			end = at + min_t(u32, budget, count - at);
			for (i = at; i < end; i++)
				put(ix, to, pos[(from[i].main_block >> (p * shift_bits)) & mask]++, &from[i]);
		}
		budget -= end - at;
		b->at = end;
		if (end < (b->phase < 2 ? b->nr_blocks : count))
			continue;
		if (!b->phase) {
			/* Counts to the place where each digit starts. */
			for (p = 0; p < passes; p++) {
				pos = counts + ((size_t)p << shift_bits);
				for (sum = 0, i = 0; i <= mask; i++) {
					c = pos[i];
					pos[i] = sum;
					sum += c;
				}
			}
		}
		b->phase++;
		b->at = 0;
	}
	return b->phase <= b->passes;
}

int dmr_index_build_end(struct dmr_index_builder *b, struct dmr_index **out, u64 *dup)
{
	struct dmr_index *ix = b->ix;
	u32 i;

	while (dmr_index_build_step(b, 1U << 16))
		dmr_cond_resched();
	for (i = 1; i < ix->count; i++) {
		if (dmr_index_main(ix, i) == dmr_index_main(ix, i - 1)) {
			*dup = dmr_index_main(ix, i);
			dmr_index_build_abort(b);
			return -EINVAL;
		}
	}
	dmr_index_seal(ix);
	b->ix = NULL;
	dmr_index_build_abort(b);
	*out = ix;
	return 0;
}

void dmr_index_build_abort(struct dmr_index_builder *b)
{
	dmr_free(b->tmp);
	dmr_free(b->pos);
	dmr_index_free(b->ix);
	memset(b, 0, sizeof(*b));
}

int dmr_index_build(const u64 *slots, u32 nr_blocks, u32 count,
		    struct dmr_index **out, u64 *dup)
{
	struct dmr_index_builder b;
	int r = dmr_index_build_begin(&b, slots, nr_blocks, count, dup);

	return r ? r : dmr_index_build_end(&b, out, dup);
}
