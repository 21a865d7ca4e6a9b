// SPDX-License-Identifier: GPL-2.0-only
/*
 * dmr-blkio: O_DIRECT block workloads for the VM scenarios, with every block
 * read checked against what was written to it.
 *
 * Every 4 KiB block written holds a header (magic, run id, block number,
 * version) and a pseudo-random body derived from them, so a block read back
 * is either one exact version of that block from this run, or wrong (zeros,
 * another block's data, a torn or stale mix).
 *
 *   dmr-blkio hammer <dev> [options]
 *     One writer thread per block of --single, one writer of --wide writing
 *     all its blocks in one bio, --readers threads reading random runs of
 *     --span; writers pause up to --pause-us between writes. A reader
 *     snapshots, per block, the last acknowledged version before its read
 *     and the last submitted version after it. If they are equal, no write
 *     of the block overlapped the read and it must return exactly that
 *     version (no stale read, nothing made up, nothing torn). Otherwise the
 *     device may return a mix of the versions written meanwhile (QEMU's host
 *     I/O tears such reads too, as real disks may): every 8-byte word must
 *     come from one of them, never from elsewhere. Writes must all
 *     succeed. Reads may fail only while bad blocks are appearing: after
 *     SIGUSR1 ("main is about to get bad blocks") and before SIGUSR2 ("the
 *     table change is complete"); after SIGUSR2, only on a block whose last
 *     acknowledged write was submitted before SIGUSR2 (its data was on main
 *     when main failed: gone, EIO is the honest answer). At the end every
 *     block must hold its last acknowledged version. The load runs for
 *     --seconds, or until SIGTERM.
 *
 *   dmr-blkio fill <dev> [options]
 *     --threads writers write every block of --range one block at a time,
 *     pass after pass (version = pass), until --stop-file exists, then one
 *     more whole pass. Writes may fail (a bad block without spare). Meanwhile
 *     a writer rewrites --good in runs of 16 blocks and a reader checks it:
 *     there nothing may fail. At the end, every block of --range whose last
 *     write succeeded must read back that version, every block whose last
 *     write failed must fail to read (never zeros, never stale data).
 *     Failed writes must fail with EIO; with --enodev-ok also with ENODEV
 *     (a device going away says "offline" on newer kernels).
 *
 *   dmr-blkio verify <dev> <state file>
 *     Every block named in the state file (written by --state) must read
 *     back with that version, or fail to read where the state says "failed".
 *
 * Blocks are 4096 bytes; block numbers count 4 KiB blocks of <dev>.
 * Exit status 0 only if every check held; the last line says what was done.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BS 4096u
#define MAGIC 0x4f49424b4c524d44ull	/* "DMRLKBIO" */
#define MAX_RUN 16u

struct hdr {
	uint64_t magic;
	uint64_t run;
	uint64_t block;
	uint64_t version;
};

static int fd;
static uint64_t run_id;
static volatile sig_atomic_t stop_now;

