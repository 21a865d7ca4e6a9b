/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The text of `dmremap dump` and its reader for `dmremap restore`, side by
 * side so that they cannot drift apart: whatever dump_text() writes,
 * dump_parse() reads back into the same metadata (tests/fuzz/fuzz_dump.c
 * checks it both ways). The reader builds the metadata with the core's own
 * calls (dmr_meta_init, dmr_meta_set_slot, dmr_index_build, dmr_meta_check,
 * dmr_sb_decode of the superblock it would write), so what it accepts is
 * exactly what the module loads.
 */
#ifndef DMREMAP_DUMPFILE_H
#define DMREMAP_DUMPFILE_H

#include <stdio.h>
#include "store.h"

/* "remapped", "pending", "bad" or "free". */
const char *dump_state_name(u32 state);
/* A copy's generation, "-" for none. */
void dump_generation(FILE *f, u64 generation);
/* Why copy c is not ok; a stale copy's reason is the current generation. */
const char *dump_copy_reason(const struct dmr_meta *m, const struct dmr_load_report *rep,
			     u32 c, char *buf, size_t len);

/* The dump of loaded metadata m, its index ix and its load report rep. */
void dump_text(FILE *f, const struct dmr_meta *m, const struct dmr_index *ix,
	       const struct dmr_load_report *rep);

/*
 * Read a dump (text of len bytes) into m, which this initialises, and *ix,
 * its lookup index; the generation is the dump's. Every field is checked
 * before it is believed: the geometry, the layout the placement gives it,
 * every row (state, main sector inside the device and on a block boundary,
 * spare block inside the region, outside every metadata copy, given once,
 * its sector), no main block twice, the counters. 0; -EINVAL with "line N:
 * why" (or why) in err and m destroyed; -ENOMEM.
 */
int dump_parse(const char *text, size_t len, struct dmr_meta *m, struct dmr_index **ix,
	       char *err, size_t errlen);

#endif /* DMREMAP_DUMPFILE_H */
