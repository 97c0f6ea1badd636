"""Diagonals, windows, repeats, grids, products, diff and rot90 (issue 10): forward and
gradients against torch, gradcheck and gradgradcheck in float64."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_op, make

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

# name: (fn, input shapes)
SHAPE_OPS = {
    "diag_vec": (lambda T, x: T.diag(x), [((4,),)]),
    "diag_vec_offset": (lambda T, x: x.diag(-2), [((3,),)]),
    "diag_mat": (lambda T, x: T.diag(x, 1), [((3, 4),)]),
    "diagonal": (lambda T, x: T.diagonal(x), [((3, 4),), ((4, 3),)]),
    "diagonal_offset_dims": (lambda T, x: x.diagonal(1, 0, 2), [((3, 2, 4),)]),
    "diagonal_neg": (lambda T, x: T.diagonal(x, -1, -1, -2), [((2, 3, 4),)]),
    "diag_embed": (lambda T, x: T.diag_embed(x), [((3,),), ((2, 3),)]),
    "diag_embed_offset": (lambda T, x: T.diag_embed(x, 1, 0, 2), [((2, 3),)]),
    "diagflat": (lambda T, x: T.diagflat(x, -1), [((2, 2),)]),
    "trace": (lambda T, x: T.trace(x), [((3, 4),), ((3, 3),)]),
    "unfold": (lambda T, x: x.unfold(1, 2, 1), [((2, 5),), ((2, 4, 3),)]),
    "unfold_step": (lambda T, x: x.unfold(0, 3, 2), [((7,),), ((6, 2),)]),
    "repeat_interleave": (lambda T, x: x.repeat_interleave(2), [((3,),), ((2, 2),)]),
    "repeat_interleave_dim": (lambda T, x: T.repeat_interleave(x, T.tensor([1, 0, 3]), dim=1),
                              [((2, 3),)]),
    "kron": (lambda T, a, b: T.kron(a, b), [((2, 3), (3, 2)), ((2,), (2, 3)), ((2, 1, 2), (3,))]),
    "tensordot": (lambda T, a, b: T.tensordot(a, b, dims=2), [((2, 3, 4), (3, 4, 5))]),
    "tensordot_lists": (lambda T, a, b: T.tensordot(a, b, dims=([1, 0], [0, 2])),
                        [((3, 2, 4), (2, 5, 3))]),
    "tensordot_0": (lambda T, a, b: T.tensordot(a, b, dims=0), [((2,), (3,))]),
    "cross": (lambda T, a, b: T.cross(a, b, dim=-1), [((4, 3), (4, 3)), ((2, 1, 3), (1, 4, 3))]),
    "cross_dim0": (lambda T, a, b: T.cross(a, b, dim=0), [((3, 2), (3, 2))]),
    "cdist": (lambda T, a, b: T.cdist(a, b), [((4, 3), (5, 3)), ((2, 3, 2), (2, 4, 2))]),
    "cdist_p1": (lambda T, a, b: T.cdist(a, b, p=1), [((4, 3), (2, 3))]),
    "cdist_p3": (lambda T, a, b: T.cdist(a, b, p=3.0), [((4, 3), (2, 3))]),
    "block_diag": (lambda T, a, b, c: T.block_diag(a, b, c), [((2, 3), (1,), ())]),
    "cartesian_prod": (lambda T, a, b: T.cartesian_prod(a, b), [((3,), (2,))]),
    "combinations": (lambda T, x: T.combinations(x), [((4,),)]),
    "combinations_r3_repl": (lambda T, x: T.combinations(x, 3, with_replacement=True),
                             [((3,),)]),
    "meshgrid_ij": (lambda T, a, b, c: T.meshgrid(a, b, c, indexing="ij"),
                    [((2,), (3,), (4,))]),
    "meshgrid_xy": (lambda T, a, b, c: T.meshgrid([a, b, c], indexing="xy"),
                    [((2,), (3,), (4,))]),
    "diff": (lambda T, x: T.diff(x), [((5,),), ((3, 4),)]),
    "diff_n2_dim0": (lambda T, x: x.diff(n=2, dim=0), [((5, 2),)]),
    "diff_prepend_append": (lambda T, x, p, a: T.diff(x, 1, -1, prepend=p, append=a),
                            [((2, 3), (2, 1), (2, 2))]),
    "rot90": (lambda T, x: T.rot90(x), [((2, 3),), ((2, 3, 4),)]),
    "rot90_k": (lambda T, x: T.rot90(x, 3, [1, 2]), [((2, 3, 4),)]),
    "rot90_neg": (lambda T, x: x.rot90(-2, [0, 1]), [((2, 3),)]),
}


@pytest.mark.parametrize("name", list(SHAPE_OPS))
def test_shape_ops(name):
    fn, shapes = SHAPE_OPS[name]
    check_op(fn, shapes=shapes, gradgrad=True)


@needs_torch
def test_index_grids_and_integer_inputs_like_torch():
    for r, c, off in [(3, 3, 0), (4, 3, 1), (3, 5, -1), (0, 2, 0)]:
        for fn in ("tril_indices", "triu_indices"):
            np.testing.assert_array_equal(getattr(cr, fn)(r, c, off).numpy(),
                                          getattr(torch, fn)(r, c, off).numpy())
    assert cr.tril_indices(3, 3).dtype == cr.int64
    np.testing.assert_array_equal(cr.repeat_interleave(cr.tensor([2, 0, 1])).numpy(),
                                  torch.repeat_interleave(torch.tensor([2, 0, 1])).numpy())
    ints = np.arange(6).reshape(2, 3)
    for fn in (lambda T, x: T.diag_embed(x), lambda T, x: T.trace(x), lambda T, x: x.diagonal(),
               lambda T, x: T.kron(x, x), lambda T, x: T.diff(x), lambda T, x: T.rot90(x),
               lambda T, x: x.unfold(1, 2, 1), lambda T, x: T.combinations(x[0]),
               lambda T, x: T.block_diag(x, x[0])):
        c, t = fn(cr, cr.tensor(ints)), fn(torch, torch.tensor(ints))
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1]
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    b = np.array([True, False, False, True])
    np.testing.assert_array_equal(cr.diff(cr.tensor(b)).numpy(), torch.diff(torch.tensor(b)).numpy())
    for r in (0, 1, 5):
        c, t = cr.combinations(cr.tensor([1, 2, 3]), r), torch.combinations(torch.tensor([1, 2, 3]), r)
        assert tuple(c.shape) == tuple(t.shape)
    with pytest.warns(UserWarning, match="indexing"):
        cr.meshgrid(cr.tensor([1, 2]), cr.tensor([3]))


def test_diagonal_is_a_view():
    x = cr.zeros(3, 3)
    x.diagonal().fill_(2.0)
    np.testing.assert_array_equal(x.numpy(), np.eye(3) * 2)
    d = x.diagonal(1)
    x[0, 1] = 7.0
    assert d[0].item() == 7.0


def test_shape_op_errors():
    with pytest.raises(RuntimeError, match="size"):
        cr.zeros(4).unfold(0, 5, 1)
    with pytest.raises(RuntimeError, match="length 3"):
        cr.cross(cr.zeros(2, 4), cr.zeros(2, 4), dim=1)
    with pytest.raises(RuntimeError, match="contracted dimensions"):
        cr.tensordot(cr.zeros(2, 3), cr.zeros(4, 5), dims=1)
    with pytest.raises(RuntimeError, match="repeats"):
        cr.repeat_interleave(cr.zeros(3), cr.tensor([1, 2]), dim=0)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        cr.diagonal(cr.zeros(3))


def test_cdist_gradient_at_zero_distance_is_zero():
    a = cr.tensor([[0.0, 0.0], [1.0, 1.0]], dtype=cr.float64, requires_grad=True)
    cr.cdist(a, a.detach()).sum().backward()
    assert np.all(np.isfinite(a.grad.numpy()))
    if torch is not None:
        ta = torch.tensor(a.detach().numpy(), requires_grad=True)
        torch.cdist(ta, ta.detach()).sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy())
    _ = make
