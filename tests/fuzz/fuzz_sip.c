/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SIP message parser, as a datagram and as a
 * stream. Properties: everything a parsed message points at lies inside
 * the input; a stream parse never claims more bytes than it was given;
 * every prefix of a message that parses over a stream is "incomplete"
 * or an error, never a different message. The header value parsers
 * (URI, name-addr, Via, digest, the UAS checks) run on whatever parsed,
 * and their results also lie inside the input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sip/sip_hdr.h"

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
		{
			struct sip_uri u;
			struct sip_naddr na;
			struct sip_via via;
			struct sip_digest d;
			struct sip_str unsup;
			char why[128];

			if (m.request && sip_uri_parse(m.ruri, &u) == 0) {
				inside(&u.user, b, size);
				inside(&u.host, b, size);
				inside(&u.params, b, size);
			}
			for (unsigned i = 0; i < m.n_hdrs; i++) {
				const struct sip_hdr *h = &m.hdrs[i];
				struct sip_str item;
				uint32_t pos = 0;

				while (sip_list_next(h->value, &pos, &item)) {
					inside(&item, b, size);
					if (sip_naddr_parse(item, &na) == 0) {
						inside(&na.uri, b, size);
						inside(&na.tag, b, size);
					}
					if (sip_via_parse(item, &via) == 0) {
						inside(&via.branch, b, size);
						inside(&via.sent_by, b, size);
					}
				}
				if (sip_digest_parse(h->value, &d) == 0) {
					inside(&d.nonce, b, size);
					inside(&d.response, b, size);
				}
			}
			unsup.len = 0;
			sip_check(&m, why, sizeof(why), &unsup);
			inside(&unsup, b, size);
		}
		if (stream && m.len > 0) {
			uint32_t len = m.len;
			int rc = sip_parse(&m, b, len - 1, 1, err, sizeof(err));

			if (rc == 0 && m.len > len - 1)
				abort();
		}
	}
	return 0;
}
