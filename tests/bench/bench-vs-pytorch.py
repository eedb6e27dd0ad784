#!/usr/bin/python3
# bench-vs-pytorch.py - forward-pass time of layerlab-cli beside PyTorch, same network
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Both engines run the network read from the same Layerlab HDF5 model file (PyTorch's
# side through h5py), on the same batch size and thread count. Runs alternate, one
# round of each engine at a time, so that the load of a shared machine hits both alike.
# Besides the forward passes it times opening a VGG-16 model file against torch.load of
# the same state_dict, saving it against h5py writing the same tensors, and measures
# the peak memory of a VGG-16 forward pass against the bound of issue 5.
# Prints one markdown table of medians and ratios (ours / theirs). See README.md.

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


# ---------------------------------------------------------------- files and memory

def run_cli_json(cli, *args):
    out = subprocess.run([cli, *args], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def torch_state_dict(model):
    with h5py.File(model, "r") as f:
        return {k: torch.from_numpy(np.asarray(v[()])) for k, v in f["state_dict"].items()}


def time_torch_load(path, repeat):
    """Median ms of torch.load of a state_dict file (one warm-up, like ours)."""
    times = []
    torch.load(path)
    for _ in range(repeat):
        start = time.perf_counter()
        state = torch.load(path)
        times.append((time.perf_counter() - start) * 1e3)
        del state
    return statistics.median(times)


def h5py_write(path, arrays, sync):
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f.create_dataset(key, data=value)
        f.flush()
        if sync:
            # the same durability as Layerlab's atomic save, which fsyncs before renaming
            os.fsync(f.id.get_vfd_handle())


def time_h5py_write(path, arrays, repeat, sync):
    times = []
    h5py_write(path, arrays, sync)
    for _ in range(repeat):
        start = time.perf_counter()
        h5py_write(path, arrays, sync)
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def io_row(label, ours_fn, theirs_fn, rounds):
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(ours_fn())
        theirs.append(theirs_fn())
    o, t = statistics.median(ours), statistics.median(theirs)
    return {"work": label, "ours": f"{o:.0f} ms", "theirs": f"{t:.0f} ms", "ratio": o / t}


def compare_open(cli, vgg, folder, rounds, repeat):
    pt = os.path.join(folder, "vgg16-state_dict.pt")
    torch.save(torch_state_dict(vgg), pt)
    return io_row("open VGG-16 model file (validated) vs torch.load(state_dict)",
                  lambda: run_cli_json(cli, "bench", vgg, "--open", "--repeat",
                                       str(repeat))["median_ms"],
                  lambda: time_torch_load(pt, repeat), rounds)


def compare_save(cli, vgg, folder, rounds, repeat, sync):
    arrays = {k: v.numpy() for k, v in torch_state_dict(vgg).items()}
    ours_path = os.path.join(folder, "saved.h5")
    theirs_path = os.path.join(folder, "h5py.h5")
    what = "h5py write + fsync" if sync else "h5py write, no fsync (reference only)"
    return io_row(f"save VGG-16 model file (atomic, fsync) vs {what}",
                  lambda: run_cli_json(cli, "bench", vgg, "--save", ours_path, "--repeat",
                                       str(repeat))["median_ms"],
                  lambda: time_h5py_write(theirs_path, arrays, repeat, sync), rounds)


def memory_row(cli, vgg):
    m = run_cli_json(cli, "bench", vgg, "--memory", "--batch", "1", "--threads", "2")
    mib = 1024.0 * 1024.0
    return {"work": "peak memory of VGG-16 forward, batch 1 (peak RSS vs weights + two "
                    "largest activations + one im2col buffer)",
            "ours": f"{m['peak_rss_bytes'] / mib:.0f} MiB",
            "theirs": f"{m['bound_bytes'] / mib:.0f} MiB = {m['weights_bytes'] / mib:.0f}"
                      f" + {m['activations_bytes'] / mib:.1f} + {m['im2col_bytes'] / mib:.1f}",
            "ratio": m["peak_rss_bytes"] / m["bound_bytes"],
            "note": f"process RSS before opening the model: "
                    f"{m['baseline_rss_bytes'] / mib:.0f} MiB (included)"}


# ---------------------------------------------------------------- main

def cpu_name():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


TARGETS = {"seed-111": 0.5, "seed-1": 0.5, "vgg": 0.6, "open": 1.0, "save": 1.0,
           "memory": 1.3}


def forward_cells(r):
    return (f"{r['ours_ms']:.3f} ms ({r['ours_gflops']:.1f} GFLOP/s)",
            f"{r['torch_ms']:.3f} ms ({r['torch_gflops']:.1f} GFLOP/s)")


def print_table(rows):
    print("| work | Layerlab | PyTorch / reference | ratio | target | met |")
    print("|---|---:|---:|---:|---:|:---:|")
    for r in rows:
        ours, theirs = forward_cells(r) if "ours_ms" in r else (r["ours"], r["theirs"])
        target = TARGETS.get(r.get("target"))
        met = "" if target is None else ("yes" if r["ratio"] <= target else "**no**")
        tcell = "" if target is None else f"<= {target}"
        print(f"| {r['work']} | {ours} | {theirs} | {r['ratio']:.2f} | {tcell} | {met} |")
    for r in rows:
        if "note" in r:
            print(f"\n{r['work']}: {r['note']}")


def new_model(cli, template, folder):
    path = os.path.join(folder, template + ".h5")
    subprocess.run([cli, "new", "--template", template, "-o", path, "--seed", "1"], check=True)
    return path


def parse_args():
    p = argparse.ArgumentParser(description="layerlab-cli vs PyTorch: the table of issue 5")
    p.add_argument("--cli", default=os.environ.get("LAYERLAB_CLI", "layerlab-cli"),
                   help="path of layerlab-cli (default: $LAYERLAB_CLI or layerlab-cli)")
    p.add_argument("--model", help="model file for the two seed rows "
                   "(default: a seed template made with layerlab-cli new)")
    p.add_argument("--no-vgg16", action="store_true",
                   help="skip the VGG-16 rows (they write 553 MB model files)")
    p.add_argument("--rounds", type=int, default=7,
                   help="alternating rounds per row (default 7)")
    p.add_argument("--repeat", type=int, default=20,
                   help="timed runs per round and engine (default 20; VGG-16 forward uses "
                   "a quarter, file rows 2)")
    p.add_argument("--tmpdir", help="folder for the temporary model files "
                   "(default: the system's; the save rows measure its disk)")
    return p.parse_args()


def vgg_rows(args, folder):
    vgg = new_model(args.cli, "vgg16", folder)
    rows = [compare(args.cli, vgg, "VGG-16, batch 1, 2 threads", 1, 2, args.rounds,
                    max(1, args.repeat // 4))]
    rows[-1]["target"] = "vgg"
    rows.append(compare_open(args.cli, vgg, folder, args.rounds, 2))
    rows[-1]["target"] = "open"
    rows.append(compare_save(args.cli, vgg, folder, args.rounds, 2, True))
    rows[-1]["target"] = "save"
    rows.append(compare_save(args.cli, vgg, folder, args.rounds, 2, False))
    rows.append(memory_row(args.cli, vgg))
    rows[-1]["target"] = "memory"
    return rows


def main():
    args = parse_args()
    rows = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-vs-pytorch-", dir=args.tmpdir) as folder:
        model = args.model or new_model(args.cli, "seed", folder)
        name = "seed" if args.model is None else os.path.basename(model)
        rows.append(compare(args.cli, model, f"{name} network, batch 111, 2 threads", 111, 2,
                            args.rounds, args.repeat))
        rows[-1]["target"] = "seed-111"
        rows.append(compare(args.cli, model, f"{name} network, batch 1, 1 thread", 1, 1,
                            args.rounds, args.repeat))
        rows[-1]["target"] = "seed-1"
        if not args.no_vgg16:
            rows.extend(vgg_rows(args, folder))
    load_after = os.getloadavg()
    print(f"Machine: {cpu_name()}, {os.cpu_count()} CPUs (nproc); PyTorch {torch.__version__}, "
          f"h5py {h5py.__version__}; load average (1/5/15 min) "
          f"{' '.join(f'{v:.2f}' for v in load_before)} before, "
          f"{' '.join(f'{v:.2f}' for v in load_after)} after; "
          f"medians of {args.rounds} alternating rounds\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
