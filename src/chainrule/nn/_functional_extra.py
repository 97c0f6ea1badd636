"""More functional forms (re-exported by nn.functional): LP pooling, local response
normalisation, embedding_bag, the shrink / randomized activations and their in-place
variants, bilinear, pdist, gumbel_softmax, feature_alpha_dropout.

Each is composed from recorded ops the way PyTorch's torch/nn/functional.py composes it,
so gradients (and grad-of-grad) come from the ops' own backward formulas.
"""
import numpy as np

from .. import functions as _f
from ..functions import conv as _C
from ..functions._util import floating
from ..functions.elementwise import Where
from ..tensor import Tensor

_make = Tensor._make


# --- LP pooling -------------------------------------------------------------------------
def _lp_poolnd(x, norm_type, kernel_size, stride, ceil_mode, nd, op):
    """(sum over each window of x^p)^(1/p), as PyTorch: avg_pool(x^p) * window size, then
    the 1/p power; the gradient is zero where a window's sum is zero."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
    k = _C._ntuple(kernel_size, nd, "kernel_size", op)
    p = float(norm_type)
    maxpool = getattr(_C, f"max_pool{nd}d")
    if p == float("inf"):
        return maxpool(_f.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    if p == -float("inf"):
        return -maxpool(-_f.abs(x), kernel_size, stride, 0, 1, ceil_mode)
    avgpool = getattr(_C, f"avg_pool{nd}d")
    out = avgpool(x.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    # PyTorch's sign(out) * relu(|out|) is `out` whose gradient is zero where out == 0
    # (relu's backward masks the infinite d/dout of out^(1/p) there); a where does the same
    # without forming 0 * inf.
    out = Where.apply(out, _make(np.zeros((), out._data.dtype)), cond=out._data != 0)
    return (out * float(np.prod(k))).pow(1.0 / p)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """Power-average pooling of (N, C, L): (sum_window x^p)^(1/p); p = inf is max |x|.

    >>> F.lp_pool1d(chainrule.tensor([[[3., 4., 1., 0.]]]), 2, 2).tolist()
    [[[5.0, 1.0]]]
    """
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 1, "lp_pool1d")


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """Power-average pooling of (N, C, H, W): (sum_window x^p)^(1/p)."""
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 2, "lp_pool2d")


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):  # noqa: A002
    """Power-average pooling of (N, C, D, H, W): (sum_window x^p)^(1/p)."""
    return _lp_poolnd(input, norm_type, kernel_size, stride, ceil_mode, 3, "lp_pool3d")


# --- local response normalisation -------------------------------------------------------
def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """x_c / (k + alpha/size * sum_{c' near c} x_{c'}^2)^beta over channels (dim 1), the
    window size channels wide (size//2 before c, (size-1)//2 after; zeros past the ends),
    composed as PyTorch: an average pool of x^2 over the channel dim.

    >>> F.local_response_norm(chainrule.ones(1, 3, 2, 2), 2).shape
    chainrule.Size([1, 3, 2, 2])
    """
    from ..functions.shape import pad
    if not isinstance(input, Tensor):
        raise TypeError(f"local_response_norm(): argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"local_response_norm: Expected 3D or higher dimensionality input "
                         f"(got {dim} dimensions, shape {list(input.shape)})")
    if input.numel() == 0:
        return input
    div = input * input
    if dim == 3:
        div = pad(div.unsqueeze(1), (0, 0, size // 2, (size - 1) // 2))
        div = _C.avg_pool2d(div, (size, 1), stride=1).squeeze(1)
    else:
        sizes = tuple(input.shape)
        div = div.reshape(sizes[0], 1, sizes[1], sizes[2], -1)
        div = pad(div, (0, 0, 0, 0, size // 2, (size - 1) // 2))
        div = _C.avg_pool3d(div, (size, 1, 1), stride=1).squeeze(1).reshape(sizes)
    div = (div * alpha + k).pow(beta)
    return input / div


def _cross_map_window(channels, size):
    """(C, C) 0/1 matrix: row c marks the channels whose squares PyTorch's CrossMapLRN2d
    sums for channel c. Its running-sum loop (torch/nn/modules/_functions.py) adds channels
    up to c + pre_pad - 1 and drops those below c - pre_pad + 1, except channel 0, which it
    never drops: that is PyTorch's output, kept here so that outputs match."""
    pre = int((size - 1) / 2 + 1)
    c = np.arange(channels)[:, None]
    j = np.arange(channels)[None, :]
    return ((j <= c + pre - 1) & ((j >= c - pre + 1) | (j == 0))).astype(np.float64)


def cross_map_lrn2d(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """CrossMapLRN2d's function: x_c (k + alpha/size * sum_{c' in window(c)} x_{c'}^2)^-beta
    on (N, C, H, W), with PyTorch's windows (_cross_map_window). The gradient is the exact
    derivative of this output (PyTorch's hand-written backward is not: its own gradcheck
    fails)."""
    from ..functions.linalg import matmul
    if not isinstance(input, Tensor):
        raise TypeError(f"CrossMapLRN2d: argument 'input' must be Tensor, not "
                        f"{type(input).__name__}")
    if input.dim() != 4:
        raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
    n, c, h, w = input.shape
    m = _make(_cross_map_window(c, size).astype(input._data.dtype))
    sums = matmul(m, (input * input).reshape(n, c, h * w)).reshape(n, c, h, w)
    return input * (sums * (alpha / size) + k).pow(-beta)
