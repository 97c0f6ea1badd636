"""LeNet-5 training steps on MNIST (the issue's target: chainrule within 1.5x of PyTorch).

The modern LeNet-5: C1 conv 6@5x5 (padding 2: MNIST's 28x28 seen as the paper's 32x32
field), ReLU, 2x2 max pool, C3 conv 16@5x5, ReLU, max pool, C5 conv 120@5x5, ReLU,
F6 Linear 84, ReLU, Linear 10; cross-entropy, Adam. chainrule and PyTorch run the very
same model-building and training code from the same initial weights on the same batches.
"""
import importlib

import numpy as np

from .. import common
from ..common import timer
from . import Workload

BATCH = 128
STEPS = 20           # training steps per measured repeat
SMOKE_STEPS = 2


def build_lenet5(T, seed=0):
    """nn.Sequential LeNet-5 in library T (chainrule or torch), with shared initial weights
    drawn as PyTorch's defaults (U(+-1/sqrt(fan_in)) for weights and biases)."""
    nn = T.nn
    layers = [nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
              nn.Conv2d(16, 120, 5), nn.ReLU(), nn.Flatten(),
              nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10)]
    rng = np.random.default_rng(seed)
    with T.no_grad():
        for layer in layers:
            if not hasattr(layer, "weight"):
                continue
            w = layer.weight
            fan_in = int(np.prod(tuple(w.shape)[1:]))
            bound = 1.0 / np.sqrt(fan_in)
            w.copy_(T.from_numpy(rng.uniform(-bound, bound, tuple(w.shape)).astype(np.float32)))
            layer.bias.copy_(T.from_numpy(
                rng.uniform(-bound, bound, tuple(layer.bias.shape)).astype(np.float32)))
    return nn.Sequential(*layers)


def _factory(lib):
    def factory(smoke):
        steps = SMOKE_STEPS if smoke else STEPS
        X, y, source = common.mnist_train(steps * BATCH)
        T = importlib.import_module(lib)
        model = build_lenet5(T)
        optimizer = T.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = T.nn.CrossEntropyLoss()
        X4 = np.ascontiguousarray(X.reshape(-1, 1, 28, 28))
        batches = [(T.from_numpy(X4[i:i + BATCH]), T.from_numpy(y[i:i + BATCH]))
                   for i in range(0, len(X4), BATCH)]

        def run():
            t0 = timer()
            for xb, yb in batches:
                optimizer.zero_grad()
                loss = loss_fn(model(xb), yb)
                loss.backward()
                optimizer.step()
            return (timer() - t0) * 1e3 / len(batches), {"loss": float(loss), "data": source}
        return run
    return factory


def workloads():
    return [
        Workload("lenet5_train", f"LeNet-5 (ReLU, max pool) training step, batch {BATCH}, "
                 f"Adam, MNIST", "ms", {lib: _factory(lib) for lib in ("chainrule", "torch")},
                 targets={"torch": 1.5}, repeats=5, warmup=1, order=20),
    ]
