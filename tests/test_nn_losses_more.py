"""The margin losses and CTC: values and gradients against torch, gradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")
R = np.random.default_rng(0)


def _both(x):
    return (cr.tensor(x.copy(), requires_grad=x.dtype.kind == "f"),
            torch.tensor(x.copy(), requires_grad=x.dtype.kind == "f"))


def _compare(fn_cr, fn_t, arrays, rtol=1e-7, **kw):
    ours = [_both(a) for a in arrays]
    out_c = fn_cr(*[o[0] for o in ours], **kw)
    out_t = fn_t(*[o[1] for o in ours], **kw)
    np.testing.assert_allclose(out_c.detach().numpy(), out_t.detach().numpy(), rtol=rtol,
                               atol=1e-10)
    w = R.standard_normal(out_t.shape)
    (out_c * cr.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for (c, t) in ours:
        if t.grad is not None:
            np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 0.5, True), (1, 2.0, True)])
def test_multi_margin_loss(reduction, p, margin, weighted):
    x = R.standard_normal((5, 4))
    y = R.integers(0, 4, 5)
    w = R.uniform(0.5, 2, 4) if weighted else None
    _compare(lambda a, b, **k: F.multi_margin_loss(
        a, b, weight=None if w is None else cr.tensor(w), **k),
        lambda a, b, **k: torch.nn.functional.multi_margin_loss(
            a, b, weight=None if w is None else torch.tensor(w), **k),
        [x, y], p=p, margin=margin, reduction=reduction)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_margin_loss(reduction):
    x = R.standard_normal((3, 5))
    y = np.array([[3, 0, -1, 1, 2], [1, 2, 4, -1, 0], [-1, 1, 1, 1, 1]])
    _compare(F.multilabel_margin_loss, torch.nn.functional.multilabel_margin_loss, [x, y],
             reduction=reduction)


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_multilabel_soft_margin_loss(reduction):
    x = R.standard_normal((4, 3))
    y = (R.random((4, 3)) > 0.5).astype(np.float64)
    _compare(F.multilabel_soft_margin_loss, torch.nn.functional.multilabel_soft_margin_loss,
             [x, y], reduction=reduction)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_triplet_margin_loss(swap, p):
    a, pos, neg = (R.standard_normal((6, 4)) for _ in range(3))
    _compare(F.triplet_margin_loss, torch.nn.functional.triplet_margin_loss, [a, pos, neg],
             p=p, swap=swap, margin=0.7)


def test_triplet_margin_with_distance_loss():
    a, pos, neg = (R.standard_normal((6, 4)) for _ in range(3))
    _compare(lambda *t, **k: F.triplet_margin_with_distance_loss(
        *t, distance_function=lambda u, v: 1 - F.cosine_similarity(u, v), **k),
        lambda *t, **k: torch.nn.functional.triplet_margin_with_distance_loss(
            *t, distance_function=lambda u, v: 1 - torch.nn.functional.cosine_similarity(u, v),
            **k), [a, pos, neg], swap=True, margin=0.5)
    _compare(lambda *t: nn.TripletMarginWithDistanceLoss()(*t),
             lambda *t: torch.nn.TripletMarginWithDistanceLoss()(*t), [a, pos, neg])


def _ctc_case(T=12, N=3, C=5, S=4, seed=1):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((T, N, C))
    targets = rng.integers(1, C, (N, S))
    targets[1, 1] = targets[1, 0]            # a repeated label needs a blank between
    il = np.array([T, T - 2, T - 5])
    tl = np.array([S, 3, 0])
    return logits, targets, il, tl


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_loss_matches_torch_through_log_softmax(reduction):
    logits, targets, il, tl = _ctc_case()
    xc, xt = _both(logits)
    lc = F.ctc_loss(xc.log_softmax(2), cr.tensor(targets), cr.tensor(il), cr.tensor(tl),
                    reduction=reduction)
    lt = torch.nn.functional.ctc_loss(xt.log_softmax(2), torch.tensor(targets),
                                      torch.tensor(il), torch.tensor(tl), reduction=reduction)
    np.testing.assert_allclose(lc.detach().numpy(), lt.detach().numpy(), rtol=1e-9)
    lc.sum().backward()
    lt.sum().backward()
    np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-7, atol=1e-10)


def test_ctc_concatenated_targets_unbatched_and_module():
    logits, targets, il, tl = _ctc_case()
    flat = np.concatenate([targets[n, :tl[n]] for n in range(3)])
    lp = cr.tensor(logits).log_softmax(2)
    tlp = torch.tensor(logits).log_softmax(2)
    a = nn.CTCLoss(reduction="sum")(lp, cr.tensor(flat), cr.tensor(il), cr.tensor(tl))
    b = torch.nn.CTCLoss(reduction="sum")(tlp, torch.tensor(flat), torch.tensor(il),
                                          torch.tensor(tl))
    assert float(a) == pytest.approx(float(b), rel=1e-9)
    u = F.ctc_loss(lp[:, 0], cr.tensor(targets[0]), cr.tensor(il[0]), cr.tensor(tl[0]),
                   reduction="none")
    v = torch.nn.functional.ctc_loss(tlp[:, 0], torch.tensor(targets[0]), torch.tensor(il[0]),
                                     torch.tensor(tl[0]), reduction="none")
    assert u.shape == () and float(u) == pytest.approx(float(v), rel=1e-9)


def test_ctc_impossible_alignment_and_zero_infinity():
    lp = cr.tensor(np.random.default_rng(2).standard_normal((2, 1, 3))).log_softmax(2)
    tgt, il, tl = cr.tensor([[1, 1]]), cr.tensor([2]), cr.tensor([2])  # needs 3 steps
    assert np.isinf(F.ctc_loss(lp, tgt, il, tl, reduction="none").numpy()).all()
    x = lp.detach().requires_grad_()
    out = F.ctc_loss(x, tgt, il, tl, reduction="sum", zero_infinity=True)
    out.backward()
    assert float(out) == 0.0 and np.all(x.grad.numpy() == 0)


def test_gradcheck_float64():
    logits, targets, il, tl = _ctc_case(T=6, N=2, C=4, S=2)
    x = cr.tensor(logits[:, :2], requires_grad=True)
    # through log_softmax: the exact gradient (ctc_loss's own one in log_probs is PyTorch's
    # formula, which assumes normalised inputs: see test_ctc_direct_gradient_is_torchs)
    assert gradcheck(lambda t: F.ctc_loss(t.log_softmax(2), cr.tensor(targets[:2, :2]),
                                          cr.tensor([6, 5]), cr.tensor([2, 1]),
                                          reduction="sum"), (x,))
    y = cr.tensor(R.standard_normal((3, 4)), requires_grad=True)
    lbl = cr.tensor(np.array([1, 0, 3]))
    assert gradcheck(lambda t: F.multi_margin_loss(t, lbl, p=2), (y,))
    a, p, n = (cr.tensor(R.standard_normal((3, 4)), requires_grad=True) for _ in range(3))
    assert gradcheck(lambda u, v, w: F.triplet_margin_loss(u, v, w, swap=True), (a, p, n))


def test_errors_name_the_op():
    with pytest.raises(RuntimeError, match="multi_margin_loss"):
        F.multi_margin_loss(cr.zeros(3, 4), cr.zeros(3))
    with pytest.raises(ValueError, match="margin"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(RuntimeError, match="ctc_loss"):
        F.ctc_loss(cr.zeros(5, 2, 3), cr.zeros(2, 2, dtype=cr.int64), cr.tensor([6, 5]),
                   cr.tensor([1, 1]))
