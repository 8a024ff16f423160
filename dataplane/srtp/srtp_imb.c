/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ipsec-mb engine of the SRTP transform (srtp_xf.h): a burst of
 * packets goes to intel-ipsec-mb's job manager together, so its
 * multi-buffer AES and SHA-1 code works on several packets at once.
 *
 * A burst runs in three steps:
 *   1. in order: parse, packet index, replay check; protect ops update
 *      their stream's state here (they cannot fail later); jobs: protect
 *      (cipher then HMAC), SRTP unprotect (HMAC then decrypt, one job),
 *      SRTCP HMAC check (hash only), GCM seal/open
 *   2. after the flush, in order: compare tags, commit the index of every
 *      authenticated packet to its stream (a duplicate within the burst
 *      is a replay now); jobs: decrypt the SRTCP that authenticated
 *      (AES-CM), put back the ciphertext of an SRTP or GCM packet that
 *      failed (so a refused packet leaves unchanged, as with the other
 *      engines; failures are rare, so the common packet costs one job)
 *   3. after the flush: results
 * The SRTP MAC covers the packet and then the ROC: the ROC is written
 * after the authenticated part (the tag's place, saved and put back), so
 * one contiguous run is hashed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <intel-ipsec-mb.h>

#include "srtp_int.h"

/*
 * Two job managers per lcore. The AES-CM suites' AES goes to no manager
 * where the CPU has VAES (srtp_vcm_xor in srtp_vgcm.c, inline per op: an
 * AES-128 context keeps its key unexpanded, so a packet reads two lines of
 * it, not four), elsewhere to the widest code the CPU has
 * (init_mb_mgr_auto). AES-GCM goes to
 * no manager where the CPU has VAES and VPCLMULQDQ (srtp_vgcm.c, called
 * inline per op: the packet and key data are at hand, and a refused
 * packet is never decrypted). Elsewhere it goes to ipsec-mb's AVX2 code
 * (SSE without AVX2): its key data is compact, the round
 * keys and 8 GHASH key powers in 6 cache lines, which the worker
 * prefetches with the stream (SRTP_XF_GCM_KEYS), where the VAES code keeps
 * 48 powers in 16 lines. Measured with srtp_bench on the EPYC test
 * machine: GCM unprotect at 100,000 streams 152-170 ns on the AVX2 or SSE
 * code against 312-323 ns on VAES (which is faster only while every
 * stream's keys stay in cache: 106-134 against 128-160 ns at 1,000).
 *
 * Where the CPU has the SHA extensions, the AES-CM suites' HMAC-SHA1
 * goes to no manager but to the SHA-NI lanes of srtp_sha1ni.c, four
 * packets at a time: ipsec-mb's AVX-512 SHA-1 works on 16 packets and a
 * worker's burst is whatever arrived since its last poll (often 8 to 20),
 * so its lanes ran part empty and every burst ended in a flush; its
 * SHA-NI code works on one or two packets and waits on the instructions'
 * latency (figures in srtp_sha1ni.c and the README).
 */
static __thread IMB_MGR *tl_mgr, *tl_mgr_gcm;
static int sha_ni = -1;                 /* unknown until the first manager */
static bool sha_ni_off;                 /* srtp_imb_sha_ni(false) */
static bool vgcm_off;                   /* srtp_imb_vgcm(false) */
static bool vcm_off;                    /* srtp_imb_vcm(false) */

_Static_assert(sizeof(struct gcm_key_data) >= sizeof(struct srtp_vgcm_key),
	       "a GCM context's key data room holds either layout");

enum mgr_arch { MGR_AUTO, MGR_SSE, MGR_AVX2 };

static IMB_MGR *
mgr_new(enum mgr_arch arch)
{
	IMB_MGR *m = alloc_mb_mgr(0);

	if (m == NULL)
		return NULL;
	if (arch == MGR_AVX2)
		init_mb_mgr_avx2(m);
	else if (arch == MGR_SSE)
		init_mb_mgr_sse(m);
	else
		init_mb_mgr_auto(m, NULL);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return NULL;
	}
	return m;
}

static IMB_MGR *
mgr_get(void)
{
	if (tl_mgr != NULL)
		return tl_mgr;
	tl_mgr = mgr_new(MGR_AUTO);
	if (tl_mgr != NULL && sha_ni < 0)
		sha_ni = (tl_mgr->features & IMB_FEATURE_SHANI) != 0;
	return tl_mgr;
}

