/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The callplane config schema: one declarative table per section, plus the
 * cross-field checks a table cannot express (port parameters per kind,
 * address/gateway consistency, lcore roles). Control path only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg.h"

const char *const cfg_port_kind_names[] = {
	"pci", "af_packet", "af_xdp", "memif", "pcap", "ring", "tap", NULL,
};
const char *const cfg_role_names[] = { "worker", "dsp", "recorder", NULL };
static const char *const memif_role_names[] = { "server", "client", NULL };
static const char *const log_level_names[] = {
	"", "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug", NULL,
};

#define F CFG_FIELD
#define FK CFG_FIELD_KEY
#define END CFG_FIELD_END

static const struct cfg_field eal_fields[] = {
	F(cfg_eal, lcores, CFG_T_STR, CFG_F_REQUIRED, .max = 64,
	  .help = "EAL core list, e.g. 0-3 or 0,2"),
	F(cfg_eal, main_lcore, CFG_T_UINT, 0, .max = 63, .def = 0),
	F(cfg_eal, memory_mb, CFG_T_UINT, 0, .min = 16, .max = 1 << 20, .def = 512),
	F(cfg_eal, no_huge, CFG_T_BOOL, 0, .def = 0),
	F(cfg_eal, no_pci, CFG_T_BOOL, 0, .def = 0),
	F(cfg_eal, file_prefix, CFG_T_STR, 0, .max = 32),
	FK(cfg_eal, "log_level", log_level, CFG_T_ENUM, 0, .names = log_level_names,
	   .def = 6),
	FK(cfg_eal, "extra_args", extra_args, CFG_T_STRLIST, 0, .max = 32,
	   .count_off = offsetof(struct cfg_eal, n_extra_args)),
	END,
};

static const struct cfg_field port_fields[] = {
	F(cfg_port, name, CFG_T_STR, CFG_F_REQUIRED, .max = 31),
	F(cfg_port, kind, CFG_T_ENUM, CFG_F_REQUIRED, .names = cfg_port_kind_names),
	F(cfg_port, pci, CFG_T_STR, 0, .max = 64),
	F(cfg_port, iface, CFG_T_STR, 0, .max = CFG_NAME_MAX),
	F(cfg_port, rx_pcap, CFG_T_STR, 0, .max = 255),
	F(cfg_port, tx_pcap, CFG_T_STR, 0, .max = 255),
	F(cfg_port, socket, CFG_T_STR, 0, .max = 107),
	F(cfg_port, role, CFG_T_ENUM, 0, .names = memif_role_names, .def = 0),
	F(cfg_port, id, CFG_T_UINT, 0, .max = 65535, .def = 0),
	F(cfg_port, ring, CFG_T_STR, 0, .max = 24),
	F(cfg_port, start_queue, CFG_T_UINT, 0, .max = 255, .def = 0),
	F(cfg_port, rx_desc, CFG_T_UINT, 0, .min = 64, .max = 16384, .def = 1024),
	F(cfg_port, tx_desc, CFG_T_UINT, 0, .min = 64, .max = 16384, .def = 1024),
	F(cfg_port, mtu, CFG_T_UINT, 0, .min = 576, .max = 9000, .def = 1500),
	F(cfg_port, promiscuous, CFG_T_BOOL, 0, .def = 0),
	F(cfg_port, exception_tap, CFG_T_STR, 0, .max = CFG_NAME_MAX),
	END,
};

static const struct cfg_field iface_fields[] = {
	F(cfg_iface, port, CFG_T_STR, CFG_F_REQUIRED, .max = 31),
	F(cfg_iface, ipv4, CFG_T_IP4PFX, 0),
	F(cfg_iface, gateway4, CFG_T_IP4, 0),
	F(cfg_iface, ipv6, CFG_T_IP6PFX, 0),
	F(cfg_iface, gateway6, CFG_T_IP6, 0),
	F(cfg_iface, kernel_default_route, CFG_T_BOOL, 0, .def = 1),
	F(cfg_iface, media_ipv4, CFG_T_STRLIST, 0, .max = CFG_MAX_MEDIA_IP4,
	  .count_off = offsetof(struct cfg_iface, n_media_ipv4),
	  .help = "more IPv4 addresses in the interface's prefix for media only: each has its "
		  "own media port range (65k ports per address; 4 per call)"),
	END,
};

