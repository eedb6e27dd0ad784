#!/usr/bin/python3
# make-graph-fixtures.py - PyTorch references for the graph engine's operators
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: make-graph-fixtures.py OUTDIR
# Writes OUTDIR/cases.txt and the .npy files it names: random inputs and attributes per
# operator (random odd shapes, broadcasting, every attribute ONNX gives), each with
# PyTorch's result, and a residual block (Conv-BN-Relu-Conv-BN, Add, Relu) end to end.
# tests/test-graph-ops.c builds each case as a graph, runs it and compares. Run at test
# time by check-graph-ops.py; deterministic (one torch.manual_seed per case).
#
# cases.txt, one block a case:
#   case NAME
#   input NAME FILE [symbolic]   graph input (symbolic: declared with dim 0 as "N")
#   init NAME FILE               initializer
#   node OP NAME SCOPE in=A,B,C out=Y[,Z]   (an empty name is an omitted input, "-" no scope)
#   attr NAME int|float|ints|string VALUE...   (for the node above)
#   output NAME FILE             graph output and PyTorch's value
#   tol RTOL ATOL
#   params N                     (optional) total parameters, as torch counts them
#   peak-below-total             (optional) buffer reuse must keep the peak below the sum
#   end
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
lines = []
counter = [0]


def save(arr, tag):
    counter[0] += 1
    name = "%04d-%s.npy" % (counter[0], tag)
    a = arr.detach().numpy() if isinstance(arr, torch.Tensor) else np.asarray(arr)
    if a.dtype == np.float64:
        a = a.astype(np.float32)
    np.save(os.path.join(OUT, name), a.copy(order="C"))
    return name


class Case:
    def __init__(self, name, tol=(1e-5, 1e-6)):
        self.name = name
        self.body = []
        self.tol = tol
        self.n = 0
        torch.manual_seed(len(lines) + 1)

    def input(self, t, symbolic=False):
        self.n += 1
        name = "x%d" % self.n
        self.body.append("input %s %s%s" % (name, save(t, name), " symbolic" if symbolic else ""))
        return name

    def init(self, t, tag="w"):
        self.n += 1
        name = "%s%d" % (tag, self.n)
        self.body.append("init %s %s" % (name, save(t, name)))
        return name

    def node(self, op, ins, outs=("y",), name=None, scope="-", **attrs):
        self.body.append("node %s %s %s in=%s out=%s" % (op, name or (op.lower() + str(self.n)),
                                                         scope, ",".join(ins), ",".join(outs)))
        for k, v in attrs.items():
            if isinstance(v, str):
                self.body.append("attr %s string %s" % (k, v))
            elif isinstance(v, float):
                self.body.append("attr %s float %r" % (k, v))
            elif isinstance(v, (list, tuple)):
                self.body.append("attr %s ints %s" % (k, " ".join(str(int(i)) for i in v)))
            else:
                self.body.append("attr %s int %d" % (k, int(v)))

    def output(self, t, name="y"):
        self.body.append("output %s %s" % (name, save(t, name)))

    def done(self, extra=()):
        lines.append("case " + self.name)
        lines.extend(self.body)
        lines.extend(extra)
        lines.append("tol %g %g" % self.tol)
        lines.append("end")


def one(name, op, inputs, ref, tol=(1e-5, 1e-6), symbolic=False, inits=(), outs=("y",),
        **attrs):
    """A one-node case: inputs are graph inputs, inits (name-less) initializers;
    None in either list is an omitted optional input."""
    c = Case(name, tol)
    names = [c.input(t, symbolic) if t is not None else "" for t in inputs]
    names += [c.init(t) if t is not None else "" for t in inits]
    c.node(op, names, outs, **attrs)
    refs = ref if isinstance(ref, tuple) else (ref,)
    for o, r in zip(outs, refs):
        c.output(r, o)
    c.done()


def randn(*shape):
    return torch.randn(tuple(shape), dtype=torch.float32)


def rand_shape(rng, rank):
    return [int(rng.integers(1, 6)) for _ in range(rank)]


rng = np.random.default_rng(16)

# ---- unary: random ranks 0..5, odd sizes
unary = [
    ("Relu", torch.relu, {}),
    ("Sigmoid", torch.sigmoid, {}),
    ("Tanh", torch.tanh, {}),
    ("Erf", torch.erf, {}),
    ("HardSwish", F.hardswish, {}),
    ("Identity", lambda x: x, {}),
]
for op, fn, attrs in unary:
    for rank in (0, 1, 3, 5):
        x = randn(*rand_shape(rng, rank)) * 3
        one("%s-rank%d" % (op, rank), op, [x], fn(x), symbolic=rank >= 2, **attrs)
x = randn(3, 7, 5) * 3
one("LeakyRelu-default", "LeakyRelu", [x], F.leaky_relu(x, 0.01))
one("LeakyRelu-alpha", "LeakyRelu", [x], F.leaky_relu(x, 0.3), alpha=0.3)
one("Elu-default", "Elu", [x], F.elu(x))
one("Elu-alpha", "Elu", [x], F.elu(x, 0.4), alpha=0.4)
one("HardSigmoid-default", "HardSigmoid", [x], torch.clamp(0.2 * x + 0.5, 0, 1))
one("HardSigmoid-torch", "HardSigmoid", [x], F.hardsigmoid(x), alpha=1.0 / 6)
one("Sqrt", "Sqrt", [x.abs()], torch.sqrt(x.abs()))
one("Clip-relu6", "Clip", [x * 3], F.relu6(x * 3), inits=[torch.tensor(0.0), torch.tensor(6.0)])
one("Clip-min-only", "Clip", [x], torch.clamp(x, min=-0.5), inits=[torch.tensor(-0.5), None])
one("Clip-none", "Clip", [x], x)
c = Case("Clip-max-only")
xi = c.input(x)
mx = c.init(torch.tensor(0.25))
c.node("Clip", [xi, "", mx])
c.output(torch.clamp(x, max=0.25))
c.done()
one("Dropout-inference", "Dropout", [x], (x, torch.ones_like(x, dtype=torch.bool)),
    outs=("y", "y1"), inits=[torch.tensor(0.5)])

# ---- binary with broadcasting
pairs = [([3, 1, 5], [4, 5]), ([2, 3, 4], []), ([1], [7, 1, 3]), ([2, 1, 3, 1], [1, 4, 1, 6]),
         ([5, 6], [5, 6]), ([0, 3], [1, 3])]
binary = [("Add", torch.add), ("Sub", torch.sub), ("Mul", torch.mul), ("Div", torch.div)]
for op, fn in binary:
    for i, (sa, sb) in enumerate(pairs):
        a, b = randn(*sa), randn(*sb)
        if op == "Div":
            b = b.sign() * (b.abs() + 0.5)
        one("%s-bcast%d" % (op, i), op, [a, b], fn(a, b))
for i, (sa, sb) in enumerate(pairs[:4]):
    a, b = randn(*sa).abs() + 0.1, randn(*sb)
    one("Pow-bcast%d" % i, "Pow", [a, b], torch.pow(a, b), tol=(1e-5, 1e-5))
ai = torch.randint(-50, 50, (3, 4), dtype=torch.int64)
bi = torch.randint(-50, 50, (4,), dtype=torch.int64)
one("Add-int64", "Add", [ai, bi], ai + bi)
one("Mul-int64", "Mul", [ai, bi], ai * bi)

# ---- Conv


def onnx_pads_to_torch(p):
    """ONNX [top, left, bottom, right] -> F.pad (left, right, top, bottom)"""
    return (p[1], p[3], p[0], p[2])


