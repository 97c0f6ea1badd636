"""LocalResponseNorm and CrossMapLRN2d: normalisation across neighbouring channels
(AlexNet, 2012). The functions are in nn/_functional_extra.py."""
from . import _functional_extra as _FX
from .module import Module


class LocalResponseNorm(Module):
    """b_c = a_c (k + alpha/size * sum_{c' = c - size/2}^{c + (size-1)/2} a_{c'}^2)^-beta
    over the channel dim of (N, C, *).

    >>> lrn = nn.LocalResponseNorm(2)
    >>> lrn(chainrule.randn(32, 5, 24, 24)).shape
    chainrule.Size([32, 5, 24, 24])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):  # noqa: A002
        return _FX.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class CrossMapLRN2d(Module):
    """PyTorch's legacy (Lua Torch) cross-channel LRN on 4-D inputs: the same outputs as
    torch.nn.CrossMapLRN2d, whose windows differ from LocalResponseNorm's (channel 0 is
    always in the sum); gradients are the exact derivative of those outputs.

    >>> nn.CrossMapLRN2d(3)(chainrule.randn(2, 6, 4, 4)).shape
    chainrule.Size([2, 6, 4, 4])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):  # noqa: A002
        return _FX.cross_map_lrn2d(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
