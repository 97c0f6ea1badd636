"""PyTorch's legacy typed tensor constructors: ``LongTensor``, ``FloatTensor``, ...

Each builds a ``Tensor`` of its dtype, from data or from sizes, as in PyTorch, and
``isinstance(t, chainrule.LongTensor)`` is true for int64 tensors:

>>> chainrule.LongTensor([1, 2]).dtype
chainrule.int64
>>> chainrule.FloatTensor(2, 3).shape
chainrule.Size([2, 3])
"""
from . import dtypes
from .tensor import Tensor


class _TypedTensorMeta(type):
    def __call__(cls, *args, **kwargs):
        if "dtype" in kwargs:
            raise TypeError(f"{cls.__name__}(): got an unexpected keyword argument 'dtype'")
        return Tensor(*args, dtype=cls.dtype, **kwargs)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype

    def __repr__(cls):
        return f"<class 'chainrule.{cls.__name__}'>"


def _typed(name, dtype):
    return _TypedTensorMeta(name, (), {"dtype": dtype, "__doc__":
                                       f"A constructor of {dtype} tensors (PyTorch's "
                                       f"torch.{name})."})


FloatTensor = _typed("FloatTensor", dtypes.float32)
DoubleTensor = _typed("DoubleTensor", dtypes.float64)
HalfTensor = _typed("HalfTensor", dtypes.float16)
LongTensor = _typed("LongTensor", dtypes.int64)
IntTensor = _typed("IntTensor", dtypes.int32)
ShortTensor = _typed("ShortTensor", dtypes.int16)
CharTensor = _typed("CharTensor", dtypes.int8)
ByteTensor = _typed("ByteTensor", dtypes.uint8)
BoolTensor = _typed("BoolTensor", dtypes.bool_)