conv_cases = [
    # name, N, C, H, W, M, k, stride, pads, dilation, group, bias
    ("basic", 2, 3, 9, 8, 4, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1, True),
    ("stride2-odd", 1, 3, 11, 7, 5, (3, 2), (2, 1), (0, 0, 0, 0), (1, 1), 1, True),
    ("groups2", 2, 4, 7, 7, 6, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 2, True),
    ("depthwise", 2, 5, 8, 9, 5, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), 5, True),
    ("depthwise-mult2", 1, 3, 6, 6, 6, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 3, False),
    ("dilation2", 1, 2, 10, 9, 3, (3, 3), (1, 1), (2, 2, 2, 2), (2, 2), 1, True),
    ("asym-pads", 2, 3, 7, 8, 4, (3, 3), (1, 2), (1, 0, 2, 1), (1, 1), 1, True),
    ("pointwise", 3, 8, 5, 5, 4, (1, 1), (1, 1), (0, 0, 0, 0), (1, 1), 1, False),
]
for (name, n, ci, h, w_, m, k, s, p, d, g, bias) in conv_cases:
    x = randn(n, ci, h, w_)
    wt = randn(m, ci // g, *k) * 0.3
    b = randn(m) if bias else None
    ref = F.conv2d(F.pad(x, onnx_pads_to_torch(p)), wt, b, stride=s, dilation=d, groups=g)
    one("Conv-" + name, "Conv", [x], ref, tol=(1e-4, 1e-5), symbolic=True,
        inits=[wt] + ([b] if bias else []), kernel_shape=list(k), strides=list(s),
        pads=list(p), dilations=list(d), group=g)


def same_pads(size, k, s, d, upper):
    out = (size + s - 1) // s
    total = max(0, (out - 1) * s + d * (k - 1) + 1 - size)
    lo = total // 2 if upper else total - total // 2
    return lo, total - lo


for mode in ("SAME_UPPER", "SAME_LOWER"):
    x = randn(1, 2, 8, 7)
    wt = randn(3, 2, 4, 3) * 0.3
    ph = same_pads(8, 4, 2, 1, mode == "SAME_UPPER")
    pw = same_pads(7, 3, 2, 1, mode == "SAME_UPPER")
    ref = F.conv2d(F.pad(x, (pw[0], pw[1], ph[0], ph[1])), wt, stride=2)
    one("Conv-" + mode, "Conv", [x], ref, tol=(1e-4, 1e-5), inits=[wt], auto_pad=mode,
        strides=[2, 2])
x = randn(2, 3, 9, 9)
wt = randn(2, 3, 3, 3) * 0.3
one("Conv-VALID", "Conv", [x], F.conv2d(x, wt, stride=2), tol=(1e-4, 1e-5), inits=[wt],
    auto_pad="VALID", strides=[2, 2])
x = randn(2, 4, 13)
wt = randn(6, 2, 3) * 0.3
b = randn(6)
one("Conv-1d", "Conv", [x], F.conv1d(x, wt, b, stride=2, padding=1, dilation=2, groups=2),
    tol=(1e-4, 1e-5), inits=[wt, b], strides=[2], pads=[1, 1], dilations=[2], group=2)

# ---- pools
pool_cases = [
    # name, shape, k, stride, pads (symmetric), dilation, ceil
    ("k3s2p1-ceil", (2, 3, 9, 8), (3, 3), (2, 2), (1, 1), (1, 1), 1),
    ("k2s2", (1, 2, 7, 7), (2, 2), (2, 2), (0, 0), (1, 1), 0),
    ("k2s2-ceil", (1, 2, 7, 7), (2, 2), (2, 2), (0, 0), (1, 1), 1),
    ("k3s1-dil2", (1, 2, 9, 10), (3, 3), (1, 1), (1, 1), (2, 2), 0),
    ("k3x2-s2x1", (2, 1, 8, 6), (3, 2), (2, 1), (1, 0), (1, 1), 1),
]
for (name, shape, k, s, p, d, ceil) in pool_cases:
    x = randn(*shape)
    ref = F.max_pool2d(x, k, s, p, d, ceil_mode=bool(ceil))
    one("MaxPool-" + name, "MaxPool", [x], ref, symbolic=True, kernel_shape=list(k),
        strides=list(s), pads=[p[0], p[1], p[0], p[1]], dilations=list(d), ceil_mode=ceil)
    if d == (1, 1):
        for cip in (0, 1):
            ref = F.avg_pool2d(x, k, s, p, ceil_mode=bool(ceil), count_include_pad=bool(cip))
            one("AveragePool-%s-cip%d" % (name, cip), "AveragePool", [x], ref,
                kernel_shape=list(k), strides=list(s), pads=[p[0], p[1], p[0], p[1]],
                ceil_mode=ceil, count_include_pad=cip)
x = randn(2, 3, 7, 8)
ref = F.max_pool2d(F.pad(x, (1, 0, 0, 1), value=-math.inf), 2, 2)
one("MaxPool-asym-pads", "MaxPool", [x], ref, kernel_shape=[2, 2], strides=[2, 2],
    pads=[0, 1, 1, 0])
x = randn(2, 3, 11)
one("MaxPool-1d", "MaxPool", [x], F.max_pool1d(x, 3, 2, 1), kernel_shape=[3], strides=[2],
    pads=[1, 1])
x = randn(2, 5, 7, 3)
one("GlobalAveragePool", "GlobalAveragePool", [x], F.adaptive_avg_pool2d(x, 1), symbolic=True)

# ---- BatchNormalization (inference)
for shape in ((2, 4, 5, 3), (3, 6)):
    x = randn(*shape)
    c = shape[1]
    sc, bi, mu, var = randn(c), randn(c), randn(c), torch.rand(c) + 0.5
    ref = F.batch_norm(x, mu, var, sc, bi, training=False, eps=1e-3)
    one("BatchNormalization-rank%d" % len(shape), "BatchNormalization", [x], ref,
        tol=(1e-5, 1e-5), symbolic=True, inits=[sc, bi, mu, var], epsilon=1e-3)

# ---- Gemm and MatMul
for ta in (0, 1):
    for tb in (0, 1):
        a = randn(*((5, 3) if ta else (3, 5)))
        b = randn(*((4, 5) if tb else (5, 4)))
        cm = randn(4)
        opa = a.t() if ta else a
        opb = b.t() if tb else b
        ref = 0.5 * opa @ opb + 2.0 * cm
        one("Gemm-tA%d-tB%d" % (ta, tb), "Gemm", [a], ref, tol=(1e-5, 1e-5), inits=[b, cm],
            alpha=0.5, beta=2.0, transA=ta, transB=tb)
a, b = randn(3, 6), randn(6, 2)
one("Gemm-noC", "Gemm", [a], a @ b, tol=(1e-5, 1e-5), inits=[b])
for i, cs in enumerate(([3, 2], [3, 1], [])):
    cm = randn(*cs)
    one("Gemm-C%d" % i, "Gemm", [a], a @ b + cm, tol=(1e-5, 1e-5), inits=[b, cm])
mm = [([3, 4], [4, 5]), ([2, 3, 4], [4, 5]), ([4], [2, 4, 3]), ([2, 1, 3, 4], [5, 4, 6]),
      ([4], [4]), ([3, 4], [4]), ([1, 2, 3], [3, 1, 3, 4])]
for i, (sa, sb) in enumerate(mm):
    a, b = randn(*sa), randn(*sb)
    one("MatMul-%d" % i, "MatMul", [a, b], torch.matmul(a, b), tol=(1e-5, 1e-5))

# ---- shape operators
x = randn(2, 3, 4, 5)
for axis in (0, 1, 2, 4, -1):
    one("Flatten-axis%d" % axis, "Flatten", [x], x.reshape(int(np.prod(x.shape[:axis])), -1),
        axis=axis)
for i, shp in enumerate(([0, -1], [6, 20], [-1, 5, 1], [0, 3, 0, 5], [120])):
    want = list(x.shape)
    res = [want[j] if v == 0 else v for j, v in enumerate(shp)]
    one("Reshape-%d" % i, "Reshape", [x], x.reshape(res),
        inits=[torch.tensor(shp, dtype=torch.int64)])
for perm in ([0, 2, 3, 1], [3, 1, 0, 2], None):
    ref = x.permute(*perm) if perm else x.permute(3, 2, 1, 0)
    kw = {"perm": perm} if perm else {}
    one("Transpose-%s" % ("".join(map(str, perm)) if perm else "default"), "Transpose", [x],
        ref, **kw)
xi = torch.randint(0, 9, (2, 3, 4), dtype=torch.int64)
one("Transpose-int64", "Transpose", [xi], xi.permute(2, 0, 1), perm=[2, 0, 1])
x1 = randn(3, 1, 4, 1)
one("Squeeze-all", "Squeeze", [x1], x1.squeeze())
one("Squeeze-axes", "Squeeze", [x1], x1.squeeze(-1), inits=[torch.tensor([-1])])
one("Unsqueeze", "Unsqueeze", [x1], x1.reshape(1, 3, 1, 4, 1, 1),
    inits=[torch.tensor([0, -1])])
one("Shape", "Shape", [x], torch.tensor(x.shape, dtype=torch.int64))
one("Shape-start-end", "Shape", [x], torch.tensor(x.shape[1:-1], dtype=torch.int64),
    start=1, end=-1)
parts = [randn(2, k, 3, 4) for k in (1, 3, 2)]
one("Concat-axis1", "Concat", parts, torch.cat(parts, 1), axis=1)
parts = [randn(2, 3, k) for k in (4, 1)]
one("Concat-axis-neg", "Concat", parts, torch.cat(parts, -1), axis=-1)
for axis in (0, 1, -1):
    x = randn(3, 4, 5) * 3
    one("Softmax-axis%d" % axis, "Softmax", [x], torch.softmax(x, axis), axis=axis)

# ---- Gather, Slice, Split, ReduceMean
x = randn(4, 5, 3)
for axis, idx in ((0, [3, 0, -1]), (1, [[1, 4], [0, 2]]), (-1, 2), (2, [])):
    it = torch.tensor(idx, dtype=torch.int64)
    ref = torch.index_select(x, axis, (it.reshape(-1) % x.shape[axis])).reshape(
        x.shape[:axis % 3] + it.shape + x.shape[axis % 3 + 1:])
    one("Gather-axis%d-rank%d" % (axis, it.dim()), "Gather", [x], ref,
        inits=[it], axis=axis)
x = randn(6, 7, 5)
slices = [
    # starts, ends, axes, steps, torch index
    ([1], [5], None, None, (slice(1, 5),)),
    ([0, 2], [-1, 100], [1, 2], None, (slice(None), slice(0, -1), slice(2, None))),
    ([-1], [-1000], [0], [-2], (torch.tensor([5, 3, 1]),)),
    ([5, 1], [0, 7], [-1, 1], [-1, 3], None),
    ([2], [2], [1], None, (slice(None), slice(2, 2))),
]
for i, (st, en, ax, sp, index) in enumerate(slices):
    if index is None:
        # start 5 clamps to the last index 4; end 0 is exclusive
        ref = x[:, 1:7:3, :][:, :, torch.tensor([4, 3, 2, 1])]
    else:
        ref = x[index]
    inits = [torch.tensor(st), torch.tensor(en)]
    if ax is not None or sp is not None:
        inits.append(torch.tensor(ax if ax is not None else list(range(len(st)))))
    if sp is not None:
        inits.append(torch.tensor(sp))
    one("Slice-%d" % i, "Slice", [x], ref, inits=inits)
x = randn(4, 9, 2)
one("Split-sizes", "Split", [x], tuple(torch.split(x, [2, 3, 4], 1)), outs=("y", "y1", "y2"),
    inits=[torch.tensor([2, 3, 4])], axis=1)
one("Split-equal", "Split", [x], tuple(torch.chunk(x, 2, 0)), outs=("y", "y1"))
x = randn(4, 10, 2)  # 10 into 4: 3, 3, 3, 1 (ONNX opset 18, torch.chunk)
one("Split-uneven", "Split", [x], tuple(torch.chunk(x, 4, 1)), outs=("y", "y1", "y2", "y3"),
    axis=1, num_outputs=4)
x = randn(3, 4, 5, 2)
for i, (axes, keep) in enumerate((([1], 1), ([0, 2], 0), ([-1, 1], 1), (None, 0), (None, 1))):
    ref = x.mean(dim=axes, keepdim=bool(keep)) if axes else x.mean().reshape(
        [1] * 4 if keep else [])
    kw = {"axes": axes} if axes else {}
    one("ReduceMean-%d" % i, "ReduceMean", [x], ref, keepdims=keep, **kw)
one("ReduceMean-axes-input", "ReduceMean", [x], x.mean(dim=(2, 3)), keepdims=0,
    inits=[torch.tensor([2, 3])])

# ---- more unary: Exp, Log, Reciprocal, Neg, Abs (ints too)
for rank in (0, 1, 3):
    x = randn(*rand_shape(rng, rank))
    one("Exp-rank%d" % rank, "Exp", [x], torch.exp(x), symbolic=rank >= 2)
    one("Log-rank%d" % rank, "Log", [x.abs() + 0.05], torch.log(x.abs() + 0.05))
    one("Reciprocal-rank%d" % rank, "Reciprocal", [x], torch.reciprocal(x), tol=(1e-5, 1e-5))
    one("Neg-rank%d" % rank, "Neg", [x], torch.neg(x))
    one("Abs-rank%d" % rank, "Abs", [x], torch.abs(x))
one("Log-zero-negative", "Log", [torch.tensor([0.0, -1.0, 1.0])], torch.log(torch.tensor([0.0, -1.0, 1.0])))
one("Exp-empty", "Exp", [randn(0, 3)], torch.exp(randn(0, 3)))
for dt in (torch.int64, torch.int32):
    xi = torch.tensor([[-5, 0, 7], [2 ** 31 - 1 if dt == torch.int32 else 2 ** 62, -1, 3]], dtype=dt)
    tag = str(dt).split(".")[1]
    one("Neg-" + tag, "Neg", [xi], torch.neg(xi))
    one("Abs-" + tag, "Abs", [xi], torch.abs(xi))

# ---- Mod, Max, Min, Sum, Mean
for i, (sa, sb) in enumerate(pairs[:4]):
    a, b = randn(*sa) * 5, randn(*sb)
    b = b.sign() * (b.abs() + 0.5)
    one("Mod-fmod-bcast%d" % i, "Mod", [a, b], torch.fmod(a, b), tol=(1e-5, 1e-5), fmod=1)
ai = torch.randint(-20, 20, (3, 5), dtype=torch.int64)
bi = torch.tensor([3, -3, 7, -2, 5], dtype=torch.int64)
one("Mod-int64", "Mod", [ai, bi], torch.remainder(ai, bi))
one("Mod-int64-fmod", "Mod", [ai, bi], torch.fmod(ai, bi), fmod=1)
one("Mod-int32", "Mod", [ai.int(), bi.int()], torch.remainder(ai.int(), bi.int()))
shapes3 = [[3, 1, 4], [4], [2, 1, 1, 1]]
xs = [randn(*sh) for sh in shapes3]
one("Max-3-bcast", "Max", xs, torch.maximum(torch.maximum(xs[0], xs[1]), xs[2]))
one("Min-3-bcast", "Min", xs, torch.minimum(torch.minimum(xs[0], xs[1]), xs[2]))
one("Sum-3-bcast", "Sum", xs, xs[0] + xs[1] + xs[2])
one("Mean-3-bcast", "Mean", xs, (xs[0] + xs[1] + xs[2]) / 3)
one("Max-1", "Max", xs[:1], xs[0])
one("Sum-1", "Sum", xs[:1], xs[0])
one("Mean-2-rank0", "Mean", [torch.tensor(2.0), xs[1]], (2.0 + xs[1]) / 2)
xn = torch.tensor([1.0, float("nan"), -2.0])
yn = torch.tensor([float("nan"), 0.5, -3.0])
one("Max-nan", "Max", [xn, yn], torch.maximum(xn, yn))
one("Min-nan", "Min", [xn, yn], torch.minimum(xn, yn))
ai2 = torch.randint(-9, 9, (2, 4), dtype=torch.int64)
one("Max-int64", "Max", [ai2, bi[:4]], torch.maximum(ai2, bi[:4]))
one("Min-int32", "Min", [ai2.int(), bi[:4].int()], torch.minimum(ai2.int(), bi[:4].int()))
one("Sum-int64-empty", "Sum", [torch.zeros(0, 4, dtype=torch.int64), bi[:4]],
    torch.zeros(0, 4, dtype=torch.int64) + bi[:4])

# ---- comparisons, logic, Where
cmp_ops = [("Equal", torch.eq), ("Less", torch.lt), ("Greater", torch.gt),
           ("LessOrEqual", torch.le), ("GreaterOrEqual", torch.ge)]
for op, fn in cmp_ops:
    for i, (sa, sb) in enumerate(pairs):
        a, b = torch.randint(-2, 3, sa).float(), torch.randint(-2, 3, sb).float()
        one("%s-bcast%d" % (op, i), op, [a, b], fn(a, b))
    ai = torch.randint(-3, 3, (4, 3), dtype=torch.int64)
    bi = torch.randint(-3, 3, (3,), dtype=torch.int64)
    one("%s-int64" % op, op, [ai, bi], fn(ai, bi))
    one("%s-int32-rank0" % op, op, [ai.int(), torch.tensor(1, dtype=torch.int32)],
        fn(ai.int(), torch.tensor(1, dtype=torch.int32)))
    one("%s-nan" % op, op, [xn, yn], fn(xn, yn))
ba = torch.rand(3, 1, 4) > 0.5
bb = torch.rand(5, 1) > 0.5
one("Equal-bool", "Equal", [ba, bb], torch.eq(ba, bb))
one("And-bcast", "And", [ba, bb], torch.logical_and(ba, bb))
one("Or-bcast", "Or", [ba, bb], torch.logical_or(ba, bb))
one("Not", "Not", [ba], torch.logical_not(ba))
one("Not-rank0", "Not", [torch.tensor(True)], torch.tensor(False))
cond = torch.rand(2, 1, 4) > 0.5
x, y = randn(3, 1), randn(1, 3, 4)
one("Where-bcast", "Where", [cond, x, y], torch.where(cond, x, y))
xi, yi = torch.randint(0, 9, (4,)), torch.tensor(-1)
one("Where-int64-scalar", "Where", [cond, xi, yi], torch.where(cond, xi, yi))
one("Where-bool", "Where", [cond, ba[:1], bb[:1]], torch.where(cond, ba[:1], bb[:1]))
ce, ye = torch.zeros(0, 4, dtype=torch.bool), randn(4)
one("Where-empty", "Where", [ce, x[:1], ye], torch.where(ce, x[:1], ye))

# ---- ConstantOfShape, Range, Cast, Expand
ONNX_DTYPE = {torch.float32: 1, torch.int32: 6, torch.int64: 7, torch.bool: 9}
for i, (shp, val, dt) in enumerate((([2, 3], 0.0, torch.float32), ([4, 1, 2], 1.5, torch.float32),
                                    ([3], -7.0, torch.int64), ([2, 2], 5.0, torch.int32),
                                    ([1, 3], 1.0, torch.bool), ([], 2.0, torch.float32),
                                    ([3, 0], 4.0, torch.int64))):
    shape = torch.tensor(shp, dtype=torch.int64)
    ref = torch.full(shp, val, dtype=dt) if shp else torch.tensor(val, dtype=dt)
    attrs = {} if (val == 0.0 and dt == torch.float32) else {"value": val, "dtype": ONNX_DTYPE[dt]}
    one("ConstantOfShape-%d" % i, "ConstantOfShape", [], ref, inits=[shape], **attrs)
one("ConstantOfShape-runtime-shape", "ConstantOfShape", [torch.tensor([2, 5])], torch.full((2, 5), 3.0),
    value=3.0)
ranges = [(0, 5, 1, torch.int64), (10, -3, -4, torch.int64), (3, 3, 1, torch.int64),
          (5, 0, 1, torch.int32), (-2, 7, 3, torch.int32), (0.0, 1.0, 0.3, torch.float32),
          (2.5, -1.0, -0.5, torch.float32), (1.0, 1.0, 0.1, torch.float32)]
for i, (a, b, d, dt) in enumerate(ranges):
    sc = [torch.tensor(v, dtype=dt) for v in (a, b, d)]
    # numpy: torch.arange refuses a step away from the limit, ONNX gives an empty range
    ref = torch.from_numpy(np.arange(a, b, d).astype(str(dt)[6:]))
    one("Range-%d" % i, "Range", [], ref, inits=sc)
    if i in (1, 5):
        one("Range-runtime-%d" % i, "Range", sc, ref)
casts = [(randn(3, 4) * 10, torch.int32), (randn(3, 4) * 10, torch.int64),
         (randn(5), torch.bool), (torch.tensor([0.0, -0.0, float("nan"), 2.0]), torch.bool),
         (torch.tensor([[1, 0], [0, 1]], dtype=torch.bool), torch.float32),
         (torch.tensor([True, False]), torch.int64),
         (torch.tensor([2 ** 40, -3, 2 ** 31 + 5, -(2 ** 33) - 1], dtype=torch.int64), torch.int32),
         (torch.tensor([2 ** 40, -3, 7], dtype=torch.int64), torch.float32),
         (torch.tensor([-7, 0, 9], dtype=torch.int32), torch.int64),
         (torch.tensor([-7, 0, 9], dtype=torch.int32), torch.bool),
         (randn(2, 3), torch.float32), (torch.tensor(3.7), torch.int64),
         (torch.zeros(0, 2), torch.int64)]
for i, (x, dt) in enumerate(casts):
    ref = torch.from_numpy(x.numpy().astype({torch.float32: np.float32, torch.int32: np.int32,
                                              torch.int64: np.int64, torch.bool: np.bool_}[dt]))
    one("Cast-%d-%s-to-%s" % (i, str(x.dtype)[6:], str(dt)[6:]), "Cast", [x], ref,
        to=ONNX_DTYPE[dt])
expands = [([3, 1], [2, 3, 4]), ([1, 4], [3, 1]), ([2, 3], [3]), ([5], [1]), ([], [2, 2]),
           ([2, 1, 3], [2, 0, 3])]
for i, (sx, sh) in enumerate(expands):
    x = randn(*sx)
    ref = x * torch.ones(sh)
    one("Expand-%d" % i, "Expand", [x], ref, inits=[torch.tensor(sh, dtype=torch.int64)])
xi = torch.randint(0, 9, (1, 3), dtype=torch.int64)
one("Expand-int64-runtime-shape", "Expand", [xi, torch.tensor([2, 1, 3])], xi.expand(2, 1, 3))
one("Expand-bool", "Expand", [ba], ba.expand(2, 3, 5, 4), inits=[torch.tensor([2, 1, 5, 1])])

# ---- Pad (numpy's np.pad after cropping, as ONNX's reference; F.pad where it exists)


def onnx_pad_ref(x, pads, mode, value=0):
    a = x.numpy()
    r = a.ndim
    crop = tuple(slice(max(-pads[i], 0), a.shape[i] - max(-pads[r + i], 0)) for i in range(r))
    a = a[crop]
    width = [(max(pads[i], 0), max(pads[r + i], 0)) for i in range(r)]
    if mode == "constant":
        return torch.from_numpy(np.pad(a, width, mode="constant", constant_values=value))
    return torch.from_numpy(np.pad(a, width, mode=mode))


pad_cases = [
    ((2, 3, 5, 4), [0, 0, 1, 2, 0, 0, 3, 1]),
    ((3, 4), [1, 2, 2, 1]),
    ((2, 5, 6), [0, -1, 2, 1, 1, -2]),
    ((7,), [4, 9]),
    ((4, 3), [-1, 0, -2, 0]),
    ((2, 0, 3), [0, 1, 1, 0, 2, 0]),
]
for i, (shp, pads) in enumerate(pad_cases):
    x = randn(*shp)
    for mode in ("constant", "reflect", "edge"):
        if 0 in shp and mode != "constant":
            continue
        name = "Pad-%s-%d" % (mode, i)
        pt = torch.tensor(pads, dtype=torch.int64)
        one(name, "Pad", [x], onnx_pad_ref(x, pads, mode), inits=[pt], mode=mode)
x = randn(2, 3, 6, 5)
one("Pad-reflect-torch", "Pad", [x], F.pad(x, (2, 1, 3, 2), mode="reflect"),
    inits=[torch.tensor([0, 0, 3, 2, 0, 0, 2, 1])], mode="reflect")
one("Pad-edge-torch", "Pad", [x], F.pad(x, (2, 1, 3, 2), mode="replicate"),
    inits=[torch.tensor([0, 0, 3, 2, 0, 0, 2, 1])], mode="edge")
one("Pad-constant-value", "Pad", [x], F.pad(x, (2, 1, 3, 2), value=-1.5),
    inits=[torch.tensor([0, 0, 3, 2, 0, 0, 2, 1]), torch.tensor(-1.5)])
xi = torch.randint(-9, 9, (3, 4), dtype=torch.int64)
one("Pad-int64-value", "Pad", [xi], onnx_pad_ref(xi, [1, 0, 0, 2], "constant", 7),
    inits=[torch.tensor([1, 0, 0, 2]), torch.tensor(7)])
one("Pad-rank0", "Pad", [torch.tensor(2.5)], torch.tensor(2.5),
    inits=[torch.zeros(0, dtype=torch.int64)])
one("Pad-runtime-pads", "Pad", [x, torch.tensor([0, 0, 1, 1, 0, 0, 1, 1])],
    F.pad(x, (1, 1, 1, 1)))
c = Case("Pad-omitted-value")
xn = c.input(x)
pn = c.init(torch.tensor([0, 1, 0, 0, 0, 1, 0, 0]))
c.node("Pad", [xn, pn, ""])
c.output(F.pad(x, (0, 0, 0, 0, 1, 1)))
c.done()

# ---- ScatterND
data = randn(4, 5, 3)
sc_cases = [([[1], [3]], (2, 5, 3)), ([[0, 1], [3, 4], [-1, 0]], (3, 3)),
            ([[[1, 2, 0]], [[2, 0, 2]]], (2, 1)), ([[0, 0, 0]], (1,))]
for i, (idx, ushape) in enumerate(sc_cases):
    it = torch.tensor(idx, dtype=torch.int64)
    upd = randn(*ushape)
    ref = data.clone()
    ref[tuple(it.reshape(-1, it.shape[-1]).t())] = upd.reshape((-1,) + ref[tuple(
        it.reshape(-1, it.shape[-1]).t())].shape[1:])
    one("ScatterND-%d" % i, "ScatterND", [data], ref, inits=[it, upd])
di = torch.randint(0, 9, (6,), dtype=torch.int64)
one("ScatterND-int64-runtime", "ScatterND", [di, torch.tensor([[4], [1]]), torch.tensor([-1, -2])],
    di.index_put((torch.tensor([4, 1]),), torch.tensor([-1, -2])))
one("ScatterND-empty", "ScatterND", [data], data,
    inits=[torch.zeros(0, 1, dtype=torch.int64), torch.zeros(0, 5, 3)])

# ---- LayerNormalization (opset 17)
for i, (shp, axis, bias, eps) in enumerate((((2, 3, 8), -1, True, 1e-5), ((4, 6), 1, False, 1e-5),
                                             ((2, 3, 4, 5), 1, True, 1e-3),
                                             ((3, 7), 0, True, 1e-5), ((2, 3, 4), -2, True, 1e-5))):
    x = randn(*shp) * 2 + 1
    ns = shp[axis % len(shp):]
    w, b = randn(*ns), randn(*ns)
    ref = F.layer_norm(x, ns, w, b if bias else None, eps)
    dims = tuple(range(axis % len(shp), len(shp)))
    mean = x.mean(dim=dims, keepdim=True)
    inv = 1 / torch.sqrt(x.var(dim=dims, unbiased=False, keepdim=True) + eps)
    one("LayerNormalization-%d" % i, "LayerNormalization", [x], (ref, mean, inv),
        tol=(1e-4, 1e-5), symbolic=axis % len(shp) > 0, inits=[w] + ([b] if bias else []),
        outs=("y", "mean", "inv"), axis=axis, epsilon=eps)
x = randn(2, 5, 6)
w = randn(6)
one("LayerNormalization-default", "LayerNormalization", [x], F.layer_norm(x, (6,), w),
    tol=(1e-4, 1e-5), inits=[w])
w1 = randn(1)
one("LayerNormalization-scale-bcast", "LayerNormalization", [x],
    F.layer_norm(x, (5, 6)) * w1, tol=(1e-4, 1e-5), inits=[w1], axis=1)

# ---- ConvTranspose: torch's conv_transpose without padding, then ONNX's crop


def conv_transpose_ref(x, w, b, s, pb, pe, op, d, g):
    n = x.dim() - 2
    fn = F.conv_transpose1d if n == 1 else F.conv_transpose2d
    full = fn(x, w, None, stride=s, groups=g, dilation=d)
    tail = []
    for i in reversed(range(n)):
        tail += [0, op[i]]
    full = F.pad(full, tail)
    index = [slice(None), slice(None)]
    for i in range(n):
        index.append(slice(pb[i], full.shape[2 + i] - pe[i]))
    y = full[tuple(index)]
    return y + b.reshape((1, -1) + (1,) * n) if b is not None else y


ct_cases = [
    # name, x shape, C_out per group, k, stride, pads (begin, end), out pad, dil, group, bias
    ("basic", (2, 3, 5, 4), 4, (3, 3), (1, 1), ((0, 0), (0, 0)), (0, 0), (1, 1), 1, True),
    ("stride2-pad1", (1, 4, 4, 5), 3, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), (1, 1), 1, True),
    ("asym-pads", (2, 2, 5, 6), 3, (4, 3), (2, 1), ((1, 0), (2, 1)), (0, 0), (1, 1), 1, False),
    ("groups2-dil2", (1, 4, 6, 5), 3, (3, 2), (1, 2), ((0, 1), (1, 0)), (0, 1), (2, 1), 2, True),
    ("depthwise", (2, 3, 4, 4), 1, (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1), (1, 1), 3, True),
]
for (name, shp, mg, k, s, pads, op, d, g, bias) in ct_cases:
    x = randn(*shp)
    w = randn(shp[1], mg, *k) * 0.3
    b = randn(mg * g) if bias else None
    pb = [p[0] for p in pads]
    pe = [p[1] for p in pads]
    ref = conv_transpose_ref(x, w, b, s, pb, pe, op, d, g)
    one("ConvTranspose-" + name, "ConvTranspose", [x], ref, tol=(1e-4, 1e-5), symbolic=True,
        inits=[w] + ([b] if bias else []), kernel_shape=list(k), strides=list(s),
        pads=pb + pe, output_padding=list(op), dilations=list(d), group=g)
