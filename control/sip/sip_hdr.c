/* SPDX-License-Identifier: BSD-3-Clause */
/* SIP header value parsers and request checks: see sip_hdr.h. Control
 * plane only. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sip_hdr.h"

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_token(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-.!%*_+`'~", c) != NULL);
}

static struct sip_str trim(struct sip_str s);

/* ";name[=value]..." with a token for every name (RFC 3261 generic-param). */
static bool
params_ok(struct sip_str ps)
{
	uint32_t i = 0;

	while (i < ps.len) {
		uint32_t s;

		while (i < ps.len && (ps.p[i] == ' ' || ps.p[i] == '\t' || ps.p[i] == '\r' ||
				      ps.p[i] == '\n'))
			i++;
		if (i == ps.len)
			break;
		if (ps.p[i] != ';')
			return false;
		i++;
		while (i < ps.len && (ps.p[i] == ' ' || ps.p[i] == '\t' || ps.p[i] == '\r' ||
				      ps.p[i] == '\n'))
			i++;
		s = i;
		while (i < ps.len && ps.p[i] != ';' && ps.p[i] != '=' && ps.p[i] != ' ' &&
		       ps.p[i] != '\t' && ps.p[i] != '\r' && ps.p[i] != '\n')
			i++;
		if (i == s)
			return false;        /* ";;" or ";=" */
		while (i < ps.len && ps.p[i] != ';') {
			if (ps.p[i] == '"') {
				for (i++; i < ps.len && ps.p[i] != '"'; i++)
					if (ps.p[i] == '\\')
						i++;
			}
			i++;
		}
	}
	return true;
}

static struct sip_str
trim(struct sip_str s)
{
	while (s.len && is_ws(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len && is_ws(s.p[s.len - 1]))
		s.len--;
	return s;
}

static const char *
find(struct sip_str s, char c)
{
	return s.len ? memchr(s.p, c, s.len) : NULL;
}

char *
sip_strz(struct sip_str s, char *buf, size_t len)
{
	size_t n = s.len < len - 1 ? s.len : len - 1;

	if (n)
		memcpy(buf, s.p, n);
	buf[n] = '\0';
	return buf;
}

int
sip_uint(struct sip_str s, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;

	s = trim(s);
	if (s.len == 0 || s.len > 10)
		return -EINVAL;
	for (uint32_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		n = n * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (n > max)
		return -EINVAL;
	*out = (uint32_t)n;
	return 0;
}

bool
sip_method_known(struct sip_str m)
{
	static const char *const known[] = {
		"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO",
		"UPDATE", "PRACK", "SUBSCRIBE", "NOTIFY", "REFER", "MESSAGE", "PUBLISH", NULL,
	};

	for (unsigned i = 0; known[i]; i++)
		if (m.len == strlen(known[i]) && memcmp(m.p, known[i], m.len) == 0)
			return true;
	return false;
}

int
sip_uri_parse(struct sip_str s, struct sip_uri *u)
{
	const char *p = s.p, *end = s.p + s.len, *q, *at = NULL, *hp;

	memset(u, 0, sizeof(*u));
	if (s.len == 0 || !((p[0] | 0x20) >= 'a' && (p[0] | 0x20) <= 'z'))
		return -EINVAL;
	for (q = p; q < end && *q != ':'; q++)
		if (!is_alnum(*q) && *q != '+' && *q != '-' && *q != '.')
			return -EINVAL;
	if (q == end)
		return -EINVAL;
	for (const char *w = p; w < end; w++)
		if (is_ws(*w) || *w == '<' || *w == '>' || *w == '"' || *w == '\0')
			return -EINVAL;
	u->scheme = (struct sip_str){ p, (uint32_t)(q - p) };
	p = q + 1;
	if (!sip_str_ieq(u->scheme, "sip") && !sip_str_ieq(u->scheme, "sips")) {
		/* other schemes: opaque; the user part runs to the first ';' */
		for (q = p; q < end && *q != ';'; q++)
			;
		u->user = (struct sip_str){ p, (uint32_t)(q - p) };
		u->params = (struct sip_str){ q, (uint32_t)(end - q) };
		return 0;
	}
	/* userinfo ends at the last '@' (the user part may hold ';', '?'
	 * and escaped '@', RFC 4475 3.1.1.2 and 3.1.1.9) */
	for (q = p; q < end; q++)
		if (*q == '@')
			at = q;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));

		u->user = (struct sip_str){ p, (uint32_t)((colon ? colon : at) - p) };
		if (u->user.len == 0)
			return -EINVAL;
		hp = at + 1;
	} else {
		hp = p;
	}
	if (hp < end && *hp == '[') {
		q = memchr(hp, ']', (size_t)(end - hp));
		if (q == NULL || q == hp + 1)
			return -EINVAL;
		u->host = (struct sip_str){ hp + 1, (uint32_t)(q - hp - 1) };
		q++;
	} else {
		for (q = hp; q < end && (is_alnum(*q) || *q == '-' || *q == '.' || *q == '_'); q++)
			;
		u->host = (struct sip_str){ hp, (uint32_t)(q - hp) };
	}
	if (u->host.len == 0)
		return -EINVAL;
	if (q < end && *q == ':') {
		uint32_t port = 0;
		const char *d = ++q;

		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (sip_uint((struct sip_str){ d, (uint32_t)(q - d) }, 65535, &port) < 0 ||
		    port == 0)
			return -EINVAL;
		u->port = (uint16_t)port;
	}
	if (q < end && *q != ';' && *q != '?')
		return -EINVAL;
	{
		const char *qm = memchr(q, '?', (size_t)(end - q));

		u->params = (struct sip_str){ q, (uint32_t)((qm ? qm : end) - q) };
		if (qm)
			u->headers = (struct sip_str){ qm + 1, (uint32_t)(end - qm - 1) };
	}
	return 0;
}

