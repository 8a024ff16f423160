/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK RTP generator for the relay over net_memif (bench/relay_memif.sh).
 * Attaches to callplane-dp's memif port as the client, answers the
 * dataplane's ARP for the two peer hosts it plays (A and B, same MAC), sets
 * up K calls over NG (UDP), then sends 172-byte RTP for every call both
 * ways as fast as the link takes it and counts what the relay sends back.
 * Prints one line per second and a final key=value line: the relayed
 * packets/s received (median of the per-second samples after warm-up).
 *
 * --oneway sends A to B only. --srtp MODE makes A's leg SRTP (SDES
 * AES_CM_128_HMAC_SHA1_80 or --suite NAME, a key per call) and sends one way:
 *   srtp-rtp   A sends SRTP, B is offered plain RTP: the relay decrypts
 *   rtp-srtp   B sends RTP to the SRTP leg A: the relay encrypts
 *   srtp-srtp  both legs SRTP with their own keys: decrypt and encrypt
 * A's SRTP is protected here (the callplane transform, ipsec-mb bursts)
 * with a new sequence number every send, as a phone does.
 * --shared-key gives every call's SRTP leg the same master key (one per
 * side), so the generator keeps one SRTP context instead of one per call
 * (each stream still has its own SSRC, index and keystream). The relay
 * still derives and keeps a context per stream from the offers; what goes
 * is the generator's own 100,000 contexts, which on a shared L3 cache
 * evict the relay's (on a real network the sender is another box).
 *
 * --pre-protect MB: A's SRTP packets are protected before the run, up to
 * MB megabytes of them, in the order they will be sent, and the run only
 * copies them into its frames. On this two-core machine the generator
 * shares the host's core with the relay's worker (a busy loop on the
 * other vCPU slows the transform by half), and protecting at the relay's
 * own rate would load the worker's core with the sender's crypto too (on
 * a real network the sender is another box). When they run out, the rest
 * is protected live as before: "live=N" on each steady line counts the
 * packets protected live so far, and the end line gives the total.
 *
 * --pair P (with --srtp MODE): 2K calls, the first K plain one-way and the
 * next K in MODE, and the sending alternates between the two sets every P
 * seconds (plain first). Each phase prints "steady N plain|MODE begin"
 * one second in and "steady N ... end" one second before it ends, so the
 * relay's cost per packet is read for both in adjacent windows of the
 * same run (a shared machine's drift hits both alike).
 *
 * Call i's peers are A + i / 20000 and B + i / 20000 (addresses counted
 * up from --a and --b), port 20000 + 2 * (i % 20000): a host has 16-bit
 * ports too. Each call's packets go to the relay address its SDP answer
 * names (the relay spreads calls over its media addresses).
 *
 *   memif_gen [EAL args] -- --ng IP:PORT --relay IP --a IP --b IP
 *             --calls K --secs S [--oneway] [--srtp MODE [--pair P]] [--suite NAME]
 *             [--shared-key] [--pre-protect MB] [--hold]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xmmintrin.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#include "common/args.h"
#include "common/sdp.h"
#include "srtp/srtp_xf.h"

#define BURST 32
#define FRAME (14 + 20 + 8 + 172)

static volatile int quit;
static uint32_t ip_a, ip_b, ip_relay;   /* network order */
static unsigned n_hosts = 1;             /* peer addresses per side */
#define CALLS_PER_HOST 20000
#define MAX_CALLS 200000
static struct rte_ether_addr mac_me, mac_relay;
static int have_relay_mac;

static void
on_signal(int s)
{
	(void)s;
	quit = 1;
}

static bool detect;   /* --detect: in-band DTMF detection on every call */
static bool record;   /* --record: every call recorded (NG "record call" in the answer) */
static bool oneway;   /* --oneway: A to B only */
static bool hold;     /* --hold: stay attached after the run until SIGTERM */
static bool shared_key;   /* --shared-key: one SRTP master key per side */
static struct srtp_xf *shared_xf;   /* its one context (A's side) */
static unsigned pair_secs; /* --pair P: plain and SRTP calls alternate every P s */
enum gen_srtp { SRTP_NONE, SRTP_TO_RTP, RTP_TO_SRTP, SRTP_TO_SRTP };
static enum gen_srtp srtp_mode, pair_mode;
static unsigned n_plain;   /* --pair: frames 0..n_plain-1 are the plain set */
static unsigned pre_mb;    /* --pre-protect MB */

/* --suite (default AES_CM_128_HMAC_SHA1_80): its tag and master key +
 * salt lengths */
static enum srtp_suite suite = SRTP_AES_CM_128_HMAC_SHA1_80;
static unsigned tag_len = 10, ks_len = 30;
#define KS_MAX 64

