/* SPDX-License-Identifier: BSD-3-Clause */
/* Event loop and timer wheel: see loop.h. Control plane only. */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct cp_loop {
	int epfd;
	uint64_t now_ms;       /* last time seen */
	uint64_t wheel_ms;     /* the wheel has fired everything before this */
	struct cp_timer *slots[CP_WHEEL_SLOTS];
	bool test_time;        /* cp_loop_advance drives time */
	uint64_t seq;          /* timers armed so far */
};

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
cp_loop_create(struct cp_loop **out)
{
	struct cp_loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int e = -errno;

		free(l);
		return e;
	}
	l->now_ms = l->wheel_ms = mono_ms();
	*out = l;
	return 0;
}

void
cp_loop_destroy(struct cp_loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l);
}

int
cp_io_add(struct cp_loop *l, struct cp_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, io->fd, &ev) < 0 ? -errno : 0;
}

int
cp_io_mod(struct cp_loop *l, struct cp_io *io, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = io };

	return epoll_ctl(l->epfd, EPOLL_CTL_MOD, io->fd, &ev) < 0 ? -errno : 0;
}

void
cp_io_del(struct cp_loop *l, struct cp_io *io)
{
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, io->fd, NULL);
}

uint64_t
cp_now_ms(const struct cp_loop *l)
{
	return l->now_ms;
}

void
cp_timer_stop(struct cp_timer *t)
{
	if (t->pprev == NULL)
		return;
	*t->pprev = t->next;
	if (t->next)
		t->next->pprev = t->pprev;
	t->next = NULL;
	t->pprev = NULL;
}

static void
wheel_insert(struct cp_loop *l, struct cp_timer *t)
{
	uint64_t at = t->expires_ms < l->wheel_ms ? l->wheel_ms : t->expires_ms;
	struct cp_timer **slot = &l->slots[(at / CP_TICK_MS) % CP_WHEEL_SLOTS];

	t->next = *slot;
	if (t->next)
		t->next->pprev = &t->next;
	t->pprev = slot;
	*slot = t;
}

void
cp_timer_set(struct cp_loop *l, struct cp_timer *t, uint32_t ms, cp_timer_h cb, void *arg)
{
	cp_timer_stop(t);
	t->cb = cb;
	t->arg = arg;
	t->expires_ms = l->now_ms + ms;
	t->seq = ++l->seq;
	wheel_insert(l, t);
}

void
cp_loop_advance(struct cp_loop *l, uint64_t now_ms)
{
	l->test_time = true;
	l->now_ms = now_ms;
	/* one slot per tick; timers a whole turn or more away stay put */
	while (l->wheel_ms / CP_TICK_MS <= now_ms / CP_TICK_MS) {
		struct cp_timer **slot = &l->slots[(l->wheel_ms / CP_TICK_MS) % CP_WHEEL_SLOTS];
		uint64_t pass = l->seq;

		/* one due timer at a time, rescanning after each callback: a
		 * callback may stop or free any other timer of this slot; one
		 * re-armed during the pass waits for the next pass */
		for (;;) {
			struct cp_timer *t = *slot;

			while (t && (t->expires_ms > now_ms || t->seq > pass))
				t = t->next;
			if (t == NULL)
				break;
			cp_timer_stop(t);
			t->cb(t);
		}
		if (l->wheel_ms / CP_TICK_MS == now_ms / CP_TICK_MS)
			break;
		l->wheel_ms += CP_TICK_MS;
	}
}

int
cp_loop_run_once(struct cp_loop *l)
{
	struct epoll_event evs[64];
	int n;

	n = epoll_wait(l->epfd, evs, 64, CP_TICK_MS);
	if (n < 0 && errno != EINTR)
		return -errno;
	l->now_ms = mono_ms();
	for (int i = 0; i < n; i++) {
		struct cp_io *io = evs[i].data.ptr;

		io->cb(io, evs[i].events);
	}
	cp_loop_advance(l, mono_ms());
	l->test_time = false;
	return 0;
}
