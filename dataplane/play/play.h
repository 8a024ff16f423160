/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prompt playback (NG "play media" / "stop media"), main lcore. A prompt
 * (WAV, 16-bit PCM mono, 8 or 16 kHz) is converted once to the leg's
 * G.711 law and cached; playing it sends one 20 ms RTP packet per period
 * from the relay port that faces the listener (own SSRC, sequence and
 * timestamp, marker on the first packet), through a worker's transmit
 * ring, while the relayed audio to that listener is held back. Pacing is
 * by the TSC against the start time (no drift). The end (or a stop) is
 * reported through the callback given at init.
 */
#ifndef DP_PLAY_H
#define DP_PLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*play_done_h)(uint32_t stream, const char *path, uint64_t packets, bool stopped);

int play_init(play_done_h done);
void play_fini(void);

/* Starts @path (@repeat times) to the peer of stream @st. 0, or -errno with
 * why in @err. *@ms gets the length of one play. */
int play_start(uint32_t st, const char *path, unsigned repeat, unsigned *ms, char *err,
	       size_t errlen);
/* play DTMF: @digit for @ms at -@volume dBm0 to the peer of @st, as an
 * RFC 4733 event if that leg negotiated telephone-event (*@rfc4733 set),
 * else as an in-band tone pair in its G.711. 0 or -errno with why. */
int play_dtmf(uint32_t st, char digit, unsigned ms, unsigned volume, bool *rfc4733, char *err,
	      size_t errlen);
/* Stops what plays from @st (reported as stopped). True if something did. */
bool play_stop(uint32_t st, bool report);
/* Sends what is due. How many packets. */
unsigned play_poll(void);

/* Loads a WAV into 8 kHz 16-bit samples (malloc'd); 0 or -EINVAL with why.
 * Exposed for the fuzz target. */
int play_wav_decode(const uint8_t *buf, size_t len, int16_t **out, size_t *n, char *err,
		    size_t errlen);

#endif
