// SPDX-License-Identifier: GPL-2.0-only
#include "placement.h"
#include "format.h"

u64 dmr_copy_blocks(u64 spare_blocks, u32 block_size)
{
	u64 pages = (spare_blocks + DMR_SLOTS_PER_PAGE - 1) / DMR_SLOTS_PER_PAGE;
	u64 bytes = (1 + pages) * DMR_META_PAGE_SIZE;

	return (bytes + block_size - 1) / block_size;
}

int dmr_placement(u64 spare_sectors, u32 block_size, struct dmr_placement *p,
		  char **error)
{
	u64 n = spare_sectors / (block_size >> 9);
	u64 c;

	memset(p, 0, sizeof(*p));
	if (spare_sectors < DMR_SPARE_MIN_SECTORS) {
		*error = "Spare region too small: at least 2048 sectors (1 MiB)";
		return -1;
	}
	if (n > DMR_MAX_SPARE_BLOCKS) {
		*error = "Spare region too large: at most 16777216 blocks (64 GiB at block_size 4096)";
		return -1;
	}
	c = dmr_copy_blocks(n, block_size);
	p->blocks = n;
	p->copy_blocks = c;
	if (spare_sectors < DMR_SPARE_MEDIUM_SECTORS) {
		p->strategy = "small";
		p->copies = 2;
		p->start[1] = c;
	} else if (spare_sectors < DMR_SPARE_LARGE_SECTORS) {
		p->strategy = "medium";
		p->copies = 3;
		p->start[1] = n / 3;
		p->start[2] = 2 * (n / 3);
	} else {
		p->strategy = "large";
		p->copies = 4;
		p->start[1] = n / 16;
		p->start[2] = n / 4;
		p->start[3] = n - c;
	}
	return 0;
}
