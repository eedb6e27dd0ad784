#!/bin/sh
# test-cli.sh - layerlab-cli driven as a user would: exit codes, messages, files
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-cli.sh PATH/TO/layerlab-cli     (prints TAP)
#
# Numerics are checked against the PyTorch fixtures in tests/data/ref/<case>/
# (model.h5, input.npy, output.npy) with `layerlab-cli compare`, so no Python is
# needed. Only the weights-only file tests need h5py, and skip without it.

set -u

CLI=${1:?usage: test-cli.sh PATH/TO/layerlab-cli}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
PYTHON=/usr/bin/python3
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

. "$SRCDIR/tap.sh"

# npy_shape FILE SHAPE: the .npy header declares SHAPE, e.g. "(2, 10)"
npy_shape () {
  head -c 256 "$1" | tr -d '\000' | grep -aqF "'shape': $2" ||
    fail "$1: header $(head -c 128 "$1" | tr -cd '[:print:]') does not have shape $2"
}

# write_npy FILE "D0, D1, ..." COUNT: a float32 .npy of COUNT elements, filled with a
# repeating ramp 0, 0.25, ..., 1.75 (not constant, so rows are not all alike).
write_npy () {
  header="{'descr': '<f4', 'fortran_order': False, 'shape': ($2), }"
  # magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64
  len=$(( (10 + ${#header} + 1 + 63) / 64 * 64 - 10 ))
  {
    printf '\223NUMPY\001\000'
    printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))"
    printf '%s' "$header"
    printf "%$((len - ${#header} - 1))s\n" ''
    i=0
    while [ "$i" -lt "$3" ]; do
      case $((i % 8)) in
        0) printf '\000\000\000\000' ;; 1) printf '\000\000\200\076' ;;
        2) printf '\000\000\000\077' ;; 3) printf '\000\000\100\077' ;;
        4) printf '\000\000\200\077' ;; 5) printf '\000\000\240\077' ;;
        6) printf '\000\000\300\077' ;; 7) printf '\000\000\340\077' ;;
      esac
      i=$((i + 1))
    done
  } >"$1"
}

have_h5py () {
  [ -x "$PYTHON" ] && "$PYTHON" -c 'import h5py, numpy' 2>/dev/null
}

# write_weights MODEL OUT [KEY NEW_IN]: the state_dict of MODEL as a weights-only file;
# with KEY, that conv weight gets NEW_IN input channels (a strict-loading mismatch).
write_weights () {
  "$PYTHON" - "$@" <<'EOF'
import sys, h5py, numpy as np
model, out = sys.argv[1], sys.argv[2]
with h5py.File(model, "r") as src, h5py.File(out, "w", libver=("v108", "v108")) as dst:
    dst.attrs["format"] = "layerlab"
    dst.attrs["format_version"] = np.array([1, 0], dtype=np.int32)
    dst.attrs["kind"] = "weights"
    dst.attrs["creator"] = "test-cli.sh"
    group = dst.create_group("state_dict")
    for key, ds in src["state_dict"].items():
        data = ds[()]
        if len(sys.argv) > 3 and key == sys.argv[3]:
            data = data[:, : int(sys.argv[4])].copy()
        group.create_dataset(key, data=data)
EOF
}

# ---------------------------------------------------------------- help and usage

help_mentions_usage () {
  cli 0 "$@" && out_has "Usage: layerlab-cli" && [ ! -s "$TMP/err" ]
}

check "--help exits 0 and shows the usage" help_mentions_usage --help
for cmd in summary new run bench render compare convert export-pytorch diff profile; do
  check "$cmd --help exits 0 and shows its usage" help_mentions_usage "$cmd" --help
done
check "help run is run --help" help_mentions_usage help run

version () {
  cli 0 --version || return 1
  grep -qE '^layerlab-cli [0-9]+\.[0-9]+\.[0-9]+$' "$TMP/out" ||
    fail "bad version line: $(cat "$TMP/out")"
}
check "--version prints 'layerlab-cli X.Y.Z'" version

