/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Walks over a loaded config driven by the same field table that loaded
 * it: what differs in the boot-only settings of two configs, keeping the
 * running boot-only values across a reload, and the config as JSON for
 * `config show`. Control path only (callplane-cp's loop thread).
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "schema.h"

static size_t
leaf_size(enum cfg_ftype t)
{
	switch (t) {
	case CFG_T_STR: return sizeof(char *);
	case CFG_T_UINT: case CFG_T_ENUM: case CFG_T_FLAGS: return sizeof(uint32_t);
	case CFG_T_BOOL: return sizeof(bool);
	case CFG_T_IP4: case CFG_T_IP4PFX: return sizeof(struct cfg_ip4);
	case CFG_T_IP6: case CFG_T_IP6PFX: return sizeof(struct cfg_ip6);
	default: return 0;
	}
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

static unsigned
diff(const struct cfg_field *tab, const void *a, const void *b, const char *path,
     cfg_diff_h cb, void *arg)
{
	unsigned n = 0;

	for (const struct cfg_field *f = tab; f->key; f++) {
		const char *pa = (const char *)a + f->off, *pb = (const char *)b + f->off;
		char p[256];
		bool same = true;

		if (f->flags & CFG_F_RUNTIME)
			continue;
		cfg_pathf(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", f->key);
		switch (f->type) {
		case CFG_T_STR:
			same = str_eq(*(char *const *)pa, *(char *const *)pb);
			break;
		case CFG_T_STRLIST: {
			uint32_t ca = *(const uint32_t *)((const char *)a + f->count_off);
			uint32_t cb2 = *(const uint32_t *)((const char *)b + f->count_off);

			same = ca == cb2;
			for (uint32_t i = 0; same && i < ca; i++)
				same = str_eq((*(char **const *)pa)[i], (*(char **const *)pb)[i]);
			break;
		}
		case CFG_T_MAP:
			n += diff(f->sub, pa, pb, p, cb, arg);
			continue;
		case CFG_T_LIST: {
			uint32_t ca = *(const uint32_t *)((const char *)a + f->count_off);
			uint32_t cb2 = *(const uint32_t *)((const char *)b + f->count_off);

			if (ca != cb2) {
				same = false;
				break;
			}
			for (uint32_t i = 0; i < ca; i++) {
				char pi[300];

				cfg_pathf(pi, sizeof(pi), "%s[%u]", p, i);
				n += diff(f->sub, *(char *const *)pa + i * f->elem_size,
					  *(char *const *)pb + i * f->elem_size, pi, cb, arg);
			}
			continue;
		}
		default:
			same = memcmp(pa, pb, leaf_size(f->type)) == 0;
			break;
		}
		if (!same) {
			n++;
			if (cb)
				cb(arg, p);
		}
	}
	return n;
}

unsigned
cfg_schema_diff_boot(const struct cfg_field *root, const void *a, const void *b, cfg_diff_h cb,
		     void *arg)
{
	return diff(root, a, b, "", cb, arg);
}

static void
swap_bytes(void *a, void *b, size_t n)
{
	char t[64];

	while (n) {
		size_t k = n < sizeof(t) ? n : sizeof(t);

		memcpy(t, a, k);
		memcpy(a, b, k);
		memcpy(b, t, k);
		a = (char *)a + k;
		b = (char *)b + k;
		n -= k;
	}
}

void
cfg_schema_swap_boot(const struct cfg_field *root, void *a, void *b)
{
	for (const struct cfg_field *f = root; f->key; f++) {
		char *pa = (char *)a + f->off, *pb = (char *)b + f->off;

		if (f->flags & CFG_F_RUNTIME)
			continue;
		switch (f->type) {
		case CFG_T_MAP:
			cfg_schema_swap_boot(f->sub, pa, pb);
			break;
		case CFG_T_STRLIST:
		case CFG_T_LIST:
			swap_bytes(pa, pb, sizeof(void *));
			swap_bytes((char *)a + f->count_off, (char *)b + f->count_off,
				   sizeof(uint32_t));
			break;
		default:
			swap_bytes(pa, pb, leaf_size(f->type));
			break;
		}
	}
}

static void
ip_text(const struct cfg_field *f, const char *p, char *buf, size_t len)
{
	if (f->type == CFG_T_IP4 || f->type == CFG_T_IP4PFX) {
		const struct cfg_ip4 *ip = (const void *)p;
		const uint8_t *o = (const uint8_t *)&ip->addr;

		if (!ip->set) {
			buf[0] = '\0';
			return;
		}
		if (f->type == CFG_T_IP4PFX)
			snprintf(buf, len, "%u.%u.%u.%u/%u", o[0], o[1], o[2], o[3], ip->plen);
		else
			snprintf(buf, len, "%u.%u.%u.%u", o[0], o[1], o[2], o[3]);
	} else {
		const struct cfg_ip6 *ip = (const void *)p;
		size_t n = 0;

		if (!ip->set) {
			buf[0] = '\0';
			return;
		}
		for (int i = 0; i < 16 && n < len; i += 2)
			n += (size_t)snprintf(buf + n, len - n, "%s%x", i ? ":" : "",
					      (unsigned)(ip->addr[i] << 8 | ip->addr[i + 1]));
		if (f->type == CFG_T_IP6PFX && n < len)
			snprintf(buf + n, len - n, "/%u", ip->plen);
	}
}

void
cfg_schema_json(const struct cfg_field *root, const void *obj, struct jw *w)
{
	jw_obj(w);
	for (const struct cfg_field *f = root; f->key; f++) {
		const char *p = (const char *)obj + f->off;
		char buf[64];

		jw_key(w, f->key);
		switch (f->type) {
		case CFG_T_STR:
			if (*(char *const *)p == NULL)
				jw_null(w);
			else
				jw_str(w, (f->flags & CFG_F_SECRET) ? "********" : *(char *const *)p);
			break;
		case CFG_T_UINT:
			jw_uint(w, *(const uint32_t *)p);
			break;
		case CFG_T_BOOL:
			jw_bool(w, *(const bool *)p);
			break;
		case CFG_T_ENUM:
			jw_str(w, f->names[*(const uint32_t *)p]);
			break;
		case CFG_T_FLAGS:
			jw_arr(w);
			for (uint32_t i = 0; f->names[i]; i++)
				if (*(const uint32_t *)p & (1u << i))
					jw_str(w, f->names[i]);
			jw_end(w, ']');
			break;
		case CFG_T_IP4: case CFG_T_IP4PFX: case CFG_T_IP6: case CFG_T_IP6PFX:
			ip_text(f, p, buf, sizeof(buf));
			if (buf[0])
				jw_str(w, buf);
			else
				jw_null(w);
			break;
		case CFG_T_STRLIST: {
			uint32_t cnt = *(const uint32_t *)((const char *)obj + f->count_off);

			jw_arr(w);
			for (uint32_t i = 0; i < cnt; i++)
				jw_str(w, (*(char **const *)p)[i]);
			jw_end(w, ']');
			break;
		}
		case CFG_T_MAP:
			cfg_schema_json(f->sub, p, w);
			break;
		case CFG_T_LIST: {
			uint32_t cnt = *(const uint32_t *)((const char *)obj + f->count_off);

			jw_arr(w);
			for (uint32_t i = 0; i < cnt; i++)
				cfg_schema_json(f->sub, *(char *const *)p + i * f->elem_size, w);
			jw_end(w, ']');
			break;
		}
		}
	}
	jw_end(w, '}');
}
