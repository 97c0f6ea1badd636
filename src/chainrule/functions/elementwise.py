"""Elementwise ops: arithmetic with broadcasting, unary math, activations, comparisons.

Each op is one class: forward on arrays, backward with `dual` helpers (see dual.py).
Broadcast gradients are reduced to the input's shape by `dual.sum_to`, nowhere else.
"""
import math

import numpy as np

from . import dual
from ._util import as_operand, broadcast_error, cast, floating, promote
from .. import dtypes
from ..autograd.function import Op, apply1, apply2
from ..tensor import Tensor

_make = Tensor._make
sum_to = dual.sum_to


# --- binary arithmetic ------------------------------------------------------------------
class Add(Op):
    saves = False

    def forward(self, a, b):
        try:
            out = a + b
        except ValueError:
            raise broadcast_error("add", a, b) from None
        sa, sb = a.shape, b.shape
        self.shapes = None if sa == sb else (sa, sb)   # None: no broadcasting to undo
        return out

    def backward(self, g):
        na, nb = self.needs_input_grad
        if self.shapes is None:  # g has both inputs' shape
            return g if na else None, g if nb else None
        sa, sb = self.shapes
        return sum_to(g, sa) if na else None, sum_to(g, sb) if nb else None


class Sub(Op):
    saves = False

    def forward(self, a, b):
        try:
            out = a - b
        except ValueError:
            raise broadcast_error("sub", a, b) from None
        self.shapes = (a.shape, b.shape)
        return out

    def backward(self, g):
        sa, sb = self.shapes
        return sum_to(g, sa), sum_to(-g, sb)


class Mul(Op):
    saved_attrs = ()  # reads its inputs (graph structure): nothing extra to release

    def forward(self, a, b):
        try:
            return a * b
        except ValueError:
            raise broadcast_error("mul", a, b) from None

    def backward(self, g):
        a, b = self.saved_inputs()
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            ga = g * b
            if ga.shape != a.shape:
                ga = sum_to(ga, a.shape)
        if nb:
            gb = g * a
            if gb.shape != b.shape:
                gb = sum_to(gb, b.shape)
        return ga, gb


class Div(Op):
    saved_attrs = ()

    def forward(self, a, b):
        try:
            return a / b
        except ValueError:
            raise broadcast_error("div", a, b) from None

    def backward(self, g):
        a, b = self.saved_inputs()
        na, nb = self.needs_input_grad
        ga = sum_to(g / b, a.shape) if na else None
        gb = sum_to(-g * a / (b * b), b.shape) if nb else None
        return ga, gb


def _int_pow_negative(a, b):
    """Integer a ** b where some b < 0, as PyTorch computes it (NumPy refuses): 1 ** b = 1,
    (-1) ** b = +-1 by b's parity, anything else ** negative = 0 (the truncated quotient)."""
    a, b = np.broadcast_arrays(a, b)
    neg = b < 0
    out = np.power(a, np.where(neg, 0, b))
    odd = (b % 2) != 0
    small = np.where(a == 1, 1, np.where(a == -1, np.where(odd, -1, 1), 0))
    return np.where(neg, small.astype(out.dtype), out)


class Pow(Op):
    """a ** b with both tensors. d/da = b a^(b-1); d/db = a^b log a (0 where a == 0)."""

    def forward(self, a, b):
        try:
            if a.dtype.kind in "iu" and b.dtype.kind in "iu" and (b < 0).any():
                out = _int_pow_negative(a, b)
            else:
                out = np.power(a, b)
        except ValueError:
            raise broadcast_error("pow", a, b) from None
        return out.astype(a.dtype, copy=False)  # NumPy gives int8 for bool ** bool

    def backward(self, g):
        with np.errstate(divide="ignore", invalid="ignore"):  # edges are masked below
            return self._grads(g)

    def _grads(self, g):
        a, b = self.saved_inputs()
        na, nb = self.needs_input_grad
        ad = a if dual.is_array(a) else a._data
        bd = b if dual.is_array(b) else b._data
        ga = gb = None
        if na:  # a^0 is constant: gradient 0 even at a == 0 (not 0 * inf), as in PyTorch
            ga = g * b * a ** (b - 1)
            both = (bd == 0) & (ad == 0)
            if both.any():
                ga = dual.where(both, 0.0, ga)
            ga = sum_to(ga, a.shape)
        if nb:  # a^b log a; 0 where a == 0 and b >= 0 (-inf for b < 0, NaN for a < 0: PyTorch)
            zero = (ad == 0) & (bd >= 0)
            gb = g * a ** b * dual.log(dual.where(zero, 1.0, a) if zero.any() else a)
            gb = sum_to(gb, b.shape)
        return ga, gb


class PowScalar(Op):
    """x ** p for a Python number p."""

    def forward(self, x, p):
        self.p = p
        return np.power(x, p, dtype=x.dtype) if x.dtype.kind == "f" else np.power(x, p)

    def backward(self, g):
        (x,) = self.saved_inputs()
        p = self.p
        if p == 2:
            return g * (2 * x)
        if p == 1:
            return g
        if p == 0:
            return g * 0
        return g * (p * x ** (p - 1))


class RPowScalar(Op):
    """c ** x for a Python number c: d/dx = c^x log c."""
    saves_output = True

    def forward(self, x, c):
        self.logc = math.log(c) if c > 0 else float("nan")
        return np.power(np.asarray(c, x.dtype), x)

    def backward(self, g):
        return g * self.output() * self.logc


