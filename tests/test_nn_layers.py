"""Layers: shapes, hand-computed values, gradcheck (float64), train/eval behaviour of
Dropout and BatchNorm, torch parity, nn.init statistics, nn.utils, and a small training."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
import chainrule.optim as optim
from chainrule.autograd import gradcheck, gradgradcheck

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _x(shape, seed=0, dtype=np.float64):
    return cr.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype),
                     requires_grad=True)


def _copy_params(src, dst):
    """chainrule module -> torch module with the same parameter names."""
    with torch.no_grad():
        for n, p in src.named_parameters():
            dict(dst.named_parameters())[n].copy_(torch.tensor(p._data))


# --- Linear -----------------------------------------------------------------------------
def test_linear_hand_value_shape_and_single_node():
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": cr.tensor([[2.0, -1.0]]), "bias": cr.tensor([0.5])})
    y = lin(cr.tensor([[1.0, 3.0], [0.0, 0.0]]))
    assert y.tolist() == [[-0.5], [0.5]]
    assert y.grad_fn.name == "linear" and all(f is None for f, _ in
                                             [(n, i) for n, i in y.grad_fn.next_functions])
    assert nn.Linear(4, 3)(cr.randn(2, 5, 4)).shape == (2, 5, 3)
    assert nn.Linear(4, 3, bias=False).bias is None
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        nn.Linear(4, 3)(cr.randn(2, 5))


def test_linear_default_init_bounds():
    cr.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = lin.weight.numpy(force=True), lin.bias.numpy(force=True)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert np.abs(b).max() <= bound
    # kaiming_uniform_(a=sqrt(5)) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)): std = bound/sqrt(3)
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert lin.weight.dtype == cr.float32
    cr.manual_seed(0)
    w2 = nn.Linear(400, 300).weight.numpy(force=True)
    np.testing.assert_array_equal(w, w2)   # seeded


def test_linear_gradcheck_and_gradgrad():
    lin = nn.Linear(3, 2).double()
    x = _x((4, 3))
    assert gradcheck(lambda x, w, b: F.linear(x, w, b), [x, lin.weight, lin.bias])
    assert gradgradcheck(lambda x, w, b: F.linear(x, w, b), [x, lin.weight, lin.bias])


def test_identity_flatten_unflatten_bilinear():
    x = cr.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    bl = nn.Bilinear(3, 4, 2).double()
    a, b = _x((5, 3)), _x((5, 4), 1)
    assert bl(a, b).shape == (5, 2)
    assert gradcheck(lambda a, b: bl(a, b), [a, b])
    if torch is not None:
        tb = torch.nn.Bilinear(3, 4, 2).double()
        _copy_params(bl, tb)
        np.testing.assert_allclose(bl(a, b).detach().numpy(),
                                   tb(torch.tensor(a._data), torch.tensor(b._data)).detach().numpy(),
                                   rtol=1e-12)


# --- activations ------------------------------------------------------------------------
ACTS = [(nn.ReLU, {}), (nn.Sigmoid, {}), (nn.Tanh, {}), (nn.LeakyReLU, {"negative_slope": 0.2}),
        (nn.ELU, {"alpha": 0.7}), (nn.GELU, {}), (nn.GELU, {"approximate": "tanh"}),
        (nn.SiLU, {}), (nn.Softplus, {"beta": 2.0, "threshold": 5.0}), (nn.Softmax, {"dim": 1}),
        (nn.LogSoftmax, {"dim": -1}), (nn.Softmin, {"dim": 1}), (nn.ReLU6, {}), (nn.SELU, {}),
        (nn.CELU, {"alpha": 0.5}), (nn.Mish, {}), (nn.Hardsigmoid, {}), (nn.Hardswish, {}),
        (nn.LogSigmoid, {}), (nn.Softsign, {}), (nn.Tanhshrink, {}), (nn.Hardtanh, {}),
        (nn.GLU, {}), (nn.Threshold, {"threshold": 0.1, "value": -1.0})]


@pytest.mark.parametrize("cls,kw", ACTS, ids=[f"{c.__name__}{i}" for i, (c, _) in
                                              enumerate(ACTS)])
def test_activation_gradcheck_and_torch(cls, kw):
    rng = np.random.default_rng(3)
    a = rng.uniform(-4, 4, (3, 4))
    a[np.abs(a) < 0.05] = 0.3                      # away from kinks
    for kink in (3.0, -3.0, 6.0, 0.1, -1.0, 1.0):  # hardsigmoid/relu6/threshold/hardtanh
        a[np.abs(a - kink) < 0.05] += 0.2
    x = cr.tensor(a, requires_grad=True)
    m = cls(**kw)
    y = m(x)
    assert y.shape == (3, 2 if cls is nn.GLU else 4) and y.dtype == cr.float64
    assert gradcheck(m, [x])
    if torch is not None:
        ref = getattr(torch.nn, cls.__name__)(**kw)(torch.tensor(a))
        np.testing.assert_allclose(y.detach().numpy(), ref.numpy(), rtol=1e-7, atol=1e-12)


def test_activation_hand_values_and_kinks():
    x = cr.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    assert nn.ReLU()(x).tolist() == [0.0, 0.0, 3.0]
    nn.ReLU()(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]           # relu'(0) = 0
    assert nn.LeakyReLU(0.5)(x).tolist() == [-1.0, 0.0, 3.0]
    assert nn.Sigmoid()(cr.tensor([0.0])).item() == 0.5
    assert nn.Softmax(dim=0)(cr.tensor([1.0, 1.0])).tolist() == [0.5, 0.5]
    s = nn.Sigmoid()(cr.tensor([-1e4, 1e4]))
    assert s.tolist() == [0.0, 1.0]
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"


def test_softmax_implicit_dim_warns():
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = F.softmax(cr.randn(2, 3))
    np.testing.assert_allclose(y.sum(1).numpy(), [1, 1], rtol=1e-6)


# --- dropout ----------------------------------------------------------------------------
def test_dropout_train_eval_scaling_and_seed():
    d = nn.Dropout(0.25)
    x = cr.ones(1000, 100)
    y = d(x).numpy()
    kept = y != 0
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
    assert kept.mean() == pytest.approx(0.75, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.02)    # inverted dropout keeps the mean
    d.eval()
    assert d(x) is x
    d.train()
    cr.manual_seed(5)
    a = d(x).numpy()
    cr.manual_seed(5)
    b = d(x).numpy()
    np.testing.assert_array_equal(a, b)
    assert nn.Dropout(0.0)(x) is x
    assert nn.Dropout(1.0)(x).abs().sum().item() == 0
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    x = cr.ones(50, 20, requires_grad=True)
    y = F.dropout(x, 0.5, training=True)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())


def test_dropout2d_drops_whole_channels():
    y = nn.Dropout2d(0.5)(cr.ones(8, 16, 3, 3)).numpy()
    per_channel = y.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))


# --- batch norm -------------------------------------------------------------------------
def test_batchnorm1d_train_values_and_running_stats():
    bn = nn.BatchNorm1d(2, momentum=0.5)
    x = cr.tensor([[1.0, 10.0], [3.0, 30.0]])
    y = bn(x)
    np.testing.assert_allclose(y.detach().numpy(), [[-1, -1], [1, 1]], atol=1e-4)
    # running = 0.5 * 0 + 0.5 * mean; var unbiased: 2 and 200
    np.testing.assert_allclose(bn.running_mean.numpy(), [1.0, 10.0])
    np.testing.assert_allclose(bn.running_var.numpy(), [0.5 + 0.5 * 2, 0.5 + 0.5 * 200])
    assert bn.num_batches_tracked.item() == 1
    bn.eval()
    ye = bn(x)
    np.testing.assert_allclose(ye.detach().numpy(),
                               (x.numpy() - [1, 10]) / np.sqrt(np.array([1.5, 100.5]) + 1e-5),
                               rtol=1e-5)
    assert bn.num_batches_tracked.item() == 1   # eval does not update


def _eval_matches_torch(m, t, rng, shape):
    """After training steps, norm layer m has torch layer t's running statistics (where it
    tracks them), and the same eval-mode output on a fresh float32 input."""
    if m.track_running_stats:
        np.testing.assert_allclose(m.running_mean.numpy(), t.running_mean.numpy(), rtol=1e-5)
        np.testing.assert_allclose(m.running_var.numpy(), t.running_var.numpy(), rtol=1e-5)
    m.eval()
    t.eval()
    x = rng.standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(m(cr.tensor(x)).detach().numpy(),
                               t(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


@needs_torch
@pytest.mark.parametrize("cls,shape", [("BatchNorm1d", (8, 3)), ("BatchNorm1d", (4, 3, 5)),
                                       ("BatchNorm2d", (4, 3, 2, 5)),
                                       ("BatchNorm3d", (2, 3, 2, 2, 2))])
@pytest.mark.parametrize("kw", [dict(), dict(momentum=None), dict(affine=False),
                                dict(track_running_stats=False), dict(eps=1e-2, momentum=0.3)])
def test_batchnorm_matches_torch_train_then_eval(cls, shape, kw):
    m, t = getattr(nn, cls)(3, **kw), getattr(torch.nn, cls)(3, **kw)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = (rng.standard_normal(shape) * 2 + 1).astype(np.float32)
        xc = cr.tensor(x, requires_grad=True)
        xt = torch.tensor(x, requires_grad=True)
        yc, yt = m(xc), t(xt)
        np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
        g = rng.standard_normal(shape).astype(np.float32)
        yc.backward(cr.tensor(g))
        yt.backward(torch.tensor(g))
        np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-5)
        if kw.get("affine", True):
            np.testing.assert_allclose(m.weight.grad.numpy(), t.weight.grad.numpy(), rtol=1e-4,
                                       atol=1e-5)
    _eval_matches_torch(m, t, rng, shape)
    assert list(m.state_dict()) == list(t.state_dict())


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(training):
    bn = nn.BatchNorm2d(3).double()
    bn.running_mean._data[...] = [0.1, -0.2, 0.3]
    bn.running_var._data[...] = [0.5, 2.0, 1.0]
    bn.train(training)
    x = _x((2, 3, 2, 2))
    w = bn.weight
    f = lambda x, w, b: F.batch_norm(x, None if training else bn.running_mean,  # noqa: E731
                                     None if training else bn.running_var, w, b, training)
    assert gradcheck(f, [x, w, bn.bias])
    assert gradgradcheck(f, [x, w, bn.bias])


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(cr.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(cr.randn(1, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements"):
        nn.BatchNorm1d(4).eval()(cr.randn(2, 3))


# --- layer norm, group norm ---------------------------------------------------------------
def test_layernorm_values_gradcheck_torch():
    ln = nn.LayerNorm(4)
    y = ln(cr.tensor([[1.0, 2.0, 3.0, 4.0]]))
    np.testing.assert_allclose(y.detach().numpy(),
                               [(np.arange(1, 5) - 2.5) / np.sqrt(1.25 + 1e-5)], rtol=1e-5)
    ln2 = nn.LayerNorm((3, 4)).double()
    ln2.weight._data[...] = np.random.default_rng(0).standard_normal((3, 4))
    x = _x((2, 3, 4))
    assert gradcheck(ln2, [x])
    assert gradgradcheck(lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [x, ln2.weight, ln2.bias])
    if torch is not None:
        t = torch.nn.LayerNorm((3, 4)).double()
        _copy_params(ln2, t)
        np.testing.assert_allclose(ln2(x).detach().numpy(),
                                   t(torch.tensor(x._data)).detach().numpy(), rtol=1e-10)
    with pytest.raises(RuntimeError, match="normalized_shape"):
        nn.LayerNorm(5)(cr.randn(2, 4))


def test_groupnorm_rmsnorm_vs_torch():
    if torch is None:
        pytest.skip("torch not installed")
    x = np.random.default_rng(1).standard_normal((2, 6, 3)).astype(np.float64)
    g = nn.GroupNorm(3, 6).double()
    tg = torch.nn.GroupNorm(3, 6).double()
    np.testing.assert_allclose(g(cr.tensor(x)).detach().numpy(),
                               tg(torch.tensor(x)).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(g, [cr.tensor(x, requires_grad=True)])
    r = nn.RMSNorm(3).double()
    tr = torch.nn.RMSNorm(3).double()
    np.testing.assert_allclose(r(cr.tensor(x)).detach().numpy(),
                               tr(torch.tensor(x)).detach().numpy(), rtol=1e-10)


# --- embedding --------------------------------------------------------------------------
def test_embedding_lookup_and_padding_idx_gets_no_gradient():
    emb = nn.Embedding(5, 3, padding_idx=0)
    assert emb.weight._data[0].tolist() == [0.0, 0.0, 0.0]
    idx = cr.tensor([[0, 2, 2], [4, 0, 1]])
    y = emb(idx)
    assert y.shape == (2, 3, 3)
    np.testing.assert_array_equal(y.detach().numpy(), emb.weight._data[idx.numpy()])
    y.sum().backward()
    g = emb.weight.grad.numpy()
    assert g[0].tolist() == [0.0, 0.0, 0.0]     # padding row: no gradient
    assert g[2].tolist() == [2.0, 2.0, 2.0]     # used twice: accumulated
    assert g[3].tolist() == [0.0, 0.0, 0.0]
    w = cr.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    # (padding_idx deliberately breaks d out / d weight[0], so gradcheck runs without it)
    assert gradcheck(lambda w: F.embedding(idx, w), [w])
    assert gradgradcheck(lambda w: F.embedding(idx, w) ** 2, [w])
    gg = cr.autograd.grad(F.embedding(idx, w, padding_idx=0).sum(), w, create_graph=True)[0]
    assert gg.numpy(force=True)[0].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(IndexError, match="out of range"):
        emb(cr.tensor([5]))
    with pytest.raises(RuntimeError, match="integer"):
        emb(cr.tensor([1.0]))


def test_embedding_from_pretrained_and_max_norm():
    w = cr.tensor([[3.0, 4.0], [0.3, 0.4]])
    emb = nn.Embedding.from_pretrained(w)
    assert not emb.weight.requires_grad
    m = nn.Embedding(2, 2, max_norm=1.0)
    m.weight._data[...] = w.numpy()
    out = m(cr.tensor([0, 1]))
    np.testing.assert_allclose(np.linalg.norm(out.detach().numpy(), axis=1), [1.0, 0.5],
                               rtol=1e-5)


# --- init -------------------------------------------------------------------------------
def test_init_functions_statistics():
    init = nn.init
    w = cr.empty(500, 400)
    init.xavier_uniform_(w)
    a = math.sqrt(6 / 900)
    assert np.abs(w.numpy()).max() <= a and w.numpy().std() == pytest.approx(a / math.sqrt(3),
                                                                               rel=0.02)
    init.xavier_normal_(w, gain=2.0)
    assert w.numpy().std() == pytest.approx(2 * math.sqrt(2 / 900), rel=0.02)
    init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu")
    assert w.numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    init.kaiming_uniform_(w, nonlinearity="relu")
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 400)
    init.normal_(w, 2.0, 0.5)
    assert w.numpy().mean() == pytest.approx(2.0, abs=0.01)
    init.trunc_normal_(w, std=1.0, a=-0.5, b=0.5)
    assert w.numpy().min() >= -0.5 and w.numpy().max() <= 0.5
    init.constant_(w, 0.3)
    assert np.all(w.numpy() == np.float32(0.3))
    init.ones_(w)
    init.zeros_(w)
    assert w.numpy().sum() == 0
    q = cr.empty(6, 4)
    init.orthogonal_(q)
    np.testing.assert_allclose(q.numpy().T @ q.numpy(), np.eye(4), atol=1e-5)
    q = cr.empty(3, 5)
    init.orthogonal_(q, gain=2.0)
    np.testing.assert_allclose(q.numpy() @ q.numpy().T, 4 * np.eye(3), atol=1e-5)
    init.eye_(q)
    assert q.numpy()[0, 0] == 1 and q.numpy().sum() == 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert init.calculate_gain("sigmoid") == 1 and init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swishy")
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(cr.empty(3))


def test_init_is_in_place_and_unrecorded():
    lin = nn.Linear(3, 3)
    w = lin.weight
    arr = w._data
    nn.init.normal_(w)
    assert w._data is arr and w.grad_fn is None and w.requires_grad
    cr.manual_seed(1)
    a = nn.init.uniform_(cr.empty(3)).numpy().copy()
    cr.manual_seed(1)
    b = nn.init.uniform_(cr.empty(3)).numpy()
    np.testing.assert_array_equal(a, b)
    g = cr.Generator().manual_seed(3)
    c = nn.init.normal_(cr.empty(3), generator=g).numpy().copy()
    d = nn.init.normal_(cr.empty(3), generator=cr.Generator().manual_seed(3)).numpy()
    np.testing.assert_array_equal(c, d)


# --- nn.utils ---------------------------------------------------------------------------
def test_clip_grad_norm_and_value():
    a, b = nn.Parameter(cr.zeros(2)), nn.Parameter(cr.zeros(1))
    a.grad, b.grad = cr.tensor([3.0, 0.0]), cr.tensor([4.0])
    total = nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
    assert total.item() == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad.numpy(), b.grad.numpy()]),
                               np.array([3, 0, 4]) / (5 + 1e-6), rtol=1e-6)
    a.grad = cr.tensor([0.1, 0.2])
    nn.utils.clip_grad_norm_(a, 10.0)
    assert a.grad.tolist() == pytest.approx([0.1, 0.2])   # below the bound: unchanged
    a.grad = cr.tensor([-3.0, 0.5])
    nn.utils.clip_grad_value_([a], 1.0)
    assert a.grad.tolist() == [-1.0, 0.5]
    a.grad = cr.tensor([-3.0, 2.0])
    assert nn.utils.clip_grad_norm_([a], 1.0, norm_type="inf").item() == 3.0
    a.grad = cr.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_([a], 1.0, error_if_nonfinite=True)


@needs_torch
def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(0)
    gs = [rng.standard_normal(s).astype(np.float32) for s in [(3, 4), (5,), (2, 2)]]
    for norm_type in (2.0, 1.0, 3.0, math.inf):
        ps = [nn.Parameter(cr.zeros(*g.shape)) for g in gs]
        ts = [torch.nn.Parameter(torch.zeros(*g.shape)) for g in gs]
        for p, t, g in zip(ps, ts, gs):
            p.grad, t.grad = cr.tensor(g), torch.tensor(g)
        n1 = nn.utils.clip_grad_norm_(ps, 0.5, norm_type)
        n2 = torch.nn.utils.clip_grad_norm_(ts, 0.5, norm_type)
        assert n1.item() == pytest.approx(n2.item(), rel=1e-6)
        for p, t in zip(ps, ts):
            np.testing.assert_allclose(p.grad.numpy(), t.grad.numpy(), rtol=1e-6)


def test_parameters_to_vector_round_trip():
    m = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    v = nn.utils.parameters_to_vector(m.parameters())
    assert v.shape == (11,)
    nn.utils.vector_to_parameters(cr.arange(11.0), m.parameters())
    assert m[0].weight.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]
    assert m[1].bias.tolist() == [10.0]
    with pytest.raises(RuntimeError, match="11 elements"):
        nn.utils.vector_to_parameters(cr.zeros(3), m.parameters())


# --- training ---------------------------------------------------------------------------
def test_xor_mlp_converges():
    cr.manual_seed(0)
    X = cr.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = cr.tensor([[0.0], [1.0], [1.0], [0.0]])
    net = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    opt = optim.Adam(net.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(300):
        opt.zero_grad()
        loss = loss_fn(net(X), y)
        loss.backward()
        opt.step()
    assert loss.item() < 0.05
    assert ((net(X).detach().numpy() > 0) == (y.numpy() > 0.5)).all()


def test_blobs_classifier_with_dataloader_sgd_momentum():
    from chainrule.utils.data import TensorDataset, DataLoader
    rng = np.random.default_rng(0)
    centers = np.array([[2.0, 2.0], [-2.0, 2.0], [0.0, -2.5]])
    labels = rng.integers(0, 3, 300)
    X = (centers[labels] + 0.6 * rng.standard_normal((300, 2))).astype(np.float32)
    cr.manual_seed(0)
    net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 3))
    opt = optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    sched = optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)
    loader = DataLoader(TensorDataset(cr.tensor(X), cr.tensor(labels)), batch_size=32,
                        shuffle=True, generator=cr.Generator().manual_seed(0))
    for _ in range(10):
        net.train()
        for xb, yb in loader:
            opt.zero_grad()
            F.cross_entropy(net(xb), yb).backward()
            opt.step()
        sched.step()
    net.eval()
    acc = (net(cr.tensor(X)).argmax(1).numpy() == labels).mean()
    assert acc > 0.95


# --- extra layers: PReLU, InstanceNorm, padding, distances ------------------------------------
def test_prelu_gradcheck_and_torch():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4, 2))
    a[np.abs(a) < 0.05] = 0.5
    for n in (1, 4):
        m = nn.PReLU(n).double()
        m.weight._data[...] = rng.uniform(0.1, 0.5, n)
        x = cr.tensor(a, requires_grad=True)
        assert gradcheck(lambda x, w: F.prelu(x, w), [x, m.weight])
        if torch is not None:
            t = torch.nn.PReLU(n).double()
            _copy_params(m, t)
            np.testing.assert_allclose(m(x).detach().numpy(),
                                       t(torch.tensor(a)).detach().numpy(), rtol=1e-12)
    assert nn.PReLU()(cr.tensor([-4.0, 2.0])).tolist() == [-1.0, 2.0]


@needs_torch
@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (3, 4, 5)),
                                       ("InstanceNorm2d", (2, 4, 3, 3)),
                                       ("InstanceNorm1d", (4, 6))])
@pytest.mark.parametrize("kw", [dict(), dict(affine=True),
                                dict(affine=True, track_running_stats=True, momentum=0.3)])
def test_instance_norm_matches_torch(cls, shape, kw):
    m, t = getattr(nn, cls)(4, **kw), getattr(torch.nn, cls)(4, **kw)
    rng = np.random.default_rng(0)
    for _ in range(2):
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        xc, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        yc, yt = m(xc), t(xt)
        np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), rtol=1e-4,
                                   atol=1e-5)
        (yc * yc).sum().backward()
        (yt * yt).sum().backward()
        np.testing.assert_allclose(xc.grad.numpy(), xt.grad.numpy(), rtol=1e-3, atol=1e-4)
    if kw.get("track_running_stats"):
        _eval_matches_torch(m, t, rng, shape)


def test_padding_layers_and_distance_modules():
    x = cr.tensor(np.arange(6.0).reshape(1, 2, 3))
    assert nn.ZeroPad1d(1)(x).tolist()[0][0] == [0.0, 0.0, 1.0, 2.0, 0.0]
    assert nn.ConstantPad1d((0, 2), 9.0)(x).tolist()[0][1] == [3.0, 4.0, 5.0, 9.0, 9.0]
    assert nn.ReflectionPad1d(2)(x).tolist()[0][0] == [2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]
    assert nn.ReplicationPad1d((1, 0))(x).tolist()[0][0] == [0.0, 0.0, 1.0, 2.0]
    assert nn.CircularPad1d(1)(x).tolist()[0][0] == [2.0, 0.0, 1.0, 2.0, 0.0]
    assert nn.ZeroPad2d((1, 1, 2, 0))(cr.ones(1, 1, 2, 2)).shape == (1, 1, 4, 4)
    assert repr(nn.ZeroPad2d(1)) == "ZeroPad2d((1, 1, 1, 1))"
    a, b = cr.randn(4, 3), cr.randn(4, 3)
    np.testing.assert_allclose(nn.CosineSimilarity()(a, b).numpy(),
                               F.cosine_similarity(a, b).numpy())
    assert nn.PairwiseDistance()(a, b).shape == (4,)
    if torch is not None:
        a = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
        for name, args in [("ReflectionPad2d", (1, 2, 0, 1)), ("ReplicationPad2d", 2),
                           ("ConstantPad2d", ((1, 0, 2, 1), 0.5)), ("CircularPad2d", 1)]:
            args = args if isinstance(args, tuple) and name == "ConstantPad2d" else (args,)
            mine = getattr(nn, name)(*args)(cr.tensor(a)).numpy()
            ref = getattr(torch.nn, name)(*args)(torch.tensor(a)).numpy()
            np.testing.assert_array_equal(mine, ref)


@pytest.mark.parametrize("name", ["dropout", "dropout2d", "alpha_dropout", "instance_norm",
                                  "rms_norm", "flatten", "unflatten", "reflection_pad",
                                  "selu", "celu", "glu"])
def test_more_layer_gradchecks(name):
    rng = np.random.default_rng(6)
    x = cr.tensor(rng.standard_normal((2, 4, 3, 3)), requires_grad=True)
    w = cr.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)

    def seeded(f):
        def g(*a):
            cr.manual_seed(11)   # the same random mask on every call
            return f(*a)
        return g

    fns = {
        "dropout": (seeded(lambda x: F.dropout(x, 0.3)), [x]),
        "dropout2d": (seeded(lambda x: F.dropout2d(x, 0.5)), [x]),
        "alpha_dropout": (seeded(lambda x: F.alpha_dropout(x, 0.2, training=True)), [x]),
        "instance_norm": (lambda x: F.instance_norm(x), [x]),
        "rms_norm": (lambda x, w: F.rms_norm(x, (3,), w, 1e-6), [x, w]),
        "flatten": (nn.Flatten(), [x]),
        "unflatten": (lambda x: nn.Unflatten(1, (2, 2))(x), [x]),
        "reflection_pad": (nn.ReflectionPad2d((1, 2, 2, 0)), [x]),
        "selu": (nn.SELU(), [x]),
        "celu": (nn.CELU(0.7), [x]),
        "glu": (nn.GLU(1), [x]),
    }
    fn, args = fns[name]
    assert gradcheck(fn, args)


@pytest.mark.parametrize("n_tokens,vocab", [(1, 7), (12, 50), (40, 6)])
def test_embedding_backward_sort_and_reduce_matches_torch(n_tokens, vocab):
    """Embedding's weight gradient by stable sort + np.add.reduceat (functions/nn_ops.py),
    with fewer and with more tokens than rows, repeated indices and padding_idx."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(n_tokens)
    idx = rng.integers(0, vocab, (n_tokens,))
    if n_tokens > 1:
        idx[1] = idx[0]
    w = rng.standard_normal((vocab, 3))
    g = rng.standard_normal((n_tokens, 3))
    for pad in (None, int(idx[0])):
        ce = cr.nn.Embedding(vocab, 3, padding_idx=pad).double()
        te = torch.nn.Embedding(vocab, 3, padding_idx=pad).double()
        with cr.no_grad():
            ce.weight.copy_(cr.tensor(w))
        with torch.no_grad():
            te.weight.copy_(torch.tensor(w))
        (ce(cr.tensor(idx)) * cr.tensor(g)).sum().backward()
        (te(torch.tensor(idx)) * torch.tensor(g)).sum().backward()
        np.testing.assert_allclose(ce.weight.grad.numpy(), te.weight.grad.numpy(),
                                   rtol=1e-12, atol=1e-12)
    wt = cr.tensor(w, requires_grad=True)
    assert cr.autograd.gradcheck(lambda t: cr.nn.functional.embedding(cr.tensor(idx), t),
                                 [wt])
