/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus listener: GET /metrics answers with the text exposition
 * format (0.0.4): the control plane's figures (b2b_metrics) and the
 * dataplane's, which callplane-cp asks callplane-dp for over NG
 * `statistics` at each scrape (callplane_dp_up says whether it answered).
 * One request per connection, HTTP/1.0 or 1.1, nothing else served.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "api.h"
#include "b2bua/b2b.h"
#include "common/bencode.h"
#include "config/cfg.h"
#include "core/log.h"
#include "ngc/ngc.h"

#define HTTP_HEAD_MAX 8192
#define HTTP_MAX_CONNS 32
#define HTTP_IDLE_MS 10000

struct hconn {
	struct metrics *m;
	struct cp_io io;
	struct cp_timer t;
	struct hconn *next;
	char in[HTTP_HEAD_MAX];
	size_t in_len;
	char *out;
	size_t out_len, out_off;
	bool waiting;             /* for callplane-dp */
	bool dead;
};

struct metrics {
	struct api_host h;
	struct cp_io lis;
	struct hconn *conns;
	unsigned n_conns;
	uint64_t scrapes;
};

int
http_parse_head(const char *buf, size_t len, char *method, size_t mlen, char *path,
		size_t plen, int *status)
{
	const char *end = NULL, *sp1, *sp2, *eol;

	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n') {
			end = buf + i;
			break;
		}
		if (i + 3 < len && memcmp(buf + i, "\r\n\r\n", 4) == 0) {
			end = buf + i;
			break;
		}
	}
	if (end == NULL) {
		*status = 431;
		return len >= HTTP_HEAD_MAX ? -1 : 0;
	}
	eol = memchr(buf, '\n', (size_t)(end - buf) + 1);
	if (eol == NULL)
		eol = end;
	if (eol > buf && eol[-1] == '\r')
		eol--;
	*status = 400;
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (sp1 == NULL || sp1 == buf || (size_t)(sp1 - buf) >= mlen)
		return -1;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return -1;
	for (const char *p = buf; p < sp1; p++)
		if (*p < 'A' || *p > 'Z')
			return -1;
	for (const char *p = sp1 + 1; p < sp2; p++)
		if (*p <= ' ' || *p == 0x7f)
			return -1;
	if ((size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
	    (sp2[8] != '0' && sp2[8] != '1')) {
		*status = (size_t)(eol - sp2 - 1) == 8 && memcmp(sp2 + 1, "HTTP/", 5) == 0 ? 505 : 400;
		return -1;
	}
	if ((size_t)(sp2 - sp1 - 1) >= plen) {
		*status = 414;
		return -1;
	}
	memcpy(method, buf, (size_t)(sp1 - buf));
	method[sp1 - buf] = '\0';
	memcpy(path, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	path[sp2 - sp1 - 1] = '\0';
	*status = 200;
	return 1;
}

static void
hconn_free(struct hconn *c)
{
	struct hconn **pp;

	for (pp = &c->m->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->m->n_conns--;
	free(c->out);
	free(c);
}

static void
hconn_close(struct hconn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	cp_timer_stop(&c->t);
	cp_io_del(c->m->h.loop, &c->io);
	close(c->io.fd);
	if (!c->waiting)
		hconn_free(c);
}

static void
hconn_flush(struct hconn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->io.fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				cp_io_mod(c->m->h.loop, &c->io, EPOLLOUT);
				return;
			}
			break;
		}
		c->out_off += (size_t)n;
	}
	hconn_close(c);
}

static void
respond(struct hconn *c, int status, const char *reason, const char *ctype, const char *body,
	size_t blen, const char *extra)
{
	char *out = NULL;
	size_t olen = 0;
	FILE *f = open_memstream(&out, &olen);

	if (f == NULL) {
		hconn_close(c);
		return;
	}
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
		"Connection: close\r\n\r\n", status, reason, ctype, blen, extra ? extra : "");
	fwrite(body, 1, blen, f);
	if (fclose(f) != 0) {
		free(out);
		hconn_close(c);
		return;
	}
	free(c->out);
	c->out = out;
	c->out_len = olen;
	c->out_off = 0;
	hconn_flush(c);
}

