/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-packet RTP statistics update (worker lcores; see rtpstat.h).
 * The sequence logic follows the algorithm published in RFC 3550 A.1.
 */
#include "rtpstat.h"

void
rtpstat_init(struct rtpstat *s)
{
	*s = (struct rtpstat){ .probation = RTPSTAT_MIN_SEQUENTIAL,
			       .bad_seq = RTPSTAT_SEQ_MOD + 1 };
}

static void
seq_restart(struct rtpstat *s, uint16_t seq)
{
	s->base_seq = seq;
	s->max_seq = seq;
	s->bad_seq = RTPSTAT_SEQ_MOD + 1; /* so seq == bad_seq is false */
	s->cycles = 0;
	s->received = 0;
	s->have_transit = false;
	s->jitter_q4 = 0;
}

static bool
seq_accept(struct rtpstat *s, uint16_t seq)
{
	uint16_t udelta = (uint16_t)(seq - s->max_seq);

	if (!s->started) {
		s->started = true;
		seq_restart(s, seq);
		s->max_seq = (uint16_t)(seq - 1);
		s->probation = RTPSTAT_MIN_SEQUENTIAL;
		udelta = 1;
	}
	/* A source is not valid until MIN_SEQUENTIAL in-order packets. */
	if (s->probation) {
		if (seq == (uint16_t)(s->max_seq + 1)) {
			s->probation--;
			s->max_seq = seq;
			if (s->probation == 0) {
				seq_restart(s, seq);
				/* the packets of the probation run count too */
				s->base_seq = (uint16_t)(seq - (RTPSTAT_MIN_SEQUENTIAL - 1));
				/* the probation run straddled a wrap */
				if (seq < RTPSTAT_MIN_SEQUENTIAL - 1)
					s->cycles = RTPSTAT_SEQ_MOD;
				s->received = RTPSTAT_MIN_SEQUENTIAL - 1;
				return true;
			}
		} else {
			s->probation = RTPSTAT_MIN_SEQUENTIAL - 1;
			s->max_seq = seq;
		}
		return false;
	}
	if (udelta < RTPSTAT_MAX_DROPOUT) {
		if (seq < s->max_seq)
			s->cycles += RTPSTAT_SEQ_MOD; /* wrapped */
		s->max_seq = seq;
	} else if (udelta <= RTPSTAT_SEQ_MOD - RTPSTAT_MAX_MISORDER) {
		/* A very large jump: twice in a row means the sender restarted. */
		if (seq == s->bad_seq) {
			seq_restart(s, seq);
		} else {
			s->bad_seq = (uint32_t)((seq + 1) & (RTPSTAT_SEQ_MOD - 1));
			s->bad++;
			return false;
		}
	}
	/* else: duplicate or reordered within MAX_MISORDER, counted */
	return true;
}

bool
rtpstat_update(struct rtpstat *s, uint16_t seq, uint32_t ts, uint32_t arrival)
{
	int64_t transit, d;

	if (!seq_accept(s, seq))
		return false;
	s->received++;
	/* A.8: J += (|D| - J) / 16, kept scaled by 16. */
	transit = (int64_t)(int32_t)(arrival - ts);
	if (s->have_transit) {
		d = transit - s->last_transit;
		if (d < 0)
			d = -d;
		/* A timestamp jump (new talk spurt source) must not overflow J. */
		if (d > (1 << 24))
			d = 1 << 24;
		s->jitter_q4 += (uint32_t)d - ((s->jitter_q4 + 8) >> 4);
	}
	s->last_transit = transit;
	s->have_transit = true;
	return true;
}
