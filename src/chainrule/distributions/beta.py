"""Beta distribution (a two-component Dirichlet)."""
import numbers

from . import constraints
from .dirichlet import Dirichlet
from .distribution import Distribution
from .utils import broadcast_all
from ..functions import stack
from ..tensor import Size


class Beta(Distribution):
    """Beta(concentration1, concentration0): density x^(a-1) (1-x)^(b-1) / B(a, b).

    >>> from chainrule.distributions import Beta
    >>> d = Beta(chainrule.tensor(2.0), chainrule.tensor(3.0))
    >>> d.log_prob(chainrule.tensor(0.5))
    tensor(0.4055)
    >>> d.mean, d.sample((3,)).shape
    (tensor(0.4000), chainrule.Size([3]))
    """

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1, concentration0, validate_args=None):
        if isinstance(concentration1, numbers.Number) and isinstance(concentration0,
                                                                     numbers.Number):
            c1, c0 = broadcast_all(float(concentration1), float(concentration0))
            batch = Size()
        else:
            c1, c0 = broadcast_all(concentration1, concentration0)
            batch = c1.shape
        self._dirichlet = Dirichlet(stack([c1, c0], -1), validate_args=validate_args)
        super().__init__(batch, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Beta, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def concentration1(self):
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self):
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self):
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def rsample(self, sample_shape=()):
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        heads_tails = stack([value, 1.0 - value], -1)
        return self._dirichlet.log_prob(heads_tails)

    def entropy(self):
        return self._dirichlet.entropy()

    def __repr__(self):
        return (f"Beta(concentration1: {self.concentration1}, concentration0: "
                f"{self.concentration0})") if self.concentration1.numel() == 1 else \
            f"Beta(concentration1: {self.concentration1.size()}, concentration0: " \
            f"{self.concentration0.size()})"
