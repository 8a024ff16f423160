/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the /metrics listener's HTTP request-head parser (any
 * client that reaches the metrics port). Properties: it never reads past
 * the input; a complete head yields an upper-case method and a path with
 * no blanks or control characters; an incomplete one under the size limit
 * asks for more, and a refused one names an HTTP status.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char method[16], path[256];
	char *copy = malloc(size ? size : 1);   /* exact size: ASan sees overreads */
	int st = 0, rc;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	rc = http_parse_head(copy, size, method, sizeof(method), path, sizeof(path), &st);
	if (rc == 1) {
		if (st != 200 || method[0] == '\0' || path[0] == '\0')
			abort();
		for (const char *p = method; *p; p++)
			if (*p < 'A' || *p > 'Z')
				abort();
		for (const char *p = path; *p; p++)
			if ((unsigned char)*p <= ' ' || *p == 0x7f)
				abort();
	} else if (rc < 0) {
		if (st != 400 && st != 414 && st != 431 && st != 505)
			abort();
	} else if (rc != 0) {
		abort();
	}
	free(copy);
	return 0;
}
