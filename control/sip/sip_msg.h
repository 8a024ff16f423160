/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SIP message parser (RFC 3261 section 7 and 25), zero-copy: the message
 * keeps pointers into the caller's buffer. sip_parse() finds the start
 * line, splits the headers (folded lines, compact forms, any case of
 * names) and delimits the body; header values are parsed only when asked
 * (sip_cseq(), ...). It trusts nothing: every length is bounded and every
 * error says what was wrong, so the transaction layer can answer it.
 */
#ifndef SIP_MSG_H
#define SIP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sip_str {
	const char *p;
	uint32_t len;
};

#define SIP_HEADERS(X) \
	X(VIA, "Via", 'v') \
	X(FROM, "From", 'f') \
	X(TO, "To", 't') \
	X(CALL_ID, "Call-ID", 'i') \
	X(CSEQ, "CSeq", 0) \
	X(CONTACT, "Contact", 'm') \
	X(MAX_FORWARDS, "Max-Forwards", 0) \
	X(CONTENT_LENGTH, "Content-Length", 'l') \
	X(CONTENT_TYPE, "Content-Type", 'c') \
	X(CONTENT_ENCODING, "Content-Encoding", 'e') \
	X(ROUTE, "Route", 0) \
	X(RECORD_ROUTE, "Record-Route", 0) \
	X(REQUIRE, "Require", 0) \
	X(PROXY_REQUIRE, "Proxy-Require", 0) \
	X(SUPPORTED, "Supported", 'k') \
	X(UNSUPPORTED, "Unsupported", 0) \
	X(EXPIRES, "Expires", 0) \
	X(AUTHORIZATION, "Authorization", 0) \
	X(WWW_AUTHENTICATE, "WWW-Authenticate", 0) \
	X(PROXY_AUTHORIZATION, "Proxy-Authorization", 0) \
	X(PROXY_AUTHENTICATE, "Proxy-Authenticate", 0) \
	X(SUBJECT, "Subject", 's') \
	X(EVENT, "Event", 'o') \
	X(ALLOW, "Allow", 0) \
	X(ACCEPT, "Accept", 0) \
	X(RETRY_AFTER, "Retry-After", 0) \
	X(USER_AGENT, "User-Agent", 0)

enum sip_hdr_id {
	SIP_H_OTHER = 0,
#define X(id, name, compact) SIP_H_##id,
	SIP_HEADERS(X)
#undef X
	SIP_H__MAX
};

#define SIP_MAX_HDRS 128
#define SIP_MAX_MSG 65535

struct sip_hdr {
	uint8_t id;              /* enum sip_hdr_id */
	struct sip_str name;     /* as written */
	struct sip_str value;    /* trimmed; may hold folded lines (CRLF + WS) */
};

struct sip_msg {
	bool request;
	struct sip_str method;   /* request */
	struct sip_str ruri;     /* request */
	int status;              /* response: 100..699 */
	struct sip_str reason;   /* response */
	struct sip_hdr hdrs[SIP_MAX_HDRS];
	unsigned n_hdrs;
	int16_t first[SIP_H__MAX]; /* index of each header's first instance, -1 */
	struct sip_str body;
	uint32_t len;            /* bytes of the buffer this message used */
};

/*
 * Parses one message from @buf. @stream: TCP (Content-Length required,
 * the message may be incomplete), else a whole datagram (a missing
 * Content-Length means the rest is the body; bytes beyond it are ignored,
 * RFC 3261 18.3). Returns 0, or:
 *   -EAGAIN            stream: not all of the message has arrived yet
 *   -EPROTONOSUPPORT   not SIP/2.0 (a request is answered with 505)
 *   -E2BIG             more than SIP_MAX_HDRS headers or SIP_MAX_MSG bytes
 *   -EINVAL            malformed (400); the reason is in @err
 */
int sip_parse(struct sip_msg *m, const char *buf, size_t len, bool stream,
	      char *err, size_t errlen);

#define SIP_PARSE_STREAM  1u
/* Lenient: a bad start line or Content-Length still yields the headers
 * (body empty), so that the error can be answered; returns 0 only if the
 * header block itself is sound. */
#define SIP_PARSE_LENIENT 2u
int sip_parse_ex(struct sip_msg *m, const char *buf, size_t len, unsigned flags,
		 char *err, size_t errlen);

/* Writes the formatted reason into @err (if any) and returns @rc: the
 * "where: what" buffer every parser here fills. */
int sip_errf(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The header's canonical name ("Call-ID"), or NULL for SIP_H_OTHER. */
const char *sip_hdr_name(enum sip_hdr_id id);

/* The first header with @id, or NULL. */
const struct sip_hdr *sip_hdr(const struct sip_msg *m, enum sip_hdr_id id);

/* CSeq: "<number> <method>". 0 or -EINVAL. */
int sip_cseq(const struct sip_msg *m, uint32_t *num, struct sip_str *method);

/* Case-insensitive compare of @s with the C string @c. */
bool sip_str_ieq(struct sip_str s, const char *c);

#endif
