// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmremap: manage dm-remap devices. Talks to device-mapper through
 * libdevmapper (as lvm2 does) and builds and validates table lines with the
 * shared core (core/table.c), the same code the kernel target parses them with.
 * On live devices it sends the target's messages and waits for its events.
 * Offline, it checks, dumps, formats, repairs and restores the metadata on a
 * spare device or image with the core's loader, checker and commit
 * (core/store.c, core/check.c), the code the kernel activates, checks and
 * commits with.
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>
#include <libdevmapper.h>

#include "table.h"
#include "store.h"
#include "check.h"
#include "dumpfile.h"

#define TARGET "remap"

static int usage(FILE *f)
{
	fprintf(f,
		"usage: dmremap <command> [options]\n"
		"  create <name> <main_dev> <spare_dev> <spare_start> <spare_len>\n"
		"         [--len <sectors>] [--block-size <bytes>] [--no-auto-remap] [--read-only]\n"
		"  remove <name>\n"
		"  status [--json] <name>\n"
		"  remap <name> <sector> [<sectors>]\n"
		"  unremap <name> <sector>\n"
		"  query <name> <sector> [<sectors>]\n"
		"  list <name>\n"
		"  monitor <name> [--count <events>]\n"
		"  import-badblocks <name> <file> [--block-size <bytes>]  (a `badblocks -o` list)\n"
		"offline, on a spare device or image file (check and dump never write):\n"
		"  check <spare_dev|image> <spare_start> <spare_len> [--block-size <bytes>] [--len <sectors>]\n"
		"  dump [--json] <spare_dev|image> <spare_start> <spare_len> [--block-size <bytes>]\n"
		"       [--len <sectors>]\n"
		"  format <spare_dev|image> <spare_start> <spare_len> --block-size <bytes> --len <sectors>\n"
		"         [--force]\n"
		"  repair <spare_dev|image> <spare_start> <spare_len> [--block-size <bytes>] [--len <sectors>]\n"
		"  restore <spare_dev|image> <spare_start> <spare_len> <dump file|->\n"
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

/* A remap device's status line, parsed (fields: docs/target.md). */
struct live_status {
	uint64_t start, len;
	uint32_t event;
	char version[32], mode[8];
	unsigned int bs, used, total, remapped, pending, ok, copies;
	unsigned long long rerr, werr, gen, autor, manual, bad, path;
};

/* 0, or -1 with a message: no such device, not a remap device, odd status. */
static int read_status(const char *name, struct live_status *s)
{
	char *type = NULL, *params = NULL;
	struct dm_info info;
	struct dm_task *dmt = dm_task_create(DM_DEVICE_STATUS);
	int r = -1;

	if (!dmt)
		return -1;
	if (!dm_task_set_name(dmt, name) || !dm_task_run(dmt) || !dm_task_get_info(dmt, &info) ||
	    !info.exists) {
		fprintf(stderr, "dmremap: %s: no such device\n", name);
		goto out;
	}
	dm_get_next_target(dmt, NULL, &s->start, &s->len, &type, &params);
	if (!type || strcmp(type, TARGET)) {
		fprintf(stderr, "dmremap: %s is not a %s device\n", name, TARGET);
		goto out;
	}
	/* Later fields are appended; ignore them. */
	if (sscanf(params, "%31s %7s %u %u/%u %u %u %llu %llu %u/%u %llu %llu %llu %llu %llu",
		   s->version, s->mode, &s->bs, &s->used, &s->total, &s->remapped, &s->pending,
		   &s->rerr, &s->werr, &s->ok, &s->copies, &s->gen, &s->autor, &s->manual,
		   &s->bad, &s->path) != 16) {
		fprintf(stderr, "dmremap: %s: unexpected status '%s'\n", name, params);
		goto out;
	}
	s->event = info.event_nr;
	r = 0;
out:
	dm_task_destroy(dmt);
	return r;
}

static int cmd_status(int argc, char **argv)
{
	struct live_status s;
	bool json = false;
	const char *name;

	if (argc == 3 && !strcmp(argv[1], "--json"))
		json = true;
	else if (argc != 2)
		return usage(stderr);
	name = argv[argc - 1];
	if (read_status(name, &s))
		return 1;
	if (json)
		printf("{\"name\":\"%s\",\"start\":%" PRIu64 ",\"length\":%" PRIu64
		       ",\"version\":\"%s\",\"mode\":\"%s\",\"block_size\":%u"
		       ",\"spare_used\":%u,\"spare_total\":%u,\"remapped\":%u,\"pending\":%u"
		       ",\"read_errors\":%llu,\"write_errors\":%llu,\"copies_ok\":%u,\"copies\":%u"
		       ",\"generation\":%llu,\"auto_remaps\":%llu,\"manual_remaps\":%llu"
		       ",\"bad\":%llu,\"path_errors\":%llu}\n",
		       name, s.start, s.len, s.version, s.mode, s.bs, s.used, s.total, s.remapped,
		       s.pending, s.rerr, s.werr, s.ok, s.copies, s.gen, s.autor, s.manual, s.bad,
		       s.path);
	else
		printf("name:            %s\nsectors:         %" PRIu64 "-%" PRIu64
		       "\nversion:         %s\nmode:            %s\nblock size:      %u bytes\n"
		       "spare used:      %u of %u blocks (%u%%)\nremapped:        %u blocks\n"
		       "pending:         %u blocks\nerrors:          %llu read, %llu write, %llu path\n"
		       "remaps:          %llu automatic, %llu manual\nbad spare:       %llu blocks\n"
		       "metadata:        %u of %u copies ok, generation %llu\n",
		       name, s.start, s.start + s.len, s.version, s.mode, s.bs, s.used, s.total,
		       s.total ? (unsigned int)(100ULL * s.used / s.total) : 0, s.remapped,
		       s.pending, s.rerr, s.werr, s.path, s.autor, s.manual, s.bad, s.ok,
		       s.copies, s.gen);
	return 0;
}

/*
 * Live commands: the target's messages (docs/target.md), sent as dmsetup
 * message does. A refused message fails with an errno; the kernel logs why.
 */

/* Send one message; *reply (to free) holds the target's answer. */
static int send_message(const char *name, const char *msg, char **reply)
{
	struct live_status st;
	struct dm_task *dmt;
	const char *resp;
	int r = -1;

	*reply = NULL;
	if (read_status(name, &st))
		return -1;
	dmt = dm_task_create(DM_DEVICE_TARGET_MSG);
	if (!dmt)
		return -1;
	if (dm_task_set_name(dmt, name) && dm_task_set_sector(dmt, 0) &&
	    dm_task_set_message(dmt, msg) && dm_task_run(dmt)) {
		resp = dm_task_get_message_response(dmt);
		*reply = strdup(resp ? resp : "");
		r = *reply ? 0 : -1;
	} else {
		fprintf(stderr, "dmremap: %s: \"%s\" refused: %s (the kernel log says why)\n",
			name, msg, strerror(errno));
	}
	dm_task_destroy(dmt);
	return r;
}

static bool parse_sectors(const char *s, u64 *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 10);
	return *s >= '0' && *s <= '9' && !*end && !errno;
}

/* remap, unremap, query: the message, its reply printed as it comes. */
static int cmd_message(int argc, char **argv, const char *verb, int max_args)
{
	char msg[96], *reply;
	u64 sector, count = 0;

	if (argc < 3 || argc > 2 + max_args || !parse_sectors(argv[2], &sector) ||
	    (argc == 4 && (!parse_sectors(argv[3], &count) || !count)))
		return usage(stderr);
	if (argc == 4)
		snprintf(msg, sizeof(msg), "%s %llu %llu", verb, (unsigned long long)sector,
			 (unsigned long long)count);
	else
		snprintf(msg, sizeof(msg), "%s %llu", verb, (unsigned long long)sector);
	if (send_message(argv[1], msg, &reply))
		return 1;
	fputs(reply, stdout);
	free(reply);
	return 0;
}

/* Every remapped and pending block, following the target's next= lines. */
static int cmd_list(int argc, char **argv)
{
	char msg[64], *reply, *next;
	u64 from = 0;

	if (argc != 2)
		return usage(stderr);
	for (;;) {
		snprintf(msg, sizeof(msg), "list %llu", (unsigned long long)from);
		if (send_message(argv[1], msg, &reply))
			return 1;
		next = strstr(reply, "next=");
		if (next && (next == reply || next[-1] == '\n')) {
			*next = '\0';
			fputs(reply, stdout);
			next[5 + strcspn(next + 5, "\n")] = '\0';
			if (!parse_sectors(next + 5, &from)) {
				fprintf(stderr, "dmremap: %s: unexpected list reply\n", argv[1]);
				free(reply);
				return 1;
			}
			free(reply);
			continue;
		}
		fputs(reply, stdout);
		free(reply);
		return 0;
	}
}

static void monitor_line(const char *name, const struct live_status *s,
			 const struct live_status *was)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", localtime_r(&now, &tm));
	printf("%s %s event %u: mode %s, remapped %u, pending %u, spare %u/%u, bad %llu, "
	       "errors %llu read %llu write %llu path, copies %u/%u, generation %llu",
	       when, name, s->event, s->mode, s->remapped, s->pending, s->used, s->total, s->bad,
	       s->rerr, s->werr, s->path, s->ok, s->copies, s->gen);
	if (was) {
		if (strcmp(s->mode, was->mode))
			printf("; mode was %s", was->mode);
		if (s->remapped != was->remapped)
			printf("; %+d remapped", (int)(s->remapped - was->remapped));
		if (s->pending != was->pending)
			printf("; %+d pending", (int)(s->pending - was->pending));
		if (s->ok != was->ok)
			printf("; %+d copies ok", (int)(s->ok - was->ok));
	}
	putchar('\n');
	fflush(stdout);
}

