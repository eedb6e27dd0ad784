#!/usr/bin/python3
"""TAP test: graphs exported as PyTorch scripts compute what the graph computes.

argv[1] is tests/test-pytorch-export, whose /pytorch-export/sample case (with
LAYERLAB_EXPORT_DIR set) saves each graph template as T.onnx with its script T.py. Here
every weight and BatchNorm statistic in T.onnx is replaced by random values (so a wrong
mapping of any of them shows), then `python3 T.py T.onnx X.npy Y.npy` must give what ONNX
Runtime gives for the same file, and the script's state_dict() keys must be the file's
weight names (torchvision's, in torchvision's order, for resnet18 and mobilenet_v2).
Skipped without python3-torch, python3-onnx or ONNX Runtime.
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
    import torch  # noqa: F401  (the scripts need it)
    import torchvision
    from onnx import numpy_helper
    import ortref
    from tap import check, report
except ImportError as e:  # pragma: no cover
    print("1..1")
    print("ok 1 # SKIP python3-torch, torchvision or onnx not installed (%s)" % e)
    sys.exit(0)
ORT = ortref.folder_or_skip()

tmp = tempfile.mkdtemp(prefix="layerlab-pyexport-")
atexit.register(shutil.rmtree, tmp, ignore_errors=True)
run = subprocess.run([sys.argv[1], "-p", "/pytorch-export/sample"], capture_output=True,
                     text=True, env=dict(os.environ, LAYERLAB_EXPORT_DIR=tmp))
if run.returncode != 0:
    print("1..1\nnot ok 1 - test-pytorch-export /pytorch-export/sample failed")
    for line in (run.stdout + run.stderr).splitlines():
        print("# " + line)
    sys.exit(1)

rng = np.random.default_rng(5)
for name, shape in (("resnet18", (3, 224, 224)), ("mobilenet_v2", (3, 224, 224)),
                    ("resnet-mini", (1, 28, 28))):
    onnx_path = os.path.join(tmp, name + ".onnx")
    script = os.path.join(tmp, name + ".py")
    model = onnx.load(onnx_path)
    for t in model.graph.initializer:
        a = numpy_helper.to_array(t)
        if a.dtype == np.float32 and not t.name.startswith("/"):
            r = (rng.uniform(0.5, 2.0, a.shape) if t.name.endswith("running_var")
                 else rng.normal(0, 0.05 if a.ndim > 1 else 0.5, a.shape))
            t.CopyFrom(numpy_helper.from_array(r.astype(np.float32), t.name))
    onnx.save(model, onnx_path)
    x = rng.random((2,) + shape, dtype=np.float32)
    np.save(os.path.join(tmp, "x.npy"), x)

    def same(name=name, script=script, onnx_path=onnx_path, x=x):
        y_path = os.path.join(tmp, name + "-y.npy")
        r = subprocess.run([sys.executable, script, onnx_path, os.path.join(tmp, "x.npy"),
                            y_path], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-800:]
        got = np.load(y_path)
        want = ortref.run(onnx_path, {"input": x})["output"]
        err = float(np.max(np.abs(got - want)))
        scale = float(np.max(np.abs(want)))
        assert scale > 1e-3, "degenerate output (scale %g)" % scale
        assert err <= 1e-4 * scale, "max error %g at scale %g" % (err, scale)
    check("%s: the exported script computes ONNX Runtime's output" % name, same)

    def keys(name=name, script=script, model=model):
        code = ("import runpy, sys; sys.argv = [%r, %r]; "
                "ns = runpy.run_path(%r); print('\\n'.join(ns['network'].state_dict()))"
                % (script, onnx_path, script))
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr[-800:]
        got = [k for k in r.stdout.split("\n") if "." in k and " " not in k]
        weights = [t.name for t in model.graph.initializer if not t.name.startswith("/")]
        assert got == weights, "state_dict keys differ: %s" % (
            sorted(set(got) ^ set(weights))[:6])
        if name != "resnet-mini":
            want = list(getattr(torchvision.models, name)().state_dict())
            assert got == want, "not torchvision's order"
    check("%s: state_dict keys are the model's (torchvision's)" % name, keys)

report()
