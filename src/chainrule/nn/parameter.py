"""Parameter: a Tensor that a Module registers as learnable when assigned as an attribute."""
import numpy as np

from ..tensor import Tensor, _init
from .. import dtypes


class Parameter(Tensor):
    """A leaf tensor that requires grad by default and is collected by Module.parameters().

    Parameter(t) shares t's memory (no copy), as in PyTorch.

    >>> w = nn.Parameter(chainrule.zeros(3))
    >>> w.requires_grad
    True
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            arr = np.empty((0,), dtype=dtypes.get_default_dtype().np)
        elif isinstance(data, Tensor):
            arr = data._data
        elif isinstance(data, np.ndarray):
            arr = data
        else:  # Python lists / numbers: the default float dtype, as chainrule.tensor does
            arr = np.asarray(data)
            if arr.dtype.kind in "fiub":
                arr = arr.astype(dtypes.get_default_dtype().np)
        _init(self, arr, False, None)
        if isinstance(data, Tensor):
            self._version = data._version  # same storage, same version counter
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(self._data.copy(), self.requires_grad)
        if self.grad is not None:
            p.grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = p
        return p


class Buffer(Tensor):
    """Marker type (PyTorch 2.x nn.Buffer): assigning one to a Module registers a buffer.

    >>> m = nn.Module()
    >>> m.stats = nn.Buffer(torch.zeros(2))
    >>> [name for name, _ in m.named_buffers()], list(m.parameters())
    (['stats'], [])
    """

    __slots__ = ("persistent",)

    def __init__(self, data, *, persistent=True):
        arr = data._data if isinstance(data, Tensor) else np.asarray(data)
        _init(self, arr, False, None)
        self.persistent = persistent
from ._uninitialized import (UninitializedTensorMixin, UninitializedParameter,  # noqa: F401,E402
                             UninitializedBuffer, is_lazy)
