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
