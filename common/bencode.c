/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode decoder and encoder (see bencode.h). Control path only.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bencode.h"

struct ben_ctx {
	struct ben_doc *doc;
	const char *buf;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
	int rc;
};

static int
fail(struct ben_ctx *c, int rc, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->rc != 0)
		return c->rc;
	c->rc = rc;
	if (c->err == NULL || c->errlen == 0)
		return rc;
	n = snprintf(c->err, c->errlen, "offset %zu: ", c->pos);
	if (n < 0 || (size_t)n >= c->errlen)
		return rc;
	va_start(ap, fmt);
	vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return rc;
}

static int64_t
new_node(struct ben_ctx *c, uint8_t type)
{
	struct ben_node *n;

	if (c->doc->n >= c->doc->cap) {
		fail(c, -E2BIG, "more than %u values", c->doc->cap);
		return -1;
	}
	n = &c->doc->nodes[c->doc->n];
	memset(n, 0, sizeof(*n));
	n->type = type;
	n->first = BEN_NONE;
	n->next = BEN_NONE;
	return c->doc->n++;
}

/* Unsigned decimal up to @stop; no leading zeros. -1 on error. */
static int
read_uint(struct ben_ctx *c, char stop, uint64_t max, uint64_t *out)
{
	size_t start = c->pos;
	uint64_t v = 0;

	while (c->pos < c->len && c->buf[c->pos] >= '0' && c->buf[c->pos] <= '9') {
		unsigned d = (unsigned)(c->buf[c->pos] - '0');

		if (v > (max - d) / 10) {
			fail(c, -EINVAL, "number too large");
			return -1;
		}
		v = v * 10 + d;
		c->pos++;
	}
	if (c->pos == start) {
		fail(c, -EINVAL, "digit expected");
		return -1;
	}
	if (c->buf[start] == '0' && c->pos - start > 1) {
		fail(c, -EINVAL, "leading zero");
		return -1;
	}
	if (c->pos >= c->len || c->buf[c->pos] != stop) {
		fail(c, -EINVAL, "'%c' expected", stop);
		return -1;
	}
	c->pos++;
	*out = v;
	return 0;
}

static int64_t parse_value(struct ben_ctx *c, unsigned depth);

static int64_t
parse_str(struct ben_ctx *c)
{
	uint64_t len;
	int64_t idx;

	if (read_uint(c, ':', SIZE_MAX, &len) < 0)
		return -1;
	if (len > c->len - c->pos) {
		fail(c, -EINVAL, "string of %" PRIu64 " bytes runs past the end", len);
		return -1;
	}
	idx = new_node(c, BEN_STR);
	if (idx < 0)
		return -1;
	c->doc->nodes[idx].str = c->buf + c->pos;
	c->doc->nodes[idx].len = (size_t)len;
	c->pos += (size_t)len;
	return idx;
}

static int64_t
parse_int(struct ben_ctx *c)
{
	bool neg = false;
	uint64_t v;
	int64_t idx;

	c->pos++; /* 'i' */
	if (c->pos < c->len && c->buf[c->pos] == '-') {
		neg = true;
		c->pos++;
	}
	if (read_uint(c, 'e', neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v) < 0)
		return -1;
	if (neg && v == 0) {
		fail(c, -EINVAL, "negative zero");
		return -1;
	}
	idx = new_node(c, BEN_INT);
	if (idx < 0)
		return -1;
	c->doc->nodes[idx].num = neg ? (int64_t)(0 - v) : (int64_t)v;
	return idx;
}

