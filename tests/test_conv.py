"""Convolution, transposed convolution and pooling ops: gradcheck / gradgradcheck in float64
over strides, paddings ('same', 'valid', ints, tuples), dilations and groups; parity with
PyTorch (values and gradients) when it is importable; error messages; the nn layers."""
import math

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


@pytest.fixture(params=["per-sample GEMMs", "one GEMM"])
def gemm_path(request, monkeypatch):
    """Run a test through both product layouts of functions/conv.py: per-sample GEMMs
    (many output positions) and one GEMM over the batch (few positions)."""
    from chainrule.functions import conv
    monkeypatch.setattr(conv, "_FEW_POSITIONS", 0 if request.param == "per-sample GEMMs"
                        else 10 ** 9)
    return request.param


# --- conv2d: gradients over the geometry --------------------------------------------------
CONV2D_CASES = [
    # (x shape, w shape, kwargs)
    ((2, 3, 6, 5), (4, 3, 3, 3), dict()),
    ((2, 3, 7, 6), (4, 3, 3, 2), dict(stride=2, padding=1)),
    ((1, 2, 7, 7), (3, 2, 3, 3), dict(stride=(2, 1), padding=(0, 2), dilation=(1, 2))),
    ((2, 2, 6, 6), (2, 2, 3, 3), dict(padding="same")),
    ((1, 2, 6, 7), (2, 2, 4, 2), dict(padding="same", dilation=(1, 2))),  # even: pad right
    ((2, 2, 5, 5), (3, 2, 5, 5), dict(padding="valid")),
    ((2, 4, 6, 6), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ((1, 6, 5, 5), (6, 1, 3, 3), dict(groups=6, stride=2, padding=1)),        # depthwise
    ((1, 4, 8, 8), (4, 2, 2, 3), dict(groups=2, stride=(3, 2), dilation=2, padding=(1, 0))),
    ((1, 3, 4, 4), (2, 3, 1, 1), dict()),                                     # 1x1
    ((1, 2, 7, 6), (2, 2, 3, 2), dict(dilation=(3, 5))),          # one dilated window
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note on even kernels
@pytest.mark.parametrize("xs,ws,kw", CONV2D_CASES)
def test_conv2d_gradcheck_and_torch(xs, ws, kw, gemm_path):
    b = (ws[0],)
    check_op(lambda T, x, w, bb: _F(T).conv2d(x, w, bb, **kw), shapes=[(xs, ws, b)])


@pytest.mark.parametrize("xs,ws,kw", [
    ((1, 2, 5, 4), (2, 2, 3, 2), dict(stride=2, padding=1)),
    ((1, 2, 4, 5), (2, 2, 2, 3), dict(padding="same", dilation=(2, 1))),
    ((1, 4, 4, 4), (4, 2, 3, 3), dict(groups=2, padding=(1, 0))),
])
def test_conv2d_gradgradcheck(xs, ws, kw, gemm_path):
    """Second derivatives: Conv, ConvInput and ConvWeight differentiate into each other."""
    x = cr.tensor(make(xs, seed=1), requires_grad=True)
    w = cr.tensor(make(ws, seed=2), requires_grad=True)
    b = cr.tensor(make((ws[0],), seed=3), requires_grad=True)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, **kw), (x, w, b))


def test_conv2d_third_order():
    """grad of grad of grad stays exact: d^3/dw^3 of sum(conv(x, w)^3)."""
    x = cr.tensor(make((1, 2, 5, 5), seed=4), requires_grad=True)
    w = cr.tensor(make((2, 2, 3, 3), seed=5), requires_grad=True)

    def first(x, w):
        y = F.conv2d(x, w, padding=1, stride=2)
        (gw,) = cr.autograd.grad((y ** 3).sum(), (w,), create_graph=True)
        return gw

    assert gradgradcheck(first, (x, w))


def test_conv1d_conv3d_gradcheck_and_torch(gemm_path):
    check_op(lambda T, x, w, b: _F(T).conv1d(x, w, b, stride=2, padding=2, dilation=2),
             shapes=[((2, 3, 9), (4, 3, 3), (4,))], gradgrad=True)
    check_op(lambda T, x, w: _F(T).conv1d(x, w, padding="same", groups=2),
             shapes=[((2, 4, 7), (4, 2, 4))])
    check_op(lambda T, x, w, b: _F(T).conv3d(x, w, b, stride=(1, 2, 1), padding=1),
             shapes=[((1, 2, 4, 5, 3), (2, 2, 2, 3, 2), (2,))])