static const struct cfg_field lcore_fields[] = {
	F(cfg_lcore, id, CFG_T_UINT, CFG_F_REQUIRED, .max = 63),
	F(cfg_lcore, roles, CFG_T_FLAGS, CFG_F_REQUIRED, .names = cfg_role_names),
	END,
};

static const struct cfg_field media_fields[] = {
	F(cfg_media, port_min, CFG_T_UINT, CFG_F_REQUIRED, .min = 1024, .max = 65535),
	F(cfg_media, port_max, CFG_T_UINT, CFG_F_REQUIRED, .min = 1024, .max = 65535),
	F(cfg_media, max_streams, CFG_T_UINT, 0, .min = 4, .max = 1 << 22, .def = 16384),
	F(cfg_media, timeout_s, CFG_T_UINT, 0, .min = 1, .max = 86400, .def = 60),
	END,
};

static void events_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);

static const struct cfg_field events_fields[] = {
	FK(cfg_events, "unix", unix_path, CFG_T_STR, 0, .max = 107),
	F(cfg_events, dtmf_log_dest, CFG_T_STR, 0, .max = 64,
	  .help = "addr:port: every DTMF event also as rtpengine's dtmf-log-dest JSON (UDP)"),
	END,
};

static const char *const rec_format_names[] = { "wav", "opus", NULL };
static const char *const rec_fsync_names[] = { "none", "close", "flush", NULL };

static const struct cfg_field rec_fields[] = {
	F(cfg_recording, dir, CFG_T_STR, 0, .max = 200,
	  .help = "directory of recordings and sidecars (default /var/lib/callplane/recordings)"),
	F(cfg_recording, format, CFG_T_ENUM, 0, .names = rec_format_names, .def = CFG_REC_WAV,
	  .help = "wav (16-bit PCM) or opus (Ogg/Opus); NG 'format' overrides per call"),
	F(cfg_recording, fsync, CFG_T_ENUM, 0, .names = rec_fsync_names, .def = CFG_FSYNC_CLOSE,
	  .help = "none, close (when a file is finished) or flush (every flush)"),
	F(cfg_recording, flush_ms, CFG_T_UINT, 0, .min = 100, .max = 1500, .def = 1000,
	  .help = "audio reaches the file this often: what a crash can lose"),
	F(cfg_recording, jitter_ms, CFG_T_UINT, 0, .min = 20, .max = 400, .def = 200,
	  .help = "late packets are waited for this long before audio is written"),
	F(cfg_recording, min_free_mb, CFG_T_UINT, 0, .max = 1 << 20, .def = 64,
	  .help = "free space floor: below it recordings stop cleanly and new ones are refused"),
	F(cfg_recording, max_recordings, CFG_T_UINT, 0, .min = 1, .max = 65536, .def = 1024),
	F(cfg_recording, ring, CFG_T_UINT, 0, .min = 256, .max = 1 << 20, .def = 16384,
	  .help = "packets queued to each recorder lcore (each holds an mbuf)"),
	F(cfg_recording, opus_bitrate, CFG_T_UINT, 0, .min = 6000, .max = 256000, .def = 32000),
	F(cfg_recording, opus_complexity, CFG_T_UINT, 0, .max = 10, .def = 0,
	  .help = "0-10; 0 keeps the waveform as well as 5 at 32 kbit/s for 40% less CPU"),
	END,
};

/* the order of enum srtp_engine (dataplane/srtp/srtp_xf.h) */
const char *const cfg_srtp_engine_names[] = { "ipsec-mb", "openssl", "libsrtp", NULL };

const char *const cfg_srtp_suite_names[] = {
	"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AES_256_CM_HMAC_SHA1_80",
	"AES_256_CM_HMAC_SHA1_32", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM", NULL,
};

