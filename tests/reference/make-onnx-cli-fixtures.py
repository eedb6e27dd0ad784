#!/usr/bin/python3
"""Writes the ONNX models tests/test-cli.sh runs, under tests/data/onnx/cli/ (python3-onnx).

Run from the source tree:  /usr/bin/python3 tests/reference/make-onnx-cli-fixtures.py
The outputs are committed, so the CLI test needs no Python. Expected outputs are computed
here with numpy.

- conv.onnx: Conv -> Relu -> Shape -> Gather -> Unsqueeze -> Concat -> Reshape with a
  dynamic batch (the shape subgraph stays, and runs); conv-x.npy [3, 1, 4, 4] and
  conv-y.npy [3, 32].
- other.onnx: Reshape(Relu(x), [x.shape[0], -1]): the shape comes from another tensor
  than the one reshaped, so no constant says it for every batch; summary shows it for a
  batch of 1. other-x.npy [2, 2, 3], other-y.npy [2, 6].
- lookup.onnx: two inputs, an int64 index tensor of rank 5 and a float scale, two
  outputs: rows = Gather(table, idx) and scaled = rows * scale; lookup-idx.npy,
  lookup-scale.npy, lookup-rows.npy, lookup-scaled.npy.
- unsupported.onnx: nodes of a custom domain and a Loop.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "data", "onnx", "cli")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(11)


def save(graph, name, opsets=(("", 13),)):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                              producer_name="make-onnx-cli-fixtures")
    model.ir_version = 7
    onnx.save(model, os.path.join(out, name))


def conv():
    w = rng.standard_normal((2, 1, 3, 3)).astype(np.float32)
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="/conv/Conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="/act/Relu"),
             helper.make_node("Shape", ["r"], ["s"], name="/Shape"),
             helper.make_node("Constant", [], ["i"], name="/Constant",
                              value=numpy_helper.from_array(np.array(0, dtype=np.int64))),
             helper.make_node("Gather", ["s", "i"], ["n"], name="/Gather"),
             helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="/Unsqueeze"),
             helper.make_node("Concat", ["n1", "m1"], ["shp"], name="/Concat", axis=0),
             helper.make_node("Reshape", ["r", "shp"], ["y"], name="/Reshape")]
    graph = helper.make_graph(
        nodes, "conv", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 32])],
        initializer=[numpy_helper.from_array(w, "w"),
                     numpy_helper.from_array(np.array([0], dtype=np.int64), "ax"),
                     numpy_helper.from_array(np.array([-1], dtype=np.int64), "m1")])
    save(graph, "conv.onnx")
    x = rng.standard_normal((3, 1, 4, 4)).astype(np.float32)
    xp = np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)]).astype(np.float64)
    y = np.zeros((3, 2, 4, 4))
    for o in range(2):
        for i in range(4):
            for j in range(4):
                y[:, o, i, j] = (xp[:, 0, i:i + 3, j:j + 3] * w[o, 0]).sum(axis=(1, 2))
    np.save(os.path.join(out, "conv-x.npy"), x)
    np.save(os.path.join(out, "conv-y.npy"), np.maximum(y, 0).reshape(3, 32).astype(np.float32))


def other():
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="/Relu"),
             helper.make_node("Shape", ["x"], ["s"], name="/Shape"),
             helper.make_node("Gather", ["s", "i"], ["n"], name="/Gather"),
             helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="/Unsqueeze"),
             helper.make_node("Concat", ["n1", "m1"], ["shp"], name="/Concat", axis=0),
             helper.make_node("Reshape", ["r", "shp"], ["y"], name="/Reshape")]
    graph = helper.make_graph(
        nodes, "other", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 2, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 6])],
        initializer=[numpy_helper.from_array(np.array(0, dtype=np.int64), "i"),
                     numpy_helper.from_array(np.array([0], dtype=np.int64), "ax"),
                     numpy_helper.from_array(np.array([-1], dtype=np.int64), "m1")])
    save(graph, "other.onnx")
    x = rng.standard_normal((2, 2, 3)).astype(np.float32)
    np.save(os.path.join(out, "other-x.npy"), x)
    np.save(os.path.join(out, "other-y.npy"), np.maximum(x, 0).reshape(2, 6))


def lookup():
    table = rng.standard_normal((5, 3)).astype(np.float32)
    nodes = [helper.make_node("Gather", ["table", "idx"], ["rows"], name="/Gather", axis=0),
             helper.make_node("Mul", ["rows", "scale"], ["scaled"], name="/Mul")]
    graph = helper.make_graph(
        nodes, "lookup",
        [helper.make_tensor_value_info("idx", TensorProto.INT64, [1, 2, 1, 2, 2]),
         helper.make_tensor_value_info("scale", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT, [1, 2, 1, 2, 2, 3]),
         helper.make_tensor_value_info("scaled", TensorProto.FLOAT, [1, 2, 1, 2, 2, 3])],
        initializer=[numpy_helper.from_array(table, "table")])
    save(graph, "lookup.onnx")
    idx = rng.integers(0, 5, (1, 2, 1, 2, 2)).astype(np.int64)
    scale = np.array(-2.5, dtype=np.float32)
    np.save(os.path.join(out, "lookup-idx.npy"), idx)
    np.save(os.path.join(out, "lookup-scale.npy"), scale)
    np.save(os.path.join(out, "lookup-rows.npy"), table[idx])
    np.save(os.path.join(out, "lookup-scaled.npy"), table[idx] * scale)


def unsupported():
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="/a/Relu"),
             helper.make_node("Foo", ["r"], ["f1"], name="/a/Foo", domain="custom"),
             helper.make_node("Foo", ["f1"], ["f2"], name="/b/Foo", domain="custom"),
             helper.make_node("Loop", ["f2"], ["y"], name="/c/Loop")]
    graph = helper.make_graph(nodes, "bad",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    save(graph, "unsupported.onnx", (("", 13), ("custom", 1)))


conv()
other()
lookup()
unsupported()
