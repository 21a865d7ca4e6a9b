// libFuzzer target: the on-disk metadata decoder (superblock and slot pages)
// and the slot-changing API that produces what it reads.
//
// Raw bytes rarely get past a crc, so the input mostly describes a valid copy
// that the fuzzer builds and then damages:
//   byte 0   flags: bits 0-1 geometry (table below), bit 2 raw (the rest of
//            the input is the copy's bytes instead), bit 3 recompute every crc
//            after patching (to reach the checks behind them), bit 4 decode
//            against the expected geometry (else take the superblock's),
//            bit 5 with bit 3: keep the superblock's pages crc as it is,
//            bit 6 with bit 3: also recount the slot states into the
//            superblock's counters (so that patched slots reach load_finish)
//   byte 1   generation of the encoded superblock (0 is invalid)
//   byte 2   bits 0-1 copy index of the encoded superblock; bits 4-7 t: if
//            not 0, a torn commit: slot pages from t - 1 on are those encoded
//            after the first half of the operations only
//   byte 3   n, then n operations of 3 bytes: op, 16-bit argument (below)
//   then     patches of 3 bytes: 16-bit offset into the copy, byte to xor
// Invariants: nothing crashes; every refusal says why; the slot API keeps
// the metadata consistent; an undamaged copy of consistent metadata loads;
// whatever loads passes dmr_meta_check with no violation, and re-encoding it
// reproduces the copy byte for byte.
#include <stdlib.h>
#include <string.h>
#include "meta.h"
#include "check.h"
#include "crc32c.h"

#define PAGE DMR_META_PAGE_SIZE
#define MAX_PAGES 8
#define MAX_LOAD_BLOCKS (1U << 18)	/* bigger patched geometries: skip, for speed */

/* Few slot pages: every page costs crcs, and crcs are slow under the fuzzer. */
static const struct dmr_geometry geos[4] = {
	{ 4096, 4096, 2048, 4096 },	/* 256 blocks, 1 page (partial), 2 copies of 2 */
	{ 1024, 0, 2048, 2048 },	/* 512 blocks, 2 pages (the last with 2 slots) */
	{ 16, 16, 4080, 4096 },		/* 510 blocks, 1 full page, 2 main blocks */
	{ 1 << 20, 1 << 20, 2048, 512 },	/* 2048 blocks, 5 pages, copies of 48 */
};

static u8 image[(1 + MAX_PAGES) * PAGE], orig[sizeof(image)], older[sizeof(image)];
static const u8 zero_page[PAGE];

static void fix_crcs(u32 nr_blocks, u32 nr_pages, bool keep_pages_crc, bool recount)
{
	struct dmr_disk_sb *sb = (struct dmr_disk_sb *)image;
	u32 i, crc = 0, count[16] = { 0 };

	if (recount) {
		const __le64 *slot = (const __le64 *)(image + PAGE);

		for (i = 0; i < nr_blocks; i++)
			count[dmr_slot_state(le64_to_cpu(slot[i / DMR_SLOTS_PER_PAGE * (PAGE / 8) + 2 +
							      i % DMR_SLOTS_PER_PAGE]))]++;
		sb->nr_remapped = cpu_to_le32(count[DMR_SLOT_REMAPPED]);
		sb->nr_pending = cpu_to_le32(count[DMR_SLOT_PENDING]);
		sb->nr_bad = cpu_to_le32(count[DMR_SLOT_BAD]);
	}

	for (i = 0; i < nr_pages; i++) {
		struct dmr_disk_slot_page *p = (struct dmr_disk_slot_page *)(image + (1 + i) * PAGE);
		__le32 le;

		p->crc = cpu_to_le32(dmr_page_crc(p, offsetof(struct dmr_disk_slot_page, crc)));
		le = p->crc;
		crc = dmr_crc32c_continue(crc, &le, sizeof(le));
	}
	if (!keep_pages_crc)
		sb->pages_crc = cpu_to_le32(crc);
	sb->crc = cpu_to_le32(dmr_page_crc(sb, offsetof(struct dmr_disk_sb, crc)));
}

static void apply_ops(struct dmr_meta *m, const u8 *d, u32 n)
{
	u32 spare;

	for (u32 i = 0; i < n; i++, d += 3) {
		u32 v = d[1] | (u32)d[2] << 8;

		switch (d[0] & 7) {
		case 0:
			dmr_meta_add(m, v % m->main_blocks, DMR_SLOT_REMAPPED, &spare);
			break;
		case 1:
			dmr_meta_add(m, v % m->main_blocks, DMR_SLOT_PENDING, &spare);
			break;
		case 2:
			dmr_meta_set_bad(m, v % m->nr_blocks);
			break;
		case 3:
			dmr_meta_remove(m, v % m->nr_blocks);
			break;
		case 4:
			dmr_meta_set_state(m, v % m->nr_blocks, DMR_SLOT_REMAPPED);
			break;
		case 5:
			dmr_meta_set_state(m, v % m->nr_blocks, DMR_SLOT_PENDING);
			break;
		case 6:	/* unchecked: may be past the device or an invalid state */
			dmr_meta_add(m, v, d[0] >> 3, &spare);
			break;
		default:
			dmr_meta_reset(m);
		}
	}
}

static void check_or_abort(const struct dmr_meta *m, const struct dmr_index *ix)
{
	static char buf[4096];
	struct dmr_out o;

	dmr_out_init(&o, buf, sizeof(buf));
	if (dmr_meta_check(m, ix, &o)) {
		fprintf(stderr, "dmr_meta_check:\n%s", buf);
		abort();
	}
}

