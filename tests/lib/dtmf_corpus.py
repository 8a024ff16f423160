#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The in-band DTMF test corpus, generated (never committed as audio).

  dtmf_corpus.py talkoff OUT SECONDS
      at least SECONDS of speech (espeak-ng: several languages, voices,
      pitches and speeds reading the licence texts on this machine) with
      white noise 20 dB below it, as 8 kHz mu-law G.711 into OUT; prints
      "<seconds> <voices>"
  dtmf_corpus.py mixed OUT DIGITS_OUT N SNR_DB DTMFGEN
      N random digits as DTMF tones (SpanDSP dtmf_tx through DTMFGEN, 100 ms
      on, 100 ms off) with speech and white noise under them, the speech
      plus noise SNR_DB below the tones' power; mu-law into OUT, the digit
      string into DIGITS_OUT; prints the measured SNR in dB
  dtmf_corpus.py score SENT DETECTED
      prints "<sent> <correct> <missed> <extra> <accuracy %>" (alignment by
      longest common subsequence; extra digits count as errors too)
"""
import audioop
import difflib
import glob
import math
import random
import subprocess
import sys
import wave
import io

VOICES = [("en", 150, 50), ("en-us+f2", 175, 70), ("de+m3", 140, 40), ("fr+f3", 160, 60),
          ("es+m1", 190, 45), ("it+f1", 130, 80), ("en-gb-x-rp+m5", 210, 30),
          ("nl+f4", 165, 55)]


def texts():
    out = []
    for p in sorted(glob.glob("/usr/share/common-licenses/*")):
        try:
            t = open(p, errors="ignore").read()
        except (IsADirectoryError, PermissionError):
            continue
        out += [para.replace("\n", " ").strip() for para in t.split("\n\n") if len(para) > 200]
    if not out:
        out = ["The quick brown fox jumps over the lazy dog. " * 20]
    return out


def speak(voice, speed, pitch, text):
    """8 kHz 16-bit linear PCM of espeak-ng saying text."""
    wav = subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch),
                          "--stdout", text], check=True, capture_output=True).stdout
    w = wave.open(io.BytesIO(wav))
    pcm = w.readframes(w.getnframes())
    pcm, _ = audioop.ratecv(pcm, 2, 1, w.getframerate(), 8000, None)
    return pcm


def speech(seconds, seed=7):
    random.seed(seed)
    paras = texts()
    random.shuffle(paras)
    out, used, i = b"", set(), 0
    while len(out) < seconds * 16000:
        v, sp, pi = VOICES[i % len(VOICES)]
        pcm = speak(v, sp, pi, paras[i % len(paras)][:600])
        # a conversational level: RMS about 3000 (-20 dBFS)
        rms = audioop.rms(pcm, 2) or 1
        out += audioop.mul(pcm, 2, min(3000 / rms, 8.0))
        used.add(v)
        i += 1
    return out, used


def noise(n, rms, seed=11):
    rnd = random.Random(seed)
    return b"".join(int(max(-32768, min(32767, rnd.gauss(0, rms)))).to_bytes(2, "little", signed=True)
                    for _ in range(n))


def add(a, b):
    n = min(len(a), len(b))
    return audioop.add(a[:n], b[:n], 2)


def talkoff(out, seconds):
    sp, used = speech(seconds)
    mix = add(sp, noise(len(sp) // 2, audioop.rms(sp, 2) / 10))
    open(out, "wb").write(audioop.lin2ulaw(mix, 2))
    print(round(len(mix) / 16000), len(used))


def mixed(out, digits_out, n, snr, gen):
    rnd = random.Random(3)
    digits = "".join(rnd.choice("0123456789*#ABCD") for _ in range(n))
    tones = audioop.ulaw2lin(subprocess.run([gen, digits], check=True,
                                            capture_output=True).stdout, 2)
    # the tones' power while they sound: 100 ms of every 200 after the lead-in
    on = b"".join(tones[3200 + k * 3200: 3200 + k * 3200 + 1600] for k in range(n))
    p_tone = audioop.rms(on, 2)
    sp, _ = speech(len(tones) / 16000 + 1, seed=5)
    sp = sp[:len(tones)]
    nz = noise(len(tones) // 2, 1000)
    interf = add(sp, nz)
    target = p_tone / (10 ** (snr / 20))
    interf = audioop.mul(interf, 2, target / (audioop.rms(interf, 2) or 1))
    mix = add(tones, interf)
    open(out, "wb").write(audioop.lin2ulaw(mix, 2))
    open(digits_out, "w").write(digits + "\n")
    print(round(20 * math.log10(p_tone / audioop.rms(interf, 2)), 1))


def score(sent, got):
    m = difflib.SequenceMatcher(None, sent, got, autojunk=False)
    correct = sum(b.size for b in m.get_matching_blocks())
    missed, extra = len(sent) - correct, len(got) - correct
    acc = 100.0 * (len(sent) - missed - extra) / len(sent) if sent else 0
    print(len(sent), correct, missed, extra, round(acc, 2))


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 4 and a[1] == "talkoff":
        talkoff(a[2], float(a[3]))
    elif len(a) == 7 and a[1] == "mixed":
        mixed(a[2], a[3], int(a[4]), float(a[5]), a[6])
    elif len(a) == 4 and a[1] == "score":
        score(a[2], a[3])
    else:
        sys.exit(__doc__)
