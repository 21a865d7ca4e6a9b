// SPDX-License-Identifier: GPL-2.0-only
/*
 * Activation natively: the shared core's load (dmr_store_load, the code the
 * module runs at table load) of a spare region holding N remaps, against
 * reading the same metadata bytes sequentially from the same file (the
 * faster of 256 KiB and 1 MiB reads), both with O_DIRECT, so that neither
 * reads from the page cache.
 *
 * The spare region is a sparse file of 4 GiB (1,048,576 blocks of 4 KiB: the
 * "large" placement, 4 copies); only its metadata copies are written. The
 * main blocks of the remaps are in random order over the slots, as when
 * blocks fail one by one.
 * The load reads one run of pages ahead while it checks the last, and
 * sorts the index while the other copies are read, as the module does
 * (POSIX AIO here, dm-io there); "sync" reads one run at a time instead.
 * usage: activate-bench <file> [<remaps>] [<rounds>] [sync]   (1000000, 5)
 * Prints the medians and their ratio against the goal (load <= 2x read);
 * exits non-zero only on an error.
 */
#define _GNU_SOURCE
#include <aio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include "store.h"
#include "bench.h"

#define SPARE_BLOCKS (1U << 20)
#define IO_PAGES 256		/* the module's buffer (REMAP_IO_PAGES) */
#define BIG_READ (1U << 20)

static double now_ms(void)
{
	return now_ns() / 1e6;
}

static int file_read(void *ctx, u64 sector, void *buf, size_t bytes)
{
	size_t done = 0;
	ssize_t n;

	while (done < bytes) {
		n = pread(*(int *)ctx, (char *)buf + done, bytes - done, (off_t)(sector << 9) + done);
		if (n <= 0)
			return n ? -errno : -EIO;
		done += n;
	}
	return 0;
}

static int file_write(void *ctx, u64 sector, const void *buf, size_t bytes)
{
	size_t done = 0;
	ssize_t n;

	while (done < bytes) {
		n = pwrite(*(int *)ctx, (const char *)buf + done, bytes - done,
			   (off_t)(sector << 9) + done);
		if (n <= 0)
			return n ? -errno : -EIO;
		done += n;
	}
	return 0;
}

static int file_flush(void *ctx)
{
	return fsync(*(int *)ctx) ? -errno : 0;
}

/*
 * Reads started ahead, as the module's dm-io reads are: POSIX AIO (glibc
 * runs them on a thread of its own), at most two, completed oldest first.
 */
static struct aiocb ahead[2];
static unsigned int ahead_first, ahead_count;

static int aio_start(void *ctx, u64 sector, void *buf, size_t bytes)
{
	struct aiocb *cb = &ahead[(ahead_first + ahead_count) % 2];

	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = *(int *)ctx;
	cb->aio_offset = (off_t)(sector << 9);
	cb->aio_buf = buf;
	cb->aio_nbytes = bytes;
	if (aio_read(cb))
		return -errno;
	ahead_count++;
	return 0;
}

static bool aio_busy(void *ctx)
{
	(void)ctx;
	return aio_error(&ahead[ahead_first]) == EINPROGRESS;
}

static int aio_wait(void *ctx)
{
	struct aiocb *cb = &ahead[ahead_first];
	const struct aiocb *list[1] = { cb };
	ssize_t n;
	int e;

	(void)ctx;
	while ((e = aio_error(cb)) == EINPROGRESS)
		aio_suspend(list, 1, NULL);
	n = aio_return(cb);
	ahead_first = (ahead_first + 1) % 2;
	ahead_count--;
	if (e)
		return -e;
	return n == (ssize_t)cb->aio_nbytes ? 0 : -EIO;
}

