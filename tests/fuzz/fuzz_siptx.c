/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SIP endpoint's input (transaction layer) and the
 * registrar behind it. The input is a sequence of datagrams and TCP
 * chunks separated by "\n--\n"; the TU answers INVITEs later (after a
 * timer tick), REGISTERs through the registrar with digest, and the rest
 * at once; time moves on between datagrams so retransmission and
 * transaction timers fire. Properties: every message the endpoint sends
 * parses as SIP, the transaction count returns to zero once all timers
 * have run, and nothing leaks (ASan).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/loop.h"
#include "registrar/reg.h"
#include "sip/sip_ep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sip_stx *held[8];
static unsigned n_held;
static struct reg *reg;

static void
hook(void *arg, const struct sip_addr *dst, const char *buf, size_t len)
{
	static struct sip_msg m;
	char err[128];

	(void)arg;
	(void)dst;
	if (sip_parse(&m, buf, len, false, err, sizeof(err)) != 0)
		abort();      /* we sent something that is not SIP */
}

static void
on_req(void *arg, struct sip_stx *st, const struct sip_msg *m, const struct sip_addr *src)
{
	(void)arg;
	if (sip_str_ieq(m->method, "REGISTER")) {
		reg_request(reg, st, m, src);
	} else if (sip_str_ieq(m->method, "INVITE") && n_held < 8) {
		sip_respond(st, 180, "Ringing", "fz", "Contact: <sip:a@198.18.0.1>\r\n", NULL, NULL);
		held[n_held++] = st;
	} else {
		sip_respond(st, 200, "OK", "fz", NULL, NULL, NULL);
	}
}

static void
on_cancel(void *arg, struct sip_stx *inv, const struct sip_msg *m)
{
	(void)arg;
	(void)m;
	for (unsigned i = 0; i < n_held; i++)
		if (held[i] == inv) {
			sip_respond(inv, 487, "Request Terminated", "fz", NULL, NULL, NULL);
			held[i] = held[--n_held];
			return;
		}
}

static const char *
secret(void *arg, const char *user)
{
	(void)arg;
	return strcmp(user, "1001") == 0 ? "pw" : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *agents_list[] = { "1001" };
	struct cfg_control cc = {
		.sip = { .domain = "198.18.0.1", .t1_ms = 500, .t2_ms = 4000, .t4_ms = 5000 },
		.registrar = { .min_expires = 10, .max_expires = 3600, .nonce_ttl_s = 30,
			       .max_contacts = 2 },
	};
	struct sip_ep_conf conf = { .t1_ms = 500, .t2_ms = 4000, .t4_ms = 5000,
				    .domain = "198.18.0.1" };
	struct sip_addr udp = { .tp = SIP_TP_UDP, .conn = -1 }, tcp;
	struct sockaddr_in *sin = (struct sockaddr_in *)&udp.ss;
	const char *p = (const char *)data, *end = p + size;
	struct cp_loop *loop;
	struct sip_ep *ep;
	uint64_t t;

	(void)agents_list;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5060);
	sin->sin_addr.s_addr = htonl(0xc612000a);
	udp.len = sizeof(*sin);
	tcp = udp;
	tcp.tp = SIP_TP_TCP;
	tcp.conn = 0;
	if (cp_loop_create(&loop) < 0)
		return 0;
	t = cp_now_ms(loop);
	/* the registrar's tables are large: one per process, on the first
	 * loop (its timers only read that loop's clock) */
	static struct cp_loop *reg_loop;

	if (reg == NULL && (cp_loop_create(&reg_loop) < 0 ||
			    reg_create(&reg, reg_loop, &cc, secret, NULL, NULL) < 0))
		abort();
	if (sip_ep_create(&ep, loop, &conf, on_req, NULL, on_cancel, NULL) < 0)
		abort();
	sip_ep_set_send_hook(ep, hook, NULL);
	n_held = 0;
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n--\n", 4);
		size_t n = sep ? (size_t)(sep - p) : (size_t)(end - p);

		/* the first byte picks the transport: 'T' = a TCP chunk */
		if (n > 0 && p[0] == 'T')
			sip_ep_input(ep, p + 1, n - 1, &tcp);
		else
			sip_ep_input(ep, p, n, &udp);
		t += 300;
		cp_loop_advance(loop, t);
		if (n_held && (t / 300) % 3 == 0) {   /* answer one held INVITE */
			sip_respond(held[0], (t / 300) % 2 ? 200 : 486, "Done", "fz",
				    "Contact: <sip:a@198.18.0.1>\r\n", "application/sdp", "v=0\r\n");
			held[0] = held[--n_held];
		}
		p += n + (sep ? 4 : 0);
	}
	while (n_held)
		sip_respond(held[--n_held], 480, "Gone", "fz", NULL, NULL, NULL);
	/* every transaction ends by itself once its timers have run */
	for (int i = 0; i < 200; i++) {
		t += 1000;
		cp_loop_advance(loop, t);
	}
	if (sip_ep_live_transactions(ep) != 0)
		abort();
	sip_ep_destroy(ep);
	cp_loop_destroy(loop);
	return 0;
}
