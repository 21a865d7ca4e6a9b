// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: the metadata of a target in the kernel. The format, the copy
 * selection and the commit protocol are the shared core's (core/store.c);
 * this file gives them dm-io on the spare device, and moves
 * blocks between main and spare with the I/O path held off those blocks.
 */
#include <linux/vmalloc.h>
#include <linux/delay.h>
#include <linux/rcupdate.h>

#include "dm-remap.h"
#include "check.h"

/* 1 MiB of scratch: activation reads a copy in runs of half this size, one ahead. */
#define REMAP_IO_PAGES 256

static void set_mem(struct dm_io_request *req, void *buf)
{
	/*
	 * kvmalloc'ed buffers may be either kind: DM_IO_VMA maps pages with
	 * vmalloc_to_page(), which is only defined for vmalloc addresses.
	 */
	if (is_vmalloc_addr(buf)) {
		req->mem.type = DM_IO_VMA;
		req->mem.ptr.vma = buf;
	} else {
		req->mem.type = DM_IO_KMEM;
		req->mem.ptr.addr = buf;
	}
}

int remap_dm_io(struct remap_c *rc, struct block_device *bdev, blk_opf_t opf,
		u64 sector, void *buf, size_t bytes)
{
	struct dm_io_region where = {
		.bdev = bdev,
		.sector = sector,
		.count = bytes >> SECTOR_SHIFT,
	};
	struct dm_io_request req = {
		.bi_opf = opf | REQ_SYNC,
		.client = rc->io_client,
	};
	unsigned long error_bits = 0;
	int r;

	set_mem(&req, buf);
	r = dm_io(&req, 1, &where, &error_bits, IOPRIO_DEFAULT);
	if (!r && error_bits)
		r = -EIO;
	return r;
}

static void spare_read_done(unsigned long error_bits, void *context)
{
	struct remap_read *rd = context;

	rd->error_bits = error_bits;
	complete(&rd->done);
}

/*
 * Reads started ahead, so that activation checks one run of metadata pages
 * while the next is read: at most two, completed oldest first.
 */
static int spare_read_start(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct remap_c *rc = ctx;
	struct remap_read *rd = &rc->ahead[(rc->ahead_first + rc->ahead_count) % 2];
	struct dm_io_region where = {
		.bdev = rc->spare->bdev,
		.sector = sector,
		.count = bytes >> SECTOR_SHIFT,
	};
	struct dm_io_request req = {
		.bi_opf = REQ_OP_READ | REQ_SYNC,
		.notify.fn = spare_read_done,
		.notify.context = rd,
		.client = rc->io_client,
	};
	int r;

	if (WARN_ON_ONCE(rc->ahead_count == ARRAY_SIZE(rc->ahead)))
		return -EBUSY;
	init_completion(&rd->done);
	rd->error_bits = 0;
	set_mem(&req, buf);
	r = dm_io(&req, 1, &where, NULL, IOPRIO_DEFAULT);
	if (!r)
		rc->ahead_count++;
	return r;
}

static bool spare_read_busy(void *ctx)
{
	struct remap_c *rc = ctx;

	return !completion_done(&rc->ahead[rc->ahead_first].done);
}

static int spare_read_wait(void *ctx)
{
	struct remap_c *rc = ctx;
	struct remap_read *rd = &rc->ahead[rc->ahead_first];

	if (WARN_ON_ONCE(!rc->ahead_count))
		return -EINVAL;
	wait_for_completion_io(&rd->done);
	rc->ahead_first = (rc->ahead_first + 1) % ARRAY_SIZE(rc->ahead);
	rc->ahead_count--;
	return rd->error_bits ? -EIO : 0;
}

static int spare_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct remap_c *rc = ctx;

	return remap_dm_io(rc, rc->spare->bdev, REQ_OP_READ, sector, buf, bytes);
}

static int spare_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	struct remap_c *rc = ctx;

	return remap_dm_io(rc, rc->spare->bdev, REQ_OP_WRITE, sector, (void *)buf, bytes);
}

