/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Host stack and exception path, main lcore only (see host.h). Replies
 * are built in the received mbuf where they fit, sent through a worker's
 * tx ring (workers own the port tx queues). Anything this file does not
 * answer itself is punted to the kernel unchanged. The telemetry thread
 * reads the neighbour cache under neigh_lock and posts resolve requests
 * through a ring; it never sends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "host.h"
#include "neigh/neigh.h"
#include "worker/classify.h"

RTE_LOG_REGISTER_DEFAULT(host_logtype, INFO);
#define HOST_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, host_logtype, "host: " __VA_ARGS__)

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT 136
#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define AGE_INTERVAL_MS 250

struct resolve_req {
	uint8_t ip[16];
	uint32_t pad;
};

static struct neigh_table *neigh;
static rte_spinlock_t neigh_lock = RTE_SPINLOCK_INITIALIZER;
static struct rte_ring *req_ring;
static uint64_t last_age_ms;

static uint64_t
now_ms(void)
{
	return rte_get_timer_cycles() * 1000 / rte_get_timer_hz();
}

#define HCOUNT(pidx, ctr) (dp_stats[dp.main_lcore][(pidx)].c[DP_C_##ctr]++)

/* One's-complement sum folded to 16 bits, not inverted. */
static uint16_t
csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
icmp6_csum(const struct rte_ipv6_hdr *ip6, const void *l4, uint32_t len)
{
	uint32_t sum = rte_raw_cksum(ip6->src_addr, 32);

	sum += rte_raw_cksum(l4, len);
	sum += rte_cpu_to_be_32(len) >> 16;
	sum += rte_cpu_to_be_32(len) & 0xffff;
	sum += rte_cpu_to_be_16(IPPROTO_ICMPV6);
	return (uint16_t)~csum_fold(sum);
}

static void
send_port(uint16_t pidx, struct rte_mbuf *m)
{
	struct dp_worker *w = &dp.workers[pidx % dp.n_workers];

	m->port = pidx;
	if (rte_ring_sp_enqueue(w->to_tx, m) != 0) {
		HCOUNT(pidx, drop_tx_full);
		rte_pktmbuf_free(m);
	}
}

static void
punt(uint16_t pidx, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[pidx];

	if (!p->has_tap) {
		HCOUNT(pidx, drop_no_tap);
		rte_pktmbuf_free(m);
		return;
	}
	if (rte_eth_tx_burst(p->tap_id, 0, &m, 1) != 1) {
		HCOUNT(pidx, drop_tx_full);
		rte_pktmbuf_free(m);
		return;
	}
	HCOUNT(pidx, to_kernel);
}

static bool
ip4_on_link(const struct dp_port *p, uint32_t a)
{
	return p->has4 && ((a ^ p->ip4) & p->mask4) == 0;
}

