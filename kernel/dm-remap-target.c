// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: a device-mapper target that keeps a disk with growing bad
 * sectors usable by redirecting failed blocks to a spare region.
 *
 * This file holds the target: construction from the table line, the I/O
 * mapping, status and device stacking. metadata.c keeps the remap table on
 * the spare region, messages.c and debugfs.c show it. The table grammar, the
 * on-disk format, the allocator and the lookup index live in ../core, shared
 * with the userspace tool.
 */
#include <linux/module.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/log2.h>

#include "dm-remap.h"
#include "crc32c.h"

static void remap_free(struct dm_target *ti, struct remap_c *rc)
{
	remap_auto_exit(rc);
	remap_meta_close(rc);
	free_percpu(rc->pcpu);
	kfree(rc->busy);
	if (rc->spare)
		dm_put_device(ti, rc->spare);
	if (rc->main)
		dm_put_device(ti, rc->main);
	kfree(rc);
}

/*
 * Construct: <main_dev> <spare_dev> <spare_start> <spare_len>
 *            [<#opt_args> <opt_args>...]
 */
static int remap_ctr(struct dm_target *ti, unsigned int argc, char **argv)
{
	struct dmr_devices devs = { .target_len = ti->len };
	struct remap_c *rc;
	char *err;
	int r;

	rc = kzalloc(sizeof(*rc), GFP_KERNEL);
	if (!rc) {
		ti->error = "Cannot allocate remap context";
		return -ENOMEM;
	}
	rc->ti = ti;
	mutex_init(&rc->lock);
	spin_lock_init(&rc->busy_lock);
	bio_list_init(&rc->deferred);
	rc->pcpu = alloc_percpu(struct remap_pcpu);
	if (!rc->pcpu) {
		ti->error = "Cannot allocate per-CPU counters";
		r = -ENOMEM;
		goto bad;
	}
	rc->busy = kcalloc(REMAP_MAX_BUSY, sizeof(*rc->busy), GFP_KERNEL);
	if (!rc->busy) {
		ti->error = "Cannot allocate the busy ranges";
		r = -ENOMEM;
		goto bad;
	}
	if (dmr_table_parse(&rc->table, argc, argv, &err)) {
		ti->error = err;
		r = -EINVAL;
		goto bad;
	}
	r = dm_get_device(ti, rc->table.main_dev, dm_table_get_mode(ti->table), &rc->main);
	if (r) {
		ti->error = "Main device lookup failed";
		goto bad;
	}
	r = dm_get_device(ti, rc->table.spare_dev, dm_table_get_mode(ti->table), &rc->spare);
	if (r) {
		ti->error = "Spare device lookup failed";
		goto bad;
	}

	devs.main_sectors = bdev_nr_sectors(rc->main->bdev);
	devs.spare_sectors = bdev_nr_sectors(rc->spare->bdev);
	devs.main_lbs = bdev_logical_block_size(rc->main->bdev);
	devs.spare_lbs = bdev_logical_block_size(rc->spare->bdev);
	devs.same_device = rc->main->bdev == rc->spare->bdev;
	if (dmr_table_check(&rc->table, &devs, &err)) {
		DMERR("%s: len %llu, main %llu sectors, spare region %llu+%llu of %llu sectors",
		      err, (unsigned long long)ti->len,
		      (unsigned long long)devs.main_sectors,
		      (unsigned long long)rc->table.spare_start,
		      (unsigned long long)rc->table.spare_len,
		      (unsigned long long)devs.spare_sectors);
		ti->error = err;
		r = -EINVAL;
		goto bad;
	}
	/* argv is freed after construction; keep only the resolved devices. */
	rc->table.main_dev = NULL;
	rc->table.spare_dev = NULL;
	rc->block_shift = ilog2(rc->table.block_size >> SECTOR_SHIFT);

	r = remap_auto_init(rc);
	if (r) {
		ti->error = "Cannot create the remap worker";
		goto bad;
	}
	r = remap_meta_open(rc, &err);
	if (r) {
		ti->error = err;
		goto bad;
	}

	/* An empty flush goes to both devices (bio nr 0: main, 1: spare). */
	ti->num_flush_bios = devs.same_device ? 1 : 2;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->per_io_data_size = sizeof(struct remap_bio);
	ti->private = rc;
	return 0;

bad:
	remap_free(ti, rc);
	return r;
}

