/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media relay on worker lcores (see flow.h): lookup by local port, strict
 * source check (a stream only accepts its peer: RTP-bleed safe), header
 * rewrite to the other leg, per-stream counters and RTP statistics.
 * No locks, no calls that block, drops counted by reason.
 */
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "flow.h"

extern uint32_t *flow_map;

int
flow_forward(unsigned lc, uint16_t pidx, struct rte_mbuf *m, enum dp_counter *why)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *udp;
	struct flow_stream *s, *o;
	const struct dp_port *op;
	uint32_t idx, ihl;
	uint16_t plen;

	(void)lc;
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		*why = DP_C_drop_media_no_stream; /* IPv6 media: next step */
		return -1;
	}
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
	idx = __atomic_load_n(&flow_map[pidx * 65536u + rte_be_to_cpu_16(udp->dst_port)],
			      __ATOMIC_ACQUIRE);
	if (idx == 0) {
		*why = DP_C_drop_media_no_stream;
		return -1;
	}
	s = &flow_streams[idx - 1];
	if (unlikely(ip->src_addr != s->peer_ip || udp->src_port != s->peer_port)) {
		s->drop_source++;
		*why = DP_C_drop_bad_source;
		return -1;
	}
	o = &flow_streams[s->out];
	if (unlikely(!o->mac_ok)) {
		s->drop_no_neigh++;
		*why = DP_C_drop_no_neigh;
		return -1;
	}
	s->pkts++;
	s->bytes += rte_pktmbuf_pkt_len(m);
	s->last_tsc = rte_rdtsc();
	plen = rte_be_to_cpu_16(ip->total_length);
	if (!s->rtcp && plen >= ihl + 8 + 12) {
		const uint8_t *rtp = (const uint8_t *)(udp + 1);

		if ((rtp[0] >> 6) == 2) {
			uint16_t seq = (uint16_t)(rtp[2] << 8 | rtp[3]);
			uint32_t ts = (uint32_t)rtp[4] << 24 | (uint32_t)rtp[5] << 16 |
				      (uint32_t)rtp[6] << 8 | rtp[7];
			/* arrival in 8 kHz units (G.711 clock) */
			uint32_t arr = (uint32_t)(s->last_tsc / (rte_get_tsc_hz() / 8000));

			rtpstat_update(&s->rs, seq, ts, arr);
		}
	}
	op = &dp.ports[o->port_idx];
	rte_ether_addr_copy((const struct rte_ether_addr *)o->peer_mac, &eth->dst_addr);
	rte_ether_addr_copy(&op->mac, &eth->src_addr);
	ip->src_addr = op->ip4;
	ip->dst_addr = o->peer_ip;
	ip->time_to_live = 64;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	udp->src_port = o->local_port;
	udp->dst_port = o->peer_port;
	udp->dgram_cksum = 0;
	udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
	/* Ethernet padding of short frames must not travel on. */
	if (rte_pktmbuf_pkt_len(m) > sizeof(*eth) + plen)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - (uint32_t)sizeof(*eth) - plen);
	return o->port_idx;
}
