#!/usr/bin/python3
# make-train-reference.py - PyTorch reference fixtures for the engine's training tests
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes tests/data/train/<case>/ for networks that together cover every layer type and
# option the engine trains (Dropout aside: its mask cannot be reproduced, test-train.c
# checks it on its own):
#   model.h5          the network and its initial weights (shared/docs/model-file-format.md,
#                     written by make-reference.py's writer)
#   train.txt         "loss cross_entropy|mse", "steps 3", then one line per optimizer:
#                     "optim NAME kind=sgd lr=... momentum=... ..." (torch.optim's arguments)
#   input.npy         the batch
#   labels.npy        cross-entropy class indices (float64, exact) / target.npy for MSE
#   loss.npy          the batch's mean loss with the initial weights, module.train()
#   grad-input.npy    dLoss/dx (x.requires_grad)
#   grad-<key>.npy    dLoss/dparam for every weight and bias
#   eval/             loss.npy, grad-*.npy as above but in module.eval() mode
#   <NAME>/<key>.npy  every state_dict entry (running stats and num_batches_tracked, as
#                     float64, included) after `steps` optimizer steps on the same batch
#   <NAME>/losses.npy the loss before each of those steps
# Run with Debian's python3-torch 1.13: /usr/bin/python3 tests/reference/make-train-reference.py
# The output is deterministic (torch.manual_seed per case); commit the result.

import importlib.util
import os
import shutil
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'data', 'train')
STEPS = 3

_spec = importlib.util.spec_from_file_location('make_reference',
                                               os.path.join(HERE, 'make-reference.py'))
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

# name, torch.optim class, arguments (torch's names)
OPTIMS = [
    ('sgd-nesterov', 'sgd', dict(lr=0.05, momentum=0.9, dampening=0.0, nesterov=True,
                                 weight_decay=1e-4)),
    ('sgd-dampening', 'sgd', dict(lr=0.1, momentum=0.5, dampening=0.2, nesterov=False,
                                  weight_decay=0.0)),
    ('sgd-plain', 'sgd', dict(lr=0.1, momentum=0.0, dampening=0.0, nesterov=False,
                              weight_decay=1e-3)),
    ('adam', 'adam', dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)),
    ('adam-wd', 'adam', dict(lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=1e-2)),
]


def make_optim(kind, params, args):
    if kind == 'sgd':
        return torch.optim.SGD(params, **args)
    return torch.optim.Adam(params, **args)


def optim_line(name, kind, args):
    words = ['optim', name, 'kind=' + kind]
    for k, v in args.items():
        if k == 'betas':
            words += ['beta1=%r' % v[0], 'beta2=%r' % v[1]]
        elif isinstance(v, bool):
            words.append('%s=%d' % (k, int(v)))
        else:
            words.append('%s=%r' % (k, float(v)))
    return ' '.join(words)


def loss_fn(kind):
    return nn.CrossEntropyLoss() if kind == 'cross_entropy' else nn.MSELoss()


def batch_for(net, in_shape, batch, kind, n_out):
    x = torch.randn(batch, *in_shape)
    if kind == 'cross_entropy':
        return x, torch.randint(0, n_out, (batch,))
    with torch.no_grad():
        y = net(x)
    return x, torch.randn(*y.shape) * 0.5


def save(d, name, t):
    a = t.detach().numpy() if torch.is_tensor(t) else np.asarray(t)
    np.save(os.path.join(d, name), a.astype('<f8' if a.dtype.kind in 'iu' or a.ndim == 0
                                          else '<f4'))


def write_gradients(d, net, x, y, kind, train=True):
    net.train(train)
    net.zero_grad(set_to_none=True)
    xg = x.clone().requires_grad_(True)
    loss = loss_fn(kind)(net(xg), y)
    loss.backward()
    np.save(os.path.join(d, 'loss.npy'), np.float64(loss.item()))
    save(d, 'grad-input.npy', xg.grad)
    for k, p in net.named_parameters():
        save(d, 'grad-%s.npy' % k, p.grad)


