"""nn.utils.parametrize and parametrizations (weight_norm, spectral_norm, orthogonal), the
older weight_norm / spectral_norm hooks, against torch: state_dict keys, values, gradients."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn.utils import parametrize, parametrizations as P

torch = pytest.importorskip("torch")


def _linear_pair(n_in=4, n_out=3, dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    w, b = rng.standard_normal((n_out, n_in)).astype(dtype), rng.standard_normal(n_out).astype(dtype)
    a = nn.Linear(n_in, n_out).to(cr.float64)
    t = torch.nn.Linear(n_in, n_out).double()
    with torch.no_grad():
        t.weight.copy_(torch.tensor(w))
        t.bias.copy_(torch.tensor(b))
    a.weight.data = cr.tensor(w)
    a.bias.data = cr.tensor(b)
    return a, t


def _same_state(a, t):
    sa, st = a.state_dict(), t.state_dict()
    assert list(sa) == list(st)
    for k in st:
        np.testing.assert_allclose(sa[k].numpy(), st[k].numpy(), rtol=1e-12, atol=1e-14)


def _forward_backward(a, t, x):
    ya, yt = a(cr.tensor(x)), t(torch.tensor(x))
    np.testing.assert_allclose(ya.detach().numpy(), yt.detach().numpy(), rtol=1e-10)
    (ya ** 2).sum().backward()
    (yt ** 2).sum().backward()
    na = dict(a.named_parameters())
    for name, p in t.named_parameters():
        np.testing.assert_allclose(na[name].grad.numpy(), p.grad.numpy(), rtol=1e-9, atol=1e-12)


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


class TSymmetric(torch.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)


def test_register_parametrization_like_torch():
    a, t = _linear_pair(3, 3)
    parametrize.register_parametrization(a, "weight", Symmetric())
    torch.nn.utils.parametrize.register_parametrization(t, "weight", TSymmetric())
    w = a.weight.detach().numpy()
    np.testing.assert_allclose(w, w.T)
    assert parametrize.is_parametrized(a) and parametrize.is_parametrized(a, "weight")
    assert not parametrize.is_parametrized(a, "bias")
    assert type(a).__name__ == "ParametrizedLinear"
    assert parametrize.type_before_parametrizations(a) is nn.Linear
    _same_state(a, t)
    _forward_backward(a, t, np.random.default_rng(1).standard_normal((5, 3)))
    with parametrize.cached():
        assert a.weight is a.weight
    parametrize.remove_parametrizations(a, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    assert type(a) is nn.Linear and "weight" in dict(a.named_parameters())
    _same_state(a, t)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization(dim):
    a, t = _linear_pair()
    P.weight_norm(a, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    _same_state(a, t)
    _forward_backward(a, t, np.random.default_rng(2).standard_normal((5, 4)))


def test_weight_norm_old_hook_and_remove():
    a, t = _linear_pair()
    nn.utils.weight_norm(a)
    torch.nn.utils.weight_norm(t)
    _same_state(a, t)
    _forward_backward(a, t, np.random.default_rng(3).standard_normal((5, 4)))
    nn.utils.remove_weight_norm(a)
    torch.nn.utils.remove_weight_norm(t)
    _same_state(a, t)


@pytest.mark.parametrize("old_api", [False, True])
def test_spectral_norm_with_torch_buffers(old_api):
    a, t = _linear_pair(5, 4)
    if old_api:
        nn.utils.spectral_norm(a, n_power_iterations=2)
        torch.nn.utils.spectral_norm(t, n_power_iterations=2)
    else:
        P.spectral_norm(a, n_power_iterations=2)
        torch.nn.utils.parametrizations.spectral_norm(t, n_power_iterations=2)
    assert list(a.state_dict()) == list(t.state_dict())
    a.load_state_dict({k: cr.tensor(v.numpy()) for k, v in t.state_dict().items()})
    for _ in range(3):  # training mode: a power iteration per forward
        _forward_backward(a, t, np.random.default_rng(4).standard_normal((2, 5)))
        for p in list(a.parameters()) + list(t.parameters()):
            p.grad = None
    _same_state(a, t)
    a.eval()
    t.eval()
    _forward_backward(a, t, np.random.default_rng(5).standard_normal((2, 5)))
    if not old_api:  # 15 warm-up iterations: the top singular value is ~1
        s = np.linalg.svd(a.weight.detach().numpy(), compute_uv=False)
        assert s[0] == pytest.approx(1.0, rel=0.02)


@pytest.mark.parametrize("shape,omap", [((4, 4), "matrix_exp"), ((4, 4), "householder"),
                                        ((5, 3), "householder"), ((3, 5), "matrix_exp"),
                                        ((4, 4), "cayley")])
def test_orthogonal(shape, omap):
    cr.manual_seed(0)
    a = nn.Linear(shape[1], shape[0]).to(cr.float64)
    P.orthogonal(a, orthogonal_map=omap)
    W = a.weight.detach().numpy()
    k = min(shape)
    G = W.T @ W if shape[0] >= shape[1] else W @ W.T
    np.testing.assert_allclose(G, np.eye(k), atol=1e-10)
    # Train a step: the weight moves and stays orthogonal.
    opt = cr.optim.SGD(a.parameters(), lr=0.1)
    x = cr.randn(6, shape[1], dtype=cr.float64)
    (a(x) ** 3).sum().backward()
    opt.step()
    W2 = a.weight.detach().numpy()
    assert not np.allclose(W, W2)
    G2 = W2.T @ W2 if shape[0] >= shape[1] else W2 @ W2.T
    np.testing.assert_allclose(G2, np.eye(k), atol=1e-9)
    assert "parametrizations.weight.0.base" in a.state_dict()


def test_orthogonal_forward_matches_torch_given_the_same_original():
    cr.manual_seed(1)
    rng = np.random.default_rng(6)
    for omap, shape in (("matrix_exp", (4, 4)), ("householder", (5, 3)), ("cayley", (3, 3))):
        a = nn.Linear(shape[1], shape[0]).to(cr.float64)
        t = torch.nn.Linear(shape[1], shape[0]).double()
        P.orthogonal(a, orthogonal_map=omap)
        torch.nn.utils.parametrizations.orthogonal(t, orthogonal_map=omap)
        sd = {k: v.numpy() for k, v in t.state_dict().items()}
        sd["parametrizations.weight.original"] = rng.standard_normal(shape) * 0.3
        a.load_state_dict({k: cr.tensor(v) for k, v in sd.items()})
        t.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
        x = rng.standard_normal((2, shape[1]))
        _forward_backward(a, t, x)
