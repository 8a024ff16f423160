#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send raw Ethernet frames given as hex on IFACE (run inside a test host's
namespace). Used to feed the dataplane malformed input on purpose.
usage: rawsend.py IFACE HEX [HEX ...]"""
import socket
import sys

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for h in sys.argv[2:]:
    s.send(bytes.fromhex(h))
