#!/usr/bin/env bash
# callplane-dp --check-config as an admin runs it: exit 0 and "valid" for
# every example; exit 1 and exactly the announced file:line:column message
# on stderr for every malformed file; exit 2 on bad command-line use.
set -u
bin=$1 good=$2 bad=$3
fail=0; n=0
for f in "$good"/*.yaml; do
    n=$((n+1))
    if ! out=$("$bin" --check-config "$f" 2>&1) || [[ "$out" != *": valid"* ]]; then
        echo "FAIL: $f should be valid: $out"; fail=$((fail+1))
    fi
done
for f in "$bad"/*.yaml; do
    n=$((n+1))
    want="$f:$(head -1 "$f" | sed 's/^# expect: //')"
    err=$("$bin" --check-config "$f" 2>&1 >/dev/null); rc=$?
    if [ "$rc" -ne 1 ]; then echo "FAIL: $f: exit $rc, want 1"; fail=$((fail+1)); continue; fi
    first=$(printf '%s\n' "$err" | head -1)
    if [ "$first" != "$want" ]; then
        printf 'FAIL: %s\n  want: %s\n  got:  %s\n' "$f" "$want" "$first"; fail=$((fail+1))
    fi
done
n=$((n+1))
"$bin" --check-config /nonexistent.yaml 2>/tmp/ccli.$$; rc=$?
grep -q 'cannot open' /tmp/ccli.$$ && [ $rc -eq 1 ] || { echo "FAIL: missing file rc=$rc"; fail=$((fail+1)); }
rm -f /tmp/ccli.$$
n=$((n+1))
"$bin" --bogus >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: unknown option exit $rc, want 2"; fail=$((fail+1)); }
n=$((n+1))
"$bin" >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || { echo "FAIL: no arguments exit $rc, want 2"; fail=$((fail+1)); }
echo "$n cases, $fail failed"
[ $fail -eq 0 ]
