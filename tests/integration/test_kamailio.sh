#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Interop with a stock SIP proxy: Debian's Kamailio 5.6, its rtpengine
# module pointed at callplane-dp's NG socket, relays SIPp calls from the
# carrier host to a SIPp phone on the agents host. Each call's audio (a
# 236-packet G.711 capture) crosses the relay to the phone, which echoes
# it back through the relay (the phone rings 300 ms before it answers).
# Checked: every call completes, every packet is relayed both ways, and
# when the calls end Kamailio's deletes leave no session and no media
# port behind.
. "$(dirname "$0")/lib.sh"
command -v kamailio >/dev/null && command -v sipp >/dev/null ||
    { echo "FAIL - kamailio and sipp are needed (.ci/install)"; exit 1; }
start_dp
C="$SRC/tests/lib/ngclient.py"
ngj() { in_app "$C" --json 127.0.0.1 2223 "k$(date +%s%N)" "$@"; }
stat_of() { ngj 'd7:command10:statisticse' | python3 -c '
import json, sys
s = json.load(sys.stdin)["statistics"]
print(s["currentstatistics"].get(sys.argv[1], s["totalstatistics"].get(sys.argv[1])))' "$1"; }

sed -e "s/@LISTEN@/$TB_APP_IP4/" -e "s/@NG@/127.0.0.1:2223/" -e "s/@AGENT@/$TB_AGENTS_IP4:5080/" \
    "$SRC/tests/sip/kamailio-relay.cfg" > "$WORK/kamailio.cfg"
in_app kamailio -f "$WORK/kamailio.cfg" -P "$WORK/kamailio.pid" -Y "$WORK" -DD -E \
    > "$WORK/kamailio.log" 2>&1 &
KAM=$!
kam_ready() { grep -q "rtpengine instance <udp:127.0.0.1:2223> found" "$WORK/kamailio.log"; }
check "kamailio starts and finds callplane-dp through its rtpengine module" wait_for 10 kam_ready

CALLS=4 PKTS=236
mkdir -p "$WORK/uac/pcap"
ln -s /usr/share/sip-tester/g711a.pcap "$WORK/uac/pcap/g711a.pcap"
in_agents timeout 120 sipp -sf "$SRC/tests/sip/uas_echo.xml" -i "$TB_AGENTS_IP4" -p 5080 \
    -mi "$TB_AGENTS_IP4" -mp 7000 -rtp_echo -m $CALLS -nostdin -timeout 60s \
    -trace_err -error_file "$WORK/uas.err" > "$WORK/uas.out" 2>&1 &
UAS=$!
sleep 0.5
r0=$(stat_of packetsrelayed)
(cd "$WORK/uac" && in_carrier timeout 120 sipp -sf "$SRC/tests/sip/uac_rtp.xml" -s 1000 \
    -i "$TB_CARRIER_IP4" -p 5070 -mi "$TB_CARRIER_IP4" -mp 6000 \
    -m $CALLS -l $CALLS -r 2 -nostdin -timeout 60s \
    -trace_stat -stf "$WORK/uac.csv" -trace_err -error_file "$WORK/uac.err" \
    "$TB_APP_IP4:5060" > "$WORK/uac.out" 2>&1) &
UAC=$!
sleep 4
live=$(stat_of sessionsown)
check "mid-call: callplane-dp anchors the calls ($live sessions)" test "$live" -ge 2
wait $UAC; rc=$?
wait $UAS; urc=$?
succ=$(tail -1 "$WORK/uac.csv" | cut -d';' -f16)
check "SIPp caller: exit 0, $CALLS of $CALLS calls successful ($succ)" test "$rc" -eq 0 -a "$succ" = "$CALLS"
check "SIPp phone: exit 0" test "$urc" -eq 0
relayed=$(( $(stat_of packetsrelayed) - r0 ))
check "every RTP packet relayed to the phone and back ($relayed of $((CALLS * PKTS * 2)))" \
    test "$relayed" -eq $((CALLS * PKTS * 2))
check "after the BYEs no session is left" test "$(stat_of sessionsown)" -eq 0
check "and every media port is free" test "$(stat_of mediaportsinuse)" -eq 0
check "kamailio logged no rtpengine errors" bash -c "! grep -iE 'rtpengine.*(error|fail)' '$WORK/kamailio.log'"
kill "$KAM" 2>/dev/null; wait "$KAM" 2>/dev/null
tb_dp_stop
finish
