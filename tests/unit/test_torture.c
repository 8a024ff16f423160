/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The 49 RFC 4475 torture messages (tests/sip/rfc4475, the RFC's own
 * archive) through the SIP endpoint as UDP datagrams: each valid request
 * reaches the transaction user (which answers 200), each invalid one gets
 * the answer RFC 4475 describes from the stack itself, and responses
 * that match no transaction (or are broken) are dropped and counted.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/loop.h"
#include "sip/sip_ep.h"

/* expected: 200 = reached the TU, else the stack's status; 0 = dropped */
static const struct {
	const char *file;
	int status;
	const char *what;
} cases[] = {
	/* 3.1.1 valid messages */
	{ "wsinv", 200, "3.1.1.1 short tortuous INVITE" },
	{ "intmeth", 501, "3.1.1.2 unknown method of valid characters: 501" },
	{ "esc01", 200, "3.1.1.3 valid % escaping" },
	{ "escnull", 200, "3.1.1.4 escaped nulls in URIs" },
	{ "esc02", 501, "3.1.1.5 % that is not an escape (RE%47IST is not REGISTER)" },
	{ "lwsdisp", 200, "3.1.1.6 no LWS between display name and <" },
	{ "longreq", 200, "3.1.1.7 long values in header fields" },
	{ "dblreq", 200, "3.1.1.8 extra trailing octets in a UDP datagram" },
	{ "semiuri", 200, "3.1.1.9 semicolon-separated parameters in the user part" },
	{ "transports", 200, "3.1.1.10 varied and unknown transports" },
	{ "mpart01", 200, "3.1.1.11 multipart MIME" },
	{ "unreason", 0, "3.1.1.12 unusual reason phrase (response, no transaction)" },
	{ "noreason", 0, "3.1.1.13 empty reason phrase (response, no transaction)" },
	/* 3.1.2 invalid messages */
	{ "badinv01", 400, "3.1.2.1 extraneous header field separators" },
	{ "clerr", 400, "3.1.2.2 Content-Length larger than the message" },
	{ "ncl", 400, "3.1.2.3 negative Content-Length" },
	{ "scalar02", 400, "3.1.2.4 request scalar fields with overlarge values" },
	{ "scalarlg", 0, "3.1.2.5 response scalar fields with overlarge values: dropped" },
	{ "quotbal", 400, "3.1.2.6 unterminated quoted string in display name" },
	{ "ltgtruri", 400, "3.1.2.7 <> enclosing the Request-URI" },
	{ "lwsruri", 400, "3.1.2.8 LWS inside the Request-URI" },
	{ "lwsstart", 400, "3.1.2.9 multiple SP between request line elements" },
	{ "trws", 400, "3.1.2.10 SP at the end of the request line" },
	{ "escruri", 400, "3.1.2.11 escaped headers in the Request-URI" },
	{ "baddate", 200, "3.1.2.12 invalid time zone in Date (Date is not used: accepted)" },
	{ "regbadct", 400, "3.1.2.13 name-addr URI with '?' not enclosed in <>" },
	{ "badaspec", 400, "3.1.2.14 spaces within addr-spec" },
	{ "baddn", 400, "3.1.2.15 non-token characters in display name" },
	{ "badvers", 505, "3.1.2.16 unknown protocol version" },
	{ "mismatch01", 400, "3.1.2.17 start line and CSeq method mismatch" },
	{ "mismatch02", 400, "3.1.2.18 unknown method with CSeq method mismatch" },
	{ "bigcode", 0, "3.1.2.19 overlarge response code: dropped" },
	/* 3.2 transaction layer */
	{ "badbranch", 200, "3.2.1 missing transaction identifier (RFC 2543 matching)" },
	/* 3.3 application layer */
	{ "insuf", 400, "3.3.1 missing required header fields" },
	{ "unkscm", 416, "3.3.2 Request-URI with an unknown scheme" },
	{ "novelsc", 416, "3.3.3 Request-URI with a known but atypical scheme" },
	{ "unksm2", 200, "3.3.4 unknown URI schemes in header fields" },
	{ "bext01", 420, "3.3.5 Require with unknown extensions" },
	{ "invut", 415, "3.3.6 unknown Content-Type" },
	{ "regaut01", 200, "3.3.7 unknown authorization scheme (registrar challenges)" },
	{ "multi01", 400, "3.3.8 multiple values in single-value fields" },
	{ "mcl01", 400, "3.3.9 multiple Content-Length values" },
	{ "bcast", 0, "3.3.10 200 OK with a broadcast Via (no transaction)" },
	{ "zeromf", 200, "3.3.11 Max-Forwards of zero (we are the UAS)" },
	{ "cparam01", 200, "3.3.12 REGISTER with a Contact header parameter" },
	{ "cparam02", 200, "3.3.13 REGISTER with a url-parameter" },
	{ "regescrt", 200, "3.3.14 REGISTER with a URL-escaped header" },
	{ "sdp01", 406, "3.3.15 unacceptable Accept offering" },
	/* 3.4 backward compatibility */
	{ "inv2543", 200, "3.4.1 INVITE with RFC 2543 syntax" },
};

