#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Operating the appliance on the test bed: the control API over its real
# socket (JSON-RPC conformance and every method, tests/lib/api_check.py),
# every callplanectl command through the real binary with its output and
# exit code, the error cases (daemon down, stale socket, no permission by
# file mode and by peer credentials, bad arguments), Prometheus /metrics
# checked by promtool with counters moving as calls pass, reload by the
# CLI and by SIGHUP (a queue change applies to the next call while a call
# in progress continues; an invalid file is refused with file:line:col and
# the old config stays; boot-only changes are reported), the systemd
# readiness protocol, and the units themselves (systemd-analyze verify).
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || { echo "FAIL - sipp is needed (.ci/install)"; exit 1; }
command -v promtool >/dev/null || { echo "FAIL - promtool is needed (.ci/install)"; exit 1; }
CP=${CALLPLANE_CP:-$SRC/build/callplane-cp}
CTL=${CALLPLANECTL:-$(dirname "$CP")/callplanectl}
BUILD=$(dirname "$CP")
SOCK=$WORK/cp.sock
CONF=$WORK/cp.yaml
PKTS=236
# the test's copy of the test-bed config: the API group is nogroup, so
# that the unprivileged user nobody may connect and daemon may not
sed 's|^  api:$|  api:\n    group: nogroup|' "$SRC/config/testbed.yaml" > "$CONF"
chmod 711 "$WORK"
ctl() { "$CTL" -s "$SOCK" "$@"; }
# out CMD...: runs callplanectl, output (stdout+stderr) in $OUT, exit code in $RC
out() { OUT=$("$CTL" -s "$SOCK" "$@" 2>&1); RC=$?; }
has() { grep -qE -- "$1" <<<"$OUT"; }
as_user() { local u=$1; shift; setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups "$@"; }

# --- before the daemon runs
out status
check "daemon down: exit 3, says callplane-cp is not running ($OUT)" \
    test $RC -eq 3 -a -n "$(grep 'not running' <<<"$OUT")"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$SOCK"
out status
check "stale socket (nobody listening): exit 3, nobody answers" \
    that 'test $RC -eq 3 && has "nobody answers"'
out
check "no command and no terminal: exit 2 with usage" \
    that 'test $RC -eq 2 && has "usage:"'
out --timeout 0 status
check "bad option value: exit 2" test $RC -eq 2
out --frobnicate
check "unknown option: exit 2" test $RC -eq 2
out help
check "help lists every command with its text (exit 0)" \
    that 'test $RC -eq 0 && has "agent <agent> not-ready +stop offering" && has "config reload"'

# --- start both daemons; callplane-cp reports readiness as systemd expects
start_dp
NOTIFY=$WORK/notify.sock
python3 - "$NOTIFY" "$WORK/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as f:
    while True:
        d = s.recv(4096).decode()
        f.write(d.replace("\n", " ") + "\n")
        f.flush()
PY
TB_PIDS+=($!)
wait_for 5 test -S "$NOTIFY"
start_cp() {
    NOTIFY_SOCKET=$NOTIFY ip netns exec "$TB_APP" "$CP" -c "$CONF" --api-socket "$SOCK" \
        --stats-file "$WORK/cp.json" > "$WORK/cp.log" 2>&1 &
    CP_PID=$!
    TB_PIDS+=("$CP_PID")
    wait_for 10 grep -q ': ready' "$WORK/cp.log"
}
check "callplane-cp starts (replacing the stale socket)" start_cp
check "  tells the service manager READY=1 with its MAINPID" \
    wait_for 5 grep -q "READY=1 MAINPID=$CP_PID" "$WORK/notify.log"
check "  the API socket is mode 0660, group nogroup" \
    test "$(stat -c '%a %G' "$SOCK")" = "660 nogroup"
ip netns exec "$TB_APP" "$CP" -c "$CONF" --api-socket "$SOCK" > "$WORK/cp2.log" 2>&1
check "a second callplane-cp on the same socket refuses to start" \
    grep -q "another callplane-cp answers there" "$WORK/cp2.log"

# --- permissions: file mode, then SO_PEERCRED
OUT=$(as_user nobody "$CTL" -s "$SOCK" agents list 2>&1); RC=$?
check "a member of the API group (nobody, group nogroup) may use it" \
    that 'test $RC -eq 0 && has "1001"'