static int spare_flush(void *ctx)
{
	struct remap_c *rc = ctx;

	return blkdev_issue_flush(rc->spare->bdev);
}

/* The mode and the log lines for what a load found. */
static void meta_loaded(struct remap_c *rc)
{
	unsigned int c;

	/*
	 * Never back from `fail` (the spare went away before the resume).
	 * Read-only: the table says so, features this module may not write,
	 * or a copy that could not be repaired (keep going, write no more).
	 */
	if (rc->mode != REMAP_FAIL)
		rc->mode = rc->table.read_only ||
			   (rc->meta.compat_ro & ~DMR_COMPAT_RO_SUPPORTED) ||
			   hweight32(rc->meta.copies_ok) < rc->meta.place.copies ?
			   REMAP_RO : REMAP_RW;
	if (rc->load.formatted)
		DMINFO("formatted spare region: %u copies of %llu blocks (%s placement)",
		       rc->meta.place.copies, (unsigned long long)rc->meta.place.copy_blocks,
		       rc->meta.place.strategy);
	for (c = 0; c < rc->meta.place.copies; c++) {
		struct dmr_copy_info *ci = &rc->load.copy[c];

		if (rc->load.repaired & (1U << c) && rc->load.chosen < 0)
			DMWARN("metadata copy %u, which the format missed, written", c);
		else if (rc->load.repaired & (1U << c))
			DMWARN("metadata copy %u was %s, repaired from copy %d%s%s", c,
			       ci->why[0] ? "damaged or stale" : "stale", rc->load.chosen,
			       ci->why[0] ? ": " : "", ci->why);
		else if (ci->state != DMR_COPY_OK)
			DMWARN("metadata copy %u is %s%s%s", c, dmr_copy_state_name(ci->state),
			       ci->why[0] ? ": " : "", ci->why);
	}
	/* Said once: a resume retried after another target failed says no more. */
	rc->load.formatted = false;
	rc->load.repaired = 0;
}

/*
 * Lay out m for this table and load the spare region into it
 * (dmr_store_load() with flags, and read_only's). On error m is destroyed
 * and err says why.
 */
static int meta_read(struct remap_c *rc, struct dmr_meta *m, unsigned int flags,
		     struct dmr_index **ix, struct dmr_load_report *rep, char *err, size_t len)
{
	struct dmr_geometry geo = {
		.main_len = rc->ti->len,
		.spare_start = rc->table.spare_start,
		.spare_len = rc->table.spare_len,
		.block_size = rc->table.block_size,
	};
	int r = dmr_meta_init(m, &geo, err, len);

	if (!r)
		r = dmr_store_load(m, &rc->io, flags |
				   (rc->table.read_only ? DMR_LOAD_READ_ONLY : 0), ix, rep, err, len);
	if (r)
		dmr_meta_destroy(m);
	return r;
}

int remap_meta_open(struct remap_c *rc, char **error)
{
	char err[256];
	struct dmr_index *ix;
	int r;

	rc->io_client = dm_io_client_create();
	if (IS_ERR(rc->io_client)) {
		r = PTR_ERR(rc->io_client);
		rc->io_client = NULL;
		*error = "Cannot create dm-io client";
		return r;
	}
	rc->io.ctx = rc;
	rc->io.read = spare_read;
	rc->io.write = spare_write;
	rc->io.flush = spare_flush;
	rc->io.read_start = spare_read_start;
	rc->io.read_busy = spare_read_busy;
	rc->io.read_wait = spare_read_wait;
	rc->io.buf_pages = REMAP_IO_PAGES;
	rc->io.buf = vmalloc(REMAP_IO_PAGES * DMR_META_PAGE_SIZE);
	if (!rc->io.buf) {
		*error = "Cannot allocate metadata buffer";
		return -ENOMEM;
	}
	/*
	 * A reload's constructor runs while the table it replaces is live and
	 * may be committing: read, check and refuse here, but format and
	 * repair only in the first preresume (remap_meta_settle()). The reason
	 * is logged here: ti->error must outlive the target, and constructors
	 * of other devices run at the same time.
	 */
	r = meta_read(rc, &rc->meta, DMR_LOAD_DEFER_WRITES, &ix, &rc->load, err, sizeof(err));
	if (r) {
		DMERR("%s", err);
		*error = "Cannot load the spare region's metadata (reason above)";
		return r;
	}
	RCU_INIT_POINTER(rc->index, ix);
	rc->mode = REMAP_RO;	/* until the first resume settles it */
	return 0;
}

