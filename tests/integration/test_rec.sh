#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Call recording on the test bed, as a contact centre would check it.
#  1. Three 60-second calls at once, each with known audio both ways (a
#     generated sweep from the carrier as A-law, espeak-ng speech from the
#     agent as mu-law): one recorded to WAV through "start recording"
#     (with labels and metadata), one to Ogg/Opus through the offer's
#     "record call", one to WAV with 5% of the carrier's packets lost in
#     the switch. Each file: ffprobe/opusinfo accept it; the customer is
#     on the left; each channel matches what that party sent (normalised
#     cross-correlation > 0.99 for WAV, > 0.9 for Opus); the duration is
#     within 40 ms of the time between start and stop; the timeline does
#     not slip (the last 10 s sit where the first 10 s say they should,
#     also with loss); sidecar and "recording" event carry call-id, tags,
#     labels, participants, codecs, times, metadata, bytes and a sha256
#     that matches the file. Pause writes silence; DTMF blocked makes that
#     party silent. An SRTP call (SDES, libsrtp at the carrier) is recorded
#     as clear audio.
#  2. kill -9 of callplane-dp mid-call: the partial WAV and Opus files play
#     up to at most 2 s before the kill; the next start finishes them
#     (status "recovered", event sent).
#  3. Record-all on a queue in callplane-cp's config: a SIPp call through
#     the control plane is recorded (caller left, agent right) with the
#     trunk, queue, DID, caller and agent as metadata; logged and counted.
#  4. A small filesystem image fills up mid-call: the recording stops with
#     a "disk-full" event and counter, its file is whole and plays, no
#     partial files remain, the relay forwards every packet; below the
#     free-space floor a new recording is refused with a clear error.
. "$(dirname "$0")/lib.sh"
command -v ffprobe >/dev/null && command -v opusinfo >/dev/null ||
    { echo "FAIL - ffprobe and opusinfo are needed (.ci/install)"; exit 1; }