check "no arguments is a usage error" cli 2
check "unknown command exits 2" usage_error frobnicate
check "unknown option exits 2" usage_error run m.h5 --input x.npy --output y.npy --bogus
check "unknown top-level option exits 2" usage_error --bogus
check "option without its value exits 2" usage_error new --template
check "missing required option exits 2" usage_error run m.h5 --output y.npy
check "extra argument exits 2" usage_error summary a.h5 b.h5
check "bad number exits 2" usage_error bench m.h5 --batch 12x
check "zero batch exits 2" usage_error bench m.h5 --batch 0
check "negative seed exits 2" usage_error new --template seed -o m.h5 --seed -1
unknown_template () {
  usage_error new --template nope -o "$TMP/nope.h5" && err_has "lenet5"
}
check "unknown template exits 2 and lists the templates" unknown_template
graph_template_lists () {
  usage_error new --template nope -o "$TMP/nope.h5" && err_has "resnet18" && err_has "resnet-mini"
}
check "the template list names the graph templates" graph_template_lists
graph_template_h5 () {
  cli 1 new --template resnet-mini -o "$TMP/mini.h5" && err_has "save it as .onnx" &&
    [ ! -e "$TMP/mini.h5" ]
}
check "a graph template to .h5 is refused, nothing written" graph_template_h5
graph_template_onnx () {
  cli 0 new --template resnet-mini -o "$TMP/mini.onnx" && [ -s "$TMP/mini.onnx" ]
}
check "a graph template writes .onnx" graph_template_onnx
convert_shape_usage () {
  usage_error convert "$TMP/a.pt" "$TMP/a.onnx" --input-shape 3,x,4 && err_has "C,H,W or F"
}
check "convert --input-shape takes C,H,W or F" convert_shape_usage
diff_same () {
  cli 0 new --template seed -o "$TMP/d1.h5" --seed 4 && cli 0 diff "$TMP/d1.h5" "$TMP/d1.h5" &&
    out_has "Nodes: 0 changed, 0 added, 0 removed, 10 the same" &&
    out_has "Weights: 0 changed, 0 added, 0 removed, 8 the same" &&
    out_has "max |B - A| 0, relative 0%"
}
check "diff of a model with itself finds nothing" diff_same
diff_seeds () {
  cli 0 new --template seed -o "$TMP/d2.h5" --seed 5 && cli 0 diff "$TMP/d1.h5" "$TMP/d2.h5" &&
    out_has "Weights: 8 changed" && out_has "~ 7.weight [1024, 576]  max |B - A|"
}
check "diff of two seeds finds every weight changed" diff_seeds
check "diff needs two models" usage_error diff "$TMP/d1.h5"
diff_missing () {
  cli 1 diff "$TMP/d1.h5" "$TMP/nowhere.h5" && err_has "nowhere.h5"
}
check "diff of a missing file names it" diff_missing
profile_json () {
  cli 0 new --template seed -o "$TMP/p.h5" && cli 0 profile "$TMP/p.h5" --batch 4 --repeat 3 --json &&
    "$PYTHON" - "$TMP/out" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
nodes = p["nodes"]
names = [n["name"] for n in nodes]
ops = ["Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"]
assert sorted(names) == sorted("/%d/%s" % (i, op) for i, op in enumerate(ops)), names
assert abs(sum(n["share"] for n in nodes) - 1) < 1e-3
assert all(a["ms"] >= b["ms"] for a, b in zip(nodes, nodes[1:])), "not slowest first"
conv = [n for n in nodes if n["name"] == "/0/Conv"][0]
assert conv["output_bytes"] == 4 * 32 * 20 * 20 * 4, conv
assert p["peak_live_bytes"] < p["total_value_bytes"]
EOF
}
check "profile --json: every node once, slowest first, shares summing to 1, exact bytes" profile_json
profile_text () {
  cli 0 profile "$TMP/p.h5" --repeat 2 && out_has "batch 1, 1 thread, median of 2 runs" &&
    out_has "Peak memory of the values"
}
check "profile prints the table" profile_text
check "profile --repeat 0 is a usage error" usage_error profile "$TMP/p.h5" --repeat 0

