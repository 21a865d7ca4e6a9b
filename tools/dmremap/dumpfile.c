// SPDX-License-Identifier: GPL-2.0-only
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#include "dumpfile.h"
#include "check.h"
#include "table.h"

const char *dump_state_name(u32 state)
{
	switch (state) {
	case DMR_SLOT_REMAPPED: return "remapped";
	case DMR_SLOT_PENDING: return "pending";
	case DMR_SLOT_BAD: return "bad";
	default: return "free";
	}
}

void dump_generation(FILE *f, u64 generation)
{
	if (generation)
		fprintf(f, "%" PRIu64, generation);
	else
		fputc('-', f);
}

const char *dump_copy_reason(const struct dmr_meta *m, const struct dmr_load_report *rep,
			     u32 c, char *buf, size_t len)
{
	if (rep->copy[c].state != DMR_COPY_STALE)
		return rep->copy[c].why;
	snprintf(buf, len, "current is %" PRIu64, m->generation);
	return buf;
}

void dump_text(FILE *f, const struct dmr_meta *m, const struct dmr_index *ix,
	       const struct dmr_load_report *rep)
{
	const struct dmr_copy_info *ci;
	u32 bs_sectors = m->geo.block_size >> DMR_SECTOR_SHIFT, c, i, b;
	const char *why;
	char rb[64];

	fprintf(f, "block_size:   %u\n"
		"main_len:     %" PRIu64 "\n"
		"spare_start:  %" PRIu64 "\n"
		"spare_len:    %" PRIu64 "\n"
		"blocks:       %u\n"
		"strategy:     %s\n"
		"copies:       %u of %" PRIu64 " blocks\n",
		m->geo.block_size, m->geo.main_len, m->geo.spare_start, m->geo.spare_len,
		m->nr_blocks, m->place.strategy, m->place.copies, m->place.copy_blocks);
	for (c = 0; c < m->place.copies; c++) {
		ci = &rep->copy[c];
		fprintf(f, "copy %u:       sector %" PRIu64 ", block %" PRIu64 ", %s, generation ",
			c, dmr_copy_page_sector(m, c, 0), m->place.start[c],
			dmr_copy_state_name(ci->state));
		dump_generation(f, ci->generation);
		why = dump_copy_reason(m, rep, c, rb, sizeof(rb));
		fprintf(f, "%s%s\n", why[0] ? ": " : "", why);
	}
	fprintf(f, "generation:   %" PRIu64 " (copy %d)\n"
		"features:     compat_ro 0x%x, compat 0x%x\n"
		"remapped:     %u\n"
		"pending:      %u\n"
		"bad:          %u\n"
		"reserved:     %u\n"
		"used:         %u\n"
		"free:         %u\n\n",
		m->generation, rep->chosen, m->compat_ro, m->compat, m->nr_remapped,
		m->nr_pending, m->alloc.nr_bad, m->alloc.nr_reserved, m->alloc.nr_used,
		dmr_alloc_free(&m->alloc));
	fprintf(f, "%-14s %-9s %-12s %s\n", "main_sector", "state", "spare_block", "spare_sector");
	for (i = 0; i < ix->count; i++) {
		struct dmr_index_entry e = dmr_index_get(ix, i);

		fprintf(f, "%-14" PRIu64 " %-9s %-12u %" PRIu64 "\n", e.main_block * bs_sectors,
			dump_state_name(e.state), e.spare_block, dmr_spare_sector(m, e.spare_block));
	}
	for (b = 0; b < m->nr_blocks; b++)
		if (dmr_slot_state(m->slots[b]) == DMR_SLOT_BAD)
			fprintf(f, "%-14s %-9s %-12u %" PRIu64 "\n", "-", "bad", b,
				dmr_spare_sector(m, b));
}

/*
 * The reader: a line at a time, split at blanks. The lines before the rows
 * come in the order dump writes them; the rows in any order.
 */
#define MAX_LINE 512
#define MAX_TOKENS 8

