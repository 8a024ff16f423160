/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream table setup and changes, main lcore only (see flow.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int
flow_init(uint32_t max, unsigned workers, unsigned slots)
{
	size_t qs = rte_rcu_qsbr_get_memsize(workers ? workers : 1);

	if (max >= FLOW_W_IDX)
		return -EINVAL;
	flow_streams = rte_zmalloc("flow_streams", sizeof(*flow_streams) * max,
				   RTE_CACHE_LINE_SIZE);
	flow_map = rte_zmalloc("flow_map", sizeof(uint32_t) * (slots ? slots : 1) * 65536, 0);
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
	rte_free(flow_streams);
	rte_free(flow_map);
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
