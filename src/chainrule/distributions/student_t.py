"""Student's t and chi-squared distributions."""
import math

import numpy as np

from . import constraints
from ._sampling import standard_normal
from .distribution import Distribution
from .gamma import Gamma
from .utils import broadcast_all
from ..tensor import Size, Tensor


class Chi2(Gamma):
    """Chi2(df) = Gamma(df / 2, 1 / 2).

    >>> from chainrule.distributions import Chi2
    >>> d = Chi2(torch.tensor(4.0))
    >>> d.mean, d.variance                 # df, 2 df
    (tensor(4.), tensor(8.))
    >>> d.log_prob(torch.tensor([1.0, 4.0]))
    tensor([-1.8863, -2.0000])
    """

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df, validate_args=None):
        (df,) = broadcast_all(df)
        super().__init__(0.5 * df, df * 0 + 0.5, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Chi2, _instance)
        return super().expand(batch_shape, new)

    @property
    def df(self):
        return self.concentration * 2


class StudentT(Distribution):
    """StudentT(df, loc, scale): loc + scale T with T ~ t(df) = N(0, 1) / sqrt(Chi2(df) / df).

    >>> from chainrule.distributions import StudentT
    >>> d = StudentT(torch.tensor(3.0))
    >>> d.mean, d.variance                 # 0, df / (df - 2)
    (tensor(0.), tensor(3.))
    >>> d.log_prob(torch.tensor([0.0, 1.0]))
    tensor([-1.0009, -1.5763])
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df, loc=0.0, scale=1.0, validate_args=None):
        self._init_params(("df", "loc", "scale"), (df, loc, scale), validate_args)
        self._chi2 = Chi2(self.df)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_params(StudentT, batch_shape, ("df", "loc", "scale"), _instance)
        new._chi2 = self._chi2.expand(batch_shape)
        return new

    @property
    def mean(self):
        m = self.loc.clone()
        m._data[self.df._data <= 1] = np.nan
        return m

    @property
    def mode(self):
        return self.loc

    @property
    def variance(self):
        from ..functions import where
        df = self.df
        v = self.scale ** 2 * df / (df - 2).clamp(min=1e-300)
        inf = Tensor._make(np.full(df.shape, np.inf, df._data.dtype))
        nan = Tensor._make(np.full(df.shape, np.nan, df._data.dtype))
        return where(df > 2, v, where(df > 1, inf, nan))

    def rsample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        X = standard_normal(shape, self.df)
        Z = self._chi2.rsample(sample_shape)
        Y = X * (self.df / Z).sqrt()
        return self.loc + self.scale * Y

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        Z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + (0.5 * self.df).lgamma() - (0.5 * (self.df + 1.0)).lgamma())
        return -0.5 * (self.df + 1.0) * (y ** 2 / self.df).log1p() - Z

    def entropy(self):
        lbeta = (0.5 * self.df).lgamma() + math.lgamma(0.5) - (0.5 * (self.df + 1)).lgamma()
        return (self.scale.log() + 0.5 * (self.df + 1)
                * ((0.5 * (self.df + 1)).digamma() - (0.5 * self.df).digamma())
                + 0.5 * self.df.log() + lbeta)
