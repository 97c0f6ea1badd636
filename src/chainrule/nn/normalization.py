"""Normalisation layers: BatchNorm1d/2d/3d, LayerNorm, GroupNorm, RMSNorm, InstanceNorm."""
import numbers

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from . import _functional as F
from . import init
from .module import Module
from .parameter import Parameter


def _dt(dtype):
    return dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np


def _affine(module, shape, dtype, weight=True, bias=True):
    """Register PyTorch's initial affine transform: weight = ones(shape), bias = zeros(shape),
    each registered as None where it is turned off."""
    d = _dt(dtype)
    if weight:
        module.weight = Parameter(np.ones(shape, d))
    else:
        module.register_parameter("weight", None)
    if bias:
        module.bias = Parameter(np.zeros(shape, d))
    else:
        module.register_parameter("bias", None)


class _NormBase(Module):
    """What BatchNorm and InstanceNorm share: the per-channel affine parameters and the
    running statistics (buffers, or None without track_running_stats)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, num_features, dtype, weight=affine, bias=affine and bias)
        if track_running_stats:
            d = _dt(dtype)
            self.register_buffer("running_mean", Tensor._make(np.zeros(num_features, d)))
            self.register_buffer("running_var", Tensor._make(np.ones(num_features, d)))
            self.register_buffer("num_batches_tracked", Tensor._make(np.zeros((), np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self):
        if self.track_running_stats:
            self.running_mean._data[...] = 0
            self.running_var._data[...] = 1
            self.num_batches_tracked._data[...] = 0

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _ndims = ()

    def forward(self, input):  # noqa: A002
        if input.dim() not in self._ndims:
            raise ValueError(f"{type(self).__name__}: expected "
                             f"{' or '.join(f'{n}D' for n in self._ndims)} input (got "
                             f"{input.dim()}D input of shape {list(input.shape)})")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked._data += 1
            if self.momentum is None:  # cumulative moving average
                factor = 1.0 / float(self.num_batches_tracked._data)
        use_batch = self.training or self.running_mean is None
        rm = self.running_mean if not self.training or self.track_running_stats else None
        rv = self.running_var if not self.training or self.track_running_stats else None
        return F.batch_norm(input, rm, rv, self.weight, self.bias, use_batch, factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over (N, C) or (N, C, L) inputs, per channel C.

    Training: batch mean and biased variance normalise; running_mean / running_var move
    toward the batch statistics (unbiased variance) by `momentum`. Eval: running stats.

    >>> bn = nn.BatchNorm1d(2)
    >>> bn(torch.tensor([[1.0, 10.0], [3.0, 30.0]]))
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<...>)
    >>> bn.running_mean, bn.running_var
    (tensor([0.2000, 2.0000]), tensor([ 1.1000, 20.9000]))
    """
    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over (N, C, H, W), per channel C.

    >>> bn = nn.BatchNorm2d(3)
    >>> y = bn(torch.randn(4, 3, 5, 5) * 2 + 1)
    >>> y.mean((0, 2, 3)).abs().max() < 1e-6, y.shape
    (tensor(True), chainrule.Size([4, 3, 5, 5]))
    >>> bn
    BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
    """
    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over (N, C, D, H, W), per channel C.

    >>> bn = nn.BatchNorm3d(2, affine=False)
    >>> bn(torch.randn(2, 2, 3, 3, 3)).shape
    chainrule.Size([2, 2, 3, 3, 3])
    """
    _ndims = (5,)


class LayerNorm(Module):
    """Normalise over the last dims (normalized_shape), then elementwise affine.

    >>> ln = nn.LayerNorm(16); ln(chainrule.randn(4, 16)).shape
    chainrule.Size([4, 16])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        _affine(self, self.normalized_shape, dtype, weight=elementwise_affine,
                bias=elementwise_affine and bias)

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise groups of channels of an (N, C, *) input.

    >>> gn = nn.GroupNorm(2, 4)
    >>> gn(torch.arange(8.0).reshape(1, 4, 2))
    tensor([[[-1.3416, -0.4472],
             [ 0.4472,  1.3416],
             [-1.3416, -0.4472],
             [ 0.4472,  1.3416]]], grad_fn=<...>)
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                      eps, affine)
        _affine(self, num_channels, dtype, weight=affine, bias=affine and bias)

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the last dims, times a learned weight.

    >>> nn.RMSNorm(4)(torch.tensor([[2.0, 0.0, 2.0, 0.0]]))
    tensor([[1.4142, 0.0000, 1.4142, 0.0000]], grad_fn=<...>)
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape, self.eps = tuple(normalized_shape), eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, _dt(dtype)))
        else:
            self.register_parameter("weight", None)

    def forward(self, input):  # noqa: A002
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class _InstanceNorm(_NormBase):
    _ndim = 3

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def forward(self, input):  # noqa: A002
        nd = self._ndim
        if input.dim() not in (nd - 1, nd):
            raise ValueError(f"{type(self).__name__}: expected {nd - 1}D or {nd}D input (got "
                             f"{input.dim()}D input of shape {list(input.shape)})")
        unbatched = input.dim() == nd - 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.num_features and self.affine:
            raise ValueError(f"{type(self).__name__}: expected input's size at dim=1 to match "
                             f"num_features ({self.num_features}), but got: {x.shape[1]}.")
        use_input_stats = self.training or not self.track_running_stats
        y = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                            use_input_stats, self.momentum if self.momentum is not None
                            else 0.1, self.eps)
        return y.squeeze(0) if unbatched else y


class InstanceNorm1d(_InstanceNorm):
    """Normalise each (sample, channel) of an (N, C, L) input over L.

    >>> nn.InstanceNorm1d(2)(torch.tensor([[[1.0, 2.0, 3.0], [0.0, 2.0, 4.0]]]))
    tensor([[[-1.2247,  0.0000,  1.2247],
             [-1.2247,  0.0000,  1.2247]]])
    """
    _ndim = 3


class InstanceNorm2d(_InstanceNorm):
    """Normalise each (sample, channel) of an (N, C, H, W) input over H, W.

    >>> y = nn.InstanceNorm2d(3)(torch.randn(2, 3, 4, 4))
    >>> y.mean((2, 3)).abs().max() < 1e-6
    tensor(True)
    """
    _ndim = 4


class InstanceNorm3d(_InstanceNorm):
    """Normalise each (sample, channel) of an (N, C, D, H, W) input over D, H, W.

    >>> nn.InstanceNorm3d(3, affine=True)(torch.randn(2, 3, 4, 4, 4)).shape
    chainrule.Size([2, 3, 4, 4, 4])
    """
    _ndim = 5
