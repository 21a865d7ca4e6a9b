// SPDX-License-Identifier: GPL-2.0-only
#include "message.h"
#include "table.h"

const char dmr_msg_help[] =
	"remap <sector> [<sectors>]\n"
	"unremap <sector>\n"
	"query <sector> [<sectors>]\n"
	"list [<sector> [<count>]]\n"
	"count\n"
	"stats\n"
	"reservation_stats\n"
	"allocation_map\n"
	"metadata_locations\n"
	"check\n"
	"commit\n"
	"help\n"
	"set auto_remap on|off\n";

static const struct {
	const char *name;
	enum dmr_verb verb;
	unsigned int min_args, max_args;	/* after the verb */
	const char *usage;
} verbs[] = {
	{ "remap", DMR_MSG_REMAP, 1, 2, "usage: remap <sector> [<sectors>]" },
	{ "unremap", DMR_MSG_UNREMAP, 1, 1, "usage: unremap <sector>" },
	{ "query", DMR_MSG_QUERY, 1, 2, "usage: query <sector> [<sectors>]" },
	{ "list", DMR_MSG_LIST, 0, 2, "usage: list [<sector> [<count>]]" },
	{ "count", DMR_MSG_COUNT, 0, 0, "usage: count" },
	{ "stats", DMR_MSG_STATS, 0, 0, "usage: stats" },
	{ "reservation_stats", DMR_MSG_RESERVATION_STATS, 0, 0, "usage: reservation_stats" },
	{ "allocation_map", DMR_MSG_ALLOCATION_MAP, 0, 0, "usage: allocation_map" },
	{ "metadata_locations", DMR_MSG_METADATA_LOCATIONS, 0, 0, "usage: metadata_locations" },
	{ "check", DMR_MSG_CHECK, 0, 0, "usage: check" },
	{ "commit", DMR_MSG_COMMIT, 0, 0, "usage: commit" },
	{ "help", DMR_MSG_HELP, 0, 0, "usage: help" },
	{ "set", DMR_MSG_SET, 2, 2, "usage: set auto_remap on|off" },
};

int dmr_msg_parse(unsigned int argc, char **argv, u64 dev_sectors,
		  struct dmr_msg *msg, const char **error)
{
	unsigned int i;

	memset(msg, 0, sizeof(*msg));
	if (!argc) {
		*error = "no message verb (try: help)";
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(argv[0], verbs[i].name))
			break;
	if (i == ARRAY_SIZE(verbs)) {
		*error = "unknown message verb (try: help)";
		return -EINVAL;
	}
	msg->verb = verbs[i].verb;
	if (argc - 1 < verbs[i].min_args || argc - 1 > verbs[i].max_args) {
		*error = verbs[i].usage;
		return -EINVAL;
	}
	if (msg->verb == DMR_MSG_SET) {
		if (strcmp(argv[1], "auto_remap")) {
			*error = "unknown key (known: auto_remap)";
			return -EINVAL;
		}
		if (strcmp(argv[2], "on") && strcmp(argv[2], "off")) {
			*error = "auto_remap takes on or off";
			return -EINVAL;
		}
		msg->value = !strcmp(argv[2], "on");
		return 0;
	}
	msg->count = msg->verb == DMR_MSG_QUERY || msg->verb == DMR_MSG_REMAP ? 1 : ~0ULL;
	if (argc > 1) {
		if (dmr_parse_u64(argv[1], &msg->sector)) {
			*error = "sector is not a decimal number";
			return -EINVAL;
		}
		if (msg->sector >= dev_sectors) {
			*error = "sector is beyond the end of the device";
			return -EINVAL;
		}
	}
	if (argc > 2) {
		if (dmr_parse_u64(argv[2], &msg->count) || !msg->count) {
			*error = "count is not a positive decimal number";
			return -EINVAL;
		}
		if (msg->verb != DMR_MSG_LIST && msg->count > dev_sectors - msg->sector) {
			*error = "range goes beyond the end of the device";
			return -EINVAL;
		}
	}
	return 0;
}
