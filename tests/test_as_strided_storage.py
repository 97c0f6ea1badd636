"""as_strided addresses the storage, as torch's does: a view's sizes, strides and offset are
in elements of the memory at the end of its NumPy base chain, storage_offset=None keeps the
view's own offset, bounds are checked against that storage, and the gradient is scattered into
the storage geometry and read back through the input's view (torch's as_strided_backward)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck

CASES = [((2, 2), (1, 2), None), ((2, 2), (1, 2), 0), ((2, 2), (1, 2), 10), ((3,), (2,), 1),
         ((2, 3), (0, 1), 3), ((4, 2), (1, 1), 6), ((0, 2), (1, 1), 19), ((), (), 7)]


def _views(base):
    """The same slice of the same storage in chainrule and torch."""
    torch = pytest.importorskip("torch")
    tb = torch.tensor(base)
    return (cr.from_numpy(base.copy())[5:15].detach().requires_grad_(),
            tb[5:15].detach().requires_grad_())


@pytest.mark.parametrize("size,stride,offset", CASES)
def test_as_strided_of_a_view_matches_torch(size, stride, offset):
    torch = pytest.importorskip("torch")
    base = np.random.default_rng(0).standard_normal(20)
    x, tx = _views(base)
    assert x.storage_offset() == tx.storage_offset() == 5
    kw = {} if offset is None else {"storage_offset": offset}
    y, ty = cr.as_strided(x, size, stride, **kw), torch.as_strided(tx, size, stride, **kw)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    np.testing.assert_array_equal(x.as_strided(size, stride, **kw).detach().numpy(),
                                  ty.detach().numpy())
    g = np.random.default_rng(1).standard_normal(size)
    y.backward(cr.tensor(g, dtype=cr.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15, atol=0)


def test_as_strided_overlapping_input_divides_the_gradient_as_torch():
    torch = pytest.importorskip("torch")
    base = np.arange(6.0)
    x = cr.from_numpy(base.copy()).expand(3, 6).detach().requires_grad_()   # stride (0, 1)
    tx = torch.tensor(base).expand(3, 6).detach().requires_grad_()
    y, ty = x.as_strided((2, 2), (1, 2), 1), tx.as_strided((2, 2), (1, 2), 1)
    np.testing.assert_array_equal(y.detach().numpy(), ty.detach().numpy())
    g = np.random.default_rng(2).standard_normal((2, 2))
    y.backward(cr.tensor(g, dtype=cr.float64))
    ty.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)


def _inside_the_view(size, stride, offset):
    """Whether every element read lies in the view base[5:15] (elements outside it are, for
    torch's as_strided_backward as for chainrule's, constants: no gradient flows to them)."""
    pos = 5 if offset is None else offset
    last = pos + sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else pos
    return 0 in size or (5 <= pos and last < 15)


def test_as_strided_gradcheck_through_a_slice():
    # The function slices inside, so gradcheck's perturbed copies keep the view's geometry.
    for size, stride, offset in filter(lambda c: _inside_the_view(*c), CASES):
        kw = {} if offset is None else {"storage_offset": offset}
        t = cr.tensor(np.random.default_rng(3).standard_normal(20), requires_grad=True)
        assert gradcheck(lambda a: cr.as_strided(a[5:15], size, stride, **kw), (t,))
    t = cr.tensor(np.random.default_rng(4).standard_normal((4, 5)), requires_grad=True)
    assert gradcheck(lambda a: a.t()[1:].as_strided((3, 2), (1, 4), 2), (t,))


def test_as_strided_double_backward():
    from chainrule.autograd import gradgradcheck
    t = cr.tensor(np.random.default_rng(5).standard_normal(12), requires_grad=True)
    assert gradgradcheck(lambda a: (cr.as_strided(a[2:], (3, 2), (1, 1), 4) ** 2), (t,))


def test_as_strided_bounds_are_the_storage_s():
    torch = pytest.importorskip("torch")
    x, tx = _views(np.zeros(20))
    msg = (r"setStorage: sizes \[2, 2\], strides \[1, 2\], storage offset 17, and itemsize 8 "
           r"requiring a storage size of 168 are out of bounds for storage of size 160")
    for v in (x, tx):
        with pytest.raises(RuntimeError, match=msg):
            v.as_strided((2, 2), (1, 2), 17)
        with pytest.raises(RuntimeError, match="invalid storage offset -1"):
            v.as_strided((2, 2), (1, 2), -1)
        v.as_strided((2, 2), (1, 2), 16)   # the last element of the storage: in bounds


def test_storage_offset_of_views():
    torch = pytest.importorskip("torch")
    a, ta = cr.arange(24.0).reshape(4, 6), torch.arange(24.0).reshape(4, 6)
    for f in (lambda t: t[1:, 2:], lambda t: t.t()[3:], lambda t: t[2], lambda t: t,
              lambda t: t[:, 1::2][1:]):
        assert f(a).storage_offset() == f(ta).storage_offset()
        assert f(a).stride() == f(ta).stride()
    assert cr.tensor([1.0, 2.0]).storage_offset() == 0
