#!/usr/bin/python3
"""Writes the ONNX file fixtures under tests/data/onnx/ (Debian's python3-onnx 1.12).

Run from the source tree:  /usr/bin/python3 tests/reference/make-onnx-fixtures.py
The outputs are committed, so the test suite itself needs no Python.

- tensors.onnx: initializers of every numeric type, each stored every way ONNX allows
  (raw_data and the typed field), a scalar, an empty tensor and a rank-8 one; for each
  initializer NAME, ref/NAME.bin holds onnx.numpy_helper.to_array's bytes (the
  reference the reader is checked against).
- external.onnx + external.bin: two initializers kept in external data (one with an
  offset and a length, one without a length); ref/ as above.
- hostile/: files that must be refused with a clear message.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "data", "onnx")
hostile = os.path.join(out, "hostile")
ref = os.path.join(out, "ref")
for d in (out, hostile, ref):
    os.makedirs(d, exist_ok=True)
rng = np.random.default_rng(7)


def model_of(initializers, nodes=(), opset=13, ir_version=8, name="fixture"):
    """A one-Identity graph that carries the initializers given."""
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"], name="id")]
                              + list(nodes), name, [x], [y], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version
    return model


def save(model, path):
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


# ---------------------------------------------------------------- good: every storage

def typed(name, array, onnx_type, raw):
    """A TensorProto of array, in raw_data or in the type's typed field."""
    if raw:
        return helper.make_tensor(name, onnx_type, array.shape, array.tobytes(), raw=True)
    if onnx_type in (TensorProto.FLOAT16, TensorProto.BFLOAT16):
        bits = array.view(np.uint16).astype(np.int32).flatten().tolist()
        t = TensorProto(name=name, data_type=onnx_type, dims=array.shape)
        t.int32_data.extend(bits)
        return t
    return helper.make_tensor(name, onnx_type, array.shape, array.flatten().tolist())


cases = [
    ("float_raw", rng.standard_normal((3, 4)).astype(np.float32), TensorProto.FLOAT, True),
    ("float_typed", rng.standard_normal((2, 3, 2)).astype(np.float32), TensorProto.FLOAT, False),
    ("double_typed", rng.standard_normal((5,)), TensorProto.DOUBLE, False),
    ("int64_typed", rng.integers(-2**40, 2**40, (2, 3)), TensorProto.INT64, False),
    ("int64_raw", rng.integers(-2**40, 2**40, (4,)), TensorProto.INT64, True),
    ("int32_typed", rng.integers(-2**30, 2**30, (3,)).astype(np.int32), TensorProto.INT32, False),
    ("int8_typed", rng.integers(-128, 128, (6,)).astype(np.int8), TensorProto.INT8, False),
    ("uint8_typed", rng.integers(0, 256, (6,)).astype(np.uint8), TensorProto.UINT8, False),
    ("int16_typed", rng.integers(-2**15, 2**15, (4,)).astype(np.int16), TensorProto.INT16, False),
    ("uint16_typed", rng.integers(0, 2**16, (4,)).astype(np.uint16), TensorProto.UINT16, False),
    ("bool_typed", rng.integers(0, 2, (7,)).astype(bool), TensorProto.BOOL, False),
    ("bool_raw", rng.integers(0, 2, (7,)).astype(bool), TensorProto.BOOL, True),
    ("float16_typed", rng.standard_normal((5,)).astype(np.float16), TensorProto.FLOAT16, False),
    ("float16_raw", rng.standard_normal((5,)).astype(np.float16), TensorProto.FLOAT16, True),
    ("uint32_typed", rng.integers(0, 2**32, (3,)).astype(np.uint32), TensorProto.UINT32, False),
    ("uint64_typed", rng.integers(0, 2**62, (3,)).astype(np.uint64), TensorProto.UINT64, False),
    ("scalar", np.array(2.5, np.float32), TensorProto.FLOAT, False),
    ("empty", np.zeros((2, 0, 3), np.float32), TensorProto.FLOAT, True),
    ("rank8", rng.standard_normal((1, 2, 1, 2, 1, 2, 1, 2)).astype(np.float32),
     TensorProto.FLOAT, True),
]
inits = [typed(n, a, t, raw) for n, a, t, raw in cases]
# a Constant node's tensor is checked like an initializer
const = helper.make_node("Constant", [], ["c"], name="const",
                         value=typed("const_value", np.arange(6, dtype=np.float32).reshape(2, 3),
                                     TensorProto.FLOAT, False))
model = model_of(inits, [const])
onnx.checker.check_model(model)
save(model, os.path.join(out, "tensors.onnx"))
for t in inits + [const.attribute[0].t]:
    with open(os.path.join(ref, t.name + ".bin"), "wb") as f:
        f.write(numpy_helper.to_array(t).tobytes())

# ---------------------------------------------------------------- good: external data

ext_a = rng.standard_normal((4, 5)).astype(np.float32)
ext_b = rng.integers(-100, 100, (3,)).astype(np.int64)
# the hostile files that point into it need their own copy beside them
for folder in (out, hostile):
    with open(os.path.join(folder, "external.bin"), "wb") as f:
        f.write(b"\0" * 16)          # padding: ext_a starts at offset 16
        f.write(ext_a.tobytes())
        f.write(ext_b.tobytes())


