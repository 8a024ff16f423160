#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The relay's packet rate per worker core on net_memif, against the
# testpmd ceiling measured in the same run with the same frame size.
#   ceiling: bench/io_ceiling.sh memif at PKT=214 (a 172-byte RTP packet in
#            UDP/IPv4/Ethernet) and 64: testpmd io forwarding, 1 core per side
#   relay:   callplane-dp (config/bench-memif.yaml: one worker lcore) as the
#            memif server; bench/memif_gen.c as the client plays both
#            peers of K calls set up over NG and sends RTP both ways as fast
#            as the link takes it; the relayed frames it gets back per
#            second (median after warm-up) are the relay's rate
# Reported: Mpps relayed, the worker's busy share (busy_cycles), and the
# ratio to the ceiling (goal: at least 70% per worker core).
#
# MODES="off record" runs each load again with every call recorded (WAV;
# the recorder is the main lcore): the relay rate with the tap on every
# packet and the recorder overrun.
# With MODES="off detect" each load runs twice, without and with in-band
# DTMF detection on every stream (NG "detect DTMF": the worker hands each
# payload to the dsp role, here the main lcore), and the detection run
# reports its rate as a share of the plain one and what the dsp role got
# through (dsp_payloads) or had to skip (dsp_ring_full).
#
# SRTP (SDES AES_CM_128_HMAC_SHA1_80, or SUITE=AEAD_AES_128_GCM etc., a
# key per call; one direction, so each call is one SRTP stream):
# MODES="oneway srtp-rtp rtp-srtp srtp-srtp"
#   oneway     plain RTP A to B: the reference for the SRTP modes
#   srtp-rtp   A's SRTP decrypted by the relay to plain B
#   rtp-srtp   B's RTP encrypted by the relay to SRTP A
#   srtp-srtp  decrypted and encrypted again with B's leg's key
# each reported as a share of the oneway rate, with the transform's own
# ceiling on one core at the same stream count (build/bench/srtp_bench in
# the same run). ENGINE=ipsec-mb|openssl|libsrtp picks the relay's engine.
#
# Paired SRTP (the figure to trust on a shared machine): MODES="pair-srtp-rtp"
# (or pair-rtp-srtp, pair-srtp-srtp) sets up K plain one-way calls and K
# calls in that SRTP mode in one relay, and the generator alternates
# between the two sets every PAIR_SECS (default 3) seconds, PAIRS times
# (default 8). The worker's rate per core is read in the steady part of
# every phase, and each SRTP phase is compared with the plain phase just
# before it: both are measured under the same load of the machine, a few
# seconds apart, rather than minutes apart in runs of their own. Reported:
# every pair's ratio and their median, and the median of the pairs in
# which the generator kept the worker full in both phases (28 or more
# packets per poll): the figure to quote. When the generator cannot keep
# the worker full, the plain phase's rate per busy second reads low and
# the ratio high.
#
# In every SRTP mode the generator gives all calls' SRTP legs one master
# key (memif_gen --shared-key): it then keeps one SRTP context, not one per
# call, whose 100,000 contexts would share the L3 cache with the relay's
# (the relay still derives and keeps a context per stream). SHARED_KEY=0
# gives every call its own key, as the generator did before.
#
# Where A sends SRTP (srtp-rtp, srtp-srtp), the generator protects its
# packets before the run (memif_gen --pre-protect PRE_MB; default half the
# available memory, up to 12,000 MB; PRE_MB=0 protects live as before).
# This machine's two vCPUs share the host's core: a busy loop on one
# slows SRTP on the other by half, so a generator protecting at the
# relay's rate loads the worker's core with the sender's crypto as well
# (on a real network the sender is another box; RTP->SRTP never had it).
# Paired phases in which the generator had run out and protected live are
# reported and left out of the median.
#
# PROFILE=1 (paired modes) also samples the worker lcore's thread with
# perf (cpu-clock) through the steady part of every phase and reports, per
# SRTP phase, the share of its time in SRTP work (the transform: our
# srtp_*.c code and ipsec-mb; and the flow's SRTP steps, flow_srtp_*) and
# what is left per packet against the plain phase
# just before it. That share is a figure of the SRTP phase alone, so the
# machine's state between phases does not move it: 1 - share is the SRTP
# rate as a part of a relay that did the rest of the work at the same
# cost (the rest-per-packet column shows how near that holds).
#
# REPEAT=N runs the modes in turn N times and ends each load with the
# best run of each mode (the machine is shared; the least disturbed run).
#
# usage: bench/relay_memif.sh [SECONDS] [CALLS...]   (default 10; 100 1000 2000)
# (up to 200,000 calls: past 2,400 the config gets the media range
# 10000-65000 and, past 13,000, a media-only address per 13,000 calls)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$SRC/build}
SECS=${1:-10}; shift || true
LOADS=(${@:-100 1000 2000})
W=$(mktemp -d /tmp/cpmemif.XXXXXX)
DP=""
trap '[ -n "${PS:-}" ] && kill "$PS" 2>/dev/null; [ -n "$DP" ] && kill "$DP" 2>/dev/null; [ -n "${GEN:-}" ] && kill "$GEN" 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && cp -r "$W" /tmp/keep.relay; rm -rf "$W"' EXIT
TEL="$SRC/tests/lib/dptel.py"
# "busy_cycles relayed" of the worker (lcore 1), read back to back
sample() {
    python3 - "cpbm$$" "$SRC/tests/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from dptel import query
lc = query(sys.argv[1], "/callplane/lcores")
st = query(sys.argv[1], "/callplane/stats")
print(lc["1"]["busy_cycles"], st["relayed"])
PY
}

