/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP header value parsers (RFC 3261 section 25) on top of sip_msg: URIs,
 * name-addr (From, To, Contact, Route), Via, parameters, digest
 * credentials, and sip_check(): the checks a UAS makes on a request
 * before its transaction user sees it, returning the status RFC 3261
 * says to answer with. Zero-copy: results point into the message.
 * Control plane only; none of it trusts a length.
 */
#ifndef SIP_HDR_H
#define SIP_HDR_H

#include "sip_msg.h"

struct sip_uri {
	struct sip_str scheme;   /* "sip", "sips", "tel", ... */
	struct sip_str user;     /* may be empty */
	struct sip_str host;     /* without [] for IPv6 */
	uint16_t port;           /* 0 when absent */
	struct sip_str params;   /* ";a=b;lr" (from the first ';'), may be empty */
	struct sip_str headers;  /* "?a=b" part, without '?' */
};

struct sip_naddr {
	struct sip_str display;  /* may be empty; quotes kept */
	struct sip_str uri;      /* the URI text (inside <> if present) */
	struct sip_str params;   /* header params after the URI, from ';' */
	struct sip_str tag;      /* tag= value, empty if none */
};

struct sip_via {
	struct sip_str transport; /* "UDP", "TCP", ... */
	struct sip_str host;
	uint16_t port;            /* 0 when absent */
	struct sip_str sent_by;   /* "host[:port]" as written */
	struct sip_str branch;
	struct sip_str received;
	bool rport;               /* rport present (RFC 3581) */
	struct sip_str params;
};

/* Digest credentials (Authorization, Proxy-Authorization; RFC 7616). */
struct sip_digest {
	struct sip_str username, realm, nonce, uri, response, algorithm,
		cnonce, opaque, qop, nc;
};

/* Parses a URI ("sip:user@host:port;params?headers"). 0 or -EINVAL. */
int sip_uri_parse(struct sip_str s, struct sip_uri *u);

/* Parses one name-addr / addr-spec with header params. 0 or -EINVAL. */
int sip_naddr_parse(struct sip_str v, struct sip_naddr *na);

/* Parses the first Via value in @v ("SIP/2.0/UDP host:port;branch=..").
 * 0 or -EINVAL. */
int sip_via_parse(struct sip_str v, struct sip_via *via);

/* Splits a comma-separated header value: sets @item to the next value
 * from *@pos (commas inside quotes or <> do not split) and advances.
 * Returns false when none is left. */
bool sip_list_next(struct sip_str v, uint32_t *pos, struct sip_str *item);

/* The value of parameter @name in ";a=b;c" text (case-insensitive name).
 * Returns true if present; @val is empty for a flag parameter. */
bool sip_param(struct sip_str params, const char *name, struct sip_str *val);

/* Parses "Digest k=v, ..." credentials. 0, -EINVAL, or -ENOTSUP for a
 * scheme other than Digest. */
int sip_digest_parse(struct sip_str v, struct sip_digest *d);

/* Unsigned decimal of at most @max; 0 or -EINVAL. */
int sip_uint(struct sip_str s, uint32_t max, uint32_t *out);

/* Copies @s into @buf as a C string (truncating); returns @buf. */
char *sip_strz(struct sip_str s, char *buf, size_t len);

/* A known method, for 405/501. */
bool sip_method_known(struct sip_str m);

/*
 * What a UAS does with request @m before its transaction user: 0 when it
 * may go on, else the status to answer (400, 415, 416, 420, 406, 483, 501,
 * 505 ...) and the reason phrase in @why. For a 420 @unsupported gets the
 * option tags to list in Unsupported. @supported_types lists the bodies
 * the method accepts (e.g. "application/sdp"). Responses return -1 if
 * they must be dropped (RFC 3261 18.1.2), else 0.
 */
int sip_check(const struct sip_msg *m, char *why, size_t whylen,
	      struct sip_str *unsupported);

#endif