static const struct cfg_field srtp_fields[] = {
	F(cfg_srtp, engine, CFG_T_ENUM, 0, .names = cfg_srtp_engine_names, .def = 0,
	  .help = "ipsec-mb (bursts on intel-ipsec-mb: the fast path's), openssl (EVP, a packet "
		  "at a time) or libsrtp (libsrtp itself: small deployments)"),
	F(cfg_srtp, prefer, CFG_T_STRLIST, 0, .max = CFG_SRTP_SUITES,
	  .count_off = offsetof(struct cfg_srtp, n_prefer),
	  .help = "SDES suites answered first when an offer has them, and offered first to an "
		  "SRTP leg, in this order (e.g. [AEAD_AES_128_GCM]: the cheapest per packet); "
		  "default: the offerer's own order"),
	END,
};

/* dataplane.srtp: the preferred suites named, each once */
static void
srtp_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_srtp *sr = obj;
	char p[300];

	for (uint32_t i = 0; i < sr->n_prefer; i++) {
		unsigned k;

		for (k = 0; cfg_srtp_suite_names[k] != NULL; k++)
			if (strcmp(sr->prefer[i], cfg_srtp_suite_names[k]) == 0)
				break;
		cfg_pathf(p, sizeof(p), "%s.prefer[%u]", path, i);
		if (cfg_srtp_suite_names[k] == NULL) {
			char all[200];
			size_t n = 0;

			for (unsigned m = 0; cfg_srtp_suite_names[m] != NULL && n < sizeof(all); m++)
				n += (size_t)snprintf(all + n, sizeof(all) - n, "%s%s", m ? ", " : "",
						      cfg_srtp_suite_names[m]);
			cfg_errorf(ctx, cfg_node_at(ctx, p), p,
				   "unknown SRTP suite '%s' (expected one of: %s)", sr->prefer[i], all);
			continue;
		}
		for (uint32_t j = 0; j < i; j++)
			if (sr->prefer_idx[j] == k)
				cfg_errorf(ctx, cfg_node_at(ctx, p), p, "'%s' given twice",
					   sr->prefer[i]);
		sr->prefer_idx[i] = (uint8_t)k;
	}
	(void)map;
}

static const struct cfg_field idle_fields[] = {
	F(cfg_idle, backoff, CFG_T_BOOL, 0, .def = 1),
	F(cfg_idle, after_polls, CFG_T_UINT, 0, .min = 1, .max = 10000000, .def = 256),
	F(cfg_idle, sleep_us, CFG_T_UINT, 0, .min = 1, .max = 100000, .def = 200),
	END,
};

static const struct cfg_field neigh_fields[] = {
	F(cfg_neigh, entries, CFG_T_UINT, 0, .min = 16, .max = 1 << 20, .def = 1024),
	F(cfg_neigh, reachable_s, CFG_T_UINT, 0, .min = 1, .max = 86400, .def = 30),
	F(cfg_neigh, stale_s, CFG_T_UINT, 0, .min = 1, .max = 86400, .def = 300),
	F(cfg_neigh, retry_ms, CFG_T_UINT, 0, .min = 10, .max = 60000, .def = 1000),
	END,
};

static const struct cfg_field mempool_fields[] = {
	F(cfg_mempool, mbufs, CFG_T_UINT, 0, .min = 1023, .max = 1 << 24, .def = 8191),
	F(cfg_mempool, cache, CFG_T_UINT, 0, .max = 512, .def = 256),
	END,
};

static void ng_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);

static const struct cfg_field ng_fields[] = {
	FK(cfg_ng, "listen", listen, CFG_T_STRLIST, CFG_F_REQUIRED, .max = 8,
	   .count_off = offsetof(struct cfg_ng, n_listen)),
	FK(cfg_ng, "unix", unix_path, CFG_T_STR, 0, .max = 107),
	F(cfg_ng, cache_ttl_s, CFG_T_UINT, 0, .min = 1, .max = 3600, .def = 30),
	F(cfg_ng, cache_entries, CFG_T_UINT, 0, .min = 16, .max = 1 << 20, .def = 4096),
	F(cfg_ng, session_limit, CFG_T_UINT, 0, .min = 1, .max = 262144, .def = 4096),
	END,
};

static void port_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);
static void iface_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);
static void media_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);
static void lcore_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);
static void eal_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);

