#!/usr/bin/python3
# make-reference.py - PyTorch reference fixtures for the engine's forward tests
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes tests/data/ref/<case>/ for every layer type and option the engine supports:
#   spec.txt      "input C H W" (or "input F"), then one layer per line:
#                 "Conv2d in_channels=4 out_channels=8 kernel_size=3,2 ... bias=1"
#                 (in_channels=0 / in_features=0 / num_features=0 mean lazy)
#   input.npy     the batch fed to the network
#   <key>.npy     one file per state_dict entry (num_batches_tracked skipped)
#   output.npy    PyTorch's output in eval mode
#   act-<i>.npy   (some cases) output of layer i for the first few samples
#   model.h5      the same network per shared/docs/model-file-format.md
# Run with Debian's python3-torch 1.13: /usr/bin/python3 tests/reference/make-reference.py
# The output is deterministic (torch.manual_seed per case); commit the result.

import os
import shutil
import sys

import h5py
import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'data', 'ref')

PAIR_KEYS = ('kernel_size', 'stride', 'padding', 'dilation')


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def layer_attrs(m):
    """(type name, ordered attrs) of a torch module, with PyTorch's argument names."""
    t = type(m).__name__
    if isinstance(m, nn.Conv2d):
        return 'Conv2d', [('in_channels', m.in_channels), ('out_channels', m.out_channels),
                          ('kernel_size', pair(m.kernel_size)), ('stride', pair(m.stride)),
                          ('padding', pair(m.padding)), ('dilation', pair(m.dilation)),
                          ('groups', m.groups), ('bias', m.bias is not None)]
    if isinstance(m, nn.MaxPool2d):
        return 'MaxPool2d', [('kernel_size', pair(m.kernel_size)), ('stride', pair(m.stride)),
                             ('padding', pair(m.padding)), ('dilation', pair(m.dilation)),
                             ('ceil_mode', m.ceil_mode)]
    if isinstance(m, nn.AvgPool2d):
        return 'AvgPool2d', [('kernel_size', pair(m.kernel_size)), ('stride', pair(m.stride)),
                             ('padding', pair(m.padding)), ('ceil_mode', m.ceil_mode),
                             ('count_include_pad', m.count_include_pad)]
    if isinstance(m, nn.Flatten):
        return 'Flatten', [('start_dim', m.start_dim), ('end_dim', m.end_dim)]
    if isinstance(m, nn.Linear):
        return 'Linear', [('in_features', m.in_features), ('out_features', m.out_features),
                          ('bias', m.bias is not None)]
    if isinstance(m, nn.BatchNorm2d):
        return 'BatchNorm2d', [('num_features', m.num_features), ('eps', float(m.eps)),
                               ('momentum', float(m.momentum)), ('affine', m.affine),
                               ('track_running_stats', m.track_running_stats)]
    if isinstance(m, nn.Dropout):
        return 'Dropout', [('p', float(m.p))]
    if isinstance(m, nn.LeakyReLU):
        return 'LeakyReLU', [('negative_slope', float(m.negative_slope))]
    if isinstance(m, nn.Softmax):
        return 'Softmax', [('dim', m.dim)]
    if t in ('ReLU', 'Sigmoid', 'Tanh'):
        return t, []
    raise ValueError('unsupported module %s' % t)


