#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Recorded calls per recorder core (bench/rec_bench.c), WAV and Ogg/Opus,
# at several loads, writing to a scratch directory on the disk /var/tmp is
# on, then WAV once more on tmpfs (memory: the recorder's own cost without
# the disk). usage: bench/rec_bench.sh REC_BENCH [SECONDS]
set -u
BIN=$1 SECS=${2:-10}
EAL=(-l 0,1 --no-huge --no-pci -m 1024 --no-shconf --no-telemetry --log-level=1 --)
D=$(mktemp -d /var/tmp/cprecbench.XXXXXX)
M=$(mktemp -d /dev/shm/cprecbench.XXXXXX)
trap 'rm -rf "$D" "$M"' EXIT
"$BIN" "${EAL[@]}" "$D" "$SECS" wav 250 1000 2000
"$BIN" "${EAL[@]}" "$D" "$SECS" opus 25 50 100
"$BIN" "${EAL[@]}" "$M" "$SECS" wav 2000
