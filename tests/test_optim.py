"""Optimizers: hand-computed first steps, 100-step sequences against torch (every option
combination, float32 and float64), state_dict round trips, param groups, errors."""
import copy
import itertools

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.optim as optim

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


def _param(values, dtype=np.float32):
    return nn.Parameter(cr.tensor(np.asarray(values, dtype)))


# --- hand-computed steps ----------------------------------------------------------------
def test_sgd_hand_steps():
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = cr.tensor([1.0, 1.0])
    opt.step()                       # buf = g; p -= 0.1 g
    np.testing.assert_allclose(p._data, [0.9, -2.1], rtol=1e-6)
    p.grad = cr.tensor([1.0, 1.0])
    opt.step()                       # buf = 0.9 + 1 = 1.9; p -= 0.19
    np.testing.assert_allclose(p._data, [0.71, -2.29], rtol=1e-6)


def test_adam_first_step_is_lr_times_sign():
    p = _param([1.0, -2.0, 3.0])
    opt = optim.Adam([p], lr=0.01)
    p.grad = cr.tensor([0.5, -3.0, 1e-3])
    opt.step()
    # m_hat = g, v_hat = g^2: the step is lr * g / (|g| + eps) ~ lr * sign(g)
    np.testing.assert_allclose(p._data, [0.99, -1.99, 2.99], rtol=1e-5)
    assert opt.state[p]["step"] == 1


def test_adagrad_and_rmsprop_first_step():
    p = _param([1.0])
    opt = optim.Adagrad([p], lr=0.1)
    p.grad = cr.tensor([2.0])
    opt.step()                       # s = 4; p -= 0.1 * 2 / 2
    np.testing.assert_allclose(p._data, [0.9], rtol=1e-6)
    q = _param([1.0])
    opt = optim.RMSprop([q], lr=0.1, alpha=0.5)
    q.grad = cr.tensor([2.0])
    opt.step()                       # v = 0.5 * 4 = 2; q -= 0.1 * 2 / sqrt(2)
    np.testing.assert_allclose(q._data, [1 - 0.2 / np.sqrt(2)], rtol=1e-6)


def test_updates_are_in_place_without_graph_or_upcast():
    p = _param(np.ones(3))
    arr = p._data
    for opt in (optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1),
                optim.Adam([p], amsgrad=True, weight_decay=0.1), optim.AdamW([p]),
                optim.RMSprop([p], centered=True, momentum=0.5), optim.Adagrad([p]),
                optim.Adamax([p]), optim.NAdam([p]), optim.RAdam([p]), optim.Adadelta([p])):
        p.grad = cr.tensor([1.0, 2.0, 3.0])
        v = p._version[0]
        opt.step()
        assert p._data is arr and p._data.dtype == np.float32
        assert p.grad_fn is None and p._version[0] > v
        assert p.grad.tolist() == [1.0, 2.0, 3.0]   # the gradient itself is untouched
        for st in opt.state[p].values():
            if isinstance(st, cr.Tensor):
                assert st.dtype == cr.float32 and not st.requires_grad


# --- torch parity -----------------------------------------------------------------------
def _combos(**options):
    keys = list(options)
    for values in itertools.product(*options.values()):
        yield dict(zip(keys, values))


CASES = (
    [("SGD", kw) for kw in _combos(lr=[0.05], momentum=[0.0, 0.9], dampening=[0.0, 0.3],
                                   weight_decay=[0.0, 0.01], nesterov=[False, True],
                                   maximize=[False, True])
     if not (kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0))]
    + [("Adam", kw) for kw in _combos(lr=[1e-2], betas=[(0.9, 0.999), (0.5, 0.9)],
                                      weight_decay=[0.0, 0.05], amsgrad=[False, True],
                                      maximize=[False, True])]
    + [("AdamW", kw) for kw in _combos(lr=[1e-2], weight_decay=[0.0, 0.1],
                                       amsgrad=[False, True], maximize=[False, True])]
    + [("RMSprop", kw) for kw in _combos(lr=[1e-2], alpha=[0.99, 0.3], momentum=[0.0, 0.8],
                                         centered=[False, True], weight_decay=[0.0, 0.05],
                                         maximize=[False, True])]
    + [("Adagrad", kw) for kw in _combos(lr=[0.1], lr_decay=[0.0, 0.01],
                                         weight_decay=[0.0, 0.05],
                                         initial_accumulator_value=[0.0, 0.5],
                                         maximize=[False, True])]
    + [("Adamax", kw) for kw in _combos(lr=[1e-2], weight_decay=[0.0, 0.05],
                                        maximize=[False, True])]
    + [("NAdam", kw) for kw in _combos(lr=[1e-2], weight_decay=[0.0, 0.05],
                                       decoupled_weight_decay=[False, True],
                                       momentum_decay=[4e-3, 0.05])]
    + [("RAdam", kw) for kw in _combos(lr=[1e-2], weight_decay=[0.0, 0.05],
                                       decoupled_weight_decay=[False, True],
                                       maximize=[False, True])]
    + [("Adadelta", kw) for kw in _combos(lr=[1.0, 0.5], rho=[0.9, 0.5],
                                          weight_decay=[0.0, 0.05], maximize=[False, True])]
)