static int errors;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void report(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

/* A failed check: counted, the first few printed. */
static void bad(const char *fmt, ...)
{
	va_list ap;
	int n;

	n = __atomic_add_fetch(&errors, 1, __ATOMIC_SEQ_CST);
	if (n > 20)
		return;
	pthread_mutex_lock(&out_lock);
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fill_block(uint8_t *p, uint64_t block, uint64_t version)
{
	struct hdr *h = (struct hdr *)p;
	uint64_t s = run_id ^ (block * 0x100000001b3ull) ^ (version << 40), *w;
	unsigned int i;

	h->magic = MAGIC;
	h->run = run_id;
	h->block = block;
	h->version = version;
	w = (uint64_t *)(p + sizeof(*h));
	for (i = 0; i < (BS - sizeof(*h)) / 8; i++)
		w[i] = splitmix(&s);
}

/*
 * The version a block holds, or -1 with *why set: all zeros, not ours,
 * another block's, or a body that does not match its header.
 */
static int64_t block_version(const uint8_t *p, uint64_t block, const char **why)
{
	static __thread uint8_t *ref;
	const struct hdr *h = (const struct hdr *)p;
	unsigned int i;

	if (!ref && posix_memalign((void **)&ref, BS, BS))
		abort();
	if (h->magic != MAGIC || h->run != run_id) {
		for (i = 0; i < BS && !p[i]; i++)
			;
		*why = i == BS ? "all zeros" : h->magic != MAGIC ? "no header" : "another run's data";
		return -1;
	}
	if (h->block != block) {
		*why = "another block's data";
		return -1;
	}
	fill_block(ref, block, h->version);
	if (memcmp(ref, p, BS)) {
		*why = "body does not match its header (torn or mixed)";
		return -1;
	}
	return (int64_t)h->version;
}

/*
 * A read that overlapped writes of the block (versions lo..hi): the device
 * may return any mix of them (here too: QEMU's host I/O tears too, and so
 * does real hardware), so every 8-byte word must come from one of them.
 * Returns false if a word matches none (zeros, another block's or another
 * run's data, a version from outside the window).
 */
#define MAX_WINDOW 64u

static bool words_from_versions(const uint8_t *p, uint64_t block, uint64_t lo, uint64_t hi)
{
	static __thread uint8_t *ref;
	const uint64_t *w = (const uint64_t *)p, *r;
	uint64_t v, n = hi - lo + 1;
	unsigned int i;
	bool ok;

	if (!ref && posix_memalign((void **)&ref, BS, (size_t)BS * MAX_WINDOW))
		abort();
	for (v = 0; v < n; v++)
		fill_block(ref + v * BS, block, lo + v);
	for (i = 0; i < BS / 8; i++) {
		ok = false;
		for (v = 0; v < n && !ok; v++) {
			r = (const uint64_t *)(ref + v * BS);
			ok = w[i] == r[i];
		}
		if (!ok)
			return false;
	}
	return true;
}

static int write_blocks(uint8_t *buf, uint64_t first, unsigned int n, uint64_t version)
{
	ssize_t r;
	unsigned int i;

	for (i = 0; i < n; i++)
		fill_block(buf + (size_t)i * BS, first + i, version);
	r = pwrite(fd, buf, (size_t)n * BS, (off_t)(first * BS));
	if (r == (ssize_t)((size_t)n * BS))
		return 0;
	return r < 0 ? -errno : -EIO;
}

static int read_blocks(uint8_t *buf, uint64_t first, unsigned int n)
{
	ssize_t r = pread(fd, buf, (size_t)n * BS, (off_t)(first * BS));

	if (r == (ssize_t)((size_t)n * BS))
		return 0;
	return r < 0 ? -errno : -EIO;
}

static uint8_t *alloc_buf(unsigned int blocks)
{
	void *p;

	if (posix_memalign(&p, BS, (size_t)blocks * BS))
		abort();
	return p;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Per-block bookkeeping, indexed from span_first. */
struct blk {
	uint64_t submitted;	/* version of the last write submitted */
	uint64_t acked;		/* version of the last write that succeeded */
	uint64_t at_usr2;	/* submitted when SIGUSR2 came */
	int last_failed;	/* fill: the last write failed */
};

static uint64_t span_first, span_count;
static struct blk *blks;
static volatile sig_atomic_t got_usr1, got_usr2;

static struct blk *B(uint64_t block)
{
	return &blks[block - span_first];
}

static uint64_t load(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void store(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_SEQ_CST);
}

static void on_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/* SIGTERM ends the load early, with the checks of a normal end. */
static void on_term(int sig)
{
	(void)sig;
	stop_now = 1;
}

static void on_usr2(int sig)
{
	uint64_t i;

	(void)sig;
	/* Async-signal-safe: atomic loads and stores only. */
	for (i = 0; i < span_count; i++)
		store(&blks[i].at_usr2, load(&blks[i].submitted));
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	got_usr2 = 1;
}

/* A writer owns blocks first..first+n-1 and writes them in one bio. */
struct writer {
	pthread_t t;
	uint64_t first;
	unsigned int n;		/* blocks per write */
	unsigned int stride, offset;	/* fill: blocks first+offset, +stride, ... < end */
	uint64_t end;
	uint64_t writes, failed;
	unsigned int seed;
};

static unsigned int pause_us;	/* writers pause up to this long between writes */

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = alloc_buf(w->n);
	uint64_t v = load(&B(w->first)->submitted);
	unsigned int i;
	int r;

	while (!stop_now) {
		v++;
		for (i = 0; i < w->n; i++)
			store(&B(w->first + i)->submitted, v);
		r = write_blocks(buf, w->first, w->n, v);
		w->writes++;
		if (r) {
			bad("write of blocks %" PRIu64 "+%u version %" PRIu64 " failed: %s",
			    w->first, w->n, v, strerror(-r));
			break;
		}
		for (i = 0; i < w->n; i++)
			store(&B(w->first + i)->acked, v);
		/* Quiet moments, in which reads of the block are checked exactly. */
		if (pause_us)
			usleep(rand_r(&w->seed) % pause_us);
	}
	free(buf);
	return NULL;
}

/* Rewrites first..end-1 in runs of n blocks, round and round; nothing may fail. */
static void *round_writer_main(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = alloc_buf(w->n);
	uint64_t b, v;
	unsigned int i;
	int r;

	while (!stop_now) {
		for (b = w->first; b + w->n <= w->end && !stop_now; b += w->n) {
			v = load(&B(b)->submitted) + 1;
			for (i = 0; i < w->n; i++)
				store(&B(b + i)->submitted, v);
			r = write_blocks(buf, b, w->n, v);
			w->writes++;
			if (r) {
				bad("write of blocks %" PRIu64 "+%u (nothing bad there) failed: %s",
				    b, w->n, strerror(-r));
				stop_now = 1;
				break;
			}
			for (i = 0; i < w->n; i++)
				store(&B(b + i)->acked, v);
		}
	}
	free(buf);
	return NULL;
}

struct reader {
	pthread_t t;
	uint64_t first, count;	/* reads random runs of these blocks */
	uint64_t reads, blocks_checked, overlapped, unchecked, errors_allowed;
	unsigned int seed;
};

/* Is a failed read of first..first+n-1 honest, given the lo snapshots? */
static bool read_error_allowed(uint64_t first, unsigned int n, const uint64_t *lo)
{
	unsigned int i;

	if (!got_usr1)
		return false;
	if (!got_usr2)
		return true;
	for (i = 0; i < n; i++)
		if (lo[i] <= load(&B(first + i)->at_usr2))
			return true;
	return false;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	uint8_t *buf = alloc_buf(MAX_RUN);
	uint64_t lo[MAX_RUN], hi, first;
	unsigned int n, i;
	const char *why;
	int64_t v;
	int r;

	while (!stop_now) {
		n = 1 + rand_r(&rd->seed) % 8;
		if (n > rd->count)
			n = rd->count;
		first = rd->first + rand_r(&rd->seed) % (rd->count - n + 1);
		for (i = 0; i < n; i++)
			lo[i] = load(&B(first + i)->acked);
		r = read_blocks(buf, first, n);
		rd->reads++;
		if (r) {
			if (read_error_allowed(first, n, lo)) {
				rd->errors_allowed++;
				continue;
			}
			bad("read of blocks %" PRIu64 "+%u failed: %s (no bad block can explain it)",
			    first, n, strerror(-r));
			continue;
		}
		for (i = 0; i < n; i++) {
			hi = load(&B(first + i)->submitted);
			rd->blocks_checked++;
			if (hi != lo[i]) {
				/* Writes of the block overlapped the read. */
				rd->overlapped++;
				if (hi - lo[i] >= MAX_WINDOW)
					rd->unchecked++;
				else if (!words_from_versions(buf + (size_t)i * BS, first + i, lo[i], hi))
					bad("block %" PRIu64 " read during writes of versions %" PRIu64
					    "..%" PRIu64 " holds data from none of them", first + i,
					    lo[i], hi);
				continue;
			}
			v = block_version(buf + (size_t)i * BS, first + i, &why);
			if (v < 0)
				bad("block %" PRIu64 " read %s (version %" PRIu64 " acknowledged, none in flight)",
				    first + i, why, lo[i]);
			else if ((uint64_t)v < lo[i])
				bad("block %" PRIu64 " stale read: version %" PRId64
				    " after version %" PRIu64 " was acknowledged", first + i, v, lo[i]);
			else if ((uint64_t)v > hi)
				bad("block %" PRIu64 " read version %" PRId64 " never submitted (last %" PRIu64 ")",
				    first + i, v, hi);
		}
	}
	free(buf);
	return NULL;
}

/* Write version 1 to every block of the span. */
static void prewrite(void)
{
	uint8_t *buf = alloc_buf(1);
	uint64_t b;
	int r;

	for (b = span_first; b < span_first + span_count; b++) {
		r = write_blocks(buf, b, 1, 1);
		if (r) {
			bad("initial write of block %" PRIu64 " failed: %s", b, strerror(-r));
			continue;
		}
		B(b)->submitted = B(b)->acked = 1;
	}
	free(buf);
}

/*
 * Read every block of the span once: it must hold its last acknowledged
 * version. A block may fail to read only if its last write failed (fill), or
 * if no write of it was acknowledged after the bad blocks came (hammer).
 */
static uint64_t final_check(uint64_t *unreadable)
{
	uint8_t *buf = alloc_buf(1);
	uint64_t b, checked = 0;
	const char *why;
	struct blk *k;
	int64_t v;
	int r;

	*unreadable = 0;
	for (b = span_first; b < span_first + span_count; b++) {
		k = B(b);
		r = read_blocks(buf, b, 1);
		checked++;
		if (r) {
			(*unreadable)++;
			if (k->last_failed || (got_usr1 && (!got_usr2 || k->acked <= k->at_usr2)))
				continue;
			bad("final read of block %" PRIu64 " failed: %s (version %" PRIu64
			    " was acknowledged)", b, strerror(-r), k->acked);
			continue;
		}
		v = block_version(buf, b, &why);
		if (k->last_failed) {
			/* A failed write leaves a good block old or new, a bad one unreadable. */
			if (v < 0 || ((uint64_t)v != k->acked && (uint64_t)v != k->submitted))
				bad("block %" PRIu64 " after a failed write reads %s (acknowledged %"
				    PRIu64 ", attempted %" PRIu64 ")", b,
				    v < 0 ? why : "another version", k->acked, k->submitted);
			continue;
		}
		if (v < 0)
			bad("final read of block %" PRIu64 ": %s (version %" PRIu64 " acknowledged)",
			    b, why, k->acked);
		else if ((uint64_t)v != k->acked)
			bad("final read of block %" PRIu64 ": version %" PRId64 ", last acknowledged %"
			    PRIu64, b, v, k->acked);
	}
	free(buf);
	return checked;
}

static void save_state(const char *path)
{
	FILE *f = fopen(path, "w");
	uint64_t b;

	if (!f) {
		bad("cannot write %s: %s", path, strerror(errno));
		return;
	}
	fprintf(f, "run %" PRIu64 "\n", run_id);
	for (b = span_first; b < span_first + span_count; b++)
		if (B(b)->last_failed)
			fprintf(f, "%" PRIu64 " failed %" PRIu64 " %" PRIu64 "\n", b, B(b)->acked,
				B(b)->submitted);
		else
			fprintf(f, "%" PRIu64 " %" PRIu64 "\n", b, B(b)->acked);
	fclose(f);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dmr-blkio hammer <dev> --span <first> <count> --single <first> <count>\n"
		"                        [--wide <first> <count>] [--readers <n>] [--seconds <s>]\n"
		"                        [--pause-us <max pause between writes>] [--state <file>]\n"
		"       dmr-blkio fill <dev> --good <first> <count> --range <first> <count>\n"
		"                        --stop-file <path> [--threads <n>] [--state <file>]\n"
		"                        [--enodev-ok]\n"
		"       dmr-blkio verify <dev> <state file>\n");
	exit(2);
}

static uint64_t num(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		usage();
	return v;
}

static void wait_seconds(double seconds)
{
	double end = now() + seconds;

	while (now() < end && !stop_now)
		usleep(20000);
}

static int do_hammer(int argc, char **argv)
{
	uint64_t single_first = 0, single_count = 0, wide_first = 0, wide_count = 0;
	uint64_t writes = 0, reads = 0, checked = 0, overlapped = 0, unchecked = 0, allowed = 0;
	uint64_t unreadable, i;
	unsigned int nreaders = 2, nw = 0;
	double seconds = 10, start;
	const char *state = NULL;
	struct writer *w;
	struct reader *rd;
	int a;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--single") && a + 2 < argc) {
			single_first = num(argv[++a]);
			single_count = num(argv[++a]);
		} else if (!strcmp(argv[a], "--wide") && a + 2 < argc) {
			wide_first = num(argv[++a]);
			wide_count = num(argv[++a]);
		} else if (!strcmp(argv[a], "--span") && a + 2 < argc) {
			span_first = num(argv[++a]);
			span_count = num(argv[++a]);
		} else if (!strcmp(argv[a], "--readers") && a + 1 < argc) {
			nreaders = num(argv[++a]);
		} else if (!strcmp(argv[a], "--seconds") && a + 1 < argc) {
			seconds = strtod(argv[++a], NULL);
		} else if (!strcmp(argv[a], "--pause-us") && a + 1 < argc) {
			pause_us = num(argv[++a]);
		} else if (!strcmp(argv[a], "--state") && a + 1 < argc) {
			state = argv[++a];
		} else {
			usage();
		}
	}
	if (!span_count || !single_count || wide_count > MAX_RUN ||
	    single_first < span_first || single_first + single_count > span_first + span_count ||
	    (wide_count && (wide_first < span_first ||
			    wide_first + wide_count > span_first + span_count)))
		usage();
	blks = calloc(span_count, sizeof(*blks));
	w = calloc(single_count + 1, sizeof(*w));
	rd = calloc(nreaders, sizeof(*rd));
	if (!blks || !w || (nreaders && !rd))
		abort();
	prewrite();
	if (errors)
		return 1;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	signal(SIGTERM, on_term);
	start = now();
	for (i = 0; i < single_count; i++, nw++) {
		w[nw].first = single_first + i;
		w[nw].n = 1;
		w[nw].seed = (unsigned int)(run_id >> 8) + nw;
		pthread_create(&w[nw].t, NULL, writer_main, &w[nw]);
	}
	if (wide_count) {
		w[nw].first = wide_first;
		w[nw].n = wide_count;
		w[nw].seed = (unsigned int)(run_id >> 8) + nw;
		pthread_create(&w[nw].t, NULL, writer_main, &w[nw]);
		nw++;
	}
	for (i = 0; i < nreaders; i++) {
		rd[i].first = span_first;
		rd[i].count = span_count;
		rd[i].seed = (unsigned int)(run_id + i);
		pthread_create(&rd[i].t, NULL, reader_main, &rd[i]);
	}
	printf("hammer: running\n");
	fflush(stdout);
	wait_seconds(seconds);
	stop_now = 1;
	for (i = 0; i < nw; i++) {
		pthread_join(w[i].t, NULL);
		writes += w[i].writes;
	}
	for (i = 0; i < nreaders; i++) {
		pthread_join(rd[i].t, NULL);
		reads += rd[i].reads;
		checked += rd[i].blocks_checked;
		overlapped += rd[i].overlapped;
		unchecked += rd[i].unchecked;
		allowed += rd[i].errors_allowed;
	}
	checked += final_check(&unreadable);
	if (state)
		save_state(state);
	report("hammer: %.1f s, %u writers, %" PRIu64 " writes, %u readers, %" PRIu64
	       " reads, %" PRIu64 " blocks checked (%" PRIu64 " exactly, %" PRIu64
	       " word by word: read while written, %" PRIu64 " of those not: over %u versions),"
	       " %" PRIu64 " honest read errors (bad block before its next write), %" PRIu64
	       " unreadable at the end, %d errors\n",
	       now() - start, nw, writes, nreaders, reads, checked, checked - overlapped,
	       overlapped - unchecked, unchecked, MAX_WINDOW, allowed, unreadable, errors);
	return errors ? 1 : 0;
}