# testpmd's memif figure moves with how many packets its first bursts left
# circulating; the ceiling taken is the higher of the 64 B and 214 B runs.
ceil=${CEIL:-0}   # CEIL=Mpps reuses a ceiling measured before
[ "$ceil" != 0 ] || for size in 214 64; do
    line=$(KEEP= PKT=$size bash "$HERE/io_ceiling.sh" "$SECS" memif | grep '^memif:')
    echo "ceiling $line"
    c=$(sed -n 's/^memif: *\([0-9.]*\) Mpps.*/\1/p' <<<"$line")
    ceil=$(python3 -c "print(max($ceil, ${c:-0}))")
done
[ "$ceil" != 0 ] || { echo "relay_memif: no ceiling figure" >&2; exit 1; }

MODES=(${MODES:-off})
GEN=""
for k in "${LOADS[@]}"; do
 : > "$W/res"
 for rep in $(seq "${REPEAT:-1}"); do
  plain=0
  for mode in "${MODES[@]}"; do
    kc=$k; gsecs=$SECS; pairx=""
    case "$mode" in
        pair-srtp-rtp|pair-rtp-srtp|pair-srtp-srtp)
            pairx=${mode#pair-}; kc=$(( 2 * k ))
            gsecs=$(( 2 * ${PAIRS:-8} * ${PAIR_SECS:-3} )) ;;
    esac
    sed "s|/run/callplane-bench.memif|$W/m.sock|" "$SRC/config/bench-memif.yaml" > "$W/c.yaml"
    printf '  recording:\n    dir: %s/rec\n' "$W" >> "$W/c.yaml"
    printf '  srtp:\n    engine: %s\n' "${ENGINE:-ipsec-mb}" >> "$W/c.yaml"
    # room for the load: 4 media ports per call (and calls set up first
    # must not time out, silent, while the rest are set up); past 2,400 calls the
    # range is 10000-65000 (13,750 calls) on each media address, and more
    # than 13,000 calls bring media-only addresses (198.19.0.101 on)
    # (libsrtp sets calls up so slowly at scale, 100,000 SRTP calls in about
    # half an hour, that the first ones would time out before traffic)
    tmo=900; [ "${ENGINE:-}" = libsrtp ] && tmo=7200
    if [ "$kc" -gt 2400 ]; then
        naddr=$(( (kc + 12999) / 13000 ))
        extra=""
        for a in $(seq 1 $(( naddr - 1 ))); do extra="$extra${extra:+, }198.19.0.$(( 100 + a ))"; done
        sed -i -e "s/port_min: 30000/port_min: 10000/" \
            -e "s/port_max: 39999/port_max: 65000\n    max_streams: $(( 4 * kc + 400 ))\n    timeout_s: $tmo/" \
            -e "s/memory_mb: 512/memory_mb: $(( 512 + (4 * kc + 400) * 1600 / 1000000 ))/" \
            -e "s|listen: \[\"127.0.0.1:2299\"\]|&\n    session_limit: $(( kc + 100 ))|" "$W/c.yaml"
        [ -n "$extra" ] && sed -i -e "s|ipv4: 198.19.0.1/24|&\n      media_ipv4: [$extra]|" "$W/c.yaml"
    else
        # streams idle while the generator protects ahead must not time out
        sed -i -e "s/port_max: 39999/&\n    timeout_s: $tmo/" "$W/c.yaml"
    fi
    gmode=()
    case "$mode" in
        oneway) gmode=(--oneway) ;;
        srtp-rtp|rtp-srtp|srtp-srtp) gmode=(--srtp "$mode" --suite "${SUITE:-AES_CM_128_HMAC_SHA1_80}") ;;
        pair-*) gmode=(--srtp "$pairx" --pair "${PAIR_SECS:-3}" --suite "${SUITE:-AES_CM_128_HMAC_SHA1_80}") ;;
    esac
    [ -n "${gmode[*]}" ] && [ "${SHARED_KEY:-1}" = 1 ] && [ "$mode" != oneway ] && gmode+=(--shared-key)
    case "${pairx:-$mode}" in
        srtp-rtp|srtp-srtp)
            pre=${PRE_MB:-$(awk '/^MemAvailable:/ { m = int($2 / 2048); print (m > 12000 ? 12000 : m) }' /proc/meminfo)}
            gmode+=(--pre-protect "$pre") ;;
    esac
    rm -f "$W/m.sock"
    "$BUILD/callplane-dp" -c "$W/c.yaml" --file-prefix "cpbm$$" > "$W/dp.log" 2>&1 &
    DP=$!
    for _ in $(seq 300); do grep -q ': ready' "$W/dp.log" && break; sleep 0.2; done
    "$BUILD/bench/memif_gen" -l 0 --no-huge --no-pci -m $(( 512 + kc * 3 / 1000 )) --file-prefix "cpgm$$" \
        --vdev="net_memif0,role=client,socket=$W/m.sock,id=0,socket-abstract=no" --log-level=3 -- \
        $([ "$mode" = detect ] && echo --detect) $([ "$mode" = record ] && echo --record) "${gmode[@]}" --ng 127.0.0.1:2299 --relay 198.19.0.1 --a 198.19.0.10 --b 198.19.0.20 \
        --calls "$k" --secs "$gsecs" --hold > "$W/gen.out" 2>&1 &
    GEN=$!
    # the worker's own cost: its busy cycles and relayed frames sampled
    # twice in the steady part of the run (after second 2, before the
    # last); relayed / busy seconds is its rate per core when the
    # generator (on the other core, encrypting SRTP itself) cannot fill it
    s1=""; s2=""; : > "$W/steady"; PS=""
    if [ -n "$pairx" ]; then
        # one process follows the generator's output and samples the
        # worker at each steady mark of each phase ("N what begin|end"),
        # within milliseconds of it
        python3 - "cpbm$$" "$SRC/tests/lib" "$W/gen.out" "$W/steady" "$GEN" "${PROFILE:-0}" "$DP" "$W" <<'PY' &
