#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Exception path: traffic the dataplane does not own (SIP on 5060 over UDP,
# a TCP service, IPv4 and IPv6) reaches ordinary kernel sockets on the
# appliance address through the tap, and the replies leave through the
# DPDK port. UDP into the media range is the dataplane's and never reaches
# the kernel. Counters show every step.
. "$(dirname "$0")/lib.sh"
start_dp
E="$SRC/tests/lib/udpecho.py"

k0=$(counter to_kernel); f0=$(counter from_kernel)

in_app "$E" serve-udp "$TB_APP_IP4" 5060 2 & SRV=$!
sleep 0.5
out=$(in_carrier "$E" ask-udp "$TB_APP_IP4" 5060 "OPTIONS sip:probe SIP/2.0" 2>&1)
check "UDP 5060 from carrier reaches a kernel socket and the reply returns" \
    test "$out" = "echo:OPTIONS sip:probe SIP/2.0"
out=$(in_agents "$E" ask-udp "$TB_APP_IP4" 5060 "REGISTER" 2>&1)
check "UDP 5060 from agents too" test "$out" = "echo:REGISTER"
wait $SRV

in_app "$E" serve-udp "$TB_APP_IP6" 5060 1 & SRV=$!
sleep 0.5
out=$(in_carrier "$E" ask-udp "$TB_APP_IP6" 5060 "v6 OPTIONS" 2>&1)
check "UDP over IPv6 through the exception path" test "$out" = "echo:v6 OPTIONS"
wait $SRV

in_app "$E" serve-tcp "$TB_APP_IP4" 2222 & SRV=$!
sleep 0.5
out=$(in_carrier "$E" ask-tcp "$TB_APP_IP4" 2222 "SSH-2.0-probe" 2>&1)
check "TCP connection to a kernel service (handshake, data, close)" test "$out" = "echo:SSH-2.0-probe"
wait $SRV

check "to_kernel counts the punted frames" test "$(counter to_kernel)" -ge $((k0 + 8))
check "from_kernel counts the replies" test "$(counter from_kernel)" -ge $((f0 + 6))

# Media range: owned by the dataplane, even with a kernel socket bound there.
m0=$(counter drop_media_no_stream)
in_app "$E" serve-udp "$TB_APP_IP4" 30000 1 & SRV=$!
sleep 0.5
check "UDP to a media port does not reach the kernel" \
    bash -c "! ip netns exec $TB_CARRIER '$E' ask-udp $TB_APP_IP4 30000 rtp >/dev/null 2>&1"
kill $SRV 2>/dev/null; wait $SRV 2>/dev/null
check "and is counted as drop_media_no_stream" test "$(counter drop_media_no_stream)" -gt "$m0"

# Traffic for someone else's address is dropped, not punted.
n0=$(counter drop_not_ours)
in_carrier ip neigh replace 198.18.0.77 lladdr "$(dp_mac)" dev eth0
in_carrier "$E" ask-udp 198.18.0.77 5060 x >/dev/null 2>&1
check "IP for another address is counted as drop_not_ours" test "$(counter drop_not_ours)" -gt "$n0"

tb_dp_stop INT; rc=$?
check "SIGINT: clean exit" test "$rc" -eq 0
check "exit report shows the exception path" grep -qE '^ +to_kernel +[0-9]+' "$WORK/dp.log"
finish
