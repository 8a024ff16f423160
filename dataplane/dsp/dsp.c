/* SPDX-License-Identifier: BSD-3-Clause */
/* dsp role set-up on the main lcore (boot): rings, detector memory. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "dp.h"
#include "dsp_int.h"
#include "dtmf/dtmf.h"

#define DSP_RING 4096

struct dsp_shared dsp_sh;

static uint32_t gen_next;

uint32_t
dsp_new_gen(void)
{
	return ++gen_next ? gen_next : ++gen_next;   /* never 0: 0 is "fresh memory" */
}

unsigned
dsp_lcores(unsigned *ids, unsigned max)
{
	unsigned n = 0;

	for (unsigned l = 0; l < RTE_MAX_LCORE && n < max; l++)
		if (rte_lcore_is_enabled(l) && (dp.lcore_roles[l] & CFG_ROLE_DSP))
			ids[n++] = l;
	if (n == 0 && max > 0)
		ids[n++] = dp.main_lcore;
	return n;
}

int
dsp_init(uint32_t max_streams)
{
	unsigned ids[RTE_MAX_LCORE];
	unsigned n = dsp_lcores(ids, RTE_MAX_LCORE);

	dsp_sh.det = rte_zmalloc("dsp_det", (size_t)max_streams * sizeof(struct dsp_det),
				 RTE_CACHE_LINE_SIZE);
	if (dsp_sh.det == NULL)
		return -ENOMEM;
	dsp_sh.max = max_streams;
	{
		/* y[n] = a (y[n-1] + x[n] - x[n-1]), corner 800 Hz at 8 kHz */
		double rc = 1.0 / (2 * M_PI * 800), dt = 1.0 / 8000;

		dsp_sh.hp_a = (float)(rc / (rc + dt));
	}
	for (unsigned i = 0; i < 256; i++) {
		dsp_sh.ulaw[i] = ulaw_to_linear((uint8_t)i);
		dsp_sh.alaw[i] = alaw_to_linear((uint8_t)i);
	}
	for (unsigned i = 0; i < n; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "dsp_%u", ids[i]);
		dsp_sh.ring[ids[i]] = rte_ring_create_elem(name, sizeof(struct dsp_item), DSP_RING,
							   (int)rte_socket_id(), RING_F_SC_DEQ);
		if (dsp_sh.ring[ids[i]] == NULL)
			return -rte_errno;
		if (dtmf_rings[ids[i]] == NULL) {
			snprintf(name, sizeof(name), "dtmf_%u", ids[i]);
			dtmf_rings[ids[i]] = rte_ring_create_elem(name, sizeof(struct dtmf_ev), 1024,
				(int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (dtmf_rings[ids[i]] == NULL)
				return -rte_errno;
		}
		dsp_sh.hold[ids[i]] = rte_zmalloc("dsp_hold", sizeof(struct dsp_hold_list), 0);
		if (dsp_sh.hold[ids[i]] == NULL)
			return -ENOMEM;
		dsp_sh.lcore[i] = ids[i];
	}
	dsp_sh.n = n;
	return 0;
}

void
dsp_fini(void)
{
	for (unsigned i = 0; i < dsp_sh.n; i++) {
		rte_ring_free(dsp_sh.ring[dsp_sh.lcore[i]]);
		dsp_sh.ring[dsp_sh.lcore[i]] = NULL;
		rte_free(dsp_sh.hold[dsp_sh.lcore[i]]);
		dsp_sh.hold[dsp_sh.lcore[i]] = NULL;
	}
	dsp_sh.n = 0;
	rte_free(dsp_sh.det);
	dsp_sh.det = NULL;
}
