"""Convolution and pooling: im2col / col2im on NumPy views, one matrix product each way.

A convolution gathers, for every output position, the input patch under the kernel
("im2col"), and multiplies the patches by the flattened kernels:

    cols[n, c, k, p] = x_padded[n, c, stride*p + dilation*k]  (k: kernel offset, p: position)
    y[n, o, p]       = sum_{c, k} w[o, c, k] * cols[n, c, k, p]  (+ b[o])

The patches come from `sliding_window_view` (a strided view: no copy), sliced by stride
and dilation, then copied once into a contiguous buffer laid out (N, C*K, P) so that a
single batched `matmul` yields the output directly in NCHW order.

Backward is three ops that are each other's derivatives, so grad-of-grad works:

    Conv(x, w)         y  = w * x                  (the forward)
    ConvInput(g, w)    gx = the adjoint of Conv in x: a transposed convolution,
                            w^T @ g then col2im (scatter-add the columns back)
    ConvWeight(x, g)   gw = sum_n g @ cols(x)^T, the correlation of x with g

    d Conv       = (ConvInput(g, w),  ConvWeight(x, g))
    d ConvInput  = (Conv(gg, w),      ConvWeight(gg, g))
    d ConvWeight = (ConvInput(g, gg), Conv(x, gg))

ConvTranspose is ConvInput with a bias. (Channel dropout, dropout2d, lives with the other
dropouts in nn/_functional.py.) Pooling follows the same pattern: MaxPool saves
the argmax of each window, and its backward (PoolScatter) and PoolScatter's backward
(PoolGather) are the scatter / gather pair; AvgPool and its backward (AvgPoolSpread) are
each other's adjoints. Adaptive average pooling is a product with averaging matrices.

Python loops run only over kernel offsets (25 for a 5x5 kernel), never over pixels,
channels or samples: copying each offset's strided slab is 2-5x faster in NumPy than one
copy of the 6-d window view, whose innermost axis is only the kernel width long.
"""
import itertools
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import dual
from ._util import as_operand
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


# --- geometry ---------------------------------------------------------------------------
class _Geom:
    """Shape of a sliding-window op over `nd` spatial dims: input size, kernel, stride,
    dilation, padding (lo, hi) per dim, groups, and the output size it implies."""

    __slots__ = ("nd", "in_sp", "k", "stride", "dil", "pad", "groups", "out_sp", "name")

    def __init__(self, in_sp, k, stride, dil, pad, groups=1, name="conv", out_sp=None):
        self.nd = len(in_sp)
        self.in_sp, self.k, self.stride, self.dil = tuple(in_sp), tuple(k), tuple(stride), \
            tuple(dil)
        self.pad, self.groups, self.name = tuple(pad), groups, name
        if out_sp is None:
            out_sp = tuple((n + lo + hi - d * (kk - 1) - 1) // s + 1 for n, kk, s, d, (lo, hi)
                           in zip(in_sp, k, stride, dil, pad))
        self.out_sp = tuple(out_sp)

    @property
    def padded(self):
        return tuple(n + lo + hi for n, (lo, hi) in zip(self.in_sp, self.pad))

    @property
    def has_pad(self):
        return any(lo or hi for lo, hi in self.pad)

    def offsets(self):
        return itertools.product(*[range(kk) for kk in self.k])

    def window(self, off):
        """Slices of the padded input that kernel offset `off` reads, one per output."""
        return tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                     for o, d, s, n in zip(off, self.dil, self.stride, self.out_sp))

    def interior(self):
        """Slices of the padded input that hold the unpadded input."""
        return tuple(slice(lo, lo + n) for (lo, _), n in zip(self.pad, self.in_sp))


_ALL2 = (slice(None), slice(None))


# --- threads for the copies -------------------------------------------------------------
# The GEMMs use BLAS's threads; the patch copies, col2im's adds and pooling are NumPy loops
# that run on one core. They are split over the batch into as many chunks as BLAS has
# threads (NumPy releases the GIL inside them), so `set_num_threads(n)` speeds up the
# whole layer, not only its matrix products.
_BLAS = [None]
_POOL = [None]
_MIN_PARALLEL = 1 << 17  # elements: below this a thread hand-off costs more than it saves


def _num_threads():
    c = _BLAS[0]
    if c is None:
        try:
            from threadpoolctl import ThreadpoolController
            found = [lc for lc in ThreadpoolController().lib_controllers
                     if lc.user_api == "blas"]
            c = found[0] if found else False
        except Exception:  # threadpoolctl is optional
            c = False
        _BLAS[0] = c
    if c is False:
        return 1
    try:
        return max(1, int(c.num_threads))
    except Exception:  # pragma: no cover
        return 1


