"""The backward pass: accumulation, graphs of any shape, retain_graph, freeing, grad
modes, hooks, retain_grad, deep chains, higher order, custom Function, functional."""
import gc
import math
import weakref

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, functional as AF, gradcheck, gradgradcheck


def t64(*vals, rg=True):
    return cr.tensor(np.asarray(vals, dtype=np.float64), requires_grad=rg)


# --- accumulation and graph shapes ------------------------------------------------------
def test_leaves_accumulate_across_backward_calls():
    x = cr.tensor(2.0, requires_grad=True)
    (x * 3).backward()
    (x * x).backward()
    assert x.grad.item() == 3 + 4
    x.grad.zero_()
    (x * 5).backward()
    assert x.grad.item() == 5


def test_tensor_used_twice_and_diamond():
    x = cr.tensor(3.0, requires_grad=True)
    y = x * x + x          # x used three times
    y.backward()
    assert x.grad.item() == 2 * 3 + 1
    x.grad = None
    a = x * 2              # diamond: a feeds b and c, which meet in d
    b, c = a.exp(), a.sin()
    d = b * c
    d.backward()
    expect = 2 * (math.exp(6) * math.sin(6) + math.exp(6) * math.cos(6))
    assert x.grad.item() == pytest.approx(expect, rel=1e-5)


def test_shared_subexpression_and_unused_branch():
    x = t64(1.0, 2.0)
    h = x.exp()
    _ = h * 7              # a branch that is never backpropagated
    out = (h * h).sum() + h.sum()
    out.backward()
    np.testing.assert_allclose(x.grad._data, 2 * np.exp(2 * x._data) + np.exp(x._data))


def test_grad_reaches_leaf_through_int_index_and_constant_inputs():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    c = cr.tensor([3.0, 4.0])          # no grad
    (w * c).sum().backward()
    assert w.grad.tolist() == [3.0, 4.0] and c.grad is None


def test_deep_chain_100k_nodes_no_recursion():
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward()
    assert x.grad.item() == 1.0 and y.item() == 100_001.0


def test_deep_chain_mul_and_memory_released():
    x = cr.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


# --- retain_graph and the freed-graph error -----------------------------------------------
def test_second_backward_through_freed_graph_raises_clear_message():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_saved_buffers_released_after_backward():
    x = cr.randn(50, 50, requires_grad=True)
    w = cr.randn(50, 50, requires_grad=True)
    y = (x @ w).tanh()
    node = y.grad_fn
    ref = weakref.ref(node._out if hasattr(node, "_out") else node)
    y.sum().backward()
    assert node.released
    assert y.grad_fn.inputs[0].grad_fn.released  # the matmul node
    gc.collect()
    # the tanh output array saved for backward was dropped (only y holds its data now)
    assert "_out" not in node.__dict__
    _ = ref


def test_memory_does_not_grow_across_steps():
    import tracemalloc
    w = cr.randn(100, 100, requires_grad=True)
    x = cr.randn(64, 100)

    def step():
        loss = ((x @ w).relu() @ w).sigmoid().mean()
        loss.backward()
        w.grad = None

    step()
    tracemalloc.start()
    step()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(20):
        step()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 200_000, grown


# --- errors ---------------------------------------------------------------------------
def test_backward_errors():
    with pytest.raises(RuntimeError, match="does not require grad"):
        cr.tensor(1.0).backward()
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        (x * 2).backward()
    with pytest.raises(RuntimeError, match="shape"):
        (x * 2).backward(cr.ones(2))
    (x * 2).backward(cr.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        cr.tensor([1, 2]).requires_grad_()


def test_version_counter_error_names_the_op():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = y * y              # Mul saves y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation") as e:
        z.sum().backward()
    assert "MulBackward0" in str(e.value) and "version" in str(e.value)
    # an op that saves its output: exp
    a = cr.tensor([1.0], requires_grad=True)
    b = a.exp()
    b.mul_(2)
    with pytest.raises(RuntimeError, match="ExpBackward0"):
        b.sum().backward()


def test_inplace_on_unsaved_value_is_fine():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x + 1              # Add saves nothing
    y.mul_(3)              # recorded out of place, y rebased onto the new node
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]
    assert y.tolist() == [6.0, 9.0]


