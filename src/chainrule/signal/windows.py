"""torch.signal.windows: the window functions of PyTorch (SciPy's definitions).

>>> import chainrule as torch
>>> torch.signal.windows.hann(5)
tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])

Each builds the same sample grid as PyTorch (a linspace) in float64 and returns it in the
requested dtype (float32 / float64; the default dtype otherwise). sym=False gives the periodic
window (the first M points of a symmetric window of M + 1).
"""
import math

import numpy as np

from .. import dtypes

__all__ = ["bartlett", "blackman", "cosine", "exponential", "gaussian", "general_cosine",
           "general_hamming", "hamming", "hann", "kaiser", "nuttall"]


def _check(name, M, dtype, layout):
    if M < 0:
        raise ValueError(f"{name} requires non-negative window length, got M={M}")
    if layout is not None and str(layout).split(".")[-1] != "strided":
        raise ValueError(f"{name} is implemented for strided tensors only, got: {layout}")
    dt = dtype or dtypes.get_default_dtype()
    if dt not in (dtypes.float32, dtypes.float64):
        raise ValueError(f"{name} expects float32 or float64 dtypes, got: {dt}")
    return dt


def _out(values, dt, requires_grad):
    from ..creation import tensor
    return tensor(np.asarray(values, dtype=np.float64).astype(dt.np), dtype=dt,
                  requires_grad=requires_grad)


def _grid(start, step, M):
    return start + step * np.arange(M, dtype=np.float64)


def exponential(M, *, center=None, tau=1.0, sym=True, dtype=None, layout=None, device=None,
                requires_grad=False):
    """Returns the exponential (Poisson) window.

    exp(-|n - center| / tau).

    >>> torch.signal.windows.exponential(5, tau=1.0)
    tensor([0.1353, 0.3679, 1.0000, 0.3679, 0.1353])
    >>> torch.signal.windows.exponential(4, center=0.0, tau=2.0, sym=False)
    tensor([1.0000, 0.6065, 0.3679, 0.2231])
    """
    dt = _check("exponential", M, dtype, layout)
    if tau <= 0:
        raise ValueError(f"Tau must be positive, got: {tau} instead.")
    if sym and center is not None:
        raise ValueError("Center must be None for symmetric windows")
    if M == 0:
        return _out(np.zeros(0), dt, requires_grad)
    if center is None:
        center = (M if not sym and M > 1 else M - 1) / 2.0
    k = _grid(-center / tau, 1.0 / tau, M)
    return _out(np.exp(-np.abs(k)), dt, requires_grad)


