#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Per-stream quality and RTP-bleed safety on the test bed.
#  1. Loss and jitter: the switch drops 5% of the carrier's RTP at random
#     (nftables numgen, counted) and the carrier's sender adds 20 ms of
#     jitter (this kernel has no netem); the
#     relay's query must report the loss the network really injected and
#     the jitter within 20%, and agree with a receiver behind the relay.
#  2. RTP bleed: while calls are live, a rogue host sprays RTP at every
#     port of the media range; no stream is captured or disturbed, and
#     every sprayed packet is counted as a drop.
. "$(dirname "$0")/lib.sh"
start_dp
C="$SRC/tests/lib/ngclient.py"
R="$SRC/tests/lib/rtp.py"
ng() { in_carrier "$C" "$TB_APP_IP4" 2223 "$@"; }
ngj() { in_carrier "$C" --json "$TB_APP_IP4" 2223 "$@"; }
benstr() { printf '%s:%s' "${#1}" "$1"; }
sdp_of() { printf 'v=0\r\nc=IN IP4 %s\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' "$1" "$2"; }
port_in() { python3 -c 'import re,sys; m=re.search(r"m=audio (\d+) ", sys.stdin.read()); print(m.group(1) if m else "")'; }
call() { # NAME CARRIER-PORT AGENT-PORT [FLAGS]: sets PA (carrier sends here), PB
    local rep
    rep=$(ng "o$1" "d7:command5:offer7:call-id$(benstr "$1")8:from-tag$(benstr "A-$1")${4:-}3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" "$2")")e")
    PB=$(port_in <<<"$rep")
    rep=$(ng "a$1" "d7:command6:answer7:call-id$(benstr "$1")8:from-tag$(benstr "A-$1")6:to-tag$(benstr "B-$1")3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" "$3")")e")
    PA=$(port_in <<<"$rep")
}
stream() { # CALL LOCAL-PORT FIELD: one field of a stream in the call's query
    # (runs in a subshell: the cookie must be unique without a counter)
    ngj "q$(date +%s%N)" "d7:command5:query7:call-id$(benstr "$1")e" | python3 -c '
import json, sys
r = json.load(sys.stdin)
s = [s for s in r.get("streams", []) if s["local port"] == int(sys.argv[1])]
print(s[0].get(sys.argv[2], "-") if s else "-")' "$2" "$3"
}
within() { # VALUE REFERENCE PERCENT
    python3 -c 'import sys; v, r, p = map(float, sys.argv[1:]); sys.exit(0 if abs(v - r) <= r * p / 100 else 1)' "$@"
}

# --- 1. loss and jitter -------------------------------------------------
call lj-1 6000 7000
switch_loss "$PA" 5
N=500
in_agents "$R" stats "$TB_AGENTS_IP4" 7000 20 > "$WORK/lj.rx" & RX=$!
sleep 0.3
read -r sent inj_j < <(in_carrier "$R" jitter "$TB_CARRIER_IP4" 6000 "$TB_APP_IP4" "$PA" $N 20)
wait $RX
read -r rx_n rx_j < "$WORK/lj.rx"
dropped=$(switch_loss_end)
lost=$(stream lj-1 "$PA" lost)
jit_us=$(stream lj-1 "$PA" "jitter us")
exp=$(stream lj-1 "$PA" expected)
echo "# injected: $dropped of $sent dropped ($(python3 -c "print(f'{100*$dropped/$sent:.1f}')")%), departure jitter $inj_j ms"
echo "# receiver behind the relay: $rx_n packets, jitter $rx_j ms"
echo "# relay query: expected $exp, lost $lost, jitter $jit_us us"
check "the network dropped some 5% (drops: $dropped of $sent)" within "$dropped" $((N / 20)) 60
check "the receiver got every packet the network let through ($rx_n)" test "$rx_n" -eq $((sent - dropped))
check "query: loss within 20% of the injected $dropped (lost $lost)" within "$lost" "$dropped" 20
check "query: expected counts the stream ($exp of $N; RFC 3550 probation may skip a reordered start)" within "$exp" "$N" 2
check "query: jitter within 20% of the injected 20 ms ($jit_us us)" within "$jit_us" 20000 20
check "query: jitter within 20% of what the receiver measured ($rx_j ms)" \
    within "$jit_us" "$(python3 -c "print($rx_j * 1000)")" 20
