#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Listens on a unix datagram socket as the control plane would and appends
each event (one JSON object per datagram) as a line to OUT, checking it
parses. usage: evlisten.py SOCKET OUT SECONDS"""
import json
import os
import socket
import sys
import time

path, out, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
end = time.time() + secs
with open(out, "a") as f:
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try:
            d = s.recv(65535)
        except socket.timeout:
            continue
        try:
            json.loads(d)
            f.write(d.decode() + "\n")
        except ValueError:
            f.write("BAD-JSON " + repr(d) + "\n")
        f.flush()
os.unlink(path)
