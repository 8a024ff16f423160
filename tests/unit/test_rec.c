/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The recorder's timeline and file repair: reordered packets land where
 * their timestamps say, losses stay silent at the right place, late
 * packets are refused, a new source or a timestamp jump re-anchors to
 * arrival, DTMF-blocked audio is silence; a WAV cut anywhere gets a header
 * that states its whole frames; an Ogg/Opus stream cut mid-page keeps its
 * whole pages, the last marked end-of-stream with a valid checksum.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <opus/opusenc.h>

#include "dp.h"
#include "rec/rec.h"
#include "check.h"

struct dp dp;

#define MASK 16383
static int16_t ring[(MASK + 1) * 2];

static uint16_t
mkpkt(uint8_t *p, uint8_t pt, uint16_t seq, uint32_t ts, uint32_t ssrc, uint8_t fill, uint16_t n)
{
	p[0] = 0x80;
	p[1] = pt;
	p[2] = (uint8_t)(seq >> 8); p[3] = (uint8_t)seq;
	p[4] = (uint8_t)(ts >> 24); p[5] = (uint8_t)(ts >> 16); p[6] = (uint8_t)(ts >> 8); p[7] = (uint8_t)ts;
	p[8] = (uint8_t)(ssrc >> 24); p[9] = (uint8_t)(ssrc >> 16); p[10] = (uint8_t)(ssrc >> 8); p[11] = (uint8_t)ssrc;
	memset(p + 12, fill, n);
	return (uint16_t)(12 + n);
}

/* first and last frame index (of @ch) that is not silence, from @from */
static long
first_sound(unsigned ch, long from)
{
	for (long i = from; i <= MASK; i++)
		if (ring[i * 2 + ch] != 0)
			return i;
	return -1;
}

static void
timeline(void)
{
	struct rec_chan c;
	uint8_t p[300];
	uint16_t len;
	int why;

	memset(&c, 0, sizeof(c));
	memset(ring, 0, sizeof(ring));
	/* packet 0 arrives at 1000: anchors there */
	len = mkpkt(p, 0, 1, 50000, 7, 0x00, 160);       /* mu-law 0x00: loud */
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 1000, false, &why) == 160, "first placed");
	CHECK(first_sound(0, 0) == 1000, "anchored at arrival (%ld)", first_sound(0, 0));
	/* packet 2 before packet 1 (reordered), packet 3 lost */
	len = mkpkt(p, 0, 3, 50320, 7, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 1330, false, &why) == 160, "reordered placed");
	len = mkpkt(p, 0, 2, 50160, 7, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 1340, false, &why) == 160, "late-arriving placed");
	CHECK(first_sound(0, 1000) == 1000 && ring[(1479) * 2] != 0 && ring[1160 * 2] != 0,
	      "each by its timestamp, not its arrival");
	len = mkpkt(p, 0, 5, 50640, 7, 0x00, 160);        /* seq 4 (ts 50480) lost */
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 1650, false, &why) == 160, "after loss");
	CHECK(first_sound(0, 1480) == 1640, "the loss is silence (%ld)", first_sound(0, 1480));
	CHECK(ring[1 * 2 + 1] == 0 && first_sound(1, 0) == -1, "the other channel untouched");
	/* behind the write head: refused as late */
	len = mkpkt(p, 0, 4, 50480, 7, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 2000, 0, p, len, 2100, false, &why) < 0 && why == 2 &&
	      c.late == 1, "late packet refused and counted");
	/* a timestamp jump of 10 s re-anchors to arrival */
	len = mkpkt(p, 8, 6, 50640 + 80000, 7, 0xd5, 160);  /* A-law 0xd5: silence-ish */
	CHECK(rec_place(&c, ring, MASK, 1800, 0, p, len, 2200, false, &why) == 160 && c.pos0 == 2200,
	      "timestamp jump re-anchored at arrival");
	/* a new SSRC too */
	len = mkpkt(p, 0, 1, 7, 99, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 1800, 0, p, len, 2400, false, &why) == 160 && c.ssrc == 99 &&
	      ring[2400 * 2] != 0, "new source anchored at its arrival");
	/* DTMF blocked: timing kept, nothing heard */
	len = mkpkt(p, 0, 2, 167, 99, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 1800, 0, p, len, 2560, true, &why) == 160 &&
	      ring[2600 * 2] == 0, "blocked audio is silence");
	/* refused: not G.711, not RTP, too far ahead, bad padding */
	len = mkpkt(p, 96, 3, 327, 99, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 1800, 0, p, len, 2720, false, &why) < 0 && why == 1,
	      "other codec refused");
	p[0] = 0x40;
	CHECK(rec_place(&c, ring, MASK, 1800, 0, p, len, 2720, false, &why) < 0 && why == 1,
	      "version 1 refused");
	len = mkpkt(p, 0, 3, 327 + 3000, 99, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 2720 + 3000, false, &why) == 160,
	      "ahead within the ring placed");
	len = mkpkt(p, 0, 4, 327 + 16000, 99, 0x00, 160);
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 2720 + 16000, false, &why) < 0 && why == 3,
	      "beyond the ring refused");
	len = mkpkt(p, 0, 5, 500, 99, 0x00, 10);
	p[0] |= 0x20;
	p[len - 1] = 50;
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 2880, false, &why) < 0 && why == 1,
	      "padding longer than the payload refused");
	p[len - 1] = 4;
	CHECK(rec_place(&c, ring, MASK, 0, 0, p, len, 2880, false, &why) == 6, "padding removed");
}

