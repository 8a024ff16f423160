/* SPDX-License-Identifier: BSD-3-Clause */
/* Recording internals shared by the main lcore (rec.c), the recorder
 * lcores (rec_lcore.c), the closer thread (rec_close.c) and the worker
 * tap (rec_fp.c). */
#ifndef DP_REC_INT_H
#define DP_REC_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <opus/opusenc.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "rec.h"

#define REC_RATE 8000
#define REC_FRAMES 16384          /* a recording's timeline ring: 2.048 s */
#define REC_REANCHOR (REC_RATE / 2) /* a timestamp this far off arrival re-anchors */
#define REC_OUT_MIN 65536
#define REC_WAV_HDR 44

/* worker -> recorder: one packet (the mbuf reference is the recorder's). */
struct rec_item {
	struct rte_mbuf *m;
	uint64_t tsc;             /* arrival */
	uint32_t slot, gen;
	uint16_t off;             /* RTP from m->buf_addr */
	uint16_t len;
	uint8_t ch;
	uint8_t silent;           /* DTMF blocked: silence, keep the timing */
	uint8_t pad[2];
};

enum rec_op { REC_OP_START = 1, REC_OP_PAUSE, REC_OP_RESUME, REC_OP_STOP };

/* main -> recorder */
struct rec_cmd {
	uint32_t op, slot, gen, lc;
	struct rec_job *job;      /* START */
};

enum rec_status {
	REC_ST_COMPLETE, REC_ST_DISK_FULL, REC_ST_IO_ERROR, REC_ST_RECOVERED, REC_ST_OPEN_FAILED,
};

/*
 * One recording's files and facts, from start to its event: made by the
 * main lcore, owned by the recorder while it records, then by the closer
 * thread, then by the main lcore again (the event). Heap memory, control
 * path only.
 */
struct rec_job {
	uint32_t slot, gen;
	int format;
	int status;               /* enum rec_status */
	int err;                  /* errno of a failure */
	char part[PATH_MAX], final[PATH_MAX];      /* audio */
	char side_part[PATH_MAX], side_final[PATH_MAX];
	char *call_id, *from_tag, *to_tag;
	char *head;               /* the reserved sidecar: {ids, mid, "status":"recording"} */
	char *mid;                /* sidecar members known at start (JSON, no braces) */
	struct timespec t_start, t_end;
	uint64_t frames;          /* stereo frames written (the duration) */
	uint64_t paused_frames;
	uint64_t bytes;
	uint64_t pkts[2], late[2], bad[2];
	uint8_t pts[2];
	char sha256[65];
	char *event;              /* closer -> main: the event's extra members */
};

/* A recording as its recorder lcore sees it. */
struct rec_slot {
	uint32_t gen;
	unsigned lc;              /* its recorder lcore */
	uint8_t state;            /* 0 free, 1 recording, 2 paused */
	struct rec_job *job;
	int fd;
	uint64_t start_tsc;
	int64_t committed;        /* frames handed to the writer */
	struct rec_chan ch[2];
	int16_t *ring;            /* REC_FRAMES stereo frames */
	uint8_t *out;             /* encoded bytes not yet written */
	size_t out_len, out_cap;
	uint64_t file_bytes;      /* written to the file */
	uint64_t next_flush;      /* TSC */
	OggOpusEnc *enc;
	bool failed;
	bool stop;                /* a STOP came: finished at this poll's tick */
	bool opened;              /* its files exist (opened at a tick after START) */
};

struct rec_shared {
	struct rte_ring *ring[RTE_MAX_LCORE];   /* packets, by recorder lcore */
	struct rte_ring *cmd[RTE_MAX_LCORE];    /* main -> recorder */
	unsigned lcore[RTE_MAX_LCORE];
	unsigned n;
	struct rec_slot *slot;                  /* by slot */
	uint32_t max;
	struct rte_ring *to_close;              /* recorders -> closer: jobs */
	struct rte_ring *done;                  /* closer -> main: jobs */
	volatile bool disk_low;                 /* closer's free-space watch */
	int16_t ulaw[256], alaw[256];
};

extern struct rec_shared rec_sh;
extern int rec_logtype;
#define REC_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, rec_logtype, "rec: " __VA_ARGS__)

/* Closer thread entry and its boot scan (rec_close.c). */
int rec_closer_start(void);
void rec_closer_stop(void);
/* The free space of the recording directory in MiB, or -errno. */
int64_t rec_free_mb(void);
/* "2026-12-02T15:33:42.123Z" */
void rec_iso_time(const struct timespec *t, char *out, size_t len);
void rec_job_free(struct rec_job *j);
/* The 44-byte header of our WAV format with @data bytes of audio. */
void rec_wav_header(uint8_t *h, uint64_t data);
/* Boot: finishes the partial files in @dir. How many. */
int rec_recover_dir(const char *dir);
/* The recorders' TSC rate against CLOCK_MONOTONIC (first call: baseline). */
void rec_calibrate(uint64_t tsc);
/* Recorder lcore @lc at shutdown: finishes all its recordings. */
void rec_lcore_finish_all(unsigned lc);

#endif
