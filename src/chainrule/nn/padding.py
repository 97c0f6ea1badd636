"""Padding layers over F.pad: constant / zero, reflection, replication, circular."""
from ..functions.shape import pad as _pad
from .module import Module


def _ntuple(p, n):
    return tuple(p) if isinstance(p, (tuple, list)) else (int(p),) * (2 * n)


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = _ntuple(padding, self._n)
        if len(self.padding) != 2 * self._n:
            raise ValueError(f"{type(self).__name__}: padding needs {2 * self._n} values, got "
                             f"{len(self.padding)}")
        self.value = value

    def forward(self, input):  # noqa: A002
        if self._mode == "constant":
            return _pad(input, self.padding, "constant", self.value)
        return _pad(input, self.padding, self._mode)

    def extra_repr(self):
        if self._mode == "constant" and not isinstance(self, _Zero):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class _Zero:
    def __init__(self, padding):
        _PadNd.__init__(self, padding, 0.0)


class ConstantPad1d(_PadNd):
    """Pad the last dim with a constant: padding (left, right) or an int for both."""
    _n = 1


class ConstantPad2d(_PadNd):
    """Pad the last two dims: padding (left, right, top, bottom)."""
    _n = 2


class ConstantPad3d(_PadNd):
    """Pad the last three dims with a constant (6 values, last dim first)."""
    _n = 3


class ZeroPad1d(_Zero, ConstantPad1d):
    """Pad the last dim with zeros."""
    pass


class ZeroPad2d(_Zero, ConstantPad2d):
    """Pad the last two dims with zeros: (left, right, top, bottom)."""
    pass


class ZeroPad3d(_Zero, ConstantPad3d):
    """Pad the last three dims with zeros."""
    pass


class ReflectionPad1d(_PadNd):
    """Mirror the input at its borders (edge not repeated)."""
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims at their borders."""
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims at their borders."""
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values."""
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims."""
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims."""
    _n, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap around (periodic boundary)."""
    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around."""
    _n, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap the last three dims around."""
    _n, _mode = 3, "circular"
