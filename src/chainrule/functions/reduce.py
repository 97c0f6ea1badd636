"""Reductions (sum, mean, prod, amax, var, logsumexp, norm), cumsum, softmax, log_softmax."""
import collections
import warnings

import numpy as np

from . import dual
from ._util import as_operand, floating, norm_dim, one_dim
from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


def _expand_back(g, shape, axes, keepdim):
    """The gradient of a reduction over `axes`, broadcast back to the input's shape."""
    if not keepdim and axes:
        g = dual.expand_dims(g, axes) if len(shape) else g
    return dual.broadcast_to(g, shape)


def _axes(x_ndim, dim, op):
    axes = norm_dim(dim, x_ndim, op)
    if x_ndim == 0:  # a 0-d tensor accepts dim 0 / -1 and has nothing to reduce
        return ()
    if axes is None:
        axes = tuple(range(x_ndim))
    return axes


class Sum(Op):
    saves = False

    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        out = x.sum(axis=axes, keepdims=keepdim)
        return np.asarray(out)

    def backward(self, g):
        return _expand_back(g, self.shape, self.axes, self.keepdim)


class Mean(Op):
    saves = False

    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        self.n = n
        if n == 0:  # the mean of nothing is NaN, quietly (as in PyTorch)
            with np.errstate(invalid="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return np.asarray(x.mean(axis=axes, keepdims=keepdim))
        return np.asarray(x.mean(axis=axes, keepdims=keepdim))

    def backward(self, g):
        return _expand_back(g * (1.0 / self.n) if self.n else g, self.shape, self.axes,
                            self.keepdim)


class Prod(Op):
    saves_output = True

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        return np.asarray(x.prod(axis=axes, keepdims=keepdim))

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        shape = xd.shape
        gx = _expand_back(g, shape, self.axes, self.keepdim)
        if not (xd == 0).any():
            return gx * _expand_back(self.output(), shape, self.axes, self.keepdim) / x
        if not dual.is_array(x):
            raise RuntimeError("prod: double backward through zeros is not supported")
        # Product of all the other elements, by exclusive cumulative products.
        moved = np.moveaxis(xd, self.axes, tuple(range(len(self.axes))))
        lead = moved.shape[:len(self.axes)]
        flat = moved.reshape((-1,) + moved.shape[len(self.axes):])
        left = np.cumprod(np.concatenate([np.ones_like(flat[:1]), flat[:-1]]), axis=0)
        right = np.cumprod(np.concatenate([np.ones_like(flat[:1]), flat[::-1][:-1]]),
                           axis=0)[::-1]
        others = np.moveaxis((left * right).reshape(lead + flat.shape[1:]),
                             tuple(range(len(self.axes))), self.axes)
        return gx * others


class AMax(Op):
    """Max over axes; ties split the gradient evenly (PyTorch's amax rule)."""

    def forward(self, x, axes, keepdim, minimum=False):
        if x.size == 0:
            raise IndexError(f"{'amin' if minimum else 'amax'}(): Expected reduction dim to "
                             "be specified for input.numel() == 0")
        self.axes, self.keepdim = axes, keepdim
        f = np.min if minimum else np.max
        out = f(x, axis=axes, keepdims=True)
        self.mask = x == out
        return out if keepdim else np.squeeze(out, axis=axes)

    def backward(self, g):
        mask = self.mask
        count = mask.sum(axis=self.axes, keepdims=True)
        w = (mask / count).astype(g.dtype if dual.is_array(g) else g._data.dtype)
        return _expand_back(g, mask.shape, self.axes, self.keepdim) * w


class Var(Op):
    def forward(self, x, axes, correction, keepdim):
        self.axes, self.keepdim = axes, keepdim
        n = 1
        for a in axes:
            n *= x.shape[a]
        self.denom = n - correction if n > correction else 0
        if self.denom:
            return np.asarray(x.var(axis=axes, ddof=correction, keepdims=keepdim))
        warnings.warn("var(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the reduction factor (input numel divided by output numel).",
                      stacklevel=4)
        with np.errstate(divide="ignore", invalid="ignore"):  # NaN / inf, as in PyTorch
            return np.asarray(np.sum((x - x.mean(axis=axes, keepdims=True)) ** 2, axis=axes,
                                     keepdims=keepdim) / np.asarray(0, x.dtype))

    def backward(self, g):
        (x,) = self.saved_inputs()
        mu = dual.sum(x, self.axes, keepdims=True) * (1.0 / _count(x.shape, self.axes))
        ge = _expand_back(g, tuple(x.shape), self.axes, self.keepdim)
        return ge * (x - mu) * (2.0 / self.denom if self.denom else float("nan"))


def _count(shape, axes):
    n = 1
    for a in axes:
        n *= shape[a]
    return n


class LogSumExp(Op):
    saves_output = True

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        m = np.max(x, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
        m = np.where(np.isfinite(m), m, 0)
        with np.errstate(divide="ignore"):  # all -inf: log(0) = -inf is the answer
            s = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
        return s if keepdim else np.squeeze(s, axis=axes)

    def backward(self, g):
        (x,) = self.saved_inputs()
        shape = tuple(x.shape)
        out = _expand_back(self.output(), shape, self.axes, self.keepdim)
        return _expand_back(g, shape, self.axes, self.keepdim) * dual.exp(x - out)


class Norm2(Op):
    """Euclidean norm; its gradient at 0 is 0 (a subgradient), not NaN."""
    saves_output = True

    def forward(self, x, axes, keepdim):
        self.axes, self.keepdim = axes, keepdim
        return np.asarray(np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdim)))

    def backward(self, g):
        (x,) = self.saved_inputs()
        shape = tuple(x.shape)
        n = _expand_back(self.output(), shape, self.axes, self.keepdim)
        nd = n if dual.is_array(n) else n._data
        zero = nd == 0
        safe = dual.where(zero, 1.0, n) if zero.any() else n
        return _expand_back(g, shape, self.axes, self.keepdim) * x / safe


