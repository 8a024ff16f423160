/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SRTP transform (see srtp_xf.h) on OpenSSL's EVP (AES-NI where the
 * CPU has it). Set-up (keys, contexts) on the main lcore; the per-packet
 * functions touch only the context and the caller's state.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/evp.h>
#include <sanitizer/asan_interface.h>

#include "srtp_int.h"

const struct suite_info srtp_suites[SRTP_SUITE_COUNT] = {
	[SRTP_AES_CM_128_HMAC_SHA1_80] = { "AES_CM_128_HMAC_SHA1_80", 16, 14, 10, 10, false },
	[SRTP_AES_CM_128_HMAC_SHA1_32] = { "AES_CM_128_HMAC_SHA1_32", 16, 14, 4, 10, false },
	[SRTP_AES_256_CM_HMAC_SHA1_80] = { "AES_256_CM_HMAC_SHA1_80", 32, 14, 10, 10, false },
	[SRTP_AES_256_CM_HMAC_SHA1_32] = { "AES_256_CM_HMAC_SHA1_32", 32, 14, 4, 10, false },
	[SRTP_AEAD_AES_128_GCM] = { "AEAD_AES_128_GCM", 16, 12, 16, 16, true },
	[SRTP_AEAD_AES_256_GCM] = { "AEAD_AES_256_GCM", 32, 12, 16, 16, true },
};

static const char *const engine_names[SRTP_ENGINE_COUNT] = {
	[SRTP_ENGINE_IPSECMB] = "ipsec-mb",
	[SRTP_ENGINE_OPENSSL] = "openssl",
	[SRTP_ENGINE_LIBSRTP] = "libsrtp",
};

const char *
srtp_engine_name(enum srtp_engine e)
{
	return (unsigned)e < SRTP_ENGINE_COUNT ? engine_names[e] : "?";
}