static void remap_dtr(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	remap_debugfs_remove(rc);
	remap_free(ti, rc);
}

/* The busy range overlapping [first, last] that starts first, or NULL. */
static struct remap_busy *busy_find(struct remap_c *rc, u64 first, u64 last)
{
	struct remap_busy *found = NULL;
	unsigned int i;

	for (i = 0; i < rc->nr_busy; i++)
		if (rc->busy[i].first <= last && rc->busy[i].last >= first &&
		    (!found || rc->busy[i].first < found->first))
			found = &rc->busy[i];
	return found;
}

/*
 * Send a data bio to where its first block lives, cut at the first block
 * boundary where that changes. may_split is false for bios resubmitted
 * after waiting: they were cut to one block before they waited, and
 * dm_accept_partial_bio() may only be called from ->map. Inlined into
 * remap_map(): each call and return on the path costs a return thunk in
 * Debian's kernels (CONFIG_RETHUNK), measurable next to linear.
 */
static __always_inline int remap_map_bio(struct remap_c *rc, struct bio *bio, bool may_split)
{
	struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));
	sector_t sector = dm_target_offset(rc->ti, bio->bi_iter.bi_sector);
	unsigned int sectors = bio_sectors(bio), n;
	u64 first = sector >> rc->block_shift;
	u64 last = (sector + sectors - 1) >> rc->block_shift;
	const struct dmr_index *ix;
	struct remap_busy *busy;
	unsigned long flags;
	u64 main_block = 0;
	u32 i;
	int ret = DM_MAPIO_REMAPPED;
	u32 spare_block = 0;
	bool to_spare = false, to_worker = false, hit = false;
	bool write = bio_op(bio) == REQ_OP_WRITE;
	u32 v = 0;
	unsigned int epoch;

	pb->counted = false;
	pb->handled = false;
	/* Set when the bio goes down: end_io cannot use bio_sectors(), which
	 * request-based devices have consumed by the time it runs.
	 */
	pb->iter.bi_size = 0;
	/*
	 * From the epoch read to the inflight count, one RCU reader, which
	 * busy_wait()'s grace period waits for. Preemption disabled: that is a
	 * reader for synchronize_rcu() and kvfree_rcu() as rcu_read_lock() is
	 * (one RCU since 4.20), and unlike rcu_read_lock() under
	 * CONFIG_PREEMPT_RCU (Debian's kernels) it is inline, not two calls per
	 * bio. Nothing below sleeps.
	 */
	rcu_read_lock_sched();
	/* Before the busy check: see busy_wait(). */
	epoch = smp_load_acquire(&rc->epoch);
	if (unlikely(smp_load_acquire(&rc->nr_busy))) {
		/*
		 * busy points into an array busy_end() compacts: used under the
		 * lock only. Interrupts off: a stacked driver may submit from
		 * its completion (softirq or interrupt).
		 */
		spin_lock_irqsave(&rc->busy_lock, flags);
		busy = busy_find(rc, first, last);
		if (busy && busy->first <= first) {
			/* Held to the block being moved; the rest maps again later. */
			if (may_split && last > first)
				dm_accept_partial_bio(bio, ((first + 1) << rc->block_shift) - sector);
			if (!busy->failed)
				bio_list_add(&rc->deferred, bio);
			ret = busy->failed ? DM_MAPIO_KILL : DM_MAPIO_SUBMITTED;
			spin_unlock_irqrestore(&rc->busy_lock, flags);
			goto out;
		}
		if (busy)
			last = busy->first - 1;
		spin_unlock_irqrestore(&rc->busy_lock, flags);
	}
	/*
	 * The first entry in the bio's range that moves it: pending blocks keep
	 * their data on main until they are rewritten, and a write to one goes
	 * to the worker, which puts it on the spare.
	 */
	ix = rcu_dereference_sched(rc->index);
	for (i = dmr_index_find(ix, first, last);
	     i < ix->count && (main_block = dmr_index_main(ix, i)) <= last; i++) {
		v = dmr_index_val(ix, i);
		hit = dmr_index_val_state(v) == DMR_SLOT_REMAPPED ||
		      (write && dmr_index_val_state(v) == DMR_SLOT_PENDING);
		if (hit)
			break;
	}
	if (hit && main_block == first) {
		to_spare = dmr_index_val_state(v) == DMR_SLOT_REMAPPED;
		to_worker = !to_spare;
		spare_block = dmr_index_val_spare(v);
		last = first;
	} else if (hit) {
		last = main_block - 1;
	}
	n = min_t(u64, sectors, ((last + 1) << rc->block_shift) - sector);
	if (n < sectors) {
		if (WARN_ON_ONCE(!may_split)) {
			ret = DM_MAPIO_KILL;
			goto out;
		}
		dm_accept_partial_bio(bio, n);
	}
	pb->block = first;
	pb->to_spare = to_spare;
	if (to_worker) {
		pb->iter = bio->bi_iter;
		remap_queue_pending_write(rc, bio);
		ret = DM_MAPIO_SUBMITTED;
		goto out;
	}
	if (to_spare) {
		/* Cannot happen: the allocator never hands out a copy's block. */
		if (unlikely(dmr_alloc_is_reserved(&rc->meta.alloc, spare_block))) {
			atomic64_inc(&rc->refused_bios);
			DMERR_LIMIT("refused a bio into metadata copy (spare block %u)", spare_block);
			ret = DM_MAPIO_KILL;
			goto out;
		}
		if (bio_op(bio) == REQ_OP_DISCARD) {
			/* Advisory: nothing to discard on main, keep the spare copy. */
			bio_endio(bio);
			ret = DM_MAPIO_SUBMITTED;
			goto out;
		}
		/* The spare device is gone: the block is unreadable, EIO as in end_io. */
		if (unlikely(remap_dev_gone(rc->spare))) {
			atomic64_inc(op_is_write(bio_op(bio)) ? &rc->write_errors : &rc->read_errors);
			atomic64_inc(&rc->path_errors);
			remap_note_spare_gone(rc);
			ret = DM_MAPIO_KILL;
			goto out;
		}
		bio_set_dev(bio, rc->spare->bdev);
		bio->bi_iter.bi_sector = dmr_spare_sector(&rc->meta, spare_block) +
			(sector - (first << rc->block_shift));
	} else {
		bio_set_dev(bio, rc->main->bdev);
		bio->bi_iter.bi_sector = sector;
	}
	pb->iter = bio->bi_iter;
	pb->epoch = epoch;
	pb->counted = true;
	this_cpu_inc(rc->pcpu->inflight[pb->epoch]);
