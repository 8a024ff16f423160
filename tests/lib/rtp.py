#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""RTP endpoints for relay tests (run inside a test host's namespace).
  rtp.py send SRC_IP SRC_PORT DST_IP DST_PORT COUNT [SSRC]
        sends COUNT 172-byte RTP packets (PCMU, 20 ms apart) whose payload
        encodes the sequence number, from SRC_IP:SRC_PORT
  rtp.py duplex SRC_IP SRC_PORT DST_IP DST_PORT COUNT SECONDS
        both at once on one socket (a phone talking and listening): sends
        COUNT packets and prints the 'recv' line for what came back
  rtp.py recv IP PORT COUNT SECONDS
        receives until COUNT packets or SECONDS; prints one line:
        "<n> <source ip>:<port> <payload sha256 of first packet> <ok|bad>"
        where ok means every payload matched what 'send' would have sent.
  rtp.py jitter SRC_IP SRC_PORT DST_IP DST_PORT COUNT JITTER_MS
        like send, but each packet leaves late by a random walk of
        +-JITTER_MS steps (plus up to 1 ms of noise) around its 20 ms slot,
        in departure order (a packet due with an earlier one keeps its
        sequence order; later ones may overtake), so RFC 3550's
        interarrival jitter of the stream is JITTER_MS; prints
        "<sent> <jitter of the departures in ms>"
  rtp.py stats IP PORT SECONDS
        receives for SECONDS (or until 2 s of silence after the first
        packet) and prints "<n> <RFC 3550 jitter in ms at this receiver>"
  rtp.py spray SRC_IP DST_IP PORT_MIN PORT_MAX ROUNDS
        an RTP-bleed attacker: one RTP packet (fixed SSRC) to every port
        of the range, ROUNDS times; prints the number sent"""
import hashlib
import socket
import struct
import sys
import time


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def peer(a):
    return f"[{a[0]}]:{a[1]}" if ":" in a[0] else f"{a[0]}:{a[1]}"


def payload(seq):
    return bytes((seq * 7 + i) & 0xFF for i in range(160))


def packet(seq, ssrc):
    return struct.pack("!BBHII", 0x80, 0, seq, seq * 160, ssrc) + payload(seq)


def receive(s, count, end):
    n, src, first, good = 0, "-", "-", True
    while n < count and time.time() < end:
        s.settimeout(max(0.01, end - time.time()))
        try:
            d, a = s.recvfrom(2048)
        except socket.timeout:
            break
        seq = struct.unpack("!H", d[2:4])[0]
        if len(d) != 172 or d[12:] != payload(seq):
            good = False
        if n == 0:
            src, first = peer(a), hashlib.sha256(d).hexdigest()[:16]
        n += 1
    return n, src, first, good


class Jitter:
    """RFC 3550 A.8 interarrival jitter, in 8 kHz timestamp units."""

    def __init__(self):
        self.j, self.last = 0.0, None

    def add(self, ts, arrival_s):
        transit = arrival_s * 8000.0 - ts
        if self.last is not None:
            self.j += (abs(transit - self.last) - self.j) / 16.0
        self.last = transit

    def ms(self):
        return self.j / 8.0


def jitter_send(sip, sport, dip, dport, count, jms):
    import random
    s = socket.socket(fam(sip), socket.SOCK_DGRAM)
    s.bind((sip, sport))
    step = jms / 1000.0
    delay, plan = step, []
    for i in range(count):
        if i:
            delay = step if delay != step else random.choice((0.0, 2 * step))
        plan.append((i * 0.02 + delay, i))
    plan.sort()  # packets due at the same time leave in sequence order
    t0, j = time.time(), Jitter()
    for due, i in plan:
        wait = t0 + due + random.uniform(0, 0.001) - time.time()
        if wait > 0:
            time.sleep(wait)
        s.sendto(packet(i, 0x9abc), (dip, dport))
        j.add(i * 160, time.time() - t0)
    print(count, f"{j.ms():.2f}")


def stats(ip, port, secs):
    s = socket.socket(fam(ip), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ip, port))
    end, n, j = time.time() + secs, 0, Jitter()
    while time.time() < end:
        s.settimeout(min(2.0, max(0.01, end - time.time())) if n else max(0.01, end - time.time()))
        try:
            d = s.recv(2048)
        except socket.timeout:
            break
        j.add(struct.unpack("!I", d[4:8])[0], time.time())
        n += 1
    print(n, f"{j.ms():.2f}")


def spray(sip, dip, lo, hi, rounds):
    s = socket.socket(fam(sip), socket.SOCK_DGRAM)
    s.bind((sip, 40000))
    n = 0
    for r in range(rounds):
        for port in range(lo, hi + 1):
            while True:
                try:
                    s.sendto(packet(r, 0xBADBAD), (dip, port))
                    break
                except BlockingIOError:
                    time.sleep(0.001)
            n += 1
    print(n)


def main():
    if sys.argv[1] == "jitter":
        jitter_send(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
                    int(sys.argv[6]), float(sys.argv[7]))
        return
    if sys.argv[1] == "stats":
        stats(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        return
    if sys.argv[1] == "spray":
        spray(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
        return
    if sys.argv[1] == "duplex":
        sip, sport, dip, dport = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
        count, secs = int(sys.argv[6]), float(sys.argv[7])
        s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM)
        s.bind((sip, sport))
        time.sleep(0.5)  # let the other phone bind too
        end = time.time() + secs
        got = [0, "-", "-", True]
        for i in range(count):
            s.sendto(packet(i, 0x5678), (dip, dport))
            n, src, first, good = receive(s, count - got[0], time.time() + 0.02)
            if n:
                if got[0] == 0:
                    got[1], got[2] = src, first
                got[0] += n
                got[3] = got[3] and good
        n, src, first, good = receive(s, count - got[0], end)
        if n and got[0] == 0:
            got[1], got[2] = src, first
        got[0] += n
        got[3] = got[3] and good
        print(got[0], got[1], got[2], "ok" if got[3] and got[0] else "bad")
    elif sys.argv[1] == "send":
        sip, sport, dip, dport, count = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
        ssrc = int(sys.argv[7]) if len(sys.argv) > 7 else 0x1234
        s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((sip, sport))
        for i in range(count):
            s.sendto(packet(i, ssrc), (dip, dport))
            time.sleep(0.02)
    elif sys.argv[1] == "recv":
        ip, port, count, secs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
        s = socket.socket(fam(sys.argv[2]), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((ip, port))
        n, src, first, good = receive(s, count, time.time() + secs)
        print(n, src, first, "ok" if good and n else "bad")


if __name__ == "__main__":
    main()
