/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP parse and rewrite for the media relay (see sdp.h). Control path.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "sdp.h"

struct line {
	const char *p;   /* "x=..." */
	size_t len;      /* without CR/LF */
};

/* Next line from *pos; false at the end. Blank lines are skipped. */
static bool
next_line(const char *buf, size_t len, size_t *pos, struct line *l)
{
	while (*pos < len) {
		const char *s = buf + *pos;
		const char *nl = memchr(s, '\n', len - *pos);
		size_t n = nl ? (size_t)(nl - s) : len - *pos;

		*pos += n + (nl ? 1 : 0);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		l->p = s;
		l->len = n;
		return true;
	}
	return false;
}

static int
errf(char *err, size_t errlen, unsigned lineno, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return -EINVAL;
	n = snprintf(err, errlen, "line %u: ", lineno);
	if (n > 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Copies the next space-separated token of @s (bounded) into @out. */
static const char *
token(const char *s, const char *end, char *out, size_t outlen, size_t *toklen)
{
	size_t n = 0;

	while (s < end && *s == ' ')
		s++;
	while (s + n < end && s[n] != ' ')
		n++;
	*toklen = n;
	if (out != NULL && outlen > 0) {
		size_t c = n < outlen - 1 ? n : outlen - 1;

		memcpy(out, s, c);
		out[c] = '\0';
	}
	return s + n;
}

static bool
parse_port(const char *s, size_t n, uint16_t *out)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return false;
	*out = (uint16_t)v;
	return true;
}

/* "IN IP4 a.b.c.d[/ttl]" from @s..@end into @a. */
static bool
parse_conn(const char *s, const char *end, struct sdp_addr *a)
{
	char nettype[8], atype[8], addr[SDP_ADDR_MAX + 16];
	size_t n;

	s = token(s, end, nettype, sizeof(nettype), &n);
	if (n != 2 || strcmp(nettype, "IN") != 0)
		return false;
	s = token(s, end, atype, sizeof(atype), &n);
	if (n != 3)
		return false;
	s = token(s, end, addr, sizeof(addr), &n);
	if (n == 0 || n >= sizeof(addr))
		return false;
	while (s < end && *s == ' ')
		s++;
	if (s != end)
		return false;
	addr[strcspn(addr, "/")] = '\0'; /* multicast TTL / count */
	if (strcmp(atype, "IP4") == 0)
		a->family = AF_INET;
	else if (strcmp(atype, "IP6") == 0)
		a->family = AF_INET6;
	else
		return false;
	n = strlen(addr);
	if (n >= sizeof(a->text) || inet_pton(a->family, addr, a->addr) != 1)
		return false;
	memcpy(a->text, addr, n + 1);
	return true;
}

/* The first payload type of an m= format list, or -1 when not a number. */
static int
first_pt(const char *formats)
{
	int pt = 0, n = 0;

	for (; *formats >= '0' && *formats <= '9' && n < 4; formats++, n++)
		pt = pt * 10 + (*formats - '0');
	if (n == 0 || n == 4 || (*formats != ' ' && *formats != '\0') || pt > 127)
		return -1;
	return pt;
}

/* RFC 3551 static payload types' clock rates (audio and video). */
static uint32_t
static_clock(int pt)
{
	if ((pt >= 0 && pt <= 9) || (pt >= 12 && pt <= 13) || pt == 15 || pt == 18)
		return 8000;
	switch (pt) {
	case 10: case 11: return 44100;
	case 14: case 25: case 26: case 28: case 31: case 32: case 33: case 34: return 90000;
	case 16: return 11025;
	case 17: return 22050;
	default: return 0;
	}
}

/* "<pt> <name>/<clock>[/<params>]": records the clock of the first format
 * and which payload types carry RFC 4733 telephone-events. */
static int
parse_rtpmap(const char *s, const char *end, struct sdp_media *m)
{
	unsigned long pt = 0, clock = 0;
	const char *p = s, *name;
	bool te;

	while (p < end && *p >= '0' && *p <= '9' && p - s < 4)
		pt = pt * 10 + (unsigned long)(*p++ - '0');
	if (p == s || p >= end || *p != ' ' || pt > 127)
		return -1;
	while (p < end && *p == ' ')
		p++;
	name = p;
	while (p < end && *p != '/')
		p++;
	if (p >= end || p[-1] == ' ')
		return -1;
	te = p - name == 15 && strncasecmp(name, "telephone-event", 15) == 0;
	s = ++p;
	while (p < end && *p >= '0' && *p <= '9' && p - s < 7)
		clock = clock * 10 + (unsigned long)(*p++ - '0');
	if (p == s || clock == 0 || (p < end && *p != '/'))
		return -1;
	if ((int)pt == first_pt(m->formats))
		m->clock_hz = (uint32_t)clock;
	if (te) {
		m->te_pts[pt >> 6] |= 1ull << (pt & 63);
		if (m->te_clock == 0)
			m->te_clock = (uint32_t)clock;
	}
	return 0;
}

static int
b64v(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
sdp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t n = 0;
	uint32_t acc = 0;
	int bits = 0;

	while (len > 0 && in[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		int v = b64v(in[i]);

		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)n;
}

size_t
sdp_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0;

	if (cap < ((len + 2) / 3) * 4 + 1)
		return 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
			     (i + 2 < len ? in[i + 2] : 0);

		out[n++] = t[v >> 18];
		out[n++] = t[(v >> 12) & 63];
		out[n++] = i + 1 < len ? t[(v >> 6) & 63] : '=';
		out[n++] = i + 2 < len ? t[v & 63] : '=';
	}
	out[n] = '\0';
	return n;
}

