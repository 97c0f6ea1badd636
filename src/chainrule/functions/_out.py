"""`out=`: PyTorch's way of writing an op's result into an existing tensor.

The public functions that PyTorch gives `out=` are wrapped here once (functions/__init__
lists them); the Tensor methods and operators stay unwrapped, so their hot path does not
pay for it.
"""
import functools
import warnings

import numpy as np

from .. import dtypes
from ..autograd.grad_mode import GRAD_ENABLED
from ..tensor import Tensor


def write_out(result, out, op="op"):
    """Copy `result` (a Tensor, or a tuple of them) into `out` and return `out`, with
    PyTorch's rules: no autograd through out=, a same-kind cast, a resize (with PyTorch's
    warning when `out` was not empty)."""
    if isinstance(result, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(result):
            raise TypeError(f"{op}(): argument 'out' must be a tuple of {len(result)} Tensors")
        written = [write_out(r, o, op) for r, o in zip(result, out)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}(): argument 'out' must be Tensor, not {type(out).__name__}")
    if GRAD_ENABLED[0] and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{op}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    r = result._data
    if not np.can_cast(r.dtype, out._data.dtype, "same_kind"):
        raise RuntimeError(f"{op}(): result type {dtypes.from_np(r.dtype).name.capitalize()} "
                           f"can't be cast to the desired output type "
                           f"{out.dtype.name.capitalize()}")
    if out._data.shape != r.shape:
        if out._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out._data.shape)}, which does not match the required output "
                          f"shape {list(r.shape)}. This behavior is deprecated (PyTorch's "
                          "warning; resize the output to zero elements first).", UserWarning,
                          stacklevel=3)
        out._data = np.empty(r.shape, out._data.dtype)
    np.copyto(out._data, r, casting="unsafe")
    out._version[0] += 1
    return out


def with_out(fn, name=None):
    """fn with PyTorch's keyword `out=` (the plain call unchanged)."""
    op = name or getattr(fn, "__name__", "op")

    @functools.wraps(fn)
    def f(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        return write_out(fn(*args, **kwargs), out, op)
    f.__wrapped_for_out__ = True
    return f


def add_out(namespace, names):
    """Wrap namespace[name] for each name (once)."""
    for n in names:
        fn = namespace.get(n)
        if fn is not None and not getattr(fn, "__wrapped_for_out__", False):
            namespace[n] = with_out(fn, n)
