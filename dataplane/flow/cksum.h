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
 * The one's complement sum of @n bytes, 8 at a time into a 64-bit
 * accumulator (a 32-bit half per add never overflows it for a UDP
 * datagram), folded to 16 bits. The same sum as adding 16-bit words
 * (RFC 1071: the sum may be taken over wider words and folded), about
 * four times fewer steps than DPDK's 16-bit loop; a new SRTP or RTP
 * payload is summed once per packet.
 */
static inline uint32_t
cksum_sum_bytes(const uint8_t *p, uint32_t n)
{
	uint64_t a = 0, b = 0, w;

	for (; n >= 16; n -= 16, p += 16) {
		memcpy(&w, p, 8);
		a += (w & 0xffffffff) + (w >> 32);
		memcpy(&w, p + 8, 8);
		b += (w & 0xffffffff) + (w >> 32);
	}
	a += b;
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
