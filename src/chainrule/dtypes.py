"""dtype objects with PyTorch's names, and PyTorch's type-promotion rules."""
import numpy as np


class dtype:
    """A tensor element type: ``chainrule.float32`` and friends.

    >>> torch.float32, torch.float is torch.float32, torch.long
    (chainrule.float32, True, chainrule.int64)
    >>> torch.float64.is_floating_point, torch.int32.itemsize, torch.int8.is_signed
    (True, 4, True)
    >>> torch.tensor([1, 2]).dtype == torch.int64
    True
    """

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_kind")

    def __init__(self, name, np_type, kind):
        self.name = name
        self.np = np.dtype(np_type)
        self.is_floating_point = kind == 2
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        self._kind = kind  # 0 bool, 1 integer, 2 floating: PyTorch's promotion categories

    def __repr__(self):
        return f"chainrule.{self.name}"

    def __eq__(self, other):
        if isinstance(other, dtype):
            return self is other
        try:
            return get(other) is self
        except TypeError:
            return NotImplemented

    def __hash__(self):
        return hash(self.name)

    def __reduce__(self):
        return (get, (self.name,))


float16 = dtype("float16", np.float16, 2)
float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1)
int32 = dtype("int32", np.int32, 1)
int64 = dtype("int64", np.int64, 1)
bool_ = dtype("bool", np.bool_, 0)
half, float, double = float16, float32, float64  # noqa: A001 - PyTorch's aliases
short, int, long = int16, int32, int64  # noqa: A001

_ALL = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
_BY_NP = {d.np: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32, long=int64)

_default_float = [float32]


def get_default_dtype():
    """Returns the dtype floating-point tensors get by default.

    >>> torch.get_default_dtype()
    chainrule.float32
    >>> torch.tensor([1.5]).dtype
    chainrule.float32
    """
    return _default_float[0]


def set_default_dtype(d):
    """Sets the floating-point dtype new tensors get by default.

    >>> torch.set_default_dtype(torch.float64)
    >>> torch.tensor([1.5]).dtype, torch.zeros(1).dtype
    (chainrule.float64, chainrule.float64)
    >>> torch.set_default_dtype(torch.float32)
    """
    d = get(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype: only floating-point types are allowed, got {d}")
    _default_float[0] = d


def get(d):
    """Any dtype spelling (chainrule dtype, NumPy dtype, name, Python type) -> chainrule dtype.

    >>> from chainrule import dtypes
    >>> dtypes.get('float64'), dtypes.get(np.int32), dtypes.get(float), dtypes.get(bool)
    (chainrule.float64, chainrule.int32, chainrule.float64, chainrule.bool)
    """
    if isinstance(d, dtype):
        return d
    if d is builtins_float:
        return float64  # as torch.tensor(..., dtype=float)
    if d is builtins_int:
        return int64
    if d is builtins_bool:
        return bool_
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return _BY_NP[np.dtype(d)]
    except (TypeError, KeyError):
        raise TypeError(f"unsupported dtype: {d!r}") from None


def from_np(np_dtype):
    """NumPy dtype of an array -> chainrule dtype (unknown NumPy types raise).

    >>> from chainrule import dtypes
    >>> dtypes.from_np(np.dtype('uint8'))
    chainrule.uint8
    """
    try:
        return _BY_NP[np_dtype]
    except KeyError:
        raise TypeError(f"unsupported array dtype {np_dtype}; chainrule supports "
                        + ", ".join(d.name for d in _ALL)) from None


import builtins as _b  # noqa: E402

builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool


def _scalar_kind(x):
    if isinstance(x, builtins_bool) or isinstance(x, np.bool_):
        return 0
    if isinstance(x, (builtins_int, np.integer)):
        return 1
    return 2


def result_type(*operands):
    """The NumPy dtype of an op on `operands`, by PyTorch's promotion rules.

    Operands are arrays (dimensioned tensors), 0-d arrays (zero-dim tensors) or Python
    scalars. A higher category (bool < integer < float) wins; inside a category,
    dimensioned tensors outrank 0-d tensors, which outrank Python scalars. So
    float32 + python float -> float32, int64 + 1.5 -> float32 (the default), and
    float32[3] + float64 0-d -> float32, unlike NumPy.

    >>> from chainrule import dtypes
    >>> dtypes.result_type(np.zeros(3, np.float32), 1.5)
    dtype('float32')
    >>> dtypes.result_type(np.zeros(3, np.int64), 1.5)
    dtype('float32')
    >>> dtypes.result_type(np.zeros(3, np.float32), np.array(2.0))
    dtype('float32')
    >>> (torch.zeros(3) + torch.tensor(2.0, dtype=torch.float64)).dtype
    chainrule.float32
    """
    best_dim = best_zero = None
    scalar_kind = -1
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                best_dim = x.dtype if best_dim is None else _promote(best_dim, x.dtype)
            else:
                best_zero = x.dtype if best_zero is None else _promote(best_zero, x.dtype)
        else:
            scalar_kind = max(scalar_kind, _scalar_kind(x))
    cat = -1
    result = None
    for d in (best_dim, best_zero):
        if d is None:
            continue
        k = _BY_NP[d]._kind
        if result is None:
            result, cat = d, k
        elif k > cat:
            result, cat = d, k
    if scalar_kind > cat:
        result = (np.dtype(np.bool_), np.dtype(np.int64), _default_float[0].np)[scalar_kind]
    return result


def _promote(a, b):
    if a == b:
        return a
    ka, kb = _BY_NP[a]._kind, _BY_NP[b]._kind
    if ka != kb:
        return a if ka > kb else b
    return np.promote_types(a, b)
