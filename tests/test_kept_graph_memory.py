"""After backward (without retain_graph) a kept graph holds structure, not activations
(issue 11, item 9). The RSS comparison with PyTorch is benchmarks/workloads/kept_graphs.py."""
import gc
import pathlib
import sys
import weakref

import numpy as np
import pytest

import chainrule
from chainrule.autograd.engine import GraphEdge

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _step(model, x):
    h = model[0](x)
    a = model[1](h)
    loss = model[2](a).sum()
    return loss, weakref.ref(h._data), weakref.ref(a._data)


def test_kept_loss_releases_activations_after_backward():
    nn = chainrule.nn
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    x = chainrule.randn(4, 8)
    loss, h_arr, a_arr = _step(model, x)
    gc.collect()
    assert h_arr() is not None  # before backward the graph needs them
    loss.backward()
    gc.collect()
    assert h_arr() is None and a_arr() is None  # only `loss` is kept, and no activation
    # The structure is still there, as PyTorch's grad_fn chain.
    fn = loss.grad_fn
    seen = []
    while fn is not None:
        seen.append(fn.name)
        nxt = [f for f, _ in fn.next_functions if f is not None]
        fn = nxt[0] if nxt else None
    assert len(seen) >= 3
    assert any(type(t) is GraphEdge for t in loss.grad_fn.inputs)
    # A second backward says why it cannot run.
    with pytest.raises(RuntimeError, match="second time"):
        loss.backward()


def test_retain_graph_keeps_everything_and_leaves_stay():
    w = chainrule.randn(3, requires_grad=True)
    h = w * 2
    loss = (h * h).sum()
    loss.backward(retain_graph=True)
    assert any(t is h for t in loss.grad_fn.next_functions[0][0].inputs)
    loss.backward()
    np.testing.assert_allclose(w.grad._data, 2 * 8 * w._data, rtol=1e-6)
    # Ops that save nothing can run backward again after release, like PyTorch's.
    x = chainrule.ones(2, requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_kept_graph_benchmark_runs_in_smoke_mode():
    sys.path.insert(0, str(ROOT))
    from benchmarks.workloads import kept_graphs
    value, extra = kept_graphs._factory("chainrule")(True)()
    assert value > 0 and extra["kept"] == kept_graphs.SMOKE_STEPS and len(extra["rss_mb"]) == 3
