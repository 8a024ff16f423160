#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""RFC 4733 DTMF for relay tests (run inside a test host's namespace).

  dtmf.py send SRC_IP SRC_PORT DST_IP DST_PORT DIGITS [options]
      sends DIGITS ("0123456789*#ABCD") as a phone would: silence (PCMU,
      or PT 96 at the event clock if not 8000) every 20 ms between digits, and per digit a telephone-event every
      20 ms for --tone ms (the first with the marker bit, duration growing)
      then three end packets (E bit) with the final duration; one SSRC,
      one sequence space. Prints "<packets sent> <event packets sent>".
      --pt N          the event payload type (default 101)
      --clock HZ      the event clock (8000, 16000, 48000); the timestamps
                      step by 20 ms of this clock
      --tone MS       tone length (default 100), --gap MS silence (default 80)
      --reorder P     swap each packet with the next one with probability P
      --seed N        random seed (reproducible reordering)
  dtmf.py sendraw SRC_IP SRC_PORT DST_IP DST_PORT FILE [PT [PACE_MS]]
      sends FILE (8 kHz G.711, e.g. from dtmfgen) as 160-byte RTP packets of
      payload type PT (default 0, PCMU) every PACE_MS (default 20; less
      plays a long corpus faster than real time); prints the count
  dtmf.py capture IP PORT SECONDS OUT
      receives for SECONDS (or 2 s of silence after the first packet) and
      writes one line per RTP packet to OUT: "<arrival ns> <ssrc> <seq> <ts>
      <marker> <pt> <payload hex>"; prints the count
  dtmf.py recv IP PORT SECONDS [PT]
      receives for SECONDS (or 2 s of silence after the first packet) and
      prints "<packets> <event packets of payload type PT (default 101)>"
"""
import random
import socket
import struct
import sys
import time

EVENTS = "0123456789*#ABCD"


def fam(a):
    return socket.AF_INET6 if ":" in a else socket.AF_INET


def rtp(pt, seq, ts, ssrc, payload, marker=False):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + payload


def build(digits, pt, clock, tone_ms, gap_ms):
    """The packets in send order, each (bytes, is_event)."""
    ssrc = 0x1234ABCD
    seq = random.randint(0, 65535)
    step = clock // 50                # 20 ms of the event clock
    ts = random.randint(0, 1 << 31)
    apt = 0 if clock == 8000 else 96  # the audio runs at the event clock
    out = []

    def silence(n):
        nonlocal seq, ts
        for _ in range(n):
            out.append((rtp(apt, seq, ts, ssrc, b"\xff" * 160), False))
            seq += 1
            ts += step

    silence(max(1, gap_ms // 20))
    for d in digits:
        ev = EVENTS.index(d)
        start = ts
        n = max(1, tone_ms // 20)
        for i in range(n):
            dur = (i + 1) * step
            out.append((rtp(pt, seq, start, ssrc, struct.pack("!BBH", ev, 10, dur),
                            marker=(i == 0)), True))
            seq += 1
        for _ in range(3):            # the end, sent three times (RFC 4733 2.5.1.4)
            out.append((rtp(pt, seq, start, ssrc, struct.pack("!BBH", ev, 0x80 | 10,
                                                              n * step)), True))
            seq += 1
        ts = start + n * step
        silence(max(1, gap_ms // 20))
    return out


def send(argv):
    sip, sport, dip, dport, digits = argv[0], int(argv[1]), argv[2], int(argv[3]), argv[4]
    opts = {"--pt": "101", "--clock": "8000", "--tone": "100", "--gap": "80",
            "--reorder": "0", "--seed": "1"}
    rest = argv[5:]
    while rest:
        k, v, rest = rest[0], rest[1], rest[2:]
        if k not in opts:
            sys.exit("unknown option " + k)
        opts[k] = v
    random.seed(int(opts["--seed"]))
    pkts = build(digits, int(opts["--pt"]), int(opts["--clock"]), int(opts["--tone"]),
                 int(opts["--gap"]))
    p = float(opts["--reorder"])
    i = 0
    while i + 1 < len(pkts):           # adjacent swaps: packets arrive out of order
        if random.random() < p:
            pkts[i], pkts[i + 1] = pkts[i + 1], pkts[i]
            i += 2
        else:
            i += 1
    s = socket.socket(fam(sip), socket.SOCK_DGRAM)
    s.bind((sip, sport))
    t0 = time.monotonic()
    for k, (b, _) in enumerate(pkts):
        delay = t0 + k * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(b, (dip, dport))
    print(len(pkts), sum(1 for _, e in pkts if e))


def sendraw(argv):
    sip, sport, dip, dport, path = argv[0], int(argv[1]), argv[2], int(argv[3]), argv[4]
    pt = int(argv[5]) if len(argv) > 5 else 0
    pace = float(argv[6]) / 1000 if len(argv) > 6 else 0.02
    data = open(path, "rb").read()
    s = socket.socket(fam(sip), socket.SOCK_DGRAM)
    s.bind((sip, sport))
    seq, ts = random.randint(0, 65535), random.randint(0, 1 << 31)
    t0 = time.monotonic()
    n = 0
    for off in range(0, len(data) - 159, 160):
        delay = t0 + n * pace - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(rtp(pt, seq + n, ts + 160 * n, 0x5EED, data[off:off + 160]), (dip, dport))
        n += 1
    print(n)


def receive(ip, port, secs):
    """(arrival ns, datagram) until SECONDS, or 2 s of silence after the first."""
    s = socket.socket(fam(ip), socket.SOCK_DGRAM)
    s.bind((ip, port))
    end = time.monotonic() + secs
    got = []
    while time.monotonic() < end:
        left = end - time.monotonic()
        s.settimeout(max(0.05, min(left, 2.0) if got else left))
        try:
            d = s.recv(2048)
        except socket.timeout:
            if got:
                break
            continue
        got.append((time.monotonic_ns(), d))
    return got


def capture(argv):
    ip, port, secs, out = argv[0], int(argv[1]), float(argv[2]), argv[3]
    lines = []
    for t, d in receive(ip, port, secs):
        if len(d) < 12:
            continue
        ssrc, seq, ts = struct.unpack("!I", d[8:12])[0], struct.unpack("!H", d[2:4])[0], \
            struct.unpack("!I", d[4:8])[0]
        lines.append(f"{t} {ssrc} {seq} {ts} {d[1] >> 7} {d[1] & 0x7F} {d[12:].hex()}")
    open(out, "w").write("\n".join(lines) + ("\n" if lines else ""))
    print(len(lines))


def recv(argv):
    ip, port, secs = argv[0], int(argv[1]), float(argv[2])
    pt = int(argv[3]) if len(argv) > 3 else 101
    got = receive(ip, port, secs)
    print(len(got), sum(1 for _, d in got if len(d) >= 12 and d[1] & 0x7F == pt))


if __name__ == "__main__":
    if len(sys.argv) >= 7 and sys.argv[1] == "send":
        send(sys.argv[2:])
    elif len(sys.argv) >= 7 and sys.argv[1] == "sendraw":
        sendraw(sys.argv[2:])
    elif len(sys.argv) >= 6 and sys.argv[1] == "capture":
        capture(sys.argv[2:])
    elif len(sys.argv) >= 5 and sys.argv[1] == "recv":
        recv(sys.argv[2:])
    else:
        sys.exit(__doc__)
