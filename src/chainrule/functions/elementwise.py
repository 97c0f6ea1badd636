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
    """The autograd node of tensor + tensor: backward passes g to both, reduced to their shapes.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = a + b
    >>> y.grad_fn
    <AddBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([1., 1.]), tensor([1., 1.]))
    """
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
    """The autograd node of tensor - tensor: backward returns g and -g, reduced to their shapes.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = a - b
    >>> y.grad_fn
    <SubBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([1., 1.]), tensor([-1., -1.]))
    """
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
    """The autograd node of torch.mul (tensor * tensor): backward returns g * b and g * a.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = a * b
    >>> y.grad_fn
    <MulBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([3., 4.]), tensor([1., 2.]))
    """
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
    """The autograd node of torch.div (tensor / tensor): backward returns g / b and -g a / b^2.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = a / b
    >>> y.grad_fn
    <DivBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0.3333, 0.2500]), tensor([-0.1111, -0.1250]))
    """
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
    """The autograd node of tensor ** tensor (torch.pow): backward returns both partials.

    a ** b with both tensors. d/da = b a^(b-1); d/db = a^b log a (0 where a == 0).

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = a ** b
    >>> y.grad_fn
    <PowBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([ 3., 32.]), tensor([ 0.0000, 11.0904]))
    """

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
    """The autograd node of tensor ** number: backward returns g p x^(p - 1).

    x ** p for a Python number p.

    Backward returns g * p * x^(p - 1).

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x ** 3
    >>> y.grad_fn
    <PowScalarBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 0.7500, 12.0000])
    """

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
    """The autograd node of number ** tensor: backward returns g c^x ln c.

    c ** x for a Python number c: d/dx = c^x log c.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = 2 ** x
    >>> y.grad_fn
    <RPowScalarBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.9803, 2.7726])
    """
    saves_output = True

    def forward(self, x, c):
        self.logc = math.log(c) if c > 0 else float("nan")
        return np.power(np.asarray(c, x.dtype), x)

    def backward(self, g):
        return g * self.output() * self.logc


class Maximum(Op):
    """The autograd node of torch.maximum: the larger input gets g; at a tie each gets g / 2.

    Elementwise max; ties send half the gradient to each input (PyTorch's rule).

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([2.0, 2.0], requires_grad=True)
    >>> y = torch.maximum(a, b)
    >>> y.grad_fn
    <MaximumBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0.0000, 0.5000]), tensor([1.0000, 0.5000]))
    """

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
    """The autograd node of torch.minimum: the smaller input gets g; at a tie each gets g / 2.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([2.0, 2.0], requires_grad=True)
    >>> y = torch.minimum(a, b)
    >>> y.grad_fn
    <MinimumBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([1.0000, 0.5000]), tensor([0.0000, 0.5000]))
    """
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
    """The autograd node of torch.where: g goes to the branch taken, an exact 0 to the other.

    where(cond, a, b): the branch not taken gets an exact zero gradient (no NaN leak).

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = torch.where(a > 1.5, a, b)
    >>> y.grad_fn
    <WhereBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0., 1.]), tensor([1., 0.]))
    """
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
    """The autograd node of torch.neg: backward returns -g.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = -x
    >>> y.grad_fn
    <NegBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1., -1.])
    """
    saves = False

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g


class Cast(Op):
    """The autograd node of a dtype change (Tensor.to, .double(), ...): backward casts g back.

    A dtype change; the gradient is cast back to the input's dtype.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x.to(torch.float64)
    >>> y.grad_fn
    <CastBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """
    saves = False

    def forward(self, x, dtype):
        self.src = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        if dual.is_array(g):
            return g.astype(self.src, copy=False)
        return g.to(dtypes.from_np(self.src))


class Copy(Op):
    """The autograd node of Tensor.clone: backward passes g through.

    clone(): a new array, gradient passes through.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x.clone()
    >>> y.grad_fn
    <CopyBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """
    saves = False

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


class Abs(Op):
    """The autograd node of torch.abs: backward returns g * sign(x) (0 at x = 0).

    >>> x = torch.tensor([-1.5, 0.0, 2.0], requires_grad=True)
    >>> y = torch.abs(x)
    >>> y.grad_fn
    <AbsBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1.,  0.,  1.])
    """
    def forward(self, x):
        return np.abs(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        return g * np.sign(xd)  # |x|'(0) = 0


class Exp(Op):
    """The autograd node of torch.exp: backward returns g * exp(x), from the saved output.

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.exp(x)
    >>> y.grad_fn
    <ExpBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 2.7183])
    """
    saves_output = True
    saved_attrs = ("_out", "_options")

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output()


class Expm1(Op):
    """The autograd node of torch.expm1: backward returns g * (out + 1).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.expm1(x)
    >>> y.grad_fn
    <Expm1Backward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 2.7183])
    """
    saves_output = True

    def forward(self, x):
        return np.expm1(x)

    def backward(self, g):
        return g * (self.output() + 1)


class Log(Op):
    """The autograd node of torch.log: backward returns g / x.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = torch.log(x)
    >>> y.grad_fn
    <LogBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([2.0000, 0.5000])
    """
    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / x


class Log1p(Op):
    """The autograd node of torch.log1p: backward returns g / (1 + x).

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = torch.log1p(x)
    >>> y.grad_fn
    <Log1pBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.6667, 0.3333])
    """
    def forward(self, x):
        return np.log1p(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / (x + 1)


class Sqrt(Op):
    """The autograd node of torch.sqrt: backward returns g / (2 sqrt(x)), from the saved output.

    >>> x = torch.tensor([0.25, 4.0], requires_grad=True)
    >>> y = torch.sqrt(x)
    >>> y.grad_fn
    <SqrtBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 0.2500])
    """
    saves_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g):
        return g / (2 * self.output())


class Rsqrt(Op):
    """The autograd node of torch.rsqrt: backward returns -g / (2 x^(3/2)), from the saved output.

    >>> x = torch.tensor([0.25, 4.0], requires_grad=True)
    >>> y = torch.rsqrt(x)
    >>> y.grad_fn
    <RsqrtBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-4.0000, -0.0625])
    """
    saves_output = True

    def forward(self, x):
        return 1 / np.sqrt(x)

    def backward(self, g):
        y = self.output()
        return g * (-0.5) * y * y * y


class Sin(Op):
    """The autograd node of torch.sin: backward returns g * cos(x).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.sin(x)
    >>> y.grad_fn
    <SinBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 0.5403])
    """
    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * dual.cos(x)


class Cos(Op):
    """The autograd node of torch.cos: backward returns -g * sin(x).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.cos(x)
    >>> y.grad_fn
    <CosBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-0.0000, -0.8415])
    """
    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return -g * dual.sin(x)


class Tanh(Op):
    """The autograd node of torch.tanh: backward returns g * (1 - out^2), from the saved output.

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.tanh(x)
    >>> y.grad_fn
    <TanhBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 0.4200])
    """
    saves_output = True
    saved_attrs = ("_out", "_options")

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        y = self.output()
        gy = g * y
        return g - gy * y   # g (1 - y^2) without a Python-scalar ufunc (2x dearer on small arrays)


class Sigmoid(Op):
    """The autograd node of torch.sigmoid: backward returns g * out * (1 - out).

    >>> x = torch.tensor([0.0, 2.0], requires_grad=True)
    >>> y = torch.sigmoid(x)
    >>> y.grad_fn
    <SigmoidBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.2500, 0.1050])
    """
    saves_output = True
    saved_attrs = ("_out", "_options")

    def forward(self, x):
        return dual._np_sigmoid(x)

    def backward(self, g):
        y = self.output()
        return g * y * (1 - y)


class Erf(Op):
    """The autograd node of torch.erf: backward returns g * 2 / sqrt(pi) * exp(-x^2).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.erf(x)
    >>> y.grad_fn
    <ErfBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.1284, 0.4151])
    """
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
    """The autograd node of torch.relu: backward returns g where x > 0, else 0.

    >>> x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = torch.relu(x)
    >>> y.grad_fn
    <ReluBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 0., 1.])
    """
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
    """The autograd node of F.leaky_relu: backward returns g where x > 0, else negative_slope * g.

    >>> x = torch.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = F.leaky_relu(x, 0.1)
    >>> y.grad_fn
    <LeakyReluBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.1000, 1.0000])
    """
    def forward(self, x, slope):
        self.slope = np.where(x > 0, 1, slope).astype(x.dtype)
        return x * self.slope

    def backward(self, g):
        return g * self.slope


class Elu(Op):
    """The autograd node of F.elu: backward returns g where x > 0, else g * alpha * exp(x).

    >>> x = torch.tensor([-1.0, 2.0], requires_grad=True)
    >>> y = F.elu(x)
    >>> y.grad_fn
    <EluBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.3679, 1.0000])
    """
    def forward(self, x, alpha):
        self.alpha = alpha
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)

    def backward(self, g):
        (x,) = self.saved_inputs()
        xd = x if dual.is_array(x) else x._data
        neg = dual.exp(x) * self.alpha  # derivative for x <= 0
        return g * dual.where(xd > 0, 1.0, neg)


