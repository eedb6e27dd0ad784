#!/usr/bin/python3
# make-recipe-model.py - the model of docs/training.md's own Fashion-MNIST recipe
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: /usr/bin/python3 tests/bench/make-recipe-model.py OUT.h5
# Writes a Layerlab model file (through tests/reference/make-reference.py's writer) of
# the seed network made for the full 28×28 images: "same" padding in both convolutions,
# so Flatten gives 64×7×7 = 3136 features, and Dropout(0.5) before the last Linear.
# PyTorch's default initialisation with torch.manual_seed(0).
import importlib.util
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "make_reference", os.path.join(HERE, "..", "reference", "make-reference.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

torch.manual_seed(0)
layers = [nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
          nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2, 2),
          nn.Flatten(), nn.Linear(3136, 1024), nn.ReLU(), nn.Dropout(0.5),
          nn.Linear(1024, 10)]
ref.write_h5(sys.argv[1] if len(sys.argv) > 1 else "recipe.h5", (1, 28, 28), layers,
             nn.Sequential(*layers).state_dict())