# ---------------------------------------------------------------- new and summary

SEED="$TMP/seed.h5"

new_seed () {
  cli 0 new --template seed -o "$SEED" --seed 1 && is_hdf5 "$SEED"
}
check "new --template seed writes an HDF5 model" new_seed

cat >"$TMP/seed-repr.txt" <<'EOF'
Sequential(
  (0): Conv2d(1, 32, kernel_size=(5, 5), stride=(1, 1))
  (1): ReLU()
  (2): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)
  (3): Conv2d(32, 64, kernel_size=(5, 5), stride=(1, 1))
  (4): ReLU()
  (5): MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)
  (6): Flatten(start_dim=1, end_dim=-1)
  (7): Linear(in_features=576, out_features=1024, bias=True)
  (8): ReLU()
  (9): Linear(in_features=1024, out_features=10, bias=True)
)
EOF

summary_seed () {
  cli 0 summary "$SEED" || return 1
  head -n 12 "$TMP/out" >"$TMP/repr.txt"
  diff "$TMP/seed-repr.txt" "$TMP/repr.txt" >&2 || fail "repr differs from PyTorch's"
  tail -n +13 "$TMP/out" | grep -q 576 || fail "summary table lacks 576"
}
check "summary prints PyTorch's repr of the seed, then the table" summary_seed

equals_form () {
  cli 0 new --template=lenet5 --output="$TMP/lenet5.h5" --seed=3 &&
    cli 0 summary "$TMP/lenet5.h5" && out_has "Sequential("
}
check "--opt=value works like --opt value" equals_form

new_empty () {
  cli 0 new --template empty -o "$TMP/empty.h5" && cli 0 summary "$TMP/empty.h5" &&
    out_has "Sequential()"
}
check "new --template empty, then summary" new_empty

# ---------------------------------------------------------------- run

write_npy "$TMP/x2.npy" "2, 1, 24, 24" 1152
write_npy "$TMP/x1.npy" "1, 24, 24" 576
write_npy "$TMP/x-bad.npy" "2, 3, 24, 24" 3456

run_batch () {
  cli 0 run "$SEED" --input "$TMP/x2.npy" --output "$TMP/y2.npy" \
    --activations "$TMP/acts.h5" --threads 1 &&
    npy_shape "$TMP/y2.npy" "(2, 10)" && is_hdf5 "$TMP/acts.h5"
}
check "run [2,1,24,24] writes [2,10] and an activation file" run_batch

run_single () {
  cli 0 run "$SEED" --input "$TMP/x1.npy" --output "$TMP/y1.npy" &&
    npy_shape "$TMP/y1.npy" "(1, 10)"
}
check "run on one sample [1,24,24] writes [1,10]" run_single

same_seed_same_output () {
  cli 0 new --template seed -o "$TMP/seed-again.h5" --seed 1 &&
    cli 0 run "$TMP/seed-again.h5" --input "$TMP/x2.npy" --output "$TMP/y2-again.npy" &&
    cli 0 compare "$TMP/y2-again.npy" "$TMP/y2.npy" --tol 1e-6
}
check "the same seed gives the same network" same_seed_same_output

other_seed_other_output () {
  cli 0 new --template seed -o "$TMP/seed2.h5" --seed 2 &&
    cli 0 run "$TMP/seed2.h5" --input "$TMP/x2.npy" --output "$TMP/y2-seed2.npy" &&
    one_error "y2-seed2.npy" compare "$TMP/y2-seed2.npy" "$TMP/y2.npy"
}
check "another seed gives other outputs (compare fails)" other_seed_other_output

