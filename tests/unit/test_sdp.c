/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP parse/rewrite: what a relay reads from real offers (SIPp's, a
 * Kamailio-forwarded one, IPv6, rtcp-mux), the exact rewritten text, and
 * malformed bodies with the error each must give.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "common/sdp.h"
#include "check.h"

static char err[256];

static const char *SIPP_OFFER =
	"v=0\r\n"
	"o=user1 53655765 2353687637 IN IP4 198.18.0.10\r\n"
	"s=-\r\n"
	"c=IN IP4 198.18.0.10\r\n"
	"t=0 0\r\n"
	"m=audio 6000 RTP/AVP 0 101\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:101 telephone-event/8000\r\n"
	"a=sendrecv\r\n";

static struct sdp_addr
addr(int fam, const char *s)
{
	struct sdp_addr a = { .family = fam };

	inet_pton(fam, s, a.addr);
	snprintf(a.text, sizeof(a.text), "%s", s);
	return a;
}

static void
test_parse_sipp(void)
{
	struct sdp s;

	CHECK(sdp_parse(&s, SIPP_OFFER, strlen(SIPP_OFFER), err, sizeof(err)) == 0, "%s", err);
	CHECK(s.n_media == 1, "one media");
	CHECK(strcmp(s.media[0].type, "audio") == 0 && s.media[0].port == 6000, "m=");
	CHECK(strcmp(s.media[0].proto, "RTP/AVP") == 0, "proto");
	CHECK(strcmp(s.media[0].formats, "0 101") == 0, "formats '%s'", s.media[0].formats);
	CHECK(s.media[0].conn.family == AF_INET &&
	      strcmp(s.media[0].conn.text, "198.18.0.10") == 0, "session c= inherited");
	CHECK(!s.media[0].has_conn && s.has_conn, "c= is session level");
	CHECK(s.media[0].rtcp_port == 0 && !s.media[0].rtcp_mux, "no rtcp attrs");
	CHECK(strcmp(s.media[0].direction, "sendrecv") == 0, "direction");
}

static void
test_rewrite_sipp(void)
{
	struct sdp s;
	struct sdp_rewrite_media rw = { .addr = addr(AF_INET, "198.18.0.1"),
					.port = 30000, .rtcp_port = 30001 };
	char out[1024];
	int n;
	const char *want =
		"v=0\r\n"
		"o=user1 53655765 2353687637 IN IP4 198.18.0.10\r\n"
		"s=-\r\n"
		"c=IN IP4 198.18.0.1\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/AVP 0 101\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=sendrecv\r\n"
		"a=rtcp:30001\r\n";

	CHECK(sdp_parse(&s, SIPP_OFFER, strlen(SIPP_OFFER), err, sizeof(err)) == 0, "%s", err);
	n = sdp_rewrite(SIPP_OFFER, strlen(SIPP_OFFER), &s, &rw, out, sizeof(out));
	CHECK(n == (int)strlen(want) && memcmp(out, want, (size_t)n) == 0,
	      "rewrite gave (%d):\n%.*s", n, n > 0 ? n : 0, out);
	CHECK(sdp_rewrite(SIPP_OFFER, strlen(SIPP_OFFER), &s, &rw, out, 40) == -ENOSPC, "small buf");
}

