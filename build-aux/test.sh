#!/usr/bin/env bash
# Builds Layerlab and runs every test twice:
#   _build       a normal build with -Werror
#   _build-asan  AddressSanitizer + UndefinedBehaviorSanitizer (leaks checked, with the
#                suppressions for other libraries' leaks in tests/lsan.supp)
# and a third, smaller one:
#   _build-tsan  ThreadSanitizer: the engine tests and the concurrency stress test only
#                (suite tsan; tests/tsan.supp names GLib's and OpenBLAS's own hand-offs)
# then runs every libFuzzer target for FUZZ_SECONDS (default 20) in _build-fuzz (clang).
# Headless suites run without a display; the ui suite runs under Xvfb with its own
# D-Bus session bus. Ends with the line `N passed, N failed`
# (build-aux/testlog-summary.py) and exits non-zero if anything failed.
# Usage: bash build-aux/test.sh        (from anywhere; installs missing Debian packages)
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

if ! bash build-aux/install-deps.sh --test; then
  echo "FAILED: step failed: build-aux/install-deps.sh --test"
  echo "0 passed, 1 failed"
  exit 1
fi

# Every suite must run at least one test in each build; a missing one is a failure.
expected_suites=engine,render,cli,interop,data,app,ui
failed_steps=()

# Sets up (or reconfigures) build directory $1 with the meson options that follow.
configure () {
  local dir=$1
  shift
  if [ -f "$dir/build.ninja" ]; then
    # A directory left by another meson version cannot be reconfigured: start afresh.
    meson setup --reconfigure "$dir" "$@" || meson setup --wipe "$dir" "$@"
  else
    meson setup "$dir" "$@"
  fi
}

# The suites the build directory defines, one per line, without the project prefix.
suites_of () {
  meson introspect --tests "$1" | /usr/bin/python3 -c '
import json, sys
suites = {s.split(":")[-1] for t in json.load(sys.stdin) for s in t["suite"]}
print("\n".join(sorted(suites)))'
}

# Runs one suite of build $1 ($2), logging to meson-logs/testlog-<suite>.json.
# A suite runs on its own so that a test program that failed to build only stops
# its own suite. meson's exit status is not used: the summary reads the logs.
run_suite () {
  local dir=$1 suite=$2
  shift 2
  local cmd=(meson test -C "$dir" --no-rebuild --print-errorlogs --suite "$suite"
             --logbase "testlog-$suite" "$@")
  echo "=== $dir: suite $suite"
  if [ "$suite" = ui ]; then
    xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- "${cmd[@]}"
  else
    # Headless suites must not need a display: take it away.
    env -u DISPLAY -u WAYLAND_DISPLAY "${cmd[@]}"
  fi
}

# Configures, builds and tests one build directory:
#   build_and_test DIR [--skip-suite S]... [MESON-TEST-ARGS...] -- [MESON-SETUP-ARGS...]
build_and_test () {
  local dir=$1
  shift
  local test_args=() skip=" "
  while [ $# -gt 0 ] && [ "$1" != -- ]; do
    if [ "$1" = --skip-suite ]; then
      skip+="$2 "
      shift 2
    else
      test_args+=("$1")
      shift
    fi
  done
  shift
  echo "=== $dir: configure"
  rm -f "$dir"/meson-logs/testlog*.json
  if ! configure "$dir" "$@"; then
    failed_steps+=("$dir: meson setup")
    return
  fi
  echo "=== $dir: build"
  # -k 0: build everything that can be built, so the tests of intact parts still run.
  if ! ninja -C "$dir" -k 0; then
    failed_steps+=("$dir: build")
  fi
  local suite
  for suite in $(suites_of "$dir"); do
    case "$skip" in
      *" $suite "*) echo "=== $dir: suite $suite not run in this build" ;;
      *) run_suite "$dir" "$suite" "${test_args[@]}" ;;
    esac
  done
}

# The tests the ThreadSanitizer build runs, one "name exe" per line: suites engine and
# tsan, without the ones that add minutes under TSan and no threads to check
# (test-crash-save forks and kills savers; test-repr and test-shape are single-threaded).
tsan_tests () {
  meson introspect --tests "$1" | /usr/bin/python3 -c '
import json, os, sys
build = sys.argv[1]
skip = {"test-crash-save", "test-repr", "test-shape"}
for t in json.load(sys.stdin):
    suites = {s.split(":")[-1] for s in t["suite"]}
    if suites & {"engine", "tsan"} and t["name"] not in skip:
        print(t["name"], os.path.relpath(t["cmd"][0], build))' "$1"
}

# Builds only what the TSan tests need (GTK and GLib are not instrumented: the GUI
# would tell TSan nothing) and runs them, logging to testlog-tsan.json.
tsan_build_and_test () {
  local dir=$1 names=() exes=() name exe
  echo "=== $dir: configure"
  rm -f "$dir"/meson-logs/testlog*.json
  if ! configure "$dir" -Db_sanitize=thread -Db_lundef=false; then
    failed_steps+=("$dir: meson setup")
    return
  fi
  while read -r name exe; do
    names+=("$name")
    exes+=("$exe")
  done < <(tsan_tests "$dir")
  if [ ${#names[@]} -eq 0 ]; then
    failed_steps+=("$dir: no tests found")
    return
  fi
  echo "=== $dir: build ${#exes[@]} tests"
  if ! ninja -C "$dir" -k 0 "${exes[@]}"; then
    failed_steps+=("$dir: build")
  fi
  echo "=== $dir: ${names[*]}"
  env -u DISPLAY -u WAYLAND_DISPLAY meson test -C "$dir" --no-rebuild --print-errorlogs \
    --logbase testlog-tsan --timeout-multiplier 4 "${names[@]}"
}

start=$(date +%s)

build_and_test _build -- --werror

# Sanitizer runs take longer: allow twice the per-test timeout. Valgrind cannot run
# AddressSanitizer's binaries; its suite runs in _build only.
build_and_test _build-asan --skip-suite valgrind --timeout-multiplier 2 -- \
  -Db_sanitize=address,undefined -Db_lundef=false

tsan_build_and_test _build-tsan

# Bounded fuzzing (docs/robustness.md): every libFuzzer target from its seed corpus for
# FUZZ_SECONDS seconds. A crash in our code fails the run and leaves its reproducer in
# tests/fuzz/regressions/; crashes inside libhdf5 are sorted out by the script.
if command -v clang >/dev/null 2>&1; then
  echo "=== _build-fuzz: each fuzzer for ${FUZZ_SECONDS:-20} s"
  FUZZ_BUILDDIR="$PWD/_build-fuzz" sh build-aux/fuzz.sh "${FUZZ_SECONDS:-20}"
  case $? in
    0) ;;
    2) failed_steps+=("_build-fuzz: setup or build") ;;
    *) failed_steps+=("_build-fuzz: a fuzzer crashed in our code (see above)") ;;
  esac
else
  failed_steps+=("_build-fuzz: clang is missing")
fi

echo "=== test.sh: $(( $(date +%s) - start )) s for the builds, test runs and fuzzers"
/usr/bin/python3 build-aux/testlog-summary.py --expect-suites "$expected_suites" \
  --expect-suites-for _build-tsan=engine,tsan \
  "${failed_steps[@]/#/--failed-step=}" _build _build-asan _build-tsan