static void
respond_text(struct hconn *c, int status, const char *reason, const char *text, const char *extra)
{
	respond(c, status, reason, "text/plain; charset=utf-8", text, strlen(text), extra);
}

/* ---- the dataplane's figures ---- */

static int64_t
bint(const struct ben_doc *d, const struct ben_node *n, const char *k)
{
	int64_t v = 0;

	if (n)
		ben_dict_int(d, n, k, &v);
	return v;
}

static void
lbl(FILE *f, const struct ben_node *s)
{
	/* label values: escape \, " and newline */
	for (size_t i = 0; s && s->type == BEN_STR && i < s->len; i++) {
		char ch = s->str[i];

		if (ch == '\\' || ch == '"')
			fputc('\\', f);
		if (ch == '\n')
			fputs("\\n", f);
		else
			fputc(ch, f);
	}
}

/* A metric family's HELP and TYPE, once. */
static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Counters of every port (or lcore) in @list: traffic counters as one
 * family each, drop_* as one family with a reason label. */
static void
dp_counter_families(FILE *f, const struct ben_doc *d, const struct ben_node *list,
		    const char *what)
{
	const struct ben_node *first = list ? ben_next(d, list, NULL) : NULL;
	const struct ben_node *ctr0 = first ? ben_dict_get(d, first, "counters") : NULL;
	char name[160];

	if (ctr0 == NULL || ctr0->type != BEN_DICT)
		return;
	/* the first entry's keys name the families; ports carry all of them */
	for (const struct ben_node *k = ben_next(d, ctr0, NULL); k; k = ben_next(d, ctr0, k)) {
		const struct ben_node *v0 = ben_next(d, ctr0, k);
		bool drop = k->len > 5 && memcmp(k->str, "drop_", 5) == 0;

		if (v0 == NULL)
			break;
		if (drop) {
			k = v0;
			continue;
		}
		snprintf(name, sizeof(name), "callplane_dp_%s_%.*s_total", what, (int)k->len, k->str);
		family(f, name, "counter", strcmp(what, "port") == 0 ?
		       "dataplane counter per port (see callplanectl dataplane ports)" :
		       "dataplane counter per lcore (see callplanectl dataplane lcores)");
		for (const struct ben_node *e = first; e; e = ben_next(d, list, e)) {
			const struct ben_node *ctr = ben_dict_get(d, e, "counters");
			int64_t v = 0;
			char key[80];

			snprintf(key, sizeof(key), "%.*s", (int)k->len, k->str);
			if (ctr)
				ben_dict_int(d, ctr, key, &v);
			if (strcmp(what, "port") == 0) {
				fputs(name, f);
				fputs("{port=\"", f);
				lbl(f, ben_dict_get(d, e, "name"));
				fprintf(f, "\"} %lld\n", (long long)v);
			} else {
				fprintf(f, "%s{lcore=\"%lld\",roles=\"", name, (long long)bint(d, e, "id"));
				lbl(f, ben_dict_get(d, e, "roles"));
				fprintf(f, "\"} %lld\n", (long long)v);
			}
		}
		k = v0;
	}
	snprintf(name, sizeof(name), "callplane_dp_%s_drops_total", what);
	family(f, name, "counter", "packets the dataplane dropped, by reason");
	for (const struct ben_node *e = first; e; e = ben_next(d, list, e)) {
		const struct ben_node *ctr = ben_dict_get(d, e, "counters");

		for (const struct ben_node *k = ctr ? ben_next(d, ctr, NULL) : NULL; k;
		     k = ben_next(d, ctr, k)) {
			const struct ben_node *v = ben_next(d, ctr, k);

			if (v == NULL)
				break;
			if (k->len > 5 && memcmp(k->str, "drop_", 5) == 0 && v->type == BEN_INT) {
				if (strcmp(what, "port") == 0) {
					fprintf(f, "%s{port=\"", name);
					lbl(f, ben_dict_get(d, e, "name"));
				} else {
					fprintf(f, "%s{lcore=\"%lld", name, (long long)bint(d, e, "id"));
				}
				fprintf(f, "\",reason=\"%.*s\"} %lld\n", (int)k->len - 5, k->str + 5,
					(long long)v->num);
			}
			k = v;
		}
	}
}

