/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP message parser: start lines, header splitting (compact forms, case,
 * folding), body delimiting for datagrams and streams, and the errors a
 * transaction layer turns into 400/505. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "sip/sip_msg.h"

static char err[256];

static const char *INVITE =
	"\r\n"   /* a keep-alive before the message */
	"INVITE sip:1000@198.18.0.1 SIP/2.0\r\n"
	"v: SIP/2.0/UDP 198.18.0.10:5060;branch=z9hG4bK-1\r\n"
	"VIA: SIP/2.0/UDP 198.18.0.9;branch=z9hG4bK-0\r\n"
	"f: <sip:caller@198.18.0.10>;tag=a1\r\n"
	"t: <sip:1000@198.18.0.1>\r\n"
	"i: call-1@198.18.0.10\r\n"
	"CSeq:   1\r\n    INVITE\r\n"                 /* folded */
	"X-Custom : some value  \r\n"
	"Max-Forwards: 70\r\n"
	"c: application/sdp\r\n"
	"l: 9\r\n"
	"\r\n"
	"v=0\r\no=-\r\nEXTRA";

static void
test_request(void)
{
	struct sip_msg m;
	const struct sip_hdr *h;
	struct sip_str meth;
	uint32_t n = 0;

	CHECK(sip_parse(&m, INVITE, strlen(INVITE), false, err, sizeof(err)) == 0, "%s", err);
	CHECK(m.request && sip_str_ieq(m.method, "INVITE"), "method");
	CHECK(m.ruri.len == strlen("sip:1000@198.18.0.1") &&
	      memcmp(m.ruri.p, "sip:1000@198.18.0.1", m.ruri.len) == 0, "ruri");
	CHECK(m.n_hdrs == 10, "10 headers, got %u", m.n_hdrs);
	h = sip_hdr(&m, SIP_H_VIA);
	CHECK(h && h->value.len > 0 && memcmp(h->value.p, "SIP/2.0/UDP 198.18.0.10", 23) == 0,
	      "first Via (compact v)");
	CHECK(m.hdrs[1].id == SIP_H_VIA, "upper-case VIA is a Via too");
	h = sip_hdr(&m, SIP_H_CALL_ID);
	CHECK(h && sip_str_ieq(h->value, "call-1@198.18.0.10"), "Call-ID (compact i)");
	CHECK(sip_cseq(&m, &n, &meth) == 0 && n == 1 && sip_str_ieq(meth, "INVITE"),
	      "folded CSeq: %u", n);
	CHECK(m.hdrs[6].id == SIP_H_OTHER && sip_str_ieq(m.hdrs[6].name, "X-Custom") &&
	      sip_str_ieq(m.hdrs[6].value, "some value"), "unknown header trimmed");
	CHECK(m.body.len == 9 && memcmp(m.body.p, "v=0\r\no=-\r", 9) == 0,
	      "datagram body cut at Content-Length");
	/* over a stream the same bytes hold one message and then the next */
	CHECK(sip_parse(&m, INVITE, strlen(INVITE), true, err, sizeof(err)) == 0, "%s", err);
	CHECK(m.len == strlen(INVITE) - 6, "stream: message length %u", m.len);  /* "\nEXTRA" is the next message */
}

static void
test_response(void)
{
	static const char r[] = "SIP/2.0 180 Ringing\r\nVia: x\r\nCSeq: 2 BYE\r\n\r\n";
	static const char r2[] = "SIP/2.0 200\r\nCSeq: 2 BYE\r\n\r\n";
	struct sip_msg m;

	CHECK(sip_parse(&m, r, strlen(r), false, err, sizeof(err)) == 0, "%s", err);
	CHECK(!m.request && m.status == 180 && sip_str_ieq(m.reason, "Ringing"), "status line");
	CHECK(m.body.len == 0, "no body");
	CHECK(sip_parse(&m, r2, strlen(r2), false, err, sizeof(err)) == 0 && m.status == 200 &&
	      m.reason.len == 0, "status line without a reason: %s", err);
}

static void
test_stream(void)
{
	static const char full[] = "OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 4\r\n\r\nabcd";
	struct sip_msg m;

	for (size_t n = 1; n < strlen(full); n++)
		CHECK(sip_parse(&m, full, n, true, err, sizeof(err)) == -EAGAIN,
		      "stream: %zu of %zu bytes is incomplete", n, strlen(full));
	CHECK(sip_parse(&m, full, strlen(full), true, err, sizeof(err)) == 0 && m.body.len == 4,
	      "stream: whole message");
}

