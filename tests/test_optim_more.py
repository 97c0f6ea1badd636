"""LBFGS (with and without strong Wolfe), Rprop, ASGD, SparseAdam: PyTorch's update rules,
followed over 100 steps against torch (float32 and float64)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.optim as optim

torch = pytest.importorskip("torch")


def _pair(shapes=((4, 3), (3,)), dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    return ([nn.Parameter(cr.tensor(a.copy())) for a in init],
            [torch.nn.Parameter(torch.tensor(a.copy())) for a in init], rng)


def _assert_same(ps, ts, dtype):
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5, atol=2e-6)
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p.detach().numpy(), t.detach().numpy(), **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", [
    ("Rprop", {}), ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(maximize=True)),
    ("ASGD", {}), ("ASGD", dict(lr=0.05, lambd=1e-3, alpha=0.5, t0=20, weight_decay=0.01)),
    ("ASGD", dict(lr=0.1, t0=0, maximize=True)),
])
def test_100_steps_match_torch(name, kw, dtype):
    ps, ts, rng = _pair(dtype=dtype)
    o1, o2 = getattr(optim, name)(ps, **kw), getattr(torch.optim, name)(ts, **kw)
    for _ in range(100):
        for p, t in zip(ps, ts):
            g = rng.standard_normal(p.shape).astype(dtype)
            p.grad, t.grad = cr.tensor(g), torch.tensor(g)
        o1.step()
        o2.step()
    _assert_same(ps, ts, dtype)
    if name == "ASGD":  # the running average too
        for p, t in zip(ps, ts):
            np.testing.assert_allclose(o1.state[p]["ax"].numpy(), o2.state[t]["ax"].numpy(),
                                       rtol=1e-5 if dtype == np.float32 else 1e-10)


def _rosenbrock(lib, w):
    return (lib.tensor(1.0, dtype=w.dtype) - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2


def _convex(lib, w):
    c = lib.tensor([1.0, 2.0, 0.5, 3.0, 1.5], dtype=w.dtype)
    return (c * (w - 1) ** 2).sum() + 0.1 * (w ** 4).sum()


def _run_lbfgs(f, start, steps, **kw):
    w1 = nn.Parameter(cr.tensor(np.array(start, dtype=np.float64)))
    w2 = torch.nn.Parameter(torch.tensor(np.array(start, dtype=np.float64)))
    o1, o2 = optim.LBFGS([w1], **kw), torch.optim.LBFGS([w2], **kw)

    def closure(opt, lib, w):
        def run():
            opt.zero_grad()
            loss = f(lib, w)
            loss.backward()
            return loss
        return run
    losses = [[], []]
    for _ in range(steps):
        losses[0].append(float(o1.step(closure(o1, cr, w1))))
        losses[1].append(o2.step(closure(o2, torch, w2)).item())
    return w1, w2, o1, o2, losses


@pytest.mark.parametrize("line_search", [None, "strong_wolfe"])
@pytest.mark.parametrize("kw", [{}, dict(history_size=3, max_iter=5, lr=0.5),
                                dict(max_iter=1, lr=0.3)])
def test_lbfgs_follows_torch_iterate_for_iterate(line_search, kw):
    w1, w2, o1, o2, (l1, l2) = _run_lbfgs(_convex, [-1.5, 2.0, 0.3, -0.7, 4.0], 8,
                                          line_search_fn=line_search, **kw)
    np.testing.assert_allclose(l1, l2, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(w1.detach().numpy(), w2.detach().numpy(), rtol=1e-10,
                               atol=1e-13)
    for key in ("func_evals", "n_iter"):
        assert o1.state[w1][key] == o2.state[w2][key]
    np.testing.assert_allclose(o1.state[w1]["d"], o2.state[w2]["d"].numpy(), rtol=1e-8,
                               atol=1e-12)


def test_lbfgs_strong_wolfe_solves_rosenbrock_like_torch():
    # Rosenbrock's valley amplifies rounding, so compare the outcome, not every digit.
    w1, w2, o1, o2, (l1, l2) = _run_lbfgs(_rosenbrock, [-1.5, 2.0], 3,
                                          line_search_fn="strong_wolfe")
    np.testing.assert_allclose(l1[:2], l2[:2], rtol=1e-9)
    np.testing.assert_allclose(w2.detach().numpy(), [1.0, 1.0], atol=1e-4)
    np.testing.assert_allclose(w1.detach().numpy(), w2.detach().numpy(), atol=1e-6)


def test_lbfgs_trains_a_model_like_torch_float32():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((32, 4)).astype(np.float32)
    y = (X @ rng.standard_normal((4, 1)) + 0.1).astype(np.float32)
    cr.manual_seed(0)
    m1 = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    m2 = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    with torch.no_grad():
        for p1, p2 in zip(m1.parameters(), m2.parameters()):
            p2.copy_(torch.tensor(p1.detach().numpy()))
    o1 = optim.LBFGS(m1.parameters(), line_search_fn="strong_wolfe", max_iter=10)
    o2 = torch.optim.LBFGS(m2.parameters(), line_search_fn="strong_wolfe", max_iter=10)
    for _ in range(3):
        def c1():
            o1.zero_grad()
            loss = ((m1(cr.tensor(X)) - cr.tensor(y)) ** 2).mean()
            loss.backward()
            return loss

        def c2():
            o2.zero_grad()
            loss = ((m2(torch.tensor(X)) - torch.tensor(y)) ** 2).mean()
            loss.backward()
            return loss
        l1, l2 = float(o1.step(c1)), o2.step(c2).item()
        assert l1 == pytest.approx(l2, rel=1e-3)
    assert float(c1()) < 0.5 * float(((m1(cr.tensor(X)) * 0 - cr.tensor(y)) ** 2).mean())


def test_lbfgs_errors():
    w = nn.Parameter(cr.zeros(2))
    with pytest.raises(ValueError, match="parameter groups"):
        optim.LBFGS([{"params": [w]}, {"params": [nn.Parameter(cr.zeros(1))]}])
    with pytest.raises(ValueError, match="strong_wolfe"):
        optim.LBFGS([w], line_search_fn="armijo")
    with pytest.raises(RuntimeError, match="closure"):
        optim.LBFGS([w]).step()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_adam_matches_torch_on_embedding_rows(dtype):
    rng = np.random.default_rng(0)
    table = rng.standard_normal((10, 3)).astype(dtype)
    e1 = nn.Embedding.from_pretrained(cr.tensor(table.copy()), freeze=False, sparse=True)
    e2 = torch.nn.Embedding.from_pretrained(torch.tensor(table.copy()), freeze=False,
                                            sparse=True)
    o1 = optim.SparseAdam(list(e1.parameters()), lr=0.05)
    o2 = torch.optim.SparseAdam(list(e2.parameters()), lr=0.05)
    for _ in range(100):
        idx = rng.integers(0, 10, size=4)
        w = rng.standard_normal((4, 3)).astype(dtype)
        for e, o, lib in ((e1, o1, cr), (e2, o2, torch)):
            o.zero_grad()
            (e(lib.tensor(idx)) * lib.tensor(w)).sum().backward()
            o.step()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(e1.weight.detach().numpy(), e2.weight.detach().numpy(), **tol)


def test_sparse_adam_leaves_untouched_rows_alone():
    w = nn.Parameter(cr.ones(4, 2))
    opt = optim.SparseAdam([w], lr=0.1)
    w.grad = cr.tensor([[0.0, 0.0], [1.0, -1.0], [0.0, 0.0], [0.0, 2.0]])
    opt.step()
    out = w.detach().numpy()
    np.testing.assert_array_equal(out[[0, 2]], 1.0)
    np.testing.assert_allclose(out[1], [0.9, 1.1], rtol=1e-5)
    assert opt.state[w]["exp_avg"].numpy()[0].tolist() == [0.0, 0.0]
