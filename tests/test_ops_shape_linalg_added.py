"""The shape, scatter and linear-algebra ops added for issue 10's op_db measure: forward and
gradients against PyTorch (skipped without it), gradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")
from test_opdb_fixes_b import parity, rand  # noqa: E402


@pytest.mark.parametrize("case", [
    (lambda T, x: T.ravel(x), [(2, 3)]),
    (lambda T, a, b: T.column_stack([a, b]), [(3,), (3, 2)]),
    (lambda T, a, b: T.row_stack([a, b]), [(3,), (2, 3)]),
    (lambda T, a, b: T.dstack([a, b]), [(2, 3), (2, 3, 1)]),
    (lambda T, x: T.hsplit(x, 2), [(2, 4)]),
    (lambda T, x: T.vsplit(x, [1, 3]), [(4, 2)]),
    (lambda T, x: T.dsplit(x, 2), [(2, 2, 4)]),
    (lambda T, x: T.tile(x, (2, 1, 2)), [(2, 3)]),
    (lambda T, x: x.select(1, -1), [(2, 3)]),
    (lambda T, x: T.split_with_sizes(x, [1, 2], 1), [(2, 3)]),
    (lambda T, x: T.narrow_copy(x, 1, 1, 2), [(2, 3)]),
    (lambda T, x: (T.permute_copy(x, (1, 0)), T.t_copy(x), T.unsqueeze_copy(x, 0),
                   T.expand_copy(x[:1], (4, 3)), T.diagonal_copy(x), T.view_copy(x, (3, 2))),
     [(2, 3)]),
    (lambda T, x, s: T.select_scatter(x, s, 0, 1), [(2, 3), (3,)]),
    (lambda T, x, s: T.slice_scatter(x, s, 1, 0, 3, 2), [(2, 3), (2, 2)]),
    (lambda T, x, s: T.diagonal_scatter(x, s, 1), [(3, 4), (3,)]),
    (lambda T, x, s: T.diagonal_scatter(x, s, -1, 0, 2), [(3, 2, 3), (2, 2)]),
    (lambda T, i, a, b: T.addmm(i, a, b, beta=0.5, alpha=2), [(2, 4), (2, 3), (3, 4)]),
    (lambda T, i, a, b: T.addmv(i, a, b), [(2,), (2, 3), (3,)]),
    (lambda T, i, a, b: T.addr(i, a, b, alpha=3), [(2, 3), (2,), (3,)]),
    (lambda T, i, a, b: T.baddbmm(i, a, b), [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
    (lambda T, i, a, b: T.addbmm(i, a, b, beta=0), [(2, 4), (2, 2, 3), (2, 3, 4)]),
    (lambda T, i, a, b: T.addcmul(i, a, b, value=0.5), [(2, 3), (3,), (2, 1)]),
    (lambda T, i, a, b: T.addcdiv(i, a, b + 3, value=2), [(2, 3), (3,), (2, 1)]),
    (lambda T, a, b: T.dist(a, b, 3), [(2, 3), (3,)]),
    (lambda T, x: T.linalg.matrix_exp(x), [(2, 3, 3)]),
    (lambda T, x: T.linalg.vander(x, N=4), [(3,)]),
    (lambda T, x: T.linalg.diagonal(x, offset=1), [(2, 3, 3)]),
    (lambda T, a, b: T.linalg.solve_ex(a + 3 * T.eye(3), b), [(3, 3), (3, 2)]),
    (lambda T, x: T.linalg.tensorinv(x.reshape(2, 3, 6) + T.eye(6).reshape(2, 3, 6) * 4,
                                     ind=2), [(36,)]),
    (lambda T, a, b: T.linalg.tensorsolve(a.reshape(6, 2, 3) + T.eye(6).reshape(6, 2, 3) * 4,
                                          b), [(36,), (6,)]),
])
def test_added_op_matches_torch_and_gradchecks(case):
    fn, shapes = case
    arrays = [rand(*s, seed=i) for i, s in enumerate(shapes)]
    parity(fn, *arrays, rtol=1e-6, atol=1e-8)
    ins = [cr.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *ts: fn(cr, *ts), ins)


def test_integer_and_bool_add_products_as_torch():
    i = np.arange(6).reshape(2, 3)
    a, b = np.arange(2), np.arange(3)
    parity(lambda T, x, u, v: T.addr(x, u, v, beta=2, alpha=3), i, a, b, grad=False)
    parity(lambda T, x, u, v: T.addmv(x, u, v, beta=2.7, alpha=1.6), np.arange(2), i, b,
           grad=False)  # float scalars truncated for integer tensors
    parity(lambda T, x, u, v: T.addr(x, u, v), i > 2, a > 0, b > 1, grad=False)
    parity(lambda T, x, u, v: T.addbmm(x, u, v), i.astype(np.int32),
           np.ones((2, 2, 4), np.int32), np.ones((2, 4, 3), np.int32), grad=False)
    parity(lambda T, x: T.linalg.vander(x), np.arange(4, dtype=np.uint8), grad=False)


def test_broadcast_shapes_and_errors():
    assert cr.broadcast_shapes((2, 1), (3,), 1) == torch.broadcast_shapes((2, 1), (3,), 1)
    with pytest.raises(RuntimeError, match="broadcast"):
        cr.broadcast_shapes((2,), (3,))
    with pytest.raises(RuntimeError, match="hsplit"):
        cr.hsplit(cr.ones(2, 3), 2)
    with pytest.raises(RuntimeError, match="select_scatter"):
        cr.select_scatter(cr.zeros(2, 3), cr.ones(2), 0, 0)