import glob, os, signal, subprocess, sys, time
sys.path.insert(0, sys.argv[2])
from dptel import query
prefix, _, out, res, gen, profile, dp, wdir = sys.argv[1:]
done, pos, perf = False, 0, None

def worker_tid():
    for c in glob.glob(f"/proc/{dp}/task/*/comm"):
        if open(c).read().strip() in ("rte-worker-1", "lcore-worker-1"):
            return c.split("/")[-2]
    return None

while not done:
    time.sleep(0.01)
    done = not os.path.exists(f"/proc/{gen}")   # the generator is gone
    try:
        with open(out) as f:
            f.seek(pos)
            chunk = f.read()
    except FileNotFoundError:
        continue
    lines = chunk.split("\n")
    pos += len(chunk) - len(lines[-1])
    for l in lines[:-1]:
        if l.startswith("steady "):
            lc = query(prefix, "/callplane/lcores")
            st = query(prefix, "/callplane/stats")
            with open(res, "a") as r:
                r.write(f"{l[7:]} {lc['1']['busy_cycles']} {st['relayed']} "
                        f"{lc['1'].get('polls', 0)}\n")
            t = l.split()
            if profile == "1" and t[3] == "begin" and (tid := worker_tid()):
                perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-t", tid,
                                         "-o", f"{wdir}/prof.{t[1]}"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elif perf is not None and t[3] == "end":
                perf.send_signal(signal.SIGINT)
                perf.wait()
                perf = None
        done = done or "median_pps=" in l