OUT=$(as_user daemon "$CTL" -s "$SOCK" agents list 2>&1); RC=$?
check "another user (daemon): exit 4, permission denied on the socket ($OUT)" \
    that 'test $RC -eq 4 && has "permission denied"'
chmod 666 "$SOCK"
OUT=$(as_user daemon "$CTL" -s "$SOCK" agents list 2>&1); RC=$?
check "  even with the socket opened up, the peer-credential check refuses: exit 4 ($OUT)" \
    that 'test $RC -eq 4 && has "root or the api group"'
chmod 660 "$SOCK"
check "  and callplane-cp logs the refusal" grep -q "api: refused uid $(id -u daemon)" "$WORK/cp.log"

# --- metrics before any call
M="curl -s --max-time 15 http://127.0.0.1:9464"
metric() { # NAME{labels} -> value (0 when absent)
    in_app $M/metrics | awk -v k="$1" '$1 == k { print $2; f=1 } END { if (!f) print 0 }'
}
in_app $M/metrics > "$WORK/m0.txt"
check "/metrics passes promtool check metrics (idle)" promtool check metrics < "$WORK/m0.txt"
check "  callplane_dp_up is 1" grep -qx "callplane_dp_up 1" "$WORK/m0.txt"
for f in callplane_calls_active callplane_cps callplane_registrations callplane_queue_waiting \
         callplane_queue_longest_wait_seconds callplane_agents callplane_dp_port_rx_pkts_total \
         callplane_dp_port_drops_total callplane_dp_lcore_polls_total callplane_dp_sessions \
         callplane_dp_streams callplane_media_loss_ratio callplane_media_jitter_seconds \
         callplane_media_mos; do
    grep -q "^# TYPE $f " "$WORK/m0.txt" || fail "  /metrics lacks $f"
done
ok "  /metrics has calls, CPS, registrations, queues, agents, ports, lcores, drops, sessions, quality"
check "  unknown path: 404" test "$(in_app curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9464/x)" = 404
check "  POST: 405" test "$(in_app curl -s -o /dev/null -w '%{http_code}' -X POST http://127.0.0.1:9464/metrics)" = 405
check "  garbage request: 400" \
    test "$(in_app python3 -c "
import socket; s=socket.create_connection(('127.0.0.1',9464)); s.sendall(b'hello there\r\n\r\n')
print(s.recv(100).split()[1].decode())")" = 400

# --- a call in progress: phone 1001 registers, the caller waits for our BYE
in_agents sipp -sf "$SRC/tests/sip/agent_register.xml" -i "$TB_AGENTS_IP4" -p 5190 \
    -key user 1001 -key contact_port 5081 -key expires 300 -au 1001 -ap agent1001pw \
    -m 1 -nostdin -timeout 10s "$TB_APP_IP4:5060" > "$WORK/reg.out" 2>&1
out agent 1001 show
check "phone 1001 registers: agent 1001 show says ready, with its contact" \
    that 'test $RC -eq 0 && has "^state: +ready" && has "contacts: +sip:1001@"'
mkdir -p "$WORK/uac/pcap"
ln -s /usr/share/sip-tester/g711a.pcap "$WORK/uac/pcap/g711a.pcap"
phone() { # PORT SCENARIO CALLS
    in_agents sipp -sf "$SRC/tests/sip/$2" -i "$TB_AGENTS_IP4" -p "$1" -mi "$TB_AGENTS_IP4" \
        -mp 7000 -rtp_echo -m "$3" -nostdin -timeout 60s > "$WORK/phone.out" 2>&1 &
    PH=$!
}
caller() { # SCENARIO DID [sipp args]: in the background, pid in $CA
    local scen=$1 did=$2; shift 2
    (cd "$WORK/uac" && ip netns exec "$TB_CARRIER" sipp -sf "$scen" -s "$did" \
        -i "$TB_CARRIER_IP4" -p 5070 -mi "$TB_CARRIER_IP4" -mp 6000 -m 1 -nostdin \
        -timeout 60s "$@" "$TB_APP_IP4:5060" > "$WORK/uac.out" 2>&1) &
    CA=$!
}
talking() { ctl --json calls list | grep -q '"state":"connected"'; }
phone 5081 uas_answer.xml 1
caller "$SRC/tests/sip/uac_wait_bye.xml" 1000
check "a call reaches agent 1001" wait_for 15 talking
CALLID=$(ctl --json calls list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["call_id"])')

