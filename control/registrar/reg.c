/* SPDX-License-Identifier: BSD-3-Clause */
/* Registrar with digest authentication: see reg.h. Loop thread only. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "reg.h"

#define MAX_USERS 4096
#define MAX_CONTACTS 16
#define NONCE_SLOTS 8192

struct binding {
	bool used;
	char user[65];
	struct reg_contact c[MAX_CONTACTS];
	unsigned n;
};

/* nonce-count bookkeeping: the highest nc seen per nonce */
struct nonce_use {
	char nonce[48];
	uint32_t nc;
	uint64_t until_ms;
};

struct reg {
	struct cp_loop *loop;
	struct cfg_registrar conf;
	char realm[129];
	char algs[2][8];
	unsigned n_algs;
	reg_secret_h secret;
	reg_change_h change;
	void *arg;
	uint8_t key[32];
	uint32_t counter;
	struct binding users[MAX_USERS];
	struct nonce_use nonces[NONCE_SLOTS];
	struct cp_timer sweep;
	struct reg_stats st;
};

int
reg_hash_hex(const char *alg, const char *s, size_t len, char *out)
{
	const EVP_MD *md = alg == NULL || strcasecmp(alg, "MD5") == 0 ? EVP_md5()
			   : strcasecmp(alg, "SHA-256") == 0 ? EVP_sha256() : NULL;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (md == NULL || !EVP_Digest(s, len, h, &hl, md, NULL))
		return -EINVAL;
	for (unsigned i = 0; i < hl; i++)
		sprintf(out + 2 * i, "%02x", h[i]);
	out[2 * hl] = '\0';
	return 0;
}

/* nonce = hex(ms since epoch-ish, 12) hex(counter, 8) hex(HMAC[0..10], 20) */
static void
nonce_make(struct reg *r, char *out)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	char body[24];

	snprintf(body, sizeof(body), "%012llx%08x", (unsigned long long)cp_now_ms(r->loop),
		 ++r->counter);
	HMAC(EVP_sha256(), r->key, sizeof(r->key), (const unsigned char *)body, 20, mac, &ml);
	memcpy(out, body, 20);
	for (int i = 0; i < 10; i++)
		sprintf(out + 20 + 2 * i, "%02x", mac[i]);
	out[40] = '\0';
}

/* 0 valid, -ESTALE expired, -EINVAL forged or malformed */
static int
nonce_check(struct reg *r, struct sip_str n)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int ml = 0;
	char want[21], ts[13];
	unsigned long long t;

	if (n.len != 40)
		return -EINVAL;
	HMAC(EVP_sha256(), r->key, sizeof(r->key), (const unsigned char *)n.p, 20, mac, &ml);
	for (int i = 0; i < 10; i++)
		sprintf(want + 2 * i, "%02x", mac[i]);
	if (memcmp(want, n.p + 20, 20) != 0)
		return -EINVAL;
	memcpy(ts, n.p, 12);
	ts[12] = '\0';
	t = strtoull(ts, NULL, 16);
	if (cp_now_ms(r->loop) > t + (uint64_t)r->conf.nonce_ttl_s * 1000)
		return -ESTALE;
	return 0;
}

/* Accepts nonce-count @nc for @n only once and only increasing. */
static bool
nonce_count_ok(struct reg *r, struct sip_str n, uint32_t nc)
{
	uint64_t now = cp_now_ms(r->loop);
	uint32_t h = 2166136261u;
	struct nonce_use *u;

	for (uint32_t i = 0; i < n.len; i++)
		h = (h ^ (uint8_t)n.p[i]) * 16777619u;
	/* a small open-addressed table; a slot is reused once its nonce
	 * has expired, so a live nonce is never forgotten early */
	for (unsigned k = 0; k < 16; k++) {
		u = &r->nonces[(h + k) % NONCE_SLOTS];
		if (strlen(u->nonce) == n.len && memcmp(u->nonce, n.p, n.len) == 0) {
			if (nc <= u->nc)
				return false;
			u->nc = nc;
			return true;
		}
	}
	for (unsigned k = 0; k < 16; k++) {
		u = &r->nonces[(h + k) % NONCE_SLOTS];
		if (u->nonce[0] == '\0' || u->until_ms < now) {
			memcpy(u->nonce, n.p, n.len);
			u->nonce[n.len] = '\0';
			u->nc = nc;
			u->until_ms = now + (uint64_t)r->conf.nonce_ttl_s * 1000 + 1000;
			return true;
		}
	}
	return false;      /* table full around this hash: ask again */
}

