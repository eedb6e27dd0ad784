#!/usr/bin/python3
"""The ONNX model list of docs/onnx.md: torchvision models through layerlab-cli, against
ONNX Runtime and PyTorch.

Usage: /usr/bin/python3 tests/bench/onnx-models.py [--cli _build/src/cli/layerlab-cli]
           [--models resnet18,mobilenet_v2] [--quick] [--threads T] [--repeat R]
           [--cache DIR]

Each model is built by torchvision 0.14 with random weights (torch.manual_seed(0)),
BatchNorm given random running statistics and affine parameters and the classifier head
scaled, so that outputs are far from degenerate; then exported by torch.onnx.export at
opset 13 (batch 1, 3x224x224; the exports are cached). For each it prints one row:
nodes, operators, the largest difference between `layerlab-cli run` and ONNX Runtime
relative to the output's largest magnitude (must be <= 1e-3), whether the top-5 classes
agree, whether `summary`'s parameter count is PyTorch's, whether `convert M.onnx
M2.onnx` gives a file ONNX Runtime runs with the same outputs, and the forward time of
Layerlab's graph engine (the sum of the per-node medians of layerlab-cli profile)
beside ONNX Runtime's. --quick runs three small models.
Exits 1 when a row fails.
"""
import argparse
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "reference"))
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
import ortref  # noqa: E402

MODELS = ["alexnet", "vgg11_bn", "resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_small",
          "squeezenet1_1", "densenet121", "googlenet", "shufflenet_v2_x1_0",
          "efficientnet_b0", "regnet_y_400mf", "convnext_tiny", "vit_b_16"]
QUICK = ["squeezenet1_1", "mobilenet_v3_small", "resnet18"]


def build(name):
    torch.manual_seed(0)
    kw = {"aux_logits": False, "init_weights": True} if name in ("googlenet",
                                                                 "inception_v3") else {}
    model = getattr(torchvision.models, name)(**kw).eval()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.2, 0.2, generator=g)
                    m.running_var.uniform_(0.5, 1.5, generator=g)
                if m.weight is not None:
                    m.weight.uniform_(0.5, 1.5, generator=g)
                    m.bias.uniform_(-0.2, 0.2, generator=g)
        # the head: a visible spread of scores (vit_b_16's is zero-initialised)
        # (squeezenet's head is a 1x1 convolution)
        last = [m for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))][-1]
        last.weight.normal_(0, 0.05, generator=g)
        last.bias.normal_(0, 0.05, generator=g)
    return model


def export(name, cache, preserve=False):
    """The eval-mode export users make (BatchNorm folded into the convolutions), or with
    preserve the modules as they are (BatchNorm kept), for counting parameters."""
    path = os.path.join(cache, name + ("-preserve" if preserve else "") + "-opset13.onnx")
    if not os.path.exists(path):
        model = build(name)
        kw = dict(training=torch.onnx.TrainingMode.PRESERVE,
                  do_constant_folding=False) if preserve else {}
        torch.onnx.export(model, torch.rand(1, 3, 224, 224), path + ".tmp", opset_version=13,
                          input_names=["input"], output_names=["output"], **kw)
        os.replace(path + ".tmp", path)
    return path


def cli(args, *argv):
    r = subprocess.run([args.cli] + list(argv), capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("layerlab-cli %s: %s" % (argv[0], r.stderr.strip()[-300:]))
    return r.stdout


def top5(y):
    return list(np.argsort(-y.reshape(-1))[:5])


def row(args, name, where):
    path = export(name, args.cache)
    model = onnx.load(path)
    out = {"model": name, "nodes": len(model.graph.node),
           "ops": len({n.op_type for n in model.graph.node})}
    x = np.random.default_rng(0).random((1, 3, 224, 224), dtype=np.float32)
    xp = os.path.join(args.cache, "x.npy")
    yp = os.path.join(args.cache, name + "-ours.npy")
    np.save(xp, x)
    want = ortref.run(path, {"input": x}, threads=args.threads, where=where)["output"]
    try:
        cli(args, "run", path, "--input", xp, "--output", yp)
        got = np.load(yp)
        scale = float(np.max(np.abs(want)))
        out["max_err"] = float(np.max(np.abs(got - want))) / scale
        out["top5"] = top5(got) == top5(want)
    except RuntimeError as e:
        out["error"] = str(e)
        return out
    # parameters: on the export that keeps BatchNorm, as PyTorch counts them
    summary = cli(args, "summary", export(name, args.cache, preserve=True))
    m = re.search(r"Total params: ([\d,]+)", summary)
    params = sum(p.numel() for p in build(name).parameters())
    out["params_ok"] = m is not None and int(m.group(1).replace(",", "")) == params
    try:
        again = os.path.join(args.cache, name + "-resaved.onnx")
        cli(args, "convert", path, again)
        y2 = ortref.run(again, {"input": x}, threads=args.threads, where=where)["output"]
        out["resave_ok"] = float(np.max(np.abs(y2 - want))) <= 1e-5 * float(np.max(np.abs(want)))
    except RuntimeError as e:
        out["resave_ok"] = False
        out["resave_error"] = str(e)
    # time: layerlab-cli bench vs ONNX Runtime, same thread count
    try:
        ours = json.loads(cli(args, "profile", path, "--batch", "1", "--threads",
                              str(args.threads), "--repeat", str(args.repeat),
                              "--json"))["total_ms"]
    except (RuntimeError, KeyError, ValueError):
        ours = float("nan")
    env = dict(os.environ, NODE_PATH=os.path.join(where, "node_modules"))
    r = subprocess.run(["node", os.path.join(HERE, "ort-time.js"), path, "1", str(args.threads),
                        str(args.repeat)], capture_output=True, text=True, env=env, check=True)
    theirs = json.loads(r.stdout)["median_ms"]
    out["ours_ms"], out["ort_ms"] = ours, theirs
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cli", default=os.path.join("_build", "src", "cli", "layerlab-cli"))
    p.add_argument("--models")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--cache", default=os.path.join(os.environ.get(
        "XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "layerlab-onnx-models"))
    args = p.parse_args()
    os.makedirs(args.cache, exist_ok=True)
    names = args.models.split(",") if args.models else QUICK if args.quick else MODELS
    where = ortref.folder()
    torch.set_num_threads(args.threads)
    print("| model | nodes | ops | max error / max |y| | top-5 | params | re-saved | "
          "ours ms | ORT ms | ours/ORT |")
    print("|---|---:|---:|---:|:-:|:-:|:-:|---:|---:|---:|")
    failed = False
    for name in names:
        r = row(args, name, where)
        if "error" in r:
            failed = True
            print("| %s | %d | %d | %s | | | | | | |" % (name, r["nodes"], r["ops"],
                                                         r["error"].replace("|", "/")[:120]))
            continue
        ok = r["max_err"] <= 1e-3 and r["top5"] and r["params_ok"] and r["resave_ok"]
        failed |= not ok
        print("| %s | %d | %d | %.1e | %s | %s | %s | %.2f | %.2f | %.2f |" % (
            name, r["nodes"], r["ops"], r["max_err"], "yes" if r["top5"] else "NO",
            "yes" if r["params_ok"] else "NO", "yes" if r["resave_ok"] else "NO",
            r["ours_ms"], r["ort_ms"], r["ours_ms"] / r["ort_ms"]), flush=True)
    print("\nONNX Runtime %s (npm), PyTorch %s, torchvision %s, %d thread(s), median of %d"
          % (ortref.version(where), torch.__version__, torchvision.__version__, args.threads,
             args.repeat))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
