/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dm-remap: the state of one remap target and the interfaces between the
 * kernel-side files (target, metadata I/O, messages, debugfs).
 */
#ifndef DM_REMAP_H
#define DM_REMAP_H

#include <linux/device-mapper.h>
#include <linux/dm-io.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/percpu.h>
#include <linux/atomic.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/stringify.h>

#include "table.h"
#include "meta.h"
#include "store.h"
#include "report.h"

#define DM_MSG_PREFIX "remap"

/*
 * The target's version: the one place it is set. The Makefile reads these
 * three lines for dkms.conf and the install checks.
 */
#define DMR_VERSION_MAJOR 4
#define DMR_VERSION_MINOR 0
#define DMR_VERSION_PATCH 0
#define DMR_VERSION __stringify(DMR_VERSION_MAJOR.DMR_VERSION_MINOR.DMR_VERSION_PATCH)

/* Metadata mode, shown in status; in order: remap_degrade() only moves down. */
enum remap_mode {
	REMAP_RW,		/* metadata writable */
	REMAP_RO,		/* no metadata writes: read_only, or a copy failed */
	REMAP_FAIL,		/* a commit reached no copy */
};

/*
 * The auto-remap worker's batch (group commit): up to REMAP_BATCH bios,
 * taken while the batch holds fewer than REMAP_BATCH_BLOCKS blocks (the
 * batch's view of its own changes has one entry per block).
 */
#define REMAP_BATCH 128
#define REMAP_BATCH_BLOCKS 1024

/*
 * Ranges being moved (or left ambiguous by a failed commit): bios wait or
 * fail. One per bio of a batch; a manual remap never runs with a batch.
 */
#define REMAP_MAX_BUSY REMAP_BATCH

struct remap_busy {
	u64 first;		/* main blocks first..last */
	u64 last;
	bool failed;		/* commit failed: the blocks' place is unknown */
};

/* Per bio. */
struct remap_bio {
	bool counted;		/* in inflight[epoch] (see busy_wait()) */
	bool handled;		/* completed by the worker: end_io passes it on */
	bool to_spare;		/* mapped to its block's spare block */
	unsigned int epoch;
	blk_status_t error;	/* the failure the worker handles */
	ktime_t held_since;	/* when the worker got it */
	u64 block;		/* first main block */
	struct bvec_iter iter;	/* as mapped: the worker reads the data with it */
};

struct remap_pcpu {
	long inflight[2];	/* bios mapped in each epoch, not yet completed */
	u64 last_good[2];	/* main blocks this CPU last saw complete fine */
};

struct remap_held;

struct remap_c {
	struct dm_target *ti;
	struct dm_dev *main;
	struct dm_dev *spare;
	struct dmr_table table;
	unsigned int block_shift;	/* log2 of sectors per block */

	/* Metadata: changed only under lock; the index is read under RCU. */
	struct mutex lock;
	struct dmr_meta meta;
	struct dmr_index __rcu *index;
	struct dm_io_client *io_client;
	struct dmr_io io;
	/* Reads io started ahead (activation, check), oldest at ahead_first. */
	struct remap_read {
		struct completion done;
		unsigned long error_bits;
	} ahead[2];
	unsigned int ahead_first, ahead_count;
	enum remap_mode mode;
	struct dmr_load_report load;
	struct dmr_copy_info last_commit[DMR_MAX_COPIES];

	/* Blocks being moved; nr_busy is read without the lock in map. */
	spinlock_t busy_lock;
	unsigned int nr_busy;
	struct remap_busy *busy;	/* REMAP_MAX_BUSY entries */
	struct bio_list deferred;

	/* In-flight bios per epoch, to wait for those that may touch a block. */
	unsigned int epoch;
	struct remap_pcpu __percpu *pcpu;

	/* Automatic remapping (autoremap.c). */
	bool auto_remap;
	struct workqueue_struct *wq;
	struct work_struct work;
	spinlock_t work_lock;
	struct bio_list failed;		/* failed bios the worker handles */
	struct bio_list pending_writes;	/* writes to pending blocks */
	/* The worker's batch (REMAP_BATCH): a work item never runs twice at once. */
	struct remap_held *held;
	u64 good_reads[16];		/* pending blocks read fine from main */
	unsigned int nr_good_reads;
	bool low_spare;			/* below the threshold, event sent */
	bool spare_gone;		/* the spare's loss was logged */
	bool went_live;			/* resumed once: the metadata is its own */

