#!/usr/bin/python3
# make-bad-files.py - hostile and unusual model files for test-h5model
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes, with nothing but h5py and numpy (as a foreign program would):
#   tests/data/good/*.h5  files that follow shared/docs/model-file-format.md in unusual
#                         but allowed ways (fixed-length strings, h5py bool enums, float64
#                         or big-endian weights, a higher minor version, ...). They all hold
#                         the same network and weights as good/base.h5.
#   tests/data/bad/*.h5   files a reader must refuse, and bad/expected.txt with one line
#                         "<file>\t<substring of the expected error message>" per file.
# Careful: gcol-*.h5 make libhdf5 1.10 itself hang or crash, so h5py (and h5dump) cannot
# open them; Layerlab checks the global heaps before HDF5 reads them.
# The files are committed; run this again only when the cases change:
#   /usr/bin/python3 tests/reference/make-bad-files.py
import io
import os
import shutil
import sys
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
GOOD = os.path.join(DATA, "good")
BAD = os.path.join(DATA, "bad")

# The network every file describes (input 1x8x8):
#   0 Conv2d(1, 4, 3x3) -> 4x6x6   1 BatchNorm2d(4)   2 ReLU   3 MaxPool2d(2) -> 4x3x3
#   4 Flatten -> 36                5 Linear(36, 5)
LAYERS = [
    ("Conv2d", dict(in_channels=1, out_channels=4, kernel_size=(3, 3), stride=(1, 1),
                    padding=(0, 0), dilation=(1, 1), groups=1, bias=True)),
    ("BatchNorm2d", dict(num_features=4, eps=1e-5, momentum=0.1, affine=True,
                         track_running_stats=True)),
    ("ReLU", {}),
    ("MaxPool2d", dict(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1),
                       ceil_mode=False)),
    ("Flatten", dict(start_dim=1, end_dim=-1)),
    ("Linear", dict(in_features=36, out_features=5, bias=True)),
]
INPUT_SHAPE = (1, 8, 8)
BOOLS = {"bias", "ceil_mode", "count_include_pad", "affine", "track_running_stats"}
FLOATS = {"eps", "momentum", "p", "negative_slope"}


def weights():
    """Deterministic float32 values (exactly representable in every float type used)."""
    rng = np.random.default_rng(7)

    def t(*shape):
        return (rng.integers(-512, 512, size=shape) / 1024.0).astype(np.float32)

    return {
        "0.weight": t(4, 1, 3, 3), "0.bias": t(4),
        "1.weight": t(4) + 1, "1.bias": t(4),
        "1.running_mean": t(4), "1.running_var": np.abs(t(4)) + 0.5,
        "1.num_batches_tracked": np.int64(12),
        "5.weight": t(5, 36), "5.bias": t(5),
    }


def vlen_utf8():
    return h5py.string_dtype("utf-8")


def set_string(obj, name, value, fixed=False, ascii_vlen=False):
    if fixed:
        obj.attrs.create(name, np.bytes_(value.encode()))
    elif ascii_vlen:
        obj.attrs.create(name, value, dtype=h5py.string_dtype("ascii"))
    else:
        obj.attrs.create(name, value, dtype=vlen_utf8())


