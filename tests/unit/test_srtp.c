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
 *    and give back the same plaintext (replays include a packet again at
 *    once, in the same burst). The same for SRTCP.
 *  - The HMAC-SHA1 lanes (sixteen in AVX-512, four on SHA-NI) against
 *    OpenSSL's HMAC, bursts of 1..40, lengths 0..1,500.
 *  - The VAES AES-CM (srtp_vcm_xor) against OpenSSL's AES-CTR from the
 *    same counter block, payloads 0..1,500 bytes, both key sizes.
 *  - The VAES AES-GCM (srtp_vgcm.c, where the CPU has it) against
 *    OpenSSL's for every payload length 0..300 and many up to 1,500, AAD
 *    0..70 bytes, both key sizes; tampered tag, payload or AAD refused
 *    with the buffer left as it came.
 * Every engine: ipsec-mb (per packet and in bursts of 32 through
 * srtp_xf_burst), openssl, and libsrtp behind our API (its known answers
 * are libsrtp's own self-tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <intel-ipsec-mb.h>
#include <nss.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <srtp2/srtp.h>

#include "srtp/srtp_int.h"
#include "cfg.h"
#include "check.h"

/* libsrtp runs its own known-answer self-tests here (not in its public headers) */
srtp_err_status_t srtp_crypto_kernel_status(void);

static const char *imb_label = "";   /* which SHA-1 the ipsec-mb engine is on */

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
known_answers(enum srtp_engine e)
{
	uint8_t mk[16], ms[14], out[64], key[32], salt[14], iv[16], pkt[256];
	struct srtp_xf *x;
	struct srtp_xf_state st;
	unsigned n;
	int r;

	const char *en = srtp_engine_name(e);

	if (e == SRTP_ENGINE_LIBSRTP) {
		/* session keys cannot be given to libsrtp: its own known-answer
		 * self-tests of every cipher and MAC it has */
		CHECK(srtp_crypto_kernel_status() == srtp_err_status_ok,
		      "libsrtp: its cipher and MAC self-tests pass");
		return;
	}
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
		CHECK(srtp_xf_create_session(&x, e, g[i].s, key, salt, NULL) == 0, "%s: gcm context %u",
		      en, i);
		unhex("8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e"
		      "207061727465732074726573", pkt, &n);
		memset(&st, 0, sizeof(st));
		r = srtp_xf_protect(x, &st, pkt, n, sizeof(pkt));
		CHECK(r > 0 && eq_hex(pkt, (unsigned)r, g[i].out), "%s: RFC 7714 16.%u.1 protect", en, i + 1);
		memset(&st, 0, sizeof(st));
		r = srtp_xf_unprotect(x, &st, pkt, (unsigned)r);
		CHECK(r == (int)n && memcmp(pkt + 12, "Gallia est omnis", 16) == 0,
		      "%s: RFC 7714 16.%u.2 unprotect", en, i + 1);
		srtp_xf_free(x);
	}
	/* RFC 7714 17.1: SRTCP AES-GCM 128, index 0x5d4 */
	unhex("000102030405060708090a0b0c0d0e0f", key, NULL);
	CHECK(srtp_xf_create_session(&x, e, SRTP_AEAD_AES_128_GCM, key, salt, NULL) == 0,
	      "%s: srtcp ctx", en);
	unhex("81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeef"
	      "deadbeefdeadbeefdeadbeef", pkt, &n);
	memset(&st, 0, sizeof(st));
	st.rtcp_init = true;
	st.rtcp_idx = 0x5d3;
	r = srtp_xf_protect_rtcp(x, &st, pkt, n, sizeof(pkt));
	CHECK(r > 0 && eq_hex(pkt, (unsigned)r,
			      "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1"
			      "730d6fda4ce09b4686303ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4"),
	      "%s: RFC 7714 17.1 SRTCP protect", en);
	memset(&st, 0, sizeof(st));
	CHECK(srtp_xf_unprotect_rtcp(x, &st, pkt, (unsigned)r) == (int)n &&
	      eq_hex(pkt + 8, 8, "4e5450314e545032"), "%s: RFC 7714 17.1 SRTCP unprotect", en);
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
	srtp_lib_policy(p, s, keysalt, ssrc, inbound);
}

#define NPKT 3000

struct pk {
	uint8_t b[1200];
	int len;
};

/* Ours over @n ops: one call each (@burst 1) or srtp_xf_burst in runs. */
static void
run_ops(struct srtp_op *ops, unsigned n, unsigned burst)
{
	for (unsigned i = 0; i < n; i += burst) {
		unsigned k = n - i < burst ? n - i : burst;

		if (burst == 1) {
			struct srtp_op *o = &ops[i];

			switch (o->kind) {
			case SRTP_OP_PROTECT:
				o->rc = srtp_xf_protect(o->x, o->st, o->pkt, o->len, o->cap);
				break;
			case SRTP_OP_UNPROTECT:
				o->rc = srtp_xf_unprotect(o->x, o->st, o->pkt, o->len);
				break;
			case SRTP_OP_PROTECT_RTCP:
				o->rc = srtp_xf_protect_rtcp(o->x, o->st, o->pkt, o->len, o->cap);
				break;
			default:
				o->rc = srtp_xf_unprotect_rtcp(o->x, o->st, o->pkt, o->len);
				break;
			}
		} else {
			srtp_xf_burst(&ops[i], k);
		}
	}
}

static void
set_op(struct srtp_op *o, struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt,
       unsigned len, unsigned cap, enum srtp_op_kind kind)
{
	memset(o, 0, sizeof(*o));
	o->x = x;
	o->st = st;
	o->pkt = pkt;
	o->len = (uint16_t)len;
	o->cap = (uint16_t)cap;
	o->kind = (uint8_t)kind;
}

