#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# NG control server: rtpengine's own client (rtpengine-ng-client) pings
# callplane-dp on the appliance address through the exception path; raw
# requests over IPv4, IPv6 and a unix socket get replies in the protocol's
# shape; a retransmitted cookie is answered from the cache; malformed
# messages get error replies (or, without a cookie, a counted drop) and
# the server keeps serving.
. "$(dirname "$0")/lib.sh"
CONF=$WORK/testbed-ng.yaml
UNIX=$WORK/ng.sock
# (and AES-GCM preferred for SDES: dataplane.srtp.prefer)
sed -e "s|cache_ttl_s: 30|cache_ttl_s: 30\n    unix: $UNIX\n    session_limit: 2|" \
    -e "s|^control:|  srtp:\n    prefer: [AEAD_AES_128_GCM]\ncontrol:|" "$SRC/config/testbed.yaml" > "$CONF"
start_dp "$CONF"
C="$SRC/tests/lib/ngclient.py"
ng() { in_carrier "$C" "$TB_APP_IP4" 2223 "$@"; }
stat() { tb_telemetry --get /callplane/stats "$1"; }

out=$(in_carrier rtpengine-ng-client --proxy-address "$TB_APP_IP4" --proxy-port 2223 ping 2>&1)
check "rtpengine-ng-client ping from the carrier gets pong" grep -q "result => 'pong'" <<<"$out"

check "ping over IPv4" test "$(ng ck1 'd7:command4:pinge')" = "ck1 d6:result4:ponge"
check "ping over IPv6" \
    test "$(in_carrier "$C" "$TB_APP_IP6" 2223 ck6 'd7:command4:pinge')" = "ck6 d6:result4:ponge"
check "ping over the unix socket" \
    test "$(in_app "$C" "unix:$UNIX" 0 cku 'd7:command4:pinge')" = "cku d6:result4:ponge"
check "list: no calls" test "$(ng ck2 'd7:command4:liste')" = "ck2 d6:result2:ok5:callslee"
out=$(ng ck3 'd7:command10:statisticse')
check "statistics: ok with current statistics" \
    bash -c "grep -q 'd6:result2:ok10:statisticsd17:currentstatisticsd' <<<'$out'"

r0=$(stat ng_retransmits); q0=$(stat ng_requests)
a=$(ng dup1 'd7:command4:liste'); b=$(ng dup1 'd7:command4:liste')
check "retransmitted cookie: identical reply" test "$a" = "$b" -a -n "$a"
check "retransmit answered from the cache, not executed" \
    test "$(stat ng_retransmits)" -eq $((r0 + 1)) -a "$(stat ng_requests)" -eq $((q0 + 1))

# A call in progress while the malformed requests arrive: untouched after.
benstr() { printf '%s:%s' "${#1}" "$1"; }
ngj() { in_carrier "$C" --json "$TB_APP_IP4" 2223 "$@"; }
jget() { python3 -c 'import json,sys; d=json.loads(sys.stdin.read() or "{}"); print(d.get(sys.argv[1], ""))' "$1"; }
SDP=$(printf 'v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\n')
live_offer=$(ng lo "d7:command5:offer7:call-id7:live-ng8:from-tag1:A3:sdp$(benstr "$SDP")e")
ng la "d7:command6:answer7:call-id7:live-ng8:from-tag1:A6:to-tag1:B3:sdp$(benstr "$SDP")e" >/dev/null
live_q0=$(ng lq0 "d7:command5:query7:call-id7:live-nge" | sed 's/^lq0 //')

# Malformed requests: each must get an error reply naming the problem.
n=0; bad=0
while IFS='|' read -r payload reason; do
    [ -z "$payload" ] && continue
    n=$((n + 1))
    out=$(ng "m$n" "$payload")
    if [[ "$out" != "m$n d6:result5:error12:error-reason"*"$reason"* ]]; then
        echo "  malformed #$n '$payload': got '$out', want reason '$reason'"; bad=$((bad + 1))
    fi
