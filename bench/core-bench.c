// SPDX-License-Identifier: GPL-2.0-only
/*
 * Userspace microbenchmarks of the shared core, on this machine:
 *   - lookup in the I/O path's index at N remaps (hits and misses, random
 *     keys, one-block and 256-block ranges), against the goal of 100 ns;
 *   - beside it, one dependent load from a random line of an array as large
 *     as the index: the machine's floor at that moment;
 *   - RAM per remap of the index, against the goal of 32 bytes;
 *   - allocator: amortised cost of handing out every free block;
 *   - decoding a metadata copy of N slots (what activation does per copy).
 * usage: core-bench [<remaps>]   (default 1000000)
 * Exits non-zero only on an error: goals are reported, not judged (the
 * machine may be busy; see docs/performance.md).
 */
#include <stdlib.h>
#include "meta.h"
#include "index.h"
#include "alloc.h"
#include "bench.h"

/* An index of n entries: main blocks spread over 64 n blocks. */
static struct dmr_index *make_index(u32 n)
{
	struct dmr_index *ix = dmr_index_alloc(n, (u64)n * 127);
	u64 b = 0;

	for (u32 i = 0; i < n; i++) {
		b += 1 + next_rand() % 127;
		struct dmr_index_entry e = { b, i, DMR_SLOT_REMAPPED };

		dmr_index_set(ix, i, &e);
	}
	dmr_index_seal(ix);
	return ix;
}

/*
 * Lookups of random keys: the best of ROUNDS rounds, as other load on the
 * machine (VMs of the test suite) only ever adds time.
 */
static double bench_lookup(const struct dmr_index *ix, u64 span, u64 range, unsigned int *hit_pct)
{
	enum { N = 1000000, ROUNDS = 9 };
	u64 *keys = malloc(N * sizeof(*keys));
	volatile u64 sink;
	u64 acc = 0, hits;
	double t, best = 1e18;

	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < N; i++)
			keys[i] = next_rand() % span;
		hits = 0;
		t = now_ns();
		for (int i = 0; i < N; i++) {
			u32 e = dmr_index_find(ix, keys[i], keys[i] + range - 1);

			/* A hit reads its value, as the I/O path does. */
			if (e != DMR_INDEX_NONE) {
				acc += dmr_index_val_spare(dmr_index_val(ix, e));
				hits++;
			}
		}
		t = (now_ns() - t) / N;
		if (t < best)
			best = t;
	}
	sink = acc;
	(void)sink;
	*hit_pct = (unsigned int)(hits * 100 / N);
	free(keys);
	return best;
}

/*
 * The machine's floor for one lookup: a chain of dependent loads from random
 * cache lines of an array as large as the index, allocated alike (huge
 * pages asked). A lookup makes about one such access into its leaves; what
 * the host's other tenants leave of the shared L3 decides how many of them
 * miss, so this figure moves with them and is printed beside the lookup.
 */
static double bench_random_load(size_t bytes)
{
	enum { STEPS = 4000000 };
	size_t lines = bytes / 64, i, j, t;
	size_t *perm = malloc(lines * sizeof(*perm));
	char *buf = dmr_zalloc(lines * 64);
	char *volatile sink;
	char *p;
	double best = 1e18, ns;

	for (i = 0; i < lines; i++)
		perm[i] = i;
	for (i = lines - 1; i > 0; i--) {
		j = next_rand() % (i + 1);
		t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < lines; i++)
		*(char **)(buf + perm[i] * 64) = buf + perm[(i + 1) % lines] * 64;
	p = buf + perm[0] * 64;
	for (int r = 0; r < 3; r++) {
		ns = now_ns();
		for (i = 0; i < STEPS; i++)
			p = *(char **)p;
		ns = (now_ns() - ns) / STEPS;
		if (ns < best)
			best = ns;
	}
	sink = p;
	(void)sink;
	free(perm);
	dmr_free(buf);
	return best;
}

