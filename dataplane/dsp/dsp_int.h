/* SPDX-License-Identifier: BSD-3-Clause */
/* dsp role internals shared by its set-up (dsp.c) and hot path (dsp_fp.c). */
#ifndef DP_DSP_INT_H
#define DP_DSP_INT_H

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include <rte_lcore.h>
#include <rte_ring.h>

#include "dsp.h"

/* One payload, worker -> dsp lcore. */
struct dsp_item {
	uint32_t stream;
	uint32_t gen;
	uint8_t pt;              /* 0 PCMU, 8 PCMA */
	uint8_t pad;
	uint16_t len;
	uint8_t payload[DSP_MAX_PAYLOAD];
};

/* A stream's detector, owned by its dsp lcore. */
struct dsp_det {
	dtmf_rx_state_t rx;
	uint32_t gen;            /* 0: never used */
	uint32_t stream;
	uint64_t samples;        /* fed so far in this generation */
	uint64_t on_at;          /* sample count when the current tone began */
	int code, level;
	unsigned lc;
};

struct dsp_shared {
	struct rte_ring *ring[RTE_MAX_LCORE];   /* by dsp lcore id */
	unsigned lcore[RTE_MAX_LCORE];          /* the dsp lcore ids */
	unsigned n;
	struct dsp_det *det;                    /* by stream index */
	uint32_t max;
};

extern struct dsp_shared dsp_sh;
extern struct rte_ring *dtmf_rings[RTE_MAX_LCORE];

#endif
