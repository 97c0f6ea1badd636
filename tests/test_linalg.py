"""chainrule.linalg: forward values and gradients against PyTorch, gradcheck in float64
(well-conditioned inputs; symmetric ones for eigh/cholesky through a symmetrising map),
grad-of-grad on a few, errors and the torch.* spellings."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck


def _rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _wellcond(n, seed, batch=()):
    """A square matrix with singular values in [1, 3]."""
    rng = np.random.default_rng(seed)
    q1 = np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]
    q2 = np.linalg.qr(rng.standard_normal(batch + (n, n)))[0]
    s = np.linspace(1.0, 3.0, n)
    return (q1 * s[..., None, :]) @ q2


def _spd(n, seed, batch=()):
    x = _rand(batch + (n, n), seed)
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _sym(T, x):
    return (x + x.mT) / 2


def _spd_of(T, x):
    return x @ x.mT + x.shape[-1] * T.eye(x.shape[-1], dtype=x.dtype)


# name -> (fn(T, *xs) returning a tensor or tuple of tensors, input arrays)
# Losses on eigen/singular vectors use gauge-invariant functions (squares, V diag V^T).
CASES = {
    "inv": (lambda T, a: T.linalg.inv(a), [_wellcond(3, 0)]),
    "inv_batched": (lambda T, a: T.linalg.inv(a), [_wellcond(3, 1, (2,))]),
    "det": (lambda T, a: T.linalg.det(a), [_wellcond(3, 2, (2,))]),
    "slogdet": (lambda T, a: T.linalg.slogdet(a)[1], [_wellcond(4, 3)]),
    "slogdet_sign": (lambda T, a: T.linalg.slogdet(a)[0] * 1.0, [_wellcond(3, 3)]),
    "logdet": (lambda T, a: T.logdet(_spd_of(T, a)), [_rand((3, 3), 4)]),
    "solve": (lambda T, a, b: T.linalg.solve(a, b), [_wellcond(3, 5), _rand((3, 2), 6)]),
    "solve_vec": (lambda T, a, b: T.linalg.solve(a, b), [_wellcond(3, 7), _rand((3,), 8)]),
    "solve_batch_bcast": (lambda T, a, b: T.linalg.solve(a, b),
                          [_wellcond(3, 9, (2,)), _rand((3, 4), 10)]),
    "solve_right": (lambda T, a, b: T.linalg.solve(a, b, left=False),
                    [_wellcond(3, 11), _rand((2, 3), 12)]),
    "solve_triangular_upper": (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True),
                               [_wellcond(3, 13) + 3 * np.eye(3), _rand((3, 2), 14)]),
    "solve_triangular_lower_unit": (
        lambda T, a, b: T.linalg.solve_triangular(a, b, upper=False, unitriangular=True),
        [_rand((3, 3), 15) * 0.3, _rand((3, 2), 16)]),
    "solve_triangular_right": (
        lambda T, a, b: T.linalg.solve_triangular(a, b, upper=False, left=False),
        [_wellcond(3, 17) + 3 * np.eye(3), _rand((2, 3), 18)]),
    "cholesky": (lambda T, x: T.linalg.cholesky(_spd_of(T, x)), [_rand((3, 3), 19)]),
    "cholesky_upper": (lambda T, x: T.linalg.cholesky(_spd_of(T, x), upper=True),
                       [_rand((2, 3, 3), 20)]),
    "qr_tall": (lambda T, a: T.linalg.qr(a), [_rand((4, 3), 21)]),
    "qr_square": (lambda T, a: T.linalg.qr(a), [_rand((3, 3), 22)]),
    "qr_wide": (lambda T, a: T.linalg.qr(a), [_rand((2, 4), 23)]),
    "qr_complete_square": (lambda T, a: T.linalg.qr(a, mode="complete"), [_rand((3, 3), 24)]),
    "eigh": (lambda T, x: (lambda w, v: (w, v * v))(*T.linalg.eigh(_sym(T, x))),
             [_rand((3, 3), 25)]),
    "eigh_reconstruct": (lambda T, x: (lambda w, v: (v * w.exp().unsqueeze(-2)) @ v.mT)(
        *T.linalg.eigh(_sym(T, x))), [_rand((2, 3, 3), 26)]),
    "eigvalsh": (lambda T, x: T.linalg.eigvalsh(_sym(T, x)), [_rand((4, 4), 27)]),
    "svd_tall": (lambda T, a: (lambda u, s, vh: (u * u, s, vh * vh))(
        *T.linalg.svd(a, full_matrices=False)), [_rand((4, 3), 28)]),
    "svd_wide": (lambda T, a: (lambda u, s, vh: (u * u, s, vh * vh))(
        *T.linalg.svd(a, full_matrices=False)), [_rand((3, 5), 29)]),
    "svd_s_only": (lambda T, a: T.linalg.svd(a)[1], [_rand((3, 4), 30)]),
    "svdvals": (lambda T, a: T.linalg.svdvals(a), [_rand((2, 4, 3), 31)]),
    "pinv_tall": (lambda T, a: T.linalg.pinv(a), [_rand((4, 3), 32)]),
    "pinv_wide": (lambda T, a: T.linalg.pinv(a), [_rand((2, 3), 33)]),
    "pinv_square": (lambda T, a: T.linalg.pinv(a), [_wellcond(3, 34)]),
    "lstsq": (lambda T, a, b: T.linalg.lstsq(a, b).solution, [_rand((5, 3), 35), _rand((5, 2), 36)]),
    "matrix_power_3": (lambda T, a: T.linalg.matrix_power(a, 3), [_rand((3, 3), 37) * 0.5]),
    "matrix_power_neg": (lambda T, a: T.linalg.matrix_power(a, -2), [_wellcond(3, 38)]),
    "matrix_power_0": (lambda T, a: T.linalg.matrix_power(a, 0), [_rand((2, 3, 3), 39)]),
    "multi_dot": (lambda T, a, b, c: T.linalg.multi_dot([a, b, c]),
                  [_rand((3,), 40), _rand((3, 4), 41), _rand((4, 2), 42)]),
    "cross": (lambda T, a, b: T.linalg.cross(a, b), [_rand((4, 3), 43), _rand((1, 3), 44)]),
    "cross_dim0": (lambda T, a, b: T.linalg.cross(a, b, dim=0), [_rand((3, 2), 45), _rand((3, 2), 46)]),
    "vecdot": (lambda T, a, b: T.linalg.vecdot(a, b), [_rand((2, 3), 47), _rand((3,), 48)]),
    "vector_norm": (lambda T, a: T.linalg.vector_norm(a), [_rand((2, 3), 49)]),
    "vector_norm_ord3_dim": (lambda T, a: T.linalg.vector_norm(a, 3, dim=1, keepdim=True),
                             [_rand((2, 3), 50)]),
    "vector_norm_inf": (lambda T, a: T.linalg.vector_norm(a, float("inf"), dim=0), [_rand((4, 3), 51)]),
    "vector_norm_1": (lambda T, a: T.linalg.vector_norm(a, 1), [_rand((4, 3), 52)]),
    "matrix_norm_fro": (lambda T, a: T.linalg.matrix_norm(a), [_rand((2, 3, 4), 53)]),
    "matrix_norm_nuc": (lambda T, a: T.linalg.matrix_norm(a, "nuc"), [_rand((3, 4), 54)]),
    "matrix_norm_2": (lambda T, a: T.linalg.matrix_norm(a, 2), [_rand((3, 4), 55)]),
    "matrix_norm_m2": (lambda T, a: T.linalg.matrix_norm(a, -2, keepdim=True), [_rand((3, 4), 56)]),
    "matrix_norm_1": (lambda T, a: T.linalg.matrix_norm(a, 1), [_rand((3, 4), 57)]),
    "matrix_norm_inf": (lambda T, a: T.linalg.matrix_norm(a, float("inf")), [_rand((2, 3, 4), 58)]),
    "matrix_norm_minf_dims": (lambda T, a: T.linalg.matrix_norm(a, -float("inf"), dim=(0, 2)),
                              [_rand((3, 2, 4), 59)]),
    "norm_default": (lambda T, a: T.linalg.norm(a), [_rand((2, 3, 4), 60)]),
    "norm_matrix_ord": (lambda T, a: T.linalg.norm(a, "fro"), [_rand((3, 4), 61)]),
    "norm_vector_dim": (lambda T, a: T.linalg.norm(a, 1, dim=-1), [_rand((3, 4), 62)]),
    "norm_ord2_2d": (lambda T, a: T.linalg.norm(a, 2), [_rand((3, 4), 63)]),
    "cond": (lambda T, a: T.linalg.cond(a), [_wellcond(3, 64)]),
    "torch_det": (lambda T, a: T.det(a), [_wellcond(3, 65)]),
    "torch_inverse": (lambda T, a: T.inverse(a), [_wellcond(3, 66)]),
    "torch_cholesky": (lambda T, x: T.cholesky(_spd_of(T, x)), [_rand((3, 3), 67)]),
    "torch_svd": (lambda T, a: (lambda u, s, v: (u * u, s, v * v))(*T.svd(a)), [_rand((4, 3), 68)]),
    "torch_pinverse": (lambda T, a: T.pinverse(a), [_rand((4, 3), 69)]),
    "torch_matrix_power": (lambda T, a: T.matrix_power(a, 2), [_rand((3, 3), 70)]),
    "cholesky_solve": (lambda T, b, x: T.cholesky_solve(b, T.linalg.cholesky(_spd_of(T, x))),
                       [_rand((3, 2), 71), _rand((3, 3), 72)]),
    "cholesky_inverse": (lambda T, x: T.cholesky_inverse(T.linalg.cholesky(_spd_of(T, x))),
                         [_rand((3, 3), 73)]),
    "tensor_method_det": (lambda T, a: a.det() + a.slogdet()[1], [_wellcond(3, 74)]),
}

# Outputs with no gradient (integer or sign outputs) are compared by value only.
NO_GRAD = {"slogdet_sign"}


def _as_tuple(o):
    return o if isinstance(o, tuple) else (o,)


def _loss(T, outs, seed):
    total = 0
    for k, o in enumerate(outs):
        w = T.tensor(np.random.default_rng(seed + k).standard_normal(tuple(o.shape)),
                     dtype=o.dtype)
        total = total + (o * w).sum()
    return total


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck_float64(name):
    if name in NO_GRAD:
        pytest.skip("no gradient")
    fn, arrays = CASES[name]
    xs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    assert gradcheck(lambda *x: fn(cr, *x), xs)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    fn, arrays = CASES[name]
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == "float32" else dict(rtol=1e-7, atol=1e-8)
    grad = name not in NO_GRAD
    xs = [cr.tensor(a, dtype=getattr(cr, dtype), requires_grad=grad) for a in arrays]
    txs = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=grad) for a in arrays]
    outs, touts = _as_tuple(fn(cr, *xs)), _as_tuple(fn(torch, *txs))
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert o.dtype.name == str(t.dtype).split(".")[1] and tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), **tol)
    if not grad:
        return
    _loss(cr, outs, 100).backward()
    _loss(torch, touts, 100).backward()
    for x, tx in zip(xs, txs):
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **tol)


@pytest.mark.parametrize("name", ["inv", "det", "solve", "cholesky", "eigh_reconstruct",
                                  "svdvals", "qr_tall", "pinv_tall", "slogdet"])
def test_gradgradcheck(name):
    fn, arrays = CASES[name]
    xs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]
    assert gradgradcheck(lambda *x: fn(cr, *x), xs)


def test_integer_results_and_lstsq_fields_match_torch():
    torch = pytest.importorskip("torch")
    a = _rand((5, 3), 1)
    a[:, 2] = a[:, 0] + a[:, 1]  # rank 2
    assert cr.linalg.matrix_rank(cr.tensor(a)).item() == torch.linalg.matrix_rank(
        torch.tensor(a)).item() == 2
    assert cr.linalg.matrix_rank(cr.tensor(a), atol=1.0, rtol=0.0).item() == \
        torch.linalg.matrix_rank(torch.tensor(a), atol=1.0, rtol=0.0).item()
    assert cr.linalg.matrix_rank(cr.tensor(a)).dtype == cr.int64
    b = _rand((5, 2), 2)
    ours, theirs = cr.linalg.lstsq(cr.tensor(b[:, :1] * 0 + a), cr.tensor(b)), \
        torch.linalg.lstsq(torch.tensor(b[:, :1] * 0 + a), torch.tensor(b))
    assert ours.rank.item() == theirs.rank.item()
    assert tuple(ours.residuals.shape) == tuple(theirs.residuals.shape)
    assert tuple(ours.singular_values.shape) == tuple(theirs.singular_values.shape)
    sign, lad = cr.linalg.slogdet(cr.tensor(-np.eye(3)))
    assert sign.item() == -1 and lad.item() == 0
    q, r = cr.linalg.qr(cr.tensor(_rand((4, 3), 3)), mode="complete")
    assert tuple(q.shape) == (4, 4) and tuple(r.shape) == (4, 3)


def test_errors_as_torch():
    torch = pytest.importorskip("torch")
    sing = np.ones((3, 3))
    for name, call in [("inv", lambda T: T.linalg.inv(T.tensor(sing))),
                       ("cholesky", lambda T: T.linalg.cholesky(T.tensor(-np.eye(3)))),
                       ("solve", lambda T: T.linalg.solve(T.tensor(sing), T.ones(3, dtype=T.float64))),
                       ("nonsquare", lambda T: T.linalg.inv(T.ones(2, 3))),
                       ("1d", lambda T: T.linalg.det(T.ones(3))),
                       ("solve_shape", lambda T: T.linalg.solve(T.eye(3), T.ones(2, 2))),
                       ("matrix_power_nonsquare", lambda T: T.linalg.matrix_power(T.ones(2, 3), 2)),
                       ("cross_len", lambda T: T.linalg.cross(T.ones(2, 4), T.ones(2, 4)))]:
        with pytest.raises(RuntimeError) as theirs:
            call(torch)
        with pytest.raises(RuntimeError) as ours:
            call(cr)
        assert isinstance(ours.value, RuntimeError), name
        assert isinstance(ours.value, cr.linalg.LinAlgError) == isinstance(
            theirs.value, torch.linalg.LinAlgError), name
        assert str(ours.value).split(":")[0] in str(theirs.value) or name in ("1d",), name


def test_results_are_named_tuples():
    a = cr.tensor(_spd(3, 0))
    assert set(cr.linalg.eigh(a)._fields) == {"eigenvalues", "eigenvectors"}
    assert cr.linalg.svd(a)._fields == ("U", "S", "Vh")
    assert cr.linalg.qr(a)._fields == ("Q", "R")
    assert cr.linalg.slogdet(a)._fields == ("sign", "logabsdet")
    assert cr.linalg.lstsq(a, a)._fields == ("solution", "residuals", "rank", "singular_values")
    assert cr.svd(a)._fields == ("U", "S", "V")