static const struct cfg_field dp_fields[] = {
	{ .key = "eal", .type = CFG_T_MAP, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_dataplane, eal), .sub = eal_fields,
	  .check = eal_check },
	{ .key = "ports", .type = CFG_T_LIST, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_dataplane, ports), .sub = port_fields,
	  .elem_size = sizeof(struct cfg_port), .min = 1, .max = CFG_MAX_PORTS,
	  .count_off = offsetof(struct cfg_dataplane, n_ports), .check = port_check },
	{ .key = "interfaces", .type = CFG_T_LIST, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_dataplane, interfaces), .sub = iface_fields,
	  .elem_size = sizeof(struct cfg_iface), .min = 1, .max = CFG_MAX_PORTS,
	  .count_off = offsetof(struct cfg_dataplane, n_interfaces),
	  .check = iface_check },
	{ .key = "lcores", .type = CFG_T_LIST, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_dataplane, lcores), .sub = lcore_fields,
	  .elem_size = sizeof(struct cfg_lcore), .min = 1, .max = CFG_MAX_LCORES,
	  .count_off = offsetof(struct cfg_dataplane, n_lcores), .check = lcore_check },
	{ .key = "media", .type = CFG_T_MAP, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg_dataplane, media), .sub = media_fields,
	  .check = media_check },
	{ .key = "idle", .type = CFG_T_MAP, .off = offsetof(struct cfg_dataplane, idle),
	  .sub = idle_fields },
	{ .key = "neighbours", .type = CFG_T_MAP,
	  .off = offsetof(struct cfg_dataplane, neigh), .sub = neigh_fields },
	{ .key = "mempool", .type = CFG_T_MAP,
	  .off = offsetof(struct cfg_dataplane, mempool), .sub = mempool_fields },
	F(cfg_dataplane, burst_drain_us, CFG_T_UINT, 0, .min = 1, .max = 10000,
	  .def = 100),
	{ .key = "ng", .type = CFG_T_MAP, .off = offsetof(struct cfg_dataplane, ng),
	  .sub = ng_fields, .check = ng_check },
	{ .key = "events", .type = CFG_T_MAP, .off = offsetof(struct cfg_dataplane, events),
	  .sub = events_fields, .check = events_check },
	{ .key = "recording", .type = CFG_T_MAP, .off = offsetof(struct cfg_dataplane, rec),
	  .sub = rec_fields },
	{ .key = "srtp", .type = CFG_T_MAP, .off = offsetof(struct cfg_dataplane, srtp),
	  .sub = srtp_fields, .check = srtp_check },
	END,
};

static void root_check(struct cfg_ctx *, yaml_node_t *, const char *, void *);

const struct cfg_field cfg_root_fields[] = {
	{ .key = "dataplane", .type = CFG_T_MAP, .flags = CFG_F_REQUIRED,
	  .off = offsetof(struct cfg, dp), .sub = dp_fields },
	{ .key = "control", .type = CFG_T_MAP, .off = offsetof(struct cfg, cp),
	  .sub = cfg_control_fields },
	END,
};

/* "0-3,5" -> bit mask; -EINVAL on anything else. */
static int
parse_core_list(const char *s, uint64_t *mask)
{
	uint64_t m = 0;

	while (*s) {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		a = strtoul(s, &end, 10);
		b = a;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtoul(end + 1, &end, 10);
		}
		if (a > 63 || b > 63 || b < a)
			return -EINVAL;
		for (unsigned long i = a; i <= b; i++)
			m |= 1ull << i;
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return -EINVAL;
		s = end;
	}
	if (m == 0)
		return -EINVAL;
	*mask = m;
	return 0;
}

static void
eal_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_eal *e = obj;
	char p[300];

	if (e->lcores == NULL)
		return;
	cfg_pathf(p, sizeof(p), "%s.lcores", path);
	if (parse_core_list(e->lcores, &e->lcore_mask) < 0) {
		cfg_errorf(ctx, cfg_map_get(ctx, map, "lcores"), p,
			   "'%s' is not a core list like 0-3 or 0,2 (cores 0..63)",
			   e->lcores);
		return;
	}
	if (!(e->lcore_mask & (1ull << e->main_lcore))) {
		cfg_pathf(p, sizeof(p), "%s.main_lcore", path);
		yaml_node_t *n = cfg_map_get(ctx, map, "main_lcore");
		cfg_errorf(ctx, n ? n : map, p, "lcore %u is not in lcores '%s'",
			   e->main_lcore, e->lcores);
	}
}

