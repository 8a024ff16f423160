/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control API: JSON-RPC 2.0, one request per line, over a unix stream
 * socket (file mode and SO_PEERCRED both gate it), and the Prometheus
 * /metrics listener. Methods are listed in api_methods.h. Loop thread
 * only; dataplane methods ask callplane-dp over NG without blocking.
 */
#ifndef CP_API_H
#define CP_API_H

#include <stdbool.h>
#include <stdint.h>

#include "core/loop.h"

struct b2b;
struct cfg;
struct jw;

/* What the daemon lends the API. */
struct api_host {
	struct cp_loop *loop;
	struct b2b *b2b;
	/* The settings in force (changes on reload). */
	const struct cfg *(*cfg)(void);
	/*
	 * Reloads the config file. On success writes the members of the
	 * result object (already opened) and returns 0; otherwise returns
	 * -EINVAL with one "file:line:col: ..." line per error in @err.
	 */
	int (*reload)(struct jw *w, char *err, size_t errlen);
	/* Applies the command line's overrides to a freshly loaded config. */
	void (*adjust)(struct cfg *c);
	uint64_t started_s;  /* wall clock, for uptime */
};

struct api;

/* Listens on the config's api.socket (and metrics.listen, if set). A live
 * socket at the path (another callplane-cp) is an error; a stale one is
 * replaced. 0 or -errno with a message on stderr. */
int api_create(struct api **out, const struct api_host *host);
void api_destroy(struct api *a);
/* True when a callplane-cp already answers on @path (checked first at
 * start, before SIP ports are taken, for a clear message). */
bool api_socket_busy(const char *path);

/* The metrics listener (metrics.c); NULL @listen: none. */
struct metrics;
int metrics_create(struct metrics **out, const struct api_host *host, const char *listen);
void metrics_destroy(struct metrics *m);

/*
 * HTTP/1.x request head: method and path out of @buf[0..@len) up to the
 * blank line. 1 complete, 0 need more, -1 malformed (status in *@status:
 * 400, 405, 414, 431, 505). Exposed for the fuzz target.
 */
int http_parse_head(const char *buf, size_t len, char *method, size_t mlen, char *path,
		    size_t plen, int *status);

/* Converts NG's bencode (a reply or part of one) to JSON: dicts become
 * objects with ' ' in keys turned to '_', byte strings become strings. */
struct ben_doc;
struct ben_node;
void api_ben_json(struct jw *w, const struct ben_doc *doc, const struct ben_node *n);

#endif
