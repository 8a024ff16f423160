/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control API server: JSON-RPC 2.0 over a unix stream socket, one
 * request per line, one response per line (in request order per
 * connection is not promised: dataplane methods answer when callplane-dp
 * does). Who may connect: root, the daemon's own user, and members of
 * api.group; the socket's file mode says the same to the kernel and
 * SO_PEERCRED checks it again here.
 */
#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "api_methods.h"
#include "b2bua/b2b.h"
#include "common/bencode.h"
#include "common/json.h"
#include "config/cfg.h"
#include "core/log.h"
#include "ngc/ngc.h"

#define API_LINE_MAX (1u << 20)   /* one request line */
#define API_OUT_MAX (64u << 20)   /* unsent replies before we give up on a reader */
#define API_NODES 1024
#define API_MAX_CONNS 64
#define API_MAX_PARAMS 4

struct conn {
	struct api *a;
	struct cp_io io;
	struct conn *next;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_cap, out_off;
	unsigned pending;          /* async requests still out */
	bool dead;                 /* closed; freed when pending drops to 0 */
	uid_t uid;
	pid_t pid;
};

struct api {
	struct api_host h;
	struct cp_io lis;
	char path[108];
	gid_t gid;
	bool has_gid;
	struct conn *conns;
	unsigned n_conns;
	struct req *pend;          /* requests waiting for callplane-dp */
	uint64_t requests, errors, denied;
};

/* One request being answered (async ones outlive the line they came in). */
struct req {
	struct conn *c;
	struct req *next, **pprev; /* in api.pend while callplane-dp is asked */
	int method;                /* index into methods[] */
	char id[128];              /* raw JSON text of the id; "" for a notification */
	char p[API_MAX_PARAMS][256];
	bool has[API_MAX_PARAMS];
	struct jw res;
	int code;
	char msg[512];
	struct jw data;            /* error data (members of an object) */
};

enum {
#define X(sym, m, cli, help) M_##sym,
	API_METHODS(X)
#undef X
	M__MAX
};

typedef int (*method_h)(struct req *r);
#define X(sym, m, cli, help) static int m_##sym(struct req *r);
API_METHODS(X)
#undef X

static const struct method {
	const char *name, *cli;
	method_h fn;
} methods[M__MAX] = {
#define X(sym, m, cli, help) [M_##sym] = { m, cli, m_##sym },
	API_METHODS(X)
#undef X
};

#define ASYNC 1

/* ---- connections ---- */

static void conn_close(struct conn *c);

static void
conn_free(struct conn *c)
{
	struct conn **pp;

	for (pp = &c->a->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->a->n_conns--;
	free(c->in);
	free(c->out);
	free(c);
}

static void
conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->io.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	cp_io_mod(c->a->h.loop, &c->io, EPOLLIN | (c->out_len ? EPOLLOUT : 0));
}

static void
conn_send(struct conn *c, const char *s, size_t n)
{
	if (c == NULL || c->dead)
		return;
	if (c->out_len + n + 1 > API_OUT_MAX) {
		CP_WARN("api: client pid %d does not read its replies: closed", (int)c->pid);
		conn_close(c);
		return;
	}
	if (c->out_len + n + 1 > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + n + 1)
			cap *= 2;
		p = realloc(c->out, cap);
		if (p == NULL) {
			conn_close(c);
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, s, n);
	c->out_len += n;
	c->out[c->out_len++] = '\n';
	conn_flush(c);
}

static void
conn_close(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	cp_io_del(c->a->h.loop, &c->io);
	close(c->io.fd);
	c->io.fd = -1;
	if (c->pending == 0)
		conn_free(c);
}

/* ---- replies ---- */

static void
req_free(struct req *r)
{
	jw_free(&r->res);
	jw_free(&r->data);
	free(r);
}

