"""Gumbel, Weibull and Pareto: transformed exponential / uniform variables."""
import math

import numpy as np

from . import constraints
from .distribution import Distribution
from .exponential import Exponential
from .transformed_distribution import TransformedDistribution
from .transforms import AffineTransform, ExpTransform, PowerTransform
from .uniform import Uniform
from .utils import broadcast_all
from ..tensor import Tensor

_EULER = 0.57721566490153286061


def _full(like, value):
    return Tensor._make(np.full(like.shape, value, like._data.dtype))


class Gumbel(TransformedDistribution):
    """Gumbel(loc, scale): the maximum of many samples; X = loc - scale log(-log U).

    >>> from chainrule.distributions import Gumbel
    >>> d = Gumbel(torch.tensor(1.0), torch.tensor(2.0))
    >>> d.mean, d.variance                 # loc + scale gamma, (pi scale)^2 / 6
    (tensor(2.1544), tensor(6.5797))
    >>> d.log_prob(torch.tensor([0.0, 1.0]))
    tensor([-1.8419, -1.6931])
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        f = np.finfo(self.loc._data.dtype)
        base = Uniform(self.loc * 0 + float(f.tiny), self.loc * 0 + 1 - float(f.eps),
                       validate_args=validate_args)
        super().__init__(base, [ExpTransform().inv, AffineTransform(0, -1.0),
                                ExpTransform().inv, AffineTransform(self.loc, -self.scale)],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Gumbel, _instance)
        new.loc, new.scale = self.loc.expand(batch_shape), self.scale.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (self.loc - value) / self.scale
        return (y - y.exp()) - self.scale.log()

    @property
    def mean(self):
        return self.loc + self.scale * _EULER

    @property
    def mode(self):
        return self.loc

    @property
    def stddev(self):
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self):
        return self.stddev ** 2

    def entropy(self):
        return self.scale.log() + (1 + _EULER)


class Weibull(TransformedDistribution):
    """Weibull(scale, concentration): X = scale E^(1/k) with E ~ Exponential(1).

    >>> from chainrule.distributions import Weibull
    >>> d = Weibull(torch.tensor(1.0), torch.tensor(2.0))
    >>> d.mean, d.variance
    (tensor(0.8862), tensor(0.2146))
    >>> d.log_prob(torch.tensor([0.5, 1.0]))       # log(k/l (x/l)^(k-1) e^-(x/l)^k)
    tensor([-0.2500, -0.3069])
    """

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale, concentration, validate_args=None):
        self.scale, self.concentration = broadcast_all(scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        base = Exponential(self.scale * 0 + 1.0, validate_args=validate_args)
        super().__init__(base, [PowerTransform(exponent=self.concentration_reciprocal),
                                AffineTransform(loc=0, scale=self.scale)],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Weibull, _instance)
        new.scale = self.scale.expand(batch_shape)
        new.concentration = self.concentration.expand(batch_shape)
        new.concentration_reciprocal = new.concentration.reciprocal()
        base = self.base_dist.expand(batch_shape)
        TransformedDistribution.__init__(new, base, [
            PowerTransform(exponent=new.concentration_reciprocal),
            AffineTransform(loc=0, scale=new.scale)], validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self):
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self):
        k = self.concentration
        return self.scale * ((k - 1) / k) ** k.reciprocal()

    @property
    def variance(self):
        r = self.concentration_reciprocal
        return self.scale ** 2 * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def entropy(self):
        return (_EULER * (1 - self.concentration_reciprocal)
                + (self.scale * self.concentration_reciprocal).log() + 1)


class Pareto(TransformedDistribution):
    """Pareto(scale, alpha): X = scale exp(E) with E ~ Exponential(alpha); x >= scale.

    >>> from chainrule.distributions import Pareto
    >>> d = Pareto(torch.tensor(1.0), torch.tensor(3.0))
    >>> d.mean, d.variance                 # alpha s / (alpha - 1), ...
    (tensor(1.5000), tensor(0.7500))
    >>> d.log_prob(torch.tensor([1.0, 2.0]))       # log(alpha s^alpha / x^(alpha + 1))
    tensor([ 1.0986, -1.6740])
    """

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale, alpha, validate_args=None):
        self.scale, self.alpha = broadcast_all(scale, alpha)
        base = Exponential(self.alpha, validate_args=validate_args)
        super().__init__(base, [ExpTransform(), AffineTransform(loc=0, scale=self.scale)],
                         validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Pareto, _instance)
        new.scale, new.alpha = self.scale.expand(batch_shape), self.alpha.expand(batch_shape)
        return super().expand(batch_shape, _instance=new)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self):
        a = self.alpha.clamp(min=1)   # inf for alpha <= 1, as in PyTorch
        return a * self.scale / (a - 1)

    @property
    def mode(self):
        return self.scale

    @property
    def variance(self):
        a = self.alpha.clamp(min=2)   # inf for alpha <= 2
        return self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2))

    def entropy(self):
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


__all__ = ["Gumbel", "Weibull", "Pareto"]
_ = Distribution
