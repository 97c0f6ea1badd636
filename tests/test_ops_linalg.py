"""matmul / outer / einsum / linear: forward vs NumPy, gradcheck, gradgradcheck, torch."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_op

MATMUL_SHAPES = [
    ((3,), (3,)),            # 1-D . 1-D
    ((2, 3), (3, 4)),        # 2-D
    ((3,), (3, 4)),          # vector @ matrix
    ((2, 3), (3,)),          # matrix @ vector
    ((5, 2, 3), (5, 3, 4)),  # batched
    ((5, 2, 3), (3, 4)),     # broadcast batch (one side unbatched)
    ((2, 1, 2, 3), (4, 3, 1)),  # broadcast batch dims on both sides
    ((3,), (2, 3, 4)),       # 1-D against a batch
    ((2, 2, 3), (3,)),
    ((0, 3), (3, 2)),        # empty rows
    ((2, 0), (0, 3)),        # empty inner dim: zeros
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    check_op(lambda T, a, b: a @ b, np.matmul, [shapes], gradgrad=True)


def test_matmul_aliases():
    check_op(lambda T, a, b: T.matmul(a, b), np.matmul, [((2, 3), (3, 2))])
    check_op(lambda T, a, b: T.mm(a, b), np.matmul, [((2, 3), (3, 2))])
    check_op(lambda T, a, b: T.bmm(a, b), np.matmul, [((2, 2, 3), (2, 3, 1))])
    check_op(lambda T, a, b: T.mv(a, b), np.matmul, [((2, 3), (3,))])
    check_op(lambda T, a, b: T.dot(a, b), np.dot, [((3,), (3,))])
    check_op(lambda T, a, b: a.matmul(b), np.matmul, [((2, 3), (3,))])
    check_op(lambda T, a, b: T.outer(a, b), np.outer, [((3,), (4,)), ((1,), (2,))],
             gradgrad=True)
    check_op(lambda T, a, b: a.outer(b), np.outer, [((3,), (4,))])


def test_matmul_errors_name_both_shapes():
    with pytest.raises(RuntimeError) as e:
        cr.zeros(2, 3) @ cr.zeros(4, 5)
    assert "[2, 3]" in str(e.value) and "[4, 5]" in str(e.value)
    with pytest.raises(RuntimeError) as e:
        cr.zeros(3) @ cr.zeros(4)
    assert "[3]" in str(e.value) and "[4]" in str(e.value)
    with pytest.raises(RuntimeError) as e:
        cr.zeros(2, 3) @ cr.zeros(4)
    assert "3" in str(e.value) and "4" in str(e.value)
    with pytest.raises(RuntimeError, match="broadcast"):
        cr.zeros(2, 2, 3) @ cr.zeros(3, 3, 4)
    with pytest.raises(RuntimeError, match="1D"):
        cr.tensor(1.0) @ cr.zeros(3)
    with pytest.raises(RuntimeError, match="2D"):
        cr.mm(cr.zeros(3), cr.zeros(3, 2))


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
    ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 4)]),
    ("...ij,jk->...ik", [(2, 1, 2, 3), (3, 4)]),
    ("...i,...i->...", [(2, 3), (2, 3)]),
    ("b...,b->...", [(2, 3, 4), (2,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("ij,jk", [(2, 3), (3, 4)]),              # implicit output
    ("ba,ca", [(2, 3), (4, 3)]),              # implicit output, sorted letters
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
    ("ij,kj->ik", [(2, 3), (1, 3)]),          # size-1 broadcast
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes):
    check_op(lambda T, *xs: T.einsum(eq, *xs), lambda *xs: np.einsum(eq, *xs), [tuple(shapes)],
             gradgrad=len(shapes) <= 2)


def test_einsum_list_operands_and_errors():
    a, b = cr.ones(2, 3), cr.ones(3, 4)
    assert cr.einsum("ij,jk->ik", [a, b]).shape == (2, 4)
    with pytest.raises(RuntimeError, match="operand"):
        cr.einsum("ij,jk->ik", a)
    with pytest.raises(RuntimeError, match="subscripts"):
        cr.einsum("ijk,jk->ik", a, b)
    with pytest.raises(RuntimeError):
        cr.einsum("ij,jk->ik", a, cr.ones(4, 4))


def test_linear():
    check_op(lambda T, x, w, b: (T.nn.functional.linear if T is not cr else T.linear)(x, w, b),
             lambda x, w, b: x @ w.T + b, [((5, 3), (4, 3), (4,)), ((2, 5, 3), (4, 3), (4,))],
             gradgrad=True)
    check_op(lambda T, x, w: (T.nn.functional.linear if T is not cr else T.linear)(x, w),
             lambda x, w: x @ w.T, [((3,), (4, 3))])
    with pytest.raises(RuntimeError) as e:
        cr.linear(cr.zeros(2, 3), cr.zeros(4, 5))
    assert "[2, 3]" in str(e.value) and "[4, 5]" in str(e.value)


@pytest.mark.parametrize("eq,shapes", [("ii->", [(3, 3)]), ("ii->i", [(3, 3)]), ("ii", [(3, 3)]),
                                       ("bii->bi", [(2, 3, 3)]), ("iji->j", [(2, 4, 2)]),
                                       ("ij,jj->i", [(2, 3), (3, 3)])])
def test_einsum_diagonals(eq, shapes):
    check_op(lambda T, *xs: T.einsum(eq, *xs), lambda *xs: np.einsum(eq, *xs), [tuple(shapes)],
             gradgrad=True)
    with pytest.raises(RuntimeError, match="repeated"):
        cr.einsum("ii->i", cr.ones(2, 3))