int main(int argc, char **argv)
{
	u32 n = argc > 1 ? (u32)strtoul(argv[1], NULL, 10) : 1000000;
	struct dmr_index *ix = make_index(n);
	u64 span = dmr_index_main(ix, n - 1) + 1;
	unsigned int hits;
	double t1, t256, t;

	printf("core-bench: %u remaps\n", n);
	t1 = bench_lookup(ix, span, 1, &hits);
	printf("lookup, 1-block bios:    %6.1f ns (%u%% hit)   goal <= 100 ns: %s (ratio %.2f)\n",
	       t1, hits, t1 <= 100 ? "met" : "NOT met", t1 / 100);
	t256 = bench_lookup(ix, span, 256, &hits);
	printf("lookup, 256-block bios:  %6.1f ns (%u%% hit)   goal <= 100 ns: %s (ratio %.2f)\n",
	       t256, hits, t256 <= 100 ? "met" : "NOT met", t256 / 100);
	/* The leaves and every key of the tree above them. */
	t = (n + 15) / 16 * sizeof(struct dmr_index_leaf);
	for (u32 l = 1; l <= ix->levels; l++)
		t += (ix->level_count[l] + 15) / 16 * 16 * sizeof(u64);
	if (ix->filter)
		t += (((ix->filter_cover - 1) >> ix->filter_shift) + 64) / 64 * sizeof(u64);
	printf("  one dependent load from a random line of %.1f MiB, for comparison: %.1f ns\n",
	       t / (1 << 20), bench_random_load((size_t)t));
	t /= n;
	printf("index RAM per remap:     %6.1f bytes            goal <= 32 bytes: %s\n",
	       t, t <= 32 ? "met" : "NOT met");
	printf("  (plus 8 bytes per spare block for the slot array, 2 bits for the allocator)\n");

	/* One manual remap or unremap publishes a new copy of the index. */
	{
		struct dmr_index_entry e = { .main_block = span / 2 * 2 + 1, .spare_block = n,
					     .state = DMR_SLOT_REMAPPED };
		struct dmr_index *u;

		t = now_ns();
		for (int r = 0; r < 10; r++) {
			u = dmr_index_update(ix, &e, r % 2);
			dmr_index_free(u);
		}
		printf("index update (a new copy): %6.2f ms\n", (now_ns() - t) / 10 / 1e6);
	}

	/* Allocator: every free block of a 16M-block region, one by one. */
	{
		struct dmr_placement p;
		struct dmr_alloc a;
		char *err;
		u32 b, got = 0;

		dmr_placement((u64)DMR_MAX_SPARE_BLOCKS * 8, 4096, &p, &err);
		dmr_alloc_init(&a, &p);
		t = now_ns();
		while (!dmr_alloc_get(&a, &b))
			got++;
		t = (now_ns() - t) / got;
		printf("allocator get:           %6.1f ns per block, amortised over %u blocks\n", t, got);
		dmr_alloc_destroy(&a);
	}

	/* Decoding a copy with n remapped slots, as activation does. */
	{
		struct dmr_geometry g = { .block_size = 4096, .spare_start = 0 };
		struct dmr_meta m, l;
		struct dmr_sb_info sb;
		struct dmr_index *lix;
		double t_pages, t_index;
		char err[128];
		u8 *img;
		u32 b, i, *order;

		g.spare_len = ((u64)n + n / 4 + 4096) * 8;
		g.main_len = span * 8;
		if (dmr_meta_init(&m, &g, err, sizeof(err)) || dmr_meta_init(&l, &g, err, sizeof(err))) {
			printf("meta init: %s\n", err);
			return 1;
		}
		/* Remaps come in no order: main blocks in random order over the slots. */
		order = malloc(n * sizeof(*order));
		for (i = 0; i < n; i++)
			order[i] = i;
		for (i = n - 1; i > 0; i--) {
			u32 j = next_rand() % (i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++)
			dmr_meta_add(&m, dmr_index_main(ix, order[i]), DMR_SLOT_REMAPPED, &b);
		free(order);
		img = malloc((size_t)(m.nr_pages + 1) * DMR_META_PAGE_SIZE);
		for (i = 0; i < m.nr_pages; i++)
			dmr_meta_encode_page(&m, i, img + (size_t)(i + 1) * DMR_META_PAGE_SIZE);
		dmr_meta_encode_sb(&m, 0, 1, img);
		t = now_ns();
		if (dmr_sb_decode(img, &g, &sb, err, sizeof(err)) != DMR_SB_VALID) {
			printf("decode: %s\n", err);
			return 1;
		}
		for (i = 0; i < l.nr_pages; i++)
			if (dmr_meta_load_page(&l, i, img + (size_t)(i + 1) * DMR_META_PAGE_SIZE, err, sizeof(err)))
				return 1;
		t_pages = now_ns();
		if (dmr_meta_load_finish(&l, &sb, &lix, err, sizeof(err))) {
			printf("load: %s\n", err);
			return 1;
		}
		t_index = now_ns() - t_pages;
		t = now_ns() - t;
		printf("decode one copy:         %6.1f ms for %u slot pages (%.1f MiB), %.0f MiB/s\n",
		       t / 1e6, l.nr_pages, l.nr_pages * 4096.0 / (1 << 20),
		       l.nr_pages * 4096.0 / (1 << 20) / (t / 1e9));
		printf("  of which building the index: %.1f ms\n", t_index / 1e6);
		dmr_index_free(lix);
		free(img);
		dmr_meta_destroy(&m);
		dmr_meta_destroy(&l);
	}
	dmr_index_free(ix);
	return 0;
}
