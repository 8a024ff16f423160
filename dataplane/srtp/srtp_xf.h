/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane's own SRTP/SRTCP transform (RFC 3711, RFC 7714): key
 * derivation, AES counter mode with HMAC-SHA1, AES-GCM, rollover counter
 * estimation and a 128-packet replay window, SRTCP with its index and
 * E-bit. Contexts are set up on the main lcore (srtp_xf_create allocates);
 * protect/unprotect run on the lcore that owns the stream's state and
 * never lock or block. Tested byte for byte against libsrtp
 * (tests/unit/test_srtp.c).
 *
 * Three engines do the cryptography, chosen per context (the config's
 * dataplane.srtp.engine):
 *   ipsec-mb  intel-ipsec-mb's job manager (AES-NI, SHA-NI, VAES where the
 *             CPU has them), a burst of packets at a time: the default
 *   openssl   OpenSSL EVP, a packet at a time
 *   libsrtp   libsrtp itself (its own replay and rollover state; it
 *             allocates a stream on the worker for each new SSRC): for
 *             small deployments and as the reference
 * Each worker lcore has its own ipsec-mb manager (thread-local), so no
 * crypto state is shared between lcores.
 */
#ifndef DP_SRTP_XF_H
#define DP_SRTP_XF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum srtp_suite {
	SRTP_AES_CM_128_HMAC_SHA1_80,
	SRTP_AES_CM_128_HMAC_SHA1_32,
	SRTP_AES_256_CM_HMAC_SHA1_80,
	SRTP_AES_256_CM_HMAC_SHA1_32,
	SRTP_AEAD_AES_128_GCM,
	SRTP_AEAD_AES_256_GCM,
	SRTP_SUITE_COUNT
};

enum srtp_engine {
	SRTP_ENGINE_IPSECMB,
	SRTP_ENGINE_OPENSSL,
	SRTP_ENGINE_LIBSRTP,
	SRTP_ENGINE_COUNT
};

/* "ipsec-mb", "openssl", "libsrtp"; and back (-1 if unknown). */
const char *srtp_engine_name(enum srtp_engine e);
int srtp_engine_by_name(const char *name);

/* The SDES (RFC 4568) name of a suite, and back (-1 if unknown). */
const char *srtp_suite_name(enum srtp_suite s);
int srtp_suite_by_name(const char *name, size_t len);
/* Master key and salt lengths of a suite (bytes). */
unsigned srtp_suite_key_len(enum srtp_suite s);
unsigned srtp_suite_salt_len(enum srtp_suite s);

#define SRTP_REPLAY_WINDOW 128
#define SRTP_MAX_TRAILER 16     /* bytes protect adds at most (tag, SRTCP index) */

/* Replay and rollover state of one direction of one SSRC. An RTP
 * packet reads and writes only its first SRTP_XF_STATE_RTP bytes (the
 * relay keeps those in a cache line it touches per packet anyway, the
 * SRTCP part on the next: flow.h). */
struct srtp_xf_state {
	uint64_t win[2];         /* RTP: bit i: index (highest - i) seen */
	uint32_t roc;            /* RTP: rollover counter of the highest index */
	uint16_t s_l;            /* RTP: highest sequence number */
	bool init;
	/* SRTCP */
	bool rtcp_init;
	uint32_t rtcp_idx;       /* highest index (rx) / last sent (tx) */
	uint64_t rtcp_win[2];
};
#define SRTP_XF_STATE_RTP offsetof(struct srtp_xf_state, rtcp_init)

struct srtp_xf;   /* opaque: keys and cipher contexts */

/*
 * Main lcore: derives the session keys of @suite from the master key and
 * salt (RFC 3711 4.3, key derivation rate 0). 0 or -errno; *out on
 * success (free with srtp_xf_free).
 */
int srtp_xf_create(struct srtp_xf **out, enum srtp_engine engine, enum srtp_suite suite,
		   const uint8_t *master_key, const uint8_t *master_salt);
void srtp_xf_free(struct srtp_xf *x);
enum srtp_engine srtp_xf_engine(const struct srtp_xf *x);
enum srtp_suite srtp_xf_suite(const struct srtp_xf *x);

/* An ipsec-mb AES-GCM context holds its RTP key data (the AES round keys,
 * then the GHASH key powers, as the GCM code reads them per packet) at
 * SRTP_XF_GCM_KEYS bytes into the context, and a packet reads
 * SRTP_XF_GCM_LINES cache lines of it: a worker prefetches them without
 * reading the context first (flow_prefetch_srtp). Whether @x is such a
 * context: srtp_xf_gcm_keys_at(). */
