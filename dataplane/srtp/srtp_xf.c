/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP transform (see srtp_xf.h) on OpenSSL's EVP (AES-NI where the
 * CPU has it). Set-up (keys, contexts) on the main lcore; the per-packet
 * functions touch only the context and the caller's state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "srtp_xf.h"

struct suite_info {
	const char *name;
	unsigned key, salt, tag, rtcp_tag;
	bool gcm;
};

static const struct suite_info suites[SRTP_SUITE_COUNT] = {
	[SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, false },
	[SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, false },
	[SRTP_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, false },
	[SRTP_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, false },
	[SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12, 16, 16, true },
	[SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12, 16, 16, true },
};

/* Keys of one kind of traffic (RTP or RTCP). */
struct xf_dir {
	uint8_t salt[14];
	EVP_CIPHER_CTX *enc, *dec;    /* CTR: enc only; GCM: both */
	EVP_MD_CTX *hi, *ho, *tmp;    /* HMAC-SHA1 inner/outer start states */
};

struct srtp_xf {
	enum srtp_suite suite;
	const struct suite_info *si;
	struct xf_dir rtp, rtcp;
};

const char *
srtp_suite_name(enum srtp_suite s)
{
	return (unsigned)s < SRTP_SUITE_COUNT ? suites[s].name : "?";
}

