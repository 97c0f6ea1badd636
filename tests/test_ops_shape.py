"""Shape and indexing ops: forward vs NumPy, gradcheck (+gradgradcheck), torch parity."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_op, make

X234 = [((2, 3, 4),)]


SHAPE_OPS = {
    "reshape": (lambda T, x: x.reshape(4, -1), lambda x: x.reshape(4, -1), X234),
    "reshape_fn": (lambda T, x: T.reshape(x, (-1,)), lambda x: x.reshape(-1),
                   [((),), ((3, 1),), ((0, 3),)]),
    "view": (lambda T, x: x.view(6, 4), lambda x: x.reshape(6, 4), X234),
    "view_tuple": (lambda T, x: x.view((3, 8)), lambda x: x.reshape(3, 8), X234),
    "flatten": (lambda T, x: x.flatten(), lambda x: x.reshape(-1), X234 + [((),)]),
    "flatten_mid": (lambda T, x: T.flatten(x, 1), lambda x: x.reshape(2, 12), X234),
    "flatten_range": (lambda T, x: x.flatten(0, 1), lambda x: x.reshape(6, 4), X234),
    "squeeze": (lambda T, x: x.squeeze(), np.squeeze, [((1, 3, 1),), ((3, 1),), ((1,),)]),
    "squeeze_dim": (lambda T, x: x.squeeze(2), lambda x: np.squeeze(x, 2), [((1, 3, 1),)]),
    "squeeze_noop": (lambda T, x: x.squeeze(1), lambda x: x, [((1, 3, 1),)]),
    "unsqueeze": (lambda T, x: x.unsqueeze(1), lambda x: np.expand_dims(x, 1),
                  [((3, 1),), ((2, 3, 4),)]),
    "unsqueeze_neg": (lambda T, x: T.unsqueeze(x, -1), lambda x: x[..., None],
                      [((),), ((3, 1),)]),
    "expand": (lambda T, x: x.expand(2, 3, 4), lambda x: np.broadcast_to(x, (2, 3, 4)),
               [((3, 1),), ((1,),), ((),)]),
    "expand_neg1": (lambda T, x: x.expand(5, -1, 4), lambda x: np.broadcast_to(x, (5, 3, 4)),
                    [((3, 1),)]),
    "expand_as": (lambda T, x: x.expand_as(T.zeros(2, 3, 4, dtype=T.float64)),
                  lambda x: np.broadcast_to(x, (2, 3, 4)), [((3, 1),)]),
    "repeat": (lambda T, x: x.repeat(2, 1, 3), lambda x: np.tile(x, (2, 1, 3)),
               [((3, 1),), ((2, 3, 4),)]),
    "transpose": (lambda T, x: x.transpose(0, 2), lambda x: np.swapaxes(x, 0, 2), X234),
    "transpose_fn": (lambda T, x: T.transpose(x, -1, -2), lambda x: np.swapaxes(x, -1, -2),
                     [((3, 1),), ((2, 3, 4),)]),
    "permute": (lambda T, x: x.permute(2, 0, 1), lambda x: np.transpose(x, (2, 0, 1)), X234),
    "permute_fn": (lambda T, x: T.permute(x, (1, 0, 2)), lambda x: np.transpose(x, (1, 0, 2)),
                   X234),
    "T": (lambda T, x: x.T, lambda x: x.T, [((3, 1),), ((1,),), ((),)]),
    "mT": (lambda T, x: x.mT, lambda x: np.swapaxes(x, -1, -2), [((3, 1),), ((2, 3, 4),)]),
    "t": (lambda T, x: x.t(), lambda x: x.T, [((3, 1),)]),
    "contiguous": (lambda T, x: x.transpose(0, 1).contiguous(),
                   lambda x: np.swapaxes(x, 0, 1), X234),
    "flip": (lambda T, x: x.flip(0, 2) if T is cr else x.flip((0, 2)),
             lambda x: np.flip(x, (0, 2)), X234),
    "flip_fn": (lambda T, x: T.flip(x, [-1]), lambda x: np.flip(x, -1), [((3, 1),)] + X234),
    "roll": (lambda T, x: T.roll(x, 2, 1), lambda x: np.roll(x, 2, 1), X234),
    "roll_multi": (lambda T, x: x.roll((1, -1), (0, 2)), lambda x: np.roll(x, (1, -1), (0, 2)),
                   X234),
    "roll_flat": (lambda T, x: T.roll(x, 3), lambda x: np.roll(x, 3), X234),
    "tril": (lambda T, x: T.tril(x), np.tril, [((3, 4),), ((2, 3, 4),)]),
    "tril_k": (lambda T, x: x.tril(-1), lambda x: np.tril(x, -1), [((4, 3),)]),
    "triu": (lambda T, x: T.triu(x, 1), lambda x: np.triu(x, 1), [((3, 4),), ((2, 3, 4),)]),
    "pad": (lambda T, x: (T.nn.functional.pad if T is not cr else T.pad)(x, (1, 2)),
            lambda x: np.pad(x, [(0, 0)] * (x.ndim - 1) + [(1, 2)]), [((3, 1),)] + X234),
    "pad2": (lambda T, x: (T.nn.functional.pad if T is not cr else T.pad)(x, (1, 0, 0, 2), value=0.5),
             lambda x: np.pad(x, [(0, 0), (0, 2), (1, 0)], constant_values=0.5), X234),
    "pad_neg": (lambda T, x: (T.nn.functional.pad if T is not cr else T.pad)(x, (-1, 1)),
                lambda x: np.pad(x[..., 1:], [(0, 0)] * (x.ndim - 1) + [(0, 1)]), X234),
    "pad_reflect": (lambda T, x: (T.nn.functional.pad if T is not cr else T.pad)(
        x, (2, 1), mode="reflect"), lambda x: np.pad(x, [(0, 0), (0, 0), (2, 1)], "reflect"),
        X234),
    "pad_replicate": (lambda T, x: (T.nn.functional.pad if T is not cr else T.pad)(
        x, (2, 1), mode="replicate"), lambda x: np.pad(x, [(0, 0), (0, 0), (2, 1)], "edge"),
        X234),
    "pad_circular": (lambda T, x: (T.nn.functional.pad if T is not cr else T.pad)(
        x, (2, 1), mode="circular"), lambda x: np.pad(x, [(0, 0), (0, 0), (2, 1)], "wrap"),
        X234),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_op(name):
    fn, ref, shapes = SHAPE_OPS[name]
    check_op(fn, ref, shapes, gradgrad=name in ("reshape", "expand", "permute", "repeat",
                                                  "pad", "roll", "flip", "tril"))


def test_cat_stack():
    check_op(lambda T, a, b, c: T.cat([a, b, c], 1),
             lambda a, b, c: np.concatenate([a, b, c], 1),
             [((2, 1, 4), (2, 3, 4), (2, 0, 4))], gradgrad=True)
    check_op(lambda T, a, b: T.cat((a, b), -1), lambda a, b: np.concatenate([a, b], -1),
             [((3, 1), (3, 2))])
    check_op(lambda T, a, b: T.stack([a, b]), lambda a, b: np.stack([a, b]),
             [((3, 1), (3, 1)), ((), ())], gradgrad=True)
    check_op(lambda T, a, b: T.stack([a, b], dim=-1), lambda a, b: np.stack([a, b], -1),
             [((2, 3), (2, 3))])
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        cr.cat([cr.zeros(2, 3), cr.zeros(3, 3)], 1)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        cr.stack([cr.zeros(2), cr.zeros(3)])
    # mixed dtypes promote
    assert cr.cat([cr.zeros(2, dtype=cr.int64), cr.zeros(2)]).dtype == cr.float32


def test_split_chunk_unbind():
    def f_split(T, x):
        return x.split(2, dim=1)
    check_op(f_split, lambda x: np.split(x, [2], axis=1), [((2, 3, 4),)])
    check_op(lambda T, x: T.split(x, [1, 3], -1), lambda x: np.split(x, [1], -1), X234)
    check_op(lambda T, x: x.chunk(3, 2), lambda x: np.split(x, [2], 2), X234)
    check_op(lambda T, x: x.chunk(2, 0), lambda x: np.split(x, 2, 0), X234)
    check_op(lambda T, x: T.unbind(x, 1), lambda x: [x[:, i] for i in range(3)], X234)
    check_op(lambda T, x: x.unbind(), lambda x: list(x), [((3, 1),)])
    # only some pieces used: the others get zero gradient
    x = cr.arange(6.0).reshape(2, 3).requires_grad_()
    a, b = x.split([1, 2], 1)
    b.sum().backward()
    assert x.grad.tolist() == [[0, 1, 1], [0, 1, 1]]
    assert len(cr.zeros(7).chunk(3)) == 3 and [t.shape[0] for t in cr.zeros(7).chunk(3)] == [3, 3, 1]
    with pytest.raises(RuntimeError, match="split_with_sizes"):
        cr.zeros(4).split([1, 2])
    x = cr.zeros(3, 2, requires_grad=True)
    assert [tuple(t.shape) for t in x] == [(2,)] * 3


def _key_cases():
    idx = np.array([0, 2, 0, 1])
    mask = np.array([[True, False, True], [False, False, True]])
    return [
        ("int", lambda x: 1),
        ("neg_int", lambda x: -1),
        ("slice", lambda x: slice(1, None)),
        ("step", lambda x: (slice(None), slice(None, None, 2))),
        ("neg_step", lambda x: (slice(None), slice(None, None, -1))),
        ("none", lambda x: (None, 1, slice(None), None)),
        ("ellipsis", lambda x: (Ellipsis, 1)),
        ("ellipsis_mid", lambda x: (0, Ellipsis, slice(1, 3))),
        ("int_array_repeat", lambda x: (slice(None), idx)),
        ("int_array_first", lambda x: idx[:3] % 2),
        ("two_arrays", lambda x: (np.array([0, 1, 1]), np.array([2, 0, 2]))),
        ("bool_mask", lambda x: mask),
        ("bool_mask_row", lambda x: np.array([True, False])),
        ("list", lambda x: [1, 0, 1]),
        ("mixed", lambda x: (1, idx[:2], slice(0, 3, 2))),
    ]


def _to_torch_key(T, k):
    if isinstance(k, np.ndarray):
        return T.tensor(k)
    if isinstance(k, tuple):
        return tuple(_to_torch_key(T, v) for v in k)
    return k


@pytest.mark.parametrize("name,key", _key_cases())
def test_getitem(name, key):
    k = key(None)
    # PyTorch refuses negative steps; chainrule allows them (NumPy's meaning).
    check_op(lambda T, x: x[_to_torch_key(T, k)], lambda x: x[k], [((2, 3, 4),)],
             gradgrad=True, vs_torch=name != "neg_step")


def test_getitem_repeated_indices_accumulate():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[cr.tensor([0, 0, 2, 0])].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = cr.zeros(2, 2, requires_grad=True)
    y[[0, 0, 1], [1, 1, 0]].sum().backward()
    assert y.grad.tolist() == [[0.0, 2.0], [1.0, 0.0]]


def test_getitem_errors_and_views():
    x = cr.zeros(2, 3)
    with pytest.raises(IndexError, match=r"\[2, 3\]"):
        x[5]
    with pytest.raises(IndexError):
        x[cr.tensor([0.5])]
    v = x[0]
    v += 1  # a basic index is a view: the change shows in x, versions are shared
    assert x[0].tolist() == [1.0, 1.0, 1.0] and x._version[0] == v._version[0]


def test_gather_scatter_index_select():
    idx = np.array([[0, 2, 2], [1, 0, 0]])
    check_op(lambda T, x: T.gather(x, 1, T.tensor(idx)),
             lambda x: np.take_along_axis(x, idx, 1), [((2, 4),)], gradgrad=True)
    check_op(lambda T, x: x.gather(0, T.tensor(idx)),
             lambda x: np.take_along_axis(x[:, :3], idx, 0), [((3, 4),)], gradgrad=True)

    def np_scatter_add(x, s):
        out = x.copy()
        for i in range(idx.shape[0]):
            for j in range(idx.shape[1]):
                out[i, idx[i, j]] += s[i, j]
        return out
    check_op(lambda T, x, s: T.scatter_add(x, 1, T.tensor(idx), s), np_scatter_add,
             [((2, 4), (2, 3))], gradgrad=True)
    check_op(lambda T, x, s: x.scatter_add(1, T.tensor(idx), s[:, :3]),
             lambda x, s: np_scatter_add(x, s[:, :3]), [((2, 4), (2, 4))])
    uniq = np.array([[0, 3], [2, 1]])

    def np_scatter(x, s):
        out = x.copy()
        np.put_along_axis(out, uniq, s, 1)
        return out
    check_op(lambda T, x, s: T.scatter(x, 1, T.tensor(uniq), s), np_scatter,
             [((2, 4), (2, 2))])
    check_op(lambda T, x: x.scatter(1, T.tensor(uniq), 2.5) if T is cr
             else x.scatter(1, T.tensor(uniq), 2.5),
             lambda x: np_scatter(x, np.full((2, 2), 2.5)), [((2, 4),)])
    sel = np.array([2, 0, 2])
    check_op(lambda T, x: T.index_select(x, 1, T.tensor(sel)), lambda x: x[:, sel],
             [((2, 3, 4),)], gradgrad=True)
    check_op(lambda T, x: x.index_select(0, T.tensor(sel[:2])), lambda x: x[sel[:2]],
             [((3, 1),)])
    with pytest.raises(RuntimeError, match="int64"):
        cr.gather(cr.zeros(2, 2), 1, cr.zeros(2, 2))
    with pytest.raises(IndexError, match="out of"):
        cr.zeros(2, 2).gather(1, cr.tensor([[0, 5], [0, 0]]))
    with pytest.raises(IndexError):
        cr.index_select(cr.zeros(2, 2), 0, cr.tensor([3]))


def test_sort_topk():
    x = make((3, 5), seed=4)
    check_op(lambda T, x: T.sort(x, 1).values, lambda x: np.sort(x, 1), inputs=[(x,)],
             gradgrad=True)
    check_op(lambda T, x: x.sort(0, descending=True)[0], lambda x: -np.sort(-x, 0),
             inputs=[(x,)])
    check_op(lambda T, x: T.topk(x, 2).values, lambda x: -np.sort(-x, 1)[:, :2], inputs=[(x,)],
             gradgrad=True)
    check_op(lambda T, x: x.topk(2, dim=0, largest=False)[0], lambda x: np.sort(x, 0)[:2],
             inputs=[(x,)])
    a = cr.tensor([[3.0, 1.0, 2.0, 1.0]])
    s = a.sort(descending=True)
    assert s.values.tolist() == [[3.0, 2.0, 1.0, 1.0]]
    assert s.indices.tolist() == [[0, 2, 1, 3]] and s.indices.dtype == cr.int64
    assert cr.argsort(a).tolist() == [[1, 3, 2, 0]]
    t = cr.topk(a, 3)
    assert t.values.tolist() == [[3.0, 2.0, 1.0]] and t.indices.tolist()[0][:2] == [0, 2]
    # descending sort of integers, including the smallest int64
    i = cr.tensor([5, -9223372036854775808, 0])
    assert i.sort(descending=True).values.tolist() == [5, 0, -9223372036854775808]
    b = cr.tensor([True, False, True])
    assert b.sort(descending=True).values.tolist() == [True, True, False]
    u = cr.tensor([3, 1, 2], dtype=cr.uint8)
    assert u.sort(descending=True).values.tolist() == [3, 2, 1]


def test_one_hot():
    out = cr.one_hot(cr.tensor([0, 2, 1]), 4)
    assert out.dtype == cr.int64 and out.shape == (3, 4)
    assert out.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert cr.one_hot(cr.tensor([[1], [0]])).shape == (2, 1, 2)
    with pytest.raises(RuntimeError, match="class values"):
        cr.one_hot(cr.tensor([3]), 2)


def test_view_errors_and_sharing():
    x = cr.arange(6.0).reshape(2, 3)
    v = x.view(3, 2)
    v[0, 0] = 100.0
    assert x[0, 0].item() == 100.0
    with pytest.raises(RuntimeError, match="view size is not compatible"):
        x.t().view(6)
    with pytest.raises(RuntimeError, match="invalid for input of size 6"):
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match="expand"):
        x.expand(3, 3)
    with pytest.raises(IndexError, match="Dimension out of range"):
        x.transpose(0, 3)
    with pytest.raises(RuntimeError, match="permute"):
        x.permute(0)


@pytest.mark.parametrize("k", [0, 1, -1, 2])
def test_diag(k):
    check_op(lambda T, x: T.diag(x, k), lambda x: np.diag(x, k), [((3,),), ((3, 4),), ((4, 2),)],
             gradgrad=True)


def test_pytorch_keyword_names():
    torch = pytest.importorskip("torch")
    calls = [
        "x.permute(dims=(1, 0))", "T.reshape(x, shape=(3, 2))", "x.reshape(shape=(3, 2))",
        "x.view(size=(3, 2))", "x.expand(size=(2, 2, 3))", "x.repeat(repeats=(1, 2))",
        "x.split(split_size=1, dim=1)[2]", "T.matmul(input=x, other=x.T)", "T.pow(x, exponent=2)",
        "x.pow(exponent=2)", "T.add(x, other=x, alpha=2)", "T.sub(x, other=1)", "x.mul(other=2)",
        "T.minimum(x, other=x)", "T.maximum(input=x, other=x * 0)", "T.zeros(size=(2,))",
        "T.flip(x, dims=(0,))", "x.flip(0, 1)", "T.div(x, other=2, rounding_mode='floor')",
        "T.where(condition=x > 2, input=x, other=x * 2)", "T.cat(tensors=[x, x], dim=1)",
        "x.gather(dim=1, index=T.tensor([[0], [1]]))", "T.clamp(x, min=1.5, max=4.5)",
    ]
    for c in calls:
        a = eval(c, {"T": cr, "x": cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])})  # noqa: S307
        b = eval(c, {"T": torch, "x": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])})  # noqa: S307
        assert a.tolist() == b.tolist(), c
