"""Categorical distribution over {0, ..., K-1}."""
import numpy as np

from . import constraints
from .distribution import Distribution
from .utils import lazy_property, logits_to_probs, probs_to_logits, rng
from ..tensor import Size, Tensor


class Categorical(Distribution):
    """Categorical(probs=p) or Categorical(logits=l) over the last dim (K categories);
    probs are normalised to sum to 1, logits to log-probabilities.

    >>> from chainrule.distributions import Categorical
    >>> d = Categorical(probs=chainrule.tensor([0.1, 0.6, 0.3]))
    >>> d.log_prob(chainrule.tensor(1))
    tensor(-0.5108)
    >>> d.sample((3,)).shape, d.entropy()
    (chainrule.Size([3]), tensor(0.8979))
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(
        constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch = self._param.size()[:-1] if self._param.dim() > 1 else Size()
        super().__init__(batch, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(shape)
            new._param = new.logits
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits)

    @property
    def param_shape(self):
        return self._param.size()

    @property
    def mean(self):
        return Tensor._make(np.full(self._extended_shape(), np.nan, self.probs._data.dtype))

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return Tensor._make(np.full(self._extended_shape(), np.nan, self.probs._data.dtype))

    def sample(self, sample_shape=Size()):
        if not isinstance(sample_shape, (tuple, list)):
            sample_shape = (int(sample_shape),)
        p = self.probs._data.astype(np.float64).reshape(-1, self._num_events)
        n = int(np.prod(sample_shape, dtype=np.int64))
        # Inverse-CDF draws: one uniform per sample and batch member.
        cdf = np.cumsum(p, axis=-1)
        cdf /= cdf[:, -1:]
        u = rng().random((n, p.shape[0]))
        idx = (u[..., None] > cdf[None]).sum(-1)
        idx = np.minimum(idx, self._num_events - 1)
        return Tensor._make(idx.reshape(tuple(sample_shape) + tuple(self._batch_shape))
                            .astype(np.int64))

    def log_prob(self, value):
        from ..functions import broadcast_tensors
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = broadcast_tensors(value, self.logits)
        value = value[..., :1]
        return log_pmf.gather(-1, value).squeeze(-1)

    def entropy(self):
        min_real = float(np.finfo(self.logits._data.dtype).min)
        logits = self.logits.clamp(min=min_real)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand=True):
        values = Tensor._make(np.arange(self._num_events, dtype=np.int64))
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
