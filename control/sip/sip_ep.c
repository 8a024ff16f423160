/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP endpoint: UDP/TCP transports and the RFC 3261/6026 transaction
 * layer (see sip_ep.h). Runs on the control plane's loop thread only.
 * Every message buffer is bounded; input that cannot be answered is
 * dropped and counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config/cfg.h"
#include "core/str.h"
#include "sip_ep.h"

#define HBUCKETS 65536
#define MAX_LISTEN 8
#define MAX_CONNS 1024
#define CONN_BUF (SIP_MAX_MSG + 1)

enum { ST_TRYING, ST_PROCEEDING, ST_COMPLETED, ST_CONFIRMED, ST_ACCEPTED, ST_TERMINATED };

struct hent {
	struct hent *next;
	char *key;
};

struct sip_stx {
	struct hent h;            /* keyed by branch, sent-by and method */
	struct hent ackh;         /* INVITE 2xx: keyed by Call-ID and CSeq, for its ACK */
	struct sip_ep *ep;
	bool invite;
	int state;
	char *req;                /* request text while the TU may answer */
	struct sip_msg *msg;
	struct sip_addr src;
	char *resp;               /* last response, for retransmission */
	size_t resp_len;
	int code;
	uint32_t g_ms;
	struct cp_timer tg;       /* G (or 2xx retransmission) */
	struct cp_timer th;       /* H, I, J, L: end of the transaction */
	void *data;
};

struct sip_ctx {
	struct hent h;            /* keyed by branch and method */
	struct sip_ep *ep;
	bool invite;
	int state;
	char *req;
	size_t req_len;
	struct sip_addr dst;
	uint32_t a_ms;
	struct cp_timer ta;       /* A or E */
	struct cp_timer tb;       /* B, F, D, K, M */
	sip_resp_h cb;
	void *ctx;
	bool cancel_wanted, cancel_sent;
	char *ack;                /* the TU's ACK for the 2xx */
	struct sip_addr ack_dst;
};

struct conn {
	struct cp_io io;
	struct sip_ep *ep;
	int slot;
	char *buf;
	size_t len;
};

struct listener {
	struct cp_io udp, tcp;
	struct sip_ep *ep;
	struct sockaddr_storage ss;
};

struct sip_ep {
	struct cp_loop *loop;
	struct sip_ep_conf conf;
	sip_req_h on_req;
	sip_ack_h on_ack;
	sip_cancel_h on_cancel;
	void *arg;
	struct hent *buckets[HBUCKETS];
	uint32_t live;
	struct listener ls[MAX_LISTEN];
	unsigned n_ls;
	struct conn *conns[MAX_CONNS];
	char hostport[80];
	sip_send_hook_h hook;
	void *hook_arg;
	struct sip_ep_stats st;
	uint64_t rng;
};

/* ---- hashing ---- */

static uint32_t
hash(const char *s)
{
	return cp_hash(s) % HBUCKETS;
}

static void
h_add(struct sip_ep *ep, struct hent *e)
{
	uint32_t b = hash(e->key);

	e->next = ep->buckets[b];
	ep->buckets[b] = e;
}

static void
h_del(struct sip_ep *ep, struct hent *e)
{
	if (e->key == NULL)
		return;
	for (struct hent **pp = &ep->buckets[hash(e->key)]; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	free(e->key);
	e->key = NULL;
}

static struct hent *
h_find(struct sip_ep *ep, const char *key)
{
	for (struct hent *e = ep->buckets[hash(key)]; e; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

#define STX_OF(e) ((struct sip_stx *)((char *)(e) - offsetof(struct sip_stx, h)))
#define STX_OF_ACK(e) ((struct sip_stx *)((char *)(e) - offsetof(struct sip_stx, ackh)))
#define CTX_OF(e) ((struct sip_ctx *)((char *)(e) - offsetof(struct sip_ctx, h)))

/* ---- small helpers ---- */


void
sip_token(char *buf, size_t len)
{
	static uint64_t s;
	static const char hex[] = "0123456789abcdef";

	if (s == 0) {
		int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

		if (fd < 0 || read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
		if (fd >= 0)
			close(fd);
		s |= 1;
	}
	for (size_t i = 0; i + 1 < len; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		buf[i] = hex[s & 15];
	}
	if (len)
		buf[len - 1] = '\0';
}

const char *
sip_addr_str(const struct sip_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	uint16_t port = 0;

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)&a->ss;

		inet_ntop(AF_INET, &s->sin_addr, ip, sizeof(ip));
		port = ntohs(s->sin_port);
		snprintf(buf, len, "%s:%u", ip, port);
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&a->ss;

		inet_ntop(AF_INET6, &s->sin6_addr, ip, sizeof(ip));
		port = ntohs(s->sin6_port);
		snprintf(buf, len, "[%s]:%u", ip, port);
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

static void
addr_ip(const struct sip_addr *a, char *ip, size_t len)
{
	if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr,
			  ip, (socklen_t)len);
	else
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr,
			  ip, (socklen_t)len);
}

static uint16_t
addr_port(const struct sip_addr *a)
{
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)(const void *)&a->ss)->sin_port);
}

