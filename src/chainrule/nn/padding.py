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
    """Pad the last dim with a constant: padding (left, right) or an int for both.

    >>> nn.ConstantPad1d((1, 2), 9.0)(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[9., 1., 2., 3., 9., 9.]]])
    """
    _n = 1


class ConstantPad2d(_PadNd):
    """Pad the last two dims: padding (left, right, top, bottom).

    >>> nn.ConstantPad2d((1, 0, 0, 1), -1.0)(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[-1.,  0.,  1.],
              [-1.,  2.,  3.],
              [-1., -1., -1.]]]])
    """
    _n = 2


class ConstantPad3d(_PadNd):
    """Pad the last three dims with a constant (6 values, last dim first).

    >>> nn.ConstantPad3d((1, 0, 0, 0, 0, 1), 7.0)(torch.arange(2.0).reshape(1, 1, 1, 1, 2))
    tensor([[[[[7., 0., 1.]],
    <BLANKLINE>
              [[7., 7., 7.]]]]])
    """
    _n = 3


class ZeroPad1d(_Zero, ConstantPad1d):
    """Pad the last dim with zeros.

    >>> nn.ZeroPad1d(2)(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[0., 0., 1., 2., 3., 0., 0.]]])
    """
    pass


class ZeroPad2d(_Zero, ConstantPad2d):
    """Pad the last two dims with zeros: (left, right, top, bottom).

    >>> nn.ZeroPad2d((1, 1, 0, 1))(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[0., 0., 1., 0.],
              [0., 2., 3., 0.],
              [0., 0., 0., 0.]]]])
    """
    pass


class ZeroPad3d(_Zero, ConstantPad3d):
    """Pad the last three dims with zeros.

    >>> nn.ZeroPad3d((1, 0, 0, 0, 0, 1))(torch.arange(2.0).reshape(1, 1, 1, 1, 2))
    tensor([[[[[0., 0., 1.]],
    <BLANKLINE>
              [[0., 0., 0.]]]]])
    """
    pass


class ReflectionPad1d(_PadNd):
    """Mirror the input at its borders (edge not repeated).

    >>> nn.ReflectionPad1d(2)(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[3., 2., 1., 2., 3., 2., 1.]]])
    """
    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims at their borders.

    >>> nn.ReflectionPad2d(1)(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[3., 2., 3., 2.],
              [1., 0., 1., 0.],
              [3., 2., 3., 2.],
              [1., 0., 1., 0.]]]])
    """
    _n, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Mirror the last three dims at their borders.

    >>> nn.ReflectionPad3d((1, 1, 0, 0, 0, 0))(torch.arange(2.0).reshape(1, 1, 1, 1, 2))
    tensor([[[[[1., 0., 1., 0.]]]]])
    """
    _n, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values.

    >>> nn.ReplicationPad1d((2, 1))(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[1., 1., 1., 2., 3., 3.]]])
    """
    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims.

    >>> nn.ReplicationPad2d((1, 0, 1, 0))(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[0., 0., 1.],
              [0., 0., 1.],
              [2., 2., 3.]]]])
    """
    _n, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Repeat the edge values of the last three dims.

    >>> nn.ReplicationPad3d((1, 1, 0, 0, 0, 1))(torch.arange(2.0).reshape(1, 1, 1, 1, 2))
    tensor([[[[[0., 0., 1., 1.]],
    <BLANKLINE>
              [[0., 0., 1., 1.]]]]])
    """
    _n, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Wrap around (periodic boundary).

    >>> nn.CircularPad1d(2)(torch.tensor([[[1.0, 2.0, 3.0]]]))
    tensor([[[2., 3., 1., 2., 3., 1., 2.]]])
    """
    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around.

    >>> nn.CircularPad2d((1, 0, 0, 1))(torch.arange(4.0).reshape(1, 1, 2, 2))
    tensor([[[[1., 0., 1.],
              [3., 2., 3.],
              [1., 0., 1.]]]])
    """
    _n, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Wrap the last three dims around.

    >>> nn.CircularPad3d((1, 1, 0, 0, 0, 0))(torch.arange(2.0).reshape(1, 1, 1, 1, 2))
    tensor([[[[[1., 0., 1., 0.]]]]])
    """
    _n, _mode = 3, "circular"
