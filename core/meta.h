/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The metadata of one remap device in memory, and its encoding to and
 * validating decoding from the on-disk format (format.h). Shared by the
 * kernel (which adds the I/O and the locking) and the offline tool.
 *
 * The slot array mirrors the on-disk slots one for one; changes mark their
 * slot page dirty so that a commit rewrites only the pages that changed.
 */
#ifndef DMR_CORE_META_H
#define DMR_CORE_META_H

#include "compat.h"
#include "format.h"
#include "placement.h"
#include "alloc.h"
#include "index.h"

struct dmr_geometry {
	u64 main_len;		/* sectors mapped by the target */
	u64 spare_start;	/* sectors */
	u64 spare_len;		/* sectors */
	u32 block_size;		/* bytes */
};

/* A decoded superblock. */
struct dmr_sb_info {
	u64 generation;
	u32 copy_index;
	u32 incompat;
	u32 compat_ro;
	u32 compat;
	struct dmr_geometry geo;
	u32 nr_blocks;
	u32 nr_pages;
	u32 pages_crc;
	u32 nr_remapped;
	u32 nr_pending;
	u32 nr_bad;
	u32 copy_count;
	u32 copy_blocks;
	u32 copy_start[DMR_MAX_COPIES];
};

enum dmr_sb_verdict {
	DMR_SB_VALID,
	DMR_SB_ZERO,		/* all zeroes: never written */
	DMR_SB_FOREIGN,		/* no dm-remap magic: other data */
	DMR_SB_CORRUPT,		/* magic, but crc or fields wrong */
	DMR_SB_UNSUPPORTED,	/* newer version or unknown incompat feature */
	DMR_SB_MISMATCH,	/* valid, but for another geometry */
};

const char *dmr_sb_verdict_name(enum dmr_sb_verdict v);

/*
 * Decode and validate a superblock page. want may be NULL (offline tools
 * take the geometry from the superblock). The reason for any verdict other
 * than VALID and ZERO is written to err.
 */
enum dmr_sb_verdict dmr_sb_decode(const void *page, const struct dmr_geometry *want,
				  struct dmr_sb_info *sb, char *err, size_t errlen);

struct dmr_meta {
	struct dmr_geometry geo;
	struct dmr_placement place;
	u64 main_blocks;
	u32 nr_blocks;
	u32 nr_pages;
	u64 generation;		/* of the last commit; 0 before the first */
	u32 compat_ro;		/* feature bits read from disk, written back */
	u32 compat;
	u64 *slots;		/* nr_blocks, see format.h */
	u32 *page_crc;		/* nr_pages, valid for pages not dirty */
	u64 *dirty;		/* bitmap over slot pages */
	u32 nr_remapped;
	u32 nr_pending;
	u32 copies_ok;		/* bit c: copy c holds this generation intact */
	struct dmr_alloc alloc;
};

/* Empty metadata for geo (every page dirty). 0, -EINVAL or -ENOMEM with err. */
int dmr_meta_init(struct dmr_meta *m, const struct dmr_geometry *geo,
		  char *err, size_t errlen);
void dmr_meta_destroy(struct dmr_meta *m);
/* Back to empty (every page dirty, generation kept). */
void dmr_meta_reset(struct dmr_meta *m);

/* Encode slot page index (updates its crc). */
void dmr_meta_encode_page(struct dmr_meta *m, u32 index, void *page);
/* Encode the superblock of copy at generation; dirty pages must be encoded first. */
void dmr_meta_encode_sb(const struct dmr_meta *m, u32 copy, u64 generation, void *page);

/* crc32c over the slot pages' crcs, as the superblock records it. */
u32 dmr_meta_pages_crc(const struct dmr_meta *m);

/* Validate slot page index and take its slots. -EINVAL with err if invalid. */
int dmr_meta_load_page(struct dmr_meta *m, u32 index, const void *page,
		       char *err, size_t errlen);
/*
 * After every page of a copy is loaded: cross-check against its superblock,
 * rebuild the allocator and build the lookup index. -EINVAL with err if the
 * copy is inconsistent, -ENOMEM.
 */
int dmr_meta_load_finish(struct dmr_meta *m, const struct dmr_sb_info *sb,
			 struct dmr_index **ix, char *err, size_t errlen);
/*
 * The same in two halves, so that the index can be built in steps between
 * them (dmr_index_build_step on bld): check takes the superblock's
 * generation and begins the build, end completes it (-EINVAL on a main
 * block mapped twice). After a failed end, reset before loading again.
 */
int dmr_meta_load_check(struct dmr_meta *m, const struct dmr_sb_info *sb,
			struct dmr_index_builder *bld, char *err, size_t errlen);
int dmr_meta_load_end(struct dmr_meta *m, struct dmr_index_builder *bld,
		      struct dmr_index **ix, char *err, size_t errlen);
/* Compare a page on disk with memory: 0 if it validates and matches. */
int dmr_meta_compare_page(const struct dmr_meta *m, u32 index, const void *page,
			  char *err, size_t errlen);

/* Give main_block a spare block in state: 0 and *spare, or -ENOSPC. */
int dmr_meta_add(struct dmr_meta *m, u64 main_block, u32 state, u32 *spare);
/* REMAPPED <-> PENDING for the slot of spare. */
int dmr_meta_set_state(struct dmr_meta *m, u32 spare, u32 state);
/* Free the slot of spare (its main block goes back to main). */
int dmr_meta_remove(struct dmr_meta *m, u32 spare);
/* Mark spare bad; a main block it served loses it (the caller decides). */
int dmr_meta_set_bad(struct dmr_meta *m, u32 spare);

/*
 * Fill the free slot of spare with slot (REMAPPED or PENDING of a main
 * block, or BAD), as restoring a saved table does: the block is chosen by
 * the caller, not the allocator. A block in a metadata copy, one already
 * filled, a main block past the device end or another state is refused:
 * -EINVAL with err, nothing changed. A main block given twice is found when
 * the lookup index is built (dmr_index_build).
 */
int dmr_meta_set_slot(struct dmr_meta *m, u32 spare, u64 slot, char *err, size_t errlen);

bool dmr_meta_page_dirty(const struct dmr_meta *m, u32 index);
u32 dmr_meta_nr_dirty(const struct dmr_meta *m);
void dmr_meta_clean(struct dmr_meta *m);
void dmr_meta_dirty_all(struct dmr_meta *m);

/* Sector of the spare device where spare block b starts. */
static inline u64 dmr_spare_sector(const struct dmr_meta *m, u32 b)
{
	return m->geo.spare_start + (u64)b * (m->geo.block_size >> 9);
}

/* Sector of the spare device where copy c's page p starts (p 0: superblock). */
static inline u64 dmr_copy_page_sector(const struct dmr_meta *m, u32 c, u32 p)
{
	return dmr_spare_sector(m, (u32)m->place.start[c]) + (u64)p * (DMR_META_PAGE_SIZE >> 9);
}

#endif /* DMR_CORE_META_H */