done <<'CASES'
x|Malformed message: offset 0: unexpected byte
d|unterminated dict
d7:command|unterminated dict
d7:command4:ping|unterminated dict
d7:command4:pingee|trailing bytes
d7:command4:pinge trailing|trailing bytes
l7:command4:pinge|not a dictionary
i42e|not a dictionary
4:ping|not a dictionary
de|Unrecognized command
d7:command4:PINGe|Unrecognized command
d7:command5:pingxe|Unrecognized command
d7:commandi1ee|Unrecognized command
d7:commandle4:ping|unterminated dict
d7:commandd4:pinge4:pinge|dict key without a value
di1e4:pinge|dict key must be a string
d7:command4:ping7:command4:pinge|duplicate key
d99999999999:command4:pinge|runs past the end
d7:command4:pin|runs past the end
d07:command4:pinge|leading zero
d7:command4:query|dict key must be a string
d7:command5:querye|No call-id in message
d7:command5:query7:call-id3:abce|Unknown call-id
d7:command6:delete7:call-id3:abce|Unknown call-id
d7:command6:deletee|No call-id in message
d7:command5:offer7:call-id3:abc3:sdp3:v=0e|No from-tag in message
d7:command5:offer7:call-id3:abc8:from-tag1:a3:sdp3:v=1e|Failed to parse SDP: line 1: SDP must start with v=0
d7:command5:offer7:call-id3:abc8:from-tag1:ae|No SDP body in message
d7:command5:offer8:from-tag1:a3:sdp3:v=0e|No call-id in message
d7:command5:offer7:call-id3:abc8:from-tag1:a3:sdp3:v=0e|SDP has no media
d7:command6:answer7:call-id3:abce|No to-tag in message
d7:command6:answer7:call-id6:nosuch6:to-tag1:b3:sdp3:v=0e|Unknown call-id
d7:command15:start recordinge|No call-id in message
d7:command14:stop recording7:call-id1:xe|Unknown call-id
d7:command15:start recording7:call-id7:live-ng6:format3:mp3e|format must be wav or opus
d7:command15:start recording7:call-id7:live-ng8:customer5:agente|customer must be caller or callee
d7:command15:start recording7:call-id7:live-ng8:metadatai5ee|metadata must be a string
d7:command15:pause recording7:call-id7:live-nge|The call is not being recorded
d4:flagli-0eee|negative zero
d5:flagsllllllllllllllllllllllllllllllllllllllllll|nested deeper than 32
d7:command4:ping3:xyzi00ee|leading zero
d7:command5:offer7:call-id3:opt8:from-tag1:a3:ICE6:remove3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|Option 'ICE' is not supported
d7:command5:offer7:call-id3:opt8:from-tag1:a4:SDESl3:offe3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|SDES option 'off' is not supported (no-<suite>, only-<suite>)
d7:command5:offer7:call-id3:opt8:from-tag1:a5:flagsl10:asymmetrice3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|Flag 'asymmetric' is not supported
d7:command5:offer7:call-id3:opt8:from-tag1:a5:flags3:all3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|flags must be a list
d7:command5:offer7:call-id3:opt8:from-tag1:a18:transport-protocol17:UDP/TLS/RTP/SAVPF3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|Transport protocol 'UDP/TLS/RTP/SAVPF' is not supported
d7:command5:offer7:call-id3:opt8:from-tag1:a4:T.38l6:decodee3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|Option 'T.38' is not supported
d7:command5:offer7:call-id3:opt8:from-tag1:a3:sdp68:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\ne|line 4: a=rtpmap must be
d7:command6:answer7:call-id7:live-ng8:from-tag1:A6:to-tag1:B5:codecd5:stripl3:allee3:sdp51:v=0\r\nc=IN IP4 198.18.0.10\r\nm=audio 6000 RTP/AVP 0\r\ne|Option 'codec' is not supported
CASES
check "$n malformed NG and SDP messages all got the right error reply" test "$bad" -eq 0 -a "$n" -ge 30
check "the call in progress is untouched (same query reply)" \
    test "$(ng lq1 "d7:command5:query7:call-id7:live-nge" | sed 's/^lq1 //')" = "$live_q0"
check "and it is the only call" test "$(ng ll 'd7:command4:liste')" = "ll d6:result2:ok5:callsl7:live-ngee"
check "the refused offers allocated nothing" grep -q "^lo d6:result2:ok" <<<"$live_offer"
ng ld "d7:command6:delete7:call-id7:live-nge" >/dev/null

# An offer whose rewritten SDP would not fit in a reply datagram: the
# client gets a clear error and no call is left holding ports.
big=$(in_app python3 - 127.0.0.1 <<'PY'
import socket, sys
sdp = "v=0\r\nc=IN IP4 198.18.0.10\r\n" + "".join(f"m=audio {6000 + 2 * i} RTP/AVP 0\r\n" for i in range(16))
while len(sdp) < 65300 - 140:
    sdp += "a=x-filler:" + "f" * 120 + "\r\n"
msg = b"big1 d7:command5:offer7:call-id6:big-178:from-tag1:A3:sdp%d:%se" % (len(sdp), sdp.encode())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(msg, (sys.argv[1], 2223))
print(s.recv(65535).decode("latin-1")[:200])
PY
)
echo "# big offer reply: ${big:0:160}"
check "an offer whose reply would be too large gets a clear error" grep -qE "Reply too large|SDP too large to rewrite" <<<"$big"
check "and leaves no call behind" test "$(ng lbig 'd7:command4:liste')" = "lbig d6:result2:ok5:callslee"

