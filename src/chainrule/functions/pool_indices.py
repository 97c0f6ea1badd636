"""Max pooling that returns indices, adaptive max pooling, and max unpooling.

PyTorch's pooling indices are flat offsets into each (N, C) input plane: for a 2-D input
of size (H, W), the maximum at row r, column c has index r * W + c. MaxPool (in conv.py)
saves the argmax as the offset within each window (kernel order); here it is turned into
those flat plane indices; the values and their gradient are MaxPool's own.

Adaptive max pooling uses PyTorch's windows, [floor(i n / o), ceil((i + 1) n / o)) per dim,
whose sizes vary: every window is padded to the longest one (the extra slots hold -inf),
the argmax is taken over the window, and the output is a Gather from the flattened plane
(Gather and its backward, a scatter-add, are each other's derivatives: grad-of-grad works).

Max unpooling writes each value at its index in a zero plane (MaxUnpool); its backward
reads the gradient back at the same indices.

    y, i = max_pool2d_with_indices(x, 2)        y == x.flatten(2).gather(2, i.flatten(2))
    max_unpool2d(y, i, 2)                       the maxima in place, zeros elsewhere
"""
import numpy as np

from . import dual
from .conv import MaxPool, _ntuple, _pool_geom, _pool_prepare, _check_input
from .index import Gather
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


# --- max pooling with indices -----------------------------------------------------------
class MaxPoolWithIndices(MaxPool):
    """MaxPool that also hands its window argmax to the caller (appended to `sink`)."""

    def forward(self, x, *, geom, sink):
        y = super().forward(x, geom=geom)
        sink.append(self.idx)
        return y


def _plane_strides(in_sp):
    """Flat-offset stride of each spatial dim in a C-ordered plane of size in_sp."""
    strides, acc = [], 1
    for n in reversed(in_sp):
        strides.append(acc)
        acc *= n
    return tuple(reversed(strides))


def _window_to_flat(idx, geom):
    """Window argmax (kernel offset number, (N, C, *out)) -> flat index into each plane."""
    offs = np.unravel_index(idx.astype(np.int64), geom.k)
    flat = np.zeros(idx.shape, dtype=np.int64)
    nd = geom.nd
    for d, (off, s, dil, (lo, _), st) in enumerate(zip(offs, geom.stride, geom.dil, geom.pad,
                                                        _plane_strides(geom.in_sp))):
        pos = np.arange(geom.out_sp[d], dtype=np.int64).reshape(
            (-1,) + (1,) * (nd - 1 - d)) * s
        flat += (pos + off * dil - lo) * st
    return flat


def max_pool_with_indices(x, kernel_size, stride, padding, dilation, ceil_mode, nd, op):
    """(values, flat plane indices) of nd-dimensional max pooling (PyTorch's
    max_poolNd_with_indices)."""
    x, unbatched = _pool_prepare(x, nd, op)
    geom = _pool_geom(x.shape, kernel_size, stride, padding, dilation, ceil_mode, nd, op)
    sink = []
    y = MaxPoolWithIndices.apply(x, geom=geom, sink=sink)
    ind = _make(_window_to_flat(sink[0], geom))
    if unbatched:
        return y.squeeze(0), ind.squeeze(0)
    return y, ind


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
                            ceil_mode=False, return_indices=False):
    """1-D max pooling of (N, C, L) returning (values, indices into each length-L row).

    >>> y, i = F.max_pool1d_with_indices(chainrule.tensor([[[1., 3., 2., 0.]]]), 2)
    >>> i.tolist()
    [[[1, 2]]]
    """
    return max_pool_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode, 1,
                                 "max_pool1d")


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
                            ceil_mode=False, return_indices=False):
    """2-D max pooling of (N, C, H, W) returning (values, flat indices r * W + c into each
    input plane), PyTorch's layout for MaxUnpool2d.

    >>> x = torch.tensor([[[[1.0, 5.0], [3.0, 2.0]]]])
    >>> F.max_pool2d_with_indices(x, 2)
    (tensor([[[[5.]]]]), tensor([[[[1]]]]))
    """
    return max_pool_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode, 2,
                                 "max_pool2d")


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,  # noqa: A002
                            ceil_mode=False, return_indices=False):
    """3-D max pooling of (N, C, D, H, W) returning (values, flat indices into each
    D x H x W volume).

    >>> x = torch.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> values, indices = F.max_pool3d_with_indices(x, 2)
    >>> values.flatten(), indices.flatten()
    (tensor([7.]), tensor([7]))
    """
    return max_pool_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode, 3,
                                 "max_pool3d")


