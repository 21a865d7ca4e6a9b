// SPDX-License-Identifier: GPL-2.0-only
#include "crc32c.h"

#ifdef __KERNEL__
#include <linux/crc32c.h>

u32 dmr_crc32c_continue(u32 crc, const void *buf, size_t len)
{
	return ~crc32c(~crc, buf, len);
}
#else
#include <isa-l/crc.h>

u32 dmr_crc32c_continue(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	u32 c = ~crc;
	size_t n;

	/* ISA-L takes an int length, and a non-const buffer it only reads. */
	while (len) {
		n = min_t(size_t, len, 1U << 30);
		c = crc32_iscsi((unsigned char *)p, (int)n, c);
		p += n;
		len -= n;
	}
	return ~c;
}
#endif

u32 dmr_crc32c(const void *buf, size_t len)
{
	return dmr_crc32c_continue(0, buf, len);
}

/* RFC 3720 appendix B.4 and the common "123456789" check value. */
int dmr_crc32c_selftest(void)
{
	static const u8 digits[] = "123456789";
	u8 buf[32];
	int i;

	if (dmr_crc32c(digits, 9) != 0xE3069283U)
		return 1;
	memset(buf, 0, sizeof(buf));
	if (dmr_crc32c(buf, 32) != 0x8A9136AAU)
		return 2;
	memset(buf, 0xff, sizeof(buf));
	if (dmr_crc32c(buf, 32) != 0x62A8AB43U)
		return 3;
	for (i = 0; i < 32; i++)
		buf[i] = i;
	if (dmr_crc32c(buf, 32) != 0x46DD794EU)
		return 4;
	for (i = 0; i < 32; i++)
		buf[i] = 31 - i;
	if (dmr_crc32c(buf, 32) != 0x113FDB5CU)
		return 5;
	if (dmr_crc32c(buf, 0) != 0)
		return 6;
	/* Chaining: "1234" then "56789" is the crc of "123456789". */
	if (dmr_crc32c_continue(dmr_crc32c(digits, 4), digits + 4, 5) != 0xE3069283U)
		return 7;
	return 0;
}