struct reader {
	const char *p, *end;
	u32 line;		/* of the line in buf, from 1 */
	char buf[MAX_LINE];
	char *tok[MAX_TOKENS];
	u32 ntok;		/* MAX_TOKENS + 1: more than MAX_TOKENS */
	char *err;
	size_t errlen;
};

static dmr_printf(2, 3) int bad(struct reader *r, const char *fmt, ...)
{
	int n = snprintf(r->err, r->errlen, "line %u: ", r->line);
	va_list ap;

	if (n >= 0 && (size_t)n < r->errlen) {
		va_start(ap, fmt);
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int next_line(struct reader *r)
{
	const char *nl;
	char *s, *save;
	size_t n;

	r->line++;
	if (r->p >= r->end)
		return bad(r, "the dump ends too early");
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	n = (size_t)((nl ? nl : r->end) - r->p);
	if (n >= MAX_LINE)
		return bad(r, "longer than %u bytes", MAX_LINE - 1);
	memcpy(r->buf, r->p, n);
	r->buf[n] = '\0';
	if (strlen(r->buf) != n)
		return bad(r, "a NUL byte");
	r->p += n + (nl != NULL);
	r->ntok = 0;
	/* A carriage return too: a dump that went through a DOS editor still reads. */
	for (s = strtok_r(r->buf, " \t\r", &save); s; s = strtok_r(NULL, " \t\r", &save)) {
		if (r->ntok == MAX_TOKENS) {
			r->ntok++;
			break;
		}
		r->tok[r->ntok++] = s;
	}
	return 0;
}

/* Token s as a decimal number, a trailing comma if comma (as dump separates). */
static int number(struct reader *r, char *s, bool comma, const char *what, u64 *v)
{
	size_t n = strlen(s);

	if (comma) {
		if (!n || s[n - 1] != ',')
			return bad(r, "%s \"%s\": a comma must follow it", what, s);
		s[n - 1] = '\0';
	}
	if (dmr_parse_u64(s, v))
		return bad(r, "%s \"%s\" is not a decimal number", what, s);
	return 0;
}

/* "0x" and 1 to 8 hex digits, a trailing comma if comma. */
static int hex32(struct reader *r, char *s, bool comma, const char *what, u32 *v)
{
	size_t n = strlen(s), i;
	u32 x = 0;

	if (comma && n && s[n - 1] == ',')
		s[--n] = '\0';
	else if (comma)
		return bad(r, "%s \"%s\": a comma must follow it", what, s);
	if (n < 3 || n > 10 || s[0] != '0' || s[1] != 'x')
		return bad(r, "%s \"%s\" is not 0x and 1 to 8 hex digits", what, s);
	for (i = 2; i < n; i++) {
		char ch = s[i];

		if (ch >= '0' && ch <= '9')
			x = x << 4 | (u32)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			x = x << 4 | (u32)(ch - 'a' + 10);
		else
			return bad(r, "%s \"%s\" is not 0x and 1 to 8 hex digits", what, s);
	}
	*v = x;
	return 0;
}

/* A line "<key> <number>". */
static int field(struct reader *r, const char *key, u64 *v)
{
	int e = next_line(r);

	if (e)
		return e;
	if (r->ntok != 2 || strcmp(r->tok[0], key))
		return bad(r, "expected \"%s <number>\"", key);
	return number(r, r->tok[1], false, key, v);
}

/* block_size, main_len, spare_start, spare_len: then m is initialised. */
static int read_geometry(struct reader *r, struct dmr_meta *m)
{
	struct dmr_geometry geo;
	char msg[160];
	u64 bs, bs_sectors;
	int e;

	e = field(r, "block_size:", &bs);
	if (e)
		return e;
	if (bs < DMR_MIN_BLOCK_SIZE || bs > DMR_META_PAGE_SIZE || (bs & (bs - 1)))
		return bad(r, "block_size %" PRIu64 ": not 512, 1024, 2048 or 4096", bs);
	geo.block_size = (u32)bs;
	bs_sectors = bs >> DMR_SECTOR_SHIFT;
	e = field(r, "main_len:", &geo.main_len);
	if (e)
		return e;
	if (!geo.main_len || geo.main_len % bs_sectors)
		return bad(r, "main_len %" PRIu64 " is not a positive multiple of the block size (%" PRIu64 " sectors)",
			   geo.main_len, bs_sectors);
	e = field(r, "spare_start:", &geo.spare_start);
	if (e)
		return e;
	if (geo.spare_start % bs_sectors)
		return bad(r, "spare_start %" PRIu64 " is not a multiple of the block size (%" PRIu64 " sectors)",
			   geo.spare_start, bs_sectors);
	e = field(r, "spare_len:", &geo.spare_len);
	if (e)
		return e;
	if (geo.spare_len % bs_sectors || geo.spare_start + geo.spare_len < geo.spare_start)
		return bad(r, "spare_len %" PRIu64 " is not a multiple of the block size (%" PRIu64 " sectors) or ends past 2^64",
			   geo.spare_len, bs_sectors);
	e = dmr_meta_init(m, &geo, msg, sizeof(msg));
	if (e == -EINVAL)
		return bad(r, "%s", msg);
	if (e)
		snprintf(r->err, r->errlen, "%s", msg);
	return e;
}

/* blocks, strategy, copies and one line per copy: what the placement gives. */
static int read_layout(struct reader *r, const struct dmr_meta *m)
{
	u64 v, sector, block;
	char want[16];
	u32 c;
	int e;

	e = field(r, "blocks:", &v);
	if (e)
		return e;
	if (v != m->nr_blocks)
		return bad(r, "blocks %" PRIu64 ", the geometry gives %u", v, m->nr_blocks);
	e = next_line(r);
	if (e)
		return e;
	if (r->ntok != 2 || strcmp(r->tok[0], "strategy:") || strcmp(r->tok[1], m->place.strategy))
		return bad(r, "expected \"strategy: %s\", what the geometry gives", m->place.strategy);
	e = next_line(r);
	if (e)
		return e;
	if (r->ntok != 5 || strcmp(r->tok[0], "copies:") || strcmp(r->tok[2], "of") ||
	    strcmp(r->tok[4], "blocks"))
		return bad(r, "expected \"copies: <n> of <blocks> blocks\"");
	e = number(r, r->tok[1], false, "copies", &v);
	if (e)
		return e;
	if (v != m->place.copies)
		return bad(r, "%" PRIu64 " copies, the geometry gives %u", v, m->place.copies);
	e = number(r, r->tok[3], false, "copy blocks", &v);
	if (e)
		return e;
	if (v != m->place.copy_blocks)
		return bad(r, "copies of %" PRIu64 " blocks, the geometry gives %" PRIu64,
			   v, m->place.copy_blocks);
	/* Then what each copy held when dumped: restore writes them all. */
	for (c = 0; c < m->place.copies; c++) {
		e = next_line(r);
		if (e)
			return e;
		snprintf(want, sizeof(want), "%u:", c);
		if (r->ntok < 6 || strcmp(r->tok[0], "copy") || strcmp(r->tok[1], want) ||
		    strcmp(r->tok[2], "sector") || strcmp(r->tok[4], "block"))
			return bad(r, "expected \"copy %u: sector <sector>, block <block>, ...\"", c);
		e = number(r, r->tok[3], true, "sector", &sector);
		if (!e)
			e = number(r, r->tok[5], true, "block", &block);
		if (e)
			return e;
		if (sector != dmr_copy_page_sector(m, c, 0) || block != m->place.start[c])
			return bad(r, "copy %u at sector %" PRIu64 ", block %" PRIu64 "; the geometry puts it at sector %" PRIu64 ", block %" PRIu64,
				   c, sector, block, dmr_copy_page_sector(m, c, 0), m->place.start[c]);
	}
	return 0;
}

/* generation and features. */
static int read_state(struct reader *r, struct dmr_meta *m)
{
	size_t n;
	u64 v;
	int e;

	e = next_line(r);
	if (e)
		return e;
	/* "(copy <n>)", which copy dump read, is optional. */
	if ((r->ntok != 2 && r->ntok != 4) || strcmp(r->tok[0], "generation:") ||
	    (r->ntok == 4 && (strcmp(r->tok[2], "(copy") || !(n = strlen(r->tok[3])) ||
			      r->tok[3][n - 1] != ')')))
		return bad(r, "expected \"generation: <number> [(copy <n>)]\"");
	e = number(r, r->tok[1], false, "generation", &v);
	if (e)
		return e;
	if (!v)
		return bad(r, "generation 0: a written copy has 1 or more");
	m->generation = v;
	e = next_line(r);
	if (e)
		return e;
	if (r->ntok != 5 || strcmp(r->tok[0], "features:") || strcmp(r->tok[1], "compat_ro") ||
	    strcmp(r->tok[3], "compat"))
		return bad(r, "expected \"features: compat_ro 0x<hex>, compat 0x<hex>\"");
	e = hex32(r, r->tok[2], true, "compat_ro", &m->compat_ro);
	if (!e)
		e = hex32(r, r->tok[4], false, "compat", &m->compat);
	return e;
}

/* One row: "<main_sector> <state> <spare_block> <spare_sector>", or "- bad ...". */
static int read_row(struct reader *r, struct dmr_meta *m)
{
	u64 bs_sectors = m->geo.block_size >> DMR_SECTOR_SHIFT, main_sector = 0, block, sector;
	u32 state;
	char msg[128];
	int e;

	if (r->ntok != 4)
		return bad(r, "expected \"<main_sector> <state> <spare_block> <spare_sector>\"");
	if (!strcmp(r->tok[1], "remapped"))
		state = DMR_SLOT_REMAPPED;
	else if (!strcmp(r->tok[1], "pending"))
		state = DMR_SLOT_PENDING;
	else if (!strcmp(r->tok[1], "bad"))
		state = DMR_SLOT_BAD;
	else
		return bad(r, "state \"%s\" is not remapped, pending or bad", r->tok[1]);
	if (state == DMR_SLOT_BAD) {
		if (strcmp(r->tok[0], "-"))
			return bad(r, "a bad spare block serves no main sector: \"-\", not \"%s\"",
				   r->tok[0]);
	} else {
		e = number(r, r->tok[0], false, "main sector", &main_sector);
		if (e)
			return e;
		if (main_sector % bs_sectors)
			return bad(r, "main sector %" PRIu64 " is not on a block boundary (%" PRIu64 " sectors)",
				   main_sector, bs_sectors);
	}
	e = number(r, r->tok[2], false, "spare block", &block);
	if (!e)
		e = number(r, r->tok[3], false, "spare sector", &sector);
	if (e)
		return e;
	if (block > U32_MAX)
		return bad(r, "spare block %" PRIu64 " is past the region's last block %u",
			   block, m->nr_blocks - 1);
	if (dmr_meta_set_slot(m, (u32)block, dmr_slot_make(state, main_sector / bs_sectors),
			      msg, sizeof(msg)))
		return bad(r, "%s", msg);
	if (sector != dmr_spare_sector(m, (u32)block))
		return bad(r, "spare block %" PRIu64 " is at sector %" PRIu64 ", not %" PRIu64,
			   block, dmr_spare_sector(m, (u32)block), sector);
	return 0;
}

/*
 * What the module will check when it loads the result: the superblock
 * this metadata encodes to decodes as valid for its own geometry, and
 * every invariant holds.
 */
static int final_check(struct dmr_meta *m, const struct dmr_index *ix, char *err, size_t errlen)
{
	struct dmr_sb_info sb;
	struct dmr_out o;
	char why[112];
	void *page;
	u32 p;

	page = malloc(DMR_META_PAGE_SIZE);
	if (!page) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (p = 0; p < m->nr_pages; p++)
		dmr_meta_encode_page(m, p, page);
	dmr_meta_encode_sb(m, 0, m->generation, page);
	if (dmr_sb_decode(page, &m->geo, &sb, why, sizeof(why)) != DMR_SB_VALID) {
		free(page);
		snprintf(err, errlen, "the superblock it makes is invalid: %s", why);
		return -EINVAL;
	}
	free(page);
	dmr_out_init(&o, err, errlen);
	if (dmr_meta_check(m, ix, &o)) {
		err[strcspn(err, "\n")] = '\0';
		return -EINVAL;
	}
	return 0;
}

int dump_parse(const char *text, size_t len, struct dmr_meta *m, struct dmr_index **ix,
	       char *err, size_t errlen)
{
	struct reader *r;
	u64 count[6], dup = 0;
	static const char *const counters[] = {
		"remapped:", "pending:", "bad:", "reserved:", "used:", "free:",
	};
	bool init = false;
	u32 i;
	int e;

	memset(m, 0, sizeof(*m));
	*ix = NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	r->p = text;
	r->end = text + len;
	r->err = err;
	r->errlen = errlen;
	e = read_geometry(r, m);
	if (e)
		goto out;
	init = true;
	e = read_layout(r, m);
	if (!e)
		e = read_state(r, m);
	for (i = 0; !e && i < ARRAY_SIZE(counters); i++)
		e = field(r, counters[i], &count[i]);
	if (e)
		goto out;
	e = next_line(r);
	if (e)
		goto out;
	if (r->ntok) {
		e = bad(r, "expected an empty line before the rows");
		goto out;
	}
	e = next_line(r);
	if (e)
		goto out;
	if (r->ntok != 4 || strcmp(r->tok[0], "main_sector") || strcmp(r->tok[1], "state") ||
	    strcmp(r->tok[2], "spare_block") || strcmp(r->tok[3], "spare_sector")) {
		e = bad(r, "expected the heading \"main_sector state spare_block spare_sector\"");
		goto out;
	}
	while (r->p < r->end) {
		e = next_line(r);
		if (!e)
			e = read_row(r, m);
		if (e)
			goto out;
	}
	e = -EINVAL;
	if (count[0] != m->nr_remapped || count[1] != m->nr_pending || count[2] != m->alloc.nr_bad) {
		snprintf(err, errlen, "the counters say %" PRIu64 " remapped, %" PRIu64 " pending, %" PRIu64
			 " bad; the rows hold %u, %u, %u", count[0], count[1], count[2],
			 m->nr_remapped, m->nr_pending, m->alloc.nr_bad);
		goto out;
	}
	if (count[3] != m->alloc.nr_reserved || count[4] != m->alloc.nr_used ||
	    count[5] != dmr_alloc_free(&m->alloc)) {
		snprintf(err, errlen, "the counters say %" PRIu64 " reserved, %" PRIu64 " used, %" PRIu64
			 " free; the rows leave %u, %u, %u", count[3], count[4], count[5],
			 m->alloc.nr_reserved, m->alloc.nr_used, dmr_alloc_free(&m->alloc));
		goto out;
	}
	e = dmr_index_build(m->slots, m->nr_blocks, m->nr_remapped + m->nr_pending, ix, &dup);
	if (e == -EINVAL)
		snprintf(err, errlen, "main sector %" PRIu64 " is given two spare blocks",
			 dup * (m->geo.block_size >> DMR_SECTOR_SHIFT));
	else if (e)
		snprintf(err, errlen, "out of memory building the lookup index");
	else
		e = final_check(m, *ix, err, errlen);
out:
	free(r);
	if (e) {
		dmr_index_free(*ix);
		*ix = NULL;
		if (init)
			dmr_meta_destroy(m);
	}
	return e;
}
