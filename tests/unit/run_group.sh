#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs several unit-test programs as one suite entry: each one's output is
# shown under its name, and the entry fails if any of them fails.
fail=0
for t in "$@"; do
    echo "== $(basename "$t")"
    "$t" || { echo "== $(basename "$t"): FAILED (exit $?)"; fail=1; }
done
exit $fail
