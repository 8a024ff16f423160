/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG framing, command names, error replies and the reply cache (see ng.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ng.h"

static const char *const cmd_names[] = {
	[NG_CMD_UNKNOWN] = "unknown",
#define X(id, name) [NG_CMD_##id] = name,
	NG_COMMANDS(X)
#undef X
};

const char *
ng_cmd_name(enum ng_cmd c)
{
	if ((size_t)c >= sizeof(cmd_names) / sizeof(cmd_names[0]))
		return "unknown";
	return cmd_names[c];
}

static int
seterr(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

int
ng_split(const char *msg, size_t len, const char **cookie, size_t *cookie_len,
	 const char **payload, size_t *payload_len, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < len && i <= NG_COOKIE_MAX; i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch == ' ')
			break;
		if (ch < 0x21 || ch > 0x7e)
			return seterr(err, errlen, "cookie holds a non-printable byte");
	}
	if (i == 0)
		return seterr(err, errlen, "message does not start with a cookie");
	if (i > NG_COOKIE_MAX)
		return seterr(err, errlen, "cookie longer than 64 bytes");
	if (i == len)
		return seterr(err, errlen, "no space after the cookie");
	if (i + 1 == len)
		return seterr(err, errlen, "empty message after the cookie");
	*cookie = msg;
	*cookie_len = i;
	*payload = msg + i + 1;
	*payload_len = len - i - 1;
	return 0;
}

enum ng_cmd
ng_command(const struct ben_doc *doc, const struct ben_node *dict)
{
	const struct ben_node *c = ben_dict_str(doc, dict, "command");

	if (c == NULL)
		return NG_CMD_UNKNOWN;
	for (size_t i = 1; i < sizeof(cmd_names) / sizeof(cmd_names[0]); i++)
		if (ben_str_eq(c, cmd_names[i]))
			return (enum ng_cmd)i;
	return NG_CMD_UNKNOWN;
}

void
ng_reply_start(struct ben_buf *b, const char *cookie, size_t cookie_len)
{
	if (b->overflow || cookie_len + 1 > b->cap - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, cookie, cookie_len);
	b->len += cookie_len;
	b->p[b->len++] = ' ';
}

void
ng_reply_error(struct ben_buf *b, const char *cookie, size_t cookie_len, const char *reason)
{
	ng_reply_start(b, cookie, cookie_len);
	ben_put_dict(b);
	ben_put_cstr(b, "result");
	ben_put_cstr(b, "error");
	ben_put_cstr(b, "error-reason");
	ben_put_cstr(b, reason);
	ben_put_end(b);
}

/* ---- reply cache ---- */

#define NG_PEER_MAX 112  /* fits sockaddr_un */

struct ng_entry {
	bool used;
	uint8_t peer_len;
	uint8_t cookie_len;
	uint8_t peer[NG_PEER_MAX];
	char cookie[NG_COOKIE_MAX];
	uint64_t at_ms;
	char *reply;
	size_t len;
};

struct ng_cache {
	struct ng_entry *e;
	unsigned n;
	uint32_t ttl_ms;
};

int
ng_cache_create(struct ng_cache **out, unsigned entries, uint32_t ttl_ms)
{
	struct ng_cache *c;

	if (entries == 0)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->e = calloc(entries, sizeof(*c->e));
	if (c->e == NULL) {
		free(c);
		return -ENOMEM;
	}
	c->n = entries;
	c->ttl_ms = ttl_ms;
	*out = c;
	return 0;
}

void
ng_cache_free(struct ng_cache *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < c->n; i++)
		free(c->e[i].reply);
	free(c->e);
	free(c);
}

static unsigned
slot_of(const struct ng_cache *c, const void *peer, size_t peer_len,
	const char *cookie, size_t cookie_len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < peer_len; i++)
		h = (h ^ ((const uint8_t *)peer)[i]) * 16777619u;
	for (size_t i = 0; i < cookie_len; i++)
		h = (h ^ (uint8_t)cookie[i]) * 16777619u;
	return h % c->n;
}

/* Probe window: a small set-associative cache, no unbounded chains. */
#define NG_WAYS 8

static bool
match(const struct ng_entry *e, const void *peer, size_t peer_len,
      const char *cookie, size_t cookie_len)
{
	return e->used && e->peer_len == peer_len && e->cookie_len == cookie_len &&
	       memcmp(e->peer, peer, peer_len) == 0 && memcmp(e->cookie, cookie, cookie_len) == 0;
}

const char *
ng_cache_get(struct ng_cache *c, const void *peer, size_t peer_len, const char *cookie,
	     size_t cookie_len, uint64_t now_ms, size_t *len)
{
	unsigned s;

	if (peer_len > NG_PEER_MAX || cookie_len > NG_COOKIE_MAX)
		return NULL;
	s = slot_of(c, peer, peer_len, cookie, cookie_len);
	for (unsigned k = 0; k < NG_WAYS && k < c->n; k++) {
		struct ng_entry *e = &c->e[(s + k) % c->n];

		if (!match(e, peer, peer_len, cookie, cookie_len))
			continue;
		if (now_ms - e->at_ms > c->ttl_ms)
			return NULL;
		*len = e->len;
		return e->reply;
	}
	return NULL;
}

int
ng_cache_put(struct ng_cache *c, const void *peer, size_t peer_len, const char *cookie,
	     size_t cookie_len, const char *reply, size_t len, uint64_t now_ms)
{
	struct ng_entry *victim = NULL;
	unsigned s;
	char *copy;

	if (peer_len > NG_PEER_MAX || cookie_len > NG_COOKIE_MAX || cookie_len == 0)
		return -EINVAL;
	s = slot_of(c, peer, peer_len, cookie, cookie_len);
	for (unsigned k = 0; k < NG_WAYS && k < c->n; k++) {
		struct ng_entry *e = &c->e[(s + k) % c->n];

		if (match(e, peer, peer_len, cookie, cookie_len) || !e->used) {
			victim = e;
			break;
		}
		if (victim == NULL || e->at_ms < victim->at_ms)
			victim = e; /* oldest in the window */
	}
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, reply, len);
	free(victim->reply);
	victim->used = true;
	victim->peer_len = (uint8_t)peer_len;
	victim->cookie_len = (uint8_t)cookie_len;
	memcpy(victim->peer, peer, peer_len);
	memcpy(victim->cookie, cookie, cookie_len);
	victim->at_ms = now_ms;
	victim->reply = copy;
	victim->len = len;
	return 0;
}
