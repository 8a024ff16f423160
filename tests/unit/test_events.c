/* SPDX-License-Identifier: BSD-3-Clause */
/* Event JSON strings: call-ids and tags come from SIP, so quotes,
 * backslashes and control bytes must be escaped, and overflow refused. */
#include <string.h>

#include "dp.h"
#include "events/events.h"
#include "check.h"

struct dp dp;

int
main(void)
{
	static const struct { const char *in, *want; } t[] = {
		{ "abc@198.18.0.10", "\"abc@198.18.0.10\"" },
		{ "a\"b", "\"a\\\"b\"" },
		{ "a\\b", "\"a\\\\b\"" },
		{ "a\nb\x01", "\"a\\u000ab\\u0001\"" },
		{ "", "\"\"" },
		{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" }, /* UTF-8 passes through */
	};
	char out[64];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = events_json_str(out, sizeof(out), t[i].in);

		CHECK(n == strlen(t[i].want) && strcmp(out, t[i].want) == 0,
		      "case %zu: got %s want %s", i, out, t[i].want);
	}
	CHECK(events_json_str(out, 6, "abcdef") == 0, "too long refused");
	CHECK(events_json_str(out, 8, "abc\x01") == 0, "escape that does not fit refused");
	CHECK(events_json_str(out, 2, "") == 0, "tiny buffer refused");
	return CHECK_DONE();
}