/* The relay keeps a receive state's RTP part (its first SRTP_XF_STATE_RTP
 * bytes) in the stream's counter line and the SRTCP part on the next
 * (flow.h): an RTP op must read and write only the first, an SRTCP op
 * only the rest, one at a time and in bursts. */
static void
state_parts(enum srtp_engine e, enum srtp_suite s)
{
	enum { N = 96 };
	static uint8_t pk[N][256];
	static struct srtp_op ops[N];
	struct srtp_xf_state txs = { 0 }, rxs = { 0 }, before_tx, before_rx;
	struct srtp_xf *x = NULL;
	uint8_t keysalt[46];
	unsigned kl = srtp_suite_key_len(s), ok_rtp = 0, ok_rtcp = 0, kept = 0;
	char name[80];

	snprintf(name, sizeof(name), "%s %s", srtp_engine_name(e), srtp_suite_name(s));
	for (unsigned i = 0; i < sizeof(keysalt); i++)
		keysalt[i] = (uint8_t)rnd();
	CHECK(srtp_xf_create(&x, e, s, keysalt, keysalt + kl) == 0, "%s: context", name);
	if (x == NULL)
		return;
	for (unsigned round = 0; round < 4; round++) {
		bool rtcp = round & 1;
		unsigned burst = round < 2 ? 1 : 32;
		size_t lo = rtcp ? 0 : SRTP_XF_STATE_RTP, hi = rtcp ? SRTP_XF_STATE_RTP
								 : sizeof(struct srtp_xf_state);

		before_tx = txs;
		before_rx = rxs;
		for (unsigned i = 0; i < N; i++) {
			uint8_t *b = pk[i];

			memset(b, 0, sizeof(pk[i]));
			if (rtcp) {
				b[0] = 0x80;
				b[1] = 200;            /* SR */
				b[3] = 6;
				srtp_wr32(b + 4, 0x55667788u);
				for (unsigned k = 8; k < 28; k++)
					b[k] = (uint8_t)rnd();
			} else {
				uint16_t seq = (uint16_t)(65500 + 100 * round + i);   /* wraps */

				b[0] = 0x80;
				b[2] = (uint8_t)(seq >> 8);
				b[3] = (uint8_t)seq;
				srtp_wr32(b + 8, 0x55667788u);
				for (unsigned k = 12; k < 172; k++)
					b[k] = (uint8_t)rnd();
			}
			set_op(&ops[i], x, &txs, b, rtcp ? 28 : 172, sizeof(pk[i]),
			       rtcp ? SRTP_OP_PROTECT_RTCP : SRTP_OP_PROTECT);
		}
		run_ops(ops, N, burst);
		for (unsigned i = 0; i < N; i++)
			set_op(&ops[i], x, &rxs, pk[i], ops[i].rc > 0 ? (unsigned)ops[i].rc : 0,
			       sizeof(pk[i]), rtcp ? SRTP_OP_UNPROTECT_RTCP : SRTP_OP_UNPROTECT);
		run_ops(ops, N, burst);
		for (unsigned i = 0; i < N; i++)
			if (ops[i].rc == (rtcp ? 28 : 172))
				*(rtcp ? &ok_rtcp : &ok_rtp) += 1;
		/* the other part left as it was, on both sides */
		if (memcmp((const uint8_t *)&txs + lo, (const uint8_t *)&before_tx + lo, hi - lo) == 0 &&
		    memcmp((const uint8_t *)&rxs + lo, (const uint8_t *)&before_rx + lo, hi - lo) == 0)
			kept++;
	}
	CHECK(ok_rtp == 2 * N && ok_rtcp == 2 * N, "%s: %u of %u RTP and %u of %u SRTCP packets "
	      "round-tripped", name, ok_rtp, 2 * N, ok_rtcp, 2 * N);
	CHECK(kept == 4 && rxs.init && rxs.rtcp_init,
	      "%s: RTP ops kept to the state's first %zu bytes, SRTCP ops to the rest (%u of 4 "
	      "rounds)", name, (size_t)SRTP_XF_STATE_RTP, kept);
	srtp_xf_free(x);
}

#define NDEL (NPKT + 1000)

