/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CRC-32C (Castagnoli) as used by iSCSI, ext4 and btrfs: reflected polynomial
 * 0x82F63B78, initial value ~0, final inversion. In the kernel it is the
 * kernel's own crc32c(); in userspace ISA-L's crc32_iscsi(). Both use the
 * CPU's crc32 instruction where there is one, and both are checked against
 * the same published vectors (dmr_crc32c_selftest()).
 */
#ifndef DMR_CORE_CRC32C_H
#define DMR_CORE_CRC32C_H

#include "compat.h"

u32 dmr_crc32c(const void *buf, size_t len);
/* The crc of the concatenation, given crc = dmr_crc32c() of what came before. */
u32 dmr_crc32c_continue(u32 crc, const void *buf, size_t len);

/* 0 if dmr_crc32c() matches every published vector, else the failing index + 1. */
int dmr_crc32c_selftest(void);

#endif /* DMR_CORE_CRC32C_H */
