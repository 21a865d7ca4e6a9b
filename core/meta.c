// SPDX-License-Identifier: GPL-2.0-only
#include "meta.h"
#include "crc32c.h"

#define WORD_BITS 64U

u32 dmr_page_crc(const void *page, size_t crc_offset)
{
	static const u8 zero[4];
	const u8 *p = page;
	u32 crc;

	crc = dmr_crc32c(p, crc_offset);
	crc = dmr_crc32c_continue(crc, zero, sizeof(zero));
	return dmr_crc32c_continue(crc, p + crc_offset + 4,
				   DMR_META_PAGE_SIZE - crc_offset - 4);
}

static const char *const verdict_names[] = {
	[DMR_SB_VALID] = "valid",
	[DMR_SB_ZERO] = "empty",
	[DMR_SB_FOREIGN] = "foreign",
	[DMR_SB_CORRUPT] = "corrupt",
	[DMR_SB_UNSUPPORTED] = "unsupported",
	[DMR_SB_MISMATCH] = "mismatch",
};

const char *dmr_sb_verdict_name(enum dmr_sb_verdict v)
{
	return verdict_names[v];
}

static bool all_zero(const void *buf, size_t len)
{
	const u8 *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

static bool valid_block_size(u32 bs)
{
	return bs >= 512 && bs <= DMR_META_PAGE_SIZE && !(bs & (bs - 1));
}

enum dmr_sb_verdict dmr_sb_decode(const void *page, const struct dmr_geometry *want,
				  struct dmr_sb_info *sb, char *err, size_t errlen)
{
	const struct dmr_disk_sb *d = page;
	struct dmr_placement p;
	char *perr;
	u32 crc, i;

	memset(sb, 0, sizeof(*sb));
	if (all_zero(page, DMR_META_PAGE_SIZE))
		return DMR_SB_ZERO;
	if (memcmp(d->magic, DMR_SB_MAGIC, sizeof(d->magic))) {
		snprintf(err, errlen, "no dm-remap superblock (magic)");
		return DMR_SB_FOREIGN;
	}
	crc = dmr_page_crc(page, offsetof(struct dmr_disk_sb, crc));
	if (crc != le32_to_cpu(d->crc)) {
		snprintf(err, errlen, "superblock crc mismatch (stored %08x, computed %08x)",
			 le32_to_cpu(d->crc), crc);
		return DMR_SB_CORRUPT;
	}
	if (le32_to_cpu(d->version) != DMR_FORMAT_VERSION) {
		snprintf(err, errlen, "format version %u, this code reads version %u",
			 le32_to_cpu(d->version), DMR_FORMAT_VERSION);
		return DMR_SB_UNSUPPORTED;
	}
	sb->generation = le64_to_cpu(d->generation);
	sb->copy_index = le32_to_cpu(d->copy_index);
	sb->incompat = le32_to_cpu(d->incompat);
	sb->compat_ro = le32_to_cpu(d->compat_ro);
	sb->compat = le32_to_cpu(d->compat);
	sb->geo.main_len = le64_to_cpu(d->main_len);
	sb->geo.spare_start = le64_to_cpu(d->spare_start);
	sb->geo.spare_len = le64_to_cpu(d->spare_len);
	sb->geo.block_size = le32_to_cpu(d->block_size);
	sb->nr_blocks = le32_to_cpu(d->nr_blocks);
	sb->nr_pages = le32_to_cpu(d->nr_pages);
	sb->pages_crc = le32_to_cpu(d->pages_crc);
	sb->nr_remapped = le32_to_cpu(d->nr_remapped);
	sb->nr_pending = le32_to_cpu(d->nr_pending);
	sb->nr_bad = le32_to_cpu(d->nr_bad);
	sb->copy_count = le32_to_cpu(d->copy_count);
	sb->copy_blocks = le32_to_cpu(d->copy_blocks);
	for (i = 0; i < DMR_MAX_COPIES; i++)
		sb->copy_start[i] = le32_to_cpu(d->copy_start[i]);

	if (sb->incompat & ~DMR_INCOMPAT_SUPPORTED) {
		snprintf(err, errlen, "unknown incompatible features 0x%x", sb->incompat);
		return DMR_SB_UNSUPPORTED;
	}
	if (!all_zero(d->reserved, sizeof(d->reserved)) ||
	    !all_zero((const u8 *)page + sizeof(*d), DMR_META_PAGE_SIZE - sizeof(*d))) {
		snprintf(err, errlen, "reserved superblock bytes are not zero");
		return DMR_SB_CORRUPT;
	}
	if (!valid_block_size(sb->geo.block_size) ||
	    sb->geo.spare_len % (sb->geo.block_size >> 9) ||
	    sb->geo.spare_start % (sb->geo.block_size >> 9) ||
	    !sb->geo.main_len || sb->geo.main_len % (sb->geo.block_size >> 9) ||
	    sb->geo.main_len / (sb->geo.block_size >> 9) > DMR_SLOT_MAIN_MASK ||
	    sb->geo.spare_start + sb->geo.spare_len < sb->geo.spare_start ||
	    dmr_placement(sb->geo.spare_len, sb->geo.block_size, &p, &perr)) {
		snprintf(err, errlen, "superblock geometry is invalid (block_size %u, spare %llu+%llu, main_len %llu)",
			 sb->geo.block_size, (unsigned long long)sb->geo.spare_start,
			 (unsigned long long)sb->geo.spare_len,
			 (unsigned long long)sb->geo.main_len);
		return DMR_SB_CORRUPT;
	}
	if (sb->nr_blocks != p.blocks || sb->nr_pages != dmr_slot_pages(sb->nr_blocks) ||
	    sb->copy_count != p.copies || sb->copy_blocks != p.copy_blocks) {
		snprintf(err, errlen, "superblock layout fields disagree with its geometry");
		return DMR_SB_CORRUPT;
	}
	for (i = 0; i < DMR_MAX_COPIES; i++) {
		if (sb->copy_start[i] != (i < p.copies ? p.start[i] : 0)) {
			snprintf(err, errlen, "copy %u position %u differs from the placement table (%llu)",
				 i, sb->copy_start[i], (unsigned long long)p.start[i]);
			return DMR_SB_CORRUPT;
		}
	}
	if (sb->copy_index >= sb->copy_count || !sb->generation ||
	    (u64)sb->nr_remapped + sb->nr_pending + sb->nr_bad >
	    sb->nr_blocks - (u64)p.copies * p.copy_blocks) {
		snprintf(err, errlen, "superblock copy index, generation or counters out of range");
		return DMR_SB_CORRUPT;
	}
	if (want && (want->main_len != sb->geo.main_len ||
		     want->spare_start != sb->geo.spare_start ||
		     want->spare_len != sb->geo.spare_len ||
		     want->block_size != sb->geo.block_size)) {
		snprintf(err, errlen, "metadata is for len %llu, spare_start %llu, spare_len %llu, block_size %u",
			 (unsigned long long)sb->geo.main_len,
			 (unsigned long long)sb->geo.spare_start,
			 (unsigned long long)sb->geo.spare_len, sb->geo.block_size);
		return DMR_SB_MISMATCH;
	}
	return DMR_SB_VALID;
}

static size_t bitmap_bytes(u32 bits)
{
	return ((size_t)bits + WORD_BITS - 1) / WORD_BITS * sizeof(u64);
}

int dmr_meta_init(struct dmr_meta *m, const struct dmr_geometry *geo,
		  char *err, size_t errlen)
{
	char *perr;

	memset(m, 0, sizeof(*m));
	m->geo = *geo;
	if (!valid_block_size(geo->block_size)) {
		snprintf(err, errlen, "invalid block size %u", geo->block_size);
		return -EINVAL;
	}
	if (dmr_placement(geo->spare_len, geo->block_size, &m->place, &perr)) {
		snprintf(err, errlen, "%s", perr);
		return -EINVAL;
	}
	/* A slot holds the main block in 60 bits. */
	if (geo->main_len / (geo->block_size >> 9) > DMR_SLOT_MAIN_MASK) {
		snprintf(err, errlen, "main device too large: at most 2^60 blocks");
		return -EINVAL;
	}
	m->main_blocks = geo->main_len / (geo->block_size >> 9);
	m->nr_blocks = (u32)m->place.blocks;
	m->nr_pages = dmr_slot_pages(m->nr_blocks);
	m->slots = dmr_zalloc_large((size_t)m->nr_blocks * sizeof(u64));
	m->page_crc = dmr_zalloc_large((size_t)m->nr_pages * sizeof(u32));
	m->dirty = dmr_zalloc_large(bitmap_bytes(m->nr_pages));
	if (!m->slots || !m->page_crc || !m->dirty ||
	    dmr_alloc_init(&m->alloc, &m->place)) {
		dmr_meta_destroy(m);
		snprintf(err, errlen, "cannot allocate metadata for %u spare blocks",
			 (u32)m->place.blocks);
		return -ENOMEM;
	}
	dmr_meta_dirty_all(m);
	return 0;
}

void dmr_meta_destroy(struct dmr_meta *m)
{
	dmr_alloc_destroy(&m->alloc);
	dmr_free(m->slots);
	dmr_free(m->page_crc);
	dmr_free(m->dirty);
	m->slots = NULL;
	m->page_crc = NULL;
	m->dirty = NULL;
}

void dmr_meta_reset(struct dmr_meta *m)
{
	memset(m->slots, 0, (size_t)m->nr_blocks * sizeof(u64));
	dmr_alloc_reset(&m->alloc);
	m->nr_remapped = 0;
	m->nr_pending = 0;
	m->compat_ro = 0;
	m->compat = 0;
	dmr_meta_dirty_all(m);
}

static void mark_dirty(struct dmr_meta *m, u32 spare)
{
	u32 page = spare / DMR_SLOTS_PER_PAGE;

	m->dirty[page / WORD_BITS] |= 1ULL << (page % WORD_BITS);
}

bool dmr_meta_page_dirty(const struct dmr_meta *m, u32 index)
{
	return (m->dirty[index / WORD_BITS] >> (index % WORD_BITS)) & 1;
}

u32 dmr_meta_nr_dirty(const struct dmr_meta *m)
{
	u32 i, n = 0;

	for (i = 0; i < (m->nr_pages + WORD_BITS - 1) / WORD_BITS; i++)
		n += (u32)dmr_popcount64(m->dirty[i]);
	return n;
}

void dmr_meta_clean(struct dmr_meta *m)
{
	memset(m->dirty, 0, bitmap_bytes(m->nr_pages));
}

void dmr_meta_dirty_all(struct dmr_meta *m)
{
	u32 i;

	for (i = 0; i < m->nr_pages; i++)
		m->dirty[i / WORD_BITS] |= 1ULL << (i % WORD_BITS);
}

void dmr_meta_encode_page(struct dmr_meta *m, u32 index, void *page)
{
	struct dmr_disk_slot_page *d = page;
	u32 i, first = index * DMR_SLOTS_PER_PAGE;

	memset(d, 0, sizeof(*d));
	d->magic = cpu_to_le32(DMR_SLOT_MAGIC);
	d->index = cpu_to_le32(index);
	for (i = 0; i < DMR_SLOTS_PER_PAGE && first + i < m->nr_blocks; i++)
		d->slot[i] = cpu_to_le64(m->slots[first + i]);
	m->page_crc[index] = dmr_page_crc(d, offsetof(struct dmr_disk_slot_page, crc));
	d->crc = cpu_to_le32(m->page_crc[index]);
}

u32 dmr_meta_pages_crc(const struct dmr_meta *m)
{
	__le32 le;
	u32 i, crc = 0;

	/* Over the little-endian crcs, so the value does not depend on the CPU. */
	for (i = 0; i < m->nr_pages; i++) {
		le = cpu_to_le32(m->page_crc[i]);
		crc = dmr_crc32c_continue(crc, &le, sizeof(le));
	}
	return crc;
}

void dmr_meta_encode_sb(const struct dmr_meta *m, u32 copy, u64 generation, void *page)
{
	struct dmr_disk_sb *d = page;
	u32 i;

	memset(page, 0, DMR_META_PAGE_SIZE);
	memcpy(d->magic, DMR_SB_MAGIC, sizeof(d->magic));
	d->version = cpu_to_le32(DMR_FORMAT_VERSION);
	d->generation = cpu_to_le64(generation);
	d->compat_ro = cpu_to_le32(m->compat_ro);
	d->compat = cpu_to_le32(m->compat);
	d->copy_index = cpu_to_le32(copy);
	d->main_len = cpu_to_le64(m->geo.main_len);
	d->spare_start = cpu_to_le64(m->geo.spare_start);
	d->spare_len = cpu_to_le64(m->geo.spare_len);
	d->block_size = cpu_to_le32(m->geo.block_size);
	d->nr_blocks = cpu_to_le32(m->nr_blocks);
	d->nr_pages = cpu_to_le32(m->nr_pages);
	d->pages_crc = cpu_to_le32(dmr_meta_pages_crc(m));
	d->nr_remapped = cpu_to_le32(m->nr_remapped);
	d->nr_pending = cpu_to_le32(m->nr_pending);
	d->nr_bad = cpu_to_le32(m->alloc.nr_bad);
	d->copy_count = cpu_to_le32(m->place.copies);
	d->copy_blocks = cpu_to_le32((u32)m->place.copy_blocks);
	for (i = 0; i < m->place.copies; i++)
		d->copy_start[i] = cpu_to_le32((u32)m->place.start[i]);
	d->crc = cpu_to_le32(dmr_page_crc(d, offsetof(struct dmr_disk_sb, crc)));
}

/* Validate a slot page; on success its slots are in d. */
static int check_page(const struct dmr_meta *m, u32 index, const void *page,
		      char *err, size_t errlen)
{
	const struct dmr_disk_slot_page *d = page;
	u32 i, crc, state, first = index * DMR_SLOTS_PER_PAGE;
	/* Most pages describe no block of a metadata copy: ask once per page. */
	bool reserved = dmr_alloc_any_reserved(&m->alloc, first, DMR_SLOTS_PER_PAGE);
	u64 slot, main_block;

	if (le32_to_cpu(d->magic) != DMR_SLOT_MAGIC) {
		snprintf(err, errlen, "slot page %u: bad magic", index);
		return -EINVAL;
	}
	crc = dmr_page_crc(page, offsetof(struct dmr_disk_slot_page, crc));
	if (crc != le32_to_cpu(d->crc)) {
		snprintf(err, errlen, "slot page %u: crc mismatch (stored %08x, computed %08x)",
			 index, le32_to_cpu(d->crc), crc);
		return -EINVAL;
	}
	if (le32_to_cpu(d->index) != index) {
		snprintf(err, errlen, "slot page %u: header says page %u", index,
			 le32_to_cpu(d->index));
		return -EINVAL;
	}
	if (d->reserved) {
		snprintf(err, errlen, "slot page %u: reserved header field is not zero", index);
		return -EINVAL;
	}
	for (i = 0; i < DMR_SLOTS_PER_PAGE; i++) {
		slot = le64_to_cpu(d->slot[i]);
		state = dmr_slot_state(slot);
		main_block = dmr_slot_main(slot);
		if (first + i >= m->nr_blocks) {
			if (slot) {
				snprintf(err, errlen, "slot page %u: slot past the last block is used", index);
				return -EINVAL;
			}
			continue;
		}
		if (state > DMR_SLOT_BAD ||
		    ((state == DMR_SLOT_FREE || state == DMR_SLOT_BAD) && main_block) ||
		    ((state == DMR_SLOT_REMAPPED || state == DMR_SLOT_PENDING) &&
		     main_block >= m->main_blocks)) {
			snprintf(err, errlen, "spare block %u: invalid slot %016llx",
				 first + i, (unsigned long long)slot);
			return -EINVAL;
		}
		if (state != DMR_SLOT_FREE && reserved && dmr_alloc_is_reserved(&m->alloc, first + i)) {
			snprintf(err, errlen, "spare block %u: inside a metadata copy but in use",
				 first + i);
			return -EINVAL;
		}
	}
	return 0;
}

int dmr_meta_load_page(struct dmr_meta *m, u32 index, const void *page,
		       char *err, size_t errlen)
{
	const struct dmr_disk_slot_page *d = page;
	u32 i, first = index * DMR_SLOTS_PER_PAGE;

	if (index >= m->nr_pages) {
		snprintf(err, errlen, "slot page %u: beyond the last page", index);
		return -EINVAL;
	}
	if (check_page(m, index, page, err, errlen))
		return -EINVAL;
	for (i = 0; i < DMR_SLOTS_PER_PAGE && first + i < m->nr_blocks; i++)
		m->slots[first + i] = le64_to_cpu(d->slot[i]);
	m->page_crc[index] = le32_to_cpu(d->crc);
	return 0;
}

/*
 * Memory's slots were loaded from a page that passed check_page() or were
 * encoded into one, whose crc is in page_crc[]: a page with that header and
 * those slots has the same bytes, so it is valid without computing its crc
 * again (at load, the other copies then cost a compare instead of a crc32c
 * of every page). Only a page that differs is checked, to say why.
 */
int dmr_meta_compare_page(const struct dmr_meta *m, u32 index, const void *page,
			  char *err, size_t errlen)
{
	const struct dmr_disk_slot_page *d = page;
	u32 i, first = index * DMR_SLOTS_PER_PAGE;
	u32 n = min_t(u32, DMR_SLOTS_PER_PAGE, m->nr_blocks - first);
	u64 slot, diff = 0;

	if (le32_to_cpu(d->magic) == DMR_SLOT_MAGIC && le32_to_cpu(d->crc) == m->page_crc[index] &&
	    le32_to_cpu(d->index) == index && !d->reserved) {
		/* No early exit: the compiler can vectorise it. */
		for (i = 0; i < n; i++)
			diff |= le64_to_cpu(d->slot[i]) ^ m->slots[first + i];
		for (; i < DMR_SLOTS_PER_PAGE; i++)
			diff |= le64_to_cpu(d->slot[i]);
		if (!diff)
			return 0;
	}
	if (check_page(m, index, page, err, errlen))
		return -EINVAL;
	for (i = 0; i < DMR_SLOTS_PER_PAGE && first + i < m->nr_blocks; i++) {
		slot = le64_to_cpu(d->slot[i]);
		if (slot != m->slots[first + i]) {
			snprintf(err, errlen, "spare block %u: on disk %016llx, in memory %016llx",
				 first + i, (unsigned long long)slot,
				 (unsigned long long)m->slots[first + i]);
			return -EINVAL;
		}
	}
	snprintf(err, errlen, "slot page %u: crc %08x, memory's page has %08x", index,
		 le32_to_cpu(d->crc), m->page_crc[index]);
	return -EINVAL;
}

int dmr_meta_load_check(struct dmr_meta *m, const struct dmr_sb_info *sb,
			struct dmr_index_builder *bld, char *err, size_t errlen)
{
	u32 b, crc = dmr_meta_pages_crc(m);
	u64 dup = 0;
	int r;

	if (crc != sb->pages_crc) {
		snprintf(err, errlen, "slot pages do not belong to this superblock (pages crc %08x, superblock says %08x)",
			 crc, sb->pages_crc);
		return -EINVAL;
	}
	dmr_alloc_reset(&m->alloc);
	m->nr_remapped = 0;
	m->nr_pending = 0;
	for (b = 0; b < m->nr_blocks; b++) {
		switch (dmr_slot_state(m->slots[b])) {
		case DMR_SLOT_REMAPPED:
			m->nr_remapped++;
			dmr_alloc_claim(&m->alloc, b);
			break;
		case DMR_SLOT_PENDING:
			m->nr_pending++;
			dmr_alloc_claim(&m->alloc, b);
			break;
		case DMR_SLOT_BAD:
			dmr_alloc_set_bad(&m->alloc, b);
			break;
		}
	}
	if (m->nr_remapped != sb->nr_remapped || m->nr_pending != sb->nr_pending ||
	    m->alloc.nr_bad != sb->nr_bad) {
		snprintf(err, errlen, "slot counts (%u remapped, %u pending, %u bad) differ from the superblock's (%u, %u, %u)",
			 m->nr_remapped, m->nr_pending, m->alloc.nr_bad,
			 sb->nr_remapped, sb->nr_pending, sb->nr_bad);
		return -EINVAL;
	}
	r = dmr_index_build_begin(bld, m->slots, m->nr_blocks, m->nr_remapped + m->nr_pending, &dup);
	if (r) {
		snprintf(err, errlen, "cannot build the lookup index: error %d", r);
		return r;
	}
	m->generation = sb->generation;
	m->compat_ro = sb->compat_ro;
	m->compat = sb->compat;
	return 0;
}

int dmr_meta_load_end(struct dmr_meta *m, struct dmr_index_builder *bld,
		      struct dmr_index **ix, char *err, size_t errlen)
{
	u64 dup = 0;
	int r = dmr_index_build_end(bld, ix, &dup);

	if (r) {
		snprintf(err, errlen, "main block %llu is mapped to two spare blocks",
			 (unsigned long long)dup);
		return r;
	}
	dmr_meta_clean(m);
	return 0;
}

int dmr_meta_load_finish(struct dmr_meta *m, const struct dmr_sb_info *sb,
			 struct dmr_index **ix, char *err, size_t errlen)
{
	struct dmr_index_builder bld;
	int r = dmr_meta_load_check(m, sb, &bld, err, errlen);

	return r ? r : dmr_meta_load_end(m, &bld, ix, err, errlen);
}

int dmr_meta_add(struct dmr_meta *m, u64 main_block, u32 state, u32 *spare)
{
	int r;

	if (main_block >= m->main_blocks ||
	    (state != DMR_SLOT_REMAPPED && state != DMR_SLOT_PENDING))
		return -EINVAL;
	r = dmr_alloc_get(&m->alloc, spare);
	if (r)
		return r;
	m->slots[*spare] = dmr_slot_make(state, main_block);
	if (state == DMR_SLOT_REMAPPED)
		m->nr_remapped++;
	else
		m->nr_pending++;
	mark_dirty(m, *spare);
	return 0;
}

int dmr_meta_set_state(struct dmr_meta *m, u32 spare, u32 state)
{
	u32 old;

	if (spare >= m->nr_blocks)
		return -EINVAL;
	old = dmr_slot_state(m->slots[spare]);
	if ((old != DMR_SLOT_REMAPPED && old != DMR_SLOT_PENDING) ||
	    (state != DMR_SLOT_REMAPPED && state != DMR_SLOT_PENDING))
		return -EINVAL;
	if (old == state)
		return 0;
	m->slots[spare] = dmr_slot_make(state, dmr_slot_main(m->slots[spare]));
	if (state == DMR_SLOT_REMAPPED) {
		m->nr_pending--;
		m->nr_remapped++;
	} else {
		m->nr_remapped--;
		m->nr_pending++;
	}
	mark_dirty(m, spare);
	return 0;
}

int dmr_meta_remove(struct dmr_meta *m, u32 spare)
{
	u32 old;

	if (spare >= m->nr_blocks)
		return -EINVAL;
	old = dmr_slot_state(m->slots[spare]);
	if (old != DMR_SLOT_REMAPPED && old != DMR_SLOT_PENDING)
		return -EINVAL;
	if (old == DMR_SLOT_REMAPPED)
		m->nr_remapped--;
	else
		m->nr_pending--;
	m->slots[spare] = 0;
	dmr_alloc_release(&m->alloc, spare);
	mark_dirty(m, spare);
	return 0;
}

int dmr_meta_set_bad(struct dmr_meta *m, u32 spare)
{
	u32 old;

	if (spare >= m->nr_blocks || dmr_alloc_set_bad(&m->alloc, spare))
		return -EINVAL;
	old = dmr_slot_state(m->slots[spare]);
	if (old == DMR_SLOT_REMAPPED)
		m->nr_remapped--;
	else if (old == DMR_SLOT_PENDING)
		m->nr_pending--;
	m->slots[spare] = dmr_slot_make(DMR_SLOT_BAD, 0);
	mark_dirty(m, spare);
	return 0;
}

int dmr_meta_set_slot(struct dmr_meta *m, u32 spare, u64 slot, char *err, size_t errlen)
{
	u32 state = dmr_slot_state(slot), c;
	u64 main_block = dmr_slot_main(slot);

	if (spare >= m->nr_blocks) {
		snprintf(err, errlen, "spare block %u is past the region's last block %u",
			 spare, m->nr_blocks - 1);
		return -EINVAL;
	}
	for (c = 0; c < m->place.copies; c++) {
		if (spare >= m->place.start[c] && spare < m->place.start[c] + m->place.copy_blocks) {
			snprintf(err, errlen, "spare block %u lies in metadata copy %u", spare, c);
			return -EINVAL;
		}
	}
	if (m->slots[spare]) {
		snprintf(err, errlen, "spare block %u is given twice", spare);
		return -EINVAL;
	}
	switch (state) {
	case DMR_SLOT_REMAPPED:
	case DMR_SLOT_PENDING:
		if (main_block >= m->main_blocks) {
			snprintf(err, errlen, "main block %llu is past the device end (%llu blocks)",
				 (unsigned long long)main_block,
				 (unsigned long long)m->main_blocks);
			return -EINVAL;
		}
		dmr_alloc_claim(&m->alloc, spare);
		if (state == DMR_SLOT_REMAPPED)
			m->nr_remapped++;
		else
			m->nr_pending++;
		break;
	case DMR_SLOT_BAD:
		if (main_block) {
			snprintf(err, errlen, "bad spare block %u names main block %llu", spare,
				 (unsigned long long)main_block);
			return -EINVAL;
		}
		dmr_alloc_set_bad(&m->alloc, spare);
		break;
	default:
		snprintf(err, errlen, "spare block %u: slot state %u is not remapped, pending or bad",
			 spare, state);
		return -EINVAL;
	}
	m->slots[spare] = slot;
	mark_dirty(m, spare);
	return 0;
}
