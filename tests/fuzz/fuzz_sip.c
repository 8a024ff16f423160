/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SIP message parser, as a datagram and as a
 * stream. Properties: everything a parsed message points at lies inside
 * the input; a stream parse never claims more bytes than it was given;
 * every prefix of a message that parses over a stream is "incomplete"
 * or an error, never a different message.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sip/sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const struct sip_str *s, const char *b, size_t n)
{
	if (s->len && (s->p < b || s->p + s->len > b + n))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m;
	const char *b = (const char *)data;
	char err[160];
	struct sip_str meth;
	uint32_t num;

	for (int stream = 0; stream < 2; stream++) {
		if (sip_parse(&m, b, size, stream, err, sizeof(err)) != 0)
			continue;
		if (m.len > size || m.n_hdrs > SIP_MAX_HDRS)
			abort();
		inside(&m.method, b, size);
		inside(&m.ruri, b, size);
		inside(&m.reason, b, size);
		inside(&m.body, b, size);
		for (unsigned i = 0; i < m.n_hdrs; i++) {
			inside(&m.hdrs[i].name, b, size);
			inside(&m.hdrs[i].value, b, size);
			if (m.hdrs[i].name.len == 0)
				abort();
		}
		if (sip_cseq(&m, &num, &meth) == 0)
			inside(&meth, b, size);
		if (stream && m.len > 0) {
			uint32_t len = m.len;
			int rc = sip_parse(&m, b, len - 1, 1, err, sizeof(err));

			if (rc == 0 && m.len > len - 1)
				abort();
		}
	}
	return 0;
}