static bool
ip6_is_ll(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static bool
ip6_on_link(const struct dp_port *p, const uint8_t *a)
{
	unsigned bits = p->plen6;

	if (!p->has6)
		return false;
	if (ip6_is_ll(a))
		return true;
	for (unsigned i = 0; i < 16 && bits; i++) {
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		if ((a[i] & m) != (p->ip6[i] & m))
			return false;
		bits = bits >= 8 ? bits - 8 : 0;
	}
	return true;
}

static void
learn(uint16_t pidx, const uint8_t ip[16], const uint8_t mac[6], bool create)
{
	int rc;

	rte_spinlock_lock(&neigh_lock);
	rc = neigh_confirm(neigh, pidx, ip, mac, now_ms(), create);
	rte_spinlock_unlock(&neigh_lock);
	if (rc == 0)
		HCOUNT(pidx, neigh_learned);
	else if (rc == -ENOSPC)
		HCOUNT(pidx, drop_neigh_full);
}

/* ---- ARP ---- */

static void
arp_input(uint16_t pidx, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *arp;
	uint8_t ip[16];
	uint16_t op;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*arp)) {
		HCOUNT(pidx, drop_bad_arp);
		rte_pktmbuf_free(m);
		return;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    arp->arp_hlen != 6 || arp->arp_plen != 4 ||
	    rte_is_multicast_ether_addr(&arp->arp_data.arp_sha)) {
		HCOUNT(pidx, drop_bad_arp);
		rte_pktmbuf_free(m);
		return;
	}
	if (!p->has4) {
		punt(pidx, m);
		return;
	}
	op = rte_be_to_cpu_16(arp->arp_opcode);
	neigh_ip4(arp->arp_data.arp_sip, ip);
	if (!dp_ip4_is_ours(p, arp->arp_data.arp_tip)) {
		/* Not about us: refresh a known sender, let the kernel see it. */
		if (arp->arp_data.arp_sip != 0 && ip4_on_link(p, arp->arp_data.arp_sip))
			learn(pidx, ip, arp->arp_data.arp_sha.addr_bytes, false);
		punt(pidx, m);
		return;
	}
	if (arp->arp_data.arp_sip != 0 && !dp_ip4_is_ours(p, arp->arp_data.arp_sip) &&
	    ip4_on_link(p, arp->arp_data.arp_sip))
		learn(pidx, ip, arp->arp_data.arp_sha.addr_bytes, true);

	if (op == RTE_ARP_OP_REPLY) {
		HCOUNT(pidx, arp_reply_in);
		/* The kernel may be the one that asked. */
		punt(pidx, m);
		return;
	}
	if (op != RTE_ARP_OP_REQUEST) {
		HCOUNT(pidx, drop_bad_arp);
		rte_pktmbuf_free(m);
		return;
	}
	HCOUNT(pidx, arp_request_in);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	{
		uint32_t asked = arp->arp_data.arp_tip;   /* ours: own or media-only */

		arp->arp_data.arp_tha = arp->arp_data.arp_sha;
		arp->arp_data.arp_tip = arp->arp_data.arp_sip;
		arp->arp_data.arp_sha = p->mac;
		arp->arp_data.arp_sip = asked;
	}
	eth->dst_addr = arp->arp_data.arp_tha;
	eth->src_addr = p->mac;
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - (uint32_t)(sizeof(*eth) + sizeof(*arp)));
	send_port(pidx, m);
}

static void
arp_send(uint16_t pidx, uint32_t tip, const uint8_t *dst_mac)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;

	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	arp = (struct rte_arp_hdr *)(eth + 1);
	if (dst_mac)
		memcpy(eth->dst_addr.addr_bytes, dst_mac, 6);
	else
		memset(eth->dst_addr.addr_bytes, 0xff, 6);
	eth->src_addr = p->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = 6;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = p->mac;
	arp->arp_data.arp_sip = p->ip4;
	memset(&arp->arp_data.arp_tha, 0, 6);
	arp->arp_data.arp_tip = tip;
	HCOUNT(pidx, arp_request_out);
	send_port(pidx, m);
}

/* ---- IPv4 ---- */

static void
ip4_input(uint16_t pidx, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
	struct rte_icmp_hdr *icmp;
	uint32_t ihl, tot, tmp;

	/* The worker checked version, ihl and lengths against data_len. */
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	if (!dp_ip4_is_ours(p, ip->dst_addr) || ip->next_proto_id != IPPROTO_ICMP ||
	    (rte_be_to_cpu_16(ip->fragment_offset) &
	     (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) ||
	    tot < ihl + sizeof(*icmp) || m->nb_segs != 1) {
		punt(pidx, m);
		return;
	}
	icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) {
		punt(pidx, m);
		return;
	}
	if (csum_fold(rte_raw_cksum(ip, ihl)) != 0xffff ||
	    csum_fold(rte_raw_cksum(icmp, tot - ihl)) != 0xffff) {
		HCOUNT(pidx, drop_bad_icmp);
		rte_pktmbuf_free(m);
		return;
	}
	HCOUNT(pidx, icmp_echo_in);
	/* Reply in place: swap addresses, type 0, fresh checksums. */
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - (uint32_t)sizeof(*eth) - tot);
	eth->dst_addr = eth->src_addr;
	eth->src_addr = p->mac;
	tmp = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = tmp;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = (uint16_t)~csum_fold(rte_raw_cksum(ip, ihl));
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = (uint16_t)~csum_fold(rte_raw_cksum(icmp, tot - ihl));
	send_port(pidx, m);
}