static void
test_bad(void)
{
	static const struct { const char *in; int rc; const char *msg; } bad[] = {
		{ "", -EINVAL, "empty message" },
		{ "INVITE sip:a@b SIP/3.0\r\n\r\n", -EPROTONOSUPPORT, "not 2.0" },
		{ "SIP/1.0 200 OK\r\n\r\n", -EPROTONOSUPPORT, "not 2.0" },
		{ "SIP/2.0 20 OK\r\n\r\n", -EINVAL, "status code" },
		{ "SIP/2.0 700 OK\r\n\r\n", -EINVAL, "status code" },
		{ "INV@TE sip:a@b SIP/2.0\r\n\r\n", -EINVAL, "method is not a token" },
		{ "INVITE sip:a@b\r\n\r\n", -EINVAL, "request line must be" },
		{ "INVITE  sip:a@b SIP/2.0\r\n\r\n", -EINVAL, "request line must be" },
		{ "INVITE sip:a@b c SIP/2.0\r\n\r\n", -EINVAL, "more than two spaces" },
		{ "INVITE abc SIP/2.0\r\n\r\n", -EINVAL, "no scheme" },
		{ "INVITE sip:a@b SIP/2.0\r\nVia x\r\n\r\n", -EINVAL, "without a colon" },
		{ "INVITE sip:a@b SIP/2.0\r\n: x\r\n\r\n", -EINVAL, "empty name" },
		{ "INVITE sip:a@b SIP/2.0\r\nV(a): x\r\n\r\n", -EINVAL, "not a token" },
		{ "INVITE sip:a@b SIP/2.0\r\n x: y\r\n\r\n", -EINVAL, "continuation line" },
		{ "INVITE sip:a@b SIP/2.0\r\nl: 5\r\n\r\nabc", -EINVAL, "larger than" },
		{ "INVITE sip:a@b SIP/2.0\r\nl: x5\r\n\r\n", -EINVAL, "not a number" },
		{ "INVITE sip:a@b SIP/2.0\r\nl: 99999999999\r\n\r\n", -EINVAL, "not a number" },
		{ "INVITE sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab", -EINVAL,
		  "two different" },
		{ "INVITE sip:a@b SIP/2.0\r\nVia: x\r\n", -EINVAL, "empty line" },
		{ "INVITE sip:a@b SIP/2.0", -EINVAL, "no end of the start line" },
	};
	struct sip_msg m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = sip_parse(&m, bad[i].in, strlen(bad[i].in), false, err, sizeof(err));

		CHECK(rc == bad[i].rc, "case %zu: rc %d, want %d", i, rc, bad[i].rc);
		CHECK(strstr(err, bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, err, bad[i].msg);
		err[0] = '\0';
	}
	{
		static const char nul[] = "INVITE sip:a@b SIP/2.0\r\nVia: a\0b\r\n\r\n";

		CHECK(sip_parse(&m, nul, sizeof(nul) - 1, false, err, sizeof(err)) == -EINVAL,
		      "NUL in a header refused");
	}
	{
		static char big[16384];
		size_t n = (size_t)snprintf(big, sizeof(big), "OPTIONS sip:a@b SIP/2.0\r\n");

		for (int i = 0; i < 130; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "X-H%d: v\r\n", i);
		n += (size_t)snprintf(big + n, sizeof(big) - n, "\r\n");
		CHECK(sip_parse(&m, big, n, false, err, sizeof(err)) == -E2BIG, "130 headers: %s", err);
	}
	{
		static const char s[] = "OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n";

		CHECK(sip_parse(&m, s, strlen(s), true, err, sizeof(err)) == -EINVAL &&
		      strstr(err, "required over a stream"), "stream without Content-Length");
	}
	{
		static const char s[] = "BYE sip:a@b SIP/2.0\r\nCSeq: 4294967296 BYE\r\n\r\n";
		static const char s2[] = "BYE sip:a@b SIP/2.0\r\nCSeq: 12\r\n\r\n";
		struct sip_str meth;
		uint32_t n;

		CHECK(sip_parse(&m, s, strlen(s), false, err, sizeof(err)) == 0 &&
		      sip_cseq(&m, &n, &meth) == -EINVAL, "CSeq over 2**31 refused");
		CHECK(sip_parse(&m, s2, strlen(s2), false, err, sizeof(err)) == 0 &&
		      sip_cseq(&m, &n, &meth) == -EINVAL, "CSeq without a method refused");
	}
}

int
main(void)
{
	test_request();
	test_response();
	test_stream();
	test_bad();
	return CHECK_DONE();
}