bool
sip_param(struct sip_str params, const char *name, struct sip_str *val)
{
	uint32_t i = 0, nlen = (uint32_t)strlen(name);

	while (i < params.len) {
		uint32_t s, e, eq = 0;

		while (i < params.len && (params.p[i] == ';' || is_ws(params.p[i])))
			i++;
		s = i;
		while (i < params.len && params.p[i] != ';') {
			if (params.p[i] == '"') {  /* quoted values may hold ';' */
				for (i++; i < params.len && params.p[i] != '"'; i++)
					if (params.p[i] == '\\')
						i++;
			}
			if (params.p[i] == '=' && eq == 0)
				eq = i;
			i++;
		}
		e = eq ? eq : i;
		{
			struct sip_str n = trim((struct sip_str){ params.p + s, e - s });

			if (n.len == nlen && strncasecmp(n.p, name, nlen) == 0) {
				if (val)
					*val = eq ? trim((struct sip_str){ params.p + eq + 1, i - eq - 1 })
						  : (struct sip_str){ params.p + i, 0 };
				return true;
			}
		}
	}
	return false;
}

bool
sip_list_next(struct sip_str v, uint32_t *pos, struct sip_str *item)
{
	uint32_t i = *pos, s;
	bool quote = false, angle = false;

	while (i < v.len && (is_ws(v.p[i]) || v.p[i] == ','))
		i++;
	if (i >= v.len) {
		*pos = i;
		return false;
	}
	s = i;
	for (; i < v.len; i++) {
		char c = v.p[i];

		if (quote) {
			if (c == '\\')
				i++;
			else if (c == '"')
				quote = false;
		} else if (c == '"') {
			quote = true;
		} else if (c == '<') {
			angle = true;
		} else if (c == '>') {
			angle = false;
		} else if (c == ',' && !angle) {
			break;
		}
	}
	*item = trim((struct sip_str){ v.p + s, (i > v.len ? v.len : i) - s });
	*pos = i;
	return true;
}

