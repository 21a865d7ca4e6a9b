/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading and writing the metadata copies: activation (choose the newest
 * valid copy, repair the others from it, format only an all-zero region),
 * the commit protocol, and verification of a copy against memory. The I/O
 * itself is the caller's (dm-io in the kernel, pread/pwrite in the tool), so
 * both run exactly this logic.
 *
 * Commit protocol: copy after copy, write the dirty slot pages, then the
 * superblock with the new generation, then flush, before touching the next
 * copy. While copy c is being written every other copy is intact at the old
 * or the new generation; a torn copy fails its page crcs or the superblock's
 * crc over them and is ignored at load.
 */
#ifndef DMR_CORE_STORE_H
#define DMR_CORE_STORE_H

#include "meta.h"

struct dmr_io {
	void *ctx;
	/* sector: of the spare device; bytes: a multiple of 4096. 0 or -errno. */
	int (*read)(void *ctx, u64 sector, void *buf, size_t bytes);
	int (*write)(void *ctx, u64 sector, const void *buf, size_t bytes);
	int (*flush)(void *ctx);
	/*
	 * Optional, so that activation reads ahead: start a read (0 or
	 * -errno), whether the oldest read started is still in flight, wait
	 * for it (its result). At most two are in flight, each into its own
	 * half of buf. Without them reads are synchronous.
	 */
	int (*read_start)(void *ctx, u64 sector, void *buf, size_t bytes);
	bool (*read_busy)(void *ctx);
	int (*read_wait)(void *ctx);
	void *buf;		/* scratch: buf_pages metadata pages, buf_pages >= 2 */
	u32 buf_pages;
};

enum dmr_copy_state {
	DMR_COPY_UNCHECKED,	/* not examined (load refused before it) */
	DMR_COPY_OK,		/* valid at the current generation */
	DMR_COPY_STALE,		/* valid at an older generation */
	DMR_COPY_BAD,		/* damaged, torn, or not dm-remap metadata */
	DMR_COPY_EMPTY,		/* all zeroes */
	DMR_COPY_IOERR,		/* could not be read */
	DMR_COPY_FAILED,	/* a write to it failed */
};

struct dmr_copy_info {
	enum dmr_copy_state state;
	u64 generation;		/* from its superblock, 0 if none */
	char why[112];		/* reason for BAD/IOERR/FAILED */
};

struct dmr_load_report {
	struct dmr_copy_info copy[DMR_MAX_COPIES];
	int chosen;		/* copy loaded from, -1 if formatted */
	bool formatted;
	bool unformatted;	/* empty region, format deferred (DMR_LOAD_DEFER_WRITES) */
	u64 newest;		/* newest generation of a valid superblock, loadable or not */
	u32 repaired;		/* bit c: copy c rewritten from the chosen one */
};

const char *dmr_copy_state_name(enum dmr_copy_state s);

#define DMR_LOAD_READ_ONLY 1U	/* never write: no format, no repair */
#define DMR_LOAD_NO_FORMAT 2U	/* repair, but refuse an empty region (dmremap repair) */
/*
 * Write nothing yet: an empty region (checked empty) loads as empty
 * metadata with rep->unformatted, copies to repair stay out of copies_ok;
 * dmr_store_finish() formats or repairs them later (the kernel: once the
 * table a reload replaces no longer writes).
 */
#define DMR_LOAD_DEFER_WRITES 4U

/*
 * Activate: m from dmr_meta_init(). On success m holds the newest valid
 * copy (or a fresh format), *ix its lookup index, m->copies_ok the copies
 * that hold it. -EINVAL (refused), -EIO, -ENOMEM with err.
 */
int dmr_store_load(struct dmr_meta *m, const struct dmr_io *io, unsigned int flags,
		   struct dmr_index **ix, struct dmr_load_report *rep,
		   char *err, size_t errlen);

/*
 * What a load with DMR_LOAD_DEFER_WRITES left: format the empty region (if
 * every copy's superblock is still zero, else -EINVAL), or rewrite every
 * copy not in m->copies_ok (a failed one is marked so in rep). 0, or -errno
 * with err.
 */
int dmr_store_finish(struct dmr_meta *m, const struct dmr_io *io, struct dmr_load_report *rep,
		     char *err, size_t errlen);

/*
 * Commit the dirty pages at generation + 1. Returns the number of copies
 * written intact (m->copies_ok says which); the new state is durable when
 * that is at least 1. A failed copy gets its reason in rep if not NULL.
 */
u32 dmr_store_commit(struct dmr_meta *m, const struct dmr_io *io,
		     struct dmr_copy_info *rep);

/*
 * Format: empty metadata committed to every copy at generation 1, what
 * activation writes into an all-zero region. Returns the copies written, as
 * dmr_store_commit.
 */
u32 dmr_store_format(struct dmr_meta *m, const struct dmr_io *io, struct dmr_copy_info *rep);

/*
 * The first sector of the spare region holding a non-zero byte in *sector,
 * the region's end if it is all zeroes. 0 or the read's -errno.
 */
int dmr_store_first_data(const struct dmr_meta *m, const struct dmr_io *io, u64 *sector);

/*
 * The newest generation a valid superblock of any readable copy names (0 if
 * none): newer than the load's rep->newest when another writer (the table
 * a reload replaces) committed after m was loaded.
 */
u64 dmr_store_newest(const struct dmr_meta *m, const struct dmr_io *io);

/* Write copy c in full at the current generation and flush. 0 or -errno. */
int dmr_store_write_copy(struct dmr_meta *m, const struct dmr_io *io, u32 c);

/* Read copy c back and compare it with memory. */
void dmr_store_verify_copy(const struct dmr_meta *m, const struct dmr_io *io, u32 c,
			   struct dmr_copy_info *info);

#endif /* DMR_CORE_STORE_H */
