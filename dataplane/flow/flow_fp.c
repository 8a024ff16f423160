/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media relay on worker lcores (see flow.h): lookup by local port, strict
 * source check (a stream only accepts its peer: RTP-bleed safe), header
 * rewrite to the other leg, per-stream counters and RTP statistics.
 * No locks, no calls that block, drops counted by reason.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "flow.h"
#include "flow/cksum.h"
#include "common/sdp.h"
#include "dsp/dsp.h"
#include "rec/rec.h"

extern uint32_t *flow_map;

/*
 * The UDP checksum after the addresses and ports changed, from the old one
 * (RFC 1624: HC' = ~(~HC + ~m + m')); the payload is untouched, so it is
 * never summed again. The pseudo-header's length and protocol add the
 * same in IPv4 and IPv6, so the rule holds when bridging families too.
 */
static inline uint16_t
cksum_adjust(uint16_t old, uint32_t old_sum, uint32_t new_sum)
{
	uint16_t c = (uint16_t)~cksum_fold((uint32_t)(uint16_t)~old +
					   (uint16_t)~cksum_fold(old_sum) + cksum_fold(new_sum));

	return c == 0 ? 0xffff : c;
}

/* Writes Ethernet + IP headers for @o in front of the UDP header at @udp
 * (which stays where it is), growing or shrinking the headroom as the
 * family needs. Returns the new IP header length, or 0 if no room. */
uint32_t
flow_build_headers(struct rte_mbuf *m, const struct flow_stream *o, const struct dp_port *op,
		   uint8_t *udp, uint16_t udp_len)
{
	uint32_t iphl = o->v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint8_t *start = rte_pktmbuf_mtod(m, uint8_t *);
	int64_t delta = (udp - start) - (int64_t)(sizeof(struct rte_ether_hdr) + iphl);
	struct rte_ether_hdr *eth;

	if (delta > 0) {
		rte_pktmbuf_adj(m, (uint16_t)delta);
	} else if (delta < 0 && rte_pktmbuf_prepend(m, (uint16_t)-delta) == NULL) {
		return 0;
	}
	eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	rte_ether_addr_copy((const struct rte_ether_addr *)o->peer_mac, &eth->dst_addr);
	rte_ether_addr_copy(&op->mac, &eth->src_addr);
	if (o->v6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(udp_len);
		ip6->proto = IPPROTO_UDP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, op->ip6, 16);
		memcpy(ip6->dst_addr, o->peer_ip6, 16);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->type_of_service = 0;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(udp_len + iphl));
		ip->packet_id = 0;
		ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_UDP;
		ip->src_addr = dp.slot_ip4[o->slot];
		ip->dst_addr = o->peer_ip;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return iphl;
}

/*
 * A packet from a source that is not the stream's peer. Returns true when
 * it completes a latch (the stream now belongs to that source, NAT); the
 * packet is then relayed. RTP-bleed: only before the stream accepted any
 * packet, only a run of FLOW_LATCH_RUN packets from one source with one
 * SSRC, only within the first FLOW_LATCH_WINDOW packets.
 */
static bool
try_latch(struct flow_stream *s, const struct rte_ether_hdr *eth, bool v6,
	  const void *src_ip, uint16_t src_port, const struct rte_udp_hdr *udp,
	  uint16_t udp_len)
{
	const uint8_t *p = (const uint8_t *)(udp + 1);
	uint32_t ssrc;
	bool same;

	if (s->strict || s->latched || s->pkts != 0 || v6 != s->v6 ||
	    s->latch_seen >= FLOW_LATCH_WINDOW)
		return false;
	s->latch_seen++;
	/* RTP: SSRC at 8; RTCP: sender SSRC at 4. Version 2 either way. */
	if (udp_len < sizeof(*udp) + 12 || (p[0] >> 6) != 2)
		return false;
	ssrc = s->rtcp ? (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7]
		       : (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	same = s->latch_run > 0 && s->latch_port == src_port && s->latch_ssrc == ssrc &&
	       (v6 ? memcmp(s->latch_ip6, src_ip, 16) == 0
		   : s->latch_ip == *(const uint32_t *)src_ip);
	if (!same) {
		s->latch_run = 1;
		s->latch_port = src_port;
		s->latch_ssrc = ssrc;
		if (v6)
			memcpy(s->latch_ip6, src_ip, 16);
		else
			s->latch_ip = *(const uint32_t *)src_ip;
		return false;
	}
	if (++s->latch_run < FLOW_LATCH_RUN)
		return false;
	/* Adopt the source; the frame's source MAC is our next hop to it. */
	if (v6)
		memcpy(s->peer_ip6, src_ip, 16);
	else
		s->peer_ip = *(const uint32_t *)src_ip;
	s->peer_port = src_port;
	memcpy(s->peer_mac, eth->src_addr.addr_bytes, 6);
	__atomic_store_n(&s->mac_ok, 1, __ATOMIC_RELEASE);
	s->latched = 1;
	return true;
}

/* The UDP header of a media packet (the classifier checked its IP
 * header), its length as IP says, and its stream map word. */
static inline struct rte_udp_hdr *
media_udp(uint16_t pidx, struct rte_mbuf *m, uint16_t *udp_len, const uint32_t **word)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_udp_hdr *udp;
	uint32_t slot;

	/* the classifier checked the IP header and that it holds a UDP header */
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		uint32_t ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;

		udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
		*udp_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - ihl);
		slot = word != NULL ? dp_slot4(pidx, ip->dst_addr) : pidx;
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		udp = (struct rte_udp_hdr *)(ip6 + 1);
		*udp_len = rte_be_to_cpu_16(ip6->payload_len);
		slot = pidx;
	}
	if (word != NULL)
		*word = &flow_map[slot * 65536u + rte_be_to_cpu_16(udp->dst_port)];
	return udp;
}

