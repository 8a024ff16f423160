/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane's SRTP transform against the RFCs and against libsrtp.
 *  - Known answers: RFC 3711 B.3 (key derivation) and B.2 (AES-CM
 *    keystream); RFC 7714 16.1.1, 16.2.1 (SRTP AES-GCM 128/256) and 17.1
 *    (SRTCP AES-GCM 128), protect and unprotect.
 *  - Differential, per suite: thousands of RTP packets across a sequence
 *    wrap (rollover counter change), with loss bursts, CSRCs and header
 *    extensions, protected by both (byte-identical output required); then
 *    delivered reordered, duplicated (replays), tampered and very late to
 *    both receivers: each must accept and reject exactly the same packets
 *    and give back the same plaintext. The same for SRTCP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <srtp2/srtp.h>

#include "srtp/srtp_xf.h"
#include "check.h"

static void
unhex(const char *h, uint8_t *out, unsigned *n)
{
	unsigned i = 0;

	for (; h[0] && h[1]; h += 2)
		sscanf(h, "%2hhx", &out[i++]);
	if (n)
		*n = i;
}

static bool
eq_hex(const uint8_t *b, unsigned n, const char *h)
{
	uint8_t want[512];
	unsigned wn;

	unhex(h, want, &wn);
	return wn == n && memcmp(b, want, n) == 0;
}

static void
known_answers(void)
{
	uint8_t mk[16], ms[14], out[64], key[32], salt[14], iv[16], pkt[256];
	struct srtp_xf *x;
	struct srtp_xf_state st;
	unsigned n;
	int r;

	/* RFC 3711 B.3 */
	unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk, NULL);
	unhex("0EC675AD498AFEEBB6960B3AABE6", ms, NULL);
	CHECK(srtp_xf_kdf(16, mk, ms, 14, 0, out, 16) == 0 &&
	      eq_hex(out, 16, "C61E7A93744F39EE10734AFE3FF7A087"), "B.3 cipher key");
	CHECK(srtp_xf_kdf(16, mk, ms, 14, 2, out, 14) == 0 &&
	      eq_hex(out, 14, "30CBBC08863D8C85D49DB34A9AE1"), "B.3 cipher salt");
	CHECK(srtp_xf_kdf(16, mk, ms, 14, 1, out, 20) == 0 &&
	      eq_hex(out, 20, "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"), "B.3 auth key");
	/* RFC 3711 B.2: keystream from IV salt || 0000 */
	unhex("2B7E151628AED2A6ABF7158809CF4F3C", key, NULL);
	unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000", iv, NULL);
	CHECK(srtp_xf_keystream(16, key, iv, out, 16) == 0 &&
	      eq_hex(out, 16, "E03EAD0935C95E80E166B16DD92B4EB4"), "B.2 first keystream block");

	/* RFC 7714 16.1.1 / 16.2.1: SRTP AES-GCM, session key and salt given */
	static const struct { enum srtp_suite s; const char *key, *out; } g[] = {
		{ SRTP_AEAD_AES_128_GCM, "000102030405060708090a0b0c0d0e0f",
		  "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f4"
		  "7a51c7d19b36de3adf8833899d7f27beb16a9152cf765ee4390cce" },
		{ SRTP_AEAD_AES_256_GCM,
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		  "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a"
		  "0276ffae0f1ba63799b87b7aa3db36dfffd6b0f9bb7878d7a76c13" },
	};
	unhex("517569642070726f2071756f", salt, NULL);
	for (unsigned i = 0; i < 2; i++) {
		unhex(g[i].key, key, NULL);
		CHECK(srtp_xf_create_session(&x, g[i].s, key, salt, NULL) == 0, "gcm context %u", i);
		unhex("8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e"
		      "207061727465732074726573", pkt, &n);
		memset(&st, 0, sizeof(st));
		r = srtp_xf_protect(x, &st, pkt, n, sizeof(pkt));
		CHECK(r > 0 && eq_hex(pkt, (unsigned)r, g[i].out), "RFC 7714 16.%u.1 protect", i + 1);
		memset(&st, 0, sizeof(st));
		r = srtp_xf_unprotect(x, &st, pkt, (unsigned)r);
		CHECK(r == (int)n && memcmp(pkt + 12, "Gallia est omnis", 16) == 0,
		      "RFC 7714 16.%u.2 unprotect", i + 1);
		srtp_xf_free(x);
	}
	/* RFC 7714 17.1: SRTCP AES-GCM 128, index 0x5d4 */
	unhex("000102030405060708090a0b0c0d0e0f", key, NULL);
	CHECK(srtp_xf_create_session(&x, SRTP_AEAD_AES_128_GCM, key, salt, NULL) == 0, "srtcp ctx");
	unhex("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeef"
	      "deadbeefdeadbeefdeadbeef", pkt, &n);
	memset(&st, 0, sizeof(st));
	st.rtcp_init = true;
	st.rtcp_idx = 0x5d3;
	r = srtp_xf_protect_rtcp(x, &st, pkt, n, sizeof(pkt));
	CHECK(r > 0 && eq_hex(pkt, (unsigned)r,
			      "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1"
			      "730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4"),
	      "RFC 7714 17.1 SRTCP protect");
	memset(&st, 0, sizeof(st));
	CHECK(srtp_xf_unprotect_rtcp(x, &st, pkt, (unsigned)r) == (int)n &&
	      eq_hex(pkt + 8, 8, "4e5450314e545032"), "RFC 7714 17.1 SRTCP unprotect");
	srtp_xf_free(x);
}

