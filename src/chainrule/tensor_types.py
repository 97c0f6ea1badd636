"""PyTorch's tensor-type names: memory formats, layouts, and the legacy typed constructors.

>>> x = chainrule.LongTensor([1, 2])          # an int64 tensor
>>> isinstance(x, chainrule.LongTensor), x.type()
(True, 'torch.LongTensor')
>>> y = x.type(chainrule.FloatTensor)         # a float32 copy
>>> chainrule.zeros(2, 3, 4, 5).contiguous(memory_format=chainrule.channels_last).stride()
(60, 1, 15, 3)
"""
import numpy as np

from . import dtypes
from .tensor import Tensor


class memory_format:
    """How a tensor's elements are laid out in memory (torch.contiguous_format, ...).

    >>> torch.channels_last, torch.contiguous_format
    (chainrule.channels_last, chainrule.contiguous_format)
    >>> x = torch.zeros(1, 3, 2, 2).contiguous(memory_format=torch.channels_last)
    >>> x.is_contiguous(memory_format=torch.channels_last), x.is_contiguous()
    (True, False)
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "chainrule." + self.name

    def __reduce__(self):
        return (globals().__getitem__, (self.name,))


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class layout:
    """A tensor's storage kind: torch.strided (dense) or torch.sparse_coo.

    >>> torch.zeros(2).layout, torch.strided == torch.zeros(2).layout
    (chainrule.strided, True)
    """

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "chainrule." + self.name

    def __reduce__(self):
        return (globals().__getitem__, (self.name,))


strided = layout("strided")
sparse_coo = layout("sparse_coo")

# The dimension order in memory, outermost first, of each channels-last format.
_ORDER = {"channels_last": (4, (0, 2, 3, 1)), "channels_last_3d": (5, (0, 2, 3, 4, 1))}


def _format_order(t, fmt, op):
    if fmt.name not in _ORDER:
        raise TypeError(f"{op}: unsupported memory_format {fmt!r}")
    ndim, order = _ORDER[fmt.name]
    if t._data.ndim != ndim:
        raise RuntimeError(f"required rank {ndim} tensor to use {fmt.name} format (got a "
                           f"{t._data.ndim}-D tensor of shape {list(t.shape)})")
    return order


def as_memory_format(arr, t, fmt, op="contiguous"):
    """`arr` (t's values) copied into the layout `fmt`, the shape unchanged; the array
    itself when it is already laid out so.

    >>> from chainrule.tensor_types import as_memory_format
    >>> t = torch.zeros(1, 3, 2, 2)
    >>> as_memory_format(t._data, t, torch.channels_last).strides   # bytes, channels innermost
    (48, 4, 24, 12)
    """
    if fmt is None or fmt.name in ("contiguous_format",):
        # (np.ascontiguousarray would turn a 0-d array into a 1-d one)
        return arr if arr.flags.c_contiguous else np.array(arr, order="C")
    if fmt.name == "preserve_format":
        return arr
    order = _format_order(t, fmt, op)
    inverse = tuple(int(i) for i in np.argsort(order))
    return np.ascontiguousarray(arr.transpose(order)).transpose(inverse)


def strides_contiguous(t, fmt):
    """Whether t is dense in the channels-last order `fmt` (size-1 dims may have any stride).

    >>> from chainrule.tensor_types import strides_contiguous
    >>> t = torch.zeros(1, 3, 2, 2)
    >>> strides_contiguous(t, torch.channels_last)
    False
    >>> strides_contiguous(t.contiguous(memory_format=torch.channels_last), torch.channels_last)
    True
    """
    order = _format_order(t, fmt, "is_contiguous")
    a = t._data
    expected = a.itemsize
    for d in reversed(order):
        if a.shape[d] != 1 and a.strides[d] != expected:
            return False
        expected *= a.shape[d]
    return True


# --- legacy typed tensors: torch.FloatTensor(...), isinstance(x, torch.LongTensor) --------
_TYPE_NAMES = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
               "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
               "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


class _TensorType(type):
    """Metaclass of FloatTensor & co: calling one builds a chainrule.Tensor of its dtype;
    isinstance(x, FloatTensor) asks for a float32 tensor (as in PyTorch, where
    type(FloatTensor([1])) is Tensor)."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._data.dtype == cls.dtype.np

    def __call__(cls, *args, **kwargs):
        if kwargs.get("device") not in (None, "cpu"):
            from .tensor import on_cpu
            on_cpu(kwargs["device"], cls.__name__)
        if len(args) == 1 and isinstance(args[0], Tensor):
            if args[0]._data.dtype != cls.dtype.np:
                raise TypeError(f"{cls.__name__}(tensor): expected a tensor of dtype "
                                f"{cls.dtype.name}, got {args[0].dtype.name}")
            return args[0]
        return Tensor(*args, dtype=cls.dtype)

    def __repr__(cls):
        return f"<class 'chainrule.{cls.__name__}'>"


def _tensor_type(dt):
    name = _TYPE_NAMES[dt.name]
    doc = (f"Legacy constructor of {dt.name} tensors (torch.{name}).\n\n"
           f"{name}(data) or {name}(*sizes); isinstance(x, {name}) tests the dtype.\n\n"
           f">>> x = chainrule.{name}([1, 0])\n"
           f">>> x.dtype, isinstance(x, chainrule.{name}), x.type()\n"
           f"(chainrule.{dt.name}, True, 'torch.{name}')\n"
           f">>> chainrule.{name}(2, 3).shape\n"
           f"chainrule.Size([2, 3])\n")
    return _TensorType(_TYPE_NAMES[dt.name], (), {"dtype": dt, "is_cuda": False,
                                                 "__module__": "chainrule", "__doc__": doc})


FloatTensor = _tensor_type(dtypes.float32)
DoubleTensor = _tensor_type(dtypes.float64)
HalfTensor = _tensor_type(dtypes.float16)
LongTensor = _tensor_type(dtypes.int64)
IntTensor = _tensor_type(dtypes.int32)
ShortTensor = _tensor_type(dtypes.int16)
CharTensor = _tensor_type(dtypes.int8)
ByteTensor = _tensor_type(dtypes.uint8)
BoolTensor = _tensor_type(dtypes.bool_)
_BY_TYPE_NAME = {c.__name__: c for c in (FloatTensor, DoubleTensor, HalfTensor, LongTensor,
                                          IntTensor, ShortTensor, CharTensor, ByteTensor,
                                          BoolTensor)}


def type_string(t):
    """'torch.FloatTensor' and friends: what x.type() returns (PyTorch's strings, so the
    comparisons scripts make with them hold).

    >>> from chainrule.tensor_types import type_string
    >>> type_string(torch.zeros(2)), type_string(torch.tensor([1, 2]))
    ('torch.FloatTensor', 'torch.LongTensor')
    """
    return "torch." + _TYPE_NAMES[t.dtype.name]


def type_target(spec):
    """The dtype that x.type(spec) casts to: a dtype, a typed-tensor class, or its name
    ('torch.LongTensor', 'torch.cuda.FloatTensor' raises: CPU only).

    >>> from chainrule.tensor_types import type_target
    >>> type_target('torch.LongTensor'), type_target(torch.DoubleTensor), type_target(torch.float16)
    (chainrule.int64, chainrule.float64, chainrule.float16)
    """
    if isinstance(spec, _TensorType):
        return spec.dtype
    if isinstance(spec, str) and spec.endswith("Tensor"):
        parts = spec.split(".")
        if "cuda" in parts:
            raise RuntimeError(f"type: chainrule runs on the CPU only; {spec} is not available")
        if parts[-1] in _BY_TYPE_NAME and (len(parts) == 1 or parts[0] in ("torch",
                                                                            "chainrule")):
            return _BY_TYPE_NAME[parts[-1]].dtype
        raise ValueError(f"invalid type: '{spec}'")
    return dtypes.get(spec)