def _run_pair(name, kw, dtype, steps=100, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,)]
    init = [rng.standard_normal(s).astype(dtype) for s in shapes]
    grads = [[rng.standard_normal(s).astype(dtype) for s in shapes] for _ in range(steps)]
    ps = [nn.Parameter(cr.tensor(a.copy())) for a in init]
    ts = [torch.nn.Parameter(torch.tensor(a.copy())) for a in init]
    o1 = getattr(optim, name)(ps, **kw)
    o2 = getattr(torch.optim, name)(ts, **kw)
    for gs in grads:
        for p, t, g in zip(ps, ts, gs):
            p.grad = cr.tensor(g)
            t.grad = torch.tensor(g)
        o1.step()
        o2.step()
    return ps, ts, o1, o2


@needs_torch
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_100_steps_match_torch_float32(name, kw):
    ps, ts, _, _ = _run_pair(name, kw, np.float32)
    for p, t in zip(ps, ts):
        ref = t.detach().numpy()
        np.testing.assert_allclose(p._data, ref, rtol=1e-6, atol=1e-6 * np.abs(ref).max())


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax",
                                  "NAdam", "RAdam", "Adadelta"])
def test_100_steps_match_torch_float64_and_state(name):
    kw = {"SGD": dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
          "Adam": dict(lr=1e-2, amsgrad=True, weight_decay=0.05),
          "AdamW": dict(lr=1e-2, amsgrad=True),
          "RMSprop": dict(lr=1e-2, momentum=0.5, centered=True),
          "Adagrad": dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
          "Adamax": dict(lr=1e-2, weight_decay=0.01), "NAdam": dict(lr=1e-2),
          "RAdam": dict(lr=1e-2, weight_decay=0.01), "Adadelta": dict(rho=0.8)}[name]
    ps, ts, o1, o2 = _run_pair(name, kw, np.float64)
    for p, t in zip(ps, ts):
        np.testing.assert_allclose(p._data, t.detach().numpy(), rtol=1e-12, atol=1e-14)
    s1, s2 = o1.state_dict(), o2.state_dict()
    assert s1["state"].keys() == s2["state"].keys()
    for k in s1["state"]:
        assert set(s1["state"][k]) == set(s2["state"][k])
        for name_, v in s2["state"][k].items():
            mine = s1["state"][k][name_]
            mine = mine.numpy() if isinstance(mine, cr.Tensor) else mine
            np.testing.assert_allclose(mine, v.numpy(), rtol=1e-6 if name_ == "mu_product"
                                       else 1e-12)
    for g1, g2 in zip(s1["param_groups"], s2["param_groups"]):
        assert g1["params"] == g2["params"]
        for key in ("lr", "weight_decay"):
            assert g1[key] == g2[key]


