/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the dataplane's NG server end to end (framing, cache,
 * offer/answer/query/delete with SDP, port and stream allocation) in a
 * real EAL. Each input is split on "\n--\n" into several requests so
 * offer/answer/delete sequences are explored. Invariant: after every call
 * is ended, no stream slot and no media port is left in use.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "flow/flow.h"
#include "host/host.h"
#include "ng/ngsrv.h"
#include "worker/worker.h"
#include "fuzz_eal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct dp dp;
static struct cfg cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_eal_setup("fuzz_ngsrv", &cfg);
	cfg.dp.has_ng = true; /* no listen sockets: inputs go to ngsrv_handle */
	cfg.dp.ng = (struct cfg_ng){ .cache_ttl_s = 30, .cache_entries = 64,
				     .session_limit = 4096 };
	cfg.dp.media.timeout_s = 60;
	dp.media_min = 30000;
	dp.media_max = 30099; /* small: exhaustion is reachable */
	if (host_init() < 0 || flow_init(256, 1, 1) < 0 || ngsrv_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[65536];
	static const uint8_t peer[4] = { 198, 18, 0, 10 };
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);

		ngsrv_handle(p, len, peer, sizeof(peer), out, sizeof(out));
		p += len + (sep ? 4 : 0);
	}
	ngsrv_reset();
	if (ngsrv_calls() != 0 || flow_in_use() != 0 || ngsrv_ports_in_use() != 0)
		abort(); /* a call leaked streams or ports */
	fuzz_drain_tx();
	return 0;
}
