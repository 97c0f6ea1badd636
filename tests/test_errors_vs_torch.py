"""Common misuse raises the exception type PyTorch raises (RuntimeError for shape / dim
errors, IndexError for bad dims and indices, TypeError for bad argument types), with a
message naming the op and the shapes."""
import numpy as np
import pytest

import chainrule as cr

# name -> (misuse written once for either framework, words the message must contain)
MISUSES = {
    "matmul_shapes": (lambda T: T.ones(2, 3) @ T.ones(2, 3), ["2x3"]),
    "mm_shapes": (lambda T: T.mm(T.ones(2, 3), T.ones(4, 2)), ["2x3", "4x2"]),
    "mm_1d": (lambda T: T.mm(T.ones(3), T.ones(3, 2)), []),
    "bmm_batch": (lambda T: T.bmm(T.ones(2, 3, 4), T.ones(3, 4, 5)), []),
    "matmul_batch_bcast": (lambda T: T.ones(2, 3, 4) @ T.ones(3, 4, 5), []),
    "view_incompatible": (lambda T: T.ones(2, 3).view(4, 2), ["[4, 2]", "6"]),
    "view_noncontiguous": (lambda T: T.ones(2, 3).t().view(6), ["view"]),
    "reshape_size": (lambda T: T.ones(2, 3).reshape(5), ["[5]", "6"]),
    "reshape_two_minus_one": (lambda T: T.ones(6).reshape(-1, -1), []),
    "add_broadcast": (lambda T: T.ones(2, 3) + T.ones(4), ["(3)", "(4)"]),
    "mul_broadcast": (lambda T: T.ones(2, 3) * T.ones(2, 2), []),
    "cat_shapes": (lambda T: T.cat([T.ones(2, 3), T.ones(2, 4)]), []),
    "cat_empty_list": (lambda T: T.cat([]), []),
    "stack_shapes": (lambda T: T.stack([T.ones(2), T.ones(3)]), []),
    "sum_dim": (lambda T: T.ones(2, 3).sum(2), ["Dimension out of range"]),
    "softmax_dim": (lambda T: T.ones(2, 3).softmax(-3), ["Dimension out of range"]),
    "transpose_dim": (lambda T: T.ones(2, 3).transpose(0, 2), ["Dimension out of range"]),
    "unsqueeze_dim": (lambda T: T.ones(2, 3).unsqueeze(4), ["Dimension out of range"]),
    "size_dim": (lambda T: T.ones(2, 3).size(3), ["Dimension out of range"]),
    "squeeze_dim": (lambda T: T.ones(2, 3).squeeze(3), ["Dimension out of range"]),
    "index_out_of_range": (lambda T: T.ones(2, 3)[2], ["2"]),
    "index_too_many": (lambda T: T.ones(2, 3)[0, 0, 0], []),
    "index_tensor_oob": (lambda T: T.ones(3)[T.tensor([5])], []),
    "index_float_tensor": (lambda T: T.ones(3)[T.tensor([0.5])], []),
    "gather_dims": (lambda T: T.ones(2, 3).gather(1, T.tensor([0])), ["gather"]),
    "expand_size": (lambda T: T.ones(2, 3).expand(2, 4), ["expand"]),
    "permute_repeat": (lambda T: T.ones(2, 3).permute(0, 0), []),
    "permute_count": (lambda T: T.ones(2, 3).permute(0), []),
    "item_many": (lambda T: T.ones(3).item(), ["3"]),
    "bool_many": (lambda T: bool(T.ones(3)), ["ambiguous"]),
    "len_0d": (lambda T: len(T.tensor(1.0)), []),
    "iter_0d": (lambda T: iter(T.tensor(1.0)), []),
    "backward_nonscalar": (lambda T: (T.ones(2, requires_grad=True) * 2).backward(), ["scalar"]),
    "backward_no_grad": (lambda T: T.ones(2).sum().backward(), []),
    "requires_grad_int": (lambda T: T.ones(2, dtype=T.int64).requires_grad_(), []),
    "numpy_requires_grad": (lambda T: T.ones(2, requires_grad=True).numpy(), ["detach"]),
    "leaf_inplace": (lambda T: T.ones(2, requires_grad=True).add_(1), ["leaf"]),
    "tensor_ragged": (lambda T: T.tensor([[1, 2], [3]]), []),
    "add_str": (lambda T: T.ones(2) + "a", []),
    "zeros_str": (lambda T: T.zeros("a"), []),
    "randn_float_size": (lambda T: T.randn(2.5), []),
    "sum_dim_str": (lambda T: T.ones(2).sum("a"), []),
    "linear_shapes": (lambda T: T.nn.functional.linear(T.ones(2, 3), T.ones(4, 5)), ["2x3"]),
    "cross_entropy_target": (lambda T: T.nn.functional.cross_entropy(T.ones(2, 3),
                                                                   T.tensor([0, 5])), []),
    "conv_channels": (lambda T: T.nn.functional.conv2d(T.ones(1, 2, 5, 5), T.ones(4, 3, 3, 3)), []),
    "linear_layer_input": (lambda T: T.nn.Linear(3, 2)(T.ones(2, 4)), ["2x4"]),
    "embedding_index": (lambda T: T.nn.Embedding(3, 2)(T.tensor([3])), []),
    "one_hot_float": (lambda T: T.nn.functional.one_hot(T.tensor([0.0]), 2), []),
    "mse_shapes_grad": (lambda T: T.ones(3).backward(T.ones(2)), []),
    "masked_fill_float_mask": (lambda T: T.ones(2).masked_fill(T.ones(2), 0.0), []),
    "inv_nonsquare": (lambda T: T.linalg.inv(T.ones(2, 3)), ["square"]),
}


def _raised(fn, T):
    try:
        fn(T)
    except Exception as e:  # noqa: BLE001 - the type is the point
        return e
    return None


@pytest.mark.parametrize("name", sorted(MISUSES))
def test_same_exception_type_as_torch(name):
    torch = pytest.importorskip("torch")
    fn, words = MISUSES[name]
    theirs, ours = _raised(fn, torch), _raised(fn, cr)
    assert theirs is not None, "the case is not a misuse in PyTorch"
    assert ours is not None, f"chainrule accepted it; PyTorch raised {theirs!r}"
    # PyTorch's own exception classes derive from these builtins (LinAlgError: RuntimeError)
    base = next(b for b in (IndexError, TypeError, ValueError, RuntimeError)
                if isinstance(theirs, b))
    assert isinstance(ours, base), f"PyTorch raised {type(theirs).__name__}: {theirs}; " \
                                   f"chainrule {type(ours).__name__}: {ours}"
    for w in words:
        assert w in str(ours), (w, str(ours))