def test_inplace_on_leaf_requiring_grad_raises_pytorch_error():
    w = cr.ones(3, requires_grad=True)
    for f in (lambda: w.add_(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.fill_(1.0),
              lambda: w.copy_(cr.zeros(3)), lambda: w.clamp_(0, 1), lambda: w.uniform_(),
              lambda: w.normal_(), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being "
                                               "used in an in-place operation"):
            f()
    with cr.no_grad():
        w.add_(1)
        w[0] = 7.0
        w.mul_(2)
    assert w.tolist() == [14.0, 4.0, 4.0] and w.is_leaf and w.grad_fn is None


def test_inplace_ops_values_and_versions():
    x = cr.zeros(3)
    v0 = x._version[0]
    x.add_(2).sub_(0.5).mul_(4).div_(2)
    assert x.tolist() == [3.0, 3.0, 3.0] and x._version[0] == v0 + 4
    x.clamp_(max=1)
    assert x.tolist() == [1.0] * 3
    x.fill_(2.5)
    x.copy_(cr.tensor([1.0, 2.0, 3.0]))
    x.zero_()
    assert x.tolist() == [0.0] * 3
    x.uniform_(2, 3)
    assert ((x >= 2) & (x < 3)).all()
    cr.manual_seed(1)
    x.normal_(5, 0.01)
    assert abs(x.mean().item() - 5) < 0.1
    x += 1
    x -= 1
    x *= 2
    x /= 2
    i = cr.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.add_(0.5)
    with pytest.raises(RuntimeError):
        x.add_(cr.ones(4))


def test_setitem_with_grad():
    # the written value and the untouched part of the old tensor both get gradients
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = cr.tensor(10.0, requires_grad=True)
    y = x * 2
    y[1] = v * 3
    (y * cr.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert y.tolist() == [2.0, 30.0, 6.0]
    assert x.grad.tolist() == [2.0, 0.0, 6.0]
    assert v.grad.item() == 6.0
    # mask and slice keys, broadcast value
    x = cr.ones(2, 3, requires_grad=True)
    y = x.clone()
    y[:, 1:] = cr.tensor([5.0, 6.0], requires_grad=True)
    y.sum().backward()
    assert x.grad.tolist() == [[1, 0, 0], [1, 0, 0]]
    z = cr.zeros(4)
    z[cr.tensor([True, False, True, False])] = 1.0
    z[cr.tensor([3])] = 2.0
    assert z.tolist() == [1.0, 0.0, 1.0, 2.0]


def test_setitem_gradcheck():
    def f(x, v):
        y = x * 1.0
        y[0, 1:] = v
        y[1] = y[1].clone() * v[0]  # (y[1] * v[0] raises: mul saved the view)
        return y
    x = cr.randn(3, 3, dtype=cr.float64, requires_grad=True)
    v = cr.randn(2, dtype=cr.float64, requires_grad=True)
    assert gradcheck(f, (x, v))
    assert gradgradcheck(f, (x, v))


def test_inplace_rebase_gradcheck():
    def f(x):
        y = x * 2
        y.add_(x)          # in-place on a non-leaf: recorded, y rebased onto the new node
        y.mul_(x)
        y.sub_(1.5).div_(x + 3)
        y.clamp_(-1.0, 1.0)
        y.masked_fill_(x > 1.2, 0.25)
        y[1] = y[2] * 3
        return y
    x = cr.randn(4, dtype=cr.float64, requires_grad=True)
    assert gradcheck(f, (x,))
    assert gradgradcheck(f, (x,))


def test_earlier_consumers_keep_the_old_value_history():
    # z used x before x.mul_(2): z's gradient must not pass through the multiplication
    y = cr.tensor([1.0, 2.0], requires_grad=True)
    x = y * 2
    z = x + 1
    x.mul_(2)
    (z.sum() + 10 * x.sum()).backward()
    assert y.grad.tolist() == [2.0 + 40.0, 2.0 + 40.0]
    # a constant that becomes part of the graph through an in-place op
    buf = cr.zeros(2)
    w = cr.ones(2, requires_grad=True)
    early = buf * 3
    buf.add_(w)
    (buf * 2).sum().backward()
    assert w.grad.tolist() == [2.0, 2.0] and not early.requires_grad


def test_inplace_errors_match_pytorch():
    # as in PyTorch: these change a value that a node saved, so backward raises
    for f in (lambda y: y.mul_(y), lambda y: y.sigmoid_().add_(1),
              lambda y: y.exp_().mul_(2)):
        x = cr.randn(3, requires_grad=True)
        y = x * 2
        f(y)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
    # in-place on an expanded view of a graph tensor is refused with a clear message
    x = cr.randn(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="view"):
        y.expand(2, 3).add_(1)


def test_inplace_on_indexed_views_updates_the_base():
    # h[:, :2] *= w, h[0] += 1, v = h[1]; v.sub_(...): the base's history includes them
    def f(x, w):
        h = x * 1
        h[:, :2] *= w
        h[0] += 1
        v = h[1]
        v.sub_(x[0] * 2)
        r = h[:, 1:]
        r.clamp_(max=1.5)
        return h
    x = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)
    w = cr.randn(2, dtype=cr.float64, requires_grad=True)
    assert gradcheck(f, (x, w))
    assert gradgradcheck(f, (x, w))
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x._data, requires_grad=True)
    tw = torch.tensor(w._data, requires_grad=True)
    th = f(tx, tw)
    ch = f(x, w)
    np.testing.assert_allclose(ch._data, th.detach().numpy())
    (ch * 3).sum().backward()
    (th * 3).sum().backward()
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy())
    np.testing.assert_allclose(w.grad._data, tw.grad.numpy())


