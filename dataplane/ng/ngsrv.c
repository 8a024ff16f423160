/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG control server (see ngsrv.h). Main lcore: sockets are non-blocking
 * and polled from the main loop, so the host stack and the exception
 * path are never held up by a client.
 *
 * Commands served here: ping, list, statistics, offer, answer, delete
 * and query, IPv4 and IPv6, bridged with the offer's "address family";
 * start/stop/pause recording (and "record call" in offer and answer),
 * play/stop media, play DTMF, block/unblock DTMF. Commands and options
 * the dataplane does not implement are refused with an error naming
 * them, never silently accepted.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "common/ng.h"
#include "common/sdp.h"
#include "dsp/dsp.h"
#include "dtmf/dtmf.h"
#include "play/play.h"
#include "rec/rec.h"
#include "srtp/srtp_xf.h"
#include <openssl/rand.h>
#include "events/events.h"
#include "flow/flow.h"
#include "host/host.h"
#include "mport/mport.h"
#include "dp.h"
#include "ngsrv.h"

RTE_LOG_REGISTER_DEFAULT(ngsrv_logtype, INFO);
#define NG_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, ngsrv_logtype, "ng: " __VA_ARGS__)

#define NG_MAX_SOCKS 9
#define NG_MSG_MAX 65535
#define NG_NODES 4096
#define NG_POLL_BUDGET 64

static int socks[NG_MAX_SOCKS];
static unsigned n_socks;
static struct ng_cache *cache;
static struct ben_node nodes[NG_NODES];

#define NCOUNT(ctr) (dp_stats[dp.main_lcore][DP_STATS_NOPORT].c[DP_C_##ctr]++)

/* A call: per media section, the A-facing and B-facing RTP/RTCP streams.
 * A is the offerer (it sends to pa), B the answerer (it sends to pb).
 * The call table holds ng.session_limit calls, found by call-id through
 * a hash. */
#define NG_ID_MAX 128

struct ng_media {
	uint16_t pa, pb;          /* RTP ports; RTCP is +1 */
	uint32_t st[4];           /* A rtp, A rtcp, B rtp, B rtcp */
};

/* SDES (RFC 4568) of one leg of one media section. */
struct ng_sdes {
	bool srtp;                /* this leg speaks SRTP */
	int suite;
	unsigned tag;             /* the a=crypto tag in use */
	char proto[16];           /* its transport protocol */
	uint8_t tx_key[SDP_KEY_MAX]; /* ours, announced to the leg */
	uint8_t rx_key[SDP_KEY_MAX]; /* the leg's, from its SDP */
	bool rx_set;
	struct srtp_xf *xf_rx, *xf_tx;
};

struct ng_call {
	bool used;
	bool answered;
	uint8_t addr;             /* its local IPv4 address: maddr[] index (0: the port's own) */
	uint32_t hnext;           /* next call in its hash chain + 1 (0: end) */
	uint32_t unres_pos;       /* its place in unres[] + 1 (0: every peer resolved) */
	bool a_v6, b_v6;          /* address family of each leg */
	char call_id[NG_ID_MAX];
	char from_tag[NG_ID_MAX];
	char to_tag[NG_ID_MAX];
	bool offer_from_b;        /* the pending (re-)offer came from the answerer */
	unsigned n_media;
	struct ng_media m[SDP_MAX_MEDIA];
	uint64_t created_ms;
	uint64_t delete_at_ms;    /* "delete delay": ended at this time; 0 = live */
	uint64_t answered_ms;
	uint32_t rec;             /* recording slot + 1 (0: none) */
	uint32_t rec_gen;
	char a_label[64], b_label[64]; /* NG "label" of offerer and answerer */
	/* SDES per media section (n_sdes of them): [0] offerer, [1] answerer */
	struct ng_sdes (*sdes)[2];
	unsigned n_sdes;
	char *metadata;           /* NG "metadata" (heap), or NULL */
};

static struct ng_call *calls;     /* cap_calls of them */
static unsigned cap_calls, n_calls;
static uint32_t *free_calls;      /* stack of unused call indexes */
static unsigned n_free_calls;
static uint32_t *hash_head;       /* call-id hash -> call index + 1 */
static uint32_t hash_mask;
static uint64_t calls_total;
/* Media addresses of port 0 (the media interface): [0] its own, then its
 * media-only ones (interfaces[].media_ipv4); each has its port range. */
static struct mport *maddr[1 + CFG_MAX_MEDIA_IP4];
static uint16_t maddr_slot[1 + CFG_MAX_MEDIA_IP4];
static unsigned n_maddr;
static unsigned timer_cursor;     /* call_timers scans a slice per tick */
/* calls with a peer whose MAC is not known yet: retried every tick */
static uint32_t *unres;
static unsigned n_unres;

static void
unres_add(struct ng_call *c)
{
	if (c->unres_pos == 0) {
		unres[n_unres++] = (uint32_t)(c - calls);
		c->unres_pos = n_unres;
	}
}

static void
unres_del(struct ng_call *c)
{
	if (c->unres_pos != 0) {
		uint32_t last = unres[--n_unres];

		unres[c->unres_pos - 1] = last;
		calls[last].unres_pos = c->unres_pos;
		c->unres_pos = 0;
	}
}

static uint64_t
now_ms(void)
{
	return rte_get_timer_cycles() * 1000 / rte_get_timer_hz();
}

static void
reply_ok_start(struct ben_buf *b, const char *ck, size_t ckl)
{
	ng_reply_start(b, ck, ckl);
	ben_put_dict(b);
	ben_put_cstr(b, "result");
	ben_put_cstr(b, "ok");
}

static void
put_kv_int(struct ben_buf *b, const char *k, int64_t v)
{
	ben_put_cstr(b, k);
	ben_put_int(b, v);
}

static bool
copy_id(char *dst, const struct ben_node *n)
{
	if (n == NULL || n->len == 0 || n->len >= NG_ID_MAX)
		return false;
	memcpy(dst, n->str, n->len);
	dst[n->len] = '\0';
	return true;
}

static uint32_t
cid_hash(const char *s, size_t n)
{
	uint32_t h = 2166136261u;   /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 16777619u;
	return h;
}

static struct ng_call *
find_call(const struct ben_node *call_id)
{
	uint32_t i = hash_mask ? hash_head[cid_hash(call_id->str, call_id->len) & hash_mask] : 0;

	for (; i != 0; i = calls[i - 1].hnext) {
		const struct ng_call *c = &calls[i - 1];

		if (strlen(c->call_id) == call_id->len &&
		    memcmp(c->call_id, call_id->str, call_id->len) == 0)
			return &calls[i - 1];
	}
	return NULL;
}

/* A call that is taken from the free stack (do_offer's c) goes live:
 * used, counted, and found by its call-id. */
static void
call_commit(struct ng_call *c)
{
	uint32_t *h = &hash_head[cid_hash(c->call_id, strlen(c->call_id)) & hash_mask];

	n_free_calls--;            /* c is the stack's top (do_offer) */
	c->used = true;
	n_calls++;
	c->hnext = *h;
	*h = (uint32_t)(c - calls) + 1;
}

static void
call_unlink(struct ng_call *c)
{
	uint32_t *h = &hash_head[cid_hash(c->call_id, strlen(c->call_id)) & hash_mask];
	uint32_t me = (uint32_t)(c - calls) + 1;

	while (*h != 0 && *h != me)
		h = &calls[*h - 1].hnext;
	if (*h == me)
		*h = c->hnext;
	c->hnext = 0;
	free_calls[n_free_calls++] = me - 1;
}

/*
 * Media quality of ended calls, for the metrics: one observation per RTP
 * stream that received anything, taken when its call is freed. Bounds
 * are the Prometheus "le" values; counts are per bucket (not cumulative).
 */
static const double loss_le[] = { 0.001, 0.005, 0.01, 0.02, 0.05, 0.1 };
static const double jitter_le[] = { 1, 2, 5, 10, 20, 50, 100 };
static const double mos_le[] = { 2.5, 3.0, 3.5, 4.0, 4.2, 4.4 };
#define QH_MAX 8
struct qhist {
	const char *name;
	const double *le;
	unsigned n;
	uint64_t count[QH_MAX];   /* n buckets then +Inf */
	double sum;
	uint64_t total;
};
static struct qhist qh[3] = {
	{ "loss fraction", loss_le, RTE_DIM(loss_le), {0}, 0, 0 },
	{ "jitter ms", jitter_le, RTE_DIM(jitter_le), {0}, 0, 0 },
	{ "MOS", mos_le, RTE_DIM(mos_le), {0}, 0, 0 },
};

static void
qh_observe(struct qhist *h, double v)
{
	unsigned i = 0;

	while (i < h->n && v > h->le[i])
		i++;
	h->count[i]++;
	h->sum += v;
	h->total++;
}

static void
quality_observe(const struct ng_call *c)
{
	for (unsigned i = 0; i < c->n_media; i++)
		for (unsigned k = 0; k < 4; k += 2) {
			const struct flow_stream *f;
			struct rtpstat_report r;

			if (c->m[i].st[k] == FLOW_NONE)
				continue;
			f = &flow_streams[c->m[i].st[k]];
			rtpstat_report(&f->rs, f->clock_hz ? f->clock_hz : 8000, &r);
			if (r.expected == 0)
				continue;
			qh_observe(&qh[0], r.loss_fraction);
			qh_observe(&qh[1], r.jitter_ms);
			qh_observe(&qh[2], r.mos);
		}
}

/* "quality": per histogram a dict of "le" (bounds as strings), "counts"
 * (per bucket, the last is +Inf), "sum" (string) and "count". */
static void
put_quality(struct ben_buf *b)
{
	char num[32];

	ben_put_cstr(b, "quality");
	ben_put_dict(b);
	for (unsigned h = 0; h < RTE_DIM(qh); h++) {
		ben_put_cstr(b, qh[h].name);
		ben_put_dict(b);
		ben_put_cstr(b, "le");
		ben_put_list(b);
		for (unsigned i = 0; i < qh[h].n; i++) {
			snprintf(num, sizeof(num), "%g", qh[h].le[i]);
			ben_put_cstr(b, num);
		}
		ben_put_end(b);
		ben_put_cstr(b, "counts");
		ben_put_list(b);
		for (unsigned i = 0; i <= qh[h].n; i++)
			ben_put_int(b, (int64_t)qh[h].count[i]);
		ben_put_end(b);
		snprintf(num, sizeof(num), "%.6g", qh[h].sum);
		ben_put_cstr(b, "sum");
		ben_put_cstr(b, num);
		put_kv_int(b, "count", (int64_t)qh[h].total);
		ben_put_end(b);
	}
	ben_put_end(b);
}

