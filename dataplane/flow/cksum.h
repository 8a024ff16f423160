/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP checksums of a new payload on the worker (a packet SRTP protected
 * or unprotected in the relay). Header-only: the worker inlines them.
 */
#ifndef CP_FLOW_CKSUM_H
#define CP_FLOW_CKSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <emmintrin.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

static inline uint16_t
cksum_fold(uint32_t x)
{
	x = (x >> 16) + (x & 0xffff);
	return (uint16_t)((x >> 16) + (x & 0xffff));
}

/*
 * The one's complement sum of @n bytes, folded to 16 bits (RFC 1071: the
 * sum may be taken in wider lanes and folded). 32 bytes a step in SSE2
 * (every x86-64 has it): the 16-bit words widened to 32-bit lanes, which
 * cannot overflow for a UDP datagram (at most 4,096 steps of 0xffff a
 * lane); the tail 8, 4, 2, 1 bytes at a time. About half the steps of
 * summing 32-bit halves into 64 bits, which it replaced (a new SRTP or
 * RTP payload is summed once per packet, its cost seen in the relay's
 * profile).
 */
static inline uint32_t
cksum_sum_bytes(const uint8_t *p, uint32_t n)
{
	uint64_t a = 0, w;

	if (n >= 16) {
		const __m128i z = _mm_setzero_si128();
		__m128i s0 = z, s1 = z, v;
		uint32_t l[4];

		for (; n >= 32; n -= 32, p += 32) {
			v = _mm_loadu_si128((const __m128i *)p);
			s0 = _mm_add_epi32(s0, _mm_unpacklo_epi16(v, z));
			s1 = _mm_add_epi32(s1, _mm_unpackhi_epi16(v, z));
			v = _mm_loadu_si128((const __m128i *)(p + 16));
			s0 = _mm_add_epi32(s0, _mm_unpacklo_epi16(v, z));
			s1 = _mm_add_epi32(s1, _mm_unpackhi_epi16(v, z));
		}
		if (n >= 16) {
			v = _mm_loadu_si128((const __m128i *)p);
			s0 = _mm_add_epi32(s0, _mm_unpacklo_epi16(v, z));
			s1 = _mm_add_epi32(s1, _mm_unpackhi_epi16(v, z));
			p += 16;
			n -= 16;
		}
		/* 8 lanes of at most 28 bits each into 64 bits */
		s0 = _mm_add_epi32(s0, s1);
		_mm_storeu_si128((__m128i *)l, s0);
		a = (uint64_t)l[0] + l[1] + l[2] + l[3];
	}
	if (n >= 8) {
		memcpy(&w, p, 8);
		a += (w & 0xffffffff) + (w >> 32);
		p += 8;
		n -= 8;
	}
	if (n >= 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		a += v;
		p += 4;
		n -= 4;
	}
	if (n >= 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		a += v;
		p += 2;
		n -= 2;
	}
	if (n == 1) {
		uint16_t v = 0;

		memcpy(&v, p, 1);   /* the odd byte, padded with a zero after it */
		a += v;
	}
	a = (a >> 32) + (a & 0xffffffff);
	a = (a >> 32) + (a & 0xffffffff);
	return cksum_fold((uint32_t)a);
}

/* The UDP checksum of a datagram whose payload is new (SRTP protected or
 * unprotected here), over the pseudo-header of @l3 (IPv4 or IPv6). */
static inline uint16_t
cksum_udp_new(const uint8_t *l3, bool v6, struct rte_udp_hdr *udp)
{
	uint32_t len = rte_be_to_cpu_16(udp->dgram_len), sum;
	uint16_t c;

	udp->dgram_cksum = 0;
	/* the pseudo-header: the addresses, the protocol and the UDP length
	 * (the header's own length field is summed again with the header) */
	sum = v6 ? cksum_sum_bytes(((const struct rte_ipv6_hdr *)l3)->src_addr, 32)
		 : cksum_sum_bytes((const uint8_t *)&((const struct rte_ipv4_hdr *)l3)->src_addr, 8);
	sum += rte_cpu_to_be_16(IPPROTO_UDP) + udp->dgram_len;
	sum += cksum_sum_bytes((const uint8_t *)udp, len);
	c = (uint16_t)~cksum_fold(sum);
	return c == 0 ? 0xffff : c;
}

#endif