static void
differential(enum srtp_engine e, unsigned burst, enum srtp_suite s)
{
	static struct pk ours[NPKT], theirs[NPKT], da[NDEL], db[NDEL], orig[NDEL];
	static struct srtp_op ops[NDEL];
	static int ra[NDEL];
	static bool tampered[NDEL];
	static unsigned which[NDEL];
	uint8_t keysalt[46];
	unsigned kl = srtp_suite_key_len(s), sl = srtp_suite_salt_len(s);
	uint32_t ssrc = 0x11223344u;
	srtp_policy_t p;
	srtp_t tx = NULL, rx = NULL;
	struct srtp_xf *x = NULL;
	struct srtp_xf_state txs, rxs;
	unsigned sent = 0, same_out = 0, agree = 0, nd = 0, accepted = 0, rejected = 0;
	uint16_t seq = (uint16_t)(65535 - 1200);   /* wraps a third of the way in */
	char name[80];

	snprintf(name, sizeof(name), "%s %s%s%s", srtp_engine_name(e), srtp_suite_name(s),
		 burst > 1 ? " burst" : "", e == SRTP_ENGINE_IPSECMB ? imb_label : "");
	for (unsigned i = 0; i < kl + sl; i++)
		keysalt[i] = (uint8_t)rnd();
	set_policy(&p, s, keysalt, ssrc, false);
	if (srtp_create(&tx, &p) != srtp_err_status_ok) {
		printf("  %s: libsrtp here does not offer it (skipped)\n", name);
		return;
	}
	set_policy(&p, s, keysalt, ssrc, true);
	CHECK(srtp_create(&rx, &p) == srtp_err_status_ok, "%s: libsrtp receiver", name);
	CHECK(srtp_xf_create(&x, e, s, keysalt, keysalt + kl) == 0, "%s: our context", name);
	memset(&txs, 0, sizeof(txs));
	memset(&rxs, 0, sizeof(rxs));

	/* protect: in order, with loss bursts (sequence numbers skipped) */
	for (unsigned i = 0; i < NPKT; i++) {
		uint8_t plain[1200];
		/* voice-sized mostly, sometimes video-sized (many SHA-1 blocks) */
		unsigned n = 12, cc = rnd() % 8 == 0 ? rnd() % 3 : 0,
			 pl = rnd() % 16 == 0 ? rnd() % 1000 : rnd() % 200;
		int a;

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
		set_op(&ops[i], x, &txs, ours[i].b, n, sizeof(ours[i].b), SRTP_OP_PROTECT);
		seq++;
	}
	run_ops(ops, NPKT, burst);
	for (unsigned i = 0; i < NPKT; i++) {
		ours[i].len = ops[i].rc;
		sent++;
		if (theirs[i].len == ours[i].len &&
		    memcmp(theirs[i].b, ours[i].b, (size_t)ours[i].len) == 0)
			same_out++;
		else if (same_out + 5 > sent)
			printf("  %s: packet %u differs (len %d vs %d)\n", name, i, theirs[i].len,
			       ours[i].len);
	}
	CHECK(same_out == sent, "%s: protect byte-identical to libsrtp for %u of %u packets "
	      "(sequence wrap included)", name, same_out, sent);

	/* an index already protected (a repeated sequence number) and one
	 * older than the window are refused, as libsrtp refuses them: a
	 * keystream is never used twice */
	for (unsigned t = 0; t < 2; t++) {
		uint8_t a1[64] = { 0x80, 0 }, b1[64];
		uint16_t q = (uint16_t)(seq - (t == 0 ? 1 : 300));
		int la = 32, r;
		srtp_err_status_t es;

		a1[2] = (uint8_t)(q >> 8);
		a1[3] = (uint8_t)q;
		a1[8] = 0x11; a1[9] = 0x22; a1[10] = 0x33; a1[11] = 0x44;
		memcpy(b1, a1, sizeof(b1));
		es = srtp_protect(tx, b1, &la);
		r = srtp_xf_protect(x, &txs, a1, 32, sizeof(a1));
		CHECK(es != srtp_err_status_ok && r < 0 &&
		      (r == -EALREADY) == (es == srtp_err_status_replay_fail) &&
		      (r == -ESTALE) == (es == srtp_err_status_replay_old),
		      "%s: protect of %s index refused as libsrtp does (ours %d, libsrtp %d)", name,
		      t == 0 ? "a repeated" : "a too old", r, (int)es);
	}

	/* unprotect: reordered (neighbours swapped), replayed (old and
	 * recent), tampered; the same deliveries to both */
	for (unsigned i = 0; i < NPKT + 400; i++) {
		unsigned k = i < NPKT ? i : rnd() % NPKT;

		if (i < NPKT && i + 1 < NPKT && rnd() % 20 == 0) {
			which[nd] = i + 1;
			tampered[nd++] = false;
			k = i++;
		}
		which[nd] = k;
		tampered[nd++] = i < NPKT + 400 && k == i && rnd() % 40 == 0;
		if (i < NPKT && rnd() % 50 == 0) {
			which[nd] = k;                /* at once again: a replay in the same burst */
			tampered[nd++] = false;
		}
	}
	for (unsigned d = 0; d < nd; d++) {
		unsigned k = which[d];
		int la = theirs[k].len;

		memcpy(da[d].b, theirs[k].b, (size_t)la);
		if (tampered[d])
			da[d].b[rnd() % (unsigned)la] ^= 0x04;
		memcpy(db[d].b, da[d].b, (size_t)la);
		memcpy(orig[d].b, da[d].b, (size_t)la);
		da[d].len = db[d].len = la;
		ra[d] = srtp_unprotect(rx, da[d].b, &da[d].len);
		set_op(&ops[d], x, &rxs, db[d].b, (unsigned)la, (unsigned)la, SRTP_OP_UNPROTECT);
	}
	run_ops(ops, nd, burst);
	for (unsigned d = 0; d < nd; d++) {
		int rb = ops[d].rc;

		/* accepted alike with the same plaintext, or refused alike
		 * with ours left as it came (libsrtp's GCM leaves a failed
		 * packet decrypted, so the delivery itself is the reference) */
		if ((ra[d] == srtp_err_status_ok) == (rb >= 0) &&
		    (ra[d] != srtp_err_status_ok ?
		     memcmp(orig[d].b, db[d].b, ops[d].len) == 0 :
		     (da[d].len == rb && memcmp(da[d].b, db[d].b, (size_t)rb) == 0)))
			agree++;
		else if (agree + 5 > d + 1)
			printf("  %s: delivery %u (packet %u%s): libsrtp %d, ours %d\n", name, d,
			       which[d], tampered[d] ? ", tampered" : "", ra[d], rb);
		if (rb >= 0)
			accepted++;
		else
			rejected++;
	}
	CHECK(agree == nd, "%s: unprotect agrees with libsrtp on %u of %u deliveries "
	      "(%u accepted, %u rejected: tampered, replayed, too old)", name, agree, nd,
	      accepted, rejected);
	CHECK(rejected > 300 && accepted > 2500, "%s: both kinds exercised", name);
	printf("  %-40s RTP: protect identical %u/%u; unprotect agrees %u/%u (%u accepted, "
	       "%u rejected)\n", name, same_out, sent, agree, nd, accepted, rejected);

	/* SRTCP: protect identical, unprotect agrees (replays, tampering) */
	{
		unsigned same = 0, ok = 0, tot = 0;

		for (unsigned i = 0; i < 600; i++) {
			uint8_t *a = theirs[i].b, *b = ours[i].b;
			unsigned n = 8 + 4 * (1 + rnd() % 10);
			int la = (int)n;

			a[0] = 0x81; a[1] = 200;
			a[2] = 0; a[3] = (uint8_t)(n / 4 - 1);
			a[4] = 0x11; a[5] = 0x22; a[6] = 0x33; a[7] = 0x44;
			for (unsigned k = 8; k < n; k++)
				a[k] = (uint8_t)rnd();
			memcpy(b, a, n);
			srtp_protect_rtcp(tx, a, &la);
			theirs[i].len = la;
			set_op(&ops[i], x, &txs, b, n, sizeof(ours[i].b), SRTP_OP_PROTECT_RTCP);
		}
		run_ops(ops, 600, burst);
		for (unsigned i = 0; i < 600; i++) {
			tot++;
			if (theirs[i].len == ops[i].rc &&
			    memcmp(theirs[i].b, ours[i].b, (size_t)ops[i].rc) == 0)
				same++;
			else if (same + 3 > tot)
				printf("  %s: SRTCP %u differs (%d vs %d)\n", name, i, theirs[i].len,
				       ops[i].rc);
		}
		CHECK(same == tot, "%s: SRTCP protect byte-identical for %u of %u", name, same, tot);
		tot = 0;
		for (unsigned d = 0; d < 800; d++) {
			unsigned k = d < 600 ? d : rnd() % 600;
			int la = theirs[k].len;

			memcpy(da[d].b, theirs[k].b, (size_t)la);
			if (rnd() % 30 == 0)
				da[d].b[rnd() % (unsigned)la] ^= 0x10;
			memcpy(db[d].b, da[d].b, (size_t)la);
		memcpy(orig[d].b, da[d].b, (size_t)la);
			da[d].len = la;
			ra[d] = srtp_unprotect_rtcp(rx, da[d].b, &da[d].len);
			set_op(&ops[d], x, &rxs, db[d].b, (unsigned)la, (unsigned)la,
			       SRTP_OP_UNPROTECT_RTCP);
		}
		run_ops(ops, 800, burst);
		for (unsigned d = 0; d < 800; d++) {
			int rb = ops[d].rc;

			tot++;
			if ((ra[d] == srtp_err_status_ok) == (rb >= 0) &&
			    (ra[d] != srtp_err_status_ok ||
			     (da[d].len == rb && memcmp(da[d].b, db[d].b, (size_t)rb) == 0)))
				ok++;
			else if (ok + 3 > tot)
				printf("  %s: SRTCP delivery %u: libsrtp %d, ours %d\n", name, d, ra[d],
				       rb);
		}
		CHECK(ok == tot, "%s: SRTCP unprotect agrees on %u of %u", name, ok, tot);
		printf("  %-40s SRTCP: protect identical %u/600; unprotect agrees %u/%u\n", name,
		       same, ok, tot);
	}
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	srtp_xf_free(x);
}