static int
fail(struct req *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(struct req *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	r->code = code;
	return code;
}

/* Sends the reply of @r (result or error) and frees it. */
static void
req_done(struct req *r)
{
	struct jw w = { 0 };

	if (r->code != 0 || r->res.oom)
		r->c->a->errors++;
	if (r->id[0] != '\0' && r->c != NULL) {
		jw_obj(&w);
		jw_kstr(&w, "jsonrpc", "2.0");
		jw_key(&w, "id");
		jw_raw(&w, r->id, strlen(r->id));
		if (r->code == 0 && !r->res.oom && r->res.len > 0) {
			jw_key(&w, "result");
			jw_raw(&w, r->res.buf, r->res.len);
		} else {
			jw_key(&w, "error");
			jw_obj(&w);
			jw_kint(&w, "code", r->code ? r->code : API_E_INTERNAL);
			jw_kstr(&w, "message", r->code ? r->msg : "out of memory");
			if (r->data.len > 0 && !r->data.oom) {
				jw_key(&w, "data");
				jw_obj(&w);
				jw_raw(&w, r->data.buf, r->data.len);   /* members */
				jw_end(&w, '}');
			}
			jw_end(&w, '}');
		}
		jw_end(&w, '}');
		if (!w.oom)
			conn_send(r->c, w.buf, w.len);
		jw_free(&w);
	}
	req_free(r);
}

static void
send_error(struct conn *c, const char *id, int code, const char *msg)
{
	struct jw w = { 0 };

	c->a->errors++;
	jw_obj(&w);
	jw_kstr(&w, "jsonrpc", "2.0");
	jw_key(&w, "id");
	jw_raw(&w, id, strlen(id));
	jw_key(&w, "error");
	jw_obj(&w);
	jw_kint(&w, "code", code);
	jw_kstr(&w, "message", msg);
	jw_end(&w, '}');
	jw_end(&w, '}');
	if (!w.oom)
		conn_send(c, w.buf, w.len);
	jw_free(&w);
}

/* ---- the method table's parameters ---- */

/* The @i-th parameter of @cli ("<agent>" or "[level]"): its name into
 * @name; false past the last. */
static bool
cli_param(const char *cli, unsigned i, char *name, size_t len, bool *optional)
{
	unsigned k = 0;

	for (const char *p = cli; *p; p++) {
		if (*p != '<' && *p != '[')
			continue;
		{
			char close = *p == '<' ? '>' : ']';
			const char *e = strchr(p, close);

			if (e == NULL)
				return false;
			if (k++ == i) {
				snprintf(name, len, "%.*s", (int)(e - p - 1), p + 1);
				*optional = *p == '[';
				return true;
			}
			p = e;
		}
	}
	return false;
}

static const char *
param(const struct req *r, unsigned i)
{
	return r->has[i] ? r->p[i] : NULL;
}

/* ---- bencode (NG) to JSON ---- */

void
api_ben_json(struct jw *w, const struct ben_doc *doc, const struct ben_node *n)
{
	const struct ben_node *k;

	switch (n->type) {
	case BEN_INT:
		jw_int(w, n->num);
		break;
	case BEN_STR:
		jw_strn(w, n->str, n->len);
		break;
	case BEN_LIST:
		jw_arr(w);
		for (k = ben_next(doc, n, NULL); k; k = ben_next(doc, n, k))
			api_ben_json(w, doc, k);
		jw_end(w, ']');
		break;
	case BEN_DICT:
		jw_obj(w);
		for (k = ben_next(doc, n, NULL); k; k = ben_next(doc, n, k)) {
			const struct ben_node *v = ben_next(doc, n, k);
			char key[128];
			size_t l = k->len < sizeof(key) - 1 ? k->len : sizeof(key) - 1;

			if (v == NULL)
				break;
			for (size_t i = 0; i < l; i++)
				key[i] = k->str[i] == ' ' ? '_' : k->str[i];
			key[l] = '\0';
			jw_key(w, key);
			api_ben_json(w, doc, v);
			k = v;
		}
		jw_end(w, '}');
		break;
	default:
		jw_null(w);
	}
}

/* ---- methods: control plane ---- */

static int
enoent(struct req *r, const char *what, const char *id)
{
	return fail(r, API_E_NOT_FOUND, "no %s '%s'", what, id);
}

static struct b2b *
B(const struct req *r)
{
	return r->c->a->h.b2b;
}


static int
m_calls_list(struct req *r)
{
	return b2b_calls_json(B(r), &r->res, NULL);
}

static int
m_calls_show(struct req *r)
{
	if (b2b_calls_json(B(r), &r->res, param(r, 0)) < 0)
		return enoent(r, "call", param(r, 0));
	return 0;
}

static int
m_calls_hangup(struct req *r)
{
	if (b2b_call_hangup(B(r), param(r, 0)) < 0)
		return enoent(r, "call", param(r, 0));
	jw_obj(&r->res);
	jw_kstr(&r->res, "call", param(r, 0));
	jw_kstr(&r->res, "result", "hung up");
	jw_end(&r->res, '}');
	return 0;
}

static int
m_agents_list(struct req *r)
{
	return b2b_agents_json(B(r), &r->res, NULL);
}

static int
m_agents_show(struct req *r)
{
	if (b2b_agents_json(B(r), &r->res, param(r, 0)) < 0)
		return enoent(r, "agent", param(r, 0));
	return 0;
}

static int
agent_op(struct req *r, enum b2b_agent_op op, const char *done)
{
	char note[256] = "";
	int rc = b2b_agent_op(B(r), param(r, 0), op, note, sizeof(note));

	if (rc == -ENOENT)
		return enoent(r, "agent", param(r, 0));
	if (rc < 0)
		return fail(r, API_E_STATE, "%s", note);
	jw_obj(&r->res);
	jw_kstr(&r->res, "agent", param(r, 0));
	jw_kstr(&r->res, "result", done);
	if (note[0])
		jw_kstr(&r->res, "note", note);
	jw_end(&r->res, '}');
	return 0;
}

static int m_agents_login(struct req *r) { return agent_op(r, B2B_AG_LOGIN, "logged in"); }
static int m_agents_logout(struct req *r) { return agent_op(r, B2B_AG_LOGOUT, "logged out"); }
static int m_agents_ready(struct req *r) { return agent_op(r, B2B_AG_READY, "ready"); }
static int m_agents_not_ready(struct req *r) { return agent_op(r, B2B_AG_NOT_READY, "not ready"); }

static int
m_queues_list(struct req *r)
{
	return b2b_queues_json(B(r), &r->res, NULL);
}

static int
m_queues_show(struct req *r)
{
	if (b2b_queues_json(B(r), &r->res, param(r, 0)) < 0)
		return enoent(r, "queue", param(r, 0));
	return 0;
}

static int
m_trunks_list(struct req *r)
{
	b2b_trunks_json(B(r), &r->res);
	return 0;
}

static int
m_registrations_list(struct req *r)
{
	b2b_registrations_json(B(r), &r->res);
	return 0;
}

static void
restart_cb(void *arg, const char *path)
{
	jw_str(arg, path);
}

/* "errors": one string per line of @err (cfg_load's file:line:col lines). */
static void
err_lines(struct jw *w, const char *err, int rc)
{
	jw_key(w, "errors");
	jw_arr(w);
	for (const char *l = err; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		if (n > 0)
			jw_strn(w, l, n);
		l += n + (e != NULL);
	}
	if (err[0] == '\0')
		jw_str(w, strerror(-rc));
	jw_end(w, ']');
}

static int
m_config_check(struct req *r)
{
	const struct cfg *run = r->c->a->h.cfg();
	const char *path = param(r, 0) ? param(r, 0) : run->path;
	static char err[16384];
	struct cfg *c = NULL;
	int rc;

	err[0] = '\0';
	rc = cfg_load(&c, path, err, sizeof(err));
	if (rc == 0 && !c->has_cp) {
		snprintf(err, sizeof(err), "%s: control: the control plane needs this section\n",
			 path);
		rc = -EINVAL;
	}
	if (rc < 0) {
		err_lines(&r->data, err, rc);
		cfg_free(c);
		return fail(r, API_E_CONFIG, "%s: %s", path,
			    rc == -EINVAL ? "invalid" : strerror(-rc));
	}
	r->c->a->h.adjust(c);
	jw_obj(&r->res);
	jw_kstr(&r->res, "file", path);
	jw_kbool(&r->res, "valid", true);
	jw_key(&r->res, "restart_needed");
	jw_arr(&r->res);
	cfg_schema_diff_boot(cfg_root_fields, run, c, restart_cb, &r->res);
	jw_end(&r->res, ']');
	jw_end(&r->res, '}');
	cfg_free(c);
	return 0;
}

static int
m_config_show(struct req *r)
{
	cfg_schema_json(cfg_root_fields, r->c->a->h.cfg(), &r->res);
	return 0;
}

static int
m_config_reload(struct req *r)
{
	static char err[16384];
	int rc;

	err[0] = '\0';
	jw_obj(&r->res);
	rc = r->c->a->h.reload(&r->res, err, sizeof(err));
	jw_end(&r->res, '}');
	if (rc < 0) {
		err_lines(&r->data, err, rc);
		return fail(r, API_E_CONFIG, "%s: invalid, nothing changed",
			    r->c->a->h.cfg()->path);
	}
	return 0;
}

static int
m_log_level(struct req *r)
{
	if (param(r, 0)) {
		int l = cp_log_level_parse(param(r, 0));

		if (l < 0)
			return fail(r, API_E_PARAMS,
				    "unknown log level '%s' (error, warning, info, debug)",
				    param(r, 0));
		if (l != cp_log_level)
			cp_log(CP_LOG_WARNING, "log level %s -> %s (uid %u)",
			       cp_log_level_names[cp_log_level], cp_log_level_names[l],
			       (unsigned)r->c->uid);
		cp_log_level = l;
	}
	jw_obj(&r->res);
	jw_kstr(&r->res, "level", cp_log_level_names[cp_log_level]);
	jw_end(&r->res, '}');
	return 0;
}

/* ---- methods: the dataplane, over NG ---- */

static const struct ben_node *
dget(const struct ben_doc *d, const struct ben_node *n, const char *k)
{
	return n ? ben_dict_get(d, n, k) : NULL;
}

static int64_t
dint(const struct ben_doc *d, const struct ben_node *n, const char *k)
{
	int64_t v = 0;

	if (n)
		ben_dict_int(d, n, k, &v);
	return v;
}

/* The sum of a counters dict's drop_* members. */
static int64_t
drops(const struct ben_doc *d, const struct ben_node *ctr)
{
	int64_t s = 0;

	if (ctr == NULL || ctr->type != BEN_DICT)
		return 0;
	for (const struct ben_node *k = ben_next(d, ctr, NULL); k; k = ben_next(d, ctr, k)) {
		const struct ben_node *v = ben_next(d, ctr, k);

		if (v == NULL)
			break;
		if (k->len > 5 && memcmp(k->str, "drop_", 5) == 0 && v->type == BEN_INT)
			s += v->num;
		k = v;
	}
	return s;
}

static void
put_ints(struct jw *w, const struct ben_doc *d, const struct ben_node *n,
	 const char *const *keys)
{
	for (; *keys; keys++) {
		char k[64];
		size_t i;

		for (i = 0; (*keys)[i] && i < sizeof(k) - 1; i++)
			k[i] = (*keys)[i] == ' ' ? '_' : (*keys)[i];
		k[i] = '\0';
		jw_kint(w, k, dint(d, n, *keys));
	}
}

static void
dp_status_members(struct jw *w, const struct ben_doc *d, const struct ben_node *cp)
{
	const struct ben_node *ports = dget(d, cp, "ports"), *lc = dget(d, cp, "lcores");
	const struct ben_node *ver = dget(d, cp, "version");

	jw_kbool(w, "up", true);
	if (ver && ver->type == BEN_STR) {
		jw_key(w, "version");
		jw_strn(w, ver->str, ver->len);
	}
	jw_kint(w, "sessions", dint(d, cp, "sessions"));
	jw_kint(w, "streams", dint(d, cp, "streams"));
	jw_kint(w, "sessions_total", dint(d, cp, "sessions total"));
	jw_kint(w, "lcores", lc && lc->type == BEN_LIST ? lc->count : 0);
	jw_kint(w, "relayed", dint(d, dget(d, cp, "counters"), "relayed"));
	jw_kint(w, "drops", drops(d, dget(d, cp, "counters")));
	jw_key(w, "ports");
	jw_arr(w);
	if (ports && ports->type == BEN_LIST)
		for (const struct ben_node *p = ben_next(d, ports, NULL); p; p = ben_next(d, ports, p)) {
			const struct ben_node *s;

			jw_obj(w);
			if ((s = dget(d, p, "name")) && s->type == BEN_STR) {
				jw_key(w, "name");
				jw_strn(w, s->str, s->len);
			}
			if ((s = dget(d, p, "link")) && s->type == BEN_STR) {
				jw_key(w, "link");
				jw_strn(w, s->str, s->len);
			}
			jw_end(w, '}');
		}
	jw_end(w, ']');
}

static void
dp_reply(void *arg, int rc, const struct ben_doc *d, const struct ben_node *root)
{
	struct req *r = arg;
	const struct ben_node *cp = NULL, *st = NULL;
	struct jw *w = &r->res;

	*r->pprev = r->next;
	if (r->next)
		r->next->pprev = r->pprev;
	r->c->pending--;
	if (r->c->dead) {
		struct conn *c = r->c;

		r->c = NULL;
		req_free(r);
		if (c->pending == 0)
			conn_free(c);
		return;
	}
	if (rc == 0 && (st = ben_dict_get(d, root, "statistics")) == NULL)
		st = root;
	if (rc == 0)
		cp = ben_dict_get(d, root, "callplane");
	if (rc < 0) {
		if (r->method == M_status) {
			/* the control plane's half is still worth having */
			jw_key(w, "dataplane");
			jw_obj(w);
			jw_kbool(w, "up", false);
			jw_kstr(w, "error", rc == -ETIMEDOUT ? "no answer over NG" :
				"unreadable NG reply");
			jw_end(w, '}');
			jw_end(w, '}');
		} else if (r->method == M_version) {
			jw_obj(w);
			jw_kstr(w, "callplane_cp", PROJECT_VERSION);
			jw_key(w, "callplane_dp");
			jw_null(w);
			jw_kstr(w, "api", "1");
			jw_end(w, '}');
		} else {
			fail(r, API_E_DATAPLANE, "callplane-dp %s",
			     rc == -ETIMEDOUT ? "does not answer over NG (is it running?)" :
			     "sent an unreadable reply");
		}
		req_done(r);
		return;
	}
	if (!ngc_ok(d, root)) {
		const struct ben_node *why = ben_dict_str(d, root, "error-reason");
		bool unknown = why && why->len >= 15 && memcmp(why->str, "Unknown call-id", 15) == 0;

		fail(r, unknown ? API_E_NOT_FOUND : API_E_DATAPLANE, "callplane-dp: %.*s",
		     why ? (int)why->len : 5, why ? why->str : "error");
		if (unknown)
			snprintf(r->msg, sizeof(r->msg), "no media session '%s' in the dataplane",
				 param(r, 0) ? param(r, 0) : "");
		req_done(r);
		return;
	}
	switch (r->method) {
	case M_status:
		jw_key(w, "dataplane");
		jw_obj(w);
		dp_status_members(w, d, cp);
		jw_end(w, '}');
		jw_end(w, '}');
		break;
	case M_version: {
		const struct ben_node *v = dget(d, cp, "version");

		jw_obj(w);
		jw_kstr(w, "callplane_cp", PROJECT_VERSION);
		jw_key(w, "callplane_dp");
		if (v && v->type == BEN_STR)
			jw_strn(w, v->str, v->len);
		else
			jw_null(w);
		jw_kstr(w, "api", "1");
		jw_end(w, '}');
		break;
	}
	case M_dataplane_status:
		jw_obj(w);
		dp_status_members(w, d, cp);
		{
			const struct ben_node *tot = dget(d, st, "totalstatistics");

			jw_kint(w, "uptime_s", dint(d, tot, "uptime"));
			jw_kint(w, "media_ports_in_use",
				dint(d, dget(d, st, "currentstatistics"), "mediaportsinuse"));
		}
		jw_end(w, '}');
		break;
	case M_dataplane_ports: {
		static const char *const pk[] = { "port id", NULL };
		static const char *const ck[] = { "rx_pkts", "tx_pkts", "relayed", "to_host",
						  NULL };
		static const char *const pmd[] = { "pmd imissed", "pmd ierrors", "pmd oerrors",
						   NULL };
		const struct ben_node *ports = dget(d, cp, "ports");

		jw_arr(w);
		if (ports && ports->type == BEN_LIST)
			for (const struct ben_node *p = ben_next(d, ports, NULL); p;
			     p = ben_next(d, ports, p)) {
				const struct ben_node *ctr = dget(d, p, "counters"), *s;

				jw_obj(w);
				if ((s = dget(d, p, "name")) && s->type == BEN_STR) {
					jw_key(w, "name");
					jw_strn(w, s->str, s->len);
				}
				put_ints(w, d, p, pk);
				if ((s = dget(d, p, "link")) && s->type == BEN_STR) {
					jw_key(w, "link");
					jw_strn(w, s->str, s->len);
				}
				put_ints(w, d, ctr, ck);
				jw_kint(w, "drops", drops(d, ctr));
				put_ints(w, d, p, pmd);
				if (ctr) {
					jw_key(w, "counters");
					api_ben_json(w, d, ctr);
				}
				jw_end(w, '}');
			}
		jw_end(w, ']');
		break;
	}
	case M_dataplane_lcores: {
		static const char *const ck[] = { "polls", "idle_sleeps", "busy_cycles", "rx_pkts",
						  "relayed", NULL };
		const struct ben_node *lc = dget(d, cp, "lcores");

		jw_arr(w);
		if (lc && lc->type == BEN_LIST)
			for (const struct ben_node *p = ben_next(d, lc, NULL); p;
			     p = ben_next(d, lc, p)) {
				const struct ben_node *ctr = dget(d, p, "counters"), *s;

				jw_obj(w);
				jw_kint(w, "id", dint(d, p, "id"));
				if ((s = dget(d, p, "roles")) && s->type == BEN_STR) {
					jw_key(w, "roles");
					jw_strn(w, s->str, s->len);
				}
				put_ints(w, d, ctr, ck);
				jw_kint(w, "drops", drops(d, ctr));
				if (ctr) {
					jw_key(w, "counters");
					api_ben_json(w, d, ctr);
				}
				jw_end(w, '}');
			}
		jw_end(w, ']');
		break;
	}
	case M_dataplane_counters: {
		const struct ben_node *ctr = dget(d, cp, "counters");

		if (ctr)
			api_ben_json(w, d, ctr);
		else
			fail(r, API_E_DATAPLANE, "callplane-dp sent no counters");
		break;
	}
	case M_dataplane_sessions: {
		const struct ben_node *calls = ben_dict_get(d, root, "calls");

		jw_arr(w);
		if (calls && calls->type == BEN_LIST)
			for (const struct ben_node *k = ben_next(d, calls, NULL); k;
			     k = ben_next(d, calls, k)) {
				jw_obj(w);
				jw_key(w, "call_id");
				api_ben_json(w, d, k);
				jw_end(w, '}');
			}
		jw_end(w, ']');
		break;
	}
	case M_dataplane_streams: {
		const struct ben_node *s = ben_dict_get(d, root, "streams");

		if (s)
			api_ben_json(w, d, s);
		else
			fail(r, API_E_DATAPLANE, "callplane-dp sent no streams");
		break;
	}
	default:
		fail(r, API_E_INTERNAL, "no handler for this reply");
	}
	req_done(r);
}

static int
ng_ask(struct req *r, const char *const *kv)
{
	int rc = ngc_call(b2b_ngc(B(r)), kv, dp_reply, r);

	if (rc < 0)
		return fail(r, API_E_DATAPLANE, "cannot ask callplane-dp: %s", strerror(-rc));
	r->c->pending++;
	r->next = r->c->a->pend;
	if (r->next)
		r->next->pprev = &r->next;
	r->pprev = &r->c->a->pend;
	r->c->a->pend = r;
	return ASYNC;
}

static const char *const ng_stats[] = { "command", "statistics", NULL };

static int
m_status(struct req *r)
{
	const struct cfg *c = r->c->a->h.cfg();

	jw_obj(&r->res);
	jw_kstr(&r->res, "version", PROJECT_VERSION);
	jw_kuint(&r->res, "pid", (uint64_t)getpid());
	jw_kuint(&r->res, "uptime_s", (uint64_t)time(NULL) - r->c->a->h.started_s);
	jw_kstr(&r->res, "config", c->path);
	jw_kstr(&r->res, "log_level", cp_log_level_names[cp_log_level]);
	b2b_summary_json(B(r), &r->res);
	return ng_ask(r, ng_stats);   /* closes the object */
}

static int m_version(struct req *r) { return ng_ask(r, ng_stats); }
static int m_dataplane_status(struct req *r) { return ng_ask(r, ng_stats); }
static int m_dataplane_ports(struct req *r) { return ng_ask(r, ng_stats); }
static int m_dataplane_lcores(struct req *r) { return ng_ask(r, ng_stats); }
static int m_dataplane_counters(struct req *r) { return ng_ask(r, ng_stats); }

static int
m_dataplane_sessions(struct req *r)
{
	static const char *const kv[] = { "command", "list", NULL };

	return ng_ask(r, kv);
}

static int
m_dataplane_streams(struct req *r)
{
	const char *kv[] = { "command", "query", "call-id", param(r, 0), NULL };

	return ng_ask(r, kv);
}

/* ---- requests ---- */

/* Copies the raw text of @n (an id: string, number or null) into @out. */
static bool
raw_id(const struct json_node *n, const char *line, char *out, size_t len)
{
	struct jw w = { 0 };
	bool ok;

	(void)line;
	if (n->type != JSON_STR && n->type != JSON_NUM && n->type != JSON_NULL)
		return false;
	if (n->type == JSON_STR) {
		char s[120];

		if (!json_str(n, s, sizeof(s)))
			return false;
		jw_str(&w, s);
	} else if (n->type == JSON_NUM) {
		jw_raw(&w, n->p, n->len);
	} else {
		jw_null(&w);
	}
	ok = !w.oom && w.len < len;
	if (ok)
		snprintf(out, len, "%.*s", (int)w.len, w.buf);
	jw_free(&w);
	return ok;
}

static void
handle_line(struct conn *c, const char *line, size_t len)
{
	static struct json_node nodes[API_NODES];
	struct json_doc doc = { .nodes = nodes, .cap = API_NODES };
	const struct json_node *root, *ver, *mn, *idn, *pn;
	char err[160], name[64], id[128] = "null";
	struct req *r;
	int m, rc;

	c->a->requests++;
	if (json_parse(&doc, line, len, err, sizeof(err)) < 0) {
		char msg[200];

		snprintf(msg, sizeof(msg), "parse error: %s", err);
		send_error(c, "null", API_E_PARSE, msg);
		return;
	}
	root = &nodes[0];
	if (root->type == JSON_ARR) {
		send_error(c, "null", API_E_REQUEST,
			   "batch requests are not supported: send one request per line");
		return;
	}
	if (root->type != JSON_OBJ) {
		send_error(c, "null", API_E_REQUEST, "a request is a JSON object");
		return;
	}
	idn = json_get(&doc, root, "id");
	if (idn != NULL && !raw_id(idn, line, id, sizeof(id))) {
		send_error(c, "null", API_E_REQUEST, "id must be a string (under 120 bytes), "
			   "a number or null");
		return;
	}
	ver = json_get(&doc, root, "jsonrpc");
	if (ver == NULL || !json_str_eq(ver, "2.0")) {
		send_error(c, id, API_E_REQUEST, "jsonrpc must be \"2.0\"");
		return;
	}
	mn = json_get(&doc, root, "method");
	if (mn == NULL || !json_str(mn, name, sizeof(name))) {
		send_error(c, id, API_E_REQUEST, "method must be a string");
		return;
	}
	for (m = 0; m < M__MAX; m++)
		if (strcmp(methods[m].name, name) == 0)
			break;
	if (m == M__MAX) {
		char msg[160];

		snprintf(msg, sizeof(msg), "no method '%s'", name);
		send_error(c, id, API_E_METHOD, msg);
		return;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		send_error(c, id, API_E_INTERNAL, "out of memory");
		return;
	}
	r->c = c;
	r->method = m;
	if (idn != NULL)
		snprintf(r->id, sizeof(r->id), "%s", id);
	pn = json_get(&doc, root, "params");
	if (pn != NULL && pn->type != JSON_OBJ && pn->type != JSON_NULL &&
	    !(pn->type == JSON_ARR && pn->count == 0)) {
		fail(r, API_E_PARAMS, "params must be an object (by name)");
		goto done;
	}
	/* every given parameter must be known, every required one given */
	if (pn != NULL && pn->type == JSON_OBJ)
		for (const struct json_node *k = json_next(&doc, pn, NULL); k;
		     k = json_next(&doc, pn, k)) {
			const struct json_node *v = json_val(&doc, k);
			char pname[64], key[64];
			bool opt, found = false;

			if (v == NULL)
				break;
			if (!json_str(k, key, sizeof(key)))
				key[0] = '\0';
			for (unsigned i = 0; cli_param(methods[m].cli, i, pname, sizeof(pname), &opt);
			     i++)
				if (strcmp(pname, key) == 0) {
					found = true;
					if (v->type != JSON_STR || !json_str(v, r->p[i], sizeof(r->p[i])) ||
					    r->p[i][0] == '\0') {
						fail(r, API_E_PARAMS,
						     "parameter '%s' must be a non-empty string "
						     "(under 256 bytes)", key);
						goto done;
					}
					r->has[i] = true;
				}
			if (!found) {
				fail(r, API_E_PARAMS, "%s takes no parameter '%s'", name, key);
				goto done;
			}
		}
	for (unsigned i = 0; i < API_MAX_PARAMS; i++) {
		bool opt;

		if (!cli_param(methods[m].cli, i, name, sizeof(name), &opt))
			break;
		if (!opt && !r->has[i]) {
			fail(r, API_E_PARAMS, "missing parameter '%s'", name);
			goto done;
		}
	}
	rc = methods[m].fn(r);
	if (rc == ASYNC)
		return;
	if (rc < 0 && r->code == 0)
		fail(r, API_E_INTERNAL, "%s", strerror(-rc));
done:
	req_done(r);
}

static void
on_conn(struct cp_io *io, uint32_t events)
{
	struct conn *c = io->arg;

	if (events & EPOLLOUT) {
		conn_flush(c);
		if (c->dead)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	for (;;) {
		ssize_t n;
		char *nl;

		if (c->in_cap - c->in_len < 4096) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 8192;
			char *p;

			if (cap > API_LINE_MAX + 4096) {
				send_error(c, "null", API_E_REQUEST, "request line longer than 1 MiB");
				conn_close(c);
				return;
			}
			p = realloc(c->in, cap);
			if (p == NULL) {
				conn_close(c);
				return;
			}
			c->in = p;
			c->in_cap = cap;
		}
		n = recv(c->io.fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (n < 0)
			return;
		c->in_len += (size_t)n;
		while ((nl = memchr(c->in, '\n', c->in_len)) != NULL) {
			size_t l = (size_t)(nl - c->in);
			size_t s = 0;

			while (s < l && (c->in[s] == ' ' || c->in[s] == '\t' || c->in[s] == '\r'))
				s++;
			if (l > s)
				handle_line(c, c->in + s, l - s);
			if (c->dead)
				return;
			memmove(c->in, nl + 1, c->in_len - l - 1);
			c->in_len -= l + 1;
		}
	}
}

static bool
peer_allowed(struct api *a, const struct ucred *uc)
{
	if (uc->uid == 0 || uc->uid == geteuid())
		return true;
	if (!a->has_gid)
		return false;
	if (uc->gid == a->gid)
		return true;
	{
		struct passwd pw, *pwp = NULL;
		char buf[4096];
		gid_t groups[256];
		int n = 256;

		if (getpwuid_r(uc->uid, &pw, buf, sizeof(buf), &pwp) != 0 || pwp == NULL)
			return false;
		if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) < 0)
			return false;
		for (int i = 0; i < n; i++)
			if (groups[i] == a->gid)
				return true;
	}
	return false;
}

