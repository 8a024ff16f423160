#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay on the test bed: an NG offer/answer sets up a call between the
# carrier (offerer) and the agents host (answerer); RTP and RTCP cross the
# DPDK port both ways with rewritten addresses and untouched payloads;
# packets from a wrong source are dropped and counted (RTP-bleed); query
# reports the counts; delete frees the ports.
. "$(dirname "$0")/lib.sh"
start_dp
C="$SRC/tests/lib/ngclient.py"
R="$SRC/tests/lib/rtp.py"
ng() { in_carrier "$C" "$TB_APP_IP4" 2223 "$@"; }
benstr() { printf '%s:%s' "${#1}" "$1"; }
sdp_of() { # SDP for HOST-IP PORT
    local f=IP4; [[ "$1" == *:* ]] && f=IP6
    printf 'v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' "$f" "$1" "$f" "$1" "$2"
}
port_in() { # the m=audio port of the sdp inside an NG reply
    python3 -c 'import re,sys; m=re.search(r"m=audio (\d+) ", sys.stdin.read()); print(m.group(1) if m else "")'
}

offer_sdp=$(sdp_of "$TB_CARRIER_IP4" 6000)
rep=$(ng o1 "d7:command5:offer7:call-id$(benstr relay-1)8:from-tag$(benstr A1)3:sdp$(benstr "$offer_sdp")e")
check "offer accepted" grep -q '^o1 d6:result2:ok3:sdp' <<<"$rep"
check "offer SDP rewritten to the appliance address" grep -q 'c=IN IP4 198.18.0.1' <<<"$rep"
PB=$(port_in <<<"$rep")
check "offer SDP carries an even media port in range" \
    bash -c "[ -n '$PB' ] && [ \$(( $PB % 2 )) -eq 0 ] && [ $PB -ge 30000 ] && [ $PB -le 39999 ]"

answer_sdp=$(sdp_of "$TB_AGENTS_IP4" 7000)
rep=$(ng a1 "d7:command6:answer7:call-id$(benstr relay-1)8:from-tag$(benstr A1)6:to-tag$(benstr B1)3:sdp$(benstr "$answer_sdp")e")
check "answer accepted" grep -q '^a1 d6:result2:ok3:sdp' <<<"$rep"
PA=$(port_in <<<"$rep")
check "answer SDP carries another port" bash -c "[ -n '$PA' ] && [ '$PA' != '$PB' ]"

# carrier -> relay:PA -> agents:7000 (from relay:PB)
in_agents "$R" recv "$TB_AGENTS_IP4" 7000 50 6 > "$WORK/b.out" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6000 "$TB_APP_IP4" "$PA" 50
wait $RX
read -r n src sha ok < "$WORK/b.out"
check "carrier->agents: 50 of 50 RTP packets relayed" test "$n" -eq 50
check "carrier->agents: arrive from the relay's B-side port" test "$src" = "$TB_APP_IP4:$PB"
check "carrier->agents: payloads byte-identical" test "$ok" = ok

# agents -> relay:PB -> carrier:6000 (from relay:PA)
in_carrier "$R" recv "$TB_CARRIER_IP4" 6000 50 6 > "$WORK/a.out" & RX=$!
sleep 0.3
in_agents "$R" send "$TB_AGENTS_IP4" 7000 "$TB_APP_IP4" "$PB" 50
wait $RX
read -r n src sha ok < "$WORK/a.out"
check "agents->carrier: 50 of 50 relayed" test "$n" -eq 50
check "agents->carrier: from the relay's A-side port" test "$src" = "$TB_APP_IP4:$PA"
check "agents->carrier: payloads byte-identical" test "$ok" = ok

# RTCP on the odd ports.
in_agents "$R" recv "$TB_AGENTS_IP4" 7001 5 4 > "$WORK/c.out" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6001 "$TB_APP_IP4" $((PA + 1)) 5
wait $RX
read -r n src sha ok < "$WORK/c.out"
check "RTCP relayed between the odd ports" test "$n" -eq 5 -a "$src" = "$TB_APP_IP4:$((PB + 1))"

