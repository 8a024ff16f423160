/* SPDX-License-Identifier: BSD-3-Clause */
/* dsp role internals shared by its set-up (dsp.c) and hot path (dsp_fp.c). */
#ifndef DP_DSP_INT_H
#define DP_DSP_INT_H

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dsp.h"

/* One payload, worker -> dsp lcore: a copy, or (masking) the packet. */
struct dsp_item {
	uint32_t stream;
	uint32_t gen;
	uint8_t pt;              /* 0 PCMU, 8 PCMA */
	uint8_t pad;
	uint16_t len;            /* payload bytes, or RTP bytes with @m */
	struct rte_mbuf *m;      /* masking: the packet itself, RTP at @off */
	uint16_t off;
	uint8_t payload[DSP_MAX_PAYLOAD];
};

/* Masking holds this many packets (40 ms): SpanDSP knows of a tone about
 * two blocks (26 ms) after it starts, so its first packet is still here. */
#define DSP_MASK_HOLD 2
struct dsp_held {
	struct rte_mbuf *m;
	uint16_t off, len;       /* the G.711 payload in m */
	bool tone;
};

/*
 * Before the detector, a first-order high-pass at 800 Hz removes much of
 * the speech below the DTMF band, which otherwise counts against the
 * tones' share of the energy (at 10 dB SNR with speech this took missed
 * digits from 5 to 2 in 300 on our corpus, without any talk-off; a
 * second-order band-pass did no better and cost four times as much). Its
 * tilt across the band (2.7 dB) is well inside the twist the detector
 * accepts. A tone that drops out for under DSP_MERGE_MS and comes back
 * as the same digit is one digit (speech bursts split tones otherwise);
 * so a digit is reported DSP_MERGE_MS after it ends.
 */
#define DSP_MERGE_MS 45

/* A stream's detector, owned by its dsp lcore. */
struct dsp_det {
	dtmf_rx_state_t rx;
	float hp_y, hp_x;        /* the high-pass's last output and input */
	uint32_t gen;            /* 0: never used */
	uint32_t stream;
	uint64_t samples;        /* fed so far in this generation */
	uint64_t on_at;          /* sample count when the current tone began */
	int code, level;
	/* a finished tone waiting DSP_MERGE_MS for its continuation */
	int p_code, p_level;
	uint64_t p_on_at, p_end_at;
	unsigned lc;
	struct dsp_held held[DSP_MASK_HOLD + 1];
	uint8_t n_held;
	bool listed;             /* in its dsp lcore's list of streams holding packets */
	uint64_t held_tsc;       /* when the newest held packet came */
};

/* Streams of one dsp lcore that hold packets: when one goes quiet (a talk
 * spurt ends), what it holds leaves after DSP_HOLD_MAX_MS. */
#define DSP_HOLD_LIST 1024
#define DSP_HOLD_MAX_MS 30
struct dsp_hold_list {
	uint32_t idx[DSP_HOLD_LIST];
	unsigned n;
};

struct dsp_shared {
	struct rte_ring *ring[RTE_MAX_LCORE];   /* by dsp lcore id */
	unsigned lcore[RTE_MAX_LCORE];          /* the dsp lcore ids */
	unsigned n;
	struct dsp_det *det;                    /* by stream index */
	uint32_t max;
	float hp_a;                             /* the high-pass coefficient */
	struct dsp_hold_list *hold[RTE_MAX_LCORE]; /* by dsp lcore id */
	float ulaw[256], alaw[256];             /* G.711 decoding */
};

extern struct dsp_shared dsp_sh;
extern struct rte_ring *dtmf_rings[RTE_MAX_LCORE];

#endif