struct port_param {
	const char *key;
	size_t off;
	uint32_t kinds;   /* bit per enum cfg_port_kind that accepts it */
};

#define K(x) (1u << CFG_PORT_##x)
static const struct port_param port_params[] = {
	{ "pci", offsetof(struct cfg_port, pci), K(PCI) },
	{ "iface", offsetof(struct cfg_port, iface), K(AF_PACKET) | K(AF_XDP) | K(TAP) | K(PCAP) },
	{ "rx_pcap", offsetof(struct cfg_port, rx_pcap), K(PCAP) },
	{ "tx_pcap", offsetof(struct cfg_port, tx_pcap), K(PCAP) },
	{ "socket", offsetof(struct cfg_port, socket), K(MEMIF) },
	{ "ring", offsetof(struct cfg_port, ring), K(RING) },
};
#undef K

static void
port_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_port *pt = obj;
	const char *kind = cfg_port_kind_names[pt->kind];
	yaml_node_t *kn = cfg_map_get(ctx, map, "kind");
	char p[300];

	if (pt->name == NULL || kn == NULL)
		return;
	if (strspn(pt->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
	    strlen(pt->name)) {
		cfg_pathf(p, sizeof(p), "%s.name", path);
		cfg_errorf(ctx, cfg_map_get(ctx, map, "name"), p,
			   "'%s' may hold only letters, digits and '_'", pt->name);
	}
	for (size_t i = 0; i < sizeof(port_params) / sizeof(port_params[0]); i++) {
		const struct port_param *pp = &port_params[i];
		const char *v = *(char **)((char *)pt + pp->off);

		if (v != NULL && !(pp->kinds & (1u << pt->kind))) {
			cfg_pathf(p, sizeof(p), "%s.%s", path, pp->key);
			cfg_errorf(ctx, cfg_map_get(ctx, map, pp->key), p,
				   "not a parameter of port kind %s", kind);
		}
	}
	cfg_pathf(p, sizeof(p), "%s.kind", path);
	switch (pt->kind) {
	case CFG_PORT_PCI:
		if (pt->pci == NULL)
			cfg_errorf(ctx, kn, p, "kind pci needs 'pci' (bus address, e.g. 0000:01:00.0)");
		break;
	case CFG_PORT_AF_PACKET:
	case CFG_PORT_AF_XDP:
	case CFG_PORT_TAP:
		if (pt->iface == NULL)
			cfg_errorf(ctx, kn, p, "kind %s needs 'iface' (kernel interface name)", kind);
		break;
	case CFG_PORT_MEMIF:
		if (pt->socket == NULL)
			cfg_errorf(ctx, kn, p, "kind memif needs 'socket' (unix socket path)");
		break;
	case CFG_PORT_PCAP:
		if (pt->iface == NULL && pt->rx_pcap == NULL)
			cfg_errorf(ctx, kn, p, "kind pcap needs 'iface' or 'rx_pcap'");
		if (pt->iface != NULL && (pt->rx_pcap != NULL || pt->tx_pcap != NULL))
			cfg_errorf(ctx, kn, p, "kind pcap takes 'iface' or 'rx_pcap'/'tx_pcap', not both");
		break;
	case CFG_PORT_RING:
		if (pt->ring == NULL)
			cfg_errorf(ctx, kn, p, "kind ring needs 'ring' (ring name)");
		break;
	default:
		break;
	}
	if (pt->rx_desc & (pt->rx_desc - 1)) {
		cfg_pathf(p, sizeof(p), "%s.rx_desc", path);
		cfg_errorf(ctx, cfg_map_get(ctx, map, "rx_desc"), p,
			   "%u is not a power of two", pt->rx_desc);
	}
	if (pt->tx_desc & (pt->tx_desc - 1)) {
		cfg_pathf(p, sizeof(p), "%s.tx_desc", path);
		cfg_errorf(ctx, cfg_map_get(ctx, map, "tx_desc"), p,
			   "%u is not a power of two", pt->tx_desc);
	}
}