PY=/usr/bin/python3
export CALLPLANE_DP=${CALLPLANE_DP:-$SRC/build/callplane-dp}
C="$SRC/tests/lib/ngclient.py"
D="$SRC/tests/lib/dtmf.py"
R="$SRC/tests/lib/rec_check.py"
EV=$WORK/events.sock
REC=$WORK/rec
mkconf() { # OUT DIR [extra recording lines]
    sed -e "s|    unix: \"@callplane-events\"|    unix: $EV\n  recording:\n    dir: $2\n    flush_ms: 1000${3:-}|" \
        "$SRC/config/testbed.yaml" > "$1"
    grep -q "dir: $2" "$1" || { echo "FAIL - test setup: no recording section"; exit 1; }
}
CONF=$WORK/testbed-rec.yaml
mkconf "$CONF" "$REC"
start_dp "$CONF"
ng() { in_carrier "$C" "$TB_APP_IP4" 2223 "$@"; }
ngj() { in_carrier "$C" --json "$TB_APP_IP4" 2223 "$@"; }
benstr() { printf '%s:%s' "${#1}" "$1"; }
sdp() { # ADDR PORT PT
    printf 'v=0\r\nc=IN IP4 %s\r\nm=audio %s RTP/AVP %s\r\n' "$1" "$2" "$3"
}
port_in() { $PY -c 'import re,sys; m=re.search(r"m=audio (\d+) ", sys.stdin.read()); print(m.group(1) if m else "")'; }
# call NAME CARRIER-PORT AGENT-PORT [extra offer bencode]: sets PA (where
# the carrier sends: the answer's port) and PB (the agent: the offer's)
call() {
    local rep
    rep=$(ng "o$1" "d7:command5:offer7:call-id$(benstr "$1")8:from-tag$(benstr "A-$1")5:label8:customer3:sdp$(benstr "$(sdp "$TB_CARRIER_IP4" "$2" 8)")${4:-}e")
    PB=$(port_in <<<"$rep")
    rep=$(ng "a$1" "d7:command6:answer7:call-id$(benstr "$1")8:from-tag$(benstr "A-$1")6:to-tag$(benstr "B-$1")5:label5:agent3:sdp$(benstr "$(sdp "$TB_AGENTS_IP4" "$3" 0)")e")
    PA=$(port_in <<<"$rep")
}
events() { # TYPE CALL: that call's events of that type, one JSON per line
    $PY - "$WORK/events.log" "$1" "$2" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e.get("type") == sys.argv[2] and e.get("call-id") == sys.argv[3]:
        print(json.dumps(e))
EOF
}
jget() { $PY -c 'import json,sys; d=json.loads(sys.stdin.read() or "{}"); v=d
for k in sys.argv[1].split("."): v = v[int(k)] if isinstance(v, list) else v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$1"; }
dstat() { tb_telemetry --get /callplane/stats "$1"; }
# the midpoint of the last NG request's round trip (ms), see ngclient.py
last_ng_ms() { tail -1 "$WORK/ngtimes"; }
export NG_TIMES=$WORK/ngtimes

"$SRC/tests/lib/evlisten.py" "$EV" "$WORK/events.log" 900 & TB_PIDS+=($!)
$PY "$R" gen "$WORK/sweep.al" "$WORK/speech.ul" 60 ||
    { echo "FAIL - could not generate the test audio"; exit 1; }
sleep 0.3

# --- 1. three 60-second calls at once
call rw 6000 7000
RW_PA=$PA RW_PB=$PB
call ro 6002 7002 "11:record call3:yes6:format4:opus8:metadata13:queue=billing"
RO_PA=$PA RO_PB=$PB
RO_T0=$(tail -2 "$WORK/ngtimes" | head -1)   # the offer's (record call)
call rl 6004 7004
RL_PA=$PA RL_PB=$PB
RL_PATH=$(ngj srl "d7:command15:start recording7:call-id2:rle" | jget recording)
RL_T0=$(last_ng_ms)
# the WAV call: start recording over NG, with metadata and a label
RW_PATH=$(ngj srw "d7:command15:start recording7:call-id2:rw8:metadata27:customer=4711;queue=support5:label8:customere" | jget recording)
RW_T0=$(last_ng_ms)
check "start recording answers with the file's path ($RW_PATH), written as .part" \
    wait_for 2 test -n "$RW_PATH" -a -f "$RW_PATH.part"
switch_loss "$RL_PA" 5
for c in rw:6000:7000:$RW_PA:$RW_PB ro:6002:7002:$RO_PA:$RO_PB rl:6004:7004:$RL_PA:$RL_PB; do
    IFS=: read -r n cp ap pa pb <<<"$c"
    in_carrier $PY "$D" sendraw "$TB_CARRIER_IP4" "$cp" "$TB_APP_IP4" "$pa" "$WORK/sweep.al" 8 > "$WORK/$n.csent" &
    in_agents $PY "$D" sendraw "$TB_AGENTS_IP4" "$ap" "$TB_APP_IP4" "$pb" "$WORK/speech.ul" 0 > "$WORK/$n.asent" &
done
wait_senders() { while pgrep -f "dtmf.py sendraw" >/dev/null; do sleep 0.2; done; }
# meanwhile: pause and "block DTMF" on a fourth call (12 s of sweep from
# the carrier): both must leave silence where they were in force
head -c 96000 "$WORK/sweep.al" > "$WORK/sweep12.al"
call rp 6006 7006
ng srp "d7:command15:start recording7:call-id2:rpe" >/dev/null; P0=$(last_ng_ms)
in_carrier $PY "$D" sendraw "$TB_CARRIER_IP4" 6006 "$TB_APP_IP4" "$PA" "$WORK/sweep12.al" 8 > /dev/null &
sleep 2; ng prp "d7:command15:pause recording7:call-id2:rpe" >/dev/null; P1=$(last_ng_ms)
sleep 2; ng rrp "d7:command15:start recording7:call-id2:rpe" >/dev/null; P2=$(last_ng_ms)
sleep 2; ng brp "d7:command10:block DTMF7:call-id2:rp8:from-tag4:A-rpe" >/dev/null; P3=$(last_ng_ms)
sleep 2; ng urp "d7:command12:unblock DTMF7:call-id2:rp8:from-tag4:A-rpe" >/dev/null; P4=$(last_ng_ms)
sleep 2; ng xrp "d7:command6:delete7:call-id2:rpe" >/dev/null
wait_senders
LOST=$(switch_loss_end)
sleep 0.5
ng xrw "d7:command14:stop recording7:call-id2:rwe" >/dev/null; RW_T1=$(last_ng_ms)
ng xro "d7:command6:delete7:call-id2:roe" >/dev/null; RO_T1=$(last_ng_ms)
ng xrl "d7:command6:delete7:call-id2:rle" >/dev/null; RL_T1=$(last_ng_ms)
check "the loss test lost packets in the switch ($LOST)" test "${LOST:-0}" -gt 20
wait_for 10 test "$(events recording rw | wc -l)" -ge 1 -a "$(events recording ro | wc -l)" -ge 1 -a "$(events recording rl | wc -l)" -ge 1
for n in rw ro rl; do events recording $n > "$WORK/$n.ev"; done
cat "$WORK/rw.ev" "$WORK/ro.ev" "$WORK/rl.ev"
RW_FILE=$(jget path < "$WORK/rw.ev"); RO_FILE=$(jget path < "$WORK/ro.ev"); RL_FILE=$(jget path < "$WORK/rl.ev")
check "one recording event per call, each naming an existing file" \
    test -f "$RW_FILE" -a -f "$RO_FILE" -a -f "$RL_FILE"
check "no partial files are left" test -z "$(ls "$REC" | grep '\.part$')"
check "ffprobe accepts the WAV files (pcm_s16le, stereo, 8 kHz)" that \
    "ffprobe -v error -show_entries stream=codec_name,channels,sample_rate -of csv=p=0 '$RW_FILE' | grep -qx 'pcm_s16le,8000,2' &&
     ffprobe -v error -show_entries stream=codec_name,channels,sample_rate -of csv=p=0 '$RL_FILE' | grep -qx 'pcm_s16le,8000,2'"
check "opusinfo and ffprobe accept the Ogg/Opus file" that \
    "opusinfo '$RO_FILE' >/dev/null 2>&1 && ffprobe -v error -show_entries stream=codec_name -of csv=p=0 '$RO_FILE' | grep -qx opus"
for n in rw ro rl; do
    f=$(jget path < "$WORK/$n.ev")
    check "$n: the event's sha256 and bytes match the file" that \
        "test \"\$(sha256sum '$f' | cut -d' ' -f1)\" = \"\$(jget sha256 < '$WORK/$n.ev')\" &&
         test \"\$(stat -c %s '$f')\" = \"\$(jget bytes < '$WORK/$n.ev')\""
done
analyze() { $PY "$R" analyze "$1" "$WORK/sweep.al" alaw "$WORK/speech.ul" ulaw; }
AW=$(analyze "$RW_FILE"); echo "rw: $AW"
AO=$(analyze "$RO_FILE"); echo "ro: $AO"
AL=$(analyze "$RL_FILE"); echo "rl: $AL"
ge() { $PY -c "import sys; sys.exit(not (float(sys.argv[1]) > float(sys.argv[2])))" "$1" "$2"; }
absle() { $PY -c "import sys; sys.exit(not (abs(float(sys.argv[1])) <= float(sys.argv[2])))" "$1" "$2"; }
check "WAV: the customer (sweep) on the left, ncc $(jget left.ncc <<<"$AW") > 0.99" ge "$(jget left.ncc <<<"$AW")" 0.99
check "WAV: the agent (speech) on the right, ncc $(jget right.ncc <<<"$AW") > 0.99" ge "$(jget right.ncc <<<"$AW")" 0.99
check "Opus: left ncc $(jget left.ncc <<<"$AO") > 0.9" ge "$(jget left.ncc <<<"$AO")" 0.9
check "Opus: right ncc $(jget right.ncc <<<"$AO") > 0.9" ge "$(jget right.ncc <<<"$AO")" 0.9
check "5% loss: each channel still matches (ncc left $(jget left.ncc <<<"$AL"), right $(jget right.ncc <<<"$AL") > 0.9)" that \
    "ge $(jget left.ncc <<<"$AL") 0.9 && ge $(jget right.ncc <<<"$AL") 0.9"
for n in rw ro rl; do
    case $n in rw) A=$AW t0=$RW_T0 t1=$RW_T1 ;; ro) A=$AO t0=$RO_T0 t1=$RO_T1 ;; rl) A=$AL t0=$RL_T0 t1=$RL_T1 ;; esac
    dur=$(jget duration <<<"$A")
    wall=$($PY -c "print(round($t1 - $t0, 1))")
    # the stop happens after the test's clock read; NG round trips are a few ms
    check "$n: duration ${dur}s within 40 ms of start..stop (${wall} ms)" \
        absle "$($PY -c "print(float('$dur') * 1000 - $wall)")" 40
    for ch in left right; do
        f=$(jget "$ch.first_lag_ms" <<<"$A") l=$(jget "$ch.last_lag_ms" <<<"$A")
        check "$n $ch: no slip over the call (first 10 s at $f ms, last 10 s at $l ms)" \
            absle "$($PY -c "print($l - $f)")" 2
    done