static void
call_free(struct ng_call *c)
{
	uint32_t st[SDP_MAX_MEDIA * 4];
	unsigned n = 0;

	for (unsigned i = 0; i < c->n_media; i++) {
		for (unsigned k = 0; k < 4; k++)
			if (c->m[i].st[k] != FLOW_NONE)
				st[n++] = c->m[i].st[k];
		mport_release(maddr[c->addr], c->m[i].pa);
		mport_release(maddr[c->addr], c->m[i].pb);
	}
	quality_observe(c);
	if (c->rec && rec_gen(c->rec - 1) == c->rec_gen)
		rec_stop(c->rec - 1);   /* before its streams go */
	c->rec = 0;
	for (unsigned i = 0; i < c->n_media; i++)
		for (unsigned k = 0; k < 4; k += 2)
			play_stop(c->m[i].st[k], false);
	if (n)
		flow_release(st, n);
	/* no worker holds a stream any more: the SRTP contexts can go */
	for (unsigned i = c->n_sdes; i-- > 0;)   /* newest first, as ngsrv_reset */
		for (unsigned l = 2; l-- > 0;) {
			srtp_xf_free(c->sdes[i][l].xf_tx);
			srtp_xf_free(c->sdes[i][l].xf_rx);
			c->sdes[i][l].xf_rx = c->sdes[i][l].xf_tx = NULL;
		}
	free(c->sdes);
	c->sdes = NULL;
	c->n_sdes = 0;
	free(c->metadata);
	c->metadata = NULL;
	c->used = false;
	n_calls--;
	unres_del(c);
	call_unlink(c);
}

/* Adds an SDP's telephone-event payload types to a media section's four
 * streams (offer and answer may number them differently; either counts). */
static void
add_te(const struct ng_media *m, const struct sdp_media *sm)
{
	for (unsigned k = 0; k < 4; k++) {
		struct flow_stream *f = &flow_streams[m->st[k]];

		f->te_pts[0] |= sm->te_pts[0];
		f->te_pts[1] |= sm->te_pts[1];
		if (f->te_clock == 0)
			f->te_clock = sm->te_clock;
	}
}

/*
 * In-band DTMF detection ("detect DTMF"): on for the RTP streams of a
 * media section whose negotiated codec (the SDP's first format) is G.711;
 * a new generation resets the detectors. Without the flag an answer only
 * follows a codec change of a call that has it on.
 */
static void
set_inband(const struct ng_media *m, const struct sdp_media *sm, bool flag)
{
	unsigned long pt = strtoul(sm->formats, NULL, 10);
	bool g711 = sm->formats[0] >= '0' && sm->formats[0] <= '9' && (pt == 0 || pt == 8);

	for (unsigned k = 0; k < 4; k++)
		flow_streams[m->st[k]].codec_pt = (uint8_t)(pt < 128 ? pt : 255);
	for (unsigned k = 0; k < 4; k += 2) {
		struct flow_stream *f = &flow_streams[m->st[k]];

		if (!flag && !f->inband)
			continue;
		f->inband_pt = (uint8_t)pt;
		if (!f->inband || flag)
			f->dsp_gen = dsp_new_gen();
		f->inband = g711;
	}
}

/* Fills the peer of stream @idx from an SDP media section. */
static void
set_peer(uint32_t idx, const struct sdp_media *sm, bool rtcp)
{
	struct flow_stream *f = &flow_streams[idx];
	uint16_t port = rtcp ? (sm->rtcp_mux ? sm->port :
				sm->rtcp_port ? sm->rtcp_port : (uint16_t)(sm->port + 1)) : sm->port;

	f->v6 = sm->conn.family == AF_INET6;
	if (f->v6)
		memcpy(f->peer_ip6, sm->conn.addr, 16);
	else
		memcpy(&f->peer_ip, sm->conn.addr, 4);
	f->peer_port = rte_cpu_to_be_16(port);
}

/* Tries to fill the peer MAC of @idx from the neighbour cache (solicits
 * when unknown); the main loop retries until it is known. */
static void
resolve_peer(uint32_t idx)
{
	struct flow_stream *f = &flow_streams[idx];
	uint8_t ip[16], mac[6];

	if (f->v6) {
		memcpy(ip, f->peer_ip6, 16);
	} else {
		memset(ip, 0, 10);
		ip[10] = ip[11] = 0xff;
		memcpy(ip + 12, &f->peer_ip, 4);
	}
	if (host_resolve(ip, mac) == 1) {
		memcpy(f->peer_mac, mac, 6);
		__atomic_store_n(&f->mac_ok, 1, __ATOMIC_RELEASE);
	} else if (f->owner < cap_calls) {
		unres_add(&calls[f->owner]);   /* call_timers tries again */
	}
}

static const char *
check_sdp(const struct sdp *sdp)
{
	if (sdp->n_media == 0)
		return "SDP has no media";
	for (unsigned i = 0; i < sdp->n_media; i++) {
		if (sdp->media[i].conn.family != sdp->media[0].conn.family)
			return "Media sections of mixed address families are not supported";
		if (sdp->media[i].port == 0)
			return "Disabled media (port 0) is not supported yet";
	}
	return NULL;
}

/* Parses the request's SDP and checks what the relay can serve. */
static const char *
parse_sdp(struct sdp *sdp, const struct ben_node *sdpn)
{
	static char reason[200];
	char err[160];

	if (sdp_parse(sdp, sdpn->str, sdpn->len, err, sizeof(err)) < 0) {
		snprintf(reason, sizeof(reason), "Failed to parse SDP: %s", err);
		return reason;
	}
	return check_sdp(sdp);
}

static const char *
family_ok(bool v6)
{
	const struct dp_port *p = &dp.ports[0];

	if (v6 ? !p->has6 : !p->has4)
		return v6 ? "No IPv6 address on the media interface" :
			    "No IPv4 address on the media interface";
	return NULL;
}

/* Writes the rewritten SDP as "sdp" into @b; @b_side picks pb (offer) or pa. */
static const char *
put_sdp(struct ben_buf *b, const struct ben_node *sdpn, const struct sdp *sdp,
	const struct ng_call *c, bool b_side)
{
	static char out[NG_MSG_MAX];
	struct sdp_rewrite_media rw[SDP_MAX_MEDIA];
	const struct dp_port *p = &dp.ports[0];
	int n;

	bool v6 = b_side ? c->b_v6 : c->a_v6;
	static char crypto[SDP_MAX_MEDIA][160];

	for (unsigned i = 0; i < sdp->n_media; i++) {
		uint16_t port = b_side ? c->m[i].pb : c->m[i].pa;
		const struct ng_sdes *l = &c->sdes[i][b_side ? 1 : 0];

		/* the leg hears its own protocol, and only our key for it:
		 * the other leg's key never travels on */
		rw[i].proto = l->proto[0] && strcmp(l->proto, sdp->media[i].proto) != 0 ? l->proto
											  : NULL;
		crypto[i][0] = '\0';
		if (l->srtp) {
			char b64[80];

			sdp_b64_encode(l->tx_key, srtp_suite_key_len(l->suite) +
					       srtp_suite_salt_len(l->suite), b64, sizeof(b64));
			snprintf(crypto[i], sizeof(crypto[i]), "a=crypto:%u %s inline:%s\r\n", l->tag,
				 srtp_suite_name(l->suite), b64);
		}
		rw[i].crypto = crypto[i];

		rw[i].addr.family = v6 ? AF_INET6 : AF_INET;
		if (v6)
			memcpy(rw[i].addr.addr, p->ip6, 16);
		else
			memcpy(rw[i].addr.addr, &dp.slot_ip4[maddr_slot[c->addr]], 4);
		inet_ntop(rw[i].addr.family, rw[i].addr.addr, rw[i].addr.text,
			  sizeof(rw[i].addr.text));
		rw[i].port = port;
		rw[i].rtcp_port = (uint16_t)(port + 1);
	}
	n = sdp_rewrite(sdpn->str, sdpn->len, sdp, rw, out, sizeof(out));
	if (n < 0)
		return "SDP too large to rewrite";
	ben_put_cstr(b, "sdp");
	ben_put_str(b, out, (size_t)n);
	return NULL;
}

/* Marker: the offer is refused with the protocol's own "load limit"
 * result, which clients that list it in "supports" shed calls on. */
static const char LOAD_LIMIT[] = "load limit";

static bool
supports_load_limit(const struct ben_doc *doc)
{
	const struct ben_node *l = ben_dict_get(doc, &doc->nodes[0], "supports");

	if (l == NULL || l->type != BEN_LIST)
		return false;
	for (const struct ben_node *i = ben_next(doc, l, NULL); i; i = ben_next(doc, l, i))
		if (ben_str_eq(i, "load limit"))
			return true;
	return false;
}

/* NG spells options with spaces or dashes ("strict source", "strict-source"). */
static bool
ng_name_eq(const char *a, size_t alen, const char *b)
{
	size_t i;

	for (i = 0; i < alen && b[i]; i++) {
		char x = a[i] == '-' || a[i] == '_' ? ' ' : (char)tolower((unsigned char)a[i]);
		char y = b[i] == '-' ? ' ' : (char)tolower((unsigned char)b[i]);

		if (x != y)
			return false;
	}
	return i == alen && b[i] == '\0';
}

/* True if the request's "flags" list holds @flag. */
static bool
has_flag(const struct ben_doc *doc, const char *flag)
{
	const struct ben_node *l = ben_dict_get(doc, &doc->nodes[0], "flags");

	if (l == NULL || l->type != BEN_LIST)
		return false;
	for (const struct ben_node *i = ben_next(doc, l, NULL); i; i = ben_next(doc, l, i))
		if (i->type == BEN_STR && ng_name_eq(i->str, i->len, flag))
			return true;
	return false;
}

