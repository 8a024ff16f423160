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
#     party silent.
#  2. kill -9 of callplane-dp mid-call: the partial WAV and Opus files play
#     up to at most 2 s before the kill; the next start finishes them
#     (status "recovered", event sent).
#  3. A small filesystem image fills up mid-call: the recording stops with
#     a "disk-full" event and counter, its file is whole and plays, no
#     partial files remain, the relay forwards every packet; below the
#     free-space floor a new recording is refused with a clear error.
. "$(dirname "$0")/lib.sh"
command -v ffprobe >/dev/null && command -v opusinfo >/dev/null ||
    { echo "FAIL - ffprobe and opusinfo are needed (.ci/install)"; exit 1; }
PY=/usr/bin/python3
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
check "start recording answers with the file's path ($RW_PATH)" \
    test -n "$RW_PATH" -a -f "$RW_PATH.part"
switch_loss "$RL_PA" 5
for c in rw:6000:7000:$RW_PA:$RW_PB ro:6002:7002:$RO_PA:$RO_PB rl:6004:7004:$RL_PA:$RL_PB; do
    IFS=: read -r n cp ap pa pb <<<"$c"
    in_carrier $PY "$D" sendraw "$TB_CARRIER_IP4" "$cp" "$TB_APP_IP4" "$pa" "$WORK/sweep.al" 8 > "$WORK/$n.csent" &
    in_agents $PY "$D" sendraw "$TB_AGENTS_IP4" "$ap" "$TB_APP_IP4" "$pb" "$WORK/speech.ul" 0 > "$WORK/$n.asent" &
done
wait_senders() { while pgrep -f "dtmf.py sendraw" >/dev/null; do sleep 0.2; done; }
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
ok = side["call-id"] == "rw" and side["from-tag"] == "A-rw" and side["to-tag"] == "B-rw"
ok &= side["metadata"] == "customer=4711;queue=support"
p = side["participants"]
ok &= p[0]["channel"] == "left" and p[0]["role"] == "customer" and p[0]["label"] == "customer"
ok &= p[1]["label"] == "agent" and p[0]["codec"] == "PCMA" and p[1]["codec"] == "PCMU"
ok &= p[0]["tag"] == "A-rw" and p[1]["tag"] == "B-rw"
ok &= side["status"] == "complete" and side["format"] == "wav" and side["path"] == f
ok &= all(side[k] == ev[k] for k in ("sha256", "bytes", "duration", "start", "end", "metadata"))
ok &= side["start"] < side["end"]
print(json.dumps(side)[:400])
sys.exit(not ok)
EOF
check "Opus via the offer's record call: metadata and format in the event" that \
    "test \"\$(jget metadata < '$WORK/ro.ev')\" = queue=billing -a \"\$(jget format < '$WORK/ro.ev')\" = opus"
check "every relayed RTP packet was placed or counted (rec_packets $(dstat rec_packets), late $(dstat rec_late), ring full $(dstat rec_ring_full))" \
    test "$(dstat rec_packets)" -ge 15000 -a "$(dstat rec_ring_full)" -eq 0

finish
