#!/usr/bin/python3
# check-training-h5py.py - the optional /training group (format 1.1) seen from h5py (TAP)
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-training-h5py.py LAYERLAB-CLI
# Trains the tiny fixture network with `layerlab-cli train` and reads the output's
# /training group with h5py as docs/model-file-format.md describes it: format_version 1.1,
# every attribute's HDF5 type, the history columns and their values against the
# per-epoch lines train printed. Then the other direction: a /training group written by
# h5py from the documentation alone is shown by `layerlab-cli summary`, a malformed one
# is dropped with a warning while the model still opens, and a model without one stays
# format 1.0.
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback

import h5py
import numpy as np

CLI = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAYERLAB_CLI", "layerlab-cli")
TINY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "datasets", "tiny")
results = []


def check(description):
    def wrap(fn):
        try:
            fn()
            results.append((True, description, ""))
        except Exception:
            results.append((False, description, traceback.format_exc()))
        return fn
    return wrap


def cli(*args, expect=0):
    p = subprocess.run([CLI] + list(args), capture_output=True, text=True)
    assert p.returncode == expect, "%s -> %d\n%s%s" % (args, p.returncode, p.stdout, p.stderr)
    return p


def assert_attr(attrs, name, kind, itemsize=None):
    assert name in attrs, "missing attribute %s" % name
    t = attrs.get_id(name).dtype
    if kind == "str":
        info = h5py.check_string_dtype(t)
        assert info is not None and info.length is None and info.encoding == "utf-8", \
            "%s is not a variable-length UTF-8 string: %s" % (name, t)
        assert attrs.get_id(name).shape == (), "%s is not a scalar" % name
    else:
        assert t.kind == kind and t.itemsize == itemsize and t.byteorder in "<|=", \
            "%s: %s, expected %s%d little-endian" % (name, t, kind, itemsize)


