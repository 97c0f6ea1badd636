"""Elementwise ops: forward vs NumPy, gradcheck / gradgradcheck in float64, torch parity."""
import math

import numpy as np
import pytest

import chainrule as cr
from helpers import BINARY, UNARY, check_op, make

SQ2 = math.sqrt(2)
_erf = np.vectorize(math.erf, otypes=[float])


def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name: (fn, numpy reference, domain kwargs)
UNARY_OPS = {
    "neg": (lambda T, x: -x, np.negative, {}),
    "neg_fn": (lambda T, x: T.neg(x), np.negative, {}),
    "abs": (lambda T, x: T.abs(x), np.abs, dict(away=(0, 0.05))),
    "exp": (lambda T, x: T.exp(x), np.exp, {}),
    "log": (lambda T, x: T.log(x), np.log, dict(low=0.2, high=3)),
    "log1p": (lambda T, x: T.log1p(x), np.log1p, dict(low=-0.5, high=3)),
    "expm1": (lambda T, x: T.expm1(x), np.expm1, {}),
    "sqrt": (lambda T, x: T.sqrt(x), np.sqrt, dict(low=0.2, high=3)),
    "rsqrt": (lambda T, x: T.rsqrt(x), lambda x: 1 / np.sqrt(x), dict(low=0.2, high=3)),
    "sin": (lambda T, x: T.sin(x), np.sin, {}),
    "cos": (lambda T, x: T.cos(x), np.cos, {}),
    "tanh": (lambda T, x: T.tanh(x), np.tanh, {}),
    "sigmoid": (lambda T, x: T.sigmoid(x), np_sigmoid, {}),
    "relu": (lambda T, x: T.relu(x), lambda x: np.maximum(x, 0), dict(away=(0, 0.05))),
    "leaky_relu": (lambda T, x: T.nn.functional.leaky_relu(x, 0.1) if T is not cr
                   else T.leaky_relu(x, 0.1), lambda x: np.where(x > 0, x, 0.1 * x),
                   dict(away=(0, 0.05))),
    "elu": (lambda T, x: T.nn.functional.elu(x, 0.7) if T is not cr else T.elu(x, 0.7),
            lambda x: np.where(x > 0, x, 0.7 * np.expm1(x)), dict(away=(0, 0.05))),
    "gelu": (lambda T, x: T.nn.functional.gelu(x) if T is not cr else T.gelu(x),
             lambda x: 0.5 * x * (1 + _erf(x / SQ2)), {}),
    "gelu_tanh": (lambda T, x: T.nn.functional.gelu(x, approximate="tanh") if T is not cr
                  else T.gelu(x, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                   * (x + 0.044715 * x ** 3))), {}),
    "silu": (lambda T, x: T.nn.functional.silu(x) if T is not cr else T.silu(x),
             lambda x: x * np_sigmoid(x), {}),
    "softplus": (lambda T, x: T.nn.functional.softplus(x) if T is not cr else T.softplus(x),
                 lambda x: np.log1p(np.exp(x)), {}),
    "softplus_beta": (lambda T, x: T.nn.functional.softplus(x, beta=2.0, threshold=3.0)
                      if T is not cr else T.softplus(x, beta=2.0, threshold=3.0),
                      lambda x: np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2),
                      dict(away=(1.5, 0.05))),
    "clamp": (lambda T, x: T.clamp(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7),
              dict(away=([-0.5, 0.7], 0.05))),
    "clamp_min": (lambda T, x: T.clamp(x, min=0.3), lambda x: np.maximum(x, 0.3),
                  dict(away=(0.3, 0.05))),
    "clip_max": (lambda T, x: x.clip(max=0.3), lambda x: np.minimum(x, 0.3),
                 dict(away=(0.3, 0.05))),
    "square": (lambda T, x: T.square(x), np.square, {}),
    "reciprocal": (lambda T, x: T.reciprocal(x), np.reciprocal, dict(away=(0, 0.3))),
    "pow_scalar": (lambda T, x: x ** 3, lambda x: x ** 3, {}),
    "pow_half": (lambda T, x: x ** 0.5, np.sqrt, dict(low=0.2, high=3)),
    "pow_neg": (lambda T, x: x ** -2, lambda x: x ** -2.0, dict(away=(0, 0.3))),
    "rpow_scalar": (lambda T, x: 2.0 ** x, lambda x: 2.0 ** x, {}),
    "radd": (lambda T, x: 2 + x, lambda x: 2 + x, {}),
    "rsub": (lambda T, x: 2 - x, lambda x: 2 - x, {}),
    "rmul": (lambda T, x: 2.5 * x, lambda x: 2.5 * x, {}),
    "rdiv": (lambda T, x: 2 / x, lambda x: 2 / x, dict(away=(0, 0.3))),
    "add_scalar": (lambda T, x: x + 1.5, lambda x: x + 1.5, {}),
    "sub_scalar": (lambda T, x: x - 1, lambda x: x - 1, {}),
    "mul_scalar": (lambda T, x: x * -3, lambda x: x * -3, {}),
    "div_scalar": (lambda T, x: x / 4, lambda x: x / 4, {}),
    "log2": (lambda T, x: T.log2(x), np.log2, dict(low=0.2, high=3)),
    "log10": (lambda T, x: T.log10(x), np.log10, dict(low=0.2, high=3)),
    "erf": (lambda T, x: T.erf(x), _erf, {}),
    "clone": (lambda T, x: x.clone(), lambda x: x, {}),
}


