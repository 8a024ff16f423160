#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on the built-in test bed: the appliance handling real calls.
# callplane-dp (DPDK, net_af_packet on the appliance host's veth) anchors
# the media; callplane-cp (SIP B2BUA, registrar, queue) takes calls from
# the carrier host and hands them to agents whose phones live on the
# agents host. Three SIPp phones register with digest authentication, a
# batch of SIPp callers dials the support line with G.711 audio, two of
# them give up while waiting, every answered call is recorded (the support
# queue's record-all), and the figures and files show what happened.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/testbed.sh"
export CALLPLANE_DP=${CALLPLANE_DP:-$SRC/build/callplane-dp}
CP=${CALLPLANE_CP:-$SRC/build/callplane-cp}
CTL=${CALLPLANECTL:-$(dirname "$CP")/callplanectl}
WORK=$(mktemp -d /tmp/callplane-demo.XXXXXX)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
CALLS=9 IMPATIENT=2
# the test bed's config, with every call the support queue connects recorded
CONF=$WORK/callplane.yaml
sed -e "s|    unix: \"@callplane-events\"|    unix: \"@callplane-events\"\n  recording:\n    dir: $WORK/recordings|" \
    -e 's|^      agents: \["1001", "1002", "1003"\]$|&\n      record: true|' \
    "$SRC/config/testbed.yaml" > "$CONF"

say "Test bed: appliance, carrier and agents hosts in network namespaces (198.18.0.0/24)"
tb_up || exit 1
trap 'tb_down' EXIT
say "Booting callplane-dp -c config/testbed.yaml + recording (EAL --no-huge, net_af_packet on eth0, exception tap cp0)"
tb_dp_start "$CONF" "$WORK/dp.log" || exit 1
grep -A3 ': ready' "$WORK/dp.log"
printf 'carrier$ ping 198.18.0.1: '
ip netns exec "$TB_CARRIER" ping -c 2 -i 0.2 -W 2 "$TB_APP_IP4" | grep -o '[0-9]* received'

say "Starting callplane-cp: SIP on 198.18.0.1:5060 (through the exception path), NG to callplane-dp, control API, /metrics"
ip netns exec "$TB_APP" "$CP" -c "$CONF" --stats-file "$WORK/cp.json" \
    --api-socket "$WORK/cp.sock" > "$WORK/cp.log" 2>&1 &
CP_PID=$!
TB_PIDS+=("$CP_PID")
for _ in $(seq 50); do grep -q ': ready' "$WORK/cp.log" && break; sleep 0.1; done
grep ': ready' "$WORK/cp.log" || { cat "$WORK/cp.log"; exit 1; }
stats() { kill -USR1 "$CP_PID"; sleep 0.2; "$SRC/tests/lib/cpstat.py" "$WORK/cp.json" "$@"; }
ctl() { echo "admin\$ callplanectl $*"; "$CTL" -s "$WORK/cp.sock" "$@" | sed 's/^/  /'; }

say "Agents log in: three SIPp phones on 198.18.0.20 REGISTER with digest authentication"
ip netns exec "$TB_AGENTS" sipp -sf "$SRC/tests/sip/uas_answer.xml" -i "$TB_AGENTS_IP4" -p 5081 \
    -mi "$TB_AGENTS_IP4" -mp 7000 -rtp_echo -m "$CALLS" -nostdin -timeout 120s \
    > "$WORK/phones.out" 2>&1 &
PHONES=$!
for a in 1001 1002 1003; do
    ip netns exec "$TB_AGENTS" sipp -sf "$SRC/tests/sip/agent_register.xml" -i "$TB_AGENTS_IP4" \
        -p 5190 -key user $a -key contact_port 5081 -key expires 300 -au $a -ap "agent${a}pw" \
        -m 1 -nostdin -timeout 10s "$TB_APP_IP4:5060" > "$WORK/reg-$a.out" 2>&1 &&
        echo "agent $a: REGISTER -> 401 challenge -> REGISTER with credentials -> 200 OK"
done
ctl agents list

