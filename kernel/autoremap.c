// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: automatic remapping, the error state machine of SPEC section 4.
 *
 * end_io hands bios that failed with a media error to a per-device worker
 * (DM_ENDIO_INCOMPLETE); so does map for writes to a pending block. The
 * worker takes the blocks of every bio it holds off the I/O path (busy
 * ranges), narrows each failure to the blocks that really fail, moves data
 * to spare blocks, flushes the spare once, commits the metadata once for
 * the whole batch (group commit), publishes, and only then completes the
 * bios: nothing is acknowledged that is not on disk.
 *
 *  write error on main   retry the block on main; if it fails again, give
 *                        it a spare block holding the new data (REMAPPED)
 *  read error on main    retry up to read_retries times; if it still fails,
 *                        the bio fails and the block becomes PENDING
 *  write to PENDING      the data goes to its spare block: REMAPPED
 *  good read of PENDING  the block is readable again: back to OK
 *  write error on spare  the spare block becomes BAD, the data goes to
 *                        another spare block
 *  read error on spare   retried; if it persists the bio fails and the block
 *                        stays where it is (no stale data is ever returned);
 *                        the next write moves it
 *  path errors (timeout, transport, offline, ..., or any error from a device
 *  that is gone) pass through unchanged. Many real path failures reach us as
 *  plain IOERR (SCSI transport errors and timeouts after error recovery, an
 *  offline disk): before a batch consumes spare, the worker reads a main
 *  block that completed fine a moment ago (outside the failing bios); if that
 *  fails too, the whole device is failing, not its medium, and the batch's
 *  errors pass through as path errors.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/workqueue.h>

#include "dm-remap.h"

bool remap_auto_default = true;
module_param_named(auto_remap, remap_auto_default, bool, 0644);
MODULE_PARM_DESC(auto_remap, "Remap on I/O errors for tables without no_auto_remap (default: Y)");

unsigned int remap_read_retries = 3;
unsigned int remap_low_spare_percent = 10;

static int set_bounded(const char *val, const struct kernel_param *kp, unsigned int max)
{
	unsigned int v;
	int r = kstrtouint(val, 10, &v);

	if (r)
		return r;
	if (v > max)
		return -ERANGE;
	*(unsigned int *)kp->arg = v;
	return 0;
}

static int set_read_retries(const char *val, const struct kernel_param *kp)
{
	return set_bounded(val, kp, 16);
}

static int set_low_spare(const char *val, const struct kernel_param *kp)
{
	return set_bounded(val, kp, 100);
}

static const struct kernel_param_ops read_retries_ops = {
	.set = set_read_retries,
	.get = param_get_uint,
};

static const struct kernel_param_ops low_spare_ops = {
	.set = set_low_spare,
	.get = param_get_uint,
};

module_param_cb(read_retries, &read_retries_ops, &remap_read_retries, 0644);
MODULE_PARM_DESC(read_retries, "Reads of a failing block before it is declared pending (0-16, default 3)");
module_param_cb(low_spare_percent, &low_spare_ops, &remap_low_spare_percent, 0644);
MODULE_PARM_DESC(low_spare_percent, "Free spare below this percentage raises a dm event (0-100, default 10)");

/* Media errors consume spare; every other status is the path's and passes. */
static bool media_error(blk_status_t s)
{
	return s == BLK_STS_IOERR || s == BLK_STS_MEDIUM || s == BLK_STS_PROTECTION;
}

static void kick(struct remap_c *rc)
{
	queue_work(rc->wq, &rc->work);
}

/*
 * The spare device is gone: the worker turns the device `fail`, logs why and
 * raises the event (this runs in map, end_io and status: no lock, no sleep).
 */
void remap_note_spare_gone(struct remap_c *rc)
{
	if (!READ_ONCE(rc->spare_gone))
		kick(rc);
}

