"""More special functions without SciPy (torch.special): Bessel functions (J0, J1, Y0, Y1, the
modified I0, I1, K0, K1 and their scaled forms), Airy Ai, erfcx, the normal distribution's
ndtr / ndtri / log_ndtr, entr, xlog1py, Hurwitz zeta, the regularised incomplete gamma
functions and the classical orthogonal polynomials.

Numerics, all vectorised NumPy, each accurate to ~1e-13 relative in float64:
- Bessel functions from their integral representations, evaluated by quadrature rules that
  converge exponentially for these integrands (the trapezoidal rule on periodic or
  doubly-infinite analytic integrands, Gauss-Legendre on entire ones), switching to the
  Hankel asymptotic series for |x| >= 25 (where its smallest term is below 1e-20);
- erfcx by math.erfc scaled (moderate x) and its continued fraction (large x);
- zeta by Euler-Maclaurin summation (Cephes' scheme), the incomplete gamma by its power
  series and Legendre's continued fraction (Numerical Recipes' split at x = a + 1).
"""
import math

import numpy as np

from . import dual
from ._util import as_operand, broadcast_error, floating, promote
from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor
from .elementwise import Xlogy
from .special import _erfc_exact, _as, np_lgamma

_make = Tensor._make
sum_to = dual.sum_to
_ASYM = 25.0            # |x| from which the Hankel / large-argument series are used
_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)


def _flat(x):
    return np.asarray(x, dtype=np.float64).reshape(-1)


