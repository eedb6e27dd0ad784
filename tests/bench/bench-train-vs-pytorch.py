#!/usr/bin/python3
# bench-train-vs-pytorch.py - seconds per training epoch of layerlab-cli train beside
# PyTorch, same network, data, recipe and thread count
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The recipe of issue 8: the seed network (layerlab-cli new --template seed), Fashion-MNIST
# (Debian's dataset-fashion-mnist; build-aux/install-deps.sh --data) centre-cropped from
# 28×28 to 24×24 and scaled to [0, 1], Adam lr 1e-3, batch 111, shuffled, cross-entropy.
# Both sides start from the same weights: PyTorch's network is rebuilt from the same
# model file through h5py (tests/bench/bench-vs-pytorch.py's loader). Runs alternate,
# one engine at a time for --epochs epochs, for --rounds rounds, so that the load of a
# shared machine hits both alike. The time of an epoch is the training loop only (the
# per-epoch line of layerlab-cli train; PyTorch timed around its loop, with the batches
# gathered from a preloaded tensor as layerlab-cli does); validation is not timed.
# Prints a markdown table: median seconds per epoch, the ratio ours / PyTorch (the
# target is <= 1) and the test accuracy each side reached after its last round.
#
# Usage: /usr/bin/python3 tests/bench/bench-train-vs-pytorch.py --cli BUILD/src/cli/layerlab-cli
#        [--data DIR] [--threads 2] [--epochs 1] [--rounds 2] [--full]
# --full also trains both for 12 epochs once and reports the final test accuracies.

import argparse
import gzip
import importlib.util
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = "/usr/share/datasets/fashion-mnist"
BATCH = 111
LR = 1e-3


