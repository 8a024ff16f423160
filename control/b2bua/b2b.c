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
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b2b.h"
#include "common/json.h"
#include "common/sdp.h"
#include "core/log.h"
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
	uint64_t state_since_ms;
	bool signed_out;          /* logged out by an admin: a REGISTER alone
				   * does not make it ready again */
	bool want_not_ready;      /* not-ready asked for during a call */
	bool retired;             /* gone from the config, kept while in use */
	struct b2b *b;
};

struct queue {
	char *name;
	struct cfg_queue conf;
	struct agent **members;
	unsigned n_members;
	struct call *head, *tail; /* callers waiting, oldest first */
	unsigned waiting;
	uint64_t offered, answered, abandoned, timeouts, rejected, answer_ms_sum;
	bool retired;             /* gone from the config: serves its waiters */
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
	struct agent *ag;                /* ringing or talking to */
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
	/* record-all (trunk or queue): what the recording's metadata says */
	bool record;
	char *rec_meta;
};

struct b2b {
	struct cp_loop *loop;
	const struct cfg *cfg;           /* boot settings and the runtime ones in force */
	struct sip_ep *ep;
	struct ngc *ng;
	struct reg *reg;
	struct agent **agents;
	unsigned n_agents;
	struct queue **queues;           /* current, then retired ones */
	unsigned n_queues, n_queues_all;
	struct agent **retired;          /* agents dropped by a reload */
	unsigned n_retired;
	uint64_t reloads;
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
	uint64_t wait_hist[8];           /* answered calls by wait, cumulative */
	uint64_t inv_ring[11];           /* INVITEs seen, one sample a second */
	unsigned inv_pos, inv_n;
};

#define WAIT_BUCKETS 8
static const uint64_t wait_bucket_ms[WAIT_BUCKETS] = {
	1000, 2000, 5000, 10000, 20000, 30000, 60000, 120000,
};

#define LOG(c, fmt, ...) CP_INFO("call %s: " fmt, (c)->a.callid, ##__VA_ARGS__)

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
		if (strcmp(b->agents[i]->id, id) == 0)
			return b->agents[i];
	return NULL;
}

static void
agent_set(struct agent *a, int state)
{
	if (a->state != state)
		CP_INFO("agent %s: %s -> %s", a->id,
			ag_state_names[a->state], ag_state_names[state]);
	if (a->state != state)
		a->state_since_ms = cp_now_ms(a->b->loop);
	a->state = state;
	if (state == AG_READY)
		a->idle_since_ms = cp_now_ms(a->b->loop);
}

static void dispatch(struct b2b *b, struct queue *q);

static void
dispatch_all(struct b2b *b)
{
	for (unsigned i = 0; i < b->n_queues_all; i++)
		dispatch(b, b->queues[i]);
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

	if (c->ag == NULL)
		return;
	a = c->ag;
	c->ag = NULL;
	a->call = NULL;
	if (a->state == AG_NOT_READY || a->state == AG_LOGGED_OUT)
		return;
	if (a->signed_out || a->want_not_ready) {
		a->want_not_ready = false;
		agent_set(a, a->signed_out ? AG_LOGGED_OUT : AG_NOT_READY);
		return;
	}
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

	(void)b;
	for (unsigned i = 0; i < q->n_members; i++)
		n += q->members[i]->state != AG_LOGGED_OUT;
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
	free(c->rec_meta);
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
		LOG(c, "agent %s did not answer in %u s", c->ag->id,
		    c->q->conf.ring_timeout_s);
		c->miss_on_fail = true;
		c->cancelling = true;
		sip_cancel(c->b_inv);
	}
}