PY
        PS=$!
    fi
    for _ in $(seq $(( 600 + 10 * gsecs + kc / 50 ))); do
        if [ -z "$pairx" ]; then
            if [ -z "$s1" ] && grep -q '^second 2:' "$W/gen.out"; then s1=$(sample); fi
            if [ -z "$s2" ] && grep -q "^second $(( SECS - 1 )):" "$W/gen.out"; then s2=$(sample); fi
        fi
        kill -0 "$GEN" 2>/dev/null || break
        grep -q 'median_pps=' "$W/gen.out" && break
        sleep 0.1
    done
    [ -n "$PS" ] && { wait "$PS" 2>/dev/null; PS=""; }
    # the generator holds the memif open (--hold) until the dataplane has
    # been read and stopped: a memif server whose client leaves while its
    # worker polls can fault in the PMD
    out=$(grep 'median_pps=' "$W/gen.out" | tail -1)
    hz=$("$TEL" --prefix "cpbm$$" --get /callplane/info tsc_hz)
    up=$("$TEL" --prefix "cpbm$$" --get /callplane/info uptime_s)
    busy=$("$TEL" --prefix "cpbm$$" --get /callplane/lcores 1.busy_cycles)
    drops=$("$TEL" --prefix "cpbm$$" /callplane/stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(f"{k}={v}" for k, v in d.items() if k.startswith("drop_") and v))')
    dsp=$("$TEL" --prefix "cpbm$$" /callplane/stats | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("dsp_payloads", 0), d.get("dsp_ring_full", 0), d.get("rec_packets", 0),
      d.get("rec_ring_full", 0), d.get("rec_late", 0) + d.get("rec_bad", 0),
      d.get("srtp_decrypted", 0), d.get("srtp_encrypted", 0))')
    ceil_x=0
    case "$mode" in
        srtp-rtp|rtp-srtp|srtp-srtp|pair-*)
            # the transform alone on one core, same stream count, this run
            # (libsrtp's own figure only when it is the relay's engine: it
            # takes minutes by the ten thousand streams)
            ceil_x=$(SRTP_BENCH_LIBSRTP_MAX=${SRTP_BENCH_LIBSRTP_MAX:-$([ "${ENGINE:-}" = libsrtp ] && echo 10000 || echo 0)} \
                "$BUILD/bench/srtp_bench" 2 "$k" | python3 -c '
import re, sys
eng = sys.argv[1]; mode = sys.argv[2]; suite = sys.argv[3]
for l in sys.stdin:
    if l.startswith("srtp " + suite + " "):
        m = re.search(r"ipsec-mb protect +(\d+) ns, unprotect +(\d+) ns.*openssl +(\d+) / +(\d+) ns(?:; libsrtp +(\d+) / +(\d+))?", l)
        p, u = {"ipsec-mb": (m[1], m[2]), "openssl": (m[3], m[4]), "libsrtp": (m[5], m[6])}[eng]
        if p is None: print(0); break
        ns = {"srtp-rtp": int(u), "rtp-srtp": int(p), "srtp-srtp": int(p) + int(u)}[mode]
        print(1e9 / ns); break
else:
    print(0)' "${ENGINE:-ipsec-mb}" "${pairx:-$mode}" "${SUITE:-AES_CM_128_HMAC_SHA1_80}")
            ;;
    esac
    kill "$DP" 2>/dev/null || { echo "relay_memif: callplane-dp died:" >&2; tail -20 "$W/dp.log" >&2; }
    wait "$DP" 2>/dev/null; DP=""
    kill "$GEN" 2>/dev/null; wait "$GEN" 2>/dev/null; GEN=""
    if [ -n "$pairx" ]; then
        python3 - "$k" "$pairx" "$hz" "$ceil_x" "$drops" "$dsp" "$W/steady" <<'PY' >&2
import statistics, sys
k, mode, hz, ceil_x, drops, dsp, path = sys.argv[1:]
hz = int(hz)
marks = {}
for line in open(path):
    t = line.split()
    live = 0
    if t[3].startswith("live="):      # packets the generator protected live so far
        live = int(t.pop(3)[5:])
    ph, what, edge, busy, relayed, polls = t
    marks.setdefault(int(ph), {"what": what})[edge] = (int(busy), int(relayed), int(polls), live)
rate, burst = {}, {}
for ph, m in sorted(marks.items()):
    if "begin" in m and "end" in m and m["end"][0] > m["begin"][0]:
        rate[ph] = (m["what"], (m["end"][1] - m["begin"][1]) / ((m["end"][0] - m["begin"][0]) / hz))
        burst[ph] = (m["end"][1] - m["begin"][1]) / max(1, m["end"][2] - m["begin"][2])
# an SRTP phase during which the generator protected live (it ran out of
# packets protected ahead) had the sender's crypto on the worker's core
livep = {p for p, m in marks.items() if "begin" in m and "end" in m and m["end"][3] > m["begin"][3]}
cand = [p for p in sorted(rate)
        if rate[p][0] == "plain" and rate[p][1] > 0 and p + 1 in rate and rate[p + 1][0] == mode]
if livep & {p + 1 for p in cand}:
    print(f"paired: {k:>6} calls {mode}: left out, the generator protected live in SRTP phase(s) "
          + ", ".join(str(p) for p in sorted(livep & {p + 1 for p in cand})), file=sys.stderr)
cand = [p for p in cand if p + 1 not in livep]
pairs = [(rate[p][1], rate[p + 1][1]) for p in cand]
dec, enc = dsp.split()[5:7]
if not pairs:
    print(f"paired: {k:>6} calls {mode}: no complete pair of phases measured", file=sys.stderr)
    sys.exit(0)
ratios = [100 * x / p for p, x in pairs]
# a rate per busy second means the worker's cost per packet only when the
# generator kept it full: with a short poll (fewer than 28 of the 32 a
# burst takes) the generator was the limit, the poll's fixed cost is
# spread over fewer packets and the plain rate reads low (on this shared
# machine that happens in whole stretches). Pairs with both phases full
# give the figure to quote.
full = [r for p, r in zip(cand, ratios) if burst[p] >= 28 and burst[p + 1] >= 28]
cx = float(ceil_x)
print(f"paired: {k:>6} calls {mode:>9}: worker per core, plain then SRTP in adjacent phases: "
      + ", ".join(f"{p / 1e6:.2f} / {x / 1e6:.2f} Mpps ({r:.1f}%)" for (p, x), r in zip(pairs, ratios))
      + "; packets per poll, plain / SRTP: "
      + ", ".join(f"{burst[p]:.0f} / {burst[p + 1]:.0f}" for p in cand)
      + f"; median {statistics.median(ratios):.1f}% of plain ({len(pairs)} pairs, {k} SRTP streams;"
      f" decrypted {dec}, encrypted {enc}; {drops or 'no drops'}); the transform alone "
      + (f"{cx / 1e6:.2f} Mpps on one core" if cx else "not measured"))
print(f"paired: {k:>6} calls {mode:>9}: with the worker kept full in both phases (28+ packets "
      f"per poll): " + (f"median {statistics.median(full):.1f}% of plain ({len(full)} of "
                        f"{len(ratios)} pairs)" if full else f"none of the {len(ratios)} pairs"),
      file=sys.stderr)
PY
        [ "${PROFILE:-0}" = 1 ] && python3 - "$k" "$pairx" "$hz" "$W" <<'PY' >&2
import glob, re, statistics, subprocess, sys
k, mode, hz, wdir = sys.argv[1:]
hz = int(hz)
# the transform: our SRTP code (srtp_*.c: ghash, gcm_small, ctr_xor, the
# AES-CM keystream, the burst's prep/finish steps, the SHA-NI lanes),
# ipsec-mb's library, and the flow's SRTP step (flow_srtp_rx_prep)
XF = re.compile(r"^(srtp_|sha1ni_|gcm_|ghash|gh_|ctr_xor|tag_of|aes1|iv_block|expand_compact|prep_|finish_|restore_gcm|"
                r"cm_|rk128|mac_now|prefetch_keys|flow_srtp|"
                r"job_|submit|flush|mgr_|sha1|mac$|use_lanes|op_mgr)")
marks = {}
for line in open(f"{wdir}/steady"):
    t = line.split()
    if t[3].startswith("live="):
        t.pop(3)
    ph, what, edge, busy, relayed, _ = t
    marks.setdefault(int(ph), {"what": what})[edge] = (int(busy), int(relayed))
def share(ph):
    r = subprocess.run(["perf", "report", "-i", f"{wdir}/prof.{ph}", "--no-children", "--stdio",
                        "--sort", "dso,symbol", "-q"], capture_output=True, text=True).stdout
    tot = xf = 0.0
    for l in r.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\S+)\s+\[.\]\s+(\S+)", l)
        if not m:
            continue
        pc, dso, sym = float(m[1]), m[2], m[3]
        tot += pc
        if "IPSec_MB" in dso or XF.match(sym):
            xf += pc
    return xf / tot if tot else None
