#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Silent media ends the call: with media.timeout_s 2, a call whose RTP
# stops (or never starts) is torn down and reported on the event channel
# as one JSON datagram; with no listener the event is dropped and counted,
# never blocking the dataplane.
. "$(dirname "$0")/lib.sh"
CONF=$WORK/testbed-timeout.yaml
EV=$WORK/events.sock
sed -e 's|    port_max: 39999|    port_max: 39999\n    timeout_s: 2|' \
    -e "s|    unix: \"@callplane-events\"|    unix: $EV|" "$SRC/config/testbed.yaml" > "$CONF"
start_dp "$CONF"
C="$SRC/tests/lib/ngclient.py"
R="$SRC/tests/lib/rtp.py"
ng() { in_carrier "$C" "$TB_APP_IP4" 2223 "$@"; }
benstr() { printf '%s:%s' "${#1}" "$1"; }
sdp_of() { printf 'v=0\r\nc=IN IP4 %s\r\nm=audio %s RTP/AVP 0\r\n' "$1" "$2"; }
stat() { tb_telemetry --get /callplane/stats "$1"; }
call() { # NAME CARRIER-PORT AGENT-PORT -> prints PA
    ng "o$1" "d7:command5:offer7:call-id$(benstr "$1")8:from-tag$(benstr "A-$1")3:sdp$(benstr "$(sdp_of "$TB_CARRIER_IP4" "$2")")e" >/dev/null
    ng "a$1" "d7:command6:answer7:call-id$(benstr "$1")8:from-tag$(benstr "A-$1")6:to-tag$(benstr "B-$1")3:sdp$(benstr "$(sdp_of "$TB_AGENTS_IP4" "$3")")e" |
        python3 -c 'import re,sys; print(re.search(r"m=audio (\d+) ", sys.stdin.read()).group(1))'
}
"$SRC/tests/lib/evlisten.py" "$EV" "$WORK/events.log" 25 & LST=$!
sleep 0.5

PA=$(call "to-1\"q" 6000 7000)   # a quote in the call-id: the JSON must escape it
in_carrier "$R" send "$TB_CARRIER_IP4" 6000 "$TB_APP_IP4" "$PA" 25
t_stop=$(date +%s%N)
call silent-1 6002 7002 >/dev/null
got_two() { [ "$(grep -c '"type":"timeout"' "$WORK/events.log" 2>/dev/null)" -ge 2 ]; }
check "both calls time out and are reported" wait_for 8 got_two
t_ev=$(date +%s%N)
check "not before the 2 s timeout after the media stopped" test $(( (t_ev - t_stop) / 1000000 )) -ge 1900
check "every event is one valid JSON object" bash -c "! grep -q BAD-JSON '$WORK/events.log'"
check "event names the call, escaping its quote" grep -q '"call-id":"to-1\\"q"' "$WORK/events.log"
check "event carries both tags and a timestamp" \
    grep -qE '"from-tag":"A-silent-1","to-tag":"B-silent-1","ts":[0-9]{13}' "$WORK/events.log"
check "the calls are gone" test "$(ng l1 'd7:command4:liste')" = "l1 d6:result2:ok5:callslee"
check "calls_timed_out counted" test "$(stat calls_timed_out)" -eq 2
check "events_sent counted" test "$(stat events_sent)" -eq 2

# No listener: the event is dropped and counted; the dataplane carries on.
kill $LST 2>/dev/null; wait $LST 2>/dev/null; rm -f "$EV"
call nolisten-1 6004 7004 >/dev/null
check "without a listener the event is counted as dropped" \
    wait_for 6 bash -c "[ \$('$SRC/tests/lib/dptel.py' --prefix $TB_ID --get /callplane/stats events_dropped) -ge 1 ]"
check "still serving" test "$(ng p1 'd7:command4:pinge')" = "p1 d6:result4:ponge"
tb_dp_stop
finish