static bool
str_same(const struct ben_node *a, const struct ben_node *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

static int64_t
parse_container(struct ben_ctx *c, unsigned depth, uint8_t type)
{
	int64_t idx = new_node(c, type);
	uint32_t last = BEN_NONE;
	unsigned k = 0;

	if (idx < 0)
		return -1;
	c->pos++; /* 'l' or 'd' */
	for (;;) {
		int64_t child;

		if (c->pos >= c->len) {
			fail(c, -EINVAL, "unterminated %s", type == BEN_DICT ? "dict" : "list");
			return -1;
		}
		if (c->buf[c->pos] == 'e') {
			c->pos++;
			break;
		}
		if (type == BEN_DICT && (k & 1) == 0) {
			if (c->buf[c->pos] < '0' || c->buf[c->pos] > '9') {
				fail(c, -EINVAL, "dict key must be a string");
				return -1;
			}
			child = parse_str(c);
		} else {
			child = parse_value(c, depth + 1);
		}
		if (child < 0)
			return -1;
		if (type == BEN_DICT && (k & 1) == 0) {
			/* A repeated key would make the message ambiguous. */
			for (uint32_t i = c->doc->nodes[idx].first; i != BEN_NONE;
			     i = c->doc->nodes[c->doc->nodes[i].next].next)
				if (str_same(&c->doc->nodes[i], &c->doc->nodes[child])) {
					fail(c, -EINVAL, "duplicate key '%.*s'",
					     (int)(c->doc->nodes[child].len > 40 ? 40 :
						   c->doc->nodes[child].len),
					     c->doc->nodes[child].str);
					return -1;
				}
		}
		if (last == BEN_NONE)
			c->doc->nodes[idx].first = (uint32_t)child;
		else
			c->doc->nodes[last].next = (uint32_t)child;
		last = (uint32_t)child;
		k++;
	}
	if (type == BEN_DICT && (k & 1)) {
		fail(c, -EINVAL, "dict key without a value");
		return -1;
	}
	c->doc->nodes[idx].count = type == BEN_DICT ? k / 2 : k;
	return idx;
}

static int64_t
parse_value(struct ben_ctx *c, unsigned depth)
{
	char ch;

	if (depth > BEN_MAX_DEPTH) {
		fail(c, -E2BIG, "nested deeper than %d", BEN_MAX_DEPTH);
		return -1;
	}
	if (c->pos >= c->len) {
		fail(c, -EINVAL, "value expected, got end of message");
		return -1;
	}
	ch = c->buf[c->pos];
	if (ch == 'i')
		return parse_int(c);
	if (ch == 'l')
		return parse_container(c, depth, BEN_LIST);
	if (ch == 'd')
		return parse_container(c, depth, BEN_DICT);
	if (ch >= '0' && ch <= '9')
		return parse_str(c);
	fail(c, -EINVAL, "unexpected byte 0x%02x", (unsigned char)ch);
	return -1;
}

int
ben_decode(struct ben_doc *doc, const char *buf, size_t len, char *err, size_t errlen)
{
	struct ben_ctx c = { .doc = doc, .buf = buf, .len = len, .err = err,
			     .errlen = errlen };

	if (err && errlen)
		err[0] = '\0';
	doc->n = 0;
	if (doc->cap == 0)
		return fail(&c, -E2BIG, "no room for values");
	if (parse_value(&c, 0) < 0)
		return c.rc;
	if (c.pos != len)
		return fail(&c, -EINVAL, "%zu trailing bytes after the value", len - c.pos);
	return 0;
}

const struct ben_node *
ben_next(const struct ben_doc *doc, const struct ben_node *parent, const struct ben_node *n)
{
	uint32_t i = n ? n->next : parent->first;

	return i == BEN_NONE ? NULL : &doc->nodes[i];
}

bool
ben_str_eq(const struct ben_node *n, const char *s)
{
	size_t l = strlen(s);

	return n != NULL && n->type == BEN_STR && n->len == l && memcmp(n->str, s, l) == 0;
}

const struct ben_node *
ben_dict_get(const struct ben_doc *doc, const struct ben_node *dict, const char *key)
{
	const struct ben_node *k;

	if (dict == NULL || dict->type != BEN_DICT)
		return NULL;
	for (k = ben_next(doc, dict, NULL); k != NULL; k = ben_next(doc, dict, ben_next(doc, dict, k)))
		if (ben_str_eq(k, key))
			return ben_next(doc, dict, k);
	return NULL;
}

const struct ben_node *
ben_dict_str(const struct ben_doc *doc, const struct ben_node *dict, const char *key)
{
	const struct ben_node *v = ben_dict_get(doc, dict, key);

	return v != NULL && v->type == BEN_STR ? v : NULL;
}

bool
ben_dict_int(const struct ben_doc *doc, const struct ben_node *dict, const char *key,
	     int64_t *out)
{
	const struct ben_node *v = ben_dict_get(doc, dict, key);

	if (v == NULL || v->type != BEN_INT)
		return false;
	*out = v->num;
	return true;
}

static void
put(struct ben_buf *b, const void *p, size_t n)
{
	if (b->overflow || n > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void
ben_put_str(struct ben_buf *b, const char *s, size_t len)
{
	char hdr[24];
	int n = snprintf(hdr, sizeof(hdr), "%zu:", len);

	put(b, hdr, (size_t)n);
	put(b, s, len);
}

void
ben_put_cstr(struct ben_buf *b, const char *s)
{
	ben_put_str(b, s, strlen(s));
}

void
ben_put_int(struct ben_buf *b, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "i%" PRId64 "e", v);

	put(b, tmp, (size_t)n);
}

void ben_put_dict(struct ben_buf *b) { put(b, "d", 1); }
void ben_put_list(struct ben_buf *b) { put(b, "l", 1); }
void ben_put_end(struct ben_buf *b) { put(b, "e", 1); }

void
ben_put_node(struct ben_buf *b, const struct ben_doc *doc, const struct ben_node *n)
{
	const struct ben_node *c;

	switch (n->type) {
	case BEN_INT:
		ben_put_int(b, n->num);
		return;
	case BEN_STR:
		ben_put_str(b, n->str, n->len);
		return;
	case BEN_LIST:
	case BEN_DICT:
		put(b, n->type == BEN_LIST ? "l" : "d", 1);
		for (c = ben_next(doc, n, NULL); c != NULL; c = ben_next(doc, n, c))
			ben_put_node(b, doc, c);
		ben_put_end(b);
		return;
	default:
		return;
	}
}
