/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * YAML schema loader: walks a libyaml document tree against a table of
 * struct cfg_field and fills C structs. Control path only (boot, reload).
 * It never trusts the file: every scalar is range-checked, unknown and
 * duplicate keys are errors, and all errors carry line and column.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

#define CFG_PATH_MAX 256

struct cfg_ctx {
	const char *file;
	yaml_document_t *doc;
	char *err;
	size_t errlen;
	size_t used;
	unsigned nerr;
	unsigned long visits;
	bool too_complex;
};

/* YAML aliases share nodes, so a tiny file can name a huge tree. */
#define CFG_MAX_VISITS 200000ul
#define CFG_MAX_FILE (4ul << 20)


static void
verrorf(struct cfg_ctx *ctx, unsigned line, unsigned col, const char *path,
	const char *fmt, va_list ap)
{
	int n;

	ctx->nerr++;
	if (ctx->err == NULL || ctx->used + 1 >= ctx->errlen)
		return;
	n = snprintf(ctx->err + ctx->used, ctx->errlen - ctx->used,
		     "%s:%u:%u: %s: ", ctx->file, line, col,
		     path[0] ? path : "(top)");
	if (n < 0)
		return;
	ctx->used += (size_t)n;
	if (ctx->used + 1 >= ctx->errlen) {
		ctx->used = ctx->errlen - 1;
		return;
	}
	n = vsnprintf(ctx->err + ctx->used, ctx->errlen - ctx->used, fmt, ap);
	if (n < 0)
		return;
	ctx->used += (size_t)n;
	if (ctx->used + 2 >= ctx->errlen) {
		ctx->used = ctx->errlen - 1;
		return;
	}
	ctx->err[ctx->used++] = '\n';
	ctx->err[ctx->used] = '\0';
}

void
cfg_errorf(struct cfg_ctx *ctx, const yaml_node_t *node, const char *path,
	   const char *fmt, ...)
{
	va_list ap;
	unsigned line = 1, col = 1;

	if (node != NULL) {
		line = (unsigned)node->start_mark.line + 1;
		col = (unsigned)node->start_mark.column + 1;
	}
	va_start(ap, fmt);
	verrorf(ctx, line, col, path, fmt, ap);
	va_end(ap);
}

void
cfg_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(buf, len, fmt, ap) < 0 && len > 0)
		buf[0] = '\0';
	va_end(ap);
}

static const char *
scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

yaml_node_t *
cfg_map_get(struct cfg_ctx *ctx, yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(ctx->doc, p->key);

		if (k != NULL && k->type == YAML_SCALAR_NODE &&
		    strcmp(scalar(k), key) == 0)
			return yaml_document_get_node(ctx->doc, p->value);
	}
	return NULL;
}

yaml_node_t *
cfg_node_at(struct cfg_ctx *ctx, const char *path)
{
	yaml_node_t *n = yaml_document_get_root_node(ctx->doc);
	const char *s = path;
	char key[64];

	while (n != NULL && *s) {
		if (*s == '.') {
			s++;
			continue;
		}
		if (*s == '[') {
			char *end;
			unsigned long i = strtoul(s + 1, &end, 10);
			yaml_node_item_t *items;

			if (*end != ']' || n->type != YAML_SEQUENCE_NODE)
				return NULL;
			items = n->data.sequence.items.start;
			if (i >= (unsigned long)(n->data.sequence.items.top - items))
				return NULL;
			n = yaml_document_get_node(ctx->doc, items[i]);
			s = end + 1;
			continue;
		}
		size_t len = strcspn(s, ".[");
		if (len >= sizeof(key))
			return NULL;
		memcpy(key, s, len);
		key[len] = '\0';
		n = cfg_map_get(ctx, n, key);
		s += len;
	}
	return n;
}

int
cfg_parse_ip4(const char *s, bool want_prefix, struct cfg_ip4 *out)
{
	char buf[INET_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a;
	unsigned long plen = 32;

	if (alen == 0 || alen >= INET_ADDRSTRLEN || (slash != NULL) != want_prefix)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	if (slash != NULL) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		plen = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || plen > 32)
			return -EINVAL;
	}
	out->addr = a.s_addr;
	out->plen = (uint8_t)plen;
	out->set = true;
	return 0;
}

int
cfg_parse_ip6(const char *s, bool want_prefix, struct cfg_ip6 *out)
{
	char buf[INET6_ADDRSTRLEN + 4];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in6_addr a;
	unsigned long plen = 128;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN || (slash != NULL) != want_prefix)
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET6, buf, &a) != 1)
		return -EINVAL;
	if (slash != NULL) {
		char *end;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		plen = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || plen > 128)
			return -EINVAL;
	}
	memcpy(out->addr, &a, 16);
	out->plen = (uint8_t)plen;
	out->set = true;
	return 0;
}

