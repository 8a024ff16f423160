/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG framing: cookie split (valid and malformed datagrams), command names
 * as stock clients send them, error replies byte for byte, and the reply
 * cache (retransmits answered, peers kept apart, expiry, bounded size).
 */
#include <errno.h>
#include <string.h>

#include "common/ng.h"
#include "check.h"

static char err[128];

static void
test_split(void)
{
	static const struct { const char *in; const char *msg; } bad[] = {
		{ "", "does not start with a cookie" },
		{ " d7:command4:pinge", "does not start with a cookie" },
		{ "abc", "no space after the cookie" },
		{ "abc ", "empty message after the cookie" },
		{ "ab\x01 d3:fooe", "non-printable" },
		{ "01234567890123456789012345678901234567890123456789012345678901234 de",
		  "longer than 64" },
	};
	const char *ck, *pl;
	size_t ckl, pll;
	const char *m = "5_42_1 d7:command4:pinge";

	CHECK(ng_split(m, strlen(m), &ck, &ckl, &pl, &pll, err, sizeof(err)) == 0, "%s", err);
	CHECK(ckl == 6 && memcmp(ck, "5_42_1", 6) == 0, "cookie");
	CHECK(pll == strlen("d7:command4:pinge") && memcmp(pl, "d7:", 3) == 0, "payload");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(ng_split(bad[i].in, strlen(bad[i].in), &ck, &ckl, &pl, &pll, err,
			       sizeof(err)) == -EINVAL, "case %zu must fail", i);
		CHECK(strstr(err, bad[i].msg) != NULL, "case %zu: '%s'", i, err);
	}
}

static void
test_commands(void)
{
	static const struct { const char *msg; enum ng_cmd want; } t[] = {
		{ "d7:command4:pinge", NG_CMD_PING },
		{ "d7:command5:offer7:call-id1:xe", NG_CMD_OFFER },
		{ "d7:command15:start recordinge", NG_CMD_START_RECORDING },
		{ "d7:command9:play DTMFe", NG_CMD_PLAY_DTMF },
		{ "d7:command10:statisticse", NG_CMD_STATISTICS },
		{ "d7:command4:PINGe", NG_CMD_UNKNOWN },
		{ "d7:commandi1ee", NG_CMD_UNKNOWN },
		{ "d4:verb4:pinge", NG_CMD_UNKNOWN },
	};
	struct ben_node nodes[16];
	struct ben_doc doc = { .nodes = nodes, .cap = 16 };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(ben_decode(&doc, t[i].msg, strlen(t[i].msg), err, sizeof(err)) == 0,
		      "%s", err);
		CHECK(ng_command(&doc, &nodes[0]) == t[i].want, "case %zu", i);
	}
	CHECK(strcmp(ng_cmd_name(NG_CMD_BLOCK_DTMF), "block DTMF") == 0, "name");
}

static void
test_error_reply(void)
{
	char out[128];
	struct ben_buf b = { .p = out, .cap = sizeof(out) };
	const char *want = "ck1 d6:result5:error12:error-reason15:Unknown call-ide";

	ng_reply_error(&b, "ck1", 3, "Unknown call-id");
	CHECK(!b.overflow && b.len == strlen(want) && memcmp(out, want, b.len) == 0,
	      "got '%.*s'", (int)b.len, out);
}

static void
test_cache(void)
{
	struct ng_cache *c;
	const char peer1[] = "198.18.0.10:2223", peer2[] = "198.18.0.20:2223";
	const char *r;
	size_t len = 0;

	CHECK(ng_cache_create(&c, 64, 30000) == 0, "create");
	CHECK(ng_cache_get(c, peer1, sizeof(peer1), "a1", 2, 0, &len) == NULL, "empty");
	CHECK(ng_cache_put(c, peer1, sizeof(peer1), "a1", 2, "a1 d6:result4:ponge", 19, 1000) == 0,
	      "put");
	r = ng_cache_get(c, peer1, sizeof(peer1), "a1", 2, 2000, &len);
	CHECK(r != NULL && len == 19 && memcmp(r, "a1 d6:result4:ponge", 19) == 0, "hit");
	CHECK(ng_cache_get(c, peer2, sizeof(peer2), "a1", 2, 2000, &len) == NULL,
	      "same cookie from another peer is a new request");
	CHECK(ng_cache_get(c, peer1, sizeof(peer1), "a1", 2, 40000, &len) == NULL, "expired");
	/* Overwrite keeps one entry per key. */
	CHECK(ng_cache_put(c, peer1, sizeof(peer1), "a1", 2, "x", 1, 50000) == 0, "re-put");
	r = ng_cache_get(c, peer1, sizeof(peer1), "a1", 2, 50001, &len);
	CHECK(r != NULL && len == 1 && r[0] == 'x', "updated");
	ng_cache_free(c);

	/* A tiny cache under many cookies: bounded, the newest stays. */
	CHECK(ng_cache_create(&c, 4, 30000) == 0, "create small");
	for (int i = 0; i < 100; i++) {
		char ck[8];
		int n = snprintf(ck, sizeof(ck), "c%d", i);

		CHECK(ng_cache_put(c, peer1, sizeof(peer1), ck, (size_t)n, ck, (size_t)n,
				   (uint64_t)i) == 0, "put %d", i);
	}
	r = ng_cache_get(c, peer1, sizeof(peer1), "c99", 3, 100, &len);
	CHECK(r != NULL && len == 3 && memcmp(r, "c99", 3) == 0, "newest kept");
	CHECK(ng_cache_put(c, peer1, sizeof(peer1), "", 0, "x", 1, 1) == -EINVAL, "empty cookie");
	ng_cache_free(c);
}

int
main(void)
{
	test_split();
	test_commands();
	test_error_reply();
	test_cache();
	return CHECK_DONE();
}
