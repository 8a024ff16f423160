/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore loop. Runs on worker lcores only: no malloc, no locks,
 * no system calls except the configured idle back-off sleep, no logging
 * beyond RTE_LOG_DP. Frames are dropped and counted by reason, never
 * returned as errors. TX is buffered per port and drained on a TSC
 * deadline so a lone packet never waits for a full burst.
 */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "classify.h"
#include "dsp/dsp.h"
#include "flow/flow.h"
#include "srtp/srtp_xf.h"
#include "worker.h"

struct wstate {
	struct rte_eth_dev_tx_buffer *txb[DP_MAX_PORTS];
	uint8_t txbuf_mem[DP_MAX_PORTS][RTE_ETH_TX_BUFFER_SIZE(DP_BURST)] __rte_aligned(64);
	uint64_t tx_dropped[DP_MAX_PORTS];  /* bumped by the tx buffer callback */
	uint64_t tx_accounted[DP_MAX_PORTS];
};

static void
tx_enqueue(struct wstate *ws, struct dp_worker *w, unsigned lc, uint16_t pidx,
	   struct rte_mbuf *m)
{
	const struct dp_port *p = &dp.ports[pidx];

	DP_COUNT(lc, pidx, tx_pkts, 1);
	DP_COUNT(lc, pidx, tx_bytes, rte_pktmbuf_pkt_len(m));
	rte_eth_tx_buffer(p->port_id, (uint16_t)w->index, ws->txb[pidx], m);
}

static void
tx_drain(struct wstate *ws, struct dp_worker *w, unsigned lc)
{
	for (unsigned i = 0; i < dp.n_ports; i++) {
		rte_eth_tx_buffer_flush(dp.ports[i].port_id, (uint16_t)w->index, ws->txb[i]);
		if (ws->tx_dropped[i] != ws->tx_accounted[i]) {
			/* A full queue: move the frames from tx_pkts to drops. */
			uint64_t n = ws->tx_dropped[i] - ws->tx_accounted[i];

			ws->tx_accounted[i] = ws->tx_dropped[i];
			DP_COUNT(lc, i, drop_tx_full, n);
			dp_stats[lc][i].c[DP_C_tx_pkts] -= n;
		}
	}
}

/* A media packet's stream map word (prefetched while the burst was
 * classified): read, and its stream prefetched. */
static inline void
stream_word(const uint8_t *verdict, const uint32_t *const *word, uint32_t *sidx, unsigned i)
{
	if (verdict[i] == DP_V_MEDIA) {
		sidx[i] = __atomic_load_n(word[i], __ATOMIC_ACQUIRE);
		flow_prefetch(sidx[i]);
	}
}

/* Returns how many frames it took in. A burst goes through in passes so
 * that memory is fetched for all of it before any of it waits, each pass
 * a run of independent loads the core overlaps: classify (and prefetch
 * each media packet's stream map word), read the words (prefetch the
 * streams), read the streams' first lines (prefetch their SRTP keys),
 * gather the unprotect of every SRTP packet so the crypto engine takes
 * them together (srtp_xf_burst, prefetch the streams they leave from),
 * then relay. At 100,000 streams each of those is a miss to memory: in
 * one interleaved loop a packet's load of its stream line stalled the
 * classify work behind it. */