done
check "the sidecar is next to the file, with the event's fields" $PY - "$RW_FILE" "$WORK/rw.ev" <<'EOF'
import json, sys
f, ev = sys.argv[1], json.loads(open(sys.argv[2]).read())
side = json.load(open(f.rsplit(".", 1)[0] + ".json"))
p = side["participants"]
want = {
    "ids": (side["call-id"], side["from-tag"], side["to-tag"]) == ("rw", "A-rw", "B-rw"),
    "metadata": side["metadata"] == "customer=4711;queue=support",
    "left": (p[0]["channel"], p[0]["role"], p[0]["label"], p[0]["tag"], p[0]["codec"]) ==
            ("left", "customer", "customer", "A-rw", "PCMU"),
    "right": (p[1]["channel"], p[1]["label"], p[1]["tag"], p[1]["codec"]) ==
             ("right", "agent", "B-rw", "PCMU"),
    "addresses": p[0]["address"].startswith("198.18.0.10:") and p[1]["address"].startswith("198.18.0.20:"),
    # negotiated (the answer's first format) vs what each party's packets carried
    "codecs seen": side["codecs"] == ["PCMA", "PCMU"],
    "status": (side["status"], side["format"], side["path"]) == ("complete", "wav", f),
    "same as event": all(side[k] == ev[k] for k in ("sha256", "bytes", "duration", "start", "end", "metadata")),
    "times": side["start"] < side["end"],
}
bad = [k for k, v in want.items() if not v]
if bad:
    print("wrong:", bad, json.dumps(side)[:600])
