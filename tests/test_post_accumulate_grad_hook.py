"""Tensor.register_post_accumulate_grad_hook (PyTorch's), which DDP builds on: the hook
sees the accumulated .grad, runs once per backward per leaf, and runs while backward is
still going (as soon as the leaf's last gradient edge has delivered)."""
import numpy as np
import pytest

import chainrule as torch
from chainrule.autograd import Function


def test_hook_sees_accumulated_grad_once_per_backward():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
    ((w * w).sum() + (3 * w).sum()).backward()  # w reaches the loss along two paths
    assert seen == [[5.0, 7.0]]
    (w * w).sum().backward()  # accumulates onto .grad; the hook sees the sum
    assert seen == [[5.0, 7.0], [7.0, 11.0]]


def test_hook_runs_before_backward_reaches_earlier_layers():
    events = []

    class Mark(Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, g):
            events.append("backward reached the first layer")
            return g

    first, last = torch.nn.Linear(3, 3), torch.nn.Linear(3, 1)
    last.weight.register_post_accumulate_grad_hook(lambda p: events.append("last.weight"))
    first.weight.register_post_accumulate_grad_hook(lambda p: events.append("first.weight"))
    last(Mark.apply(first(torch.ones(2, 3)))).sum().backward()
    assert events == ["last.weight", "backward reached the first layer", "first.weight"]


def test_hook_torch_parity_and_remove():
    torch_ = pytest.importorskip("torch")
    out = {}
    for lib in (torch, torch_):
        w = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        seen = []
        h = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.detach().clone()))
        (w.exp() * w).sum().backward()
        h.remove()
        (w * 2).sum().backward()
        out[lib] = [s.numpy() for s in seen], w.grad.detach().numpy()
    (a, ga), (b, gb) = out[torch], out[torch_]
    assert len(a) == len(b) == 1
    np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
    np.testing.assert_allclose(ga, gb, rtol=1e-6)


def test_hook_errors_and_other_modes():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        torch.ones(2).register_post_accumulate_grad_hook(lambda p: None)
    w = torch.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="non-leaf"):
        (w * 2).register_post_accumulate_grad_hook(lambda p: None)
    seen = []
    w.register_post_accumulate_grad_hook(lambda p: seen.append(1))
    torch.autograd.grad((w * w).sum(), [w])  # grad() accumulates nothing: no hook
    assert seen == []
    v = torch.ones(2, requires_grad=True)
    (w * v).sum().backward(inputs=[v])  # w not among the inputs: not accumulated, no hook
    assert seen == [] and w.grad is None
    (w * w).sum().backward(create_graph=True)
    assert seen == [1] and w.grad.requires_grad