def test_inplace_hooks_and_retain_grad_follow_tensor():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.retain_grad()
    z = y * 1
    z.add_(1)
    z.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


# --- grad modes ------------------------------------------------------------------------
def test_no_grad_context_and_decorator():
    x = cr.ones(2, requires_grad=True)
    with cr.no_grad():
        y = x * 2 + x.exp()
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None

    @cr.no_grad()
    def f(a):
        return a * 3
    assert f(x).grad_fn is None and cr.is_grad_enabled()

    @cr.no_grad
    def g(a):
        return a * 3
    assert g(x).grad_fn is None
    with cr.no_grad():
        with cr.enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad


def test_set_grad_enabled_and_inference_mode():
    x = cr.ones(2, requires_grad=True)
    with cr.set_grad_enabled(False):
        assert (x * 2).grad_fn is None
    assert cr.is_grad_enabled()
    cr.set_grad_enabled(False)
    assert not cr.is_grad_enabled()
    cr.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with cr.inference_mode():
        assert not (x * 2).requires_grad
    with cr.inference_mode(False):
        assert (x * 2).requires_grad

    @cr.inference_mode()
    def f():
        return (x * 2).requires_grad
    assert f() is False
    # an exception inside restores the mode
    with pytest.raises(ValueError):
        with cr.no_grad():
            raise ValueError
    assert cr.is_grad_enabled()


def test_no_grad_records_nothing_and_is_cheap():
    x = cr.ones(3, requires_grad=True)
    with cr.no_grad():
        for f in (lambda t: t * 1.5 + 1, cr.exp, lambda t: t @ t, lambda t: t[1:],
                  lambda t: t.sum(), lambda t: cr.softmax(t, 0), lambda t: t.reshape(3, 1)):
            y = f(x)
            assert y.grad_fn is None and not y.requires_grad


# --- hooks and retain_grad -------------------------------------------------------------
def test_leaf_and_nonleaf_hooks():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    y.register_hook(lambda g: g * 10)       # replaces the gradient flowing on
    y.sum().backward()
    assert seen == [[30.0, 30.0]] and x.grad.tolist() == [30.0, 30.0]
    h.remove()
    x.grad = None
    (x * 1).sum().backward()
    assert seen == [[30.0, 30.0]]
    with pytest.raises(RuntimeError):
        cr.ones(2).register_hook(lambda g: g)


def test_retain_grad():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    z = x * 3
    y.retain_grad()
    assert y.retains_grad and not z.retains_grad
    (y * z).sum().backward()
    assert y.grad.tolist() == [3.0, 6.0]     # dL/dy = z
    assert z.grad is None
    assert x.grad.tolist() == [2 * 3 * 2 * 1.0, 2 * 3 * 2 * 2.0]
    x.retain_grad()  # a no-op on leaves


