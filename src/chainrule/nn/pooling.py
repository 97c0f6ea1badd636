"""Pooling layers: MaxPool1d/2d/3d, AvgPool1d/2d/3d, AdaptiveAvgPool1d/2d/3d (the ops are
in functions/conv.py); AdaptiveMaxPool1d/2d/3d and MaxUnpool1d/2d/3d (functions/
pool_indices.py); LPPool1d/2d/3d (composed in nn/_functional_extra.py)."""
from ..functions import conv as _C
from ..functions import pool_indices as _PI
from ..functions import fractional_pool as _FP
from . import _functional_extra as _FX
from .module import Module


class _MaxPoolNd(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.kernel_size, self.stride, self.padding, self.dilation,
                              self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L).

    >>> nn.MaxPool1d(2)(torch.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]))
    tensor([[[3., 5.]]])
    >>> nn.MaxPool1d(3, stride=1, padding=1)(torch.tensor([[[1.0, 3.0, 2.0, 5.0, 4.0]]]))
    tensor([[[3., 3., 5., 5., 5.]]])
    """
    _fn = staticmethod(_C.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W); stride defaults to kernel_size.

    >>> nn.MaxPool2d(2)(chainrule.randn(1, 6, 28, 28)).shape
    chainrule.Size([1, 6, 14, 14])
    """
    _fn = staticmethod(_C.max_pool2d)


class MaxPool3d(_MaxPoolNd):
    """Max over sliding windows of (N, C, D, H, W).

    >>> nn.MaxPool3d(2)(torch.randn(1, 2, 4, 6, 8)).shape
    chainrule.Size([1, 2, 2, 3, 4])
    """
    _fn = staticmethod(_C.max_pool3d)


class _AvgPoolNd(Module):
    _fn = None

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, input):  # noqa: A002
        args = (input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                self.count_include_pad)
        if self.divisor_override is not None:
            return type(self)._fn(*args, self.divisor_override)
        return type(self)._fn(*args)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, L).

    >>> nn.AvgPool1d(2)(torch.tensor([[[1.0, 3.0, 2.0, 6.0, 4.0]]]))
    tensor([[[2., 4.]]])
    """
    _fn = staticmethod(_C.avg_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)


class AvgPool2d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, H, W) (LeNet-5's subsampling layers S2, S4
    average 2x2 blocks, then scale and bias them).

    >>> nn.AvgPool2d(2)(torch.arange(16.0).reshape(1, 1, 4, 4))
    tensor([[[[ 2.5000,  4.5000],
              [10.5000, 12.5000]]]])
    """
    _fn = staticmethod(_C.avg_pool2d)


class AvgPool3d(_AvgPoolNd):
    """Mean over sliding windows of (N, C, D, H, W).

    >>> nn.AvgPool3d(2, stride=1)(torch.randn(1, 2, 4, 4, 4)).shape
    chainrule.Size([1, 2, 3, 3, 3])
    """
    _fn = staticmethod(_C.avg_pool3d)


class _AdaptiveAvgPoolNd(Module):
    _fn = None

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, L) to a fixed length.

    >>> nn.AdaptiveAvgPool1d(2)(torch.tensor([[[1.0, 3.0, 2.0, 6.0]]]))
    tensor([[[2., 4.]]])
    >>> nn.AdaptiveAvgPool1d(2)(torch.tensor([[[1.0, 3.0, 2.0]]]))
    tensor([[[2.0000, 2.5000]]])
    """
    _fn = staticmethod(_C.adaptive_avg_pool1d)


class AdaptiveAvgPool2d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, H, W) to a fixed (oH, oW), whatever the input size;
    AdaptiveAvgPool2d(1) is global average pooling.

    >>> nn.AdaptiveAvgPool2d((1, 1))(chainrule.randn(2, 16, 5, 7)).shape
    chainrule.Size([2, 16, 1, 1])
    """
    _fn = staticmethod(_C.adaptive_avg_pool2d)


class AdaptiveAvgPool3d(_AdaptiveAvgPoolNd):
    """Average pooling of (N, C, D, H, W) to a fixed output size.

    >>> nn.AdaptiveAvgPool3d((1, 2, 2))(torch.randn(1, 3, 5, 6, 7)).shape
    chainrule.Size([1, 3, 1, 2, 2])
    """
    _fn = staticmethod(_C.adaptive_avg_pool3d)


