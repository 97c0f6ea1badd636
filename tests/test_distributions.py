"""chainrule.distributions against torch.distributions: log_prob, cdf/icdf, entropy,
moments, shapes, KL for every registered pair, gradients, reparameterised samples."""
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
SIMPLEX = R.dirichlet(np.ones(4), size=2)
A = R.standard_normal((3, 3))
COV = A @ A.T + 3 * np.eye(3)

# name, constructor kwargs (NumPy float64 arrays or numbers), values for log_prob
CASES = [
    ("Normal", dict(loc=REAL, scale=POS), R.standard_normal((5, 3))),
    ("Normal", dict(loc=0.5, scale=2.0), R.standard_normal(4)),
    ("Laplace", dict(loc=REAL, scale=POS), R.standard_normal((5, 3))),
    ("Uniform", dict(low=REAL - 1, high=REAL + 2), REAL + 0.5),
    ("Exponential", dict(rate=POS), R.uniform(0.1, 3, (2, 3))),
    ("Gamma", dict(concentration=POS, rate=POS[::-1].copy()), R.uniform(0.1, 3, (2, 3))),
    ("Beta", dict(concentration1=POS, concentration0=POS[::-1].copy()), R.uniform(0.05, 0.95, 3)),
    ("Dirichlet", dict(concentration=np.stack([POS, POS + 1])), R.dirichlet(np.ones(3), 2)),
    ("Bernoulli", dict(probs=P3), np.array([1.0, 0.0, 1.0])),
    ("Bernoulli", dict(logits=REAL), np.array([0.0, 0.0, 1.0])),
    ("Categorical", dict(probs=SIMPLEX), np.array([3, 0])),
    ("Categorical", dict(logits=R.standard_normal((2, 5))), np.array([[4, 1], [0, 2]])),
    ("OneHotCategorical", dict(probs=SIMPLEX), np.eye(4)[[1, 3]]),
    ("Binomial", dict(total_count=10, probs=P3), np.array([3.0, 0.0, 10.0])),
    ("Binomial", dict(total_count=np.array([4.0, 5.0, 6.0]), logits=REAL), np.array([1.0, 5.0, 2.0])),
    ("Poisson", dict(rate=POS), np.array([0.0, 2.0, 5.0])),
    ("LogNormal", dict(loc=REAL, scale=POS), R.uniform(0.1, 3, 3)),
    ("MultivariateNormal", dict(loc=REAL, covariance_matrix=COV), R.standard_normal((4, 3))),
    ("MultivariateNormal", dict(loc=REAL, scale_tril=np.linalg.cholesky(COV)), R.standard_normal(3)),
    ("MultivariateNormal", dict(loc=REAL, precision_matrix=np.linalg.inv(COV)), R.standard_normal(3)),
]
IDS = [f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]


def _build(lib, name, kw, requires_grad=False):
    mod = D if lib is cr else TD
    args = {}
    for k, v in kw.items():
        if isinstance(v, np.ndarray):
            t = lib.tensor(v.copy())
            if requires_grad and k != "total_count":
                t.requires_grad_(True)
            args[k] = t
        else:
            args[k] = v
    return getattr(mod, name)(**args), args


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _close(a, b, rtol=1e-7, atol=1e-9):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


@pytest.mark.parametrize("name,kw,value", CASES, ids=IDS)
def test_matches_torch(name, kw, value):
    d, _ = _build(cr, name, kw)
    t, _ = _build(torch, name, kw)
    assert tuple(d.batch_shape) == tuple(t.batch_shape)
    assert tuple(d.event_shape) == tuple(t.event_shape)
    dtype = np.int64 if name == "Categorical" else np.float64
    _close(d.log_prob(cr.tensor(value.astype(dtype))), t.log_prob(torch.tensor(value.astype(dtype))))
    for prop in ("mean", "variance", "stddev", "mode"):
        try:
            ref = getattr(t, prop)
        except NotImplementedError:
            continue
        _close(getattr(d, prop), ref)
    try:
        ref = t.entropy()
    except NotImplementedError:
        ref = None
    if ref is not None:
        _close(d.entropy(), ref)
    if name in ("Normal", "Laplace", "Uniform", "Exponential", "LogNormal", "Gamma"):
        _close(d.cdf(cr.tensor(value)), t.cdf(torch.tensor(value)), rtol=1e-6)
    if name in ("Normal", "Laplace", "Uniform", "Exponential", "LogNormal"):
        u = R.uniform(0.05, 0.95, value.shape)
        _close(d.icdf(cr.tensor(u)), t.icdf(torch.tensor(u)), rtol=1e-6)
    for shape in ((), (2,), (4, 1)):
        s = d.sample(shape)
        assert tuple(s.shape) == tuple(t.sample(shape).shape)
        assert s.dtype.name == str(t.sample(shape).dtype).replace("torch.", "")
        assert not s.requires_grad
    assert d.has_rsample == t.has_rsample