sys.exit(bool(bad))
EOF
wait_for 5 test "$(events recording rp | wc -l)" -ge 1
RP_FILE=$(events recording rp | jget path)
rp_rms() { $PY "$R" rms "$RP_FILE" 0 "$($PY -c "print(($1 - $P0) / 1000)")" "$($PY -c "print(($2 - $P0) / 1000)")"; }
span() { $PY -c "print($1 + $2)"; }
R_ON1=$(rp_rms "$(span $P0 1000)" "$(span $P1 -300)")
R_PAUSE=$(rp_rms "$(span $P1 300)" "$(span $P2 -300)")
R_ON2=$(rp_rms "$(span $P2 300)" "$(span $P3 -300)")
R_BLOCK=$(rp_rms "$(span $P3 300)" "$(span $P4 -300)")
R_ON3=$(rp_rms "$(span $P4 300)" "$(span $P4 1500)")
check "pause writes silence, start resumes (left RMS: $R_ON1 on, $R_PAUSE paused, $R_ON2 resumed)" that \
    "ge $R_ON1 3000 && ge 1 $R_PAUSE && ge $R_ON2 3000"
check "DTMF blocked: that party is silent in the recording ($R_BLOCK), then heard again ($R_ON3)" that \
    "ge 1 $R_BLOCK && ge $R_ON3 3000"
