"""RBMs and DBNs: the CD gradient against the exact log-likelihood gradient of a tiny RBM
(all 2^10 joint states enumerated), shapes and dtypes, training on the digits, DBN
unrolling, and the --quick reproductions (slow)."""
import itertools
import math

import numpy as np
import pytest

import chainrule
from chainrule.models import DBN, RBM


def _states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))


def _tiny_rbm(seed=0, visible="bernoulli"):
    """6 visible, 4 hidden, float64; weights strong enough that CD-1 is visibly biased."""
    rbm = RBM(6, 4, visible=visible, dtype=chainrule.float64)
    g = np.random.default_rng(seed)
    W, c, b = rbm._arrays()
    W[...] = g.normal(0, 1.2, W.shape)
    c[...] = g.normal(0, 0.5, c.shape)
    b[...] = g.normal(0, 0.5, b.shape)
    return rbm


def _tiny_data(seed=1, n=40):
    g = np.random.default_rng(seed)
    # two noisy prototypes: a data distribution unlike the model's
    proto = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 1, 1]], dtype=np.float64)
    X = proto[g.integers(0, 2, n)]
    flip = g.random(X.shape) < 0.1
    return np.where(flip, 1 - X, X)


def _exact_gradient(rbm, X):
    """d mean log p(X) / d(W, c, b) by autograd through log p(v) = -F(v) - log Z, with log Z
    a logsumexp over all 2^6 visible states (free energies sum the hidden ones out)."""
    for p in rbm.parameters():
        p.grad = None
    allv = chainrule.from_numpy(_states(rbm.n_visible))
    log_z = chainrule.logsumexp(-rbm.free_energy(allv), dim=0)
    loglik = -rbm.free_energy(chainrule.from_numpy(X)).mean() - log_z
    loglik.backward()
    return (rbm.weight.grad.numpy(), rbm.h_bias.grad.numpy(), rbm.v_bias.grad.numpy()), \
        float(loglik)


def test_partition_function_by_enumerating_all_joint_states():
    rbm = _tiny_rbm()
    V, H = _states(6), _states(4)
    vv = np.repeat(V, len(H), axis=0)            # all 2^10 (v, h) pairs
    hh = np.tile(H, (len(V), 1))
    assert vv.shape == (1024, 6)
    with chainrule.no_grad():
        e = rbm.energy(chainrule.from_numpy(vv), chainrule.from_numpy(hh)).numpy()
        fe = rbm.free_energy(chainrule.from_numpy(V)).numpy()
    log_z_joint = float(np.log(np.exp(-e).sum()))
    np.testing.assert_allclose(log_z_joint, np.log(np.exp(-fe).sum()), rtol=1e-10)
    np.testing.assert_allclose(log_z_joint, rbm.log_partition(), rtol=1e-10)
    # F(v) = -log sum_h exp(-E(v, h)), row by row
    np.testing.assert_allclose(fe, -np.log(np.exp(-e.reshape(64, 16)).sum(1)), rtol=1e-10)


def test_exact_gradient_is_positive_minus_negative_statistics():
    rbm = _tiny_rbm()
    X = _tiny_data()
    (gW, gc, gb), loglik = _exact_gradient(rbm, X)
    np.testing.assert_allclose(loglik, rbm.log_likelihood(X), rtol=1e-10)
    # the same gradient from the statistics, with the model's expectation by enumeration
    W, c, b = rbm._arrays()
    V = _states(6)
    pv = np.exp(-rbm._free_energy(V) - rbm.log_partition())
    np.testing.assert_allclose(pv.sum(), 1.0, rtol=1e-10)
    ph_data, ph_model = rbm.transform(X), rbm.transform(V)
    pos = ph_data.T @ X / len(X)
    neg = (ph_model * pv[:, None]).T @ V
    np.testing.assert_allclose(gW, pos - neg, atol=1e-10)
    np.testing.assert_allclose(gc, ph_data.mean(0) - pv @ ph_model, atol=1e-10)
    np.testing.assert_allclose(gb, X.mean(0) - pv @ V, atol=1e-10)
    assert np.abs(gW).max() > 0.05   # a real gradient, not ~0