x = randn(2, 3, 5, 4)
w = randn(3, 2, 3, 3) * 0.3
b = randn(2)
one("ConvTranspose-torch-symmetric", "ConvTranspose", [x],
    F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1), tol=(1e-4, 1e-5),
    inits=[w, b], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
one("ConvTranspose-default-kernel-attr", "ConvTranspose", [x],
    F.conv_transpose2d(x, w, b), tol=(1e-4, 1e-5), inits=[w, b], kernel_shape=[3, 3])
# output_shape: total padding = full - out, split as ONNX says (begin gets the larger half
# unless SAME_UPPER)
for mode, out_shape in (("NOTSET", [10, 8]), ("SAME_UPPER", None), ("SAME_LOWER", None),
                        ("NOTSET", [9, 9])):
    outs = out_shape or [5 * 2, 4 * 2]
    full = [(5 - 1) * 2 + 3, (4 - 1) * 2 + 3]
    tot = [f - o for f, o in zip(full, outs)]
    pb = [t // 2 if mode == "SAME_UPPER" else t - t // 2 for t in tot]
    pe = [t - p for t, p in zip(tot, pb)]
    ref = conv_transpose_ref(x, w, b, (2, 2), pb, pe, (0, 0), (1, 1), 1)
    attrs = {"strides": [2, 2]}
    if out_shape:
        attrs["output_shape"] = out_shape
    if mode != "NOTSET":
        attrs["auto_pad"] = mode
    one("ConvTranspose-output-shape-%s-%d%d" % (mode, outs[0], outs[1]), "ConvTranspose", [x],
        ref, tol=(1e-4, 1e-5), inits=[w, b], **attrs)
one("ConvTranspose-VALID", "ConvTranspose", [x], F.conv_transpose2d(x, w, b, stride=2),
    tol=(1e-4, 1e-5), inits=[w, b], auto_pad="VALID", strides=[2, 2], pads=[1, 1, 1, 1])
x = randn(2, 4, 7)
w = randn(4, 3, 3) * 0.3
b = randn(6)
one("ConvTranspose-1d", "ConvTranspose", [x],
    F.conv_transpose1d(x, w, b, stride=2, padding=1, output_padding=1, groups=2, dilation=1),
    tol=(1e-4, 1e-5), inits=[w, b], strides=[2], pads=[1, 1], output_padding=[1], group=2)

# ---- Resize: ONNX's own reference (onnx.backend.test.case.node.resize), then PyTorch
from onnx.backend.test.case.node import resize as onnx_resize  # noqa: E402


def resize_ref(x, mode, coord="half_pixel", nearest="round_prefer_floor", a=-0.75,
               exclude=0, scales=None, sizes=None, roi=None, extrapolation=0.0):
    if mode == "nearest":
        def coeffs(r):
            return onnx_resize.nearest_coeffs(r, mode=nearest)
    elif mode == "linear":
        coeffs = onnx_resize.linear_coeffs
    else:
        def coeffs(r):
            return onnx_resize.cubic_coeffs(r, A=a)
    sf = None if scales is None else np.array(scales, dtype=np.float32).astype(np.float64)
    out = onnx_resize.interpolate_nd(x.numpy().astype(np.float64), coeffs, output_size=sizes,
                                     scale_factors=sf, roi=roi,
                                     coordinate_transformation_mode=coord,
                                     exclude_outside=bool(exclude),
                                     extrapolation_value=extrapolation)
    return torch.from_numpy(out.astype(np.float32))


def resize_case(name, x, ref, scales=None, sizes=None, roi=None, **attrs):
    inits = [torch.tensor(roi, dtype=torch.float32) if roi is not None else None,
             torch.tensor(scales, dtype=torch.float32) if scales is not None else None]
    if sizes is not None:
        inits.append(torch.tensor(sizes, dtype=torch.int64))
    one("Resize-" + name, "Resize", [x], ref, tol=(1e-4, 1e-5), inits=inits, **attrs)


x = randn(1, 2, 3, 4)
coords = ("half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric")
for coord in coords:
    for nm in ("round_prefer_floor", "round_prefer_ceil", "floor", "ceil"):
        resize_case("nearest-%s-%s-up" % (coord, nm), x,
                    resize_ref(x, "nearest", coord, nm, scales=[1, 1, 2.0, 1.5]),
                    scales=[1, 1, 2.0, 1.5], coordinate_transformation_mode=coord,
                    nearest_mode=nm)
    resize_case("nearest-%s-sizes-down" % coord, x,
                resize_ref(x, "nearest", coord, sizes=[1, 2, 2, 3]), sizes=[1, 2, 2, 3],
                coordinate_transformation_mode=coord)
    for mode in ("linear", "cubic"):
        resize_case("%s-%s-up" % (mode, coord), x,
                    resize_ref(x, mode, coord, scales=[1, 1, 1.7, 2.5]),
                    scales=[1, 1, 1.7, 2.5], mode=mode, coordinate_transformation_mode=coord)
        resize_case("%s-%s-sizes" % (mode, coord), x,
                    resize_ref(x, mode, coord, sizes=[1, 2, 5, 1]), sizes=[1, 2, 5, 1],
                    mode=mode, coordinate_transformation_mode=coord)
resize_case("cubic-A-exclude", x, resize_ref(x, "cubic", a=-0.5, exclude=1, scales=[1, 1, 2, 2]),
            scales=[1, 1, 2, 2], mode="cubic", cubic_coeff_a=-0.5, exclude_outside=1)
roi = [0, 0, 0.2, 0.1, 1, 1, 0.9, 1.2]
for mode in ("nearest", "linear"):
    resize_case("%s-tf_crop_and_resize" % mode, x,
                resize_ref(x, mode, "tf_crop_and_resize", sizes=[1, 2, 4, 5], roi=np.array(roi),
                           extrapolation=-2.0), sizes=[1, 2, 4, 5], roi=roi, mode=mode,
                coordinate_transformation_mode="tf_crop_and_resize", extrapolation_value=-2.0)
# tf_half_pixel_for_nearest (opset 11-12; not in onnx 1.12's reference): (x + 0.5) / scale
xs = randn(1, 1, 3, 5)
iy = np.clip(np.floor((np.arange(7) + 0.5) / 2.5), 0, 2).astype(int)
ix = np.clip(np.floor((np.arange(3) + 0.5) / 0.6), 0, 4).astype(int)
resize_case("nearest-tf_half_pixel_for_nearest-floor", xs, xs[:, :, iy][:, :, :, ix],
            scales=[1, 1, 2.5, 0.6], coordinate_transformation_mode="tf_half_pixel_for_nearest",
            nearest_mode="floor")
x3 = randn(2, 3, 5)
resize_case("linear-3d-all-axes", x3, resize_ref(x3, "linear", scales=[1.5, 0.7, 2]),
            scales=[1.5, 0.7, 2], mode="linear")
x1 = randn(5)
resize_case("nearest-rank1", x1, resize_ref(x1, "nearest", sizes=[8]), sizes=[8])
# PyTorch's own interpolate: what torchvision models export
x = randn(2, 3, 5, 6)
resize_case("torch-nearest", x, F.interpolate(x, scale_factor=2, mode="nearest"),
            scales=[1, 1, 2, 2], coordinate_transformation_mode="asymmetric", nearest_mode="floor")
resize_case("torch-bilinear", x, F.interpolate(x, size=(7, 11), mode="bilinear",
                                               align_corners=False),
            sizes=[2, 3, 7, 11], mode="linear", coordinate_transformation_mode="pytorch_half_pixel")
resize_case("torch-bilinear-align", x, F.interpolate(x, size=(9, 4), mode="bilinear",
                                                     align_corners=True),
            sizes=[2, 3, 9, 4], mode="linear", coordinate_transformation_mode="align_corners")
resize_case("torch-bicubic", x, F.interpolate(x, scale_factor=2, mode="bicubic",
                                              align_corners=False),
            scales=[1, 1, 2, 2], mode="cubic", coordinate_transformation_mode="half_pixel")
c = Case("Resize-opset11-empty-scales")
xn = c.input(x)
ro, sc, sz = c.init(torch.zeros(0)), c.init(torch.zeros(0)), c.init(torch.tensor([2, 3, 10, 12]))
c.node("Resize", [xn, ro, sc, sz], coordinate_transformation_mode="asymmetric",
       nearest_mode="floor")
c.output(F.interpolate(x, scale_factor=2, mode="nearest"))
c.done()

# ---- ReduceSum (axes input, opset 13), ReduceMax/Min/Prod/L2 (axes attribute), ArgMax/Min
red = [("ReduceSum", lambda x, d, k: x.sum(dim=d, keepdim=k)),
       ("ReduceMax", lambda x, d, k: x.amax(dim=d, keepdim=k)),
       ("ReduceMin", lambda x, d, k: x.amin(dim=d, keepdim=k)),
       ("ReduceProd", lambda x, d, k: torch.from_numpy(np.asarray(np.prod(x.numpy(), axis=d, keepdims=k)))),
       ("ReduceL2", lambda x, d, k: torch.linalg.vector_norm(x, 2, dim=d, keepdim=k))]
for op, fn in red:
    x = randn(3, 4, 5)
    for i, (axes, keep) in enumerate((([1], 1), ([0, 2], 0), ([-1, 1], 1), (None, 0),
                                      ([-3], 0))):
        d = tuple(axes) if axes is not None else (0, 1, 2)
        ref = fn(x, d, bool(keep))
        if op == "ReduceSum" and axes is not None:
            one("%s-%d" % (op, i), op, [x], ref, tol=(1e-5, 1e-5), keepdims=keep,
                inits=[torch.tensor(axes)])
        else:
            kw = {"axes": axes} if axes is not None else {}
            one("%s-%d" % (op, i), op, [x], ref, tol=(1e-5, 1e-5), keepdims=keep, **kw)
    one("%s-noop" % op, op, [x], x, noop_with_empty_axes=1)
    one("%s-rank0" % op, op, [torch.tensor(-1.5)], fn(torch.tensor(-1.5), (), False).reshape(()))
xi = torch.randint(-5, 6, (3, 4), dtype=torch.int64)
one("ReduceSum-int64", "ReduceSum", [xi], xi.sum(dim=1), keepdims=0, inits=[torch.tensor([1])])
one("ReduceProd-int32", "ReduceProd", [xi.int()], torch.prod(xi.int(), 0, keepdim=True).int(), axes=[0])
one("ReduceMax-int64", "ReduceMax", [xi], xi.amax(dim=0), axes=[0], keepdims=0)
one("ReduceMin-int32", "ReduceMin", [xi.int()], xi.int().amin(dim=-1), axes=[-1], keepdims=0)
e = torch.zeros(0, 3)
one("ReduceSum-empty", "ReduceSum", [e], e.sum(0), keepdims=0, inits=[torch.tensor([0])])
one("ReduceProd-empty", "ReduceProd", [e], torch.ones(3), axes=[0], keepdims=0)
one("ReduceMax-empty", "ReduceMax", [e], torch.full((3,), -math.inf), axes=[0], keepdims=0)
one("ReduceMin-empty", "ReduceMin", [e], torch.full((3,), math.inf), axes=[0], keepdims=0)
xn = torch.tensor([[1.0, float("nan")], [2.0, 3.0]])
one("ReduceMax-nan", "ReduceMax", [xn], xn.amax(1), axes=[1], keepdims=0)
x = randn(3, 4, 5)
one("ReduceSum-symbolic", "ReduceSum", [x], x.sum(dim=(1, 2), keepdim=True),
    symbolic=True, inits=[torch.tensor([1, 2])])
for op, fn in (("ArgMax", torch.argmax), ("ArgMin", torch.argmin)):
    for axis in (0, 1, -1):
        for keep in (0, 1):
            one("%s-axis%d-keep%d" % (op, axis, keep), op, [x], fn(x, axis, bool(keep)),
                axis=axis, keepdims=keep)
    ties = torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0]])
    npfn = np.argmax if op == "ArgMax" else np.argmin
    last = ties.shape[1] - 1 - npfn(ties.numpy()[:, ::-1], axis=1)
    one("%s-ties-first" % op, op, [ties], torch.from_numpy(npfn(ties.numpy(), axis=1)),
        axis=1, keepdims=0)
    one("%s-ties-last" % op, op, [ties], torch.from_numpy(last), axis=1, keepdims=0,
        select_last_index=1)
    one("%s-int64" % op, op, [xi], fn(xi, 0, True), axis=0)
    one("%s-rank1" % op, op, [x[0, 0]], fn(x[0, 0], 0, True))

