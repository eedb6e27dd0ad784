#!/usr/bin/python3
# make-dataset-fixtures.py - small data sets for tests/test-dataset.c and test-cli-train.sh
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes tests/data/datasets/:
#   mnist/        train-*-ubyte (plain) with 3 images 4×5, t10k-*-ubyte.gz (gzip) with 2;
#                 pixel (i, y, x) = (40 i + 5 y + x) * 3 % 256 (i counts over both splits)
#                 labels train 2 0 1, t10k 9 4
#   classes/      b-gray/0.png (gray 6×4: v = 10 y + x), b-gray/1.jpg (gray 8×8, all 77)
#                 a-rgb/0.png (RGB 2×3: r = 100 + x, g = 50 y, b = 255), a-rgb/1.jpg (RGB 16×16,
#                 all (200, 100, 50)), a-rgb/notes.txt (not an image)
#   npy/          x.npy float32 [4, 1, 2, 2] = arange / 10; y-int64/int32/uint8.npy = 1 0 3 2;
#                 y-float.npy, y-short.npy ([3]), y-2d.npy ([4, 1]) for the refusals
#   tiny/         a separable 3-class problem of 6×6 images: train-x/y.npy (120 samples),
#                 test-x/y.npy (60), and model.h5: Conv2d(1, 4, 3), ReLU, Flatten, Linear(64, 3)
# JPEGs come from ImageMagick's convert (quality 100) from PPM/PGM files this script writes.
# Run with /usr/bin/python3 (numpy, h5py, torch for model.h5); commit the result.

import gzip
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'data', 'datasets')


def idx_bytes(arr):
    head = struct.pack('>BBBB', 0, 0, 0x08, arr.ndim)
    head += b''.join(struct.pack('>I', d) for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


def write_mnist():
    d = os.path.join(OUT, 'mnist')
    os.makedirs(d)
    i, y, x = np.meshgrid(np.arange(5), np.arange(4), np.arange(5), indexing='ij')
    pix = (40 * i + 5 * y + x) * 3 % 256
    with open(os.path.join(d, 'train-images-idx3-ubyte'), 'wb') as f:
        f.write(idx_bytes(pix[:3]))
    with open(os.path.join(d, 'train-labels-idx1-ubyte'), 'wb') as f:
        f.write(idx_bytes(np.array([2, 0, 1])))
    # mtime=0: the same bytes on every run
    with open(os.path.join(d, 't10k-images-idx3-ubyte.gz'), 'wb') as f:
        f.write(gzip.compress(idx_bytes(pix[3:]), mtime=0))
    with open(os.path.join(d, 't10k-labels-idx1-ubyte.gz'), 'wb') as f:
        f.write(gzip.compress(idx_bytes(np.array([9, 4])), mtime=0))


def png_bytes(arr):
    """8-bit gray [H, W] or RGB [H, W, 3] PNG, no filtering"""
    h, w = arr.shape[:2]
    color = 2 if arr.ndim == 3 else 0
    raw = b''.join(b'\0' + arr[r].astype(np.uint8).tobytes() for r in range(h))

    def chunk(kind, data):
        return (struct.pack('>I', len(data)) + kind + data +
                struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff))
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, color, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def write_jpeg(path, arr):
    convert = shutil.which('convert', path='/usr/bin') or shutil.which('convert')
    pnm = path + ('.ppm' if arr.ndim == 3 else '.pgm')
    h, w = arr.shape[:2]
    with open(pnm, 'wb') as f:
        f.write(b'P6' if arr.ndim == 3 else b'P5')
        f.write(b'\n%d %d\n255\n' % (w, h))
        f.write(arr.astype(np.uint8).tobytes())
    subprocess.run([convert, pnm, '-strip', '-quality', '100', path], check=True)
    os.remove(pnm)


def write_classes():
    d = os.path.join(OUT, 'classes')
    os.makedirs(os.path.join(d, 'b-gray'))
    os.makedirs(os.path.join(d, 'a-rgb'))
    y, x = np.mgrid[0:4, 0:6]
    with open(os.path.join(d, 'b-gray', '0.png'), 'wb') as f:
        f.write(png_bytes(10 * y + x))
    write_jpeg(os.path.join(d, 'b-gray', '1.jpg'), np.full((8, 8), 77))
    y, x = np.mgrid[0:3, 0:2]
    rgb = np.stack([100 + x, 50 * y, np.full_like(x, 255)], axis=-1)
    with open(os.path.join(d, 'a-rgb', '0.png'), 'wb') as f:
        f.write(png_bytes(rgb))
    write_jpeg(os.path.join(d, 'a-rgb', '1.jpg'),
               np.broadcast_to(np.array([200, 100, 50]), (16, 16, 3)))
    with open(os.path.join(d, 'a-rgb', 'notes.txt'), 'w') as f:
        f.write('not an image\n')


def write_npy():
    d = os.path.join(OUT, 'npy')
    os.makedirs(d)
    np.save(os.path.join(d, 'x.npy'), (np.arange(16, dtype=np.float32) / 10).reshape(4, 1, 2, 2))
    y = np.array([1, 0, 3, 2])
    for t in ('int64', 'int32', 'uint8'):
        np.save(os.path.join(d, 'y-%s.npy' % t), y.astype(t))
    np.save(os.path.join(d, 'y-float.npy'), y.astype(np.float32))
    np.save(os.path.join(d, 'y-short.npy'), y[:3])
    np.save(os.path.join(d, 'y-2d.npy'), y.reshape(4, 1))
    np.save(os.path.join(d, 'y-negative.npy'), np.array([1, 0, -1, 2]))


def tiny_samples(n, rng):
    """class 0: a bright left column, 1: a bright top row, 2: a bright centre; noise"""
    labels = np.arange(n) % 3
    x = rng.uniform(0.0, 0.3, size=(n, 1, 6, 6)).astype(np.float32)
    x[labels == 0, 0, :, 0:2] += 0.7
    x[labels == 1, 0, 0:2, :] += 0.7
    x[labels == 2, 0, 2:4, 2:4] += 0.7
    return x, labels.astype(np.int64)


def write_tiny():
    import torch
    from torch import nn
    spec = importlib.util.spec_from_file_location('make_reference',
                                                  os.path.join(HERE, 'make-reference.py'))
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)
    d = os.path.join(OUT, 'tiny')
    os.makedirs(d)
    rng = np.random.default_rng(7)
    for split, n in (('train', 120), ('test', 60)):
        x, y = tiny_samples(n, rng)
        np.save(os.path.join(d, split + '-x.npy'), x)
        np.save(os.path.join(d, split + '-y.npy'), y)
    torch.manual_seed(3)
    layers = [nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 3)]
    ref.write_h5(os.path.join(d, 'model.h5'), (1, 6, 6), layers, nn.Sequential(*layers).state_dict())


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    write_mnist()
    write_classes()
    write_npy()
    write_tiny()
    print('wrote', os.path.normpath(OUT), file=sys.stderr)


if __name__ == '__main__':
    main()