/* An a=crypto key lifetime (RFC 4568 6.1): "2^N" or a decimal number of
 * packets; 0 if it is neither or does not fit 64 bits. */
static uint64_t
lifetime_value(const char *f, size_t n)
{
	uint64_t v = 0;

	if (n >= 3 && f[0] == '2' && f[1] == '^') {
		for (size_t i = 2; i < n; i++) {
			if (f[i] < '0' || f[i] > '9' || v > 63)
				return 0;
			v = v * 10 + (uint64_t)(f[i] - '0');
		}
		return v <= 63 ? (uint64_t)1 << v : 0;
	}
	if (n == 0 || n > 19)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (f[i] < '0' || f[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(f[i] - '0');
	}
	return v;
}

/* "<tag> <suite> inline:<key||salt base64>[|lifetime][|MKI:len] [params]";
 * only the first key parameter is used. NULL, or what is wrong. */
static const char *
parse_crypto(const char *s, const char *end, struct sdp_media *m)
{
	struct sdp_crypto *c;
	char tag[12];
	const char *k, *ke;
	size_t n;
	int kl;

	if (m->n_crypto >= SDP_MAX_CRYPTO)
		return "too many a=crypto lines";
	c = &m->crypto[m->n_crypto];
	memset(c, 0, sizeof(*c));
	s = token(s, end, tag, sizeof(tag), &n);
	if (n == 0 || n >= sizeof(tag) || strspn(tag, "0123456789") != n || n > 9)
		return "a=crypto tag must be 1-9 digits";
	c->tag = (unsigned)strtoul(tag, NULL, 10);
	s = token(s, end, c->suite, sizeof(c->suite), &n);
	if (n == 0 || n >= sizeof(c->suite))
		return "a=crypto suite missing or too long";
	while (s < end && *s == ' ')
		s++;
	if ((size_t)(end - s) < 8 || memcmp(s, "inline:", 7) != 0)
		return "a=crypto key must be inline:<base64>";
	k = s + 7;
	for (ke = k; ke < end && *ke != '|' && *ke != ' ' && *ke != ';'; ke++)
		;
	kl = sdp_b64_decode(k, (size_t)(ke - k), c->key, sizeof(c->key));
	if (kl <= 0)
		return "a=crypto key is not base64 of at most 46 bytes";
	c->key_len = (unsigned)kl;
	s = ke;
	while (s < end && *s == '|') {
		const char *f = ++s;

		while (s < end && *s != '|' && *s != ' ' && *s != ';')
			s++;
		if (memchr(f, ':', (size_t)(s - f)) != NULL) {
			c->mki = true;
		} else {
			c->lifetime = true;
			c->lifetime_pkts = lifetime_value(f, (size_t)(s - f));
		}
	}
	while (s < end && *s == ' ')
		s++;
	c->session_params = s < end;
	m->n_crypto++;
	return NULL;
}

int
sdp_parse(struct sdp *out, const char *buf, size_t len, char *err, size_t errlen)
{
	struct line l;
	size_t pos = 0;
	unsigned lineno = 0;
	struct sdp_media *m = NULL;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	while (next_line(buf, len, &pos, &l)) {
		const char *v = l.p + 2, *end = l.p + l.len;
		size_t n;

		if (++lineno > SDP_MAX_LINES)
			return errf(err, errlen, lineno, "more than %d lines", SDP_MAX_LINES);
		if (l.len < 2 || l.p[1] != '=' || l.p[0] < 'a' || l.p[0] > 'z')
			return errf(err, errlen, lineno, "not a '<letter>=<value>' line");
		/* RFC 8866 text excludes NUL, CR and LF inside a line. */
		if (memchr(l.p, '\0', l.len) != NULL || memchr(l.p, '\r', l.len) != NULL)
			return errf(err, errlen, lineno, "NUL or stray CR inside the line");
		if (lineno == 1 && (l.len != 3 || memcmp(l.p, "v=0", 3) != 0))
			return errf(err, errlen, lineno, "SDP must start with v=0");
		switch (l.p[0]) {
		case 'm': {
			char portbuf[16];
			const char *s;

			if (out->n_media >= SDP_MAX_MEDIA)
				return errf(err, errlen, lineno, "more than %d media sections",
					    SDP_MAX_MEDIA);
			m = &out->media[out->n_media++];
			s = token(v, end, m->type, sizeof(m->type), &n);
			if (n == 0 || n >= sizeof(m->type))
				return errf(err, errlen, lineno, "m= media type missing or too long");
			s = token(s, end, portbuf, sizeof(portbuf), &n);
			portbuf[strcspn(portbuf, "/")] = '\0';
			if (n >= sizeof(portbuf) || !parse_port(portbuf, strlen(portbuf), &m->port))
				return errf(err, errlen, lineno, "m= port is not 0..65535");
			s = token(s, end, m->proto, sizeof(m->proto), &n);
			if (n == 0 || n >= sizeof(m->proto))
				return errf(err, errlen, lineno, "m= transport missing or too long");
			while (s < end && *s == ' ')
				s++;
			n = (size_t)(end - s);
			if (n == 0)
				return errf(err, errlen, lineno, "m= has no formats");
			if (n >= sizeof(m->formats))
				return errf(err, errlen, lineno, "m= format list too long");
			memcpy(m->formats, s, n);
			m->formats[n] = '\0';
			snprintf(m->direction, sizeof(m->direction), "sendrecv");
			break;
		}
		case 'c': {
			struct sdp_addr *a = m ? &m->conn : &out->conn;

			if (!parse_conn(v, end, a))
				return errf(err, errlen, lineno,
					    "c= must be 'IN IP4 <addr>' or 'IN IP6 <addr>'");
			if (m)
				m->has_conn = true;
			else
				out->has_conn = true;
			break;
		}
		case 'a':
			if (m == NULL)
				break;
			if (l.len >= 7 && memcmp(v, "rtcp:", 5) == 0) {
				const char *s = v + 5;
				char portbuf[8];

				s = token(s, end, portbuf, sizeof(portbuf), &n);
				if (n >= sizeof(portbuf) || !parse_port(portbuf, n, &m->rtcp_port))
					return errf(err, errlen, lineno, "a=rtcp port is not 0..65535");
				while (s < end && *s == ' ')
					s++;
				if (s < end && !parse_conn(s, end, &m->rtcp_addr))
					return errf(err, errlen, lineno, "a=rtcp address is malformed");
			} else if (l.len > 9 && memcmp(v, "rtpmap:", 7) == 0) {
				if (parse_rtpmap(v + 7, end, m) < 0)
					return errf(err, errlen, lineno,
						    "a=rtpmap must be '<pt> <name>/<clock>[/<ch>]'");
			} else if (l.len > 9 && memcmp(v, "crypto:", 7) == 0) {
				const char *why = parse_crypto(v + 7, end, m);

				if (why != NULL)
					return errf(err, errlen, lineno, why);
			} else if (l.len == 10 && memcmp(v, "rtcp-mux", 8) == 0) {
				m->rtcp_mux = true;
			} else if ((l.len == 10 && (memcmp(v, "sendrecv", 8) == 0 ||
						    memcmp(v, "sendonly", 8) == 0 ||
						    memcmp(v, "recvonly", 8) == 0 ||
						    memcmp(v, "inactive", 8) == 0))) {
				memcpy(m->direction, v, 8);
				m->direction[8] = '\0';
			}
			break;
		default:
			break;
		}
	}
	if (lineno == 0)
		return errf(err, errlen, 0, "empty SDP");
	for (unsigned i = 0; i < out->n_media; i++) {
		struct sdp_media *mm = &out->media[i];

		if (mm->clock_hz == 0)
			mm->clock_hz = static_clock(first_pt(mm->formats));
		if (!mm->has_conn) {
			if (!out->has_conn)
				return errf(err, errlen, lineno,
					    "media %u (%s) has no connection address", i, mm->type);
			mm->conn = out->conn;
		}
	}
	return 0;
}

struct wbuf {
	char *p;
	size_t len, cap;
	unsigned lines;
	bool full;
};

static void
w(struct wbuf *b, const char *s, size_t n)
{
	if (b->full || n > b->cap - b->len) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	if (n > 0 && s[n - 1] == '\n')
		b->lines++;
}

static void
wf(struct wbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->full = true;
		return;
	}
	w(b, tmp, (size_t)n);
}

