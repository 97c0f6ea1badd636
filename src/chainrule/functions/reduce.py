"""Reductions (sum, mean, prod, amax, var, logsumexp, norm), cumsum, softmax, log_softmax."""
from .. import return_types as _rt
import warnings

import numpy as np

from . import dual
from ._util import as_operand, floating, norm_dim, one_dim
from .. import dtypes
from ..autograd.function import Op
from ..autograd.grad_mode import RETAIN_GRAPH
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
    """The node of sum: backward broadcasts the gradient back over the summed dims.

    >>> x = torch.ones(2, 2, requires_grad=True)
    >>> y = x.sum(); y.grad_fn
    <SumBackward0 object>
    >>> y.backward(); x.grad
    tensor([[1., 1.],
            [1., 1.]])
    """
    saves = False

    def forward(self, x, axes, keepdim):
        self.shape, self.axes, self.keepdim = x.shape, axes, keepdim
        # dtype=: NumPy would widen small integer types (uint8 -> uint64); sum() chose it
        out = x.sum(axis=axes, keepdims=keepdim, dtype=x.dtype if x.dtype.kind in "biu" else None)
        return np.asarray(out)

    def backward(self, g):
        return _expand_back(g, self.shape, self.axes, self.keepdim)


class Mean(Op):
    """The node of mean: backward spreads the gradient evenly, g / n, over the averaged elements.

    >>> x = torch.ones(4, requires_grad=True)
    >>> y = x.mean(); y.grad_fn
    <MeanBackward0 object>
    >>> y.backward(); x.grad
    tensor([0.2500, 0.2500, 0.2500, 0.2500])
    """
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
    """The node of prod: backward is g * (product of the other elements), exact at zeros.

    >>> x = torch.tensor([2.0, 3.0, 4.0], requires_grad=True)
    >>> y = x.prod(); y.grad_fn
    <ProdBackward0 object>
    >>> y.backward(); x.grad
    tensor([12.,  8.,  6.])
    """
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
    """Max over axes; ties split the gradient evenly (PyTorch's amax rule).

    >>> x = torch.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> y = torch.amax(x, 0); y.grad_fn
    <AMaxBackward0 object>
    >>> y.backward(); x.grad
    tensor([0.0000, 0.5000, 0.5000])
    """

    def forward(self, x, axes, keepdim, minimum=False):
        name = 'amin' if minimum else 'amax'
        if x.size == 0 and (axes is None or len(axes) == x.ndim):
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for "
                               "input.numel() == 0. Specify the reduction dim with the 'dim' "
                               "argument.")
        for a in () if axes is None else axes:
            if x.shape[a] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")
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
    """The node of var: backward is g * 2 (x - mean) / (n - correction).

    >>> x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = x.var(); y.grad_fn
    <VarBackward0 object>
    >>> y.backward(); x.grad
    tensor([-1.,  0.,  1.])
    """
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
    """The node of logsumexp: backward is g * softmax(x) along the reduced dims.

    >>> x = torch.zeros(2, requires_grad=True)
    >>> y = torch.logsumexp(x, 0); y.grad_fn
    <LogSumExpBackward0 object>
    >>> y.backward(); x.grad
    tensor([0.5000, 0.5000])
    """
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
    """Euclidean norm; its gradient at 0 is 0 (a subgradient), not NaN.

    >>> x = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = torch.norm(x); y
    tensor(5., grad_fn=<Norm2Backward0>)
    >>> y.backward(); x.grad
    tensor([0.6000, 0.8000])
    """
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


class PNorm(Op):
    """sum(|x|^p)^(1/p) for p other than 0, 1, 2, +-inf, with PyTorch's norm_backward
    subgradients: p < 1: sign(x) |x|^(p-1) (0 where x == 0) g norm^(1-p); p >= 1:
    sign(x) |x|^(p-1) g / norm^(p-1) (0 where the norm is 0).

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = torch.norm(x, p=3); y
    tensor(2.0801, grad_fn=<PNormBackward0>)
    >>> y.backward(); x.grad
    tensor([0.2311, 0.9245])
    """
    saves_output = True

    def forward(self, x, axes, keepdim, p):
        self.axes, self.keepdim, self.p = axes, keepdim, p
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return np.asarray(np.sum(np.abs(x) ** p, axis=axes, keepdims=keepdim)
                              ** (1.0 / p)).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_inputs()
        shape, p = tuple(x.shape), self.p
        n = _expand_back(self.output(), shape, self.axes, self.keepdim)
        g = _expand_back(g, shape, self.axes, self.keepdim)
        arr = dual.is_array(x)
        xd, nd = (x, n) if arr else (x._data, n._data)
        ax = np.abs(x) if arr else x.abs()
        sg = np.sign(x) if arr else x.sign()
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if p < 1:
                zero = xd == 0
                scaled = sg * dual.where(zero, 0.0, dual.where(zero, 1.0, ax) ** (p - 1))
                return scaled * g * n ** (1 - p)
            zero = nd == 0
            scale = dual.where(zero, 0.0, g / dual.where(zero, 1.0, n) ** (p - 1))
            return sg * ax ** (p - 1) * scale


class Cumsum(Op):
    """The node of cumsum: backward is the reversed cumulative sum of the gradient.

    >>> x = torch.ones(3, requires_grad=True)
    >>> y = torch.cumsum(x, 0); y.grad_fn
    <CumsumBackward0 object>
    >>> y.sum().backward(); x.grad
    tensor([3., 2., 1.])
    """
    saves = False

    def forward(self, x, axis):
        self.axis = axis
        return np.cumsum(x, axis=axis, dtype=x.dtype if x.dtype.kind == "f" else None)

    def backward(self, g):
        a = self.axis
        if dual.is_array(g):
            return np.flip(np.cumsum(np.flip(g, a), axis=a), a)
        return g.flip(a).cumsum(a).flip(a)