/* ---- IPv6: ND and echo ---- */

/* Finds the link-layer address option @type; NULL if absent. -1 in *bad
 * when the option list is malformed (RFC 4861 7.1.1: zero length). */
static const uint8_t *
nd_opt_lladdr(const uint8_t *opt, uint32_t len, uint8_t type, bool *bad)
{
	*bad = false;
	while (len >= 2) {
		uint32_t olen = (uint32_t)opt[1] * 8;

		if (olen == 0 || olen > len) {
			*bad = true;
			return NULL;
		}
		if (opt[0] == type && olen >= 8)
			return opt + 2;
		opt += olen;
		len -= olen;
	}
	return NULL;
}

static void
ns_reply(uint16_t pidx, const uint8_t *target, const uint8_t *dst_ip,
	 const uint8_t *dst_mac, bool solicited)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp;
	const uint32_t ilen = 32;

	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip6) + ilen);
	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	icmp = (uint8_t *)(ip6 + 1);
	memcpy(eth->dst_addr.addr_bytes, dst_mac, 6);
	eth->src_addr = p->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(ilen);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, target, 16);
	memcpy(ip6->dst_addr, dst_ip, 16);
	memset(icmp, 0, ilen);
	icmp[0] = ND_NEIGHBOR_ADVERT;
	icmp[4] = (uint8_t)((solicited ? 0x40 : 0) | 0x20); /* S, O */
	memcpy(icmp + 8, target, 16);
	icmp[24] = ND_OPT_TLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, p->mac.addr_bytes, 6);
	*(uint16_t *)(icmp + 2) = icmp6_csum(ip6, icmp, ilen);
	send_port(pidx, m);
}

static void
ns_send(uint16_t pidx, const uint8_t *target, const uint8_t *dst_mac)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_mbuf *m = rte_pktmbuf_alloc(dp.pool);
	struct rte_ether_hdr *eth;
	struct rte_ipv6_hdr *ip6;
	uint8_t *icmp;
	const uint32_t ilen = 32;

	if (m == NULL)
		return;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*ip6) + ilen);
	ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	icmp = (uint8_t *)(ip6 + 1);
	eth->src_addr = p->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16(ilen);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, ip6_is_ll(target) ? p->ip6_ll : p->ip6, 16);
	if (dst_mac != NULL) {
		memcpy(eth->dst_addr.addr_bytes, dst_mac, 6);
		memcpy(ip6->dst_addr, target, 16);
	} else {
		/* Solicited-node multicast ff02::1:ffXX:XXXX and its MAC. */
		static const uint8_t snm[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
						 0, 0, 0, 0x01, 0xff };
		memcpy(ip6->dst_addr, snm, 13);
		memcpy(ip6->dst_addr + 13, target + 13, 3);
		eth->dst_addr.addr_bytes[0] = 0x33;
		eth->dst_addr.addr_bytes[1] = 0x33;
		memcpy(eth->dst_addr.addr_bytes + 2, ip6->dst_addr + 12, 4);
	}
	memset(icmp, 0, ilen);
	icmp[0] = ND_NEIGHBOR_SOLICIT;
	memcpy(icmp + 8, target, 16);
	icmp[24] = ND_OPT_SLLA;
	icmp[25] = 1;
	memcpy(icmp + 26, p->mac.addr_bytes, 6);
	*(uint16_t *)(icmp + 2) = icmp6_csum(ip6, icmp, ilen);
	HCOUNT(pidx, nd_solicit_out);
	send_port(pidx, m);
}

