#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# callplanectl's interactive shell, driven through tmux as an admin would
# type: Tab completes command words and live names (agent ids, queue
# names) fetched from the running callplane-cp, a second Tab lists the
# choices, Up recalls history (also from an earlier session, through the
# history file), help explains every command, Ctrl-D leaves.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { echo "FAIL - tmux is needed (.ci/install)"; exit 1; }
CP=${CALLPLANE_CP:-$SRC/build/callplane-cp}
CTL=${CALLPLANECTL:-$(dirname "$CP")/callplanectl}
SOCK=$WORK/cp.sock
CONF=$WORK/cp.yaml
# one more agent whose id no other shares a prefix with
sed 's|^    - { id: "1003", password: "agent1003pw", name: "Carol" }$|&\n    - { id: "2001", password: "agent2001pw", name: "Dave" }|' \
    "$SRC/config/testbed.yaml" > "$CONF"
grep -q '"2001"' "$CONF" || { echo "FAIL - test setup: agent 2001 not added"; exit 1; }
start_dp
ip netns exec "$TB_APP" "$CP" -c "$CONF" --api-socket "$SOCK" > "$WORK/cp.log" 2>&1 &
TB_PIDS+=($!)
check "callplane-cp starts" wait_for 10 grep -q ': ready' "$WORK/cp.log"

T=(tmux -L "cpshell$$" -f /dev/null)
trap 'tmux -L "cpshell$$" kill-server 2>/dev/null; tmux -L "cpshell$$-2" kill-server 2>/dev/null; tb_down; rm -rf "$WORK"' EXIT
shell() { # starts a shell session in a 160x50 pane
    "${T[@]}" new-session -d -s s -x 160 -y 50 \
        "env TERM=screen CALLPLANECTL_HISTORY=$WORK/history $CTL -s $SOCK; sleep 30"
    wait_for 5 pane_has "^callplane>"
}
pane() { "${T[@]}" capture-pane -p -t s; }
pane_has() { pane | grep -qE -- "$1"; }
# the line being edited (the last prompt line; tmux trims trailing blanks)
cur() { pane | grep -E '^callplane>' | tail -1; }
keys() { "${T[@]}" send-keys -t s "$@"; sleep 0.3; }
clear_pane() { "${T[@]}" send-keys -t s C-u; "${T[@]}" clear-history -t s; "${T[@]}" send-keys -t s C-l; sleep 0.3; }

check "the shell starts and greets" shell
keys 'dat' Tab
check "Tab completes a command word: 'dat' -> 'dataplane '" test "$(cur)" = "callplane> dataplane"
keys 'po' Tab
check "  and the next word: 'po' -> 'ports '" test "$(cur)" = "callplane> dataplane ports"
keys Enter
check "  the completed command runs (a ports table)" wait_for 5 pane_has "^ext0 +0 +up "
keys 'agent 2' Tab
check "Tab completes a live agent id: 'agent 2' -> 'agent 2001 '" test "$(cur)" = "callplane> agent 2001"
keys 'sh' Tab Enter
check "  and its command: 'sh' -> 'show', which shows Dave" wait_for 5 pane_has "^name: +Dave"
keys 'agent 100' Tab Tab
check "a second Tab lists the agents matching '100' (1001 1002 1003)" \
    wait_for 3 pane_has "1001 +1002 +1003"
clear_pane
keys 'queues show sa' Tab
check "Tab completes a live queue name: 'sa' -> 'sales '" test "$(cur)" = "callplane> queues show sales"
keys Enter
check "  shown" wait_for 5 pane_has "^no_agents: +queue"
clear_pane
keys Up
check "Up recalls the last command" test "$(cur)" = "callplane> queues show sales"
keys Up
check "  and Up again the ones before it" test "$(cur)" = "callplane> agent 2001 show"
keys C-u 'help' Enter
check "help lists every command with what it does" \
    wait_for 3 pane_has "calls hangup <call> +hang up a call"
n=$(pane | grep -cE '^  [a-z]')
check "  ($n lines: all $(grep -c '^	X(' "$SRC/control/api/api_methods.h") API commands plus help and exit)" \
    test "$n" -ge "$(grep -c '^	X(' "$SRC/control/api/api_methods.h")"
clear_pane
keys 'help agent' Enter
check "help agent: the agent commands only" \
    that 'pane_has "agent <agent> not-ready +stop offering" && ! pane_has "queues list"'
keys 'agent 1001 fly' Enter
check "a wrong command in the shell says how to use it, and the shell goes on" \
    wait_for 3 pane_has "wrong arguments; usage:"
keys C-d
check "Ctrl-D leaves the shell" wait_for 3 test -s "$WORK/history"
check "  the history file keeps the session's commands" grep -q "queues.040show.040sales" "$WORK/history"
"${T[@]}" kill-server 2>/dev/null
# a fresh tmux server for the second session (the first may still be on its way out)
T=(tmux -L "cpshell$$-2" -f /dev/null)
check "a new session starts" shell
keys Up
check "  and Up recalls the last command of the earlier session" \
    test "$(cur)" = "callplane> agent 1001 fly"
keys C-u 'exit' Enter
"${T[@]}" kill-server 2>/dev/null
tb_dp_stop
finish
