#!/usr/bin/python3
"""TAP test: ONNX models through `layerlab-cli run` against PyTorch.

argv[1] is layerlab-cli, argv[2] a cache folder (the build tree's): exports and PyTorch's
outputs are kept there, keyed by model, variant and opset, so only the first run pays for
them. Covers:
  - torchvision models exported by torch.onnx.export at opsets 11, 13 and 17 (eval mode;
    random BatchNorm statistics and affine parameters and a head scaled to outputs of
    unit size, so that a wrong kernel cannot hide behind outputs of 1e-9), one export
    with TrainingMode.PRESERVE and do_constant_folding=False (BatchNormalization and
    the shape subgraphs stay in the file), one with a dynamic batch (run with batch 2);
  - hand-made files (onnx.helper) for each older-opset form the importer rewrites
    (Pad-2 and Upsample-7/-9 once Pad and Resize are in the table), and the one
    message for unsupported operators.
Models that need operators the table does not have yet (branch `ops`) are reported as
skipped with the operators Layerlab named, and light up once they are there. The error
allowed is relative to the output's scale (max |PyTorch|). Where torch, torchvision or
onnx is missing, everything is reported as skipped.
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper
    import torch
    import torchvision
except ImportError as e:  # pragma: no cover - depends on the machine
    print("1..1")
    print("ok 1 # SKIP python3-torch/torchvision/onnx not installed (%s)" % e)
    sys.exit(0)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ortref  # noqa: E402  (ONNX Runtime from npm)

try:
    ORT = ortref.folder()
except ortref.Missing:  # pragma: no cover - the re-saved files are then checked without it
    ORT = None

CLI = sys.argv[1]
# bump the folder's version when what is exported (models, seeds, randomize) changes
CACHE = os.path.join(sys.argv[2] if len(sys.argv) > 2
                     else tempfile.mkdtemp(prefix="onnx-interop-"), "v1")
os.makedirs(CACHE, exist_ok=True)
TOL = 2e-4          # of max |output|
torch.set_num_threads(2)

# name, constructor keyword arguments, input side, opsets, needs (ops that may be missing)
MODELS = [
    ("resnet18", {}, 224, (11, 13, 17), None),
    ("mobilenet_v2", {}, 160, (11, 13, 17), None),
    ("mobilenet_v3_small", {}, 160, (11, 13, 17), None),
    ("efficientnet_b0", {}, 160, (11, 13), None),
    ("squeezenet1_0", {}, 160, (11, 13, 17), None),
    ("googlenet", {"aux_logits": False, "init_weights": True}, 160, (13, 17), None),
    ("shufflenet_v2_x0_5", {}, 160, (11, 13, 17), None),
    ("regnet_y_400mf", {}, 160, (11, 13), None),
    ("convnext_tiny", {}, 128, (13,), None),
    ("mnasnet0_5", {}, 160, (11, 13, 17), None),
    ("densenet121", {}, 128, (13,), "Pad"),
    ("vit_b_16", {}, 224, (13,), "Equal, Expand, Where, ConstantOfShape"),
]

results = []   # (ok, description, directive)


def report(ok, desc, directive=""):
    results.append((ok, desc, directive))


def randomize(model):
    """Random BatchNorm statistics and affine parameters; the last Linear re-drawn."""
    last = None
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            if m.affine:
                m.weight.data.uniform_(0.5, 1.5)
                m.bias.data.uniform_(-0.2, 0.2)
        if isinstance(m, torch.nn.Linear):
            last = m
    if last is not None:
        torch.nn.init.normal_(last.weight, 0.0, 1.0 / last.in_features ** 0.5)
        if last.bias is not None:
            torch.nn.init.uniform_(last.bias, -0.1, 0.1)
    return last


def build(name, kwargs):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(**kwargs).eval()
    with torch.no_grad():
        last = randomize(model)
        x = torch.randn(1, 3, 224, 224)
        y = model(x)
        scale = float(y.std())
        if last is not None and scale > 0:
            last.weight.mul_(1.0 / scale)
            if last.bias is not None:
                last.bias.mul_(1.0 / scale)
    return model


def export(model, path, x, opset, variant):
    kw = dict(opset_version=opset, input_names=["input"], output_names=["output"])
    if variant == "preserve":
        kw.update(training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    if variant == "dynamic":
        kw.update(dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    # with autograd on: under no_grad, nn.MultiheadAttention (vit_b_16) takes its fused
    # fast path, which torch.onnx cannot export
    torch.onnx.export(model, x, path, **kw)


def run_cli(args):
    p = subprocess.run([CLI] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return p.returncode, p.stdout, p.stderr.strip()


def max_error(got, want):
    return float(np.abs(got.astype(np.float64) - want).max()) if want.size else 0.0


def check_model(name, kwargs, side, opset, variant, needs, model_cache):
    tag = "%s-%s-opset%d" % (name, variant, opset)
    onnx_path = os.path.join(CACHE, tag + ".onnx")
    batch = 2 if variant == "dynamic" else 1
    x_path = os.path.join(CACHE, "%s-x%d-%d.npy" % (name, batch, side))
    ref_path = os.path.join(CACHE, "%s-y%d-%d.npy" % (name, batch, side))
    if not (os.path.exists(onnx_path) and os.path.exists(x_path) and os.path.exists(ref_path)):
        if name not in model_cache:
            model_cache.clear()
            model_cache[name] = build(name, kwargs)
        model = model_cache[name]
        torch.manual_seed(1)
        x = torch.randn(batch, 3, side, side)
        with torch.no_grad():
            np.save(ref_path, model(x).numpy())
        np.save(x_path, x.numpy())
        try:
            export(model, onnx_path + ".tmp", x, opset, variant)
        except Exception as e:  # noqa: BLE001 - reported as the check's failure
            report(False, "%s: torch.onnx.export failed: %s" % (tag, str(e).splitlines()[0]))
            return
        os.replace(onnx_path + ".tmp", onnx_path)
    out_path = os.path.join(CACHE, tag + "-out.npy")
    rc, _, err = run_cli(["run", onnx_path, "--input", x_path, "--output", out_path])
    desc = "%s opset %d (%s, %dx3x%dx%d)" % (name, opset, variant, batch, side, side)
    if rc != 0:
        if needs is not None and "unsupported operators" in err:
            report(True, desc, "SKIP needs operators from branch ops (%s): %s" % (needs, err))
        else:
            report(False, desc + ": " + err)
        return
    got, want = np.load(out_path), np.load(ref_path)
    if got.shape != want.shape:
        report(False, "%s: output %s, PyTorch %s" % (desc, got.shape, want.shape))
        return
    scale = float(np.abs(want).max())
    err_abs = max_error(got, want)
    report(err_abs <= TOL * max(scale, 1e-6),
           "%s: max error %.3g (%.2g of the output's scale %.3g)"
           % (desc, err_abs, err_abs / max(scale, 1e-30), scale))
    os.remove(out_path)
    check_resave(onnx_path, x_path, want, scale, desc)
    if variant == "eval" and opset == 13:
        check_export_pytorch(onnx_path, x_path, want, scale, desc)


def check_export_pytorch(onnx_path, x_path, want, scale, desc):
    """export-pytorch on the ONNX file: the script's nn.Module computes PyTorch's output."""
    script = onnx_path[:-5] + "-export.py"
    y_path = onnx_path[:-5] + "-export-y.npy"
    rc, _, err = run_cli(["export-pytorch", onnx_path, "-o", script])
    if rc != 0:
        report(False, "%s: export-pytorch: %s" % (desc, err))
        return
    r = subprocess.run([sys.executable, script, onnx_path, x_path, y_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        report(False, "%s: the exported script failed: %s" % (desc, r.stderr.strip()[-300:]))
        return
    got = np.load(y_path)
    e = max_error(got, want) if got.shape == want.shape else float("inf")
    report(e <= TOL * max(scale, 1e-6), "%s: export-pytorch's nn.Module computes PyTorch's "
           "output (max error %.3g)" % (desc, e))
    os.remove(script)
    os.remove(y_path)


def check_resave(onnx_path, x_path, want, scale, desc):
    """convert M.onnx M2.onnx: a valid model with M's node names, opset and metadata, which
    ONNX Runtime runs with PyTorch's output."""
    resaved = onnx_path[:-5] + "-resaved.onnx"
    rc, _, err = run_cli(["convert", onnx_path, resaved])
    if rc != 0:
        report(False, "%s: convert to .onnx: %s" % (desc, err))
        return
    a, b = onnx.load(onnx_path), onnx.load(resaved)
    try:
        onnx.checker.check_model(b, full_check=True)
        problem = None
    except Exception as e:  # noqa: BLE001 - reported
        problem = "onnx.checker: %s" % str(e).splitlines()[0]
    names = {n.name for n in a.graph.node}
    lost = [n.name for n in b.graph.node if n.name not in names]
    if problem is None and lost:
        problem = "node names not in the file read: %s" % lost[:3]
    if problem is None and (a.opset_import[0].version != b.opset_import[0].version
                            or list(a.metadata_props) != list(b.metadata_props)):
        problem = "opset or metadata_props changed"
    if problem is None and ORT is not None:
        got = list(ortref.run(resaved, {b.graph.input[0].name: np.load(x_path)},
                              where=ORT).values())[0]
        e = max_error(got, want)
        if e > TOL * max(scale, 1e-6):
            problem = "ONNX Runtime on it: max error %.3g" % e
    report(problem is None, "%s: saved again as ONNX (names, opset, metadata kept)%s%s" % (
        desc, "" if ORT is None else ", run by ONNX Runtime",
        "" if problem is None else ": " + problem))
    os.remove(resaved)