/* A top-level key of the request, in either spelling. */
static const struct ben_node *
get_key(const struct ben_doc *doc, const char *key)
{
	const struct ben_node *root = &doc->nodes[0];

	for (const struct ben_node *k = ben_next(doc, root, NULL); k; k = ben_next(doc, root, k)) {
		const struct ben_node *v = ben_next(doc, root, k);

		if (v == NULL)
			return NULL;
		if (k->type == BEN_STR && ng_name_eq(k->str, k->len, key))
			return v;
		k = v;
	}
	return NULL;
}

/* The protocols a leg may speak, as written in SDP; NULL if not one. */
static const char *
sdes_proto(const char *p, size_t n)
{
	static const char *const ok[] = { "RTP/AVP", "RTP/SAVP", "RTP/AVPF", "RTP/SAVPF" };

	for (size_t i = 0; i < RTE_DIM(ok); i++)
		if (strlen(ok[i]) == n && strncasecmp(ok[i], p, n) == 0)
			return ok[i];
	return NULL;
}

static bool
is_savp(const char *p)
{
	return strncasecmp(p, "RTP/SAVP", 8) == 0;
}

/* The first a=crypto of @sm we can use (a suite we have, the key length
 * it needs, no MKI), of @suite and @tag when those are >= 0. */
/* a=crypto keys with a shorter lifetime would need re-keying mid-call;
 * 2^31 packets is 497 days at 50 packets/s */
#define SDES_MIN_LIFETIME (UINT64_C(1) << 31)

static const struct sdp_crypto *
sdes_pick(const struct sdp_media *sm, int suite, int tag, uint32_t allow)
{
	for (unsigned i = 0; i < sm->n_crypto; i++) {
		const struct sdp_crypto *c = &sm->crypto[i];
		int s = srtp_suite_by_name(c->suite, strlen(c->suite));

		if (s < 0 || c->mki || (suite >= 0 && s != suite) || (tag >= 0 && (int)c->tag != tag) ||
		    !(allow & (1u << s)) || (c->lifetime && c->lifetime_pkts < SDES_MIN_LIFETIME))
			continue;
		if (c->key_len != srtp_suite_key_len(s) + srtp_suite_salt_len(s))
			continue;
		return c;
	}
	return NULL;
}

/* The a=crypto of offer @sm the relay answers: the first of
 * dataplane.srtp.prefer the offer has (usable and allowed), else the
 * offerer's first usable. */
static const struct sdp_crypto *
sdes_choose(const struct sdp_media *sm, uint32_t allow)
{
	const struct cfg_srtp *sr = &dp.cfg->dp.srtp;

	for (uint32_t i = 0; i < sr->n_prefer; i++) {
		const struct sdp_crypto *c = sdes_pick(sm, sr->prefer_idx[i], -1, allow);

		if (c != NULL)
			return c;
	}
	return sdes_pick(sm, -1, -1, allow);
}

/* The suite the relay offers a leg it makes SRTP: the first of
 * dataplane.srtp.prefer that @allow lets through, else the first allowed
 * (AES_CM_128_HMAC_SHA1_80 unless the SDES options leave it out). */
static enum srtp_suite
sdes_offered_suite(uint32_t allow)
{
	const struct cfg_srtp *sr = &dp.cfg->dp.srtp;

	for (uint32_t i = 0; i < sr->n_prefer; i++)
		if (allow & (1u << sr->prefer_idx[i]))
			return (enum srtp_suite)sr->prefer_idx[i];
	return (enum srtp_suite)__builtin_ctz(allow);
}

/*
 * NG "SDES" options of an offer (rtpengine's list, or flags spelled
 * "SDES-<option>"): "no-<suite>" leaves a suite out, "only-<suite>"
 * allows just the suites so named, for the offerer's a=crypto we accept
 * and the suite we offer the other leg. Any other option would change
 * what the call does and is refused by name. *allow: a bit per suite.
 */
static const char *
sdes_options(const struct ben_doc *doc, uint32_t *allow)
{
	static char reason[160];
	const struct ben_node *l = get_key(doc, "SDES");
	const struct ben_node *f = ben_dict_get(doc, &doc->nodes[0], "flags");
	uint32_t only = 0;

	*allow = (1u << SRTP_SUITE_COUNT) - 1;
	if (l != NULL && l->type != BEN_LIST)
		return "SDES must be a list of options";
	for (int pass = 0; pass < 2; pass++) {
		const struct ben_node *lst = pass ? (f && f->type == BEN_LIST ? f : NULL) : l;

		for (const struct ben_node *i = lst ? ben_next(doc, lst, NULL) : NULL; i;
		     i = ben_next(doc, lst, i)) {
			const char *o = i->str;
			size_t n = i->len;
			int su;

			if (i->type != BEN_STR)
				return "SDES options must be strings";
			if (pass) {
				if (n < 5 || memcmp(o, "SDES-", 5) != 0)
					continue;   /* a flag that is not about SDES */
				o += 5;
				n -= 5;
			}
			if (n > 3 && memcmp(o, "no-", 3) == 0 &&
			    (su = srtp_suite_by_name(o + 3, n - 3)) >= 0) {
				*allow &= ~(1u << su);
			} else if (n > 5 && memcmp(o, "only-", 5) == 0 &&
				   (su = srtp_suite_by_name(o + 5, n - 5)) >= 0) {
				only |= 1u << su;
			} else {
				snprintf(reason, sizeof(reason),
					 (n > 3 && memcmp(o, "no-", 3) == 0) ||
						 (n > 5 && memcmp(o, "only-", 5) == 0)
						 ? "SDES option '%.*s' names a suite this relay does not have"
						 : "SDES option '%.*s' is not supported (no-<suite>, only-<suite>)",
					 (int)RTE_MIN(n, 48u), o);
				return reason;
			}
		}
	}
	if (only)
		*allow &= only;
	if (*allow == 0)
		return "SDES options leave no suite";
	return NULL;
}

/* The offerer's leg (@l, from its SDP @sm) and the answerer's (@o, in the
 * protocol @want), with the suites @allow lets through: keys picked and
 * made. An error text, or NULL. */
static const char *
sdes_offer(struct ng_sdes *a, struct ng_sdes *o, const struct sdp_media *sm, const char *want,
	   uint32_t allow)
{
	memset(a, 0, sizeof(*a));
	memset(o, 0, sizeof(*o));
	snprintf(a->proto, sizeof(a->proto), "%s", sdes_proto(sm->proto, strlen(sm->proto)));
	snprintf(o->proto, sizeof(o->proto), "%s", want ? want : a->proto);
	a->srtp = is_savp(a->proto);
	o->srtp = is_savp(o->proto);
	if (a->srtp) {
		const struct sdp_crypto *c = sdes_choose(sm, allow);

		if (c == NULL) {
			for (unsigned i = 0; i < sm->n_crypto; i++)
				if (sm->crypto[i].lifetime &&
				    sm->crypto[i].lifetime_pkts < SDES_MIN_LIFETIME)
					return "a=crypto key lifetime under 2^31 packets: re-keying is "
					       "not supported";
			return sm->n_crypto ? "No usable a=crypto in the offer (a suite we support "
					      "and the SDES options allow, its key length, no MKI)"
					    : "RTP/SAVP offer without a=crypto (only SDES keying is "
					      "supported)";
		}
		a->suite = srtp_suite_by_name(c->suite, strlen(c->suite));
		a->tag = c->tag;
		memcpy(a->rx_key, c->key, c->key_len);
		a->rx_set = true;
		if (RAND_bytes(a->tx_key, (int)c->key_len) != 1)
			return "No randomness for an SRTP key";
	}
	if (o->srtp) {
		/* the offerer's suite, or the one we prefer of those allowed */
		o->suite = a->srtp ? a->suite : (int)sdes_offered_suite(allow);
		o->tag = 1;
		if (RAND_bytes(o->tx_key, (int)(srtp_suite_key_len(o->suite) +
					       srtp_suite_salt_len(o->suite))) != 1)
			return "No randomness for an SRTP key";
	}
	return NULL;
}

/* The answerer's SDP @sm for leg @o (offered @o->proto). */
static const char *
sdes_answer(struct ng_sdes *o, const struct sdp_media *sm)
{
	if (is_savp(sm->proto) != o->srtp)
		return o->srtp ? "The answer is not RTP/SAVP though SRTP was offered to it"
			       : "The answer is RTP/SAVP though plain RTP was offered to it";
	if (o->srtp) {
		const struct sdp_crypto *c = sdes_pick(sm, o->suite, -1, ~0u);

		if (c == NULL)
			return "The answer has no usable a=crypto for the offered suite";
		memcpy(o->rx_key, c->key, c->key_len);
		o->rx_set = true;
	}
	return NULL;
}

/* Contexts for a leg whose keys are known, onto its RTP and RTCP streams
 * (before they are published). */
static const char *
sdes_arm(struct ng_sdes *l, uint32_t rtp, uint32_t rtcp)
{
	if (!l->srtp || !l->rx_set)
		return NULL;
	if (l->xf_rx == NULL &&
	    (srtp_xf_create(&l->xf_rx, (enum srtp_engine)dp.cfg->dp.srtp.engine, l->suite, l->rx_key, l->rx_key + srtp_suite_key_len(l->suite)) < 0 ||
	     srtp_xf_create(&l->xf_tx, (enum srtp_engine)dp.cfg->dp.srtp.engine, l->suite, l->tx_key, l->tx_key + srtp_suite_key_len(l->suite)) < 0))
		return "Cannot set up SRTP for the call";
	for (unsigned k = 0; k < 2; k++) {
		struct flow_stream *f = &flow_streams[k ? rtcp : rtp];

		f->srtp_rx = l->xf_rx;
		f->srtp_tx = l->xf_tx;
	}
	return NULL;
}

/*
 * Offer/answer options the relay does not implement yet but that would
 * change what it does: refused by name rather than silently ignored.
 * Flags it implements or that change nothing here are accepted.
 */
