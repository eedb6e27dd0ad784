#!/usr/bin/python3
# check-h5py.py - do other programs read what Layerlab writes? (TAP)
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-h5py.py LAYERLAB-CLI
# Makes models with `layerlab-cli new`, then checks them with h5py against
# shared/docs/model-file-format.md: root attributes and their exact HDF5 types, the
# superblock version the V18 library bounds give, every layer attribute's type, and the
# state_dict keys, shapes, dtypes and layout. Where PyTorch imports, it rebuilds the
# torch.nn.Sequential from /architecture, loads the state_dict as the contract's
# "Reading in Python" does and compares its output with `layerlab-cli run`, also with a
# weights file written by h5py (run --weights) and an activations file (run --activations).
import os
import subprocess
import sys
import tempfile
import traceback

import h5py
import numpy as np

try:
    import torch
except ImportError:
    torch = None

CLI = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LAYERLAB_CLI", "layerlab-cli")
TEMPLATES = ["seed", "lenet5"]
PAIRS = {"kernel_size", "stride", "padding", "dilation"}
POOLS = {"MaxPool2d", "AvgPool2d"}
BOOLS = {"bias", "ceil_mode", "count_include_pad", "affine", "track_running_stats"}
FLOATS = {"eps", "momentum", "p", "negative_slope"}
INTS = {"in_channels", "out_channels", "groups", "start_dim", "end_dim", "in_features",
        "out_features", "num_features", "dim"}
REQUIRED = {
    "Conv2d": {"in_channels", "out_channels", "kernel_size"},
    "MaxPool2d": {"kernel_size"}, "AvgPool2d": {"kernel_size"},
    "Linear": {"in_features", "out_features"}, "BatchNorm2d": {"num_features"},
}

results = []   # (ok, description, diagnostics, skip reason)
TORCH_ONLY = [False]   # set while checking a model that needs torch to exist at all


def check(description, skip_without_torch=False):
    def run(fn):
        if (skip_without_torch or TORCH_ONLY[0]) and torch is None:
            results.append((True, description, "", "torch not installed"))
            return fn
        try:
            fn()
            results.append((True, description, "", None))
        except Exception:   # one failed check must not hide the others
            results.append((False, description, traceback.format_exc(), None))
        return fn
    return run


def cli(*args):
    p = subprocess.run([CLI] + [str(a) for a in args], capture_output=True, text=True)
    assert p.returncode == 0, "layerlab-cli %s: exit %d\n%s" % (
        " ".join(map(str, args)), p.returncode, p.stderr)
    return p.stdout


def assert_vlen_utf8(attrs, name):
    tid = attrs.get_id(name).get_type()
    assert isinstance(tid, h5py.h5t.TypeStringID), "%s is not a string" % name
    assert tid.is_variable_str(), "%s is not a variable-length string" % name
    assert tid.get_cset() == h5py.h5t.CSET_UTF8, "%s is not UTF-8" % name
    assert attrs.get_id(name).shape == (), "%s is not a scalar" % name


def assert_attr(attrs, name, dtype, shape):
    a = attrs.get_id(name)
    assert a.dtype == np.dtype(dtype), "%s has dtype %s, expected %s" % (name, a.dtype, dtype)
    assert a.shape == shape, "%s has shape %s, expected %s" % (name, a.shape, shape)


