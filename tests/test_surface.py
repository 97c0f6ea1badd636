"""PyTorch's module layout and small names: import paths, cuda/backends, device, .to(),
legacy tensor types, memory formats, assert_close, samplers."""
import importlib
import itertools
import math
import tracemalloc

import numpy as np
import pytest

import chainrule as cr

IMPORT_LINES = [
    "from {t}.utils.data.dataloader import DataLoader",
    "from {t}.utils.data.dataset import Dataset, TensorDataset, Subset, ConcatDataset, random_split",
    "from {t}.utils.data.sampler import RandomSampler, SequentialSampler, BatchSampler, "
    "SubsetRandomSampler, WeightedRandomSampler, Sampler",
    "from {t}.utils.data import DataLoader, Dataset, IterableDataset, default_collate",
    "from {t}.nn.modules.loss import _Loss, _WeightedLoss, MSELoss",
    "from {t}.nn.modules.module import Module",
    "from {t}.nn.modules.batchnorm import _BatchNorm, BatchNorm2d",
    "from {t}.nn.modules.conv import Conv2d, _ConvNd",
    "from {t}.nn.modules.activation import ReLU, MultiheadAttention",
    "from {t}.nn.modules.linear import Linear, Identity",
    "from {t}.nn.modules.container import Sequential, ModuleList",
    "from {t}.nn.modules.utils import _pair, _single, _triple",
    "from {t}.nn.modules import Linear, Conv2d, Module",
    "from {t}.nn.parameter import Parameter",
    "from {t}.nn.functional import relu, cross_entropy",
    "from {t}.nn.init import kaiming_uniform_, xavier_normal_",
    "from {t}.autograd.function import Function",
    "from {t}.autograd.functional import jacobian, hessian",
    "from {t}.autograd.grad_mode import no_grad, enable_grad",
    "from {t}.optim.lr_scheduler import StepLR, LambdaLR",
    "from {t}.cuda import is_available, device_count",
    "from {t}.backends import cudnn",
    "from {t}.testing import assert_close",
    "from {t}.autograd import Variable",
    "from {t}.autograd.variable import Variable",
]


@pytest.mark.parametrize("line", IMPORT_LINES)
def test_pytorch_import_lines(line):
    exec(line.format(t="chainrule"), {})
    torch = pytest.importorskip("torch")  # the same line is valid PyTorch
    exec(line.format(t="torch"), {"torch": torch})


def test_nn_modules_are_the_same_classes():
    from chainrule.nn.modules.loss import _Loss
    from chainrule.nn.modules.activation import MultiheadAttention
    import chainrule.nn.modules.batchnorm as bn
    assert _Loss is cr.nn.loss._Loss and MultiheadAttention is cr.nn.MultiheadAttention
    assert bn.BatchNorm1d is cr.nn.BatchNorm1d
    assert cr.nn.modules.Linear is cr.nn.Linear
    assert importlib.import_module("chainrule.nn.modules.loss") is cr.nn.loss


def test_cuda_and_backends_answer_like_a_cpu_build():
    assert cr.cuda.is_available() is False and cr.cuda.device_count() == 0
    assert cr.cuda.manual_seed(0) is None and cr.cuda.manual_seed_all(0) is None
    assert cr.cuda.synchronize() is None and cr.cuda.empty_cache() is None
    assert cr.cuda.memory_allocated() == 0
    with pytest.raises(RuntimeError, match="CPU only"):
        cr.cuda.current_device()
    with pytest.raises(RuntimeError, match="CPU only"):
        cr.cuda.get_device_name(0)
    assert cr.backends.cudnn.enabled is True and cr.backends.cudnn.benchmark is False
    cr.backends.cudnn.benchmark = True
    cr.backends.cudnn.deterministic = True
    cr.backends.cudnn.benchmark = False
    cr.backends.cudnn.deterministic = False
    assert cr.backends.mps.is_available() is False and cr.backends.cudnn.is_available() is False


