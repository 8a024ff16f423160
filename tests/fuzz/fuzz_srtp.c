/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: SRTP and SRTCP packets from the network into the
 * transform's unprotect, for every suite and both of our engines (ipsec-mb,
 * openssl), against a running state. The first byte picks suite, engine
 * and RTP/RTCP; the rest is split into packets by
 * a length byte each. Properties: no read or write outside the packet, a
 * refusal is one of the documented errors and leaves the state as it was,
 * an acceptance returns a length inside the packet. On the ipsec-mb
 * engine the same packets go through srtp_xf_burst as well, up to 32 at
 * once (the worker's path: the HMACs of eight or more in the AVX-512
 * lanes, fewer on SHA-NI), each with a state of its own, with the same
 * properties.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "srtp/srtp_xf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BURST 32

/* the packets of @data (a length byte each) as bursts of up to BURST */
static void
burst(struct srtp_xf *x, bool rtcp, const uint8_t *data, size_t size)
{
	struct srtp_op ops[BURST];
	struct srtp_xf_state st[BURST];
	uint8_t *p[BURST];
	unsigned k = 0;

	while (size > 0 || k > 0) {
		if (size > 0 && k < BURST) {
			unsigned n = data[0];

			data++;
			size--;
			if (n > size)
				n = (unsigned)size;
			p[k] = malloc(n ? n : 1);   /* exact: ASan sees overruns */
			if (p[k] == NULL)
				abort();
			memcpy(p[k], data, n);
			memset(&st[k], 0, sizeof(st[k]));
			ops[k] = (struct srtp_op){ .x = x, .st = &st[k], .pkt = p[k],
				.len = (uint16_t)n, .cap = (uint16_t)n,
				.kind = rtcp ? SRTP_OP_UNPROTECT_RTCP : SRTP_OP_UNPROTECT };
			k++;
			data += n;
			size -= n;
			continue;
		}
		srtp_xf_burst(ops, k);
		for (unsigned i = 0; i < k; i++) {
			int r = ops[i].rc;
			struct srtp_xf_state zero;

			memset(&zero, 0, sizeof(zero));
			if (r >= 0 ? r > (int)ops[i].len
				   : (r != -EINVAL && r != -EBADMSG && r != -EALREADY &&
				      r != -ESTALE) || memcmp(&zero, &st[i], sizeof(zero)) != 0)
				abort();
			free(p[i]);
		}
		k = 0;
	}
}

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
	if (e == SRTP_ENGINE_IPSECMB)
		burst(ctx[e][suite], rtcp, data, size);
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