out:
	rcu_read_unlock_sched();
	return ret;
}

/*
 * Tell userspace that something changed: a dm event (dmsetup wait, the event
 * counter) and a udev change uevent on the device, which device-mapper's
 * own event callback sends only for multipath paths. DM_REMAP_EVENT names
 * what happened (remap, unremap, low_spare, mode) so that a udev rule can
 * match it. Process context only: the uevent allocates.
 */
void remap_event(struct remap_c *rc, const char *what)
{
	struct mapped_device *md = dm_table_get_md(rc->ti->table);
	char event[32], mode[24];
	char name[sizeof("DM_NAME=") - 1 + DM_NAME_LEN] = "DM_NAME=";
	char uuid[sizeof("DM_UUID=") - 1 + DM_UUID_LEN] = "DM_UUID=";
	char *n = name + strlen(name), *u = uuid + strlen(uuid);
	char *envp[] = { event, mode, name, uuid, NULL };

	might_sleep();
	/* A table not yet resumed is not the device's (a reload's, or a failed resume's). */
	if (!READ_ONCE(rc->went_live))
		return;
	dm_table_event(rc->ti->table);
	snprintf(event, sizeof(event), "DM_REMAP_EVENT=%s", what);
	snprintf(mode, sizeof(mode), "DM_REMAP_MODE=%s", remap_mode_name(remap_mode_now(rc)));
	/* The name dmsetup shows (dm_device_name() is the "major:minor" one). */
	if (dm_copy_name_and_uuid(md, n, u))
		*n = *u = '\0';
	kobject_uevent_env(&disk_to_dev(dm_disk(md))->kobj, KOBJ_CHANGE, envp);
}