int
cfg_parse_hostport(const char *s, struct sockaddr_storage *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon;
	unsigned long port;
	char *end;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			return -EINVAL;
		hl = (size_t)(colon - s);
		if (hl == 0 || hl >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = '\0';
	}
	if (colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -EINVAL;
	if (s[0] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
	}
	return 0;
}

static void
events_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_events *ev = obj;
	struct sockaddr_storage ss;
	char p[300];

	(void)map;
	if (ev->dtmf_log_dest && cfg_parse_hostport(ev->dtmf_log_dest, &ss) < 0) {
		cfg_pathf(p, sizeof(p), "%s.dtmf_log_dest", path);
		cfg_errorf(ctx, cfg_node_at(ctx, p), p, "'%s' is not addr:port or [v6addr]:port",
			   ev->dtmf_log_dest);
	}
}

static void
ng_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_ng *ng = obj;
	char p[300];

	for (uint32_t i = 0; i < ng->n_listen; i++) {
		struct sockaddr_storage ss;

		if (cfg_parse_hostport(ng->listen[i], &ss) == 0)
			continue;
		cfg_pathf(p, sizeof(p), "%s.listen[%u]", path, i);
		cfg_errorf(ctx, cfg_node_at(ctx, p), p,
			   "'%s' is not addr:port or [v6addr]:port", ng->listen[i]);
	}
	(void)map;
}

static bool
ip4_in_prefix(uint32_t a, const struct cfg_ip4 *pfx)
{
	uint32_t mask = pfx->plen ? htonl(~0u << (32 - pfx->plen)) : 0;

	return (a & mask) == (pfx->addr & mask);
}

static bool
ip6_in_prefix(const uint8_t *a, const struct cfg_ip6 *pfx)
{
	unsigned bits = pfx->plen;

	for (unsigned i = 0; i < 16 && bits > 0; i++) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((a[i] & m) != (pfx->addr[i] & m))
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static void
iface_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_iface *ifc = obj;
	char p[300];

	if (!ifc->ipv4.set && !ifc->ipv6.set) {
		cfg_errorf(ctx, map, path, "an interface needs 'ipv4' or 'ipv6' (or both)");
		return;
	}
	if (ifc->ipv4.set) {
		uint32_t host = ntohl(ifc->ipv4.addr);
		uint32_t hmask = ifc->ipv4.plen >= 32 ? 0 : ~0u >> ifc->ipv4.plen;

		cfg_pathf(p, sizeof(p), "%s.ipv4", path);
		if (ifc->ipv4.plen == 0)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "ipv4"), p, "prefix length must be 1..32");
		else if (ifc->ipv4.plen < 31 && ((host & hmask) == 0 || (host & hmask) == hmask))
			cfg_errorf(ctx, cfg_map_get(ctx, map, "ipv4"), p,
				   "is the network or broadcast address of its prefix");
		else if ((host >> 24) == 0 || (host >> 24) == 127 || (host >> 28) >= 14)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "ipv4"), p,
				   "is not a unicast host address");
	}
	if (ifc->gateway4.set) {
		cfg_pathf(p, sizeof(p), "%s.gateway4", path);
		if (!ifc->ipv4.set)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "gateway4"), p, "needs 'ipv4'");
		else if (!ip4_in_prefix(ifc->gateway4.addr, &ifc->ipv4))
			cfg_errorf(ctx, cfg_map_get(ctx, map, "gateway4"), p,
				   "is not inside the interface prefix");
		else if (ifc->gateway4.addr == ifc->ipv4.addr)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "gateway4"), p,
				   "is the interface's own address");
	}
	for (uint32_t i = 0; i < ifc->n_media_ipv4; i++) {
		struct in_addr a;
		yaml_node_t *n = cfg_map_get(ctx, map, "media_ipv4");
		uint32_t host;

		cfg_pathf(p, sizeof(p), "%s.media_ipv4[%u]", path, i);
		if (inet_pton(AF_INET, ifc->media_ipv4[i], &a) != 1) {
			cfg_errorf(ctx, n, p, "'%s' is not an IPv4 address", ifc->media_ipv4[i]);
			continue;
		}
		host = ntohl(a.s_addr);
		ifc->media4[i] = a.s_addr;
		if (!ifc->ipv4.set)
			cfg_errorf(ctx, n, p, "needs 'ipv4' (the interface's own address and prefix)");
		else if (!ip4_in_prefix(a.s_addr, &ifc->ipv4))
			cfg_errorf(ctx, n, p, "%s is not inside the interface prefix", ifc->media_ipv4[i]);
		else if (a.s_addr == ifc->ipv4.addr || (ifc->gateway4.set && a.s_addr == ifc->gateway4.addr))
			cfg_errorf(ctx, n, p, "%s is the interface's own address or its gateway",
				   ifc->media_ipv4[i]);
		else if ((host >> 24) == 0 || (host >> 24) == 127 || (host >> 28) >= 14)
			cfg_errorf(ctx, n, p, "%s is not a unicast host address", ifc->media_ipv4[i]);
		for (uint32_t k = 0; k < i; k++)
			if (ifc->media4[k] == a.s_addr)
				cfg_errorf(ctx, n, p, "%s is listed twice", ifc->media_ipv4[i]);
	}
	if (ifc->ipv6.set) {
		cfg_pathf(p, sizeof(p), "%s.ipv6", path);
		if (ifc->ipv6.plen == 0)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "ipv6"), p, "prefix length must be 1..128");
		else if (ifc->ipv6.addr[0] == 0xff)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "ipv6"), p, "is a multicast address");
	}
	if (ifc->gateway6.set) {
		cfg_pathf(p, sizeof(p), "%s.gateway6", path);
		bool ll = ifc->gateway6.addr[0] == 0xfe && (ifc->gateway6.addr[1] & 0xc0) == 0x80;

		if (!ifc->ipv6.set)
			cfg_errorf(ctx, cfg_map_get(ctx, map, "gateway6"), p, "needs 'ipv6'");
		else if (!ll && !ip6_in_prefix(ifc->gateway6.addr, &ifc->ipv6))
			cfg_errorf(ctx, cfg_map_get(ctx, map, "gateway6"), p,
				   "is neither link-local nor inside the interface prefix");
	}
}