static int n_sent, last_status;
static char last_resp[2048];

static void
hook(void *arg, const struct sip_addr *dst, const char *buf, size_t len)
{
	(void)arg;
	(void)dst;
	if (len > 12 && strncmp(buf, "SIP/2.0 ", 8) == 0) {
		int st = atoi(buf + 8);

		if (st >= 200) {        /* the 100 Trying to INVITEs is not the answer */
			n_sent++;
			last_status = st;
			snprintf(last_resp, sizeof(last_resp), "%.*s", (int)len, buf);
		}
	}
}

static void
on_req(void *arg, struct sip_stx *st, const struct sip_msg *m, const struct sip_addr *src)
{
	(void)arg;
	(void)m;
	(void)src;
	sip_respond(st, 200, "OK", "tu-tag", NULL, NULL, NULL);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;

	if (f == NULL)
		return NULL;
	b = malloc(70000);
	*len = b ? fread(b, 1, 70000, f) : 0;
	fclose(f);
	return b;
}

int
main(int argc, char **argv)
{
	struct sip_ep_conf conf = { .t1_ms = 500, .t2_ms = 4000, .t4_ms = 5000, .domain = "198.18.0.1" };
	struct sip_addr src = { .tp = SIP_TP_UDP, .conn = -1 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&src.ss;
	struct cp_loop *loop;
	struct sip_ep *ep;
	unsigned n = sizeof(cases) / sizeof(cases[0]);

	const char *dir = argc > 1 ? argv[1] : TORTURE_DIR;

	CHECK(n == 49, "49 RFC 4475 messages, table has %u", n);
	sin->sin_family = AF_INET;
	sin->sin_port = htons(5060);
	inet_pton(AF_INET, "198.18.0.10", &sin->sin_addr);
	src.len = sizeof(*sin);
	if (cp_loop_create(&loop) < 0 || sip_ep_create(&ep, loop, &conf, on_req, NULL, NULL, NULL) < 0)
		return 1;
	sip_ep_set_send_hook(ep, hook, NULL);
	for (unsigned i = 0; i < n; i++) {
		char path[512];
		size_t len = 0;
		char *buf;

		snprintf(path, sizeof(path), "%s/%s.dat", dir, cases[i].file);
		buf = slurp(path, &len);
		CHECK(buf != NULL && len > 0, "%s readable", path);
		if (buf == NULL)
			continue;
		n_sent = 0;
		last_status = 0;
		sip_ep_input(ep, buf, len, &src);
		if (cases[i].status == 0)
			CHECK(n_sent == 0, "%s (%s): dropped, but answered %d", cases[i].file,
			      cases[i].what, last_status);
		else
			CHECK(n_sent == 1 && last_status == cases[i].status,
			      "%s (%s): want %d, got %d answers, last %d", cases[i].file,
			      cases[i].what, cases[i].status, n_sent, last_status);
		if (cases[i].status == 420)
			CHECK(strstr(last_resp, "Unsupported: nothingSupportsThis") != NULL,
			      "420 lists the unsupported option tags");
		if (strcmp(cases[i].file, "wsinv") == 0)
			CHECK(strstr(last_resp, ";received=198.18.0.10") != NULL &&
			      strstr(last_resp, "1918181833n") != NULL &&
			      strstr(last_resp, "tag=tu-tag") == NULL,
			      "200 has received= on the top Via and keeps the To tag:\n%s", last_resp);
		if (strcmp(cases[i].file, "lwsdisp") == 0)
			CHECK(strstr(last_resp, "To: sip:user@example.com;tag=tu-tag\r\n") != NULL,
			      "the TU's To tag is added:\n%s", last_resp);
		/* a retransmission is answered again from the transaction, not
		 * given to the TU twice */
		if (cases[i].status == 200) {
			n_sent = 0;
			sip_ep_input(ep, buf, len, &src);
			CHECK(n_sent == 1 && last_status == 200,
			      "%s retransmitted: the same answer again", cases[i].file);
		}
		free(buf);
		printf("ok %-11s %3d  %s\n", cases[i].file, last_status, cases[i].what);
	}
	sip_ep_destroy(ep);
	cp_loop_destroy(loop);
	return CHECK_DONE();
}