def test_conv_unbatched_input():
    check_op(lambda T, x, w: _F(T).conv2d(x, w, padding=1), shapes=[((2, 5, 4), (3, 2, 3, 3))])


# --- transposed convolution -------------------------------------------------------------
CONVT_CASES = [
    ((2, 3, 4, 5), (3, 2, 3, 3), dict()),
    ((1, 4, 3, 4), (4, 3, 3, 2), dict(stride=2, padding=1, output_padding=1, groups=2)),
    ((2, 2, 3, 3), (2, 3, 2, 3), dict(stride=(2, 3), padding=(0, 1), dilation=2,
                                      output_padding=(1, 0))),
    ((1, 2, 5, 5), (2, 2, 1, 1), dict(stride=2)),
]


@pytest.mark.parametrize("xs,ws,kw", CONVT_CASES)
def test_conv_transpose2d_gradcheck_and_torch(xs, ws, kw, gemm_path):
    b = (ws[1] * kw.get("groups", 1),)
    check_op(lambda T, x, w, bb: _F(T).conv_transpose2d(x, w, bb, **kw),
             shapes=[(xs, ws, b)], gradgrad=True)


def test_conv_transpose1d_torch():
    check_op(lambda T, x, w: _F(T).conv_transpose1d(x, w, stride=3, padding=1, output_padding=2),
             shapes=[((2, 3, 4), (3, 2, 4))])


def test_conv_transpose_is_adjoint_of_conv():
    """<conv(x, w), y> == <x, conv_transpose(y, w)> for the same stride/padding/dilation."""
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.standard_normal((2, 4, 9, 8)))
    w = cr.tensor(rng.standard_normal((6, 2, 3, 2)))
    kw = dict(stride=2, padding=1, dilation=(1, 2), groups=2)
    y = F.conv2d(x, w, **kw)
    v = cr.tensor(rng.standard_normal(tuple(y.shape)))
    xt = F.conv_transpose2d(v, w, output_padding=(0, 1), **kw)
    assert tuple(xt.shape) == tuple(x.shape)
    assert math.isclose(float((y * v).sum()), float((x * xt).sum()), rel_tol=1e-10)


# --- pooling --------------------------------------------------------------------------------
POOL_X = (2, 2, 5, 6)


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=(2, 3), stride=1, dilation=(2, 1)),
                                dict(kernel_size=3, stride=(1, 2)),
                                dict(kernel_size=(1, 2), stride=(2, 3))])
def test_max_pool2d(kw):
    check_op(lambda T, x: _F(T).max_pool2d(x, **kw), shapes=[(POOL_X,)], gradgrad=True)


def test_max_pool_ties_and_nan_follow_torch():
    """Ties send the gradient to the first maximum; NaN propagates (PyTorch's CPU kernel)."""
    a = np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 0.0, 2.0, 2.0],
                    [np.nan, 3.0, 5.0, 1.0], [0.0, np.nan, 5.0, 5.0]]]])
    x = cr.tensor(a, requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.sum().backward()
    # first maximum of each window; the NaN window sends its gradient to its last NaN
    expect_grad = np.array([[[[1.0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]]])
    np.testing.assert_array_equal(y._data, [[[[1.0, 2.0], [np.nan, 5.0]]]])
    np.testing.assert_array_equal(x.grad._data, expect_grad)
    if torch is not None:
        t = torch.tensor(a, requires_grad=True)
        torch.nn.functional.max_pool2d(t, 2).sum().backward()
        np.testing.assert_array_equal(x.grad._data, t.grad.numpy())


def test_max_pool1d_3d():
    check_op(lambda T, x: _F(T).max_pool1d(x, 3, stride=2, padding=1), shapes=[((2, 3, 9),)])
    check_op(lambda T, x: _F(T).max_pool3d(x, 2), shapes=[((1, 2, 4, 4, 5),)])


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
                                dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                                     count_include_pad=False),
                                dict(kernel_size=(2, 3), stride=1, divisor_override=5)])
