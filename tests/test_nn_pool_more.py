"""Max pooling with indices, adaptive max pooling, max unpooling and LP pooling:
gradcheck / gradgradcheck in float64, PyTorch's flat plane indices, values and gradients
against PyTorch when it is importable, the layers, and the error messages."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from helpers import check_op, make

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _F(T):
    return T.nn.functional


def _values(fn):
    """The first output only (the pooled values), for gradcheck."""
    return lambda T, x: fn(T, x)[0]


def _same_indices(fn, a):
    """fn(T, x) -> (values, indices) gives the indices PyTorch gives, as int64."""
    y, i = fn(cr, cr.tensor(a))
    assert i.dtype == cr.int64
    if torch is not None:
        ty, ti = fn(torch, torch.tensor(a))
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=0, atol=0)
    return y, i


# --- max pooling with indices ---------------------------------------------------------------
MAXPOOL_CASES = [
    (1, (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    (1, (2, 3, 8), dict(kernel_size=2, dilation=2, ceil_mode=True)),
    (2, (2, 2, 5, 6), dict(kernel_size=2)),
    (2, (2, 2, 5, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    (2, (1, 2, 7, 6), dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1))),
    (2, (2, 5, 6), dict(kernel_size=2, stride=1)),   # unbatched (C, H, W)
    (3, (1, 2, 4, 5, 6), dict(kernel_size=2, stride=(1, 2, 2), padding=(1, 0, 1))),
]


@pytest.mark.parametrize("nd,shape,kw", MAXPOOL_CASES)
def test_max_pool_return_indices(nd, shape, kw):
    f = lambda T, x: getattr(_F(T), f"max_pool{nd}d")(x, return_indices=True, **kw)  # noqa: E731
    check_op(_values(f), shapes=[(shape,)], gradgrad=True)
    y, i = _same_indices(f, make(shape, seed=3))
    # the same values and gradient as without indices
    x = cr.tensor(make(shape, seed=3), requires_grad=True)
    np.testing.assert_array_equal(y.numpy(), getattr(F, f"max_pool{nd}d")(x, **kw).detach().numpy())
    # the indices address the values in each flattened input plane
    lead = shape[:-nd]
    flat = x.detach().numpy().reshape(lead + (-1,))
    got = np.take_along_axis(flat, i.numpy().reshape(lead + (-1,)), -1)
    np.testing.assert_array_equal(got.reshape(y.shape), y.numpy())


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_max_pool_with_indices_functions(nd):
    shape = (1, 2) + (5,) * nd
    f = lambda T, x: getattr(_F(T), f"max_pool{nd}d_with_indices")(x, 3, 2, 1)  # noqa: E731
    check_op(_values(f), shapes=[(shape,)])
    _same_indices(f, make(shape, seed=1))


def test_max_pool_indices_ties_and_nan_follow_torch():
    a = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0],
                    [np.nan, 3.0, 5.0, 1.0], [0.0, np.nan, 5.0, 5.0]]]])
    y, i = F.max_pool2d(cr.tensor(a), 2, return_indices=True)
    np.testing.assert_array_equal(i.numpy(), [[[[0, 3], [13, 10]]]])  # first max, last NaN
    if torch is not None:
        _, ti = torch.nn.functional.max_pool2d(torch.tensor(a), 2, return_indices=True)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())


@needs_torch
def test_maxpool_layers_return_indices():
    for nd, shape in [(1, (2, 3, 10)), (2, (2, 3, 6, 7)), (3, (1, 2, 4, 5, 6))]:
        a = make(shape, seed=nd)
        m = getattr(nn, f"MaxPool{nd}d")(2, stride=1, return_indices=True)
        tm = getattr(torch.nn, f"MaxPool{nd}d")(2, stride=1, return_indices=True)
        (y, i), (ty, ti) = m(cr.tensor(a)), tm(torch.tensor(a))
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        np.testing.assert_allclose(y.numpy(), ty.numpy())


# --- adaptive max pooling -------------------------------------------------------------------
ADAPTIVE_CASES = [
    (1, (2, 3, 10), 4), (1, (2, 3, 7), 7), (1, (3, 5), 2),
    (2, (2, 2, 7, 9), (3, 4)), (2, (2, 2, 7, 9), 1), (2, (2, 2, 5, 6), (None, 4)),
    (2, (1, 2, 5, 3), (8, 2)),   # output larger than input along H: overlapping windows
    (2, (2, 6, 5), 3),           # unbatched
    (3, (1, 2, 5, 6, 7), (2, 3, 4)), (3, (1, 2, 4, 4, 4), 1),
]


@pytest.mark.parametrize("nd,shape,size", ADAPTIVE_CASES)
def test_adaptive_max_pool(nd, shape, size):
    f = lambda T, x: getattr(_F(T), f"adaptive_max_pool{nd}d")(x, size)  # noqa: E731
    check_op(f, shapes=[(shape,)], gradgrad=True)
    g = lambda T, x: getattr(_F(T), f"adaptive_max_pool{nd}d")(x, size, True)  # noqa: E731
    _same_indices(g, make(shape, seed=5))
    h = lambda T, x: getattr(_F(T), f"adaptive_max_pool{nd}d_with_indices")(x, size)  # noqa: E731
    _same_indices(h, make(shape, seed=6))


def test_adaptive_max_pool_float32_ties_nan():
    a = np.array([[[[1.0, 1.0, 0.0], [np.nan, 2.0, np.nan], [3.0, 3.0, 3.0]]]], np.float32)
    y, i = F.adaptive_max_pool2d(cr.tensor(a), 2, return_indices=True)
    assert y.dtype == cr.float32
    if torch is not None:
        ty, ti = torch.nn.functional.adaptive_max_pool2d(torch.tensor(a), 2, return_indices=True)
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        np.testing.assert_array_equal(y.numpy(), ty.numpy())
        x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        F.adaptive_max_pool2d(x, 2).sum().backward()
        torch.nn.functional.adaptive_max_pool2d(t, 2).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@needs_torch
def test_adaptive_max_pool_layers():
    for nd, shape, size in [(1, (2, 3, 11), 5), (2, (2, 3, 9, 8), (4, 3)),
                            (3, (1, 2, 5, 6, 4), (2, None, 3))]:
        a = make(shape, seed=nd)
        m = getattr(nn, f"AdaptiveMaxPool{nd}d")(size, return_indices=True)
        tm = getattr(torch.nn, f"AdaptiveMaxPool{nd}d")(size, return_indices=True)
        (y, i), (ty, ti) = m(cr.tensor(a)), tm(torch.tensor(a))
        np.testing.assert_array_equal(i.numpy(), ti.numpy())
        np.testing.assert_allclose(y.numpy(), ty.numpy())
        assert repr(m) == repr(tm)
        out = getattr(nn, f"AdaptiveMaxPool{nd}d")(size)(cr.tensor(a))
        np.testing.assert_allclose(out.numpy(), ty.numpy())


# --- max unpooling --------------------------------------------------------------------------
UNPOOL_CASES = [
    (1, (2, 3, 9), dict(kernel_size=2), {}),
    (1, (2, 3, 9), dict(kernel_size=2), dict(output_size=[9])),
    (2, (2, 2, 6, 8), dict(kernel_size=2), {}),
    (2, (2, 2, 6, 7), dict(kernel_size=2), dict(output_size=(2, 2, 6, 7))),
    (2, (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1), dict(output_size=(7, 7))),
    (2, (2, 5, 4), dict(kernel_size=2), {}),   # unbatched
    (3, (1, 2, 4, 5, 6), dict(kernel_size=2), dict(output_size=(4, 5, 6))),
]


@pytest.mark.parametrize("nd,shape,kw,ukw", UNPOOL_CASES)
def test_max_unpool(nd, shape, kw, ukw):
    a = make(shape, seed=2)

    def pool_unpool(T, x, src):
        _, ind = getattr(_F(T), f"max_pool{nd}d")(x, return_indices=True, **kw)
        return getattr(_F(T), f"max_unpool{nd}d")(src, ind, **kw, **ukw)

    y, _ = getattr(F, f"max_pool{nd}d")(cr.tensor(a), return_indices=True, **kw)
    src_shape = tuple(y.shape)
    src = make(src_shape, seed=4)
    # the unpooled values sit at the maxima; gradient with respect to the values unpooled
    # (non-overlapping windows or not: stride 2 with kernel 3 may repeat an index)
    unique = kw.get("stride", kw["kernel_size"]) >= kw["kernel_size"]
    check_op(lambda T, s: pool_unpool(T, T.tensor(a), s), shapes=[(src_shape,)],
             grad=unique, gradgrad=unique)
    if torch is not None:  # gradients also where indices repeat (PyTorch's: a gather)
        x = cr.tensor(src, requires_grad=True)
        t = torch.tensor(src, requires_grad=True)
        w = make(tuple(pool_unpool(cr, cr.tensor(a), x).shape), seed=9)
        (pool_unpool(cr, cr.tensor(a), x) * cr.tensor(w)).sum().backward()
        (pool_unpool(torch, torch.tensor(a), t) * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


@needs_torch
def test_maxunpool_layers_round_trip():
    a = make((2, 3, 5, 7), seed=0)
    pool, unpool = nn.MaxPool2d(2, stride=2, return_indices=True), nn.MaxUnpool2d(2, stride=2)
    tpool, tunpool = torch.nn.MaxPool2d(2, stride=2, return_indices=True), \
        torch.nn.MaxUnpool2d(2, stride=2)
    x = cr.tensor(a, requires_grad=True)
    y, i = pool(x)
    u = unpool(y, i, output_size=x.size())
    t = torch.tensor(a, requires_grad=True)
    ty, ti = tpool(t)
    tu = tunpool(ty, ti, output_size=t.size())
    assert tuple(u.shape) == (2, 3, 5, 7)
    np.testing.assert_allclose(u.detach().numpy(), tu.detach().numpy())
    u.sum().backward()
    tu.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())
    assert repr(unpool) == repr(tunpool)
    for nd, shape in [(1, (2, 3, 8)), (3, (1, 2, 4, 4, 6))]:
        b = make(shape, seed=nd)
        y, i = getattr(nn, f"MaxPool{nd}d")(2, return_indices=True)(cr.tensor(b))
        ty, ti = getattr(torch.nn, f"MaxPool{nd}d")(2, return_indices=True)(torch.tensor(b))
        np.testing.assert_allclose(getattr(nn, f"MaxUnpool{nd}d")(2)(y, i).numpy(),
                                   getattr(torch.nn, f"MaxUnpool{nd}d")(2)(ty, ti).numpy())


def test_max_unpool_errors():
    y, i = F.max_pool2d(cr.randn(1, 1, 4, 4), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"invalid output_size .*dim 0 must be between 2 and 6"):
        F.max_unpool2d(y, i, 2, output_size=(7, 4))
    with pytest.raises(ValueError, match="should be a sequence containing 2 or 4"):
        F.max_unpool2d(y, i, 2, output_size=(4,))
    with pytest.raises(RuntimeError, match="Found an invalid max index: 99"):
        F.max_unpool2d(y, cr.tensor([[[[0, 1], [2, 99]]]]), 2)
    with pytest.raises(RuntimeError, match="shape of indices to be same"):
        F.max_unpool2d(y, i[..., :1], 2)
    with pytest.raises(RuntimeError, match="int64"):
        F.max_unpool2d(y, i.float(), 2)
    with pytest.raises(RuntimeError, match="max_unpool2d: Expected 3D .* or 4D"):
        F.max_unpool2d(y[0, 0], i[0, 0], 2)


def test_adaptive_max_pool_errors():
    with pytest.raises(ValueError, match="adaptive_max_pool2d: output_size must be an int or a "
                                         "tuple of 2"):
        F.adaptive_max_pool2d(cr.randn(1, 1, 4, 4), (1, 2, 3))
    with pytest.raises(RuntimeError, match="greater than zero"):
        F.adaptive_max_pool1d(cr.randn(1, 1, 4), 0)
    with pytest.raises(RuntimeError, match="adaptive_max_pool3d: Expected 4D .* or 5D"):
        F.adaptive_max_pool3d(cr.randn(4, 4), 2)


# --- LP pooling -----------------------------------------------------------------------------
LP_CASES = [
    (1, (2, 3, 9), 2, dict(kernel_size=3)),
    (1, (2, 3, 9), 1.5, dict(kernel_size=2, stride=3, ceil_mode=True)),
    (2, (2, 2, 6, 7), 2, dict(kernel_size=2)),
    (2, (2, 2, 6, 7), 3.0, dict(kernel_size=(2, 3), stride=(2, 1))),
    (2, (2, 6, 7), 1, dict(kernel_size=3, stride=2, ceil_mode=True)),   # unbatched
    (2, (1, 2, 5, 5), float("inf"), dict(kernel_size=2)),
    (3, (1, 2, 4, 5, 4), 2, dict(kernel_size=2, stride=(1, 2, 2))),
]


@pytest.mark.parametrize("nd,shape,p,kw", LP_CASES)
def test_lp_pool(nd, shape, p, kw):
    f = lambda T, x: getattr(_F(T), f"lp_pool{nd}d")(x, p, **kw)  # noqa: E731
    # positive inputs: x^p is real for every p, and no window sums to zero
    check_op(f, shapes=[(shape,)], low=0.2, high=2.0, gradgrad=nd < 3)
    if p == 2:  # even power: any sign
        check_op(f, shapes=[(shape,)])


def test_lp_pool_zero_window_has_zero_gradient():
    a = np.array([[[0.0, 0.0, 1.0, 2.0]]])
    x = cr.tensor(a, requires_grad=True)
    y = F.lp_pool1d(x, 2, 2)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [[[0.0, 5 ** 0.5]]])
    np.testing.assert_allclose(x.grad.numpy(), [[[0.0, 0.0, 5 ** -0.5, 2 * 5 ** -0.5]]])
    if torch is not None:
        t = torch.tensor(a, requires_grad=True)
        torch.nn.functional.lp_pool1d(t, 2, 2).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


@needs_torch
def test_lp_pool_layers_float32():
    for nd, shape in [(1, (2, 3, 10)), (2, (2, 3, 6, 7)), (3, (1, 2, 4, 4, 6))]:
        a = make(shape, seed=nd, low=0.1, dtype=np.float32)
        m = getattr(nn, f"LPPool{nd}d")(2.5, 2, stride=1)
        tm = getattr(torch.nn, f"LPPool{nd}d")(2.5, 2, stride=1)
        x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = m(x), tm(t)
        assert y.dtype == cr.float32
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5)
        y.sum().backward()
        ty.sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-4, atol=1e-6)
        assert repr(m) == repr(tm)