int
srtp_engine_by_name(const char *name)
{
	for (unsigned i = 0; i < SRTP_ENGINE_COUNT; i++)
		if (strcmp(engine_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
srtp_suite_name(enum srtp_suite s)
{
	return (unsigned)s < SRTP_SUITE_COUNT ? srtp_suites[s].name : "?";
}

int
srtp_suite_by_name(const char *name, size_t len)
{
	for (unsigned i = 0; i < SRTP_SUITE_COUNT; i++)
		if (strlen(srtp_suites[i].name) == len && memcmp(srtp_suites[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

unsigned
srtp_suite_key_len(enum srtp_suite s)
{
	return srtp_suites[s].key;
}

unsigned
srtp_suite_salt_len(enum srtp_suite s)
{
	return srtp_suites[s].salt;
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

/* ---- the OpenSSL EVP engine: set-up ---- */

void
srtp_evp_free(struct evp_dir *d)
{
	EVP_CIPHER_CTX_free(d->enc);
	EVP_CIPHER_CTX_free(d->dec);
	EVP_MD_CTX_free(d->hi);
	EVP_MD_CTX_free(d->ho);
	EVP_MD_CTX_free(d->tmp);
	memset(d, 0, sizeof(*d));
}

int
srtp_evp_setup(struct evp_dir *d, const struct suite_info *si, const uint8_t *ek,
	       const uint8_t *salt, const uint8_t *ak)
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

/* ---- contexts ---- */

_Static_assert(((sizeof(struct srtp_xf) + 63) & ~(size_t)63) <= SRTP_XF_GCM_KEYS,
	       "SRTP_XF_GCM_KEYS: the context has grown past it");

/* Where an ipsec-mb GCM context's RTP or RTCP key data starts. */
unsigned srtp_xf_gcm_lines = SRTP_XF_GCM_LINES;
unsigned srtp_xf_cm_lines = SRTP_XF_CM_LINES;

static size_t
gcm_keys_off(bool rtcp)
{
	return SRTP_XF_GCM_KEYS + (rtcp ? (srtp_imb_gcm_size() + 63) & ~(size_t)63 : 0);
}

bool
srtp_xf_gcm_keys_at(const struct srtp_xf *x)
{
	return x->engine == SRTP_ENGINE_IPSECMB && x->si->gcm;
}

/* The bytes a context of @engine and @suite takes (a multiple of 64). */
static size_t
ctx_size(enum srtp_engine engine, enum srtp_suite suite)
{
	if (engine == SRTP_ENGINE_IPSECMB && srtp_suites[suite].gcm)
		return gcm_keys_off(true) + ((srtp_imb_gcm_size() + 63) & ~(size_t)63);
	return (sizeof(struct srtp_xf) + 63) & ~(size_t)63;
}

/*
 * Contexts come from 2 MB chunks the kernel is asked to back with huge
 * pages (MADV_HUGEPAGE, where transparent huge pages are on for it), cut
 * in 64-byte aligned pieces, one free list per size. A worker reads the
 * keys of a different stream with nearly every packet: with 100,000
 * contexts in 4 KB pages nearly every one is a TLB miss too, and the
 * prefetches of its lines come late. Chunks are kept for reuse, never
 * returned (a context is well under a kilobyte for the AES-CM suites).
 * Under AddressSanitizer a chunk's pieces are poisoned until handed out
 * and again once released, so a context used after srtp_xf_free is
 * reported as malloc's would be (elsewhere the marks compile to nothing).
 * Main lcore (NG) and tests; the lock is never taken on the packet path.
 */
#define ARENA_CHUNK ((size_t)2 << 20)
#define ARENA_SIZES 4

struct arena_free {
	struct arena_free *next;
};

static struct {
	size_t size;
	struct arena_free *free;
	uint8_t *cur;          /* the rest of its newest chunk */
	size_t left;
} arena[ARENA_SIZES];
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
ctx_alloc(size_t size)
{
	void *p = NULL;
	unsigned c;

	pthread_mutex_lock(&arena_lock);
	for (c = 0; c < ARENA_SIZES && arena[c].size && arena[c].size != size; c++)
		;
	if (c == ARENA_SIZES || size > ARENA_CHUNK) {
		pthread_mutex_unlock(&arena_lock);
		return aligned_alloc(64, size);     /* not expected: a size more */
	}
	arena[c].size = size;
	if (arena[c].free != NULL) {
		p = arena[c].free;
		ASAN_UNPOISON_MEMORY_REGION(p, size);
		arena[c].free = arena[c].free->next;
	} else {
		if (arena[c].left < size) {
			uint8_t *chunk = aligned_alloc(ARENA_CHUNK, ARENA_CHUNK);

			if (chunk == NULL) {
				pthread_mutex_unlock(&arena_lock);
				return NULL;
			}
			madvise(chunk, ARENA_CHUNK, MADV_HUGEPAGE);
			ASAN_POISON_MEMORY_REGION(chunk, ARENA_CHUNK);
			arena[c].cur = chunk;
			arena[c].left = ARENA_CHUNK;
		}
		p = arena[c].cur;
		ASAN_UNPOISON_MEMORY_REGION(p, size);
		arena[c].cur += size;
		arena[c].left -= size;
	}
	pthread_mutex_unlock(&arena_lock);
	return p;
}

static void
ctx_release(void *p, size_t size)
{
	unsigned c;

	pthread_mutex_lock(&arena_lock);
	for (c = 0; c < ARENA_SIZES && arena[c].size != size; c++)
		;
	if (c == ARENA_SIZES) {
		pthread_mutex_unlock(&arena_lock);
		free(p);
		return;
	}
	((struct arena_free *)p)->next = arena[c].free;
	arena[c].free = p;
	ASAN_POISON_MEMORY_REGION(p, size);
	pthread_mutex_unlock(&arena_lock);
}

/* The engine's keys of one kind of traffic from session keys. */
static int
kind_setup(struct srtp_xf *x, bool rtcp, const uint8_t *ek, const uint8_t *salt,
	   const uint8_t *ak)
{
	if (x->engine == SRTP_ENGINE_IPSECMB)
		return srtp_imb_setup(rtcp ? &x->imb.rtcp : &x->imb.rtp, x->si, ek, salt, ak,
				      x->si->gcm ? (char *)x + gcm_keys_off(rtcp) : NULL);
	return srtp_evp_setup(rtcp ? &x->evp.rtcp : &x->evp.rtp, x->si, ek, salt, ak);
}

/* Session keys of one kind (labels base, base+1, base+2), then set up. */
static int
kind_init(struct srtp_xf *x, bool rtcp, const uint8_t *mk, const uint8_t *ms)
{
	const struct suite_info *si = x->si;
	uint8_t ek[32], ak[20], salt[14], base = rtcp ? 3 : 0;
	int rc;

	if ((rc = srtp_xf_kdf(si->key, mk, ms, si->salt, base, ek, si->key)) < 0 ||
	    (rc = srtp_xf_kdf(si->key, mk, ms, si->salt, (uint8_t)(base + 1), ak,
			      sizeof(ak))) < 0 ||
	    (rc = srtp_xf_kdf(si->key, mk, ms, si->salt, (uint8_t)(base + 2), salt,
			      si->salt)) < 0)
		return rc;
	rc = kind_setup(x, rtcp, ek, salt, ak);
	memset(ek, 0, sizeof(ek));
	memset(ak, 0, sizeof(ak));
	return rc;
}

/*
 * One context: session keys from the master key (@key/@salt are master
 * material) or given directly (@session, the known-answer tests).
 */
static int
xf_make(struct srtp_xf **out, enum srtp_engine engine, enum srtp_suite suite,
	const uint8_t *key, const uint8_t *salt, const uint8_t *auth_key, bool session)
{
	static const uint8_t no_auth[20];
	struct srtp_xf *x;
	int rc;

	if ((unsigned)suite >= SRTP_SUITE_COUNT || (unsigned)engine >= SRTP_ENGINE_COUNT)
		return -EINVAL;
	if (session && engine == SRTP_ENGINE_LIBSRTP)
		return -ENOTSUP;
	/* an ipsec-mb GCM context carries its key data after it */
	x = ctx_alloc(ctx_size(engine, suite));
	if (x == NULL)
		return -ENOMEM;
	memset(x, 0, sizeof(*x));
	x->suite = suite;
	x->engine = engine;
	x->si = &srtp_suites[suite];
	if (engine == SRTP_ENGINE_LIBSRTP) {
		rc = srtp_lib_create(x, key, salt);
	} else if (session) {
		rc = kind_setup(x, false, key, salt, auth_key ? auth_key : no_auth);
		if (rc == 0)
			rc = kind_setup(x, true, key, salt, auth_key ? auth_key : no_auth);
	} else {
		rc = kind_init(x, false, key, salt);
		if (rc == 0)
			rc = kind_init(x, true, key, salt);
	}
	if (rc < 0) {
		srtp_xf_free(x);
		return rc;
	}
	*out = x;
	return 0;
}

int
srtp_xf_create_session(struct srtp_xf **out, enum srtp_engine engine, enum srtp_suite suite,
		       const uint8_t *key, const uint8_t *salt, const uint8_t *auth_key)
{
	return xf_make(out, engine, suite, key, salt, auth_key, true);
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
srtp_xf_create(struct srtp_xf **out, enum srtp_engine engine, enum srtp_suite suite,
	       const uint8_t *master_key, const uint8_t *master_salt)
{
	return xf_make(out, engine, suite, master_key, master_salt, NULL, false);
}

void
srtp_xf_free(struct srtp_xf *x)
{
	if (x == NULL)
		return;
	switch (x->engine) {
	case SRTP_ENGINE_IPSECMB:
		srtp_imb_free(&x->imb.rtp);
		srtp_imb_free(&x->imb.rtcp);
		break;
	case SRTP_ENGINE_LIBSRTP:
		srtp_lib_free(x);
		break;
	default:
		srtp_evp_free(&x->evp.rtp);
		srtp_evp_free(&x->evp.rtcp);
		break;
	}
	{
		size_t size = ctx_size(x->engine, x->suite);

		memset(x, 0, size);
		ctx_release(x, size);
	}
}

enum srtp_engine
srtp_xf_engine(const struct srtp_xf *x)
{
	return x->engine;
}

enum srtp_suite
srtp_xf_suite(const struct srtp_xf *x)
{
	return x->suite;
}

/* ---- the OpenSSL EVP engine: per packet ---- */

static int
hmac_tag(struct evp_dir *d, const uint8_t *a, unsigned alen, const uint8_t *b, unsigned blen,
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

static int
ctr_xor(struct evp_dir *d, const uint8_t iv[16], uint8_t *p, unsigned n)
{
	int outl;

	if (n == 0)
		return 0;
	if (EVP_EncryptInit_ex(d->enc, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(d->enc, p, &outl, p, (int)n) != 1)
		return -EIO;
	return 0;
}

static int
gcm_seal(struct evp_dir *d, const uint8_t iv[12], const uint8_t *aad, unsigned aad_len,
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
gcm_open(struct evp_dir *d, const uint8_t iv[12], const uint8_t *aad, unsigned aad_len,
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

int
srtp_evp_protect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		 unsigned cap)
{
	const struct suite_info *si = x->si;
	unsigned hl = srtp_rtp_hdr_len(pkt, len);
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
	ssrc = srtp_rd32(pkt + 8);
	index = srtp_estimate(st, seq, &delta);
	/* an index is protected once (no keystream reuse), as libsrtp does */
	if (st->init && (rc = srtp_replay_check(st->win, delta)) < 0)
		return rc;
	if (si->gcm) {
		uint8_t iv[12];

		srtp_gcm_iv(iv, x->evp.rtp.salt, ssrc, index);
		rc = gcm_seal(&x->evp.rtp, iv, pkt, hl, NULL, 0, pkt + hl, len - hl, pkt + len);
	} else {
		uint8_t iv[16], roc[4];

		srtp_cm_iv(iv, x->evp.rtp.salt, ssrc, index);
		rc = ctr_xor(&x->evp.rtp, iv, pkt + hl, len - hl);
		srtp_wr32(roc, (uint32_t)(index >> 16));
		if (rc == 0)
			rc = hmac_tag(&x->evp.rtp, pkt, len, roc, 4, pkt + len, si->tag);
	}
	if (rc < 0)
		return rc;
	srtp_state_update(st, index, delta);
	return (int)(len + si->tag);
}

int
srtp_evp_unprotect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len)
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
	hl = srtp_rtp_hdr_len(pkt, len - si->tag);
	if (hl == 0)
		return -EINVAL;
	n = len - si->tag - hl;
	seq = (uint16_t)(pkt[2] << 8 | pkt[3]);
	ssrc = srtp_rd32(pkt + 8);
	index = srtp_estimate(st, seq, &delta);
	if (st->init && (rc = srtp_replay_check(st->win, delta)) < 0)
		return rc;
	if (si->gcm) {
		uint8_t iv[12], save[1500];

		if (n > sizeof(save))
			return -EINVAL;
		memcpy(save, pkt + hl, n);
		srtp_gcm_iv(iv, x->evp.rtp.salt, ssrc, index);
		rc = gcm_open(&x->evp.rtp, iv, pkt, hl, NULL, 0, pkt + hl, n, pkt + hl + n);
		if (rc < 0) {
			memcpy(pkt + hl, save, n);
			return rc == -EIO ? rc : -EBADMSG;
		}
	} else {
		uint8_t iv[16], roc[4], tag[10];

		srtp_wr32(roc, (uint32_t)(index >> 16));
		if ((rc = hmac_tag(&x->evp.rtp, pkt, len - si->tag, roc, 4, tag, si->tag)) < 0)
			return rc;
		if (!srtp_tag_eq(tag, pkt + len - si->tag, si->tag))
			return -EBADMSG;
		srtp_cm_iv(iv, x->evp.rtp.salt, ssrc, index);
		if ((rc = ctr_xor(&x->evp.rtp, iv, pkt + hl, n)) < 0)
			return rc;
	}
	srtp_state_update(st, index, delta);
	return (int)(len - si->tag);
}

/* ---- SRTCP (RFC 3711 3.4; RFC 7714 9) ---- */

int
srtp_evp_protect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
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
	ssrc = srtp_rd32(pkt + 4);
	/* the first SRTCP index is 1 (as libsrtp numbers them) */
	idx = st->rtcp_init ? (st->rtcp_idx + 1) & 0x7fffffff : 1;
	srtp_wr32(ei, idx | 0x80000000u);
	if (si->gcm) {
		uint8_t iv[12];

		srtp_gcm_iv(iv, x->evp.rtcp.salt, ssrc, idx);
		/* AAD: the first 8 bytes and E||index; the tag follows the
		 * ciphertext, then E||index */
		rc = gcm_seal(&x->evp.rtcp, iv, pkt, 8, ei, 4, pkt + 8, len - 8, pkt + len);
		if (rc == 0)
			memcpy(pkt + len + 16, ei, 4);
	} else {
		uint8_t iv[16];

		srtp_cm_iv(iv, x->evp.rtcp.salt, ssrc, idx);
		rc = ctr_xor(&x->evp.rtcp, iv, pkt + 8, len - 8);
		memcpy(pkt + len, ei, 4);
		if (rc == 0)
			rc = hmac_tag(&x->evp.rtcp, pkt, len + 4, NULL, 0, pkt + len + 4,
				      si->rtcp_tag);
	}
	if (rc < 0)
		return rc;
	st->rtcp_idx = idx;
	st->rtcp_init = true;
	return (int)(len + 4 + si->rtcp_tag);
}

int
srtp_evp_unprotect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len)
{
	const struct suite_info *si = x->si;
	unsigned n;
	uint32_t ssrc, ei, idx;
	int32_t delta;
	int rc;

	if (len < 8 + 4 + si->rtcp_tag || (pkt[0] >> 6) != 2)
		return -EINVAL;
	n = len - 4 - si->rtcp_tag;         /* header + (encrypted) body */
	ssrc = srtp_rd32(pkt + 4);
	ei = si->gcm ? srtp_rd32(pkt + len - 4) : srtp_rd32(pkt + n);
	idx = ei & 0x7fffffff;
	delta = st->rtcp_init ? (int32_t)(idx - st->rtcp_idx) : 1;
	if (st->rtcp_init && (rc = srtp_replay_check(st->rtcp_win, delta)) < 0)
		return rc;
	if (si->gcm) {
		uint8_t iv[12], e4[4], save[1500];

		if (n - 8 > sizeof(save))
			return -EINVAL;
		memcpy(e4, pkt + len - 4, 4);
		memcpy(save, pkt + 8, n - 8);
		srtp_gcm_iv(iv, x->evp.rtcp.salt, ssrc, idx);
		if (ei & 0x80000000u) {
			rc = gcm_open(&x->evp.rtcp, iv, pkt, 8, e4, 4, pkt + 8, n - 8, pkt + n);
		} else {
			/* not encrypted: all of it is AAD */
			uint8_t t[16];

			rc = gcm_seal(&x->evp.rtcp, iv, pkt, n, e4, 4, NULL, 0, t);
			if (rc == 0 && !srtp_tag_eq(t, pkt + n, 16))
				rc = -EBADMSG;
		}
		if (rc < 0) {
			memcpy(pkt + 8, save, n - 8);
			return rc == -EIO ? rc : -EBADMSG;
		}
	} else {
		uint8_t iv[16], tag[10];

		if ((rc = hmac_tag(&x->evp.rtcp, pkt, n + 4, NULL, 0, tag, si->rtcp_tag)) < 0)
			return rc;
		if (!srtp_tag_eq(tag, pkt + n + 4, si->rtcp_tag))
			return -EBADMSG;
		if (ei & 0x80000000u) {
			srtp_cm_iv(iv, x->evp.rtcp.salt, ssrc, idx);
			if ((rc = ctr_xor(&x->evp.rtcp, iv, pkt + 8, n - 8)) < 0)
				return rc;
		}
	}
	if ((rc = srtp_rtcp_commit(st, idx)) < 0)
		return rc;
	return (int)n;
}

/* ---- dispatch ---- */

static int
op_one(struct srtp_op *op)
{
	struct srtp_xf *x = op->x;

	if (x->engine == SRTP_ENGINE_LIBSRTP)
		return srtp_lib_op(x, op);
	switch (op->kind) {
	case SRTP_OP_PROTECT:
		return srtp_evp_protect(x, op->st, op->pkt, op->len, op->cap);
	case SRTP_OP_UNPROTECT:
		return srtp_evp_unprotect(x, op->st, op->pkt, op->len);
	case SRTP_OP_PROTECT_RTCP:
		return srtp_evp_protect_rtcp(x, op->st, op->pkt, op->len, op->cap);
	default:
		return srtp_evp_unprotect_rtcp(x, op->st, op->pkt, op->len);
	}
}

void
srtp_xf_burst(struct srtp_op *ops, unsigned n)
{
	struct srtp_op *imb[SRTP_BURST_MAX];
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		if (ops[i].x->engine == SRTP_ENGINE_IPSECMB) {
			imb[k++] = &ops[i];
			if (k == SRTP_BURST_MAX) {
				srtp_imb_burst(imb, k);
				k = 0;
			}
		} else {
			ops[i].rc = op_one(&ops[i]);
		}
	}
	if (k)
		srtp_imb_burst(imb, k);
}

static int
single(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len, unsigned cap,
       enum srtp_op_kind kind)
{
	struct srtp_op op;

	if (len > 0xffff || cap > 0xffff)
		return -EINVAL;
	op.x = x;
	op.st = st;
	op.pkt = pkt;
	op.len = (uint16_t)len;
	op.cap = (uint16_t)cap;
	op.kind = (uint8_t)kind;
	if (x->engine == SRTP_ENGINE_IPSECMB) {
		struct srtp_op *p = &op;

		srtp_imb_burst(&p, 1);
		return op.rc;
	}
	return op_one(&op);
}

int
srtp_xf_protect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		unsigned cap)
{
	return single(x, st, pkt, len, cap, SRTP_OP_PROTECT);
}

int
srtp_xf_unprotect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len)
{
	return single(x, st, pkt, len, len, SRTP_OP_UNPROTECT);
}

int
srtp_xf_protect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		     unsigned cap)
{
	return single(x, st, pkt, len, cap, SRTP_OP_PROTECT_RTCP);
}

int
srtp_xf_unprotect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt,
		       unsigned len)
{
	return single(x, st, pkt, len, len, SRTP_OP_UNPROTECT_RTCP);
}