#define SRTP_XF_GCM_KEYS 640
#define SRTP_XF_GCM_LINES 6
bool srtp_xf_gcm_keys_at(const struct srtp_xf *x);
/* The lines a worker prefetches there: SRTP_XF_GCM_LINES for ipsec-mb's
 * layout, 1 where the GCM suites run on VAES (srtp_vgcm.c: an AES-128
 * context keeps its key and H in one line and makes the rest per packet;
 * AES-256 keeps 7 lines, prefetched again inside the burst). Set before
 * the first context is made. */
extern unsigned srtp_xf_gcm_lines;

/* The lines of an AES-CM context a packet reads from its start (salt,
 * HMAC pads, key): SRTP_XF_CM_LINES with the AES-128 key schedule
 * stored, 2 where the keystream runs on VAES (srtp_vcm_xor: the key kept
 * as it is; AES-256 round keys are prefetched again inside the burst).
 * Set before the first context is made. */
#define SRTP_XF_CM_LINES 4
extern unsigned srtp_xf_cm_lines;

/* The calling thread's ipsec-mb managers (srtp_imb.c), made now rather
 * than at its first packet (worker lcores call it at launch). 0 or -ENOMEM. */
int srtp_xf_thread_init(void);
/* The instruction set ipsec-mb picked on this CPU ("avx512", "sse", ...),
 * whether the HMAC-SHA1 suites run on SHA-NI and what AES-GCM runs on. */
const char *srtp_xf_imb_arch(void);

/* Test hooks (known-answer tests): a context from session keys directly
 * (RFC 7714's vectors give those; not the libsrtp engine: -ENOTSUP), and
 * the AES-CM keystream for an IV. */
int srtp_xf_create_session(struct srtp_xf **out, enum srtp_engine engine, enum srtp_suite suite,
			   const uint8_t *key, const uint8_t *salt, const uint8_t *auth_key);
int srtp_xf_keystream(unsigned key_len, const uint8_t *key, const uint8_t iv[16], uint8_t *out,
		      unsigned n);

/* The RFC 3711 key derivation (PRF AES-CM, rate 0), for the known-answer
 * tests: @out_len bytes of session key material for @label. */
int srtp_xf_kdf(unsigned key_len, const uint8_t *master_key, const uint8_t *master_salt,
		unsigned salt_len, uint8_t label, uint8_t *out, unsigned out_len);

/*
 * Protects the RTP packet @pkt (@len bytes, room for @cap) in place. The
 * new length, or -EINVAL (not RTP, no room), -ENOSPC, -EALREADY (its index
 * was protected before: a keystream is never used twice) or -ESTALE
 * (older than the window), as libsrtp.
 */
int srtp_xf_protect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
		    unsigned cap);
/*
 * Unprotects the SRTP packet @pkt in place: the RTP length, or -EINVAL
 * (malformed), -EBADMSG (authentication failed), -EALREADY (a replay),
 * -ESTALE (older than the replay window). State changes only when the
 * packet authenticates; a refused packet is left as it came.
 */
int srtp_xf_unprotect(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len);
/* The same for RTCP/SRTCP (encrypted, E-bit set). */
int srtp_xf_protect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt, unsigned len,
			 unsigned cap);
int srtp_xf_unprotect_rtcp(struct srtp_xf *x, struct srtp_xf_state *st, uint8_t *pkt,
			   unsigned len);

/*
 * A burst: every op done as its single-packet function would do it, in
 * order (ops on the same stream see each other's state changes), with the
 * ipsec-mb engine's cryptography submitted together. @rc: the result.
 */
enum srtp_op_kind { SRTP_OP_PROTECT, SRTP_OP_UNPROTECT, SRTP_OP_PROTECT_RTCP,
		    SRTP_OP_UNPROTECT_RTCP };

struct srtp_op {
	struct srtp_xf *x;
	struct srtp_xf_state *st;
	uint8_t *pkt;
	uint16_t len, cap;
	uint8_t kind;
	int32_t rc;
	/* the engine's, during the burst */
	uint64_t index;
	uint8_t tag[20], saved[16], aad[12], iv[16];
	uint8_t stage;
};

#define SRTP_BURST_MAX 64

void srtp_xf_burst(struct srtp_op *ops, unsigned n);

#endif
