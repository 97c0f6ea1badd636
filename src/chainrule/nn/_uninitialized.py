"""UninitializedParameter and UninitializedBuffer: placeholders of lazy modules whose
shape is not known until the first forward (PyTorch's torch.nn.parameter classes).

They hold a zero-size array of a marker ndarray type that refuses every NumPy operation
(ufuncs, array functions, indexing, reshaping) with PyTorch's "Attempted to use an
uninitialized parameter" error, so any op, optimizer or initialiser that reaches the data
fails clearly instead of computing on an empty array. Changing the dtype (module.to,
.double()) works, as in PyTorch. `materialize(shape)` gives them real storage and turns
them into a Parameter / Tensor in place (the same object, so optimizers keep it).
"""
import numpy as np

from .. import dtypes
from ..tensor import Tensor, _init
from .parameter import Parameter

_SHAPE_MSG = ("Can't access the shape of an uninitialized parameter or buffer. This error "
              "usually happens in `load_state_dict` when trying to load an uninitialized "
              "parameter into an initialized one. Call `forward` to initialize the parameters "
              "before accessing their attributes.")


def _use_error(owner, what):
    return ValueError(f"Attempted to use an uninitialized parameter in {what}. This error "
                      f"happens when you are using a `LazyModule` or explicitly manipulating "
                      f"`chainrule.nn.parameter.{owner}` objects. When using LazyModules Call "
                      f"`forward` with a dummy batch to initialize the parameters before "
                      f"calling chainrule functions")


class _ShapeError(RuntimeError, ValueError):
    """Reading an uninitialized array's shape: PyTorch raises RuntimeError for that (in
    load_state_dict) and ValueError for ops that use the tensor; library code reaches the
    shape from both paths, so the error is both."""


class _UnmaterializedArray(np.ndarray):
    """The storage of an uninitialized tensor: only its dtype may be read or changed."""

    def __array_finalize__(self, obj):
        self._owner = getattr(obj, "_owner", "UninitializedParameter")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        raise _use_error(self._owner, f"numpy.{ufunc.__name__}"
                         + ("" if method == "__call__" else f".{method}"))

    def __array_function__(self, func, types, args, kwargs):
        raise _use_error(self._owner, f"numpy.{func.__name__}")

    @property
    def shape(self):
        raise _ShapeError(_SHAPE_MSG)

    def _refuse(self, *args, **kwargs):
        raise _use_error(self._owner, "an array operation")

    __getitem__ = __setitem__ = reshape = view = _refuse
    __array__ = _refuse  # np.asarray(p) and friends


def _placeholder(owner, dtype):
    d = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
    arr = np.empty(0, dtype=d).view(_UnmaterializedArray)
    arr._owner = owner
    return arr


class UninitializedTensorMixin:
    """What UninitializedParameter and UninitializedBuffer share."""

    __slots__ = ()
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor storage of `shape` (uninitialised values; the module's
        reset_parameters fills them) and make it a regular Parameter / Tensor."""
        d = self._data.dtype if dtype is None else dtypes.get(dtype).np
        self._data = np.empty(tuple(int(s) for s in shape), dtype=np.dtype(d))
        self._version[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_SHAPE_MSG)

    def size(self, dim=None):
        raise RuntimeError(_SHAPE_MSG)

    def numel(self):
        raise _use_error(type(self).__name__, "numel")

    def dim(self):
        raise _use_error(type(self).__name__, "dim")

    def detach(self):
        # state_dict keeps the placeholder itself, as PyTorch's lazy modules do
        return self

    def share_memory_(self):
        raise RuntimeError("Can't share memory on an uninitialized parameter or buffer. Call "
                           "`forward` to initialize the parameters before calling "
                           "`module.share_memory()`.")

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.requires_grad, dtype=self.dtype)
        return memo[id(self)]

    def __reduce_ex__(self, proto):
        return (type(self), (self.requires_grad, None, self.dtype))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter whose shape is not known yet (a lazy module's, before its first
    forward); materialize(shape) turns it into a Parameter.

    >>> p = nn.UninitializedParameter()
    >>> p.materialize((2, 3)); type(p).__name__, tuple(p.shape)
    ('Parameter', (2, 3))
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad=True, device=None, dtype=None):
        _init(self, _placeholder("UninitializedParameter", dtype), False, None)
        if requires_grad:
            self.requires_grad_(True)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer whose shape is not known yet (a lazy BatchNorm's running statistics);
    materialize(shape) turns it into a plain Tensor.

    >>> b = nn.UninitializedBuffer(); b
    <UninitializedBuffer>
    >>> b.materialize((2, 3)); type(b).__name__, tuple(b.shape)
    ('Tensor', (2, 3))
    """

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        _init(self, _placeholder("UninitializedBuffer", dtype), bool(requires_grad), None)


def is_lazy(param):
    """Whether `param` is an UninitializedParameter or UninitializedBuffer."""
    return isinstance(param, UninitializedTensorMixin)
