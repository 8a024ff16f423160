#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay under load on the veth test bed, against Debian's rtpengine
# (userspace forwarding) on the same bed, in the same run, with the same
# generator (bench/relay_load.c): K calls set up over NG, 172-byte RTP both
# ways at 50 packets/s per stream, each packet stamped with its send time.
#
# For each load it reports relayed packets/s, loss, and the latency the
# relay adds (p50/p99 of one-way latency minus the same percentiles on the
# direct A<->B path measured in the same run), and the relay's cost per
# core:
#   callplane-dp: its worker lcore busy-polls, so CPU time says nothing;
#                 it counts the TSC cycles of polls that found work
#                 (busy_cycles), and packets per busy core-second is
#                 relayed / (busy_cycles / tsc_hz)
#   rtpengine:    one media thread (--num-threads 1) that sleeps when idle:
#                 packets per CPU-second from /proc/PID/stat (user+system)
# The ratio of the two is the per-core figure. The 2-core box runs the
# generator, the kernel's veth work and the relay at once, so absolute
# rates are the generator's limit here, not the relay's.
#
# DETECT=1 runs each callplane load again with in-band DTMF detection on
# every stream (NG "detect DTMF") and reports its rate and added latency
# against the plain run.
#
# REC=1 runs each callplane load again with every call recorded (NG
# "record call", WAV into a scratch directory; the recorder is the main
# lcore of config/testbed.yaml, beside the worker) and reports its relay
# rate against the plain run, and how much of the audio the recorder
# placed (rec_packets per relayed packet) or dropped (ring full, late).
#
# usage: bench/relay_bench.sh [SECONDS] [CALLS...]   (default 10; 250 500 1000)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$SRC/build}
SECS=${1:-10}; shift || true
LOADS=("${@:-250 500 1000}"); LOADS=(${LOADS[*]})
[ "$(id -u)" -eq 0 ] || { echo "relay_bench: needs root (network namespaces)" >&2; exit 1; }
command -v rtpengine >/dev/null || { echo "relay_bench: rtpengine missing: bash .ci/install" >&2; exit 1; }
. "$SRC/tests/testbed.sh"
WORK=$(mktemp -d /tmp/cpbench.XXXXXX)
tb_on_exit() { rm -rf "$WORK"; }
trap 'tb_exit' EXIT
L=$BUILD/bench/relay_load
A="$TB_CARRIER,$TB_CARRIER_IP4" B="$TB_AGENTS,$TB_AGENTS_IP4"
kv() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }
tel() { tb_telemetry --get "$1" "$2"; }
RESULTS=$WORK/results
tb_up || exit 1

# --- callplane-dp ---------------------------------------------------------
DPCONF=$WORK/dp.yaml
sed -e "s|    unix: \"@callplane-events\"|    unix: \"@callplane-events\"\n  recording:\n    dir: $WORK/rec|" \
    "$SRC/config/testbed.yaml" > "$DPCONF"
