/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared set-up for fuzz targets that need a real EAL: a tiny no-huge
 * EAL, an mbuf pool, one port (198.18.0.1, 02:aa:00:00:00:01) and one
 * worker's rings, so host-stack and NG code run as on the main lcore.
 */
#ifndef FUZZ_EAL_H
#define FUZZ_EAL_H

#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "dp.h"
#include "worker/worker.h"

static inline void
fuzz_eal_setup(const char *name, struct cfg *cfg)
{
	char *eal[] = { (char *)name, "--no-huge", "--no-pci", "-m", "128", "--no-shconf",
			"--no-telemetry", "--log-level=1", "-l", "0", NULL };
	struct dp_port *p = &dp.ports[0];

	if (rte_eal_init(10, eal) < 0)
		abort();
	cfg->path = (char *)"fuzz";
	cfg->dp.neigh = (struct cfg_neigh){ .entries = 64, .reachable_s = 30,
					    .stale_s = 60, .retry_ms = 100 };
	dp.cfg = cfg;
	dp.pool = rte_pktmbuf_pool_create("fuzz", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	dp.n_ports = 1;
	dp.n_workers = 1;
	dp.main_lcore = rte_lcore_id();
	p->mac = (struct rte_ether_addr){ { 0x02, 0xaa, 0, 0, 0, 1 } };
	p->has4 = true;
	p->ip4 = 0x010012c6;   /* 198.18.0.1 */
	p->mask4 = 0x00ffffff;
	if (dp.pool == NULL || dp_workers_init() < 0)
		abort();
}

/* Frees whatever the code under test queued for transmission. */
static inline void
fuzz_drain_tx(void)
{
	struct rte_mbuf *m[32];
	unsigned n;

	while ((n = rte_ring_sc_dequeue_burst(dp.workers[0].to_tx, (void **)m, 32, NULL)) > 0)
		rte_pktmbuf_free_bulk(m, n);
}

#endif