check "compare of different shapes fails" one_error "y1.npy" compare "$TMP/y1.npy" "$TMP/y2.npy"
check "compare --tol needs a number" usage_error compare "$TMP/y1.npy" "$TMP/y1.npy" --tol x

# ---------------------------------------------------------------- bad input

check "wrong input shape: one error line naming the file" \
  one_error "x-bad.npy" run "$SEED" --input "$TMP/x-bad.npy" --output "$TMP/y.npy"
check "missing model file: one error line naming it" \
  one_error "no-such.h5" summary "$TMP/no-such.h5"
check "missing input file: one error line naming it" \
  one_error "no-such.npy" run "$SEED" --input "$TMP/no-such.npy" --output "$TMP/y.npy"

echo "this is not a model" >"$TMP/corrupt.h5"
check "corrupt model file: one error line naming it" one_error "corrupt.h5" summary "$TMP/corrupt.h5"
head -c 2000 "$SEED" >"$TMP/truncated.h5"
check "truncated model file: one error line naming it" \
  one_error "truncated.h5" run "$TMP/truncated.h5" --input "$TMP/x2.npy" --output "$TMP/y.npy"
cp "$TMP/x2.npy" "$TMP/x-corrupt.npy"
printf 'garbage' | dd of="$TMP/x-corrupt.npy" bs=1 seek=0 conv=notrunc 2>/dev/null
check "corrupt .npy input: one error line naming it" \
  one_error "x-corrupt.npy" run "$SEED" --input "$TMP/x-corrupt.npy" --output "$TMP/y.npy"
check "unwritable output: one error line naming it" \
  one_error "no-dir/y.npy" run "$SEED" --input "$TMP/x2.npy" --output "$TMP/no-dir/y.npy"
check "missing .pt model: one error line naming it" one_error "model.pt" summary "$TMP/model.pt"

# ---------------------------------------------------------------- weights-only files

# convert --weights-only: the flag in any position, and the file it writes loads back
# onto the same architecture with the same results
convert_weights_only () {
  cli 0 convert --weights-only "$SEED" "$TMP/cw.h5" && is_hdf5 "$TMP/cw.h5" &&
    one_error "weights" summary "$TMP/cw.h5" &&
    cli 0 convert "$SEED" "$TMP/cw2.h5" --weights-only && one_error "weights" summary "$TMP/cw2.h5" &&
    cli 0 run "$SEED" --weights "$TMP/cw.h5" --input "$TMP/x2.npy" --output "$TMP/ycw.npy" &&
    cli 0 run "$SEED" --input "$TMP/x2.npy" --output "$TMP/ycw0.npy" &&
    cli 0 compare "$TMP/ycw.npy" "$TMP/ycw0.npy" --tol 0
}
check "convert --weights-only writes a weights-only file" convert_weights_only
check "convert --weights-only=VALUE exits 2" usage_error convert "$SEED" "$TMP/cw3.h5" --weights-only=yes

if have_h5py; then
  weights_load () {
    write_weights "$SEED" "$TMP/w1.h5" >&2 &&
      cli 0 run "$TMP/seed2.h5" --weights "$TMP/w1.h5" --input "$TMP/x2.npy" --output "$TMP/yw.npy" &&
      cli 0 compare "$TMP/yw.npy" "$TMP/y2.npy" --tol 1e-6
  }
  check "--weights loads a weights-only file before running" weights_load

  weights_mismatch () {
    write_weights "$SEED" "$TMP/w-bad.h5" 3.weight 16 >&2 &&
      one_error "3.weight" run "$SEED" --weights "$TMP/w-bad.h5" --input "$TMP/x2.npy" --output "$TMP/y.npy"
  }
  check "--weights with a size mismatch: one error line naming the key" weights_mismatch

  check "summary of a weights-only file says so" one_error "weights" summary "$TMP/w1.h5"
