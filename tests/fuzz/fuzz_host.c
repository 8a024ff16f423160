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
#include "fuzz_eal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

struct dp dp;
static struct cfg cfg;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct dp_port *p = &dp.ports[0];

	(void)argc;
	(void)argv;
	fuzz_eal_setup("fuzz_host", &cfg);
	p->has6 = true;
	p->plen6 = 64;
	memcpy(p->ip6, (uint8_t[16]){ 0x20, 0x01, 0, 2, [15] = 1 }, 16);
	memcpy(p->ip6_ll, (uint8_t[16]){ 0xfe, 0x80, [9] = 0xaa, [11] = 0xff,
					 [12] = 0xfe, [15] = 1 }, 16);
	if (host_init() < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;
	enum dp_counter why;
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
	fuzz_drain_tx();
	if (rte_mempool_avail_count(dp.pool) < 1000)
		abort(); /* an mbuf leaked */
	return 0;
}