def _batch_parallel(fn, n, size):
    """fn(start, stop) over the batch [0, n), in one chunk per BLAS thread when the work
    (`size` elements) is large enough; the calling thread takes the first chunk."""
    t = min(_num_threads(), n) if size >= _MIN_PARALLEL else 1
    if t <= 1:
        fn(0, n)
        return
    if _POOL[0] is None:
        from concurrent.futures import ThreadPoolExecutor
        import os
        _POOL[0] = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                                      thread_name_prefix="chainrule-conv")
    bounds = [n * i // t for i in range(t + 1)]
    futures = [_POOL[0].submit(fn, bounds[i], bounds[i + 1]) for i in range(1, t)]
    fn(bounds[0], bounds[1])
    for f in futures:
        f.result()


def _pad(x, geom, fill=0.0):
    if not geom.has_pad:
        return x
    shape = x.shape[:2] + geom.padded
    xp = np.zeros(shape, dtype=x.dtype) if fill == 0 else np.full(shape, fill, dtype=x.dtype)
    xp[_ALL2 + geom.interior()] = x
    return xp


def _windows(x, geom, fill=0.0):
    """View (N, C, *out, *k) of every output position's (dilated, strided) input patch."""
    xp = _pad(x, geom, fill)
    nd = geom.nd
    eff = tuple(d * (kk - 1) + 1 for kk, d in zip(geom.k, geom.dil))
    win = sliding_window_view(xp, eff, axis=tuple(range(2, 2 + nd)))
    sel = tuple(slice(0, s * (n - 1) + 1, s) for s, n in zip(geom.stride, geom.out_sp)) + \
        tuple(slice(None, None, d) for d in geom.dil)
    return win[_ALL2 + sel]


def _im2col(x, geom):
    """(N, C, *in) -> contiguous (C, *k, N, *out): the patches, one kernel offset per slab.

    Channels and kernel offsets lead: per group the patches are one (C/G * K, N * P) matrix,
    and each sample's (C/G * K, P) block is a strided view of it (see _batch_cols)."""
    N, C = x.shape[:2]
    win = _windows(x, geom)
    nd = geom.nd
    if all(o == 1 for o in geom.out_sp):  # one window (LeNet's C5): a single transposed copy
        w1 = win[_ALL2 + (0,) * nd]      # (N, C, *k)
        cols = np.ascontiguousarray(np.moveaxis(w1, 0, -1))
        return cols.reshape(cols.shape + (1,) * nd)
    cols = np.empty((C,) + geom.k + (N,) + geom.out_sp, dtype=x.dtype)
    offs = list(geom.offsets())

    def fill(a, b):
        for off in offs:
            cols[(slice(None),) + off + (slice(a, b),)] = win[a:b][(Ellipsis,) + off].swapaxes(0, 1)
    _batch_parallel(fill, N, cols.size)
    return cols


def _col2im(cols, geom, N):
    """(C, *k, N, *out) -> (N, C, *in): add every column back where its patch came from
    (the adjoint of _im2col; overlapping patches add up). This layout makes each kernel
    offset's slab one contiguous block (measured faster than (N, C, *k, *out))."""
    C = cols.shape[0]
    xp = np.zeros((N, C) + geom.padded, dtype=cols.dtype)
    xt = xp.swapaxes(0, 1)  # a view: (C, N, *padded)
    nd = geom.nd
    if all(o == 1 for o in geom.out_sp):  # one window: no overlaps, a single strided write
        sl = tuple(slice(0, d * (k - 1) + 1, d) for k, d in zip(geom.k, geom.dil))
        xp[_ALL2 + sl] = np.moveaxis(cols.reshape(cols.shape[:1 + nd] + (N,)), -1, 0)
        return xp[_ALL2 + geom.interior()] if geom.has_pad else xp
    slabs = [(_ALL2 + geom.window(off), (slice(None),) + off) for off in geom.offsets()]

    def add(a, b):
        xa = xt[:, a:b]
        for win, off in slabs:
            xa[win] += cols[off + (slice(a, b),)]
    _batch_parallel(add, N, cols.size)
    return xp[_ALL2 + geom.interior()] if geom.has_pad else xp


# --- convolution on arrays --------------------------------------------------------------
# Shapes: G groups, O = G*Og output channels, C = G*Cg input channels, K = prod(kernel),
# P = prod(output spatial). Patches (from _im2col): (G, Cg*K, N, P); weight (G, Og, Cg*K).
# Each product is one batched matmul: a GEMM per sample (and group) in NumPy's C loop, on
# the patches read in place with a leading dimension of N*P, which writes the output
# straight into (N, O, P) order (no transposed copy; measured faster than one big GEMM
# followed by a transpose).
# Few output positions per sample (LeNet's C5 has one): per-sample products would be
# matrix-vector products, so the whole batch goes through one GEMM and the (small) result
# is transposed instead.
_FEW_POSITIONS = 32


def _batch_cols(cols, G, N, P):
    """The patches as (N, G, Cg*K, P), a strided view."""
    return cols.reshape(G, -1, N, P).transpose(2, 0, 1, 3)


def _conv_arrays(x, w, geom, b=None):
    """y = conv(x, w) + b on arrays; returns (y, cols) so the weight gradient can reuse cols."""
    N, G, O = x.shape[0], geom.groups, w.shape[0]
    P = math.prod(geom.out_sp)
    cols = _im2col(x, geom)
    wg = w.reshape(G, O // G, -1)
    if P < _FEW_POSITIONS:
        y = np.matmul(wg, cols.reshape(G, -1, N * P))                  # (G, Og, N*P)
        y = np.ascontiguousarray(y.reshape(O, N, P).transpose(1, 0, 2))
    else:
        bc = _batch_cols(cols, G, N, P)
        y = np.empty((N, G, O // G, P), dtype=x.dtype)

        def mm(a, c):
            np.matmul(wg, bc[a:c], out=y[a:c])                        # (n, G, Og, P)
        # Per-sample GEMMs are below BLAS's own threading threshold: chunk the batch.
        _batch_parallel(mm, N, cols.size)
    y = y.reshape((N, O) + geom.out_sp)
    if b is not None:
        y += b.reshape((O,) + (1,) * geom.nd)
    return y, cols


def _g_cols(g, G):
    """(N, O, *out) -> (G, Og, N*P), the layout of the patches."""
    N, O = g.shape[:2]
    g3 = g.reshape(N, O, -1)
    gc = np.empty((O, N, g3.shape[2]), dtype=g.dtype)

    def copy(a, b):
        gc[:, a:b] = g3[a:b].transpose(1, 0, 2)
    _batch_parallel(copy, N, gc.size)
    return gc.reshape(G, O // G, -1)


def _conv_input_arrays(g, w, geom, x_shape):
    """The gradient of conv wrt its input: w^T @ g, then col2im (a transposed convolution).
    One GEMM over the batch here: it leaves the columns in _col2im's faster layout."""
    N, G, O = g.shape[0], geom.groups, w.shape[0]
    wt = w.reshape(G, O // G, -1).transpose(0, 2, 1)                    # (G, Cg*K, Og)
    dcols = np.matmul(wt, _g_cols(g, G))                                # (G, Cg*K, N*P)
    return _col2im(dcols.reshape((x_shape[1],) + geom.k + (N,) + geom.out_sp), geom, N)


def _conv_weight_arrays(x, g, geom, w_shape, cols=None):
    """The gradient of conv wrt its weight: sum over the batch of g @ cols^T."""
    N, G, O = x.shape[0], geom.groups, w_shape[0]
    P = math.prod(geom.out_sp)
    if cols is None:
        cols = _im2col(x, geom)
    if P < _FEW_POSITIONS:
        return np.matmul(_g_cols(g, G), cols.reshape(G, -1, N * P).transpose(0, 2, 1)) \
            .reshape(w_shape)
    g4 = g.reshape(N, G, O // G, P)
    bt = _batch_cols(cols, G, N, P).transpose(0, 1, 3, 2)            # (N, G, P, Cg*K)
    parts = {}

    def mm(a, c):
        parts[a] = np.matmul(g4[a:c], bt[a:c]).sum(axis=0)             # (G, Og, Cg*K)
    _batch_parallel(mm, N, cols.size)
    starts = sorted(parts)  # a fixed order of summation: the same bits every run
    gw = parts[starts[0]]
    for a in starts[1:]:
        gw += parts[a]
    return gw.reshape(w_shape)


def _spatial_axes(geom):
    return (0,) + tuple(range(2, 2 + geom.nd))


def _tensor(a):
    return a if isinstance(a, Tensor) else _make(np.asarray(a))


def _conv(x, w, geom):
    """conv(x, w) inside a backward formula: arrays in, array out; Tensors recorded."""
    if dual.is_array(x) and dual.is_array(w):
        return _conv_arrays(x, w, geom)[0]
    return Conv.apply(_tensor(x), _tensor(w), geom=geom)


def _conv_input(g, w, geom, x_shape):
    if dual.is_array(g) and dual.is_array(w):
        return _conv_input_arrays(g, w, geom, x_shape)
    return ConvInput.apply(_tensor(g), _tensor(w), geom=geom, x_shape=tuple(x_shape))


def _conv_weight(x, g, geom, w_shape):
    if dual.is_array(x) and dual.is_array(g):
        return _conv_weight_arrays(x, g, geom, w_shape)
    return ConvWeight.apply(_tensor(x), _tensor(g), geom=geom, w_shape=tuple(w_shape))


class Conv(Op):
    """N-d convolution (cross-correlation, as in PyTorch) of x (N, C, *in) with w
    (O, C/groups, *k), plus an optional bias (O,)."""

    def forward(self, x, w, b=None, *, geom):
        self.geom = geom
        y, cols = _conv_arrays(x, w, geom, b)
        need = self.needs_input_grad
        if len(need) > 1 and need[1]:
            self._cols = cols  # the weight gradient reuses the patches
        return y

    def backward(self, g):
        ins = self.saved_inputs()
        x, w = ins[0], ins[1]
        need, geom = self.needs_input_grad, self.geom
        if dual.is_array(g) and dual.is_array(x):
            gx = _conv_input_arrays(g, w, geom, x.shape) if need[0] else None
            gw = _conv_weight_arrays(x, g, geom, w.shape, self.__dict__.get("_cols")) \
                if need[1] else None
        else:
            gx = _conv_input(g, w, geom, x.shape) if need[0] else None
            gw = _conv_weight(x, g, geom, w.shape) if need[1] else None
        if len(ins) == 2:
            return gx, gw
        gb = dual.sum(g, _spatial_axes(geom)) if need[2] else None
        return gx, gw, gb


class ConvInput(Op):
    """The adjoint of Conv in its input (a transposed convolution): maps g (N, O, *out)
    to (N, C, *in), with an optional bias (C,) - this is ConvTranspose's forward."""

    def forward(self, g, w, b=None, *, geom, x_shape):
        self.geom, self.x_shape = geom, x_shape
        y = _conv_input_arrays(g, w, geom, x_shape)
        if b is not None:
            y += b.reshape((-1,) + (1,) * geom.nd)
        return y

    def backward(self, gg):
        ins = self.saved_inputs()
        g, w = ins[0], ins[1]
        need, geom = self.needs_input_grad, self.geom
        dg = _conv(gg, w, geom) if need[0] else None
        dw = _conv_weight(gg, g, geom, w.shape) if need[1] else None
        if len(ins) == 2:
            return dg, dw
        db = dual.sum(gg, _spatial_axes(geom)) if need[2] else None
        return dg, dw, db


class ConvWeight(Op):
    """The adjoint of Conv in its weight: the correlation of x with g, shaped like w."""

    def forward(self, x, g, *, geom, w_shape):
        self.geom, self.w_shape = geom, w_shape
        return _conv_weight_arrays(x, g, geom, w_shape)

    def backward(self, gw):
        x, g = self.saved_inputs()
        nx, ng = self.needs_input_grad
        geom = self.geom
        return (_conv_input(g, gw, geom, x.shape) if nx else None,
                _conv(x, gw, geom) if ng else None)


# --- argument handling ------------------------------------------------------------------
def _ntuple(v, n, what, op):
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    try:
        t = tuple(int(a) for a in v)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a tuple of {n} ints, got {v!r}") from None
    if len(t) == 1:
        return t * n
    if len(t) != n:
        raise RuntimeError(f"{op}: expected {what} to be a single integer value or a list of "
                           f"{n} values to match the convolution dimensions, but got "
                           f"{what}={list(t)}")
    return t


def _integer_inputs(fn):
    """PyTorch's CPU kernels take integer inputs too (no gradient): computed in float64,
    exact for the integers such kernels see, and cast back, truncating toward zero (how
    PyTorch's integer avg_pool divides)."""
    import functools

    @functools.wraps(fn)
    def wrapper(input, *args, **kwargs):  # noqa: A002
        if not (isinstance(input, Tensor) and input._data.dtype.kind in "iu"):
            return fn(input, *args, **kwargs)
        dt = input._data.dtype
        up = lambda t: Tensor._make(t._data.astype(np.float64)) if isinstance(t, Tensor) else t  # noqa: E731
        out = fn(up(input), *(up(a) for a in args), **{k: up(v) for k, v in kwargs.items()})
        if isinstance(out, tuple):  # (values, indices) of max pooling
            return (Tensor._make(out[0]._data.astype(dt)),) + tuple(out[1:])
        return Tensor._make(out._data.astype(dt))
    return wrapper


def _check_input(x, nd, op, what="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{what}' must be Tensor, not {type(x).__name__}")
    if x._data.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"{op}: Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input "
                           f"to {op}, but got input of size: {list(x.shape)}")
    if x._data.dtype.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point input, got {x.dtype}")
    return x._data.ndim == nd + 1


def _size_str(t):
    return "(" + " x ".join(str(int(a)) for a in t) + ")"


def _conv_geom(xshape, wshape, stride, padding, dilation, groups, nd, op):
    stride = _ntuple(stride, nd, "stride", op)
    dilation = _ntuple(dilation, nd, "dilation", op)
    k = tuple(wshape[2:])
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: non-positive stride is not supported (stride={list(stride)})")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op}: dilation should be greater than zero (dilation="
                           f"{list(dilation)})")
    if isinstance(padding, str):
        if padding == "valid":
            pad = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op}: padding='same' is not supported for strided "
                                   f"convolutions (stride={list(stride)})")
            # PyTorch puts the odd extra zero on the right.
            pad = tuple((d * (kk - 1) // 2, d * (kk - 1) - d * (kk - 1) // 2)
                        for kk, d in zip(k, dilation))
        else:
            raise ValueError(f"{op}: Invalid padding string {padding!r}, should be one of "
                             f"'valid' or 'same'")
    else:
        p = _ntuple(padding, nd, "padding", op)
        if any(a < 0 for a in p):
            raise RuntimeError(f"{op}: negative padding is not supported (padding={list(p)})")
        pad = tuple((a, a) for a in p)
    in_sp = tuple(xshape[2:])
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(in_sp, pad))
    eff = tuple(d * (kk - 1) + 1 for kk, d in zip(k, dilation))
    if any(p_ < e for p_, e in zip(padded, eff)):
        raise RuntimeError(f"{op}: Calculated padded input size per channel: {_size_str(padded)}."
                           f" Kernel size: {_size_str(eff)}. Kernel size can't be greater than "
                           f"actual input size (input {list(xshape)}, weight {list(wshape)})")
    return _Geom(in_sp, k, stride, dilation, pad, groups, op)


def _convnd(x, weight, bias, stride, padding, dilation, groups, nd, op):
    unbatched = _check_input(x, nd, op)
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}(): argument 'weight' must be Tensor, not {type(weight).__name__}")
    if weight._data.ndim != nd + 2:
        raise RuntimeError(f"{op}: Expected {nd + 2}-dimensional weight for {nd + 2}-dimensional "
                           f"input {list(x.shape)}, but got {weight._data.ndim}-dimensional "
                           f"weight of size {list(weight.shape)} instead")
    if unbatched:
        x = x.unsqueeze(0)
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (groups={groups})")
    O, Cg = weight.shape[0], weight.shape[1]
    if O % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {list(weight.shape)}"
                           f" instead")
    if x.shape[1] != Cg * groups:
        raise RuntimeError(f"{op}: Given groups={groups}, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have {Cg * groups} channels, but "
                           f"got {x.shape[1]} channels instead")
    if x._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{op}: Input type ({x.dtype}) and weight type ({weight.dtype}) "
                           f"should be the same")
    geom = _conv_geom(x.shape, weight.shape, stride, padding, dilation, groups, nd, op)
    if bias is None:
        y = Conv.apply(x, weight, geom=geom)
    else:
        _check_bias(bias, O, x, op)
        y = Conv.apply(x, weight, bias, geom=geom)
    return y.squeeze(0) if unbatched else y


