/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recorded calls per recorder core: the dataplane's own recording code
 * (rec_tap on the worker side, rec_poll on the recorder side, through the
 * real ring, into real files) with N calls recorded at once, in real time:
 * every 20 ms each call's two parties send one 160-byte G.711 packet
 * (speech-like audio), the recorder places them, encodes (WAV or Ogg/Opus)
 * and writes. The recorder's timeline runs on wall time, so the bench
 * cannot go faster than real time; it measures the share of one core the
 * recorder needs and divides: calls per core = N / busy share. Also the
 * worker side's cost per tapped packet (the tap alone: one more mbuf
 * reference and a ring enqueue), and whether the recorder kept up
 * (late packets, ring full, bytes written).
 * The feeder runs on a second lcore, as a worker would.
 *   rec_bench -l 0,1 [EAL args] -- DIR SECONDS FORMAT N...   (FORMAT wav or opus)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <spandsp.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "flow/flow.h"
#include "rec/rec.h"
#include "common/args.h"

struct dp dp;
static struct cfg cfg;

static void
make_audio(uint8_t *buf, size_t n, uint32_t seed)
{
	uint32_t r = seed;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / 8000.0;
		double env = 0.5 + 0.5 * sin(2 * M_PI * 3 * t);   /* syllable-rate envelope */
		double v;

		r = r * 1103515245u + 12345u;
		v = env * (2500 * sin(2 * M_PI * (220 + 80 * sin(t)) * t) +
			   ((int)(r >> 16) % 2000 - 1000));
		buf[i] = linear_to_alaw((int16_t)v);
	}
}

static uint64_t
sum(enum dp_counter c)
{
	uint64_t v[DP_C__MAX];

	dp_stats_sum(-1, -1, v);
	return v[c];
}

struct feed {
	unsigned n;
	uint32_t *sts;
	struct rte_mbuf **pk;
	struct rte_mempool *pool;
	uint64_t start, end, taps, t_tap;
};

static uint8_t audio[2][8000];

/* A worker's part, on its own lcore: every 20 ms one packet from each
 * party of each call, made (the NIC's work, not timed) and tapped (timed),
 * stamped with when it was due. */