/* Two media, IPv6 per-media c=, explicit a=rtcp, rtcp-mux, LF endings. */
static void
test_ipv6_two_media(void)
{
	const char *in =
		"v=0\n"
		"o=- 1 1 IN IP6 2001:2::10\n"
		"s=call\n"
		"t=0 0\n"
		"m=audio 7000 RTP/AVP 8\n"
		"c=IN IP6 2001:2::10\n"
		"a=rtcp:7001 IN IP6 2001:2::10\n"
		"m=video 7002/2 RTP/AVPF 96\n"
		"c=IN IP6 2001:2::11\n"
		"a=rtcp-mux\n"
		"a=recvonly\n";
	const char *want =
		"v=0\r\n"
		"o=- 1 1 IN IP6 2001:2::10\r\n"
		"s=call\r\n"
		"t=0 0\r\n"
		"m=audio 31000 RTP/AVP 8\r\n"
		"c=IN IP4 198.18.0.1\r\n"
		"a=rtcp:31001\r\n"
		"m=video 31002 RTP/AVPF 96\r\n"
		"c=IN IP6 2001:2::1\r\n"
		"a=rtcp-mux\r\n"
		"a=recvonly\r\n";
	struct sdp s;
	struct sdp_rewrite_media rw[2] = {
		{ .addr = addr(AF_INET, "198.18.0.1"), .port = 31000, .rtcp_port = 31001 },
		{ .addr = addr(AF_INET6, "2001:2::1"), .port = 31002, .rtcp_port = 31003 },
	};
	char out[1024];
	int n;

	CHECK(sdp_parse(&s, in, strlen(in), err, sizeof(err)) == 0, "%s", err);
	CHECK(s.n_media == 2, "two media");
	CHECK(s.media[0].conn.family == AF_INET6 && s.media[0].rtcp_port == 7001, "audio");
	CHECK(s.media[0].rtcp_addr.family == AF_INET6, "rtcp addr");
	CHECK(s.media[1].port == 7002 && s.media[1].rtcp_mux, "video port, mux");
	CHECK(strcmp(s.media[1].conn.text, "2001:2::11") == 0, "video c=");
	CHECK(strcmp(s.media[1].direction, "recvonly") == 0, "recvonly");
	n = sdp_rewrite(in, strlen(in), &s, rw, out, sizeof(out));
	CHECK(n == (int)strlen(want) && memcmp(out, want, (size_t)n) == 0,
	      "rewrite gave (%d):\n%.*s", n, n > 0 ? n : 0, out);
}

static void
test_malformed(void)
{
	static const struct { const char *in; const char *msg; } bad[] = {
		{ "", "empty SDP" },
		{ "\r\n\r\n", "empty SDP" },
		{ "v=1\r\n", "line 1: SDP must start with v=0" },
		{ "o=- 1 1 IN IP4 1.2.3.4\r\n", "line 1: SDP must start with v=0" },
		{ "v=0\r\nxyz\r\n", "line 2: not a '<letter>=<value>' line" },
		{ "v=0\r\nM=audio 1 RTP/AVP 0\r\n", "line 2: not a '<letter>=<value>' line" },
		{ "v=0\r\nc=IN IP4 1.2.3.400\r\n", "line 2: c= must be" },
		{ "v=0\r\nc=IN IP5 1.2.3.4\r\n", "line 2: c= must be" },
		{ "v=0\r\nc=IN IP4\r\n", "line 2: c= must be" },
		{ "v=0\r\nc=IN IP4 1.2.3.4 extra\r\n", "line 2: c= must be" },
		{ "v=0\r\nc=IN IP6 1.2.3.4\r\n", "line 2: c= must be" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 70000 RTP/AVP 0\r\n", "line 3: m= port" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio x RTP/AVP 0\r\n", "line 3: m= port" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000\r\n", "line 3: m= transport" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP\r\n", "line 3: m= has no formats" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=\r\n", "line 3: m= media type" },
		{ "v=0\r\nm=audio 5000 RTP/AVP 0\r\n", "media 0 (audio) has no connection address" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:99999\r\n",
		  "line 4: a=rtcp port" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 0\r\na=rtcp:5001 IN IP4 x\r\n",
		  "line 4: a=rtcp address" },
		{ "v=0\r\ns=a\rb\r\n", "line 2: NUL or stray CR inside the line" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n",
		  "line 4: a=rtpmap must be" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 96\r\na=rtpmap:96 opus/x\r\n",
		  "line 4: a=rtpmap must be" },
		{ "v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 5000 RTP/AVP 96\r\na=rtpmap:300 a/8000\r\n",
		  "line 4: a=rtpmap must be" },
	};
	struct sdp s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = sdp_parse(&s, bad[i].in, strlen(bad[i].in), err, sizeof(err));

		CHECK(rc == -EINVAL, "case %zu must fail", i);
		CHECK(strstr(err, bad[i].msg) != NULL, "case %zu: '%s' lacks '%s'", i, err, bad[i].msg);
	}
}

