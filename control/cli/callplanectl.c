/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplanectl: the admin's tool. One-shot commands print aligned tables
 * (or the JSON result with --json); without a command it is an
 * interactive shell with history, tab completion of commands and of live
 * names (agents, queues, calls) and help. Commands, their arguments and
 * their help come from api_methods.h, the table callplane-cp dispatches
 * on, so the two never disagree.
 *
 * Exit codes: 0 done; 1 callplane-cp refused or failed the command;
 * 2 bad usage (unknown command, wrong arguments); 3 callplane-cp is not
 * running (no socket, or nobody answers it); 4 permission denied.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "api/api_methods.h"
#include "common/json.h"
#include "config/cfg_control.h"

enum { EX_OK, EX_FAILED, EX_USAGE, EX_DOWN, EX_PERM };

static const struct cmd {
	const char *method, *cli, *help;
} cmds[] = {
#define X(sym, m, cli, help) { m, cli, help },
	API_METHODS(X)
#undef X
};
#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static struct {
	const char *sock;
	bool json;
	int timeout_ms;
	int fd;
	unsigned id;
	char *buf;            /* reply line */
	size_t len, cap;
	bool interactive;
	bool quiet;           /* completing: no messages over the edited line */
} g = { .fd = -1, .timeout_ms = 15000 };

#define MAX_WORDS 16

#define SAY(...) do { if (!g.quiet) fprintf(stderr, __VA_ARGS__); } while (0)

/* ---- talking to callplane-cp ---- */

static int
connect_api(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (g.fd >= 0)
		return 0;
	if (strlen(g.sock) >= sizeof(sa.sun_path)) {
		SAY("callplanectl: socket path too long: %s\n", g.sock);
		return EX_USAGE;
	}
	strcpy(sa.sun_path, g.sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		SAY("callplanectl: socket: %s\n", strerror(errno));
		return EX_FAILED;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		if (e == EACCES || e == EPERM) {
			SAY("callplanectl: permission denied on %s: run as root or as a "
				"member of the group in control.api.group\n", g.sock);
			return EX_PERM;
		}
		if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR) {
			SAY("callplanectl: callplane-cp is not running (%s: %s)\n",
				g.sock, e == ENOENT ? "no such socket" : "nobody answers");
			return EX_DOWN;
		}
		SAY("callplanectl: %s: %s\n", g.sock, strerror(e));
		return EX_DOWN;
	}
	g.fd = fd;
	return 0;
}

static void
disconnect(void)
{
	if (g.fd >= 0)
		close(g.fd);
	g.fd = -1;
	g.len = 0;
}

/* Reads one reply line into g.buf (NUL-terminated). */
static int
read_line(void)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		char *nl = g.len ? memchr(g.buf, '\n', g.len) : NULL;
		struct pollfd p = { .fd = g.fd, .events = POLLIN };
		struct timespec t1;
		int left, rc;
		ssize_t n;

		if (nl != NULL) {
			*nl = '\0';
			return 0;
		}
		if (g.cap - g.len < 65536) {
			char *b = realloc(g.buf, g.cap ? g.cap * 2 : 131072);

			if (b == NULL)
				return -ENOMEM;
			g.buf = b;
			g.cap = g.cap ? g.cap * 2 : 131072;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = g.timeout_ms - (int)((t1.tv_sec - t0.tv_sec) * 1000 +
					    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc == 0 ? -ETIMEDOUT : -errno;
		n = recv(g.fd, g.buf + g.len, g.cap - g.len - 1, 0);
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		g.len += (size_t)n;
	}
}

/*
 * Calls @method with string @params (name, value pairs, NULL-terminated).
 * Returns 0 with the reply parsed into @doc (the "result" or "error" node
 * in *@res / *@err), or an exit code after printing why.
 */