def external(name, array, onnx_type, location, offset=None, length=None):
    t = TensorProto(name=name, data_type=onnx_type, dims=array.shape)
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset), ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key, entry.value = key, str(value)
    return t


model = model_of([external("ext_a", ext_a, TensorProto.FLOAT, "external.bin", 16, ext_a.nbytes),
                  external("ext_b", ext_b, TensorProto.INT64, "external.bin",
                           16 + ext_a.nbytes)])
save(model, os.path.join(out, "external.onnx"))
onnx.checker.check_model(os.path.join(out, "external.onnx"))
for name, array in (("ext_a", ext_a), ("ext_b", ext_b)):
    with open(os.path.join(ref, name + ".bin"), "wb") as f:
        f.write(array.tobytes())

# ---------------------------------------------------------------- hostile


def bad(name, model):
    save(model, os.path.join(hostile, name))


w = rng.standard_normal((2, 3)).astype(np.float32)
good_bytes = model_of([typed("w", w, TensorProto.FLOAT, True)]).SerializeToString()
with open(os.path.join(hostile, "truncated.onnx"), "wb") as f:
    f.write(good_bytes[: len(good_bytes) * 2 // 3])

t = typed("w", w, TensorProto.FLOAT, True)
t.raw_data = t.raw_data[:-3]
bad("raw_length.onnx", model_of([t]))

t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2, -3])
bad("negative_dim.onnx", model_of([t]))

t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1 << 20, 1 << 20])
t.raw_data = b"\0" * 16
bad("huge_dims.onnx", model_of([t]))

t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1] * 9)
t.float_data.append(1.0)
bad("rank9.onnx", model_of([t]))

t = typed("w", w, TensorProto.FLOAT, False)
del t.float_data[-1]
bad("few_values.onnx", model_of([t]))

t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
bad("no_data.onnx", model_of([t]))

t = typed("w", w, TensorProto.FLOAT, True)
t.data_type = 99
bad("bad_type.onnx", model_of([t]))

# a bad tensor deep in a Constant node's attribute
const = helper.make_node("Constant", [], ["c"], name="const_bad",
                         value=TensorProto(name="v", data_type=TensorProto.FLOAT, dims=[3]))
bad("constant_no_data.onnx", model_of([], [const]))

bad("ext_parent.onnx", model_of([external("w", w, TensorProto.FLOAT, "../outside.bin")]))
bad("ext_absolute.onnx", model_of([external("w", w, TensorProto.FLOAT, "/etc/passwd")]))
bad("ext_missing.onnx", model_of([external("w", w, TensorProto.FLOAT, "no-such.bin")]))
bad("ext_link.onnx", model_of([external("w", w, TensorProto.FLOAT, "link.bin")]))
bad("ext_short.onnx", model_of([external("w", w, TensorProto.FLOAT, "external.bin", 100)]))
bad("ext_length.onnx", model_of([external("w", w, TensorProto.FLOAT, "external.bin", 0, 7)]))
bad("ext_offset_text.onnx", model_of([external("w", w, TensorProto.FLOAT, "external.bin",
                                               "-5")]))

bad("ir_version_2.onnx", model_of([], ir_version=2))
bad("ir_version_99.onnx", model_of([], ir_version=99))
bad("opset_6.onnx", model_of([], opset=6))
bad("opset_18.onnx", model_of([], opset=18))
m = model_of([])
del m.opset_import[:]
m.opset_import.append(helper.make_opsetid("com.example", 1))
bad("no_default_opset.onnx", m)
m = model_of([])
m.ClearField("graph")
bad("no_graph.onnx", m)

# If nodes nested 200 deep, each in the then_branch of the one outside it
leaf = helper.make_graph([], "leaf", [], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
inner = leaf
for depth in range(1, 200):
    # only then_branch nests (both would double the file at every level)
    node = helper.make_node("If", ["c"], ["y"], then_branch=inner, else_branch=leaf)
    inner = helper.make_graph([node], f"g{depth}", [],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
m = helper.make_model(inner, opset_imports=[helper.make_opsetid("", 13)])
m.ir_version = 8
bad("deep.onnx", m)

# wire type 3 (a protobuf group), which ONNX never uses
with open(os.path.join(hostile, "group.onnx"), "wb") as f:
    f.write(bytes([0x08, 0x08, 0x3b, 0x00]))
# a length that runs past the end
with open(os.path.join(hostile, "long_length.onnx"), "wb") as f:
    f.write(bytes([0x08, 0x08, 0x3a, 0xff, 0xff, 0x03, 0x00]))

t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2])
t.float_data.extend([1.0, 2.0])
sparse = helper.make_sparse_tensor(t, helper.make_tensor("i", TensorProto.INT64, [2], [0, 1]),
                                   [4])
m = model_of([])
m.graph.sparse_initializer.append(sparse)
bad("sparse.onnx", m)
print("wrote", out)
