/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <spandsp.h>

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_ring.h>
#include <rte_udp.h>

#include "dp.h"
#include "common/sdp.h"
#include "flow/flow.h"
#include "play.h"

#define PLAY_MAX 256
#define PROMPTS_MAX 64
#define PLAY_SAMPLES 160           /* 20 ms at 8 kHz */

struct prompt {
	char path[256];
	time_t mtime;
	off_t size;
	uint8_t pt;                /* 0 mu-law, 8 A-law */
	uint8_t *data;
	size_t len;
};

struct playback {
	bool used;
	uint32_t st;
	const struct prompt *p;
	struct prompt *owned;      /* a tone made for play DTMF: freed at the end */
	/* play DTMF as RFC 4733 events (p is NULL then) */
	uint8_t ev_pt, ev_code, ev_vol, ev_ends;
	uint32_t ev_total, ev_step, ev_dur;
	size_t pos;
	unsigned repeat_left;
	uint16_t seq;
	uint32_t ts, ssrc;
	uint64_t next_tsc;
	bool first;
	uint64_t sent;
};

static struct prompt prompts[PROMPTS_MAX];
static unsigned n_prompts;
static struct playback plays[PLAY_MAX];
static play_done_h done_cb;

static void finish(struct playback *pb, bool stopped);
static struct playback *slot(uint32_t st, char *err, size_t errlen);

#define PCOUNT(port, ctr) (dp_stats[dp.main_lcore][(port)].c[DP_C_##ctr]++)

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int
play_wav_decode(const uint8_t *buf, size_t len, int16_t **out, size_t *n, char *err,
		size_t errlen)
{
	const uint8_t *fmt = NULL, *data = NULL;
	uint32_t fmt_len = 0, data_len = 0, rate;
	size_t off = 12;
	int16_t *pcm;
	size_t ns;

	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
		snprintf(err, errlen, "not a WAV file (no RIFF/WAVE header)");
		return -EINVAL;
	}
	while (off + 8 <= len) {
		uint32_t cl = le32(buf + off + 4);

		if (cl > len - off - 8)
			cl = (uint32_t)(len - off - 8);    /* a truncated last chunk */
		if (memcmp(buf + off, "fmt ", 4) == 0) {
			fmt = buf + off + 8;
			fmt_len = cl;
		} else if (memcmp(buf + off, "data", 4) == 0) {
			data = buf + off + 8;
			data_len = cl;
		}
		off += 8 + (size_t)cl + (cl & 1);
	}
	if (fmt == NULL || fmt_len < 16 || data == NULL) {
		snprintf(err, errlen, "WAV without a fmt or data chunk");
		return -EINVAL;
	}
	rate = le32(fmt + 4);
	if (le16(fmt) != 1 || le16(fmt + 2) != 1 || le16(fmt + 14) != 16 ||
	    (rate != 8000 && rate != 16000)) {
		snprintf(err, errlen, "WAV must be 16-bit PCM, mono, 8000 or 16000 Hz "
			 "(this one: format %u, %u channels, %u bits, %u Hz)", le16(fmt),
			 le16(fmt + 2), le16(fmt + 14), rate);
		return -EINVAL;
	}
	ns = data_len / 2;
	pcm = malloc((rate == 16000 ? ns / 2 : ns) * sizeof(*pcm) + 1);
	if (pcm == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (rate == 8000) {
		for (size_t i = 0; i < ns; i++)
			pcm[i] = (int16_t)le16(data + 2 * i);
		*n = ns;
	} else {
		/* 16 -> 8 kHz: a windowed-sinc low-pass at 3.6 kHz, then decimate */
		enum { TAPS = 31 };
		static float h[TAPS];
		static bool ready;

		if (!ready) {
			float sum = 0;

			for (int k = 0; k < TAPS; k++) {
				double x = k - (TAPS - 1) / 2.0, fc = 3600.0 / 16000.0;
				double sinc = x == 0 ? 2 * fc : sin(2 * M_PI * fc * x) / (M_PI * x);
				double w = 0.54 - 0.46 * cos(2 * M_PI * k / (TAPS - 1));

				h[k] = (float)(sinc * w);
				sum += h[k];
			}
			for (int k = 0; k < TAPS; k++)
				h[k] /= sum;
			ready = true;
		}
		*n = ns / 2;
		for (size_t i = 0; i < *n; i++) {
			float acc = 0;

			for (int k = 0; k < TAPS; k++) {
				long j = (long)(2 * i) + k - (TAPS - 1) / 2;

				if (j >= 0 && (size_t)j < ns)
					acc += h[k] * (int16_t)le16(data + 2 * j);
			}
			pcm[i] = (int16_t)(acc > 32767 ? 32767 : acc < -32768 ? -32768 : acc);
		}
	}
	*out = pcm;
	return 0;
}

