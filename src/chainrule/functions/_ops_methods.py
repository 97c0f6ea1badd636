"""Tensor methods for the math, cumulative, diagonal, index and order-statistics ops
(their in-place `_` variants too) and the shift / in-place bitwise operators: a second
binding table, applied by functions/__init__ after the first, in the same way."""
from . import elementwise as E, reduce as R, shape as S, index as I, inplace as P
from . import special as SP, products as PR
from ._util import dim_aliases
from .. import creation
from ..tensor import Tensor


def _u(name, fn):
    return P._unary_inplace(name, fn)


def _b(name, fn):
    return P._binary_inplace(name, fn)


def _rev(fn):
    return lambda self, other: fn(other, self)


def _inplace_bits(name, fn):
    """In-place integer ops (&=, <<=, ...): a same-dtype write, never recorded."""
    def method(self, other):
        res = fn(self, other)
        return P.copy_(self, res) if res._data.dtype == self._data.dtype or \
            res._data.dtype.kind == self._data.dtype.kind else _cast_error(name, res, self)
    method.__name__ = name
    return method


def _cast_error(name, res, t):
    raise RuntimeError(f"{name}: result type {res.dtype.name.capitalize()} can't be cast to the "
                       f"desired output type {t.dtype.name.capitalize()}")


def _lerp_(self, end, weight):
    return P.apply_inplace(self, lambda a, e: E.lerp(a, e, weight), end, "lerp_")


def _cum_(name, fn):
    def method(self, dim, *, dtype=None):
        return P.apply_inplace(self, lambda a: fn(a, dim, dtype=dtype), None, name)
    method.__name__ = name
    return method


def _index_inplace(name, fn, pos):
    """x.index_add_(dim, index, source, ...) and friends: the out-of-place op, written back;
    the tensor argument at `pos` (source, src, values) stays in the graph."""
    def method(self, *args, **kw):
        if len(args) > pos and isinstance(args[pos], Tensor):
            def f(a, other):
                return fn(a, *args[:pos], other, *args[pos + 1:], **kw)
            return P.apply_inplace(self, f, args[pos], name)
        return P.apply_inplace(self, lambda a: fn(a, *args, **kw), None, name)
    method.__name__ = name
    return method


def _clamp_method(self, min=None, max=None):  # noqa: A002
    return E.clamp(self, min, max)


def _polygamma(self, n):
    return SP.polygamma(n, self)


def _polygamma_(self, n):
    return P.apply_inplace(self, lambda a: SP.polygamma(n, a), None, "polygamma_")


def _logit_(self, eps=None):
    return P.apply_inplace(self, lambda a: E.logit(a, eps), None, "logit_")


def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return P.apply_inplace(self, lambda a: E.nan_to_num(a, nan, posinf, neginf), None,
                           "nan_to_num_")


def _float_power_(self, exponent):
    if self._data.dtype.name != "float64":
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype.name.capitalize()}"
                           " but the operation's result requires dtype Double")
    return P.apply_inplace(self, lambda a: E.float_power(a, exponent), None, "float_power_")


def _max(self, dim=None, keepdim=False):
    return R.max(self, dim, keepdim)


def _min(self, dim=None, keepdim=False):
    return R.min(self, dim, keepdim)


_UNARY = {
    "tan": E.tan, "asin": E.asin, "acos": E.acos, "atan": E.atan, "sinh": E.sinh,
    "cosh": E.cosh, "asinh": E.asinh, "acosh": E.acosh, "atanh": E.atanh, "exp2": E.exp2,
    "sinc": E.sinc, "erfc": SP.erfc, "erfinv": SP.erfinv, "lgamma": SP.lgamma,
    "digamma": SP.digamma, "expm1": E.expm1, "log1p": E.log1p, "log2": E.log2,
    "log10": E.log10, "frac": E.frac, "trunc": E.trunc, "floor": E.floor, "ceil": E.ceil,
    "sign": E.sign, "sin": E.sin, "cos": E.cos, "square": E.square,
    "reciprocal": E.reciprocal, "rsqrt": E.rsqrt, "erf": E.erf, "fix": E.trunc,
    "arcsin": E.asin, "arccos": E.acos, "arctan": E.atan, "arcsinh": E.asinh,
    "arccosh": E.acosh, "arctanh": E.atanh, "negative": E.neg, "absolute": E.abs,
}
_BINARY = {
    "atan2": E.atan2, "arctan2": E.atan2, "hypot": E.hypot, "copysign": E.copysign,
    "fmod": E.fmod, "remainder": E.remainder, "xlogy": E.xlogy, "heaviside": E.heaviside,
    "bitwise_and": E.bitwise_and, "bitwise_or": E.bitwise_or, "bitwise_xor": E.bitwise_xor,
    "bitwise_left_shift": E.bitwise_left_shift, "bitwise_right_shift": E.bitwise_right_shift,
    "logical_and": E.logical_and, "logical_or": E.logical_or, "logical_xor": E.logical_xor,
    "maximum": E.maximum, "minimum": E.minimum, "floor_divide": E.floor_divide,
    "multiply": E.mul, "subtract": E.sub, "divide": E.div, "true_divide": E.div,
}