def cosine(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Returns the cosine (sine) window.

    sin(pi (n + 0.5) / M) (SciPy's cosine window).

    >>> torch.signal.windows.cosine(5)
    tensor([0.3090, 0.8090, 1.0000, 0.8090, 0.3090])
    >>> torch.signal.windows.cosine(4, sym=False)
    tensor([0.3090, 0.8090, 1.0000, 0.8090])
    """
    dt = _check("cosine", M, dtype, layout)
    if M == 0:
        return _out(np.zeros(0), dt, requires_grad)
    c = math.pi / (M + 1 if not sym and M > 1 else M)
    return _out(np.sin(_grid(0.5 * c, c, M)), dt, requires_grad)


def gaussian(M, *, std=1.0, sym=True, dtype=None, layout=None, device=None,
             requires_grad=False):
    """Returns the Gaussian window.

    exp(-(n / (2 std))^2) about the centre.

    >>> torch.signal.windows.gaussian(5, std=1.0)
    tensor([0.1353, 0.6065, 1.0000, 0.6065, 0.1353])
    """
    dt = _check("gaussian", M, dtype, layout)
    if std <= 0:
        raise ValueError(f"Standard deviation must be positive, got: {std} instead.")
    if M == 0:
        return _out(np.zeros(0), dt, requires_grad)
    start = -(M if not sym and M > 1 else M - 1) / 2.0
    c = 1 / (std * math.sqrt(2))
    k = _grid(start * c, c, M)
    return _out(np.exp(-k ** 2), dt, requires_grad)


def kaiser(M, *, beta=12.0, sym=True, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Returns the Kaiser window.

    I0(beta sqrt(1 - (2n/N - 1)^2)) / I0(beta), N = M - 1 (sym) or M.

    >>> torch.signal.windows.kaiser(5, beta=4.0)
    tensor([0.0885, 0.6334, 1.0000, 0.6334, 0.0885])
    """
    from ..functions.special_more import np_i0
    dt = _check("kaiser", M, dtype, layout)
    if beta < 0:
        raise ValueError(f"beta must be non-negative, got: {beta} instead.")
    if M == 0:
        return _out(np.zeros(0), dt, requires_grad)
    if M == 1:
        return _out(np.ones(1), dt, requires_grad)
    c = 2.0 * beta / (M if not sym else M - 1)
    k = np.minimum(_grid(-beta, c, M), beta)
    arg = np.sqrt(np.maximum(beta * beta - k ** 2, 0.0))
    return _out(np_i0(arg) / np_i0(np.array([beta]))[0], dt, requires_grad)


def general_cosine(M, *, a, sym=True, dtype=None, layout=None, device=None,
                   requires_grad=False):
    """Returns a generalised cosine window with coefficients a.

    sum_i (-1)^i a_i cos(2 pi i n / N).

    >>> torch.signal.windows.general_cosine(5, a=[0.5, 0.5])
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    """
    dt = _check("general_cosine", M, dtype, layout)
    if M == 0:
        return _out(np.zeros(0), dt, requires_grad)
    if M == 1:
        return _out(np.ones(1), dt, requires_grad)
    if not isinstance(a, (list, tuple)):
        raise TypeError("Coefficients must be a list/tuple")
    if not a:
        raise ValueError("Coefficients cannot be empty")
    c = 2 * math.pi / (M if not sym else M - 1)
    k = _grid(0.0, c, M)
    w = np.zeros(M)
    for i, ai in enumerate(a):
        w += (-1) ** i * ai * np.cos(i * k)
    return _out(w, dt, requires_grad)


def general_hamming(M, *, alpha=0.54, sym=True, dtype=None, layout=None, device=None,
                    requires_grad=False):
    """Returns a generalised Hamming window.

    alpha - (1 - alpha) cos(2 pi n / N).

    >>> torch.signal.windows.general_hamming(5, alpha=0.6)
    tensor([0.2000, 0.6000, 1.0000, 0.6000, 0.2000])
    """
    return general_cosine(M, a=[alpha, 1.0 - alpha], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def hamming(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hamming window (general_hamming with alpha 0.54).

    >>> torch.signal.windows.hamming(5)
    tensor([0.0800, 0.5400, 1.0000, 0.5400, 0.0800])
    >>> torch.signal.windows.hamming(4, sym=False, dtype=torch.float64)
    tensor([0.0800, 0.5400, 1.0000, 0.5400], dtype=chainrule.float64)
    """
    return general_hamming(M, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def hann(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The Hann window (general_hamming with alpha 0.5).

    >>> torch.signal.windows.hann(4, sym=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    return general_hamming(M, alpha=0.5, sym=sym, dtype=dtype, layout=layout, device=device,
                           requires_grad=requires_grad)


def blackman(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Returns the Blackman window.

    0.42 - 0.5 cos(2 pi n / N) + 0.08 cos(4 pi n / N).

    >>> torch.signal.windows.blackman(5).clamp(min=0)   # the ends are 0 up to rounding
    tensor([0.0000, 0.3400, 1.0000, 0.3400, 0.0000])
    """
    _check("blackman", M, dtype, layout)
    return general_cosine(M, a=[0.42, 0.5, 0.08], sym=sym, dtype=dtype, layout=layout,
                          device=device, requires_grad=requires_grad)


def bartlett(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """The triangular window 1 - |2n/N - 1|.

    >>> torch.signal.windows.bartlett(5)
    tensor([0.0000, 0.5000, 1.0000, 0.5000, 0.0000])
    >>> torch.signal.windows.bartlett(4, sym=False)
    tensor([0.0000, 0.5000, 1.0000, 0.5000])
    """
    dt = _check("bartlett", M, dtype, layout)
    if M == 0:
        return _out(np.zeros(0), dt, requires_grad)
    if M == 1:
        return _out(np.ones(1), dt, requires_grad)
    c = 2 / (M if not sym else M - 1)
    return _out(1 - np.abs(_grid(-1.0, c, M)), dt, requires_grad)


def nuttall(M, *, sym=True, dtype=None, layout=None, device=None, requires_grad=False):
    """Nuttall's minimum 4-term Blackman-Harris window.

    >>> torch.signal.windows.nuttall(5)
    tensor([3.6280e-04, 2.2698e-01, 1.0000e+00, 2.2698e-01, 3.6280e-04])
    """
    return general_cosine(M, a=[0.3635819, 0.4891775, 0.1365995, 0.0106411], sym=sym,
                          dtype=dtype, layout=layout, device=device, requires_grad=requires_grad)
