/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AES-GCM for SRTP-sized packets on VAES and VPCLMULQDQ (AVX-512), for
 * the ipsec-mb engine's GCM suites on a CPU that has them (srtp_imb.c).
 *
 * Why not ipsec-mb's own: its GCM is made for long buffers. Per SRTP
 * packet (about 12 blocks: a header, 160 bytes of G.711, the lengths) it
 * costs a job through the manager, reduces GHASH once per block group and
 * reads key data laid out for its longest case (48 key powers, 16 cache
 * lines, in its VAES code). Here a packet of up to 16 GHASH blocks is one
 * sum of products against the powers H^16..H^1 with one reduction, its
 * counter blocks go four to a register through the AES rounds with the
 * tag block beside them, and the tag is checked before anything is
 * decrypted. Longer input goes in runs of 16 blocks, each folded into the
 * next (Horner), one reduction per run.
 *
 * Key data: an AES-256 context keeps its round keys then H^1..H^16
 * (srtp_vgcm_key). An AES-128 context keeps only the key and H, 32 bytes
 * in one cache line (the one the worker prefetches with the stream), and
 * a packet makes its round keys and the powers it needs on the stack
 * (expand_compact). Measured in the relay at 100,000 streams (bench/
 * relay_memif.sh PROFILE=1): the transform took 148-171 ns a packet with
 * the six lines of stored key data, prefetched, and 88-116 ns making them;
 * with every key in cache the stored form is faster (srtp_bench).
 *
 * GHASH works on blocks with their bytes reversed, where the field's
 * multiplication is a carry-less product shifted left by one bit and
 * reduced modulo x^128 + x^7 + x^2 + x + 1 (the byte-reflected method of
 * Gueron and Kounavis, "Intel Carry-Less Multiplication Instruction and
 * its Usage for Computing the GCM Mode", rev. 2.02). The sums of products
 * are linear, so the shift and the reduction are done once per run.
 *
 * Tested against OpenSSL's AES-GCM for every payload length from 0 to
 * 300 bytes and many to 1,500, AAD from 0 to 70, both key sizes
 * (tests/unit/test_srtp.c), and through the engine against RFC 7714's
 * vectors and libsrtp.
 */
#include <cpuid.h>
#include <errno.h>
#include <immintrin.h>
#include <string.h>

#include "srtp_int.h"

#define VG __attribute__((target("avx512f,avx512bw,avx512vl,vaes,vpclmulqdq,aes,pclmul,sse4.1")))

/* CPUID and XCR0: AES-NI, PCLMULQDQ, AVX-512 F/BW/VL, VAES, VPCLMULQDQ,
 * and the OS saving the opmask and ZMM state (read directly: not every
 * compiler's __builtin_cpu_supports knows the last two) */
bool
srtp_vgcm_usable(void)
{
	static int usable = -1;
	unsigned a, b, c, d;

	if (usable >= 0)
		return usable;
	usable = 0;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_AES) || !(c & bit_PCLMUL) ||
	    !(c & bit_OSXSAVE))
		return false;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return false;
	if (!(b & bit_AVX512F) || !(b & bit_AVX512BW) || !(b & bit_AVX512VL) || !(c & (1u << 9)) ||
	    !(c & (1u << 10)))   /* VAES, VPCLMULQDQ */
		return false;
	__asm__("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	usable = (a & 0xe6) == 0xe6;
	return usable;
}

/* the powers H^1..H^16 after the @rounds + 1 round keys */
static inline const uint8_t *
powers(const struct srtp_vgcm_key *k, unsigned rounds)
{
	return k->d + 16 * (rounds + 1);
}

static inline unsigned
rounds_of(unsigned key_len)
{
	return key_len == 32 ? 14 : 10;
}

/* ---- GF(2^128), byte-reflected ---- */

/* The 256-bit sum of products lo ^ mid << 64 ^ hi << 128 (each a
 * carry-less product of reflected blocks), shifted left one bit and
 * reduced: a reflected element. */
VG static inline __m128i
gf_reduce(__m128i lo, __m128i mid, __m128i hi)
{
	__m128i c0, c1, c2, t;

	lo = _mm_xor_si128(lo, _mm_slli_si128(mid, 8));
	hi = _mm_xor_si128(hi, _mm_srli_si128(mid, 8));
	/* [hi:lo] <<= 1 */
	c0 = _mm_srli_epi32(lo, 31);
	c1 = _mm_srli_epi32(hi, 31);
	lo = _mm_slli_epi32(lo, 1);
	hi = _mm_slli_epi32(hi, 1);
	c2 = _mm_srli_si128(c0, 12);
	lo = _mm_or_si128(lo, _mm_slli_si128(c0, 4));
	hi = _mm_or_si128(hi, _mm_or_si128(_mm_slli_si128(c1, 4), c2));
	/* the low half folded into the high by x^128 = x^7 + x^2 + x + 1 */
	t = _mm_xor_si128(_mm_xor_si128(_mm_slli_epi32(lo, 31), _mm_slli_epi32(lo, 30)),
			  _mm_slli_epi32(lo, 25));
	c0 = _mm_srli_si128(t, 4);
	lo = _mm_xor_si128(lo, _mm_slli_si128(t, 12));
	t = _mm_xor_si128(_mm_xor_si128(_mm_srli_epi32(lo, 1), _mm_srli_epi32(lo, 2)),
			  _mm_xor_si128(_mm_srli_epi32(lo, 7), c0));
	lo = _mm_xor_si128(lo, t);
	return _mm_xor_si128(hi, lo);
}

