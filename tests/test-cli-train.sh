#!/bin/sh
# test-cli-train.sh - layerlab-cli train and eval on tiny data sets: exit codes,
# messages, progress lines, the trained model, the confusion matrix
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-cli-train.sh PATH/TO/layerlab-cli     (prints TAP)
#
# tests/data/datasets/tiny is a separable 3-class problem of 6×6 images with a small
# network (Conv2d, ReLU, Flatten, Linear); see tests/reference/make-dataset-fixtures.py.

set -u

CLI=${1:?usage: test-cli-train.sh PATH/TO/layerlab-cli}
SRCDIR=$(cd "$(dirname "$0")" && pwd)
DATA=$SRCDIR/data/datasets
TINY=$DATA/tiny
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

. "$SRCDIR/tap.sh"

# at_least A B: the decimal number A >= B
at_least () {
  awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 >= b + 0) }' || fail "$1 < $2"
}

TRAIN="$TINY/train-x.npy:$TINY/train-y.npy"
TEST="$TINY/test-x.npy:$TINY/test-y.npy"

# ---------------------------------------------------------------- train

train_tiny () {
  cli 0 train "$TINY/model.h5" --data "$TRAIN" --val "$TEST" --epochs 8 --batch 16 \
    --lr 0.01 --seed 3 -o "$TMP/tiny.h5" &&
    cp "$TMP/out" "$TMP/train.out" && cp "$TMP/err" "$TMP/train.err" &&
    is_hdf5 "$TMP/tiny.h5" &&
    out_has "trained 8 epochs on 120 samples" && out_has "saved $TMP/tiny.h5"
}

# stderr is not a terminal: one plain line per epoch, no progress bar
epoch_lines () {
  [ "$(grep -c '^epoch [1-8]/8  train loss [0-9.]* acc [0-9.]*%  val loss [0-9.]* acc [0-9.]*%  time [0-9.]*s$' \
      "$TMP/train.err")" -eq 8 ] || fail "expected 8 epoch lines, got: $(cat "$TMP/train.err")"
  ! grep -q "$(printf '\r')" "$TMP/train.err" || fail "a progress bar although stderr is a file"
}

loss_decreases () {
  first=$(awk '/^epoch 1\/8/ { print $5 }' "$TMP/train.err")
  last=$(awk '/^epoch 8\/8/ { print $5 }' "$TMP/train.err")
  [ -n "$first" ] && [ -n "$last" ] || fail "no losses in $(cat "$TMP/train.err")"
  awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a / 4) }' ||
    fail "training loss went from $first to $last"
}

val_accuracy () {
  acc=$(sed -n 's/^validation loss [0-9.]* accuracy \([0-9.]*\)% (\([0-9]*\)\/60)$/\1/p' "$TMP/train.out")
  [ -n "$acc" ] || fail "no validation line in: $(cat "$TMP/train.out")"
  at_least "$acc" 95
}

check "train on X.npy:Y.npy writes the model and reports" train_tiny
check "one line per epoch on a non-terminal stderr" epoch_lines
check "the training loss decreases" loss_decreases
check "validation accuracy >= 95% on a separable problem" val_accuracy

same_seed_same_model () {
  cli 0 train "$TINY/model.h5" --data "$TRAIN" --val none --epochs 3 --batch 16 --lr 0.01 \
    --seed 3 -o "$TMP/a.h5" &&
    cli 0 train "$TINY/model.h5" --data "$TRAIN" --val none --epochs 3 --batch 16 --lr 0.01 \
      --seed 3 -o "$TMP/b.h5" &&
    cli 0 train "$TINY/model.h5" --data "$TRAIN" --val none --epochs 3 --batch 16 --lr 0.01 \
      --seed 4 -o "$TMP/c.h5" &&
    cli 0 run "$TMP/a.h5" --input "$TINY/test-x.npy" -o "$TMP/a.npy" &&
    cli 0 run "$TMP/b.h5" --input "$TINY/test-x.npy" -o "$TMP/b.npy" &&
    cli 0 run "$TMP/c.h5" --input "$TINY/test-x.npy" -o "$TMP/c.npy" &&
    cli 0 compare "$TMP/a.npy" "$TMP/b.npy" --tol 0 &&
    cli 1 compare "$TMP/a.npy" "$TMP/c.npy" --tol 1e-6
}
check "the same --seed trains the same model, another seed another" same_seed_same_model

val_fraction () {
  cli 0 train "$TINY/model.h5" --data "$TRAIN" --val 0.25 --epochs 2 --batch 30 \
    --optimizer sgd --lr 0.05 --momentum 0.9 --no-shuffle -o "$TMP/f.h5" &&
    out_has "trained 2 epochs on 90 samples" && grep -q '^validation .*/30)$' "$TMP/out" ||
    fail "no validation on 30 held-out samples: $(cat "$TMP/out")"
}
check "--val 0.25 holds out a quarter; sgd with momentum, --no-shuffle" val_fraction

