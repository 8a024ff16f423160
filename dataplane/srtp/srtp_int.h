/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the SRTP transform: the suite table, the context of each engine,
 * and the packet-index, replay and IV arithmetic every engine shares
 * (RFC 3711 3.3.1, Appendix A; RFC 7714 8.1, 9.1).
 */
#ifndef DP_SRTP_INT_H
#define DP_SRTP_INT_H

#include <errno.h>
#include <string.h>

#include "srtp_xf.h"

struct suite_info {
	const char *name;
	unsigned key, salt, tag, rtcp_tag;
	bool gcm;
};

extern const struct suite_info srtp_suites[SRTP_SUITE_COUNT];

/* Session keys of one kind of traffic (RTP or RTCP), per engine. */
struct evp_dir {
	uint8_t salt[14];
	void *enc, *dec;          /* EVP_CIPHER_CTX: CTR enc only; GCM both */
	void *hi, *ho, *tmp;      /* EVP_MD_CTX: HMAC-SHA1 inner/outer start states */
};

/* intel-ipsec-mb: the AES key and the HMAC-SHA1 start states, or the GCM
 * key data (in the same allocation, after the context: see
 * SRTP_XF_GCM_KEYS). */
struct imb_dir {
	/* Per packet an AES-128 suite reads the salt, the HMAC pads and the
	 * key: in this order they fill the context's first two cache lines
	 * with the key as it is (vcm), four with its 176-byte schedule
	 * (srtp_xf_cm_lines; the worker prefetches them with the stream). */
	uint8_t salt[14];
	bool vgcm;                /* GCM on srtp_vgcm.c: gcm is a struct srtp_vgcm_key */
	bool vcm;                 /* AES-CM on srtp_vgcm.c: ek is an AES-128 key
				   * itself (then the packet reads two lines),
				   * or AES-256 round keys */
	void *gcm;                /* struct gcm_key_data * */
	uint8_t ipad[20];
	uint8_t opad[20];
	uint8_t ek[16 * 15] __attribute__((aligned(16)));
};

struct srtp_xf {
	enum srtp_suite suite;
	enum srtp_engine engine;
	const struct suite_info *si;
	union {
		struct { struct evp_dir rtp, rtcp; } evp;
		struct { struct imb_dir rtp, rtcp; } imb;
		struct { void *in, *out; } lib;     /* srtp_t: unprotect, protect */
	};
};

/* Engine set-up from session keys (ek/salt/ak per kind), and release. */
int srtp_evp_setup(struct evp_dir *d, const struct suite_info *si, const uint8_t *ek,
		   const uint8_t *salt, const uint8_t *ak);
void srtp_evp_free(struct evp_dir *d);
/* @gcm: where an AES-GCM suite's key data goes (srtp_imb_gcm_size bytes,
 * 64-byte aligned, inside the context: SRTP_XF_GCM_KEYS) */
int srtp_imb_setup(struct imb_dir *d, const struct suite_info *si, const uint8_t *ek,
		   const uint8_t *salt, const uint8_t *ak, void *gcm);
size_t srtp_imb_gcm_size(void);
void srtp_imb_free(struct imb_dir *d);
int srtp_lib_create(struct srtp_xf *x, const uint8_t *master_key, const uint8_t *master_salt);
/* NSS set up for libsrtp with room for many contexts (srtp_lib.c); done
 * by the engine itself, and by a program that calls libsrtp directly
 * before its first srtp_create. */
void srtp_lib_nss(void);
/* the NSS contexts libsrtp's ciphers hold now: srtp_lib.c answers
 * libsrtp's NSS_InitContext / NSS_ShutdownContext with one shared
 * context and this count */
unsigned long srtp_lib_nss_refs(void);
void srtp_lib_free(struct srtp_xf *x);

/* Per packet, per engine (the semantics of srtp_xf.h). */
int srtp_evp_protect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		     unsigned cap);
int srtp_evp_unprotect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len);
int srtp_evp_protect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt,
			  unsigned len, unsigned cap);