/* The master key and salt of @call's A leg or (@b) B leg (ks_len bytes). */
static void
call_key(unsigned call, bool b, uint8_t ks[KS_MAX])
{
	unsigned c = 2 * (shared_key ? 0 : call) + b;

	for (unsigned i = 0; i < ks_len; i++)
		ks[i] = (uint8_t)(c * 131u + i * 7u + (c >> 8) + 1);
}

/* Address @k of the series that starts at @base (network order). */
static uint32_t
host_ip(uint32_t base, unsigned k)
{
	return htonl(ntohl(base) + k);
}

static bool
is_peer(uint32_t ip)
{
	uint32_t h = ntohl(ip);

	return (h >= ntohl(ip_a) && h < ntohl(ip_a) + n_hosts) ||
	       (h >= ntohl(ip_b) && h < ntohl(ip_b) + n_hosts);
}

#define NG_TRIES 5
static unsigned ng_retransmits;   /* NG requests sent again (reported at the end) */

/* One NG request; returns the media port of the rewritten SDP and puts
 * its IPv4 connection address in *relay. */
static unsigned
ng_req(int fd, const struct sockaddr_in *ng, const char *cmd, unsigned call, uint32_t ip,
       unsigned port, uint32_t *relay)
{
	char sdp[512], msg[1536], rep[8192], ips[INET_ADDRSTRLEN], cid[40], b64[96] = "",
	     cl_crypto[96] = "";
	bool offer = strcmp(cmd, "offer") == 0;
	/* SDES on A's leg (the offer), and on B's in srtp-srtp */
	bool crypto = srtp_mode != SRTP_NONE && (offer || srtp_mode == SRTP_TO_SRTP);
	int n, sl, cl, r;
	size_t ck_len;
	const char *m;

	inet_ntop(AF_INET, &ip, ips, sizeof(ips));
	if (crypto) {
		uint8_t ks[KS_MAX];

		call_key(call, !offer, ks);
		sdp_b64_encode(ks, ks_len, b64, sizeof(b64));
	}
	if (crypto)
		snprintf(cl_crypto, sizeof(cl_crypto), "a=crypto:1 %s inline:", srtp_suite_name(suite));
	sl = snprintf(sdp, sizeof(sdp),
		      "v=0\r\nc=IN IP4 %s\r\nm=audio %u RTP/%s 0\r\n%s%s%s", ips, port,
		      crypto ? "SAVP" : "AVP", cl_crypto, b64, crypto ? "\r\n" : "");
	cl = snprintf(cid, sizeof(cid), "mg-%d-%u", (int)getpid(), call);
	n = snprintf(msg, sizeof(msg),
		     "%s%d-%u d7:command%zu:%s7:call-id%d:%s8:from-tag1:A%s%s%s%s3:sdp%d:%se", cmd,
		     (int)getpid(), call, strlen(cmd), cmd, cl, cid,
		     strcmp(cmd, "answer") == 0 ? "6:to-tag1:B" : "",
		     offer && (srtp_mode == SRTP_TO_RTP || srtp_mode == RTP_TO_SRTP)
			     ? "18:transport protocol7:RTP/AVP" : "",
		     detect && strcmp(cmd, "offer") == 0 ? "5:flagsl11:detect DTMFe" : "",
		     record && strcmp(cmd, "answer") == 0 ? "11:record call3:yes" : "", sl, sdp);
	/* NG is UDP: a request not answered in 2 s is sent again, as NG
	 * clients do (the relay answers a repeat from its reply cache), up
	 * to NG_TRIES times; a late reply to an earlier try, or to an earlier
	 * request, is told apart by its cookie and skipped */
	ck_len = (size_t)(strchr(msg, ' ') - msg) + 1;
	for (int t = 0;; t++) {
		if (t == NG_TRIES) {
			fprintf(stderr, "memif_gen: NG %s for call %u: no reply in %d tries of 2 s\n",
				cmd, call, NG_TRIES);
			exit(1);
		}
		if (t > 0) {
			ng_retransmits++;
			fprintf(stderr, "memif_gen: NG %s for call %u: no reply in 2 s, sent again\n",
				cmd, call);
		}
		if (sendto(fd, msg, (size_t)n, 0, (const struct sockaddr *)ng, sizeof(*ng)) < 0) {
			fprintf(stderr, "memif_gen: NG %s: %s\n", cmd, strerror(errno));
			exit(1);
		}
		while ((r = (int)recv(fd, rep, sizeof(rep) - 1, 0)) > 0 &&
		       ((size_t)r < ck_len || memcmp(rep, msg, ck_len) != 0))
			;
		if (r > 0)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			fprintf(stderr, "memif_gen: NG %s: %s\n", cmd, strerror(errno));
			exit(1);
		}
	}
	rep[r] = '\0';
	{
		const char *c = strstr(rep, "c=IN IP4 ");
		char a[INET_ADDRSTRLEN] = "";

		if (c != NULL)
			sscanf(c + 9, "%15[0-9.]", a);
		if (inet_pton(AF_INET, a, relay) != 1) {
			fprintf(stderr, "memif_gen: NG %s for call %u: no IPv4 address: %s\n",
				cmd, call, rep);
			exit(1);
		}
	}
	m = strstr(rep, "m=audio ");
	if (m == NULL) {
		fprintf(stderr, "memif_gen: NG %s for call %u: %s\n", cmd, call, rep);
		exit(1);
	}
	return (unsigned)atoi(m + 8);
}