static const char *
unsupported_options(const struct ben_doc *doc, const struct sdp *sdp)
{
	static const char *const keys[] = {
		"ICE", "DTLS", "OSRTP", "codec", "rtcp mux", "T.38", "replace",
		"media address", "DTLS fingerprint", "ptime", "xmlrpc callback",
		"direction",
	};
	static const char *const ok_flags[] = {
		"strict source", "trust address", "symmetric", "port latching", "loop protect",
		"all", "no rtcp attribute", "full rtcp attribute", "detect DTMF",
	};
	static char reason[160];
	const struct ben_node *v, *l;

	for (size_t i = 0; i < RTE_DIM(keys); i++)
		if ((v = get_key(doc, keys[i])) != NULL) {
			snprintf(reason, sizeof(reason),
				 "Option '%s' is not supported by this dataplane yet", keys[i]);
			return reason;
		}
	v = get_key(doc, "transport protocol");
	if (v != NULL && (v->type != BEN_STR || sdes_proto(v->str, v->len) == NULL)) {
		snprintf(reason, sizeof(reason),
			 "Transport protocol '%.*s' is not supported (RTP/AVP, RTP/SAVP, RTP/AVPF, "
			 "RTP/SAVPF)", v->type == BEN_STR ? (int)RTE_MIN(v->len, 32u) : 1,
			 v->type == BEN_STR ? v->str : "?");
		return reason;
	}
	for (unsigned i = 0; i < sdp->n_media; i++)
		if (sdes_proto(sdp->media[i].proto, strlen(sdp->media[i].proto)) == NULL) {
			snprintf(reason, sizeof(reason), "Transport protocol %s is not supported",
				 sdp->media[i].proto);
			return reason;
		}
	l = ben_dict_get(doc, &doc->nodes[0], "flags");
	if (l != NULL && l->type != BEN_LIST)
		return "flags must be a list";
	for (const struct ben_node *i = l ? ben_next(doc, l, NULL) : NULL; i; i = ben_next(doc, l, i)) {
		bool ok = false;

		if (i->type != BEN_STR)
			return "flags must be a list of strings";
		for (size_t k = 0; k < RTE_DIM(ok_flags) && !ok; k++)
			ok = ng_name_eq(i->str, i->len, ok_flags[k]);
		ok = ok || (i->len > 5 && memcmp(i->str, "SDES-", 5) == 0);   /* sdes_options */
		if (!ok) {
			snprintf(reason, sizeof(reason),
				 "Flag '%.*s' is not supported by this dataplane yet",
				 (int)RTE_MIN(i->len, 40u), i->str);
			return reason;
		}
	}
	{
		uint32_t allow;
		const char *e = sdes_options(doc, &allow);

		if (e != NULL)
			return e;
	}
	return NULL;
}

/*
 * A new offer for a call that exists (re-INVITE: hold, resume, new
 * address): same ports, the offerer's peer addresses updated, the
 * answerer's side waits for the new answer as before.
 */
static const char *
re_offer(struct ben_buf *b, struct ng_call *c, const struct ben_node *ft,
	 const struct ben_node *sdpn, const struct sdp *sdp, const char *ck, size_t ckl)
{
	/* A re-INVITE from either party: its SDP moves that party's peers;
	 * the relay ports stay, so the other party sees no change. */
	bool from_a = strlen(c->from_tag) == ft->len && memcmp(c->from_tag, ft->str, ft->len) == 0;
	bool from_b = c->answered && strlen(c->to_tag) == ft->len &&
		      memcmp(c->to_tag, ft->str, ft->len) == 0;
	unsigned base = from_a ? 0 : 2;

	if (!from_a && !from_b)
		return "Re-offer from a tag that is neither the offerer's nor the answerer's";
	if (sdp->n_media != c->n_media)
		return "Re-offer with a different number of media sections is not supported yet";
	if ((sdp->media[0].conn.family == AF_INET6) != (from_a ? c->a_v6 : c->b_v6))
		return "Re-offer may not change the address family";
	for (unsigned i = 0; i < c->n_media; i++) {
		const struct ng_sdes *l = &c->sdes[i][from_a ? 0 : 1];
		const struct sdp_crypto *k = l->srtp ? sdes_pick(&sdp->media[i], l->suite, -1, ~0u) : NULL;

		if (is_savp(sdp->media[i].proto) != l->srtp)
			return "Re-offer may not switch between RTP and SRTP";
		if (l->srtp && l->rx_set && (k == NULL || memcmp(k->key, l->rx_key, k->key_len) != 0))
			return "Re-offer with a new SRTP key is not supported yet";
	}
	for (unsigned i = 0; i < c->n_media; i++)
		add_te(&c->m[i], &sdp->media[i]);
	for (unsigned i = 0; i < c->n_media; i++)
		for (unsigned k = 0; k < 2; k++) {
			uint32_t idx = c->m[i].st[base + k];
			struct flow_stream *f = &flow_streams[idx];
			uint32_t old_ip = f->peer_ip;
			uint16_t old_port = f->peer_port;
			uint8_t old_ip6[16];

			memcpy(old_ip6, f->peer_ip6, 16);
			set_peer(idx, &sdp->media[i], k == 1);
			/* A peer that moved needs its next hop again. A worker may
			 * see the fields mid-update and drop one packet. */
			if (f->peer_ip != old_ip || f->peer_port != old_port ||
			    memcmp(f->peer_ip6, old_ip6, 16) != 0) {
				__atomic_store_n(&f->mac_ok, 0, __ATOMIC_RELEASE);
				resolve_peer(idx);
			}
		}
	c->offer_from_b = from_b;
	reply_ok_start(b, ck, ckl);
	/* the SDP goes to the other party: it names the ports that party sends to */
	return put_sdp(b, sdpn, sdp, c, from_a);
}

static const char *
do_offer(struct ben_buf *b, const struct ben_doc *doc, const char *ck, size_t ckl)
{
	const struct ben_node *root = &doc->nodes[0];
	const struct ben_node *cid = ben_dict_str(doc, root, "call-id");
	const struct ben_node *ft = ben_dict_str(doc, root, "from-tag");
	const struct ben_node *sdpn = ben_dict_str(doc, root, "sdp");
	static struct sdp sdp;
	struct ng_call *c = NULL;
	bool a_v6, b_v6;
	const char *e;

	if (cid == NULL)
		return "No call-id in message";
	if (ft == NULL)
		return "No from-tag in message";
	if (sdpn == NULL)
		return "No SDP body in message";
	if ((e = parse_sdp(&sdp, sdpn)) != NULL)
		return e;
	if ((e = unsupported_options(doc, &sdp)) != NULL)
		return e;
	if ((c = find_call(cid)) != NULL)
		return re_offer(b, c, ft, sdpn, &sdp, ck, ckl);
	if (n_calls >= dp.cfg->dp.ng.session_limit)
		return supports_load_limit(doc) ? LOAD_LIMIT : "Parallel session limit reached";
	{
		/* rtpengine's "address family" picks the answerer's side
		 * (bridging); by default it is the offerer's. */
		const struct ben_node *af = ben_dict_str(doc, root, "address family");

		a_v6 = sdp.media[0].conn.family == AF_INET6;
		b_v6 = a_v6;
		if (af != NULL) {
			if (ben_str_eq(af, "IP6"))
				b_v6 = true;
			else if (ben_str_eq(af, "IP4"))
				b_v6 = false;
			else
				return "Invalid address family (IP4 or IP6)";
		}
		if ((e = family_ok(a_v6)) != NULL || (e = family_ok(b_v6)) != NULL)
			return e;
	}
	if (ft->len == 0 || ft->len >= NG_ID_MAX)
		return "from-tag too long";
	if (cid->len >= NG_ID_MAX)
		return "call-id too long";
	if (n_free_calls == 0)
		return supports_load_limit(doc) ? LOAD_LIMIT : "Call table full";
	c = &calls[free_calls[n_free_calls - 1]];   /* taken by call_commit */
	{
		/* SDES first: nothing is allocated for an offer we refuse */
		static struct ng_sdes sa[SDP_MAX_MEDIA], sb[SDP_MAX_MEDIA];
		const struct ben_node *tp = get_key(doc, "transport protocol");
		uint32_t allow;

		if ((e = sdes_options(doc, &allow)) != NULL)
			return e;

		for (unsigned i = 0; i < sdp.n_media; i++)
			if ((e = sdes_offer(&sa[i], &sb[i], &sdp.media[i],
					    tp ? sdes_proto(tp->str, tp->len) : NULL, allow)) != NULL)
				return e;
		struct ng_sdes (*sd)[2] = calloc(sdp.n_media, sizeof(*sd));

		if (sd == NULL)
			return "Out of memory";
		memset(c, 0, sizeof(*c));
		c->sdes = sd;
		c->n_sdes = sdp.n_media;
		for (unsigned i = 0; i < sdp.n_media; i++) {
			c->sdes[i][0] = sa[i];
			c->sdes[i][1] = sb[i];
		}
	}
	c->a_v6 = a_v6;
	c->b_v6 = b_v6;
	copy_id(c->call_id, cid);
	copy_id(c->from_tag, ft);
	/* an IPv4 call takes the media address with the most free ports; a
	 * call with an IPv6 leg stays on the port's own (its streams share
	 * the port's map slot) */
	c->addr = 0;
	if (!a_v6 && !b_v6)
		for (unsigned k = 1; k < n_maddr; k++)
			if (mport_capacity(maddr[k]) - mport_in_use(maddr[k]) >
			    mport_capacity(maddr[c->addr]) - mport_in_use(maddr[c->addr]))
				c->addr = (uint8_t)k;
	for (unsigned i = 0; i < sdp.n_media; i++) {
		struct ng_media *m = &c->m[i];

		for (unsigned k = 0; k < 4; k++)
			m->st[k] = FLOW_NONE;
		c->n_media = i + 1;
		if (mport_alloc(maddr[c->addr], &m->pa) < 0 ||
		    mport_alloc(maddr[c->addr], &m->pb) < 0)
			goto full;
		for (unsigned k = 0; k < 4; k++) {
			m->st[k] = flow_alloc();
			if (m->st[k] == FLOW_NONE)
				goto full;
		}
		for (unsigned k = 0; k < 4; k++) {
			struct flow_stream *f = &flow_streams[m->st[k]];
			uint16_t lp = (k < 2 ? m->pa : m->pb) + (k & 1);

			f->local_port = rte_cpu_to_be_16(lp);
			f->port_idx = 0;
			f->slot = maddr_slot[c->addr];
			f->v6 = k < 2 ? c->a_v6 : c->b_v6;
			f->strict = has_flag(doc, "strict source");
			f->rtcp = k & 1;
			f->out = m->st[k ^ 2];   /* A rtp <-> B rtp, A rtcp <-> B rtcp */
		}
		set_peer(m->st[0], &sdp.media[i], false);
		set_peer(m->st[1], &sdp.media[i], true);
		for (unsigned k = 0; k < 4; k++) {
			flow_set_clock(m->st[k], sdp.media[i].clock_hz);
			flow_streams[m->st[k]].owner = (uint32_t)(c - calls);
		}
		add_te(m, &sdp.media[i]);
		set_inband(m, &sdp.media[i], has_flag(doc, "detect DTMF"));
		resolve_peer(m->st[0]);
		resolve_peer(m->st[1]);
	}
	call_commit(c);
	c->created_ms = now_ms();
	calls_total++;
	reply_ok_start(b, ck, ckl);
	return put_sdp(b, sdpn, &sdp, c, true);
full:
	call_commit(c);
	call_free(c);
	return supports_load_limit(doc) ? LOAD_LIMIT : "No free media ports or stream slots";
}

