"""In-place shape ops and as_strided, against PyTorch: shapes, values, gradients through
recorded in-place reshapes, the version check, and the errors."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck


def _ops(T):
    return {
        "unsqueeze_": lambda x: x.unsqueeze_(1), "unsqueeze_neg": lambda x: x.unsqueeze_(-1),
        "squeeze_": lambda x: x.unsqueeze_(0).squeeze_(), "squeeze_dim": lambda x: x.unsqueeze_(2).squeeze_(2),
        "t_": lambda x: x.t_(), "transpose_": lambda x: x.transpose_(0, 1),
        "swapdims_": lambda x: x.swapdims_(0, 1),
    }


@pytest.mark.parametrize("name", sorted(_ops(cr)))
def test_inplace_shape_ops_match_torch(name):
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(2, 3)
    x, tx = cr.tensor(a), torch.tensor(a)
    r, tr = _ops(cr)[name](x), _ops(torch)[name](tx)
    assert r is x and tuple(x.shape) == tuple(tx.shape)
    np.testing.assert_array_equal(x.numpy(), tx.numpy())
    # recorded on a tensor in a graph: the gradient flows through the in-place reshape
    w, tw = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    h, th = w * 2, tw * 2
    _ops(cr)[name](h)
    _ops(torch)[name](th)
    assert tuple(h.shape) == tuple(th.shape)
    g = np.random.default_rng(0).standard_normal(tuple(h.shape))
    (h * cr.tensor(g)).sum().backward()
    (th * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())


def test_gradcheck_through_inplace_reshape_and_earlier_uses():
    def g(x):
        y = x * 3
        z = y.sum(0)
        y.transpose_(0, 1)
        return (y * y).sum() + z.sum()
    assert gradcheck(g, [cr.tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)])


def test_version_check_and_leaf_refusal():
    torch = pytest.importorskip("torch")
    for T in (cr, torch):
        w = T.ones(2, 3, requires_grad=True)
        with pytest.raises(RuntimeError):
            w.unsqueeze_(0)
        x = T.ones(2, 3, requires_grad=True)
        h = x * 1.0
        y = (h * h).sum()
        h.unsqueeze_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


def test_resize_matches_torch():
    torch = pytest.importorskip("torch")
    for size in [(2, 3), (3,), (6,), (1, 2, 2)]:
        x, tx = cr.arange(6.0).reshape(2, 3), torch.arange(6.0).reshape(2, 3)
        x.resize_(*size)
        tx.resize_(*size)
        assert tuple(x.shape) == tuple(tx.shape)
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
    x = cr.arange(4.0)
    x.resize_(2, 3)
    assert tuple(x.shape) == (2, 3) and x.numpy().ravel()[:4].tolist() == [0, 1, 2, 3]
    y = cr.zeros(5)
    y.resize_as_(cr.zeros(1, 5))
    assert tuple(y.shape) == (1, 5)
    with pytest.raises(RuntimeError, match="require grad"):
        cr.ones(2, requires_grad=True).resize_(3)
    with pytest.raises(RuntimeError, match="require grad"):
        torch.ones(2, requires_grad=True).resize_(3)


@pytest.mark.parametrize("args", [((2, 2), (1, 2)), ((3, 2), (2, 1), 1), ((2, 3), (3, 1)),
                                  ((4,), (1,), 2), ((2, 2), (0, 1))])
def test_as_strided_matches_torch(args):
    torch = pytest.importorskip("torch")
    a = np.arange(12.0)
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y, ty = x.as_strided(*args), tx.as_strided(*args)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(args[0])
    (y * cr.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    assert gradcheck(lambda t: cr.as_strided(t, *args), [cr.tensor(a, requires_grad=True)])


def test_as_strided_out_of_bounds():
    torch = pytest.importorskip("torch")
    for T in (cr, torch):
        with pytest.raises(RuntimeError, match="out of bounds"):
            T.arange(4.0).as_strided((3, 3), (3, 1))