	atomic64_t read_errors;
	atomic64_t write_errors;
	atomic64_t refused_bios;	/* would have gone into a metadata copy */
	atomic64_t manual_remaps;
	atomic64_t auto_remaps;
	atomic64_t path_errors;		/* passed through, no spare used */
	atomic64_t pending_cleared;
	/* Time from a failed write to its completion from the spare (worker only). */
	u64 remap_us_total;
	u64 remap_us_max;
	u64 remap_us_count;
	atomic64_t unremaps;
	atomic64_t commits;
	atomic64_t commit_failures;

	struct dentry *debugfs;
};

/* metadata.c */
int remap_meta_open(struct remap_c *rc, char **error);
int remap_meta_settle(struct remap_c *rc);
void remap_meta_close(struct remap_c *rc);
int remap_range(struct remap_c *rc, u64 first, u64 last, struct dmr_out *o);
int remap_unremap_block(struct remap_c *rc, u64 block, struct dmr_out *o);
int remap_commit(struct remap_c *rc, struct dmr_out *o);
u32 remap_check(struct remap_c *rc, struct dmr_out *o);
void remap_resubmit_deferred(struct remap_c *rc, struct bio_list *bios);
void remap_event(struct remap_c *rc, const char *what);

/* metadata.c, for autoremap.c */
int busy_insert(struct remap_c *rc, u64 first, u64 last);
void busy_wait(struct remap_c *rc);
void busy_end(struct remap_c *rc, u64 first, u64 last, bool failed);
void busy_drop(struct remap_c *rc, u64 first, u64 last, bool failed);
void busy_resubmit(struct remap_c *rc);
u32 commit_locked(struct remap_c *rc);
bool remap_degrade(struct remap_c *rc, enum remap_mode mode);
bool remap_spare_gone(struct remap_c *rc);
bool remap_spare_failing(struct remap_c *rc);
int remap_dm_io(struct remap_c *rc, struct block_device *bdev, blk_opf_t opf,
		u64 sector, void *buf, size_t bytes);
void publish_index(struct remap_c *rc, struct dmr_index *ix);

/* autoremap.c */
extern unsigned int remap_read_retries;
extern unsigned int remap_low_spare_percent;
extern bool remap_auto_default;
int remap_auto_init(struct remap_c *rc);
void remap_auto_exit(struct remap_c *rc);
int remap_io_error(struct remap_c *rc, struct bio *bio, blk_status_t error);
void remap_note_good_read(struct remap_c *rc, u64 first, struct bio *bio);
void remap_queue_pending_write(struct remap_c *rc, struct bio *bio);
void remap_check_low_spare(struct remap_c *rc);
void remap_note_spare_gone(struct remap_c *rc);

/* messages.c */
int remap_message(struct dm_target *ti, unsigned int argc, char **argv,
		  char *result, unsigned int maxlen);
void remap_show_stats(struct remap_c *rc, struct dmr_out *o);
void remap_show_reservation(struct remap_c *rc, struct dmr_out *o);
void remap_show_allocation_map(struct remap_c *rc, struct dmr_out *o);
void remap_show_metadata_locations(struct remap_c *rc, struct dmr_out *o);
void remap_show_list(struct remap_c *rc, u64 start, u64 count, struct dmr_out *o);

/* debugfs.c */
void remap_debugfs_add(struct remap_c *rc);
void remap_debugfs_remove(struct remap_c *rc);
int remap_debugfs_init(void);
void remap_debugfs_exit(void);

static inline const char *remap_mode_name(enum remap_mode m)
{
	return m == REMAP_RW ? "rw" : m == REMAP_RO ? "ro" : "fail";
}

/* A device that went away (hot-unplugged, deleted) fails everything with EIO. */
static inline bool remap_dev_gone(struct dm_dev *dev)
{
	struct gendisk *disk = dev->bdev->bd_disk;

	return test_bit(GD_DEAD, &disk->state) || !disk_live(disk);
}

/*
 * The mode to report: with the spare device gone no copy can be written
 * (or read) any more, even before a commit has tried and turned it `fail`
 * (the worker does that, logging why, however the loss was noticed).
 */
static inline enum remap_mode remap_mode_now(struct remap_c *rc)
{
	if (!remap_dev_gone(rc->spare))
		return READ_ONCE(rc->mode);
	remap_note_spare_gone(rc);
	return REMAP_FAIL;
}

static inline u64 remap_block_sector(struct remap_c *rc, u64 block)
{
	return block << rc->block_shift;
}

#endif /* DM_REMAP_H */