/* AES-GCM's manager (see above); the auto one where the CPU has no AES-NI */
static IMB_MGR *
mgr_gcm_get(void)
{
	IMB_MGR *m = mgr_get();

	if (tl_mgr_gcm != NULL || m == NULL)
		return tl_mgr_gcm;
	if (m->used_arch == IMB_ARCH_AVX512)
		tl_mgr_gcm = mgr_new(MGR_AVX2);
	else if (m->used_arch == IMB_ARCH_AVX2 || m->used_arch == IMB_ARCH_NOAESNI)
		tl_mgr_gcm = m;
	else
		tl_mgr_gcm = mgr_new(MGR_SSE);
	return tl_mgr_gcm;
}

size_t
srtp_imb_gcm_size(void)
{
	return sizeof(struct gcm_key_data);
}

bool
srtp_imb_sha_ni(bool on)
{
	mgr_get();
	sha_ni_off = !on;
	return sha_ni > 0 && !sha_ni_off;
}

bool
srtp_imb_vgcm(bool on)
{
	vgcm_off = !on;
	if (!on)
		srtp_xf_gcm_lines = SRTP_XF_GCM_LINES;
	return srtp_vgcm_usable() && !vgcm_off;
}

bool
srtp_imb_vcm(bool on)
{
	vcm_off = !on;
	if (!on)
		srtp_xf_cm_lines = SRTP_XF_CM_LINES;
	return srtp_vgcm_usable() && !vcm_off;
}

static inline bool
use_lanes(void)
{
	return sha_ni > 0 && !sha_ni_off;
}

int
srtp_xf_thread_init(void)
{
	return mgr_get() != NULL && mgr_gcm_get() != NULL ? 0 : -ENOMEM;
}

static const char *
arch_name(const IMB_MGR *m)
{
	switch (m->used_arch) {
	case IMB_ARCH_NOAESNI: return "no-aesni";
	case IMB_ARCH_SSE: return "sse";
	case IMB_ARCH_AVX: return "avx";
	case IMB_ARCH_AVX2: return "avx2";
	case IMB_ARCH_AVX512: return "avx512";
	default: return "?";
	}
}

const char *
srtp_xf_imb_arch(void)
{
	static char buf[128];
	IMB_MGR *m = mgr_get(), *g = mgr_gcm_get();

	if (m == NULL || g == NULL)
		return "unavailable";
	snprintf(buf, sizeof(buf), "%s%s%s, AES-GCM on %s", arch_name(m),
		 !use_lanes() ? "" : srtp_sha1_x16_used() ? ", HMAC-SHA1 on AVX-512 x16 and SHA-NI x4"
							 : ", HMAC-SHA1 on SHA-NI x4",
		 srtp_vgcm_usable() && !vcm_off ? ", AES-CM on VAES x4, its own" : "",
		 srtp_vgcm_usable() && !vgcm_off ? "VAES x4, its own"
						 : arch_name(g));
	return buf;
}

int
srtp_imb_setup(struct imb_dir *d, const struct suite_info *si, const uint8_t *ek,
	       const uint8_t *salt, const uint8_t *ak, void *gcm)
{
	IMB_MGR *m = si->gcm ? mgr_gcm_get() : mgr_get();
	uint8_t pad[64] __attribute__((aligned(16)));
	uint8_t dk[16 * 15] __attribute__((aligned(16)));

	if (m == NULL)
		return -ENOMEM;
	memset(d->salt, 0, sizeof(d->salt));
	memcpy(d->salt, salt, si->salt);
	d->vgcm = false;
	d->vcm = false;
	if (si->gcm && srtp_vgcm_usable() && !vgcm_off) {
		if (si->key == 32)
			IMB_AES_KEYEXP_256(m, ek, d->ek, dk);
		else
			IMB_AES_KEYEXP_128(m, ek, d->ek, dk);
		srtp_vgcm_init(gcm, d->ek, si->key);
		srtp_xf_gcm_lines = 1;
		memset(d->ek, 0, sizeof(d->ek));
		memset(dk, 0, sizeof(dk));
		d->gcm = gcm;
		d->vgcm = true;
		return 0;
	}
	if (si->gcm) {
		struct gcm_key_data *g = gcm;

		if (si->key == 32)
			IMB_AES256_GCM_PRE(m, ek, g);
		else
			IMB_AES128_GCM_PRE(m, ek, g);
		d->gcm = g;
		return 0;
	}
	if (srtp_vgcm_usable() && !vcm_off) {
		/* srtp_vcm_xor: an AES-128 key as it is (two lines a packet) */
		d->vcm = true;
		if (si->key == 32) {
			IMB_AES_KEYEXP_256(m, ek, d->ek, dk);
		} else {
			memcpy(d->ek, ek, 16);
			srtp_xf_cm_lines = 2;
		}
	} else if (si->key == 32) {
		IMB_AES_KEYEXP_256(m, ek, d->ek, dk);
	} else {
		IMB_AES_KEYEXP_128(m, ek, d->ek, dk);
	}
	memset(pad, 0x36, sizeof(pad));
	for (unsigned i = 0; i < 20; i++)
		pad[i] ^= ak[i];
	IMB_SHA1_ONE_BLOCK(m, pad, d->ipad);
	memset(pad, 0x5c, sizeof(pad));
	for (unsigned i = 0; i < 20; i++)
		pad[i] ^= ak[i];
	IMB_SHA1_ONE_BLOCK(m, pad, d->opad);
	memset(dk, 0, sizeof(dk));
	return 0;
}

