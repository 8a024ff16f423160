/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The B2BUA: inbound calls from carrier trunks, anchored in callplane-dp
 * through NG, queued, and bridged to registered agents; plus the simple
 * queue (first come first served to the longest-idle ready agent) and the
 * agent states. A call is two SIP dialogs (the caller's "A" leg, the
 * agent's "B" leg) and one NG call; the skills ACD, IVR and CRM replace
 * the queue policy (b2b_dispatch) without touching the call model.
 * Loop thread only.
 */
#ifndef B2B_H
#define B2B_H

#include <stdio.h>

#include "config/cfg.h"
#include "core/loop.h"

struct b2b;

#define B2B_COUNTERS(X) \
	X(invites) X(unknown_trunk_403) X(unknown_did_404) X(overload_503) \
	X(ng_failures) X(no_agents_rejected) X(offered) X(answered) X(abandoned) \
	X(queue_timeouts) X(agent_misses) X(agent_busy) X(completed) X(reinvites) \
	X(media_timeouts) X(byes_in) X(byes_out) X(not_acceptable_488) X(admin_hangups) \
	X(dtmf_rfc4733) X(dtmf_inband) X(recordings_started) X(recordings_refused) \
	X(recordings_done) X(recordings_failed) X(srtp_calls) X(srtp_policy_488)

struct b2b_stats {
#define X(n) uint64_t n;
	B2B_COUNTERS(X)
#undef X
	uint64_t answer_ms_sum;   /* for the average speed of answer */
};

/* Starts SIP on the config's listen addresses and NG towards the
 * dataplane. 0 or -errno (with a message on stderr). */
int b2b_create(struct b2b **out, struct cp_loop *loop, const struct cfg *cfg);
/* Hangs up every call (BYE/487), deletes their media, frees. */
void b2b_destroy(struct b2b *b);

/* One event datagram from the dataplane (JSON, contract 2). */
void b2b_event(struct b2b *b, const char *json, size_t len);

/* Live figures as one JSON object (calls, queues, agents, counters). */
void b2b_stats_json(struct b2b *b, FILE *f);
const struct b2b_stats *b2b_stats(const struct b2b *b);
unsigned b2b_active_calls(const struct b2b *b);

/*
 * Makes the runtime sections of @cfg (trunks, agents, queues, registrar,
 * limits) the ones in force without touching calls in progress; @cfg
 * must outlive the b2b (or the next reload) and its boot-only settings
 * must be the running ones. 0 or -ENOMEM (then nothing changed).
 */
struct b2b_reload_sum {
	unsigned agents_added, agents_removed;
	unsigned queues_added, queues_removed, queues_changed;
};
int b2b_reload(struct b2b *b, const struct cfg *cfg, struct b2b_reload_sum *sum);

/*
 * Admin actions: the control API (and through it callplanectl) calls
 * these, nothing else does. Lookups return -ENOENT for an unknown id.
 */
struct jw;
struct ngc;
int b2b_calls_json(struct b2b *b, struct jw *w, const char *callid);  /* NULL: list */
int b2b_call_hangup(struct b2b *b, const char *callid);
int b2b_agents_json(struct b2b *b, struct jw *w, const char *id);     /* NULL: list */
enum b2b_agent_op { B2B_AG_LOGIN, B2B_AG_LOGOUT, B2B_AG_READY, B2B_AG_NOT_READY };
/* 0 (with a note in @err when the change waits for a call to end),
 * -ENOENT, or -ENOTCONN (no phone registered / logged out) with why. */
int b2b_agent_op(struct b2b *b, const char *id, enum b2b_agent_op op, char *err, size_t errlen);
int b2b_queues_json(struct b2b *b, struct jw *w, const char *name);   /* NULL: list */
void b2b_trunks_json(struct b2b *b, struct jw *w);
void b2b_registrations_json(struct b2b *b, struct jw *w);
/* Members of the status object (the caller opened it). */
void b2b_summary_json(struct b2b *b, struct jw *w);
/* Prometheus text for calls, queues, agents, SIP, registrar, NG client. */
void b2b_metrics(struct b2b *b, FILE *f);
/* Once a second from the daemon: feeds the calls-per-second figure. */
void b2b_tick_1s(struct b2b *b);
double b2b_cps(const struct b2b *b);
struct ngc *b2b_ngc(struct b2b *b);

#endif
