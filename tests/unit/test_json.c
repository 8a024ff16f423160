/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON codec the control API and callplanectl speak: RFC 8259 cases
 * that must parse (with their values read back), ones that must not (with
 * the offset in the message), the limits, and the writer (escapes,
 * commas, nesting) read back through the parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "common/json.h"

static struct json_node nodes[256];

static int
parse(const char *s, char *err, size_t errlen)
{
	struct json_doc d = { .nodes = nodes, .cap = 256 };

	err[0] = '\0';
	return json_parse(&d, s, strlen(s), err, errlen);
}

static void
accepts(void)
{
	static const char *const ok[] = {
		"{}", "[]", "0", "-0", "1.5e10", "-12.25E-3", "true", "false", "null",
		"\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"", "\"\\u00e9\\ud83d\\ude00\"",
		" { \"a\" : [ 1 , 2 , { \"b\" : null } ] } ", "[[[[[[[[[[]]]]]]]]]]",
		"\"caf\xc3\xa9\"",
	};
	char err[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		CHECK(parse(ok[i], err, sizeof(err)) == 0, "'%s' rejected: %s", ok[i], err);
}

static void
rejects(void)
{
	static const struct { const char *s; const char *why; } bad[] = {
		{ "", "offset 0" }, { "{", "offset 1" }, { "[1,]", "offset 3" },
		{ "{\"a\":1,}", "offset 7" }, { "01", "offset" }, { "1.", "offset" },
		{ "-", "offset" }, { "tru", "offset 0" }, { "\"abc", "offset" },
		{ "\"a\x01\"", "offset 2" }, { "\"\\x\"", "offset" }, { "\"\\u12\"", "offset" },
		{ "{1:2}", "offset 1" }, { "[1 2]", "offset 3" }, { "1 2", "offset 2" },
		{ "{\"a\" 1}", "offset 5" }, { "nul", "offset" },
	};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].s, err, sizeof(err));

		CHECK(rc == -EINVAL && strstr(err, bad[i].why) != NULL,
		      "'%s': rc %d err '%s' (want %s)", bad[i].s, rc, err, bad[i].why);
	}
}

static void
limits(void)
{
	char deep[100], err[128];
	char *many;
	size_t n = 0;

	memset(deep, '[', 40);
	memset(deep + 40, ']', 40);
	deep[80] = '\0';
	CHECK(parse(deep, err, sizeof(err)) == -E2BIG, "40 levels deep: want E2BIG (%s)", err);
	many = malloc(4096);
	many[n++] = '[';
	for (int i = 0; i < 400; i++) {
		many[n++] = '1';
		many[n++] = ',';
	}
	many[n - 1] = ']';
	many[n] = '\0';
	CHECK(parse(many, err, sizeof(err)) == -E2BIG, "400 items into 256 nodes: want E2BIG");
	free(many);
}

static void
reads(void)
{
	static const char s[] = "{\"id\":\"10\\u00e901\",\"n\":-42,\"f\":2.5,\"t\":true,"
				"\"a\":[1,\"x\"],\"z\":\"nul\\u0000\",\"u\":\"\\ud800\"}";
	struct json_doc d = { .nodes = nodes, .cap = 256 };
	const struct json_node *r, *v, *k;
	char err[128], out[64];
	int64_t i;
	double f;
	unsigned keys = 0;

	CHECK(json_parse(&d, s, strlen(s), err, sizeof(err)) == 0, "%s", err);
	r = &nodes[0];
	CHECK(r->type == JSON_OBJ && r->count == 7, "object of 7 pairs (%u)", r->count);
	v = json_get(&d, r, "id");
	CHECK(v && json_str(v, out, sizeof(out)) && strcmp(out, "10\xc3\xa9" "01") == 0,
	      "\\u00e9 decoded to UTF-8 (%s)", out);
	CHECK(json_int(json_get(&d, r, "n"), &i) && i == -42, "n = -42");
	CHECK(!json_int(json_get(&d, r, "f"), &i), "2.5 is not an integer");
	CHECK(json_num(json_get(&d, r, "f"), &f) && f == 2.5, "f = 2.5");
	CHECK(json_get(&d, r, "t")->truth, "t true");
	CHECK(json_get(&d, r, "missing") == NULL, "absent key: NULL");
	CHECK(!json_str(json_get(&d, r, "z"), out, sizeof(out)), "\\u0000 refused as a C string");
	CHECK(!json_str(json_get(&d, r, "id"), out, 4), "too small a buffer: false");
	CHECK(!json_str(json_get(&d, r, "u"), out, sizeof(out)), "lone surrogate refused");
	for (k = json_next(&d, r, NULL); k; k = json_next(&d, r, k)) {
		keys++;
		CHECK(k->type == JSON_STR, "json_next walks keys");
		CHECK(json_val(&d, k) != NULL, "json_val gives the value");
	}
	CHECK(keys == 7, "7 keys walked (%u)", keys);
	v = json_get(&d, r, "a");
	CHECK(v->type == JSON_ARR && v->count == 2 && json_next(&d, v, NULL)->type == JSON_NUM,
	      "array items");
}

static void
writes(void)
{
	struct jw w = { 0 };
	struct json_doc d = { .nodes = nodes, .cap = 256 };
	char err[128], out[64];

	jw_obj(&w);
	jw_kstr(&w, "s", "q\"b\\n\n\x01");
	jw_kint(&w, "i", -5);
	jw_kuint(&w, "u", 18446744073709551615ull);
	jw_kbool(&w, "b", false);
	jw_key(&w, "l");
	jw_arr(&w);
	jw_null(&w);
	jw_double(&w, 0.25);
	jw_obj(&w);
	jw_end(&w, '}');
	jw_end(&w, ']');
	jw_kstr(&w, "null", NULL);
	jw_kstr(&w, "bad", "a\xff\xc3(b\xed\xa0\x80\xe2\x82\xac");
	jw_end(&w, '}');
	CHECK(!w.oom, "no oom");
	CHECK(w.len == strlen("{\"s\":\"q\\\"b\\\\n\\n\\u0001\",\"i\":-5,\"u\":18446744073709551615,"
			      "\"b\":false,\"l\":[null,0.25,{}],\"null\":null,"
			      "\"bad\":\"a\\ufffd\\ufffd(b\\ufffd\\ufffd\\ufffd\xe2\x82\xac\"}"),
	      "exact text: %.*s", (int)w.len, w.buf);
	CHECK(json_parse(&d, w.buf, w.len, err, sizeof(err)) == 0, "writer output parses: %s", err);
	CHECK(json_str(json_get(&d, &nodes[0], "s"), out, sizeof(out)) &&
	      strcmp(out, "q\"b\\n\n\x01") == 0, "escapes round-trip");
	jw_free(&w);
}

int
main(void)
{
	accepts();
	rejects();
	limits();
	reads();
	writes();
	return CHECK_DONE();
}