static void
media_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_media *m = obj;
	char p[300];

	if (m->port_min == 0 || m->port_max == 0)
		return;
	cfg_pathf(p, sizeof(p), "%s.port_min", path);
	if (m->port_min > m->port_max)
		cfg_errorf(ctx, cfg_map_get(ctx, map, "port_min"), p,
			   "port range is reversed: port_min %u is above port_max %u",
			   m->port_min, m->port_max);
	else if (m->port_min & 1)
		cfg_errorf(ctx, cfg_map_get(ctx, map, "port_min"), p,
			   "must be even (RTP takes the even port, RTCP the odd one)");
	else if (m->port_max - m->port_min < 1)
		cfg_errorf(ctx, cfg_map_get(ctx, map, "port_max"), p,
			   "range must hold at least one RTP/RTCP pair");
}

static void
lcore_check(struct cfg_ctx *ctx, yaml_node_t *map, const char *path, void *obj)
{
	struct cfg_lcore *lc = obj;
	char p[300];

	cfg_pathf(p, sizeof(p), "%s.roles", path);
	if (lc->roles == 0)
		cfg_errorf(ctx, cfg_map_get(ctx, map, "roles"), p, "give at least one role");
	/* The recorder blocks on disk I/O; a worker must never wait on it. */
	if ((lc->roles & CFG_ROLE_WORKER) && (lc->roles & CFG_ROLE_RECORDER))
		cfg_errorf(ctx, cfg_map_get(ctx, map, "roles"), p,
			   "roles worker and recorder are exclusive (disk I/O must not run on a forwarding lcore)");
}