/* Jitter is measured in the negotiated codec's clock: rtpmap, else RFC 3551. */
static void
test_clock(void)
{
	static const struct { const char *m; uint32_t hz; } cases[] = {
		{ "m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n", 8000 },
		{ "m=audio 5000 RTP/AVP 9\r\n", 8000 },            /* G.722: 8000 by RFC 3551 */
		{ "m=audio 5000 RTP/AVP 111 0\r\na=rtpmap:0 PCMU/8000\r\n"
		  "a=rtpmap:111 opus/48000/2\r\n", 48000 },
		{ "m=audio 5000 RTP/AVP 97\r\na=rtpmap:97 L16/16000\r\n", 16000 },
		{ "m=audio 5000 RTP/AVP 97\r\n", 0 },              /* dynamic, no rtpmap */
		{ "m=video 5000 RTP/AVP 34\r\n", 90000 },
	};
	char buf[512];
	struct sdp s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "v=0\r\nc=IN IP4 1.2.3.4\r\n%s", cases[i].m);

		CHECK(sdp_parse(&s, buf, (size_t)n, err, sizeof(err)) == 0, "case %zu: %s", i, err);
		CHECK(s.media[0].clock_hz == cases[i].hz, "case %zu: clock %u, want %u", i,
		      s.media[0].clock_hz, cases[i].hz);
	}
}

/* RFC 4733: which payload types carry telephone-events, and their clock. */
static void
test_telephone_event(void)
{
	static const char sdp[] = "v=0\r\nc=IN IP4 1.2.3.4\r\n"
		"m=audio 5000 RTP/AVP 0 101 127 96\r\na=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\na=rtpmap:127  TELEPHONE-EVENT/16000\r\n"
		"a=rtpmap:96 telephone-events/8000\r\n"
		"m=audio 5002 RTP/AVP 0\r\n";
	struct sdp s;

	CHECK(sdp_parse(&s, sdp, sizeof(sdp) - 1, err, sizeof(err)) == 0, "%s", err);
	CHECK(sdp_te_pt(s.media[0].te_pts, 101) && sdp_te_pt(s.media[0].te_pts, 127),
	      "PT 101 and 127 (any case, extra blank) are telephone-event");
	CHECK(!sdp_te_pt(s.media[0].te_pts, 0) && !sdp_te_pt(s.media[0].te_pts, 96),
	      "PCMU and a look-alike name are not");
	CHECK(!sdp_te_pt(s.media[0].te_pts, 200), "out of range PT: no");
	CHECK(s.media[0].te_clock == 8000, "clock of the first mapping: %u", s.media[0].te_clock);
	CHECK(s.media[1].te_pts[0] == 0 && s.media[1].te_pts[1] == 0, "second media: none");
}

static void
test_limits(void)
{
	static char big[64 * 1024];
	size_t n = 0;
	struct sdp s;

	n += (size_t)snprintf(big + n, sizeof(big) - n, "v=0\r\nc=IN IP4 1.2.3.4\r\n");
	for (int i = 0; i < 17; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "m=audio %d RTP/AVP 0\r\n", 5000 + 2 * i);
	CHECK(sdp_parse(&s, big, n, err, sizeof(err)) == -EINVAL, "17 media refused");
	CHECK(strstr(err, "more than 16 media sections") != NULL, "%s", err);
	n = (size_t)snprintf(big, sizeof(big), "v=0\r\n");
	for (int i = 0; i < 600; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "a=x\r\n");
	CHECK(sdp_parse(&s, big, n, err, sizeof(err)) == -EINVAL, "600 lines refused");
	CHECK(strstr(err, "more than 512 lines") != NULL, "%s", err);

	/* 505 lines and 8 media without a=rtcp: rewriting adds 8 lines, which
	 * would make an SDP we refuse ourselves, so the rewrite refuses. */
	{
		static char out[64 * 1024];
		struct sdp_rewrite_media rw[8];

		n = (size_t)snprintf(big, sizeof(big), "v=0\r\nc=IN IP4 1.2.3.4\r\n");
		for (int i = 0; i < 8; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "m=audio %d RTP/AVP 0\r\n",
					      5000 + 2 * i);
		for (int i = 0; i < 495; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "a=x\r\n");
		CHECK(sdp_parse(&s, big, n, err, sizeof(err)) == 0, "505 lines parse: %s", err);
		for (int i = 0; i < 8; i++)
			rw[i] = (struct sdp_rewrite_media){ .addr = addr(AF_INET, "198.18.0.1"),
							    .port = 30000, .rtcp_port = 30001 };
		CHECK(sdp_rewrite(big, n, &s, rw, out, sizeof(out)) == -E2BIG, "rewrite over limit");
	}
}

int
main(void)
{
	test_parse_sipp();
	test_rewrite_sipp();
	test_ipv6_two_media();
	test_malformed();
	test_clock();
	test_telephone_event();
	test_limits();
	return CHECK_DONE();
}
