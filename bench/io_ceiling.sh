#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# This machine's raw packet I/O ceiling: dpdk-testpmd in io-forwarding
# mode with ONE forwarding core, no hugepages, on virtual ports that cost
# nothing but mbuf and ring handling:
#   ring : two net_ring ports (each a loopback ring) in one process
#   memif: a net_memif pair between two testpmd processes (one forwarding
#          core each), counted on the one side
# ring measures mbuf/ring handling only (no packet bytes are touched), so
# it is the framework's ceiling; memif moves the bytes between processes
# and is the ceiling a relay port on this box can approach.
# Later relay figures are stated as a fraction of these. Numbers, never a
# pass/fail: the machine is shared and noisy, so each figure is the median
# of per-second samples after a warm-up.
#
# usage: [PKT=BYTES] bench/io_ceiling.sh [SECONDS] [ring|memif|all]   (PKT default 64)
set -u
secs=${1:-20}
which=${2:-all}
PKT=${PKT:-64}   # frame size (testpmd --txpkts)
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing: bash .ci/install" >&2; exit 1; }
work=$(mktemp -d /tmp/cpbench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# median of the "Rx-pps:" samples (summed over ports per period) after warm-up
median_pps() {
    python3 - "$1" <<'PY'
import re, sys, statistics
txt = open(sys.argv[1], errors="replace").read()
blocks = re.split(r"NIC statistics for port 0 ", txt)
samples = []
for b in blocks[1:]:
    pps = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", b)]
    if pps:
        samples.append(sum(pps))
# testpmd computes each sample over its own elapsed TSC time; the first
# one covers start-up, zero ones come before forwarding starts.
samples = [x for x in samples[1:] if x > 0]
print(int(statistics.median(samples)) if samples else 0, len(samples))
PY
}

run_testpmd() { # log prefix eal-args... -- app-args...
    local log=$1; shift
    dpdk-testpmd "$@" >"$log" 2>&1 &
    echo $!
}

ring() {
    local log=$work/ring.log pid
    pid=$(run_testpmd "$log" -l 0-1 --main-lcore 0 --no-huge --no-pci -m 1024 \
        --file-prefix "cpb$$r" --vdev=net_ring0 --vdev=net_ring1 --log-level=3 -- \
        --forward-mode=io --nb-cores=1 --burst=32 --txpkts=$PKT --tx-first \
        --stats-period 1 --rxd=1024 --txd=1024 --total-num-mbufs=32768)
    sleep $((secs + 3))
    kill -INT "$pid"; wait "$pid" 2>/dev/null
    read -r pps n < <(median_pps "$log")
    printf 'ring : %6.2f Mpps  (testpmd io fwd, 1 forwarding core, 2x net_ring, %s B, burst 32; median of %s 1-s samples)\n' \
        "$(python3 -c "import sys; print(int(sys.argv[1])/1e6)" "$pps")" "$PKT" "$n"
    echo "$pps" > "$work/ring.pps"
}

memif() {
    # The memif link comes up asynchronously; a burst sent before that is
    # lost and nothing circulates. Retry such a run (at most 3 times).
    for attempt in 1 2 3; do
        memif_once && return 0
        echo "memif: no traffic circulated (attempt $attempt), retrying" >&2
    done
}

memif_once() {
    local sock=$work/memif.sock s c
    rm -f "$sock"
    # Each process: main lcore + one forwarding core; server forwards on
    # CPU 0, client on CPU 1. The client is driven interactively so its
    # first burst goes out only once the memif link is up.
    s=$(run_testpmd "$work/memif-s.log" -l 0-1 --main-lcore 1 --no-huge --no-pci -m 1024 \
        --file-prefix "cpb$$s" --vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" \
        --log-level=3 -- --forward-mode=io --nb-cores=1 --burst=32 --txpkts=$PKT \
        --stats-period 1 --no-lsc-interrupt --total-num-mbufs=32768)
    sleep 2
    {
        sleep 4
        echo "start tx_first 8"
        sleep 2
        echo "show port stats all"
        for _ in $(seq 1 "$secs"); do sleep 1; echo "show port stats all"; done
        echo "stop"; echo "quit"
    } | dpdk-testpmd -l 0-1 --main-lcore 0 --no-huge --no-pci -m 1024 --file-prefix "cpb$$c" \
        --vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" --log-level=3 -- \
        -i --forward-mode=io --nb-cores=1 --burst=32 --txpkts=$PKT --total-num-mbufs=32768 \
        >"$work/memif-c.log" 2>&1
    kill -INT "$s"; wait "$s" 2>/dev/null
    read -r pps n < <(median_pps "$work/memif-c.log")
    [ "$pps" -gt 0 ] || return 1
    printf 'memif: %6.2f Mpps  (testpmd io fwd, 1 forwarding core per side, net_memif pair, %s B; median of %s 1-s samples)\n' \
        "$(python3 -c "import sys; print(int(sys.argv[1])/1e6)" "$pps")" "$PKT" "$n"
}

echo "callplane I/O ceiling on $(nproc) cores, $(uname -r), $(date -u +%FT%TZ)"
case "$which" in
    ring) ring ;;
    memif) memif ;;
    all) ring; memif ;;
esac
