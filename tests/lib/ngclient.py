#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A raw NG client for tests: sends one datagram (cookie + payload as given)
and prints the reply bytes, or "NO-REPLY" after the timeout.
usage: ngclient.py ADDR PORT COOKIE PAYLOAD   (ADDR may be IPv6 or unix:/path)
       ngclient.py ADDR PORT --raw BYTES       (whole datagram, no cookie added)
       ngclient.py --json ADDR PORT COOKIE PAYLOAD
                                  (the reply's dictionary printed as JSON)
PAYLOAD/BYTES accept Python escapes (\\x00, \\r, \\n).
With NG_TIMES=FILE in the environment, the wall-clock midpoint between
sending and the reply (ms since the epoch, 3 decimals) is appended to FILE."""
import os
import socket
import sys
import json
import tempfile
import time


def bdecode(b, i=0):
    """One bencode value at b[i:]; returns (value, next index)."""
    c = b[i:i + 1]
    if c == b"i":
        e = b.index(b"e", i)
        return int(b[i + 1:e]), e + 1
    if c in (b"l", b"d"):
        i, items = i + 1, []
        while b[i:i + 1] != b"e":
            v, i = bdecode(b, i)
            items.append(v)
        if c == b"l":
            return items, i + 1
        return dict(zip(items[::2], items[1::2])), i + 1
    colon = b.index(b":", i)
    n = int(b[i:colon])
    return b[colon + 1:colon + 1 + n].decode("latin-1"), colon + 1 + n


def main():
    as_json = sys.argv[1] == "--json"
    if as_json:
        del sys.argv[1]
    addr, port = sys.argv[1], int(sys.argv[2])
    if sys.argv[3] == "--raw":
        msg = sys.argv[4].encode().decode("unicode_escape").encode("latin-1")
    else:
        payload = sys.argv[4].encode().decode("unicode_escape").encode("latin-1")
        msg = sys.argv[3].encode() + b" " + payload
    if addr.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        me = os.path.join(tempfile.mkdtemp(), "c.sock")
        s.bind(me)
        dest = addr[5:]
    else:
        s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
        dest = (addr, port)
    s.settimeout(2)
    t0 = time.time()
    s.sendto(msg, dest)
    try:
        reply = s.recv(65535)
        if os.environ.get("NG_TIMES"):
            with open(os.environ["NG_TIMES"], "a") as f:
                f.write("%.3f\n" % ((t0 + time.time()) * 500))
        if as_json:
            json.dump(bdecode(reply, reply.index(b" ") + 1)[0], sys.stdout, indent=1)
        else:
            sys.stdout.write(reply.decode("latin-1"))
    except socket.timeout:
        sys.stdout.write("NO-REPLY")


if __name__ == "__main__":
    main()