/* Map again the bios that waited for a block; called without locks held. */
void remap_resubmit_deferred(struct remap_c *rc, struct bio_list *bios)
{
	struct bio *bio;

	while ((bio = bio_list_pop(bios))) {
		switch (remap_map_bio(rc, bio, false)) {
		case DM_MAPIO_REMAPPED:
			dm_submit_bio_remap(bio, NULL);
			break;
		case DM_MAPIO_KILL:
			bio_io_error(bio);
			break;
		default:	/* waiting again, or completed */
			break;
		}
	}
}

static int remap_map(struct dm_target *ti, struct bio *bio)
{
	struct remap_c *rc = ti->private;

	if (unlikely((bio->bi_opf & REQ_PREFLUSH) && !bio_sectors(bio))) {
		struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));

		pb->counted = false;
		pb->handled = false;
		pb->iter.bi_size = 0;
		bio_set_dev(bio, dm_bio_get_target_bio_nr(bio) ?
			    rc->spare->bdev : rc->main->bdev);
		return DM_MAPIO_REMAPPED;
	}
	return remap_map_bio(rc, bio, true);
}

static int remap_end_io(struct dm_target *ti, struct bio *bio, blk_status_t *error)
{
	struct remap_c *rc = ti->private;
	struct remap_bio *pb = dm_per_bio_data(bio, sizeof(*pb));

	if (pb->counted) {
		this_cpu_dec(rc->pcpu->inflight[pb->epoch]);
		pb->counted = false;
	}
	/* Completed by the worker with its final status, or not a data bio we sent. */
	if (pb->handled || !pb->iter.bi_size)
		return DM_ENDIO_DONE;
	if (!*error) {
		if (!pb->to_spare) {
			/*
			 * A block main just served: the health probe's reference.
			 * Per CPU, so the completion path writes no shared line.
			 */
			struct remap_pcpu *p = get_cpu_ptr(rc->pcpu);

			if (p->last_good[0] != pb->block) {
				p->last_good[1] = p->last_good[0];
				p->last_good[0] = pb->block;
			}
			put_cpu_ptr(rc->pcpu);
			if (bio_op(bio) == REQ_OP_READ && READ_ONCE(rc->meta.nr_pending))
				remap_note_good_read(rc, pb->block, bio);
		}
		return DM_ENDIO_DONE;
	}
	/* A REQ_NOWAIT bio that would have blocked below: retried above, not an error. */
	if (*error == BLK_STS_AGAIN)
		return DM_ENDIO_DONE;
	/*
	 * A spare device that is gone may say "offline" (ENODEV): for the remap
	 * device it is one unreadable block among good ones, EIO, the same
	 * whether the bio was in flight or mapped after the removal.
	 */
	if (pb->to_spare && remap_dev_gone(rc->spare))
		*error = BLK_STS_IOERR;
	if (op_is_write(bio_op(bio)))
		atomic64_inc(&rc->write_errors);
	else
		atomic64_inc(&rc->read_errors);
	return remap_io_error(rc, bio, *error);
}

static void remap_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	struct dmr_alloc *a = &rc->meta.alloc;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		/* Fields are documented in docs/target.md and only grow at the end. */
		DMEMIT("%u.%u.%u %s %u %u/%u %u %u %lld %lld %u/%u %llu %lld %lld %u %lld",
		       ti->type->version[0], ti->type->version[1], ti->type->version[2],
		       remap_mode_name(remap_mode_now(rc)), rc->table.block_size,
		       READ_ONCE(a->nr_used) + READ_ONCE(a->nr_bad), a->nr_blocks - a->nr_reserved,
		       READ_ONCE(rc->meta.nr_remapped), READ_ONCE(rc->meta.nr_pending),
		       (long long)atomic64_read(&rc->read_errors),
		       (long long)atomic64_read(&rc->write_errors),
		       hweight32(READ_ONCE(rc->meta.copies_ok)), rc->meta.place.copies,
		       (unsigned long long)READ_ONCE(rc->meta.generation),
		       (long long)atomic64_read(&rc->auto_remaps),
		       (long long)atomic64_read(&rc->manual_remaps),
		       READ_ONCE(a->nr_bad),
		       (long long)atomic64_read(&rc->path_errors));
		break;
	case STATUSTYPE_TABLE:
		dmr_table_format(&rc->table, rc->main->name, rc->spare->name,
				 result, maxlen);
		break;
	case STATUSTYPE_IMA:
		DMEMIT_TARGET_NAME_VERSION(ti->type);
		DMEMIT(",main_device_name=%s,spare_device_name=%s,spare_start=%llu,spare_len=%llu,block_size=%u,auto_remap=%c,read_only=%c;",
		       rc->main->name, rc->spare->name,
		       (unsigned long long)rc->table.spare_start,
		       (unsigned long long)rc->table.spare_len,
		       rc->table.block_size,
		       rc->table.no_auto_remap ? 'n' : 'y',
		       rc->table.read_only ? 'y' : 'n');
		break;
	}
}