void
srtp_imb_free(struct imb_dir *d)
{
	if (d->gcm != NULL)            /* in the context's allocation */
		memset(d->gcm, 0, sizeof(struct gcm_key_data));
	memset(d, 0, sizeof(*d));
}

/* ---- jobs ---- */

/* stages of an op */
enum { ST_DONE, ST_HASHED, ST_MACQ, ST_SEALED, ST_OPENED, ST_RTCP_CLEAR };

static void
job_done(IMB_JOB *j)
{
	struct srtp_op *op = j->user_data;

	if (j->status != IMB_STATUS_COMPLETED)
		op->rc = -EIO;
}

static void
submit(IMB_MGR *m, IMB_JOB *j)
{
	j = IMB_SUBMIT_JOB(m);
	while (j != NULL) {
		job_done(j);
		j = IMB_GET_COMPLETED_JOB(m);
	}
}

static void
flush(IMB_MGR *m)
{
	IMB_JOB *j;

	while ((j = IMB_FLUSH_JOB(m)) != NULL)
		job_done(j);
}

static IMB_JOB *
job_new(IMB_MGR *m, struct srtp_op *op)
{
	IMB_JOB *j = IMB_GET_NEXT_JOB(m);

	/* Every field a job of ours can make the engine read is set here or
	 * by job_ctr/job_hmac/job_gcm (cheaper than clearing 200 bytes per
	 * packet): what a job before it in the ring left is never used. */
	j->enc_keys = j->dec_keys = NULL;
	j->key_len_in_bytes = 0;
	j->cipher_start_src_offset_in_bytes = 0;
	j->msg_len_to_cipher_in_bytes = 0;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = 0;
	j->iv = NULL;
	j->iv_len_in_bytes = 0;
	j->auth_tag_output = NULL;
	j->auth_tag_output_len_in_bytes = 0;
	memset(&j->u, 0, sizeof(j->u));
	j->sgl_state = 0;
	j->user_data2 = NULL;
	j->cipher_func = NULL;
	j->hash_func = NULL;
	j->user_data = op;
	j->cipher_mode = IMB_CIPHER_NULL;
	j->hash_alg = IMB_AUTH_NULL;
	j->cipher_direction = IMB_DIR_ENCRYPT;
	j->chain_order = IMB_ORDER_CIPHER_HASH;
	j->src = op->pkt;
	j->dst = op->pkt;
	return j;
}

/* AES-CM over @n bytes at @off (none if @n is 0). */
static void
job_ctr(IMB_JOB *j, const struct imb_dir *d, const struct suite_info *si, const uint8_t *iv,
	uint8_t *pkt, unsigned off, unsigned n)
{
	if (n == 0)
		return;
	j->cipher_mode = IMB_CIPHER_CNTR;
	j->enc_keys = d->ek;
	j->dec_keys = d->ek;
	j->key_len_in_bytes = si->key;
	j->dst = pkt + off;
	j->cipher_start_src_offset_in_bytes = off;
	j->msg_len_to_cipher_in_bytes = n;
	j->iv = iv;
	j->iv_len_in_bytes = 16;
}

/* HMAC-SHA1 of the first @n bytes into op->tag (all 20 bytes). */
static void
job_hmac(IMB_JOB *j, const struct imb_dir *d, struct srtp_op *op, unsigned n)
{
	j->hash_alg = IMB_AUTH_HMAC_SHA_1;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = n;
	j->u.HMAC._hashed_auth_key_xor_ipad = d->ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = d->opad;
	j->auth_tag_output = op->tag;
	j->auth_tag_output_len_in_bytes = 20;
}

/* The HMACs of a burst on the SHA-NI lanes: those over packets as they
 * came (unprotect: run before the flush) and those over ciphertext a job
 * writes (protect: run after the flush). */
struct macq {
	struct sha1_lane pre[SRTP_BURST_MAX], post[SRTP_BURST_MAX];
	unsigned npre, npost;
	/* the AES-CM keystreams of vcm contexts, four at a time
	 * (srtp_vcm_xor_n): protects' before the HMACs over their
	 * ciphertext, authenticated unprotects' at the end of step 2 */
	struct srtp_cm_lane cm[SRTP_BURST_MAX];
	unsigned ncm;
};

/* HMAC-SHA1 of @op's first @n bytes into op->tag: queued on @q's lanes
 * (@post: after the ciphers), or without @q as part of job @j. */