/*
 * Before the table goes live for the first time; the table a reload
 * replaces is suspended by now and writes no more. That table may have
 * committed (messages, automatic remaps) after this one's constructor read
 * the metadata: if a superblock on disk is newer than what was read, read
 * it all again, into new memory, and take it only if that works. Otherwise
 * format or repair what the constructor found. On error the resume fails:
 * a table never goes live with a stale table of remaps.
 */
int remap_meta_settle(struct remap_c *rc)
{
	const char *name = dm_device_name(dm_table_get_md(rc->ti->table));
	struct dmr_load_report *load;
	struct dmr_meta fresh;
	struct dmr_index *ix;
	unsigned int noio;
	char err[256];
	u64 newest;
	int r;

	mutex_lock(&rc->lock);
	noio = memalloc_noio_save();
	/*
	 * What the load saw: the copy it took, or a newer superblock whose
	 * copy did not validate (a commit cut short), which the repair below
	 * rewrites.
	 */
	newest = dmr_store_newest(&rc->meta, &rc->io);
	if (newest <= max(rc->meta.generation, rc->load.newest)) {
		r = rc->table.read_only ? 0 : dmr_store_finish(&rc->meta, &rc->io, &rc->load,
							       err, sizeof(err));
		if (r)
			DMERR("%s: %s", name, err);
		else
			meta_loaded(rc);
		goto out;
	}
	r = -ENOMEM;
	load = kmalloc(sizeof(*load), GFP_KERNEL);
	if (!load)
		goto out;
	r = meta_read(rc, &fresh, DMR_LOAD_NO_FORMAT, &ix, load, err, sizeof(err));
	if (r) {
		DMERR("%s: the metadata changed on disk (generation %llu, read %llu) and cannot be read again: %s",
		      name, newest, rc->meta.generation, err);
	} else {
		DMINFO("%s: metadata committed by the replaced table after this one was loaded: generation %llu read again (was %llu), %u remapped, %u pending",
		       name, fresh.generation, rc->meta.generation, fresh.nr_remapped,
		       fresh.nr_pending);
		swap(rc->meta, fresh);
		rc->load = *load;
		publish_index(rc, ix);
		meta_loaded(rc);
		dmr_meta_destroy(&fresh);
	}
	kfree(load);
out:
	memalloc_noio_restore(noio);
	mutex_unlock(&rc->lock);
	return r;
}

void remap_meta_close(struct remap_c *rc)
{
	dmr_index_free(rcu_dereference_protected(rc->index, true));
	dmr_meta_destroy(&rc->meta);
	vfree(rc->io.buf);
	if (rc->io_client)
		dm_io_client_destroy(rc->io_client);
}

/* Publish a new index; readers of the old one finish before it is freed. */
void publish_index(struct remap_c *rc, struct dmr_index *ix)
{
	struct dmr_index *old = rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock));

	rcu_assign_pointer(rc->index, ix);
	if (old)
		kvfree_rcu(old, rcu);
}

static bool find_entry(struct remap_c *rc, u64 block, struct dmr_index_entry *e)
{
	struct dmr_index *ix = rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock));

	return dmr_index_lookup(ix, block, e);
}

static long inflight(struct remap_c *rc, unsigned int epoch)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(rc->pcpu, cpu)->inflight[epoch]);
	return sum;
}

