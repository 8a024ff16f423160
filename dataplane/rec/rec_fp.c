/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recording tap, on worker lcores: one more reference on the packet
 * and a 32-byte record into the recorder's ring. No copy, no lock, no
 * system call; a full ring costs the recording that packet (counted),
 * never the relay.
 */
#include <rte_memcpy.h>
#include <rte_ring_elem.h>

#include "dp.h"
#include "flow/flow.h"
#include "rec_int.h"

void
rec_tap(unsigned lc, const struct flow_stream *s, struct rte_mbuf *m, const uint8_t *rtp,
	uint16_t len, bool changes)
{
	uint32_t slot1 = __atomic_load_n(&s->rec, __ATOMIC_ACQUIRE);
	struct rec_item it;

	if (slot1 == 0)
		return;
	/* the payload must lie in the first segment (it always does for the
	 * vdevs and NICs we run on; a chained head is not recorded) */
	if (unlikely(rtp + len > rte_pktmbuf_mtod(m, const uint8_t *) + rte_pktmbuf_data_len(m))) {
		DP_COUNT(lc, DP_STATS_NOPORT, rec_bad, 1);
		return;
	}
	it.tsc = s->last_tsc;
	it.slot = slot1 - 1;
	it.gen = s->rec_gen;
	it.len = len;
	it.ch = s->rec_ch;
	it.silent = s->dtmf_block;
	it.pad[0] = it.pad[1] = 0;
	if (unlikely(changes)) {
		/* the packet is encrypted in place after this: the clear RTP
		 * goes to the recorder in a buffer of its own */
		struct rte_mbuf *c = rte_pktmbuf_alloc(m->pool);
		uint8_t *d = c ? (uint8_t *)rte_pktmbuf_append(c, len) : NULL;

		if (d == NULL) {
			rte_pktmbuf_free(c);
			DP_COUNT(lc, DP_STATS_NOPORT, rec_ring_full, 1);
			return;
		}
		rte_memcpy(d, rtp, len);
		it.m = c;
		it.off = (uint16_t)(d - (const uint8_t *)c->buf_addr);
	} else {
		it.m = m;
		it.off = (uint16_t)(rtp - (const uint8_t *)m->buf_addr);
		rte_mbuf_refcnt_update(m, 1);
	}
	if (unlikely(rte_ring_mp_enqueue_elem(rec_sh.ring[s->rec_lc], &it, sizeof(it)) != 0)) {
		if (changes)
			rte_pktmbuf_free(it.m);
		else
			rte_mbuf_refcnt_update(m, -1);
		DP_COUNT(lc, DP_STATS_NOPORT, rec_ring_full, 1);
	}
}