class _AdaptiveMaxPoolNd(Module):
    _fn = None

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, L) to a fixed length (windows as AdaptiveAvgPool1d's).

    >>> nn.AdaptiveMaxPool1d(2)(torch.tensor([[[1.0, 3.0, 2.0, 6.0, 0.0]]]))
    tensor([[[3., 6.]]])
    >>> nn.AdaptiveMaxPool1d(2, return_indices=True)(torch.tensor([[[1.0, 3.0, 2.0, 6.0, 0.0]]]))
    (tensor([[[3., 6.]]]), tensor([[[1, 3]]]))
    """
    _fn = staticmethod(_PI.adaptive_max_pool1d)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, H, W) to a fixed (oH, oW); return_indices=True also gives
    each maximum's flat index in its input plane (for MaxUnpool2d).

    >>> nn.AdaptiveMaxPool2d((2, 3))(chainrule.randn(1, 4, 7, 9)).shape
    chainrule.Size([1, 4, 2, 3])
    """
    _fn = staticmethod(_PI.adaptive_max_pool2d)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of (N, C, D, H, W) to a fixed (oD, oH, oW).

    >>> nn.AdaptiveMaxPool3d(1)(torch.arange(8.0).reshape(1, 1, 2, 2, 2))
    tensor([[[[[7.]]]]])
    """
    _fn = staticmethod(_PI.adaptive_max_pool3d)


class _MaxUnpoolNd(Module):
    _fn = None
    _nd = 2

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        nd, name = self._nd, type(self).__name__
        self.kernel_size = _C._ntuple(kernel_size, nd, "kernel_size", name)
        self.stride = _C._ntuple(stride if stride is not None else kernel_size, nd, "stride",
                                 name)
        self.padding = _C._ntuple(padding, nd, "padding", name)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return type(self)._fn(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of MaxPool1d: each value back at its index, zeros elsewhere.

    >>> pool, unpool = nn.MaxPool1d(2, return_indices=True), nn.MaxUnpool1d(2)
    >>> y, i = pool(torch.tensor([[[1.0, 3.0, 4.0, 2.0]]]))
    >>> i
    tensor([[[1, 2]]])
    >>> unpool(y, i)
    tensor([[[0., 3., 4., 0.]]])
    """
    _fn = staticmethod(_PI.max_unpool1d)
    _nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of MaxPool2d (given its return_indices=True indices); output_size
    picks among the input sizes that pool to the same shape.

    >>> pool, unpool = nn.MaxPool2d(2, return_indices=True), nn.MaxUnpool2d(2)
    >>> x = torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> y, i = pool(x)
    >>> y, i
    (tensor([[[[4.]]]]), tensor([[[[3]]]]))
    >>> unpool(y, i)
    tensor([[[[0., 0.],
              [0., 4.]]]])
    >>> x = chainrule.randn(1, 1, 5, 5)
    >>> y, i = pool(x); unpool(y, i, output_size=x.size()).shape == x.shape
    True
    """
    _fn = staticmethod(_PI.max_unpool2d)
    _nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of MaxPool3d.

    >>> pool, unpool = nn.MaxPool3d(2, return_indices=True), nn.MaxUnpool3d(2)
    >>> x = torch.arange(8.0).reshape(1, 1, 2, 2, 2)
    >>> y, i = pool(x)
    >>> unpool(y, i)
    tensor([[[[[0., 0.],
               [0., 0.]],
    <BLANKLINE>
              [[0., 0.],
               [0., 7.]]]]])
    """
    _fn = staticmethod(_PI.max_unpool3d)
    _nd = 3


class _LPPoolNd(Module):
    _fn = None

    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type, self.kernel_size = norm_type, kernel_size
        self.stride, self.ceil_mode = stride, ceil_mode

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input, float(self.norm_type), self.kernel_size, self.stride,
                              self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """Power-average pooling of (N, C, L): (sum over each window of x^p)^(1/p).

    >>> nn.LPPool1d(2, 2)(torch.tensor([[[3.0, 4.0, 1.0, 0.0]]]))
    tensor([[[5., 1.]]])
    """
    _fn = staticmethod(_FX.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """Power-average pooling of (N, C, H, W); p = 1 is sum pooling, p = inf max pooling
    of |x|.

    >>> nn.LPPool2d(2, 3, stride=2)(chainrule.randn(1, 4, 9, 9)).shape
    chainrule.Size([1, 4, 4, 4])
    """
    _fn = staticmethod(_FX.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """Power-average pooling of (N, C, D, H, W).

    >>> nn.LPPool3d(1, 2)(torch.ones(1, 1, 2, 2, 2))
    tensor([[[[[8.]]]]])
    """
    _fn = staticmethod(_FX.lp_pool3d)


class _FractionalMaxPoolNd(Module):
    _dims = 2

    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        d, name = self._dims, type(self).__name__
        self.kernel_size = _C._ntuple(kernel_size, d, "kernel_size", name)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = (_C._ntuple(output_size, d, "output_size", name)
                            if output_size is not None else None)
        self.output_ratio = (_FP._ratio_tuple(output_ratio, d, name)
                             if output_ratio is not None else None)
        if output_size is None and output_ratio is None:
            raise ValueError(f"{name} requires specifying either an output size, or a "
                             "pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(0 < r < 1 for r in self.output_ratio):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):  # noqa: A002
        return self._fn(input, self.kernel_size, self.output_size, self.output_ratio,
                        self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """Fractional max pooling of (N, C, H, W): windows of kernel_size at pseudo-random,
    increasing offsets, down to output_size (or output_ratio of the input's size).

    >>> pool = nn.FractionalMaxPool2d(3, output_ratio=0.5); pool
    FractionalMaxPool2d()
    >>> pool(torch.randn(1, 2, 10, 8)).shape
    chainrule.Size([1, 2, 5, 4])
    """
    _dims = 2
    _fn = staticmethod(_FP.fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """Fractional max pooling of (N, C, T, H, W).

    >>> nn.FractionalMaxPool3d(2, output_size=(2, 3, 3))(torch.randn(1, 1, 5, 6, 6)).shape
    chainrule.Size([1, 1, 2, 3, 3])
    """
    _dims = 3
    _fn = staticmethod(_FP.fractional_max_pool3d)
