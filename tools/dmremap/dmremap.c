// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmremap: manage dm-remap devices. Talks to device-mapper through
 * libdevmapper (as lvm2 does) and builds and validates table lines with the
 * shared core (core/table.c), the same code the kernel target parses them with.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include <libdevmapper.h>

#include "table.h"

#define TARGET "remap"

static int usage(FILE *f)
{
	fprintf(f,
		"usage: dmremap <command> [options]\n"
		"  create <name> <main_dev> <spare_dev> <spare_start> <spare_len>\n"
		"         [--len <sectors>] [--block-size <bytes>] [--no-auto-remap] [--read-only]\n"
		"  remove <name>\n"
		"  status [--json] <name>\n"
		"Sizes and offsets are 512-byte sectors. See dmremap(8).\n");
	return f == stderr ? 2 : 0;
}

struct devinfo {
	u64 sectors;
	u32 lbs;
	dev_t rdev;
};

static int probe(const char *path, struct devinfo *info)
{
	struct stat st;
	uint64_t bytes;
	int fd, lbs;
	const char *why = NULL;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		why = strerror(errno);
	else if (!S_ISBLK(st.st_mode))
		why = "not a block device";
	else if (ioctl(fd, BLKGETSIZE64, &bytes) || ioctl(fd, BLKSSZGET, &lbs))
		why = strerror(errno);
	if (fd >= 0)
		close(fd);
	if (why) {
		fprintf(stderr, "dmremap: %s: %s\n", path, why);
		return -1;
	}
	info->sectors = bytes >> DMR_SECTOR_SHIFT;
	info->lbs = lbs;
	info->rdev = st.st_rdev;
	return 0;
}

/* Run a create or remove task and wait for udev (or make the node without it). */
static int run_task(struct dm_task *dmt)
{
	uint32_t cookie = 0;
	int ok;

	ok = dm_task_set_cookie(dmt, &cookie, 0) && dm_task_run(dmt);
	if (cookie)
		dm_udev_wait(cookie);
	return ok ? 0 : -1;
}

static int cmd_create(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "len", required_argument, NULL, 'l' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "no-auto-remap", no_argument, NULL, 'n' },
		{ "read-only", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct dmr_table t;
	struct dmr_devices d = { 0 };
	struct devinfo main_info, spare_info;
	char *targv[9], params[512], *err, *name;
	const char *len_arg = NULL, *bs_arg = NULL;
	bool no_auto = false, ro = false;
	unsigned int targc = 0;
	struct dm_task *dmt;
	char nopt[4];
	int c, r;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': len_arg = optarg; break;
		case 'b': bs_arg = optarg; break;
		case 'n': no_auto = true; break;
		case 'r': ro = true; break;
		default: return usage(stderr);
		}
	}
	if (argc - optind != 5)
		return usage(stderr);
	name = argv[optind];
	/*
	 * Assemble the argument vector the kernel will get (4 positional, the
	 * count, up to 4 option words) and check it here first.
	 */
	for (int i = 1; i < 5; i++)
		targv[targc++] = argv[optind + i];
	snprintf(nopt, sizeof(nopt), "%d", (bs_arg ? 2 : 0) + no_auto + ro);
	if (bs_arg || no_auto || ro) {
		targv[targc++] = nopt;
		if (bs_arg) {
			targv[targc++] = "block_size";
			targv[targc++] = (char *)bs_arg;
		}
		if (no_auto)
			targv[targc++] = "no_auto_remap";
		if (ro)
			targv[targc++] = "read_only";
	}
	if (dmr_table_parse(&t, targc, targv, &err)) {
		fprintf(stderr, "dmremap: %s\n", err);
		return 1;
	}
	if (probe(t.main_dev, &main_info) || probe(t.spare_dev, &spare_info))
		return 1;
	d.main_sectors = main_info.sectors;
	d.spare_sectors = spare_info.sectors;
	d.main_lbs = main_info.lbs;
	d.spare_lbs = spare_info.lbs;
	d.same_device = main_info.rdev == spare_info.rdev;
	if (len_arg) {
		if (dmr_parse_u64(len_arg, &d.target_len)) {
			fprintf(stderr, "dmremap: --len: not a decimal sector count\n");
			return 1;
		}
	} else {
		/* Default: all of main (before the spare region in single-disk
		 * mode), rounded down to whole blocks. */
		u32 bs = t.block_size ? t.block_size : dmr_default_block_size(&d);

		d.target_len = d.same_device ? t.spare_start : main_info.sectors;
		d.target_len -= d.target_len % (bs >> DMR_SECTOR_SHIFT);
	}
	if (dmr_table_check(&t, &d, &err)) {
		fprintf(stderr, "dmremap: %s\n", err);
		return 1;
	}
	dmr_table_format(&t, t.main_dev, t.spare_dev, params, sizeof(params));

	dmt = dm_task_create(DM_DEVICE_CREATE);
	if (!dmt)
		return 1;
	r = !dm_task_set_name(dmt, name) ||
	    !dm_task_add_target(dmt, 0, d.target_len, TARGET, params) || run_task(dmt);
	dm_task_destroy(dmt);
	if (r) {
		fprintf(stderr, "dmremap: creating %s failed (the kernel log says why)\n", name);
		return 1;
	}
	printf("%s: 0 %" PRIu64 " %s %s\n", name, (uint64_t)d.target_len, TARGET, params);
	return 0;
}