static void
dp_histogram(FILE *f, const struct ben_doc *d, const struct ben_node *q, const char *key,
	     const char *name, const char *help, double scale)
{
	const struct ben_node *h = q ? ben_dict_get(d, q, key) : NULL;
	const struct ben_node *le = h ? ben_dict_get(d, h, "le") : NULL;
	const struct ben_node *cnt = h ? ben_dict_get(d, h, "counts") : NULL;
	const struct ben_node *sum = h ? ben_dict_str(d, h, "sum") : NULL;
	const struct ben_node *c, *l;
	uint64_t cum = 0;
	char sb[40];

	if (le == NULL || cnt == NULL || le->type != BEN_LIST || cnt->type != BEN_LIST)
		return;
	family(f, name, "histogram", help);
	for (l = ben_next(d, le, NULL), c = ben_next(d, cnt, NULL); c; c = ben_next(d, cnt, c)) {
		cum += c->type == BEN_INT && c->num > 0 ? (uint64_t)c->num : 0;
		if (l != NULL && l->type == BEN_STR) {
			snprintf(sb, sizeof(sb), "%.*s", (int)l->len, l->str);
			fprintf(f, "%s_bucket{le=\"%g\"} %llu\n", name, strtod(sb, NULL) * scale,
				(unsigned long long)cum);
			l = ben_next(d, le, l);
		} else {
			fprintf(f, "%s_bucket{le=\"+Inf\"} %llu\n", name, (unsigned long long)cum);
		}
	}
	snprintf(sb, sizeof(sb), "%.*s", sum ? (int)sum->len : 1, sum ? sum->str : "0");
	fprintf(f, "%s_sum %g\n%s_count %llu\n", name, strtod(sb, NULL) * scale, name,
		(unsigned long long)bint(d, h, "count"));
}

