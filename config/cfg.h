/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane configuration: the one YAML file, as C structs.
 * Loaded and validated at boot (and on reload by the control plane) by
 * cfg_load(); read-only afterwards. Nothing here runs on a worker lcore.
 */
#ifndef CFG_H
#define CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "schema.h"
#include "cfg_control.h"

enum cfg_port_kind {
	CFG_PORT_PCI,
	CFG_PORT_AF_PACKET,
	CFG_PORT_AF_XDP,
	CFG_PORT_MEMIF,
	CFG_PORT_PCAP,
	CFG_PORT_RING,
	CFG_PORT_TAP,
};

enum cfg_memif_role { CFG_MEMIF_SERVER, CFG_MEMIF_CLIENT };

/* Bits of struct cfg_lcore.roles, same order as the role names. */
enum cfg_role {
	CFG_ROLE_WORKER = 1u << 0,
	CFG_ROLE_DSP = 1u << 1,
	CFG_ROLE_RECORDER = 1u << 2,
};

#define CFG_MAX_PORTS 8
#define CFG_MAX_LCORES 128
#define CFG_NAME_MAX 15          /* Linux IFNAMSIZ - 1 */

struct cfg_eal {
	char *lcores;          /* EAL core list, e.g. "0-3" */
	uint32_t main_lcore;
	uint32_t memory_mb;
	bool no_huge;
	bool no_pci;
	char *file_prefix;
	uint32_t log_level;
	char **extra_args;
	uint32_t n_extra_args;
	uint64_t lcore_mask;   /* derived: lcores as bits */
};

struct cfg_port {
	char *name;
	uint32_t kind;         /* enum cfg_port_kind */
	char *pci;             /* pci: bus address */
	char *iface;           /* af_packet, af_xdp, tap, pcap (live) */
	char *rx_pcap;         /* pcap: files instead of iface */
	char *tx_pcap;
	char *socket;          /* memif */
	uint32_t role;         /* memif: enum cfg_memif_role */
	uint32_t id;           /* memif interface id */
	char *ring;            /* ring: name of the ring pair */
	uint32_t start_queue;  /* af_xdp */
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t mtu;
	bool promiscuous;
	char *exception_tap;   /* kernel interface for the exception path */
};

#define CFG_MAX_MEDIA_IP4 15

struct cfg_iface {
	char *port;
	struct cfg_ip4 ipv4;   /* with prefix */
	struct cfg_ip4 gateway4;
	struct cfg_ip6 ipv6;
	struct cfg_ip6 gateway6;
	bool kernel_default_route; /* install gateway routes on the tap */
	/* more IPv4 addresses of this interface (in its prefix) for media:
	 * each brings its own media port range, so one port carries more
	 * calls than 16-bit ports allow on one address */
	char **media_ipv4;
	uint32_t n_media_ipv4;
	uint32_t media4[CFG_MAX_MEDIA_IP4]; /* parsed, network order */
};

struct cfg_lcore {
	uint32_t id;
	uint32_t roles;        /* enum cfg_role bits */
};

struct cfg_media {
	uint32_t port_min;
	uint32_t port_max;
	uint32_t max_streams;  /* relay stream slots (4 per call and media) */
	uint32_t timeout_s;    /* a call whose media is silent this long ends */
};

struct cfg_events {
	char *unix_path;       /* the control plane's unix datagram socket */
	char *dtmf_log_dest;   /* "addr:port": DTMF events as rtpengine's JSON over UDP */
};

struct cfg_idle {
	bool backoff;
	uint32_t after_polls;  /* empty polls before sleeping */
	uint32_t sleep_us;
};

struct cfg_neigh {
	uint32_t entries;
	uint32_t reachable_s;  /* confirmed entry is used without re-probing */
	uint32_t stale_s;      /* unconfirmed entry is dropped after this */
	uint32_t retry_ms;     /* between solicitations of one address */
};

struct cfg_mempool {
	uint32_t mbufs;
	uint32_t cache;
};

struct cfg_ng {
	char **listen;         /* UDP "addr:port" / "[v6]:port" */
	uint32_t n_listen;
	char *unix_path;       /* optional unix datagram socket */
	uint32_t cache_ttl_s;  /* retransmitted cookies answered from cache */
	uint32_t cache_entries;
	uint32_t session_limit; /* calls; an offer over it is refused */
};

enum cfg_rec_format { CFG_REC_WAV, CFG_REC_OPUS };
enum cfg_rec_fsync { CFG_FSYNC_NONE, CFG_FSYNC_CLOSE, CFG_FSYNC_FLUSH };

struct cfg_recording {
	char *dir;             /* where recordings and their sidecars go */
	uint32_t format;       /* enum cfg_rec_format */
	uint32_t fsync;        /* enum cfg_rec_fsync */
	uint32_t flush_ms;     /* buffered audio reaches the file at least this often */
	uint32_t jitter_ms;    /* how long late packets are waited for */
	uint32_t min_free_mb;  /* below this, recordings stop and new ones are refused */
	uint32_t max_recordings; /* concurrent recordings (preallocated) */
	uint32_t ring;         /* packets queued per recorder lcore */
	uint32_t opus_bitrate; /* bits/s of the stereo Ogg/Opus stream */
	uint32_t opus_complexity;
};

#define CFG_SRTP_SUITES 6

struct cfg_srtp {
	uint32_t engine;       /* enum srtp_engine: cfg_srtp_engine_names */
	/* SDES suites taken first from an offer's a=crypto lines, and offered
	 * first to an SRTP leg, in this order (then the offerer's order) */
	char **prefer;
	uint32_t n_prefer;
	uint8_t prefer_idx[CFG_SRTP_SUITES]; /* the same: indices into cfg_srtp_suite_names */
};

struct cfg_dataplane {
	struct cfg_eal eal;
	struct cfg_port *ports;
	uint32_t n_ports;
	struct cfg_iface *interfaces;
	uint32_t n_interfaces;
	struct cfg_lcore *lcores;
	uint32_t n_lcores;
	struct cfg_media media;
	struct cfg_idle idle;
	struct cfg_neigh neigh;
	struct cfg_mempool mempool;
	uint32_t burst_drain_us;
	struct cfg_ng ng;
	bool has_ng;
	struct cfg_events events;
	struct cfg_recording rec;
	struct cfg_srtp srtp;
};

struct cfg {
	char *path;
	struct cfg_dataplane dp;
	struct cfg_control cp;  /* section `control`, for callplane-cp */
	bool has_cp;
};

extern const char *const cfg_port_kind_names[];
extern const char *const cfg_role_names[];
extern const char *const cfg_srtp_engine_names[];
/* in the order of enum srtp_suite (dataplane/srtp/srtp_xf.h) */
extern const char *const cfg_srtp_suite_names[];

/*
 * Loads and validates @path. On success *out owns the config (free with
 * cfg_free). On failure returns -EINVAL (or -errno for I/O) and @err holds
 * one "file:line:column: key: reason" line per problem.
 */
int cfg_load(struct cfg **out, const char *path, char *err, size_t errlen);
void cfg_free(struct cfg *cfg);

/* The whole file's field table (for diff, swap and show walks). */
extern const struct cfg_field cfg_root_fields[];

/* Parses "a.b.c.d:port" or "[v6]:port" into a sockaddr; 0 or -EINVAL. */
struct sockaddr_storage;
int cfg_parse_hostport(const char *s, struct sockaddr_storage *out);

/* Index of the port named @name, or -1. */
int cfg_port_index(const struct cfg *cfg, const char *name);

#endif