/* ARP requests for A or B get our MAC; the relay's own MAC is learnt. */
static int
handle_arp(uint16_t port, struct rte_mbuf *m)
{
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	uint32_t tip;

	if (e->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP) ||
	    rte_pktmbuf_data_len(m) < sizeof(*e) + sizeof(*a))
		return 0;
	if (a->arp_data.arp_sip == ip_relay) {
		mac_relay = a->arp_data.arp_sha;
		have_relay_mac = 1;
	}
	tip = a->arp_data.arp_tip;
	if (a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) || !is_peer(tip)) {
		rte_pktmbuf_free(m);
		return 1;
	}
	a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = mac_me;
	a->arp_data.arp_sip = tip;
	e->dst_addr = e->src_addr;
	e->src_addr = mac_me;
	if (rte_eth_tx_burst(port, 0, &m, 1) == 0)
		rte_pktmbuf_free(m);
	return 1;
}

static struct rte_mbuf *
make_frame(struct rte_mempool *mp, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
	   uint32_t ssrc, unsigned extra)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;
	struct rte_ether_hdr *e;
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *u;

	if (m == NULL)
		return NULL;
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(FRAME + extra));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memset(p, 0, FRAME + extra);
	e = (struct rte_ether_hdr *)p;
	ip = (struct rte_ipv4_hdr *)(e + 1);
	u = (struct rte_udp_hdr *)(ip + 1);
	e->dst_addr = mac_relay;
	e->src_addr = mac_me;
	e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(FRAME - 14 + extra));
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = src;
	ip->dst_addr = dst;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	u->src_port = rte_cpu_to_be_16(sport);
	u->dst_port = rte_cpu_to_be_16(dport);
	u->dgram_len = rte_cpu_to_be_16((uint16_t)(8 + 172 + extra));
	p = (uint8_t *)(u + 1);
	p[0] = 0x80;
	p[8] = (uint8_t)(ssrc >> 24);
	p[9] = (uint8_t)(ssrc >> 16);
	p[10] = (uint8_t)(ssrc >> 8);
	p[11] = (uint8_t)ssrc;
	/* SRTP frames, and plain ones to an SRTP leg, change every send: no
	 * UDP checksum (IPv4 allows it) */
	u->dgram_cksum = extra || srtp_mode == RTP_TO_SRTP ? 0 : rte_ipv4_udptcp_cksum(ip, u);
	return m;
}

static const char *
mode_name(enum gen_srtp m)
{
	return m == SRTP_TO_RTP ? "srtp-rtp" : m == RTP_TO_SRTP ? "rtp-srtp" :
	       m == SRTP_TO_SRTP ? "srtp-srtp" : "plain";
}

/* --pair: call @i of @calls is plain (the first half) or in the SRTP
 * mode; what ng_req and make_frame build follows srtp_mode. */
