"""Writing a one-element tensor into a single element (x[0] = t with t of shape (1,) or
(1, 1)) works as in PyTorch, with and without autograd (found by a docstring example,
issue 16)."""
import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize("shape", [(1,), (1, 1)])
def test_one_element_value_into_a_scalar_slot(shape):
    x = cr.zeros(3)
    x[1] = cr.full(shape, 2.0)
    assert np.array_equal(x.numpy(), [0.0, 2.0, 0.0])


def test_one_element_value_gets_its_gradient():
    w = cr.tensor([2.0], requires_grad=True)
    y = cr.zeros(3)
    y[0] = w
    (y * 3).sum().backward()
    assert np.array_equal(w.grad.numpy(), [3.0])


def test_matches_torch():
    torch = pytest.importorskip("torch")
    for lib in (cr, torch):
        x = lib.ones(3, requires_grad=True)
        v = lib.tensor([5.0], requires_grad=True)
        y = x * 1
        y[1] = v
        y.backward(lib.tensor([1.0, 2.0, 3.0]))
        if lib is cr:
            got = (x.grad.numpy(), v.grad.numpy(), y.detach().numpy())
        else:
            want = (x.grad.numpy(), v.grad.numpy(), y.detach().numpy())
    for g, w in zip(got, want):
        assert np.array_equal(g, w)


def test_a_longer_value_is_still_refused():
    x = cr.zeros(3)
    with pytest.raises(RuntimeError, match="__setitem__"):
        x[0] = cr.tensor([1.0, 2.0])


def test_gradcheck_float64():
    def f(x, v):
        y = x * 1
        y[1] = v
        return y

    x = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64, requires_grad=True)
    v = cr.tensor([[5.0]], dtype=cr.float64, requires_grad=True)
    assert cr.autograd.gradcheck(f, (x, v))
