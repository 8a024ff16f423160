/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * B2BUA, simple queue and agent states: see b2b.h. Loop thread only.
 * Every call-id in a log line is the caller's (the A leg's), the key the
 * dataplane and the control plane share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b2b.h"
#include "core/str.h"
#include "ngc/ngc.h"
#include "registrar/reg.h"
#include "sip/sip_ep.h"

#define CALL_BUCKETS 16384

enum ag_state { AG_LOGGED_OUT, AG_READY, AG_RINGING, AG_ON_CALL, AG_WRAPUP, AG_NOT_READY };
static const char *const ag_state_names[] = {
	"logged-out", "ready", "ringing", "on-call", "wrap-up", "not-ready",
};

enum call_state { CS_NG_OFFER, CS_QUEUED, CS_RINGING, CS_ANSWERING, CS_CONNECTED, CS_ENDED };
static const char *const call_state_names[] = {
	"anchoring", "queued", "ringing", "answering", "connected", "ended",
};

struct b2b;
struct call;

struct agent {
	char *id, *password, *name;
	int state;
	uint64_t idle_since_ms;   /* longest idle goes first */
	uint32_t misses;          /* rings in a row not answered */
	unsigned contacts;
	struct cp_timer wrap;
	struct call *call;
	uint64_t answered;
	struct b2b *b;
};

struct queue {
	char *name;
	struct cfg_queue conf;
	int *members;             /* agent indexes */
	unsigned n_members;
	struct call *head, *tail; /* callers waiting, oldest first */
	unsigned waiting;
	uint64_t offered, answered, abandoned, timeouts, rejected, answer_ms_sum;
};

/* One SIP dialog as the B2BUA sees it. */
struct dlg {
	char *callid, *local_tag, *remote_tag;
	char *local_uri, *remote_uri;    /* "<sip:...>" */
	char *target;                    /* remote target URI */
	char *routes;                    /* "Route: <..>\r\n" lines, or NULL */
	uint32_t cseq;                   /* our last CSeq */
	struct sip_addr dst;             /* where in-dialog requests go */
};

struct hnode {
	struct hnode *next;
	struct call *call;
	bool b_leg;
};

struct call {
	struct call *prev, *next;        /* all calls */
	struct call *qprev, *qnext;      /* waiting in q */
	bool queued;
	struct b2b *b;
	uint32_t id;
	int state;
	struct queue *q;
	int agent;                       /* ringing or talking to; -1 */
	struct dlg a, bl;
	struct hnode ha, hb;
	struct sip_stx *a_inv;           /* caller's INVITE until answered */
	struct sip_ctx *b_inv;           /* agent INVITE until final */
	char *a_sdp, *b_offer;           /* caller's SDP; anchored SDP for agents */
	uint64_t arrived_ms, answered_ms;
	struct cp_timer ring_t, wait_t;
	bool cancelling;                 /* B INVITE is being cancelled */
	bool miss_on_fail;               /* a B failure counts as a miss */
	/* a re-INVITE being relayed: from A (0) or B (1) */
	struct sip_stx *re_st;
	struct sip_ctx *re_ct;
	int re_from;
};

struct b2b {
	struct cp_loop *loop;
	const struct cfg *cfg;
	struct sip_ep *ep;
	struct ngc *ng;
	struct reg *reg;
	struct agent *agents;
	unsigned n_agents;
	struct queue *queues;
	unsigned n_queues;
	struct call *calls;
	unsigned n_calls;
	uint32_t next_id;
	struct hnode *buckets[CALL_BUCKETS];
	char contact[160];               /* our Contact URI */
	char contact_hdr[180];           /* "Contact: <...>\r\n" */
	/* CPS token bucket */
	double tokens;
	uint64_t tokens_ms;
	struct b2b_stats st;
};

