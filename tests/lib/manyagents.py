#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes a copy of a test-bed config whose queue 'support' has N agents
(ids PREFIX000.., passwords pw0..), no wrap-up, the 'queue' treatment and
no CPS limit to speak of: for load tests and benches.
usage: manyagents.py SRC DST N PREFIX"""
import sys

src, dst, n, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
t = open(src).read()
head = t[:t.index("  agents:\n    - { id:")]
head = head.replace('        - number: "2000"\n          queue: sales\n', '')
agents = "".join(f'    - {{ id: "{prefix}{i:03d}", password: "pw{i}" }}\n' for i in range(n))
members = ", ".join(f'"{prefix}{i:03d}"' for i in range(n))
t = head + "  agents:\n" + agents + f"""  queues:
    - name: support
      agents: [{members}]
      ring_timeout_s: 30
      wrapup_s: 0
      max_wait_s: 120
      no_agents: queue
"""
t = t.replace("cps_limit: 200", "cps_limit: 100000").replace("max_calls: 2000", "max_calls: 100000")
open(dst, "w").write(t)