class Maximum(Op):
    """Elementwise max; ties send half the gradient to each input (PyTorch's rule)."""

    def forward(self, a, b):
        try:
            return np.maximum(a, b)
        except ValueError:
            raise broadcast_error("maximum", a, b) from None

    def backward(self, g):
        self.check_versions()  # the tie mask needs the values maximum saw
        a, b = (t._data for t in self.inputs)
        w = (a > b) + 0.5 * (a == b)
        w = w.astype(a.dtype)
        return sum_to(g * w, a.shape), sum_to(g * (1 - w), b.shape)


class Minimum(Op):
    def forward(self, a, b):
        try:
            return np.minimum(a, b)
        except ValueError:
            raise broadcast_error("minimum", a, b) from None

    def backward(self, g):
        self.check_versions()  # the tie mask needs the values maximum saw
        a, b = (t._data for t in self.inputs)
        w = ((a < b) + 0.5 * (a == b)).astype(a.dtype)
        return sum_to(g * w, a.shape), sum_to(g * (1 - w), b.shape)


class Where(Op):
    """where(cond, a, b): the branch not taken gets an exact zero gradient (no NaN leak)."""
    saves = False

    def forward(self, a, b, cond):
        self.cond, self.shapes = cond, (a.shape, b.shape)
        if a.ndim == 0 and a.dtype == b.dtype and b.shape == np.broadcast_shapes(
                cond.shape, b.shape):
            # masked_fill: a copy of b with the scalar written through the mask (a
            # broadcast mask such as a causal tril), ~20% faster than np.where.
            out = b.copy()
            np.copyto(out, a, where=cond)
            return out
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise broadcast_error("where", a, b) from None

    def backward(self, g):
        sa, sb = self.shapes
        na, nb = self.needs_input_grad
        c = self.cond
        if nb and type(g) is np.ndarray and sb == g.shape:
            gb = g.copy()                       # where(c, 0, g), without np.where
            np.copyto(gb, 0, where=c)
        else:
            gb = sum_to(dual.where(c, 0.0, g), sb) if nb else None
        return (sum_to(dual.where(c, g, 0.0), sa) if na else None, gb)


# --- unary ------------------------------------------------------------------------------
class Neg(Op):
    saves = False

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Cast(Op):
    """A dtype change; the gradient is cast back to the input's dtype."""
    saves = False

    def forward(self, x, dtype):
        self.src = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        if dual.is_array(g):
            return g.astype(self.src, copy=False)
        return g.to(dtypes.from_np(self.src))


class Copy(Op):
    """clone(): a new array, gradient passes through."""
    saves = False

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


class Abs(Op):
    def forward(self, x):
        return np.abs(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        return g * np.sign(xd)  # |x|'(0) = 0


class Exp(Op):
    saves_output = True
    saved_attrs = ("_out", "_options")

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output()


class Expm1(Op):
    saves_output = True

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g):
        return g * (self.output() + 1)


class Log(Op):
    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / x


class Log1p(Op):
    def forward(self, x):
        return np.log1p(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / (x + 1)


class Sqrt(Op):
    saves_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g):
        return g / (2 * self.output())


class Rsqrt(Op):
    saves_output = True

    def forward(self, x):
        return 1 / np.sqrt(x)

    def backward(self, g):
        y = self.output()
        return g * (-0.5) * y * y * y


class Sin(Op):
    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * dual.cos(x)


class Cos(Op):
    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return -g * dual.sin(x)


class Tanh(Op):
    saves_output = True
    saved_attrs = ("_out", "_options")

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        y = self.output()
        gy = g * y
        return g - gy * y   # g (1 - y^2) without a Python-scalar ufunc (2x dearer on small arrays)


class Sigmoid(Op):
    saves_output = True
    saved_attrs = ("_out", "_options")

    def forward(self, x):
        return dual._np_sigmoid(x)

    def backward(self, g):
        y = self.output()
        return g * y * (1 - y)


class Erf(Op):
    def forward(self, x):
        return dual._np_erf(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * (2 / math.sqrt(math.pi)) * dual.exp(-x * x)


def _zeros_for(x):
    """Zeros to take maximum(x, zeros) against. NumPy's maximum against a scalar misses
    its SIMD loop (AVX2, NumPy 2.4): about 3x slower on arrays that fit in cache, where a
    full array of zeros is fastest; on bigger arrays zeros over the trailing dims (at least
    64 elements), broadcast over the rest, stay in cache: ~1.6x faster than either."""
    if x.size < 1 << 20:
        return np.zeros(x.shape, x.dtype)
    k, m = x.ndim, 1
    while k > 0 and m < 64:
        k -= 1
        m *= x.shape[k]
    return np.zeros(x.shape[k:], x.dtype)


class Relu(Op):
    saved_attrs = ("mask",)

    def forward(self, x):
        if self.needs_input_grad:  # recorded: backward needs the mask (inference does not)
            self.mask = x > 0   # relu'(0) = 0
        if x.size >= 4096:
            return np.maximum(x, _zeros_for(x))
        return np.maximum(x, 0, dtype=x.dtype)

    def backward(self, g):
        return g * self.mask


class LeakyRelu(Op):
    def forward(self, x, slope):
        self.slope = np.where(x > 0, 1, slope).astype(x.dtype)
        return x * self.slope

    def backward(self, g):
        return g * self.slope


class Elu(Op):
    def forward(self, x, alpha):
        self.alpha = alpha
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        neg = dual.exp(x) * self.alpha  # derivative for x <= 0
        return g * dual.where(xd > 0, 1.0, neg)


class Gelu(Op):
    """GELU, exact (x Phi(x)) or PyTorch's tanh approximation."""

    def forward(self, x, approximate="none"):
        self.approximate = approximate
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            return (0.5 * x * (1 + np.tanh(k * (x + 0.044715 * x ** 3)))).astype(x.dtype)
        if x.dtype == np.float32 and x.size >= 64:
            # A transformer's MLP calls this on millions of activations: compute Phi(x) in
            # float32 (NumPy's float32 exp is SIMD; float64's is not on most CPUs) and keep
            # it for backward instead of evaluating erf twice.
            cdf = _phi_f32(x)
            self.cdf = cdf
            return x * cdf
        return (0.5 * x * (1 + dual._np_erf(x / math.sqrt(2)))).astype(x.dtype)

    def backward(self, g):
        (x,) = self.saved_inputs()
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = dual.tanh(k * (x + 0.044715 * x * x * x))
            d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)
            return g * d
        cdf = self.__dict__.get("cdf")
        if cdf is not None and dual.is_array(x):
            pdf = np.multiply(x, x)
            pdf *= np.float32(-0.5)             # exactly -0.5 * x * x
            np.exp(pdf, out=pdf)
            pdf *= np.float32(1 / math.sqrt(2 * math.pi))
            pdf *= x
            pdf += cdf
            if g.dtype == pdf.dtype and g.shape == pdf.shape:
                pdf *= g
                return pdf
            return g * pdf
        cdf = 0.5 * (1 + dual.erf(x * (1 / math.sqrt(2))))
        pdf = dual.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        return g * (cdf + x * pdf)


