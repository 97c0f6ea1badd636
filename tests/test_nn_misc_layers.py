"""Local response normalisation, EmbeddingBag, the shrink / randomized activations and
dropouts, in-place functional activations, bilinear, pdist and gumbel_softmax: gradcheck
in float64, values and gradients against PyTorch when it is importable, and the errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
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


# --- shrink / randomized activations, feature alpha dropout ---------------------------------
@pytest.mark.parametrize("name,kw", [("hardshrink", {}), ("hardshrink", dict(lambd=1.2)),
                                     ("softshrink", {}), ("softshrink", dict(lambd=0.3))])
def test_shrink(name, kw):
    lambd = kw.get("lambd", 0.5)
    check_op(lambda T, x: getattr(_F(T), name)(x, **kw), shapes=[((2, 3, 4),), ((),)],
             low=-3, high=3, away=([lambd, -lambd], 0.05), gradgrad=True)


@needs_torch
def test_shrink_and_rrelu_layers():
    a = make((3, 5), seed=0, low=-3, high=3, dtype=np.float32)
    for m, tm in [(nn.Hardshrink(0.7), torch.nn.Hardshrink(0.7)),
                  (nn.Softshrink(), torch.nn.Softshrink()),
                  (nn.RReLU(0.1, 0.3).eval(), torch.nn.RReLU(0.1, 0.3).eval())]:
        assert repr(m) == repr(tm)
        y, ty = m(cr.tensor(a)), tm(torch.tensor(a))
        assert y.dtype == cr.float32
        np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="lambda must be greater or equal to 0"):
        F.softshrink(cr.randn(2), -1.0)


def test_rrelu_eval_and_training():
    check_op(lambda T, x: _F(T).rrelu(x, 0.1, 0.4, training=False), shapes=[((2, 5),)],
             away=(0.0, 0.05))
    a = make((400,), seed=1, away=(0.0, 0.05))
    cr.manual_seed(3)
    x = cr.tensor(a, requires_grad=True)
    y = F.rrelu(x, 0.1, 0.4, training=True)
    cr.manual_seed(3)
    y2 = F.rrelu(cr.tensor(a), 0.1, 0.4, training=True)
    np.testing.assert_array_equal(y.detach().numpy(), y2.numpy())   # seeded
    slope = y.detach().numpy() / a
    assert np.all(slope[a > 0] == 1)
    neg = slope[a < 0]
    assert neg.min() >= 0.1 and neg.max() <= 0.4 and neg.std() > 0.05  # one slope each
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slope)               # d(a x)/dx = a
    m = nn.RReLU(0.1, 0.4)
    assert m.training and not np.allclose(m(cr.tensor(a)).numpy()[a < 0] / a[a < 0], 0.25)
    m.eval()
    np.testing.assert_allclose(m(cr.tensor(a)).numpy()[a < 0] / a[a < 0], 0.25)
    x = cr.tensor(a, requires_grad=True)
    assert gradcheck(lambda x: (cr.manual_seed(0), F.rrelu(x, 0.1, 0.4, True))[1], [x])


def test_feature_alpha_dropout():
    cr.manual_seed(0)
    a = make((64, 32, 3, 3), seed=0)
    x = cr.tensor(a, requires_grad=True)
    y = F.feature_alpha_dropout(x, 0.3, training=True)
    yn = y.detach().numpy()
    alpha, p = 1.7580993408473766, 0.3
    ka = 1 / np.sqrt((alpha * alpha * p + 1) * (1 - p))
    kept = np.isclose(yn, a * ka + alpha * ka * p)
    dropped = np.isclose(yn, -alpha * ka + alpha * ka * p)
    assert np.all(kept | dropped)
    per_channel = kept.reshape(64, 32, -1)
    assert np.all(per_channel.all(-1) | (~per_channel).all(-1))  # whole channels
    assert abs(1 - kept.mean() - p) < 0.05
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), kept * ka)
    assert F.feature_alpha_dropout(x, 0.3, training=False) is x
    m = nn.FeatureAlphaDropout(0.2)
    assert repr(m) == "FeatureAlphaDropout(p=0.2, inplace=False)"
    m.eval()
    assert m(x) is x
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(cr.randn(4), 0.5, True)
    if torch is not None:
        t = torch.nn.FeatureAlphaDropout(0.3)(torch.tensor(a)).numpy()  # same two values
        assert np.all(np.isclose(t, a * ka + alpha * ka * p) |
                      np.isclose(t, -alpha * ka + alpha * ka * p))


# --- in-place functional activations --------------------------------------------------------
INPLACE = [("relu_", "relu", (), {}), ("elu_", "elu", (0.7,), {}),
           ("leaky_relu_", "leaky_relu", (0.2,), {}), ("hardtanh_", "hardtanh", (-0.5, 0.8), {}),
           ("selu_", "selu", (), {}), ("celu_", "celu", (1.5,), {}),
           ("threshold_", "threshold", (0.1, -2.0), {}),
           ("rrelu_", "rrelu", (0.1, 0.3), {})]


@pytest.mark.parametrize("name,plain,args,kw", INPLACE)
def test_inplace_functional(name, plain, args, kw):
    a = make((3, 4), seed=0, away=([0.0, 0.1, -0.5, 0.8], 0.05))
    x = cr.tensor(a)
    v = x._version[0]
    out = getattr(F, name)(x, *args, **kw)
    assert out is x and x._version[0] > v
    np.testing.assert_allclose(x.numpy(), getattr(F, plain)(cr.tensor(a), *args).numpy())
    # on a non-leaf: recorded, with the plain op's gradient (and PyTorch's)
    check_op(lambda T, x: getattr(_F(T), name)(x * 1, *args, **kw), inputs=[(a,)])
    leaf = cr.tensor(a, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(F, name)(leaf, *args)


# --- bilinear, pdist, gumbel_softmax --------------------------------------------------------
@pytest.mark.parametrize("s1,s2,bias", [((4, 3), (4, 5), True), ((2, 3, 3), (2, 3, 5), False),
                                        ((3,), (5,), True)])
def test_bilinear(s1, s2, bias):
    if bias:
        check_op(lambda T, a, b, w, c: _F(T).bilinear(a, b, w, c),
                 shapes=[(s1, s2, (2, 3, 5), (2,))], gradgrad=True)
    else:
        check_op(lambda T, a, b, w: _F(T).bilinear(a, b, w), shapes=[(s1, s2, (2, 3, 5))])


def test_bilinear_layer_uses_the_same_function_and_errors():
    m = nn.Bilinear(3, 5, 2)
    x1, x2 = cr.randn(4, 3), cr.randn(4, 5)
    np.testing.assert_allclose(m(x1, x2).detach().numpy(),
                               F.bilinear(x1, x2, m.weight, m.bias).detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="do not match weight size"):
        F.bilinear(cr.randn(4, 2), x2, m.weight)
    with pytest.raises(RuntimeError, match="same leading dimensions"):
        F.bilinear(cr.randn(3, 3), x2, m.weight)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, float("inf")])
def test_pdist(p):
    check_op(lambda T, x: _F(T).pdist(x, p), shapes=[((5, 3),), ((2, 4),)],
             gradgrad=p in (2, 3))


def test_pdist_edge_cases():
    assert tuple(F.pdist(cr.randn(1, 3)).shape) == (0,)
    with pytest.raises(RuntimeError, match="pdist only supports 2D tensors, got: 3D"):
        F.pdist(cr.randn(2, 2, 2))
    with pytest.raises(RuntimeError, match="non-negative p"):
        F.pdist(cr.randn(3, 2), -1)
    if torch is not None:
        a = make((4, 3), seed=2, dtype=np.float32)
        np.testing.assert_allclose(F.pdist(cr.tensor(a), 0).numpy(),
                                   torch.nn.functional.pdist(torch.tensor(a), 0).numpy())


def test_gumbel_softmax():
    logits = cr.tensor(np.log(np.array([[0.1, 0.2, 0.3, 0.4]])).repeat(20000, 0))
    cr.manual_seed(0)
    y = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(y.numpy().sum(-1), 1, rtol=1e-6)
    cr.manual_seed(0)
    np.testing.assert_array_equal(F.gumbel_softmax(logits, tau=0.5).numpy(), y.numpy())
    # the Gumbel-max trick: the argmax of a hard sample is distributed as softmax(logits)
    cr.manual_seed(1)
    h = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(h.numpy())) == {0.0, 1.0} and np.all(h.numpy().sum(-1) == 1)
    np.testing.assert_allclose(h.numpy().mean(0), [0.1, 0.2, 0.3, 0.4], atol=0.015)
    # straight-through: the hard sample's gradient is the soft sample's (same noise)
    x = cr.tensor(make((3, 5), seed=0), requires_grad=True)
    w = cr.tensor(make((3, 5), seed=1))
    cr.manual_seed(2)
    (F.gumbel_softmax(x, tau=0.7, hard=True, dim=0) * w).sum().backward()
    g_hard = x.grad.numpy().copy()
    x.grad = None
    cr.manual_seed(2)
    (F.gumbel_softmax(x, tau=0.7, dim=0) * w).sum().backward()
    np.testing.assert_allclose(g_hard, x.grad.numpy())
    assert gradcheck(lambda x: (cr.manual_seed(4), F.gumbel_softmax(x, tau=0.7))[1], [x])