static unsigned
rx_port(struct wstate *ws, struct dp_worker *w, unsigned lc, uint16_t pidx)
{
	const struct dp_port *p = &dp.ports[pidx];
	struct rte_mbuf *pkts[DP_BURST], *host[DP_BURST];
	struct srtp_op ops[DP_BURST], txo[DP_BURST];
	uint8_t tx_of[DP_BURST];
	unsigned ntx = 0;
	const uint32_t *word[DP_BURST];
	uint32_t sidx[DP_BURST], tx_gcm = 0;   /* tx_gcm: bit i, FLOW_W_TX_GCM */
	uint8_t verdict[DP_BURST], op_of[DP_BURST];
	enum dp_counter why_of[DP_BURST];
	unsigned nhost = 0, nops = 0, i, sent;
	uint64_t bytes = 0;
	uint16_t n;

	n = rte_eth_rx_burst(p->port_id, (uint16_t)w->index, pkts, DP_BURST);
	if (n == 0)
		return 0;
	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		bytes += rte_pktmbuf_pkt_len(m);
		why_of[i] = DP_C_drop_runt;
		/* Header checks read contiguous bytes: a chained head counts alone. */
		verdict[i] = (uint8_t)dp_classify(p, rte_pktmbuf_mtod(m, const uint8_t *),
						  rte_pktmbuf_data_len(m), dp.media_min,
						  dp.media_max, &why_of[i]);
		if (verdict[i] == DP_V_MEDIA) {
			word[i] = flow_map_word(pidx, m);
			rte_prefetch0(word[i]);
		}
	}
	for (i = 0; i < n; i++)
		stream_word(verdict, word, sidx, i);
	for (i = 0; i < n; i++)
		if (verdict[i] == DP_V_MEDIA)
			flow_prefetch_srtp(sidx[i]);
	for (i = 0; i < n; i++) {
		op_of[i] = UINT8_MAX;
		if (verdict[i] != DP_V_MEDIA)
			continue;
		flow_prefetch_out(sidx[i]);
		if (sidx[i] & FLOW_W_TX_GCM)
			tx_gcm |= 1u << i;
		sidx[i] &= FLOW_W_IDX;
		if (flow_srtp_rx_prep(sidx[i], pkts[i], &ops[nops]))
			op_of[i] = (uint8_t)nops++;
	}
	if (nops)
		srtp_xf_burst(ops, nops);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		enum dp_counter why = why_of[i];

		switch (verdict[i]) {
		case DP_V_HOST:
			m->port = pidx;
			host[nhost++] = m;
			break;
		case DP_V_MEDIA: {
			int out = flow_forward(lc, pidx, m, &why,
					       op_of[i] != UINT8_MAX ? &ops[op_of[i]] : NULL,
					       sidx[i], &txo[ntx]);

			if (out == FLOW_PROTECT) {
				/* sent after the burst's protects (below), whose
				 * keys are fetched meanwhile */
				flow_prefetch_keys((const char *)txo[ntx].x, (tx_gcm >> i) & 1);
				tx_of[ntx++] = (uint8_t)i;
			} else if (out == FLOW_HELD) {
				/* the dsp role holds it (in-band DTMF masking) and
				 * hands it back to a worker to send */
				dp_stats[lc][pidx].c[DP_C_relayed]++;
			} else if (out >= 0) {
				dp_stats[lc][pidx].c[DP_C_relayed]++;
				tx_enqueue(ws, w, lc, (uint16_t)out, m);
			} else {
				dp_stats[lc][pidx].c[why]++;
				rte_pktmbuf_free(m);
			}
			break;
		}
		default:
			dp_stats[lc][pidx].c[why]++;
			rte_pktmbuf_free(m);
			break;
		}
	}
	if (ntx) {
		/* the packets that leave as SRTP, protected together */
		srtp_xf_burst(txo, ntx);
		for (unsigned k = 0; k < ntx; k++) {
			struct rte_mbuf *m = pkts[tx_of[k]];
			enum dp_counter why = DP_C_drop_srtp_tx;
			int out = flow_protect_finish(lc, sidx[tx_of[k]], m, &txo[k], &why);

			if (out >= 0) {
				dp_stats[lc][pidx].c[DP_C_relayed]++;
				tx_enqueue(ws, w, lc, (uint16_t)out, m);
			} else {
				dp_stats[lc][pidx].c[why]++;
				rte_pktmbuf_free(m);
			}
		}
	}
	DP_COUNT(lc, pidx, rx_pkts, n);
	DP_COUNT(lc, pidx, rx_bytes, bytes);
	if (nhost) {
		sent = rte_ring_sp_enqueue_burst(w->to_host, (void **)host, nhost, NULL);
		DP_COUNT(lc, pidx, to_host, sent);
		if (sent < nhost) {
			DP_COUNT(lc, pidx, drop_host_ring_full, nhost - sent);
			rte_pktmbuf_free_bulk(host + sent, nhost - sent);
		}
	}
	return n;
}