def _phi_f32(x, block=65536):
    """The standard normal CDF Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2 for
    float32 x, in float32: Numerical Recipes' erfc fit (relative error 1.2e-7) evaluated by
    Horner's rule; Phi of the negative half straight from erfc keeps the tail accurate in
    relative terms (GELU(x) = x Phi(x) is tiny there, not zero). Large arrays go in blocks
    whose ~25 passes stay in the CPU cache (measured 2x faster on 1M elements)."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    for i in range(0, flat.size, block):
        _phi_f32_block(flat[i:i + block], out[i:i + block])
    return out.reshape(x.shape)


def _phi_f32_block(x, r):
    """Phi(x) into r (same shape, float32)."""
    z = x * np.float32(-1 / math.sqrt(2))
    a = np.abs(z)
    t = a * np.float32(0.5)
    t += np.float32(1)
    np.reciprocal(t, out=t)
    np.multiply(t, np.float32(0.17087277), out=r)
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418,
              0.37409196, 1.00002368, -1.26551223):
        r += np.float32(c)
        if c != -1.26551223:
            r *= t
    a *= a
    r -= a
    np.exp(r, out=r)
    r *= t                                   # erfc(|z|)
    r *= np.float32(0.5)                     # Phi(-|x|)
    # Phi(x) = 1 - Phi(-x) for x > 0 (z < 0), Phi(-|x|) itself otherwise, without a
    # branch: np.where on a random sign pattern costs ~6 ns an element (mispredicted
    # branches), more than the rest of the block together. h is exactly 1 or 0, so the
    # sum is exactly 1 - r or r, as a select would give.
    np.copysign(r, z, out=r)
    h = np.copysign(np.float32(0.5), z, out=z)
    np.subtract(np.float32(0.5), h, out=h)
    r += h


class Silu(Op):
    def forward(self, x):
        return x * dual._np_sigmoid(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        s = dual.sigmoid(x)
        return g * (s * (1 + x * (1 - s)))


class Softplus(Op):
    """log(1 + exp(beta x)) / beta, linear above `threshold` as in PyTorch."""

    def forward(self, x, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold
        bx = beta * x
        soft = (np.logaddexp(0, bx) / beta).astype(x.dtype)
        return np.where(bx > threshold, x, soft)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        s = dual.sigmoid(x * self.beta)
        return g * dual.where(xd * self.beta > self.threshold, 1.0, s)


class Clamp(Op):
    """Gradient 1 inside [min, max] (bounds included), 0 outside, as in PyTorch."""

    def forward(self, x, lo=None, hi=None):
        mask = np.ones(x.shape, dtype=bool)
        out = x
        if lo is not None:
            mask &= x >= lo
            out = np.maximum(out, lo)
        if hi is not None:
            mask &= x <= hi
            out = np.minimum(out, hi)
        self.mask = mask
        return out.astype(x.dtype, copy=False)

    def backward(self, g):
        return g * self.mask


class FloorDiv(Op):
    """a // b rounds toward -inf; its gradient is zero almost everywhere."""
    saves = False

    def forward(self, a, b):
        try:
            out = np.floor_divide(a, b)
        except ValueError:
            raise broadcast_error("floor_divide", a, b) from None
        self.shapes = (a.shape, b.shape)
        return out

    def backward(self, g):
        sa, sb = self.shapes
        z = g * 0
        return sum_to(z, sa), sum_to(z, sb)


class Remainder(Op):
    """a % b (sign of b, as Python and PyTorch); d/da = 1, d/db = -floor(a / b)."""

    def forward(self, a, b):
        try:
            out = np.remainder(a, b)
        except ValueError:
            raise broadcast_error("remainder", a, b) from None
        self.q = np.floor_divide(a, b)
        self.shapes = (a.shape, b.shape)
        return out

    def backward(self, g):
        sa, sb = self.shapes
        return sum_to(g, sa), sum_to(-g * self.q, sb)


# --- a tensor and a Python number: the operators' fast path ----------------------------
# `x * 0.5`, `1 - y`: the number is an option of the node, not a constant tensor, so the
# forward skips dtype promotion and the backward is one ufunc (or none). Used only for a
# floating tensor and a Python int / float, where PyTorch and NumPy (NEP 50) agree that
# the result keeps the tensor's dtype. Names match PyTorch's nodes (MulBackward0, ...).
class AddScalar(Op):
    saves = False
    name, backward_name = "add", "AddBackward0"

    def forward(self, x, s):
        return x + s

    def backward(self, g):
        return g