# every API method over the real socket, with the call up
python3 "$SRC/tests/lib/api_check.py" "$SOCK" "$SRC/control/api/api_methods.h" "$CALLID" "$CONF" \
    > "$WORK/api.out" 2>&1; rc=$?
sed 's/^/    /' "$WORK/api.out"
check "control API: JSON-RPC conformance and every method ($(grep -c '^ok' "$WORK/api.out") checks)" \
    test $rc -eq 0

# every CLI command through the binary
out status
check "cli status: calls, agents, dataplane" \
    that 'test $RC -eq 0 && has "^calls_active: +1" && has "^  up: +yes"'
out version
check "cli version: both daemons" \
    that 'test $RC -eq 0 && has "callplane_dp: +[0-9]"'
out calls list
check "cli calls list: a table with the call" \
    that 'test $RC -eq 0 && has "^CALL_ID +STATE +QUEUE +AGENT" && has "connected +support +1001"'
out calls show "$CALLID"
check "cli calls show" \
    that 'test $RC -eq 0 && has "^call_id: +$CALLID"'
out calls show nope
check "cli calls show of an unknown call: exit 1, says so" \
    that 'test $RC -eq 1 && has "no call .nope."'
out agents list
check "cli agents list: 1001 on-call" \
    that 'test $RC -eq 0 && has "^1001 +Alice +on-call"'
out agent 1001 show
check "cli agent show" \
    that 'test $RC -eq 0 && has "^queues: +support"'
out agent 1001 not-ready
check "cli agent not-ready during the call: deferred, says so" \
    that 'test $RC -eq 0 && has "when the call ends"'
out agent 1001 ready
check "cli agent ready" \
    that 'test $RC -eq 0 && has "result: +ready"'
out agent 4242 ready
check "cli agent of an unknown id: exit 1" \
    that 'test $RC -eq 1 && has "no agent .4242."'
out agent 1002 ready
check "cli agent ready without a phone: exit 1, says why" \
    that 'test $RC -eq 1 && has "no registered phone"'
out agent 1002 logout
check "cli agent logout" \
    that 'test $RC -eq 0 && has "logged out"'
out agent 1002 login
check "cli agent login (no phone yet: said so)" \
    that 'test $RC -eq 0 && has "once a phone registers"'
out queues list
check "cli queues list" \
    that 'test $RC -eq 0 && has "^support +0 " && has "^sales "'
out queues show sales
check "cli queues show" \
    that 'test $RC -eq 0 && has "^no_agents: +queue"'
out queues show nope
check "cli queues show of an unknown queue: exit 1" test $RC -eq 1
out trunks list
check "cli trunks list" \
    that 'test $RC -eq 0 && has "^carrier +198.18.0.10"'
out registrations list
check "cli registrations list: 1001's phone" \
    that 'test $RC -eq 0 && has "^1001 +sip:1001@"'
out dataplane status
check "cli dataplane status: 1 session" \
    that 'test $RC -eq 0 && has "^sessions: +1$"'
out dataplane ports
check "cli dataplane ports: ext0 up" \
    that 'test $RC -eq 0 && has "^ext0 +0 +up "'
out dataplane lcores
check "cli dataplane lcores: a worker" \
    that 'test $RC -eq 0 && has "worker"'
out dataplane counters
check "cli dataplane counters: relayed and drops by reason" \
    that 'test $RC -eq 0 && has "^relayed: +[1-9]" && has "^drop_bad_source:"'
out dataplane sessions
check "cli dataplane sessions: the call" \
    that 'test $RC -eq 0 && has "^$CALLID"'
out dataplane streams "$CALLID"
check "cli dataplane streams: peers and packets" \
    that 'test $RC -eq 0 && has "^LOCAL_PORT +PEER_ADDRESS +PEER_PORT +PACKETS"'
out config check
check "cli config check" \
    that 'test $RC -eq 0 && has "^valid: +yes"'
out config show
check "cli config show: passwords masked" \
    that 'test $RC -eq 0 && has "\*\*\*\*\*\*\*\*" && ! has agent1001pw'
out log level
check "cli log level" \
    that 'test $RC -eq 0 && has "^level: +info"'
out log level debug
check "cli log level debug" \
    that 'test $RC -eq 0 && has "^level: +debug"'
ctl log level info >/dev/null
out log level shout
check "cli log level with a bad level: exit 2" \
    that 'test $RC -eq 2 && has "unknown log level"'