def check_summary():
    """summary on an export: the opset and producer, every node, the parameter total."""
    path = os.path.join(CACHE, "resnet18-eval-opset13.onnx")
    if not os.path.exists(path):
        report(False, "summary: %s missing" % path)
        return
    rc, out, err = run_cli(["summary", path])
    m = onnx.load(path)
    params = sum(int(np.prod(t.dims)) for t in m.graph.initializer
                 if t.data_type == TensorProto.FLOAT)
    want = "Total params: {:,}".format(params)
    ok = (rc == 0 and "opset 13" in out and "producer pytorch" in out and want in out
          and "/layer1/layer1.0/conv1/Conv" in out and "[1, 64, 56, 56]" in out)
    report(ok, "summary of resnet18 (opset 13): %s, %d nodes" % (want, len(m.graph.node))
           + ("" if ok else ": rc %d %s %s" % (rc, err, out[:2000])))
    path = os.path.join(CACHE, "resnet18-dynamic-opset13.onnx")
    rc, out, err = run_cli(["summary", path])
    report(rc == 0 and "[-1, 1000]" in out, "summary of resnet18 with a dynamic batch shows "
           "[-1, 1000]" + ("" if rc == 0 else ": " + err))


# ---------------------------------------------------------------- hand-made files

def save_model(name, nodes, inputs, outputs, opset, inits=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="check-onnx")
    model.ir_version = 7
    path = os.path.join(CACHE, "hand-%s.onnx" % name)
    onnx.save(model, path)
    return path


