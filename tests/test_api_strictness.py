"""Autograd API strictness like PyTorch's (issue 11, item 8)."""
import numpy as np
import pytest

import chainrule
from chainrule.autograd import Function, gradcheck
from chainrule.autograd.gradcheck import GradcheckError


def _mul_cls(lib, grads):
    class Mul(lib.autograd.Function):
        @staticmethod
        def forward(ctx, a, b, scale=1.0):
            return a * b * scale

        @staticmethod
        def backward(ctx, g):
            return grads(g)
    return Mul


@pytest.mark.parametrize("grads, n_args, expected", [
    (lambda g: g, 2, "(expected 2, got 1)"),
    (lambda g: (g, g, g), 2, "(expected 2, got 3)"),
    (lambda g: (g, g), 3, "(expected 3, got 2)"),
])
def test_wrong_number_of_gradients(grads, n_args, expected):
    libs = [chainrule]
    try:
        import torch
        libs.append(torch)
    except ImportError:
        pass
    for lib in libs:
        Mul = _mul_cls(lib, grads)
        a = lib.ones(2, requires_grad=True)
        b = lib.ones(2, requires_grad=True)
        args = (a, b) if n_args == 2 else (a, b, 2.0)
        with pytest.raises(RuntimeError, match=r"function MulBackward returned an incorrect "
                           r"number of gradients " + expected.replace("(", r"\(")
                           .replace(")", r"\)")):
            Mul.apply(*args).sum().backward()


def test_extra_none_gradients_allowed():
    Mul = _mul_cls(chainrule, lambda g: (g, g, None))
    a = chainrule.ones(2, requires_grad=True)
    Mul.apply(a, chainrule.ones(2)).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0]


def test_grad_assignment_checked():
    x = chainrule.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match="assigned grad expected to be a Tensor or None but got "
                                        "grad of type numpy.ndarray"):
        x.grad = np.zeros(2)
    with pytest.raises(TypeError, match="grad of type float"):
        x.grad = 3.0
    with pytest.raises(RuntimeError, match=r"gradient of size '\[3\]' to a tensor of size "
                                           r"'\[2\]'"):
        x.grad = chainrule.zeros(3)
    with pytest.raises(RuntimeError, match="dtype 'float64'"):
        x.grad = chainrule.zeros(2, dtype=chainrule.float64)
    assert x.grad is None
    x.grad = chainrule.full((2,), 5.0)
    (x * 2).sum().backward()
    assert x.grad.tolist() == [7.0, 7.0]
    x.grad = None
    assert x.grad is None


def test_legacy_function_style_message():
    class Legacy(Function):
        def forward(self, x):
            return x * 2

    with pytest.raises(RuntimeError, match="Legacy autograd function with non-static forward "
                                           "method is deprecated"):
        Legacy()(chainrule.ones(2, requires_grad=True))


@pytest.mark.parametrize("make", [
    lambda T: T.zeros(2.5), lambda T: T.ones(2.5), lambda T: T.empty(2.5),
    lambda T: T.zeros((2, 2.5)), lambda T: T.randn(2.5), lambda T: T.rand(1.0),
    lambda T: T.full((2.0,), 1.0),
])
def test_float_sizes_are_type_errors(make):
    with pytest.raises(TypeError, match="must be tuple of ints, not float"):
        make(chainrule)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        make(torch)
    # Integer-like sizes still work (NumPy ints, as PyTorch accepts them).
    assert chainrule.zeros(np.int64(2), 3).shape == (2, 3)


def test_cross_entropy_on_integer_logits_raises():
    logits = chainrule.tensor([[1, 2], [3, 0]])
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        chainrule.nn.functional.cross_entropy(logits, chainrule.tensor([0, 1]))
    assert isinstance(NotImplementedError(), RuntimeError)  # as PyTorch's error, a RuntimeError
    torch = pytest.importorskip("torch")
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        torch.nn.functional.cross_entropy(torch.tensor([[1, 2], [3, 0]]), torch.tensor([0, 1]))


@pytest.mark.parametrize("name, dtype", [
    ("FloatTensor", "float32"), ("DoubleTensor", "float64"), ("HalfTensor", "float16"),
    ("LongTensor", "int64"), ("IntTensor", "int32"), ("ShortTensor", "int16"),
    ("CharTensor", "int8"), ("ByteTensor", "uint8"), ("BoolTensor", "bool")])
def test_typed_tensor_constructors(name, dtype):
    cls = getattr(chainrule, name)
    t = cls([1, 0, 1])
    assert t.dtype == getattr(chainrule, dtype if dtype != "bool" else "bool")
    assert t.tolist() == ([True, False, True] if dtype == "bool" else [1, 0, 1])
    assert cls(2, 3).shape == (2, 3) and cls(2, 3).dtype == t.dtype
    assert isinstance(t, cls) and isinstance(t, chainrule.Tensor)
    other = "LongTensor" if name != "LongTensor" else "FloatTensor"
    assert not isinstance(t, getattr(chainrule, other))
    torch = pytest.importorskip("torch")
    assert str(getattr(torch, name)([1, 0, 1]).dtype) == f"torch.{dtype}"


def test_gradcheck_message_names_output_tensor_and_indices():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            g = g1 * 2 + g2 * 3
            g = g.clone()
            g2d = g.detach().numpy().copy()
            g2d[1, 2] += 10 * float(g2.detach().numpy()[1, 2])  # wrong only via output 1
            return chainrule.tensor(g2d)

    x = chainrule.randn(2, 3, dtype=chainrule.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as e:
        gradcheck(lambda t: Bad.apply(t), (x,))
    msg = str(e.value)
    assert "output 1 (shape [2, 3]) at index (1, 2)" in msg, msg
    assert "input 0 (shape [2, 3]) at index (1, 2)" in msg, msg