class Cumsum(Op):
    saves = False

    def forward(self, x, axis):
        self.axis = axis
        return np.cumsum(x, axis=axis, dtype=x.dtype if x.dtype.kind == "f" else None)

    def backward(self, g):
        a = self.axis
        if dual.is_array(g):
            return np.flip(np.cumsum(np.flip(g, a), axis=a), a)
        return g.flip(a).cumsum(a).flip(a)


class Softmax(Op):
    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        if x.size == 0:
            return x.copy()
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def backward(self, g):
        y = self.output()
        gy = g * y
        return gy - y * dual.sum(gy, self.axis, keepdims=True)


class LogSoftmax(Op):
    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        if x.size == 0:
            return x.copy()
        if _rows_last(x, axis):
            # Large row-major input, reduced over its last dim: blocks of rows, each
            # pass in place on a block that stays in cache (no full-size temporaries).
            x2 = x.reshape(-1, x.shape[-1])
            out = np.empty_like(x2)
            for i in range(0, x2.shape[0], _ROW_BLOCK):
                xb, ob = x2[i:i + _ROW_BLOCK], out[i:i + _ROW_BLOCK]
                m = xb.max(axis=1, keepdims=True)
                np.subtract(xb, m, out=ob)
                np.exp(ob, out=ob)
                lse = np.log(ob.sum(axis=1, keepdims=True))
                lse += m
                np.subtract(xb, lse, out=ob)
            return out.reshape(x.shape)
        s = x - x.max(axis=axis, keepdims=True)
        s -= np.log(np.exp(s).sum(axis=axis, keepdims=True))
        return s

    def backward(self, g):
        y = self.output()
        if dual.is_array(y) and _rows_last(y, self.axis) and g.shape == y.shape:
            # g - exp(y) * rowsum(g), by blocks of rows in place (as forward)
            y2, g2 = y.reshape(-1, y.shape[-1]), g.reshape(-1, g.shape[-1])
            gs = g2.sum(axis=1, keepdims=True)
            out = np.empty_like(y2)
            for i in range(0, y2.shape[0], _ROW_BLOCK):
                ob = out[i:i + _ROW_BLOCK]
                np.exp(y2[i:i + _ROW_BLOCK], out=ob)
                ob *= gs[i:i + _ROW_BLOCK]
                np.subtract(g2[i:i + _ROW_BLOCK], ob, out=ob)
            return out.reshape(y.shape)
        return g - dual.exp(y) * dual.sum(g, self.axis, keepdims=True)