class Gelu(Op):
    """The autograd node of F.gelu: backward returns g times GELU's derivative.

    GELU, exact (x Phi(x)) or PyTorch's tanh approximation.

    Backward returns g * (Phi(x) + x phi(x)), phi the standard normal density (tanh form: its
    derivative).

    >>> x = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    >>> y = F.gelu(x)
    >>> y.grad_fn
    <GeluBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-0.0833,  0.5000,  1.0833])
    """

    def forward(self, x, approximate="none"):
        self.approximate = approximate
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            return (0.5 * x * (1 + np.tanh(k * (x + 0.044715 * x ** 3)))).astype(x.dtype)
        if x.dtype == np.float32 and x.size >= 64:
            # A transformer's MLP calls this on millions of activations: compute Phi(x) in
            # float32 (NumPy's float64 exp is much slower) and keep it, and exp(-x^2 / 2),
            # for backward: no erf and no exp evaluated twice.
            gauss = np.empty(x.shape, np.float32)
            cdf = _phi_f32(x, gauss=gauss)
            self.cdf, self.gauss = cdf, gauss
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
            if (g.dtype == x.dtype and g.shape == x.shape and x.flags.c_contiguous
                    and g.flags.c_contiguous):
                return _gelu_grad_f32(x, cdf, g, self.gauss)
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


def _gelu_grad_f32(x, cdf, g, gauss, block=65536):
    """g (Phi(x) + x phi(x)) for float32 x, by blocks that stay in cache (~25% faster on
    1M elements than whole-array passes), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) from
    `gauss`, the exp(-x^2 / 2) that forward computed the same way (so the same bits as
    evaluating it here, without a second exp over the activations)."""
    out = np.empty_like(x)
    fx, fc, fg, fo = x.reshape(-1), cdf.reshape(-1), g.reshape(-1), out.reshape(-1)
    fe = gauss.reshape(-1)
    k = np.float32(1 / math.sqrt(2 * math.pi))
    for i in range(0, fx.size, block):
        p = fo[i:i + block]
        np.multiply(fe[i:i + block], k, out=p)
        p *= fx[i:i + block]
        p += fc[i:i + block]
        p *= fg[i:i + block]
    return out


def _phi_f32(x, block=65536, gauss=None):
    """The standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2 for float32 x, in float32,
    as Phi(-|x|) = t G(t) exp(-x^2 / 2) with t = 1 / (1 + 0.4 |x| / sqrt 2) and G a
    degree-8 polynomial (erfc(a) exp(a^2) / (2 t), fitted by weighted least squares on
    Chebyshev nodes for |x| <= 14.5, below which float32 Phi(-|x|) is not 0): relative
    error 4e-6 at worst in the far tails (where rounding x^2 costs that much), 8e-7
    for |x| < 5; Numerical Recipes' erfc fit, used before, gave 1.6e-5 and 2.2e-6 on the
    same points, with one Horner step more. Phi of the negative half is computed
    directly, so the tail stays accurate in relative terms (GELU(x) = x Phi(x) is tiny
    there, not zero). Large arrays go in blocks whose passes stay in the CPU cache.
    `gauss`, an array like x, also receives exp(-x^2 / 2) (GELU's backward uses it)."""
    flat = x.reshape(-1)
    out = np.empty_like(flat)
    gflat = gauss.reshape(-1) if gauss is not None else None
    n = min(block, flat.size)
    scratch = None if gauss is not None else np.empty(n, np.float32)
    for i in range(0, flat.size, block):
        j = min(i + block, flat.size)
        e = gflat[i:j] if gflat is not None else scratch[:j - i]
        _phi_f32_block(flat[i:j], out[i:j], e)
    return out.reshape(x.shape)


# G(t) = erfc(a) exp(a^2) / (2 t), a = (1 - t) / (0.4 t), lowest degree first; the
# constant term moved by 2e-8 from the fit so that float32 Horner gives exactly 1/2 at
# t = 1 (Phi(0) = 0.5, GELU'(0) = 0.5 exactly).
_PHI_G = (0.11282053589820862, 0.11316098900356056, 0.1013893138123215, 0.09490652314215989,
          0.044184606960658, 0.03761326595249613, 0.0476656403809035, -0.07294910546354419,
          0.02120824596835166)
_PHI_P = 0.4


def _phi_f32_block(x, r, e):
    """Phi(x) into r and exp(-x^2 / 2) into e (same shape as x, float32)."""
    z = x * np.float32(-1 / math.sqrt(2))
    t = np.abs(z)
    t *= np.float32(_PHI_P)
    t += np.float32(1)
    np.reciprocal(t, out=t)
    np.multiply(t, np.float32(_PHI_G[-1]), out=r)
    for c in _PHI_G[-2::-1]:
        r += np.float32(c)
        r *= t                               # t G(t), by Horner's rule
    np.multiply(x, x, out=e)
    e *= np.float32(-0.5)                    # exactly -x * x / 2
    np.exp(e, out=e)
    r *= e                                   # Phi(-|x|)
    # Phi(x) = 1 - Phi(-x) for x > 0 (z < 0), Phi(-|x|) itself otherwise, without a
    # branch: np.where on a random sign pattern costs ~6 ns an element (mispredicted
    # branches), more than the rest of the block together. r gets z's sign and
    # h = 0.5 - copysign(0.5, z) is exactly 1 or 0, so the sum is exactly 1 - r or r, as
    # a select would give. The sign copies are integer bit operations on the float32
    # bits (np.copysign is not vectorised: 1.6 ms per 1M elements against 0.2 ms).
    zi = z.view(np.int32)
    np.bitwise_and(zi, _F32_SIGN, out=zi)    # z's sign bit
    ri = r.view(np.int32)
    np.bitwise_or(ri, zi, out=ri)            # copysign(r, z), as r >= 0
    np.bitwise_or(zi, _F32_HALF, out=zi)     # copysign(0.5, z)
    h = zi.view(np.float32)
    np.subtract(np.float32(0.5), h, out=h)
    r += h


_F32_SIGN = np.int32(-2 ** 31)         # the float32 sign bit
_F32_HALF = np.int32(0x3F000000)       # the bits of float32 0.5