OPS_METHODS = {}
OPS_METHODS.update(_UNARY)
OPS_METHODS.update({n + "_": _u(n + "_", f) for n, f in _UNARY.items()})
OPS_METHODS.update(_BINARY)
OPS_METHODS.update({n + "_": _b(n + "_", f) for n, f in _BINARY.items()})
OPS_METHODS.update({
    "logaddexp": E.logaddexp, "logaddexp2": E.logaddexp2, "lerp": E.lerp, "lerp_": _lerp_,
    "float_power": E.float_power, "float_power_": _float_power_,
    "logit": E.logit, "logit_": _logit_, "nan_to_num": E.nan_to_num,
    "nan_to_num_": _nan_to_num_, "polygamma": _polygamma, "polygamma_": _polygamma_,
    "mvlgamma": SP.mvlgamma, "clamp": _clamp_method, "clip": _clamp_method,
    "bitwise_not": E.bitwise_not, "bitwise_not_": _u("bitwise_not_", E.bitwise_not),
    "logical_not_": _u("logical_not_", E.logical_not),
    # operators
    "__lshift__": E.bitwise_left_shift, "__rshift__": E.bitwise_right_shift,
    "__rlshift__": _rev(E.bitwise_left_shift), "__rrshift__": _rev(E.bitwise_right_shift),
    "__rand__": _rev(E.bitwise_and), "__ror__": _rev(E.bitwise_or),
    "__rxor__": _rev(E.bitwise_xor),
    "__ilshift__": _inplace_bits("__ilshift__", E.bitwise_left_shift),
    "__irshift__": _inplace_bits("__irshift__", E.bitwise_right_shift),
    "__iand__": _inplace_bits("__iand__", E.bitwise_and),
    "__ior__": _inplace_bits("__ior__", E.bitwise_or),
    "__ixor__": _inplace_bits("__ixor__", E.bitwise_xor),
    "__ipow__": P._binary_inplace("pow_", E.pow),
    "__imod__": P._binary_inplace("remainder_", E.remainder),
    "__ifloordiv__": P._binary_inplace("floor_divide_", E.floor_divide),
    # reductions (axis= / keepdims= accepted), cumulative ops, order statistics
    "max": dim_aliases(_max), "min": dim_aliases(_min), "sum": R.sum, "mean": R.mean,
    "prod": R.prod, "amax": R.amax, "amin": R.amin, "argmax": R.argmax, "argmin": R.argmin,
    "var": R.var, "std": R.std, "logsumexp": R.logsumexp, "norm": R.norm, "any": R.any,
    "all": R.all, "count_nonzero": R.count_nonzero, "softmax": R.softmax,
    "log_softmax": R.log_softmax, "cumsum": R.cumsum, "cumprod": R.cumprod,
    "cumsum_": _cum_("cumsum_", R.cumsum), "cumprod_": _cum_("cumprod_", R.cumprod),
    "cummax": R.cummax, "cummin": R.cummin, "logcumsumexp": R.logcumsumexp,
    "median": R.median, "nanmedian": R.nanmedian, "kthvalue": R.kthvalue, "mode": R.mode,
    "quantile": R.quantile, "nanquantile": R.nanquantile, "nansum": R.nansum,
    "nanmean": R.nanmean, "aminmax": R.aminmax, "histc": R.histc, "bincount": R.bincount,
    # diagonals, windows, repeats, products
    "diag": creation.diag, "diagonal": S.diagonal, "diag_embed": S.diag_embed,
    "diagflat": S.diagflat, "trace": S.trace, "unfold": S.unfold,
    "repeat_interleave": S.repeat_interleave, "diff": S.diff, "rot90": S.rot90,
    "kron": PR.kron, "cross": PR.cross, "squeeze": S.squeeze, "flatten": S.flatten,
    "split": S.split, "chunk": S.chunk, "narrow": S.narrow, "unbind": S.unbind,
    "tensor_split": S.tensor_split,
    # indexing
    "scatter_": _index_inplace("scatter_", I.scatter, 2),
    "scatter_add_": _index_inplace("scatter_add_", I.scatter_add, 2),
    "scatter_reduce": I.scatter_reduce,
    "scatter_reduce_": _index_inplace("scatter_reduce_", I.scatter_reduce, 2),
    "index_add": I.index_add, "index_add_": _index_inplace("index_add_", I.index_add, 2),
    "index_copy": I.index_copy, "index_copy_": _index_inplace("index_copy_", I.index_copy, 2),
    "index_fill": I.index_fill, "index_fill_": _index_inplace("index_fill_", I.index_fill, 2),
    "index_put": I.index_put, "index_put_": _index_inplace("index_put_", I.index_put, 1),
    "masked_scatter": I.masked_scatter,
    "masked_scatter_": _index_inplace("masked_scatter_", I.masked_scatter, 1),
    "take_along_dim": I.take_along_dim, "nonzero": E.nonzero,
    "argwhere": lambda self: E.nonzero(self),
})