int srtp_evp_unprotect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt,
			    unsigned len);
int srtp_lib_op(struct srtp_xf *x, struct srtp_op *op);
/* A libsrtp policy (srtp_policy_t *) for @s: inbound (any SSRC) or
 * outbound (@ssrc, or any if 0); @keysalt is master key || salt. */
int srtp_lib_policy(void *policy, enum srtp_suite s, uint8_t *keysalt, uint32_t ssrc,
		    bool inbound);
/* The ipsec-mb engine's ops of a burst (all with x->engine == IPSECMB). */
void srtp_imb_burst(struct srtp_op **ops, unsigned n);
/* Whether the ipsec-mb engine does the AES-CM suites' HMAC-SHA1 on the
 * SHA-NI lanes (srtp_sha1ni.c): true where the CPU has SHA-NI; @on false
 * keeps it on ipsec-mb's own code (the tests run both). Returns the
 * setting now in force. */
bool srtp_imb_sha_ni(bool on);

/* Whether the ipsec-mb engine's GCM suites run on srtp_vgcm.c (VAES,
 * VPCLMULQDQ): true where the CPU has them; @on false keeps contexts made
 * from now on with ipsec-mb's own GCM (the tests run both). Returns the
 * setting now in force. */
bool srtp_imb_vgcm(bool on);

/*
 * AES-GCM on VAES and VPCLMULQDQ for packets (srtp_vgcm.c): init takes
 * the AES round keys (@rk: 11 or 15 of them as AES-NI takes them); an
 * AES-128 context keeps the key and H (one cache line), an AES-256 one
 * the round keys then the GHASH key powers H^1..H^16. Only where
 * srtp_vgcm_usable().
 * seal: @n bytes at @p encrypted in place, the 16-byte tag to @tag.
 * open: the tag checked first; 0 and @p decrypted, or -EBADMSG and @p
 * left as it came. ctr: the keystream alone (what seal does to @p).
 */
struct srtp_vgcm_key {
	uint8_t d[16 * 15 + 16 * 16] __attribute__((aligned(64)));
};
bool srtp_vgcm_usable(void);
void srtp_vgcm_init(struct srtp_vgcm_key *k, const uint8_t *rk, unsigned key_len);
/* The IV is RFC 7714's (8.1, 9.1) from the 12-byte @salt, @ssrc and
 * @index (48 bits; an SRTCP index for RTCP); @salt alone gives the IV
 * @salt. */
void srtp_vgcm_seal(const struct srtp_vgcm_key *k, unsigned key_len, const uint8_t *salt,
		    uint32_t ssrc, uint64_t index, const uint8_t *aad, unsigned aad_len,
		    uint8_t *p, unsigned n, uint8_t tag[16]);
int srtp_vgcm_open(const struct srtp_vgcm_key *k, unsigned key_len, const uint8_t *salt,
		   uint32_t ssrc, uint64_t index, const uint8_t *aad, unsigned aad_len,
		   uint8_t *p, unsigned n, const uint8_t tag[16]);
void srtp_vgcm_ctr(const struct srtp_vgcm_key *k, unsigned key_len, const uint8_t *salt,
		   uint32_t ssrc, uint64_t index, uint8_t *p, unsigned n);

/* Whether the ipsec-mb engine's AES-CM suites run their keystream on
 * srtp_vcm_xor (VAES, inline per op, the AES-128 key kept unexpanded):
 * true where srtp_vgcm_usable(); @on false keeps contexts made from now
 * on with ipsec-mb's own AES-CM jobs (the tests run both). Returns the
 * setting now in force. */
bool srtp_imb_vcm(bool on);