static void
end_media(struct wbuf *b, const struct sdp *sdp, const struct sdp_rewrite_media *rw,
	  int idx, bool saw_rtcp)
{
	if (idx < 0)
		return;
	if (!saw_rtcp && !sdp->media[idx].rtcp_mux && rw[idx].port != 0)
		wf(b, "a=rtcp:%u\r\n", rw[idx].rtcp_port);
	if (rw[idx].crypto != NULL && rw[idx].crypto[0]) {
		w(b, rw[idx].crypto, strlen(rw[idx].crypto));
		/* w() counted the last line */
		for (const char *c = rw[idx].crypto; (c = strchr(c, '\n')) != NULL; c++)
			b->lines++;
		b->lines--;
	}
}

int
sdp_rewrite(const char *in, size_t len, const struct sdp *parsed,
	    const struct sdp_rewrite_media *rw, char *out, size_t outcap)
{
	struct wbuf b = { .p = out, .cap = outcap };
	struct line l;
	size_t pos = 0;
	int idx = -1;
	bool saw_rtcp = false;

	while (next_line(in, len, &pos, &l)) {
		const char *v = l.p + 2, *end = l.p + l.len;
		size_t n;

		switch (l.p[0]) {
		case 'm': {
			const char *s;

			end_media(&b, parsed, rw, idx, saw_rtcp);
			saw_rtcp = false;
			if (++idx >= (int)parsed->n_media)
				return -EINVAL;
			s = token(v, end, NULL, 0, &n); /* media type, kept as written */
			w(&b, l.p, (size_t)(s - l.p));
			s = token(s, end, NULL, 0, &n); /* old port */
			wf(&b, " %u", rw[idx].port);
			if (rw[idx].proto != NULL) {
				s = token(s, end, NULL, 0, &n); /* old protocol */
				wf(&b, " %s", rw[idx].proto);
			}
			w(&b, s, (size_t)(end - s));
			w(&b, "\r\n", 2);
			/* Media relying on the session c= but relayed on another
			 * address (v4/v6 bridging) gets a c= of its own. */
			if (!parsed->media[idx].has_conn &&
			    (rw[idx].addr.family != rw[0].addr.family ||
			     strcmp(rw[idx].addr.text, rw[0].addr.text) != 0))
				wf(&b, "c=IN %s %s\r\n",
				   rw[idx].addr.family == AF_INET6 ? "IP6" : "IP4", rw[idx].addr.text);
			continue;
		}
		case 'c': {
			const struct sdp_addr *a;

			if (parsed->n_media == 0)
				break;
			a = &rw[idx < 0 ? 0 : idx].addr;
			wf(&b, "c=IN %s %s\r\n", a->family == AF_INET6 ? "IP6" : "IP4", a->text);
			continue;
		}
		case 'a':
			if (idx >= 0 && rw[idx].crypto != NULL && l.len > 9 &&
			    memcmp(v, "crypto:", 7) == 0)
				continue;        /* replaced at the end of the section */
			if (idx >= 0 && l.len >= 7 && memcmp(v, "rtcp:", 5) == 0) {
				saw_rtcp = true;
				if (!parsed->media[idx].rtcp_mux)
					wf(&b, "a=rtcp:%u\r\n", rw[idx].rtcp_port);
				else
					wf(&b, "a=rtcp:%u\r\n", rw[idx].port);
				continue;
			}
			break;
		default:
			break;
		}
		w(&b, l.p, l.len);
		w(&b, "\r\n", 2);
	}
	end_media(&b, parsed, rw, idx, saw_rtcp);
	if (idx + 1 != (int)parsed->n_media)
		return -EINVAL;
	if (b.full)
		return -ENOSPC;
	/* Added c= and a=rtcp lines must not make an SDP we would refuse. */
	if (b.lines > SDP_MAX_LINES)
		return -E2BIG;
	return (int)b.len;
}