# --- adaptive max pooling ---------------------------------------------------------------
def _adaptive_output_size(output_size, in_sp, nd, op):
    if isinstance(output_size, Tensor):
        output_size = output_size.tolist()
    if isinstance(output_size, (int, np.integer)) or output_size is None:
        output_size = (output_size,) * nd
    output_size = tuple(output_size)
    if len(output_size) == 1 and nd > 1:
        output_size = output_size * nd
    if len(output_size) != nd:
        raise ValueError(f"{op}: output_size must be an int or a tuple of {nd} values, got "
                         f"{output_size!r}")
    out = tuple(n if o is None else int(o) for n, o in zip(in_sp, output_size))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"{op}: elements of output_size must be greater than zero, but got "
                           f"{list(out)}")
    if any(n == 0 for n in in_sp):
        raise RuntimeError(f"{op}: Expected input to have non-zero size for non-batch "
                           f"dimensions, but input has sizes {list(in_sp)} after the channels")
    return out


def _adaptive_argmax(x, out):
    """Flat plane index of each adaptive window's maximum: the first maximum in window
    order, or the last NaN (PyTorch's CPU kernel: `val > max || isnan(val)`)."""
    N, C = x.shape[:2]
    in_sp, nd = x.shape[2:], len(out)
    grids, valid = [], []
    for d, (n, o) in enumerate(zip(in_sp, out)):
        i = np.arange(o)
        start = (i * n) // o
        end = -((-(i + 1) * n) // o)
        kmax = int((end - start).max())
        j = np.arange(kmax)
        pos = start[:, None] + j
        ok = pos < end[:, None]
        grids.append(np.minimum(pos, n - 1))
        valid.append(ok)
    # Per dim d an index array of shape (1, .., o_d, K_d, .., 1): together they broadcast
    # to (o_1, K_1, o_2, K_2, ...), the padded windows of every output position.
    keys, mask = [], np.ones((), dtype=bool)
    for d in range(nd):
        shape = [1] * (2 * nd)
        shape[2 * d], shape[2 * d + 1] = grids[d].shape
        keys.append(grids[d].reshape(shape))
        mask = mask & valid[d].reshape(shape)
    win = x[(slice(None), slice(None)) + tuple(keys)]            # (N, C, o1, K1, o2, K2, ..)
    order = (0, 1) + tuple(2 + 2 * d for d in range(nd)) + tuple(3 + 2 * d for d in range(nd))
    win = win.transpose(order)                                    # (N, C, o.., K..)
    mask = mask.transpose(tuple(a - 2 for a in order[2:]))       # already (o1, K1, ..) full
    ksz = tuple(g.shape[1] for g in grids)
    flatk = int(np.prod(ksz))
    w = np.where(mask, win, -np.inf).reshape((N, C) + tuple(out) + (flatk,))
    best = np.argmax(w, axis=-1)
    nan = np.isnan(w)
    if nan.any():
        last = flatk - 1 - np.argmax(nan[..., ::-1], axis=-1)
        best = np.where(nan.any(-1), last, best)
    ks = np.unravel_index(best, ksz)
    flat = np.zeros(best.shape, dtype=np.int64)
    for d, (k, st) in enumerate(zip(ks, _plane_strides(in_sp))):
        o_idx = np.arange(out[d]).reshape((-1,) + (1,) * (nd - 1 - d))
        flat += grids[d][o_idx, k] * st
    return flat


def adaptive_max_pool_with_indices(x, output_size, nd, op):
    """(values, flat plane indices) of adaptive max pooling over nd spatial dims."""
    x, unbatched = _pool_prepare(x, nd, op)
    out = _adaptive_output_size(output_size, tuple(x.shape[2:]), nd, op)
    flat = _adaptive_argmax(x._data, out)
    N, C = x.shape[:2]
    y = Gather.apply(x.reshape(N, C, -1), dim=2, index=flat.reshape(N, C, -1))
    y = y.reshape((N, C) + out)
    ind = _make(flat)
    if unbatched:
        return y.squeeze(0), ind.squeeze(0)
    return y, ind


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):  # noqa: A002
    """Adaptive max pooling of (N, C, L) to length output_size: (values, indices).

    >>> F.adaptive_max_pool1d_with_indices(torch.tensor([[[1.0, 4.0, 2.0, 3.0]]]), 2)
    (tensor([[[4., 3.]]]), tensor([[[1, 3]]]))
    """
    return adaptive_max_pool_with_indices(input, output_size, 1, "adaptive_max_pool1d")


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):  # noqa: A002
    """Adaptive max pooling of (N, C, H, W) to (oH, oW): (values, flat plane indices).

    >>> x = torch.tensor([[[[1.0, 5.0, 0.0], [3.0, 2.0, 6.0]]]])
    >>> F.adaptive_max_pool2d_with_indices(x, (1, 2))
    (tensor([[[[5., 6.]]]]), tensor([[[[1, 5]]]]))
    """
    return adaptive_max_pool_with_indices(input, output_size, 2, "adaptive_max_pool2d")


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):  # noqa: A002
    """Adaptive max pooling of (N, C, D, H, W) to (oD, oH, oW): (values, indices).

    >>> x = torch.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> values, indices = F.adaptive_max_pool3d_with_indices(x, 1)
    >>> values.flatten(), indices.flatten()
    (tensor([7.]), tensor([7]))
    """
    return adaptive_max_pool_with_indices(input, output_size, 3, "adaptive_max_pool3d")


