"""Reductions, cumsum, softmax / log_softmax: forward, gradcheck, gradgradcheck, torch."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_op, make

SHAPES = [((),), ((1,),), ((3, 1),), ((2, 3, 4),)]
SHAPES3 = [((2, 3, 4),), ((1, 3, 1),)]


def _lse(x, axis, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (0, False), (-1, True), ((0, 2), False),
                                         ((0, 2), True), ((-1, 0), True)])
@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "var", "std",
                                  "logsumexp", "norm", "var_c0", "std_c2"])
def test_reduction(name, dim, keepdim):
    if dim is None and name == "logsumexp":
        dim = (0, 1, 2)
    np_ax = dim if dim is None or isinstance(dim, int) else tuple(dim)
    calls = {
        "sum": (lambda T, x: x.sum(dim=dim, keepdim=keepdim) if dim is not None else x.sum(),
                lambda x: np.sum(x, axis=np_ax, keepdims=keepdim)),
        "mean": (lambda T, x: x.mean(dim=dim, keepdim=keepdim) if dim is not None else x.mean(),
                 lambda x: np.mean(x, axis=np_ax, keepdims=keepdim)),
        "prod": (lambda T, x: T.prod(x, dim, keepdim) if dim is not None else T.prod(x),
                 lambda x: np.prod(x, axis=np_ax, keepdims=keepdim)),
        "amax": (lambda T, x: T.amax(x, dim if dim is not None else (), keepdim),
                 lambda x: np.max(x, axis=np_ax, keepdims=keepdim)),
        "amin": (lambda T, x: T.amin(x, dim if dim is not None else (), keepdim),
                 lambda x: np.min(x, axis=np_ax, keepdims=keepdim)),
        "var": (lambda T, x: T.var(x, dim, keepdim=keepdim),
                lambda x: np.var(x, axis=np_ax, ddof=1, keepdims=keepdim)),
        "var_c0": (lambda T, x: T.var(x, dim, keepdim=keepdim, correction=0),
                   lambda x: np.var(x, axis=np_ax, ddof=0, keepdims=keepdim)),
        "std": (lambda T, x: T.std(x, dim, keepdim=keepdim),
                lambda x: np.std(x, axis=np_ax, ddof=1, keepdims=keepdim)),
        "std_c2": (lambda T, x: x.std(dim, keepdim=keepdim, correction=2),
                   lambda x: np.std(x, axis=np_ax, ddof=2, keepdims=keepdim)),
        "logsumexp": (lambda T, x: T.logsumexp(x, dim, keepdim),
                      lambda x: _lse(x, np_ax, keepdim)),
        "norm": (lambda T, x: T.norm(x, dim=dim, keepdim=keepdim),
                 lambda x: np.sqrt(np.sum(x * x, axis=np_ax, keepdims=keepdim))),
    }
    fn, ref = calls[name]
    if name == "prod" and isinstance(dim, tuple):  # torch.prod takes one int dim
        with pytest.raises(TypeError):
            fn(cr, cr.ones(2, 3, 4))
        return
    check_op(fn, ref, [((2, 3, 4),)], gradgrad=True)
    if dim is None or dim in (0, -1):
        shapes = [((3, 1),), ((1, 3, 1),)] + ([((),), ((1,),)] if dim is None else [])
        check_op(fn, ref, shapes, vs_torch=name not in ("var", "std") or dim is not None)


def test_sum_mean_default_and_axis_alias():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum().item() == 10 and x.mean().item() == 2.5
    assert cr.sum(x, axis=0).tolist() == [4.0, 6.0]
    assert x.sum(0, keepdim=True).shape == (1, 2)
    assert cr.tensor([1, 2], dtype=cr.int32).sum().dtype == cr.int64
    assert cr.tensor([True, True]).sum().item() == 2
    with pytest.raises(RuntimeError, match="mean"):
        cr.tensor([1, 2]).mean()


def test_empty_reductions():
    x = cr.zeros(0, 3, requires_grad=True)
    s = x.sum(0)
    assert s.tolist() == [0.0, 0.0, 0.0]
    s.sum().backward()
    assert x.grad.shape == (0, 3)
    assert cr.zeros(0).sum().item() == 0.0
    assert cr.ones(0).prod().item() == 1.0
    with pytest.raises((RuntimeError, IndexError)):
        cr.zeros(0).max()
    assert np.isnan(cr.zeros(0).mean().item())


def test_prod_with_zeros_gradient():
    # d/dx_i prod = product of the others, exact even where some x_j == 0
    for vals in ([2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [1.5, -2.0, 4.0]):
        x = cr.tensor(vals, dtype=cr.float64, requires_grad=True)
        x.prod().backward()
        expect = [np.prod(np.delete(vals, i)) for i in range(3)]
        np.testing.assert_allclose(x.grad._data, expect)
    a = make((3, 4), seed=3)
    a[1, 2] = 0.0
    a[0, 0] = 0.0
    a[0, 1] = 0.0
    check_op(lambda T, x: T.prod(x, 1), lambda x: np.prod(x, 1), inputs=[(a,)])
    check_op(lambda T, x: T.prod(x, 0, True), lambda x: np.prod(x, 0, keepdims=True),
             inputs=[(a,)])


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min(op):
    f = getattr(cr, op)
    # full reduction: ties split evenly (PyTorch's max() with no dim)
    x = cr.tensor([1.0, 3.0, 3.0, 0.0] if op == "max" else [1.0, 0.0, 0.0, 2.0],
                  requires_grad=True)
    f(x).backward()
    np.testing.assert_array_equal(x.grad._data, [0, 0.5, 0.5, 0] if op == "max"
                                  else [0, 0.5, 0.5, 0])
    # with dim: (values, indices), the gradient goes to the chosen index only
    check_op(lambda T, x: getattr(T, op)(x, 1)[0], lambda x: getattr(np, op)(x, 1),
             [((2, 3, 4),), ((3, 1),)], gradgrad=True)
    check_op(lambda T, x: getattr(x, op)(dim=-1, keepdim=True).values,
             lambda x: getattr(np, op)(x, -1, keepdims=True), [((2, 3, 4),)])
    a = cr.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    r = f(a, dim=1)
    assert r.indices.dtype == cr.int64
    assert r.indices.tolist() == ([1, 0] if op == "max" else [0, 1])
    v, i = f(a, 0, True)
    assert v.shape == (1, 3) and i.shape == (1, 3)
    # max(a, b) is elementwise
    np.testing.assert_array_equal(f(a, cr.ones(2, 3) * 3)._data,
                                  getattr(np, op + "imum")(a._data, 3))


def test_amax_ties_split_and_norm_at_zero():
    x = cr.tensor([[2.0, 2.0, 1.0], [0.0, 5.0, 5.0]], requires_grad=True)
    cr.amax(x, 1).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[0.5, 0.5, 0], [0, 0.5, 0.5]])
    z = cr.zeros(3, requires_grad=True)
    cr.norm(z).backward()
    np.testing.assert_array_equal(z.grad._data, [0, 0, 0])
    z = cr.zeros(2, 3, requires_grad=True)
    z.norm(dim=1).sum().backward()
    assert not np.isnan(z.grad._data).any()


@pytest.mark.parametrize("p", [1, 3, float("inf"), 0.5])
def test_norm_p(p):
    ref = (lambda x: np.max(np.abs(x), 1)) if p == float("inf") else \
        (lambda x: np.sum(np.abs(x) ** p, 1) ** (1 / p))
    check_op(lambda T, x: T.norm(x, p=p, dim=1), ref, [((3, 4),)], away=(0, 0.05))


def test_var_std_defaults_and_degenerate():
    x = cr.tensor([1.0, 2.0, 4.0])
    np.testing.assert_allclose(x.var().item(), np.var([1, 2, 4], ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.var(unbiased=False).item(), np.var([1, 2, 4]), rtol=1e-6)
    np.testing.assert_allclose(x.std(correction=0).item(), np.std([1, 2, 4]), rtol=1e-6)
    one = cr.tensor([3.0], requires_grad=True)
    v = one.var()  # n - correction == 0: NaN as in PyTorch (with a warning there)
    assert np.isnan(v.item())


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim):
    check_op(lambda T, x: T.cumsum(x, dim), lambda x: np.cumsum(x, dim), [((3, 4),)],
             gradgrad=True)
    check_op(lambda T, x: x.cumsum(dim), lambda x: np.cumsum(x, dim), [((2, 3, 1),)])


def test_cumsum_cumprod_misc():
    assert cr.cumsum(cr.tensor(2.0), 0).item() == 2.0
    assert cr.cumsum(cr.tensor([1, 2], dtype=cr.int32), 0).dtype == cr.int64
    check_op(lambda T, x: T.cumprod(x, 1), lambda x: np.cumprod(x, 1), [((2, 4),)])


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax(fn, dim):
    def ref(x):
        e = np.exp(x - x.max(dim, keepdims=True))
        s = e / e.sum(dim, keepdims=True)
        return s if fn == "softmax" else np.log(s)
    check_op(lambda T, x: getattr(T, fn)(x, dim), ref, [((2, 3, 4),), ((3, 1, 2),)],
             gradgrad=True)
    check_op(lambda T, x: getattr(x, fn)(dim), ref, [((2, 3, 4),)], vs_torch=False)


def test_softmax_stability_and_empty():
    x = cr.tensor([1000.0, 1000.0, -1000.0])
    np.testing.assert_allclose(cr.softmax(x, 0)._data, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(cr.log_softmax(x, 0)._data[:2], [-np.log(2)] * 2, rtol=1e-6)
    assert cr.logsumexp(cr.tensor([-np.inf, -np.inf]), 0).item() == -np.inf
    assert cr.logsumexp(cr.tensor([1e4, 1e4]), 0).item() == pytest.approx(1e4 + np.log(2))
    assert cr.softmax(cr.zeros(0, 3), 1).shape == (0, 3)
    assert cr.softmax(cr.tensor(3.0), 0).item() == 1.0


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name):
    a = np.array([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    x = cr.tensor(a, requires_grad=True)
    f = getattr(cr, name)
    npf = getattr(np, name)
    assert f(x).item() == npf(a) and f(x).dtype == cr.int64 and not f(x).requires_grad
    assert f(x, 1).tolist() == npf(a, 1).tolist()
    assert getattr(x, name)(dim=0, keepdim=True).shape == (1, 3)
    assert f(x, keepdim=True).shape == (1, 1)


def test_any_all():
    b = cr.tensor([[True, False], [True, True]])
    assert cr.any(b).item() is True and cr.all(b).item() is False
    assert b.all(1).tolist() == [False, True]
    assert b.any(0, keepdim=True).shape == (1, 2)
    assert cr.all(cr.tensor([1.0, 2.0])).dtype == cr.bool


def test_reduction_dim_errors():
    x = cr.zeros(2, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.sum(2)
    with pytest.raises(RuntimeError, match="multiple"):
        x.sum((0, 0))


def test_std_at_zero_variance_has_zero_gradient():
    x = cr.tensor([1.0, 1.0, 1.0], dtype=cr.float64, requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    x = cr.tensor([[1.0, 1.0], [1.0, 3.0]], dtype=cr.float64, requires_grad=True)
    x.std(1).sum().backward()
    assert x.grad[0].tolist() == [0.0, 0.0] and np.all(np.isfinite(x.grad._data))
    check_op(lambda T, x: x.std(1), lambda x: np.std(x, 1, ddof=1), [((3, 4),)],
             gradgrad=True)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "prod", "logsumexp", "norm",
                                  "softmax", "cumsum"])
@pytest.mark.parametrize("dim", [0, -1])
def test_zero_dim_tensor_accepts_dim_0_and_minus_1(name, dim):
    fn = {"amax": lambda T, x: T.amax(x, dim), "amin": lambda T, x: T.amin(x, dim),
          "logsumexp": lambda T, x: T.logsumexp(x, dim), "norm": lambda T, x: x.norm(dim=dim),
          "softmax": lambda T, x: T.softmax(x, dim)}.get(
        name, lambda T, x: getattr(x, name)(dim))
    check_op(fn, None, [((),)])
    with pytest.raises(IndexError):
        getattr(cr.tensor(1.0), "sum")(1)
