"""Activation layers: thin modules over the functional forms."""
from . import _functional as F
from .module import Module


class _Simple(Module):
    _fn = None

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):  # noqa: A002
        return type(self)._fn(input)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class ReLU(_Simple):
    """Applies the rectified linear unit elementwise.

    max(x, 0); gradient 0 at x = 0.

    >>> m = nn.ReLU()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([0., 0., 1., 8.])
    """
    _fn = staticmethod(F.relu)


class ReLU6(_Simple):
    """Applies ReLU6 elementwise.

    min(max(x, 0), 6).

    >>> m = nn.ReLU6()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([0., 0., 1., 6.])
    """
    _fn = staticmethod(F.relu6)


class Sigmoid(Module):
    """Applies the logistic sigmoid elementwise.

    1 / (1 + exp(-x)), computed without overflow.

    >>> m = nn.Sigmoid()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([0.1192, 0.5000, 0.7311, 0.9997])
    """

    def forward(self, input):  # noqa: A002
        return F.sigmoid(input)


class Tanh(Module):
    """Applies the hyperbolic tangent elementwise.

    tanh(x), in (-1, 1).

    >>> m = nn.Tanh()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.9640,  0.0000,  0.7616,  1.0000])
    """
    def forward(self, input):  # noqa: A002
        return F.tanh(input)


class SiLU(_Simple):
    """Applies the sigmoid-weighted linear unit elementwise.

    x * sigmoid(x) (swish).

    >>> m = nn.SiLU()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.2384,  0.0000,  0.7311,  7.9973])
    """
    _fn = staticmethod(F.silu)


class Mish(_Simple):
    """Applies Mish elementwise.

    x * tanh(softplus(x)).

    >>> m = nn.Mish()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.2525,  0.0000,  0.8651,  8.0000])
    """
    _fn = staticmethod(F.mish)


class Hardsigmoid(_Simple):
    """Applies the hard sigmoid elementwise.

    clamp(x / 6 + 1/2, 0, 1).

    >>> m = nn.Hardsigmoid()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([0.1667, 0.5000, 0.6667, 1.0000])
    """
    _fn = staticmethod(F.hardsigmoid)


class Hardswish(_Simple):
    """Applies hard swish elementwise.

    x * hardsigmoid(x).

    >>> m = nn.Hardswish()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.3333,  0.0000,  0.6667,  8.0000])
    """
    _fn = staticmethod(F.hardswish)


class SELU(_Simple):
    """Applies SELU elementwise.

    Scaled ELU with the self-normalising constants.

    >>> m = nn.SELU()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-1.5202,  0.0000,  1.0507,  8.4056])
    """
    _fn = staticmethod(F.selu)


class LogSigmoid(Module):
    """Applies log-sigmoid elementwise.

    log sigmoid(x) = -softplus(-x), stable for large |x|.

    >>> m = nn.LogSigmoid()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-2.1269e+00, -6.9315e-01, -3.1326e-01, -3.3541e-04])
    """
    def forward(self, input):  # noqa: A002
        return F.logsigmoid(input)


class Softsign(Module):
    """Applies softsign elementwise.

    x / (1 + |x|).

    >>> m = nn.Softsign()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.6667,  0.0000,  0.5000,  0.8889])
    """
    def forward(self, input):  # noqa: A002
        return F.softsign(input)


class Tanhshrink(Module):
    """Applies tanhshrink elementwise.

    x - tanh(x).

    >>> m = nn.Tanhshrink()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-1.0360,  0.0000,  0.2384,  7.0000])
    """
    def forward(self, input):  # noqa: A002
        return F.tanhshrink(input)


class LeakyReLU(Module):
    """Applies the leaky rectified linear unit elementwise.

    x for x > 0, negative_slope * x otherwise.

    >>> m = nn.LeakyReLU(0.1)
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.2000,  0.0000,  1.0000,  8.0000])
    >>> m
    LeakyReLU(negative_slope=0.1)
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input):  # noqa: A002
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class ELU(Module):
    """Applies the exponential linear unit elementwise.

    x for x > 0, alpha (exp(x) - 1) otherwise.

    >>> m = nn.ELU(alpha=1.0)
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.8647,  0.0000,  1.0000,  8.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.elu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}" + (", inplace=True" if self.inplace else "")


