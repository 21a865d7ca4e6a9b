/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few definitions the shared core needs from its environment, so that
 * the same sources build in the kernel module and in userspace (the tool,
 * unit tests, fuzzers, benchmarks).
 */
#ifndef DMR_CORE_COMPAT_H
#define DMR_CORE_COMPAT_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/prefetch.h>
#include <asm/byteorder.h>
#define dmr_static_assert(expr, msg) static_assert(expr, msg)
/* Metadata arrays can be large: kvmalloc falls back to vmalloc. */
#define dmr_printf(a, b) __printf(a, b)
#define dmr_popcount64(x) hweight64(x)
#define dmr_prefetch(p) prefetch(p)
#define dmr_zalloc(size) kvzalloc(size, GFP_KERNEL)
/*
 * Arrays sized by the spare region, made at table load (up to 128 MiB of
 * slots): a table too large for the machine is refused with ENOMEM instead
 * of waking the OOM killer.
 */
#define DMR_GFP_LARGE (GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)
#define dmr_zalloc_large(size) kvzalloc(size, DMR_GFP_LARGE)
#define dmr_free(ptr) kvfree(ptr)
/* Long loops at table load (millions of slots) let others run. */
#define dmr_cond_resched() cond_resched()
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <errno.h>
#include <endian.h>
#include <linux/types.h>	/* __le16/__le32/__le64, as the tool's ioctls see them */
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#define cpu_to_le16(x) htole16(x)
#define cpu_to_le32(x) htole32(x)
#define cpu_to_le64(x) htole64(x)
#define le16_to_cpu(x) le16toh(x)
#define le32_to_cpu(x) le32toh(x)
#define le64_to_cpu(x) le64toh(x)
#define dmr_static_assert(expr, msg) _Static_assert(expr, msg)
#include <stdarg.h>
#define dmr_printf(a, b) __attribute__((format(printf, a, b)))
#define dmr_popcount64(x) __builtin_popcountll(x)
#define dmr_prefetch(p) __builtin_prefetch(p)
#define DMR_HUGE_PAGE ((uintptr_t)2 << 20)
/*
 * The kernel's kvmalloc maps an allocation of 2 MiB or more with huge pages
 * (VM_ALLOW_HUGE_VMAP, x86-64): ask for transparent huge pages for the whole
 * 2 MiB pages inside such an allocation, before calloc's memory is first
 * touched, so that a lookup in a large index costs here the TLB misses it
 * costs there.
 */
static inline void *dmr_zalloc(size_t size)
{
	void *p = calloc(1, size);
	uintptr_t from = ((uintptr_t)p + DMR_HUGE_PAGE - 1) & ~(DMR_HUGE_PAGE - 1);
	uintptr_t to = ((uintptr_t)p + size) & ~(DMR_HUGE_PAGE - 1);

	if (p && to > from)
		madvise((void *)from, to - from, MADV_HUGEPAGE);	/* a hint only */
	return p;
}
#define dmr_zalloc_large(size) dmr_zalloc(size)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX
#define min_t(type, a, b) ((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#define max_t(type, a, b) ((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#define dmr_free(ptr) free(ptr)
#define dmr_cond_resched() do { } while (0)
#endif

#endif /* DMR_CORE_COMPAT_H */
