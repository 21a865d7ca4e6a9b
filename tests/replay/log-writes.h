/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The on-disk format of dm-log-writes (drivers/md/dm-log-writes.c, Linux
 * 6.1 and 6.12 alike; Documentation/admin-guide/device-mapper/log-writes.rst),
 * shared by the replay tool and the test log writer.
 *
 * The log device holds, all little-endian:
 *  - at byte 0 the super (struct lw_super), in a unit of sectorsize bytes;
 *  - from byte sectorsize on, nr_entries entries, each one header unit
 *    (struct lw_entry, then for a mark its text, zero padded to sectorsize)
 *    followed, unless it is a discard, by nr_sectors units of data.
 * sectorsize is the logical block size of the logged device (512 or 4096),
 * and an entry's sector and nr_sectors count in those units, not in 512-byte
 * sectors. Writes appear in the order they reached stable storage: a plain
 * write is logged when the next flush completes, just before that flush; a
 * FUA write as soon as it completes. dm-log-writes ends every log it closes
 * with the mark "dm-log-writes-end" (and updates nr_entries then).
 */
#ifndef DMR_REPLAY_LOG_WRITES_H
#define DMR_REPLAY_LOG_WRITES_H

#include <stddef.h>
#include <stdint.h>

#define LW_MAGIC 0x6a736677736872ULL
#define LW_VERSION 1ULL
#define LW_END_MARK "dm-log-writes-end"

#define LW_FLUSH (1U << 0)
#define LW_FUA (1U << 1)
#define LW_DISCARD (1U << 2)
#define LW_MARK (1U << 3)
#define LW_METADATA (1U << 4)
#define LW_KNOWN_FLAGS (LW_FLUSH | LW_FUA | LW_DISCARD | LW_MARK | LW_METADATA)

struct lw_super {
	uint64_t magic;
	uint64_t version;
	uint64_t nr_entries;
	uint32_t sectorsize;
};

struct lw_entry {
	uint64_t sector;	/* units of sectorsize */
	uint64_t nr_sectors;	/* units of sectorsize; 0 for a flush or mark */
	uint64_t flags;
	uint64_t data_len;	/* a mark's text length (no NUL) */
};

_Static_assert(offsetof(struct lw_super, sectorsize) == 24, "log_write_super layout");
_Static_assert(sizeof(struct lw_entry) == 32, "log_write_entry is 32 bytes");

#endif /* DMR_REPLAY_LOG_WRITES_H */
