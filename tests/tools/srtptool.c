/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An SRTP peer for the tests, on libsrtp (the reference implementation):
 *   srtptool send SUITE KEY SRC_IP SRC_PORT DST_IP DST_PORT FILE PT [REPLAY TAMPER]
 *       sends FILE (raw G.711) as 20 ms SRTP packets, paced, protected
 *       with KEY (base64 master key || salt); after them REPLAY copies of
 *       already-sent packets and TAMPER packets with a flipped bit (each
 *       protected properly first). Prints the number of good packets.
 *   srtptool recv SUITE KEY IP PORT SECONDS OUT
 *       receives SRTP until SECONDS or 2 s of silence after the first,
 *       unprotects, appends the payloads to OUT; prints
 *       "<packets> <accepted> <auth-failed> <replayed>"
 *   srtptool call SUITE KEY RKEY SRC_IP SRC_PORT DST_IP DST_PORT FILE PT OUT
 *       both at once on one socket, as a phone does: sends FILE protected
 *       with KEY and meanwhile receives what comes back, unprotected with
 *       RKEY (the other side's key) into OUT, until 2 s of silence after
 *       the last packet sent; prints "<sent> <packets> <accepted>
 *       <auth-failed> <replayed>"
 *   srtptool key SUITE
 *       prints a fresh random base64 key of the suite's length
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#include "common/args.h"
#include "common/sdp.h"

/* base64 of the project's SDP code (common/sdp.c) */
static int
b64dec(const char *in, uint8_t *out, int cap)
{
	return sdp_b64_decode(in, strlen(in), out, (size_t)cap);
}

static int
policy(srtp_policy_t *p, const char *suite, uint8_t *key, bool inbound)
{
	memset(p, 0, sizeof(*p));
	if (strcmp(suite, "AES_CM_128_HMAC_SHA1_80") == 0) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	} else if (strcmp(suite, "AES_CM_128_HMAC_SHA1_32") == 0) {
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&p->rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p->rtcp);
	} else if (strcmp(suite, "AEAD_AES_128_GCM") == 0) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&p->rtcp);
	} else if (strcmp(suite, "AEAD_AES_256_GCM") == 0) {
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&p->rtcp);
	} else {
		return -1;
	}
	p->ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound;
	p->key = key;
	p->window_size = 128;
	return 0;
}

static int
udp(const char *ip, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd;

	arg_ipv4("srtptool", "the source address", ip, &a.sin_addr);
	a.sin_port = htons((uint16_t)arg_ulong("srtptool", "the source port", port, 1, 65535));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("srtptool: bind");
		exit(1);
	}
	return fd;
}

/* the destination from IP and PORT arguments */
static struct sockaddr_in
dest(const char *ip, const char *port)
{
	struct sockaddr_in d = { .sin_family = AF_INET };

	arg_ipv4("srtptool", "the destination address", ip, &d.sin_addr);
	d.sin_port = htons((uint16_t)arg_ulong("srtptool", "the destination port", port, 1, 65535));
	return d;
}

struct rx_count {
	int got, ok, bad, rep;
};

/* One received packet: unprotected, its payload appended to @out. */
static void
rx_one(srtp_t s, uint8_t *b, ssize_t r, FILE *out, struct rx_count *c)
{
	int len = (int)r;
	srtp_err_status_t e = srtp_unprotect(s, b, &len);

	c->got++;
	if (e == srtp_err_status_ok) {
		c->ok++;
		fwrite(b + 12, 1, (size_t)(len - 12), out);
	} else if (e == srtp_err_status_replay_fail || e == srtp_err_status_replay_old) {
		c->rep++;
	} else {
		c->bad++;
	}
}

