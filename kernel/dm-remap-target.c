// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: a device-mapper target that keeps a disk with growing bad
 * sectors usable by redirecting failed blocks to a spare region.
 *
 * This file holds the target: construction from the table line, the I/O
 * mapping, status and device stacking. The table grammar, the on-disk format
 * and the allocator live in ../core, shared with the userspace tool.
 */
#include <linux/module.h>
#include <linux/device-mapper.h>
#include <linux/blkdev.h>
#include <linux/bio.h>
#include <linux/slab.h>

#include "table.h"
#include "crc32c.h"

#define DM_MSG_PREFIX "remap"

struct remap_c {
	struct dm_dev *main;
	struct dm_dev *spare;
	struct dmr_table table;
};

static void remap_put_devices(struct dm_target *ti, struct remap_c *rc)
{
	if (rc->spare)
		dm_put_device(ti, rc->spare);
	if (rc->main)
		dm_put_device(ti, rc->main);
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

	/* An empty flush goes to both devices (bio nr 0: main, 1: spare). */
	ti->num_flush_bios = devs.same_device ? 1 : 2;
	ti->num_discard_bios = 1;
	ti->num_write_zeroes_bios = 1;
	ti->private = rc;
	return 0;

bad:
	remap_put_devices(ti, rc);
	kfree(rc);
	return r;
}

static void remap_dtr(struct dm_target *ti)
{
	struct remap_c *rc = ti->private;

	remap_put_devices(ti, rc);
	kfree(rc);
}

static int remap_map(struct dm_target *ti, struct bio *bio)
{
	struct remap_c *rc = ti->private;

	if (unlikely((bio->bi_opf & REQ_PREFLUSH) && !bio_sectors(bio))) {
		bio_set_dev(bio, dm_bio_get_target_bio_nr(bio) ?
			    rc->spare->bdev : rc->main->bdev);
		return DM_MAPIO_REMAPPED;
	}
	bio_set_dev(bio, rc->main->bdev);
	bio->bi_iter.bi_sector = dm_target_offset(ti, bio->bi_iter.bi_sector);
	return DM_MAPIO_REMAPPED;
}

static void remap_status(struct dm_target *ti, status_type_t type,
			 unsigned int status_flags, char *result, unsigned int maxlen)
{
	struct remap_c *rc = ti->private;
	unsigned int sz = 0;

	switch (type) {
	case STATUSTYPE_INFO:
		/* Fields are documented in docs/target.md and only grow at the end. */
		DMEMIT("%u.%u.%u %s %u", ti->type->version[0], ti->type->version[1],
		       ti->type->version[2], rc->table.read_only ? "ro" : "rw",
		       rc->table.block_size);
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

static struct target_type remap_target = {
	.name = "remap",
	.version = { 4, 0, 0 },
	.module = THIS_MODULE,
	.ctr = remap_ctr,
	.dtr = remap_dtr,
	.map = remap_map,
	.status = remap_status,
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
	r = dm_register_target(&remap_target);
	if (r)
		return r;
	DMINFO("version 4.0.0 loaded, crc32c self-test passed");
	return 0;
}

static void __exit dm_remap_exit(void)
{
	dm_unregister_target(&remap_target);
}

module_init(dm_remap_init);
module_exit(dm_remap_exit);

MODULE_DESCRIPTION(DM_NAME " target remapping bad blocks to a spare region");
MODULE_LICENSE("GPL");
MODULE_VERSION("4.0.0");