static void
dp_metrics(FILE *f, const struct ben_doc *d, const struct ben_node *root)
{
	const struct ben_node *cp = ben_dict_get(d, root, "callplane");
	const struct ben_node *ports = cp ? ben_dict_get(d, cp, "ports") : NULL;
	const struct ben_node *lcores = cp ? ben_dict_get(d, cp, "lcores") : NULL;
	const struct ben_node *q = cp ? ben_dict_get(d, cp, "quality") : NULL;
	static const struct { const char *key, *name, *help; } pmd[] = {
		{ "pmd ipackets", "callplane_dp_port_pmd_rx_packets_total", "packets the PMD received" },
		{ "pmd opackets", "callplane_dp_port_pmd_tx_packets_total", "packets the PMD sent" },
		{ "pmd imissed", "callplane_dp_port_pmd_rx_missed_total",
		  "packets the NIC dropped (rx queue full)" },
		{ "pmd ierrors", "callplane_dp_port_pmd_rx_errors_total", "erroneous received packets" },
		{ "pmd oerrors", "callplane_dp_port_pmd_tx_errors_total", "failed transmits" },
		{ "pmd rx nombuf", "callplane_dp_port_pmd_rx_nombuf_total",
		  "receive failures for want of an mbuf" },
	};

	if (cp == NULL)
		return;
	family(f, "callplane_dp_sessions", "gauge", "relay sessions (NG calls) in the dataplane");
	fprintf(f, "callplane_dp_sessions %lld\n", (long long)bint(d, cp, "sessions"));
	family(f, "callplane_dp_streams", "gauge", "media streams (RTP and RTCP, each way)");
	fprintf(f, "callplane_dp_streams %lld\n", (long long)bint(d, cp, "streams"));
	family(f, "callplane_dp_sessions_created_total", "counter",
	       "relay sessions created since the dataplane started");
	fprintf(f, "callplane_dp_sessions_created_total %lld\n",
		(long long)bint(d, cp, "sessions total"));
	if (ports && ports->type == BEN_LIST) {
		family(f, "callplane_dp_port_up", "gauge", "link state of a dataplane port (1 up)");
		for (const struct ben_node *p = ben_next(d, ports, NULL); p; p = ben_next(d, ports, p)) {
			const struct ben_node *link = ben_dict_str(d, p, "link");

			fputs("callplane_dp_port_up{port=\"", f);
			lbl(f, ben_dict_get(d, p, "name"));
			fprintf(f, "\"} %d\n", link && ben_str_eq(link, "up"));
		}
		for (size_t i = 0; i < sizeof(pmd) / sizeof(pmd[0]); i++) {
			family(f, pmd[i].name, "counter", pmd[i].help);
			for (const struct ben_node *p = ben_next(d, ports, NULL); p;
			     p = ben_next(d, ports, p)) {
				fprintf(f, "%s{port=\"", pmd[i].name);
				lbl(f, ben_dict_get(d, p, "name"));
				fprintf(f, "\"} %lld\n", (long long)bint(d, p, pmd[i].key));
			}
		}
		dp_counter_families(f, d, ports, "port");
	}
	if (lcores && lcores->type == BEN_LIST) {
		int64_t hz = bint(d, cp, "tsc hz");

		family(f, "callplane_dp_lcore_busy_seconds_total", "counter",
		       "time an lcore spent on polls that found work (load = rate of this)");
		for (const struct ben_node *l = ben_next(d, lcores, NULL); l;
		     l = ben_next(d, lcores, l)) {
			const struct ben_node *ctr = ben_dict_get(d, l, "counters");

			fprintf(f, "callplane_dp_lcore_busy_seconds_total{lcore=\"%lld\",roles=\"",
				(long long)bint(d, l, "id"));
			lbl(f, ben_dict_get(d, l, "roles"));
			fprintf(f, "\"} %.6f\n", hz > 0 ? (double)bint(d, ctr, "busy_cycles") / (double)hz : 0.0);
		}
		family(f, "callplane_dp_lcore_polls_total", "counter", "receive polls of an lcore");
		for (const struct ben_node *l = ben_next(d, lcores, NULL); l;
		     l = ben_next(d, lcores, l)) {
			fprintf(f, "callplane_dp_lcore_polls_total{lcore=\"%lld\",roles=\"",
				(long long)bint(d, l, "id"));
			lbl(f, ben_dict_get(d, l, "roles"));
			fprintf(f, "\"} %lld\n", (long long)bint(d, ben_dict_get(d, l, "counters"), "polls"));
		}
		family(f, "callplane_dp_lcore_relayed_total", "counter",
		       "media packets an lcore relayed");
		for (const struct ben_node *l = ben_next(d, lcores, NULL); l;
		     l = ben_next(d, lcores, l)) {
			fprintf(f, "callplane_dp_lcore_relayed_total{lcore=\"%lld\",roles=\"",
				(long long)bint(d, l, "id"));
			lbl(f, ben_dict_get(d, l, "roles"));
			fprintf(f, "\"} %lld\n",
				(long long)bint(d, ben_dict_get(d, l, "counters"), "relayed"));
		}
	}
	dp_histogram(f, d, q, "loss fraction", "callplane_media_loss_ratio",
		     "packet loss of each ended call's RTP streams (0..1)", 1.0);
	dp_histogram(f, d, q, "jitter ms", "callplane_media_jitter_seconds",
		     "interarrival jitter (RFC 3550) of each ended call's RTP streams", 0.001);
	dp_histogram(f, d, q, "MOS", "callplane_media_mos",
		     "estimated MOS (E-model, G.711) of each ended call's RTP streams", 1.0);
}

static void
scrape_done(void *arg, int rc, const struct ben_doc *d, const struct ben_node *root)
{
	struct hconn *c = arg;
	char *body = NULL;
	size_t blen = 0;
	FILE *f;

	c->waiting = false;
	if (c->dead) {
		hconn_free(c);
		return;
	}
	f = open_memstream(&body, &blen);
	if (f == NULL) {
		respond_text(c, 500, "Internal Server Error", "out of memory\n", NULL);
		return;
	}
	b2b_metrics(c->m->h.b2b, f);
	family(f, "callplane_dp_up", "gauge",
	       "1 when callplane-dp answered this scrape's NG statistics request");
	fprintf(f, "callplane_dp_up %d\n", rc == 0 && ngc_ok(d, root));
	if (rc == 0 && ngc_ok(d, root))
		dp_metrics(f, d, root);
	family(f, "callplane_metrics_scrapes_total", "counter", "scrapes of this endpoint");
	fprintf(f, "callplane_metrics_scrapes_total %llu\n", (unsigned long long)c->m->scrapes);
	if (fclose(f) != 0) {
		free(body);
		respond_text(c, 500, "Internal Server Error", "out of memory\n", NULL);
		return;
	}
	respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", body, blen, NULL);
	free(body);
}