def _row_max(x, axis):
    """x.max(axis, keepdims=True) as softmax needs it. Over a short last axis (<= 512,
    e.g. attention's rows of 64) np.fmax.reduce, ~35% faster there than np.max
    (measured on 512K float32). fmax skips NaN where max returns it, but a row with a
    NaN gives an all-NaN softmax either way (exp(NaN) makes the row's sum NaN), so the
    softmax is the same bit for bit."""
    if x.ndim and axis in (-1, x.ndim - 1) and 0 < x.shape[-1] <= 512 \
            and x.dtype.kind == "f":
        return np.fmax.reduce(x, axis=-1, keepdims=True)
    return x.max(axis=axis, keepdims=True)


class Softmax(Op):
    """The node of softmax: backward is y * (g - sum(g * y)) along dim.

    >>> x = torch.zeros(2, requires_grad=True)
    >>> y = torch.softmax(x, 0); y.grad_fn
    <SoftmaxBackward0 object>
    >>> y.backward(torch.tensor([1.0, 0.0])); x.grad
    tensor([ 0.2500, -0.2500])
    """
    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        if x.size == 0:
            return x.copy()
        e = x - _row_max(x, axis)
        np.exp(e, out=e)                    # in place: one temporary fewer, same values
        e /= e.sum(axis=axis, keepdims=True)
        return e

    def backward(self, g):
        y = self.output()
        gy = g * y
        if type(gy) is np.ndarray and gy.shape == y.shape:
            # gy - y * sum(gy), the subtraction in place (same values, one temporary fewer)
            s = gy.sum(axis=self.axis, keepdims=True)
            gy -= y * s
            return gy
        return gy - y * dual.sum(gy, self.axis, keepdims=True)


class LogSoftmax(Op):
    """The node of log_softmax: backward is g - softmax(x) * sum(g) along dim.

    >>> x = torch.zeros(2, requires_grad=True)
    >>> y = torch.log_softmax(x, 0); y.grad_fn
    <LogSoftmaxBackward0 object>
    >>> y.backward(torch.tensor([1.0, 0.0])); x.grad
    tensor([ 0.5000, -0.5000])
    """
    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        if x.size == 0:
            return x.copy()
        if _rows_last(x, axis):
            # Large row-major input, reduced over its last dim: blocks of rows, each
            # pass in place on a block that stays in cache (no full-size temporaries).
            # The row sums of exp are matrix-vector products with a ones vector (BLAS,
            # ~3x faster than NumPy's pairwise sum along a row; the same sum in another
            # order, so equal up to float rounding).
            x2 = x.reshape(-1, x.shape[-1])
            res = np.empty_like(x)
            out = res.reshape(x2.shape)     # a view: res is returned, an array of its own
            # exp(x - max) is kept for backward (softmax = e / rowsum), which then needs no
            # exp pass over the whole input again (the costliest of the op's passes) and
            # writes its result into e (one array of x's size is held until backward).
            keep = np.empty_like(x)
            e = keep.reshape(x2.shape)
            inv_s = np.empty(x2.shape[0], x2.dtype)
            ones = np.ones(x2.shape[1], x2.dtype)
            for i in range(0, x2.shape[0], _ROW_BLOCK):
                xb, ob, eb = x2[i:i + _ROW_BLOCK], out[i:i + _ROW_BLOCK], e[i:i + _ROW_BLOCK]
                m = xb.max(axis=1, keepdims=True)
                np.subtract(xb, m, out=eb)
                np.exp(eb, out=eb)
                s = eb @ ones
                np.divide(1, s, out=inv_s[i:i + _ROW_BLOCK])
                lse = np.log(s)[:, None]
                lse += m
                np.subtract(xb, lse, out=ob)
            self.exp_shifted, self.inv_rowsum = keep, inv_s
            return res
        s = x - x.max(axis=axis, keepdims=True)
        s -= np.log(np.exp(s).sum(axis=axis, keepdims=True))
        return s

    def backward(self, g):
        y = self.output()                   # also checks y was not changed in place
        keep = self.__dict__.get("exp_shifted")
        if keep is not None and dual.is_array(g) and g.shape == y.shape:
            # g - softmax * rowsum(g) = g - e * (rowsum(g) / s), by blocks of rows. The
            # result goes into e's buffer unless the graph is kept for another backward.
            res = np.empty_like(keep) if RETAIN_GRAPH[0] else keep
            e, out = keep.reshape(-1, keep.shape[-1]), res.reshape(-1, keep.shape[-1])
            inv_s = self.inv_rowsum
            sparse = self.__dict__.get("one_hot_grad")
            if sparse is not None and sparse[0] is g:
                # g is NLL's gradient, zero but for one entry a row (index.Gather marked
                # it): the same numbers without reading g's zeros. 0 - e c as the dense
                # path computes it (+0.0 where c is 0), then each row's entry added.
                _, cols, vals = sparse
                np.multiply(e, (vals * inv_s)[:, None], out=out)
                np.subtract(np.zeros((), out.dtype), out, out=out)
                out[np.arange(out.shape[0]), cols] += vals
                return res
            g2 = g.reshape(e.shape)
            ones = np.ones(e.shape[1], e.dtype)
            for i in range(0, e.shape[0], _ROW_BLOCK):
                ob, gb = out[i:i + _ROW_BLOCK], g2[i:i + _ROW_BLOCK]
                c = gb @ ones                   # row sums by BLAS, as forward
                c *= inv_s[i:i + _ROW_BLOCK]
                np.multiply(e[i:i + _ROW_BLOCK], c[:, None], out=ob)
                np.subtract(gb, ob, out=ob)
            return res
        return g - dual.exp(y) * dual.sum(g, self.axis, keepdims=True)


