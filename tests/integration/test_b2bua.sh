#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The contact-centre call flows end to end on the test bed: SIPp callers on
# the carrier host, SIPp agent phones on the agents host, callplane-cp and
# callplane-dp on the appliance. Every answered call plays a 236-packet
# G.711 capture through the dataplane to the agent, whose phone echoes it
# back: each packet must be relayed both ways. Covered: no agent logged in,
# unknown trunk (403), unknown DID (404), the registrar's digest (MD5,
# SHA-256, wrong password 401 then 403, replay, unknown user), answered
# call with caller hang-up, with agent hang-up, CANCEL before answer,
# agent 486 then the next agent, agent no answer then the next agent (and
# not-ready after the configured misses), hold and resume by re-INVITE,
# caller abandoning while queued, an SRTP (SDES) carrier call bridged to a
# plain-RTP phone and back (checked with libsrtp), the trunk SRTP policy
# (required/off: 488), and 10% SIP loss with every call still completing.
# After each flow no media session or port is left.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || { echo "FAIL - sipp is needed (.ci/install)"; exit 1; }
CP=${CALLPLANE_CP:-$SRC/build/callplane-cp}
PKTS=236
CONF=$SRC/config/testbed.yaml
start_dp "$CONF"

C="$SRC/tests/lib/ngclient.py"
ngstat() { in_app "$C" --json 127.0.0.1 2223 "b$(date +%s%N)" 'd7:command10:statisticse' |
    python3 -c '
import json, sys
s = json.load(sys.stdin)["statistics"]
print(s["currentstatistics"].get(sys.argv[1], s["totalstatistics"].get(sys.argv[1])))' "$1"; }

start_cp() { # CONFIG
    ip netns exec "$TB_APP" "$CP" -c "$1" --stats-file "$WORK/cp.json" --api-socket "$WORK/cp.sock" > "$WORK/cp.log" 2>&1 &
    CP_PID=$!
    TB_PIDS+=("$CP_PID")
    wait_for 10 grep -q ': ready' "$WORK/cp.log"
}
stop_cp() {
    kill "$CP_PID" 2>/dev/null
    wait "$CP_PID"
}
# cpstat EXPR: a figure from callplane-cp's stats (python expression on s)
cpstat() {
    kill -USR1 "$CP_PID"; sleep 0.2
    python3 -c "import json,sys; s=json.load(open('$WORK/cp.json')); print($1)"
}
agent_state() { cpstat "[a['state'] for a in s['agents'] if a['id']=='$1'][0]"; }

# register AGENT CONTACT_PORT [EXPIRES]: the agent's phone logs in (SIPp, MD5)
register() {
    in_agents sipp -sf "$SRC/tests/sip/agent_register.xml" -i "$TB_AGENTS_IP4" -p 5190 \
        -key user "$1" -key contact_port "$2" -key expires "${3:-300}" \
        -au "$1" -ap "agent${1}pw" -m 1 -nostdin -timeout 10s "$TB_APP_IP4:5060" \
        > "$WORK/reg-$1.out" 2>&1
}
# phone AGENT_PORT MEDIA_PORT SCENARIO CALLS: an agent's SIPp phone in the
# background; its pid in $P
phone() {
    ip netns exec "$TB_AGENTS" sipp -sf "$SRC/tests/sip/$3" -i "$TB_AGENTS_IP4" -p "$1" \
        -mi "$TB_AGENTS_IP4" -mp "$2" -rtp_echo -m "$4" -nostdin -timeout 90s \
        -trace_err -error_file "$WORK/phone-$1.err" > "$WORK/phone-$1.out" 2>&1 &
    P=$!
}
# caller SCENARIO DID CALLS [HOST_IP] [more sipp args]: SIPp callers; returns
# sipp's exit status, the successful calls in $SUCC
mkdir -p "$WORK/uac/pcap"
ln -s /usr/share/sip-tester/g711a.pcap "$WORK/uac/pcap/g711a.pcap"
caller() {
    local scen=$1 did=$2 calls=$3 ip=${4:-$TB_CARRIER_IP4}; shift 4 2>/dev/null || shift $#
    local ns=$TB_CARRIER rc
    [ "$ip" = "$TB_ROGUE_IP4" ] && ns=$TB_ROGUE
    rm -f "$WORK/uac.csv"
    (cd "$WORK/uac" && ip netns exec "$ns" sipp -sf "$scen" -s "$did" \
        -i "$ip" -p 5070 -mi "$ip" -mp 6000 -m "$calls" -l "$calls" -r 10 -nostdin \
        -timeout 120s -trace_stat -stf "$WORK/uac.csv" -trace_err -error_file "$WORK/uac.err" \
        "$@" "$TB_APP_IP4:5060" > "$WORK/uac.out" 2>&1)
    rc=$?
    SUCC=$(tail -1 "$WORK/uac.csv" 2>/dev/null | cut -d';' -f16)
    return $rc
}
refused() { # CODE -> scenario file expecting that final response
    sed "s/@CODE@/$1/" "$SRC/tests/sip/uac_refused.xml" > "$WORK/uac_$1.xml"
    echo "$WORK/uac_$1.xml"
}
clean_media() {
    wait_for 5 test "$(ngstat sessionsown)" -eq 0 && test "$(ngstat mediaportsinuse)" -eq 0
}

check "callplane-cp starts on the test bed" start_cp "$CONF"

# --- treatments before anyone is logged in
caller "$(refused 480)" 1000 1; rc=$?
check "no agent logged in: the caller gets 480 (queue support, reject treatment)" test $rc -eq 0 -a "$SUCC" = 1
check "  counted as rejected" test "$(cpstat "s['counters']['no_agents_rejected']")" -eq 1
caller "$(refused 403)" 1000 1 "$TB_ROGUE_IP4"; rc=$?
check "INVITE from an unknown trunk source (rogue host): 403" test $rc -eq 0 -a "$SUCC" = 1
check "  counted" test "$(cpstat "s['counters']['unknown_trunk_403']")" -eq 1
caller "$(refused 404)" 5555 1; rc=$?
check "unknown DID: 404" test $rc -eq 0 -a "$SUCC" = 1
check "no media left after refused calls" clean_media

# --- the registrar
R="$SRC/tests/lib/sipreg.py"
reg() { in_agents "$R" "$TB_APP_IP4:5060" "$TB_AGENTS_IP4" "$@"; }
check "digest MD5: 401 then 200" test "$(reg 1003 agent1003pw 5999 --alg MD5)" = "401 200"
check "digest SHA-256 (RFC 8760): 401 then 200" test "$(reg 1003 agent1003pw 5999 --alg SHA-256)" = "401 200"
check "  agent 1003 is ready once registered" test "$(agent_state 1003)" = ready
check "wrong digest password: 401 then 403" test "$(reg 1003 wrongpassword 5999)" = "401 403"
check "unknown user: 401 then 403" test "$(reg 9999 whatever 5999)" = "401 403"
check "a replayed Authorization is challenged again (401)" \
    test "$(reg 1003 agent1003pw 5999 --replay)" = "401 200 401"
check "unregister (Expires 0): 401 then 200" test "$(reg 1003 agent1003pw 5999 --expires 0)" = "401 200"
check "  agent 1003 is logged out again" test "$(agent_state 1003)" = logged-out
check "SIPp phone 1001 registers (MD5 digest)" register 1001 5081
check "  agent 1001 is ready" test "$(agent_state 1001)" = ready

# --- answered call, caller hangs up
r0=$(ngstat packetsrelayed)
phone 5081 7000 uas_answer.xml 1
caller "$SRC/tests/sip/uac_rtp.xml" 1000 1; rc=$?
wait "$P"; prc=$?
check "answered call, caller hangs up: SIPp caller and phone succeed" test $rc -eq 0 -a "$SUCC" = 1 -a $prc -eq 0
relayed=$(( $(ngstat packetsrelayed) - r0 ))
check "  every RTP packet relayed to the agent and back ($relayed of $((PKTS * 2)))" test "$relayed" -eq $((PKTS * 2))
check "  media deleted" clean_media
check "  answered and ASA counted" test "$(cpstat "s['queues'][0]['answered']")" -eq 1
check "  agent 1001 goes through wrap-up back to ready" wait_for 5 test "$(agent_state 1001)" = ready

# --- the agent hangs up
r0=$(ngstat packetsrelayed)
phone 5081 7000 uas_hangup.xml 1
caller "$SRC/tests/sip/uac_wait_bye.xml" 1000 1; rc=$?
wait "$P"; prc=$?
check "answered call, agent hangs up: caller gets the BYE, both succeed" test $rc -eq 0 -a "$SUCC" = 1 -a $prc -eq 0
relayed=$(( $(ngstat packetsrelayed) - r0 ))
check "  every RTP packet relayed both ways ($relayed of $((PKTS * 2)))" test "$relayed" -eq $((PKTS * 2))
check "  media deleted" clean_media
wait_for 5 test "$(agent_state 1001)" = ready

# --- CANCEL before answer (the agent's phone keeps ringing)
phone 5081 7000 uas_noanswer.xml 1
caller "$SRC/tests/sip/uac_cancel.xml" 1000 1; rc=$?
wait "$P"; prc=$?
check "CANCEL while the agent rings: caller gets 200 and 487, the agent's phone is cancelled too" \
    test $rc -eq 0 -a "$SUCC" = 1 -a $prc -eq 0
v=$(cpstat "s['queues'][0]['abandoned'], [a['misses'] for a in s['agents'] if a['id']=='1001'][0]")
check "  counted as abandoned, not as the agent's miss ($v)" test "$v" = "1 0"
check "  media deleted" clean_media
wait_for 5 test "$(agent_state 1001)" = ready

# --- agent busy (486): the next agent takes the call
check "SIPp phone 1002 registers" register 1002 5082
phone 5081 7000 uas_busy.xml 1; P1=$P
phone 5082 7100 uas_answer.xml 1; P2=$P
r0=$(ngstat packetsrelayed)
caller "$SRC/tests/sip/uac_rtp.xml" 1000 1; rc=$?
wait "$P1"; p1=$?; wait "$P2"; p2=$?
check "agent 1001 busy (486), agent 1002 answers: all three SIPp succeed" \
    test $rc -eq 0 -a "$SUCC" = 1 -a $p1 -eq 0 -a $p2 -eq 0
relayed=$(( $(ngstat packetsrelayed) - r0 ))
check "  every RTP packet relayed both ways ($relayed of $((PKTS * 2)))" test "$relayed" -eq $((PKTS * 2))
check "  agent 1002 answered it" test "$(cpstat "[a['answered'] for a in s['agents'] if a['id']=='1002'][0]")" -eq 1
check "  busy counted" test "$(cpstat "s['counters']['agent_busy']")" -eq 1
check "  media deleted" clean_media
wait_for 5 test "$(agent_state 1002)" = ready

# --- agent no answer: ring timeout, CANCEL, next agent; 2nd miss -> not ready
phone 5081 7000 uas_noanswer.xml 1; P1=$P
phone 5082 7100 uas_answer.xml 1; P2=$P
r0=$(ngstat packetsrelayed)
caller "$SRC/tests/sip/uac_rtp.xml" 1000 1; rc=$?
wait "$P1"; p1=$?; wait "$P2"; p2=$?
check "agent 1001 does not answer in 4 s (CANCEL), agent 1002 answers: all succeed" \
    test $rc -eq 0 -a "$SUCC" = 1 -a $p1 -eq 0 -a $p2 -eq 0
relayed=$(( $(ngstat packetsrelayed) - r0 ))
check "  every RTP packet relayed both ways ($relayed of $((PKTS * 2)))" test "$relayed" -eq $((PKTS * 2))
check "  agent 1001 missed 2 rings in a row: not ready" test "$(agent_state 1001)" = not-ready
check "  media deleted" clean_media
wait_for 5 test "$(agent_state 1002)" = ready

# --- hold and resume by re-INVITE from the caller
phone 5082 7100 uas_hold.xml 1; P2=$P
r0=$(ngstat packetsrelayed)
re0=$(cpstat "s['counters']['reinvites']")
caller "$SRC/tests/sip/uac_hold.xml" 1000 1; rc=$?
wait "$P2"; p2=$?
check "hold (sendonly) and resume (sendrecv) by re-INVITE: both SIPp succeed" \
    test $rc -eq 0 -a "$SUCC" = 1 -a $p2 -eq 0
check "  both re-INVITEs relayed to the agent" test $(( $(cpstat "s['counters']['reinvites']") - re0 )) -eq 2
relayed=$(( $(ngstat packetsrelayed) - r0 ))
check "  after resume every RTP packet relayed both ways ($relayed of $((PKTS * 2)))" test "$relayed" -eq $((PKTS * 2))
check "  media deleted" clean_media

# --- an SRTP carrier (SDES, trunk srtp: optional) to a plain-RTP agent: the
# dataplane decrypts towards the phone and encrypts its echo; the carrier's
# media is libsrtp (srtptool call: sends and receives on one socket)
S=${SRTPTOOL:-$SRC/build/tests/srtptool}
SUITE=AES_CM_128_HMAC_SHA1_80
KEY=$("$S" key $SUITE)
head -c 48000 /dev/urandom | python3 -c 'import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(bytes(b | 1 for b in d))' > "$WORK/audio.ul"
sed -e "s|@PORT@|6100|" -e "s|@SUITE@|$SUITE|" -e "s|@KEY@|$KEY|" "$SRC/tests/sip/uac_srtp.xml" > "$WORK/uac_srtp.xml"
tel() { tb_telemetry --get /callplane/stats "$1"; }
d0=$(tel srtp_decrypted); e0=$(tel srtp_encrypted); s0=$(cpstat "s['counters']['srtp_calls']")
wait_for 5 test "$(agent_state 1002)" = ready
ip netns exec "$TB_AGENTS" sipp -sf "$SRC/tests/sip/uas_echo.xml" -i "$TB_AGENTS_IP4" -p 5082 \
    -mi "$TB_AGENTS_IP4" -mp 7100 -rtp_echo -m 1 -nostdin -timeout 40s \
    -trace_msg -message_file "$WORK/srtp_uas_msgs.log" \
    -trace_err -error_file "$WORK/srtp_uas.err" > "$WORK/srtp_uas.out" 2>&1 &
P=$!
(cd "$WORK" && ip netns exec "$TB_CARRIER" timeout 60 sipp -sf "$WORK/uac_srtp.xml" -s 1000 \
    -i "$TB_CARRIER_IP4" -p 5072 -m 1 -nostdin -timeout 40s \
    -trace_msg -message_file "$WORK/srtp_uac_msgs.log" -trace_err -error_file "$WORK/srtp_uac.err" \
    "$TB_APP_IP4:5060" > "$WORK/srtp_uac.out" 2>&1) &
UAC=$!
# the SDP of the first message of a kind in a SIPp message log:
# port, protocol, crypto suite and key (- when none)
sdp_of() { python3 - "$1" "$2" <<'EOF2'
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
EOF2
}
answered() { sdp_of "$WORK/srtp_uac_msgs.log" "SIP/2.0 200 OK" > /dev/null; }
check "SRTP carrier call through callplane-cp is answered by agent 1002" wait_for 15 answered
read -r PA PROTO RSUITE RKEY <<<"$(sdp_of "$WORK/srtp_uac_msgs.log" "SIP/2.0 200 OK")"
read -r _ APROTO ASUITE _ <<<"$(sdp_of "$WORK/srtp_uas_msgs.log" "INVITE sip:")"
check "  the carrier's 200 OK is RTP/SAVP with the relay's own key ($PROTO $RSUITE)" \
    test "$PROTO" = RTP/SAVP -a "$RSUITE" = "$SUITE" -a "$RKEY" != - -a "$RKEY" != "$KEY"
check "  the agent's phone is offered plain RTP/AVP without a key ($APROTO, crypto: $ASUITE)" \
    test "$APROTO" = RTP/AVP -a "$ASUITE" = -
read -r sent got okn bad rep <<<"$(ip netns exec "$TB_CARRIER" "$S" call $SUITE "$KEY" "$RKEY" \
    "$TB_CARRIER_IP4" 6100 "$TB_APP_IP4" "$PA" "$WORK/audio.ul" 0 "$WORK/carrier.dec")"
wait $UAC; rc=$?
wait $P; prc=$?
check "  SRTP -> RTP -> phone's echo -> SRTP: $okn of $sent came back and authenticate under the relay's key ($got received, $bad failed, $rep replayed)" \
    test "${okn:-0}" -eq "${sent:-1}" -a "${bad:-1}" -eq 0 -a "${rep:-1}" -eq 0
check "  the audio that came back is byte-identical to what was sent" \
    cmp -s "$WORK/carrier.dec" "$WORK/audio.ul"
check "  the relay decrypted and encrypted every packet ($(( $(tel srtp_decrypted) - d0 )), $(( $(tel srtp_encrypted) - e0 )))" \
    test $(( $(tel srtp_decrypted) - d0 )) -eq "$sent" -a $(( $(tel srtp_encrypted) - e0 )) -eq "$sent"
check "  the call ends cleanly (caller exit $rc, phone exit $prc), counted as an SRTP call" \
    test "$rc" -eq 0 -a "$prc" -eq 0 -a $(( $(cpstat "s['counters']['srtp_calls']") - s0 )) -eq 1
check "  media deleted" clean_media

# --- caller abandons while queued (queue sales: its agent is not logged in,
# treatment 'queue')
caller "$SRC/tests/sip/uac_cancel.xml" 2000 1; rc=$?
check "caller waits in queue sales with ringback, then hangs up: 200 and 487" test $rc -eq 0 -a "$SUCC" = 1
check "  abandoned in queue sales" test "$(cpstat "s['queues'][1]['abandoned']")" -eq 1
check "  media deleted" clean_media
check "no call left in the control plane" test "$(cpstat "s['calls_active']")" -eq 0
stop_cp
check "callplane-cp exits cleanly on SIGTERM" test $? -eq 0
grep -q "calls offered" "$WORK/cp.log"
check "  with the final report" test $? -eq 0

# --- 10% SIP loss on the trunk side (carrier <-> appliance, both ways):
# 20 agents on one SIPp phone, 700 short calls. (The agents' side stays
# clean: a SIPp phone aborts a call when our ACK overtakes its own answer
# to a retransmitted INVITE, a race of the test peer, not of the B2BUA.)
LOSS_CONF=$WORK/loss.yaml
"$SRC/tests/lib/manyagents.py" "$CONF" "$LOSS_CONF" 20 2
check "callplane-cp starts with 20 agents" start_cp "$LOSS_CONF"
for i in $(seq 0 19); do reg "2$(printf %03d $i)" "pw$i" 5090 --alg MD5 >/dev/null; done
check "  20 agents registered" test "$(cpstat "sum(a['state']=='ready' for a in s['agents'])")" -eq 20
in_app nft -f - <<'NFT'
table inet sip_loss {
    chain in  { type filter hook input priority 0; ip saddr 198.18.0.10 udp dport 5060 numgen random mod 100 < 10 drop; }
    chain out { type filter hook output priority 0; ip daddr 198.18.0.10 udp sport 5060 numgen random mod 100 < 10 drop; }
}
NFT
sed -e 's/<pause milliseconds="8000"\/>/<pause milliseconds="300"\/>/' \
    -e '/play_pcap_audio/d' "$SRC/tests/sip/uac_rtp.xml" > "$WORK/uac_short.xml"
phone 5090 7200 uas_answer.xml 700
caller "$WORK/uac_short.xml" 1000 700 "$TB_CARRIER_IP4" -r 30 -l 20; rc=$?
wait "$P"; prc=$?
retr=$(( $(cpstat "s['sip']['tx_retrans'] + s['sip']['rx_retrans']") ))
in_app nft delete table inet sip_loss
echo "    under 10% loss: $SUCC calls completed, $retr retransmissions sent or absorbed by callplane-cp"
check "10% SIP loss on the trunk: all 700 calls complete (caller and phone SIPp exit 0)" \
    test $rc -eq 0 -a "$SUCC" = 700 -a $prc -eq 0 ||
    { tail -20 "$WORK/uac.err" "$WORK/phone-5090.err"; grep -vE "queued|ringing|connected|-> |INVITE from|Hung Up" "$WORK/cp.log" | tail; }
check "  at least 500 retransmissions were needed ($retr)" test "$retr" -ge 500
check "  media deleted" clean_media
stop_cp

# --- a trunk's SRTP policy: srtp: required refuses a plain offer, srtp: off
# refuses an SRTP one (488 with the reason in a Warning, counted); the
# media never reaches the dataplane
POL_CONF=$WORK/srtp_policy.yaml
for pol in required off; do
    sed "s|^      sources: \[\"198.18.0.10\"\]|&\n      srtp: $pol|" "$CONF" > "$POL_CONF"
    check "callplane-cp starts with trunk srtp: $pol" start_cp "$POL_CONF"
    scen=$(refused 488)
    if [ $pol = off ]; then
        sed -i -e "s|RTP/AVP 8 101|RTP/SAVP 8 101|" \
            -e "s|a=rtpmap:8 PCMA/8000|&\n      a=crypto:1 $SUITE inline:$KEY|" "$scen"
    fi
    caller "$scen" 1000 1 "$TB_CARRIER_IP4" -trace_msg -message_file "$WORK/pol_$pol.log"; rc=$?
    check "  trunk srtp: $pol: $([ $pol = off ] && echo an SRTP || echo a plain RTP) offer gets 488 with the reason" \
        test $rc -eq 0 -a "$SUCC" = 1 -a "$(grep -c "^Warning: 399 callplane \"$([ $pol = off ] && echo 'SRTP is off' || echo 'this trunk requires SRTP')" "$WORK/pol_$pol.log")" -ge 1
    check "  counted (callplane_calls_total rejected_srtp_policy)" \
        test "$(cpstat "s['counters']['srtp_policy_488']")" -eq 1
    check "  no media session was made" clean_media
    stop_cp
done
tb_dp_stop
[ "$T_FAIL" -eq 0 ] || { echo "--- callplane-cp log (tail)"; tail -40 "$WORK/cp.log"; }
finish
