"""Poisson distribution."""
import numpy as np

from . import constraints
from .distribution import Distribution
from .utils import broadcast_all, rng, xlogy
from ..tensor import Size, Tensor


class Poisson(Distribution):
    """Poisson(rate): P(k) = rate^k exp(-rate) / k!.

    >>> from chainrule.distributions import Poisson
    >>> d = Poisson(chainrule.tensor(4.0))
    >>> d.log_prob(chainrule.tensor(2.0))
    tensor(-1.9206)
    >>> d.mean, d.sample((3,)).shape
    (tensor(4.), chainrule.Size([3]))
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        self._init_params(("rate",), (rate,), validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Poisson, batch_shape, ("rate",), _instance)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        lam = np.broadcast_to(self.rate._data, shape).astype(np.float64)
        return Tensor._make(rng().poisson(lam).astype(self.rate._data.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - (value + 1).lgamma()
