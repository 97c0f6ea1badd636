"""The remaining small elementwise, binary, sorting and cumulative ops of PyTorch's surface:
angle, conj, real, deg2rad, frexp, isposinf, signbit, fmax, gcd, ldexp, nextafter, rsub,
clamp_min, msort, cumulative_trapezoid, unique_consecutive, the random in-place fills
(cauchy_, log_normal_, geometric_), empty_strided and friends.

chainrule has no complex dtype, so the complex-facing ops (conj, real, angle, isreal) are
their real-valued special cases, as PyTorch computes them on real tensors.
"""
import math

import numpy as np

from . import dual
from ._util import as_operand, broadcast_error, cast, floating, promote
from .. import dtypes
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make
sum_to = dual.sum_to


def _float(x):
    """x as a Tensor, integers and bools cast to the default float (PyTorch's rule for
    float-valued unary ops)."""
    return floating(as_operand(x))


# --- unary ------------------------------------------------------------------------------
class Identity(Op):
    """The real case of conj / conj_physical / real / resolve_conj: the input itself.

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = torch.conj_physical(x); y
    tensor([1., 2.], grad_fn=<IdentityBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([1., 1.])
    """
    saves = False

    def forward(self, x):
        return x

    def backward(self, g):
        return g


class Scale(Op):
    """x * c for a constant c (deg2rad, rad2deg).

    >>> x = torch.tensor([180.0], requires_grad=True)
    >>> y = torch.deg2rad(x); y
    tensor([3.1416], grad_fn=<ScaleBackward0>)
    >>> y.backward(); x.grad
    tensor([0.0175])
    """
    saves = False

    def forward(self, x, c):
        self.c = c
        return (x * c).astype(x.dtype, copy=False)

    def backward(self, g):
        return g * self.c


class ZeroGrad(Op):
    """A piecewise-constant function of x (angle of a real number): gradient zero.

    >>> x = torch.tensor([-2.0, 3.0], requires_grad=True)
    >>> y = torch.angle(x); y
    tensor([3.1416, 0.0000], grad_fn=<ZeroGradBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([0., 0.])
    """
    saves = False

    def forward(self, x, fn):
        self.shape, self.dtype = x.shape, x.dtype
        return np.asarray(fn(x)).astype(x.dtype, copy=False)

    def backward(self, g):
        return g * 0


class Frexp(Op):
    """(mantissa, exponent) with x = mantissa * 2^exponent; d mantissa / dx = 2^-exponent.

    >>> x = torch.tensor([8.0, 0.75], requires_grad=True)
    >>> mantissa, exponent = torch.frexp(x); mantissa, exponent
    (tensor([0.5000, 0.7500], grad_fn=<FrexpBackward0>), tensor([4, 0], dtype=chainrule.int32))
    >>> mantissa.sum().backward(); x.grad
    tensor([0.0625, 1.0000])
    """
    saves = False

    def forward(self, x):
        m, e = np.frexp(x)
        self.scale = np.ldexp(np.ones_like(x), -e)
        return m.astype(x.dtype, copy=False)

    def backward(self, g):
        return g * self.scale


def conj(input):  # noqa: A002 - PyTorch's argument names
    """The complex conjugate; on chainrule's real tensors, the tensor itself (as PyTorch's
    conj of a real tensor).

    >>> x = torch.tensor([1.0, -2.0])
    >>> torch.conj(x)
    tensor([ 1., -2.])
    """
    return as_operand(input)


def conj_physical(input):  # noqa: A002
    """conj as a new tensor (real input: a copy).

    >>> torch.conj_physical(torch.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """
    return Identity.apply(as_operand(input))


def real(input):  # noqa: A002
    """The real part: a real tensor itself.

    >>> torch.real(torch.tensor([1.0, -2.0]))
    tensor([ 1., -2.])
    """
    return as_operand(input)


def resolve_conj(input):  # noqa: A002
    """Materialises a lazy conjugation; chainrule's tensors are real, so the tensor itself.

    >>> x = torch.tensor([1.0, 2.0])
    >>> torch.resolve_conj(x) is x
    True
    """
    return as_operand(input)


