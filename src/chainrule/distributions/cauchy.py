"""Cauchy, half-Cauchy and half-normal distributions."""
import math

import numpy as np

from . import constraints
from ._sampling import uniform
from .distribution import Distribution
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import AbsTransform
from ..tensor import Size, Tensor


def _full(like, value):
    return Tensor._make(np.full(like.shape, value, like._data.dtype))


class Cauchy(Distribution):
    """Cauchy(loc, scale): density 1 / (pi scale (1 + ((x - loc) / scale)^2)); no mean.

    >>> from chainrule.distributions import Cauchy
    >>> d = Cauchy(torch.tensor(0.0), torch.tensor(1.0))
    >>> d.log_prob(torch.tensor([0.0, 1.0]))       # -log(pi (1 + x^2))
    tensor([-1.1447, -1.8379])
    >>> d.cdf(torch.tensor(1.0)), d.sample((3,)).shape
    (tensor(0.7500), chainrule.Size([3]))
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self._init_params(("loc", "scale"), (loc, scale), validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_params(Cauchy, batch_shape, ("loc", "scale"), _instance)

    @property
    def mean(self):
        return _full(self.loc, np.nan)

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        return _full(self.loc, np.inf)

    def rsample(self, sample_shape=Size()):
        u = uniform(self._extended_shape(sample_shape), self.loc)
        return self.loc + self.scale * (math.pi * (u - 0.5)).tan()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return (-math.log(math.pi) - self.scale.log()
                - (((value - self.loc) / self.scale) ** 2).log1p())

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value):
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self):
        return math.log(4 * math.pi) + self.scale.log()


class _HalfOf(TransformedDistribution):
    """|X| for a symmetric base X around 0: density 2 p(x) on x >= 0."""

    support = constraints.nonnegative
    has_rsample = True

    @property
    def scale(self):
        return self.base_dist.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        lp = self.base_dist.log_prob(value) + math.log(2)
        from ..functions import where
        return where(value >= 0, lp, lp * 0 - math.inf)

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 2 * self.base_dist.cdf(value) - 1

    def icdf(self, prob):
        return self.base_dist.icdf((prob + 1) / 2)

    def entropy(self):
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_HalfOf):
    """|Y| with Y ~ Normal(0, scale).

    >>> from chainrule.distributions import HalfNormal
    >>> d = HalfNormal(torch.tensor(2.0))
    >>> d.mean, d.variance                 # scale sqrt(2/pi), scale^2 (1 - 2/pi)
    (tensor(1.5958), tensor(1.4535))
    >>> d.log_prob(torch.tensor([0.5, 1.0]))
    tensor([-0.9502, -1.0439])
    """

    arg_constraints = {"scale": constraints.positive}

    def __init__(self, scale, validate_args=None):
        super().__init__(Normal(0.0 * scale if isinstance(scale, Tensor) else 0.0, scale,
                                validate_args=validate_args), AbsTransform(),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfNormal, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def mode(self):
        return self.scale * 0

    @property
    def variance(self):
        return self.scale ** 2 * (1 - 2 / math.pi)


class HalfCauchy(_HalfOf):
    """|Y| with Y ~ Cauchy(0, scale).

    >>> from chainrule.distributions import HalfCauchy
    >>> d = HalfCauchy(torch.tensor(1.0))
    >>> d.log_prob(torch.tensor([0.0, 1.0]))       # log(2 / (pi (1 + x^2)))
    tensor([-0.4516, -1.1447])
    >>> d.cdf(torch.tensor(1.0))
    tensor(0.5000)
    """

    arg_constraints = {"scale": constraints.positive}

    def __init__(self, scale, validate_args=None):
        super().__init__(Cauchy(0.0 * scale if isinstance(scale, Tensor) else 0.0, scale,
                                validate_args=validate_args), AbsTransform(),
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(HalfCauchy, _instance)
        return super().expand(batch_shape, _instance=new)

    @property
    def mean(self):
        return _full(self.scale, np.inf)

    @property
    def mode(self):
        return self.scale * 0

    @property
    def variance(self):
        return _full(self.scale, np.inf)

    def entropy(self):
        return math.log(2 * math.pi) + self.scale.log()