def _check_bias(bias, n, x, op):
    if not isinstance(bias, Tensor):
        raise TypeError(f"{op}(): argument 'bias' must be Tensor, not {type(bias).__name__}")
    if tuple(bias.shape) != (n,):
        raise RuntimeError(f"{op}: Given weight with {n} output channels, expected bias of shape "
                           f"[{n}], but got bias of size {list(bias.shape)}")
    if bias._data.dtype != x._data.dtype:
        raise RuntimeError(f"{op}: Input type ({x.dtype}) and bias type ({bias.dtype}) should "
                           f"be the same")


@_integer_inputs
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """1-D convolution of input (N, C_in, L) with weight (C_out, C_in/groups, k).

    out[n, o, l] = bias[o] + sum_{c, j} weight[o, c, j] * input[n, c, stride*l + dilation*j]

    >>> x = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]])
    >>> F.conv1d(x, torch.tensor([[[1.0, -1.0]]]))
    tensor([[[-1., -1., -1.]]])
    >>> F.conv1d(x, torch.ones(2, 1, 3), bias=torch.tensor([0.0, 10.0]), padding=1)
    tensor([[[ 3.,  6.,  9.,  7.],
             [13., 16., 19., 17.]]])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


@_integer_inputs
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """2-D convolution (cross-correlation) as in PyTorch.

    input (N, C_in, H, W) or (C_in, H, W); weight (C_out, C_in/groups, kH, kW); bias (C_out,).
    padding: int, tuple, 'valid' or 'same'. Output size per dim:
    floor((H + 2*padding - dilation*(k-1) - 1) / stride) + 1.

    >>> F.conv2d(torch.randn(8, 1, 28, 28), torch.randn(6, 1, 5, 5), padding=2).shape
    chainrule.Size([8, 6, 28, 28])
    >>> x = torch.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.conv2d(x, torch.ones(1, 1, 2, 2))
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