static const char *stop_file;
static bool enodev_ok;	/* fill: a device going away may say "offline" */

/*
 * fill: write blocks first+offset, +stride, ... below end, one block per
 * write, pass after pass; failures are recorded. After the stop file
 * appears, one more whole pass.
 */
static void *sweeper_main(void *arg)
{
	struct writer *w = arg;
	uint8_t *buf = alloc_buf(1);
	uint64_t b, pass = 1;
	bool last = false;
	int r;

	for (;;) {
		pass++;
		for (b = w->first + w->offset; b < w->end; b += w->stride) {
			store(&B(b)->submitted, pass);
			r = write_blocks(buf, b, 1, pass);
			w->writes++;
			if (r) {
				if (r != -EIO && !(r == -ENODEV && enodev_ok))
					bad("write of block %" PRIu64 " failed with %s, not EIO", b,
					    strerror(-r));
				B(b)->last_failed = 1;
				w->failed++;
			} else {
				B(b)->last_failed = 0;
				store(&B(b)->acked, pass);
			}
		}
		if (last)
			break;
		last = access(stop_file, F_OK) == 0;
	}
	free(buf);
	return NULL;
}

static int do_fill(int argc, char **argv)
{
	uint64_t range_first = 0, range_count = 0, good_first = 0, good_count = 0;
	uint64_t writes = 0, failed = 0, checked, unreadable, lastfail = 0, i;
	unsigned int nthreads = 4;
	const char *state = NULL;
	struct writer *w, gw = { 0 };
	struct reader rd = { 0 };
	double start = now();
	int a;

	for (a = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--range") && a + 2 < argc) {
			range_first = num(argv[++a]);
			range_count = num(argv[++a]);
		} else if (!strcmp(argv[a], "--good") && a + 2 < argc) {
			good_first = num(argv[++a]);
			good_count = num(argv[++a]);
		} else if (!strcmp(argv[a], "--threads") && a + 1 < argc) {
			nthreads = num(argv[++a]);
		} else if (!strcmp(argv[a], "--stop-file") && a + 1 < argc) {
			stop_file = argv[++a];
		} else if (!strcmp(argv[a], "--enodev-ok")) {
			enodev_ok = true;
		} else if (!strcmp(argv[a], "--state") && a + 1 < argc) {
			state = argv[++a];
		} else {
			usage();
		}
	}
	/* The good region lies before the range; the span covers both. */
	if (!range_count || !good_count || !nthreads || !stop_file ||
	    good_first + good_count > range_first || good_count % MAX_RUN)
		usage();
	span_first = good_first;
	span_count = range_first + range_count - good_first;
	blks = calloc(span_count, sizeof(*blks));
	w = calloc(nthreads, sizeof(*w));
	if (!blks || !w)
		abort();
	prewrite();
	if (errors)
		return 1;
	for (i = 0; i < nthreads; i++) {
		w[i].first = range_first;
		w[i].end = range_first + range_count;
		w[i].stride = nthreads;
		w[i].offset = i;
		pthread_create(&w[i].t, NULL, sweeper_main, &w[i]);
	}
	/* The good region: rewritten in 16-block runs and read; nothing may fail there. */
	gw.first = good_first;
	gw.end = good_first + good_count;
	gw.n = MAX_RUN;
	pthread_create(&gw.t, NULL, round_writer_main, &gw);
	rd.first = good_first;
	rd.count = good_count;
	rd.seed = (unsigned int)run_id;
	pthread_create(&rd.t, NULL, reader_main, &rd);
	printf("fill: running\n");
	fflush(stdout);
	for (i = 0; i < nthreads; i++) {
		pthread_join(w[i].t, NULL);
		writes += w[i].writes;
		failed += w[i].failed;
	}
	stop_now = 1;
	pthread_join(gw.t, NULL);
	pthread_join(rd.t, NULL);
	checked = final_check(&unreadable);
	for (i = range_first; i < range_first + range_count; i++)
		lastfail += B(i)->last_failed;
	if (state)
		save_state(state);
	report("fill: %.1f s, %" PRIu64 " single-block writes in the range, %" PRIu64
	       " failed (EIO), %" PRIu64 " blocks whose last write failed; good region: %" PRIu64
	       " writes, %" PRIu64 " reads; %" PRIu64 " blocks checked at the end, %" PRIu64
	       " unreadable, %d errors\n", now() - start, writes, failed, lastfail, gw.writes,
	       rd.reads, checked, unreadable, errors);
	return errors ? 1 : 0;
}

