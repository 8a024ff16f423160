/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HMAC-SHA1 of a burst's packets for the ipsec-mb engine's AES-CM suites
 * (srtp_int.h: srtp_sha1ni_hmac): up to four at once on the SHA
 * extensions (SHA-NI), and sixteen at once in AVX-512 lanes (below).
 * Runs on the worker lcores, per burst; no state but the CPU checks.
 *
 * One SHA-1 block is twenty sha1rnds4 steps, each waiting on the one
 * before: on a single packet the core mostly waits on their latency.
 * Four packets interleaved step by step keep the SHA unit busy. Measured
 * on the EPYC test machine: about 51 ns per block on one packet, 34 ns
 * each on two (ipsec-mb's SHA-NI code interleaves at most two), 27 ns on
 * three or four, and slower again on eight (they spill the sixteen xmm
 * registers the SHA instructions can use). Four is about where the SHA unit itself
 * is full, so this is also about as fast as SHA-1 gets on this core.
 * Against ipsec-mb's AVX-512 SHA-1 (sixteen packets in vector lanes) it
 * is level in full bursts of 32 and 1.5-1.7x faster in bursts of 8, the
 * size a worker's polls mostly bring (srtp_bench, SRTP_BENCH_BURST).
 *
 * The start states are IMB_SHA1_ONE_BLOCK's output for key^ipad and
 * key^opad: five 32-bit words in host order.
 */
#include <immintrin.h>

#include "srtp_int.h"

#define LANES 4

#define SHA_NI __attribute__((target("sha,sse4.1,ssse3")))

/* loads a block's sixteen big-endian words, four per register */
SHA_NI static inline __m128i
load_be(const uint8_t *p)
{
	const __m128i rev = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);

	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), rev);
}

/* four rounds of every lane: the E of these rounds (from the state two
 * steps back, or the start E for the first), then the rounds; the
 * message words of step @r+4 replace those of step @r */
#define STEP(r, f)                                                                   \
	do {                                                                         \
		_Pragma("GCC unroll 4")                                              \
		for (int l = 0; l < LANES; l++) {                                    \
			__m128i ev = (r) == 0 ? _mm_add_epi32(e0[l], w[l][0])        \
					      : _mm_sha1nexte_epu32(prev[l], w[l][(r) & 3]); \
			prev[l] = a[l];                                              \
			a[l] = _mm_sha1rnds4_epu32(a[l], ev, f);                     \
			if ((r) < 16)                                                \
				w[l][(r) & 3] = _mm_sha1msg2_epu32(                  \
					_mm_xor_si128(_mm_sha1msg1_epu32(w[l][(r) & 3], \
									 w[l][((r) + 1) & 3]), \
						      w[l][((r) + 2) & 3]),          \
					w[l][((r) + 3) & 3]);                        \
		}                                                                    \
	} while (0)

/* One block into each lane's state (A..D in one register, A in the top
 * word; E in the top word of another). */
SHA_NI static void
sha1ni_compress(__m128i abcd[LANES], __m128i e[LANES], const uint8_t *const blk[LANES])
{
	__m128i w[LANES][4], a[LANES], a0[LANES], e0[LANES], prev[LANES];

	_Pragma("GCC unroll 4")
	for (int l = 0; l < LANES; l++) {
		for (int k = 0; k < 4; k++)
			w[l][k] = load_be(blk[l] + 16 * k);
		a0[l] = a[l] = abcd[l];
		e0[l] = e[l];
		prev[l] = a[l];
	}
	STEP(0, 0); STEP(1, 0); STEP(2, 0); STEP(3, 0); STEP(4, 0);
	STEP(5, 1); STEP(6, 1); STEP(7, 1); STEP(8, 1); STEP(9, 1);
	STEP(10, 2); STEP(11, 2); STEP(12, 2); STEP(13, 2); STEP(14, 2);
	STEP(15, 3); STEP(16, 3); STEP(17, 3); STEP(18, 3); STEP(19, 3);
	_Pragma("GCC unroll 4")
	for (int l = 0; l < LANES; l++) {
		e[l] = _mm_sha1nexte_epu32(prev[l], e0[l]);
		abcd[l] = _mm_add_epi32(a[l], a0[l]);
	}
}

SHA_NI static inline void
state_load(const uint8_t *h, __m128i *abcd, __m128i *e)
{
	uint32_t w[5];

	memcpy(w, h, sizeof(w));
	*abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)w), 0x1b);
	*e = _mm_set_epi32((int)w[4], 0, 0, 0);
}

