#!/usr/bin/python3
# make-winograd-fixtures.py - PyTorch fixtures for tests/test-winograd.c
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes tests/data/winograd/<case>/ for 3x3 stride-1 convolutions, the ones
# src/engine/winograd.c computes:
#   spec.txt     "n c_in h w c_out pad_h pad_w bias relu" (one line, integers)
#   input.npy    [n, c_in, h, w]
#   weight.npy   [c_out, c_in, 3, 3]
#   bias.npy     [c_out] (when bias is 1)
#   output.npy   PyTorch's conv2d (then relu when relu is 1), float32
# The cases cover output sizes that are and are not multiples of the 4x4 tile, fewer
# outputs than one tile, padding 0, 1, 2 and unequal per axis, batches, no bias, the
# fused ReLU, and a deep input (256 channels) where rounding errors add up.
# Run with Debian's python3-torch 1.13: /usr/bin/python3 tests/reference/make-winograd-fixtures.py
# The output is deterministic (torch.manual_seed per case); commit the result.

import os
import shutil

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'data', 'winograd')

# name: (n, c_in, h, w, c_out, pad_h, pad_w, bias, relu)
CASES = {
    'tile-multiple': (1, 16, 8, 8, 16, 1, 1, True, False),
    'odd-sizes-relu': (2, 16, 11, 13, 24, 1, 1, True, True),
    'pad0-partial-tiles': (3, 8, 9, 10, 16, 0, 0, False, False),
    'pad2-few-channels': (1, 3, 5, 7, 4, 2, 2, True, False),
    'pad-1-0-relu': (2, 32, 12, 10, 20, 1, 0, True, True),
    'smaller-than-tile': (2, 4, 4, 5, 6, 0, 0, True, True),
    'one-output': (1, 5, 3, 3, 3, 0, 0, False, False),
    'deep-input': (1, 256, 6, 6, 8, 1, 1, True, False),
    'wide-positive': (1, 24, 22, 26, 16, 1, 1, True, True),
}


def write_case(name, n, c_in, h, w, c_out, ph, pw, bias, relu):
    torch.manual_seed(sum(map(ord, name)))
    x = torch.randn(n, c_in, h, w)
    if name == 'wide-positive':
        x = x.relu()            # a ReLU's output feeds most convs in real networks
    conv = torch.nn.Conv2d(c_in, c_out, 3, padding=(ph, pw), bias=bias)
    with torch.no_grad():
        y = conv(x)
        if relu:
            y = F.relu(y)
    d = os.path.join(OUT, name)
    os.makedirs(d)
    with open(os.path.join(d, 'spec.txt'), 'w') as f:
        f.write('%d %d %d %d %d %d %d %d %d\n'
                % (n, c_in, h, w, c_out, ph, pw, int(bias), int(relu)))
    np.save(os.path.join(d, 'input.npy'), x.numpy().astype('<f4'))
    np.save(os.path.join(d, 'weight.npy'), conv.weight.detach().numpy().astype('<f4'))
    if bias:
        np.save(os.path.join(d, 'bias.npy'), conv.bias.detach().numpy().astype('<f4'))
    np.save(os.path.join(d, 'output.npy'), y.numpy().astype('<f4'))


def main():
    torch.set_num_threads(1)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for name, args in CASES.items():
        write_case(name, *args)
    print('wrote %d cases to %s' % (len(CASES), os.path.normpath(OUT)))


if __name__ == '__main__':
    main()
