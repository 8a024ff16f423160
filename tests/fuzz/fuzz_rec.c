/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: what the recorder takes from outside. The first byte
 * picks the part:
 *  - 0: RTP packets (2-byte length, 2-byte arrival step in samples, then
 *    the packet) placed on a recording's timeline: never a write outside
 *    the ring, never more samples than the payload held, the write head
 *    only moves forward;
 *  - 1: an Ogg file left by a crash (bytes on disk at boot): the repair
 *    only ever shortens it, and what it keeps repairs again to itself;
 *  - 2: the same for a WAV file: header sizes match the kept bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dp.h"
#include "rec/rec.h"

struct dp dp;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING 1024   /* small, so the "too far ahead" path is reached */

static void
timeline(const uint8_t *d, size_t n)
{
	static int16_t ring[RING * 2 + 2];
	struct rec_chan ch[2];
	int64_t arr = 0, committed = 0;

	memset(ch, 0, sizeof(ch));
	ring[RING * 2] = ring[RING * 2 + 1] = 0x5a5a;   /* guard */
	while (n >= 4) {
		uint16_t len = (uint16_t)(d[0] | d[1] << 8), step = (uint16_t)(d[2] | d[3] << 8);
		uint8_t *pkt;
		int why, got;

		d += 4;
		n -= 4;
		if (len > n)
			len = (uint16_t)n;
		pkt = malloc(len ? len : 1);      /* exact: ASan sees overreads */
		if (pkt == NULL)
			return;
		memcpy(pkt, d, len);
		arr += step % 2000;
		got = rec_place(&ch[step & 1], ring, RING - 1, committed, step & 1, pkt, len, arr,
				step & 2, &why);
		if (got > (int)len || (got < 0 && (why < 1 || why > 3)))
			abort();
		free(pkt);
		d += len;
		n -= len;
		if (arr - 400 > committed)
			committed = arr - 400;     /* the writer follows arrival */
	}
	if (ring[RING * 2] != 0x5a5a || ring[RING * 2 + 1] != 0x5a5a)
		abort();
}

static void
repair(const uint8_t *d, size_t n, bool ogg)
{
	int fd = memfd_create("rec", 0);
	uint64_t bytes = 0, ms = 0, b2 = 0, ms2 = 0;
	struct stat st;
	int rc;

	if (fd < 0)
		return;
	if (write(fd, d, n) != (ssize_t)n)
		goto out;
	rc = ogg ? rec_repair_ogg(fd, &bytes, &ms) : rec_repair_wav(fd, &bytes, &ms);
	if (rc < 0)
		goto out;
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != bytes)
		abort();
	if (ogg && bytes > n)
		abort();       /* an Ogg repair only cuts */
	if (!ogg && (bytes < 44 || (bytes - 44) % 4 != 0))
		abort();
	/* repairing what was kept changes nothing */
	rc = ogg ? rec_repair_ogg(fd, &b2, &ms2) : rec_repair_wav(fd, &b2, &ms2);
	if (rc < 0 || b2 != bytes || ms2 != ms)
		abort();
out:
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: timeline(data + 1, size - 1); break;
	case 1: repair(data + 1, size - 1, true); break;
	default: repair(data + 1, size - 1, false); break;
	}
	return 0;
}
