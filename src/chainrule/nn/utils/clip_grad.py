"""Gradient clipping, in place on .grad arrays (no graph)."""
import math

import numpy as np

from ...tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all tensors together (as if concatenated into one vector).

    >>> nn.utils.get_total_norm([chainrule.tensor([3.0]), chainrule.tensor([4.0])])
    tensor(5.)
    """
    if isinstance(tensors, Tensor):
        tensors = [tensors]
    tensors = list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.zeros((), np.float32))
    dt = tensors[0]._data.dtype
    if norm_type == math.inf:
        total = max(float(np.abs(t._data).max()) if t._data.size else 0.0 for t in tensors)
    elif norm_type == 0:
        total = float(sum(np.count_nonzero(t._data) for t in tensors))
    elif norm_type == 2.0:
        # Per-tensor norms in the tensor's dtype, then the norm of norms (PyTorch's order).
        norms = np.array([np.linalg.norm(t._data.reshape(-1)) for t in tensors], dtype=dt)
        total = float(np.linalg.norm(norms))
    else:
        norms = np.array([np.sum(np.abs(t._data) ** norm_type) ** (1 / norm_type)
                          for t in tensors], dtype=dt)
        total = float(np.sum(norms ** norm_type) ** (1 / norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           "`parameters` is non-finite, so it cannot be clipped. To disable "
                           "this error and scale the gradients by the non-finite norm anyway, "
                           "set `error_if_nonfinite=False`")
    return Tensor._make(np.asarray(total, dtype=dt))


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Scale all gradients together so their total norm is at most max_norm.

    Returns the total norm before clipping (a 0-d tensor). The scale is
    min(1, max_norm / (total + 1e-6)), as in PyTorch.

    >>> w = chainrule.tensor([1.0, 1.0], requires_grad=True)
    >>> (w * chainrule.tensor([3.0, 4.0])).sum().backward()
    >>> nn.utils.clip_grad_norm_([w], max_norm=1.0)     # the norm before clipping
    tensor(5.)
    >>> w.grad
    tensor([0.6000, 0.8000])
    """
    grads = _grads(parameters)
    if not grads:
        return Tensor._make(np.zeros((), np.float32))
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    coef = float(max_norm) / (float(total._data) + 1e-6)
    if coef < 1:
        for g in grads:
            g._data *= g._data.dtype.type(coef)
            g._version[0] += 1
    return total


clip_grad_norm = clip_grad_norm_


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    >>> w = chainrule.tensor([1.0, 1.0], requires_grad=True)
    >>> (w * chainrule.tensor([-3.0, 0.5])).sum().backward()
    >>> nn.utils.clip_grad_value_([w], clip_value=1.0)
    >>> w.grad
    tensor([-1.0000,  0.5000])
    """
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
        g._version[0] += 1
