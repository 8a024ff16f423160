/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NG control server of callplane-dp: rtpengine's protocol over UDP
 * and a unix datagram socket, on the main lcore, with ordinary kernel
 * sockets (remote NG clients reach the appliance address through the
 * exception path). Retransmitted cookies are answered from the reply
 * cache without executing twice. Main lcore only.
 */
#ifndef NGSRV_H
#define NGSRV_H

/* Opens the configured sockets. 0 or -errno (message on stderr). */
int ngsrv_init(void);
void ngsrv_fini(void);

/* Serves what is waiting (bounded per call). Returns datagrams handled. */
unsigned ngsrv_poll(void);
/* Main lcore: DTMF the workers detected, out as events. How many. */
unsigned ngsrv_dtmf_poll(void);
/* Main lcore: prompt packets that are due. How many. */
unsigned ngsrv_play_poll(void);

/*
 * Handles one request @msg from @peer (the reply-cache key: the client's
 * address) and writes the reply into @out
 * (the reply is empty when the datagram has no usable cookie).
 * Returns the reply length. Public for the fuzz target.
 */
struct sockaddr;
size_t ngsrv_handle(const char *msg, size_t len, const void *peer, size_t peer_len,
		    char *out, size_t outcap);

/* Ends every call (streams unpublished after RCU, ports freed). */
void ngsrv_reset(void);

/* Calls in progress, and media port pairs in use. */
unsigned ngsrv_calls(void);
unsigned ngsrv_ports_in_use(void);

#endif