@pytest.mark.parametrize("name", list(UNARY_OPS))
def test_unary(name):
    fn, ref, dom = UNARY_OPS[name]
    check_op(fn, ref, UNARY, gradgrad=True, **dom)


BINARY_OPS = {
    "add": (lambda T, a, b: a + b, np.add, {}),
    "sub": (lambda T, a, b: a - b, np.subtract, {}),
    "mul": (lambda T, a, b: a * b, np.multiply, {}),
    "div": (lambda T, a, b: a / b, np.divide, dict(low=0.5, high=2)),
    "add_alpha": (lambda T, a, b: T.add(a, b, alpha=2), lambda a, b: a + 2 * b, {}),
    "sub_alpha": (lambda T, a, b: T.sub(a, b, alpha=0.5), lambda a, b: a - 0.5 * b, {}),
    "pow": (lambda T, a, b: a ** b, np.power, dict(low=0.5, high=2)),
    "maximum": (lambda T, a, b: T.maximum(a, b), np.maximum, {}),
    "minimum": (lambda T, a, b: T.minimum(a, b), np.minimum, {}),
    "where": (lambda T, a, b: T.where(a > 0, a, b), lambda a, b: np.where(a > 0, a, b),
              dict(away=(0, 0.05))),
}


@pytest.mark.parametrize("name", list(BINARY_OPS))
def test_binary(name):
    fn, ref, dom = BINARY_OPS[name]
    check_op(fn, ref, BINARY, gradgrad=True, **dom)


def test_pow_tensor_exponent_negative_base_and_zero():
    # d/db a^b = a^b log a: only defined for a > 0; at a == 0 PyTorch gives 0.
    a = cr.tensor([0.0, 2.0, 3.0], dtype=cr.float64, requires_grad=True)
    b = cr.tensor([2.0, 3.0, 0.5], dtype=cr.float64, requires_grad=True)
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad._data, [0.0, 12.0, 0.5 / math.sqrt(3)])
    np.testing.assert_allclose(b.grad._data, [0.0, 8 * math.log(2), math.sqrt(3) * math.log(3)])
    # integer exponent tensor on a negative base: a ** b well defined, da finite
    a = cr.tensor([-2.0, -1.5], dtype=cr.float64, requires_grad=True)
    b = cr.tensor([2.0, 3.0], dtype=cr.float64)
    (a ** b).sum().backward()
    np.testing.assert_allclose(a.grad._data, [-4.0, 3 * 2.25])


def test_floor_divide_and_remainder():
    a = cr.tensor([7.0, -7.0, 5.5], requires_grad=True)
    b = cr.tensor([2.0, 2.0, -2.0])
    q = a // b
    np.testing.assert_array_equal(q._data, [3.0, -4.0, -3.0])
    np.testing.assert_array_equal((a % b)._data, np.remainder(a._data, b._data))
    q.sum().backward()
    np.testing.assert_array_equal(a.grad._data, 0.0)
    np.testing.assert_array_equal((7 // cr.tensor([2, -2]))._data, [3, -4])
    assert (cr.tensor([7, 8]) // 2).dtype == cr.int64
    check_op(lambda T, a, b: a % b, np.remainder, inputs=[
        (make((2, 3), 0.1, 3, seed=1), make((3,), 0.7, 1.3, seed=2))], away=None)


def test_sign_has_zero_gradient():
    x = cr.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    y = cr.sign(x)
    np.testing.assert_array_equal(y._data, [-1, 0, 1])
    (y * 5).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [0, 0, 0])


# --- kinks (DESIGN.md convention 8) -----------------------------------------------------
def _grad_at(fn, values):
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    fn(x).sum().backward()
    return x.grad._data


def test_kinks():
    np.testing.assert_array_equal(_grad_at(cr.relu, [-1.0, 0.0, 1.0]), [0, 0, 1])
    np.testing.assert_array_equal(_grad_at(cr.abs, [-1.0, 0.0, 1.0]), [-1, 0, 1])
    np.testing.assert_array_equal(_grad_at(lambda x: cr.clamp(x, 0, 1), [0.0, 1.0, 2.0]),
                                  [1, 1, 0])
    np.testing.assert_array_equal(_grad_at(lambda x: cr.leaky_relu(x, 0.1), [0.0]), [0.1])
    np.testing.assert_array_equal(_grad_at(lambda x: cr.elu(x), [0.0]), [1.0])
    # maximum / minimum ties split evenly
    a = cr.tensor([1.0, 2.0], requires_grad=True)
    b = cr.tensor([1.0, 1.0], requires_grad=True)
    cr.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [0.5, 1.0])
    np.testing.assert_array_equal(b.grad._data, [0.5, 0.0])
    a.grad = b.grad = None
    cr.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad._data, [0.5, 0.0])
    np.testing.assert_array_equal(b.grad._data, [0.5, 1.0])