int
sip_uri_addr(const struct sip_uri *u, struct sip_addr *out)
{
	char host[80], buf[100];
	struct sip_str tp;

	if (u->host.len == 0 || u->host.len >= sizeof(host))
		return -EINVAL;
	sip_strz(u->host, host, sizeof(host));
	snprintf(buf, sizeof(buf), strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
		 u->port ? u->port : 5060);
	memset(out, 0, sizeof(*out));
	if (cfg_parse_hostport(buf, &out->ss) < 0)
		return -EINVAL;
	out->len = out->ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	out->tp = sip_param(u->params, "transport", &tp) && sip_str_ieq(tp, "tcp") ? SIP_TP_TCP
										 : SIP_TP_UDP;
	out->conn = -1;
	return 0;
}

/* ---- sending ---- */

static int
tx(struct sip_ep *ep, const struct sip_addr *dst, const char *buf, size_t len)
{
	ssize_t n;

	ep->st.tx_msgs++;
	if (ep->hook) {
		ep->hook(ep->hook_arg, dst, buf, len);
		return 0;
	}
	if (dst->tp == SIP_TP_TCP) {
		struct conn *c = dst->conn >= 0 && dst->conn < MAX_CONNS ? ep->conns[dst->conn] : NULL;

		if (c == NULL) {
			ep->st.tx_errors++;
			return -ENOTCONN;
		}
		n = send(c->io.fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	} else {
		int fd = -1;

		for (unsigned i = 0; i < ep->n_ls; i++)
			if (ep->ls[i].ss.ss_family == dst->ss.ss_family) {
				fd = ep->ls[i].udp.fd;
				break;
			}
		if (fd < 0) {
			ep->st.tx_errors++;
			return -EAFNOSUPPORT;
		}
		n = sendto(fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&dst->ss, dst->len);
	}
	if (n != (ssize_t)len) {
		ep->st.tx_errors++;
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

int
sip_send_raw(struct sip_ep *ep, const struct sip_addr *dst, const char *buf, size_t len)
{
	return tx(ep, dst, buf, len);
}

/* ---- server transactions ---- */

static void stx_free(struct sip_stx *st);

static void
stx_end(struct cp_timer *t)
{
	stx_free(t->arg);
}

static void
stx_free(struct sip_stx *st)
{
	struct sip_ep *ep = st->ep;

	cp_timer_stop(&st->tg);
	cp_timer_stop(&st->th);
	h_del(ep, &st->h);
	h_del(ep, &st->ackh);
	free(st->req);
	free(st->msg);
	free(st->resp);
	ep->live--;
	free(st);
}

static void
stx_retrans(struct cp_timer *t)
{
	struct sip_stx *st = t->arg;
	struct sip_ep *ep = st->ep;

	if (st->resp == NULL)
		return;
	ep->st.tx_retrans++;
	tx(ep, &st->src, st->resp, st->resp_len);
	st->g_ms = st->g_ms * 2 < ep->conf.t2_ms ? st->g_ms * 2 : ep->conf.t2_ms;
	cp_timer_set(ep->loop, &st->tg, st->g_ms, stx_retrans, st);
}

/* The transaction key (RFC 3261 17.2.3; RFC 2543 matching without the
 * magic cookie). */
static char *
stx_key(const struct sip_msg *m, const struct sip_via *via, struct sip_str method)
{
	const struct sip_hdr *cid = sip_hdr(m, SIP_H_CALL_ID), *vh = sip_hdr(m, SIP_H_VIA);
	struct sip_naddr from;
	uint32_t cseq = 0;
	struct sip_str cm;

	if (via->branch.len > 7 && strncmp(via->branch.p, "z9hG4bK", 7) == 0)
		return cp_asprintf("s|%.*s|%.*s|%.*s", (int)via->branch.len, via->branch.p,
				 (int)via->sent_by.len, via->sent_by.p, (int)method.len, method.p);
	memset(&from, 0, sizeof(from));
	if (sip_hdr(m, SIP_H_FROM))
		sip_naddr_parse(sip_hdr(m, SIP_H_FROM)->value, &from);
	sip_cseq(m, &cseq, &cm);
	return cp_asprintf("2|%.*s|%u|%.*s|%.*s|%.*s|%.*s", cid ? (int)cid->value.len : 0,
			 cid ? cid->value.p : "", cseq, (int)from.tag.len, from.tag.p,
			 (int)m->ruri.len, m->ruri.p, vh ? (int)vh->value.len : 0,
			 vh ? vh->value.p : "", (int)method.len, method.p);
}

/* Response text for @m (the request). */
static char *
build_response(struct sip_ep *ep, const struct sip_msg *m, const struct sip_addr *src, int code,
	       const char *reason, const char *to_tag, const char *extra, const char *ctype,
	       const char *body, size_t *outlen)
{
	size_t cap = 4096 + (body ? strlen(body) : 0) + (extra ? strlen(extra) : 0) + m->len;
	char *out = malloc(cap), ip[INET6_ADDRSTRLEN];
	size_t n = 0;
	bool first_via = true;

	if (out == NULL)
		return NULL;
	addr_ip(src, ip, sizeof(ip));
#define PUT(...) do { \
	int k_ = snprintf(out + n, cap - n, __VA_ARGS__); \
	if (k_ < 0 || (size_t)k_ >= cap - n) { free(out); return NULL; } \
	n += (size_t)k_; \
} while (0)
	PUT("SIP/2.0 %d %s\r\n", code, reason);
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		switch (h->id) {
		case SIP_H_VIA:
			if (first_via) {
				/* RFC 3261 18.2.1 received, RFC 3581 rport on the top value */
				struct sip_str item;
				uint32_t pos = 0;
				struct sip_via via;

				first_via = false;
				if (!sip_list_next(h->value, &pos, &item) ||
				    sip_via_parse(item, &via) < 0)
					goto copy;
				PUT("Via: %.*s", (int)item.len, item.p);
				if (!sip_str_ieq(via.host, ip) && via.received.len == 0)
					PUT(";received=%s", ip);
				if (via.rport) {
					struct sip_str rv;

					sip_param(via.params, "rport", &rv);
					if (rv.len == 0)
						PUT("=%u", addr_port(src));
				}
				if (pos < h->value.len)
					PUT("%.*s", (int)(h->value.len - pos), h->value.p + pos);
				PUT("\r\n");
				break;
			}
			goto copy;
		case SIP_H_TO: {
			struct sip_naddr to;

			if (to_tag && code > 100 && sip_naddr_parse(h->value, &to) == 0 &&
			    to.tag.len == 0) {
				PUT("To: %.*s;tag=%s\r\n", (int)h->value.len, h->value.p, to_tag);
				break;
			}
			goto copy;
		}
		case SIP_H_RECORD_ROUTE:
			if (code > 100 && code < 300)
				goto copy;
			break;
		case SIP_H_FROM:
		case SIP_H_CALL_ID:
		case SIP_H_CSEQ:
		copy:
			PUT("%s: %.*s\r\n", h->id ? sip_hdr_name(h->id) : "", (int)h->value.len,
			    h->value.p);
			break;
		default:
			break;
		}
	}
	PUT("Server: %s\r\n", ep->conf.user_agent ? ep->conf.user_agent : "callplane");
	if (extra)
		PUT("%s", extra);
	if (body && ctype)
		PUT("Content-Type: %s\r\n", ctype);
	PUT("Content-Length: %zu\r\n\r\n", body && ctype ? strlen(body) : 0);
	if (body && ctype)
		PUT("%s", body);
#undef PUT
	*outlen = n;
	return out;
}

int
sip_respond(struct sip_stx *st, int code, const char *reason, const char *to_tag,
	    const char *extra, const char *ctype, const char *body)
{
	struct sip_ep *ep = st->ep;
	size_t len;
	char *r;

	if (st->msg == NULL || st->state >= ST_COMPLETED)
		return -EALREADY;
	r = build_response(ep, st->msg, &st->src, code, reason, to_tag, extra, ctype, body, &len);
	if (r == NULL)
		return -ENOMEM;
	free(st->resp);
	st->resp = r;
	st->resp_len = len;
	st->code = code;
	tx(ep, &st->src, r, len);
	if (code < 200) {
		st->state = ST_PROCEEDING;
		return 0;
	}
	/* final: the TU is done with the request */
	cp_timer_stop(&st->th);
	if (st->invite && code < 300) {
		/* RFC 6026 Accepted: absorb INVITE retransmissions for 64*T1;
		 * the 2xx goes again until its ACK (RFC 3261 13.3.1.4) */
		const struct sip_hdr *cid = sip_hdr(st->msg, SIP_H_CALL_ID);
		uint32_t cseq = 0;
		struct sip_str cm;

		sip_cseq(st->msg, &cseq, &cm);
		st->state = ST_ACCEPTED;
		st->ackh.key = cp_asprintf("a|%.*s|%u", (int)cid->value.len, cid->value.p, cseq);
		if (st->ackh.key)
			h_add(ep, &st->ackh);
		st->g_ms = ep->conf.t1_ms;
		cp_timer_set(ep->loop, &st->tg, st->g_ms, stx_retrans, st);
		cp_timer_set(ep->loop, &st->th, 64 * ep->conf.t1_ms, stx_end, st);
	} else if (st->invite) {
		st->state = ST_COMPLETED;
		if (st->src.tp == SIP_TP_UDP) {
			st->g_ms = ep->conf.t1_ms;
			cp_timer_set(ep->loop, &st->tg, st->g_ms, stx_retrans, st);
		}
		cp_timer_set(ep->loop, &st->th, 64 * ep->conf.t1_ms, stx_end, st);  /* H */
	} else {
		st->state = ST_COMPLETED;
		cp_timer_set(ep->loop, &st->th, st->src.tp == SIP_TP_UDP ? 64 * ep->conf.t1_ms : 0,
			     stx_end, st);                                 /* J */
	}
	free(st->msg);
	st->msg = NULL;
	free(st->req);
	st->req = NULL;
	return 0;
}

void
sip_stx_set_data(struct sip_stx *st, void *data)
{
	st->data = data;
}

void *
sip_stx_data(const struct sip_stx *st)
{
	return st->data;
}

const struct sip_msg *
sip_stx_request(const struct sip_stx *st)
{
	return st->msg;
}

const struct sip_addr *
sip_stx_source(const struct sip_stx *st)
{
	return &st->src;
}

/* Answers a request that gets no transaction (bad or refused at once). */
static void
respond_once(struct sip_ep *ep, const struct sip_msg *m, const struct sip_addr *src, int code,
	     const char *reason, const char *extra)
{
	size_t len;
	char tag[17];
	char *r;

	sip_token(tag, sizeof(tag));
	r = build_response(ep, m, src, code, reason, tag, extra, NULL, NULL, &len);
	if (r) {
		tx(ep, src, r, len);
		free(r);
	}
}

/* ---- client transactions ---- */

static void ctx_free(struct sip_ctx *ct);

static void
ctx_end(struct cp_timer *t)
{
	ctx_free(t->arg);
}

static void
ctx_free(struct sip_ctx *ct)
{
	cp_timer_stop(&ct->ta);
	cp_timer_stop(&ct->tb);
	h_del(ct->ep, &ct->h);
	ct->ep->live--;
	free(ct->req);
	free(ct->ack);
	free(ct);
}

static void
ctx_deliver(struct sip_ctx *ct, const struct sip_msg *m, int status)
{
	if (ct->cb)
		ct->cb(ct->ctx, ct, m, status);
}

static void
ctx_timeout(struct cp_timer *t)
{
	struct sip_ctx *ct = t->arg;

	ct->ep->st.ctx_timeouts++;
	ct->state = ST_TERMINATED;
	ctx_deliver(ct, NULL, 408);
	ctx_free(ct);
}

static void
ctx_retrans(struct cp_timer *t)
{
	struct sip_ctx *ct = t->arg;
	struct sip_ep *ep = ct->ep;

	/* A: INVITE while Calling; E: non-INVITE while Trying, and at T2
	 * once Proceeding */
	if (ct->state != ST_TRYING && !(ct->state == ST_PROCEEDING && !ct->invite))
		return;
	ep->st.tx_retrans++;
	tx(ep, &ct->dst, ct->req, ct->req_len);
	if (ct->state == ST_PROCEEDING)
		ct->a_ms = ep->conf.t2_ms;
	else
		ct->a_ms = ct->invite ? ct->a_ms * 2
				      : (ct->a_ms * 2 < ep->conf.t2_ms ? ct->a_ms * 2 : ep->conf.t2_ms);
	cp_timer_set(ep->loop, &ct->ta, ct->a_ms, ctx_retrans, ct);
}

/* Starts a client transaction for @text whose top Via has @branch. */
static struct sip_ctx *
ctx_start(struct sip_ep *ep, const struct sip_addr *dst, char *text, const char *branch,
	  const char *method, sip_resp_h cb, void *ctxp)
{
	struct sip_ctx *ct = calloc(1, sizeof(*ct));

	if (ct == NULL || text == NULL) {
		free(ct);
		free(text);
		errno = ENOMEM;
		return NULL;
	}
	ct->req = text;
	ct->h.key = cp_asprintf("c|%s|%s", branch, method);
	if (ct->h.key == NULL) {
		free(ct->req);
		free(ct);
		errno = ENOMEM;
		return NULL;
	}
	ct->req_len = strlen(ct->req);
	ct->ep = ep;
	ct->dst = *dst;
	ct->invite = strcmp(method, "INVITE") == 0;
	ct->cb = cb;
	ct->ctx = ctxp;
	ct->state = ST_TRYING;
	h_add(ep, &ct->h);
	ep->live++;
	ep->st.ctx_created++;
	if (tx(ep, dst, ct->req, ct->req_len) < 0 && dst->tp == SIP_TP_TCP) {
		cp_timer_set(ep->loop, &ct->tb, 0, ctx_timeout, ct);
		return ct;
	}
	ct->a_ms = ep->conf.t1_ms;
	if (dst->tp == SIP_TP_UDP)
		cp_timer_set(ep->loop, &ct->ta, ct->a_ms, ctx_retrans, ct);   /* A / E */
	cp_timer_set(ep->loop, &ct->tb, 64 * ep->conf.t1_ms, ctx_timeout, ct); /* B / F */
	return ct;
}

struct sip_ctx *
sip_request(struct sip_ep *ep, const struct sip_addr *dst, const char *msg, sip_resp_h cb,
	    void *ctxp)
{
	char branch[24] = "z9hG4bK", method[32];
	const char *at = strstr(msg, "@BRANCH@");
	size_t mlen = strcspn(msg, " ");

	if (at == NULL || mlen == 0 || mlen >= sizeof(method)) {
		errno = EINVAL;
		return NULL;
	}
	sip_token(branch + 7, sizeof(branch) - 7);
	memcpy(method, msg, mlen);
	method[mlen] = '\0';
	return ctx_start(ep, dst, cp_asprintf("%.*s%s%s", (int)(at - msg), msg, branch, at + 8),
			 branch, method, cb, ctxp);
}

void
sip_ctx_set_ack(struct sip_ctx *ct, const struct sip_addr *dst, const char *ack)
{
	free(ct->ack);
	ct->ack = strdup(ack);
	ct->ack_dst = *dst;
}

void
sip_ctx_forget(struct sip_ctx *ct)
{
	if (ct) {
		ct->cb = NULL;
		ct->ctx = NULL;
	}
}

/* A request header line of the stored request, for ACK and CANCEL. */
static int
build_from_request(struct sip_ctx *ct, const char *method, const struct sip_msg *resp,
		   char **out, size_t *outlen)
{
	struct sip_msg *m = malloc(sizeof(*m));
	char *buf;
	size_t cap, n = 0;
	uint32_t cseq = 0;
	struct sip_str cm;
	char err[64];

	if (m == NULL)
		return -ENOMEM;
	if (sip_parse(m, ct->req, ct->req_len, false, err, sizeof(err)) < 0 ||
	    sip_cseq(m, &cseq, &cm) < 0) {
		free(m);
		return -EINVAL;
	}
	cap = ct->req_len + 512 + (resp ? resp->len : 0);
	buf = malloc(cap);
	if (buf == NULL) {
		free(m);
		return -ENOMEM;
	}
#define PUT(...) do { \
	int k_ = snprintf(buf + n, cap - n, __VA_ARGS__); \
	if (k_ < 0 || (size_t)k_ >= cap - n) { free(buf); free(m); return -E2BIG; } \
	n += (size_t)k_; \
} while (0)
	PUT("%s %.*s SIP/2.0\r\n", method, (int)m->ruri.len, m->ruri.p);
	{
		const struct sip_hdr *v = sip_hdr(m, SIP_H_VIA);
		struct sip_str item;
		uint32_t pos = 0;

		if (!sip_list_next(v->value, &pos, &item)) {
			free(buf);
			free(m);
			return -EINVAL;
		}
		PUT("Via: %.*s\r\n", (int)item.len, item.p);
	}
	for (unsigned i = 0; i < m->n_hdrs; i++) {
		const struct sip_hdr *h = &m->hdrs[i];

		if (h->id == SIP_H_FROM || h->id == SIP_H_CALL_ID || h->id == SIP_H_ROUTE ||
		    (h->id == SIP_H_TO && resp == NULL) || h->id == SIP_H_MAX_FORWARDS)
			PUT("%s: %.*s\r\n", sip_hdr_name(h->id), (int)h->value.len, h->value.p);
	}
	if (resp) {
		const struct sip_hdr *to = sip_hdr(resp, SIP_H_TO);

		if (to)
			PUT("To: %.*s\r\n", (int)to->value.len, to->value.p);
	}
	PUT("CSeq: %u %s\r\nContent-Length: 0\r\n\r\n", cseq, method);
#undef PUT
	free(m);
	*out = buf;
	*outlen = n;
	return 0;
}