def resolve_neg(input):  # noqa: A002
    """Materialises a lazy negation; chainrule never makes one, so the tensor itself.

    >>> x = torch.tensor([1.0, 2.0])
    >>> torch.resolve_neg(x) is x
    True
    """
    return as_operand(input)


def angle(input):  # noqa: A002
    """Argument of each element: 0 for x >= 0, pi for x < 0, NaN for NaN (float result).

    >>> chainrule.angle(chainrule.tensor([-1.0, 2.0]))
    tensor([3.1416, 0.0000])
    """
    x = _float(input)
    return ZeroGrad.apply(x, fn=lambda a: np.where(a < 0, math.pi, np.where(np.isnan(a), a, 0.0)))


def deg2rad(input):  # noqa: A002
    """Degrees to radians.

    >>> chainrule.deg2rad(chainrule.tensor([180.0]))
    tensor([3.1416])
    """
    return Scale.apply(_float(input), c=math.pi / 180.0)


def rad2deg(input):  # noqa: A002
    """Radians to degrees.

    >>> chainrule.rad2deg(chainrule.tensor([3.14159265]))
    tensor([180.])
    """
    return Scale.apply(_float(input), c=180.0 / math.pi)


class _FrexpResult(tuple):
    """torch.return_types.frexp: a (mantissa, exponent) pair with names."""
    mantissa = property(lambda self: self[0])
    exponent = property(lambda self: self[1])


def frexp(input):  # noqa: A002
    """(mantissa, exponent) with input = mantissa * 2**exponent, |mantissa| in [0.5, 1).

    >>> chainrule.frexp(chainrule.tensor([3.0]))
    (tensor([0.7500]), tensor([2], dtype=chainrule.int32))
    """
    x = as_operand(input)
    if x._data.dtype.kind != "f":
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    e = np.frexp(x._data)[1].astype(np.int32)
    return _FrexpResult((Frexp.apply(x), _make(e)))


def _predicate(fn, name, doc):
    def f(input):  # noqa: A002
        x = as_operand(input)
        return _make(np.asarray(fn(x._data)))
    f.__name__ = f.__qualname__ = name
    f.__doc__ = doc
    return f


isposinf = _predicate(lambda a: np.isposinf(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool),
                      "isposinf", "True where the element is +inf.")
isneginf = _predicate(lambda a: np.isneginf(a) if a.dtype.kind == "f" else np.zeros(a.shape, bool),
                      "isneginf", "True where the element is -inf.")
isreal = _predicate(lambda a: np.ones(a.shape, bool), "isreal",
                    "True for every element of a real tensor (chainrule has no complex dtype).")
signbit = _predicate(lambda a: np.signbit(a) if a.dtype.kind == "f" else a < 0, "signbit",
                     "True where the sign bit is set (-0.0 included).")
# Examples of the predicates (their docstrings come from _predicate).
isposinf.__doc__ += """

>>> torch.isposinf(torch.tensor([float("-inf"), 1.0, float("inf")]))
tensor([False, False,  True])
"""
isneginf.__doc__ += """

>>> torch.isneginf(torch.tensor([float("-inf"), 1.0, float("inf")]))
tensor([ True, False, False])
"""
isreal.__doc__ += """

>>> torch.isreal(torch.tensor([1.0, float("nan")]))
tensor([True, True])
"""
signbit.__doc__ += """

>>> torch.signbit(torch.tensor([-1.0, -0.0, 0.0, 2.0]))
tensor([ True,  True, False, False])
"""


def sgn(input):  # noqa: A002
    """sign(x) for real tensors (PyTorch's sgn extends sign to complex numbers); NaN gives 0,
    as torch.sgn does.

    >>> torch.sgn(torch.tensor([-3.0, 0.0, 2.0]))
    tensor([-1.,  0.,  1.])
    """
    from .elementwise import sign, where
    x = as_operand(input)
    if x._data.dtype.kind == "f" and np.isnan(x._data).any():
        return where(_make(np.isnan(x._data)), _make(np.zeros((), x._data.dtype)), sign(x))
    return sign(x)


