/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The invariants of the metadata in memory (SPEC section 5), checked the
 * same way by the kernel's `check` message and by `dmremap check`:
 * every slot agrees with the allocator, counters are exact, no slot inside a
 * metadata copy is used, every mapped main block is inside the device, the
 * copies lie inside the region without overlapping, and the lookup index
 * holds exactly the mapped slots (so no main block has two spare blocks).
 */
#ifndef DMR_CORE_CHECK_H
#define DMR_CORE_CHECK_H

#include "meta.h"
#include "report.h"

/* Number of violations; each is one line in o. ix may be NULL (not checked). */
u32 dmr_meta_check(const struct dmr_meta *m, const struct dmr_index *ix,
		   struct dmr_out *o);

#endif /* DMR_CORE_CHECK_H */
