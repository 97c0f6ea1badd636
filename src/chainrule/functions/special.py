"""Special functions without SciPy: lgamma, digamma, polygamma, erfc, erfinv.

Each is a vectorised NumPy approximation accurate to float64 (tests compare with
PyTorch at rtol 1e-12 or better), wrapped in one Op whose backward is the next function
of the family (lgamma' = digamma, digamma' = polygamma(1), erfinv' from erf), so
grad-of-grad works through the same ops.
"""
import math

import numpy as np

from . import dual
from ._util import floating
from ..autograd.function import Op

# --- numerics on arrays -----------------------------------------------------------------
# Lanczos approximation, g = 7, nine terms (relative error about 1e-15 on x >= 0.5).
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028,
            771.32342877765313, -176.61502916214059, 12.507343278686905,
            -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _sinpi(x):
    """sin(pi x) with the argument reduced exactly first (x - 2 round(x / 2) is exact), so
    it is 0 at the integers and accurate for large |x|."""
    r = x - 2.0 * np.round(x * 0.5)
    return np.sin(math.pi * r)


def _tanpi(x):
    r = x - np.round(x)
    return np.tan(math.pi * r)


def _lgamma_pos(x):
    """log Gamma(x) for x >= 0.5 (Lanczos)."""
    z = x - 1.0
    a = np.full_like(z, _LANCZOS[0])
    for i in range(1, 9):
        a = a + _LANCZOS[i] / (z + i)
    t = z + _LANCZOS_G + 0.5
    return _HALF_LOG_2PI + (z + 0.5) * np.log(t) - t + np.log(a)