def test_device_objects_as_pytorch():
    torch = pytest.importorskip("torch")
    for args in [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("mps",), ("cpu", 0), ("cpu:0",)]:
        a, b = cr.device(*args), torch.device(*args)
        assert (a.type, a.index, str(a)) == (b.type, b.index, str(b))
        assert repr(a) == repr(b)
    assert cr.device("cuda:0") == cr.device("cuda", 0) != cr.device("cuda")
    for bad in ["foo", 0]:
        with pytest.raises(RuntimeError):
            torch.device(bad)
        with pytest.raises(RuntimeError):
            cr.device(bad)
    device = cr.device("cuda" if cr.cuda.is_available() else "cpu")
    assert device.type == "cpu" and cr.zeros(2).to(device).device == device


@pytest.mark.parametrize("where", ["cuda", "cuda:0", "mps"])
def test_non_cpu_devices_raise_one_clear_line(where):
    x = cr.zeros(2)
    for call in [lambda: x.to(where), lambda: x.to(cr.device(where)), lambda: cr.zeros(2, device=where),
                 lambda: cr.nn.Linear(2, 2).to(where), lambda: cr.set_default_device(where)]:
        with pytest.raises(RuntimeError, match=r"CPU only; device '[a-z]+(:0)?' is not available") as e:
            call()
        assert "\n" not in str(e.value)
    with pytest.raises(RuntimeError, match="CPU only"):
        x.cuda()


def test_small_names():
    assert cr.inf == math.inf and math.isnan(cr.nan) and cr.pi == math.pi and cr.e == math.e
    cr.set_default_device("cpu")
    cr.set_default_device(None)
    assert cr.get_default_device() == cr.device("cpu")
    x = cr.zeros(2)
    assert not (x.is_cuda or x.is_xpu or x.is_mps or x.is_sparse or x.is_quantized or x.is_meta)
    assert x.layout is cr.strided and x.pin_memory() is x and not x.is_pinned()
    assert x.share_memory_() is x and x.cpu() is x and x.get_device() == -1


def _cases(t):
    x = t.zeros(2, 3, dtype=t.float32)
    return {
        "dtype": lambda: x.to(t.float64), "device": lambda: x.to("cpu"),
        "device_obj": lambda: x.to(t.device("cpu")), "device_dtype": lambda: x.to("cpu", t.int32),
        "kw": lambda: x.to(device="cpu", dtype=t.float16), "tensor": lambda: x.to(x.long()),
        "tensor_flags": lambda: x.to(x.double(), True, True), "dtype_flags": lambda: x.to(t.int64, False, True),
        "py_float": lambda: x.to(float), "py_int": lambda: x.to(int), "py_bool": lambda: x.to(bool),
        "non_blocking": lambda: x.to("cpu", non_blocking=True), "none": lambda: x.to(None),
        "copy": lambda: x.to(t.float32, copy=True),
    }


def test_to_every_argument_form_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _cases(cr), _cases(torch)
    for name in ours:
        a, b = ours[name](), theirs[name]()
        assert a.dtype.name == str(b.dtype).split(".")[1], name
        assert tuple(a.shape) == tuple(b.shape)
    x = cr.zeros(2)
    assert x.to(cr.float32) is x and x.to("cpu") is x and x.to(cr.float32, copy=True) is not x
    for bad in [lambda: x.to(1.5), lambda: x.to(foo=1), lambda: x.to(cr.float32, 3)]:
        with pytest.raises(TypeError):
            bad()


def test_to_keeps_gradient_and_memory_format():
    torch = pytest.importorskip("torch")
    a = np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5)
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    y = x.to(memory_format=cr.channels_last)
    ty = tx.to(memory_format=torch.channels_last)
    assert y.stride() == ty.stride() and y.is_contiguous(memory_format=cr.channels_last)
    assert not y.is_contiguous() and y.is_contiguous(memory_format=cr.channels_last) \
        == ty.is_contiguous(memory_format=torch.channels_last)
    z = x.contiguous(memory_format=cr.channels_last)
    assert z.stride() == tx.contiguous(memory_format=torch.channels_last).stride()
    (y * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(a.shape, 2, np.float32))
    np.testing.assert_array_equal(z.detach().numpy(), a)
    with pytest.raises(RuntimeError, match="rank 4"):
        cr.zeros(3).contiguous(memory_format=cr.channels_last)


