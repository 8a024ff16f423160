/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsp role, hot path: payload handoff (workers) and the detectors (dsp
 * lcores). Detector state is preallocated per stream at boot; a stream
 * slot that is reused gets a new generation number and its detector is
 * re-initialised in place by its dsp lcore on the first payload of the
 * new generation (no allocation, no lock).
 */
#include <rte_cycles.h>
#include <rte_ring_elem.h>

#include <rte_ip.h>
#include <rte_udp.h>

#include "dp.h"
#include "dsp_int.h"
#include "dtmf/dtmf.h"
#include "flow/flow.h"

void
dsp_feed(unsigned lc, const struct flow_stream *s, uint32_t idx, const uint8_t *rtp, uint16_t len)
{
	uint32_t hl = 12u + 4u * (rtp[0] & 0x0f);
	struct dsp_item it;
	struct rte_ring *r;

	if (rtp[0] & 0x10) {
		if (len < hl + 4)
			return;
		hl += 4 + 4u * (uint32_t)(rtp[hl + 2] << 8 | rtp[hl + 3]);
	}
	if (len <= hl || dsp_sh.n == 0)
		return;
	it.stream = idx;
	it.gen = s->dsp_gen;
	it.pt = s->inband_pt;
	it.m = NULL;
	it.len = (uint16_t)RTE_MIN((uint32_t)len - hl, (uint32_t)DSP_MAX_PAYLOAD);
	memcpy(it.payload, rtp + hl, it.len);
	r = dsp_sh.ring[dsp_sh.lcore[idx % dsp_sh.n]];
	if (rte_ring_mp_enqueue_elem(r, &it, sizeof(it)) != 0)
		DP_COUNT(lc, s->port_idx, dsp_ring_full, 1);
}

static void
report(struct dsp_det *d)
{
	static const char map[] = "0123456789*#ABCD";
	const char *p = strchr(map, d->p_code);
	struct dtmf_ev ev = {
		.stream = d->stream, .ts = (uint32_t)d->p_on_at,
		.dur = (uint32_t)(d->p_end_at - d->p_on_at),
		.event = p ? (uint8_t)(p - map) : 255,
		.volume = (uint8_t)(d->p_level < 0 ? RTE_MIN(-d->p_level, 63) : 0),
		.source = DTMF_SRC_INBAND,
	};

	d->p_code = 0;
	if (rte_ring_sp_enqueue_elem(dtmf_rings[d->lc], &ev, sizeof(ev)) == 0)
		DP_COUNT(d->lc, DP_STATS_NOPORT, dtmf_events, 1);
	else
		DP_COUNT(d->lc, DP_STATS_NOPORT, dtmf_ring_full, 1);
}

bool
dsp_hold(unsigned lc, const struct flow_stream *s, uint32_t idx, struct rte_mbuf *m,
	 uint16_t off, uint16_t len)
{
	struct dsp_item it;
	struct rte_ring *r;

	if (dsp_sh.n == 0)
		return false;
	it.stream = idx;
	it.gen = s->dsp_gen;
	it.pt = s->inband_pt;
	it.len = len;
	it.m = m;
	it.off = off;
	r = dsp_sh.ring[dsp_sh.lcore[idx % dsp_sh.n]];
	/* only the header part of the item travels: the payload is in m */
	if (rte_ring_mp_enqueue_elem(r, &it, sizeof(it)) != 0)
		return false;
	(void)lc;
	return true;
}

/* A held packet leaves: silenced if a tone was heard around it, then to a
 * worker's transmit ring. */
static void
release(unsigned lc, struct dsp_held *h, uint8_t pt)
{
	struct rte_mbuf *m = h->m;

	if (h->tone) {
		uint8_t *l3 = rte_pktmbuf_mtod(m, uint8_t *) + sizeof(struct rte_ether_hdr);
		struct rte_udp_hdr *udp;

		memset(rte_pktmbuf_mtod_offset(m, uint8_t *, h->off), pt == 8 ? 0xd5 : 0xff, h->len);
		if (((struct rte_ipv4_hdr *)l3)->version_ihl >> 4 == 4) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

			udp = (struct rte_udp_hdr *)(l3 + (ip->version_ihl & 0x0f) * 4);
			udp->dgram_cksum = 0;
			udp->dgram_cksum = rte_ipv4_udptcp_cksum(ip, udp);
		} else {
			udp = (struct rte_udp_hdr *)(l3 + sizeof(struct rte_ipv6_hdr));
			udp->dgram_cksum = 0;
			udp->dgram_cksum = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)l3, udp);
		}
		DP_COUNT(lc, m->port, dtmf_masked, 1);
	}
	if (rte_ring_mp_enqueue(dp.workers[m->port % dp.n_workers].from_dsp, m) != 0) {
		DP_COUNT(lc, m->port, drop_tx_full, 1);
		rte_pktmbuf_free(m);
	}
	h->m = NULL;
}

/* SpanDSP's tone report: code != 0 when a tone starts, 0 when it ends. */
static void
on_tone(void *user, int code, int level, int delay)
{
	struct dsp_det *d = user;

	(void)delay;
	if (code != 0) {
		if (d->p_code == code) {
			/* the same digit back within DSP_MERGE_MS: one tone */
			d->on_at = d->p_on_at;
			d->p_code = 0;
		} else {
			if (d->p_code)
				report(d);
			d->on_at = d->samples;
		}
		d->code = code;
		d->level = level;
		return;
	}
	if (d->code != 0) {
		d->p_code = d->code;
		d->p_level = d->level;
		d->p_on_at = d->on_at;
		d->p_end_at = d->samples;
		d->code = 0;
	}
}