/* the digest, big-endian, to @out (20 bytes) */
SHA_NI static inline void
state_store(__m128i abcd, __m128i e, uint8_t *out)
{
	const __m128i rev = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
	uint32_t ev = __builtin_bswap32((uint32_t)_mm_extract_epi32(e, 3));

	_mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(abcd, rev));
	memcpy(out + 16, &ev, 4);
}

static inline void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* The inner hash's last one or two blocks to @t (128 bytes, with 16
 * writable bytes before it): the @rem bytes left of @msg after its whole
 * blocks, 0x80, zeros, and the length in bits of key block and message.
 * Copied in 16-byte moves (the last one ending at the message's end,
 * overlapping the one before; a memcpy of a few dozen bytes is a call and
 * a slow start, once per packet). */
SHA_NI static inline void
tail_build(uint8_t *t, const uint8_t *msg, unsigned len, unsigned rem, unsigned tb)
{
	const uint8_t *src = msg + (len - rem);

	const __m128i z = _mm_setzero_si128();

	/* written out: as a loop the compiler makes it a rep stos, whose
	 * start-up costs more than the eight stores */
	_mm_store_si128((__m128i *)t, z);
	_mm_store_si128((__m128i *)(t + 16), z);
	_mm_store_si128((__m128i *)(t + 32), z);
	_mm_store_si128((__m128i *)(t + 48), z);
	if (tb == 2) {
		_mm_store_si128((__m128i *)(t + 64), z);
		_mm_store_si128((__m128i *)(t + 80), z);
		_mm_store_si128((__m128i *)(t + 96), z);
		_mm_store_si128((__m128i *)(t + 112), z);
	}
	if (len >= 16) {
		for (unsigned k = 0; k + 16 <= rem; k += 16)
			_mm_storeu_si128((__m128i *)(t + k),
					 _mm_loadu_si128((const __m128i *)(src + k)));
		if (rem & 15)
			_mm_storeu_si128((__m128i *)(t + rem - 16),
					 _mm_loadu_si128((const __m128i *)(src + rem - 16)));
	} else {
		memcpy(t, src, rem);
	}
	t[rem] = 0x80;
	put_be64(t + 64 * tb - 8, ((uint64_t)len + 64) * 8);
}

/* up to LANES requests; the lanes beyond @n hash a block of zeros */
SHA_NI static void
sha1ni_group(const struct sha1_lane *r, unsigned n)
{
	static const uint8_t zeros[64];
	uint8_t buf[LANES][16 + 128] __attribute__((aligned(16)));
	const uint8_t *blk[LANES];
	__m128i abcd[LANES], e[LANES], sa[LANES], se[LANES];
	unsigned full[LANES], total[LANES], steps = 1;

	for (unsigned l = 0; l < LANES; l++) {
		full[l] = total[l] = 0;
		abcd[l] = e[l] = _mm_setzero_si128();
		if (l >= n)
			continue;
		/* the inner hash's blocks: whole ones from the packet, then
		 * one or two built */
		unsigned len = r[l].len, rem = len % 64, tb = rem < 56 ? 1 : 2;

		full[l] = len / 64;
		total[l] = full[l] + tb;
		tail_build(buf[l] + 16, r[l].msg, len, rem, tb);
		state_load(r[l].ipad, &abcd[l], &e[l]);
		if (total[l] > steps)
			steps = total[l];
	}
	for (unsigned s = 0; s < steps; s++) {
		for (unsigned l = 0; l < LANES; l++) {
			blk[l] = s < full[l] ? r[l].msg + 64 * s :
				 s < total[l] ? buf[l] + 16 + 64 * (s - full[l]) : zeros;
			sa[l] = abcd[l];
			se[l] = e[l];
		}
		sha1ni_compress(abcd, e, blk);
		for (unsigned l = 0; l < LANES; l++)
			if (s >= total[l]) {          /* done: keep its state */
				abcd[l] = sa[l];
				e[l] = se[l];
			}
	}
	/* the outer hash: one block, the inner digest then padding */
	for (unsigned l = 0; l < LANES; l++) {
		uint8_t *t = buf[l] + 16;

		state_store(abcd[l], e[l], t);
		t[20] = 0x80;
		memset(t + 21, 0, 64 - 21 - 8);
		put_be64(t + 56, (64 + 20) * 8);
		blk[l] = t;
		if (l < n)
			state_load(r[l].opad, &abcd[l], &e[l]);
	}
	sha1ni_compress(abcd, e, blk);
	for (unsigned l = 0; l < n; l++)
		state_store(abcd[l], e[l], r[l].out);
}