VG static inline __m128i
gf_mul(__m128i a, __m128i b)
{
	__m128i mid = _mm_xor_si128(_mm_clmulepi64_si128(a, b, 0x01),
				    _mm_clmulepi64_si128(a, b, 0x10));

	return gf_reduce(_mm_clmulepi64_si128(a, b, 0x00), mid, _mm_clmulepi64_si128(a, b, 0x11));
}

VG static inline __m128i
bswap128(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
						15));
}

VG static inline __m512i
bswap512(__m512i x)
{
	const __m512i m = _mm512_broadcast_i32x4(
		_mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));

	return _mm512_shuffle_epi8(x, m);
}

VG static inline __m128i
fold4(__m512i v)
{
	__m256i h = _mm256_xor_si256(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));

	return _mm_xor_si128(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

/* Sums of products of a run (one reduction at its end). */
struct ghacc {
	__m512i lo, mid, hi;
};

/* Four reflected blocks at positions @s..@s+3 of a run of @k blocks
 * (block j of the run is multiplied by H^(k - j)): products added. A
 * block past the run's end is zero, and the power read for it (up to
 * three before H^1: round keys) makes no difference. */
VG static inline void
gh_mac(struct ghacc *a, __m512i x, const uint8_t *hp, int k, int s)
{
	__m512i p = _mm512_loadu_si512(hp + 16 * (k - 4 - s));

	p = _mm512_shuffle_i64x2(p, p, 0x1b);     /* H^(k-s) in lane 0 */
	a->lo = _mm512_xor_si512(a->lo, _mm512_clmulepi64_epi128(x, p, 0x00));
	a->hi = _mm512_xor_si512(a->hi, _mm512_clmulepi64_epi128(x, p, 0x11));
	a->mid = _mm512_ternarylogic_epi64(a->mid, _mm512_clmulepi64_epi128(x, p, 0x01),
					   _mm512_clmulepi64_epi128(x, p, 0x10), 0x96);
}

VG static inline __m128i
gh_end(const struct ghacc *a)
{
	return gf_reduce(fold4(a->lo), fold4(a->mid), fold4(a->hi));
}

static inline __mmask64
bytes_mask(unsigned n)
{
	return n >= 64 ? ~(__mmask64)0 : ((__mmask64)1 << n) - 1;
}

/* Up to four blocks of @p (@n bytes, zero-padded), reflected. */
VG static inline __m512i
load_blocks(const uint8_t *p, unsigned n)
{
	return bswap512(_mm512_maskz_loadu_epi8(bytes_mask(n), p));
}

/* The blocks of @p in the run of @k blocks from position @s on. */
VG static inline void
gh_part(struct ghacc *a, const uint8_t *hp, int k, int s, const uint8_t *p, unsigned n)
{
	for (unsigned o = 0; o < n; o += 64, s += 4)
		gh_mac(a, load_blocks(p + o, n - o), hp, k, s);
}

/* GHASH of @y followed by @p (@n bytes, zero-padded to blocks), in runs
 * of up to 16 blocks. */
VG static __m128i
gh_long(__m128i y, const uint8_t *hp, const uint8_t *p, unsigned n)
{
	while (n > 0) {
		unsigned run = n > 256 ? 256 : n;
		int k = (int)(run + 15) / 16;
		struct ghacc a = { _mm512_setzero_si512(), _mm512_setzero_si512(),
				   _mm512_setzero_si512() };

		for (unsigned o = 0; o < run; o += 64) {
			__m512i x = load_blocks(p + o, run - o);

			if (o == 0)
				x = _mm512_xor_si512(x, _mm512_zextsi128_si512(y));
			gh_mac(&a, x, hp, k, (int)o / 16);
		}
		y = gh_end(&a);
		p += run;
		n -= run;
	}
	return y;
}

/* GHASH (RFC 5116/NIST SP 800-38D) of @aad and @c, reflected. */
VG static __m128i
ghash(const uint8_t *hp, const uint8_t *aad, unsigned aad_len, const uint8_t *c, unsigned n)
{
	int na = (int)(aad_len + 15) / 16, nc = (int)(n + 15) / 16, m = na + nc + 1;
	__m128i len = _mm_set_epi64x((long long)aad_len * 8, (long long)n * 8);

	if (m <= 16) {
		/* the common packet: one run, one reduction */
		struct ghacc a = { _mm512_setzero_si512(), _mm512_setzero_si512(),
				   _mm512_setzero_si512() };

		gh_part(&a, hp, m, 0, aad, aad_len);
		gh_part(&a, hp, m, na, c, n);
		gh_mac(&a, _mm512_zextsi128_si512(len), hp, m, m - 1);
		return gh_end(&a);
	}
	__m128i y = gh_long(_mm_setzero_si128(), hp, aad, aad_len);

	y = gh_long(y, hp, c, n);
	return gf_mul(_mm_xor_si128(y, len), _mm_loadu_si128((const __m128i *)hp));
}

/* The counter block IV || 0 of RFC 7714's IV (8.1, 9.1: 00 00 || SSRC ||
 * index, 48 bits, XOR the 12-byte salt), reflected: the 32-bit counter is
 * its low word. Built in registers: an IV stored a byte at a time and read
 * back 16 at once would stall on store forwarding. */
VG static inline __m128i
iv_block(const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
	uint64_t hi = (uint64_t)ssrc << 16 | (index >> 32 & 0xffff);  /* bytes 0..7 */
	uint64_t lo = (index & 0xffffffffu) << 32;                     /* bytes 8..15 */

	return _mm_xor_si128(_mm_set_epi64x((long long)hi, (long long)lo),
			     bswap128(_mm_maskz_loadu_epi8(0x0fff, salt)));
}

/* Round keys in registers: every round written out (ROUNDS is 10 or 14). */
#define AES_ROUNDS(ROUNDS, K, BODY)                                     \
	do {                                                            \
		_Pragma("GCC unroll 14") for (unsigned r_ = 1; r_ < (ROUNDS); r_++) { \
			const __m512i kr_ = (K)[r_];                    \
			BODY(_mm512_aesenc_epi128, _mm_aesenc_si128);   \
		}                                                       \
	} while (0)

/* GHASH products of a packet's AAD and its @g payload groups (the
 * ciphertext, in registers) in a run of @m blocks */
VG static inline void
gh_packet(struct ghacc *a, const uint8_t *hp, int m, const uint8_t *aad, unsigned aad_len,
	  unsigned g, __m512i c0, __m512i c1, __m512i c2, __m512i c3)
{
	int na = (int)(aad_len + 15) / 16;

	gh_part(a, hp, m, 0, aad, aad_len);
	gh_mac(a, bswap512(c0), hp, m, na);
	if (g > 1)
		gh_mac(a, bswap512(c1), hp, m, na + 4);
	if (g > 2)
		gh_mac(a, bswap512(c2), hp, m, na + 8);
	if (g > 3)
		gh_mac(a, bswap512(c3), hp, m, na + 12);
}

/*
 * The whole of a packet whose payload is up to 256 bytes and whose GHASH
 * input is up to 16 blocks: its four counter groups and the tag block go
 * through the rounds together, the payload stays in registers between
 * cipher and GHASH, one reduction. @enc: seal (ciphertext to @p, tag to
 * @tag); else open (tag checked, @p decrypted only if it holds).
 */
VG static inline int
gcm_small(const uint8_t *rk, unsigned rounds, __m128i ctr0, const uint8_t *aad,
	  unsigned aad_len, uint8_t *p, unsigned n, uint8_t tag[16], bool enc)
{
	const uint8_t *hp = rk + 16 * (rounds + 1);
	int na = (int)(aad_len + 15) / 16, nc = (int)(n + 15) / 16, m = na + nc + 1;
	unsigned g = (n + 63) / 64;
	__m512i k[15], x0, x1, x2, x3, d0, d1, d2, d3, ctr;
	__mmask64 m0 = bytes_mask(n), m1 = n > 64 ? bytes_mask(n - 64) : 0,
		  m2 = n > 128 ? bytes_mask(n - 128) : 0, m3 = n > 192 ? bytes_mask(n - 192) : 0;
	__m128i j0, t, d;
	struct ghacc a = { _mm512_setzero_si512(), _mm512_setzero_si512(), _mm512_setzero_si512() };

	for (unsigned r = 0; r <= rounds; r++)
		k[r] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(rk + 16 * r)));
	ctr = _mm512_add_epi32(_mm512_broadcast_i32x4(ctr0),
			       _mm512_set_epi32(0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 2));
	x0 = _mm512_xor_si512(bswap512(ctr), k[0]);
	ctr = _mm512_add_epi32(ctr, _mm512_broadcast_i32x4(_mm_set_epi32(0, 0, 0, 4)));
	x1 = _mm512_xor_si512(bswap512(ctr), k[0]);
	ctr = _mm512_add_epi32(ctr, _mm512_broadcast_i32x4(_mm_set_epi32(0, 0, 0, 4)));
	x2 = _mm512_xor_si512(bswap512(ctr), k[0]);
	ctr = _mm512_add_epi32(ctr, _mm512_broadcast_i32x4(_mm_set_epi32(0, 0, 0, 4)));
	x3 = _mm512_xor_si512(bswap512(ctr), k[0]);
	j0 = _mm_xor_si128(bswap128(_mm_add_epi32(ctr0, _mm_set_epi32(0, 0, 0, 1))),
			   _mm512_castsi512_si128(k[0]));
	d0 = _mm512_maskz_loadu_epi8(m0, p);
	d1 = _mm512_maskz_loadu_epi8(m1, p + 64);
	d2 = _mm512_maskz_loadu_epi8(m2, p + 128);
	d3 = _mm512_maskz_loadu_epi8(m3, p + 192);
	if (!enc) {
		/* GHASH over the ciphertext, beside the rounds */
		gh_packet(&a, hp, m, aad, aad_len, g, d0, d1, d2, d3);
	}
