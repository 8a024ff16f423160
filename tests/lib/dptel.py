#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Query a running callplane-dp over DPDK's telemetry socket.

usage: dptel.py --prefix NAME CMD [PARAMS]
       dptel.py --prefix NAME --get CMD KEY.PATH   (prints one value)
Prints the reply's value as JSON (or the single value with --get).
Exit codes: 0 ok, 1 no such command / bad reply, 2 dataplane not running.
"""
import argparse
import json
import socket
import sys


def query(prefix, cmd):
    path = f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2"
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(5)
    try:
        s.connect(path)
    except OSError as e:
        print(f"dptel: cannot reach the dataplane at {path}: {e.strerror}", file=sys.stderr)
        sys.exit(2)
    info = json.loads(s.recv(16384).decode())
    s.send(cmd.encode())
    reply = json.loads(s.recv(info.get("max_output_len", 16384)).decode())
    s.close()
    base = cmd.split(",", 1)[0]
    if base not in reply or reply[base] is None:
        print(f"dptel: {cmd}: no answer (unknown command or bad parameter)", file=sys.stderr)
        sys.exit(1)
    return reply[base]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--get", action="store_true")
    ap.add_argument("cmd")
    ap.add_argument("rest", nargs="*")
    a = ap.parse_args()
    if a.get:
        v = query(a.prefix, a.cmd)
        for k in a.rest[0].split("."):
            v = v[k]
        print(v)
        return
    cmd = a.cmd + ("," + ",".join(a.rest) if a.rest else "")
    print(json.dumps(query(a.prefix, cmd), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
