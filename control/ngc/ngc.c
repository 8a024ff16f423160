/* SPDX-License-Identifier: BSD-3-Clause */
/* NG client: see ngc.h. Control plane loop thread only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/cfg.h"
#include "ngc.h"

#define NGC_MAX_PENDING 4096
#define NGC_RETRY_MS 500
#define NGC_TRIES 4
#define NGC_BUF 65536

struct pending {
	bool used;
	char cookie[24];
	char *msg;
	size_t len;
	int tries;
	ngc_reply_h cb;
	void *arg;
	struct cp_timer t;
	struct ngc *c;
};

struct ngc {
	struct cp_loop *loop;
	struct cp_io io;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	uint64_t seq;
	struct pending pend[NGC_MAX_PENDING];
	struct ngc_stats st;
};

static void
pend_free(struct pending *p)
{
	cp_timer_stop(&p->t);
	free(p->msg);
	p->msg = NULL;
	p->used = false;
}

static void
pend_retry(struct cp_timer *t)
{
	struct pending *p = t->arg;
	struct ngc *c = p->c;

	if (++p->tries >= NGC_TRIES) {
		ngc_reply_h cb = p->cb;
		void *arg = p->arg;

		c->st.timeouts++;
		pend_free(p);
		if (cb)
			cb(arg, -ETIMEDOUT, NULL, NULL);
		return;
	}
	c->st.retransmits++;
	sendto(c->io.fd, p->msg, p->len, MSG_DONTWAIT, (struct sockaddr *)&c->dst, c->dst_len);
	cp_timer_set(c->loop, &p->t, NGC_RETRY_MS << (p->tries - 1), pend_retry, p);
}

static void
readable(struct cp_io *io, uint32_t events)
{
	struct ngc *c = io->arg;
	static char buf[NGC_BUF];
	static struct ben_node nodes[4096];

	(void)events;
	for (;;) {
		ssize_t n = recv(io->fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct ben_doc doc = { .nodes = nodes, .cap = 4096 };
		const char *sp;
		struct pending *p = NULL;
		char err[80];

		if (n <= 0)
			return;
		sp = memchr(buf, ' ', (size_t)n);
		if (sp == NULL || sp - buf >= 24) {
			c->st.bad_replies++;
			continue;
		}
		for (unsigned i = 0; i < NGC_MAX_PENDING; i++)
			if (c->pend[i].used && strlen(c->pend[i].cookie) == (size_t)(sp - buf) &&
			    memcmp(c->pend[i].cookie, buf, (size_t)(sp - buf)) == 0) {
				p = &c->pend[i];
				break;
			}
		if (p == NULL)
			continue;            /* a late duplicate */
		{
			ngc_reply_h cb = p->cb;
			void *arg = p->arg;
			int rc = ben_decode(&doc, sp + 1, (size_t)(n - (sp + 1 - buf)), err, sizeof(err));

			pend_free(p);
			if (rc < 0 || nodes[0].type != BEN_DICT) {
				c->st.bad_replies++;
				if (cb)
					cb(arg, -EPROTO, NULL, NULL);
				continue;
			}
			if (!ngc_ok(&doc, &nodes[0]))
				c->st.errors++;
			if (cb)
				cb(arg, 0, &doc, &nodes[0]);
		}
	}
}

int
ngc_create(struct ngc **out, struct cp_loop *loop, const char *hostport)
{
	struct ngc *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->loop = loop;
	if (cfg_parse_hostport(hostport, &c->dst) < 0) {
		free(c);
		return -EINVAL;
	}
	c->dst_len = c->dst.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						  : sizeof(struct sockaddr_in);
	c->io = (struct cp_io){ .fd = socket(c->dst.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
				.cb = readable, .arg = c };
	if (c->io.fd < 0 || connect(c->io.fd, (struct sockaddr *)&c->dst, c->dst_len) < 0 ||
	    (rc = cp_io_add(loop, &c->io, EPOLLIN)) < 0) {
		rc = -errno;
		if (c->io.fd >= 0)
			close(c->io.fd);
		free(c);
		return rc;
	}
	for (unsigned i = 0; i < NGC_MAX_PENDING; i++)
		c->pend[i].c = c;
	*out = c;
	return 0;
}

void
ngc_destroy(struct ngc *c)
{
	if (c == NULL)
		return;
	for (unsigned i = 0; i < NGC_MAX_PENDING; i++)
		if (c->pend[i].used)
			pend_free(&c->pend[i]);
	cp_io_del(c->loop, &c->io);
	close(c->io.fd);
	free(c);
}

int
ngc_call(struct ngc *c, const char *const *kv, ngc_reply_h cb, void *arg)
{
	struct pending *p = NULL;
	struct ben_buf b;
	char *buf;
	int hl;

	for (unsigned i = 0; i < NGC_MAX_PENDING; i++)
		if (!c->pend[i].used) {
			p = &c->pend[i];
			break;
		}
	if (p == NULL)
		return -EBUSY;
	buf = malloc(NGC_BUF);
	if (buf == NULL)
		return -ENOMEM;
	snprintf(p->cookie, sizeof(p->cookie), "cp%lx_%lu", (unsigned long)getpid(),
		 (unsigned long)++c->seq);
	hl = snprintf(buf, NGC_BUF, "%s ", p->cookie);
	b = (struct ben_buf){ .p = buf + hl, .cap = NGC_BUF - (size_t)hl };
	ben_put_dict(&b);
	for (unsigned i = 0; kv[i] && kv[i + 1]; i += 2) {
		ben_put_cstr(&b, kv[i]);
		if (kv[i + 1][0] == '\x01') {
			const char *s = kv[i + 1] + 1;

			ben_put_list(&b);
			while (*s) {
				size_t n = strcspn(s, ",");

				if (n)
					ben_put_str(&b, s, n);
				s += n + (s[n] == ',');
			}
			ben_put_end(&b);
		} else {
			ben_put_cstr(&b, kv[i + 1]);
		}
	}
	ben_put_end(&b);
	if (b.overflow) {
		free(buf);
		return -E2BIG;
	}
	p->used = true;
	p->msg = buf;
	p->len = (size_t)hl + b.len;
	p->tries = 0;
	p->cb = cb;
	p->arg = arg;
	c->st.requests++;
	send(c->io.fd, p->msg, p->len, MSG_DONTWAIT);
	cp_timer_set(c->loop, &p->t, NGC_RETRY_MS, pend_retry, p);
	return 0;
}

void
ngc_forget(struct ngc *c, void *arg)
{
	for (unsigned i = 0; i < NGC_MAX_PENDING; i++)
		if (c->pend[i].used && c->pend[i].arg == arg)
			c->pend[i].cb = NULL;
}

bool
ngc_ok(const struct ben_doc *doc, const struct ben_node *root)
{
	const struct ben_node *r = ben_dict_str(doc, root, "result");

	return r && ben_str_eq(r, "ok");
}

const struct ben_node *
ngc_sdp(const struct ben_doc *doc, const struct ben_node *root)
{
	return ben_dict_str(doc, root, "sdp");
}

const struct ngc_stats *
ngc_stats(const struct ngc *c)
{
	return &c->st;
}
