#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Tiny kernel-socket peers for exception-path tests.
  udpecho.py serve-udp ADDR PORT N      answer N datagrams with b"echo:"+data
  udpecho.py serve-tcp ADDR PORT        accept one connection, echo one line
  udpecho.py ask-udp ADDR PORT MSG      send MSG, print the reply (exit 1 on timeout)
  udpecho.py ask-tcp ADDR PORT MSG      connect, send MSG, print the reply
Addresses may be IPv4 or IPv6. Everything times out after 5 s."""
import socket
import sys


def fam(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def main():
    mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "serve-udp":
        s = socket.socket(fam(addr), socket.SOCK_DGRAM)
        s.bind((addr, port))
        s.settimeout(8)
        for _ in range(int(sys.argv[4])):
            data, peer = s.recvfrom(65535)
            s.sendto(b"echo:" + data, peer)
    elif mode == "serve-tcp":
        s = socket.socket(fam(addr), socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(1)
        s.settimeout(8)
        c, _ = s.accept()
        c.settimeout(5)
        c.sendall(b"echo:" + c.recv(65535))
        c.close()
    elif mode == "ask-udp":
        s = socket.socket(fam(addr), socket.SOCK_DGRAM)
        s.settimeout(3)
        s.sendto(sys.argv[4].encode(), (addr, port))
        try:
            print(s.recvfrom(65535)[0].decode())
        except socket.timeout:
            print("timeout", file=sys.stderr)
            sys.exit(1)
    elif mode == "ask-tcp":
        s = socket.create_connection((addr, port), timeout=5)
        s.sendall(sys.argv[4].encode())
        print(s.recv(65535).decode())
    else:
        sys.exit(2)


if __name__ == "__main__":
    main()