# ---- LogSoftmax, Softplus, Softsign, Selu, Celu, PRelu, Tile, GlobalMaxPool,
# InstanceNormalization, MaxPool's Indices
for axis in (0, 1, -1):
    x = randn(3, 4, 5) * 4
    one("LogSoftmax-axis%d" % axis, "LogSoftmax", [x], torch.log_softmax(x, axis), axis=axis)
x = randn(3, 7, 5) * 4
x[0, 0, 0] = 60.0
x[0, 0, 1] = -60.0
one("Softplus", "Softplus", [x], F.softplus(x))
one("Softsign", "Softsign", [x], F.softsign(x))
one("Selu-default", "Selu", [x], F.selu(x))
one("Selu-attrs", "Selu", [x], 1.5 * torch.where(x > 0, x, 0.5 * torch.expm1(x)), alpha=0.5,
    gamma=1.5)
one("Celu-default", "Celu", [x], F.celu(x))
one("Celu-alpha", "Celu", [x], F.celu(x, 0.7), alpha=0.7)
for op, fn in (("Softplus", F.softplus), ("Softsign", F.softsign), ("Selu", F.selu),
               ("Celu", F.celu), ("LogSoftmax", lambda t: torch.log_softmax(t, -1))):
    for tag, t in (("rank0", torch.tensor(-0.75)), ("empty", randn(2, 0))):
        if op == "LogSoftmax" and tag == "rank0":
            t = randn(1, 4)
            tag = "rank2-one-row"
        one("%s-%s" % (op, tag), op, [t], fn(t))