def write_model(path, *, fixed_strings=False, ascii_vlen=False, bool_enum=False,
                weight_dtype="<f4", int_dtype="<i8", version=(1, 0), defaults_only=False,
                compress=False, extra=False):
    """A file per the contract, with the allowed variations switched on."""
    s = dict(fixed=fixed_strings, ascii_vlen=ascii_vlen)
    with h5py.File(path, "w", libver=("earliest", "v108")) as f:
        set_string(f, "format", "layerlab", **s)
        f.attrs.create("format_version", np.array(version, dtype=np.int32))
        set_string(f, "kind", "model", **s)
        set_string(f, "creator", "make-bad-files.py", **s)
        arch = f.create_group("architecture")
        arch.attrs.create("num_layers", np.array(len(LAYERS), dtype=int_dtype))
        arch.attrs.create("input_shape", np.array(INPUT_SHAPE, dtype=int_dtype))
        for i, (kind, attrs) in enumerate(LAYERS):
            g = arch.create_group(str(i))
            set_string(g, "type", kind, **s)
            for name, value in attrs.items():
                if defaults_only and name not in ("in_channels", "out_channels", "kernel_size",
                                                  "num_features", "in_features",
                                                  "out_features"):
                    continue
                if name in BOOLS:
                    g.attrs.create(name, np.bool_(value) if bool_enum
                                   else np.int8(1 if value else 0))
                elif name in FLOATS:
                    g.attrs.create(name, np.float64(value))
                elif kind == "MaxPool2d" and tuple(version) >= (1, 2):
                    # from 1.2 on a pool's int is a scalar: this is MaxPool2d(2) as before
                    g.attrs.create(name, np.array(value[0], dtype=int_dtype))
                else:
                    g.attrs.create(name, np.array(value, dtype=int_dtype))
            if extra:
                g.attrs.create("added_in_1_3", np.int64(5))
        sd = f.create_group("state_dict")
        for key, value in weights().items():
            if key.endswith("num_batches_tracked"):
                sd.create_dataset(key, data=np.array(value, dtype=int_dtype))
            elif compress:
                sd.create_dataset(key, data=value.astype(weight_dtype), compression="gzip",
                                  chunks=True)
            else:
                sd.create_dataset(key, data=value.astype(weight_dtype))
        if extra:
            f.create_group("added_in_1_3")


GOOD_FILES = {
    "base.h5": {},
    "fixed-strings.h5": dict(fixed_strings=True),
    "ascii-strings.h5": dict(ascii_vlen=True),
    "bool-enum.h5": dict(bool_enum=True),
    "float64-weights.h5": dict(weight_dtype="<f8"),
    "big-endian.h5": dict(weight_dtype=">f4", int_dtype=">i8"),
    "int32-attrs.h5": dict(int_dtype="<i4"),
    "defaults.h5": dict(defaults_only=True),
    "compressed.h5": dict(compress=True),
    "minor-version.h5": dict(version=(1, 3), extra=True),
}


# ------------------------------------------------------------------ bad files
# Each case: (file name, expected substring, function(path) that writes it).
CASES = []


def case(name, expected):
    def register(fn):
        CASES.append((name, expected, fn))
        return fn
    return register


def edit(path, fn):
    """Writes the base model, then lets fn damage it."""
    write_model(path)
    with h5py.File(path, "r+") as f:
        fn(f)


def layer(f, i):
    return f["architecture"][str(i)]


@case("empty.h5", "the file is empty")
def _(p):
    open(p, "wb").close()


@case("random.h5", "not a model file Layerlab reads (Layerlab opens its .h5 models and PyTorch .pt files)")
def _(p):
    with open(p, "wb") as out:
        out.write(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())


@case("png.h5", "this is a PNG image, not a model file Layerlab reads")
def _(p):
    with open(p, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(64))


@case("zip.h5", "this is a zip archive, not a model file Layerlab reads")
def _(p):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("model.h5", b"not really" * 100)
    with open(p, "wb") as out:
        out.write(buf.getvalue())