#define ROUND(Z, X)                      \
	x0 = Z(x0, kr_);                 \
	x1 = Z(x1, kr_);                 \
	if (g > 2) {                     \
		x2 = Z(x2, kr_);         \
		x3 = Z(x3, kr_);         \
	}                                \
	j0 = X(j0, _mm512_castsi512_si128(kr_))
	if (rounds == 10)
		AES_ROUNDS(10, k, ROUND);
	else
		AES_ROUNDS(14, k, ROUND);
#undef ROUND
	x0 = _mm512_aesenclast_epi128(x0, k[rounds]);
	x1 = _mm512_aesenclast_epi128(x1, k[rounds]);
	x2 = _mm512_aesenclast_epi128(x2, k[rounds]);
	x3 = _mm512_aesenclast_epi128(x3, k[rounds]);
	j0 = _mm_aesenclast_si128(j0, _mm512_castsi512_si128(k[rounds]));
	/* the payload's other side, zero past its end */
	x0 = _mm512_maskz_mov_epi8(m0, _mm512_xor_si512(x0, d0));
	x1 = _mm512_maskz_mov_epi8(m1, _mm512_xor_si512(x1, d1));
	x2 = _mm512_maskz_mov_epi8(m2, _mm512_xor_si512(x2, d2));
	x3 = _mm512_maskz_mov_epi8(m3, _mm512_xor_si512(x3, d3));
	if (enc) {
		gh_packet(&a, hp, m, aad, aad_len, g, x0, x1, x2, x3);
	}
	gh_mac(&a, _mm512_zextsi128_si512(_mm_set_epi64x((long long)aad_len * 8,
							 (long long)n * 8)), hp, m, m - 1);
	t = _mm_xor_si128(j0, bswap128(gh_end(&a)));
	if (enc) {
		_mm_storeu_si128((__m128i *)tag, t);
	} else {
		d = _mm_xor_si128(t, _mm_loadu_si128((const __m128i *)tag));
		if (!_mm_testz_si128(d, d))
			return -EBADMSG;
	}
	_mm512_mask_storeu_epi8(p, m0, x0);
	if (g > 1)
		_mm512_mask_storeu_epi8(p + 64, m1, x1);
	if (g > 2)
		_mm512_mask_storeu_epi8(p + 128, m2, x2);
	if (g > 3)
		_mm512_mask_storeu_epi8(p + 192, m3, x3);
	return 0;
}