/* Contexts come from shared chunks with free lists (srtp_xf.c): many
 * alive at once, half freed and made again with other keys, every one
 * 64-byte aligned and protecting exactly as a context made alone with its
 * keys (two that overlapped, or a reused one left with old keys, would
 * not). */
static void
context_reuse(enum srtp_engine e, enum srtp_suite s)
{
	enum { N = 600 };
	static struct srtp_xf *x[N];
	unsigned kl = srtp_suite_key_len(s), same = 0, aligned = 0, made = 0;
	const char *name = srtp_suites[s].name;
	uint8_t ks[64];

	for (unsigned round = 0; round < 2; round++)
		for (unsigned i = 0; i < N; i++) {
			if (round == 1 && i % 2)
				continue;
			if (round == 1)
				srtp_xf_free(x[i]);
			for (unsigned b = 0; b < sizeof(ks); b++)
				ks[b] = (uint8_t)(i * 7 + b * 13 + round * 101);
			made += srtp_xf_create(&x[i], e, s, ks, ks + kl) == 0;
		}
	CHECK(made == N + N / 2, "%s: %u of %u contexts made", name, made, N + N / 2);
	if (made != N + N / 2)
		return;
	for (unsigned i = 0; i < N; i++) {
		struct srtp_xf *alone;
		struct srtp_xf_state st1 = { 0 }, st2 = { 0 };
		uint8_t a[200] = { 0x80, 0, 0, 1, 0, 0, 0, 0, 0xca, 0xfe, 0, 0 }, b[200];
		unsigned round = i % 2 ? 0 : 1;
		int r1, r2;

		for (unsigned k = 12; k < 172; k++)
			a[k] = (uint8_t)(k + i);
		memcpy(b, a, sizeof(a));
		for (unsigned k = 0; k < sizeof(ks); k++)
			ks[k] = (uint8_t)(i * 7 + k * 13 + round * 101);
		aligned += ((uintptr_t)x[i] & 63) == 0;
		if (srtp_xf_create(&alone, e, s, ks, ks + kl) != 0)
			continue;
		r1 = srtp_xf_protect(x[i], &st1, a, 172, sizeof(a));
		r2 = srtp_xf_protect(alone, &st2, b, 172, sizeof(b));
		same += r1 > 0 && r1 == r2 && memcmp(a, b, (size_t)r1) == 0;
		srtp_xf_free(alone);
	}
	for (unsigned i = 0; i < N; i++)
		srtp_xf_free(x[i]);
	CHECK(aligned == N, "%s: %u of %u contexts 64-byte aligned", name, aligned, N);
	CHECK(same == N, "%s: %u of %u contexts, half of them made again in freed room, "
	      "protect as one made alone", name, same, N);
}