_ROW_BLOCK = 8


def _rows_last(x, axis):
    """Worth the blocked path: big, C-contiguous, reduced over the last dim."""
    return (x.size >= 65536 and x.ndim >= 1 and axis in (-1, x.ndim - 1)
            and x.flags.c_contiguous and x.shape[-1] > 0)


# --- public functions -------------------------------------------------------------------
def sum(x, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):  # noqa: A001
    """Returns the sum of input's elements, over all of them or over `dim` (an int or a tuple).

    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> torch.sum(x), torch.sum(x, dim=0), torch.sum(x, 1, keepdim=True)
    (tensor(10.), tensor([4., 6.]), tensor([[3.],
            [7.]]))
    """
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
    """Returns the mean of input's elements, over all of them or over `dim`.

    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> torch.mean(x), torch.mean(x, dim=1)
    (tensor(2.5000), tensor([1.5000, 3.5000]))
    """
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
    """Returns the product of input's elements, over all of them or along `dim`.

    >>> x = torch.tensor([[1, 2], [3, 4]])
    >>> torch.prod(x), torch.prod(x, 1)
    (tensor(24), tensor([ 2, 12]))
    """
    x = as_operand(x)
    if dtype is not None:
        x = x.to(dtype)
    if dim is not None and isinstance(dim, (tuple, list)):
        raise TypeError("prod(): dim must be an int")
    return Prod.apply(x, axes=_axes(x._data.ndim, dim, "prod"), keepdim=keepdim)


def amax(x, dim=(), keepdim=False):
    """Returns the maximum of input over `dim` (all dims by default); ties share the gradient.

    >>> torch.amax(torch.tensor([[1, 5], [4, 2]]), dim=0)
    tensor([4, 5])
    """
    x = as_operand(x)
    return AMax.apply(x, axes=_axes(x._data.ndim, dim if dim != () else None, "amax"),
                      keepdim=keepdim)


def amin(x, dim=(), keepdim=False):
    """Returns the minimum of input over `dim` (all dims by default); ties share the gradient.

    >>> torch.amin(torch.tensor([[1, 5], [4, 2]]), dim=1)
    tensor([1, 2])
    """
    x = as_operand(x)
    return AMax.apply(x, axes=_axes(x._data.ndim, dim if dim != () else None, "amin"),
                      keepdim=keepdim, minimum=True)




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
    return (_rt.min if minimum else _rt.max)(values, _make(idx.astype(np.int64)))


