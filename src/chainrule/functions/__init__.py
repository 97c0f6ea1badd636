"""The ops, and the one table that binds them to Tensor methods and operators.

tensor.py cannot import the ops (they make Tensors), so the operator methods are
attached here, in one visible place, when the package is imported.
"""
import builtins

import numpy as np

from .. import dtypes
from ..tensor import Tensor
from . import elementwise as E, reduce as R, shape as S, index as I, linalg as L, inplace as P
from . import decomp as D, inplace_shape as Q
from .inplace_shape import as_strided  # noqa: F401
from ._util import as_operand, cast
from ..tensor import on_cpu, device as _device
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


# (this module's namespace holds the ops all, int, float, ...: the builtins by name)
_PY_TYPES = (builtins.float, builtins.int, builtins.bool)


def _to_args(args, kwargs):
    """PyTorch's .to() signatures -> (dtype, device, non_blocking, copy, memory_format):
    to(dtype, non_blocking=False, copy=False, memory_format=...),
    to(device=None, dtype=None, non_blocking=False, copy=False, memory_format=...),
    to(tensor, non_blocking=False, copy=False)."""
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    flags = [kwargs.pop("non_blocking", False), kwargs.pop("copy", False)]
    memory_format = kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got an "
                        f"unexpected keyword argument '{next(iter(kwargs))}'")
    args = list(args)
    if args and isinstance(args[0], Tensor):
        other = args.pop(0)
        dtype, device = other.dtype, other.device
    elif args and (isinstance(args[0], dtypes.dtype) or args[0] in _PY_TYPES):
        dtype = args.pop(0)
    elif args and (args[0] is None or isinstance(args[0], (str, _device, builtins.int))
                   and not isinstance(args[0], builtins.bool)):
        device = args.pop(0)
        if isinstance(device, str) and device in dtypes._BY_NAME:
            dtype, device = device, None  # to("float64"): a dtype by name (chainrule extra)
        if args and (isinstance(args[0], dtypes.dtype) or args[0] in _PY_TYPES):
            dtype = args.pop(0)
    if len(args) > 2 or not builtins.all(isinstance(a, builtins.bool) for a in args):
        raise TypeError(f"to() received an invalid combination of arguments - got "
                        f"({', '.join(type(a).__name__ for a in args)}), but expected one of: "
                        "(dtype, non_blocking=False, copy=False), (device=None, dtype=None, "
                        "non_blocking=False, copy=False), (Tensor other, non_blocking=False, "
                        "copy=False)")
    flags[:len(args)] = args
    if device is not None:
        on_cpu(device, "to")
    return dtype, device, flags[0], flags[1], memory_format


def _to(self, *args, **kwargs):
    """to(dtype), to(device), to(tensor) or to(device, dtype): a differentiable cast.

    >>> x = torch.tensor([1.5, 2.0])
    >>> x.to(torch.float64)
    tensor([1.5000, 2.0000], dtype=chainrule.float64)
    >>> x.to("cpu") is x
    True
    >>> x.to(torch.zeros(1, dtype=torch.int64))
    tensor([1, 2])
    >>> x.to("cpu", torch.int32, copy=True)
    tensor([1, 2], dtype=chainrule.int32)
    """
    dtype, _, _, copy, memory_format = _to_args(args, kwargs)
    if memory_format is not None and memory_format.name not in ("preserve_format",):
        from ..tensor_types import as_memory_format
        arr = as_memory_format(self._data, self, memory_format, "to")
        if arr is not self._data:
            self = _contiguous_as(self, arr)
            copy = False
    if dtype is None:
        return self.clone() if copy else self
    d = dtypes.get(dtype).np
    if d == self._data.dtype:
        return self.clone() if copy else self
    if self.requires_grad and d.kind != "f":
        return _make(self._data.astype(d))
    return cast(self, d)


def _contiguous_as(t, arr):
    """t's values in the array `arr` (another memory layout), recorded as a copy."""
    out = E.Copy.apply(t)
    out._data = arr
    return out


def _contiguous(self, memory_format=None):
    """Itself when laid out as `memory_format` (row-major by default), else a copy that is."""
    if memory_format is None or memory_format.name == "contiguous_format":
        return S.contiguous(self)
    from ..tensor_types import as_memory_format
    arr = as_memory_format(self._data, self, memory_format)
    return self if arr is self._data else _contiguous_as(self, arr)


def _type(self, dtype=None, non_blocking=False, **kwargs):
    """x.type() -> 'torch.FloatTensor'; x.type(torch.LongTensor / 'torch.LongTensor' /
    torch.int64) -> the cast."""
    from ..tensor_types import type_string, type_target
    if dtype is None:
        return type_string(self)
    return _to(self, type_target(dtype))


def _type_as(self, other):
    """This tensor cast to other's dtype."""
    return _to(self, other.dtype)


