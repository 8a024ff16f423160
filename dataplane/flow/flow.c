/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream table setup and changes, main lcore only (see flow.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "dp.h"
#include "flow.h"

struct flow_stream *flow_streams;
struct rte_rcu_qsbr *flow_qsbr;
/* [slot][udp port] -> stream index + 1 (0: none); read by workers */
uint32_t *flow_map;

static uint32_t *free_list;
static uint32_t n_free, cap;
static size_t streams_len, map_len;

/*
 * The stream table and the stream map, which the workers read for every
 * packet, in memory of their own asked for in 2 MiB pages (transparent
 * huge pages; the kernel's "madvise" setting, Debian's default). EAL's
 * memory without hugepages is a shared memfd in 4 KiB pages, and at
 * 100,000 streams nearly every stream a packet touches was on a page the
 * TLB did not hold. Only the dataplane's own lcores use these tables (no
 * device reads them), so they need not be EAL memory. Zeroed.
 */
static void *
table_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_HUGEPAGE);   /* a hint: 4 KiB pages if refused */
	return p;
}

int
flow_init(uint32_t max, unsigned workers, unsigned slots)
{
	size_t qs = rte_rcu_qsbr_get_memsize(workers ? workers : 1);

	if (max >= FLOW_W_IDX)
		return -EINVAL;
	streams_len = sizeof(*flow_streams) * max;
	map_len = sizeof(uint32_t) * (slots ? slots : 1) * 65536;
	flow_streams = table_alloc(streams_len);
	flow_map = table_alloc(map_len);
	free_list = malloc(sizeof(*free_list) * max);
	flow_qsbr = rte_zmalloc("flow_qsbr", qs, RTE_CACHE_LINE_SIZE);
	if (!flow_streams || !flow_map || !free_list || !flow_qsbr)
		return -ENOMEM;
	if (rte_rcu_qsbr_init(flow_qsbr, workers ? workers : 1) != 0)
		return -EINVAL;
	for (uint32_t i = 0; i < max; i++)
		free_list[i] = max - 1 - i;
	n_free = cap = max;
	return 0;
}

void
flow_fini(void)
{
	if (flow_streams != NULL)
		munmap(flow_streams, streams_len);
	if (flow_map != NULL)
		munmap(flow_map, map_len);
	flow_streams = NULL;
	flow_map = NULL;
	rte_free(flow_qsbr);
	free(free_list);
}

uint32_t
flow_alloc(void)
{
	uint32_t idx;

	if (n_free == 0)
		return FLOW_NONE;
	idx = free_list[--n_free];
	memset(&flow_streams[idx], 0, sizeof(flow_streams[idx]));
	flow_streams[idx].out = FLOW_NONE;
	rtpstat_init(&flow_streams[idx].rs);
	flow_set_clock(idx, 0);
	return idx;
}

void
flow_publish(uint32_t idx)
{
	const struct flow_stream *s = &flow_streams[idx];
	uint32_t *slot = &flow_map[s->slot * 65536u + rte_be_to_cpu_16(s->local_port)];

	uint32_t w = idx + 1;

	if (s->srtp_rx != NULL)
		w |= FLOW_W_RX | (srtp_xf_gcm_keys_at(s->srtp_rx) ? FLOW_W_GCM : 0);
	if (s->out != FLOW_NONE && flow_streams[s->out].srtp_tx != NULL)
		w |= FLOW_W_TX |
		     (srtp_xf_gcm_keys_at(flow_streams[s->out].srtp_tx) ? FLOW_W_TX_GCM : 0);
	/* Release: a worker that sees the index sees the stream filled in. */
	__atomic_store_n(slot, w, __ATOMIC_RELEASE);
}

void
flow_release(const uint32_t *idx, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct flow_stream *s = &flow_streams[idx[i]];
		uint32_t *slot = &flow_map[s->slot * 65536u + rte_be_to_cpu_16(s->local_port)];

		if ((__atomic_load_n(slot, __ATOMIC_RELAXED) & FLOW_W_IDX) == idx[i] + 1)
			__atomic_store_n(slot, 0, __ATOMIC_RELEASE);
	}
	/* Every worker passes a quiescent state before the slots are reused. */
	rte_rcu_qsbr_synchronize(flow_qsbr, RTE_QSBR_THRID_INVALID);
	for (unsigned i = 0; i < n; i++)
		free_list[n_free++] = idx[i];
}

uint32_t
flow_in_use(void)
{
	return cap - n_free;
}

void
flow_set_clock(uint32_t idx, uint32_t clock_hz)
{
	struct flow_stream *f = &flow_streams[idx];
	uint64_t mul;

	if (clock_hz == 0)
		clock_hz = 8000;
	mul = (uint64_t)(((unsigned __int128)clock_hz << 40) / rte_get_tsc_hz());
	__atomic_store_n(&f->tick_mul, mul, __ATOMIC_RELAXED);
	__atomic_store_n(&f->clock_hz, clock_hz, __ATOMIC_RELAXED);
}
