"""Cumulative ops, order statistics, histograms / searching and the axis= / keepdims=
aliases (issue 10): values, indices and dtypes against torch, gradients by gradcheck in
float64 and against torch."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_op, compare_torch, make

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _distinct(shape, seed=0):
    """Values without ties (order statistics are kinks at ties)."""
    n = int(np.prod(shape)) if shape else 1
    rng = np.random.default_rng(seed)
    return (rng.permutation(n).astype(np.float64) * 0.37 - n * 0.1).reshape(shape)


SHAPES = [((5,),), ((3, 4),), ((2, 3, 4),)]
DIST = [tuple(_distinct(s, i) for i, s in enumerate(shp)) for shp in SHAPES]

CUM_OPS = {
    "cummax_v": lambda T, x: T.cummax(x, 0).values,
    "cummax_dim_last": lambda T, x: x.cummax(-1)[0],
    "cummin_v": lambda T, x: T.cummin(x, -1).values,
    "logcumsumexp": lambda T, x: T.logcumsumexp(x, 0),
    "logcumsumexp_last": lambda T, x: x.logcumsumexp(-1),
    "cumprod": lambda T, x: T.cumprod(x, 0),
    "cumprod_last": lambda T, x: x.cumprod(-1),
}


@pytest.mark.parametrize("name", list(CUM_OPS))
def test_cumulative(name):
    check_op(CUM_OPS[name], inputs=DIST + [(make(()),)], gradgrad=True)


@needs_torch
@pytest.mark.parametrize("dt", ["float32", "float64", "int64", "int32"])
@pytest.mark.parametrize("op", ["cummax", "cummin"])
def test_cummax_cummin_indices_ties_nan_like_torch(op, dt):
    v = np.array([[1, 3, 3, 2, 5, 5, 0, 1], [4, 4, 4, 1, 1, 9, 9, 2]], np.float64)
    if dt.startswith("float"):
        v[0, 4] = v[1, 1] = np.nan
    c = getattr(cr, op)(cr.tensor(v).to(getattr(cr, dt)), 1)
    t = getattr(torch, op)(torch.tensor(v).to(getattr(torch, dt)), 1)
    np.testing.assert_array_equal(c.values.numpy(), t.values.numpy())
    np.testing.assert_array_equal(c.indices.numpy(), t.indices.numpy())
    assert c.indices.dtype == cr.int64 and str(c.values.dtype).endswith(dt)
    # ties: the gradient goes to the index PyTorch picks
    x = cr.tensor(v[:, :4] * 0 + [[1.0, 3, 3, 2]], dtype=cr.float64, requires_grad=True)
    getattr(cr, op)(x, 1).values.sum().backward()
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    getattr(torch, op)(tx, 1).values.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@needs_torch
def test_cumprod_gradient_at_zeros_like_torch():
    for v in ([2.0, 0.0, 3.0, 4.0], [0.0, 2.0, 3.0], [2.0, 3.0, 0.0], [0.0, 0.0, 2.0],
              [1.5, 0.0, 2.0, 0.0, 3.0], [[0.0, 1.0, 2.0], [3.0, 4.0, 0.0]]):
        v = np.array(v)
        for dim in range(v.ndim):
            compare_torch(lambda T, x: T.cumprod(x, dim), [v])
            check_op(lambda T, x: T.cumprod(x, dim), inputs=[(v,)], vs_torch=False)
    c = cr.cumprod(cr.tensor([1, 2, 3], dtype=cr.int32), 0)
    assert c.dtype == cr.int64 and c.tolist() == [1, 2, 6]


@needs_torch
def test_logcumsumexp_extremes_like_torch():
    v = np.array([-1000.0, 0.0, 1000.0, -np.inf, 3.0, 1e-300])
    compare_torch(lambda T, x: T.logcumsumexp(x, 0), [v])
    v = np.array([-np.inf, -np.inf, 1.0])
    c = cr.logcumsumexp(cr.tensor(v), 0)
    np.testing.assert_array_equal(c.numpy(), torch.logcumsumexp(torch.tensor(v), 0).numpy())


# --- order statistics -------------------------------------------------------------------
ORDER_OPS = {
    "median_all": lambda T, x: T.median(x),
    "median_dim": lambda T, x: T.median(x, -1).values,
    "median_dim_keep": lambda T, x: x.median(0, keepdim=True)[0],
    "nanmedian_dim": lambda T, x: T.nanmedian(x, 0).values,
    "kthvalue": lambda T, x: T.kthvalue(x, 2, -1).values,
    "kthvalue_keep": lambda T, x: x.kthvalue(1, 0, True)[0],
    "quantile": lambda T, x: T.quantile(x, 0.3),
    "quantile_dim": lambda T, x: T.quantile(x, 0.7, dim=-1),
    "quantile_q_tensor": lambda T, x: T.quantile(x, T.tensor([0.1, 0.5, 0.9], dtype=x.dtype),
                                                 dim=0, keepdim=True),
    "nanquantile": lambda T, x: T.nanquantile(x, 0.25, dim=0),
    "nanmean": lambda T, x: T.nanmean(x, 0),
    "nansum": lambda T, x: x.nansum(-1),
    "amax": lambda T, x: T.amax(x, -1),
    "aminmax_min": lambda T, x: T.aminmax(x, dim=0).min,
    "aminmax_max": lambda T, x: T.aminmax(x).max,
}


@pytest.mark.parametrize("name", list(ORDER_OPS))
def test_order_statistics(name):
    check_op(ORDER_OPS[name], inputs=DIST, gradgrad=True)


@needs_torch
@pytest.mark.parametrize("interp", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("fn", ["quantile", "nanquantile"])
def test_quantile_interpolations_like_torch(fn, interp):
    rng = np.random.default_rng(3)
    v = rng.standard_normal((4, 7))
    if fn == "nanquantile":
        v[0, 2] = v[1, :3].fill(np.nan) or np.nan
        v[2, :] = np.nan
    q = np.array([0.0, 0.25, 0.5, 0.6, 1.0])
    for dim, keep in [(None, False), (None, True), (1, False), (0, True), (-1, True)]:
        for qq in (0.5, q):
            tq = torch.tensor(qq) if isinstance(qq, np.ndarray) else qq
            cq = cr.tensor(qq) if isinstance(qq, np.ndarray) else qq
            t = getattr(torch, fn)(torch.tensor(v), tq, dim=dim, keepdim=keep,
                                   interpolation=interp)
            c = getattr(cr, fn)(cr.tensor(v), cq, dim=dim, keepdim=keep, interpolation=interp)
            assert tuple(c.shape) == tuple(t.shape), (dim, keep, qq)
            np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-12, equal_nan=True)


@needs_torch
def test_median_mode_kthvalue_indices_like_torch():
    v = np.array([[3.0, 1.0, 2.0, 5.0], [4.0, 4.0, 1.0, 0.0], [7.0, np.nan, 1.0, 2.0]])
    t, c = torch.tensor(v), cr.tensor(v)
    for dim in (0, 1, -1):
        for fn in ("median", "nanmedian"):
            tr, cr_ = getattr(torch, fn)(t, dim), getattr(cr, fn)(c, dim)
            np.testing.assert_array_equal(cr_.values.numpy(), tr.values.numpy())
            if fn == "nanmedian" or dim != 1:
                np.testing.assert_array_equal(cr_.indices.numpy(), tr.indices.numpy())
    for fn in ("median", "nanmedian"):
        np.testing.assert_array_equal(getattr(cr, fn)(c).numpy(), getattr(torch, fn)(t).numpy())
    even = np.array([4.0, 1.0, 3.0, 2.0])  # the lower of the two middles
    assert cr.median(cr.tensor(even)).item() == torch.median(torch.tensor(even)).item() == 2.0
    m = np.array([[3, 1, 3, 1, 2], [5, 5, 2, 2, 2], [0, 1, 2, 3, 4]])
    tr, cr_ = torch.mode(torch.tensor(m), 1), cr.mode(cr.tensor(m), 1)
    np.testing.assert_array_equal(cr_.values.numpy(), tr.values.numpy())
    np.testing.assert_array_equal(cr_.indices.numpy(), tr.indices.numpy())
    tr, cr_ = torch.mode(torch.tensor(m), 0), cr.mode(cr.tensor(m), 0)
    np.testing.assert_array_equal(cr_.values.numpy(), tr.values.numpy())
    k = _distinct((3, 5))
    for kk in (1, 3, 5):
        tr, cr_ = torch.kthvalue(torch.tensor(k), kk, 1), cr.kthvalue(cr.tensor(k), kk, 1)
        np.testing.assert_array_equal(cr_.values.numpy(), tr.values.numpy())
        np.testing.assert_array_equal(cr_.indices.numpy(), tr.indices.numpy())
    with pytest.raises(IndexError):
        cr.kthvalue(cr.tensor(k), 6, 1)
    # the global median's gradient is split among the elements equal to it (PyTorch)
    x = cr.tensor([2.0, 1.0, 2.0, 3.0], requires_grad=True)
    cr.median(x).backward()
    tx = torch.tensor([2.0, 1.0, 2.0, 3.0], requires_grad=True)
    torch.median(tx).backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@needs_torch
def test_nan_reductions_and_aminmax_like_torch():
    v = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan], [4.0, 5.0, 6.0]])
    for fn in ("nansum", "nanmean"):
        for kw in ({}, dict(dim=1), dict(dim=0, keepdim=True), dict(dim=(0, 1))):
            np.testing.assert_allclose(getattr(cr, fn)(cr.tensor(v), **kw).numpy(),
                                       getattr(torch, fn)(torch.tensor(v), **kw).numpy(),
                                       equal_nan=True)
    compare_torch(lambda T, x: T.nansum(x, 1), [v])
    for kw in ({}, dict(dim=1), dict(dim=0, keepdim=True)):
        a = cr.aminmax(cr.tensor(_distinct((3, 4))), **kw)
        b = torch.aminmax(torch.tensor(_distinct((3, 4))), **kw)
        np.testing.assert_array_equal(a.min.numpy(), b.min.numpy())
        np.testing.assert_array_equal(a.max.numpy(), b.max.numpy())
    assert cr.count_nonzero(cr.tensor([[0, 1], [2, 0]]), dim=-1).tolist() == [1, 1]
    assert cr.count_nonzero(cr.tensor([[0, 1], [2, 0]]), dim=(0, 1)).item() == 2
    assert cr.count_nonzero(cr.tensor(3)).item() == 1


# --- histograms and searching -----------------------------------------------------------
@needs_torch
def test_histc_bincount_like_torch():
    rng = np.random.default_rng(4)
    for dt in ("float32", "float64"):
        v = rng.standard_normal(200).astype(dt)
        for kw in ({}, dict(bins=7), dict(bins=5, min=-1, max=1), dict(bins=3, min=2, max=2)):
            c = cr.histc(cr.tensor(v), **kw)
            t = torch.histc(torch.tensor(v), **kw)
            assert str(c.dtype).endswith(dt)
            np.testing.assert_array_equal(c.numpy(), t.numpy())
    np.testing.assert_array_equal(cr.tensor([1.0, 1.0]).histc(4).numpy(),
                                  torch.tensor([1.0, 1.0]).histc(4).numpy())
    ints = rng.integers(0, 6, 30)
    w = rng.standard_normal(30)
    for kw in ({}, dict(minlength=10)):
        np.testing.assert_array_equal(cr.bincount(cr.tensor(ints), **kw).numpy(),
                                      torch.bincount(torch.tensor(ints), **kw).numpy())
    for wd in ("float32", "float64"):
        c = cr.tensor(ints).bincount(cr.tensor(w.astype(wd)))
        t = torch.tensor(ints).bincount(torch.tensor(w.astype(wd)))
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6)
    assert cr.bincount(cr.tensor([], dtype=cr.int64)).shape == (0,)
    with pytest.raises(RuntimeError, match="non-negative"):
        cr.bincount(cr.tensor([-1, 2]))


@needs_torch
def test_searchsorted_bucketize_like_torch():
    seq = np.array([1.0, 3.0, 3.0, 5.0, 7.0])
    vals = np.array([[0.0, 3.0, 6.0], [7.0, 8.0, 1.0]])
    for kw in ({}, dict(right=True), dict(side="right"), dict(side="left"),
               dict(out_int32=True)):
        c = cr.searchsorted(cr.tensor(seq), cr.tensor(vals), **kw)
        t = torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw)
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert cr.searchsorted(cr.tensor(seq), 4.0).item() == 3
    batched = np.sort(np.random.default_rng(2).standard_normal((2, 3, 6)), -1)
    q = np.random.default_rng(3).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(
        cr.searchsorted(cr.tensor(batched), cr.tensor(q), right=True).numpy(),
        torch.searchsorted(torch.tensor(batched), torch.tensor(q), right=True).numpy())
    unsorted = np.array([5.0, 1.0, 3.0, 7.0])
    sorter = np.argsort(unsorted)
    np.testing.assert_array_equal(
        cr.searchsorted(cr.tensor(unsorted), cr.tensor([2.0, 6.0]), sorter=cr.tensor(sorter)).numpy(),
        torch.searchsorted(torch.tensor(unsorted), torch.tensor([2.0, 6.0]),
                           sorter=torch.tensor(sorter)).numpy())
    with pytest.raises(RuntimeError, match="opposites"):
        cr.searchsorted(cr.tensor(seq), cr.tensor(vals), right=True, side="left")
    for kw in ({}, dict(right=True), dict(out_int32=True)):
        c = cr.bucketize(cr.tensor(vals), cr.tensor(seq), **kw)
        t = torch.bucketize(torch.tensor(vals), torch.tensor(seq), **kw)
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    assert cr.bucketize(3.0, cr.tensor(seq)).item() == torch.bucketize(3.0, torch.tensor(seq)).item()


# --- axis= / keepdims= ------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("call", [
    lambda T, x: x.max(axis=1).values, lambda T, x: x.min(axis=0, keepdims=True).indices,
    lambda T, x: (x > 0).any(axis=0), lambda T, x: (x > 0).all(axis=1, keepdims=True),
    lambda T, x: x.var(axis=1), lambda T, x: x.std(axis=0, keepdims=True),
    lambda T, x: x.sum(axis=1, keepdims=True), lambda T, x: T.mean(x, axis=0),
    lambda T, x: x.prod(axis=1), lambda T, x: x.argmax(axis=1), lambda T, x: T.argmin(x, axis=0),
    lambda T, x: T.amax(x, axis=1, keepdims=True), lambda T, x: x.amin(axis=0),
    lambda T, x: T.logsumexp(x, axis=1), lambda T, x: x.norm(dim=1),
    lambda T, x: T.cumsum(x, axis=1), lambda T, x: x.cumprod(axis=0),
    lambda T, x: T.softmax(x, axis=1), lambda T, x: x.median(axis=1).values,
    lambda T, x: T.nansum(x, axis=0), lambda T, x: T.count_nonzero(x, axis=1),
    lambda T, x: T.max(x, axis=1, keepdims=True).values, lambda T, x: x.squeeze(axis=0),
    lambda T, x: T.cat([x, x], axis=1), lambda T, x: T.quantile(x, 0.5, axis=0),
    lambda T, x: x.logcumsumexp(axis=1), lambda T, x: T.cummax(x, axis=0).indices])
def test_axis_keepdims_aliases(call):
    v = _distinct((3, 4))
    c, t = call(cr, cr.tensor(v)), call(torch, torch.tensor(v))
    assert tuple(c.shape) == tuple(t.shape)
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-12)