out agent
check "cli agent without an id: exit 2 with the usages" \
    that 'test $RC -eq 2 && has "agent <agent> ready"'
out calls show a b
check "cli too many arguments: exit 2" test $RC -eq 2
out fly away
check "cli unknown command: exit 2" \
    that 'test $RC -eq 2 && has "unknown command .fly."'
out --json agent 1001 show
check "cli --json: the result as JSON" \
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(d["id"] != "1001")' "$OUT"
out --json calls show nope
jsonerr() { python3 -c 'import json,sys; d=json.loads(sys.argv[1].splitlines()[0]); sys.exit(d["error"]["code"] != -32000)' "$OUT"; }
check "cli --json error: the error object, exit 1" that 'test $RC -eq 1 && jsonerr'
r0=$(metric 'callplane_calls_total{outcome="answered"}')
out calls hangup "$CALLID"
check "cli calls hangup: done" \
    that 'test $RC -eq 0 && has "hung up"'
wait "$CA"; ca=$?; wait "$PH"; ph=$?
check "  both SIPp ends got the BYE and finished cleanly" test $ca -eq 0 -a $ph -eq 0
check "  no call left" wait_for 5 test "$(ctl --json calls list)" = "[]"
check "  no relay session left" wait_for 5 test "$(ctl --json dataplane sessions)" = "[]"

# --- counters move as a call passes (a full G.711 call through the relay)
wait_for 5 test "$(ctl --json agent 1001 show | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = ready
a0=$(metric 'callplane_calls_total{outcome="answered"}')
c0=$(metric 'callplane_calls_completed_total')
p0=$(metric 'callplane_dp_port_relayed_total{port="ext0"}')
m0=$(metric 'callplane_media_mos_count')
sed 's/milliseconds="8000"/milliseconds="16000"/' "$SRC/tests/sip/uac_rtp.xml" > "$WORK/uac_long.xml"
phone 5081 uas_answer.xml 1
caller "$WORK/uac_long.xml" 1000
check "a call in progress for the reload test" wait_for 15 talking
# --- reload while that call is up: sales stops queueing (503 at once)
cp "$CONF" "$WORK/old.yaml"
python3 - "$CONF" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("      max_wait_s: 30\n      no_agents: queue",
              "      max_wait_s: 30\n      no_agents: reject\n      no_agents_status: 503")
open(p, "w").write(s)
PY
out config reload
check "config reload (valid queue change): exit 0, nothing needs a restart" \
    that 'test $RC -eq 0 && has "queues_changed: +1" && has "restart_needed: +-"'
out queues show sales
check "  sales now rejects" \
    that 'test $RC -eq 0 && has "^no_agents: +reject" && has "^no_agents_status: +503"'
ref=$WORK/uac_503.xml
sed "s/@CODE@/503/" "$SRC/tests/sip/uac_refused.xml" > "$ref"
(cd "$WORK/uac" && in_carrier sipp -sf "$ref" -s 2000 -i "$TB_CARRIER_IP4" -p 5072 -m 1 \
    -nostdin -timeout 20s "$TB_APP_IP4:5060" > "$WORK/uac503.out" 2>&1); rc=$?
check "  the next call to sales gets 503 at once (the new treatment)" test $rc -eq 0
check "  the call in progress is still up" talking
# an invalid file: refused whole, with file:line:col, nothing changes
cp "$CONF" "$WORK/good.yaml"
python3 - "$CONF" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
s = s.replace("      no_agents_status: 503", "      no_agents_status: 999\n      colour: blue")
open(p, "w").write(s)
PY
out config reload
check "config reload of an invalid file: exit 1 with file:line:col errors" \
    that 'test $RC -eq 1 && has "nothing changed" && has "cp.yaml:[0-9]+:[0-9]+: .*no_agents_status" && has "cp.yaml:[0-9]+:[0-9]+: .*colour"'
echo "$OUT" | sed 's/^/    /'
out queues show sales
check "  the old config stays in force (503)" has "^no_agents_status: +503"
kill -HUP "$CP_PID"
check "SIGHUP with the invalid file: errors logged, nothing changed" \
    wait_for 5 grep -q "config reload: .* is invalid, nothing changed" "$WORK/cp.log"
check "  RELOADING=1 then READY=1 sent to the service manager" \
    wait_for 5 grep -q "READY=1 STATUS=running (the last reload failed" "$WORK/notify.log"
out config check "$WORK/good.yaml"
check "config check of another file: valid" \
    that 'test $RC -eq 0 && has "valid: +yes"'