_ROW_BLOCK = 16


def _rows_last(x, axis):
    """Worth the blocked path: big, C-contiguous, reduced over the last dim."""
    return (x.size >= 65536 and x.ndim >= 1 and axis in (-1, x.ndim - 1)
            and x.flags.c_contiguous and x.shape[-1] > 0)


# --- public functions -------------------------------------------------------------------
def sum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A001
    x = as_operand(x)
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = _make(x._data.astype(np.int64))  # PyTorch sums bool / int into int64
    return Sum.apply(x, axes=_axes(x._data.ndim, dim, "sum"), keepdim=keepdim)


def mean(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    x = as_operand(x)
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either "
                           f"a floating point or complex dtype. Got: {x.dtype.name.capitalize()}")
    return Mean.apply(x, axes=_axes(x._data.ndim, dim, "mean"), keepdim=keepdim)


def prod(x, dim=None, keepdim=False, *, dtype=None):
    x = as_operand(x)
    if dtype is not None:
        x = x.to(dtype)
    if dim is not None and isinstance(dim, (tuple, list)):
        raise TypeError("prod(): dim must be an int")
    return Prod.apply(x, axes=_axes(x._data.ndim, dim, "prod"), keepdim=keepdim)


def amax(x, dim=(), keepdim=False):
    x = as_operand(x)
    return AMax.apply(x, axes=_axes(x._data.ndim, dim if dim != () else None, "amax"),
                      keepdim=keepdim)


def amin(x, dim=(), keepdim=False):
    x = as_operand(x)
    return AMax.apply(x, axes=_axes(x._data.ndim, dim if dim != () else None, "amin"),
                      keepdim=keepdim, minimum=True)


class _MinMax(collections.namedtuple("_MinMax", ["values", "indices"])):
    pass


def _max_min(x, dim, keepdim, other, minimum):
    x = as_operand(x)
    if isinstance(dim, Tensor) and other is None:  # max(a, b): elementwise, PyTorch's overload
        dim, other = None, dim
    if other is not None:
        from .elementwise import maximum as _mx, minimum as _mn
        return (_mn if minimum else _mx)(x, other)
    if dim is None:
        if x._data.size == 0:
            raise RuntimeError(f"{'min' if minimum else 'max'}(): Expected reduction dim to be "
                               "specified for input.numel() == 0. Specify the reduction dim "
                               "with the 'dim' argument.")
        return amin(x) if minimum else amax(x)
    d = one_dim(dim, x._data.ndim, "min" if minimum else "max")
    data = x._data if x._data.ndim else x._data.reshape(1)
    idx = (np.argmin if minimum else np.argmax)(data, axis=d, keepdims=True)
    from .index import gather
    values = gather(x if x._data.ndim else x.reshape(1), d, _make(idx))
    if not keepdim:
        values = values.squeeze(d)
        idx = np.squeeze(idx, d)
    if x._data.ndim == 0:
        values, idx = values.reshape(()), idx.reshape(())
    return _MinMax(values, _make(idx.astype(np.int64)))