static int
call(const char *method, const char *const *params, struct json_doc *doc,
     const struct json_node **res, const struct json_node **err)
{
	struct jw w = { 0 };
	char perr[160];
	size_t consumed;
	int rc;

	*res = *err = NULL;
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = connect_api()) != 0)
			return rc;
		jw_free(&w);
		memset(&w, 0, sizeof(w));
		jw_obj(&w);
		jw_kstr(&w, "jsonrpc", "2.0");
		jw_kuint(&w, "id", ++g.id);
		jw_kstr(&w, "method", method);
		jw_key(&w, "params");
		jw_obj(&w);
		for (const char *const *p = params; p && p[0]; p += 2)
			jw_kstr(&w, p[0], p[1]);
		jw_end(&w, '}');
		jw_end(&w, '}');
		if (w.oom) {
			jw_free(&w);
			return EX_FAILED;
		}
		if (send(g.fd, w.buf, w.len, MSG_NOSIGNAL) != (ssize_t)w.len ||
		    send(g.fd, "\n", 1, MSG_NOSIGNAL) != 1) {
			/* a shell's connection may have gone with a restart */
			disconnect();
			continue;
		}
		rc = read_line();
		if (rc == -ECONNRESET && attempt == 0 && g.interactive) {
			disconnect();
			continue;
		}
		break;
	}
	jw_free(&w);
	if (rc == -ETIMEDOUT) {
		SAY("callplanectl: callplane-cp did not answer in %d s\n",
			g.timeout_ms / 1000);
		disconnect();
		return EX_DOWN;
	}
	if (rc < 0) {
		SAY("callplanectl: lost the connection to callplane-cp (%s)\n",
			strerror(-rc));
		disconnect();
		return EX_DOWN;
	}
	consumed = strlen(g.buf) + 1;
	if (json_parse(doc, g.buf, strlen(g.buf), perr, sizeof(perr)) < 0 ||
	    doc->nodes[0].type != JSON_OBJ) {
		SAY("callplanectl: unreadable reply from callplane-cp: %s\n", perr);
		disconnect();
		return EX_FAILED;
	}
	*res = json_get(doc, &doc->nodes[0], "result");
	*err = json_get(doc, &doc->nodes[0], "error");
	/* keep what came after this line (nothing, with one request at a time) */
	g.len -= consumed < g.len ? consumed : g.len;
	if (g.len)
		memmove(g.buf, g.buf + consumed, g.len);
	/* the buffer the doc points into must stay: callers use it before the next call */
	return 0;
}

/* ---- rendering ---- */

static void
scalar(const struct json_node *n, char *out, size_t len)
{
	switch (n->type) {
	case JSON_NULL: snprintf(out, len, "-"); break;
	case JSON_BOOL: snprintf(out, len, "%s", n->truth ? "yes" : "no"); break;
	case JSON_NUM: snprintf(out, len, "%.*s", (int)n->len, n->p); break;
	case JSON_STR:
		if (!json_str(n, out, len))
			snprintf(out, len, "%.*s", (int)(n->len < len - 1 ? n->len : len - 1), n->p);
		break;
	default: snprintf(out, len, "..."); break;
	}
}

static bool
is_scalar(const struct json_node *n)
{
	return n->type != JSON_ARR && n->type != JSON_OBJ;
}

/* A list of scalars as "a,b,c"; false if it holds anything else. */
static bool
scalar_list(const struct json_doc *d, const struct json_node *arr, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (const struct json_node *v = json_next(d, arr, NULL); v; v = json_next(d, arr, v)) {
		char s[256];

		if (!is_scalar(v))
			return false;
		scalar(v, s, sizeof(s));
		used += (size_t)snprintf(out + used, used < len ? len - used : 0, "%s%s",
					 used ? "," : "", s);
	}
	if (arr->count == 0)
		snprintf(out, len, "-");
	return true;
}

static bool
cell(const struct json_doc *d, const struct json_node *v, char *out, size_t len)
{
	if (is_scalar(v)) {
		scalar(v, out, len);
		return true;
	}
	return v->type == JSON_ARR && scalar_list(d, v, out, len);
}

#define MAX_COLS 24

/* An array of objects as a table; columns are the keys with printable
 * values, in order of first appearance. */