def np_lgamma(x):
    """log|Gamma(x)| elementwise; inf at the poles 0, -1, -2, ... (as PyTorch).

    >>> from chainrule.functions.special import np_lgamma
    >>> np_lgamma(np.array([0.5, 3.0, -1.5, 0.0]))
    array([0.57236494, 0.69314718, 0.86004702,        inf])
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        big = x >= 0.5
        out[big] = _lgamma_pos(x[big])
        small = ~big & ~np.isnan(x)
        xs = x[small]
        # Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
        out[small] = np.log(math.pi / np.abs(_sinpi(xs))) - _lgamma_pos(1.0 - xs)
        out[np.isnan(x)] = np.nan
        out[(x <= 0) & (x == np.floor(x))] = np.inf
        out[np.isinf(x)] = np.inf
        out[(x == 1) | (x == 2)] = 0.0  # exact roots (Lanczos is ~1e-15 off in absolute terms)
    return out


# Bernoulli numbers B_2k / (2k) for the digamma asymptotic series.
_DIGAMMA_ASYM = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _digamma_pos(x):
    """psi(x) for x > 0: shift up to x >= 10 with psi(x) = psi(x + 1) - 1/x, then the
    asymptotic series (error below 1e-16 there)."""
    x = x.copy()
    acc = np.zeros_like(x)
    for _ in range(10):
        low = x < 10
        if not low.any():
            break
        acc[low] -= 1.0 / x[low]
        x[low] += 1.0
    inv2 = 1.0 / (x * x)
    series = np.zeros_like(x)
    for c in reversed(_DIGAMMA_ASYM):
        series = (series + c) * inv2
    return acc + np.log(x) - 0.5 / x - series


def np_digamma(x):
    """psi(x) = d/dx log Gamma(x); -inf at +0, NaN at the negative integers (PyTorch).

    >>> from chainrule.functions.special import np_digamma
    >>> np_digamma(np.array([1.0, 0.5, -0.5]))
    array([-0.57721566, -1.96351003,  0.03648997])
    """
    x = np.asarray(x, dtype=np.float64)
    out = np.empty_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = x > 0
        out[pos] = _digamma_pos(x[pos])
        neg = x < 0
        xn = x[neg]
        # Reflection: psi(1 - x) - psi(x) = pi cot(pi x).
        out[neg] = _digamma_pos(1.0 - xn) - math.pi / _tanpi(xn)
        out[x == 0] = np.copysign(np.inf, -x[x == 0])  # -inf at +0, +inf at -0 (PyTorch)
        out[neg & (x == np.floor(x))] = np.nan
        out[np.isnan(x)] = np.nan
        out[x == np.inf] = np.inf
        out[x == -np.inf] = np.nan
    return out


# B_2k for the polygamma asymptotic series.
_BERNOULLI = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def np_polygamma(n, x):
    """psi^(n)(x) for n >= 1: the recurrence psi^(n)(x) = psi^(n)(x + 1) + (-1)^(n+1) n! /
    x^(n+1) (valid at any non-pole x, negative ones too) shifts x to >= 20, where the
    asymptotic series converges to float64 precision.

    >>> from chainrule.functions.special import np_polygamma
    >>> np_polygamma(1, np.array([1.0, 0.5, -0.5]))
    array([1.64493407, 4.9348022 , 8.9348022 ])
    """
    if n == 0:
        return np_digamma(x)
    x = np.array(x, dtype=np.float64)
    sign = 1.0 if n % 2 else -1.0        # (-1)^(n+1)
    fact = math.factorial(n)
    out = np.zeros_like(x)
    pole = (x <= 0) & (x == np.floor(x))
    nan = np.isnan(x)
    x = np.where(pole | nan, 30.0, x)
    with np.errstate(divide="ignore", over="ignore"):
        steps = int(max(0.0, math.ceil(20.0 - float(x.min())))) if x.size else 0
        for _ in range(steps):
            low = x < 20
            if not low.any():
                break
            out[low] += sign * fact / x[low] ** (n + 1)
            x[low] += 1.0
        # (n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)! / ((2k)! x^(2k+n))
        asym = math.factorial(n - 1) / x ** n + fact / (2 * x ** (n + 1))
        for k, b in enumerate(_BERNOULLI, start=1):
            asym = asym + b * math.factorial(2 * k + n - 1) / math.factorial(2 * k) \
                / x ** (2 * k + n)
    out += sign * asym
    out[pole] = np.inf if n % 2 else -np.inf  # PyTorch's signs at the poles
    out[nan] = np.nan
    return out


_erfc_exact = np.frompyfunc(math.erfc, 1, 1)
_erf_exact = np.frompyfunc(math.erf, 1, 1)


def np_erfc(x):
    """1 - erf(x) without the cancellation: math.erfc for float64 (exact), Numerical
    Recipes' erfc fit (relative error 1.2e-7) for float32.

    >>> from chainrule.functions.special import np_erfc
    >>> np_erfc(np.array([0.0, 1.0, 10.0]))
    array([1.00000000e+00, 1.57299207e-01, 2.08848758e-45])
    """
    if x.dtype == np.float64 or x.size < 64:
        return np.asarray(_erfc_exact(x), dtype=x.dtype)
    a = np.abs(x, dtype=np.float64)
    t = 1.0 / (1.0 + 0.5 * a)
    r = t * np.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return np.where(x >= 0, r, 2.0 - r).astype(x.dtype)


def np_erfinv(x):
    """Inverse error function: Giles' single-precision approximation ("Approximating the
    erfinv function", 2010), then three Newton steps on erf (|x| <= 0.5) or on log erfc (the
    tails, where 1 - |x| is exact and erf's cancellation would lose digits).

    >>> from chainrule.functions.special import np_erfinv
    >>> np_erfinv(np.array([0.0, 0.5, -0.999999]))
    array([ 0.        ,  0.47693628, -3.45891074])
    """
    shape = np.shape(x)
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = -np.log((1.0 - x) * (1.0 + x))
        wc = w - 2.5
        p1 = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                  -0.00125372503, -0.00417768164, 0.246640727, 1.50140941):
            p1 = c + p1 * wc
        wt = np.sqrt(w) - 3.0
        p2 = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
                  -0.0076224613, 0.00943887047, 1.00167406, 2.83297682):
            p2 = c + p2 * wt
        y = np.where(w < 5.0, p1, p2) * x
        finite = np.isfinite(y) & (np.abs(x) < 1)
        yf, xf = y[finite], x[finite]
        tail = np.abs(xf) > 0.5
        k = 2.0 / math.sqrt(math.pi)
        for _ in range(3):
            d = k * np.exp(-yf * yf)
            ay = np.abs(yf)
            # tails: Newton on log erfc(|y|) = log(1 - |x|) (erfc is close to exponential
            # there, so the log converges from further away); centre: erf(y) = x
            ec = np.asarray(_erfc_exact(ay), np.float64)
            rt = (np.log(ec) - np.log1p(-np.abs(xf))) * ec / d
            rc = (np.asarray(_erf_exact(yf), np.float64) - xf) / d
            yf = np.where(tail, np.sign(yf) * (ay + rt), yf - rc)
        y[finite] = yf
        y[x == 1] = np.inf
        y[x == -1] = -np.inf
        y[np.abs(x) > 1] = np.nan
    return y.reshape(shape)


def _as(x, ref):
    return np.asarray(x, dtype=ref.dtype)


# --- ops --------------------------------------------------------------------------------
def _call(np_fn, method, x, *args):
    """np_fn on arrays, the recorded Tensor function under create_graph."""
    if dual.is_array(x):
        return _as(np_fn(*args, x), x)
    return method(*args, x)


class Lgamma(Op):
    """The autograd node of torch.lgamma: backward returns g * digamma(x).

    >>> x = torch.tensor([1.0, 2.5], requires_grad=True)
    >>> y = torch.lgamma(x)
    >>> y.grad_fn
    <LgammaBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-0.5772,  0.7032])
    """
    def forward(self, x):
        return _as(np_lgamma(x), x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _call(np_digamma, digamma, x)


class Digamma(Op):
    """The autograd node of torch.digamma: backward returns g * polygamma(1, x).

    >>> x = torch.tensor([1.0, 2.5], requires_grad=True)
    >>> y = torch.digamma(x)
    >>> y.grad_fn
    <DigammaBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.6449, 0.4904])
    """
    def forward(self, x):
        return _as(np_digamma(x), x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _call(np_polygamma, polygamma, x, 1)


class Polygamma(Op):
    """The autograd node of torch.polygamma(n, x), n >= 1: backward returns g polygamma(n + 1, x).

    >>> x = torch.tensor([1.0, 2.5], requires_grad=True)
    >>> y = torch.polygamma(1, x)
    >>> y.grad_fn
    <PolygammaBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-2.4041, -0.2362])
    """
    def forward(self, x, n):
        self.n = n
        return _as(np_polygamma(n, x), x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _call(np_polygamma, polygamma, x, self.n + 1)


class Erfc(Op):
    """The autograd node of torch.erfc: backward returns -g * 2 / sqrt(pi) exp(-x^2).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.erfc(x)
    >>> y.grad_fn
    <ErfcBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1.1284, -0.4151])
    """
    def forward(self, x):
        return np_erfc(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * (-2 / math.sqrt(math.pi)) * dual.exp(-x * x)


class Erfinv(Op):
    """The autograd node of torch.erfinv: backward returns g sqrt(pi) / 2 exp(out^2).

    d/dx erfinv(x) = sqrt(pi)/2 exp(erfinv(x)^2).

    >>> x = torch.tensor([0.0, 0.5], requires_grad=True)
    >>> y = torch.erfinv(x)
    >>> y.grad_fn
    <ErfinvBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.8862, 1.1126])
    """
    saves_output = True

    def forward(self, x):
        return _as(np_erfinv(x), x)

    def backward(self, g):
        y = self.output()
        return g * (math.sqrt(math.pi) / 2) * dual.exp(y * y)


def lgamma(input):  # noqa: A002 - PyTorch's argument names
    """Returns the log of the absolute value of the gamma function of the elements.

    out_i = ln |Gamma(x_i)|; inf at 0, -1, -2, ...

    >>> torch.lgamma(torch.tensor([0.5, 1.0, 3.0, -0.5]))
    tensor([0.5724, 0.0000, 0.6931, 1.2655])
    """
    return Lgamma.apply(floating(input))


def digamma(input):  # noqa: A002
    """Returns the digamma function psi, the derivative of lgamma (also special.psi).

    out_i = d/dx ln Gamma(x_i) = Gamma'(x_i) / Gamma(x_i)

    >>> torch.digamma(torch.tensor([1.0, 0.5, 10.0]))
    tensor([-0.5772, -1.9635,  2.2518])
    """
    return Digamma.apply(floating(input))


def polygamma(n, input):  # noqa: A002
    """The n-th derivative of digamma (polygamma(0, x) is digamma(x)).

    out_i = psi^(n)(x_i) = d^(n+1)/dx^(n+1) ln Gamma(x_i)

    >>> torch.polygamma(1, torch.tensor([1.0, 0.5]))
    tensor([1.6449, 4.9348])
    >>> torch.polygamma(2, torch.tensor([1.0]))
    tensor([-2.4041])
    """
    if int(n) != n or n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got {n})")
    if n == 0:
        return digamma(input)
    return Polygamma.apply(floating(input), n=int(n))


def erfc(input):  # noqa: A002
    """Returns the complementary error function, accurate in the tail where 1 - erf(x) is 0.

    out_i = 1 - erf(x_i) = 2 / sqrt(pi) integral_(x_i)^inf e^(-t^2) dt

    >>> torch.erfc(torch.tensor([0.0, 1.0, 5.0]))
    tensor([1.0000e+00, 1.5730e-01, 1.5375e-12])
    """
    return Erfc.apply(floating(input))


def erfinv(input):  # noqa: A002
    """Returns the inverse error function on (-1, 1) (inf at +-1, NaN outside).

    erf(erfinv(x)) = x

    >>> torch.erfinv(torch.tensor([0.0, 0.5, -0.9]))
    tensor([ 0.0000,  0.4769, -1.1631])
    """
    return Erfinv.apply(floating(input))


def mvlgamma(input, p):  # noqa: A002
    """Multivariate log-gamma of dimension p: sum_i lgamma(x - i/2) + p(p-1)/4 log(pi).

    >>> torch.mvlgamma(torch.tensor([2.5, 3.0]), p=2)
    tensor([0.8570, 1.5502])
    """
    x = floating(input)
    if (x._data <= (p - 1) / 2).any():
        raise RuntimeError(f"mvlgamma: All elements must be greater than (p-1)/2 = {(p - 1) / 2}")
    out = lgamma(x)
    for i in range(1, p):
        out = out + lgamma(x - i / 2)
    return out + p * (p - 1) / 4 * math.log(math.pi)