class Silu(Op):
    """The autograd node of F.silu: backward returns g * s (1 + x (1 - s)), s = sigmoid(x).

    >>> x = torch.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    >>> y = F.silu(x)
    >>> y.grad_fn
    <SiluBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.0723, 0.5000, 1.0908])
    """
    def forward(self, x):
        return x * dual._np_sigmoid(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        s = dual.sigmoid(x)
        return g * (s * (1 + x * (1 - s)))


class Softplus(Op):
    """The autograd node of F.softplus: backward returns g * sigmoid(beta x).

    log(1 + exp(beta x)) / beta, linear above `threshold` as in PyTorch.

    Backward returns g * sigmoid(beta x), or g above the threshold.

    >>> x = torch.tensor([-1.0, 0.0, 30.0], requires_grad=True)
    >>> y = F.softplus(x)
    >>> y.grad_fn
    <SoftplusBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.2689, 0.5000, 1.0000])
    """

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
    """The autograd node of torch.clamp with number bounds: backward passes g inside them.

    Gradient 1 inside [min, max] (bounds included), 0 outside, as in PyTorch.

    >>> x = torch.tensor([-2.0, 0.5, 1.0, 3.0], requires_grad=True)
    >>> y = torch.clamp(x, -1.0, 1.0)
    >>> y.grad_fn
    <ClampBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 1., 1., 0.])
    """

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
    """The autograd node of torch.floor_divide: its gradient is zero almost everywhere.

    a // b rounds toward -inf; its gradient is zero almost everywhere.

    >>> a = torch.tensor([7.0, -7.0], requires_grad=True)
    >>> y = torch.floor_divide(a, 2.0)
    >>> y
    tensor([ 3., -4.], grad_fn=<FloorDivBackward0>)
    >>> y.grad_fn
    <FloorDivBackward0 object>
    """
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
    """The autograd node of torch.remainder: backward returns g and -g floor(a / b).

    a % b (sign of b, as Python and PyTorch); d/da = 1, d/db = -floor(a / b).

    >>> a = torch.tensor([7.0, -7.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 3.0], requires_grad=True)
    >>> y = torch.remainder(a, b)
    >>> y.grad_fn
    <RemainderBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([1., 1.]), tensor([-2.,  3.]))
    """

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
    """The autograd node of tensor + number (the number kept as an option): backward returns g.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x + 1.0
    >>> y.grad_fn
    <AddBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """
    saves = False
    name, backward_name = "add", "AddBackward0"

    def forward(self, x, s):
        return x + s

    def backward(self, g):
        return g


class SubScalar(Op):
    """The autograd node of tensor - number: backward returns g.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x - 1.0
    >>> y.grad_fn
    <SubBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1., 1.])
    """
    saves = False
    name, backward_name = "sub", "SubBackward0"

    def forward(self, x, s):
        return x - s

    def backward(self, g):
        return g


class RSubScalar(Op):
    """The autograd node of number - tensor: backward returns -g.

    out = s - x

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = 1.0 - x
    >>> y.grad_fn
    <RsubBackward1 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1., -1.])
    """
    saves = False
    name, backward_name = "rsub", "RsubBackward1"

    def forward(self, x, s):
        return s - x

    def backward(self, g):
        return -g


class MulScalar(Op):
    """The autograd node of tensor * number: backward returns g * s.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x * 3.0
    >>> y.grad_fn
    <MulBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([3., 3.])
    """
    saves = False
    name, backward_name = "mul", "MulBackward0"

    def forward(self, x, s):
        self.s = s
        return x * s

    def backward(self, g):
        return g * self.s


class DivScalar(Op):
    """The autograd node of tensor / number: backward returns g / s.

    >>> x = torch.tensor([0.5, 2.0], requires_grad=True)
    >>> y = x / 4.0
    >>> y.grad_fn
    <DivBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.2500, 0.2500])
    """
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
    """Adds other, scaled by alpha, to input (broadcasting).

    out_i = input_i + alpha * other_i

    >>> torch.add(torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0]))
    tensor([11., 22.])
    >>> torch.add(torch.tensor([1.0, 2.0]), 1, alpha=3)
    tensor([4., 5.])
    """
    a, b = input, other
    if alpha != 1:
        b = mul(b, alpha)
    return _bin(Add, a, b)


def sub(input, other, *, alpha=1):  # noqa: A002
    """Subtracts other, scaled by alpha, from input (broadcasting); also torch.subtract.

    out_i = input_i - alpha * other_i

    >>> torch.sub(torch.tensor([5.0, 7.0]), torch.tensor([1.0, 2.0]))
    tensor([4., 5.])
    >>> torch.sub(torch.tensor([5.0, 7.0]), 1, alpha=2)
    tensor([3., 5.])
    """
    a, b = input, other
    if alpha != 1:
        b = mul(b, alpha)
    return _bin(Sub, a, b)


subtract = sub


def mul(input, other):  # noqa: A002
    """Multiplies input by other elementwise (broadcasting); also torch.multiply.

    out_i = input_i * other_i

    >>> torch.mul(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 0.5, -1.0]))
    tensor([ 2.,  1., -3.])
    >>> torch.mul(torch.tensor([[1], [2]]), torch.tensor([10, 20]))
    tensor([[10, 20],
            [20, 40]])
    """
    return _bin(Mul, input, other)


multiply = mul


def div(input, other, *, rounding_mode=None):  # noqa: A002
    """Divides input by other elementwise; also torch.divide and torch.true_divide.

    out_i = input_i / other_i (true division; rounding_mode='trunc' or 'floor' rounds it)

    >>> torch.div(torch.tensor([7.0, -7.0]), 2)
    tensor([ 3.5000, -3.5000])
    >>> torch.div(torch.tensor([7, -7]), 2)
    tensor([ 3.5000, -3.5000])
    >>> torch.div(torch.tensor([7.0, -7.0]), 2, rounding_mode='trunc')
    tensor([ 3., -3.])
    >>> torch.div(torch.tensor([7.0, -7.0]), 2, rounding_mode='floor')
    tensor([ 3., -4.])
    """
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
    """Divides input by other and rounds the quotient down (toward -inf).

    out_i = floor(input_i / other_i)

    >>> torch.floor_divide(torch.tensor([7, -7]), 2)
    tensor([ 3, -4])
    >>> torch.floor_divide(torch.tensor([7.5, -7.5]), 2.0)
    tensor([ 3., -4.])
    """
    return _bin(FloorDiv, input, other)


def remainder(input, other):  # noqa: A002
    """Returns the remainder of input / other, with the sign of other (Python's %).

    out_i = input_i - floor(input_i / other_i) * other_i

    >>> torch.remainder(torch.tensor([7, -7]), 3)
    tensor([1, 2])
    >>> torch.remainder(torch.tensor([7.0, -7.0]), -3.0)
    tensor([-2., -1.])
    """
    return _bin(Remainder, input, other)



def pow(input, exponent):  # noqa: A001,A002
    """Raises input to the power exponent (a number or a tensor, broadcasting).

    out_i = input_i ** exponent_i

    >>> torch.pow(torch.tensor([1.0, 2.0, 3.0]), 2)
    tensor([1., 4., 9.])
    >>> torch.pow(torch.tensor([2.0, 2.0]), torch.tensor([0.5, -1.0]))
    tensor([1.4142, 0.5000])
    >>> torch.pow(torch.tensor([2, 3]), 3)
    tensor([ 8, 27])
    """
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
    """Returns the elementwise maximum of input and other (broadcasting).

    out_i = max(input_i, other_i); at a tie the gradient is split evenly between them

    >>> torch.maximum(torch.tensor([1.0, 5.0, 3.0]), torch.tensor([4.0, 2.0, 3.0]))
    tensor([4., 5., 3.])
    """
    return _bin(Maximum, input, other)


def minimum(input, other):  # noqa: A002
    """Returns the elementwise minimum of input and other (broadcasting).

    out_i = min(input_i, other_i); at a tie the gradient is split evenly between them

    >>> torch.minimum(torch.tensor([1.0, 5.0, 3.0]), torch.tensor([4.0, 2.0, 3.0]))
    tensor([1., 2., 3.])
    """
    return _bin(Minimum, input, other)


def where(condition, input=None, other=None):  # noqa: A002
    """where(cond, a, b): elementwise choice; where(cond) alone gives nonzero indices.

    out_i = input_i if condition_i else other_i

    >>> x = torch.tensor([-1.0, 0.5, 2.0])
    >>> torch.where(x > 0, x, torch.zeros(3))
    tensor([0.0000, 0.5000, 2.0000])
    >>> torch.where(x > 0, x, -1.0)
    tensor([-1.0000,  0.5000,  2.0000])
    >>> torch.where(x > 0)
    (tensor([1, 2]),)
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        cond = cond.astype(bool)
    a, b = promote(input, other)
    return Where.apply(a, b, cond=cond)


def masked_fill(x, mask, value):
    """Returns a copy of x with value written where the boolean mask is True.

    out_i = value if mask_i else x_i (the mask broadcasts to x's shape)

    >>> x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> torch.masked_fill(x, torch.tensor([[True, False], [False, True]]), 0.0)
    tensor([[0., 2.],
            [3., 0.]])
    >>> x.masked_fill(torch.tensor([False, True]), -1.0)
    tensor([[ 1., -1.],
            [ 3., -1.]])
    """
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
    """Returns the indices of the nonzero elements of x, one row per element.

    With as_tuple=True, a tuple of one index tensor per dimension (as numpy.nonzero).

    >>> x = torch.tensor([[0, 3], [5, 0]])
    >>> torch.nonzero(x)
    tensor([[0, 1],
            [1, 0]])
    >>> torch.nonzero(x, as_tuple=True)
    (tensor([0, 1]), tensor([1, 0]))
    """
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
    """Returns the absolute value of the elements of x; also torch.absolute.

    out_i = |x_i|

    >>> torch.abs(torch.tensor([-1.5, 0.0, 2.0]))
    tensor([1.5000, 0.0000, 2.0000])
    >>> torch.abs(torch.tensor([-3, 4]))
    tensor([3, 4])
    """
    x = as_operand(x)
    if x._data.dtype.kind != "f":
        return _make(np.abs(x._data))
    return Abs.apply(x)


absolute = abs


class Piecewise(Op):
    """The autograd node of sign, floor, ceil, round, ...: backward returns exact zeros.

    A piecewise-constant function of x (sign, floor, round, ...): its value, and an
    exact zero gradient (x * 0 + value would turn inf into NaN).

    >>> x = torch.tensor([-1.5, 2.0], requires_grad=True)
    >>> y = torch.sign(x)
    >>> y.grad_fn
    <PiecewiseBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 0.])
    """
    saves = False

    def forward(self, x, fn):
        return np.asarray(fn(x)).astype(x.dtype, copy=False)

    def backward(self, g):
        return np.zeros_like(g) if dual.is_array(g) else g * 0


def sign(x):
    """sign(x): -1, 0 or 1; its gradient is zero (a constant in autograd terms).

    >>> torch.sign(torch.tensor([-2.5, 0.0, 3.0]))
    tensor([-1.,  0.,  1.])
    """
    x = as_operand(x)
    if x._data.dtype == np.bool_:
        return _make(x._data.copy())
    return Piecewise.apply(x, fn=np.sign)


def log2(x):
    """Returns the base-2 logarithm of the elements of x.

    out_i = log2(x_i)

    >>> torch.log2(torch.tensor([1.0, 8.0, 0.5]))
    tensor([ 0.,  3., -1.])
    """
    return log(x) / math.log(2)


def log10(x):
    """Returns the base-10 logarithm of the elements of x.

    out_i = log10(x_i)

    >>> torch.log10(torch.tensor([1.0, 1000.0, 0.01]))
    tensor([ 0.,  3., -2.])
    """
    return log(x) / math.log(10)


def square(x):
    """Returns the square of the elements of x.

    out_i = x_i^2

    >>> torch.square(torch.tensor([-2.0, 0.5, 3.0]))
    tensor([4.0000, 0.2500, 9.0000])
    """
    return pow(x, 2)


def reciprocal(x):
    """Returns the reciprocal of the elements of x (integers give floats).

    out_i = 1 / x_i

    >>> torch.reciprocal(torch.tensor([2.0, -0.5, 0.1]))
    tensor([ 0.5000, -2.0000, 10.0000])
    >>> torch.reciprocal(torch.tensor([4]))
    tensor([0.2500])
    """
    return 1 / floating(x)


def relu(x, inplace=False):
    """Applies the rectified linear unit elementwise: negatives become 0.

    out_i = max(x_i, 0)

    >>> torch.relu(torch.tensor([-1.0, 0.0, 2.5]))
    tensor([0.0000, 0.0000, 2.5000])
    """
    if type(x) is Tensor and x._data.dtype.kind == "f":
        return apply1(Relu, x)
    x = as_operand(x)
    if x._data.dtype.kind != "f":
        return _make(np.maximum(x._data, 0))
    return Relu.apply(x)


def leaky_relu(x, negative_slope=0.01, inplace=False):
    """Applies the leaky ReLU elementwise: negatives are scaled by negative_slope.

    out_i = x_i if x_i > 0 else negative_slope * x_i

    >>> torch.nn.functional.leaky_relu(torch.tensor([-2.0, 0.0, 3.0]), 0.1)
    tensor([-0.2000,  0.0000,  3.0000])
    """
    return LeakyRelu.apply(floating(x), slope=negative_slope)


def elu(x, alpha=1.0, inplace=False):
    """Applies the exponential linear unit elementwise.

    out_i = x_i if x_i > 0 else alpha * (e^(x_i) - 1)

    >>> torch.nn.functional.elu(torch.tensor([-2.0, 0.0, 1.5]))
    tensor([-0.8647,  0.0000,  1.5000])
    """
    return Elu.apply(floating(x), alpha=alpha)


def gelu(x, approximate="none"):
    """Applies the Gaussian error linear unit elementwise (exact, or approximate='tanh').

    out_i = x_i * Phi(x_i), Phi the standard normal CDF; 'tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x +
    0.044715 x^3)))

    >>> x = torch.tensor([-1.0, 0.0, 1.0, 2.0])
    >>> torch.nn.functional.gelu(x)
    tensor([-0.1587,  0.0000,  0.8413,  1.9545])
    >>> torch.nn.functional.gelu(x, approximate='tanh')
    tensor([-0.1588,  0.0000,  0.8412,  1.9546])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(floating(x), approximate=approximate)