# --- binary -----------------------------------------------------------------------------
class FMaxMin(Op):
    """fmax / fmin: the max / min ignoring NaN. Gradient to the operand chosen (ties and
    NaN in `other` to input), as PyTorch.

    >>> x = torch.tensor([1.0, float("nan")], requires_grad=True)
    >>> y = torch.fmax(x, torch.tensor([2.0, 3.0])); y
    tensor([2., 3.], grad_fn=<FMaxMinBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([0., 0.])
    """
    saves = False

    def forward(self, a, b, is_max):
        try:
            out = np.fmax(a, b) if is_max else np.fmin(a, b)
        except ValueError:
            raise broadcast_error("fmax" if is_max else "fmin", a, b) from None
        pick_a = ((a >= b) if is_max else (a <= b)) | np.isnan(b)
        self.mask, self.shapes = np.broadcast_to(pick_a, out.shape), (a.shape, b.shape)
        return out

    def backward(self, g):
        sa, sb = self.shapes
        return (sum_to(dual.where(self.mask, g, 0.0), sa),
                sum_to(dual.where(self.mask, 0.0, g), sb))


def fmax(input, other):  # noqa: A002
    """Elementwise maximum; where one side is NaN, the other.

    >>> torch.fmax(torch.tensor([1.0, float("nan"), 5.0]), torch.tensor([2.0, 3.0, float("nan")]))
    tensor([2., 3., 5.])
    """
    return FMaxMin.apply(*promote(input, other), is_max=True)


def fmin(input, other):  # noqa: A002
    """Elementwise minimum; where one side is NaN, the other.

    >>> torch.fmin(torch.tensor([1.0, float("nan"), 5.0]), torch.tensor([2.0, 3.0, float("nan")]))
    tensor([1., 3., 5.])
    """
    return FMaxMin.apply(*promote(input, other), is_max=False)


def _integer_pair(input, other, name):
    a, b = promote(input, other)
    if a._data.dtype.kind not in "iu":
        raise RuntimeError(f"\"{name}_cpu\" not implemented for '{a.dtype.name}'")
    return a._data, b._data


def gcd(input, other):  # noqa: A002
    """Greatest common divisor of integer tensors (non-negative).

    >>> torch.gcd(torch.tensor([12, 7, 0]), torch.tensor([18, 3, 5]))
    tensor([6, 1, 5])
    """
    a, b = _integer_pair(input, other, "gcd")
    return _make(np.gcd(a, b).astype(np.result_type(a, b)))


def lcm(input, other):  # noqa: A002
    """Least common multiple of integer tensors (non-negative).

    >>> torch.lcm(torch.tensor([4, 6, 0]), torch.tensor([6, 5, 3]))
    tensor([12, 30,  0])
    """
    a, b = _integer_pair(input, other, "lcm")
    with np.errstate(over="ignore"):
        return _make(np.lcm(a, b).astype(np.result_type(a, b)))


def ldexp(input, other):  # noqa: A002
    """input * 2**other (a float result).

    >>> chainrule.ldexp(chainrule.tensor([1.]), 3)
    tensor([8.])
    """
    from .elementwise import exp2, mul
    x = as_operand(input)
    e = as_operand(other)
    if x._data.dtype.kind != "f":
        x = cast(x, (dtypes.get_default_dtype() if e._data.dtype.kind != "f" else e.dtype).np)
    return mul(x, exp2(e))


class NextAfter(Op):
    """The node of nextafter (the next float after input towards other): gradient 1 to input.

    >>> x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    >>> y = torch.nextafter(x, torch.tensor([2.0], dtype=torch.float64)); y - 1
    tensor([2.2204e-16], dtype=chainrule.float64, grad_fn=<SubBackward0>)
    >>> y.backward(); x.grad
    tensor([1.], dtype=chainrule.float64)
    """
    saves = False

    def forward(self, a, b):
        try:
            out = np.nextafter(a, b)
            self.shapes = (a.shape, b.shape)
            return out
        except ValueError:
            raise broadcast_error("nextafter", a, b) from None

    def backward(self, g):
        # PyTorch's formula: the step is locally constant, so d/dinput = 1, d/dother = 0
        sa, sb = self.shapes
        return sum_to(g, sa), sum_to(g * 0, sb)


