/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the WAV reader behind NG "play media" (prompt files
 * come from admins and deployment tooling). Properties: it never reads
 * past the buffer, and what it accepts has at most one 8 kHz sample per
 * two input bytes (half that from 16 kHz).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dp.h"
#include "play/play.h"

struct dp dp;   /* play.c refers to it; the decoder never does */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);   /* exact size: ASan sees overreads */
	int16_t *pcm = NULL;
	char err[200];
	size_t n = 0;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (play_wav_decode(copy, size, &pcm, &n, err, sizeof(err)) == 0) {
		if (n > size / 2)
			abort();
		free(pcm);
	} else if (err[0] == '\0') {
		abort();   /* a refusal always says why */
	}
	free(copy);
	return 0;
}