def vinfo(name, shape, t=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, t, shape)


def run_hand(desc, path, x, want, tol=1e-5):
    x_path = path[:-5] + "-x.npy"
    out_path = path[:-5] + "-out.npy"
    np.save(x_path, x)
    rc, _, err = run_cli(["run", path, "--input", x_path, "--output", out_path])
    if rc != 0:
        report(False, desc + ": " + err)
        return
    got = np.load(out_path)
    ok = got.shape == want.shape and max_error(got, want) <= tol
    report(ok, "%s: max error %.3g" % (desc, max_error(got, want) if got.shape == want.shape
                                      else float("inf")))


def softmax_2d(x, axis):
    shp = x.shape
    flat = x.reshape(int(np.prod(shp[:axis])), -1).astype(np.float64)
    e = np.exp(flat - flat.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).reshape(shp)


def upsample(x, scales, mode):
    """Upsample's own definition: x_in = x_out / scale, nearest rounding down, linear
    between the two neighbours (clamped at the edge)."""
    n, c, h, w = x.shape
    oh, ow = h * scales[0], w * scales[1]
    yi = np.minimum(np.arange(oh) / scales[0], h - 1)
    xj = np.minimum(np.arange(ow) / scales[1], w - 1)
    if mode == "nearest":
        return x[:, :, np.floor(yi).astype(int)][:, :, :, np.floor(xj).astype(int)]
    i0, j0 = np.floor(yi).astype(int), np.floor(xj).astype(int)
    i1, j1 = np.minimum(i0 + 1, h - 1), np.minimum(j0 + 1, w - 1)
    di, dj = (yi - i0)[:, None], (xj - j0)[None, :]
    x64 = x.astype(np.float64)
    rows0 = x64[:, :, i0][:, :, :, j0] * (1 - dj) + x64[:, :, i0][:, :, :, j1] * dj
    rows1 = x64[:, :, i1][:, :, :, j0] * (1 - dj) + x64[:, :, i1][:, :, :, j1] * dj
    return rows0 * (1 - di) + rows1 * di


