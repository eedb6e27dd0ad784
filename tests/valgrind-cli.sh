#!/bin/sh
# valgrind-cli.sh - layerlab-cli's commands under valgrind memcheck (prints TAP)
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: valgrind-cli.sh PATH/TO/layerlab-cli
#
# Each command runs on a small model under memcheck; a memory error or a definite leak
# makes valgrind exit 99 (--error-exitcode), which fails the test, and its report
# becomes the TAP diagnostics. Commands are run both on good input and on bad input
# (error paths leak more often than success paths). Run on a build without
# -Db_sanitize (valgrind and AddressSanitizer do not mix): the test skips otherwise.

set -u

CLI=${1:?usage: valgrind-cli.sh PATH/TO/layerlab-cli}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
REF=$SRCDIR/data/ref
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

if ! command -v valgrind >/dev/null 2>&1; then
  echo "1..0 # SKIP valgrind not installed"
  exit 0
fi
if nm -D "$CLI" 2>/dev/null | grep -q __asan_init || nm "$CLI" 2>/dev/null | grep -q __asan_init; then
  echo "1..0 # SKIP $CLI is built with AddressSanitizer"
  exit 0
fi

# OpenBLAS threads only add valgrind noise and time; the engine's own pool too.
export OPENBLAS_NUM_THREADS=1
n=0
failed=0

# vg EXPECTED_EXIT DESCRIPTION ARGS...: runs the CLI under memcheck.
vg () {
  want=$1 desc=$2
  shift 2
  n=$((n + 1))
  valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
    --show-leak-kinds=definite --num-callers=30 --suppressions="$SRCDIR/valgrind.supp" \
    --log-file="$TMP/vg.log" \
    "$CLI" "$@" >"$TMP/out" 2>"$TMP/err"
  rc=$?
  if [ $rc -eq "$want" ]; then
    echo "ok $n - $desc"
  else
    failed=$((failed + 1))
    echo "not ok $n - $desc (exit $rc, expected $want)"
    sed 's/^/# /' "$TMP/vg.log" | head -60
    sed 's/^/#   stderr: /' "$TMP/err" | head -5
  fi
}

echo "1..14"
vg 0 "summary of an HDF5 model" summary "$REF/mix-cnn/model.h5"
vg 0 "summary of a PyTorch model" summary "$SRCDIR/data/pt/every_layer.pt"
vg 0 "new from the lenet5 template" new --template lenet5 -o "$TMP/lenet5.h5" --seed 3
vg 0 "run with activations" run "$REF/mix-cnn/model.h5" --input "$REF/mix-cnn/input.npy" \
  --output "$TMP/out.npy" --activations "$TMP/acts.h5" --threads 1
vg 0 "compare the output with PyTorch's" compare "$TMP/out.npy" "$REF/mix-cnn/output.npy" \
  --tol 1e-4
vg 0 "convert .h5 to .pt" convert "$REF/mix-cnn/model.h5" "$TMP/mix.pt"
vg 0 "convert .pt weights back to .h5" convert "$TMP/mix.pt" "$TMP/mix.h5" \
  --model "$REF/mix-cnn/model.h5"
vg 0 "render kernels" render kernels "$REF/mix-cnn/model.h5" --layer 0 -o "$TMP/k.png"
vg 0 "render activations as SVG" render activations "$REF/mix-cnn/model.h5" --layer 2 \
  -o "$TMP/a.svg"
vg 0 "render a histogram" render histogram "$REF/mix-cnn/model.h5" --layer 0 -o "$TMP/h.png"
vg 1 "summary of a corrupt file" summary "$SRCDIR/data/bad/truncated.h5"
vg 1 "summary of a file with many problems" summary "$SRCDIR/data/bad/several-problems.h5"
vg 1 "run on an input of the wrong shape" run "$REF/mix-cnn/model.h5" \
  --input "$REF/seed/input.npy" --output "$TMP/bad.npy"
vg 1 "summary of a hostile .pt" summary "$SRCDIR/data/pt/hostile/os_system.pt"
[ $failed -eq 0 ]