static void
ip6_input(uint16_t pidx, struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);
	uint32_t plen = rte_be_to_cpu_16(ip6->payload_len);
	uint8_t *icmp = (uint8_t *)(ip6 + 1);
	static const uint8_t unspec[16];
	const uint8_t *ll;
	uint16_t csum;
	bool bad;

	if (!p->has6 || ip6->proto != IPPROTO_ICMPV6 || plen < 8 || m->nb_segs != 1) {
		punt(pidx, m);
		return;
	}
	csum = icmp6_csum(ip6, icmp, plen);
	if (csum != 0 && csum != 0xffff) {
		/* A correct checksum sums to zero (or its +0 twin). */
		HCOUNT(pidx, drop_bad_icmp);
		rte_pktmbuf_free(m);
		return;
	}
	switch (icmp[0]) {
	case ND_NEIGHBOR_SOLICIT: {
		const uint8_t *target = icmp + 8;
		bool from_unspec = memcmp(ip6->src_addr, unspec, 16) == 0;
		const uint8_t *reply_mac;

		if (plen < 24 || ip6->hop_limits != 255 || icmp[1] != 0) {
			HCOUNT(pidx, drop_bad_nd);
			rte_pktmbuf_free(m);
			return;
		}
		if (!dp_ip6_is_ours(p, target)) {
			punt(pidx, m);
			return;
		}
		ll = nd_opt_lladdr(icmp + 24, plen - 24, ND_OPT_SLLA, &bad);
		if (bad || (from_unspec && ll != NULL)) {
			HCOUNT(pidx, drop_bad_nd);
			rte_pktmbuf_free(m);
			return;
		}
		HCOUNT(pidx, nd_solicit_in);
		if (ll != NULL && !from_unspec)
			learn(pidx, ip6->src_addr, ll, true);
		if (from_unspec) {
			/* DAD by someone else for our address: tell all nodes. */
			static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
			static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };

			ns_reply(pidx, target, all_nodes, all_nodes_mac, false);
		} else {
			reply_mac = ll ? ll : eth->src_addr.addr_bytes;
			ns_reply(pidx, target, ip6->src_addr, reply_mac, true);
		}
		rte_pktmbuf_free(m);
		return;
	}
	case ND_NEIGHBOR_ADVERT:
		if (plen < 24 || ip6->hop_limits != 255 || icmp[1] != 0) {
			HCOUNT(pidx, drop_bad_nd);
			rte_pktmbuf_free(m);
			return;
		}
		ll = nd_opt_lladdr(icmp + 24, plen - 24, ND_OPT_TLLA, &bad);
		if (bad) {
			HCOUNT(pidx, drop_bad_nd);
			rte_pktmbuf_free(m);
			return;
		}
		HCOUNT(pidx, nd_advert_in);
		if (ll != NULL && ip6_on_link(p, icmp + 8) && !dp_ip6_is_ours(p, icmp + 8))
			learn(pidx, icmp + 8, ll, true);
		punt(pidx, m);
		return;
	case ICMP6_ECHO_REQUEST:
		if (!dp_ip6_is_ours(p, ip6->dst_addr) || icmp[1] != 0) {
			punt(pidx, m);
			return;
		}
		HCOUNT(pidx, icmp6_echo_in);
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) -
				 (uint32_t)(sizeof(*eth) + sizeof(*ip6) + plen));
		eth->dst_addr = eth->src_addr;
		eth->src_addr = p->mac;
		{
			uint8_t tmp[16];

			memcpy(tmp, ip6->src_addr, 16);
			memcpy(ip6->src_addr, ip6->dst_addr, 16);
			memcpy(ip6->dst_addr, tmp, 16);
		}
		ip6->hop_limits = 64;
		icmp[0] = ICMP6_ECHO_REPLY;
		icmp[2] = icmp[3] = 0;
		*(uint16_t *)(icmp + 2) = icmp6_csum(ip6, icmp, plen);
		send_port(pidx, m);
		return;
	default:
		punt(pidx, m);
		return;
	}
}

