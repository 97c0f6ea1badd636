"""add_ / sub_ / mul_ written straight into the buffer when nothing is recorded
(functions/inplace.py, _direct): the same values as the out-of-place ops, bit for bit."""
import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize("name,kw", [("add_", {}), ("add_", {"alpha": -20.0}),
                                     ("sub_", {"alpha": 0.5}), ("mul_", {})])
@pytest.mark.parametrize("other_shape", [(4, 5), (5,), (1, 5), ()])
def test_direct_inplace_is_bit_identical(name, kw, other_shape):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 5)).astype(np.float32)
    b = rng.standard_normal(other_shape).astype(np.float32)
    t = cr.tensor(a.copy())
    v0 = t._version[0]
    out_of_place = getattr(cr, name[:-1])(cr.tensor(a), cr.tensor(b), **kw)
    assert getattr(t, name)(cr.tensor(b), **kw) is t
    assert t._version[0] == v0 + 1
    assert t.dtype == cr.float32
    np.testing.assert_array_equal(t.numpy(), out_of_place.numpy())


def test_direct_inplace_scalars_aliasing_and_fallbacks():
    t = cr.tensor([1.0, 2.0, 3.0])
    t.add_(2.5)
    t.mul_(2)
    np.testing.assert_array_equal(t.numpy(), np.float32([7.0, 9.0, 11.0]))
    t.add_(t, alpha=2)                      # other is t itself
    np.testing.assert_array_equal(t.numpy(), np.float32([21.0, 27.0, 33.0]))
    d = cr.tensor([1.0, 2.0, 3.0], dtype=cr.float64)
    t.add_(d)                               # another dtype: the general path, same result
    np.testing.assert_array_equal(t.numpy(), np.float32([22.0, 29.0, 36.0]))
    i = cr.tensor([1, 2, 3])
    i.add_(cr.tensor([1, 1, 1]), alpha=2)   # integers: the general path
    assert i.tolist() == [3, 4, 5]
    with pytest.raises(RuntimeError, match="shape"):
        t.add_(cr.ones(2, 3))               # would broadcast t itself: refused as before
    with pytest.raises(RuntimeError, match="shape"):
        t.add_(cr.ones(4), alpha=2.0)       # does not broadcast at all
    w = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.add_(1.0)
    with cr.no_grad():
        w.add_(cr.tensor([1.0, 2.0, 3.0]), alpha=-1.0)
    np.testing.assert_array_equal(w.detach().numpy(), np.float32([0.0, -1.0, -2.0]))


def test_inplace_add_with_grad_still_records():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.add_(cr.tensor([3.0, 4.0]), alpha=2.0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])
    z = cr.zeros(2)
    z.add_(x, alpha=3.0)                    # other requires grad: recorded
    z.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0])


def test_direct_inplace_large_blocked_and_overlapping():
    """Above the block size alpha * other is formed block by block: the same values; an
    `other` that overlaps the tensor takes the unblocked path."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal(100_003).astype(np.float32)
    b = rng.standard_normal(100_003).astype(np.float32)
    t = cr.tensor(a.copy())
    t.sub_(cr.tensor(b), alpha=0.3)
    np.testing.assert_array_equal(t.numpy(), (cr.tensor(a) - cr.tensor(b) * 0.3).numpy())
    base = cr.tensor(a.copy())
    expect = a[1:] + a[:-1] * np.float32(2.0)
    base[1:].add_(base[:-1], alpha=2.0)     # overlapping views of one buffer
    np.testing.assert_array_equal(base.numpy()[1:], expect)