def test_where_no_nan_from_branch_not_taken():
    # The double-where idiom: the untaken branch sees a safe input, and Where sends it an
    # exact zero (0, not 0 * inf), so no NaN reaches x.
    x = cr.tensor([-1.0, 4.0], requires_grad=True)
    safe = cr.where(x > 0, x, 1.0)
    y = cr.where(x > 0, cr.sqrt(safe), 0.0)
    y.sum().backward()
    assert np.all(np.isfinite(x.grad._data))
    np.testing.assert_allclose(x.grad._data, [0.0, 0.25])


def test_masked_fill():
    def f(T, x):
        mask = T.tensor([[True], [False], [True]])
        return x.masked_fill(mask, -1.5)
    check_op(f, lambda x: np.where(np.array([[True], [False], [True]]), -1.5, x),
             shapes=[((3, 4),), ((3, 1),)], gradgrad=True)
    x = cr.zeros(2, 3)
    with pytest.raises(RuntimeError, match="bool"):
        x.masked_fill(cr.tensor([1, 0, 1]), 1.0)
    with pytest.raises(RuntimeError):
        x.masked_fill(cr.tensor([True, False]), 1.0)
    v = cr.tensor(2.0, requires_grad=True)
    y = cr.zeros(2, 3).masked_fill(cr.tensor([True, False, True]), v)
    y.sum().backward()
    assert v.grad.item() == 4.0


def test_clamp_with_tensor_bounds():
    check_op(lambda T, x, lo, hi: T.clamp(x, lo, hi),
             lambda x, lo, hi: np.minimum(np.maximum(x, lo), hi),
             inputs=[(make((3, 4), seed=1), make((4,), -2, -0.5, seed=2),
                      make((3, 1), 0.5, 2, seed=3))])


def test_inputs_integer_unary_promote_to_float():
    x = cr.tensor([1, 2, 3])
    for f in (cr.exp, cr.log, cr.sqrt, cr.sin, cr.sigmoid, cr.tanh):
        assert f(x).dtype == cr.float32
    assert cr.relu(cr.tensor([-1, 2])).dtype == cr.int64
    assert cr.abs(cr.tensor([-1, 2])).tolist() == [1, 2]


def test_softplus_large_values_are_linear_and_stable():
    x = cr.tensor([100.0, -100.0, 0.0])
    np.testing.assert_allclose(cr.softplus(x)._data, [100.0, 0.0, math.log(2)], atol=1e-6)
    np.testing.assert_allclose(cr.sigmoid(cr.tensor([-1000.0, 1000.0]))._data, [0.0, 1.0])


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparisons(op):
    a = cr.tensor([[1.0, 2.0, 3.0]])
    b = cr.tensor([[2.0], [2.0]])
    out = getattr(cr, op)(a, b)
    expect = getattr(np, {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
                          "gt": "greater", "ge": "greater_equal"}[op])(a._data, b._data)
    assert out.dtype == cr.bool and not out.requires_grad and out.shape == (2, 3)
    np.testing.assert_array_equal(out._data, expect)
    sym = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__",
           "ge": "__ge__"}[op]
    np.testing.assert_array_equal(getattr(a, sym)(b)._data, expect)
    np.testing.assert_array_equal(getattr(a, sym)(2.0)._data, getattr(a, op)(2.0)._data)