/* One challenge per algorithm, the preferred first (RFC 8760 2.4). */
static void
challenge(struct reg *r, struct sip_stx *st, bool stale)
{
	static const char *const dflt[] = { "SHA-256", "MD5" };
	char extra[600];
	size_t n = 0;

	for (unsigned i = 0; i < (r->n_algs ? r->n_algs : 2); i++) {
		char nonce[41];

		nonce_make(r, nonce);
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      "WWW-Authenticate: Digest realm=\"%s\", nonce=\"%s\", "
				      "algorithm=%s, qop=\"auth\"%s\r\n", r->realm, nonce,
				      r->n_algs ? r->algs[i] : dflt[i], stale ? ", stale=true" : "");
	}
	r->st.challenges++;
	sip_respond(st, 401, "Unauthorized", NULL, extra, NULL, NULL);
}

static struct binding *
binding(struct reg *r, const char *user, bool create)
{
	struct binding *free_b = NULL;

	for (unsigned i = 0; i < MAX_USERS; i++) {
		if (r->users[i].used && strcmp(r->users[i].user, user) == 0)
			return &r->users[i];
		if (!r->users[i].used && free_b == NULL)
			free_b = &r->users[i];
	}
	if (!create || free_b == NULL)
		return NULL;
	memset(free_b, 0, sizeof(*free_b));
	free_b->used = true;
	snprintf(free_b->user, sizeof(free_b->user), "%s", user);
	return free_b;
}

static void
drop_contact(struct binding *b, unsigned i)
{
	b->c[i] = b->c[b->n - 1];
	b->n--;
}

static void
sweep(struct cp_timer *t)
{
	struct reg *r = t->arg;
	uint64_t now = cp_now_ms(r->loop);

	for (unsigned i = 0; i < MAX_USERS; i++) {
		struct binding *b = &r->users[i];
		unsigned before = b->n;

		if (!b->used)
			continue;
		for (unsigned k = 0; k < b->n;)
			if (b->c[k].expires_ms <= now) {
				drop_contact(b, k);
				r->st.expired_contacts++;
			} else {
				k++;
			}
		if (b->n != before && r->change)
			r->change(r->arg, b->user, b->n);
		if (b->n == 0)
			b->used = false;
	}
	cp_timer_set(r->loop, &r->sweep, 1000, sweep, r);
}

/* 0 ok, 1 challenge sent, -1 refused (403 sent) */
static int
authenticate(struct reg *r, struct sip_stx *st, const struct sip_msg *m, const char *user)
{
	const char *pass = r->secret(r->arg, user);
	struct sip_digest d;
	char ha1[65], ha2[65], want[65], buf[1024], alg[16] = "MD5", realm[130];
	const struct sip_hdr *h = NULL;
	uint32_t nc = 0;
	int rc;

	for (unsigned i = 0; i < m->n_hdrs; i++)
		if (m->hdrs[i].id == SIP_H_AUTHORIZATION &&
		    sip_digest_parse(m->hdrs[i].value, &d) == 0 && sip_str_ieq(d.realm, r->realm)) {
			h = &m->hdrs[i];
			break;
		}
	if (h == NULL) {       /* none, or only schemes we do not know (RFC 4475 3.3.7) */
		challenge(r, st, false);
		return 1;
	}
	if (pass == NULL || d.response.len == 0 || d.nonce.len == 0 || d.uri.len == 0 ||
	    !sip_str_ieq(d.username, user)) {
		r->st.auth_failed++;
		if (pass == NULL)
			r->st.unknown_users++;
		sip_respond(st, 403, "Forbidden", NULL, NULL, NULL, NULL);
		return -1;
	}
	if (d.algorithm.len)
		sip_strz(d.algorithm, alg, sizeof(alg));
	if (r->n_algs) {
		bool offered = false;

		for (unsigned i = 0; i < r->n_algs; i++)
			offered |= strcasecmp(alg, r->algs[i]) == 0;
		if (!offered) {
			r->st.auth_failed++;
			challenge(r, st, false);
			return 1;
		}
	}
	rc = nonce_check(r, d.nonce);
	if (rc == -ESTALE) {
		r->st.stale_nonces++;
		challenge(r, st, true);
		return 1;
	}
	if (rc < 0) {
		r->st.auth_failed++;
		challenge(r, st, false);
		return 1;
	}
	sip_strz(d.realm, realm, sizeof(realm));
	snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, pass);
	if (reg_hash_hex(alg, buf, strlen(buf), ha1) < 0) {
		r->st.auth_failed++;
		challenge(r, st, false);
		return 1;
	}
	snprintf(buf, sizeof(buf), "REGISTER:%.*s", (int)d.uri.len, d.uri.p);
	reg_hash_hex(alg, buf, strlen(buf), ha2);
	if (d.qop.len) {
		char ncs[9];

		if (!sip_str_ieq(d.qop, "auth") || d.nc.len != 8 || d.cnonce.len == 0) {
			r->st.auth_failed++;
			sip_respond(st, 400, "Bad Authorization", NULL, NULL, NULL, NULL);
			return -1;
		}
		sip_strz(d.nc, ncs, sizeof(ncs));
		nc = (uint32_t)strtoul(ncs, NULL, 16);
		snprintf(buf, sizeof(buf), "%s:%.*s:%.*s:%.*s:auth:%s", ha1, (int)d.nonce.len,
			 d.nonce.p, 8, d.nc.p, (int)d.cnonce.len, d.cnonce.p, ha2);
	} else {
		snprintf(buf, sizeof(buf), "%s:%.*s:%s", ha1, (int)d.nonce.len, d.nonce.p, ha2);
	}
	reg_hash_hex(alg, buf, strlen(buf), want);
	if (!sip_str_ieq(d.response, want)) {
		r->st.auth_failed++;
		sip_respond(st, 403, "Forbidden", NULL, NULL, NULL, NULL);
		return -1;
	}
	/* right password: now make sure this nonce count is new */
	if (!nonce_count_ok(r, d.nonce, d.qop.len ? nc : 0)) {
		r->st.replays++;
		challenge(r, st, true);
		return 1;
	}
	r->st.auth_ok++;
	return 0;
}

