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

struct dmr_index *dmr_index_alloc(u32 count)
{
	size_t leaves = (size_t)nodes(count) * sizeof(struct dmr_index_leaf);
	struct dmr_index *ix;
	u32 i;

	ix = dmr_zalloc(LEAF_OFFSET + leaves + tree_keys(count) * sizeof(u64));
	if (ix) {
		ix->count = count;
		ix->level_count[0] = count;
		ix->leaf = (struct dmr_index_leaf *)((char *)ix + LEAF_OFFSET);
		ix->level_key[1] = (u64 *)((char *)ix->leaf + leaves);
		for (i = count; i % DMR_INDEX_FAN; i++)
			ix->leaf[i / DMR_INDEX_FAN].key[i % DMR_INDEX_FAN] = U64_MAX;
	}
	return ix;
}

void dmr_index_free(struct dmr_index *ix)
{
	dmr_free(ix);
}

void dmr_index_set(struct dmr_index *ix, u32 i, const struct dmr_index_entry *e)
{
	struct dmr_index_leaf *leaf = &ix->leaf[i / DMR_INDEX_FAN];

	leaf->key[i % DMR_INDEX_FAN] = e->main_block;
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
	return node * DMR_INDEX_FAN + count_below(ix->leaf[node].key, key);
}

u32 dmr_index_find(const struct dmr_index *ix, u64 lo, u64 hi)
{
	u32 i;

	if (!ix || !ix->count)
		return DMR_INDEX_NONE;
	i = lower_bound(ix, lo);
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
	struct dmr_index *n = dmr_index_alloc(new_count);

	if (!n)
		return NULL;
	copy_entries(n, 0, ix, 0, i);
	if (!remove)
		dmr_index_set(n, i, e);
	if (count > tail_from)
		copy_entries(n, tail_to, ix, tail_from, count - tail_from);
	dmr_index_seal(n);
	return n;
}

/* Digits of at most 13 bits: a pass's counters (32 KiB) and the lines it writes to stay in L2. */
#define RADIX_MAX_BITS 13

struct radix {
	u32 passes, bits;
	u32 *pos;		/* passes x 2^bits: where the next entry of a digit goes */
};

static u32 digit(const struct radix *rx, u32 pass, u64 key)
{
	return (u32)(key >> (pass * rx->bits)) & ((1U << rx->bits) - 1);
}

/* Entry i of a pass's output: a temporary array, or the index for the last pass. */
static void put(struct dmr_index *ix, struct dmr_index_entry *to, u32 i,
		const struct dmr_index_entry *e)
{
	if (to)
		to[i] = *e;
	else
		dmr_index_set(ix, i, e);
}

/*
 * The slots, sorted by main block into the index: an LSD radix sort whose
 * first pass reads the slot array and whose last pass writes the index, so
 * that a sort in one or two passes (keys below 2^26) needs no or one
 * temporary array, three or more passes two. Each pass reads its source in
 * order and is stable.
 */
static void radix_sort(const u64 *slots, u32 nr_blocks, struct dmr_index *ix,
		       struct dmr_index_entry *tmp, const struct radix *rx)
{
	u32 count = ix->count, p, b, i, *pos;
	struct dmr_index_entry e, *from = NULL, *to;

	for (p = 0; p < rx->passes; p++) {
		pos = rx->pos + ((size_t)p << rx->bits);
		to = p + 1 == rx->passes ? NULL : tmp + (size_t)(p % 2) * count;
		if (!p) {
			for (b = 0; b < nr_blocks; b++) {
				e.state = dmr_slot_state(slots[b]);
				if (e.state != DMR_SLOT_REMAPPED && e.state != DMR_SLOT_PENDING)
					continue;
				e.main_block = dmr_slot_main(slots[b]);
				e.spare_block = b;
				put(ix, to, pos[digit(rx, p, e.main_block)]++, &e);
			}
		} else {
			for (i = 0; i < count; i++)
				put(ix, to, pos[digit(rx, p, from[i].main_block)]++, &from[i]);
		}
		from = to;
	}
}

int dmr_index_build(const u64 *slots, u32 nr_blocks, u32 count,
		    struct dmr_index **out, u64 *dup)
{
	struct dmr_index_entry *tmp = NULL;
	struct dmr_index *ix = NULL;
	struct radix rx = { .pos = NULL };
	u32 b, i, p, n = 0, key_bits, sum, c, *pos, state;
	u64 max = 0, key;
	int r = 0;

	for (b = 0; b < nr_blocks; b++) {
		state = dmr_slot_state(slots[b]);
		if (state == DMR_SLOT_REMAPPED || state == DMR_SLOT_PENDING) {
			max |= dmr_slot_main(slots[b]);
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
	rx.passes = (key_bits + RADIX_MAX_BITS - 1) / RADIX_MAX_BITS;
	rx.bits = (key_bits + rx.passes - 1) / rx.passes;
	ix = dmr_index_alloc(count);
	rx.pos = dmr_zalloc(((size_t)rx.passes << rx.bits) * sizeof(u32));
	if (rx.passes > 1)
		tmp = dmr_zalloc_large((rx.passes > 2 ? 2 : 1) * (size_t)count * sizeof(*tmp));
	if (!ix || !rx.pos || (rx.passes > 1 && count && !tmp)) {
		r = -ENOMEM;
		goto out;
	}
	/* Every pass's counts in one read of the slots, then where each digit starts. */
	for (b = 0; b < nr_blocks; b++) {
		state = dmr_slot_state(slots[b]);
		if (state != DMR_SLOT_REMAPPED && state != DMR_SLOT_PENDING)
			continue;
		key = dmr_slot_main(slots[b]);
		for (p = 0; p < rx.passes; p++)
			rx.pos[((size_t)p << rx.bits) + digit(&rx, p, key)]++;
	}
	for (p = 0; p < rx.passes; p++) {
		pos = rx.pos + ((size_t)p << rx.bits);
		for (sum = 0, i = 0; i < 1U << rx.bits; i++) {
			c = pos[i];
			pos[i] = sum;
			sum += c;
		}
	}
	radix_sort(slots, nr_blocks, ix, tmp, &rx);
	for (i = 1; i < count; i++) {
		if (dmr_index_main(ix, i) == dmr_index_main(ix, i - 1)) {
			*dup = dmr_index_main(ix, i);
			r = -EINVAL;
			goto out;
		}
	}
	dmr_index_seal(ix);
	*out = ix;
	ix = NULL;
out:
	dmr_free(tmp);
	dmr_free(rx.pos);
	dmr_index_free(ix);
	return r;
}