/* AES-CM (RFC 3711 4.1.1) on VAES (srtp_vgcm.c): @n bytes at @p XORed
 * with the keystream of the counter block made from the 14-byte @salt,
 * @ssrc and @index (48 bits; SRTCP's 31-bit index for RTCP). @key: the
 * AES-128 key itself (@key_len 16), or the 15 AES-256 round keys as
 * AES-NI takes them (32). Only where srtp_vgcm_usable(). */
void srtp_vcm_xor(const uint8_t *key, unsigned key_len, const uint8_t *salt, uint32_t ssrc,
		  uint64_t index, uint8_t *p, unsigned n);
/* The same for @n packets, four at a time: their AES-128 key schedules
 * are made side by side (one alone is a chain of ten dependent steps the
 * core waits on), then their keystreams. */
struct srtp_cm_lane {
	const uint8_t *key, *salt;   /* as srtp_vcm_xor's */
	uint8_t *p;
	uint64_t index;
	uint32_t ssrc;
	uint16_t n;
	uint8_t key_len;
};
void srtp_vcm_xor_n(const struct srtp_cm_lane *l, unsigned n);

/* HMAC-SHA1 of @len bytes at @msg from the start states @ipad/@opad (five
 * host-order words each, as IMB_SHA1_ONE_BLOCK leaves them), the whole
 * 20-byte tag to @out; @n requests: sixteen at a time in AVX-512 lanes
 * where the CPU has them (from eight requests on), the rest four at a time
 * on the SHA extensions. Only on a CPU with the SHA extensions. */
struct sha1_lane {
	const uint8_t *msg;
	unsigned len;
	const uint8_t *ipad, *opad;
	uint8_t *out;
};
void srtp_sha1ni_hmac(const struct sha1_lane *r, unsigned n);
/* Whether srtp_sha1ni_hmac uses the AVX-512 lanes: true where the CPU has
 * AVX-512F, BW and VL; @on false keeps every request on the SHA-NI lanes (the
 * tests run both). Returns the setting now in force. */
bool srtp_sha1_x16(bool on);
/* the same setting, left as it is */
bool srtp_sha1_x16_used(void);

/* ---- shared arithmetic ---- */

static inline uint32_t
srtp_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
srtp_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RTP header length (CSRCs, extension), or 0 if malformed. */
static inline unsigned
srtp_rtp_hdr_len(const uint8_t *p, unsigned len)
{
	unsigned hl;

	if (len < 12 || (p[0] >> 6) != 2)
		return 0;
	hl = 12 + 4u * (p[0] & 0x0f);
	if (p[0] & 0x10) {
		if (len < hl + 4)
			return 0;
		hl += 4 + 4u * ((unsigned)p[hl + 2] << 8 | p[hl + 3]);
	}
	return hl <= len ? hl : 0;
}

/* Constant-time comparison of tags. */
static inline bool
srtp_tag_eq(const uint8_t *a, const uint8_t *b, unsigned n)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

/* A 64-bit word to or from network order. */
static inline uint64_t
srtp_be64(uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(v);
#else
	return v;
#endif
}

/* AES-CM IV (RFC 3711 4.1.1): salt || 0x0000, XOR SSRC at 4..7, index at 8..13. */
static inline void
srtp_cm_iv(uint8_t iv[16], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
	/* two 64-bit words built in registers and stored once (byte
	 * stores then a wider load of them stall store forwarding) */
	uint64_t a, b;

	memcpy(&a, salt, 8);
	memcpy(&b, salt + 6, 8);
	a = srtp_be64(a) ^ (uint64_t)ssrc;                /* bytes 4..7 */
	b = (srtp_be64(b) << 16) ^ ((index & 0xffffffffffffull) << 16); /* 8..13, 00 00 */
	a = srtp_be64(a);
	b = srtp_be64(b);
	memcpy(iv, &a, 8);
	memcpy(iv + 8, &b, 8);
}

/* AES-GCM IV (RFC 7714 8.1 / 9.1): 00 00 || SSRC || (ROC || SEQ | 00 00 || index) XOR salt. */
static inline void
srtp_gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
	iv[0] = iv[1] = 0;
	srtp_wr32(iv + 2, ssrc);
	for (int i = 0; i < 6; i++)
		iv[11 - i] = (uint8_t)(index >> (8 * i));
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
}

