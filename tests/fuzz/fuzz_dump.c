// libFuzzer target: the reader of `dmremap dump` text that `dmremap restore`
// writes from (tools/dmremap/dumpfile.c). Input: the text itself.
// Invariants: nothing crashes; every refusal says why; what is accepted
// passes dmr_meta_check, and written out again by dump_text and read back it
// gives the same metadata and, written once more, the same text (the dump
// round-trips, so restore writes exactly what dump showed).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dumpfile.h"
#include "check.h"

/* Larger regions are skipped: their slot arrays make each run slow. */
#define MAX_SPARE_SECTORS (1ULL << 20)

/* Whether the first "spare_len:" is followed by a number past the limit. */
static bool too_large(const char *s, size_t n)
{
	static const char key[] = "spare_len:";
	size_t i, k = sizeof(key) - 1;
	u64 v = 0;

	for (i = 0; i + k <= n && memcmp(s + i, key, k); i++)
		;
	if (i + k > n)
		return false;
	for (i += k; i < n && s[i] == ' '; i++)
		;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (u64)(s[i] - '0');
		if (v > MAX_SPARE_SECTORS)
			return true;
	}
	return false;
}

static char *write_out(const struct dmr_meta *m, const struct dmr_index *ix, size_t *len)
{
	struct dmr_load_report rep;
	char *text = NULL;
	FILE *f;
	u32 c;

	memset(&rep, 0, sizeof(rep));
	for (c = 0; c < m->place.copies; c++) {
		rep.copy[c].state = DMR_COPY_OK;
		rep.copy[c].generation = m->generation;
	}
	f = open_memstream(&text, len);
	if (!f)
		abort();
	dump_text(f, m, ix, &rep);
	if (fclose(f))
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct dmr_meta m, again;
	struct dmr_index *ix, *ix2;
	char err[512], *text, *text2, buf[256];
	size_t len, len2;
	struct dmr_out o;

	if (too_large((const char *)data, size))
		return 0;
	err[0] = '\0';
	if (dump_parse((const char *)data, size, &m, &ix, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	dmr_out_init(&o, buf, sizeof(buf));
	if (dmr_meta_check(&m, ix, &o))
		abort();
	text = write_out(&m, ix, &len);
	if (dump_parse(text, len, &again, &ix2, err, sizeof(err))) {
		fprintf(stderr, "own dump refused: %s\n%s", err, text);
		abort();
	}
	if (again.generation != m.generation || again.compat_ro != m.compat_ro ||
	    again.compat != m.compat || again.nr_blocks != m.nr_blocks ||
	    memcmp(again.slots, m.slots, (size_t)m.nr_blocks * sizeof(*m.slots)))
		abort();
	text2 = write_out(&again, ix2, &len2);
	if (len2 != len || memcmp(text, text2, len))
		abort();
	free(text);
	free(text2);
	dmr_index_free(ix);
	dmr_index_free(ix2);
	dmr_meta_destroy(&m);
	dmr_meta_destroy(&again);
	return 0;
}