static void
send_cancel(struct sip_ctx *ct)
{
	char *buf, branch[64];
	const char *b = ct->h.key + 2, *e = strchr(b, '|');
	size_t len;

	if (ct->cancel_sent || e == NULL || (size_t)(e - b) >= sizeof(branch) ||
	    build_from_request(ct, "CANCEL", NULL, &buf, &len) < 0)
		return;
	ct->cancel_sent = true;
	/* the CANCEL is a transaction of its own with the INVITE's branch
	 * (RFC 3261 9.1); build_from_request kept the INVITE's top Via */
	memcpy(branch, b, (size_t)(e - b));
	branch[e - b] = '\0';
	ctx_start(ct->ep, &ct->dst, buf, branch, "CANCEL", NULL, NULL);
}

int
sip_cancel(struct sip_ctx *ct)
{
	if (!ct->invite || ct->state >= ST_COMPLETED)
		return -EALREADY;
	ct->cancel_wanted = true;
	if (ct->state == ST_PROCEEDING)
		send_cancel(ct);
	return 0;
}

static void
ctx_response(struct sip_ep *ep, struct sip_ctx *ct, const struct sip_msg *m)
{
	int code = m->status;

	if (code < 200) {
		if (ct->state == ST_TRYING) {
			ct->state = ST_PROCEEDING;
			if (ct->invite)
				cp_timer_stop(&ct->ta);  /* no more INVITE retransmissions */
			if (ct->cancel_wanted)
				send_cancel(ct);
		}
		if (ct->state == ST_PROCEEDING)
			ctx_deliver(ct, m, code);
		return;
	}
	if (ct->invite) {
		if (code < 300) {
			/* RFC 6026 Accepted: pass every 2xx up (the TU acks each)
			 * until timer M */
			if (ct->state != ST_ACCEPTED) {
				ct->state = ST_ACCEPTED;
				cp_timer_stop(&ct->ta);
				cp_timer_set(ep->loop, &ct->tb, 64 * ep->conf.t1_ms, ctx_end, ct);
			} else if (ct->ack) {
				tx(ep, &ct->ack_dst, ct->ack, strlen(ct->ack));
				return;
			}
			ctx_deliver(ct, m, code);
			return;
		}
		/* non-2xx: the transaction ACKs it, also each retransmission */
		{
			char *ack;
			size_t len;

			if (build_from_request(ct, "ACK", m, &ack, &len) == 0) {
				tx(ep, &ct->dst, ack, len);
				free(ack);
			}
		}
		if (ct->state == ST_COMPLETED)
			return;
		ct->state = ST_COMPLETED;
		cp_timer_stop(&ct->ta);
		cp_timer_set(ep->loop, &ct->tb, ct->dst.tp == SIP_TP_UDP ? 32000 : 0, ctx_end, ct);
		ctx_deliver(ct, m, code);
		return;
	}
	if (ct->state >= ST_COMPLETED)
		return;
	ct->state = ST_COMPLETED;
	cp_timer_stop(&ct->ta);
	cp_timer_set(ep->loop, &ct->tb, ct->dst.tp == SIP_TP_UDP ? ep->conf.t4_ms : 0, ctx_end,
		     ct); /* K */
	ctx_deliver(ct, m, code);
}

