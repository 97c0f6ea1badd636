"""Identity, Linear, Bilinear, Flatten, Unflatten."""
import math

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from ..functions.linalg import Linear as _LinearOp
from ..functions import shape as _S
from . import init
from .module import Module
from .parameter import Parameter


def _empty(*shape, dtype=None):
    d = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
    return np.empty(shape, dtype=d)


class Identity(Module):
    """Returns its input unchanged (arguments are accepted and ignored).

    >>> x = torch.tensor([1.0, 2.0])
    >>> nn.Identity(54, unused='argument')(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002
        return input


class Linear(Module):
    """y = x W^T + b, the lecture's Linear block (one fused graph node).

    weight: (out_features, in_features), initialised U(-1/sqrt(in), 1/sqrt(in)) via
    kaiming_uniform_(a=sqrt(5)); bias: (out_features,), U(-1/sqrt(in), 1/sqrt(in)) —
    PyTorch's defaults, so training curves are comparable.

    >>> fc = nn.Linear(784, 10)
    >>> fc(chainrule.randn(32, 784)).shape
    chainrule.Size([32, 10])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(_empty(self.out_features, self.in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(_empty(self.out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.in_features
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002
        p = self._parameters
        try:
            w, b = p["weight"], p["bias"]
        except KeyError:  # parametrized (weight_norm, spectral_norm, ...): computed on access
            w, b = self.weight, self.bias
        if type(input) is not Tensor and not isinstance(input, Tensor):
            raise TypeError(f"linear(): argument 'input' must be Tensor, not "
                            f"{type(input).__name__}")
        if input._data.dtype != w._data.dtype:
            raise RuntimeError(f"Linear: expected input and weight to have the same dtype, but "
                               f"got {input.dtype} and {w.dtype} (cast the input, or the "
                               f"model with .to(dtype))")
        if b is None:
            return _LinearOp.apply(input, w)
        return _LinearOp.apply(input, w, b)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """Applies a bilinear transformation to two inputs.

    y_k = x1^T A_k x2 + b_k.

    >>> m = nn.Bilinear(2, 3, 4)
    >>> m.weight.shape
    chainrule.Size([4, 2, 3])
    >>> m(torch.randn(5, 2), torch.randn(5, 3)).shape
    chainrule.Size([5, 4])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(_empty(out_features, in1_features, in2_features, dtype=dtype))
        if bias:
            self.bias = Parameter(_empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        from ..functions.linalg import einsum
        y = einsum("...i,kij,...j->...k", input1, self.weight, input2)
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one (default: all but the batch dim).

    >>> nn.Flatten()(torch.zeros(2, 3, 4, 5)).shape
    chainrule.Size([2, 60])
    >>> nn.Flatten(0, 1)(torch.zeros(2, 3, 4)).shape
    chainrule.Size([6, 4])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input):  # noqa: A002
        return _S.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim `dim` into `unflattened_size`.

    >>> nn.Unflatten(1, (2, 3))(torch.arange(12.0).reshape(2, 6))
    tensor([[[ 0.,  1.,  2.],
             [ 3.,  4.,  5.]],
    <BLANKLINE>
            [[ 6.,  7.,  8.],
             [ 9., 10., 11.]]])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input):  # noqa: A002
        return _S.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
