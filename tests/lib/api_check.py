#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drives callplane-cp's control API over its real unix socket.

  api_check.py SOCKET METHODS_H CALL_ID CONFIG
      JSON-RPC conformance (parse error, batch, bad envelope, unknown method,
      params checks, notifications, ids) and every method declared in
      METHODS_H, with a call in progress (CALL_ID), checking the shape of
      each result. Fails if a declared method is not exercised here.
  api_check.py SOCKET call METHOD [JSON_PARAMS]
      one call; prints the reply line.

Prints "ok - ..." / "FAIL - ..." lines; exits with the number of failures.
"""
import json
import re
import socket
import sys

fails = 0


def res(ok, what):
    global fails
    print(("ok   - " if ok else "FAIL - ") + what)
    if not ok:
        fails += 1
    return ok


class Api:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(20)
        self.s.connect(path)
        self.buf = b""
        self.n = 0

    def raw(self, line):
        """Sends one line, returns the parsed reply (None on timeout)."""
        self.s.sendall(line if isinstance(line, bytes) else line.encode())
        return self.read()

    def read(self, timeout=20):
        self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            try:
                d = self.s.recv(1 << 20)
            except socket.timeout:
                return None
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, method, params=None):
        self.n += 1
        req = {"jsonrpc": "2.0", "id": self.n, "method": method}
        if params is not None:
            req["params"] = params
        r = self.raw(json.dumps(req) + "\n")
        assert r is not None and r.get("id") == self.n, r
        return r


def err_code(r):
    return r.get("error", {}).get("code") if r else None


def conformance(a):
    r = a.raw("{not json\n")
    res(err_code(r) == -32700 and "offset" in r["error"]["message"] and r["id"] is None,
        "unparsable line: -32700 with the offset (%s)" % (r and r["error"]["message"]))
    r = a.raw('[{"jsonrpc":"2.0","id":1,"method":"version"}]\n')
    res(err_code(r) == -32600 and "batch" in r["error"]["message"],
        "batch: -32600 saying batches are not supported")
    r = a.raw('{"id":7,"method":"version"}\n')
    res(err_code(r) == -32600 and r["id"] == 7, "no jsonrpc member: -32600, id echoed")
    r = a.raw('{"jsonrpc":"2.0","id":"abc","method":5}\n')
    res(err_code(r) == -32600 and r["id"] == "abc", "method not a string: -32600")
    r = a.raw('{"jsonrpc":"2.0","id":{"x":1},"method":"version"}\n')
    res(err_code(r) == -32600, "id an object: -32600")
    r = a.raw('"just a string"\n')
    res(err_code(r) == -32600, "a request that is not an object: -32600")
    r = a.call("no.such.method")
    res(err_code(r) == -32601 and "no.such.method" in r["error"]["message"],
        "unknown method: -32601 naming it")
    r = a.call("agents.show", [1001])
    res(err_code(r) == -32602, "positional params: -32602 (by name only)")
    r = a.call("agents.show", {})
    res(err_code(r) == -32602 and "agent" in r["error"]["message"],
        "missing required parameter: -32602 naming it")
    r = a.call("agents.list", {"bogus": "x"})
    res(err_code(r) == -32602 and "bogus" in r["error"]["message"],
        "unknown parameter: -32602 naming it")
    r = a.call("agents.show", {"agent": 1001})
    res(err_code(r) == -32602, "parameter of the wrong type: -32602")
    r = a.call("agents.show", {"agent": ""})
    res(err_code(r) == -32602, "empty parameter: -32602")
    # a notification (no id) gets no reply; the next request still does
    a.s.sendall(b'{"jsonrpc":"2.0","method":"version"}\n')
    r = a.read(timeout=1)
    res(r is None, "notification: no reply")
    r = a.raw(' \r\n{"jsonrpc":"2.0","id":"s-1","method":"version"}\r\n')
    res(r and r.get("id") == "s-1" and r["result"]["callplane_cp"],
        "blank line ignored, CRLF accepted, string id echoed")
    r = a.raw('{"jsonrpc":"2.0","id":null,"method":"version"}\n')
    res(r and r.get("id") is None and "result" in r, "null id echoed")
    # two requests in one write, two replies
    a.s.sendall(b'{"jsonrpc":"2.0","id":1001,"method":"version"}\n'
                b'{"jsonrpc":"2.0","id":1002,"method":"version"}\n')
    ids = {a.read()["id"], a.read()["id"]}
    res(ids == {1001, 1002}, "two requests in one write: both answered")
    r = a.raw(('{"jsonrpc":"2.0","id":1,"method":"version","params":{"x":"%s"}}\n'
               % ("y" * 300)))
    res(err_code(r) == -32602, "oversized parameter value: -32602")


def methods(a, declared, call_id, config):
    done = set()

    def m(name, params=None):
        done.add(name)
        return a.call(name, params)

    r = m("status")
    s = r.get("result", {})
    res(s.get("calls_active") == 1 and s.get("dataplane", {}).get("up") is True
        and s["dataplane"].get("sessions") == 1 and "agents" in s,
        "status: 1 call active, dataplane up with 1 session")
    r = m("version")
    res(r.get("result", {}).get("callplane_cp") and r["result"].get("callplane_dp"),
        "version: both daemons (%s)" % r.get("result"))
    r = m("calls.list")
    calls = r.get("result", [])
    res(len(calls) == 1 and calls[0]["call_id"] == call_id and calls[0]["agent"] == "1001",
        "calls.list: the one call, with agent 1001")
    r = m("calls.show", {"call": call_id})
    res(r.get("result", {}).get("call_id") == call_id, "calls.show: the call")
    r = a.call("calls.show", {"call": "nope"})
    res(err_code(r) == -32000, "calls.show of an unknown call: -32000")
    r = a.call("calls.hangup", {"call": "nope"})
    res(err_code(r) == -32000, "calls.hangup of an unknown call: -32000")
    done.add("calls.hangup")  # the real hang-up is the CLI's (callplanectl calls hangup)
    r = m("agents.list")
    ag = {x["id"]: x for x in r.get("result", [])}
    res(set(ag) == {"1001", "1002", "1003"} and ag["1001"]["state"] == "on-call",
        "agents.list: three agents, 1001 on the call")
    r = m("agents.show", {"agent": "1001"})
    res(r.get("result", {}).get("contacts") and r["result"]["queues"] == ["support"],
        "agents.show: contacts and queues")
    r = a.call("agents.show", {"agent": "4242"})
    res(err_code(r) == -32000, "agents.show of an unknown agent: -32000")
    r = m("agents.not_ready", {"agent": "1001"})
    res("when the call ends" in r.get("result", {}).get("note", ""),
        "agents.not_ready during a call: deferred, with a note")
    r = m("agents.ready", {"agent": "1001"})
    res(r.get("result", {}).get("result") == "ready", "agents.ready: cancels the deferred change")
    r = a.call("agents.ready", {"agent": "1003"})
    res(err_code(r) == -32002 and "no registered phone" in r["error"]["message"],
        "agents.ready without a phone: -32002 saying why")
    r = m("agents.logout", {"agent": "1003"})
    res("result" in r, "agents.logout of an idle agent")
    r = m("agents.login", {"agent": "1003"})
    res("phone registers" in r.get("result", {}).get("note", ""),
        "agents.login without a phone: logged in, ready once a phone registers")
    r = m("queues.list")
    q = {x["name"]: x for x in r.get("result", [])}
    res(set(q) == {"support", "sales"}, "queues.list: support and sales")
    r = m("queues.show", {"queue": "support"})
    res(r.get("result", {}).get("name") == "support" and len(r["result"]["members"]) == 3,
        "queues.show: members")
    r = a.call("queues.show", {"queue": "nope"})
    res(err_code(r) == -32000, "queues.show of an unknown queue: -32000")
    r = m("trunks.list")
    res(r.get("result", [{}])[0].get("name") == "carrier", "trunks.list: the carrier trunk")
    r = m("registrations.list")
    regs = r.get("result", [])
    res(any(x.get("agent") == "1001" and x.get("expires_s", 0) > 0 for x in regs),
        "registrations.list: 1001's phone, not expired")
    r = m("dataplane.status")
    res(r.get("result", {}).get("up") is True and r["result"]["sessions"] == 1
        and r["result"]["ports"][0]["link"] == "up", "dataplane.status: up, 1 session, link up")
    r = m("dataplane.ports")
    p = r.get("result", [{}])[0]
    res(p.get("name") == "ext0" and p.get("rx_pkts", 0) > 0 and "drop_bad_source" in
        p.get("counters", {}), "dataplane.ports: ext0 with counters and drops by reason")
    r = m("dataplane.lcores")
    lc = r.get("result", [])
    res(any("worker" in x.get("roles", "") and x.get("polls", 0) > 0 for x in lc),
        "dataplane.lcores: a worker lcore that polls")
    r = m("dataplane.counters")
    res(r.get("result", {}).get("ng_requests", 0) > 0, "dataplane.counters: NG requests counted")
    r = m("dataplane.sessions")
    res([x["call_id"] for x in r.get("result", [])] != [], "dataplane.sessions: one session")
    ngid = r["result"][0]["call_id"] if r.get("result") else "x"
    r = m("dataplane.streams", {"call": ngid})
    st = r.get("result", [])
    res(len(st) >= 2 and all("peer_address" in x for x in st),
        "dataplane.streams: the call's streams with peers")
    r = a.call("dataplane.streams", {"call": "nope"})
    res(err_code(r) == -32000, "dataplane.streams of an unknown session: -32000")
    r = m("config.check")
    res(r.get("result", {}).get("valid") is True, "config.check of the running file: valid")
    r = a.call("config.check", {"file": "/nonexistent.yaml"})
    res(err_code(r) == -32004 and r["error"].get("data", {}).get("errors"),
        "config.check of a missing file: -32004 with the reason")
    r = m("config.show")
    cs = r.get("result", {})
    res(cs.get("control", {}).get("agents", [{}])[0].get("password") == "********",
        "config.show: the settings, agent passwords masked")
    r = m("config.reload")
    res(r.get("result", {}).get("restart_needed") == [] and r["result"].get("agents") == 3,
        "config.reload of the unchanged file: nothing needs a restart")
    r = m("log.level")
    res(r.get("result", {}).get("level") == "info", "log.level: info")
    r = a.call("log.level", {"level": "debug"})
    r2 = a.call("log.level", {"level": "info"})
    res(r.get("result", {}).get("level") == "debug" and r2["result"]["level"] == "info",
        "log.level set to debug and back")
    r = a.call("log.level", {"level": "loud"})
    res(err_code(r) == -32602, "log.level with an unknown level: -32602")
    missing = sorted(set(declared) - done)
    res(not missing, "every declared method exercised (%d)%s" %
        (len(declared), (": missing " + ", ".join(missing)) if missing else ""))


def main():
    if len(sys.argv) >= 4 and sys.argv[2] == "call":
        a = Api(sys.argv[1])
        r = a.call(sys.argv[3], json.loads(sys.argv[4]) if len(sys.argv) > 4 else None)
        print(json.dumps(r))
        return 0 if "result" in r else 1
    sock, mh, call_id, config = sys.argv[1:5]
    declared = re.findall(r'^\tX\(\w+, "([a-z_.]+)"', open(mh).read(), re.M)
    a = Api(sock)
    conformance(a)
    methods(a, declared, call_id, config)
    return fails


if __name__ == "__main__":
    sys.exit(main())
