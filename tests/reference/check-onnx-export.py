#!/usr/bin/python3
"""TAP test: networks saved as ONNX by layerlab-cli, run by ONNX Runtime against PyTorch.

argv[1] is layerlab-cli. Each network is a torch.nn.Sequential saved whole with
torch.save (the tutorial's, one with every layer type and option Layerlab has, and more
options built here), converted with `layerlab-cli convert NET.pt NET.onnx`. The file must
pass onnx.checker (full check, with ONNX's own shape inference), name its weights as the
state_dict does, and ONNX Runtime must compute what PyTorch computes for the same input,
at batch sizes other than the one converted (the batch is symbolic). Skipped where
python3-torch or python3-onnx is missing, or ONNX Runtime cannot be installed.
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import numpy as np
    import onnx
    import torch
    from torch import nn
    import ortref
    from tap import check, report
except ImportError as e:  # pragma: no cover - depends on the machine
    print("1..1")
    print("ok 1 # SKIP python3-torch or python3-onnx not installed (%s)" % e)
    sys.exit(0)

ORT = ortref.folder_or_skip()

cli = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="layerlab-onnx-export-")
atexit.register(shutil.rmtree, tmp, ignore_errors=True)
data = os.path.join(HERE, "..", "data", "pt")



def cli_run(*args):
    r = subprocess.run([cli] + list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError("layerlab-cli %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def close(got, want, tol=2e-5):
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    assert got.shape == want.shape, "shape %s, want %s" % (got.shape, want.shape)
    assert err <= tol * (1 + scale), "max error %g at scale %g" % (err, scale)


def more_options():
    torch.manual_seed(3)
    net = nn.Sequential(
        nn.Conv2d(2, 6, 3, padding=1, bias=False),
        nn.BatchNorm2d(6, affine=False, eps=1e-3),
        nn.ReLU(),
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        nn.Conv2d(6, 6, (1, 3), stride=(1, 2), groups=6),
        nn.MaxPool2d((2, 1), dilation=(1, 1)),
        nn.Flatten(2),
        nn.Softmax(dim=2),
    )
    for m in net:
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return net.eval(), (2, 11, 13)


def saved(name, net):
    path = os.path.join(tmp, name + ".pt")
    torch.save(net, path)
    return path


nets = []
tutorial = torch.load(os.path.join(data, "torch_network.pt")).eval()
nets.append(("tutorial", os.path.join(data, "torch_network.pt"), tutorial, (1, 24, 24)))
every = torch.load(os.path.join(data, "every_layer.pt")).eval()
shape = np.load(os.path.join(data, "every_layer-input.npy")).shape[1:]
nets.append(("every layer", os.path.join(data, "every_layer.pt"), every, tuple(shape)))
net, shape = more_options()
nets.append(("more options", saved("more", net), net, shape))

for label, pt, net, shape in nets:
    onnx_path = os.path.join(tmp, label.replace(" ", "_") + ".onnx")
    converted = []

    def convert(pt=pt, onnx_path=onnx_path, shape=shape):
        cli_run("convert", pt, onnx_path, "--input-shape", ",".join(map(str, shape)))
        converted.append(True)
    check("%s: layerlab-cli convert .pt -> .onnx" % label, convert)
    if not converted:
        continue

    def checker(onnx_path=onnx_path, net=net):
        model = onnx.load(onnx_path)
        onnx.checker.check_model(model, full_check=True)
        names = {t.name for t in model.graph.initializer if not t.name.startswith("/")}
        want = {k for k in net.state_dict() if not k.endswith("num_batches_tracked")}
        assert names == want, "initializers %s, state_dict %s" % (sorted(names), sorted(want))
    check("%s: onnx.checker, weights named as in the state_dict" % label, checker)

    for batch in (1, 5):
        def same(onnx_path=onnx_path, net=net, shape=shape, batch=batch):
            torch.manual_seed(batch)
            x = torch.rand(batch, *shape) * 2 - 1
            with torch.no_grad():
                want = net(x).numpy()
            got = ortref.run(onnx_path, {"input": x.numpy()})["output"]
            close(got, want)
        check("%s: ONNX Runtime %s computes PyTorch's output at batch %d"
              % (label, ortref.version(ORT), batch), same)

# a network with a shape error is not written, and the message names the layer
bad = os.path.join(tmp, "bad.onnx")


def refused():
    r = subprocess.run([cli, "new", "--template", "seed", "-o", os.path.join(tmp, "s.h5")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([cli, "convert", os.path.join(tmp, "s.h5"), bad, "--weights-only"],
                       capture_output=True, text=True)
    assert r.returncode != 0 and "an ONNX file holds the whole model" in r.stderr, r.stderr
    assert not os.path.exists(bad)
check("--weights-only to .onnx is refused", refused)

report()