static unsigned
tx_from_ring(struct wstate *ws, struct dp_worker *w, unsigned lc, struct rte_ring *r)
{
	struct rte_mbuf *pkts[DP_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(r, (void **)pkts, DP_BURST, NULL);

	for (unsigned i = 0; i < n; i++) {
		uint16_t pidx = pkts[i]->port;

		if (unlikely(pidx >= dp.n_ports)) {
			rte_pktmbuf_free(pkts[i]);
			continue;
		}
		tx_enqueue(ws, w, lc, pidx, pkts[i]);
	}
	return n;
}

int
dp_worker_main(void *arg)
{
	struct dp_worker *w = arg;
	unsigned lc = rte_lcore_id();
	struct wstate ws;
	const struct cfg_idle *idle = &dp.cfg->dp.idle;
	uint64_t hz = rte_get_timer_hz();
	uint64_t drain = hz * dp.cfg->dp.burst_drain_us / 1000000 + 1;
	uint64_t last_drain = rte_rdtsc();
	uint32_t empty = 0;

	memset(&ws, 0, sizeof(ws));
	for (unsigned i = 0; i < dp.n_ports; i++) {
		ws.txb[i] = (struct rte_eth_dev_tx_buffer *)ws.txbuf_mem[i];
		rte_eth_tx_buffer_init(ws.txb[i], DP_BURST);
		rte_eth_tx_buffer_set_err_callback(ws.txb[i],
			rte_eth_tx_buffer_count_callback, &ws.tx_dropped[i]);
	}

	/* this lcore's own SRTP crypto state (the ipsec-mb manager) now,
	 * not at its first SRTP packet */
	if (srtp_xf_thread_init() < 0)
		RTE_LOG(WARNING, USER1, "lcore %u: no ipsec-mb manager: SRTP on it fails\n", lc);
	rte_rcu_qsbr_thread_register(flow_qsbr, w->index);
	rte_rcu_qsbr_thread_online(flow_qsbr, w->index);
	while (!dp.quit) {
		unsigned got = 0;
		uint64_t start = rte_rdtsc(), now;

		/* No stream pointer is held across iterations. */
		rte_rcu_qsbr_quiescent(flow_qsbr, w->index);

		for (uint16_t i = 0; i < dp.n_ports; i++)
			if (w->index < dp.ports[i].n_rxq)
				got += rx_port(&ws, w, lc, i);
		got += tx_from_ring(&ws, w, lc, w->to_tx);
		got += tx_from_ring(&ws, w, lc, w->from_dsp);
		if (w->roles & CFG_ROLE_DSP)
			got += dsp_poll(lc);
		dp_stats[lc][DP_STATS_NOPORT].c[DP_C_polls]++;

		now = rte_rdtsc();
		if (now - last_drain > drain) {
			tx_drain(&ws, w, lc);
			last_drain = now;
		}
		if (got) {
			dp_stats[lc][DP_STATS_NOPORT].c[DP_C_busy_cycles] += now - start;
			empty = 0;
			continue;
		}
		/* Small boxes and tests share cores: sleep when idle for long. */
		if (idle->backoff && ++empty >= idle->after_polls) {
			tx_drain(&ws, w, lc);
			rte_rcu_qsbr_thread_offline(flow_qsbr, w->index);
			rte_delay_us_sleep(idle->sleep_us);
			rte_rcu_qsbr_thread_online(flow_qsbr, w->index);
			dp_stats[lc][DP_STATS_NOPORT].c[DP_C_idle_sleeps]++;
		}
	}
	tx_drain(&ws, w, lc);
	rte_rcu_qsbr_thread_offline(flow_qsbr, w->index);
	rte_rcu_qsbr_thread_unregister(flow_qsbr, w->index);
	return 0;
}