val_none () {
  cli 0 train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 200 --weight-decay 0.01 \
    --threads 1 -o "$TMP/n.h5" &&
    ! grep -q '^validation' "$TMP/out" && ! grep -q 'val loss' "$TMP/err" ||
    fail "validation without --val on npy data"
}
check "npy data has no test split: no validation by default" val_none

class_folder () {
  cli 0 train "$TINY/model.h5" --data "$DATA/classes" --epochs 2 --batch 3 --fit resize \
    --normalize 0.5,0.25 -o "$TMP/cls.h5" && out_has "on 4 samples"
}
check "train on a class folder of PNG and JPEG images (resize, normalize)" class_folder

# ---------------------------------------------------------------- eval

eval_confusion () {
  cli 0 eval "$TMP/tiny.h5" --data "$TEST" --batch 7 &&
    out_has "samples: 60" && out_has "confusion matrix" &&
    sum=$(awk '/^confusion/ { m = 1; getline; next } m { for (i = 2; i <= NF; i++) s += $i } END { print s }' "$TMP/out") &&
    [ "$sum" -eq 60 ] || fail "confusion matrix sums to '$sum', not 60: $(cat "$TMP/out")"
}
check "eval prints a confusion matrix that sums to N" eval_confusion

eval_matches_train () {
  cli 0 eval "$TMP/tiny.h5" --data "$TEST" &&
    hits=$(sed -n 's/^accuracy: [0-9.]*% (\([0-9]*\)\/60)$/\1/p' "$TMP/out") &&
    diag=$(awk '/^confusion/ { m = 1; getline; next } m { s += $($1 + 2) } END { print s }' "$TMP/out") &&
    [ -n "$hits" ] && [ "$hits" = "$diag" ] || fail "accuracy hits '$hits' but diagonal '$diag'" &&
    grep -q "^validation loss .* ($hits/60)$" "$TMP/train.out" ||
    fail "eval's $hits/60 differs from train's final validation"
}
check "eval's accuracy is the diagonal and equals train's validation" eval_matches_train

eval_class_names () {
  cli 0 eval "$TINY/model.h5" --data "$DATA/classes" --fit resize && out_has "a-rgb" &&
    out_has "b-gray" && out_has "samples: 4"
}
check "eval on a class folder names the classes" eval_class_names

# ---------------------------------------------------------------- errors

check "train --help" cli 0 train --help
check "eval --help" cli 0 eval --help
check "train is listed in --help" sh -c "'$CLI' --help | grep -q '^  train MODEL'"
check "train without --data: usage error" usage_error train "$TINY/model.h5" --epochs 1 --batch 1 -o "$TMP/x.h5"
check "train without -o: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 1
check "train --epochs 0: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 0 --batch 1 -o "$TMP/x.h5"
check "train --batch x: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch x -o "$TMP/x.h5"
check "train --optimizer rmsprop: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 1 --optimizer rmsprop -o "$TMP/x.h5"
check "train --momentum with adam: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 1 --momentum 0.9 -o "$TMP/x.h5"
check "train --lr -1: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 1 --lr -1 -o "$TMP/x.h5"
check "train --fit squash: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 1 --fit squash -o "$TMP/x.h5"
check "train --normalize 0.5: usage error" usage_error train "$TINY/model.h5" --data "$TRAIN" --epochs 1 --batch 1 --normalize 0.5 -o "$TMP/x.h5"
check "train --bogus: usage error" usage_error train "$TINY/model.h5" --bogus
check "eval without --data: usage error" usage_error eval "$TINY/model.h5"
check "eval --batch 0: usage error" usage_error eval "$TINY/model.h5" --data "$TEST" --batch 0

check "missing data file: one error line" \
  one_error "nope.npy" train "$TINY/model.h5" --data "$TMP/nope.npy:$TINY/train-y.npy" --epochs 1 --batch 1 -o "$TMP/x.h5"
check "float labels: one error line" \
  one_error "integers" train "$TINY/model.h5" --data "$DATA/npy/x.npy:$DATA/npy/y-float.npy" --epochs 1 --batch 1 -o "$TMP/x.h5"
check "labels and inputs of different N: one error line" \
  one_error "3 labels" eval "$TINY/model.h5" --data "$DATA/npy/x.npy:$DATA/npy/y-short.npy"
check "labels beyond the network's outputs: one error line" \
  one_error "3 outputs" train "$TINY/model.h5" --data "$DATA/npy/x.npy:$DATA/npy/y-int64.npy" --epochs 1 --batch 1 -o "$TMP/x.h5"
check "a data folder without data: one error line" \
  one_error "no class sub-folders" eval "$TINY/model.h5" --data "$DATA/npy"
check "a network without class scores: one error line" \
  one_error "class scores" eval "$SRCDIR/data/ref/conv-basic/model.h5" --data "$TEST"
check "nothing written after a failure" sh -c "! test -e '$TMP/x.h5'"

tap_done