# RTP-bleed: the right port from the wrong source is dropped, never relayed.
b0=$(counter drop_bad_source)
in_agents "$R" recv "$TB_AGENTS_IP4" 7000 1 2 > "$WORK/d.out" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6100 "$TB_APP_IP4" "$PA" 5
in_agents "$R" send "$TB_AGENTS_IP4" 7100 "$TB_APP_IP4" "$PA" 5
wait $RX
read -r n rest < "$WORK/d.out"
check "packets from other sources are not relayed" test "$n" -eq 0
check "and counted as drop_bad_source" test "$(counter drop_bad_source)" -ge $((b0 + 10))

rep=$(ng q1 "d7:command5:query7:call-id$(benstr relay-1)e")
check "query lists per-stream packet counts" grep -q '7:packetsi50e' <<<"$rep"
check "query reports no loss on a clean path" grep -q '4:losti0e' <<<"$rep"
check "list shows the call" grep -q 'relay-1' <<<"$(ng l1 'd7:command4:liste')"
rep=$(ng d1 "d7:command6:delete7:call-id$(benstr relay-1)e")
check "delete accepted" grep -q '^d1 d6:result2:ok' <<<"$rep"
check "list is empty after delete" test "$(ng l2 'd7:command4:liste')" = "l2 d6:result2:ok5:callslee"
m0=$(counter drop_media_no_stream)
in_carrier "$R" send "$TB_CARRIER_IP4" 6000 "$TB_APP_IP4" "$PA" 3
sleep 0.3
check "after delete the port is closed (drop_media_no_stream)" \
    test "$(counter drop_media_no_stream)" -ge $((m0 + 3))
check "relayed counter" test "$(counter relayed)" -ge 105

# delete delay: the call (and its media) lives on for the delay, then ends.
ng od "d7:command5:offer7:call-id$(benstr dd-1)8:from-tag$(benstr A)3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" 6600)")e" >/dev/null
ng ad "d7:command6:answer7:call-id$(benstr dd-1)8:from-tag$(benstr A)6:to-tag$(benstr B)3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" 7600)")e" >/dev/null
t0=$(date +%s%N)
rep=$(ng dd "d7:command6:delete7:call-id$(benstr dd-1)12:delete delayi2ee")
check "delete with delete delay accepted" grep -q '^dd d6:result2:ok' <<<"$rep"
check "the call is still there during the delay" grep -q 'dd-1' <<<"$(ng l4 'd7:command4:liste')"
POLL=0
no_dd_call() { # a fresh cookie each time: a repeated one would get the cached reply
    POLL=$((POLL + 1))
    ! grep -q 'dd-1' <<<"$(ng "poll$POLL" 'd7:command4:liste')"
}
check "and gone after it" wait_for 5 no_dd_call
t1=$(date +%s%N)
check "not before the 2 s delay had passed" test $(( (t1 - t0) / 1000000 )) -ge 1900
rep=$(ng dx "d7:command6:delete7:call-id$(benstr nosuch)12:delete delayi-1ee")
check "bad delete delay on an unknown call: unknown call-id" grep -q 'Unknown call-id' <<<"$rep"