const uint32_t *
flow_map_word(uint16_t pidx, struct rte_mbuf *m)
{
	const uint32_t *w;
	uint16_t len;

	media_udp(pidx, m, &len, &w);
	return w;
}

bool
flow_srtp_rx_prep(uint32_t idx, struct rte_mbuf *m, struct srtp_op *op)
{
	struct flow_stream *s = idx ? &flow_streams[idx - 1] : NULL;
	struct rte_udp_hdr *udp;
	uint16_t udp_len;
	uint8_t *p;

	/* the same checks as flow_forward's, up to its unprotect */
	if (s == NULL || s->srtp_rx == NULL)
		return false;
	udp = media_udp(s->port_idx, m, &udp_len, NULL);
	if (udp_len < sizeof(*udp) || udp_len != rte_be_to_cpu_16(udp->dgram_len))
		return false;
	p = (uint8_t *)(udp + 1);
	if (p + udp_len - sizeof(*udp) > rte_pktmbuf_mtod(m, uint8_t *) + rte_pktmbuf_data_len(m))
		return false;
	/* its keys were prefetched by the worker (flow_prefetch_srtp) */
	op->x = s->srtp_rx;
	op->st = &s->srtp_rx_st;
	op->pkt = p;
	op->len = op->cap = (uint16_t)(udp_len - sizeof(*udp));
	op->kind = s->rtcp ? SRTP_OP_UNPROTECT_RTCP : SRTP_OP_UNPROTECT;
	return true;
}