/*
 * Hold bios off main blocks first..last (busy_insert): from here on map
 * defers them. Then wait for the bios already mapped, which may still be on
 * their way there (busy_wait): switch epochs, wait a grace period, and wait
 * for the old epoch to drain.
 */
int busy_insert(struct remap_c *rc, u64 first, u64 last)
{
	spin_lock_irq(&rc->busy_lock);
	if (rc->nr_busy == REMAP_MAX_BUSY) {
		spin_unlock_irq(&rc->busy_lock);
		return -EBUSY;
	}
	rc->busy[rc->nr_busy].first = first;
	rc->busy[rc->nr_busy].last = last;
	rc->busy[rc->nr_busy].failed = false;
	smp_store_release(&rc->nr_busy, rc->nr_busy + 1);
	spin_unlock_irq(&rc->busy_lock);
	return 0;
}

void busy_wait(struct remap_c *rc)
{
	unsigned int old;

	old = rc->epoch;
	/*
	 * Released after the busy entries (busy_insert): a map that reads the
	 * new epoch (acquire, before its busy check) sees them, so every map
	 * that missed them counts its bio in the old epoch. Each map is one RCU
	 * reader from the epoch read to the count: after the grace period no
	 * count in the old epoch goes up any more, so the sum, read CPU by CPU,
	 * can only overstate what is left (a bio counted on one CPU may end on
	 * another), and 0 means drained.
	 */
	smp_store_release(&rc->epoch, !old);
	synchronize_rcu();
	while (inflight(rc, old) > 0)
		msleep(1);
}

static int busy_add(struct remap_c *rc, u64 first, u64 last)
{
	int r = busy_insert(rc, first, last);

	if (!r)
		busy_wait(rc);
	return r;
}

/*
 * End the range starting at first: bios to it may go again (or fail from now
 * on). Those that waited go once busy_resubmit() is called: a batch ends all
 * its ranges first, so that none is mapped again only to wait again.
 */
void busy_drop(struct remap_c *rc, u64 first, u64 last, bool failed)
{
	unsigned int i;

	spin_lock_irq(&rc->busy_lock);
	/*
	 * Bios of one batch may cover the same blocks, one entry each: a
	 * failed entry stays, so each call takes one that has not failed.
	 * Both ends match: a short range must not end a longer one that
	 * starts at the same block.
	 */
	for (i = 0; i < rc->nr_busy; i++)
		if (rc->busy[i].first == first && rc->busy[i].last == last &&
		    !rc->busy[i].failed)
			break;
	if (i < rc->nr_busy) {
		if (failed) {
			rc->busy[i].failed = true;
		} else {
			rc->busy[i] = rc->busy[rc->nr_busy - 1];
			smp_store_release(&rc->nr_busy, rc->nr_busy - 1);
		}
	}
	spin_unlock_irq(&rc->busy_lock);
}

void busy_resubmit(struct remap_c *rc)
{
	struct bio_list bios;

	bio_list_init(&bios);
	spin_lock_irq(&rc->busy_lock);
	bio_list_merge(&bios, &rc->deferred);
	bio_list_init(&rc->deferred);
	spin_unlock_irq(&rc->busy_lock);
	remap_resubmit_deferred(rc, &bios);
}

void busy_end(struct remap_c *rc, u64 first, u64 last, bool failed)
{
	busy_drop(rc, first, last, failed);
	busy_resubmit(rc);
}

/*
 * Turn the device `ro` or `fail`, raising the mode event if that changes
 * it. Only ever down (rw, ro, fail): never back from `fail`, where the
 * blocks of a failed commit live is unknown. Lock held; true if changed.
 */
bool remap_degrade(struct remap_c *rc, enum remap_mode mode)
{
	lockdep_assert_held(&rc->lock);
	if (mode <= rc->mode)
		return false;
	WRITE_ONCE(rc->mode, mode);
	remap_event(rc, "mode");
	return true;
}

/*
 * The spare device is gone (hot-unplugged, deleted): no copy can be written
 * and no block on it read, so the device turns `fail`, once, saying why.
 * Its errors are not the medium's: no spare block is marked bad for them.
 */