static void
mac(IMB_JOB *j, struct macq *q, bool post, const struct imb_dir *d, struct srtp_op *op,
    unsigned n)
{
	struct sha1_lane *l;

	if (q == NULL) {
		job_hmac(j, d, op, n);
		return;
	}
	l = post ? &q->post[q->npost++] : &q->pre[q->npre++];
	*l = (struct sha1_lane){ .msg = op->pkt, .len = n, .ipad = d->ipad, .opad = d->opad,
				 .out = op->tag };
}

/* AES-CM over @n bytes at @off of @op's packet (none if @n is 0), from
 * the counter block of @ssrc and @index: for a context made for
 * srtp_vcm_xor, queued on @q (run with the others by the burst) or done
 * now without @q; else a job of its own on @m. */
static void
cm_op(IMB_MGR *m, struct macq *q, struct srtp_op *op, const struct imb_dir *d, uint32_t ssrc,
      uint64_t index, unsigned off, unsigned n)
{
	const struct suite_info *si = op->x->si;
	IMB_JOB *j;

	if (n == 0)
		return;
	if (d->vcm && q != NULL) {
		q->cm[q->ncm++] = (struct srtp_cm_lane){ .key = d->ek, .salt = d->salt,
			.p = op->pkt + off, .index = index, .ssrc = ssrc, .n = (uint16_t)n,
			.key_len = (uint8_t)si->key };
		return;
	}
	if (d->vcm) {
		srtp_vcm_xor(d->ek, si->key, d->salt, ssrc, index, op->pkt + off, n);
		return;
	}
	srtp_cm_iv(op->iv, d->salt, ssrc, index);
	j = job_new(m, op);
	job_ctr(j, d, si, op->iv, op->pkt, off, n);
	submit(m, j);
}

/* The HMAC of an op whose packet is ready to hash: on @q's lanes before
 * the flush, or a job of its own on @m. */
static void
mac_now(IMB_MGR *m, struct macq *q, const struct imb_dir *d, struct srtp_op *op, unsigned n)
{
	IMB_JOB *j;

	if (q != NULL) {
		mac(NULL, q, false, d, op, n);
		return;
	}
	j = job_new(m, op);
	job_hmac(j, d, op, n);
	submit(m, j);
}

/* AES-GCM over @n bytes at @off with @aad, the tag to @tag. */
static void
job_gcm(IMB_JOB *j, const struct imb_dir *d, const struct suite_info *si, const uint8_t *iv,
	uint8_t *pkt, unsigned off, unsigned n, const uint8_t *aad, unsigned aad_len,
	uint8_t *tag, bool decrypt)
{
	j->cipher_mode = IMB_CIPHER_GCM;
	j->hash_alg = IMB_AUTH_AES_GMAC;
	j->enc_keys = d->gcm;
	j->dec_keys = d->gcm;
	j->key_len_in_bytes = si->key;
	j->src = pkt;
	j->dst = pkt + off;
	j->cipher_start_src_offset_in_bytes = off;
	j->msg_len_to_cipher_in_bytes = n;
	j->hash_start_src_offset_in_bytes = off;
	j->msg_len_to_hash_in_bytes = n;
	j->iv = iv;
	j->iv_len_in_bytes = 12;
	j->u.GCM.aad = aad;
	j->u.GCM.aad_len_in_bytes = aad_len;
	j->auth_tag_output = tag;
	j->auth_tag_output_len_in_bytes = 16;
	if (decrypt) {
		j->cipher_direction = IMB_DIR_DECRYPT;
		j->chain_order = IMB_ORDER_HASH_CIPHER;
	}
}

/* ---- step 1: per op ---- */

