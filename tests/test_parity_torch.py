"""Parity with PyTorch (optional): forward values, dtypes and gradients of every op in
float64, type promotion, creation dtypes and the printed form. Skipped without torch."""
import itertools
import math
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import chainrule as cr  # noqa: E402
from helpers import compare_torch, make  # noqa: E402


def F(T):
    """torch.nn.functional for torch; chainrule keeps these ops at top level."""
    return T.nn.functional if T is torch else T


IDX = np.array([[0, 2, 1], [1, 1, 0]])
OPS = {
    # arithmetic, scalars on either side
    "add": (lambda T, a, b: a + b, [(2, 3), (3,)]),
    "sub": (lambda T, a, b: a - b, [(2, 1), (1, 3)]),
    "mul": (lambda T, a, b: a * b, [(2, 3), ()]),
    "div": (lambda T, a, b: a / (b * b + 1), [(2, 3), (2, 3)]),
    "pow": (lambda T, a, b: (a * a + 0.5) ** b, [(2, 3), (3,)]),
    "scalars": (lambda T, a: (2 + a) * 3 - 1 / (a * a + 1) + 2 ** a - 4 - a / 2 + a ** 3,
                [(2, 3)]),
    "neg_abs_sign": (lambda T, a: -T.abs(a) + T.sign(a) * a, [(2, 3)]),
    "unary": (lambda T, a: T.exp(a) + T.log1p(a * a) + T.expm1(a) + T.sin(a) + T.cos(a)
              + T.tanh(a) + T.sigmoid(a) + T.sqrt(a * a + 1) + T.rsqrt(a * a + 1)
              + T.log(a * a + 1), [(2, 3)]),
    "activations": (lambda T, a: T.relu(a) + F(T).leaky_relu(a, 0.2) + F(T).elu(a)
                    + F(T).gelu(a) + F(T).gelu(a, approximate="tanh") + F(T).silu(a)
                    + F(T).softplus(a), [(2, 3)]),
    "clamp": (lambda T, a: T.clamp(a, -0.5, 0.5) + a.clip(min=0.1), [(3, 4)]),
    "max_min_elementwise": (lambda T, a, b: T.maximum(a, b) * T.minimum(a, b), [(2, 3), (3,)]),
    "where_masked_fill": (lambda T, a, b: T.where(a > 0, a, b).masked_fill(b > 0.5, 2.0),
                          [(2, 3), (2, 3)]),
    # products
    "matmul": (lambda T, a, b: a @ b, [(4, 2, 3), (3, 5)]),
    "matmul_1d": (lambda T, a, b: a @ b, [(3,), (2, 3, 4)]),
    "outer": (lambda T, a, b: T.outer(a, b), [(3,), (4,)]),
    "einsum": (lambda T, a, b: T.einsum("...ij,...kj->...ik", a, b), [(2, 2, 3), (2, 4, 3)]),
    "linear": (lambda T, x, w, b: F(T).linear(x, w, b), [(5, 3), (4, 3), (4,)]),
    # reductions
    "sum_mean": (lambda T, a: a.sum((0, 2), keepdim=True) * a.mean(1).sum(), [(2, 3, 4)]),
    "prod": (lambda T, a: a.prod(1), [(2, 3, 4)]),
    "max_min": (lambda T, a: a.max(1).values + a.min(-1, keepdim=True)[0].sum() + a.amax((0, 1))
                .sum() + a.amin(2).sum() + a.max(), [(2, 3, 4)]),
    "var_std": (lambda T, a: a.var(1) + a.std(1, correction=0) + a.var((0, 2), keepdim=True)
                .sum(), [(2, 3, 4)]),
    "logsumexp_norm": (lambda T, a: T.logsumexp(a, (1, 2)) + a.norm(dim=1).sum() + a.norm(),
                       [(2, 3, 4)]),
    "cumsum": (lambda T, a: a.cumsum(1), [(2, 3, 4)]),
    "softmax": (lambda T, a: T.softmax(a, 1) * T.log_softmax(a, -1), [(2, 3, 4)]),
    # shapes
    "views": (lambda T, a: a.reshape(4, 6).view(6, 4).flatten().unsqueeze(0).squeeze(0)
              .reshape(2, 3, 4).permute(2, 0, 1).transpose(0, 1).contiguous().mT.T, [(2, 3, 4)]),
    "expand_repeat": (lambda T, a: a.expand(2, 3, 4).repeat(1, 2, 1) + a.repeat(2, 1).expand_as(
        T.zeros(2, 6, 4, dtype=T.float64)), [(3, 1)]),
    "cat_stack": (lambda T, a, b: T.cat([a, b], 1).sum() + T.stack([a, a], 2).sum(),
                  [(2, 3), (2, 4)]),
    "split_chunk_unbind": (lambda T, a: a.split(2, 1)[1] * 2 + a.chunk(2, 1)[0].sum()
                           + sum(a.unbind(0)).sum(), [(2, 4)]),
    "pad": (lambda T, a: F(T).pad(a, (1, 2, 0, 1), value=0.5) + 0, [(2, 3, 4)]),
    "tril_triu_flip_roll": (lambda T, a: T.tril(a) + T.triu(a, 1).flip(0) + a.roll(1, 1),
                            [(3, 3)]),
    # indexing
    "getitem": (lambda T, a: a[1, ::2] + a[..., None, 0].sum() + a[:, [0, 0, 2]].sum()
                + a[a > 0].sum(), [(2, 3, 4)]),
    "gather_scatter": (lambda T, a, s: T.gather(a, 1, T.tensor(IDX)).sum()
                       + a.scatter_add(1, T.tensor(IDX), s), [(2, 3), (2, 3)]),
    "index_select": (lambda T, a: a.index_select(1, T.tensor([2, 0, 2])), [(2, 3)]),
    "sort_topk": (lambda T, a: a.sort(1, descending=True).values + a.topk(3, 1).values,
                  [(2, 3)]),
}