static const struct prompt *
prompt_get(const char *path, uint8_t pt, char *err, size_t errlen)
{
	struct prompt *p = NULL;
	struct stat sb;
	uint8_t *buf;
	int16_t *pcm;
	size_t n;
	FILE *f;
	int rc;

	errno = 0;
	if (stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "cannot read %s: %s", path,
			 errno ? strerror(errno) : "not a file");
		return NULL;
	}
	if (sb.st_size > 64 << 20) {
		snprintf(err, errlen, "%s: larger than 64 MiB", path);
		return NULL;
	}
	for (unsigned i = 0; i < n_prompts; i++)
		if (prompts[i].pt == pt && strcmp(prompts[i].path, path) == 0) {
			if (prompts[i].mtime == sb.st_mtime && prompts[i].size == sb.st_size)
				return &prompts[i];
			p = &prompts[i];        /* changed on disk: load again */
		}
	if (p != NULL) {
		for (unsigned i = 0; i < PLAY_MAX; i++)
			if (plays[i].used && plays[i].p == p) {
				snprintf(err, errlen, "%s changed on disk while it plays", path);
				return NULL;
			}
	} else if (n_prompts < PROMPTS_MAX) {
		p = &prompts[n_prompts++];
	} else {
		snprintf(err, errlen, "prompt cache full (%d files)", PROMPTS_MAX);
		return NULL;
	}
	buf = malloc((size_t)sb.st_size + 1);
	f = fopen(path, "rb");
	if (buf == NULL || f == NULL || fread(buf, 1, (size_t)sb.st_size, f) != (size_t)sb.st_size) {
		snprintf(err, errlen, "cannot read %s", path);
		free(buf);
		if (f)
			fclose(f);
		if (p == &prompts[n_prompts - 1] && p->data == NULL)
			n_prompts--;
		return NULL;
	}
	fclose(f);
	rc = play_wav_decode(buf, (size_t)sb.st_size, &pcm, &n, err, errlen);
	free(buf);
	if (rc < 0) {
		if (p == &prompts[n_prompts - 1] && p->data == NULL)
			n_prompts--;
		return NULL;
	}
	free(p->data);
	p->data = malloc(n ? n : 1);
	if (p->data == NULL) {
		free(pcm);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		p->data[i] = pt == 8 ? linear_to_alaw(pcm[i]) : linear_to_ulaw(pcm[i]);
	free(pcm);
	p->len = n;
	p->pt = pt;
	p->mtime = sb.st_mtime;
	p->size = sb.st_size;
	snprintf(p->path, sizeof(p->path), "%s", path);
	return p;
}

int
play_init(play_done_h done)
{
	done_cb = done;
	return 0;
}

void
play_fini(void)
{
	for (unsigned i = 0; i < PLAY_MAX; i++)
		if (plays[i].owned) {
			free(plays[i].owned->data);
			free(plays[i].owned);
		}
	for (unsigned i = 0; i < n_prompts; i++)
		free(prompts[i].data);
	n_prompts = 0;
	memset(plays, 0, sizeof(plays));
}

bool
play_stop(uint32_t st, bool report)
{
	bool any = false;

	for (unsigned i = 0; i < PLAY_MAX; i++)
		if (plays[i].used && plays[i].st == st) {
			play_done_h cb = done_cb;

			if (!report)
				done_cb = NULL;
			finish(&plays[i], true);
			done_cb = cb;
			any = true;
		}
	return any;
}

int
play_start(uint32_t st, const char *path, unsigned repeat, unsigned *ms, char *err,
	   size_t errlen)
{
	struct flow_stream *o = &flow_streams[st];
	const struct prompt *p;
	struct playback *pb = NULL;

	if (o->codec_pt != 0 && o->codec_pt != 8) {
		snprintf(err, errlen, "play media needs PCMU or PCMA on that leg (payload type %u)",
			 o->codec_pt);
		return -ENOTSUP;
	}
	p = prompt_get(path, o->codec_pt, err, errlen);
	if (p == NULL)
		return -EINVAL;
	if (p->len < PLAY_SAMPLES) {
		snprintf(err, errlen, "%s is shorter than one packet (20 ms)", path);
		return -EINVAL;
	}
	pb = slot(st, err, errlen);
	if (pb == NULL)
		return -EBUSY;
	*pb = (struct playback){
		.used = true, .st = st, .p = p, .repeat_left = repeat ? repeat : 1,
		.seq = (uint16_t)rte_rand(), .ts = (uint32_t)rte_rand(),
		.ssrc = (uint32_t)rte_rand(), .next_tsc = rte_rdtsc(), .first = true,
	};
	o->playing = 1;
	*ms = (unsigned)(p->len / 8);
	return 0;
}