def ns(ph):
    m = marks.get(ph, {})
    if "begin" not in m or "end" not in m or m["end"][1] <= m["begin"][1]:
        return None
    return (m["end"][0] - m["begin"][0]) / hz / (m["end"][1] - m["begin"][1]) * 1e9
rows = []
for ph in sorted(marks):
    if marks[ph]["what"] != mode or marks.get(ph - 1, {}).get("what") != "plain":
        continue
    if not glob.glob(f"{wdir}/prof.{ph}"):
        continue
    s, n_s, n_p = share(ph), ns(ph), ns(ph - 1)
    if s is None or n_s is None or n_p is None:
        continue
    rows.append((s, n_s, n_p))
if not rows:
    print(f"profile: {k:>6} calls {mode}: no SRTP phase profiled (perf record on the worker)")
    sys.exit(0)
print(f"profile: {k:>6} calls {mode:>9}: share of the worker's time in the SRTP transform per "
      "SRTP phase, and per packet the transform / the rest / the plain phase before it: "
      + ", ".join(f"{100 * s:.1f}% ({s * n:.0f} / {(1 - s) * n:.0f} / {p:.0f} ns)"
                  for s, n, p in rows)
      + f"; median share {100 * statistics.median(r[0] for r in rows):.1f}%: SRTP at "
      f"{100 * (1 - statistics.median(r[0] for r in rows)):.1f}% of a relay whose other work "
      f"costs the same; against the plain phases, median "
      f"{100 * statistics.median(p / (p + s * n) for s, n, p in rows):.1f}% "
      "(plain per packet / plain + transform)")
