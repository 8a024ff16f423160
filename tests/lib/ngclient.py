#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A raw NG client for tests: sends one datagram (cookie + payload as given)
and prints the reply bytes, or "NO-REPLY" after the timeout.
usage: ngclient.py ADDR PORT COOKIE PAYLOAD   (ADDR may be IPv6 or unix:/path)
       ngclient.py ADDR PORT --raw BYTES       (whole datagram, no cookie added)
PAYLOAD/BYTES accept Python escapes (\\x00, \\r, \\n)."""
import os
import socket
import sys
import tempfile


def main():
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
    s.sendto(msg, dest)
    try:
        sys.stdout.write(s.recv(65535).decode("latin-1"))
    except socket.timeout:
        sys.stdout.write("NO-REPLY")


if __name__ == "__main__":
    main()