void
host_input(struct rte_mbuf *m)
{
	uint16_t pidx = m->port;
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	switch (rte_be_to_cpu_16(eth->ether_type)) {
	case RTE_ETHER_TYPE_ARP:
		arp_input(pidx, m);
		break;
	case RTE_ETHER_TYPE_IPV4:
		ip4_input(pidx, m);
		break;
	case RTE_ETHER_TYPE_IPV6:
		ip6_input(pidx, m);
		break;
	default:
		punt(pidx, m);
		break;
	}
}

/* ---- resolution ---- */

int
host_next_hop(const uint8_t ip[16], uint16_t *pidx, uint8_t nh[16])
{
	bool v4 = neigh_is_ip4(ip);
	uint32_t a4;

	memcpy(&a4, ip + 12, 4);
	for (uint16_t i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = &dp.ports[i];

		if (v4 ? ip4_on_link(p, a4) : ip6_on_link(p, ip)) {
			*pidx = i;
			memcpy(nh, ip, 16);
			return 0;
		}
	}
	for (uint16_t i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = &dp.ports[i];

		if (v4 && p->has_gw4) {
			*pidx = i;
			neigh_ip4(p->gw4, nh);
			return 0;
		}
		if (!v4 && p->has_gw6) {
			*pidx = i;
			memcpy(nh, p->gw6, 16);
			return 0;
		}
	}
	return -ENETUNREACH;
}

static void
solicit(uint16_t pidx, const uint8_t ip[16], const uint8_t *mac)
{
	if (neigh_is_ip4(ip)) {
		uint32_t a;

		memcpy(&a, ip + 12, 4);
		arp_send(pidx, a, mac);
	} else {
		ns_send(pidx, ip, mac);
	}
}

int
host_resolve(const uint8_t ip[16], uint8_t mac[6])
{
	enum neigh_action act;
	uint8_t nh[16], known[6];
	uint16_t pidx;
	bool ok;

	if (host_next_hop(ip, &pidx, nh) < 0)
		return -ENETUNREACH;
	rte_spinlock_lock(&neigh_lock);
	ok = neigh_lookup(neigh, pidx, nh, now_ms(), known, &act);
	rte_spinlock_unlock(&neigh_lock);
	if (act == NEIGH_SOLICIT)
		solicit(pidx, nh, NULL);
	else if (act == NEIGH_PROBE)
		solicit(pidx, nh, known);
	if (!ok)
		return act == NEIGH_NONE && neigh->used >= neigh->max ? -ENOSPC : 0;
	memcpy(mac, known, 6);
	return 1;
}

static void
age_cb(void *arg, const struct neigh_entry *e, enum neigh_action act)
{
	(void)arg;
	/* Called under neigh_lock: copy what the send needs. */
	solicit(e->port, e->ip, act == NEIGH_PROBE ? e->mac : NULL);
}

/* ---- telemetry (telemetry thread) ---- */

static void
ip16_str(const uint8_t ip[16], char *buf, size_t len)
{
	if (neigh_is_ip4(ip))
		inet_ntop(AF_INET, ip + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, ip, buf, (socklen_t)len);
}

static int
tel_neigh(const char *cmd, const char *params, struct rte_tel_data *d)
{
	uint64_t now = now_ms();

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&neigh_lock);
	for (uint32_t i = 0; i < neigh->size; i++) {
		const struct neigh_entry *e = &neigh->e[i];
		struct rte_tel_data *sub;
		char ip[INET6_ADDRSTRLEN], mac[RTE_ETHER_ADDR_FMT_SIZE];

		if (e->state == NEIGH_FREE)
			continue;
		sub = rte_tel_data_alloc();
		if (sub == NULL)
			break;
		rte_tel_data_start_dict(sub);
		ip16_str(e->ip, ip, sizeof(ip));
		rte_tel_data_add_dict_string(sub, "ip", ip);
		rte_ether_format_addr(mac, sizeof(mac), (const struct rte_ether_addr *)e->mac);
		rte_tel_data_add_dict_string(sub, "mac",
			e->state == NEIGH_INCOMPLETE ? "" : mac);
		rte_tel_data_add_dict_string(sub, "state", neigh_state_name(e->state));
		rte_tel_data_add_dict_string(sub, "port", dp.ports[e->port].name);
		rte_tel_data_add_dict_u64(sub, "age_ms",
			e->state == NEIGH_INCOMPLETE ? 0 : now - e->confirmed_ms);
		rte_tel_data_add_dict_int(sub, "probes", e->probes);
		/* Telemetry keys allow only [A-Za-z0-9_/]: 198_18_0_1, 2001_2__1. */
		for (char *c = ip; *c; c++)
			if (*c == '.' || *c == ':')
				*c = '_';
		if (rte_tel_data_add_dict_container(d, ip, sub, 0) < 0)
			rte_tel_data_free(sub);
	}
	rte_spinlock_unlock(&neigh_lock);
	return 0;
}