def spec_value(v):
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, tuple):
        return ','.join(str(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def write_spec(path, in_shape, layers, lazy):
    with open(path, 'w') as f:
        f.write('input %s\n' % ' '.join(str(d) for d in in_shape))
        for i, m in enumerate(layers):
            name, attrs = layer_attrs(m)
            words = [name]
            for k, v in attrs:
                if i in lazy and k in ('in_channels', 'in_features', 'num_features'):
                    v = 0
                words.append('%s=%s' % (k, spec_value(v)))
            f.write(' '.join(words) + '\n')


def h5_attr(group, key, v):
    if isinstance(v, bool):
        group.attrs.create(key, np.int8(1 if v else 0), dtype=np.int8)
    elif isinstance(v, tuple):
        group.attrs.create(key, np.array(v, dtype=np.int64), dtype=np.int64)
    elif isinstance(v, float):
        group.attrs.create(key, np.float64(v), dtype=np.float64)
    elif isinstance(v, int):
        group.attrs.create(key, np.int64(v), dtype=np.int64)
    else:
        group.attrs.create(key, v, dtype=h5py.string_dtype('utf-8'))


def create_group(parent, name):
    """A group without modification times, so that reruns give identical files."""
    gcpl = h5py.h5p.create(h5py.h5p.GROUP_CREATE)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5py.h5g.create(parent.id, name.encode(), gcpl=gcpl))


def create_file(path):
    """V18..V18 bounds, as the contract says (HDF5 >= 1.8 reads the files), and no
    object times on the root group (h5py.File offers neither through its arguments)."""
    fapl = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    fapl.set_libver_bounds(h5py.h5f.LIBVER_V18, h5py.h5f.LIBVER_V18)
    fcpl = h5py.h5p.create(h5py.h5p.FILE_CREATE)
    fcpl.set_obj_track_times(False)
    fid = h5py.h5f.create(path.encode(), h5py.h5f.ACC_TRUNC, fapl=fapl, fcpl=fcpl)
    return h5py.File(fid)


def write_h5(path, in_shape, layers, state):
    with create_file(path) as f:
        h5_attr(f, 'format', 'layerlab')
        f.attrs.create('format_version', np.array([1, 0], dtype=np.int32), dtype=np.int32)
        h5_attr(f, 'kind', 'model')
        h5_attr(f, 'creator', 'make-reference.py (PyTorch %s)' % torch.__version__)
        arch = create_group(f, 'architecture')
        arch.attrs.create('num_layers', np.int64(len(layers)), dtype=np.int64)
        arch.attrs.create('input_shape', np.array(in_shape, dtype=np.int64), dtype=np.int64)
        for i, m in enumerate(layers):
            g = create_group(arch, str(i))
            name, attrs = layer_attrs(m)
            h5_attr(g, 'type', name)
            for k, v in attrs:
                h5_attr(g, k, v)
        sd = create_group(f, 'state_dict')
        for k, v in state.items():
            if k.endswith('num_batches_tracked'):
                sd.create_dataset(k, data=np.int64(v.item()), dtype=np.int64, track_times=False)
            else:
                sd.create_dataset(k, data=v.detach().numpy().astype('<f4'), dtype='<f4',
                                  track_times=False)


def randomize_bn(net):
    """Non-trivial BatchNorm statistics and affine parameters."""
    for m in net:
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            if m.track_running_stats:
                m.running_mean.copy_(torch.randn(c))
                m.running_var.copy_(torch.rand(c) + 0.5)
                m.num_batches_tracked.fill_(7)
            if m.affine:
                m.weight.data.copy_(torch.randn(c))
                m.bias.data.copy_(torch.randn(c))


def make_case(name, in_shape, build, batch=2, lazy=(), scale=1.0, acts=0):
    """build() returns the list of modules; lazy: indices of lazy layers."""
    torch.manual_seed(sum(map(ord, name)))
    layers = build()
    net = nn.Sequential(*layers)
    x = torch.randn(batch, *in_shape) * scale
    with torch.no_grad():
        if lazy:
            net(x[:1])          # materialise the lazy parameters (cls_to_become)
        randomize_bn(net)
        net.eval()
        y = net(x)
        outs = []
        cur = x
        for m in net:
            cur = m(cur)
            outs.append(cur)
    layers = list(net)
    d = os.path.join(OUT, name)
    os.makedirs(d)
    write_spec(os.path.join(d, 'spec.txt'), in_shape, layers, set(lazy))
    np.save(os.path.join(d, 'input.npy'), x.numpy().astype('<f4'))
    np.save(os.path.join(d, 'output.npy'), y.numpy().astype('<f4'))
    state = net.state_dict()
    for k, v in state.items():
        if not k.endswith('num_batches_tracked'):
            np.save(os.path.join(d, k + '.npy'), v.numpy().astype('<f4'))
    for i, a in enumerate(outs[:-1] if acts else []):
        np.save(os.path.join(d, 'act-%d.npy' % i), a[:acts].numpy().astype('<f4'))
    write_h5(os.path.join(d, 'model.h5'), in_shape, layers, state)


def conv_cases():
    C = nn.Conv2d
    make_case('conv-basic', (3, 8, 8), lambda: [C(3, 4, 3)])
    make_case('conv-stride2', (3, 9, 9), lambda: [C(3, 4, 3, stride=2)])
    make_case('conv-padding', (3, 7, 7), lambda: [C(3, 5, 3, padding=1)])
    make_case('conv-dilation', (2, 10, 10), lambda: [C(2, 3, 3, dilation=2, padding=1)])
    make_case('conv-groups', (4, 7, 7), lambda: [C(4, 8, 3, padding=1, groups=2)])
    make_case('conv-depthwise', (4, 6, 6), lambda: [C(4, 4, 3, groups=4)])
    make_case('conv-depthwise-mult', (4, 6, 6), lambda: [C(4, 8, 3, groups=4, padding=2)])
    make_case('conv-nobias', (3, 6, 6), lambda: [C(3, 4, 3, bias=False)])
    make_case('conv-nonsquare', (4, 9, 7),
              lambda: [C(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2),
                         groups=2)])
    make_case('conv-nonsquare2', (3, 11, 13),
              lambda: [C(3, 4, (2, 5), stride=(1, 3), padding=(0, 2), dilation=(3, 1))])
    make_case('conv-pad-large', (2, 4, 5), lambda: [C(2, 3, 3, padding=(3, 2), stride=2)])
    make_case('conv-1x1', (6, 5, 4), lambda: [C(6, 3, 1)])
    make_case('conv-1x1-groups', (6, 5, 4), lambda: [C(6, 4, 1, groups=2, bias=False)])
    make_case('conv-1x1-stride2', (3, 7, 6), lambda: [C(3, 4, 1, stride=2)])
    make_case('conv-1x1-pad', (3, 3, 3), lambda: [C(3, 2, 1, padding=1)])
    # many small images: exercises the batched (several images per GEMM) path
    make_case('conv-batch', (3, 5, 5), lambda: [C(3, 4, 3, padding=1)], batch=37)
    make_case('conv-batch-groups', (4, 4, 4), lambda: [C(4, 6, 2, groups=2)], batch=19)


