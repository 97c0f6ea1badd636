"""Indexing exactly as PyTorch (mixed int / slice / None / Ellipsis / tensor / bool keys,
get and set, forward and backward), scatter / scatter_add with an index smaller than src,
scatter_reduce, index_add / index_copy / index_fill / index_put, masked_scatter,
take_along_dim and nonzero on 0-d tensors (issue 10)."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_op, compare_torch

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

I1, I2 = np.array([0, 2]), np.array([1, 0])
B3 = np.array([True, False, True])
KEYS = {
    "idx_slice_none_idx": (I1, slice(None), None, I2),
    "int_slice_idx": (0, slice(None), I2),
    "slice_idx_int": (slice(None), I1, 1),
    "idx_int_idx": (I1, 1, I2),
    "int_idx_adjacent": (1, I1, I2),
    "idx_slice_int": (I1, slice(None), 0),
    "ellipsis_idx_int": (Ellipsis, I2, 1),
    "idx_ellipsis_int": (I1, Ellipsis, 0),
    "none_int_idx": (None, 1, slice(None), I2),
    "idx_none_idx": (I1, None, I2),
    "bool_int": (B3, 1),
    "int_bool_mask": (1, B3),
    "true_int_idx": (True, 0, I2),
    "idx_true": (I1, True),
    "tensor0d_slice_idx": ("t0", slice(None), I2),
    "int_2d_idx": (1, np.array([[0, 1], [2, 2]])),
    "idx2d_slice_int": (np.array([[0, 1], [2, 0]]), slice(1, 3), 2),
    "neg_int_step_idx": (-1, slice(None, None, -1), I2) if False else (-1, slice(0, 3, 2), I2),
    "list_int": ([0, 2, 2], 1),
    "int_int_idx": (0, 1, I2),
    "plain_ellipsis_none": (Ellipsis, None, 1),
}


def _key(T, key):
    out = []
    for k in key:
        if isinstance(k, np.ndarray):
            out.append(T.tensor(k))
        elif isinstance(k, str):
            out.append(T.tensor(1))
        else:
            out.append(k)
    return tuple(out)


@needs_torch
@pytest.mark.parametrize("name", list(KEYS))
def test_getitem_like_torch(name):
    key = KEYS[name]
    v = np.arange(3 * 3 * 4, dtype=np.float64).reshape(3, 3, 4) * 0.5
    compare_torch(lambda T, x: x[_key(T, key)], [v])
    check_op(lambda T, x: x[_key(T, key)], inputs=[(v,)], gradgrad=True, vs_torch=False)


@needs_torch
@pytest.mark.parametrize("name", list(KEYS))
def test_setitem_like_torch(name):
    key = KEYS[name]
    v = np.arange(3 * 3 * 4, dtype=np.float64).reshape(3, 3, 4)
    tshape = tuple(torch.zeros(3, 3, 4)[_key(torch, key)].shape)
    rng = np.random.default_rng(0)
    val = rng.standard_normal(tshape)

    def run(T):
        x = T.tensor(v, requires_grad=True)
        w = T.tensor(val, requires_grad=True)
        y = x * 1.0
        y[_key(T, key)] = w * 2.0
        (y * T.tensor(np.arange(v.size).reshape(v.shape) % 5, dtype=T.float64)).sum().backward()
        return y.detach().numpy(), x.grad.numpy(), w.grad.numpy()
    for a, b in zip(run(cr), run(torch)):
        np.testing.assert_allclose(a, b, err_msg=name)
    # a number, and no grad
    x, t = cr.tensor(v), torch.tensor(v)
    x[_key(cr, key)] = -1.0
    t[_key(torch, key)] = -1.0
    np.testing.assert_array_equal(x.numpy(), t.numpy())


# --- scatter / scatter_add --------------------------------------------------------------
@needs_torch
def test_scatter_with_smaller_index_and_duplicates_like_torch():
    src = np.arange(1.0, 13.0).reshape(3, 4)
    cases = [(0, np.array([[0, 1], [1, 0]])), (1, np.array([[0, 0], [1, 1]])),
             (0, np.array([[2, 2, 2]])), (1, np.array([[3], [0], [3]]))]
    for dim, idx in cases:
        for fn in ("scatter", "scatter_add"):
            # forward against torch; torch's own backward refuses a src larger than index
            # (its src gradient comes back index-shaped), so gradients are gradchecked
            compare_torch(lambda T, x, s: getattr(x, fn)(dim, T.tensor(idx), s),
                          [np.zeros((3, 4)), src], grad=False)
            targets = np.stack([idx if dim == 0 else np.indices(idx.shape)[0],
                                idx if dim == 1 else np.indices(idx.shape)[1]]).reshape(2, -1)
            if fn == "scatter_add" or len(set(map(tuple, targets.T))) == idx.size:
                # (with duplicate targets PyTorch's src gradient reaches every duplicate, not
                # just the one written last: it is compared with torch below, not gradchecked)
                check_op(lambda T, x, s: getattr(x, fn)(dim, T.tensor(idx), s),
                         inputs=[(np.zeros((3, 4)), src)], vs_torch=False)
            s_small = src[tuple(slice(0, n) for n in idx.shape)]
            compare_torch(lambda T, x, s: getattr(x, fn)(dim, T.tensor(idx), s),
                          [np.zeros((3, 4)), s_small])
        # a value instead of src: written once per target, never summed
        c = cr.zeros(3, 4).scatter(dim, cr.tensor(idx), 1.5)
        t = torch.zeros(3, 4).scatter(dim, torch.tensor(idx), 1.5)
        np.testing.assert_array_equal(c.numpy(), t.numpy())
        for red in ("add", "multiply"):
            c = cr.ones(3, 4).scatter(dim, cr.tensor(idx), cr.tensor(src, dtype=cr.float32),
                                      reduce=red)
            t = torch.ones(3, 4).scatter(dim, torch.tensor(idx),
                                         torch.tensor(src, dtype=torch.float32), reduce=red)
            np.testing.assert_array_equal(c.numpy(), t.numpy())
    x = cr.zeros(3, 4)
    assert x.scatter_(0, cr.tensor([[1, 2]]), 5.0) is x
    assert x[1, 0].item() == 5.0 and x[2, 1].item() == 5.0
    check_op(lambda T, x, s: x.scatter(1, T.tensor([[0, 2], [1, 3]]), s),
             inputs=[(np.zeros((2, 4)), np.ones((3, 3)))], gradgrad=True, vs_torch=False)


@needs_torch
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_like_torch(reduce, include_self):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    src = rng.standard_normal((4, 4))
    idx = np.array([[0, 1, 2, 0], [0, 1, 1, 2], [2, 2, 0, 1]])
    compare_torch(lambda T, a, s: a.scatter_reduce(0, T.tensor(idx), s, reduce,
                                                   include_self=include_self), [x, src],
                  grad=False)
    compare_torch(lambda T, a, s: a.scatter_reduce(0, T.tensor(idx), s, reduce,
                                                   include_self=include_self), [x, src[:3]])
    check_op(lambda T, a, s: T.scatter_reduce(a, 0, T.tensor(idx), s, reduce,
                                              include_self=include_self),
             inputs=[(x, src)], vs_torch=False, gradgrad=reduce != "prod")
    # ties and zeros: amax / amin split evenly, prod is exact at zeros
    xt = np.array([[1.0, 0.0, 2.0]])
    st = np.array([[1.0, 0.0, 2.0], [1.0, 3.0, 0.0]])
    it = np.array([[0, 0, 0], [0, 0, 0]])
    compare_torch(lambda T, a, s: a.scatter_reduce(0, T.tensor(it), s, reduce,
                                                   include_self=include_self), [xt, st])
    ints = cr.tensor([[1, 2, 3]]).scatter_reduce(0, cr.tensor([[0, 0, 0]]), cr.tensor([[4, 5, 6]]),
                                                 reduce, include_self=include_self)
    tints = torch.tensor([[1, 2, 3]]).scatter_reduce(0, torch.tensor([[0, 0, 0]]),
                                                     torch.tensor([[4, 5, 6]]), reduce,
                                                     include_self=include_self)
    np.testing.assert_array_equal(ints.numpy(), tints.numpy())


# --- index_* ----------------------------------------------------------------------------
INDEX_OPS = {
    "index_add": lambda T, x, s: x.index_add(1, T.tensor([0, 2, 0]), s),
    "index_add_alpha": lambda T, x, s: T.index_add(x, 1, T.tensor([3, 1, 3]), s, alpha=-2.0),
    "index_copy": lambda T, x, s: x.index_copy(1, T.tensor([2, 0, 3]), s),
    "index_fill": lambda T, x, s: x.index_fill(1, T.tensor([1, 3, 1]), -2.0) + s.sum(),
    "index_fill_tensor": lambda T, x, s: x.index_fill(1, T.tensor([1, 3, 1]), s[0, 0]),
    "index_put": lambda T, x, s: x.index_put((T.tensor([0, 1, 1]), T.tensor([2, 0, 3])), s[0]),
    "index_put_acc": lambda T, x, s: x.index_put((T.tensor([0, 1, 1]), T.tensor([2, 0, 0])),
                                                 s[0], accumulate=True),
    "index_put_bcast": lambda T, x, s: T.index_put(x, (T.tensor([1]),), s[0, :1] * 1.0,
                                                   accumulate=True),
    "masked_scatter": lambda T, x, s: x.masked_scatter(
        T.tensor([[True, False, True, False], [False, True, True, True]]), s),
    "masked_scatter_bcast": lambda T, x, s: x.masked_scatter(
        T.tensor([True, False, False, True]), s),
    "take_along_dim": lambda T, x, s: T.take_along_dim(x, T.tensor([[0, 3], [2, 2]]), 1) * s[:, :2],
    "take_along_dim_bcast": lambda T, x, s: T.take_along_dim(x, T.tensor([[1, 0, 1, 1]]), dim=0),
    "take_along_dim_flat": lambda T, x, s: x.take_along_dim(T.tensor([7, 0, 7])),
}


@pytest.mark.parametrize("name", list(INDEX_OPS))
def test_index_ops(name):
    rng = np.random.default_rng(2)
    x, s = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    check_op(INDEX_OPS[name], inputs=[(x, s)], gradgrad=True)


@needs_torch
@pytest.mark.parametrize("name", ["index_add_", "index_copy_", "index_fill_", "index_put_",
                                  "masked_scatter_", "scatter_add_", "scatter_reduce_"])
def test_index_in_place_like_torch(name):
    rng = np.random.default_rng(3)
    x, s = rng.standard_normal((2, 4)), rng.standard_normal((2, 3))
    args = {
        "index_add_": lambda T, s: (1, T.tensor([0, 2, 0]), s),
        "index_copy_": lambda T, s: (1, T.tensor([0, 2, 1]), s),
        "index_fill_": lambda T, s: (1, T.tensor([0, 2]), 3.0),
        "index_put_": lambda T, s: ((T.tensor([0, 1]), T.tensor([3, 3])), s[0, :2]),
        "masked_scatter_": lambda T, s: (T.tensor([[True, False, True, False]] * 2), s),
        "scatter_add_": lambda T, s: (1, T.tensor([[0, 1, 1], [3, 3, 0]]), s),
        "scatter_reduce_": lambda T, s: (1, T.tensor([[0, 1, 1], [3, 3, 0]]), s, "amax"),
    }[name]

    def run(T):
        a = T.tensor(x, requires_grad=True)
        b = T.tensor(s, requires_grad=True)
        y = a * 1.0
        assert getattr(y, name)(*args(T, b)) is y
        (y * T.tensor(np.arange(8.0).reshape(2, 4))).sum().backward()
        return y.detach().numpy(), a.grad.numpy(), b.grad.numpy() if b.grad is not None else 0
    for p, q in zip(run(cr), run(torch)):
        np.testing.assert_allclose(p, q, err_msg=name)


def test_index_op_errors():
    x = cr.zeros(2, 4)
    with pytest.raises(IndexError, match="out of bounds"):
        x.index_add(1, cr.tensor([4]), cr.ones(2, 1))
    with pytest.raises(RuntimeError, match="does not match"):
        x.index_copy(1, cr.tensor([0, 1]), cr.ones(2, 3))
    with pytest.raises(RuntimeError, match="at least 6 elements"):
        x.masked_scatter(cr.tensor([True, True, True, False]), cr.ones(2))
    with pytest.raises(RuntimeError, match="reduce argument"):
        x.scatter_reduce(0, cr.tensor([[0]]), cr.ones(1, 1), "max")


@needs_torch
def test_nonzero_on_0d_like_torch():
    for v in (5, 0, 2.5, 0.0, True, False):
        c, t = cr.nonzero(cr.tensor(v)), torch.nonzero(torch.tensor(v))
        assert tuple(c.shape) == tuple(t.shape)
        ct, tt = cr.tensor(v).nonzero(as_tuple=True), torch.tensor(v).nonzero(as_tuple=True)
        assert len(ct) == len(tt) and [a.tolist() for a in ct] == [a.tolist() for a in tt]
    assert tuple(cr.argwhere(cr.tensor([[0, 1], [1, 1]])).shape) == (3, 2)