static int
feeder(void *arg)
{
	struct feed *f = arg;
	uint64_t tick = rte_get_tsc_hz() / 50, next = f->start, off = 0;
	uint32_t ts = 0;

	while (next < f->end) {
		uint64_t t0, t1;

		for (unsigned c = 0; c < f->n; c++)
			for (unsigned side = 0; side < 2; side++) {
				struct rte_mbuf *m = rte_pktmbuf_alloc(f->pool);
				uint8_t *rtp = m ? (uint8_t *)rte_pktmbuf_append(m, 12 + 160) : NULL;

				f->pk[2 * c + side] = NULL;
				if (rtp == NULL) {
					rte_pktmbuf_free(m);
					continue;
				}
				rtp[0] = 0x80;
				rtp[1] = 8;
				rtp[2] = (uint8_t)(ts >> 12); rtp[3] = (uint8_t)(ts >> 4);
				rtp[4] = (uint8_t)(ts >> 24); rtp[5] = (uint8_t)(ts >> 16);
				rtp[6] = (uint8_t)(ts >> 8); rtp[7] = (uint8_t)ts;
				rtp[8] = 0; rtp[9] = 0; rtp[10] = (uint8_t)side; rtp[11] = (uint8_t)c;
				memcpy(rtp + 12, audio[side] + off, 160);
				f->pk[2 * c + side] = m;
			}
		t0 = rte_rdtsc();
		for (unsigned i = 0; i < 2 * f->n; i++) {
			struct flow_stream *s = &flow_streams[f->sts[i]];

			if (f->pk[i] == NULL)
				continue;
			s->last_tsc = next;
			rec_tap(rte_lcore_id(), s, f->pk[i], rte_pktmbuf_mtod(f->pk[i], uint8_t *), 12 + 160,
				false);
			f->taps++;
		}
		t1 = rte_rdtsc();
		f->t_tap += t1 - t0;
		for (unsigned i = 0; i < 2 * f->n; i++)
			rte_pktmbuf_free(f->pk[i]);      /* as the TX path would */
		ts += 160;
		off = (off + 160) % sizeof(audio[0]);
		next += tick;
		while (rte_rdtsc() < next)
			rte_delay_us_sleep(500);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct rte_mempool *pool;
	static struct feed fd;
	unsigned feed_lcore;
	const char *dir, *fmt;
	double secs;
	int ret = rte_eal_init(argc, argv);

	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	if (argc < 5) {
		fprintf(stderr, "usage: rec_bench [EAL args] -- DIR SECONDS wav|opus N...\n");
		return 2;
	}
	dir = argv[1];
	secs = arg_secs("rec_bench", "SECONDS", argv[2], 0.01, 3600);
	fmt = argv[3];
	if (strcmp(fmt, "wav") != 0 && strcmp(fmt, "opus") != 0) {
		fprintf(stderr, "rec_bench: the format is wav or opus, not \"%s\"\n", fmt);
		return 2;
	}
	for (int k = 4; k < argc; k++)   /* all of them before the first run */
		arg_ulong("rec_bench", "a recording count", argv[k], 1, 1000000);
	cfg.path = (char *)"bench";
	cfg.dp.rec.dir = (char *)dir;
	cfg.dp.rec.format = strcmp(fmt, "opus") == 0 ? CFG_REC_OPUS : CFG_REC_WAV;
	cfg.dp.rec.fsync = CFG_FSYNC_CLOSE;
	cfg.dp.rec.flush_ms = 1000;
	cfg.dp.rec.jitter_ms = 200;
	cfg.dp.rec.min_free_mb = 0;
	cfg.dp.rec.ring = 1 << 18;
	cfg.dp.rec.opus_bitrate = 32000;
	cfg.dp.rec.opus_complexity = (unsigned)(getenv("OPUS_COMPLEXITY") ?
		arg_ulong("rec_bench", "OPUS_COMPLEXITY", getenv("OPUS_COMPLEXITY"), 0, 10) : 0);
	dp.cfg = &cfg;
	dp.main_lcore = rte_lcore_id();   /* no recorder lcore: the main one records */
	feed_lcore = rte_get_next_lcore(dp.main_lcore, 1, 0);
	if (feed_lcore >= RTE_MAX_LCORE) {
		fprintf(stderr, "rec_bench: needs a second lcore for the feeder (-l 0,1)\n");
		return 2;
	}
	make_audio(audio[0], sizeof(audio[0]), 1);
	make_audio(audio[1], sizeof(audio[1]), 2);
	pool = rte_pktmbuf_pool_create("bench", 1 << 17, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "rec_bench: mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	for (int k = 4; k < argc; k++) {
		unsigned n = (unsigned)arg_ulong("rec_bench", "a recording count", argv[k], 1, 1000000);
		uint64_t hz = rte_get_tsc_hz(), t_tap = 0, t_rec = 0, taps = 0;
		uint64_t start, end;
		uint64_t late0, full0, bytes0, pk0, fin0;
		uint32_t *sts = calloc(2 * (size_t)n, sizeof(uint32_t));
		uint32_t *slots = calloc(n, sizeof(uint32_t));
		struct rte_mbuf **pk = calloc(2 * (size_t)n, sizeof(*pk));

		cfg.dp.rec.max_recordings = n;
		if (flow_init(2 * n + 4, 1, 1) < 0 || rec_init(2 * n) < 0) {
			fprintf(stderr, "rec_bench: set-up failed\n");
			return 1;
		}
		late0 = sum(DP_C_rec_late) + sum(DP_C_rec_bad);
		full0 = sum(DP_C_rec_ring_full);
		bytes0 = sum(DP_C_rec_bytes);
		pk0 = sum(DP_C_rec_packets);
		fin0 = sum(DP_C_rec_finished);
		for (unsigned c = 0; c < n; c++) {
			uint32_t st[2] = { flow_alloc(), flow_alloc() };

			struct rec_params p = { .call_id = "bench", .from_tag = "a", .to_tag = "b",
						.metadata = "", .format = -1 };
			char path[512], err[256], cid[32];

			snprintf(cid, sizeof(cid), "bench-%u", c);
			p.call_id = cid;
			sts[2 * c] = st[0];
			sts[2 * c + 1] = st[1];
			slots[c] = rec_start(st, &p, path, sizeof(path), err, sizeof(err));
			if (slots[c] == REC_NONE) {
				fprintf(stderr, "rec_bench: %s\n", err);
				return 1;
			}
		}
		/* the feeder (a worker's part) on its own lcore, the recorder here */
		fd.n = n;
		fd.sts = sts;
		fd.pk = pk;
		fd.pool = pool;
		fd.taps = fd.t_tap = 0;
		start = rte_rdtsc();
		end = start + (uint64_t)(secs * (double)hz);
		fd.start = start;
		fd.end = end;
		if (rte_eal_remote_launch(feeder, &fd, feed_lcore) < 0) {
			fprintf(stderr, "rec_bench: cannot launch the feeder on lcore %u\n", feed_lcore);
			return 1;
		}
		while (rte_rdtsc() < end) {
			uint64_t a = rte_rdtsc();

			if (rec_poll(dp.main_lcore) > 0)
				t_rec += rte_rdtsc() - a;
			else
				rte_delay_us_sleep(200);
		}
		rte_eal_wait_lcore(feed_lcore);
		taps = fd.taps;
		t_tap = fd.t_tap;
		{
			double wall = (double)(rte_rdtsc() - start) / (double)hz;
			double busy = (double)t_rec / (double)hz / wall;

			uint64_t late, full, placed;

			/* what is still queued is placed before the counts are read
			 * (bounded: an overloaded recorder always finds work) */
			for (uint64_t until = rte_rdtsc() + 2 * hz; rte_rdtsc() < until;)
				rec_poll(dp.main_lcore);
			late = sum(DP_C_rec_late) + sum(DP_C_rec_bad) - late0;
			full = sum(DP_C_rec_ring_full) - full0;
			placed = sum(DP_C_rec_packets) - pk0;

			for (uint32_t s = 0; s < n; s++)
				rec_stop(slots[s]);
			while (sum(DP_C_rec_finished) - fin0 < n) {
				rec_poll(dp.main_lcore);
				rec_events_poll();
				rte_delay_us_sleep(1000);
			}
			printf("rec %-4s %6u calls: recorder busy %5.1f%% of one core -> %6.0f recorded "
			       "calls per recorder core; worker tap %4.0f ns/packet; placed %llu of %llu, "
			       "late %llu, ring full %llu; %.1f MB written\n",
			       fmt, n, 100 * busy, busy > 0 ? n / busy : 0.0,
			       (double)t_tap * 1e9 / (double)hz / (double)(taps ? taps : 1),
			       (unsigned long long)placed, (unsigned long long)taps,
			       (unsigned long long)late, (unsigned long long)full,
			       (double)(sum(DP_C_rec_bytes) - bytes0) / 1e6);
			fflush(stdout);
		}
		rec_shutdown();
		rec_fini();
		flow_fini();
		free(sts);
		free(slots);
		free(pk);
		{
			/* the next round starts from an empty directory */
			char cmd[600];

			snprintf(cmd, sizeof(cmd), "rm -f '%s'/*.wav '%s'/*.opus '%s'/*.json", dir, dir, dir);
			if (system(cmd) != 0)
				fprintf(stderr, "rec_bench: could not empty %s\n", dir);
		}
	}
	return 0;
}
