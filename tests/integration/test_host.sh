#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The appliance's host stack through the DPDK port (af_packet, or af_xdp
# with config/testbed-xdp.yaml): ICMP and ICMPv6 echo,
# ARP and ND in both directions, malformed frames dropped and counted,
# clean shutdown on SIGTERM with the final counters.
. "$(dirname "$0")/lib.sh"
# $1: config (default config/testbed.yaml, net_af_packet)
start_dp "${1:-}"

MAC=$(dp_mac)
check "dataplane reports its port MAC" test -n "$MAC"

# Before the agents host sends anything: the dataplane resolves next hops
# itself (ARP and ND out of the port), it cannot have learned them yet.
tb_telemetry /callplane/neigh/resolve "$TB_AGENTS_IP4" >/dev/null
tb_telemetry /callplane/neigh/resolve "$TB_AGENTS_IP6" >/dev/null
AMAC=$(host_mac "$TB_AGENTS")
neigh_is() { tb_telemetry /callplane/neigh | python3 -c '
import json,sys
d=json.load(sys.stdin); ip,mac=sys.argv[1],sys.argv[2]
e=[v for v in d.values() if v["ip"]==ip]
sys.exit(0 if e and e[0]["mac"].lower()==mac and e[0]["state"]=="reachable" else 1)' "$1" "$2"; }
check "dataplane resolved agents IPv4 by ARP" wait_for 5 neigh_is "$TB_AGENTS_IP4" "$AMAC"
check "dataplane resolved agents IPv6 by ND" wait_for 5 neigh_is "$TB_AGENTS_IP6" "$AMAC"
check "bad resolve parameter gets an error" \
    bash -c "! '$SRC/tests/lib/dptel.py' --prefix $TB_ID /callplane/neigh/resolve not-an-ip 2>/dev/null"


out=$(in_carrier ping -c 5 -i 0.2 -W 2 "$TB_APP_IP4" 2>&1)
check "ping from carrier: 5 of 5 replies" grep -q ' 5 received' <<<"$out"
check "ping from carrier: no duplicate replies (kernel stays silent)" \
    bash -c "! grep -q duplicates <<<'$out'"
check "carrier resolved the appliance to the port MAC" \
    bash -c "ip -n $TB_CARRIER neigh show $TB_APP_IP4 | grep -qi 'lladdr $MAC'"
check "carrier learned from its ARP request is in the dataplane cache" \
    neigh_is "$TB_CARRIER_IP4" "$(host_mac "$TB_CARRIER")"

# The carrier has had no IPv6 from us yet, so it must solicit.
out=$(in_carrier ping -6 -c 3 -i 0.2 -W 2 "$TB_APP_IP6" 2>&1)
check "ping6 from carrier: 3 of 3 replies" grep -q ' 3 received' <<<"$out"
check "carrier resolved the appliance by ND to the port MAC" \
    bash -c "ip -n $TB_CARRIER -6 neigh show $TB_APP_IP6 | grep -qi 'lladdr $MAC'"

out=$(in_agents arping -c 2 -w 3 -I eth0 "$TB_APP_IP4" 2>&1)
check "arping from agents is answered by the port MAC" grep -qi "$MAC" <<<"$out"

# Malformed input: counted drops, never a crash.
CM=$(host_mac "$TB_CARRIER" | tr -d :)
DM=$(tr -d : <<<"$MAC")
before_arp=$(counter drop_bad_arp); before_icmp=$(counter drop_bad_icmp)
before_ip=$(counter drop_bad_ip); before_runt=$(counter drop_runt)
# ARP with hardware length 8; ICMP echo with a broken checksum; IPv4 ihl 3;
# an IPv4 header cut short.
in_carrier "$SRC/tests/lib/rawsend.py" eth0 \
    "ffffffffffff${CM}08060001080008040001${CM}c612000a0000000000000000c6120001" \
    "${DM}${CM}080045000054000040004001ae79c612000ac61200010800dead00010001$(printf '00%.0s' $(seq 1 56))" \
    "${DM}${CM}0800430000140000400040010000c612000ac6120001" \
    "${DM}${CM}08004500"
wait_for 3 bash -c "[ \$('$SRC/tests/lib/dptel.py' --prefix $TB_ID --get /callplane/ports ext0.drop_bad_icmp) -gt $before_icmp ]"
check "malformed ARP counted as drop_bad_arp" test "$(counter drop_bad_arp)" -gt "$before_arp"
check "ICMP with bad checksum counted as drop_bad_icmp" test "$(counter drop_bad_icmp)" -gt "$before_icmp"
check "IPv4 with ihl 3 counted as drop_bad_ip" test "$(counter drop_bad_ip)" -gt "$before_ip"
check "truncated IPv4 counted as drop_runt" test "$(counter drop_runt)" -gt "$before_runt"
out=$(in_carrier ping -c 1 -W 2 "$TB_APP_IP4" 2>&1)
check "still answering after malformed input" grep -q ' 1 received' <<<"$out"

check "icmp_echo_in counts the pings" test "$(counter icmp_echo_in)" -ge 6
check "icmp6_echo_in counts the pings" test "$(counter icmp6_echo_in)" -ge 3
check "arp_request_in counted" test "$(counter arp_request_in)" -ge 2
check "arp_request_out counted" test "$(counter arp_request_out)" -ge 1
check "nd_solicit_in counted" test "$(counter nd_solicit_in)" -ge 1
check "nd_solicit_out counted" test "$(counter nd_solicit_out)" -ge 1
check "rx/tx counters move" test "$(counter rx_pkts)" -gt 10 -a "$(counter tx_pkts)" -gt 10
check "per-lcore view lists the worker" \
    bash -c "'$SRC/tests/lib/dptel.py' --prefix $TB_ID /callplane/lcores | grep -q '\"worker,dsp\"'"

tb_dp_stop; rc=$?
check "SIGTERM: clean exit" test "$rc" -eq 0
check "final counters printed at exit" grep -qE '^ +icmp_echo_in +[0-9]+' "$WORK/dp.log"
check "ports stopped, process says stopped" grep -q 'callplane-dp: stopped' "$WORK/dp.log"
finish