def _chunks(n, width):
    """Row ranges so a (rows, width) quadrature block stays around 4 MB."""
    step = max(1, 500_000 // max(width, 1))
    for i in range(0, n, step):
        yield slice(i, min(n, i + step))


def _gauss(f, a, b, x):
    """integral_a^b f(t, x) dt per element of x, 96-point Gauss-Legendre (a, b arrays or
    numbers broadcast with x)."""
    out = np.empty_like(x)
    a = np.broadcast_to(a, x.shape)
    b = np.broadcast_to(b, x.shape)
    for s in _chunks(x.size, _GL_X.size):
        lo, hi = a[s, None], b[s, None]
        half = 0.5 * (hi - lo)
        t = lo + half * (_GL_X + 1.0)
        out[s] = (f(t, x[s, None]) * _GL_W).sum(axis=1) * half[:, 0]
    return out


def _asym_coeffs(nu, n):
    """a_k(nu) = prod_{j=1..k} (4 nu^2 - (2j-1)^2) / (k! 8^k), k = 0..n-1."""
    mu = 4.0 * nu * nu
    c = [1.0]
    for k in range(1, n):
        c.append(c[-1] * (mu - (2 * k - 1) ** 2) / (k * 8.0))
    return c


def _hankel(nu, x):
    """(J_nu(x), Y_nu(x)) for x >= 25 by Hankel's asymptotic expansion."""
    a = _asym_coeffs(nu, 30)
    p = np.zeros_like(x)
    q = np.zeros_like(x)
    for k in range(0, 30, 2):
        p += (-1) ** (k // 2) * a[k] / x ** k
    for k in range(1, 30, 2):
        q += (-1) ** (k // 2) * a[k] / x ** k
    chi = x - (0.5 * nu + 0.25) * math.pi
    r = np.sqrt(2.0 / (math.pi * x))
    c, s = np.cos(chi), np.sin(chi)
    return r * (p * c - q * s), r * (p * s + q * c)


def _bessel_jy(nu, x, want_y):
    """J_nu(x) (nu = 0, 1, +-1/3) for x >= 0, or Y_nu(x) for x > 0 (nu = 0, 1)."""
    out = np.empty_like(x)
    big = x >= _ASYM
    if big.any():
        j, y = _hankel(nu, x[big])
        out[big] = y if want_y else j
    small = ~big
    xs = x[small]
    if xs.size:
        if not want_y:
            # J_nu(x) = 1/pi int_0^pi cos(nu t - x sin t) dt - sin(nu pi)/pi int_0^inf
            #           exp(-x sinh t - nu t) dt
            v = _gauss(lambda t, z: np.cos(nu * t - z * np.sin(t)), 0.0, math.pi, xs) / math.pi
            if nu != int(nu):
                # the integrand falls from its value at 0 to below e^-60 by here
                top = np.arcsinh(70.0 / np.maximum(xs, 1e-300)) + 1.0
                v -= math.sin(nu * math.pi) / math.pi * _gauss(
                    lambda t, z: np.exp(-z * np.sinh(t) - nu * t), 0.0, top, xs)
        else:
            # Y_n(x) = 1/pi int_0^pi sin(x sin t - n t) dt
            #          - 1/pi int_0^inf (e^{nt} + (-1)^n e^{-nt}) exp(-x sinh t) dt
            v = _gauss(lambda t, z: np.sin(z * np.sin(t) - nu * t), 0.0, math.pi, xs) / math.pi
            with np.errstate(divide="ignore", over="ignore"):
                top = np.arcsinh(60.0 / xs)
            sgn = -1.0 if nu % 2 else 1.0
            tail = np.zeros_like(xs)
            # the tail integrand peaks near sinh t = 1/x: split there so both halves are smooth
            mid = np.minimum(np.arcsinh(1.0 / np.maximum(xs, 1e-300)), top)
            for lo, hi in ((0.0, mid), (mid, top)):
                tail += _gauss(lambda t, z: (np.exp(nu * t) + sgn * np.exp(-nu * t))
                               * np.exp(-z * np.sinh(t)), lo, hi, xs)
            v -= tail / math.pi
        out[small] = v
    return out


def np_bessel_j0(x):
    """J0(x): even in x.

    >>> from chainrule.functions.special_more import np_bessel_j0
    >>> np_bessel_j0(np.array([0.0, 1.0, -2.5]))
    array([ 1.        ,  0.76519769, -0.04838378])
    """
    x = _flat(x)
    return _bessel_jy(0, np.abs(x), False)


def np_bessel_j1(x):
    """J1(x): odd in x.

    >>> from chainrule.functions.special_more import np_bessel_j1
    >>> np_bessel_j1(np.array([0.0, 1.0, -2.5]))
    array([ 0.        ,  0.44005059, -0.4970941 ])
    """
    x = _flat(x)
    return np.sign(x) * _bessel_jy(1, np.abs(x), False)


def _bessel_y(n, x):
    x = _flat(x)
    out = np.full_like(x, np.nan)
    pos = x > 0
    out[pos] = _bessel_jy(n, x[pos], True)
    out[x == 0] = -np.inf
    out[x == np.inf] = 0.0
    return out


def np_bessel_y0(x):
    """Y0(x) for x > 0; -inf at 0, NaN below (Cephes / PyTorch).

    >>> from chainrule.functions.special_more import np_bessel_y0
    >>> np_bessel_y0(np.array([0.0, 1.0, 30.0]))
    array([       -inf,  0.08825696, -0.11729573])
    """
    return _bessel_y(0, x)


def np_bessel_y1(x):
    """Y1(x) on a float64 array (flattened): -inf at 0, NaN below, as PyTorch.

    >>> from chainrule.functions.special_more import np_bessel_y1
    >>> np_bessel_y1(np.array([0.0, 1.0, 30.0]))
    array([       -inf, -0.78121282,  0.08442557])
    """
    return _bessel_y(1, x)


def np_ive(nu, x):
    """exp(-|x|) I_nu(|x|) for nu = 0, 1, x >= 0: the trapezoidal rule on
    1/pi int_0^pi exp(x (cos t - 1)) cos(nu t) dt (periodic and even: exponentially
    accurate) below 25, the large-argument series above.

    >>> from chainrule.functions.special_more import np_ive
    >>> np_ive(1, np.array([0.0, 1.0, 30.0]))
    array([5.55111512e-17, 2.07910415e-01, 7.19163306e-02])
    """
    out = np.empty_like(x)
    big = x >= _ASYM
    if big.any():
        xb = x[big]
        a = _asym_coeffs(nu, 30)
        s = np.zeros_like(xb)
        for k in range(30):
            s += (-1) ** k * a[k] / xb ** k
        out[big] = s / np.sqrt(2 * math.pi * xb)
    small = ~big
    if small.any():
        xs = x[small]
        n = 128
        t = np.arange(n + 1) * (math.pi / n)
        w = np.full(n + 1, 1.0 / n)
        w[0] = w[-1] = 0.5 / n
        v = np.empty_like(xs)
        for s in _chunks(xs.size, n + 1):
            v[s] = (np.exp(xs[s, None] * (np.cos(t) - 1.0)) * np.cos(nu * t) * w).sum(axis=1)
        out[small] = v
    return out


def np_i0e(x):
    """exp(-|x|) I0(x) on a float64 array (flattened); 0 at +-inf.

    >>> from chainrule.functions.special_more import np_i0e
    >>> np_i0e(np.array([0.0, -1.0, 2.0]))
    array([1.        , 0.46575961, 0.30850832])
    """
    x = _flat(x)
    out = np_ive(0, np.abs(np.nan_to_num(x, nan=0.0)))
    out[np.isnan(x)] = np.nan
    out[np.isinf(x)] = 0.0
    return out


def np_i1e(x):
    """exp(-|x|) I1(x) on a float64 array (flattened); odd in x.

    >>> from chainrule.functions.special_more import np_i1e
    >>> np_i1e(np.array([0.0, -1.0, 2.0]))
    array([ 0.        , -0.20791042,  0.21526929])
    """
    x = _flat(x)
    out = np.sign(x) * np_ive(1, np.abs(np.nan_to_num(x, nan=0.0)))
    out[np.isnan(x)] = np.nan
    out[np.isinf(x)] = 0.0
    return out


def np_i0(x):
    """I0(x) on a float64 array (flattened), as i0e(x) exp(|x|).

    >>> from chainrule.functions.special_more import np_i0
    >>> np_i0(np.array([0.0, -1.0, 2.0]))
    array([1.        , 1.26606588, 2.2795853 ])
    """
    x = _flat(x)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np_i0e(x) * np.exp(np.abs(x))
    out[np.isinf(x)] = np.inf
    return out


def np_i1(x):
    """I1(x) on a float64 array (flattened), as i1e(x) exp(|x|).

    >>> from chainrule.functions.special_more import np_i1
    >>> np_i1(np.array([0.0, -1.0, 2.0]))
    array([ 0.        , -0.5651591 ,  1.59063685])
    """
    x = _flat(x)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np_i1e(x) * np.exp(np.abs(x))
    out[np.isinf(x)] = np.sign(x[np.isinf(x)]) * np.inf
    return out


def np_kve(nu, x):
    """exp(x) K_nu(x) for x > 0: K_nu(x) = int_0^inf exp(-x cosh t) cosh(nu t) dt, the
    trapezoidal rule over the (even, doubly-exponentially decaying) integrand, with the step
    scaled to the peak's width; the large-argument series from 25.

    >>> from chainrule.functions.special_more import np_kve
    >>> np_kve(0, np.array([0.5, 1.0, 30.0]))
    array([1.52410939, 1.14446308, 0.22788667])
    """
    out = np.empty_like(x)
    big = x >= _ASYM
    if big.any():
        xb = x[big]
        a = _asym_coeffs(nu, 30)
        s = np.zeros_like(xb)
        for k in range(30):
            s += a[k] / xb ** k
        out[big] = s * np.sqrt(math.pi / (2 * xb))
    small = ~big
    if small.any():
        xs = x[small]
        top = np.arccosh(1.0 + 50.0 / xs)
        h = np.minimum(0.2, 0.6 / np.sqrt(xs))
        n = int(np.ceil((top / h).max())) + 1
        k = np.arange(n + 1)
        v = np.empty_like(xs)
        for s in _chunks(xs.size, n + 1):
            hs = (top[s] / n)[:, None]
            t = k * hs
            f = np.exp(-xs[s, None] * (np.cosh(t) - 1.0)) * np.cosh(nu * t)
            f[:, 0] *= 0.5
            v[s] = f.sum(axis=1) * hs[:, 0]
        out[small] = v
    return out


def _k(nu, x, scaled):
    x = _flat(x)
    out = np.full_like(x, np.nan)
    pos = (x > 0) & np.isfinite(x)
    with np.errstate(over="ignore", under="ignore"):
        v = np_kve(nu, x[pos])
        out[pos] = v if scaled else v * np.exp(-x[pos])
    out[x == 0] = np.inf
    out[x == np.inf] = 0.0
    return out


def np_k0(x):
    """K0(x) on a float64 array (flattened): inf at 0, NaN below.

    >>> from chainrule.functions.special_more import np_k0
    >>> np_k0(np.array([0.0, 1.0, 2.0]))
    array([       inf, 0.42102444, 0.11389387])
    """
    return _k(0, x, False)


def np_k1(x):
    """K1(x) on a float64 array (flattened): inf at 0, NaN below.

    >>> from chainrule.functions.special_more import np_k1
    >>> np_k1(np.array([0.0, 1.0, 2.0]))
    array([       inf, 0.60190723, 0.13986588])
    """
    return _k(1, x, False)


def np_k0e(x):
    """exp(x) K0(x) on a float64 array (flattened).

    >>> from chainrule.functions.special_more import np_k0e
    >>> np_k0e(np.array([1.0, 100.0]))
    array([1.14446308, 0.12517562])
    """
    return _k(0, x, True)


def np_k1e(x):
    """exp(x) K1(x) on a float64 array (flattened).

    >>> from chainrule.functions.special_more import np_k1e
    >>> np_k1e(np.array([1.0, 100.0]))
    array([1.63615349, 0.12579995])
    """
    return _k(1, x, True)


_AI0 = 0.355028053887817239260   # Ai(0)
_AIP0 = 0.258819403792806798405  # -Ai'(0)


def np_airy_ai(x):
    """Ai(x): its Maclaurin series for |x| <= 1, sqrt(x/3)/pi K_{1/3}(zeta) above (K_{1/3} by the
    same trapezoidal rule as K0), sqrt(|x|)/3 (J_{1/3} + J_{-1/3})(zeta) below, zeta =
    2/3 |x|^{3/2}.

    >>> from chainrule.functions.special_more import np_airy_ai
    >>> np_airy_ai(np.array([-3.0, 0.0, 0.5, 2.0]))
    array([-0.37881429,  0.35502805,  0.23169361,  0.03492413])
    """
    x = _flat(x)
    out = np.full_like(x, np.nan)
    small = np.abs(x) <= 1.0
    xs = x[small]
    f = np.ones_like(xs)
    g = xs.copy()
    tf, tg = f.copy(), g.copy()
    x3 = xs ** 3
    for k in range(1, 25):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f += tf
        g += tg
    out[small] = _AI0 * f - _AIP0 * g
    pos = (x > 1.0) & np.isfinite(x)
    if pos.any():
        xp = x[pos]
        z = (2.0 / 3.0) * xp ** 1.5
        with np.errstate(under="ignore", over="ignore"):
            out[pos] = np.sqrt(xp / 3.0) / math.pi * np_kve(1.0 / 3.0, z) * np.exp(-z)
    neg = (x < -1.0) & np.isfinite(x)
    if neg.any():
        xn = -x[neg]
        z = (2.0 / 3.0) * xn ** 1.5
        jp = _bessel_jy(1.0 / 3.0, z, False)
        jm = _bessel_jy(-1.0 / 3.0, z, False)
        out[neg] = np.sqrt(xn) / 3.0 * (jp + jm)
    out[x == np.inf] = 0.0
    out[x == -np.inf] = 0.0
    return out


def np_spherical_j0(x):
    """sin(x)/x, its Taylor series near 0.

    >>> from chainrule.functions.special_more import np_spherical_j0
    >>> np_spherical_j0(np.array([0.0, 0.1, 2.0]))
    array([1.        , 0.99833417, 0.45464871])
    """
    x = _flat(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sin(x) / x
    near = np.abs(x) < 0.5
    x2 = x[near] ** 2
    out[near] = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110 * (
        1 - x2 / 156)))))
    out[np.isinf(x)] = 0.0
    return out


