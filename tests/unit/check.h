/* SPDX-License-Identifier: BSD-3-Clause */
/* Minimal assertion helpers for the unit runners: count, print, go on. */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stdio.h>

static int check_failed;
static int check_run;

#define CHECK(cond, ...) do { \
	check_run++; \
	if (!(cond)) { \
		check_failed++; \
		fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

#define CHECK_DONE() ( \
	printf("%d checks, %d failed\n", check_run, check_failed), \
	check_failed ? 1 : 0)

#endif