@pytest.mark.parametrize("name", list(OPS))
def test_op_parity(name):
    fn, shapes = OPS[name]
    arrays = tuple(make(s, seed=i + 7) for i, s in enumerate(shapes))
    compare_torch(fn, arrays, where=name)


def test_floor_divide_values_parity():
    # PyTorch has no derivative for floor_divide; chainrule defines it as 0 (piecewise
    # constant), so only the values are compared.
    compare_torch(lambda T, a, b: a // (b * b + 0.5) + 1.5 // (a * a + 1),
                  (make((2, 3), seed=1), make((3,), seed=2)), grad=False)


def test_nondifferentiable_parity():
    a = make((3, 4), seed=1)
    a[0, 0] = np.nan
    b = make((4,), seed=2)
    for f in (lambda T, x, y: x > y, lambda T, x, y: x <= y, lambda T, x, y: T.eq(x, x),
              lambda T, x, y: x != y, lambda T, x, y: T.isnan(x), lambda T, x, y: x.isfinite(),
              lambda T, x, y: T.argmax(y), lambda T, x, y: y.argmin(0, keepdim=True),
              lambda T, x, y: (y > 0).any(), lambda T, x, y: (x > -5).all(1),
              lambda T, x, y: F(T).one_hot(T.tensor([0, 2, 1]), 4)):
        compare_torch(f, (a, b), grad=False)


def _pair(lib, dt, nd):
    if dt == "py":
        return nd
    v = ([True, False] if nd else True) if dt == "bool" else ([1, 2] if nd else 1)
    return lib.tensor(v, dtype=getattr(lib, dt))


def test_type_promotion_matches_pytorch():
    dts = ["float16", "float32", "float64", "uint8", "int16", "int32", "int64", "bool"]
    operands = [(d, n) for d in dts for n in (0, 1)] + [("py", 2), ("py", 2.5), ("py", True)]
    ops = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a / b,
           lambda a, b: a // b, lambda a, b: a ** b]
    checked = 0
    warnings.simplefilter("ignore")
    for (da, na), (db, nb) in itertools.product(operands, repeat=2):
        if da == "py" and db == "py":
            continue
        for op in ops:
            try:
                want = op(_pair(torch, da, na), _pair(torch, db, nb)).dtype
            except RuntimeError:
                continue  # PyTorch refuses it (e.g. integer to a negative power)
            got = op(_pair(cr, da, na), _pair(cr, db, nb)).dtype
            assert got.name == str(want).split(".")[-1], (da, na, db, nb)
            checked += 1
    assert checked > 1500


@pytest.mark.parametrize("expr", [
    "tensor(1.5)", "tensor(3)", "tensor(True)", "tensor([True, 1])", "tensor([1, 2.0])",
    "tensor([])", "zeros(2, 3)", "ones(2, dtype={T}.int32)", "full((2,), 7)",
    "full((2,), 7.0)", "arange(5)", "arange(0, 1, 0.25)", "linspace(0, 1, 4)", "eye(3)",
    "rand(2)", "randn(2)", "randint(0, 5, (3,))", "randperm(4)", "zeros_like({T}.ones(2))",
    "tensor([1, 2]).sum()", "tensor([1, 2], dtype={T}.int32).sum()",
    "tensor([1., 2.]).mean()", "tensor([1, 2]) / 2", "tensor([3, 4]) // 2",
    "tensor([1.0], dtype={T}.float32) + tensor(2.0, dtype={T}.float64)",
])
def test_creation_and_result_dtypes(expr):
    a = eval(expr.format(T="cr"), {"cr": cr, **vars(cr)})  # noqa: S307 - fixed strings
    b = eval(expr.format(T="torch"), {"torch": torch, **vars(torch)})  # noqa: S307
    assert a.dtype.name == str(b.dtype).split(".")[-1] and tuple(a.shape) == tuple(b.shape)


