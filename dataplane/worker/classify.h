/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * First look at a received frame on a worker lcore: is it media we own,
 * something for the host stack / kernel (ARP, ICMP, SIP, SSH, unknown), or
 * a drop (and why)? Pure function of the bytes and the port's addresses,
 * so unit tests feed it raw frames. Hot path: no calls, no writes.
 */
#ifndef DP_CLASSIFY_H
#define DP_CLASSIFY_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"

enum dp_verdict {
	DP_V_HOST,   /* main lcore: ARP/ND/ICMP or punt to the kernel */
	DP_V_MEDIA,  /* UDP to our address inside the media port range */
	DP_V_DROP,   /* *reason says why */
};

static inline int
dp_ip6_is_ours(const struct dp_port *p, const uint8_t *a)
{
	return p->has6 && (memcmp(a, p->ip6, 16) == 0 || memcmp(a, p->ip6_ll, 16) == 0);
}

static inline enum dp_verdict
dp_classify(const struct dp_port *p, const uint8_t *f, uint32_t len,
	    uint16_t media_min, uint16_t media_max, enum dp_counter *reason)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)f;
	uint16_t type;
	uint32_t off = sizeof(*eth);

	if (unlikely(len < sizeof(*eth))) {
		*reason = DP_C_drop_runt;
		return DP_V_DROP;
	}
	if (unlikely(rte_is_same_ether_addr(&eth->src_addr, &p->mac))) {
		*reason = DP_C_drop_looped;
		return DP_V_DROP;
	}
	if (!rte_is_multicast_ether_addr(&eth->dst_addr) &&
	    !rte_is_same_ether_addr(&eth->dst_addr, &p->mac)) {
		*reason = DP_C_drop_other_mac;
		return DP_V_DROP;
	}
	type = rte_be_to_cpu_16(eth->ether_type);

	if (type == RTE_ETHER_TYPE_IPV4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + off);
		uint32_t ihl, tot;

		if (unlikely(len < off + sizeof(*ip))) {
			*reason = DP_C_drop_runt;
			return DP_V_DROP;
		}
		ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
		tot = rte_be_to_cpu_16(ip->total_length);
		if (unlikely((ip->version_ihl >> 4) != 4 || ihl < 20 || tot < ihl ||
			     len < off + tot)) {
			*reason = DP_C_drop_bad_ip;
			return DP_V_DROP;
		}
		if (dp_ip4_is_ours(p, ip->dst_addr)) {
			/* Fragments go to the kernel: only it can reassemble. */
			uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);

			if (ip->next_proto_id == IPPROTO_UDP &&
			    !(frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) &&
			    tot >= ihl + sizeof(struct rte_udp_hdr)) {
				const struct rte_udp_hdr *u =
					(const struct rte_udp_hdr *)(f + off + ihl);
				uint16_t dport = rte_be_to_cpu_16(u->dst_port);

				if (dport >= media_min && dport <= media_max)
					return DP_V_MEDIA;
			}
			return DP_V_HOST;
		}
		/* Broadcast and multicast are the kernel's business. */
		if (ip->dst_addr == RTE_BE32(0xffffffff) ||
		    (rte_be_to_cpu_32(ip->dst_addr) >> 28) == 0xe ||
		    (p->has4 && (ip->dst_addr | p->mask4) == 0xffffffff &&
		     ((ip->dst_addr ^ p->ip4) & p->mask4) == 0))
			return DP_V_HOST;
		*reason = DP_C_drop_not_ours;
		return DP_V_DROP;
	}
	if (type == RTE_ETHER_TYPE_IPV6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(f + off);
		uint32_t plen;

		if (unlikely(len < off + sizeof(*ip6))) {
			*reason = DP_C_drop_runt;
			return DP_V_DROP;
		}
		plen = rte_be_to_cpu_16(ip6->payload_len);
		if (unlikely((f[off] >> 4) != 6 || len < off + sizeof(*ip6) + plen)) {
			*reason = DP_C_drop_bad_ip;
			return DP_V_DROP;
		}
		if (dp_ip6_is_ours(p, ip6->dst_addr)) {
			if (ip6->proto == IPPROTO_UDP && plen >= sizeof(struct rte_udp_hdr)) {
				const struct rte_udp_hdr *u = (const struct rte_udp_hdr *)
					(f + off + sizeof(*ip6));
				uint16_t dport = rte_be_to_cpu_16(u->dst_port);

				if (dport >= media_min && dport <= media_max)
					return DP_V_MEDIA;
			}
			return DP_V_HOST;
		}
		if (ip6->dst_addr[0] == 0xff)
			return DP_V_HOST;
		*reason = DP_C_drop_not_ours;
		return DP_V_DROP;
	}
	/* ARP, VLAN, LLDP, anything else: the main lcore decides or punts. */
	return DP_V_HOST;
}

#endif
