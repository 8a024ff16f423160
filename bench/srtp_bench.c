/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP transform's cost per packet over many streams, per engine, in
 * the same run: ipsec-mb (bursts of 32 through srtp_xf_burst, as the
 * worker submits them), openssl (a packet at a time), and Debian's
 * libsrtp called directly (the reference). N streams each with its own
 * keys and state (a context per stream, as the relay keeps them), 172-byte
 * RTP packets fed round robin so every stream's context is cold in turn,
 * as on a loaded box. Per N and suite: ns per protect and per unprotect.
 *   srtp_bench [SECONDS] [N...]   (default 1; 1000 10000 100000)
 * SRTP_BENCH_LIBSRTP_MAX=N runs libsrtp up to N streams only (0: not at all;
 * at 100,000 streams libsrtp's part takes about 3 minutes, most of it
 * making and timing the sessions: its cost is linear in the sessions alive).
 * SRTP_BENCH_BURST=N submits N packets per burst (default 32; a worker's
 * bursts are as big as what arrived since its last poll).
 * Where the CPU has SHA-NI (or VAES), the AES-CM suites' ipsec-mb figure
 * is its HMAC-SHA1 on our SHA-NI lanes (its keystream on our VAES
 * AES-CM), and the same engine on ipsec-mb's own SHA-1 and AES-CM jobs is
 * timed too (and where the HMACs run sixteen at a time in AVX-512 lanes,
 * the same on the SHA-NI lanes alone), in alternating slices of the same run (the machine is
 * shared: only a ratio taken side by side means much). Likewise where
 * the CPU has VAES and VPCLMULQDQ, the GCM suite's figure is our own
 * AES-GCM (srtp_vgcm.c), timed in turn with ipsec-mb's GCM.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <srtp2/srtp.h>

#include "srtp/srtp_int.h"
#include "common/args.h"

#define BURST_MAX 32
static unsigned BURST = BURST_MAX;   /* SRTP_BENCH_BURST: ops per srtp_xf_burst */

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
fill(uint8_t *p, uint16_t seq, uint32_t ssrc)
{
	memset(p, 0x5a, 172);
	p[0] = 0x80;
	p[1] = 0;
	p[2] = (uint8_t)(seq >> 8);
	p[3] = (uint8_t)seq;
	srtp_wr32(p + 8, ssrc);
}

/* One engine of ours over @n streams for @secs: ns per protect and per
 * unprotect; -1 on a wrong result. */
static int
time_ours(enum srtp_engine e, enum srtp_suite s, unsigned n, double secs, double *ns_p,
	  double *ns_u)
{
	struct srtp_xf **tx = calloc(n, sizeof(*tx)), **rx = calloc(n, sizeof(*rx));
	struct srtp_xf_state *txs = calloc(n, sizeof(*txs)), *rxs = calloc(n, sizeof(*rxs));
	uint8_t (*pk)[200] = malloc((size_t)n * 200), key[46];
	unsigned kl = srtp_suite_key_len(s) + srtp_suite_salt_len(s);
	struct srtp_op ops[BURST_MAX];
	double t_p = 0, t_u = 0, t0;
	unsigned long cnt = 0;
	uint16_t seq = 0;
	int rc = 0;

	for (unsigned i = 0; i < n; i++) {
		for (unsigned b = 0; b < kl; b++)
			key[b] = (uint8_t)(rand() >> 7);
		if (srtp_xf_create(&tx[i], e, s, key, key + srtp_suite_key_len(s)) < 0 ||
		    srtp_xf_create(&rx[i], e, s, key, key + srtp_suite_key_len(s)) < 0)
			return -1;
	}
	t0 = now_s();
	while (rc == 0 && now_s() - t0 < secs) {
		double a, b, c;

		for (unsigned i = 0; i < n; i++)
			fill(pk[i], seq, 0x1000 + i);
		a = now_s();
		for (unsigned i = 0; i < n; i += BURST) {
			unsigned k = n - i < BURST ? n - i : BURST;

			if (e == SRTP_ENGINE_IPSECMB) {
				for (unsigned j = 0; j < k; j++) {
					ops[j] = (struct srtp_op){ .x = tx[i + j], .st = &txs[i + j],
						.pkt = pk[i + j], .len = 172, .cap = 200,
						.kind = SRTP_OP_PROTECT };
				}
				srtp_xf_burst(ops, k);
			} else {
				for (unsigned j = 0; j < k; j++)
					srtp_xf_protect(tx[i + j], &txs[i + j], pk[i + j], 172, 200);
			}
		}
		b = now_s();
		for (unsigned i = 0; i < n; i += BURST) {
			unsigned k = n - i < BURST ? n - i : BURST;
			unsigned tl = 172 + (s == SRTP_AEAD_AES_128_GCM ? 16 : 10);

			if (e == SRTP_ENGINE_IPSECMB) {
				for (unsigned j = 0; j < k; j++) {
					ops[j] = (struct srtp_op){ .x = rx[i + j], .st = &rxs[i + j],
						.pkt = pk[i + j], .len = (uint16_t)tl, .cap = 200,
						.kind = SRTP_OP_UNPROTECT };
				}
				srtp_xf_burst(ops, k);
				for (unsigned j = 0; j < k; j++)
					if (ops[j].rc != 172)
						rc = -1;
			} else {
				for (unsigned j = 0; j < k; j++)
					if (srtp_xf_unprotect(rx[i + j], &rxs[i + j], pk[i + j], tl) != 172)
						rc = -1;
			}
		}
		c = now_s();
		t_p += b - a;
		t_u += c - b;
		seq++;
		cnt += n;
	}
	*ns_p = t_p / (double)cnt * 1e9;
	*ns_u = t_u / (double)cnt * 1e9;
	for (unsigned i = 0; i < n; i++) {
		srtp_xf_free(tx[i]);
		srtp_xf_free(rx[i]);
	}
	free(tx); free(rx); free(txs); free(rxs); free(pk);
	return rc;
}