/* ---- input ---- */

static void
handle_request(struct sip_ep *ep, const char *buf, struct sip_msg *m, const struct sip_addr *src)
{
	struct sip_via via;
	struct sip_str unsup = { NULL, 0 }, method = m->method;
	char why[128], *key;
	struct hent *e;
	int code;

	if (sip_via_parse(sip_hdr(m, SIP_H_VIA) ? sip_hdr(m, SIP_H_VIA)->value
						: (struct sip_str){ "", 0 }, &via) < 0) {
		/* no transaction without a Via; answer the source if we can */
		ep->st.rx_bad++;
		if (!sip_str_ieq(m->method, "ACK") && sip_hdr(m, SIP_H_VIA) &&
		    sip_hdr(m, SIP_H_CALL_ID) && sip_hdr(m, SIP_H_FROM) && sip_hdr(m, SIP_H_TO) &&
		    sip_hdr(m, SIP_H_CSEQ))
			respond_once(ep, m, src, 400, "Malformed Via", NULL);
		return;
	}
	if (sip_str_ieq(m->method, "ACK"))
		method = (struct sip_str){ "INVITE", 6 };
	key = stx_key(m, &via, method);
	if (key == NULL)
		return;
	e = h_find(ep, key);
	if (e) {
		struct sip_stx *st = STX_OF(e);

		free(key);
		if (sip_str_ieq(m->method, "ACK")) {
			if (st->state == ST_COMPLETED) {         /* ACK for non-2xx */
				st->state = ST_CONFIRMED;
				cp_timer_stop(&st->tg);
				cp_timer_set(ep->loop, &st->th,
					     st->src.tp == SIP_TP_UDP ? ep->conf.t4_ms : 0, stx_end,
					     st);                      /* I */
				return;
			}
			/* RFC 2543-style ACK to a 2xx: to the TU */
			goto ack2xx;
		}
		ep->st.rx_retrans++;
		if (st->resp)
			tx(ep, &st->src, st->resp, st->resp_len);
		return;
	}
	if (sip_str_ieq(m->method, "ACK")) {
		free(key);
	ack2xx: {
		const struct sip_hdr *cid = sip_hdr(m, SIP_H_CALL_ID);
		uint32_t cseq = 0;
		struct sip_str cm;
		char *ak;

		if (cid && sip_cseq(m, &cseq, &cm) == 0 &&
		    (ak = cp_asprintf("a|%.*s|%u", (int)cid->value.len, cid->value.p, cseq))) {
			e = h_find(ep, ak);
			free(ak);
			if (e)
				cp_timer_stop(&STX_OF_ACK(e)->tg);
		}
		ep->st.stray_acks += e == NULL;
		if (ep->on_ack)
			ep->on_ack(ep->arg, m, src);
		return;
	}
	}
	code = sip_check(m, why, sizeof(why), &unsup);
	if (code > 0) {
		char extra[300] = "";

		ep->st.resp_4xx_check++;
		if (code == 420 && unsup.len)
			snprintf(extra, sizeof(extra), "Unsupported: %.*s\r\n",
				 (int)(unsup.len > 200 ? 200 : unsup.len), unsup.p);
		if (code == 415 || code == 406)
			snprintf(extra, sizeof(extra), "Accept: application/sdp\r\n");
		if (code == 405 || code == 501)
			snprintf(extra, sizeof(extra),
				 "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\r\n");
		free(key);
		respond_once(ep, m, src, code, why, extra);
		return;
	}
	{
		struct sip_stx *st = calloc(1, sizeof(*st));
		size_t blen = m->len;
		char err[32];

		if (st == NULL) {
			free(key);
			return;
		}
		st->ep = ep;
		st->src = *src;
		st->h.key = key;
		st->invite = sip_str_ieq(m->method, "INVITE");
		st->state = st->invite ? ST_PROCEEDING : ST_TRYING;
		/* the TU may answer later: keep our own copy of the request */
		st->req = malloc(blen + 1);
		st->msg = malloc(sizeof(*st->msg));
		if (st->req == NULL || st->msg == NULL) {
			free(st->req);
			free(st->msg);
			free(key);
			free(st);
			return;
		}
		memcpy(st->req, buf, blen);
		st->req[blen] = '\0';
		if (sip_parse(st->msg, st->req, blen, false, err, sizeof(err)) < 0) {
			free(st->req);
			free(st->msg);
			free(key);
			free(st);
			return;
		}
		h_add(ep, &st->h);
		ep->live++;
		ep->st.stx_created++;
		/* a non-INVITE is answered at once or never: end it after
		 * 64*T1 if the TU forgot (an INVITE waits in a queue) */
		if (!st->invite)
			cp_timer_set(ep->loop, &st->th, 64 * ep->conf.t1_ms, stx_end, st);
		if (sip_str_ieq(m->method, "CANCEL")) {
			char *ik = stx_key(st->msg, &via, (struct sip_str){ "INVITE", 6 });
			struct hent *ie = ik ? h_find(ep, ik) : NULL;

			free(ik);
			if (ie == NULL || STX_OF(ie)->state >= ST_COMPLETED) {
				sip_respond(st, 481, "Call/Transaction Does Not Exist", NULL, NULL,
					    NULL, NULL);
				return;
			}
			sip_respond(st, 200, "OK", NULL, NULL, NULL, NULL);
			if (ep->on_cancel)
				ep->on_cancel(ep->arg, STX_OF(ie), m);
			return;
		}
		if (st->invite)   /* 100 at once: stop the caller's retransmissions */
			sip_respond(st, 100, "Trying", NULL, NULL, NULL, NULL);
		ep->on_req(ep->arg, st, st->msg, src);
	}
}

