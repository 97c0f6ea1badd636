"""Dirichlet distribution."""
from . import constraints
from ._sampling import standard_gamma
from .distribution import Distribution
from .utils import xlogy


class Dirichlet(Distribution):
    """Dirichlet(concentration) over the probability simplex of the last dim.

    >>> from chainrule.distributions import Dirichlet
    >>> d = Dirichlet(chainrule.tensor([1.0, 2.0, 3.0]))
    >>> d.log_prob(chainrule.tensor([0.2, 0.3, 0.5]))
    tensor(1.5041)
    >>> d.mean, d.sample((3,)).shape
    (tensor([0.1667, 0.3333, 0.5000]), chainrule.Size([3, 3]))
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration, validate_args=None):
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        shape = concentration.shape
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Dirichlet, _instance)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape=()):
        shape = self._extended_shape(sample_shape)
        g = standard_gamma(self.concentration.expand(shape))
        return g / g.sum(-1, keepdim=True)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        c = self.concentration
        return xlogy(c - 1.0, value).sum(-1) + c.sum(-1).lgamma() - c.lgamma().sum(-1)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self):
        from ..functions import where
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        mask = (self.concentration < 1).all(dim=-1)
        if bool(mask.any()):
            import numpy as np
            from ..tensor import Tensor
            onehot = np.zeros(mode.shape, mode._data.dtype)
            idx = self.concentration._data.argmax(-1)
            np.put_along_axis(onehot, idx[..., None], 1.0, axis=-1)
            mode = where(mask.unsqueeze(-1), Tensor._make(onehot), mode)
        return mode

    @property
    def variance(self):
        c0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (c0 - self.concentration) / (c0 ** 2 * (c0 + 1))

    def entropy(self):
        c = self.concentration
        k = c.size(-1)
        a0 = c.sum(-1)
        return (c.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma()
                - ((c - 1.0) * c.digamma()).sum(-1))