x = randn(2, 4, 5, 3)
for i, slope in enumerate((randn(1), randn(4, 1, 1), randn(3), randn(2, 4, 5, 3))):
    ref = torch.where(x < 0, x * slope, x)
    one("PRelu-%d" % i, "PRelu", [x], ref, symbolic=True, inits=[slope])
one("PRelu-torch", "PRelu", [x], F.prelu(x, torch.tensor([0.1, 0.2, 0.3, 0.4])),
    inits=[torch.tensor([0.1, 0.2, 0.3, 0.4]).reshape(4, 1, 1)])
xi = torch.randint(-5, 5, (3, 4), dtype=torch.int64)
one("PRelu-int64", "PRelu", [xi], torch.where(xi < 0, xi * 3, xi),
    inits=[torch.tensor([3], dtype=torch.int64)])
x = randn(2, 3, 4)
for i, reps in enumerate(([1, 1, 1], [2, 1, 3], [1, 0, 2], [3, 2, 1])):
    one("Tile-%d" % i, "Tile", [x], x.repeat(*reps), inits=[torch.tensor(reps)])
xi = torch.randint(0, 9, (3,), dtype=torch.int64)
one("Tile-int64-runtime", "Tile", [xi, torch.tensor([4])], xi.repeat(4))
one("Tile-rank0", "Tile", [torch.tensor(1.5)], torch.tensor(1.5),
    inits=[torch.zeros(0, dtype=torch.int64)])