/* AES of one block */
VG static inline __m128i
aes1(const uint8_t *rk, unsigned rounds, __m128i x)
{
	x = _mm_xor_si128(x, _mm_loadu_si128((const __m128i *)rk));
	for (unsigned r = 1; r < rounds; r++)
		x = _mm_aesenc_si128(x, _mm_loadu_si128((const __m128i *)(rk + 16 * r)));
	return _mm_aesenclast_si128(x, _mm_loadu_si128((const __m128i *)(rk + 16 * rounds)));
}

/* @n bytes at @p XORed in place with the keystream of counters 2, 3, ...
 * of the reflected counter block @ctr0, four blocks to a register. */
VG static void
ctr_xor(const uint8_t *rk, unsigned rounds, __m128i ctr0, uint8_t *p, unsigned n)
{
	__m512i k[15];
	__m512i ctr, four = _mm512_broadcast_i32x4(_mm_set_epi32(0, 0, 0, 4));

	if (n == 0)
		return;
	for (unsigned r = 0; r <= rounds; r++)
		k[r] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(rk + 16 * r)));
	ctr = _mm512_add_epi32(_mm512_broadcast_i32x4(ctr0),
			       _mm512_set_epi32(0, 0, 0, 5, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 2));
	for (unsigned o = 0; o < n; o += 64) {
		__mmask64 mk = bytes_mask(n - o);
		__m512i x = _mm512_xor_si512(bswap512(ctr), k[0]);

		for (unsigned r = 1; r < rounds; r++)
			x = _mm512_aesenc_epi128(x, k[r]);
		x = _mm512_aesenclast_epi128(x, k[rounds]);
		x = _mm512_xor_si512(x, _mm512_maskz_loadu_epi8(mk, p + o));
		_mm512_mask_storeu_epi8(p + o, mk, x);
		ctr = _mm512_add_epi32(ctr, four);
	}
}

