#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The callplane test bed: hosts in network namespaces joined by a bridge,
# addressed from 198.18.0.0/15 (IPv4) and 2001:2::/48 (IPv6), both
# benchmarking ranges, so nothing ever leaves the machine.
#
#   <id>-app      the appliance: eth0 (no kernel address; the dataplane
#                 attaches to it with net_af_packet) and, once callplane-dp
#                 runs, the exception tap cp0 carrying 198.18.0.1, 2001:2::1
#   <id>-carrier  a carrier trunk host: 198.18.0.10, 2001:2::10
#   <id>-agents   the agents' phones: 198.18.0.20, 2001:2::20
#   <id>-rogue    a host that is in no call (RTP-bleed sprayer): .66, ::66
#   <id>-sw       the switch: bridge br0 joining the three
#
# Source it and call tb_up; tb_down runs on exit, error or interrupt,
# then tb_on_exit if the script defines it (its own temporary files: tb_up
# takes over the EXIT trap, so a trap set before it would not run).
# <id> is unique per run (pid-based), so runs never collide, and tb_up
# removes namespaces left by runs that were killed.

# Debian's own tools first: the test helpers are written for bookworm's
# python3 (the package list installs it), and a version manager's shim in
# front of it costs ~0.4 s a call, enough to miss the short timer windows
# the tests watch.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

TB_ID=${TB_ID:-cpt$$}
TB_APP=$TB_ID-app
TB_CARRIER=$TB_ID-carrier
TB_AGENTS=$TB_ID-agents
TB_ROGUE=$TB_ID-rogue
TB_SW=$TB_ID-sw
TB_APP_IP4=198.18.0.1
TB_APP_IP6=2001:2::1
TB_CARRIER_IP4=198.18.0.10
TB_CARRIER_IP6=2001:2::10
TB_AGENTS_IP4=198.18.0.20
TB_AGENTS_IP6=2001:2::20
TB_ROGUE_IP4=198.18.0.66
TB_ROGUE_IP6=2001:2::66
TB_PIDS=()

tb_log() { echo "testbed: $*" >&2; }

# Namespaces of dead runs: cpt<pid>-* where <pid> no longer exists.
tb_reap_stale() {
    local ns pid
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^cpt[0-9]+-(app|carrier|agents|rogue|sw)$'); do
        pid=${ns#cpt}; pid=${pid%%-*}
        if ! kill -0 "$pid" 2>/dev/null; then
            tb_ns_kill "$ns"
            ip netns del "$ns" 2>/dev/null && tb_log "removed stale $ns"
        fi
    done
}

tb_ns_kill() {
    local pids
    pids=$(ip netns pids "$1" 2>/dev/null)
    [ -n "$pids" ] || return 0
    kill $pids 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "$1" 2>/dev/null)
        [ -z "$pids" ] && return 0
        sleep 0.3
    done
    kill -9 $pids 2>/dev/null
}

tb_down() {
    local ns pid
    for pid in "${TB_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    for ns in "$TB_APP" "$TB_CARRIER" "$TB_AGENTS" "$TB_ROGUE" "$TB_SW"; do
        tb_ns_kill "$ns"
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "/var/run/dpdk/$TB_ID"
}

# veth <host-ns> : eth0 in the host, p-<role> on the switch
tb_link() {
    local ns=$1 role=$2
    ip link add name "p-$role" netns "$TB_SW" type veth peer name eth0 netns "$ns" || return 1
    ip -n "$TB_SW" link set "p-$role" master br0 up || return 1
    # Veths hand over partial checksums; an af_packet reader would see
    # them unfinished, so every sender finishes its checksums itself.
    ip netns exec "$ns" ethtool -K eth0 tx off >/dev/null 2>&1
    ip netns exec "$TB_SW" ethtool -K "p-$role" tx off >/dev/null 2>&1
    ip -n "$ns" link set eth0 up
}

tb_host() {
    local ns=$1 role=$2 ip4=$3 ip6=$4
    tb_link "$ns" "$role" || return 1
    ip -n "$ns" addr add "$ip4/24" dev eth0
    ip -n "$ns" addr add "$ip6/64" dev eth0 nodad
}

