"""The hot paths added for speed must not change semantics: the operator fast paths
(tensor-number scalar ops, same-dtype tensors), the engine's direct hand-over on chains,
the gradient taken over by .grad without a copy, and ReLU's zeros trick."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck

OPS = {
    "x + s": lambda x, s: x + s, "s + x": lambda x, s: s + x,
    "x - s": lambda x, s: x - s, "s - x": lambda x, s: s - x,
    "x * s": lambda x, s: x * s, "s * x": lambda x, s: s * x,
    "x / s": lambda x, s: x / s,
}


@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("s", [2.5, -3, 0.0])
def test_scalar_ops_gradcheck(name, s):
    if name == "x / s" and s == 0:
        pytest.skip("division by zero")
    x = cr.randn(3, 2, dtype=cr.float64, requires_grad=True)
    f = lambda x: OPS[name](x, s)  # noqa: E731
    assert gradcheck(f, (x,))
    assert gradgradcheck(lambda x: f(x) * x, (x,))


@pytest.mark.parametrize("name", OPS)
def test_scalar_ops_match_torch(name):
    torch = pytest.importorskip("torch")
    for npdt in (np.float32, np.float16, np.float64):
        for s in (0.1, 3, -7.25):
            a = np.linspace(-2, 2, 7).astype(npdt)
            x = cr.tensor(a, requires_grad=True)
            tx = torch.tensor(a, requires_grad=True)
            y, ty = OPS[name](x, s), OPS[name](tx, s)
            assert y._data.dtype == np.dtype(str(ty.dtype).replace("torch.", "")), (name, s)
            np.testing.assert_allclose(y._data, ty.detach().numpy(),
                                       rtol=1e-3 if npdt is np.float16 else 1e-6)
            y.sum().backward()
            ty.sum().backward()
            np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-3)


def test_scalar_ops_keep_pytorch_node_names_and_promotion():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    assert (x * 2).grad_fn.backward_name == "MulBackward0"
    assert (x + 1).grad_fn.backward_name == "AddBackward0"
    assert (x - 1).grad_fn.backward_name == "SubBackward0"
    assert (1 - x).grad_fn.backward_name == "RsubBackward1"
    assert (x / 2).grad_fn.backward_name == "DivBackward0"
    i = cr.tensor([1, 2])
    assert (i * 2).dtype == cr.int64 and (i * 2.5).dtype == cr.float32
    assert (i / 2).dtype == cr.float32
    assert (x * True).dtype == cr.float32
    assert (x * np.float64(2)).dtype == cr.float32       # a NumPy scalar: general path


def test_same_dtype_fast_path_keeps_broadcast_errors():
    a, b = cr.ones(2, 3), cr.ones(4)
    with pytest.raises(RuntimeError, match="size of tensor a"):
        a + b
    with pytest.raises(RuntimeError):
        a * b


def test_long_chain_and_fan_out_gradients():
    # a 3,000-node chain (direct hand-over) and a diamond (heap order) in one graph
    x = cr.tensor([0.3, -0.2], dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(1000):
        y = (y * 0.999 + 0.001).tanh()
    z = y * x + (x * 2).sin()
    z.sum().backward()
    g = x.grad._data.copy()
    x.grad = None
    eps = 1e-6
    num = []
    for i in range(2):
        d = np.zeros(2)
        d[i] = eps

        def f(v):
            t = cr.tensor(v, dtype=cr.float64)
            y = t
            for _ in range(1000):
                y = (y * 0.999 + 0.001).tanh()
            return float((y * t + (t * 2).sin()).sum())
        num.append((f(x._data + d) - f(x._data - d)) / (2 * eps))
    np.testing.assert_allclose(g, num, rtol=1e-5)


def test_grad_taken_over_only_when_nobody_else_sees_it():
    # add passes one array to both inputs: each .grad must be its own copy
    a = cr.randn(3, requires_grad=True)
    b = cr.randn(3, requires_grad=True)
    (a + b).backward(cr.ones(3))
    assert a.grad._data is not b.grad._data
    a.grad._data[0] = 100.0
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    # a user-given gradient is never adopted as .grad
    g = cr.ones(3)
    a.grad = None
    (a + 0.0).backward(g)
    a.grad._data[1] = 7.0
    assert g.tolist() == [1.0, 1.0, 1.0]
    # a hook that keeps the gradient: .grad is a copy
    kept = []
    c = cr.randn(3, requires_grad=True)
    c.register_hook(lambda t: kept.append(t))
    (c * 2).sum().backward()
    c.grad._data[0] = -1.0
    assert kept[0].tolist() == [2.0, 2.0, 2.0]
    # accumulation across two backward calls still adds
    w = cr.randn(2, 3, requires_grad=True)
    x = cr.randn(4, 3)
    (x @ w.T).sum().backward()
    first = w.grad._data.copy()
    (x @ w.T).sum().backward()
    np.testing.assert_allclose(w.grad._data, 2 * first, rtol=1e-6)


@pytest.mark.parametrize("shape", [(5,), (128, 512), (3000, 512), (40, 8, 28, 28)])
def test_relu_zeros_trick(shape):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    a.flat[0], a.flat[1], a.flat[2] = np.nan, -np.inf, -0.0
    x = cr.tensor(a, requires_grad=True)
    y = cr.relu(x)
    np.testing.assert_array_equal(y._data, np.where(np.isnan(a), np.nan, np.maximum(a, 0)))
    assert y.dtype == cr.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, (a > 0).astype(np.float32))
    with cr.no_grad():
        z = cr.relu(x)
    assert z.grad_fn is None and not z.requires_grad
    np.testing.assert_array_equal(z._data, y._data)
