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

#define RADIX_BITS 11
#define RADIX (1U << RADIX_BITS)

/*
 * LSD radix sort by main block, 11 bits per pass, from a into b and back:
 * a few sequential passes over the entries, where a comparison sort of 1M
 * entries cost a second in cache misses. Passes stop at the highest key bit;
 * a pass in which every key has the same digit is skipped. Stable, so the
 * result is the sorted entries, in a or b (returned).
 */
static struct dmr_index_entry *radix_sort(struct dmr_index_entry *a, struct dmr_index_entry *b,
					  u32 n, u64 max, u32 *pos)
{
	struct dmr_index_entry *t;
	u32 shift, i, sum, c;

	for (shift = 0; shift < 64 && (max >> shift); shift += RADIX_BITS) {
		memset(pos, 0, RADIX * sizeof(*pos));
		for (i = 0; i < n; i++)
			pos[(a[i].main_block >> shift) & (RADIX - 1)]++;
		if (pos[(a[0].main_block >> shift) & (RADIX - 1)] == n)
			continue;
		for (sum = 0, i = 0; i < RADIX; i++) {
			c = pos[i];
			pos[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[pos[(a[i].main_block >> shift) & (RADIX - 1)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	return a;
}

int dmr_index_build(const u64 *slots, u32 nr_blocks, u32 count,
		    struct dmr_index **out, u64 *dup)
{
	struct dmr_index_entry *tmp, *e;
	struct dmr_index *ix;
	u64 max = 0;
	u32 b, i = 0, state;
	int r = 0;

	/* Two arrays of entries for the sort, then its digit positions. */
	tmp = dmr_zalloc(2 * (size_t)count * sizeof(*tmp) + RADIX * sizeof(u32));
	ix = dmr_index_alloc(count);
	if (!tmp || !ix) {
		r = -ENOMEM;
		goto out;
	}
	for (b = 0; b < nr_blocks; b++) {
		state = dmr_slot_state(slots[b]);
		if (state != DMR_SLOT_REMAPPED && state != DMR_SLOT_PENDING)
			continue;
		if (i == count)
			goto bad_count;
		tmp[i].main_block = dmr_slot_main(slots[b]);
		tmp[i].spare_block = b;
		tmp[i].state = state;
		max |= tmp[i].main_block;
		i++;
	}
	if (i != count)
		goto bad_count;
	e = count ? radix_sort(tmp, tmp + count, count, max, (u32 *)(tmp + 2 * (size_t)count)) :
		    tmp;
	for (i = 0; i < count; i++) {
		if (i && e[i].main_block == e[i - 1].main_block) {
			*dup = e[i].main_block;
			r = -EINVAL;
			goto out;
		}
		dmr_index_set(ix, i, &e[i]);
	}
	dmr_index_seal(ix);
	*out = ix;
	ix = NULL;
	goto out;

bad_count:
	/* The caller's count disagrees with the slots: treat as corruption. */
	*dup = ~0ULL;
	r = -EINVAL;
out:
	dmr_free(tmp);
	dmr_index_free(ix);
	return r;
}
