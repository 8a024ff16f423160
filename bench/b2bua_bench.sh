#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Signalling cost of a call with media anchored in callplane-dp, measured
# for callplane-cp (B2BUA: two dialogs, queue, NG offer/answer/delete) and
# for Debian's Kamailio 5.6 (stateful proxy, its rtpengine module driving
# the same callplane-dp) on the same test bed in the same run. SIPp
# callers on the carrier host, one SIPp phone for all agents on the agents
# host, short calls (INVITE, answer, ACK, BYE; no RTP). Reported per
# system: calls completed and failed, achieved calls/s, and CPU
# microseconds per call of the control process (utime+stime from /proc,
# all of Kamailio's processes summed). Also REGISTER/s with digest
# (401 challenge, then credentials) and CPU per registration.
# usage: bench/b2bua_bench.sh [RATE_CPS] [CALLS]
set -u
RATE=${1:-200}
CALLS=${2:-3000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$SRC/build}
. "$SRC/tests/testbed.sh"
export CALLPLANE_DP=$BUILD/callplane-dp
WORK=$(mktemp -d /tmp/cpbench.XXXXXX)
tb_on_exit() { rm -rf "$WORK"; }
trap 'tb_exit' EXIT
AGENTS=200

tb_up >/dev/null 2>&1 || { echo "test bed failed"; exit 1; }
tb_dp_start "$SRC/config/testbed.yaml" "$WORK/dp.log" || exit 1

# CPU ticks (utime+stime) of the given pids
ticks() { local t=0 p; for p in "$@"; do
    [ -r /proc/$p/stat ] && t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat))); done; echo $t; }
HZ=$(getconf CLK_TCK)

"$SRC/tests/lib/manyagents.py" "$SRC/config/testbed.yaml" "$WORK/bench.yaml" "$AGENTS" 3
sed -e 's/<pause milliseconds="8000"\/>/<pause milliseconds="100"\/>/' -e '/play_pcap_audio/d' \
    "$SRC/tests/sip/uac_rtp.xml" > "$WORK/uac_short.xml"

run_calls() { # LABEL -> sets OK FAIL SECS
    ip netns exec "$TB_AGENTS" sipp -sf "$SRC/tests/sip/uas_answer.xml" -i "$TB_AGENTS_IP4" -p 5090 \
        -mi "$TB_AGENTS_IP4" -mp 7200 -m "$CALLS" -nostdin -timeout 300s > "$WORK/phone.out" 2>&1 &
    local ph=$! t0 t1
    sleep 0.5
    t0=$(date +%s.%N)
    (cd "$WORK" && ip netns exec "$TB_CARRIER" sipp -sf "$WORK/uac_short.xml" -s 1000 \
        -i "$TB_CARRIER_IP4" -p 5070 -mi "$TB_CARRIER_IP4" -mp 6000 -m "$CALLS" -r "$RATE" \
        -l 2000 -nostdin -timeout 300s -trace_stat -stf "$WORK/uac.csv" "$TB_APP_IP4:5060" \
        > "$WORK/uac.out" 2>&1)
    t1=$(date +%s.%N)
    kill $ph 2>/dev/null; wait $ph 2>/dev/null
    OK=$(tail -1 "$WORK/uac.csv" | cut -d';' -f16); FAIL=$(tail -1 "$WORK/uac.csv" | cut -d';' -f18)
    SECS=$(echo "$t1 - $t0" | bc)
}

# --- callplane-cp
ip netns exec "$TB_APP" "$BUILD/callplane-cp" -c "$WORK/bench.yaml" --api-socket "$WORK/cp.sock" > "$WORK/cp.log" 2>&1 &
CP=$!
TB_PIDS+=("$CP")
sleep 1
for i in $(seq 0 $((AGENTS - 1))); do
    ip netns exec "$TB_AGENTS" "$SRC/tests/lib/sipreg.py" "$TB_APP_IP4:5060" "$TB_AGENTS_IP4" \
        "3$(printf %03d $i)" "pw$i" 5090 --alg MD5 >/dev/null