m0=$(stat ng_malformed)
check "no cookie: no reply" test "$(ng --raw 'd7:command4:pinge')" = "NO-REPLY"
check "cookie with control byte: no reply" test "$(ng --raw 'a\x01b d7:command4:pinge')" = "NO-REPLY"
check "cookie only: no reply" test "$(ng --raw 'lonely')" = "NO-REPLY"
check "cookieless datagrams counted as ng_malformed" test "$(stat ng_malformed)" -ge $((m0 + 3))
check "still serving after all of it" test "$(ng ck9 'd7:command4:pinge')" = "ck9 d6:result4:ponge"
check "errors counted" test "$(stat ng_errors)" -ge 30

# SDES (RFC 4568) through NG: an SRTP trunk (the carrier, libsrtp) to a
# plain-RTP agent and back, the offer asking for "transport protocol"
# RTP/AVP towards the agent; audio byte-identical after decryption both
# ways; replayed and tampered packets dropped and counted, never
# forwarded; a forged-SRTP spray from the rogue host captures nothing.
S=${SRTPTOOL:-$SRC/build/tests/srtptool}
D="$SRC/tests/lib/dtmf.py"
head -c 48000 /dev/urandom | python3 -c 'import sys; d=sys.stdin.buffer.read(); sys.stdout.buffer.write(bytes(b | 1 for b in d))' > "$WORK/audio.ul"
for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 AEAD_AES_128_GCM; do
    KEY=$("$S" key $suite)
    SDPS=$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/SAVP 0\r\na=crypto:7 %s inline:%s|2^31\r\n' "$TB_CARRIER_IP4" "$suite" "$KEY")
    SDPP=$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 7100 RTP/AVP 0\r\n' "$TB_AGENTS_IP4")
    o=$(ngj "so$suite" "d7:command5:offer7:call-id2:s18:from-tag1:A18:transport-protocol7:RTP/AVP3:sdp$(benstr "$SDPS")e")
    a=$(ngj "sa$suite" "d7:command6:answer7:call-id2:s18:from-tag1:A6:to-tag1:B3:sdp$(benstr "$SDPP")e")
    osdp=$(jget sdp <<<"$o"); asdp=$(jget sdp <<<"$a")
    PB=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' <<<"$osdp" | tr -d '\r')
    PA=$(sed -n 's/^m=audio \([0-9]*\) .*/\1/p' <<<"$asdp" | tr -d '\r')
    OURKEY=$(sed -n "s/^a=crypto:7 $suite inline:\([^|[:space:]]*\).*/\1/p" <<<"$asdp" | tr -d '\r')
    check "$suite: the agent is offered plain RTP/AVP with no key" \
        that "grep -q 'm=audio [0-9]* RTP/AVP 0' <<<\"\$osdp\" && ! grep -q crypto <<<\"\$osdp\""
    check "$suite: the carrier's answer is RTP/SAVP with our own key, same tag and suite" \
        that "grep -q 'm=audio [0-9]* RTP/SAVP 0' <<<\"\$asdp\" && test -n '$OURKEY' -a '$OURKEY' != '$KEY'"
    d0=$(stat srtp_decrypted); f0=$(stat drop_srtp_auth); r0=$(stat drop_srtp_replay)
    rm -f "$WORK/agent.cap" "$WORK/carrier.dec"
    in_agents python3 "$D" capture "$TB_AGENTS_IP4" 7100 20 "$WORK/agent.cap" > "$WORK/agent.n" &
    CAP=$!
    sleep 0.3
    in_rogue python3 - "$TB_ROGUE_IP4" "$TB_APP_IP4" "$PA" > /dev/null <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 0))
for i in range(150):   # forged SRTP: an RTP header, junk and a made-up tag
    s.sendto(bytes([0x80, 0, i >> 8, i & 255]) + os.urandom(8) + os.urandom(170), (sys.argv[2], int(sys.argv[3])))
    time.sleep(0.01)
