#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Prints callplane-cp's live figures (the --stats-file JSON) for people:
calls, queues, agents and the SIP/registrar/NG counters that are not zero.
usage: cpstat.py STATS_FILE [calls|queues|agents|counters|all]"""
import json
import sys


def main():
    s = json.load(open(sys.argv[1]))
    what = sys.argv[2] if len(sys.argv) > 2 else "all"
    if what in ("queues", "all"):
        print(f"{'queue':10} {'waiting':>7} {'longest':>8} {'offered':>7} {'answered':>8} "
              f"{'abandoned':>9} {'timed-out':>9} {'rejected':>8} {'ASA':>7}")
        for q in s["queues"]:
            print(f"{q['name']:10} {q['waiting']:>7} {q['longest_wait_ms'] / 1000:>7.1f}s "
                  f"{q['offered']:>7} {q['answered']:>8} {q['abandoned']:>9} {q['timeouts']:>9} "
                  f"{q['rejected']:>8} {q['asa_ms'] / 1000:>6.2f}s")
    if what in ("agents", "all"):
        print(f"{'agent':8} {'state':11} {'phones':>6} {'answered':>8} {'missed':>6}")
        for a in s["agents"]:
            print(f"{a['id']:8} {a['state']:11} {a['contacts']:>6} {a['answered']:>8} {a['misses']:>6}")
    if what in ("calls", "all"):
        print(f"{len(s['calls'])} calls up")
        for c in s["calls"]:
            print(f"  {c['call_id']:40} {c['state']:10} queue {c['queue']:8} "
                  f"agent {c['agent'] or '-':6} {c['age_ms'] / 1000:.1f}s")
    if what in ("counters", "all"):
        for group in ("counters", "sip", "registrar", "ng"):
            nz = {k: v for k, v in s[group].items() if v and k != "_"}
            if nz:
                print(f"{group}: " + ", ".join(f"{k} {v}" for k, v in nz.items()))
    return 0


sys.exit(main())
