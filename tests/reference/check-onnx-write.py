#!/usr/bin/python3
"""TAP test: ONNX files the engine writes, checked by the onnx package and PyTorch.

argv[1] is tests/test-onnx-write. It runs with LAYERLAB_ONNX_WRITE_DIR set, which makes
its /onnx-write/sample case save a small residual network (inline weights, and external
data), an input x.npy and the engine's output y.npy. Then each file must pass
onnx.checker.check_model with full_check (which runs ONNX's shape inference, so a wrong
type or shape in value_info fails), its weights must read with onnx's own external-data
loader, and the same network rebuilt in PyTorch from the file's weights must compute
y.npy from x.npy, and so must ONNX Runtime (tests/reference/ortref.py). Where
python3-onnx or python3-torch is missing, reports a skip.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    import numpy as np
    import onnx
    import ortref
    from tap import check, report
    import torch
    import torch.nn.functional as F
    from onnx import numpy_helper
except ImportError as e:  # pragma: no cover - depends on the machine
    print("1..1")
    print("ok 1 # SKIP python3-onnx or python3-torch not installed (%s)" % e)
    sys.exit(0)

base = os.environ.get("G_TEST_BUILDDIR") or None
tmp = tempfile.mkdtemp(prefix="onnx-write-", dir=base)



def torch_forward(model, x):
    """The residual network of test-onnx-write.c, from the file's weights."""
    w = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
         for t in model.graph.initializer}
    c1 = F.conv2d(x, w["conv1.weight"], w["conv1.bias"], padding=1)
    r1 = F.relu(c1)
    c2 = F.conv2d(r1, w["conv2.weight"], None, padding=1)
    pooled = (r1 + c2).mean(dim=(2, 3))
    return F.linear(pooled, w["fc.weight"], w["fc.bias"])


try:
    run = subprocess.run([sys.argv[1], "-p", "/onnx-write/sample"],
                         env=dict(os.environ, LAYERLAB_ONNX_WRITE_DIR=tmp),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if run.returncode != 0:
        print("1..1")
        print("not ok 1 - test-onnx-write /onnx-write/sample failed")
        for line in run.stdout.splitlines():
            print("# " + line)
        sys.exit(1)
    x = torch.from_numpy(np.load(os.path.join(tmp, "x.npy")))
    want = np.load(os.path.join(tmp, "y.npy"))
    for label, path in (("inline", os.path.join(tmp, "residual.onnx")),
                        ("external data", os.path.join(tmp, "external", "residual.onnx"))):
        check("%s: onnx.checker (full check)" % label,
              lambda p=path: onnx.checker.check_model(onnx.load(p), full_check=True))

        def same_output(p=path):
            model = onnx.load(p)   # loads external data from the model's folder
            got = torch_forward(model, x).numpy()
            err = float(np.max(np.abs(got - want)))
            scale = float(np.max(np.abs(want)))
            assert err <= 1e-5 * (1 + scale), "max error %g (scale %g)" % (err, scale)
        check("%s: PyTorch on the file's weights computes the engine's output" % label,
              same_output)

        def header(p=path):
            model = onnx.load(p, load_external_data=False)
            assert model.opset_import[0].version == 17 and model.ir_version == 8
            assert [n.op_type for n in model.graph.node] == [
                "Conv", "Relu", "Conv", "Add", "GlobalAveragePool", "Flatten", "Gemm"]
            dim = model.graph.input[0].type.tensor_type.shape.dim[0]
            assert dim.dim_param == "N", dim
        check("%s: header, node order, symbolic batch" % label, header)

        def ort_same(p=path):
            try:
                where = ortref.folder()
            except ortref.Missing as e:
                raise AssertionError("ONNX Runtime is not available: %s" % e)
            got = ortref.run(p, {"x": x.numpy()}, where=where)["y"]
            err = float(np.max(np.abs(got - want)))
            assert err <= 1e-5 * (1 + float(np.max(np.abs(want)))), "max error %g" % err
        check("%s: ONNX Runtime computes the engine's output" % label, ort_same)
    # the same operators in the form of each opset 7-17 (Clip, Squeeze, Unsqueeze,
    # Split, ReduceMean, Softmax changed forms over them)
    for opset in range(7, 18):
        path = os.path.join(tmp, "lowered-%d.onnx" % opset)

        def lowered(p=path, v=opset):
            model = onnx.load(p)
            assert model.opset_import[0].version == v
            onnx.checker.check_model(model, full_check=True)
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
            dims = {vi.name: [d.dim_value or d.dim_param for d in vi.type.tensor_type.shape.dim]
                    for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
            assert dims["p3"] == ["N", 1, 4], dims["p3"]
            assert dims["y"] == ["N", 2], dims["y"]
        check("opset %d form: onnx.checker and strict shape inference" % opset, lowered)
finally:
    shutil.rmtree(tmp, ignore_errors=True)

report()