static void
handle_response(struct sip_ep *ep, const struct sip_msg *m)
{
	struct sip_via via;
	uint32_t cseq;
	struct sip_str cm;
	struct hent *e;
	char *key;

	if (sip_check(m, NULL, 0, NULL) < 0 ||
	    sip_via_parse(sip_hdr(m, SIP_H_VIA)->value, &via) < 0 ||
	    sip_cseq(m, &cseq, &cm) < 0) {
		ep->st.rx_dropped_responses++;
		return;
	}
	key = cp_asprintf("c|%.*s|%.*s", (int)via.branch.len, via.branch.p, (int)cm.len, cm.p);
	e = key ? h_find(ep, key) : NULL;
	free(key);
	if (e == NULL) {
		ep->st.rx_dropped_responses++;    /* no transaction: RFC 3261 18.1.2 */
		return;
	}
	ctx_response(ep, CTX_OF(e), m);
}

/* A broken request can be answered if the headers a response copies are
 * there (RFC 3261 8.2.6.1). */
static bool
sip_check_answerable(const struct sip_msg *m)
{
	struct sip_via via;
	uint32_t cseq;
	struct sip_str cm;

	return sip_hdr(m, SIP_H_VIA) && sip_via_parse(sip_hdr(m, SIP_H_VIA)->value, &via) == 0 &&
	       sip_hdr(m, SIP_H_CALL_ID) && sip_hdr(m, SIP_H_FROM) && sip_hdr(m, SIP_H_TO) &&
	       sip_cseq(m, &cseq, &cm) == 0;
}