/* The tag: E(K, IV || 1) XOR GHASH */
VG static inline __m128i
tag_of(const uint8_t *rk, unsigned rounds, __m128i ctr0, __m128i gh)
{
	__m128i j0 = bswap128(_mm_add_epi32(ctr0, _mm_set_epi32(0, 0, 0, 1)));

	return _mm_xor_si128(aes1(rk, rounds, j0), bswap128(gh));
}

static inline bool
small(unsigned aad_len, unsigned n)
{
	return n <= 256 && (aad_len + 15) / 16 + (n + 15) / 16 + 1 <= 16;
}

/* ---- AES-128: the compact context ---- */

/* One AES-128 round key from the one before (FIPS 197 5.2) */
#define KEXP(K, RCON)                                                              \
	do {                                                                       \
		__m128i t_ = _mm_shuffle_epi32(_mm_aeskeygenassist_si128((K), (RCON)), 0xff); \
		(K) = _mm_xor_si128((K), _mm_slli_si128((K), 4));                   \
		(K) = _mm_xor_si128((K), _mm_slli_si128((K), 8));                   \
		(K) = _mm_xor_si128((K), t_);                                       \
	} while (0)

/* Four reflected elements times one (per lane), reduced. */
VG static inline __m512i
gf_mul4(__m512i a, __m512i b)
{
	__m512i lo = _mm512_clmulepi64_epi128(a, b, 0x00), hi = _mm512_clmulepi64_epi128(a, b, 0x11);
	__m512i mid = _mm512_xor_si512(_mm512_clmulepi64_epi128(a, b, 0x01),
				       _mm512_clmulepi64_epi128(a, b, 0x10));
	__m512i c0, c1, t;

	lo = _mm512_xor_si512(lo, _mm512_bslli_epi128(mid, 8));
	hi = _mm512_xor_si512(hi, _mm512_bsrli_epi128(mid, 8));
	c0 = _mm512_srli_epi32(lo, 31);
	c1 = _mm512_srli_epi32(hi, 31);
	lo = _mm512_or_si512(_mm512_slli_epi32(lo, 1), _mm512_bslli_epi128(c0, 4));
	hi = _mm512_or_si512(_mm512_slli_epi32(hi, 1),
			     _mm512_or_si512(_mm512_bslli_epi128(c1, 4), _mm512_bsrli_epi128(c0, 12)));
	t = _mm512_ternarylogic_epi64(_mm512_slli_epi32(lo, 31), _mm512_slli_epi32(lo, 30),
				      _mm512_slli_epi32(lo, 25), 0x96);
	c0 = _mm512_bsrli_epi128(t, 4);
	lo = _mm512_xor_si512(lo, _mm512_bslli_epi128(t, 12));
	t = _mm512_ternarylogic_epi64(_mm512_srli_epi32(lo, 1), _mm512_srli_epi32(lo, 2),
				      _mm512_srli_epi32(lo, 7), 0x96);
	lo = _mm512_ternarylogic_epi64(lo, t, c0, 0x96);
	return _mm512_xor_si512(hi, lo);
}

/*
 * A full key (round keys, H^1..H^@m) made on the stack from the compact
 * one (the AES-128 key and H): a packet then reads one cache line of its
 * context's key data instead of six. At 100,000 streams a GCM packet
 * waited on those lines more than it computed (the worker's profile);
 * the key schedule and the powers cost some 70 cycles of arithmetic,
 * beside the rounds.
 */
VG static inline void
expand_compact(const uint8_t *c, struct srtp_vgcm_key *f, int m)
{
	__m128i k = _mm_loadu_si128((const __m128i *)c), h = _mm_loadu_si128((const __m128i *)(c + 16));
	__m128i *rk = (__m128i *)f->d;
	uint8_t *hp = f->d + 16 * 11;
	__m512i p1, p2, p3;
	__m128i h2, h3, h4;

	_mm_store_si128(rk + 0, k);
	KEXP(k, 0x01); _mm_store_si128(rk + 1, k);
	KEXP(k, 0x02); _mm_store_si128(rk + 2, k);
	KEXP(k, 0x04); _mm_store_si128(rk + 3, k);
	KEXP(k, 0x08); _mm_store_si128(rk + 4, k);
	KEXP(k, 0x10); _mm_store_si128(rk + 5, k);
	KEXP(k, 0x20); _mm_store_si128(rk + 6, k);
	KEXP(k, 0x40); _mm_store_si128(rk + 7, k);
	KEXP(k, 0x80); _mm_store_si128(rk + 8, k);
	KEXP(k, 0x1b); _mm_store_si128(rk + 9, k);
	KEXP(k, 0x36); _mm_store_si128(rk + 10, k);
	h2 = gf_mul(h, h);
	h3 = gf_mul(h2, h);
	h4 = gf_mul(h2, h2);
	p1 = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_set_m128i(h2, h)),
				_mm256_set_m128i(h4, h3), 1);            /* H^1..H^4 */
	_mm512_storeu_si512(hp, p1);
	if (m > 4) {
		p2 = gf_mul4(p1, _mm512_broadcast_i32x4(h4));            /* H^5..H^8 */
		_mm512_storeu_si512(hp + 64, p2);
		if (m > 8) {
			p3 = gf_mul4(p1, _mm512_shuffle_i64x2(p2, p2, 0xff));  /* H^9..H^12 */
			_mm512_storeu_si512(hp + 128, p3);
			if (m > 12)
				_mm512_storeu_si512(hp + 192,   /* H^13..H^16 */
						    gf_mul4(p1, _mm512_shuffle_i64x2(p3, p3, 0xff)));
		}
	}
}