# IPv6 end to end, and IPv4 carrier bridged to an IPv6 agent.
v6call() { # NAME CARRIER-IP CARRIER-PORT AGENT-PORT [address family]
    local name=$1 cip=$2 cport=$3 aport=$4 af=${5:-} extra="" rep pa pb ca cb
    [ -n "$af" ] && extra="14:address family$(benstr "$af")"
    rep=$(ng "o$name" "d7:command5:offer7:call-id$(benstr "$name")8:from-tag$(benstr A)${extra}3:sdp$(benstr "$(sdp_of "$cip" "$cport")")e")
    pb=$(port_in <<<"$rep")
    rep=$(ng "a$name" "d7:command6:answer7:call-id$(benstr "$name")8:from-tag$(benstr A)6:to-tag$(benstr B)3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP6" "$aport")")e")
    pa=$(port_in <<<"$rep")
    in_agents "$R" duplex "$TB_AGENTS_IP6" "$aport" "$TB_APP_IP6" "$pb" 30 5 > "$WORK/$name.b" &
    local rb=$!
    if [[ "$cip" == *:* ]]; then ca=$TB_APP_IP6; else ca=$TB_APP_IP4; fi
    in_carrier "$R" duplex "$cip" "$cport" "$ca" "$pa" 30 5 > "$WORK/$name.a"
    wait $rb
    read -r n src _ ok < "$WORK/$name.b"
    check "$name: agent (IPv6) got 30/30 intact from [2001:2::1]:$pb" \
        test "$n" -eq 30 -a "$ok" = ok -a "$src" = "[$TB_APP_IP6]:$pb"
    read -r n src _ ok < "$WORK/$name.a"
    if [[ "$cip" == *:* ]]; then cb="[$TB_APP_IP6]:$pa"; else cb="$TB_APP_IP4:$pa"; fi
    check "$name: carrier got 30/30 intact from $cb" test "$n" -eq 30 -a "$ok" = ok -a "$src" = "$cb"
    ng "d$name" "d7:command6:delete7:call-id$(benstr "$name")e" >/dev/null
}
v6call relay-v6 "$TB_CARRIER_IP6" 6300 7300
v6call relay-v4v6 "$TB_CARRIER_IP4" 6400 7400 IP6
rep=$(ng ax "d7:command5:offer7:call-id$(benstr bad-af)8:from-tag$(benstr A)14:address family$(benstr IP5)3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" 6500)")e")
check "a bad address family is refused" grep -q 'Invalid address family' <<<"$rep"

# NAT: the carrier's SDP names port 6700 but its packets come from 6750.
# The stream latches after 3 packets from that source with one SSRC (the
# first 2 are dropped), then both directions use the real source. With
# the "strict source" flag it never latches.
natcall() { # NAME FLAGS
    local rep pa pb n src ok
    rep=$(ng "o$1" "d7:command5:offer7:call-id$(benstr "$1")8:from-tag$(benstr A)${2}3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" 6700)")e")
    pb=$(port_in <<<"$rep")
    rep=$(ng "a$1" "d7:command6:answer7:call-id$(benstr "$1")8:from-tag$(benstr A)6:to-tag$(benstr B)3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" 7700)")e")
    pa=$(port_in <<<"$rep")
    in_agents "$R" duplex "$TB_AGENTS_IP4" 7700 "$TB_APP_IP4" "$pb" 30 5 > "$WORK/$1.b" &
    local rb=$!
    in_carrier "$R" duplex "$TB_CARRIER_IP4" 6750 "$TB_APP_IP4" "$pa" 30 5 > "$WORK/$1.a"
    wait $rb
    ng "d$1" "d7:command6:delete7:call-id$(benstr "$1")e" >/dev/null
}
natcall nat-1 ""
read -r n src _ ok < "$WORK/nat-1.b"
check "NAT: latched after 3 packets, 28 of 30 reach the agent" test "$n" -eq 28 -a "$ok" = ok
read -r n src _ ok < "$WORK/nat-1.a"
check "NAT: the agent's media reaches the carrier's real port ($n)" test "$n" -ge 20 -a "$ok" = ok
natcall nat-2 "5:flagsl13:strict sourcee"
read -r n rest < "$WORK/nat-2.b"
check "strict source: a NATed source is never latched" test "$n" -eq 0

