/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bencode (the NG control protocol's encoding): a zero-copy decoder into a
 * caller-sized node array, and a bounded encoder. Shared by callplane-dp
 * (NG server) and callplane-cp (NG client). Control path only: never on a
 * worker lcore. The decoder trusts nothing: every length is checked
 * against the buffer, depth and node count are bounded, integers are
 * range-checked, and errors say "offset N: what".
 */
#ifndef BEN_H
#define BEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ben_type { BEN_INT = 1, BEN_STR, BEN_LIST, BEN_DICT };

#define BEN_NONE UINT32_MAX
#define BEN_MAX_DEPTH 32

/*
 * One decoded value. Strings point into the input buffer (not
 * NUL-terminated). Lists and dicts link their children through
 * first/next; a dict's children alternate key, value.
 */
struct ben_node {
	uint8_t type;          /* enum ben_type */
	uint32_t first;        /* LIST/DICT: first child, BEN_NONE if empty */
	uint32_t next;         /* next sibling, BEN_NONE at the end */
	uint32_t count;        /* LIST: items, DICT: pairs */
	const char *str;       /* STR */
	size_t len;            /* STR */
	int64_t num;           /* INT */
};

struct ben_doc {
	struct ben_node *nodes;
	uint32_t cap;
	uint32_t n;
};

/*
 * Decodes exactly one value filling all of @buf[0..@len). @doc->nodes
 * and ->cap are the caller's; the root is node 0.
 * Returns 0, -EINVAL (malformed; "offset N: reason" in @err), or -E2BIG
 * (more nodes than @doc->cap, or nesting deeper than BEN_MAX_DEPTH).
 */
int ben_decode(struct ben_doc *doc, const char *buf, size_t len,
	       char *err, size_t errlen);

/* Dict lookup by key; the value node or NULL. */
const struct ben_node *ben_dict_get(const struct ben_doc *doc,
				    const struct ben_node *dict, const char *key);

/* Typed helpers: NULL / false when absent or of another type. */
const struct ben_node *ben_dict_str(const struct ben_doc *doc,
				    const struct ben_node *dict, const char *key);
bool ben_dict_int(const struct ben_doc *doc, const struct ben_node *dict,
		  const char *key, int64_t *out);
/* True if @n is a string equal to @s. */
bool ben_str_eq(const struct ben_node *n, const char *s);

/* Iteration: the child after @n (or the first child of @parent if n is NULL). */
const struct ben_node *ben_next(const struct ben_doc *doc,
				const struct ben_node *parent,
				const struct ben_node *n);

/*
 * Bounded encoder into a caller buffer. Writes past @cap set ->overflow
 * and are dropped; check it once at the end.
 */
struct ben_buf {
	char *p;
	size_t len;
	size_t cap;
	bool overflow;
};

void ben_put_str(struct ben_buf *b, const char *s, size_t len);
void ben_put_cstr(struct ben_buf *b, const char *s);
void ben_put_int(struct ben_buf *b, int64_t v);
void ben_put_dict(struct ben_buf *b);  /* 'd' */
void ben_put_list(struct ben_buf *b);  /* 'l' */
void ben_put_end(struct ben_buf *b);   /* 'e' */
/* Re-encodes node @n (and its subtree) from @doc. */
void ben_put_node(struct ben_buf *b, const struct ben_doc *doc,
		  const struct ben_node *n);

#endif
