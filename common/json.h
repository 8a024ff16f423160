/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON (RFC 8259): a zero-copy decoder into a caller-sized node array and
 * a growing writer. The control API (JSON-RPC 2.0 over a unix socket),
 * callplanectl and the event channel use it. Control path only: never on
 * a worker lcore. The decoder trusts nothing: depth and node count are
 * bounded, strings are checked for escapes and control characters, and
 * errors say "offset N: what".
 */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_type { JSON_NULL = 1, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

#define JSON_MAX_DEPTH 32
#define JSON_NONE UINT32_MAX

/*
 * One value. Scalars point into the input (strings without their quotes,
 * still escaped). Arrays and objects link children through first/next;
 * an object's children alternate key, value.
 */
struct json_node {
	uint8_t type;          /* enum json_type */
	bool truth;            /* BOOL */
	bool escaped;          /* STR holds a backslash */
	uint32_t first, next;  /* ARR/OBJ first child; next sibling */
	uint32_t count;        /* ARR items, OBJ pairs */
	const char *p;         /* STR/NUM text */
	size_t len;
};

struct json_doc {
	struct json_node *nodes;
	uint32_t cap;
	uint32_t n;
};

/*
 * Decodes exactly one value (whitespace around it allowed) from
 * @buf[0..@len). @doc->nodes and ->cap are the caller's; the root is
 * node 0. Returns 0, -EINVAL ("offset N: reason" in @err) or -E2BIG
 * (more nodes than @doc->cap, or deeper than JSON_MAX_DEPTH).
 */
int json_parse(struct json_doc *doc, const char *buf, size_t len, char *err, size_t errlen);

/* Object member by key (exact, unescaped compare); NULL if absent. */
const struct json_node *json_get(const struct json_doc *doc, const struct json_node *obj,
				 const char *key);
/* The child after @n, or the first child of @parent when @n is NULL; in
 * an object this walks the keys (json_val gives a key's value). */
const struct json_node *json_next(const struct json_doc *doc, const struct json_node *parent,
				  const struct json_node *n);
/* The value of object key @k. */
static inline const struct json_node *
json_val(const struct json_doc *doc, const struct json_node *k)
{
	return &doc->nodes[k->next];
}
/* Unescaped string into @out (NUL-terminated). False if @n is not a
 * string, does not fit, or holds \u0000. */
bool json_str(const struct json_node *n, char *out, size_t outlen);
/* An integral number in int64 range; false otherwise. */
bool json_int(const struct json_node *n, int64_t *out);
/* Any number as a double; false if not a number. */
bool json_num(const struct json_node *n, double *out);
bool json_str_eq(const struct json_node *n, const char *s);

/*
 * Writer into a growing heap buffer. Commas are placed for the caller;
 * a failed allocation sets ->oom and later writes are dropped. Free
 * ->buf when done.
 */
struct jw {
	char *buf;
	size_t len, cap;
	bool oom;
	int depth;
	bool more[JSON_MAX_DEPTH + 1]; /* a value was written at this depth */
	bool after_key;
};

void jw_obj(struct jw *w);
void jw_arr(struct jw *w);
void jw_end(struct jw *w, char close); /* '}' or ']' */
void jw_key(struct jw *w, const char *k);
void jw_str(struct jw *w, const char *s);
void jw_strn(struct jw *w, const char *s, size_t n);
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_double(struct jw *w, double v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
/* Raw JSON text as one value (the caller vouches for it). */
void jw_raw(struct jw *w, const char *s, size_t n);
/* Re-encodes node @n (and its subtree). */
void jw_node(struct jw *w, const struct json_doc *doc, const struct json_node *n);
/* Key and value in one call. */
void jw_kstr(struct jw *w, const char *k, const char *v);
void jw_kuint(struct jw *w, const char *k, uint64_t v);
void jw_kint(struct jw *w, const char *k, int64_t v);
void jw_kbool(struct jw *w, const char *k, bool v);
void jw_free(struct jw *w);

#endif