# Re-offer (re-INVITE: hold, or the carrier moving to another port): the
# same relay port comes back and media from the new port is relayed.
ng oh "d7:command5:offer7:call-id$(benstr hold-1)8:from-tag$(benstr A)3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" 6800)")e" > "$WORK/h1"
PBH=$(port_in < "$WORK/h1")
rep=$(ng ah "d7:command6:answer7:call-id$(benstr hold-1)8:from-tag$(benstr A)6:to-tag$(benstr B)3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" 7800)")e")
PAH=$(port_in <<<"$rep")
# (command substitution eats a trailing LF, so the SDP ends without one)
hold_sdp="$(sdp_of "$TB_CARRIER_IP4" 6810)"$'\n'"a=sendonly"
rep=$(ng rh "d7:command5:offer7:call-id$(benstr hold-1)8:from-tag$(benstr A)3:sdp$(benstr "$hold_sdp")e")
check "re-offer keeps the relay port" test "$(port_in <<<"$rep")" = "$PBH"
check "re-offer passes the hold direction through" grep -q 'a=sendonly' <<<"$rep"
in_agents "$R" recv "$TB_AGENTS_IP4" 7800 10 4 > "$WORK/h.out" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6810 "$TB_APP_IP4" "$PAH" 10
wait $RX
read -r n src _ ok < "$WORK/h.out"
check "after the re-offer, media from the new port is relayed" test "$n" -eq 10 -a "$ok" = ok
rep=$(ng rx "d7:command5:offer7:call-id$(benstr hold-1)8:from-tag$(benstr Z)3:sdp$(benstr "$hold_sdp")e")
check "re-offer from an unknown tag is refused clearly" grep -q "neither the offerer's nor the answerer's" <<<"$rep"
# The agent re-INVITEs (moves to port 7810): the offer comes from tag B and
# goes to the carrier, so it names the port the carrier already sends to.
rep=$(ng rb "d7:command5:offer7:call-id$(benstr hold-1)8:from-tag$(benstr B)3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" 7810)")e")
check "answerer's re-offer names the carrier's relay port" test "$(port_in <<<"$rep")" = "$PAH"
rep=$(ng ab "d7:command6:answer7:call-id$(benstr hold-1)8:from-tag$(benstr B)6:to-tag$(benstr A)3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" 6810)")e")
check "and its answer names the agent's relay port" test "$(port_in <<<"$rep")" = "$PBH"
in_carrier "$R" recv "$TB_CARRIER_IP4" 6810 10 4 > "$WORK/hb.out" & RX=$!
sleep 0.3
in_agents "$R" send "$TB_AGENTS_IP4" 7810 "$TB_APP_IP4" "$PBH" 10
wait $RX
read -r n src _ ok < "$WORK/hb.out"
check "after the answerer's re-offer, its media from the new port is relayed" test "$n" -eq 10 -a "$ok" = ok
ng dh "d7:command6:delete7:call-id$(benstr hold-1)e" >/dev/null

# Debian's rtpengine-ng-client drives a whole call the same way.
NGC() { in_carrier rtpengine-ng-client --proxy-address "$TB_APP_IP4" --proxy-port 2223 \
        --call-id ngc-1 --from-tag A2 "$@" 2>&1; }
out=$(NGC --sdp "$(sdp_of "$TB_CARRIER_IP4" 6200)" offer)
new_sdp_ok() { sed -n '/New SDP/,$p' <<<"$1" | grep -q 'c=IN IP4 198.18.0.1'; }
check "rtpengine-ng-client offer: new SDP on the relay address" new_sdp_ok "$out"
out=$(NGC --to-tag B2 --sdp "$(sdp_of "$TB_AGENTS_IP4" 7200)" answer)
check "rtpengine-ng-client answer: new SDP on the relay address" new_sdp_ok "$out"
out=$(NGC query)
# The client prints the reply without its "result" key when it is ok.
result_ok() { grep -q 'Result dictionary' <<<"$1" && ! grep -q 'error' <<<"$1"; }
check "rtpengine-ng-client query: ok" result_ok "$out"
check "rtpengine-ng-client query: lists the streams" grep -q "'local port'" <<<"$out"
out=$(NGC delete)
check "rtpengine-ng-client delete: ok" result_ok "$out"
check "no calls left" test "$(ng l3 'd7:command4:liste')" = "l3 d6:result2:ok5:callslee"

tb_dp_stop

# A media-only address (interfaces[].media_ipv4): the dataplane answers
# ARP and ping for it, and with it a second port range; the second call
# (the own address then has fewer free ports) is relayed through it.
sed "s|ipv4: 198.18.0.1/24|&\n      media_ipv4: [198.18.0.2]|" "$SRC/config/testbed.yaml" > "$WORK/x.yaml"
grep -q 'media_ipv4: \[198.18.0.2\]' "$WORK/x.yaml" || echo "FAIL - test config has no media_ipv4"
CALLPLANE_DP=${CALLPLANE_DP:-$SRC/build/callplane-dp} tb_dp_start "$WORK/x.yaml" "$WORK/dp.log" ||
    { echo "FAIL - callplane-dp did not start with media_ipv4"; exit 1; }