int
sip_naddr_parse(struct sip_str v, struct sip_naddr *na)
{
	const char *p, *end, *lt, *gt, *rest;
	struct sip_uri u;

	memset(na, 0, sizeof(*na));
	v = trim(v);
	p = v.p;
	end = v.p + v.len;
	if (v.len == 0)
		return -EINVAL;
	if (*p == '"') {
		const char *q = p + 1;

		for (; q < end && *q != '"'; q++)
			if (*q == '\\') {
				if (++q == end)
					return -EINVAL;
			}
		if (q >= end)
			return -EINVAL;           /* unterminated quoted string */
		na->display = (struct sip_str){ p, (uint32_t)(q + 1 - p) };
		p = q + 1;
		while (p < end && is_ws(*p))
			p++;
		if (p == end || *p != '<')
			return -EINVAL;
	}
	lt = memchr(p, '<', (size_t)(end - p));
	if (lt) {
		/* an unquoted display name is tokens separated by LWS */
		for (const char *q = p; q < lt; q++)
			if (!is_token(*q) && !is_ws(*q))
				return -EINVAL;
		if (na->display.len == 0)
			na->display = trim((struct sip_str){ p, (uint32_t)(lt - p) });
		gt = memchr(lt, '>', (size_t)(end - lt));
		if (gt == NULL)
			return -EINVAL;
		na->uri = (struct sip_str){ lt + 1, (uint32_t)(gt - lt - 1) };
		rest = gt + 1;
	} else {
		/* addr-spec: the URI ends at the first ';', and may not hold
		 * ',' '?' (RFC 3261 20.10) */
		const char *semi = memchr(p, ';', (size_t)(end - p));

		na->uri = trim((struct sip_str){ p, (uint32_t)((semi ? semi : end) - p) });
		if (find(na->uri, '?') || find(na->uri, ','))
			return -EINVAL;
		rest = semi ? semi : end;
	}
	if (sip_uri_parse(na->uri, &u) < 0)
		return -EINVAL;
	while (rest < end && is_ws(*rest))
		rest++;
	if (rest < end && *rest != ';')
		return -EINVAL;
	na->params = (struct sip_str){ rest, (uint32_t)(end - rest) };
	if (!params_ok(na->params))
		return -EINVAL;
	if (sip_param(na->params, "tag", &na->tag) && na->tag.len == 0)
		return -EINVAL;
	return 0;
}

int
sip_via_parse(struct sip_str v, struct sip_via *via)
{
	const char *p, *end, *q;
	struct sip_str item;
	uint32_t pos = 0;
	int slashes = 0;

	memset(via, 0, sizeof(*via));
	if (!sip_list_next(v, &pos, &item))
		return -EINVAL;
	p = item.p;
	end = item.p + item.len;
	/* sent-protocol: "SIP" / "2.0" / transport, with LWS allowed around '/' */
	for (q = p; q < end && slashes < 2; q++)
		if (*q == '/')
			slashes++;
	if (slashes < 2)
		return -EINVAL;
	{
		struct sip_str name = trim((struct sip_str){ p, 0 });
		const char *s1 = memchr(p, '/', (size_t)(end - p));

		name = trim((struct sip_str){ p, (uint32_t)(s1 - p) });
		if (!sip_str_ieq(name, "SIP"))
			return -EINVAL;
	}
	while (q < end && is_ws(*q))
		q++;
	p = q;
	while (q < end && is_token(*q))
		q++;
	via->transport = (struct sip_str){ p, (uint32_t)(q - p) };
	if (via->transport.len == 0 || q == end || !is_ws(*q))
		return -EINVAL;
	while (q < end && is_ws(*q))
		q++;
	p = q;
	if (q < end && *q == '[') {
		const char *rb = memchr(q, ']', (size_t)(end - q));

		if (rb == NULL)
			return -EINVAL;
		via->host = (struct sip_str){ q + 1, (uint32_t)(rb - q - 1) };
		q = rb + 1;
	} else {
		while (q < end && (is_alnum(*q) || *q == '-' || *q == '.' || *q == '_'))
			q++;
		via->host = (struct sip_str){ p, (uint32_t)(q - p) };
	}
	if (via->host.len == 0)
		return -EINVAL;
	while (q < end && is_ws(*q))
		q++;
	if (q < end && *q == ':') {
		const char *d;
		uint32_t port;

		q++;
		while (q < end && is_ws(*q))
			q++;
		d = q;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (sip_uint((struct sip_str){ d, (uint32_t)(q - d) }, 65535, &port) < 0)
			return -EINVAL;
		via->port = (uint16_t)port;
	}
	via->sent_by = trim((struct sip_str){ p, (uint32_t)(q - p) });
	while (q < end && is_ws(*q))
		q++;
	if (q < end && *q != ';' && *q != '(')   /* a comment may follow */
		return -EINVAL;
	via->params = (struct sip_str){ q, (uint32_t)(end - q) };
	if (q < end && *q == ';' && !params_ok(via->params))
		return -EINVAL;
	sip_param(via->params, "branch", &via->branch);
	sip_param(via->params, "received", &via->received);
	via->rport = sip_param(via->params, "rport", NULL);
	return 0;
}

