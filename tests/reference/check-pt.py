#!/usr/bin/python3
"""TAP test: Layerlab and PyTorch hand .pt files back and forth.

argv[1] is layerlab-cli. Runs only where python3-torch is installed (CI installs it);
elsewhere every check is reported as skipped.

Layerlab -> .pt -> PyTorch -> .pt -> Layerlab must be exact, a whole-module .pt must run
in Layerlab with PyTorch's outputs, and the exported PyTorch script must print the same
repr and compute the same output.
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

checks = []


def check(name):
    def wrap(fn):
        checks.append((name, fn))
        return fn
    return wrap


try:
    import h5py
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # pragma: no cover - depends on the machine
    print("1..1")
    print("ok 1 # SKIP python3-torch/h5py not installed (%s)" % e)
    sys.exit(0)

cli = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="layerlab-pt-")
atexit.register(shutil.rmtree, tmp, ignore_errors=True)


def run(*args):
    r = subprocess.run([cli] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("layerlab-cli %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def path(name):
    return os.path.join(tmp, name)


def seed_torch():
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(576, 1024), nn.ReLU(), nn.Linear(1024, 10))


def h5_state(p):
    with h5py.File(p, "r") as f:
        return {k: v[()] for k, v in f["state_dict"].items()}


def assert_same_state(a, b):
    assert sorted(a) == sorted(b), (sorted(a), sorted(b))
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.shape == y.shape and np.array_equal(x, y), "%s differs" % k


@check("Layerlab's state_dict .pt loads in PyTorch unchanged and exactly")
def _():
    run("new", "--template", "seed", "-o", path("a.h5"), "--seed", "3")
    run("convert", path("a.h5"), path("a.pt"))
    net = seed_torch()
    net.load_state_dict(torch.load(path("a.pt")))  # strict
    assert_same_state({k: v.numpy() for k, v in net.state_dict().items()}, h5_state(path("a.h5")))


@check("PyTorch's re-saved state_dict comes back into Layerlab bit for bit")
def _():
    net = seed_torch()
    net.load_state_dict(torch.load(path("a.pt")))
    torch.save(net.state_dict(), path("b.pt"))
    run("convert", path("b.pt"), path("b.h5"), "--model", path("a.h5"))
    assert_same_state(h5_state(path("b.h5")), h5_state(path("a.h5")))


@check("a whole-module torch.save opens as a model with the same weights")
def _():
    net = seed_torch()
    net.load_state_dict(torch.load(path("a.pt")))
    torch.save(net, path("c.pt"))
    run("convert", path("c.pt"), path("c.h5"))
    assert_same_state(h5_state(path("c.h5")), h5_state(path("a.h5")))
    with h5py.File(path("c.h5"), "r") as f:
        assert list(f["architecture"].attrs["input_shape"]) == [1, 24, 24]


@check("layerlab-cli run on a .pt model matches PyTorch's output")
def _():
    net = torch.load(path("c.pt"))
    net.eval()
    x = torch.rand(7, 1, 24, 24)
    np.save(path("x.npy"), x.numpy())
    run("run", path("c.pt"), "--input", path("x.npy"), "--output", path("y.npy"))
    with torch.no_grad():
        want = net(x).numpy()
    got = np.load(path("y.npy"))
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5), np.abs(got - want).max()


@check("the exported PyTorch script prints the same repr and computes the same output")
def _():
    run("export-pytorch", path("a.h5"), "-o", path("net.py"))
    r = subprocess.run([sys.executable, path("net.py"), path("a.h5"), path("x.npy"), path("y2.npy")],
                       capture_output=True, text=True, check=True)
    net = seed_torch()
    assert r.stdout.strip() == str(net), r.stdout
    summary = run("summary", path("a.h5"))
    assert summary.startswith(str(net) + "\n"), summary[:200]
    run("run", path("a.h5"), "--input", path("x.npy"), "--output", path("y3.npy"))
    assert np.allclose(np.load(path("y2.npy")), np.load(path("y3.npy")), rtol=1e-4, atol=1e-5)


@check("the exported script of a network with every layer type (BatchNorm too) runs like Layerlab")
def _():
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "pt")
    run("convert", os.path.join(data, "every_layer.pt"), path("every.h5"))
    run("export-pytorch", path("every.h5"), "-o", path("every.py"))
    x = np.random.default_rng(5).random((3, 3, 7, 14), dtype=np.float32)
    np.save(path("ex.npy"), x)
    r = subprocess.run([sys.executable, path("every.py"), path("every.h5"), path("ex.npy"), path("ey.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    with open(os.path.join(data, "every_layer-repr.txt")) as f:
        assert r.stdout.strip() == f.read().strip(), r.stdout
    run("run", path("every.h5"), "--input", path("ex.npy"), "--output", path("ey2.npy"))
    assert np.allclose(np.load(path("ey.npy")), np.load(path("ey2.npy")), rtol=1e-4, atol=1e-5)


print("1..%d" % len(checks))
failed = 0
for i, (name, fn) in enumerate(checks, 1):
    try:
        fn()
        print("ok %d - %s" % (i, name))
    except Exception as e:  # report and go on: TAP wants every result
        failed += 1
        print("not ok %d - %s" % (i, name))
        for line in str(e).splitlines() or [type(e).__name__]:
            print("# " + line)
sys.exit(1 if failed else 0)