ng dlj "d7:command6:delete7:call-id$(benstr lj-1)e" >/dev/null

# --- 2. RTP bleed ----------------------------------------------------------
# Two live calls with media both ways, and one strict-source call that has
# not started its media yet.
call bl-1 6100 7100; A1=$PA; B1=$PB
call bl-2 6200 7200; A2=$PA; B2=$PB
call bl-3 6300 7300 "5:flagsl13:strict sourcee"; A3=$PA; B3=$PB
ns0=$(counter drop_media_no_stream); bs0=$(counter drop_bad_source)
JOBS=()
for c in 1 2; do
    eval "a=\$A$c b=\$B$c"
    in_agents "$R" duplex "$TB_AGENTS_IP4" $((7000 + 100 * c)) "$TB_APP_IP4" "$b" 200 6 > "$WORK/bl$c.b" &
    JOBS+=($!)
    in_carrier "$R" duplex "$TB_CARRIER_IP4" $((6000 + 100 * c)) "$TB_APP_IP4" "$a" 200 6 > "$WORK/bl$c.a" &
    JOBS+=($!)
done
sleep 1.5   # media flowing on both calls
ROUNDS=3
sprayed=$(in_rogue "$R" spray "$TB_ROGUE_IP4" "$TB_APP_IP4" 30000 39999 $ROUNDS)
wait "${JOBS[@]}"
for c in 1 2; do
    eval "a=\$A$c b=\$B$c"
    read -r n src _ ok < "$WORK/bl$c.b"
    check "bleed: call $c agent got 200/200 intact from the relay ($n, $src)" \
        test "$n" -eq 200 -a "$ok" = ok -a "$src" = "$TB_APP_IP4:$b"
    read -r n src _ ok < "$WORK/bl$c.a"
    check "bleed: call $c carrier got 200/200 intact from the relay ($n, $src)" \
        test "$n" -eq 200 -a "$ok" = ok -a "$src" = "$TB_APP_IP4:$a"
    check "bleed: call $c: the stream from the carrier still has the carrier as peer" \
        test "$(stream "bl-$c" "$a" "peer address"):$(stream "bl-$c" "$a" "peer port")" = "$TB_CARRIER_IP4:$((6000 + 100 * c))"
    check "bleed: call $c: the stream from the agent still has the agent as peer" \
        test "$(stream "bl-$c" "$b" "peer address"):$(stream "bl-$c" "$b" "peer port")" = "$TB_AGENTS_IP4:$((7000 + 100 * c))"
    check "bleed: call $c: each stream accepted exactly its peer's 200 packets" \
        test "$(stream "bl-$c" "$a" packets):$(stream "bl-$c" "$b" packets)" = "200:200"
done
# The strict call's media starts after the spray: it flows from the SDP
# address, and the rogue host never became its peer.
in_agents "$R" recv "$TB_AGENTS_IP4" 7300 20 5 > "$WORK/bl3.b" & RX=$!
sleep 0.3
in_carrier "$R" send "$TB_CARRIER_IP4" 6300 "$TB_APP_IP4" "$A3" 20
wait $RX
read -r n src _ ok < "$WORK/bl3.b"
check "bleed: a call with no media yet is not captured; its media flows after ($n)" \
    test "$n" -eq 20 -a "$ok" = ok
check "bleed: its peer is still the SDP address" \
    test "$(stream bl-3 "$A3" "peer address")" = "$TB_CARRIER_IP4"
ns1=$(counter drop_media_no_stream); bs1=$(counter drop_bad_source)
live=$((3 * 4 * ROUNDS))   # 3 calls x 4 relay ports x rounds hit live streams
echo "# sprayed $sprayed: drop_bad_source +$((bs1 - bs0)), drop_media_no_stream +$((ns1 - ns0))"
check "bleed: sprayed packets at live ports counted as drop_bad_source" \
    test $((bs1 - bs0)) -eq $live
check "bleed: every other sprayed packet counted as drop_media_no_stream" \
    test $((ns1 - ns0)) -eq $((sprayed - live))
for c in 1 2 3; do ng "d$c" "d7:command6:delete7:call-id$(benstr "bl-$c")e" >/dev/null; done
check "no calls left" test "$(ng l9 'd7:command4:liste')" = "l9 d6:result2:ok5:callslee"

tb_dp_stop
finish
