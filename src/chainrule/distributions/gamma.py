"""Gamma distribution."""
import numpy as np

from . import constraints
from ._sampling import standard_gamma
from .distribution import Distribution
from .utils import xlogy
from ..tensor import Size


class Gamma(Distribution):
    """Gamma(concentration, rate): density rate^a x^(a-1) exp(-rate x) / Gamma(a).

    rsample is differentiable in both parameters (implicit reparameterisation).

    >>> from chainrule.distributions import Gamma
    >>> d = Gamma(chainrule.tensor(2.0), chainrule.tensor(0.5))
    >>> d.log_prob(chainrule.tensor(3.0))
    tensor(-1.7877)
    >>> d.mean, d.sample((3,)).shape
    (tensor(4.), chainrule.Size([3]))
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration, rate, validate_args=None):
        self._init_params(("concentration", "rate"), (concentration, rate), validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Gamma, batch_shape, ("concentration", "rate"), _instance)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        value = standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
        np.maximum(value._data, np.finfo(value._data.dtype).tiny, out=value._data)
        return value

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        a, b = self.concentration, self.rate
        return xlogy(a, b) + xlogy(a - 1, value) - b * value - a.lgamma()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return _igamma_cdf(self.concentration, self.rate * value)

    def entropy(self):
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()


def _igamma_cdf(a, x):
    """P(a, x) without a gradient (the regularised lower incomplete gamma function)."""
    from ._sampling import _gamma_p
    from ..tensor import Tensor
    return Tensor._make(_gamma_p(a._data, x._data).astype(x._data.dtype))
