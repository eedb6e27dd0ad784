#!/usr/bin/python3
"""TAP test: layerlab-cli diff against the same comparison done in PyTorch.

argv[1] is layerlab-cli. Model A is a torch.nn.Sequential saved whole; B is A after a
few SGD steps with one layer's options changed, a layer removed and one added. diff
--json must list exactly those node changes, and for every weight the largest absolute
change and ||B - A|| / ||A|| that PyTorch computes from the two state_dicts, and for the
same input the change of the output PyTorch computes. Skipped without python3-torch.
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
try:
    import numpy as np
    import torch
    from torch import nn
    from tap import check, report
except ImportError as e:  # pragma: no cover
    print("1..1")
    print("ok 1 # SKIP python3-torch not installed (%s)" % e)
    sys.exit(0)

cli = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="layerlab-diff-")
atexit.register(shutil.rmtree, tmp, ignore_errors=True)

torch.manual_seed(0)
a = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                  nn.Linear(4 * 5 * 5, 10), nn.Sigmoid()).eval()
b = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                  nn.Linear(4 * 5 * 5, 10), nn.Tanh()).eval()
b.load_state_dict(a.state_dict())
opt = torch.optim.SGD(b.parameters(), lr=0.1)
for _ in range(3):
    opt.zero_grad()
    b(torch.rand(8, 1, 12, 12)).sum().backward()
    opt.step()
with torch.no_grad():
    b[2].padding = 1          # MaxPool2d(2, padding=1): a changed attribute ...
b[4] = nn.Linear(4 * 6 * 6, 10)   # ... so the Linear after it changes shape
b.eval()
torch.save(a, os.path.join(tmp, "a.pt"))
torch.save(b, os.path.join(tmp, "b.pt"))
x = torch.rand(3, 1, 12, 12)
np.save(os.path.join(tmp, "x.npy"), x.numpy())


def diff(*extra):
    r = subprocess.run([cli, "diff", os.path.join(tmp, "a.pt"), os.path.join(tmp, "b.pt"),
                        "--json"] + list(extra), capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


result = {}


def runs():
    result.update(diff("--input", os.path.join(tmp, "x.npy")))
check("diff --json runs on two whole-model .pt files", runs)


def nodes():
    got = {(n["change"], n["name"], n["op"]) for n in result["nodes"]}
    want = {("removed", "/5/Sigmoid", "Sigmoid"), ("added", "/5/Tanh", "Tanh"),
            ("changed", "/2/MaxPool", "MaxPool")}
    assert got == want, "nodes %s" % sorted(got)
    what = [n["what"] for n in result["nodes"] if n["name"] == "/2/MaxPool"][0]
    assert "pads [0, 0, 0, 0] -> [1, 1, 1, 1]" in what, what
check("node changes: the pool's padding, Sigmoid removed, Tanh added", nodes)


def weights():
    sa, sb = a.state_dict(), b.state_dict()
    got = {w["name"]: w for w in result["weights"]}
    assert set(got) == set(sa), sorted(got)
    for k in sa:
        w = got[k]
        if sa[k].shape != sb[k].shape:
            assert w["change"] == "changed" and w["shape_b"] == list(sb[k].shape), w
            continue
        d = (sb[k] - sa[k]).double()
        max_abs = float(d.abs().max())
        rel = float(d.norm() / sa[k].double().norm())
        assert w["change"] == ("changed" if max_abs > 0 else "same"), (k, w)
        assert abs(w["max_abs"] - max_abs) <= 1e-6 * (1 + max_abs), (k, w["max_abs"], max_abs)
        assert abs(w["relative"] - rel) <= 1e-6 * (1 + rel), (k, w["relative"], rel)
check("each weight's max |B - A| and relative change are PyTorch's", weights)


def compare_outputs(o, net_a, net_b):
    with torch.no_grad():
        ya, yb = net_a(x).double(), net_b(x).double()
    want_abs = float((yb - ya).abs().max())
    want_rel = float((yb - ya).norm() / ya.norm())
    assert o["compared"] is True, o
    assert abs(o["max_abs"] - want_abs) <= 1e-5 * (1 + want_abs), (o, want_abs)
    assert abs(o["relative"] - want_rel) <= 1e-4 * want_rel + 1e-7, (o, want_rel)


def outputs():
    compare_outputs(result["outputs"], a, b)
check("outputs on the same input differ as PyTorch computes", outputs)


def other_input():
    r = subprocess.run([cli, "diff", os.path.join(tmp, "a.pt"), os.path.join(tmp, "b.pt"),
                        "--input", os.path.join(tmp, "x6.npy")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "Outputs on X.npy: not compared: " in r.stdout.replace(
        os.path.join(tmp, "x6.npy"), "X.npy"), r.stdout
np.save(os.path.join(tmp, "x6.npy"), np.zeros((1, 6, 6), np.float32))
check("an input that fits neither model: outputs not compared, and why", other_input)


def same_arch_outputs():
    # B2: A trained, same architecture: outputs compared on x, as PyTorch computes them
    b2 = torch.load(os.path.join(tmp, "a.pt"))
    with torch.no_grad():
        for p in b2.parameters():
            p.add_(0.01 * torch.randn_like(p))
    torch.save(b2, os.path.join(tmp, "b.pt"))
    r = diff("--input", os.path.join(tmp, "x.npy"))
    compare_outputs(r["outputs"], a, b2)
    assert r["nodes"] == [] and r["nodes_same"] == 6, r["nodes"]
check("outputs on the same input change as PyTorch computes", same_arch_outputs)

report()