def adaptive_max_pool1d(input, output_size, return_indices=False):  # noqa: A002
    """Max over PyTorch's adaptive windows [floor(i L/o), ceil((i+1) L/o)) of (N, C, L).

    >>> F.adaptive_max_pool1d(chainrule.tensor([[[1., 5., 2., 4., 3.]]]), 2).tolist()
    [[[5.0, 4.0]]]
    """
    y, ind = adaptive_max_pool1d_with_indices(input, output_size)
    return (y, ind) if return_indices else y


def adaptive_max_pool2d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling of (N, C, H, W) to a fixed (oH, oW) (None keeps that dim's size);
    return_indices also gives the flat index of each maximum in its input plane.

    >>> x = torch.tensor([[[[1.0, 5.0, 0.0], [3.0, 2.0, 6.0]]]])
    >>> F.adaptive_max_pool2d(x, (1, 2))
    tensor([[[[5., 6.]]]])
    >>> F.adaptive_max_pool2d(x, (2, None)).shape
    chainrule.Size([1, 1, 2, 3])
    """
    y, ind = adaptive_max_pool2d_with_indices(input, output_size)
    return (y, ind) if return_indices else y


def adaptive_max_pool3d(input, output_size, return_indices=False):  # noqa: A002
    """Max pooling of (N, C, D, H, W) to a fixed (oD, oH, oW).

    >>> F.adaptive_max_pool3d(torch.arange(8.0).reshape(1, 1, 2, 2, 2), (1, 1, 2))
    tensor([[[[[6., 7.]]]]])
    """
    y, ind = adaptive_max_pool3d_with_indices(input, output_size)
    return (y, ind) if return_indices else y


# --- max unpooling ----------------------------------------------------------------------
class MaxUnpool(Op):
    """out = zeros(N, C, prod(size)); out[n, c, idx[n, c, i]] = x[n, c, i]. Backward reads
    the gradient at the indices (a Gather, so grad-of-grad works), as PyTorch's does."""
    saves = False

    def forward(self, x, *, idx, size, op):
        N, C = x.shape[:2]
        total = int(np.prod(size))
        flat = idx.reshape(N, C, -1)
        if flat.size and (flat.min() < 0 or flat.max() >= total):
            bad = int(flat.max() if flat.max() >= total else flat.min())
            raise RuntimeError(f"{op}: Found an invalid max index: {bad} (output volumes are "
                               f"of size {'x'.join(str(s) for s in size)})")
        out = np.zeros((N, C, total), dtype=x.dtype)
        np.put_along_axis(out, flat, x.reshape(N, C, -1), axis=2)
        self.flat, self.in_shape = flat, x.shape
        return out.reshape((N, C) + tuple(size))

    def backward(self, g):
        N, C = self.in_shape[:2]
        if dual.is_array(g):
            return np.take_along_axis(g.reshape(N, C, -1), self.flat, axis=2).reshape(
                self.in_shape)
        return Gather.apply(g.reshape(N, C, -1), dim=2, index=self.flat).reshape(
            self.in_shape)


def _unpool_output_size(in_sp, k, stride, pad, output_size, op):
    default = [(n - 1) * s + kk - 2 * p for n, s, kk, p in zip(in_sp, stride, k, pad)]
    if output_size is None:
        return tuple(default)
    if isinstance(output_size, Tensor):
        output_size = output_size.tolist()
    output_size = [int(v) for v in output_size]
    nd = len(k)
    if len(output_size) == nd + 2:
        output_size = output_size[2:]
    if len(output_size) != nd:
        raise ValueError(f"{op}: output_size should be a sequence containing {nd} or {nd + 2} "
                         f"elements, but it has a length of '{len(output_size)}'")
    for d in range(nd):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'{op}: invalid output_size "{output_size}" (dim {d} must be '
                             f'between {lo} and {hi})')
    return tuple(output_size)


