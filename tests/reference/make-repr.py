#!/usr/bin/python3
# make-repr.py - PyTorch's print(network) fixtures for test-repr
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes tests/data/repr/:
#   cases.txt     one case per line: "name | input | layer | layer | ..."
#                 input is "C H W" or "F", or "-" for a network printed before any
#                 forward pass (lazy layers unresolved); a layer is its torch.nn class
#                 name followed by the keyword arguments given to it, e.g.
#                 "Conv2d in_channels=1 out_channels=32 kernel_size=5,5 bias=0".
#                 Arguments not listed keep PyTorch's defaults; a missing in_channels /
#                 in_features / num_features means the Lazy class. Pairs are "h,w"
#                 (a tuple, even "2,2") or a single number (an int; pools print it as
#                 one, Conv2d turns it into a tuple), booleans 0/1, floats in
#                 Python's repr (exact when read back with strtod).
#   <name>.txt    print(network) (after one forward pass in eval mode when the input is
#                 known, so lazy layers are resolved as the engine's propagation does)
#   floats.txt    "<float.hex()> <repr()>" per line, for nn_format_float
# Run with Debian's python3-torch 1.13: /usr/bin/python3 tests/reference/make-repr.py
# The output is deterministic; commit it (the C test needs no Python).

import math
import os
import random
import struct
import sys
import warnings

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'data', 'repr')

warnings.filterwarnings('ignore', message='Lazy modules')


def L(kind, **kw):
    return (kind, kw)


# the tutorial's network, with its pools' tuples
SEED = [
    L('Conv2d', in_channels=1, out_channels=32, kernel_size=5), L('ReLU'),
    L('MaxPool2d', kernel_size=(2, 2), stride=(2, 2)),
    L('Conv2d', in_channels=32, out_channels=64, kernel_size=5), L('ReLU'),
    L('MaxPool2d', kernel_size=(2, 2), stride=(2, 2)),
    L('Flatten'), L('Linear', in_features=576, out_features=1024), L('ReLU'),
    L('Linear', in_features=1024, out_features=10),
]

LENET5 = [
    L('Conv2d', in_channels=1, out_channels=6, kernel_size=5), L('Tanh'),
    L('AvgPool2d', kernel_size=2),
    L('Conv2d', in_channels=6, out_channels=16, kernel_size=5), L('Tanh'),
    L('AvgPool2d', kernel_size=2),
    L('Flatten'), L('Linear', in_features=400, out_features=120), L('Tanh'),
    L('Linear', in_features=120, out_features=84), L('Tanh'),
    L('Linear', in_features=84, out_features=10),
]


def vgg(cfg):
    """torchvision's make_layers(cfg) plus the classifier (its avgpool is the identity
    at 224x224 and Layerlab's template leaves it out)."""
    layers, c = [], 3
    for v in cfg:
        if v == 'M':
            layers.append(L('MaxPool2d', kernel_size=2, stride=2))
        else:
            layers += [L('Conv2d', in_channels=c, out_channels=v, kernel_size=3, padding=1),
                       L('ReLU')]
            c = v
    return layers + [
        L('Flatten'), L('Linear', in_features=512 * 7 * 7, out_features=4096), L('ReLU'),
        L('Dropout', p=0.5), L('Linear', in_features=4096, out_features=4096), L('ReLU'),
        L('Dropout', p=0.5), L('Linear', in_features=4096, out_features=1000),
    ]


