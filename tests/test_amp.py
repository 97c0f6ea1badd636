"""chainrule.amp: autocast regions and GradScaler, compared with PyTorch's on the CPU."""
import warnings

import numpy as np
import pytest

import chainrule as cr


def _scaler_run(T, n_steps=12, inf_at=(3, 4, 9)):
    """A tiny regression with GradScaler('cpu'): gradients poisoned with inf at some steps."""
    rng = np.random.default_rng(0)
    x = T.tensor(rng.standard_normal((16, 3)).astype(np.float32))
    y = T.tensor(rng.standard_normal((16, 1)).astype(np.float32))
    model = T.nn.Linear(3, 1)
    with T.no_grad():
        model.weight.copy_(T.tensor([[0.1, -0.2, 0.3]]))
        model.bias.fill_(0.05)
    opt = T.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scaler = T.amp.GradScaler("cpu", init_scale=2.0 ** 10, growth_interval=3)
    scales, losses, returned = [], [], []
    for step in range(n_steps):
        opt.zero_grad()
        loss = T.nn.functional.mse_loss(model(x), y)
        scaler.scale(loss).backward()
        if step in inf_at:
            model.bias.grad.fill_(float("inf"))
        scaler.unscale_(opt)
        T.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
        returned.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
        losses.append(loss.item())
    return scales, losses, model.weight.detach().numpy().copy(), scaler.state_dict(), returned


def test_grad_scaler_matches_torch_with_skipped_steps():
    scales, losses, w, state, returned = _scaler_run(cr)
    assert scales[3] == scales[2] / 2 and scales[4] == scales[3] / 2  # backoff after inf
    assert state["_growth_tracker"] == 2 and state["growth_interval"] == 3
    torch = pytest.importorskip("torch")
    t_scales, t_losses, t_w, t_state, t_returned = _scaler_run(torch)
    assert scales == t_scales and state == t_state and returned == t_returned
    np.testing.assert_allclose(losses, t_losses, rtol=1e-6)
    np.testing.assert_allclose(w, t_w, rtol=1e-6)


def test_grad_scaler_scales_outputs_and_checks_its_protocol():
    s = cr.amp.GradScaler("cpu", init_scale=8.0)
    assert s.get_scale() == 8.0 and s.is_enabled()
    a, (b,) = s.scale([cr.tensor(1.0), (cr.tensor(2.0),)])
    assert a.item() == 8.0 and b.item() == 16.0
    with pytest.raises(ValueError, match="outputs must be a Tensor"):
        s.scale(3.0)
    p = cr.nn.Parameter(cr.ones(2))
    opt = cr.optim.SGD([p], lr=1.0)
    s.scale((p * p).sum()).backward()
    s.unscale_(opt)
    assert p.grad.tolist() == [2.0, 2.0]
    with pytest.raises(RuntimeError, match="unscale_\\(\\) has already been called"):
        s.unscale_(opt)
    with pytest.raises(RuntimeError, match="Closure use is not currently supported"):
        s.step(opt, closure=lambda: None)
    s.step(opt)
    with pytest.raises(RuntimeError, match="step\\(\\) has already been called"):
        s.step(opt)
    s.update(new_scale=4.0)
    assert s.get_scale() == 4.0
    fresh = cr.amp.GradScaler("cpu")
    fresh.load_state_dict(s.state_dict())
    assert fresh.get_scale() == 4.0
    with pytest.raises(RuntimeError, match="saved from a disabled instance"):
        fresh.load_state_dict({})


def test_disabled_scaler_and_cuda_spellings_pass_through_as_torch_without_cuda():
    off = cr.amp.GradScaler(enabled=False)
    t = cr.tensor(3.0)
    assert off.scale(t) is t and off.get_scale() == 1.0 and off.state_dict() == {}
    with pytest.warns(UserWarning, match="Disabling"):
        on_cuda = cr.amp.GradScaler("cuda")
    assert not on_cuda.is_enabled()
    with pytest.warns(FutureWarning, match="torch.cuda.amp.GradScaler\\(args...\\)` is deprecated"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            assert not cr.cuda.amp.GradScaler().is_enabled()
    p = cr.nn.Parameter(cr.ones(1))
    opt = cr.optim.SGD([p], lr=0.5)
    off.scale((2 * p).sum()).backward()
    off.step(opt)
    off.update()
    assert p.item() == 0.0


def test_autocast_regions_run_in_full_precision_with_torchs_warning():
    with cr.autocast(device_type="cpu", enabled=False):
        assert (cr.ones(2, 2) @ cr.ones(2, 2)).dtype == cr.float32
    with pytest.warns(UserWarning, match="Disabling autocast"):
        with cr.autocast("cuda"):
            assert not cr.is_autocast_enabled()
    with pytest.warns(UserWarning, match="Disabling autocast"):
        with cr.amp.autocast(device_type="cpu", dtype=cr.float16):
            assert (cr.ones(2) * 2).dtype == cr.float32
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
        cr.autocast("gpu")

    @cr.autocast("cpu", enabled=False)
    def f(x):
        return x + 1
    assert f(cr.tensor(1.0)).item() == 2.0

    class Twice(cr.autograd.Function):
        @staticmethod
        @cr.amp.custom_fwd(device_type="cuda", cast_inputs=cr.float32)
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        @cr.amp.custom_bwd(device_type="cuda")
        def backward(ctx, g):
            return 2 * g
    x = cr.ones(2, requires_grad=True)
    Twice.apply(x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_amp_import_paths_as_pytorch():
    from chainrule.amp import GradScaler, autocast  # noqa: F401
    from chainrule.cuda.amp import GradScaler as G2, autocast as A2  # noqa: F401
    from chainrule.amp.grad_scaler import OptState  # noqa: F401
    assert cr.autocast is cr.amp.autocast