def softplus(x, beta=1.0, threshold=20.0):
    """Applies the softplus elementwise, a smooth ReLU (linear above threshold).

    out_i = log(1 + e^(beta x_i)) / beta, or x_i where beta x_i > threshold

    >>> torch.nn.functional.softplus(torch.tensor([-1.0, 0.0, 2.0]))
    tensor([0.3133, 0.6931, 2.1269])
    >>> torch.nn.functional.softplus(torch.tensor([-1.0, 0.0, 2.0]), beta=2.0)
    tensor([0.0635, 0.3466, 2.0091])
    """
    return Softplus.apply(floating(x), beta=beta, threshold=threshold)


def clamp(x, min=None, max=None):  # noqa: A002
    """Clamps the elements of x into [min, max] (either bound may be omitted); also torch.clip.

    out_i = min(max(x_i, min), max)

    >>> x = torch.tensor([-2.0, 0.5, 3.0])
    >>> torch.clamp(x, min=-1.0, max=1.0)
    tensor([-1.0000,  0.5000,  1.0000])
    >>> torch.clamp(x, min=0.0)
    tensor([0.0000, 0.5000, 3.0000])
    >>> torch.clamp(x, max=torch.tensor([0.0, 0.0, 2.0]))
    tensor([-2.,  0.,  2.])
    """
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
    """Shifts the bits of input left by other (integer tensors): input << other.

    out_i = input_i * 2^(other_i)

    >>> torch.bitwise_left_shift(torch.tensor([1, 2, -3]), 3)
    tensor([  8,  16, -24])
    >>> torch.tensor([1, 2]) << 3
    tensor([ 8, 16])
    """
    return _shift(input, other, True)