static int do_verify(const char *state)
{
	FILE *f = fopen(state, "r");
	uint8_t *buf = alloc_buf(1);
	unsigned long long b, v, acked, sub;
	uint64_t n = 0, failed = 0;
	const char *why;
	char line[128];
	int64_t got;
	int r;

	if (!f) {
		perror(state);
		return 1;
	}
	if (!fgets(line, sizeof(line), f) || sscanf(line, "run %llu", &b) != 1) {
		fprintf(stderr, "%s: no run line\n", state);
		return 1;
	}
	run_id = b;
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (sscanf(line, "%llu failed %llu %llu", &b, &acked, &sub) == 3) {
			/* The last write failed: unreadable, or old or new if the block is good. */
			r = read_blocks(buf, b, 1);
			if (r) {
				failed++;
				continue;
			}
			got = block_version(buf, b, &why);
			if (got < 0 || ((uint64_t)got != acked && (uint64_t)got != sub))
				bad("block %llu (its last write failed) reads %s", b,
				    got < 0 ? why : "another version");
			continue;
		}
		if (sscanf(line, "%llu %llu", &b, &v) != 2) {
			bad("%s: bad line %s", state, line);
			continue;
		}
		r = read_blocks(buf, b, 1);
		if (r) {
			bad("block %llu (version %llu) unreadable: %s", b, v, strerror(-r));
			continue;
		}
		got = block_version(buf, b, &why);
		if (got < 0)
			bad("block %llu: %s (version %llu expected)", b, why, v);
		else if ((uint64_t)got != v)
			bad("block %llu: version %" PRId64 ", expected %llu", b, got, v);
	}
	fclose(f);
	free(buf);
	printf("verify: %" PRIu64 " blocks, %" PRIu64 " unreadable after a failed write, %d errors\n",
	       n, failed, errors);
	return errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct timespec ts;

	if (argc < 3)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(argv[2], O_RDWR | O_DIRECT);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	run_id = ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 44);
	if (!strcmp(argv[1], "hammer"))
		return do_hammer(argc - 3, argv + 3);
	if (!strcmp(argv[1], "fill"))
		return do_fill(argc - 3, argv + 3);
	if (!strcmp(argv[1], "verify") && argc == 4)
		return do_verify(argv[3]);
	usage();
	return 2;
}