static const char *
type_name(enum cfg_ftype t)
{
	switch (t) {
	case CFG_T_STR: return "a string";
	case CFG_T_UINT: return "an unsigned integer";
	case CFG_T_BOOL: return "true or false";
	case CFG_T_ENUM: return "one of the listed names";
	case CFG_T_FLAGS: return "a list of names";
	case CFG_T_IP4: return "an IPv4 address";
	case CFG_T_IP4PFX: return "an IPv4 address/prefix";
	case CFG_T_IP6: return "an IPv6 address";
	case CFG_T_IP6PFX: return "an IPv6 address/prefix";
	case CFG_T_STRLIST: return "a list of strings";
	case CFG_T_MAP: return "a mapping";
	case CFG_T_LIST: return "a list";
	}
	return "?";
}

static void
names_list(const char *const *names, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; names[i] != NULL && used + 1 < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
				 names[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int
name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static void load_map(struct cfg_ctx *ctx, yaml_node_t *map,
		     const struct cfg_field *fields, cfg_check_h check,
		     void *obj, const char *path);

static bool
parse_uint(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return false;
	*out = v;
	return true;
}

static void
load_field(struct cfg_ctx *ctx, const struct cfg_field *f, yaml_node_t *n,
	   void *obj, const char *path)
{
	char *p = (char *)obj + f->off;
	char buf[256];

	if (++ctx->visits > CFG_MAX_VISITS) {
		if (!ctx->too_complex)
			cfg_errorf(ctx, n, path, "document too large or too deeply aliased");
		ctx->too_complex = true;
		return;
	}
	switch (f->type) {
	case CFG_T_MAP:
		if (n->type != YAML_MAPPING_NODE) {
			cfg_errorf(ctx, n, path, "must be %s", type_name(f->type));
			return;
		}
		load_map(ctx, n, f->sub, f->check, p, path);
		return;
	case CFG_T_LIST: {
		yaml_node_item_t *it;
		size_t cnt, i;
		char *arr;

		if (n->type != YAML_SEQUENCE_NODE) {
			cfg_errorf(ctx, n, path, "must be %s", type_name(f->type));
			return;
		}
		cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
		if (f->max > 0 && cnt > (size_t)f->max) {
			cfg_errorf(ctx, n, path, "at most %" PRId64 " entries allowed, got %zu",
				   f->max, cnt);
			return;
		}
		if ((int64_t)cnt < f->min) {
			cfg_errorf(ctx, n, path, "at least %" PRId64 " entries required",
				   f->min);
			return;
		}
		arr = calloc(cnt ? cnt : 1, f->elem_size);
		if (arr == NULL) {
			cfg_errorf(ctx, n, path, "out of memory");
			return;
		}
		*(char **)p = arr;
		*(uint32_t *)((char *)obj + f->count_off) = (uint32_t)cnt;
		for (i = 0, it = n->data.sequence.items.start; i < cnt; i++, it++) {
			yaml_node_t *e = yaml_document_get_node(ctx->doc, *it);
			char sub[CFG_PATH_MAX];

			cfg_pathf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (e == NULL || e->type != YAML_MAPPING_NODE) {
				cfg_errorf(ctx, e, sub, "list entry must be a mapping");
				continue;
			}
			load_map(ctx, e, f->sub, f->check, arr + i * f->elem_size, sub);
		}
		return;
	}
	case CFG_T_STRLIST:
	case CFG_T_FLAGS: {
		yaml_node_item_t *it;
		size_t cnt, i;
		char **arr = NULL;
		uint32_t mask = 0;

		if (n->type != YAML_SEQUENCE_NODE) {
			cfg_errorf(ctx, n, path, "must be %s", type_name(f->type));
			return;
		}
		cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
		if (f->max > 0 && cnt > (size_t)f->max) {
			cfg_errorf(ctx, n, path, "at most %" PRId64 " entries allowed", f->max);
			return;
		}
		if (f->type == CFG_T_STRLIST) {
			arr = calloc(cnt + 1, sizeof(*arr));
			if (arr == NULL) {
				cfg_errorf(ctx, n, path, "out of memory");
				return;
			}
			*(char ***)p = arr;
			*(uint32_t *)((char *)obj + f->count_off) = (uint32_t)cnt;
		}
		for (i = 0, it = n->data.sequence.items.start; i < cnt; i++, it++) {
			yaml_node_t *e = yaml_document_get_node(ctx->doc, *it);
			char sub[CFG_PATH_MAX];
			int idx;

			cfg_pathf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (e == NULL || e->type != YAML_SCALAR_NODE) {
				cfg_errorf(ctx, e, sub, "must be a string");
				continue;
			}
			if (f->type == CFG_T_STRLIST) {
				arr[i] = strdup(scalar(e));
				continue;
			}
			idx = name_index(f->names, scalar(e));
			if (idx < 0) {
				names_list(f->names, buf, sizeof(buf));
				cfg_errorf(ctx, e, sub, "unknown value '%s' (expected one of: %s)",
					   scalar(e), buf);
				continue;
			}
			if (mask & (1u << idx))
				cfg_errorf(ctx, e, sub, "'%s' given twice", scalar(e));
			mask |= 1u << idx;
		}
		if (f->type == CFG_T_FLAGS)
			*(uint32_t *)p = mask;
		return;
	}
	default:
		break;
	}

	if (n->type != YAML_SCALAR_NODE) {
		cfg_errorf(ctx, n, path, "must be %s", type_name(f->type));
		return;
	}
	const char *s = scalar(n);

	switch (f->type) {
	case CFG_T_STR:
		if (s[0] == '\0') {
			cfg_errorf(ctx, n, path, "must not be empty");
			return;
		}
		if (f->max > 0 && strlen(s) > (size_t)f->max) {
			cfg_errorf(ctx, n, path, "longer than %" PRId64 " characters", f->max);
			return;
		}
		free(*(char **)p);
		*(char **)p = strdup(s);
		return;
	case CFG_T_UINT: {
		uint64_t v;

		if (!parse_uint(s, &v)) {
			cfg_errorf(ctx, n, path, "'%s' is not %s", s, type_name(f->type));
			return;
		}
		if ((int64_t)v < f->min || (f->max > 0 && v > (uint64_t)f->max)) {
			cfg_errorf(ctx, n, path, "%s is out of range %" PRId64 "..%" PRId64,
				   s, f->min, f->max);
			return;
		}
		*(uint32_t *)p = (uint32_t)v;
		return;
	}
	case CFG_T_BOOL:
		if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on"))
			*(bool *)p = true;
		else if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off"))
			*(bool *)p = false;
		else
			cfg_errorf(ctx, n, path, "'%s' is not %s", s, type_name(f->type));
		return;
	case CFG_T_ENUM: {
		int idx = name_index(f->names, s);

		if (idx < 0) {
			names_list(f->names, buf, sizeof(buf));
			cfg_errorf(ctx, n, path, "unknown value '%s' (expected one of: %s)",
				   s, buf);
			return;
		}
		*(uint32_t *)p = (uint32_t)idx;
		return;
	}
	case CFG_T_IP4:
	case CFG_T_IP4PFX:
		if (cfg_parse_ip4(s, f->type == CFG_T_IP4PFX, (struct cfg_ip4 *)p) < 0)
			cfg_errorf(ctx, n, path, "'%s' is not %s", s, type_name(f->type));
		return;
	case CFG_T_IP6:
	case CFG_T_IP6PFX:
		if (cfg_parse_ip6(s, f->type == CFG_T_IP6PFX, (struct cfg_ip6 *)p) < 0)
			cfg_errorf(ctx, n, path, "'%s' is not %s", s, type_name(f->type));
		return;
	default:
		return;
	}
}

static void
apply_default(const struct cfg_field *f, void *obj)
{
	char *p = (char *)obj + f->off;

	switch (f->type) {
	case CFG_T_UINT:
	case CFG_T_ENUM:
	case CFG_T_FLAGS:
		*(uint32_t *)p = (uint32_t)f->def;
		break;
	case CFG_T_BOOL:
		*(bool *)p = f->def != 0;
		break;
	default:
		break;
	}
}

/* An absent optional mapping still gets the defaults of its fields. */
static void
apply_defaults(const struct cfg_field *fields, void *obj)
{
	for (const struct cfg_field *f = fields; f->key != NULL; f++) {
		if (f->type == CFG_T_MAP)
			apply_defaults(f->sub, (char *)obj + f->off);
		else
			apply_default(f, obj);
	}
}

static void
load_map(struct cfg_ctx *ctx, yaml_node_t *map, const struct cfg_field *fields,
	 cfg_check_h check, void *obj, const char *path)
{
	yaml_node_pair_t *pr;
	const struct cfg_field *f;
	uint64_t seen = 0;
	char sub[CFG_PATH_MAX];
	unsigned nerr_before = ctx->nerr;

	apply_defaults(fields, obj);

	for (pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(ctx->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(ctx->doc, pr->value);
		unsigned idx;

		if (k == NULL || v == NULL || k->type != YAML_SCALAR_NODE) {
			cfg_errorf(ctx, k, path, "keys must be plain strings");
			continue;
		}
		cfg_pathf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", scalar(k));
		for (f = fields, idx = 0; f->key != NULL; f++, idx++)
			if (strcmp(f->key, scalar(k)) == 0)
				break;
		if (f->key == NULL) {
			char known[512];
			size_t used = 0;

			known[0] = '\0';
			for (const struct cfg_field *g = fields; g->key && used + 1 < sizeof(known); g++) {
				int n = snprintf(known + used, sizeof(known) - used, "%s%s",
						 g == fields ? "" : ", ", g->key);
				if (n < 0)
					break;
				used += (size_t)n;
			}
			cfg_errorf(ctx, k, sub, "unknown key (known keys: %s)", known);
			continue;
		}
		if (seen & (1ull << idx)) {
			cfg_errorf(ctx, k, sub, "duplicate key");
			continue;
		}
		seen |= 1ull << idx;
		/* An empty value ("key:") is YAML null; treat it as absent. */
		if (v->type == YAML_SCALAR_NODE && v->data.scalar.length == 0 &&
		    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    f->type != CFG_T_STR) {
			if (f->flags & CFG_F_REQUIRED)
				cfg_errorf(ctx, v, sub, "required value is empty");
			continue;
		}
		load_field(ctx, f, v, obj, sub);
	}
	for (f = fields; f->key != NULL; f++) {
		if ((f->flags & CFG_F_REQUIRED) && !(seen & (1ull << (f - fields)))) {
			cfg_pathf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", f->key);
			cfg_errorf(ctx, map, sub, "missing required key");
		}
	}
	/* Cross-field checks on a map with broken fields only add noise. */
	if (check != NULL && ctx->nerr == nerr_before)
		check(ctx, map, path, obj);
}

int
cfg_schema_load(const char *path, const struct cfg_field *root,
		cfg_check_h root_check, void *obj, char *err, size_t errlen)
{
	struct cfg_ctx ctx = { .file = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *top;
	FILE *fp;
	int ret = 0;

	if (err && errlen)
		err[0] = '\0';
	fp = fopen(path, "rb");
	if (fp == NULL) {
		ret = -errno;
		if (err && errlen)
			snprintf(err, errlen, "%s: cannot open: %s\n", path, strerror(errno));
		return ret;
	}
	if (fseek(fp, 0, SEEK_END) == 0 && ftell(fp) > (long)CFG_MAX_FILE) {
		if (err && errlen)
			snprintf(err, errlen, "%s:1:1: (file): larger than %lu bytes\n",
				 path, CFG_MAX_FILE);
		fclose(fp);
		return -EFBIG;
	}
	rewind(fp);
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return -ENOMEM;
	}
	yaml_parser_set_input_file(&parser, fp);
	if (!yaml_parser_load(&parser, &doc)) {
		if (err && errlen)
			snprintf(err, errlen, "%s:%zu:%zu: (yaml): %s%s%s\n", path,
				 parser.problem_mark.line + 1,
				 parser.problem_mark.column + 1,
				 parser.problem ? parser.problem : "syntax error",
				 parser.context ? " " : "",
				 parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		fclose(fp);
		return -EINVAL;
	}
	ctx.doc = &doc;
	top = yaml_document_get_root_node(&doc);
	if (top == NULL) {
		cfg_errorf(&ctx, NULL, "", "the file holds no YAML document");
	} else if (top->type != YAML_MAPPING_NODE) {
		cfg_errorf(&ctx, top, "", "the document must be a mapping");
	} else {
		load_map(&ctx, top, root, NULL, obj, "");
		/* Cross-section checks only make sense on a structurally sound file. */
		if (ctx.nerr == 0 && root_check != NULL)
			root_check(&ctx, top, "", obj);
	}
	if (ctx.nerr > 0)
		ret = -EINVAL;
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	fclose(fp);
	return ret;
}

void
cfg_schema_free(const struct cfg_field *root, void *obj)
{
	const struct cfg_field *f;

	if (obj == NULL)
		return;
	for (f = root; f->key != NULL; f++) {
		char *p = (char *)obj + f->off;

		switch (f->type) {
		case CFG_T_STR:
			free(*(char **)p);
			*(char **)p = NULL;
			break;
		case CFG_T_STRLIST: {
			char **arr = *(char ***)p;
			uint32_t cnt = *(uint32_t *)((char *)obj + f->count_off);

			for (uint32_t i = 0; arr && i < cnt; i++)
				free(arr[i]);
			free(arr);
			*(char ***)p = NULL;
			break;
		}
		case CFG_T_MAP:
			cfg_schema_free(f->sub, p);
			break;
		case CFG_T_LIST: {
			char *arr = *(char **)p;
			uint32_t cnt = *(uint32_t *)((char *)obj + f->count_off);

			for (uint32_t i = 0; arr && i < cnt; i++)
				cfg_schema_free(f->sub, arr + i * f->elem_size);
			free(arr);
			*(char **)p = NULL;
			break;
		}
		default:
			break;
		}
	}
}