/*
 * Sixteen packets at once in the lanes of AVX-512 registers: each round is
 * a handful of plain vector operations (rotates, one three-input logic
 * op, adds) on sixteen packets' words, none of them waiting on the SHA
 * unit. Measured on the EPYC test machine (a 176-byte packet and its ROC:
 * four blocks): 33 ns a packet with all sixteen lanes full, against 73 on
 * the SHA-NI lanes; a group of eight (half the lanes idle) is still a
 * little faster than two SHA-NI groups, so from eight packets on they go
 * here (X16_MIN) and the rest to SHA-NI. Both at once in one instruction
 * stream was no faster: they share the vector pipes. Compiled tuned for
 * Zen (tune=znver3): under the generic tuning the rounds ran 1.5x slower.
 */
#define X16 16
#define X16_MIN 8

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,tune=znver3")))

static int x16_have = -1;       /* unknown until asked */
static bool x16_off;            /* srtp_sha1_x16(false) */

static bool
x16_usable(void)
{
	if (x16_have < 0)
		x16_have = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
			   __builtin_cpu_supports("avx512vl");
	return x16_have > 0 && !x16_off;
}

bool
srtp_sha1_x16(bool on)
{
	x16_off = !on;
	return x16_usable();
}

bool
srtp_sha1_x16_used(void)
{
	return x16_usable();
}

/* 16x16 32-bit words: word k of row l to word l of row k (pairs, quads,
 * then 128-bit quarters twice) */
AVX512 static inline __attribute__((always_inline)) void
x16_transpose(__m512i r[16])
{
	__m512i t[16];

#pragma GCC unroll 16
	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_epi32(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_epi32(r[i], r[i + 1]);
	}
#pragma GCC unroll 16
	for (int i = 0; i < 16; i += 4) {
		r[i] = _mm512_unpacklo_epi64(t[i], t[i + 2]);
		r[i + 1] = _mm512_unpackhi_epi64(t[i], t[i + 2]);
		r[i + 2] = _mm512_unpacklo_epi64(t[i + 1], t[i + 3]);
		r[i + 3] = _mm512_unpackhi_epi64(t[i + 1], t[i + 3]);
	}
#pragma GCC unroll 16
	for (int i = 0; i < 4; i++) {
		t[i] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0x88);
		t[i + 4] = _mm512_shuffle_i32x4(r[i], r[i + 4], 0xdd);
		t[i + 8] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0x88);
		t[i + 12] = _mm512_shuffle_i32x4(r[i + 8], r[i + 12], 0xdd);
	}
#pragma GCC unroll 16
	for (int i = 0; i < 8; i++) {
		r[i] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0x88);
		r[i + 8] = _mm512_shuffle_i32x4(t[i], t[i + 8], 0xdd);
	}
}

#define X16_BSWAP _mm512_set4_epi32(0x0c0d0e0f, 0x08090a0b, 0x04050607, 0x00010203)

/* one block into the lanes of @st (A..E) that are in @active; the others
 * keep their state */
AVX512 static void
x16_compress(__m512i st[5], __m512i w[16], __mmask16 active)
{
	__m512i a = st[0], b = st[1], c = st[2], d = st[3], e = st[4];

#pragma GCC unroll 80
	for (int i = 0; i < 80; i++) {
		__m512i f, t;
		uint32_t k;

		if (i >= 16)
			w[i & 15] = _mm512_rol_epi32(
				_mm512_xor_si512(_mm512_ternarylogic_epi32(w[(i - 3) & 15],
									   w[(i - 8) & 15],
									   w[(i - 14) & 15], 0x96),
						 w[i & 15]),
				1);
		if (i < 20) {
			f = _mm512_ternarylogic_epi32(b, c, d, 0xca);   /* b ? c : d */
			k = 0x5a827999;
		} else if (i < 40) {
			f = _mm512_ternarylogic_epi32(b, c, d, 0x96);   /* parity */
			k = 0x6ed9eba1;
		} else if (i < 60) {
			f = _mm512_ternarylogic_epi32(b, c, d, 0xe8);   /* majority */
			k = 0x8f1bbcdc;
		} else {
			f = _mm512_ternarylogic_epi32(b, c, d, 0x96);
			k = 0xca62c1d6;
		}
		t = _mm512_add_epi32(_mm512_add_epi32(e, _mm512_set1_epi32((int)k)), w[i & 15]);
		t = _mm512_add_epi32(_mm512_add_epi32(t, f), _mm512_rol_epi32(a, 5));
		e = d;
		d = c;
		c = _mm512_rol_epi32(b, 30);
		b = a;
		a = t;
	}
	st[0] = _mm512_mask_add_epi32(st[0], active, st[0], a);
	st[1] = _mm512_mask_add_epi32(st[1], active, st[1], b);
	st[2] = _mm512_mask_add_epi32(st[2], active, st[2], c);
	st[3] = _mm512_mask_add_epi32(st[3], active, st[3], d);
	st[4] = _mm512_mask_add_epi32(st[4], active, st[4], e);
}

