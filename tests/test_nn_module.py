"""nn.Module machinery: registration, traversal, modes, hooks, to(dtype), state_dict and
load_state_dict (strict errors), containers, repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.fc2 = nn.Linear(4, 2)
        self.scale = nn.Parameter(cr.ones(1))
        self.register_buffer("steps", cr.zeros(1))
        self.register_buffer("cache", cr.zeros(2), persistent=False)

    def forward(self, x):
        return self.fc2(self.bn(self.fc1(x)).relu()) * self.scale


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight",
                     "fc2.bias"]
    assert len(list(net.parameters())) == 7
    assert [n for n, _ in net.named_buffers()] == ["steps", "cache", "bn.running_mean",
                                                    "bn.running_var", "bn.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["fc1", "bn", "fc2"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "bn", "fc2"]
    assert net.get_submodule("fc1") is net.fc1
    assert net.get_parameter("fc2.bias") is net.fc2.bias
    assert "fc1" in dir(net) and "scale" in dir(net)
    del net.fc2
    assert "fc2" not in dict(net.named_children())
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        net.nope


def test_shared_parameter_counted_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4


def test_assignment_rules():
    m = nn.Module()
    m.w = nn.Parameter(cr.zeros(2))
    with pytest.raises(TypeError, match="cannot assign"):
        m.w = cr.zeros(2)
    m.w = None
    assert m.w is None and list(m.parameters()) == []
    m.sub = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="child module"):
        m.sub = 3
    m.register_buffer("b", cr.ones(2))
    m.b = cr.zeros(2)
    assert m.b.tolist() == [0.0, 0.0] and "b" in dict(m.named_buffers())
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", cr.zeros(1))
    with pytest.raises(TypeError, match="buffer"):
        m.register_buffer("c", [1, 2])
    with pytest.raises(AttributeError, match="before Module.__init__"):
        class Bad(nn.Module):
            def __init__(self):
                self.w = nn.Parameter(cr.zeros(1))
        Bad()


def test_train_eval_zero_grad_requires_grad():
    net = Net()
    assert net.training and net.bn.training
    net.eval()
    assert not net.training and not net.bn.training
    net.train()
    assert net.fc2.training
    net(cr.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(float(np.abs(p.grad.numpy()).sum()) == 0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_forward_hooks():
    lin = nn.Linear(2, 2)
    seen = []
    h1 = lin.register_forward_pre_hook(lambda m, args: seen.append(("pre", args[0].shape)))
    h2 = lin.register_forward_hook(lambda m, args, out: out * 0)
    out = lin(cr.ones(1, 2))
    assert seen == [("pre", cr.Size([1, 2]))] and out.tolist() == [[0.0, 0.0]]
    h1.remove()
    h2.remove()
    assert lin(cr.ones(1, 2)).abs().sum().item() > 0
    lin.register_forward_pre_hook(lambda m, args: (args[0] * 2,))
    np.testing.assert_allclose(lin(cr.ones(1, 2)).detach().numpy(),
                               (2 * np.ones((1, 2)) @ lin.weight._data.T + lin.bias._data),
                               rtol=1e-6)


def test_apply_and_to_dtype():
    net = Net()
    net.apply(lambda m: nn.init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
    assert net.fc1.bias.abs().sum().item() == 0
    w = net.fc1.weight
    net.to(cr.float64)
    assert net.fc1.weight is w and w.dtype == cr.float64
    assert net.bn.running_mean.dtype == cr.float64
    assert net.bn.num_batches_tracked.dtype == cr.int64
    assert net(cr.randn(4, 3, dtype=cr.float64)).dtype == cr.float64
    net.float()
    assert w.dtype == cr.float32
    with pytest.raises(RuntimeError, match="same dtype"):
        net(cr.randn(4, 3, dtype=cr.float64))
    with pytest.raises(TypeError, match="floating point"):
        net.to(cr.int64)
    assert net.to("cpu") is net


def test_state_dict_round_trip_and_sharing():
    a, b = Net(), Net()
    sd = a.state_dict()
    assert list(sd) == ["scale", "steps", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias",
                        "bn.running_mean", "bn.running_var", "bn.num_batches_tracked",
                        "fc2.weight", "fc2.bias"]  # non-persistent 'cache' left out
    assert not sd["fc1.weight"].requires_grad
    assert sd["fc1.weight"]._data is a.fc1.weight._data   # shares memory, as in PyTorch
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert str(result) == "<All keys matched successfully>"
    x = cr.randn(6, 3)
    a.eval()
    b.eval()
    np.testing.assert_array_equal(a(x).detach().numpy(), b(x).detach().numpy())
    w = b.fc1.weight
    b.load_state_dict(Net().state_dict())
    assert b.fc1.weight is w   # loaded in place


def test_load_state_dict_strict_reports_keys_and_shapes():
    net = Net()
    sd = net.state_dict()
    sd.pop("fc1.bias")
    sd["extra.weight"] = cr.zeros(1)
    sd["fc2.nothing"] = cr.zeros(1)
    with pytest.raises(RuntimeError) as e:
        Net().load_state_dict(sd)
    msg = str(e.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s) in state_dict: "fc1.bias"' in msg
    assert '"extra.weight"' in msg and '"fc2.nothing"' in msg
    res = Net().load_state_dict(sd, strict=False)
    assert res.missing_keys == ["fc1.bias"]
    assert sorted(res.unexpected_keys) == ["extra.weight", "fc2.nothing"]
    bad = Net().state_dict()
    bad["fc1.weight"] = cr.zeros(5, 3)
    bad["fc2.bias"] = cr.zeros(7)
    with pytest.raises(RuntimeError) as e:
        Net().load_state_dict(bad, strict=False)   # shape errors raise even when not strict
    msg = str(e.value)
    assert "size mismatch for fc1.weight: copying a param with shape [5, 3] from checkpoint, " \
           "the shape in current model is [4, 3]" in msg
    assert "size mismatch for fc2.bias" in msg and "[7]" in msg and "[2]" in msg


def test_load_state_dict_accepts_numpy_and_casts():
    lin = nn.Linear(2, 1)
    lin.load_state_dict({"weight": np.array([[1.0, 2.0]]), "bias": np.array([0.5])})
    assert lin.weight.dtype == cr.float32 and lin.weight.tolist() == [[1.0, 2.0]]


def test_deepcopy_gives_independent_parameters():
    net = Net()
    c = copy.deepcopy(net)
    assert isinstance(c.fc1.weight, nn.Parameter)
    c.fc1.weight._data[...] = 0
    assert net.fc1.weight.abs().sum().item() > 0


def test_sequential_container_api():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    seq.append(nn.Sigmoid())
    assert seq(cr.randn(5, 2)).shape == (5, 1)
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_children()] == ["fc", "act"]
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]
    del seq[1]
    assert [type(m).__name__ for m in seq] == ["Linear", "Linear", "Sigmoid"]
    assert list(dict(seq.named_children())) == ["0", "1", "2"]
    with pytest.raises(IndexError):
        seq[5]


def test_modulelist_moduledict_parameterlist():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    ml.append(nn.Linear(2, 1))
    assert len(ml) == 4 and len(list(ml.parameters())) == 8
    assert list(ml.state_dict())[0] == "0.weight"
    md = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert "a" in md and list(md.keys()) == ["a", "b"]
    assert len(list(md.parameters())) == 2
    pl = nn.ParameterList([nn.Parameter(cr.zeros(2)), cr.ones(3)])
    assert len(pl) == 2 and isinstance(pl[1], nn.Parameter)
    assert len(list(pl.parameters())) == 2
    pd = nn.ParameterDict({"x": nn.Parameter(cr.zeros(1))})
    assert list(pd.state_dict()) == ["x"]


def test_repr_like_pytorch():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Dropout(0.2),
                        nn.Sequential(nn.LayerNorm(3), nn.Softmax(dim=1)))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Dropout(p=0.2, inplace=False)\n"
        "  (3): Sequential(\n"
        "    (0): LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)\n"
        "    (1): Softmax(dim=1)\n"
        "  )\n"
        ")")
    assert repr(nn.BatchNorm1d(4)) == ("BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, "
                                       "bias=True, track_running_stats=True)")
    assert repr(nn.Parameter(cr.zeros(1))).startswith("Parameter containing:\ntensor(")


_REPR_CASES = ["nn.LayerNorm(4)", "nn.LayerNorm([2, 3], bias=False)", "nn.LayerNorm(4, elementwise_affine=False)",
               "nn.BatchNorm1d(3)", "nn.BatchNorm2d(3, affine=False)", "nn.BatchNorm3d(2, bias=False)",
               "nn.InstanceNorm2d(3)", "nn.InstanceNorm1d(3, affine=True)", "nn.GroupNorm(2, 4)",
               "nn.GroupNorm(2, 4, affine=False)", "nn.RMSNorm(4)", "nn.SyncBatchNorm(3)",
               "nn.LazyBatchNorm1d()", "nn.Conv1d(2, 4, 3, padding=1, bias=False)",
               "nn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False)", "nn.Embedding(10, 3, padding_idx=0)",
               "nn.LSTM(4, 8, 2, batch_first=True, dropout=0.5)", "nn.GRU(4, 8)",
               "nn.MultiheadAttention(8, 2, batch_first=True)", "nn.LeakyReLU(0.2, inplace=True)",
               "nn.MaxPool2d(2, 2)", "nn.Dropout(p=0.6)"]


@pytest.mark.parametrize("ctor", _REPR_CASES)
def test_repr_matches_torch(ctor):
    """print(model) is compared across frameworks by users and in tutorials' outputs."""
    torch = pytest.importorskip("torch")
    assert repr(eval(ctor, {"nn": nn})) == repr(eval(ctor, {"nn": torch.nn}))


