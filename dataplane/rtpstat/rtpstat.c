/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP statistics reports and the MOS estimate (main lcore; see rtpstat.h).
 */
#include "rtpstat.h"

void
rtpstat_report(const struct rtpstat *s, uint32_t clock_hz, struct rtpstat_report *r)
{
	uint64_t ext_max = (uint64_t)s->cycles + s->max_seq;

	*r = (struct rtpstat_report){ 0 };
	r->received = s->received;
	if (s->started && s->probation == 0)
		r->expected = ext_max - s->base_seq + 1;
	r->lost = (int64_t)r->expected - (int64_t)r->received;
	r->loss_fraction = r->expected && r->lost > 0 ? (double)r->lost / (double)r->expected : 0.0;
	r->jitter_ms = clock_hz ? (double)(s->jitter_q4 >> 4) * 1000.0 / clock_hz : 0.0;
	r->mos = rtpstat_mos(r->loss_fraction, r->jitter_ms);
}

double
rtpstat_mos(double loss_fraction, double jitter_ms)
{
	/* Simplified E-model: a jitter buffer of twice the jitter adds delay;
	 * loss impairs G.711 without PLC (Ie = 0, Bpl = 4.3). */
	double delay = 20.0 + 2.0 * jitter_ms + 10.0;
	double id = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0.0);
	double ppl = loss_fraction * 100.0;
	double ie = 95.0 * ppl / (ppl + 4.3);
	double rf = 93.2 - id - ie;

	if (rf <= 0)
		return 1.0;
	if (rf >= 100)
		return 4.5;
	return 1.0 + 0.035 * rf + 7e-6 * rf * (rf - 60.0) * (100.0 - rf);
}