EOF
    SPRAY=$!
    sent=$(in_carrier "$S" send $suite "$KEY" "$TB_CARRIER_IP4" 6100 "$TB_APP_IP4" "$PA" "$WORK/audio.ul" 0 20 10)
    wait $CAP $SPRAY
    # and back: the agent's plain RTP reaches the carrier as SRTP
    in_carrier "$S" recv $suite "$OURKEY" "$TB_CARRIER_IP4" 6100 20 "$WORK/carrier.dec" > "$WORK/carrier.n" &
    RCV=$!
    sleep 0.3
    in_agents python3 "$D" sendraw "$TB_AGENTS_IP4" 7100 "$TB_APP_IP4" "$PB" "$WORK/audio.ul" 0 > /dev/null
    wait $RCV
    got=$(cat "$WORK/agent.n")
    read -r rn rok rbad rrep < "$WORK/carrier.n"
    check "$suite: SRTP -> RTP: the agent got exactly the $sent packets, audio byte-identical ($got received)" \
        python3 - "$WORK/agent.cap" "$WORK/audio.ul" "$sent" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1])]
pay = b"".join(bytes.fromhex(r[6]) for r in rows)
sys.exit(not (len(rows) == int(sys.argv[3]) and pay == open(sys.argv[2], "rb").read()[:len(pay)]
              and len(pay) == 160 * int(sys.argv[3])))
EOF
    check "$suite: RTP -> SRTP: libsrtp at the carrier authenticates all $rok of $rn and the audio is byte-identical" \
        that "test '$rok' -eq 300 -a '$rbad' -eq 0 && cmp -s '$WORK/carrier.dec' '$WORK/audio.ul'"
    fa=$(( $(stat drop_srtp_auth) - f0 )); fr=$(( $(stat drop_srtp_replay) - r0 ))
    # a forged packet whose sequence number is far behind is refused as
    # too old before its tag is even checked (as libsrtp does)
    check "$suite: 10 tampered, 20 replayed and 150 forged packets: all 180 dropped and counted ($fa failed authentication, $fr replayed or too old)" \
        test $((fa + fr)) -eq 180 -a "$fa" -ge 10 -a "$fr" -ge 20
    check "$suite: every genuine packet decrypted once ($(( $(stat srtp_decrypted) - d0 )))" \
        test $(( $(stat srtp_decrypted) - d0 )) -eq 300
    q=$(ng "sq$suite" "d7:command5:query7:call-id2:s1e")
    nd=$(grep -o '12:dropped SRTPi[0-9]*e' <<<"$q" | tr -dc '0-9\n' | sed 's/^12//' | sort -n | tail -1)
    check "$suite: NG query names the carrier streams' SRTP suite and counts their refused packets (${nd:-none} of the 180 tampered, replayed and forged)" \
        that "grep -q '10:SRTP suite${#suite}:$suite' <<<\"\$q\" && test '${nd:-0}' -eq 180"
    ng "sd$suite" "d7:command6:delete7:call-id2:s1e" > /dev/null