void
reg_request(struct reg *r, struct sip_stx *st, const struct sip_msg *m,
	    const struct sip_addr *src)
{
	struct sip_naddr to;
	struct sip_uri u;
	const struct sip_hdr *cid = sip_hdr(m, SIP_H_CALL_ID), *eh = sip_hdr(m, SIP_H_EXPIRES);
	char user[65], extra[4096];
	uint32_t def_exp = 3600, cseq = 0;
	struct sip_str cm;
	struct binding *b;
	uint64_t now = cp_now_ms(r->loop);
	size_t n = 0;
	unsigned before;

	r->st.registers++;
	if (sip_naddr_parse(sip_hdr(m, SIP_H_TO)->value, &to) < 0 ||
	    sip_uri_parse(to.uri, &u) < 0 ||
	    (!sip_str_ieq(u.scheme, "sip") && !sip_str_ieq(u.scheme, "sips")) ||
	    u.user.len == 0 || u.user.len >= sizeof(user)) {
		sip_respond(st, 404, "Not Found", NULL, NULL, NULL, NULL);
		return;
	}
	sip_strz(u.user, user, sizeof(user));
	if (authenticate(r, st, m, user) != 0)
		return;
	sip_cseq(m, &cseq, &cm);
	if (eh && sip_uint(eh->value, UINT32_MAX, &def_exp) < 0)
		def_exp = 3600;
	b = binding(r, user, true);
	if (b == NULL) {
		sip_respond(st, 500, "Registrar Full", NULL, NULL, NULL, NULL);
		return;
	}
	before = b->n;
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		struct sip_str item;
		uint32_t pos = 0;

		if (m->hdrs[i].id != SIP_H_CONTACT)
			continue;
		if (sip_str_ieq(m->hdrs[i].value, "*")) {
			if (def_exp != 0) {
				sip_respond(st, 400, "Wildcard Contact Needs Expires 0", NULL, NULL,
					    NULL, NULL);
				return;
			}
			b->n = 0;
			continue;
		}
		while (sip_list_next(m->hdrs[i].value, &pos, &item)) {
			struct sip_naddr na;
			struct sip_uri cu;
			struct sip_str ev;
			uint32_t exp = def_exp;
			unsigned k;

			if (sip_naddr_parse(item, &na) < 0 || sip_uri_parse(na.uri, &cu) < 0 ||
			    na.uri.len >= REG_URI_MAX) {
				sip_respond(st, 400, "Bad Contact", NULL, NULL, NULL, NULL);
				return;
			}
			if (sip_param(na.params, "expires", &ev) && sip_uint(ev, UINT32_MAX, &exp) < 0)
				exp = def_exp;
			if (exp > r->conf.max_expires)
				exp = r->conf.max_expires;
			if (exp && exp < r->conf.min_expires) {
				char me[64];

				snprintf(me, sizeof(me), "Min-Expires: %u\r\n", r->conf.min_expires);
				sip_respond(st, 423, "Interval Too Brief", NULL, me, NULL, NULL);
				return;
			}
			for (k = 0; k < b->n; k++)
				if (strlen(b->c[k].uri) == na.uri.len &&
				    memcmp(b->c[k].uri, na.uri.p, na.uri.len) == 0)
					break;
			if (k < b->n && cid && strlen(b->c[k].callid) == cid->value.len &&
			    memcmp(b->c[k].callid, cid->value.p, cid->value.len) == 0 &&
			    cseq <= b->c[k].cseq) {
				sip_respond(st, 500, "Out Of Order", NULL, "Retry-After: 1\r\n", NULL,
					    NULL);
				return;
			}
			if (exp == 0) {
				if (k < b->n)
					drop_contact(b, k);
				continue;
			}
			if (k == b->n) {
				if (b->n >= r->conf.max_contacts || b->n >= MAX_CONTACTS) {
					/* replace the one that expires first */
					unsigned old = 0;

					for (unsigned j = 1; j < b->n; j++)
						if (b->c[j].expires_ms < b->c[old].expires_ms)
							old = j;
					k = old;
				} else {
					b->n++;
				}
			}
			memset(&b->c[k], 0, sizeof(b->c[k]));
			sip_strz(na.uri, b->c[k].uri, sizeof(b->c[k].uri));
			if (sip_uri_addr(&cu, &b->c[k].addr) < 0)
				b->c[k].addr = *src;   /* a name we do not resolve: its source */
			b->c[k].expires_ms = now + (uint64_t)exp * 1000;
			if (cid)
				sip_strz(cid->value, b->c[k].callid, sizeof(b->c[k].callid));
			b->c[k].cseq = cseq;
		}
	}
	for (unsigned k = 0; k < b->n && n < sizeof(extra) - 400; k++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n, "Contact: <%s>;expires=%llu\r\n",
				      b->c[k].uri,
				      (unsigned long long)((b->c[k].expires_ms - now + 500) / 1000));
	extra[n] = '\0';
	sip_respond(st, 200, "OK", NULL, extra, NULL, NULL);
	if (b->n != before && r->change)
		r->change(r->arg, b->user, b->n);
	if (b->n == 0)
		b->used = false;
}

