#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A phone registering over UDP with digest authentication, for tests of
the registrar: prints the status codes it got, e.g. "401 200".
usage: sipreg.py SERVER:PORT BIND_IP USER PASSWORD CONTACT_PORT
           [--alg SHA-256|MD5] [--expires N] [--replay] [--wait-stale S]
--alg picks which of the server's challenges to answer (default: the first).
--replay sends the accepted Authorization again on a new REGISTER (an
attacker's replay) and prints that answer too.
--wait-stale S waits S seconds after the challenge before answering it."""
import hashlib
import os
import re
import socket
import sys
import time


def H(alg, s):
    f = hashlib.sha256 if alg.upper() == "SHA-256" else hashlib.md5
    return f(s.encode()).hexdigest()


def main():
    a = sys.argv[1:]
    opts = {"--alg": None, "--expires": "300", "--wait-stale": "0"}
    replay = "--replay" in a
    a = [x for x in a if x != "--replay"]
    for k in list(opts):
        if k in a:
            i = a.index(k)
            opts[k] = a[i + 1]
            del a[i:i + 2]
    server, bind_ip, user, password, cport = a
    host, port = server.rsplit(":", 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind_ip, 0))
    s.settimeout(3)
    lport = s.getsockname()[1]
    callid = os.urandom(8).hex() + "@" + bind_ip
    cseq = [0]

    def send(auth=None):
        cseq[0] += 1
        msg = (f"REGISTER sip:{host} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {bind_ip}:{lport};branch=z9hG4bK{os.urandom(6).hex()};rport\r\n"
               f"From: <sip:{user}@{host}>;tag={os.urandom(4).hex()}\r\n"
               f"To: <sip:{user}@{host}>\r\n"
               f"Call-ID: {callid}\r\nCSeq: {cseq[0]} REGISTER\r\n"
               f"Contact: <sip:{user}@{bind_ip}:{cport}>\r\n"
               f"Expires: {opts['--expires']}\r\nMax-Forwards: 70\r\n"
               + (f"Authorization: {auth}\r\n" if auth else "") +
               "Content-Length: 0\r\n\r\n")
        s.sendto(msg.encode(), (host, int(port)))
        while True:
            data = s.recv(65535).decode(errors="replace")
            code = int(data.split(" ", 2)[1])
            if code >= 200:
                return code, data

    codes = []
    code, resp = send()
    codes.append(code)
    if code == 401:
        chals = re.findall(r"^WWW-Authenticate: *Digest (.*)$", resp, re.M | re.I)
        pick = None
        for c in chals:
            p = dict(re.findall(r'(\w+)="?([^",]*)"?', c))
            if opts["--alg"] is None or p.get("algorithm", "MD5").upper() == opts["--alg"].upper():
                pick = p
                break
        if pick is None:
            print(" ".join(map(str, codes)), "no-challenge-for", opts["--alg"])
            return 1
        time.sleep(float(opts["--wait-stale"]))
        alg = pick.get("algorithm", "MD5")
        uri = f"sip:{host}"
        cnonce, nc = os.urandom(4).hex(), "00000001"
        ha1 = H(alg, f"{user}:{pick['realm']}:{password}")
        ha2 = H(alg, f"REGISTER:{uri}")
        resp_ = H(alg, f"{ha1}:{pick['nonce']}:{nc}:{cnonce}:auth:{ha2}")
        auth = (f'Digest username="{user}", realm="{pick["realm"]}", nonce="{pick["nonce"]}", '
                f'uri="{uri}", response="{resp_}", algorithm={alg}, qop=auth, nc={nc}, '
                f'cnonce="{cnonce}"')
        code, resp = send(auth)
        codes.append(code)
        if replay:
            code, resp = send(auth)
            codes.append(code)
    print(" ".join(map(str, codes)))
    return 0


sys.exit(main())
