/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Schema of the `control` section (see cfg_control.h) and its checks.
 * Control path only (boot and reload).
 */
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

const char *const cfg_no_agents_names[] = { "reject", "queue", NULL };

#define F CFG_FIELD
#define FK CFG_FIELD_KEY
#define END CFG_FIELD_END

static const struct cfg_field sip_fields[] = {
	F(cfg_sip, listen, CFG_T_STRLIST, CFG_F_REQUIRED, .max = 8,
	  .count_off = offsetof(struct cfg_sip, n_listen)),
	F(cfg_sip, domain, CFG_T_STR, CFG_F_REQUIRED, .max = 128),
	F(cfg_sip, cps_limit, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 1000000, .def = 500),
	F(cfg_sip, max_calls, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 1000000, .def = 10000),
	F(cfg_sip, retry_after_s, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 3600, .def = 5),
	F(cfg_sip, t1_ms, CFG_T_UINT, 0, .min = 50, .max = 10000, .def = 500),
	F(cfg_sip, t2_ms, CFG_T_UINT, 0, .min = 100, .max = 60000, .def = 4000),
	F(cfg_sip, t4_ms, CFG_T_UINT, 0, .min = 100, .max = 60000, .def = 5000),
	END,
};

static const struct cfg_field registrar_fields[] = {
	F(cfg_registrar, min_expires, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 86400, .def = 30),
	F(cfg_registrar, max_expires, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 86400, .def = 3600),
	F(cfg_registrar, nonce_ttl_s, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 3600, .def = 60),
	F(cfg_registrar, max_contacts, CFG_T_UINT, CFG_F_RUNTIME, .min = 1, .max = 16, .def = 4),
	F(cfg_registrar, algorithms, CFG_T_STRLIST, CFG_F_RUNTIME, .max = 2,
	  .count_off = offsetof(struct cfg_registrar, n_algorithms)),
	END,
};

static const struct cfg_field did_fields[] = {
	F(cfg_did, number, CFG_T_STR, CFG_F_REQUIRED, .max = 64),
	F(cfg_did, queue, CFG_T_STR, CFG_F_REQUIRED, .max = 64),
	END,
};

const char *const cfg_trunk_srtp_names[] = { "optional", "required", "off", NULL };

static const struct cfg_field trunk_fields[] = {
	F(cfg_trunk, name, CFG_T_STR, CFG_F_REQUIRED, .max = 64),
	F(cfg_trunk, sources, CFG_T_STRLIST, CFG_F_REQUIRED, .max = 64,
	  .count_off = offsetof(struct cfg_trunk, n_sources)),
	{ .key = "dids", .type = CFG_T_LIST, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_trunk, dids), .sub = did_fields,
	  .elem_size = sizeof(struct cfg_did), .min = 1, .max = 4096,
	  .count_off = offsetof(struct cfg_trunk, n_dids) },
	F(cfg_trunk, detect_dtmf, CFG_T_BOOL, 0, .def = 0,
	  .help = "listen for in-band DTMF on this trunk's calls (G.711)"),
	F(cfg_trunk, record, CFG_T_BOOL, 0, .def = 0,
	  .help = "record every call from this trunk once an agent answers"),
	F(cfg_trunk, srtp, CFG_T_ENUM, 0, .names = cfg_trunk_srtp_names, .def = 0,
	  .help = "SDES-keyed SRTP from this carrier: optional (RTP or SRTP offers), required "
		  "(a plain RTP offer gets 488) or off (an SRTP offer gets 488); agents always "
		  "get plain RTP, the relay decrypts and encrypts"),
	END,
};

static const struct cfg_field agent_fields[] = {
	F(cfg_agent, id, CFG_T_STR, CFG_F_REQUIRED, .max = 64),
	F(cfg_agent, password, CFG_T_STR, CFG_F_REQUIRED | CFG_F_SECRET, .max = 128),
	F(cfg_agent, name, CFG_T_STR, 0, .max = 128),
	END,
};

static const struct cfg_field queue_fields[] = {
	F(cfg_queue, name, CFG_T_STR, CFG_F_REQUIRED, .max = 64),
	F(cfg_queue, ring_timeout_s, CFG_T_UINT, 0, .min = 1, .max = 600, .def = 15),
	F(cfg_queue, wrapup_s, CFG_T_UINT, 0, .max = 3600, .def = 10),
	F(cfg_queue, max_misses, CFG_T_UINT, 0, .min = 1, .max = 100, .def = 2),
	F(cfg_queue, max_wait_s, CFG_T_UINT, 0, .min = 1, .max = 86400, .def = 600),
	F(cfg_queue, no_agents, CFG_T_ENUM, 0, .names = cfg_no_agents_names, .def = 0),
	F(cfg_queue, no_agents_status, CFG_T_UINT, 0, .min = 400, .max = 699, .def = 480),
	F(cfg_queue, agents, CFG_T_STRLIST, 0, .max = 4096,
	  .count_off = offsetof(struct cfg_queue, n_agents)),
	F(cfg_queue, record, CFG_T_BOOL, 0, .def = 0,
	  .help = "record every call this queue connects to an agent"),
	END,
};

