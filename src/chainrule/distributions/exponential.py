"""Exponential distribution."""
from . import constraints
from ._sampling import uniform
from .distribution import Distribution
from ..tensor import Size


class Exponential(Distribution):
    """Exponential(rate): density rate exp(-rate x) for x >= 0.

    >>> from chainrule.distributions import Exponential
    >>> d = Exponential(chainrule.tensor(2.0))
    >>> d.log_prob(chainrule.tensor(1.0))
    tensor(-1.3069)
    >>> d.mean, d.sample((3,)).shape
    (tensor(0.5000), chainrule.Size([3]))
    """

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        self._init_params(("rate",), (rate,), validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Exponential, batch_shape, ("rate",), _instance)

    @property
    def mean(self):
        return self.rate.reciprocal()

    @property
    def mode(self):
        return self.rate * 0

    @property
    def stddev(self):
        return self.rate.reciprocal()

    @property
    def variance(self):
        return self.rate ** -2

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        return -uniform(shape, self.rate).log() / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()
