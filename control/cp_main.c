/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane-cp: the control plane daemon. Loads the one YAML file, runs
 * the SIP endpoint, registrar and B2BUA on one event loop, drives
 * callplane-dp over NG and listens for its events; serves the control
 * API (callplanectl) and /metrics. SIGHUP (or `callplanectl config
 * reload`) reloads the runtime sections; live figures go to a JSON stats
 * file once a second (and on SIGUSR1); SIGINT/SIGTERM hang up every call,
 * delete its media and print the final report. Tells systemd (Type=notify)
 * when it is ready, reloading and stopping.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "b2bua/b2b.h"
#include "common/json.h"
#include "common/notify.h"
#include "config/cfg.h"
#include "core/log.h"
#include "core/loop.h"

static struct {
	struct cp_loop *loop;
	struct b2b *b2b;
	struct api *api;
	struct metrics *metrics;
	struct cfg *cfg;          /* in force; boot-only values from the first load */
	const char *stats_path;
	const char *api_socket;   /* --api-socket: wins over the file's */
	struct cp_timer stats_t;
	struct cp_io sig, ev;
	bool stop;
} g;

static void
usage(FILE *f)
{
	fprintf(f, "usage: callplane-cp -c FILE [--stats-file PATH] [--api-socket PATH]\n"
		   "       callplane-cp --check-config FILE\n");
}

static void
write_stats(void)
{
	char tmp[4200];
	FILE *f;

	if (g.stats_path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", g.stats_path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return;
	b2b_stats_json(g.b2b, f);
	if (fclose(f) == 0)
		rename(tmp, g.stats_path);
}

/* Command-line settings that win over the file's (every load). */
static void
adjust(struct cfg *c)
{
	if (g.api_socket && c->has_cp) {
		char *s = strdup(g.api_socket);

		if (s) {
			free(c->cp.api.socket);
			c->cp.api.socket = s;
		}
	}
}

static const struct cfg *
cur_cfg(void)
{
	return g.cfg;
}

struct restart_list {
	struct jw *w;
	char line[600];
};

static void
restart_cb(void *arg, const char *path)
{
	struct restart_list *rl = arg;
	size_t n = strlen(rl->line);

	if (rl->w)
		jw_str(rl->w, path);
	snprintf(rl->line + n, sizeof(rl->line) - n, "%s%s", n ? ", " : "", path);
}

/*
 * Loads the file again, whole; only if it is valid do its runtime
 * sections replace the running ones (b2b_reload keeps calls). Boot-only
 * settings keep their running values and are listed as needing a restart.
 */
static int
reload(struct jw *w, char *err, size_t errlen)
{
	struct b2b_reload_sum sum = { 0 };
	struct restart_list rl = { .w = w };
	struct cfg *n = NULL, *old = g.cfg;
	int rc;

	svc_notify("RELOADING=1\nSTATUS=reloading the config");
	err[0] = '\0';
	rc = cfg_load(&n, old->path, err, errlen);
	if (rc == 0 && !n->has_cp) {
		snprintf(err, errlen, "%s: control: the control plane needs this section\n",
			 old->path);
		rc = -EINVAL;
	}
	if (rc < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: %s\n", old->path, strerror(-rc));
		CP_ERR("config reload: %s is invalid, nothing changed:", old->path);
		for (const char *l = err; *l;) {
			const char *e = strchr(l, '\n');
			int len = e ? (int)(e - l) : (int)strlen(l);

			CP_ERR("  %.*s", len, l);
			l += len + (e != NULL);
		}
		cfg_free(n);
		svc_notify("READY=1\nSTATUS=running (the last reload failed: invalid config)");
		return -EINVAL;
	}
	adjust(n);
	if (w) {
		jw_kstr(w, "file", old->path);
		jw_key(w, "restart_needed");
		jw_arr(w);
	}
	cfg_schema_diff_boot(cfg_root_fields, old, n, restart_cb, &rl);
	if (w)
		jw_end(w, ']');
	cfg_schema_swap_boot(cfg_root_fields, old, n);
	rc = b2b_reload(g.b2b, n, &sum);
	if (rc < 0) {
		cfg_schema_swap_boot(cfg_root_fields, old, n);
		cfg_free(n);
		snprintf(err, errlen, "%s: reload failed: %s\n", old->path, strerror(-rc));
		svc_notify("READY=1");
		return -EINVAL;
	}
	g.cfg = n;
	cfg_free(old);
	cp_log_level = (int)n->cp.log_level;
	if (rl.line[0])
		CP_WARN("config reload: changed boot-only settings need a restart to apply: %s",
			rl.line);
	if (w) {
		jw_kuint(w, "agents_added", sum.agents_added);
		jw_kuint(w, "agents_removed", sum.agents_removed);
		jw_kuint(w, "queues_added", sum.queues_added);
		jw_kuint(w, "queues_removed", sum.queues_removed);
		jw_kuint(w, "queues_changed", sum.queues_changed);
		jw_kuint(w, "trunks", n->cp.n_trunks);
		jw_kuint(w, "agents", n->cp.n_agents);
		jw_kuint(w, "queues", n->cp.n_queues);
	}
	svc_notifyf("READY=1\nSTATUS=running: %u agents, %u queues, %u trunks%s", n->cp.n_agents,
		    n->cp.n_queues, n->cp.n_trunks, rl.line[0] ? " (restart pending)" : "");
	return 0;
}

static void
stats_tick(struct cp_timer *t)
{
	b2b_tick_1s(g.b2b);
	write_stats();
	cp_timer_set(g.loop, t, 1000, stats_tick, NULL);
}

static void
on_signal(struct cp_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			write_stats();
		} else if (si.ssi_signo == SIGHUP) {
			static char err[16384];

			CP_INFO("SIGHUP: reloading %s", g.cfg->path);
			reload(NULL, err, sizeof(err));
		} else {
			g.stop = true;
		}
	}
}

