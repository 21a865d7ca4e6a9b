/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The grammar of `dmsetup message <dev> 0 <verb> [args]`, parsed by shared
 * code so the fuzzer exercises exactly what the kernel runs. Replies are
 * documented in docs/target.md.
 */
#ifndef DMR_CORE_MESSAGE_H
#define DMR_CORE_MESSAGE_H

#include "compat.h"

enum dmr_verb {
	DMR_MSG_REMAP,
	DMR_MSG_UNREMAP,
	DMR_MSG_QUERY,
	DMR_MSG_LIST,
	DMR_MSG_COUNT,
	DMR_MSG_STATS,
	DMR_MSG_RESERVATION_STATS,
	DMR_MSG_ALLOCATION_MAP,
	DMR_MSG_METADATA_LOCATIONS,
	DMR_MSG_CHECK,
	DMR_MSG_COMMIT,
	DMR_MSG_HELP,
	DMR_MSG_SET,
};

struct dmr_msg {
	enum dmr_verb verb;
	u64 sector;		/* remap, unremap, query, list: first sector */
	u64 count;		/* remap, query: sectors; list: at most this many entries */
	bool value;		/* set auto_remap on|off */
};

/* One line per verb, as `help` prints it. */
extern const char dmr_msg_help[];

/*
 * Parse argv for a device of dev_sectors sectors. 0, or -EINVAL with
 * *error set to a message for the result buffer / ti->error.
 */
int dmr_msg_parse(unsigned int argc, char **argv, u64 dev_sectors,
		  struct dmr_msg *msg, const char **error);

#endif /* DMR_CORE_MESSAGE_H */