static int
call(char **argv)
{
	uint8_t key[64], rkey[64], pay[160], b[2048];
	struct sockaddr_in d = dest(argv[7], argv[8]);
	int pt = (int)arg_ulong("srtptool", "PT", argv[10], 0, 127), fd, n = 0;
	FILE *f = fopen(argv[9], "rb"), *out = fopen(argv[11], "wb");
	uint16_t seq = (uint16_t)(rand() & 0x7fff);
	uint32_t ts = 1000;
	struct rx_count c = { 0 };
	struct timespec t0, now, last;
	srtp_policy_t p;
	srtp_t tx, rx;
	ssize_t r;

	if (f == NULL || out == NULL || b64dec(argv[3], key, sizeof(key)) < 0 ||
	    b64dec(argv[4], rkey, sizeof(rkey)) < 0 || policy(&p, argv[2], key, false) < 0 ||
	    srtp_create(&tx, &p) != srtp_err_status_ok || policy(&p, argv[2], rkey, true) < 0 ||
	    srtp_create(&rx, &p) != srtp_err_status_ok)
		return 2;
	fd = udp(argv[5], argv[6]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (fread(pay, 1, 160, f) == 160) {
		int len = 172;
		long el;

		b[0] = 0x80; b[1] = (uint8_t)pt;
		b[2] = (uint8_t)(seq >> 8); b[3] = (uint8_t)seq;
		b[4] = (uint8_t)(ts >> 24); b[5] = (uint8_t)(ts >> 16);
		b[6] = (uint8_t)(ts >> 8); b[7] = (uint8_t)ts;
		b[8] = 0x5e; b[9] = 0xc0; b[10] = 0xde; b[11] = 0x02;
		memcpy(b + 12, pay, 160);
		if (srtp_protect(tx, b, &len) != srtp_err_status_ok)
			return 3;
		sendto(fd, b, (size_t)len, 0, (struct sockaddr *)&d, sizeof(d));
		n++;
		seq++;
		ts += 160;
		do {   /* until the next packet is due: what came back */
			while ((r = recv(fd, b, sizeof(b), MSG_DONTWAIT)) > 0)
				rx_one(rx, b, r, out, &c);
			clock_gettime(CLOCK_MONOTONIC, &now);
			el = (now.tv_sec - t0.tv_sec) * 1000000000L + now.tv_nsec - t0.tv_nsec;
			if (el < 20000000L * n)
				usleep(1000);
		} while (el < 20000000L * n);
	}
	last = now;
	for (;;) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		r = recv(fd, b, sizeof(b), 0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (r > 0) {
			rx_one(rx, b, r, out, &c);
			last = now;
		}
		if ((now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9 > 2)
			break;
	}
	fclose(out);
	printf("%d %d %d %d %d\n", n, c.got, c.ok, c.bad, c.rep);
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t key[64];
	srtp_policy_t p;
	srtp_t s;

	if (srtp_init() != srtp_err_status_ok)
		return 1;
	if (argc == 3 && strcmp(argv[1], "key") == 0) {
		int n = strstr(argv[2], "256") ? 44 : strstr(argv[2], "GCM") ? 28 : 30;
		char b64[80];
		FILE *r = fopen("/dev/urandom", "rb");

		if (r == NULL || fread(key, 1, (size_t)n, r) != (size_t)n)
			return 1;
		fclose(r);
		sdp_b64_encode(key, (size_t)n, b64, sizeof(b64));
		fputs(b64, stdout);
		putchar('\n');
		return 0;
	}
	if (argc == 12 && strcmp(argv[1], "call") == 0)
		return call(argv);
	if (argc >= 10 && strcmp(argv[1], "send") == 0) {
		struct sockaddr_in d = dest(argv[6], argv[7]);
		int pt = (int)arg_ulong("srtptool", "PT", argv[9], 0, 127),
		    replay = argc > 10 ? (int)arg_ulong("srtptool", "REPLAY", argv[10], 0, 100000) : 0,
		    tamper = argc > 11 ? (int)arg_ulong("srtptool", "TAMPER", argv[11], 0, 100000) : 0,
		    fd, n = 0;
		FILE *f = fopen(argv[8], "rb");
		static uint8_t sent[4096][200];
		static int sent_len[4096];
		uint8_t pay[160];
		uint16_t seq = (uint16_t)(rand() & 0x7fff);
		uint32_t ts = 1000;
		struct timespec t0, now;

		if (f == NULL || b64dec(argv[3], key, sizeof(key)) < 0 ||
		    policy(&p, argv[2], key, false) < 0 || srtp_create(&s, &p) != srtp_err_status_ok)
			return 2;
		fd = udp(argv[4], argv[5]);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (fread(pay, 1, 160, f) == 160) {
			uint8_t b[200];
			int len = 172;
			long due_ns = 20000000L * n, el;

			b[0] = 0x80; b[1] = (uint8_t)pt;
			b[2] = (uint8_t)(seq >> 8); b[3] = (uint8_t)seq;
			b[4] = (uint8_t)(ts >> 24); b[5] = (uint8_t)(ts >> 16);
			b[6] = (uint8_t)(ts >> 8); b[7] = (uint8_t)ts;
			b[8] = 0x5e; b[9] = 0xc0; b[10] = 0xde; b[11] = 0x01;
			memcpy(b + 12, pay, 160);
			if (srtp_protect(s, b, &len) != srtp_err_status_ok)
				return 3;
			do {
				clock_gettime(CLOCK_MONOTONIC, &now);
				el = (now.tv_sec - t0.tv_sec) * 1000000000L + now.tv_nsec - t0.tv_nsec;
				if (el < due_ns)
					usleep((useconds_t)((due_ns - el) / 1000));
			} while (el < due_ns);
			sendto(fd, b, (size_t)len, 0, (struct sockaddr *)&d, sizeof(d));
			if (n < 4096) {
				memcpy(sent[n], b, (size_t)len);
				sent_len[n] = len;
			}
			n++;
			seq++;
			ts += 160;
		}
		usleep(100000);
		for (int i = 0; i < replay && n > 0; i++) {
			int k = rand() % (n < 4096 ? n : 4096);

			sendto(fd, sent[k], (size_t)sent_len[k], 0, (struct sockaddr *)&d, sizeof(d));
			usleep(2000);
		}
		for (int i = 0; i < tamper; i++) {
			uint8_t b[200];
			int len = 172;

			b[0] = 0x80; b[1] = (uint8_t)pt;
			b[2] = (uint8_t)(seq >> 8); b[3] = (uint8_t)seq;
			memset(b + 4, 0, 4);
			b[8] = 0x5e; b[9] = 0xc0; b[10] = 0xde; b[11] = 0x01;
			memset(b + 12, 0x55, 160);
			srtp_protect(s, b, &len);
			b[12 + rand() % 160] ^= 0x20;          /* after protection */
			sendto(fd, b, (size_t)len, 0, (struct sockaddr *)&d, sizeof(d));
			seq++;
			usleep(2000);
		}
		printf("%d\n", n);
		return 0;
	}
	if (argc == 8 && strcmp(argv[1], "recv") == 0) {
		double secs = arg_secs("srtptool", "SECONDS", argv[6], 0.1, 86400);
		FILE *out = fopen(argv[7], "ab");
		int fd;
		struct rx_count c = { 0 };
		struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
		struct timespec t0, last, now;

		if (out == NULL || b64dec(argv[3], key, sizeof(key)) < 0 ||
		    policy(&p, argv[2], key, true) < 0 || srtp_create(&s, &p) != srtp_err_status_ok)
			return 2;
		fd = udp(argv[4], argv[5]);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		last = t0;
		for (;;) {
			uint8_t b[2048];
			ssize_t r = recv(fd, b, sizeof(b), 0);

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (r > 0) {
				rx_one(s, b, r, out, &c);
				last = now;
			}
			if ((now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9 > secs ||
			    (c.got > 0 && (now.tv_sec - last.tv_sec) + (now.tv_nsec - last.tv_nsec) / 1e9 > 2))
				break;
		}
		fclose(out);
		printf("%d %d %d %d\n", c.got, c.ok, c.bad, c.rep);
		return 0;
	}
	fprintf(stderr, "usage: see the comment at the top of tests/tools/srtptool.c\n");
	return 2;
}
