"""The small top-level names PyTorch scripts use: constants, the default device, switches.

>>> chainrule.inf, chainrule.pi
(inf, 3.141592653589793)
>>> chainrule.set_default_device("cpu"); chainrule.get_default_device()
device(type='cpu')
"""
import math

from .tensor import Tensor, device, on_cpu

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e
newaxis = None


def set_default_device(dev):
    """Set the device new tensors are made on: only 'cpu' (or None) exists here; any
    other device raises at once (PyTorch would fail at the first tensor creation).

    >>> torch.set_default_device("cpu")
    >>> torch.zeros(1).device
    device(type='cpu')
    >>> torch.set_default_device("cuda")
    Traceback (most recent call last):
        ...
    RuntimeError: set_default_device: chainrule runs on the CPU only; device ...
    """
    if dev is not None:
        on_cpu(dev, "set_default_device")


def get_default_device():
    """device(type='cpu'), always.

    >>> torch.get_default_device()
    device(type='cpu')
    """
    return device("cpu")


def is_nonzero(x):
    """bool(x) for a one-element tensor (PyTorch's errors otherwise).

    >>> torch.is_nonzero(torch.tensor([0.5])), torch.is_nonzero(torch.tensor(0))
    (True, False)
    >>> torch.is_nonzero(torch.tensor([1, 2]))
    Traceback (most recent call last):
        ...
    RuntimeError: Boolean value of Tensor with more than one value is ambiguous
    """
    if x.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if x.numel() > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(x.item())


def is_storage(obj):
    """False: chainrule has no separate storage objects.

    >>> torch.is_storage(torch.zeros(2))
    False
    """
    return False


def typename(obj):
    """'torch.FloatTensor' for tensors (as torch.typename), else the qualified type name.

    >>> torch.typename(torch.zeros(2)), torch.typename(torch.tensor([1, 2]))
    ('torch.FloatTensor', 'torch.LongTensor')
    >>> torch.typename(nn.Linear(1, 1))
    'chainrule.nn.linear.Linear'
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = type(obj).__module__
    return (module + "." if module not in ("builtins", None) else "") + type(obj).__qualname__


_deterministic = [False]


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Recorded only: every NumPy kernel here is already deterministic.

    >>> torch.use_deterministic_algorithms(True)
    >>> torch.are_deterministic_algorithms_enabled()
    True
    >>> torch.use_deterministic_algorithms(False)
    """
    _deterministic[0] = bool(mode)


def are_deterministic_algorithms_enabled():
    """Whether use_deterministic_algorithms(True) is in effect (it is only recorded).

    >>> torch.are_deterministic_algorithms_enabled()
    False
    """
    return _deterministic[0]


def compile(model=None, **kwargs):  # noqa: A001 - PyTorch's name
    """The model itself, run eagerly (what torch.compile(backend="eager") does): there is
    no compiler here. Works as a decorator too.

    >>> model = chainrule.compile(nn.Linear(2, 1))
    >>> model
    Linear(in_features=2, out_features=1, bias=True)
    >>> @chainrule.compile
    ... def double(x):
    ...     return 2 * x
    >>> double(torch.tensor([1.0, 2.0]))
    tensor([2., 4.])
    """
    if model is None:
        return lambda m: m
    return model
