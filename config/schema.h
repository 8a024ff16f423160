/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Declarative YAML schema: one table of fields drives loading a YAML
 * document into C structs, defaults, range checks and error positions.
 * Runs at boot and on config reload (control path); never on a worker lcore.
 * Every error is reported as "file:line:column: key: reason" and loading
 * goes on after an error so one run shows all of them.
 */
#ifndef CFG_SCHEMA_H
#define CFG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

enum cfg_ftype {
	CFG_T_STR,      /* char * (strdup), NULL when absent */
	CFG_T_UINT,     /* uint32_t, range min..max */
	CFG_T_BOOL,     /* bool */
	CFG_T_ENUM,     /* uint32_t index into names[] */
	CFG_T_FLAGS,    /* uint32_t bitmask: a YAML list of names[] */
	CFG_T_IP4,      /* struct cfg_ip4, "a.b.c.d" */
	CFG_T_IP4PFX,   /* struct cfg_ip4, "a.b.c.d/len" */
	CFG_T_IP6,      /* struct cfg_ip6 */
	CFG_T_IP6PFX,   /* struct cfg_ip6, "addr/len" */
	CFG_T_STRLIST,  /* char ** + count at count_off */
	CFG_T_MAP,      /* nested struct at off, fields in sub[] */
	CFG_T_LIST,     /* array of structs (elem_size) + count at count_off */
};

#define CFG_F_REQUIRED  (1u << 0)
#define CFG_F_RUNTIME   (1u << 1) /* reloadable without restart */
#define CFG_F_SECRET    (1u << 2) /* never shown back (passwords) */

struct cfg_ip4 {
	uint32_t addr;  /* network byte order */
	uint8_t plen;
	bool set;
};

struct cfg_ip6 {
	uint8_t addr[16];
	uint8_t plen;
	bool set;
};

struct cfg_ctx;

/* Table rows: a field named as its struct member, one with another key,
 * and the terminator. */
#define CFG_FIELD(st, k, t, fl, ...) { .key = #k, .type = t, .flags = fl, \
	.off = offsetof(struct st, k), __VA_ARGS__ }
#define CFG_FIELD_KEY(st, k, member, t, fl, ...) { .key = k, .type = t, .flags = fl, \
	.off = offsetof(struct st, member), __VA_ARGS__ }
#define CFG_FIELD_END { .key = NULL }

/* Cross-field check of one map after its fields were loaded. */
typedef void (*cfg_check_h)(struct cfg_ctx *ctx, yaml_node_t *map,
			    const char *path, void *obj);

struct cfg_field {
	const char *key;
	enum cfg_ftype type;
	uint32_t flags;
	size_t off;
	int64_t min, max;          /* UINT range; LIST max elements */
	int64_t def;               /* UINT/BOOL/ENUM default */
	const char *const *names;  /* ENUM/FLAGS, NULL-terminated */
	const struct cfg_field *sub; /* MAP/LIST, terminated by key NULL */
	size_t elem_size;          /* LIST */
	size_t count_off;          /* LIST/STRLIST: uint32_t count */
	cfg_check_h check;         /* MAP/LIST element */
	const char *help;
};

/*
 * Load @path against @root into @obj (zeroed by the caller).
 * Returns 0, or -EINVAL with one line per error appended to @err
 * (NUL-terminated, truncated to @errlen), or -errno if the file cannot
 * be read.
 */
int cfg_schema_load(const char *path, const struct cfg_field *root,
		    cfg_check_h root_check, void *obj, char *err, size_t errlen);

/* Frees every string and list the loader allocated inside @obj. */
void cfg_schema_free(const struct cfg_field *root, void *obj);

/* For check functions: report an error at @node (or the map if NULL). */
void cfg_errorf(struct cfg_ctx *ctx, const yaml_node_t *node,
		const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* For check functions: the value node of @key in mapping @map, or NULL. */
yaml_node_t *cfg_map_get(struct cfg_ctx *ctx, yaml_node_t *map,
			 const char *key);

/* For check functions: the node at a dotted path ("a.b[2].c"), or NULL. */
yaml_node_t *cfg_node_at(struct cfg_ctx *ctx, const char *path);

/* Formats a key path into @buf, truncating quietly (paths are for
 * messages only). */
void cfg_pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Parses "a.b.c.d[/len]" / IPv6 text; 0 or -EINVAL. */
int cfg_parse_ip4(const char *s, bool want_prefix, struct cfg_ip4 *out);
int cfg_parse_ip6(const char *s, bool want_prefix, struct cfg_ip6 *out);

/* ---- walks over loaded configs (schema_walk.c) ---- */

typedef void (*cfg_diff_h)(void *arg, const char *path);
/* Calls @cb with the key path ("control.sip.listen") of every boot-only
 * setting (not under a CFG_F_RUNTIME field) that differs between @a and
 * @b; returns how many. */
unsigned cfg_schema_diff_boot(const struct cfg_field *root, const void *a, const void *b,
			      cfg_diff_h cb, void *arg);
/* Swaps every boot-only value between @a and @b, so that @b keeps the
 * running boot settings and @a (about to be freed) takes the others. */
void cfg_schema_swap_boot(const struct cfg_field *root, void *a, void *b);
/* The settings as one JSON object (CFG_F_SECRET values masked). */
struct jw;
void cfg_schema_json(const struct cfg_field *root, const void *obj, struct jw *w);

#endif
