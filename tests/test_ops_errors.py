"""A user mistake raises a one-line chainrule error naming the op (and the shapes), never
a bare NumPy traceback."""
import pytest

import chainrule as cr

x = cr.ones(2, 3)

CASES = [
    ("reshape", lambda: x.reshape(4, 2), RuntimeError, r"\[4, 2\].*size 6"),
    ("view", lambda: x.t().view(6), RuntimeError, "view size is not compatible"),
    ("cat", lambda: cr.cat([x, cr.ones(2, 2)]), RuntimeError, r"cat.*\[2, 2\]"),
    ("matmul", lambda: x @ x, RuntimeError, r"\[2, 3\] and \[2, 3\]"),
    ("index", lambda: x[3], IndexError, r"\[2, 3\]"),
    ("index_float", lambda: x[cr.tensor([0.5])], IndexError, "long, int, byte or bool"),
    ("gather", lambda: x.gather(1, cr.tensor([0])), RuntimeError, "gather"),
    ("gather_oob", lambda: x.gather(0, cr.tensor([[2, 0, 0]])), IndexError, "gather"),
    ("scatter_add", lambda: x.scatter_add(1, cr.tensor([[5]]), cr.ones(1, 1)), IndexError,
     "scatter_add"),
    ("einsum_out", lambda: cr.einsum("ij->k", x), RuntimeError, "einsum"),
    ("einsum_dims", lambda: cr.einsum("ijk->i", x), RuntimeError, "einsum"),
    ("softmax_dim", lambda: x.softmax(2), IndexError, "softmax: Dimension out of range"),
    ("sum_dim", lambda: x.sum(5), IndexError, "sum: Dimension out of range"),
    ("permute", lambda: x.permute(0, 0), RuntimeError, "permute"),
    ("expand", lambda: x.expand(2, 4), RuntimeError, "expand"),
    ("repeat", lambda: x.repeat(2), RuntimeError, "repeat"),
    ("split", lambda: x.split([1, 1], 1), RuntimeError, "split"),
    ("chunk", lambda: x.chunk(0), RuntimeError, "chunk"),
    ("narrow", lambda: x.narrow(0, 1, 5), RuntimeError, "narrow"),
    ("pad", lambda: cr.pad(x, (1, 1, 1, 1, 1, 1)), RuntimeError, "pad"),
    ("masked_fill", lambda: x.masked_fill(cr.tensor([True, False]), 0.0), RuntimeError,
     "masked_fill"),
    ("stack", lambda: cr.stack([x, cr.ones(3, 2)]), RuntimeError, "stack"),
    ("one_hot", lambda: cr.one_hot(cr.tensor([-1]), 3), RuntimeError, "one_hot"),
    ("index_select", lambda: x.index_select(0, cr.tensor([[0]])), IndexError, "index_select"),
    ("zeros", lambda: cr.zeros(-2), RuntimeError, "negative dimension"),
    ("setitem", lambda: x.__setitem__(0, cr.ones(4)), RuntimeError, "__setitem__"),
    ("backward_shape", lambda: (cr.ones(2, requires_grad=True) * 2).backward(cr.ones(3)),
     RuntimeError, "shape"),
    ("device", lambda: x.to("cuda"), RuntimeError, "cuda"),
    ("matmul_0d", lambda: x @ 2, RuntimeError, "matmul"),
    ("linear_dtype", lambda: cr.linear(x.double(), cr.ones(3, 3)), RuntimeError, "linear"),
    ("topk", lambda: x.topk(5), RuntimeError, "topk"),
    ("str_operand", lambda: x + "a", TypeError, "str"),
    ("mean_int", lambda: cr.tensor([1, 2]).mean(), RuntimeError, "mean"),
    ("dot", lambda: cr.dot(cr.ones(2), cr.ones(3)), RuntimeError, r"\[2\].*\[3\]"),
    ("clamp", lambda: x.clamp(), RuntimeError, "clamp"),
    ("view_dtype", lambda: cr.ones(3, dtype=cr.int8).view(cr.float32), RuntimeError, "view"),
]


@pytest.mark.parametrize("name,f,exc,pattern", CASES, ids=[c[0] for c in CASES])
def test_clear_error(name, f, exc, pattern):
    with pytest.raises(exc, match=pattern) as e:
        f()
    assert type(e.value).__module__ == "builtins"
    tb = e.traceback
    assert "numpy" not in str(tb[-1].path), f"raised from inside NumPy: {tb[-1].path}"


def test_view_dtype_reinterprets_bits():
    f = cr.tensor([1.0], dtype=cr.float32)
    i = f.view(cr.int32)
    assert i.dtype == cr.int32 and i.item() == 1065353216
    assert cr.ones(2, dtype=cr.int32).view(cr.int16).shape == (4,)
