/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The libsrtp engine of the SRTP transform (srtp_xf.h): two libsrtp
 * sessions per context, one that protects and one that unprotects. libsrtp
 * keeps the rollover and replay state itself (the srtp_xf_state of the
 * caller is not used) and makes a stream, with an allocation, the first
 * time it sees an SSRC: this engine is for small deployments and for
 * comparing against; the ipsec-mb engine is the fast path's.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>

#include <nss.h>
#include <srtp2/srtp.h>

#include "srtp_int.h"

static pthread_once_t lib_once = PTHREAD_ONCE_INIT;
static int lib_ok;

/* exported by libsrtp, not in its public headers: its self-tests */
srtp_err_status_t srtp_crypto_kernel_status(void);

static NSSInitContext *lib_nss;

/*
 * NSS_InitContext and NSS_ShutdownContext, answered here for the whole
 * process (the program's definitions come before libnss3's for libsrtp's
 * calls). libsrtp calls NSS_InitContext for every cipher it makes, three
 * or four per session, and NSS_ShutdownContext as it frees each. NSS
 * keeps those contexts in one list and finds the one to remove by
 * walking from the newest, so freeing a call's ciphers walked past every
 * cipher made since: nothing while calls end newest first, but calls end
 * in any order. At 100,000 libsrtp calls the main lcore spent seconds in
 * that walk as old calls timed out, and NG requests went unanswered.
 * Here the first call sets NSS up for real (never "optimised for space",
 * see srtp_lib_nss) and every later one gets that same context back and
 * a count; the count going down frees nothing, as NSS stayed up for the
 * life of the process anyway (srtp_lib_nss holds a context). NSS is used
 * only by libsrtp in these programs.
 */
static pthread_mutex_t nss_mu = PTHREAD_MUTEX_INITIALIZER;
static NSSInitContext *nss_shared;
static unsigned long nss_refs;

NSSInitContext *
NSS_InitContext(const char *configdir, const char *cert_prefix, const char *key_prefix,
		const char *secmod_name, NSSInitParameters *params, PRUint32 flags)
{
	NSSInitContext *c;

	pthread_mutex_lock(&nss_mu);
	if (nss_shared == NULL) {
		NSSInitContext *(*real)(const char *, const char *, const char *, const char *,
					NSSInitParameters *, PRUint32);

		*(void **)&real = dlsym(RTLD_NEXT, "NSS_InitContext");
		if (real != NULL)
			nss_shared = real(configdir, cert_prefix, key_prefix, secmod_name, params,
					  flags & ~(PRUint32)NSS_INIT_OPTIMIZESPACE);
	}
	if (nss_shared != NULL)
		nss_refs++;
	c = nss_shared;
	pthread_mutex_unlock(&nss_mu);
	return c;
}

SECStatus
NSS_ShutdownContext(NSSInitContext *c)
{
	SECStatus r = SECFailure;

	pthread_mutex_lock(&nss_mu);
	if (c != NULL && c == nss_shared && nss_refs > 0) {
		nss_refs--;
		r = SECSuccess;
	}
	pthread_mutex_unlock(&nss_mu);
	return r;
}

/* the NSS contexts libsrtp holds now (for the tests) */
unsigned long
srtp_lib_nss_refs(void)
{
	unsigned long n;

	pthread_mutex_lock(&nss_mu);
	n = nss_refs;
	pthread_mutex_unlock(&nss_mu);
	return n;
}

void
srtp_lib_nss(void)
{
	/* Debian's libsrtp runs on NSS, and has NSS set itself up the first
	 * time a cipher is made, "optimised for space": a single session
	 * lock and 32 hash buckets for NSS's sessions, of which libsrtp keeps
	 * several per context. With thousands of contexts alive every cipher
	 * operation and every context made walks chains thousands long (at
	 * 10,000 streams about 265 us a packet, and NG requests time out
	 * while calls are set up). Set up first here, without that, NSS keeps
	 * 1,024 buckets; libsrtp's own set-ups then only join it (and
	 * NSS_InitContext above never lets them set it up that way, should
	 * a program make a libsrtp session first). Kept for the life of the
	 * process. */
	if (lib_nss == NULL)
		lib_nss = NSS_InitContext("", "", "", "", NULL,
					  NSS_INIT_READONLY | NSS_INIT_NOCERTDB | NSS_INIT_NOMODDB |
						  NSS_INIT_FORCEOPEN | NSS_INIT_NOROOTINIT);
}

