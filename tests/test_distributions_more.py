"""The further distributions (Cauchy, HalfNormal, HalfCauchy, Gumbel, Weibull, Pareto,
Chi2, StudentT, Geometric, NegativeBinomial, Multinomial, MixtureSameFamily,
OneHotCategoricalStraightThrough) against torch: log_prob, moments, entropy, cdf,
gradients, sample shapes and moments."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D

torch = pytest.importorskip("torch")
TD = torch.distributions
R = np.random.default_rng(0)
P3 = R.uniform(0.1, 0.9, 3)
POS = R.uniform(0.5, 3.0, 3)
REAL = R.standard_normal(3)
DF = np.array([0.8, 1.5, 5.0])

CASES = [
    ("Cauchy", dict(loc=REAL, scale=POS), R.standard_normal((4, 3))),
    ("HalfNormal", dict(scale=POS), R.uniform(0.1, 3, (4, 3))),
    ("HalfCauchy", dict(scale=POS), R.uniform(0.1, 3, (4, 3))),
    ("Gumbel", dict(loc=REAL, scale=POS), R.standard_normal((4, 3))),
    ("Weibull", dict(scale=POS, concentration=POS[::-1].copy()), R.uniform(0.1, 3, (4, 3))),
    ("Pareto", dict(scale=POS, alpha=np.array([0.7, 1.5, 3.0])), POS + R.uniform(0, 2, 3)),
    ("Chi2", dict(df=POS), R.uniform(0.1, 3, (4, 3))),
    ("StudentT", dict(df=DF, loc=REAL, scale=POS), R.standard_normal((4, 3))),
    ("Geometric", dict(probs=P3), np.array([0.0, 2.0, 5.0])),
    ("Geometric", dict(logits=REAL), np.array([1.0, 0.0, 3.0])),
    ("NegativeBinomial", dict(total_count=POS, probs=P3), np.array([0.0, 2.0, 5.0])),
    ("NegativeBinomial", dict(total_count=POS, logits=REAL), np.array([4.0, 0.0, 1.0])),
    ("Multinomial", dict(total_count=5, probs=R.dirichlet(np.ones(4), 2)),
     np.array([[1.0, 2.0, 0.0, 2.0], [5.0, 0.0, 0.0, 0.0]])),
]
IDS = [f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]


def _build(lib, name, kw, grad=False):
    mod = D if lib is cr else TD
    args = {}
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            t = lib.tensor(v.copy())
            if grad:
                t.requires_grad_(True)
            args[k] = t
        else:
            args[k] = v
    return getattr(mod, name)(**args), args


def _np(t):
    return t.detach().numpy()


def _close(a, b, rtol=1e-7):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-10)


@pytest.mark.parametrize("name,kw,value", CASES, ids=IDS)
def test_matches_torch(name, kw, value):
    d, _ = _build(cr, name, kw)
    t, _ = _build(torch, name, kw)
    assert tuple(d.batch_shape) == tuple(t.batch_shape)
    assert tuple(d.event_shape) == tuple(t.event_shape)
    _close(d.log_prob(cr.tensor(value)), t.log_prob(torch.tensor(value)))
    for prop in ("mean", "variance", "mode"):
        try:
            ref = getattr(t, prop)
        except (NotImplementedError, AttributeError):
            continue
        _close(getattr(d, prop), ref)
    try:
        ref = t.entropy()
    except NotImplementedError:
        ref = None
    if ref is not None:
        _close(d.entropy(), ref, rtol=1e-6)
    if name in ("Cauchy", "HalfNormal", "HalfCauchy", "Gumbel", "Weibull", "Pareto"):
        _close(d.cdf(cr.tensor(value)), t.cdf(torch.tensor(value)), rtol=1e-6)
    for shape in ((), (2,)):
        assert tuple(d.sample(shape).shape) == tuple(t.sample(shape).shape)
    assert d.has_rsample == t.has_rsample


@pytest.mark.parametrize("name,kw,value", CASES, ids=IDS)
def test_gradients_match_torch(name, kw, value):
    d, da = _build(cr, name, kw, grad=True)
    t, ta = _build(torch, name, kw, grad=True)
    out_d = d.log_prob(cr.tensor(value)).sum()
    out_t = t.log_prob(torch.tensor(value)).sum()
    try:
        out_t = out_t + t.entropy().sum()
        out_d = out_d + d.entropy().sum()
    except NotImplementedError:
        pass
    out_d.backward()
    out_t.backward()
    for k in da:
        if isinstance(da[k], cr.Tensor):
            _close(da[k].grad, ta[k].grad, rtol=1e-6)


@pytest.mark.parametrize("name,kw", [
    ("Gumbel", dict(loc=REAL, scale=POS)), ("Weibull", dict(scale=POS, concentration=POS + 1)),
    ("StudentT", dict(df=np.array([5.0, 8.0, 12.0]), loc=REAL, scale=POS)),
    ("Chi2", dict(df=POS)), ("Geometric", dict(probs=P3)),
    ("NegativeBinomial", dict(total_count=POS + 1, probs=P3 * 0.5)),
    ("HalfNormal", dict(scale=POS))])
def test_sample_moments(name, kw):
    cr.manual_seed(0)
    d, _ = _build(cr, name, kw)
    s = d.sample((40000,)).numpy()
    np.testing.assert_array_less(np.abs(s.mean(0) - d.mean.numpy()),
                                 6 * np.sqrt(d.variance.numpy() / 40000) + 1e-9)


def test_mixture_same_family_matches_torch():
    logits = R.standard_normal((2, 3))
    loc, scale = R.standard_normal((2, 3)), R.uniform(0.5, 2, (2, 3))
    d = D.MixtureSameFamily(D.Categorical(logits=cr.tensor(logits)),
                            D.Normal(cr.tensor(loc), cr.tensor(scale)))
    t = TD.MixtureSameFamily(TD.Categorical(logits=torch.tensor(logits)),
                             TD.Normal(torch.tensor(loc), torch.tensor(scale)))
    x = R.standard_normal((5, 2))
    _close(d.log_prob(cr.tensor(x)), t.log_prob(torch.tensor(x)))
    _close(d.mean, t.mean)
    _close(d.variance, t.variance)
    _close(d.cdf(cr.tensor(x)), t.cdf(torch.tensor(x)))
    assert tuple(d.sample((7,)).shape) == (7, 2)
    # A Gaussian mixture over 2-D events (Independent components)
    dm = D.MixtureSameFamily(D.Categorical(logits=cr.zeros(3)),
                             D.Independent(D.Normal(cr.randn(3, 2), cr.ones(3, 2)), 1))
    tm = TD.MixtureSameFamily(TD.Categorical(logits=torch.zeros(3)),
                              TD.Independent(TD.Normal(torch.tensor(dm.component_distribution
                                                                    .base_dist.loc.numpy()),
                                                       torch.ones(3, 2)), 1))
    y = np.random.default_rng(3).standard_normal((4, 2)).astype(np.float32)
    np.testing.assert_allclose(dm.log_prob(cr.tensor(y)).numpy(),
                               tm.log_prob(torch.tensor(y)).numpy(), rtol=1e-5)
    assert tuple(dm.sample((6,)).shape) == (6, 2)


def test_straight_through_one_hot():
    p = cr.tensor([0.2, 0.5, 0.3], requires_grad=True)
    s = D.OneHotCategoricalStraightThrough(probs=p).rsample((4,))
    assert s.shape == (4, 3) and np.all(s.detach().numpy().sum(-1) == 1)
    (s * cr.tensor([1.0, 2.0, 3.0])).sum().backward()
    tp = torch.tensor([0.2, 0.5, 0.3], requires_grad=True)
    ts = TD.OneHotCategoricalStraightThrough(probs=tp).rsample((4,))
    (ts * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6)
