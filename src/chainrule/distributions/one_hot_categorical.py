"""One-hot categorical distribution."""
import numpy as np

from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from ..tensor import Size, Tensor


class OneHotCategorical(Distribution):
    """A Categorical whose samples are one-hot vectors of length K.

    >>> from chainrule.distributions import OneHotCategorical
    >>> d = OneHotCategorical(probs=chainrule.tensor([0.2, 0.8]))
    >>> d.log_prob(chainrule.tensor([0.0, 1.0]))
    tensor(-0.2231)
    >>> d.mean, d.sample((3,)).shape
    (tensor([0.2000, 0.8000]), chainrule.Size([3, 2]))
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._categorical = Categorical(probs, logits)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(OneHotCategorical, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def _param(self):
        return self._categorical._param

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def mean(self):
        return self._categorical.probs

    @property
    def mode(self):
        probs = self._categorical.probs
        idx = probs._data.argmax(-1)
        out = np.zeros(probs.shape, probs._data.dtype)
        np.put_along_axis(out, idx[..., None], 1.0, axis=-1)
        return Tensor._make(out)

    @property
    def variance(self):
        return self._categorical.probs * (1 - self._categorical.probs)

    @property
    def param_shape(self):
        return self._categorical.param_shape

    def sample(self, sample_shape=Size()):
        idx = self._categorical.sample(sample_shape)._data
        k = self._categorical._num_events
        return Tensor._make(np.eye(k, dtype=self._param._data.dtype)[idx])

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        indices = value.max(-1)[1]
        return self._categorical.log_prob(indices)

    def entropy(self):
        return self._categorical.entropy()

    def enumerate_support(self, expand=True):
        n = self.event_shape[0]
        values = Tensor._make(np.eye(n, dtype=self._param._data.dtype))
        values = values.view((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + tuple(self.batch_shape) + (n,))
        return values

    def __repr__(self):
        return repr(self._categorical).replace("Categorical", "OneHotCategorical", 1)
