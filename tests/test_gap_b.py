"""trapezoid / trapz, positive, isin, cov, corrcoef, renorm, unravel_index, constant_pad_nd,
qr, alias_copy and fill: values and gradients against PyTorch, gradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck
from helpers import compare_torch, make


DIFFERENTIABLE = {
    "trapezoid": (lambda T, y: T.trapezoid(y), [(3, 5)]),
    "trapezoid_dim0": (lambda T, y: T.trapezoid(y, dx=0.5, dim=0), [(4, 3)]),
    "trapezoid_x": (lambda T, y, x: T.trapezoid(y, x), [(2, 5), (5,)]),
    "trapezoid_x_full": (lambda T, y, x: T.trapezoid(y, x, dim=1), [(2, 5), (2, 5)]),
    "trapz": (lambda T, y: T.trapz(y, dx=2.0), [(3, 4)]),
    "cov": (lambda T, x: T.cov(x), [(3, 6)]),
    "cov_1d": (lambda T, x: T.cov(x, correction=0), [(6,)]),
    "cov_aweights": (lambda T, x, w: T.cov(x, aweights=w.abs() + 0.5), [(3, 6), (6,)]),
    "corrcoef": (lambda T, x: T.corrcoef(x), [(3, 6)]),
    "renorm": (lambda T, x: T.renorm(x, 2, 0, 1.0), [(3, 4)]),
    "renorm_p1_dim1": (lambda T, x: x.renorm(1, 1, 1.5), [(3, 4, 2)]),
    "positive": (lambda T, x: T.positive(x) * 2, [(3,)]),
    "constant_pad_nd": (lambda T, x: T.constant_pad_nd(x, (1, 2, 0, -1), 0.5), [(3, 4)]),
    "qr_r": (lambda T, x: T.qr(x).R.abs(), [(4, 3)]),
    "alias_copy": (lambda T, x: T.alias_copy(x) * 3, [(2, 3)]),
    "fill_tensor": (lambda T, x, v: T.fill(x, v.sum()), [(2, 3), (2,)]),
}


@pytest.mark.parametrize("name", list(DIFFERENTIABLE))
def test_against_torch_and_gradcheck(name):
    fn, shapes = DIFFERENTIABLE[name]
    arrays = [make(s, seed=i) for i, s in enumerate(shapes)]
    compare_torch(fn, arrays, where=name)
    xs = [cr.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *t: fn(cr, *t), xs)


def test_integer_and_spacing_forms_match_torch():
    torch = pytest.importorskip("torch")
    y = [[1, 2, 4], [3, 5, 9]]
    for kw in ({}, {"dx": 3}, {"dim": 0}):
        a = cr.trapezoid(cr.tensor(y), **kw)
        b = torch.trapezoid(torch.tensor(y), **kw)
        np.testing.assert_allclose(a.numpy(), b.numpy())
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1]
    assert cr.trapezoid(cr.zeros(2, 0)).shape == (2,)


def test_isin_unravel_index_and_errors():
    torch = pytest.importorskip("torch")
    e, t = [[1, 2], [3, 4]], [2, 3, 9]
    for kw in ({}, {"invert": True}):
        assert cr.isin(cr.tensor(e), cr.tensor(t), **kw).tolist() == \
            torch.isin(torch.tensor(e), torch.tensor(t), **kw).tolist()
    assert cr.isin(3, cr.tensor(t)).tolist() == torch.isin(3, torch.tensor(t)).tolist()
    got = cr.unravel_index(cr.tensor([0, 5, -1, 7]), (2, 4))
    want = torch.unravel_index(torch.tensor([0, 5, -1, 7]), (2, 4))
    assert [g.tolist() for g in got] == [w.tolist() for w in want]
    with pytest.raises(RuntimeError, match="unravel_index"):
        cr.unravel_index(cr.tensor([8]), (2, 4))
    with pytest.raises(RuntimeError, match="bool tensor"):
        cr.positive(cr.tensor([True]))
    with pytest.raises(RuntimeError, match="renorm"):
        cr.renorm(cr.ones(3), 2, 0, 1.0)
    with pytest.raises(RuntimeError, match="cov"):
        cr.cov(cr.ones(2, 2, 2))


def test_fill_keeps_dtype_and_gives_value_the_gradient():
    x = cr.zeros(2, 3, dtype=cr.int64)
    assert cr.fill(x, 2.7).dtype == cr.int64 and cr.fill(x, 2.7).tolist() == [[2] * 3] * 2
    v = cr.tensor(1.5, requires_grad=True)
    cr.fill(cr.zeros(2, 3), v).sum().backward()
    assert v.grad.item() == 6.0
    q = cr.qr(cr.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), some=False)
    assert tuple(q.Q.shape) == (3, 3) and tuple(q.R.shape) == (3, 2)
