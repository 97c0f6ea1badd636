"""chainrule.special (issue 10): the public torch.special namespace, the NumPy-only special
functions against mpmath / PyTorch in float64, and gradcheck where PyTorch has gradients."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")

X = np.concatenate([np.linspace(-40, 40, 801), np.logspace(-6, 2.5, 60),
                    -np.logspace(-6, 2.5, 60), [0.0]])


def _close(a, b, rtol=1e-12, atol=1e-13):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.array_equal(np.isnan(a), np.isnan(b))
    fin = np.isfinite(b)
    assert np.array_equal(np.isfinite(a), fin)
    np.testing.assert_allclose(a[fin], b[fin], rtol=rtol, atol=atol)


def test_special_is_a_public_module_with_torch_names():
    import chainrule.special as sp
    assert cr.special is sp and sp.__file__.endswith("chainrule/special.py")
    names = [n for n in dir(torch.special) if not n.startswith("_") and n != "Tensor" and
             callable(getattr(torch.special, n))]
    missing = [n for n in names if not hasattr(cr.special, n)]
    assert not missing, missing
    x = cr.tensor([0.3, 0.7])
    assert np.allclose(cr.special.expit(x).numpy(), torch.special.expit(torch.tensor([0.3, 0.7])))
    assert cr.special.psi is cr.special.digamma


@pytest.mark.parametrize("name", ["i0", "i0e", "i1", "i1e", "modified_bessel_i0",
                                  "modified_bessel_i1", "modified_bessel_k0",
                                  "modified_bessel_k1", "scaled_modified_bessel_k0",
                                  "scaled_modified_bessel_k1", "erfcx", "ndtr", "log_ndtr",
                                  "entr", "spherical_bessel_j0"])
def test_unary_against_torch_float64(name):
    got = getattr(cr.special, name)(cr.tensor(X)).numpy()
    want = getattr(torch.special, name)(torch.tensor(X)).numpy()
    # torch's Y0/Y1 are ~1e-15 absolute near their zeros; compare absolutely there
    _close(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name,fn", [("bessel_j0", lambda x: __import__("mpmath").besselj(0, x)),
                                     ("bessel_j1", lambda x: __import__("mpmath").besselj(1, x)),
                                     ("bessel_y0", lambda x: __import__("mpmath").bessely(0, x)),
                                     ("bessel_y1", lambda x: __import__("mpmath").bessely(1, x)),
                                     ("airy_ai", lambda x: __import__("mpmath").airyai(x))])
def test_bessel_j_and_airy_against_mpmath(name, fn):
    # PyTorch's own J0/J1/Y0/Y1 (about 3e-7 off near x = 5) and Ai (3e-6 near x = -2) are
    # less accurate than these in float64, so the reference here is mpmath.
    pytest.importorskip("mpmath")
    xs = np.linspace(-30, 30, 241)
    if "bessel_y" in name:
        xs = np.concatenate([np.linspace(0.01, 40, 200), np.logspace(-6, 3, 30)])
    got = getattr(cr.special, name)(cr.tensor(xs)).numpy()
    want = np.array([float(fn(x)) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_ndtri_zeta_igamma_polynomials_against_torch():
    p = np.concatenate([np.linspace(0, 1, 401), np.logspace(-300, -1, 100),
                        1 - np.logspace(-16, -1, 50)])
    _close(cr.special.ndtri(cr.tensor(p)).numpy(), torch.special.ndtri(torch.tensor(p)).numpy())
    xx, qq = np.meshgrid(np.linspace(-3, 12, 31), np.linspace(-4, 10, 29))
    _close(cr.special.zeta(cr.tensor(xx), cr.tensor(qq)).numpy(),
           torch.special.zeta(torch.tensor(xx), torch.tensor(qq)).numpy(), rtol=1e-12)
    aa, zz = np.meshgrid(np.linspace(0, 15, 31), np.linspace(0, 30, 31))
    # torch's igamma is itself ~4e-10 off near a = x = 20 (checked against mpmath)
    _close(cr.igamma(cr.tensor(aa), cr.tensor(zz)).numpy(),
           torch.igamma(torch.tensor(aa), torch.tensor(zz)).numpy(), rtol=1e-11, atol=1e-12)
    _close(cr.igammac(cr.tensor(aa), cr.tensor(zz)).numpy(),
           torch.igammac(torch.tensor(aa), torch.tensor(zz)).numpy(), rtol=1e-11, atol=1e-12)
    X2, N = np.meshgrid(np.linspace(-2, 2, 21), np.arange(-1, 12))
    for kind in ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_w",
                 "shifted_chebyshev_polynomial_v", "hermite_polynomial_h",
                 "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"):
        _close(getattr(cr.special, kind)(cr.tensor(X2), cr.tensor(N * 1.0)).numpy(),
               getattr(torch.special, kind)(torch.tensor(X2), torch.tensor(N * 1.0)).numpy(),
               rtol=1e-12, atol=1e-11)


def test_igamma_against_mpmath():
    mpmath = pytest.importorskip("mpmath")
    for a, x in [(21.0, 21.0), (0.5, 0.1), (5.0, 3.0), (30.0, 12.0), (2.5, 40.0)]:
        want = float(mpmath.gammainc(a, 0, x, regularized=True))
        got = cr.igamma(cr.tensor([a], dtype=cr.float64), cr.tensor([x], dtype=cr.float64))
        assert abs(got.item() - want) < 1e-14


@pytest.mark.parametrize("name,low,high", [("i0", -5, 5), ("i0e", -5, 5), ("i1", -5, 5),
                                           ("i1e", -5, 5), ("erfcx", -3, 8), ("ndtr", -4, 4),
                                           ("log_ndtr", -30, 5), ("ndtri", 0.01, 0.99),
                                           ("entr", 0.05, 3)])
def test_gradcheck_and_grad_vs_torch(name, low, high):
    rng = np.random.default_rng(0)
    a = rng.uniform(low, high, (7,))
    x = cr.tensor(a, requires_grad=True)
    fn = getattr(cr.special, name)
    assert gradcheck(fn, [x])
    fn(x).sum().backward()
    t = torch.tensor(a, requires_grad=True)
    getattr(torch.special, name)(t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_xlog1py_gradcheck_and_zero_rule():
    x = cr.tensor([0.0, 1.5, -2.0], dtype=cr.float64, requires_grad=True)
    y = cr.tensor([-1.0, 0.5, 3.0], dtype=cr.float64, requires_grad=True)
    out = cr.special.xlog1py(x, y)
    assert out.detach().numpy()[0] == 0.0
    xa = cr.tensor([0.3, 1.5, -2.0], dtype=cr.float64, requires_grad=True)
    ya = cr.tensor([-0.5, 0.5, 3.0], dtype=cr.float64, requires_grad=True)
    assert gradcheck(cr.special.xlog1py, [xa, ya])


def test_no_gradient_ops_raise_pytorchs_error():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        cr.special.bessel_j0(x).sum().backward()