bool remap_spare_gone(struct remap_c *rc)
{
	lockdep_assert_held(&rc->lock);
	if (!remap_dev_gone(rc->spare))
		return false;
	/*
	 * A commit may have failed (and turned the device `fail`) while the
	 * disk was being removed, before it was marked gone: say why anyway.
	 */
	if (!rc->spare_gone) {
		WRITE_ONCE(rc->spare_gone, true);
		DMERR("%s: spare device is gone: no metadata can be written, remapped blocks fail I/O; device is now fail",
		      dm_device_name(dm_table_get_md(rc->ti->table)));
	}
	remap_degrade(rc, REMAP_FAIL);
	return true;
}

/*
 * A spare block failed a write: is it that block, or the spare as a whole
 * (gone, or serving not even a metadata copy's first block; a disk being
 * removed fails I/O for a while before it is marked gone)? Only a block of
 * a working spare is marked bad. Lock held.
 */
bool remap_spare_failing(struct remap_c *rc)
{
	u32 bs = rc->table.block_size, c;
	bool failing = true;
	void *buf;

	if (remap_spare_gone(rc))
		return true;
	buf = vmalloc(bs);
	if (!buf)
		return false;
	for (c = 0; c < rc->meta.place.copies && failing; c++)
		failing = remap_dm_io(rc, rc->spare->bdev, REQ_OP_READ,
				      dmr_spare_sector(&rc->meta, (u32)rc->meta.place.start[c]),
				      buf, bs) != 0;
	vfree(buf);
	if (failing)
		DMERR_LIMIT("%s: the spare device fails as a whole: no spare block is marked bad",
			    dm_device_name(dm_table_get_md(rc->ti->table)));
	return failing || remap_spare_gone(rc);
}

u32 commit_locked(struct remap_c *rc)
{
	u32 ok;

	atomic64_inc(&rc->commits);
	if (remap_spare_gone(rc)) {
		atomic64_inc(&rc->commit_failures);
		return 0;
	}
	ok = dmr_store_commit(&rc->meta, &rc->io, rc->last_commit);
	if (ok < rc->meta.place.copies) {
		atomic64_inc(&rc->commit_failures);
		remap_degrade(rc, ok ? REMAP_RO : REMAP_FAIL);
		DMERR("%s: metadata commit reached %u of %u copies; device is now %s",
		      dm_device_name(dm_table_get_md(rc->ti->table)), ok,
		      rc->meta.place.copies, remap_mode_name(rc->mode));
	}
	return ok;
}

static int writable(struct remap_c *rc, struct dmr_out *o)
{
	/*
	 * A reload's table is live from the swap on, but until its first
	 * resume it may hold what the replaced table has changed since
	 * (remap_meta_settle): a commit then would mix the two.
	 */
	if (!READ_ONCE(rc->went_live)) {
		dmr_out(o, "error: the table has not been resumed yet\n");
		return -EAGAIN;
	}
	remap_spare_gone(rc);
	if (rc->mode == REMAP_RW)
		return 0;
	dmr_out(o, "error: metadata is %s%s\n", remap_mode_name(rc->mode),
		rc->table.read_only ? " (table option read_only)" : "");
	return -EROFS;
}

/* One chunk of a remap: main blocks read together, then each to its spare block. */
struct remap_job {
	u64 first, last;
	u32 *added;		/* spare blocks given in this job, for undo */
	u32 nr_added;
	u32 max_added;
	u32 remapped, pending, already;
	u32 spare_b;		/* spare block of the last block handled */
	int read_error;		/* of the last block handled */
};

