"""Declarative op oracle (DESIGN.md convention 10), shared by the test modules.

    check_op(lambda T, x, y: T.maximum(x, y), np.maximum, shapes=BINARY)

runs the op over a list of input-shape tuples and, for each, checks

1. the forward value against a NumPy reference (`ref`, optional),
2. the gradients against central finite differences in float64 (gradcheck),
3. optionally grad-of-grad (gradgradcheck),
4. forward values and gradients against PyTorch when it is importable.

`fn(T, *xs)` takes the library module first (`chainrule`, or `torch` for the parity
check), so one lambda serves both frameworks; Tensor methods have the same names.
"""
import os

import numpy as np

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck

try:  # optional oracle; never a dependency
    import torch
    torch.set_default_dtype(torch.float32)
except ImportError:  # pragma: no cover
    torch = None

# The shapes named by the design notes: scalar, single element, size-1 dim, 3-D, empty.
UNARY = [((),), ((1,),), ((3, 1),), ((2, 3, 4),), ((0, 3),)]
# Broadcast pairs, including scalars, size-1 dims, rank mismatch and an empty dim.
BINARY = [((), ()), ((3,), ()), ((), (2, 3)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)),
          ((1,), (2, 3)), ((2, 1, 3), (4, 1)), ((0, 3), (1, 3))]


def make(shape, low=-2.0, high=2.0, seed=0, away=None, dtype=np.float64):
    """Random values in [low, high); with `away=(points, margin)`, values are kept at
    least `margin` from each point (kinks where finite differences are meaningless)."""
    rng = np.random.default_rng(seed)
    a = rng.uniform(low, high, size=shape)
    if away is not None:
        points, margin = away
        for p in np.atleast_1d(points):
            close = np.abs(a - p) < margin
            a = np.where(close, p + np.where(a >= p, margin, -margin) * 1.5, a)
    return np.asarray(a, dtype=dtype)


def _tensors(arrays, requires_grad=True):
    return [cr.tensor(a, requires_grad=requires_grad and a.dtype.kind == "f") for a in arrays]


def _outs(y):
    if isinstance(y, (tuple, list)):
        return [o for o in y if o is not None]
    return [y]


def check_op(fn, ref=None, shapes=UNARY, *, low=-2.0, high=2.0, away=None, grad=True,
             gradgrad=False, vs_torch=True, atol=1e-5, rtol=1e-3, inputs=None):
    """Run `fn` over every shape tuple in `shapes` (or over explicit `inputs`, a list of
    tuples of float64 arrays) and check forward, gradients, grad-of-grad and torch."""
    cases = inputs if inputs is not None else [
        tuple(make(s, low, high, seed=i, away=away) for i, s in enumerate(shp))
        for shp in shapes]
    for arrays in cases:
        arrays = tuple(np.asarray(a) for a in arrays)
        where = f"shapes {[list(a.shape) for a in arrays]}"
        xs = _tensors(arrays)
        ys = _outs(fn(cr, *xs))
        if ref is not None:
            exp = _outs(ref(*[a.copy() for a in arrays]))
            assert len(exp) == len(ys), where
            for y, e in zip(ys, exp):
                e = np.asarray(e)
                assert tuple(y.shape) == e.shape, f"{where}: shape {tuple(y.shape)} != {e.shape}"
                np.testing.assert_allclose(y._data, e, rtol=1e-7, atol=1e-9, err_msg=where)
        diff = [x for x in xs if x.requires_grad]
        if grad and diff and any(y.requires_grad for y in ys):
            assert gradcheck(lambda *a: fn(cr, *a), xs, atol=atol, rtol=rtol), where
            if gradgrad:
                assert gradgradcheck(lambda *a: fn(cr, *a), xs, atol=atol, rtol=rtol), where
        if vs_torch and torch is not None:
            compare_torch(fn, arrays, grad=grad, where=where)


def compare_torch(fn, arrays, *, grad=True, where="", atol=1e-8, rtol=1e-6):
    """Forward values, dtypes and (weighted-sum) gradients against PyTorch."""
    xs = _tensors(arrays, grad)
    ts = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrays]
    ys, tys = _outs(fn(cr, *xs)), _outs(fn(torch, *ts))
    assert len(ys) == len(tys), where
    loss, tloss = None, None
    rng = np.random.default_rng(123)
    for y, ty in zip(ys, tys):
        assert tuple(y.shape) == tuple(ty.shape), f"{where}: {tuple(y.shape)} vs torch " \
                                                  f"{tuple(ty.shape)}"
        assert str(y.dtype).split(".")[-1] == str(ty.dtype).split(".")[-1], \
            f"{where}: dtype {y.dtype} vs torch {ty.dtype}"
        np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"forward vs torch, {where}")
        if grad and y.requires_grad and ty.requires_grad:
            w = rng.standard_normal(tuple(y.shape))
            term, tterm = (y * cr.tensor(w, dtype=y.dtype)).sum(), \
                (ty * torch.tensor(w, dtype=ty.dtype)).sum()
            loss = term if loss is None else loss + term
            tloss = tterm if tloss is None else tloss + tterm
    if loss is None:
        return
    loss.backward()
    tloss.backward()
    for k, (x, t) in enumerate(zip(xs, ts)):
        if not x.requires_grad:
            continue
        g = None if x.grad is None else x.grad._data
        tg = None if t.grad is None else t.grad.numpy()
        if g is None or tg is None:  # one side may leave an unused input's grad unset
            other = tg if g is None else g
            assert other is None or not np.any(other), f"{where}: grad {k} missing"
            continue
        np.testing.assert_allclose(g, tg, rtol=rtol, atol=atol,
                                   err_msg=f"grad of input {k} vs torch, {where}")


def pngs_ok(res):
    """A demo's result (chainrule.demos.DemoResult) wrote figures, each a real PNG of some
    size (not an empty or failed save)."""
    assert res.figures, f"{res.name} wrote no figure"
    for f in res.figures:
        assert os.path.getsize(f) > 5000, f
        with open(f, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n", f
