// The table-line grammar and its validation against device geometry.
#include <string.h>
#include "unit.h"
#include "table.h"

/* Split a line into argv in place (spaces only, as dm does). */
static unsigned int split(char *line, char **argv)
{
	unsigned int n = 0;

	for (char *tok = strtok(line, " "); tok; tok = strtok(NULL, " "))
		argv[n++] = tok;
	return n;
}

static int parse(const char *line, struct dmr_table *t, char **err)
{
	static char buf[512];
	char *argv[32];

	*err = NULL;
	strcpy(buf, line);
	return dmr_table_parse(t, split(buf, argv), argv, err);
}

static void expect_parse_error(const char *line, const char *msg)
{
	struct dmr_table t;
	char *err;

	if (parse(line, &t, &err) == 0)
		fail_msg("accepted: %s", line);
	if (!err || !strstr(err, msg))
		fail_msg("'%s': error '%s', expected '%s'", line, err ? err : "(none)", msg);
}

static void test_parse_minimal(void **state)
{
	struct dmr_table t;
	char *err;
	(void)state;
	assert_int_equal(parse("/dev/a /dev/b 8 1024", &t, &err), 0);
	assert_string_equal(t.main_dev, "/dev/a");
	assert_string_equal(t.spare_dev, "/dev/b");
	assert_int_equal(t.spare_start, 8);
	assert_int_equal(t.spare_len, 1024);
	assert_int_equal(t.block_size, 0);
	assert_false(t.no_auto_remap);
	assert_false(t.read_only);
}

