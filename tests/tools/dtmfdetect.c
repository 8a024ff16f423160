/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test tool: runs SpanDSP's DTMF receiver (default settings, no help from
 * the dataplane's filtering) over 8 kHz G.711 on stdin and prints the
 * digits it hears, on one line. Checks what left the relay: masked audio
 * must yield nothing, an injected in-band digit must yield that digit.
 *   dtmfdetect [--alaw] < audio
 */
#include <stdio.h>
#include <string.h>

#include <spandsp.h>

static char out[4096];
static size_t n_out;

static void
got(void *user, const char *digits, int len)
{
	(void)user;
	for (int i = 0; i < len && n_out + 1 < sizeof(out); i++)
		out[n_out++] = digits[i];
}

int
main(int argc, char **argv)
{
	int alaw = argc > 1 && strcmp(argv[1], "--alaw") == 0;
	dtmf_rx_state_t *rx = dtmf_rx_init(NULL, got, NULL);
	uint8_t b[160];
	int16_t pcm[160];
	size_t n;

	while ((n = fread(b, 1, sizeof(b), stdin)) > 0) {
		for (size_t i = 0; i < n; i++)
			pcm[i] = alaw ? alaw_to_linear(b[i]) : ulaw_to_linear(b[i]);
		dtmf_rx(rx, pcm, (int)n);
	}
	out[n_out] = '\0';
	puts(out);
	return 0;
}
