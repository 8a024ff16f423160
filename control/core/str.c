/* SPDX-License-Identifier: BSD-3-Clause */
/* String helpers: see str.h. */
#include <stdarg.h>
#include <stdio.h>

#include "str.h"

char *
cp_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

uint32_t
cp_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}
