"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, with PyTorch's weight
layouts and default initialisation (the ops are in functions/conv.py)."""
import math

import numpy as np

from .. import dtypes
from ..functions import conv as _C
from ..functions.shape import pad as _pad
from . import init
from .module import Module
from .parameter import Parameter

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(v, n, what):
    if isinstance(v, (int, np.integer)):
        return (int(v),) * n
    t = tuple(int(a) for a in v)
    if len(t) != n:
        raise ValueError(f"{what} must be an int or a tuple of {n} ints, got {v!r}")
    return t


class _ConvNd(Module):
    _nd = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        nd, name = self._nd, type(self).__name__
        in_channels, out_channels, groups = int(in_channels), int(out_channels), int(groups)
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got {groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups "
                             f"(in_channels={in_channels}, groups={groups})")
        if out_channels % groups != 0:
            raise ValueError(f"{name}: out_channels must be divisible by groups "
                             f"(out_channels={out_channels}, groups={groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {list(_PADDING_MODES)}, but "
                             f"got padding_mode='{padding_mode}'")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f"Only \"zeros\" padding mode is supported for {name}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(kernel_size, nd, "kernel_size")
        self.stride = _ntuple(stride, nd, "stride")
        self.dilation = _ntuple(dilation, nd, "dilation")
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one of "
                                 f"['valid', 'same']")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 f"convolutions")
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple, got {padding!r}")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, nd, "padding")
        self.output_padding = _ntuple(output_padding, nd, "output_padding")
        self.padding_mode = padding_mode
        d = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
        if self._transposed:
            shape = (in_channels, out_channels // groups) + self.kernel_size
        else:
            shape = (out_channels, in_channels // groups) + self.kernel_size
        self.weight = Parameter(np.empty(shape, dtype=d))
        if bias:
            self.bias = Parameter(np.empty(out_channels, dtype=d))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """PyTorch's default: kaiming_uniform_(a=sqrt(5)) = U(+-1/sqrt(fan_in)) for the
        weight, U(+-1/sqrt(fan_in)) for the bias; fan_in = weight.size(1) * prod(kernel)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding!r}" if isinstance(self.padding, str) \
                else f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self._nd:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype)

    def forward(self, input):  # noqa: A002
        p = self._parameters
        try:
            w, b = p["weight"], p["bias"]
        except KeyError:  # parametrized (weight_norm, spectral_norm, ...): computed on access
            w, b = self.weight, self.bias
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            # reflect / replicate / circular: pad explicitly, then a 'valid' convolution.
            if isinstance(self.padding, str):
                if self.padding == "valid":
                    widths = (0, 0) * self._nd
                else:
                    tot = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
                    widths = tuple(v for t in reversed(tot) for v in (t // 2, t - t // 2))
            else:
                widths = tuple(v for q in reversed(self.padding) for v in (q, q))
            return fn(_pad(input, widths, mode=self.padding_mode), w, b, self.stride, 0,
                      self.dilation, self.groups)
        return fn(input, w, b, self.stride, self.padding, self.dilation, self.groups)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L): weight (C_out, C_in/groups, k), bias (C_out,).

    >>> nn.Conv1d(3, 8, 5, padding="same")(chainrule.randn(2, 3, 50)).shape
    chainrule.Size([2, 8, 50])
    """
    _nd = 1
    _fn = staticmethod(_C.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W), as in PyTorch.

    weight (C_out, C_in/groups, kH, kW), bias (C_out,). padding: int, tuple, 'valid' or
    'same'; padding_mode 'zeros' (default), 'reflect', 'replicate' or 'circular'.

    >>> c1 = nn.Conv2d(1, 6, 5)                 # LeNet-5's first layer
    >>> c1(chainrule.randn(8, 1, 32, 32)).shape
    chainrule.Size([8, 6, 28, 28])
    """
    _nd = 2
    _fn = staticmethod(_C.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W): weight (C_out, C_in/groups, kD, kH, kW).

    >>> conv = nn.Conv3d(2, 4, kernel_size=3, padding=1)
    >>> conv.weight.shape
    chainrule.Size([4, 2, 3, 3, 3])
    >>> conv(torch.randn(1, 2, 5, 6, 7)).shape
    chainrule.Size([1, 4, 5, 6, 7])
    """
    _nd = 3
    _fn = staticmethod(_C.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def forward(self, input, output_size=None):  # noqa: A002
        p = self._parameters
        w, b = (p["weight"], p["bias"]) if "weight" in p else (self.weight, self.bias)
        return _C._conv_transposend(input, w, b, self.stride, self.padding,
                                    self.output_padding, self.groups, self.dilation, self._nd,
                                    type(self)._fn, output_size=output_size)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution: weight (C_in, C_out/groups, k).

    >>> up = nn.ConvTranspose1d(1, 1, 2, stride=2, bias=False)
    >>> with torch.no_grad(): _ = up.weight.fill_(1.0)
    >>> up(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[1., 1., 2., 2., 3., 3.]]], grad_fn=<...>)
    """
    _nd = 1
    _fn = "conv_transpose1d"


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution ("deconvolution"): the gradient of Conv2d wrt its input.

    weight (C_in, C_out/groups, kH, kW). Output size per dim:
    (H - 1)*stride - 2*padding + dilation*(k - 1) + output_padding + 1, or pass
    output_size to forward to pick among the sizes a strided Conv2d maps to one size.

    >>> up = nn.ConvTranspose2d(16, 6, 2, stride=2)
    >>> up(chainrule.randn(1, 16, 5, 5)).shape
    chainrule.Size([1, 6, 10, 10])
    """
    _nd = 2
    _fn = "conv_transpose2d"


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution: weight (C_in, C_out/groups, kD, kH, kW).

    >>> up = nn.ConvTranspose3d(4, 2, kernel_size=2, stride=2)
    >>> up(torch.randn(1, 4, 3, 3, 3)).shape
    chainrule.Size([1, 2, 6, 6, 6])
    """
    _nd = 3
    _fn = "conv_transpose3d"
