# tap.sh - TAP helpers for the layerlab-cli shell tests (sourced, not run)
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Before sourcing, set CLI (the layerlab-cli to run) and TMP (a scratch folder the
# test removes). End the test with tap_done.

n_tests=0
n_failed=0

# check DESCRIPTION COMMAND [ARGS...]: one TAP line; on failure, what the command
# wrote to $TMP/why becomes the diagnostics, with the stderr of the last cli call.
check () {
  desc=$1
  shift
  n_tests=$((n_tests + 1))
  : >"$TMP/why"
  : >"$TMP/err"
  if "$@" 2>>"$TMP/why"; then
    echo "ok $n_tests - $desc"
  else
    n_failed=$((n_failed + 1))
    echo "not ok $n_tests - $desc"
    sed 's/^/# /' "$TMP/why"
    [ -s "$TMP/err" ] && sed 's/^/#   stderr: /' "$TMP/err"
  fi
  return 0
}

skip () {
  n_tests=$((n_tests + 1))
  echo "ok $n_tests - $1 # SKIP $2"
}

fail () {
  echo "$*" >&2
  return 1
}

# The plan line; the exit status says whether every check passed.
tap_done () {
  echo "1..$n_tests"
  [ "$n_failed" -eq 0 ]
}

# cli STATUS ARGS...: runs layerlab-cli, stdout to $TMP/out, stderr to $TMP/err, and
# checks the exit status.
cli () {
  want=$1
  shift
  "$CLI" "$@" >"$TMP/out" 2>"$TMP/err"
  got=$?
  [ "$got" -eq "$want" ] || fail "layerlab-cli $*: exit status $got, expected $want"
}

# out_has TEXT / err_has TEXT: fixed-string search in the last output
out_has () {
  grep -qF -- "$1" "$TMP/out" || fail "stdout lacks '$1'"
}

err_has () {
  grep -qF -- "$1" "$TMP/err" || fail "stderr lacks '$1'"
}

# The bad-input contract: exit 1 and exactly one line "layerlab-cli: error: ..."
# that mentions TEXT (usually the offending file).
one_error () {
  text=$1
  shift
  cli 1 "$@" || return 1
  [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "stderr has $(wc -l <"$TMP/err") lines, expected 1"
  grep -q '^layerlab-cli: error: ' "$TMP/err" || fail "stderr does not start with 'layerlab-cli: error: '"
  err_has "$text"
}

usage_error () {
  cli 2 "$@" && err_has "Try 'layerlab-cli"
}

is_hdf5 () {
  [ "$(od -An -c -N4 "$1" | tr -d ' ')" = '211HDF' ] || fail "$1 is not an HDF5 file"
}