int
flow_forward(unsigned lc, uint16_t pidx, struct rte_mbuf *m, enum dp_counter *why,
	     const struct srtp_op *rx, uint32_t idx, struct srtp_op *tx)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_udp_hdr *udp;
	struct flow_stream *s, *o;
	const struct dp_port *op;
	uint32_t iphl;
	uint16_t udp_len;
	bool src_ok, v6 = false, mask = false, recksum = false;
	const void *src_ip;
	uint32_t old_sum;

	/* The classifier checked the IP header and that it holds a UDP header. */
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
		uint32_t ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;

		udp = (struct rte_udp_hdr *)((uint8_t *)ip + ihl);
		udp_len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - ihl);
		s = idx ? &flow_streams[idx - 1] : NULL;
		src_ok = s && !s->v6 && ip->src_addr == s->peer_ip;
		src_ip = &ip->src_addr;
		old_sum = rte_raw_cksum(&ip->src_addr, 8);   /* source, destination */
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(eth + 1);

		udp = (struct rte_udp_hdr *)(ip6 + 1);
		udp_len = rte_be_to_cpu_16(ip6->payload_len);
		s = idx ? &flow_streams[idx - 1] : NULL;
		src_ok = s && s->v6 && memcmp(ip6->src_addr, s->peer_ip6, 16) == 0;
		src_ip = ip6->src_addr;
		old_sum = rte_raw_cksum(ip6->src_addr, 32);
		v6 = true;
	}
	if (s == NULL) {
		*why = DP_C_drop_media_no_stream;
		return -1;
	}
	if (unlikely(udp_len < sizeof(*udp) || udp_len != rte_be_to_cpu_16(udp->dgram_len))) {
		*why = DP_C_drop_bad_ip;
		return -1;
	}
	if (s->srtp_rx != NULL) {
		/* authenticate first: an unauthenticated packet never latches a
		 * peer, never counts, and is never forwarded */
		uint8_t *p = (uint8_t *)(udp + 1);
		unsigned n = udp_len - sizeof(*udp);
		int r;

		if (unlikely(p + n > rte_pktmbuf_mtod(m, uint8_t *) + rte_pktmbuf_data_len(m))) {
			*why = DP_C_drop_bad_ip;
			return -1;
		}
		if (rx != NULL)
			r = rx->rc;       /* done with the rest of the burst */
		else
			r = s->rtcp ? srtp_xf_unprotect_rtcp(s->srtp_rx, &s->srtp_rx_st, p, n)
				    : srtp_xf_unprotect(s->srtp_rx, &s->srtp_rx_st, p, n);
		if (unlikely(r < 0)) {
			s->drop_srtp++;
			*why = r == -EALREADY || r == -ESTALE ? DP_C_drop_srtp_replay
							      : DP_C_drop_srtp_auth;
			return -1;
		}
		DP_COUNT(lc, pidx, srtp_decrypted, 1);
		udp_len = (uint16_t)(sizeof(*udp) + (unsigned)r);
		udp->dgram_len = rte_cpu_to_be_16(udp_len);
		recksum = true;
	}
	if (unlikely((!src_ok || udp->src_port != s->peer_port) &&
		     !try_latch(s, eth, v6, src_ip, udp->src_port, udp, udp_len))) {
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
	s->bytes += udp_len;
	s->last_tsc = rte_rdtsc();
	if (!s->rtcp && udp_len >= sizeof(*udp) + 12) {
		const uint8_t *rtp = (const uint8_t *)(udp + 1);

		if ((rtp[0] >> 6) == 2) {
			uint16_t seq = (uint16_t)(rtp[2] << 8 | rtp[3]);
			uint32_t ts = (uint32_t)rtp[4] << 24 | (uint32_t)rtp[5] << 16 |
				      (uint32_t)rtp[6] << 8 | rtp[7];
			/* arrival in the codec's RTP clock units (multiply, no divide) */
			uint32_t arr = (uint32_t)(((unsigned __int128)s->last_tsc * s->tick_mul) >> 40);

			rtpstat_update(&s->rs, seq, ts, arr);
			/* recorded: the packet itself (one more reference) to the
			 * recorder; audio only (telephone-events are not sound) */
			if (s->rec && ((rtp[1] & 0x7f) == 0 || (rtp[1] & 0x7f) == 8))
				rec_tap(lc, s, m, rtp, (uint16_t)(udp_len - sizeof(*udp)),
					flow_streams[s->out].srtp_tx != NULL);
			if (s->inband && (rtp[1] & 0x7f) == s->inband_pt) {
				if (s->dtmf_block)
					mask = true;   /* fed with the packet itself below */
				else
					dsp_feed(lc, s, idx - 1, rtp, (uint16_t)(udp_len - sizeof(*udp)));
			} else if (sdp_te_pt(s->te_pts, rtp[1] & 0x7f) &&
			    dtmf_rfc4733(lc, s, idx - 1, rtp, (uint16_t)(udp_len - sizeof(*udp))) &&
			    s->dtmf_block) {
				*why = DP_C_drop_dtmf_blocked;
				return -1;
			}
		}
	}
	op = &dp.ports[o->port_idx];
	/* Ethernet padding of short frames must not travel on. */
	{
		uint32_t keep = (uint32_t)((uint8_t *)udp - rte_pktmbuf_mtod(m, uint8_t *)) + udp_len;

		if (rte_pktmbuf_pkt_len(m) > keep)
			rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - keep);
	}
	if (unlikely(o->playing)) {
		/* a prompt plays to that party instead of what we relay */
		*why = DP_C_drop_playback;
		return -1;
	}
	if (o->srtp_tx != NULL && tx != NULL && !mask) {
		/* protected with the rest of the burst: flow_protect_finish */
		unsigned n = udp_len - sizeof(*udp), room = rte_pktmbuf_tailroom(m);

		tx->x = o->srtp_tx;
		tx->st = &o->srtp_tx_st;
		tx->pkt = (uint8_t *)(udp + 1);
		tx->len = (uint16_t)n;
		tx->cap = (uint16_t)RTE_MIN(n + room, (unsigned)UINT16_MAX);
		tx->kind = o->rtcp ? SRTP_OP_PROTECT_RTCP : SRTP_OP_PROTECT;
		return FLOW_PROTECT;
	}
	if (o->srtp_tx != NULL) {
		uint8_t *p = (uint8_t *)(udp + 1);
		unsigned n = udp_len - sizeof(*udp), room = rte_pktmbuf_tailroom(m);
		int r;

		r = o->rtcp ? srtp_xf_protect_rtcp(o->srtp_tx, &o->srtp_tx_st, p, n, n + room)
			    : srtp_xf_protect(o->srtp_tx, &o->srtp_tx_st, p, n, n + room);
		if (unlikely(r < 0 || rte_pktmbuf_append(m, (uint16_t)((unsigned)r - n)) == NULL)) {
			*why = DP_C_drop_srtp_tx;
			return -1;
		}
		DP_COUNT(lc, o->port_idx, srtp_encrypted, 1);
		udp_len = (uint16_t)(sizeof(*udp) + (unsigned)r);
		udp->dgram_len = rte_cpu_to_be_16(udp_len);
		recksum = true;
	}
	iphl = flow_build_headers(m, o, op, (uint8_t *)udp, udp_len);
	if (unlikely(iphl == 0)) {
		*why = DP_C_drop_tx_full;
		return -1;
	}
	old_sum += rte_raw_cksum(udp, 4);                   /* the ports */
	{
		uint16_t old_ck = udp->dgram_cksum;
		const uint8_t *l3 = rte_pktmbuf_mtod(m, uint8_t *) + sizeof(struct rte_ether_hdr);
		uint32_t new_sum;

		udp->src_port = o->local_port;
		udp->dst_port = o->peer_port;
		if (unlikely(recksum)) {
			/* the payload changed (SRTP): summed anew */
			udp->dgram_cksum = cksum_udp_new(l3, o->v6, udp);
		} else if (o->v6) {
			new_sum = rte_raw_cksum(((const struct rte_ipv6_hdr *)l3)->src_addr, 32);
			new_sum += rte_raw_cksum(udp, 4);
			/* IPv4 may omit the checksum; IPv6 must carry one */
			if (old_ck == 0) {
				udp->dgram_cksum = 0;
				udp->dgram_cksum = rte_ipv6_udptcp_cksum(
					(const struct rte_ipv6_hdr *)l3, udp);
			} else {
				udp->dgram_cksum = cksum_adjust(old_ck, old_sum, new_sum);
			}
		} else if (old_ck != 0) {
			new_sum = rte_raw_cksum(&((const struct rte_ipv4_hdr *)l3)->src_addr, 8);
			new_sum += rte_raw_cksum(udp, 4);
			udp->dgram_cksum = cksum_adjust(old_ck, old_sum, new_sum);
		}
	}
	if (unlikely(mask)) {
		/* DTMF blocked on an in-band stream: the dsp role holds the
		 * packet until it knows whether a tone is in it (PCI masking) */
		m->port = o->port_idx;
		if (dsp_hold(lc, s, idx - 1, m, (uint16_t)((uint8_t *)(udp + 1) -
							  rte_pktmbuf_mtod(m, uint8_t *)),
			     (uint16_t)(udp_len - sizeof(*udp))))
			return FLOW_HELD;
		*why = DP_C_dsp_ring_full;
		return -1;
	}
	return o->port_idx;
}