@pytest.mark.parametrize("name,kw,value", CASES, ids=IDS)
def test_log_prob_and_entropy_gradients_match_torch(name, kw, value):
    d, dargs = _build(cr, name, kw, requires_grad=True)
    t, targs = _build(torch, name, kw, requires_grad=True)
    dtype = np.int64 if name == "Categorical" else np.float64
    out_d = d.log_prob(cr.tensor(value.astype(dtype))).sum()
    out_t = t.log_prob(torch.tensor(value.astype(dtype))).sum()
    try:
        out_t = out_t + t.entropy().sum()
        out_d = out_d + d.entropy().sum()
    except NotImplementedError:
        pass
    if not out_d.requires_grad:
        return  # numbers as parameters: nothing to differentiate
    out_d.backward()
    out_t.backward()
    for k in dargs:
        if isinstance(dargs[k], cr.Tensor) and dargs[k].requires_grad:
            _close(dargs[k].grad, targs[k].grad, rtol=1e-6, atol=1e-8)


_MOMENT_CASES = [(i, c) for i, c in zip(IDS, CASES) if c[0] not in (
    "Categorical", "OneHotCategorical", "Dirichlet", "Bernoulli", "LogNormal")] + [
    ("LogNormal-small", ("LogNormal", dict(loc=REAL, scale=POS * 0.1), None))]


@pytest.mark.parametrize("name,kw,value", [c for _, c in _MOMENT_CASES],
                         ids=[i for i, _ in _MOMENT_CASES])
def test_sample_moments(name, kw, value):
    cr.manual_seed(1)
    d, _ = _build(cr, name, kw)
    s = d.sample((40000,)).numpy()
    mean, var = d.mean.numpy(), d.variance.numpy()
    np.testing.assert_array_less(np.abs(s.mean(0) - mean), 6 * np.sqrt(var / 40000) + 1e-9)
    np.testing.assert_allclose(s.var(0), var, rtol=0.08)


