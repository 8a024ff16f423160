/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the RFC 4733 telephone-event detector, which reads
 * every event packet any peer sends. The input is a run of packets (a
 * length byte, then that many bytes of RTP) on one stream. Properties:
 * no read past a packet; each reported event carries the timestamp of
 * event packets that were seen; no timestamp is reported twice in a row
 * of DTMF_SEEN reports.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dtmf/dtmf.h"
#include "flow/flow.h"
#include "fuzz_eal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct dp dp;
static struct cfg cfg;

static unsigned reported;
static uint32_t rep_ts[512];
static uint32_t seen_ts[512];
static unsigned n_seen;

static void
collect(const struct dtmf_ev *e)
{
	bool ok = false;

	for (unsigned i = 0; i < n_seen; i++)
		ok |= seen_ts[i] == e->ts;
	if (!ok || e->stream != 7)
		abort();
	if (reported < 512)
		rep_ts[reported] = e->ts;
	reported++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	static struct flow_stream s;

	if (!init) {
		fuzz_eal_setup("fuzz_dtmf", &cfg);
		dp.workers[0].lcore = rte_lcore_id();
		if (dtmf_init() < 0)
			abort();
		init = true;
	}
	memset(&s, 0, sizeof(s));
	reported = n_seen = 0;
	while (size > 0) {
		size_t n = data[0];
		uint8_t *pkt;

		data++;
		size--;
		if (n > size)
			n = size;
		if (n >= 12) {
			pkt = malloc(n);    /* exact size: ASan sees overreads */
			memcpy(pkt, data, n);
			if (dtmf_rfc4733(rte_lcore_id(), &s, 7, pkt, (uint16_t)n) && n_seen < 512) {
				seen_ts[n_seen++] = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 |
						    (uint32_t)pkt[6] << 8 | pkt[7];
			}
			free(pkt);
		}
		data += n;
		size -= n;
		dtmf_poll(collect);
	}
	dtmf_poll(collect);
	for (unsigned i = 1; i < reported && i < 512; i++)
		for (unsigned k = i >= DTMF_SEEN ? i - DTMF_SEEN : 0; k < i; k++)
			if (rep_ts[k] == rep_ts[i])
				abort();
	return 0;
}