def test_avg_pool2d(kw):
    check_op(lambda T, x: _F(T).avg_pool2d(x, **kw), shapes=[(POOL_X,)], gradgrad=True)


def test_avg_pool1d():
    check_op(lambda T, x: _F(T).avg_pool1d(x, 4, stride=3, padding=2, ceil_mode=True),
             shapes=[((2, 3, 10),)])


@pytest.mark.parametrize("size", [(3, 3), 1, (4, None), 4, (2, 5)])
def test_adaptive_avg_pool2d(size):
    check_op(lambda T, x: _F(T).adaptive_avg_pool2d(x, size), shapes=[(POOL_X,)], gradgrad=True)


def test_adaptive_avg_pool1d_3d():
    check_op(lambda T, x: _F(T).adaptive_avg_pool1d(x, 4), shapes=[((2, 3, 10),)])
    check_op(lambda T, x: _F(T).adaptive_avg_pool3d(x, (2, 3, 2)), shapes=[((1, 2, 5, 7, 3),)])


# --- float32 parity on LeNet-sized data ----------------------------------------------------
@needs_torch
def test_float32_parity_lenet_shapes():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 6, 14, 14)).astype(np.float32)
    w = (rng.standard_normal((16, 6, 5, 5)) * 0.1).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    xs = [cr.tensor(a, requires_grad=True) for a in (x, w, b)]
    ts = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.max_pool2d(F.relu(F.conv2d(*xs)), 2)
    ty = torch.nn.functional.max_pool2d(torch.relu(torch.nn.functional.conv2d(*ts)), 2)
    assert y.dtype == cr.float32
    np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(tuple(y.shape)).astype(np.float32)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    for a, t in zip(xs, ts):
        assert a.grad.dtype == cr.float32
        np.testing.assert_allclose(a.grad._data, t.grad.numpy(), rtol=1e-4, atol=1e-4)