/*
 * One line now, then one per wake-up on dm events (a new remap or pending
 * block, low spare, metadata degraded, mode change; events that come
 * together share a line), until --count events or the device goes away.
 */
static int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	struct live_status s, was;
	struct dm_task *dmt;
	u64 count = 0, seen = 0;
	int c, ok;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'c' || !parse_sectors(optarg, &count) || !count)
			return usage(stderr);
	}
	if (optind != argc - 1)
		return usage(stderr);
	if (read_status(argv[optind], &s))
		return 1;
	monitor_line(argv[optind], &s, NULL);
	while (!count || seen < count) {
		dmt = dm_task_create(DM_DEVICE_WAITEVENT);
		if (!dmt)
			return 1;
		ok = dm_task_set_name(dmt, argv[optind]) && dm_task_set_event_nr(dmt, s.event) &&
		     dm_task_run(dmt);
		dm_task_destroy(dmt);
		was = s;
		if (!ok || read_status(argv[optind], &s)) {
			printf("%s: gone\n", argv[optind]);
			return 0;
		}
		monitor_line(argv[optind], &s, &was);
		seen += s.event - was.event;
	}
	return 0;
}

struct block_list {
	u64 *b;
	size_t n, cap;
};

static bool block_add(struct block_list *l, u64 b)
{
	u64 *nb;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 256;
		nb = realloc(l->b, l->cap * sizeof(*nb));
		if (!nb)
			return false;
		l->b = nb;
	}
	l->b[l->n++] = b;
	return true;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Remap blocks first..last. The target refuses a single block that is
 * already remapped or pending (a range counts them): ask first.
 */
