/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON decoder and writer: see json.h. Control path only.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct jp {
	struct json_doc *d;
	const char *s;
	size_t len, i;
	char *err;
	size_t errlen;
	int rc;
};

static int
fail(struct jp *p, int rc, const char *what)
{
	if (p->rc == 0) {
		p->rc = rc;
		if (p->err && p->errlen)
			snprintf(p->err, p->errlen, "offset %zu: %s", p->i, what);
	}
	return rc;
}

static void
ws(struct jp *p)
{
	while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
				 p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int
new_node(struct jp *p, uint8_t type, uint32_t *idx)
{
	if (p->d->n >= p->d->cap)
		return fail(p, -E2BIG, "too many values");
	*idx = p->d->n++;
	p->d->nodes[*idx] = (struct json_node){ .type = type, .first = JSON_NONE,
						.next = JSON_NONE };
	return 0;
}

static int
hex4(const char *s)
{
	int v = 0;

	for (int k = 0; k < 4; k++) {
		char c = s[k];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static int
parse_string(struct jp *p, struct json_node *n)
{
	size_t start = ++p->i;

	while (p->i < p->len) {
		unsigned char c = (unsigned char)p->s[p->i];

		if (c == '"') {
			n->p = p->s + start;
			n->len = p->i - start;
			p->i++;
			return 0;
		}
		if (c < 0x20)
			return fail(p, -EINVAL, "control character in string");
		if (c == '\\') {
			n->escaped = true;
			if (p->i + 1 >= p->len)
				break;
			c = (unsigned char)p->s[p->i + 1];
			if (c == 'u') {
				if (p->i + 6 > p->len || hex4(p->s + p->i + 2) < 0)
					return fail(p, -EINVAL, "bad \\u escape");
				p->i += 6;
				continue;
			}
			if (!strchr("\"\\/bfnrt", c) || c == 0)
				return fail(p, -EINVAL, "bad escape");
			p->i += 2;
			continue;
		}
		p->i++;
	}
	return fail(p, -EINVAL, "unterminated string");
}

static int
parse_number(struct jp *p, struct json_node *n)
{
	size_t start = p->i, d;

	if (p->i < p->len && p->s[p->i] == '-')
		p->i++;
	d = p->i;
	while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
		p->i++;
	if (p->i == d || (p->s[d] == '0' && p->i - d > 1))
		return fail(p, -EINVAL, "bad number");
	if (p->i < p->len && p->s[p->i] == '.') {
		d = ++p->i;
		while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (p->i == d)
			return fail(p, -EINVAL, "bad fraction");
	}
	if (p->i < p->len && (p->s[p->i] == 'e' || p->s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->len && (p->s[p->i] == '+' || p->s[p->i] == '-'))
			p->i++;
		d = p->i;
		while (p->i < p->len && p->s[p->i] >= '0' && p->s[p->i] <= '9')
			p->i++;
		if (p->i == d)
			return fail(p, -EINVAL, "bad exponent");
	}
	n->p = p->s + start;
	n->len = p->i - start;
	return 0;
}

static int parse_value(struct jp *p, int depth, uint32_t *out);

static int
parse_container(struct jp *p, int depth, uint32_t idx, char close)
{
	uint32_t last = JSON_NONE;
	bool obj = close == '}';

	p->i++;
	ws(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		uint32_t k, v;

		ws(p);
		if (obj) {
			if (p->i >= p->len || p->s[p->i] != '"')
				return fail(p, -EINVAL, "expected a key");
			if (parse_value(p, depth + 1, &k) < 0)
				return p->rc;
			ws(p);
			if (p->i >= p->len || p->s[p->i] != ':')
				return fail(p, -EINVAL, "expected ':'");
			p->i++;
			if (parse_value(p, depth + 1, &v) < 0)
				return p->rc;
			p->d->nodes[k].next = v;
			if (last == JSON_NONE)
				p->d->nodes[idx].first = k;
			else
				p->d->nodes[last].next = k;
			last = v;
		} else {
			if (parse_value(p, depth + 1, &v) < 0)
				return p->rc;
			if (last == JSON_NONE)
				p->d->nodes[idx].first = v;
			else
				p->d->nodes[last].next = v;
			last = v;
		}
		p->d->nodes[idx].count++;
		ws(p);
		if (p->i >= p->len)
			return fail(p, -EINVAL, "unterminated container");
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		return fail(p, -EINVAL, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int
parse_value(struct jp *p, int depth, uint32_t *out)
{
	uint32_t idx;
	char c;

	if (depth > JSON_MAX_DEPTH)
		return fail(p, -E2BIG, "nested too deep");
	ws(p);
	if (p->i >= p->len)
		return fail(p, -EINVAL, "value expected");
	c = p->s[p->i];
	switch (c) {
	case '{':
	case '[':
		if (new_node(p, c == '{' ? JSON_OBJ : JSON_ARR, &idx) < 0)
			return p->rc;
		*out = idx;
		return parse_container(p, depth, idx, c == '{' ? '}' : ']');
	case '"':
		if (new_node(p, JSON_STR, &idx) < 0)
			return p->rc;
		*out = idx;
		return parse_string(p, &p->d->nodes[idx]);
	case 't':
	case 'f':
	case 'n': {
		const char *w = c == 't' ? "true" : c == 'f' ? "false" : "null";
		size_t wl = strlen(w);

		if (p->len - p->i < wl || memcmp(p->s + p->i, w, wl) != 0)
			return fail(p, -EINVAL, "bad literal");
		if (new_node(p, c == 'n' ? JSON_NULL : JSON_BOOL, &idx) < 0)
			return p->rc;
		p->d->nodes[idx].truth = c == 't';
		p->i += wl;
		*out = idx;
		return 0;
	}
	default:
		if (c != '-' && (c < '0' || c > '9'))
			return fail(p, -EINVAL, "unexpected character");
		if (new_node(p, JSON_NUM, &idx) < 0)
			return p->rc;
		*out = idx;
		return parse_number(p, &p->d->nodes[idx]);
	}
}

int
json_parse(struct json_doc *doc, const char *buf, size_t len, char *err, size_t errlen)
{
	struct jp p = { .d = doc, .s = buf, .len = len, .err = err, .errlen = errlen };
	uint32_t root;

	doc->n = 0;
	if (err && errlen)
		err[0] = '\0';
	if (parse_value(&p, 0, &root) < 0)
		return p.rc;
	ws(&p);
	if (p.i != len)
		return fail(&p, -EINVAL, "trailing data");
	return 0;
}

const struct json_node *
json_next(const struct json_doc *doc, const struct json_node *parent, const struct json_node *n)
{
	uint32_t i = n ? n->next : parent->first;

	if (parent->type == JSON_OBJ && n != NULL && i != JSON_NONE)
		i = doc->nodes[i].next; /* skip from key to key */
	return i == JSON_NONE ? NULL : &doc->nodes[i];
}

bool
json_str(const struct json_node *n, char *out, size_t outlen)
{
	size_t o = 0;

	if (n == NULL || n->type != JSON_STR || outlen == 0)
		return false;
	for (size_t i = 0; i < n->len; i++) {
		unsigned c = (unsigned char)n->p[i];
		char enc[4];
		size_t el = 1;

		if (c == '\\') {
			c = (unsigned char)n->p[++i];
			switch (c) {
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u': {
				unsigned cp = (unsigned)hex4(n->p + i + 1);

				i += 4;
				if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < n->len &&
				    n->p[i + 1] == '\\' && n->p[i + 2] == 'u') {
					int lo = hex4(n->p + i + 3);

					if (lo >= 0xdc00 && lo < 0xe000) {
						cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned)lo - 0xdc00);
						i += 6;
					}
				}
				/* NUL and unpaired surrogates are not text */
				if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
					return false;
				if (cp < 0x80) {
					enc[0] = (char)cp;
				} else if (cp < 0x800) {
					enc[0] = (char)(0xc0 | (cp >> 6));
					enc[1] = (char)(0x80 | (cp & 0x3f));
					el = 2;
				} else if (cp < 0x10000) {
					enc[0] = (char)(0xe0 | (cp >> 12));
					enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					enc[2] = (char)(0x80 | (cp & 0x3f));
					el = 3;
				} else {
					enc[0] = (char)(0xf0 | (cp >> 18));
					enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
					enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
					enc[3] = (char)(0x80 | (cp & 0x3f));
					el = 4;
				}
				if (o + el >= outlen)
					return false;
				memcpy(out + o, enc, el);
				o += el;
				continue;
			}
			default: break; /* \" \\ \/ */
			}
		}
		if (o + 1 >= outlen)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

bool
json_str_eq(const struct json_node *n, const char *s)
{
	char buf[256];

	if (n == NULL || n->type != JSON_STR)
		return false;
	if (!n->escaped)
		return n->len == strlen(s) && memcmp(n->p, s, n->len) == 0;
	return json_str(n, buf, sizeof(buf)) && strcmp(buf, s) == 0;
}

const struct json_node *
json_get(const struct json_doc *doc, const struct json_node *obj, const char *key)
{
	if (obj == NULL || obj->type != JSON_OBJ)
		return NULL;
	for (const struct json_node *k = json_next(doc, obj, NULL); k; k = json_next(doc, obj, k))
		if (json_str_eq(k, key))
			return &doc->nodes[k->next];
	return NULL;
}

bool
json_int(const struct json_node *n, int64_t *out)
{
	char buf[32], *end;
	long long v;

	if (n == NULL || n->type != JSON_NUM || n->len >= sizeof(buf))
		return false;
	memcpy(buf, n->p, n->len);
	buf[n->len] = '\0';
	if (strpbrk(buf, ".eE"))
		return false;
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool
json_num(const struct json_node *n, double *out)
{
	char buf[64], *end;

	if (n == NULL || n->type != JSON_NUM || n->len >= sizeof(buf))
		return false;
	memcpy(buf, n->p, n->len);
	buf[n->len] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0';
}

/* ---- writer ---- */

static void
put(struct jw *w, const char *s, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		char *nb;

		while (cap < w->len + n + 1)
			cap *= 2;
		nb = realloc(w->buf, cap);
		if (nb == NULL) {
			w->oom = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

/* Before a value (or a key): the comma, unless it follows its key. */
static void
sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->more[w->depth])
		put(w, ",", 1);
	w->more[w->depth] = true;
}

static void
open_(struct jw *w, char c)
{
	sep(w);
	put(w, &c, 1);
	if (w->depth < JSON_MAX_DEPTH)
		w->depth++;
	else
		w->oom = true;   /* deeper than any reader of ours accepts */
	w->more[w->depth] = false;
}

void jw_obj(struct jw *w) { open_(w, '{'); }
void jw_arr(struct jw *w) { open_(w, '['); }

void
jw_end(struct jw *w, char close)
{
	put(w, &close, 1);
	if (w->depth > 0)
		w->depth--;
}

/* Length of the well-formed UTF-8 sequence at @p (1..4), 0 if it is not. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static void
esc(struct jw *w, const char *s, size_t n)
{
	size_t run = 0;

	put(w, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = utf8_len((const unsigned char *)s + i, n - i);
		char e[8];

		if (c >= 0x20 && c != '"' && c != '\\' && len > 0) {
			i += len;
			continue;
		}
		put(w, s + run, i - run);
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			put(w, e, 2);
		} else if (c == '\n' || c == '\r' || c == '\t') {
			e[0] = '\\';
			e[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
			put(w, e, 2);
		} else if (c < 0x20) {
			snprintf(e, sizeof(e), "\\u%04x", c);
			put(w, e, 6);
		} else {
			put(w, "\\ufffd", 6);   /* not UTF-8 (NG strings are bytes) */
		}
		i++;
		run = i;
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void
jw_key(struct jw *w, const char *k)
{
	sep(w);
	esc(w, k, strlen(k));
	put(w, ":", 1);
	w->after_key = true;
}

void
jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	esc(w, s ? s : "", s ? n : 0);
}

void jw_str(struct jw *w, const char *s) { jw_strn(w, s, s ? strlen(s) : 0); }

void
jw_int(struct jw *w, int64_t v)
{
	char b[24];

	sep(w);
	put(w, b, (size_t)snprintf(b, sizeof(b), "%lld", (long long)v));
}

void
jw_uint(struct jw *w, uint64_t v)
{
	char b[24];

	sep(w);
	put(w, b, (size_t)snprintf(b, sizeof(b), "%llu", (unsigned long long)v));
}

void
jw_double(struct jw *w, double v)
{
	char b[32];

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	sep(w);
	put(w, b, (size_t)snprintf(b, sizeof(b), "%.6g", v));
}

void
jw_bool(struct jw *w, bool v)
{
	sep(w);
	put(w, v ? "true" : "false", v ? 4 : 5);
}

void
jw_null(struct jw *w)
{
	sep(w);
	put(w, "null", 4);
}

void
jw_raw(struct jw *w, const char *s, size_t n)
{
	sep(w);
	put(w, s, n);
}

void
jw_node(struct jw *w, const struct json_doc *doc, const struct json_node *n)
{
	switch (n->type) {
	case JSON_OBJ:
		jw_obj(w);
		for (const struct json_node *k = json_next(doc, n, NULL); k; k = json_next(doc, n, k)) {
			sep(w);
			put(w, "\"", 1);
			put(w, k->p, k->len);
			put(w, "\":", 2);
			w->after_key = true;
			jw_node(w, doc, &doc->nodes[k->next]);
		}
		jw_end(w, '}');
		break;
	case JSON_ARR:
		jw_arr(w);
		for (const struct json_node *c = json_next(doc, n, NULL); c; c = json_next(doc, n, c))
			jw_node(w, doc, c);
		jw_end(w, ']');
		break;
	case JSON_STR:
		sep(w);
		put(w, "\"", 1);
		put(w, n->p, n->len);   /* still escaped as it came */
		put(w, "\"", 1);
		break;
	case JSON_NUM:
		jw_raw(w, n->p, n->len);
		break;
	case JSON_BOOL:
		jw_bool(w, n->truth);
		break;
	default:
		jw_null(w);
		break;
	}
}

void jw_kstr(struct jw *w, const char *k, const char *v) { jw_key(w, k); if (v) jw_str(w, v); else jw_null(w); }
void jw_kuint(struct jw *w, const char *k, uint64_t v) { jw_key(w, k); jw_uint(w, v); }
void jw_kint(struct jw *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
void jw_kbool(struct jw *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }

void
jw_free(struct jw *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}