# --- errors ------------------------------------------------------------------------------
def test_conv_errors_name_the_op_and_shapes():
    x = cr.randn(2, 3, 8, 8)
    with pytest.raises(RuntimeError, match=r"conv2d.*expected input\[2, 3, 8, 8\] to have 1 "
                                           r"channels"):
        F.conv2d(x, cr.randn(6, 1, 5, 5))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater"):
        F.conv2d(cr.randn(1, 1, 4, 4), cr.randn(1, 1, 5, 5))
    with pytest.raises(RuntimeError, match="not supported for strided"):
        F.conv2d(x, cr.randn(4, 3, 3, 3), padding="same", stride=2)
    with pytest.raises(ValueError, match="Invalid padding string"):
        F.conv2d(x, cr.randn(4, 3, 3, 3), padding="full")
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        F.conv2d(cr.randn(8, 8), cr.randn(4, 3, 3, 3))
    with pytest.raises(RuntimeError, match="should be the same"):
        F.conv2d(x, cr.randn(4, 3, 3, 3, dtype=cr.float64))
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.conv2d(cr.randn(1, 4, 5, 5), cr.randn(3, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match="bias of shape \\[4\\]"):
        F.conv2d(x, cr.randn(4, 3, 3, 3), cr.randn(3))
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        F.conv_transpose2d(x, cr.randn(3, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(x, 2, padding=2)
    with pytest.raises(RuntimeError, match="too small"):
        F.avg_pool2d(cr.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 6, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 6, 3, padding_mode="mirror")


# --- layers --------------------------------------------------------------------------------
def test_conv_layers_shapes_init_and_repr():
    c = nn.Conv2d(4, 8, (3, 5), stride=2, padding=1, groups=2)
    assert tuple(c.weight.shape) == (8, 2, 3, 5) and tuple(c.bias.shape) == (8,)
    bound = 1 / math.sqrt(2 * 3 * 5)  # kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in))
    assert np.abs(c.weight._data).max() <= bound and np.abs(c.bias._data).max() <= bound
    assert np.abs(c.weight._data).max() > 0.8 * bound
    assert c.weight.dtype == cr.float32
    assert repr(c) == ("Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), "
                       "groups=2)")
    t = nn.ConvTranspose2d(16, 6, 2, stride=2, bias=False)
    assert tuple(t.weight.shape) == (16, 6, 2, 2) and t.bias is None
    assert tuple(t(cr.randn(3, 16, 5, 5)).shape) == (3, 6, 10, 10)
    assert tuple(t(cr.randn(3, 16, 5, 5), output_size=(11, 11)).shape) == (3, 6, 11, 11)
    assert repr(t) == "ConvTranspose2d(16, 6, kernel_size=(2, 2), stride=(2, 2), bias=False)"
    c1 = nn.Conv1d(3, 5, 4, padding="same", bias=False)
    assert tuple(c1(cr.randn(2, 3, 11)).shape) == (2, 5, 11)
    assert repr(nn.MaxPool2d(2)) == ("MaxPool2d(kernel_size=2, stride=2, padding=0, "
                                     "dilation=1, ceil_mode=False)")
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert [n for n, _ in nn.Conv2d(1, 2, 3).named_parameters()] == ["weight", "bias"]


@needs_torch
@pytest.mark.parametrize("make_pair", [
    lambda M: M.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2),
    lambda M: M.Conv2d(4, 6, (3, 2), padding="same", dilation=(1, 2), groups=2, bias=False),
    lambda M: M.Conv2d(3, 4, 3, padding=2, padding_mode="reflect"),
    lambda M: M.Conv2d(3, 4, 3, padding=1, padding_mode="circular"),
    lambda M: M.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
])
def test_layers_match_torch_with_same_weights(make_pair):
    ours, theirs = make_pair(nn), make_pair(torch.nn)
    theirs = theirs.double()
    ours = ours.to(cr.float64)
    for (n, p), (tn, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert n == tn and tuple(p.shape) == tuple(tp.shape)
        p._data[...] = tp.detach().numpy()
    nd = 1 if "1d" in type(ours).__name__ else 2
    shape = (2, ours.in_channels) + (9,) * nd
    a = np.random.default_rng(0).standard_normal(shape)
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-9, atol=1e-9)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=1e-9, atol=1e-9)


@needs_torch
def test_pool_layers_and_batchnorm2d_match_torch():
    a = np.random.default_rng(2).standard_normal((4, 3, 9, 10))
    for ours, theirs in [(nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
                         (nn.AvgPool2d(2, ceil_mode=True), torch.nn.AvgPool2d(2, ceil_mode=True)),
                         (nn.AdaptiveAvgPool2d((4, 3)), torch.nn.AdaptiveAvgPool2d((4, 3))),
                         (nn.BatchNorm2d(3).to(cr.float64), torch.nn.BatchNorm2d(3).double())]:
        x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = ours(x), theirs(tx)
        np.testing.assert_allclose(y._data, ty.detach().numpy(), rtol=1e-9, atol=1e-9)
        w = np.random.default_rng(3).standard_normal(tuple(y.shape))
        (y * cr.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-8, atol=1e-8)
    bn, tbn = ours, theirs
    np.testing.assert_allclose(bn.running_mean._data, tbn.running_mean.numpy(), rtol=1e-9)
    np.testing.assert_allclose(bn.running_var._data, tbn.running_var.numpy(), rtol=1e-9)


def test_batchnorm2d_gradcheck():
    bn = nn.BatchNorm2d(3).to(cr.float64)
    x = cr.tensor(make((4, 3, 3, 2), seed=7), requires_grad=True)
    assert gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                     (x, bn.weight, bn.bias))


def test_dropout2d_zeroes_whole_channels():
    cr.manual_seed(0)
    d = nn.Dropout2d(0.5)
    x = cr.ones(8, 16, 5, 5, requires_grad=True)
    y = d(x)
    per_channel = y._data.reshape(8, 16, -1)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    frac = (per_channel[..., 0] == 0).mean()
    assert 0.3 < frac < 0.7
    y.sum().backward()
    np.testing.assert_array_equal(x.grad._data, y._data)
    d.eval()
    assert d(x) is x


def test_conv_net_trains_on_a_batch():
    """End to end: a Conv-Pool-Conv-Linear net fits a fixed batch (loss drops 10x)."""
    cr.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(4, 8, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                        nn.Linear(8, 3))
    x, y = cr.randn(12, 1, 8, 8), cr.tensor(np.arange(12) % 3)
    opt = cr.optim.Adam(net.parameters(), lr=0.05)
    first = None
    for _ in range(150):
        opt.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        first = first if first is not None else float(loss)
    assert float(loss) < first / 10
