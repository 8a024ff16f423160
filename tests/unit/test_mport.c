/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Media port allocator: even RTP ports inside the range, never handed out
 * twice while in use, freed pairs reused last, exhaustion and bad frees
 * reported.
 */
#include <errno.h>
#include <string.h>

#include "mport/mport.h"
#include "check.h"

int
main(void)
{
	static uint8_t seen[65536];
	struct mport *mp;
	uint16_t p, first;
	unsigned n = 0;

	CHECK(mport_create(&mp, 30001, 30010) == -EINVAL, "odd min refused");
	CHECK(mport_create(&mp, 30000, 30000) == -EINVAL, "empty range refused");
	CHECK(mport_create(&mp, 30000, 30999) == 0, "create");
	CHECK(mport_capacity(mp) == 500, "500 pairs, %u", mport_capacity(mp));

	/* Exhaust: every port even, in range, unique. */
	while (mport_alloc(mp, &p) == 0) {
		CHECK(!(p & 1) && p >= 30000 && p + 1 <= 30999, "port %u", p);
		CHECK(!seen[p], "port %u handed out twice", p);
		seen[p] = 1;
		n++;
	}
	CHECK(n == 500, "allocated %u", n);
	CHECK(mport_alloc(mp, &p) == -ENOSPC, "exhausted");
	CHECK(mport_in_use(mp) == 500, "in use");

	/* Bad releases are reported and change nothing; a freed pair is
	 * found again when it is the only one. */
	CHECK(mport_release(mp, 30100) == 0, "release");
	CHECK(mport_release(mp, 30100) == -ENOENT, "double free reported");
	CHECK(mport_release(mp, 30101) == -EINVAL, "RTCP port is not a pair");
	CHECK(mport_release(mp, 29998) == -EINVAL, "below range");
	CHECK(mport_release(mp, 31000) == -EINVAL, "above range");
	CHECK(mport_alloc(mp, &p) == 0 && p == 30100, "the only free pair, got %u", p);

	/* Rotation: after freeing everything, allocation continues after the
	 * cursor instead of restarting at the bottom. */
	for (uint16_t q = 30000; q < 31000; q += 2)
		mport_release(mp, q);
	CHECK(mport_in_use(mp) == 0, "all free");
	CHECK(mport_alloc(mp, &first) == 0 && first == 30102, "continues after cursor: %u", first);
	CHECK(mport_release(mp, first) == 0, "release");
	CHECK(mport_alloc(mp, &p) == 0 && p != first, "just-freed pair not reused at once");
	mport_free(mp);

	/* Range not a multiple of 64 pairs; the last pair is usable. */
	CHECK(mport_create(&mp, 2000, 2005) == 0, "3 pairs");
	n = 0;
	memset(seen, 0, sizeof(seen));
	while (mport_alloc(mp, &p) == 0) {
		CHECK(p <= 2004 && !seen[p], "small range port %u", p);
		seen[p] = 1;
		n++;
	}
	CHECK(n == 3, "3 pairs allocated, %u", n);
	mport_free(mp);
	return CHECK_DONE();
}
