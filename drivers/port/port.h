/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port adapters: turn a config port (pci, af_packet, af_xdp, memif, pcap,
 * ring, tap) into a DPDK ethdev, bring it up, and create the exception
 * tap that carries the appliance's addresses in the kernel. Boot-time
 * only, on the main lcore; may make system calls and log freely.
 */
#ifndef PORT_H
#define PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "cfg.h"

/*
 * EAL argument for config port @idx: writes the option ("--vdev" or "-a")
 * into @opt and its value into @val, and the ethdev name to look up after
 * rte_eal_init into @devname. @nq is the number of queue pairs wanted.
 * 0, or -EINVAL (with a reason in @err) for a kind this build cannot make.
 */
int port_eal_arg(const struct cfg_port *p, unsigned idx, unsigned nq,
		 char *opt, size_t optlen, char *val, size_t vallen,
		 char *devname, size_t devlen, char *err, size_t errlen);

/*
 * Configures @port_id with @nrxq/@ntxq queues from @mp and starts it.
 * Queue counts are capped to what the driver offers; nrxq and ntxq return
 * what was set up. 0 or -errno with a reason in @err.
 */
int port_start(uint16_t port_id, uint16_t *nrxq, uint16_t *ntxq,
	       const struct cfg_port *p, struct rte_mempool *mp,
	       char *err, size_t errlen);

/*
 * Creates and starts exception tap @ifname (ethdev "net_tap_cp<idx>")
 * with MAC @mac so the kernel answers as the appliance, one queue pair.
 */
int port_tap_create(const char *ifname, unsigned idx,
		    const struct rte_ether_addr *mac, uint16_t mtu,
		    struct rte_mempool *mp, uint16_t *port_id,
		    char *err, size_t errlen);

/* Kernel side of the tap (netlink). 0 or -errno. */
int kif_addr_add(const char *ifname, int family, const void *addr,
		 uint8_t plen);
int kif_default_route_add(const char *ifname, int family, const void *gw);

#endif
