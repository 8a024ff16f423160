/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Relay load generator for the netns test bed (kernel sockets). Sets up K
 * calls over NG (offer from host A, answer from host B), then streams
 * 172-byte RTP both ways at 50 packets/s per stream, each packet carrying
 * its send time, and reports what came back through the relay: packets/s,
 * loss, and one-way latency percentiles. --direct sends A<->B with no
 * relay in the path (the latency baseline the relay adds to).
 *
 *   relay_load --ng IP:PORT --a NS,IP --b NS,IP --calls K --secs S
 *              [--warmup S] [--base-port P] [--direct] [--label TEXT]
 *
 * Hosts are network namespaces (/var/run/netns/NS): each leg's sockets are
 * opened inside its host, so one process plays both sides. One line of
 * output, key=value, for the bench script to parse.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/args.h"

#define PKT 172
#define HIST_US 1000000   /* latency histogram: 1 us buckets up to 1 s */

struct leg {
	int fd;
	struct sockaddr_in to;    /* where this leg sends (relay port or peer) */
};

static struct leg *legs;          /* 2 per call: [2i] A, [2i+1] B */
static unsigned n_calls;
static volatile int phase;        /* 0 warm-up, 1 measuring, 2 draining, 3 stop */
static uint64_t sent_measured, recv_measured, recv_all;
static uint32_t *hist;
static uint64_t hist_over;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
die(const char *what)
{
	fprintf(stderr, "relay_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
enter_ns(const char *ns)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		die(path);
	close(fd);
}

static int
udp_bound(const char *ip, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0), sz = 1 << 20;

	if (fd < 0 || inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("bind");
	return fd;
}

/* One NG request; returns the m=audio port of the reply's SDP. */
static bool detect;
static bool record;

static unsigned
ng_call(int fd, const struct sockaddr_in *ng, const char *cmd, unsigned call,
	const char *ip, unsigned port)
{
	char sdp[256], msg[1024], rep[8192];
	const char *m;
	int n, sl;
	unsigned tries;

	sl = snprintf(sdp, sizeof(sdp),
		      "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		      "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", ip, ip, port);
	for (tries = 0; tries < 5; tries++) {
		char cid[32];
		int cl = snprintf(cid, sizeof(cid), "load-%d-%u", (int)getpid(), call);

		n = snprintf(msg, sizeof(msg),
			     "%s-%d-%u-%u d7:command%zu:%s7:call-id%d:%s8:from-tag1:A%s%s%s3:sdp%d:%se",
			     cmd, (int)getpid(), call, tries, strlen(cmd), cmd, cl, cid,
			     strcmp(cmd, "answer") == 0 ? "6:to-tag1:B" : "",
			     detect && strcmp(cmd, "offer") == 0 ? "5:flagsl11:detect DTMFe" : "",
			     record && strcmp(cmd, "answer") == 0 ? "11:record call3:yes" : "",
			     sl, sdp);
		if (sendto(fd, msg, (size_t)n, 0, (const struct sockaddr *)ng, sizeof(*ng)) < 0)
			die("NG send");
		for (int w = 0; w < 200; w++) {
			n = (int)recv(fd, rep, sizeof(rep) - 1, 0);
			if (n > 0)
				break;
			usleep(5000);
		}
		if (n <= 0)
			continue;
		rep[n] = '\0';
		m = strstr(rep, "m=audio ");
		if (m == NULL) {
			fprintf(stderr, "relay_load: NG %s for call %u: %s\n", cmd, call, rep);
			exit(1);
		}
		return (unsigned)atoi(m + 8);
	}
	fprintf(stderr, "relay_load: NG %s for call %u: no reply\n", cmd, call);
	exit(1);
}

static void
ng_delete(int fd, const struct sockaddr_in *ng, unsigned call)
{
	char msg[256], rep[8192], cid[32];
	/* cookies and call-ids are unique per run: a reply cache must not
	 * answer this run's request with an earlier run's reply */
	int cl = snprintf(cid, sizeof(cid), "load-%d-%u", (int)getpid(), call);
	int n = snprintf(msg, sizeof(msg), "del-%d-%u d7:command6:delete7:call-id%d:%se",
			 (int)getpid(), call, cl, cid);

	if (sendto(fd, msg, (size_t)n, 0, (const struct sockaddr *)ng, sizeof(*ng)) >= 0)
		for (int w = 0; w < 100 && recv(fd, rep, sizeof(rep), 0) <= 0; w++)
			usleep(2000);
}

/* Sends every leg's packet once per 20 ms, spread over 1 ms ticks. */
static void *
sender(void *arg)
{
	uint8_t pkt[PKT];
	uint64_t t0 = now_ns();
	uint32_t seq = 0;

	(void)arg;
	memset(pkt, 0x5a, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 0;
	for (uint64_t tick = 0; phase < 2; tick++) {
		uint64_t due = t0 + tick * 1000000u, t;
		unsigned slot = (unsigned)(tick % 20);

		while ((t = now_ns()) < due) {
			struct timespec ts = { 0, (long)(due - t) };

			nanosleep(&ts, NULL);
		}
		if (slot == 0)
			seq++;
		for (unsigned i = slot; i < n_calls; i += 20)
			for (unsigned k = 0; k < 2; k++) {
				struct leg *l = &legs[2 * i + k];
				uint32_t ssrc = 2 * i + k, ts32 = seq * 160;
				uint64_t stamp = now_ns();
				uint8_t meas = phase == 1;

				pkt[2] = (uint8_t)(seq >> 8);
				pkt[3] = (uint8_t)seq;
				memcpy(pkt + 4, &ts32, 4);
				memcpy(pkt + 8, &ssrc, 4);
				memcpy(pkt + 12, &stamp, 8);
				pkt[20] = meas;
				if (sendto(l->fd, pkt, PKT, 0, (struct sockaddr *)&l->to,
					   sizeof(l->to)) == PKT && meas)
					__atomic_fetch_add(&sent_measured, 1, __ATOMIC_RELAXED);
			}
	}
	return NULL;
}

static void *
receiver(void *arg)
{
	int ep = *(int *)arg;
	struct epoll_event ev[256];
	uint8_t buf[64][256];
	struct mmsghdr mm[64];
	struct iovec iov[64];

	for (unsigned i = 0; i < 64; i++) {
		iov[i] = (struct iovec){ buf[i], sizeof(buf[i]) };
		mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	while (phase < 3) {
		int n = epoll_wait(ep, ev, 256, 50);

		for (int e = 0; e < n; e++) {
			int got = recvmmsg(ev[e].data.fd, mm, 64, MSG_DONTWAIT, NULL);
			uint64_t t = now_ns();

			for (int i = 0; i < got; i++) {
				uint64_t stamp, us;

				if (mm[i].msg_len != PKT)
					continue;
				recv_all++;
				if (!buf[i][20])
					continue;
				memcpy(&stamp, buf[i] + 12, 8);
				us = t > stamp ? (t - stamp) / 1000 : 0;
				recv_measured++;
				if (us < HIST_US)
					hist[us]++;
				else
					hist_over++;
			}
		}
	}
	return NULL;
}

static double
pct(double p)
{
	uint64_t want = (uint64_t)(p * (double)recv_measured), acc = 0;

	for (unsigned i = 0; i < HIST_US; i++) {
		acc += hist[i];
		if (acc > want)
			return i;
	}
	return HIST_US;
}

static void
split(char *arg, char **ns, char **ip)
{
	char *c = strchr(arg, ',');
	struct in_addr checked;

	if (c == NULL) {
		fprintf(stderr, "relay_load: host must be NS,IP: %s\n", arg);
		exit(2);
	}
	*c = '\0';
	*ns = arg;
	*ip = c + 1;
	arg_ipv4("relay_load", "the host's address (NS,IP)", *ip, &checked);
}

int
main(int argc, char **argv)
{
	char *a_ns = NULL, *a_ip = NULL, *b_ns = NULL, *b_ip = NULL, *ng = NULL;
	const char *label = "";
	unsigned secs = 10, warm = 2, base = 20000;
	bool direct = false;
	struct sockaddr_in nga = { .sin_family = AF_INET };
	pthread_t st, rt;
	int ep, ngfd = -1;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(o, "--direct") == 0) {
			direct = true;
			continue;
		}
		if (strcmp(o, "--record") == 0) {
			record = true;   /* every call recorded (NG "record call") */
			continue;
		}
		if (strcmp(o, "--detect") == 0) {
			detect = true;   /* in-band DTMF detection on every call */
			continue;
		}
		if (v == NULL) {
			fprintf(stderr, "relay_load: %s needs a value\n", o);
			return 2;
		}
		i++;
		if (strcmp(o, "--ng") == 0) ng = v;
		else if (strcmp(o, "--a") == 0) split(v, &a_ns, &a_ip);
		else if (strcmp(o, "--b") == 0) split(v, &b_ns, &b_ip);
		else if (strcmp(o, "--calls") == 0)
			n_calls = (unsigned)arg_ulong("relay_load", "--calls", v, 1, 10000);
		else if (strcmp(o, "--secs") == 0)
			secs = (unsigned)arg_ulong("relay_load", "--secs", v, 1, 86400);
		else if (strcmp(o, "--warmup") == 0)
			warm = (unsigned)arg_ulong("relay_load", "--warmup", v, 0, 3600);
		else if (strcmp(o, "--base-port") == 0)
			base = (unsigned)arg_ulong("relay_load", "--base-port", v, 1024, 65534);
		else if (strcmp(o, "--label") == 0) label = v;
		else {
			fprintf(stderr, "relay_load: unknown option %s\n", o);
			return 2;
		}
	}
	if (!a_ns || !b_ns || n_calls == 0 || n_calls > 10000 || (!direct && !ng)) {
		fprintf(stderr, "usage: relay_load --ng IP:PORT --a NS,IP --b NS,IP --calls K "
				"--secs S [--warmup S] [--base-port P] [--direct] [--detect] [--record] [--label T]\n");
		return 2;
	}
	if (base + 2 * n_calls - 1 > 65535) {
		fprintf(stderr, "relay_load: --base-port %u leaves no room for %u calls' ports "
				"(two each, below 65536)\n", base, n_calls);
		return 2;
	}
	if (ng) {
		unsigned short p;

		arg_ipv4_port("relay_load", "--ng", ng, &nga.sin_addr, &p);
		nga.sin_port = htons(p);
	}
	legs = calloc(2 * (size_t)n_calls, sizeof(*legs));
	hist = calloc(HIST_US, sizeof(*hist));
	ep = epoll_create1(0);
	if (!legs || !hist || ep < 0)
		die("alloc");
	enter_ns(b_ns);
	for (unsigned i = 0; i < n_calls; i++)
		legs[2 * i + 1].fd = udp_bound(b_ip, base + 2 * i);
	enter_ns(a_ns);
	for (unsigned i = 0; i < n_calls; i++)
		legs[2 * i].fd = udp_bound(a_ip, base + 2 * i);
	if (!direct) {
		ngfd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (ngfd < 0)
			die("NG socket");
	}
	for (unsigned i = 0; i < n_calls; i++) {
		struct leg *a = &legs[2 * i], *b = &legs[2 * i + 1];

		a->to = b->to = (struct sockaddr_in){ .sin_family = AF_INET };
		if (direct) {
			inet_pton(AF_INET, b_ip, &a->to.sin_addr);
			a->to.sin_port = htons((uint16_t)(base + 2 * i));
			inet_pton(AF_INET, a_ip, &b->to.sin_addr);
			b->to.sin_port = htons((uint16_t)(base + 2 * i));
		} else {
			unsigned pb = ng_call(ngfd, &nga, "offer", i, a_ip, base + 2 * i);
			unsigned pa = ng_call(ngfd, &nga, "answer", i, b_ip, base + 2 * i);

			a->to.sin_addr = b->to.sin_addr = nga.sin_addr;
			a->to.sin_port = htons((uint16_t)pa);
			b->to.sin_port = htons((uint16_t)pb);
		}
		for (unsigned k = 0; k < 2; k++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.fd = legs[2 * i + k].fd };

			if (epoll_ctl(ep, EPOLL_CTL_ADD, legs[2 * i + k].fd, &ev) < 0)
				die("epoll");
		}
	}
	pthread_create(&rt, NULL, receiver, &ep);
	pthread_create(&st, NULL, sender, NULL);
	sleep(warm);
	phase = 1;
	{
		uint64_t t0 = now_ns();

		sleep(secs);
		phase = 2;
		pthread_join(st, NULL);
		usleep(500000);   /* stragglers of the measured window */
		phase = 3;
		pthread_join(rt, NULL);
		printf("%slabel=%s calls=%u secs=%.2f sent=%" PRIu64 " received=%" PRIu64
		       " pps=%.0f loss_pct=%.4f p50_us=%.0f p99_us=%.0f over_1s=%" PRIu64
		       " received_all=%" PRIu64 "\n",
		       "", label, n_calls, (double)(now_ns() - t0) / 1e9 - 0.5, sent_measured,
		       recv_measured, (double)recv_measured / secs,
		       sent_measured ? 100.0 * (double)(sent_measured - recv_measured) /
					       (double)sent_measured : 0.0,
		       pct(0.5), pct(0.99), hist_over, recv_all);
	}
	if (!direct)
		for (unsigned i = 0; i < n_calls; i++)
			ng_delete(ngfd, &nga, i);
	return 0;
}