class SubScalar(Op):
    saves = False
    name, backward_name = "sub", "SubBackward0"

    def forward(self, x, s):
        return x - s

    def backward(self, g):
        return g


class RSubScalar(Op):
    """s - x."""
    saves = False
    name, backward_name = "rsub", "RsubBackward1"

    def forward(self, x, s):
        return s - x

    def backward(self, g):
        return -g


class MulScalar(Op):
    saves = False
    name, backward_name = "mul", "MulBackward0"

    def forward(self, x, s):
        self.s = s
        return x * s

    def backward(self, g):
        return g * self.s


class DivScalar(Op):
    saves = False
    name, backward_name = "div", "DivBackward0"

    def forward(self, x, s):
        self.s = s
        return x / s

    def backward(self, g):
        return g / self.s


def _number(b):
    """A Python int or float (not bool, not a NumPy scalar): eligible for the fast path."""
    tb = type(b)
    return tb is float or tb is int


def _operator(op, scalar_op, general, floats_only=False):
    """Tensor.__add__ and friends: same-dtype tensors and float tensor <op> number skip
    promotion (the hot path of every training loop); the rest takes `general`."""
    def method(a, b):
        if isinstance(b, Tensor):
            da, db = a._data.dtype, b._data.dtype
            if (da is db or da == db) and (not floats_only or da.kind == "f"):  # (is: cheap)
                return apply2(op, a, b)
        elif (type(b) is float or type(b) is int) and a._data.dtype.kind == "f":
            return apply1(scalar_op, a, b)  # (_number inlined: a call less per op)
        return general(a, b)
    return method


def _reflected(scalar_op, op):
    """number <op> tensor (__radd__, __rsub__, __rmul__)."""
    def method(a, b):
        if _number(b) and a._data.dtype.kind == "f":
            return apply1(scalar_op, a, b)
        return _bin(op, b, a)
    return method


_op_add = _operator(Add, AddScalar, lambda a, b: _bin(Add, a, b))
_op_sub = _operator(Sub, SubScalar, lambda a, b: _bin(Sub, a, b))
_op_mul = _operator(Mul, MulScalar, lambda a, b: _bin(Mul, a, b))
_op_div = _operator(Div, DivScalar, lambda a, b: div(a, b), floats_only=True)
_op_radd = _reflected(AddScalar, Add)
_op_rsub = _reflected(RSubScalar, Sub)
_op_rmul = _reflected(MulScalar, Mul)


# --- public functions -------------------------------------------------------------------
def _bin(cls, a, b):
    a, b = promote(a, b)
    return cls.apply(a, b)


def add(input, other, *, alpha=1):  # noqa: A002 - PyTorch's argument names
    a, b = input, other
    if alpha != 1:
        b = mul(b, alpha)
    return _bin(Add, a, b)


def sub(input, other, *, alpha=1):  # noqa: A002
    a, b = input, other
    if alpha != 1:
        b = mul(b, alpha)
    return _bin(Sub, a, b)


subtract = sub


def mul(input, other):  # noqa: A002
    return _bin(Mul, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    a, b = input, other
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode == "trunc":  # round toward zero; integers stay integers (PyTorch)
        a, b = promote(a, b)
        if a._data.dtype.kind in "iub":
            q = np.trunc(a._data.astype(np.float64) / b._data)
            return _make(q.astype(a._data.dtype if a._data.dtype != np.bool_ else np.int64))
        return Piecewise.apply(div(a, b), fn=np.trunc)
    if rounding_mode is not None:
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                         f"but found {rounding_mode!r}")
    a, b = promote(a, b)
    if a._data.dtype.kind != "f":  # true division of integers gives the default float
        f = dtypes.get_default_dtype().np
        a, b = cast(a, f), cast(b, f)
    return Div.apply(a, b)


divide = true_divide = div


def floor_divide(input, other):  # noqa: A002
    return _bin(FloorDiv, input, other)


def remainder(input, other):  # noqa: A002
    return _bin(Remainder, input, other)



def pow(input, exponent):  # noqa: A001,A002
    a, b = input, exponent
    if isinstance(b, (int, float)) and not isinstance(b, bool) and isinstance(a, Tensor):
        if a._data.dtype.kind != "f" and (isinstance(b, float) or b < 0):
            if b < 0 and isinstance(b, int):
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            a = floating(a)
        return PowScalar.apply(a, p=b)
    if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, Tensor) \
            and a > 0:
        return RPowScalar.apply(cast(b, dtypes.result_type(a, b._data)), c=a)
    return _bin(Pow, a, b)


def maximum(input, other):  # noqa: A002
    return _bin(Maximum, input, other)


def minimum(input, other):  # noqa: A002
    return _bin(Minimum, input, other)


