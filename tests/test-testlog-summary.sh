#!/bin/sh
# test-testlog-summary.sh - build-aux/testlog-summary.py counts what CI ran and says why
# something failed
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-testlog-summary.sh TESTLOG-SUMMARY.PY
# Writes meson test logs by hand (one JSON object per test, as meson does) and checks
# the counts, the exit status and the excerpt of each failure at the end of the output.
set -u
SCRIPT=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CLI=true
. "$(dirname "$0")/tap.sh"

# log BUILD NAME RESULT RC STDOUT STDERR: appends one test's entry to BUILD's log
log () {
  mkdir -p "$TMP/$1/meson-logs"
  /usr/bin/python3 -c 'import json, sys
print(json.dumps({"name": sys.argv[1], "result": sys.argv[2], "returncode": int(sys.argv[3]),
                  "stdout": sys.argv[4], "stderr": sys.argv[5]}))' "$2" "$3" "$4" "$5" "$6" \
    >>"$TMP/$1/meson-logs/testlog-x.json"
}

counts_tap_cases () {
  log a "layerlab:engine / test-a" OK 0 "1..3
ok 1 /a/one
ok 2 /a/two
ok 3 /a/three # SKIP no data" ""
  log a "layerlab:cli / test-b" OK 0 "" ""
  /usr/bin/python3 "$SCRIPT" --expect-suites engine,cli "$TMP/a" >"$TMP/out" \
    || { cat "$TMP/out" >&2; fail "exit status not 0"; return 1; }
  [ "$(tail -n 1 "$TMP/out")" = "3 passed, 0 failed" ] || { cat "$TMP/out" >&2; fail "wrong counts"; return 1; }
  grep -qx "1 skipped" "$TMP/out" || { cat "$TMP/out" >&2; fail "skip not counted"; return 1; }
}
check "TAP cases and plain tests are counted, skips apart" counts_tap_cases

says_why () {
  log b "layerlab:ui / test-c" ERROR -5 "1..2
ok 1 /c/first
Bail out! test-c:ERROR:../tests/app/test-c.c:42:waits: cond() still false" "some warning
**
test-c:ERROR:../tests/app/test-c.c:42:waits: cond() still false after 120 s"
  if /usr/bin/python3 "$SCRIPT" --expect-suites ui "$TMP/b" >"$TMP/out"; then
    fail "exit status 0 with a crashed test"
    return 1
  fi
  [ "$(tail -n 1 "$TMP/out")" = "1 passed, 1 failed" ] || { cat "$TMP/out" >&2; fail "wrong counts"; return 1; }
  # the reason is in the last lines, where a log cut to its end still shows it
  tail -n 8 "$TMP/out" | grep -q "test-c.c:42:waits: cond() still false after 120 s" \
    || { cat "$TMP/out" >&2; fail "the failure's stderr is not in the last lines"; return 1; }
  tail -n 8 "$TMP/out" | grep -q "^FAILED: b: layerlab:ui / test-c: ERROR (exit -5, 1 failed)" \
    || { cat "$TMP/out" >&2; fail "the failure is not named"; return 1; }
}
check "a crashed test is a failure, with the end of its stderr" says_why

missing_suite () {
  log c "layerlab:engine / test-d" OK 0 "" ""
  if /usr/bin/python3 "$SCRIPT" --expect-suites engine,ui "$TMP/c" >"$TMP/out"; then
    fail "exit status 0 although suite ui never ran"
    return 1
  fi
  grep -q "^FAILED: c: suite ui: no test ran" "$TMP/out" || { cat "$TMP/out" >&2; fail "not named"; return 1; }
}
check "an expected suite in which nothing ran is a failure" missing_suite

tap_done
