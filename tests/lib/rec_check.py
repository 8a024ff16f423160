#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Recording checks for the integration test (audio generated, never
committed).

  rec_check.py gen SWEEP_OUT SPEECH_OUT SECONDS
      SWEEP_OUT: logarithmic sweeps up to 3400 Hz, each from another
      start frequency and of another length (3-7 s, never periodic, so
      any 10 s of it sits at one place only) (A-law);
      SPEECH_OUT: espeak-ng speech (mu-law); both 8 kHz, SECONDS long
  rec_check.py analyze FILE LEFT_SENT LEFT_LAW RIGHT_SENT RIGHT_LAW
      FILE: a recording (WAV or Ogg/Opus, decoded with ffmpeg); *_SENT
      the G.711 bytes sent by each party, *_LAW "alaw" or "ulaw". Prints
      JSON: duration (s), and per channel the lag (ms) at which the sent
      audio sits in the recording, the normalised cross-correlation
      there, the lags of the first and the last 10 s separately (the
      timeline must not slip), and the energy of the other channel there
      (cross-talk)
  rec_check.py rms FILE CHANNEL FROM_S TO_S
      the RMS level of one channel (0 left, 1 right) between two times
  rec_check.py duration FILE
      seconds of audio the file decodes to (a partial file too)
  rec_check.py pcap-audio PCAP OUT
      the RTP payloads of a capture (Ethernet, IPv4, UDP) in order, into OUT
"""
import warnings
warnings.filterwarnings("ignore", category=DeprecationWarning)
import audioop  # noqa: E402
import json
import math
import os
import subprocess
import sys
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def gen(sweep_out, speech_out, seconds):
    import dtmf_corpus
    import random
    rnd = random.Random(5)
    n = int(seconds * 8000)
    pcm = bytearray()
    while len(pcm) < n * 2:
        f0, f1, period = rnd.uniform(150, 500), 3400.0, rnd.uniform(3, 7)
        k = math.log(f1 / f0)
        for i in range(int(period * 8000)):
            t = i / 8000.0
            # phase of a log sweep: 2 pi f0 T/k (e^(k t/T) - 1)
            ph = 2 * math.pi * f0 * period / k * (math.exp(k * t / period) - 1)
            pcm += int(9000 * math.sin(ph)).to_bytes(2, "little", signed=True)
    pcm = pcm[:n * 2]
    open(sweep_out, "wb").write(audioop.lin2alaw(bytes(pcm), 2))
    sp, _ = dtmf_corpus.speech(seconds + 1)
    open(speech_out, "wb").write(audioop.lin2ulaw(sp[:n * 2], 2))


def decode(path):
    """(left, right) as numpy float arrays at 8 kHz."""
    import numpy as np
    if open(path, "rb").read(4) == b"RIFF":
        w = wave.open(path)
        assert w.getnchannels() == 2 and w.getframerate() == 8000 and w.getsampwidth() == 2
        raw = w.readframes(w.getnframes())
    else:
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "s16le", "-ac", "2",
                              "-ar", "8000", "-"], check=True, capture_output=True).stdout
    a = np.frombuffer(raw, dtype="<i2").astype(np.float64).reshape(-1, 2)
    return a[:, 0], a[:, 1]


def best_lag(sig, ref):
    """The lag (samples) of ref inside sig, by FFT cross-correlation."""
    import numpy as np
    n = 1 << int(math.ceil(math.log2(len(sig) + len(ref))))
    c = np.fft.irfft(np.fft.rfft(sig, n) * np.conj(np.fft.rfft(ref, n)), n)
    lag = int(np.argmax(c))
    return lag if lag < n // 2 else lag - n


def ncc(sig, ref, lag):
    import numpy as np
    if lag >= 0:
        a, b = sig[lag:lag + len(ref)], ref[:max(0, len(sig) - lag)]
    else:
        a, b = sig[:len(ref) + lag], ref[-lag:len(sig) - lag]
    m = min(len(a), len(b))
    a, b = a[:m], b[:m]
    d = math.sqrt(float(np.dot(a, a)) * float(np.dot(b, b)))
    return float(np.dot(a, b)) / d if d else 0.0


def analyze(path, lsent, llaw, rsent, rlaw):
    import numpy as np
    left, right = decode(path)
    out = {"duration": len(left) / 8000.0}
    for name, ch, other, sent, law in (("left", left, right, lsent, llaw),
                                        ("right", right, left, rsent, rlaw)):
        data = open(sent, "rb").read()
        pcm = (audioop.alaw2lin if law == "alaw" else audioop.ulaw2lin)(data, 2)
        ref = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
        lag = best_lag(ch, ref)
        seg = 80000
        first = best_lag(ch, ref[:seg])
        last = best_lag(ch, ref[-seg:]) - (len(ref) - seg)
        xt = other[max(0, lag):max(0, lag) + len(ref)]
        out[name] = {"lag_ms": lag / 8.0, "ncc": round(ncc(ch, ref, lag), 4),
                     "first_lag_ms": first / 8.0, "last_lag_ms": last / 8.0,
                     "end_ms": (lag + len(ref)) / 8.0,
                     "rms": float(np.sqrt(np.mean(ch ** 2))) if len(ch) else 0.0,
                     "other_rms": float(np.sqrt(np.mean(xt ** 2))) if len(xt) else 0.0}
    print(json.dumps(out))


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 5 and a[1] == "gen":
        gen(a[2], a[3], float(a[4]))
    elif len(a) == 6 and a[1] == "rms":
        import numpy as np
        ch = decode(a[2])[int(a[3])]
        seg = ch[int(float(a[4]) * 8000):int(float(a[5]) * 8000)]
        print(round(float(np.sqrt(np.mean(seg ** 2))), 1) if len(seg) else -1)
    elif len(a) == 4 and a[1] == "pcap-audio":
        import struct
        b = open(a[2], "rb").read()
        end = "<" if b[:4] == b"\xd4\xc3\xb2\xa1" else ">"
        off, out = 24, b""
        while off + 16 <= len(b):
            incl = struct.unpack(end + "I", b[off + 8:off + 12])[0]
            frame = b[off + 16:off + 16 + incl]
            off += 16 + incl
            if len(frame) < 42 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
                continue
            ihl = (frame[14] & 15) * 4
            rtp = frame[14 + ihl + 8:]
            if len(rtp) > 12 and rtp[0] >> 6 == 2 and rtp[1] & 0x7f in (0, 8):
                out += rtp[12 + 4 * (rtp[0] & 15):]
        open(a[3], "wb").write(out)
        print(len(out))
    elif len(a) == 3 and a[1] == "duration":
        print(len(decode(a[2])[0]) / 8000.0)
    elif len(a) == 7 and a[1] == "analyze":
        analyze(*a[2:7])
    else:
        sys.exit(__doc__)
