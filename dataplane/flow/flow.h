/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The relay's stream table. A stream is one local media port: where one
 * peer sends. Each stream names the stream it forwards out of (the other
 * leg). Workers look streams up lock-free through a table per local
 * address (slot: a port's own address, or one of its media-only ones)
 * indexed by UDP port; only the main lcore changes the tables, and it
 * reclaims a stream only after every worker has passed a quiescent state
 * (rte_rcu_qsbr). Each leg may be IPv4 or IPv6; a call can bridge them.
 */
#ifndef FLOW_H
#define FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "dtmf/dtmf.h"
#include "rtpstat/rtpstat.h"
#include "srtp/srtp_xf.h"
#include "stats/stats.h"

#define FLOW_NONE UINT32_MAX
/* A stream map word: the stream index + 1 (0: none), and hints of which
 * SRTP states a packet of it touches, for prefetching. */
#define FLOW_W_IDX 0x0fffffffu
#define FLOW_W_RX (1u << 31)     /* the stream unprotects what it receives */
#define FLOW_W_TX (1u << 30)     /* the stream it forwards to protects */
#define FLOW_W_GCM (1u << 29)    /* FLOW_W_RX with the key data at SRTP_XF_GCM_KEYS */
#define FLOW_W_TX_GCM (1u << 28) /* FLOW_W_TX with the key data at SRTP_XF_GCM_KEYS */
#define FLOW_LATCH_RUN 3
#define FLOW_LATCH_WINDOW 16

struct flow_stream {
	/* Laid out by use: line 0 is what relaying reads of both the stream
	 * a packet arrives on and the one it leaves from; line 1 the
	 * receiving worker's counters and SRTP receive state; then the SRTP
	 * send state and the statistics, each on its own line; what only
	 * setup, latching, IPv6 or DTMF reads comes after. */
	/* Set by the main lcore before the stream is published. */
	uint8_t v6;              /* peer (and our side of it) is IPv6 */
	uint8_t rtcp;
	uint8_t strict;          /* accept only the SDP address (no latching) */
	volatile uint8_t mac_ok; /* the main lcore sets it once resolved */
	volatile uint8_t playing; /* a prompt plays from this stream: relayed audio held back */
	uint8_t inband;          /* in-band DTMF detection on (NG "detect DTMF") */
	uint8_t inband_pt;       /* its G.711 payload type: 0 PCMU, 8 PCMA */
	uint8_t latched;
	uint32_t peer_ip;        /* network order (IPv4) */
	uint16_t peer_port;      /* network order */
	uint16_t local_port;     /* network order */
	uint16_t port_idx;       /* dataplane port it lives on */
	uint16_t slot;           /* its local address: the stream map slot (dp.h) */
	uint32_t out;            /* stream index we transmit from */
	uint8_t peer_mac[6];
	volatile uint8_t dtmf_block; /* remove this party's events from what is relayed */
	uint8_t codec_pt;        /* the negotiated codec (the SDP's first format) */
	/* SRTP (SDES): what the peer sends is unprotected with srtp_rx before
	 * anything else looks at it (so latching, statistics, DTMF and
	 * recording see authenticated clear RTP); what leaves towards the
	 * peer is protected with srtp_tx. Set by the main lcore before the
	 * stream is published; the states belong to the one worker that
	 * receives this stream (rx) or the stream that sends through it (tx). */
	struct srtp_xf *srtp_rx, *srtp_tx;
	/* Recording (rec.h): the main lcore sets rec_gen, rec_ch and rec_lc,
	 * then rec (slot + 1) with release; 0 stops the tap. */
	volatile uint32_t rec;
	uint32_t clock_hz;       /* RTP clock of the negotiated codec */
	uint64_t tick_mul;       /* RTP clock ticks per TSC cycle, << 40 (jitter) */
	/* Written by the one worker that receives the stream (RSS keeps a
	 * 5-tuple on one queue); read racily for reports. The SRTP receive
	 * state's RTP part ends this line (an SRTP packet touches no line
	 * more for it), its SRTCP part and the drop counters, rarely
	 * written, are on the next. */
	uint64_t pkts __rte_cache_aligned;
	uint64_t bytes, last_tsc;
	uint64_t te_pts[2];      /* payload types of RFC 4733 events (offer and answer) */
	struct srtp_xf_state srtp_rx_st;
	uint64_t drop_source, drop_no_neigh, drop_srtp;
	/* written by the worker that receives the stream sending through this one */
	struct srtp_xf_state srtp_tx_st __rte_cache_aligned;
	struct rtpstat rs __rte_cache_aligned;
	/* cold */
	uint8_t peer_ip6[16] __rte_cache_aligned;
	uint32_t owner;          /* the NG call it belongs to (index) */
	uint32_t te_clock;       /* their clock (0: clock_hz) */
	uint32_t dsp_gen;        /* detector generation (dsp_new_gen) */
	uint32_t rec_gen;
	uint8_t rec_ch;          /* 0 left, 1 right */
	uint16_t rec_lc;         /* the recorder lcore of that recording */
	/* Latching (NAT): before the first packet is accepted, a source
	 * that is not the SDP one is adopted only after FLOW_LATCH_RUN
	 * consecutive packets from it with one SSRC, within the first
	 * FLOW_LATCH_WINDOW packets seen. Never moves a stream afterwards. */
	uint8_t latch_run;
	uint16_t latch_seen;
	uint32_t latch_ip;
	uint8_t latch_ip6[16];
	uint16_t latch_port;
	uint32_t latch_ssrc;
	struct dtmf_det dtmf;
} __rte_cache_aligned;

_Static_assert(offsetof(struct flow_stream, srtp_rx_st) + SRTP_XF_STATE_RTP <=
		       offsetof(struct flow_stream, pkts) + RTE_CACHE_LINE_SIZE,
	       "an SRTP packet's receive state shares the counters' line");

extern struct flow_stream *flow_streams;
extern struct rte_rcu_qsbr *flow_qsbr;

/* Boot, main lcore: @max streams, @workers RCU readers, @slots local
 * addresses (dp.n_slots). 0 or -errno. */
int flow_init(uint32_t max, unsigned workers, unsigned slots);
void flow_fini(void);

/* Main lcore: a free stream slot, zeroed; FLOW_NONE when full. */
uint32_t flow_alloc(void);
/* Main lcore: sets the RTP clock rate jitter is measured in (0: 8000). */
void flow_set_clock(uint32_t idx, uint32_t clock_hz);
/* Main lcore: makes @idx reachable on (its slot: port and local address,
 * its local_port). */
void flow_publish(uint32_t idx);
/* Main lcore: unpublishes, waits for the workers, frees the slots. */
void flow_release(const uint32_t *idx, unsigned n);
uint32_t flow_in_use(void);

/*
 * Ethernet and IP headers for a packet that leaves from stream @o's port
 * to its peer, written in front of the UDP header at @udp. The new IP
 * header length, or 0 without headroom. Any lcore.
 */
struct dp_port;
uint32_t flow_build_headers(struct rte_mbuf *m, const struct flow_stream *o,
			    const struct dp_port *op, uint8_t *udp, uint16_t udp_len);

#define FLOW_HELD (-2)   /* flow_forward handed the packet to the dsp role */
#define FLOW_PROTECT (-3) /* flow_forward left the SRTP protect to the burst */

/*
 * Worker lcore, a burst at a time: the stream map word of media packet
 * @m (classified DP_V_MEDIA) received on port @pidx. The worker
 * prefetches it and reads it (__ATOMIC_ACQUIRE): FLOW_W_IDX of it is the
 * stream index + 1, or 0 for no stream. The index is good until the worker's next
 * quiescent state.
 */
const uint32_t *flow_map_word(uint16_t pidx, struct rte_mbuf *m);

/* Worker lcore: the cache lines of stream @idx (+ 1) that relaying reads. */
static inline void
flow_prefetch(uint32_t word)
{
	if (word & FLOW_W_IDX) {
		const struct flow_stream *s = &flow_streams[(word & FLOW_W_IDX) - 1];

		rte_prefetch0(s);
		rte_prefetch0(&s->pkts);   /* with srtp_rx_st's RTP part */
		rte_prefetch0(&s->rs);
	}
}

/* The lines of SRTP context @x a packet's transform reads (@gcm: an
 * ipsec-mb AES-GCM context, its key data at SRTP_XF_GCM_KEYS). */
static inline void
flow_prefetch_keys(const char *x, bool gcm)
{
	rte_prefetch0(x);
	if (gcm) {
		for (unsigned l = 0; l < srtp_xf_gcm_lines; l++)
			rte_prefetch0(x + SRTP_XF_GCM_KEYS + 64 * l);
		return;
	}
	for (unsigned l = 1; l < srtp_xf_cm_lines; l++)
		rte_prefetch0(x + 64 * l);
}

/* Worker lcore: the SRTP keys of the stream of map word @word, if it has
 * them: its receiving context's first srtp_xf_cm_lines lines (an AES-CM
 * suite's salt, HMAC pads and key, srtp_int.h), or with FLOW_W_GCM its
 * first line and the GCM key data's lines. The stream's own first line
 * is read: call it a while after flow_prefetch. */
static inline void
flow_prefetch_srtp(uint32_t word)
{
	if ((word & FLOW_W_IDX) && (word & FLOW_W_RX)) {
		const char *x = (const char *)flow_streams[(word & FLOW_W_IDX) - 1].srtp_rx;

		if (x != NULL)
			flow_prefetch_keys(x, word & FLOW_W_GCM);
	}
}

/* Worker lcore: the lines of the stream a packet of map word @word
 * leaves from (its peer, its SRTP sender's state); the arriving stream's
 * line 0 must be in. */
static inline void
flow_prefetch_out(uint32_t word)
{
	uint32_t idx = word & FLOW_W_IDX;

	if (idx && flow_streams[idx - 1].out != FLOW_NONE) {
		const struct flow_stream *o = &flow_streams[flow_streams[idx - 1].out];

		rte_prefetch0(o);
		if (word & FLOW_W_TX)
			rte_prefetch0(&o->srtp_tx_st);
	}
}

/*
 * Worker lcore: relays @m (a UDP datagram to one of our media ports, as
 * classified), for stream @idx (+ 1, 0: none) as read from its map word.
 * Returns the output port index and rewrites @m in place, or returns -1
 * after counting the drop reason in *why (the caller frees).
 * @rx: NULL, or the unprotect already done for it in this burst
 * (flow_srtp_rx_prep, then srtp_xf_burst). @tx: NULL, or where to leave
 * the protect of a packet that leaves as SRTP: then it returns
 * FLOW_PROTECT, and after srtp_xf_burst of those ops the worker finishes
 * the packet with flow_protect_finish.
 */
int flow_forward(unsigned lc, uint16_t pidx, struct rte_mbuf *m, enum dp_counter *why,
		 const struct srtp_op *rx, uint32_t idx, struct srtp_op *tx);

/* Worker lcore: a packet of stream @idx (+ 1) whose protect @tx is done:
 * the output port index, its headers written; or -1 and *why. */
int flow_protect_finish(unsigned lc, uint32_t idx, struct rte_mbuf *m, const struct srtp_op *tx,
			enum dp_counter *why);

/*
 * Worker lcore, before flow_forward of a burst: if @m is for an SRTP
 * stream (@idx + 1), fills @op with its unprotect and returns true; the
 * worker runs all of a burst's ops at once (srtp_xf_burst), so the
 * crypto engine works on many packets together.
 */
bool flow_srtp_rx_prep(uint32_t idx, struct rte_mbuf *m, struct srtp_op *op);

#endif
