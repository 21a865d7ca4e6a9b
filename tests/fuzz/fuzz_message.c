// libFuzzer target: the message grammar (dmr_msg_parse).
// Input (text): a first line "<dev_sectors>", then the message, split on
// spaces as dm does. Invariants: a refusal always says why; an accepted
// message names its verb, has an allowed number of arguments, stays inside
// the device, and its canonical form parses back to the same message.
#include <stdlib.h>
#include <string.h>
#include "message.h"
#include "table.h"

#define MAX_ARGS 16

static const struct {
	const char *name;
	unsigned int min_args, max_args;
} verbs[] = {
	[DMR_MSG_REMAP] = { "remap", 1, 2 },
	[DMR_MSG_UNREMAP] = { "unremap", 1, 1 },
	[DMR_MSG_QUERY] = { "query", 1, 2 },
	[DMR_MSG_LIST] = { "list", 0, 2 },
	[DMR_MSG_COUNT] = { "count", 0, 0 },
	[DMR_MSG_STATS] = { "stats", 0, 0 },
	[DMR_MSG_RESERVATION_STATS] = { "reservation_stats", 0, 0 },
	[DMR_MSG_ALLOCATION_MAP] = { "allocation_map", 0, 0 },
	[DMR_MSG_METADATA_LOCATIONS] = { "metadata_locations", 0, 0 },
	[DMR_MSG_CHECK] = { "check", 0, 0 },
	[DMR_MSG_COMMIT] = { "commit", 0, 0 },
	[DMR_MSG_HELP] = { "help", 0, 0 },
	[DMR_MSG_SET] = { "set", 2, 2 },
};

static unsigned int split(char *s, char **argv)
{
	unsigned int argc = 0;

	for (char *t = strtok(s, " "); t && argc < MAX_ARGS; t = strtok(NULL, " "))
		argv[argc++] = t;
	return argc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024], canon[128], *argv[MAX_ARGS], *args;
	const char *err;
	struct dmr_msg msg, again;
	unsigned int argc, n;
	u64 dev, v;

	if (size >= sizeof(line))
		return 0;
	memcpy(line, data, size);
	line[size] = 0;
	args = strchr(line, '\n');
	if (!args)
		return 0;
	*args++ = 0;
	dev = strtoull(line, NULL, 10);
	argc = split(args, argv);

	err = NULL;
	if (dmr_msg_parse(argc, argv, dev, &msg, &err)) {
		if (!err || !err[0])
			abort();
		return 0;
	}
	if (!argc || (unsigned int)msg.verb >= sizeof(verbs) / sizeof(verbs[0]) ||
	    strcmp(argv[0], verbs[msg.verb].name) ||
	    argc - 1 < verbs[msg.verb].min_args || argc - 1 > verbs[msg.verb].max_args)
		abort();
	if (msg.verb == DMR_MSG_SET) {
		/* Only "set auto_remap on|off", word for word. */
		if (strcmp(argv[1], "auto_remap") || strcmp(argv[2], msg.value ? "on" : "off"))
			abort();
		return 0;
	}
	if (argc > 1 && (dmr_parse_u64(argv[1], &v) || v != msg.sector || msg.sector >= dev))
		abort();
	if (argc > 2 && (dmr_parse_u64(argv[2], &v) || v != msg.count))
		abort();
	if ((msg.verb == DMR_MSG_QUERY || msg.verb == DMR_MSG_REMAP) &&
	    (!msg.count || msg.count > dev - msg.sector))
		abort();
	if (msg.verb == DMR_MSG_LIST && !msg.count)
		abort();
	/* Canonical form: the verb and the numbers given, in decimal. */
	n = (unsigned int)snprintf(canon, sizeof(canon), "%s", argv[0]);
	if (argc > 1)
		n += (unsigned int)snprintf(canon + n, sizeof(canon) - n, " %llu",
					    (unsigned long long)msg.sector);
	if (argc > 2)
		snprintf(canon + n, sizeof(canon) - n, " %llu", (unsigned long long)msg.count);
	argc = split(canon, argv);
	if (dmr_msg_parse(argc, argv, dev, &again, &err) || memcmp(&msg, &again, sizeof(msg)))
		abort();
	return 0;
}