check "the event gives the paused time ($(events recording rp | jget paused) s of $($PY -c "print(($P2 - $P1) / 1000)"))" \
    absle "$($PY -c "print($(events recording rp | jget paused) - ($P2 - $P1) / 1000)")" 0.05
check "Opus via the offer's record call: metadata and format in the event" that \
    "test \"\$(jget metadata < '$WORK/ro.ev')\" = queue=billing -a \"\$(jget format < '$WORK/ro.ev')\" = opus"
check "every relayed RTP packet was placed or counted (rec_packets $(dstat rec_packets), late $(dstat rec_late), ring full $(dstat rec_ring_full))" \
    test "$(dstat rec_packets)" -ge 15000 -a "$(dstat rec_ring_full)" -eq 0

# an SRTP call (the carrier keys it with SDES; libsrtp sends) is recorded
# as clear audio: the relay decrypts before the recorder sees a packet
S=${SRTPTOOL:-$SRC/build/tests/srtptool}
KEY=$("$S" key AES_CM_128_HMAC_SHA1_80)
SAVP=$(printf 'v=0\r\nc=IN IP4 %s\r\nm=audio 6040 RTP/SAVP 8\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n' "$TB_CARRIER_IP4" "$KEY")
ng os "d7:command5:offer7:call-id2:sc8:from-tag3:A-s18:transport-protocol7:RTP/AVP3:sdp$(benstr "$SAVP")e" >/dev/null
REP=$(ng as "d7:command6:answer7:call-id2:sc8:from-tag3:A-s6:to-tag3:B-s3:sdp$(benstr "$(sdp "$TB_AGENTS_IP4" 7040 0)")e")
SPA=$(port_in <<<"$REP")
SPB=$(ngj qs "d7:command5:query7:call-id2:sce" | $PY -c 'import json,sys; print(json.load(sys.stdin)["streams"][2]["local port"])')
ng ss "d7:command15:start recording7:call-id2:sce" >/dev/null
head -c 40000 "$WORK/sweep.al" > "$WORK/sweep5.al"
head -c 40000 "$WORK/speech.ul" > "$WORK/speech5.ul"
# the agent talks back in plain RTP, which leaves encrypted towards the carrier
in_agents $PY "$D" sendraw "$TB_AGENTS_IP4" 7040 "$TB_APP_IP4" "$SPB" "$WORK/speech5.ul" 0 > /dev/null &
in_carrier "$S" send AES_CM_128_HMAC_SHA1_80 "$KEY" "$TB_CARRIER_IP4" 6040 "$TB_APP_IP4" "$SPA" "$WORK/sweep5.al" 8 > /dev/null
wait_senders
ng ds "d7:command6:delete7:call-id2:sce" >/dev/null
wait_for 5 test "$(events recording sc | wc -l)" -ge 1
SCF=$(events recording sc | jget path)
ASC=$($PY "$R" analyze "$SCF" "$WORK/sweep5.al" alaw "$WORK/speech5.ul" ulaw 2>/dev/null); echo "srtp: $ASC"
check "an SRTP call is recorded as clear audio: the SRTP carrier (left ncc $(jget left.ncc <<<"$ASC")) and the plain agent whose audio leaves encrypted (right ncc $(jget right.ncc <<<"$ASC"))" \
    that "ge $(jget left.ncc <<<"$ASC") 0.99 && ge $(jget right.ncc <<<"$ASC") 0.99"