unsigned
dsp_poll(unsigned lc)
{
	struct rte_ring *r = dsp_sh.ring[lc];
	struct dsp_item it[8];
	unsigned n;

	if (r == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst_elem(r, it, sizeof(it[0]), 8, NULL);
	for (unsigned i = 0; i < n; i++) {
		struct dsp_det *d;
		int16_t pcm[DSP_MAX_PAYLOAD];

		if (it[i].stream >= dsp_sh.max)
			continue;
		d = &dsp_sh.det[it[i].stream];
		if (d->gen != it[i].gen) {
			for (unsigned h = 0; h < d->n_held; h++)
				rte_pktmbuf_free(d->held[h].m);
			d->n_held = 0;
			dtmf_rx_init(&d->rx, NULL, NULL);
			dtmf_rx_set_realtime_callback(&d->rx, on_tone, d);
			d->gen = it[i].gen;
			d->stream = it[i].stream;
			d->samples = 0;
			d->code = d->p_code = 0;
			d->hp_y = d->hp_x = 0;
			d->lc = lc;
		}
		const uint8_t *pl = it[i].payload;
		uint16_t plen = it[i].len;

		if (it[i].m != NULL) {
			/* masking: the payload is in the packet */
			const uint8_t *rtp = rte_pktmbuf_mtod_offset(it[i].m, const uint8_t *, it[i].off);
			uint32_t hl = 12u + 4u * (rtp[0] & 0x0f);

			if ((rtp[0] & 0x10) && it[i].len >= hl + 4)
				hl += 4 + 4u * (uint32_t)(rtp[hl + 2] << 8 | rtp[hl + 3]);
			if (it[i].len <= hl) {
				release(lc, &(struct dsp_held){ .m = it[i].m }, it[i].pt);
				continue;
			}
			pl = rtp + hl;
			plen = (uint16_t)RTE_MIN(it[i].len - hl, (uint32_t)DSP_MAX_PAYLOAD);
		}
		{
			const float *dec = it[i].pt == 8 ? dsp_sh.alaw : dsp_sh.ulaw;
			float y = d->hp_y, xp = d->hp_x, a = dsp_sh.hp_a;

			for (unsigned k = 0; k < plen; k++) {
				float x = dec[pl[k]];

				y = a * (y + x - xp);
				xp = x;
				pcm[k] = (int16_t)(y > 32767.f ? 32767 : y < -32768.f ? -32768 : y);
			}
			d->hp_y = y;
			d->hp_x = xp;
		}
		d->samples += plen;
		dtmf_rx(&d->rx, pcm, plen);
		if (it[i].m != NULL) {
			bool tone = d->code != 0 || dtmf_rx_status(&d->rx) != 0;

			d->held[d->n_held++] = (struct dsp_held){
				.m = it[i].m, .off = (uint16_t)(pl - rte_pktmbuf_mtod(it[i].m, uint8_t *)),
				.len = plen, .tone = tone,
			};
			if (tone)
				for (unsigned h = 0; h < d->n_held; h++)
					d->held[h].tone = true;
			d->held_tsc = rte_rdtsc();
			if (!d->listed && dsp_sh.hold[lc]->n < DSP_HOLD_LIST) {
				dsp_sh.hold[lc]->idx[dsp_sh.hold[lc]->n++] = it[i].stream;
				d->listed = true;
			}
			if (d->n_held > DSP_MASK_HOLD) {
				release(lc, &d->held[0], it[i].pt);
				memmove(&d->held[0], &d->held[1], sizeof(d->held[0]) * DSP_MASK_HOLD);
				d->n_held = DSP_MASK_HOLD;
			}
		}
		if (d->p_code && d->samples - d->p_end_at >= DSP_MERGE_MS * 8)
			report(d);
	}
	if (n)
		DP_COUNT(lc, DP_STATS_NOPORT, dsp_payloads, n);
	/* streams that went quiet let their held packets go */
	if (dsp_sh.hold[lc] != NULL && dsp_sh.hold[lc]->n) {
		struct dsp_hold_list *hl = dsp_sh.hold[lc];
		uint64_t now = rte_rdtsc(), max = rte_get_tsc_hz() / 1000 * DSP_HOLD_MAX_MS;

		for (unsigned k = 0; k < hl->n;) {
			struct dsp_det *d = &dsp_sh.det[hl->idx[k]];

			if (d->n_held && now - d->held_tsc < max) {
				k++;
				continue;
			}
			for (unsigned h = 0; h < d->n_held; h++)
				release(lc, &d->held[h], flow_streams[d->stream].inband_pt);
			d->n_held = 0;
			d->listed = false;
			hl->idx[k] = hl->idx[--hl->n];
		}
	}
	return n;
}

int
dsp_main(void *arg)
{
	unsigned lc = rte_lcore_id();
	const struct cfg_idle *idle = &dp.cfg->dp.idle;
	uint32_t empty = 0;

	(void)arg;
	while (!dp.quit) {
		uint64_t t0 = rte_rdtsc();

		dp_stats[lc][DP_STATS_NOPORT].c[DP_C_polls]++;
		if (dsp_poll(lc)) {
			dp_stats[lc][DP_STATS_NOPORT].c[DP_C_busy_cycles] += rte_rdtsc() - t0;
			empty = 0;
			continue;
		}
		if (idle->backoff && ++empty >= idle->after_polls) {
			rte_delay_us_sleep(idle->sleep_us);
			dp_stats[lc][DP_STATS_NOPORT].c[DP_C_idle_sleeps]++;
		}
	}
	return 0;
}