static void
table(const struct json_doc *d, const struct json_node *arr, int indent)
{
	const char *cols[MAX_COLS];
	size_t clen[MAX_COLS], width[MAX_COLS];
	unsigned nc = 0;
	char s[512];

	if (arr->count == 0) {
		printf("%*s(none)\n", indent, "");
		return;
	}
	for (const struct json_node *o = json_next(d, arr, NULL); o; o = json_next(d, arr, o)) {
		if (o->type != JSON_OBJ)
			continue;
		for (const struct json_node *k = json_next(d, o, NULL); k; k = json_next(d, o, k)) {
			const struct json_node *v = json_val(d, k);
			unsigned i;

			if (v == NULL)
				break;
			for (i = 0; i < nc; i++)
				if (clen[i] == k->len && memcmp(cols[i], k->p, k->len) == 0)
					break;
			if (i == nc && nc < MAX_COLS && cell(d, v, s, sizeof(s))) {
				cols[nc] = k->p;
				clen[nc] = k->len;
				width[nc] = k->len;
				nc++;
			}
			if (i < nc && cell(d, v, s, sizeof(s)) && strlen(s) > width[i])
				width[i] = strlen(s) > 60 ? 60 : strlen(s);
		}
	}
	if (nc == 0) {
		for (const struct json_node *o = json_next(d, arr, NULL); o; o = json_next(d, arr, o)) {
			scalar(o, s, sizeof(s));
			printf("%*s%s\n", indent, "", s);
		}
		return;
	}
	printf("%*s", indent, "");
	for (unsigned i = 0; i < nc; i++) {
		for (size_t k = 0; k < clen[i]; k++)
			putchar(cols[i][k] >= 'a' && cols[i][k] <= 'z' ? cols[i][k] - 32 : cols[i][k]);
		if (i + 1 < nc)
			printf("%*s", (int)(width[i] + 2 - clen[i]), "");
	}
	putchar('\n');
	for (const struct json_node *o = json_next(d, arr, NULL); o; o = json_next(d, arr, o)) {
		printf("%*s", indent, "");
		for (unsigned i = 0; i < nc; i++) {
			const struct json_node *v = NULL;
			char key[64];

			snprintf(key, sizeof(key), "%.*s", (int)clen[i], cols[i]);
			if (o->type == JSON_OBJ)
				v = json_get(d, o, key);
			if (v == NULL || !cell(d, v, s, sizeof(s)))
				snprintf(s, sizeof(s), "-");
			if (i + 1 < nc)
				printf("%-*.*s  ", (int)width[i], (int)width[i], s);
			else
				printf("%s", s);
		}
		putchar('\n');
	}
}

static void
render(const struct json_doc *d, const struct json_node *n, int indent)
{
	char s[1024];

	if (is_scalar(n)) {
		scalar(n, s, sizeof(s));
		printf("%*s%s\n", indent, "", s);
		return;
	}
	if (n->type == JSON_ARR) {
		if (scalar_list(d, n, s, sizeof(s)) && n->count > 0) {
			for (const struct json_node *v = json_next(d, n, NULL); v; v = json_next(d, n, v)) {
				scalar(v, s, sizeof(s));
				printf("%*s%s\n", indent, "", s);
			}
			return;
		}
		table(d, n, indent);
		return;
	}
	{
		size_t kw = 0;

		for (const struct json_node *k = json_next(d, n, NULL); k; k = json_next(d, n, k)) {
			const struct json_node *v = json_val(d, k);

			if (v == NULL)
				break;
			if (cell(d, v, s, sizeof(s)) && k->len > kw)
				kw = k->len;
		}
		for (const struct json_node *k = json_next(d, n, NULL); k; k = json_next(d, n, k)) {
			const struct json_node *v = json_val(d, k);

			if (v == NULL)
				break;
			if (cell(d, v, s, sizeof(s)))
				printf("%*s%.*s:%*s %s\n", indent, "", (int)k->len, k->p,
				       (int)(kw - k->len), "", s);
		}
		for (const struct json_node *k = json_next(d, n, NULL); k; k = json_next(d, n, k)) {
			const struct json_node *v = json_val(d, k);

			if (v == NULL)
				break;
			if (!cell(d, v, s, sizeof(s))) {
				printf("%*s%.*s:\n", indent, "", (int)k->len, k->p);
				render(d, v, indent + 2);
			}
		}
	}
}

/* ---- commands ---- */

static int
split(char *line, char **w, int max)
{
	int n = 0;

	for (char *t = strtok(line, " \t\r\n"); t && n < max; t = strtok(NULL, " \t\r\n"))
		w[n++] = t;
	return n;
}

