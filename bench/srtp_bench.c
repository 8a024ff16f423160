/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP transform's cost per packet over many streams: callplane's own
 * (dataplane/srtp) against libsrtp, the same packets, in the same run.
 * N streams each with its own keys and state (a context per stream, as
 * the relay keeps them), 172-byte RTP packets fed round robin so every
 * stream's context is cold in turn, as on a loaded box. Per N and suite:
 * ns per protect and per unprotect for both, and the ratio.
 *   srtp_bench [SECONDS] [N...]   (default 1; 1000 10000 100000; libsrtp up to 10,000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "srtp/srtp_xf.h"

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
policy(srtp_policy_t *p, enum srtp_suite s, uint8_t *key, uint32_t ssrc, bool in)
{
	memset(p, 0, sizeof(*p));
	if (s == SRTP_AEAD_AES_128_GCM) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
	} else {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	}
	p->ssrc.type = in ? ssrc_any_inbound : ssrc_specific;
	p->ssrc.value = ssrc;
	p->key = key;
	p->window_size = 128;
}

int
main(int argc, char **argv)
{
	static const enum srtp_suite suites[] = { SRTP_AES_CM_128_HMAC_SHA1_80,
						  SRTP_AEAD_AES_128_GCM };
	unsigned ns_def[] = { 1000, 10000, 100000 }, *ns = ns_def, n_ns = 3;
	double secs = argc > 1 ? atof(argv[1]) : 1.0;

	if (argc > 2) {
		n_ns = (unsigned)(argc - 2);
		ns = calloc(n_ns, sizeof(*ns));
		for (unsigned i = 0; i < n_ns; i++)
			ns[i] = (unsigned)atoi(argv[2 + i]);
	}
	srtp_init();
	for (unsigned si = 0; si < 2; si++)
		for (unsigned k = 0; k < n_ns; k++) {
			enum srtp_suite s = suites[si];
			unsigned n = ns[k], kl = srtp_suite_key_len(s) + srtp_suite_salt_len(s);
			struct srtp_xf **tx = calloc(n, sizeof(*tx)), **rx = calloc(n, sizeof(*rx));
			struct srtp_xf_state *txs = calloc(n, sizeof(*txs)), *rxs = calloc(n, sizeof(*rxs));
			srtp_t *ltx = calloc(n, sizeof(*ltx)), *lrx = calloc(n, sizeof(*lrx));
			uint16_t *seq = calloc(n, sizeof(*seq));
			uint8_t key[46], pkt[256];
			double t_p = 0, t_u = 0, l_p = 0, l_u = 0, t0;
			unsigned long cnt = 0, lcnt = 0;
			/* libsrtp sessions are slow to make and to use by the ten
			 * thousand here (Debian builds it on NSS): it runs up to 10,000 */
			bool lib_ok = n <= 10000;

			for (unsigned i = 0; i < n; i++) {
				srtp_policy_t p;

				for (unsigned b = 0; b < kl; b++)
					key[b] = (uint8_t)(rand() >> 7);
				if (srtp_xf_create(&tx[i], s, key, key + srtp_suite_key_len(s)) < 0 ||
				    srtp_xf_create(&rx[i], s, key, key + srtp_suite_key_len(s)) < 0)
					return 1;
				policy(&p, s, key, 0x1000 + i, false);
				if (lib_ok && srtp_create(&ltx[i], &p) != srtp_err_status_ok)
					lib_ok = false;
				policy(&p, s, key, 0x1000 + i, true);
				if (lib_ok && srtp_create(&lrx[i], &p) != srtp_err_status_ok)
					lib_ok = false;
			}
			memset(pkt, 0x5a, sizeof(pkt));
			pkt[0] = 0x80;
			pkt[1] = 0;
			/* per round: protect one packet for every stream (timed as one
			 * loop), then unprotect them all (timed), round robin */
			uint8_t (*encs)[200] = malloc((size_t)n * 200);
			int *lens = malloc(n * sizeof(int));

			t0 = now_s();
			while (now_s() - t0 < secs) {
				double a = now_s(), b, c;

				for (unsigned i = 0; i < n; i++) {
					memcpy(encs[i], pkt, 172);
					encs[i][2] = (uint8_t)(seq[i] >> 8);
					encs[i][3] = (uint8_t)seq[i];
					encs[i][8] = (uint8_t)((0x1000 + i) >> 24);
					encs[i][9] = (uint8_t)((0x1000 + i) >> 16);
					encs[i][10] = (uint8_t)((0x1000 + i) >> 8);
					encs[i][11] = (uint8_t)(0x1000 + i);
					lens[i] = srtp_xf_protect(tx[i], &txs[i], encs[i], 172, 200);
				}
				b = now_s();
				for (unsigned i = 0; i < n; i++)
					if (srtp_xf_unprotect(rx[i], &rxs[i], encs[i], (unsigned)lens[i]) != 172)
						return 2;
				c = now_s();
				t_p += b - a;
				t_u += c - b;
				for (unsigned i = 0; i < n; i++)
					seq[i]++;
				cnt += n;
			}
			/* libsrtp, the same; with many streams it is slow, so each
			 * round takes every stride-th stream (all n exist, cold) */
			unsigned stride = n > 2000 ? n / 2000 : 1;

			memset(seq, 0, n * sizeof(*seq));
			t0 = now_s();
			while (lib_ok && now_s() - t0 < secs) {
				double a = now_s(), b, c;

				for (unsigned i = 0; i < n; i += stride) {
					memcpy(encs[i], pkt, 172);
					encs[i][2] = (uint8_t)(seq[i] >> 8);
					encs[i][3] = (uint8_t)seq[i];
					encs[i][8] = (uint8_t)((0x1000 + i) >> 24);
					encs[i][9] = (uint8_t)((0x1000 + i) >> 16);
					encs[i][10] = (uint8_t)((0x1000 + i) >> 8);
					encs[i][11] = (uint8_t)(0x1000 + i);
					lens[i] = 172;
					srtp_protect(ltx[i], encs[i], &lens[i]);
				}
				b = now_s();
				for (unsigned i = 0; i < n; i += stride)
					if (srtp_unprotect(lrx[i], encs[i], &lens[i]) != srtp_err_status_ok)
						return 3;
				c = now_s();
				l_p += b - a;
				l_u += c - b;
				for (unsigned i = 0; i < n; i += stride)
					seq[i]++;
				lcnt += (n + stride - 1) / stride;
			}
			free(encs);
			free(lens);
			printf("srtp %-24s %6u streams: ours protect %6.0f ns, unprotect %6.0f ns "
			       "(%.2f M packets/s per core relayed SRTP->SRTP); libsrtp protect %6.0f ns, "
			       "unprotect %6.0f ns; ours is %.1fx faster (protect+unprotect)\n",
			       srtp_suite_name(s), n, t_p / (double)cnt * 1e9, t_u / (double)cnt * 1e9,
			       (double)cnt / (t_p + t_u) / 1e6,
			       lcnt ? l_p / (double)lcnt * 1e9 : 0, lcnt ? l_u / (double)lcnt * 1e9 : 0,
			       lcnt ? ((l_p + l_u) / (double)lcnt) / ((t_p + t_u) / (double)cnt) : 0);
			fflush(stdout);
			for (unsigned i = 0; i < n; i++) {
				srtp_xf_free(tx[i]);
				srtp_xf_free(rx[i]);
				if (ltx[i])
					srtp_dealloc(ltx[i]);
				if (lrx[i])
					srtp_dealloc(lrx[i]);
			}
			free(tx); free(rx); free(txs); free(rxs); free(ltx); free(lrx); free(seq);
		}
	return 0;
}