int
sip_digest_parse(struct sip_str v, struct sip_digest *d)
{
	uint32_t i = 0;

	memset(d, 0, sizeof(*d));
	v = trim(v);
	while (i < v.len && !is_ws(v.p[i]))
		i++;
	if (!sip_str_ieq((struct sip_str){ v.p, i }, "Digest"))
		return -ENOTSUP;
	while (i < v.len) {
		uint32_t ks, ke, vs, ve;
		struct sip_str key, val;

		while (i < v.len && (is_ws(v.p[i]) || v.p[i] == ','))
			i++;
		if (i >= v.len)
			break;
		ks = i;
		while (i < v.len && is_token(v.p[i]))
			i++;
		ke = i;
		while (i < v.len && is_ws(v.p[i]))
			i++;
		if (ke == ks || i >= v.len || v.p[i] != '=')
			return -EINVAL;
		i++;
		while (i < v.len && is_ws(v.p[i]))
			i++;
		if (i < v.len && v.p[i] == '"') {
			vs = ++i;
			while (i < v.len && v.p[i] != '"') {
				if (v.p[i] == '\\')
					i++;
				i++;
			}
			if (i >= v.len)
				return -EINVAL;
			ve = i++;
		} else {
			vs = i;
			while (i < v.len && v.p[i] != ',' && !is_ws(v.p[i]))
				i++;
			ve = i;
		}
		key = (struct sip_str){ v.p + ks, ke - ks };
		val = (struct sip_str){ v.p + vs, ve - vs };
#define D(name) if (sip_str_ieq(key, #name)) d->name = val;
		D(username) D(realm) D(nonce) D(uri) D(response) D(algorithm)
		D(cnonce) D(opaque) D(qop) D(nc)
#undef D
	}
	return 0;
}

/* Headers that may appear once only (RFC 3261 7.3.1: not lists). */
static const uint8_t single[] = {
	SIP_H_FROM, SIP_H_TO, SIP_H_CALL_ID, SIP_H_CSEQ, SIP_H_MAX_FORWARDS,
	SIP_H_CONTENT_TYPE, SIP_H_EXPIRES,
};

static bool
media_ok(struct sip_str type)
{
	struct sip_str t = type;
	const char *semi = find(t, ';');

	if (semi)
		t.len = (uint32_t)(semi - t.p);
	t = trim(t);
	return sip_str_ieq(t, "application/sdp") ||
	       (t.len > 10 && strncasecmp(t.p, "multipart/", 10) == 0);
}

