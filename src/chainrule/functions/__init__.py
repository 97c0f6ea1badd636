"""The ops, and the one table that binds them to Tensor methods and operators.

tensor.py cannot import the ops (they make Tensors), so the operator methods are
attached here, in one visible place, when the package is imported.
"""
import numpy as np

from .. import dtypes
from ..tensor import Tensor
from . import elementwise as E, reduce as R, shape as S, index as I, linalg as L, inplace as P
from ._util import as_operand, cast
from .elementwise import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .index import (gather, scatter_add, scatter, index_select, take, masked_select, sort,  # noqa: F401
                    argsort, topk, one_hot, unique)
from .linalg import (matmul, mm, bmm, mv, dot, inner, vdot, outer, ger, einsum, linear)  # noqa: F401
from .conv import (conv1d, conv2d, conv3d, conv_transpose1d, conv_transpose2d,  # noqa: F401
                   conv_transpose3d, max_pool1d, max_pool2d, max_pool3d, avg_pool1d,
                   adaptive_avg_pool1d)

_make = Tensor._make


def _r(fn):
    """Reflected operator: other <op> self."""
    return lambda self, other: fn(other, self)


def _to(self, *args, dtype=None, device=None, copy=False, non_blocking=False, **kw):
    """to(dtype), to(device), to(tensor) or to(device, dtype): a differentiable cast."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif isinstance(a, dtypes.dtype) or (a in (float, int, bool)) or (
                isinstance(a, str) and a in dtypes._BY_NAME):
            dtype = a
        else:
            from ..tensor import device as _device
            _device(a)  # 'cpu' only; anything else is a clear error
    if device is not None:
        from ..tensor import device as _device
        _device(device)
    if dtype is None:
        return self.clone() if copy else self
    d = dtypes.get(dtype).np
    if d == self._data.dtype:
        return self.clone() if copy else self
    if self.requires_grad and d.kind != "f":
        return _make(self._data.astype(d))
    return cast(self, d)


def _type(self, dtype=None):
    if dtype is None:
        return "chainrule." + {"float32": "Float", "float64": "Double", "float16": "Half",
                               "int64": "Long", "int32": "Int", "int16": "Short",
                               "int8": "Char", "uint8": "Byte", "bool": "Bool"}[
            self.dtype.name] + "Tensor"
    return _to(self, dtype)


def _new_tensor(self, data, dtype=None, requires_grad=False):
    from ..creation import tensor
    return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)


def _new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    from ..creation import zeros
    return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    from ..creation import ones
    return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    from ..creation import full
    return full(size, fill_value, dtype=dtype or self.dtype, device=device,
                requires_grad=requires_grad)


def _new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    from ..creation import empty
    return empty(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    from ..random import rng
    return P.copy_(self, _make(rng(generator).uniform(a, b, self._data.shape)
                               .astype(self._data.dtype)))


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    from ..random import rng
    return P.copy_(self, _make((mean + std * rng(generator).standard_normal(self._data.shape))
                               .astype(self._data.dtype)))


def _bernoulli_(self, p=0.5, *, generator=None):
    from ..random import rng
    return P.copy_(self, _make((rng(generator).random(self._data.shape) < p)
                               .astype(self._data.dtype)))


def _random_(self, low=0, high=None, *, generator=None):
    from ..random import rng
    if high is None:
        low, high = 0, low
    return P.copy_(self, _make(rng(generator).integers(low, high, self._data.shape)
                               .astype(self._data.dtype)))


def _exponential_(self, lambd=1.0, *, generator=None):
    from ..random import rng
    return P.copy_(self, _make(rng(generator).exponential(1 / lambd, self._data.shape)
                               .astype(self._data.dtype)))


def _masked_fill_(self, mask, value):
    return P.apply_inplace(self, lambda a: E.masked_fill(a, mask, value), None, "masked_fill_")


def _clamp_(self, min=None, max=None):  # noqa: A002
    return P.apply_inplace(self, lambda a: E.clamp(a, min, max), None, "clamp_")


def _max_method(self, dim=None, keepdim=False):
    return R.max(self, dim, keepdim)


def _min_method(self, dim=None, keepdim=False):
    return R.min(self, dim, keepdim)


def _sum_to_size(self, *size):
    from . import dual
    shape = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
    return dual.sum_to(self, shape) if tuple(self.shape) != tuple(shape) else self


def _apply_(self, fn):
    self._data[...] = np.vectorize(fn)(self._data)
    self._version[0] += 1
    return self


TENSOR_METHODS = {
    # arithmetic operators
    # (the operators take fast paths for same-dtype tensors and tensor-number pairs)
    "__add__": E._op_add, "__radd__": E._op_radd, "__sub__": E._op_sub,
    "__rsub__": E._op_rsub, "__mul__": E._op_mul, "__rmul__": E._op_rmul,
    "__truediv__": E._op_div, "__rtruediv__": _r(E.div),
    "__floordiv__": E.floor_divide, "__rfloordiv__": _r(E.floor_divide),
    "__mod__": E.remainder, "__rmod__": _r(E.remainder),
    "__pow__": E.pow, "__rpow__": _r(E.pow), "__matmul__": L.matmul, "__rmatmul__": _r(L.matmul),
    "__neg__": E.neg, "__pos__": lambda self: self, "__abs__": E.abs,
    "__eq__": E.eq, "__ne__": E.ne, "__lt__": E.lt, "__le__": E.le, "__gt__": E.gt,
    "__ge__": E.ge, "__and__": E.bitwise_and, "__or__": E.bitwise_or,
    "__xor__": E.bitwise_xor, "__invert__": E.bitwise_not,
    "__getitem__": I.getitem, "__setitem__": P.setitem,
    # in place
    "__iadd__": P._binary_inplace("add_", E.add), "__isub__": P._binary_inplace("sub_", E.sub),
    "__imul__": P._binary_inplace("mul_", E.mul), "__itruediv__": P._binary_inplace("div_", E.div),
    "add_": P._binary_inplace("add_", E.add), "sub_": P._binary_inplace("sub_", E.sub),
    "mul_": P._binary_inplace("mul_", E.mul), "div_": P._binary_inplace("div_", E.div),
    "pow_": P._binary_inplace("pow_", E.pow),
    "clamp_": _clamp_, "clip_": _clamp_, "zero_": P.zero_, "fill_": P.fill_, "copy_": P.copy_,
    "masked_fill_": _masked_fill_, "uniform_": _uniform_, "normal_": _normal_,
    "bernoulli_": _bernoulli_, "random_": _random_, "exponential_": _exponential_,
    "relu_": P._unary_inplace("relu_", E.relu), "sigmoid_": P._unary_inplace("sigmoid_", E.sigmoid),
    "tanh_": P._unary_inplace("tanh_", E.tanh), "exp_": P._unary_inplace("exp_", E.exp),
    "neg_": P._unary_inplace("neg_", E.neg), "abs_": P._unary_inplace("abs_", E.abs),
    "sqrt_": P._unary_inplace("sqrt_", E.sqrt), "log_": P._unary_inplace("log_", E.log),
    "apply_": _apply_,
    # named arithmetic
    "add": E.add, "sub": E.sub, "subtract": E.sub, "mul": E.mul, "multiply": E.mul,
    "div": E.div, "divide": E.div, "true_divide": E.div, "floor_divide": E.floor_divide,
    "remainder": E.remainder, "pow": E.pow, "neg": E.neg, "negative": E.neg,
    "abs": E.abs, "absolute": E.abs, "sign": E.sign, "exp": E.exp, "log": E.log,
    "log2": E.log2, "log10": E.log10, "log1p": E.log1p, "expm1": E.expm1, "sqrt": E.sqrt,
    "rsqrt": E.rsqrt, "sin": E.sin, "cos": E.cos, "tanh": E.tanh, "sigmoid": E.sigmoid,
    "erf": E.erf, "relu": E.relu, "square": E.square, "reciprocal": E.reciprocal,
    "clamp": E.clamp, "clip": E.clamp, "maximum": E.maximum, "minimum": E.minimum,
    "masked_fill": E.masked_fill, "where": lambda self, cond, other: E.where(cond, self, other),
    "floor": E.floor, "ceil": E.ceil, "round": E.round_, "trunc": E.trunc, "frac": E.frac,
    "eq": E.eq, "ne": E.ne, "lt": E.lt, "le": E.le, "gt": E.gt, "ge": E.ge,
    "greater": E.gt, "less": E.lt, "isnan": E.isnan, "isinf": E.isinf, "isfinite": E.isfinite,
    "logical_not": E.logical_not, "logical_and": E.logical_and, "logical_or": E.logical_or,
    "equal": E.equal, "allclose": E.allclose, "isclose": E.isclose, "nonzero": E.nonzero,
    # reductions
    "sum": R.sum, "mean": R.mean, "prod": R.prod, "max": _max_method, "min": _min_method,
    "amax": R.amax, "amin": R.amin, "argmax": R.argmax, "argmin": R.argmin, "var": R.var,
    "std": R.std, "logsumexp": R.logsumexp, "norm": R.norm, "cumsum": R.cumsum,
    "cumprod": R.cumprod, "softmax": R.softmax, "log_softmax": R.log_softmax, "any": R.any,
    "all": R.all, "count_nonzero": R.count_nonzero, "sum_to_size": _sum_to_size,
    # shape
    "reshape": S.reshape, "view": S.view, "flatten": S.flatten, "unflatten": S.unflatten,
    "squeeze": S.squeeze, "unsqueeze": S.unsqueeze, "expand": S.expand,
    "expand_as": S.expand_as, "broadcast_to": S.broadcast_to, "permute": S.permute,
    "transpose": S.transpose, "swapaxes": S.transpose, "swapdims": S.transpose, "t": S.t,
    "movedim": S.movedim, "repeat": S.repeat, "contiguous": S.contiguous, "split": S.split,
    "chunk": S.chunk, "unbind": S.unbind, "narrow": S.narrow, "flip": S.flip, "roll": S.roll,
    "tril": S.tril, "triu": S.triu, "tensor_split": S.tensor_split,
    "view_as": lambda self, other: S.reshape(self, other.shape),
    "reshape_as": lambda self, other: S.reshape(self, other.shape),
    # indexing
    "gather": I.gather, "scatter_add": I.scatter_add, "scatter": I.scatter,
    "index_select": I.index_select, "masked_select": I.masked_select, "take": I.take,
    "sort": I.sort, "argsort": I.argsort, "topk": I.topk, "unique": I.unique,
    # linear algebra
    "matmul": L.matmul, "mm": L.mm, "bmm": L.bmm, "mv": L.mv, "dot": L.dot, "outer": L.outer,
    # conversion / copies
    "clone": lambda self, memory_format=None: E.Copy.apply(self), "to": _to, "type": _type,
    "float": lambda self: _to(self, dtypes.float32), "double": lambda self: _to(self, dtypes.float64),
    "half": lambda self: _to(self, dtypes.float16), "long": lambda self: _to(self, dtypes.int64),
    "int": lambda self: _to(self, dtypes.int32), "bool": lambda self: _to(self, dtypes.bool_),
    "byte": lambda self: _to(self, dtypes.uint8), "short": lambda self: _to(self, dtypes.int16),
    "cpu": lambda self: self, "cuda": lambda self, *a, **k: _to(self, "cuda"),
    "new_tensor": _new_tensor, "new_zeros": _new_zeros, "new_ones": _new_ones,
    "new_full": _new_full, "new_empty": _new_empty,
}

for _name, _fn in TENSOR_METHODS.items():
    setattr(Tensor, _name, _fn)