@case("truncated.h5", "truncated or damaged HDF5 file")
def _(p):
    write_model(p)
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        f.truncate(size // 2)


@case("truncated-header.h5", "damaged HDF5 file")
def _(p):
    write_model(p)
    with open(p, "r+b") as f:
        f.truncate(60)


@case("no-format.h5", "missing root attribute 'format'")
def _(p):
    edit(p, lambda f: f.attrs.__delitem__("format"))


@case("wrong-format.h5", "format is 'keras', not 'layerlab'")
def _(p):
    edit(p, lambda f: set_string(f, "format", "keras"))


@case("format-not-string.h5", "root: attribute 'format' must be a string, found integer")
def _(p):
    edit(p, lambda f: f.attrs.create("format", np.int64(1)))


@case("no-kind.h5", "root: missing required attribute 'kind'")
def _(p):
    edit(p, lambda f: f.attrs.__delitem__("kind"))


@case("unknown-kind.h5", "unknown kind 'optimizer'")
def _(p):
    edit(p, lambda f: set_string(f, "kind", "optimizer"))


@case("weights-kind.h5", "this is a weights-only file (kind 'weights'), not a model")
def _(p):
    edit(p, lambda f: set_string(f, "kind", "weights"))


@case("no-version.h5", "missing required attribute 'format_version'")
def _(p):
    edit(p, lambda f: f.attrs.__delitem__("format_version"))


@case("version-2.h5", "format_version 2.0 is not supported (this Layerlab reads 1.x)")
def _(p):
    edit(p, lambda f: f.attrs.create("format_version", np.array([2, 0], dtype=np.int32)))


@case("version-float.h5", "attribute 'format_version' must be integers, found float")
def _(p):
    edit(p, lambda f: f.attrs.create("format_version", np.array([1.0, 0.0])))


@case("version-3-ints.h5", "attribute 'format_version' must be 2 integers, found 3")
def _(p):
    edit(p, lambda f: f.attrs.create("format_version", np.array([1, 0, 0], dtype=np.int32)))


@case("no-architecture.h5", "missing group /architecture")
def _(p):
    edit(p, lambda f: f.__delitem__("architecture"))


@case("architecture-soft-link.h5", "'architecture' is a link")
def _(p):
    def fn(f):
        f.move("architecture", "arch")
        f["architecture"] = h5py.SoftLink("/arch")
    edit(p, fn)


@case("unknown-type.h5", "unknown layer type 'Conv3d' in /architecture/4")
def _(p):
    edit(p, lambda f: set_string(layer(f, 4), "type", "Conv3d"))


@case("no-type.h5", "layer 2: missing required attribute 'type'")
def _(p):
    edit(p, lambda f: layer(f, 2).attrs.__delitem__("type"))


@case("type-not-string.h5", "layer 2: attribute 'type' must be a string, found integer")
def _(p):
    edit(p, lambda f: layer(f, 2).attrs.create("type", np.int64(1)))


@case("missing-attr.h5", "layer 0 (Conv2d): missing required attribute 'out_channels'")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.__delitem__("out_channels"))


@case("kernel-3-ints.h5", "layer 0 (Conv2d): attribute 'kernel_size' must be 2 integers, found 3")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.create("kernel_size", np.array([3, 3, 3], dtype=np.int64)))


@case("kernel-scalar.h5", "attribute 'kernel_size' must be 2 integers, found 1 (a scalar)")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.create("kernel_size", np.int64(3)))


@case("kernel-rank2.h5", "attribute 'kernel_size' must be 2 integers, found 2 (not a 1-D array)")
def _(p):
    edit(p, lambda f: layer(f, 3).attrs.create("kernel_size", np.array([[2], [2]], dtype=np.int64)))


@case("kernel-float.h5", "layer 3 (MaxPool2d): attribute 'kernel_size' must be integers, found float")
def _(p):
    edit(p, lambda f: layer(f, 3).attrs.create("kernel_size", np.array([2.0, 2.0])))


@case("negative-size.h5", "layer 0 (Conv2d): attribute 'out_channels' is -4, must be between 1 and")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.create("out_channels", np.int64(-4)))


@case("huge-channels.h5", "attribute 'out_channels' is 1099511627776, must be between 1 and")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.create("out_channels", np.int64(2 ** 40)))


@case("huge-params.h5", "layer 5 (Linear): the parameters would exceed the memory budget")
def _(p):
    def fn(f):
        layer(f, 5).attrs.create("in_features", np.int64(2 ** 30))
        layer(f, 5).attrs.create("out_features", np.int64(2 ** 30))
    edit(p, fn)


@case("huge-input.h5", "input_shape of 4611686014132420609 elements exceeds the memory budget")
def _(p):
    edit(p, lambda f: f["architecture"].attrs.create(
        "input_shape", np.array([1, 2 ** 31 - 1, 2 ** 31 - 1], dtype=np.int64)))


