/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: SDP parse and rewrite. Property: an SDP we accept,
 * once rewritten with relay addresses, parses again with the same media
 * count and exactly the relay's ports and addresses.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sdp in, again;
	static struct sdp_rewrite_media rw[SDP_MAX_MEDIA];
	static char out[256 * 1024];
	char err[128];
	int n;

	if (sdp_parse(&in, (const char *)data, size, err, sizeof(err)) != 0)
		return 0;
	for (unsigned i = 0; i < in.n_media; i++) {
		rw[i].addr.family = (i & 1) ? AF_INET6 : AF_INET;
		strcpy(rw[i].addr.text, (i & 1) ? "2001:2::1" : "198.18.0.1");
		inet_pton(rw[i].addr.family, rw[i].addr.text, rw[i].addr.addr);
		rw[i].port = (uint16_t)(30000 + 2 * i);
		rw[i].rtcp_port = (uint16_t)(30001 + 2 * i);
	}
	n = sdp_rewrite((const char *)data, size, &in, rw, out, sizeof(out));
	if (n < 0)
		return 0; /* too large for the buffer */
	if (sdp_parse(&again, out, (size_t)n, err, sizeof(err)) != 0)
		abort();
	if (again.n_media != in.n_media)
		abort();
	for (unsigned i = 0; i < in.n_media; i++) {
		if (again.media[i].port != rw[i].port ||
		    again.media[i].conn.family != rw[i].addr.family ||
		    strcmp(again.media[i].conn.text, rw[i].addr.text) != 0)
			abort();
		if (!in.media[i].rtcp_mux && again.media[i].rtcp_port != rw[i].rtcp_port)
			abort();
	}
	return 0;
}
