#!/usr/bin/python3
"""Writes the PyTorch .pt fixtures under tests/data/pt/ (Debian's python3-torch 1.13).

Run from the source tree:  /usr/bin/python3 tests/reference/make-pt-fixtures.py
The outputs are committed, so the test suite itself needs no Python.

- torch_network.pt / torch_network_dict.pt: the seed network, saved both ways exactly
  as the seed's code does (torch.save(network) and torch.save(network.state_dict())).
- every_layer.pt (+ _dict): a Sequential with every supported layer type and
  non-default options, with non-trivial BatchNorm running statistics.
- <name>-input.npy / <name>-output.npy: an input batch and PyTorch's output for it.
- hostile/: files that must be refused without running anything.
"""
import io
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "data", "pt")
os.makedirs(os.path.join(out, "hostile"), exist_ok=True)


def save_pair(name, network, input_shape, batch):
    network.eval()
    torch.save(network, os.path.join(out, name + ".pt"))
    torch.save(network.state_dict(), os.path.join(out, name + "_dict.pt"))
    x = torch.rand((batch,) + input_shape)
    with torch.no_grad():
        y = network(x)
    np.save(os.path.join(out, name + "-input.npy"), x.numpy())
    np.save(os.path.join(out, name + "-output.npy"), y.numpy())
    with open(os.path.join(out, name + "-repr.txt"), "w") as f:
        f.write(str(network) + "\n")


torch.manual_seed(2026)
seed = nn.Sequential(
    nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
    nn.Flatten(), nn.Linear(576, 1024), nn.ReLU(), nn.Linear(1024, 10))
save_pair("torch_network", seed, (1, 24, 24), 4)

torch.manual_seed(7)
every = nn.Sequential(
    nn.Conv2d(3, 8, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    nn.BatchNorm2d(8),
    nn.LeakyReLU(0.2),
    nn.Conv2d(8, 8, 3, padding=1, groups=4, bias=False),
    nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
    nn.Tanh(),
    nn.AvgPool2d(2, stride=1, padding=1, ceil_mode=True, count_include_pad=False),
    nn.Sigmoid(),
    nn.Dropout(0.25),
    nn.Flatten(),
    nn.Linear(8 * 4 * 8, 12),
    nn.ReLU(),
    nn.Linear(12, 5, bias=False),
    nn.Softmax(dim=1))
with torch.no_grad():
    bn = every[1]
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    bn.weight.uniform_(0.5, 1.5)
    bn.bias.uniform_(-0.2, 0.2)
    bn.num_batches_tracked.fill_(17)
x = torch.rand(2, 3, 10, 14)
every.eval()
with torch.no_grad():
    assert every(x).shape == (2, 5)
save_pair("every_layer", every, (3, 10, 14), 3)

# A state_dict saved from a non-contiguous (transposed) view: strides must be honoured.
torch.manual_seed(3)
lin = nn.Sequential(nn.Linear(6, 4))
w = torch.rand(6, 4).t()  # stride (1, 4)
with torch.no_grad():
    lin[0].weight.set_(w)
torch.save(lin.state_dict(), os.path.join(out, "strided_dict.pt"))
np.save(os.path.join(out, "strided-weight.npy"), lin[0].weight.detach().contiguous().numpy())

# float64 weights load as float32.
lin64 = nn.Sequential(nn.Linear(6, 4)).double()
torch.save(lin64.state_dict(), os.path.join(out, "double_dict.pt"))
np.save(os.path.join(out, "double-weight.npy"), lin64[0].weight.detach().float().numpy())

# ---------------------------------------------------------------- hostile files
# Crafted by hand so each one breaks exactly one rule; the base network is tiny.
import collections

hostile = os.path.join(out, "hostile")


class Storage:
    def __init__(self, key, numel, dtype=torch.FloatStorage):
        self.key, self.numel, self.dtype = key, numel, dtype


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict())

    def __reduce__(self):
        return (torch._utils._rebuild_tensor_v2, self.args)


class Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.dtype, obj.key, "cpu", obj.numel)
        return None


def write_pt(name, state, records, archive="archive"):
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(state)
    with zipfile.ZipFile(os.path.join(hostile, name), "w", zipfile.ZIP_STORED) as z:
        z.writestr(archive + "/data.pkl", buf.getvalue())
        for key, data in records.items():
            z.writestr(archive + "/data/" + key, data)
        z.writestr(archive + "/version", "3\n")


def linear_state(w_storage, w_offset=0, w_size=(2, 3), w_stride=(3, 1)):
    return collections.OrderedDict([
        ("0.weight", Tensor(w_storage, w_offset, w_size, w_stride)),
        ("0.bias", Tensor(Storage("1", 2), 0, (2,), (1,)))])


ok_records = {"0": np.zeros(6, np.float32).tobytes(), "1": np.zeros(2, np.float32).tobytes()}
# the well-formed baseline (must load into Sequential(Linear(3, 2)))
write_pt("../tiny_linear_dict.pt", linear_state(Storage("0", 6)), ok_records)


class Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/layerlab-pwned",))


write_pt("os_system.pt", Evil(), {})
# the pickle claims 2**40 elements; the record holds 6
write_pt("huge_numel.pt", linear_state(Storage("0", 1 << 40)), ok_records)
# the pickle says 6 elements but the record holds 5
write_pt("short_record.pt", linear_state(Storage("0", 6)),
         {"0": np.zeros(5, np.float32).tobytes(), "1": ok_records["1"]})
# a view that reaches past its storage (offset 4 + 5 elements of 6)
write_pt("bad_offset.pt", linear_state(Storage("0", 6), w_offset=4), ok_records)
# a negative stride / a huge size
write_pt("bad_stride.pt", linear_state(Storage("0", 6), w_stride=(-3, 1)), ok_records)
write_pt("huge_size.pt", linear_state(Storage("0", 6), w_size=(1 << 50, 3)), ok_records)
# a record named by the pickle that is not in the archive
write_pt("missing_record.pt", linear_state(Storage("0", 6)), {"1": ok_records["1"]})
# an int64 weight
write_pt("int_weight.pt", linear_state(Storage("0", 6, torch.LongStorage)),
         {"0": np.zeros(6, np.int64).tobytes(), "1": ok_records["1"]})
# truncated pickle and truncated zip
buf = io.BytesIO()
Pickler(buf, protocol=2).dump(linear_state(Storage("0", 6)))
with zipfile.ZipFile(os.path.join(hostile, "truncated_pickle.pt"), "w") as z:
    z.writestr("archive/data.pkl", buf.getvalue()[: len(buf.getvalue()) // 2])
    for key, data in ok_records.items():
        z.writestr("archive/data/" + key, data)
with open(os.path.join(out, "tiny_linear_dict.pt"), "rb") as f:
    raw = f.read()
with open(os.path.join(hostile, "truncated_zip.pt"), "wb") as f:
    f.write(raw[: len(raw) // 2])
# legacy format, TorchScript, an unsupported layer, random bytes
tiny = nn.Sequential(nn.Linear(3, 2))
torch.save(tiny.state_dict(), os.path.join(hostile, "legacy.pt"), _use_new_zipfile_serialization=False)
torch.jit.save(torch.jit.script(tiny), os.path.join(hostile, "torchscript.pt"))
torch.save(nn.Sequential(nn.Conv1d(1, 2, 3)), os.path.join(hostile, "conv1d.pt"))
# whole models that are not one flat Sequential: nested, and a class of the user's own
torch.save(nn.Sequential(nn.Linear(3, 2), nn.Sequential(nn.ReLU())), os.path.join(hostile, "nested.pt"))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x) + x[:, :2]


torch.save(Net(), os.path.join(hostile, "own_class.pt"))
with open(os.path.join(hostile, "random.pt"), "wb") as f:
    f.write(np.random.default_rng(1).bytes(4096))
print("wrote", out)
