/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RFC 4733 telephone-event detection on the worker lcore. An event is
 * identified by its RTP timestamp (the same in every packet of one event,
 * RFC 4733 2.5.1.2): the first packet seen opens it (a lost start does not
 * matter), later ones raise its duration, the first end packet (E bit)
 * reports it, and its timestamp joins the recently reported ones so that
 * the repeated end packets and any late packet of it are ignored (as is any
 * packet of an event older than the newest reported one). If a new
 * event starts while one is open (all its end packets lost), the open one
 * is reported first with the longest duration seen.
 */
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dtmf.h"
#include "flow/flow.h"

extern struct rte_ring *dtmf_rings[RTE_MAX_LCORE];

static void
report(unsigned lc, struct flow_stream *s, uint32_t idx)
{
	struct dtmf_det *d = &s->dtmf;
	struct dtmf_ev ev = {
		.stream = idx, .ts = d->p_ts, .dur = d->p_dur, .event = d->p_event,
		.volume = d->p_vol, .source = DTMF_SRC_RFC4733,
	};

	if (d->n_seen == 0 || (int32_t)(d->p_ts - d->last_ts) > 0)
		d->last_ts = d->p_ts;
	d->seen_ts[d->seen_pos] = d->p_ts;
	d->seen_pos = (uint8_t)((d->seen_pos + 1) % DTMF_SEEN);
	if (d->n_seen < DTMF_SEEN)
		d->n_seen++;
	d->pending = 0;
	if (rte_ring_sp_enqueue_elem(dtmf_rings[lc], &ev, sizeof(ev)) == 0)
		DP_COUNT(lc, s->port_idx, dtmf_events, 1);
	else
		DP_COUNT(lc, s->port_idx, dtmf_ring_full, 1);
}

bool
dtmf_rfc4733(unsigned lc, struct flow_stream *s, uint32_t idx, const uint8_t *rtp, uint16_t len)
{
	struct dtmf_det *d = &s->dtmf;
	uint32_t hl = 12u + 4u * (rtp[0] & 0x0f), ts;
	const uint8_t *p;
	uint8_t event, vol;
	uint16_t dur;
	bool end;

	if (rtp[0] & 0x10) {      /* header extension */
		if (len < hl + 4)
			return false;
		hl += 4 + 4u * (uint32_t)(rtp[hl + 2] << 8 | rtp[hl + 3]);
	}
	if (len < hl + 4)
		return false;
	p = rtp + hl;
	event = p[0];
	end = p[1] & 0x80;
	vol = p[1] & 0x3f;
	dur = (uint16_t)(p[2] << 8 | p[3]);
	ts = (uint32_t)rtp[4] << 24 | (uint32_t)rtp[5] << 16 | (uint32_t)rtp[6] << 8 | rtp[7];
	for (unsigned i = 0; i < d->n_seen; i++)
		if (d->seen_ts[i] == ts)
			return true;          /* a repeat or a straggler of a reported one */
	if (d->n_seen && (int32_t)(ts - d->last_ts) < 0 && d->last_ts - ts < DTMF_STRAGGLER_TS)
		return true;                  /* older than a reported one: late */
	if (d->pending && d->p_ts != ts) {
		/* a newer event while one is open: an older straggler, or the
		 * open one lost all its end packets */
		if ((int32_t)(ts - d->p_ts) < 0)
			return true;
		report(lc, s, idx);
	}
	if (!d->pending) {
		d->pending = 1;
		d->p_ts = ts;
		d->p_event = event;
		d->p_dur = 0;
	}
	if (dur > d->p_dur)
		d->p_dur = dur;
	d->p_vol = vol;
	if (end)
		report(lc, s, idx);
	return true;
}