static const char *const log_level_names[] = { "error", "warning", "info", "debug", NULL };

static const struct cfg_field api_fields[] = {
	F(cfg_api, socket, CFG_T_STR, 0, .max = 107,
	  .help = "unix socket of the control API (default " CFG_API_SOCKET ")"),
	F(cfg_api, group, CFG_T_STR, 0, .max = 64,
	  .help = "group whose members may use the API besides root"),
	END,
};

static const struct cfg_field metrics_fields[] = {
	F(cfg_metrics, listen, CFG_T_STR, 0, .max = 64,
	  .help = "addr:port of the Prometheus /metrics listener"),
	END,
};

const struct cfg_field cfg_control_fields[] = {
	{ .key = "sip", .type = CFG_T_MAP, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_control, sip), .sub = sip_fields },
	F(cfg_control, ng, CFG_T_STR, CFG_F_REQUIRED, .max = 64),
	F(cfg_control, events, CFG_T_STR, 0, .max = 107),
	{ .key = "api", .type = CFG_T_MAP,
	  .off = offsetof(struct cfg_control, api), .sub = api_fields },
	{ .key = "metrics", .type = CFG_T_MAP,
	  .off = offsetof(struct cfg_control, metrics), .sub = metrics_fields },
	F(cfg_control, log_level, CFG_T_ENUM, CFG_F_RUNTIME, .names = log_level_names, .def = 2),
	{ .key = "registrar", .type = CFG_T_MAP,
	  .off = offsetof(struct cfg_control, registrar), .sub = registrar_fields },
	{ .key = "trunks", .type = CFG_T_LIST, .flags = CFG_F_RUNTIME,
	  .off = offsetof(struct cfg_control, trunks), .sub = trunk_fields,
	  .elem_size = sizeof(struct cfg_trunk), .max = 1024,
	  .count_off = offsetof(struct cfg_control, n_trunks) },
	{ .key = "agents", .type = CFG_T_LIST, .flags = CFG_F_RUNTIME,
	  .off = offsetof(struct cfg_control, agents), .sub = agent_fields,
	  .elem_size = sizeof(struct cfg_agent), .max = 100000,
	  .count_off = offsetof(struct cfg_control, n_agents) },
	{ .key = "queues", .type = CFG_T_LIST, .flags = CFG_F_RUNTIME,
	  .off = offsetof(struct cfg_control, queues), .sub = queue_fields,
	  .elem_size = sizeof(struct cfg_queue), .max = 4096,
	  .count_off = offsetof(struct cfg_control, n_queues) },
	END,
};

static const struct cfg_queue *
find_queue(const struct cfg_control *cc, const char *name)
{
	for (uint32_t i = 0; i < cc->n_queues; i++)
		if (strcmp(cc->queues[i].name, name) == 0)
			return &cc->queues[i];
	return NULL;
}

static const struct cfg_agent *
find_agent(const struct cfg_control *cc, const char *id)
{
	for (uint32_t i = 0; i < cc->n_agents; i++)
		if (strcmp(cc->agents[i].id, id) == 0)
			return &cc->agents[i];
	return NULL;
}