def hand_made():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4, 5)).astype(np.float32)

    p = save_model("clip6", [helper.make_node("Clip", ["x"], ["y"], min=-0.5, max=0.7)],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 10)
    run_hand("Clip-6 min/max attributes (opset 10)", p, x, np.clip(x, -0.5, 0.7))

    for axis in (1, 2, 3):
        p = save_model("softmax11-axis%d" % axis,
                       [helper.make_node("Softmax", ["x"], ["y"], axis=axis)],
                       [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 11)
        run_hand("Softmax-11 axis=%d (2-D coercion, dynamic batch)" % axis, p, x,
                 softmax_2d(x, axis))
    p = save_model("softmax11-default",
                   [helper.make_node("Softmax", ["x"], ["y"])],
                   [vinfo("x", [2, 3, 4, 5])], [vinfo("y", None)], 11)
    run_hand("Softmax-11 default axis 1 (static)", p, x, softmax_2d(x, 1))

    p = save_model("split11", [helper.make_node("Split", ["x"], ["a", "b"], axis=1, split=[1, 2]),
                               helper.make_node("Squeeze", ["a"], ["s"], axes=[1]),
                               helper.make_node("Unsqueeze", ["s"], ["y"], axes=[0])],
                   [vinfo("x", [2, 3, 4, 5])], [vinfo("y", None)], 11)
    run_hand("Split-11 split, Squeeze-11/Unsqueeze-11 axes attributes", p, x,
             x[:, 0:1].squeeze(1)[None])

    p = save_model("reducemean13",
                   [helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=0)],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 13)
    run_hand("ReduceMean-13 axes attribute", p, x, x.mean(axis=(2, 3)))

    c = 3
    scale = rng.uniform(0.5, 1.5, c).astype(np.float32)
    bias = rng.uniform(-1, 1, c).astype(np.float32)
    mean = rng.uniform(-1, 1, c).astype(np.float32)
    var = rng.uniform(0.5, 1.5, c).astype(np.float32)
    inits = [helper.make_tensor(n, TensorProto.FLOAT, [c], v)
             for n, v in (("scale", scale), ("bias", bias), ("mean", mean), ("var", var))]
    bn_want = ((x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
               * scale[None, :, None, None] + bias[None, :, None, None])
    p = save_model("bn9", [helper.make_node("BatchNormalization",
                                            ["x", "scale", "bias", "mean", "var"],
                                            ["y", "m", "v", "sm", "sv"], momentum=0.9)],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 9, inits)
    # before opset 14 the statistics outputs make it a training node: batch statistics
    # (ONNX Runtime computes it so), which inference does not run
    rc, _, err = run_cli(["run", p, "--input", p[:-5] + ".npy", "--output", "y=/dev/null"])
    report(rc == 1 and "each batch's own statistics" in err,
           "BatchNormalization-9 with training outputs is refused: " + err)
    p = save_model("bn7", [helper.make_node("BatchNormalization",
                                            ["x", "scale", "bias", "mean", "var"],
                                            ["y"], spatial=1, epsilon=1e-5)],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 7, inits)
    run_hand("BatchNormalization-7 spatial=1", p, x, bn_want, 1e-4)
    p = save_model("bn9-read", [helper.make_node("BatchNormalization",
                                                 ["x", "scale", "bias", "mean", "var"],
                                                 ["y", "m"])],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None), vinfo("m", None)], 9, inits)
    rc, _, err = run_cli(["run", p, "--input", p[:-5] + ".npy", "--output", "y=/dev/null"])
    report(rc == 1 and err.startswith("layerlab-cli: error: %s: node 'y' (BatchNormalization)"
                                      % p) and "'m'" in err,
           "BatchNormalization whose running mean is read is refused: " + err)

    p = save_model("dropout10", [helper.make_node("Dropout", ["x"], ["y", "mask"], ratio=0.3)],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 10)
    run_hand("Dropout-10 ratio attribute (inference: identity)", p, x, x)
    ratio = helper.make_tensor("ratio", TensorProto.FLOAT, [], [0.3])
    train = helper.make_tensor("train", TensorProto.BOOL, [], [False])
    p = save_model("dropout12", [helper.make_node("Dropout", ["x", "ratio", "train"], ["y"])],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 12, [ratio, train])
    run_hand("Dropout-12 ratio and training_mode inputs", p, x, x)

    pads = [0, 0, 1, 2, 0, 0, 1, 2]
    p = save_model("pad2", [helper.make_node("Pad", ["x"], ["y"], pads=pads, value=1.5)],
                   [vinfo("x", ["N", 3, 4, 5])], [vinfo("y", None)], 10)
    want = np.pad(x, [(0, 0), (0, 0), (1, 1), (2, 2)], constant_values=1.5)
    rc, _, err = run_cli(["run", p, "--input", p[:-5] + "-x.npy", "--output",
                          p[:-5] + "-out.npy"])
    if rc != 0 and "unsupported operators: Pad" in err:
        report(True, "Pad-2 pads/value attributes", "SKIP Pad is not in the table yet: " + err)
    else:
        run_hand("Pad-2 pads/value attributes", p, x, want)

    # Upsample (opsets 7-9): Resize with asymmetric coordinates once Resize is there
    for opset, mode, scales in ((9, "nearest", (2, 2)), (7, "nearest", (2, 3)),
                                (7, "linear", (2, 3))):
        full = [1.0, 1.0, float(scales[0]), float(scales[1])]
        if opset == 9:
            node = helper.make_node("Upsample", ["x", "scales"], ["y"], mode=mode)
            inits = [helper.make_tensor("scales", TensorProto.FLOAT, [4], full)]
        else:
            node = helper.make_node("Upsample", ["x"], ["y"], mode=mode, scales=full)
            inits = []
        p = save_model("upsample%d-%s" % (opset, mode), [node], [vinfo("x", ["N", 3, 4, 5])],
                       [vinfo("y", None)], opset, inits)
        desc = "Upsample-%d %s x%s" % (opset, mode, scales)
        np.save(p[:-5] + "-x.npy", x)
        rc, _, err = run_cli(["run", p, "--input", p[:-5] + "-x.npy", "--output",
                              p[:-5] + "-out.npy"])
        if rc != 0 and "unsupported operators: Upsample (1 node: y)" in err:
            report(True, desc, "SKIP Resize is not in the table yet: " + err)
        else:
            run_hand(desc, p, x, upsample(x, scales, mode))

    nodes = [helper.make_node("Relu", ["x"], ["r"], name="/a/Relu"),
             helper.make_node("Foo", ["r"], ["f1"], name="/a/Foo", domain="custom"),
             helper.make_node("Foo", ["f1"], ["f2"], name="/b/Foo", domain="custom"),
             helper.make_node("Loop", ["f2"], ["y"], name="/c/Loop")]
    graph = helper.make_graph(nodes, "bad", [vinfo("x", ["N", 3])], [vinfo("y", None)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("custom", 1)])
    model.ir_version = 7
    p = os.path.join(CACHE, "hand-unsupported.onnx")
    onnx.save(model, p)
    rc, _, err = run_cli(["summary", p])
    want = ("layerlab-cli: error: %s: unsupported operators: custom.Foo (2 nodes: /a/Foo, "
            "/b/Foo), Loop (1 node: /c/Loop)" % p)
    report(rc == 1 and err == want, "unsupported operators in one message: " + err)


