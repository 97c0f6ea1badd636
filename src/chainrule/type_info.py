"""torch.finfo / torch.iinfo: the numeric limits of a dtype (masking code asks for
`finfo(dtype).min`, losses for `finfo(dtype).eps`).

>>> chainrule.finfo(chainrule.float32).eps
1.1920928955078125e-07
>>> chainrule.iinfo(chainrule.int64).max
9223372036854775807
"""
import numpy as np

from . import dtypes


def _g(x):
    return f"{x:g}"


class finfo:
    """Returns the numeric limits of a floating-point dtype.

    finfo(dtype=None): bits, eps, max, min, tiny (= smallest_normal), resolution, dtype
    (a name such as 'float32') of a floating dtype; the default dtype when none is given.

    >>> fi = torch.finfo(torch.float32)
    >>> fi.bits, fi.eps, fi.max
    (32, 1.1920928955078125e-07, 3.4028234663852886e+38)
    >>> torch.finfo(torch.float16).tiny, torch.finfo().dtype
    (6.103515625e-05, 'float32')
    """

    def __init__(self, type=None):  # noqa: A002 (PyTorch's parameter name)
        d = dtypes.get_default_dtype() if type is None else dtypes.get(type)
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        info = np.finfo(d.np)
        self.bits = int(info.bits)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        self.resolution = 10.0 ** -int(info.precision)  # as PyTorch: a decimal power, exact
        self.dtype = d.name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
                f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, "
                f"tiny={_g(self.tiny)}, dtype={self.dtype})")


class iinfo:
    """Returns the numeric limits of an integer dtype.

    iinfo(dtype): bits, max, min, dtype (a name such as 'int64') of an integer dtype.

    >>> torch.iinfo(torch.int8).min, torch.iinfo(torch.int8).max, torch.iinfo(torch.uint8).bits
    (-128, 127, 8)
    """

    def __init__(self, type):  # noqa: A002
        d = dtypes.get(type)
        if d is dtypes.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(d.np)
        self.bits, self.max, self.min, self.dtype = int(info.bits), int(info.max), int(info.min), d.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