# --- erfcx and the normal distribution -----------------------------------------------------
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


def np_erfcx(x):
    """exp(x^2) erfc(x): math.erfc scaled for x < 5, the continued fraction
    erfcx(x) = 1/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))) above; for x < 0,
    2 exp(x^2) - erfcx(-x).

    >>> from chainrule.functions.special_more import np_erfcx
    >>> np_erfcx(np.array([-1.0, 0.0, 10.0]))
    array([5.00898008, 1.        , 0.05614099])
    """
    x = _flat(x)
    out = np.empty_like(x)
    ax = np.abs(x)
    mid = ax < 5.0
    with np.errstate(over="ignore"):
        out[mid] = np.exp(ax[mid] ** 2) * np.asarray(_erfc_exact(ax[mid]), np.float64)
    far = ~mid & ~np.isnan(x)
    xf = ax[far]
    cf = xf.copy()
    for k in range(60, 0, -1):
        cf = xf + (k / 2.0) / cf
    out[far] = _INV_SQRT_PI / cf
    neg = x < 0
    with np.errstate(over="ignore"):
        out[neg] = 2.0 * np.exp(x[neg] ** 2) - out[neg]
    out[np.isnan(x)] = np.nan
    out[x == np.inf] = 0.0
    return out


def np_ndtr(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2.

    >>> from chainrule.functions.special_more import np_ndtr
    >>> np_ndtr(np.array([-1.0, 0.0, 1.0]))
    array([0.15865525, 0.5       , 0.84134475])
    """
    x = _flat(x)
    return 0.5 * np.asarray(_erfc_exact(-x / math.sqrt(2.0)), np.float64)


def np_log_ndtr(x):
    """log Phi(x): log1p(-erfc(x/sqrt2)/2) for x >= 0, log(erfcx(-x/sqrt2)/2) - x^2/2 below.

    >>> from chainrule.functions.special_more import np_log_ndtr
    >>> np_log_ndtr(np.array([-30.0, 0.0, 2.0]))
    array([-4.54321244e+02, -6.93147181e-01, -2.30129093e-02])
    """
    x = _flat(x)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = np.log1p(-0.5 * np.asarray(_erfc_exact(x[pos] / math.sqrt(2.0)), np.float64))
    neg = ~pos
    xn = x[neg]
    with np.errstate(over="ignore"):
        out[neg] = np.log(0.5 * np_erfcx(-xn / math.sqrt(2.0))) - 0.5 * xn * xn
    out[np.isnan(x)] = np.nan
    return out


def np_ndtri(p):
    """Phi^{-1}(p): an asymptotic or erfinv start, then Newton on log Phi(y) = log p (in the
    lower half; the upper half by symmetry, 1 - p being exact there).

    >>> from chainrule.functions.special_more import np_ndtri
    >>> np_ndtri(np.array([1e-10, 0.5, 0.975]))
    array([-6.3613409 ,  0.        ,  1.95996398])
    """
    from .special import np_erfinv
    p = _flat(p)
    out = np.full_like(p, np.nan)
    upper = p > 0.5
    q = np.where(upper, 1.0 - p, p)
    ok = (q > 0) & (q <= 0.5)
    qo = q[ok]
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = np.log(qo)
        t = -2.0 * lq
        tail = np.sqrt(np.maximum(t - np.log(t) - math.log(2 * math.pi), 1e-300))
        y = np.where(qo < 1e-6, -tail, math.sqrt(2.0) * np_erfinv(2.0 * qo - 1.0))
        for _ in range(6):
            ln = np_log_ndtr(y)
            # d log Phi / dy = phi / Phi = exp(-y^2/2 - log Phi) / sqrt(2 pi)
            dl = np.exp(-0.5 * y * y - ln) / math.sqrt(2 * math.pi)
            y = y - (ln - lq) / dl
    out[ok] = y
    out[upper] = -out[upper]
    out[p == 0] = -np.inf
    out[p == 1] = np.inf
    out[p == 0.5] = 0.0
    return out


def np_entr(x):
    """-x log x on a float64 array (flattened): 0 at 0, -inf for x < 0.

    >>> from chainrule.functions.special_more import np_entr
    >>> np_entr(np.array([0.0, 0.5, 2.0, -1.0]))
    array([ 0.        ,  0.34657359, -1.38629436,        -inf])
    """
    x = _flat(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = -x * np.log(x)
    out[x == 0] = 0.0
    out[x < 0] = -np.inf
    out[x == np.inf] = -np.inf
    out[np.isnan(x)] = np.nan
    return out


# --- zeta, incomplete gamma -------------------------------------------------------------------
def _bernoulli_even(n):
    """B_2, B_4, ..., B_2n (exact rationals via the Akiyama-Tanigawa algorithm)."""
    from fractions import Fraction
    m = 2 * n + 1
    a = [Fraction(0)] * (m + 1)
    b = []
    for i in range(m + 1):
        a[i] = Fraction(1, i + 1)
        for j in range(i, 0, -1):
            a[j - 1] = j * (a[j - 1] - a[j])
        b.append(a[0])
    return [float(b[2 * k]) for k in range(1, n + 1)]


# Cephes' Euler-Maclaurin coefficients (2k)! / B_2k.
_ZETA_A = [math.factorial(2 * k) / b for k, b in enumerate(_bernoulli_even(12), start=1)]


def np_zeta(x, q):
    """Hurwitz zeta sum_k (k + q)^-x (Cephes' zeta: inf at x == 1, NaN for x < 1; for q <= 0,
    inf at the integers q and NaN elsewhere unless x is an integer).

    >>> from chainrule.functions.special_more import np_zeta
    >>> np_zeta(np.array([2.0, 3.0]), np.array([1.0, 2.0]))
    array([1.64493407, 0.2020569 ])
    """
    x, q = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(q, np.float64))
    shape = x.shape
    x, q = x.reshape(-1).copy(), q.reshape(-1).copy()
    out = np.full_like(x, np.nan)
    # q < 0 is summed too when x is an integer (q^-x is then real), as Cephes does
    good = (x > 1) & ((q > 0) | ((x == np.floor(x)) & (q != np.floor(q))))
    xs, qs = x[good], q[good]
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        s = qs ** -xs
        a = qs.copy()
        b = np.zeros_like(qs)
        for _ in range(9):
            a = a + 1.0
            b = a ** -xs
            s = s + b
        more = a <= 9
        while more.any():  # q small: keep summing to a > 9 (Cephes' loop condition)
            a = np.where(more, a + 1.0, a)
            b = np.where(more, a ** -xs, b)
            s = np.where(more, s + b, s)
            more = a <= 9
        w = a
        s = s + b * w / (xs - 1.0) - 0.5 * b
        fa = np.ones_like(qs)
        k = 0.0
        for c in _ZETA_A:
            fa = fa * (xs + k)
            b = b / w
            t = fa * b / c
            s = s + t
            k += 1.0
            fa = fa * (xs + k)
            b = b / w
            k += 1.0
    out[good] = s
    out[x == 1] = np.inf
    # q <= 0: poles at the non-positive integers, NaN for a non-integer x (q^-x undefined)
    qneg = (q <= 0) & (x > 1)
    out[qneg & (q == np.floor(q))] = np.inf
    out[np.isnan(x) | np.isnan(q)] = np.nan
    return out.reshape(shape)


def _igam_series(a, x):
    """P(a, x) by sum x^n / (a (a+1) ... (a+n)) times x^a e^-x / Gamma(a)."""
    term = 1.0 / a
    s = term.copy()
    ap = a.copy()
    for _ in range(400):
        ap = ap + 1.0
        term = term * x / ap
        s = s + term
    return s * np.exp(-x + a * np.log(x) - np_lgamma(a))


def _igamc_cf(a, x):
    """Q(a, x) by Legendre's continued fraction (modified Lentz)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / tiny)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, 400):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < tiny, tiny, d)
        c = b + an / c
        c = np.where(np.abs(c) < tiny, tiny, c)
        d = 1.0 / d
        h = h * d * c
    return np.exp(-x + a * np.log(x) - np_lgamma(a)) * h


def np_igamma(a, x, upper=False):
    """Regularised lower (P) or upper (Q) incomplete gamma, PyTorch's edge values: NaN for
    a < 0 or x < 0; P(0, x > 0) = 1; P(a > 0, 0) = 0; P(a, inf) = 1.

    >>> from chainrule.functions.special_more import np_igamma
    >>> np_igamma(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    array([0.63212056, 0.80085173])
    """
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    shape = a.shape
    a, x = a.reshape(-1), x.reshape(-1)
    p = np.full_like(a, np.nan)
    reg = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        ser = reg & (x < a + 1.0)
        cf = reg & ~ser
        lower = np.full_like(a, np.nan)
        lower[ser] = _igam_series(a[ser], x[ser])
        upperv = np.full_like(a, np.nan)
        upperv[cf] = _igamc_cf(a[cf], x[cf])
        p[ser] = (1.0 - lower[ser]) if upper else lower[ser]
        p[cf] = upperv[cf] if upper else 1.0 - upperv[cf]
    one, zero = (0.0, 1.0) if upper else (1.0, 0.0)
    p[(a == 0) & (x > 0)] = one
    p[(a > 0) & (x == 0)] = zero
    p[(a >= 0) & (x == np.inf)] = one
    p[(a == np.inf) & (x < np.inf) & (x >= 0)] = zero
    p[(a == 0) & (x == 0)] = np.nan
    p[np.isnan(a) | np.isnan(x) | (a < 0) | (x < 0)] = np.nan
    return p.reshape(shape)


# --- the orthogonal polynomials (PyTorch's kernels: n is truncated to an integer) --------------
def _poly_recurrence(x, n, p0, p1, step):
    """p_n(x) for integer n >= 0 elementwise by the three-term recurrence
    p_{k+1} = step(k, x, p_k, p_{k-1})."""
    out = np.where(n == 0, p0, p1)
    top = int(n.max()) if n.size else 0
    pk_1, pk = p0, p1
    for k in range(1, top):
        pk_1, pk = pk, step(k, x, pk, pk_1)
        out = np.where(n == k + 1, pk, out)
    return out


def np_orthopoly(kind, x, n):
    """The orthogonal polynomial `kind` of degree n at x, on float64 arrays (n truncated).

    >>> from chainrule.functions.special_more import np_orthopoly
    >>> np_orthopoly('hermite_polynomial_h', np.array([0.5, 1.0, 2.0]), np.array([2.0, 3.0, 3.0]))
    array([-1., -4., 40.])
    """
    x, n = np.broadcast_arrays(np.asarray(x, np.float64), np.asarray(n, np.float64))
    shape = x.shape
    x = x.reshape(-1)
    nan_n = np.isnan(n.reshape(-1))
    n = np.where(nan_n, 0, np.trunc(n.reshape(-1)))
    n = np.clip(n, -1, 1e6).astype(np.int64)
    if kind.startswith("shifted_"):
        kind, x = kind[len("shifted_"):], 2.0 * x - 1.0
    one = np.ones_like(x)
    with np.errstate(over="ignore", invalid="ignore"):
        if kind == "chebyshev_polynomial_t":
            out = _poly_recurrence(x, n, one, x, lambda k, x, p, q: 2 * x * p - q)
        elif kind == "chebyshev_polynomial_u":
            out = _poly_recurrence(x, n, one, 2 * x, lambda k, x, p, q: 2 * x * p - q)
        elif kind == "chebyshev_polynomial_v":
            out = _poly_recurrence(x, n, one, 2 * x - 1, lambda k, x, p, q: 2 * x * p - q)
        elif kind == "chebyshev_polynomial_w":
            out = _poly_recurrence(x, n, one, 2 * x + 1, lambda k, x, p, q: 2 * x * p - q)
        elif kind == "hermite_polynomial_h":
            out = _poly_recurrence(x, n, one, 2 * x, lambda k, x, p, q: 2 * x * p - 2 * k * q)
        elif kind == "hermite_polynomial_he":
            out = _poly_recurrence(x, n, one, x, lambda k, x, p, q: x * p - k * q)
        elif kind == "laguerre_polynomial_l":
            out = _poly_recurrence(x, n, one, 1 - x,
                                   lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1))
        elif kind == "legendre_polynomial_p":
            out = _poly_recurrence(x, n, one, x,
                                   lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1))
        else:
            raise ValueError(kind)
    out = np.where(n < 0, 0.0, out)
    out = np.where(nan_n | np.isnan(x), np.nan, out)
    return out.reshape(shape)


