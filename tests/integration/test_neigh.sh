#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Next hops and ageing with real timers: an off-link address resolves
# through the configured gateway; the kernel gets the default route on
# the exception tap; a confirmed neighbour goes stale after reachable_s
# and disappears after stale_s without traffic; a neighbour that never
# answers is given up after its retries.
. "$(dirname "$0")/lib.sh"
CONF=$WORK/testbed-gw.yaml
# The carrier host plays the gateway; short timers so ageing shows quickly.
sed -e "s|      ipv6: 2001:2::1/64|      ipv6: 2001:2::1/64\n      gateway4: $TB_CARRIER_IP4|" \
    -e 's|reachable_s: 30|reachable_s: 1|' -e 's|stale_s: 120|stale_s: 3|' \
    "$SRC/config/testbed.yaml" > "$CONF"
start_dp "$CONF"

entry() { # entry IP FIELD: a field of the neighbour entry, or "absent"
    tb_telemetry /callplane/neigh | python3 -c '
import json,sys
d=json.load(sys.stdin)
e=[v for v in d.values() if v["ip"]==sys.argv[1]]
print(e[0][sys.argv[2]] if e else "absent")' "$1" "$2"
}
is() { [ "$(entry "$1" "$2")" = "$3" ]; }

check "kernel default route points at the gateway through the tap" \
    bash -c "ip -n $TB_APP route show default | grep -q 'via $TB_CARRIER_IP4 dev cp0'"

tb_telemetry /callplane/neigh/resolve 203.0.113.7 >/dev/null
check "off-link address resolves through the gateway (carrier's MAC)" \
    wait_for 5 is "$TB_CARRIER_IP4" mac "$(host_mac "$TB_CARRIER" | tr a-f A-F)"
check "the off-link address itself is not in the cache" is 203.0.113.7 state absent

check "confirmed entry goes stale after reachable_s" wait_for 4 is "$TB_CARRIER_IP4" state stale
check "and is removed after stale_s without confirmation" wait_for 6 is "$TB_CARRIER_IP4" state absent

# Nobody has 198.18.0.99: solicited, retried, then given up.
tb_telemetry /callplane/neigh/resolve 198.18.0.99 >/dev/null
check "unanswered address is incomplete while retrying" wait_for 2 is 198.18.0.99 state incomplete
check "and given up after its retries" wait_for 6 is 198.18.0.99 state absent
check "solicitations were sent for it (3 tries)" test "$(counter arp_request_out)" -ge 4

tb_dp_stop
finish