void
cfg_control_check(struct cfg_ctx *ctx, struct cfg *c)
{
	struct cfg_control *cc = &c->cp;
	char p[300];

	if (!c->has_cp)
		return;
	for (uint32_t i = 0; i < cc->sip.n_listen; i++) {
		struct sockaddr_storage ss;

		cfg_pathf(p, sizeof(p), "control.sip.listen[%u]", i);
		if (cfg_parse_hostport(cc->sip.listen[i], &ss) < 0)
			cfg_errorf(ctx, cfg_node_at(ctx, p), p,
				   "'%s' is not addr:port or [v6]:port", cc->sip.listen[i]);
	}
	{
		struct sockaddr_storage ss;

		if (cc->ng && cfg_parse_hostport(cc->ng, &ss) < 0)
			cfg_errorf(ctx, cfg_node_at(ctx, "control.ng"), "control.ng",
				   "'%s' is not addr:port or [v6]:port", cc->ng);
		if (cc->metrics.listen && cfg_parse_hostport(cc->metrics.listen, &ss) < 0)
			cfg_errorf(ctx, cfg_node_at(ctx, "control.metrics.listen"),
				   "control.metrics.listen",
				   "'%s' is not addr:port or [v6]:port", cc->metrics.listen);
		if (cc->api.socket && cc->api.socket[0] != '/')
			cfg_errorf(ctx, cfg_node_at(ctx, "control.api.socket"), "control.api.socket",
				   "'%s' is not an absolute path", cc->api.socket);
	}
	if (cc->sip.t2_ms < cc->sip.t1_ms)
		cfg_errorf(ctx, cfg_node_at(ctx, "control.sip.t2_ms"), "control.sip.t2_ms",
			   "must not be below t1_ms (%u)", cc->sip.t1_ms);
	if (cc->registrar.max_expires < cc->registrar.min_expires)
		cfg_errorf(ctx, cfg_node_at(ctx, "control.registrar.max_expires"),
			   "control.registrar.max_expires", "must not be below min_expires (%u)",
			   cc->registrar.min_expires);
	for (uint32_t i = 0; i < cc->registrar.n_algorithms; i++) {
		const char *a = cc->registrar.algorithms[i];

		cfg_pathf(p, sizeof(p), "control.registrar.algorithms[%u]", i);
		if (strcmp(a, "SHA-256") != 0 && strcmp(a, "MD5") != 0)
			cfg_errorf(ctx, cfg_node_at(ctx, p), p,
				   "'%s' is not a digest algorithm (SHA-256, MD5)", a);
		else if (i == 1 && strcmp(a, cc->registrar.algorithms[0]) == 0)
			cfg_errorf(ctx, cfg_node_at(ctx, p), p, "'%s' is listed twice", a);
	}
	for (uint32_t i = 0; i < cc->n_agents; i++) {
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(cc->agents[i].id, cc->agents[j].id) == 0) {
				cfg_pathf(p, sizeof(p), "control.agents[%u].id", i);
				cfg_errorf(ctx, cfg_node_at(ctx, p), p, "agent '%s' is defined twice",
					   cc->agents[i].id);
			}
	}
	for (uint32_t i = 0; i < cc->n_queues; i++) {
		const struct cfg_queue *q = &cc->queues[i];

		for (uint32_t j = 0; j < i; j++)
			if (strcmp(q->name, cc->queues[j].name) == 0) {
				cfg_pathf(p, sizeof(p), "control.queues[%u].name", i);
				cfg_errorf(ctx, cfg_node_at(ctx, p), p, "queue '%s' is defined twice",
					   q->name);
			}
		for (uint32_t k = 0; k < q->n_agents; k++)
			if (find_agent(cc, q->agents[k]) == NULL) {
				cfg_pathf(p, sizeof(p), "control.queues[%u].agents[%u]", i, k);
				cfg_errorf(ctx, cfg_node_at(ctx, p), p, "no agent '%s'", q->agents[k]);
			}
	}
	for (uint32_t i = 0; i < cc->n_trunks; i++) {
		struct cfg_trunk *t = &cc->trunks[i];

		t->nets = calloc(t->n_sources ? t->n_sources : 1, sizeof(*t->nets));
		for (uint32_t k = 0; k < t->n_sources; k++) {
			const char *s = t->sources[k];
			int rc = strchr(s, '/') ? cfg_parse_ip4(s, true, &t->nets[k])
						: cfg_parse_ip4(s, false, &t->nets[k]);

			if (rc == 0 && !strchr(s, '/'))
				t->nets[k].plen = 32;
			if (rc < 0 || t->nets == NULL) {
				cfg_pathf(p, sizeof(p), "control.trunks[%u].sources[%u]", i, k);
				cfg_errorf(ctx, cfg_node_at(ctx, p), p,
					   "'%s' is not an IPv4 address or prefix", s);
			}
		}
		for (uint32_t k = 0; k < t->n_dids; k++) {
			cfg_pathf(p, sizeof(p), "control.trunks[%u].dids[%u].queue", i, k);
			if (find_queue(cc, t->dids[k].queue) == NULL)
				cfg_errorf(ctx, cfg_node_at(ctx, p), p, "no queue '%s'",
					   t->dids[k].queue);
			for (uint32_t j = 0; j < cc->n_trunks; j++)
				for (uint32_t l = 0; l < cc->trunks[j].n_dids; l++)
					if ((j < i || (j == i && l < k)) &&
					    strcmp(cc->trunks[j].dids[l].number, t->dids[k].number) == 0) {
						cfg_pathf(p, sizeof(p),
							  "control.trunks[%u].dids[%u].number", i, k);
						cfg_errorf(ctx, cfg_node_at(ctx, p), p,
							   "DID '%s' is delivered twice",
							   t->dids[k].number);
					}
		}
	}
}
