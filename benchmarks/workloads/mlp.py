"""The lecture's network: MLP 784-512-256-10 with ReLU on MNIST.

chainrule and PyTorch run the very same training code (`import chainrule as torch` is
the point of the library); NumPy runs the hand-written version in numpy_mlp.py. All three
start from the same weights and see the same batches in the same order.
"""
import importlib

import numpy as np

from .. import common
from ..common import BATCH, LAYERS, tic, toc
from . import Workload

SMOKE_N = 2 * BATCH + 10     # three steps, the last one short, for the smoke test


def _lib(name):
    return importlib.import_module(name)


def _data(smoke):
    return common.mnist_train(SMOKE_N if smoke else None)


def build_torchlike(T, weights=None):
    """nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) with the shared initial weights."""
    weights = weights or common.init_weights()
    nn = T.nn
    linears = [nn.Linear(i, o) for i, o in zip(LAYERS[:-1], LAYERS[1:])]
    with T.no_grad():
        for lin, (W, b) in zip(linears, weights):
            lin.weight.copy_(T.from_numpy(W))
            lin.bias.copy_(T.from_numpy(b))
    mods = []
    for lin in linears:
        mods += [lin, nn.ReLU()]
    return nn.Sequential(*mods[:-1])


def _torchlike_optimizer(T, model, opt):
    if opt == "sgd":
        return T.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return T.optim.Adam(model.parameters(), lr=1e-3)


def torchlike_epoch(T, model, optimizer, loss_fn, batches):
    """One epoch of the standard loop; the last batch's loss."""
    for xb, yb in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    return loss.item()


def _train_factory(lib, opt, epochs_per_repeat=1):
    def factory(smoke):
        X, y, source = _data(smoke)
        if lib == "numpy":
            from .. import numpy_mlp
            model = numpy_mlp.NumpyMLP(common.init_weights(), BATCH)
            optimizer = numpy_mlp.make_optimizer(opt, model.params())

            def run():
                t0 = tic()
                loss = numpy_mlp.train_epoch(model, optimizer, X, y, BATCH)
                return toc(t0), {"loss": loss, "data": source}
            return run
        T = _lib(lib)
        model = build_torchlike(T)
        optimizer = _torchlike_optimizer(T, model, opt)
        loss_fn = T.nn.CrossEntropyLoss()
        # Zero-copy views of the preshuffled arrays, made once (as a DataLoader over
        # in-memory tensors would hand them out).
        batches = [(T.from_numpy(X[i:i + BATCH]), T.from_numpy(y[i:i + BATCH]))
                   for i in range(0, len(X), BATCH)]

        def run():
            t0 = tic()
            loss = torchlike_epoch(T, model, optimizer, loss_fn, batches)
            return toc(t0), {"loss": loss, "data": source}
        return run
    return factory


def _infer_factory(lib):
    def factory(smoke):
        X, _, source = common.mnist_train(64 if smoke else 10000)
        if lib == "numpy":
            from .. import numpy_mlp
            model = numpy_mlp.NumpyMLP(common.init_weights(), len(X))

            def run():
                t0 = tic()
                out = model.forward(X)
                return toc(t0) * 1e3, {"checksum": float(out[:4].sum())}
            return run
        T = _lib(lib)
        model = build_torchlike(T)
        x = T.from_numpy(X)

        def run():
            t0 = tic()
            with T.no_grad():
                out = model(x)
            return toc(t0) * 1e3, {"checksum": float(out[:4].sum())}
        return run
    return factory


def _memory_factory(lib):
    """Three epochs of SGD-momentum training in a fresh process: peak RSS (the value),
    and RSS after epochs 1 and 3 (a leak shows as growth)."""
    def factory(smoke):
        X, y, source = _data(smoke)
        if lib == "numpy":
            from .. import numpy_mlp
            model = numpy_mlp.NumpyMLP(common.init_weights(), BATCH)
            optimizer = numpy_mlp.make_optimizer("sgd", model.params())

            def epoch():
                numpy_mlp.train_epoch(model, optimizer, X, y, BATCH)
        else:
            T = _lib(lib)
            model = build_torchlike(T)
            optimizer = _torchlike_optimizer(T, model, "sgd")
            loss_fn = T.nn.CrossEntropyLoss()
            batches = [(T.from_numpy(X[i:i + BATCH]), T.from_numpy(y[i:i + BATCH]))
                       for i in range(0, len(X), BATCH)]

            def epoch():
                torchlike_epoch(T, model, optimizer, loss_fn, batches)

        def run():
            start = common.rss_mb()
            whole = common.peak_rss_mb()      # the process so far: imports, data, model
            windowed = common.reset_peak_rss()
            rss = []
            for _ in range(3):
                epoch()
                rss.append(common.rss_mb())
            growth = (rss[2] - rss[0]) / rss[0] * 100
            return common.peak_rss_mb(), {"peak_window": "3 epochs" if windowed else
                                          "whole process",
                                          "peak_before_training_mb": round(whole, 1),
                                          "rss_before_mb": round(start, 1),
                                          "rss_epoch1_mb": round(rss[0], 1),
                                          "rss_epoch3_mb": round(rss[2], 1),
                                          "growth_1_to_3_pct": round(growth, 2),
                                          "data": source}
        return run
    return factory


def workloads():
    libs = common.LIBS
    return [
        Workload("mlp_sgd", "MLP 784-512-256-10, batch 128, SGD momentum, 1 MNIST epoch",
                 "s", {lib: _train_factory(lib, "sgd") for lib in libs},
                 targets={"torch": 1.0, "numpy": 1.15}, repeats=3, warmup=1, order=10),
        Workload("mlp_adam", "MLP 784-512-256-10, batch 128, Adam, 1 MNIST epoch",
                 "s", {lib: _train_factory(lib, "adam") for lib in libs},
                 targets={"torch": 1.0, "numpy": 1.15}, repeats=3, warmup=1, order=11),
        Workload("mlp_infer", "MLP forward under no_grad, 10,000-image batch",
                 "ms", {lib: _infer_factory(lib) for lib in libs},
                 targets={"torch": 1.0}, repeats=15, warmup=3, order=30),
        Workload("mlp_memory", "Peak RSS of a process training the MLP 3 epochs (SGD)",
                 "MB", {lib: _memory_factory(lib) for lib in libs},
                 targets={"torch": 1.0}, repeats=1, warmup=0, fresh_process=True,
                 threads=(1,), order=40),
    ]