/* Debian's libsrtp called directly; with many streams it is slow, so each
 * round takes every stride-th stream (all n exist, cold). */
static int
time_libsrtp(enum srtp_suite s, unsigned n, double secs, double *ns_p, double *ns_u,
	     double *us_make, double *us_free)
{
	srtp_t *ltx = calloc(n, sizeof(*ltx)), *lrx = calloc(n, sizeof(*lrx));
	uint8_t (*pk)[200] = malloc((size_t)n * 200), key[46];
	unsigned kl = srtp_suite_key_len(s) + srtp_suite_salt_len(s);
	unsigned stride = n > 2000 ? n / 2000 : 1;
	int *lens = calloc(n, sizeof(int)), rc = 0;
	double l_p = 0, l_u = 0, t0;
	unsigned long cnt = 0;
	uint16_t seq = 0;

	t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		srtp_policy_t p;

		for (unsigned b = 0; b < kl; b++)
			key[b] = (uint8_t)(rand() >> 7);
		srtp_lib_policy(&p, s, key, 0x1000 + i, false);
		if (srtp_create(&ltx[i], &p) != srtp_err_status_ok)
			return -1;
		srtp_lib_policy(&p, s, key, 0x1000 + i, true);
		if (srtp_create(&lrx[i], &p) != srtp_err_status_ok)
			return -1;
	}
	*us_make = (now_s() - t0) / (2.0 * n) * 1e6;
	t0 = now_s();
	while (rc == 0 && now_s() - t0 < secs) {
		double a, b, c;

		for (unsigned i = 0; i < n; i += stride)
			fill(pk[i], seq, 0x1000 + i);
		a = now_s();
		for (unsigned i = 0; i < n; i += stride) {
			lens[i] = 172;
			srtp_protect(ltx[i], pk[i], &lens[i]);
		}
		b = now_s();
		for (unsigned i = 0; i < n; i += stride)
			if (srtp_unprotect(lrx[i], pk[i], &lens[i]) != srtp_err_status_ok)
				rc = -1;
		c = now_s();
		l_p += b - a;
		l_u += c - b;
		seq++;
		cnt += (n + stride - 1) / stride;
	}
	*ns_p = l_p / (double)cnt * 1e9;
	*ns_u = l_u / (double)cnt * 1e9;
	/* in a scattered order, as calls end (7919 is prime: a permutation) */
	t0 = now_s();
	for (unsigned k = 0, i = 0, step = n % 7919 ? 7919 % n : 1; k < n; k++, i = (i + step) % n) {
		srtp_dealloc(lrx[i]);
		srtp_dealloc(ltx[i]);
	}
	*us_free = (now_s() - t0) / (2.0 * n) * 1e6;
	free(ltx); free(lrx); free(pk); free(lens);
	return rc;
}