static int remap_one(struct remap_c *rc, struct remap_job *job, u64 block, void *data,
		     int read_error)
{
	u32 b;
	int r = -EIO, tries;

	/* A spare block that fails the write is marked bad; try another. */
	for (tries = 0; tries < 8; tries++) {
		/* Room for every block and 64 bad ones: past that, give up. */
		if (job->nr_added == job->max_added)
			return -EIO;
		r = dmr_meta_add(&rc->meta, block, read_error ? DMR_SLOT_PENDING :
				 DMR_SLOT_REMAPPED, &b);
		if (r)
			return r;
		job->added[job->nr_added++] = b;
		if (read_error)
			break;
		r = remap_dm_io(rc, rc->spare->bdev, REQ_OP_WRITE, dmr_spare_sector(&rc->meta, b),
				data, rc->table.block_size);
		if (!r)
			break;
		if (remap_spare_failing(rc))
			return -ENODEV;
		DMWARN("spare block %u failed (error %d), marked bad", b, r);
		dmr_meta_set_bad(&rc->meta, b);
	}
	if (r)
		return r;
	job->spare_b = b;
	job->read_error = read_error;
	if (read_error)
		job->pending++;
	else
		job->remapped++;
	return 0;
}

/* Copy every unmapped block of the job to a spare block; not yet durable. */
static int remap_copy(struct remap_c *rc, struct remap_job *job, const struct dmr_index *ix)
{
	u32 bs = rc->table.block_size, per_chunk = rc->io.buf_pages * DMR_META_PAGE_SIZE / bs;
	u64 c, b, n;
	int r, read_error;
	u8 *data;

	for (c = job->first; c <= job->last; c += n) {
		n = min_t(u64, per_chunk, job->last - c + 1);
		/* One read for the chunk; if it fails, block by block to find which. */
		read_error = remap_dm_io(rc, rc->main->bdev, REQ_OP_READ, remap_block_sector(rc, c),
					 rc->io.buf, n * bs);
		for (b = c; b < c + n; b++) {
			if (dmr_index_find(ix, b, b) != DMR_INDEX_NONE) {
				job->already++;
				continue;
			}
			data = (u8 *)rc->io.buf + (b - c) * bs;
			r = read_error ? remap_dm_io(rc, rc->main->bdev, REQ_OP_READ,
						     remap_block_sector(rc, b), data, bs) : 0;
			r = remap_one(rc, job, b, data, r);
			if (r)
				return r;
		}
	}
	return 0;
}

static void remap_undo(struct remap_c *rc, struct remap_job *job)
{
	u32 i;

	/* Blocks found bad stay bad; the others go back to the allocator. */
	for (i = 0; i < job->nr_added; i++)
		if (dmr_slot_state(rc->meta.slots[job->added[i]]) != DMR_SLOT_BAD)
			dmr_meta_remove(&rc->meta, job->added[i]);
	if (dmr_meta_nr_dirty(&rc->meta))
		commit_locked(rc);
}