def test_casts_and_type_strings_match_torch():
    torch = pytest.importorskip("torch")
    x, tx = cr.tensor([1.5, -2.0, 0.0]), torch.tensor([1.5, -2.0, 0.0])
    for m in ["float", "double", "long", "int", "bool", "half", "short", "byte", "char"]:
        a, b = getattr(x, m)(), getattr(tx, m)()
        assert a.dtype.name == str(b.dtype).split(".")[1], m
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.type() == b.type()
    for spec in ["LongTensor", "DoubleTensor", "IntTensor", "BoolTensor", "ByteTensor"]:
        a, b = x.type(getattr(cr, spec)), tx.type(getattr(torch, spec))
        assert a.type() == b.type() == "torch." + spec
        assert x.type("torch." + spec).type() == "torch." + spec
    assert x.type(cr.int16).dtype == cr.int16 and x.type_as(x.long()).dtype == cr.int64
    with pytest.raises(RuntimeError, match="CPU only"):
        x.type("torch.cuda.FloatTensor")


def test_legacy_tensor_constructors_and_isinstance():
    torch = pytest.importorskip("torch")
    for name in ["FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
                 "ByteTensor", "ShortTensor", "CharTensor", "HalfTensor"]:
        ours, theirs = getattr(cr, name)([1, 0, 2]), getattr(torch, name)([1, 0, 2])
        assert ours.dtype.name == str(theirs.dtype).split(".")[1]
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert isinstance(ours, getattr(cr, name)) and type(ours) is cr.Tensor
        assert getattr(cr, name)(2, 3).shape == (2, 3)
    assert not isinstance(cr.zeros(2).long(), cr.FloatTensor)
    assert isinstance(cr.zeros(2), cr.Tensor)
    with pytest.raises(TypeError):
        cr.DoubleTensor(cr.zeros(2))


ASSERT_CLOSE_CASES = [
    lambda t: (t.tensor([1., 2., 3.]), t.tensor([1., 2.1, 3.])),
    lambda t: (t.tensor([1., 2.]), t.tensor([1., 2., 3.])),
    lambda t: (t.tensor([1., 2.]), t.tensor([1., 2.], dtype=t.float64)),
    lambda t: (1.0, 1.1),
    lambda t: (2, 3),
    lambda t: (t.tensor([1, 2]), t.tensor([1, 3])),
    lambda t: (t.tensor(float("nan")), t.tensor(float("nan"))),
    lambda t: (t.tensor([True]), t.tensor([False])),
    lambda t: (t.tensor([[1., 2.], [3, 4]]), t.tensor([[1., 2.], [3, 5]])),
    lambda t: ([t.tensor([1.])], [t.tensor([2.])]),
    lambda t: ({"a": t.tensor([1.])}, {"a": t.tensor([2.])}),
    lambda t: ([1, 2], [1, 2, 3]),
    lambda t: (t.tensor([1.]), 1.0),
    lambda t: (t.tensor([1., float("inf")]), t.tensor([1., float("inf")])),
    lambda t: (t.tensor([0.]), t.tensor([1e-6])),
    lambda t: (t.tensor([1., 2.]), t.tensor([1., 2. + 2e-6])),
    lambda t: (t.tensor([1., 2.], dtype=t.float64), t.tensor([1., 2. + 1e-6], dtype=t.float64)),
    lambda t: (t.tensor([1., float("nan")]), t.tensor([1., 2.])),
]


@pytest.mark.parametrize("case", range(len(ASSERT_CLOSE_CASES)))
def test_assert_close_matches_torch(case):
    torch = pytest.importorskip("torch")

    def outcome(t):
        try:
            t.testing.assert_close(*ASSERT_CLOSE_CASES[case](t))
            return None
        except Exception as e:  # noqa: BLE001 - the type and message are what we compare
            return type(e).__name__, str(e)
    assert outcome(cr) == outcome(torch)


def test_assert_close_options():
    torch = pytest.importorskip("torch")
    for kw in [dict(check_dtype=False), dict(rtol=0.1, atol=0.0), dict(equal_nan=True),
               dict(msg="custom"), dict(rtol=0.1)]:
        for pair in [(lambda t: (t.tensor([1., float("nan")]), t.tensor([1.05, float("nan")],
                                                                        dtype=t.float64)))]:
            def outcome(t):
                try:
                    t.testing.assert_close(*pair(t), **kw)
                except Exception as e:  # noqa: BLE001
                    return type(e).__name__, str(e)
            assert outcome(cr) == outcome(torch), kw


