/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: SRTP and SRTCP packets from the network into the
 * transform's unprotect, for every suite and both of our engines (ipsec-mb,
 * openssl), against a running state. The first byte picks suite, engine
 * and RTP/RTCP; the rest is split into packets by
 * a length byte each. Properties: no read or write outside the packet, a
 * refusal is one of the documented errors and leaves the state as it was,
 * an acceptance returns a length inside the packet.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srtp/srtp_xf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct srtp_xf *ctx[2][SRTP_SUITE_COUNT];
	static const uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, salt[14] = { 7 };
	struct srtp_xf_state st, before;
	unsigned suite, e;
	bool rtcp;

	if (size < 1)
		return 0;
	suite = (data[0] & 0x3f) % SRTP_SUITE_COUNT;
	e = data[0] & 0x40 ? SRTP_ENGINE_OPENSSL : SRTP_ENGINE_IPSECMB;
	rtcp = data[0] & 0x80;
	if (ctx[e][suite] == NULL &&
	    srtp_xf_create(&ctx[e][suite], (enum srtp_engine)e, (enum srtp_suite)suite, key, salt) < 0)
		abort();
	memset(&st, 0, sizeof(st));
	data++;
	size--;
	while (size > 0) {
		unsigned n = data[0];
		uint8_t *p;
		int r;

		data++;
		size--;
		if (n > size)
			n = (unsigned)size;
		p = malloc(n ? n : 1);            /* exact: ASan sees overruns */
		if (p == NULL)
			return 0;
		memcpy(p, data, n);
		before = st;
		r = rtcp ? srtp_xf_unprotect_rtcp(ctx[e][suite], &st, p, n)
			 : srtp_xf_unprotect(ctx[e][suite], &st, p, n);
		if (r >= 0 ? r > (int)n
			   : (r != -EINVAL && r != -EBADMSG && r != -EALREADY && r != -ESTALE) ||
				     memcmp(&before, &st, sizeof(st)) != 0)
			abort();
		free(p);
		data += n;
		size -= n;
	}
	return 0;
}
