"""Fractional max pooling (Graham, 2014): max pooling whose windows start at pseudo-random,
increasing offsets, so the output can be any size between input/kernel and input.

The window starts follow PyTorch's generate_intervals: with one uniform sample u per plane
and dimension, alpha = (in - k) / (out - 1) and start_i = int((i + u) alpha) - int(u alpha),
the last window ending at the input's edge; computed in the input's float type, as PyTorch.
"""
import numpy as np

from ._util import as_operand
from ..creation import rand as _rand
from .conv import _ntuple
from .index import ScatterAddZeros
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


def _starts(samples, in_size, out_size, k, dtype):
    """Window starts (planes, out_size) for samples (planes,)."""
    u = samples.astype(dtype, copy=False)
    seq = np.empty((u.shape[0], out_size), np.int64)
    if out_size > 1:
        alpha = dtype.type(in_size - k) / dtype.type(out_size - 1)
        i = np.arange(out_size - 1, dtype=dtype)
        seq[:, :-1] = ((i[None, :] + u[:, None]) * alpha).astype(np.int64) - \
            (u * alpha).astype(np.int64)[:, None]
    if out_size > 0:
        seq[:, -1] = in_size - k
    return seq


class FractionalMaxPool(Op):
    """The node of fractional_max_pool2d / 3d: each output is the max of its window (NaN
    propagates, the last NaN's position is the index, as PyTorch); backward adds each
    output's gradient to its max's position. The indices go to the caller through `sink`.

    >>> x = torch.arange(16.).reshape(1, 1, 4, 4).requires_grad_()
    >>> y = F.fractional_max_pool2d(x, 2, output_size=2,
    ...                             _random_samples=torch.tensor([[[0.5, 0.5]]])); y
    tensor([[[[ 5.,  7.],
              [13., 15.]]]], grad_fn=<FractionalMaxPoolBackward0>)
    >>> y.sum().backward(); x.grad[0, 0]
    tensor([[0., 0., 0., 0.],
            [0., 1., 0., 1.],
            [0., 0., 0., 0.],
            [0., 1., 0., 1.]])
    """

    def forward(self, x, samples, *, kernel, out_size, sink):
        d = len(kernel)
        lead, spatial = x.shape[:-d], x.shape[-d:]
        planes = int(np.prod(lead, dtype=np.int64))
        self.in_shape = x.shape
        if planes == 0:   # an empty batch: empty results
            self.idx, self.plane_shape = np.zeros((0, int(np.prod(out_size))), np.int64), (0, 1)
            sink.append(np.zeros(lead + tuple(out_size), np.int64))
            return np.zeros(lead + tuple(out_size), x.dtype)
        u = samples.reshape(planes, d)
        if d == 2:   # PyTorch's 2-D kernel reads the samples as (w, h), the 3-D one as (t, h, w)
            u = u[:, ::-1]
        dt = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        # each window's flat positions in its plane: (planes, out..., k...) by broadcasting
        flat = np.zeros((planes,) + (1,) * (2 * d), np.int64)
        stride = 1
        for j in reversed(range(d)):
            pos = (_starts(u[:, j], spatial[j], out_size[j], kernel[j], dt)[:, :, None]
                   + np.arange(kernel[j])[None, None, :])
            shape = [planes] + [1] * (2 * d)
            shape[1 + j], shape[1 + d + j] = out_size[j], kernel[j]
            flat = flat + pos.reshape(shape) * stride
            stride *= spatial[j]
        flat = flat.reshape(planes, *out_size, -1)
        rows = np.arange(planes).reshape((planes,) + (1,) * (d + 1))
        vals = x.reshape(planes, -1)[rows, flat]
        best = np.argmax(vals, axis=-1)
        nan = np.isnan(vals)
        if nan.any():   # PyTorch's `val > max || isnan(val)`: the last NaN in the window
            last_nan = vals.shape[-1] - 1 - np.argmax(nan[..., ::-1], axis=-1)
            best = np.where(nan.any(axis=-1), last_nan, best)
        idx = np.take_along_axis(flat, best[..., None], axis=-1)[..., 0]
        out = np.take_along_axis(vals, best[..., None], axis=-1)[..., 0]
        self.idx = idx.reshape(planes, -1)
        self.plane_shape = (planes, stride)
        sink.append(idx.reshape(lead + tuple(out_size)))
        return out.reshape(lead + tuple(out_size))

    def backward(self, g):
        gp = g.reshape(self.idx.shape)
        return ScatterAddZeros.scatter(gp, 1, self.idx, self.plane_shape).reshape(
            self.in_shape), None


