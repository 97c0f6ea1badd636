"""Local response normalisation, EmbeddingBag, the shrink / randomized activations and
dropouts, in-place functional activations, bilinear, pdist and gumbel_softmax: gradcheck
in float64, values and gradients against PyTorch when it is importable, and the errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck, gradgradcheck
from helpers import check_op, make

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _F(T):
    return T.nn.functional


# --- local response normalisation -----------------------------------------------------------
LRN_CASES = [
    ((2, 5, 6), dict(size=2)),
    ((2, 5, 6), dict(size=3, alpha=0.5, beta=0.6, k=2.0)),
    ((2, 4, 3, 3), dict(size=5, alpha=1.0, beta=0.75, k=1.0)),   # window wider than C
    ((1, 6, 2, 3), dict(size=1, alpha=2.0)),
    ((1, 3, 2, 2, 3), dict(size=2, alpha=0.3, beta=1.5, k=0.5)),  # 5-D
]


@pytest.mark.parametrize("shape,kw", LRN_CASES)
def test_local_response_norm(shape, kw):
    check_op(lambda T, x: _F(T).local_response_norm(x, **kw), shapes=[(shape,)],
             gradgrad=len(shape) < 5)


@needs_torch
def test_local_response_norm_layer_float32():
    a = make((2, 6, 5, 5), seed=1, dtype=np.float32)
    m, tm = nn.LocalResponseNorm(3, alpha=0.1), torch.nn.LocalResponseNorm(3, alpha=0.1)
    x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = m(x), tm(t)
    assert y.dtype == cr.float32 and repr(m) == repr(tm)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_local_response_norm_errors_and_empty():
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(cr.randn(3, 4), 2)
    e = cr.zeros(0, 3, 4)
    assert F.local_response_norm(e, 2) is e


@pytest.mark.parametrize("channels,size", [(7, 3), (7, 4), (5, 5), (3, 8), (1, 2), (6, 1)])
def test_cross_map_lrn2d_matches_torch_outputs(channels, size):
    a = make((2, channels, 3, 2), seed=channels)
    kw = dict(alpha=0.7, beta=0.75, k=1.3)
    x = cr.tensor(a, requires_grad=True)
    assert gradcheck(lambda x: nn.CrossMapLRN2d(size, **kw)(x), [x])
    if torch is not None:
        # outputs equal PyTorch's (its windows, channel 0 included); its hand-written
        # backward does not match its own output's derivative, so gradients are not compared
        y = nn.CrossMapLRN2d(size, **kw)(x)
        ty = torch.nn.CrossMapLRN2d(size, **kw)(torch.tensor(a))
        np.testing.assert_allclose(y.detach().numpy(), ty.numpy(), rtol=1e-12, atol=1e-14)
        assert repr(nn.CrossMapLRN2d(size, **kw)) == repr(torch.nn.CrossMapLRN2d(size, **kw))


def test_cross_map_lrn2d_errors():
    with pytest.raises(ValueError, match="CrossMapLRN2d: Expected input to be 4D, got 3D"):
        nn.CrossMapLRN2d(3)(cr.randn(2, 3, 4))


# --- EmbeddingBag -------------------------------------------------------------------------
IDX1 = [4, 1, 1, 7, 0, 3, 5, 2, 7]
BAG_CASES = [
    # (input, offsets, kwargs)
    (IDX1, [0, 2, 2, 5], dict(mode="sum")),
    (IDX1, [0, 2, 2, 5], dict(mode="mean")),
    (IDX1, [0, 2, 2, 5], dict(mode="max")),
    (IDX1, [0, 3, 9], dict(mode="mean", include_last_offset=True)),   # CSR offsets
    (IDX1, [0, 3, 3, 9], dict(mode="max", include_last_offset=True)),
    (IDX1, [0, 4], dict(mode="sum", padding_idx=1)),
    (IDX1, [0, 1, 3, 9], dict(mode="mean", padding_idx=1)),   # bag [1, 1]: only padding
    (IDX1, [0, 1, 3, 9], dict(mode="max", padding_idx=-7)),
    ([[1, 2, 3], [4, 4, 0], [7, 6, 5]], None, dict(mode="sum")),
    ([[1, 2, 3], [4, 4, 0], [7, 6, 5]], None, dict(mode="mean", padding_idx=4)),
    ([[1, 2, 3], [4, 4, 0], [7, 6, 5]], None, dict(mode="max")),
    ([], [0, 0], dict(mode="mean")),
]


@pytest.mark.parametrize("inp,offsets,kw", BAG_CASES)
def test_embedding_bag(inp, offsets, kw):
    def f(T, w):
        i = T.tensor(inp, dtype=T.int64)
        o = None if offsets is None else T.tensor(offsets, dtype=T.int64)
        return _F(T).embedding_bag(i, w, o, **kw)
    check_op(f, shapes=[((8, 3),)], gradgrad=True)


@pytest.mark.parametrize("two_d", [False, True])
def test_embedding_bag_per_sample_weights(two_d):
    inp, offsets = ([[4, 1, 1], [7, 0, 3]], None) if two_d else (IDX1, [0, 2, 2, 5])
    shape = (2, 3) if two_d else (len(IDX1),)

    def f(T, w, psw):
        i = T.tensor(inp, dtype=T.int64)
        o = None if offsets is None else T.tensor(offsets, dtype=T.int64)
        return _F(T).embedding_bag(i, w, o, mode="sum", per_sample_weights=psw, padding_idx=7)
    check_op(f, shapes=[((8, 3), shape)], gradgrad=True)


@needs_torch
def test_embedding_bag_layer_and_from_pretrained_float32():
    a = make((10, 4), seed=3, dtype=np.float32)
    inp, off = [1, 2, 4, 5, 4, 3, 2, 9], [0, 4]
    for kw in [dict(mode="sum"), dict(mode="mean", padding_idx=2), dict(mode="max"),
               dict(mode="sum", include_last_offset=True, max_norm=1.0)]:
        m = nn.EmbeddingBag.from_pretrained(cr.tensor(a), freeze=False, **kw)
        tm = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(a), freeze=False, **kw)
        o = off + [len(inp)] if kw.get("include_last_offset") else off
        y = m(cr.tensor(inp), cr.tensor(o))
        ty = tm(torch.tensor(inp), torch.tensor(o))
        assert y.dtype == cr.float32 and repr(m) == repr(tm)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5,
                                   atol=1e-6)
        (y * y).sum().backward()
        (ty * ty).sum().backward()
        np.testing.assert_allclose(m.weight.grad.numpy(), tm.weight.grad.numpy(), rtol=1e-5,
                                   atol=1e-6)
        # max_norm renormalised the looked-up rows in place, as in PyTorch
        np.testing.assert_allclose(m.weight.detach().numpy(), tm.weight.detach().numpy(),
                                   rtol=1e-6)
    frozen = nn.EmbeddingBag.from_pretrained(cr.tensor(a))
    assert not frozen.weight.requires_grad and frozen.mode == "mean"


def test_embedding_bag_layer_init():
    cr.manual_seed(0)
    m = nn.EmbeddingBag(6, 3, mode="sum", padding_idx=-1)
    assert m.padding_idx == 5 and np.all(m.weight.detach().numpy()[5] == 0)
    assert repr(m) == "EmbeddingBag(6, 3, mode='sum', padding_idx=5)"
    y = m(cr.tensor([[0, 5], [5, 5]]))
    np.testing.assert_allclose(y.detach().numpy(), [m.weight.detach().numpy()[0], [0, 0, 0]])
    assert nn.EmbeddingBag(4, 2, dtype=cr.float64).weight.dtype == cr.float64


def test_embedding_bag_scale_grad_by_freq():
    """Each row's gradient divided by its index's frequency in the input, as F.embedding
    with scale_grad_by_freq does. (PyTorch 2.x's embedding_bag counts some singletons
    twice, so its gradient is not the reference here.)"""
    a = make((6, 2), seed=0)
    inp = [0, 0, 0, 1, 2, 2, 5]
    for mode in ("sum", "mean"):
        w = cr.tensor(a, requires_grad=True)
        F.embedding_bag(cr.tensor(inp), w, cr.tensor([0, 4]), mode=mode).sum().backward()
        plain = w.grad.numpy().copy()
        w.grad = None
        F.embedding_bag(cr.tensor(inp), w, cr.tensor([0, 4]), mode=mode,
                        scale_grad_by_freq=True).sum().backward()
        freq = np.maximum(np.bincount(inp, minlength=6), 1)[:, None]
        np.testing.assert_allclose(w.grad.numpy(), plain / freq)


def test_embedding_bag_include_last_offset_short():
    """With include_last_offset, entries past offsets[-1] are in no bag, in every mode.
    (PyTorch documents offsets[-1] == len(input); past it its CPU kernel sums the short
    bag but divides by, or takes the max over, the whole tail, so it is no reference.)"""
    w = cr.arange(10.0).reshape(10, 1)
    i = cr.tensor(IDX1)
    for mode, want in [("sum", [6.0, 10.0]), ("mean", [2.0, 10 / 3]), ("max", [4.0, 7.0])]:
        y = F.embedding_bag(i, w, cr.tensor([0, 3, 6]), mode=mode, include_last_offset=True)
        np.testing.assert_allclose(y.numpy().ravel(), want)


def test_embedding_bag_errors():
    w = cr.randn(5, 2)
    i = cr.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match=r"offsets\[0\] has to be 0"):
        F.embedding_bag(i, w, cr.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=r"offsets\[-1\] can not be greater than input's "
                                           r"length 3"):
        F.embedding_bag(i, w, cr.tensor([0, 5]))
    with pytest.raises(ValueError, match="offsets has to be a 1D Tensor but got None"):
        F.embedding_bag(i, w)
    with pytest.raises(ValueError, match="if input is 2D, then offsets has to be None"):
        F.embedding_bag(i.reshape(1, 3), w, cr.tensor([0]))
    with pytest.raises(ValueError, match="mode has to be one of sum, mean or max"):
        F.embedding_bag(i, w, cr.tensor([0]), mode="median")
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(i, w, cr.tensor([0]), per_sample_weights=cr.ones(3))
    with pytest.raises(ValueError, match="must have the same shape as the input"):
        F.embedding_bag(i, w, cr.tensor([0]), mode="sum", per_sample_weights=cr.ones(2))
    with pytest.raises(IndexError, match=r"Index 2 of input takes value 7 which is not in the "
                                         r"valid range \[0, 5\)"):
        F.embedding_bag(cr.tensor([1, 2, 7]), w, cr.tensor([0]))
    with pytest.raises(ValueError, match="max mode does not support scaling"):
        F.embedding_bag(i, w, cr.tensor([0]), mode="max", scale_grad_by_freq=True)
    with pytest.raises(RuntimeError, match="'indices' to have one of the following scalar"):
        F.embedding_bag(cr.tensor([1.0]), cr.randn(5, 2), cr.tensor([0]))