def where(condition, input=None, other=None):  # noqa: A002
    """where(cond, a, b): elementwise choice; where(cond) alone gives nonzero indices."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    a, b = promote(input, other)
    return Where.apply(a, b, cond=cond)


def masked_fill(x, mask, value):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_fill only supports boolean masks, but got mask with dtype "
                           f"{dtypes.from_np(m.dtype)}")
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        v = cast(value, x._data.dtype)
    else:
        v = _make(np.asarray(value, dtype=x._data.dtype))
    try:
        np.broadcast_shapes(m.shape, x._data.shape)
    except ValueError:
        raise broadcast_error("masked_fill", x._data, m) from None
    # Out of place the result takes the broadcast shape of mask and input, as in PyTorch
    # (masked_fill_ checks that it is the input's own shape).
    return Where.apply(v, x, cond=m)


def nonzero(x, *, as_tuple=False):
    d = x._data if isinstance(x, Tensor) else np.asarray(x)
    if d.ndim == 0:  # a 0-d tensor acts as one element of a 1-d one, as in PyTorch
        n = 1 if d else 0
        if as_tuple:
            return (_make(np.zeros(n, np.int64)),)
        return _make(np.zeros((n, 0), np.int64))
    idx = np.nonzero(d)
    if as_tuple:
        return tuple(_make(i.astype(np.int64)) for i in idx)
    return _make(np.stack(idx, axis=1).astype(np.int64) if idx else np.zeros((0, 0), np.int64))


def _unary(cls):
    def f(x, **options):
        if type(x) is Tensor and not options and x._data.dtype.kind == "f":
            return apply1(cls, x)  # the common case, without argument handling
        return cls.apply(floating(x), **options)
    f.__name__ = cls.__name__.lower()
    return f


neg = negative = lambda x: Neg.apply(as_operand(x))  # noqa: E731
exp, expm1, log, log1p = _unary(Exp), _unary(Expm1), _unary(Log), _unary(Log1p)
sqrt, rsqrt, sin, cos = _unary(Sqrt), _unary(Rsqrt), _unary(Sin), _unary(Cos)
tanh, sigmoid, erf, silu = _unary(Tanh), _unary(Sigmoid), _unary(Erf), _unary(Silu)


def abs(x):  # noqa: A001
    x = as_operand(x)
    if x._data.dtype.kind != "f":
        return _make(np.abs(x._data))
    return Abs.apply(x)


absolute = abs


class Piecewise(Op):
    """A piecewise-constant function of x (sign, floor, round, ...): its value, and an
    exact zero gradient (x * 0 + value would turn inf into NaN)."""
    saves = False

    def forward(self, x, fn):
        return np.asarray(fn(x)).astype(x.dtype, copy=False)

    def backward(self, g):
        return np.zeros_like(g) if dual.is_array(g) else g * 0


def sign(x):
    """sign(x): -1, 0 or 1; its gradient is zero (a constant in autograd terms)."""
    x = as_operand(x)
    if x._data.dtype == np.bool_:
        return _make(x._data.copy())
    return Piecewise.apply(x, fn=np.sign)


def log2(x):
    return log(x) / math.log(2)


def log10(x):
    return log(x) / math.log(10)


def square(x):
    return pow(x, 2)


def reciprocal(x):
    return 1 / floating(x)


def relu(x, inplace=False):
    if type(x) is Tensor and x._data.dtype.kind == "f":
        return apply1(Relu, x)
    x = as_operand(x)
    if x._data.dtype.kind != "f":
        return _make(np.maximum(x._data, 0))
    return Relu.apply(x)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    return LeakyRelu.apply(floating(x), slope=negative_slope)


def elu(x, alpha=1.0, inplace=False):
    return Elu.apply(floating(x), alpha=alpha)


def gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(floating(x), approximate=approximate)


def softplus(x, beta=1.0, threshold=20.0):
    return Softplus.apply(floating(x), beta=beta, threshold=threshold)


def clamp(x, min=None, max=None):  # noqa: A002
    if min is None and max is None:
        raise RuntimeError("clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clamp_tensor(x, min, max)
    return Clamp.apply(as_operand(x), lo=min, hi=max)


clip = clamp


def _compare(ufunc, name):
    def f(a, b):
        da = a._data if isinstance(a, Tensor) else np.asarray(a)
        db = b._data if isinstance(b, Tensor) else np.asarray(b)
        try:
            return _make(np.asarray(ufunc(da, db)))
        except ValueError:
            raise broadcast_error(name, da, db) from None
    f.__name__ = name
    return f


eq = _compare(np.equal, "eq")
ne = _compare(np.not_equal, "ne")
lt = _compare(np.less, "lt")
le = _compare(np.less_equal, "le")
gt = _compare(np.greater, "gt")
ge = _compare(np.greater_equal, "ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne
logical_and = _compare(np.logical_and, "logical_and")
logical_or = _compare(np.logical_or, "logical_or")
logical_xor = _compare(np.logical_xor, "logical_xor")
def _int_operands(a, b, name):
    """Both operands' arrays at PyTorch's result dtype (int32 & int32 stays int32, a Python
    int does not widen a tensor); floats are refused as PyTorch refuses them."""
    da = a._data if isinstance(a, Tensor) else a
    db = b._data if isinstance(b, Tensor) else b
    da = np.asarray(da) if isinstance(da, (list, tuple)) else da
    db = np.asarray(db) if isinstance(db, (list, tuple)) else db
    rt = dtypes.result_type(da, db)
    if rt.kind not in "biu":
        raise RuntimeError(f'"{name}_cpu" not implemented for '
                           f"'{dtypes.from_np(rt).name.capitalize()}'")
    return np.asarray(da, dtype=rt), np.asarray(db, dtype=rt)


def _bitwise(ufunc, name):
    def f(input, other):  # noqa: A002
        da, db = _int_operands(input, other, name)
        try:
            return _make(np.asarray(ufunc(da, db)))
        except ValueError:
            raise broadcast_error(name, da, db) from None
    f.__name__ = name
    f.__doc__ = f"{name}(input, other): elementwise on integer / bool tensors."
    return f


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def _shift(a, b, left):
    """PyTorch's shifts: a shift by a negative amount or by at least the bit width gives 0
    (left) or the sign fill (right); bool << bool is refused (a bool tensor and a Python
    int compute in int64)."""
    name = "lshift" if left else "rshift"
    da, db = _int_operands(a, b, name)
    if da.dtype == np.bool_:
        raise RuntimeError(f'"{name}_cpu" not implemented for \'Bool\'')
    bits = da.dtype.itemsize * 8
    try:
        sh = np.clip(db, 0, bits - 1).astype(da.dtype)
        bad = (db < 0) | (db >= bits)
        if left:
            out = np.where(bad, 0, np.left_shift(da, sh))
        else:
            out = np.where(bad, np.right_shift(da, bits - 1) if da.dtype.kind == "i" else 0,
                           np.right_shift(da, sh))
    except ValueError:
        raise broadcast_error("lshift" if left else "rshift", da, db) from None
    return _make(np.asarray(out, dtype=da.dtype))


def bitwise_left_shift(input, other):  # noqa: A002
    """input << other (integer tensors). >>> chainrule.tensor([1, 2]) << 3"""
    return _shift(input, other, True)


def bitwise_right_shift(input, other):  # noqa: A002
    """input >> other (arithmetic for signed types)."""
    return _shift(input, other, False)


def logical_not(x):
    return _make(np.logical_not(x._data))


def bitwise_not(x):
    x = as_operand(x)
    if x._data.dtype.kind not in "biu":
        raise RuntimeError(f'"bitwise_not_cpu" not implemented for '
                           f"'{x.dtype.name.capitalize()}'")
    return _make(np.invert(x._data))


def isnan(x):
    return _make(np.isnan(x._data))


def isinf(x):
    return _make(np.isinf(x._data))


def isfinite(x):
    return _make(np.isfinite(x._data))


def equal(a, b):
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(np.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return _make(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _rounding(fn):
    def f(x):
        x = as_operand(x)
        if x._data.dtype.kind != "f":  # integers and bools are already whole: same dtype
            return _make(x._data.copy())
        return Piecewise.apply(x, fn=fn)
    return f


floor, ceil, trunc = _rounding(np.floor), _rounding(np.ceil), _rounding(np.trunc)
_round_half_even = _rounding(np.round)


def round_(x, *, decimals=0):
    """Round half to even (as torch.round); with `decimals`, to that many decimal places
    (negative: to tens, hundreds, ...), as x * 10**d rounded then divided back, like PyTorch.

    >>> chainrule.round(chainrule.tensor([1.2345, 2.5]), decimals=2)
    tensor([1.2300, 2.5000])
    """
    if not decimals:
        return _round_half_even(x)
    x = as_operand(x)
    if x._data.dtype.kind != "f":
        raise RuntimeError("round_decimals: not implemented for integer inputs "
                           f"({dtypes.from_np(x._data.dtype)}), as in PyTorch")
    scale = x._data.dtype.type(10.0 ** abs(decimals))
    if decimals > 0:
        fn = lambda a: np.round(a * scale) / scale  # noqa: E731
    else:
        fn = lambda a: np.round(a / scale) * scale  # noqa: E731
    return Piecewise.apply(x, fn=fn)


round = round_  # noqa: A001 - chainrule.round, as torch.round (half to even, like NumPy)
frac = lambda x: x - trunc(x)  # noqa: E731


# --- the rest of PyTorch's elementwise math ---------------------------------------------
# (trigonometric / hyperbolic inverses, exp2, sinc, logit, atan2, hypot, logaddexp,
# copysign, fmod, xlogy, lerp, clamp with tensor bounds, nan_to_num, heaviside,
# float_power). Backward formulas use operators and `_fn`, so they record under
# create_graph and grad-of-grad works.
def _fn(np_fn, name, x):
    """np_fn(x) on arrays, the recorded Tensor method `name` under create_graph."""
    return np_fn(x) if dual.is_array(x) else getattr(x, name)()


class Tan(Op):
    saves_output = True

    def forward(self, x):
        return np.tan(x)

    def backward(self, g):
        y = self.output()
        return g * (1 + y * y)


class Asin(Op):
    def forward(self, x):
        return np.arcsin(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / _fn(np.sqrt, "sqrt", 1 - x * x)


class Acos(Op):
    def forward(self, x):
        return np.arccos(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return -g / _fn(np.sqrt, "sqrt", 1 - x * x)


class Atan(Op):
    def forward(self, x):
        return np.arctan(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / (1 + x * x)


class Sinh(Op):
    def forward(self, x):
        return np.sinh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _fn(np.cosh, "cosh", x)


class Cosh(Op):
    def forward(self, x):
        return np.cosh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _fn(np.sinh, "sinh", x)


class Asinh(Op):
    def forward(self, x):
        return np.arcsinh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / _fn(np.sqrt, "sqrt", x * x + 1)


class Acosh(Op):
    def forward(self, x):
        return np.arccosh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / _fn(np.sqrt, "sqrt", (x - 1) * (x + 1))


class Atanh(Op):
    def forward(self, x):
        return np.arctanh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / (1 - x * x)


class Exp2(Op):
    saves_output = True

    def forward(self, x):
        return np.exp2(x)

    def backward(self, g):
        return g * self.output() * math.log(2)


class Sinc(Op):
    """sin(pi x) / (pi x), 1 at 0; its derivative is 0 there."""

    def forward(self, x):
        px = np.pi * x
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.sin(px) / px
        return np.where(x == 0, 1, out).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        zero = xd == 0
        xs = dual.where(zero, 1.0, x) if zero.any() else x
        px = xs * math.pi
        d = (px * _fn(np.cos, "cos", px) - _fn(np.sin, "sin", px)) / (px * xs)
        return g * (dual.where(zero, 0.0, d) if zero.any() else d)


class Logit(Op):
    """log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given (gradient 0 outside,
    as PyTorch)."""

    def forward(self, x, eps=None):
        self.eps = eps
        xc = x if eps is None else np.clip(x, eps, 1 - eps)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(xc / (1 - xc)).astype(x.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved_inputs()
        d = g / (x * (1 - x))
        if self.eps is None:
            return d
        xd = x if dual.is_array(x) else x._data
        return dual.where((xd < self.eps) | (xd > 1 - self.eps), 0.0, d)


class NanToNum(Op):
    """NaN / +inf / -inf replaced by numbers; the gradient is g where x is finite, else 0."""

    def forward(self, x, nan, posinf, neginf):
        self.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        return dual.where(self.finite, g, 0.0)


class Atan2(Op):
    def forward(self, a, b):
        try:
            return np.arctan2(a, b)
        except ValueError:
            raise broadcast_error("atan2", a, b) from None

    def backward(self, g):
        a, b = self.saved_inputs()
        r = g / (a * a + b * b)
        na, nb = self.needs_input_grad
        return (sum_to(r * b, a.shape) if na else None), (sum_to(-r * a, b.shape) if nb else None)


class Hypot(Op):
    saves_output = True

    def forward(self, a, b):
        try:
            return np.hypot(a, b)
        except ValueError:
            raise broadcast_error("hypot", a, b) from None

    def backward(self, g):
        a, b = self.saved_inputs()
        r = g / self.output()
        na, nb = self.needs_input_grad
        return (sum_to(r * a, a.shape) if na else None), (sum_to(r * b, b.shape) if nb else None)


class LogAddExp(Op):
    """log(e^a + e^b); base 2 with base2=True. d/da = 1 / (1 + base^(b - a))."""

    def forward(self, a, b, base2=False):
        self.base2 = base2
        try:
            return (np.logaddexp2 if base2 else np.logaddexp)(a, b)
        except ValueError:
            raise broadcast_error("logaddexp", a, b) from None

    def backward(self, g):
        a, b = self.saved_inputs()
        k = math.log(2) if self.base2 else 1.0
        na, nb = self.needs_input_grad
        ga = gb = None
        if na:
            ga = sum_to(g / (1 + dual.exp((b - a) * k)), a.shape)
        if nb:
            gb = sum_to(g / (1 + dual.exp((a - b) * k)), b.shape)
        return ga, gb


class Copysign(Op):
    """|a| with b's sign; d/da = out / a (0 where a == 0), d/db = 0."""
    saves_output = True

    def forward(self, a, b):
        try:
            return np.copysign(a, b)
        except ValueError:
            raise broadcast_error("copysign", a, b) from None

    def backward(self, g):
        a, b = self.saved_inputs()
        ad = a if dual.is_array(a) else a._data
        zero = ad == 0
        ratio = self.output() / (dual.where(zero, 1.0, a) if zero.any() else a)
        if zero.any():
            ratio = dual.where(zero, 0.0, ratio)
        gb = None
        if self.needs_input_grad[1]:
            gb = sum_to(g * 0.0, b.shape)
        return sum_to(g * ratio, a.shape) if self.needs_input_grad[0] else None, gb


