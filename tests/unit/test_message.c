// The message grammar: every verb, its argument counts, numbers, bounds.
#include <string.h>
#include "unit.h"
#include "message.h"

#define DEV 1000000ULL

static int parse(const char *line, u64 dev, struct dmr_msg *msg, const char **err)
{
	static char buf[512];
	char *argv[16];
	unsigned int argc = 0;

	strcpy(buf, line);
	for (char *t = strtok(buf, " "); t; t = strtok(NULL, " "))
		argv[argc++] = t;
	*err = NULL;
	return dmr_msg_parse(argc, argv, dev, msg, err);
}

static void expect_ok(const char *line, u64 dev, enum dmr_verb verb, u64 sector, u64 count)
{
	struct dmr_msg msg;
	const char *err;

	if (parse(line, dev, &msg, &err))
		fail_msg("'%s' refused: %s", line, err);
	assert_int_equal(msg.verb, verb);
	assert_int_equal(msg.sector, sector);
	/* count means something for query (sectors) and list (entries) only. */
	if (verb == DMR_MSG_QUERY || verb == DMR_MSG_LIST)
		assert_int_equal(msg.count, count);
}

static void expect_error(const char *line, u64 dev, const char *error)
{
	struct dmr_msg msg;
	const char *err;

	if (!parse(line, dev, &msg, &err))
		fail_msg("'%s' accepted", line);
	if (!err || strcmp(err, error))
		fail_msg("'%s': error '%s', expected '%s'", line, err ? err : "(none)", error);
}

static void test_good(void **state)
{
	(void)state;
	expect_ok("remap 5", DEV, DMR_MSG_REMAP, 5, 1);
	expect_ok("remap 5 64", DEV, DMR_MSG_REMAP, 5, 64);
	expect_ok("unremap 0", DEV, DMR_MSG_UNREMAP, 0, ~0ULL);
	expect_ok("query 7", DEV, DMR_MSG_QUERY, 7, 1);
	expect_ok("query 7 100", DEV, DMR_MSG_QUERY, 7, 100);
	expect_ok("list", DEV, DMR_MSG_LIST, 0, ~0ULL);
	expect_ok("list 9", DEV, DMR_MSG_LIST, 9, ~0ULL);
	expect_ok("list 9 3", DEV, DMR_MSG_LIST, 9, 3);
	expect_ok("count", DEV, DMR_MSG_COUNT, 0, ~0ULL);
	expect_ok("stats", DEV, DMR_MSG_STATS, 0, ~0ULL);
	expect_ok("reservation_stats", DEV, DMR_MSG_RESERVATION_STATS, 0, ~0ULL);
	expect_ok("allocation_map", DEV, DMR_MSG_ALLOCATION_MAP, 0, ~0ULL);
	expect_ok("metadata_locations", DEV, DMR_MSG_METADATA_LOCATIONS, 0, ~0ULL);
	expect_ok("check", DEV, DMR_MSG_CHECK, 0, ~0ULL);
	expect_ok("commit", DEV, DMR_MSG_COMMIT, 0, ~0ULL);
	expect_ok("help", DEV, DMR_MSG_HELP, 0, ~0ULL);
	expect_ok("remap 007", DEV, DMR_MSG_REMAP, 7, 1);
	/* list counts entries, not sectors: any positive count. */
	expect_ok("list 999999 18446744073709551615", DEV, DMR_MSG_LIST, 999999, ~0ULL);
}

static void test_arg_counts(void **state)
{
	static const char *const bad[][2] = {
		{ "remap", "usage: remap <sector> [<sectors>]" },
		{ "remap 1 2 3", "usage: remap <sector> [<sectors>]" },
		{ "unremap", "usage: unremap <sector>" },
		{ "unremap 1 1", "usage: unremap <sector>" },
		{ "query", "usage: query <sector> [<sectors>]" },
		{ "query 1 2 3", "usage: query <sector> [<sectors>]" },
		{ "list 1 2 3", "usage: list [<sector> [<count>]]" },
		{ "count 1", "usage: count" },
		{ "stats x", "usage: stats" },
		{ "reservation_stats 0", "usage: reservation_stats" },
		{ "allocation_map 0", "usage: allocation_map" },
		{ "metadata_locations 0", "usage: metadata_locations" },
		{ "check 0", "usage: check" },
		{ "commit now", "usage: commit" },
		{ "help me", "usage: help" },
		{ "set", "usage: set auto_remap on|off" },
		{ "set auto_remap", "usage: set auto_remap on|off" },
		{ "set auto_remap on now", "usage: set auto_remap on|off" },
	};
	(void)state;
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		expect_error(bad[i][0], DEV, bad[i][1]);
}

static void test_set(void **state)
{
	struct dmr_msg msg;
	const char *err = NULL;
	char line[64];
	(void)state;
	strcpy(line, "set auto_remap on");
	assert_int_equal(parse(line, DEV, &msg, &err), 0);
	assert_int_equal(msg.verb, DMR_MSG_SET);
	assert_true(msg.value);
	strcpy(line, "set auto_remap off");
	assert_int_equal(parse(line, DEV, &msg, &err), 0);
	assert_false(msg.value);
	expect_error("set auto_remap yes", DEV, "auto_remap takes on or off");
	expect_error("set auto_remap ON", DEV, "auto_remap takes on or off");
	expect_error("set read_retries 3", DEV, "unknown key (known: auto_remap)");
}