def pool_cases():
    M, A = nn.MaxPool2d, nn.AvgPool2d
    make_case('maxpool-basic', (3, 8, 8), lambda: [M(2)])
    make_case('maxpool-padding', (2, 7, 7), lambda: [M(3, stride=2, padding=1)])
    make_case('maxpool-dilation', (2, 9, 9), lambda: [M(3, stride=1, dilation=2)])
    make_case('maxpool-dilation-pad', (2, 8, 7), lambda: [M(3, stride=2, padding=1,
                                                              dilation=2)])
    make_case('maxpool-ceil', (2, 7, 7), lambda: [M(2, ceil_mode=True)])
    make_case('maxpool-ceil-pad', (2, 8, 9), lambda: [M(3, stride=2, padding=1,
                                                          ceil_mode=True)])
    # ceil_mode drops a last window that would start in the right padding: 5 -> 3
    make_case('maxpool-ceil-drop', (2, 5, 7), lambda: [M(2, stride=2, padding=1,
                                                           ceil_mode=True)])
    make_case('maxpool-nonsquare', (2, 9, 8),
              lambda: [M((3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2))])
    make_case('maxpool-stride', (2, 7, 8), lambda: [M(2, stride=1)])
    make_case('avgpool-basic', (3, 8, 8), lambda: [A(2)])
    make_case('avgpool-pad-include', (2, 7, 7), lambda: [A(3, stride=2, padding=1)])
    make_case('avgpool-pad-exclude', (2, 7, 7),
              lambda: [A(3, stride=2, padding=1, count_include_pad=False)])
    make_case('avgpool-ceil', (2, 7, 7), lambda: [A(2, ceil_mode=True)])
    make_case('avgpool-ceil-pad-include', (2, 8, 9),
              lambda: [A(3, stride=2, padding=1, ceil_mode=True)])
    make_case('avgpool-ceil-pad-exclude', (2, 8, 9),
              lambda: [A(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)])
    make_case('avgpool-ceil-stride3', (2, 10, 11), lambda: [A(4, stride=3, padding=2,
                                                                ceil_mode=True)])
    make_case('avgpool-ceil-drop', (2, 5, 7), lambda: [A(2, stride=2, padding=1,
                                                           ceil_mode=True)])
    make_case('avgpool-ceil-drop-exclude', (2, 5, 7),
              lambda: [A(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False)])
    make_case('avgpool-nonsquare', (2, 9, 8),
              lambda: [A((3, 2), stride=(2, 1), padding=(1, 0), count_include_pad=False)])


def flat_linear_cases():
    F, L = nn.Flatten, nn.Linear
    make_case('flatten-default', (3, 4, 5), lambda: [F()])
    make_case('flatten-start2', (3, 4, 5), lambda: [F(2)])
    make_case('flatten-1-2', (3, 4, 5), lambda: [F(1, 2)])
    make_case('flatten-neg', (3, 4, 5), lambda: [F(-2, -1)])
    make_case('flatten-2-neg1', (3, 4, 5), lambda: [F(2, -1), L(20, 6)])
    make_case('linear-basic', (12,), lambda: [L(12, 5)], batch=4)
    make_case('linear-nobias', (12,), lambda: [L(12, 5, bias=False)], batch=3)
    make_case('linear-3d', (2, 3, 5), lambda: [L(5, 4)])
    make_case('linear-batch', (7,), lambda: [L(7, 9)], batch=33)
    make_case('lazy-linear', (3, 4, 4), lambda: [F(), nn.LazyLinear(7)], lazy=(1,))
    make_case('lazy-conv', (3, 6, 6), lambda: [nn.LazyConv2d(5, 3, padding=1)], lazy=(0,))
    make_case('lazy-batchnorm', (3, 5, 5), lambda: [nn.LazyBatchNorm2d()], lazy=(0,))


