// Userspace crc32c against published vectors; the kernel module runs the
// same dmr_crc32c_selftest() on the kernel's crc32c at load (VM scenario
// module-load checks its log line), so both equal the same reference.
#include "unit.h"
#include "crc32c.h"

static void test_selftest_vectors(void **state)
{
	(void)state;
	assert_int_equal(dmr_crc32c_selftest(), 0);
}

static void test_check_value(void **state)
{
	(void)state;
	assert_int_equal(dmr_crc32c("123456789", 9), 0xE3069283U);
}

/* RFC 3720 B.4: an iSCSI SCSI Read (10) command PDU. */
static void test_iscsi_pdu(void **state)
{
	static const uint8_t pdu[48] = {
		0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00,
		0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
		0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	(void)state;
	assert_int_equal(dmr_crc32c(pdu, sizeof(pdu)), 0xD9963A56U);
}

/* Every single-bit change of a 4 KiB block changes the crc. */
static void test_single_bit_flips_detected(void **state)
{
	static uint8_t buf[4096];
	uint32_t good;
	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	good = dmr_crc32c(buf, sizeof(buf));
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= 1u << (bit % 8);
		assert_int_not_equal(dmr_crc32c(buf, sizeof(buf)), good);
		buf[bit / 8] ^= 1u << (bit % 8);
	}
	assert_int_equal(dmr_crc32c(buf, sizeof(buf)), good);
}

/* The definition, bit by bit: what ISA-L's vector code must equal. */
static uint32_t crc_bitwise(uint32_t crc, const uint8_t *p, size_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78U : crc >> 1;
	}
	return ~crc;
}

/*
 * Every length to 300 and some long ones, at every alignment of 8, and
 * chained in two pieces split anywhere: ISA-L takes other paths for short,
 * unaligned and long buffers.
 */
static void test_against_bitwise(void **state)
{
	static uint8_t buf[3 * 4096 + 16];
	static const size_t longs[] = { 511, 512, 513, 1024, 4095, 4096, 4097, 3 * 4096 };
	uint32_t x = 12345;
	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245U + 12345U;
		buf[i] = (uint8_t)(x >> 16);
	}
	for (size_t off = 0; off < 8; off++) {
		for (size_t len = 0; len <= 300 + ARRAY_SIZE(longs); len++) {
			size_t n = len <= 300 ? len : longs[len - 301];
			uint32_t want = crc_bitwise(0, buf + off, n);

			assert_int_equal(dmr_crc32c(buf + off, n), want);
			assert_int_equal(dmr_crc32c_continue(dmr_crc32c(buf + off, n / 3),
							     buf + off + n / 3, n - n / 3), want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selftest_vectors),
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_iscsi_pdu),
		cmocka_unit_test(test_single_bit_flips_detected),
		cmocka_unit_test(test_against_bitwise),
	};
	return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
