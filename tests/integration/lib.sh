# SPDX-License-Identifier: BSD-3-Clause
# Helpers for integration tests: the test bed plus assertions that count
# failures and keep going, so one run reports everything that is wrong.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
. "$SRC/tests/testbed.sh"

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: integration tests need root (network namespaces)"; exit 77
fi

T_FAIL=0
T_RUN=0
WORK=$(mktemp -d /tmp/cpint.XXXXXX)
tb_on_exit() { rm -rf "$WORK"; }
trap 'tb_exit' EXIT

ok()   { T_RUN=$((T_RUN+1)); echo "ok   - $*"; }
fail() { T_RUN=$((T_RUN+1)); T_FAIL=$((T_FAIL+1)); echo "FAIL - $*"; }
check() { # check "description" command...
    local d=$1; shift
    if "$@"; then ok "$d"; else fail "$d"; fi
}
# switch_loss PORT PERCENT: the switch drops that share of the UDP to the
# appliance's PORT at random (a local drop would fail the sender's send);
# switch_loss_end prints how many it dropped and removes the rule.
switch_loss() {
    ip netns exec "$TB_SW" nft -f - <<NFT
table bridge impair {
    chain lossy {
        type filter hook forward priority 0;
        ip daddr $TB_APP_IP4 udp dport $1 numgen random mod 100 lt $2 counter drop
    }
}
NFT
}
switch_loss_end() {
    ip netns exec "$TB_SW" nft list table bridge impair | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
    ip netns exec "$TB_SW" nft delete table bridge impair
}
# check "what" that 'cond && cond': several conditions as one check
that() { eval "$1"; }
finish() {
    echo "$T_RUN checks, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
}

in_carrier() { ip netns exec "$TB_CARRIER" "$@"; }
in_agents()  { ip netns exec "$TB_AGENTS" "$@"; }
in_app()     { ip netns exec "$TB_APP" "$@"; }
in_rogue()   { ip netns exec "$TB_ROGUE" "$@"; }

# counter NAME [PORT]: one dataplane counter (port ext0 by default).
counter() { tb_telemetry --get /callplane/ports "${2:-ext0}.$1"; }

dp_mac() { counter mac | tr 'A-F' 'a-f'; }
host_mac() { ip -n "$1" link show eth0 | awk '/link\/ether/ {print $2}'; }

# wait_for SECONDS command...: poll until the command succeeds.
wait_for() {
    local t=$1; shift
    local end=$((SECONDS + t))
    while [ $SECONDS -le $end ]; do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}

start_dp() { # [CONFIG]
    local conf=${1:-$SRC/config/testbed.yaml}
    tb_up || { echo "FAIL - test bed did not come up"; exit 1; }
    CALLPLANE_DP=${CALLPLANE_DP:-$SRC/build/callplane-dp} \
        tb_dp_start "$conf" "$WORK/dp.log" ||
        { echo "FAIL - callplane-dp did not start"; exit 1; }
}