unsigned
reg_contacts(struct reg *r, const char *user, const struct reg_contact **out, unsigned max)
{
	struct binding *b = binding(r, user, false);
	uint64_t now = cp_now_ms(r->loop);
	unsigned n = 0;

	if (b == NULL)
		return 0;
	for (unsigned k = 0; k < b->n && n < max; k++)
		if (b->c[k].expires_ms > now)
			out[n++] = &b->c[k];
	return n;
}

void
reg_configure(struct reg *r, const struct cfg_control *cc)
{
	r->conf = cc->registrar;
	r->n_algs = cc->registrar.n_algorithms < 2 ? cc->registrar.n_algorithms : 2;
	for (unsigned i = 0; i < r->n_algs; i++)
		snprintf(r->algs[i], sizeof(r->algs[i]), "%s", cc->registrar.algorithms[i]);
	snprintf(r->realm, sizeof(r->realm), "%s", cc->sip.domain);
}

int
reg_create(struct reg **out, struct cp_loop *loop, const struct cfg_control *cc,
	   reg_secret_h secret, reg_change_h change, void *arg)
{
	struct reg *r = calloc(1, sizeof(*r));
	int fd;

	if (r == NULL)
		return -ENOMEM;
	r->loop = loop;
	r->secret = secret;
	r->change = change;
	r->arg = arg;
	reg_configure(r, cc);
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, r->key, sizeof(r->key)) != (ssize_t)sizeof(r->key)) {
		if (fd >= 0)
			close(fd);
		free(r);
		return -EIO;
	}
	close(fd);
	cp_timer_set(loop, &r->sweep, 1000, sweep, r);
	*out = r;
	return 0;
}

void
reg_destroy(struct reg *r)
{
	if (r == NULL)
		return;
	cp_timer_stop(&r->sweep);
	free(r);
}

const struct reg_stats *
reg_stats(const struct reg *r)
{
	return &r->st;
}

unsigned
reg_bindings(const struct reg *r)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_USERS; i++)
		if (r->users[i].used)
			n += r->users[i].n;
	return n;
}