def norm_act_cases():
    B = nn.BatchNorm2d
    make_case('batchnorm-running', (4, 5, 5), lambda: [B(4)], batch=3)
    make_case('batchnorm-eps', (3, 4, 4), lambda: [B(3, eps=1e-2, momentum=0.3)])
    make_case('batchnorm-noaffine', (4, 5, 5), lambda: [B(4, affine=False)])
    make_case('batchnorm-nostats', (4, 5, 5), lambda: [B(4, track_running_stats=False)],
              batch=3)
    make_case('batchnorm-nostats-noaffine', (3, 4, 4),
              lambda: [B(3, affine=False, track_running_stats=False)], batch=3, scale=5.0)
    make_case('dropout', (3, 4, 4), lambda: [nn.Dropout(0.3)])
    make_case('relu', (3, 4, 4), lambda: [nn.ReLU()])
    make_case('leakyrelu', (3, 4, 4), lambda: [nn.LeakyReLU(0.2)])
    make_case('leakyrelu-default', (10,), lambda: [nn.LeakyReLU()])
    make_case('sigmoid', (3, 4, 4), lambda: [nn.Sigmoid()], scale=10.0)
    make_case('tanh', (3, 4, 4), lambda: [nn.Tanh()], scale=3.0)
    make_case('softmax-f', (10,), lambda: [nn.Softmax(dim=1)], batch=4, scale=30.0)
    make_case('softmax-dim1', (3, 4, 5), lambda: [nn.Softmax(dim=1)], scale=30.0)
    make_case('softmax-dim-neg1', (3, 4, 5), lambda: [nn.Softmax(dim=-1)], scale=30.0)
    make_case('softmax-dim2', (3, 4, 5), lambda: [nn.Softmax(dim=2)])
    make_case('softmax-dim0', (6,), lambda: [nn.Softmax(dim=0)], batch=3)


def seed_layers():
    return [nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 5), nn.ReLU(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(576, 1024), nn.ReLU(),
            nn.Linear(1024, 10)]


def fused_cases():
    # Conv2d + ReLU + MaxPool2d run as one pass when activations are not kept
    # (test-forward compares that run with the layer-by-layer one, bit for bit)
    C, R, M = nn.Conv2d, nn.ReLU, nn.MaxPool2d
    make_case('fused-pool-batched', (3, 12, 12), lambda: [C(3, 8, 3, padding=1), R(), M(2)],
              batch=37)
    make_case('fused-pool-single', (1, 24, 24), lambda: [C(1, 6, 5), R(), M(2)], batch=1)
    make_case('fused-pool-padded', (2, 9, 9),
              lambda: [C(2, 4, 3), R(), M(3, stride=2, padding=1, ceil_mode=True)], batch=3)
    make_case('fused-pool-dilation', (2, 11, 11),
              lambda: [C(2, 6, 3, groups=2, bias=False), R(), M(3, stride=1, dilation=2)])
    make_case('fused-pool-odd', (3, 9, 7), lambda: [C(3, 5, (2, 3), stride=(1, 2)), R(), M(2)],
              batch=5)
    # a conv Winograd takes (16 channels, 36 tiles): pooled in its output transform
    make_case('fused-pool-winograd', (16, 24, 24), lambda: [C(16, 16, 3, padding=1), R(), M(2)])


def mix_cases():
    make_case('seed', (1, 24, 24), seed_layers, batch=111, acts=3)
    make_case('mix-cnn', (3, 12, 12), lambda: [
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, (3, 1), groups=2), nn.LeakyReLU(0.1), nn.AvgPool2d(2, ceil_mode=True),
        nn.Flatten(), nn.Linear(48, 16), nn.Dropout(0.5), nn.Tanh(), nn.Linear(16, 5),
        nn.Softmax(dim=1)], batch=5, acts=2)
    make_case('mix-mlp', (20,), lambda: [
        nn.Linear(20, 32), nn.Sigmoid(), nn.Linear(32, 16, bias=False), nn.ReLU(),
        nn.Linear(16, 4), nn.Softmax(dim=-1)], batch=6, acts=6)
    make_case('mix-lazy', (2, 10, 10), lambda: [
        nn.LazyConv2d(6, 3, stride=2), nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.Conv2d(6, 4, 1), nn.Flatten(), nn.LazyLinear(3)], batch=3, lazy=(0, 1, 5))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    torch.set_num_threads(1)
    conv_cases()
    pool_cases()
    flat_linear_cases()
    norm_act_cases()
    fused_cases()
    mix_cases()
    print('wrote', len(os.listdir(OUT)), 'cases to', os.path.normpath(OUT), file=sys.stderr)


if __name__ == '__main__':
    main()