int remap_range(struct remap_c *rc, u64 first, u64 last, struct dmr_out *o)
{
	struct remap_job job = { .first = first, .last = last };
	struct dmr_index *ix, *nix;
	struct dmr_index_entry e;
	u64 b, need = 0, mapped, dup;
	int r;

	mutex_lock(&rc->lock);
	ix = rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock));
	r = writable(rc, o);
	if (r)
		goto out;
	/*
	 * At most every mapped block lies in the range: a range larger than
	 * that and the free space is refused before counting it block by
	 * block, which then stays bounded by the spare region's size.
	 */
	mapped = rc->meta.nr_remapped + rc->meta.nr_pending;
	if (last - first + 1 > (u64)dmr_alloc_free(&rc->meta.alloc) + mapped) {
		dmr_out(o, "error: no spare space: at least %llu blocks to remap, %u free\n",
			last - first + 1 - mapped, dmr_alloc_free(&rc->meta.alloc));
		r = -ENOSPC;
		goto out;
	}
	for (b = first; b <= last; b++) {
		if (dmr_index_find(ix, b, b) == DMR_INDEX_NONE)
			need++;
		if (!(b & 0xffff))
			cond_resched();
	}
	if (first == last && dmr_index_lookup(ix, first, &e)) {
		dmr_out(o, "error: sector %llu is already %s\n", remap_block_sector(rc, first),
			e.state == DMR_SLOT_REMAPPED ? "remapped" : "pending");
		r = -EEXIST;
		goto out;
	}
	if (need > dmr_alloc_free(&rc->meta.alloc)) {
		dmr_out(o, "error: no spare space: %llu blocks to remap, %u free\n",
			need, dmr_alloc_free(&rc->meta.alloc));
		r = -ENOSPC;
		goto out;
	}
	if (!need) {
		dmr_out(o, "remapped=0 pending=0 already=%llu\n", last - first + 1);
		goto out;
	}
	/* Room for the blocks, and for some found bad along the way. */
	job.max_added = need + 64;
	job.added = kvmalloc_array(job.max_added, sizeof(u32), DMR_GFP_LARGE);
	if (!job.added) {
		dmr_out(o, "error: out of memory\n");
		r = -ENOMEM;
		goto out;
	}
	r = busy_add(rc, first, last);
	if (r) {
		dmr_out(o, "error: too many ranges being moved\n");
		goto out_free;
	}
	r = remap_copy(rc, &job, ix);
	if (r == -ENOSPC) {
		dmr_out(o, "error: no spare space (spare blocks failed on the way)\n");
		goto out_undo;
	}
	if (r == -ENODEV) {
		dmr_out(o, "error: the spare device fails as a whole or is gone\n");
		goto out_undo;
	}
	if (r) {
		dmr_out(o, "error: spare writes keep failing (error %d)\n", r);
		goto out_undo;
	}
	/* The data is durable before any metadata names it. */
	r = blkdev_issue_flush(rc->spare->bdev);
	if (r) {
		dmr_out(o, "error: flushing the spare failed (error %d)\n", r);
		goto out_undo;
	}
	r = dmr_index_build(rc->meta.slots, rc->meta.nr_blocks,
			    rc->meta.nr_remapped + rc->meta.nr_pending, &nix, &dup);
	if (r) {
		dmr_out(o, "error: out of memory\n");
		r = -ENOMEM;
		goto out_undo;
	}
	if (!commit_locked(rc)) {
		dmr_index_free(nix);
		dmr_out(o, "error: metadata commit failed on every copy (%s); sectors %llu-%llu now fail I/O\n",
			rc->last_commit[0].why, remap_block_sector(rc, first),
			remap_block_sector(rc, last + 1) - 1);
		busy_end(rc, first, last, true);
		r = -EIO;
		goto out_free;
	}
	publish_index(rc, nix);
	atomic64_add(job.remapped + job.pending, &rc->manual_remaps);
	remap_check_low_spare(rc);
	if (first != last)
		dmr_out(o, "remapped=%u pending=%u already=%u\n", job.remapped, job.pending,
			job.already);
	else if (job.read_error)
		dmr_out(o, "pending sector=%llu spare_sector=%llu: main read failed (error %d)\n",
			remap_block_sector(rc, first), dmr_spare_sector(&rc->meta, job.spare_b),
			job.read_error);
	else
		dmr_out(o, "remapped sector=%llu spare_sector=%llu\n", remap_block_sector(rc, first),
			dmr_spare_sector(&rc->meta, job.spare_b));
	remap_event(rc, "remap");
	r = 0;
	goto out_busy;

out_undo:
	remap_undo(rc, &job);
out_busy:
	busy_end(rc, first, last, false);
out_free:
	kvfree(job.added);
out:
	mutex_unlock(&rc->lock);
	return r;
}

/* Write block's data back to main and read it back to verify. */
static int move_to_main(struct remap_c *rc, u64 block, u32 b)
{
	size_t bs = rc->table.block_size;
	u8 *data = rc->io.buf, *check = data + DMR_META_PAGE_SIZE;
	u64 sector = remap_block_sector(rc, block);
	int r;

	r = remap_dm_io(rc, rc->spare->bdev, REQ_OP_READ, dmr_spare_sector(&rc->meta, b), data, bs);
	if (r)
		return r;
	r = remap_dm_io(rc, rc->main->bdev, REQ_OP_WRITE, sector, data, bs);
	if (!r)
		r = blkdev_issue_flush(rc->main->bdev);
	if (!r)
		r = remap_dm_io(rc, rc->main->bdev, REQ_OP_READ, sector, check, bs);
	if (!r && memcmp(data, check, bs))
		r = -EILSEQ;
	return r;
}