static void
on_accept(struct cp_io *io, uint32_t events)
{
	struct api *a = io->arg;

	(void)events;
	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct ucred uc;
		socklen_t ul = sizeof(uc);
		struct conn *c;

		if (fd < 0)
			return;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &ul) < 0 ||
		    !peer_allowed(a, &uc)) {
			static const char deny[] =
				"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32001,"
				"\"message\":\"permission denied: root or the api group only\"}}\n";

			a->denied++;
			CP_WARN("api: refused uid %u pid %d (not root, not in the api group)",
				(unsigned)uc.uid, (int)uc.pid);
			if (send(fd, deny, sizeof(deny) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				(void)0;
			close(fd);
			continue;
		}
		if (a->n_conns >= API_MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
			static const char busy[] =
				"{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32603,"
				"\"message\":\"too many API connections\"}}\n";

			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
				(void)0;
			close(fd);
			continue;
		}
		c->a = a;
		c->uid = uc.uid;
		c->pid = uc.pid;
		c->io = (struct cp_io){ .fd = fd, .cb = on_conn, .arg = c };
		if (cp_io_add(a->h.loop, &c->io, EPOLLIN) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = a->conns;
		a->conns = c;
		a->n_conns++;
	}
}

bool
api_socket_busy(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool busy;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return false;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	busy = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return busy;
}

/* Binds @path, replacing a stale socket; -EADDRINUSE when one answers. */
static int
listen_unix(const char *path, mode_t mode, gid_t gid, bool has_gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(path);     /* nobody answers: a stale one */
	{
		/* its directory, as systemd's RuntimeDirectory= would make it */
		char dir[108];
		char *sl;

		snprintf(dir, sizeof(dir), "%s", path);
		sl = strrchr(dir, '/');
		if (sl && sl != dir) {
			*sl = '\0';
			if (mkdir(dir, 0755) < 0 && errno != EEXIST)
				return -errno;
		}
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	{
		mode_t old = umask(0177);

		e = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (e < 0 || (has_gid && chown(path, (uid_t)-1, gid) < 0) || chmod(path, mode) < 0 ||
	    listen(fd, 64) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

int
api_create(struct api **out, const struct api_host *host)
{
	const struct cfg *cfg = host->cfg();
	const char *path = cfg->cp.api.socket ? cfg->cp.api.socket : CFG_API_SOCKET;
	struct api *a = calloc(1, sizeof(*a));
	int fd;

	if (a == NULL)
		return -ENOMEM;
	a->h = *host;
	if (cfg->cp.api.group) {
		struct group gr, *grp = NULL;
		char buf[4096];

		if (getgrnam_r(cfg->cp.api.group, &gr, buf, sizeof(buf), &grp) != 0 ||
		    grp == NULL) {
			CP_ERR("api: group '%s' (control.api.group) does not exist",
			       cfg->cp.api.group);
			free(a);
			return -ENOENT;
		}
		a->gid = gr.gr_gid;
		a->has_gid = true;
	}
	fd = listen_unix(path, a->has_gid ? 0660 : 0600, a->gid, a->has_gid);
	if (fd < 0) {
		CP_ERR("api: socket %s: %s", path, fd == -EADDRINUSE ?
		       "another callplane-cp answers there" : strerror(-fd));
		free(a);
		return fd;
	}
	snprintf(a->path, sizeof(a->path), "%s", path);
	a->lis = (struct cp_io){ .fd = fd, .cb = on_accept, .arg = a };
	if (cp_io_add(a->h.loop, &a->lis, EPOLLIN) < 0) {
		close(fd);
		unlink(path);
		free(a);
		return -EIO;
	}
	*out = a;
	return 0;
}

void
api_destroy(struct api *a)
{
	if (a == NULL)
		return;
	while (a->pend) {      /* requests still out: their replies go nowhere */
		struct req *r = a->pend;

		a->pend = r->next;
		ngc_forget(b2b_ngc(a->h.b2b), r);
		r->c->pending--;
		req_free(r);
	}
	while (a->conns) {
		struct conn *c = a->conns;

		if (c->dead)
			conn_free(c);
		else
			conn_close(c);
	}
	cp_io_del(a->h.loop, &a->lis);
	close(a->lis.fd);
	unlink(a->path);
	free(a);
}