static void
root_check(struct cfg_ctx *ctx, yaml_node_t *top, const char *path, void *obj)
{
	struct cfg *c = obj;
	struct cfg_dataplane *dp = &c->dp;
	char p[300];
	uint64_t seen = 0;
	unsigned workers = 0;

	(void)path;
	dp->has_ng = cfg_node_at(ctx, "dataplane.ng") != NULL;
	c->has_cp = cfg_node_at(ctx, "control") != NULL;
	cfg_control_check(ctx, c);
	(void)top;

	for (uint32_t i = 0; i < dp->n_ports; i++) {
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(dp->ports[i].name, dp->ports[j].name) == 0) {
				cfg_pathf(p, sizeof(p), "dataplane.ports[%u].name", i);
				cfg_errorf(ctx, cfg_node_at(ctx, p), p,
					   "port name '%s' is used twice", dp->ports[i].name);
			}
			if (dp->ports[i].exception_tap && dp->ports[j].exception_tap &&
			    strcmp(dp->ports[i].exception_tap, dp->ports[j].exception_tap) == 0) {
				cfg_pathf(p, sizeof(p), "dataplane.ports[%u].exception_tap", i);
				cfg_errorf(ctx, cfg_node_at(ctx, p), p,
					   "tap '%s' is used by two ports", dp->ports[i].exception_tap);
			}
		}
	}
	for (uint32_t i = 0; i < dp->n_interfaces; i++) {
		int idx = cfg_port_index(c, dp->interfaces[i].port);

		cfg_pathf(p, sizeof(p), "dataplane.interfaces[%u].port", i);
		if (idx < 0) {
			cfg_errorf(ctx, cfg_node_at(ctx, p), p, "no port named '%s'",
				   dp->interfaces[i].port);
			continue;
		}
		for (uint32_t j = 0; j < i; j++)
			if (strcmp(dp->interfaces[j].port, dp->interfaces[i].port) == 0)
				cfg_errorf(ctx, cfg_node_at(ctx, p), p,
					   "port '%s' already has an interface", dp->interfaces[i].port);
	}
	for (uint32_t i = 0; i < dp->n_lcores; i++) {
		const struct cfg_lcore *lc = &dp->lcores[i];

		cfg_pathf(p, sizeof(p), "dataplane.lcores[%u].id", i);
		if (seen & (1ull << lc->id))
			cfg_errorf(ctx, cfg_node_at(ctx, p), p, "lcore %u is listed twice", lc->id);
		seen |= 1ull << lc->id;
		if (!(dp->eal.lcore_mask & (1ull << lc->id)))
			cfg_errorf(ctx, cfg_node_at(ctx, p), p,
				   "lcore %u is not in dataplane.eal.lcores '%s'", lc->id,
				   dp->eal.lcores);
		if (lc->roles & CFG_ROLE_WORKER) {
			workers++;
			/* The main lcore runs control, ARP and the exception path. */
			if (lc->id == dp->eal.main_lcore)
				cfg_errorf(ctx, cfg_node_at(ctx, p), p,
					   "lcore %u is the main lcore and cannot be a worker",
					   lc->id);
		}
	}
	if (workers == 0)
		cfg_errorf(ctx, cfg_node_at(ctx, "dataplane.lcores"), "dataplane.lcores",
			   "at least one lcore needs the worker role");
	if (dp->mempool.cache > dp->mempool.mbufs / 4)
		cfg_errorf(ctx, cfg_node_at(ctx, "dataplane.mempool.cache"),
			   "dataplane.mempool.cache", "must be at most a quarter of mbufs");
}

int
cfg_port_index(const struct cfg *cfg, const char *name)
{
	for (uint32_t i = 0; i < cfg->dp.n_ports; i++)
		if (cfg->dp.ports[i].name && strcmp(cfg->dp.ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
cfg_load(struct cfg **out, const char *path, char *err, size_t errlen)
{
	struct cfg *c;
	int ret;

	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	ret = cfg_schema_load(path, cfg_root_fields, root_check, c, err, errlen);
	if (ret < 0)
		goto out;
	c->path = strdup(path);
	if (c->path == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	*out = c;
	return 0;
out:
	cfg_free(c);
	return ret;
}

void
cfg_free(struct cfg *cfg)
{
	if (cfg == NULL)
		return;
	for (uint32_t i = 0; i < cfg->cp.n_trunks; i++)
		free(cfg->cp.trunks[i].nets);
	cfg_schema_free(cfg_root_fields, cfg);
	free(cfg->path);
	free(cfg);
}
