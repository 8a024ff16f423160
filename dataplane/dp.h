/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's boot-time state: ports, their addresses, lcore roles
 * and the rings between the main lcore and the workers. Built by main.c
 * before any lcore is launched and read-only afterwards, so workers read
 * it without locks. Nothing here is allocated on the hot path.
 */
#ifndef DP_H
#define DP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_ring.h>

#include "cfg.h"
#include "stats/stats.h"

#define DP_BURST 32
#define DP_MAX_WORKERS 64

struct dp_port {
	char name[32];
	uint16_t port_id;          /* the external port */
	uint16_t tap_id;           /* the exception tap port */
	bool has_tap;
	char tap_name[CFG_NAME_MAX + 1];
	uint16_t n_rxq;            /* rx queues = workers polling it */
	uint16_t n_txq;
	struct rte_ether_addr mac;
	/* addresses, network byte order */
	bool has4, has6;
	uint32_t ip4, gw4, mask4;
	uint8_t plen4, plen6;
	uint8_t ip6[16];
	uint8_t ip6_ll[16];        /* link-local from the MAC (EUI-64) */
	uint8_t gw6[16];
	bool has_gw4, has_gw6;
	/* media-only IPv4 addresses (interfaces[].media_ipv4): address k
	 * has the stream map slot xslot0 + k; the port's own address (and
	 * its IPv6 one) use slot = its index */
	uint8_t n_xip4;
	uint16_t xslot0;
	uint32_t xip4[CFG_MAX_MEDIA_IP4];
};

/* Stream map slots: one per port, then one per media-only address. */
#define DP_MAX_SLOTS (DP_MAX_PORTS * (1 + CFG_MAX_MEDIA_IP4))

struct dp_worker {
	unsigned lcore;
	unsigned index;            /* queue index on every port */
	uint32_t roles;
	/* worker -> main: frames for the host stack / exception path */
	struct rte_ring *to_host;
	/* main -> worker: frames to transmit (mbuf->port = output port) */
	struct rte_ring *to_tx;
	/* dsp lcores -> worker: masked frames, held back and now due */
	struct rte_ring *from_dsp;
};

struct dp {
	struct cfg *cfg;
	struct dp_port ports[DP_MAX_PORTS];
	unsigned n_ports;
	struct dp_worker workers[DP_MAX_WORKERS];
	unsigned n_workers;
	unsigned main_lcore;
	uint32_t lcore_roles[RTE_MAX_LCORE];
	uint16_t media_min, media_max;
	unsigned n_slots;            /* stream map slots in use */
	uint32_t slot_ip4[DP_MAX_SLOTS]; /* each slot's IPv4 source address */
	uint16_t slot_port[DP_MAX_SLOTS];
	struct rte_mempool *pool;
	uint64_t start_tsc;
	volatile bool quit;
};

extern struct dp dp;

/* The stream map slot of an IPv4 destination on port @pidx (the port's
 * own address, or one of its media-only addresses). */
static inline unsigned
dp_slot4(uint16_t pidx, uint32_t dst)
{
	const struct dp_port *p = &dp.ports[pidx];

	if (__builtin_expect(p->n_xip4 == 0 || dst == p->ip4, 1))
		return pidx;
	for (unsigned k = 0; k < p->n_xip4; k++)
		if (p->xip4[k] == dst)
			return p->xslot0 + k;
	return pidx;
}

/* Whether @dst is one of port @pidx's IPv4 addresses. */
static inline bool
dp_ip4_is_ours(const struct dp_port *p, uint32_t dst)
{
	if (p->has4 && dst == p->ip4)
		return true;
	for (unsigned k = 0; k < p->n_xip4; k++)
		if (p->xip4[k] == dst)
			return true;
	return false;
}

#endif