int
flow_protect_finish(unsigned lc, uint32_t idx, struct rte_mbuf *m, const struct srtp_op *tx,
		    enum dp_counter *why)
{
	const struct flow_stream *o = &flow_streams[flow_streams[idx - 1].out];
	struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(tx->pkt - sizeof(struct rte_udp_hdr));
	const uint8_t *l3;
	uint16_t udp_len;

	if (unlikely(tx->rc < 0 ||
		     rte_pktmbuf_append(m, (uint16_t)((unsigned)tx->rc - tx->len)) == NULL)) {
		*why = DP_C_drop_srtp_tx;
		return -1;
	}
	DP_COUNT(lc, o->port_idx, srtp_encrypted, 1);
	udp_len = (uint16_t)(sizeof(*udp) + (unsigned)tx->rc);
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	if (unlikely(flow_build_headers(m, o, &dp.ports[o->port_idx], (uint8_t *)udp,
					udp_len) == 0)) {
		*why = DP_C_drop_tx_full;
		return -1;
	}
	udp->src_port = o->local_port;
	udp->dst_port = o->peer_port;
	/* a new payload: summed anew */
	l3 = rte_pktmbuf_mtod(m, uint8_t *) + sizeof(struct rte_ether_hdr);
	udp->dgram_cksum = cksum_udp_new(l3, o->v6, udp);
	return o->port_idx;
}