static void drop_cache(int fd, bool direct)
{
	if (!direct)
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Every copy, start to end, in reads of size bytes: the baseline. */
static int read_copies(const struct dmr_meta *m, const struct dmr_io *io, void *buf, u64 size)
{
	u64 sector, end;
	u32 c;
	int r;

	for (c = 0; c < m->place.copies; c++) {
		sector = dmr_copy_page_sector(m, c, 0);
		end = dmr_copy_page_sector(m, c, 1 + m->nr_pages);
		for (; sector < end; sector += size >> 9) {
			r = io->read(io->ctx, sector, buf, min_t(u64, size, (end - sector) << 9));
			if (r)
				return r;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	u32 n = argc > 2 ? (u32)strtoul(argv[2], NULL, 10) : 1000000;
	int rounds = argc > 3 ? atoi(argv[3]) : 5;
	/* As the module reads: one run ahead; "sync" as the tool reads. */
	bool ahead_reads = !(argc > 4 && !strcmp(argv[4], "sync")), direct = true;
	struct dmr_geometry g = { .block_size = 4096, .spare_start = 0 };
	struct dmr_load_report rep;
	struct dmr_index *ix;
	struct dmr_meta m;
	struct dmr_io io;
	double *t_read, *t_load, tr, tl;
	char err[256];
	u64 *mains, bytes = 0;
	void *big;
	u32 i, b, c, copies = 0;
	int fd, r;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: activate-bench <file> [<remaps>] [<rounds>] [sync]\n");
		return 2;
	}
	g.spare_len = (u64)SPARE_BLOCKS * 8;
	g.main_len = ((u64)n * 128 + 1) * 8;
	/* Distinct main blocks, about 64 apart, in random order. */
	mains = malloc((n ? n : 1) * sizeof(*mains));
	for (i = 0, b = 0; i < n; i++) {
		b += 1 + next_rand() % 127;
		mains[i] = b;
	}
	for (i = n; i > 1; i--) {
		u32 j = next_rand() % i;
		u64 t = mains[i - 1];

		mains[i - 1] = mains[j];
		mains[j] = t;
	}

	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)g.spare_len << 9)) {
		perror(argv[1]);
		return 1;
	}
	io.ctx = &fd;
	io.read = file_read;
	io.write = file_write;
	io.flush = file_flush;
	io.read_start = NULL;
	io.read_busy = NULL;
	io.read_wait = NULL;
	io.buf_pages = IO_PAGES;
	if (posix_memalign(&io.buf, 4096, IO_PAGES * DMR_META_PAGE_SIZE) ||
	    posix_memalign(&big, 4096, BIG_READ) ||
	    dmr_meta_init(&m, &g, err, sizeof(err))) {
		fprintf(stderr, "activate-bench: %s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		r = dmr_meta_add(&m, mains[i], DMR_SLOT_REMAPPED, &b);
		if (r) {
			fprintf(stderr, "activate-bench: remap %u: %d\n", i, r);
			return 1;
		}
	}
	m.generation = 1;	/* as a format leaves it */
	for (c = 0; c < m.place.copies; c++) {
		r = dmr_store_write_copy(&m, &io, c);
		if (r) {
			fprintf(stderr, "activate-bench: writing copy %u: %d\n", c, r);
			return 1;
		}
		bytes += (u64)(1 + m.nr_pages) * DMR_META_PAGE_SIZE;
	}
	copies = m.place.copies;
	dmr_meta_destroy(&m);
	free(mains);
	close(fd);

	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 && errno == EINVAL) {
		/* A filesystem without O_DIRECT (tmpfs): drop its cache before each read. */
		direct = false;
		fd = open(argv[1], O_RDONLY);
	}
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	if (ahead_reads) {
		io.read_start = aio_start;
		io.read_busy = aio_busy;
		io.read_wait = aio_wait;
	}
	t_read = calloc(rounds, sizeof(*t_read));
	t_load = calloc(rounds, sizeof(*t_load));
	for (i = 0; i < (u32)rounds; i++) {
		/* The geometry only, for the baseline's copy positions. */
		if (dmr_meta_init(&m, &g, err, sizeof(err)))
			return 1;
		/* The faster of the module's read size and 1 MiB reads. */
		drop_cache(fd, direct);
		tr = now_ms();
		r = read_copies(&m, &io, io.buf, IO_PAGES * DMR_META_PAGE_SIZE);
		t_read[i] = now_ms() - tr;
		drop_cache(fd, direct);
		tr = now_ms();
		r = r ? r : read_copies(&m, &io, big, BIG_READ);
		t_read[i] = min_t(double, t_read[i], now_ms() - tr);
		dmr_meta_destroy(&m);
		if (r) {
			fprintf(stderr, "activate-bench: read: %d\n", r);
			return 1;
		}
		/* The load, from the allocation of the slot array on, as at table load. */
		drop_cache(fd, direct);
		tl = now_ms();
		if (dmr_meta_init(&m, &g, err, sizeof(err)) ||
		    dmr_store_load(&m, &io, DMR_LOAD_READ_ONLY, &ix, &rep, err, sizeof(err))) {
			fprintf(stderr, "activate-bench: load: %s\n", err);
			return 1;
		}
		t_load[i] = now_ms() - tl;
		if (m.nr_remapped != n || m.copies_ok != (1U << m.place.copies) - 1) {
			fprintf(stderr, "activate-bench: loaded %u remaps, copies ok 0x%x\n",
				m.nr_remapped, m.copies_ok);
			return 1;
		}
		dmr_index_free(ix);
		dmr_meta_destroy(&m);
	}
	close(fd);
	tr = median(t_read, rounds);
	tl = median(t_load, rounds);
	printf("activate-bench: %u remaps, %u copies, %.1f MiB of metadata, %d rounds (medians), %s reads\n",
	       n, copies, bytes / 1048576.0, rounds, ahead_reads ? "ahead" : "synchronous");
	printf("read the copies (%s): %8.1f ms, %.0f MiB/s\n", direct ? "O_DIRECT" : "buffered", tr,
	       bytes / 1048576.0 / (tr / 1e3));
	printf("load (dmr_store_load):      %8.1f ms\n", tl);
	printf("load / read:                %8.2f   goal <= 2: %s\n", tl / tr,
	       tl / tr <= 2 ? "met" : "NOT met");
	free(t_read);
	free(t_load);
	free(io.buf);
	free(big);
	return 0;
}