class Fmod(Op):
    """C's fmod (the sign of a); d/da = 1, d/db = -trunc(a / b)."""

    def forward(self, a, b):
        try:
            out = np.fmod(a, b)
        except ValueError:
            raise broadcast_error("fmod", a, b) from None
        with np.errstate(divide="ignore", invalid="ignore"):
            self.q = np.trunc(a / b) if out.dtype.kind == "f" else None
        self.shapes = (a.shape, b.shape)
        return out

    def backward(self, g):
        sa, sb = self.shapes
        return sum_to(g, sa), sum_to(-g * self.q, sb)


class Xlogy(Op):
    """x * log(y), 0 where x == 0 (unless y is NaN). Subclasses shift the log's argument
    (Xlog1py: x * log(1 + y)) through the class attributes."""

    op_name, log, log_method, shift = "xlogy", staticmethod(np.log), "log", 0.0

    def forward(self, x, y):
        try:
            with np.errstate(divide="ignore", invalid="ignore"):
                out = x * self.log(y)
        except ValueError:
            raise broadcast_error(self.op_name, x, y) from None
        return np.where((x == 0) & ~np.isnan(y), 0, out).astype(out.dtype, copy=False)

    def backward(self, g):
        x, y = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        yd = y if dual.is_array(y) else y._data
        nx, ny = self.needs_input_grad
        gx = gy = None
        if nx:
            with np.errstate(divide="ignore", invalid="ignore"):
                ly = self.log(yd) if dual.is_array(y) else getattr(y, self.log_method)()
                gx = dual.where((xd == 0) & (yd <= -self.shift), 0.0, g * ly)
            gx = sum_to(gx, x.shape)
        if ny:
            gy = sum_to(g * x / (y + self.shift if self.shift else y), y.shape)
        return gx, gy