/* libsrtp's NSS set-ups are answered by srtp_lib.c: one shared context
 * and a count, which goes up with every libsrtp cipher made and back down
 * as they are freed, in any order (oldest first here, the order that
 * walked NSS's whole list each time). */
static void
nss_shared(void)
{
	enum { N = 200 };
	static struct srtp_xf *x[N];
	uint8_t ks[64];
	unsigned long base = srtp_lib_nss_refs(), peak;
	unsigned made = 0;
	NSSInitContext *a, *b;

	for (unsigned i = 0; i < N; i++) {
		for (unsigned k = 0; k < sizeof(ks); k++)
			ks[k] = (uint8_t)(i + k * 3);
		made += srtp_xf_create(&x[i], SRTP_ENGINE_LIBSRTP, SRTP_AES_CM_128_HMAC_SHA1_80, ks,
				       ks + 16) == 0;
	}
	peak = srtp_lib_nss_refs();
	CHECK(made == N && peak >= base + 2 * N,
	      "libsrtp: %u contexts made hold %lu shared NSS references (%lu before)", made, peak,
	      base);
	for (unsigned i = 0; i < N; i++)
		if (i < made)
			srtp_xf_free(x[i]);
	CHECK(srtp_lib_nss_refs() == base, "libsrtp: freed oldest first, %lu NSS references left "
	      "(%lu before)", srtp_lib_nss_refs(), base);
	a = NSS_InitContext("", "", "", "", NULL, NSS_INIT_READONLY | NSS_INIT_OPTIMIZESPACE);
	b = NSS_InitContext("", "", "", "", NULL, NSS_INIT_READONLY);
	CHECK(a != NULL && a == b, "NSS_InitContext: every caller shares one context");
	CHECK(NSS_ShutdownContext(a) == SECSuccess && NSS_ShutdownContext(b) == SECSuccess &&
	      srtp_lib_nss_refs() == base, "NSS_ShutdownContext: back to %lu references", base);
}

