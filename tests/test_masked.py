"""chainrule.masked (issue 10): PyTorch's masked reductions / normalisations, values and
gradients against torch.masked, and gradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
M = np.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])
MB = np.array([True, False, True, True])  # broadcast to A's shape


def _both(name, *args, mask=M, **kw):
    x = cr.tensor(A, requires_grad=True)
    t = torch.tensor(A, requires_grad=True)
    got = getattr(cr.masked, name)(x, *args, mask=cr.tensor(mask), **kw)
    want = getattr(torch.masked, name)(t, *args, mask=torch.tensor(mask), **kw)
    return x, t, got, want


@pytest.mark.parametrize("name,args,kw", [
    ("sum", (1,), {}), ("sum", (None,), {}), ("prod", (1,), {"keepdim": True}),
    ("mean", (1,), {}), ("amax", (1,), {}), ("amin", ((0, 1),), {}), ("argmax", (1,), {}),
    ("argmin", (0,), {}), ("logsumexp", (1,), {}), ("norm", (2.0, 1), {}),
    ("norm", (float("inf"), 0), {}), ("var", (1,), {}), ("std", (1,), {"unbiased": False}),
    ("median", (1,), {}), ("cumsum", (1,), {}), ("cumprod", (0,), {}), ("softmax", (1,), {}),
    ("log_softmax", (1,), {}), ("softmin", (0,), {}), ("normalize", (2.0, 1), {})])
@pytest.mark.parametrize("mask", [M, MB], ids=["full", "broadcast"])
def test_values_and_gradients_match_torch(name, args, kw, mask):
    x, t, got, want = _both(name, *args, mask=mask, **kw)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10,
                               atol=1e-12, equal_nan=True)
    assert str(got.dtype).split(".")[-1] == str(want.dtype).split(".")[-1]
    if not want.requires_grad:
        return
    cot = RNG.standard_normal(tuple(want.shape))
    fin = np.isfinite(want.detach().numpy())
    cot = np.where(fin, cot, 0.0)  # no cotangent on the -inf / NaN of empty slices
    (tg,) = torch.autograd.grad(want, t, torch.tensor(cot), allow_unused=True)
    (cg,) = cr.autograd.grad(got, x, cr.tensor(cot), allow_unused=True)
    tg = np.zeros_like(A) if tg is None else tg.numpy()
    cg = np.zeros_like(A) if cg is None else cg.numpy()
    np.testing.assert_allclose(np.nan_to_num(cg), np.nan_to_num(tg), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("fn", [
    lambda x: cr.masked.sum(x, 1, mask=cr.tensor(MB)),
    lambda x: cr.masked.mean(x, 1, mask=cr.tensor(MB)),
    lambda x: cr.masked.var(x, 1, mask=cr.tensor(MB)),
    lambda x: cr.masked.softmax(x, 1, mask=cr.tensor(MB)),
    lambda x: cr.masked.normalize(x, 2.0, 1, mask=cr.tensor(MB)),
    lambda x: cr.masked.logsumexp(x, 1, mask=cr.tensor(MB))])
def test_gradcheck(fn):
    assert gradcheck(fn, [cr.tensor(A, requires_grad=True)])


def test_fully_masked_rows_give_the_identity():
    x = cr.tensor(A)
    m = cr.tensor(M)
    assert cr.masked.sum(x, 1, mask=m).numpy()[1] == 0
    assert cr.masked.amax(x, 1, mask=m).numpy()[1] == -np.inf
    assert np.isnan(cr.masked.mean(x, 1, mask=m).numpy()[1])
    assert np.isnan(cr.masked.median(x, 1, mask=m).numpy()[1])


def test_logaddexp_masks_each_operand():
    a, b = RNG.standard_normal(4), RNG.standard_normal(4)
    ma, mb = np.array([True, False, True, False]), np.array([True, True, False, False])
    got = cr.masked.logaddexp(cr.tensor(a), cr.tensor(b), input_mask=cr.tensor(ma),
                              other_mask=cr.tensor(mb))
    want = torch.masked.logaddexp(torch.tensor(a), torch.tensor(b), input_mask=torch.tensor(ma),
                                  other_mask=torch.tensor(mb))
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_mask_of_higher_rank_is_an_error():
    with pytest.raises(IndexError, match="broadcastable mask"):
        cr.masked.sum(cr.tensor(A[0]), mask=cr.tensor(M))