@_integer_inputs
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):  # noqa: A002
    """3-D convolution of input (N, C_in, D, H, W) with weight (C_out, C_in/groups, kD, kH, kW).

    >>> x = torch.ones(1, 1, 3, 3, 3)
    >>> F.conv3d(x, torch.ones(2, 1, 2, 2, 2)).shape
    chainrule.Size([1, 2, 2, 2, 2])
    >>> F.conv3d(x, torch.ones(1, 1, 2, 2, 2), stride=2, padding=1)[0, 0, 0]
    tensor([[1., 2.],
            [2., 4.]])
    """
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transposend(x, weight, bias, stride, padding, output_padding, groups, dilation, nd,
                      op, output_size=None):
    unbatched = _check_input(x, nd, op)
    if not isinstance(weight, Tensor) or weight._data.ndim != nd + 2:
        raise RuntimeError(f"{op}: expected a {nd + 2}-dimensional weight tensor, got "
                           f"{list(getattr(weight, 'shape', []))}")
    if unbatched:
        x = x.unsqueeze(0)
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"{op}: non-positive groups is not supported (groups={groups})")
    Cin, Cout_g = weight.shape[0], weight.shape[1]
    if x.shape[1] != Cin:
        raise RuntimeError(f"{op}: Given transposed=1, weight of size {list(weight.shape)}, "
                           f"expected input{list(x.shape)} to have {Cin} channels, but got "
                           f"{x.shape[1]} channels instead")
    if Cin % groups:
        raise RuntimeError(f"{op}: Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size {list(weight.shape)}")
    if x._data.dtype != weight._data.dtype:
        raise RuntimeError(f"{op}: Input type ({x.dtype}) and weight type ({weight.dtype}) "
                           f"should be the same")
    if isinstance(padding, str):
        raise RuntimeError(f"{op}: padding must be an int or a tuple for transposed "
                           f"convolutions, got {padding!r}")
    stride = _ntuple(stride, nd, "stride", op)
    dilation = _ntuple(dilation, nd, "dilation", op)
    pad = _ntuple(padding, nd, "padding", op)
    k = tuple(weight.shape[2:])
    if any(s <= 0 for s in stride) or any(d <= 0 for d in dilation) or any(p < 0 for p in pad):
        raise RuntimeError(f"{op}: stride and dilation must be positive and padding non-negative"
                           f" (stride={list(stride)}, dilation={list(dilation)}, "
                           f"padding={list(pad)})")
    in_sp = tuple(x.shape[2:])
    base = tuple((n - 1) * s - 2 * p + d * (kk - 1) + 1
                 for n, s, p, d, kk in zip(in_sp, stride, pad, dilation, k))
    if output_size is not None:
        want = tuple(int(a) for a in output_size)[-nd:]
        if len(want) != nd:
            raise ValueError(f"{op}: output_size must have {nd} or {nd + 2} elements (got "
                             f"{list(output_size)})")
        opad = tuple(wn - b for wn, b in zip(want, base))
        if any(o < 0 or o >= max(s, d) for o, s, d in zip(opad, stride, dilation)):
            raise ValueError(f"{op}: requested an output size of {list(want)}, but valid sizes "
                             f"range from {list(base)} to "
                             f"{[b + max(s, d) - 1 for b, s, d in zip(base, stride, dilation)]} "
                             f"(for an input of {list(in_sp)})")
    else:
        opad = _ntuple(output_padding, nd, "output_padding", op)
        if any(o < 0 or (o >= s and o >= d) for o, s, d in zip(opad, stride, dilation)):
            raise RuntimeError(f"{op}: output padding must be smaller than either stride or "
                               f"dilation, but got output_padding={list(opad)}, "
                               f"stride={list(stride)}, dilation={list(dilation)}")
    out_sp = tuple(b + o for b, o in zip(base, opad))
    if any(n <= 0 for n in out_sp):
        raise RuntimeError(f"{op}: the output size {list(out_sp)} is too small (input "
                           f"{list(x.shape)}, weight {list(weight.shape)})")
    # The convolution whose input gradient this is: from the output (N, Cout, *out_sp)
    # back to x's spatial size.
    geom = _Geom(out_sp, k, stride, dilation, tuple((p, p) for p in pad), groups, op,
                 out_sp=in_sp)
    x_shape = (x.shape[0], Cout_g * groups) + out_sp
    if bias is None:
        y = ConvInput.apply(x, weight, geom=geom, x_shape=x_shape)
    else:
        _check_bias(bias, Cout_g * groups, x, op)
        y = ConvInput.apply(x, weight, bias, geom=geom, x_shape=x_shape)
    return y.squeeze(0) if unbatched else y


