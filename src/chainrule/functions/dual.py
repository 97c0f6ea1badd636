"""Helpers for backward formulas that run on arrays or on Tensors.

A plain backward pass hands ops ndarrays, and these helpers are thin NumPy calls. Under
create_graph=True the same formulas receive Tensors, and the helpers dispatch to the
recorded Tensor methods, so the backward pass is itself differentiable. Operators
(+ - * / ** @, unary -) need no helper: both types have them.
"""
import numpy as np

from ..tensor import Tensor

# NumPy turns 0-d results into scalars (np.float32), so "array" here means "not a Tensor".


def is_array(x):
    return not isinstance(x, Tensor)


def sum_to(g, shape):
    """Sum a broadcast gradient back to `shape` (the one place broadcasting is undone)."""
    gshape = g.shape
    if gshape == shape or tuple(gshape) == tuple(shape):
        return g
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, s in enumerate(shape) if s == 1 and gshape[i + lead] != 1)
    if not isinstance(g, Tensor):
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if lead:
            g = g.reshape(shape)
        return g
    if axes:
        g = g.sum(dim=axes, keepdim=True)
    return g.reshape(tuple(shape)) if lead else g


def broadcast_to(g, shape):
    if not isinstance(g, Tensor):
        return np.broadcast_to(g, shape)
    return g.expand(*shape)


def reshape(g, shape):
    return g.reshape(shape) if not isinstance(g, Tensor) else g.reshape(*shape)


def swapaxes(g, a, b):
    return np.swapaxes(g, a, b) if not isinstance(g, Tensor) else g.transpose(a, b)


def permute(g, axes):
    return np.transpose(g, axes) if not isinstance(g, Tensor) else g.permute(*axes)


def expand_dims(g, axes):
    """Re-insert reduced axes (given as non-negative ints, sorted)."""
    if not isinstance(g, Tensor):
        return np.expand_dims(g, axes) if axes else g
    for a in axes:
        g = g.unsqueeze(a)
    return g


def sum(g, axis, keepdims=False):  # noqa: A001
    if not isinstance(g, Tensor):
        return g.sum(axis=axis, keepdims=keepdims)
    return g.sum(dim=axis, keepdim=keepdims)


def matmul(a, b):
    return a @ b


def exp(x):
    return np.exp(x) if not isinstance(x, Tensor) else x.exp()


def log(x):
    return np.log(x) if not isinstance(x, Tensor) else x.log()


def sqrt(x):
    return np.sqrt(x) if not isinstance(x, Tensor) else x.sqrt()


def tanh(x):
    return np.tanh(x) if not isinstance(x, Tensor) else x.tanh()


def sigmoid(x):
    if not isinstance(x, Tensor):
        return _np_sigmoid(x)
    return x.sigmoid()


def sin(x):
    return np.sin(x) if not isinstance(x, Tensor) else x.sin()


def cos(x):
    return np.cos(x) if not isinstance(x, Tensor) else x.cos()


def erf(x):
    return _np_erf(x) if not isinstance(x, Tensor) else x.erf()


def where(cond, a, b):
    """cond is always an array (a mask computed in forward)."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        return np.where(cond, a, b)
    from .elementwise import where as twhere
    return twhere(Tensor._make(np.asarray(cond)), a, b)


def mul_mask(g, mask):
    """g * mask for a constant mask, cheap on arrays."""
    return g * mask


def zeros(shape, dtype):
    return np.zeros(shape, dtype)


def _np_sigmoid(x):
    # exp of -|x| never overflows; both branches are exact.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


from math import erf as _erf_scalar  # noqa: E402

_erf_exact = np.frompyfunc(_erf_scalar, 1, 1)


def _np_erf(x):
    """erf on arrays without SciPy. float64 (gradcheck's type) goes through math.erf,
    exact but scalar; float32 uses a vectorised fit whose relative error, 1.2e-7, is at
    float32's own resolution."""
    if x.dtype == np.float64 or x.size < 64:
        return np.asarray(_erf_exact(x), dtype=x.dtype)
    a = np.abs(x, dtype=np.float64)
    # Numerical Recipes' erfc Chebyshev fit (erfcc).
    t = 1.0 / (1.0 + 0.5 * a)
    erfc = t * np.exp(-a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return (np.sign(x) * (1.0 - erfc)).astype(x.dtype)