static void
call_mode(unsigned i, unsigned calls)
{
	if (pair_secs)
		srtp_mode = i < calls / 2 ? SRTP_NONE : pair_mode;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* --pre-protect: A's SRTP packets protected ahead, @k per stream; stream
 * j's i-th is at buf + (i * n + j) * stride, so a lap of the call set
 * reads them in order. */
#define PRE_AHEAD 24   /* frames: about a burst ahead */

struct pre {
	uint8_t *buf;
	uint64_t k;
	unsigned n, stride;
	uint32_t *slot;     /* per frame: its stream j, or UINT32_MAX (none) */
	uint32_t *used;     /* per stream: how many of its k were sent */
};

/* Fills @pp for the frames that have an SRTP sender (@xf), at most
 * pre_mb megabytes and no more than @secs of sending at 5 Mpps could use;
 * the frames' sequence numbers (@fseq) and sender states (@xs) move on
 * past them. Returns -1 if out of memory or a protect fails. */
static int
pre_protect(struct pre *pp, struct rte_mbuf *const *frames, unsigned n_frames,
	    struct srtp_xf *const *xf, struct srtp_xf_state *xs, uint16_t *fseq, unsigned secs)
{
	struct srtp_op ops[BURST];
	unsigned *fr, n = 0;
	uint64_t k, need;
	double t0 = (double)rte_get_timer_cycles();

	memset(pp, 0, sizeof(*pp));
	pp->slot = malloc(n_frames * sizeof(*pp->slot));
	fr = malloc(n_frames * sizeof(*fr));
	if (pp->slot == NULL || fr == NULL)
		return -1;
	for (unsigned f = 0; f < n_frames; f++) {
		pp->slot[f] = xf[f] != NULL ? n : UINT32_MAX;
		if (xf[f] != NULL)
			fr[n++] = f;
	}
	pp->stride = (172 + tag_len + 15) & ~15u;
	k = n ? ((uint64_t)pre_mb << 20) / ((uint64_t)n * pp->stride) : 0;
	need = n ? (uint64_t)secs * 5000000 / n + 1 : 0;
	if (k > need)
		k = need;
	if (k == 0) {
		free(fr);
		return 0;
	}
	/* gigabytes written once in order: in huge pages where the kernel
	 * gives them, a fault per 2 MB rather than per 4 KB */
	pp->buf = mmap(NULL, k * n * pp->stride, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (pp->buf == MAP_FAILED)
		pp->buf = NULL;
	else
		madvise(pp->buf, k * n * pp->stride, MADV_HUGEPAGE);
	pp->used = calloc(n, sizeof(*pp->used));
	if (pp->buf == NULL || pp->used == NULL) {
		free(fr);
		return -1;
	}
	for (uint64_t i = 0; i < k; i++) {
		for (unsigned j0 = 0; j0 < n; j0 += BURST) {
			unsigned nops = 0;

			for (unsigned j = j0; j < n && j < j0 + BURST; j++) {
				unsigned f = fr[j];
				uint8_t *d = pp->buf + (i * n + j) * pp->stride;

				memcpy(d, rte_pktmbuf_mtod_offset(frames[f], uint8_t *, FRAME - 172), 12);
				memset(d + 12, 0, 160);
				d[2] = (uint8_t)(fseq[f] >> 8);
				d[3] = (uint8_t)fseq[f]++;
				ops[nops++] = (struct srtp_op){ .x = xf[f], .st = &xs[f], .pkt = d,
					.len = 172, .cap = (uint16_t)(172 + tag_len),
					.kind = SRTP_OP_PROTECT };
			}
			srtp_xf_burst(ops, nops);
			for (unsigned o = 0; o < nops; o++)
				if (ops[o].rc < 0) {
					fprintf(stderr, "memif_gen: protect failed (%d)\n", (int)ops[o].rc);
					free(fr);
					return -1;
				}
		}
	}
	free(fr);
	pp->k = k;
	pp->n = n;
	printf("pre-protected %" PRIu64 " packets per SRTP stream, %u streams (%" PRIu64
	       " MB) in %.1f s\n", k, n, (k * n * pp->stride) >> 20,
	       ((double)rte_get_timer_cycles() - t0) / (double)rte_get_timer_hz());
	fflush(stdout);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in ng = { .sin_family = AF_INET };
	unsigned calls = 100, secs = 10, warm = 3, n_frames;
	struct rte_eth_conf conf = { 0 };
	struct rte_mempool *mp;
	struct rte_mbuf **frames, *rx[BURST], *tx[BURST];
	const char **fdata;
	struct srtp_xf **xf;           /* per frame: A's SRTP sender, or NULL */
	struct srtp_xf_state *xs;
	uint8_t *new_seq;              /* per frame: plain RTP to an SRTP leg */
	struct srtp_op ops[BURST];
	uint16_t *fseq;                /* per frame: its next sequence number (a
					* stream's own count: the other set's sends
					* never make it jump) */
	uint64_t *samples, rx_total = 0, tx_total = 0, hz, t_next, live = 0;
	struct pre pre = { 0 };
	unsigned n_samples = 0, cursor = 0;
	int ret, fd;
	uint16_t port = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "memif_gen: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		/* the options that take no value */
		if (strcmp(o, "--detect") == 0) {
			detect = true;
			continue;
		} else if (strcmp(o, "--record") == 0) {
			record = true;
			continue;
		} else if (strcmp(o, "--hold") == 0) {
			hold = true;
			continue;
		} else if (strcmp(o, "--shared-key") == 0) {
			shared_key = true;
			continue;
		} else if (strcmp(o, "--oneway") == 0) {
			oneway = true;
			continue;
		}
		if (strncmp(o, "--", 2) != 0) {
			fprintf(stderr, "memif_gen: %s is not an option\n", o);
			return 2;
		}
		if (v == NULL) {
			fprintf(stderr, "memif_gen: %s needs a value\n", o);
			return 2;
		}
		i++;
		if (strcmp(o, "--ng") == 0) {
			unsigned short p;

			arg_ipv4_port("memif_gen", "--ng", v, &ng.sin_addr, &p);
			ng.sin_port = htons(p);
		} else if (strcmp(o, "--srtp") == 0) {
			srtp_mode = strcmp(v, "srtp-rtp") == 0 ? SRTP_TO_RTP :
				    strcmp(v, "rtp-srtp") == 0 ? RTP_TO_SRTP :
				    strcmp(v, "srtp-srtp") == 0 ? SRTP_TO_SRTP : SRTP_NONE;
			if (srtp_mode == SRTP_NONE && strcmp(v, "none") != 0) {
				fprintf(stderr, "memif_gen: --srtp srtp-rtp|rtp-srtp|srtp-srtp|none\n");
				return 2;
			}
			oneway = oneway || srtp_mode != SRTP_NONE;
		} else if (strcmp(o, "--suite") == 0) {
			int su = srtp_suite_by_name(v, strlen(v));

			if (su < 0) {
				fprintf(stderr, "memif_gen: unknown SRTP suite %s\n", v);
				return 2;
			}
			suite = (enum srtp_suite)su;
			ks_len = srtp_suite_key_len(suite) + srtp_suite_salt_len(suite);
			tag_len = strstr(v, "GCM") ? 16 : strstr(v, "_32") ? 4 : 10;
		} else if (strcmp(o, "--relay") == 0) {
			arg_ipv4("memif_gen", "--relay", v, &ip_relay);
		} else if (strcmp(o, "--a") == 0) {
			arg_ipv4("memif_gen", "--a", v, &ip_a);
		} else if (strcmp(o, "--b") == 0) {
			arg_ipv4("memif_gen", "--b", v, &ip_b);
		} else if (strcmp(o, "--pair") == 0) {
			pair_secs = (unsigned)arg_ulong("memif_gen", "--pair (seconds per phase)", v,
							3, 3600);
		} else if (strcmp(o, "--pre-protect") == 0) {
			pre_mb = (unsigned)arg_ulong("memif_gen", "--pre-protect (megabytes)", v, 0,
						     1u << 20);
		} else if (strcmp(o, "--calls") == 0) {
			calls = (unsigned)arg_ulong("memif_gen", "--calls", v, 1, MAX_CALLS);
		} else if (strcmp(o, "--secs") == 0) {
			secs = (unsigned)arg_ulong("memif_gen", "--secs", v, 1, 86400);
		} else {
			fprintf(stderr, "memif_gen: unknown option %s\n", o);
			return 2;
		}
	}
	if (pair_secs && srtp_mode == SRTP_NONE) {
		fprintf(stderr, "memif_gen: --pair needs --srtp MODE\n");
		return 2;
	}
	if (pair_secs) {
		if (calls > MAX_CALLS / 2) {
			fprintf(stderr, "memif_gen: --pair makes --calls plain calls and as many SRTP "
					"calls: --calls takes up to %u with it\n", MAX_CALLS / 2);
			return 2;
		}
		pair_mode = srtp_mode;
		calls *= 2;   /* K plain, then K in the SRTP mode */
	}
	if (!ip_a || !ip_b || !ip_relay || !ng.sin_port) {
		fprintf(stderr, "usage: memif_gen [EAL] -- --ng IP:PORT --relay IP --a IP --b IP "
				"--calls K --secs S [--oneway] [--srtp MODE [--pair P]] [--suite NAME] "
				"[--shared-key] [--pre-protect MB] [--hold] [--detect] [--record]\n"
				"  (--detect: in-band DTMF detection on every call; --record: every call recorded)\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	n_hosts = (calls + CALLS_PER_HOST - 1) / CALLS_PER_HOST;
	/* a frame per stream stays allocated; 512 bytes of data room hold one */
	mp = rte_pktmbuf_pool_create("gen", 2 * calls + 16383, 256, 0,
				     RTE_PKTMBUF_HEADROOM + 512, 0);
	if (mp == NULL || rte_eth_dev_count_avail() < 1 ||
	    rte_eth_dev_configure(port, 1, 1, &conf) < 0 ||
	    rte_eth_rx_queue_setup(port, 0, 1024, 0, NULL, mp) < 0 ||
	    rte_eth_tx_queue_setup(port, 0, 1024, 0, NULL) < 0 || rte_eth_dev_start(port) < 0) {
		fprintf(stderr, "memif_gen: port setup failed\n");
		return 1;
	}
	rte_eth_macaddr_get(port, &mac_me);
	for (int i = 0; i < 100; i++) {   /* the memif link comes up asynchronously */
		struct rte_eth_link l;

		rte_eth_link_get_nowait(port, &l);
		if (l.link_status)
			break;
		usleep(100000);
	}
	/* NG over the kernel; ARP answered on the port while calls are set up. */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	{
		struct timeval tv = { 2, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	n_frames = 2 * calls;
	frames = calloc(n_frames, sizeof(*frames));
	xf = calloc(n_frames, sizeof(*xf));
	xs = calloc(n_frames, sizeof(*xs));
	new_seq = calloc(n_frames, 1);
	fseq = calloc(n_frames, sizeof(*fseq));
	samples = calloc(secs + warm + 2, sizeof(*samples));
	if (frames == NULL || xf == NULL || xs == NULL || new_seq == NULL || fseq == NULL || samples == NULL) {
		fprintf(stderr, "memif_gen: out of memory\n");
		return 1;
	}
	{
		unsigned *pa = calloc(calls, sizeof(*pa)), *pb = calloc(calls, sizeof(*pb));
		uint32_t *ra = calloc(calls, sizeof(*ra)), *rb = calloc(calls, sizeof(*rb));

		for (unsigned i = 0; i < calls; i++) {
			unsigned h = i / CALLS_PER_HOST, pp = 20000 + 2 * (i % CALLS_PER_HOST);

			call_mode(i, calls);

			pb[i] = ng_req(fd, &ng, "offer", i, host_ip(ip_a, h), pp, &rb[i]);
			pa[i] = ng_req(fd, &ng, "answer", i, host_ip(ip_b, h), pp, &ra[i]);
			if (i % 10000 == 9999) {
				printf("set up %u calls\n", i + 1);
				fflush(stdout);
			}
		}
		if (ng_retransmits > 0)
			printf("NG requests sent again after 2 s without a reply: %u\n", ng_retransmits);
		/* The relay resolves A and B and learns nothing about us until it
		 * needs to: poke it with one packet per host, answer its ARP. */
		for (uint64_t end = rte_get_timer_cycles() + 3 * rte_get_timer_hz();
		     rte_get_timer_cycles() < end && !quit;) {
			uint16_t n = rte_eth_rx_burst(port, 0, rx, BURST);

			for (uint16_t k = 0; k < n; k++)
				if (!handle_arp(port, rx[k]))
					rte_pktmbuf_free(rx[k]);
			if (!have_relay_mac) {
				/* ask for the relay's MAC */
				struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
				struct rte_ether_hdr *e;
				struct rte_arp_hdr *a;

				if (m == NULL)
					continue;
				e = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*e) + sizeof(*a));
				if (e == NULL) {
					rte_pktmbuf_free(m);
					continue;
				}
				a = (struct rte_arp_hdr *)(e + 1);
				memset(&e->dst_addr, 0xff, 6);
				e->src_addr = mac_me;
				e->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
				a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
				a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
				a->arp_hlen = 6;
				a->arp_plen = 4;
				a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
				a->arp_data.arp_sha = mac_me;
				a->arp_data.arp_sip = ip_a;
				memset(&a->arp_data.arp_tha, 0, 6);
				a->arp_data.arp_tip = ip_relay;
				if (rte_eth_tx_burst(port, 0, &m, 1) == 0)
					rte_pktmbuf_free(m);
				usleep(100000);
			}
		}
		if (!have_relay_mac) {
			fprintf(stderr, "memif_gen: the relay never answered ARP\n");
			return 1;
		}
		/* what is sent: both ways, or one way (A to B; B to A for rtp-srtp) */
		n_frames = 0;
		shared_xf = NULL;
		for (unsigned i = 0; i < calls; i++) {
			bool a, b;
			unsigned extra;

			call_mode(i, calls);
			if (pair_secs && i == calls / 2)
				n_plain = n_frames;   /* where the SRTP set starts */
			a = srtp_mode != RTP_TO_SRTP;
			b = !oneway || srtp_mode == RTP_TO_SRTP;
			extra = a && srtp_mode != SRTP_NONE ? tag_len : 0;
			new_seq[n_frames] = srtp_mode == RTP_TO_SRTP;

			if (a) {
				if (extra && shared_key && shared_xf != NULL) {
					xf[n_frames] = shared_xf;
				} else if (extra) {
					uint8_t ks[KS_MAX];

					call_key(i, false, ks);
					if (srtp_xf_create(&xf[n_frames], SRTP_ENGINE_IPSECMB, suite, ks,
							   ks + srtp_suite_key_len(suite)) < 0) {
						fprintf(stderr, "memif_gen: SRTP context\n");
						return 1;
					}
					shared_xf = xf[n_frames];
				}
				frames[n_frames++] = make_frame(mp, host_ip(ip_a, i / CALLS_PER_HOST), ra[i],
								(uint16_t)(20000 + 2 * (i % CALLS_PER_HOST)),
								(uint16_t)pa[i], 2 * i, extra);
			}
			if (b)
				frames[n_frames++] = make_frame(mp, host_ip(ip_b, i / CALLS_PER_HOST), rb[i],
								(uint16_t)(20000 + 2 * (i % CALLS_PER_HOST)),
								(uint16_t)pb[i], 2 * i + 1, 0);
			if (frames[n_frames - 1] == NULL || (a && b && frames[n_frames - 2] == NULL)) {
				fprintf(stderr, "memif_gen: out of mbufs\n");
				return 1;
			}
		}
		free(pa);
		free(pb);
		free(ra);
		free(rb);
	}
	if (pre_mb && pre_protect(&pre, frames, n_frames, xf, xs, fseq,
				  pair_secs ? (secs / pair_secs + 1) / 2 * pair_secs : secs + warm) < 0) {
		fprintf(stderr, "memif_gen: --pre-protect: out of memory or a failed protect\n");
		return 1;
	}
	/* where each frame's bytes are, to fetch them ahead without reading
	 * its mbuf first */
	fdata = malloc(n_frames * sizeof(*fdata));
	if (fdata == NULL) {
		fprintf(stderr, "memif_gen: out of memory\n");
		return 1;
	}
	for (unsigned f = 0; f < n_frames; f++)
		fdata[f] = rte_pktmbuf_mtod(frames[f], const char *);
	/* Blast: each burst sends the next BURST frames of the call set (the
	 * PMD copies them into the ring, so one mbuf serves every send). */
	hz = rte_get_timer_hz();
	t_next = rte_get_timer_cycles() + hz;
	{
		uint64_t last_rx = 0;
		unsigned sec = 0;

		/* --pair: the set being sent, frames [lo, hi) */
		unsigned lo = 0, hi = n_frames, total = pair_secs ? secs : secs + warm;

		if (pair_secs)
			hi = n_plain;
		while (!quit && sec < total) {
			uint16_t n, sent;

			unsigned nb = hi - lo < BURST ? hi - lo : BURST, nops = 0, fi[BURST];
			uint32_t pre_taken = 0;   /* bit k: tx[k] was protected ahead */

			for (unsigned k = 0; k < nb; k++) {
				unsigned c = cursor + PRE_AHEAD < hi ? cursor + PRE_AHEAD
								   : cursor + PRE_AHEAD - (hi - lo);

				/* the frame sent PRE_AHEAD frames on, fetched for
				 * writing: with many calls its mbuf is out of the
				 * cache, and the reference count taken below (and
				 * dropped by the PMD once it has copied the frame) is
				 * a locked update that would wait for memory with
				 * nothing else in flight, a miss a packet one after
				 * the other: the generator, not the relay, set the
				 * rate. Its data lines too (the PMD copies them). */
				if (hi - lo > PRE_AHEAD) {
					__builtin_prefetch(frames[c], 1);
					for (unsigned o = 0; o < FRAME + tag_len; o += 64)
						__builtin_prefetch(fdata[c] + o, 1);
				}
				/* the protected-ahead packet PRE_AHEAD frames on,
				 * fetched as non-temporal: gigabytes read once, which
				 * should not push the relay's streams and keys out of
				 * the cache it shares with us (a real SRTP peer is
				 * another machine) */
				if (pre.k && hi - lo > PRE_AHEAD) {
					uint32_t j = pre.slot[c];

					if (j != UINT32_MAX && pre.used[j] < pre.k) {
						const uint8_t *a = pre.buf +
							((uint64_t)pre.used[j] * pre.n + j) * pre.stride;

						for (unsigned o = 0; o < pre.stride; o += 64)
							_mm_prefetch((const char *)a + o, _MM_HINT_NTA);
					}
				}
				fi[k] = cursor;
				tx[k] = frames[cursor];
				rte_mbuf_refcnt_update(tx[k], 1);
				if (xf[cursor] != NULL && pre.k &&
				    pre.used[pre.slot[cursor]] < pre.k) {
					/* protected ahead: the next one of this stream */
					uint32_t j = pre.slot[cursor];

					pre_taken |= 1u << k;

					memcpy(rte_pktmbuf_mtod_offset(tx[k], uint8_t *, FRAME - 172),
					       pre.buf + ((uint64_t)pre.used[j]++ * pre.n + j) * pre.stride,
					       172 + tag_len);
				} else if (xf[cursor] != NULL) {
					/* a new packet each time: clear payload, next
					 * sequence number, protected (the tag is in the
					 * frame's length already) */
					uint8_t *rtp = rte_pktmbuf_mtod_offset(tx[k], uint8_t *,
									       FRAME - 172);

					memset(rtp + 12, 0, 160);
					rtp[2] = (uint8_t)(fseq[cursor] >> 8);
					rtp[3] = (uint8_t)fseq[cursor]++;
					ops[nops++] = (struct srtp_op){ .x = xf[cursor], .st = &xs[cursor],
						.pkt = rtp, .len = 172, .cap = 172 + tag_len,
						.kind = SRTP_OP_PROTECT };
					live++;
				} else if (new_seq[cursor]) {
					/* plain RTP to an SRTP leg: a new sequence
					 * number each send too (an SRTP sender may
					 * not reuse an index; libsrtp refuses it) */
					uint8_t *rtp = rte_pktmbuf_mtod_offset(tx[k], uint8_t *,
									       FRAME - 172);

					rtp[2] = (uint8_t)(fseq[cursor] >> 8);
					rtp[3] = (uint8_t)fseq[cursor]++;
				}
				cursor = cursor + 1 == hi ? lo : cursor + 1;
			}
			if (nops)
				srtp_xf_burst(ops, nops);
			sent = rte_eth_tx_burst(port, 0, tx, (uint16_t)nb);
			tx_total += sent;
			/* what the ring did not take goes first next time, so a
			 * relay that falls behind sees each stream in order, not
			 * with its sequence numbers jumping over whole laps; plain
			 * RTP takes its sequence number back (SRTP ones stay used:
			 * the protect kept them; one protected ahead goes back
			 * to be sent next) */
			for (unsigned k = nb; k-- > sent;) {
				rte_mbuf_refcnt_update(tx[k], -1);
				if (new_seq[fi[k]])
					fseq[fi[k]]--;
				else if (pre_taken & 1u << k)
					pre.used[pre.slot[fi[k]]]--;
			}
			if (sent < nb) {
				cursor = fi[sent];
				/* the ring is full: wait about a microsecond before
				 * trying again rather than polling its indexes, whose
				 * cache lines the relay under test writes at every
				 * burst (the retries cost the relay its own time) */
				for (uint64_t until = rte_get_timer_cycles() + hz / 1000000;
				     rte_get_timer_cycles() < until;)
					rte_pause();
			}
			n = rte_eth_rx_burst(port, 0, rx, BURST);
			for (uint16_t k = 0; k < n; k++) {
				struct rte_ether_hdr *e = rte_pktmbuf_mtod(rx[k], struct rte_ether_hdr *);

				if (e->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP)) {
					handle_arp(port, rx[k]);
					continue;
				}
				rx_total++;
				rte_pktmbuf_free(rx[k]);
			}
			if (rte_get_timer_cycles() >= t_next) {
				t_next += hz;
				samples[sec] = rx_total - last_rx;
				last_rx = rx_total;
				printf("second %u: %" PRIu64 " relayed frames received\n", sec, samples[sec]);
				sec++;
				if (sec > warm)
					n_samples++;
				if (pair_secs && sec < total) {
					unsigned ph = sec / pair_secs, j = sec % pair_secs;
					const char *what = ph % 2 ? mode_name(pair_mode) : "plain";

					if (j == 0) {
						/* the other set from now on */
						lo = ph % 2 ? n_plain : 0;
						hi = ph % 2 ? n_frames : n_plain;
						cursor = lo;
					} else if (j == 1) {
						printf("steady %u %s begin live=%" PRIu64 "\n", ph, what, live);
					} else if (j == pair_secs - 1) {
						printf("steady %u %s end live=%" PRIu64 "\n", ph, what, live);
					}
				}
				fflush(stdout);
			}
		}
		qsort(samples + warm, n_samples, sizeof(*samples), cmp_u64);
		printf("calls=%u secs=%u tx=%" PRIu64 " rx=%" PRIu64 " live_protects=%" PRIu64
		       " median_pps=%" PRIu64 "\n", calls, n_samples, tx_total, rx_total, live,
		       n_samples ? samples[warm + n_samples / 2] : 0);
		fflush(stdout);
	}
	/* --hold: the memif stays connected (idle) until we are told to go,
	 * so the relay is read and stopped before its peer leaves */
	while (hold && !quit) {
		uint16_t n = rte_eth_rx_burst(port, 0, rx, BURST);

		rte_pktmbuf_free_bulk(rx, n);
		usleep(1000);
	}
	rte_eth_dev_stop(port);
	rte_eal_cleanup();
	return 0;
}