def load_bench_module():
    spec = importlib.util.spec_from_file_location("bench_vs_pytorch",
                                                  os.path.join(HERE, "bench-vs-pytorch.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    n_dims = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(n_dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * n_dims).reshape(dims)


def fashion_split(folder, prefix):
    def find(kind):
        for name in (f"{prefix}-{kind}.gz", f"{prefix}-{kind}"):
            if os.path.exists(os.path.join(folder, name)):
                return os.path.join(folder, name)
        sys.exit(f"{folder}: no {prefix}-{kind}(.gz); install dataset-fashion-mnist")
    x = read_idx(find("images-idx3-ubyte")).astype(np.float32) / 255.0
    y = read_idx(find("labels-idx1-ubyte")).astype(np.int64)
    # centre crop 28×28 -> 24×24, as layerlab-cli's --fit crop: rows/columns 2..25
    return torch.from_numpy(x[:, None, 2:26, 2:26].copy()), torch.from_numpy(y)


# ---------------------------------------------------------------- PyTorch

def torch_epoch(net, opt, x, y, generator):
    net.train()
    loss_fn = nn.CrossEntropyLoss()
    perm = torch.randperm(len(x), generator=generator)
    start = time.perf_counter()
    for i in range(0, len(x), BATCH):
        idx = perm[i:i + BATCH]
        opt.zero_grad()
        loss = loss_fn(net(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return time.perf_counter() - start


def torch_accuracy(net, x, y):
    net.eval()
    hits = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            hits += (net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return 100.0 * hits / len(x)


class TorchSide:
    def __init__(self, bench, model, data, threads):
        torch.set_num_threads(threads)
        self.net, _ = bench.load_torch(model)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=LR)
        self.x, self.y = fashion_split(data, "train")
        self.tx, self.ty = fashion_split(data, "t10k")
        self.generator = torch.Generator().manual_seed(0)

    def train(self, epochs):
        return [torch_epoch(self.net, self.opt, self.x, self.y, self.generator)
                for _ in range(epochs)]

    def accuracy(self):
        return torch_accuracy(self.net, self.tx, self.ty)


# ---------------------------------------------------------------- Layerlab

EPOCH_LINE = re.compile(r"^epoch \d+/\d+ .* time ([0-9.]+)s$")
VAL_LINE = re.compile(r"^validation loss [0-9.]+ accuracy ([0-9.]+)%")


class OurSide:
    """Continues training from its own last model file, round after round."""

    def __init__(self, cli, model, data, threads, folder):
        self.cli, self.model, self.data, self.threads = cli, model, data, threads
        self.folder, self.round, self.last_accuracy = folder, 0, None

    def train(self, epochs, validate=False):
        out = os.path.join(self.folder, f"ours-{self.round}.h5")
        cmd = [self.cli, "train", self.model, "--data", self.data, "--epochs", str(epochs),
               "--batch", str(BATCH), "--optimizer", "adam", "--lr", str(LR), "--fit", "crop",
               "--threads", str(self.threads), "--seed", str(self.round), "-o", out]
        if not validate:
            cmd += ["--val", "none"]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            sys.exit(f"layerlab-cli train failed:\n{res.stderr}")
        times = [float(m.group(1)) for m in map(EPOCH_LINE.match, res.stderr.splitlines()) if m]
        accs = [float(m.group(1)) for m in map(VAL_LINE.match, res.stdout.splitlines()) if m]
        self.last_accuracy = accs[-1] if accs else None
        self.model = out
        self.round += 1
        return times

    def accuracy(self):
        res = subprocess.run([self.cli, "eval", self.model, "--data", self.data, "--fit", "crop",
                              "--threads", str(self.threads)], capture_output=True, text=True,
                             check=True)
        m = re.search(r"^accuracy: ([0-9.]+)%", res.stdout, re.M)
        return float(m.group(1))


# ---------------------------------------------------------------- main

def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--cli", required=True, help="path to layerlab-cli")
    p.add_argument("--data", default=FASHION, help="Fashion-MNIST folder (IDX files)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=1, help="epochs per round and engine")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--full", action="store_true",
                   help="then 12 epochs from scratch on each side, with test accuracy")
    return p.parse_args()


def full_run(args, bench, model, folder):
    ours = OurSide(args.cli, model, args.data, args.threads, folder)
    ours.train(12, validate=True)
    theirs = TorchSide(bench, model, args.data, args.threads)
    theirs.train(12)
    print(f"\n12 epochs from the same start: Layerlab {ours.last_accuracy:.2f}%, "
          f"PyTorch {theirs.accuracy():.2f}% test accuracy (target >= 90.0)")


def main():
    args = parse_args()
    bench = load_bench_module()
    with tempfile.TemporaryDirectory() as folder:
        model = bench.new_model(args.cli, "seed", folder)
        ours = OurSide(args.cli, model, args.data, args.threads, folder)
        theirs = TorchSide(bench, model, args.data, args.threads)
        ours_t, theirs_t = [], []
        for r in range(args.rounds):
            ours_t += ours.train(args.epochs)
            theirs_t += theirs.train(args.epochs)
            print(f"round {r + 1}: Layerlab {ours_t[-1]:.1f} s, PyTorch {theirs_t[-1]:.1f} s "
                  "per epoch", file=sys.stderr)
        o, t = statistics.median(ours_t), statistics.median(theirs_t)
        epochs = args.rounds * args.epochs
        print(f"| seed, Fashion-MNIST 60000, batch {BATCH}, Adam, {args.threads} threads "
              "| Layerlab | PyTorch | ratio | target |")
        print("|---|---:|---:|---:|---:|")
        print(f"| seconds per epoch (median of {epochs}) | {o:.1f} | {t:.1f} | {o / t:.2f} "
              f"| <= 1.00 {'yes' if o <= t else '**no**'} |")
        print(f"| test accuracy after {epochs} epochs | {ours.accuracy():.2f}% "
              f"| {theirs.accuracy():.2f}% | | |")
        if args.full:
            full_run(args, bench, model, folder)


if __name__ == "__main__":
    main()