def nextafter(input, other):  # noqa: A002
    """The next float after input towards other (gradient 1 to input, as PyTorch).

    >>> x = torch.tensor([1.0, 1.0], dtype=torch.float64)
    >>> torch.nextafter(x, torch.tensor([2.0, 0.0], dtype=torch.float64)) - x
    tensor([ 2.2204e-16, -1.1102e-16], dtype=chainrule.float64)
    """
    a, b = promote(input, other)
    if a._data.dtype.kind != "f":
        raise RuntimeError(f"\"nextafter_cpu\" not implemented for '{a.dtype.name}'")
    return NextAfter.apply(a, b)


def rsub(input, other, *, alpha=1):  # noqa: A002
    """other - alpha * input.

    >>> chainrule.rsub(chainrule.tensor([1, 2]), 3, alpha=2)
    tensor([ 1, -1])
    """
    from .elementwise import sub
    x = as_operand(input)
    o, x = promote(other, x)
    if x._data.dtype.kind in "iub" and alpha != 1:  # integer arithmetic wraps, as PyTorch
        r = o._data.astype(np.int64) - np.int64(alpha) * x._data.astype(np.int64)
        return _make(r.astype(x._data.dtype))
    return sub(o, x, alpha=alpha)


def clamp_min(input, min):  # noqa: A002
    """clamp(input, min=min), min a number or a tensor.

    >>> torch.clamp_min(torch.tensor([-1.0, 0.5, 2.0]), 0.0)
    tensor([0.0000, 0.5000, 2.0000])
    """
    from .elementwise import clamp, _clamp_tensor
    if isinstance(min, Tensor):
        return _clamp_tensor(input, min, None)
    return clamp(input, min=min)


def clamp_max(input, max):  # noqa: A002
    """clamp(input, max=max), max a number or a tensor.

    >>> torch.clamp_max(torch.tensor([-1.0, 0.5, 2.0]), 1.0)
    tensor([-1.0000,  0.5000,  1.0000])
    """
    from .elementwise import clamp, _clamp_tensor
    if isinstance(max, Tensor):
        return _clamp_tensor(input, None, max)
    return clamp(input, max=max)


# --- sorting / cumulative ---------------------------------------------------------------
def msort(input):  # noqa: A002
    """input sorted along its first dimension (sort(input, dim=0).values).

    >>> torch.msort(torch.tensor([[3, 1], [1, 2], [2, 0]]))
    tensor([[1, 0],
            [2, 1],
            [3, 2]])
    """
    from .index import sort
    x = as_operand(input)
    if x.ndim == 0:
        return sort(x.reshape(1), dim=0)[0].reshape(())
    return sort(x, dim=0)[0]


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Cumulative trapezoidal rule along dim: sum_k (y[k] + y[k+1]) / 2 * dx_k, running.

    >>> chainrule.cumulative_trapezoid(chainrule.tensor([1., 2., 3.]))
    tensor([1.5000, 4.0000])
    """
    from .reduce import cumsum
    from .shape import narrow
    y = as_operand(y)
    if y.ndim == 0:
        raise IndexError("cumulative_trapezoid: the input must have at least 1 dimension")
    d = dim % y.ndim
    n = y.shape[d]
    if n == 0:
        return y
    from .elementwise import div
    mid = narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)
    if isinstance(x, Tensor):
        if x.ndim == 1:
            step = x[1:] - x[:-1]
            shape = [1] * y.ndim
            shape[d] = n - 1
            step = step.reshape(shape)
        else:
            xd = d if x.ndim == y.ndim else (dim % x.ndim)
            step = narrow(x, xd, 1, n - 1) - narrow(x, xd, 0, n - 1)
        mid = mid * step
    else:
        step = dx if dx is not None else (x if x is not None else 1)
        if step != 1:
            mid = mid * step
    # PyTorch's order: integer sums (wrapping) times the step, then a true division
    return cumsum(div(mid, 2), d)


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule along dim: sum_k (y[k] + y[k+1]) / 2 * dx_k, with the spacing
    dx (a number, 1 by default) or the sample points x (1-D, or y's shape).

    >>> chainrule.trapezoid(chainrule.tensor([1., 2., 3.]))
    tensor(4.)
    >>> chainrule.trapezoid(chainrule.tensor([1., 2., 3.]), chainrule.tensor([0., 1., 3.]))
    tensor(6.5000)
    """
    from .reduce import sum as _sum
    from .shape import narrow, select
    y = as_operand(y)
    if y.ndim == 0:
        raise IndexError("trapezoid: the input must have at least 1 dimension (got a 0-d "
                         "tensor)")
    d = dim % y.ndim
    n = y.shape[d]
    if n == 0:
        return _sum(y, d) * 0
    if isinstance(x, Tensor):
        if x.ndim == 1:
            if x.shape[0] != n:
                raise RuntimeError(f"trapezoid: There must be one `x` value for each sample "
                                   f"point (x has {x.shape[0]}, y has {n} along dim {dim})")
            shape = [1] * y.ndim
            shape[d] = n - 1
            step = (x[1:] - x[:-1]).reshape(shape)
        else:
            xd = d if x.ndim == y.ndim else (dim % x.ndim)
            step = narrow(x, xd, 1, n - 1) - narrow(x, xd, 0, n - 1)
        # PyTorch's order: (dx * (y[1:] + y[:-1])).sum(dim) / 2
        return _sum(step * (narrow(y, d, 1, n - 1) + narrow(y, d, 0, n - 1)), d) / 2.0
    step = dx if dx is not None else (x if x is not None else 1)
    # PyTorch's order for a constant spacing: (y.sum(dim) - (y[0] + y[-1]) * 0.5) * dx
    return (_sum(y, d) - (select(y, d, 0) + select(y, d, n - 1)) * 0.5) * step