class CELU(Module):
    """Applies the continuously differentiable ELU elementwise.

    max(0, x) + min(0, alpha (exp(x / alpha) - 1)).

    >>> m = nn.CELU(alpha=2.0)
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-1.2642,  0.0000,  1.0000,  8.0000])
    """
    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input):  # noqa: A002
        return F.celu(input, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    """Applies the Gaussian error linear unit elementwise.

    x Phi(x) (exact, erf) or the tanh approximation (approximate='tanh').

    >>> m = nn.GELU()
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.0455,  0.0000,  0.8413,  8.0000])
    >>> nn.GELU(approximate='tanh')(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-0.0454,  0.0000,  0.8412,  8.0000])
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):  # noqa: A002
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate='{self.approximate}'"


class Softplus(Module):
    """Applies softplus, a smooth ReLU, elementwise.

    log(1 + exp(beta x)) / beta; linear where beta x > threshold.

    >>> m = nn.Softplus(beta=2.0)
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([0.0091, 0.3466, 1.0635, 8.0000])
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input):  # noqa: A002
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """Applies HardTanh elementwise.

    x clamped to [min_val, max_val].

    >>> m = nn.Hardtanh(-1.0, 1.0)
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-1.,  0.,  1.,  1.])
    """
    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input):  # noqa: A002
        return F.hardtanh(input, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Threshold(Module):
    """Thresholds each element: keeps it above threshold, else replaces it by value.

    x where x > threshold, else value.

    >>> m = nn.Threshold(0.5, -1.0)
    >>> m(torch.tensor([-2.0, 0.0, 1.0, 8.0]))
    tensor([-1., -1.,  1.,  8.])
    """
    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold, self.value, self.inplace = threshold, value, inplace

    def forward(self, input):  # noqa: A002
        return F.threshold(input, self.threshold, self.value)

    def extra_repr(self):
        return f"threshold={self.threshold}, value={self.value}"


class GLU(Module):
    """Applies the gated linear unit along dim.

    Gated linear unit: a * sigmoid(b) for the two halves a, b of the input along dim.

    >>> m = nn.GLU(dim=-1)
    >>> m(torch.tensor([[1.0, 2.0, 0.0, 100.0]]))
    tensor([[0.5000, 2.0000]])
    """
    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):  # noqa: A002
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class _DimModule(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_DimModule):
    """Applies softmax along dim: the entries become positive and sum to 1.

    exp(x_i) / sum_j exp(x_j) along dim (stable: the max is subtracted).

    >>> m = nn.Softmax(dim=1)
    >>> m(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    tensor([[0.0900, 0.2447, 0.6652],
            [0.3333, 0.3333, 0.3333]])
    """

    def forward(self, input):  # noqa: A002
        return F.softmax(input, self.dim)


class Softmin(_DimModule):
    """Applies softmin (softmax of the negated input) along dim.

    softmax(-x) along dim.

    >>> m = nn.Softmin(dim=0)
    >>> m(torch.tensor([1.0, 2.0, 3.0]))
    tensor([0.6652, 0.2447, 0.0900])
    """
    def forward(self, input):  # noqa: A002
        return F.softmin(input, self.dim)


class LogSoftmax(_DimModule):
    """Applies log(softmax(x)) along dim.

    x_i - log sum_j exp(x_j) along dim, exact for large logits.

    >>> m = nn.LogSoftmax(dim=0)
    >>> m(torch.tensor([1.0, 2.0, 3.0]))
    tensor([-2.4076, -1.4076, -0.4076])
    """

    def forward(self, input):  # noqa: A002
        return F.log_softmax(input, self.dim)


class PReLU(Module):
    """Applies the parametric ReLU, whose negative slope is learned.

    x where x > 0, else a * x with a learned slope a (one, or one per channel),
    initialised to `init` (0.25).

    >>> m = nn.PReLU()
    >>> m.weight
    Parameter containing:
    tensor([0.2500], requires_grad=True)
    >>> m(torch.tensor([-2.0, 0.0, 4.0]))
    tensor([-0.5000,  0.0000,  4.0000], grad_fn=<...>)
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        import numpy as np
        from .. import dtypes
        from .parameter import Parameter
        d = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
        self.num_parameters, self.init = num_parameters, init
        self.weight = Parameter(np.full(num_parameters, init, d))

    def forward(self, input):  # noqa: A002
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class Softmax2d(Module):
    """Applies softmax over the channels at each spatial location.

    Softmax over the channel dim of (N, C, H, W) or (C, H, W) inputs.

    >>> m = nn.Softmax2d()
    >>> m(torch.tensor([[[[0.0]], [[1.0]]]]))
    tensor([[[[0.2689]],
    <BLANKLINE>
             [[0.7311]]]])
    """

    def forward(self, input):  # noqa: A002
        if input.dim() not in (3, 4):
            raise ValueError(f"Softmax2d: expected input of 3 or 4 dims, got {input.dim()}")
        return F.softmax2d(input)
