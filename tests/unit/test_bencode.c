/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode codec: table of valid and malformed messages (with the error
 * each must give), lookups, and the round-trip property: everything the
 * decoder accepts re-encodes to the same bytes.
 */
#include <errno.h>
#include <string.h>

#include "common/bencode.h"
#include "check.h"

static struct ben_node nodes[256];
static struct ben_doc doc = { .nodes = nodes, .cap = 256 };
static char err[256];

struct bad { const char *in; size_t len; int rc; const char *msg; };

static void
test_valid_roundtrip(void)
{
	static const char *ok[] = {
		"i0e", "i-1e", "i9223372036854775807e", "i-9223372036854775808e",
		"0:", "4:spam", "le", "de", "l4:spami42ee",
		"d3:cow3:moo4:spam4:eggse",
		"d7:command5:offer3:sdp10:v=0\r\no=- 15:flagsl13:trust-addressee",
		"d1:zi1e1:ai2ee", /* unsorted keys are accepted, order kept */
		"lllleeee",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char out[512];
		struct ben_buf b = { .p = out, .cap = sizeof(out) };
		int rc = ben_decode(&doc, ok[i], strlen(ok[i]), err, sizeof(err));

		CHECK(rc == 0, "'%s' must decode: %s", ok[i], err);
		if (rc != 0)
			continue;
		ben_put_node(&b, &doc, &nodes[0]);
		CHECK(!b.overflow && b.len == strlen(ok[i]) && memcmp(out, ok[i], b.len) == 0,
		      "'%s' round trip gave '%.*s'", ok[i], (int)b.len, out);
	}
}

static void
test_malformed(void)
{
	static const struct bad bad[] = {
		{ "", 0, -EINVAL, "offset 0: value expected, got end of message" },
		{ "x", 1, -EINVAL, "offset 0: unexpected byte 0x78" },
		{ "ie", 2, -EINVAL, "offset 1: digit expected" },
		{ "i01e", 4, -EINVAL, "offset 3: leading zero" },
		{ "i-0e", 4, -EINVAL, "offset 4: negative zero" },
		{ "i12", 3, -EINVAL, "offset 3: 'e' expected" },
		{ "i9223372036854775808e", 21, -EINVAL, "number too large" },
		{ "i-9223372036854775809e", 22, -EINVAL, "number too large" },
		{ "5:abc", 5, -EINVAL, "offset 2: string of 5 bytes runs past the end" },
		{ "99999999999999999999999:x", 25, -EINVAL, "number too large" },
		{ "03:abc", 6, -EINVAL, "leading zero" },
		{ "4spam", 5, -EINVAL, "':' expected" },
		{ "l", 1, -EINVAL, "offset 1: unterminated list" },
		{ "d3:cow", 6, -EINVAL, "offset 6: unterminated dict" },
		{ "d3:cowe", 7, -EINVAL, "dict key without a value" },
		{ "di1ei2ee", 8, -EINVAL, "offset 1: dict key must be a string" },
		{ "d1:ai1e1:ai2ee", 14, -EINVAL, "duplicate key 'a'" },
		{ "i1ei2e", 6, -EINVAL, "offset 3: 3 trailing bytes after the value" },
		{ "4:sp\0m", 6, 0, NULL }, /* NUL inside a string is data, not an end */
		{ "-1:", 3, -EINVAL, "unexpected byte 0x2d" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = ben_decode(&doc, bad[i].in, bad[i].len, err, sizeof(err));

		CHECK(rc == bad[i].rc, "case %zu: rc %d want %d (%s)", i, rc, bad[i].rc, err);
		if (bad[i].msg)
			CHECK(strstr(err, bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, err,
			      bad[i].msg);
	}
}

static void
test_limits(void)
{
	char deep[200];
	struct ben_node few[4];
	struct ben_doc small = { .nodes = few, .cap = 4 };
	int n = 0;

	for (int i = 0; i < 40; i++)
		deep[n++] = 'l';
	for (int i = 0; i < 40; i++)
		deep[n++] = 'e';
	CHECK(ben_decode(&doc, deep, (size_t)n, err, sizeof(err)) == -E2BIG, "depth: %s", err);
	CHECK(strstr(err, "nested deeper than 32") != NULL, "%s", err);
	CHECK(ben_decode(&small, "li1ei2ei3ei4ee", 14, err, sizeof(err)) == -E2BIG, "nodes");
	CHECK(strstr(err, "more than 4 values") != NULL, "%s", err);
	CHECK(ben_decode(&small, "li1ei2ei3ee", 11, err, sizeof(err)) == 0, "exactly 4 fit");
}

static void
test_lookup(void)
{
	const char *m = "d7:command5:offer7:call-id6:abc@x15:ptimei20e5:flagsl3:fooee";
	const struct ben_node *root = &nodes[0], *v, *it;
	int64_t ptime = 0;
	unsigned items = 0;

	CHECK(ben_decode(&doc, m, strlen(m), err, sizeof(err)) == 0, "%s", err);
	if (err[0] != '\0')
		return;
	CHECK(root->type == BEN_DICT && root->count == 4, "dict of 4");
	v = ben_dict_str(&doc, root, "command");
	CHECK(ben_str_eq(v, "offer"), "command");
	CHECK(ben_str_eq(ben_dict_str(&doc, root, "call-id"), "abc@x1"), "call-id");
	CHECK(ben_dict_int(&doc, root, "ptime", &ptime) && ptime == 20, "ptime");
	CHECK(ben_dict_str(&doc, root, "ptime") == NULL, "ptime is not a string");
	CHECK(ben_dict_get(&doc, root, "nope") == NULL, "absent key");
	CHECK(!ben_dict_int(&doc, root, "command", &ptime), "command is not an int");
	v = ben_dict_get(&doc, root, "flags");
	CHECK(v && v->type == BEN_LIST && v->count == 1, "flags list");
	if (v == NULL)
		return;
	for (it = ben_next(&doc, v, NULL); it; it = ben_next(&doc, v, it))
		items++;
	CHECK(items == 1, "iterate");
}

static void
test_encoder_overflow(void)
{
	char out[8];
	struct ben_buf b = { .p = out, .cap = sizeof(out) };

	ben_put_dict(&b);
	ben_put_cstr(&b, "result");
	ben_put_end(&b);
	CHECK(b.overflow, "overflow flagged");
	CHECK(b.len <= sizeof(out), "never writes past cap");
}

int
main(void)
{
	test_valid_roundtrip();
	test_malformed();
	test_limits();
	test_lookup();
	test_encoder_overflow();
	return CHECK_DONE();
}