def expected_state(arch):
    """state_dict keys and shapes the contract prescribes for this architecture."""
    keys = {}
    for i in range(int(arch.attrs["num_layers"])):
        g = arch[str(i)]
        t, a = g.attrs["type"], g.attrs
        if t == "Conv2d":
            k = tuple(a["kernel_size"])
            keys["%d.weight" % i] = (a["out_channels"], a["in_channels"] // a["groups"]) + k
            if a["bias"]:
                keys["%d.bias" % i] = (a["out_channels"],)
        elif t == "Linear":
            keys["%d.weight" % i] = (a["out_features"], a["in_features"])
            if a["bias"]:
                keys["%d.bias" % i] = (a["out_features"],)
        elif t == "BatchNorm2d":
            c = (a["num_features"],)
            if a["affine"]:
                keys["%d.weight" % i] = keys["%d.bias" % i] = c
            if a["track_running_stats"]:
                keys["%d.running_mean" % i] = keys["%d.running_var" % i] = c
                keys["%d.num_batches_tracked" % i] = ()
    return {k: tuple(int(d) for d in v) for k, v in keys.items()}


def torch_layer(g):
    """The torch.nn module an /architecture/<i> group describes."""
    a = {k: g.attrs[k] for k in g.attrs if k not in ("type", "name")}
    for k in a:
        if k in PAIRS:
            # format 1.2: a scalar is an int (pools print it as one), int64[2] a tuple
            a[k] = int(a[k]) if np.ndim(a[k]) == 0 else tuple(int(v) for v in a[k])
        elif k in BOOLS:
            a[k] = bool(a[k])
        elif k in FLOATS:
            a[k] = float(a[k])
        else:
            a[k] = int(a[k])
    return getattr(torch.nn, g.attrs["type"])(**a)


def torch_net(path):
    with h5py.File(path, "r") as f:
        arch = f["architecture"]
        net = torch.nn.Sequential(*[torch_layer(arch[str(i)])
                                    for i in range(int(arch.attrs["num_layers"]))])
        # the contract's "Reading in Python", with np.asarray: for a scalar dataset
        # (num_batches_tracked) h5py's v[()] is a numpy scalar, which from_numpy refuses
        state = {k: torch.from_numpy(np.asarray(v[()])) for k, v in f["state_dict"].items()}
        shape = tuple(int(d) for d in arch.attrs["input_shape"])
    net.load_state_dict(state)
    return net.eval(), shape


def compare_run(model, x_path, out_path, net, x, extra=()):
    cli("run", model, "--input", x_path, "--output", out_path, *extra)
    ours = np.load(out_path)
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    assert ours.shape == ref.shape, "shape %s vs torch %s" % (ours.shape, ref.shape)
    err = float(np.max(np.abs(ours - ref)))
    tol = 1e-4 * (1.0 + float(np.max(np.abs(ref))))
    assert err <= tol, "max |layerlab - torch| = %g > %g" % (err, tol)


def every_layer_pt(path):
    """Every layer type with non-default arguments, pickled by torch.save."""
    n = torch.nn
    net = n.Sequential(
        n.Conv2d(3, 8, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
        n.BatchNorm2d(8, eps=1e-3, momentum=0.2, affine=False), n.LeakyReLU(0.2),
        n.Conv2d(8, 8, 3, padding=1, groups=4, bias=False),
        n.MaxPool2d((3, 2), stride=(2, 1), padding=(1, 0), ceil_mode=True),
        n.AvgPool2d(2, stride=1, padding=1, count_include_pad=False), n.BatchNorm2d(8),
        n.Tanh(), n.Dropout(0.25), n.Flatten(), n.Linear(528, 20, bias=False), n.Sigmoid(),
        n.Linear(20, 7), n.ReLU(), n.Softmax(dim=-1))
    net.train()
    for _ in range(3):          # non-trivial running statistics and num_batches_tracked
        net(torch.randn(4, 3, 17, 15))
    torch.save(net.eval(), path)


def pool_forms_pt(path):
    """Each pool parameter as an int, an equal pair and an unequal pair, both pool types
    (PyTorch keeps the form it was given and prints it so)."""
    n = torch.nn
    net = n.Sequential(
        n.MaxPool2d((2, 2)),
        n.MaxPool2d(2, stride=(1, 1), padding=(1, 1), dilation=(1, 1)),
        n.MaxPool2d((3, 3), stride=1, padding=(0, 1), dilation=(2, 2)),
        n.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=(1, 2), ceil_mode=True),
        n.MaxPool2d(3, stride=2, padding=(1, 1), dilation=2),
        n.AvgPool2d((2, 2), stride=(1, 1), padding=(0, 0)),
        n.AvgPool2d(2, stride=(1, 2), padding=1),
        n.AvgPool2d((3, 1), stride=1, padding=(1, 0), ceil_mode=True, count_include_pad=False),
        n.Flatten(), n.Linear(8, 3))
    torch.save(net.eval(), path)
    return net


TORCH_BUILT = {"every-layer": every_layer_pt, "pool-forms": pool_forms_pt}


def summary_repr(model):
    """The print(network) part of layerlab-cli summary (up to the closing parenthesis)."""
    out = cli("summary", model)
    return out[:out.index("\n)\n") + 2] if "\n)\n" in out else out.split("\n", 1)[0]


def model_checks(tmp, name):
    model = os.path.join(tmp, name + ".h5")

    if name in TORCH_BUILT:
        TORCH_ONLY[0] = True

        @check("%s: layerlab-cli convert writes %s.h5 from a torch.save'd Sequential"
               % (name, name))
        def _():
            pt = os.path.join(tmp, name + ".pt")
            net = TORCH_BUILT[name](pt)
            if net is None:
                net = torch.load(pt)
            cli("convert", pt, model)
            assert os.path.getsize(model) > 0
            assert summary_repr(model) == str(net), "layerlab:\n%s\ntorch:\n%s" % (
                summary_repr(model), net)
    else:
        TORCH_ONLY[0] = False

        @check("%s: layerlab-cli new writes %s.h5" % (name, name))
        def _():
            cli("new", "--template", name, "-o", model, "--seed", 1)
            assert os.path.getsize(model) > 0

    @check("%s: root attributes and their HDF5 types" % name)
    def _():
        with h5py.File(model, "r") as f:
            for k in ("format", "kind", "creator"):
                assert_vlen_utf8(f.attrs, k)
            assert f.attrs["format"] == "layerlab"
            assert f.attrs["kind"] == "model"
            assert f.attrs["creator"].startswith("Layerlab ")
            assert_attr(f.attrs, "format_version", "<i4", (2,))
            arch = f["architecture"]
            pools = any(arch[k].attrs["type"] in POOLS for k in arch)
            # 1.2 writes a pool's ints as scalars; a file without pools stays 1.0
            assert list(f.attrs["format_version"]) == [1, 2 if pools else 0]

    @check("%s: superblock version 0 or 2 (library bounds V18..V18)" % name)
    def _():
        with open(model, "rb") as fh:
            head = fh.read(9)
        assert head[:8] == b"\x89HDF\r\n\x1a\n", "no HDF5 signature at offset 0"
        assert head[8] in (0, 2), "superblock version %d" % head[8]

    @check("%s: /architecture layer groups and attribute types" % name)
    def _():
        with h5py.File(model, "r") as f:
            arch = f["architecture"]
            assert_attr(arch.attrs, "num_layers", "<i8", ())
            n = int(arch.attrs["num_layers"])
            assert sorted(arch.keys(), key=int) == [str(i) for i in range(n)]
            assert arch.attrs.get_id("input_shape").shape in ((3,), (1,))
            assert_attr(arch.attrs, "input_shape", "<i8", arch.attrs.get_id("input_shape").shape)
            for i in range(n):
                g = arch[str(i)]
                assert_vlen_utf8(g.attrs, "type")
                assert REQUIRED.get(g.attrs["type"], set()) <= set(g.attrs), g.attrs["type"]
                for k in g.attrs:
                    if k in PAIRS and g.attrs["type"] in POOLS:
                        # an int as given is a scalar, a tuple int64[2]
                        assert_attr(g.attrs, k, "<i8", g.attrs.get_id(k).shape)
                        assert g.attrs.get_id(k).shape in ((), (2,)), k
                    elif k in PAIRS:
                        assert_attr(g.attrs, k, "<i8", (2,))
                    elif k in BOOLS:
                        assert_attr(g.attrs, k, "i1", ())
                        assert g.attrs[k] in (0, 1)
                    elif k in FLOATS:
                        assert_attr(g.attrs, k, "<f8", ())
                    elif k in INTS:
                        assert_attr(g.attrs, k, "<i8", ())
                    elif k == "name":
                        assert_vlen_utf8(g.attrs, k)
                    elif k != "type":
                        raise AssertionError("layer %d: unknown attribute %s" % (i, k))

    @check("%s: /state_dict keys, shapes, float32 LE, contiguous, no filters" % name)
    def _():
        with h5py.File(model, "r") as f:
            want = expected_state(f["architecture"])
            sd = f["state_dict"]
            assert set(sd.keys()) == set(want), "keys %s, expected %s" % (
                sorted(sd.keys()), sorted(want))
            for k, shape in want.items():
                d = sd[k]
                assert d.shape == shape, "%s: shape %s, expected %s" % (k, d.shape, shape)
                plist = d.id.get_create_plist()
                assert plist.get_layout() == h5py.h5d.CONTIGUOUS, "%s is not contiguous" % k
                assert plist.get_nfilters() == 0, "%s has filters" % k
                if k.endswith("num_batches_tracked"):
                    assert d.dtype == np.dtype("<i8"), "%s: %s" % (k, d.dtype)
                else:
                    assert d.dtype == np.dtype("<f4"), "%s: %s" % (k, d.dtype)
                    assert np.all(np.isfinite(d[()])), "%s has non-finite values" % k

    @check("%s: the network h5py reads back prints as layerlab-cli summary does" % name,
           skip_without_torch=True)
    def _():
        net, _shape = torch_net(model)
        assert str(net) == summary_repr(model), "h5py + torch:\n%s\nlayerlab:\n%s" % (
            net, summary_repr(model))

    @check("%s: PyTorch loads the state_dict and matches layerlab-cli run" % name,
           skip_without_torch=True)
    def _():
        net, shape = torch_net(model)
        x = np.random.default_rng(3).standard_normal((4,) + shape).astype("<f4")
        x_path = os.path.join(tmp, name + "-x.npy")
        np.save(x_path, x)
        compare_run(model, x_path, os.path.join(tmp, name + "-y.npy"), net, x)

    @check("%s: weights written by h5py load with run --weights" % name,
           skip_without_torch=True)
    def _():
        net, shape = torch_net(model)
        torch.manual_seed(5)
        for m in net.modules():
            if hasattr(m, "reset_parameters") and m is not net:
                m.reset_parameters()
        weights = os.path.join(tmp, name + "-weights.h5")
        with h5py.File(weights, "w", libver=("v108", "v108")) as f:
            f.attrs.create("format", "layerlab", dtype=h5py.string_dtype())
            f.attrs.create("format_version", np.array([1, 0], np.int32))
            f.attrs.create("kind", "weights", dtype=h5py.string_dtype())
            f.attrs.create("creator", "check-h5py.py", dtype=h5py.string_dtype())
            sd = f.create_group("state_dict")
            for k, v in net.state_dict().items():
                sd.create_dataset(k, data=v.numpy())
        x = np.random.default_rng(4).standard_normal((2,) + shape).astype("<f4")
        x_path = os.path.join(tmp, name + "-xw.npy")
        np.save(x_path, x)
        compare_run(model, x_path, os.path.join(tmp, name + "-yw.npy"), net, x,
                    ("--weights", weights))

    @check("%s: activations file (run --activations)" % name)
    def _():
        with h5py.File(model, "r") as f:
            shape = tuple(int(d) for d in f["architecture"].attrs["input_shape"])
            n = int(f["architecture"].attrs["num_layers"])
        x = np.random.default_rng(6).standard_normal((2,) + shape).astype("<f4")
        x_path, y_path = os.path.join(tmp, name + "-xa.npy"), os.path.join(tmp, name + "-ya.npy")
        acts = os.path.join(tmp, name + "-acts.h5")
        np.save(x_path, x)
        cli("run", model, "--input", x_path, "--output", y_path, "--activations", acts)
        with h5py.File(acts, "r") as f:
            assert_vlen_utf8(f.attrs, "format")
            assert f.attrs["format"] == "layerlab-activations"
            assert_attr(f.attrs, "format_version", "<i4", (2,))
            assert set(f.keys()) == {"input"} | {str(i) for i in range(n)}
            for k in f.keys():
                assert f[k].dtype == np.dtype("<f4"), "%s: %s" % (k, f[k].dtype)
                assert f[k].shape[0] == 2, "%s: batch %s" % (k, f[k].shape)
            np.testing.assert_array_equal(f["input"][()], x)
            np.testing.assert_array_equal(f[str(n - 1)][()], np.load(y_path))


def main():
    with tempfile.TemporaryDirectory(prefix="check-h5py-") as tmp:
        for name in TEMPLATES + list(TORCH_BUILT):
            model_checks(tmp, name)
    print("1..%d" % len(results))
    for i, (ok, description, diag, skip) in enumerate(results, 1):
        print("%s %d - %s%s" % ("ok" if ok else "not ok", i, description,
                                " # SKIP " + skip if skip else ""))
        for line in diag.rstrip().splitlines():
            print("# " + line)
    return 0 if all(r[0] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