static void
on_event(struct cp_io *io, uint32_t events)
{
	char buf[8192];
	ssize_t n;

	(void)events;
	while ((n = recv(io->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		b2b_event(g.b2b, buf, (size_t)n);
}

static int
events_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	if (path[0] == '@')     /* abstract: see the dataplane's events.c */
		sa.sun_path[0] = '\0';
	else
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "api-socket", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	bool check = false;
	static char err[16384];
	struct cfg *cfg = NULL;
	sigset_t set;
	int o, rc;

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': path = optarg; break;
		case 'k': path = optarg; check = true; break;
		case 's': g.stats_path = optarg; break;
		case 'a':
			if (optarg[0] != '/') {
				fprintf(stderr, "callplane-cp: --api-socket wants an absolute path\n");
				return 2;
			}
			g.api_socket = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	{
		/* reloads must find the file whatever the working directory */
		static char abs[4096];

		if (!check && realpath(path, abs) != NULL)
			path = abs;
	}
	rc = cfg_load(&cfg, path, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s", err[0] ? err : strerror(-rc));
		if (err[0] == '\0')
			fputc('\n', stderr);
		return 1;
	}
	if (!cfg->has_cp) {
		fprintf(stderr, "%s: control: the control plane needs this section\n", path);
		cfg_free(cfg);
		return 1;
	}
	if (check) {
		printf("%s: valid\n", path);
		cfg_free(cfg);
		return 0;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	adjust(cfg);
	g.cfg = cfg;
	cp_log_level = (int)cfg->cp.log_level;
	if (api_socket_busy(cfg->cp.api.socket ? cfg->cp.api.socket : CFG_API_SOCKET)) {
		CP_ERR("api: socket %s: another callplane-cp answers there",
		       cfg->cp.api.socket ? cfg->cp.api.socket : CFG_API_SOCKET);
		return 1;
	}
	if (cp_loop_create(&g.loop) < 0 || b2b_create(&g.b2b, g.loop, cfg) < 0) {
		CP_ERR("start-up failed");
		return 1;
	}
	{
		struct api_host h = {
			.loop = g.loop, .b2b = g.b2b, .cfg = cur_cfg, .reload = reload, .adjust = adjust,
			.started_s = (uint64_t)time(NULL),
		};

		if (api_create(&g.api, &h) < 0 ||
		    metrics_create(&g.metrics, &h, cfg->cp.metrics.listen) < 0) {
			CP_ERR("start-up failed (control API or metrics listener)");
			b2b_destroy(g.b2b);
			return 1;
		}
	}
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	g.sig = (struct cp_io){ .fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC), .cb = on_signal };
	if (g.sig.fd < 0 || cp_io_add(g.loop, &g.sig, EPOLLIN) < 0)
		return 1;
	if (cfg->cp.events) {
		g.ev = (struct cp_io){ .fd = events_open(cfg->cp.events), .cb = on_event };
		if (g.ev.fd < 0 || cp_io_add(g.loop, &g.ev, EPOLLIN) < 0) {
			fprintf(stderr, "callplane-cp: events socket %s: %s\n", cfg->cp.events,
				strerror(g.ev.fd < 0 ? -g.ev.fd : EINVAL));
			return 1;
		}
	}
	cp_timer_set(g.loop, &g.stats_t, 1000, stats_tick, NULL);
	{
		char sip[300] = "";

		for (uint32_t i = 0; i < cfg->cp.sip.n_listen; i++)
			snprintf(sip + strlen(sip), sizeof(sip) - strlen(sip), " %s",
				 cfg->cp.sip.listen[i]);
		fprintf(stderr, "callplane-cp %s: ready: SIP on%s (UDP, TCP), dataplane NG %s, "
			"%u agents, %u queues, API %s, metrics %s\n", PROJECT_VERSION, sip,
			cfg->cp.ng, cfg->cp.n_agents, cfg->cp.n_queues,
			cfg->cp.api.socket ? cfg->cp.api.socket : CFG_API_SOCKET,
			cfg->cp.metrics.listen ? cfg->cp.metrics.listen : "off");
		svc_notifyf("READY=1\nMAINPID=%d\nSTATUS=running: SIP on%s, %u agents, %u queues",
			    (int)getpid(), sip, cfg->cp.n_agents, cfg->cp.n_queues);
	}
	while (!g.stop)
		if (cp_loop_run_once(g.loop) < 0)
			break;
	svc_notify("STOPPING=1\nSTATUS=stopping: hanging up calls");
	write_stats();
	metrics_destroy(g.metrics);
	api_destroy(g.api);
	{
		const struct b2b_stats *s = b2b_stats(g.b2b);

		fprintf(stderr, "callplane-cp: stopping: %u calls still up (hung up now)\n",
			b2b_active_calls(g.b2b));
		fprintf(stderr, "callplane-cp: calls offered %llu, answered %llu, abandoned %llu, "
			"timed out %llu, rejected %llu, ASA %llu ms\n",
			(unsigned long long)s->offered, (unsigned long long)s->answered,
			(unsigned long long)s->abandoned, (unsigned long long)s->queue_timeouts,
			(unsigned long long)s->no_agents_rejected,
			(unsigned long long)(s->answered ? s->answer_ms_sum / s->answered : 0));
	}
	b2b_destroy(g.b2b);
	/* let the BYEs and NG deletes leave before the loop goes */
	if (g.cfg->cp.events && g.cfg->cp.events[0] != '@')
		unlink(g.cfg->cp.events);
	cp_loop_destroy(g.loop);
	cfg_free(g.cfg);
	return 0;
}
