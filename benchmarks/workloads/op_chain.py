"""Per-op overhead: 1,000 tiny elementwise ops (add, mul, tanh in turn) on a (10,) tensor,
forward and backward, in microseconds per op. With 10 elements the arithmetic is nothing:
this measures what a framework costs per recorded op (dispatch, graph node, engine)."""
import importlib

import numpy as np

from ..common import tic, toc
from . import Workload

N_OPS = 999  # 333 x (add, mul, tanh)
# y <- tanh((y + A) * B) settles near 0.3, so the gradient shrinks by ~0.9 per step and
# stays a normal float32 (about 1e-15 after 333 steps): no denormal slow paths measured.
A, B = 0.01, 0.99


def _factory(lib, scalar):
    def factory(smoke):
        n = 30 if smoke else N_OPS
        if lib == "numpy":
            # The same chain with its backward written by hand: the arithmetic floor.
            x = np.linspace(-1, 1, 10, dtype=np.float32)
            a = np.full(10, A, np.float32)
            b = np.full(10, B, np.float32)

            def run():
                t0 = tic()
                ys = []
                y = x
                for _ in range(n // 3):
                    y = y + (A if scalar else a)
                    y = y * (B if scalar else b)
                    y = np.tanh(y)
                    ys.append(y)
                g = np.ones_like(y)
                for y in reversed(ys):
                    g = g * (1 - y * y)
                    g = g * (B if scalar else b)
                return toc(t0) / n * 1e6, {"grad0": float(g[0])}
            return run
        T = importlib.import_module(lib)
        x = T.tensor(np.linspace(-1, 1, 10, dtype=np.float32), requires_grad=True)
        a = T.tensor(np.full(10, A, np.float32))
        b = T.tensor(np.full(10, B, np.float32))
        ca, cb = (A, B) if scalar else (a, b)

        def run():
            x.grad = None
            t0 = tic()
            y = x
            for _ in range(n // 3):
                y = y + ca
                y = y * cb
                y = y.tanh()
            y.sum().backward()
            return toc(t0) / n * 1e6, {"grad0": float(x.grad[0])}
        return run
    return factory


def workloads():
    libs = ("chainrule", "torch", "numpy")
    return [
        Workload("op_chain", "1,000 elementwise ops on a (10,) tensor, fwd+bwd "
                 "(tensor operands)", "us/op", {lib: _factory(lib, False) for lib in libs},
                 targets={"torch": 1.0}, repeats=25, warmup=5, order=20),
        Workload("op_chain_scalar", "1,000 elementwise ops on a (10,) tensor, fwd+bwd "
                 "(Python-number operands)", "us/op", {lib: _factory(lib, True) for lib in libs},
                 targets={"torch": 1.0}, repeats=25, warmup=5, order=21),
    ]