/* The pattern's words into @pw (pointers into a copy in @buf). */
static int
pattern_words(const char *cli, char *buf, size_t len, char **pw)
{
	snprintf(buf, len, "%s", cli);
	return split(buf, pw, MAX_WORDS);
}

static bool
is_param(const char *pw)
{
	return pw[0] == '<' || pw[0] == '[';
}

/* Does @w[0..n) match the pattern exactly? Fills the params. */
static bool
match(const struct cmd *c, char **w, int n, const char **params, int *np)
{
	char buf[256], *pw[MAX_WORDS];
	int m = pattern_words(c->cli, buf, sizeof(buf), pw);
	static char names[MAX_WORDS][32];
	int i;

	*np = 0;
	for (i = 0; i < m; i++) {
		if (i >= n) {
			if (pw[i][0] == '[')
				continue;
			return false;
		}
		if (is_param(pw[i])) {
			snprintf(names[*np], sizeof(names[0]), "%.*s", (int)strlen(pw[i]) - 2, pw[i] + 1);
			params[2 * *np] = names[*np];
			params[2 * *np + 1] = w[i];
			(*np)++;
		} else if (strcmp(pw[i], w[i]) != 0) {
			return false;
		}
	}
	params[2 * *np] = NULL;
	return n <= m;
}

/* True if the pattern is about what @w names: its first word is w[0] and
 * any further literal words given match too (for usage hints and help). */
static bool
related(const struct cmd *c, char **w, int n, bool strict)
{
	char buf[256], *pw[MAX_WORDS];
	int m = pattern_words(c->cli, buf, sizeof(buf), pw);

	if (n == 0 || m == 0 || strcmp(pw[0], w[0]) != 0)
		return false;
	for (int i = 1; strict && i < m && i < n; i++)
		if (!is_param(pw[i]) && strcmp(pw[i], w[i]) != 0)
			return false;
	return true;
}

static void
help(char **w, int n)
{
	bool any = false;

	for (size_t i = 0; i < N_CMDS; i++)
		if (n == 0 || related(&cmds[i], w, n, true)) {
			if (!any && n == 0)
				printf("Commands (callplanectl [-s SOCKET] [--json] COMMAND, or no "
				       "command for this shell):\n");
			printf("  %-30s %s\n", cmds[i].cli, cmds[i].help);
			any = true;
		}
	if (n == 0)
		printf("  %-30s %s\n  %-30s %s\n", "help [command]", "this list, or one command's",
		       "exit", "leave the shell (also quit, Ctrl-D)");
	if (!any)
		printf("no command starts with '%s'; 'help' lists them all\n", w[0]);
}