@_integer_inputs
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """1-D transposed convolution; weight (C_in, C_out/groups, k).

    >>> F.conv_transpose1d(torch.tensor([[[1.0, 2.0]]]), torch.tensor([[[1.0, 10.0]]]))
    tensor([[[ 1., 12., 20.]]])
    >>> F.conv_transpose1d(torch.tensor([[[1.0, 2.0]]]), torch.ones(1, 1, 2), stride=2)
    tensor([[[1., 1., 2., 2.]]])
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 1, "conv_transpose1d")


@_integer_inputs
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """2-D transposed convolution (the gradient of conv2d wrt its input), as in PyTorch.

    weight (C_in, C_out/groups, kH, kW). Output size per dim:
    (H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1.

    >>> x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> F.conv_transpose2d(x, torch.ones(1, 1, 2, 2))
    tensor([[[[ 1.,  3.,  2.],
              [ 4., 10.,  6.],
              [ 3.,  7.,  4.]]]])
    >>> F.conv_transpose2d(x, torch.ones(1, 3, 3, 3), stride=2, padding=1, output_padding=1).shape
    chainrule.Size([1, 3, 4, 4])
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 2, "conv_transpose2d")


@_integer_inputs
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,  # noqa: A002
                     groups=1, dilation=1):
    """3-D transposed convolution; weight (C_in, C_out/groups, kD, kH, kW).

    >>> F.conv_transpose3d(torch.ones(1, 2, 2, 2, 2), torch.ones(2, 4, 3, 3, 3), stride=2).shape
    chainrule.Size([1, 4, 5, 5, 5])
    """
    return _conv_transposend(input, weight, bias, stride, padding, output_padding, groups,
                             dilation, 3, "conv_transpose3d")


