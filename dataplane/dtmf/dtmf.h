/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DTMF on the dataplane. RFC 4733 telephone-events are recognised on the
 * worker that relays the stream, in the same pass (a few compares per
 * packet of a stream that negotiated telephone-event); each digit is
 * reported once, keyed by the event's RTP timestamp, whether its end
 * packets are repeated, its start is lost or packets come out of order.
 * Detections go to the main lcore over one single-producer ring per
 * worker (fixed-size records, no allocation) and leave as "dtmf" events
 * on the event channel (contract 2) and, for stock NG clients, as
 * rtpengine's JSON to dataplane.events.dtmf_log_dest.
 */
#ifndef DP_DTMF_H
#define DP_DTMF_H

#include <stdbool.h>
#include <stdint.h>

enum dtmf_source { DTMF_SRC_RFC4733 = 1, DTMF_SRC_INBAND = 2 };

/* One detected digit, worker -> main lcore. */
struct dtmf_ev {
	uint32_t stream;     /* flow stream index it arrived on */
	uint32_t ts;         /* RTP timestamp of the event's start */
	uint32_t dur;        /* duration in RTP clock units */
	uint8_t event;       /* 0-9, 10 '*', 11 '#', 12-15 A-D, others as sent */
	uint8_t volume;      /* -dBm0, 0..63 */
	uint8_t source;      /* enum dtmf_source */
	uint8_t pad;
};

/* Per-stream RFC 4733 state: the event being received and the start
 * timestamps of the last ones reported (late or repeated packets of a
 * reported event are recognised by them). Worker-owned. */
#define DTMF_SEEN 4
/* A packet whose timestamp is behind the newest reported event by less
 * than this is a straggler; further behind, the sender started over. */
#define DTMF_STRAGGLER_TS (1u << 20)
struct dtmf_det {
	uint32_t seen_ts[DTMF_SEEN];
	uint32_t last_ts;        /* the newest reported event's timestamp */
	uint8_t n_seen, seen_pos;
	uint8_t pending;
	uint8_t p_event, p_vol;
	uint32_t p_ts;
	uint32_t p_dur;
};

/* Boot, main lcore: a ring per worker lcore. 0 or -errno. */
int dtmf_init(void);
void dtmf_fini(void);

struct flow_stream;
/*
 * Worker: @rtp (@len bytes) is an RTP packet received on stream @idx whose
 * payload type is a telephone-event one. Updates the detector and queues
 * a finished digit. False if the payload is not a valid event (it is then
 * relayed as any packet).
 */
bool dtmf_rfc4733(unsigned lc, struct flow_stream *s, uint32_t idx, const uint8_t *rtp,
		  uint16_t len);

/* Main lcore: hands every queued detection to @cb. How many. */
unsigned dtmf_poll(void (*cb)(const struct dtmf_ev *e));

/* '0'..'9', '*', '#', 'A'..'D', or '?' for other events. */
char dtmf_char(uint8_t event);

#endif
