/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SIP endpoint: transports (UDP and TCP on each listen address) and
 * the transaction layer of RFC 3261 section 17 with the RFC 6026 fixes
 * (the "Accepted" states and timers L and M). It absorbs retransmissions,
 * retransmits over UDP, times out, builds the ACK for non-2xx final
 * responses, and hands the transaction user (the B2BUA, the registrar)
 * one event per new request and per response. Runs on one cp_loop
 * thread; never blocks.
 */
#ifndef SIP_EP_H
#define SIP_EP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "core/loop.h"
#include "sip_hdr.h"

enum sip_tp { SIP_TP_UDP, SIP_TP_TCP };

struct sip_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	uint8_t tp;       /* enum sip_tp */
	int conn;         /* TCP: connection slot, -1 for any/new */
};

struct sip_ep;
struct sip_stx;       /* server transaction */
struct sip_ctx;       /* client transaction */

/* A new request (not ACK) with its server transaction: the TU answers it
 * with sip_respond() now or later. */
typedef void (*sip_req_h)(void *arg, struct sip_stx *st, const struct sip_msg *m,
			  const struct sip_addr *src);
/* An ACK that matched no transaction (the ACK for a 2xx), or a CANCEL
 * that matched an INVITE server transaction (after the endpoint answered
 * the CANCEL with 200; @st is the INVITE's transaction). */
typedef void (*sip_ack_h)(void *arg, const struct sip_msg *m, const struct sip_addr *src);
typedef void (*sip_cancel_h)(void *arg, struct sip_stx *invite, const struct sip_msg *m);
/* A response to a client transaction; @m NULL with @status 408 on
 * timeout, 503 on transport error. A 2xx to an INVITE may come again
 * (retransmitted 2xx, RFC 6026 Accepted state): the TU re-sends its ACK. */
typedef void (*sip_resp_h)(void *ctx, struct sip_ctx *ct, const struct sip_msg *m, int status);

#define SIP_EP_COUNTERS(X) \
	X(rx_msgs) X(rx_bad) X(rx_dropped_responses) X(rx_retrans) X(tx_msgs) \
	X(tx_retrans) X(tx_errors) X(resp_400) X(resp_4xx_check) X(stx_created) \
	X(ctx_created) X(ctx_timeouts) X(tcp_accepted) X(tcp_closed) X(stray_acks)

struct sip_ep_stats {
#define X(n) uint64_t n;
	SIP_EP_COUNTERS(X)
#undef X
};

struct sip_ep_conf {
	uint32_t t1_ms, t2_ms, t4_ms;
	const char *domain;            /* our host for Via and Contact */
	const char *user_agent;
};

int sip_ep_create(struct sip_ep **out, struct cp_loop *loop, const struct sip_ep_conf *conf,
		  sip_req_h on_req, sip_ack_h on_ack, sip_cancel_h on_cancel, void *arg);
void sip_ep_destroy(struct sip_ep *ep);

/* Listens for UDP and TCP on "addr:port". 0 or -errno. */
int sip_ep_listen(struct sip_ep *ep, const char *hostport);

/* Feeds one datagram or stream chunk as if received (tests, fuzzing).
 * Responses go to the send hook if set. */
void sip_ep_input(struct sip_ep *ep, const char *buf, size_t len, const struct sip_addr *src);
typedef void (*sip_send_hook_h)(void *arg, const struct sip_addr *dst, const char *buf,
				size_t len);
void sip_ep_set_send_hook(struct sip_ep *ep, sip_send_hook_h h, void *arg);

/* Our address (first listener) as "host:port", for Via and Contact. */
const char *sip_ep_hostport(const struct sip_ep *ep);
const struct sip_ep_stats *sip_ep_stats(const struct sip_ep *ep);
uint32_t sip_ep_live_transactions(const struct sip_ep *ep);

/*
 * Answers @st with @code. @to_tag is added to To if it has none (for
 * codes above 100). @extra: more header lines, each ending in CRLF (or
 * NULL). @body with @ctype (or NULL). A final response ends the TU's part
 * of @st: the endpoint keeps it for retransmissions and frees it itself.
 * A 2xx to INVITE is retransmitted until its ACK arrives (RFC 3261 13.3.1.4).
 * 0 or -errno.
 */
int sip_respond(struct sip_stx *st, int code, const char *reason, const char *to_tag,
		const char *extra, const char *ctype, const char *body);

/* Per-transaction TU data. */
void sip_stx_set_data(struct sip_stx *st, void *data);
void *sip_stx_data(const struct sip_stx *st);
/* The request of a server transaction still in progress (NULL once it
 * has a final response). */
const struct sip_msg *sip_stx_request(const struct sip_stx *st);
const struct sip_addr *sip_stx_source(const struct sip_stx *st);

/*
 * Sends request @msg (complete text: the endpoint fills "@BRANCH@" in the
 * top Via with a fresh branch) to @dst in a new client transaction.
 * @cb gets each response. Returns the transaction or NULL (errno).
 */
struct sip_ctx *sip_request(struct sip_ep *ep, const struct sip_addr *dst, const char *msg,
			    sip_resp_h cb, void *ctx);
/* The ACK the TU sent for this INVITE's 2xx: the endpoint sends it again
 * for every retransmitted 2xx until timer M (RFC 6026 7.2), also after
 * the TU forgot the transaction. */
void sip_ctx_set_ack(struct sip_ctx *ct, const struct sip_addr *dst, const char *ack);

/* The TU no longer wants responses (the transaction still completes). */
void sip_ctx_forget(struct sip_ctx *ct);
/* CANCEL for a pending INVITE client transaction (RFC 3261 9.1); it goes
 * only once a provisional response arrived, as 9.1 requires. */
int sip_cancel(struct sip_ctx *invite);

/* Sends a message outside any transaction (ACK for 2xx). 0 or -errno. */
int sip_send_raw(struct sip_ep *ep, const struct sip_addr *dst, const char *buf, size_t len);

/* Fresh random tokens for tags, branches and Call-IDs. */
void sip_token(char *buf, size_t len);

/* Resolves a SIP URI's host:port (numeric hosts only: the appliance
 * sends to addresses it learnt, never to names). 0 or -EINVAL. */
int sip_uri_addr(const struct sip_uri *u, struct sip_addr *out);
/* "ip:port" of an address. */
const char *sip_addr_str(const struct sip_addr *a, char *buf, size_t len);

#endif