static void test_numbers(void **state)
{
	static const char *const verbs[] = { "remap", "unremap", "query", "list" };
	static const char *const nan[] = {
		"x", "-1", "+1", "0x10", "1.5", "1e3", "5a", "18446744073709551616",
		"99999999999999999999",
	};
	char line[128];
	(void)state;
	for (unsigned int v = 0; v < ARRAY_SIZE(verbs); v++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(nan); i++) {
			snprintf(line, sizeof(line), "%s %s", verbs[v], nan[i]);
			expect_error(line, DEV, "sector is not a decimal number");
		}
		snprintf(line, sizeof(line), "%s 999999", verbs[v]);
		expect_ok(line, DEV, (enum dmr_verb)(DMR_MSG_REMAP + v), 999999,
			  v == 0 || v == 2 ? 1 : ~0ULL);
		snprintf(line, sizeof(line), "%s 1000000", verbs[v]);
		expect_error(line, DEV, "sector is beyond the end of the device");
		snprintf(line, sizeof(line), "%s 18446744073709551615", verbs[v]);
		expect_error(line, DEV, "sector is beyond the end of the device");
		snprintf(line, sizeof(line), "%s 0", verbs[v]);
		expect_error(line, 0, "sector is beyond the end of the device");
	}
	assert_int_equal(DMR_MSG_QUERY, DMR_MSG_REMAP + 2);
	assert_int_equal(DMR_MSG_LIST, DMR_MSG_REMAP + 3);
	for (unsigned int i = 0; i < ARRAY_SIZE(nan); i++) {
		snprintf(line, sizeof(line), "query 1 %s", nan[i]);
		expect_error(line, DEV, "count is not a positive decimal number");
		snprintf(line, sizeof(line), "list 1 %s", nan[i]);
		expect_error(line, DEV, "count is not a positive decimal number");
	}
	expect_error("query 1 0", DEV, "count is not a positive decimal number");
	expect_error("list 1 0", DEV, "count is not a positive decimal number");
	expect_error("remap 1 0", DEV, "count is not a positive decimal number");
	expect_error("remap 999999 2", DEV, "range goes beyond the end of the device");
	/* A query must stay inside the device, and must not wrap around. */
	expect_ok("query 999999 1", DEV, DMR_MSG_QUERY, 999999, 1);
	expect_ok("query 0 1000000", DEV, DMR_MSG_QUERY, 0, 1000000);
	expect_ok("query 1 999999", DEV, DMR_MSG_QUERY, 1, 999999);
	expect_error("query 999999 2", DEV, "range goes beyond the end of the device");
	expect_error("query 0 1000001", DEV, "range goes beyond the end of the device");
	expect_error("query 1 18446744073709551615", DEV, "range goes beyond the end of the device");
	expect_error("query 500000 18446744073709051617", DEV, "range goes beyond the end of the device");
	expect_ok("query 18446744073709551614 1", ~0ULL, DMR_MSG_QUERY, ~0ULL - 1, 1);
	expect_error("query 18446744073709551614 2", ~0ULL, "range goes beyond the end of the device");
}

static void test_verbs(void **state)
{
	struct dmr_msg msg;
	const char *err = NULL;
	char *argv[1] = { NULL };
	static const char *const names[] = {
		"remap", "unremap", "query", "list", "count", "stats", "reservation_stats",
		"allocation_map", "metadata_locations", "check", "commit", "help",
	};	/* set: test_set */
	const char *h = dmr_msg_help;
	unsigned int lines = 0;
	char line[64];
	(void)state;

	expect_error("foo", DEV, "unknown message verb (try: help)");
	expect_error("REMAP 1", DEV, "unknown message verb (try: help)");
	expect_error("remap_ 1", DEV, "unknown message verb (try: help)");
	expect_error("rema 1", DEV, "unknown message verb (try: help)");
	expect_error("helpx", DEV, "unknown message verb (try: help)");
	argv[0] = "";
	assert_int_equal(dmr_msg_parse(1, argv, DEV, &msg, &err), -EINVAL);
	assert_string_equal(err, "unknown message verb (try: help)");
	err = NULL;
	assert_int_equal(dmr_msg_parse(0, argv, DEV, &msg, &err), -EINVAL);
	assert_string_equal(err, "no message verb (try: help)");
	err = NULL;
	assert_int_equal(dmr_msg_parse(0, NULL, DEV, &msg, &err), -EINVAL);
	assert_non_null(err);
	/* help names every verb, one a line, in enum order. */
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		size_t n = strlen(names[i]);

		assert_memory_equal(h, names[i], n);
		assert_true(h[n] == ' ' || h[n] == '\n');
		snprintf(line, sizeof(line), "%s%s", names[i], i < DMR_MSG_LIST ? " 1" : "");
		expect_ok(line, DEV, (enum dmr_verb)i, i < DMR_MSG_LIST,
			  i == DMR_MSG_QUERY ? 1 : ~0ULL);
		h = strchr(h, '\n') + 1;
		lines++;
	}
	assert_string_equal(h, "set auto_remap on|off\n");
	assert_int_equal(lines, DMR_MSG_HELP + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_arg_counts),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_verbs),
	};
	return cmocka_run_group_tests_name("message", tests, NULL, NULL);
}