PY
        continue
    fi
    plain=$(python3 - "$k" "$out" "$ceil" "$hz" "$up" "$busy" "$drops" "$mode" "$plain" $dsp "$ceil_x" "${s1:-0 0}" "${s2:-0 0}" "$W/res" <<'PY'
import re, sys
(k, out, ceil, hz, up, busy, drops, mode, plain, dsp_ok, dsp_full, rec_ok, rec_full, rec_off,
 dec, enc, ceil_x, s1, s2) = sys.argv[1:-1]
kv = dict(re.findall(r"(\w+)=(\S+)", out))
pps = int(kv.get("median_pps", 0))
share = int(busy) / int(hz) / max(1, int(up))
(b1, r1), (b2, r2) = (map(int, s1.split()), map(int, s2.split()))
# the worker's rate per core of its own busy time in the steady window
core = (r2 - r1) / ((b2 - b1) / int(hz)) if b2 > b1 else 0.0
wshare = (b2 - b1) / int(hz) / max(1e-9, (r2 - r1) / max(pps, 1)) if pps and r2 > r1 else 0.0
pl = [float(x) for x in plain.split(",")] if plain != "0" else [0.0, 0.0]
extra = ""
if mode == "detect":
    extra = (f"; in-band DTMF detection on every stream: {100 * pps / max(1, pl[0]):.1f}% "
             f"of the plain rate, dsp role analysed {dsp_ok} payloads, skipped {dsp_full} "
             f"(ring full)")
if mode == "record":
    extra = (f"; every call recorded: {100 * pps / max(1, pl[0]):.1f}% of the plain rate; "
             f"the recorder (main lcore) took {rec_ok} packets, {rec_full} found its ring full, "
             f"{rec_off} off its timeline (this generator sends each stream far faster than "
             f"50 packets/s)")
if mode in ("srtp-rtp", "rtp-srtp", "srtp-srtp"):
    cx = float(ceil_x)
    ref = (f" = {100 * core / pl[1]:.1f}% of the plain one-way relay's {pl[1] / 1e6:.2f} Mpps "
           f"per core" if pl[1] > 0 else " (no oneway mode in this run to compare with)")
    extra = (f"; SRTP {mode} ({k} SRTP streams; decrypted {dec}, encrypted {enc}): "
             f"per worker core {core / 1e6:.2f} Mpps{ref}; the transform alone on one "
             f"core: " + (f"{cx / 1e6:.2f} Mpps" if cx else "not measured at this count"))
    if int(kv.get("live_protects", 0)):
        extra += (f"; the generator protected {kv['live_protects']} packets live (it ran out "
                  f"of those protected ahead: PRE_MB)")
print(f"relay: {k:>5} calls  {mode:>9}  {pps / 1e6:6.2f} Mpps relayed "
      f"({100 * pps / 1e6 / float(ceil):5.1f}% of the {ceil} Mpps ceiling); worker: "
      f"{core / 1e6:.2f} Mpps per core of its busy time, busy {100 * min(wshare, 1):.0f}% "
      f"in the steady window; {drops or 'no drops'}{extra}",
      file=sys.stderr)
print(f"{pps},{core}" if mode in ("off", "oneway") else plain)
with open(sys.argv[-1], "a") as f:
    f.write(f"{mode} {core} {pps} {ceil_x}\n")
PY
)
  done
 done
 # this machine is shared: the modes ran in turn REPEAT times; the best
 # run of each (least disturbed) stands for it
 [ "${REPEAT:-1}" -gt 1 ] && python3 - "$k" "${REPEAT}" "$W/res" <<'PY' >&2
import sys
k, reps, path = sys.argv[1:]
best = {}
for line in open(path):
    mode, core, pps, cx = line.split()
    b = best.setdefault(mode, [0.0, 0, 0.0])
    b[0] = max(b[0], float(core)); b[1] = max(b[1], int(pps)); b[2] = max(b[2], float(cx))
ref = best.get("oneway", best.get("off", [0, 0, 0]))[0]
for mode, (core, pps, cx) in best.items():
    extra = ""
    if mode.startswith("srtp") or mode.startswith("rtp-"):
        extra = (f" = {100 * core / max(ref, 1):.1f}% of plain one-way per core; the transform "
                 f"alone {cx / 1e6:.2f} Mpps on one core")
    print(f"best of {reps}: {k:>6} calls {mode:>9}: worker {core / 1e6:.2f} Mpps per core, "
          f"{pps / 1e6:.2f} Mpps offered{extra}")
PY
done
