/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the JSON decoder behind the control API (every request
 * line from a client) and callplanectl. Properties: whatever it accepts
 * re-encodes (jw_node) to text that parses again and re-encodes to the
 * same bytes; every string either unescapes or is refused, never overruns.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct json_node nodes[1024], nodes2[1024];
	struct json_doc d = { .nodes = nodes, .cap = 1024 };
	struct json_doc d2 = { .nodes = nodes2, .cap = 1024 };
	struct jw a = { 0 }, b = { 0 };
	char err[160], s[256];

	if (json_parse(&d, (const char *)data, size, err, sizeof(err)) != 0)
		return 0;
	for (uint32_t i = 0; i < d.n; i++) {
		int64_t v;
		double f;

		if (nodes[i].type == JSON_STR && json_str(&nodes[i], s, sizeof(s)) &&
		    strlen(s) >= sizeof(s))
			abort();
		(void)json_int(&nodes[i], &v);
		(void)json_num(&nodes[i], &f);
	}
	jw_node(&a, &d, &nodes[0]);
	if (a.oom)
		goto out;
	if (json_parse(&d2, a.buf, a.len, err, sizeof(err)) != 0)
		abort();   /* our own output must parse */
	jw_node(&b, &d2, &nodes2[0]);
	if (!b.oom && (b.len != a.len || memcmp(a.buf, b.buf, a.len) != 0))
		abort();   /* and be a fixed point */
out:
	jw_free(&a);
	jw_free(&b);
	return 0;
}
