#!/bin/sh
# test-install-deps.sh - build-aux/install-deps.sh waits for another package manager
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-install-deps.sh INSTALL-DEPS.SH
# Fake apt-get, dpkg-query and sudo come first in PATH: dpkg-query reports every package
# missing, apt-get answers as apt does while another process holds its lock for the
# first N calls (N in $TMP/busy), then succeeds. Nothing is installed; no time passes
# (INSTALL_DEPS_RETRY_SECONDS=0).
set -u
SCRIPT=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CLI=true
. "$(dirname "$0")/tap.sh"

mkdir -p "$TMP/bin"
cat >"$TMP/bin/apt-get" <<'FAKE'
#!/bin/sh
echo "apt-get $*" >>"$FAKE_LOG"
busy=$(cat "$FAKE_BUSY")
if [ "$busy" -gt 0 ]; then
  echo $((busy - 1)) >"$FAKE_BUSY"
  echo "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 (unattended-upgr)"
  echo "E: Unable to lock directory /var/lib/apt/lists/"
  exit 100
fi
exit 0
FAKE
printf '#!/bin/sh\nexit 1\n' >"$TMP/bin/dpkg-query"
printf '#!/bin/sh\nexec "$@"\n' >"$TMP/bin/sudo"
chmod +x "$TMP/bin/apt-get" "$TMP/bin/dpkg-query" "$TMP/bin/sudo"

run_deps () {
  : >"$TMP/log"
  echo "$1" >"$TMP/busy"
  FAKE_LOG="$TMP/log" FAKE_BUSY="$TMP/busy" PATH="$TMP/bin:$PATH" \
    INSTALL_DEPS_RETRY_SECONDS=0 INSTALL_DEPS_LOCK_WAIT="$2" \
    bash "$SCRIPT" >"$TMP/out" 2>&1
}

waits_and_installs () {
  run_deps 2 900 || { cat "$TMP/out" >&2; fail "install-deps.sh failed"; return 1; }
  grep -q "waiting for another package manager to finish (its lock is held by process 4242 (unattended-upgr))" "$TMP/out" \
    || { cat "$TMP/out" >&2; fail "does not say what it waits for"; return 1; }
  [ "$(grep -c '^apt-get .* update -q$' "$TMP/log")" -eq 3 ] || { cat "$TMP/log" >&2; fail "update not retried"; return 1; }
  grep -q '^apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends build-essential' "$TMP/log" \
    || { cat "$TMP/log" >&2; fail "install did not run with apt's lock timeout"; return 1; }
}
check "install-deps.sh waits for a held apt lock, says whose, then installs" waits_and_installs

gives_up () {
  if run_deps 1000 0; then
    fail "install-deps.sh succeeded although the lock was never released"
    return 1
  fi
  grep -q "Could not get lock /var/lib/apt/lists/lock" "$TMP/out" \
    || { cat "$TMP/out" >&2; fail "apt's message is not shown"; return 1; }
  ! grep -q '^apt-get .*install' "$TMP/log" || { fail "installed without the lists"; return 1; }
}
check "past its wait it fails with apt's own message" gives_up

tap_done