static const char *
do_answer(struct ben_buf *b, const struct ben_doc *doc, const char *ck, size_t ckl)
{
	const struct ben_node *root = &doc->nodes[0];
	const struct ben_node *cid = ben_dict_str(doc, root, "call-id");
	const struct ben_node *tt = ben_dict_str(doc, root, "to-tag");
	const struct ben_node *sdpn = ben_dict_str(doc, root, "sdp");
	static struct sdp sdp;
	struct ng_call *c;
	const char *e;

	if (cid == NULL)
		return "No call-id in message";
	if (tt == NULL)
		return "No to-tag in message";
	if (sdpn == NULL)
		return "No SDP body in message";
	c = find_call(cid);
	if (c == NULL)
		return "Unknown call-id";
	if ((e = parse_sdp(&sdp, sdpn)) != NULL)
		return e;
	if ((e = unsupported_options(doc, &sdp)) != NULL)
		return e;
	if (sdp.n_media != c->n_media)
		return "Answer has a different number of media sections than the offer";
	{
		/* The answer comes from whoever did not send the pending offer. */
		bool to_a = c->offer_from_b;
		bool want_v6 = to_a ? c->a_v6 : c->b_v6;

		if ((sdp.media[0].conn.family == AF_INET6) != want_v6)
			return want_v6 ? "Answer must be IPv6 (the offer chose address family IP6)" :
					 "Answer must be IPv4 (the offer chose address family IP4)";
		if (!to_a && !copy_id(c->to_tag, tt))
			return "to-tag too long";
		for (unsigned i = 0; i < c->n_media && !to_a; i++) {
			if ((e = sdes_answer(&c->sdes[i][1], &sdp.media[i])) != NULL)
				return e;
			if ((e = sdes_arm(&c->sdes[i][0], c->m[i].st[0], c->m[i].st[1])) != NULL ||
			    (e = sdes_arm(&c->sdes[i][1], c->m[i].st[2], c->m[i].st[3])) != NULL)
				return e;
		}
		for (unsigned i = 0; i < c->n_media; i++) {
			struct ng_media *m = &c->m[i];
			unsigned base = to_a ? 0 : 2;

			set_peer(m->st[base], &sdp.media[i], false);
			set_peer(m->st[base + 1], &sdp.media[i], true);
			/* the answer's first format is the negotiated codec */
			for (unsigned k = 0; k < 4; k++)
				flow_set_clock(m->st[k], sdp.media[i].clock_hz);
			add_te(m, &sdp.media[i]);
			set_inband(m, &sdp.media[i], has_flag(doc, "detect DTMF"));
			resolve_peer(m->st[base]);
			resolve_peer(m->st[base + 1]);
			for (unsigned k = 0; k < 4; k++)
				flow_publish(m->st[k]);
		}
		c->offer_from_b = false;
		if (to_a) {
			reply_ok_start(b, ck, ckl);
			return put_sdp(b, sdpn, &sdp, c, true);
		}
	}
	c->answered = true;
	c->answered_ms = now_ms();
	reply_ok_start(b, ck, ckl);
	return put_sdp(b, sdpn, &sdp, c, false);
}

static void
put_stream(struct ben_buf *b, uint32_t idx)
{
	const struct flow_stream *f = &flow_streams[idx];
	struct rtpstat_report r;
	char ip[INET6_ADDRSTRLEN];

	rtpstat_report(&f->rs, f->clock_hz ? f->clock_hz : 8000, &r);
	if (f->v6)
		inet_ntop(AF_INET6, f->peer_ip6, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &f->peer_ip, ip, sizeof(ip));
	ben_put_dict(b);
	put_kv_int(b, "local port", rte_be_to_cpu_16(f->local_port));
	ben_put_cstr(b, "peer address");
	ben_put_cstr(b, ip);
	put_kv_int(b, "peer port", rte_be_to_cpu_16(f->peer_port));
	put_kv_int(b, "packets", (int64_t)f->pkts);
	put_kv_int(b, "bytes", (int64_t)f->bytes);
	put_kv_int(b, "dropped source", (int64_t)f->drop_source);
	if (f->srtp_rx != NULL) {
		/* SDES: the suite of what the peer sends here (and of what goes
		 * back), and its packets refused (authentication, replay) */
		ben_put_cstr(b, "SRTP suite");
		ben_put_cstr(b, srtp_suite_name(srtp_xf_suite(f->srtp_rx)));
		put_kv_int(b, "dropped SRTP", (int64_t)f->drop_srtp);
	}
	if (!f->rtcp && r.expected > 0) {
		put_kv_int(b, "expected", (int64_t)r.expected);
		put_kv_int(b, "lost", r.lost);
		put_kv_int(b, "jitter us", (int64_t)(r.jitter_ms * 1000.0));
		put_kv_int(b, "MOS x10", (int64_t)(r.mos * 10.0 + 0.5));
	}
	ben_put_end(b);
}

static void
put_call_streams(struct ben_buf *b, const struct ng_call *c)
{
	ben_put_cstr(b, "streams");
	ben_put_list(b);
	for (unsigned i = 0; i < c->n_media; i++)
		for (unsigned k = 0; k < 4; k++)
			put_stream(b, c->m[i].st[k]);
	ben_put_end(b);
}

/* True when no RTP stream of @c carried a packet for timeout_s (counting
 * from the answer when none ever did). */
static bool
call_idle(const struct ng_call *c, uint64_t now)
{
	uint64_t limit = (uint64_t)dp.cfg->dp.media.timeout_s * 1000u;
	uint64_t hz_ms = rte_get_tsc_hz() / 1000;
	uint64_t tsc_now = rte_rdtsc();

	if (now - c->answered_ms < limit)
		return false;
	for (unsigned i = 0; i < c->n_media; i++)
		for (unsigned k = 0; k < 4; k += 2) {
			uint64_t last = flow_streams[c->m[i].st[k]].last_tsc;

			if (last != 0 && (tsc_now - last) / hz_ms < limit)
				return false;
		}
	return true;
}

/* Every 100 ms: ends calls whose delete delay passed, and retries
 * next-hop resolution for streams still without a peer MAC. */
static void
call_timers(void)
{
	static uint64_t last;
	uint64_t now = now_ms();

	if (now - last < 100)
		return;
	last = now;
	/* a tenth of the table per tick: every call is looked at each second */
	for (unsigned n = 0, step = cap_calls / 10 + 1; n < step && cap_calls; n++) {
		unsigned i = timer_cursor;

		timer_cursor = timer_cursor + 1 >= cap_calls ? 0 : timer_cursor + 1;
		if (!calls[i].used)
			continue;
		if (calls[i].delete_at_ms && now >= calls[i].delete_at_ms) {
			call_free(&calls[i]);
			continue;
		}
		if (calls[i].answered && call_idle(&calls[i], now)) {
			char extra[64];

			snprintf(extra, sizeof(extra), "\"timeout-s\":%u",
				 dp.cfg->dp.media.timeout_s);
			events_emit("timeout", calls[i].call_id, calls[i].from_tag,
				    calls[i].to_tag, extra);
			NCOUNT(calls_timed_out);
			call_free(&calls[i]);
			continue;
		}
	}
	/* peers whose next hop was not known: asked again (host_resolve
	 * sends the ARP or ND), from the last so that removal is safe */
	for (unsigned i = n_unres; i-- > 0;) {
		struct ng_call *c = &calls[unres[i]];
		bool all = true;

		for (unsigned j = 0; j < c->n_media; j++)
			for (unsigned k = 0; k < 4; k++) {
				uint32_t idx = c->m[j].st[k];

				if (idx == FLOW_NONE || flow_streams[idx].mac_ok ||
				    flow_streams[idx].peer_port == 0)
					continue;
				resolve_peer(idx);
				all = all && flow_streams[idx].mac_ok;
			}
		if (all || !c->used)
			unres_del(c);
	}
}