def trapz(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal rule (torch.trapz, the older name of trapezoid).

    >>> chainrule.trapz(chainrule.tensor([[1., 2.], [3., 5.]]), dx=2.0)
    tensor([3., 8.])
    """
    return trapezoid(y, x, dx=dx, dim=dim)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Collapse runs of equal consecutive elements (flattened, or slices along dim).

    >>> chainrule.unique_consecutive(chainrule.tensor([1, 1, 2, 2, 3, 1]))
    tensor([1, 2, 3, 1])
    """
    x = as_operand(input)
    a = x._data
    if dim is None:
        flat = a.reshape(-1)
        if flat.size == 0:
            starts = np.zeros(0, np.int64)
        else:
            starts = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]]))
        values = flat[starts]
        inverse_shape = a.shape
    else:
        d = dim % max(a.ndim, 1)
        moved = np.moveaxis(a, d, 0)
        n = moved.shape[0]
        if n == 0:
            starts = np.zeros(0, np.int64)
        else:
            rest = int(np.prod(moved.shape[1:]))
            diff = (moved[1:] != moved[:-1]).reshape(n - 1, rest).any(axis=1)
            starts = np.flatnonzero(np.concatenate([[True], diff]))
        values = np.moveaxis(moved[starts], 0, d)
        inverse_shape = (n,)
    total = int(np.prod(inverse_shape)) if dim is None else inverse_shape[0]
    out = [_make(np.ascontiguousarray(values))]
    if return_inverse:
        inv = np.zeros(total, np.int64)
        if total:
            inv[starts[1:]] = 1
            inv = np.cumsum(inv)
        out.append(_make(inv.reshape(inverse_shape)))
    if return_counts:
        out.append(_make(np.diff(np.append(starts, total)).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


# --- random in-place fills (Tensor methods) ----------------------------------------------
def _fill_(self, sample, name):
    from . import inplace as P
    from ..random import rng  # noqa: F401
    if self._data.dtype.kind != "f" and name != "geometric_":
        raise RuntimeError(f"{name} expects a floating point tensor, got {self.dtype.name}")
    return P.copy_(self, _make(np.asarray(sample).astype(self._data.dtype)))


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with Cauchy(median, sigma) samples.

    >>> x = torch.empty(1000).cauchy_(median=0.0, sigma=1.0)
    >>> x.shape, bool(x.median().abs() < 0.2)
    (chainrule.Size([1000]), True)
    """
    from ..random import rng
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = rng(generator).random(self._data.shape)
    return _fill_(self, median + sigma * np.tan(math.pi * (u - 0.5)), "cauchy_")


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std)) samples.

    >>> x = torch.empty(1000).log_normal_(mean=0.0, std=1.0)
    >>> bool((x > 0).all()), bool((x.log().mean()).abs() < 0.2)
    (True, True)
    """
    from ..random import rng
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    return _fill_(self, np.exp(mean + std * rng(generator).standard_normal(self._data.shape)),
                  "log_normal_")


def geometric_(self, p, *, generator=None):
    """Fill with Geometric(p) samples (trials to the first success, from 1).

    >>> x = torch.empty(1000).geometric_(0.5)
    >>> bool((x >= 1).all()), bool((x.mean() - 2).abs() < 0.2)
    (True, True)
    """
    from ..random import rng
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    return _fill_(self, rng(generator).geometric(p, self._data.shape), "geometric_")


# --- creation -----------------------------------------------------------------------------
def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor of `size` (chainrule's storage is NumPy's: the strides are
    accepted and the memory is contiguous).

    >>> x = torch.empty_strided((2, 3), (3, 1))
    >>> x.shape, x.dtype
    (chainrule.Size([2, 3]), chainrule.float32)
    """
    from ..creation import empty
    if len(tuple(size)) != len(tuple(stride)):
        raise RuntimeError(f"empty_strided: mismatch in length of strides and shape "
                           f"({len(tuple(stride))} vs {len(tuple(size))})")
    return empty(*tuple(size), dtype=dtype, device=device, requires_grad=requires_grad)


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """An uninitialised tensor of `size` whose memory order is `physical_layout` (a
    permutation of the dims; chainrule accepts it and allocates contiguously).

    >>> x = torch.empty_permuted((2, 3, 4), (0, 2, 1))
    >>> x.shape
    chainrule.Size([2, 3, 4])
    """
    from ..creation import empty
    size, perm = tuple(size), tuple(physical_layout)
    if sorted(perm) != list(range(len(size))):
        raise RuntimeError(f"empty_permuted: physical_layout {perm} is not a permutation of "
                           f"the {len(size)} dims of size {size}")
    return empty(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A 0-d tensor holding s (default dtype float).

    >>> chainrule.scalar_tensor(3)
    tensor(3.)
    """
    from ..creation import tensor
    dt = dtype or dtypes.get_default_dtype()
    if isinstance(s, Tensor):
        s = s.item()
    with np.errstate(over="ignore"):
        value = np.asarray(s).astype(dt.np)  # out-of-range integers wrap, as in PyTorch
    return tensor(value, dtype=dt, device=device, requires_grad=requires_grad)


def new_empty_strided(self, size, stride, *, dtype=None, layout=None, device=None,
                      requires_grad=False, pin_memory=False):
    """Tensor.new_empty_strided: an uninitialised tensor of `size` with self's dtype.

    >>> x = torch.zeros(2, dtype=torch.float64).new_empty_strided((2, 3), (3, 1))
    >>> x.shape, x.dtype
    (chainrule.Size([2, 3]), chainrule.float64)
    """
    return empty_strided(size, stride, dtype=dtype or self.dtype, device=device,
                         requires_grad=requires_grad)


GAP_A_METHODS = {
    "angle": angle, "conj": conj, "conj_physical": conj_physical, "resolve_conj": resolve_conj,
    "resolve_neg": resolve_neg, "deg2rad": deg2rad, "rad2deg": rad2deg, "frexp": frexp,
    "isposinf": isposinf, "isneginf": isneginf, "isreal": isreal, "signbit": signbit,
    "sgn": sgn, "fmax": fmax, "fmin": fmin, "gcd": gcd, "lcm": lcm, "ldexp": ldexp,
    "nextafter": nextafter, "clamp_min": clamp_min, "clamp_max": clamp_max, "msort": msort,
    "cauchy_": cauchy_, "log_normal_": log_normal_, "geometric_": geometric_,
    "new_empty_strided": new_empty_strided, "unique_consecutive": unique_consecutive,
    "is_conj": lambda self: False, "is_neg": lambda self: False,
    "__rdiv__": lambda self, other: _rdiv(self, other),
}


def _rdiv(self, other):
    from .elementwise import div
    return div(other, self)