int
srtp_suite_by_name(const char *name, size_t len)
{
	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++)
		if (strlen(suites[i].name) == len && memcmp(suites[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

unsigned
srtp_suite_key_len(enum srtp_suite s)
{
	return suites[s].key;
}

unsigned
srtp_suite_salt_len(enum srtp_suite s)
{
	return suites[s].salt;
}

static const EVP_CIPHER *
ctr_cipher(unsigned key_len)
{
	return key_len == 32 ? EVP_aes_256_ctr() : EVP_aes_128_ctr();
}

int
srtp_xf_kdf(unsigned key_len, const uint8_t *master_key, const uint8_t *master_salt,
	    unsigned salt_len, uint8_t label, uint8_t *out, unsigned out_len)
{
	/* x = (master salt, zero-padded to 112 bits) XOR (label << 48);
	 * the PRF is AES-CM keystream from IV x || 0x0000 */
	uint8_t iv[16] = { 0 }, zero[64] = { 0 };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, rc = 0;

	if (c == NULL || out_len > sizeof(zero) || salt_len > 14)
		rc = -EINVAL;
	if (rc == 0) {
		memcpy(iv, master_salt, salt_len);
		iv[7] ^= label;
		if (EVP_EncryptInit_ex(c, ctr_cipher(key_len), NULL, master_key, iv) != 1 ||
		    EVP_EncryptUpdate(c, out, &n, zero, (int)out_len) != 1)
			rc = -EIO;
	}
	EVP_CIPHER_CTX_free(c);
	return rc;
}

static void
dir_free(struct xf_dir *d)
{
	EVP_CIPHER_CTX_free(d->enc);
	EVP_CIPHER_CTX_free(d->dec);
	EVP_MD_CTX_free(d->hi);
	EVP_MD_CTX_free(d->ho);
	EVP_MD_CTX_free(d->tmp);
	memset(d, 0, sizeof(*d));
}

static int
dir_setup(struct xf_dir *d, const struct suite_info *si, const uint8_t *ek, const uint8_t *salt,
	  const uint8_t *ak)
{
	uint8_t pad[64];

	memset(d->salt, 0, sizeof(d->salt));
	memcpy(d->salt, salt, si->salt);
	d->enc = EVP_CIPHER_CTX_new();
	if (d->enc == NULL)
		return -ENOMEM;
	if (si->gcm) {
		const EVP_CIPHER *g = si->key == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm();

		d->dec = EVP_CIPHER_CTX_new();
		if (d->dec == NULL || EVP_EncryptInit_ex(d->enc, g, NULL, ek, NULL) != 1 ||
		    EVP_DecryptInit_ex(d->dec, g, NULL, ek, NULL) != 1)
			return -EIO;
		return 0;
	}
	if (EVP_EncryptInit_ex(d->enc, ctr_cipher(si->key), NULL, ek, NULL) != 1)
		return -EIO;
	/* HMAC-SHA1: the states after the padded key, copied per packet */
	d->hi = EVP_MD_CTX_new();
	d->ho = EVP_MD_CTX_new();
	d->tmp = EVP_MD_CTX_new();
	if (d->hi == NULL || d->ho == NULL || d->tmp == NULL)
		return -ENOMEM;
	memset(pad, 0x36, sizeof(pad));
	for (unsigned i = 0; i < 20; i++)
		pad[i] ^= ak[i];
	if (EVP_DigestInit_ex(d->hi, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(d->hi, pad, sizeof(pad)) != 1)
		return -EIO;
	memset(pad, 0x5c, sizeof(pad));
	for (unsigned i = 0; i < 20; i++)
		pad[i] ^= ak[i];
	if (EVP_DigestInit_ex(d->ho, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(d->ho, pad, sizeof(pad)) != 1)
		return -EIO;
	return 0;
}

/* Session keys of one kind (labels base, base+1, base+2), then set up. */
static int
dir_init(struct xf_dir *d, const struct suite_info *si, const uint8_t *mk, const uint8_t *ms,
	 uint8_t label_base)
{
	uint8_t ek[32], ak[20], salt[14];
	int rc;

	if ((rc = srtp_xf_kdf(si->key, mk, ms, si->salt, label_base, ek, si->key)) < 0 ||
	    (rc = srtp_xf_kdf(si->key, mk, ms, si->salt, (uint8_t)(label_base + 1), ak,
			      sizeof(ak))) < 0 ||
	    (rc = srtp_xf_kdf(si->key, mk, ms, si->salt, (uint8_t)(label_base + 2), salt,
			      si->salt)) < 0)
		return rc;
	return dir_setup(d, si, ek, salt, ak);
}

/*
 * One context: session keys from the master key (@key/@salt are master
 * material) or given directly (@session, the known-answer tests).
 */
static int
xf_make(struct srtp_xf **out, enum srtp_suite suite, const uint8_t *key, const uint8_t *salt,
	const uint8_t *auth_key, bool session)
{
	static const uint8_t no_auth[20];
	struct srtp_xf *x;
	int rc;

	if ((unsigned)suite >= SRTP_SUITE_COUNT)
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return -ENOMEM;
	x->suite = suite;
	x->si = &suites[suite];
	if (session) {
		rc = dir_setup(&x->rtp, x->si, key, salt, auth_key ? auth_key : no_auth);
		if (rc == 0)
			rc = dir_setup(&x->rtcp, x->si, key, salt, auth_key ? auth_key : no_auth);
	} else {
		rc = dir_init(&x->rtp, x->si, key, salt, 0);
		if (rc == 0)
			rc = dir_init(&x->rtcp, x->si, key, salt, 3);
	}
	if (rc < 0) {
		srtp_xf_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int
srtp_xf_create_session(struct srtp_xf **out, enum srtp_suite suite, const uint8_t *key,
		       const uint8_t *salt, const uint8_t *auth_key)
{
	return xf_make(out, suite, key, salt, auth_key, true);
}

int
srtp_xf_keystream(unsigned key_len, const uint8_t *key, const uint8_t iv[16], uint8_t *out,
		  unsigned n)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl, rc = 0;

	memset(out, 0, n);
	if (c == NULL || EVP_EncryptInit_ex(c, ctr_cipher(key_len), NULL, key, iv) != 1 ||
	    EVP_EncryptUpdate(c, out, &outl, out, (int)n) != 1)
		rc = -EIO;
	EVP_CIPHER_CTX_free(c);
	return rc;
}

int
srtp_xf_create(struct srtp_xf **out, enum srtp_suite suite, const uint8_t *master_key,
	       const uint8_t *master_salt)
{
	return xf_make(out, suite, master_key, master_salt, NULL, false);
}

void
srtp_xf_free(struct srtp_xf *x)
{
	if (x == NULL)
		return;
	dir_free(&x->rtp);
	dir_free(&x->rtcp);
	free(x);
}

/* ---- per packet ---- */

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* RTP header length (CSRCs, extension), or 0 if malformed. */
static unsigned
rtp_hdr_len(const uint8_t *p, unsigned len)
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

static int
hmac_tag(struct xf_dir *d, const uint8_t *a, unsigned alen, const uint8_t *b, unsigned blen,
	 uint8_t *tag, unsigned tag_len)
{
	uint8_t ih[20], oh[20];
	unsigned n;

	if (EVP_MD_CTX_copy_ex(d->tmp, d->hi) != 1 || EVP_DigestUpdate(d->tmp, a, alen) != 1 ||
	    EVP_DigestUpdate(d->tmp, b, blen) != 1 || EVP_DigestFinal_ex(d->tmp, ih, &n) != 1 ||
	    EVP_MD_CTX_copy_ex(d->tmp, d->ho) != 1 || EVP_DigestUpdate(d->tmp, ih, 20) != 1 ||
	    EVP_DigestFinal_ex(d->tmp, oh, &n) != 1)
		return -EIO;
	memcpy(tag, oh, tag_len);
	return 0;
}

/* Constant-time comparison of tags. */
static bool
tag_eq(const uint8_t *a, const uint8_t *b, unsigned n)
{
	uint8_t d = 0;

	for (unsigned i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static int
ctr_xor(struct xf_dir *d, const uint8_t iv[16], uint8_t *p, unsigned n)
{
	int outl;

	if (n == 0)
		return 0;
	if (EVP_EncryptInit_ex(d->enc, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(d->enc, p, &outl, p, (int)n) != 1)
		return -EIO;
	return 0;
}

/* AES-CM IV (RFC 3711 4.1.1): salt || 0x0000, XOR SSRC at 4..7, index at 8..13. */
static void
cm_iv(uint8_t iv[16], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
	memcpy(iv, salt, 14);
	iv[14] = iv[15] = 0;
	iv[4] ^= (uint8_t)(ssrc >> 24);
	iv[5] ^= (uint8_t)(ssrc >> 16);
	iv[6] ^= (uint8_t)(ssrc >> 8);
	iv[7] ^= (uint8_t)ssrc;
	for (int i = 0; i < 6; i++)
		iv[13 - i] ^= (uint8_t)(index >> (8 * i));
}

/* AES-GCM IV (RFC 7714 8.1 / 9.1): 00 00 || SSRC || (ROC || SEQ | 00 00 || index) XOR salt. */
static void
gcm_iv(uint8_t iv[12], const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
	iv[0] = iv[1] = 0;
	wr32(iv + 2, ssrc);
	for (int i = 0; i < 6; i++)
		iv[11 - i] = (uint8_t)(index >> (8 * i));
	for (int i = 0; i < 12; i++)
		iv[i] ^= salt[i];
}

static int
gcm_seal(struct xf_dir *d, const uint8_t iv[12], const uint8_t *aad, unsigned aad_len,
	 const uint8_t *aad2, unsigned aad2_len, uint8_t *p, unsigned n, uint8_t tag[16])
{
	int outl;

	if (EVP_EncryptInit_ex(d->enc, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(d->enc, NULL, &outl, aad, (int)aad_len) != 1 ||
	    (aad2_len && EVP_EncryptUpdate(d->enc, NULL, &outl, aad2, (int)aad2_len) != 1) ||
	    (n && EVP_EncryptUpdate(d->enc, p, &outl, p, (int)n) != 1) ||
	    EVP_EncryptFinal_ex(d->enc, p + n, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(d->enc, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		return -EIO;
	return 0;
}

/* Decrypts in place if the tag verifies; -EBADMSG otherwise. The caller
 * keeps a copy: a failed open leaves @p changed. */
static int
gcm_open(struct xf_dir *d, const uint8_t iv[12], const uint8_t *aad, unsigned aad_len,
	 const uint8_t *aad2, unsigned aad2_len, uint8_t *p, unsigned n, const uint8_t tag[16])
{
	uint8_t t[16];
	int outl;

	memcpy(t, tag, 16);
	if (EVP_DecryptInit_ex(d->dec, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(d->dec, NULL, &outl, aad, (int)aad_len) != 1 ||
	    (aad2_len && EVP_DecryptUpdate(d->dec, NULL, &outl, aad2, (int)aad2_len) != 1) ||
	    (n && EVP_DecryptUpdate(d->dec, p, &outl, p, (int)n) != 1) ||
	    EVP_CIPHER_CTX_ctrl(d->dec, EVP_CTRL_GCM_SET_TAG, 16, t) != 1)
		return -EIO;
	return EVP_DecryptFinal_ex(d->dec, p + n, &outl) == 1 ? 0 : -EBADMSG;
}

/*
 * The packet index of sequence number @seq against the highest seen
 * (RFC 3711 3.3.1 / Appendix A), and its distance from that highest.
 */
static uint64_t
estimate(const struct srtp_xf_state *st, uint16_t seq, int32_t *delta)
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
static int
replay_check(const uint64_t win[2], int32_t delta)
{
	if (delta > 0)
		return 0;
	if (-delta >= SRTP_REPLAY_WINDOW)
		return -ESTALE;
	return (win[(-delta) / 64] >> ((-delta) % 64)) & 1 ? -EALREADY : 0;
}

static void
window_add(uint64_t win[2], int32_t delta)
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

static void
state_update(struct srtp_xf_state *st, uint64_t index, int32_t delta)
{
	window_add(st->win, st->init ? delta : 1);
	if (!st->init || delta > 0) {
		st->roc = (uint32_t)(index >> 16);
		st->s_l = (uint16_t)index;
	}
	st->init = true;
}

int
srtp_xf_protect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		unsigned cap)
{
	const struct suite_info *si = x->si;
	unsigned hl = rtp_hdr_len(pkt, len);
	uint16_t seq;
	uint32_t ssrc;
	uint64_t index;
	int32_t delta;
	int rc;

	if (hl == 0)
		return -EINVAL;
	if (len + si->tag > cap)
		return -ENOSPC;
	seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	ssrc = rd32(pkt + 8);
	index = estimate(st, seq, &delta);
	if (si->gcm) {
		uint8_t iv[12];

		gcm_iv(iv, x->rtp.salt, ssrc, index);
		rc = gcm_seal(&x->rtp, iv, pkt, hl, NULL, 0, pkt + hl, len - hl, pkt + len);
	} else {
		uint8_t iv[16], roc[4];

		cm_iv(iv, x->rtp.salt, ssrc, index);
		rc = ctr_xor(&x->rtp, iv, pkt + hl, len - hl);
		wr32(roc, (uint32_t)(index >> 16));
		if (rc == 0)
			rc = hmac_tag(&x->rtp, pkt, len, roc, 4, pkt + len, si->tag);
	}
	if (rc < 0)
		return rc;
	if (!st->init || delta > 0)
		state_update(st, index, delta);
	return (int)(len + si->tag);
}

int
srtp_xf_unprotect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len)
{
	const struct suite_info *si = x->si;
	unsigned hl, n;
	uint16_t seq;
	uint32_t ssrc;
	uint64_t index;
	int32_t delta;
	int rc;

	if (len < 12 + si->tag)
		return -EINVAL;
	hl = rtp_hdr_len(pkt, len - si->tag);
	if (hl == 0)
		return -EINVAL;
	n = len - si->tag - hl;
	seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	ssrc = rd32(pkt + 8);
	index = estimate(st, seq, &delta);
	if (st->init && (rc = replay_check(st->win, delta)) < 0)
		return rc;
	if (si->gcm) {
		uint8_t iv[12], save[1500];

		if (n > sizeof(save))
			return -EINVAL;
		memcpy(save, pkt + hl, n);
		gcm_iv(iv, x->rtp.salt, ssrc, index);
		rc = gcm_open(&x->rtp, iv, pkt, hl, NULL, 0, pkt + hl, n, pkt + hl + n);
		if (rc < 0) {
			memcpy(pkt + hl, save, n);
			return rc == -EIO ? rc : -EBADMSG;
		}
	} else {
		uint8_t iv[16], roc[4], tag[10];

		wr32(roc, (uint32_t)(index >> 16));
		if ((rc = hmac_tag(&x->rtp, pkt, len - si->tag, roc, 4, tag, si->tag)) < 0)
			return rc;
		if (!tag_eq(tag, pkt + len - si->tag, si->tag))
			return -EBADMSG;
		cm_iv(iv, x->rtp.salt, ssrc, index);
		if ((rc = ctr_xor(&x->rtp, iv, pkt + hl, n)) < 0)
			return rc;
	}
	state_update(st, index, delta);
	return (int)(len - si->tag);
}

/* ---- SRTCP (RFC 3711 3.4; RFC 7714 9) ---- */

int
srtp_xf_protect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		     unsigned cap)
{
	const struct suite_info *si = x->si;
	uint8_t ei[4];
	uint32_t ssrc, idx;
	int rc;

	if (len < 8 || (pkt[0] >> 6) != 2)
		return -EINVAL;
	if (len + 4 + si->rtcp_tag > cap)
		return -ENOSPC;
	ssrc = rd32(pkt + 4);
	/* the first SRTCP index is 1 (as libsrtp numbers them) */
	idx = st->rtcp_init ? (st->rtcp_idx + 1) & 0x7fffffff : 1;
	wr32(ei, idx | 0x80000000u);
	if (si->gcm) {
		uint8_t iv[12];

		gcm_iv(iv, x->rtcp.salt, ssrc, idx);
		/* AAD: the first 8 bytes and E||index; the tag follows the
		 * ciphertext, then E||index */
		rc = gcm_seal(&x->rtcp, iv, pkt, 8, ei, 4, pkt + 8, len - 8, pkt + len);
		if (rc == 0)
			memcpy(pkt + len + 16, ei, 4);
	} else {
		uint8_t iv[16];

		cm_iv(iv, x->rtcp.salt, ssrc, idx);
		rc = ctr_xor(&x->rtcp, iv, pkt + 8, len - 8);
		memcpy(pkt + len, ei, 4);
		if (rc == 0)
			rc = hmac_tag(&x->rtcp, pkt, len + 4, NULL, 0, pkt + len + 4, si->rtcp_tag);
	}
	if (rc < 0)
		return rc;
	st->rtcp_idx = idx;
	st->rtcp_init = true;
	return (int)(len + 4 + si->rtcp_tag);
}

int
srtp_xf_unprotect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len)
{
	const struct suite_info *si = x->si;
	unsigned n;
	uint32_t ssrc, ei, idx;
	int32_t delta;
	int rc;

	if (len < 8 + 4 + si->rtcp_tag || (pkt[0] >> 6) != 2)
		return -EINVAL;
	n = len - 4 - si->rtcp_tag;         /* header + (encrypted) body */
	ssrc = rd32(pkt + 4);
	ei = si->gcm ? rd32(pkt + len - 4) : rd32(pkt + n);
	idx = ei & 0x7fffffff;
	delta = st->rtcp_init ? (int32_t)(idx - st->rtcp_idx) : 1;
	if (st->rtcp_init && (rc = replay_check(st->rtcp_win, delta)) < 0)
		return rc;
	if (si->gcm) {
		uint8_t iv[12], e4[4], save[1500];

		if (n - 8 > sizeof(save))
			return -EINVAL;
		memcpy(e4, pkt + len - 4, 4);
		memcpy(save, pkt + 8, n - 8);
		gcm_iv(iv, x->rtcp.salt, ssrc, idx);
		if (ei & 0x80000000u) {
			rc = gcm_open(&x->rtcp, iv, pkt, 8, e4, 4, pkt + 8, n - 8, pkt + n);
		} else {
			/* not encrypted: all of it is AAD */
			uint8_t t[16];

			rc = gcm_seal(&x->rtcp, iv, pkt, n, e4, 4, NULL, 0, t);
			if (rc == 0 && !tag_eq(t, pkt + n, 16))
				rc = -EBADMSG;
		}
		if (rc < 0) {
			memcpy(pkt + 8, save, n - 8);
			return rc == -EIO ? rc : -EBADMSG;
		}
	} else {
		uint8_t iv[16], tag[10];

		if ((rc = hmac_tag(&x->rtcp, pkt, n + 4, NULL, 0, tag, si->rtcp_tag)) < 0)
			return rc;
		if (!tag_eq(tag, pkt + n + 4, si->rtcp_tag))
			return -EBADMSG;
		if (ei & 0x80000000u) {
			cm_iv(iv, x->rtcp.salt, ssrc, idx);
			if ((rc = ctr_xor(&x->rtcp, iv, pkt + 8, n - 8)) < 0)
				return rc;
		}
	}
	window_add(st->rtcp_win, delta);
	if (!st->rtcp_init || delta > 0)
		st->rtcp_idx = idx;
	st->rtcp_init = true;
	return (int)n;
}
