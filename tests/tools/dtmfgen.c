/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test tool: in-band DTMF as G.711 (SpanDSP dtmf_tx), for the relay's
 * in-band detection tests.
 *   dtmfgen DIGITS [--alaw] [--on MS] [--off MS] [--level DBM0] [--noise DBM0]
 * writes 8 kHz G.711 (mu-law unless --alaw) to stdout: 200 ms of silence
 * (or noise), the digits with the given timing, 200 ms more; --noise adds
 * white Gaussian noise at that level throughout (the tones are at --level,
 * default -10 dBm0, so --noise -20 is 10 dB SNR).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <spandsp.h>

#include "common/args.h"

int
main(int argc, char **argv)
{
	int on = 100, off = 100, level = -10, alaw = 0, noisy = 0;
	float noise = -99;
	dtmf_tx_state_t *tx;
	awgn_state_t *ng = NULL;
	int16_t amp[160];
	int n, lead = 1600, tail = 1600, left;
	const char *next = argv[1];

	if (argc < 2) {
		fprintf(stderr, "usage: dtmfgen DIGITS [--alaw] [--on MS] [--off MS] "
				"[--level DBM0] [--noise DBM0]\n");
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--alaw") == 0)
			alaw = 1;
		else if (i + 1 < argc && strcmp(argv[i], "--on") == 0)
			on = (int)arg_ulong("dtmfgen", "--on (ms)", argv[++i], 1, 10000);
		else if (i + 1 < argc && strcmp(argv[i], "--off") == 0)
			off = (int)arg_ulong("dtmfgen", "--off (ms)", argv[++i], 1, 10000);
		else if (i + 1 < argc && strcmp(argv[i], "--level") == 0)
			level = (int)arg_long("dtmfgen", "--level", argv[++i], -90, 3);
		else if (i + 1 < argc && strcmp(argv[i], "--noise") == 0) {
			noise = (float)arg_double("dtmfgen", "--noise", "dBm0", argv[++i], -99, 3);
			noisy = 1;
		} else {
			fprintf(stderr, "dtmfgen: unknown argument %s\n", argv[i]);
			return 2;
		}
	}
	tx = dtmf_tx_init(NULL);
	dtmf_tx_set_level(tx, level, 0);
	dtmf_tx_set_timing(tx, on, off);
	left = (int)strlen(argv[1]);
	if (noisy)
		ng = awgn_init_dbm0(NULL, 1234567, noise);
	for (;;) {
		if (lead > 0) {
			memset(amp, 0, sizeof(amp));
			n = 160;
			lead -= n;
		} else {
			/* the generator's queue is short and takes all or nothing */
			while (left > 0) {
				int chunk = left < 8 ? left : 8;

				if (dtmf_tx_put(tx, next, chunk) != 0)
					break;
				next += chunk;
				left -= chunk;
			}
			n = dtmf_tx(tx, amp, 160);
			if (n < 160 && left == 0) {
				memset(amp + n, 0, sizeof(amp[0]) * (size_t)(160 - n));
				if (tail <= 0)
					break;
				tail -= 160 - n;
				n = 160;
			}
		}
		for (int i = 0; i < n; i++) {
			int v = amp[i] + (ng ? awgn(ng) : 0);
			int16_t s = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
			uint8_t b = alaw ? linear_to_alaw(s) : linear_to_ulaw(s);

			fwrite(&b, 1, 1, stdout);
		}
	}
	dtmf_tx_free(tx);
	if (ng != NULL)
		awgn_free(ng);
	return fflush(stdout) == 0 ? 0 : 1;
}
