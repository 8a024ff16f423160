/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Counter storage, summing, the exit report and the telemetry commands
 * that expose them (/callplane/stats, /callplane/ports, /callplane/lcores,
 * /callplane/info). Telemetry callbacks run on DPDK's telemetry thread and
 * only read: counters are summed racily, which is fine for monitoring.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "common/bencode.h"
#include "dp.h"
#include "stats.h"

struct dp_stats_block dp_stats[RTE_MAX_LCORE][DP_MAX_PORTS + 1];

const char *const dp_counter_names[DP_C__MAX] = {
#define X(n, h) #n,
	DP_COUNTERS(X)
#undef X
};

const char *const dp_counter_help[DP_C__MAX] = {
#define X(n, h) h,
	DP_COUNTERS(X)
#undef X
};

void
dp_stats_sum(int lcore, int port, uint64_t *out)
{
	memset(out, 0, sizeof(uint64_t) * DP_C__MAX);
	for (int l = 0; l < RTE_MAX_LCORE; l++) {
		if (lcore >= 0 && l != lcore)
			continue;
		for (int p = 0; p <= DP_MAX_PORTS; p++) {
			if (port >= 0 && p != port)
				continue;
			for (int c = 0; c < DP_C__MAX; c++)
				out[c] += dp_stats[l][p].c[c];
		}
	}
}

static void
roles_str(uint32_t roles, bool is_main, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (is_main)
		used += (size_t)snprintf(buf, len, "main");
	for (unsigned i = 0; cfg_role_names[i] != NULL && used < len; i++)
		if (roles & (1u << i))
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? "," : "", cfg_role_names[i]);
}

static void
add_counters(struct rte_tel_data *d, const uint64_t *c, bool all)
{
	for (int i = 0; i < DP_C__MAX; i++)
		if (all || c[i] != 0)
			rte_tel_data_add_dict_u64(d, dp_counter_names[i], c[i]);
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t c[DP_C__MAX];

	(void)cmd;
	(void)params;
	dp_stats_sum(-1, -1, c);
	rte_tel_data_start_dict(d);
	add_counters(d, c, true);
	return 0;
}

static void
port_dict(struct rte_tel_data *d, unsigned i)
{
	const struct dp_port *p = &dp.ports[i];
	struct rte_eth_stats es;
	struct rte_eth_link link;
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	uint64_t c[DP_C__MAX];

	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", p->name);
	rte_tel_data_add_dict_int(d, "port_id", p->port_id);
	rte_ether_format_addr(mac, sizeof(mac), &p->mac);
	rte_tel_data_add_dict_string(d, "mac", mac);
	if (p->has_tap)
		rte_tel_data_add_dict_string(d, "exception_tap", p->tap_name);
	if (p->n_xip4) {
		char list[CFG_MAX_MEDIA_IP4 * 16] = "";
		size_t n = 0;

		for (unsigned k = 0; k < p->n_xip4 && n + 17 < sizeof(list); k++) {
			if (k)
				list[n++] = ' ';
			inet_ntop(AF_INET, &p->xip4[k], list + n, (socklen_t)(sizeof(list) - n));
			n += strlen(list + n);
		}
		rte_tel_data_add_dict_string(d, "media_ipv4", list);
	}
	if (rte_eth_link_get_nowait(p->port_id, &link) == 0)
		rte_tel_data_add_dict_string(d, "link", link.link_status ? "up" : "down");
	if (rte_eth_stats_get(p->port_id, &es) == 0) {
		rte_tel_data_add_dict_u64(d, "pmd_ipackets", es.ipackets);
		rte_tel_data_add_dict_u64(d, "pmd_opackets", es.opackets);
		rte_tel_data_add_dict_u64(d, "pmd_imissed", es.imissed);
		rte_tel_data_add_dict_u64(d, "pmd_ierrors", es.ierrors);
		rte_tel_data_add_dict_u64(d, "pmd_oerrors", es.oerrors);
		rte_tel_data_add_dict_u64(d, "pmd_rx_nombuf", es.rx_nombuf);
	}
	dp_stats_sum(-1, (int)i, c);
	add_counters(d, c, true);
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	if (params != NULL && *params) {
		for (unsigned i = 0; i < dp.n_ports; i++)
			if (strcmp(dp.ports[i].name, params) == 0 ||
			    (params[0] >= '0' && params[0] <= '9' &&
			     strtoul(params, NULL, 10) == i)) {
				port_dict(d, i);
				return 0;
			}
		return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct rte_tel_data *sub = rte_tel_data_alloc();

		if (sub == NULL)
			return -ENOMEM;
		port_dict(sub, i);
		rte_tel_data_add_dict_container(d, dp.ports[i].name, sub, 0);
	}
	return 0;
}