@pytest.mark.parametrize("persistent", [False, True])
def test_cd_gradient_matches_exact_gradient_within_sampling_error(persistent):
    rbm = _tiny_rbm()
    X = _tiny_data()
    (gW, gc, gb), _ = _exact_gradient(rbm, X)
    chains = 20000
    Xrep = np.repeat(X, chains // len(X), axis=0)
    gen = chainrule.Generator().manual_seed(0)
    if persistent:   # PCD: keep the chains between calls; average after a burn-in
        for _ in range(5):
            rbm.cd_statistics(Xrep, k=10, persistent=True, generator=gen)
        est = [rbm.cd_statistics(Xrep, k=2, persistent=True, generator=gen) for _ in range(5)]
        dW, dc, db = (np.mean(a, axis=0) for a in zip(*est))
    else:            # CD-k from the data with k long enough for this small chain to mix
        dW, dc, db = rbm.cd_statistics(Xrep, k=50, generator=gen)
    # each statistic averages terms in [0, 1]: standard error <= 0.5 / sqrt(chains)
    tol = 5 * 0.5 / math.sqrt(chains)
    np.testing.assert_allclose(dW, gW, atol=tol)
    np.testing.assert_allclose(dc, gc, atol=tol)
    np.testing.assert_allclose(db, gb, atol=tol)


def test_cd1_is_biased_and_the_test_above_can_fail():
    """CD-1 on this RBM differs from the exact gradient by more than the tolerance: the
    comparison above discriminates."""
    rbm = _tiny_rbm()
    X = _tiny_data()
    (gW, _, _), _ = _exact_gradient(rbm, X)
    dW, _, _ = rbm.cd_statistics(np.repeat(X, 500, axis=0), k=1,
                                 generator=chainrule.Generator().manual_seed(0))
    assert np.abs(dW - gW).max() > 5 * 0.5 / math.sqrt(20000)


def test_free_energy_autograd_gives_the_cd_statistics():
    """d/dW [mean F(v_k) - mean F(v_0)] = <p(h|v0) v0^T> - <p(h|vk) vk^T>: the CD update is
    the gradient of a free-energy difference, and chainrule's autograd finds it."""
    rbm = _tiny_rbm()
    X = _tiny_data()
    _, vk = rbm.gibbs(X, steps=1, generator=chainrule.Generator().manual_seed(3))
    ph0, phk = rbm.transform(X), rbm.transform(vk)
    loss = rbm.free_energy(vk).mean() - rbm.free_energy(X).mean()
    loss.backward()
    vk = vk.numpy()
    np.testing.assert_allclose(rbm.weight.grad.numpy(), (ph0.T @ X - phk.T @ vk) / len(X),
                               atol=1e-12)
    np.testing.assert_allclose(rbm.v_bias.grad.numpy(), (X - vk).mean(0), atol=1e-12)


def test_partial_fit_applies_lr_times_the_statistics():
    X = _tiny_data()
    a, b = _tiny_rbm(), _tiny_rbm()
    a.lr = 0.1
    a.generator = chainrule.Generator().manual_seed(5)
    W0 = a._arrays()[0].copy()
    a.partial_fit(X)
    dW, _, _ = b.cd_statistics(X, generator=chainrule.Generator().manual_seed(5))
    np.testing.assert_allclose(a._arrays()[0] - W0, 0.1 * dW, atol=1e-12)
    assert a.n_updates == 1


def test_momentum_weight_decay_and_sparsity_move_the_update():
    X = _tiny_data()
    base = _tiny_rbm()
    W0 = base._arrays()[0].copy()
    base.lr, base.weight_decay = 0.1, 0.5
    base.generator = chainrule.Generator().manual_seed(5)
    base.partial_fit(X)
    ref = _tiny_rbm()
    dW, _, _ = ref.cd_statistics(X, generator=chainrule.Generator().manual_seed(5))
    np.testing.assert_allclose(base._arrays()[0] - W0, 0.1 * (dW - 0.5 * W0), atol=1e-12)
    sparse = RBM(64, 20, sparsity_target=0.05, sparsity_cost=1.0, lr=0.05, batch_size=20,
                 epochs=5, momentum=0.5)
    X = chainrule.datasets.load_digits(scale=True)[0].numpy()
    sparse.fit(X)
    dense = RBM(64, 20, lr=0.05, batch_size=20, epochs=5, momentum=0.5).fit(X)
    assert sparse.transform(X).mean() < 0.5 * dense.transform(X).mean()


def test_shapes_and_dtypes():
    rbm = RBM(6, 4)
    v = chainrule.from_numpy((np.random.default_rng(0).random((5, 6)) < 0.5)
                             .astype(np.float32))
    assert rbm.weight.shape == (4, 6) and rbm.weight.dtype == chainrule.float32
    fe = rbm.free_energy(v)
    assert fe.shape == (5,) and fe.dtype == chainrule.float32
    assert rbm(v).shape == (5, 4)
    p, h = rbm.sample_h(v)
    assert p.shape == h.shape == (5, 4) and h.dtype == chainrule.float32
    assert set(np.unique(h.numpy())) <= {0.0, 1.0}
    assert ((p.numpy() > 0) & (p.numpy() < 1)).all()
    m, s = rbm.sample_v(h)
    assert m.shape == s.shape == (5, 6) and s.dtype == chainrule.float32
    assert set(np.unique(s.numpy())) <= {0.0, 1.0}
    assert rbm.energy(v, h).shape == (5,)
    m, s = rbm.sample(3, steps=2)
    assert s.shape == (3, 6)
    assert rbm.transform(v).shape == (5, 4) and isinstance(rbm.transform(v), np.ndarray)
    sc = rbm.score_samples(v)
    assert sc.shape == (5,) and (sc < 0).all()
    g = RBM(6, 4, visible="gaussian", dtype=chainrule.float64)
    m, s = g.sample_v(np.ones((2, 4)))
    assert s.dtype == chainrule.float64 and len(np.unique(s.numpy())) == 12
    assert g.free_energy(np.zeros((2, 6))).dtype == chainrule.float64
    with pytest.raises(ValueError, match="score_samples"):
        g.score_samples(np.zeros((2, 6)))


def test_gaussian_partition_function_by_numerical_integration():
    rbm = RBM(1, 2, visible="gaussian", dtype=chainrule.float64)
    W, c, b = rbm._arrays()
    W[...] = [[0.8], [-0.5]]
    c[...] = [0.3, -0.2]
    b[...] = [0.4]
    grid = np.linspace(-12, 12, 24001)[:, None]
    with chainrule.no_grad():
        fe = rbm.free_energy(grid).numpy()
    z = np.exp(-fe).sum() * (grid[1, 0] - grid[0, 0])
    np.testing.assert_allclose(np.log(z), rbm.log_partition(), rtol=1e-8)


def test_bad_inputs_name_the_method_and_shapes():
    rbm = RBM(6, 4)
    with pytest.raises(ValueError, match=r"RBM.fit: expected inputs of shape \(n, 6\)"):
        rbm.fit(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="RBM.sample_v"):
        rbm.sample_v(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="visible"):
        RBM(6, 4, visible="poisson")
    with pytest.raises(RuntimeError, match="dtype"):
        rbm.free_energy(chainrule.zeros(2, 6, dtype=chainrule.float64))
    with pytest.raises(ValueError, match="too many"):
        RBM(3, 21).log_partition()


def test_reconstruction_error_falls_on_the_digits():
    chainrule.manual_seed(0)
    X = chainrule.datasets.load_digits(scale=True)[0].numpy()
    rbm = RBM(64, 100, lr=0.06, batch_size=10, epochs=6)
    before = rbm.reconstruction_error(X)
    pl_before = rbm.pseudo_likelihood(X)
    rbm.fit(X)
    errs = [h["reconstruction_error"] for h in rbm.history]
    assert errs[-1] < 0.5 * before
    assert errs[-1] < errs[0]
    assert rbm.pseudo_likelihood(X) > pl_before + 5


def test_gaussian_rbm_trains_on_standardised_digits():
    chainrule.manual_seed(0)
    X = chainrule.datasets.load_digits()[0].numpy()
    X = (X - X.mean(0)) / (X.std(0) + 1e-6)
    rbm = RBM(64, 50, visible="gaussian", lr=0.01, batch_size=20, epochs=5)
    before = rbm.reconstruction_error(X)
    rbm.fit(X)
    assert rbm.history[-1]["reconstruction_error"] < 0.8 * before


def test_dbn_unrolling_equals_the_mean_field_up_pass():
    chainrule.manual_seed(0)
    X = chainrule.datasets.load_digits(scale=True)[0].numpy()[:300]
    dbn = DBN([64, 40, 30, 20], batch_size=20)
    dbn.pretrain(X, epochs=2)
    net = dbn.to_sequential(n_classes=10)
    assert len(net) == 7
    x = chainrule.from_numpy(X.astype(np.float32))
    with chainrule.no_grad():
        acts = [net[:2 * (i + 1)](x).numpy() for i in range(3)]
        logits = net(x)
    for a, ref in zip(acts, dbn.up_pass(X)):
        np.testing.assert_allclose(a, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dbn(x).detach().numpy(), dbn.transform(X), rtol=1e-5, atol=1e-6)
    assert logits.shape == (300, 10)
    # copies: fine-tuning the net leaves the RBMs alone
    W = dbn.rbms[0]._arrays()[0].copy()
    with chainrule.no_grad():
        net[0].weight.add_(1.0)
    np.testing.assert_array_equal(dbn.rbms[0]._arrays()[0], W)


def test_pretrained_dbn_fine_tunes_into_a_digit_classifier():
    """Greedy pretraining, unrolling, then backprop trains a 64-100-10 net on the digits."""
    chainrule.manual_seed(0)
    X, y = chainrule.datasets.load_digits(scale=True)
    X, y = X.numpy(), y.numpy()
    dbn = DBN([64, 100], batch_size=10, lr=0.05)
    dbn.pretrain(X[:1400], epochs=5)
    net = dbn.to_sequential(n_classes=10)
    opt = chainrule.optim.SGD(net.parameters(), lr=0.5, momentum=0.9)
    Xt, yt = chainrule.from_numpy(X[:1400]), chainrule.from_numpy(y[:1400])
    for _ in range(3):
        for i in range(0, 1400, 50):
            opt.zero_grad()
            loss = chainrule.nn.functional.cross_entropy(net(Xt[i:i + 50]), yt[i:i + 50])
            loss.backward()
            opt.step()
    with chainrule.no_grad():
        acc = (net(chainrule.from_numpy(X[1400:])).numpy().argmax(1) == y[1400:]).mean()
    assert acc > 0.8


# --- the reproductions ---------------------------------------------------------------
def test_cli_registers_the_papers_and_names_a_missing_data_folder(tmp_path, capsys):
    from chainrule.cli import main
    for paper in ("hinton2006", "ioffe2015"):
        with pytest.raises(SystemExit):
            main(["reproduce", paper, "--help"])
        assert "--quick" in capsys.readouterr().out
        rc = main(["reproduce", paper, "--quick", "--data", str(tmp_path / "nowhere")])
        assert rc == 2
        assert "nowhere" in capsys.readouterr().err


def test_hinton2006_nets_and_learning_rate_schedule():
    from chainrule.papers import hinton2006 as H
    for name in ("sigmoid", "relu_dropout", "batchnorm"):
        net = H.build(name)
        out = net(chainrule.zeros(3, 784))
        assert out.shape == (3, 10)
    sizes = [m.out_features for m in H.build("sigmoid") if hasattr(m, "out_features")]
    assert sizes == [500, 500, 2000, 10]
    lrs = [H.lr_at(s, 1000, 0.1) for s in range(1000)]
    assert lrs[0] < 0.01 and max(lrs) == pytest.approx(0.1) and lrs[-1] < 1e-4


@pytest.mark.slow
def test_reproduce_hinton2006_quick(mnist_dir, tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule.papers import hinton2006 as H
    res = H.run_hinton2006(data=str(mnist_dir), quick=True, out=str(tmp_path),
                           log=lambda m: None)
    rows = {r["name"]: r for r in res["rows"]}
    assert set(rows) == set(H.RUNS)
    for r in rows.values():
        assert len(r["test_errors"]) == H.SIZES_BY_MODE["quick"]["epochs"]
        assert 0 <= r["measured"] <= 100
    # pretraining, dropout+ReLU and batch norm each train the deep net in a few epochs
    for name in ("dbn", "relu_dropout", "batchnorm"):
        assert rows[name]["measured"] < 25, rows[name]
    text = H.format_table(res)
    assert "1.25%" in text and "Settings" in text
    assert (tmp_path / "hinton2006_test_error.png").stat().st_size > 1000
    assert (tmp_path / "hinton2006.json").exists()


@pytest.mark.slow
def test_reproduce_ioffe2015_quick(mnist_dir, tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule.papers import ioffe2015 as I
    res = I.run_ioffe2015(data=str(mnist_dir), quick=True, out=str(tmp_path),
                          log=lambda m: None)
    plain, bn = res["rows"]
    assert not plain["batchnorm"] and bn["batchnorm"]
    assert plain["steps"][-1] == bn["steps"][-1] == I.MODES["quick"]["steps"]
    assert len(plain["percentiles"][0]) == 3
    assert bn["final_accuracy"] > 0.9 and plain["final_accuracy"] > 0.9
    # BN keeps the sigmoid's input centred where it started; without BN the median drifts
    drift = res["summary"]["median_drift"]
    assert abs(drift[bn["name"]]) < abs(drift[plain["name"]])
    assert "percentiles" in I.format_table(res)
    assert (tmp_path / "ioffe2015_figure1.png").stat().st_size > 1000


@pytest.mark.slow
def test_report_section_draws_the_rbm_figures(tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule.papers import hinton2006 as H
    rbm, Xte, source, _, _ = H._report_rbm(quick=True)
    figs = H.rbm_figures(rbm, Xte, str(tmp_path), "rbm", source, steps=(1, 10))
    assert len(figs) == 3
    for f in figs:
        with open(f, "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n", f
