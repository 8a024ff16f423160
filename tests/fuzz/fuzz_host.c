/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the main lcore's host stack (ARP, IPv4 ICMP, IPv6 ND
 * and echo, punting) on arbitrary frames, in a real EAL with mbufs.
 * Frames first pass the worker's classifier, as on the real path.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "host/host.h"
#include "worker/classify.h"
#include "worker/worker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct dp dp;
static struct cfg cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *eal[] = { "fuzz_host", "--no-huge", "--no-pci", "-m", "64", "--no-shconf",
			"--no-telemetry", "--log-level=1", "-l", "0", NULL };
	struct dp_port *p = &dp.ports[0];

	(void)argc;
	(void)argv;
	if (rte_eal_init(10, eal) < 0)
		abort();
	cfg.path = "fuzz";
	cfg.dp.neigh = (struct cfg_neigh){ .entries = 64, .reachable_s = 30,
					   .stale_s = 60, .retry_ms = 100 };
	dp.cfg = &cfg;
	dp.pool = rte_pktmbuf_pool_create("fuzz", 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	dp.n_ports = 1;
	dp.n_workers = 1;
	dp.main_lcore = rte_lcore_id();
	p->mac = (struct rte_ether_addr){ { 0x02, 0xaa, 0, 0, 0, 1 } };
	p->has4 = p->has6 = true;
	p->ip4 = 0x010012c6;   /* 198.18.0.1 */
	p->mask4 = 0x00ffffff;
	p->plen6 = 64;
	memcpy(p->ip6, (uint8_t[16]){ 0x20, 0x01, 0, 2, [15] = 1 }, 16);
	memcpy(p->ip6_ll, (uint8_t[16]){ 0xfe, 0x80, [8] = 0x00, [9] = 0xaa, [11] = 0xff,
					 [12] = 0xfe, [15] = 1 }, 16);
	if (dp.pool == NULL || dp_workers_init() < 0 || host_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m, *out[32];
	enum dp_counter why;
	unsigned n;
	char *dst;

	if (size > 2000)
		return 0;
	if (dp_classify(&dp.ports[0], data, (uint32_t)size, 30000, 39999, &why) != DP_V_HOST)
		return 0;
	m = rte_pktmbuf_alloc(dp.pool);
	if (m == NULL)
		abort();
	dst = rte_pktmbuf_append(m, (uint16_t)size);
	if (dst == NULL) {
		rte_pktmbuf_free(m);
		return 0;
	}
	memcpy(dst, data, size);
	m->port = 0;
	host_input(m);
	/* Whatever the host stack sent, the worker would transmit: free it. */
	while ((n = rte_ring_sc_dequeue_burst(dp.workers[0].to_tx, (void **)out, 32, NULL)) > 0)
		rte_pktmbuf_free_bulk(out, n);
	if (rte_mempool_avail_count(dp.pool) < 1000)
		abort(); /* an mbuf leaked */
	return 0;
}