static bool
ring(struct b2b *b, struct call *c, struct agent *a)
{
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
	c->ag = a;
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
		struct agent *best = NULL;

		for (unsigned i = 0; i < q->n_members; i++) {
			struct agent *a = q->members[i];

			if (a->state == AG_READY && !a->retired &&
			    (best == NULL || a->idle_since_ms < best->idle_since_ms))
				best = a;
		}
		if (best == NULL)
			return;
		q_remove(c);
		if (!ring(b, c, best)) {
			/* no usable contact: take the agent out and try again */
			agent_set(best, AG_LOGGED_OUT);
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

/* ---- recording ---- */

static void
rec_started(void *arg, int rc, const struct ben_doc *doc, const struct ben_node *root)
{
	struct call *c = arg;
	struct b2b *b = c->b;

	if (rc == 0 && ngc_ok(doc, root)) {
		const struct ben_node *p = ben_dict_str(doc, root, "recording");

		b->st.recordings_started++;
		LOG(c, "recording to %.*s", p ? (int)p->len : 1, p ? p->str : "?");
		return;
	}
	b->st.recordings_refused++;
	{
		const struct ben_node *r = rc == 0 ? ben_dict_str(doc, root, "error-reason") : NULL;

		CP_WARN("call %s: recording not started: %.*s", c->a.callid,
			r ? (int)r->len : 20, r ? r->str : "no dataplane reply");
	}
}

/* The caller (the customer) on the left channel, the agent on the right;
 * the metadata names trunk, queue, DID, caller and agent for the index. */
static void
rec_start(struct b2b *b, struct call *c)
{
	char *meta = cp_asprintf("%s;agent=%s", c->rec_meta ? c->rec_meta : "",
				 c->ag ? c->ag->id : "");
	const char *kv[] = { "command", "start recording", "call-id", c->a.callid,
			     "from-tag", c->a.remote_tag, "metadata", meta ? meta : "",
			     "customer", "caller", NULL };

	if (ng(b, c, kv, rec_started) < 0)
		b->st.recordings_refused++;
	free(meta);
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
	for (unsigned i = 0; i < WAIT_BUCKETS; i++)
		if (c->answered_ms - c->arrived_ms <= wait_bucket_ms[i])
			b->wait_hist[i]++;
	c->ag->answered++;
	LOG(c, "connected to agent %s after %llu ms", c->ag->id,
	    (unsigned long long)(c->answered_ms - c->arrived_ms));
	if (c->record)
		rec_start(b, c);
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
		agent_set(c->ag, AG_ON_CALL);
		c->ag->misses = 0;
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
	a = c->ag;
	LOG(c, "agent %s answered %d", a->id, status);
	if (status == 486 || status == 600 || status == 603)
		b->st.agent_busy++;
	if (c->miss_on_fail) {
		b->st.agent_misses++;
		a->misses++;
	}
	c->ag = NULL;
	a->call = NULL;
	if ((a->signed_out || a->want_not_ready) && a->state == AG_RINGING) {
		a->want_not_ready = false;
		agent_set(a, a->signed_out ? AG_LOGGED_OUT : AG_NOT_READY);
	} else if (a->misses >= c->q->conf.max_misses) {
		agent_set(a, AG_NOT_READY);
		CP_INFO("agent %s: %u rings missed: not ready", a->id,
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

/* 1 if the SDP offer asks for SRTP (an RTP/SAVP or RTP/SAVPF section),
 * 0 if not, -1 if it does not parse. */
static int
offer_srtp(struct sip_str body)
{
	static struct sdp sdp;
	char err[96];

	if (sdp_parse(&sdp, body.p, body.len, err, sizeof(err)) < 0)
		return -1;
	for (unsigned i = 0; i < sdp.n_media; i++)
		if (strncasecmp(sdp.media[i].proto, "RTP/SAVP", 8) == 0)
			return 1;
	return 0;
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
	char tag[17], extra[96];
	const char *kv[16];
	int savp, nkv;

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
				if (strcmp(b->queues[k]->name, tr->dids[i].queue) == 0)
					q = b->queues[k];
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
	if ((savp = offer_srtp(m->body)) < 0) {
		b->st.not_acceptable_488++;
		sip_respond(st, 488, "Not Acceptable Here", NULL, "Warning: 399 callplane "
			    "\"the SDP offer does not parse\"\r\n", NULL, NULL);
		return;
	}
	if ((savp && tr->srtp == CFG_SRTP_OFF) || (!savp && tr->srtp == CFG_SRTP_REQUIRED)) {
		/* the trunk's media policy: said in the Warning, counted */
		b->st.srtp_policy_488++;
		snprintf(extra, sizeof(extra), "Warning: 399 callplane \"%s\"\r\n",
			 savp ? "SRTP is off for this trunk" : "this trunk requires SRTP (SDES)");
		sip_respond(st, 488, "Not Acceptable Here", NULL, extra, NULL, NULL);
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
	c->ag = NULL;
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
	nkv = 10;
	if (savp) {
		/* the carrier's SRTP ends at the relay: the agent's phone is
		 * offered plain RTP, the relay decrypts and encrypts */
		kv[nkv++] = "transport-protocol"; kv[nkv++] = "RTP/AVP";
		b->st.srtp_calls++;
		LOG(c, "SRTP (SDES) from trunk %s: plain RTP towards the agent", tr->name);
	}
	kv[nkv] = NULL;
	if (tr->record || q->conf.record) {
		c->record = true;
		c->rec_meta = cp_asprintf("trunk=%s;queue=%s;did=%.*s;caller=%.*s", tr->name, q->name,
					  (int)ru.user.len, ru.user.p, (int)from.uri.len, from.uri.p);
	}
	if (tr->detect_dtmf) {
		/* in-band digits from this carrier: the dataplane listens for them */
		kv[nkv] = "flags"; kv[nkv + 1] = "\x01" "detect DTMF";
		kv[nkv + 2] = NULL;
	}
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
	if (n && a->state == AG_LOGGED_OUT && !a->signed_out) {
		a->misses = 0;
		agent_set(a, AG_READY);
		dispatch_all(b);
	} else if (n == 0 && (a->state == AG_READY || a->state == AG_NOT_READY)) {
		agent_set(a, AG_LOGGED_OUT);
	}
}

/* ---- events from the dataplane ---- */

void
b2b_event(struct b2b *b, const char *js, size_t len)
{
	char type[32], cid[256];
	struct json_node nodes[128];
	struct json_doc d = { .nodes = nodes, .cap = 128 };
	bool b_leg;
	struct call *c;

	if (json_parse(&d, js, len, NULL, 0) < 0 ||
	    !json_str(json_get(&d, &nodes[0], "type"), type, sizeof(type)) ||
	    !json_str(json_get(&d, &nodes[0], "call-id"), cid, sizeof(cid)))
		return;
	if (strcmp(type, "recording") == 0) {
		/* usually after the call ended: logged under its Call-ID */
		char path[512] = "", status[32] = "", sha[80] = "";
		double dur = 0;

		json_str(json_get(&d, &nodes[0], "path"), path, sizeof(path));
		json_str(json_get(&d, &nodes[0], "status"), status, sizeof(status));
		json_str(json_get(&d, &nodes[0], "sha256"), sha, sizeof(sha));
		json_num(json_get(&d, &nodes[0], "duration"), &dur);
		if (strcmp(status, "complete") == 0 || strcmp(status, "recovered") == 0) {
			b->st.recordings_done++;
			CP_INFO("call %s: recording %s %s, %.3f s, sha256 %s", cid, path, status, dur,
				sha);
		} else {
			b->st.recordings_failed++;
			CP_WARN("call %s: recording %s ended early (%s) after %.3f s, sha256 %s", cid,
				path, status, dur, sha);
		}
		return;
	}
	c = call_find(b, (struct sip_str){ cid, (uint32_t)strlen(cid) }, &b_leg);
	if (c == NULL || b_leg)
		return;
	if (strcmp(type, "dtmf") == 0) {
		char digit[4] = "?", src[16] = "", tag[256] = "";
		int64_t dur = 0;

		json_str(json_get(&d, &nodes[0], "digit"), digit, sizeof(digit));
		json_str(json_get(&d, &nodes[0], "source"), src, sizeof(src));
		json_str(json_get(&d, &nodes[0], "source-tag"), tag, sizeof(tag));
		json_int(json_get(&d, &nodes[0], "duration"), &dur);
		if (strcmp(src, "inband") == 0)
			b->st.dtmf_inband++;
		else
			b->st.dtmf_rfc4733++;
		LOG(c, "DTMF %s from the %s (%s, %lld ms)", digit,
		    c->a.remote_tag && strcmp(tag, c->a.remote_tag) == 0 ? "caller" : "agent",
		    src, (long long)dur);
		return;
	}
	if (strcmp(type, "timeout") == 0) {
		b->st.media_timeouts++;
		LOG(c, "media timeout reported by the dataplane");
		call_end(b, c, 408, "Media Timeout", c->state == CS_CONNECTED,
			 c->bl.remote_tag != NULL);
	}
}

/* ---- setup ---- */

/* ---- setup and reload ---- */

static void
agent_free(struct agent *a)
{
	cp_timer_stop(&a->wrap);
	free(a->id);
	free(a->password);
	free(a->name);
	free(a);
}

static void
queue_free(struct queue *q)
{
	free(q->members);
	free(q->name);
	free(q);
}

static bool
queue_in_use(struct b2b *b, const struct queue *q)
{
	for (struct call *c = b->calls; c; c = c->next)
		if (c->q == q)
			return true;
	return false;
}

static int
set_str(char **dst, const char *src)
{
	char *s = src ? strdup(src) : NULL;

	if (src && s == NULL)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/*
 * Makes the runtime sections of @cc the ones in force. Agents and queues
 * that stay (same id, same name) keep their objects, state, calls and
 * timers; new ones start logged out (or ready if the phone is already
 * registered); removed ones are retired: a call in progress finishes, a
 * retired queue still serves the callers waiting in it. Nothing is
 * changed unless every allocation succeeded. Counts go to @sum if given.
 */
static int
load(struct b2b *b, const struct cfg_control *cc, struct b2b_reload_sum *sum)
{
	struct agent **na = calloc(cc->n_agents + 1, sizeof(*na));
	struct queue **nq = calloc(cc->n_queues + b->n_queues_all + 1, sizeof(*nq));
	bool *kept_a = calloc(b->n_agents + 1, sizeof(bool));
	bool *kept_q = calloc(b->n_queues_all + 1, sizeof(bool));
	struct agent ***mem = calloc(cc->n_queues + 1, sizeof(*mem));
	unsigned *n_mem = calloc(cc->n_queues + 1, sizeof(*n_mem));
	struct b2b_reload_sum s = { 0 };
	unsigned nqa = 0;
	int rc = -ENOMEM;

	if (na == NULL || nq == NULL || kept_a == NULL || kept_q == NULL || mem == NULL ||
	    n_mem == NULL)
		goto fail;
	/* 1. build everything new first, so a failure changes nothing */
	for (unsigned i = 0; i < cc->n_agents; i++) {
		struct agent *a = agent_by_id(b, cc->agents[i].id);

		if (a == NULL) {
			a = calloc(1, sizeof(*a));
			if (a == NULL || set_str(&a->id, cc->agents[i].id) < 0)
				goto fail_new;
			a->b = b;
			a->state_since_ms = cp_now_ms(b->loop);
			s.agents_added++;
		}
		na[i] = a;
	}
	for (unsigned i = 0; i < cc->n_queues; i++) {
		struct queue *q = NULL;

		for (unsigned k = 0; k < b->n_queues; k++)
			if (strcmp(b->queues[k]->name, cc->queues[i].name) == 0)
				q = b->queues[k];
		if (q == NULL) {
			q = calloc(1, sizeof(*q));
			if (q == NULL || set_str(&q->name, cc->queues[i].name) < 0)
				goto fail_new;
			s.queues_added++;
		}
		nq[nqa++] = q;
	}
	for (unsigned i = 0; i < cc->n_queues; i++) {
		mem[i] = calloc(cc->queues[i].n_agents + 1, sizeof(**mem));
		if (mem[i] == NULL)
			goto fail_new;
		for (unsigned k = 0; k < cc->queues[i].n_agents; k++)
			for (unsigned j = 0; j < cc->n_agents; j++)
				if (strcmp(na[j]->id, cc->queues[i].agents[k]) == 0)
					mem[i][n_mem[i]++] = na[j];
	}
	/* 2. commit: nothing below fails */
	for (unsigned i = 0; i < cc->n_agents; i++) {
		struct agent *a = na[i];

		/* strdup failures here would leave the old value: acceptable */
		set_str(&a->password, cc->agents[i].password);
		set_str(&a->name, cc->agents[i].name);
		for (unsigned k = 0; k < b->n_agents; k++)
			if (b->agents[k] == a)
				kept_a[k] = true;
	}
	for (unsigned k = 0; k < b->n_agents; k++) {
		struct agent *a = b->agents[k];
		struct agent **r;

		if (kept_a[k])
			continue;
		s.agents_removed++;
		a->retired = true;
		if (a->call == NULL) {
			agent_free(a);
			continue;
		}
		r = realloc(b->retired, (b->n_retired + 1) * sizeof(*r));
		if (r == NULL) {
			/* cannot track it: leave it allocated for the call's sake */
			continue;
		}
		b->retired = r;
		b->retired[b->n_retired++] = a;
	}
	for (unsigned i = 0; i < cc->n_queues; i++) {
		struct queue *q = nq[i];
		struct agent **m = mem[i];
		unsigned nm = n_mem[i];
		bool changed = q->members && (q->conf.ring_timeout_s != cc->queues[i].ring_timeout_s ||
					      q->conf.wrapup_s != cc->queues[i].wrapup_s ||
					      q->conf.max_misses != cc->queues[i].max_misses ||
					      q->conf.max_wait_s != cc->queues[i].max_wait_s ||
					      q->conf.no_agents != cc->queues[i].no_agents ||
					      q->conf.no_agents_status != cc->queues[i].no_agents_status ||
					      q->n_members != nm);

		for (unsigned k = 0; !changed && q->members && k < nm; k++)
			changed = q->members[k] != m[k];
		s.queues_changed += changed;
		free(q->members);
		q->members = m;
		q->n_members = nm;
		q->conf = cc->queues[i];
		/* the config's strings are not ours to keep */
		q->conf.name = q->name;
		q->conf.agents = NULL;
		q->conf.n_agents = 0;
		for (unsigned k = 0; k < b->n_queues_all; k++)
			if (b->queues[k] == q)
				kept_q[k] = true;
	}
	for (unsigned k = 0; k < b->n_queues_all; k++) {
		struct queue *q = b->queues[k];

		if (kept_q[k])
			continue;
		if (!q->retired)
			s.queues_removed++;
		q->retired = true;
		if (queue_in_use(b, q))
			nq[nqa++] = q;
		else
			queue_free(q);
	}
	free(b->agents);
	free(b->queues);
	b->agents = na;
	b->n_agents = cc->n_agents;
	b->queues = nq;
	b->n_queues = cc->n_queues;
	b->n_queues_all = nqa;
	/* agents new to the config whose phones are already registered */
	for (unsigned i = 0; i < b->n_agents; i++) {
		struct agent *a = b->agents[i];

		if (b->reg && a->state == AG_LOGGED_OUT && !a->signed_out && a->contacts == 0) {
			const struct reg_contact *rcs[1];

			a->contacts = reg_contacts(b->reg, a->id, rcs, 1);
			if (a->contacts)
				agent_set(a, AG_READY);
		}
	}
	free(kept_a);
	free(kept_q);
	free(mem);
	free(n_mem);
	if (sum)
		*sum = s;
	return 0;
fail_new:
	/* undo: free only the objects made in step 1 */
	for (unsigned i = 0; i < cc->n_agents; i++)
		if (na[i] && agent_by_id(b, na[i]->id) != na[i])
			agent_free(na[i]);
	for (unsigned i = 0; i < nqa; i++) {
		bool old = false;

		for (unsigned k = 0; k < b->n_queues_all; k++)
			old |= b->queues[k] == nq[i];
		if (!old)
			queue_free(nq[i]);
	}
	for (unsigned i = 0; i < cc->n_queues; i++)
		free(mem[i]);
fail:
	free(na);
	free(nq);
	free(kept_a);
	free(kept_q);
	free(mem);
	free(n_mem);
	return rc;
}

int
b2b_reload(struct b2b *b, const struct cfg *cfg, struct b2b_reload_sum *sum)
{
	int rc = load(b, &cfg->cp, sum);

	if (rc < 0)
		return rc;
	b->cfg = cfg;
	reg_configure(b->reg, &cfg->cp);
	b->reloads++;
	CP_INFO("config reloaded: agents +%u -%u, queues +%u -%u ~%u, "
		"%u trunks", sum ? sum->agents_added : 0, sum ? sum->agents_removed : 0,
		sum ? sum->queues_added : 0, sum ? sum->queues_removed : 0,
		sum ? sum->queues_changed : 0, cfg->cp.n_trunks);
	dispatch_all(b);
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
	rc = load(b, cc, NULL);
	if (rc < 0)
		goto out;
	rc = sip_ep_create(&b->ep, loop, &ec, on_request, on_ack, on_cancel, b);
	if (rc < 0)
		goto out;
	for (uint32_t i = 0; i < cc->sip.n_listen; i++) {
		rc = sip_ep_listen(b->ep, cc->sip.listen[i]);
		if (rc < 0) {
			CP_ERR("cannot listen on %s: %s", cc->sip.listen[i],
				strerror(-rc));
			goto out;
		}
	}
	snprintf(b->contact, sizeof(b->contact), "sip:callplane@%s", sip_ep_hostport(b->ep));
	snprintf(b->contact_hdr, sizeof(b->contact_hdr), "Contact: <%s>\r\n", b->contact);
	rc = ngc_create(&b->ng, loop, cc->ng);
	if (rc < 0) {
		CP_ERR("NG towards %s: %s", cc->ng, strerror(-rc));
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
		agent_free(b->agents[i]);
	for (unsigned i = 0; i < b->n_retired; i++)
		agent_free(b->retired[i]);
	for (unsigned i = 0; i < b->n_queues_all; i++)
		queue_free(b->queues[i]);
	free(b->retired);
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
		struct queue *q = b->queues[i];

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
		struct agent *a = b->agents[i];

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
		if (c->ag)
			json_esc(f, c->ag->id);
		else
			fprintf(f, "null");
		fprintf(f, ",\"age_ms\":%llu}", (unsigned long long)(now - c->arrived_ms));
	}
	fprintf(f, "]}\n");
}

/* ---- admin actions: one function each behind the control API ---- */

static void
addr_text(const struct sip_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

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
		snprintf(buf, len, "-");
	}
}

static void
call_json(struct b2b *b, struct jw *w, struct call *c, bool detail)
{
	uint64_t now = cp_now_ms(b->loop);

	jw_obj(w);
	jw_kstr(w, "call_id", c->a.callid);
	jw_kstr(w, "state", call_state_names[c->state]);
	jw_kstr(w, "queue", c->q->name);
	jw_kstr(w, "agent", c->ag ? c->ag->id : NULL);
	jw_kstr(w, "from", c->a.remote_uri);
	jw_kuint(w, "age_s", (now - c->arrived_ms) / 1000);
	jw_kuint(w, "talk_s", c->answered_ms ? (now - c->answered_ms) / 1000 : 0);
	if (detail) {
		char dst[64];

		jw_kstr(w, "to", c->a.local_uri);
		jw_kstr(w, "from_tag", c->a.remote_tag);
		jw_kstr(w, "to_tag", c->a.local_tag);
		addr_text(&c->a.dst, dst, sizeof(dst));
		jw_kstr(w, "caller_contact", c->a.target);
		jw_kstr(w, "caller_address", dst);
		jw_kstr(w, "agent_call_id", c->bl.callid);
		jw_kstr(w, "agent_contact", c->bl.target);
		jw_kuint(w, "wait_ms", (c->answered_ms ? c->answered_ms : now) - c->arrived_ms);
	}
	jw_end(w, '}');
}

int
b2b_calls_json(struct b2b *b, struct jw *w, const char *callid)
{
	struct call *c;
	bool b_leg;

	if (callid == NULL) {
		jw_arr(w);
		for (c = b->calls; c; c = c->next)
			call_json(b, w, c, false);
		jw_end(w, ']');
		return 0;
	}
	c = call_find(b, (struct sip_str){ callid, (uint32_t)strlen(callid) }, &b_leg);
	if (c == NULL)
		return -ENOENT;
	call_json(b, w, c, true);
	return 0;
}

int
b2b_call_hangup(struct b2b *b, const char *callid)
{
	bool b_leg, up;
	struct call *c = call_find(b, (struct sip_str){ callid, (uint32_t)strlen(callid) }, &b_leg);

	if (c == NULL)
		return -ENOENT;
	LOG(c, "hung up by an admin while %s", call_state_names[c->state]);
	up = c->state == CS_CONNECTED;
	b->st.admin_hangups++;
	call_end(b, c, 480, "Temporarily Unavailable", up, c->bl.remote_tag != NULL);
	return 0;
}

static void
agent_json(struct b2b *b, struct jw *w, struct agent *a, bool detail)
{
	uint64_t now = cp_now_ms(b->loop);

	jw_obj(w);
	jw_kstr(w, "id", a->id);
	jw_kstr(w, "name", a->name);
	jw_kstr(w, "state", ag_state_names[a->state]);
	jw_kuint(w, "for_s", (now - a->state_since_ms) / 1000);
	jw_kuint(w, "phones", a->contacts);
	jw_kuint(w, "answered", a->answered);
	jw_kuint(w, "misses", a->misses);
	jw_kstr(w, "call", a->call ? a->call->a.callid : NULL);
	jw_kstr(w, "pending", a->signed_out && a->state != AG_LOGGED_OUT ? "logout" :
			      a->want_not_ready ? "not-ready" : NULL);
	if (detail) {
		const struct reg_contact *rc[8];
		unsigned n = reg_contacts(b->reg, a->id, rc, 8);

		jw_kbool(w, "signed_out", a->signed_out);
		jw_key(w, "queues");
		jw_arr(w);
		for (unsigned i = 0; i < b->n_queues; i++)
			for (unsigned k = 0; k < b->queues[i]->n_members; k++)
				if (b->queues[i]->members[k] == a)
					jw_str(w, b->queues[i]->name);
		jw_end(w, ']');
		jw_key(w, "contacts");
		jw_arr(w);
		for (unsigned i = 0; i < n; i++)
			jw_str(w, rc[i]->uri);
		jw_end(w, ']');
	}
	jw_end(w, '}');
}

int
b2b_agents_json(struct b2b *b, struct jw *w, const char *id)
{
	struct agent *a;

	if (id == NULL) {
		jw_arr(w);
		for (unsigned i = 0; i < b->n_agents; i++)
			agent_json(b, w, b->agents[i], false);
		jw_end(w, ']');
		return 0;
	}
	a = agent_by_id(b, id);
	if (a == NULL)
		return -ENOENT;
	agent_json(b, w, a, true);
	return 0;
}

int
b2b_agent_op(struct b2b *b, const char *id, enum b2b_agent_op op, char *err, size_t errlen)
{
	struct agent *a = agent_by_id(b, id);
	bool busy;

	err[0] = '\0';
	if (a == NULL) {
		snprintf(err, errlen, "no agent '%s' in the config", id);
		return -ENOENT;
	}
	busy = a->state == AG_RINGING || a->state == AG_ON_CALL;
	switch (op) {
	case B2B_AG_LOGIN:
		a->signed_out = false;
		if (a->state == AG_LOGGED_OUT && a->contacts) {
			a->misses = 0;
			agent_set(a, AG_READY);
		} else if (a->state == AG_LOGGED_OUT) {
			snprintf(err, errlen, "agent %s is logged in; ready once a phone registers", id);
		}
		break;
	case B2B_AG_LOGOUT:
		a->signed_out = true;
		a->want_not_ready = false;
		if (busy) {
			snprintf(err, errlen, "agent %s is %s: logged out when the call ends", id,
				 ag_state_names[a->state]);
		} else {
			cp_timer_stop(&a->wrap);
			agent_set(a, AG_LOGGED_OUT);
		}
		break;
	case B2B_AG_READY:
		if (a->contacts == 0) {
			snprintf(err, errlen, "agent %s has no registered phone", id);
			return -ENOTCONN;
		}
		a->signed_out = false;
		a->want_not_ready = false;
		if (!busy && a->state != AG_READY) {
			cp_timer_stop(&a->wrap);
			a->misses = 0;
			agent_set(a, AG_READY);
		}
		break;
	case B2B_AG_NOT_READY:
		if (a->state == AG_LOGGED_OUT) {
			snprintf(err, errlen, "agent %s is logged out", id);
			return -ENOTCONN;
		}
		if (busy) {
			a->want_not_ready = true;
			snprintf(err, errlen, "agent %s is %s: not ready when the call ends", id,
				 ag_state_names[a->state]);
		} else {
			cp_timer_stop(&a->wrap);
			agent_set(a, AG_NOT_READY);
		}
		break;
	}
	dispatch_all(b);
	return 0;
}

static void
queue_json(struct b2b *b, struct jw *w, struct queue *q, bool detail)
{
	uint64_t now = cp_now_ms(b->loop);
	unsigned ready = 0;

	for (unsigned k = 0; k < q->n_members; k++)
		ready += q->members[k]->state == AG_READY;
	jw_obj(w);
	jw_kstr(w, "name", q->name);
	jw_kuint(w, "waiting", q->waiting);
	jw_kuint(w, "longest_wait_s", q->head ? (now - q->head->arrived_ms) / 1000 : 0);
	jw_kuint(w, "agents", q->n_members);
	jw_kuint(w, "ready", ready);
	jw_kuint(w, "offered", q->offered);
	jw_kuint(w, "answered", q->answered);
	jw_kuint(w, "abandoned", q->abandoned);
	jw_kuint(w, "timeouts", q->timeouts);
	jw_kuint(w, "rejected", q->rejected);
	jw_kuint(w, "asa_ms", q->answered ? q->answer_ms_sum / q->answered : 0);
	if (detail) {
		jw_kbool(w, "retired", q->retired);
		jw_kuint(w, "ring_timeout_s", q->conf.ring_timeout_s);
		jw_kuint(w, "wrapup_s", q->conf.wrapup_s);
		jw_kuint(w, "max_misses", q->conf.max_misses);
		jw_kuint(w, "max_wait_s", q->conf.max_wait_s);
		jw_kstr(w, "no_agents", cfg_no_agents_names[q->conf.no_agents]);
		jw_kuint(w, "no_agents_status", q->conf.no_agents_status);
		jw_key(w, "members");
		jw_arr(w);
		for (unsigned k = 0; k < q->n_members; k++) {
			jw_obj(w);
			jw_kstr(w, "id", q->members[k]->id);
			jw_kstr(w, "state", ag_state_names[q->members[k]->state]);
			jw_end(w, '}');
		}
		jw_end(w, ']');
		jw_key(w, "callers");
		jw_arr(w);
		for (struct call *c = q->head; c; c = c->qnext) {
			jw_obj(w);
			jw_kstr(w, "call_id", c->a.callid);
			jw_kstr(w, "from", c->a.remote_uri);
			jw_kuint(w, "wait_s", (now - c->arrived_ms) / 1000);
			jw_end(w, '}');
		}
		jw_end(w, ']');
	}
	jw_end(w, '}');
}

int
b2b_queues_json(struct b2b *b, struct jw *w, const char *name)
{
	if (name == NULL) {
		jw_arr(w);
		for (unsigned i = 0; i < b->n_queues_all; i++)
			queue_json(b, w, b->queues[i], false);
		jw_end(w, ']');
		return 0;
	}
	for (unsigned i = 0; i < b->n_queues_all; i++)
		if (strcmp(b->queues[i]->name, name) == 0) {
			queue_json(b, w, b->queues[i], true);
			return 0;
		}
	return -ENOENT;
}

void
b2b_trunks_json(struct b2b *b, struct jw *w)
{
	const struct cfg_control *cc = &b->cfg->cp;

	jw_arr(w);
	for (uint32_t i = 0; i < cc->n_trunks; i++) {
		const struct cfg_trunk *t = &cc->trunks[i];

		jw_obj(w);
		jw_kstr(w, "name", t->name);
		jw_key(w, "sources");
		jw_arr(w);
		for (uint32_t k = 0; k < t->n_sources; k++)
			jw_str(w, t->sources[k]);
		jw_end(w, ']');
		jw_key(w, "dids");
		jw_arr(w);
		for (uint32_t k = 0; k < t->n_dids; k++) {
			jw_obj(w);
			jw_kstr(w, "number", t->dids[k].number);
			jw_kstr(w, "queue", t->dids[k].queue);
			jw_end(w, '}');
		}
		jw_end(w, ']');
		jw_end(w, '}');
	}
	jw_end(w, ']');
}

void
b2b_registrations_json(struct b2b *b, struct jw *w)
{
	uint64_t now = cp_now_ms(b->loop);

	jw_arr(w);
	for (unsigned i = 0; i < b->n_agents; i++) {
		const struct reg_contact *rc[16];
		unsigned n = reg_contacts(b->reg, b->agents[i]->id, rc, 16);

		for (unsigned k = 0; k < n; k++) {
			char addr[64];

			addr_text(&rc[k]->addr, addr, sizeof(addr));
			jw_obj(w);
			jw_kstr(w, "agent", b->agents[i]->id);
			jw_kstr(w, "contact", rc[k]->uri);
			jw_kstr(w, "address", addr);
			jw_kstr(w, "transport", rc[k]->addr.tp == 0 ? "udp" : "tcp");
			jw_kuint(w, "expires_s", rc[k]->expires_ms > now ?
						 (rc[k]->expires_ms - now) / 1000 : 0);
			jw_end(w, '}');
		}
	}
	jw_end(w, ']');
}

void
b2b_summary_json(struct b2b *b, struct jw *w)
{
	unsigned by_state[6] = { 0 }, waiting = 0;

	for (unsigned i = 0; i < b->n_agents; i++)
		by_state[b->agents[i]->state]++;
	for (unsigned i = 0; i < b->n_queues_all; i++)
		waiting += b->queues[i]->waiting;
	jw_kuint(w, "calls_active", b->n_calls);
	jw_kuint(w, "calls_waiting", waiting);
	jw_kuint(w, "calls_offered", b->st.offered);
	jw_kuint(w, "calls_answered", b->st.answered);
	jw_kuint(w, "calls_abandoned", b->st.abandoned);
	jw_kuint(w, "asa_ms", b->st.answered ? b->st.answer_ms_sum / b->st.answered : 0);
	jw_kuint(w, "registrations", reg_bindings(b->reg));
	jw_key(w, "agents");
	jw_obj(w);
	for (unsigned s = 0; s < 6; s++)
		jw_kuint(w, ag_state_names[s], by_state[s]);
	jw_end(w, '}');
	jw_kuint(w, "queues", b->n_queues);
	jw_kuint(w, "trunks", b->cfg->cp.n_trunks);
	jw_kuint(w, "reloads", b->reloads);
}

struct ngc *
b2b_ngc(struct b2b *b)
{
	return b->ng;
}

void
b2b_tick_1s(struct b2b *b)
{
	b->inv_ring[b->inv_pos] = b->st.invites;
	b->inv_pos = (b->inv_pos + 1) % 11;
	if (b->inv_n < 11)
		b->inv_n++;
}

double
b2b_cps(const struct b2b *b)
{
	unsigned newest = (b->inv_pos + 10) % 11, oldest;

	if (b->inv_n < 2)
		return 0;
	oldest = b->inv_n < 11 ? 0 : b->inv_pos;
	return (double)(b->inv_ring[newest] - b->inv_ring[oldest]) / (double)(b->inv_n - 1);
}

/* A label value as the exposition format wants it. */
static void
prom_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
b2b_metrics(struct b2b *b, FILE *f)
{
	const struct sip_ep_stats *es = sip_ep_stats(b->ep);
	const struct reg_stats *rs = reg_stats(b->reg);
	const struct ngc_stats *ns = ngc_stats(b->ng);
	uint64_t now = cp_now_ms(b->loop);
	unsigned by_state[6] = { 0 };
	static const struct { const char *outcome; size_t off; } outcomes[] = {
		{ "answered", offsetof(struct b2b_stats, answered) },
		{ "abandoned", offsetof(struct b2b_stats, abandoned) },
		{ "queue_timeout", offsetof(struct b2b_stats, queue_timeouts) },
		{ "rejected_no_agents", offsetof(struct b2b_stats, no_agents_rejected) },
		{ "rejected_unknown_trunk", offsetof(struct b2b_stats, unknown_trunk_403) },
		{ "rejected_unknown_did", offsetof(struct b2b_stats, unknown_did_404) },
		{ "rejected_overload", offsetof(struct b2b_stats, overload_503) },
		{ "rejected_no_sdp", offsetof(struct b2b_stats, not_acceptable_488) },
		{ "rejected_srtp_policy", offsetof(struct b2b_stats, srtp_policy_488) },
	};

	prom_head(f, "callplane_calls_active", "gauge", "Calls in progress (queued, ringing or talking).");
	fprintf(f, "callplane_calls_active %u\n", b->n_calls);
	prom_head(f, "callplane_call_attempts_total", "counter", "INVITEs that started a call attempt.");
	fprintf(f, "callplane_call_attempts_total %llu\n", (unsigned long long)b->st.invites);
	prom_head(f, "callplane_calls_total", "counter", "Call attempts by how they ended or were refused.");
	for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		fprintf(f, "callplane_calls_total{outcome=\"%s\"} %llu\n", outcomes[i].outcome,
			(unsigned long long)*(const uint64_t *)(const void *)
				((const char *)&b->st + outcomes[i].off));
	prom_head(f, "callplane_calls_completed_total", "counter", "Answered calls that have ended.");
	fprintf(f, "callplane_calls_completed_total %llu\n", (unsigned long long)b->st.completed);
	prom_head(f, "callplane_cps", "gauge", "New call attempts per second over the last 10 seconds.");
	fprintf(f, "callplane_cps %.2f\n", b2b_cps(b));
	prom_head(f, "callplane_answer_wait_seconds", "histogram",
		  "Time from a call's arrival to its answer by an agent.");
	for (unsigned i = 0; i < WAIT_BUCKETS; i++)
		fprintf(f, "callplane_answer_wait_seconds_bucket{le=\"%llu\"} %llu\n",
			(unsigned long long)wait_bucket_ms[i] / 1000, (unsigned long long)b->wait_hist[i]);
	fprintf(f, "callplane_answer_wait_seconds_bucket{le=\"+Inf\"} %llu\n",
		(unsigned long long)b->st.answered);
	fprintf(f, "callplane_answer_wait_seconds_sum %.3f\n", (double)b->st.answer_ms_sum / 1000.0);
	fprintf(f, "callplane_answer_wait_seconds_count %llu\n", (unsigned long long)b->st.answered);

	prom_head(f, "callplane_queue_waiting", "gauge", "Callers waiting in the queue.");
	for (unsigned i = 0; i < b->n_queues_all; i++) {
		fputs("callplane_queue_waiting{queue=", f);
		prom_label(f, b->queues[i]->name);
		fprintf(f, "} %u\n", b->queues[i]->waiting);
	}
	prom_head(f, "callplane_queue_longest_wait_seconds", "gauge",
		  "How long the oldest caller in the queue has waited.");
	for (unsigned i = 0; i < b->n_queues_all; i++) {
		struct queue *q = b->queues[i];

		fputs("callplane_queue_longest_wait_seconds{queue=", f);
		prom_label(f, q->name);
		fprintf(f, "} %.3f\n", q->head ? (double)(now - q->head->arrived_ms) / 1000.0 : 0.0);
	}
	prom_head(f, "callplane_queue_calls_total", "counter", "Calls through the queue by outcome.");
	for (unsigned i = 0; i < b->n_queues_all; i++) {
		struct queue *q = b->queues[i];
		const uint64_t v[] = { q->offered, q->answered, q->abandoned, q->timeouts, q->rejected };
		static const char *const n[] = { "offered", "answered", "abandoned", "timeout",
						 "rejected" };

		for (unsigned k = 0; k < 5; k++) {
			fputs("callplane_queue_calls_total{queue=", f);
			prom_label(f, q->name);
			fprintf(f, ",outcome=\"%s\"} %llu\n", n[k], (unsigned long long)v[k]);
		}
	}
	for (unsigned i = 0; i < b->n_agents; i++)
		by_state[b->agents[i]->state]++;
	prom_head(f, "callplane_agents", "gauge", "Configured agents by state.");
	for (unsigned s = 0; s < 6; s++)
		fprintf(f, "callplane_agents{state=\"%s\"} %u\n", ag_state_names[s], by_state[s]);
	prom_head(f, "callplane_registrations", "gauge", "Registered agent phone contacts.");
	fprintf(f, "callplane_registrations %u\n", reg_bindings(b->reg));
	prom_head(f, "callplane_registrar_events_total", "counter", "Registrar requests and outcomes.");
#define X(n) fprintf(f, "callplane_registrar_events_total{event=\"%s\"} %llu\n", #n, \
		     (unsigned long long)rs->n);
	REG_COUNTERS(X)
#undef X
	prom_head(f, "callplane_sip_events_total", "counter", "SIP transport and transaction events.");
#define X(n) fprintf(f, "callplane_sip_events_total{event=\"%s\"} %llu\n", #n, \
		     (unsigned long long)es->n);
	SIP_EP_COUNTERS(X)
#undef X
	prom_head(f, "callplane_sip_transactions", "gauge", "Live SIP transactions.");
	fprintf(f, "callplane_sip_transactions %u\n", sip_ep_live_transactions(b->ep));
	prom_head(f, "callplane_ng_client_events_total", "counter", "NG requests to the dataplane.");
#define X(n) fprintf(f, "callplane_ng_client_events_total{event=\"%s\"} %llu\n", #n, \
		     (unsigned long long)ns->n);
	NGC_COUNTERS(X)
#undef X
	prom_head(f, "callplane_agent_events_total", "counter", "Agent-side call events.");
	fprintf(f, "callplane_agent_events_total{event=\"missed\"} %llu\n",
		(unsigned long long)b->st.agent_misses);
	fprintf(f, "callplane_agent_events_total{event=\"busy\"} %llu\n",
		(unsigned long long)b->st.agent_busy);
	prom_head(f, "callplane_media_timeouts_total", "counter",
		  "Calls ended because the dataplane saw no media.");
	fprintf(f, "callplane_media_timeouts_total %llu\n", (unsigned long long)b->st.media_timeouts);
	prom_head(f, "callplane_dtmf_digits_total", "counter",
		  "DTMF digits the dataplane reported in calls, by how they were sent.");
	fprintf(f, "callplane_dtmf_digits_total{source=\"rfc4733\"} %llu\n",
		(unsigned long long)b->st.dtmf_rfc4733);
	fprintf(f, "callplane_dtmf_digits_total{source=\"inband\"} %llu\n",
		(unsigned long long)b->st.dtmf_inband);
	prom_head(f, "callplane_recordings_total", "counter",
		  "Call recordings by outcome (started and refused when asked; done and failed "
		  "from the dataplane's recording events).");
	fprintf(f, "callplane_recordings_total{outcome=\"started\"} %llu\n",
		(unsigned long long)b->st.recordings_started);
	fprintf(f, "callplane_recordings_total{outcome=\"refused\"} %llu\n",
		(unsigned long long)b->st.recordings_refused);
	fprintf(f, "callplane_recordings_total{outcome=\"done\"} %llu\n",
		(unsigned long long)b->st.recordings_done);
	fprintf(f, "callplane_recordings_total{outcome=\"failed\"} %llu\n",
		(unsigned long long)b->st.recordings_failed);
}