def _ratio_tuple(v, d, op):
    """output_ratio as d floats (one number stands for every dimension)."""
    t = tuple(float(r) for r in v) if isinstance(v, (tuple, list)) else (float(v),) * d
    if len(t) != d:
        raise ValueError(f"{op}: output_ratio must be a number or a tuple of {d} (got {v!r})")
    return t


def _fractional_max_pool(d, input, kernel_size, output_size, output_ratio, return_indices,  # noqa: A002
                         _random_samples):
    x = as_operand(input)
    name = f"fractional_max_pool{d}d"
    if x.ndim not in (d + 1, d + 2):
        raise RuntimeError(f"{name}(): Expected {d + 1}D or {d + 2}D tensor, but got "
                           f"{list(x.shape)}")
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an "
                         "output_ratio")
    kernel = _ntuple(kernel_size, d, "kernel_size", name)
    spatial = x.shape[-d:]
    if output_size is None:
        ratio = _ratio_tuple(output_ratio, d, name)
        out_size = tuple(int(s * r) for s, r in zip(spatial, ratio))
    else:
        out_size = _ntuple(output_size, d, "output_size", name)
    dims = ("time", "height", "width")[3 - d:]
    for n, k, o, dim in zip(spatial, kernel, out_size, dims):
        # PyTorch's 2-D kernel allows a last window that ends at the edge, its 3-D one not
        if o + k - 1 > n or (d == 3 and o + k - 1 == n):
            raise RuntimeError(f"{name}{'_out' if d == 3 else ''}(): pool {dim} {k} too "
                               f"large relative to input {dim} {n}")
    batch = 1 if x.ndim == d + 1 else x.shape[0]
    channels = x.shape[-d - 1]
    if _random_samples is None:
        dt = x.dtype if x.dtype.is_floating_point else None
        samples = _rand(batch, channels, d, dtype=dt)
    else:
        samples = as_operand(_random_samples)
        if samples.ndim != 3:
            raise RuntimeError(f"{name}(): expected _random_samples of shape (N, C, {d}), got "
                               f"{list(samples.shape)}")
        if samples.shape[0] < batch:   # PyTorch's checks and messages; extra rows unused
            raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
        if samples.shape[1] != channels:
            raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
        if samples.shape[2] != d:
            raise RuntimeError(f"Expect _random_samples.size(2) equals to {d}; got "
                               f"{samples.shape[2]}.")
        samples = samples[:batch]
    sink = []
    out = FractionalMaxPool.apply(x, samples.detach(), kernel=kernel, out_size=out_size,
                                  sink=sink)
    return (out, _make(sink[0])) if return_indices else out


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,  # noqa: A002
                          return_indices=False, _random_samples=None):
    """2-D fractional max pooling of (N, C, H, W) or (C, H, W) input to output_size (or
    output_ratio times the input's size), windows of kernel_size at pseudo-random offsets.

    >>> x = torch.arange(25.).reshape(1, 1, 5, 5)
    >>> F.fractional_max_pool2d(x, 2, output_size=3,
    ...                         _random_samples=torch.tensor([[[0.2, 0.7]]]))
    tensor([[[[ 6.,  7.,  9.],
              [11., 12., 14.],
              [21., 22., 24.]]]])
    """
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,  # noqa: A002
                          return_indices=False, _random_samples=None):
    """3-D fractional max pooling of (N, C, T, H, W) or (C, T, H, W) input.

    >>> x = torch.arange(64.).reshape(1, 1, 4, 4, 4)
    >>> F.fractional_max_pool3d(x, 2, output_size=2,
    ...                         _random_samples=torch.full((1, 1, 3), 0.5)).flatten()
    tensor([21., 23., 29., 31., 53., 55., 61., 63.])
    """
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)
