"""The backward pass's order without a discovery pass (newest node first from a heap of the
nodes sent a gradient), the hand-over fast path's corner cases, the Op construction rule,
and benchmarks/ab.py (the A/B script used to measure the engine's per-op cost)."""
import pathlib
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd.function import Op

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _x():
    return cr.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)


def test_same_tensor_twice_into_one_node():
    # x * x hands the first gradient over to y's node, then sums the second into it
    x = _x()
    y = x * 2.0
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 8 * x.detach().numpy())


def test_newer_node_still_sends_to_the_node_handed_over():
    # c = a + b with b = a * 3: c hands a's node its gradient first, but b's node is newer
    # and also sends to a's node, so a's node must wait for it (joins the heap).
    x = _x()
    a = x * 2.0
    b = a * 3.0
    (a + b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 8.0))


def test_diamond_matches_torch():
    torch = pytest.importorskip("torch")
    xv = np.array([0.3, -0.7, 1.1])

    def f(lib, x):
        h = lib.tanh(x)
        left, right = h * h, h.exp()
        return (left * right + h).sum()

    x = cr.tensor(xv, requires_grad=True)
    f(cr, x).backward()
    xt = torch.tensor(xv, requires_grad=True)
    f(torch, xt).backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)


def test_long_chain_and_second_backward_error():
    x = _x()
    y = x
    for _ in range(20000):   # no recursion anywhere
        y = y * 1.0
    y = y.tanh()
    y.sum().backward()
    assert x.grad is not None
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.sum().backward()


def test_op_subclass_may_not_define_init():
    with pytest.raises(TypeError, match="an Op defines no __init__"):
        class Bad(Op):  # noqa: F841
            def __init__(self, k):
                self.k = k


def test_ab_script_runs_both_trees(tmp_path):
    sys.path.insert(0, str(ROOT))
    from benchmarks import ab
    out = ab.compare(ROOT, ROOT, "op_chain", rounds=1, repeats=2, warmup=0, verbose=False,
                     smoke=True)
    assert len(out["rounds"]) == 1 and out["ratio"] > 0
    assert out["files"]["A"].startswith(str(ROOT / "src"))


def test_grad_with_no_inputs_is_refused_as_in_torch():
    import pytest
    import chainrule as torch
    x = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="cannot be empty"):
        torch.autograd.grad((x * 2).sum(), [])