# --- higher order ---------------------------------------------------------------------
def test_autograd_grad_create_graph_hvp_and_gradient_penalty():
    x = t64(1.0, 2.0, 3.0)
    y = (x ** 3).sum()
    (g,) = cr.autograd.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g._data, 3 * x._data ** 2)
    assert x.grad is None                      # grad() does not accumulate
    v = t64(1.0, 0.0, -1.0, rg=False)
    (hv,) = cr.autograd.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv._data, 6 * x._data * v._data)
    # gradient penalty: d/dw ||d/dx (w . x)^2||^2
    w = t64(0.5, -1.0, 2.0)
    xi = t64(1.0, 1.0, 1.0)
    out = ((w * xi).sum()) ** 2
    (gx,) = cr.autograd.grad(out, xi, create_graph=True)
    penalty = (gx ** 2).sum()
    penalty.backward()
    s = float((w._data * xi._data).sum())
    # gx = 2 s w ; penalty = 4 s^2 |w|^2 ; d/dw = 8 s |w|^2 xi + 8 s^2 w
    expect = 8 * s * (w._data ** 2).sum() * xi._data + 8 * s ** 2 * w._data
    np.testing.assert_allclose(w.grad._data, expect)


def test_grad_options():
    x, y = t64(1.0), t64(2.0)
    with pytest.raises(RuntimeError, match="allow_unused"):
        cr.autograd.grad((x * 2).sum(), [x, y])
    gx, gy = cr.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    assert gx.item() == 2 and gy is None
    gx, gy = cr.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    assert gy.item() == 0
    z = x * y
    (g,) = cr.autograd.grad(z, x, grad_outputs=t64(5.0, rg=False), retain_graph=True)
    assert g.item() == 10
    (g,) = cr.autograd.grad(z, [y])
    assert g.item() == 1
    # grad w.r.t. a non-leaf
    h = x * 3
    out = h * h
    (gh,) = cr.autograd.grad(out.sum(), h)
    assert gh.item() == 6
    # backward(inputs=...) accumulates only into the named leaves
    (x * y).sum().backward(inputs=[x])
    assert x.grad.item() == 2 and y.grad is None


def test_grad_accepts_the_deprecated_only_inputs_flag():
    """WGAN-GP code passes only_inputs=True; PyTorch ignores it (and warns when False), and
    keeps its positional place before allow_unused."""
    x, y = t64(1.0), t64(2.0)
    (g,) = cr.autograd.grad((x * x).sum(), x, None, None, False, True)
    assert g.item() == 2
    with pytest.warns(FutureWarning, match="only_inputs argument is deprecated"):
        (g,) = cr.autograd.grad((x * y).sum(), [x], only_inputs=False)
    assert g.item() == 2 and y.grad is None
    gx, gy = cr.autograd.grad((x * 2).sum(), [x, y], None, None, False, True, True)  # allow_unused
    assert gx.item() == 2 and gy is None


def test_third_order():
    x = t64(0.7)
    y = x.sin()
    (g1,) = cr.autograd.grad(y, x, create_graph=True)
    (g2,) = cr.autograd.grad(g1, x, create_graph=True)
    (g3,) = cr.autograd.grad(g2, x)
    assert g1.item() == pytest.approx(math.cos(0.7))
    assert g2.item() == pytest.approx(-math.sin(0.7))
    assert g3.item() == pytest.approx(-math.cos(0.7))


def test_gradcheck_reports_worst_element():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3
    x = cr.randn(3, dtype=cr.float64, requires_grad=True)
    with pytest.raises(cr.autograd.GradcheckError, match=r"analytic 3.*numerical 2"):
        gradcheck(Bad.apply, (x,))
    assert gradcheck(Bad.apply, (x,), raise_exception=False) is False


