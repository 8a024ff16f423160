/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: worker-lcore frame classification on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "worker/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
struct dp dp;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dp_port p = {
		.mac = { .addr_bytes = { 0x02, 0xaa, 0, 0, 0, 1 } },
		.has4 = true, .has6 = true,
		.ip4 = 0x010012c6, .mask4 = 0x00ffffff,
		.ip6 = { 0x20, 0x01, 0, 2, [15] = 1 },
		.ip6_ll = { 0xfe, 0x80, [15] = 1 },
	};
	enum dp_counter why = DP_C_drop_runt;
	enum dp_verdict v;

	v = dp_classify(&p, data, (uint32_t)size, 30000, 39999, &why);
	if (v == DP_V_DROP && why >= DP_C__MAX)
		__builtin_trap();
	return 0;
}