done
# REGISTER/s: SIPp registers one user over and over (401, then 200)
REGS=$((RATE * 10))
c0=$(ticks $CP); t0=$(date +%s.%N)
ip netns exec "$TB_AGENTS" sipp -sf "$SRC/tests/sip/agent_register.xml" -i "$TB_AGENTS_IP4" -p 5191 \
    -key user 3001 -key contact_port 5090 -key expires 300 -au 3001 -ap pw1 -m "$REGS" -r "$RATE" \
    -l 1000 -nostdin -timeout 120s -trace_stat -stf "$WORK/reg.csv" "$TB_APP_IP4:5060" > "$WORK/reg.out" 2>&1
t1=$(date +%s.%N); c1=$(ticks $CP)
ROK=$(tail -1 "$WORK/reg.csv" | cut -d';' -f16)
REG_US=$(echo "scale=1; ($c1 - $c0) * 1000000 / $HZ / $ROK" | bc)
REG_RATE=$(echo "scale=0; $ROK / ($t1 - $t0)" | bc)

c0=$(ticks $CP)
run_calls
c1=$(ticks $CP)
CP_OK=$OK CP_FAIL=$FAIL CP_CPS=$(echo "scale=0; $OK / $SECS" | bc)
CP_US=$(echo "scale=1; ($c1 - $c0) * 1000000 / $HZ / $OK" | bc)
kill "$CP"; wait "$CP" 2>/dev/null

# --- Kamailio, same flow, same dataplane
sed -e "s/@LISTEN@/$TB_APP_IP4/" -e "s/@NG@/127.0.0.1:2223/" -e "s/@AGENT@/$TB_AGENTS_IP4:5090/" \
    "$SRC/tests/sip/kamailio-relay.cfg" > "$WORK/kamailio.cfg"
ip netns exec "$TB_APP" kamailio -f "$WORK/kamailio.cfg" -P "$WORK/kam.pid" -Y "$WORK" -DD -E \
    > "$WORK/kamailio.log" 2>&1 &
KAM=$!
TB_PIDS+=("$KAM")
sleep 2
kpids() { echo "$KAM $(pgrep -P "$KAM" | tr '\n' ' ')"; }
c0=$(ticks $(kpids))
run_calls
c1=$(ticks $(kpids))
K_OK=$OK K_FAIL=$FAIL K_CPS=$(echo "scale=0; $OK / $SECS" | bc)
K_US=$(echo "scale=1; ($c1 - $c0) * 1000000 / $HZ / $OK" | bc)
kill "$KAM"; wait "$KAM" 2>/dev/null
tb_dp_stop >/dev/null

echo "b2bua bench: offered $RATE calls/s, $CALLS calls (INVITE/180/200/ACK, BYE after 100 ms, media anchored in callplane-dp)"
printf '%-34s %8s %8s %10s %14s\n' system completed failed "calls/s" "CPU us/call"
printf '%-34s %8s %8s %10s %14s\n' "callplane-cp (B2BUA, 2 dialogs)" "$CP_OK" "$CP_FAIL" "$CP_CPS" "$CP_US"
printf '%-34s %8s %8s %10s %14s\n' "kamailio 5.6 (stateful proxy)" "$K_OK" "$K_FAIL" "$K_CPS" "$K_US"
echo "ratio callplane-cp / kamailio CPU per call: $(echo "scale=2; $CP_US / $K_US" | bc)"
echo "calls/s per control-plane core at that CPU cost: callplane-cp $(echo "scale=0; 1000000 / $CP_US" | bc), kamailio $(echo "scale=0; 1000000 / $K_US" | bc)"
echo "REGISTER with digest: $ROK registrations at $REG_RATE/s, $REG_US CPU us each (callplane-cp)"