/* blocks of GHASH input of a packet: its run of powers */
static inline int
gh_blocks(unsigned aad_len, unsigned n)
{
	unsigned b = (aad_len + 15) / 16 + (n + 15) / 16 + 1;

	return b > 16 ? 16 : (int)b;
}

VG void
srtp_vgcm_init(struct srtp_vgcm_key *k, const uint8_t *rk, unsigned key_len)
{
	unsigned rounds = rounds_of(key_len);
	uint8_t *hp = k->d + 16 * (rounds + 1);
	__m128i h, p;

	memset(k, 0, sizeof(*k));
	h = bswap128(aes1(rk, rounds, _mm_setzero_si128()));
	if (key_len == 16) {
		/* compact: the key, then H */
		memcpy(k->d, rk, 16);
		_mm_storeu_si128((__m128i *)(k->d + 16), h);
		return;
	}
	memcpy(k->d, rk, 16 * (rounds + 1));
	p = h;
	for (unsigned i = 0; i < 16; i++) {
		_mm_storeu_si128((__m128i *)(hp + 16 * i), p);
		p = gf_mul(p, h);
	}
}

VG void
srtp_vgcm_seal(const struct srtp_vgcm_key *k, unsigned key_len, const uint8_t *salt,
	       uint32_t ssrc, uint64_t index, const uint8_t *aad, unsigned aad_len, uint8_t *p,
	       unsigned n, uint8_t tag[16])
{
	unsigned rounds = rounds_of(key_len);
	__m128i c = iv_block(salt, ssrc, index);
	struct srtp_vgcm_key f;

	if (key_len == 16) {
		expand_compact(k->d, &f, gh_blocks(aad_len, n));
		k = &f;
	}
	if (small(aad_len, n)) {
		gcm_small(k->d, rounds, c, aad, aad_len, p, n, tag, true);
		return;
	}
	ctr_xor(k->d, rounds, c, p, n);
	_mm_storeu_si128((__m128i *)tag,
			 tag_of(k->d, rounds, c, ghash(powers(k, rounds), aad, aad_len, p, n)));
}

VG int
srtp_vgcm_open(const struct srtp_vgcm_key *k, unsigned key_len, const uint8_t *salt,
	       uint32_t ssrc, uint64_t index, const uint8_t *aad, unsigned aad_len, uint8_t *p,
	       unsigned n, const uint8_t tag[16])
{
	unsigned rounds = rounds_of(key_len);
	__m128i c = iv_block(salt, ssrc, index), t, d;
	struct srtp_vgcm_key f;

	if (key_len == 16) {
		expand_compact(k->d, &f, gh_blocks(aad_len, n));
		k = &f;
	}
	if (small(aad_len, n))
		return gcm_small(k->d, rounds, c, aad, aad_len, p, n, (uint8_t *)tag, false);
	t = tag_of(k->d, rounds, c, ghash(powers(k, rounds), aad, aad_len, p, n));
	d = _mm_xor_si128(t, _mm_loadu_si128((const __m128i *)tag));
	if (!_mm_testz_si128(d, d))
		return -EBADMSG;
	ctr_xor(k->d, rounds, c, p, n);
	return 0;
}

VG void
srtp_vgcm_ctr(const struct srtp_vgcm_key *k, unsigned key_len, const uint8_t *salt,
	      uint32_t ssrc, uint64_t index, uint8_t *p, unsigned n)
{
	struct srtp_vgcm_key f;

	if (key_len == 16) {
		expand_compact(k->d, &f, 0);
		k = &f;
	}
	ctr_xor(k->d, rounds_of(key_len), iv_block(salt, ssrc, index), p, n);
}

/* ---- AES-CM (RFC 3711 4.1.1): the AES-CM suites' keystream ---- */

/*
 * ipsec-mb runs an AES-CM job of a packet's 160 bytes on VAES as well,
 * but each job goes through its manager (some 60 fields set, a submit
 * and a flush), and it reads the stored key schedule: 176 bytes, three
 * of the four cache lines an AES-128 context's packet touched. Here the
 * AES-128 context keeps the key itself (beside the salt and the HMAC
 * pads: two lines) and a packet makes its round keys in registers, and
 * the counter blocks go four to a register, four registers through the
 * rounds together.
 */

