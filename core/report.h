/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Text output into a fixed buffer (a dm message result, a debugfs read, the
 * tool's stdout), shared so that every place prints the same lines. Output
 * that does not fit is cut at a line boundary and flagged.
 */
#ifndef DMR_CORE_REPORT_H
#define DMR_CORE_REPORT_H

#include "compat.h"

struct dmr_out {
	char *buf;
	size_t size;
	size_t len;
	bool truncated;
};

void dmr_out_init(struct dmr_out *o, char *buf, size_t size);
/* Append one formatted piece; false once the buffer is full. */
dmr_printf(2, 3) bool dmr_out(struct dmr_out *o, const char *fmt, ...);

#endif /* DMR_CORE_REPORT_H */
