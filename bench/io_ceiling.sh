#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# This machine's raw packet I/O ceiling: dpdk-testpmd in io-forwarding
# mode with ONE forwarding core, no hugepages, on virtual ports that cost
# nothing but mbuf and ring handling:
#   ring : two net_ring ports (each a loopback ring) in one process
#   memif: a net_memif pair between two testpmd processes (one forwarding
#          core each), counted on the one side
# Later relay figures are stated as a fraction of these. Numbers, never a
# pass/fail: the machine is shared and noisy, so each figure is the median
# of per-second samples after a warm-up.
#
# usage: bench/io_ceiling.sh [SECONDS] [ring|memif|all]
set -u
secs=${1:-10}
which=${2:-all}
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd missing: bash .ci/install" >&2; exit 1; }
work=$(mktemp -d /tmp/cpbench.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# median of the "Rx-pps:" samples (summed over ports per period) after warm-up
median_pps() {
    python3 - "$1" <<'PY'
import re, sys, statistics
txt = open(sys.argv[1], errors="replace").read()
blocks = txt.split("Port statistics")
samples = []
for b in blocks[1:]:
    pps = [int(x) for x in re.findall(r"Rx-pps:\s+(\d+)", b)]
    if pps:
        samples.append(sum(pps))
samples = samples[2:]  # warm-up
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
    pid=$(run_testpmd "$log" -l 0-1 --main-lcore 0 --no-huge --no-pci -m 512 \
        --file-prefix "cpb$$r" --vdev=net_ring0 --vdev=net_ring1 --log-level=3 -- \
        --forward-mode=io --nb-cores=1 --burst=32 --txpkts=64 --tx-first \
        --stats-period 1 --rxd=1024 --txd=1024)
    sleep $((secs + 3))
    kill -INT "$pid"; wait "$pid" 2>/dev/null
    read -r pps n < <(median_pps "$log")
    printf 'ring : %6.2f Mpps  (testpmd io fwd, 1 forwarding core, 2x net_ring, 64 B, burst 32; median of %s 1-s samples)\n' \
        "$(python3 -c "import sys; print(int(sys.argv[1])/1e6)" "$pps")" "$n"
    echo "$pps" > "$work/ring.pps"
}

memif() {
    local sock=$work/memif.sock s c
    s=$(run_testpmd "$work/memif-s.log" -l 0 --no-huge --no-pci -m 512 --file-prefix "cpb$$s" \
        --vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" --log-level=3 -- \
        --forward-mode=io --nb-cores=1 --burst=32 --txpkts=64 --stats-period 1 --no-lsc-interrupt)
    sleep 2
    c=$(run_testpmd "$work/memif-c.log" -l 1 --no-huge --no-pci -m 512 --file-prefix "cpb$$c" \
        --vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" --log-level=3 -- \
        --forward-mode=io --nb-cores=1 --burst=32 --txpkts=64 --tx-first --stats-period 1 \
        --no-lsc-interrupt)
    sleep $((secs + 3))
    kill -INT "$c" "$s"; wait "$c" "$s" 2>/dev/null
    read -r pps n < <(median_pps "$work/memif-c.log")
    printf 'memif: %6.2f Mpps  (testpmd io fwd, 1 forwarding core per side, net_memif pair, 64 B; median of %s 1-s samples)\n' \
        "$(python3 -c "import sys; print(int(sys.argv[1])/1e6)" "$pps")" "$n"
}

echo "callplane I/O ceiling on $(nproc) cores, $(uname -r), $(date -u +%FT%TZ)"
case "$which" in
    ring) ring ;;
    memif) memif ;;
    all) ring; memif ;;
esac
