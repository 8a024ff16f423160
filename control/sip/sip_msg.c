/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP message parser: see sip_msg.h. Control plane only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sip_msg.h"

static const struct {
	const char *name;
	char compact;
} hdr_names[SIP_H__MAX] = {
	[SIP_H_OTHER] = { NULL, 0 },
#define X(id, name, compact) [SIP_H_##id] = { name, compact },
	SIP_HEADERS(X)
#undef X
};

int
sip_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* RFC 3261 token characters. */
static bool
is_token(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

bool
sip_str_ieq(struct sip_str s, const char *c)
{
	return strlen(c) == s.len && strncasecmp(s.p, c, s.len) == 0;
}

const char *
sip_hdr_name(enum sip_hdr_id id)
{
	return id < SIP_H__MAX ? hdr_names[id].name : NULL;
}

const struct sip_hdr *
sip_hdr(const struct sip_msg *m, enum sip_hdr_id id)
{
	return id < SIP_H__MAX && m->first[id] >= 0 ? &m->hdrs[m->first[id]] : NULL;
}

static enum sip_hdr_id
hdr_lookup(const char *p, uint32_t n)
{
	struct sip_str s = { p, n };

	for (unsigned i = 1; i < SIP_H__MAX; i++)
		if ((n == 1 && hdr_names[i].compact &&
		     (p[0] | 0x20) == hdr_names[i].compact) || sip_str_ieq(s, hdr_names[i].name))
			return (enum sip_hdr_id)i;
	return SIP_H_OTHER;
}

/* The end of the line starting at @p (at its CR or LF), or NULL. */
static const char *
line_end(const char *p, const char *end)
{
	const char *lf = memchr(p, '\n', (size_t)(end - p));

	if (lf == NULL)
		return NULL;
	return lf > p && lf[-1] == '\r' ? lf - 1 : lf;
}

static const char *
next_line(const char *eol)
{
	return *eol == '\r' ? eol + 2 : eol + 1;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static int
parse_start(struct sip_msg *m, const char *p, const char *eol, char *err, size_t errlen)
{
	const char *sp1 = memchr(p, ' ', (size_t)(eol - p)), *sp2;

	if (sp1 == NULL)
		return sip_errf(err, errlen, -EINVAL, "start line has no spaces");
	if ((size_t)(eol - p) >= 8 && strncasecmp(p, "SIP/", 4) == 0) {
		/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase */
		m->request = false;
		if (sp1 - p != 7 || strncasecmp(p, "SIP/2.0", 7) != 0)
			return sip_errf(err, errlen, -EPROTONOSUPPORT, "SIP version is not 2.0");
		if (eol - sp1 < 4 || sp1[1] < '1' || sp1[1] > '6' || sp1[2] < '0' || sp1[2] > '9' ||
		    sp1[3] < '0' || sp1[3] > '9' || (eol - sp1 > 4 && sp1[4] != ' '))
			return sip_errf(err, errlen, -EINVAL, "status code is not 100..699");
		m->status = (sp1[1] - '0') * 100 + (sp1[2] - '0') * 10 + (sp1[3] - '0');
		m->reason.p = eol - sp1 > 4 ? sp1 + 5 : eol;
		m->reason.len = (uint32_t)(eol - m->reason.p);
		return 0;
	}
	/* Request-Line = Method SP Request-URI SP SIP-Version */
	m->request = true;
	for (const char *q = p; q < sp1; q++)
		if (!is_token(*q))
			return sip_errf(err, errlen, -EINVAL, "method is not a token");
	if (sp1 == p)
		return sip_errf(err, errlen, -EINVAL, "empty method");
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return sip_errf(err, errlen, -EINVAL, "request line must be 'METHOD URI SIP/2.0'");
	if (memchr(sp2 + 1, ' ', (size_t)(eol - sp2 - 1)) != NULL)
		return sip_errf(err, errlen, -EINVAL, "request line has more than two spaces");
	m->method = (struct sip_str){ p, (uint32_t)(sp1 - p) };
	m->ruri = (struct sip_str){ sp1 + 1, (uint32_t)(sp2 - sp1 - 1) };
	if (memchr(m->ruri.p, ':', m->ruri.len) == NULL)
		return sip_errf(err, errlen, -EINVAL, "Request-URI has no scheme");
	if (eol - sp2 - 1 < 4 || strncasecmp(sp2 + 1, "SIP/", 4) != 0)
		return sip_errf(err, errlen, -EINVAL, "request line must end in SIP/2.0");
	if (eol - sp2 - 1 != 7 || strncasecmp(sp2 + 1, "SIP/2.0", 7) != 0)
		return sip_errf(err, errlen, -EPROTONOSUPPORT, "SIP version is not 2.0");
	return 0;
}

/* Content-Length: digits only, at most 10 of them. */
static int
parse_length(struct sip_str v, uint32_t *out)
{
	uint64_t n = 0;

	if (v.len == 0 || v.len > 10)
		return -1;
	for (uint32_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	if (n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

int
sip_parse(struct sip_msg *m, const char *buf, size_t len, bool stream, char *err, size_t errlen)
{
	return sip_parse_ex(m, buf, len, stream ? SIP_PARSE_STREAM : 0, err, errlen);
}

int
sip_parse_ex(struct sip_msg *m, const char *buf, size_t len, unsigned flags, char *err,
	     size_t errlen)
{
	bool stream = flags & SIP_PARSE_STREAM, lenient = flags & SIP_PARSE_LENIENT;
	const char *p = buf, *end = buf + len, *eol;
	uint32_t clen = 0;
	bool have_clen = false;
	int rc;

	memset(m, 0, offsetof(struct sip_msg, hdrs));
	m->n_hdrs = 0;
	for (unsigned i = 0; i < SIP_H__MAX; i++)
		m->first[i] = -1;
	m->body = (struct sip_str){ end, 0 };
	/* Empty lines before the start line are keep-alives (RFC 3261 7.5). */
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (p == end)
		return stream ? -EAGAIN : sip_errf(err, errlen, -EINVAL, "empty message");
	eol = line_end(p, end);
	if (eol == NULL) {
		if (stream && len < SIP_MAX_MSG)
			return -EAGAIN;
		return sip_errf(err, errlen, -EINVAL, "no end of the start line");
	}
	if (memchr(p, '\0', (size_t)(eol - p)) != NULL)
		return sip_errf(err, errlen, -EINVAL, "NUL in the start line");
	rc = parse_start(m, p, eol, err, errlen);
	if (rc < 0 && !lenient)
		return rc;
	if (rc < 0) {
		/* lenient: keep what the start line gave; the caller only wants
		 * the headers, to answer the error */
		const char *sp = memchr(p, ' ', (size_t)(eol - p));

		m->request = !(eol - p >= 4 && strncasecmp(p, "SIP/", 4) == 0);
		m->method = (struct sip_str){ p, (uint32_t)((sp ? sp : eol) - p) };
	}
	p = next_line(eol);
	for (;;) {
		const char *colon, *name_end, *v, *vend, *last_eol;
		struct sip_hdr *h;

		eol = line_end(p, end);
		if (eol == NULL) {
			if (stream && len < SIP_MAX_MSG)
				return -EAGAIN;
			return sip_errf(err, errlen, -EINVAL, "headers do not end with an empty line");
		}
		if (eol == p) {                  /* the empty line */
			p = next_line(eol);
			break;
		}
		if (is_ws(*p))
			return sip_errf(err, errlen, -EINVAL, "continuation line before any header");
		/* a header value runs on over folded lines (CRLF followed by WS) */
		vend = eol;
		while (next_line(vend) < end && is_ws(*next_line(vend))) {
			const char *e2 = line_end(next_line(vend), end);

			if (e2 == NULL) {
				if (stream && len < SIP_MAX_MSG)
					return -EAGAIN;
				return sip_errf(err, errlen, -EINVAL, "headers do not end with an empty line");
			}
			vend = e2;
		}
		last_eol = vend;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL)
			return sip_errf(err, errlen, -EINVAL, "header line without a colon: '%.*s'",
				    (int)(eol - p > 40 ? 40 : eol - p), p);
		name_end = colon;
		while (name_end > p && is_ws(name_end[-1]))
			name_end--;
		if (name_end == p)
			return sip_errf(err, errlen, -EINVAL, "header with an empty name");
		for (const char *q = p; q < name_end; q++)
			if (!is_token(*q))
				return sip_errf(err, errlen, -EINVAL, "header name '%.*s' is not a token",
					    (int)(name_end - p > 40 ? 40 : name_end - p), p);
		if (m->n_hdrs >= SIP_MAX_HDRS)
			return sip_errf(err, errlen, -E2BIG, "more than %d headers", SIP_MAX_HDRS);
		v = colon + 1;
		while (v < vend && (is_ws(*v) || *v == '\r' || *v == '\n'))
			v++;
		while (vend > v && (is_ws(vend[-1]) || vend[-1] == '\r' || vend[-1] == '\n'))
			vend--;
		/* NUL only as a quoted-pair (RFC 3261 25.1; RFC 4475 3.1.1.2) */
		for (const char *z = memchr(p, '\0', (size_t)(vend - p)); z;
		     z = memchr(z + 1, '\0', (size_t)(vend - z - 1)))
			if (z == p || z[-1] != '\\')
				return sip_errf(err, errlen, -EINVAL, "NUL in a header");
		h = &m->hdrs[m->n_hdrs];
		h->name = (struct sip_str){ p, (uint32_t)(name_end - p) };
		h->value = (struct sip_str){ v, (uint32_t)(vend - v) };
		h->id = (uint8_t)hdr_lookup(p, h->name.len);
		if (m->first[h->id] < 0)
			m->first[h->id] = (int16_t)m->n_hdrs;
		m->n_hdrs++;
		if (h->id == SIP_H_CONTENT_LENGTH) {
			uint32_t n = 0;

			if (parse_length(h->value, &n) < 0 && !lenient)
				return sip_errf(err, errlen, -EINVAL, "Content-Length is not a number");
			if (have_clen && n != clen && !lenient)
				return sip_errf(err, errlen, -EINVAL, "two different Content-Length values");
			clen = n;
			have_clen = true;
		}
		p = next_line(last_eol);          /* past the folded lines */
	}
	if ((size_t)(p - buf) > SIP_MAX_MSG)
		return sip_errf(err, errlen, -E2BIG, "headers longer than %d bytes", SIP_MAX_MSG);
	if (stream && !have_clen)
		return sip_errf(err, errlen, -EINVAL, "Content-Length is required over a stream");
	if (!have_clen || lenient)
		clen = lenient ? 0 : (uint32_t)(end - p);
	if (clen > SIP_MAX_MSG)
		return sip_errf(err, errlen, -E2BIG, "body longer than %d bytes", SIP_MAX_MSG);
	if ((size_t)(end - p) < clen) {
		if (stream)
			return -EAGAIN;
		return sip_errf(err, errlen, -EINVAL, "Content-Length %u is larger than the %zu body bytes",
			    clen, (size_t)(end - p));
	}
	m->body = (struct sip_str){ p, clen };
	m->len = (uint32_t)(p + clen - buf);
	return 0;
}

int
sip_cseq(const struct sip_msg *m, uint32_t *num, struct sip_str *method)
{
	const struct sip_hdr *h = sip_hdr(m, SIP_H_CSEQ);
	uint64_t n = 0;
	uint32_t i = 0;

	if (h == NULL)
		return -EINVAL;
	for (; i < h->value.len && h->value.p[i] >= '0' && h->value.p[i] <= '9'; i++) {
		n = n * 10 + (uint64_t)(h->value.p[i] - '0');
		if (n > UINT32_MAX >> 1)   /* RFC 3261 8.1.1.5: less than 2**31 */
			return -EINVAL;
	}
	if (i == 0 || i == h->value.len)
		return -EINVAL;
	while (i < h->value.len && (is_ws(h->value.p[i]) || h->value.p[i] == '\r' ||
				    h->value.p[i] == '\n'))
		i++;
	if (i == h->value.len)
		return -EINVAL;
	for (uint32_t k = i; k < h->value.len; k++)
		if (!is_token(h->value.p[k]))
			return -EINVAL;
	*num = (uint32_t)n;
	*method = (struct sip_str){ h->value.p + i, h->value.len - i };
	return 0;
}