VGG11 = vgg([64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'])
VGG16 = vgg([64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M',
             512, 512, 512, 'M'])

# (name, input shape or None, layers). Names starting with "template-" are also
# built with nn_net_new_template() by the C test.
CASES = [
    ('empty', (1, 28, 28), []),
    ('template-empty', (1, 28, 28), []),
    ('template-seed', (1, 24, 24), SEED),
    ('template-lenet5', (1, 32, 32), LENET5),
    ('template-vgg11', (3, 224, 224), VGG11),
    ('template-vgg16', (3, 224, 224), VGG16),
    ('conv-options', (4, 17, 15), [
        L('Conv2d', in_channels=4, out_channels=8, kernel_size=3, padding=1),
        L('Conv2d', in_channels=8, out_channels=8, kernel_size=3, dilation=2),
        L('Conv2d', in_channels=8, out_channels=6, kernel_size=1, groups=2, bias=False),
        L('Conv2d', in_channels=6, out_channels=6, kernel_size=3, stride=2, padding=2,
          dilation=2, groups=3, bias=True),
    ]),
    ('conv-nonsquare', (3, 20, 16), [
        L('Conv2d', in_channels=3, out_channels=5, kernel_size=(3, 2), stride=(2, 1),
          padding=(1, 0), dilation=(1, 2)),
        L('Conv2d', in_channels=5, out_channels=5, kernel_size=(1, 3), padding=(0, 1),
          groups=5, bias=False),
    ]),
    ('maxpool-options', (2, 19, 17), [
        L('MaxPool2d', kernel_size=3),
        L('MaxPool2d', kernel_size=2, stride=1, padding=1, dilation=1, ceil_mode=True),
    ]),
    ('maxpool-nonsquare', (2, 21, 18), [
        L('MaxPool2d', kernel_size=(3, 2), stride=(2, 1), padding=(1, 0), dilation=(2, 1),
          ceil_mode=True),
        L('MaxPool2d', kernel_size=3, stride=2, padding=1, dilation=2),
    ]),
    ('avgpool-options', (3, 15, 15), [
        L('AvgPool2d', kernel_size=3, stride=1, padding=1, ceil_mode=True,
          count_include_pad=False),
        L('AvgPool2d', kernel_size=2, ceil_mode=True),
        L('AvgPool2d', kernel_size=(3, 2), stride=(1, 2), padding=(1, 0)),
    ]),
    # each pool parameter as an int, an equal pair and an unequal pair
    ('maxpool-forms', (2, 23, 21), [
        L('MaxPool2d', kernel_size=(2, 2)),
        L('MaxPool2d', kernel_size=2, stride=(1, 1), padding=(1, 1), dilation=(1, 1)),
        L('MaxPool2d', kernel_size=(3, 3), stride=1, padding=(0, 1), dilation=(2, 2)),
        L('MaxPool2d', kernel_size=(3, 2), stride=(2, 1), padding=1, dilation=(1, 2),
          ceil_mode=True),
        L('MaxPool2d', kernel_size=3, stride=2, padding=(1, 1), dilation=2),
    ]),
    ('avgpool-forms', (3, 19, 17), [
        L('AvgPool2d', kernel_size=(2, 2)),
        L('AvgPool2d', kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)),
        L('AvgPool2d', kernel_size=2, stride=(1, 2), padding=1),
        L('AvgPool2d', kernel_size=(3, 3), stride=1, padding=(1, 0), ceil_mode=True,
          count_include_pad=False),
    ]),
    ('batchnorm-options', (6, 4, 4), [
        L('BatchNorm2d', num_features=6),
        L('BatchNorm2d', num_features=6, eps=0.001, momentum=0.01, affine=False),
        L('BatchNorm2d', num_features=6, eps=1e-08, momentum=0.5, track_running_stats=False),
        L('BatchNorm2d', num_features=6, eps=0.1, momentum=1.0, affine=False,
          track_running_stats=False),
    ]),
    ('activations', (10,), [
        L('ReLU'), L('LeakyReLU'), L('LeakyReLU', negative_slope=0.2),
        L('LeakyReLU', negative_slope=1e-05), L('LeakyReLU', negative_slope=-1.5),
        L('Sigmoid'), L('Tanh'), L('Dropout'), L('Dropout', p=0.25), L('Dropout', p=0.0),
        L('Dropout', p=1.0), L('Dropout', p=0.1), L('Softmax', dim=1), L('Softmax', dim=-1),
        L('Softmax', dim=0),
    ]),
    ('softmax-dims', (2, 3, 4), [
        L('Softmax', dim=1), L('Softmax', dim=2), L('Softmax', dim=3), L('Softmax', dim=-2),
    ]),
    ('flatten-dims', (2, 3, 4), [
        L('Flatten', start_dim=2, end_dim=-1), L('Flatten', start_dim=0, end_dim=0),
        L('Flatten', start_dim=-2, end_dim=-1), L('Flatten', start_dim=1, end_dim=1),
    ]),
    ('linear-options', (3, 4, 5), [
        L('Linear', in_features=5, out_features=7, bias=False), L('Flatten', start_dim=2),
        L('Linear', in_features=28, out_features=2), L('Flatten'),
        L('Linear', in_features=6, out_features=1, bias=True),
    ]),
    ('lazy-resolved', (3, 12, 12), [
        L('Conv2d', out_channels=8, kernel_size=3), L('BatchNorm2d'), L('ReLU'),
        L('Conv2d', out_channels=4, kernel_size=(3, 1), stride=2, groups=2, bias=False),
        L('BatchNorm2d', eps=0.001, affine=False), L('Flatten'), L('Linear', out_features=10),
        L('Linear', out_features=3, bias=False),
    ]),
    ('lazy-unresolved', None, [
        L('Conv2d', out_channels=32, kernel_size=3),
        L('Conv2d', out_channels=16, kernel_size=(5, 3), stride=(2, 1), padding=(1, 2),
          dilation=2, groups=2, bias=False),
        L('BatchNorm2d'), L('BatchNorm2d', eps=0.001, momentum=0.2, affine=False,
                            track_running_stats=False),
        L('Flatten'), L('Linear', out_features=10), L('Linear', out_features=4, bias=False),
    ]),
    ('every-layer', (3, 16, 16), [
        L('Conv2d', in_channels=3, out_channels=8, kernel_size=3, padding=1),
        L('BatchNorm2d', num_features=8), L('LeakyReLU', negative_slope=0.1),
        L('MaxPool2d', kernel_size=2), L('Conv2d', in_channels=8, out_channels=8,
                                         kernel_size=3, groups=4),
        L('Tanh'), L('AvgPool2d', kernel_size=2, ceil_mode=True), L('Sigmoid'),
        L('Flatten'), L('Dropout', p=0.3), L('Linear', in_features=72, out_features=16),
        L('ReLU'), L('Linear', in_features=16, out_features=5), L('Softmax', dim=1),
    ]),
]

LAZY = {'Conv2d': ('in_channels', nn.LazyConv2d), 'Linear': ('in_features', nn.LazyLinear),
        'BatchNorm2d': ('num_features', nn.LazyBatchNorm2d)}


def module(kind, kw):
    if kind in LAZY and LAZY[kind][0] not in kw:
        return LAZY[kind][1](**kw)
    return getattr(nn, kind)(**kw)


def value_text(v):
    if isinstance(v, bool):
        return '1' if v else '0'
    if isinstance(v, tuple):
        return ','.join(str(x) for x in v)
    if isinstance(v, float):
        return repr(v)
    return str(v)


def layer_text(kind, kw):
    return ' '.join([kind] + ['%s=%s' % (k, value_text(v)) for k, v in kw.items()])


def write_case(name, shape, layers):
    net = nn.Sequential(*[module(k, kw) for k, kw in layers]).eval()
    if shape is not None:
        with torch.no_grad():
            net(torch.zeros((2,) + tuple(shape)))
    with open(os.path.join(OUT, name + '.txt'), 'w') as f:
        f.write(repr(net) + '\n')
    return ' | '.join([name, ' '.join(map(str, shape)) if shape else '-']
                      + [layer_text(k, kw) for k, kw in layers])


def float_values():
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, 0.1, 0.2, 0.3, 1e-05, 1e-5 * 3, 0.0001, 0.001,
            0.01, 1e-08, 2.5e-05, 100.0, 1e15, 1e16, 1e+16 * 1.5, 9999999999999998.0,
            123456789012345678.0, 1e22, 1e100, 1e-100, 5e-324, 2.2250738585072014e-308,
            1.7976931348623157e308, 1 / 3, 2 / 3, 12345.678, 0.1 + 0.2, 1.1, 2.675,
            math.pi, math.e, 1e-4 * 0.99999, 0.00012345, 999999999999999.9, 4.35,
            float('inf'), float('-inf'), float('nan'), 1234567.0, 0.9999999999999999]
    # float32 values seen as doubles, as a float32 eps would be
    for v in (0.1, 1e-05, 0.001, 0.3, 1e-08):
        vals.append(struct.unpack('f', struct.pack('f', v))[0])
    rng = random.Random(1234)
    for _ in range(200):
        vals.append(rng.uniform(-1, 1) * 10.0 ** rng.randint(-30, 30))
    for _ in range(50):
        vals.append(struct.unpack('d', struct.pack('Q', rng.getrandbits(63)))[0])
    return [v for v in vals if not (isinstance(v, float) and math.isnan(v))] + [float('nan')]


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    lines = [write_case(*case) for case in CASES]
    with open(os.path.join(OUT, 'cases.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(os.path.join(OUT, 'floats.txt'), 'w') as f:
        for v in float_values():
            f.write('%s %r\n' % (v.hex(), v))
    print('wrote %d cases to %s' % (len(CASES), os.path.normpath(OUT)), file=sys.stderr)


if __name__ == '__main__':
    main()