for shp in ((2, 3, 5, 4), (2, 3, 7), (1, 2, 2, 3, 2)):
    x = randn(*shp)
    one("GlobalMaxPool-rank%d" % len(shp), "GlobalMaxPool", [x],
        x.amax(dim=tuple(range(2, len(shp))), keepdim=True), symbolic=True)
for shp, eps in (((2, 3, 5, 4), 1e-5), ((3, 2, 7), 1e-3), ((1, 2, 3, 2, 2), 1e-5)):
    x = randn(*shp) * 3 + 1
    sc, bi = randn(shp[1]), randn(shp[1])
    one("InstanceNormalization-rank%d" % len(shp), "InstanceNormalization", [x],
        F.instance_norm(x, weight=sc, bias=bi, eps=eps), tol=(1e-4, 1e-5), symbolic=True,
        inits=[sc, bi], epsilon=eps)
for (name, shape, k, s, p, d, ceil) in pool_cases:
    x = randn(*shape)
    ref, ind = F.max_pool2d(x, k, s, p, d, ceil_mode=bool(ceil), return_indices=True)
    hw = shape[2] * shape[3]
    plane = torch.arange(shape[0] * shape[1]).reshape(shape[0], shape[1], 1, 1) * hw
    one("MaxPool-indices-" + name, "MaxPool", [x], (ref, ind + plane), outs=("y", "i"),
        kernel_shape=list(k), strides=list(s), pads=[p[0], p[1], p[0], p[1]],
        dilations=list(d), ceil_mode=ceil)
x = torch.tensor([[[[1.0, 3.0, 3.0, 2.0], [0.0, 3.0, -1.0, 5.0]]]])
one("MaxPool-indices-ties", "MaxPool", [x], (torch.tensor([[[[3.0, 5.0]]]]),
                                              torch.tensor([[[[1, 7]]]])),
    outs=("y", "i"), kernel_shape=[2, 2], strides=[2, 2])
x = randn(2, 3, 11)
ref, ind = F.max_pool1d(x, 3, 2, 1, return_indices=True)
one("MaxPool-indices-1d", "MaxPool", [x], (ref, ind + torch.arange(6).reshape(2, 3, 1) * 11),
    outs=("y", "i"), kernel_shape=[3], strides=[2], pads=[1, 1])

# ---- Floor, Ceil, Round, Sin, Cos, Sign, Xor, IsNaN, IsInf, ReduceL1/SumSquare/LogSum/
# LogSumExp
x = torch.cat([randn(20) * 4, torch.tensor([0.5, 1.5, 2.5, -0.5, -2.5, 0.0, -0.0,
                                             float("nan"), float("inf"), -float("inf")])])
for op, fn in (("Floor", torch.floor), ("Ceil", torch.ceil), ("Round", torch.round),
               ("Sin", torch.sin), ("Cos", torch.cos),
               # numpy: ONNX's reference keeps NaN, torch.sign gives 0
               ("Sign", lambda t: torch.from_numpy(np.asarray(np.sign(t.numpy())))),
               ("IsNaN", torch.isnan), ("IsInf", torch.isinf)):
    one(op, op, [x], fn(x))
    one(op + "-rank0", op, [torch.tensor(-1.5)], fn(torch.tensor(-1.5)))
one("IsInf-positive-only", "IsInf", [x], torch.isposinf(x), detect_negative=0)
one("IsInf-negative-only", "IsInf", [x], torch.isneginf(x), detect_positive=0)
one("Xor-bcast", "Xor", [ba, bb], torch.logical_xor(ba, bb))
more_red = [("ReduceL1", lambda t, d, k: t.abs().sum(dim=d, keepdim=k)),
            ("ReduceSumSquare", lambda t, d, k: (t * t).sum(dim=d, keepdim=k)),
            ("ReduceLogSum", lambda t, d, k: torch.log(t.sum(dim=d, keepdim=k))),
            ("ReduceLogSumExp", lambda t, d, k: torch.logsumexp(t, dim=d, keepdim=k))]
for op, fn in more_red:
    x = randn(3, 4, 5) * 3
    if op == "ReduceLogSum":
        x = x.abs() + 0.1
    for i, (axes, keep) in enumerate((([1], 1), ([0, -1], 0), (None, 1))):
        d = tuple(axes) if axes is not None else (0, 1, 2)
        kw = {"axes": axes} if axes is not None else {}
        one("%s-%d" % (op, i), op, [x], fn(x, d, bool(keep)), tol=(1e-5, 1e-5), keepdims=keep,
            **kw)
    e = torch.zeros(0, 3)
    one("%s-empty" % op, op, [e], fn(e, (0,), False), axes=[0], keepdims=0)
xl = torch.tensor([[1000.0, 1000.0, -3.0], [-math.inf, -math.inf, -math.inf]])
one("ReduceLogSumExp-large", "ReduceLogSumExp", [xl], torch.logsumexp(xl, 1), axes=[1],
    keepdims=0)

# ---- GatherElements, GatherND, NonZero, Trilu, CumSum, TopK, DepthToSpace, SpaceToDepth,
# Size
x = randn(4, 5, 3)
for axis in (0, 1, -1):
    shp = list(x.shape)
    shp[axis] = 6
    shp[(axis + 1) % 3] -= 1
    it = torch.randint(-x.shape[axis], x.shape[axis], tuple(shp))
    one("GatherElements-axis%d" % axis, "GatherElements", [x],
        torch.gather(x, axis, it % x.shape[axis]), inits=[it], axis=axis)
xi = torch.randint(0, 9, (3, 4), dtype=torch.int64)
one("GatherElements-int64-runtime", "GatherElements", [xi, torch.tensor([[2], [0], [3]])],
    torch.gather(xi, 1, torch.tensor([[2], [0], [3]])), axis=1)