static void test_parse_options(void **state)
{
	struct dmr_table t;
	char *err;
	(void)state;
	assert_int_equal(parse("a b 0 8 4 read_only block_size 4096 no_auto_remap", &t, &err), 0);
	assert_int_equal(t.block_size, 4096);
	assert_true(t.no_auto_remap);
	assert_true(t.read_only);
	assert_int_equal(parse("a b 0 8 0", &t, &err), 0);
	for (unsigned int bs = 512; bs <= 4096; bs *= 2) {
		char line[64];

		snprintf(line, sizeof(line), "a b 0 8 2 block_size %u", bs);
		assert_int_equal(parse(line, &t, &err), 0);
		assert_int_equal(t.block_size, bs);
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("", "Not enough arguments");
	expect_parse_error("a b 0", "Not enough arguments");
	expect_parse_error("a b x 8", "Invalid spare_start");
	expect_parse_error("a b -1 8", "Invalid spare_start");
	expect_parse_error("a b 0 18446744073709551616", "Invalid spare_len");
	expect_parse_error("a b 0 8 1", "Optional argument count");
	expect_parse_error("a b 0 8 2 read_only", "Optional argument count");
	expect_parse_error("a b 0 8 x read_only", "Optional argument count");
	expect_parse_error("a b 0 8 1 block_size", "block_size needs a value");
	expect_parse_error("a b 0 8 2 block_size 0", "Invalid block_size");
	expect_parse_error("a b 0 8 2 block_size 256", "Invalid block_size");
	expect_parse_error("a b 0 8 2 block_size 1536", "Invalid block_size");
	expect_parse_error("a b 0 8 2 block_size 8192", "Invalid block_size");
	expect_parse_error("a b 0 8 2 block_size 4k", "Invalid block_size");
	expect_parse_error("a b 0 8 4 block_size 512 block_size 512", "block_size given twice");
	expect_parse_error("a b 0 8 2 no_auto_remap no_auto_remap", "no_auto_remap given twice");
	expect_parse_error("a b 0 8 2 read_only read_only", "read_only given twice");
	expect_parse_error("a b 0 8 1 discard", "Unknown optional argument");
}

static void test_parse_u64(void **state)
{
	uint64_t v;
	(void)state;
	assert_int_equal(dmr_parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(dmr_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_not_equal(dmr_parse_u64("18446744073709551616", &v), 0);
	assert_int_not_equal(dmr_parse_u64("99999999999999999999", &v), 0);
	assert_int_not_equal(dmr_parse_u64("", &v), 0);
	assert_int_not_equal(dmr_parse_u64(NULL, &v), 0);
	assert_int_not_equal(dmr_parse_u64("+1", &v), 0);
	assert_int_not_equal(dmr_parse_u64(" 1", &v), 0);
	assert_int_not_equal(dmr_parse_u64("1 ", &v), 0);
	assert_int_not_equal(dmr_parse_u64("0x10", &v), 0);
}

/* main 1 GiB, spare 256 MiB, 512-byte logical blocks */
static const struct dmr_devices devs = {
	.target_len = 2097152, .main_sectors = 2097152, .spare_sectors = 524288,
	.main_lbs = 512, .spare_lbs = 512,
};

static int check(const char *line, const struct dmr_devices *d, struct dmr_table *t, char **err)
{
	if (parse(line, t, err))
		fail_msg("parse failed: %s", *err);
	return dmr_table_check(t, d, err);
}

static void expect_check_error(const char *line, const struct dmr_devices *d, const char *msg)
{
	struct dmr_table t;
	char *err = NULL;

	if (check(line, d, &t, &err) == 0)
		fail_msg("accepted: %s", line);
	if (!strstr(err, msg))
		fail_msg("'%s': error '%s', expected '%s'", line, err, msg);
}

static void test_check_boundaries(void **state)
{
	struct dmr_devices d = devs;
	struct dmr_table t;
	char *err;
	(void)state;
	/* The spare region may end exactly at the end of the device. */
	assert_int_equal(check("a b 0 524288", &d, &t, &err), 0);
	assert_int_equal(t.block_size, 512);
	assert_int_equal(check("a b 522240 2048", &d, &t, &err), 0);
	expect_check_error("a b 522240 2056", &d, "beyond the end");
	expect_check_error("a b 0 2040", &d, "Spare region too small: at least 2048 sectors");
	expect_check_error("a b 524280 16", &d, "beyond the end");
	expect_check_error("a b 0 524289", &d, "beyond the end");
	expect_check_error("a b 524288 8", &d, "beyond the end");
	expect_check_error("a b 18446744073709551615 8", &d, "beyond the end");
	expect_check_error("a b 8 18446744073709551615", &d, "beyond the end");
	expect_check_error("a b 0 0", &d, "spare_len is zero");
	/* The target may be exactly as large as main, not one block more. */
	d.target_len = d.main_sectors + 1;
	expect_check_error("a b 0 8", &d, "Main device is smaller");
	d.target_len = 0;
	expect_check_error("a b 0 8", &d, "Target length is zero");
	d.target_len = 2097144;
	assert_int_equal(check("a b 0 2048 2 block_size 4096", &d, &t, &err), 0);
	d.target_len = 2097148;
	expect_check_error("a b 0 8 2 block_size 4096", &d, "Target length is not a multiple");
	d = devs;
	expect_check_error("a b 4 8 2 block_size 4096", &d, "must be multiples");
	expect_check_error("a b 0 12 2 block_size 4096", &d, "must be multiples");
}

static void test_check_block_size_default(void **state)
{
	struct dmr_devices d = devs;
	struct dmr_table t;
	char *err;
	(void)state;
	d.main_lbs = 4096;
	assert_int_equal(check("a b 0 2048", &d, &t, &err), 0);
	assert_int_equal(t.block_size, 4096);
	d = devs;
	d.spare_lbs = 4096;
	assert_int_equal(check("a b 0 2048", &d, &t, &err), 0);
	assert_int_equal(t.block_size, 4096);
	expect_check_error("a b 0 8 2 block_size 2048", &d, "smaller than a device's logical block size");
	d.spare_lbs = 8192;
	expect_check_error("a b 0 16", &d, "Device logical block size is not a power of two");
	d.spare_lbs = 2125;
	expect_check_error("a b 0 16", &d, "Device logical block size is not a power of two");
}

static void test_check_single_disk(void **state)
{
	struct dmr_devices d = { .target_len = 1024, .main_sectors = 4096,
				 .spare_sectors = 4096, .main_lbs = 512,
				 .spare_lbs = 512, .same_device = true };
	struct dmr_table t;
	char *err;
	(void)state;
	assert_int_equal(check("a a 1024 3072", &d, &t, &err), 0);
	expect_check_error("a a 1023 8", &d, "overlaps");
	expect_check_error("a a 0 8", &d, "overlaps");
	d.same_device = false;
	assert_int_equal(check("a b 0 2048", &d, &t, &err), 0);
}

static void test_format_canonical_and_round_trip(void **state)
{
	static const char *lines[] = {
		"a b 0 8", "a b 0 8 1 read_only", "a b 0 8 1 no_auto_remap",
		"a b 16 4096 4 read_only no_auto_remap block_size 2048",
		"a b 18446744073709551615 18446744073709551615 2 block_size 512",
	};
	static const char *expected[] = {
		"M S 0 8 2 block_size 512", "M S 0 8 3 block_size 512 read_only",
		"M S 0 8 3 block_size 512 no_auto_remap",
		"M S 16 4096 4 block_size 2048 no_auto_remap read_only",
		"M S 18446744073709551615 18446744073709551615 2 block_size 512",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct dmr_table t, u;
		char out[256], again[256], *err;

		assert_int_equal(parse(lines[i], &t, &err), 0);
		if (!t.block_size)
			t.block_size = 512;
		dmr_table_format(&t, "M", "S", out, sizeof(out));
		assert_string_equal(out, expected[i]);
		assert_int_equal(parse(out, &u, &err), 0);
		dmr_table_format(&u, "M", "S", again, sizeof(again));
		assert_string_equal(again, out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_options),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_check_boundaries),
		cmocka_unit_test(test_check_block_size_default),
		cmocka_unit_test(test_check_single_disk),
		cmocka_unit_test(test_format_canonical_and_round_trip),
	};
	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
