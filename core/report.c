// SPDX-License-Identifier: GPL-2.0-only
#include "report.h"
#ifdef __KERNEL__
#include <linux/kernel.h>
#endif

void dmr_out_init(struct dmr_out *o, char *buf, size_t size)
{
	o->buf = buf;
	o->size = size;
	o->len = 0;
	o->truncated = false;
	if (size)
		buf[0] = '\0';
}

bool dmr_out(struct dmr_out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->truncated)
		return false;
	if (o->len >= o->size) {
		/* No room at all (a zero-size buffer): nothing fits, say so. */
		o->truncated = true;
		return false;
	}
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		/* Drop the partial line: readers never see half a record. */
		while (o->len && o->buf[o->len - 1] != '\n')
			o->len--;
		o->buf[o->len] = '\0';
		o->truncated = true;
		return false;
	}
	o->len += (size_t)n;
	return true;
}