class Lerp(Op):
    """start + w (end - start), evaluated as PyTorch does (from the nearer end)."""
    saved_attrs = ()

    def forward(self, s, e, w):
        try:
            d = e - s
            return np.where(np.abs(w) < 0.5, s + w * d, e - d * (1 - w)).astype(d.dtype)
        except ValueError:
            raise broadcast_error("lerp", s, e) from None

    def backward(self, g):
        s, e, w = self.saved_inputs()
        ns, ne, nw = self.needs_input_grad
        return (sum_to(g * (1 - w), s.shape) if ns else None,
                sum_to(g * w, e.shape) if ne else None,
                sum_to(g * (e - s), w.shape) if nw else None)


class ClampTensor(Op):
    """clamp with tensor bounds (either may be absent). Gradients as PyTorch: x gets g where
    min <= x <= max; min where x < min (and min < max); max where x > max (or max < min)."""

    def forward(self, x, *bounds, has_lo, has_hi):
        lo = bounds[0] if has_lo else None
        hi = bounds[-1] if has_hi else None
        self.has = (has_lo, has_hi)
        out = x
        try:
            if lo is not None:
                out = np.maximum(out, lo)
            if hi is not None:
                out = np.minimum(out, hi)
        except ValueError:
            raise broadcast_error("clamp", x, lo if lo is not None else hi) from None
        m = np.ones(out.shape, bool)
        if lo is not None:
            m = m & (x >= lo)
        if hi is not None:
            m = m & (x <= hi)
        self.masks = [m]
        if lo is not None:
            self.masks.append((x < lo) & (lo < hi) if hi is not None else x < lo)
        if hi is not None:
            self.masks.append((x > hi) | (hi < lo) if lo is not None else x > hi)
        return out

    def backward(self, g):
        return tuple(sum_to(dual.where(m, g, 0.0), t.shape) if need else None
                     for m, t, need in zip(self.masks, self.inputs, self.needs_input_grad))


