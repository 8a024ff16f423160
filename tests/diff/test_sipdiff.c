/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential test (test-only dependency: Debian's libosip2): every
 * message of a corpus is parsed by our parser and by libosip2, and what a
 * SIP stack acts on is compared: request or response, method, Request-URI,
 * status, Call-ID, CSeq number and method, From and To tags, the top Via's
 * branch and the body length. A message one parser accepts and the other
 * refuses must be listed in the table of known, reasoned differences;
 * anything else fails.
 */
#include <dirent.h>
#include <osipparser2/osip_parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sip/sip_hdr.h"

/* Where we and libosip2 disagree on purpose. */
static const struct {
	const char *file;
	const char *why;
} known[] = {
	{ "badinv01.dat", "osip accepts empty Via params (;;,;,,); RFC 4475 3.1.2.1 says 400" },
	{ "clerr.dat", "osip accepts a Content-Length larger than the datagram; RFC 4475 3.1.2.2 says 400" },
	{ "ncl.dat", "negative Content-Length: osip parses it, we refuse (RFC 4475 3.1.2.3)" },
	{ "scalar02.dat", "overlarge CSeq: osip keeps the string, we refuse (RFC 4475 3.1.2.4)" },
	{ "scalarlg.dat", "overlarge response scalars: dropped by us (RFC 4475 3.1.2.5)" },
	{ "quotbal.dat", "unterminated quoted display name: we refuse (RFC 4475 3.1.2.6)" },
	{ "ltgtruri.dat", "<> around the Request-URI: we refuse (RFC 4475 3.1.2.7)" },
	{ "lwsruri.dat", "LWS in the Request-URI: we refuse (RFC 4475 3.1.2.8)" },
	{ "lwsstart.dat", "extra SP in the request line: we refuse (RFC 4475 3.1.2.9)" },
	{ "trws.dat", "SP after SIP/2.0: we refuse (RFC 4475 3.1.2.10)" },
	{ "badvers.dat", "SIP/7.0: we answer 505 (RFC 4475 3.1.2.16)" },
	{ "bigcode.dat", "status 4294967301: we drop it (RFC 4475 3.1.2.19)" },
	{ "mcl01.dat", "two Content-Length values: we refuse (RFC 4475 3.3.9)" },
	{ "intmeth.dat", "osip refuses the escaped NUL in a quoted string; RFC 4475 3.1.1.2 says valid" },
	{ "esc01.dat", "osip refuses; RFC 4475 3.1.1.3 says valid" },
	{ "escnull.dat", "osip refuses %00 escapes; RFC 4475 3.1.1.4 says valid" },
	{ "wsinv.dat", "osip refuses the folded, spaced Via; RFC 4475 3.1.1.1 says valid" },
	{ "unksm2.dat", "osip refuses To: isbn:...; RFC 4475 3.3.4 says valid" },
	{ "regaut01.dat", "osip refuses the unknown auth scheme; RFC 4475 3.3.7 says valid" },
	{ "transports.dat", "osip refuses unknown transports; RFC 4475 3.1.1.10 says valid" },
	{ "semiuri.dat", "osip refuses ';' in the user part; RFC 4475 3.1.1.9 says valid" },
	{ "longreq.dat", "osip refuses the long values; RFC 4475 3.1.1.7 says valid" },
	{ "baddate.dat", "Date is not parsed by us" },
	{ "badaspec.dat", "we refuse spaces inside <> (RFC 4475 3.1.2.14)" },
	{ "baddn.dat", "we refuse an unquoted display name with ',' (RFC 4475 3.1.2.15)" },
	{ "regbadct.dat", "we refuse '?' in a Contact without <> (RFC 4475 3.1.2.13)" },
	{ "escruri.dat", "Request-URI headers: we answer 400 at the UAS check, parse is the same" },
	{ "mismatch01.dat", "CSeq method mismatch: our UAS check answers 400, parse is the same" },
	{ "mismatch02.dat", "same as mismatch01" },
	{ "multi01.dat", "duplicate single-value headers: our UAS check answers 400" },
	{ "insuf.dat", "missing headers: osip parses, our UAS check answers 400" },
	{ "inv2543.dat", "RFC 2543 syntax: osip refuses, we accept (RFC 4475 3.4.1)" },
	{ "mpart01.dat", "osip and we differ on the multipart body length" },
	{ "novelsc.dat", "osip refuses the soap.beep Request-URI; we parse it and answer 416 (RFC 4475 3.3.3)" },
	{ "options", "no Via, Call-ID, From or To: osip parses it, our UAS check answers 400 (RFC 3261 8.1.1)" },
	{ "dblreq.dat", "two requests in one datagram: osip reads the trailing bytes as body" },
};

static const char *
why_known(const char *f)
{
	for (unsigned i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].file, f) == 0)
			return known[i].why;
	return NULL;
}

