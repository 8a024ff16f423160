/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registrar for agents' phones: REGISTER with digest authentication
 * (RFC 3261 22, RFC 7616 / RFC 8760: SHA-256 offered first, MD5 too,
 * qop=auth). Nonces are HMAC-signed and time-stamped, expire after
 * nonce_ttl_s (then "stale=true"), and a nonce count can never be used
 * twice (replays get a fresh challenge). Bindings: several contacts per
 * agent, each with its own expiry. Loop thread only.
 */
#ifndef REG_H
#define REG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/cfg.h"
#include "sip/sip_ep.h"

#define REG_URI_MAX 256

struct reg_contact {
	char uri[REG_URI_MAX];
	struct sip_addr addr;    /* where requests to it go */
	uint64_t expires_ms;
	char callid[128];
	uint32_t cseq;
};

struct reg;

/* A user's password, or NULL if there is no such user. */
typedef const char *(*reg_secret_h)(void *arg, const char *user);
/* The user now has @n contacts (0: logged out). */
typedef void (*reg_change_h)(void *arg, const char *user, unsigned n);

#define REG_COUNTERS(X) \
	X(registers) X(challenges) X(auth_ok) X(auth_failed) X(stale_nonces) \
	X(replays) X(unknown_users) X(expired_contacts)

struct reg_stats {
#define X(n) uint64_t n;
	REG_COUNTERS(X)
#undef X
};

int reg_create(struct reg **out, struct cp_loop *loop, const struct cfg_control *cc,
	       reg_secret_h secret, reg_change_h change, void *arg);
void reg_destroy(struct reg *r);
/* New limits after a config reload. */
void reg_configure(struct reg *r, const struct cfg_control *cc);

/* Handles a REGISTER (answers @st). */
void reg_request(struct reg *r, struct sip_stx *st, const struct sip_msg *m,
		 const struct sip_addr *src);

/* The live contacts of @user; returns how many (at most @max). */
unsigned reg_contacts(struct reg *r, const char *user, const struct reg_contact **out,
		      unsigned max);

const struct reg_stats *reg_stats(const struct reg *r);
unsigned reg_bindings(const struct reg *r);

/* Digest helpers, exposed for tests: hex of H(s) with "MD5" or "SHA-256"
 * into @out (at least 65 bytes). 0 or -EINVAL for another algorithm. */
int reg_hash_hex(const char *alg, const char *s, size_t len, char *out);

#endif