def _unary_float(cls, name):
    """A float-valued unary function (integers go to the default float, as PyTorch)."""
    def f(input):  # noqa: A002
        if type(input) is Tensor and input._data.dtype.kind == "f":
            return apply1(cls, input)
        return cls.apply(floating(input))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"{name}(input): elementwise, differentiable (PyTorch's torch.{name})."
    return f


tan, asin, acos, atan = (_unary_float(Tan, "tan"), _unary_float(Asin, "asin"),
                         _unary_float(Acos, "acos"), _unary_float(Atan, "atan"))
sinh, cosh, asinh, acosh, atanh = (_unary_float(Sinh, "sinh"), _unary_float(Cosh, "cosh"),
                                   _unary_float(Asinh, "asinh"), _unary_float(Acosh, "acosh"),
                                   _unary_float(Atanh, "atanh"))
exp2, sinc = _unary_float(Exp2, "exp2"), _unary_float(Sinc, "sinc")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def _float_pair(a, b, op):
    """Both operands at PyTorch's result dtype, then the default float if that is integral."""
    a, b = promote(a, b)
    if a._data.dtype.kind != "f":
        f = dtypes.get_default_dtype().np
        a, b = cast(a, f), cast(b, f)
    return a, b


def atan2(input, other):  # noqa: A002
    """atan2(y, x): the angle of the point (x, y). >>> chainrule.atan2(y, x)"""
    return Atan2.apply(*_float_pair(input, other, "atan2"))


arctan2 = atan2


def hypot(input, other):  # noqa: A002
    """sqrt(a^2 + b^2) without overflow."""
    return Hypot.apply(*_float_pair(input, other, "hypot"))


def logaddexp(input, other):  # noqa: A002
    """log(exp(a) + exp(b)), stable."""
    return LogAddExp.apply(*_float_pair(input, other, "logaddexp"))


def logaddexp2(input, other):  # noqa: A002
    """log2(2^a + 2^b), stable."""
    return LogAddExp.apply(*_float_pair(input, other, "logaddexp2"), base2=True)


def copysign(input, other):  # noqa: A002
    """|input| with the sign of other (a float result, as PyTorch)."""
    return Copysign.apply(*_float_pair(input, other, "copysign"))


def fmod(input, other):  # noqa: A002
    """Remainder with the sign of the dividend (C fmod); integers stay integers."""
    a, b = promote(input, other)
    if a._data.dtype.kind in "iu" and (b._data == 0).any():
        raise RuntimeError("ZeroDivisionError: fmod by zero on integer tensors")
    return Fmod.apply(a, b)


def xlogy(input, other):  # noqa: A002
    """input * log(other), 0 where input == 0."""
    return Xlogy.apply(*_float_pair(input, other, "xlogy"))


def lerp(input, end, weight):  # noqa: A002
    """input + weight * (end - input), weight a number or a tensor."""
    s, e = promote(input, end)
    if s._data.dtype.kind != "f":
        raise RuntimeError(f"lerp: expected floating point tensors, got {s.dtype.name}")
    w = cast(weight, s._data.dtype) if isinstance(weight, Tensor) else \
        _make(np.asarray(weight, dtype=s._data.dtype))
    return Lerp.apply(s, e, w)


def logit(input, eps=None):  # noqa: A002
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given."""
    return Logit.apply(floating(input), eps=eps)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """NaN, +inf and -inf replaced by nan, posinf (the dtype's max) and neginf (its min)."""
    x = as_operand(input)
    if x._data.dtype.kind != "f":
        return _make(x._data.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


def heaviside(input, values):  # noqa: A002
    """0 where input < 0, values where input == 0, 1 where input > 0 (not differentiable)."""
    x, v = as_operand(input), as_operand(values)
    if x._data.dtype != v._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"({x.dtype.name} and {v.dtype.name})")
    return _make(np.asarray(np.heaviside(x._data, v._data)).astype(x._data.dtype))


def float_power(input, exponent):  # noqa: A002
    """input ** exponent computed in float64 (PyTorch's float_power)."""
    a = cast(input, np.dtype(np.float64)) if isinstance(input, Tensor) else input
    b = cast(exponent, np.dtype(np.float64)) if isinstance(exponent, Tensor) else exponent
    if not isinstance(a, Tensor):
        a = _make(np.asarray(a, dtype=np.float64))
    return pow(a, float(b) if not isinstance(b, Tensor) else b)


def _clamp_tensor(x, lo, hi):
    x = as_operand(x)
    ops = [x] + [as_operand(b) for b in (lo, hi) if b is not None]
    rt = dtypes.result_type(*[t._data for t in ops])
    ops = [cast(t, rt) for t in ops]
    return ClampTensor.apply(*ops, has_lo=lo is not None, has_hi=hi is not None)