static int import_run(const char *name, u64 first, u64 last, u64 bs_sectors,
		      unsigned long long *count)
{
	unsigned long long r, p, a;
	char msg[96], *reply;

	if (first == last) {
		snprintf(msg, sizeof(msg), "query %llu", (unsigned long long)(first * bs_sectors));
		if (send_message(name, msg, &reply))
			return -1;
		r = !strstr(reply, "state=ok");
		free(reply);
		if (r) {
			count[2]++;
			return 0;
		}
	}
	snprintf(msg, sizeof(msg), "remap %llu %llu", (unsigned long long)(first * bs_sectors),
		 (unsigned long long)((last - first + 1) * bs_sectors));
	if (send_message(name, msg, &reply))
		return -1;
	if (sscanf(reply, "remapped=%llu pending=%llu already=%llu", &r, &p, &a) == 3) {
		count[0] += r;
		count[1] += p;
		count[2] += a;
	} else if (!strncmp(reply, "remapped ", 9)) {
		count[0]++;
	} else if (!strncmp(reply, "pending ", 8)) {
		count[1]++;
	}
	free(reply);
	return 0;
}

/*
 * A `badblocks -o` list (one block number per line, in badblocks' block
 * size: 1024 bytes unless its -b said otherwise): every remap block touching
 * a listed block is remapped, runs of adjacent ones in one message (one
 * commit). A block main cannot read becomes pending; blocks already
 * remapped or pending are counted, not refused.
 */
static int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "block-size", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long long count[3] = { 0, 0, 0 };	/* remapped, pending, already */
	u64 bb_sectors = 2, v, s, bs_sectors, i, j;
	struct block_list l = { NULL, 0, 0 };
	struct live_status st;
	char line[64];
	FILE *f;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'b' || !parse_sectors(optarg, &v) || v < 512 || v % 512 || v > 1 << 20)
			return usage(stderr);
		bb_sectors = v / 512;
	}
	if (optind != argc - 2)
		return usage(stderr);
	if (read_status(argv[optind], &st))
		return 1;
	bs_sectors = st.bs / 512;
	f = fopen(argv[optind + 1], "r");
	if (!f) {
		fprintf(stderr, "dmremap: %s: %s\n", argv[optind + 1], strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (!*line)
			continue;
		if (!parse_sectors(line, &v) || v > UINT64_MAX / 2 / bb_sectors) {
			fprintf(stderr, "dmremap: %s: not a block number: '%s'\n", argv[optind + 1],
				line);
			rc = 1;
			break;
		}
		for (s = v * bb_sectors; s < (v + 1) * bb_sectors; s += bs_sectors - s % bs_sectors)
			if (!block_add(&l, s / bs_sectors)) {
				rc = 1;
				break;
			}
	}
	fclose(f);
	if (!rc) {
		qsort(l.b, l.n, sizeof(*l.b), cmp_u64);
		for (i = 0; i < l.n; i = j) {
			for (j = i + 1; j < l.n && l.b[j] <= l.b[j - 1] + 1; j++)
				;
			if (import_run(argv[optind], l.b[i], l.b[j - 1], bs_sectors, count))
				rc = 1;
		}
		printf("%s: %llu remapped, %llu pending (main unreadable: the data is lost until rewritten), %llu already\n",
		       argv[optind], count[0], count[1], count[2]);
	}
	free(l.b);
	return rc;
}

/*
 * Offline commands: the metadata of a spare region, read from the spare
 * device or an image of it by the core's own loader (dmr_store_load, the
 * code the kernel activates with). check and dump load read-only and never
 * write; format, repair and restore write with the core's commit, copy by
 * copy, each copy flushed (fsync) before the next is touched, so that a
 * crash leaves at least one valid copy wherever there was one.
 */

#define SCRATCH_PAGES 64U

struct spare_file {
	const char *path;
	int fd;
	u64 sectors;
	bool writable;
};