#define LOG(c, fmt, ...) \
	fprintf(stderr, "callplane-cp: call %s: " fmt "\n", (c)->a.callid, ##__VA_ARGS__)

static char *
xstrndup(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

static char *
sdup(struct sip_str s)
{
	return xstrndup(s.p ? s.p : "", s.len);
}


static void
dlg_free(struct dlg *d)
{
	free(d->callid);
	free(d->local_tag);
	free(d->remote_tag);
	free(d->local_uri);
	free(d->remote_uri);
	free(d->target);
	free(d->routes);
	memset(d, 0, sizeof(*d));
}

/* ---- call index by Call-ID ---- */

static uint32_t
hash_str(const char *s)
{
	return cp_hash(s) % CALL_BUCKETS;
}

static void
index_add(struct b2b *b, struct hnode *n, const char *callid)
{
	uint32_t h = hash_str(callid);

	n->next = b->buckets[h];
	b->buckets[h] = n;
}

static void
index_del(struct b2b *b, struct hnode *n, const char *callid)
{
	if (callid == NULL)
		return;
	for (struct hnode **pp = &b->buckets[hash_str(callid)]; *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			return;
		}
}

static struct call *
call_find(struct b2b *b, struct sip_str callid, bool *b_leg)
{
	char buf[256];

	if (callid.len >= sizeof(buf))
		return NULL;
	sip_strz(callid, buf, sizeof(buf));
	for (struct hnode *n = b->buckets[hash_str(buf)]; n; n = n->next) {
		const char *cid = n->b_leg ? n->call->bl.callid : n->call->a.callid;

		if (cid && strcmp(cid, buf) == 0) {
			*b_leg = n->b_leg;
			return n->call;
		}
	}
	return NULL;
}

/* ---- dialogs ---- */

/* "Route: ..." lines from Record-Route headers, reversed for a UAC. */
static char *
routes_from(const struct sip_msg *m, bool reverse)
{
	struct sip_str items[32];
	unsigned n = 0;
	size_t len = 0;
	char *out, *p;

	for (unsigned i = 0; i < m->n_hdrs; i++) {
		struct sip_str it;
		uint32_t pos = 0;

		if (m->hdrs[i].id != SIP_H_RECORD_ROUTE)
			continue;
		while (n < 32 && sip_list_next(m->hdrs[i].value, &pos, &it)) {
			items[n++] = it;
			len += it.len + 9;
		}
	}
	if (n == 0)
		return NULL;
	out = p = malloc(len + 1);
	if (out == NULL)
		return NULL;
	for (unsigned k = 0; k < n; k++) {
		const struct sip_str *it = &items[reverse ? n - 1 - k : k];

		p += sprintf(p, "Route: %.*s\r\n", (int)it->len, it->p);
	}
	return out;
}

/* Where in-dialog requests go: the first route if loose, else the target. */
static int
dlg_set_dst(struct dlg *d)
{
	struct sip_naddr na;
	struct sip_uri u;
	struct sip_str tgt;

	if (d->routes) {
		const char *v = d->routes + 7, *e = strstr(v, "\r\n");

		if (sip_naddr_parse((struct sip_str){ v, (uint32_t)(e - v) }, &na) == 0 &&
		    sip_uri_parse(na.uri, &u) == 0 && sip_param(u.params, "lr", NULL))
			return sip_uri_addr(&u, &d->dst);
	}
	if (d->target == NULL)
		return -EINVAL;
	tgt = (struct sip_str){ d->target, (uint32_t)strlen(d->target) };
	if (sip_uri_parse(tgt, &u) < 0)
		return -EINVAL;
	return sip_uri_addr(&u, &d->dst);
}

/* The Contact URI of @m, or NULL. */
static char *
contact_uri(const struct sip_msg *m)
{
	const struct sip_hdr *h = sip_hdr(m, SIP_H_CONTACT);
	struct sip_naddr na;
	struct sip_str it;
	uint32_t pos = 0;

	if (h == NULL || !sip_list_next(h->value, &pos, &it) || sip_naddr_parse(it, &na) < 0)
		return NULL;
	return sdup(na.uri);
}

static char *
dlg_request_text(struct b2b *b, struct dlg *d, const char *method, uint32_t cseq,
		 const char *extra, const char *ctype, const char *body)
{
	return cp_asprintf("%s %s SIP/2.0\r\n"
			 "Via: SIP/2.0/UDP %s;branch=@BRANCH@;rport\r\n"
			 "Max-Forwards: 70\r\n"
			 "%s"
			 "From: %s;tag=%s\r\n"
			 "To: %s%s%s\r\n"
			 "Call-ID: %s\r\n"
			 "CSeq: %u %s\r\n"
			 "Contact: <%s>\r\n"
			 "User-Agent: callplane\r\n"
			 "%s"
			 "%s%s%s"
			 "Content-Length: %zu\r\n\r\n%s",
			 method, d->target, sip_ep_hostport(b->ep), d->routes ? d->routes : "",
			 d->local_uri, d->local_tag, d->remote_uri, d->remote_tag ? ";tag=" : "",
			 d->remote_tag ? d->remote_tag : "", d->callid, cseq, method, b->contact,
			 extra ? extra : "", ctype ? "Content-Type: " : "", ctype ? ctype : "",
			 ctype ? "\r\n" : "", body ? strlen(body) : 0, body ? body : "");
}

static struct sip_ctx *
dlg_send(struct b2b *b, struct dlg *d, const char *method, const char *ctype, const char *body,
	 sip_resp_h cb, void *arg)
{
	char *t = dlg_request_text(b, d, method, ++d->cseq, NULL, ctype, body);
	struct sip_ctx *ct;

	if (t == NULL)
		return NULL;
	ct = sip_request(b->ep, &d->dst, t, cb, arg);
	free(t);
	return ct;
}

/* ACK for a 2xx: its own branch, outside any transaction (RFC 3261 13.2.2.4).
 * The endpoint keeps it to answer retransmitted 2xx on @ct. */
static void
dlg_ack(struct b2b *b, struct dlg *d, uint32_t cseq, struct sip_ctx *ct)
{
	char *t = dlg_request_text(b, d, "ACK", cseq, NULL, NULL, NULL), *at, br[20];

	if (t == NULL)
		return;
	at = strstr(t, "@BRANCH@");
	if (at) {
		char *full;

		sip_token(br, sizeof(br));
		full = cp_asprintf("%.*sz9hG4bK%s%s", (int)(at - t), t, br, at + 8);
		if (full) {
			sip_send_raw(b->ep, &d->dst, full, strlen(full));
			if (ct)
				sip_ctx_set_ack(ct, &d->dst, full);
		}
		free(full);
	}
	free(t);
}

/* ---- NG ---- */

static int
ng(struct b2b *b, struct call *c, const char *const *kv, ngc_reply_h cb)
{
	int rc = ngc_call(b->ng, kv, cb, c);

	if (rc < 0)
		b->st.ng_failures++;
	return rc;
}

static void
ng_delete(struct b2b *b, struct call *c)
{
	const char *kv[] = { "command", "delete", "call-id", c->a.callid, "from-tag",
			     c->a.remote_tag ? c->a.remote_tag : "", NULL };

	ngc_call(b->ng, kv, NULL, NULL);
}

/* ---- agents and queues ---- */

static struct agent *
agent_by_id(struct b2b *b, const char *id)
{
	for (unsigned i = 0; i < b->n_agents; i++)
		if (strcmp(b->agents[i].id, id) == 0)
			return &b->agents[i];
	return NULL;
}

static void
agent_set(struct agent *a, int state)
{
	if (a->state != state)
		fprintf(stderr, "callplane-cp: agent %s: %s -> %s\n", a->id,
			ag_state_names[a->state], ag_state_names[state]);
	a->state = state;
	if (state == AG_READY)
		a->idle_since_ms = cp_now_ms(a->b->loop);
}

static void dispatch(struct b2b *b, struct queue *q);

static void
dispatch_all(struct b2b *b)
{
	for (unsigned i = 0; i < b->n_queues; i++)
		dispatch(b, &b->queues[i]);
}

static void
wrap_done(struct cp_timer *t)
{
	struct agent *a = t->arg;

	if (a->state == AG_WRAPUP) {
		agent_set(a, a->contacts ? AG_READY : AG_LOGGED_OUT);
		dispatch_all(a->b);
	}
}

/* The agent's part of a call ended: wrap-up, or straight back. */
static void
agent_release(struct b2b *b, struct call *c, bool talked)
{
	struct agent *a;

	if (c->agent < 0)
		return;
	a = &b->agents[c->agent];
	c->agent = -1;
	a->call = NULL;
	if (a->state == AG_NOT_READY || a->state == AG_LOGGED_OUT)
		return;
	if (talked && c->q->conf.wrapup_s) {
		agent_set(a, AG_WRAPUP);
		cp_timer_set(b->loop, &a->wrap, c->q->conf.wrapup_s * 1000, wrap_done, a);
	} else {
		agent_set(a, a->contacts ? AG_READY : AG_LOGGED_OUT);
	}
}

static void
q_remove(struct call *c)
{
	struct queue *q = c->q;

	if (!c->queued)
		return;
	if (c->qprev)
		c->qprev->qnext = c->qnext;
	else
		q->head = c->qnext;
	if (c->qnext)
		c->qnext->qprev = c->qprev;
	else
		q->tail = c->qprev;
	c->qprev = c->qnext = NULL;
	c->queued = false;
	q->waiting--;
}

/* Back in line: at the head if it was already waiting its turn. */
static void
q_insert(struct call *c, bool head)
{
	struct queue *q = c->q;

	if (c->queued)
		return;
	if (head) {
		c->qnext = q->head;
		c->qprev = NULL;
		if (q->head)
			q->head->qprev = c;
		else
			q->tail = c;
		q->head = c;
	} else {
		c->qprev = q->tail;
		c->qnext = NULL;
		if (q->tail)
			q->tail->qnext = c;
		else
			q->head = c;
		q->tail = c;
	}
	c->queued = true;
	q->waiting++;
	c->state = CS_QUEUED;
}

static unsigned
q_logged_in(struct b2b *b, struct queue *q)
{
	unsigned n = 0;

	for (unsigned i = 0; i < q->n_members; i++)
		n += b->agents[q->members[i]].state != AG_LOGGED_OUT;
	return n;
}

/* ---- call lifetime ---- */

static void
call_free(struct b2b *b, struct call *c)
{
	cp_timer_stop(&c->ring_t);
	cp_timer_stop(&c->wait_t);
	q_remove(c);
	ngc_forget(b->ng, c);
	if (c->b_inv)
		sip_ctx_forget(c->b_inv);
	if (c->re_ct)
		sip_ctx_forget(c->re_ct);
	index_del(b, &c->ha, c->a.callid);
	index_del(b, &c->hb, c->bl.callid);
	if (c->prev)
		c->prev->next = c->next;
	else
		b->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	b->n_calls--;
	dlg_free(&c->a);
	dlg_free(&c->bl);
	free(c->a_sdp);
	free(c->b_offer);
	free(c);
}

/* Ends the call: whatever is still open on either leg is closed the way
 * its state needs (final response, CANCEL, BYE), the media is deleted. */
static void
call_end(struct b2b *b, struct call *c, int a_code, const char *a_reason, bool bye_a, bool bye_b)
{
	bool talked = c->state == CS_CONNECTED;

	if (c->state == CS_ENDED)
		return;
	if (c->a_inv) {
		sip_respond(c->a_inv, a_code, a_reason, c->a.local_tag, NULL, NULL, NULL);
		c->a_inv = NULL;
	}
	if (c->re_st) {
		sip_respond(c->re_st, 487, "Request Terminated", NULL, NULL, NULL, NULL);
		c->re_st = NULL;
	}
	if (c->b_inv) {
		/* the agent is still ringing: CANCEL; if it answers anyway the
		 * response handler sends ACK and BYE */
		sip_cancel(c->b_inv);
		sip_ctx_forget(c->b_inv);
		c->b_inv = NULL;
	}
	if (bye_a && c->a.target) {
		dlg_send(b, &c->a, "BYE", NULL, NULL, NULL, NULL);
		b->st.byes_out++;
	}
	if (bye_b && c->bl.remote_tag) {
		dlg_send(b, &c->bl, "BYE", NULL, NULL, NULL, NULL);
		b->st.byes_out++;
	}
	if (talked)
		b->st.completed++;
	agent_release(b, c, talked);
	ng_delete(b, c);
	c->state = CS_ENDED;
	if (talked)
		LOG(c, "ended: %s", a_reason);
	else
		LOG(c, "ended: %d %s", a_code, a_reason);
	call_free(b, c);
	dispatch_all(b);
}

/* ---- ringing an agent ---- */

static void b_invite_resp(void *arg, struct sip_ctx *ct, const struct sip_msg *m, int status);

static void
ring_timeout(struct cp_timer *t)
{
	struct call *c = t->arg;

	if (c->b_inv && c->state == CS_RINGING) {
		LOG(c, "agent %s did not answer in %u s", c->b->agents[c->agent].id,
		    c->q->conf.ring_timeout_s);
		c->miss_on_fail = true;
		c->cancelling = true;
		sip_cancel(c->b_inv);
	}
}

static bool
ring(struct b2b *b, struct call *c, int ai)
{
	struct agent *a = &b->agents[ai];
	const struct reg_contact *rc[1];
	char tag[17], cid[33], *t;

	if (reg_contacts(b->reg, a->id, rc, 1) == 0)
		return false;
	dlg_free(&c->bl);
	index_del(b, &c->hb, NULL);
	sip_token(tag, sizeof(tag));
	sip_token(cid, sizeof(cid));
	c->bl.callid = cp_asprintf("%s-b", cid);
	c->bl.local_tag = strdup(tag);
	c->bl.local_uri = cp_asprintf("<sip:%s@%s>", c->q->name, b->cfg->cp.sip.domain);
	c->bl.remote_uri = cp_asprintf("<sip:%s@%s>", a->id, b->cfg->cp.sip.domain);
	c->bl.target = strdup(rc[0]->uri);
	c->bl.dst = rc[0]->addr;
	c->bl.cseq = 0;
	if (!c->bl.callid || !c->bl.local_tag || !c->bl.local_uri || !c->bl.remote_uri ||
	    !c->bl.target)
		return false;
	t = dlg_request_text(b, &c->bl, "INVITE", ++c->bl.cseq, NULL, "application/sdp",
			     c->b_offer);
	if (t == NULL)
		return false;
	c->b_inv = sip_request(b->ep, &c->bl.dst, t, b_invite_resp, c);
	free(t);
	if (c->b_inv == NULL)
		return false;
	c->hb = (struct hnode){ .call = c, .b_leg = true };
	index_add(b, &c->hb, c->bl.callid);
	c->agent = ai;
	c->cancelling = false;
	c->miss_on_fail = true;
	a->call = c;
	agent_set(a, AG_RINGING);
	c->state = CS_RINGING;
	cp_timer_set(b->loop, &c->ring_t, c->q->conf.ring_timeout_s * 1000, ring_timeout, c);
	LOG(c, "ringing agent %s at %s", a->id, c->bl.target);
	return true;
}

/* First come first served to the longest-idle ready agent. */
static void
dispatch(struct b2b *b, struct queue *q)
{
	while (q->head) {
		struct call *c = q->head;
		int best = -1;

		for (unsigned i = 0; i < q->n_members; i++) {
			struct agent *a = &b->agents[q->members[i]];

			if (a->state == AG_READY &&
			    (best < 0 || a->idle_since_ms < b->agents[best].idle_since_ms))
				best = q->members[i];
		}
		if (best < 0)
			return;
		q_remove(c);
		if (!ring(b, c, best)) {
			/* no usable contact: take the agent out and try again */
			agent_set(&b->agents[best], AG_LOGGED_OUT);
			q_insert(c, true);
		}
	}
}

static void
wait_timeout(struct cp_timer *t)
{
	struct call *c = t->arg;

	c->b->st.queue_timeouts++;
	c->q->timeouts++;
	LOG(c, "waited %u s in queue %s: giving up", c->q->conf.max_wait_s, c->q->name);
	call_end(c->b, c, 480, "Temporarily Unavailable", false, false);
}

/* ---- agent leg responses ---- */

static void
ng_answer_done(void *arg, int rc, const struct ben_doc *doc, const struct ben_node *root)
{
	struct call *c = arg;
	struct b2b *b = c->b;
	const struct ben_node *sdp = rc == 0 ? ngc_sdp(doc, root) : NULL;
	char *body;

	if (c->state != CS_ANSWERING)
		return;
	if (rc < 0 || !ngc_ok(doc, root) || sdp == NULL) {
		b->st.ng_failures++;
		call_end(b, c, 500, "Media Anchoring Failed", false, true);
		return;
	}
	body = xstrndup(sdp->str, sdp->len);
	if (body == NULL || c->a_inv == NULL) {
		free(body);
		call_end(b, c, 500, "Server Internal Error", false, true);
		return;
	}
	sip_respond(c->a_inv, 200, "OK", c->a.local_tag, b->contact_hdr, "application/sdp", body);
	free(body);
	c->a_inv = NULL;
	c->state = CS_CONNECTED;
	c->answered_ms = cp_now_ms(b->loop);
	cp_timer_stop(&c->wait_t);
	b->st.answered++;
	c->q->answered++;
	b->st.answer_ms_sum += c->answered_ms - c->arrived_ms;
	c->q->answer_ms_sum += c->answered_ms - c->arrived_ms;
	b->agents[c->agent].answered++;
	LOG(c, "connected to agent %s after %llu ms", b->agents[c->agent].id,
	    (unsigned long long)(c->answered_ms - c->arrived_ms));
}

static void
b_invite_resp(void *arg, struct sip_ctx *ct, const struct sip_msg *m, int status)
{
	struct call *c = arg;
	struct b2b *b = c->b;
	struct agent *a;

	if (status < 200)
		return;
	if (status < 300) {
		const struct sip_hdr *to = sip_hdr(m, SIP_H_TO);
		struct sip_naddr na;
		const char *kv[12];
		char *sdp;

		if (c->state != CS_RINGING)   /* retransmissions are acked by the endpoint */
			return;
		cp_timer_stop(&c->ring_t);
		c->b_inv = NULL;  /* the transaction lives on (Accepted) and calls us again */
		if (to == NULL || sip_naddr_parse(to->value, &na) < 0) {
			call_end(b, c, 500, "Bad Agent Answer", false, false);
			return;
		}
		c->bl.remote_tag = sdup(na.tag);
		free(c->bl.target);
		c->bl.target = contact_uri(m);
		c->bl.routes = routes_from(m, true);
		if (c->bl.target == NULL || dlg_set_dst(&c->bl) < 0) {
			call_end(b, c, 500, "Bad Agent Contact", false, false);
			return;
		}
		dlg_ack(b, &c->bl, 1, ct);
		sip_ctx_forget(ct);
		sdp = m->body.len ? sdup(m->body) : NULL;
		if (sdp == NULL) {
			call_end(b, c, 488, "Not Acceptable Here", false, true);
			return;
		}
		agent_set(&b->agents[c->agent], AG_ON_CALL);
		b->agents[c->agent].misses = 0;
		c->state = CS_ANSWERING;
		kv[0] = "command"; kv[1] = "answer";
		kv[2] = "call-id"; kv[3] = c->a.callid;
		kv[4] = "from-tag"; kv[5] = c->a.remote_tag;
		kv[6] = "to-tag"; kv[7] = c->a.local_tag;
		kv[8] = "sdp"; kv[9] = sdp;
		kv[10] = NULL;
		if (ng(b, c, kv, ng_answer_done) < 0)
			call_end(b, c, 500, "Media Anchoring Failed", false, true);
		free(sdp);
		return;
	}
	/* the agent did not take it: busy, declined, no answer, unreachable */
	if (c->state != CS_RINGING)
		return;
	cp_timer_stop(&c->ring_t);
	c->b_inv = NULL;
	a = &b->agents[c->agent];
	LOG(c, "agent %s answered %d", a->id, status);
	if (status == 486 || status == 600 || status == 603)
		b->st.agent_busy++;
	if (c->miss_on_fail) {
		b->st.agent_misses++;
		a->misses++;
	}
	c->agent = -1;
	a->call = NULL;
	if (a->misses >= c->q->conf.max_misses) {
		agent_set(a, AG_NOT_READY);
		fprintf(stderr, "callplane-cp: agent %s: %u rings missed: not ready\n", a->id,
			a->misses);
	} else if (a->state == AG_RINGING) {
		agent_set(a, a->contacts ? AG_READY : AG_LOGGED_OUT); /* to the back */
	}
	index_del(b, &c->hb, c->bl.callid);
	dlg_free(&c->bl);
	q_insert(c, true);
	dispatch(b, c->q);
}

/* ---- the caller's INVITE ---- */

static void
ng_offer_done(void *arg, int rc, const struct ben_doc *doc, const struct ben_node *root)
{
	struct call *c = arg;
	struct b2b *b = c->b;
	const struct ben_node *sdp = rc == 0 ? ngc_sdp(doc, root) : NULL;

	if (c->state != CS_NG_OFFER)
		return;
	if (rc < 0 || !ngc_ok(doc, root) || sdp == NULL) {
		const struct ben_node *r = rc == 0 ? ben_dict_str(doc, root, "result") : NULL;

		b->st.ng_failures++;
		if (r && ben_str_eq(r, "load limit")) {
			call_end(b, c, 503, "Service Unavailable", false, false);
			return;
		}
		LOG(c, "NG offer failed (%d)", rc);
		call_end(b, c, 488, "Not Acceptable Here", false, false);
		return;
	}
	c->b_offer = xstrndup(sdp->str, sdp->len);
	if (c->b_offer == NULL) {
		call_end(b, c, 500, "Server Internal Error", false, false);
		return;
	}
	c->q->offered++;
	b->st.offered++;
	if (q_logged_in(b, c->q) == 0 && c->q->conf.no_agents == CFG_NOAGENTS_REJECT) {
		b->st.no_agents_rejected++;
		c->q->rejected++;
		LOG(c, "queue %s: no agent logged in", c->q->name);
		call_end(b, c, (int)c->q->conf.no_agents_status, "No Agents Available", false,
			 false);
		return;
	}
	/* the caller hears ringback while waiting */
	sip_respond(c->a_inv, 180, "Ringing", c->a.local_tag, b->contact_hdr, NULL, NULL);
	q_insert(c, false);
	cp_timer_set(b->loop, &c->wait_t, c->q->conf.max_wait_s * 1000, wait_timeout, c);
	LOG(c, "queued in %s (%u waiting)", c->q->name, c->q->waiting);
	dispatch(b, c->q);
}

static const struct cfg_trunk *
trunk_of(const struct cfg_control *cc, const struct sip_addr *src)
{
	uint32_t ip;

	if (src->ss.ss_family != AF_INET)
		return NULL;
	ip = ((const struct sockaddr_in *)(const void *)&src->ss)->sin_addr.s_addr;
	for (uint32_t i = 0; i < cc->n_trunks; i++)
		for (uint32_t k = 0; k < cc->trunks[i].n_sources; k++) {
			const struct cfg_ip4 *n = &cc->trunks[i].nets[k];
			uint32_t mask = n->plen ? htonl(~0u << (32 - n->plen)) : 0;

			if ((ip & mask) == (n->addr & mask))
				return &cc->trunks[i];
		}
	return NULL;
}

static bool
cps_allow(struct b2b *b)
{
	uint64_t now = cp_now_ms(b->loop);
	double rate = b->cfg->cp.sip.cps_limit;

	b->tokens += (double)(now - b->tokens_ms) * rate / 1000.0;
	b->tokens_ms = now;
	if (b->tokens > rate)
		b->tokens = rate;
	if (b->tokens < 1.0)
		return false;
	b->tokens -= 1.0;
	return true;
}

static void
new_invite(struct b2b *b, struct sip_stx *st, const struct sip_msg *m, const struct sip_addr *src)
{
	const struct cfg_control *cc = &b->cfg->cp;
	const struct cfg_trunk *tr = trunk_of(cc, src);
	const struct sip_hdr *ct = sip_hdr(m, SIP_H_CONTENT_TYPE);
	struct sip_naddr from, to;
	struct sip_uri ru;
	struct queue *q = NULL;
	struct call *c;
	char tag[17], extra[64];
	const char *kv[16];

	b->st.invites++;
	if (tr == NULL) {
		b->st.unknown_trunk_403++;
		sip_respond(st, 403, "Forbidden", NULL, NULL, NULL, NULL);
		return;
	}
	if (b->n_calls >= cc->sip.max_calls || !cps_allow(b)) {
		b->st.overload_503++;
		snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", cc->sip.retry_after_s);
		sip_respond(st, 503, "Service Unavailable", NULL, extra, NULL, NULL);
		return;
	}
	sip_uri_parse(m->ruri, &ru);
	for (uint32_t i = 0; i < tr->n_dids && q == NULL; i++)
		if (sip_str_ieq(ru.user, tr->dids[i].number))
			for (unsigned k = 0; k < b->n_queues; k++)
				if (strcmp(b->queues[k].name, tr->dids[i].queue) == 0)
					q = &b->queues[k];
	if (q == NULL) {
		b->st.unknown_did_404++;
		sip_respond(st, 404, "Not Found", NULL, NULL, NULL, NULL);
		return;
	}
	if (m->body.len == 0 || ct == NULL || !sip_str_ieq(ct->value, "application/sdp")) {
		/* no offer (or not a plain SDP one): the agent leg needs it */
		b->st.not_acceptable_488++;
		sip_respond(st, 488, "Not Acceptable Here", NULL, "Warning: 399 callplane "
			    "\"an SDP offer in the INVITE is required\"\r\n", NULL, NULL);
		return;
	}
	sip_naddr_parse(sip_hdr(m, SIP_H_FROM)->value, &from);
	sip_naddr_parse(sip_hdr(m, SIP_H_TO)->value, &to);
	if (from.tag.len == 0) {
		sip_respond(st, 400, "From Tag Required", NULL, NULL, NULL, NULL);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		sip_respond(st, 500, "Server Internal Error", NULL, NULL, NULL, NULL);
		return;
	}
	sip_token(tag, sizeof(tag));
	c->b = b;
	c->id = ++b->next_id;
	c->q = q;
	c->agent = -1;
	c->a_inv = st;
	c->arrived_ms = cp_now_ms(b->loop);
	c->a.callid = sdup(sip_hdr(m, SIP_H_CALL_ID)->value);
	c->a.remote_tag = sdup(from.tag);
	c->a.local_tag = strdup(tag);
	c->a.remote_uri = cp_asprintf("<%.*s>", (int)from.uri.len, from.uri.p);
	c->a.local_uri = cp_asprintf("<%.*s>", (int)to.uri.len, to.uri.p);
	c->a.target = contact_uri(m);
	c->a.routes = routes_from(m, false);
	{
		uint32_t n;
		struct sip_str mm;

		sip_cseq(m, &n, &mm);
		c->a.cseq = 1000;     /* ours towards the caller: its own space */
	}
	c->a_sdp = sdup(m->body);
	c->next = b->calls;
	if (b->calls)
		b->calls->prev = c;
	b->calls = c;
	b->n_calls++;
	c->ha = (struct hnode){ .call = c, .b_leg = false };
	if (c->a.callid)
		index_add(b, &c->ha, c->a.callid);
	sip_stx_set_data(st, c);
	if (!c->a.callid || !c->a.remote_tag || !c->a.local_tag || !c->a.remote_uri ||
	    !c->a.local_uri || !c->a_sdp || c->a.target == NULL || dlg_set_dst(&c->a) < 0) {
		call_end(b, c, c->a.target ? 500 : 400, c->a.target ? "Server Internal Error"
								     : "Contact Required",
			 false, false);
		return;
	}
	LOG(c, "INVITE from trunk %s for %.*s -> queue %s", tr->name, (int)ru.user.len, ru.user.p,
	    q->name);
	c->state = CS_NG_OFFER;
	kv[0] = "command"; kv[1] = "offer";
	kv[2] = "call-id"; kv[3] = c->a.callid;
	kv[4] = "from-tag"; kv[5] = c->a.remote_tag;
	kv[6] = "sdp"; kv[7] = c->a_sdp;
	kv[8] = "supports"; kv[9] = "\x01load limit";
	kv[10] = NULL;
	if (ng(b, c, kv, ng_offer_done) < 0)
		call_end(b, c, 500, "Media Anchoring Failed", false, false);
}

/* ---- re-INVITE (hold, resume, new address) from either party ---- */

static void
re_fail(struct call *c, int code, const char *reason)
{
	if (c->re_st)
		sip_respond(c->re_st, code, reason, NULL, NULL, NULL, NULL);
	c->re_st = NULL;
	c->re_ct = NULL;
}

static void
re_answer_done(void *arg, int rc, const struct ben_doc *doc, const struct ben_node *root)
{
	struct call *c = arg;
	const struct ben_node *sdp = rc == 0 ? ngc_sdp(doc, root) : NULL;
	char *body;

	if (c->re_st == NULL)
		return;
	if (sdp == NULL || !ngc_ok(doc, root)) {
		re_fail(c, 500, "Media Anchoring Failed");
		return;
	}
	body = xstrndup(sdp->str, sdp->len);
	sip_respond(c->re_st, 200, "OK", NULL, c->b->contact_hdr, "application/sdp", body);
	free(body);
	c->re_st = NULL;
}

static void
re_resp(void *arg, struct sip_ctx *ct, const struct sip_msg *m, int status)
{
	struct call *c = arg;
	struct b2b *b = c->b;
	struct dlg *other = c->re_from == 0 ? &c->bl : &c->a;
	const char *kv[12];
	char *sdp;

	if (status < 200)
		return;
	if (status >= 300) {
		re_fail(c, status, "Refused By The Other Party");
		return;
	}
	if (c->re_ct == NULL)
		return;
	{
		uint32_t n = 0;
		struct sip_str mm;

		sip_cseq(m, &n, &mm);
		dlg_ack(b, other, n, ct);
		sip_ctx_forget(ct);
	}
	c->re_ct = NULL;
	sdp = m->body.len ? sdup(m->body) : NULL;
	if (sdp == NULL) {
		re_fail(c, 488, "Not Acceptable Here");
		return;
	}
	kv[0] = "command"; kv[1] = "answer";
	kv[2] = "call-id"; kv[3] = c->a.callid;
	kv[4] = "from-tag"; kv[5] = c->re_from == 0 ? c->a.remote_tag : c->a.local_tag;
	kv[6] = "to-tag"; kv[7] = c->re_from == 0 ? c->a.local_tag : c->a.remote_tag;
	kv[8] = "sdp"; kv[9] = sdp;
	kv[10] = NULL;
	if (ng(b, c, kv, re_answer_done) < 0)
		re_fail(c, 500, "Media Anchoring Failed");
	free(sdp);
}

static void
re_offer_done(void *arg, int rc, const struct ben_doc *doc, const struct ben_node *root)
{
	struct call *c = arg;
	struct b2b *b = c->b;
	const struct ben_node *sdp = rc == 0 ? ngc_sdp(doc, root) : NULL;
	struct dlg *other = c->re_from == 0 ? &c->bl : &c->a;
	char *body;

	if (c->re_st == NULL)
		return;
	if (sdp == NULL || !ngc_ok(doc, root)) {
		re_fail(c, 488, "Not Acceptable Here");
		return;
	}
	body = xstrndup(sdp->str, sdp->len);
	c->re_ct = body ? dlg_send(b, other, "INVITE", "application/sdp", body, re_resp, c) : NULL;
	free(body);
	if (c->re_ct == NULL)
		re_fail(c, 500, "Server Internal Error");
}

static void
reinvite(struct b2b *b, struct call *c, bool from_b, struct sip_stx *st, const struct sip_msg *m)
{
	const char *kv[12];
	char *sdp;

	b->st.reinvites++;
	if (c->state != CS_CONNECTED) {
		sip_respond(st, 491, "Request Pending", NULL, NULL, NULL, NULL);
		return;
	}
	if (c->re_st || c->re_ct) {      /* glare (RFC 3261 14.1) */
		sip_respond(st, 491, "Request Pending", NULL, NULL, NULL, NULL);
		return;
	}
	if (m->body.len == 0) {
		sip_respond(st, 488, "Not Acceptable Here", NULL, NULL, NULL, NULL);
		return;
	}
	c->re_st = st;
	c->re_from = from_b;
	sdp = sdup(m->body);
	LOG(c, "re-INVITE from the %s", from_b ? "agent" : "caller");
	kv[0] = "command"; kv[1] = "offer";
	kv[2] = "call-id"; kv[3] = c->a.callid;
	kv[4] = "from-tag"; kv[5] = from_b ? c->a.local_tag : c->a.remote_tag;
	kv[6] = "to-tag"; kv[7] = from_b ? c->a.remote_tag : c->a.local_tag;
	kv[8] = "sdp"; kv[9] = sdp ? sdp : "";
	kv[10] = NULL;
	if (ng(b, c, kv, re_offer_done) < 0)
		re_fail(c, 500, "Media Anchoring Failed");
	free(sdp);
}

/* ---- the endpoint's callbacks ---- */

static void
on_request(void *arg, struct sip_stx *st, const struct sip_msg *m, const struct sip_addr *src)
{
	struct b2b *b = arg;
	struct sip_naddr to;
	bool b_leg = false;
	struct call *c;

	if (sip_str_ieq(m->method, "REGISTER")) {
		reg_request(b->reg, st, m, src);
		return;
	}
	if (sip_str_ieq(m->method, "OPTIONS")) {
		sip_respond(st, 200, "OK", NULL,
			    "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\r\n"
			    "Accept: application/sdp\r\n", NULL, NULL);
		return;
	}
	sip_naddr_parse(sip_hdr(m, SIP_H_TO)->value, &to);
	if (sip_str_ieq(m->method, "INVITE") && to.tag.len == 0) {
		new_invite(b, st, m, src);
		return;
	}
	c = call_find(b, sip_hdr(m, SIP_H_CALL_ID)->value, &b_leg);
	if (c == NULL || to.tag.len == 0 ||
	    !sip_str_ieq(to.tag, b_leg ? c->bl.local_tag : c->a.local_tag)) {
		sip_respond(st, 481, "Call/Transaction Does Not Exist", NULL, NULL, NULL, NULL);
		return;
	}
	if (sip_str_ieq(m->method, "BYE")) {
		b->st.byes_in++;
		sip_respond(st, 200, "OK", NULL, NULL, NULL, NULL);
		LOG(c, "BYE from the %s", b_leg ? "agent" : "caller");
		call_end(b, c, 487, b_leg ? "Agent Hung Up" : "Caller Hung Up", b_leg, !b_leg);
		return;
	}
	if (sip_str_ieq(m->method, "INVITE")) {
		reinvite(b, c, b_leg, st, m);
		return;
	}
	sip_respond(st, 405, "Method Not Allowed", NULL,
		    "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER\r\n", NULL, NULL);
}

static void
on_ack(void *arg, const struct sip_msg *m, const struct sip_addr *src)
{
	(void)arg;
	(void)m;
	(void)src;    /* 2xx retransmission already stopped by the endpoint */
}

static void
on_cancel(void *arg, struct sip_stx *invite, const struct sip_msg *m)
{
	struct b2b *b = arg;
	struct call *c = sip_stx_data(invite);

	(void)m;
	if (c == NULL) {
		sip_respond(invite, 487, "Request Terminated", NULL, NULL, NULL, NULL);
		return;
	}
	if (c->re_st == invite) {
		re_fail(c, 487, "Request Terminated");
		return;
	}
	if (c->a_inv != invite)
		return;
	if (c->state == CS_QUEUED || c->state == CS_RINGING || c->state == CS_NG_OFFER) {
		if (c->state != CS_NG_OFFER) {
			b->st.abandoned++;
			c->q->abandoned++;
		}
		if (c->b_inv)
			c->miss_on_fail = false;   /* not the agent's fault */
		LOG(c, "caller hung up while %s", call_state_names[c->state]);
		call_end(b, c, 487, "Request Terminated", false, false);
	}
}

/* ---- registrar hooks ---- */

static const char *
agent_secret(void *arg, const char *user)
{
	struct agent *a = agent_by_id(arg, user);

	return a ? a->password : NULL;
}

static void
agent_contacts(void *arg, const char *user, unsigned n)
{
	struct b2b *b = arg;
	struct agent *a = agent_by_id(b, user);

	if (a == NULL)
		return;
	a->contacts = n;
	if (n && a->state == AG_LOGGED_OUT) {
		a->misses = 0;
		agent_set(a, AG_READY);
		dispatch_all(b);
	} else if (n == 0 && (a->state == AG_READY || a->state == AG_NOT_READY)) {
		agent_set(a, AG_LOGGED_OUT);
	}
}

/* ---- events from the dataplane ---- */

/* The string value of "key" in a flat JSON object (no unescaping beyond
 * \" and \\), into @out; false if absent. */
static bool
json_str(const char *js, size_t len, const char *key, char *out, size_t outlen)
{
	char pat[64];
	const char *p, *end = js + len;
	size_t n = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = memmem(js, len, pat, strlen(pat));
	if (p == NULL)
		return false;
	p += strlen(pat);
	while (p < end && *p == ' ')
		p++;
	if (p >= end || *p != '"')
		return false;
	for (p++; p < end && *p != '"' && n + 1 < outlen; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		out[n++] = *p;
	}
	out[n] = '\0';
	return p < end && *p == '"';
}

void
b2b_event(struct b2b *b, const char *js, size_t len)
{
	char type[32], cid[256];
	bool b_leg;
	struct call *c;

	if (!json_str(js, len, "type", type, sizeof(type)) ||
	    !json_str(js, len, "call-id", cid, sizeof(cid)))
		return;
	c = call_find(b, (struct sip_str){ cid, (uint32_t)strlen(cid) }, &b_leg);
	if (c == NULL || b_leg)
		return;
	if (strcmp(type, "timeout") == 0) {
		b->st.media_timeouts++;
		LOG(c, "media timeout reported by the dataplane");
		call_end(b, c, 408, "Media Timeout", c->state == CS_CONNECTED,
			 c->bl.remote_tag != NULL);
	}
}

/* ---- setup ---- */

static int
load(struct b2b *b, const struct cfg_control *cc)
{
	b->n_agents = cc->n_agents;
	b->agents = calloc(cc->n_agents ? cc->n_agents : 1, sizeof(*b->agents));
	b->n_queues = cc->n_queues;
	b->queues = calloc(cc->n_queues ? cc->n_queues : 1, sizeof(*b->queues));
	if (b->agents == NULL || b->queues == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < cc->n_agents; i++) {
		b->agents[i].id = cc->agents[i].id;
		b->agents[i].password = cc->agents[i].password;
		b->agents[i].name = cc->agents[i].name;
		b->agents[i].b = b;
	}
	for (unsigned i = 0; i < cc->n_queues; i++) {
		struct queue *q = &b->queues[i];

		q->name = cc->queues[i].name;
		q->conf = cc->queues[i];
		q->members = calloc(cc->queues[i].n_agents ? cc->queues[i].n_agents : 1, sizeof(int));
		if (q->members == NULL)
			return -ENOMEM;
		for (unsigned k = 0; k < cc->queues[i].n_agents; k++) {
			struct agent *a = agent_by_id(b, cc->queues[i].agents[k]);

			if (a)
				q->members[q->n_members++] = (int)(a - b->agents);
		}
	}
	return 0;
}

int
b2b_create(struct b2b **out, struct cp_loop *loop, const struct cfg *cfg)
{
	const struct cfg_control *cc = &cfg->cp;
	struct sip_ep_conf ec = { .t1_ms = cc->sip.t1_ms, .t2_ms = cc->sip.t2_ms,
				  .t4_ms = cc->sip.t4_ms, .domain = cc->sip.domain,
				  .user_agent = "callplane/" PROJECT_VERSION };
	struct b2b *b = calloc(1, sizeof(*b));
	int rc;

	if (b == NULL)
		return -ENOMEM;
	b->loop = loop;
	b->cfg = cfg;
	b->tokens = cc->sip.cps_limit;
	b->tokens_ms = cp_now_ms(loop);
	rc = load(b, cc);
	if (rc < 0)
		goto out;
	rc = sip_ep_create(&b->ep, loop, &ec, on_request, on_ack, on_cancel, b);
	if (rc < 0)
		goto out;
	for (uint32_t i = 0; i < cc->sip.n_listen; i++) {
		rc = sip_ep_listen(b->ep, cc->sip.listen[i]);
		if (rc < 0) {
			fprintf(stderr, "callplane-cp: cannot listen on %s: %s\n", cc->sip.listen[i],
				strerror(-rc));
			goto out;
		}
	}
	snprintf(b->contact, sizeof(b->contact), "sip:callplane@%s", sip_ep_hostport(b->ep));
	snprintf(b->contact_hdr, sizeof(b->contact_hdr), "Contact: <%s>\r\n", b->contact);
	rc = ngc_create(&b->ng, loop, cc->ng);
	if (rc < 0) {
		fprintf(stderr, "callplane-cp: NG towards %s: %s\n", cc->ng, strerror(-rc));
		goto out;
	}
	rc = reg_create(&b->reg, loop, cc, agent_secret, agent_contacts, b);
	if (rc < 0)
		goto out;
	*out = b;
	return 0;
out:
	b2b_destroy(b);
	return rc;
}

void
b2b_destroy(struct b2b *b)
{
	if (b == NULL)
		return;
	while (b->calls) {
		struct call *c = b->calls;

		call_end(b, c, 503, "Service Unavailable", c->state == CS_CONNECTED,
			 c->state == CS_CONNECTED);
	}
	for (unsigned i = 0; i < b->n_agents; i++)
		cp_timer_stop(&b->agents[i].wrap);
	for (unsigned i = 0; i < b->n_queues; i++)
		free(b->queues[i].members);
	reg_destroy(b->reg);
	ngc_destroy(b->ng);
	sip_ep_destroy(b->ep);
	free(b->agents);
	free(b->queues);
	free(b);
}

const struct b2b_stats *
b2b_stats(const struct b2b *b)
{
	return &b->st;
}

unsigned
b2b_active_calls(const struct b2b *b)
{
	return b->n_calls;
}

static void
json_esc(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void
b2b_stats_json(struct b2b *b, FILE *f)
{
	const struct sip_ep_stats *es = sip_ep_stats(b->ep);
	const struct reg_stats *rs = reg_stats(b->reg);
	const struct ngc_stats *ns = ngc_stats(b->ng);
	uint64_t now = cp_now_ms(b->loop);

	fprintf(f, "{\"calls_active\":%u,\"asa_ms\":%llu,\"counters\":{", b->n_calls,
		(unsigned long long)(b->st.answered ? b->st.answer_ms_sum / b->st.answered : 0));
#define X(n) fprintf(f, "\"%s\":%llu,", #n, (unsigned long long)b->st.n);
	B2B_COUNTERS(X)
#undef X
	fprintf(f, "\"answer_ms_sum\":%llu},\"sip\":{", (unsigned long long)b->st.answer_ms_sum);
#define X(n) fprintf(f, "\"%s\":%llu,", #n, (unsigned long long)es->n);
	SIP_EP_COUNTERS(X)
#undef X
	fprintf(f, "\"transactions\":%u},\"registrar\":{", sip_ep_live_transactions(b->ep));
#define X(n) fprintf(f, "\"%s\":%llu,", #n, (unsigned long long)rs->n);
	REG_COUNTERS(X)
#undef X
	fprintf(f, "\"bindings\":%u},\"ng\":{", reg_bindings(b->reg));
#define X(n) fprintf(f, "\"%s\":%llu,", #n, (unsigned long long)ns->n);
	NGC_COUNTERS(X)
#undef X
	fprintf(f, "\"_\":0},\"queues\":[");
	for (unsigned i = 0; i < b->n_queues; i++) {
		struct queue *q = &b->queues[i];

		fprintf(f, "%s{\"name\":", i ? "," : "");
		json_esc(f, q->name);
		fprintf(f, ",\"waiting\":%u,\"longest_wait_ms\":%llu,\"offered\":%llu,"
			"\"answered\":%llu,\"abandoned\":%llu,\"timeouts\":%llu,\"rejected\":%llu,"
			"\"asa_ms\":%llu}",
			q->waiting, (unsigned long long)(q->head ? now - q->head->arrived_ms : 0),
			(unsigned long long)q->offered, (unsigned long long)q->answered,
			(unsigned long long)q->abandoned, (unsigned long long)q->timeouts,
			(unsigned long long)q->rejected,
			(unsigned long long)(q->answered ? q->answer_ms_sum / q->answered : 0));
	}
	fprintf(f, "],\"agents\":[");
	for (unsigned i = 0; i < b->n_agents; i++) {
		struct agent *a = &b->agents[i];

		fprintf(f, "%s{\"id\":", i ? "," : "");
		json_esc(f, a->id);
		fprintf(f, ",\"state\":\"%s\",\"contacts\":%u,\"misses\":%u,\"answered\":%llu}",
			ag_state_names[a->state], a->contacts, a->misses,
			(unsigned long long)a->answered);
	}
	fprintf(f, "],\"calls\":[");
	for (struct call *c = b->calls; c; c = c->next) {
		fprintf(f, "%s{\"call_id\":", c == b->calls ? "" : ",");
		json_esc(f, c->a.callid);
		fprintf(f, ",\"state\":\"%s\",\"queue\":", call_state_names[c->state]);
		json_esc(f, c->q->name);
		fprintf(f, ",\"agent\":");
		if (c->agent >= 0)
			json_esc(f, b->agents[c->agent].id);
		else
			fprintf(f, "null");
		fprintf(f, ",\"age_ms\":%llu}", (unsigned long long)(now - c->arrived_ms));
	}
	fprintf(f, "]}\n");
}
