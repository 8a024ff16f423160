/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port adapters (see port.h). Boot-time only, main lcore.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

#include "port.h"

int
port_eal_arg(const struct cfg_port *p, unsigned idx, unsigned nq,
	     char *opt, size_t optlen, char *val, size_t vallen,
	     char *devname, size_t devlen, char *err, size_t errlen)
{
	int n = 0;

	snprintf(opt, optlen, "--vdev");
	switch (p->kind) {
	case CFG_PORT_PCI:
		snprintf(opt, optlen, "-a");
		n = snprintf(val, vallen, "%s", p->pci);
		snprintf(devname, devlen, "%s", p->pci);
		break;
	case CFG_PORT_AF_PACKET:
		snprintf(devname, devlen, "net_af_packet%u", idx);
		/* qpairs sockets share a fanout group: every one must be polled.
		 * The kernel ring holds rx_desc/tx_desc frames (even: two 2 KiB
		 * frames per 4 KiB block); a deep ring rides out a worker that
		 * a shared core descheduled for a few milliseconds. */
		n = snprintf(val, vallen, "%s,iface=%s,qpairs=%u,framecnt=%u", devname, p->iface,
			     nq, (RTE_MAX(p->rx_desc, p->tx_desc) + 1) & ~1u);
		break;
	case CFG_PORT_AF_XDP:
		snprintf(devname, devlen, "net_af_xdp%u", idx);
		n = snprintf(val, vallen, "%s,iface=%s,start_queue=%u,queue_count=%u",
			     devname, p->iface, p->start_queue, nq);
		break;
	case CFG_PORT_MEMIF:
		snprintf(devname, devlen, "net_memif%u", idx);
		n = snprintf(val, vallen, "%s,role=%s,socket=%s,id=%u,socket-abstract=no",
			     devname, p->role == CFG_MEMIF_SERVER ? "server" : "client",
			     p->socket, p->id);
		break;
	case CFG_PORT_PCAP:
		snprintf(devname, devlen, "net_pcap%u", idx);
		if (p->iface)
			n = snprintf(val, vallen, "%s,iface=%s", devname, p->iface);
		else
			n = snprintf(val, vallen, "%s,rx_pcap=%s%s%s", devname, p->rx_pcap,
				     p->tx_pcap ? ",tx_pcap=" : "",
				     p->tx_pcap ? p->tx_pcap : "");
		break;
	case CFG_PORT_RING:
		snprintf(devname, devlen, "net_ring_%s", p->ring);
		n = snprintf(val, vallen, "%s", devname);
		break;
	case CFG_PORT_TAP:
		snprintf(devname, devlen, "net_tap%u", idx);
		n = snprintf(val, vallen, "%s,iface=%s", devname, p->iface);
		break;
	default:
		snprintf(err, errlen, "port %s: unknown kind %u", p->name, p->kind);
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= vallen) {
		snprintf(err, errlen, "port %s: device arguments too long", p->name);
		return -EINVAL;
	}
	return 0;
}

static int
setup_queues(uint16_t port_id, uint16_t *nrxq, uint16_t *ntxq, uint16_t rx_desc,
	     uint16_t tx_desc, uint16_t mtu, struct rte_mempool *mp,
	     char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "dev_info_get: %s", rte_strerror(-rc));
		return rc;
	}
	if (*nrxq > info.max_rx_queues)
		*nrxq = info.max_rx_queues;
	if (*ntxq > info.max_tx_queues) {
		snprintf(err, errlen, "driver %s offers %u tx queues, %u needed (one per worker)",
			 info.driver_name, info.max_tx_queues, *ntxq);
		return -ENOTSUP;
	}
	if (*nrxq > 1) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		if (conf.rx_adv_conf.rss_conf.rss_hf == 0)
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
	}
	rc = rte_eth_dev_configure(port_id, *nrxq, *ntxq, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "configure %u/%u queues: %s", *nrxq, *ntxq,
			 rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &rx_desc, &tx_desc);
	if (rc < 0) {
		snprintf(err, errlen, "descriptors: %s", rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_set_mtu(port_id, mtu);
	if (rc < 0 && rc != -ENOTSUP && rc != -EINVAL) {
		snprintf(err, errlen, "mtu %u: %s", mtu, rte_strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < *nrxq; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, rx_desc,
					    (unsigned)rte_eth_dev_socket_id(port_id), NULL, mp);
		if (rc < 0) {
			snprintf(err, errlen, "rx queue %u: %s", q, rte_strerror(-rc));
			return rc;
		}
	}
	for (uint16_t q = 0; q < *ntxq; q++) {
		rc = rte_eth_tx_queue_setup(port_id, q, tx_desc,
					    (unsigned)rte_eth_dev_socket_id(port_id), NULL);
		if (rc < 0) {
			snprintf(err, errlen, "tx queue %u: %s", q, rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		snprintf(err, errlen, "start: %s", rte_strerror(-rc));
		return rc;
	}
	return 0;
}

int
port_start(uint16_t port_id, uint16_t *nrxq, uint16_t *ntxq,
	   const struct cfg_port *p, struct rte_mempool *mp, char *err, size_t errlen)
{
	int rc;

	rc = setup_queues(port_id, nrxq, ntxq, (uint16_t)p->rx_desc,
			  (uint16_t)p->tx_desc, (uint16_t)p->mtu, mp, err, errlen);
	if (rc < 0)
		return rc;
	if (p->promiscuous)
		rte_eth_promiscuous_enable(port_id);
	/* IPv6 ND arrives on solicited-node multicast MACs. */
	rte_eth_allmulticast_enable(port_id);
	return 0;
}

int
port_tap_create(const char *ifname, unsigned idx, const struct rte_ether_addr *mac,
		uint16_t mtu, struct rte_mempool *mp, uint16_t *port_id,
		char *err, size_t errlen)
{
	char name[64], args[160], macs[RTE_ETHER_ADDR_FMT_SIZE];
	uint16_t one_rx = 1, one_tx = 1;
	int rc;

	rte_ether_format_addr(macs, sizeof(macs), mac);
	snprintf(name, sizeof(name), "net_tap_cp%u", idx);
	snprintf(args, sizeof(args), "%s,iface=%s,mac=%s", name, ifname, macs);
	rc = rte_dev_probe(args);
	if (rc < 0) {
		snprintf(err, errlen, "exception tap %s: cannot create (%s)", ifname,
			 rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_get_port_by_name(name, port_id);
	if (rc < 0) {
		snprintf(err, errlen, "exception tap %s: no ethdev", ifname);
		return rc;
	}
	rc = setup_queues(*port_id, &one_rx, &one_tx, 512, 512, mtu, mp, err, errlen);
	if (rc < 0)
		return rc;
	return 0;
}
