/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's part of the one YAML file (section `control`):
 * SIP transport and limits, the dataplane it drives, the registrar, and
 * the runtime sections (trunks, agents, queues) that a reload replaces.
 * Loaded by cfg_load() with the rest; callplane-dp ignores it.
 */
#ifndef CFG_CONTROL_H
#define CFG_CONTROL_H

#include <stdbool.h>
#include <stdint.h>

#include "schema.h"

struct cfg_sip {
	char **listen;          /* "addr:port": UDP and TCP on each */
	uint32_t n_listen;
	char *domain;           /* our SIP domain and digest realm */
	uint32_t cps_limit;     /* new calls per second before 503 */
	uint32_t max_calls;     /* concurrent calls before 503 */
	uint32_t retry_after_s; /* Retry-After on overload 503 */
	uint32_t t1_ms, t2_ms, t4_ms; /* RFC 3261 timer values */
};

struct cfg_registrar {
	uint32_t min_expires;
	uint32_t max_expires;
	uint32_t nonce_ttl_s;   /* a nonce older than this is stale */
	uint32_t max_contacts;  /* per agent */
	char **algorithms;      /* digest challenges, in order of preference */
	uint32_t n_algorithms;
};

struct cfg_did {
	char *number;           /* the Request-URI user part */
	char *queue;
};

struct cfg_trunk {
	char *name;
	char **sources;         /* carrier addresses, "a.b.c.d[/len]" */
	uint32_t n_sources;
	struct cfg_ip4 *nets;   /* derived from sources */
	struct cfg_did *dids;
	uint32_t n_dids;
	bool detect_dtmf;       /* in-band DTMF detection on its calls (NG "detect DTMF") */
	bool record;            /* record every call from this trunk */
	uint32_t srtp;          /* enum cfg_trunk_srtp: media encryption it must offer */
};

/* A trunk's SRTP (SDES) policy: offers in RTP/SAVP are accepted and
 * answered with our own key, the agents' phones always get plain RTP. */
enum cfg_trunk_srtp { CFG_SRTP_OPTIONAL, CFG_SRTP_REQUIRED, CFG_SRTP_OFF };
extern const char *const cfg_trunk_srtp_names[];

struct cfg_agent {
	char *id;               /* the SIP user name the phone registers */
	char *password;
	char *name;
};

enum cfg_no_agents { CFG_NOAGENTS_REJECT, CFG_NOAGENTS_QUEUE };

struct cfg_queue {
	char *name;
	uint32_t ring_timeout_s; /* ring one agent this long, then the next */
	uint32_t wrapup_s;       /* after a call, before the agent is ready */
	uint32_t max_misses;     /* unanswered rings before not-ready */
	uint32_t max_wait_s;     /* a caller waits at most this long */
	uint32_t no_agents;      /* enum cfg_no_agents, when nobody is logged in */
	uint32_t no_agents_status; /* SIP status of the reject treatment */
	char **agents;           /* members, by agent id */
	uint32_t n_agents;
	bool record;             /* record every call this queue connects */
};

/* The control API's unix socket (callplanectl talks to it). */
struct cfg_api {
	char *socket;           /* default CFG_API_SOCKET */
	char *group;            /* may also connect (mode 0660); else root only */
};
#define CFG_API_SOCKET "/run/callplane/cp.sock"

struct cfg_metrics {
	char *listen;           /* "addr:port" for GET /metrics; none when absent */
};

struct cfg_control {
	struct cfg_sip sip;
	char *ng;               /* the dataplane's NG address "addr:port" */
	char *events;           /* unix datagram path the dataplane sends to */
	struct cfg_api api;
	struct cfg_metrics metrics;
	uint32_t log_level;     /* index into cp_log_level names */
	struct cfg_registrar registrar;
	struct cfg_trunk *trunks;
	uint32_t n_trunks;
	struct cfg_agent *agents;
	uint32_t n_agents;
	struct cfg_queue *queues;
	uint32_t n_queues;
};

extern const struct cfg_field cfg_control_fields[];
extern const char *const cfg_no_agents_names[];

struct cfg;
/* Cross-section checks (DIDs name queues, members name agents, ...). */
void cfg_control_check(struct cfg_ctx *ctx, struct cfg *c);

#endif
