/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media port allocator (see mport.h): one bit per RTP/RTCP pair.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mport.h"

struct mport {
	uint16_t min;
	uint32_t pairs;
	uint32_t cursor;   /* next pair to try */
	uint32_t used;
	uint64_t bits[];
};

int
mport_create(struct mport **out, uint16_t min, uint16_t max)
{
	struct mport *mp;
	uint32_t pairs;

	if ((min & 1) || max <= min)
		return -EINVAL;
	pairs = (uint32_t)(max - min + 1) / 2;
	mp = calloc(1, sizeof(*mp) + sizeof(uint64_t) * ((pairs + 63) / 64));
	if (mp == NULL)
		return -ENOMEM;
	mp->min = min;
	mp->pairs = pairs;
	*out = mp;
	return 0;
}

void
mport_free(struct mport *mp)
{
	free(mp);
}

static bool
taken(const struct mport *mp, uint32_t i)
{
	return (mp->bits[i / 64] >> (i % 64)) & 1;
}

int
mport_alloc(struct mport *mp, uint16_t *rtp)
{
	uint32_t i = mp->cursor;

	if (mp->used >= mp->pairs)
		return -ENOSPC;
	/* Skip whole words that are full, then find the free bit. */
	for (uint32_t scanned = 0; scanned < mp->pairs;) {
		uint64_t w = mp->bits[i / 64];

		if (w == UINT64_MAX && i % 64 == 0 && i + 64 <= mp->pairs) {
			scanned += 64;
			i = (i + 64) % mp->pairs;
			continue;
		}
		if (!taken(mp, i)) {
			mp->bits[i / 64] |= 1ull << (i % 64);
			mp->used++;
			mp->cursor = (i + 1) % mp->pairs;
			*rtp = (uint16_t)(mp->min + 2 * i);
			return 0;
		}
		scanned++;
		i = (i + 1) % mp->pairs;
	}
	return -ENOSPC;
}

int
mport_release(struct mport *mp, uint16_t rtp)
{
	uint32_t i;

	if (rtp < mp->min || ((rtp - mp->min) & 1))
		return -EINVAL;
	i = (uint32_t)(rtp - mp->min) / 2;
	if (i >= mp->pairs)
		return -EINVAL;
	if (!taken(mp, i))
		return -ENOENT;
	mp->bits[i / 64] &= ~(1ull << (i % 64));
	mp->used--;
	return 0;
}

unsigned
mport_in_use(const struct mport *mp)
{
	return mp->used;
}

unsigned
mport_capacity(const struct mport *mp)
{
	return mp->pairs;
}
