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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct dp dp;
static struct cfg cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_ngsrv", "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
			"--no-telemetry", "--log-level=1", "-l", "0", NULL };
	struct dp_port *p = &dp.ports[0];

	(void)argc;
	(void)argv;
	if (rte_eal_init(10, eal) < 0)
		abort();
	cfg.path = "fuzz";
	cfg.dp.neigh = (struct cfg_neigh){ .entries = 64, .reachable_s = 30,
					   .stale_s = 60, .retry_ms = 100 };
	cfg.dp.has_ng = true; /* no listen sockets: inputs go to ngsrv_handle */
	cfg.dp.ng = (struct cfg_ng){ .cache_ttl_s = 30, .cache_entries = 64 };
	dp.cfg = &cfg;
	dp.media_min = 30000;
	dp.media_max = 30099; /* small: exhaustion is reachable */
	dp.pool = rte_pktmbuf_pool_create("fuzz", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	dp.n_ports = 1;
	dp.n_workers = 1;
	dp.main_lcore = rte_lcore_id();
	p->mac = (struct rte_ether_addr){ { 0x02, 0xaa, 0, 0, 0, 1 } };
	p->has4 = true;
	p->ip4 = 0x010012c6;
	p->mask4 = 0x00ffffff;
	if (dp.pool == NULL || dp_workers_init() < 0 || host_init() < 0 ||
	    flow_init(256, 1) < 0 || ngsrv_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[65536];
	static const uint8_t peer[4] = { 198, 18, 0, 10 };
	const char *p = (const char *)data, *end = p + size;
	struct rte_mbuf *m[32];
	unsigned n;

	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
		size_t len = sep ? (size_t)(sep - p) : (size_t)(end - p);

		ngsrv_handle(p, len, peer, sizeof(peer), out, sizeof(out));
		p += len + (sep ? 4 : 0);
	}
	ngsrv_reset();
	if (ngsrv_calls() != 0 || flow_in_use() != 0 || ngsrv_ports_in_use() != 0)
		abort(); /* a call leaked streams or ports */
	while ((n = rte_ring_sc_dequeue_burst(dp.workers[0].to_tx, (void **)m, 32, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
	return 0;
}
