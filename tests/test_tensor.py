"""Tensor API, creation functions, dtypes and promotion, printing, seeded randomness."""
import copy

import numpy as np
import pytest

import chainrule as cr


def test_metadata_and_conversion():
    x = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert x.dtype == cr.float32 and x.dtype is cr.float32
    assert x.shape == (2, 3) and x.size() == cr.Size([2, 3]) and x.size(1) == 3
    assert x.size(-1) == 3 and x.ndim == 2 and x.dim() == 2 and x.numel() == 6
    assert str(x.device) == "cpu" and x.device == "cpu" and not x.is_cuda
    assert repr(x.shape) == "chainrule.Size([2, 3])"
    assert x.is_leaf and x.grad is None and x.grad_fn is None and not x.requires_grad
    assert x.tolist() == [[1, 2, 3], [4, 5, 6]]
    assert isinstance(x.numpy(), np.ndarray) and x.numpy().dtype == np.float32
    assert x[0, 1].item() == 2.0 and isinstance(x[0, 1].item(), float)
    assert cr.tensor(3).item() == 3 and isinstance(cr.tensor(3).item(), int)
    assert float(cr.tensor(2.5)) == 2.5 and int(cr.tensor(7)) == 7 and bool(cr.tensor(1.0))
    assert len(x) == 2 and x.is_floating_point() and not cr.tensor([1]).is_floating_point()
    with pytest.raises(RuntimeError, match="cannot be converted to Scalar"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.size(2)
    with pytest.raises(RuntimeError, match="device"):
        x.to("cuda")


def test_casts():
    x = cr.tensor([1.7, -2.2], requires_grad=True)
    assert x.double().dtype == cr.float64 and x.float().dtype == cr.float32
    assert x.long().tolist() == [1, -2] and x.long().dtype == cr.int64
    assert x.int().dtype == cr.int32 and x.bool().tolist() == [True, True]
    assert x.to(cr.float64).dtype == cr.float64 and x.to(x) is x
    assert x.to("cpu") is x and x.to("cpu", cr.float64).dtype == cr.float64
    assert x.to(dtype=cr.float16).dtype == cr.float16
    assert x.type() == "torch.FloatTensor" and x.double().type() == "torch.DoubleTensor"  # PyTorch's strings
    assert x.long().type() == "torch.LongTensor" and x.type(cr.float64).dtype == cr.float64
    assert x.half().dtype == cr.float16
    # a float cast is differentiable; the gradient comes back in the input's dtype
    y = x.double() * 2
    y.sum().backward()
    assert x.grad.dtype == cr.float32 and x.grad.tolist() == [2.0, 2.0]
    assert not x.long().requires_grad


def test_detach_clone_requires_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d._data is x._data
    c = x.clone()
    assert c.requires_grad and c.grad_fn is not None and c._data is not x._data
    (c * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]
    y = cr.ones(2)
    assert y.requires_grad_() is y and y.requires_grad
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)
    with pytest.raises(RuntimeError, match="floating point"):
        cr.ones(2, dtype=cr.int64, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        x.numpy()
    dc = copy.deepcopy(x)
    assert dc.requires_grad and dc._data is not x._data and dc.grad.tolist() == [2.0, 2.0]


def test_creation_functions_and_dtypes():
    assert cr.zeros(2, 3).dtype == cr.float32 and cr.zeros((2, 3)).shape == (2, 3)
    assert cr.ones([2]).tolist() == [1.0, 1.0] and cr.empty(2, 2).shape == (2, 2)
    assert cr.full((2,), 7).dtype == cr.int64 and cr.full((2,), 7.0).dtype == cr.float32
    assert cr.full((2,), True).dtype == cr.bool
    assert cr.arange(5).dtype == cr.int64 and cr.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert cr.arange(1, 2, 0.5).dtype == cr.float32 and cr.arange(1, 2, 0.5).tolist() == [1.0, 1.5]
    assert cr.arange(3, dtype=cr.float64).dtype == cr.float64
    assert cr.linspace(0, 1, 5).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert cr.linspace(0, 1, 5).dtype == cr.float32
    assert cr.eye(3).tolist() == np.eye(3).tolist() and cr.eye(2, 3).shape == (2, 3)
    x = cr.ones(2, 3, dtype=cr.float64)
    for f in (cr.zeros_like, cr.ones_like, cr.rand_like, cr.randn_like, cr.empty_like):
        y = f(x)
        assert y.shape == (2, 3) and y.dtype == cr.float64
    assert cr.full_like(x, 4).tolist() == [[4.0] * 3] * 2
    assert cr.zeros_like(x, dtype=cr.int32).dtype == cr.int32
    assert cr.zeros(2, requires_grad=True).requires_grad
    with pytest.raises(RuntimeError, match="negative dimension"):
        cr.zeros(-1)


def test_from_numpy_as_tensor_share_memory():
    a = np.array([1.0, 2.0])
    t = cr.from_numpy(a)
    a[0] = 9
    assert t.dtype == cr.float64 and t[0].item() == 9
    u = cr.as_tensor(a)
    assert u._data is a or np.shares_memory(u._data, a)
    v = cr.tensor(a)
    a[1] = -1
    assert v[1].item() == 2.0   # tensor() copies
    with pytest.raises(TypeError):
        cr.from_numpy([1, 2])


@pytest.mark.parametrize("data,dtype,shape", [
    (1.5, cr.float32, ()), (3, cr.int64, ()), (True, cr.bool, ()), ([True, 1], cr.int64, (2,)),
    ([1, 2.0], cr.float32, (2,)), ([], cr.float32, (0,)), ([[1, 2], [3, 4]], cr.int64, (2, 2)),
    (np.float32(1.5), cr.float32, ()), (np.float64(1.5), cr.float64, ()),
    (np.int32(3), cr.int32, ()), (np.bool_(True), cr.bool, ()),
    (np.array([1, 2], dtype=np.int32), cr.int32, (2,)), (np.array([1.0]), cr.float64, (1,)),
    (np.array([1, 2], dtype=np.uint8), cr.uint8, (2,)), ((1, 2), cr.int64, (2,)),
    ([[], []], cr.float32, (2, 0)), (2 ** 40, cr.int64, ()),
])
def test_tensor_dtype_inference(data, dtype, shape):
    t = cr.tensor(data)
    assert t.dtype == dtype and t.shape == shape


def test_tensor_from_tensors_and_errors():
    t = cr.tensor([cr.tensor(1.0), cr.tensor(2.0)])
    assert t.dtype == cr.float32 and t.tolist() == [1.0, 2.0]
    assert cr.tensor([[cr.tensor(1.5)]]).shape == (1, 1)
    assert cr.tensor([1, 2], dtype=cr.float64).dtype == cr.float64
    assert cr.tensor(cr.tensor([1, 2])).dtype == cr.int64
    with pytest.raises((ValueError, TypeError)):
        cr.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        cr.tensor([None])


@pytest.mark.parametrize("a,b,expect", [
    (cr.tensor([1, 2]), 1.5, cr.float32),            # int tensor + Python float -> default
    (cr.tensor([1.0], dtype=cr.float32), cr.tensor(2.0, dtype=cr.float64), cr.float32),
    (cr.tensor([1.0], dtype=cr.float16), 2.0, cr.float16),
    (cr.tensor([1], dtype=cr.int32), 2, cr.int32),
    (cr.tensor([1], dtype=cr.int32), cr.tensor([2]), cr.int64),
    (cr.tensor([1], dtype=cr.int32), cr.tensor(2), cr.int32),
    (cr.tensor([True]), 2, cr.int64),
    (cr.tensor([True]), cr.tensor([1], dtype=cr.uint8), cr.uint8),
    (cr.tensor([1.0]), cr.tensor([1.0], dtype=cr.float64), cr.float64),
    (cr.tensor(1, dtype=cr.int32), cr.tensor(1.0, dtype=cr.float64), cr.float64),
])
def test_promotion(a, b, expect):
    assert (a + b).dtype == expect and (b * a).dtype == expect


def test_promotion_division_and_reductions():
    assert (cr.tensor([1, 2]) / cr.tensor([2, 2])).dtype == cr.float32
    assert (cr.tensor([3, 4]) / 2).tolist() == [1.5, 2.0]
    assert (cr.tensor([3, 4]) // 2).dtype == cr.int64
    assert cr.tensor([1, 2], dtype=cr.int32).sum().dtype == cr.int64
    assert cr.tensor([1.0], dtype=cr.float64).sum().dtype == cr.float64
    assert (cr.tensor([2]) ** 2).dtype == cr.int64 and (cr.tensor([2]) ** 0.5).dtype == cr.float32
    assert (2 ** cr.tensor([1, 2])).dtype == cr.int64
    assert (2.0 ** cr.tensor([1, 2])).dtype == cr.float32
    with pytest.raises(RuntimeError, match="negative integer powers"):
        cr.tensor([2]) ** -1


def test_dtype_objects():
    assert repr(cr.float32) == "chainrule.float32" and cr.float is cr.float32
    assert cr.double is cr.float64 and cr.long is cr.int64 and cr.int is cr.int32
    assert cr.float32.is_floating_point and not cr.int64.is_floating_point
    assert cr.float32.itemsize == 4 and cr.get_default_dtype() is cr.float32
    assert cr.float32 == np.float32 and cr.float64 != cr.float32
    cr.set_default_dtype(cr.float64)
    try:
        assert cr.tensor(1.5).dtype == cr.float64 and cr.zeros(1).dtype == cr.float64
        assert "dtype" not in repr(cr.tensor([1.5]))
        assert "dtype=chainrule.float32" in repr(cr.tensor([1.5], dtype=cr.float32))
    finally:
        cr.set_default_dtype(cr.float32)
    with pytest.raises(TypeError):
        cr.set_default_dtype(cr.int64)


REPRS = [
    (lambda: cr.tensor(1.5), "tensor(1.5000)"),
    (lambda: cr.tensor(-0.0), "tensor(-0.)"),
    (lambda: cr.tensor(3), "tensor(3)"),
    (lambda: cr.tensor([1.0, -2.5, 3.25]), "tensor([ 1.0000, -2.5000,  3.2500])"),
    (lambda: cr.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: cr.tensor([1e10, 1.0]), "tensor([1.0000e+10, 1.0000e+00])"),
    (lambda: cr.tensor([-1e20, 1.5]), "tensor([-1.0000e+20,  1.5000e+00])"),
    (lambda: cr.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: cr.tensor([float("nan"), 1.0, float("inf")]), "tensor([nan, 1., inf])"),
    (lambda: cr.tensor([True, False]), "tensor([ True, False])"),
    (lambda: cr.tensor([1, 2], dtype=cr.int32), "tensor([1, 2], dtype=chainrule.int32)"),
    (lambda: cr.tensor([1.0], dtype=cr.float64), "tensor([1.], dtype=chainrule.float64)"),
    (lambda: cr.zeros(0), "tensor([])"),
    (lambda: cr.zeros(2, 0), "tensor([], size=(2, 0))"),
    (lambda: cr.ones(2, requires_grad=True), "tensor([1., 1.], requires_grad=True)"),
    (lambda: cr.ones(2, requires_grad=True) * 2, "tensor([2., 2.], grad_fn=<MulBackward0>)"),
    (lambda: cr.tensor([[1.0, 2.0], [3.0, 4.0]]), "tensor([[1., 2.],\n        [3., 4.]])"),
    (lambda: cr.arange(2000.0),
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
     "        1.9990e+03])"),
]


@pytest.mark.parametrize("make,text", REPRS, ids=[t for _, t in REPRS])
def test_repr_matches_pytorch_format(make, text):
    assert repr(make()) == text


def test_set_printoptions():
    cr.set_printoptions(precision=2)
    try:
        assert repr(cr.tensor([1.2345])) == "tensor([1.23])"
    finally:
        cr.set_printoptions(profile="default")
    assert repr(cr.tensor([1.2345])) == "tensor([1.2345])"


def test_seeded_randomness():
    cr.manual_seed(42)
    a = cr.randn(5)
    b = cr.rand(3)
    cr.manual_seed(42)
    assert cr.randn(5).tolist() == a.tolist() and cr.rand(3).tolist() == b.tolist()
    g1, g2 = cr.Generator().manual_seed(7), cr.Generator().manual_seed(7)
    assert cr.randn(4, generator=g1).tolist() == cr.randn(4, generator=g2).tolist()
    r = cr.randint(0, 10, (100,))
    assert r.dtype == cr.int64 and r.min() >= 0 and r.max() < 10
    assert cr.randint(5, (3,)).shape == (3,)
    p = cr.randperm(10)
    assert sorted(p.tolist()) == list(range(10)) and p.dtype == cr.int64
    n = cr.normal(2.0, 3.0, (20000,))
    assert abs(n.mean().item() - 2) < 0.1 and abs(n.std().item() - 3) < 0.1
    m = cr.normal(cr.zeros(3), cr.ones(3))
    assert m.shape == (3,) and m.dtype == cr.float32
    u = cr.rand(10000)
    assert u.dtype == cr.float32 and 0 <= u.min().item() and u.max().item() < 1
    state = cr.get_rng_state()
    x = cr.rand(3)
    cr.set_rng_state(state)
    assert cr.rand(3).tolist() == x.tolist()
    assert cr.initial_seed() == 42
    with pytest.raises(RuntimeError):
        cr.randint(5, 5, (2,))


def test_methods_exist_for_issue_names():
    x = cr.ones(2, 3)
    for name in ["add", "sub", "mul", "div", "pow", "neg", "abs", "sign", "exp", "log", "log1p",
                 "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu", "clamp",
                 "clip", "maximum", "minimum", "masked_fill", "matmul", "outer", "sum", "mean",
                 "prod", "max", "min", "amax", "amin", "var", "std", "logsumexp", "norm",
                 "cumsum", "reshape", "view", "flatten", "squeeze", "unsqueeze", "expand",
                 "expand_as", "repeat", "transpose", "permute", "contiguous", "split", "chunk",
                 "unbind", "gather", "scatter_add", "index_select", "tril", "triu", "flip",
                 "roll", "softmax", "log_softmax", "sort", "topk", "argmax", "argmin", "eq",
                 "ne", "lt", "le", "gt", "ge", "any", "all", "isnan", "isfinite", "item",
                 "tolist", "numpy", "detach", "requires_grad_", "retain_grad",
                 "register_hook", "clone", "to", "float", "double", "long", "int", "bool",
                 "add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "clamp_",
                 "uniform_", "normal_", "size", "numel", "dim", "backward", "where"]:
        assert callable(getattr(x, name)), name
    for name in ["add", "sub", "mul", "div", "pow", "neg", "abs", "sign", "exp", "log", "log1p",
                 "expm1", "sqrt", "rsqrt", "sin", "cos", "tanh", "sigmoid", "relu",
                 "leaky_relu", "elu", "gelu", "silu", "softplus", "clamp", "clip", "maximum",
                 "minimum", "where", "masked_fill", "matmul", "outer", "einsum", "sum", "mean",
                 "prod", "max", "min", "amax", "amin", "var", "std", "logsumexp", "norm",
                 "cumsum", "reshape", "flatten", "squeeze", "unsqueeze", "transpose",
                 "permute", "cat", "stack", "split", "chunk", "unbind", "pad", "gather",
                 "scatter_add", "index_select", "tril", "triu", "flip", "roll", "softmax",
                 "log_softmax", "one_hot", "sort", "topk", "argmax", "argmin", "eq", "ne",
                 "lt", "le", "gt", "ge", "any", "all", "isnan", "isfinite", "no_grad",
                 "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
                 "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty",
                 "arange", "linspace", "eye", "rand", "randn", "randint", "randperm", "normal",
                 "zeros_like", "ones_like", "full_like", "rand_like", "randn_like",
                 "manual_seed", "Generator"]:
        assert callable(getattr(cr, name)), name
    for name in ["grad", "backward", "Function", "gradcheck", "gradgradcheck"]:
        assert hasattr(cr.autograd, name), name
    for name in ["jacobian", "hessian", "vjp", "jvp", "hvp"]:
        assert callable(getattr(cr.autograd.functional, name)), name


def test_tensor_class_constructor():
    assert cr.Tensor([1, 2]).dtype == cr.float32 and cr.Tensor([1, 2]).tolist() == [1.0, 2.0]
    assert cr.Tensor(2, 3).shape == (2, 3) and cr.Tensor(3).shape == (3,)
    assert cr.Tensor(cr.Size([2, 1])).shape == (2, 1) and cr.Tensor().shape == (0,)
    assert cr.Tensor([1.0], requires_grad=True).requires_grad
    assert isinstance(cr.zeros(1), cr.Tensor) and cr.is_tensor(cr.zeros(1))


def test_explicit_dtype_keeps_full_precision():
    # tensor(python floats, dtype=float64) must not pass through float32 on the way
    assert cr.tensor([0.3, -0.7], dtype=cr.float64).tolist() == [0.3, -0.7]
    assert cr.tensor(0.1, dtype=cr.float64).item() == 0.1
    assert cr.tensor([[0.1]], dtype="float64").item() == 0.1
    assert cr.tensor(2 ** 62, dtype=cr.int64).item() == 2 ** 62
    assert cr.tensor([1.7, 0.0], dtype=cr.bool).tolist() == [True, False]
    assert cr.tensor([1.7], dtype=cr.int64).tolist() == [1]
    assert (cr.tensor([1.0], dtype=cr.float64) * 0.1).item() == 0.1
    assert cr.full((1,), 0.1, dtype=cr.float64).item() == 0.1


def test_size_slices_and_concatenations_are_sizes_as_in_torch():
    s = cr.zeros(2, 3, 4).shape
    for got in (s[1:], s[::-1], s + (5,), (1,) + s, s * 2, 2 * s):
        assert type(got) is cr.Size
    assert s[1:] == (3, 4) and s[1:].numel() == 12 and type(s[0]) is int
    assert (1,) + s == (1, 2, 3, 4) and s * 2 == (2, 3, 4, 2, 3, 4)
    assert repr(s[1:]) == "chainrule.Size([3, 4])"