/* Whole transfers only: a short one (the end of the file) is an error. */
static int file_rw(struct spare_file *f, u64 sector, char *buf, size_t bytes, bool write)
{
	size_t done = 0;
	ssize_t n;
	off_t at;

	if (sector > (u64)INT64_MAX >> DMR_SECTOR_SHIFT)
		return -EINVAL;
	while (done < bytes) {
		at = (off_t)(sector << DMR_SECTOR_SHIFT) + (off_t)done;
		n = write ? pwrite(f->fd, buf + done, bytes - done, at) :
			    pread(f->fd, buf + done, bytes - done, at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int file_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	return file_rw(ctx, sector, buf, bytes, false);
}

static int file_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	struct spare_file *f = ctx;

	if (!f->writable)
		return -EROFS;
	/* pwrite() only reads the buffer. */
	return file_rw(f, sector, (char *)buf, bytes, true);
}

/* The commit's flush: fsync reaches the device's cache on a block device. */
static int file_flush(void *ctx)
{
	struct spare_file *f = ctx;

	if (!f->writable)
		return -EROFS;
	return fsync(f->fd) ? -errno : 0;
}

struct offline_args {
	const char *path;
	u64 spare_start;	/* sectors */
	u64 spare_len;
	u64 len;		/* --len, 0: from the superblock */
	u32 block_size;		/* --block-size, 0: from the superblock */
	bool json;
	bool force;
	bool write;		/* open the spare for writing */
	const char *file;	/* restore's dump */
};

/* What a command takes beyond <spare_dev|image> <spare_start> <spare_len>. */
#define ARG_JSON 1U
#define ARG_FORCE 2U
#define ARG_FILE 4U		/* a fourth argument */

struct offline {
	struct spare_file f;
	FILE *out;		/* where findings go: stdout for check, stderr for the others */
	struct dmr_geometry geo;
	struct dmr_io io;
	struct dmr_meta m;
	bool meta_init;
	struct dmr_index *ix;
	struct dmr_load_report rep;
};

/* <spare_dev|image> <spare_start> <spare_len> [--block-size <bytes>] [--len <sectors>], and what takes says */
static int offline_args(int argc, char **argv, unsigned int takes, struct offline_args *a)
{
	static const struct option opts[] = {
		{ "block-size", required_argument, NULL, 'b' },
		{ "len", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	u64 v;
	int c;

	memset(a, 0, sizeof(*a));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (dmr_parse_u64(optarg, &v) || v < DMR_MIN_BLOCK_SIZE ||
			    v > DMR_MAX_BLOCK_SIZE || (v & (v - 1))) {
				fprintf(stderr, "dmremap: --block-size: a power of two from 512 to 4096 bytes\n");
				return 2;
			}
			a->block_size = (u32)v;
			break;
		case 'l':
			if (dmr_parse_u64(optarg, &a->len) || !a->len) {
				fprintf(stderr, "dmremap: --len: not a positive decimal sector count\n");
				return 2;
			}
			break;
		case 'j':
			if (!(takes & ARG_JSON))
				return usage(stderr);
			a->json = true;
			break;
		case 'f':
			if (!(takes & ARG_FORCE))
				return usage(stderr);
			a->force = true;
			break;
		default:
			return usage(stderr);
		}
	}
	if (argc - optind != ((takes & ARG_FILE) ? 4 : 3))
		return usage(stderr);
	if (takes & ARG_FILE)
		a->file = argv[optind + 3];
	a->path = argv[optind];
	if (dmr_parse_u64(argv[optind + 1], &a->spare_start) ||
	    dmr_parse_u64(argv[optind + 2], &a->spare_len)) {
		fprintf(stderr, "dmremap: spare_start and spare_len are decimal sector numbers\n");
		return 2;
	}
	return 0;
}

/* A finding about the metadata: check reports it on stdout, the others on stderr. */
static dmr_printf(2, 3) void finding(const struct offline *o, const char *fmt, ...)
{
	va_list ap;

	if (o->out == stderr)
		fprintf(stderr, "dmremap: %s: ", o->f.path);
	va_start(ap, fmt);
	vfprintf(o->out, fmt, ap);
	va_end(ap);
}

/*
 * Open the spare device or image; -1 (reported on stderr) if unusable. A
 * block device to be written is opened exclusively: a live target (or a
 * mounted filesystem) holds it, and its metadata is the target's to write.
 */
static int open_spare(struct offline *o, const struct offline_args *a)
{
	struct stat st;
	uint64_t bytes;
	const char *why = NULL;
	int flags = O_RDONLY;

	o->f.path = a->path;
	if (a->write)
		flags = !stat(a->path, &st) && S_ISBLK(st.st_mode) ? O_RDWR | O_EXCL : O_RDWR;
	o->f.fd = open(a->path, flags | O_CLOEXEC);
	o->f.writable = a->write && o->f.fd >= 0;
	if (o->f.fd < 0 && errno == EBUSY)
		why = "in use (a live dm-remap device or a mount holds it; remove it first)";
	else if (o->f.fd < 0 || fstat(o->f.fd, &st))
		why = strerror(errno);
	else if (S_ISBLK(st.st_mode) && ioctl(o->f.fd, BLKGETSIZE64, &bytes))
		why = strerror(errno);
	else if (S_ISREG(st.st_mode))
		bytes = (uint64_t)st.st_size;
	else if (!S_ISBLK(st.st_mode))
		why = "not a block device or regular file";
	if (why) {
		fprintf(stderr, "dmremap: %s: %s\n", a->path, why);
		return -1;
	}
	o->f.sectors = bytes >> DMR_SECTOR_SHIFT;
	if (a->spare_start > o->f.sectors || a->spare_len > o->f.sectors - a->spare_start) {
		fprintf(stderr, "dmremap: %s: spare region %" PRIu64 "+%" PRIu64
			" ends past the end (%" PRIu64 " sectors)\n", a->path,
			a->spare_start, a->spare_len, o->f.sectors);
		return -1;
	}
	return 0;
}

/*
 * The geometry, from the first valid superblock that sits where its own
 * layout puts it and describes this spare region (and --block-size and
 * --len, if given). Every block size's copy positions are tried, so a
 * damaged copy 0 is no obstacle. 0 found, 1 finding reported, -1 unusable.
 */
static int find_geometry(struct offline *o, const struct offline_args *a)
{
	static const u32 sizes[] = { 512, 1024, 2048, 4096 };
	struct dmr_sb_info sb, other;
	struct dmr_placement p;
	enum dmr_sb_verdict v;
	u64 seen[ARRAY_SIZE(sizes) * DMR_MAX_COPIES], sector, home, other_sector = 0;
	u32 nseen = 0, i, j, c, bs_sectors;
	bool have_other = false, nonzero = false, tried = false;
	char why[112], notes[4096], at[80], *perr = NULL;
	struct dmr_out n;
	int r;

	dmr_out_init(&n, notes, sizeof(notes));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (a->block_size && sizes[i] != a->block_size)
			continue;
		bs_sectors = sizes[i] >> DMR_SECTOR_SHIFT;
		if (a->spare_start % bs_sectors || a->spare_len % bs_sectors ||
		    dmr_placement(a->spare_len, sizes[i], &p, &perr))
			continue;
		tried = true;
		for (c = 0; c < p.copies; c++) {
			sector = a->spare_start + p.start[c] * bs_sectors;
			for (j = 0; j < nseen && seen[j] != sector; j++)
				;
			if (j < nseen)
				continue;
			seen[nseen++] = sector;
			/* Copy 0 starts the region whatever the block size. */
			if (c)
				snprintf(at, sizeof(at), "sector %" PRIu64 " (copy %u at block_size %u)",
					 sector, c, sizes[i]);
			else
				snprintf(at, sizeof(at), "sector %" PRIu64 " (copy 0)", sector);
			r = file_read(&o->f, sector, o->io.buf, DMR_META_PAGE_SIZE);
			if (r) {
				nonzero = true;
				dmr_out(&n, "  %s: read error: %s\n", at, strerror(-r));
				continue;
			}
			v = dmr_sb_decode(o->io.buf, NULL, &sb, why, sizeof(why));
			if (v == DMR_SB_ZERO)
				continue;
			nonzero = true;
			if (v != DMR_SB_VALID) {
				dmr_out(&n, "  %s: %s: %s\n", at, dmr_sb_verdict_name(v), why);
				continue;
			}
			home = sb.geo.spare_start +
			       (u64)sb.copy_start[sb.copy_index] * (sb.geo.block_size >> DMR_SECTOR_SHIFT);
			if (home != sector) {
				dmr_out(&n, "  %s: superblock of copy %u, out of place (it belongs at sector %" PRIu64 ")\n",
					at, sb.copy_index, home);
				continue;
			}
			if (sb.geo.spare_start == a->spare_start && sb.geo.spare_len == a->spare_len &&
			    (!a->block_size || sb.geo.block_size == a->block_size) &&
			    (!a->len || sb.geo.main_len == a->len)) {
				o->geo = sb.geo;
				return 0;
			}
			if (!have_other) {
				other = sb;
				other_sector = sector;
				have_other = true;
			}
		}
	}
	if (!tried) {
		fprintf(stderr, "dmremap: %s: no usable layout for spare region %" PRIu64 "+%" PRIu64
			"%s: %s\n", a->path, a->spare_start, a->spare_len,
			a->block_size ? " at this --block-size" : "",
			perr ? perr : "spare_start and spare_len must be multiples of the block size");
		return -1;
	}
	if (have_other) {
		finding(o, "the superblock at sector %" PRIu64 " (copy %u, generation %" PRIu64
			") is for block_size %u, len %" PRIu64 ", spare_start %" PRIu64
			", spare_len %" PRIu64 "; it does not match the given%s%s%s%s\n",
			other_sector, other.copy_index, other.generation, other.geo.block_size,
			other.geo.main_len, other.geo.spare_start, other.geo.spare_len,
			other.geo.spare_start != a->spare_start ? " spare_start" : "",
			other.geo.spare_len != a->spare_len ? " spare_len" : "",
			a->block_size && other.geo.block_size != a->block_size ? " --block-size" : "",
			a->len && other.geo.main_len != a->len ? " --len" : "");
		return 1;
	}
	if (!nonzero) {
		finding(o, "spare region %" PRIu64 "+%" PRIu64 " is not formatted: every metadata position is zero\n",
			a->spare_start, a->spare_len);
		return 1;
	}
	finding(o, "no valid dm-remap superblock for spare region %" PRIu64 "+%" PRIu64 ":\n%s",
		a->spare_start, a->spare_len, notes);
	return 1;
}

