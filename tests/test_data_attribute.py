"""Tensor.data with PyTorch's meaning: the same memory as a Tensor, outside autograd."""
import numpy as np
import pytest

import chainrule as torch
import chainrule.nn as nn


def test_manual_sgd_on_data_matches_optim_sgd():
    torch.manual_seed(0)
    a, b = nn.Linear(3, 2), nn.Linear(3, 2)
    b.load_state_dict(a.state_dict())
    opt = torch.optim.SGD(b.parameters(), lr=0.1)
    x, y = torch.randn(5, 3), torch.randn(5, 2)
    for _ in range(3):
        for m in (a, b):
            m.zero_grad()
            ((m(x) - y) ** 2).mean().backward()
        for p in a.parameters():           # the tutorials' manual step
            p.data -= 0.1 * p.grad
        opt.step()
    for pa, pb in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(pa.detach().numpy(), pb.detach().numpy(), rtol=1e-6)
        assert pa.requires_grad and pa.is_leaf


def test_edits_through_data_are_shared_unrecorded_and_uncounted():
    w = torch.zeros(2, 3, requires_grad=True)
    d = w.data
    assert isinstance(d, torch.Tensor) and not d.requires_grad and d.grad_fn is None
    v = w._version
    d.normal_(0.0, 0.02)
    w.data.add_(torch.ones(2, 3), alpha=-1.0)
    w.data[0, 0] = 5.0
    assert w._version == v                 # in-place through .data is not counted
    assert float(w.detach()[0, 0]) == 5.0 and d.data_ptr() == w.data_ptr()
    w.data.copy_(torch.full((2, 3), 2.0))
    assert float(w.sum()) == 12.0


def test_saved_tensor_edited_through_data_is_not_an_error():
    # PyTorch's documented hazard of .data: the edit is invisible to the version check.
    w = torch.ones(3, requires_grad=True)
    y = (w * w).sum()
    w.data.mul_(2.0)
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), [4.0, 4.0, 4.0])


def test_data_setter_replaces_storage_with_pytorch_rules():
    m = nn.Linear(3, 2)
    m.weight.data = torch.zeros(4, 5)
    assert m.weight.shape == (4, 5) and m.weight.requires_grad
    with pytest.raises(TypeError, match="has to be a tensor"):
        m.weight.data = [1.0]
    with pytest.raises(RuntimeError, match="floating point"):
        m.weight.data = torch.zeros(2, dtype=torch.int64)
    t = torch.zeros(2)
    t.data = torch.arange(3)
    assert t.dtype == torch.int64


def test_numpy_interop():
    t = torch.ones(2)
    out = np.exp(t)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), np.exp(np.ones(2, np.float32)))
    assert np.asarray(t).dtype == np.float32 and isinstance(np.array(t), np.ndarray)
    r = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad. Use tensor.detach"):
        np.asarray(r)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.exp(r)
    assert isinstance(np.ones(2) * t, torch.Tensor)  # reflected operator, not a ufunc


def test_parameter_prints_like_pytorch():
    p = nn.Parameter(torch.ones(2))
    assert str(p).startswith("Parameter containing:\ntensor([1., 1.], requires_grad=True)")
