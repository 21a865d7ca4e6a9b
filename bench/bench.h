/* SPDX-License-Identifier: GPL-2.0-only */
/* What the native benchmarks share: a clock and a repeatable random sequence. */
#ifndef DMR_BENCH_H
#define DMR_BENCH_H

#include <time.h>
#include "compat.h"

static inline double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* xorshift64: the same keys in every run. */
static u64 bench_rng = 88172645463325252ULL;

static inline u64 next_rand(void)
{
	bench_rng ^= bench_rng << 13;
	bench_rng ^= bench_rng >> 7;
	bench_rng ^= bench_rng << 17;
	return bench_rng;
}

#endif /* DMR_BENCH_H */