static void offline_close(struct offline *o)
{
	dmr_index_free(o->ix);
	if (o->meta_init)
		dmr_meta_destroy(&o->m);
	free(o->io.buf);
	if (o->f.fd >= 0)
		close(o->f.fd);
}

/* Before anything can fail: offline_close() works on it. */
static int offline_setup(struct offline *o, FILE *out)
{
	memset(o, 0, sizeof(*o));
	o->f.fd = -1;
	o->out = out;
	o->io.ctx = &o->f;
	o->io.read = file_read;
	o->io.write = file_write;
	o->io.flush = file_flush;
	o->io.buf_pages = SCRATCH_PAGES;
	o->io.buf = aligned_alloc(DMR_META_PAGE_SIZE, SCRATCH_PAGES * DMR_META_PAGE_SIZE);
	if (!o->io.buf) {
		fprintf(stderr, "dmremap: out of memory\n");
		return -1;
	}
	return 0;
}

/*
 * Open, find the geometry and load the metadata with the loader's flags
 * (DMR_LOAD_READ_ONLY, or DMR_LOAD_NO_FORMAT to repair). 0 loaded, 1 a
 * finding (reported on out), -1 unusable (reported on stderr).
 */
static int offline_open(struct offline *o, const struct offline_args *a, FILE *out,
			unsigned int flags)
{
	char err[1024];
	int r;

	if (offline_setup(o, out) || open_spare(o, a))
		return -1;
	r = find_geometry(o, a);
	if (r)
		return r;
	r = dmr_meta_init(&o->m, &o->geo, err, sizeof(err));
	if (r) {
		fprintf(stderr, "dmremap: %s: %s\n", a->path, err);
		return -1;
	}
	o->meta_init = true;
	r = dmr_store_load(&o->m, &o->io, flags, &o->ix, &o->rep, err, sizeof(err));
	if (r == -ENOMEM) {
		fprintf(stderr, "dmremap: %s: %s\n", a->path, err);
		return -1;
	}
	if (r) {
		finding(o, "cannot load the metadata: %s\n", err);
		return 1;
	}
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct offline_args a;
	struct offline o;
	const struct dmr_copy_info *ci;
	u32 c, problems = 0, violations;
	struct dmr_out out;
	char *buf, *line, *next, rb[64];
	const char *why;
	int r;

	r = offline_args(argc, argv, 0, &a);
	if (r)
		return r;
	r = offline_open(&o, &a, stdout, DMR_LOAD_READ_ONLY);
	if (r) {
		if (r > 0)
			printf("fail: 1 problem(s)\n");
		offline_close(&o);
		return 1;
	}
	printf("spare region %" PRIu64 "+%" PRIu64 " of %s: block_size %u, len %" PRIu64
	       ", %s layout, %u copies\n", o.geo.spare_start, o.geo.spare_len, a.path,
	       o.geo.block_size, o.geo.main_len, o.m.place.strategy, o.m.place.copies);
	for (c = 0; c < o.m.place.copies; c++) {
		ci = &o.rep.copy[c];
		printf("copy %u at sector %" PRIu64 ": %s, generation ", c,
		       dmr_copy_page_sector(&o.m, c, 0), dmr_copy_state_name(ci->state));
		dump_generation(stdout, ci->generation);
		why = dump_copy_reason(&o.m, &o.rep, c, rb, sizeof(rb));
		printf("%s%s\n", why[0] ? ": " : "", why);
		if (ci->state != DMR_COPY_OK)
			problems++;
	}
	printf("generation %" PRIu64 " from copy %d: %u remapped, %u pending, %u bad, %u free\n",
	       o.m.generation, o.rep.chosen, o.m.nr_remapped, o.m.nr_pending,
	       o.m.alloc.nr_bad, dmr_alloc_free(&o.m.alloc));

	buf = malloc(65536);
	if (!buf) {
		fprintf(stderr, "dmremap: out of memory\n");
		offline_close(&o);
		return 1;
	}
	dmr_out_init(&out, buf, 65536);
	violations = dmr_meta_check(&o.m, o.ix, &out);
	problems += violations;
	if (!violations) {
		printf("invariants: ok\n");
	} else {
		printf("invariants: %u violation(s)\n", violations);
		for (line = buf; *line; line = next) {
			next = strchr(line, '\n');
			next = next ? next + 1 : line + strlen(line);
			printf("  %.*s", (int)(next - line), line);
		}
		if (out.truncated)
			printf("  (more not shown)\n");
	}
	free(buf);
	if (problems)
		printf("fail: %u problem(s)\n", problems);
	else
		printf("ok\n");
	offline_close(&o);
	return problems ? 1 : 0;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void dump_json(const struct offline *o)
{
	const struct dmr_meta *m = &o->m;
	const struct dmr_copy_info *ci;
	u32 bs_sectors = m->geo.block_size >> DMR_SECTOR_SHIFT, c, i, b;
	const char *sep = "";
	char rb[64];

	printf("{\"device\":");
	json_str(o->f.path);
	printf(",\"block_size\":%u,\"main_len\":%" PRIu64 ",\"spare_start\":%" PRIu64
	       ",\"spare_len\":%" PRIu64 ",\"blocks\":%u,\"strategy\":\"%s\",\"copy_blocks\":%" PRIu64
	       ",\"copies\":[", m->geo.block_size, m->geo.main_len, m->geo.spare_start,
	       m->geo.spare_len, m->nr_blocks, m->place.strategy, m->place.copy_blocks);
	for (c = 0; c < m->place.copies; c++) {
		ci = &o->rep.copy[c];
		printf("%s{\"index\":%u,\"sector\":%" PRIu64 ",\"block\":%" PRIu64
		       ",\"state\":\"%s\",\"generation\":%" PRIu64 ",\"reason\":",
		       c ? "," : "", c, dmr_copy_page_sector(m, c, 0), m->place.start[c],
		       dmr_copy_state_name(ci->state), ci->generation);
		json_str(dump_copy_reason(m, &o->rep, c, rb, sizeof(rb)));
		putchar('}');
	}
	printf("],\"generation\":%" PRIu64 ",\"loaded_from\":%d,\"compat_ro\":%u,\"compat\":%u"
	       ",\"remapped\":%u,\"pending\":%u,\"bad\":%u,\"reserved\":%u,\"used\":%u,\"free\":%u"
	       ",\"slots\":[", m->generation, o->rep.chosen, m->compat_ro, m->compat,
	       m->nr_remapped, m->nr_pending, m->alloc.nr_bad, m->alloc.nr_reserved,
	       m->alloc.nr_used, dmr_alloc_free(&m->alloc));
	for (i = 0; i < o->ix->count; i++, sep = ",") {
		struct dmr_index_entry e = dmr_index_get(o->ix, i);

		printf("%s{\"main_sector\":%" PRIu64 ",\"state\":\"%s\",\"spare_block\":%u"
		       ",\"spare_sector\":%" PRIu64 "}", sep, e.main_block * bs_sectors,
		       dump_state_name(e.state), e.spare_block, dmr_spare_sector(m, e.spare_block));
	}
	for (b = 0; b < m->nr_blocks; b++) {
		if (dmr_slot_state(m->slots[b]) != DMR_SLOT_BAD)
			continue;
		printf("%s{\"main_sector\":null,\"state\":\"bad\",\"spare_block\":%u"
		       ",\"spare_sector\":%" PRIu64 "}", sep, b, dmr_spare_sector(m, b));
		sep = ",";
	}
	printf("]}\n");
}

static int cmd_dump(int argc, char **argv)
{
	struct offline_args a;
	struct offline o;
	int r;

	r = offline_args(argc, argv, ARG_JSON, &a);
	if (r)
		return r;
	r = offline_open(&o, &a, stderr, DMR_LOAD_READ_ONLY);
	if (!r) {
		if (a.json)
			dump_json(&o);
		else
			dump_text(stdout, &o.m, o.ix, &o.rep);
		if (fflush(stdout)) {
			fprintf(stderr, "dmremap: writing the dump: %s\n", strerror(errno));
			r = 1;
		}
	}
	offline_close(&o);
	return r ? 1 : 0;
}

/* The spare region's line that check, repair and format print first. */
static void print_region(const struct offline *o)
{
	printf("spare region %" PRIu64 "+%" PRIu64 " of %s: block_size %u, len %" PRIu64
	       ", %s layout, %u copies\n", o->m.geo.spare_start, o->m.geo.spare_len, o->f.path,
	       o->m.geo.block_size, o->m.geo.main_len, o->m.place.strategy, o->m.place.copies);
}

/*
 * After a commit to every copy (ci: its outcome per copy): read each
 * written copy back and compare it with memory, a line per copy. Returns
 * 0 if every copy was written and read back intact, else 1 (the exit status).
 */
static int report_written(const struct offline *o, const struct dmr_copy_info *ci)
{
	struct dmr_copy_info v;
	u32 c, ok = 0;

	for (c = 0; c < o->m.place.copies; c++) {
		printf("copy %u at sector %" PRIu64 ": ", c, dmr_copy_page_sector(&o->m, c, 0));
		if (ci[c].state != DMR_COPY_OK) {
			printf("write failed: %s\n", ci[c].why);
			continue;
		}
		dmr_store_verify_copy(&o->m, &o->io, c, &v);
		if (v.state != DMR_COPY_OK) {
			printf("written, but reads back %s: %s\n", dmr_copy_state_name(v.state), v.why);
			continue;
		}
		printf("written, generation %" PRIu64 ", read back ok\n", o->m.generation);
		ok++;
	}
	if (ok == o->m.place.copies)
		return 0;
	fprintf(stderr, "dmremap: %s: not every copy was written\n", o->f.path);
	return 1;
}

/*
 * What a region that is not all zeroes holds, on stderr: the metadata the
 * given geometry loads, or where the data starts and why it does not load.
 */
static void describe_contents(struct offline *o, u64 data)
{
	struct dmr_index *ix = NULL;
	char err[1024];
	bool empty = true;
	u32 c;

	if (!dmr_store_load(&o->m, &o->io, DMR_LOAD_READ_ONLY, &ix, &o->rep, err, sizeof(err))) {
		finding(o, "spare region %" PRIu64 "+%" PRIu64 " holds dm-remap metadata: generation %"
			PRIu64 ", %u remapped, %u pending, %u bad (dmremap dump lists them)\n",
			o->m.geo.spare_start, o->m.geo.spare_len, o->m.generation,
			o->m.nr_remapped, o->m.nr_pending, o->m.alloc.nr_bad);
		dmr_index_free(ix);
		return;
	}
	for (c = 0; c < o->m.place.copies; c++)
		empty &= o->rep.copy[c].state == DMR_COPY_EMPTY;
	finding(o, "spare region %" PRIu64 "+%" PRIu64 " holds data from sector %" PRIu64 " on, and %s%s\n",
		o->m.geo.spare_start, o->m.geo.spare_len, data,
		empty ? "every metadata copy position is zero" :
		"no dm-remap metadata this geometry can use: ", empty ? "" : err);
}

static int cmd_format(int argc, char **argv)
{
	struct dmr_copy_info ci[DMR_MAX_COPIES];
	struct offline_args a;
	struct offline o;
	u64 bs_sectors, data;
	char err[256];
	int r;

	r = offline_args(argc, argv, ARG_FORCE, &a);
	if (r)
		return r;
	if (!a.block_size || !a.len) {
		fprintf(stderr, "dmremap: format needs --block-size and --len (the table line's block_size and len)\n");
		return 2;
	}
	bs_sectors = a.block_size >> DMR_SECTOR_SHIFT;
	if (a.spare_start % bs_sectors || a.spare_len % bs_sectors || a.len % bs_sectors) {
		fprintf(stderr, "dmremap: spare_start, spare_len and --len must be multiples of the block size (%" PRIu64 " sectors)\n",
			bs_sectors);
		return 2;
	}
	a.write = true;
	r = 1;
	if (offline_setup(&o, stderr) || open_spare(&o, &a))
		goto out;
	o.geo = (struct dmr_geometry){ .main_len = a.len, .spare_start = a.spare_start,
				       .spare_len = a.spare_len, .block_size = a.block_size };
	if (dmr_meta_init(&o.m, &o.geo, err, sizeof(err))) {
		fprintf(stderr, "dmremap: %s: %s\n", a.path, err);
		goto out;
	}
	o.meta_init = true;
	/* The module formats only an all-zero region; the tool asks for --force. */
	r = dmr_store_first_data(&o.m, &o.io, &data);
	if (r) {
		fprintf(stderr, "dmremap: %s: cannot read the spare region: %s\n", a.path,
			strerror(-r));
		r = 1;
		goto out;
	}
	r = 1;
	if (data < a.spare_start + a.spare_len) {
		describe_contents(&o, data);
		if (!a.force) {
			finding(&o, "refusing to format it; --force overwrites it\n");
			goto out;
		}
		finding(&o, "overwriting it (--force)\n");
	}
	dmr_store_format(&o.m, &o.io, ci);
	printf("formatted ");
	print_region(&o);
	r = report_written(&o, ci);
out:
	offline_close(&o);
	return r;
}

/*
 * The loader repairs (dmr_store_load without DMR_LOAD_READ_ONLY, as the
 * module at activation): the newest valid copy is rewritten over every
 * other, one at a time. With no valid copy it writes nothing.
 */
static int cmd_repair(int argc, char **argv)
{
	struct offline_args a;
	struct offline o;
	const struct dmr_copy_info *ci;
	struct dmr_copy_info v;
	u32 c, repaired = 0, failed = 0;
	int r;

	r = offline_args(argc, argv, 0, &a);
	if (r)
		return r;
	a.write = true;
	r = offline_open(&o, &a, stderr, DMR_LOAD_NO_FORMAT);
	if (r) {
		if (r > 0)
			finding(&o, "nothing written\n");
		offline_close(&o);
		return 1;
	}
	print_region(&o);
	for (c = 0; c < o.m.place.copies; c++) {
		ci = &o.rep.copy[c];
		printf("copy %u at sector %" PRIu64 ": ", c, dmr_copy_page_sector(&o.m, c, 0));
		if (!(o.rep.repaired & (1U << c))) {
			if (ci->state != DMR_COPY_OK) {
				failed++;
				printf("%s%s%s\n", dmr_copy_state_name(ci->state),
				       ci->why[0] ? ": " : "", ci->why);
			} else {
				printf("ok, generation %" PRIu64 "%s\n", o.m.generation,
				       c == (u32)o.rep.chosen && o.rep.repaired ? ", the source" : "");
			}
			continue;
		}
		repaired++;
		dmr_store_verify_copy(&o.m, &o.io, c, &v);
		if (v.state != DMR_COPY_OK) {
			failed++;
			printf("rewritten, but reads back %s: %s\n", dmr_copy_state_name(v.state), v.why);
			continue;
		}
		printf("repaired, generation %" PRIu64 " (was %s%s%s)\n", o.m.generation,
		       dmr_copy_state_name(ci->state), ci->why[0] ? ": " : "", ci->why);
	}
	printf("generation %" PRIu64 " from copy %d: %u remapped, %u pending, %u bad, %u free\n",
	       o.m.generation, o.rep.chosen, o.m.nr_remapped, o.m.nr_pending,
	       o.m.alloc.nr_bad, dmr_alloc_free(&o.m.alloc));
	if (failed)
		printf("fail: %u copy(ies) not repaired\n", failed);
	else if (repaired)
		printf("repaired %u copy(ies)\n", repaired);
	else
		printf("clean: nothing to repair, nothing written\n");
	offline_close(&o);
	return failed ? 1 : 0;
}

/* The whole of path ("-": stdin) in *text; 0, or -1 reported. */
static int read_all(const char *path, char **text, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	size_t cap = 1 << 16, n;
	char *buf = NULL, *nb;

	*len = 0;
	if (!f) {
		fprintf(stderr, "dmremap: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		nb = realloc(buf, cap);
		if (!nb) {
			fprintf(stderr, "dmremap: %s: out of memory\n", path);
			break;
		}
		buf = nb;
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (*len < cap)
			break;
		cap *= 2;
	}
	if (!nb || ferror(f)) {
		if (nb)
			fprintf(stderr, "dmremap: %s: read error\n", path);
		free(buf);
		if (f != stdin)
			fclose(f);
		return -1;
	}
	if (f != stdin)
		fclose(f);
	*text = buf;
	return 0;
}

/*
 * Write the metadata of a `dmremap dump` (its text) to every copy, at the
 * dump's generation, with the commit the module uses: dump, restore and
 * dump again give the same text. Nothing is written unless the whole dump
 * is valid and is of this spare region.
 */
static int cmd_restore(int argc, char **argv)
{
	struct dmr_copy_info ci[DMR_MAX_COPIES];
	struct offline_args a;
	struct offline o;
	char err[512], *text = NULL;
	size_t len;
	u64 generation;
	int r;

	r = offline_args(argc, argv, ARG_FILE, &a);
	if (r)
		return r;
	r = 1;
	if (offline_setup(&o, stderr) || read_all(a.file, &text, &len))
		goto out;
	if (dump_parse(text, len, &o.m, &o.ix, err, sizeof(err))) {
		fprintf(stderr, "dmremap: %s: %s; nothing written\n", a.file, err);
		goto out;
	}
	o.meta_init = true;
	if (o.m.geo.spare_start != a.spare_start || o.m.geo.spare_len != a.spare_len ||
	    (a.block_size && o.m.geo.block_size != a.block_size) ||
	    (a.len && o.m.geo.main_len != a.len)) {
		fprintf(stderr, "dmremap: %s: the dump is of spare region %" PRIu64 "+%" PRIu64
			" (block_size %u, len %" PRIu64 "), not of the one given; nothing written\n",
			a.file, o.m.geo.spare_start, o.m.geo.spare_len, o.m.geo.block_size,
			o.m.geo.main_len);
		goto out;
	}
	a.write = true;
	if (open_spare(&o, &a))
		goto out;
	/* Every page is dirty since dmr_meta_init: the commit writes whole copies. */
	generation = o.m.generation;
	o.m.generation = generation - 1;
	dmr_store_commit(&o.m, &o.io, ci);
	printf("restored generation %" PRIu64 " (%u remapped, %u pending, %u bad) to ", generation,
	       o.m.nr_remapped, o.m.nr_pending, o.m.alloc.nr_bad);
	print_region(&o);
	r = report_written(&o, ci);
out:
	free(text);
	offline_close(&o);
	return r;
}

/* A command runs a function, or sends its name as a message taking up to msg_args numbers. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	int msg_args;
} commands[] = {
	{ "create", cmd_create, 0 },
	{ "remove", cmd_remove, 0 },
	{ "status", cmd_status, 0 },
	{ "remap", NULL, 2 },
	{ "unremap", NULL, 1 },
	{ "query", NULL, 2 },
	{ "list", cmd_list, 0 },
	{ "monitor", cmd_monitor, 0 },
	{ "import-badblocks", cmd_import, 0 },
	{ "check", cmd_check, 0 },
	{ "dump", cmd_dump, 0 },
	{ "format", cmd_format, 0 },
	{ "repair", cmd_repair, 0 },
	{ "restore", cmd_restore, 0 },
};

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return usage(stdout);
	for (c = commands; c < commands + ARRAY_SIZE(commands); c++) {
		if (strcmp(argv[1], c->name))
			continue;
		if (c->run)
			return c->run(argc - 1, argv + 1);
		return cmd_message(argc - 1, argv + 1, c->name, c->msg_args);
	}
	fprintf(stderr, "dmremap: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
