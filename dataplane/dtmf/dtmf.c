/* SPDX-License-Identifier: BSD-3-Clause */
/* DTMF rings (main lcore side): setup and draining. */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "dp.h"
#include "dtmf.h"

#define DTMF_RING 1024

struct rte_ring *dtmf_rings[RTE_MAX_LCORE];

int
dtmf_init(void)
{
	for (unsigned i = 0; i < dp.n_workers; i++) {
		unsigned lc = dp.workers[i].lcore;
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "dtmf_%u", lc);
		dtmf_rings[lc] = rte_ring_create_elem(name, sizeof(struct dtmf_ev), DTMF_RING,
						      (int)rte_socket_id(),
						      RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (dtmf_rings[lc] == NULL)
			return -rte_errno;
	}
	return 0;
}

void
dtmf_fini(void)
{
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		rte_ring_free(dtmf_rings[i]);
		dtmf_rings[i] = NULL;
	}
}

unsigned
dtmf_poll(void (*cb)(const struct dtmf_ev *e))
{
	unsigned total = 0;

	for (unsigned l = 0; l < RTE_MAX_LCORE; l++) {
		struct rte_ring *r = dtmf_rings[l];
		struct dtmf_ev ev[16];
		unsigned n;

		if (r == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst_elem(r, ev, sizeof(ev[0]), 16, NULL);
		for (unsigned k = 0; k < n; k++)
			cb(&ev[k]);
		total += n;
	}
	return total;
}

char
dtmf_char(uint8_t event)
{
	static const char map[] = "0123456789*#ABCD";

	return event < 16 ? map[event] : '?';
}
