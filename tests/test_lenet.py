"""LeNet-5 and the baselines of LeCun et al. (1998); a small CNN learning the 8x8 digits;
`chainrule reproduce lecun1998`."""
import os
import time

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.models import lenet
from chainrule.models.lenet import LeNet5


def test_lenet5_shapes_and_options():
    x28, x32 = cr.randn(3, 1, 28, 28), cr.randn(3, 1, 32, 32)
    for kw in [dict(), dict(activation="relu", pool="max"), dict(pool="subsample"),
               dict(batchnorm=True, activation="relu"), dict(connection_table=True),
               dict(dropout=0.5, activation="plain_tanh")]:
        net = LeNet5(**kw)
        assert tuple(net(x28).shape) == (3, 10), kw
        assert tuple(net(x32).shape) == (3, 10), kw
    feats = LeNet5().features(x28)
    assert {k: tuple(v.shape) for k, v in feats.items()} == {
        "c1": (3, 6, 28, 28), "s2": (3, 6, 14, 14), "c3": (3, 16, 10, 10),
        "s4": (3, 16, 5, 5), "c5": (3, 120, 1, 1), "f6": (3, 84)}
    with pytest.raises(RuntimeError, match="32x32 or 28x28"):
        LeNet5()(cr.randn(2, 1, 20, 20))
    with pytest.raises(ValueError, match="unknown activation"):
        LeNet5(activation="swish")
    with pytest.raises(ValueError, match="unknown pool"):
        LeNet5(pool="median")


def test_lenet5_paper_parameter_counts():
    """The paper's layer sizes: C1 156, S2 12, C3 1,516, S4 32, C5 48,120, F6 10,164
    trainable parameters (C3 through its Table I connection table)."""
    net = LeNet5(pool="subsample", connection_table=True)
    count = {
        "C1": net.c1.weight.numel() + net.c1.bias.numel(),
        "S2": sum(p.numel() for p in net.s2.parameters()),
        "C3": int(net.c3.mask._data.sum()) + net.c3.bias.numel(),
        "S4": sum(p.numel() for p in net.s4.parameters()),
        "C5": net.c5.weight.numel() + net.c5.bias.numel(),
        "F6": net.f6.weight.numel() + net.f6.bias.numel(),
    }
    assert count == {"C1": 156, "S2": 12, "C3": 1516, "S4": 32, "C5": 48120, "F6": 10164}
    assert lenet.C3_TABLE.sum() == 60 and lenet.C3_TABLE[15].all()
    assert (lenet.C3_TABLE[:6].sum(1) == 3).all() and (lenet.C3_TABLE[6:15].sum(1) == 4).all()


def test_connection_table_blocks_gradients():
    net = LeNet5(connection_table=True)
    F.cross_entropy(net(cr.randn(4, 1, 28, 28)), cr.tensor([1, 2, 3, 4])).backward()
    g = net.c3.weight.grad._data
    off = ~lenet.C3_TABLE
    assert np.all(g[off] == 0) and np.any(g[~off] != 0)


def test_scaled_tanh_and_subsampling():
    st = lenet.ScaledTanh()
    y = st(cr.tensor([-1.0, 0.0, 1.0]))
    np.testing.assert_allclose(y._data, [-1.0, 0.0, 1.0], atol=2e-4)  # f(+-1) = +-1
    sub = lenet.Subsampling(2)
    x = cr.tensor(np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4))
    with cr.no_grad():
        sub.weight.fill_(2.0)
        sub.bias.fill_(1.0)
    np.testing.assert_allclose(sub(x)._data, 2 * F.avg_pool2d(x, 2)._data + 1)


def test_baseline_models():
    x = cr.randn(5, 1, 28, 28)
    for build, n in [(lenet.linear_classifier, 7850), (lenet.mlp_300, 238510),
                     (lenet.mlp_300_100, 266610)]:
        m = build()
        assert tuple(m(x).shape) == (5, 10)
        assert sum(p.numel() for p in m.parameters()) == n


def test_small_cnn_learns_digits(one_blas_thread):
    """A two-conv CNN reaches >= 97% test accuracy on the 8x8 digits within a minute."""
    from chainrule.datasets import load_digits, train_test_split
    t0 = time.perf_counter()
    cr.manual_seed(0)
    X, y = load_digits(flatten=False, scale=True)
    X = X.unsqueeze(1)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0)
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Flatten(),
                        nn.Linear(32 * 4 * 4, 10))
    opt = cr.optim.Adam(net.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)
    n = Xtr.shape[0]
    for _ in range(15):
        perm = rng.permutation(n)
        for i in range(0, n, 64):
            idx = cr.tensor(perm[i:i + 64])
            opt.zero_grad()
            F.cross_entropy(net(Xtr[idx]), ytr[idx]).backward()
            opt.step()
    net.eval()
    with cr.no_grad():
        acc = float((net(Xte).argmax(1) == yte).float().mean())
    elapsed = time.perf_counter() - t0
    assert acc >= 0.97, f"test accuracy {acc:.3f}"
    assert elapsed < 60, f"took {elapsed:.0f} s"


def test_reproduce_table_format():
    from chainrule import reproduce
    res = dict(quick=False, batch=128, train_size=60000, test_size=10000, total_seconds=300.0,
               threads=1, rows=[dict(model="linear", title="linear", paper=12.0, measured=7.5,
                                     epochs=10, params=7850, seconds=12.0),
                                dict(model="lenet5", title="LeNet-5", paper=0.95, measured=0.9,
                                     epochs=15, params=61706, seconds=280.0)])
    text = reproduce.format_table(res)
    assert "12.00%" in text and "0.95%" in text and "0.90%" in text
    assert "LeNet-5: target <= 1.0% test error met" in text
    assert "no distortions" in text and "Adam" in text


def test_reproduce_missing_data_is_a_clear_error(tmp_path, capsys):
    from chainrule.cli import main
    rc = main(["reproduce", "lecun1998", "--quick", "--data", str(tmp_path / "nowhere")])
    assert rc == 2
    assert "MNIST folder not found" in capsys.readouterr().err


@pytest.mark.slow
def test_reproduce_quick_runs_end_to_end(mnist_dir, tmp_path, capsys):
    from chainrule.cli import main
    rc = main(["reproduce", "lecun1998", "--quick", "--data", str(mnist_dir), "--no-progress",
               "--threads", "1", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "LeNet-5" in out and "0.95%" in out and "--quick" in out
    assert (tmp_path / "lecun1998.json").exists()
    assert (tmp_path / "lenet5_c1_filters.png").exists()


@pytest.mark.slow
def test_report_sections_make_figures(tmp_path):
    pytest.importorskip("matplotlib")
    from chainrule import reproduce
    sections = reproduce.report_sections(str(tmp_path), quick=True)
    assert len(sections) == 1
    title, html, figs = sections[0]
    assert "LeNet-5" in title and "test error" in html
    assert len(figs) == 2 and all(os.path.exists(f) for f in figs)