def main():
    tmp = tempfile.mkdtemp(prefix="check-training-")
    out = os.path.join(tmp, "trained.h5")
    data = "%s:%s" % (os.path.join(TINY, "train-x.npy"), os.path.join(TINY, "train-y.npy"))
    train = cli("train", os.path.join(TINY, "model.h5"), "--data", data, "--val", "0.25",
                "--epochs", "4", "--batch", "16", "--optimizer", "sgd", "--lr", "0.05",
                "--momentum", "0.9", "--seed", "7", "-o", out)
    lines = re.findall(r"^epoch (\d+)/4  train loss ([0-9.]+) acc ([0-9.]+)%  val loss "
                       r"([0-9.]+) acc ([0-9.]+)%  time ([0-9.]+)s$", train.stderr, re.M)

    @check("train writes format_version 1.1 (1.2 with pools) and a /training group")
    def _():
        with h5py.File(out, "r") as f:
            arch = f["architecture"]
            pools = any(arch[k].attrs["type"] in ("MaxPool2d", "AvgPool2d") for k in arch)
            v = f.attrs["format_version"]
            assert v.dtype == np.int32 and list(v) == [1, 2 if pools else 1], v
            assert isinstance(f["training"], h5py.Group)

    @check("/training attributes have the documented types and values")
    def _():
        with h5py.File(out, "r") as f:
            a = f["training"].attrs
            for name in ["data", "validation_data", "preprocessing", "loss", "optimizer"]:
                assert_attr(a, name, "str")
            for name in ["epochs", "batch_size"]:
                assert_attr(a, name, "i", 8)
            assert_attr(a, "seed", "u", 8)
            assert_attr(a, "shuffle", "i", 1)
            for name in ["lr", "weight_decay", "momentum", "dampening", "validation_fraction"]:
                assert_attr(a, name, "f", 8)
            assert_attr(a, "nesterov", "i", 1)
            assert "betas" not in a and "eps" not in a, "Adam's settings on an SGD record"
            assert a["data"] == data and a["loss"] == "CrossEntropyLoss"
            assert a["optimizer"] == "SGD" and a["lr"] == 0.05 and a["momentum"] == 0.9
            assert a["epochs"] == 4 and a["batch_size"] == 16 and a["seed"] == 7
            assert a["shuffle"] == 1 and a["validation_fraction"] == 0.25
            assert a["validation_data"] == ""

    @check("history columns are float64[epochs] and match what train printed")
    def _():
        assert len(lines) == 4, train.stderr
        with h5py.File(out, "r") as f:
            g = f["training"]
            cols = ["train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"]
            for c in cols:
                assert g[c].dtype == np.float64 and g[c].shape == (4,), (c, g[c])
            for i, (_, tl, ta, vl, va, _) in enumerate(lines):
                assert abs(g["train_loss"][i] - float(tl)) <= 5e-5
                assert abs(100 * g["train_accuracy"][i] - float(ta)) <= 5e-3
                assert abs(g["val_loss"][i] - float(vl)) <= 5e-5
                assert abs(100 * g["val_accuracy"][i] - float(va)) <= 5e-3
                assert g["seconds"][i] >= 0

    @check("summary prints the history of the trained file")
    def _():
        s = cli("summary", out).stdout
        assert "Training: CrossEntropyLoss, SGD (lr=0.05, momentum=0.9" in s, s
        for i, (_, tl, ta, vl, va, _) in enumerate(lines):
            assert re.search(r"^ +%d +%s +%s%% +%s +%s%%" % (i + 1, tl, ta, vl, va), s, re.M), s

    @check("a /training group written by h5py from the documentation is read")
    def _():
        path = os.path.join(tmp, "by-h5py.h5")
        shutil.copy(out, path)
        with h5py.File(path, "r+") as f:
            del f["training"]
            g = f.create_group("training")
            g.attrs["loss"] = "MSELoss"
            g.attrs["optimizer"] = "Adam"
            g.attrs["lr"] = 0.002
            g.attrs["betas"] = np.array([0.8, 0.95])
            g.attrs["epochs"] = np.int64(3)
            g.create_dataset("train_loss", data=np.array([0.9, 0.5, 0.25]))
            g.create_dataset("val_loss", data=np.array([1.0, math.nan, 0.375]))
        p = cli("summary", path)
        assert p.stderr == "", p.stderr
        s = p.stdout
        assert "Training: MSELoss, Adam (lr=0.002, betas=(0.8, 0.95), eps=1e-08" in s, s
        assert re.search(r"^ +2 +0\.5000 +- +- +- +-$", s, re.M), s
        assert re.search(r"^ +3 +0\.2500 +- +0\.3750 +- +-$", s, re.M), s

    @check("a malformed /training group: the model opens, the record is dropped, a warning")
    def _():
        path = os.path.join(tmp, "malformed.h5")
        shutil.copy(out, path)
        with h5py.File(path, "r+") as f:
            f["training"].attrs["optimizer"] = "RMSprop"
        p = cli("summary", path)
        assert "Training:" not in p.stdout and "Sequential(" in p.stdout, p.stdout
        assert p.stderr.startswith("layerlab-cli: warning: %s: /training: unknown optimizer "
                                   "'RMSprop'" % path), p.stderr
        assert "training record was ignored" in p.stderr, p.stderr
        cli("run", path, "--input", os.path.join(TINY, "test-x.npy"), "-o",
            os.path.join(tmp, "y.npy"))

    @check("a model without training or pools stays format 1.0 without /training")
    def _():
        path = os.path.join(tmp, "new.h5")
        cli("new", "--template", "empty", "-o", path)
        with h5py.File(path, "r") as f:
            assert list(f.attrs["format_version"]) == [1, 0]
            assert "training" not in f
        cli("new", "--template", "seed", "-o", path)
        with h5py.File(path, "r") as f:
            assert list(f.attrs["format_version"]) == [1, 2]
            assert "training" not in f

    shutil.rmtree(tmp)
    print("1..%d" % len(results))
    for i, (ok, description, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, description))
        for line in diag.rstrip().splitlines():
            print("# " + line)
    return 0 if all(r[0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