/* One message out of @buf; returns bytes used, 0 if more is needed
 * (stream), or -1 to drop the rest (stream framing lost). */
static long
input_one(struct sip_ep *ep, const char *buf, size_t len, const struct sip_addr *src, bool stream)
{
	struct sip_msg *m = malloc(sizeof(*m));
	char err[160];
	int rc;
	long used;

	if (m == NULL)
		return -1;
	rc = sip_parse(m, buf, len, stream, err, sizeof(err));
	if (rc == -EAGAIN) {
		free(m);
		return 0;
	}
	ep->st.rx_msgs++;
	if (rc < 0) {
		/* answer a broken request if its headers allow (400, 505) */
		ep->st.rx_bad++;
		if (sip_parse_ex(m, buf, len, SIP_PARSE_LENIENT, NULL, 0) == 0 && m->request &&
		    sip_check_answerable(m)) {
			ep->st.resp_400++;
			if (!sip_str_ieq(m->method, "ACK"))
				respond_once(ep, m, src, rc == -EPROTONOSUPPORT ? 505 : 400,
					     rc == -EPROTONOSUPPORT ? "Version Not Supported"
								   : "Bad Request", NULL);
		}
		free(m);
		return -1;
	}
	used = (long)m->len;
	if (m->request)
		handle_request(ep, buf, m, src);
	else
		handle_response(ep, m);
	free(m);
	return used;
}

