/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RTP receive statistics: loss and jitter against what was injected
 * (in order, 5% loss, wrap, duplicates, reordering, restarts, jitter of
 * a known size) and the MOS estimate's range and ordering.
 */
#include <math.h>

#include "rtpstat/rtpstat.h"
#include "check.h"

/* Sends seq first..first+n-1 at 20 ms (160 units) apart, skipping every
 * @skip-th packet (the middle one of each group) when skip > 0, with an extra arrival delay of
 * (i % 2) * @jit units. */
static void
feed(struct rtpstat *s, uint16_t first, unsigned n, unsigned skip, uint32_t jit)
{
	for (unsigned i = 0; i < n; i++) {
		if (skip && i % skip == skip / 2)
			continue;
		rtpstat_update(s, (uint16_t)(first + i), 160u * i, 160u * i + 5000 + (i % 2) * jit);
	}
}

int
main(void)
{
	struct rtpstat s;
	struct rtpstat_report r;

	rtpstat_init(&s);
	feed(&s, 1000, 500, 0, 0);
	rtpstat_report(&s, 8000, &r);
	CHECK(r.received == 500 && r.expected == 500 && r.lost == 0, "in order: %lu/%lu/%ld",
	      (unsigned long)r.received, (unsigned long)r.expected, (long)r.lost);
	CHECK(r.jitter_ms < 0.2, "no jitter %.3f", r.jitter_ms);
	CHECK(r.mos > 4.3, "clean MOS %.2f", r.mos);

	/* 5% loss: one packet in every 20 missing (never the first two or the last). */
	rtpstat_init(&s);
	feed(&s, 7, 2000, 20, 0);
	rtpstat_report(&s, 8000, &r);
	CHECK(r.expected == 2000 && r.lost == 100, "5%% loss: expected %lu lost %ld",
	      (unsigned long)r.expected, (long)r.lost);
	CHECK(fabs(r.loss_fraction - 0.05) < 1e-9, "fraction %.4f", r.loss_fraction);
	CHECK(r.mos < 3.6 && r.mos > 1.0, "lossy MOS %.2f", r.mos);

	/* Wrap: 65500 .. 65535, 0 .. 163. */
	rtpstat_init(&s);
	feed(&s, 65500, 200, 0, 0);
	rtpstat_report(&s, 8000, &r);
	CHECK(r.expected == 200 && r.lost == 0, "wrap: expected %lu lost %ld",
	      (unsigned long)r.expected, (long)r.lost);
	/* Wrap during probation: 65535, 0, 1 ... */
	rtpstat_init(&s);
	feed(&s, 65535, 10, 0, 0);
	rtpstat_report(&s, 8000, &r);
	CHECK(r.expected == 10 && r.lost == 0, "wrap in probation: %lu %ld",
	      (unsigned long)r.expected, (long)r.lost);

	/* Jitter: arrivals alternate 0 and 160 units late: |D| = 160 = 20 ms. */
	rtpstat_init(&s);
	feed(&s, 1, 3000, 0, 160);
	rtpstat_report(&s, 8000, &r);
	CHECK(fabs(r.jitter_ms - 20.0) < 0.5, "jitter %.2f ms, want 20", r.jitter_ms);

	/* Duplicates and reordering inside MAX_MISORDER are counted, no loss. */
	rtpstat_init(&s);
	feed(&s, 100, 50, 0, 0);
	rtpstat_update(&s, 120, 0, 0);     /* duplicate */
	rtpstat_update(&s, 151, 0, 0);
	rtpstat_update(&s, 150, 0, 0);     /* reordered */
	rtpstat_report(&s, 8000, &r);
	CHECK(r.expected == 52 && r.received == 53 && r.lost == -1 && r.loss_fraction == 0,
	      "dup/reorder: exp %lu rcv %lu lost %ld", (unsigned long)r.expected,
	      (unsigned long)r.received, (long)r.lost);

	/* One wild jump is ignored; two consecutive mean the sender restarted. */
	rtpstat_init(&s);
	feed(&s, 100, 50, 0, 0);
	CHECK(!rtpstat_update(&s, 40000, 0, 0), "single jump rejected");
	CHECK(s.bad == 1, "counted as bad");
	rtpstat_update(&s, 150, 0, 0);
	rtpstat_report(&s, 8000, &r);
	CHECK(r.expected == 51 && r.lost == 0, "stream unaffected by the jump");
	CHECK(rtpstat_update(&s, 30000, 0, 0) == false, "jump");
	CHECK(rtpstat_update(&s, 30001, 160, 160), "second in a row: restart");
	rtpstat_report(&s, 8000, &r);
	CHECK(r.expected == 1 && r.received == 1, "restarted at 30001: %lu %lu",
	      (unsigned long)r.expected, (unsigned long)r.received);

	/* MOS: bounded and monotonic in loss and jitter. */
	CHECK(rtpstat_mos(0, 0) <= 4.5 && rtpstat_mos(1.0, 500) >= 1.0, "bounds");
	CHECK(rtpstat_mos(0.01, 0) > rtpstat_mos(0.05, 0), "more loss, lower MOS");
	CHECK(rtpstat_mos(0, 10) > rtpstat_mos(0, 200), "more jitter, lower MOS");
	return CHECK_DONE();
}