def _cuda(self, device=None, non_blocking=False, memory_format=None):
    on_cpu("cuda" if device is None else
           device if isinstance(device, (str, _device)) else f"cuda:{device}", "cuda")


def _sparse():
    from .. import sparse  # sparse.py builds on these ops: bound on first use
    return sparse


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
    "unsqueeze_": Q.unsqueeze_, "squeeze_": Q.squeeze_, "t_": Q.t_, "transpose_": Q.transpose_,
    "swapaxes_": Q.transpose_, "swapdims_": Q.transpose_, "resize_": Q.resize_,
    "resize_as_": Q.resize_as_, "as_strided": Q.as_strided, "storage_offset": Q.storage_offset,
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
    "movedim": S.movedim, "repeat": S.repeat, "contiguous": _contiguous, "split": S.split,
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
    "det": D.det, "logdet": D.logdet, "slogdet": D.slogdet, "inverse": D.inverse,
    "pinverse": D.pinverse, "matrix_power": D.matrix_power, "cholesky": D.cholesky_legacy,
    "svd": D.svd_legacy, "cholesky_solve": D.cholesky_solve,
    "cholesky_inverse": D.cholesky_inverse,
    # conversion / copies
    "clone": lambda self, memory_format=None: E.Copy.apply(self), "to": _to, "type": _type,
    "float": lambda self: _to(self, dtypes.float32), "double": lambda self: _to(self, dtypes.float64),
    "half": lambda self: _to(self, dtypes.float16), "long": lambda self: _to(self, dtypes.int64),
    "int": lambda self: _to(self, dtypes.int32), "bool": lambda self: _to(self, dtypes.bool_),
    "byte": lambda self: _to(self, dtypes.uint8), "short": lambda self: _to(self, dtypes.int16),
    "cpu": lambda self, memory_format=None: self, "cuda": _cuda, "type_as": _type_as,
    "char": lambda self: _to(self, dtypes.int8),
    "to_sparse": lambda self, *a, **k: _sparse().to_sparse(self, *a, **k),
    "to_dense": lambda self, dtype=None, *, masked_grad=None: self if dtype is None else _to(
        self, dtype),
    "new_tensor": _new_tensor, "new_zeros": _new_zeros, "new_ones": _new_ones,
    "new_full": _new_full, "new_empty": _new_empty,
}

for _name, _fn in TENSOR_METHODS.items():
    setattr(Tensor, _name, _fn)

# --- the rest of PyTorch's op surface (issue 10): math, bitwise, cumulative, diagonal,
# index and order-statistics ops, their Tensor methods and in-place variants, and out=.
from .elementwise import (tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh,  # noqa: F401,E402
                          arcsin, arccos, arctan, arcsinh, arccosh, arctanh, exp2, sinc,
                          atan2, arctan2, hypot, logaddexp, logaddexp2, copysign, fmod, xlogy,
                          lerp, logit, nan_to_num, heaviside, float_power, bitwise_left_shift,
                          bitwise_right_shift)
from .special import lgamma, digamma, polygamma, erfc, erfinv, mvlgamma  # noqa: F401,E402
from .index import (scatter_reduce, index_add, index_copy, index_fill, index_put,  # noqa: F401,E402
                    masked_scatter, take_along_dim)
from .products import tensordot, kron, cross, cdist  # noqa: F401,E402
from ._ops_methods import OPS_METHODS  # noqa: E402
from ._out import add_out as _add_out  # noqa: E402

TENSOR_METHODS.update(OPS_METHODS)
for _name, _fn in OPS_METHODS.items():
    setattr(Tensor, _name, _fn)
argwhere = nonzero  # noqa: F405
_add_out(globals(), [
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
    "floor_divide", "remainder", "fmod", "pow", "float_power", "neg", "negative", "abs",
    "absolute", "sign", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
    "rsqrt", "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "erf", "erfc", "erfinv",
    "lgamma", "digamma", "polygamma", "sinc", "logit", "xlogy", "atan2", "arctan2", "hypot",
    "logaddexp", "logaddexp2", "copysign", "lerp", "nan_to_num", "heaviside", "square",
    "reciprocal", "clamp", "clip", "maximum", "minimum", "floor", "ceil", "round", "trunc",
    "frac", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "bitwise_left_shift",
    "bitwise_right_shift", "logical_and", "logical_or", "logical_xor", "logical_not", "eq",
    "ne", "lt", "le", "gt", "ge", "where", "matmul", "mm", "bmm", "mv", "dot", "outer",
    "cat", "concat", "concatenate", "stack", "hstack", "vstack", "sum", "mean", "prod",
    "amax", "amin", "max", "min", "argmax", "argmin", "var", "std", "logsumexp", "norm",
    "cumsum", "cumprod", "cummax", "cummin", "logcumsumexp", "median", "nanmedian",
    "kthvalue", "mode", "quantile", "nanquantile", "nansum", "nanmean", "aminmax",
    "count_nonzero", "histc", "bincount", "bucketize", "searchsorted", "diag", "diagflat",
    "trace", "tril", "triu", "kron", "cross", "tensordot", "cdist", "gather", "index_select",
    "take_along_dim", "masked_select", "sort", "topk", "nonzero", "argwhere",
    "repeat_interleave", "diff", "rot90", "isnan", "isinf", "isfinite", "isclose"])