/* The AES-CM counter block of a packet, reflected: salt || 00 00, XOR the
 * SSRC at bytes 4..7 and the index (48 bits) at 8..13. Block j adds j to
 * its low word (bytes 14..15 are zero and j stays below 2^16). */
VG static inline __m128i
cm_iv_block(const uint8_t *salt, uint32_t ssrc, uint64_t index)
{
	uint64_t hi = ssrc;                                   /* bytes 0..7 */
	uint64_t lo = (index & 0xffffffffffffull) << 16;      /* bytes 8..15 */

	return _mm_xor_si128(_mm_set_epi64x((long long)hi, (long long)lo),
			     bswap128(_mm_maskz_loadu_epi8(0x3fff, salt)));
}

/* The AES-128 round keys of @key, each in all four lanes. */
VG static inline void
rk128_lanes(const uint8_t *key, __m512i k[11])
{
	__m128i x = _mm_loadu_si128((const __m128i *)key);

	k[0] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x01); k[1] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x02); k[2] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x04); k[3] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x08); k[4] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x10); k[5] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x20); k[6] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x40); k[7] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x80); k[8] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x1b); k[9] = _mm512_broadcast_i32x4(x);
	KEXP(x, 0x36); k[10] = _mm512_broadcast_i32x4(x);
}

/* @n bytes at @p XORed with the keystream from reflected counter block
 * @ctr0 on, sixteen blocks at a time. */
VG static inline void
cm_run(const __m512i *k, unsigned rounds, __m128i ctr0, uint8_t *p, unsigned n)
{
	const __m512i four = _mm512_broadcast_i32x4(_mm_set_epi32(0, 0, 0, 4));
	__m512i ctr = _mm512_add_epi32(_mm512_broadcast_i32x4(ctr0),
				       _mm512_set_epi32(0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0));

	for (unsigned o = 0; o < n; o += 256) {
		unsigned left = n - o, g = left >= 256 ? 4 : (left + 63) / 64;
		__mmask64 m0 = bytes_mask(left), m1 = left > 64 ? bytes_mask(left - 64) : 0,
			  m2 = left > 128 ? bytes_mask(left - 128) : 0,
			  m3 = left > 192 ? bytes_mask(left - 192) : 0;
		__m512i x0, x1, x2, x3;
		uint8_t *q = p + o;

		x0 = _mm512_xor_si512(bswap512(ctr), k[0]);
		ctr = _mm512_add_epi32(ctr, four);
		x1 = _mm512_xor_si512(bswap512(ctr), k[0]);
		ctr = _mm512_add_epi32(ctr, four);
		x2 = _mm512_xor_si512(bswap512(ctr), k[0]);
		ctr = _mm512_add_epi32(ctr, four);
		x3 = _mm512_xor_si512(bswap512(ctr), k[0]);
		ctr = _mm512_add_epi32(ctr, four);
#define ROUND(Z, X)              \
	x0 = Z(x0, kr_);         \
	if (g > 1)               \
		x1 = Z(x1, kr_); \
	if (g > 2)               \
		x2 = Z(x2, kr_); \
	if (g > 3)               \
		x3 = Z(x3, kr_)
		if (rounds == 10)
			AES_ROUNDS(10, k, ROUND);
		else
			AES_ROUNDS(14, k, ROUND);
#undef ROUND
		x0 = _mm512_aesenclast_epi128(x0, k[rounds]);
		_mm512_mask_storeu_epi8(q, m0, _mm512_xor_si512(x0, _mm512_maskz_loadu_epi8(m0, q)));
		if (g > 1) {
			x1 = _mm512_aesenclast_epi128(x1, k[rounds]);
			_mm512_mask_storeu_epi8(q + 64, m1,
						_mm512_xor_si512(x1, _mm512_maskz_loadu_epi8(m1, q + 64)));
		}
		if (g > 2) {
			x2 = _mm512_aesenclast_epi128(x2, k[rounds]);
			_mm512_mask_storeu_epi8(q + 128, m2,
						_mm512_xor_si512(x2, _mm512_maskz_loadu_epi8(m2, q + 128)));
		}
		if (g > 3) {
			x3 = _mm512_aesenclast_epi128(x3, k[rounds]);
			_mm512_mask_storeu_epi8(q + 192, m3,
						_mm512_xor_si512(x3, _mm512_maskz_loadu_epi8(m3, q + 192)));
		}
	}
}

/* Two AES-128 packets of at most 256 bytes each (round keys @ka, @kb;
 * reflected counter blocks @ca, @cb): their blocks go through the rounds
 * together. One packet's three or four registers alone wait out each
 * round's latency; eight keep the AES units busy. */
