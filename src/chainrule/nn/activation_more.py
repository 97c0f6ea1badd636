"""Hardshrink, Softshrink and RReLU (the functions are in nn/_functional_extra.py)."""
from . import _functional_extra as _FX
from .module import Module


class Hardshrink(Module):
    """x where |x| > lambd, else 0.

    >>> nn.Hardshrink(0.5)(chainrule.tensor([-1.0, 0.25])).tolist()
    [-1.0, 0.0]
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):  # noqa: A002
        return _FX.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Module):
    """Soft thresholding: x - lambd above lambd, x + lambd below -lambd, 0 between.

    >>> nn.Softshrink(0.5)(torch.tensor([-2.0, 0.25, 1.0]))
    tensor([-1.5000,  0.0000,  0.5000])
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):  # noqa: A002
        return _FX.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class RReLU(Module):
    """Randomized leaky ReLU: negative slopes drawn from U(lower, upper) per element in
    training (seeded by chainrule.manual_seed), the mean slope (lower + upper) / 2 in eval.

    >>> act = nn.RReLU().eval(); act(chainrule.tensor([-24.0, 2.0])).tolist()
    [-5.5, 2.0]
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, input):  # noqa: A002
        return _FX.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace
                                                            else "")