/* One RTP packet towards the peer of @pb's stream. */
static bool
send_rtp(struct playback *pb, uint8_t pt, bool marker, uint32_t ts, const uint8_t *payload,
	 uint16_t len)
{
	const struct flow_stream *o = &flow_streams[pb->st];
	const struct dp_port *op = &dp.ports[o->port_idx];
	uint16_t udp_len = (uint16_t)(sizeof(struct rte_udp_hdr) + 12 + len);
	struct rte_mbuf *m;
	struct rte_udp_hdr *udp;
	uint8_t *rtp;

	if (!o->mac_ok || (m = rte_pktmbuf_alloc(dp.pool)) == NULL) {
		PCOUNT(o->port_idx, play_no_mbuf);
		return false;
	}
	udp = (struct rte_udp_hdr *)rte_pktmbuf_append(m, udp_len);
	if (udp == NULL) {
		rte_pktmbuf_free(m);
		PCOUNT(o->port_idx, play_no_mbuf);
		return false;
	}
	udp->src_port = o->local_port;
	udp->dst_port = o->peer_port;
	udp->dgram_len = rte_cpu_to_be_16(udp_len);
	udp->dgram_cksum = 0;
	rtp = (uint8_t *)(udp + 1);
	rtp[0] = 0x80;
	rtp[1] = (uint8_t)((marker ? 0x80 : 0) | pt);
	rtp[2] = (uint8_t)(pb->seq >> 8);
	rtp[3] = (uint8_t)pb->seq;
	rtp[4] = (uint8_t)(ts >> 24);
	rtp[5] = (uint8_t)(ts >> 16);
	rtp[6] = (uint8_t)(ts >> 8);
	rtp[7] = (uint8_t)ts;
	rtp[8] = (uint8_t)(pb->ssrc >> 24);
	rtp[9] = (uint8_t)(pb->ssrc >> 16);
	rtp[10] = (uint8_t)(pb->ssrc >> 8);
	rtp[11] = (uint8_t)pb->ssrc;
	memcpy(rtp + 12, payload, len);
	if (flow_build_headers(m, o, op, (uint8_t *)udp, udp_len) == 0) {
		rte_pktmbuf_free(m);
		PCOUNT(o->port_idx, play_no_mbuf);
		return false;
	}
	{
		uint8_t *l3 = rte_pktmbuf_mtod(m, uint8_t *) + sizeof(struct rte_ether_hdr);

		if (o->v6)
			udp->dgram_cksum = rte_ipv6_udptcp_cksum((struct rte_ipv6_hdr *)l3, udp);
		else
			udp->dgram_cksum = rte_ipv4_udptcp_cksum((struct rte_ipv4_hdr *)l3, udp);
	}
	m->port = o->port_idx;
	if (rte_ring_sp_enqueue(dp.workers[o->port_idx % dp.n_workers].to_tx, m) != 0) {
		rte_pktmbuf_free(m);
		PCOUNT(o->port_idx, play_no_mbuf);
		return false;
	}
	PCOUNT(o->port_idx, play_packets);
	pb->seq++;
	pb->sent++;
	return true;
}

/* The next 20 ms of a prompt; true when the prompt is through. */
static bool
prompt_next(struct playback *pb)
{
	uint8_t payload[PLAY_SAMPLES];
	size_t take = pb->p->len - pb->pos < PLAY_SAMPLES ? pb->p->len - pb->pos : PLAY_SAMPLES;

	/* a last partial packet is filled with silence */
	memcpy(payload, pb->p->data + pb->pos, take);
	memset(payload + take, pb->p->pt == 8 ? 0xd5 : 0xff, PLAY_SAMPLES - take);
	if (send_rtp(pb, pb->p->pt, pb->first, pb->ts, payload, PLAY_SAMPLES)) {
		pb->first = false;
		pb->ts += PLAY_SAMPLES;
		pb->pos += take;
	}
	return pb->pos >= pb->p->len;
}

/* The next RFC 4733 packet of an injected digit: updates every 20 ms,
 * then the end three times (RFC 4733 2.5.1.4); true when sent. */
static bool
event_next(struct playback *pb)
{
	uint8_t ev[4];
	bool end;

	if (pb->ev_dur < pb->ev_total)
		pb->ev_dur = RTE_MIN(pb->ev_dur + pb->ev_step, pb->ev_total);
	end = pb->ev_dur >= pb->ev_total;
	ev[0] = pb->ev_code;
	ev[1] = (uint8_t)((end ? 0x80 : 0) | (pb->ev_vol & 0x3f));
	ev[2] = (uint8_t)(pb->ev_dur >> 8);
	ev[3] = (uint8_t)pb->ev_dur;
	if (send_rtp(pb, pb->ev_pt, pb->first, pb->ts, ev, sizeof(ev)))
		pb->first = false;
	return end && --pb->ev_ends == 0;
}

