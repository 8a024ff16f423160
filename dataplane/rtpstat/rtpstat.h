/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-stream RTP receive statistics after RFC 3550: sequence tracking
 * with wrap and the probation/dropout/misorder rules of Appendix A.1,
 * cumulative loss (A.3) and interarrival jitter (A.8), plus a MOS
 * estimate from loss and jitter (simplified E-model, ITU-T G.107).
 * rtpstat_update() runs on worker lcores for every packet: no calls, no
 * branches on anything but the packet, fixed-size state. The report
 * functions run on the main lcore when an NG client asks.
 */
#ifndef RTPSTAT_H
#define RTPSTAT_H

#include <stdbool.h>
#include <stdint.h>

#define RTPSTAT_MIN_SEQUENTIAL 2
#define RTPSTAT_MAX_DROPOUT 3000
#define RTPSTAT_MAX_MISORDER 100
#define RTPSTAT_SEQ_MOD (1u << 16)

struct rtpstat {
	uint16_t max_seq;        /* highest seq seen */
	uint32_t cycles;         /* shifted count of seq wraps */
	uint32_t base_seq;
	uint32_t bad_seq;        /* last 'bad' seq + 1 */
	uint32_t probation;      /* packets left before the source is valid */
	uint64_t received;       /* packets counted (valid source) */
	uint64_t bad;            /* packets dropped as implausible jumps */
	bool started;
	/* jitter, in RTP timestamp units, scaled by 16 as in RFC 3550 A.8 */
	uint32_t jitter_q4;
	int64_t last_transit;
	bool have_transit;
};

struct rtpstat_report {
	uint64_t received;
	uint64_t expected;
	int64_t lost;            /* may be negative with duplicates */
	double loss_fraction;    /* lost / expected, 0..1 */
	double jitter_ms;
	double mos;              /* 1.0 .. 4.5 */
};

void rtpstat_init(struct rtpstat *s);

/*
 * One received packet: @seq and @ts from its RTP header, @arrival in the
 * same units as @ts (the caller converts TSC to the codec clock rate).
 * Returns false when the packet was judged implausible (not counted).
 */
bool rtpstat_update(struct rtpstat *s, uint16_t seq, uint32_t ts, uint32_t arrival);

/* Fills @r; @clock_hz is the payload's RTP clock rate (8000 for G.711). */
void rtpstat_report(const struct rtpstat *s, uint32_t clock_hz, struct rtpstat_report *r);

/* MOS from loss fraction (0..1) and jitter (ms); G.711 with no PLC. */
double rtpstat_mos(double loss_fraction, double jitter_ms);

#endif
