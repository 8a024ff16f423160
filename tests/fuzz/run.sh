#!/usr/bin/env bash
# Runs one libFuzzer target for SECS seconds from the committed seeds.
# New corpus entries and crash artifacts go to a scratch dir, never into
# the repo; a crash leaves its reproducer in $FUZZ_ARTIFACTS (or /tmp).
set -u
exe=$1 seeds=$2 secs=$3
work=$(mktemp -d /tmp/cpfuzz.XXXXXX)
art=${FUZZ_ARTIFACTS:-/tmp}/$(basename "$exe")-
"$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$art" "$work" "$seeds" 2>&1 | grep -vE '^#[0-9]+.*(NEW|REDUCE|pulse)'
rc=${PIPESTATUS[0]}
rm -rf "$work"
# libFuzzer reports a crash as 77, which meson would read as "skipped".
[ "$rc" -eq 0 ] || exit 1
exit 0