# --- ops ------------------------------------------------------------------------------------------
def _np_unary(fn, x):
    return np.asarray(fn(x)).reshape(np.shape(x)).astype(x.dtype, copy=False)


class NoGradUnary(Op):
    """The autograd node of the Bessel family and Airy Ai: backward raises (no derivative).

    A special function PyTorch gives no derivative (the Bessel family, Airy Ai).

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = torch.special.bessel_j0(x)
    >>> y.grad_fn
    <NoGradUnaryBackward0 object>
    >>> y.sum().backward()
    Traceback (most recent call last):
      ...
    RuntimeError: the derivative for 'special_bessel_j0' is not implemented.
    """
    saves = False

    def forward(self, x, fn, name):
        self.op_name = name
        return _np_unary(fn, x)

    def backward(self, g):
        raise RuntimeError(f"the derivative for 'special_{self.op_name}' is not implemented.")


class I0(Op):
    """The autograd node of torch.special.i0: backward returns g * I1(x).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.special.i0(x)
    >>> y.grad_fn
    <I0Backward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.0000, 0.5652])
    """
    def forward(self, x):
        return _np_unary(np_i0, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _call(np_i1, i1, x)


class I1(Op):
    """The autograd node of torch.special.i1: backward returns g * (I0(x) - I1(x) / x), g / 2 at 0.

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.special.i1(x)
    >>> y.grad_fn
    <I1Backward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.5000, 0.7009])
    """
    def forward(self, x):
        return _np_unary(np_i1, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        zero = xd == 0
        safe = dual.where(zero, 1.0, x)
        d = _call(np_i0, i0, x) - _call(np_i1, i1, x) / safe
        return g * dual.where(zero, 0.5, d)


class I0e(Op):
    """The autograd node of torch.special.i0e: backward returns g * (i1e(x) - sign(x) i0e(x)).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.special.i0e(x)
    >>> y.grad_fn
    <I0eBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 0.0000, -0.2578])
    """
    def forward(self, x):
        return _np_unary(np_i0e, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        return g * (_call(np_i1e, i1e, x) - np.sign(xd) * _call(np_i0e, i0e, x))


class I1e(Op):
    """The autograd node of special.i1e: backward returns g * (i0e(x) - i1e(x) (sign(x) + 1/x)).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.special.i1e(x)
    >>> y.grad_fn
    <I1eBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.5000, 0.0499])
    """
    def forward(self, x):
        return _np_unary(np_i1e, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        zero = xd == 0
        safe = dual.where(zero, 1.0, x)
        d = _call(np_i0e, i0e, x) - _call(np_i1e, i1e, x) * (np.sign(xd) + 1.0 / safe)
        return g * dual.where(zero, 0.5, d)


def _call(np_fn, fn, x):
    if dual.is_array(x):
        return _np_unary(np_fn, x)
    return fn(x)


class Erfcx(Op):
    """The autograd node of special.erfcx: backward returns g * (2 x erfcx(x) - 2 / sqrt(pi)).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.special.erfcx(x)
    >>> y.grad_fn
    <ErfcxBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1.1284, -0.2732])
    """
    saves_output = True

    def forward(self, x):
        return _np_unary(np_erfcx, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * (2.0 * x * self.output() - 2.0 * _INV_SQRT_PI)


class Ndtr(Op):
    """The autograd node of torch.special.ndtr: backward returns g * phi(x), the normal density.

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.special.ndtr(x)
    >>> y.grad_fn
    <NdtrBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.3989, 0.2420])
    """
    def forward(self, x):
        return _np_unary(np_ndtr, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * dual.exp(-0.5 * x * x) * (1.0 / math.sqrt(2 * math.pi))


class Ndtri(Op):
    """The autograd node of torch.special.ndtri: backward returns g * sqrt(2 pi) exp(out^2 / 2).

    >>> x = torch.tensor([0.5, 0.975], requires_grad=True)
    >>> y = torch.special.ndtri(x)
    >>> y.grad_fn
    <NdtriBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 2.5066, 17.1101])
    """
    saves_output = True

    def forward(self, x):
        return _np_unary(np_ndtri, x)

    def backward(self, g):
        y = self.output()
        return g * math.sqrt(2 * math.pi) * dual.exp(0.5 * y * y)


class LogNdtr(Op):
    """The autograd node of torch.special.log_ndtr: backward returns g * phi(x) / Phi(x).

    >>> x = torch.tensor([-5.0, 0.0], requires_grad=True)
    >>> y = torch.special.log_ndtr(x)
    >>> y.grad_fn
    <LogNdtrBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([5.1865, 0.7979])
    """
    saves_output = True

    def forward(self, x):
        return _np_unary(np_log_ndtr, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * dual.exp(-0.5 * x * x - self.output()) * (1.0 / math.sqrt(2 * math.pi))


class Entr(Op):
    """The autograd node of torch.special.entr: backward returns -g * (log x + 1).

    >>> x = torch.tensor([0.5, 1.0], requires_grad=True)
    >>> y = torch.special.entr(x)
    >>> y.grad_fn
    <EntrBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-0.3069, -1.0000])
    """
    def forward(self, x):
        return _np_unary(np_entr, x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * -(dual.log(x) + 1.0)


class Xlog1py(Xlogy):
    """The autograd node of special.xlog1py: backward returns g log1p(y) and g x / (1 + y).

    x log1p(y), 0 where x == 0 (unless y is NaN).

    Backward returns g log(1 + y) and g x / (1 + y).

    >>> a = torch.tensor([0.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([1.0, 3.0], requires_grad=True)
    >>> y = torch.special.xlog1py(a, b)
    >>> y.grad_fn
    <Xlog1pyBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0.6931, 1.3863]), tensor([0.0000, 0.5000]))
    """

    op_name, log, log_method, shift = "xlog1py", staticmethod(np.log1p), "log1p", 1.0


class NoGradBinary(Op):
    """The autograd node of binary special functions without a derivative (zeta, igamma, ...).

    >>> a = torch.tensor([2.0, 3.0], requires_grad=True)
    >>> y = torch.special.zeta(a, torch.tensor([1.0, 1.0]))
    >>> y
    tensor([1.6449, 1.2021], grad_fn=<NoGradBinaryBackward0>)
    >>> y.sum().backward()
    Traceback (most recent call last):
      ...
    RuntimeError: the derivative for 'special_zeta' is not implemented.
    """
    saves = False

    def forward(self, a, b, fn, name):
        self.op_name = name
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise broadcast_error(name, a, b) from None
        return np.asarray(fn(a, b)).astype(np.result_type(a, b), copy=False)

    def backward(self, g):
        raise RuntimeError(f"the derivative for '{self.op_name}' is not implemented.")


# --- public functions ------------------------------------------------------------------------
def _unary(cls_or_fn, name, doc, grad=True):
    def f(input, *, out=None):  # noqa: A002 - PyTorch's argument names
        x = floating(input)
        if grad:
            r = cls_or_fn.apply(x)
        else:
            r = NoGradUnary.apply(x, fn=cls_or_fn, name=name)
        if out is not None:
            from .inplace import copy_
            return copy_(out, r)
        return r
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


i0 = _unary(I0, "i0", "Modified Bessel function I0. >>> chainrule.special.i0(chainrule.tensor([1.]))")
i1 = _unary(I1, "i1", "Modified Bessel function I1. >>> chainrule.special.i1(chainrule.tensor([1.]))")
i0e = _unary(I0e, "i0e", "exp(-|x|) I0(x). >>> chainrule.special.i0e(chainrule.tensor([1.]))")
i1e = _unary(I1e, "i1e", "exp(-|x|) I1(x). >>> chainrule.special.i1e(chainrule.tensor([1.]))")
erfcx = _unary(Erfcx, "erfcx", "exp(x^2) erfc(x). >>> chainrule.special.erfcx(chainrule.tensor([30.]))")
ndtr = _unary(Ndtr, "ndtr", "The standard normal CDF. >>> chainrule.special.ndtr(chainrule.tensor([0.]))")
ndtri = _unary(Ndtri, "ndtri", "The inverse of ndtr. >>> chainrule.special.ndtri(chainrule.tensor([0.975]))")
log_ndtr = _unary(LogNdtr, "log_ndtr",
                  "log of the standard normal CDF, accurate in the far left tail. "
                  ">>> chainrule.special.log_ndtr(chainrule.tensor([-40.]))")
entr = _unary(Entr, "entr", "-x log x (0 at 0, -inf below). >>> chainrule.special.entr(t)")
bessel_j0 = _unary(np_bessel_j0, "bessel_j0", "Bessel J0 (no gradient, as PyTorch).", grad=False)
bessel_j1 = _unary(np_bessel_j1, "bessel_j1", "Bessel J1 (no gradient, as PyTorch).", grad=False)
bessel_y0 = _unary(np_bessel_y0, "bessel_y0", "Bessel Y0 (no gradient, as PyTorch).", grad=False)
bessel_y1 = _unary(np_bessel_y1, "bessel_y1", "Bessel Y1 (no gradient, as PyTorch).", grad=False)
modified_bessel_i0 = _unary(np_i0, "modified_bessel_i0", "I0 (no gradient, as PyTorch).", grad=False)
modified_bessel_i1 = _unary(np_i1, "modified_bessel_i1", "I1 (no gradient, as PyTorch).", grad=False)
modified_bessel_k0 = _unary(np_k0, "modified_bessel_k0", "K0 (no gradient, as PyTorch).", grad=False)
modified_bessel_k1 = _unary(np_k1, "modified_bessel_k1", "K1 (no gradient, as PyTorch).", grad=False)
scaled_modified_bessel_k0 = _unary(np_k0e, "scaled_modified_bessel_k0", "exp(x) K0(x).",
                                   grad=False)
scaled_modified_bessel_k1 = _unary(np_k1e, "scaled_modified_bessel_k1", "exp(x) K1(x).",
                                   grad=False)
airy_ai = _unary(np_airy_ai, "airy_ai", "The Airy function Ai (no gradient, as PyTorch).",
                 grad=False)
spherical_bessel_j0 = _unary(np_spherical_j0, "spherical_bessel_j0", "sin(x)/x (no gradient).",
                             grad=False)


def _float_pair(a, b):
    a, b = promote(a, b)
    if a._data.dtype.kind != "f":
        from ._util import cast
        f = dtypes.get_default_dtype().np
        a, b = cast(a, f), cast(b, f)
    return a, b


def xlog1py(input, other, *, out=None):  # noqa: A002
    """Computes input * log1p(other), 0 where input == 0 (torch.special.xlog1py).

    out_i = input_i * ln(1 + other_i), and 0 where input_i == 0

    >>> torch.special.xlog1py(torch.tensor([0.0, 2.0, 3.0]), torch.tensor([-1.0, 1.0, 0.0]))
    tensor([0.0000, 1.3863, 0.0000])
    """
    return Xlog1py.apply(*_float_pair(input, other))


def zeta(input, other, *, out=None):  # noqa: A002
    """The Hurwitz zeta function.

    out_i = sum_{k>=0} (k + q_i)^(-x_i); zeta(2, 1) = pi^2 / 6

    torch.special.zeta; not differentiable (as in PyTorch).

    >>> torch.special.zeta(torch.tensor([2.0, 4.0]), torch.tensor([1.0, 1.0]))
    tensor([1.6449, 1.0823])
    """
    return NoGradBinary.apply(*_float_pair(input, other), fn=np_zeta, name="special_zeta")


def igamma(input, other, *, out=None):  # noqa: A002
    """The regularised lower incomplete gamma function P(a, x); also torch.special.gammainc.

    out_i = 1 / Gamma(a_i) integral_0^(x_i) t^(a_i - 1) e^(-t) dt

    >>> torch.igamma(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 1.0, 5.0]))
    tensor([0.6321, 0.2642, 0.8753])
    """
    return NoGradBinary.apply(*_float_pair(input, other), fn=np_igamma, name="igamma")


def igammac(input, other, *, out=None):  # noqa: A002
    """The regularised upper incomplete gamma Q(a, x) = 1 - P(a, x); also special.gammaincc.

    out_i = 1 / Gamma(a_i) integral_(x_i)^inf t^(a_i - 1) e^(-t) dt

    >>> torch.igammac(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 1.0, 5.0]))
    tensor([0.3679, 0.7358, 0.1247])
    """
    return NoGradBinary.apply(*_float_pair(input, other),
                              fn=lambda a, x: np_igamma(a, x, upper=True), name="igammac")


def _poly(kind):
    def f(input, n, *, out=None):  # noqa: A002
        x = input if isinstance(input, Tensor) else None
        n_t = n if isinstance(n, Tensor) else None
        if x is None and n_t is None:
            raise TypeError(f"{kind}: expected a tensor argument")
        xa = as_operand(input)
        na = as_operand(n)
        dt = dtypes.result_type(xa._data, na._data) if x is not None and n_t is not None \
            else (xa._data.dtype if x is not None else na._data.dtype)
        if np.dtype(dt).kind != "f":
            dt = dtypes.get_default_dtype().np
        xa_, na_ = as_operand(xa._data.astype(dt)), as_operand(na._data.astype(dt))
        return NoGradBinary.apply(xa_, na_, fn=lambda a, b: np_orthopoly(kind, a, b),
                                  name=f"special_{kind}")
    f.__name__ = f.__qualname__ = kind
    f.__doc__ = (f"The {kind.replace('_', ' ')} of degree n at x (no gradient, as PyTorch).\n\n"
                 f"    {_POLY_MATH[kind]}\n\n"
                 f"    >>> torch.special.{kind}(torch.tensor([0.5, 2.0]), 3)\n"
                 f"    {_POLY_EXAMPLES[kind]}\n    ")
    return f


# The recurrences, and each polynomial's degree-3 values at 0.5 and 2 (checked against torch).
_POLY_MATH = {
    "chebyshev_polynomial_t": "T_0 = 1, T_1 = x, T_(n+1) = 2x T_n - T_(n-1)",
    "chebyshev_polynomial_u": "U_0 = 1, U_1 = 2x, U_(n+1) = 2x U_n - U_(n-1)",
    "chebyshev_polynomial_v": "V_0 = 1, V_1 = 2x - 1, V_(n+1) = 2x V_n - V_(n-1)",
    "chebyshev_polynomial_w": "W_0 = 1, W_1 = 2x + 1, W_(n+1) = 2x W_n - W_(n-1)",
    "shifted_chebyshev_polynomial_t": "T*_n(x) = T_n(2x - 1)",
    "shifted_chebyshev_polynomial_u": "U*_n(x) = U_n(2x - 1)",
    "shifted_chebyshev_polynomial_v": "V*_n(x) = V_n(2x - 1)",
    "shifted_chebyshev_polynomial_w": "W*_n(x) = W_n(2x - 1)",
    "hermite_polynomial_h": "H_0 = 1, H_1 = 2x, H_(n+1) = 2x H_n - 2n H_(n-1) (physicists')",
    "hermite_polynomial_he": "He_0 = 1, He_1 = x, He_(n+1) = x He_n - n He_(n-1) "
                             "(probabilists')",
    "laguerre_polynomial_l": "L_0 = 1, L_1 = 1 - x, (n+1) L_(n+1) = (2n + 1 - x) L_n - n L_(n-1)",
    "legendre_polynomial_p": "P_0 = 1, P_1 = x, (n+1) P_(n+1) = (2n + 1) x P_n - n P_(n-1)",
}
_POLY_EXAMPLES = {
    "chebyshev_polynomial_t": "tensor([-1., 26.])",
    "chebyshev_polynomial_u": "tensor([-1., 56.])",
    "chebyshev_polynomial_v": "tensor([-1., 41.])",
    "chebyshev_polynomial_w": "tensor([-1., 71.])",
    "shifted_chebyshev_polynomial_t": "tensor([-0., 99.])",
    "shifted_chebyshev_polynomial_u": "tensor([ -0., 204.])",
    "shifted_chebyshev_polynomial_v": "tensor([  1., 169.])",
    "shifted_chebyshev_polynomial_w": "tensor([ -1., 239.])",
    "hermite_polynomial_h": "tensor([-5., 40.])",
    "hermite_polynomial_he": "tensor([-1.3750,  2.0000])",
    "laguerre_polynomial_l": "tensor([-0.1458, -0.3333])",
    "legendre_polynomial_p": "tensor([-0.4375, 17.0000])",
}


_POLY_KINDS = ("chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p")
POLYNOMIALS = {k: _poly(k) for k in _POLY_KINDS}


# --- docstrings of the functions made above by factories and lambdas -----------
i0.__doc__ = """Modified Bessel function of the first kind of order 0 (torch.special.i0).

out_i = sum_k (x_i^2 / 4)^k / (k!)^2

>>> torch.special.i0(torch.tensor([0.0, 1.0, -2.0]))
tensor([1.0000, 1.2661, 2.2796])
"""

i1.__doc__ = """Modified Bessel function of the first kind of order 1 (torch.special.i1).

out_i = (x_i / 2) sum_k (x_i^2 / 4)^k / (k! (k + 1)!)

>>> torch.special.i1(torch.tensor([0.0, 1.0, -2.0]))
tensor([ 0.0000,  0.5652, -1.5906])
"""

i0e.__doc__ = """Exponentially scaled modified Bessel function of order 0 (torch.special.i0e).

out_i = exp(-|x_i|) I0(x_i)

>>> torch.special.i0e(torch.tensor([0.0, 1.0, 100.0]))
tensor([1.0000, 0.4658, 0.0399])
"""

i1e.__doc__ = """Exponentially scaled modified Bessel function of order 1 (torch.special.i1e).

out_i = exp(-|x_i|) I1(x_i)

>>> torch.special.i1e(torch.tensor([0.0, 1.0, -100.0]))
tensor([ 0.0000,  0.2079, -0.0397])
"""

erfcx.__doc__ = """The scaled complementary error function, finite where erfc underflows.

out_i = exp(x_i^2) erfc(x_i)

>>> torch.special.erfcx(torch.tensor([0.0, 1.0, 30.0]))
tensor([1.0000, 0.4276, 0.0188])
"""

ndtr.__doc__ = """The standard normal CDF (torch.special.ndtr).

out_i = Phi(x_i) = (1 + erf(x_i / sqrt 2)) / 2

>>> torch.special.ndtr(torch.tensor([-1.0, 0.0, 1.96]))
tensor([0.1587, 0.5000, 0.9750])
"""

ndtri.__doc__ = """The inverse of the standard normal CDF: the normal quantile function.

out_i = Phi^-1(x_i)

>>> torch.special.ndtri(torch.tensor([0.025, 0.5, 0.975]))
tensor([-1.9600,  0.0000,  1.9600])
"""

log_ndtr.__doc__ = """The log of the standard normal CDF, accurate far in the left tail.

out_i = log Phi(x_i)

>>> torch.special.log_ndtr(torch.tensor([-40.0, 0.0, 3.0]))
tensor([-8.0461e+02, -6.9315e-01, -1.3508e-03])
"""

entr.__doc__ = """The elementwise entropy term -x log x (torch.special.entr).

out_i = -x_i ln(x_i) for x_i > 0, 0 at 0, -inf for x_i < 0

>>> torch.special.entr(torch.tensor([0.0, 0.5, 1.0, -1.0]))
tensor([0.0000, 0.3466, -0.0000,   -inf])
"""

bessel_j0.__doc__ = """Bessel function of the first kind of order 0.

out_i = 1/pi integral_0^pi cos(x_i sin t) dt

torch.special.bessel_j0; not differentiable (as in PyTorch).

>>> torch.special.bessel_j0(torch.tensor([0.0, 1.0, 3.0]))
tensor([ 1.0000,  0.7652, -0.2601])
"""

bessel_j1.__doc__ = """Bessel function of the first kind of order 1.

out_i = 1/pi integral_0^pi cos(t - x_i sin t) dt

torch.special.bessel_j1; not differentiable (as in PyTorch).

>>> torch.special.bessel_j1(torch.tensor([0.0, 1.0, -2.0]))
tensor([ 0.0000,  0.4401, -0.5767])
"""

bessel_y0.__doc__ = """Bessel function of the second kind of order 0.

Defined for x > 0: -inf at 0 and NaN below, as PyTorch. torch.special.bessel_y0; not differentiable
(as in PyTorch).

>>> torch.special.bessel_y0(torch.tensor([0.5, 1.0, 10.0]))
tensor([-0.4445,  0.0883,  0.0557])
"""

bessel_y1.__doc__ = """Bessel function of the second kind of order 1.

Defined for x > 0: -inf at 0 and NaN below, as PyTorch. torch.special.bessel_y1; not differentiable
(as in PyTorch).

>>> torch.special.bessel_y1(torch.tensor([0.5, 1.0, 10.0]))
tensor([-1.4715, -0.7812,  0.2490])
"""

modified_bessel_i0.__doc__ = """Modified Bessel function I0.

out_i = 1/pi integral_0^pi exp(x_i cos t) dt

torch.special.modified_bessel_i0; not differentiable (as in PyTorch).

>>> torch.special.modified_bessel_i0(torch.tensor([0.0, 1.0, 3.0]))
tensor([1.0000, 1.2661, 4.8808])
"""

modified_bessel_i1.__doc__ = """Modified Bessel function I1.

out_i = 1/pi integral_0^pi exp(x_i cos t) cos t dt

torch.special.modified_bessel_i1; not differentiable (as in PyTorch).

>>> torch.special.modified_bessel_i1(torch.tensor([0.0, 1.0, 3.0]))
tensor([0.0000, 0.5652, 3.9534])
"""

modified_bessel_k0.__doc__ = """Modified Bessel function of the second kind K0.

out_i = integral_0^inf exp(-x_i cosh t) dt (x_i > 0)

torch.special.modified_bessel_k0; not differentiable (as in PyTorch).

>>> torch.special.modified_bessel_k0(torch.tensor([0.5, 1.0, 3.0]))
tensor([0.9244, 0.4210, 0.0347])
"""

modified_bessel_k1.__doc__ = """Modified Bessel function of the second kind K1.

out_i = integral_0^inf exp(-x_i cosh t) cosh t dt (x_i > 0)

torch.special.modified_bessel_k1; not differentiable (as in PyTorch).

>>> torch.special.modified_bessel_k1(torch.tensor([0.5, 1.0, 3.0]))
tensor([1.6564, 0.6019, 0.0402])
"""

scaled_modified_bessel_k0.__doc__ = """Exponentially scaled K0.

out_i = exp(x_i) K0(x_i)

torch.special.scaled_modified_bessel_k0; not differentiable (as in PyTorch).

>>> torch.special.scaled_modified_bessel_k0(torch.tensor([0.5, 1.0, 100.0]))
tensor([1.5241, 1.1445, 0.1252])
"""

scaled_modified_bessel_k1.__doc__ = """Exponentially scaled K1.

out_i = exp(x_i) K1(x_i)

torch.special.scaled_modified_bessel_k1; not differentiable (as in PyTorch).

>>> torch.special.scaled_modified_bessel_k1(torch.tensor([0.5, 1.0, 100.0]))
tensor([2.7310, 1.6362, 0.1258])
"""

airy_ai.__doc__ = """The Airy function Ai.

Ai solves y'' = x y and decays as x -> +inf

torch.special.airy_ai; not differentiable (as in PyTorch).

>>> torch.special.airy_ai(torch.tensor([-2.0, 0.0, 1.0, 3.0]))
tensor([0.2274, 0.3550, 0.1353, 0.0066])
"""

spherical_bessel_j0.__doc__ = """The spherical Bessel function j0.

out_i = sin(x_i) / x_i, 1 at 0

torch.special.spherical_bessel_j0; not differentiable (as in PyTorch).

>>> torch.special.spherical_bessel_j0(torch.tensor([0.0, 1.0, 3.1416]))
tensor([ 1.0000e+00,  8.4147e-01, -2.3046e-06])
"""