def bitwise_right_shift(input, other):  # noqa: A002
    """Shifts the bits of input right by other (arithmetic for signed types): input >> other.

    out_i = floor(input_i / 2^(other_i))

    >>> torch.bitwise_right_shift(torch.tensor([16, 7, -16]), 2)
    tensor([ 4,  1, -4])
    """
    return _shift(input, other, False)


def logical_not(x):
    """Computes the elementwise logical NOT (zero counts as False).

    >>> torch.logical_not(torch.tensor([True, False]))
    tensor([False,  True])
    >>> torch.logical_not(torch.tensor([0.0, 1.5]))
    tensor([ True, False])
    """
    return _make(np.logical_not(x._data))


def bitwise_not(x):
    """Computes the bitwise NOT of an integer or bool tensor.

    out_i = ~x_i (for integers: -x_i - 1)

    >>> torch.bitwise_not(torch.tensor([0, 5, -1]))
    tensor([-1, -6,  0])
    >>> torch.bitwise_not(torch.tensor([True, False]))
    tensor([False,  True])
    """
    x = as_operand(x)
    if x._data.dtype.kind not in "biu":
        raise RuntimeError(f'"bitwise_not_cpu" not implemented for '
                           f"'{x.dtype.name.capitalize()}'")
    return _make(np.invert(x._data))


def isnan(x):
    """Returns a bool tensor, True where x is NaN.

    >>> torch.isnan(torch.tensor([1.0, float('nan'), float('inf')]))
    tensor([False,  True, False])
    """
    return _make(np.isnan(x._data))


def isinf(x):
    """Returns a bool tensor, True where x is +inf or -inf.

    >>> torch.isinf(torch.tensor([1.0, float('nan'), float('-inf')]))
    tensor([False, False,  True])
    """
    return _make(np.isinf(x._data))


def isfinite(x):
    """Returns a bool tensor, True where x is neither NaN nor infinite.

    >>> torch.isfinite(torch.tensor([1.0, float('nan'), float('inf')]))
    tensor([ True, False, False])
    """
    return _make(np.isfinite(x._data))


