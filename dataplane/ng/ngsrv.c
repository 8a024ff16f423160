/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG control server (see ngsrv.h). Main lcore: sockets are non-blocking
 * and polled from the main loop, so the host stack and the exception
 * path are never held up by a client.
 *
 * Commands served here: ping, list, statistics, and query/delete (which
 * find no call while the relay has no sessions). offer/answer and the
 * media commands are refused with an error naming the command until the
 * relay that backs them exists, never silently accepted.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_log.h>

#include "common/ng.h"
#include "dp.h"
#include "ngsrv.h"

RTE_LOG_REGISTER_DEFAULT(ngsrv_logtype, INFO);
#define NG_LOG(lvl, ...) rte_log(RTE_LOG_##lvl, ngsrv_logtype, "ng: " __VA_ARGS__)

#define NG_MAX_SOCKS 9
#define NG_MSG_MAX 65535
#define NG_NODES 4096
#define NG_POLL_BUDGET 64

static int socks[NG_MAX_SOCKS];
static unsigned n_socks;
static struct ng_cache *cache;
static struct ben_node nodes[NG_NODES];

#define NCOUNT(ctr) (dp_stats[dp.main_lcore][DP_STATS_NOPORT].c[DP_C_##ctr]++)

static uint64_t
now_ms(void)
{
	return rte_get_timer_cycles() * 1000 / rte_get_timer_hz();
}

static void
reply_ok_start(struct ben_buf *b, const char *ck, size_t ckl)
{
	ng_reply_start(b, ck, ckl);
	ben_put_dict(b);
	ben_put_cstr(b, "result");
	ben_put_cstr(b, "ok");
}

static void
put_kv_int(struct ben_buf *b, const char *k, int64_t v)
{
	ben_put_cstr(b, k);
	ben_put_int(b, v);
}

size_t
ngsrv_handle(const char *msg, size_t len, const void *peer, size_t peer_len,
	     char *out, size_t outcap)
{
	struct ben_buf b = { .p = out, .cap = outcap };
	struct ben_doc doc = { .nodes = nodes, .cap = NG_NODES };
	const char *ck, *pl, *cached;
	size_t ckl, pll, clen;
	char err[160], reason[200];
	enum ng_cmd cmd;
	int rc;

	if (ng_split(msg, len, &ck, &ckl, &pl, &pll, err, sizeof(err)) < 0) {
		NCOUNT(ng_malformed);
		return 0;
	}
	cached = ng_cache_get(cache, peer, peer_len, ck, ckl, now_ms(), &clen);
	if (cached != NULL && clen <= outcap) {
		NCOUNT(ng_retransmits);
		memcpy(out, cached, clen);
		return clen;
	}
	NCOUNT(ng_requests);
	rc = ben_decode(&doc, pl, pll, err, sizeof(err));
	if (rc < 0 || nodes[0].type != BEN_DICT) {
		snprintf(reason, sizeof(reason), "Malformed message: %s",
			 rc < 0 ? err : "not a dictionary");
		ng_reply_error(&b, ck, ckl, reason);
		NCOUNT(ng_errors);
		goto out;
	}
	cmd = ng_command(&doc, &nodes[0]);
	switch (cmd) {
	case NG_CMD_PING:
		ng_reply_start(&b, ck, ckl);
		ben_put_dict(&b);
		ben_put_cstr(&b, "result");
		ben_put_cstr(&b, "pong");
		ben_put_end(&b);
		break;
	case NG_CMD_LIST:
		reply_ok_start(&b, ck, ckl);
		ben_put_cstr(&b, "calls");
		ben_put_list(&b);
		ben_put_end(&b);
		ben_put_end(&b);
		break;
	case NG_CMD_STATISTICS: {
		uint64_t c[DP_C__MAX];

		dp_stats_sum(-1, -1, c);
		reply_ok_start(&b, ck, ckl);
		ben_put_cstr(&b, "statistics");
		ben_put_dict(&b);
		ben_put_cstr(&b, "currentstatistics");
		ben_put_dict(&b);
		put_kv_int(&b, "sessionsown", 0);
		put_kv_int(&b, "sessionsforeign", 0);
		put_kv_int(&b, "sessionstotal", 0);
		ben_put_end(&b);
		ben_put_cstr(&b, "totalstatistics");
		ben_put_dict(&b);
		put_kv_int(&b, "uptime", (int64_t)((rte_get_timer_cycles() - dp.start_tsc) /
						    rte_get_timer_hz()));
		put_kv_int(&b, "packetsrelayed", 0);
		put_kv_int(&b, "packetsreceived", (int64_t)c[DP_C_rx_pkts]);
		put_kv_int(&b, "ngrequests", (int64_t)c[DP_C_ng_requests]);
		ben_put_end(&b);
		ben_put_end(&b);
		ben_put_end(&b);
		break;
	}
	case NG_CMD_QUERY:
	case NG_CMD_DELETE:
		if (ben_dict_str(&doc, &nodes[0], "call-id") == NULL)
			ng_reply_error(&b, ck, ckl, "No call-id in message");
		else
			ng_reply_error(&b, ck, ckl, "Unknown call-id");
		NCOUNT(ng_errors);
		break;
	case NG_CMD_UNKNOWN:
		ng_reply_error(&b, ck, ckl, "Unrecognized command");
		NCOUNT(ng_errors);
		break;
	default:
		snprintf(reason, sizeof(reason), "Command '%s' is not supported by this dataplane yet",
			 ng_cmd_name(cmd));
		ng_reply_error(&b, ck, ckl, reason);
		NCOUNT(ng_errors);
		break;
	}
out:
	if (b.overflow) {
		b.len = 0;
		b.overflow = false;
		ng_reply_error(&b, ck, ckl, "Reply too large");
		if (b.overflow)
			return 0;
	}
	ng_cache_put(cache, peer, peer_len, ck, ckl, out, b.len, now_ms());
	return b.len;
}