def test_isnan_isfinite_isinf_logical():
    x = cr.tensor([1.0, float("nan"), float("inf"), -float("inf")])
    assert cr.isnan(x).tolist() == [False, True, False, False]
    assert x.isfinite().tolist() == [True, False, False, False]
    assert cr.isinf(x).tolist() == [False, False, True, True]
    assert cr.isnan(x).dtype == cr.bool
    m = cr.tensor([True, False])
    assert (~m).tolist() == [False, True]
    assert (m & cr.tensor([True, True])).tolist() == [True, False]
    assert (m | cr.tensor([False, True])).tolist() == [True, True]


def test_broadcast_error_names_op_and_shapes():
    a, b = cr.zeros(2, 3), cr.zeros(4)
    for op, f in [("add", lambda: a + b), ("mul", lambda: a * b), ("sub", lambda: a - b),
                  ("div", lambda: a / b), ("maximum", lambda: cr.maximum(a, b)),
                  ("where", lambda: cr.where(cr.ones(2, 3, dtype=cr.bool), a, b)),
                  ("pow", lambda: a ** b)]:
        with pytest.raises(RuntimeError) as e:
            f()
        msg = str(e.value)
        assert op in msg and "[2, 3]" in msg and "[4]" in msg, msg


def test_pow_gradients_at_zero_and_zero_exponent():
    # x ** 0 is constant: gradient 0 even at x == 0 (PyTorch's rule, not 0 * inf = NaN)
    x = cr.tensor([0.0, 2.0], dtype=cr.float64, requires_grad=True)
    (x ** 0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    a = cr.tensor([0.0, 2.0], dtype=cr.float64, requires_grad=True)
    b = cr.tensor([0.0, 0.0], dtype=cr.float64, requires_grad=True)
    (a ** b).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0]
    np.testing.assert_allclose(b.grad._data, [0.0, math.log(2)])
    # d/db at a negative base is undefined (log a): NaN, as in PyTorch
    a = cr.tensor([-2.0], dtype=cr.float64)
    b = cr.tensor([2.0], dtype=cr.float64, requires_grad=True)
    (a ** b).sum().backward()
    assert np.isnan(b.grad.item())
    check_op(lambda T, a, b: a ** b, np.power, inputs=[
        (make((2, 3), 0.5, 2, seed=1), np.array([0.0, 1.0, 2.5]))], gradgrad=True)


def test_floor_divide_and_sign_gradcheck_away_from_jumps():
    # piecewise constant: gradient 0 (PyTorch defines none for floor_divide, so no parity)
    a = make((2, 3), 0.1, 0.9, seed=1) + np.array([[-2.0], [3.0]])
    check_op(lambda T, a: a // 1.0, lambda a: np.floor(a), inputs=[(a,)], vs_torch=False)
    check_op(lambda T, a: 7.5 // (a + 3), lambda a: np.floor_divide(7.5, a + 3),
             inputs=[(np.array([0.2, 1.4, 3.3]),)], vs_torch=False)
    check_op(lambda T, a, b: a // b, np.floor_divide,
             inputs=[(a, np.array([1.0, 2.0, 4.0]) + 0.0)], vs_torch=False)
    check_op(lambda T, x: T.sign(x) * x, lambda x: np.sign(x) * x, UNARY[:4], away=(0, 0.05))


def test_piecewise_constant_ops_values_dtypes_and_zero_grad():
    check_op(lambda T, x: T.sign(x) + T.floor(x) + T.round(x) + T.ceil(x) + T.trunc(x)
             + x.frac(), None, [((2, 3, 4),)], low=-3, high=3)
    x = cr.tensor([float("inf"), -2.5, 0.0], requires_grad=True)
    y = cr.sign(x) + cr.floor(x)
    assert y.tolist() == [float("inf"), -4.0, 0.0]   # no inf * 0 = NaN
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    assert cr.floor(cr.tensor([1, 2])).dtype == cr.int64
    assert cr.sign(cr.tensor([True, False])).tolist() == [True, False]


def test_div_rounding_modes():
    x = cr.tensor([-7.0, 7.5, 3.0], requires_grad=True)
    y = cr.div(x, 2, rounding_mode="trunc")
    assert y.tolist() == [-3.0, 3.0, 1.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]
    i = cr.tensor([-7, 7])
    assert cr.div(i, 2, rounding_mode="trunc").tolist() == [-3, 3]
    assert cr.div(i, 2, rounding_mode="trunc").dtype == cr.int64
    assert cr.div(i, 2, rounding_mode="floor").tolist() == [-4, 3]
    with pytest.raises(ValueError, match="rounding_mode"):
        cr.div(i, 2, rounding_mode="round")