int
main(int argc, char **argv)
{
	static const enum srtp_suite suites[] = { SRTP_AES_CM_128_HMAC_SHA1_80,
						  SRTP_AEAD_AES_128_GCM };
	unsigned ns_def[] = { 1000, 10000, 100000 }, *ns = ns_def, n_ns = 3;
	double secs = argc > 1 ? arg_secs("srtp_bench", "SECONDS", argv[1], 0.01, 3600) : 1.0;
	const char *lmax = getenv("SRTP_BENCH_LIBSRTP_MAX");
	unsigned lib_max = lmax ? (unsigned)arg_ulong("srtp_bench", "SRTP_BENCH_LIBSRTP_MAX",
						      lmax, 0, 1000000) : 1000000;
	const char *bs = getenv("SRTP_BENCH_BURST");

	if (bs != NULL)
		BURST = (unsigned)arg_ulong("srtp_bench", "SRTP_BENCH_BURST", bs, 1, BURST_MAX);
	if (argc > 2) {
		n_ns = (unsigned)(argc - 2);
		ns = calloc(n_ns, sizeof(*ns));
		if (ns == NULL)
			return 1;
		for (unsigned i = 0; i < n_ns; i++)
			ns[i] = (unsigned)arg_ulong("srtp_bench", "a stream count", argv[2 + i], 1,
						    1000000);
	}
	srtp_init();
	srtp_lib_nss();   /* as the relay's libsrtp engine has it */
	printf("ipsec-mb on %s\n", srtp_xf_imb_arch());
	for (unsigned si = 0; si < 2; si++)
		for (unsigned k = 0; k < n_ns; k++) {
			enum srtp_suite s = suites[si];
			unsigned n = ns[k];
			double p[3] = { 0 }, u[3] = { 0 }, own_p = 0, own_u = 0, mk = 0, fr = 0;
			double ni_p = 0, ni_u = 0;
			bool gcm = s == SRTP_AEAD_AES_128_GCM;
			bool lanes = srtp_imb_sha_ni(true), vcm = srtp_imb_vcm(true);
			bool both = gcm ? srtp_imb_vgcm(true) : lanes || vcm;
			/* the SHA-NI lanes alone too, where the AVX-512 ones run */
			int ways = !gcm && lanes && srtp_sha1_x16(true) ? 3 : 2;

			if (both) {
				/* four slices each, ours and ipsec-mb's own in turn
				 * (SHA-1 and AES-CM, or GCM: contexts made per
				 * slice), and ours on SHA-NI alone */
				for (int r = 0; r < 4 * ways; r++) {
					double a, b;

					if (gcm)
						srtp_imb_vgcm(r % ways != 1);
					else {
						srtp_imb_sha_ni(r % ways != 1);
						srtp_imb_vcm(r % ways != 1);
						srtp_sha1_x16(r % ways == 0);
					}
					if (time_ours(SRTP_ENGINE_IPSECMB, s, n, secs / 4, &a, &b) < 0)
						return 2;
					if (r % ways == 0) {
						p[0] += a / 4;
						u[0] += b / 4;
					} else if (r % ways == 1) {
						own_p += a / 4;
						own_u += b / 4;
					} else {
						ni_p += a / 4;
						ni_u += b / 4;
					}
				}
				srtp_imb_sha_ni(true);
				srtp_imb_vcm(true);
				srtp_imb_vgcm(true);
				srtp_sha1_x16(true);
			} else if (time_ours(SRTP_ENGINE_IPSECMB, s, n, secs, &p[0], &u[0]) < 0)
				return 2;
			if (time_ours(SRTP_ENGINE_OPENSSL, s, n, secs, &p[1], &u[1]) < 0)
				return 2;
			/* libsrtp's sessions get slower with every one alive
			 * (Debian builds it on NSS, whose session lookups walk
			 * chains of a 1,024-bucket table): SRTP_BENCH_LIBSRTP_MAX
			 * can leave the larger counts out */
			if (n <= lib_max && time_libsrtp(s, n, secs, &p[2], &u[2], &mk, &fr) < 0)
				return 3;
			printf("srtp %-24s %6u streams: ipsec-mb protect %5.0f ns, unprotect %5.0f ns "
			       "(%.2f M packets/s per core SRTP->SRTP); openssl %5.0f / %5.0f ns; ",
			       srtp_suite_name(s), n, p[0], u[0], 1e3 / (p[0] + u[0]), p[1], u[1]);
			if (both)
				printf("ipsec-mb's own %s %5.0f / %5.0f ns (%s %.2fx); ",
				       gcm ? "GCM" : "SHA-1 and AES-CM", own_p, own_u,
				       gcm ? "VAES GCM" : lanes && vcm ? "SHA-NI lanes, VAES AES-CM"
						   : lanes ? "SHA-NI lanes" : "VAES AES-CM",
				       (own_p + own_u) / (p[0] + u[0]));
			if (ni_p > 0)
				printf("HMAC-SHA1 on the SHA-NI lanes alone %5.0f / %5.0f ns (AVX-512 "
				       "lanes %.2fx); ", ni_p, ni_u, (ni_p + ni_u) / (p[0] + u[0]));
			if (p[2] > 0)
				printf("libsrtp %7.0f / %7.0f ns: ipsec-mb is %.0fx faster; a libsrtp "
				       "session made in %.0f us, freed in %.0f us\n", p[2], u[2],
				       (p[2] + u[2]) / (p[0] + u[0]), mk, fr);
			else
				printf("libsrtp not run at this count\n");
			fflush(stdout);
		}
	if (ns != ns_def)
		free(ns);
	return 0;
}
