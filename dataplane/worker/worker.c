/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker setup on the main lcore at boot: one single-producer/single-
 * consumer ring each way between the main lcore and every worker, sized
 * so a burst from every port fits many times over.
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "worker.h"

#define DP_RING_SIZE 4096

int
dp_workers_init(void)
{
	for (unsigned i = 0; i < dp.n_workers; i++) {
		struct dp_worker *w = &dp.workers[i];
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "w%u_to_host", i);
		w->to_host = rte_ring_create(name, DP_RING_SIZE, (int)rte_socket_id(),
					     RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "w%u_to_tx", i);
		w->to_tx = rte_ring_create(name, DP_RING_SIZE, (int)rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "w%u_from_dsp", i);
		w->from_dsp = rte_ring_create(name, DP_RING_SIZE, (int)rte_socket_id(),
					      RING_F_SC_DEQ);
		if (w->to_host == NULL || w->to_tx == NULL || w->from_dsp == NULL)
			return -rte_errno;
	}
	return 0;
}