static int
prep_protect(IMB_MGR *m, struct macq *q, struct srtp_op *op)
{
	struct srtp_xf *x = op->x;
	const struct suite_info *si = x->si;
	const struct imb_dir *d = &x->imb.rtp;
	uint8_t *pkt = op->pkt;
	unsigned len = op->len, hl = srtp_rtp_hdr_len(pkt, len);
	struct srtp_xf_state *st = op->st;
	uint32_t ssrc;
	int32_t delta;
	IMB_JOB *j;
	int rc;

	if (hl == 0)
		return -EINVAL;
	if (len + si->tag > op->cap || len + 4 > op->cap)
		return -ENOSPC;
	ssrc = srtp_rd32(pkt + 8);
	op->index = srtp_estimate(st, (uint16_t)(pkt[2] << 8 | pkt[3]), &delta);
	/* an index is protected once: a repeat (or one older than the window)
	 * would reuse its keystream; refused as libsrtp refuses it */
	if (st->init && (rc = srtp_replay_check(st->win, delta)) < 0)
		return rc;
	srtp_state_update(st, op->index, delta);
	op->rc = (int32_t)(len + si->tag);
	if (d->vgcm) {
		srtp_vgcm_seal(d->gcm, si->key, d->salt, ssrc, op->index, pkt, hl, pkt + hl,
			       len - hl, pkt + len);
		op->stage = ST_DONE;
		return 0;
	}
	if (d->vcm) {
		/* encrypted before the burst's HMACs (on the lanes: with
		 * the others, four at a time); the HMAC over it, then the ROC */
		cm_op(m, q, op, d, ssrc, op->index, hl, len - hl);
		srtp_wr32(pkt + len, (uint32_t)(op->index >> 16));
		op->stage = ST_SEALED;
		mac_now(m, q, d, op, len + 4);
		return 0;
	}
	j = job_new(m, op);
	if (si->gcm) {
		srtp_gcm_iv(op->iv, d->salt, ssrc, op->index);
		job_gcm(j, d, si, op->iv, pkt, hl, len - hl, pkt, hl, pkt + len, false);
	} else {
		srtp_cm_iv(op->iv, d->salt, ssrc, op->index);
		srtp_wr32(pkt + len, (uint32_t)(op->index >> 16));    /* ROC, then the tag */
		job_ctr(j, d, si, op->iv, pkt, hl, len - hl);
		mac(j, q, true, d, op, len + 4);
	}
	op->stage = si->gcm ? ST_DONE : ST_SEALED;
	op->rc = (int32_t)(len + si->tag);
	submit(m, j);
	return 0;
}

static int
prep_unprotect(IMB_MGR *m, struct macq *q, struct srtp_op *op)
{
	struct srtp_xf *x = op->x;
	const struct suite_info *si = x->si;
	const struct imb_dir *d = &x->imb.rtp;
	uint8_t *pkt = op->pkt;
	unsigned len = op->len, hl, n;
	struct srtp_xf_state *st = op->st;
	int32_t delta;
	int rc;
	IMB_JOB *j;

	if (len < 12 + si->tag)
		return -EINVAL;
	hl = srtp_rtp_hdr_len(pkt, len - si->tag);
	if (hl == 0)
		return -EINVAL;
	n = len - si->tag - hl;
	op->index = srtp_estimate(st, (uint16_t)(pkt[2] << 8 | pkt[3]), &delta);
	if (st->init && (rc = srtp_replay_check(st->win, delta)) < 0)
		return rc;
	op->rc = (int32_t)(len - si->tag);
	if (!si->gcm && (q != NULL || d->vcm)) {
		/* the HMAC alone (on the lanes where there are); decrypted
		 * in step 2 once it holds */
		memcpy(op->saved, pkt + len - si->tag, si->tag);
		srtp_wr32(pkt + len - si->tag, (uint32_t)(op->index >> 16));
		op->stage = ST_MACQ;
		mac_now(m, q, d, op, len - si->tag + 4);
		return 0;
	}
	if (d->vgcm) {
		/* the tag checked before anything is decrypted: a refused
		 * packet stays as it came; the index is committed in step 2 */
		if (srtp_vgcm_open(d->gcm, si->key, d->salt, srtp_rd32(pkt + 8), op->index, pkt, hl,
				   pkt + hl, n, pkt + hl + n) < 0)
			return -EBADMSG;
		memcpy(op->tag, pkt + hl + n, 16);
		op->stage = ST_OPENED;
		return 0;
	}
	j = job_new(m, op);
	if (si->gcm) {
		srtp_gcm_iv(op->iv, d->salt, srtp_rd32(pkt + 8), op->index);
		job_gcm(j, d, si, op->iv, pkt, hl, n, pkt, hl, op->tag, true);
	} else {
		/* one job: the HMAC over the ciphertext, then the decryption
		 * (a packet that fails is encrypted back in step 2) */
		memcpy(op->saved, pkt + len - si->tag, si->tag);
		srtp_wr32(pkt + len - si->tag, (uint32_t)(op->index >> 16));
		job_hmac(j, d, op, len - si->tag + 4);
		if (n) {
			srtp_cm_iv(op->iv, d->salt, srtp_rd32(pkt + 8), op->index);
			job_ctr(j, d, si, op->iv, pkt, hl, n);
			j->cipher_direction = IMB_DIR_DECRYPT;
			j->chain_order = IMB_ORDER_HASH_CIPHER;
		}
	}
	op->stage = si->gcm ? ST_OPENED : ST_HASHED;
	submit(m, j);
	return 0;
}

