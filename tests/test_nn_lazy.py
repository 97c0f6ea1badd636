"""Lazy modules: shape inference on the first forward, becoming the regular class, the
same initial values as building that class directly, state_dict / load_state_dict with
placeholders, PyTorch's errors for uninitialized parameters, and outputs and gradients
against PyTorch (loading torch's state_dict into the lazy module)."""
import copy

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.autograd import gradcheck
from helpers import make

try:
    import torch
except ImportError:  # pragma: no cover
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

# (lazy class name, args, input shape, regular class name, in-size argument position)
LAZY_CASES = [
    ("LazyLinear", (4,), (3, 7), "Linear"),
    ("LazyLinear", (4, False), (2, 3, 5), "Linear"),
    ("LazyConv1d", (4, 3), (2, 3, 9), "Conv1d"),
    ("LazyConv2d", (4, 3), (3, 6, 5), "Conv2d"),                      # unbatched
    ("LazyConv2d", (6, (2, 3), 2, 1, 1, 2), (2, 4, 7, 6), "Conv2d"),  # groups=2
    ("LazyConv3d", (2, 2), (1, 3, 4, 4, 5), "Conv3d"),
    ("LazyConvTranspose1d", (4, 3, 2), (2, 3, 5), "ConvTranspose1d"),
    ("LazyConvTranspose2d", (4, 3, 2, 1, 1, 2), (2, 4, 3, 4), "ConvTranspose2d"),
    ("LazyConvTranspose3d", (2, 2), (1, 3, 2, 3, 2), "ConvTranspose3d"),
    ("LazyBatchNorm1d", (), (4, 3), "BatchNorm1d"),
    ("LazyBatchNorm2d", (1e-3, 0.2), (3, 4, 2, 2), "BatchNorm2d"),
    ("LazyBatchNorm3d", (), (2, 3, 2, 2, 2), "BatchNorm3d"),
    ("LazyInstanceNorm1d", (), (2, 3, 6), "InstanceNorm1d"),
    ("LazyInstanceNorm2d", (1e-5, 0.1, False, False), (2, 3, 4, 4), "InstanceNorm2d"),
    ("LazyInstanceNorm3d", (), (2, 2, 3, 3, 3), "InstanceNorm3d"),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(LAZY_CASES)]


@pytest.mark.parametrize("name,args,shape,regular", LAZY_CASES, ids=IDS)
def test_lazy_module_becomes_regular(name, args, shape, regular):
    m = getattr(nn, name)(*args)
    assert isinstance(m, nn.LazyModuleMixin)
    assert m.has_uninitialized_params() == bool(list(m.parameters()))
    assert all(isinstance(p, nn.UninitializedParameter) for p in m.parameters())
    if torch is not None:  # (torch 2.13's norm layers also print their new bias flag)
        trepr = repr(getattr(torch.nn, name)(*args))   # norm layers print bias= (torch 2.13)
        assert repr(m) == trepr
    x = cr.tensor(make(shape, seed=1, dtype=np.float32))
    y = m(x)
    assert type(m) is getattr(nn, regular)
    assert "_initialize_hook" not in m.__dict__ and not m._forward_pre_hooks
    assert all(type(p) is nn.Parameter for p in m.parameters())
    assert all(type(b) is cr.Tensor for b in m.buffers())
    # the same as the regular layer with the inferred size, built from the same seed
    cr.manual_seed(5)
    lazy = getattr(nn, name)(*args)
    y1 = lazy(x)
    cr.manual_seed(5)
    built = _regular_like(lazy)
    for (k, a), (k2, b) in zip(lazy.state_dict().items(), built.state_dict().items()):
        assert k == k2
        if not k.startswith(("running", "num_batches")):  # the lazy one has run a batch
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)
    assert tuple(y1.shape) == tuple(y.shape)


def _regular_like(m):
    """The regular class built with the sizes a lazy module inferred."""
    cls = type(m)
    if cls is nn.Linear:
        return nn.Linear(m.in_features, m.out_features, m.bias is not None)
    if issubclass(cls, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        return cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                   m.dilation, m.groups, m.bias is not None, m.padding_mode)
    if issubclass(cls, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                   m.output_padding, m.groups, m.bias is not None, m.dilation)
    return cls(m.num_features, m.eps, m.momentum, m.affine, m.track_running_stats)


