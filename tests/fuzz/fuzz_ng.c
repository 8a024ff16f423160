/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: an NG request datagram through framing, bencode,
 * command lookup, an error reply and the reply cache, as the server does.
 * Property: a cached reply comes back byte-identical.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/ng.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ng_cache *cache;
	static struct ben_node nodes[512];
	static uint64_t now;
	struct ben_doc doc = { .nodes = nodes, .cap = 512 };
	const char *ck, *pl, *got;
	size_t ckl, pll, glen;
	char out[512], err[128];
	struct ben_buf b = { .p = out, .cap = sizeof(out) };
	const uint8_t peer[4] = { 198, 18, 0, 10 };

	if (cache == NULL && ng_cache_create(&cache, 64, 1000) < 0)
		abort();
	now += 7;
	if (ng_split((const char *)data, size, &ck, &ckl, &pl, &pll, err, sizeof(err)) < 0)
		return 0;
	if (ben_decode(&doc, pl, pll, err, sizeof(err)) == 0)
		ng_reply_error(&b, ck, ckl, ng_cmd_name(ng_command(&doc, &nodes[0])));
	else
		ng_reply_error(&b, ck, ckl, err);
	if (b.overflow)
		return 0;
	if (ng_cache_put(cache, peer, sizeof(peer), ck, ckl, out, b.len, now) < 0)
		abort();
	got = ng_cache_get(cache, peer, sizeof(peer), ck, ckl, now, &glen);
	if (got == NULL || glen != b.len || memcmp(got, out, glen) != 0)
		abort();
	return 0;
}
