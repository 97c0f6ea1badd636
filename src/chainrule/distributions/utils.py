"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits."""
import numbers

import numpy as np

from .. import dtypes
from ..tensor import Tensor


def broadcast_all(*values):
    """The values as tensors of one broadcast shape; numbers take the dtype of the tensor
    arguments (the default float dtype when there are none).

    >>> from chainrule.distributions.utils import broadcast_all
    >>> broadcast_all(chainrule.tensor([1.0, 2.0]), 0.5)
    (tensor([1., 2.]), tensor([0.5000, 0.5000]))
    """
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, (Tensor, numbers.Number)):
            raise ValueError("Input arguments must all be instances of numbers.Number or "
                             f"Tensor, got {type(v).__name__}")
    dtype = tensors[0]._data.dtype if tensors else dtypes.get_default_dtype().np
    out = [v if isinstance(v, Tensor) else Tensor._make(np.asarray(v, dtype=dtype))
           for v in values]
    shape = np.broadcast_shapes(*(t.shape for t in out))
    return tuple(t if tuple(t.shape) == shape else t.expand(shape) for t in out)


def _eps(t):
    return float(np.finfo(t._data.dtype).eps)


def clamp_probs(probs):
    """probs clamped to [eps, 1 - eps] of their dtype.

    >>> from chainrule.distributions.utils import clamp_probs
    >>> clamp_probs(chainrule.tensor([0.0, 0.5, 1.0], dtype=chainrule.float64))
    tensor([2.2204e-16, 5.0000e-01, 1.0000e+00], dtype=chainrule.float64)
    """
    eps = _eps(probs)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) for binary events, softmax over the last dim otherwise.

    >>> from chainrule.distributions.utils import logits_to_probs
    >>> logits = chainrule.tensor([0.0, 1.0])
    >>> logits_to_probs(logits), logits_to_probs(logits, is_binary=True)
    (tensor([0.2689, 0.7311]), tensor([0.5000, 0.7311]))
    """
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def probs_to_logits(probs, is_binary=False):
    """The inverse of logits_to_probs, with probs clamped away from 0 and 1.

    >>> from chainrule.distributions.utils import probs_to_logits
    >>> probs_to_logits(chainrule.tensor([0.5, 0.75]), is_binary=True)
    tensor([0.0000, 1.0986])
    """
    p = clamp_probs(probs)
    if is_binary:
        return p.log() - (-p).log1p()
    return p.log()


class lazy_property:
    """Computed on first access, then stored on the instance (the parameter that was not
    given, probs from logits or logits from probs).

    >>> from chainrule.distributions.utils import lazy_property
    >>> class Box:
    ...     @lazy_property
    ...     def value(self):
    ...         print("computing")
    ...         return 42
    >>> b = Box()
    >>> b.value, b.value
    computing
    (42, 42)
    """

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value


def rng(generator=None):
    """The numpy Generator the samplers draw from: `generator`'s, or the default one.

    >>> from chainrule.distributions.utils import rng
    >>> type(rng()).__name__, int(rng(chainrule.Generator().manual_seed(1)).integers(100))
    ('Generator', 47)
    """
    from ..random import rng as _rng
    return _rng(generator)


def as_float_array(t):
    """The tensor's array (no gradient), for samplers.

    >>> from chainrule.distributions.utils import as_float_array
    >>> as_float_array(chainrule.tensor([1.0, 2.0], requires_grad=True))
    array([1., 2.], dtype=float32)
    """
    return t._data


def xlogy(x, y):
    """x log y with 0 log 0 = 0, without a NaN gradient from the branch not taken.

    >>> from chainrule.distributions.utils import xlogy
    >>> xlogy(chainrule.tensor([0.0, 2.0]), chainrule.tensor([0.0, 1.0]))      # 0 log 0 = 0
    tensor([0., 0.])
    """
    from ..functions import where
    zero = x == 0
    return x * where(zero, y * 0 + 1, y).log()