static int
tel_lcores(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned l;

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	RTE_LCORE_FOREACH(l) {
		struct rte_tel_data *sub = rte_tel_data_alloc();
		uint64_t c[DP_C__MAX];
		char roles[64], key[16];

		if (sub == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(sub);
		roles_str(dp.lcore_roles[l], l == dp.main_lcore, roles, sizeof(roles));
		rte_tel_data_add_dict_string(sub, "roles", roles[0] ? roles : "none");
		dp_stats_sum((int)l, -1, c);
		add_counters(sub, c, false);
		snprintf(key, sizeof(key), "%u", l);
		rte_tel_data_add_dict_container(d, key, sub, 0);
	}
	return 0;
}

static int
tel_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", PROJECT_VERSION);
	rte_tel_data_add_dict_string(d, "dpdk", rte_version());
	rte_tel_data_add_dict_string(d, "config", dp.cfg->path);
	rte_tel_data_add_dict_u64(d, "uptime_s",
				  (rte_get_timer_cycles() - dp.start_tsc) / rte_get_timer_hz());
	rte_tel_data_add_dict_u64(d, "tsc_hz", rte_get_tsc_hz());
	rte_tel_data_add_dict_int(d, "ports", (int)dp.n_ports);
	rte_tel_data_add_dict_int(d, "workers", (int)dp.n_workers);
	rte_tel_data_add_dict_int(d, "media_port_min", dp.media_min);
	rte_tel_data_add_dict_int(d, "media_port_max", dp.media_max);
	return 0;
}

void
dp_stats_telemetry_init(void)
{
	rte_telemetry_register_cmd("/callplane/info", tel_info,
		"Dataplane version, uptime and sizes. No parameters");
	rte_telemetry_register_cmd("/callplane/stats", tel_stats,
		"All dataplane counters summed over ports and lcores. No parameters");
	rte_telemetry_register_cmd("/callplane/ports", tel_ports,
		"Per-port counters and PMD stats. Parameters: optional port name or index");
	rte_telemetry_register_cmd("/callplane/lcores", tel_lcores,
		"Per-lcore roles and non-zero counters. No parameters");
}

static void
print_counters(FILE *fp, const uint64_t *c)
{
	for (int i = 0; i < DP_C__MAX; i++)
		if (c[i] != 0)
			fprintf(fp, "    %-22s %" PRIu64 "\n", dp_counter_names[i], c[i]);
}

void
dp_stats_report(FILE *fp)
{
	uint64_t c[DP_C__MAX];
	unsigned l;

	for (unsigned i = 0; i < dp.n_ports; i++) {
		struct rte_eth_stats es;

		fprintf(fp, "port %s (id %u):\n", dp.ports[i].name, dp.ports[i].port_id);
		if (rte_eth_stats_get(dp.ports[i].port_id, &es) == 0)
			fprintf(fp, "    pmd: ipackets %" PRIu64 " opackets %" PRIu64
				" imissed %" PRIu64 " ierrors %" PRIu64 " oerrors %" PRIu64 "\n",
				es.ipackets, es.opackets, es.imissed, es.ierrors, es.oerrors);
		dp_stats_sum(-1, (int)i, c);
		print_counters(fp, c);
	}
	RTE_LCORE_FOREACH(l) {
		char roles[64];

		roles_str(dp.lcore_roles[l], l == dp.main_lcore, roles, sizeof(roles));
		fprintf(fp, "lcore %u (%s):\n", l, roles[0] ? roles : "none");
		dp_stats_sum((int)l, -1, c);
		print_counters(fp, c);
	}
}

static void
ben_kv(struct ben_buf *b, const char *k, uint64_t v)
{
	ben_put_cstr(b, k);
	ben_put_int(b, (int64_t)v);
}

static void
ben_counters(struct ben_buf *b, const uint64_t *c, bool all)
{
	ben_put_cstr(b, "counters");
	ben_put_dict(b);
	for (int i = 0; i < DP_C__MAX; i++)
		if (all || c[i] != 0)
			ben_kv(b, dp_counter_names[i], c[i]);
	ben_put_end(b);
}

void
dp_stats_put_ben(struct ben_buf *b)
{
	uint64_t c[DP_C__MAX];

	dp_stats_sum(-1, -1, c);
	ben_counters(b, c, true);
	ben_kv(b, "tsc hz", rte_get_tsc_hz());
	ben_put_cstr(b, "ports");
	ben_put_list(b);
	for (unsigned i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = &dp.ports[i];
		struct rte_eth_stats es;
		struct rte_eth_link link;

		ben_put_dict(b);
		ben_put_cstr(b, "name");
		ben_put_cstr(b, p->name);
		ben_kv(b, "port id", p->port_id);
		if (rte_eth_link_get_nowait(p->port_id, &link) == 0) {
			ben_put_cstr(b, "link");
			ben_put_cstr(b, link.link_status ? "up" : "down");
		}
		if (rte_eth_stats_get(p->port_id, &es) == 0) {
			ben_kv(b, "pmd ipackets", es.ipackets);
			ben_kv(b, "pmd opackets", es.opackets);
			ben_kv(b, "pmd imissed", es.imissed);
			ben_kv(b, "pmd ierrors", es.ierrors);
			ben_kv(b, "pmd oerrors", es.oerrors);
			ben_kv(b, "pmd rx nombuf", es.rx_nombuf);
		}
		dp_stats_sum(-1, (int)i, c);
		ben_counters(b, c, true);
		ben_put_end(b);
	}
	ben_put_end(b);
	ben_put_cstr(b, "lcores");
	ben_put_list(b);
	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		char roles[64];

		if (!rte_lcore_is_enabled(l))
			continue;
		roles_str(dp.lcore_roles[l], l == dp.main_lcore, roles, sizeof(roles));
		ben_put_dict(b);
		ben_kv(b, "id", l);
		ben_put_cstr(b, "roles");
		ben_put_cstr(b, roles[0] ? roles : "none");
		dp_stats_sum((int)l, -1, c);
		ben_counters(b, c, false);
		ben_put_end(b);
	}
	ben_put_end(b);
}
