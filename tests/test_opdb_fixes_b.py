"""Regression tests for ops op_db found present but wrong (issue 10): each against PyTorch
(skipped without it) and, where differentiable, gradchecked in float64."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck

torch = pytest.importorskip("torch")


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _leaves(v)]
    return [x]


def parity(fn, *arrays, grad=True, rtol=1e-6, atol=1e-8, kwargs_cr=None, kwargs_t=None):
    """fn(T, *tensors) in chainrule and torch on the same values: outputs (values, dtypes,
    shapes) and, with grad, the gradients of a random cotangent on the float outputs."""
    def build(T, req):
        return [T.tensor(a.copy(), requires_grad=req and a.dtype.kind == "f")
                if isinstance(a, np.ndarray) else a for a in arrays]
    cin, tin = build(cr, grad), build(torch, grad)
    cout, tout = _leaves(fn(cr, *cin)), _leaves(fn(torch, *tin))
    assert len(cout) == len(tout)
    for c, t in zip(cout, tout):
        assert tuple(c.shape) == tuple(t.shape)
        assert str(c.dtype).split(".")[-1] == str(t.dtype).split(".")[-1], (c.dtype, t.dtype)
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=rtol,
                                   atol=atol)
    if not grad:
        return
    pairs = [(c, t) for c, t in zip(cout, tout) if t.requires_grad]
    rng = np.random.default_rng(1)
    cots = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    tl = [t for t in tin if isinstance(t, torch.Tensor) and t.requires_grad]
    cl = [c for c in cin if isinstance(c, cr.Tensor) and c.requires_grad]
    tg = torch.autograd.grad([t for _, t in pairs], tl,
                             [torch.tensor(g, dtype=t.dtype) for g, (_, t) in zip(cots, pairs)],
                             allow_unused=True)
    assert all(c.requires_grad for c, _ in pairs)
    cg = cr.autograd.grad([c for c, _ in pairs], cl,
                          [cr.tensor(g, dtype=c.dtype) for g, (c, _) in zip(cots, pairs)],
                          allow_unused=True)
    for a, b, x in zip(cg, tg, cl):
        a = np.zeros(x.shape) if a is None else a.numpy()
        b = np.zeros(x.shape) if b is None else b.numpy()
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- dtype casts, in-place ops as functions ----------------------------------------------
@pytest.mark.parametrize("name", ["float", "double", "half", "long", "int", "bool", "byte",
                                  "short", "char"])
def test_cast_shorthands_take_memory_format(name):
    for shape, fmt in (((), "contiguous_format"), ((2, 3), "preserve_format"),
                       ((2, 3, 2, 3), "channels_last")):
        a = np.abs(rand(*shape)) * 3
        c = getattr(cr.tensor(a), name)(memory_format=getattr(cr, fmt))
        t = getattr(torch.tensor(a), name)(memory_format=getattr(torch, fmt))
        assert tuple(c.shape) == tuple(t.shape) and c.stride() == t.stride()
        np.testing.assert_array_equal(c.numpy().astype(np.float64),
                                      t.numpy().astype(np.float64))


def test_zero_and_resize_as_are_torch_functions():
    x = cr.ones(2, 3)
    assert cr.zero_(x) is x and not x.numpy().any()
    y = cr.resize_as_(cr.ones(6), cr.zeros(3, 2))
    assert tuple(y.shape) == (3, 2)


# --- reductions, shape ops ---------------------------------------------------------------
def test_all_any_tuple_dims_and_uint8():
    a = (rand(3, 4) > 0).astype(np.float64)
    for dim, keep in (((), False), ((0,), True), ((0, 1), False), (1, False), (None, False)):
        kw = {} if dim is None else {"dim": dim, "keepdim": keep}
        parity(lambda T, x: (T.all(x, **kw), T.any(x, **kw)), a, grad=False)
    u = (a * 7).astype(np.uint8)
    parity(lambda T, x: (x.all(), x.any(1), T.all(x, dim=(0,))), u, grad=False)
    parity(lambda T, x: (T.all(x, dim=0), T.any(x, dim=())), np.array(2.0), grad=False)


def test_rpow_integer_tensor_exponents_broadcast():
    base = np.array([2, 1, -1, -1, 0, 3], np.int64)
    exp = np.array([[-1], [-2], [2]], np.int64)
    parity(lambda T, b, e: b ** e, base, exp, grad=False)
    parity(lambda T, e, b: e.__rpow__(b), np.arange(6).reshape(2, 3), np.array(2), grad=False)


def test_aminmax_over_an_empty_other_dim():
    parity(lambda T, x: T.aminmax(x, dim=0), np.zeros((5, 0, 5)), grad=False)
    with pytest.raises(IndexError, match="dim 1"):
        cr.aminmax(cr.zeros(5, 0, 5), dim=1)


def test_atleast_nd_calling_forms():
    xs = [rand(*s) for s in ((), (3,), (2, 3), (2, 3, 4))]
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        parity(lambda T, *ts: getattr(T, name)(list(ts)), *xs)
        parity(lambda T, *ts: getattr(T, name)(*ts), *xs)
        for x in xs:
            parity(lambda T, t: getattr(T, name)(t), x)
    assert gradcheck(lambda t: cr.atleast_3d(t), (cr.tensor(rand(3), requires_grad=True),))


def test_tensor_split_with_tensor_and_unsorted_indices():
    x = rand(5, 5, 5)
    parity(lambda T, t: T.tensor_split(t, T.tensor([1, 4, 2]), 1), x)
    parity(lambda T, t: T.tensor_split(t, T.tensor(3)), x)
    parity(lambda T, t: t.tensor_split([0, 7, 3]), x)
    xt = cr.tensor(x, requires_grad=True)
    assert gradcheck(lambda t: cr.tensor_split(t, [3, 1], 2)[0], (xt,))


def test_scatter_reduce_zero_d_bool_and_uint8():
    parity(lambda T, x, s: T.scatter_reduce(x, 0, T.tensor(0), s, "sum", include_self=False),
           np.array(1.5), np.array(2.0))
    idx = np.array([[0, 1], [1, 1]])
    for dt in (np.bool_, np.uint8):
        x = (np.abs(rand(3, 2)) * 4).astype(dt)
        s = (np.abs(rand(2, 2, seed=1)) * 4).astype(dt)
        for red in ("amax", "amin"):
            parity(lambda T, a, b: T.scatter_reduce(a, 0, T.tensor(idx), b, red,
                                                    include_self=False), x, s, grad=False)


def test_searchsorted_empty():
    parity(lambda T, s, v: T.searchsorted(s, v, sorter=T.zeros(0, 0, dtype=T.int64)),
           np.zeros((0, 0)), np.zeros((0, 0)), grad=False)
    parity(lambda T, s, v: T.searchsorted(s, v), np.zeros((2, 0)), np.ones((2, 3)),
           grad=False)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_gradient_flows_to_q(name):
    x, q = rand(4, 3), np.array([0.1, 0.4, 0.9])  # ranks off the integers (kinks)
    parity(lambda T, a, b: getattr(T, name)(a, b, dim=0), x, q)
    xn = x.copy()
    xn[1, 2] = np.nan
    parity(lambda T, a, b: getattr(T, name)(a, b, dim=0), xn, q, atol=1e-7)
    assert gradcheck(lambda a, b: getattr(cr, name)(a, b, dim=1),
                     (cr.tensor(x, requires_grad=True), cr.tensor(q, requires_grad=True)))


# --- linear algebra ----------------------------------------------------------------------
def _spd(n, batch=(), seed=0):
    a = rand(*batch, n, n, seed=seed)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse_gradients_are_torchs(upper):
    # op_db passes a full SPD matrix as the factor: the forward reads one triangle, the
    # gradient (PyTorch's formula) reaches every entry
    L, B = _spd(4, (2,)), rand(2, 4, 3)
    parity(lambda T, b, l: T.cholesky_solve(b, l, upper=upper), B, L)
    parity(lambda T, l: T.cholesky_inverse(l, upper=upper), L)
    f = np.linalg.cholesky(_spd(3))
    f = f.T if upper else f
    # PyTorch's formula is the derivative through the triangle, taken as op_db does (its
    # gradcheck_wrapper_triangular_input)
    tri = (lambda t: t.triu()) if upper else (lambda t: t.tril())
    assert gradcheck(lambda b, l: cr.cholesky_solve(b, tri(l), upper=upper),
                     (cr.tensor(rand(3, 2), requires_grad=True),
                      cr.tensor(f, requires_grad=True)))


def test_eigh_gradient_is_symmetric_as_torch():
    a = rand(2, 4, 4)

    def f(T, x, uplo):  # eigenvectors up to sign: compare v * v (its gradient uses gV too)
        w, v = T.linalg.eigh(x, UPLO=uplo)
        return w, v * v
    for uplo in ("L", "U"):
        parity(lambda T, x: f(T, x, uplo), a + np.swapaxes(a, -1, -2))
        parity(lambda T, x: f(T, x, uplo), a)  # only a triangle is read
    s = a[0] + a[0].T
    assert gradcheck(lambda x: cr.linalg.eigh(x + x.mT)[1].abs().sum() +
                     cr.linalg.eigh(x + x.mT)[0].sum(), (cr.tensor(s, requires_grad=True),))


def test_slogdet_sign_is_recorded_with_zero_gradient():
    for shape in ((1, 1), (3, 3), (2, 3, 3)):
        parity(lambda T, x: T.linalg.slogdet(x), rand(*shape))


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss"])
def test_lstsq_outputs_per_driver(driver):
    for sa, sb in (((2, 3), (2, 3)), ((5, 3), (5, 2)), ((3, 5, 3), (3, 5, 2))):
        parity(lambda T, a, b: T.linalg.lstsq(a, b, driver=driver), rand(*sa), rand(*sb, seed=1),
               rtol=1e-5, atol=1e-6)


def test_matrix_rank_tensor_tolerances():
    a = rand(2, 5, 5)
    parity(lambda T, x: T.linalg.matrix_rank(x, atol=T.tensor([0.1, 100.0])), a, grad=False)
    parity(lambda T, x: T.linalg.matrix_rank(x, rtol=T.ones(2)), np.zeros((2, 0, 0)),
           grad=False)
    parity(lambda T, x: T.linalg.matrix_rank(x, atol=T.zeros(0), rtol=T.zeros(0)),
           np.zeros((0, 5, 5)), grad=False)


def test_norm_subgradients_at_zero_and_nuc():
    z = np.zeros(5)
    for p in (-0.5, 0.5, 1.5, 3.0):
        parity(lambda T, x: T.linalg.norm(x, p), z)
        parity(lambda T, x: T.linalg.vector_norm(x, p), rand(5))
    parity(lambda T, x: T.norm(x, "nuc"), rand(4, 3))
    assert gradcheck(lambda x: cr.linalg.vector_norm(x, 3.0), (cr.tensor(rand(4),
                                                                          requires_grad=True),))


def test_svd_legacy_and_mH():
    parity(lambda T, x: (x.mH, x.adjoint()), rand(2, 3, 4))
    parity(lambda T, x: T.svd(x)[1], rand(3, 4))


def test_tensordot_inner_einsum_cross_dtypes_and_broadcast():
    parity(lambda T, a, b: T.tensordot(a, b, dims=([0, 1], [2, 0])), rand(1, 1, 1),
           rand(2, 1, 2))
    ia, ib = np.arange(1.0).reshape(1, 1, 1).astype(np.int32), np.ones((2, 1, 2), np.int32)
    parity(lambda T, a, b: T.tensordot(a, b, dims=([0, 1], [2, 0])), ia, ib, grad=False)
    parity(lambda T, a, b: T.inner(a, b), np.array(2.0), rand(5, 5))
    parity(lambda T, a, b: T.inner(a, b), rand(3, 4), rand(2, 4))
    for eq, shapes in (("i->", [(3,)]), ("...ik, ...j -> ij", [(1, 2, 3), (3,)]),
                       ("i,i->", [(3,), (3,)]), ("ij->j", [(2, 2)])):
        for dt in (np.int32, np.uint8) + ((np.bool_,) if len(shapes) == 1 else ()):
            ops = [np.ones(s, dt) for s in shapes]
            parity(lambda T, *xs: T.einsum(eq, *xs), *ops, grad=False)
    parity(lambda T, a, b: T.linalg.cross(a, b), np.arange(15).reshape(5, 3),
           np.arange(15)[::-1].reshape(5, 3).copy(), grad=False)


# --- nn.functional -----------------------------------------------------------------------
def test_cosine_similarity_broadcasts_before_the_norms():
    parity(lambda T, a, b: T.nn.functional.cosine_similarity(a, b, dim=-2), rand(1, 2, 3),
           rand(2, 1, 3, seed=1))
    z = np.zeros((2, 3))
    parity(lambda T, a, b: T.nn.functional.cosine_similarity(a, b), z, rand(2, 3))  # eps clamp
    assert gradcheck(lambda a, b: cr.nn.functional.cosine_similarity(a, b, dim=-2),
                     (cr.tensor(rand(1, 2, 3), requires_grad=True),
                      cr.tensor(rand(2, 1, 3, seed=1), requires_grad=True)))


def test_alpha_dropout_p_one_is_zeros():
    parity(lambda T, x: T.nn.functional.alpha_dropout(x, p=1.0, training=True), rand(5))


def test_gaussian_nll_loss_var_shapes_and_clamp():
    x, y = rand(5, 5), rand(5, 5, seed=1)
    for v, kw in ((np.abs(rand(5, seed=2)), {"full": True, "reduction": "none"}),
                  (np.abs(rand(5, 1, seed=2)), {}),
                  (np.abs(rand(5, 5, seed=2)) * 1e-4, {"eps": 1e-3, "reduction": "sum"})):
        parity(lambda T, a, b, c: T.nn.functional.gaussian_nll_loss(a, b, c, **kw), x, y, v)
    parity(lambda T, a, b, c: T.nn.functional.gaussian_nll_loss(a, b, c), x, rand(5), 
           np.abs(rand(5, seed=3)))
    parity(lambda T, a, b, c: T.nn.GaussianNLLLoss()(a, b, c), rand(4, 3), rand(4, 3, seed=1),
           np.abs(rand(1, 3, seed=2)))  # homoscedastic: one size-1 dim
    with pytest.raises(ValueError):
        cr.nn.functional.gaussian_nll_loss(cr.zeros(2, 3), cr.zeros(2, 3), cr.ones(3, 2))


def test_poisson_nll_loss_full_differentiates_the_target():
    x, y = rand(4, 3), np.abs(rand(4, 3, seed=1)) * 3
    for log_input in (True, False):
        xi = x if log_input else np.abs(x) + 0.1
        parity(lambda T, a, b: T.nn.functional.poisson_nll_loss(a, b, log_input=log_input,
                                                                 full=True, reduction="sum"),
               xi, y)
    assert gradcheck(lambda a, b: cr.nn.functional.poisson_nll_loss(a, b, full=True),
                     (cr.tensor(x, requires_grad=True), cr.tensor(y + 1.5, requires_grad=True)))


def test_unfold_empty_batch_and_integer_inputs():
    parity(lambda T, x: T.nn.functional.unfold(x, 2, 1, 0, 1), np.zeros((0, 1, 5, 5)))
    a = rand(2, 2, 5, 5) > 0  # torch's im2col takes bool, not the integer types
    parity(lambda T, x: T.nn.functional.unfold(x, (2, 3), (1, 2), 1, (1, 2)), a, grad=False)
    u = (np.abs(rand(2, 2, 5, 5)) * 50).astype(np.uint8)  # chainrule's own: as in float
    got = cr.nn.functional.unfold(cr.tensor(u), (2, 3), (1, 2), 1, (1, 2))
    ref = cr.nn.functional.unfold(cr.tensor(u.astype(np.float64)), (2, 3), (1, 2), 1, (1, 2))
    assert got.dtype == cr.uint8
    np.testing.assert_array_equal(got.numpy(), ref.numpy().astype(np.uint8))


def test_triplet_margin_with_distance_loss_takes_a_distance_module():
    a, p, n = rand(5, 10), rand(5, 10, seed=1), rand(5, 10, seed=2)
    parity(lambda T, x, y, z: T.nn.functional.triplet_margin_with_distance_loss(
        x, y, z, distance_function=T.nn.PairwiseDistance(), margin=1.0, reduction="none"),
        a, p, n)


# --- CTC: PyTorch's gradient formula in log_probs ------------------------------------------
@pytest.mark.parametrize("normalise", [True, False])
def test_ctc_direct_gradient_is_torchs(normalise):
    """PyTorch's ctc_loss gradient in log_probs is (exp(lp) - occupancy / p) g (0 beyond
    each input length), which assumes normalised log_probs; chainrule returns the same,
    on normalised and on unnormalised inputs alike."""
    rng = np.random.default_rng(3)
    lp = rng.standard_normal((8, 3, 5))
    if normalise:
        lp = lp - np.log(np.exp(lp).sum(-1, keepdims=True))
    tgt, il, tl = rng.integers(1, 5, (3, 3)), np.array([8, 6, 7]), np.array([3, 2, 1])
    for red in ("none", "mean", "sum"):
        parity(lambda T, x: T.nn.functional.ctc_loss(x, T.tensor(tgt), T.tensor(il),
                                                     T.tensor(tl), reduction=red), lp)


def test_ctc_gradient_through_log_softmax_is_exact():
    rng = np.random.default_rng(4)
    x = cr.tensor(rng.standard_normal((6, 2, 4)), requires_grad=True)
    tgt, il, tl = cr.tensor([[1, 2], [3, 0]]), cr.tensor([6, 5]), cr.tensor([2, 1])
    assert gradcheck(lambda t: cr.nn.functional.ctc_loss(t.log_softmax(2), tgt, il, tl,
                                                         reduction="sum"), (x,))


def test_kl_div_negative_target_is_nan_as_torch():
    x, t = rand(4, 4), rand(4, 4, seed=1)  # log of random: NaN target entries, as module_db
    parity(lambda T, a, b: T.nn.functional.kl_div(a, b, reduction="none"), x, t)
    parity(lambda T, a, b: T.nn.functional.kl_div(a, b, reduction="sum"), x, np.abs(t))


def test_integer_images_interpolate_within_one_of_torch():
    """uint8 bilinear: computed in float64 and rounded (the weights no longer truncate to
    0); PyTorch's fixed-point uint8 kernel may differ by 1, so op_db still counts it."""
    x = np.random.default_rng(0).integers(0, 256, (2, 3, 4, 4)).astype(np.uint8)
    for kw in ({"size": (3, 3)}, {"size": (5, 5)}, {"scale_factor": 1.7}):
        a = cr.nn.functional.upsample_bilinear(cr.tensor(x), **kw)
        b = torch.nn.functional.upsample_bilinear(torch.tensor(x), **kw)
        assert a.dtype == cr.uint8 and tuple(a.shape) == tuple(b.shape)
        assert np.abs(a.numpy().astype(int) - b.numpy().astype(int)).max() <= 1