check "ready line names the media-only address" grep -q 'media-only ipv4 198.18.0.2' "$WORK/dp.log"
check "telemetry lists it on the port" test "$(counter media_ipv4)" = "198.18.0.2"
ping_x() { in_carrier ping -c 2 -W 2 -i 0.3 198.18.0.2 >/dev/null; }
check "ping to the media-only address is answered" ping_x
check "by the dataplane's MAC (ARP answered)" \
    bash -c "ip netns exec '$TB_CARRIER' ip neigh show 198.18.0.2 | grep -qi '$(tb_telemetry --get /callplane/ports ext0.mac)'"
xcall() { # NAME CARRIER-PORT AGENT-PORT -> "PA PB ADDRESS"
    local rep pa pb addr
    rep=$(ng "o$1" "d7:command5:offer7:call-id$(benstr "$1")8:from-tag$(benstr A)3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" "$2")")e")
    pb=$(port_in <<<"$rep")
    addr=$(sed -n 's/.*c=IN IP4 \([0-9.]*\).*/\1/p' <<<"$rep" | head -1)
    rep=$(ng "a$1" "d7:command6:answer7:call-id$(benstr "$1")8:from-tag$(benstr A)6:to-tag$(benstr B)3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" "$3")")e")
    pa=$(port_in <<<"$rep")
    echo "$pa $pb $addr $(sed -n 's/.*c=IN IP4 \([0-9.]*\).*/\1/p' <<<"$rep" | head -1)"
}
read -r XPA1 XPB1 XA1 XB1 <<<"$(xcall x-1 6900 7900)"
read -r XPA2 XPB2 XA2 XB2 <<<"$(xcall x-2 6902 7902)"
check "first call on the own address ($XA1, $XB1)" test "$XA1" = 198.18.0.1 -a "$XB1" = 198.18.0.1
check "second call on the media-only address ($XA2, $XB2)" test "$XA2" = 198.18.0.2 -a "$XB2" = 198.18.0.2
in_agents "$R" recv "$TB_AGENTS_IP4" 7902 20 6 > "$WORK/x2b.out" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6902 198.18.0.2 "$XPA2" 20
wait $RX
read -r n src _ ok < "$WORK/x2b.out"
check "carrier->agents via 198.18.0.2: 20 of 20, from 198.18.0.2:$XPB2" \
    test "$n" -eq 20 -a "$ok" = ok -a "$src" = "198.18.0.2:$XPB2"
in_carrier "$R" recv "$TB_CARRIER_IP4" 6902 20 6 > "$WORK/x2a.out" & RX=$!
sleep 0.3
in_agents "$R" send "$TB_AGENTS_IP4" 7902 198.18.0.2 "$XPB2" 20
wait $RX
read -r n src _ ok < "$WORK/x2a.out"
check "agents->carrier via 198.18.0.2: 20 of 20, from 198.18.0.2:$XPA2" \
    test "$n" -eq 20 -a "$ok" = ok -a "$src" = "198.18.0.2:$XPA2"
# the same port number on the own address is another stream (call 1's
# ports have the same numbers from their own range): nothing reaches call 2
in_agents "$R" recv "$TB_AGENTS_IP4" 7902 1 2 > "$WORK/x2c.out" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6902 "$TB_APP_IP4" "$XPA2" 5
wait $RX
read -r n _ < "$WORK/x2c.out"
check "its port number on the own address does not reach it" test "${n:-0}" -eq 0
ng dx1 "d7:command6:delete7:call-id$(benstr x-1)e" >/dev/null
ng dx2 "d7:command6:delete7:call-id$(benstr x-2)e" >/dev/null
check "both deleted" test "$(ng lx 'd7:command4:liste')" = "lx d6:result2:ok5:callslee"
tb_dp_stop
finish