/* A digit a worker detected: to the control plane and the DTMF log. */
static void
on_dtmf(const struct dtmf_ev *e)
{
	const struct flow_stream *f = &flow_streams[e->stream];
	const struct ng_call *c = f->owner < cap_calls ? &calls[f->owner] : NULL;
	uint32_t clock = e->source == DTMF_SRC_INBAND ? 8000 :
			 f->te_clock ? f->te_clock : f->clock_hz ? f->clock_hz : 8000;
	unsigned dur_ms = (unsigned)((uint64_t)e->dur * 1000 / clock);
	char extra[512], tag[300], ip[INET6_ADDRSTRLEN], js[1400];
	const char *src_tag = NULL;
	char digit = dtmf_char(e->event);
	int n;

	if (c == NULL || !c->used)
		return;
	for (unsigned i = 0; i < c->n_media && src_tag == NULL; i++)
		for (unsigned k = 0; k < 4; k++)
			if (c->m[i].st[k] == e->stream)
				src_tag = k < 2 ? c->from_tag : c->to_tag;
	if (src_tag == NULL)
		return;    /* the stream moved to another call meanwhile */
	if (events_json_str(tag, sizeof(tag), src_tag) == 0)
		return;
	snprintf(extra, sizeof(extra),
		 "\"digit\":\"%c\",\"event\":%u,\"duration\":%u,\"volume\":%u,"
		 "\"source\":\"%s\",\"source-tag\":%s,\"rtp-ts\":%u",
		 digit == '?' ? ' ' : digit, e->event, dur_ms, e->volume,
		 e->source == DTMF_SRC_INBAND ? "inband" : "rfc4733", tag, e->ts);
	events_emit("dtmf", c->call_id, c->from_tag, c->to_tag, extra);
	/* rtpengine's dtmf-log-dest shape, for stock tooling */
	if (f->v6)
		inet_ntop(AF_INET6, f->peer_ip6, ip, sizeof(ip));
	else
		inet_ntop(AF_INET, &f->peer_ip, ip, sizeof(ip));
	{
		char cid[600], ft[300], tt[300];

		if (events_json_str(cid, sizeof(cid), c->call_id) == 0 ||
		    events_json_str(ft, sizeof(ft), c->from_tag) == 0 ||
		    events_json_str(tt, sizeof(tt), c->to_tag) == 0)
			return;
		n = snprintf(js, sizeof(js),
			     "{\"callid\":%s,\"source_tag\":%s,\"source_label\":\"\","
			     "\"tags\":[%s,%s],\"type\":\"DTMF\",\"timestamp\":%llu,"
			     "\"source_ip\":\"%s\",\"event\":%u,\"duration\":%u,\"volume\":%u}",
			     cid, tag, ft, tt, (unsigned long long)time(NULL), ip, e->event,
			     dur_ms, e->volume);
		if (n > 0 && (size_t)n < sizeof(js))
			events_dtmf_log(js, (size_t)n);
	}
}

unsigned
ngsrv_dtmf_poll(void)
{
	return dtmf_poll(on_dtmf);
}

/* A prompt ended or was stopped: a playback-done event. */
static void
on_play_done(uint32_t st, const char *path, uint64_t packets, bool stopped)
{
	const struct flow_stream *f = &flow_streams[st];
	const struct ng_call *c = f->owner < cap_calls ? &calls[f->owner] : NULL;
	char extra[700], file[600];

	if (c == NULL || !c->used || events_json_str(file, sizeof(file), path) == 0)
		return;
	snprintf(extra, sizeof(extra), "\"file\":%s,\"packets\":%llu,\"reason\":\"%s\"",
		 file, (unsigned long long)packets, stopped ? "stopped" : "finished");
	events_emit("playback-done", c->call_id, c->from_tag, c->to_tag, extra);
}

/*
 * The call a request names and which of its parties: "from-tag" picks the
 * offerer (*@a) or the answerer (*@b); without it both are set. An error
 * text, or NULL.
 */
static const char *
call_parties(const struct ben_doc *doc, struct ng_call **cp, bool *a, bool *b)
{
	const struct ben_node *root = &doc->nodes[0];
	const struct ben_node *cid = ben_dict_str(doc, root, "call-id");
	const struct ben_node *tag = ben_dict_str(doc, root, "from-tag");
	struct ng_call *c;

	if (cid == NULL)
		return "No call-id in message";
	c = find_call(cid);
	if (c == NULL)
		return "Unknown call-id";
	*a = *b = true;
	if (tag != NULL && tag->len > 0) {
		*a = strlen(c->from_tag) == tag->len && memcmp(c->from_tag, tag->str, tag->len) == 0;
		*b = c->answered && strlen(c->to_tag) == tag->len &&
		     memcmp(c->to_tag, tag->str, tag->len) == 0;
		if (!*a && !*b)
			return "Unknown tag";
	}
	*cp = c;
	return NULL;
}

/* The stream that sends to the party a request names (from-tag: that
 * party hears it; none: the offerer), media section 0. */
static const char *
target_stream(const struct ben_doc *doc, struct ng_call **cp, uint32_t *st)
{
	bool a, b;
	const char *e = call_parties(doc, cp, &a, &b);

	if (e != NULL)
		return e;
	if ((*cp)->n_media == 0)
		return "The call has no media";
	*st = (*cp)->m[0].st[a ? 0 : 2];
	return NULL;
}

static const char *
do_play(struct ben_buf *b, const struct ben_doc *doc, bool play, const char *ck, size_t ckl)
{
	static char reason[400];
	const struct ben_node *root = &doc->nodes[0];
	const struct ben_node *file = ben_dict_str(doc, root, "file");
	struct ng_call *c;
	char path[256];
	int64_t rep = 1;
	unsigned ms = 0;
	uint32_t st;
	const char *e = target_stream(doc, &c, &st);

	if (e != NULL)
		return e;
	if (!play) {
		bool any = play_stop(st, true);

		reply_ok_start(b, ck, ckl);
		put_kv_int(b, "stopped", any);
		ben_put_end(b);
		return NULL;
	}
	if (ben_dict_get(doc, root, "blob") || ben_dict_get(doc, root, "db-id"))
		return "play media: only 'file' is supported";
	if (file == NULL || file->len == 0 || file->len >= sizeof(path))
		return "play media needs 'file' (a WAV path under 256 bytes)";
	memcpy(path, file->str, file->len);
	path[file->len] = '\0';
	if (memchr(path, '\0', file->len) != NULL)
		return "file must not hold a NUL byte";
	if (ben_dict_get(doc, root, "repeat-times") != NULL &&
	    (!ben_dict_int(doc, root, "repeat-times", &rep) || rep < 1 || rep > 1000))
		return "repeat-times must be 1..1000";
	if (play_start(st, path, (unsigned)rep, &ms, reason, sizeof(reason)) < 0)
		return reason;
	reply_ok_start(b, ck, ckl);
	put_kv_int(b, "duration", ms);
	ben_put_end(b);
	return NULL;
}

/* play DTMF: the digit goes into what the named party (from-tag; none:
 * the offerer) sends, so the other party hears it. */
static const char *
do_play_dtmf(struct ben_buf *b, const struct ben_doc *doc, const char *ck, size_t ckl)
{
	static char reason[300];
	const struct ben_node *root = &doc->nodes[0];
	const struct ben_node *code = ben_dict_get(doc, root, "code");
	struct ng_call *c;
	int64_t ms = 100, vol = 8;
	bool a, bb, rfc;
	char digit = 0;
	const char *e = call_parties(doc, &c, &a, &bb);

	if (e != NULL)
		return e;
	if (!c->answered || c->n_media == 0)
		return "play DTMF needs an answered call";
	if (code != NULL && code->type == BEN_STR && code->len == 1)
		digit = code->str[0];
	else if (code != NULL && code->type == BEN_INT && code->num >= 0 && code->num < 16)
		digit = "0123456789*#ABCD"[code->num];
	if (digit == 0)
		return "play DTMF needs 'code' (0-9, *, #, A-D or 0..15)";
	if (ben_dict_get(doc, root, "duration") != NULL &&
	    (!ben_dict_int(doc, root, "duration", &ms) || ms < 40 || ms > 5000))
		return "duration must be 40..5000 ms";
	if (ben_dict_get(doc, root, "volume") != NULL &&
	    (!ben_dict_int(doc, root, "volume", &vol) || vol < 0 || vol > 63))
		return "volume must be 0..63 (-dBm0)";
	if (play_dtmf(c->m[0].st[a ? 2 : 0], digit, (unsigned)ms, (unsigned)vol, &rfc, reason,
		      sizeof(reason)) < 0)
		return reason;
	reply_ok_start(b, ck, ckl);
	ben_put_cstr(b, "DTMF");
	ben_put_cstr(b, rfc ? "RFC 4733" : "in-band");
	ben_put_end(b);
	return NULL;
}

unsigned
ngsrv_play_poll(void)
{
	return play_poll();
}

/* block DTMF / unblock DTMF: the events of one party (from-tag, or
 * to-tag), or of everyone in the call, are removed from what is relayed
 * (and still detected and reported). */
static const char *
do_block_dtmf(struct ben_buf *b, const struct ben_doc *doc, bool block, const char *ck,
	      size_t ckl)
{
	struct ng_call *c;
	bool a, bb;
	const char *e = call_parties(doc, &c, &a, &bb);

	if (e != NULL)
		return e;
	for (unsigned i = 0; i < c->n_media; i++)
		for (unsigned k = 0; k < 4; k += 2)
			if (k == 0 ? a : bb)
				flow_streams[c->m[i].st[k]].dtmf_block = block;
	reply_ok_start(b, ck, ckl);
	ben_put_end(b);
	return NULL;
}

/* True while @c has a recording that has not ended. */
static bool
recording(const struct ng_call *c)
{
	return c->rec && rec_gen(c->rec - 1) == c->rec_gen && rec_state(c->rec - 1) != 0;
}

static const char *
codec_name(uint8_t pt)
{
	static char b[16];

	if (pt == 0)
		return "PCMU";
	if (pt == 8)
		return "PCMA";
	snprintf(b, sizeof(b), "PT %u", pt);
	return b;
}

/* "label" of the party that sent this offer or answer, and "metadata". */
static const char *
take_labels(struct ng_call *c, const struct ben_doc *doc, bool offerer)
{
	const struct ben_node *l = ben_dict_str(doc, &doc->nodes[0], "label");
	const struct ben_node *md = ben_dict_get(doc, &doc->nodes[0], "metadata");
	char *dst = offerer ? c->a_label : c->b_label;

	if (l != NULL) {
		if (l->len >= sizeof(c->a_label) || memchr(l->str, '\0', l->len) != NULL)
			return "label must be under 64 bytes, without NUL";
		memcpy(dst, l->str, l->len);
		dst[l->len] = '\0';
	}
	if (md != NULL) {
		if (md->type != BEN_STR || md->len > REC_META_MAX ||
		    memchr(md->str, '\0', md->len) != NULL)
			return "metadata must be a string of at most 2048 bytes, without NUL";
		free(c->metadata);
		c->metadata = strndup(md->str, md->len);
		if (c->metadata == NULL)
			return "Out of memory";
	}
	return NULL;
}