static void
lib_init(void)
{
	srtp_lib_nss();
	/* a second srtp_init() (the program made the first) refuses: then
	 * the kernel is up if its self-tests pass */
	lib_ok = srtp_init() == srtp_err_status_ok ||
		 srtp_crypto_kernel_status() == srtp_err_status_ok;
}

int
srtp_lib_policy(void *policy, enum srtp_suite s, uint8_t *keysalt, uint32_t ssrc, bool inbound)
{
	srtp_policy_t *p = policy;

	memset(p, 0, sizeof(*p));
	switch (s) {
	case SRTP_AES_CM_128_HMAC_SHA1_80:
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
		break;
	case SRTP_AES_CM_128_HMAC_SHA1_32:
		/* RFC 4568 6.2: SRTCP keeps the 80-bit tag */
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
	case SRTP_AEAD_AES_256_GCM:
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
		break;
	default:
		return -EINVAL;
	}
	p->ssrc.type = inbound ? ssrc_any_inbound : (ssrc ? ssrc_specific : ssrc_any_outbound);
	p->ssrc.value = ssrc;
	p->key = keysalt;
	p->window_size = SRTP_REPLAY_WINDOW;
	return 0;
}

int
srtp_lib_create(struct srtp_xf *x, const uint8_t *master_key, const uint8_t *master_salt)
{
	uint8_t keysalt[46];
	srtp_policy_t p;
	srtp_t in = NULL, out = NULL;
	int rc = 0;

	pthread_once(&lib_once, lib_init);
	if (!lib_ok)
		return -EIO;
	memcpy(keysalt, master_key, x->si->key);
	memcpy(keysalt + x->si->key, master_salt, x->si->salt);
	if (srtp_lib_policy(&p, x->suite, keysalt, 0, true) < 0 ||
	    srtp_create(&in, &p) != srtp_err_status_ok)
		rc = -ENOTSUP;
	if (rc == 0 && (srtp_lib_policy(&p, x->suite, keysalt, 0, false) < 0 ||
			srtp_create(&out, &p) != srtp_err_status_ok))
		rc = -ENOTSUP;
	memset(keysalt, 0, sizeof(keysalt));
	if (rc < 0) {
		if (in)
			srtp_dealloc(in);
		return rc;
	}
	x->lib.in = in;
	x->lib.out = out;
	return 0;
}

void
srtp_lib_free(struct srtp_xf *x)
{
	if (x->lib.in)
		srtp_dealloc(x->lib.in);
	if (x->lib.out)
		srtp_dealloc(x->lib.out);
	x->lib.in = x->lib.out = NULL;
}

static int
lib_err(srtp_err_status_t e)
{
	switch (e) {
	case srtp_err_status_auth_fail: return -EBADMSG;
	case srtp_err_status_replay_fail: return -EALREADY;
	case srtp_err_status_replay_old: return -ESTALE;
	case srtp_err_status_alloc_fail: return -ENOMEM;
	default: return -EINVAL;
	}
}

int
srtp_lib_op(struct srtp_xf *x, struct srtp_op *op)
{
	const struct suite_info *si = x->si;
	int len = op->len;
	srtp_err_status_t e;

	switch (op->kind) {
	case SRTP_OP_PROTECT:
		if (srtp_rtp_hdr_len(op->pkt, op->len) == 0)
			return -EINVAL;
		if (op->len + si->tag > op->cap)
			return -ENOSPC;
		e = srtp_protect(x->lib.out, op->pkt, &len);
		break;
	case SRTP_OP_PROTECT_RTCP:
		if (op->len < 8 || (op->pkt[0] >> 6) != 2)
			return -EINVAL;
		if (op->len + 4 + si->rtcp_tag > op->cap)
			return -ENOSPC;
		e = srtp_protect_rtcp(x->lib.out, op->pkt, &len);
		break;
	default: {
		/* libsrtp's GCM decrypts before it checks the tag: a refused
		 * packet is put back as it came (the engines' contract) */
		uint8_t keep[1600];
		bool saved = si->gcm && op->len <= sizeof(keep);

		if (saved)
			memcpy(keep, op->pkt, op->len);
		e = op->kind == SRTP_OP_UNPROTECT ? srtp_unprotect(x->lib.in, op->pkt, &len)
						  : srtp_unprotect_rtcp(x->lib.in, op->pkt, &len);
		if (e != srtp_err_status_ok && saved)
			memcpy(op->pkt, keep, op->len);
		break;
	}
	}
	return e == srtp_err_status_ok ? len : lib_err(e);
}