static int
open_udp(const char *spec)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	if (cfg_parse_hostport(spec, &ss) < 0)
		return -EINVAL;
	sl = ss.ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The tap address may still be settling (IPv6): bind anyway. */
	setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static int
open_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	chmod(path, 0660);
	return fd;
}

int
ngsrv_init(void)
{
	const struct cfg_ng *c = &dp.cfg->dp.ng;
	int fd, rc;

	if (!dp.cfg->dp.has_ng)
		return 0;
	rc = ng_cache_create(&cache, c->cache_entries, c->cache_ttl_s * 1000u);
	if (rc < 0)
		return rc;
	for (uint32_t i = 0; i < c->n_listen; i++) {
		fd = open_udp(c->listen[i]);
		if (fd < 0) {
			fprintf(stderr, "ng: cannot listen on %s: %s\n", c->listen[i], strerror(-fd));
			return fd;
		}
		socks[n_socks++] = fd;
	}
	if (c->unix_path != NULL) {
		fd = open_unix(c->unix_path);
		if (fd < 0) {
			fprintf(stderr, "ng: cannot bind %s: %s\n", c->unix_path, strerror(-fd));
			return fd;
		}
		socks[n_socks++] = fd;
	}
	return 0;
}

void
ngsrv_fini(void)
{
	for (unsigned i = 0; i < n_socks; i++)
		close(socks[i]);
	n_socks = 0;
	if (dp.cfg->dp.has_ng && dp.cfg->dp.ng.unix_path)
		unlink(dp.cfg->dp.ng.unix_path);
	ng_cache_free(cache);
	cache = NULL;
}

unsigned
ngsrv_poll(void)
{
	static char in[NG_MSG_MAX + 1], out[NG_MSG_MAX];
	unsigned done = 0;

	for (unsigned i = 0; i < n_socks; i++) {
		for (unsigned k = 0; k < NG_POLL_BUDGET; k++) {
			struct sockaddr_storage peer;
			socklen_t pl = sizeof(peer);
			ssize_t n;
			size_t r;

			n = recvfrom(socks[i], in, sizeof(in), MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&peer, &pl);
			if (n < 0)
				break;
			done++;
			if ((size_t)n > NG_MSG_MAX) {
				NCOUNT(ng_malformed); /* truncated: cannot be answered safely */
				continue;
			}
			/* Cache key: the client's address without its port, as a
			 * client may retransmit from a fresh socket. */
			const void *key = &peer;
			size_t keylen = pl;

			if (peer.ss_family == AF_INET) {
				key = &((struct sockaddr_in *)&peer)->sin_addr;
				keylen = 4;
			} else if (peer.ss_family == AF_INET6) {
				key = &((struct sockaddr_in6 *)&peer)->sin6_addr;
				keylen = 16;
			}
			r = ngsrv_handle(in, (size_t)n, key, keylen, out, sizeof(out));
			if (r > 0 && sendto(socks[i], out, r, MSG_DONTWAIT,
					    (struct sockaddr *)&peer, pl) < 0)
				NG_LOG(NOTICE, "reply not sent: %s\n", strerror(errno));
		}
	}
	return done;
}
