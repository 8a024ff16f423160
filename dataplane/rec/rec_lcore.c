/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recorder role: runs on recorder lcores (never workers), or on the
 * main lcore standing in. Takes packets from its ring, places their audio
 * on each recording's timeline, and every few milliseconds hands the
 * frames whose wait for late packets is over to the writer (WAV or
 * Ogg/Opus), which reaches the file every flush_ms. It may block on the
 * disk; the workers never wait for it (their tap drops when the ring is
 * full). Finished recordings go to the closer thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPANDSP_EXPOSE_INTERNAL_STRUCTURES
#include <spandsp.h>

#include <rte_cycles.h>
#include <rte_ring_elem.h>

#include "dp.h"
#include "dsp/dsp.h"
#include "rec_int.h"

#define RCOUNT(lc, ctr, n) DP_COUNT(lc, DP_STATS_NOPORT, ctr, n)
#define REC_TICK_MS 5
#define REC_BUDGET 2048           /* packets per poll */
#define REC_OPENS_PER_TICK 16     /* recordings whose files open per tick */

static int16_t ulaw_tab[256], alaw_tab[256];

__attribute__((constructor)) static void
rec_tables(void)
{
	for (unsigned i = 0; i < 256; i++) {
		ulaw_tab[i] = ulaw_to_linear((uint8_t)i);
		alaw_tab[i] = alaw_to_linear((uint8_t)i);
	}
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
rec_place(struct rec_chan *c, int16_t *ring, uint32_t mask, int64_t committed, unsigned ch,
	  const uint8_t *rtp, uint16_t len, int64_t arr, bool silent, int *why)
{
	const int16_t *tab;
	uint32_t hl, n, ts, ssrc, skip = 0;
	int64_t pos;
	uint8_t pt;

	*why = 1;
	if (len < 12 || (rtp[0] >> 6) != 2 || ch > 1)
		goto bad;
	hl = 12u + 4u * (rtp[0] & 0x0f);
	if (rtp[0] & 0x10) {
		if (len < hl + 4)
			goto bad;
		hl += 4u + 4u * ((uint32_t)rtp[hl + 2] << 8 | rtp[hl + 3]);
	}
	if (hl > len)
		goto bad;
	n = len - hl;
	if (rtp[0] & 0x20) {
		if (n == 0 || rtp[len - 1] > n)
			goto bad;
		n -= rtp[len - 1];
	}
	pt = rtp[1] & 0x7f;
	if (pt == 0)
		tab = ulaw_tab;
	else if (pt == 8)
		tab = alaw_tab;
	else
		goto bad;
	if (n == 0)
		goto bad;
	ts = be32(rtp + 4);
	ssrc = be32(rtp + 8);
	if (arr < 0)
		arr = 0;
	/*
	 * Where this audio belongs: the RTP timestamp, measured from the
	 * anchor (the first packet of this source, placed at its arrival).
	 * A new source, or a timestamp that disagrees with the arrival by
	 * more than REC_REANCHOR (a jump, a reset, a long hold), anchors
	 * again: channel time stays wall time.
	 */
	if (!c->anchored || ssrc != c->ssrc) {
		c->anchored = true;
		c->ssrc = ssrc;
		c->ts0 = ts;
		c->pos0 = arr;
	}
	pos = c->pos0 + (int32_t)(ts - c->ts0);
	if (pos - arr > REC_REANCHOR || arr - pos > REC_REANCHOR) {
		c->ts0 = ts;
		c->pos0 = arr;
		pos = arr;
	}
	if (pos + n <= committed) {
		*why = 2;
		c->late++;
		return -1;
	}
	if (pos < committed)
		skip = (uint32_t)(committed - pos);
	if (pos + n > committed + (int64_t)mask + 1) {
		*why = 3;
		goto bad;
	}
	{
		const uint8_t *pl = rtp + hl;

		for (uint32_t i = skip; i < n; i++)
			ring[(((uint64_t)pos + i) & mask) * 2 + ch] = silent ? 0 : tab[pl[i]];
	}
	c->pkts++;
	c->pts |= pt == 0 ? 1 : 2;
	return (int)(n - skip);
bad:
	c->bad++;
	return -1;
}

static uint64_t last_tick[RTE_MAX_LCORE];

static int
out_put(struct rec_slot *r, const void *p, size_t n)
{
	if (r->out_len + n > r->out_cap) {
		size_t cap = r->out_cap ? r->out_cap : REC_OUT_MIN;
		uint8_t *nb;

		while (cap < r->out_len + n)
			cap *= 2;
		nb = realloc(r->out, cap);
		if (nb == NULL)
			return -ENOMEM;
		r->out = nb;
		r->out_cap = cap;
	}
	memcpy(r->out + r->out_len, p, n);
	r->out_len += n;
	return 0;
}

/* Encoded Ogg pages into the output buffer (@flush: close the current
 * page too, so what was encoded reaches the file now). */
static int
opus_pages(struct rec_slot *r, int flush)
{
	unsigned char *page;
	opus_int32 len;

	while (ope_encoder_get_page(r->enc, &page, &len, flush))
		if (out_put(r, page, (size_t)len) < 0)
			return -ENOMEM;
	return 0;
}

static void
rec_fail(unsigned lc, struct rec_slot *r, int err)
{
	r->failed = true;
	r->job->err = err;
	r->job->status = err == ENOSPC || err == EDQUOT ? REC_ST_DISK_FULL : REC_ST_IO_ERROR;
	if (r->job->status == REC_ST_DISK_FULL)
		RCOUNT(lc, rec_disk_full, 1);
	else
		RCOUNT(lc, rec_io_errors, 1);
}

/* Writes the buffered bytes; a WAV's header then states the new sizes
 * (so a file cut here by a crash plays). */
static int
rec_flush(unsigned lc, struct rec_slot *r, bool final)
{
	size_t done = 0;

	if (r->failed)
		return -EIO;
	if (r->enc != NULL && opus_pages(r, final ? 0 : 1) < 0) {
		rec_fail(lc, r, ENOMEM);
		return -ENOMEM;
	}
	while (done < r->out_len) {
		ssize_t w = write(r->fd, r->out + done, r->out_len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : ENOSPC;

			/* What was written of this flush is dropped: the file
			 * ends where the last whole flush ended (whole Ogg
			 * pages; the closer repairs and marks it). */
			if (ftruncate(r->fd, (off_t)r->file_bytes) < 0)
				e = errno;
			rec_fail(lc, r, e);
			return -e;
		}
		done += (size_t)w;
	}
	r->file_bytes += r->out_len;
	RCOUNT(lc, rec_bytes, r->out_len);
	r->out_len = 0;
	if (r->enc == NULL) {
		uint8_t h[REC_WAV_HDR];

		rec_wav_header(h, r->file_bytes - REC_WAV_HDR);
		if (pwrite(r->fd, h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
			rec_fail(lc, r, errno ? errno : EIO);
			return -EIO;
		}
	}
	if (dp.cfg->dp.rec.fsync == CFG_FSYNC_FLUSH && fdatasync(r->fd) < 0) {
		rec_fail(lc, r, errno);
		return -EIO;
	}
	return 0;
}

/* Frames [committed, @target) to the writer; silence where nothing came.
 * True if it wrote any. */
static bool
rec_advance(unsigned lc, struct rec_slot *r, int64_t target)
{
	int64_t from = r->committed;

	while (r->committed < target && !r->failed) {
		uint32_t at = (uint32_t)(r->committed & (REC_FRAMES - 1));
		int64_t n = RTE_MIN(target - r->committed, (int64_t)(REC_FRAMES - at));
		int16_t *p = &r->ring[at * 2];

		n = RTE_MIN(n, (int64_t)960);
		if (r->state == 2) {
			memset(p, 0, (size_t)n * 4);
			r->job->paused_frames += (uint64_t)n;
		}
		if (r->enc != NULL) {
			if (ope_encoder_write(r->enc, p, (int)n) != OPE_OK ||
			    opus_pages(r, 0) < 0) {
				rec_fail(lc, r, EIO);
				break;
			}
		} else if (out_put(r, p, (size_t)n * 4) < 0) {
			rec_fail(lc, r, ENOMEM);
			break;
		}
		memset(p, 0, (size_t)n * 4);
		r->committed += n;
	}
	return r->committed != from;
}

/*
 * TSC ticks per second, measured against CLOCK_MONOTONIC over the run:
 * EAL's estimate can be a few tenths of a percent off on a virtual
 * machine, which would make an hour-long recording seconds short.
 */
static uint64_t cal_tsc0, cal_ns0;
static volatile uint64_t tsc_hz;

static uint64_t
mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void
rec_calibrate(uint64_t tsc)
{
	uint64_t ns;

	if (cal_tsc0 == 0) {
		cal_tsc0 = rte_rdtsc();
		cal_ns0 = mono_ns();
		tsc_hz = rte_get_timer_hz();
		return;
	}
	ns = mono_ns() - cal_ns0;
	if (ns >= 1000000000u)
		tsc_hz = (uint64_t)((unsigned __int128)(tsc - cal_tsc0) * 1000000000u / ns);
}

static int64_t
frames_at(const struct rec_slot *r, uint64_t tsc)
{
	if (tsc <= r->start_tsc)
		return 0;
	return (int64_t)((unsigned __int128)(tsc - r->start_tsc) * REC_RATE /
			 (tsc_hz ? tsc_hz : rte_get_timer_hz()));
}

static int
write_sidecar_part(struct rec_job *j)
{
	static char pad[REC_SIDECAR_MAX];
	size_t n = strlen(j->head);
	int fd, rc = 0;

	/* The whole reserved size is written now, so finishing the sidecar
	 * later rewrites blocks the file already owns: it needs no free
	 * space even when the disk filled up meanwhile. */
	if (n + 1 > REC_SIDECAR_MAX)
		return -E2BIG;
	fd = open(j->side_part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	memset(pad, ' ', sizeof(pad));
	memcpy(pad, j->head, n);
	pad[REC_SIDECAR_MAX - 1] = '\n';
	if (write(fd, pad, sizeof(pad)) != (ssize_t)sizeof(pad))
		rc = errno ? -errno : -ENOSPC;
	close(fd);
	if (rc < 0)
		unlink(j->side_part);
	return rc;
}

static int
rec_open(struct rec_slot *r)
{
	struct rec_job *j = r->job;
	const struct cfg_recording *rc = &dp.cfg->dp.rec;
	int err;

	r->fd = open(j->part, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (r->fd < 0)
		return -errno;
	if ((err = write_sidecar_part(j)) < 0)
		goto fail;
	if (j->format == REC_OPUS) {
		OggOpusComments *cm = ope_comments_create();

		if (cm == NULL) {
			err = -ENOMEM;
			goto fail;
		}
		ope_comments_add(cm, "CALL_ID", j->call_id);
		r->enc = ope_encoder_create_pull(cm, REC_RATE, 2, 0, &err);
		ope_comments_destroy(cm);
		if (r->enc == NULL) {
			err = -EINVAL;
			goto fail;
		}
		ope_encoder_ctl(r->enc, OPUS_SET_BITRATE((opus_int32)rc->opus_bitrate));
		ope_encoder_ctl(r->enc, OPUS_SET_COMPLEXITY((opus_int32)rc->opus_complexity));
		/* CELT keeps the waveform (at 32 kbit/s, 0.99 correlation with
		 * the G.711 input against 0.88 for SILK's speech model): a
		 * recording is evidence, and reviewers compare it to logs */
		ope_encoder_ctl(r->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_MUSIC));
		/* no look-ahead buffering beyond a frame: what was handed to
		 * the encoder is in the file at the next flush */
		ope_encoder_ctl(r->enc, OPE_SET_DECISION_DELAY(0));
		ope_encoder_ctl(r->enc, OPE_SET_MUXING_DELAY(48000));
		if (ope_encoder_flush_header(r->enc) != OPE_OK) {
			err = -EIO;
			goto fail;
		}
	} else {
		uint8_t h[REC_WAV_HDR];

		rec_wav_header(h, 0);
		if (out_put(r, h, sizeof(h)) < 0) {
			err = -ENOMEM;
			goto fail;
		}
	}
	return 0;
fail:
	if (r->enc != NULL)
		ope_encoder_destroy(r->enc);
	r->enc = NULL;
	close(r->fd);
	r->fd = -1;
	unlink(j->part);
	return err;
}

/* The recording ends here (stop, shutdown, disk full, error): the last
 * frames out, the file closed, the job to the closer thread. */
static void
rec_finish(unsigned lc, struct rec_slot *r, int64_t until)
{
	struct rec_job *j = r->job;

	if (!r->failed) {
		rec_advance(lc, r, until);
		if (r->enc != NULL && !r->failed) {
			if (ope_encoder_drain(r->enc) != OPE_OK || opus_pages(r, 0) < 0)
				rec_fail(lc, r, EIO);
		}
		rec_flush(lc, r, true);
	}
	if (r->enc != NULL)
		ope_encoder_destroy(r->enc);
	r->enc = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->out_len = 0;
	clock_gettime(CLOCK_REALTIME, &j->t_end);
	j->frames = (uint64_t)r->committed;
	j->bytes = r->file_bytes;
	for (unsigned c = 0; c < 2; c++) {
		j->pkts[c] = r->ch[c].pkts;
		j->late[c] = r->ch[c].late;
		j->bad[c] = r->ch[c].bad;
		j->pts[c] = r->ch[c].pts;
	}
	r->state = 0;
	r->job = NULL;
	/* the closer's ring holds max_recordings jobs: never full */
	if (rte_ring_mp_enqueue(rec_sh.to_close, j) != 0)
		rec_job_free(j);
}

/* Opens a started recording's files. False if that failed (the recording
 * is then finished as open-failed). */
static bool
rec_open_now(unsigned lc, struct rec_slot *r, uint32_t slot, uint64_t flush)
{
	int err = rec_open(r);

	r->opened = true;
	if (err < 0) {
		r->job->status = REC_ST_OPEN_FAILED;
		r->job->err = -err;
		RCOUNT(lc, rec_io_errors, 1);
		r->failed = true;
		rec_finish(lc, r, 0);
		return false;
	}
	/* the first flush now (the headers), later ones spread over the
	 * period by slot, so recordings that start together do not all
	 * write in the same tick */
	r->next_flush = rte_rdtsc() + flush * (slot % 16) / 16;
	return true;
}

static void
rec_cmd(unsigned lc, const struct rec_cmd *c)
{
	struct rec_slot *r = &rec_sh.slot[c->slot];

	if (c->op == REC_OP_START) {
		if (r->ring == NULL)
			r->ring = calloc(REC_FRAMES * 2, sizeof(int16_t));
		else
			memset(r->ring, 0, REC_FRAMES * 2 * sizeof(int16_t));
		memset(r->ch, 0, sizeof(r->ch));
		r->gen = c->gen;
		r->lc = lc;
		r->job = c->job;
		r->start_tsc = rte_rdtsc();
		if (tsc_hz == 0)
			rec_calibrate(r->start_tsc);
		r->committed = 0;
		r->file_bytes = 0;
		r->out_len = 0;
		r->failed = false;
		r->stop = false;
		r->enc = NULL;
		r->fd = -1;
		clock_gettime(CLOCK_REALTIME, &r->job->t_start);
		/* the files are opened at a later tick, a few per tick (a burst
		 * of starts must not hold up the packets of running ones) */
		r->opened = false;
		r->state = 1;
		if (r->ring == NULL) {
			r->job->status = REC_ST_OPEN_FAILED;
			r->job->err = ENOMEM;
			RCOUNT(lc, rec_io_errors, 1);
			r->failed = true;
			r->opened = true;
			rec_finish(lc, r, 0);
		}
		return;
	}
	if (r->state == 0 || r->gen != c->gen)
		return;      /* it ended meanwhile (disk full, error) */
	if (c->op == REC_OP_PAUSE)
		r->state = 2;
	else if (c->op == REC_OP_RESUME)
		r->state = 1;
	else if (c->op == REC_OP_STOP)
		r->stop = true;
}

unsigned
rec_poll(unsigned lc)
{
	struct rte_ring *pr = rec_sh.ring[lc];
	struct rec_cmd cmds[32];
	struct rec_item items[64];
	unsigned nc, n, work = 0, budget = REC_BUDGET;
	uint64_t now, hz = rte_get_timer_hz();
	bool any_stop = false;

	if (pr == NULL)
		return 0;
	/* every command first: a START is seen before the first packet it
	 * allows (the main lcore enqueues it before it taps the streams) */
	while ((nc = rte_ring_sc_dequeue_burst_elem(rec_sh.cmd[lc], cmds, sizeof(cmds[0]), 32,
						    NULL)) > 0) {
		for (unsigned i = 0; i < nc; i++) {
			rec_cmd(lc, &cmds[i]);
			any_stop |= cmds[i].op == REC_OP_STOP;
		}
		work += nc;
	}
	while (budget > 0 &&
	       (n = rte_ring_sc_dequeue_burst_elem(pr, items, sizeof(items[0]), 64, NULL)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			struct rec_item *it = &items[i];
			struct rec_slot *r = it->slot < rec_sh.max ? &rec_sh.slot[it->slot] : NULL;

			if (r != NULL && r->state == 1 && r->gen == it->gen && !r->failed) {
				int why;
				int got = rec_place(&r->ch[it->ch & 1], r->ring, REC_FRAMES - 1,
						    r->committed, it->ch & 1,
						    (const uint8_t *)it->m->buf_addr + it->off, it->len,
						    frames_at(r, it->tsc), it->silent, &why);

				if (got >= 0)
					RCOUNT(lc, rec_packets, 1);
				else if (why == 2)
					RCOUNT(lc, rec_late, 1);
				else
					RCOUNT(lc, rec_bad, 1);
			}
			rte_pktmbuf_free(it->m);
		}
		work += n;
		budget = n > budget ? 0 : budget - n;
	}
	now = rte_rdtsc();
	if (!any_stop && now - last_tick[lc] < hz * REC_TICK_MS / 1000)
		return work;
	last_tick[lc] = now;
	if (lc == rec_sh.lcore[0])
		rec_calibrate(now);
	{
		int64_t jitter = (int64_t)dp.cfg->dp.rec.jitter_ms * (REC_RATE / 1000);
		uint64_t flush = hz * dp.cfg->dp.rec.flush_ms / 1000;
		bool low = rec_sh.disk_low;

		unsigned opens = 0;

		for (uint32_t s = 0; s < rec_sh.max; s++) {
			struct rec_slot *r = &rec_sh.slot[s];

			if (r->state == 0 || r->lc != lc)
				continue;
			if (!r->opened && (opens < REC_OPENS_PER_TICK || r->stop || low)) {
				opens++;
				work++;
				if (!rec_open_now(lc, r, s, flush))
					continue;      /* could not: finished as open-failed */
			}
			if (!r->opened)
				continue;    /* next tick: its audio waits in its ring */
			if (r->stop || r->failed || low) {
				if (low && !r->stop && !r->failed) {
					/* the free-space floor: stop cleanly before
					 * the disk is full */
					r->job->status = REC_ST_DISK_FULL;
					r->job->err = ENOSPC;
					RCOUNT(lc, rec_disk_full, 1);
				}
				r->stop = false;
				rec_finish(lc, r, frames_at(r, now));
				work++;
				continue;
			}
			if (rec_advance(lc, r, frames_at(r, now) - jitter))
				work++;       /* encoding is work: busy, not idle */
			if (now >= r->next_flush) {
				rec_flush(lc, r, false);
				r->next_flush = now + flush;
				work++;
			}
		}
	}
	return work;
}

/* Shutdown: every recording of lcore @lc is finished as if stopped. */
void
rec_lcore_finish_all(unsigned lc)
{
	uint64_t now = rte_rdtsc();

	rec_poll(lc);
	for (uint32_t s = 0; s < rec_sh.max; s++) {
		struct rec_slot *r = &rec_sh.slot[s];

		if (r->state == 0 || r->lc != lc)
			continue;
		if (!r->opened && !rec_open_now(lc, r, s, 0))
			continue;
		rec_finish(lc, r, frames_at(r, now));
	}
}

int
rec_main(void *arg)
{
	unsigned lc = rte_lcore_id();
	const struct cfg_idle *idle = &dp.cfg->dp.idle;
	uint32_t empty = 0;

	(void)arg;
	while (!dp.quit) {
		if (rec_poll(lc) + ((dp.lcore_roles[lc] & CFG_ROLE_DSP) ? dsp_poll(lc) : 0)) {
			empty = 0;
			continue;
		}
		dp_stats[lc][DP_STATS_NOPORT].c[DP_C_polls]++;
		/* between ticks there is nothing to do: sleep a little even
		 * when busy-polling is configured (the ring absorbs it) */
		if (!idle->backoff || ++empty < idle->after_polls)
			continue;
		rte_delay_us_sleep(idle->sleep_us);
		dp_stats[lc][DP_STATS_NOPORT].c[DP_C_idle_sleeps]++;
	}
	rec_lcore_finish_all(lc);
	return 0;
}