/*
 * Starts (or resumes) recording @c. The customer is on the left channel:
 * the caller by default; "customer": "callee" (a callplane key, for
 * outbound calls) puts the answerer there. "format": "wav" / "opus"
 * overrides the configured format. @path receives the file's name.
 */
static const char *
rec_begin(struct ng_call *c, const struct ben_doc *doc, char *path, size_t plen)
{
	static char reason[400];
	const struct ben_node *root = &doc->nodes[0];
	const struct ben_node *fmt = ben_dict_get(doc, root, "format");
	const struct ben_node *cust = ben_dict_get(doc, root, "customer");
	struct rec_params p = { .format = -1 };
	char addr[2][INET6_ADDRSTRLEN + 8], codec[2][16];
	uint32_t st[2], slot;
	bool callee = false;
	const char *e;

	if (c->n_media == 0)
		return "The call has no media";
	if ((e = take_labels(c, doc, true)) != NULL)
		return e;
	if (fmt != NULL) {
		if (fmt->type == BEN_STR && ben_str_eq(fmt, "wav"))
			p.format = REC_WAV;
		else if (fmt->type == BEN_STR && ben_str_eq(fmt, "opus"))
			p.format = REC_OPUS;
		else
			return "format must be wav or opus";
	}
	if (cust != NULL) {
		if (cust->type == BEN_STR && ben_str_eq(cust, "callee"))
			callee = true;
		else if (!(cust->type == BEN_STR && ben_str_eq(cust, "caller")))
			return "customer must be caller or callee";
	}
	if (recording(c)) {
		rec_pause(c->rec - 1, false);   /* start after pause resumes */
		path[0] = '\0';
		return NULL;
	}
	st[0] = c->m[0].st[callee ? 2 : 0];
	st[1] = c->m[0].st[callee ? 0 : 2];
	for (unsigned i = 0; i < 2; i++) {
		const struct flow_stream *f = &flow_streams[st[i]];
		char ip[INET6_ADDRSTRLEN];
		bool a = st[i] == c->m[0].st[0];

		if (f->v6)
			inet_ntop(AF_INET6, f->peer_ip6, ip, sizeof(ip));
		else
			inet_ntop(AF_INET, &f->peer_ip, ip, sizeof(ip));
		snprintf(addr[i], sizeof(addr[i]), f->v6 ? "[%s]:%u" : "%s:%u", ip,
			 rte_be_to_cpu_16(f->peer_port));
		snprintf(codec[i], sizeof(codec[i]), "%s", codec_name(f->codec_pt));
		p.tag[i] = a ? c->from_tag : c->to_tag;
		p.label[i] = a ? c->a_label : c->b_label;
		p.addr[i] = addr[i];
		p.codec[i] = codec[i];
		p.role[i] = i == 0 ? "customer" : "agent";
	}
	p.call_id = c->call_id;
	p.from_tag = c->from_tag;
	p.to_tag = c->to_tag;
	p.metadata = c->metadata ? c->metadata : "";
	slot = rec_start(st, &p, path, plen, reason, sizeof(reason));
	if (slot == REC_NONE)
		return reason;
	c->rec = slot + 1;
	c->rec_gen = rec_gen(slot);
	return NULL;
}

static const char *
do_recording(struct ben_buf *b, const struct ben_doc *doc, enum ng_cmd cmd, const char *ck,
	      size_t ckl)
{
	const struct ben_node *cid = ben_dict_str(doc, &doc->nodes[0], "call-id");
	struct ng_call *c;
	char path[PATH_MAX] = "";
	const char *e;

	if (cid == NULL)
		return "No call-id in message";
	if ((c = find_call(cid)) == NULL)
		return "Unknown call-id";
	if (cmd == NG_CMD_START_RECORDING) {
		if ((e = rec_begin(c, doc, path, sizeof(path))) != NULL)
			return e;
	} else if (!recording(c)) {
		return "The call is not being recorded";
	} else if (cmd == NG_CMD_PAUSE_RECORDING) {
		rec_pause(c->rec - 1, true);
	} else {
		rec_stop(c->rec - 1);
		c->rec = 0;
	}
	reply_ok_start(b, ck, ckl);
	if (path[0]) {
		ben_put_cstr(b, "recording");
		ben_put_cstr(b, path);
	}
	ben_put_end(b);
	return NULL;
}

/* "record call" in an offer or answer: yes/on starts, no/off stops. A
 * recording that cannot start does not fail the call: the reply says
 * why under "warning". */
static void
record_call_opt(struct ben_buf *b, const struct ben_doc *doc, bool offer)
{
	const struct ben_node *cid = ben_dict_str(doc, &doc->nodes[0], "call-id");
	const struct ben_node *v = get_key(doc, "record call");
	struct ng_call *c = cid ? find_call(cid) : NULL;
	char path[PATH_MAX];
	const char *e = NULL;

	if (c == NULL)
		return;
	if (take_labels(c, doc, offer && !c->offer_from_b) != NULL)
		return;    /* a bad label or metadata: the call stands, unrecorded */
	if (v == NULL || v->type != BEN_STR)
		return;
	if (ben_str_eq(v, "yes") || ben_str_eq(v, "on"))
		e = rec_begin(c, doc, path, sizeof(path));
	else if ((ben_str_eq(v, "no") || ben_str_eq(v, "off")) && recording(c)) {
		rec_stop(c->rec - 1);
		c->rec = 0;
	}
	if (e != NULL) {
		ben_put_cstr(b, "warning");
		ben_put_cstr(b, e);
	}
}