# --- custom Function ------------------------------------------------------------------
class Cube(Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        return x ** 3 * k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x ** 2 * ctx.k, None


class SplitMul(Function):
    """Two outputs, two inputs; needs_input_grad decides what is computed."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        ctx.calls = ctx.needs_input_grad
        return a * b, a + b

    @staticmethod
    def backward(ctx, g1, g2):
        a, b = ctx.saved_tensors
        ga = g1 * b + g2 if ctx.needs_input_grad[0] else None
        gb = g1 * a + g2 if ctx.needs_input_grad[1] else None
        return ga, gb


def test_custom_function():
    x = t64(1.0, 2.0)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn is not None and "Cube" in repr(y)
    y.sum().backward()
    np.testing.assert_allclose(x.grad._data, 6 * x._data ** 2)
    assert gradcheck(lambda t: Cube.apply(t, 1.5), (t64(0.3, -1.2),))
    assert gradgradcheck(lambda t: Cube.apply(t, 1.5), (t64(0.3, -1.2),))
    a, b = t64(2.0, 3.0), t64(5.0, 7.0, rg=False)
    p, s = SplitMul.apply(a, b)
    assert p.grad_fn is s.grad_fn
    (p.sum() + 2 * s.sum()).backward()
    np.testing.assert_allclose(a.grad._data, b._data + 2)
    assert b.grad is None
    assert gradcheck(SplitMul.apply, (t64(0.5, 1.5), t64(2.0, -1.0)))
    q, _ = SplitMul.apply(t64(1.0), t64(2.0))
    q.backward()  # only the first output used: the second's gradient is materialised zeros
    # freed graph
    z = Cube.apply(t64(1.0), 1.0)
    z.backward()
    with pytest.raises(RuntimeError, match="second time"):
        z.backward()
    # the saved tensor changed in place
    c = t64(1.0, 2.0)
    d = c * 1
    e = Cube.apply(d, 1.0)
    d.add_(1)
    with pytest.raises(RuntimeError, match="inplace"):
        e.sum().backward()
    # no grad needed: no node
    assert Cube.apply(cr.ones(2), 1.0).grad_fn is None


def test_custom_function_wrong_grad_shape():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return g
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid gradient"):
        Wrong.apply(x).backward()


# --- functional ---------------------------------------------------------------------
def test_functional_jacobian_hessian_closed_forms():
    A = np.array([[1.0, 2.0, 0.0], [0.5, -1.0, 3.0]])
    At = cr.tensor(A)
    x = t64(0.3, -0.2, 0.9, rg=False)
    J = AF.jacobian(lambda v: (At @ v).tanh(), x)
    s = 1 - np.tanh(A @ x._data) ** 2
    np.testing.assert_allclose(J._data, s[:, None] * A)
    assert J.shape == (2, 3) and not J.requires_grad
    # f(x) = x^T A x (A symmetric) -> H = 2 A
    S = cr.tensor(np.array([[2.0, 1.0], [1.0, 3.0]]))
    H = AF.hessian(lambda v: v @ S @ v, t64(1.0, -1.0, rg=False))
    np.testing.assert_allclose(H._data, 2 * S._data)
    # f(x) = sum(x^3): H = diag(6 x)
    x2 = t64(1.0, 2.0, rg=False)
    np.testing.assert_allclose(AF.hessian(lambda v: (v ** 3).sum(), x2)._data,
                               np.diag(6 * x2._data))
    # multiple inputs
    Ja, Jb = AF.jacobian(lambda a, b: a * b, (t64(1.0, 2.0), t64(3.0, 4.0)))
    np.testing.assert_allclose(Ja._data, np.diag([3.0, 4.0]))
    np.testing.assert_allclose(Jb._data, np.diag([1.0, 2.0]))


def test_functional_vjp_jvp_hvp():
    x = t64(0.5, 1.0, rg=False)
    f = lambda v: cr.stack([v[0] * v[1], v[0].exp()])  # noqa: E731
    J = np.array([[1.0, 0.5], [math.exp(0.5), 0.0]])
    u = t64(1.0, 2.0, rg=False)
    out, vj = AF.vjp(f, x, u)
    np.testing.assert_allclose(vj._data, u._data @ J)
    np.testing.assert_allclose(out._data, [0.5, math.exp(0.5)])
    out, jv = AF.jvp(f, x, u)
    np.testing.assert_allclose(jv._data, J @ u._data)
    g = lambda v: (v ** 2).prod()  # noqa: E731
    # H of x0^2 x1^2: [[2 x1^2, 4 x0 x1], [4 x0 x1, 2 x0^2]]
    H = np.array([[2 * 1.0, 4 * 0.5], [4 * 0.5, 2 * 0.25]])
    _, hv = AF.hvp(g, x, u)
    np.testing.assert_allclose(hv._data, H @ u._data)
    _, vj = AF.vjp(lambda v: (v * 3).sum(), x)
    np.testing.assert_allclose(vj._data, [3.0, 3.0])


INPLACE = {
    "add_": lambda y: y.add_(1), "sub_": lambda y: y.sub_(1), "mul_": lambda y: y.mul_(2),
    "div_": lambda y: y.div_(2), "zero_": lambda y: y.zero_(), "fill_": lambda y: y.fill_(3.0),
    "copy_": lambda y: y.copy_(cr.ones(3)), "clamp_": lambda y: y.clamp_(0, 1),
    "uniform_": lambda y: y.uniform_(), "normal_": lambda y: y.normal_(),
    "setitem": lambda y: y.__setitem__(0, 5.0), "masked_fill_": lambda y: y.masked_fill_(
        cr.tensor([True, False, True]), 0.0), "iadd": lambda y: y.__iadd__(1),
}


@pytest.mark.parametrize("name", list(INPLACE))
def test_every_inplace_op_bumps_version_and_is_caught(name):
    x = cr.randn(3, requires_grad=True)
    y = x * 2
    z = (y * y).sum()      # Mul saves y
    v = y._version[0]
    INPLACE[name](y)
    assert y._version[0] > v
    with pytest.raises(RuntimeError, match=r"inplace operation.*MulBackward0"):
        z.backward()


@pytest.mark.parametrize("name", list(INPLACE))
def test_every_inplace_op_on_graph_tensor_gives_right_gradient(name):
    x = cr.tensor([0.5, -1.0, 2.0], dtype=cr.float64, requires_grad=True)
    y = x * 2
    y2 = INPLACE[name](y) if name != "iadd" else y.__iadd__(1)
    (y2 * cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)).sum().backward()
    expect = {"add_": [2, 4, 6], "sub_": [2, 4, 6], "mul_": [4, 8, 12], "div_": [1, 2, 3],
              "zero_": [0, 0, 0], "fill_": [0, 0, 0], "copy_": [0, 0, 0],
              "clamp_": [2, 0, 0], "uniform_": [0, 0, 0], "normal_": [0, 0, 0],
              "setitem": [0, 4, 6], "masked_fill_": [0, 4, 0], "iadd": [2, 4, 6]}[name]
    assert x.grad.tolist() == expect


def test_fill_and_copy_over_infinite_values():
    # recorded fill_ / copy_ replace the values (inf * 0 + v would give NaN)
    x = cr.tensor([0.0, 1.0], requires_grad=True)
    y = x * float("inf")
    y.fill_(2.0)
    assert y.tolist() == [2.0, 2.0]
    w = cr.tensor(3.0, requires_grad=True)
    y2 = x * float("inf")
    y2.copy_(w)
    assert y2.tolist() == [3.0, 3.0]
    (y.sum() + y2.sum()).backward()
    assert w.grad.item() == 2.0  # (x.grad is NaN: 0 * inf in Mul, as in PyTorch)


def test_inplace_dtype_and_shape_errors_when_recording():
    buf = cr.zeros(3, dtype=cr.int64)
    w = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="can't be cast"):
        buf.add_(w)
    y = cr.ones(3, requires_grad=True) * 1
    with pytest.raises(RuntimeError, match=r"output with shape \[3\]"):
        y.add_(cr.ones(2, 3))


def test_gradcheck_on_non_contiguous_input_and_float32_warning():
    x = cr.randn(3, 2, dtype=cr.float64).t().requires_grad_()
    assert not x.is_contiguous()
    assert gradcheck(lambda a: (a * a).sum(1), (x,))
    with pytest.warns(UserWarning, match="float64"):
        gradcheck(lambda a: a * 2, (cr.randn(2, requires_grad=True),), eps=1e-2, atol=1e-2)


def test_maximum_checks_versions_of_its_inputs():
    a = cr.tensor([1.0, 3.0], requires_grad=True)
    b = cr.tensor([2.0, 2.0], requires_grad=True)
    a2 = a * 1
    m = cr.maximum(a2, b)
    a2.mul_(-1)            # would flip which side won: must not give a silent wrong answer
    with pytest.raises(RuntimeError, match="MaximumBackward0"):
        m.sum().backward()


def test_inplace_through_reshape_and_transpose_views_matches_pytorch():
    def f(T, x, w):
        h = x * 1
        h.t().mul_(w)
        h.view(3, 2)[0].add_(1)          # a view of a view, used before it changes
        h.reshape(-1).sub_(x.reshape(-1) * 0.5)
        h.unsqueeze(0).clamp_(max=9.7)
        h.T[1] += 5
        return h
    xs = (np.arange(1.0, 7.0).reshape(2, 3), np.array([2.0, 3.0]))
    x, w = (cr.tensor(a, requires_grad=True) for a in xs)
    assert gradcheck(lambda a, b: f(cr, a, b), (x, w))
    torch = pytest.importorskip("torch")
    from helpers import compare_torch
    compare_torch(f, xs)
    with pytest.raises(RuntimeError, match="view"):
        (cr.ones(3, requires_grad=True) * 1).expand(2, 3).add_(1)