say "Callers dial the support line (DID 1000) from the carrier: $CALLS with 7 s of G.711 audio each, $IMPATIENT who hang up after 3 s of ringback"
mkdir -p "$WORK/uac/pcap" "$WORK/uac2"
ln -s /usr/share/sip-tester/g711a.pcap "$WORK/uac/pcap/g711a.pcap"
ngstat() { ip netns exec "$TB_APP" "$SRC/tests/lib/ngclient.py" --json 127.0.0.1 2223 "d$(date +%s%N)" \
    'd7:command10:statisticse' | python3 -c '
import json, sys
s = json.load(sys.stdin)["statistics"]
print(s["totalstatistics"].get(sys.argv[1], s["currentstatistics"].get(sys.argv[1], 0)))' "$1"; }
R0=$(ngstat packetsrelayed)
(cd "$WORK/uac" && ip netns exec "$TB_CARRIER" sipp -sf "$SRC/tests/sip/uac_rtp.xml" -s 1000 \
    -i "$TB_CARRIER_IP4" -p 5070 -mi "$TB_CARRIER_IP4" -mp 6000 -m "$CALLS" -l "$CALLS" -r 3 \
    -nostdin -timeout 120s -trace_stat -stf "$WORK/uac.csv" "$TB_APP_IP4:5060" > "$WORK/uac.out" 2>&1) &
UAC=$!
sleep 1
(cd "$WORK/uac2" && ip netns exec "$TB_CARRIER" sipp -sf "$SRC/tests/sip/uac_cancel.xml" -s 1000 \
    -i "$TB_CARRIER_IP4" -p 5071 -mi "$TB_CARRIER_IP4" -mp 6600 -m "$IMPATIENT" -r 2 \
    -nostdin -timeout 60s -trace_stat -stf "$WORK/uac2.csv" "$TB_APP_IP4:5060" > "$WORK/uac2.out" 2>&1) &
UAC2=$!
sleep 3
say "Live, 4 s in: who waits, who talks (callplanectl, the admin's CLI)"
ctl queues list; ctl agents list; ctl calls list
wait $UAC $UAC2
wait $PHONES
sleep 1

say "What happened"
echo "control plane's call log (callplane-cp):"
grep -E "INVITE from|queued|connected|hung up while|ended" "$WORK/cp.log" | sed 's/^callplane-cp: /  /' | head -60
echo
sleep 1.5   # the last recordings are finished
echo "recordings (stereo WAV, caller left, agent right; a JSON sidecar each):"
grep -E ": recording .* (complete|ended early)" "$WORK/cp.log" | sed 's/^callplane-cp: /  /' | head -12
ls -l "$WORK/recordings" | grep -E '\.(wav|json)$' | awk '{print "  " $5 "  " $9}' | head -6
f=$(ls "$WORK/recordings"/*.wav 2>/dev/null | head -1)
if [ -n "$f" ]; then
    echo "  ffprobe: $(ffprobe -v error -show_entries stream=codec_name,sample_rate,channels:format=duration -of csv=p=0 "$f" | tr '\n' ' ')"
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))
print("  sidecar:", json.dumps({k: d[k] for k in ("call-id", "start", "duration", "sha256", "metadata", "status")}))' "${f%.wav}.json"
fi
echo
ctl queues list
ctl agents list
ctl dataplane ports
echo "prometheus\$ curl http://127.0.0.1:9464/metrics (excerpt)"
ip netns exec "$TB_APP" curl -s --max-time 15 http://127.0.0.1:9464/metrics |
    grep -E '^callplane_(calls_total\{outcome="(answered|abandoned)"\}|dp_sessions_created_total|media_mos_(count|sum)|dp_port_relayed_total|recordings_total)' |
    sed 's/^/  /'
echo
ok=$(tail -1 "$WORK/uac.csv" | cut -d';' -f16); ab=$(tail -1 "$WORK/uac2.csv" | cut -d';' -f16)
relayed=$(( $(ngstat packetsrelayed) - R0 ))
kill -USR1 "$CP_PID"; sleep 0.2
python3 - "$WORK/cp.json" "$relayed" "$CALLS" "$ok" "$IMPATIENT" "$ab" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); c = s["counters"]
relayed, calls, ok, imp, ab = sys.argv[2:]
print(f"calls offered {c['offered']}, answered {c['answered']}, abandoned {c['abandoned']}, "
      f"average speed of answer {s['asa_ms'] / 1000:.2f} s")
print(f"SIPp callers: {ok} of {calls} talked to an agent and hung up; {ab} of {imp} gave up while queued")
print(f"RTP packets relayed by callplane-dp: {relayed} (each caller's 236 packets to the agent and "
      f"the echo back: {int(ok) * 472} expected)")
print(f"SIP: {s['sip']['rx_msgs']} messages in, {s['sip']['tx_msgs']} out, "
      f"{s['registrar']['auth_ok']} agent logins by digest")
PY

say "Stopping: callplane-cp, then callplane-dp (final reports)"
kill "$CP_PID"; wait "$CP_PID"
tail -2 "$WORK/cp.log"
tb_dp_stop
sed -n '/callplane-dp: stopping/,$p' "$WORK/dp.log" | head -12

say "Look further"
cat <<TXT
  Run it yourself:     source tests/testbed.sh; tb_up; tb_dp_start config/testbed.yaml /tmp/dp.log
                       ip netns exec \$TB_APP build/callplane-cp -c config/testbed.yaml
  The admin's CLI:     build/callplanectl            (a shell: Tab completes, 'help' lists commands)
                       build/callplanectl calls list; build/callplanectl agent 1001 not-ready
  Metrics:             ip netns exec \$TB_APP curl -s 127.0.0.1:9464/metrics
  Dataplane counters:  tests/lib/dptel.py --prefix \$TB_ID /callplane/stats   (also /ports /lcores /neigh)
  Media sessions (NG): rtpengine-ng-client --proxy-address 127.0.0.1 --proxy-port 2223 list   (in the app namespace)
  Validate a config:   build/callplane-cp --check-config config/testbed.yaml
  Recordings:          $WORK/recordings   (play: ffplay FILE.wav; sidecars: FILE.json)
  This run's logs:     $WORK/cp.log $WORK/dp.log
TXT