int remap_io_error(struct remap_c *rc, struct bio *bio, blk_status_t error)
{
	struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));
	/* A device that went away fails everything with EIO: that is not the medium. */
	bool gone = remap_dev_gone(pb->to_spare ? rc->spare : rc->main);
	unsigned long flags;

	if (!media_error(error) || gone) {
		atomic64_inc(&rc->path_errors);
		if (pb->to_spare && gone)
			remap_note_spare_gone(rc);
		return DM_ENDIO_DONE;
	}
	if (!READ_ONCE(rc->auto_remap) || READ_ONCE(rc->mode) != REMAP_RW ||
	    (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE))
		return DM_ENDIO_DONE;
	pb->error = error;
	pb->held_since = ktime_get();
	bio->bi_iter = pb->iter;
	spin_lock_irqsave(&rc->work_lock, flags);
	bio_list_add(&rc->failed, bio);
	spin_unlock_irqrestore(&rc->work_lock, flags);
	kick(rc);
	return DM_ENDIO_INCOMPLETE;
}

void remap_queue_pending_write(struct remap_c *rc, struct bio *bio)
{
	struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));
	unsigned long flags;

	pb->error = BLK_STS_OK;
	pb->held_since = ktime_get();
	spin_lock_irqsave(&rc->work_lock, flags);
	bio_list_add(&rc->pending_writes, bio);
	spin_unlock_irqrestore(&rc->work_lock, flags);
	kick(rc);
}