static bool
eq(struct sip_str a, const char *b)
{
	if (b == NULL)
		return a.len == 0;
	return a.len == strlen(b) && memcmp(a.p, b, a.len) == 0;
}

static int n_same, n_known, n_files;

static void
one(const char *dir, const char *name)
{
	char path[512], err[160], *buf = malloc(70000), *ours_to = NULL;
	struct sip_msg *m = malloc(sizeof(*m));
	osip_message_t *o = NULL;
	size_t len;
	FILE *f;
	int rc_ours, rc_osip;
	const char *k = why_known(name);
	bool same = true;

	(void)ours_to;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL || buf == NULL || m == NULL) {
		CHECK(0, "%s unreadable", path);
		goto out;
	}
	len = fread(buf, 1, 69999, f);
	fclose(f);
	buf[len] = '\0';
	n_files++;
	rc_ours = sip_parse(m, buf, len, false, err, sizeof(err));
	if (rc_ours == 0) {
		/* syntax refused by the UAS check (400) or a broken response
		 * (dropped) counts as refused; 416, 420, 415 ... are answers to
		 * messages that parsed */
		int c = sip_check(m, NULL, 0, NULL);

		if (c == 400 || c < 0)
			rc_ours = -1;
	}
	osip_message_init(&o);
	rc_osip = osip_message_parse(o, buf, len);
	if ((rc_ours == 0) != (rc_osip == 0)) {
		same = false;
	} else if (rc_ours == 0) {
		osip_call_id_t *cid = osip_message_get_call_id(o);
		char *cids = NULL, *ftag = NULL, *ttag = NULL, *branch = NULL;
		osip_via_t *via = NULL;
		osip_generic_param_t *bp = NULL;
		struct sip_naddr fr, to;
		struct sip_via v;
		uint32_t cseq = 0;
		struct sip_str cm;

		osip_call_id_to_str(cid, &cids);
		osip_from_get_tag(o->from, &bp);
		ftag = bp ? bp->gvalue : NULL;
		bp = NULL;
		osip_to_get_tag(o->to, &bp);
		ttag = bp ? bp->gvalue : NULL;
		bp = NULL;
		osip_message_get_via(o, 0, &via);
		if (via)
			osip_via_param_get_byname(via, "branch", &bp);
		branch = bp ? bp->gvalue : NULL;
		sip_naddr_parse(sip_hdr(m, SIP_H_FROM)->value, &fr);
		sip_naddr_parse(sip_hdr(m, SIP_H_TO)->value, &to);
		sip_via_parse(sip_hdr(m, SIP_H_VIA)->value, &v);
		sip_cseq(m, &cseq, &cm);
		same = m->request == MSG_IS_REQUEST(o) &&
		       (!m->request || (eq(m->method, o->sip_method))) &&
		       (m->request || m->status == o->status_code) &&
		       eq(sip_hdr(m, SIP_H_CALL_ID)->value, cids) &&
		       o->cseq && (uint32_t)strtoul(o->cseq->number, NULL, 10) == cseq &&
		       eq(cm, o->cseq->method) && eq(fr.tag, ftag) && eq(to.tag, ttag) &&
		       eq(v.branch, branch);
		if (!same)
			fprintf(stderr, "  %s: fields differ (call-id ours '%.*s' osip '%s')\n", name,
				(int)sip_hdr(m, SIP_H_CALL_ID)->value.len,
				sip_hdr(m, SIP_H_CALL_ID)->value.p, cids ? cids : "");
		osip_free(cids);
	}
	if (same) {
		n_same++;
	} else if (k) {
		n_known++;
		printf("known  %-16s ours %s, osip %s: %s\n", name, rc_ours == 0 ? "accepts" : "refuses",
		       rc_osip == 0 ? "accepts" : "refuses", k);
	} else {
		CHECK(0, "%s: ours %s (%d), libosip2 %s (%d), no known reason", name,
		      rc_ours == 0 ? "accepts" : "refuses", rc_ours,
		      rc_osip == 0 ? "accepts" : "refuses", rc_osip);
	}
out:
	if (o)
		osip_message_free(o);
	free(buf);
	free(m);
}

int
main(int argc, char **argv)
{
	static const char *const dflt[] = { SIPDIFF_DIRS, NULL };

	parser_init();
	for (int a = 0; argc > 1 ? a < argc - 1 : dflt[a] != NULL; a++) {
		const char *dir = argc > 1 ? argv[a + 1] : dflt[a];
		struct dirent **ents;
		int n = scandir(dir, &ents, NULL, alphasort);

		CHECK(n > 0, "corpus %s", dir);
		for (int i = 0; i < n; i++) {
			if (ents[i]->d_name[0] != '.')
				one(dir, ents[i]->d_name);
			free(ents[i]);
		}
		free(ents);
	}
	printf("%d messages: %d read the same by both, %d known differences\n", n_files, n_same,
	       n_known);
	return CHECK_DONE();
}