void
sip_ep_input(struct sip_ep *ep, const char *buf, size_t len, const struct sip_addr *src)
{
	input_one(ep, buf, len, src, src->tp == SIP_TP_TCP);
}

static void
udp_readable(struct cp_io *io, uint32_t events)
{
	struct listener *l = io->arg;
	char buf[SIP_MAX_MSG + 1];

	(void)events;
	for (int i = 0; i < 64; i++) {
		struct sip_addr src = { .tp = SIP_TP_UDP, .conn = -1 };
		ssize_t n;

		src.len = sizeof(src.ss);
		n = recvfrom(io->fd, buf, sizeof(buf) - 1, MSG_DONTWAIT, (struct sockaddr *)&src.ss,
			     &src.len);
		if (n <= 0)
			return;
		/* keep-alives (CRLF) are not messages */
		if (n <= 4 && strspn(buf, "\r\n") == (size_t)n)
			continue;
		input_one(l->ep, buf, (size_t)n, &src, false);
	}
}

static void
conn_close(struct conn *c)
{
	struct sip_ep *ep = c->ep;

	cp_io_del(ep->loop, &c->io);
	close(c->io.fd);
	ep->conns[c->slot] = NULL;
	ep->st.tcp_closed++;
	free(c->buf);
	free(c);
}

static void
conn_readable(struct cp_io *io, uint32_t events)
{
	struct conn *c = io->arg;
	ssize_t n;

	(void)events;
	n = recv(io->fd, c->buf + c->len, CONN_BUF - c->len, MSG_DONTWAIT);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			conn_close(c);
		return;
	}
	c->len += (size_t)n;
	for (;;) {
		struct sip_addr src = { .tp = SIP_TP_TCP, .conn = c->slot };
		size_t skip = 0;
		long used;

		src.len = sizeof(src.ss);
		getpeername(io->fd, (struct sockaddr *)&src.ss, &src.len);
		while (skip < c->len && (c->buf[skip] == '\r' || c->buf[skip] == '\n'))
			skip++;   /* keep-alive CRLFs (RFC 5626) */
		if (skip == c->len) {
			c->len = 0;
			return;
		}
		used = input_one(c->ep, c->buf + skip, c->len - skip, &src, true);
		if (used < 0) {
			conn_close(c);   /* framing is lost on a stream: drop it */
			return;
		}
		if (used == 0) {
			if (c->len == CONN_BUF)
				conn_close(c);
			return;
		}
		memmove(c->buf, c->buf + skip + (size_t)used, c->len - skip - (size_t)used);
		c->len -= skip + (size_t)used;
	}
}