# --- pooling ----------------------------------------------------------------------------
def _pool_geom(shape, kernel_size, stride, padding, dilation, ceil_mode, nd, op):
    k = _ntuple(kernel_size, nd, "kernel_size", op)
    stride = k if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else _ntuple(stride, nd, "stride", op)
    pad = _ntuple(padding, nd, "padding", op)
    dil = _ntuple(dilation, nd, "dilation", op)
    if any(a <= 0 for a in k) or any(s <= 0 for s in stride) or any(d <= 0 for d in dil):
        raise RuntimeError(f"{op}: kernel_size, stride and dilation must be greater than zero, "
                           f"but got kernel_size={list(k)}, stride={list(stride)}, "
                           f"dilation={list(dil)}")
    eff = tuple(d * (kk - 1) + 1 for kk, d in zip(k, dil))
    if any(p < 0 or 2 * p > kk for p, kk in zip(pad, k if op.startswith("avg") else eff)):
        raise RuntimeError(f"{op}: pad should be at most half of effective kernel size, but got "
                           f"pad={list(pad)}, kernel_size={list(k)} and dilation={list(dil)}")
    in_sp = tuple(shape[2:])
    out, hi = [], []
    for n, e, s, p in zip(in_sp, eff, stride, pad):
        span = n + 2 * p - e
        o = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (o - 1) * s >= n + p:  # the last window must start inside the input
            o -= 1
        if o <= 0:
            raise RuntimeError(f"{op}: Given input size {_size_str(in_sp)}, calculated output "
                               f"size {_size_str([max(o, 0) for o in out + [o]])} is too small "
                               f"(kernel {list(k)}, stride {list(stride)}, padding {list(pad)})")
        out.append(o)
        hi.append(max(p, (o - 1) * s + e - n - p))  # ceil mode may read past the padding
    return _Geom(in_sp, k, stride, dil, tuple(zip(pad, hi)), 1, op, out_sp=tuple(out))


class MaxPool(Op):
    """Max over each window; padding counts as -inf. Saves the argmax: the first maximal
    element in window order, or the last NaN, as PyTorch's CPU kernel does."""

    def forward(self, x, *, geom):
        win = _windows(x, geom, fill=-np.inf)
        offs = list(geom.offsets())
        it = np.int8 if len(offs) < 128 else np.int32
        y = np.empty(win.shape[:2 + geom.nd], dtype=x.dtype)
        idx = np.empty(y.shape, dtype=it)

        def pool(a, b):
            views = [win[a:b][(Ellipsis,) + off] for off in offs]
            ya, ia = y[a:b], idx[a:b]
            np.copyto(ya, views[0])
            ia[...] = 0
            for i, v in enumerate(views[1:], 1):
                upd = (v > ya).view(np.int8).astype(it, copy=False)  # strict: first max stays
                np.maximum(ya, v, out=ya)                             # NaN propagates (PyTorch)
                ia += upd * (it(i) - ia)                              # idx = i where v won
            if np.isnan(ya).any():
                for i, v in enumerate(views):
                    np.copyto(ia, it(i), where=np.isnan(v))
        _batch_parallel(pool, y.shape[0], x.size)
        self.geom, self.idx, self.in_shape = geom, idx, x.shape
        return y

    def backward(self, g):
        return _pool_scatter(g, self.idx, self.geom, self.in_shape)


