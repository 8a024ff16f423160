/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-band DTMF capacity of one dsp core: the dataplane's own code
 * (dsp_feed on the worker side, dsp_poll with its band-pass and SpanDSP
 * detectors on the dsp side, through the real rings) over N streams,
 * each fed 20 ms G.711 payloads of speech-like audio with DTMF digits in
 * it, round robin (every stream's detector state is cold in cache in
 * turn, as on a loaded box). Prints, per N: the dsp side's ns per payload
 * and the streams one dsp core keeps up with (payloads per second / 50),
 * the worker side's ns per handed-off payload, and the digits detected
 * (a check that the detectors ran).
 *   dsp_bench [EAL args] -- [SECONDS] [N...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <spandsp.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "dp.h"
#include "dsp/dsp.h"
#include "dtmf/dtmf.h"
#include "flow/flow.h"
#include "common/args.h"

struct dp dp;
static struct cfg cfg;
static uint64_t digits;

static void
count(const struct dtmf_ev *e)
{
	(void)e;
	digits++;
}

/* 1 s of mu-law: a DTMF '5' (770 + 1336 Hz) for 100 ms in every 500,
 * pseudo-random "speech" energy the rest of the time. */
static void
make_audio(uint8_t *buf, size_t n)
{
	uint32_t r = 12345;

	for (size_t i = 0; i < n; i++) {
		double t = (double)i / 8000.0, v;

		if (i % 4000 < 800)
			v = 4000 * (sin(2 * M_PI * 770 * t) + sin(2 * M_PI * 1336 * t));
		else {
			r = r * 1103515245u + 12345u;
			v = ((int)(r >> 16) % 6000) - 3000;
		}
		buf[i] = linear_to_ulaw((int16_t)v);
	}
}

int
main(int argc, char **argv)
{
	static uint8_t audio[8000];
	unsigned ns_default[] = { 1000, 20000, 50000 };
	unsigned *ns = ns_default, n_ns = 3;
	double secs = 3;
	int ret = rte_eal_init(argc, argv);

	if (ret < 0)
		return 1;
	argc -= ret;
	argv += ret;
	if (argc > 1)
		secs = arg_secs("dsp_bench", "SECONDS", argv[1], 0.01, 3600);
	if (argc > 2) {
		n_ns = (unsigned)(argc - 2);
		ns = calloc(n_ns, sizeof(*ns));
		if (ns == NULL)
			return 1;
		for (unsigned i = 0; i < n_ns; i++)
			ns[i] = (unsigned)arg_ulong("dsp_bench", "a stream count", argv[2 + i], 1,
						    1000000);
	}
	cfg.path = (char *)"bench";
	dp.cfg = &cfg;
	dp.main_lcore = rte_lcore_id();   /* no dsp lcore: the main one does it */
	dp.n_workers = 0;
	make_audio(audio, sizeof(audio));
	for (unsigned k = 0; k < n_ns; k++) {
		unsigned n = ns[k];
		struct flow_stream s;
		uint8_t pkt[12 + 160];
		uint64_t hz = rte_get_tsc_hz(), t_feed = 0, t_dsp = 0, done = 0;
		uint64_t end, off = 0;

		if (dtmf_init() < 0 || dsp_init(n) < 0) {
			fprintf(stderr, "dsp_bench: set-up failed\n");
			return 1;
		}
		memset(&s, 0, sizeof(s));
		s.inband = 1;
		s.inband_pt = 0;
		s.dsp_gen = dsp_new_gen();
		memset(pkt, 0, 12);
		pkt[0] = 0x80;
		digits = 0;
		end = rte_rdtsc() + (uint64_t)(secs * (double)hz);
		while (rte_rdtsc() < end) {
			/* one 20 ms payload for every stream, 64 at a time */
			for (unsigned i = 0; i < n; i += 64) {
				unsigned m = n - i < 64 ? n - i : 64;
				uint64_t t0 = rte_rdtsc(), t1;

				memcpy(pkt + 12, audio + off, 160);
				for (unsigned j = 0; j < m; j++)
					dsp_feed(0, &s, i + j, pkt, sizeof(pkt));
				t1 = rte_rdtsc();
				while (dsp_poll(dp.main_lcore) > 0)
					;
				t_feed += t1 - t0;
				t_dsp += rte_rdtsc() - t1;
				done += m;
			}
			off = (off + 160) % sizeof(audio);
			dtmf_poll(count);
		}
		printf("dsp: %6u streams  %7.0f ns/payload on the dsp core -> %7.0f streams per dsp "
		       "core; worker hand-off %4.0f ns/payload; %llu digits detected\n", n,
		       (double)t_dsp * 1e9 / (double)hz / (double)done,
		       (double)done / ((double)t_dsp / (double)hz) / 50.0,
		       (double)t_feed * 1e9 / (double)hz / (double)done,
		       (unsigned long long)digits);
		dsp_fini();
		dtmf_fini();
	}
	return 0;
}