/* the start states of @n lanes (ipad or opad of each), word k of each
 * lane in st[k] */
AVX512 static inline __attribute__((always_inline)) void
x16_start(__m512i st[5], const struct sha1_lane *r, unsigned n, bool outer)
{
	__m512i v[16];

#pragma GCC unroll 16
	for (unsigned l = 0; l < 16; l++)
		v[l] = l < n ? _mm512_maskz_loadu_epi32(0x1f, outer ? r[l].opad : r[l].ipad)
			     : _mm512_setzero_si512();
	x16_transpose(v);
	for (int k = 0; k < 5; k++)
		st[k] = v[k];
}

/* X16_MIN..16 requests */
AVX512 static void
x16_group(const struct sha1_lane *r, unsigned n)
{
	__mmask64 tail[X16];
	uint64_t bits[X16];
	unsigned full[X16], total[X16], steps = 1;
	__m512i st[5], w[16];

	for (unsigned l = 0; l < X16; l++) {
		full[l] = total[l] = 0;
		tail[l] = 0;
		bits[l] = 0;
		if (l >= n)
			continue;
		unsigned len = r[l].len, rem = len % 64;

		full[l] = len / 64;
		total[l] = full[l] + (rem < 56 ? 1 : 2);
		tail[l] = rem ? ((__mmask64)1 << rem) - 1 : 0;
		bits[l] = __builtin_bswap64(((uint64_t)len + 64) * 8);
		if (total[l] > steps)
			steps = total[l];
	}
	x16_start(st, r, n, false);
	for (unsigned s = 0; s < steps; s++) {
		__mmask16 active = 0;

		/* each lane's block as it is in memory: a whole one of the
		 * packet, or the packet's last bytes (a masked load: nothing
		 * past its end read) with the 0x80 after them, and in the
		 * last block the length in bits, big-endian */
#pragma GCC unroll 16
		for (unsigned l = 0; l < X16; l++) {
			__m512i b;

			if (s < full[l]) {
				b = _mm512_loadu_si512(r[l].msg + 64 * s);
			} else if (s < total[l]) {
				b = s == full[l] ? _mm512_mask_blend_epi8(
						   (tail[l] + 1) & ~tail[l],
						   _mm512_maskz_loadu_epi8(tail[l], r[l].msg + 64 * s),
						   _mm512_set1_epi8((char)0x80))
						 : _mm512_setzero_si512();
				if (s + 1 == total[l])
					b = _mm512_mask_set1_epi64(b, 0x80, (long long)bits[l]);
			} else {
				b = _mm512_setzero_si512();
			}
			if (s < total[l])
				active |= (__mmask16)(1u << l);
			w[l] = _mm512_shuffle_epi8(b, X16_BSWAP);
		}
		x16_transpose(w);
		x16_compress(st, w, active);
	}
	/* the outer hash's one block: the inner digest's five words as they
	 * are (the block is read big-endian, as the digest is written), 0x80,
	 * zeros and the length in bits of key block and digest */
	for (int k = 0; k < 5; k++)
		w[k] = st[k];
	w[5] = _mm512_set1_epi32((int)0x80000000u);
	for (int k = 6; k < 15; k++)
		w[k] = _mm512_setzero_si512();
	w[15] = _mm512_set1_epi32((64 + 20) * 8);
	x16_start(st, r, n, true);
	x16_compress(st, w, 0xffff);
	/* each lane's digest, big-endian, to its tag */
	for (int k = 0; k < 16; k++)
		w[k] = k < 5 ? _mm512_shuffle_epi8(st[k], X16_BSWAP) : _mm512_setzero_si512();
	x16_transpose(w);
	for (unsigned l = 0; l < n; l++)
		_mm512_mask_storeu_epi32(r[l].out, 0x1f, w[l]);
	/* the SHA-NI code after it is legacy SSE: with the upper halves of
	 * the vector registers left dirty it ran at half speed here (the
	 * compiler leaves the vzeroupper out under this tuning) */
	_mm256_zeroupper();
}

void
srtp_sha1ni_hmac(const struct sha1_lane *r, unsigned n)
{
	unsigned i = 0;

	if (n - i >= X16_MIN && x16_usable())
		for (; n - i >= X16_MIN; i += n - i < X16 ? n - i : X16)
			x16_group(r + i, n - i < X16 ? n - i : X16);
	for (; i < n; i += LANES)
		sha1ni_group(r + i, n - i < LANES ? n - i : LANES);
}