out config check "$CONF"
check "config check of the invalid file: exit 1 with its errors" \
    that 'test $RC -eq 1 && has "colour"'
# a boot-only change by SIGHUP: reported as needing a restart
sed 's/^    t1_ms: 500$/    t1_ms: 400/; s/^    retry_after_s: 5$/    retry_after_s: 5\n    t1_ms: 400/' \
    "$WORK/good.yaml" > "$CONF"
grep -q "t1_ms: 400" "$CONF" || fail "test setup: t1_ms not changed"
out config check
check "config check names boot-only changes" \
    that 'test $RC -eq 0 && has "control.sip.t1_ms"'
kill -HUP "$CP_PID"
check "SIGHUP with a boot-only change: reloaded, the change reported as needing a restart" \
    wait_for 5 grep -q "need a restart to apply: control.sip.t1_ms" "$WORK/cp.log"
out config show
check "  t1_ms keeps its running value (500)" has "t1_ms: +500"
check "the call is still up after three reloads" talking
wait "$CA"; ca=$?; wait "$PH"; ph=$?
check "  and completes (SIPp caller and phone exit 0)" \
    test $ca -eq 0 -a $ph -eq 0
check "  counters moved: answered +1" \
    test "$(metric 'callplane_calls_total{outcome="answered"}')" -eq $((a0 + 1))
check "  completed +1" wait_for 5 test "$(metric 'callplane_calls_completed_total')" -eq $((c0 + 1))
p1=$(metric 'callplane_dp_port_relayed_total{port="ext0"}')
check "  relayed packets +$((p1 - p0)) (every RTP packet both ways: $((PKTS * 2)))" \
    test $((p1 - p0)) -eq $((PKTS * 2))
check "  the call's two RTP streams observed in the MOS histogram" \
    test "$(metric 'callplane_media_mos_count')" -eq $((m0 + 2))
check "  callplane_calls_total{outcome=\"rejected_no_agents\"} counted the 503" \
    test "$(metric 'callplane_calls_total{outcome="rejected_no_agents"}')" -ge 1
in_app $M/metrics > "$WORK/m1.txt"
check "/metrics passes promtool check metrics after calls" promtool check metrics < "$WORK/m1.txt"

# --- stop: STOPPING=1, socket gone, the CLI says the daemon is down
kill "$CP_PID"; wait "$CP_PID"; rc=$?
check "callplane-cp stops cleanly on SIGTERM" test $rc -eq 0
check "  STOPPING=1 sent" grep -q "STOPPING=1" "$WORK/notify.log"
check "  the API socket is removed" test ! -e "$SOCK"
out status
check "  callplanectl then exits 3" test $RC -eq 3

# --- the systemd units, as installed
if DESTDIR=$WORK/root meson install -C "$BUILD" --no-rebuild --quiet > "$WORK/install.log" 2>&1; then
    ud=$(dirname "$(find "$WORK/root" -name callplane-cp.service | head -1)")
    mkdir -p "$WORK/units"
    for u in callplane-dp.service callplane-cp.service; do
        sed "s|=\(/[^ ]*/bin/\)|=$WORK/root\1|" "$ud/$u" > "$WORK/units/$u"
    done
    check "meson install puts both units and /etc/callplane/callplane.yaml in place" \
        test -f "$WORK/root/etc/callplane/callplane.yaml" -a -f "$ud/callplane-dp.service"
    check "  systemd-analyze verify accepts both units" \
        systemd-analyze verify "$WORK/units/callplane-dp.service" "$WORK/units/callplane-cp.service"
    check "  Type=notify, restart on failure, dataplane first, config in /etc, reload by SIGHUP" \
        test "$(cat "$ud"/callplane-*.service | grep -cE '^(Type=notify|Restart=on-failure|ExecStart=.* -c /etc/callplane/callplane.yaml)$')" -eq 6 \
        -a -n "$(grep -E '^After=.*callplane-dp.service' "$ud/callplane-cp.service")" \
        -a -n "$(grep -E '^ExecReload=/bin/kill -HUP' "$ud/callplane-cp.service")"
else
    fail "meson install into a staging root: $(tail -3 "$WORK/install.log")"
fi
tb_dp_stop
[ "$T_FAIL" -eq 0 ] || { echo "--- callplane-cp log (tail)"; tail -30 "$WORK/cp.log"; }
finish