def equal(a, b):
    """Returns True if the two tensors have the same shape and elements.

    >>> torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2]))
    True
    >>> torch.equal(torch.tensor([1, 2]), torch.tensor([[1, 2]]))
    False
    """
    return a._data.shape == b._data.shape and bool(np.array_equal(a._data, b._data))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Returns True if every element of a is close to the matching element of b.

    all(|a_i - b_i| <= atol + rtol * |b_i|)

    >>> torch.allclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0 + 1e-6]))
    True
    >>> torch.allclose(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.1]))
    False
    """
    return bool(np.allclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Returns a bool tensor, True where a is close to b.

    out_i = |a_i - b_i| <= atol + rtol * |b_i|

    >>> torch.isclose(torch.tensor([1.0, 2.0, float('nan')]), torch.tensor([1.0, 2.1, float('nan')]))
    tensor([ True, False, False])
    >>> torch.isclose(torch.tensor([float('nan')]), torch.tensor([float('nan')]), equal_nan=True)
    tensor([True])
    """
    return _make(np.isclose(a._data, b._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _rounding(fn):
    def f(x):
        x = as_operand(x)
        if x._data.dtype.kind != "f":  # integers and bools are already whole: same dtype
            return _make(x._data.copy())
        return Piecewise.apply(x, fn=fn)
    return f


floor, ceil, trunc = _rounding(np.floor), _rounding(np.ceil), _rounding(np.trunc)
fix = trunc  # PyTorch's alias
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
    """The autograd node of torch.tan: backward returns g * (1 + out^2).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.tan(x)
    >>> y.grad_fn
    <TanBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 3.4255])
    """
    saves_output = True

    def forward(self, x):
        return np.tan(x)

    def backward(self, g):
        y = self.output()
        return g * (1 + y * y)


class Asin(Op):
    """The autograd node of torch.asin: backward returns g / sqrt(1 - x^2).

    >>> x = torch.tensor([0.0, 0.5], requires_grad=True)
    >>> y = torch.asin(x)
    >>> y.grad_fn
    <AsinBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 1.1547])
    """
    def forward(self, x):
        return np.arcsin(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / _fn(np.sqrt, "sqrt", 1 - x * x)


class Acos(Op):
    """The autograd node of torch.acos: backward returns -g / sqrt(1 - x^2).

    >>> x = torch.tensor([0.0, 0.5], requires_grad=True)
    >>> y = torch.acos(x)
    >>> y.grad_fn
    <AcosBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([-1.0000, -1.1547])
    """
    def forward(self, x):
        return np.arccos(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return -g / _fn(np.sqrt, "sqrt", 1 - x * x)


class Atan(Op):
    """The autograd node of torch.atan: backward returns g / (1 + x^2).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.atan(x)
    >>> y.grad_fn
    <AtanBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 0.5000])
    """
    def forward(self, x):
        return np.arctan(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / (1 + x * x)


class Sinh(Op):
    """The autograd node of torch.sinh: backward returns g * cosh(x).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.sinh(x)
    >>> y.grad_fn
    <SinhBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 1.5431])
    """
    def forward(self, x):
        return np.sinh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _fn(np.cosh, "cosh", x)


class Cosh(Op):
    """The autograd node of torch.cosh: backward returns g * sinh(x).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.cosh(x)
    >>> y.grad_fn
    <CoshBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.0000, 1.1752])
    """
    def forward(self, x):
        return np.cosh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g * _fn(np.sinh, "sinh", x)


class Asinh(Op):
    """The autograd node of torch.asinh: backward returns g / sqrt(x^2 + 1).

    >>> x = torch.tensor([0.0, 1.0], requires_grad=True)
    >>> y = torch.asinh(x)
    >>> y.grad_fn
    <AsinhBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 0.7071])
    """
    def forward(self, x):
        return np.arcsinh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / _fn(np.sqrt, "sqrt", x * x + 1)


class Acosh(Op):
    """The autograd node of torch.acosh: backward returns g / sqrt(x^2 - 1).

    >>> x = torch.tensor([2.0, 3.0], requires_grad=True)
    >>> y = torch.acosh(x)
    >>> y.grad_fn
    <AcoshBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.5774, 0.3536])
    """
    def forward(self, x):
        return np.arccosh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / _fn(np.sqrt, "sqrt", (x - 1) * (x + 1))


class Atanh(Op):
    """The autograd node of torch.atanh: backward returns g / (1 - x^2).

    >>> x = torch.tensor([0.0, 0.5], requires_grad=True)
    >>> y = torch.atanh(x)
    >>> y.grad_fn
    <AtanhBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.0000, 1.3333])
    """
    def forward(self, x):
        return np.arctanh(x)

    def backward(self, g):
        (x,) = self.saved_inputs()
        return g / (1 - x * x)


class Exp2(Op):
    """The autograd node of torch.exp2: backward returns g * out * ln 2, from the saved output.

    >>> x = torch.tensor([0.0, 3.0], requires_grad=True)
    >>> y = torch.exp2(x)
    >>> y.grad_fn
    <Exp2Backward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.6931, 5.5452])
    """
    saves_output = True

    def forward(self, x):
        return np.exp2(x)

    def backward(self, g):
        return g * self.output() * math.log(2)


class Sinc(Op):
    """The autograd node of torch.sinc: backward returns g (cos(pi x) - sinc(x)) / x.

    sin(pi x) / (pi x), 1 at 0; its derivative is 0 there.

    >>> x = torch.tensor([0.0, 0.5], requires_grad=True)
    >>> y = torch.sinc(x)
    >>> y.grad_fn
    <SincBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([ 0.0000, -1.2732])
    """

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
    """The autograd node of torch.logit: backward returns g / (x (1 - x)).

    log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given (gradient 0 outside,
    as PyTorch).

    Backward returns g / (x (1 - x)).

    >>> x = torch.tensor([0.5, 0.8], requires_grad=True)
    >>> y = torch.logit(x)
    >>> y.grad_fn
    <LogitBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([4.0000, 6.2500])
    """

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
    """The autograd node of torch.nan_to_num: backward passes g where x is finite.

    NaN / +inf / -inf replaced by numbers; the gradient is g where x is finite, else 0.

    >>> x = torch.tensor([float('inf'), 1.0], requires_grad=True)
    >>> y = torch.nan_to_num(x)
    >>> y.grad_fn
    <NanToNumBackward0 object>
    >>> y.sum().backward()
    >>> x.grad
    tensor([0., 1.])
    """

    def forward(self, x, nan, posinf, neginf):
        self.finite = np.isfinite(x)
        return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, g):
        return dual.where(self.finite, g, 0.0)


class Atan2(Op):
    """The autograd node of torch.atan2(a, b): backward: g b / (a^2 + b^2), -g a / (a^2 + b^2).

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = torch.atan2(a, b)
    >>> y.grad_fn
    <Atan2Backward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0.3000, 0.2000]), tensor([-0.1000, -0.1000]))
    """
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
    """The autograd node of torch.hypot: backward returns g a / out and g b / out.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = torch.hypot(a, b)
    >>> y.grad_fn
    <HypotBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0.3162, 0.4472]), tensor([0.9487, 0.8944]))
    """
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
    """The autograd node of torch.logaddexp / logaddexp2: backward returns g times softmax weights.

    log(e^a + e^b); base 2 with base2=True. d/da = 1 / (1 + base^(b - a)).

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([1.0, 0.0], requires_grad=True)
    >>> y = torch.logaddexp(a, b)
    >>> y.grad_fn
    <LogAddExpBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([0.5000, 0.8808]), tensor([0.5000, 0.1192]))
    """

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
    """The autograd node of torch.copysign: backward returns g out / a (0 where a == 0), and 0.

    |a| with b's sign; d/da = out / a (0 where a == 0), d/db = 0.

    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([-1.0, 1.0], requires_grad=True)
    >>> y = torch.copysign(a, b)
    >>> y.grad_fn
    <CopysignBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([-1.,  1.]), tensor([0., 0.]))
    """
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
    """The autograd node of torch.fmod: backward returns g and -g trunc(a / b).

    C's fmod (the sign of a); d/da = 1, d/db = -trunc(a / b).

    >>> a = torch.tensor([7.0, -7.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 3.0], requires_grad=True)
    >>> y = torch.fmod(a, b)
    >>> y.grad_fn
    <FmodBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([1., 1.]), tensor([-2.,  2.]))
    """

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
    """The autograd node of torch.xlogy: backward returns g log(y) and g x / y.

    x * log(y), 0 where x == 0 (unless y is NaN). Subclasses shift the log's argument
    (Xlog1py: x * log(1 + y)) through the class attributes.

    Backward returns g log(y) and g x / y.

    >>> a = torch.tensor([0.0, 2.0], requires_grad=True)
    >>> b = torch.tensor([3.0, 4.0], requires_grad=True)
    >>> y = torch.xlogy(a, b)
    >>> y.grad_fn
    <XlogyBackward0 object>
    >>> y.sum().backward()
    >>> a.grad, b.grad
    (tensor([1.0986, 1.3863]), tensor([0.0000, 0.5000]))
    """

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
    """The autograd node of torch.lerp: backward returns g (1 - w), g w and g (end - start).

    start + w (end - start), evaluated as PyTorch does (from the nearer end).

    Backward returns g (1 - w), g w and g (end - start).

    >>> s = torch.tensor([0.0, 10.0], requires_grad=True)
    >>> e = torch.tensor([1.0, 20.0], requires_grad=True)
    >>> w = torch.tensor([0.25, 0.5], requires_grad=True)
    >>> y = torch.lerp(s, e, w)
    >>> y.grad_fn
    <LerpBackward0 object>
    >>> y.sum().backward()
    >>> s.grad, e.grad, w.grad
    (tensor([0.7500, 0.5000]), tensor([0.2500, 0.5000]), tensor([ 1., 10.]))
    """
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
    """The autograd node of torch.clamp with tensor bounds: g goes to x or to the bound used.

    clamp with tensor bounds (either may be absent). Gradients as PyTorch: x gets g where
    min <= x <= max; min where x < min (and min < max); max where x > max (or max < min).

    >>> x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    >>> lo = torch.tensor([-1.0, -1.0, -1.0], requires_grad=True)
    >>> y = torch.clamp(x, min=lo, max=torch.tensor(1.0))
    >>> y
    tensor([-1.0000,  0.5000,  1.0000], grad_fn=<ClampTensorBackward0>)
    >>> y.sum().backward()
    >>> x.grad, lo.grad
    (tensor([0., 1., 0.]), tensor([1., 0., 0.]))
    """

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
    """Returns the angle of the point (other, input), elementwise; also torch.arctan2.

    out_i = atan2(input_i, other_i), in (-pi, pi]: the quadrant is read from both signs

    >>> torch.atan2(torch.tensor([1.0, -1.0, 1.0]), torch.tensor([1.0, 1.0, -1.0]))
    tensor([ 0.7854, -0.7854,  2.3562])
    """
    return Atan2.apply(*_float_pair(input, other, "atan2"))


arctan2 = atan2


def hypot(input, other):  # noqa: A002
    """sqrt(a^2 + b^2) without overflow.

    out_i = sqrt(input_i^2 + other_i^2)

    >>> torch.hypot(torch.tensor([3.0, 5.0]), torch.tensor([4.0, 12.0]))
    tensor([ 5., 13.])
    """
    return Hypot.apply(*_float_pair(input, other, "hypot"))


def logaddexp(input, other):  # noqa: A002
    """log(exp(a) + exp(b)), stable.

    out_i = log(e^(input_i) + e^(other_i))

    >>> torch.logaddexp(torch.tensor([0.0, 1000.0]), torch.tensor([0.0, 1000.0]))
    tensor([6.9315e-01, 1.0007e+03])
    """
    return LogAddExp.apply(*_float_pair(input, other, "logaddexp"))


def logaddexp2(input, other):  # noqa: A002
    """log2(2^a + 2^b), stable.

    out_i = log2(2^(input_i) + 2^(other_i))

    >>> torch.logaddexp2(torch.tensor([0.0, 3.0]), torch.tensor([0.0, 3.0]))
    tensor([1., 4.])
    """
    return LogAddExp.apply(*_float_pair(input, other, "logaddexp2"), base2=True)


def copysign(input, other):  # noqa: A002
    """|input| with the sign of other (a float result, as PyTorch).

    >>> torch.copysign(torch.tensor([1.0, -2.0, 3.0]), torch.tensor([-1.0, 1.0, -0.0]))
    tensor([-1.,  2., -3.])
    """
    return Copysign.apply(*_float_pair(input, other, "copysign"))


def fmod(input, other):  # noqa: A002
    """Remainder with the sign of the dividend (C fmod); integers stay integers.

    out_i = input_i - trunc(input_i / other_i) * other_i

    >>> torch.fmod(torch.tensor([7, -7]), 3)
    tensor([ 1, -1])
    >>> torch.fmod(torch.tensor([7.5, -7.5]), 2.0)
    tensor([ 1.5000, -1.5000])
    """
    a, b = promote(input, other)
    if a._data.dtype.kind in "iu" and (b._data == 0).any():
        raise RuntimeError("ZeroDivisionError: fmod by zero on integer tensors")
    return Fmod.apply(a, b)


def xlogy(input, other):  # noqa: A002
    """input * log(other), 0 where input == 0.

    out_i = input_i * log(other_i), and 0 where input_i == 0

    >>> torch.xlogy(torch.tensor([0.0, 2.0, 3.0]), torch.tensor([0.0, 2.7183, 1.0]))
    tensor([0.0000, 2.0000, 0.0000])
    """
    return Xlogy.apply(*_float_pair(input, other, "xlogy"))


def lerp(input, end, weight):  # noqa: A002
    """input + weight * (end - input), weight a number or a tensor.

    out_i = input_i + weight_i * (end_i - input_i)

    >>> torch.lerp(torch.tensor([0.0, 10.0]), torch.tensor([1.0, 20.0]), 0.25)
    tensor([ 0.2500, 12.5000])
    >>> torch.lerp(torch.tensor([0.0, 10.0]), torch.tensor([1.0, 20.0]), torch.tensor([0.5, 1.0]))
    tensor([ 0.5000, 20.0000])
    """
    s, e = promote(input, end)
    if s._data.dtype.kind != "f":
        raise RuntimeError(f"lerp: expected floating point tensors, got {s.dtype.name}")
    w = cast(weight, s._data.dtype) if isinstance(weight, Tensor) else \
        _make(np.asarray(weight, dtype=s._data.dtype))
    return Lerp.apply(s, e, w)


def logit(input, eps=None):  # noqa: A002
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given.

    >>> torch.logit(torch.tensor([0.5, 0.75, 0.1]))
    tensor([ 0.0000,  1.0986, -2.1972])
    >>> torch.logit(torch.tensor([0.5, 1.0 - 1e-9, 1e-9]), eps=1e-6)
    tensor([  0.0000,  13.8023, -13.8155])
    """
    return Logit.apply(floating(input), eps=eps)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """NaN, +inf and -inf replaced by nan, posinf (the dtype's max) and neginf (its min).

    >>> x = torch.tensor([float('nan'), float('inf'), -float('inf'), 1.5])
    >>> torch.nan_to_num(x)
    tensor([ 0.0000e+00,  3.4028e+38, -3.4028e+38,  1.5000e+00])
    >>> torch.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    tensor([ 0.0000,  1.0000, -1.0000,  1.5000])
    """
    x = as_operand(input)
    if x._data.dtype.kind != "f":
        return _make(x._data.copy())
    return NanToNum.apply(x, nan=nan, posinf=posinf, neginf=neginf)


def heaviside(input, values):  # noqa: A002
    """0 where input < 0, values where input == 0, 1 where input > 0 (not differentiable).

    >>> torch.heaviside(torch.tensor([-1.5, 0.0, 2.0]), torch.tensor([0.5]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    x, v = as_operand(input), as_operand(values)
    if x._data.dtype != v._data.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"({x.dtype.name} and {v.dtype.name})")
    return _make(np.asarray(np.heaviside(x._data, v._data)).astype(x._data.dtype))


def float_power(input, exponent):  # noqa: A002
    """input ** exponent computed in float64 (PyTorch's float_power).

    >>> torch.float_power(torch.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=chainrule.float64)
    >>> torch.float_power(torch.tensor([4.0]), -0.5)
    tensor([0.5000], dtype=chainrule.float64)
    """
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


# --- docstrings of the functions made above by factories and lambdas -----------
neg.__doc__ = """Returns the negative of the elements of x; also torch.negative.

out_i = -x_i

>>> torch.neg(torch.tensor([1.0, -2.0, 0.5]))
tensor([-1.0000,  2.0000, -0.5000])
"""

exp.__doc__ = """Returns a new tensor with the exponential of the elements of x.

out_i = e^(x_i)

>>> torch.exp(torch.tensor([0.0, 1.0, -1.0]))
tensor([1.0000, 2.7183, 0.3679])
"""

expm1.__doc__ = """Returns exp(x) - 1, accurate for small x.

out_i = e^(x_i) - 1

>>> torch.expm1(torch.tensor([0.0, 1e-10, 1.0]))
tensor([0.0000e+00, 1.0000e-10, 1.7183e+00])
"""

log.__doc__ = """Returns the natural logarithm of the elements of x.

out_i = ln(x_i)

>>> torch.log(torch.tensor([1.0, 2.7183, 0.5]))
tensor([ 0.0000,  1.0000, -0.6931])
"""

log1p.__doc__ = """Returns log(1 + x), accurate for small x.

out_i = ln(1 + x_i)

>>> torch.log1p(torch.tensor([0.0, 1e-10, 1.0]))
tensor([0.0000e+00, 1.0000e-10, 6.9315e-01])
"""

sqrt.__doc__ = """Returns the square root of the elements of x.

out_i = sqrt(x_i) (NaN for x_i < 0)

>>> torch.sqrt(torch.tensor([4.0, 2.0, 0.25]))
tensor([2.0000, 1.4142, 0.5000])
"""

rsqrt.__doc__ = """Returns the reciprocal of the square root of the elements of x.

out_i = 1 / sqrt(x_i)

>>> torch.rsqrt(torch.tensor([4.0, 0.25, 2.0]))
tensor([0.5000, 2.0000, 0.7071])
"""

sin.__doc__ = """Returns the sine of the elements of x (in radians).

out_i = sin(x_i)

>>> torch.sin(torch.tensor([0.0, 0.5, 2.0]))
tensor([0.0000, 0.4794, 0.9093])
"""

cos.__doc__ = """Returns the cosine of the elements of x (in radians).

out_i = cos(x_i)

>>> torch.cos(torch.tensor([0.0, 0.5, 2.0]))
tensor([ 1.0000,  0.8776, -0.4161])
"""

tanh.__doc__ = """Returns the hyperbolic tangent of the elements of x.

out_i = (e^(x_i) - e^(-x_i)) / (e^(x_i) + e^(-x_i))

>>> torch.tanh(torch.tensor([-2.0, 0.0, 0.5]))
tensor([-0.9640,  0.0000,  0.4621])
"""

sigmoid.__doc__ = """Returns the logistic sigmoid of the elements of x.

out_i = 1 / (1 + e^(-x_i))

>>> torch.sigmoid(torch.tensor([-2.0, 0.0, 3.0]))
tensor([0.1192, 0.5000, 0.9526])
"""

erf.__doc__ = """Returns the Gauss error function of the elements of x.

out_i = 2 / sqrt(pi) * integral_0^(x_i) e^(-t^2) dt

>>> torch.erf(torch.tensor([0.0, 0.5, -2.0]))
tensor([ 0.0000,  0.5205, -0.9953])
"""

silu.__doc__ = """Returns the SiLU (swish) of the elements of x: x times its sigmoid.

out_i = x_i / (1 + e^(-x_i))

>>> torch.nn.functional.silu(torch.tensor([-1.0, 0.0, 2.0]))
tensor([-0.2689,  0.0000,  1.7616])
"""

eq.__doc__ = """Computes input == other elementwise (broadcasting), as a bool tensor.

>>> torch.eq(torch.tensor([1, 2, 3]), torch.tensor([1, 0, 3]))
tensor([ True, False,  True])
>>> torch.eq(torch.tensor([1.0, 2.0]), 2)
tensor([False,  True])
"""

ne.__doc__ = """Computes input != other elementwise (broadcasting); also torch.not_equal.

>>> torch.ne(torch.tensor([1, 2, 3]), torch.tensor([1, 0, 3]))
tensor([False,  True, False])
"""

lt.__doc__ = """Computes input < other elementwise (broadcasting); also torch.less.

>>> torch.lt(torch.tensor([1.0, 2.0, 3.0]), 2.0)
tensor([ True, False, False])
"""

le.__doc__ = """Computes input <= other elementwise (broadcasting); also torch.less_equal.

>>> torch.le(torch.tensor([1.0, 2.0, 3.0]), 2.0)
tensor([ True,  True, False])
"""

gt.__doc__ = """Computes input > other elementwise (broadcasting); also torch.greater.

>>> torch.gt(torch.tensor([1.0, 2.0, 3.0]), 2.0)
tensor([False, False,  True])
"""

ge.__doc__ = """Computes input >= other elementwise (broadcasting); also torch.greater_equal.

>>> torch.ge(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 2.0, 2.0]))
tensor([False,  True,  True])
"""

logical_and.__doc__ = """Computes the elementwise logical AND (nonzero counts as True).

>>> torch.logical_and(torch.tensor([True, True, False]), torch.tensor([True, False, False]))
tensor([ True, False, False])
>>> torch.logical_and(torch.tensor([0, 1, 2]), torch.tensor([1, 1, 0]))
tensor([False,  True, False])
"""

logical_or.__doc__ = """Computes the elementwise logical OR (nonzero counts as True).

>>> torch.logical_or(torch.tensor([True, False, False]), torch.tensor([True, True, False]))
tensor([ True,  True, False])
"""

logical_xor.__doc__ = """Computes the elementwise logical XOR (nonzero counts as True).

>>> torch.logical_xor(torch.tensor([True, False, True]), torch.tensor([True, True, False]))
tensor([False,  True,  True])
"""

bitwise_and.__doc__ = """bitwise_and(input, other): elementwise on integer / bool tensors.

>>> torch.bitwise_and(torch.tensor([12, 10]), torch.tensor([10, 3]))
tensor([8, 2])
>>> torch.bitwise_and(torch.tensor([True, False]), torch.tensor([True, True]))
tensor([ True, False])
"""

bitwise_or.__doc__ = """bitwise_or(input, other): elementwise on integer / bool tensors.

>>> torch.bitwise_or(torch.tensor([12, 10]), torch.tensor([10, 3]))
tensor([14, 11])
"""

bitwise_xor.__doc__ = """bitwise_xor(input, other): elementwise on integer / bool tensors.

>>> torch.bitwise_xor(torch.tensor([12, 10]), torch.tensor([10, 3]))
tensor([6, 9])
"""

floor.__doc__ = """Returns the largest integer not greater than each element (integers unchanged).

out_i = floor(x_i)

>>> torch.floor(torch.tensor([-1.5, 0.3, 2.0]))
tensor([-2.,  0.,  2.])
"""

ceil.__doc__ = """Returns the smallest integer not less than each element (integers unchanged).

out_i = ceil(x_i)

>>> torch.ceil(torch.tensor([-1.5, 0.3, 2.0]))
tensor([-1.,  1.,  2.])
"""

trunc.__doc__ = """Rounds each element toward zero (integers unchanged).

out_i = sign(x_i) floor(|x_i|)

>>> torch.trunc(torch.tensor([-1.7, 0.3, 2.9]))
tensor([-1.,  0.,  2.])
"""

frac.__doc__ = """Returns the fractional part of each element, with the sign of the element.

out_i = x_i - trunc(x_i)

>>> torch.frac(torch.tensor([-1.75, 0.5, 2.0]))
tensor([-0.7500,  0.5000,  0.0000])
"""

tan.__doc__ = """Returns the tangent of the elements of input (in radians).

out_i = tan(x_i)

>>> torch.tan(torch.tensor([0.0, 0.7854, -1.0]))
tensor([ 0.0000,  1.0000, -1.5574])
"""

asin.__doc__ = """Returns the arcsine of the elements of input; also torch.arcsin.

out_i = sin^-1(x_i), NaN outside [-1, 1]

>>> torch.asin(torch.tensor([0.0, 0.5, 1.0]))
tensor([0.0000, 0.5236, 1.5708])
"""

acos.__doc__ = """Returns the arccosine of the elements of input; also torch.arccos.

out_i = cos^-1(x_i), NaN outside [-1, 1]

>>> torch.acos(torch.tensor([1.0, 0.5, -1.0]))
tensor([0.0000, 1.0472, 3.1416])
"""

atan.__doc__ = """Returns the arctangent of the elements of input; also torch.arctan.

out_i = tan^-1(x_i)

>>> torch.atan(torch.tensor([0.0, 1.0, -10.0]))
tensor([ 0.0000,  0.7854, -1.4711])
"""

sinh.__doc__ = """Returns the hyperbolic sine of the elements of input.

out_i = (e^(x_i) - e^(-x_i)) / 2

>>> torch.sinh(torch.tensor([0.0, 1.0, -2.0]))
tensor([ 0.0000,  1.1752, -3.6269])
"""

cosh.__doc__ = """Returns the hyperbolic cosine of the elements of input.

out_i = (e^(x_i) + e^(-x_i)) / 2

>>> torch.cosh(torch.tensor([0.0, 1.0, -2.0]))
tensor([1.0000, 1.5431, 3.7622])
"""

asinh.__doc__ = """Returns the inverse hyperbolic sine of the elements; also torch.arcsinh.

out_i = ln(x_i + sqrt(x_i^2 + 1))

>>> torch.asinh(torch.tensor([0.0, 1.0, -2.0]))
tensor([ 0.0000,  0.8814, -1.4436])
"""

acosh.__doc__ = """Returns the inverse hyperbolic cosine of the elements; also torch.arccosh.

out_i = ln(x_i + sqrt(x_i^2 - 1)), NaN below 1

>>> torch.acosh(torch.tensor([1.0, 2.0, 10.0]))
tensor([0.0000, 1.3170, 2.9932])
"""

atanh.__doc__ = """Returns the inverse hyperbolic tangent of the elements; also torch.arctanh.

out_i = ln((1 + x_i) / (1 - x_i)) / 2

>>> torch.atanh(torch.tensor([0.0, 0.5, -0.9]))
tensor([ 0.0000,  0.5493, -1.4722])
"""

exp2.__doc__ = """Returns 2 raised to the power of each element of input.

out_i = 2^(x_i)

>>> torch.exp2(torch.tensor([0.0, 3.0, -1.0]))
tensor([1.0000, 8.0000, 0.5000])
"""

sinc.__doc__ = """Returns the normalized sinc of the elements of input.

out_i = sin(pi x_i) / (pi x_i), 1 at x_i = 0

>>> torch.sinc(torch.tensor([0.0, 0.5, 1.5]))
tensor([ 1.0000,  0.6366, -0.2122])
"""
