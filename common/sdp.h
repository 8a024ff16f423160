/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SDP (RFC 8866) as a media relay needs it: find each media section's
 * port, connection address, RTCP port and rtcp-mux, and write the SDP
 * back with the relay's own addresses and ports, everything else kept.
 * Shared by callplane-dp (NG offer/answer) and callplane-cp (B2BUA).
 * Control path only. Parses untrusted text: every length is checked,
 * counts are bounded, and errors say "line N: what".
 */
#ifndef SDP_H
#define SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDP_MAX_MEDIA 16
#define SDP_MAX_LINES 512
#define SDP_ADDR_MAX 46  /* INET6_ADDRSTRLEN */

struct sdp_addr {
	int family;              /* 0 (none), AF_INET or AF_INET6 */
	uint8_t addr[16];        /* network order; v4 in the first 4 bytes */
	char text[SDP_ADDR_MAX];
};

#define SDP_MAX_CRYPTO 8
#define SDP_KEY_MAX 46           /* master key + salt of the largest suite */

/* a=crypto (RFC 4568) with an inline key. */
struct sdp_crypto {
	unsigned tag;
	char suite[32];
	uint8_t key[SDP_KEY_MAX];    /* master key || master salt, decoded */
	unsigned key_len;
	bool lifetime;               /* |lifetime given */
	uint64_t lifetime_pkts;      /* its value ("2^N" or decimal; 0: not a number) */
	bool mki;                    /* |MKI:length given */
	bool session_params;         /* anything after the key parameters */
};

struct sdp_media {
	char type[16];           /* audio, video, ... */
	uint16_t port;           /* 0: media disabled */
	char proto[32];          /* RTP/AVP, RTP/SAVP, ... */
	char formats[128];       /* payload types as written */
	struct sdp_addr conn;    /* media-level c=, else the session's */
	bool has_conn;           /* media-level c= present */
	uint16_t rtcp_port;      /* a=rtcp, 0 if absent */
	struct sdp_addr rtcp_addr; /* a=rtcp's address, if given */
	bool rtcp_mux;
	char direction[10];      /* sendrecv (default), sendonly, recvonly, inactive */
	uint32_t clock_hz;       /* RTP clock of the first format: its a=rtpmap,
				  * else the RFC 3551 static rate, else 0 */
	uint64_t te_pts[2];      /* payload types mapped to telephone-event (bit per PT) */
	uint32_t te_clock;       /* the clock of the first such mapping, 0 if none */
	struct sdp_crypto crypto[SDP_MAX_CRYPTO];
	unsigned n_crypto;
};

static inline bool
sdp_te_pt(const uint64_t *mask, unsigned pt)
{
	return pt < 128 && (mask[pt >> 6] >> (pt & 63)) & 1;
}

struct sdp {
	struct sdp_addr conn;    /* session-level c= */
	bool has_conn;
	struct sdp_media media[SDP_MAX_MEDIA];
	unsigned n_media;
};

/* Parses @len bytes. 0, or -EINVAL with "line N: reason" in @err. */
int sdp_parse(struct sdp *out, const char *buf, size_t len, char *err, size_t errlen);

/* What the relay puts in place of each media section's address and ports. */
struct sdp_rewrite_media {
	struct sdp_addr addr;
	uint16_t port;           /* RTP */
	uint16_t rtcp_port;      /* written as a=rtcp unless rtcp-mux */
	const char *proto;       /* new transport protocol, or NULL: as written */
	const char *crypto;      /* NULL: a=crypto lines kept; else they are all
				  * replaced by this text (lines with CRLF; "" drops them) */
};

/* Decodes base64 (RFC 4648) @in into @out. Length, or -1 if malformed or
 * longer than @cap. Encodes: length written (NUL-terminated). */
int sdp_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);
size_t sdp_b64_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/*
 * Writes @in with every c= line carrying the relay address (session level:
 * that of media 0), every m= port replaced, and a=rtcp set (added when
 * absent and rtcp-mux is not offered). Line endings become CRLF. @rw has
 * one entry per media section of @parsed. Returns the output length, or
 * -ENOSPC when @outcap is too small, -E2BIG when the added lines would
 * pass SDP_MAX_LINES, -EINVAL on a mismatch with @parsed.
 */
int sdp_rewrite(const char *in, size_t len, const struct sdp *parsed,
		const struct sdp_rewrite_media *rw, char *out, size_t outcap);

#endif
