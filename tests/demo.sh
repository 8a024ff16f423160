#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job on the built-in test bed: boots callplane-dp on a real DPDK
# port (net_af_packet on the appliance host's veth), then shows what it
# does with real traffic from the carrier and agents hosts: ping and ARP
# answered by the dataplane, SIP-style UDP and a TCP session reaching
# kernel sockets on the appliance address through the exception path,
# media-range traffic kept off the kernel, and the counters of all of it.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
. "$SRC/tests/testbed.sh"
export CALLPLANE_DP=${CALLPLANE_DP:-$SRC/build/callplane-dp}
E="$SRC/tests/lib/udpecho.py"
LOG=$(mktemp /tmp/callplane-dp.XXXXXX.log)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Test bed: appliance, carrier and agents hosts in network namespaces (198.18.0.0/24)"
tb_up || exit 1
say "Booting callplane-dp -c config/testbed.yaml (EAL --no-huge, net_af_packet on eth0, exception tap cp0)"
tb_dp_start "$SRC/config/testbed.yaml" "$LOG" || exit 1
grep -A3 ': ready' "$LOG"
ip -n "$TB_APP" -br addr show cp0

say "carrier$ ping 198.18.0.1   (answered by the dataplane's main lcore)"
ip netns exec "$TB_CARRIER" ping -c 3 -i 0.2 -W 2 "$TB_APP_IP4"
say "agents$ ping -6 2001:2::1   (ND and ICMPv6 echo)"
ip netns exec "$TB_AGENTS" ping -6 -c 3 -i 0.2 -W 2 "$TB_APP_IP6"
say "carrier's ARP table: the appliance is the DPDK port's MAC"
ip -n "$TB_CARRIER" neigh show "$TB_APP_IP4"

say "Exception path: SIP OPTIONS over UDP 5060 to a kernel socket on the appliance"
ip netns exec "$TB_APP" "$E" serve-udp "$TB_APP_IP4" 5060 1 & SRV=$!
sleep 0.5
printf 'carrier sent "OPTIONS sip:198.18.0.1 SIP/2.0", got back: '
ip netns exec "$TB_CARRIER" "$E" ask-udp "$TB_APP_IP4" 5060 "OPTIONS sip:198.18.0.1 SIP/2.0"
wait $SRV
say "Exception path: a TCP session (as SSH or SIP over TCP would use)"
ip netns exec "$TB_APP" "$E" serve-tcp "$TB_APP_IP4" 2222 & SRV=$!
sleep 0.5
printf 'agents sent "SSH-2.0-demo", got back: '
ip netns exec "$TB_AGENTS" "$E" ask-tcp "$TB_APP_IP4" 2222 "SSH-2.0-demo"
wait $SRV
say "Media range (30000-39999) belongs to the dataplane: a datagram there never reaches the kernel"
ip netns exec "$TB_CARRIER" "$E" ask-udp "$TB_APP_IP4" 30000 "rtp" 2>/dev/null || echo "no kernel reply (as expected): counted as drop_media_no_stream"

say "NG control (rtpengine's protocol): Debian's rtpengine-ng-client pings callplane-dp on 198.18.0.1:2223"
ip netns exec "$TB_CARRIER" rtpengine-ng-client --proxy-address "$TB_APP_IP4" --proxy-port 2223 ping

say "A relayed call: NG offer/answer (rtpengine-ng-client), then RTP both ways through the DPDK port"
R="$SRC/tests/lib/rtp.py"
sdp_of() { printf 'v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' "$1" "$1" "$2"; }
NGC() { ip netns exec "$TB_CARRIER" rtpengine-ng-client --proxy-address "$TB_APP_IP4" --proxy-port 2223 --call-id demo-call-1 --from-tag carrier-1 "$@" 2>&1; }
PB=$(NGC --sdp "$(sdp_of "$TB_CARRIER_IP4" 6000)" offer | sed -n '/New SDP/,$p' | sed -n 's/^m=audio \([0-9]*\) .*/\1/p')
PA=$(NGC --to-tag agent-1 --sdp "$(sdp_of "$TB_AGENTS_IP4" 7000)" answer | sed -n '/New SDP/,$p' | sed -n 's/^m=audio \([0-9]*\) .*/\1/p')
echo "offer:  carrier 198.18.0.10:6000 is told to expect the agent at 198.18.0.1:$PB"
echo "answer: the agent 198.18.0.20:7000 is reached by the carrier at 198.18.0.1:$PA"
# Both phones talk and listen at once for 2 s (100 packets of 20 ms).
ip netns exec "$TB_AGENTS" "$R" duplex "$TB_AGENTS_IP4" 7000 "$TB_APP_IP4" "$PB" 100 6 > "$LOG.b" & RB=$!
ip netns exec "$TB_CARRIER" "$R" duplex "$TB_CARRIER_IP4" 6000 "$TB_APP_IP4" "$PA" 100 6 > "$LOG.a" & RA=$!
wait $RA $RB
read -r n src _ ok < "$LOG.b"; echo "agents received $n RTP packets from $src, payloads intact: $ok"
read -r n src _ ok < "$LOG.a"; echo "carrier received $n RTP packets from $src, payloads intact: $ok"
echo "query (per-stream counters, loss, jitter, MOS x10):"
NGC query | awk -F"'" '
    /\{/ { port = pk = lost = mos = "-" }
    /local port/ { port = $4 } /packets =>/ { pk = $2 } /lost =>/ { lost = $2 } /MOS x10/ { mos = $4 }
    /\}/ && port != "-" { printf "  stream on port %s: %s packets, lost %s, MOS x10 %s\n", port, pk, lost, mos; port = "-" }'
NGC delete >/dev/null && echo "delete: call released, ports freed"

say "Dataplane resolves next hops itself: /callplane/neigh/resolve 198.18.0.20"
tb_telemetry /callplane/neigh/resolve "$TB_AGENTS_IP4" >/dev/null
sleep 0.5
tb_telemetry /callplane/neigh

say "Live counters of port ext0 (DPDK telemetry: /callplane/ports)"
tb_telemetry /callplane/ports ext0 | grep -vE '": 0,?$'

say "Stopping (SIGTERM): ports stopped, final counters"
tb_dp_stop
sed -n '/callplane-dp: stopping/,$p' "$LOG"

say "Look further"
cat <<TXT
  Run it yourself:       source tests/testbed.sh; tb_up; tb_dp_start config/testbed.yaml /tmp/dp.log
  Live counters:         tests/lib/dptel.py --prefix \$TB_ID /callplane/stats   (also /ports /lcores /neigh /info)
  Or DPDK's own client:  dpdk-telemetry.py -f \$TB_ID
  Validate a config:     build/callplane-dp --check-config config/example.yaml
  Full dataplane log:    $LOG
TXT
