// SPDX-License-Identifier: GPL-2.0-only
#include "alloc.h"

#define WORD_BITS 64U

static inline bool test_bit64(const u64 *map, u32 bit)
{
	return (map[bit / WORD_BITS] >> (bit % WORD_BITS)) & 1;
}

static inline void set_bit64(u64 *map, u32 bit)
{
	map[bit / WORD_BITS] |= 1ULL << (bit % WORD_BITS);
}

static inline void clear_bit64(u64 *map, u32 bit)
{
	map[bit / WORD_BITS] &= ~(1ULL << (bit % WORD_BITS));
}

static size_t map_bytes(u32 nr_blocks)
{
	return ((size_t)nr_blocks + WORD_BITS - 1) / WORD_BITS * sizeof(u64);
}

int dmr_alloc_init(struct dmr_alloc *a, const struct dmr_placement *p)
{
	memset(a, 0, sizeof(*a));
	a->nr_blocks = (u32)p->blocks;
	a->place = *p;
	a->taken = dmr_zalloc_large(map_bytes(a->nr_blocks));
	a->bad = dmr_zalloc_large(map_bytes(a->nr_blocks));
	if (!a->taken || !a->bad) {
		dmr_alloc_destroy(a);
		return -ENOMEM;
	}
	dmr_alloc_reset(a);
	return 0;
}

void dmr_alloc_destroy(struct dmr_alloc *a)
{
	dmr_free(a->taken);
	dmr_free(a->bad);
	a->taken = NULL;
	a->bad = NULL;
}

void dmr_alloc_reset(struct dmr_alloc *a)
{
	u32 nr_words = (a->nr_blocks + WORD_BITS - 1) / WORD_BITS;
	u32 i, b;

	memset(a->taken, 0, map_bytes(a->nr_blocks));
	memset(a->bad, 0, map_bytes(a->nr_blocks));
	/* Bits past the last block stay set so that scans never return them. */
	for (b = a->nr_blocks; b < nr_words * WORD_BITS; b++)
		set_bit64(a->taken, b);
	a->nr_reserved = 0;
	for (i = 0; i < a->place.copies; i++) {
		for (b = 0; b < a->place.copy_blocks; b++)
			set_bit64(a->taken, (u32)(a->place.start[i] + b));
		a->nr_reserved += (u32)a->place.copy_blocks;
	}
	a->nr_used = 0;
	a->nr_bad = 0;
	a->cursor = 0;
}

bool dmr_alloc_any_reserved(const struct dmr_alloc *a, u32 first, u32 n)
{
	u32 i;

	for (i = 0; i < a->place.copies; i++)
		if (first < a->place.start[i] + a->place.copy_blocks &&
		    (u64)first + n > a->place.start[i])
			return true;
	return false;
}

enum dmr_block_state dmr_alloc_state(const struct dmr_alloc *a, u32 block)
{
	if (!test_bit64(a->taken, block))
		return DMR_BLOCK_FREE;
	if (test_bit64(a->bad, block))
		return DMR_BLOCK_BAD;
	if (dmr_alloc_is_reserved(a, block))
		return DMR_BLOCK_RESERVED;
	return DMR_BLOCK_USED;
}

int dmr_alloc_get(struct dmr_alloc *a, u32 *block)
{
	u32 nr_words = (a->nr_blocks + WORD_BITS - 1) / WORD_BITS;
	u32 w = a->cursor / WORD_BITS;
	u32 i, b;
	u64 free;

	if (!dmr_alloc_free(a))
		return -ENOSPC;
	/*
	 * One sweep over the words from the cursor's, wrapping once; bits below
	 * the cursor in its own word are checked again at the end of the sweep.
	 */
	for (i = 0; i <= nr_words; i++, w = (w + 1) % nr_words) {
		free = ~a->taken[w];
		if (i == 0)
			free &= ~0ULL << (a->cursor % WORD_BITS);
		if (!free)
			continue;
		b = w * WORD_BITS + (u32)__builtin_ctzll(free);
		set_bit64(a->taken, b);
		a->nr_used++;
		a->cursor = b + 1 < a->nr_blocks ? b + 1 : 0;
		*block = b;
		return 0;
	}
	return -ENOSPC;	/* unreachable while the counters are exact */
}

int dmr_alloc_claim(struct dmr_alloc *a, u32 block)
{
	if (block >= a->nr_blocks || test_bit64(a->taken, block))
		return -EINVAL;
	set_bit64(a->taken, block);
	a->nr_used++;
	return 0;
}

int dmr_alloc_release(struct dmr_alloc *a, u32 block)
{
	if (block >= a->nr_blocks || dmr_alloc_state(a, block) != DMR_BLOCK_USED)
		return -EINVAL;
	clear_bit64(a->taken, block);
	a->nr_used--;
	return 0;
}

int dmr_alloc_set_bad(struct dmr_alloc *a, u32 block)
{
	enum dmr_block_state s;

	if (block >= a->nr_blocks)
		return -EINVAL;
	s = dmr_alloc_state(a, block);
	if (s == DMR_BLOCK_RESERVED || s == DMR_BLOCK_BAD)
		return -EINVAL;
	if (s == DMR_BLOCK_USED)
		a->nr_used--;
	set_bit64(a->taken, block);
	set_bit64(a->bad, block);
	a->nr_bad++;
	return 0;
}
