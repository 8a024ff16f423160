/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Call recording. The worker that relays a recorded RTP stream hands the
 * packet itself (one more mbuf reference, no copy) to the ring of the
 * recording's recorder lcore and forwards it at once; a full ring drops
 * the packet from the recording and counts it, never slowing the relay.
 * The recorder lcore decodes G.711, places each payload on the timeline
 * by its RTP timestamp (anchored to arrival time, so channel time is wall
 * time; gaps and losses become silence), mixes the two parties into one
 * stereo file (WAV 16-bit PCM or Ogg/Opus) and writes it. A closer thread
 * finishes files (fsync, sha256, rename, sidecar) and, at boot, repairs
 * and finishes the partial files of a dataplane that died. Disk I/O never
 * runs on a worker. Recorder lcores are not workers (config refuses it);
 * with none configured the main lcore records.
 *
 * Files: <dir>/<UTC start>-<call-id>-<n>.{wav,opus} with a JSON sidecar
 * <...>.json; while recording both carry a ".part" suffix.
 */
#ifndef DP_REC_H
#define DP_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#define REC_NONE UINT32_MAX
#define REC_META_MAX 2048        /* NG "metadata" kept in the sidecar */
#define REC_SIDECAR_MAX 8192     /* the sidecar is reserved at this size */

enum rec_format { REC_WAV, REC_OPUS };

/* What the main lcore knows when a recording starts (all NUL-terminated). */
struct rec_params {
	const char *call_id, *from_tag, *to_tag;
	const char *tag[2];       /* the parties' tags, per channel */
	const char *label[2];     /* the two parties' NG labels ("" if none) */
	const char *addr[2];      /* their media addresses, "ip:port" */
	const char *codec[2];     /* their codec names */
	const char *role[2];      /* "customer" / "agent" ... per channel */
	const char *metadata;     /* free-form NG metadata ("" if none) */
	int format;               /* enum rec_format, or -1: the configured one */
};

/* Boot, main lcore: tables, rings, the recording directory, the closer
 * thread (which first finishes partial files left by a crash). 0/-errno. */
int rec_init(uint32_t max_streams);
void rec_fini(void);
/* Main lcore, after the other lcores stopped: every recording finished,
 * the closer drained, the events sent. */
void rec_shutdown(void);

/* The recorder lcores (the main lcore when none has the role). */
unsigned rec_lcores(unsigned *ids, unsigned max);
/* A recorder-only lcore's loop. */
int rec_main(void *arg);
/* Recorder lcore (or the main lcore standing in): ring, timeline, files.
 * How much work it found. */
unsigned rec_poll(unsigned lc);

/*
 * Main lcore: starts recording streams @st[0] (left channel) and @st[1]
 * (right channel). Returns the recording's slot, or REC_NONE with a
 * reason in @err (disk below the free-space floor, table full, ...).
 * The final file's path goes to @path.
 */
uint32_t rec_start(const uint32_t st[2], const struct rec_params *p, char *path,
		   size_t path_len, char *err, size_t errlen);
/* Main lcore: pause (silence written, packets ignored) or resume. */
void rec_pause(uint32_t slot, bool pause);
/* Main lcore: the streams stop feeding; the file is finished. */
void rec_stop(uint32_t slot);
/* Main lcore: the recording's state for replies: 0 none (ended), 1 on,
 * 2 paused; and its generation (a slot is reused after its event). */
int rec_state(uint32_t slot);
uint32_t rec_gen(uint32_t slot);
/* Main lcore: finished recordings out as "recording" events. How many. */
unsigned rec_events_poll(void);

/* Worker: @m carries RTP (@rtp, @len bytes) of recorded stream @s.
 * @changes: the relay will rewrite the payload after this (SRTP towards
 * the other party): the recorder then gets a copy of the clear packet. */
struct flow_stream;
void rec_tap(unsigned lc, const struct flow_stream *s, struct rte_mbuf *m, const uint8_t *rtp,
	     uint16_t len, bool changes);

/*
 * The timeline, public for the unit test, the bench and the fuzz target:
 * places one RTP packet (@rtp, @len bytes, arrived @arr samples after the
 * recording began) into channel @ch of the stereo ring @ring (@mask + 1
 * frames), whose frames before @committed are written already. Returns
 * the samples placed, or -1 with the reason: 1 not RTP/G.711, 2 late,
 * 3 too far ahead.
 */
struct rec_chan {
	bool anchored;
	uint32_t ssrc, ts0;
	int64_t pos0;
	uint64_t pkts, late, bad;
	uint8_t pts;              /* bit 0 PCMU seen, bit 1 PCMA seen */
};
int rec_place(struct rec_chan *c, int16_t *ring, uint32_t mask, int64_t committed,
	      unsigned ch, const uint8_t *rtp, uint16_t len, int64_t arr, bool silent,
	      int *why);

/* Repairs a partial WAV / Ogg file open on @fd (truncating to the last
 * whole frame / page, fixing header sizes / marking the last page EOS).
 * Its bytes and duration in ms; 0 or -errno. Public for tests. */
int rec_repair_wav(int fd, uint64_t *bytes, uint64_t *ms);
int rec_repair_ogg(int fd, uint64_t *bytes, uint64_t *ms);

#endif