static int
tel_resolve(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct resolve_req r = { 0 };
	struct in_addr a4;

	(void)cmd;
	if (params == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, params, &a4) == 1)
		neigh_ip4(a4.s_addr, r.ip);
	else if (inet_pton(AF_INET6, params, r.ip) != 1)
		return -EINVAL;
	if (rte_ring_mp_enqueue_elem(req_ring, &r, sizeof(r)) != 0)
		return -ENOBUFS;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "resolve", params);
	rte_tel_data_add_dict_string(d, "status", "queued");
	return 0;
}

/* ---- main loop pieces ---- */

int
host_init(void)
{
	const struct cfg_neigh *nc = &dp.cfg->dp.neigh;
	int rc;

	rc = neigh_create(&neigh, nc->entries, nc->reachable_s * 1000u,
			  nc->stale_s * 1000u, nc->retry_ms);
	if (rc < 0)
		return rc;
	req_ring = rte_ring_create_elem("host_req", sizeof(struct resolve_req), 64,
					(int)rte_socket_id(), RING_F_SC_DEQ);
	if (req_ring == NULL)
		return -rte_errno;
	rte_telemetry_register_cmd("/callplane/neigh", tel_neigh,
		"Neighbour cache (ARP and ND): mac, state, age. No parameters");
	rte_telemetry_register_cmd("/callplane/neigh/resolve", tel_resolve,
		"Resolve the next hop of an address now. Parameters: IPv4 or IPv6 address");
	return 0;
}

void
host_fini(void)
{
	rte_spinlock_lock(&neigh_lock);
	neigh_free(neigh);
	neigh = NULL;
	rte_spinlock_unlock(&neigh_lock);
	rte_ring_free(req_ring);
}

unsigned
host_poll(void)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned done = 0;
	uint64_t now;
	struct resolve_req r;

	for (unsigned w = 0; w < dp.n_workers; w++) {
		unsigned n = rte_ring_sc_dequeue_burst(dp.workers[w].to_host,
						       (void **)pkts, DP_BURST, NULL);
		for (unsigned i = 0; i < n; i++)
			host_input(pkts[i]);
		done += n;
	}
	for (uint16_t i = 0; i < dp.n_ports; i++) {
		const struct dp_port *p = &dp.ports[i];
		uint16_t n;

		if (!p->has_tap)
			continue;
		n = rte_eth_rx_burst(p->tap_id, 0, pkts, DP_BURST);
		for (uint16_t k = 0; k < n; k++) {
			HCOUNT(i, from_kernel);
			send_port(i, pkts[k]);
		}
		done += n;
	}
	while (rte_ring_sc_dequeue_elem(req_ring, &r, sizeof(r)) == 0) {
		uint8_t mac[6];
		int rc = host_resolve(r.ip, mac);

		if (rc < 0)
			HOST_LOG(NOTICE, "resolve: no route (%d)\n", rc);
		done++;
	}
	now = now_ms();
	if (now - last_age_ms >= AGE_INTERVAL_MS) {
		last_age_ms = now;
		rte_spinlock_lock(&neigh_lock);
		neigh_age(neigh, now, age_cb, NULL);
		rte_spinlock_unlock(&neigh_lock);
	}
	return done;
}