size_t
ngsrv_handle(const char *msg, size_t len, const void *peer, size_t peer_len,
	     char *out, size_t outcap)
{
	struct ben_buf b = { .p = out, .cap = outcap };
	struct ben_doc doc = { .nodes = nodes, .cap = NG_NODES };
	const char *ck, *pl, *cached;
	size_t ckl, pll, clen;
	char err[160], reason[200];
	enum ng_cmd cmd;
	int rc;

	if (ng_split(msg, len, &ck, &ckl, &pl, &pll, err, sizeof(err)) < 0) {
		NCOUNT(ng_malformed);
		return 0;
	}
	cached = ng_cache_get(cache, peer, peer_len, ck, ckl, now_ms(), &clen);
	if (cached != NULL && clen <= outcap) {
		NCOUNT(ng_retransmits);
		memcpy(out, cached, clen);
		return clen;
	}
	NCOUNT(ng_requests);
	rc = ben_decode(&doc, pl, pll, err, sizeof(err));
	if (rc < 0 || nodes[0].type != BEN_DICT) {
		snprintf(reason, sizeof(reason), "Malformed message: %s",
			 rc < 0 ? err : "not a dictionary");
		ng_reply_error(&b, ck, ckl, reason);
		NCOUNT(ng_errors);
		goto out;
	}
	cmd = ng_command(&doc, &nodes[0]);
	switch (cmd) {
	case NG_CMD_PING:
		ng_reply_start(&b, ck, ckl);
		ben_put_dict(&b);
		ben_put_cstr(&b, "result");
		ben_put_cstr(&b, "pong");
		ben_put_end(&b);
		break;
	case NG_CMD_LIST:
		reply_ok_start(&b, ck, ckl);
		ben_put_cstr(&b, "calls");
		ben_put_list(&b);
		for (unsigned i = 0; i < cap_calls; i++)
			if (calls[i].used)
				ben_put_cstr(&b, calls[i].call_id);
		ben_put_end(&b);
		ben_put_end(&b);
		break;
	case NG_CMD_OFFER:
	case NG_CMD_ANSWER: {
		const struct ben_node *cidn = ben_dict_str(&doc, &nodes[0], "call-id");
		bool fresh = cmd == NG_CMD_OFFER && (cidn == NULL || find_call(cidn) == NULL);
		const char *e = cmd == NG_CMD_OFFER ? do_offer(&b, &doc, ck, ckl) :
						      do_answer(&b, &doc, ck, ckl);

		/* An offer that failed after its call was made (the rewritten
		 * SDP does not fit, the reply is too large) must not leave a
		 * call the client never learnt of, holding ports until timeout. */
		if (e == NULL)
			record_call_opt(&b, &doc, cmd == NG_CMD_OFFER);
		if (fresh && cidn != NULL && e != LOAD_LIMIT) {
			if (e == NULL) {
				ben_put_end(&b);
				if (b.overflow)
					e = "Reply too large: the call was not created";
			}
			if (e != NULL && find_call(cidn) != NULL)
				call_free(find_call(cidn));
		}
		if (e == LOAD_LIMIT) {
			b.len = 0;
			b.overflow = false;
			ng_reply_start(&b, ck, ckl);
			ben_put_dict(&b);
			ben_put_cstr(&b, "result");
			ben_put_cstr(&b, "load limit");
			ben_put_cstr(&b, "message");
			ben_put_cstr(&b, "Parallel session limit reached");
			ben_put_end(&b);
			NCOUNT(ng_errors);
		} else if (e != NULL) {
			b.len = 0;
			b.overflow = false;
			ng_reply_error(&b, ck, ckl, e);
			NCOUNT(ng_errors);
		} else if (!(fresh && cidn != NULL)) {
			ben_put_end(&b);
		}
		break;
	}
	case NG_CMD_STATISTICS: {
		uint64_t c[DP_C__MAX];

		dp_stats_sum(-1, -1, c);
		reply_ok_start(&b, ck, ckl);
		ben_put_cstr(&b, "statistics");
		ben_put_dict(&b);
		ben_put_cstr(&b, "currentstatistics");
		ben_put_dict(&b);
		put_kv_int(&b, "sessionsown", n_calls);
		put_kv_int(&b, "sessionsforeign", 0);
		put_kv_int(&b, "sessionstotal", n_calls);
		put_kv_int(&b, "mediaportsinuse", (int64_t)ngsrv_ports_in_use());
		ben_put_end(&b);
		ben_put_cstr(&b, "totalstatistics");
		ben_put_dict(&b);
		put_kv_int(&b, "uptime", (int64_t)((rte_get_timer_cycles() - dp.start_tsc) /
						    rte_get_timer_hz()));
		put_kv_int(&b, "packetsrelayed", (int64_t)c[DP_C_relayed]);
		put_kv_int(&b, "managedsessions", (int64_t)calls_total);
		put_kv_int(&b, "packetsreceived", (int64_t)c[DP_C_rx_pkts]);
		put_kv_int(&b, "ngrequests", (int64_t)c[DP_C_ng_requests]);
		ben_put_end(&b);
		ben_put_end(&b);
		/* callplane's own figures (the control API and /metrics) */
		ben_put_cstr(&b, "callplane");
		ben_put_dict(&b);
		put_kv_int(&b, "sessions", n_calls);
		put_kv_int(&b, "streams", (int64_t)flow_in_use());
		put_kv_int(&b, "sessions total", (int64_t)calls_total);
		ben_put_cstr(&b, "version");
		ben_put_cstr(&b, PROJECT_VERSION);
		dp_stats_put_ben(&b);
		put_quality(&b);
		ben_put_end(&b);
		ben_put_end(&b);
		break;
	}
	case NG_CMD_QUERY:
	case NG_CMD_DELETE: {
		const struct ben_node *cid = ben_dict_str(&doc, &nodes[0], "call-id");
		struct ng_call *call = cid ? find_call(cid) : NULL;

		if (call == NULL) {
			ng_reply_error(&b, ck, ckl, cid ? "Unknown call-id" : "No call-id in message");
			NCOUNT(ng_errors);
			break;
		}
		if (cmd == NG_CMD_DELETE) {
			int64_t delay = 0;

			if (ben_dict_get(&doc, &nodes[0], "delete delay") != NULL &&
			    (!ben_dict_int(&doc, &nodes[0], "delete delay", &delay) ||
			     delay < 0 || delay > 3600)) {
				ng_reply_error(&b, ck, ckl, "delete delay must be 0..3600 seconds");
				NCOUNT(ng_errors);
				break;
			}
			reply_ok_start(&b, ck, ckl);
			put_kv_int(&b, "created", (int64_t)(call->created_ms / 1000));
			put_call_streams(&b, call);
			ben_put_end(&b);
			/* The media keeps flowing until the delay ends (a BYE
			 * may still be racing the last packets). */
			if (delay > 0)
				call->delete_at_ms = now_ms() + (uint64_t)delay * 1000u;
			else
				call_free(call);
			break;
		}
		reply_ok_start(&b, ck, ckl);
		put_kv_int(&b, "created", (int64_t)(call->created_ms / 1000));
		put_call_streams(&b, call);
		ben_put_end(&b);
		break;
	}
	case NG_CMD_START_RECORDING:
	case NG_CMD_STOP_RECORDING:
	case NG_CMD_PAUSE_RECORDING: {
		const char *e = do_recording(&b, &doc, cmd, ck, ckl);

		if (e != NULL) {
			b.len = 0;
			b.overflow = false;
			ng_reply_error(&b, ck, ckl, e);
			NCOUNT(ng_errors);
		}
		break;
	}
	case NG_CMD_PLAY_MEDIA:
	case NG_CMD_STOP_MEDIA:
	case NG_CMD_PLAY_DTMF:
	case NG_CMD_BLOCK_DTMF:
	case NG_CMD_UNBLOCK_DTMF: {
		const char *e = cmd == NG_CMD_PLAY_MEDIA || cmd == NG_CMD_STOP_MEDIA ?
			do_play(&b, &doc, cmd == NG_CMD_PLAY_MEDIA, ck, ckl) :
			cmd == NG_CMD_PLAY_DTMF ? do_play_dtmf(&b, &doc, ck, ckl) :
			do_block_dtmf(&b, &doc, cmd == NG_CMD_BLOCK_DTMF, ck, ckl);

		if (e != NULL) {
			b.len = 0;
			b.overflow = false;
			ng_reply_error(&b, ck, ckl, e);
			NCOUNT(ng_errors);
		}
		break;
	}
	case NG_CMD_UNKNOWN:
		ng_reply_error(&b, ck, ckl, "Unrecognized command");
		NCOUNT(ng_errors);
		break;
	default:
		snprintf(reason, sizeof(reason), "Command '%s' is not supported by this dataplane yet",
			 ng_cmd_name(cmd));
		ng_reply_error(&b, ck, ckl, reason);
		NCOUNT(ng_errors);
		break;
	}
out:
	if (b.overflow) {
		b.len = 0;
		b.overflow = false;
		ng_reply_error(&b, ck, ckl, "Reply too large");
		if (b.overflow)
			return 0;
	}
	ng_cache_put(cache, peer, peer_len, ck, ckl, out, b.len, now_ms());
	return b.len;
}

static int
open_udp(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if (cfg_parse_hostport(spec, &ss) < 0)
		return -EINVAL;
	sl = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The tap address may still be settling (IPv6): bind anyway. */
	setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int
open_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	chmod(path, 0660);
	return fd;
}

int
ngsrv_init(void)
{
	const struct cfg_ng *c = &dp.cfg->dp.ng;
	int fd, rc;

	play_init(on_play_done);
	if (!dp.cfg->dp.has_ng)
		return 0;
	cap_calls = c->session_limit;
	calls = calloc(cap_calls, sizeof(*calls));
	free_calls = malloc(sizeof(*free_calls) * cap_calls);
	for (hash_mask = 1; hash_mask < 2 * cap_calls; hash_mask <<= 1)
		;
	hash_head = calloc(hash_mask, sizeof(*hash_head));
	hash_mask--;
	unres = malloc(sizeof(*unres) * cap_calls);
	n_unres = 0;
	if (calls == NULL || free_calls == NULL || hash_head == NULL || unres == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < cap_calls; i++)
		free_calls[i] = cap_calls - 1 - i;
	n_free_calls = cap_calls;
	n_maddr = 0;
	maddr_slot[n_maddr] = 0;
	rc = mport_create(&maddr[n_maddr++], (uint16_t)dp.media_min, (uint16_t)dp.media_max);
	if (rc < 0)
		return rc;
	for (unsigned k = 0; dp.n_ports > 0 && k < dp.ports[0].n_xip4; k++) {
		maddr_slot[n_maddr] = (uint16_t)(dp.ports[0].xslot0 + k);
		rc = mport_create(&maddr[n_maddr++], (uint16_t)dp.media_min,
				  (uint16_t)dp.media_max);
		if (rc < 0)
			return rc;
	}
	rc = ng_cache_create(&cache, c->cache_entries, c->cache_ttl_s * 1000u);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < c->n_listen; i++) {
		fd = open_udp(c->listen[i]);
		if (fd < 0) {
			fprintf(stderr, "ng: cannot listen on %s: %s\n", c->listen[i], strerror(-fd));
			return fd;
		}
		socks[n_socks++] = fd;
	}
	if (c->unix_path != NULL) {
		fd = open_unix(c->unix_path);
		if (fd < 0) {
			fprintf(stderr, "ng: cannot bind %s: %s\n", c->unix_path, strerror(-fd));
			return fd;
		}
		socks[n_socks++] = fd;
	}
	return 0;
}

void
ngsrv_reset(void)
{
	/* newest first, the reverse of set-up: the cheapest order for the
	 * libsrtp engine's NSS sessions (the walk over every cipher that once
	 * made any other order quadratic is gone: srtp_lib.c answers
	 * libsrtp's NSS_InitContext / NSS_ShutdownContext itself) */
	for (unsigned i = cap_calls; i-- > 0;)
		if (calls[i].used)
			call_free(&calls[i]);
}

unsigned
ngsrv_calls(void)
{
	return n_calls;
}

unsigned
ngsrv_ports_in_use(void)
{
	unsigned n = 0;

	for (unsigned k = 0; k < n_maddr; k++)
		n += mport_in_use(maddr[k]);
	return n;
}

void
ngsrv_fini(void)
{
	ngsrv_reset();
	play_fini();
	for (unsigned i = 0; i < n_socks; i++)
		close(socks[i]);
	n_socks = 0;
	if (dp.cfg->dp.has_ng && dp.cfg->dp.ng.unix_path)
		unlink(dp.cfg->dp.ng.unix_path);
	ng_cache_free(cache);
	cache = NULL;
	for (unsigned k = 0; k < n_maddr; k++) {
		mport_free(maddr[k]);
		maddr[k] = NULL;
	}
	n_maddr = 0;
	free(calls);
	free(free_calls);
	free(hash_head);
	free(unres);
	calls = NULL;
	free_calls = hash_head = unres = NULL;
	n_unres = 0;
	cap_calls = n_free_calls = hash_mask = timer_cursor = 0;
}

unsigned
ngsrv_poll(void)
{
	static char in[NG_MSG_MAX + 1], out[NG_MSG_MAX];
	unsigned done = 0;

	if (n_socks)
		call_timers();
	for (unsigned i = 0; i < n_socks; i++) {
		for (unsigned k = 0; k < NG_POLL_BUDGET; k++) {
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			ssize_t n;
			size_t r;

			n = recvfrom(socks[i], in, sizeof(in), MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&peer, &pl);
			if (n < 0)
				break;
			done++;
			if ((size_t)n > NG_MSG_MAX) {
				NCOUNT(ng_malformed); /* truncated: cannot be answered safely */
				continue;
			}
			/* Cache key: the client's address without its port, as a
			 * client may retransmit from a fresh socket. */
			const void *key = &peer;
			size_t keylen = pl;

			if (peer.ss_family == AF_INET) {
				key = &((struct sockaddr_in *)&peer)->sin_addr;
				keylen = 4;
			} else if (peer.ss_family == AF_INET6) {
				key = &((struct sockaddr_in6 *)&peer)->sin6_addr;
				keylen = 16;
			}
			r = ngsrv_handle(in, (size_t)n, key, keylen, out, sizeof(out));
			if (r > 0 && sendto(socks[i], out, r, MSG_DONTWAIT,
					    (struct sockaddr *)&peer, pl) < 0)
				NG_LOG(NOTICE, "reply not sent: %s\n", strerror(errno));
		}
	}
	return done;
}