/* OpenSSL's AES-GCM seal of @p in place, the tag to @tag */
static bool
evp_seal(unsigned kl, const uint8_t *key, const uint8_t iv[12], const uint8_t *aad,
	 unsigned alen, uint8_t *p, unsigned n, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int l, ok;

	ok = c != NULL &&
	     EVP_EncryptInit_ex(c, kl == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(), NULL, key,
				iv) == 1 &&
	     (alen == 0 || EVP_EncryptUpdate(c, NULL, &l, aad, (int)alen) == 1) &&
	     (n == 0 || EVP_EncryptUpdate(c, p, &l, p, (int)n) == 1) &&
	     EVP_EncryptFinal_ex(c, p + n, &l) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* AES-CM on VAES (srtp_vcm_xor) against OpenSSL's AES-CTR from the same
 * RFC 3711 counter block, for payloads 0..300 and many to 1,500 bytes,
 * both key sizes, SSRCs and indexes over their whole range; nothing past
 * the payload written. */
static void
vcm_vs_openssl(void)
{
	IMB_MGR *m;
	uint8_t key[32], rk[16 * 15] __attribute__((aligned(16))), dk[16 * 15], salt[14], iv[16];
	uint8_t a[1600], b[1600];
	unsigned same = 0, tot = 0, untouched = 0;

	if (!srtp_vgcm_usable()) {
		printf("no VAES here: srtp_vcm_xor not run\n");
		return;
	}
	m = alloc_mb_mgr(0);
	CHECK(m != NULL, "ipsec-mb manager for the key schedule");
	if (m == NULL)
		return;
	init_mb_mgr_auto(m, NULL);
	for (unsigned kl = 16; kl <= 32; kl += 16)
		for (unsigned n = 0; n <= 1500; n += n < 300 ? 1 : 37) {
			uint32_t ssrc = n * 0x9e3779b9u + kl;
			uint64_t index = ((uint64_t)n * 0x5851f42d4c957f2dull >> 11) & 0xffffffffffffull;
			EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
			int l;

			for (unsigned i = 0; i < sizeof(key); i++)
				key[i] = (uint8_t)(n * 29 + i * 13 + kl);
			for (unsigned i = 0; i < sizeof(salt); i++)
				salt[i] = (uint8_t)(n * 7 + i * 101);
			for (unsigned i = 0; i < sizeof(a); i++)
				a[i] = b[i] = (uint8_t)(i * 11 + n);
			if (kl == 32)
				IMB_AES_KEYEXP_256(m, key, rk, dk);
			srtp_vcm_xor(kl == 32 ? rk : key, kl, salt, ssrc, index, a, n);
			srtp_cm_iv(iv, salt, ssrc, index);
			tot++;
			if (c != NULL &&
			    EVP_EncryptInit_ex(c, kl == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr(), NULL,
					       key, iv) == 1 &&
			    (n == 0 || EVP_EncryptUpdate(c, b, &l, b, (int)n) == 1))
				same += memcmp(a, b, n) == 0;
			untouched += memcmp(a + n, b + n, sizeof(a) - n) == 0;
			EVP_CIPHER_CTX_free(c);
		}
	CHECK(same == tot, "VAES AES-CM: keystream identical to OpenSSL's AES-CTR for %u of %u "
	      "(payload 0..1500, AES-128 and -256)", same, tot);
	/* four at a time (srtp_vcm_xor_n): groups of 1..9 packets, key sizes
	 * and lengths mixed, against one at a time */
	{
		static uint8_t buf[2][9][400];
		uint8_t keys[9][16 * 15] __attribute__((aligned(16))), salts[9][14];
		struct srtp_cm_lane l[9];
		unsigned agree = 0, groups = 0;

		/* then mostly AES-128 with lengths about the 64-byte groups and
		 * the 256 that two packets go through the rounds together up to */
		static const unsigned lens[] = { 0, 1, 15, 16, 63, 64, 65, 127, 128, 129, 160,
						 191, 192, 193, 255, 256, 257, 320, 399 };

		for (unsigned t = 0; t < 300; t++, groups++) {
			unsigned g = t < 9 ? t + 1 : t % 9 + 1;

			for (unsigned i = 0; i < g; i++) {
				unsigned kl = t < 9 ? ((g + i) % 3 == 0 ? 32 : 16)
						    : ((t * 7 + i) % 11 == 0 ? 32 : 16),
					 len = t < 9 ? (g * 37 + i * 53) % 400
						     : lens[(t * 13 + i * 7) % (sizeof(lens) / sizeof(lens[0]))];

				for (unsigned y = 0; y < 32; y++)
					key[y] = (uint8_t)(t * 5 + i * 3 + y * 7);
				for (unsigned y = 0; y < 14; y++)
					salts[i][y] = (uint8_t)(t + i * 9 + y);
				if (kl == 32)
					IMB_AES_KEYEXP_256(m, key, keys[i], dk);
				else
					memcpy(keys[i], key, 16);
				for (unsigned y = 0; y < 400; y++)
					buf[0][i][y] = buf[1][i][y] = (uint8_t)(y ^ i ^ g);
				l[i] = (struct srtp_cm_lane){ .key = keys[i], .salt = salts[i],
					.p = buf[0][i], .index = (uint64_t)t << 36 | (uint64_t)g << 8 | i, .ssrc = t * 77 + i,
					.n = (uint16_t)len, .key_len = (uint8_t)kl };
				srtp_vcm_xor(keys[i], kl, salts[i], l[i].ssrc, l[i].index, buf[1][i], len);
			}
			srtp_vcm_xor_n(l, g);
			agree += memcmp(buf[0], buf[1], sizeof(buf[0])) == 0;
		}
		CHECK(agree == groups, "VAES AES-CM four at a time (two AES-128 packets of up "
		      "to 256 bytes through the rounds together): as one at a time in %u of %u "
		      "groups of 1..9 packets", agree, groups);
	}
	CHECK(untouched == tot, "VAES AES-CM: nothing past the payload written (%u of %u)",
	      untouched, tot);
	free_mb_mgr(m);
}

static void
vgcm_vs_openssl(void)
{
	static struct srtp_vgcm_key k;
	IMB_MGR *m;
	uint8_t key[32], rk[16 * 15] __attribute__((aligned(16))), dk[16 * 15], iv[12], aad[80];
	uint8_t a[1600], b[1600], c[1600], t1[16], t2[16];
	unsigned same = 0, tot = 0, refused = 0, tampered = 0, kept = 0;

	if (!srtp_vgcm_usable()) {
		printf("no VAES/VPCLMULQDQ here: srtp_vgcm.c not run\n");
		return;
	}
	m = alloc_mb_mgr(0);
	CHECK(m != NULL, "ipsec-mb manager for the key schedule");
	if (m == NULL)
		return;
	init_mb_mgr_auto(m, NULL);
	for (unsigned kl = 16; kl <= 32; kl += 16)
		for (unsigned n = 0; n <= 1500; n += n < 300 ? 1 : 37) {
			unsigned alen = (n * 7 + kl) % 71;

			for (unsigned i = 0; i < sizeof(key); i++)
				key[i] = (uint8_t)(n * 31 + i * 17 + kl);
			for (unsigned i = 0; i < sizeof(iv); i++)
				iv[i] = (uint8_t)(n * 3 + i * 91);
			for (unsigned i = 0; i < sizeof(aad); i++)
				aad[i] = (uint8_t)(n + i * 5);
			for (unsigned i = 0; i < n; i++)
				a[i] = b[i] = (uint8_t)(i * 13 + n);
			if (kl == 32)
				IMB_AES_KEYEXP_256(m, key, rk, dk);
			else
				IMB_AES_KEYEXP_128(m, key, rk, dk);
			srtp_vgcm_init(&k, rk, kl);
			srtp_vgcm_seal(&k, kl, iv, 0, 0, aad, alen, a, n, t1);
			tot++;
			if (!evp_seal(kl, key, iv, aad, alen, b, n, t2))
				continue;
			same += memcmp(a, b, n) == 0 && memcmp(t1, t2, 16) == 0;
			/* one bit wrong in the tag, the ciphertext or the AAD */
			for (unsigned w = 0; w < 3; w++) {
				uint8_t *where = w == 0 ? t1 + n % 16 : w == 1 ? a + n / 2 : aad + alen / 2;

				if ((w == 1 && n == 0) || (w == 2 && alen == 0))
					continue;
				tampered++;
				*where ^= 0x10;
				memcpy(c, a, n);
				refused += srtp_vgcm_open(&k, kl, iv, 0, 0, aad, alen, a, n, t1) == -EBADMSG;
				kept += memcmp(a, c, n) == 0;
				*where ^= 0x10;
			}
			for (unsigned i = 0; i < n; i++)
				b[i] = (uint8_t)(i * 13 + n);
			if (srtp_vgcm_open(&k, kl, iv, 0, 0, aad, alen, a, n, t1) == 0 && memcmp(a, b, n) == 0)
				same++;
		}
	CHECK(same == 2 * tot, "VAES AES-GCM: seal identical to OpenSSL and open back for %u of %u "
	      "(payload 0..1500, AAD 0..70, AES-128 and -256)", same / 2, tot);
	CHECK(refused == tampered && kept == tampered,
	      "VAES AES-GCM: %u of %u tampered packets refused, %u left as they came", refused,
	      tampered, kept);
	free_mb_mgr(m);
}

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

/* Under AddressSanitizer, a context read after srtp_xf_free is reported
 * (the contexts come from the engine's own chunks, which ASan would not
 * see into without the engine's marks): a child process frees one, reads
 * it, and must die with ASan's report. */
/* The HMAC-SHA1 lanes (srtp_sha1ni_hmac: sixteen at a time in AVX-512
 * lanes, four on SHA-NI) against OpenSSL's HMAC one packet at a time:
 * bursts of 1..40 requests (so groups of 16, the rest on SHA-NI, and lone
 * lanes), keys and lengths mixed, lengths about the block edges where the
 * padding takes one block or two (55/56, 119/120) and up to 1,500. Both
 * with the AVX-512 lanes and with SHA-NI alone. */
static void
sha1_lanes_vs_openssl(void)
{
	static const unsigned edges[] = { 0, 1, 20, 55, 56, 63, 64, 65, 119, 120, 127, 128,
					  176, 180, 183, 184, 191, 192, 1500 };
	static uint8_t msg[40][1500];
	uint8_t ipad[40][20], opad[40][20], tag[40][20], want[20], keyb[40][20], pad[64];
	struct sha1_lane r[40];
	IMB_MGR *m;

	if (!srtp_imb_sha_ni(true)) {
		printf("no SHA-NI here: the SHA-1 lanes not run\n");
		return;
	}
	m = alloc_mb_mgr(0);
	if (m == NULL) {
		CHECK(false, "ipsec-mb manager for the SHA-1 lanes");
		return;
	}
	init_mb_mgr_auto(m, NULL);
	for (int pass = 0; pass < 2; pass++) {
		bool x16 = srtp_sha1_x16(pass == 0);
		unsigned agree = 0, tot = 0;

		if (pass == 0 && !x16)
			printf("no AVX-512 here: the sixteen-lane SHA-1 not run\n");
		for (unsigned t = 0; t < 120; t++) {
			unsigned g = t < 40 ? t + 1 : (t * 7) % 40 + 1;

			for (unsigned i = 0; i < g; i++) {
				unsigned len = (t + i) % 3 == 0 ? (t * 131 + i * 17) % 1501
						: edges[(t * 5 + i * 3) % (sizeof(edges) / sizeof(edges[0]))];

				for (unsigned y = 0; y < 20; y++)
					keyb[i][y] = (uint8_t)(t * 3 + i * 11 + y * 5);
				for (unsigned y = 0; y < len; y++)
					msg[i][y] = (uint8_t)(y * 13 + i + t);
				memset(pad, 0x36, 64);
				for (unsigned y = 0; y < 20; y++)
					pad[y] ^= keyb[i][y];
				IMB_SHA1_ONE_BLOCK(m, pad, ipad[i]);
				memset(pad, 0x5c, 64);
				for (unsigned y = 0; y < 20; y++)
					pad[y] ^= keyb[i][y];
				IMB_SHA1_ONE_BLOCK(m, pad, opad[i]);
				r[i] = (struct sha1_lane){ .msg = msg[i], .len = len, .ipad = ipad[i],
							   .opad = opad[i], .out = tag[i] };
			}
			memset(tag, 0, sizeof(tag));
			srtp_sha1ni_hmac(r, g);
			for (unsigned i = 0; i < g; i++, tot++) {
				unsigned wl = 0;

				HMAC(EVP_sha1(), keyb[i], 20, msg[i], r[i].len, want, &wl);
				agree += wl == 20 && memcmp(want, tag[i], 20) == 0;
			}
		}
		CHECK(agree == tot, "HMAC-SHA1 lanes (%s): as OpenSSL's for %u of %u packets in "
		      "bursts of 1..40, lengths 0..1500", x16 ? "AVX-512 and SHA-NI" : "SHA-NI alone",
		      agree, tot);
	}
	srtp_sha1_x16(true);
	free_mb_mgr(m);
}

static void
freed_context_reported(void)
{
#ifdef UNDER_ASAN
	uint8_t key[16] = { 1 }, salt[14] = { 2 };
	char out[8192];
	size_t got = 0;
	ssize_t r;
	int fd[2], status = 0;
	pid_t pid;

	CHECK(pipe(fd) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		struct srtp_xf *x;

		dup2(fd[1], 2);
		close(fd[0]);
		if (srtp_xf_create(&x, SRTP_ENGINE_IPSECMB, SRTP_AES_CM_128_HMAC_SHA1_80, key, salt) != 0)
			_exit(3);
		srtp_xf_free(x);
		/* the freed context, read: ASan ends the process here */
		_exit(*(volatile const uint8_t *)x == 0xff ? 4 : 5);
	}
	close(fd[1]);
	while (got < sizeof(out) - 1 && (r = read(fd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)r;
	out[got] = 0;
	close(fd[0]);
	waitpid(pid, &status, 0);
	CHECK(!(WIFEXITED(status) && (WEXITSTATUS(status) == 4 || WEXITSTATUS(status) == 5)) &&
		      strstr(out, "use-after-poison") != NULL,
	      "ASan reports a context read after srtp_xf_free (child status %d)", status);
#else
	printf("not an AddressSanitizer build: the freed-context check not run\n");
#endif
}

int
main(void)
{
	bool lanes;

	CHECK(srtp_init() == srtp_err_status_ok, "libsrtp init");
	/* dataplane.srtp.prefer names suites by their index here */
	for (unsigned s = 0; s <= SRTP_SUITE_COUNT; s++)
		CHECK(s < SRTP_SUITE_COUNT ? cfg_srtp_suite_names[s] != NULL &&
				strcmp(cfg_srtp_suite_names[s], srtp_suite_name((enum srtp_suite)s)) == 0
					   : cfg_srtp_suite_names[s] == NULL && s == CFG_SRTP_SUITES,
		      "config suite name %u is the transform's", s);
	printf("ipsec-mb runs on %s here\n", srtp_xf_imb_arch());
	for (unsigned e = 0; e < SRTP_ENGINE_COUNT; e++)
		known_answers((enum srtp_engine)e);
	for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++) {
		differential(SRTP_ENGINE_IPSECMB, 32, (enum srtp_suite)s);
		differential(SRTP_ENGINE_IPSECMB, 1, (enum srtp_suite)s);
		differential(SRTP_ENGINE_OPENSSL, 1, (enum srtp_suite)s);
		differential(SRTP_ENGINE_LIBSRTP, 1, (enum srtp_suite)s);
	}
	for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++) {
		state_parts(SRTP_ENGINE_IPSECMB, (enum srtp_suite)s);
		state_parts(SRTP_ENGINE_OPENSSL, (enum srtp_suite)s);
	}
	context_reuse(SRTP_ENGINE_IPSECMB, SRTP_AES_CM_128_HMAC_SHA1_80);
	context_reuse(SRTP_ENGINE_IPSECMB, SRTP_AEAD_AES_128_GCM);
	context_reuse(SRTP_ENGINE_OPENSSL, SRTP_AES_CM_128_HMAC_SHA1_80);
	context_reuse(SRTP_ENGINE_LIBSRTP, SRTP_AES_CM_128_HMAC_SHA1_80);
	nss_shared();
	freed_context_reported();
	vgcm_vs_openssl();
	vcm_vs_openssl();
	sha1_lanes_vs_openssl();
	/* where the GCM suites run on srtp_vgcm.c, ipsec-mb's own GCM (what
	 * a CPU without VAES gets) is checked too */
	if (srtp_imb_vgcm(false)) {
		CHECK(false, "ipsec-mb: the VAES GCM can be turned off");
	} else if (srtp_vgcm_usable()) {
		imb_label = " (its GCM)";
		printf("ipsec-mb runs on %s here\n", srtp_xf_imb_arch());
		known_answers(SRTP_ENGINE_IPSECMB);
		for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++) {
			if (!srtp_suites[s].gcm)
				continue;
			differential(SRTP_ENGINE_IPSECMB, 32, (enum srtp_suite)s);
			differential(SRTP_ENGINE_IPSECMB, 1, (enum srtp_suite)s);
		}
		context_reuse(SRTP_ENGINE_IPSECMB, SRTP_AEAD_AES_128_GCM);
	}
	srtp_imb_vgcm(true);
	imb_label = "";
	/* where the AES-CM suites' keystream runs on srtp_vcm_xor, ipsec-mb's
	 * own AES-CM jobs (what a CPU without VAES gets) are checked too */
	if (srtp_imb_vcm(false)) {
		CHECK(false, "ipsec-mb: the VAES AES-CM can be turned off");
	} else if (srtp_vgcm_usable()) {
		imb_label = " (its AES-CM)";
		printf("ipsec-mb runs on %s here\n", srtp_xf_imb_arch());
		known_answers(SRTP_ENGINE_IPSECMB);
		for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++) {
			if (srtp_suites[s].gcm)
				continue;
			differential(SRTP_ENGINE_IPSECMB, 32, (enum srtp_suite)s);
			differential(SRTP_ENGINE_IPSECMB, 1, (enum srtp_suite)s);
		}
		context_reuse(SRTP_ENGINE_IPSECMB, SRTP_AES_CM_128_HMAC_SHA1_80);
	}
	srtp_imb_vcm(true);
	imb_label = "";
	/* where bursts' HMACs run sixteen at a time in AVX-512 lanes, the
	 * SHA-NI lanes alone (what a CPU without AVX-512 gets) are checked
	 * in bursts too */
	if (srtp_sha1_x16(false)) {
		CHECK(false, "ipsec-mb: the AVX-512 SHA-1 lanes can be turned off");
	} else if (srtp_imb_sha_ni(true)) {
		imb_label = " (SHA-NI alone)";
		for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++)
			if (!srtp_suites[s].gcm)
				differential(SRTP_ENGINE_IPSECMB, 32, (enum srtp_suite)s);
	}
	srtp_sha1_x16(true);
	imb_label = "";
	/* where the AES-CM suites' HMAC runs on the SHA-NI lanes, ipsec-mb's
	 * own SHA-1 (what a CPU without SHA-NI gets) is checked too */
	lanes = srtp_imb_sha_ni(false);
	CHECK(!lanes, "ipsec-mb: the SHA-NI lanes can be turned off");
	if (srtp_imb_sha_ni(true)) {
		srtp_imb_sha_ni(false);
		imb_label = " (its SHA-1)";
		printf("ipsec-mb runs on %s here\n", srtp_xf_imb_arch());
		known_answers(SRTP_ENGINE_IPSECMB);
		for (unsigned s = 0; s < SRTP_SUITE_COUNT; s++) {
			if (srtp_suites[s].gcm)
				continue;
			differential(SRTP_ENGINE_IPSECMB, 32, (enum srtp_suite)s);
			differential(SRTP_ENGINE_IPSECMB, 1, (enum srtp_suite)s);
		}
		srtp_imb_sha_ni(true);
	}
	return CHECK_DONE();
}
