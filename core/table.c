// SPDX-License-Identifier: GPL-2.0-only
#include "table.h"
#include "placement.h"

int dmr_parse_u64(const char *s, u64 *out)
{
	u64 v = 0;

	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return -1;
		d = *s - '0';
		if (v > (~0ULL - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_features(struct dmr_table *t, unsigned int argc, char **argv,
			  char **error)
{
	u64 n, v;
	unsigned int i;
	bool have_bs = false;

	if (dmr_parse_u64(argv[0], &n) || n != argc - 1) {
		*error = "Optional argument count does not match the arguments given";
		return -1;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "block_size")) {
			if (have_bs) {
				*error = "block_size given twice";
				return -1;
			}
			if (++i >= argc) {
				*error = "block_size needs a value in bytes";
				return -1;
			}
			if (dmr_parse_u64(argv[i], &v) || v < DMR_MIN_BLOCK_SIZE ||
			    v > DMR_MAX_BLOCK_SIZE || (v & (v - 1))) {
				*error = "Invalid block_size: must be a power of two from 512 to 4096 bytes";
				return -1;
			}
			t->block_size = v;
			have_bs = true;
		} else if (!strcmp(a, "no_auto_remap")) {
			if (t->no_auto_remap) {
				*error = "no_auto_remap given twice";
				return -1;
			}
			t->no_auto_remap = true;
		} else if (!strcmp(a, "read_only")) {
			if (t->read_only) {
				*error = "read_only given twice";
				return -1;
			}
			t->read_only = true;
		} else {
			*error = "Unknown optional argument (known: block_size <bytes>, no_auto_remap, read_only)";
			return -1;
		}
	}
	return 0;
}

int dmr_table_parse(struct dmr_table *t, unsigned int argc, char **argv,
		    char **error)
{
	memset(t, 0, sizeof(*t));
	if (argc < 4) {
		*error = "Not enough arguments: <main_dev> <spare_dev> <spare_start> <spare_len> [<#opt_args> <opt_args>...]";
		return -1;
	}
	t->main_dev = argv[0];
	t->spare_dev = argv[1];
	if (dmr_parse_u64(argv[2], &t->spare_start)) {
		*error = "Invalid spare_start: not a decimal sector number";
		return -1;
	}
	if (dmr_parse_u64(argv[3], &t->spare_len)) {
		*error = "Invalid spare_len: not a decimal sector count";
		return -1;
	}
	if (argc > 4)
		return parse_features(t, argc - 4, argv + 4, error);
	return 0;
}

u32 dmr_default_block_size(const struct dmr_devices *d)
{
	u32 lbs = d->main_lbs > d->spare_lbs ? d->main_lbs : d->spare_lbs;

	return lbs < DMR_MIN_BLOCK_SIZE ? DMR_MIN_BLOCK_SIZE : lbs;
}

int dmr_table_check(struct dmr_table *t, const struct dmr_devices *d,
		    char **error)
{
	struct dmr_placement placement;
	u32 lbs = d->main_lbs > d->spare_lbs ? d->main_lbs : d->spare_lbs;
	u64 bs_sectors;

	if (!t->block_size)
		t->block_size = dmr_default_block_size(d);
	/* An explicit block_size was validated by the parser; a default was not. */
	if (t->block_size > DMR_MAX_BLOCK_SIZE || (t->block_size & (t->block_size - 1))) {
		*error = "Device logical block size is not a power of two from 512 to 4096 bytes";
		return -1;
	}
	if (t->block_size < lbs) {
		*error = "block_size is smaller than a device's logical block size";
		return -1;
	}
	bs_sectors = t->block_size >> DMR_SECTOR_SHIFT;
	if (!d->target_len) {
		*error = "Target length is zero";
		return -1;
	}
	if (d->target_len % bs_sectors) {
		*error = "Target length is not a multiple of the block size";
		return -1;
	}
	if (d->target_len > d->main_sectors) {
		*error = "Main device is smaller than the target length";
		return -1;
	}
	if (!t->spare_len) {
		*error = "spare_len is zero";
		return -1;
	}
	if (t->spare_start % bs_sectors || t->spare_len % bs_sectors) {
		*error = "spare_start and spare_len must be multiples of the block size";
		return -1;
	}
	if (t->spare_start > d->spare_sectors ||
	    t->spare_len > d->spare_sectors - t->spare_start) {
		*error = "Spare region extends beyond the end of the spare device";
		return -1;
	}
	if (d->same_device && t->spare_start < d->target_len) {
		/* Main data occupies [0, target_len); the spare region must follow it. */
		*error = "Spare region overlaps the mapped part of the main device";
		return -1;
	}
	/* The region must hold the metadata copies and leave spare blocks. */
	return dmr_placement(t->spare_len, t->block_size, &placement, error);
}

int dmr_table_format(const struct dmr_table *t, const char *main_name,
		     const char *spare_name, char *buf, size_t size)
{
	unsigned int nopt = 2 + t->no_auto_remap + t->read_only;

	return snprintf(buf, size, "%s %s %llu %llu %u block_size %u%s%s",
			main_name, spare_name,
			(unsigned long long)t->spare_start,
			(unsigned long long)t->spare_len, nopt, t->block_size,
			t->no_auto_remap ? " no_auto_remap" : "",
			t->read_only ? " read_only" : "");
}
