/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker classification, table-driven over hand-built frames: what is
 * media, what goes to the host stack, and which drop reason is counted.
 * Also the worker's UDP checksum of a new payload (flow/cksum.h) against
 * DPDK's own, over every length and alignment a datagram can have.
 */
#include <arpa/inet.h>
#include <string.h>

#include "worker/classify.h"
#include "flow/cksum.h"
#include "check.h"

struct dp dp; /* classify.h pulls in dp.h; the tests never touch it */

static const uint8_t OUR_MAC[6] = { 0x02, 0xaa, 0, 0, 0, 1 };
static const uint8_t PEER_MAC[6] = { 0x02, 0xbb, 0, 0, 0, 2 };
static const uint8_t OTHER_MAC[6] = { 0x02, 0xcc, 0, 0, 0, 3 };
static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST6[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };

static struct dp_port port;

static size_t
eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

/* IPv4 + optional UDP header; returns frame length. */
static size_t
ip4(uint8_t *f, const uint8_t *dst_mac, const char *dst, uint8_t proto,
    uint16_t dport, uint16_t frag)
{
	size_t o = eth(f, dst_mac, PEER_MAC, 0x0800);
	uint8_t *ip = f + o;
	uint16_t tot = 20 + 8 + 12;

	memset(ip, 0, tot);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[8] = 64;
	ip[9] = proto;
	inet_pton(AF_INET, "198.18.0.10", ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	ip[20] = 0x13;
	ip[21] = 0xc4;
	ip[22] = (uint8_t)(dport >> 8);
	ip[23] = (uint8_t)dport;
	return o + tot;
}

static size_t
ip6(uint8_t *f, const uint8_t *dst_mac, const char *dst, uint8_t proto, uint16_t dport)
{
	size_t o = eth(f, dst_mac, PEER_MAC, 0x86dd);
	uint8_t *ip = f + o;
	uint16_t plen = 16;

	memset(ip, 0, 40 + plen);
	ip[0] = 0x60;
	ip[4] = 0;
	ip[5] = (uint8_t)plen;
	ip[6] = proto;
	ip[7] = 64;
	inet_pton(AF_INET6, "2001:2::10", ip + 8);
	inet_pton(AF_INET6, dst, ip + 24);
	ip[40 + 2] = (uint8_t)(dport >> 8);
	ip[40 + 3] = (uint8_t)dport;
	return o + 40 + plen;
}

struct tcase {
	const char *name;
	size_t len;
	uint8_t f[128];
	enum dp_verdict want;
	enum dp_counter why;
};

/* cksum_udp_new against rte_ipv4/ipv6_udptcp_cksum: every UDP length from
 * 8 to 1480 bytes at 8 alignments, pseudo-random payloads and addresses;
 * and a datagram whose sum is all ones is sent as 0xffff, never 0. */
static void
check_cksum(void)
{
	static uint8_t buf[2048 + 64];
	uint32_t x = 12345, bad = 0, n = 0;

	for (unsigned v6 = 0; v6 < 2; v6++) {
		for (unsigned len = 8; len <= 1480; len++) {
			unsigned al = len % 8;
			uint8_t *l3 = buf + al;
			unsigned iphl = v6 ? 40 : 20;
			struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(l3 + iphl);
			uint16_t want, got;

			for (unsigned i = 0; i < iphl + len; i++) {
				x = x * 1103515245u + 12345u;
				l3[i] = (uint8_t)(x >> 16);
			}
			if (v6) {
				struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

				ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
				ip->payload_len = rte_cpu_to_be_16((uint16_t)len);
				ip->proto = 17;
			} else {
				struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

				ip->version_ihl = 0x45;
				ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + len));
				ip->next_proto_id = 17;
			}
			udp->dgram_len = rte_cpu_to_be_16((uint16_t)len);
			udp->dgram_cksum = 0;
			want = v6 ? rte_ipv6_udptcp_cksum((const struct rte_ipv6_hdr *)l3, udp)
				  : rte_ipv4_udptcp_cksum((const struct rte_ipv4_hdr *)l3, udp);
			udp->dgram_cksum = 0x1234;   /* whatever was there before */
			got = cksum_udp_new(l3, v6, udp);
			n++;
			if (got != want && bad++ < 5)
				CHECK(got == want, "v%u UDP length %u: checksum %04x, want %04x",
				      v6 ? 6 : 4, len, got, want);
		}
	}
	CHECK(bad == 0 && n == 2 * 1473, "%u of %u checksums differ from DPDK's", bad, n);
	/* an all-zero IPv4 datagram from 0.0.0.0 to 0.0.0.0 with protocol 17
	 * and length 8 sums to 0x0011 + 8 + 8; fill the payload so the sum is
	 * 0xffff: its checksum is 0, which UDP sends as 0xffff */
	{
		uint8_t *l3 = buf;
		struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(l3 + 20);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;
		uint16_t rest;

		memset(buf, 0, 64);
		ip->version_ihl = 0x45;
		ip->next_proto_id = 17;
		ip->total_length = rte_cpu_to_be_16(30);
		udp->dgram_len = rte_cpu_to_be_16(10);
		rest = (uint16_t)(0xffff - (17 + 10 + 10));
		l3[28] = (uint8_t)(rest >> 8);
		l3[29] = (uint8_t)rest;
		CHECK(cksum_udp_new(l3, false, udp) == 0xffff,
		      "a zero checksum is sent as 0xffff, got %04x", cksum_udp_new(l3, false, udp));
	}
}