def test_categorical_and_dirichlet_sample_frequencies():
    cr.manual_seed(2)
    p = np.array([0.1, 0.2, 0.7])
    s = D.Categorical(probs=cr.tensor(p)).sample((30000,)).numpy()
    np.testing.assert_allclose(np.bincount(s, minlength=3) / 30000, p, atol=0.01)
    c = np.array([2.0, 3.0, 5.0])
    x = D.Dirichlet(cr.tensor(c)).sample((20000,)).numpy()
    np.testing.assert_allclose(x.sum(-1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(x.mean(0), c / c.sum(), atol=0.01)


KL_PAIRS = [
    ("Normal", dict(loc=REAL, scale=POS), dict(loc=REAL[::-1].copy(), scale=POS + 1)),
    ("Laplace", dict(loc=REAL, scale=POS), dict(loc=REAL + 1, scale=POS[::-1].copy())),
    ("Uniform", dict(low=REAL - 1, high=REAL + 1), dict(low=REAL - 2, high=REAL + 3)),
    ("Uniform", dict(low=REAL - 1, high=REAL + 1), dict(low=REAL, high=REAL + 3)),
    ("Exponential", dict(rate=POS), dict(rate=POS[::-1].copy())),
    ("Gamma", dict(concentration=POS, rate=POS + 1), dict(concentration=POS + 2, rate=POS)),
    ("Beta", dict(concentration1=POS, concentration0=POS + 1),
     dict(concentration1=POS + 2, concentration0=POS)),
    ("Dirichlet", dict(concentration=np.stack([POS, POS + 1])),
     dict(concentration=np.stack([POS + 2, POS]))),
    ("Bernoulli", dict(probs=P3), dict(logits=REAL)),
    ("Categorical", dict(probs=SIMPLEX), dict(logits=R.standard_normal((2, 4)))),
    ("OneHotCategorical", dict(probs=SIMPLEX), dict(probs=SIMPLEX[::-1].copy())),
    ("Binomial", dict(total_count=5, probs=P3), dict(total_count=5, logits=REAL)),
    ("Poisson", dict(rate=POS), dict(rate=POS + 0.5)),
    ("MultivariateNormal", dict(loc=REAL, covariance_matrix=COV),
     dict(loc=REAL + 1, scale_tril=np.linalg.cholesky(COV + np.eye(3)))),
    ("LogNormal", dict(loc=REAL, scale=POS), dict(loc=REAL + 1, scale=POS + 1)),
]


@pytest.mark.parametrize("name,kp,kq", KL_PAIRS, ids=[f"{n}-{i}" for i, (n, _, _) in
                                                       enumerate(KL_PAIRS)])
def test_kl_divergence_matches_torch(name, kp, kq):
    dp, dpa = _build(cr, name, kp, requires_grad=True)
    dq, _ = _build(cr, name, kq)
    tp, tpa = _build(torch, name, kp, requires_grad=True)
    tq, _ = _build(torch, name, kq)
    kd, kt = D.kl_divergence(dp, dq), TD.kl_divergence(tp, tq)
    _close(kd, kt)
    finite = np.isfinite(_np(kt)).all()
    if finite:
        kd.sum().backward()
        kt.sum().backward()
        for k in dpa:
            if isinstance(dpa[k], cr.Tensor) and dpa[k].requires_grad:
                _close(dpa[k].grad, tpa[k].grad, rtol=1e-6, atol=1e-8)


def test_independent_and_its_kl():
    loc, scale = R.standard_normal((2, 3)), R.uniform(0.5, 2, (2, 3))
    d = D.Independent(D.Normal(cr.tensor(loc), cr.tensor(scale)), 1)
    t = TD.Independent(TD.Normal(torch.tensor(loc), torch.tensor(scale)), 1)
    assert tuple(d.batch_shape) == (2,) and tuple(d.event_shape) == (3,)
    x = R.standard_normal((4, 2, 3))
    _close(d.log_prob(cr.tensor(x)), t.log_prob(torch.tensor(x)))
    _close(d.entropy(), t.entropy())
    q = D.Independent(D.Normal(cr.tensor(loc + 1), cr.tensor(scale)), 1)
    tq = TD.Independent(TD.Normal(torch.tensor(loc + 1), torch.tensor(scale)), 1)
    _close(D.kl_divergence(d, q), TD.kl_divergence(t, tq))


@pytest.mark.parametrize("make", [
    lambda M, lib: [M.transforms.AffineTransform(lib.tensor(REAL), lib.tensor(POS)),
                    M.transforms.ExpTransform()],
    lambda M, lib: [M.transforms.TanhTransform()],
    lambda M, lib: [M.transforms.SigmoidTransform()],
    lambda M, lib: [M.transforms.SoftplusTransform()],
    lambda M, lib: [M.transforms.ExpTransform(), M.transforms.PowerTransform(lib.tensor(2.0))],
    lambda M, lib: [M.transforms.AffineTransform(1.0, -2.0)],
])
def test_transformed_distribution_matches_torch(make):
    d = D.TransformedDistribution(D.Normal(cr.zeros(3, dtype=cr.float64), cr.ones(3, dtype=cr.float64)),
                                  make(D, cr))
    t = TD.TransformedDistribution(TD.Normal(torch.zeros(3, dtype=torch.float64),
                                             torch.ones(3, dtype=torch.float64)), make(TD, torch))
    y = t.sample((5,))
    _close(d.log_prob(cr.tensor(y.numpy())), t.log_prob(y), rtol=1e-6)
    x = R.standard_normal(3)
    for td_, tt_ in zip(d.transforms, t.transforms):
        yd, yt = td_(cr.tensor(x)), tt_(torch.tensor(x))
        _close(yd, yt)
        _close(td_.log_abs_det_jacobian(cr.tensor(x), yd), tt_.log_abs_det_jacobian(
            torch.tensor(x), yt), rtol=1e-6)
        _close(td_.inv(yd), x, rtol=1e-6, atol=1e-7)
        x = yd.numpy()


def test_rsample_is_differentiable_and_reparameterised():
    cr.manual_seed(3)
    loc = cr.tensor([0.5, -1.0], requires_grad=True)
    scale = cr.tensor([1.0, 2.0], requires_grad=True)
    d = D.Normal(loc, scale)
    s = d.rsample((20000,))
    (s ** 2).mean(0).sum().backward()   # E[x^2] = loc^2 + scale^2
    np.testing.assert_allclose(loc.grad.numpy(), 2 * loc.detach().numpy(), atol=0.05)
    np.testing.assert_allclose(scale.grad.numpy(), 2 * scale.detach().numpy(), atol=0.1)
    with pytest.raises(NotImplementedError):
        D.Bernoulli(probs=cr.tensor(0.3)).rsample()


@pytest.mark.parametrize("alpha", [0.3, 1.0, 2.5, 10.0, 60.0])
def test_standard_gamma_gradient_matches_torch(alpha):
    from chainrule.distributions._sampling import standard_gamma_grad
    z = np.random.default_rng(4).gamma(alpha, size=50)
    ref = torch._standard_gamma_grad(torch.full((50,), alpha, dtype=torch.float64),
                                     torch.tensor(z)).numpy()
    np.testing.assert_allclose(standard_gamma_grad(z, np.full(50, alpha)), ref, rtol=2e-4,
                               atol=1e-7)


def test_gamma_beta_dirichlet_rsample_gradients_are_unbiased():
    cr.manual_seed(5)
    a = cr.tensor([0.7, 3.0], dtype=cr.float64, requires_grad=True)
    D.Gamma(a, cr.tensor(2.0, dtype=cr.float64)).rsample((40000,)).mean(0).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [0.5, 0.5], rtol=0.03)  # d/da (a / rate)
    c1 = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    c0 = cr.tensor(3.0, dtype=cr.float64, requires_grad=True)
    D.Beta(c1, c0).rsample((40000,)).mean().backward()  # mean = c1 / (c1 + c0)
    np.testing.assert_allclose([c1.grad.item(), c0.grad.item()], [3 / 25, -2 / 25], atol=0.01)


def test_validate_args_like_torch():
    with pytest.raises(ValueError, match="scale.*GreaterThan"):
        D.Normal(cr.tensor([0.0]), cr.tensor([-1.0]))
    with pytest.raises(ValueError, match="support"):
        D.Exponential(cr.tensor(1.0)).log_prob(cr.tensor(-1.0))
    with pytest.raises(ValueError, match="not both"):
        D.Bernoulli(probs=cr.tensor(0.5), logits=cr.tensor(0.0))
    with pytest.raises(ValueError, match="broadcastable"):
        D.Normal(cr.zeros(3), cr.ones(3)).log_prob(cr.zeros(4))
    d = D.Normal(cr.tensor([0.0]), cr.tensor([-1.0]), validate_args=False)  # allowed
    assert d.batch_shape == (1,)
    with pytest.raises(NotImplementedError, match="No KL"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Gamma(1.0, 1.0))


def test_expand_and_sample_shapes():
    d = D.Normal(cr.zeros(3), cr.ones(3)).expand((2, 3))
    assert tuple(d.batch_shape) == (2, 3) and tuple(d.sample((4,)).shape) == (4, 2, 3)
    m = D.MultivariateNormal(cr.zeros(3), cr.eye(3)).expand((5,))
    assert tuple(m.rsample((2,)).shape) == (2, 5, 3)
    c = D.Categorical(logits=cr.zeros(4)).expand((2,))
    assert tuple(c.sample((3,)).shape) == (3, 2)
    assert c.enumerate_support().shape == (4, 2)


def test_vae_style_training_step():
    # The idiom of VAE tutorials: rsample, log_prob, kl_divergence to a standard normal.
    cr.manual_seed(0)
    enc = cr.nn.Linear(4, 4)
    x = cr.randn(8, 4)
    h = enc(x)
    mu, log_sigma = h[:, :2], h[:, 2:]
    q = D.Normal(mu, log_sigma.exp())
    z = q.rsample()
    loss = -q.log_prob(z).sum() + D.kl_divergence(q, D.Normal(0.0, 1.0)).sum()
    loss.backward()
    assert enc.weight.grad is not None and np.isfinite(enc.weight.grad.numpy()).all()
