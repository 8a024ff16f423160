/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media port allocator: RTP/RTCP pairs (even RTP, RTCP = RTP + 1) from
 * the configured range, never handed out twice while in use. Allocation
 * walks a rotating cursor, so a pair just freed is the last to be reused
 * and late packets of an ended call do not land on a new one. Main lcore
 * only (NG server); pure C on memory allocated at create.
 */
#ifndef MPORT_H
#define MPORT_H

#include <stdint.h>

struct mport;

/* @min even, @max >= min + 1. 0 or -EINVAL/-ENOMEM. */
int mport_create(struct mport **out, uint16_t min, uint16_t max);
void mport_free(struct mport *mp);

/* Takes a pair: 0 and *rtp (even; RTCP is *rtp + 1), or -ENOSPC. */
int mport_alloc(struct mport *mp, uint16_t *rtp);

/* Returns a pair. -EINVAL if @rtp is not a pair of the range, -ENOENT
 * if it is not in use (double free is reported, never corrupts). */
int mport_release(struct mport *mp, uint16_t rtp);

unsigned mport_in_use(const struct mport *mp);
unsigned mport_capacity(const struct mport *mp);

#endif