else
  for what in "--weights loads a weights-only file" "--weights size mismatch" "summary of a weights file"; do
    skip "$what" "no h5py for $PYTHON"
  done
fi

# ---------------------------------------------------------------- bench

bench_json () {
  cli 0 bench "$SEED" --batch 3 --threads 1 --repeat 3 || return 1
  [ "$(wc -l <"$TMP/out")" -eq 1 ] || fail "bench printed $(wc -l <"$TMP/out") lines"
  num='[0-9]+(\.[0-9]+)?'
  grep -qE "^\{\"batch\":3,\"threads\":1,\"median_ms\":$num,\"min_ms\":$num,\"gflops\":$num\}$" \
    "$TMP/out" || fail "not the expected JSON: $(cat "$TMP/out")"
}
check "bench prints one JSON line with batch, threads, median_ms, min_ms, gflops" bench_json

# ---------------------------------------------------------------- PyTorch fixtures

# Each case: `run` on PyTorch's input must reproduce PyTorch's output.
matches_pytorch () {
  cli 0 run "$1/model.h5" --input "$1/input.npy" --output "$2" &&
    cli 0 compare "$2" "$1/output.npy" --tol 1e-4
}

n_cases=0
for dir in "$SRCDIR"/data/ref/*/; do
  [ -f "$dir/model.h5" ] && [ -f "$dir/input.npy" ] && [ -f "$dir/output.npy" ] || continue
  n_cases=$((n_cases + 1))
  case_name=$(basename "$dir")
  check "run matches PyTorch: $case_name" matches_pytorch "$dir" "$TMP/ref-$case_name.npy"
done
[ "$n_cases" -gt 0 ] || skip "run matches PyTorch" "no fixtures in tests/data/ref"

# PyTorch's own files: tests/data/pt/NAME.pt (a pickled torch.nn.Sequential) with
# NAME-input.npy and NAME-output.npy; NAME_dict.pt holds the same state_dict.
PT="$SRCDIR/data/pt"

pt_model_matches () {
  cli 0 run "$PT/$1.pt" --input "$PT/$1-input.npy" --output "$TMP/pt-$1.npy" &&
    cli 0 compare "$TMP/pt-$1.npy" "$PT/$1-output.npy" --tol 1e-4
}

# torch_network is the seed network: its state_dict loads into the seed template.
pt_weights_match () {
  cli 0 run "$SEED" --weights "$PT/torch_network_dict.pt" \
    --input "$PT/torch_network-input.npy" --output "$TMP/pt-weights.npy" &&
    cli 0 compare "$TMP/pt-weights.npy" "$PT/torch_network-output.npy" --tol 1e-4
}

if [ -f "$PT/torch_network.pt" ] && [ -f "$PT/every_layer.pt" ]; then
  check "run on a PyTorch .pt model matches PyTorch: torch_network" pt_model_matches torch_network
  check "run on a PyTorch .pt model matches PyTorch: every_layer" pt_model_matches every_layer
  check "--weights with a PyTorch state_dict .pt matches PyTorch" pt_weights_match
  check "--weights .pt that does not fit: one error line naming a key" \
    one_error "0.weight" run "$SEED" --weights "$PT/every_layer_dict.pt" \
    --input "$PT/torch_network-input.npy" --output "$TMP/y.npy"
  check "summary of a state_dict .pt says it is weights" \
    one_error "holds only weights (a state_dict), not a model" summary "$PT/torch_network_dict.pt"
else
  skip "run on PyTorch .pt files" "no fixtures in tests/data/pt"
fi

# ---------------------------------------------------------------- ONNX models

# tests/data/onnx/cli/ (tests/reference/make-onnx-cli-fixtures.py), expected outputs
# computed with numpy
ONNX="$SRCDIR/data/onnx/cli"

onnx_summary () {
  cli 0 summary "$ONNX/conv.onnx" || return 1
  out_has "opset 13, producer make-onnx-cli-fixtures" && out_has "/conv/Conv" &&
    out_has "Conv (Conv2d)" && out_has "Total params: 18" && out_has "[-1, 32]" &&
    out_has "Nodes: 3"
}
check "summary of an ONNX model whose shape subgraph reads a dynamic batch" onnx_summary

onnx_summary_batch1 () {
  cli 0 summary "$ONNX/other.onnx" && out_has "shapes for a batch of 1" && out_has "[1, 6]" &&
    cli 0 run "$ONNX/other.onnx" --input "$ONNX/other-x.npy" --output "$TMP/other-y.npy" &&
    cmp "$ONNX/other-y.npy" "$TMP/other-y.npy" >&2
}
check "summary of a model whose shapes follow the batch at run time: for a batch of 1" \
  onnx_summary_batch1

onnx_summary_symbolic () {
  cli 0 summary "$ONNX/lookup.onnx" && out_has "[1, 2, 1, 2, 2, 3]" && out_has "int64" &&
    out_has "Total params: 15"
}
check "summary of an ONNX model with an int64 input of rank 5" onnx_summary_symbolic

onnx_run () {
  cli 0 run "$ONNX/conv.onnx" --input "$ONNX/conv-x.npy" --output "$TMP/conv-y.npy" &&
    cli 0 compare "$TMP/conv-y.npy" "$ONNX/conv-y.npy" --tol 1e-5 &&
    cli 0 run "$ONNX/conv.onnx" --input x="$ONNX/conv-x.npy" --output y="$TMP/conv-y2.npy" &&
    cmp "$TMP/conv-y.npy" "$TMP/conv-y2.npy" >&2
}
check "run of an ONNX model matches numpy; --input NAME=FILE is the same" onnx_run

onnx_run_named () {
  cli 0 run "$ONNX/lookup.onnx" --input idx="$ONNX/lookup-idx.npy" \
    --input scale="$ONNX/lookup-scale.npy" --output rows="$TMP/rows.npy" \
    --output scaled="$TMP/scaled.npy" &&
    cmp "$ONNX/lookup-rows.npy" "$TMP/rows.npy" >&2 &&
    cmp "$ONNX/lookup-scaled.npy" "$TMP/scaled.npy" >&2 && npy_shape "$TMP/rows.npy" "(1, 2, 1, 2, 2, 3)"
}
check "run with two named inputs (int64 of rank 5) and two outputs, byte for byte numpy's" \
  onnx_run_named
check "run without naming one of two inputs exits 2" \
  usage_error run "$ONNX/lookup.onnx" --input idx="$ONNX/lookup-idx.npy" --output "$TMP/r.npy"
check "run of a model with two inputs given one plain file exits 2" \
  usage_error run "$ONNX/lookup.onnx" --input "$ONNX/lookup-idx.npy" --output "$TMP/r.npy"
check "run with an input the model does not have: one error line listing its inputs" \
  one_error "its inputs: idx, scale" run "$ONNX/lookup.onnx" --input idx="$ONNX/lookup-idx.npy" \
  --input scale="$ONNX/lookup-scale.npy" --input nope="$ONNX/lookup-idx.npy" --output "$TMP/r.npy"
check "run of an ONNX model with --weights exits 2" \
  usage_error run "$ONNX/conv.onnx" --input "$ONNX/conv-x.npy" --output "$TMP/y.npy" \
  --weights "$TMP/w.h5"
check "run of an ONNX model with a wrongly shaped input: one error naming the input" \
  one_error "graph input 'x'" run "$ONNX/conv.onnx" --input "$ONNX/lookup-rows.npy" \
  --output "$TMP/y.npy"
check "unsupported operators: one error line listing each with its count and nodes" \
  one_error "unsupported.onnx: unsupported operators: custom.Foo (2 nodes: /a/Foo, /b/Foo), Loop (1 node: /c/Loop)" \
  summary "$ONNX/unsupported.onnx"

tap_done
