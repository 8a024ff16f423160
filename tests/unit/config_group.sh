#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The config suite entry: the schema unit test, then callplane-dp
# --check-config as an admin runs it. usage: TEST_CONFIG CALLPLANE_DP GOOD_DIR BAD_DIR
fail=0
echo "== test_config"
"$1" "$3" "$4" || { echo "== test_config: FAILED"; fail=1; }
echo "== check_config_cli"
"$(dirname "$0")/check_config_cli.sh" "$2" "$3" "$4" || { echo "== check_config_cli: FAILED"; fail=1; }
exit $fail