def test_random_sampler_is_lazy_and_keeps_the_stream():
    ds = list(range(10))
    tracemalloc.start()
    it = iter(cr.utils.data.RandomSampler(ds, replacement=True, num_samples=int(1e10),
                                          generator=cr.Generator().manual_seed(0)))
    first = list(itertools.islice(it, 1000))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1 << 20 and len(first) == 1000 and set(first) <= set(ds)
    # the stream is the one a single draw of the generator gives
    assert first == np.random.default_rng(0).integers(0, 10, 1000).tolist()
    full = list(cr.utils.data.RandomSampler(ds, replacement=True, num_samples=70,
                                            generator=cr.Generator().manual_seed(3)))
    again = list(cr.utils.data.RandomSampler(ds, replacement=True, num_samples=70,
                                             generator=cr.Generator().manual_seed(3)))
    assert full == again and len(full) == 70
    s = cr.utils.data.RandomSampler(ds, num_samples=25, generator=cr.Generator().manual_seed(1))
    out = list(s)
    assert len(out) == len(s) == 25 and sorted(out[:10]) == ds and sorted(out[10:20]) == ds


def test_samplers_behave_as_pytorch():
    torch = pytest.importorskip("torch")
    from chainrule.utils.data import (SequentialSampler, SubsetRandomSampler,
                                      WeightedRandomSampler, BatchSampler)
    from torch.utils.data import BatchSampler as TBatch, SequentialSampler as TSeq
    assert list(SequentialSampler(range(5))) == list(TSeq(range(5)))
    for drop in (False, True):
        assert list(BatchSampler(SequentialSampler(range(10)), 3, drop)) == \
            list(TBatch(TSeq(range(10)), 3, drop))
        assert len(BatchSampler(range(10), 3, drop)) == len(TBatch(range(10), 3, drop))
    idx = [3, 7, 9, 11]
    s = SubsetRandomSampler(idx, generator=cr.Generator().manual_seed(0))
    assert sorted(s) == idx and len(s) == 4
    w = WeightedRandomSampler([0.0, 0.0, 1.0, 0.0], 20, generator=cr.Generator().manual_seed(0))
    assert list(w) == [2] * 20 and len(w) == 20
    w = WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)
    assert sorted(w) == [0, 1, 2]
    for bad in [lambda: BatchSampler(range(3), 0, False), lambda: WeightedRandomSampler([1.], 0)]:
        with pytest.raises(ValueError):
            bad()


def test_legacy_variable_makes_a_detached_tensor_as_pytorch():
    from chainrule.autograd import Variable
    t = cr.ones(2)
    v = Variable(t, requires_grad=True)
    assert type(v) is cr.Tensor and v is not t and v.requires_grad and v.is_leaf
    assert not t.requires_grad
    v.data.add_(1)  # shares memory with the wrapped tensor
    assert t.tolist() == [2.0, 2.0]
    u = Variable(cr.ones(2, requires_grad=True) * 2)
    assert u.grad_fn is None and not u.requires_grad and u.is_leaf
    assert isinstance(t, Variable) and isinstance(cr.nn.Parameter(cr.ones(1)), Variable)
    assert not isinstance(3.0, Variable) and Variable().shape == (0,)
    (Variable(t, requires_grad=True) * 3).sum().backward()  # usable as a leaf
    with pytest.warns(UserWarning, match="volatile was removed"):
        Variable(t, volatile=True)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        Variable([1, 2])


@pytest.mark.parametrize("name", ["float16", "float32", "float64", None])
def test_finfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = cr.finfo() if name is None else cr.finfo(getattr(cr, name))
    theirs = torch.finfo() if name is None else torch.finfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    for k in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, k) == getattr(theirs, k), k


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = cr.iinfo(getattr(cr, name)), torch.iinfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    assert (ours.bits, ours.max, ours.min, ours.dtype) == (theirs.bits, theirs.max, theirs.min, theirs.dtype)


def test_finfo_iinfo_refuse_the_other_kind():
    with pytest.raises(TypeError, match="requires a floating point input type"):
        cr.finfo(cr.int32)
    with pytest.raises(TypeError, match="requires an integer input type"):
        cr.iinfo(cr.float32)
    with pytest.raises(TypeError, match="torch.bool is not supported"):
        cr.iinfo(cr.bool)
    assert cr.finfo(cr.float32) == cr.finfo(cr.float32) and cr.finfo(cr.float32).min < -3e38