int
sip_check(const struct sip_msg *m, char *why, size_t whylen, struct sip_str *unsupported)
{
	const struct sip_hdr *h;
	struct sip_naddr na;
	struct sip_uri u;
	struct sip_via via;
	struct sip_str meth;
	uint32_t cseq, n;

	if (!m->request) {
		/* responses: a broken one is dropped (RFC 3261 18.1.2) */
		h = sip_hdr(m, SIP_H_VIA);
		if (h == NULL || sip_via_parse(h->value, &via) < 0 ||
		    sip_cseq(m, &cseq, &meth) < 0 || sip_hdr(m, SIP_H_CALL_ID) == NULL ||
		    sip_hdr(m, SIP_H_FROM) == NULL || sip_hdr(m, SIP_H_TO) == NULL)
			return sip_errf(why, whylen, -1, "response without a valid Via, CSeq, "
				    "Call-ID, From or To");
		return 0;
	}
	for (unsigned i = 0; i < sizeof(single); i++) {
		int count = 0;

		for (unsigned k = 0; k < m->n_hdrs; k++)
			if (m->hdrs[k].id == single[i])
				count++;
		if (count > 1)
			return sip_errf(why, whylen, 400, "%s appears %d times",
				    sip_hdr_name(single[i]), count);
	}
	h = sip_hdr(m, SIP_H_VIA);
	if (h == NULL)
		return sip_errf(why, whylen, 400, "Missing Via");
	for (unsigned k = 0; k < m->n_hdrs; k++) {
		struct sip_str item;
		uint32_t pos = 0;

		if (m->hdrs[k].id != SIP_H_VIA)
			continue;
		while (sip_list_next(m->hdrs[k].value, &pos, &item))
			if (sip_via_parse(item, &via) < 0)
				return sip_errf(why, whylen, 400, "Malformed Via");
	}
	if (sip_hdr(m, SIP_H_CALL_ID) == NULL || sip_hdr(m, SIP_H_CALL_ID)->value.len == 0)
		return sip_errf(why, whylen, 400, "Missing Call-ID");
	h = sip_hdr(m, SIP_H_FROM);
	if (h == NULL || sip_naddr_parse(h->value, &na) < 0)
		return sip_errf(why, whylen, 400, "Missing or malformed From");
	h = sip_hdr(m, SIP_H_TO);
	if (h == NULL || sip_naddr_parse(h->value, &na) < 0)
		return sip_errf(why, whylen, 400, "Missing or malformed To");
	if (sip_cseq(m, &cseq, &meth) < 0)
		return sip_errf(why, whylen, 400, "Missing or malformed CSeq");
	if (!(meth.len == m->method.len && memcmp(meth.p, m->method.p, meth.len) == 0) &&
	    !(sip_str_ieq(m->method, "ACK") && sip_str_ieq(meth, "ACK")))
		return sip_errf(why, whylen, 400, "CSeq method does not match the request line");
	h = sip_hdr(m, SIP_H_MAX_FORWARDS);
	if (h && sip_uint(h->value, 255, &n) < 0)
		return sip_errf(why, whylen, 400, "Max-Forwards is not 0..255");
	h = sip_hdr(m, SIP_H_EXPIRES);
	if (h && sip_uint(h->value, UINT32_MAX, &n) < 0)
		return sip_errf(why, whylen, 400, "Expires is not a number");
	for (unsigned k = 0; k < m->n_hdrs; k++) {
		if (m->hdrs[k].id == SIP_H_CONTACT && !sip_str_ieq(m->hdrs[k].value, "*")) {
			struct sip_str item;
			uint32_t pos = 0;

			while (sip_list_next(m->hdrs[k].value, &pos, &item))
				if (sip_naddr_parse(item, &na) < 0)
					return sip_errf(why, whylen, 400, "Malformed Contact");
		}
		if (m->hdrs[k].id == SIP_H_ROUTE || m->hdrs[k].id == SIP_H_RECORD_ROUTE) {
			struct sip_str item;
			uint32_t pos = 0;

			while (sip_list_next(m->hdrs[k].value, &pos, &item))
				if (sip_naddr_parse(item, &na) < 0)
					return sip_errf(why, whylen, 400, "Malformed %s",
						    sip_hdr_name(m->hdrs[k].id));
		}
	}
	if (sip_uri_parse(m->ruri, &u) < 0)
		return sip_errf(why, whylen, 400, "Malformed Request-URI");
	if (!sip_str_ieq(u.scheme, "sip") && !sip_str_ieq(u.scheme, "sips"))
		return sip_errf(why, whylen, 416, "Unsupported URI Scheme");
	if (u.headers.len)
		return sip_errf(why, whylen, 400, "Request-URI with headers");
	for (unsigned k = 0; k < m->n_hdrs; k++)
		if (m->hdrs[k].id == SIP_H_REQUIRE && !sip_str_ieq(m->method, "ACK") &&
		    !sip_str_ieq(m->method, "CANCEL")) {
			/* we support no extension that a Require may name */
			if (unsupported)
				*unsupported = m->hdrs[k].value;
			return sip_errf(why, whylen, 420, "Bad Extension");
		}
	if (!sip_method_known(m->method))
		return sip_errf(why, whylen, 501, "Not Implemented");
	if (m->body.len && (h = sip_hdr(m, SIP_H_CONTENT_TYPE)) != NULL &&
	    (sip_str_ieq(m->method, "INVITE") || sip_str_ieq(m->method, "ACK")) &&
	    !media_ok(h->value))
		return sip_errf(why, whylen, 415, "Unsupported Media Type");
	if ((h = sip_hdr(m, SIP_H_ACCEPT)) != NULL &&
	    (sip_str_ieq(m->method, "INVITE") || sip_str_ieq(m->method, "OPTIONS"))) {
		struct sip_str item;
		uint32_t pos = 0;
		bool ok = h->value.len == 0;

		while (sip_list_next(h->value, &pos, &item)) {
			const char *semi = find(item, ';');

			if (semi)
				item.len = (uint32_t)(semi - item.p);
			item = trim(item);
			if (sip_str_ieq(item, "application/sdp") || sip_str_ieq(item, "*/*") ||
			    sip_str_ieq(item, "application/*"))
				ok = true;
		}
		if (!ok)
			return sip_errf(why, whylen, 406, "Not Acceptable");
	}
	return 0;
}
