#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# The tiny data set of tests/app/test-training.c: 300 samples of 1x8x8 in 3 classes,
# class c a bright horizontal band at rows 3c .. 3c+1 over uniform noise, so that a small
# network learns it within a few epochs. Run from this folder: ./make-fixture.py
import numpy as np

rng = np.random.default_rng(20261123)
n, k = 300, 3
y = np.arange(n, dtype=np.int64) % k
rng.shuffle(y)
x = rng.uniform(0.0, 0.3, size=(n, 1, 8, 8)).astype(np.float32)
for i, c in enumerate(y):
    x[i, 0, 3 * c:3 * c + 2, :] += 0.7
np.save("x.npy", x)
np.save("y.npy", y)
