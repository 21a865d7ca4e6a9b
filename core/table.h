/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `remap` table line: parsing, validation against the devices, and the
 * canonical form printed by `dmsetup table`. Shared by the kernel target and
 * userspace (tool, unit tests, fuzzer), so there is one grammar.
 *
 *   <main_dev> <spare_dev> <spare_start> <spare_len> [<#opt_args> <opt_args>...]
 *   opt_args: block_size <bytes> | no_auto_remap | read_only
 */
#ifndef DMR_CORE_TABLE_H
#define DMR_CORE_TABLE_H

#include "compat.h"

#define DMR_SECTOR_SHIFT 9
#define DMR_SECTOR_SIZE (1U << DMR_SECTOR_SHIFT)
/*
 * The remap block becomes the device's logical block size, which the block
 * layer caps at the page size; 4 KiB is the page size on every platform we
 * support.
 */
#define DMR_MIN_BLOCK_SIZE 512U
#define DMR_MAX_BLOCK_SIZE 4096U

struct dmr_table {
	const char *main_dev;	/* as given; points into argv */
	const char *spare_dev;
	u64 spare_start;	/* sectors */
	u64 spare_len;		/* sectors */
	u32 block_size;		/* bytes; 0 until dmr_table_check() defaults it */
	bool no_auto_remap;
	bool read_only;
};

/* What the caller knows about the devices named in the table. */
struct dmr_devices {
	u64 target_len;		/* sectors mapped by this target */
	u64 main_sectors;	/* size of main_dev */
	u64 spare_sectors;	/* size of spare_dev */
	u32 main_lbs;		/* logical block sizes, bytes */
	u32 spare_lbs;
	bool same_device;	/* single-disk mode */
};

/* Parse argv; on failure return -EINVAL-style -1 and set *error. */
int dmr_table_parse(struct dmr_table *t, unsigned int argc, char **argv,
		    char **error);

/* block_size when the table gives none: the larger logical block size, >= 512. */
u32 dmr_default_block_size(const struct dmr_devices *d);

/* Validate against the devices and default block_size; -1 and *error on failure. */
int dmr_table_check(struct dmr_table *t, const struct dmr_devices *d,
		    char **error);

/*
 * Canonical table line (without the "<start> <len> remap" prefix), with the
 * device names the kernel reports (major:minor). Returns what snprintf
 * returns. block_size is always printed so that a reload never depends on
 * the devices' current logical block size.
 */
int dmr_table_format(const struct dmr_table *t, const char *main_name,
		     const char *spare_name, char *buf, size_t size);

/* Strict decimal u64: digits only, no sign, no overflow. 0 on success. */
int dmr_parse_u64(const char *s, u64 *out);

#endif /* DMR_CORE_TABLE_H */