@needs_torch
def test_training_trajectory_matches_torch():
    """Same model, same data, same init: losses of 30 Adam steps agree."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    m1 = nn.Sequential(nn.Linear(5, 16), nn.Tanh(), nn.Linear(16, 3))
    m2 = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    with torch.no_grad():
        for (_, a), (_, b) in zip(m1.named_parameters(), m2.named_parameters()):
            b.copy_(torch.tensor(a._data))
    o1 = optim.Adam(m1.parameters(), lr=0.01)
    o2 = torch.optim.Adam(m2.parameters(), lr=0.01)
    for _ in range(30):
        l1 = nn.functional.cross_entropy(m1(cr.tensor(X)), cr.tensor(y))
        l2 = torch.nn.functional.cross_entropy(m2(torch.tensor(X)), torch.tensor(y))
        o1.zero_grad()
        o2.zero_grad()
        l1.backward()
        l2.backward()
        o1.step()
        o2.step()
        assert l1.item() == pytest.approx(l2.item(), rel=1e-4)


# --- state dict, groups, API ------------------------------------------------------------
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax",
                                  "NAdam", "RAdam", "Adadelta"])
def test_state_dict_round_trip_continues_identically(name):
    kw = dict(lr=0.01)
    if name == "SGD":
        kw["momentum"] = 0.9
    if name == "RMSprop":
        kw.update(momentum=0.5, centered=True)
    rng = np.random.default_rng(1)
    p1 = _param(rng.standard_normal(5))
    o1 = getattr(optim, name)([p1], **kw)
    grads = [rng.standard_normal(5).astype(np.float32) for _ in range(10)]
    for g in grads[:5]:
        p1.grad = cr.tensor(g)
        o1.step()
    sd = o1.state_dict()
    p2 = _param(p1._data.copy())
    o2 = getattr(optim, name)([p2], lr=0.5)   # options come from the state dict
    o2.load_state_dict(copy.deepcopy(sd))
    assert o2.param_groups[0]["lr"] == 0.01
    for g in grads[5:]:
        p1.grad = cr.tensor(g)
        p2.grad = cr.tensor(g)
        o1.step()
        o2.step()
    np.testing.assert_array_equal(p1._data, p2._data)
    # loading copies: o2's state does not alias o1's
    st1, st2 = o1.state[p1], o2.state[p2]
    for k, v in st1.items():
        if isinstance(v, cr.Tensor):
            assert v._data is not st2[k]._data


def test_state_dict_structure_is_torch_like():
    a, b, c = _param([1.0]), _param([2.0]), _param([3.0])
    opt = optim.SGD([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    for p in (a, c):
        p.grad = cr.tensor([1.0])
    opt.step()
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["lr"] == 0.1
    assert set(sd["state"]) == {0, 2}           # b never had a gradient
    assert set(sd["state"][0]) == {"momentum_buffer"}
    # string keys (as a checkpoint format may store them) load too
    sd2 = {"state": {str(k): v for k, v in sd["state"].items()},
           "param_groups": sd["param_groups"]}
    opt2 = optim.SGD([{"params": [a, b]}, {"params": [c]}], lr=0.1, momentum=0.9)
    opt2.load_state_dict(sd2)
    assert opt2.state[c]["momentum_buffer"].tolist() == [1.0]


def test_load_state_dict_mismatch_errors():
    opt = optim.Adam([_param([1.0]), _param([2.0])])
    other = optim.Adam([_param([1.0])])
    with pytest.raises(ValueError, match="doesn't match the size"):
        opt.load_state_dict(other.state_dict())
    two = optim.Adam([{"params": [_param([1.0])]}, {"params": [_param([1.0])]}])
    with pytest.raises(ValueError, match="number of parameter groups"):
        opt.load_state_dict(two.state_dict())


def test_zero_grad_and_param_groups():
    p, q = _param([1.0]), _param([2.0])
    opt = optim.SGD([p], lr=0.1)
    opt.add_param_group({"params": q, "lr": 0.01})
    assert opt.param_groups[1]["momentum"] == 0 and opt.param_groups[1]["lr"] == 0.01
    p.grad, q.grad = cr.tensor([1.0]), cr.tensor([1.0])
    opt.step()
    assert p._data[0] == pytest.approx(0.9) and q._data[0] == pytest.approx(1.99)
    opt.zero_grad(set_to_none=False)
    assert p.grad.tolist() == [0.0]
    opt.zero_grad()
    assert p.grad is None and q.grad is None
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="iterable"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="Invalid learning rate"):
        optim.Adam([p], lr=-1)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)


def test_closure_and_skips_params_without_grad():
    p = _param([3.0])
    q = _param([1.0])
    opt = optim.SGD([p, q], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 9.0
    assert p._data[0] == pytest.approx(3.0 - 0.25 * 6)
    assert q._data[0] == 1.0
    assert "optimizer" not in repr(opt).lower() or "SGD" in repr(opt)


def test_named_parameters_accepted():
    m = nn.Linear(2, 2)
    opt = optim.SGD(m.named_parameters(), lr=0.1)
    assert opt.param_groups[0]["param_names"] == ["weight", "bias"]
