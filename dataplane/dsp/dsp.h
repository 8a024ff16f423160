/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dsp role: in-band DTMF detection (SpanDSP dtmf_rx) on G.711 streams
 * where it is enabled (NG flag "detect DTMF"). The worker that relays such
 * a stream copies each packet's payload into the ring of the stream's dsp
 * lcore (one multi-producer ring per dsp lcore; a stream always goes to
 * the same one, so its detector has one owner) and forwards the packet at
 * once: detection never delays forwarding. The dsp lcore decodes, runs
 * the detector and reports each finished tone (digit, duration, level) on
 * its DTMF ring to the main lcore. A dsp lcore may also be a worker (it
 * then polls its ring between bursts); with no dsp lcore configured the
 * main lcore does the work.
 */
#ifndef DP_DSP_H
#define DP_DSP_H

#include <stdbool.h>
#include <stdint.h>

#define DSP_MAX_PAYLOAD 240   /* 30 ms of G.711 */

/* Boot, main lcore, after dtmf_init: rings and one detector per stream. */
int dsp_init(uint32_t max_streams);
void dsp_fini(void);
/* The lcore that runs dsp work when no lcore has the dsp role (or none). */
unsigned dsp_lcores(unsigned *ids, unsigned max);

struct flow_stream;
/* Worker: hands the payload of RTP packet @rtp (@len bytes) of stream @idx
 * to its dsp lcore (counted and dropped from detection if the ring is full). */
void dsp_feed(unsigned lc, const struct flow_stream *s, uint32_t idx, const uint8_t *rtp,
	      uint16_t len);
/*
 * Worker: DTMF is blocked on in-band stream @idx: hands the whole packet
 * @m (headers already rewritten, m->port the output port; RTP at @off,
 * @len bytes) to its dsp lcore, which runs the detector on it, holds it
 * DSP_MASK_HOLD packets, silences it if a tone was found around it, and
 * hands it to a worker to send. False if the ring is full (then dropped).
 */
struct rte_mbuf;
bool dsp_hold(unsigned lc, const struct flow_stream *s, uint32_t idx, struct rte_mbuf *m,
	      uint16_t off, uint16_t len);

/* dsp lcore (or the worker/main lcore standing in for it): runs the
 * detectors on what is queued for lcore @lc. How many payloads. */
unsigned dsp_poll(unsigned lc);
/* A dsp-only lcore's loop. */
int dsp_main(void *arg);

/* Main lcore: a new generation number for a stream starting detection. */
uint32_t dsp_new_gen(void);

#endif