# --- issue 10, opdbA: the remaining small elementwise / binary / sorting / creation ops.
from .gap_a import (angle, conj, conj_physical, real, resolve_conj, resolve_neg,  # noqa: F401,E402
                    deg2rad, rad2deg, frexp, isposinf, isneginf, isreal, signbit, sgn, fmax,
                    fmin, gcd, lcm, ldexp, nextafter, rsub, clamp_min, clamp_max, msort,
                    cumulative_trapezoid, unique_consecutive, empty_strided, empty_permuted,
                    scalar_tensor, GAP_A_METHODS)
TENSOR_METHODS.update(GAP_A_METHODS)
for _name, _fn in GAP_A_METHODS.items():
    setattr(Tensor, _name, _fn)
from .gap_a import trapezoid, trapz  # noqa: F401,E402
from .gap_b import (positive, isin, cov, corrcoef, renorm, unravel_index,  # noqa: F401,E402
                    constant_pad_nd, qr, alias_copy, fill, GAP_B_METHODS)
TENSOR_METHODS.update(GAP_B_METHODS)
for _name, _fn in GAP_B_METHODS.items():
    setattr(Tensor, _name, _fn)
# --- issue 10, opdbA: torch.i0 / igamma / igammac (the rest of torch.special is chainrule.special)
from .special_more import i0, igamma, igammac  # noqa: F401,E402
from . import special_more as _special_more  # noqa: E402
_SPECIAL_METHODS = {"i0": i0, "igamma": igamma, "igammac": igammac,
                    "xlog1py": _special_more.xlog1py}
TENSOR_METHODS.update(_SPECIAL_METHODS)
for _name, _fn in _SPECIAL_METHODS.items():
    setattr(Tensor, _name, _fn)
# --- dtype shorthands with PyTorch's memory_format= (x.float(memory_format=...)), and the
# in-place ops PyTorch also exposes as torch functions (torch.zero_, torch.resize_as_).
def _cast_shorthand(name, dtype):
    def method(self, memory_format=None):
        return _to(self, dtype, memory_format=memory_format)
    method.__name__ = name
    method.__doc__ = (f"self.to({dtype!r}, memory_format=memory_format) (Tensor.{name}).\n\n"
                      f"    >>> chainrule.ones(2).{name}().dtype\n    {dtype!r}\n    ")
    return method
for _name, _dt in (("float", dtypes.float32), ("double", dtypes.float64),
                   ("half", dtypes.float16), ("long", dtypes.int64), ("int", dtypes.int32),
                   ("bool", dtypes.bool_), ("byte", dtypes.uint8), ("short", dtypes.int16),
                   ("char", dtypes.int8)):
    TENSOR_METHODS[_name] = _cast_shorthand(_name, _dt)
    setattr(Tensor, _name, TENSOR_METHODS[_name])
zero_ = P.zero_
resize_as_ = Q.resize_as_
# mH / adjoint(): the conjugate transpose of the last two dims; chainrule is real, so mT.
Tensor.mH = property(lambda self: self.mT, doc="The last two dims swapped (real: mT).")
TENSOR_METHODS["adjoint"] = lambda self: self.mT
Tensor.adjoint = TENSOR_METHODS["adjoint"]
adjoint = TENSOR_METHODS["adjoint"]
adjoint.__doc__ = """The conjugate transpose of the last two dims (mH); chainrule is real, so mT.

>>> torch.tensor([[1, 2], [3, 4]]).adjoint()
tensor([[1, 3],
        [2, 4]])
"""
# more shape, index and linear-algebra ops (issue 10): torch functions and Tensor methods
from .products import (addmm, addmv, addr, baddbmm, addbmm, addcmul, addcdiv,  # noqa: F401,E402
                       dist)
from .decomp import matrix_exp  # noqa: F401,E402
for _name in ("ravel", "hsplit", "vsplit", "dsplit", "tile", "select", "split_with_sizes",
              "unsafe_split", "unsafe_chunk", "narrow_copy", "addmm", "addmv", "addr",
              "baddbmm", "addbmm", "addcmul", "addcdiv", "dist", "matrix_exp", "moveaxis",
              "flipud", "fliplr"):
    if _name in globals() and not hasattr(Tensor, _name):
        TENSOR_METHODS[_name] = globals()[_name]
        setattr(Tensor, _name, globals()[_name])
