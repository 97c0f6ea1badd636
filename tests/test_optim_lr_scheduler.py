"""Learning-rate schedulers: lr sequences against torch (exact floats), hand values,
state_dict round trips."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.optim as optim
from chainrule.optim import lr_scheduler as LS

try:
    import torch
    from torch.optim import lr_scheduler as TLS
except ImportError:  # pragma: no cover
    torch = None


def _opt(lib, name="SGD", lr=0.1, groups=1, **kw):
    if lib is cr:
        ps = [nn.Parameter(cr.zeros(2)) for _ in range(groups)]
        O = getattr(optim, name)
    else:
        ps = [torch.nn.Parameter(torch.zeros(2)) for _ in range(groups)]
        O = getattr(torch.optim, name)
    return O([{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], lr=lr, **kw)


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5), {}),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3), {}),
    ("ExponentialLR", dict(gamma=0.9), {}),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.001), {}),
    ("LinearLR", dict(start_factor=0.25, end_factor=1.0, total_iters=6), {}),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=4), {}),
    ("ConstantLR", dict(factor=0.5, total_iters=4), {}),
    ("PolynomialLR", dict(total_iters=8, power=2.0), {}),
    ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2, eta_min=0.01), {}),
    ("CosineAnnealingWarmRestarts", dict(T_0=5), {}),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=25), {"momentum": 0.9}),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=20, anneal_strategy="linear",
                        three_phase=True), {"momentum": 0.9}),
    ("OneCycleLR", dict(max_lr=0.01, epochs=2, steps_per_epoch=10), {"optimizer": "Adam"}),
]


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("name,kw,okw", SCHEDULERS,
                         ids=[f"{s[0]}-{i}" for i, s in enumerate(SCHEDULERS)])
def test_lr_sequence_matches_torch(name, kw, okw):
    okw = dict(okw)
    oname = okw.pop("optimizer", "SGD")
    o1, o2 = _opt(cr, oname, groups=2, **okw), _opt(torch, oname, groups=2, **okw)
    s1, s2 = getattr(LS, name)(o1, **kw), getattr(TLS, name)(o2, **kw)
    steps = kw.get("total_steps", kw.get("epochs", 0) * kw.get("steps_per_epoch", 0)) or 30
    for _ in range(steps - 1 if name == "OneCycleLR" else steps):
        assert s1.get_last_lr() == s2.get_last_lr()
        assert [g["lr"] for g in o1.param_groups] == [g["lr"] for g in o2.param_groups]
        if name == "OneCycleLR":
            key = "betas" if oname == "Adam" else "momentum"
            assert [g[key] for g in o1.param_groups] == [g[key] for g in o2.param_groups]
        o1.step()
        o2.step()
        s1.step()
        s2.step()


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_lambda_multiplicative_sequential_match_torch():
    o1, o2 = _opt(cr), _opt(torch)
    s1 = LS.LambdaLR(o1, lambda e: 1 / (1 + e))
    s2 = TLS.LambdaLR(o2, lambda e: 1 / (1 + e))
    o3, o4 = _opt(cr), _opt(torch)
    s3 = LS.MultiplicativeLR(o3, lambda e: 0.95)
    s4 = TLS.MultiplicativeLR(o4, lambda e: 0.95)
    o5, o6 = _opt(cr), _opt(torch)
    s5 = LS.SequentialLR(o5, [LS.LinearLR(o5, 0.1, total_iters=3),
                              LS.CosineAnnealingLR(o5, T_max=10)], milestones=[3])
    s6 = TLS.SequentialLR(o6, [TLS.LinearLR(o6, 0.1, total_iters=3),
                               TLS.CosineAnnealingLR(o6, T_max=10)], milestones=[3])
    o7, o8 = _opt(cr), _opt(torch)
    s7 = LS.ChainedScheduler([LS.ConstantLR(o7, 0.1, total_iters=2),
                              LS.ExponentialLR(o7, gamma=0.9)])
    s8 = TLS.ChainedScheduler([TLS.ConstantLR(o8, 0.1, total_iters=2),
                               TLS.ExponentialLR(o8, gamma=0.9)])
    for _ in range(15):
        assert s7.get_last_lr() == s8.get_last_lr()
        s7.step()
        s8.step()
    for _ in range(15):
        assert s1.get_last_lr() == s2.get_last_lr()
        assert s3.get_last_lr() == s4.get_last_lr()
        assert s5.get_last_lr() == s6.get_last_lr()
        for o in (o1, o2, o3, o4, o5, o6):
            o.step()
        for s in (s1, s2, s3, s4, s5, s6):
            s.step()


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("kw", [dict(), dict(mode="max", patience=2, factor=0.5, cooldown=1),
                                dict(threshold_mode="abs", threshold=0.1, patience=1,
                                     min_lr=0.02)])
def test_reduce_on_plateau_matches_torch(kw):
    o1, o2 = _opt(cr), _opt(torch)
    s1, s2 = LS.ReduceLROnPlateau(o1, **kw), TLS.ReduceLROnPlateau(o2, **kw)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.94, 0.96, 0.5, 0.5, 0.5, 0.5, 0.5, 0.49, 0.6,
               0.6, 0.6, 0.6, 0.6, 0.6, 0.6]
    for m in metrics:
        s1.step(m)
        s2.step(m)
        assert s1.get_last_lr() == s2.get_last_lr()
        assert s1.num_bad_epochs == s2.num_bad_epochs


def test_hand_values():
    o = _opt(cr, lr=1.0)
    s = LS.StepLR(o, step_size=2, gamma=0.1)
    lrs = []
    for _ in range(5):
        lrs.append(s.get_last_lr()[0])
        o.step()
        s.step()
    assert lrs == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01])
    o = _opt(cr, lr=1.0)
    s = LS.CosineAnnealingLR(o, T_max=4)
    seq = []
    for _ in range(5):
        seq.append(s.get_last_lr()[0])
        s.step()
    assert seq == pytest.approx([(1 + math.cos(math.pi * e / 4)) / 2 for e in range(5)])
    o = _opt(cr, lr=1.0)
    s = LS.ReduceLROnPlateau(o, patience=0, factor=0.5)
    for m in (1.0, 1.0, 1.0):
        s.step(m)
    assert o.param_groups[0]["lr"] == 0.25


def test_state_dict_round_trip():
    o = _opt(cr, lr=1.0)
    s = LS.MultiStepLR(o, milestones=[2, 4], gamma=0.5)
    for _ in range(3):
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and sd["last_epoch"] == 3
    o2 = _opt(cr, lr=1.0)
    s2 = LS.MultiStepLR(o2, milestones=[9], gamma=0.9)
    s2.load_state_dict(sd)
    o2.param_groups[0]["lr"] = o.param_groups[0]["lr"]
    s.step()
    s2.step()
    assert s.get_last_lr()[0] == s2.get_last_lr()[0] == 0.25
    o3 = _opt(cr, lr=1.0)
    lam = LS.LambdaLR(o3, lambda e: 0.5 ** e)
    assert lam.state_dict()["lr_lambdas"] == [None]


def test_errors():
    with pytest.raises(TypeError, match="not an Optimizer"):
        LS.StepLR(object(), 2)
    with pytest.raises(ValueError, match="total_steps"):
        LS.OneCycleLR(_opt(cr), max_lr=1.0)
    s = LS.OneCycleLR(_opt(cr), max_lr=1.0, total_steps=2)
    s.step()
    s.step()
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        s.step()
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        LS.ReduceLROnPlateau(_opt(cr), factor=2.0)
    assert np.isfinite(LS.ExponentialLR(_opt(cr), 0.5).get_last_lr()[0])


@pytest.mark.skipif(torch is None, reason="torch not installed")
def test_warm_restarts_fractional_epochs_match_torch():
    o1, o2 = _opt(cr), _opt(torch)
    s1 = LS.CosineAnnealingWarmRestarts(o1, T_0=3, T_mult=2)
    s2 = TLS.CosineAnnealingWarmRestarts(o2, T_0=3, T_mult=2)
    for e in np.arange(0, 20, 0.25):
        s1.step(float(e))
        s2.step(float(e))
        assert s1.get_last_lr() == s2.get_last_lr()
