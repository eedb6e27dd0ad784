#!/usr/bin/python3
# bench-vs-ort.py - forward-pass time of layerlab-cli beside ONNX Runtime and PyTorch
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The three engines run the same network with the same weights, batch size and thread
# count: ours reads a Layerlab model file, PyTorch builds the network from that file
# (as bench-vs-pytorch.py does), and ONNX Runtime runs PyTorch's ONNX export of it
# (torch.onnx.export, opset 13). Rounds alternate the engines, one round of each at a
# time, so that a shared machine's load hits all three alike. Prints a markdown table
# of medians and the ratios ours / ORT and ours / PyTorch (issue 19's table).
#
# ONNX Runtime comes from the npm registry (it is not in Debian):
# `npm install --ignore-scripts onnxruntime-node` into a cache folder, done here on first
# use; its install script only fetches GPU extras. Needs node and npm on PATH.

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import ortref  # noqa: E402  (ONNX Runtime from npm, shared with the interop tests)


def load_sibling(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  os.path.join(HERE, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


vs_pytorch = load_sibling("bench-vs-pytorch")


def export_onnx(network, input_shape, path):
    x = torch.rand(1, *input_shape)
    torch.onnx.export(network, x, path, opset_version=13, input_names=["input"],
                      output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})


def time_ort(folder, onnx_path, batch, threads, repeat):
    env = dict(os.environ, NODE_PATH=os.path.join(folder, "node_modules"))
    out = subprocess.run(["node", os.path.join(HERE, "ort-time.js"), onnx_path, str(batch),
                          str(threads), str(repeat)], check=True, capture_output=True,
                         text=True, env=env)
    return json.loads(out.stdout)["median_ms"]


def compare(args, folder, model, label, batch, threads, repeat):
    network, input_shape = vs_pytorch.load_torch(model)
    onnx_path = os.path.splitext(model)[0] + ".onnx"
    if not os.path.exists(onnx_path):
        export_onnx(network, input_shape, onnx_path)
    ours, theirs, ort, gflops = [], [], [], []
    for _ in range(args.rounds):
        ms, gf = vs_pytorch.time_ours(args.cli, model, batch, threads, repeat)
        ours.append(ms)
        gflops.append(gf)
        theirs.append(vs_pytorch.time_torch(network, input_shape, batch, threads, repeat))
        ort.append(time_ort(folder, onnx_path, batch, threads, repeat))
    o, t, r = statistics.median(ours), statistics.median(theirs), statistics.median(ort)
    flop = statistics.median(gflops) * o * 1e6   # 2 * MACs * batch
    return {"work": label, "ours": o, "torch": t, "ort": r, "flop": flop}


def cell(ms, flop):
    return f"{ms:.3f} ms ({flop / (ms * 1e6):.0f} GFLOP/s)"


def print_table(rows):
    print("| work | Layerlab | PyTorch | ONNX Runtime | ours/ORT | ours/PyTorch |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['work']} | {cell(r['ours'], r['flop'])} | {cell(r['torch'], r['flop'])} "
              f"| {cell(r['ort'], r['flop'])} | {r['ours'] / r['ort']:.2f} "
              f"| {r['ours'] / r['torch']:.2f} |")


def parse_args():
    p = argparse.ArgumentParser(description="layerlab-cli vs ONNX Runtime and PyTorch")
    p.add_argument("--cli", default=os.environ.get("LAYERLAB_CLI", "layerlab-cli"),
                   help="path of layerlab-cli (default: $LAYERLAB_CLI or layerlab-cli)")
    p.add_argument("--no-vgg16", action="store_true", help="skip the VGG-16 row")
    p.add_argument("--rounds", type=int, default=7,
                   help="alternating rounds per row (default 7)")
    p.add_argument("--repeat", type=int, default=20,
                   help="timed runs per round and engine (default 20; VGG-16 a quarter)")
    p.add_argument("--cache", default=os.environ.get("XDG_CACHE_HOME",
                                                     os.path.expanduser("~/.cache")),
                   help="where onnxruntime-node is installed (default: ~/.cache)")
    return p.parse_args()


def main():
    args = parse_args()
    folder = ortref.folder(args.cache)
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-vs-ort-") as tmp:
        seed = vs_pytorch.new_model(args.cli, "seed", tmp)
        for batch, threads in ((111, 2), (111, 1), (1, 1)):
            rows.append(compare(args, folder, seed,
                                f"seed network, batch {batch}, {threads} thread"
                                f"{'s' if threads > 1 else ''}", batch, threads, args.repeat))
        if not args.no_vgg16:
            vgg = vs_pytorch.new_model(args.cli, "vgg16", tmp)
            rows.append(compare(args, folder, vgg, "VGG-16, batch 1, 2 threads", 1, 2,
                                max(1, args.repeat // 4)))
    load_after = os.getloadavg()
    print(f"Machine: {vs_pytorch.cpu_name()}, {os.cpu_count()} CPUs (nproc); "
          f"PyTorch {torch.__version__}, ONNX Runtime {ortref.version(folder)} (npm); "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '')}; load average "
          f"{' '.join(f'{v:.2f}' for v in load_before)} before, "
          f"{' '.join(f'{v:.2f}' for v in load_after)} after; "
          f"medians of {args.rounds} alternating rounds\n")
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