static int reached_pages;

static void need_reason(const char *err)
{
	if (!err[0])
		abort();
}

/*
 * Load the copy in image; 1 if it loaded (and passed every invariant). If
 * src is not NULL, image is src's copy intact and must load to src's slots.
 */
static int load(u32 flags, u32 image_pages, const struct dmr_meta *src)
{
	static u8 again[PAGE];
	const struct dmr_geometry *g = &geos[flags & 3];
	struct dmr_sb_info sb;
	struct dmr_meta m;
	struct dmr_index *ix;
	enum dmr_sb_verdict v;
	char err[256] = "";
	u32 i;

	reached_pages = 0;
	v = dmr_sb_decode(image, flags & 16 ? g : NULL, &sb, err, sizeof(err));
	if (v > DMR_SB_MISMATCH || !dmr_sb_verdict_name(v))
		abort();
	if ((v == DMR_SB_ZERO) != !memcmp(image, zero_page, PAGE))
		abort();
	if (v != DMR_SB_VALID) {
		if (v != DMR_SB_ZERO)
			need_reason(err);
		return 0;
	}
	if (sb.nr_blocks > MAX_LOAD_BLOCKS)
		return 0;
	reached_pages = 1;
	if (dmr_meta_init(&m, &sb.geo, err, sizeof(err)))
		abort();	/* a valid superblock has a usable geometry */
	if (m.nr_blocks != sb.nr_blocks || m.nr_pages != sb.nr_pages ||
	    m.place.copies != sb.copy_count || m.place.copy_blocks != sb.copy_blocks)
		abort();
	for (i = 0; i < m.nr_pages; i++) {
		const u8 *p = 1 + i < image_pages ? image + (1 + i) * PAGE : zero_page;

		if (dmr_meta_load_page(&m, i, p, err, sizeof(err))) {
			need_reason(err);
			goto out;
		}
	}
	if (dmr_meta_load_finish(&m, &sb, &ix, err, sizeof(err))) {
		need_reason(err);
		goto out;
	}
	check_or_abort(&m, ix);
	if (src && memcmp(m.slots, src->slots, (size_t)m.nr_blocks * sizeof(u64)))
		abort();
	if (ix->count != m.nr_remapped + m.nr_pending || m.generation != sb.generation)
		abort();
	for (i = 0; i < m.nr_pages; i++) {
		const u8 *p = 1 + i < image_pages ? image + (1 + i) * PAGE : zero_page;

		dmr_meta_encode_page(&m, i, again);
		if (memcmp(again, p, PAGE) || dmr_meta_compare_page(&m, i, p, err, sizeof(err)))
			abort();
	}
	dmr_meta_encode_sb(&m, sb.copy_index, sb.generation, again);
	if (memcmp(again, image, PAGE))
		abort();
	dmr_index_free(ix);
	dmr_meta_destroy(&m);
	return 1;
out:
	dmr_meta_destroy(&m);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmr_meta src;
	struct dmr_index *ix = NULL;
	u32 flags, gen, copy, torn, nops, pages, bytes, i;
	u64 dup;
	char err[256];
	int consistent, intact;

	if (size < 4)
		return 0;
	flags = data[0];
	gen = data[1];
	copy = data[2] & 3;
	torn = data[2] >> 4;
	nops = data[3];
	if (dmr_meta_init(&src, &geos[flags & 3], err, sizeof(err)))
		abort();
	pages = 1 + src.nr_pages;
	bytes = pages * PAGE;
	memset(image, 0, sizeof(image));
	if (flags & 4) {
		memcpy(image, data + 1, size - 1 < bytes ? size - 1 : bytes);
		consistent = 0;
	} else {
		if (size < 4 + 3 * (size_t)nops)
			nops = (u32)(size - 4) / 3;
		apply_ops(&src, data + 4, nops / 2);
		for (i = 0; i < src.nr_pages; i++)
			dmr_meta_encode_page(&src, i, older + (1 + i) * PAGE);
		apply_ops(&src, data + 4 + 3 * (nops / 2), nops - nops / 2);
		check_or_abort(&src, NULL);	/* the API keeps it consistent */
		consistent = !dmr_index_build(src.slots, src.nr_blocks,
					      src.nr_remapped + src.nr_pending, &ix, &dup);
		dmr_index_free(ix);
		for (i = 0; i < src.nr_pages; i++)
			dmr_meta_encode_page(&src, i, image + (1 + i) * PAGE);
		dmr_meta_encode_sb(&src, copy, gen, image);
		memcpy(orig, image, bytes);
		if (torn && torn < pages)
			memcpy(image + torn * PAGE, older + torn * PAGE, bytes - torn * PAGE);
		for (const u8 *p = data + 4 + 3 * nops; p + 3 <= data + size; p += 3)
			image[(p[0] | (u32)p[1] << 8) % bytes] ^= p[2];
	}
	if (flags & 8)
		fix_crcs(src.nr_blocks, src.nr_pages, flags & 32, flags & 64);
	intact = !(flags & 4) && consistent && gen && copy < src.place.copies &&
		 !memcmp(image, orig, bytes);
	if (!load(flags, pages, intact ? &src : NULL) && intact)
		abort();	/* an intact copy of consistent metadata must load */
	/* Slot pages alone, when the superblock kept them from being read. */
	for (i = 0; i < src.nr_pages && !reached_pages; i++) {
		err[0] = 0;
		if (dmr_meta_load_page(&src, i, image + (1 + i) * PAGE, err, sizeof(err)))
			need_reason(err);
	}
	dmr_meta_destroy(&src);
	return 0;
}