static int
prep_protect_rtcp(IMB_MGR *m, struct macq *q, struct srtp_op *op)
{
	struct srtp_xf *x = op->x;
	const struct suite_info *si = x->si;
	const struct imb_dir *d = &x->imb.rtcp;
	uint8_t *pkt = op->pkt;
	unsigned len = op->len;
	struct srtp_xf_state *st = op->st;
	uint32_t ssrc, idx;
	IMB_JOB *j;

	if (len < 8 || (pkt[0] >> 6) != 2)
		return -EINVAL;
	if (len + 4 + si->rtcp_tag > op->cap)
		return -ENOSPC;
	ssrc = srtp_rd32(pkt + 4);
	/* the first SRTCP index is 1 (as libsrtp numbers them) */
	idx = st->rtcp_init ? (st->rtcp_idx + 1) & 0x7fffffff : 1;
	st->rtcp_idx = idx;
	st->rtcp_init = true;
	op->rc = (int32_t)(len + 4 + si->rtcp_tag);
	if (si->gcm) {
		/* AAD: the first 8 bytes and E||index; the tag follows the
		 * ciphertext, then E||index */
		memcpy(op->aad, pkt, 8);
		srtp_wr32(op->aad + 8, idx | 0x80000000u);
		memcpy(pkt + len + 16, op->aad + 8, 4);
		srtp_gcm_iv(op->iv, d->salt, ssrc, idx);
		if (d->vgcm) {
			srtp_vgcm_seal(d->gcm, si->key, d->salt, ssrc, idx, op->aad, 12, pkt + 8,
				       len - 8, pkt + len);
			op->stage = ST_DONE;
			return 0;
		}
		j = job_new(m, op);
		job_gcm(j, d, si, op->iv, pkt, 8, len - 8, op->aad, 12, pkt + len, false);
	} else if (d->vcm) {
		cm_op(m, q, op, d, ssrc, idx, 8, len - 8);
		srtp_wr32(pkt + len, idx | 0x80000000u);
		op->stage = ST_SEALED;
		mac_now(m, q, d, op, len + 4);
		return 0;
	} else {
		j = job_new(m, op);
		srtp_wr32(pkt + len, idx | 0x80000000u);
		srtp_cm_iv(op->iv, d->salt, ssrc, idx);
		job_ctr(j, d, si, op->iv, pkt, 8, len - 8);
		mac(j, q, true, d, op, len + 4);
	}
	op->stage = si->gcm ? ST_DONE : ST_SEALED;
	submit(m, j);
	return 0;
}

static int
prep_unprotect_rtcp(IMB_MGR *m, struct macq *q, struct srtp_op *op)
{
	struct srtp_xf *x = op->x;
	const struct suite_info *si = x->si;
	const struct imb_dir *d = &x->imb.rtcp;
	uint8_t *pkt = op->pkt;
	unsigned len = op->len, n;
	struct srtp_xf_state *st = op->st;
	uint32_t ssrc, ei, idx;
	int32_t delta;
	int rc;
	IMB_JOB *j;

	if (len < 8 + 4 + si->rtcp_tag || (pkt[0] >> 6) != 2)
		return -EINVAL;
	n = len - 4 - si->rtcp_tag;         /* header + (encrypted) body */
	ssrc = srtp_rd32(pkt + 4);
	ei = si->gcm ? srtp_rd32(pkt + len - 4) : srtp_rd32(pkt + n);
	idx = ei & 0x7fffffff;
	delta = st->rtcp_init ? (int32_t)(idx - st->rtcp_idx) : 1;
	if (st->rtcp_init && (rc = srtp_replay_check(st->rtcp_win, delta)) < 0)
		return rc;
	op->index = ei;
	op->rc = (int32_t)n;
	if (si->gcm) {
		srtp_gcm_iv(op->iv, d->salt, ssrc, idx);
		if (!(ei & 0x80000000u)) {
			/* not encrypted: all of it is AAD (step 2, on its own) */
			op->stage = ST_RTCP_CLEAR;
			return 0;
		}
		memcpy(op->aad, pkt, 8);
		srtp_wr32(op->aad + 8, ei);
		op->stage = ST_OPENED;
		if (d->vgcm) {
			if (srtp_vgcm_open(d->gcm, si->key, d->salt, ssrc, idx, op->aad, 12, pkt + 8,
					   n - 8, pkt + n) < 0)
				return -EBADMSG;
			memcpy(op->tag, pkt + n, 16);
			return 0;
		}
		j = job_new(m, op);
		job_gcm(j, d, si, op->iv, pkt, 8, n - 8, op->aad, 12, op->tag, true);
		op->stage = ST_OPENED;
	} else {
		op->stage = ST_HASHED;
		if (q != NULL) {
			mac(NULL, q, false, d, op, n + 4);
			return 0;
		}
		j = job_new(m, op);
		job_hmac(j, d, op, n + 4);
	}
	submit(m, j);
	return 0;
}

/* ---- step 2: per op, in order ---- */