/*
 * The packet index of sequence number @seq against the highest seen
 * (RFC 3711 3.3.1 / Appendix A), and its distance from that highest.
 */
static inline uint64_t
srtp_estimate(const struct srtp_xf_state *st, uint16_t seq, int32_t *delta)
{
	uint32_t roc = st->roc;

	if (!st->init) {
		*delta = 1;
		return seq;
	}
	if (st->s_l < 0x8000) {
		if ((int32_t)seq - st->s_l > 0x8000) {
			*delta = (int32_t)seq - st->s_l - 0x10000;
			return ((uint64_t)(uint32_t)(roc - 1) << 16) | seq;
		}
	} else if ((int32_t)st->s_l - 0x8000 > (int32_t)seq) {
		*delta = (int32_t)seq - st->s_l + 0x10000;
		return ((uint64_t)(uint32_t)(roc + 1) << 16) | seq;
	}
	*delta = (int32_t)seq - st->s_l;
	return ((uint64_t)roc << 16) | seq;
}

/* 0 if @delta is new, -EALREADY if seen, -ESTALE if before the window. */
static inline int
srtp_replay_check(const uint64_t win[2], int32_t delta)
{
	if (delta > 0)
		return 0;
	if (-delta >= SRTP_REPLAY_WINDOW)
		return -ESTALE;
	return (win[(-delta) / 64] >> ((-delta) % 64)) & 1 ? -EALREADY : 0;
}

static inline void
srtp_window_add(uint64_t win[2], int32_t delta)
{
	if (delta > 0) {
		/* shift by delta: bit i means (highest - i) */
		if (delta >= 128) {
			win[0] = win[1] = 0;
		} else if (delta >= 64) {
			win[1] = win[0] << (delta - 64);
			win[0] = 0;
		} else {
			win[1] = (win[1] << delta) | (win[0] >> (64 - delta));
			win[0] <<= delta;
		}
		win[0] |= 1;
	} else {
		win[(-delta) / 64] |= 1ull << ((-delta) % 64);
	}
}

static inline void
srtp_state_update(struct srtp_xf_state *st, uint64_t index, int32_t delta)
{
	srtp_window_add(st->win, st->init ? delta : 1);
	if (!st->init || delta > 0) {
		st->roc = (uint32_t)(index >> 16);
		st->s_l = (uint16_t)index;
	}
	st->init = true;
}

/* An authenticated packet's index entered into the state as it is now
 * (earlier packets of a burst may have moved it): 0, or -EALREADY /
 * -ESTALE if it has become a replay. */
static inline int
srtp_state_commit(struct srtp_xf_state *st, uint64_t index)
{
	int64_t d;
	int rc;

	if (st->init) {
		d = (int64_t)index - (int64_t)(((uint64_t)st->roc << 16) | st->s_l);
		if (d > 0x7fffffff)
			d = 0x7fffffff;
		if (d < -0x7fffffff)
			d = -0x7fffffff;
		if ((rc = srtp_replay_check(st->win, (int32_t)d)) < 0)
			return rc;
		srtp_state_update(st, index, (int32_t)d);
	} else {
		srtp_state_update(st, index, 1);
	}
	return 0;
}

static inline int
srtp_rtcp_commit(struct srtp_xf_state *st, uint32_t idx)
{
	int32_t delta = st->rtcp_init ? (int32_t)(idx - st->rtcp_idx) : 1;
	int rc;

	if (st->rtcp_init && (rc = srtp_replay_check(st->rtcp_win, delta)) < 0)
		return rc;
	srtp_window_add(st->rtcp_win, delta);
	if (!st->rtcp_init || delta > 0)
		st->rtcp_idx = idx;
	st->rtcp_init = true;
	return 0;
}

#endif