@case("zero-input.h5", "attribute 'input_shape' has an impossible size 0")
def _(p):
    edit(p, lambda f: f["architecture"].attrs.create("input_shape",
                                                     np.array([1, 0, 8], dtype=np.int64)))


@case("input-2d.h5", "attribute 'input_shape' must be (C, H, W) or (F)")
def _(p):
    edit(p, lambda f: f["architecture"].attrs.create("input_shape",
                                                     np.array([8, 8], dtype=np.int64)))


@case("negative-padding.h5", "attribute 'padding' is (0, -1), each must be between 0 and")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.create("padding", np.array([0, -1], dtype=np.int64)))


@case("bool-2.h5", "layer 5 (Linear): attribute 'bias' must be 0 or 1, found 2")
def _(p):
    edit(p, lambda f: layer(f, 5).attrs.create("bias", np.int8(2)))


@case("eps-string.h5", "layer 1 (BatchNorm2d): attribute 'eps' must be a float, found string")
def _(p):
    edit(p, lambda f: set_string(layer(f, 1), "eps", "1e-5"))


@case("eps-nan.h5", "layer 1 (BatchNorm2d): attribute 'eps' must be a finite number")
def _(p):
    edit(p, lambda f: layer(f, 1).attrs.create("eps", np.float64("nan")))


@case("num-layers-more.h5", "num_layers is 7 but the group holds 6 entries")
def _(p):
    edit(p, lambda f: f["architecture"].attrs.create("num_layers", np.int64(7)))


@case("num-layers-less.h5", "num_layers is 5 but the group holds 6 entries")
def _(p):
    edit(p, lambda f: f["architecture"].attrs.create("num_layers", np.int64(5)))


@case("num-layers-huge.h5", "attribute 'num_layers' is 1099511627776, must be between 0 and 100000")
def _(p):
    edit(p, lambda f: f["architecture"].attrs.create("num_layers", np.int64(2 ** 40)))


@case("layer-gap.h5", "missing layer group /architecture/2")
def _(p):
    edit(p, lambda f: f["architecture"].move("2", "two"))


@case("shape-error.h5", "the architecture does not fit together")
def _(p):
    def fn(f):
        layer(f, 5).attrs.create("in_features", np.int64(40))
        del f["state_dict/5.weight"]
        f["state_dict"].create_dataset("5.weight", data=np.zeros((5, 40), np.float32))
    edit(p, fn)


@case("groups-indivisible.h5", "layer 0 (Conv2d): in_channels (1) must be divisible by groups (3)")
def _(p):
    edit(p, lambda f: layer(f, 0).attrs.create("groups", np.int64(3)))


@case("pool-padding.h5", "layer 3 (MaxPool2d): pad should be at most half of kernel size")
def _(p):
    edit(p, lambda f: layer(f, 3).attrs.create("padding", np.array([2, 2], dtype=np.int64)))


@case("int-weight.h5", "dataset 5.weight has type integer, expected float")
def _(p):
    def fn(f):
        del f["state_dict/5.weight"]
        f["state_dict"].create_dataset("5.weight", data=np.zeros((5, 36), np.int32))
    edit(p, fn)


@case("string-weight.h5", "dataset 0.bias has type string, expected float")
def _(p):
    def fn(f):
        del f["state_dict/0.bias"]
        f["state_dict"].create_dataset("0.bias", data=np.array([b"abcd"] * 4))
    edit(p, fn)


@case("wrong-count.h5", "dataset 5.weight has shape [5, 35] but layer 5 (Linear) needs [5, 36]")
def _(p):
    def fn(f):
        del f["state_dict/5.weight"]
        f["state_dict"].create_dataset("5.weight", data=np.zeros((5, 35), np.float32))
    edit(p, fn)


@case("wrong-shape.h5", "dataset 0.weight has shape [4, 9] but layer 0 (Conv2d) needs [4, 1, 3, 3]")
def _(p):
    def fn(f):
        del f["state_dict/0.weight"]
        f["state_dict"].create_dataset("0.weight", data=np.zeros((4, 9), np.float32))
    edit(p, fn)


