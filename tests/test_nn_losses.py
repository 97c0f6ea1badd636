"""Losses: hand-computed values, gradcheck (float64) for every option, grad-of-grad of the
fused ops, stability for logits of magnitude 1e4, and parity with torch when importable."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck, gradgradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")
REDUCTIONS = ["mean", "sum", "none"]


def _t(a, grad=False):
    return cr.tensor(a, requires_grad=grad)


# --- hand-computed values ---------------------------------------------------------------
def test_mse_l1_hand_values():
    x, y = _t([1.0, 2.0, -1.0]), _t([0.0, 0.0, 1.0])
    assert F.mse_loss(x, y).item() == pytest.approx((1 + 4 + 4) / 3)
    assert F.mse_loss(x, y, reduction="sum").item() == pytest.approx(9.0)
    assert F.mse_loss(x, y, reduction="none").tolist() == [1.0, 4.0, 4.0]
    assert F.l1_loss(x, y).item() == pytest.approx(5 / 3)
    assert nn.L1Loss(reduction="sum")(x, y).item() == pytest.approx(5.0)


def test_huber_hand_values():
    x, y = _t([0.5, 3.0]), _t([0.0, 0.0])
    # 0.5 * 0.25 and 1 * (3 - 0.5)
    assert nn.HuberLoss(reduction="none")(x, y).tolist() == pytest.approx([0.125, 2.5])
    assert nn.HuberLoss(delta=2.0, reduction="none")(x, y).tolist() == pytest.approx(
        [0.125, 2 * (3 - 1)])


def test_cross_entropy_uniform_logits_is_log_c():
    x = cr.zeros(4, 5)
    t = cr.tensor([0, 1, 2, 3])
    assert F.cross_entropy(x, t).item() == pytest.approx(math.log(5), rel=1e-6)
    assert nn.CrossEntropyLoss()(x, t).item() == pytest.approx(math.log(5), rel=1e-6)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = _t([[1.0, 2.0, 3.0]], True)
    F.cross_entropy(x, cr.tensor([2])).backward()
    p = np.exp([1.0, 2.0, 3.0])
    p /= p.sum()
    np.testing.assert_allclose(x.grad.numpy(), [p - [0, 0, 1]], rtol=1e-6)


def test_bce_hand_value_and_clamp():
    x, y = _t([0.8, 0.0, 1.0]), _t([1.0, 1.0, 1.0])
    out = F.binary_cross_entropy(x, y, reduction="none").tolist()
    assert out[0] == pytest.approx(-math.log(0.8), rel=1e-6)
    assert out[1] == pytest.approx(100.0)   # log(0) clamped at -100, as PyTorch
    assert out[2] == pytest.approx(0.0)
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(_t([1.5]), _t([1.0]))


def test_nll_hand_value():
    logp = _t([[-1.0, -2.0], [-0.5, -3.0]])
    assert F.nll_loss(logp, cr.tensor([1, 0])).item() == pytest.approx((2.0 + 0.5) / 2)
    w = _t([1.0, 3.0])
    # weighted mean: (3 * 2 + 1 * 0.5) / (3 + 1)
    assert F.nll_loss(logp, cr.tensor([1, 0]), weight=w).item() == pytest.approx(6.5 / 4)


# --- stability --------------------------------------------------------------------------
def test_large_logits_exact_and_finite():
    x = _t([[1e4, -1e4, 0.0], [0.0, 1e4, -1e4]], True)
    t = cr.tensor([0, 0])
    loss = F.cross_entropy(x, t, reduction="none")
    assert loss.tolist() == [0.0, 1e4]
    loss.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0, 0], [-1, 1, 0]], atol=1e-7)
    ls = F.log_softmax(_t([[1e4, -1e4, 0.0]]), dim=1)
    assert ls.tolist() == [[0.0, -2e4, -1e4]]
    z = _t([1e4, -1e4, 1e4, -1e4], True)
    y = _t([1.0, 1.0, 0.0, 0.0])
    b = F.binary_cross_entropy_with_logits(z, y, reduction="none")
    assert b.tolist() == [0.0, 1e4, 1e4, 0.0]
    b.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [0, -1, 1, 0], atol=1e-7)
    # label smoothing and probability targets stay finite too
    assert math.isfinite(F.cross_entropy(x, t, label_smoothing=0.1).item())
    assert math.isfinite(F.cross_entropy(x, _t([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])).item())


# --- gradcheck of every option ------------------------------------------------------------
CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(weight=True),
    dict(weight=True, reduction="none"),
    dict(ignore_index=1),
    dict(ignore_index=1, weight=True),
    dict(label_smoothing=0.2),
    dict(label_smoothing=0.2, weight=True, ignore_index=1),
    dict(label_smoothing=0.3, weight=True, reduction="sum"),
    dict(label_smoothing=0.3, reduction="none", ignore_index=2),
]


def _ce_kwargs(case, C, lib):
    kw = dict(case)
    if kw.pop("weight", False):
        w = np.linspace(0.5, 2.0, C)
        kw["weight"] = cr.tensor(w) if lib is cr else torch.tensor(w)
    return kw


@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 2), (4,)])
def test_cross_entropy_indices_gradcheck(case, shape):
    rng = np.random.default_rng(1)
    C = shape[0] if len(shape) == 1 else shape[1]
    x = rng.standard_normal(shape)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, C, tshape)
    kw = _ce_kwargs(case, C, cr)
    xt = cr.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: F.cross_entropy(a, cr.tensor(t), **kw), [xt])
    assert gradgradcheck(lambda a: F.cross_entropy(a, cr.tensor(t), **kw), [xt])


@needs_torch
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 2, 3), (4,)])
def test_cross_entropy_indices_vs_torch(case, shape):
    rng = np.random.default_rng(2)
    C = shape[0] if len(shape) == 1 else shape[1]
    x = rng.standard_normal(shape).astype(np.float32)
    tshape = () if len(shape) == 1 else (shape[0],) + shape[2:]
    t = rng.integers(0, C, tshape)
    a = cr.tensor(x, requires_grad=True)
    b = torch.tensor(x, requires_grad=True)
    la = F.cross_entropy(a, cr.tensor(t), **_ce_kwargs(case, C, cr))
    lb = TF.cross_entropy(b, torch.tensor(t), **{k: (v.float() if k == "weight" else v)
                                                  for k, v in _ce_kwargs(case, C, torch).items()})
    np.testing.assert_allclose(la.detach().numpy(), lb.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(3).standard_normal(la.shape).astype(np.float32)
    la.backward(cr.tensor(g))
    lb.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_probabilities(smoothing, weight, reduction):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4))
    p = rng.random((3, 4))
    p /= p.sum(1, keepdims=True)
    kw = dict(label_smoothing=smoothing, reduction=reduction)
    if weight:
        kw["weight"] = cr.tensor(np.linspace(0.5, 2, 4))
    xt, pt = cr.tensor(x, requires_grad=True), cr.tensor(p, requires_grad=True)
    assert gradcheck(lambda a, b: F.cross_entropy(a, b, **kw), [xt, pt])
    if torch is not None:
        tkw = dict(kw)
        if weight:
            tkw["weight"] = torch.tensor(np.linspace(0.5, 2, 4))
        ref = TF.cross_entropy(torch.tensor(x), torch.tensor(p), **tkw)
        np.testing.assert_allclose(F.cross_entropy(xt, pt, **kw).detach().numpy(), ref.numpy(),
                                   rtol=1e-10)


def test_cross_entropy_errors():
    x = cr.randn(3, 4)
    with pytest.raises(IndexError, match="out of bounds"):
        F.cross_entropy(x, cr.tensor([0, 4, 1]))
    with pytest.raises(ValueError, match="target of shape"):
        F.cross_entropy(x, cr.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="weight"):
        F.cross_entropy(x, cr.tensor([0, 1, 2]), weight=cr.ones(3))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, cr.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(x, cr.tensor([0, 1, 2]), reduction="avg")


def test_cross_entropy_all_ignored_is_nan_like_torch():
    out = F.cross_entropy(cr.randn(2, 3), cr.tensor([-100, -100]))
    assert math.isnan(out.item())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
def test_nll_loss_gradcheck_and_torch(reduction, weight):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 3))
    t = np.array([0, 2, 1, -100, 2])
    kw = dict(reduction=reduction, ignore_index=-100)
    if weight:
        kw["weight"] = cr.tensor(np.array([0.2, 1.0, 3.0]))
    xt = cr.tensor(x, requires_grad=True)
    assert gradcheck(lambda a: F.nll_loss(a, cr.tensor(t), **kw), [xt])
    if torch is not None:
        tkw = dict(kw)
        if weight:
            tkw["weight"] = torch.tensor([0.2, 1.0, 3.0], dtype=torch.float64)
        ref = TF.nll_loss(torch.tensor(x), torch.tensor(t), **tkw)
        np.testing.assert_allclose(F.nll_loss(xt, cr.tensor(t), **kw).detach().numpy(),
                                   ref.numpy(), rtol=1e-12)


def _vs_torch(f, tf, x, y, rng, grad_rtol):
    """f (chainrule) and tf (torch) of float64 arrays x, y: the same value (rtol 1e-12), and
    the same gradients of both inputs for one random upstream gradient drawn from rng."""
    xt, yt = cr.tensor(x, requires_grad=True), cr.tensor(y, requires_grad=True)
    a, b = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    out, ref = f(xt, yt), tf(a, b)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(cr.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(xt.grad.numpy(), a.grad.numpy(), rtol=grad_rtol)
    np.testing.assert_allclose(yt.grad.numpy(), b.grad.numpy(), rtol=grad_rtol)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
@pytest.mark.parametrize("pos_weight", [False, True])
def test_bce_with_logits(reduction, weight, pos_weight):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 3)) * 3
    y = rng.random((4, 3))
    kw = dict(reduction=reduction)
    tkw = dict(reduction=reduction)
    if weight:
        kw["weight"] = cr.tensor(rng.random((4, 1)) + 0.5)
        tkw["weight"] = torch.tensor(kw["weight"].numpy()) if torch else None
    if pos_weight:
        kw["pos_weight"] = cr.tensor([0.5, 2.0, 3.0])
        tkw["pos_weight"] = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64) if torch else None
    xt, yt = cr.tensor(x, requires_grad=True), cr.tensor(y, requires_grad=True)
    f = lambda a, b: F.binary_cross_entropy_with_logits(a, b, **kw)  # noqa: E731
    assert gradcheck(f, [xt, yt])
    assert gradgradcheck(f, [xt, yt])
    if torch is not None:
        _vs_torch(f, lambda a, b: TF.binary_cross_entropy_with_logits(a, b, **tkw), x, y, rng,
                  grad_rtol=1e-10)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight", [False, True])
def test_bce(reduction, weight):
    rng = np.random.default_rng(7)
    x = rng.uniform(0.05, 0.95, (3, 4))
    y = rng.random((3, 4))
    kw = dict(reduction=reduction)
    if weight:
        kw["weight"] = cr.tensor(rng.random(4) + 0.5)
    xt, yt = cr.tensor(x, requires_grad=True), cr.tensor(y, requires_grad=True)
    f = lambda a, b: F.binary_cross_entropy(a, b, **kw)  # noqa: E731
    assert gradcheck(f, [xt, yt])
    assert gradgradcheck(f, [xt, yt])
    if torch is not None:
        tkw = dict(reduction=reduction)
        if weight:
            tkw["weight"] = torch.tensor(kw["weight"].numpy())
        _vs_torch(f, lambda a, b: TF.binary_cross_entropy(a, b, **tkw), x, y, rng,
                  grad_rtol=1e-9)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [("mse_loss", {}), ("l1_loss", {}),
                                     ("huber_loss", {"delta": 0.7}),
                                     ("smooth_l1_loss", {"beta": 0.5}),
                                     ("kl_div", {}), ("soft_margin_loss", {})])
def test_regression_losses(name, kw, reduction):
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4))
    y = rng.standard_normal((3, 4))
    if name == "kl_div":
        y = np.abs(y) / np.abs(y).sum()
    if name == "soft_margin_loss":
        y = np.sign(y)
    fn = getattr(F, name)
    xt = cr.tensor(x, requires_grad=True)
    yt = cr.tensor(y, requires_grad=name not in ("soft_margin_loss",))
    assert gradcheck(lambda a, b: fn(a, b, reduction=reduction, **kw), [xt, yt])
    if torch is not None:
        ref = getattr(TF, name)(torch.tensor(x), torch.tensor(y), reduction=reduction, **kw)
        np.testing.assert_allclose(fn(xt, yt, reduction=reduction, **kw).detach().numpy(),
                                   ref.numpy(), rtol=1e-12, atol=1e-14)


def test_kl_div_batchmean_and_log_target():
    rng = np.random.default_rng(9)
    x = np.log(rng.dirichlet(np.ones(4), 3))
    y = rng.dirichlet(np.ones(4), 3)
    out = F.kl_div(cr.tensor(x), cr.tensor(y), reduction="batchmean").item()
    assert out == pytest.approx(float((y * (np.log(y) - x)).sum() / 3), rel=1e-12)
    out2 = F.kl_div(cr.tensor(x), cr.tensor(np.log(y)), reduction="batchmean", log_target=True)
    assert out2.item() == pytest.approx(out, rel=1e-12)


def test_loss_modules_match_functional():
    rng = np.random.default_rng(10)
    x = cr.tensor(rng.standard_normal((4, 3)).astype(np.float32))
    t = cr.tensor([0, 2, 1, 1])
    w = cr.tensor([1.0, 2.0, 0.5])
    assert nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, ignore_index=2)(x, t).item() == \
        F.cross_entropy(x, t, weight=w, label_smoothing=0.1, ignore_index=2).item()
    assert nn.NLLLoss()(F.log_softmax(x, 1), t).item() == pytest.approx(
        F.cross_entropy(x, t).item(), rel=1e-6)
    y = cr.tensor(rng.random((4, 3)).astype(np.float32))
    assert nn.BCEWithLogitsLoss(pos_weight=cr.tensor([1.0, 2.0, 3.0]))(x, y).item() == \
        F.binary_cross_entropy_with_logits(x, y, pos_weight=cr.tensor([1.0, 2.0, 3.0])).item()
    assert nn.BCELoss()(x.sigmoid(), y).item() == pytest.approx(
        F.binary_cross_entropy_with_logits(x, y).item(), rel=1e-5)
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(
        float(((x.numpy() - y.numpy()) ** 2).sum()), rel=1e-6)
    assert "weight" in dict(nn.CrossEntropyLoss(weight=w).named_buffers())


def test_float32_losses_keep_dtype():
    x = cr.randn(4, 3, requires_grad=True)
    for loss in (F.cross_entropy(x, cr.tensor([0, 1, 2, 0])), F.mse_loss(x, cr.zeros(4, 3)),
                 F.binary_cross_entropy_with_logits(x, cr.ones(4, 3)),
                 F.binary_cross_entropy(x.sigmoid(), cr.ones(4, 3))):
        assert loss.dtype == cr.float32
        loss.backward()
        assert x.grad.dtype == cr.float32
        x.grad = None


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_pairwise_losses_gradcheck_and_torch(reduction):
    rng = np.random.default_rng(11)
    a = rng.standard_normal((4, 3))
    b = rng.standard_normal((4, 3))
    s = np.array([1.0, -1.0, 1.0, -1.0])
    lam = rng.uniform(0.5, 2.0, (4, 3))
    var = rng.uniform(0.5, 2.0, (4, 3))
    cases = [
        ("margin_ranking_loss", lambda L, x, y: L.margin_ranking_loss(x[:, 0], y[:, 0],
                                                                      T(L, s), margin=0.3,
                                                                      reduction=reduction)),
        ("hinge_embedding_loss", lambda L, x, y: L.hinge_embedding_loss(
            x, T(L, np.sign(lam - 1.2)), margin=0.8, reduction=reduction)),
        ("cosine_embedding_loss", lambda L, x, y: L.cosine_embedding_loss(
            x, y, T(L, s), margin=0.1, reduction=reduction)),
        ("poisson_nll_loss", lambda L, x, y: L.poisson_nll_loss(x, T(L, lam),
                                                                reduction=reduction)),
        ("poisson_nll_full", lambda L, x, y: L.poisson_nll_loss(x.abs() + 0.1, T(L, lam * 2),
                                                                log_input=False, full=True,
                                                                reduction=reduction)),
        ("gaussian_nll_loss", lambda L, x, y: L.gaussian_nll_loss(x, y, T(L, var),
                                                                  reduction=reduction)),
    ]
    for name, f in cases:
        xt, yt = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
        assert gradcheck(lambda x, y: f(F, x, y), [xt, yt]), name
        if torch is not None:
            ref = f(TF, torch.tensor(a), torch.tensor(b))
            np.testing.assert_allclose(f(F, xt, yt).detach().numpy(), ref.numpy(), rtol=1e-10,
                                       atol=1e-12, err_msg=name)


def T(lib, arr):
    return cr.tensor(arr) if lib is F else torch.tensor(arr)


def test_distances_and_normalize():
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    at, bt = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    assert gradcheck(lambda x, y: F.cosine_similarity(x, y), [at, bt])
    assert gradcheck(lambda x, y: F.pairwise_distance(x, y), [at, bt])
    assert gradcheck(lambda x: F.normalize(x, dim=1), [at])
    np.testing.assert_allclose(F.normalize(at, dim=1).detach().numpy(),
                               a / np.linalg.norm(a, axis=1, keepdims=True), rtol=1e-12)
    if torch is not None:
        np.testing.assert_allclose(
            F.cosine_similarity(at, bt).detach().numpy(),
            TF.cosine_similarity(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-10)
        np.testing.assert_allclose(
            F.pairwise_distance(at, bt).detach().numpy(),
            TF.pairwise_distance(torch.tensor(a), torch.tensor(b)).numpy(), rtol=1e-10)
