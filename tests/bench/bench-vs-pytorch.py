#!/usr/bin/python3
# bench-vs-pytorch.py - forward-pass time of layerlab-cli beside PyTorch, same network
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Both engines run the network read from the same Layerlab HDF5 model file (PyTorch's
# side through h5py), on the same batch size and thread count. Runs alternate, one
# round of each engine at a time, so that the load of a shared machine hits both alike.
# Prints a markdown table of medians and the ratio ours / PyTorch. See README.md.

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
import torch
from torch import nn


# ---------------------------------------------------------------- model file -> torch

def attr(group, name, default=None):
    if name not in group.attrs:
        if default is None:
            raise ValueError(f"{group.name}: missing attribute {name!r}")
        return default
    value = group.attrs[name]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return tuple(int(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def make_layer(g):
    """One torch.nn module from the attributes of /architecture/<i> (format 1.0)."""
    kind = attr(g, "type")
    if kind == "Conv2d":
        return nn.Conv2d(attr(g, "in_channels"), attr(g, "out_channels"),
                         attr(g, "kernel_size"), attr(g, "stride", (1, 1)),
                         attr(g, "padding", (0, 0)), attr(g, "dilation", (1, 1)),
                         attr(g, "groups", 1), bool(attr(g, "bias", 1)))
    if kind == "MaxPool2d":
        k = attr(g, "kernel_size")
        return nn.MaxPool2d(k, attr(g, "stride", k), attr(g, "padding", (0, 0)),
                            attr(g, "dilation", (1, 1)), ceil_mode=bool(attr(g, "ceil_mode", 0)))
    if kind == "AvgPool2d":
        k = attr(g, "kernel_size")
        return nn.AvgPool2d(k, attr(g, "stride", k), attr(g, "padding", (0, 0)),
                            bool(attr(g, "ceil_mode", 0)), bool(attr(g, "count_include_pad", 1)))
    if kind == "Linear":
        return nn.Linear(attr(g, "in_features"), attr(g, "out_features"),
                         bool(attr(g, "bias", 1)))
    if kind == "BatchNorm2d":
        return nn.BatchNorm2d(attr(g, "num_features"), attr(g, "eps", 1e-5),
                              attr(g, "momentum", 0.1), bool(attr(g, "affine", 1)),
                              bool(attr(g, "track_running_stats", 1)))
    if kind == "Flatten":
        return nn.Flatten(attr(g, "start_dim", 1), attr(g, "end_dim", -1))
    if kind == "Dropout":
        return nn.Dropout(attr(g, "p", 0.5))
    if kind == "LeakyReLU":
        return nn.LeakyReLU(attr(g, "negative_slope", 0.01))
    if kind == "Softmax":
        return nn.Softmax(attr(g, "dim", 1))
    simple = {"ReLU": nn.ReLU, "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh}
    if kind in simple:
        return simple[kind]()
    raise ValueError(f"{g.name}: unknown layer type {kind!r}")


def load_torch(path):
    """(network in eval mode, per-sample input shape) from a Layerlab model file."""
    with h5py.File(path, "r") as f:
        arch = f["architecture"]
        layers = [make_layer(arch[str(i)]) for i in range(int(arch.attrs["num_layers"]))]
        input_shape = tuple(int(d) for d in arch.attrs["input_shape"])
        state = {k: torch.from_numpy(np.asarray(v[()])) for k, v in f["state_dict"].items()}
    network = nn.Sequential(*layers)
    network.load_state_dict(state, strict=True)
    return network.eval(), input_shape


# ---------------------------------------------------------------- timing

def time_ours(cli, model, batch, threads, repeat):
    """layerlab-cli bench: (median ms, GFLOP/s) over `repeat` runs after a warm-up."""
    out = subprocess.run([cli, "bench", model, "--batch", str(batch), "--threads", str(threads),
                          "--repeat", str(repeat)], check=True, capture_output=True, text=True)
    result = json.loads(out.stdout)
    return result["median_ms"], result["gflops"]


def time_torch(network, input_shape, batch, threads, repeat):
    """The same protocol in PyTorch: one warm-up, then the median of `repeat` runs."""
    torch.set_num_threads(threads)
    x = torch.rand(batch, *input_shape)
    times = []
    with torch.no_grad():
        network(x)
        for _ in range(repeat):
            start = time.perf_counter()
            network(x)
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def compare(cli, model, label, batch, threads, rounds, repeat):
    network, input_shape = load_torch(model)
    ours, theirs, gflops = [], [], []
    for _ in range(rounds):
        ms, gf = time_ours(cli, model, batch, threads, repeat)
        ours.append(ms)
        gflops.append(gf)
        theirs.append(time_torch(network, input_shape, batch, threads, repeat))
    ours_ms, theirs_ms = statistics.median(ours), statistics.median(theirs)
    flop = statistics.median(gflops) * ours_ms * 1e6   # 2 * MACs * batch
    return {"work": label, "ours_ms": ours_ms, "torch_ms": theirs_ms,
            "ours_gflops": flop / (ours_ms * 1e6), "torch_gflops": flop / (theirs_ms * 1e6),
            "ratio": ours_ms / theirs_ms}


# ---------------------------------------------------------------- main

def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def print_table(rows):
    print("| work | Layerlab ms | PyTorch ms | Layerlab GFLOP/s | PyTorch GFLOP/s "
          "| ours / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['work']} | {r['ours_ms']:.3f} | {r['torch_ms']:.3f} "
              f"| {r['ours_gflops']:.1f} | {r['torch_gflops']:.1f} | {r['ratio']:.2f} |")


def new_model(cli, template, folder):
    path = os.path.join(folder, template + ".h5")
    subprocess.run([cli, "new", "--template", template, "-o", path, "--seed", "1"], check=True)
    return path


def parse_args():
    p = argparse.ArgumentParser(description=__doc__ or "layerlab-cli bench vs PyTorch")
    p.add_argument("--cli", default=os.environ.get("LAYERLAB_CLI", "layerlab-cli"),
                   help="path of layerlab-cli (default: $LAYERLAB_CLI or layerlab-cli)")
    p.add_argument("--model", help="model file for the two seed rows "
                   "(default: a seed template made with layerlab-cli new)")
    p.add_argument("--vgg16", action="store_true",
                   help="also VGG-16, batch 1, 2 threads (writes a 553 MB model file)")
    p.add_argument("--rounds", type=int, default=7,
                   help="alternating rounds per row (default 7)")
    p.add_argument("--repeat", type=int, default=20,
                   help="timed runs per round and engine (default 20; VGG-16 uses a quarter)")
    return p.parse_args()


def main():
    args = parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-vs-pytorch-") as folder:
        model = args.model or new_model(args.cli, "seed", folder)
        name = "seed" if args.model is None else os.path.basename(model)
        rows.append(compare(args.cli, model, f"{name}, batch 111, 2 threads", 111, 2,
                            args.rounds, args.repeat))
        rows.append(compare(args.cli, model, f"{name}, batch 1, 1 thread", 1, 1,
                            args.rounds, args.repeat))
        if args.vgg16:
            vgg = new_model(args.cli, "vgg16", folder)
            rows.append(compare(args.cli, vgg, "VGG-16, batch 1, 2 threads", 1, 2,
                                args.rounds, max(1, args.repeat // 4)))
    print(f"Machine: {cpu_name()}, {os.cpu_count()} CPUs; PyTorch {torch.__version__}; "
          f"medians of {args.rounds} alternating rounds\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