@case("float-count.h5", "dataset 1.num_batches_tracked has type float, expected an integer")
def _(p):
    def fn(f):
        del f["state_dict/1.num_batches_tracked"]
        f["state_dict"].create_dataset("1.num_batches_tracked", data=np.float32(3))
    edit(p, fn)


@case("missing-key.h5", "missing key 5.bias")
def _(p):
    edit(p, lambda f: f.__delitem__("state_dict/5.bias"))


@case("unexpected-key.h5", "unexpected key 3.weight")
def _(p):
    edit(p, lambda f: f["state_dict"].create_dataset("3.weight", data=np.zeros(3, np.float32)))


@case("several-problems.h5", "3 problems in /state_dict:")
def _(p):
    def fn(f):
        del f["state_dict/0.bias"]
        del f["state_dict/5.weight"]
        f["state_dict"].create_dataset("5.weight", data=np.zeros((36, 5), np.float32))
        f["state_dict"].create_dataset("9.weight", data=np.zeros(3, np.float32))
    edit(p, fn)


@case("weight-is-group.h5", "key 0.weight is not a readable dataset")
def _(p):
    def fn(f):
        del f["state_dict/0.weight"]
        f["state_dict"].create_group("0.weight")
    edit(p, fn)


@case("external-link.h5", "key 5.bias is not a readable dataset")
def _(p):
    def fn(f):
        del f["state_dict/5.bias"]
        f["state_dict/5.bias"] = h5py.ExternalLink("/etc/passwd", "/x")
    edit(p, fn)


@case("corrupt-chunk.h5", "cannot read dataset 5.bias (damaged or truncated file)")
def _(p):
    # The header is fine and every shape matches; only 5.bias's compressed bytes are
    # garbage, so the failure comes while reading the last dataset.
    write_model(p, compress=True)
    with h5py.File(p, "r") as f:
        info = f["state_dict/5.bias"].id.get_chunk_info(0)
    with open(p, "r+b") as out:
        out.seek(info.byte_offset)
        out.write(b"\xff" * info.size)


def damage_global_heap(path, want_idx, size):
    """Sets the size of object want_idx in the file's first global heap collection (where
    h5py keeps the variable-length strings)."""
    data = bytearray(open(path, "rb").read())
    start = data.index(b"GCOL")
    end = start + int.from_bytes(data[start + 8:start + 16], "little")
    p = start + 16
    while p + 16 <= end:
        idx = int.from_bytes(data[p:p + 2], "little")
        obj = int.from_bytes(data[p + 8:p + 16], "little")
        if idx == want_idx:
            data[p + 8:p + 16] = size.to_bytes(8, "little")
            break
        p += obj if idx == 0 else 16 + (obj + 7) // 8 * 8
    else:
        raise RuntimeError("no heap object %d" % want_idx)
    open(path, "wb").write(bytes(data))


@case("gcol-free-space-0.h5", "damaged HDF5 file (bad global heap at offset")
def _(p):
    # libhdf5 1.10 loops forever on a free-space object of size 0
    write_model(p)
    damage_global_heap(p, 0, 0)


@case("gcol-object-too-big.h5", "damaged HDF5 file (bad global heap at offset")
def _(p):
    # a string object that claims to reach past its collection
    write_model(p)
    damage_global_heap(p, 1, 1 << 20)


def main():
    for d in (GOOD, BAD):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    for name, opts in GOOD_FILES.items():
        write_model(os.path.join(GOOD, name), **opts)
    with open(os.path.join(BAD, "expected.txt"), "w") as exp:
        exp.write("# <file> TAB <substring of the error message>; written by make-bad-files.py\n")
        for name, expected, fn in CASES:
            fn(os.path.join(BAD, name))
            exp.write("%s\t%s\n" % (name, expected.replace("\n", "\\n")))
    print("wrote %d good and %d bad files" % (len(GOOD_FILES), len(CASES)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