static int
run_words(char **w, int n)
{
	const char *params[2 * MAX_WORDS + 1];
	static struct json_node nodes[1 << 17];
	struct json_doc doc = { .nodes = nodes, .cap = 1 << 17 };
	const struct json_node *res, *err;
	int np, rc;
	size_t i;

	if (n == 0)
		return EX_OK;
	if (strcmp(w[0], "help") == 0 || strcmp(w[0], "?") == 0) {
		help(w + 1, n - 1);
		return EX_OK;
	}
	for (i = 0; i < N_CMDS; i++)
		if (match(&cmds[i], w, n, params, &np))
			break;
	if (i == N_CMDS) {
		bool any = false;

		bool strict = false;

		/* the usages that agree with every word given, else all of the first word's */
		for (size_t k = 0; k < N_CMDS; k++)
			strict |= related(&cmds[k], w, n, true);
		for (size_t k = 0; k < N_CMDS; k++)
			if (related(&cmds[k], w, n, strict)) {
				if (!any)
					fprintf(stderr, "callplanectl: wrong arguments; usage:\n");
				fprintf(stderr, "  %s\n", cmds[k].cli);
				any = true;
			}
		if (!any)
			fprintf(stderr, "callplanectl: unknown command '%s'; 'help' lists the "
				"commands\n", w[0]);
		return EX_USAGE;
	}
	rc = call(cmds[i].method, params, &doc, &res, &err);
	if (rc != 0)
		return rc;
	if (err != NULL) {
		const struct json_node *code = json_get(&doc, err, "code");
		const struct json_node *msg = json_get(&doc, err, "message");
		const struct json_node *data = json_get(&doc, err, "data");
		const struct json_node *errs = data ? json_get(&doc, data, "errors") : NULL;
		int64_t c = 0;
		char s[1024] = "error";

		json_int(code, &c);
		if (msg)
			json_str(msg, s, sizeof(s));
		if (g.json) {
			struct jw jw = { 0 };

			jw_obj(&jw);
			jw_key(&jw, "error");
			jw_node(&jw, &doc, err);
			jw_end(&jw, '}');
			if (!jw.oom)
				printf("%.*s\n", (int)jw.len, jw.buf);
			jw_free(&jw);
			fflush(stdout);
		}
		fprintf(stderr, "callplanectl: %s\n", s);
		for (const struct json_node *e = errs ? json_next(&doc, errs, NULL) : NULL; e;
		     e = json_next(&doc, errs, e)) {
			json_str(e, s, sizeof(s));
			fprintf(stderr, "  %s\n", s);
		}
		return c == API_E_PERMISSION ? EX_PERM : c == API_E_PARAMS ? EX_USAGE : EX_FAILED;
	}
	if (res == NULL) {
		fprintf(stderr, "callplanectl: reply without a result\n");
		return EX_FAILED;
	}
	if (g.json) {
		struct jw jw = { 0 };

		jw_node(&jw, &doc, res);
		if (!jw.oom)
			printf("%.*s\n", (int)jw.len, jw.buf);
		jw_free(&jw);
	} else {
		render(&doc, res, 0);
	}
	fflush(stdout);
	return EX_OK;
}

/* ---- the shell: completion ---- */

static char **cands;
static size_t n_cands, cap_cands;

static void
cand_add(const char *s, size_t len)
{
	char *c;

	for (size_t i = 0; i < n_cands; i++)
		if (strlen(cands[i]) == len && memcmp(cands[i], s, len) == 0)
			return;
	if (n_cands == cap_cands) {
		char **p = realloc(cands, (cap_cands ? cap_cands * 2 : 64) * sizeof(*p));

		if (p == NULL)
			return;
		cands = p;
		cap_cands = cap_cands ? cap_cands * 2 : 64;
	}
	c = strndup(s, len);
	if (c)
		cands[n_cands++] = c;
}

/* Live names for <agent>, <queue>, <call> from the list methods. */
static void
live_names(const char *what)
{
	static struct json_node nodes[1 << 17];
	struct json_doc doc = { .nodes = nodes, .cap = 1 << 17 };
	const struct json_node *res, *err;
	const char *method, *key;

	if (strcmp(what, "<agent>") == 0) {
		method = "agents.list";
		key = "id";
	} else if (strcmp(what, "<queue>") == 0) {
		method = "queues.list";
		key = "name";
	} else if (strcmp(what, "<call>") == 0) {
		method = "calls.list";
		key = "call_id";
	} else if (strcmp(what, "[level]") == 0) {
		for (int i = 0; i < 4; i++) {
			static const char *const lv[] = { "error", "warning", "info", "debug" };

			cand_add(lv[i], strlen(lv[i]));
		}
		return;
	} else {
		return;
	}
	/* a completion must not print over the line being edited */
	g.quiet = true;
	if (call(method, NULL, &doc, &res, &err) == 0 && res && res->type == JSON_ARR)
		for (const struct json_node *o = json_next(&doc, res, NULL); o;
		     o = json_next(&doc, res, o)) {
			const struct json_node *v = json_get(&doc, o, key);
			char s[256];

			if (v && json_str(v, s, sizeof(s)))
				cand_add(s, strlen(s));
		}
	g.quiet = false;
}

static char *
gen(const char *text, int state)
{
	static size_t i;
	size_t tl = strlen(text);

	if (state == 0)
		i = 0;
	while (i < n_cands) {
		const char *c = cands[i++];

		if (strncmp(c, text, tl) == 0)
			return strdup(c);
	}
	return NULL;
}