static void
tcp_acceptable(struct cp_io *io, uint32_t events)
{
	struct listener *l = io->arg;
	struct sip_ep *ep = l->ep;
	int fd, slot = -1;
	struct conn *c;

	(void)events;
	fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CONNS; i++)
		if (ep->conns[i] == NULL) {
			slot = i;
			break;
		}
	c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
	if (c)
		c->buf = malloc(CONN_BUF);
	if (c == NULL || c->buf == NULL) {
		if (c)
			free(c);
		close(fd);
		return;
	}
	c->io = (struct cp_io){ .fd = fd, .cb = conn_readable, .arg = c };
	c->ep = ep;
	c->slot = slot;
	if (cp_io_add(ep->loop, &c->io, EPOLLIN) < 0) {
		free(c->buf);
		free(c);
		close(fd);
		return;
	}
	ep->conns[slot] = c;
	ep->st.tcp_accepted++;
}

int
sip_ep_listen(struct sip_ep *ep, const char *hostport)
{
	struct listener *l;
	socklen_t len;
	int one = 1, rc;

	if (ep->n_ls >= MAX_LISTEN)
		return -ENOSPC;
	l = &ep->ls[ep->n_ls];
	if (cfg_parse_hostport(hostport, &l->ss) < 0)
		return -EINVAL;
	len = l->ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	l->ep = ep;
	l->udp = (struct cp_io){ .fd = socket(l->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
				 .cb = udp_readable, .arg = l };
	l->tcp = (struct cp_io){ .fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
				 .cb = tcp_acceptable, .arg = l };
	if (l->udp.fd < 0 || l->tcp.fd < 0)
		goto err;
	setsockopt(l->tcp.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	{
		int sz = 4 << 20;

		setsockopt(l->udp.fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}
	if (bind(l->udp.fd, (struct sockaddr *)&l->ss, len) < 0 ||
	    bind(l->tcp.fd, (struct sockaddr *)&l->ss, len) < 0 || listen(l->tcp.fd, 128) < 0)
		goto err;
	if ((rc = cp_io_add(ep->loop, &l->udp, EPOLLIN)) < 0 ||
	    (rc = cp_io_add(ep->loop, &l->tcp, EPOLLIN)) < 0) {
		errno = -rc;
		goto err;
	}
	if (ep->n_ls == 0)
		snprintf(ep->hostport, sizeof(ep->hostport), "%s", hostport);
	ep->n_ls++;
	return 0;
err:
	rc = -errno;
	if (l->udp.fd >= 0)
		close(l->udp.fd);
	if (l->tcp.fd >= 0)
		close(l->tcp.fd);
	return rc;
}

int
sip_ep_create(struct sip_ep **out, struct cp_loop *loop, const struct sip_ep_conf *conf,
	      sip_req_h on_req, sip_ack_h on_ack, sip_cancel_h on_cancel, void *arg)
{
	struct sip_ep *ep = calloc(1, sizeof(*ep));

	if (ep == NULL)
		return -ENOMEM;
	ep->loop = loop;
	ep->conf = *conf;
	ep->on_req = on_req;
	ep->on_ack = on_ack;
	ep->on_cancel = on_cancel;
	ep->arg = arg;
	snprintf(ep->hostport, sizeof(ep->hostport), "%s", conf->domain ? conf->domain : "localhost");
	*out = ep;
	return 0;
}

void
sip_ep_destroy(struct sip_ep *ep)
{
	if (ep == NULL)
		return;
	for (unsigned b = 0; b < HBUCKETS; b++)
		while (ep->buckets[b]) {
			struct hent *e = ep->buckets[b];

			if (e->key[0] == 's' || e->key[0] == '2')
				stx_free(STX_OF(e));
			else if (e->key[0] == 'a')
				stx_free(STX_OF_ACK(e));
			else
				ctx_free(CTX_OF(e));
		}
	for (int i = 0; i < MAX_CONNS; i++)
		if (ep->conns[i])
			conn_close(ep->conns[i]);
	for (unsigned i = 0; i < ep->n_ls; i++) {
		close(ep->ls[i].udp.fd);
		close(ep->ls[i].tcp.fd);
	}
	free(ep);
}

void
sip_ep_set_send_hook(struct sip_ep *ep, sip_send_hook_h h, void *arg)
{
	ep->hook = h;
	ep->hook_arg = arg;
}

const char *
sip_ep_hostport(const struct sip_ep *ep)
{
	return ep->hostport;
}

const struct sip_ep_stats *
sip_ep_stats(const struct sip_ep *ep)
{
	return &ep->st;
}

uint32_t
sip_ep_live_transactions(const struct sip_ep *ep)
{
	return ep->live;
}
