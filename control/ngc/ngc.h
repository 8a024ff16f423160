/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG client: how the control plane drives callplane-dp (offer, answer,
 * delete, query, statistics) over UDP, without blocking its loop. Each
 * request carries a fresh cookie; a lost datagram is sent again with the
 * same cookie (the dataplane answers repeats from its reply cache, so a
 * command never runs twice). Loop thread only.
 */
#ifndef NGC_H
#define NGC_H

#include "common/bencode.h"
#include "core/loop.h"

struct ngc;

/* @rc 0 with the reply dict in @doc/@root (result may still be "error"),
 * or -ETIMEDOUT / -EPROTO. */
typedef void (*ngc_reply_h)(void *arg, int rc, const struct ben_doc *doc,
			    const struct ben_node *root);

#define NGC_COUNTERS(X) X(requests) X(retransmits) X(timeouts) X(errors) X(bad_replies)

struct ngc_stats {
#define X(n) uint64_t n;
	NGC_COUNTERS(X)
#undef X
};

int ngc_create(struct ngc **out, struct cp_loop *loop, const char *hostport);
void ngc_destroy(struct ngc *c);

/*
 * Sends a command: @kv holds key, value string pairs (NULL-terminated);
 * a value starting with "\x01" is a list of flags separated by ',' after
 * it (for "flags" and "replace"). @cb may be NULL. 0 or -errno.
 */
int ngc_call(struct ngc *c, const char *const *kv, ngc_reply_h cb, void *arg);

/* Forgets every pending callback for @arg (its owner is going away). */
void ngc_forget(struct ngc *c, void *arg);

/* The reply's "result" is "ok"; the "sdp" string, if any. */
bool ngc_ok(const struct ben_doc *doc, const struct ben_node *root);
const struct ben_node *ngc_sdp(const struct ben_doc *doc, const struct ben_node *root);

const struct ngc_stats *ngc_stats(const struct ngc *c);

#endif
