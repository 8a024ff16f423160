/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tools' numbers and addresses from the command line (the bench
 * generators, the test peers), strictly: the whole argument a number
 * within its range, or a message naming the tool, the argument and the
 * range, and exit status 2. A typo must not become a
 * zero-second run or a zero-stream figure that reads like a result.
 */
#ifndef CALLPLANE_COMMON_ARGS_H
#define CALLPLANE_COMMON_ARGS_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline unsigned long
arg_ulong(const char *tool, const char *what, const char *s, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = s != NULL && *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
	if (s == NULL || *s < '0' || *s > '9' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		fprintf(stderr, "%s: %s takes a whole number from %lu to %lu, not \"%s\"\n", tool,
			what, lo, hi, s != NULL ? s : "");
		exit(2);
	}
	return v;
}

/* a signed whole number (levels in dBm0, offsets) */
static inline long
arg_long(const char *tool, const char *what, const char *s, long lo, long hi)
{
	char *end = NULL;
	long v = 0;
	bool ok = s != NULL && (*s == '-' ? s[1] : *s) >= '0' && (*s == '-' ? s[1] : *s) <= '9';

	if (ok) {
		errno = 0;
		v = strtol(s, &end, 10);
		ok = *end == '\0' && errno == 0 && v >= lo && v <= hi;
	}
	if (!ok) {
		fprintf(stderr, "%s: %s takes a whole number from %ld to %ld, not \"%s\"\n", tool,
			what, lo, hi, s != NULL ? s : "");
		exit(2);
	}
	return v;
}

/* a decimal number in @unit ("seconds", "dBm0"): digits, a point, a sign */
static inline double
arg_double(const char *tool, const char *what, const char *unit, const char *s, double lo,
	   double hi)
{
	char *end = NULL;
	double v = 0;
	bool ok = s != NULL && strspn(s, "+-0123456789.eE") == strlen(s) && *s != '\0';

	if (ok) {
		errno = 0;
		v = strtod(s, &end);
		ok = end != s && *end == '\0' && errno == 0 && v >= lo && v <= hi;
	}
	if (!ok) {
		fprintf(stderr, "%s: %s takes %s from %g to %g, not \"%s\"\n", tool, what, unit, lo,
			hi, s != NULL ? s : "");
		exit(2);
	}
	return v;
}

static inline double
arg_secs(const char *tool, const char *what, const char *s, double lo, double hi)
{
	return arg_double(tool, what, "seconds", s, lo, hi);
}

/* "IPv4:PORT" into @a (network order) and @port; exit 2 on anything else */
static inline void
arg_ipv4_port(const char *tool, const char *what, const char *s, struct in_addr *a,
	      unsigned short *port)
{
	char buf[64], *c;

	if (s == NULL || strlen(s) >= sizeof(buf))
		goto bad;
	strcpy(buf, s);
	c = strrchr(buf, ':');
	if (c == NULL)
		goto bad;
	*c = '\0';
	if (inet_pton(AF_INET, buf, a) != 1)
		goto bad;
	*port = (unsigned short)arg_ulong(tool, what, c + 1, 1, 65535);
	return;
bad:
	fprintf(stderr, "%s: %s takes IPv4:PORT, not \"%s\"\n", tool, what, s != NULL ? s : "");
	exit(2);
}

/* an IPv4 address into @a (network order); exit 2 on anything else */
static inline void
arg_ipv4(const char *tool, const char *what, const char *s, void *a)
{
	if (s == NULL || inet_pton(AF_INET, s, a) != 1) {
		fprintf(stderr, "%s: %s takes an IPv4 address, not \"%s\"\n", tool, what,
			s != NULL ? s : "");
		exit(2);
	}
}

#endif