static void
finish_protect(struct srtp_op *op)
{
	const struct suite_info *si = op->x->si;
	unsigned len = op->len;

	/* AES-CM: the tag over the ROC that stood in its place */
	if (op->stage == ST_SEALED) {
		if (op->kind == SRTP_OP_PROTECT)
			memcpy(op->pkt + len, op->tag, si->tag);
		else
			memcpy(op->pkt + len + 4, op->tag, si->rtcp_tag);
	}
	op->stage = ST_DONE;
}

/* The GCM ciphertext of a refused packet put back (sealing the plaintext
 * again with the same IV gives it). */
static void
restore_gcm(IMB_MGR *m, struct srtp_op *op, unsigned off, unsigned n, const uint8_t *aad,
	    unsigned aad_len)
{
	const struct srtp_xf *x = op->x;
	bool rtcp = op->kind == SRTP_OP_UNPROTECT_RTCP;
	const struct imb_dir *d = rtcp ? &x->imb.rtcp : &x->imb.rtp;
	IMB_JOB *j;

	if (d->vgcm) {
		/* RTP: the SSRC at 8 and the packet index; SRTCP: at 4, E||index */
		if (rtcp)
			srtp_vgcm_ctr(d->gcm, x->si->key, d->salt, srtp_rd32(op->pkt + 4),
				      op->index & 0x7fffffff, op->pkt + off, n);
		else
			srtp_vgcm_ctr(d->gcm, x->si->key, d->salt, srtp_rd32(op->pkt + 8), op->index,
				      op->pkt + off, n);
		return;
	}
	j = job_new(m, op);
	job_gcm(j, d, x->si, op->iv, op->pkt, off, n, aad, aad_len, op->tag, false);
	submit(m, j);
}

static void
finish_unprotect(IMB_MGR *m, struct macq *q, struct srtp_op *op)
{
	const struct suite_info *si = op->x->si;
	const struct imb_dir *d = &op->x->imb.rtp;
	uint8_t *pkt = op->pkt;
	unsigned len = op->len, hl = srtp_rtp_hdr_len(pkt, len - si->tag);
	unsigned n = len - si->tag - hl;
	bool clear = op->stage == ST_MACQ;   /* only hashed: still ciphertext */
	int rc;

	op->stage = ST_DONE;
	if (si->gcm) {
		rc = srtp_tag_eq(op->tag, pkt + hl + n, 16) ? 0 : -EBADMSG;
		if (rc == 0)
			rc = srtp_state_commit(op->st, op->index);
		if (rc < 0) {
			op->rc = rc;
			restore_gcm(m, op, hl, n, pkt, hl);
		}
		return;
	}
	memcpy(pkt + len - si->tag, op->saved, si->tag);
	rc = srtp_tag_eq(op->tag, op->saved, si->tag) ? 0 : -EBADMSG;
	if (rc == 0)
		rc = srtp_state_commit(op->st, op->index);
	if (clear) {
		/* authenticated: decrypted now; refused: left as it came */
		if (rc < 0)
			op->rc = rc;
		else
			cm_op(m, q, op, d, srtp_rd32(pkt + 8), op->index, hl, n);
		return;
	}
	if (rc < 0) {
		/* decrypted with the hash: the ciphertext put back (the same
		 * keystream again) */
		op->rc = rc;
		cm_op(m, NULL, op, d, srtp_rd32(pkt + 8), op->index, hl, n);
	}
}

static void
finish_unprotect_rtcp(IMB_MGR *m, struct macq *q, struct srtp_op *op)
{
	const struct suite_info *si = op->x->si;
	const struct imb_dir *d = &op->x->imb.rtcp;
	uint8_t *pkt = op->pkt;
	unsigned n = (unsigned)op->rc;
	uint32_t ei = (uint32_t)op->index, idx = ei & 0x7fffffff;
	int rc = 0;

	if (op->stage == ST_RTCP_CLEAR) {
		/* GCM, not encrypted: the tag over header, body and E||index */
		uint8_t aad[1504];
		IMB_JOB *j;

		op->stage = ST_DONE;
		if (n + 4 > sizeof(aad)) {
			op->rc = -EINVAL;
			return;
		}
		memcpy(aad, pkt, n);
		srtp_wr32(aad + n, ei);
		if (d->vgcm) {
			srtp_vgcm_seal(d->gcm, si->key, d->salt, srtp_rd32(pkt + 4), idx, aad, n + 4,
				       NULL, 0, op->tag);
			goto check;
		}
		j = job_new(m, op);
		job_gcm(j, d, si, op->iv, pkt, n, 0, aad, n + 4, op->tag, false);
		submit(m, j);
		flush(m);
		if (op->rc < 0)
			return;
	check:
		rc = srtp_tag_eq(op->tag, pkt + n, 16) ? 0 : -EBADMSG;
		if (rc == 0)
			rc = srtp_rtcp_commit(op->st, idx);
		if (rc < 0)
			op->rc = rc;
		return;
	}
	if (op->stage == ST_OPENED) {
		op->stage = ST_DONE;
		rc = srtp_tag_eq(op->tag, pkt + n, 16) ? 0 : -EBADMSG;
		if (rc == 0)
			rc = srtp_rtcp_commit(op->st, idx);
		if (rc < 0) {
			op->rc = rc;
			restore_gcm(m, op, 8, n - 8, op->aad, 12);
		}
		return;
	}
	op->stage = ST_DONE;
	if (!srtp_tag_eq(op->tag, pkt + n + 4, si->rtcp_tag)) {
		op->rc = -EBADMSG;
		return;
	}
	if ((rc = srtp_rtcp_commit(op->st, idx)) < 0) {
		op->rc = rc;
		return;
	}
	if ((ei & 0x80000000u) && n > 8)
		cm_op(m, q, op, d, srtp_rd32(pkt + 4), idx, 8, n - 8);
}

