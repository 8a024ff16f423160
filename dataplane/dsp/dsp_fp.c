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

static inline float
biquad(const struct biquad *q, struct bq_state *st, float x)
{
	float y = q->b0 * x + st->z1;

	st->z1 = q->b1 * x - q->a1 * y + st->z2;
	st->z2 = q->b2 * x - q->a2 * y;
	return y;
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
			dtmf_rx_init(&d->rx, NULL, NULL);
			dtmf_rx_set_realtime_callback(&d->rx, on_tone, d);
			d->gen = it[i].gen;
			d->stream = it[i].stream;
			d->samples = 0;
			d->code = d->p_code = 0;
			d->hp = (struct bq_state){ 0, 0 };
			d->lc = lc;
		}
		{
			const float *dec = it[i].pt == 8 ? dsp_sh.alaw : dsp_sh.ulaw;

			for (unsigned k = 0; k < it[i].len; k++) {
				float x = biquad(&dsp_sh.hp, &d->hp, dec[it[i].payload[k]]);

				pcm[k] = (int16_t)(x > 32767.f ? 32767 : x < -32768.f ? -32768 : x);
			}
		}
		d->samples += it[i].len;
		dtmf_rx(&d->rx, pcm, it[i].len);
		if (d->p_code && d->samples - d->p_end_at >= DSP_MERGE_MS * 8)
			report(d);
	}
	if (n)
		DP_COUNT(lc, DP_STATS_NOPORT, dsp_payloads, n);
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