one("GatherElements-empty", "GatherElements", [x], x[:0], inits=[torch.zeros(0, 5, 3, dtype=torch.int64)])
xg = randn(4, 5, 3).numpy()
for i, (idx, b) in enumerate((([[1], [3], [-1]], 0), ([[0, 1], [3, 4]], 0), ([[1, 2, 0]], 0),
                              ([[[1], [0]], [[2], [2]], [[0], [4]], [[3], [1]]], 1),
                              ([[[1, 2]], [[0, 0]], [[4, 1]], [[2, 2]]], 1))):
    ia = np.array(idx)
    if b == 0:
        ref = np.stack([xg[tuple(r)] for r in ia.reshape(-1, ia.shape[-1])]).reshape(
            ia.shape[:-1] + xg.shape[ia.shape[-1]:])
    else:
        ref = np.stack([np.stack([xg[j][tuple(r)] for r in ia[j].reshape(-1, ia.shape[-1])])
                        for j in range(ia.shape[0])]).reshape(
            ia.shape[:-1] + xg.shape[1 + ia.shape[-1]:])
    one("GatherND-%d" % i, "GatherND", [torch.from_numpy(xg)], torch.from_numpy(ref),
        inits=[torch.tensor(idx)], batch_dims=b)
for i, t in enumerate((torch.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]]),
                       torch.tensor([[0, 3], [0, 0]], dtype=torch.int64),
                       torch.tensor([True, False, True, True]), torch.zeros(2, 3),
                       torch.tensor(2.0), torch.zeros(0, 3))):
    ref = torch.from_numpy(np.array(np.nonzero(t.numpy().reshape(t.shape) if t.dim() else
                                               t.numpy().reshape(1)), dtype=np.int64))
    if t.dim() == 0:
        ref = torch.zeros(0, 1, dtype=torch.int64)
    one("NonZero-%d" % i, "NonZero", [t], ref)
one("NonZero-init", "NonZero", [], torch.tensor([[0, 1, 1], [1, 0, 2]]),
    inits=[torch.tensor([[0, 4, 0], [1, 0, 2]])])
x = randn(2, 4, 5)
for upper in (1, 0):
    for k in (None, 0, 2, -1, 9):
        fn = torch.triu if upper else torch.tril
        inits = [torch.tensor(k)] if k is not None else []
        one("Trilu-%s-k%s" % ("upper" if upper else "lower", k), "Trilu", [x],
            fn(x, k or 0), inits=inits, upper=upper)
xi = torch.randint(-9, 9, (3, 3), dtype=torch.int64)
one("Trilu-int64", "Trilu", [xi], torch.triu(xi, 1), inits=[torch.tensor(1)])
x = randn(3, 4, 5)
for axis in (0, 1, -1):
    for exclusive in (0, 1):
        for reverse in (0, 1):
            t = x.flip(axis) if reverse else x
            ref = torch.cumsum(t, axis)
            if exclusive:
                ref = ref - t
            ref = ref.flip(axis) if reverse else ref
            one("CumSum-axis%d-ex%d-rev%d" % (axis, exclusive, reverse), "CumSum", [x], ref,
                tol=(1e-5, 1e-5), inits=[torch.tensor(axis)], exclusive=exclusive,
                reverse=reverse)
xi = torch.randint(-9, 9, (6,), dtype=torch.int32)
one("CumSum-int32", "CumSum", [xi], torch.cumsum(xi, 0).int(), inits=[torch.tensor(0)])
x = randn(3, 6, 5)
for axis in (0, 1, -1):
    for largest in (1, 0):
        for k in (1, 3):
            v, i = torch.topk(x, k, axis, largest=bool(largest))
            one("TopK-axis%d-l%d-k%d" % (axis, largest, k), "TopK", [x], (v, i),
                outs=("y", "i"), inits=[torch.tensor([k])], axis=axis, largest=largest)
ties = torch.tensor([[1.0, 3.0, 3.0, 0.0, 3.0], [2.0, float("nan"), -1.0, 2.0, 5.0]])
one("TopK-ties-nan", "TopK", [ties], (torch.tensor([[3.0, 3.0, 3.0], [float("nan"), 5.0, 2.0]]),
                                       torch.tensor([[1, 2, 4], [1, 4, 0]])),
    outs=("y", "i"), inits=[torch.tensor([3])])
one("TopK-smallest-ties", "TopK", [ties], (torch.tensor([[0.0, 1.0], [-1.0, 2.0]]),
                                            torch.tensor([[3, 0], [2, 0]])),
    outs=("y", "i"), inits=[torch.tensor([2])], largest=0)
xi = torch.randint(-9, 9, (4, 5), dtype=torch.int64)
# numpy's stable sort: ONNX puts equal elements by index, torch.topk does not promise it
i = torch.from_numpy(np.argsort(-xi.numpy(), axis=1, kind="stable"))
v = torch.gather(xi, 1, i)
one("TopK-int64-all-runtime-k", "TopK", [xi, torch.tensor([5])], (v, i), outs=("y", "i"))
one("TopK-k0", "TopK", [x], (x[:, :, :0], torch.zeros(3, 6, 0, dtype=torch.int64)),
    outs=("y", "i"), inits=[torch.tensor([0])])
x = randn(2, 12, 3, 4)
one("DepthToSpace-DCR", "DepthToSpace", [x],
    torch.from_numpy(np.reshape(np.transpose(np.reshape(x.numpy(), (2, 2, 2, 3, 3, 4)),
                                             (0, 3, 4, 1, 5, 2)), (2, 3, 6, 8))),
    symbolic=True, blocksize=2)
one("DepthToSpace-CRD", "DepthToSpace", [x], F.pixel_shuffle(x, 2), blocksize=2, mode="CRD")
x = randn(2, 3, 6, 4)
one("SpaceToDepth", "SpaceToDepth", [x],
    torch.from_numpy(np.reshape(np.transpose(np.reshape(x.numpy(), (2, 3, 3, 2, 2, 2)),
                                             (0, 3, 5, 1, 2, 4)), (2, 12, 3, 2))),
    symbolic=True, blocksize=2)
one("Size", "Size", [x], torch.tensor(x.numel()), symbolic=True)
one("Size-rank0", "Size", [torch.tensor(1.0)], torch.tensor(1))
one("Size-empty", "Size", [torch.zeros(3, 0)], torch.tensor(0))

# ---- RoiAlign (torchvision.ops.roi_align), NonMaxSuppression (torchvision.ops.nms)
import torchvision  # noqa: E402

x = randn(2, 3, 9, 11)
rois = torch.tensor([[0.5, 1.0, 6.3, 7.7], [2.0, 0.0, 10.5, 8.9], [-1.0, -2.0, 3.0, 4.0],
                     [4.0, 4.0, 4.5, 4.2], [0.0, 0.0, 22.0, 18.0]])
bidx = torch.tensor([0, 1, 1, 0, 1])
for aligned in (True, False):
    for (oh, ow, ratio, scale) in ((2, 3, 2, 1.0), (4, 4, 0, 0.5), (1, 1, 1, 1.0), (3, 2, 0, 1.0)):
        ref = torchvision.ops.roi_align(x, torch.cat([bidx[:, None].float(), rois], 1), (oh, ow),
                                        spatial_scale=scale, sampling_ratio=ratio, aligned=aligned)
        one("RoiAlign-%s-%dx%d-r%d-s%g" % ("half_pixel" if aligned else "output_half_pixel", oh,
                                           ow, ratio, scale), "RoiAlign", [x, rois], ref,
            tol=(1e-4, 1e-5), inits=[bidx],
            coordinate_transformation_mode="half_pixel" if aligned else "output_half_pixel",
            output_height=oh, output_width=ow, sampling_ratio=ratio, spatial_scale=scale)


def nms_ref(boxes, scores, max_out, iou, score_t, center):
    out = []
    for b in range(boxes.shape[0]):
        bx = boxes[b]
        if center:
            bx = torch.stack([bx[:, 0] - bx[:, 2] / 2, bx[:, 1] - bx[:, 3] / 2,
                              bx[:, 0] + bx[:, 2] / 2, bx[:, 1] + bx[:, 3] / 2], 1)
        else:  # ONNX [y1, x1, y2, x2], possibly flipped -> torchvision [x1, y1, x2, y2]
            bx = torch.stack([torch.minimum(bx[:, 1], bx[:, 3]), torch.minimum(bx[:, 0], bx[:, 2]),
                              torch.maximum(bx[:, 1], bx[:, 3]), torch.maximum(bx[:, 0], bx[:, 2])],
                             1)
        for c in range(scores.shape[1]):
            sc = scores[b, c]
            keep = torch.nonzero(sc > score_t).flatten() if score_t is not None \
                else torch.arange(sc.shape[0])
            sel = keep[torchvision.ops.nms(bx[keep], sc[keep], iou)][:max_out]
            out += [[b, c, int(i)] for i in sel]
    return torch.tensor(out, dtype=torch.int64).reshape(-1, 3)


g = torch.Generator().manual_seed(5)
centers = torch.rand(2, 12, 2, generator=g) * 10
sizes = torch.rand(2, 12, 2, generator=g) * 4 + 1
boxes_c = torch.cat([centers, sizes], 2)
corner = torch.cat([centers - sizes / 2, centers + sizes / 2], 2)[:, :, [1, 0, 3, 2]]
corner[0, 3] = corner[0, 3][[2, 3, 0, 1]]  # a flipped box
scores = torch.rand(2, 3, 12, generator=g)
for i, (max_out, iou, score_t) in enumerate(((5, 0.5, None), (12, 0.3, 0.4), (2, 0.7, 0.1),
                                             (0, 0.5, None), (12, 0.0, None))):
    inits = [torch.tensor([max_out]), torch.tensor([iou]),
             torch.tensor([score_t]) if score_t is not None else None]
    if score_t is None:
        inits = inits[:2]
    one("NonMaxSuppression-%d" % i, "NonMaxSuppression", [corner, scores],
        nms_ref(corner, scores, max_out, iou, score_t, False), inits=inits)