def _pool_scatter_arrays(g, idx, geom, in_shape):
    N, C = in_shape[:2]
    xp = np.zeros((N, C) + geom.padded, dtype=g.dtype)
    # Windows that do not overlap are written, not added (NumPy's masked ufuncs, `where=`,
    # are several times slower than np.where into a temporary).
    overlap = any(s < d * (k - 1) + 1 for s, d, k in zip(geom.stride, geom.dil, geom.k))
    wins = [_ALL2 + geom.window(off) for off in geom.offsets()]

    def scatter(a, b):
        xa, ga, ia = xp[a:b], g[a:b], idx[a:b]
        for i, sl in enumerate(wins):
            if overlap:
                xa[sl] += np.where(ia == i, ga, 0)
            else:
                xa[sl] = np.where(ia == i, ga, 0)
    _batch_parallel(scatter, N, xp.size)
    return xp[_ALL2 + geom.interior()] if geom.has_pad else xp


def _pool_gather_arrays(x, idx, geom):
    win = _windows(x, geom)
    y = np.zeros(idx.shape, dtype=x.dtype)
    for i, off in enumerate(geom.offsets()):
        np.copyto(y, win[(Ellipsis,) + off], where=idx == i)
    return y


def _pool_scatter(g, idx, geom, in_shape):
    if dual.is_array(g):
        return _pool_scatter_arrays(g, idx, geom, in_shape)
    return PoolScatter.apply(g, idx=idx, geom=geom, in_shape=in_shape)


class PoolScatter(Op):
    """Put each window's value at its saved argmax (summing overlaps): MaxPool's backward."""
    saves = False

    def forward(self, g, *, idx, geom, in_shape):
        self.idx, self.geom = idx, geom
        return _pool_scatter_arrays(g, idx, geom, in_shape)

    def backward(self, gg):
        if dual.is_array(gg):
            return _pool_gather_arrays(gg, self.idx, self.geom)
        return PoolGather.apply(gg, idx=self.idx, geom=self.geom)


class PoolGather(Op):
    """Read each window at its saved argmax: PoolScatter's backward (and vice versa)."""
    saves = False

    def forward(self, x, *, idx, geom):
        self.idx, self.geom, self.in_shape = idx, geom, x.shape
        return _pool_gather_arrays(x, idx, geom)

    def backward(self, g):
        return _pool_scatter(g, self.idx, self.geom, self.in_shape)


def _avg_sum_arrays(x, geom, divisor):
    win = _windows(x, geom)
    offs = geom.offsets()
    y = win[(Ellipsis,) + next(offs)].copy()
    for off in offs:
        y += win[(Ellipsis,) + off]
    y /= divisor
    return y


def _avg_spread_arrays(g, geom, divisor, in_shape):
    N, C = in_shape[:2]
    gd = g / divisor
    xp = np.zeros((N, C) + geom.padded, dtype=g.dtype)
    for off in geom.offsets():
        xp[_ALL2 + geom.window(off)] += gd
    return xp[_ALL2 + geom.interior()] if geom.has_pad else xp


class AvgPool(Op):
    """Mean over each window (divided by `divisor`, an array over output positions)."""
    saves = False

    def forward(self, x, *, geom, divisor):
        self.geom, self.divisor, self.in_shape = geom, divisor, x.shape
        return _avg_sum_arrays(x, geom, divisor)

    def backward(self, g):
        if dual.is_array(g):
            return _avg_spread_arrays(g, self.geom, self.divisor, self.in_shape)
        return AvgPoolSpread.apply(g, geom=self.geom, divisor=self.divisor,
                                   in_shape=self.in_shape)


class AvgPoolSpread(Op):
    """Spread g / divisor over each window: AvgPool's backward, and its adjoint."""
    saves = False

    def forward(self, g, *, geom, divisor, in_shape):
        self.geom, self.divisor = geom, divisor
        return _avg_spread_arrays(g, geom, divisor, in_shape)

    def backward(self, gg):
        if dual.is_array(gg):
            return _avg_sum_arrays(gg, self.geom, self.divisor)
        return AvgPool.apply(gg, geom=self.geom, divisor=self.divisor)


def _pool_prepare(x, nd, op):
    unbatched = _check_input(x, nd, op)
    return (x.unsqueeze(0) if unbatched else x), unbatched


def _max_poolnd(x, kernel_size, stride, padding, dilation, ceil_mode, return_indices, nd, op):
    if return_indices:  # (values, flat plane indices): functions/pool_indices.py
        from .pool_indices import max_pool_with_indices
        return max_pool_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode, nd, op)
    x, unbatched = _pool_prepare(x, nd, op)
    geom = _pool_geom(x.shape, kernel_size, stride, padding, dilation, ceil_mode, nd, op)
    y = MaxPool.apply(x, geom=geom)
    return y.squeeze(0) if unbatched else y


