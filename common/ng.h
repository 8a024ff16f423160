/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NG protocol framing (rtpengine's control protocol): "COOKIE SP
 * bencode-dict" requests and replies, command names, error replies in the
 * protocol's own shape, and the reply cache that answers a retransmitted
 * cookie without executing the command again. Shared by callplane-dp
 * (server) and callplane-cp (client). Control path only.
 */
#ifndef NG_H
#define NG_H

#include <stddef.h>
#include <stdint.h>

#include "bencode.h"

#define NG_COOKIE_MAX 64

#define NG_COMMANDS(X) \
	X(PING, "ping") \
	X(OFFER, "offer") \
	X(ANSWER, "answer") \
	X(DELETE, "delete") \
	X(QUERY, "query") \
	X(LIST, "list") \
	X(STATISTICS, "statistics") \
	X(START_RECORDING, "start recording") \
	X(STOP_RECORDING, "stop recording") \
	X(PAUSE_RECORDING, "pause recording") \
	X(PLAY_MEDIA, "play media") \
	X(STOP_MEDIA, "stop media") \
	X(PLAY_DTMF, "play DTMF") \
	X(BLOCK_DTMF, "block DTMF") \
	X(UNBLOCK_DTMF, "unblock DTMF")

enum ng_cmd {
	NG_CMD_UNKNOWN = 0,
#define X(id, name) NG_CMD_##id,
	NG_COMMANDS(X)
#undef X
};

const char *ng_cmd_name(enum ng_cmd c);

/*
 * Splits a datagram into cookie and payload. The cookie is 1..NG_COOKIE_MAX
 * printable non-space bytes, then one space, then a non-empty payload.
 * 0 or -EINVAL (with a reason in @err).
 */
int ng_split(const char *msg, size_t len, const char **cookie, size_t *cookie_len,
	     const char **payload, size_t *payload_len, char *err, size_t errlen);

/* The command of a decoded request dict; NG_CMD_UNKNOWN if absent/unknown. */
enum ng_cmd ng_command(const struct ben_doc *doc, const struct ben_node *dict);

/* Starts a reply: writes "COOKIE " into @b. */
void ng_reply_start(struct ben_buf *b, const char *cookie, size_t cookie_len);

/* A whole error reply: COOKIE d6:result5:error12:error-reason...e */
void ng_reply_error(struct ben_buf *b, const char *cookie, size_t cookie_len,
		    const char *reason);

/*
 * Reply cache keyed by (peer, cookie). Entries expire after @ttl_ms; the
 * oldest is evicted when full. Owned by one thread.
 */
struct ng_cache;

int ng_cache_create(struct ng_cache **out, unsigned entries, uint32_t ttl_ms);
void ng_cache_free(struct ng_cache *c);
/* The cached reply for (peer, cookie) or NULL; *len set. */
const char *ng_cache_get(struct ng_cache *c, const void *peer, size_t peer_len,
			 const char *cookie, size_t cookie_len, uint64_t now_ms,
			 size_t *len);
/* Stores a copy of @reply. 0 or -ENOMEM/-EINVAL. */
int ng_cache_put(struct ng_cache *c, const void *peer, size_t peer_len,
		 const char *cookie, size_t cookie_len, const char *reply,
		 size_t len, uint64_t now_ms);

#endif
