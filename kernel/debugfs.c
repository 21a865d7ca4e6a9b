// SPDX-License-Identifier: GPL-2.0-only
/*
 * dm-remap: /sys/kernel/debug/dm-remap/<dm-N>/{reservation_stats,
 * allocation_map,metadata_locations,remaps}, the same reports as the
 * messages of the same names (remaps is `list` without a limit).
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/blkdev.h>
#include <linux/sched/mm.h>

#include "dm-remap.h"

static struct dentry *remap_debugfs_root;

enum remap_report {
	REPORT_RESERVATION,
	REPORT_ALLOCATION_MAP,
	REPORT_METADATA_LOCATIONS,
	REPORT_REMAPS,
};

struct report_file {
	const char *name;
	enum remap_report report;
};

static const struct report_file report_files[] = {
	{ "reservation_stats", REPORT_RESERVATION },
	{ "allocation_map", REPORT_ALLOCATION_MAP },
	{ "metadata_locations", REPORT_METADATA_LOCATIONS },
	{ "remaps", REPORT_REMAPS },
};

struct report_buf {
	size_t len;
	char text[];
};

static void run_report(struct remap_c *rc, enum remap_report report, struct dmr_out *o)
{
	/* The worker needs the lock: no reclaim I/O that could wait for it. */
	unsigned int noio = memalloc_noio_save();

	mutex_lock(&rc->lock);
	switch (report) {
	case REPORT_RESERVATION:
		remap_show_reservation(rc, o);
		break;
	case REPORT_ALLOCATION_MAP:
		remap_show_allocation_map(rc, o);
		break;
	case REPORT_METADATA_LOCATIONS:
		remap_show_metadata_locations(rc, o);
		break;
	case REPORT_REMAPS:
		remap_show_list(rc, 0, ~0ULL, o);
		break;
	}
	mutex_unlock(&rc->lock);
	memalloc_noio_restore(noio);
}

/* The whole report is made at open, growing the buffer until it fits. */
static int report_open(struct inode *inode, struct file *file)
{
	const struct report_file *rf = inode->i_private;
	struct remap_c *rc = file->f_path.dentry->d_parent->d_inode->i_private;
	size_t size = 64 << 10;
	struct report_buf *buf;
	struct dmr_out o;

	for (;;) {
		buf = kvmalloc(sizeof(*buf) + size, DMR_GFP_LARGE);
		if (!buf)
			return -ENOMEM;
		dmr_out_init(&o, buf->text, size);
		run_report(rc, rf->report, &o);
		/* "next=" is how a cut `list` says there is more. */
		if (!o.truncated && !(rf->report == REPORT_REMAPS && strstr(buf->text, "next=")))
			break;
		kvfree(buf);
		if (size >= (256U << 20))
			return -EFBIG;
		size *= 4;
	}
	buf->len = o.len;
	file->private_data = buf;
	return 0;
}

static ssize_t report_read(struct file *file, char __user *ubuf, size_t count, loff_t *pos)
{
	struct report_buf *buf = file->private_data;

	return simple_read_from_buffer(ubuf, count, pos, buf->text, buf->len);
}

static int report_release(struct inode *inode, struct file *file)
{
	kvfree(file->private_data);
	return 0;
}

static const struct file_operations report_fops = {
	.owner = THIS_MODULE,
	.open = report_open,
	.read = report_read,
	.release = report_release,
	.llseek = default_llseek,
};

void remap_debugfs_add(struct remap_c *rc)
{
	/* dm-N, as under /sys/block; dm_device_name() would give major:minor. */
	const char *name = dm_disk(dm_table_get_md(rc->ti->table))->disk_name;
	struct dentry *dir;
	unsigned int i;

	if (rc->debugfs || !remap_debugfs_root)
		return;
	dir = debugfs_create_dir(name, remap_debugfs_root);
	if (IS_ERR(dir))
		return;
	dir->d_inode->i_private = rc;
	for (i = 0; i < ARRAY_SIZE(report_files); i++)
		debugfs_create_file(report_files[i].name, 0400, dir,
				    (void *)&report_files[i], &report_fops);
	rc->debugfs = dir;
}

void remap_debugfs_remove(struct remap_c *rc)
{
	debugfs_remove(rc->debugfs);
	rc->debugfs = NULL;
}

int remap_debugfs_init(void)
{
	struct dentry *root = debugfs_create_dir("dm-remap", NULL);

	/* Without debugfs the target works; the files are only missing. */
	remap_debugfs_root = IS_ERR(root) ? NULL : root;
	return 0;
}

void remap_debugfs_exit(void)
{
	debugfs_remove(remap_debugfs_root);
}