# tb_detach_kernel NS IFACE: the dataplane owns IFACE (net_af_packet), so
# the kernel must not answer on it too. Packet sockets see frames before
# the netdev ingress hook, so a drop-all ingress chain leaves them to the
# dataplane alone, as a NIC bound to DPDK would. The same step applies on a real appliance
# that uses af_packet (see README, "Deploying").
tb_detach_kernel() {
    local ns=$1 dev=$2
    ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$dev.disable_ipv6=1" || return 1
    ip -n "$ns" link set "$dev" arp off || return 1
    ip netns exec "$ns" nft -f - <<NFT || return 1
table netdev callplane_detach {
    chain ingress { type filter hook ingress device "$dev" priority -500; policy drop; }
}
NFT
}

tb_exit() {
    tb_down
    if declare -F tb_on_exit >/dev/null; then tb_on_exit; fi
    return 0
}

tb_up() {
    trap 'tb_exit' EXIT
    trap 'tb_exit; exit 130' INT TERM
    tb_reap_stale
    for ns in "$TB_APP" "$TB_CARRIER" "$TB_AGENTS" "$TB_ROGUE" "$TB_SW"; do
        ip netns add "$ns" || return 1
        ip -n "$ns" link set lo up
    done
    ip -n "$TB_SW" link add br0 type bridge || return 1
    ip -n "$TB_SW" link set br0 up
    # A plain switch: no netfilter on bridged frames (it would drop the
    # malformed IPv4 that tests send on purpose before the appliance sees it).
    for k in iptables ip6tables arptables; do
        ip netns exec "$TB_SW" sysctl -qw "net.bridge.bridge-nf-call-$k=0" 2>/dev/null
    done
    # The appliance's kernel must not answer on eth0: the dataplane owns it.
    ip netns exec "$TB_APP" sysctl -qw net.ipv6.conf.all.disable_ipv6=0
    tb_link "$TB_APP" app || return 1
    tb_detach_kernel "$TB_APP" eth0 || return 1
    tb_host "$TB_CARRIER" carrier "$TB_CARRIER_IP4" "$TB_CARRIER_IP6" || return 1
    tb_host "$TB_AGENTS" agents "$TB_AGENTS_IP4" "$TB_AGENTS_IP6" || return 1
    tb_host "$TB_ROGUE" rogue "$TB_ROGUE_IP4" "$TB_ROGUE_IP6" || return 1
    tb_log "up: $TB_APP $TB_CARRIER $TB_AGENTS $TB_ROGUE (switch $TB_SW)"
}

# tb_dp_start CONFIG LOG: runs callplane-dp in the appliance namespace and
# waits until it reports ready (or fails). Sets TB_DP_PID.
tb_dp_start() {
    local conf=$1 log=$2 bin=${CALLPLANE_DP:-callplane-dp}
    ip netns exec "$TB_APP" "$bin" -c "$conf" --file-prefix "$TB_ID" >"$log" 2>&1 &
    TB_DP_PID=$!
    TB_PIDS+=("$TB_DP_PID")
    for _ in $(seq 1 150); do
        grep -q ': ready' "$log" 2>/dev/null && return 0
        if ! kill -0 "$TB_DP_PID" 2>/dev/null; then
            tb_log "callplane-dp exited during boot:"; cat "$log" >&2; return 1
        fi
        sleep 0.2
    done
    tb_log "callplane-dp not ready after 30 s:"; cat "$log" >&2
    return 1
}

# tb_dp_stop [SIGNAL]: SIGTERM (or SIGNAL) and wait for the final report.
# Returns callplane-dp's exit status.
tb_dp_stop() {
    [ -n "${TB_DP_PID:-}" ] || return 0
    kill "-${1:-TERM}" "$TB_DP_PID" 2>/dev/null
    for _ in $(seq 1 50); do
        kill -0 "$TB_DP_PID" 2>/dev/null || break
        sleep 0.2
    done
    if kill -0 "$TB_DP_PID" 2>/dev/null; then
        tb_log "callplane-dp ignored SIGTERM; killing"; kill -9 "$TB_DP_PID"; return 1
    fi
    wait "$TB_DP_PID"
}

# tb_telemetry CMD: one DPDK telemetry query to the running dataplane (JSON).
tb_telemetry() {
    "$(dirname "${BASH_SOURCE[0]}")/lib/dptel.py" --prefix "$TB_ID" "$@"
}
