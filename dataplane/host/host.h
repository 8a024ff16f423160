/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's host stack on the main lcore: answers ARP, IPv6 ND and
 * ICMP/ICMPv6 echo for our addresses, keeps the neighbour cache (with
 * ageing and next-hop resolution), and runs the exception path: frames
 * the dataplane does not own go to the kernel through each port's tap,
 * and what the kernel sends on the tap leaves through the port.
 * Every function here runs on the main lcore unless noted.
 */
#ifndef DP_HOST_H
#define DP_HOST_H

#include <stdint.h>

#include "dp.h"

/* Boot: neighbour table, request ring, telemetry commands. 0 or -errno. */
int host_init(void);
void host_fini(void);

/*
 * One pass: frames from the workers, frames from the taps, queued
 * requests, and (every few hundred ms) neighbour ageing.
 * Returns the number of frames handled, 0 when idle.
 */
unsigned host_poll(void);

/*
 * Handles one frame a worker passed up (m->port = port index): answers,
 * learns, punts or drops it. Consumes @m. Called by host_poll(); public
 * for the fuzz target.
 */
struct rte_mbuf;
void host_input(struct rte_mbuf *m);

/*
 * Next hop for @ip (16 bytes, IPv4-mapped for v4): port index and the
 * address to resolve (the destination when on-link, else the gateway).
 * 0, or -ENETUNREACH.
 */
int host_next_hop(const uint8_t ip[16], uint16_t *pidx, uint8_t nh[16]);

/*
 * Starts resolution of @ip's next hop (solicits when needed). Returns 1 and
 * fills @mac when already known, 0 when a solicitation is pending, or
 * -errno.
 */
int host_resolve(const uint8_t ip[16], uint8_t mac[6]);

#endif