def test_parameter_semantics():
    t = cr.zeros(3)
    p = nn.Parameter(t)
    assert p.requires_grad and p.is_leaf and p._data is t._data
    assert isinstance(p, cr.Tensor)
    q = nn.Parameter(cr.zeros(2), requires_grad=False)
    assert not q.requires_grad
    assert nn.Parameter([1.0, 2.0]).dtype == cr.float32
    y = p * 2
    assert type(y) is cr.Tensor


def test_missing_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(cr.zeros(1))


def test_full_backward_hooks():
    lin = nn.Linear(3, 2)
    seen = {}

    def hook(m, grad_input, grad_output):
        seen["gi"], seen["go"] = grad_input, grad_output

    def pre(m, grad_output):
        seen["pre"] = grad_output
        return (grad_output[0] * 2,)   # doubles everything upstream

    h = lin.register_full_backward_hook(hook)
    lin.register_full_backward_pre_hook(pre)
    x = cr.randn(4, 3, requires_grad=True)
    y = lin(x)
    y.sum().backward()
    assert seen["pre"][0].tolist() == np.ones((4, 2)).tolist()
    np.testing.assert_allclose(seen["go"][0].numpy(), 2 * np.ones((4, 2)))
    np.testing.assert_allclose(seen["gi"][0].numpy(), x.grad.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.ones((4, 2)) @ lin.weight._data,
                               rtol=1e-6)
    np.testing.assert_allclose(lin.weight.grad.numpy(), 2 * np.ones((2, 4)) @ x._data,
                               rtol=1e-6)
    h.remove()
    h2 = lin.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x.grad = None
    lin(x).sum().backward()
    assert x.grad.abs().sum().item() == 0
    h2.remove()
    # no input needs a gradient: the hook still fires, with None
    seen.clear()
    lin.register_full_backward_hook(hook)
    lin(cr.randn(2, 3)).sum().backward()
    assert seen["gi"] == (None,)