VG static inline void
cm_run2(const __m128i *ka, const __m128i *kb, __m128i ca, __m128i cb, uint8_t *pa, unsigned na,
	uint8_t *pb, unsigned nb)
{
	const __m512i four = _mm512_broadcast_i32x4(_mm_set_epi32(0, 0, 0, 4));
	const __m512i step = _mm512_set_epi32(0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0);
	unsigned ga = (na + 63) / 64, gb = (nb + 63) / 64;
	__m512i a[4], b[4], c, k;

	c = _mm512_add_epi32(_mm512_broadcast_i32x4(ca), step);
	k = _mm512_broadcast_i32x4(ka[0]);
	_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++) {
		a[j] = _mm512_xor_si512(bswap512(c), k);
		c = _mm512_add_epi32(c, four);
	}
	c = _mm512_add_epi32(_mm512_broadcast_i32x4(cb), step);
	k = _mm512_broadcast_i32x4(kb[0]);
	_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++) {
		b[j] = _mm512_xor_si512(bswap512(c), k);
		c = _mm512_add_epi32(c, four);
	}
	_Pragma("GCC unroll 9") for (unsigned r = 1; r < 10; r++) {
		const __m512i kra = _mm512_broadcast_i32x4(ka[r]), krb = _mm512_broadcast_i32x4(kb[r]);

		_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++) {
			if (j < ga)
				a[j] = _mm512_aesenc_epi128(a[j], kra);
			if (j < gb)
				b[j] = _mm512_aesenc_epi128(b[j], krb);
		}
	}
	_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++) {
		if (j < ga) {
			__mmask64 m = bytes_mask(na - 64 * j);
			__m512i x = _mm512_aesenclast_epi128(a[j], _mm512_broadcast_i32x4(ka[10]));

			_mm512_mask_storeu_epi8(pa + 64 * j, m,
						_mm512_xor_si512(x, _mm512_maskz_loadu_epi8(m, pa + 64 * j)));
		}
		if (j < gb) {
			__mmask64 m = bytes_mask(nb - 64 * j);
			__m512i x = _mm512_aesenclast_epi128(b[j], _mm512_broadcast_i32x4(kb[10]));

			_mm512_mask_storeu_epi8(pb + 64 * j, m,
						_mm512_xor_si512(x, _mm512_maskz_loadu_epi8(m, pb + 64 * j)));
		}
	}
}

VG void
srtp_vcm_xor(const uint8_t *key, unsigned key_len, const uint8_t *salt, uint32_t ssrc,
	     uint64_t index, uint8_t *p, unsigned n)
{
	__m512i k[15];

	if (n == 0)
		return;
	if (key_len == 16) {
		rk128_lanes(key, k);
	} else {
		for (unsigned r = 0; r <= 14; r++)
			k[r] = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(key + 16 * r)));
	}
	cm_run(k, rounds_of(key_len), cm_iv_block(salt, ssrc, index), p, n);
}

VG void
srtp_vcm_xor_n(const struct srtp_cm_lane *l, unsigned n)
{
	for (unsigned i = 0; i < n; i += 4) {
		unsigned g = n - i < 4 ? n - i : 4;
		__m128i rk[4][11], x[4];

		/* four AES-128 key schedules side by side (a lane past the
		 * group, or an AES-256 one, expands zeros for nothing) */
		_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++)
			x[j] = j < g && l[i + j].key_len == 16
				       ? _mm_loadu_si128((const __m128i *)l[i + j].key)
				       : _mm_setzero_si128();
#define KEXP4(R, RCON)                                                      \
		_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++) { \
			KEXP(x[j], RCON);                                   \
			rk[j][R] = x[j];                                    \
		}
		_Pragma("GCC unroll 4") for (unsigned j = 0; j < 4; j++)
			rk[j][0] = x[j];
		KEXP4(1, 0x01);
		KEXP4(2, 0x02);
		KEXP4(3, 0x04);
		KEXP4(4, 0x08);
		KEXP4(5, 0x10);
		KEXP4(6, 0x20);
		KEXP4(7, 0x40);
		KEXP4(8, 0x80);
		KEXP4(9, 0x1b);
		KEXP4(10, 0x36);
#undef KEXP4
		for (unsigned j = 0; j < g; j++) {
			const struct srtp_cm_lane *c = &l[i + j];
			__m512i k[15];

			if (c->n == 0)
				continue;
			if (j + 1 < g && c->key_len == 16 && c->n <= 256 && c[1].key_len == 16 &&
			    c[1].n && c[1].n <= 256) {
				/* the usual case: this one and the next together */
				cm_run2(rk[j], rk[j + 1], cm_iv_block(c->salt, c->ssrc, c->index),
					cm_iv_block(c[1].salt, c[1].ssrc, c[1].index), c->p, c->n,
					c[1].p, c[1].n);
				j++;
				continue;
			}
			if (c->key_len == 16) {
				for (unsigned r = 0; r <= 10; r++)
					k[r] = _mm512_broadcast_i32x4(rk[j][r]);
			} else {
				for (unsigned r = 0; r <= 14; r++)
					k[r] = _mm512_broadcast_i32x4(
						_mm_loadu_si128((const __m128i *)(c->key + 16 * r)));
			}
			cm_run(k, rounds_of(c->key_len), cm_iv_block(c->salt, c->ssrc, c->index), c->p,
			       c->n);
		}
	}
}