static void
on_request(struct hconn *c, const char *method, const char *path)
{
	static const char *const kv[] = { "command", "statistics", NULL };
	char *q = strchr(path, '?');

	if (q)
		*q = '\0';
	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/") != 0) {
		respond_text(c, 404, "Not Found", "not found: try /metrics\n", NULL);
		return;
	}
	if (strcmp(method, "GET") != 0) {
		respond_text(c, 405, "Method Not Allowed", "only GET\n", "Allow: GET\r\n");
		return;
	}
	if (strcmp(path, "/") == 0) {
		respond_text(c, 200, "OK", "callplane-cp: metrics at /metrics\n", NULL);
		return;
	}
	c->m->scrapes++;
	if (ngc_call(b2b_ngc(c->m->h.b2b), kv, scrape_done, c) < 0) {
		scrape_done(c, -EIO, NULL, NULL);
		return;
	}
	c->waiting = true;
	cp_io_mod(c->m->h.loop, &c->io, 0);
}

static void
on_idle(struct cp_timer *t)
{
	hconn_close(t->arg);
}

static void
on_hconn(struct cp_io *io, uint32_t events)
{
	struct hconn *c = io->arg;
	char method[16], path[256];
	int st, rc;
	ssize_t n;

	if (c->out != NULL) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			hconn_flush(c);
		return;
	}
	n = recv(io->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		hconn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->in_len += (size_t)n;
	rc = http_parse_head(c->in, c->in_len, method, sizeof(method), path, sizeof(path), &st);
	if (rc == 0)
		return;
	cp_timer_stop(&c->t);
	if (rc < 0) {
		const char *reason = st == 414 ? "URI Too Long" : st == 431 ?
			"Request Header Fields Too Large" : st == 505 ?
			"HTTP Version Not Supported" : "Bad Request";

		respond_text(c, st, reason, "bad request\n", NULL);
		return;
	}
	on_request(c, method, path);
}

static void
on_accept(struct cp_io *io, uint32_t events)
{
	struct metrics *m = io->arg;

	(void)events;
	for (;;) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct hconn *c;

		if (fd < 0)
			return;
		if (m->n_conns >= HTTP_MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->m = m;
		c->io = (struct cp_io){ .fd = fd, .cb = on_hconn, .arg = c };
		if (cp_io_add(m->h.loop, &c->io, EPOLLIN) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = m->conns;
		m->conns = c;
		m->n_conns++;
		cp_timer_set(m->h.loop, &c->t, HTTP_IDLE_MS, on_idle, c);
	}
}

int
metrics_create(struct metrics **out, const struct api_host *host, const char *listen_at)
{
	struct sockaddr_storage ss;
	struct metrics *m;
	int fd, one = 1;

	*out = NULL;
	if (listen_at == NULL)
		return 0;
	if (cfg_parse_hostport(listen_at, &ss) < 0)
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, ss.ss_family == AF_INET ?
		 sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0 ||
	    listen(fd, 64) < 0) {
		int e = -errno;

		CP_ERR("metrics: cannot listen on %s: %s", listen_at, strerror(-e));
		close(fd);
		return e;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		close(fd);
		return -ENOMEM;
	}
	m->h = *host;
	m->lis = (struct cp_io){ .fd = fd, .cb = on_accept, .arg = m };
	if (cp_io_add(m->h.loop, &m->lis, EPOLLIN) < 0) {
		close(fd);
		free(m);
		return -EIO;
	}
	*out = m;
	return 0;
}

void
metrics_destroy(struct metrics *m)
{
	if (m == NULL)
		return;
	while (m->conns) {
		struct hconn *c = m->conns;

		if (c->waiting)
			ngc_forget(b2b_ngc(m->h.b2b), c);
		c->waiting = false;
		if (c->dead)
			hconn_free(c);
		else
			hconn_close(c);
	}
	cp_io_del(m->h.loop, &m->lis);
	close(m->lis.fd);
	free(m);
}