done
REP=$(ng so2 "d7:command5:offer7:call-id2:s28:from-tag1:A3:sdp$(benstr "$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31|1:4\r\n' "$TB_CARRIER_IP4")")e")
check "an offer whose only key has an MKI is refused clearly" grep -q "No usable a=crypto" <<<"$REP"
REP=$(ng so4 "d7:command5:offer7:call-id2:s48:from-tag1:A3:sdp$(benstr "$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20\r\n' "$TB_CARRIER_IP4")")e")
check "a key lifetime that would need re-keying (2^20) is refused clearly" \
    grep -q "key lifetime under 2^31 packets: re-keying is not supported" <<<"$REP"
# NG "SDES" options: only-/no-<suite> pick what is accepted and offered
TWO=$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n' "$TB_CARRIER_IP4")
REP=$(ng so5 "d7:command5:offer7:call-id2:s58:from-tag1:A4:SDESl21:only-AEAD_AES_128_GCMe3:sdp$(benstr "$TWO")e")
check "SDES only-AEAD_AES_128_GCM: an offer without that suite is refused" grep -q "No usable a=crypto" <<<"$REP"
REP=$(ng so6 "d7:command5:offer7:call-id2:s68:from-tag1:A18:transport protocol7:RTP/AVP4:SDESl26:no-AES_CM_128_HMAC_SHA1_80e3:sdp$(benstr "$TWO")e")
REP2=$(ng sa6 "d7:command6:answer7:call-id2:s68:from-tag1:A6:to-tag1:B3:sdp$(benstr "$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 7100 RTP/AVP 0\r\n' "$TB_AGENTS_IP4")")e")
check "SDES no-AES_CM_128_HMAC_SHA1_80: the offerer's second key (SHA1_32, tag 2) is the one answered" \
    grep -q "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" <<<"$REP2"
ng sd6 "d7:command6:delete7:call-id2:s6e" >/dev/null
PLAIN=$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/AVP 0\r\n' "$TB_CARRIER_IP4")
REP=$(ng so7 "d7:command5:offer7:call-id2:s78:from-tag1:A18:transport protocol8:RTP/SAVP5:flagsl26:SDES-only-AEAD_AES_256_GCMe3:sdp$(benstr "$PLAIN")e")
check "RTP to SRTP with the flag SDES-only-AEAD_AES_256_GCM: the SRTP leg is offered that suite" \
    grep -q "a=crypto:1 AEAD_AES_256_GCM inline:" <<<"$REP"
ng sd7 "d7:command6:delete7:call-id2:s7e" >/dev/null
# dataplane.srtp.prefer [AEAD_AES_128_GCM]: taken from an offer that lists
# it second, and offered first to a leg the relay makes SRTP
GCMK=$("$S" key AEAD_AES_128_GCM)
PREF=$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\na=crypto:2 AEAD_AES_128_GCM inline:%s\r\n' "$TB_CARRIER_IP4" "$GCMK")
REP=$(ng so9 "d7:command5:offer7:call-id2:s98:from-tag1:A18:transport protocol7:RTP/AVP3:sdp$(benstr "$PREF")e")
REP2=$(ng sa9 "d7:command6:answer7:call-id2:s98:from-tag1:A6:to-tag1:B3:sdp$(benstr "$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 7100 RTP/AVP 0\r\n' "$TB_AGENTS_IP4")")e")
check "srtp.prefer AEAD_AES_128_GCM: of an offer listing SHA1_80 first and GCM second, GCM (tag 2) is answered" \
    that "grep -q 'a=crypto:2 AEAD_AES_128_GCM inline:' <<<\"\$REP2\" && ! grep -q 'AES_CM_128_HMAC_SHA1_80' <<<\"\$REP2\""
ng sd9 "d7:command6:delete7:call-id2:s9e" >/dev/null
REP=$(ng so10 "d7:command5:offer7:call-id3:s108:from-tag1:A18:transport protocol8:RTP/SAVP3:sdp$(benstr "$PLAIN")e")
check "srtp.prefer AEAD_AES_128_GCM: RTP to SRTP with no SDES options offers the SRTP leg AES-GCM" \
    grep -q "a=crypto:1 AEAD_AES_128_GCM inline:" <<<"$REP"
ng sd10 "d7:command6:delete7:call-id3:s10e" >/dev/null
REP=$(ng so8 "d7:command5:offer7:call-id2:s88:from-tag1:A4:SDESl14:no-AES_999_XYZe3:sdp$(benstr "$TWO")e")
check "an SDES option naming an unknown suite is refused by name" \
    grep -q "SDES option 'no-AES_999_XYZ' names a suite this relay does not have" <<<"$REP"
REP=$(ng so3 "d7:command5:offer7:call-id2:s38:from-tag1:A3:sdp$(benstr "$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6100 RTP/SAVP 0\r\n' "$TB_CARRIER_IP4")")e")
check "an RTP/SAVP offer without a=crypto is refused clearly" grep -q "without a=crypto" <<<"$REP"

# Session limit 2: a third offer is refused; with "supports: load limit"
# it gets the protocol's own "load limit" result so the proxy sheds it.
offer() { ng "$1" "d7:command5:offer7:call-id$(benstr "$1")8:from-tag1:A${2:-}3:sdp$(benstr "$SDP")e"; }
check "first offer under the limit" grep -q "^lim1 d6:result2:ok" <<<"$(offer lim1)"
check "second offer under the limit" grep -q "^lim2 d6:result2:ok" <<<"$(offer lim2)"
check "third offer refused with a clear error" \
    grep -q "Parallel session limit reached" <<<"$(offer lim3)"
check "third offer from a client that supports it: result 'load limit'" \
    grep -q "^lim4 d6:result10:load limit" <<<"$(offer lim4 '8:supportsl10:load limite')"
ng dl1 "d7:command6:delete7:call-id4:lim1e" >/dev/null
check "after a delete, an offer fits again" grep -q "^lim5 d6:result2:ok" <<<"$(offer lim5)"

tb_dp_stop; rc=$?
check "clean exit" test "$rc" -eq 0
check "unix socket removed at exit" test ! -e "$UNIX"
finish