static int remap_iterate_devices(struct dm_target *ti,
				 iterate_devices_callout_fn fn, void *data)
{
	struct remap_c *rc = ti->private;
	int r;

	r = fn(ti, rc->main, 0, ti->len, data);
	if (r)
		return r;
	return fn(ti, rc->spare, rc->table.spare_start, rc->table.spare_len, data);
}

static void remap_io_hints(struct dm_target *ti, struct queue_limits *limits)
{
	struct remap_c *rc = ti->private;
	unsigned int bs = rc->table.block_size;

	/* A remap block must never be written partially. */
	limits->logical_block_size = max(limits->logical_block_size, bs);
	limits->physical_block_size = max(limits->physical_block_size, bs);
	limits->io_min = max(limits->io_min, bs);
}

/*
 * debugfs names the mapped device; a reloaded table takes over on resume.
 * The worker's last commit (pending blocks that read fine again) is done
 * before a reload's table checks the metadata on disk (remap_preresume).
 */
static void remap_postsuspend(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	remap_debugfs_remove(rc);
	flush_workqueue(rc->wq);
}

static int remap_preresume(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	/* Once live, this table is the region's only writer. */
	return rc->went_live ? 0 : remap_meta_settle(rc);
}

static void remap_resume(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	WRITE_ONCE(rc->went_live, true);
	remap_debugfs_add(rc);
}

static struct target_type remap_target = {
	.name = "remap",
	.version = { DMR_VERSION_MAJOR, DMR_VERSION_MINOR, DMR_VERSION_PATCH },
	/*
	 * map never sleeps (RCU, spinlocks; bios that must wait are queued),
	 * so REQ_NOWAIT bios are fine. Without this flag io_uring hands every
	 * I/O to a worker thread: half of linear's IOPS (bench/vm/bench-io.sh).
	 */
	.features = DM_TARGET_NOWAIT,
	.module = THIS_MODULE,
	.ctr = remap_ctr,
	.dtr = remap_dtr,
	.map = remap_map,
	.end_io = remap_end_io,
	.postsuspend = remap_postsuspend,
	.preresume = remap_preresume,
	.resume = remap_resume,
	.status = remap_status,
	.message = remap_message,
	.iterate_devices = remap_iterate_devices,
	.io_hints = remap_io_hints,
};

static int __init dm_remap_init(void)
{
	int r = dmr_crc32c_selftest();

	/* The on-disk format depends on it; userspace checks the same vectors. */
	if (r) {
		DMERR("crc32c self-test failed at vector %d", r);
		return -ELIBBAD;
	}
	r = remap_debugfs_init();
	if (r)
		return r;
	r = dm_register_target(&remap_target);
	if (r) {
		remap_debugfs_exit();
		return r;
	}
	DMINFO("version " DMR_VERSION " loaded, crc32c self-test passed");
	return 0;
}

static void __exit dm_remap_exit(void)
{
	dm_unregister_target(&remap_target);
	remap_debugfs_exit();
}

module_init(dm_remap_init);
module_exit(dm_remap_exit);

MODULE_DESCRIPTION(DM_NAME " target remapping bad blocks to a spare region");
MODULE_LICENSE("GPL");
MODULE_VERSION(DMR_VERSION);
