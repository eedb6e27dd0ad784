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
    """The tutorial's network, pools written with tuples as the tutorial writes them."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2)),
        nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(kernel_size=(2, 2), stride=(2, 2)),
        nn.Flatten(), nn.Linear(576, 1024), nn.ReLU(), nn.Linear(1024, 10))


def summary_repr(model):
    out = run("summary", model)
    return out[:out.index("\n)\n") + 2]


def assert_run_matches(model, net, x, name):
    """layerlab-cli run MODEL on x gives what the torch module net gives."""
    np.save(path(name + "-x.npy"), x.numpy())
    run("run", model, "--input", path(name + "-x.npy"), "--output", path(name + "-y.npy"))
    with torch.no_grad():
        want = net(x).numpy()
    got = np.load(path(name + "-y.npy"))
    assert np.allclose(got, want, rtol=1e-4, atol=1e-5), (name, np.abs(got - want).max())
    return want


def every_option_nets():
    """Every layer type Layerlab has, with every option PyTorch gives them, and each pool
    parameter as an int, an equal pair and an unequal pair."""
    return {
        "conv-bn": (nn.Sequential(
            nn.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
            nn.BatchNorm2d(8, eps=1e-3, momentum=0.2, affine=False),
            nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False), nn.BatchNorm2d(8),
            nn.BatchNorm2d(8, track_running_stats=False), nn.LeakyReLU(0.2),
            nn.Conv2d(8, 6, 1), nn.ReLU(), nn.Flatten(), nn.Dropout(0.25),
            nn.Linear(6 * 9 * 11, 20, bias=False), nn.Tanh(), nn.Linear(20, 7), nn.Sigmoid(),
            nn.Softmax(dim=-1)), (3, 17, 15)),
        "max-pools": (nn.Sequential(
            nn.MaxPool2d((2, 2)),
            nn.MaxPool2d(2, stride=(1, 1), padding=(1, 1), dilation=(1, 1)),
            nn.MaxPool2d((3, 3), stride=1, padding=(0, 1), dilation=(2, 2)),
            nn.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True),
            nn.MaxPool2d(3, stride=2, padding=(1, 1), dilation=2), nn.Flatten(),
            nn.Softmax(dim=1)), (2, 23, 21)),
        "avg-pools": (nn.Sequential(
            nn.Conv2d(3, 3, 1), nn.AvgPool2d((2, 2)),
            nn.AvgPool2d((2, 2), stride=(2, 2), padding=(0, 0)),
            nn.AvgPool2d(2, stride=(1, 2), padding=1),
            nn.AvgPool2d((3, 3), stride=1, padding=(1, 0), ceil_mode=True,
                         count_include_pad=False),
            nn.AvgPool2d(1, stride=1, padding=0, ceil_mode=True), nn.Flatten(start_dim=2),
            nn.Flatten()), (3, 19, 17)),
    }


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
    run("convert", path("a.h5"), path("a.pt"), "--weights-only")
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
    assert_run_matches(path("c.pt"), net, x, "c")


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


@check("the tutorial's torch.load of Layerlab's whole-model .pt: repr, eval(), state_dict(), _modules, outputs")
def _():
    run("convert", path("a.h5"), path("whole.pt"))
    net = torch.load(path("whole.pt"))      # the tutorial's line, no class definition needed
    assert type(net) is nn.Sequential, type(net)
    assert str(net) == str(seed_torch()) == summary_repr(path("a.h5")), str(net)
    net.eval()
    assert_same_state({k: v.numpy() for k, v in net.state_dict().items()}, h5_state(path("a.h5")))
    assert list(net.__dict__["_modules"]) == [str(i) for i in range(10)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert_run_matches(path("a.h5"), net, torch.rand(111, 1, 24, 24), "seed111")


@check("whole-model .pt of every layer type and option: torch.load prints and computes as Layerlab")
def _():
    for name, (ref, shape) in every_option_nets().items():
        torch.manual_seed(11)
        ref.train()
        for _ in range(2):      # running statistics and num_batches_tracked that are not 0/1
            ref(torch.randn((4,) + shape))
        ref.eval()
        torch.save(ref, path(name + "-torch.pt"))
        run("convert", path(name + "-torch.pt"), path(name + ".h5"))
        run("convert", path(name + ".h5"), path(name + ".pt"))
        net = torch.load(path(name + ".pt"))
        assert str(net) == str(ref) == summary_repr(path(name + ".h5")), "%s:\n%s" % (name, net)
        for k, v in ref.state_dict().items():
            w = net.state_dict()[k]
            assert w.dtype == v.dtype and torch.equal(w, v), "%s: %s differs" % (name, k)
        assert list(net.state_dict()) == list(ref.state_dict()), name
        for a, b in zip(net, ref):    # what PyTorch keeps in each module, forms included
            da = {k: v for k, v in vars(a).items() if not k.startswith("_") and k != "training"}
            db = {k: v for k, v in vars(b).items() if not k.startswith("_") and k != "training"}
            assert da == db, "%s: %s vs %s" % (name, da, db)
        x = torch.randn((5,) + shape)
        want = assert_run_matches(path(name + ".pt"), ref, x, name)
        with torch.no_grad():
            assert np.array_equal(net(x).numpy(), want), name
        net.train()             # a real module: it trains
        net(x).sum().backward() if any(True for _ in net.parameters()) else None


@check("PyTorch re-saves Layerlab's whole-model .pt and Layerlab opens it with the same repr")
def _():
    net = torch.load(path("max-pools.pt"))
    torch.save(net, path("max-pools-again.pt"))
    run("convert", path("max-pools-again.pt"), path("max-pools-again.h5"))
    assert summary_repr(path("max-pools-again.h5")) == str(net)


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