@needs_torch
@pytest.mark.parametrize("name,args,shape,regular", LAZY_CASES, ids=IDS)
def test_lazy_module_matches_torch(name, args, shape, regular):
    """Load torch's initialised state into a fresh lazy module (which materialises it),
    then compare outputs and gradients in float64, in train and eval mode."""
    torch.manual_seed(0)
    a = make(shape, seed=2)
    tm = getattr(torch.nn, name)(*args).double()
    tm(torch.tensor(a))                     # torch's lazy module initialises itself
    m = getattr(nn, name)(*args).double()
    m.load_state_dict({k: cr.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    assert not m.has_uninitialized_params()
    for train in (True, False):
        m.train(train)
        tm.train(train)
        x, t = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        y, ty = m(x), tm(t)
        np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        w = make(tuple(y.shape), seed=3)
        (y * cr.tensor(w)).sum().backward()
        (ty * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-8, atol=1e-10)
        for (k, p), (tk, tp) in zip(m.named_parameters(), tm.named_parameters()):
            assert k == tk
            np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-8, atol=1e-10)
            p.grad, tp.grad = None, None
    assert type(m) is getattr(nn, regular)  # its first forward made it the regular class


def test_lazy_gradcheck_float64():
    conv = nn.LazyConv2d(3, 2, stride=1, padding=1, dtype=cr.float64)
    x = cr.tensor(make((1, 2, 3, 3), seed=0), requires_grad=True)
    conv(x)
    assert conv.weight.dtype == cr.float64
    assert gradcheck(lambda x, w, b: cr.nn.functional.conv2d(x, w, b, padding=1),
                     [x, conv.weight, conv.bias])
    fc = nn.LazyLinear(2).double()          # .double() before the first forward
    fc(cr.tensor(make((2, 3), seed=1)))
    assert fc.weight.dtype == cr.float64 and tuple(fc.weight.shape) == (2, 3)


def test_initialize_parameters_and_explicit_materialize():
    m = nn.LazyLinear(3)
    m.initialize_parameters(cr.randn(2, 4))
    assert tuple(m.weight.shape) == (3, 4) and type(m) is nn.LazyLinear  # until forward
    m(cr.randn(2, 4))
    assert type(m) is nn.Linear
    p = nn.UninitializedParameter(dtype=cr.float64)
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.dtype == cr.float64 and p.requires_grad
    b = nn.UninitializedBuffer()
    b.materialize((4,), dtype=cr.float64)
    assert type(b) is cr.Tensor and b.dtype == cr.float64 and not b.requires_grad


def test_uninitialized_errors_like_torch():
    m = nn.LazyLinear(3)
    msg = "Attempted to use an uninitialized parameter in"
    with pytest.raises(ValueError, match=msg):
        m.weight + 1
    with pytest.raises(ValueError, match="uninitialized parameter"):
        m.weight.sum()
    with pytest.raises(ValueError, match="uninitialized parameter"):
        cr.nn.functional.linear(cr.randn(2, 4), m.weight)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        m.weight.shape
    with pytest.raises((ValueError, RuntimeError), match="uninitialized"):
        nn.init.normal_(m.weight)
    assert repr(m.weight) == "<UninitializedParameter>"
    # an optimizer may hold the placeholders (as in PyTorch); updating one fails clearly
    opt = cr.optim.SGD(m.parameters(), lr=0.1)
    opt.step()  # no gradients yet: nothing to do
    with pytest.raises(RuntimeError):  # a gradient cannot be given to a placeholder either
        m.weight.grad = cr.ones(1)
    # an initialised module cannot load a placeholder (PyTorch's message)
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        nn.Linear(4, 3).load_state_dict(nn.LazyLinear(3).state_dict())
    bad = nn.LazyConv2d(4, 3, groups=2)
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        bad(cr.randn(1, 3, 5, 5))
    with pytest.raises(RuntimeError, match=r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                                           r"to LazyConv2d"):
        nn.LazyConv2d(4, 3)(cr.randn(5, 5))


def test_lazy_state_dict_round_trips():
    m = nn.LazyBatchNorm1d()
    sd = m.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert isinstance(sd["running_mean"], nn.UninitializedBuffer)
    # lazy -> lazy: the placeholders stay placeholders
    other = nn.LazyBatchNorm1d()
    other.load_state_dict(sd)
    assert other.has_uninitialized_params()
    # initialised -> lazy: materialised with the checkpoint's shapes and values
    src = nn.BatchNorm1d(5)
    src.running_mean._data[:] = np.arange(5)
    fresh = nn.LazyBatchNorm1d()
    fresh.load_state_dict(src.state_dict())
    assert type(fresh) is nn.LazyBatchNorm1d and not fresh.has_uninitialized_params()
    np.testing.assert_array_equal(fresh.running_mean.numpy(), np.arange(5))
    fresh.eval()
    fresh(cr.randn(2, 5))
    assert type(fresh) is nn.BatchNorm1d
    # copies of a lazy module are lazy and independent
    c = copy.deepcopy(nn.LazyLinear(2))
    assert c.has_uninitialized_params()
    c(cr.randn(1, 3))
    assert tuple(c.weight.shape) == (2, 3)
    # no affine, no running stats: nothing to infer (PyTorch leaves num_features at 0)
    plain = nn.LazyInstanceNorm1d(affine=False, track_running_stats=False)
    assert not plain.has_uninitialized_params() and len(plain.state_dict()) == 0
    plain(cr.randn(2, 3, 4))
    assert type(plain) is nn.InstanceNorm1d and plain.num_features == 0


def test_lazy_model_trains():
    cr.manual_seed(0)
    model = nn.Sequential(nn.LazyConv2d(4, 3), nn.ReLU(), nn.Flatten(), nn.LazyLinear(2))
    x, target = cr.randn(8, 1, 6, 6), cr.randint(0, 2, (8,))
    model(x)  # dry run, then the optimizer (PyTorch's recommended order)
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        opt.zero_grad()
        loss = cr.nn.functional.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert [type(m).__name__ for m in model] == ["Conv2d", "ReLU", "Flatten", "Linear"]


def test_lazy_norm_partly_loaded_keeps_the_checkpoint():
    """Affine weights from a checkpoint without running stats: the forward materialises
    the stats (0 and 1) and keeps the loaded weights (PyTorch raises an AssertionError)."""
    src = nn.InstanceNorm1d(3, affine=True)
    src.weight._data[:] = [1.0, 2.0, 3.0]
    m = nn.LazyInstanceNorm1d()
    m.load_state_dict(src.state_dict(), strict=False)
    m(cr.randn(2, 3, 5))
    assert type(m) is nn.InstanceNorm1d and m.num_features == 3
    np.testing.assert_array_equal(m.weight.detach().numpy(), [1.0, 2.0, 3.0])
    assert m.running_var.shape == (3,)
    fc = nn.LazyLinear(2)
    fc.load_state_dict(nn.Linear(3, 2).state_dict())
    fc(cr.randn(1, 3))
    assert repr(fc) == "Linear(in_features=3, out_features=2, bias=True)"