/* The manager an op's jobs go to: AES-GCM's (@mg, whose layout its key
 * data was made in) or the AES-CM suites' (@mc). */
static inline IMB_MGR *
op_mgr(const struct srtp_op *op, IMB_MGR *mc, IMB_MGR *mg)
{
	return op->x->si->gcm ? mg : mc;
}

#define PF_AHEAD 4

static inline void
prefetch_keys(const struct srtp_op *op)
{
	const struct srtp_xf *x = op->x;
	const struct imb_dir *d = op->kind == SRTP_OP_PROTECT || op->kind == SRTP_OP_UNPROTECT
					  ? &x->imb.rtp : &x->imb.rtcp;

	if (d->vgcm)
		for (unsigned l = 0; l < (x->si->key == 16 ? 1u : 7u); l++)
			__builtin_prefetch((const char *)d->gcm + 64 * l);
	else if (d->vcm && x->si->key == 32)
		for (unsigned l = 0; l < 4; l++)
			__builtin_prefetch(d->ek + 64 * l);
}

void
srtp_imb_burst(struct srtp_op **ops, unsigned n)
{
	IMB_MGR *mc = mgr_get(), *mg = mgr_gcm_get(), *m;
	struct macq mq, *q = use_lanes() ? &mq : NULL;
	int rc;

	if (mc == NULL || mg == NULL) {
		for (unsigned i = 0; i < n; i++)
			ops[i]->rc = -ENOMEM;
		return;
	}
	mq.npre = mq.npost = mq.ncm = 0;
	for (unsigned i = 0; i < n; i++) {
		struct srtp_op *op = ops[i];

		/* the key lines of the op PF_AHEAD on asked for again: the
		 * worker prefetched every op's at classify, but a burst's
		 * worth of streams (some 300 lines) is more than the core
		 * keeps in flight, and the GCM code waited on them */
		if (i + PF_AHEAD < n)
			prefetch_keys(ops[i + PF_AHEAD]);
		op->stage = ST_DONE;
		m = op_mgr(op, mc, mg);
		switch (op->kind) {
		case SRTP_OP_PROTECT: rc = prep_protect(m, q, op); break;
		case SRTP_OP_UNPROTECT: rc = prep_unprotect(m, q, op); break;
		case SRTP_OP_PROTECT_RTCP: rc = prep_protect_rtcp(m, q, op); break;
		default: rc = prep_unprotect_rtcp(m, q, op); break;
		}
		if (rc < 0) {
			op->rc = rc;
			op->stage = ST_DONE;
		}
	}
	if (q != NULL) {
		if (q->ncm)                         /* protects: before their HMACs */
			srtp_vcm_xor_n(q->cm, q->ncm);
		q->ncm = 0;
		srtp_sha1ni_hmac(q->pre, q->npre);
	}
	flush(mc);
	if (mg != mc)
		flush(mg);
	if (q != NULL)
		srtp_sha1ni_hmac(q->post, q->npost);
	for (unsigned i = 0; i < n; i++) {
		struct srtp_op *op = ops[i];

		if (op->stage == ST_DONE || op->rc < 0) {
			op->stage = ST_DONE;
			continue;
		}
		m = op_mgr(op, mc, mg);
		switch (op->kind) {
		case SRTP_OP_PROTECT:
		case SRTP_OP_PROTECT_RTCP:
			finish_protect(op);
			break;
		case SRTP_OP_UNPROTECT:
			finish_unprotect(m, q, op);
			break;
		default:
			finish_unprotect_rtcp(m, q, op);
			break;
		}
	}
	if (q != NULL && q->ncm)
		srtp_vcm_xor_n(q->cm, q->ncm);      /* the authenticated unprotects */
	flush(mc);
	if (mg != mc)
		flush(mg);
}