/* ---- differential against libsrtp ---- */

static uint32_t rnd_state = 12345;

static uint32_t
rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static void
set_policy(srtp_policy_t *p, enum srtp_suite s, uint8_t *keysalt, uint32_t ssrc, bool inbound)
{
	memset(p, 0, sizeof(*p));
	switch (s) {
	case SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case SRTP_AES_CM_128_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case SRTP_AES_256_CM_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case SRTP_AES_256_CM_HMAC_SHA1_32:
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&p->rtcp);
		break;
	case SRTP_AEAD_AES_128_GCM:
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
		break;
	default:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	}
	p->ssrc.type = inbound ? ssrc_any_inbound : ssrc_specific;
	p->ssrc.value = ssrc;
	p->key = keysalt;
	p->window_size = SRTP_REPLAY_WINDOW;
}

#define NPKT 3000

struct pk {
	uint8_t b[300];
	int len;
};

static void
differential(enum srtp_suite s)
{
	static struct pk ours[NPKT], theirs[NPKT];
	uint8_t keysalt[46];
	unsigned kl = srtp_suite_key_len(s), sl = srtp_suite_salt_len(s);
	uint32_t ssrc = 0x11223344u;
	srtp_policy_t p;
	srtp_t tx = NULL, rx = NULL;
	struct srtp_xf *x = NULL;
	struct srtp_xf_state txs, rxs;
	unsigned sent = 0, same_out = 0, agree = 0, delivered = 0, accepted = 0, rejected = 0;
	uint16_t seq = (uint16_t)(65535 - 1200);   /* wraps a third of the way in */
	const char *name = srtp_suite_name(s);

	for (unsigned i = 0; i < kl + sl; i++)
		keysalt[i] = (uint8_t)rnd();
	set_policy(&p, s, keysalt, ssrc, false);
	if (srtp_create(&tx, &p) != srtp_err_status_ok) {
		printf("  %s: libsrtp here does not offer it (skipped)\n", name);
		return;
	}
	set_policy(&p, s, keysalt, ssrc, true);
	CHECK(srtp_create(&rx, &p) == srtp_err_status_ok, "%s: libsrtp receiver", name);
	CHECK(srtp_xf_create(&x, s, keysalt, keysalt + kl) == 0, "%s: our context", name);
	memset(&txs, 0, sizeof(txs));
	memset(&rxs, 0, sizeof(rxs));

	/* protect: in order, with loss bursts (sequence numbers skipped) */
	for (unsigned i = 0; i < NPKT; i++) {
		uint8_t plain[300];
		unsigned n = 12, cc = rnd() % 8 == 0 ? rnd() % 3 : 0, pl = rnd() % 200;
		int a, b;

		if (rnd() % 50 == 0)
			seq = (uint16_t)(seq + 1 + rnd() % 20);     /* a burst lost */
		plain[0] = (uint8_t)(0x80 | cc);
		plain[1] = (uint8_t)(rnd() % 2 ? 0 : 8);
		plain[2] = (uint8_t)(seq >> 8);
		plain[3] = (uint8_t)seq;
		for (int k = 4; k < 8; k++)
			plain[k] = (uint8_t)rnd();
		plain[8] = 0x11; plain[9] = 0x22; plain[10] = 0x33; plain[11] = 0x44;
		for (unsigned k = 0; k < cc * 4; k++)
			plain[n++] = (uint8_t)rnd();
		if (rnd() % 10 == 0) {
			plain[0] |= 0x10;
			plain[n++] = 0xbe; plain[n++] = 0xde; plain[n++] = 0; plain[n++] = 1;
			for (int k = 0; k < 4; k++)
				plain[n++] = (uint8_t)rnd();
		}
		for (unsigned k = 0; k < pl; k++)
			plain[n++] = (uint8_t)rnd();
		memcpy(theirs[i].b, plain, n);
		memcpy(ours[i].b, plain, n);
		a = (int)n;
		srtp_protect(tx, theirs[i].b, &a);
		theirs[i].len = a;
		b = srtp_xf_protect(x, &txs, ours[i].b, n, sizeof(ours[i].b));
		ours[i].len = b;
		sent++;
		if (a == b && memcmp(theirs[i].b, ours[i].b, (size_t)a) == 0)
			same_out++;
		else if (same_out + 5 > sent)
			printf("  %s: packet %u (seq %u) differs (len %d vs %d)\n", name, i, seq, a, b);
		seq++;
	}
	CHECK(same_out == sent, "%s: protect byte-identical to libsrtp for %u of %u packets "
	      "(sequence wrap included)", name, same_out, sent);

	/* unprotect: reordered, replayed, tampered, very late */
	for (unsigned i = 0; i < NPKT + 400; i++) {
		unsigned k;
		uint8_t a[300], b[300];
		int la, lb, ra, rb;
		bool tamper = false;

		if (i < NPKT) {
			k = i;
			if (i + 1 < NPKT && rnd() % 20 == 0)
				k = i + 1;                    /* swap with the next */
			else if (i > 0 && ours[i - 1].len < 0)
				k = i;
		} else {
			k = rnd() % NPKT;                     /* replays, old and recent */
		}
		if (i < NPKT && rnd() % 40 == 0)
			tamper = true;
		memcpy(a, theirs[k].b, (size_t)theirs[k].len);
		memcpy(b, theirs[k].b, (size_t)theirs[k].len);
		la = lb = theirs[k].len;
		if (tamper) {
			unsigned at = rnd() % (unsigned)la;

			a[at] ^= 0x04;
			b[at] ^= 0x04;
		}
		ra = srtp_unprotect(rx, a, &la);
		rb = srtp_xf_unprotect(x, &rxs, b, (unsigned)lb);
		delivered++;
		if ((ra == srtp_err_status_ok) == (rb >= 0) &&
		    (ra != srtp_err_status_ok || (la == rb && memcmp(a, b, (size_t)la) == 0)))
			agree++;
		else if (agree + 5 > delivered)
			printf("  %s: delivery %u (packet %u%s): libsrtp %d, ours %d\n", name, i, k,
			       tamper ? ", tampered" : "", ra, rb);
		if (rb >= 0)
			accepted++;
		else
			rejected++;
		/* a swapped pair: deliver the other one next */
		if (k == i + 1 && i + 1 < NPKT) {
			memcpy(a, theirs[i].b, (size_t)theirs[i].len);
			memcpy(b, theirs[i].b, (size_t)theirs[i].len);
			la = lb = theirs[i].len;
			ra = srtp_unprotect(rx, a, &la);
			rb = srtp_xf_unprotect(x, &rxs, b, (unsigned)lb);
			delivered++;
			if ((ra == srtp_err_status_ok) == (rb >= 0) &&
			    (ra != srtp_err_status_ok || (la == rb && memcmp(a, b, (size_t)la) == 0)))
				agree++;
			if (rb >= 0)
				accepted++;
			else
				rejected++;
			i++;
		}
	}
	CHECK(agree == delivered, "%s: unprotect agrees with libsrtp on %u of %u deliveries "
	      "(%u accepted, %u rejected: tampered, replayed, too old)", name, agree, delivered,
	      accepted, rejected);
	CHECK(rejected > 300 && accepted > 2500, "%s: both kinds exercised", name);
	printf("  %-24s RTP: protect identical %u/%u; unprotect agrees %u/%u (%u accepted, "
	       "%u rejected)\n", name, same_out, sent, agree, delivered, accepted, rejected);

	/* SRTCP: protect identical, unprotect agrees (replays, tampering) */
	{
		unsigned same = 0, ok = 0, tot = 0;

		for (unsigned i = 0; i < 600; i++) {
			uint8_t a[300], b[300];
			unsigned n = 8 + 4 * (1 + rnd() % 10);
			int la = (int)n, lb;

			a[0] = 0x81; a[1] = 200;
			a[2] = 0; a[3] = (uint8_t)(n / 4 - 1);
			a[4] = 0x11; a[5] = 0x22; a[6] = 0x33; a[7] = 0x44;
			for (unsigned k = 8; k < n; k++)
				a[k] = (uint8_t)rnd();
			memcpy(b, a, n);
			srtp_protect_rtcp(tx, a, &la);
			lb = srtp_xf_protect_rtcp(x, &txs, b, n, sizeof(b));
			tot++;
			if (la == lb && memcmp(a, b, (size_t)la) == 0)
				same++;
			else if (same + 3 > tot)
				printf("  %s: SRTCP %u differs (%d vs %d)\n", name, i, la, lb);
			memcpy(theirs[i].b, a, (size_t)la);
			theirs[i].len = la;
		}
		CHECK(same == tot, "%s: SRTCP protect byte-identical for %u of %u", name, same, tot);
		tot = 0;
		for (unsigned i = 0; i < 800; i++) {
			unsigned k = i < 600 ? i : rnd() % 600;
			uint8_t a[300], b[300];
			int la = theirs[k].len, ra, rb;

			memcpy(a, theirs[k].b, (size_t)la);
			if (rnd() % 30 == 0)
				a[rnd() % (unsigned)la] ^= 0x10;
			memcpy(b, a, (size_t)la);
			ra = srtp_unprotect_rtcp(rx, a, &la);
			rb = srtp_xf_unprotect_rtcp(x, &rxs, b, (unsigned)theirs[k].len);
			tot++;
			if ((ra == srtp_err_status_ok) == (rb >= 0) &&
			    (ra != srtp_err_status_ok || (la == rb && memcmp(a, b, (size_t)la) == 0)))
				ok++;
			else if (ok + 3 > tot)
				printf("  %s: SRTCP delivery %u: libsrtp %d, ours %d\n", name, i, ra, rb);
		}
		CHECK(ok == tot, "%s: SRTCP unprotect agrees on %u of %u", name, ok, tot);
		printf("  %-24s SRTCP: protect identical %u/600; unprotect agrees %u/%u\n", name, same,
		       ok, tot);
	}
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	srtp_xf_free(x);
}

int
main(void)
{
	CHECK(srtp_init() == srtp_err_status_ok, "libsrtp init");
	known_answers();
	for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++)
		differential((enum srtp_suite)s);
	return CHECK_DONE();
}
