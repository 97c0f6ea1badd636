"""Helpers shared by the distributions: broadcasting parameters, probs <-> logits."""
import numbers

import numpy as np

from .. import dtypes
from ..tensor import Tensor


def broadcast_all(*values):
    """The values as tensors of one broadcast shape; numbers take the dtype of the tensor
    arguments (the default float dtype when there are none)."""
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
    """probs clamped to [eps, 1 - eps] of their dtype."""
    eps = _eps(probs)
    return probs.clamp(min=eps, max=1 - eps)


def logits_to_probs(logits, is_binary=False):
    """sigmoid(logits) for binary events, softmax over the last dim otherwise."""
    if is_binary:
        return logits.sigmoid()
    return logits.softmax(-1)


def probs_to_logits(probs, is_binary=False):
    """The inverse of logits_to_probs, with probs clamped away from 0 and 1."""
    p = clamp_probs(probs)
    if is_binary:
        return p.log() - (-p).log1p()
    return p.log()


class lazy_property:
    """Computed on first access, then stored on the instance (the parameter that was not
    given, probs from logits or logits from probs)."""

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
    from ..random import rng as _rng
    return _rng(generator)


def as_float_array(t):
    """The tensor's array (no gradient), for samplers."""
    return t._data


def xlogy(x, y):
    """x log y with 0 log 0 = 0, without a NaN gradient from the branch not taken."""
    from ..functions import where
    zero = x == 0
    return x * where(zero, y * 0 + 1, y).log()
