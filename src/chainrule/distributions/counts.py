"""Count distributions: Geometric, NegativeBinomial, Multinomial."""
import numpy as np

from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits, rng
from ..tensor import Size, Tensor


class _ProbsOrLogits(Distribution):
    """Distributions given by probs or logits (exactly one), one of them computed lazily."""

    def _set_probs_or_logits(self, probs, logits, extra=()):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        name = "probs" if probs is not None else "logits"
        values = broadcast_all(*extra, probs if probs is not None else logits)
        setattr(self, name, values[-1])
        self._param = values[-1]
        return values[:-1]

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    def _expand_pl(self, cls, batch_shape, names, _instance):
        new = self._expand_params(cls, batch_shape, names + ("probs", "logits"), _instance)
        new._param = new.__dict__.get("probs", new.__dict__.get("logits"))
        return new


class Geometric(_ProbsOrLogits):
    """Geometric(probs=p): the number of failures before the first success, P(k) = (1-p)^k p.

    >>> from chainrule.distributions import Geometric
    >>> d = Geometric(probs=torch.tensor(0.25))   # failures before the first success
    >>> d.mean, d.variance                 # (1 - p) / p, (1 - p) / p^2
    (tensor(3.), tensor(12.))
    >>> d.log_prob(torch.tensor([0.0, 2.0]))       # log(p (1 - p)^k)
    tensor([-1.3863, -1.9617])
    """

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._set_probs_or_logits(probs, logits)
        super().__init__(self._param.shape, validate_args=validate_args)
        if self._validate_args and probs is not None and bool((self.probs._data == 0).any()):
            raise ValueError("Expected parameter probs to be in (0, 1] for Geometric")

    def expand(self, batch_shape, _instance=None):
        return self._expand_pl(Geometric, batch_shape, (), _instance)

    @property
    def mean(self):
        return 1.0 / self.probs - 1.0

    @property
    def mode(self):
        return self.probs * 0

    @property
    def variance(self):
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        p = np.broadcast_to(self.probs._data, shape).astype(np.float64)
        return Tensor._make((rng().geometric(p) - 1).astype(self.probs._data.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        from ..functions import where
        value, probs = broadcast_all(value, self.probs)
        at_one = Tensor._make((probs._data == 1) & (value._data == 0))
        probs = where(at_one, probs * 0, probs)  # 0 log(0) = 0 at p = 1
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self):
        from ..nn.functional import binary_cross_entropy_with_logits
        return binary_cross_entropy_with_logits(self.logits, self.probs,
                                                reduction="none") / self.probs


class NegativeBinomial(_ProbsOrLogits):
    """NegativeBinomial(total_count, probs=p): successes before total_count failures.

    >>> from chainrule.distributions import NegativeBinomial
    >>> d = NegativeBinomial(total_count=torch.tensor(3.0), probs=torch.tensor(0.5))
    >>> d.mean, d.variance
    (tensor(3.), tensor(6.))
    >>> d.log_prob(torch.tensor([0.0, 2.0]))
    tensor([-2.0794, -1.6740])
    """

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (self.total_count,) = self._set_probs_or_logits(probs, logits, (total_count,))
        self.total_count = self.total_count.to(self._param.dtype)
        super().__init__(self._param.shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_pl(NegativeBinomial, batch_shape, ("total_count",), _instance)

    @property
    def mean(self):
        return self.total_count * self.logits.exp()

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / (-self.probs + 1.0)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        n = np.broadcast_to(self.total_count._data, shape).astype(np.float64)
        p = np.broadcast_to(self.probs._data, shape).astype(np.float64)
        lam = rng().gamma(np.maximum(n, 1e-300), p / (1 - p)) * (n > 0)
        return Tensor._make(rng().poisson(lam).astype(self._param._data.dtype))

    def log_prob(self, value):
        from ..nn.functional import logsigmoid
        if self._validate_args:
            self._validate_sample(value)
        n = self.total_count
        log_unnormalized = n * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_normalization = -(n + value).lgamma() + (1.0 + value).lgamma() + n.lgamma()
        # n + value == 0 is a point mass at 0 (lgamma(0) is inf): its log-normaliser is 0.
        zero = (n._data + np.asarray(value._data)) == 0
        if zero.any():
            from ..functions import where
            log_normalization = where(Tensor._make(zero), log_normalization * 0,
                                      log_normalization)
        return log_unnormalized - log_normalization


class Multinomial(Distribution):
    """Multinomial(total_count, probs=p): counts of total_count draws from K categories.

    >>> from chainrule.distributions import Multinomial
    >>> d = Multinomial(4, probs=torch.tensor([0.2, 0.3, 0.5]))
    >>> d.log_prob(torch.tensor([1.0, 1.0, 2.0]))   # log(4! / (1! 1! 2!) 0.2 0.3 0.5^2)
    tensor(-1.7148)
    >>> d.mean, d.sample().sum()
    (tensor([0.8000, 1.2000, 2.0000]), tensor(4.))
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = None
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Multinomial, _instance)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        if not isinstance(sample_shape, (tuple, list)):
            sample_shape = (int(sample_shape),)
        shape = tuple(self._extended_shape(sample_shape))
        p = self.probs._data.astype(np.float64)
        p = p / p.sum(-1, keepdims=True)
        flat = np.broadcast_to(p, shape).reshape(-1, shape[-1])
        out = np.stack([rng().multinomial(self.total_count, row) for row in flat])
        return Tensor._make(out.reshape(shape).astype(self.probs._data.dtype))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        lg = logits._data.copy()
        lg[(value._data == 0) & (lg == -np.inf)] = 0
        logits = logits if np.array_equal(lg, logits._data, equal_nan=True) else \
            Tensor._make(lg)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers

    def entropy(self):
        """n H(categorical) - log n! + sum_k E[log x_k!], with x_k ~ Binomial(n, p_k)."""
        import math
        from .binomial import Binomial
        n = self.total_count
        binomial = Binomial(n, probs=self.probs)
        support = binomial.enumerate_support(expand=False)[1:]
        binomial_probs = binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        term2 = (binomial_probs * weights).sum(0).sum(-1)
        return n * self._categorical.entropy() - math.lgamma(n + 1) + term2