def max_unpool(x, indices, kernel_size, stride, padding, output_size, nd, op):
    """Place each value of x at its flat plane index (from max_poolNd(return_indices=True))
    in a zero tensor of the unpooled size."""
    unbatched = _check_input(x, nd, op)
    if not isinstance(indices, Tensor):
        raise TypeError(f"{op}(): argument 'indices' must be Tensor, not "
                        f"{type(indices).__name__}")
    idx = indices._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: elements in indices should be type int64 but got: "
                           f"{indices.dtype}")
    if idx.shape != x._data.shape:
        raise RuntimeError(f"{op}: Expected shape of indices to be same as that of the input "
                           f"tensor ({list(x.shape)}) but got indices tensor with shape: "
                           f"{list(indices.shape)}")
    k = _ntuple(kernel_size, nd, "kernel_size", op)
    s = k if stride is None else _ntuple(stride, nd, "stride", op)
    p = _ntuple(padding, nd, "padding", op)
    size = _unpool_output_size(tuple(x.shape[-nd:]), k, s, p, output_size, op)
    if unbatched:
        x, idx = x.unsqueeze(0), idx[None]
    y = MaxUnpool.apply(x, idx=idx.astype(np.int64, copy=False), size=size, op=op)
    return y.squeeze(0) if unbatched else y


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """Partial inverse of max_pool1d: values at their indices, zeros elsewhere.

    >>> x = torch.tensor([[[1.0, 4.0, 3.0, 2.0]]])
    >>> values, indices = F.max_pool1d(x, 2, return_indices=True)
    >>> F.max_unpool1d(values, indices, 2)
    tensor([[[0., 4., 3., 0.]]])
    """
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, 1,
                      "max_unpool1d")


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """Partial inverse of max_pool2d: values at their flat plane indices, zeros elsewhere.

    >>> x = chainrule.randn(1, 1, 4, 4)
    >>> y, i = F.max_pool2d(x, 2, return_indices=True)
    >>> F.max_unpool2d(y, i, 2).shape == x.shape   # for even H, W
    True
    """
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, 2,
                      "max_unpool2d")


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0,  # noqa: A002
                 output_size=None):
    """Partial inverse of max_pool3d.

    >>> x = torch.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> values, indices = F.max_pool3d(x, 2, return_indices=True)
    >>> F.max_unpool3d(values, indices, 2).flatten()
    tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    return max_unpool(input, indices, kernel_size, stride, padding, output_size, 3,
                      "max_unpool3d")


__all__ = ["max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d"]
