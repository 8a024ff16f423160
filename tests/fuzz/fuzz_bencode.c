/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the bencode decoder. Property: whatever it accepts
 * re-encodes to exactly the input bytes (canonical integers and lengths,
 * key order kept), so a decoder bug that misreads a value shows up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/bencode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ben_node nodes[1024];
	static char out[1 << 16];
	struct ben_doc doc = { .nodes = nodes, .cap = 1024 };
	struct ben_buf b = { .p = out, .cap = sizeof(out) };
	char err[128];

	if (ben_decode(&doc, (const char *)data, size, err, sizeof(err)) != 0)
		return 0;
	ben_put_node(&b, &doc, &nodes[0]);
	if (size <= sizeof(out) && (b.overflow || b.len != size || memcmp(out, data, size) != 0))
		abort();
	return 0;
}
