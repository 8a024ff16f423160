#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The bench generators and the test peers as QA runs them: a mistyped
# number, address or option is refused with exit 2 and a message that
# names the bad argument, before any run starts; good arguments still
# work (a short srtp_bench gives real figures, dtmfgen writes audio).
# usage: check_tool_args.sh BUILD_DIR
set -u
B=$1
EAL=(-l 0 --no-huge --no-pci -m 128 --no-shconf --no-telemetry --log-level=1 --file-prefix "cpargs$$")
EAL2=(-l 0,1 --no-huge --no-pci -m 128 --no-shconf --no-telemetry --log-level=1 --file-prefix "cpargs$$")
fail=0 n=0
err=$(mktemp); trap 'rm -f "$err"' EXIT

# refused CMD...: the last word of the expected message comes first
refused() {
    local want=$1; shift
    n=$((n+1))
    timeout 60 "$@" >/dev/null 2>"$err"; local rc=$?
    if [ $rc -ne 2 ]; then
        echo "FAIL: exit $rc, want 2: ${*##*/}"; sed 's/^/    /' "$err" | tail -3; fail=$((fail+1))
    elif ! grep -qF -- "$want" "$err"; then
        echo "FAIL: no \"$want\" in the message of: ${*##*/}"; sed 's/^/    /' "$err" | tail -3
        fail=$((fail+1))
    fi
}

SB=$B/bench/srtp_bench
refused '"--help"' "$SB" --help
refused '"10x"' "$SB" 1 10x
refused '"0"' "$SB" 1 1000 0
refused '"-3"' "$SB" -3
refused '"nan"' "$SB" nan
refused 'SRTP_BENCH_BURST' env SRTP_BENCH_BURST=33 "$SB" 1 10
refused 'SRTP_BENCH_LIBSRTP_MAX' env SRTP_BENCH_LIBSRTP_MAX=lots "$SB" 1 10

refused '"abc"' "$B/bench/dsp_bench" "${EAL[@]}" -- abc
refused '"-5"' "$B/bench/dsp_bench" "${EAL[@]}" -- 1 -5
refused '"mp3"' "$B/bench/rec_bench" "${EAL2[@]}" -- /tmp 1 mp3 10
refused '"x"' "$B/bench/rec_bench" "${EAL2[@]}" -- /tmp 1 wav 10 x
refused 'OPUS_COMPLEXITY' env OPUS_COMPLEXITY=11 "$B/bench/rec_bench" "${EAL2[@]}" -- /tmp 1 opus 10

MG=("$B/bench/memif_gen" "${EAL[@]}" --)
OK=(--ng 127.0.0.1:2223 --relay 198.18.0.1 --a 198.18.0.2 --b 198.18.0.3)
refused '"1.2.3.4"' "${MG[@]}" --ng 1.2.3.4 --calls 5
refused '"70000"' "${MG[@]}" --ng 127.0.0.1:70000
refused '"300.1.1.1"' "${MG[@]}" "${OK[@]}" --relay 300.1.1.1
refused '"0"' "${MG[@]}" "${OK[@]}" --calls 0
refused '"5s"' "${MG[@]}" "${OK[@]}" --secs 5s
refused '--secs needs a value' "${MG[@]}" "${OK[@]}" --calls 5 --secs
refused 'stray is not an option' "${MG[@]}" "${OK[@]}" stray
refused 'unknown option --bogus' "${MG[@]}" "${OK[@]}" --bogus 1
refused '"2"' "${MG[@]}" "${OK[@]}" --srtp srtp-rtp --pair 2
refused 'up to 100000' "${MG[@]}" "${OK[@]}" --srtp srtp-rtp --pair 5 --calls 150000
refused '"lots"' "${MG[@]}" "${OK[@]}" --pre-protect lots
refused 'unknown SRTP suite' "${MG[@]}" "${OK[@]}" --suite AES_CM_999

RL=$B/bench/relay_load
refused '"10k"' "$RL" --calls 10k
refused '"1.2.3"' "$RL" --a ns,1.2.3 --b x,198.18.0.9 --calls 1
refused 'NS,IP' "$RL" --a ns --b x,198.18.0.9 --calls 1
refused 'no room' "$RL" --a ns,198.18.0.8 --b x,198.18.0.9 --calls 100 --base-port 65500 --ng 127.0.0.1:5
refused '"0"' "$RL" --a ns,198.18.0.8 --b x,198.18.0.9 --calls 100 --ng 127.0.0.1:0
refused '--secs needs a value' "$RL" --a ns,198.18.0.8 --b x,198.18.0.9 --calls 1 --secs

ST=$B/tests/srtptool
KEY=$("$ST" key AES_CM_128_HMAC_SHA1_80)
refused '"65536"' "$ST" send AES_CM_128_HMAC_SHA1_80 "$KEY" 127.0.0.1 65536 127.0.0.1 6000 /dev/null 0
refused '"localhost"' "$ST" send AES_CM_128_HMAC_SHA1_80 "$KEY" 127.0.0.1 6000 localhost 6000 /dev/null 0
refused '"200"' "$ST" send AES_CM_128_HMAC_SHA1_80 "$KEY" 127.0.0.1 6000 127.0.0.1 6002 /dev/null 200
refused '"-1"' "$ST" send AES_CM_128_HMAC_SHA1_80 "$KEY" 127.0.0.1 6000 127.0.0.1 6002 /dev/null 0 -1
refused '"soon"' "$ST" recv AES_CM_128_HMAC_SHA1_80 "$KEY" 127.0.0.1 6000 soon /dev/null
refused '"1.1.1.x"' "$ST" recv AES_CM_128_HMAC_SHA1_80 "$KEY" 1.1.1.x 6000 1 /dev/null

DG=$B/tests/dtmfgen
refused '"fast"' "$DG" 123 --on fast
refused '"-20dB"' "$DG" 123 --noise -20dB
refused '"10"' "$DG" 123 --level 10

# the good paths still work
n=$((n+1))
out=$(timeout 120 "$SB" 0.05 10 2>&1); rc=$?
if [ $rc -ne 0 ] || ! grep -q 'ipsec-mb protect' <<<"$out" || grep -qi nan <<<"$out"; then
    echo "FAIL: srtp_bench 0.05 10: exit $rc"; sed 's/^/    /' <<<"$out" | tail -3; fail=$((fail+1))
fi
n=$((n+1))
bytes=$("$DG" 123 --on 80 --off 60 --level -20 --noise -40.5 | wc -c)
# 200 ms lead + 3 x (80 + 60) ms + 200 ms tail at 8,000 bytes a second
if [ "$bytes" -lt 6400 ]; then
    echo "FAIL: dtmfgen with good arguments wrote $bytes bytes"; fail=$((fail+1))
fi
echo "$n cases, $fail failed"
[ $fail -eq 0 ]
