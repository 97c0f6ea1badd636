"""Draws from the seeded generator, and the standard-gamma sample with its implicit
reparameterisation gradient (what makes Gamma, Beta and Dirichlet rsample-able)."""
import math

import numpy as np

from ..autograd.function import Function
from ..tensor import Tensor
from .utils import rng


def standard_normal(shape, like):
    return Tensor._make(rng().standard_normal(tuple(shape)).astype(like._data.dtype, copy=False))


def uniform(shape, like, low=0.0, high=1.0):
    """U[low, high) in like's dtype, never exactly `low` when low == 0 (log(u) stays finite)."""
    dt = like._data.dtype
    u = rng().random(tuple(shape)).astype(dt, copy=False)
    if low == 0.0:
        u = np.maximum(u, np.finfo(dt).tiny)
    return Tensor._make((low + (high - low) * u).astype(dt, copy=False))


_lgamma = np.vectorize(math.lgamma, otypes=[np.float64])


def _gamma_p(a, x):
    """The regularised lower incomplete gamma function P(a, x), float64 (series for
    x < a + 1, Lentz's continued fraction for Q = 1 - P otherwise)."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    out = np.empty(a.shape)
    log_pre = a * np.log(np.maximum(x, 1e-300)) - x - _lgamma(a)
    series = x < a + 1
    if series.any():
        aa, xx = a[series], x[series]
        term = 1.0 / aa
        total = term.copy()
        ap = aa.copy()
        for _ in range(500):
            ap += 1
            term *= xx / ap
            total += term
            if np.all(np.abs(term) < np.abs(total) * 1e-16):
                break
        out[series] = total * np.exp(log_pre[series])
    cf = ~series
    if cf.any():
        aa, xx = a[cf], x[cf]
        tiny = 1e-300
        b = xx + 1 - aa
        c = np.full(aa.shape, 1 / tiny)
        d = 1 / b
        h = d.copy()
        for i in range(1, 500):
            an = -i * (i - aa)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1 / d
            delta = d * c
            h = h * delta
            if np.all(np.abs(delta - 1) < 1e-16):
                break
        out[cf] = 1 - np.exp(log_pre[cf]) * h
    out[x <= 0] = 0.0
    return out


def standard_gamma_grad(z, alpha):
    """dz/dalpha for z ~ Gamma(alpha, 1) by implicit differentiation of the CDF:
    dz/da = -(dP(a, z)/da) / p(z; a); dP/da by a central difference in float64."""
    a = np.asarray(alpha, np.float64)
    z = np.asarray(z, np.float64)
    h = 1e-5 * np.maximum(a, 1.0)
    h = np.minimum(h, 0.5 * a)
    dP = (_gamma_p(a + h, z) - _gamma_p(a - h, z)) / (2 * h)
    log_pdf = (a - 1) * np.log(np.maximum(z, 1e-300)) - z - _lgamma(a)
    return -dP / np.exp(log_pdf)


class StandardGamma(Function):
    """z ~ Gamma(alpha, 1) drawn by NumPy, differentiable in alpha (implicit
    reparameterisation, as torch._standard_gamma)."""

    @staticmethod
    def forward(ctx, alpha):
        a = alpha._data
        z = rng().standard_gamma(a.astype(np.float64)).astype(a.dtype)
        z = np.maximum(z, np.finfo(a.dtype).tiny)
        ctx.save_for_backward(alpha)
        ctx.z = z
        return Tensor._make(z)

    @staticmethod
    def backward(ctx, grad):
        (alpha,) = ctx.saved_tensors
        dz = standard_gamma_grad(ctx.z, alpha._data).astype(alpha._data.dtype)
        return grad * Tensor._make(dz)


def standard_gamma(alpha):
    return StandardGamma.apply(alpha)