int
main(void)
{
	static struct tcase t[32];
	int n = 0;

	memcpy(port.mac.addr_bytes, OUR_MAC, 6);
	port.has4 = port.has6 = true;
	inet_pton(AF_INET, "198.18.0.1", &port.ip4);
	port.mask4 = htonl(0xffffff00);
	inet_pton(AF_INET6, "2001:2::1", port.ip6);
	inet_pton(AF_INET6, "fe80::aa:ff:fe00:1", port.ip6_ll);

#define ADD(nm, w, r) (t[n].name = nm, t[n].want = w, t[n].why = r, &t[n++])
	{ struct tcase *c = ADD("udp to media port", DP_V_MEDIA, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0); }
	{ struct tcase *c = ADD("udp to top of media range", DP_V_MEDIA, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 39999, 0); }
	{ struct tcase *c = ADD("udp to SIP port goes to kernel", DP_V_HOST, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 5060, 0); }
	{ struct tcase *c = ADD("udp just above media range", DP_V_HOST, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 40000, 0); }
	{ struct tcase *c = ADD("fragment to media port goes to kernel", DP_V_HOST, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0x2000); }
	{ struct tcase *c = ADD("tcp to media port number", DP_V_HOST, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 6, 30000, 0); }
	{ struct tcase *c = ADD("icmp to us", DP_V_HOST, 0);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 1, 0, 0); }
	{ struct tcase *c = ADD("subnet broadcast", DP_V_HOST, 0);
	  c->len = ip4(c->f, BCAST, "198.18.0.255", 17, 30000, 0); }
	{ struct tcase *c = ADD("ip to someone else", DP_V_DROP, DP_C_drop_not_ours);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.99", 17, 30000, 0); }
	{ struct tcase *c = ADD("unicast to another MAC", DP_V_DROP, DP_C_drop_other_mac);
	  c->len = ip4(c->f, OTHER_MAC, "198.18.0.1", 17, 30000, 0); }
	{ struct tcase *c = ADD("our own source MAC", DP_V_DROP, DP_C_drop_looped);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0);
	  memcpy(c->f + 6, OUR_MAC, 6); }
	{ struct tcase *c = ADD("runt", DP_V_DROP, DP_C_drop_runt); c->len = 10; }
	{ struct tcase *c = ADD("ipv4 header cut", DP_V_DROP, DP_C_drop_runt);
	  ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0); c->len = 14 + 12; }
	{ struct tcase *c = ADD("total length beyond frame", DP_V_DROP, DP_C_drop_bad_ip);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0) - 4; }
	{ struct tcase *c = ADD("ihl below 5", DP_V_DROP, DP_C_drop_bad_ip);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0); c->f[14] = 0x44; }
	{ struct tcase *c = ADD("ipv4 version 6 in v4 ethertype", DP_V_DROP, DP_C_drop_bad_ip);
	  c->len = ip4(c->f, OUR_MAC, "198.18.0.1", 17, 30000, 0); c->f[14] = 0x65; }
	{ struct tcase *c = ADD("arp broadcast", DP_V_HOST, 0);
	  c->len = eth(c->f, BCAST, PEER_MAC, 0x0806) + 28; }
	{ struct tcase *c = ADD("unknown ethertype to kernel", DP_V_HOST, 0);
	  c->len = eth(c->f, OUR_MAC, PEER_MAC, 0x88cc) + 20; }
	{ struct tcase *c = ADD("udp6 to media", DP_V_MEDIA, 0);
	  c->len = ip6(c->f, OUR_MAC, "2001:2::1", 17, 31000); }
	{ struct tcase *c = ADD("udp6 to link-local SIP", DP_V_HOST, 0);
	  c->len = ip6(c->f, OUR_MAC, "fe80::aa:ff:fe00:1", 17, 5060); }
	{ struct tcase *c = ADD("ND to solicited-node multicast", DP_V_HOST, 0);
	  c->len = ip6(c->f, MCAST6, "ff02::1:ff00:1", 58, 0); }
	{ struct tcase *c = ADD("ipv6 to someone else", DP_V_DROP, DP_C_drop_not_ours);
	  c->len = ip6(c->f, OUR_MAC, "2001:2::99", 17, 31000); }
	{ struct tcase *c = ADD("ipv6 payload beyond frame", DP_V_DROP, DP_C_drop_bad_ip);
	  c->len = ip6(c->f, OUR_MAC, "2001:2::1", 17, 31000) - 1; }
	{ struct tcase *c = ADD("ipv6 header cut", DP_V_DROP, DP_C_drop_runt);
	  ip6(c->f, OUR_MAC, "2001:2::1", 17, 31000); c->len = 14 + 39; }
#undef ADD

	for (int i = 0; i < n; i++) {
		enum dp_counter why = DP_C__MAX;
		enum dp_verdict v = dp_classify(&port, t[i].f, (uint32_t)t[i].len,
						30000, 39999, &why);

		CHECK(v == t[i].want, "%s: verdict %d, want %d", t[i].name, v, t[i].want);
		if (t[i].want == DP_V_DROP)
			CHECK(why == t[i].why, "%s: reason %s, want %s", t[i].name,
			      why < DP_C__MAX ? dp_counter_names[why] : "?",
			      dp_counter_names[t[i].why]);
	}
	check_cksum();
	return CHECK_DONE();
}