/* A read from main succeeded: pending blocks in it are readable again. */
void remap_note_good_read(struct remap_c *rc, u64 first, struct bio *bio)
{
	struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));
	u64 last = first + ((pb->iter.bi_size >> SECTOR_SHIFT) >> rc->block_shift) - 1;
	const struct dmr_index *ix;
	unsigned long flags;
	u64 block = 0;
	bool found = false;
	u32 i;

	rcu_read_lock();
	ix = rcu_dereference(rc->index);
	for (i = dmr_index_find(ix, first, last); i < ix->count &&
	     dmr_index_main(ix, i) <= last; i++) {
		if (dmr_index_val_state(dmr_index_val(ix, i)) == DMR_SLOT_PENDING) {
			block = dmr_index_main(ix, i);
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	if (!found)
		return;
	/* Best effort: if the list is full, a later good read tries again. */
	spin_lock_irqsave(&rc->work_lock, flags);
	if (rc->nr_good_reads < ARRAY_SIZE(rc->good_reads))
		rc->good_reads[rc->nr_good_reads++] = block;
	spin_unlock_irqrestore(&rc->work_lock, flags);
	kick(rc);
}

void remap_check_low_spare(struct remap_c *rc)
{
	struct dmr_alloc *a = &rc->meta.alloc;
	u64 total = a->nr_blocks - a->nr_reserved;
	bool low = (u64)dmr_alloc_free(a) * 100 < total * remap_low_spare_percent;

	if (low && !rc->low_spare) {
		DMWARN("%s: spare space low: %u of %llu blocks free",
		       dm_device_name(dm_table_get_md(rc->ti->table)), dmr_alloc_free(a), total);
		remap_event(rc, "low_spare");
	}
	rc->low_spare = low;
}

/* One bio the worker holds. */
struct remap_held {
	struct bio *bio;
	u64 first, last;	/* main blocks */
	bool pending_write;
	bool path;		/* main is failing as a whole: not the medium */
	bool busy;
	bool needs_commit;	/* its outcome rests on the coming commit */
	blk_status_t status;
};

static void copy_from_bio(struct bio *bio, struct bvec_iter iter, u8 *buf)
{
	struct bvec_iter it;
	struct bio_vec bv;

	__bio_for_each_segment(bv, bio, it, iter) {
		memcpy_from_bvec(buf, &bv);
		buf += bv.bv_len;
	}
}

static void copy_to_bio(struct bio *bio, struct bvec_iter iter, const u8 *buf)
{
	struct bvec_iter it;
	struct bio_vec bv;

	__bio_for_each_segment(bv, bio, it, iter) {
		memcpy_to_bvec(&bv, buf);
		buf += bv.bv_len;
	}
}

static bool lookup(struct remap_c *rc, u64 block, struct dmr_index_entry *e)
{
	return dmr_index_lookup(rcu_dereference_protected(rc->index, lockdep_is_held(&rc->lock)),
				block, e);
}

/*
 * Where blocks live during a batch: the published index does not show the
 * batch's own changes until its commit, so they are noted here, and every
 * lookup of the batch sees them (two bios for one block must not each give
 * it a spare block). Sized for one change per block of the batch.
 */
struct view {
	u32 n, max;
	struct dmr_index_entry *e;	/* state FREE: no longer mapped */
};

static bool view_get(struct remap_c *rc, struct view *v, u64 block,
		     struct dmr_index_entry *out)
{
	u32 i;

	for (i = v->n; i-- > 0;) {
		if (v->e[i].main_block == block) {
			*out = v->e[i];
			return out->state != DMR_SLOT_FREE;
		}
	}
	return lookup(rc, block, out);
}

static void view_set(struct view *v, u64 block, u32 spare, u32 state)
{
	if (v->n == v->max)
		return;		/* cannot happen: one change per block */
	v->e[v->n].main_block = block;
	v->e[v->n].spare_block = spare;
	v->e[v->n].state = state;
	v->n++;
}

/*
 * Put data for main block on the spare: into its spare block if it has one,
 * else a new one. A new block takes over only once the data is on it; spare
 * blocks that fail the write become bad. If none takes the data, the block
 * stays where it was (its old data, as the write failed). The slot ends
 * REMAPPED. Not durable until the caller flushes and commits.
 */
static int place_on_spare(struct remap_c *rc, struct view *v, u64 block, const void *data)
{
	struct dmr_index_entry e;
	u32 bs = rc->table.block_size, b;
	bool mapped = view_get(rc, v, block, &e);
	int r, tries;

	if (mapped) {
		r = remap_dm_io(rc, rc->spare->bdev, REQ_OP_WRITE,
				dmr_spare_sector(&rc->meta, e.spare_block), (void *)data, bs);
		if (!r) {
			dmr_meta_set_state(&rc->meta, e.spare_block, DMR_SLOT_REMAPPED);
			view_set(v, block, e.spare_block, DMR_SLOT_REMAPPED);
			return 0;
		}
		if (remap_spare_failing(rc))
			return -ENODEV;
		DMWARN("spare block %u failed a write (error %d)", e.spare_block, r);
	}
	for (tries = 0; tries < 8; tries++) {
		r = dmr_meta_add(&rc->meta, block, DMR_SLOT_REMAPPED, &b);
		if (r)
			return r;
		r = remap_dm_io(rc, rc->spare->bdev, REQ_OP_WRITE, dmr_spare_sector(&rc->meta, b),
				(void *)data, bs);
		if (!r) {
			if (mapped)
				dmr_meta_set_bad(&rc->meta, e.spare_block);
			view_set(v, block, b, DMR_SLOT_REMAPPED);
			return 0;
		}
		if (remap_spare_failing(rc)) {
			dmr_meta_remove(&rc->meta, b);
			return -ENODEV;
		}
		DMWARN("spare block %u failed a write (error %d), marked bad", b, r);
		dmr_meta_set_bad(&rc->meta, b);
	}
	return -EIO;
}

/* A write: each block to main if it takes it, else to the spare. */
static bool handle_write(struct remap_c *rc, struct view *v, struct remap_held *h, u8 *buf,
			 bool *spare_written)
{
	struct remap_bio *pb = dm_per_bio_data(h->bio, sizeof(*pb));
	u32 bs = rc->table.block_size;
	struct dmr_index_entry ent;
	bool changed = false, mapped;
	u64 block;
	int r;

	copy_from_bio(h->bio, pb->iter, buf);
	h->status = BLK_STS_OK;
	for (block = h->first; block <= h->last; block++, buf += bs) {
		mapped = view_get(rc, v, block, &ent);
		/* A write that failed on main is tried once more: it may have been transient. */
		if (!mapped && !h->pending_write &&
		    !remap_dm_io(rc, rc->main->bdev, REQ_OP_WRITE | REQ_FUA,
				 remap_block_sector(rc, block), buf, bs))
			continue;
		if (!mapped && h->pending_write) {
			/* Unremapped meanwhile: the block lives on main again. */
			r = remap_dm_io(rc, rc->main->bdev, REQ_OP_WRITE | REQ_FUA,
					remap_block_sector(rc, block), buf, bs);
			if (r)
				h->status = BLK_STS_IOERR;
			continue;
		}
		r = place_on_spare(rc, v, block, buf);
		if (r) {
			DMERR_LIMIT("%s: sector %llu: no spare block for a failing write (error %d)",
				    dm_device_name(dm_table_get_md(rc->ti->table)),
				    remap_block_sector(rc, block), r);
			h->status = pb->error ? pb->error : BLK_STS_IOERR;
			continue;
		}
		*spare_written = true;
		changed = true;
		if (!mapped || ent.state != DMR_SLOT_REMAPPED)
			atomic64_inc(&rc->auto_remaps);
	}
	h->needs_commit = changed;
	return changed;
}

/* A read: retried block by block; blocks that keep failing become pending. */
static bool handle_read(struct remap_c *rc, struct view *v, struct remap_held *h, u8 *buf)
{
	struct remap_bio *pb = dm_per_bio_data(h->bio, sizeof(*pb));
	u32 bs = rc->table.block_size, b, tries;
	struct dmr_index_entry ent, *e;
	bool changed = false, ok = true;
	u8 *p = buf;
	u64 block;
	int r = 0;

	for (block = h->first; block <= h->last; block++, p += bs) {
		e = view_get(rc, v, block, &ent) ? &ent : NULL;
		for (tries = 0; tries <= remap_read_retries; tries++) {
			if (e && e->state == DMR_SLOT_REMAPPED)
				r = remap_dm_io(rc, rc->spare->bdev, REQ_OP_READ,
						dmr_spare_sector(&rc->meta, e->spare_block), p, bs);
			else
				r = remap_dm_io(rc, rc->main->bdev, REQ_OP_READ,
						remap_block_sector(rc, block), p, bs);
			if (!r)
				break;
		}
		if (!r) {
			if (e && e->state == DMR_SLOT_PENDING) {
				dmr_meta_remove(&rc->meta, e->spare_block);
				view_set(v, block, 0, DMR_SLOT_FREE);
				atomic64_inc(&rc->pending_cleared);
				changed = true;
			}
			continue;
		}
		ok = false;
		/* The data is gone: the read fails, the block waits for a write. */
		if (!e && !dmr_meta_add(&rc->meta, block, DMR_SLOT_PENDING, &b)) {
			view_set(v, block, b, DMR_SLOT_PENDING);
			DMWARN("%s: sector %llu unreadable after %u tries, now pending",
			       dm_device_name(dm_table_get_md(rc->ti->table)),
			       remap_block_sector(rc, block), remap_read_retries + 1);
			changed = true;
		}
	}
	if (ok)
		copy_to_bio(h->bio, pb->iter, buf);
	h->status = ok ? BLK_STS_OK : pb->error;
	h->needs_commit = changed;
	return changed;
}

static void complete_held(struct remap_c *rc, struct remap_held *h)
{
	struct remap_bio *pb = dm_per_bio_data(h->bio, sizeof(*pb));
	u64 us;

	if (h->needs_commit && h->status == BLK_STS_OK && bio_op(h->bio) == REQ_OP_WRITE) {
		us = ktime_us_delta(ktime_get(), pb->held_since);
		rc->remap_us_total += us;
		rc->remap_us_count++;
		rc->remap_us_max = max(rc->remap_us_max, us);
	}

	pb->handled = true;
	h->bio->bi_status = h->status;
	bio_endio(h->bio);
}

/*
 * Is main still serving blocks it served a moment ago? The last two blocks
 * each CPU saw complete fine, unless they are in the failing bios or mapped since:
 * healthy if one reads, or if there is none to try.
 */
static bool main_healthy(struct remap_c *rc, const struct remap_held *held, unsigned int n,
			 void *buf)
{
	struct dmr_index_entry e;
	bool tried = false;
	unsigned int k, i;
	int cpu;
	u64 b;

	if (remap_dev_gone(rc->main))
		return false;
	for_each_possible_cpu(cpu) {
		for (k = 0; k < 2; k++) {
			b = READ_ONCE(per_cpu_ptr(rc->pcpu, cpu)->last_good[k]);
			if (b >= rc->meta.main_blocks || lookup(rc, b, &e))
				continue;
			for (i = 0; i < n; i++)
				if (b >= held[i].first && b <= held[i].last)
					break;
			if (i < n)
				continue;
			if (!remap_dm_io(rc, rc->main->bdev, REQ_OP_READ, remap_block_sector(rc, b),
					 buf, rc->table.block_size))
				return true;
			tried = true;
		}
	}
	return !tried;
}

static void process_batch(struct remap_c *rc, struct remap_held *held, unsigned int n,
			  u64 *good, unsigned int nr_good)
{
	u32 before = rc->meta.nr_remapped + rc->meta.nr_pending + rc->meta.alloc.nr_bad;
	bool changed = false, spare_written = false, committed = true;
	struct view v = { .max = nr_good };
	struct dmr_index_entry ent;
	struct dmr_index *ix;
	unsigned int i;
	size_t max = 0;
	u64 dup = 0;
	u8 *buf;

	/* Spare gone: mode `fail`, the bios below complete with their errors. */
	remap_spare_gone(rc);
	for (i = 0; i < n; i++) {
		struct remap_bio *pb = dm_per_bio_data(held[i].bio, sizeof(*pb));

		held[i].first = pb->block;
		held[i].last = pb->block + ((pb->iter.bi_size >> SECTOR_SHIFT) >> rc->block_shift) - 1;
		held[i].status = pb->error ? pb->error : BLK_STS_IOERR;
		held[i].busy = !busy_insert(rc, held[i].first, held[i].last);
		max = max_t(size_t, max, pb->iter.bi_size);
		v.max += held[i].last - held[i].first + 1;
	}
	v.e = kvmalloc_array(v.max, sizeof(*v.e), GFP_KERNEL);
	if (n)
		busy_wait(rc);
	buf = n ? kvmalloc(max_t(size_t, max, rc->table.block_size), GFP_KERNEL) : NULL;
	for (i = 0; i < n && held[i].pending_write; i++)
		;
	if (buf && i < n && !main_healthy(rc, held, n, buf)) {
		DMWARN_LIMIT("%s: main fails a block it served a moment ago: errors pass through as path errors",
			     dm_device_name(dm_table_get_md(rc->ti->table)));
		for (i = 0; i < n; i++) {
			if (!held[i].pending_write) {
				held[i].path = true;
				atomic64_inc(&rc->path_errors);
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (!buf || !v.e || !held[i].busy || held[i].path || rc->mode != REMAP_RW)
			continue;
		if (bio_op(held[i].bio) == REQ_OP_WRITE)
			changed |= handle_write(rc, &v, &held[i], buf, &spare_written);
		else
			changed |= handle_read(rc, &v, &held[i], buf);
	}
	kvfree(buf);
	for (i = 0; v.e && i < nr_good && rc->mode == REMAP_RW; i++) {
		if (view_get(rc, &v, good[i], &ent) && ent.state == DMR_SLOT_PENDING) {
			dmr_meta_remove(&rc->meta, ent.spare_block);
			view_set(&v, good[i], 0, DMR_SLOT_FREE);
			atomic64_inc(&rc->pending_cleared);
			changed = true;
		}
	}
	kvfree(v.e);
	/* A device turned `fail` writes no more (what a failed commit left dirty stays so). */
	if (!changed && (rc->mode != REMAP_RW || !dmr_meta_nr_dirty(&rc->meta)))
		goto done;
	/* Data first, then the metadata naming it. */
	if (spare_written && blkdev_issue_flush(rc->spare->bdev)) {
		DMERR("%s: flushing the spare failed: the batch is not committed",
		      dm_device_name(dm_table_get_md(rc->ti->table)));
		committed = false;
	} else if (dmr_index_build(rc->meta.slots, rc->meta.nr_blocks,
				   rc->meta.nr_remapped + rc->meta.nr_pending, &ix, &dup)) {
		DMERR("%s: cannot build the lookup index (main block %llu twice, or out of memory): the batch is not committed",
		      dm_device_name(dm_table_get_md(rc->ti->table)), dup);
		committed = false;
	} else if (!commit_locked(rc)) {
		dmr_index_free(ix);
		committed = false;
	} else {
		publish_index(rc, ix);
	}
	if (!committed) {
		/* Where these blocks live is now unknown: their I/O fails from here on. */
		if (remap_degrade(rc, REMAP_FAIL))
			DMERR("%s: device is now fail",
			      dm_device_name(dm_table_get_md(rc->ti->table)));
		for (i = 0; i < n; i++) {
			if (!held[i].needs_commit)
				continue;
			held[i].status = BLK_STS_IOERR;
			if (held[i].busy)
				busy_drop(rc, held[i].first, held[i].last, true);
			held[i].busy = false;
		}
	}
	if (rc->meta.nr_remapped + rc->meta.nr_pending + rc->meta.alloc.nr_bad != before ||
	    changed)
		remap_event(rc, "remap");
	remap_check_low_spare(rc);
done:
	for (i = 0; i < n; i++)
		if (held[i].busy)
			busy_drop(rc, held[i].first, held[i].last, false);
	if (n)
		busy_resubmit(rc);
	for (i = 0; i < n; i++)
		complete_held(rc, &held[i]);
}

/* Put bio in the batch at h; returns its blocks. */
static unsigned int take(struct remap_c *rc, struct remap_held *h, struct bio *bio,
			 bool pending_write)
{
	struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));

	h->bio = bio;
	h->needs_commit = false;
	h->path = false;
	h->pending_write = pending_write;
	return (pb->iter.bi_size >> SECTOR_SHIFT) >> rc->block_shift;
}

static void remap_worker(struct work_struct *work)
{
	struct remap_c *rc = container_of(work, struct remap_c, work);
	struct remap_held *held = rc->held;
	u64 good[ARRAY_SIZE(rc->good_reads)];
	unsigned int n, blocks, nr_good, noio = memalloc_noio_save();
	struct bio *bio;

	if (remap_dev_gone(rc->spare)) {
		mutex_lock(&rc->lock);
		remap_spare_gone(rc);
		mutex_unlock(&rc->lock);
	}
	for (;;) {
		n = 0;
		blocks = 0;
		/* All that is queued, up to the caps: one flush and one commit for them. */
		spin_lock_irq(&rc->work_lock);
		while (n < REMAP_BATCH && blocks < REMAP_BATCH_BLOCKS &&
		       (bio = bio_list_pop(&rc->pending_writes)))
			blocks += take(rc, &held[n++], bio, true);
		while (n < REMAP_BATCH && blocks < REMAP_BATCH_BLOCKS &&
		       (bio = bio_list_pop(&rc->failed)))
			blocks += take(rc, &held[n++], bio, false);
		nr_good = rc->nr_good_reads;
		memcpy(good, rc->good_reads, nr_good * sizeof(good[0]));
		rc->nr_good_reads = 0;
		spin_unlock_irq(&rc->work_lock);
		if (!n && !nr_good)
			break;
		mutex_lock(&rc->lock);
		process_batch(rc, held, n, good, nr_good);
		mutex_unlock(&rc->lock);
	}
	memalloc_noio_restore(noio);
}

int remap_auto_init(struct remap_c *rc)
{
	int cpu;

	/* Not on the worker's stack: a batch is REMAP_BATCH entries. */
	rc->held = kcalloc(REMAP_BATCH, sizeof(*rc->held), GFP_KERNEL);
	if (!rc->held)
		return -ENOMEM;
	spin_lock_init(&rc->work_lock);
	bio_list_init(&rc->failed);
	bio_list_init(&rc->pending_writes);
	INIT_WORK(&rc->work, remap_worker);
	rc->auto_remap = remap_auto_default && !rc->table.no_auto_remap;
	/* None yet: the probe trusts main. */
	for_each_possible_cpu(cpu) {
		per_cpu_ptr(rc->pcpu, cpu)->last_good[0] = ~0ULL;
		per_cpu_ptr(rc->pcpu, cpu)->last_good[1] = ~0ULL;
	}
	rc->wq = alloc_workqueue("dm-remap", WQ_MEM_RECLAIM, 1);
	return rc->wq ? 0 : -ENOMEM;
}

void remap_auto_exit(struct remap_c *rc)
{
	if (rc->wq) {
		flush_workqueue(rc->wq);
		destroy_workqueue(rc->wq);
	}
	kfree(rc->held);
}
