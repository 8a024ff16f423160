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
        where ok means every payload matched what 'send' would have sent."""
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


def main():
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
