#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The test bed itself: two runs in a row do not collide, everything is
# removed on exit, and namespaces left by a run that was killed are reaped
# by the next one.
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
fail=0; n=0
check() { n=$((n+1)); if eval "$2"; then echo "ok   - $1"; else echo "FAIL - $1"; fail=$((fail+1)); fi; }
ours() { ip netns list | awk '{print $1}' | grep -c "^$1-" ; }

for run in 1 2; do
    id=$(bash -c ". '$SRC/tests/testbed.sh'; tb_up >/dev/null 2>&1 || exit 1
        ip netns exec \$TB_CARRIER ping -c1 -W2 $'198.18.0.20' >/dev/null || exit 1
        echo \$TB_ID")
    check "run $run: carrier reaches agents across the switch" "[ -n '$id' ]"
    check "run $run: nothing left after exit" "[ \$(ours '${id:-none}') -eq 0 ]"
done

# A run killed with SIGKILL leaves its namespaces; the next run reaps them.
bash -c ". '$SRC/tests/testbed.sh'; tb_up >/dev/null 2>&1; echo \$TB_ID > /tmp/tbk.$$; kill -9 \$\$" 2>/dev/null
dead=$(cat /tmp/tbk.$$); rm -f /tmp/tbk.$$
check "killed run left its namespaces behind (5: app, carrier, agents, rogue, switch)" "[ \$(ours '$dead') -eq 5 ]"
bash -c ". '$SRC/tests/testbed.sh'; tb_up >/dev/null 2>&1"
check "next run reaped them" "[ \$(ours '$dead') -eq 0 ]"

# An interrupted run cleans up too.
bash -c ". '$SRC/tests/testbed.sh'; tb_up >/dev/null 2>&1; echo \$TB_ID > /tmp/tbi.$$; kill -INT \$\$; sleep 5" 2>/dev/null
intr=$(cat /tmp/tbi.$$); rm -f /tmp/tbi.$$
check "interrupted run removed its namespaces" "[ \$(ours '$intr') -eq 0 ]"
echo "$n checks, $fail failed"
[ $fail -eq 0 ]