static int cmd_remove(int argc, char **argv)
{
	struct dm_task *dmt;
	int r;

	if (argc != 2)
		return usage(stderr);
	dmt = dm_task_create(DM_DEVICE_REMOVE);
	if (!dmt)
		return 1;
	r = !dm_task_set_name(dmt, argv[1]) || run_task(dmt);
	dm_task_destroy(dmt);
	if (r)
		fprintf(stderr, "dmremap: removing %s failed\n", argv[1]);
	return r ? 1 : 0;
}

static int cmd_status(int argc, char **argv)
{
	uint64_t start, len;
	char *type = NULL, *params = NULL, version[32], mode[8];
	unsigned int bs;
	struct dm_task *dmt;
	bool json = false;
	const char *name;
	int r = 1;

	if (argc == 3 && !strcmp(argv[1], "--json"))
		json = true;
	else if (argc != 2)
		return usage(stderr);
	name = argv[argc - 1];
	dmt = dm_task_create(DM_DEVICE_STATUS);
	if (!dmt)
		return 1;
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt)) {
		fprintf(stderr, "dmremap: %s: no such device\n", name);
		goto out;
	}
	dm_get_next_target(dmt, NULL, &start, &len, &type, &params);
	if (!type || strcmp(type, TARGET)) {
		fprintf(stderr, "dmremap: %s is not a %s device\n", name, TARGET);
		goto out;
	}
	/* Status fields: docs/target.md. Later fields are appended; ignore them. */
	if (sscanf(params, "%31s %7s %u", version, mode, &bs) != 3) {
		fprintf(stderr, "dmremap: %s: unexpected status '%s'\n", name, params);
		goto out;
	}
	if (json)
		printf("{\"name\":\"%s\",\"start\":%" PRIu64 ",\"length\":%" PRIu64
		       ",\"version\":\"%s\",\"mode\":\"%s\",\"block_size\":%u}\n",
		       name, start, len, version, mode, bs);
	else
		printf("name:        %s\nsectors:     %" PRIu64 "-%" PRIu64
		       "\nversion:     %s\nmode:        %s\nblock size:  %u bytes\n",
		       name, start, start + len, version, mode, bs);
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout);
	if (!strcmp(argv[1], "create"))
		return cmd_create(argc - 1, argv + 1);
	if (!strcmp(argv[1], "remove"))
		return cmd_remove(argc - 1, argv + 1);
	if (!strcmp(argv[1], "status"))
		return cmd_status(argc - 1, argv + 1);
	fprintf(stderr, "dmremap: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