CALLPLANE_DP=$BUILD/callplane-dp tb_dp_start "$DPCONF" "$WORK/dp.log" || exit 1
HZ=$(tel /callplane/info tsc_hz)
WL=$(tb_telemetry /callplane/lcores | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([k for k, v in d.items() if "worker" in v.get("roles", "")][0])')
port=20000
for k in "${LOADS[@]}"; do
    base=$($L --a "$A" --b "$B" --calls "$k" --secs "$SECS" --direct --base-port $port --label direct)
    port=$((port + 2 * k))
    r0=$(tel /callplane/stats relayed); b0=$(tel /callplane/lcores "$WL.busy_cycles")
    out=$($L --ng "$TB_APP_IP4:2223" --a "$A" --b "$B" --calls "$k" --secs "$SECS" --base-port $port --label callplane)
    r1=$(tel /callplane/stats relayed); b1=$(tel /callplane/lcores "$WL.busy_cycles")
    port=$((port + 2 * k))
    echo "callplane $k $out base_p50=$(kv p50_us "$base") base_p99=$(kv p99_us "$base") relayed=$((r1 - r0)) busy_s=$(python3 -c "print(($b1 - $b0) / $HZ)")" >> "$RESULTS"
    tail -1 "$RESULTS"
    if [ "${DETECT:-0}" = 1 ]; then
        # the same load with in-band DTMF detection on every stream
        r0=$(tel /callplane/stats relayed); b0=$(tel /callplane/lcores "$WL.busy_cycles")
        d0=$(tel /callplane/stats dsp_payloads)
        out=$($L --ng "$TB_APP_IP4:2223" --a "$A" --b "$B" --calls "$k" --secs "$SECS" --base-port $port --label detect --detect)
        r1=$(tel /callplane/stats relayed); b1=$(tel /callplane/lcores "$WL.busy_cycles")
        d1=$(tel /callplane/stats dsp_payloads)
        port=$((port + 2 * k))
        echo "callplane+detect $k $out base_p50=$(kv p50_us "$base") base_p99=$(kv p99_us "$base") relayed=$((r1 - r0)) busy_s=$(python3 -c "print(($b1 - $b0) / $HZ)") analysed=$((d1 - d0))" >> "$RESULTS"
        tail -1 "$RESULTS"
    fi
    if [ "${REC:-0}" = 1 ]; then
        # the same load with every call recorded
        r0=$(tel /callplane/stats relayed); b0=$(tel /callplane/lcores "$WL.busy_cycles")
        p0=$(tel /callplane/stats rec_packets); f0=$(tel /callplane/stats rec_ring_full)
        l0=$(tel /callplane/stats rec_late)
        out=$($L --ng "$TB_APP_IP4:2223" --a "$A" --b "$B" --calls "$k" --secs "$SECS" --base-port $port --label record --record)
        sleep 1.5   # the recorder finishes the files
        r1=$(tel /callplane/stats relayed); b1=$(tel /callplane/lcores "$WL.busy_cycles")
        p1=$(tel /callplane/stats rec_packets); f1=$(tel /callplane/stats rec_ring_full)
        l1=$(tel /callplane/stats rec_late)
        port=$((port + 2 * k))
        echo "callplane+record $k $out base_p50=$(kv p50_us "$base") base_p99=$(kv p99_us "$base") relayed=$((r1 - r0)) busy_s=$(python3 -c "print(($b1 - $b0) / $HZ)") recorded=$((p1 - p0)) ring_full=$((f1 - f0)) late=$((l1 - l0)) files=$(ls "$WORK/rec" | grep -c '\.wav$')" >> "$RESULTS"
        tail -1 "$RESULTS"
        rm -f "$WORK/rec"/*.wav "$WORK/rec"/*.json
    fi
done
tb_dp_stop >/dev/null

# --- rtpengine on the same bed: the kernel takes the appliance's eth0 back -
ip netns exec "$TB_APP" nft delete table netdev callplane_detach
ip -n "$TB_APP" link set eth0 arp on
ip -n "$TB_APP" addr add "$TB_APP_IP4/24" dev eth0
ip netns exec "$TB_APP" rtpengine --foreground --log-stderr --log-level=4 --table=-1 \
    --interface="$TB_APP_IP4" --listen-ng="$TB_APP_IP4:2223" --port-min=30000 --port-max=39999 \
    --num-threads=1 --delete-delay=0 > "$WORK/rtpengine.log" 2>&1 &
RTPE=$!
TB_PIDS+=("$RTPE")
sleep 1
kill -0 "$RTPE" 2>/dev/null || { echo "relay_bench: rtpengine did not start:"; cat "$WORK/rtpengine.log"; exit 1; }
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$RTPE/stat"; }
for k in "${LOADS[@]}"; do
    base=$($L --a "$A" --b "$B" --calls "$k" --secs "$SECS" --direct --base-port $port --label direct)
    port=$((port + 2 * k))
    c0=$(cpu_s)
    out=$($L --ng "$TB_APP_IP4:2223" --a "$A" --b "$B" --calls "$k" --secs "$SECS" --base-port $port --label rtpengine)
    c1=$(cpu_s)
    port=$((port + 2 * k))
    echo "rtpengine $k $out base_p50=$(kv p50_us "$base") base_p99=$(kv p99_us "$base") relayed=$(kv received_all "$out") busy_s=$(python3 -c "print($c1 - $c0)")" >> "$RESULTS"
    tail -1 "$RESULTS"
done
kill "$RTPE"; wait "$RTPE" 2>/dev/null

# --- report ------------------------------------------------------------------
python3 - "$RESULTS" "$SECS" <<'PY'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    who, k = line.split()[:2]
    kv = dict(re.findall(r"(\w+)=([^ ]+)", line))
    busy = float(kv["busy_s"])
    # callplane's relayed counter includes setup/drain seconds; scale per
    # second of measurement with the generator's own window for both
    rows[(who, int(k))] = dict(
        pps=float(kv["pps"]), loss=float(kv["loss_pct"]),
        add50=float(kv["p50_us"]) - float(kv["base_p50"]),
        add99=float(kv["p99_us"]) - float(kv["base_p99"]),
        per_core=int(kv["relayed"]) / busy if busy > 0 else float("nan"),
        rec_share=100 * int(kv.get("recorded", 0)) / max(1, int(kv["relayed"])),
        ring_full=int(kv.get("ring_full", 0)), late=int(kv.get("late", 0)))
print()
print("relay under load, veth test bed, 172-byte RTP, 50 pps per stream, 2 streams per call")
print(f"{'relay':<10} {'calls':>6} {'pps':>9} {'loss %':>8} {'+p50 us':>8} {'+p99 us':>8} {'pps/core':>10}")
for (who, k), r in sorted(rows.items()):
    print(f"{who:<10} {k:>6} {r['pps']:>9.0f} {r['loss']:>8.4f} {r['add50']:>8.0f} {r['add99']:>8.0f} {r['per_core']:>10.0f}")
print()
for k in sorted({k for _, k in rows}):
    a, b = rows.get(("callplane", k)), rows.get(("rtpengine", k))
    d = rows.get(("callplane+detect", k))
    rc = rows.get(("callplane+record", k))
    if a and rc:
        print(f"calls {k}: every call recorded (WAV): {100 * rc['pps'] / a['pps']:.1f}% of the plain "
              f"rate, loss {rc['loss']:.4f}% vs {a['loss']:.4f}%, latency added p50 "
              f"{rc['add50'] - a['add50']:+.0f} us, p99 {rc['add99'] - a['add99']:+.0f} us; "
              f"audio placed {rc['rec_share']:.2f}% of relayed packets "
              f"(ring full {rc['ring_full']}, late {rc['late']})")
    if a and b:
        print(f"calls {k}: callplane/rtpengine packets per core-second = {a['per_core'] / b['per_core']:.1f}x")
    if a and d:
        print(f"calls {k}: in-band DTMF detection on every stream: {100 * d['pps'] / a['pps']:.1f}% "
              f"of the plain rate, latency added p50 {d['add50'] - a['add50']:+.0f} us, "
              f"p99 {d['add99'] - a['add99']:+.0f} us")
PY
