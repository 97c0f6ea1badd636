"""The small remaining ops of issue 10 (functions/gap_a.py, signal.windows, fft shifts):
values against torch, gradcheck in float64 where differentiable."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")
RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4,))


def _eq(got, want, **kw):
    g = got.detach().numpy() if isinstance(got, cr.Tensor) else np.asarray(got)
    w = want.detach().numpy()
    assert g.shape == w.shape and str(g.dtype) == str(w.dtype)
    np.testing.assert_allclose(g, w, equal_nan=True, **kw)


@pytest.mark.parametrize("name", ["angle", "deg2rad", "rad2deg", "conj_physical", "sgn",
                                  "isposinf", "isneginf", "isreal", "signbit", "msort"])
def test_unary_vs_torch(name):
    a = np.concatenate([A.ravel(), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    _eq(getattr(cr, name)(cr.tensor(a)), getattr(torch, name)(torch.tensor(a)))
    _eq(getattr(cr, name)(cr.tensor([1, -2, 0])), getattr(torch, name)(torch.tensor([1, -2, 0])))


@pytest.mark.parametrize("name", ["fmax", "fmin", "ldexp", "nextafter", "rsub", "clamp_min",
                                  "clamp_max"])
def test_binary_vs_torch_and_gradcheck(name):
    a, b = A, B
    if name == "ldexp":
        b = np.array([1, -2, 3, 0])
    _eq(getattr(cr, name)(cr.tensor(a), cr.tensor(b)), getattr(torch, name)(
        torch.tensor(a), torch.tensor(b)))
    x = cr.tensor(a, requires_grad=True)
    y = cr.tensor(b, requires_grad=b.dtype.kind == "f")
    ins = [x, y] if y.requires_grad else [x]
    assert gradcheck(lambda *t: getattr(cr, name)(t[0], t[1] if len(t) > 1 else y), ins)


def test_frexp_gcd_lcm_and_nan_rules():
    m, e = cr.frexp(cr.tensor([3.0, 0.0, -5.5]))
    tm, te = torch.frexp(torch.tensor([3.0, 0.0, -5.5]))
    _eq(m, tm)
    _eq(e, te)
    x = cr.tensor([3.0, -5.5], dtype=cr.float64, requires_grad=True)
    assert gradcheck(lambda t: cr.frexp(t)[0], [x])
    a, b = np.array([12, -18, 0, 7]), np.array([8, 12, 5, 0])
    _eq(cr.gcd(cr.tensor(a), cr.tensor(b)), torch.gcd(torch.tensor(a), torch.tensor(b)))
    _eq(cr.lcm(cr.tensor(a), cr.tensor(b)), torch.lcm(torch.tensor(a), torch.tensor(b)))
    nan = float("nan")
    _eq(cr.fmax(cr.tensor([nan, 1.0]), cr.tensor([2.0, nan])),
        torch.fmax(torch.tensor([nan, 1.0]), torch.tensor([2.0, nan])))


def test_cumulative_trapezoid_unique_consecutive():
    y, x = RNG.standard_normal((2, 5)), np.sort(RNG.standard_normal(5))
    _eq(cr.cumulative_trapezoid(cr.tensor(y), cr.tensor(x)),
        torch.cumulative_trapezoid(torch.tensor(y), torch.tensor(x)))
    _eq(cr.cumulative_trapezoid(cr.tensor(y), dx=0.5, dim=0),
        torch.cumulative_trapezoid(torch.tensor(y), dx=0.5, dim=0))
    assert gradcheck(lambda t: cr.cumulative_trapezoid(t, cr.tensor(x)),
                     [cr.tensor(y, requires_grad=True)])
    v = np.array([1, 1, 2, 2, 3, 1, 1])
    got = cr.unique_consecutive(cr.tensor(v), return_inverse=True, return_counts=True)
    want = torch.unique_consecutive(torch.tensor(v), return_inverse=True, return_counts=True)
    for g, w in zip(got, want):
        _eq(g, w)
    m = np.array([[1, 2], [1, 2], [3, 4]])
    _eq(cr.unique_consecutive(cr.tensor(m), dim=0), torch.unique_consecutive(torch.tensor(m), dim=0))


def test_creation_and_random_fills():
    assert tuple(cr.empty_strided((2, 3), (1, 2)).shape) == (2, 3)
    assert tuple(cr.empty_permuted((2, 3, 4), (2, 0, 1)).shape) == (2, 3, 4)
    _eq(cr.scalar_tensor(3), torch.scalar_tensor(3))
    assert cr.tensor([1.0]).new_empty_strided((2, 2), (2, 1)).dtype == cr.float32
    cr.manual_seed(0)
    t = cr.empty(2000, dtype=cr.float64)
    assert abs(float(np.median(t.cauchy_(1.0, 0.5).numpy())) - 1.0) < 0.1
    assert (t.log_normal_(0.0, 0.5).numpy() > 0).all()
    g = t.geometric_(0.25).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4.0) < 0.5
    with pytest.raises(RuntimeError, match="sigma"):
        t.cauchy_(0.0, -1.0)


@pytest.mark.parametrize("name,kw", [("bartlett", {}), ("blackman", {}), ("cosine", {}),
                                     ("exponential", {"tau": 2.0}), ("gaussian", {"std": 1.5}),
                                     ("general_cosine", {"a": [0.5, 0.3, 0.2]}),
                                     ("general_hamming", {"alpha": 0.6}), ("hamming", {}),
                                     ("hann", {}), ("kaiser", {"beta": 8.0}), ("nuttall", {})])
@pytest.mark.parametrize("sym", [True, False])
def test_windows(name, kw, sym):
    for m in (0, 1, 7, 10):
        _eq(getattr(cr.signal.windows, name)(m, sym=sym, dtype=cr.float64, **kw),
            getattr(torch.signal.windows, name)(m, sym=sym, dtype=torch.float64, **kw),
            rtol=1e-12, atol=1e-14)


def test_fft_shifts():
    a = RNG.standard_normal((3, 5))
    _eq(cr.fft.fftshift(cr.tensor(a)), torch.fft.fftshift(torch.tensor(a)))
    _eq(cr.fft.ifftshift(cr.tensor(a), dim=1), torch.fft.ifftshift(torch.tensor(a), dim=1))
    x = cr.tensor(a, requires_grad=True)
    assert gradcheck(cr.fft.fftshift, [x])