def check_information_kept():
    """A model's own information survives convert .onnx -> .onnx: doc strings, domain,
    model_version, metadata_props, node docs, other domains' imports, IR version."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])
    node = helper.make_node("Relu", ["x"], ["y"], name="/act/Relu", doc_string="the act")
    graph = helper.make_graph([node], "info-graph", [x], [y], doc_string="graph doc")
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid("ai.onnx.ml", 3)],
                              producer_name="check-onnx", doc_string="model doc",
                              domain="org.example", model_version=42)
    model.ir_version = 8
    onnx.helper.set_model_props(model, {"author": "tests", "labels": "cat,dog,bird"})
    path = os.path.join(CACHE, "hand-info.onnx")
    onnx.save(model, path)
    out = os.path.join(CACHE, "hand-info-resaved.onnx")
    rc, _, err = run_cli(["convert", path, out])
    if rc != 0:
        report(False, "model information kept: convert: " + err)
        return
    b = onnx.load(out)
    got = (b.doc_string, b.graph.doc_string, b.graph.name, b.domain, b.model_version,
           [(p.key, p.value) for p in b.metadata_props], b.graph.node[0].doc_string,
           sorted((o.domain, o.version) for o in b.opset_import), b.ir_version,
           b.producer_name)
    want = ("model doc", "graph doc", "info-graph", "org.example", 42,
            [("author", "tests"), ("labels", "cat,dog,bird")], "the act",
            [("", 13), ("ai.onnx.ml", 3)], 8, "Layerlab")
    report(got == want, "model information kept through convert .onnx -> .onnx"
           + ("" if got == want else ": %s" % (got,)))


def main():
    model_cache = {}
    for name, kwargs, side, opsets, needs in MODELS:
        for opset in opsets:
            check_model(name, kwargs, side, opset, "eval", needs, model_cache)
        if name in ("resnet18", "mobilenet_v2", "shufflenet_v2_x0_5"):
            check_model(name, kwargs, side, 13, "preserve", needs, model_cache)
        if name == "resnet18":
            check_model(name, kwargs, side, 13, "dynamic", needs, model_cache)
        if name == "shufflenet_v2_x0_5":
            # its channel shuffle computes sizes from x.shape: Cast with a dynamic batch
            check_model(name, kwargs, side, 13, "dynamic", "Cast", model_cache)
    check_summary()
    check_information_kept()
    hand_made()
    print("1..%d" % len(results))
    failed = 0
    for i, (ok, desc, directive) in enumerate(results, 1):
        line = "%s %d - %s" % ("ok" if ok else "not ok", i, desc.replace("\n", "; "))
        if directive:
            line += " # " + directive.replace("\n", "; ")
        print(line)
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
