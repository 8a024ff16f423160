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
# Then an SRTP trunk: a SIPp caller offers RTP/SAVP keyed by SDES; the
# proxy asks (rtpengine_offer("RTP/AVP")) for plain RTP towards the agent's
# SIPp phone, which echoes. The carrier's media is libsrtp's
# (tests/tools/srtptool.c), sent and received on one socket: what comes
# back must authenticate under the relay's key from the 200 OK and be the
# audio it sent, byte for byte.
. "$(dirname "$0")/lib.sh"
command -v kamailio >/dev/null && command -v sipp >/dev/null ||
    { echo "FAIL - kamailio and sipp are needed (.ci/install)"; exit 1; }
start_dp
C="$SRC/tests/lib/ngclient.py"
tel() { tb_telemetry --get /callplane/stats "$1"; }
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
S=${SRTPTOOL:-$SRC/build/tests/srtptool}
SUITE=AES_CM_128_HMAC_SHA1_80
KEY=$("$S" key $SUITE)
head -c 48000 /dev/urandom | python3 -c 'import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(bytes(b | 1 for b in d))' > "$WORK/audio.ul"
sed -e "s|@PORT@|6100|" -e "s|@SUITE@|$SUITE|" -e "s|@KEY@|$KEY|" "$SRC/tests/sip/uac_srtp.xml" > "$WORK/uac_srtp.xml"
d0=$(tel srtp_decrypted); e0=$(tel srtp_encrypted)
in_agents timeout 60 sipp -sf "$SRC/tests/sip/uas_echo.xml" -i "$TB_AGENTS_IP4" -p 5080 \
    -mi "$TB_AGENTS_IP4" -mp 7000 -rtp_echo -m 1 -nostdin -timeout 40s \
    -trace_msg -message_file "$WORK/uas_msgs.log" \
    -trace_err -error_file "$WORK/uas2.err" > "$WORK/uas2.out" 2>&1 &
UAS=$!
sleep 0.5
(cd "$WORK" && in_carrier timeout 60 sipp -sf "$WORK/uac_srtp.xml" -s 1000 \
    -i "$TB_CARRIER_IP4" -p 5072 -m 1 -nostdin -timeout 40s \
    -trace_msg -message_file "$WORK/uac_msgs.log" -trace_err -error_file "$WORK/uac2.err" \
    "$TB_APP_IP4:5060" > "$WORK/uac2.out" 2>&1) &
UAC=$!
# the SDP of the first message of a kind in a SIPp message log
sdp_of() { python3 - "$1" "$2" <<'EOF'
import re, sys
try:
    t = open(sys.argv[1], errors="replace").read()
except OSError:
    sys.exit(1)
i = t.find(sys.argv[2])
if i < 0:
    sys.exit(1)
t = t[i:]
m = re.search(r"m=audio (\d+) (\S+)", t)
if not m:
    sys.exit(1)
e = t.find("\n\n", m.end())
k = re.search(r"a=crypto:\d+ (\S+) inline:([^|\s]+)", t[m.end():e if e > 0 else len(t)])
print(m[1], m[2], k[1] if k else "-", k[2] if k else "-")
EOF
}
answered() { sdp_of "$WORK/uac_msgs.log" "SIP/2.0 200 OK" > /dev/null; }
check "the SRTP call is answered through Kamailio" wait_for 10 answered
read -r PA PROTO RSUITE RKEY <<<"$(sdp_of "$WORK/uac_msgs.log" "SIP/2.0 200 OK")"
read -r _ APROTO ASUITE _ <<<"$(sdp_of "$WORK/uas_msgs.log" "INVITE sip:")"
check "the carrier's 200 OK is RTP/SAVP with the relay's own key ($PROTO $RSUITE)" \
    test "$PROTO" = RTP/SAVP -a "$RSUITE" = "$SUITE" -a "$RKEY" != - -a "$RKEY" != "$KEY"
check "the agent's phone is offered plain RTP/AVP without a key ($APROTO, crypto: $ASUITE)" \
    test "$APROTO" = RTP/AVP -a "$ASUITE" = -
read -r sent got okn bad rep <<<"$(in_carrier "$S" call $SUITE "$KEY" "$RKEY" "$TB_CARRIER_IP4" 6100 \
    "$TB_APP_IP4" "$PA" "$WORK/audio.ul" 0 "$WORK/carrier.dec")"
wait $UAC; rc=$?
wait $UAS; urc=$?
check "SRTP -> RTP -> phone's echo -> SRTP: $okn of $sent packets came back and authenticate under the relay's key ($got received, $bad failed, $rep replayed)" \
    test "${okn:-0}" -eq "${sent:-1}" -a "${bad:-1}" -eq 0 -a "${rep:-1}" -eq 0
check "and the audio that came back is byte-identical to what was sent" \
    cmp -s "$WORK/carrier.dec" "$WORK/audio.ul"
check "the relay decrypted and encrypted every packet ($(( $(tel srtp_decrypted) - d0 )), $(( $(tel srtp_encrypted) - e0 )))" \
    test $(( $(tel srtp_decrypted) - d0 )) -eq "$sent" -a $(( $(tel srtp_encrypted) - e0 )) -eq "$sent"
check "the SRTP call ends cleanly (caller exit $rc, phone exit $urc)" test "$rc" -eq 0 -a "$urc" -eq 0
check "after its BYE no session is left" test "$(stat_of sessionsown)" -eq 0
kill "$KAM" 2>/dev/null; wait "$KAM" 2>/dev/null
tb_dp_stop
finish
