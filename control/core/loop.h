/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's event loop: epoll for sockets plus a hashed timer
 * wheel (10 ms ticks) for every protocol timer (SIP T1..T4, ring and
 * wrap-up timers, registration and nonce expiry). One loop per thread;
 * nothing here is shared between threads.
 */
#ifndef CP_LOOP_H
#define CP_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct cp_loop;
struct cp_io;
struct cp_timer;

typedef void (*cp_io_h)(struct cp_io *io, uint32_t events);
typedef void (*cp_timer_h)(struct cp_timer *t);

struct cp_io {
	int fd;
	cp_io_h cb;
	void *arg;
};

struct cp_timer {
	struct cp_timer *next, **pprev;  /* in a wheel slot; pprev NULL when idle */
	uint64_t expires_ms;
	uint64_t seq;                    /* when armed: a pass fires older ones only */
	cp_timer_h cb;
	void *arg;
};

#define CP_TICK_MS 10
#define CP_WHEEL_SLOTS 4096

int cp_loop_create(struct cp_loop **out);
void cp_loop_destroy(struct cp_loop *l);

/* Watches io->fd for @events (EPOLLIN ...). 0 or -errno. */
int cp_io_add(struct cp_loop *l, struct cp_io *io, uint32_t events);
int cp_io_mod(struct cp_loop *l, struct cp_io *io, uint32_t events);
void cp_io_del(struct cp_loop *l, struct cp_io *io);

/* Arms @t to fire after @ms (re-arming moves it). */
void cp_timer_set(struct cp_loop *l, struct cp_timer *t, uint32_t ms, cp_timer_h cb, void *arg);
void cp_timer_stop(struct cp_timer *t);
static inline bool cp_timer_armed(const struct cp_timer *t) { return t->pprev != 0; }

/* Monotonic milliseconds as the loop last saw them. */
uint64_t cp_now_ms(const struct cp_loop *l);

/* Runs one round: waits at most until the next tick, handles I/O and
 * expired timers. Returns -errno only on a fatal epoll error. */
int cp_loop_run_once(struct cp_loop *l);

/* Advances the wheel to @now_ms, firing what expires (tests drive time). */
void cp_loop_advance(struct cp_loop *l, uint64_t now_ms);

#endif