static int
memfile(const void *d, size_t n)
{
	int fd = memfd_create("t", 0);

	if (fd >= 0 && write(fd, d, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
wav(void)
{
	uint8_t buf[44 + 4003];
	uint64_t bytes = 0, ms = 0;
	uint32_t riff, data;
	struct stat st;
	int fd;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, "RIFF", 4);
	fd = memfile(buf, sizeof(buf));
	CHECK(fd >= 0 && rec_repair_wav(fd, &bytes, &ms) == 0, "wav repaired");
	CHECK(fstat(fd, &st) == 0 && st.st_size == 44 + 4000 && bytes == 44 + 4000 && ms == 125,
	      "cut to whole frames (%lld bytes, %llu ms)", (long long)st.st_size,
	      (unsigned long long)ms);
	CHECK(pread(fd, buf, 44, 0) == 44, "header read");
	memcpy(&riff, buf + 4, 4);
	memcpy(&data, buf + 40, 4);
	CHECK(riff == 36 + 4000 && data == 4000 && memcmp(buf + 8, "WAVEfmt ", 8) == 0 &&
	      buf[22] == 2, "header states the sizes, stereo");
	close(fd);
	fd = memfile(buf, 10);
	CHECK(fd >= 0 && rec_repair_wav(fd, &bytes, &ms) == 0 && bytes == 44 && ms == 0,
	      "a file cut inside its header gets an empty one");
	close(fd);
}

static uint8_t *ogg;
static size_t ogg_len;

static void
ogg_file(void)
{
	OggOpusComments *cm = ope_comments_create();
	int err;
	OggOpusEnc *e = ope_encoder_create_pull(cm, 8000, 2, 0, &err);
	int16_t pcm[160 * 2];
	unsigned char *pg;
	opus_int32 pl;

	ogg = malloc(1 << 20);
	ope_encoder_ctl(e, OPE_SET_DECISION_DELAY(0));   /* as the recorder does */
	ope_encoder_flush_header(e);
	for (int i = 0; i < 100; i++) {      /* 2 s */
		for (int k = 0; k < 320; k++)
			pcm[k] = (int16_t)((k * 97 + i * 31) % 2000 - 1000);
		ope_encoder_write(e, pcm, 160);
		while (ope_encoder_get_page(e, &pg, &pl, i % 10 == 9)) {
			memcpy(ogg + ogg_len, pg, (size_t)pl);
			ogg_len += (size_t)pl;
		}
	}
	ope_encoder_destroy(e);         /* no drain: no EOS page, like a crash */
	ope_comments_destroy(cm);
}

static void
oggtest(void)
{
	uint64_t bytes = 0, ms = 0, b2 = 0, ms2 = 0;
	size_t cut;
	uint8_t h[27];
	int fd;

	ogg_file();
	CHECK(ogg_len > 2000, "encoded %zu bytes", ogg_len);
	cut = ogg_len - 7;                  /* torn inside the last page */
	fd = memfile(ogg, cut);
	CHECK(fd >= 0 && rec_repair_ogg(fd, &bytes, &ms) == 0, "ogg repaired");
	CHECK(bytes < cut && ms > 1000 && ms < 2000, "kept %llu of %zu bytes, %llu ms",
	      (unsigned long long)bytes, cut, (unsigned long long)ms);
	/* the last page: EOS set, checksum valid (a second repair agrees) */
	{
		size_t off = 0, last = 0;

		while (off + 27 <= bytes && pread(fd, h, 27, (off_t)off) == 27) {
			uint8_t seg[255];
			size_t body = 0;

			last = off;
			CHECK(pread(fd, seg, h[26], (off_t)off + 27) == h[26], "segments");
			for (int i = 0; i < h[26]; i++)
				body += seg[i];
			off += 27 + h[26] + body;
		}
		CHECK(off == bytes, "pages end where the file ends");
		CHECK(pread(fd, h, 27, (off_t)last) == 27 && (h[5] & 4), "last page says EOS");
	}
	CHECK(rec_repair_ogg(fd, &b2, &ms2) == 0 && b2 == bytes && ms2 == ms,
	      "repair of the repaired file changes nothing (CRC valid)");
	close(fd);
	fd = memfile("OggS\0garbage", 12);
	CHECK(fd >= 0 && rec_repair_ogg(fd, &bytes, &ms) < 0, "no whole page: refused");
	close(fd);
	free(ogg);
}

int
main(void)
{
	timeline();
	wav();
	oggtest();
	return CHECK_DONE();
}
