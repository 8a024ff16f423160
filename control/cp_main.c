/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * callplane-cp: the control plane daemon. Loads the one YAML file, runs
 * the SIP endpoint, registrar and B2BUA on one event loop, drives
 * callplane-dp over NG and listens for its events. Live figures go to a
 * JSON stats file once a second (and on SIGUSR1); SIGINT/SIGTERM hang up
 * every call, delete its media and print the final report.
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
#include <unistd.h>

#include "b2bua/b2b.h"
#include "config/cfg.h"
#include "core/loop.h"

static struct {
	struct cp_loop *loop;
	struct b2b *b2b;
	const char *stats_path;
	struct cp_timer stats_t;
	struct cp_io sig, ev;
	bool stop;
} g;

static void
usage(FILE *f)
{
	fprintf(f, "usage: callplane-cp -c FILE [--stats-file PATH]\n"
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

static void
stats_tick(struct cp_timer *t)
{
	write_stats();
	cp_timer_set(g.loop, t, 1000, stats_tick, NULL);
}

static void
on_signal(struct cp_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	while (read(io->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			write_stats();
		else
			g.stop = true;
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (path == NULL || optind != argc) {
		usage(stderr);
		return 2;
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
	if (cp_loop_create(&g.loop) < 0 || b2b_create(&g.b2b, g.loop, cfg) < 0) {
		fprintf(stderr, "callplane-cp: start-up failed\n");
		return 1;
	}
	sigemptyset(&set);
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
	fprintf(stderr, "callplane-cp %s: ready: SIP on", PROJECT_VERSION);
	for (uint32_t i = 0; i < cfg->cp.sip.n_listen; i++)
		fprintf(stderr, " %s", cfg->cp.sip.listen[i]);
	fprintf(stderr, " (UDP, TCP), dataplane NG %s, %u agents, %u queues\n", cfg->cp.ng,
		cfg->cp.n_agents, cfg->cp.n_queues);
	while (!g.stop)
		if (cp_loop_run_once(g.loop) < 0)
			break;
	write_stats();
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
	if (cfg->cp.events && cfg->cp.events[0] != '@')
		unlink(cfg->cp.events);
	cp_loop_destroy(g.loop);
	cfg_free(cfg);
	return 0;
}