def write_steps(d, net, x, y, kind, name, okind, args):
    net.train()
    opt = make_optim(okind, net.parameters(), args)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(kind)(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    sub = os.path.join(d, name)
    os.makedirs(sub)
    np.save(os.path.join(sub, 'losses.npy'), np.array(losses, dtype='<f8'))
    for k, v in net.state_dict().items():
        if k.endswith('num_batches_tracked'):
            np.save(os.path.join(sub, k + '.npy'), np.float64(v.item()))
        else:
            save(sub, k + '.npy', v)


def make_case(name, in_shape, build, kind, batch=4):
    torch.manual_seed(sum(map(ord, name)))
    net = nn.Sequential(*build())
    ref.randomize_bn(net)
    n_out = None
    with torch.no_grad():
        n_out = net.eval()(torch.zeros(1, *in_shape)).shape[-1]
    x, y = batch_for(net, in_shape, batch, kind, n_out)
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    d = os.path.join(OUT, name)
    os.makedirs(d)
    ref.write_h5(os.path.join(d, 'model.h5'), in_shape, list(net), initial)
    with open(os.path.join(d, 'train.txt'), 'w') as f:
        f.write('loss %s\nsteps %d\n' % (kind, STEPS))
        for oname, okind, args in OPTIMS:
            f.write(optim_line(oname, okind, args) + '\n')
    save(d, 'input.npy', x)
    if kind == 'cross_entropy':
        np.save(os.path.join(d, 'labels.npy'), y.numpy().astype('<f8'))
    else:
        save(d, 'target.npy', y)
    write_gradients(d, net, x, y, kind)
    # module.eval(): BatchNorm2d with its running statistics (as they were before the
    # training-mode forward above moved them), a different backward
    net.load_state_dict(initial)
    sub = os.path.join(d, 'eval')
    os.makedirs(sub)
    write_gradients(sub, net, x, y, kind, train=False)
    for oname, okind, args in OPTIMS:
        net.load_state_dict(initial)
        write_steps(d, net, x, y, kind, oname, okind, args)


def cases():
    # Conv2d stride/padding/dilation/groups/bias off, BatchNorm2d (affine, tracked),
    # LeakyReLU, MaxPool2d with padding and ceil_mode, Flatten, Linear
    make_case('conv-bn', (3, 9, 9), lambda: [
        nn.Conv2d(3, 6, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(),
        nn.Conv2d(6, 6, 3, padding=2, dilation=2, groups=3), nn.LeakyReLU(0.1),
        nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), nn.Flatten(),
        nn.Linear(54, 5)], 'cross_entropy', batch=4)
    # non-square kernels and strides, MaxPool2d dilation, AvgPool2d both divisor rules
    # with ceil_mode, BatchNorm2d without affine and with momentum 0.3, Tanh, Sigmoid,
    # Linear without bias, MSE
    make_case('pools', (2, 11, 11), lambda: [
        nn.Conv2d(2, 4, (3, 2), stride=(1, 2), padding=(1, 0)),
        nn.MaxPool2d(2, stride=1, padding=1, dilation=2), nn.Tanh(),
        nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
        nn.BatchNorm2d(4, affine=False, momentum=0.3), nn.Sigmoid(),
        nn.AvgPool2d(2, ceil_mode=True, count_include_pad=True), nn.Flatten(),
        nn.Linear(24, 3, bias=False)], 'mse', batch=3)
    # AvgPool2d padding with count_include_pad, MaxPool2d ceil_mode without padding,
    # BatchNorm2d without running stats, Softmax over channels and over height (not right
    # after BatchNorm2d: a softmax over H cancels its bias, whose gradient would be pure
    # rounding noise, which Adam blows up to full-size steps)
    make_case('softmax', (2, 7, 6), lambda: [
        nn.Conv2d(2, 3, 2, stride=1, padding=1, dilation=(2, 1)), nn.Softmax(dim=1),
        nn.AvgPool2d((2, 3), stride=(2, 1), padding=(1, 1)),
        nn.Softmax(dim=2), nn.BatchNorm2d(3, track_running_stats=False),
        nn.MaxPool2d((3, 2), stride=2, ceil_mode=True), nn.Flatten(),
        nn.Linear(24, 4)], 'cross_entropy', batch=5)
    # an MLP: Softmax(dim=-1) in the middle, MSE on a Tanh output
    make_case('mlp', (8,), lambda: [
        nn.Linear(8, 12), nn.Sigmoid(), nn.Linear(12, 6), nn.Softmax(dim=-1),
        nn.Linear(6, 5, bias=False), nn.LeakyReLU(0.2), nn.Linear(5, 4), nn.Tanh()],
        'mse', batch=6)
    # the seed's architecture, narrower (the real one's weights alone are 2.6 MB)
    make_case('seed-small', (1, 24, 24), lambda: [
        nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 8, 5), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(72, 32), nn.ReLU(), nn.Linear(32, 10)],
        'cross_entropy', batch=6)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    torch.set_num_threads(1)
    cases()
    print('wrote', len(os.listdir(OUT)), 'cases to', os.path.normpath(OUT), file=sys.stderr)


if __name__ == '__main__':
    main()