one("NonMaxSuppression-center", "NonMaxSuppression", [boxes_c, scores],
    nms_ref(boxes_c, scores, 4, 0.45, 0.2, True),
    inits=[torch.tensor([4]), torch.tensor([0.45]), torch.tensor([0.2])], center_point_box=1)
one("NonMaxSuppression-no-max", "NonMaxSuppression", [corner, scores],
    torch.zeros(0, 3, dtype=torch.int64))

# ---- ThresholdedRelu, Shrink, Hardmax, ScatterElements, OneHot, LRN
x = randn(3, 7, 5) * 2
one("ThresholdedRelu-default", "ThresholdedRelu", [x], torch.where(x > 1.0, x, torch.zeros(())))
one("ThresholdedRelu-alpha", "ThresholdedRelu", [x], F.threshold(x, 0.3, 0.0), alpha=0.3)
one("Shrink-hard", "Shrink", [x], F.hardshrink(x, 0.7), lambd=0.7)
one("Shrink-soft", "Shrink", [x], F.softshrink(x, 0.5), bias=0.5)
for axis in (0, 1, -1):
    ref = F.one_hot(torch.argmax(x, axis), x.shape[axis]).float().movedim(-1, axis)
    one("Hardmax-axis%d" % axis, "Hardmax", [x], ref, axis=axis)
one("Hardmax-ties", "Hardmax", [torch.tensor([[1.0, 3.0, 3.0], [0.0, 0.0, 0.0]])],
    torch.tensor([[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]))
one("Hardmax-empty", "Hardmax", [torch.zeros(3, 0)], torch.zeros(3, 0))
data = randn(4, 5, 3)
for axis in (0, 1, -1):
    shp = list(data.shape)
    shp[axis] = 3
    # distinct positions along the axis, so "none" has one answer
    it = torch.stack([torch.randperm(data.shape[axis])[:3] for _ in range(int(np.prod(shp)) // 3)])
    it = it.reshape([s for i, s in enumerate(shp) if i != axis % 3] + [3]).movedim(-1, axis)
    upd = randn(*shp)
    one("ScatterElements-axis%d" % axis, "ScatterElements", [data],
        data.scatter(axis, it, upd), inits=[it - (data.shape[axis] if axis == 1 else 0), upd],
        axis=axis)
it = torch.tensor([[0, 1, 0], [2, 2, 2]])
upd = randn(2, 3)
d2 = randn(3, 3)
one("ScatterElements-add", "ScatterElements", [d2], d2.scatter_add(0, it, upd),
    inits=[it, upd], reduction="add")
one("ScatterElements-mul", "ScatterElements", [d2], d2.scatter_reduce(0, it, upd, "prod"),
    inits=[it, upd], reduction="mul")
one("ScatterElements-max", "ScatterElements", [d2], d2.scatter_reduce(0, it, upd, "amax"),
    inits=[it, upd], reduction="max")
one("ScatterElements-min", "ScatterElements", [d2], d2.scatter_reduce(0, it, upd, "amin"),
    inits=[it, upd], reduction="min")
di = torch.randint(0, 9, (2, 4), dtype=torch.int64)
one("ScatterElements-int64-runtime", "ScatterElements",
    [di, torch.tensor([[3], [0]]), torch.tensor([[-5], [-6]])],
    di.scatter(1, torch.tensor([[3], [0]]), torch.tensor([[-5], [-6]])), axis=1)
ind = torch.tensor([[0, 2, -1], [4, 5, -6]])
for axis in (-1, 0, 1):
    ref = F.one_hot(torch.where(ind < 0, ind + 5, ind).clamp(0, 4), 5).float()
    ref = ref * ((ind >= -5) & (ind < 5)).unsqueeze(-1).float()
    ref = ref * 2.0 - 1.0
    ref = ref.movedim(-1, axis)
    one("OneHot-axis%d" % axis, "OneHot", [ind], ref,
        inits=[torch.tensor(5), torch.tensor([-1.0, 1.0])], axis=axis)
one("OneHot-int64-values", "OneHot", [torch.tensor([1, 0, 3])],
    F.one_hot(torch.tensor([1, 0, 3]), 4) * 7, inits=[torch.tensor([4.0]), torch.tensor([0, 7])])
x = randn(2, 6, 4, 3)


def lrn_ref(x, size, a, b, k):
    """ONNX's window: floor((size-1)/2) channels before, ceil((size-1)/2) after (PyTorch
    puts the larger half before for an even size)"""
    xn = x.numpy().astype(np.float64)
    sq = np.zeros_like(xn)
    for c in range(xn.shape[1]):
        lo, hi = max(0, c - (size - 1) // 2), min(xn.shape[1] - 1, c + size // 2)
        sq[:, c] = (xn[:, lo:hi + 1] ** 2).sum(1)
    return torch.from_numpy((xn / (k + a / size * sq) ** b).astype(np.float32))


for size, a, b, k in ((3, 1e-4, 0.75, 1.0), (2, 0.5, 0.5, 2.0), (5, 0.1, 1.2, 0.5)):
    ref = F.local_response_norm(x, size, a, b, k) if size % 2 else lrn_ref(x, size, a, b, k)
    one("LRN-size%d" % size, "LRN", [x], ref, tol=(1e-5, 1e-5), symbolic=True, size=size,
        alpha=a, beta=b, bias=k)
one("LRN-size5-numpy", "LRN", [x], lrn_ref(x, 5, 0.1, 1.2, 0.5), tol=(1e-5, 1e-5), size=5,
    alpha=0.1, beta=1.2, bias=0.5)

# ---- MeanVarianceNormalization (ONNX's backend case formula), EyeLike


def mvn_ref(x, axes):
    a = x.numpy().astype(np.float64)
    mean = a.mean(axis=tuple(axes), keepdims=True)
    std = np.sqrt((a ** 2).mean(axis=tuple(axes), keepdims=True) - mean ** 2)
    return torch.from_numpy(((a - mean) / (std + 1e-9)).astype(np.float32))


x = randn(2, 3, 4, 5) * 2 + 1
one("MeanVarianceNormalization-default", "MeanVarianceNormalization", [x], mvn_ref(x, [0, 2, 3]),
    tol=(1e-4, 1e-5))
one("MeanVarianceNormalization-axes", "MeanVarianceNormalization", [x], mvn_ref(x, [1, -1]),
    tol=(1e-4, 1e-5), axes=[1, -1])
for i, (shp, k, dt) in enumerate((((3, 4), 0, None), ((4, 3), 1, torch.int64),
                                  ((3, 5), -2, torch.bool), ((2, 2), 5, None),
                                  ((3, 3), -1, torch.int32))):
    src = randn(*shp)
    ref = torch.from_numpy(np.eye(shp[0], shp[1], k).astype(
        {None: np.float32, torch.int64: np.int64, torch.bool: np.bool_, torch.int32: np.int32}[dt]))
    kw = {"dtype": ONNX_DTYPE[dt]} if dt is not None else {}
    one("EyeLike-%d" % i, "EyeLike", [src], ref, k=k, **kw)
xi = torch.zeros(2, 3, dtype=torch.int64)
one("EyeLike-int64-input", "EyeLike", [xi], torch.eye(2, 3, dtype=torch.int64))

# ---- GridSample (opset 16) against F.grid_sample
x = randn(2, 3, 5, 6)
grid = (torch.rand(2, 4, 7, 2) * 2.6 - 1.3)
for mode in ("bilinear", "nearest"):
    for pad in ("zeros", "border", "reflection"):
        for align in (0, 1):
            one("GridSample-%s-%s-align%d" % (mode, pad, align), "GridSample", [x, grid],
                F.grid_sample(x, grid, mode=mode, padding_mode=pad, align_corners=bool(align)),
                tol=(1e-4, 1e-5), mode=mode, padding_mode=pad, align_corners=align)

# ---- a residual block end to end: x -> Conv-BN-Relu-Conv-BN, + x, Relu
block = torch.nn.Sequential(
    torch.nn.Conv2d(4, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
    torch.nn.Conv2d(4, 4, 3, padding=1, bias=False), torch.nn.BatchNorm2d(4))
for bn in (block[1], block[4]):
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 1.5)
    bn.weight.data.uniform_(0.5, 1.5)
    bn.bias.data.uniform_(-0.5, 0.5)
block.eval()
c = Case("residual-block", tol=(1e-4, 1e-5))
x = randn(2, 4, 9, 7)
xn = c.input(x, symbolic=True)
with torch.no_grad():
    ref = torch.relu(block(x) + x)
inits = {}
for key, v in block.state_dict().items():
    if key.endswith("num_batches_tracked"):
        continue
    inits[key] = "layer1.0." + key
    c.body.append("init %s %s" % (inits[key], save(v, key)))
conv = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
c.node("Conv", [xn, inits["0.weight"]], ["a"], "conv1", "layer1.0", **conv)
c.node("BatchNormalization", ["a", inits["1.weight"], inits["1.bias"], inits["1.running_mean"],
                              inits["1.running_var"]], ["b"], "bn1", "layer1.0")
c.node("Relu", ["b"], ["c"], "relu", "layer1.0")
c.node("Conv", ["c", inits["3.weight"]], ["d"], "conv2", "layer1.0", **conv)
c.node("BatchNormalization", ["d", inits["4.weight"], inits["4.bias"], inits["4.running_mean"],
                              inits["4.running_var"]], ["e"], "bn2", "layer1.0")
c.node("Add", ["e", xn], ["f"], "add", "layer1.0")
c.node("Relu", ["f"], ["y"], "relu2", "layer1.0")
c.output(ref)
# parameters as torchinfo and model.parameters() count them: not the running statistics
n_params = sum(p.numel() for p in block.parameters())
c.done(["params %d" % n_params, "peak-below-total"])

with open(os.path.join(OUT, "cases.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
print("wrote %d cases to %s" % (sum(1 for ln in lines if ln.startswith("case ")), OUT))