static char **
complete(const char *text, int start, int end)
{
	char line[1024], *w[MAX_WORDS];
	int n;

	(void)end;
	for (size_t i = 0; i < n_cands; i++)
		free(cands[i]);
	n_cands = 0;
	snprintf(line, sizeof(line), "%.*s", start, rl_line_buffer);
	n = split(line, w, MAX_WORDS);
	if (n > 0 && strcmp(w[0], "help") == 0) {
		n--;
		memmove(w, w + 1, sizeof(w[0]) * (size_t)n);
	} else if (n == 0) {
		cand_add("help", 4);
		cand_add("exit", 4);
		cand_add("quit", 4);
	}
	for (size_t c = 0; c < N_CMDS; c++) {
		char buf[256], *pw[MAX_WORDS];
		int m = pattern_words(cmds[c].cli, buf, sizeof(buf), pw), i;

		if (n >= m)
			continue;
		for (i = 0; i < n; i++)
			if (!is_param(pw[i]) && strcmp(pw[i], w[i]) != 0)
				break;
		if (i < n)
			continue;
		if (is_param(pw[n]))
			live_names(pw[n]);
		else
			cand_add(pw[n], strlen(pw[n]));
	}
	rl_attempted_completion_over = 1;
	if (n_cands == 0)
		return NULL;
	return rl_completion_matches(text, gen);
}

static int
shell(void)
{
	char hist[4096];
	const char *home = getenv("HOME");
	const char *hf = getenv("CALLPLANECTL_HISTORY");
	int last = EX_OK;

	g.interactive = true;
	if (hf == NULL) {
		snprintf(hist, sizeof(hist), "%s/.callplanectl_history", home ? home : ".");
		hf = hist;
	}
	using_history();
	read_history(hf);
	stifle_history(1000);
	rl_readline_name = "callplanectl";
	rl_attempted_completion_function = complete;
	printf("callplanectl: connected to %s; 'help' lists the commands, Tab completes, "
	       "Ctrl-D leaves\n", g.sock);
	for (;;) {
		char *line = readline("callplane> ");
		char *w[MAX_WORDS], *copy;
		int n;

		if (line == NULL) {
			putchar('\n');
			break;
		}
		copy = strdup(line);
		n = copy ? split(copy, w, MAX_WORDS) : 0;
		if (n > 0) {
			add_history(line);
			if (strcmp(w[0], "exit") == 0 || strcmp(w[0], "quit") == 0) {
				free(copy);
				free(line);
				break;
			}
			last = run_words(w, n);
			if (last == EX_DOWN || last == EX_PERM)
				disconnect();
		}
		free(copy);
		free(line);
	}
	write_history(hf);
	return last;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: callplanectl [-s SOCKET] [--json] [-t SECONDS] [COMMAND ...]\n"
		   "  -s, --socket PATH   control API socket (default $CALLPLANE_SOCKET or "
		   CFG_API_SOCKET ")\n"
		   "  -j, --json          print the JSON result (for scripts)\n"
		   "  -t, --timeout SECS  how long to wait for an answer (default 15)\n"
		   "  without COMMAND: the interactive shell. 'callplanectl help' lists commands.\n"
		   "exit codes: 0 ok, 1 command failed, 2 bad usage, 3 callplane-cp not running,\n"
		   "            4 permission denied\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	g.sock = getenv("CALLPLANE_SOCKET") ? getenv("CALLPLANE_SOCKET") : CFG_API_SOCKET;
	while ((o = getopt_long(argc, argv, "+s:jt:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': g.sock = optarg; break;
		case 'j': g.json = true; break;
		case 't': {
			char *e;
			long t = strtol(optarg, &e, 10);

			if (*e || t < 1 || t > 3600) {
				fprintf(stderr, "callplanectl: --timeout wants 1..3600 seconds\n");
				return EX_USAGE;
			}
			g.timeout_ms = (int)t * 1000;
			break;
		}
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind == argc) {
		int rc;

		if (!isatty(0)) {
			fprintf(stderr, "callplanectl: no command (and stdin is not a terminal for "
				"the shell)\n");
			usage(stderr);
			return EX_USAGE;
		}
		rc = connect_api();
		if (rc != 0)
			return rc;
		shell();
		return EX_OK;
	}
	if (argc - optind > MAX_WORDS) {
		fprintf(stderr, "callplanectl: too many words\n");
		return EX_USAGE;
	}
	return run_words(argv + optind, argc - optind);
}