@_integer_inputs
def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """1-D max pooling over (N, C, L).

    >>> F.max_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), kernel_size=2)
    tensor([[[3., 5.]]])
    >>> F.max_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]), 3, stride=1)
    tensor([[[3., 5., 5.]]])
    """
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, 1, "max_pool1d")


@_integer_inputs
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """2-D max pooling over (N, C, H, W); stride defaults to kernel_size, padding is -inf.

    The gradient goes to the first maximal element of each window (PyTorch's choice).

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.max_pool2d(x, 2)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    >>> F.max_pool2d(x, 3, stride=2, padding=1)
    tensor([[[[ 5.,  7.],
              [13., 15.]]]])
    """
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, 2, "max_pool2d")


@_integer_inputs
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
               ceil_mode=False, return_indices=False):
    """3-D max pooling over (N, C, D, H, W).

    >>> F.max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[7.]]]]])
    """
    return _max_poolnd(input, kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices, 3, "max_pool3d")


def _avg_divisor(geom, pad, count_include_pad, divisor_override, dtype):
    if divisor_override is not None:
        if int(divisor_override) == 0:
            raise RuntimeError("avg_pool: divisor must be not zero")
        return np.asarray(divisor_override, dtype=dtype)
    # PyTorch's rule: windows are clipped to input+padding; without count_include_pad,
    # to the input alone. Per dim, then the outer product.
    div = np.ones((), dtype=np.float64)
    for n, kk, s, p, o in zip(geom.in_sp, geom.k, geom.stride, pad, geom.out_sp):
        start = np.arange(o) * s - p
        end = np.minimum(start + kk, n + p)
        if count_include_pad:
            cnt = end - start
        else:
            cnt = np.minimum(end, n) - np.maximum(start, 0)
        div = np.multiply.outer(div, cnt)
    return div.astype(dtype)


def _avg_poolnd(x, kernel_size, stride, padding, ceil_mode, count_include_pad,
                divisor_override, nd, op):
    x, unbatched = _pool_prepare(x, nd, op)
    geom = _pool_geom(x.shape, kernel_size, stride, padding, 1, ceil_mode, nd, op)
    pad = tuple(lo for lo, _ in geom.pad)
    divisor = _avg_divisor(geom, pad, count_include_pad, divisor_override, x._data.dtype)
    y = AvgPool.apply(x, geom=geom, divisor=divisor)
    return y.squeeze(0) if unbatched else y


@_integer_inputs
def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True):
    """1-D average pooling over (N, C, L).

    >>> F.avg_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 6.0]]]), kernel_size=2)
    tensor([[[2., 4.]]])
    >>> F.avg_pool1d(torch.tensor([[[1.0, 3.0, 2.0, 6.0]]]), 2, padding=1)
    tensor([[[0.5000, 2.5000, 3.0000]]])
    """
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       None, 1, "avg_pool1d")


@_integer_inputs
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W); zero padding, counted in the mean when
    count_include_pad (PyTorch's default).

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.avg_pool2d(x, 2)
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    >>> F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
    tensor([[[[ 2.5000,  4.0000],
              [ 8.5000, 10.0000]]]])
    """
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, 2, "avg_pool2d")


@_integer_inputs
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,  # noqa: A002
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W).

    >>> F.avg_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), 2)
    tensor([[[[[3.5000]]]]])
    """
    return _avg_poolnd(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                       divisor_override, 3, "avg_pool3d")


def _adaptive_avg_poolnd(x, output_size, nd, op):
    x, unbatched = _pool_prepare(x, nd, op)
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) != nd:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {nd} values, got "
                         f"{output_size!r}")
    in_sp = tuple(x.shape[2:])
    out = tuple(n if o is None else int(o) for n, o in zip(in_sp, output_size))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: output_size must be positive, got {list(out)}")
    if any(n == 0 for n in in_sp):
        raise RuntimeError(f"{op}: empty spatial input {list(x.shape)}")
    # y = A_1 x A_2^T ... : a product per pooled dim with a constant averaging matrix
    # (Matmul's backward makes it differentiable to any order).
    from .resample import along_spatial_dims, _area_matrix
    y = along_spatial_dims(x, [None if o == n else _area_matrix(n, o)
                               for n, o in zip(in_sp, out)])
    return y.squeeze(0) if unbatched else y


def adaptive_avg_pool1d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output length: window i covers [floor(i L/o), ceil((i+1) L/o)).

    >>> F.adaptive_avg_pool1d(torch.tensor([[[1.0, 2.0, 3.0, 4.0, 5.0]]]), 2)
    tensor([[[2., 4.]]])
    """
    return _adaptive_avg_poolnd(input, output_size, 1, "adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size (oH, oW); None keeps that dim's size.

    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> F.adaptive_avg_pool2d(x, (2, 1))
    tensor([[[[ 3.5000],
              [11.5000]]]])
    >>> F.adaptive_avg_pool2d(x, 1).shape
    chainrule.Size([1, 1, 1, 1])
    """
    return _adaptive_avg_poolnd(input, output_size, 2, "adaptive_avg_pool2d")


def adaptive_avg_pool3d(input, output_size):  # noqa: A002
    """Average pooling to a fixed output size (oD, oH, oW).

    >>> F.adaptive_avg_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), (1, 1, 2))
    tensor([[[[[3., 4.]]]]])
    """
    return _adaptive_avg_poolnd(input, output_size, 3, "adaptive_avg_pool3d")


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d",
           "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_avg_pool3d"]
