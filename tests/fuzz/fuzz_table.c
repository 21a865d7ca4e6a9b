// libFuzzer target: the table-line grammar and its geometry validation.
// Input (text): a first line "<target_len> <main_sectors> <spare_sectors>
// <main_lbs> <spare_lbs> <same_device>", then the table arguments separated
// by spaces. Invariants checked on every accepted line:
//  - the validated geometry really holds (block size, bounds, no overlap);
//  - the canonical form parses back to the same table and prints the same.
#include <stdlib.h>
#include <string.h>
#include "table.h"
#include "placement.h"

#define MAX_ARGS 40

static void check_invariants(const struct dmr_table *t, const struct dmr_devices *d)
{
	u64 bs = t->block_size >> DMR_SECTOR_SHIFT;

	if (t->block_size < 512 || t->block_size > 4096 || (t->block_size & (t->block_size - 1)))
		abort();
	if (t->block_size < d->main_lbs || t->block_size < d->spare_lbs)
		abort();
	if (!d->target_len || d->target_len % bs || d->target_len > d->main_sectors)
		abort();
	if (t->spare_len < DMR_SPARE_MIN_SECTORS || t->spare_start % bs || t->spare_len % bs)
		abort();
	if (t->spare_start + t->spare_len < t->spare_start ||
	    t->spare_start + t->spare_len > d->spare_sectors)
		abort();
	if (d->same_device && t->spare_start < d->target_len)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmr_devices d;
	struct dmr_table t, u;
	char line[1024], out[1024], again[1024], *argv[MAX_ARGS], *err = NULL;
	char *args, *end;
	unsigned int argc = 0;

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = 0;
	args = strchr(line, '\n');
	if (!args)
		return 0;
	*args++ = 0;
	d.target_len = strtoull(line, &end, 10);
	d.main_sectors = strtoull(end, &end, 10);
	d.spare_sectors = strtoull(end, &end, 10);
	d.main_lbs = strtoul(end, &end, 10);
	d.spare_lbs = strtoul(end, &end, 10);
	d.same_device = strtoul(end, &end, 10) != 0;
	for (char *s = strtok(args, " "); s && argc < MAX_ARGS; s = strtok(NULL, " "))
		argv[argc++] = s;

	if (dmr_table_parse(&t, argc, argv, &err)) {
		if (!err)
			abort();
		return 0;
	}
	if (dmr_table_check(&t, &d, &err)) {
		if (!err)
			abort();
		return 0;
	}
	check_invariants(&t, &d);
	dmr_table_format(&t, "8:16", "8:32", out, sizeof(out));
	strcpy(line, out);
	argc = 0;
	for (char *s = strtok(line, " "); s && argc < MAX_ARGS; s = strtok(NULL, " "))
		argv[argc++] = s;
	if (dmr_table_parse(&u, argc, argv, &err))
		abort();
	if (u.spare_start != t.spare_start || u.spare_len != t.spare_len ||
	    u.block_size != t.block_size || u.no_auto_remap != t.no_auto_remap ||
	    u.read_only != t.read_only)
		abort();
	dmr_table_format(&u, "8:16", "8:32", again, sizeof(again));
	if (strcmp(out, again))
		abort();
	return 0;
}