# --- 2. kill -9 mid-call: partial files play, the next start finishes them
head -c 80000 "$WORK/sweep.al" > "$WORK/sweep10.al"
call k1 6010 7010; K1_PA=$PA
ng sk1 "d7:command15:start recording7:call-id2:k1e" >/dev/null; K1_T0=$(last_ng_ms)
call k2 6012 7012 "11:record call3:yes6:format4:opus"; K2_PA=$PA
K2_T0=$(tail -2 "$WORK/ngtimes" | head -1)
in_carrier $PY "$D" sendraw "$TB_CARRIER_IP4" 6010 "$TB_APP_IP4" "$K1_PA" "$WORK/sweep10.al" 8 >/dev/null &
in_carrier $PY "$D" sendraw "$TB_CARRIER_IP4" 6012 "$TB_APP_IP4" "$K2_PA" "$WORK/sweep10.al" 8 >/dev/null &
sleep 6.3
KILL_MS=$(date +%s%3N)
kill -9 "$TB_DP_PID"; wait "$TB_DP_PID" 2>/dev/null
wait_senders
K1P=$(ls "$REC"/*-k1-*.wav.part 2>/dev/null); K2P=$(ls "$REC"/*-k2-*.opus.part 2>/dev/null)
check "after kill -9 the partial files are there ($(basename "${K1P:-none}") $(basename "${K2P:-none}"))" \
    test -f "$K1P" -a -f "$K2P"
K1D=$($PY "$R" duration "$K1P" 2>/dev/null || echo 0)
K2D=$($PY "$R" duration "$K2P" 2>/dev/null || echo 0)
K1W=$($PY -c "print(($KILL_MS - $K1_T0) / 1000)"); K2W=$($PY -c "print(($KILL_MS - $K2_T0) / 1000)")
check "the partial WAV is valid and plays ${K1D} s of the ${K1W} s before the kill (at most 2 s lost)" that \
    "ffprobe -v error -f wav '$K1P' && ge $K1D $($PY -c "print($K1W - 2)") && ge $($PY -c "print($K1W + 0.05)") $K1D"
check "the partial Ogg/Opus plays ${K2D} s of the ${K2W} s before the kill (at most 2 s lost)" that \
    "ge $K2D $($PY -c "print($K2W - 2)") && ge $($PY -c "print($K2W + 0.05)") $K2D"
tb_dp_start "$CONF" "$WORK/dp2.log" || { echo "FAIL - callplane-dp did not restart"; finish; exit 1; }
check "the restarted dataplane finishes both (recovered events)" \
    wait_for 10 test "$(events recording k1 | jget status)" = recovered -a "$(events recording k2 | jget status)" = recovered
K1F=$(events recording k1 | jget path); K2F=$(events recording k2 | jget path)
check "no partial files remain; the finished files play (ffprobe, opusinfo)" that \
    "test -z \"\$(ls '$REC' | grep '\\.part\$')\" && ffprobe -v error '$K1F' && opusinfo '$K2F' >/dev/null 2>&1"
check "their sidecars say recovered, with the call's ids and a matching sha256" that \
    "test \"\$(jget status < '${K1F%.wav}.json')\" = recovered &&
     test \"\$(jget call-id < '${K2F%.opus}.json')\" = k2 &&
     test \"\$(sha256sum '$K1F' | cut -d' ' -f1)\" = \"\$(jget sha256 < '${K1F%.wav}.json')\""
check "recoveries are counted (rec_recovered $(dstat rec_recovered))" test "$(dstat rec_recovered)" -eq 2

# --- 3. record-all through the control plane: the support queue records
# every call it connects (SIPp's uac_pcap: G.711 A-law from the caller,
# echoed back by the agent's phone)
CP=${CALLPLANE_CP:-$SRC/build/callplane-cp}
CPCONF=$WORK/cp.yaml
cp "$CONF" "$CPCONF"
sed -i -e "s|  events: \"@callplane-events\"|  events: \"$EV\"|" \
    -e 's|^      agents: \["1001", "1002", "1003"\]$|&\n      record: true|' "$CPCONF"
grep -q "record: true" "$CPCONF" || fail "test setup: record not set on the queue"
pkill -f "evlisten.py $EV" 2>/dev/null   # callplane-cp takes the socket
sleep 0.3
ip netns exec "$TB_APP" "$CP" -c "$CPCONF" --api-socket "$WORK/cp.sock" > "$WORK/cp.log" 2>&1 &
CPPID=$!
TB_PIDS+=($CPPID)
check "callplane-cp starts" wait_for 10 grep -q ': ready' "$WORK/cp.log"
in_agents sipp -sf "$SRC/tests/sip/agent_register.xml" -i "$TB_AGENTS_IP4" -p 5190 \
    -key user 1001 -key contact_port 5081 -key expires 300 -au 1001 -ap agent1001pw \
    -m 1 -nostdin -timeout 10s "$TB_APP_IP4:5060" > "$WORK/reg.out" 2>&1
in_agents sipp -sf "$SRC/tests/sip/uas_answer.xml" -i "$TB_AGENTS_IP4" -p 5081 \
    -mi "$TB_AGENTS_IP4" -mp 7100 -rtp_echo -m 1 -nostdin -timeout 60s > "$WORK/phone.out" 2>&1 & PH=$!
mkdir -p "$WORK/uac/pcap"
ln -s /usr/share/sip-tester/g711a.pcap "$WORK/uac/pcap/g711a.pcap"
ln -s /usr/share/sip-tester/dtmf_2833_1.pcap "$WORK/uac/pcap/dtmf_2833_1.pcap"
(cd "$WORK/uac" && in_carrier sipp -sn uac_pcap -s 1000 -i "$TB_CARRIER_IP4" -p 5070 \
    -mi "$TB_CARRIER_IP4" -mp 6100 -m 1 -nostdin -timeout 60s "$TB_APP_IP4:5060" > "$WORK/uac.out" 2>&1)
rc=$?
wait $PH; ph=$?
check "SIPp uac_pcap through callplane-cp to agent 1001: both SIPp succeed" test $rc -eq 0 -a $ph -eq 0
check "the control plane logs the finished recording under the call's Call-ID" \
    wait_for 10 grep -q "recording .* complete, " "$WORK/cp.log"
grep "recording" "$WORK/cp.log"
CPF=$(sed -n 's/.*: recording \([^ ]*\) complete, .*/\1/p' "$WORK/cp.log" | tail -1)
check "the sidecar's metadata names trunk, queue, DID, caller and agent" $PY - "${CPF%.wav}.json" <<'EOF'
import json, re, sys
m = json.load(open(sys.argv[1]))["metadata"]
print("metadata:", m)
sys.exit(not re.fullmatch(r"trunk=carrier;queue=support;did=1000;caller=<?sip:[^;]*;agent=1001", m))
EOF
$PY "$R" pcap-audio /usr/share/sip-tester/g711a.pcap "$WORK/g711a.al" >/dev/null
AC=$($PY "$R" analyze "$CPF" "$WORK/g711a.al" alaw "$WORK/g711a.al" alaw); echo "cp: $AC"
check "the caller's audio on the left (ncc $(jget left.ncc <<<"$AC")), the phone's echo on the right ($(jget right.ncc <<<"$AC"))" \
    that "ge $(jget left.ncc <<<"$AC") 0.99 && ge $(jget right.ncc <<<"$AC") 0.99"
check "callplane_recordings_total: started 1, done 1" that \
    "in_app curl -s --max-time 15 http://127.0.0.1:9464/metrics | grep -qx 'callplane_recordings_total{outcome=\"started\"} 1' &&
     in_app curl -s --max-time 15 http://127.0.0.1:9464/metrics | grep -qx 'callplane_recordings_total{outcome=\"done\"} 1'"
kill $CPPID; wait $CPPID 2>/dev/null
"$SRC/tests/lib/evlisten.py" "$EV" "$WORK/events.log" 600 & TB_PIDS+=($!)
sleep 0.3

# --- 4. the disk fills up mid-call
tb_dp_stop
SMALL=$WORK/small
mkdir -p "$SMALL"
truncate -s 8M "$WORK/small.img" && mkfs.ext4 -q -F -m 0 "$WORK/small.img" &&
    mount -o loop "$WORK/small.img" "$SMALL" || { echo "FAIL - cannot mount a small filesystem image"; finish; exit 1; }
trap 'umount "$SMALL" 2>/dev/null; tb_down; rm -rf "$WORK"' EXIT
CONF3=$WORK/testbed-full.yaml
mkconf "$CONF3" "$SMALL/rec" "\n    min_free_mb: 0\n    fsync: flush"
tb_dp_start "$CONF3" "$WORK/dp3.log" || { echo "FAIL - callplane-dp did not start"; finish; exit 1; }
# leave about 300 KiB: some 9 s of stereo WAV
AVAIL=$(df -B1 --output=avail "$SMALL" | tail -1)
dd if=/dev/zero of="$SMALL/filler" bs=4096 count=$(( (AVAIL - 300 * 1024) / 4096 )) status=none
call f1 6020 7020; F1_PA=$PA; F1_PB=$PB
ng sf1 "d7:command15:start recording7:call-id2:f1e" >/dev/null
in_agents $PY "$D" recv "$TB_AGENTS_IP4" 7020 25 0 > "$WORK/f1.rx" & RX=$!
sleep 0.3
head -c 160000 "$WORK/sweep.al" > "$WORK/sweep20.al"
FSENT=$(in_carrier $PY "$D" sendraw "$TB_CARRIER_IP4" 6020 "$TB_APP_IP4" "$F1_PA" "$WORK/sweep20.al" 8)
wait $RX
read -r FRX _ < "$WORK/f1.rx"
check "forwarding is unaffected by the full disk ($FRX of $FSENT packets reached the agent)" \
    test "${FRX:-0}" -eq "$FSENT"
check "the recording stopped with a disk-full event" wait_for 5 test "$(events recording f1 | jget status)" = disk-full
F1F=$(events recording f1 | jget path)
F1D=$($PY "$R" duration "$F1F" 2>/dev/null || echo 0)
check "its file is whole and plays (${F1D} s, ffprobe), its sidecar says disk-full, no partial files" that \
    "ffprobe -v error '$F1F' && ge $F1D 3 && test \"\$(jget status < '${F1F%.wav}.json')\" = disk-full &&
     test -z \"\$(ls '$SMALL/rec' | grep '\\.part\$')\""
check "the WAV header states exactly the audio in the file" $PY - "$F1F" <<'EOF'
import os, struct, sys
b = open(sys.argv[1], "rb").read(44)
riff, data = struct.unpack("<I", b[4:8])[0], struct.unpack("<I", b[40:44])[0]
size = os.path.getsize(sys.argv[1])
sys.exit(not (riff == size - 8 and data == size - 44 and data % 4 == 0))
EOF
check "counted (rec_disk_full $(dstat rec_disk_full))" test "$(dstat rec_disk_full)" -eq 1
ng xf1 "d7:command6:delete7:call-id2:f1e" >/dev/null
tb_dp_stop
umount "$SMALL"
# below the free-space floor a recording is refused, clearly
mkconf "$CONF3" "$REC" "\n    min_free_mb: 1000000"
tb_dp_start "$CONF3" "$WORK/dp4.log" || { echo "FAIL - callplane-dp did not start"; finish; exit 1; }
call g1 6030 7030
REP=$(ng sg1 "d7:command15:start recording7:call-id2:g1e")
check "under the floor, start recording is refused with the reason ($REP)" \
    grep -q "Recording refused: .* MiB free in .* (floor 1000000 MiB)" <<<"$REP"
check "and counted (rec_refused $(dstat rec_refused))" test "$(dstat rec_refused)" -eq 1

finish