@pytest.mark.parametrize("expr", [
    "tensor(1.5)", "tensor(-0.0)", "tensor([1.0, -2.5, 3.25])", "tensor([1e10, 1.0])",
    "tensor([1e-5, 1.0])", "tensor([-1e20, 1.5])", "tensor([float('nan'), 1.0, float('inf')])",
    "tensor([True, False])", "tensor([1, 2], dtype={T}.int32)", "tensor([-5, 100, 3])",
    "zeros(0)", "zeros(2, 0)", "zeros(0, dtype={T}.float64)", "tensor([123456.789, 1.0])",
    "arange(24.).reshape(2, 3, 4) / 7", "arange(5000).reshape(50, 100)", "arange(30.) / 3",
    "arange(2000.)", "arange(10000.).reshape(10, 10, 100)", "tensor([1e8, 1.0])",
    "ones(2, 2, requires_grad=True) * 2", "tensor([1.0, 2.0], requires_grad=True)",
    "tensor([[True], [False]])", "tensor([0.5, 100.25])", "tensor([1., 2.], dtype={T}.float16)",
])
def test_repr_parity(expr):
    a = repr(eval(expr.format(T="cr"), {**vars(cr), "cr": cr, "float": float}))  # noqa: S307
    b = repr(eval(expr.format(T="torch"), {**vars(torch), "torch": torch,  # noqa: S307
                                           "float": float}))
    assert a.replace("chainrule.", "torch.") == b


def test_autograd_semantics_parity():
    """Same gradients and the same refusals as PyTorch for graph edge cases."""
    def run(T):
        x = T.tensor([1.0, 2.0, 3.0], dtype=T.float64, requires_grad=True)
        y = x * 2
        z = y + 1
        y.mul_(x)              # z recorded before the in-place change
        w = (z * y).sum() + y.pow(2).sum()
        (g,) = T.autograd.grad(w, x, create_graph=True)
        g.sum().backward()
        return x.grad.numpy().copy(), g.detach().numpy().copy()
    for a, b in zip(run(cr), run(torch)):
        np.testing.assert_allclose(a, b)
    for lib in (cr, torch):
        x = lib.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="in-place operation"):
            x.add_(1)
        e = (x * 2).exp()
        e.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            e.sum().backward()
        with pytest.raises(RuntimeError, match="only Tensors of floating point"):
            lib.ones(2, dtype=lib.int64).requires_grad_()
        y = x * 2
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for "
                                               "scalar outputs"):
            y.backward()
        s = (x * x).sum()
        s.backward()
        with pytest.raises(RuntimeError, match="second time"):
            s.backward()
    assert math.isclose(cr.tensor(2.0).item(), torch.tensor(2.0).item())


def _engine_run(T):
    r = {}
    x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
    y1 = x * 3; y2 = (x ** 2)
    T.autograd.backward([y1, y2], [T.ones(2, dtype=T.float64), T.tensor([1.0, -1.0], dtype=T.float64)])
    r['multi_root'] = x.grad.tolist()
    x.grad = None
    h = x * 2
    seen = []
    h.register_hook(lambda g: seen.append(g.tolist()))
    h.retain_grad()
    out = (h * h).sum() + h.sum()
    out.backward(retain_graph=True)
    out.backward()
    r['hook_twice'] = seen; r['retain_acc'] = h.grad.tolist(); r['x_acc'] = x.grad.tolist()
    x.grad = None
    z = (x ** 3).sum()
    z.backward(create_graph=True)
    r['cg_req'] = (x.grad.requires_grad, x.grad.grad_fn is not None)
    g1 = x.grad
    (g1.sum()).backward()
    r['cg_second'] = x.grad.tolist()
    a = x * 1
    b = a * 2
    ga, gx = T.autograd.grad(b.sum(), [a, x], retain_graph=True)
    r['grad_mid_leaf'] = (ga.tolist(), gx.tolist())
    gs = T.autograd.grad([b.sum() * 0 + x.sum(), (x * 0).sum()], [x], allow_unused=True)
    r['two_outs'] = gs[0].tolist()
    w = T.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g * 2)
    (w * w).sum().backward()
    r['leaf_hook'] = w.grad.tolist()
    v = T.tensor(3.0, requires_grad=True)
    u = v * v
    uu = u + u
    u.register_hook(lambda g: g + 100)
    uu.backward()
    r['hook_sum'] = v.grad.item()
    return r


def test_engine_semantics_parity():
    """Multiple roots, hooks across retain_graph, retain_grad accumulation, create_graph
    .grad, grad w.r.t. intermediate and leaf, hook on a tensor used twice."""
    warnings.simplefilter("ignore")
    assert _engine_run(cr) == _engine_run(torch)