static void
finish(struct playback *pb, bool stopped)
{
	pb->used = false;
	flow_streams[pb->st].playing = 0;
	if (done_cb)
		done_cb(pb->st, pb->p ? pb->p->path : "DTMF", pb->sent, stopped);
	if (pb->owned) {
		free(pb->owned->data);
		free(pb->owned);
		pb->owned = NULL;
	}
	pb->p = NULL;
}

static struct playback *
slot(uint32_t st, char *err, size_t errlen)
{
	play_stop(st, true);
	for (unsigned i = 0; i < PLAY_MAX; i++)
		if (!plays[i].used)
			return &plays[i];
	snprintf(err, errlen, "too many prompts playing (%d)", PLAY_MAX);
	return NULL;
}

int
play_dtmf(uint32_t st, char digit, unsigned ms, unsigned volume, bool *rfc4733, char *err,
	  size_t errlen)
{
	static const char map[] = "0123456789*#ABCD";
	struct flow_stream *o = &flow_streams[st];
	const char *d = digit ? strchr(map, digit) : NULL;
	struct playback *pb;
	unsigned pt;

	if (d == NULL) {
		snprintf(err, errlen, "code must be one of 0-9 * # A-D");
		return -EINVAL;
	}
	for (pt = 0; pt < 128 && !sdp_te_pt(o->te_pts, pt); pt++)
		;
	if (pt == 128 && o->codec_pt != 0 && o->codec_pt != 8) {
		snprintf(err, errlen, "play DTMF needs telephone-event or G.711 on that leg");
		return -ENOTSUP;
	}
	pb = slot(st, err, errlen);
	if (pb == NULL)
		return -EBUSY;
	*pb = (struct playback){
		.used = true, .st = st, .repeat_left = 1, .seq = (uint16_t)rte_rand(),
		.ts = (uint32_t)rte_rand(), .ssrc = (uint32_t)rte_rand(), .next_tsc = rte_rdtsc(),
		.first = true,
	};
	*rfc4733 = pt < 128;
	if (pt < 128) {
		uint32_t clock = o->te_clock ? o->te_clock : 8000;

		pb->ev_pt = (uint8_t)pt;
		pb->ev_code = (uint8_t)(d - map);
		pb->ev_vol = (uint8_t)RTE_MIN(volume, 63u);
		pb->ev_step = clock / 50;
		pb->ev_total = RTE_MIN((uint32_t)((uint64_t)ms * clock / 1000), 0xffffu);
		pb->ev_ends = 3;
	} else {
		/* an in-band tone pair (SpanDSP dtmf_tx), played as a prompt */
		struct prompt *p = calloc(1, sizeof(*p));
		dtmf_tx_state_t *tx = dtmf_tx_init(NULL);
		size_t n = (size_t)ms * 8;
		int16_t *pcm = malloc(n * sizeof(*pcm) + PLAY_SAMPLES * sizeof(*pcm));

		if (p == NULL || tx == NULL || pcm == NULL || (p->data = malloc(n + 1)) == NULL) {
			free(p ? p->data : NULL);
			free(p);
			free(pcm);
			if (tx)
				dtmf_tx_free(tx);
			pb->used = false;
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		dtmf_tx_set_level(tx, -(int)RTE_MIN(volume, 63u), 0);
		dtmf_tx_set_timing(tx, (int)ms, 0);
		dtmf_tx_put(tx, (char[]){ digit, 0 }, 1);
		memset(pcm, 0, n * sizeof(*pcm));
		dtmf_tx(tx, pcm, (int)n);
		dtmf_tx_free(tx);
		for (size_t i = 0; i < n; i++)
			p->data[i] = o->codec_pt == 8 ? linear_to_alaw(pcm[i]) : linear_to_ulaw(pcm[i]);
		free(pcm);
		p->len = n;
		p->pt = o->codec_pt;
		snprintf(p->path, sizeof(p->path), "DTMF %c", digit);
		pb->p = pb->owned = p;
	}
	o->playing = 1;
	return 0;
}

unsigned
play_poll(void)
{
	uint64_t now = rte_rdtsc(), period = rte_get_tsc_hz() / 50;
	unsigned sent = 0;

	for (unsigned i = 0; i < PLAY_MAX; i++) {
		struct playback *pb = &plays[i];

		if (!pb->used || now < pb->next_tsc)
			continue;
		/* behind by more than 3 periods (the main lcore was held up):
		 * start the schedule again rather than send a burst */
		pb->next_tsc = now - pb->next_tsc > 3 * period ? now + period : pb->next_tsc + period;
		sent++;
		if (pb->p == NULL) {
			if (event_next(pb))
				finish(pb, false);
		} else if (prompt_next(pb)) {
			pb->pos = 0;
			if (--pb->repeat_left == 0)
				finish(pb, false);
		}
	}
	return sent;
}