def max(x, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """The largest element; with `dim`, (values, indices) along it; with a tensor, elementwise.

    >>> x = torch.tensor([[1, 5], [4, 2]])
    >>> torch.max(x)
    tensor(5)
    >>> values, indices = torch.max(x, dim=1); values, indices
    (tensor([5, 4]), tensor([1, 0]))
    >>> torch.max(x, torch.tensor([3, 3]))
    tensor([[3, 5],
            [4, 3]])
    """
    return _max_min(x, dim, keepdim, other, minimum=False)


def min(x, dim=None, keepdim=False, *, other=None):  # noqa: A001
    """The smallest element; with `dim`, (values, indices) along it; with a tensor, elementwise.

    >>> x = torch.tensor([[1, 5], [4, 2]])
    >>> torch.min(x)
    tensor(1)
    >>> values, indices = torch.min(x, dim=0); values, indices
    (tensor([1, 2]), tensor([0, 1]))
    """
    return _max_min(x, dim, keepdim, other, minimum=True)


def argmax(x, dim=None, keepdim=False):
    """Returns the index of the largest element (of the flattened input, or along `dim`).

    >>> x = torch.tensor([[1, 5], [4, 2]])
    >>> torch.argmax(x), torch.argmax(x, dim=0)
    (tensor(1), tensor([1, 0]))
    """
    return _arg(x, dim, keepdim, np.argmax, "argmax")


def argmin(x, dim=None, keepdim=False):
    """Returns the index of the smallest element (of the flattened input, or along `dim`).

    >>> x = torch.tensor([[1, 5], [4, 2]])
    >>> torch.argmin(x), torch.argmin(x, dim=1)
    (tensor(0), tensor([0, 1]))
    """
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
    """Returns the variance over `dim` (Bessel-corrected by default: correction=1).

    var = sum((x - mean)^2) / (n - correction)

    >>> x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    >>> torch.var(x), torch.var(x, correction=0)
    (tensor(1.6667), tensor(1.2500))
    """
    x = floating(x)
    if isinstance(dim, bool) and unbiased is None:  # var(x, False): PyTorch's old overload
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return Var.apply(x, axes=_axes(x._data.ndim, dim, "var"), correction=correction,
                     keepdim=keepdim)


class StdSqrt(Op):
    """sqrt of a variance, with PyTorch's std gradient 0 (not NaN) where std == 0.

    >>> x = torch.tensor([1.0, 1.0], requires_grad=True)
    >>> y = torch.std(x); y
    tensor(0., grad_fn=<StdSqrtBackward0>)
    >>> y.backward(); x.grad
    tensor([0., 0.])
    """
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
    """Returns the standard deviation over `dim`: sqrt(var) (correction=1 by default).

    >>> torch.std(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    tensor(1.2910)
    """
    return StdSqrt.apply(var(x, dim, unbiased, keepdim, correction=correction))


def var_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Returns (var, mean) over `dim` in one call.

    >>> torch.var_mean(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    (tensor(1.6667), tensor(2.5000))
    """
    return var(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """Returns (std, mean) over `dim` in one call.

    >>> torch.std_mean(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    (tensor(1.2910), tensor(2.5000))
    """
    return std(x, dim, unbiased, keepdim, correction=correction), mean(x, dim, keepdim)


def logsumexp(x, dim, keepdim=False):
    """Returns log(sum(exp(x))) over `dim`, computed stably (the max is subtracted first).

    >>> torch.logsumexp(torch.tensor([1000.0, 1000.0]), dim=0)
    tensor(1000.6932)
    """
    x = floating(x)
    return LogSumExp.apply(x, axes=_axes(x._data.ndim, dim, "logsumexp"), keepdim=keepdim)


def norm(x, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector / Frobenius p-norm over dim (all elements when None), as torch.norm.

    >>> torch.norm(torch.tensor([3.0, 4.0])), torch.norm(torch.tensor([3.0, -4.0]), p=1)
    (tensor(5.), tensor(7.))
    """
    x = floating(x)
    if dtype is not None:
        x = x.to(dtype)
    if isinstance(p, str) and p == "nuc":  # the nuclear norm of matrices (torch.norm's too)
        from .decomp import matrix_norm
        return matrix_norm(x, "nuc", (-2, -1) if dim is None else dim, keepdim)
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
    return PNorm.apply(x, axes=axes, keepdim=keepdim, p=float(p))


def cumsum(x, dim, *, dtype=None):
    """Returns the cumulative sum along `dim`: out_i = x_1 + ... + x_i.

    >>> torch.cumsum(torch.tensor([1, 2, 3, 4]), dim=0)
    tensor([ 1,  3,  6, 10])
    """
    x = as_operand(x)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = _make(x._data.astype(np.int64))
    if x._data.ndim == 0:
        return Cumsum.apply(x.reshape(1), axis=0).reshape(())
    return Cumsum.apply(x, axis=one_dim(dim, x._data.ndim, "cumsum"))


def cumprod(x, dim, *, dtype=None):
    """Cumulative product along dim; its gradient is exact at zeros (see Cumprod).

    >>> torch.cumprod(torch.tensor([1.0, 2.0, 3.0, 4.0]), dim=0)
    tensor([ 1.,  2.,  6., 24.])
    """
    x = as_operand(x)
    if dtype is not None:
        x = x.to(dtype)
    elif x._data.dtype.kind in "biu" and x._data.dtype != np.int64:
        x = _make(x._data.astype(np.int64))  # PyTorch multiplies bool / int into int64
    if x._data.ndim == 0:
        return Cumprod.apply(x.reshape(1), axis=0).reshape(())
    return Cumprod.apply(x, axis=one_dim(dim, x._data.ndim, "cumprod"))


def softmax(x, dim=None, dtype=None, *, _stacklevel=3):
    """Applies softmax along `dim`: out_i = exp(x_i) / sum_j exp(x_j).

    >>> torch.softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.0900, 0.2447, 0.6652])
    """
    x = floating(x) if dtype is None else as_operand(x).to(dtype)
    if dim is None:
        dim = 0 if x._data.ndim in (0, 1, 3) else 1  # PyTorch's legacy implicit choice
    if x._data.ndim == 0:
        return Softmax.apply(x.reshape(1), axis=0).reshape(())
    return Softmax.apply(x, axis=one_dim(dim, x._data.ndim, "softmax"))


def log_softmax(x, dim=None, dtype=None, *, _stacklevel=3):
    """Applies log(softmax(x)) along `dim`, computed stably: x_i - logsumexp(x).

    >>> torch.log_softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([-2.4076, -1.4076, -0.4076])
    """
    x = floating(x) if dtype is None else as_operand(x).to(dtype)
    if dim is None:
        dim = 0 if x._data.ndim in (0, 1, 3) else 1
    if x._data.ndim == 0:
        return LogSoftmax.apply(x.reshape(1), axis=0).reshape(())
    return LogSoftmax.apply(x, axis=one_dim(dim, x._data.ndim, "log_softmax"))


def _bool_reduce(x, dim, keepdim, fn, name):
    """any/all as PyTorch: dim an int, a tuple (() reduces nothing) or None; bool result,
    except uint8 in -> uint8 out."""
    d = x._data
    if dim is None:
        axes = None
    elif isinstance(dim, (tuple, list)):
        axes = norm_dim(tuple(dim), d.ndim, name) if len(dim) else ()
    else:
        axes = one_dim(dim, d.ndim, name)
    if d.ndim == 0 and dim is not None:
        axes = ()  # a 0-d tensor's dim 0/-1: nothing to reduce
    out = np.asarray(fn(d, axis=axes, keepdims=keepdim and dim is not None))
    return _make(out.astype(np.uint8) if d.dtype == np.uint8 else out)


def any(x, dim=None, keepdim=False):  # noqa: A001
    """Whether any element (along dim) is non-zero (torch.any).

    >>> chainrule.tensor([[0, 1], [0, 0]]).any(dim=1)
    tensor([ True, False])
    """
    return _bool_reduce(x, dim, keepdim, np.any, "any")


def all(x, dim=None, keepdim=False):  # noqa: A001
    """Whether all elements (along dim) are non-zero (torch.all).

    >>> chainrule.tensor([[1, 1], [0, 1]]).all(dim=1)
    tensor([ True, False])
    """
    return _bool_reduce(x, dim, keepdim, np.all, "all")


def count_nonzero(x, dim=None):
    """The number of non-zero elements, over all of x or over dim (an int or a tuple).

    >>> x = torch.tensor([[0, 1], [2, 3]])
    >>> torch.count_nonzero(x), torch.count_nonzero(x, dim=1)
    (tensor(3), tensor([1, 2]))
    """
    axes = norm_dim(dim, x._data.ndim, "count_nonzero") if x._data.ndim else None
    return _make(np.asarray(np.count_nonzero(x._data, axis=axes), dtype=np.int64))


_ = dtypes


# --- cumulative ops ---------------------------------------------------------------------
class Cumprod(Op):
    """Cumulative product. d out_k / d x_j = prod_{i <= k, i != j} x_i, computed without
    dividing by x where x has zeros: before a lane's first zero z the usual
    revcumsum(g out) / x restricted to k < z; at z, out_{z-1} times the sum over k >= z of
    g_k prod_{z < i <= k} x_i; after z, 0.

    >>> x = torch.tensor([2.0, 0.0, 3.0], requires_grad=True)
    >>> y = torch.cumprod(x, 0); y.grad_fn
    <CumprodBackward0 object>
    >>> y.sum().backward(); x.grad
    tensor([1., 8., 0.])
    """
    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        return np.cumprod(x, axis=axis, dtype=x.dtype)

    def backward(self, g):
        (x,) = self.saved_inputs()
        a = self.axis
        xd = x if dual.is_array(x) else x._data
        out = self.output()
        if not (xd == 0).any():
            return _revcumsum(g * out, a) / x
        if not dual.is_array(x):
            raise RuntimeError("cumprod: double backward through zeros is not supported")
        n = xd.shape[a]
        k = np.arange(n).reshape((-1,) + (1,) * (xd.ndim - 1 - a))
        z = np.where((xd == 0).any(axis=a, keepdims=True), np.argmax(xd == 0, axis=a,
                                                                     keepdims=True), n)
        before = k < z
        with np.errstate(divide="ignore", invalid="ignore"):
            first = _revcumsum(np.where(before, g * out, 0), a) / np.where(before, xd, 1)
        first = np.where(before, first, 0)
        after = np.cumprod(np.where(k <= z, 1, xd), axis=a)       # prod_{z < i <= k} x_i
        s_at = np.sum(np.where(k >= z, g * after, 0), axis=a, keepdims=True)
        zc = np.minimum(z, n - 1)
        prev = np.where(z > 0, np.take_along_axis(out, np.maximum(zc - 1, 0), axis=a), 1)
        at_zero = np.where(k == z, prev * s_at, 0)
        return (first + at_zero).astype(xd.dtype, copy=False)


def _revcumsum(g, axis):
    if dual.is_array(g):
        return np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis)
    return g.flip(axis).cumsum(axis).flip(axis)


class LogCumSumExp(Op):
    """log(cumsum(exp(x))), by logaddexp.accumulate (exact, no overflow). Backward in log
    space on g's positive and negative parts (PyTorch's formula), so it stays finite.

    >>> x = torch.zeros(3, requires_grad=True)
    >>> y = torch.logcumsumexp(x, 0); y
    tensor([0.0000, 0.6931, 1.0986], grad_fn=<LogCumSumExpBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([1.8333, 0.8333, 0.3333])
    """
    saves_output = True

    def forward(self, x, axis):
        self.axis = axis
        if x.shape[axis] == 0:
            return x.copy()
        return np.logaddexp.accumulate(x, axis=axis)

    def backward(self, g):
        (x,) = self.saved_inputs()
        out = self.output()
        a = self.axis
        lowest = float(np.finfo(x.dtype if dual.is_array(x) else x._data.dtype).min)
        gd = g if dual.is_array(g) else g._data
        with np.errstate(divide="ignore"):
            log_abs = dual.log(abs(g))
        pos = dual.where(gd > 0, log_abs, lowest)
        neg = dual.where(gd < 0, log_abs, lowest)

        def rev_lcse(v):
            if dual.is_array(v):
                return np.flip(np.logaddexp.accumulate(np.flip(v, a), axis=a), a)
            return logcumsumexp(v.flip(a), a).flip(a)
        return dual.exp(rev_lcse(pos - out) + x) - dual.exp(rev_lcse(neg - out) + x)


def logcumsumexp(x, dim):
    """log(cumsum(exp(x), dim)) without overflow. >>> chainrule.logcumsumexp(x, 0)"""
    x = floating(x)
    if x._data.ndim == 0:
        return LogCumSumExp.apply(x.reshape(1), axis=0).reshape(())
    return LogCumSumExp.apply(x, axis=one_dim(dim, x._data.ndim, "logcumsumexp"))


_CumMax, _CumMin = _rt.cummax, _rt.cummin


def _cum_extreme(x, dim, minimum):
    x = as_operand(x)
    op = "cummin" if minimum else "cummax"
    cls = _CumMin if minimum else _CumMax
    if x._data.ndim == 0:
        return cls(x.clone(), _make(np.zeros((), np.int64)))
    d = one_dim(dim, x._data.ndim, op)
    data = x._data
    if data.shape[d] == 0:
        return cls(x.clone(), _make(np.zeros(data.shape, np.int64)))
    acc = (np.minimum if minimum else np.maximum).accumulate(data, axis=d)
    # The latest position holding the running extreme (ties: the later index, and a NaN
    # once seen stays, each new NaN taking over: PyTorch's rules).
    mark = data == acc
    if data.dtype.kind == "f":
        mark |= np.isnan(data)
    k = np.arange(data.shape[d]).reshape((-1,) + (1,) * (data.ndim - 1 - d))
    idx = np.maximum.accumulate(np.where(mark, k, 0), axis=d).astype(np.int64)
    from .index import gather
    return cls(gather(x, d, _make(idx)), _make(idx))


def cummax(input, dim):  # noqa: A002
    """(values, indices) of the running maximum along dim. >>> chainrule.cummax(x, 0)"""
    return _cum_extreme(input, dim, False)


def cummin(input, dim):  # noqa: A002
    """(values, indices) of the running minimum along dim.

    >>> torch.cummin(torch.tensor([3, 1, 2, 0]), dim=0)
    chainrule.return_types.cummin(
    values=tensor([3, 1, 1, 0]),
    indices=tensor([0, 1, 1, 3]))
    """
    return _cum_extreme(input, dim, True)


# --- order statistics -------------------------------------------------------------------
_Median, _NanMedian, _Kth, _Mode = _rt.median, _rt.nanmedian, _rt.kthvalue, _rt.mode
_AMinMax = _rt.aminmax


class EvenSelect(Op):
    """A value picked from all of x (global median): the gradient is split evenly among
    the elements equal to it (NaN ones if it is NaN), as PyTorch does.

    >>> x = torch.tensor([1.0, 2.0, 2.0, 3.0], requires_grad=True)
    >>> y = torch.median(x); y
    tensor(2., grad_fn=<EvenSelectBackward0>)
    >>> y.backward(); x.grad
    tensor([0.0000, 0.5000, 0.5000, 0.0000])
    """
    saves = False

    def forward(self, x, value):
        v = np.asarray(value, dtype=x.dtype)
        self.mask = np.isnan(x) if np.isnan(v) else x == v
        self.count = int(self.mask.sum()) or 1
        return v

    def backward(self, g):
        return dual.where(self.mask, g * (1.0 / self.count), 0.0)


def _lane_pick(x, d, ranks):
    """x's elements at the sorted positions `ranks` (one per lane along d, keepdim shape),
    with their original indices: (values tensor via gather, indices array)."""
    order = np.argsort(x._data, axis=d, kind="stable")
    idx = np.take_along_axis(order, ranks, axis=d).astype(np.int64)
    from .index import gather
    return gather(x, d, _make(idx)), idx


def _squeeze_pair(values, idx, d, keepdim, scalar):
    if not keepdim:
        values = values.squeeze(d)
        idx = np.squeeze(idx, d)
    if scalar:
        values, idx = values.reshape(()), idx.reshape(())
    return values, _make(idx)


def _median(x, dim, keepdim, ignore_nan, op):
    x = as_operand(x)
    data = x._data
    if dim is None:
        flat = data.reshape(-1)
        nans = np.isnan(flat) if flat.dtype.kind == "f" else np.zeros(flat.shape, bool)
        valid = flat[~nans] if ignore_nan else flat
        if valid.size == 0 or (not ignore_nan and nans.any()):
            v = np.nan if data.dtype.kind == "f" else 0
        else:
            v = np.sort(valid)[(valid.size - 1) // 2]
        return EvenSelect.apply(x, value=v)
    scalar = data.ndim == 0
    xx = x.reshape(1) if scalar else x
    d = one_dim(dim, xx._data.ndim, op)
    xd = xx._data
    if xd.shape[d] == 0:
        raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")
    n = xd.shape[d]
    if xd.dtype.kind == "f":
        nan_count = np.isnan(xd).sum(axis=d, keepdims=True)
    else:
        nan_count = np.zeros([1 if i == d else s for i, s in enumerate(xd.shape)], np.int64)
    if ignore_nan:
        valid = n - nan_count
        ranks = np.where(valid > 0, (valid - 1) // 2, 0)
    else:  # a lane with NaN gives NaN (its first NaN; NaN sorts last)
        ranks = np.where(nan_count > 0, n - nan_count, (n - 1) // 2)
    values, idx = _lane_pick(xx, d, ranks)
    cls = _NanMedian if ignore_nan else _Median
    return cls(*_squeeze_pair(values, idx, d, keepdim, scalar))


def median(input, dim=None, keepdim=False):  # noqa: A002
    """The lower of the two middle values (PyTorch's median); with dim, (values, indices).

    >>> torch.median(torch.tensor([3.0, 1.0, 4.0, 2.0]))
    tensor(2.)
    >>> torch.median(torch.tensor([[3.0, 1.0, 2.0], [6.0, 5.0, 4.0]]), dim=1)
    chainrule.return_types.median(
    values=tensor([2., 5.]),
    indices=tensor([2, 1]))
    """
    return _median(input, dim, keepdim, False, "median")


def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    """median ignoring NaN.

    >>> torch.nanmedian(torch.tensor([3.0, float("nan"), 1.0, 2.0]))
    tensor(2.)
    """
    return _median(input, dim, keepdim, True, "nanmedian")


def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """(values, indices) of the k-th smallest element along dim (k from 1).

    >>> torch.kthvalue(torch.tensor([5.0, 1.0, 4.0, 2.0]), 2)
    chainrule.return_types.kthvalue(
    values=tensor(2.),
    indices=tensor(3))
    """
    x = as_operand(input)
    scalar = x._data.ndim == 0
    xx = x.reshape(1) if scalar else x
    d = one_dim(dim, xx._data.ndim, "kthvalue")
    n = xx._data.shape[d]
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {d} "
                         f"(k = {k}, size {n})")
    ranks = np.full([1 if i == d else s for i, s in enumerate(xx._data.shape)], k - 1)
    values, idx = _lane_pick(xx, d, ranks)
    return _Kth(*_squeeze_pair(values, idx, d, keepdim, scalar))


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """(values, indices): the most frequent value along dim (the smallest among equally
    frequent ones) and the index of its last occurrence, as PyTorch.

    >>> torch.mode(torch.tensor([1, 2, 2, 3, 3, 3, 2]))
    chainrule.return_types.mode(
    values=tensor(2),
    indices=tensor(6))
    """
    x = as_operand(input)
    scalar = x._data.ndim == 0
    xx = x.reshape(1) if scalar else x
    d = one_dim(dim, xx._data.ndim, "mode")
    data = np.moveaxis(xx._data, d, -1)
    lanes = data.reshape(-1, data.shape[-1])
    if lanes.shape[1] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    best = np.empty(lanes.shape[0], np.int64)
    for i, row in enumerate(lanes):
        vals, counts = np.unique(row, return_counts=True)
        v = vals[int(np.argmax(counts))]
        hits = np.flatnonzero(np.isnan(row) if v != v else row == v)
        best[i] = hits[-1]
    idx = np.moveaxis(best.reshape(data.shape[:-1] + (1,)), -1, d)
    from .index import gather
    values = gather(xx, d, _make(idx))
    return _Mode(*_squeeze_pair(values, idx, d, keepdim, scalar))


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(x, q, dim, keepdim, interpolation, ignore_nan, op):
    x = as_operand(x)
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}() input tensor must be either float or double dtype")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}() interpolation must be one of {', '.join(_INTERPOLATIONS)}. "
                         f"Got {interpolation!r}")
    q_scalar = not isinstance(q, Tensor)
    qd = np.asarray(q._data if isinstance(q, Tensor) else q, dtype=np.float64)
    if qd.ndim > 1:
        raise RuntimeError(f"{op}() q must be a scalar or 1D tensor")
    if qd.size and (qd.min() < 0 or qd.max() > 1):
        raise RuntimeError(f"{op}() q values must be in the range [0, 1]")
    if isinstance(q, Tensor) and q._data.dtype != x._data.dtype:
        raise RuntimeError(f"{op}() q tensor must be same dtype as the input tensor")
    qv = qd.reshape(-1)
    orig_shape = x._data.shape
    if dim is None:
        xx, d = x.reshape(-1), 0
    else:
        xx = x.reshape(1) if x._data.ndim == 0 else x
        d = one_dim(dim, xx._data.ndim, op)
    xd = xx._data
    n = xd.shape[d]
    if n == 0:
        raise RuntimeError(f"{op}() input tensor must be non-empty")
    from .index import sort
    srt = sort(xx, d).values
    # lanes last, then a trailing axis for q
    sd = np.moveaxis(srt._data, d, -1)
    nan_count = np.isnan(sd).sum(axis=-1, keepdims=True)
    valid = (n - nan_count) if ignore_nan else np.full(nan_count.shape, n)
    rank = qv * (np.maximum(valid, 1) - 1)             # lanes..., Q
    if not ignore_nan:  # a lane with NaN gives NaN (the last sorted element)
        rank = np.where(nan_count > 0, n - 1, rank)
    else:  # an all-NaN lane gives NaN
        rank = np.where(valid == 0, n - 1, rank)
    lo = np.floor(rank).astype(np.int64)
    hi = np.ceil(rank).astype(np.int64)
    if interpolation == "lower":
        hi = lo
    elif interpolation == "higher":
        lo = hi
    elif interpolation == "nearest":
        lo = hi = np.round(rank).astype(np.int64)  # half to even, as PyTorch
    moved = srt.movedim(d, -1)
    from .index import gather
    below = gather(moved, -1, _make(lo))
    if interpolation in ("lower", "higher", "nearest"):
        res = below
    else:
        above = gather(moved, -1, _make(hi))
        w = 0.5 if interpolation == "midpoint" else (rank - lo)
        from .elementwise import lerp
        w = _make(np.asarray(w, dtype=xd.dtype))
        if interpolation == "linear" and isinstance(q, Tensor) and q.requires_grad:
            # the weight as a function of q (PyTorch differentiates quantile in q too):
            # q (valid - 1) - lo, constant where a NaN lane fixed the rank
            fixed = (nan_count > 0) if not ignore_nan else (valid == 0)
            from .elementwise import where as _where
            scale = _make((np.maximum(valid, 1) - 1).astype(xd.dtype))
            # where, not a zero factor: a NaN lane's NaN must not reach q's gradient
            w = _where(_make(np.broadcast_to(fixed, rank.shape)), w,
                       q.reshape(-1) * scale - _make(lo.astype(xd.dtype)))
        res = lerp(below, above, w)
    res = res.movedim(-1, 0)                          # Q, lanes...
    if keepdim:
        if dim is None:
            res = res.reshape((len(qv),) + (1,) * len(orig_shape))
        elif len(orig_shape):
            res = res.unsqueeze(d + 1)
    if q_scalar or qd.ndim == 0:
        res = res.squeeze(0)
    return res


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """The q-th quantiles (q a number or a 1-D tensor; its dim comes first in the result).

    >>> torch.quantile(torch.tensor([1.0, 2.0, 3.0, 4.0]), 0.5)
    tensor(2.5000)
    >>> torch.quantile(torch.tensor([1.0, 2.0, 3.0, 4.0]), torch.tensor([0.25, 0.75]))
    tensor([1.7500, 3.2500])
    """
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):  # noqa: A002
    """quantile ignoring NaN.

    >>> torch.nanquantile(torch.tensor([1.0, float("nan"), 3.0]), 0.5)
    tensor(2.)
    """
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """sum treating NaN as zero (their gradient is 0).

    >>> torch.nansum(torch.tensor([1.0, float("nan"), 2.0]))
    tensor(3.)
    """
    x = as_operand(input)
    if x._data.dtype.kind == "f":
        from .elementwise import Where
        x = Where.apply(_make(np.zeros((), x._data.dtype)), x, cond=np.isnan(x._data))
    return sum(x, dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """mean over the non-NaN elements.

    >>> torch.nanmean(torch.tensor([1.0, float("nan"), 2.0]))
    tensor(1.5000)
    """
    x = as_operand(input)
    if dtype is not None:
        x = x.to(dtype)
    if x._data.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point dtype but got "
                           f"{x.dtype.name}")
    count = sum(_make(~np.isnan(x._data)), dim, keepdim).to(x.dtype)
    return nansum(x, dim, keepdim) / count


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    """(min, max) in one call.

    >>> torch.aminmax(torch.tensor([3, 1, 4, 1, 5]))
    chainrule.return_types.aminmax(
    min=tensor(1),
    max=tensor(5))
    """
    x = as_operand(input)
    d = () if dim is None else dim
    if dim is None and keepdim:
        d = tuple(range(x._data.ndim))
    return _AMinMax(amin(x, d, keepdim), amax(x, d, keepdim))


# --- histograms and searching -----------------------------------------------------------
def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Counts in `bins` equal bins over [min, max] (the data's range when min == max);
    values outside are ignored. The result has the input's dtype.

    >>> torch.histc(torch.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=4)
    tensor([0., 2., 1., 1.])
    """
    x = as_operand(input)
    d = x._data
    if d.dtype.kind != "f":
        raise RuntimeError(f'"histogram_cpu" not implemented for \'{x.dtype.name.capitalize()}\'')
    if bins <= 0:
        raise RuntimeError("histc(): bins must be > 0")
    lo, hi = float(min), float(max)
    if lo == hi and d.size:
        fin = d[np.isfinite(d)]
        lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 0.0)
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise RuntimeError(f"histc(): max must be larger than min (got min {lo}, max {hi})")
    v = d.reshape(-1).astype(np.float64)
    keep = (v >= lo) & (v <= hi)
    v = v[keep]
    pos = ((v - lo) * bins / (hi - lo)).astype(np.int64)
    pos = np.minimum(pos, bins - 1)
    return _make(np.bincount(pos, minlength=bins)[:bins].astype(d.dtype))


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """Occurrences of each non-negative integer (weighted sums with weights).

    >>> torch.bincount(torch.tensor([0, 1, 1, 3]))
    tensor([1, 2, 0, 1])
    >>> torch.bincount(torch.tensor([0, 1, 1]), weights=torch.tensor([0.5, 1.0, 2.0]))
    tensor([0.5000, 3.0000])
    """
    d = input._data if isinstance(input, Tensor) else np.asarray(input)
    if d.ndim != 1 or d.dtype.kind not in "iub":
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs "
                           f"(got a {d.ndim}-d {d.dtype} tensor)")
    if d.size and d.min() < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("bincount(): minlength should be >= 0")
    if weights is None:
        return _make(np.bincount(d, minlength=minlength).astype(np.int64))
    w = weights._data if isinstance(weights, Tensor) else np.asarray(weights)
    if w.shape != d.shape:
        raise RuntimeError(f"bincount(): weights should be 1-d and have the same length as "
                           f"input (got {list(w.shape)} and {list(d.shape)})")
    out_dtype = w.dtype if w.dtype.kind == "f" else np.float64
    return _make(np.bincount(d, weights=w, minlength=minlength).astype(out_dtype))


def _search(seq, values, right, sorter, op):
    if seq.ndim == 1:
        s = seq if sorter is None else seq[sorter]
        return np.searchsorted(s, values, side="right" if right else "left")
    if np.ndim(values) == 0 or values.shape[:-1] != seq.shape[:-1]:
        raise RuntimeError(f"{op}(): boundaries tensor should be 1 dimension or the first N-1 "
                           f"dimensions of boundaries tensor and input value tensor must match, "
                           f"but we got boundaries tensor {list(seq.shape)} and input value "
                           f"tensor {list(np.shape(values))}")
    if values.size == 0 or seq.size == 0:  # (reshape(-1, 0) cannot infer the lanes)
        return np.zeros(values.shape, np.int64)
    s2 = seq.reshape(-1, seq.shape[-1])
    v2 = values.reshape(-1, values.shape[-1])
    so = None if sorter is None else sorter.reshape(-1, seq.shape[-1])
    out = np.empty(v2.shape, np.int64)
    for i in range(s2.shape[0]):
        row = s2[i] if so is None else s2[i][so[i]]
        out[i] = np.searchsorted(row, v2[i], side="right" if right else "left")
    return out.reshape(values.shape)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,  # noqa: A002
                 sorter=None):
    """Indices where `input` would be inserted into the sorted last dim of sorted_sequence
    (right / side="right": after equal elements).

    >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]))
    tensor([1, 3])
    >>> torch.searchsorted(torch.tensor([1, 3, 5, 7]), torch.tensor([3, 6]), right=True)
    tensor([2, 3])
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError("searchsorted(): side and right can't be set to opposites, got "
                               "side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    so = None if sorter is None else (sorter._data if isinstance(sorter, Tensor)
                                      else np.asarray(sorter))
    out = _search(seq, vals, right, so, "searchsorted")
    return _make(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket of each value for sorted 1-D boundaries: boundaries[i-1] < x <= boundaries[i]
    (right=True: boundaries[i-1] <= x < boundaries[i]).

    >>> torch.bucketize(torch.tensor([1, 5, 9]), torch.tensor([2, 4, 6, 8]))
    tensor([0, 2, 4])
    """
    b = boundaries._data
    if b.ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim("
                           f"{b.ndim})")
    vals = input._data if isinstance(input, Tensor) else np.asarray(input)
    out = np.searchsorted(b, vals, side="right" if right else "left")
    return _make(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


from ._util import dim_aliases  # noqa: E402

# PyTorch's argument parser takes axis= / keepdims= for dim= / keepdim= everywhere.
(prod, amax, amin, max, min, argmax, argmin, var, std, var_mean, std_mean, logsumexp,  # noqa: A001
 norm, cumsum, cumprod, softmax, log_softmax, any, all, count_nonzero, logcumsumexp,
 cummax, cummin, median, nanmedian, kthvalue, mode, quantile, nanquantile, nansum,
 nanmean, aminmax) = [dim_aliases(f) for f in (
    prod, amax, amin, max, min, argmax, argmin, var, std, var_mean, std_mean, logsumexp,
    norm, cumsum, cumprod, softmax, log_softmax, any, all, count_nonzero, logcumsumexp,
    cummax, cummin, median, nanmedian, kthvalue, mode, quantile, nanquantile, nansum,
    nanmean, aminmax)]