def max(x, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _max_min(x, dim, keepdim, other, minimum=False)


def min(x, dim=None, keepdim=False, *, other=None):  # noqa: A001
    return _max_min(x, dim, keepdim, other, minimum=True)


def argmax(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, np.argmax, "argmax")


def argmin(x, dim=None, keepdim=False):
    return _arg(x, dim, keepdim, np.argmin, "argmin")


def _arg(x, dim, keepdim, fn, op):
    d = x._data
    if dim is None:
        out = np.asarray(fn(d))
        if keepdim:
            out = out.reshape((1,) * d.ndim)
        return _make(out.astype(np.int64))
    ax = one_dim(dim, d.ndim, op)
    if d.ndim == 0:
        return _make(np.asarray(0, dtype=np.int64))
    return _make(np.asarray(fn(d, axis=ax, keepdims=keepdim)).astype(np.int64))


def var(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    x = floating(x)
    if isinstance(dim, bool) and unbiased is None:  # var(x, False): PyTorch's old overload
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return Var.apply(x, axes=_axes(x._data.ndim, dim, "var"), correction=correction,
                     keepdim=keepdim)


class StdSqrt(Op):
    """sqrt of a variance, with PyTorch's std gradient 0 (not NaN) where std == 0."""
    saves_output = True

    def forward(self, v):
        return np.sqrt(v)

    def backward(self, g):
        y = self.output()
        yd = y if dual.is_array(y) else y._data
        zero = yd == 0
        if not zero.any():
            return g / (2 * y)
        return dual.where(zero, 0.0, g / (2 * dual.where(zero, 1.0, y)))


def std(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return StdSqrt.apply(var(x, dim, unbiased, keepdim, correction=correction))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)


def logsumexp(x, dim, keepdim=False):
    x = floating(x)
    return LogSumExp.apply(x, axes=_axes(x._data.ndim, dim, "logsumexp"), keepdim=keepdim)


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector / Frobenius p-norm over dim (all elements when None), as torch.norm."""
    x = floating(x)
    if dtype is not None:
        x = x.to(dtype)
    axes = _axes(x._data.ndim, dim, "norm")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(x, axes=axes, keepdim=keepdim)
    from .elementwise import abs as _abs
    a = _abs(x)
    if p in (float("inf"), "inf"):
        return amax(a, axes, keepdim)
    if p == -float("inf"):
        return amin(a, axes, keepdim)
    if p == 0:
        return sum((x != 0).to(x.dtype), axes, keepdim)
    if p == 1:
        return sum(a, axes, keepdim)
    if isinstance(p, str):
        raise RuntimeError(f"norm: unsupported norm type {p!r} for vectors")
    return sum(a ** p, axes, keepdim) ** (1.0 / p)


def cumsum(x, dim, *, dtype=None):
    x = as_operand(x)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = _make(x._data.astype(np.int64))
    if x._data.ndim == 0:
        return Cumsum.apply(x.reshape(1), axis=0).reshape(())
    return Cumsum.apply(x, axis=one_dim(dim, x._data.ndim, "cumsum"))


def cumprod(x, dim):
    """Cumulative product, as exp(cumsum(log)) is wrong for signs; composed from prod."""
    x = floating(x)
    d = one_dim(dim, x._data.ndim, "cumprod")
    from .shape import stack
    n = x._data.shape[d]
    parts = [prod(x.narrow(d, 0, i + 1), d) for i in range(n)]
    return stack(parts, d) if parts else x.clone()


def softmax(x, dim=None, dtype=None, *, _stacklevel=3):
    x = floating(x) if dtype is None else as_operand(x).to(dtype)
    if dim is None:
        dim = 0 if x._data.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    if x._data.ndim == 0:
        return Softmax.apply(x.reshape(1), axis=0).reshape(())
    return Softmax.apply(x, axis=one_dim(dim, x._data.ndim, "softmax"))


def log_softmax(x, dim=None, dtype=None, *, _stacklevel=3):
    x = floating(x) if dtype is None else as_operand(x).to(dtype)
    if dim is None:
        dim = 0 if x._data.ndim in (0, 1, 3) else 1
    if x._data.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), axis=0).reshape(())
    return LogSoftmax.apply(x, axis=one_dim(dim, x._data.ndim, "log_softmax"))


def any(x, dim=None, keepdim=False):  # noqa: A001
    d = x._data
    if dim is None:
        return _make(np.asarray(np.any(d)))
    return _make(np.any(d, axis=one_dim(dim, d.ndim, "any"), keepdims=keepdim))


def all(x, dim=None, keepdim=False):  # noqa: A001
    d = x._data
    if dim is None:
        return _make(np.asarray(np.all(d)))
    return _make(np.all(d, axis=one_dim(dim, d.ndim, "all"), keepdims=keepdim))


def count_nonzero(x, dim=None):
    return _make(np.asarray(np.count_nonzero(x._data, axis=dim), dtype=np.int64))


_ = dtypes