int remap_unremap_block(struct remap_c *rc, u64 block, struct dmr_out *o)
{
	u64 sector = remap_block_sector(rc, block);
	struct dmr_index_entry e;
	struct dmr_index *ix;
	u32 b, state;
	int r;

	mutex_lock(&rc->lock);
	r = writable(rc, o);
	if (r)
		goto out;
	if (!find_entry(rc, block, &e)) {
		dmr_out(o, "error: sector %llu is not remapped\n", sector);
		r = -ENOENT;
		goto out;
	}
	b = e.spare_block;
	state = e.state;
	ix = dmr_index_update(rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock)),
			      &e, true);
	if (!ix) {
		dmr_out(o, "error: out of memory\n");
		r = -ENOMEM;
		goto out;
	}
	r = busy_add(rc, block, block);
	if (r) {
		dmr_index_free(ix);
		dmr_out(o, "error: too many blocks being moved\n");
		goto out;
	}
	/* A pending block's data never reached the spare: nothing to move. */
	if (state == DMR_SLOT_REMAPPED) {
		r = move_to_main(rc, block, b);
		if (r) {
			dmr_index_free(ix);
			dmr_out(o, "error: writing sector %llu back to main failed (error %d); it stays remapped\n",
				sector, r);
			goto out_busy;
		}
	}
	dmr_meta_remove(&rc->meta, b);
	if (!commit_locked(rc)) {
		dmr_index_free(ix);
		dmr_out(o, "error: metadata commit failed on every copy (%s); sector %llu now fails I/O\n",
			rc->last_commit[0].why, sector);
		busy_end(rc, block, block, true);
		r = -EIO;
		goto out;
	}
	publish_index(rc, ix);
	atomic64_inc(&rc->unremaps);
	dmr_out(o, "unremapped sector=%llu\n", sector);
	remap_event(rc, "unremap");
out_busy:
	busy_end(rc, block, block, false);
out:
	mutex_unlock(&rc->lock);
	return r;
}

int remap_commit(struct remap_c *rc, struct dmr_out *o)
{
	int r;

	mutex_lock(&rc->lock);
	r = writable(rc, o);
	if (!r) {
		if (commit_locked(rc)) {
			dmr_out(o, "generation=%llu\n", (unsigned long long)rc->meta.generation);
		} else {
			dmr_out(o, "error: metadata commit failed on every copy (%s)\n",
				rc->last_commit[0].why);
			r = -EIO;
		}
	}
	mutex_unlock(&rc->lock);
	return r;
}

/* Every invariant in memory, then every copy on disk against memory. */
u32 remap_check(struct remap_c *rc, struct dmr_out *o)
{
	struct dmr_copy_info ci;
	struct dmr_index *ix;
	u32 c, n;

	mutex_lock(&rc->lock);
	ix = rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock));
	n = dmr_meta_check(&rc->meta, ix, o);
	if (remap_spare_gone(rc)) {
		n++;
		dmr_out(o, "the spare device is gone\n");
	}
	for (c = 0; c < rc->meta.place.copies; c++) {
		dmr_store_verify_copy(&rc->meta, &rc->io, c, &ci);
		if (ci.state != DMR_COPY_OK) {
			n++;
			dmr_out(o, "metadata copy %u is %s: %s\n", c,
				dmr_copy_state_name(ci.state), ci.why);
		}
	}
	if (atomic64_read(&rc->refused_bios)) {
		n++;
		dmr_out(o, "%lld bios were refused on their way into a metadata copy\n",
			(long long)atomic64_read(&rc->refused_bios));
	}
	mutex_unlock(&rc->lock);
	return n;
}
