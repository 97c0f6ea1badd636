"""Argument handling shared by the ops: tensor conversion, promotion, dims, errors."""
import numpy as np

from .. import dtypes
from ..tensor import Tensor

_make = Tensor._make
_nd = np.ndarray


def as_operand(x, dtype=None):
    """A Tensor for any op argument; Python scalars and arrays become constants."""
    if isinstance(x, Tensor):
        return x
    if dtype is not None:
        return _make(np.asarray(x, dtype=dtype))
    if isinstance(x, np.ndarray):
        return _make(x)
    return _make(np.asarray(x, dtype=dtypes.result_type(x)))


def promote(a, b):
    """Both operands as Tensors of PyTorch's result dtype for a binary op."""
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a._data.dtype == b._data.dtype:
        return a, b
    da = a._data if isinstance(a, Tensor) else a
    db = b._data if isinstance(b, Tensor) else b
    for v in (da, db):
        if isinstance(v, (str, bytes, dict, set)) or v is None:
            raise TypeError(f"unsupported operand type for a tensor op: {type(v).__name__}")
    if isinstance(da, (list, tuple)):
        da = np.asarray(da)
    if isinstance(db, (list, tuple)):
        db = np.asarray(db)
    rt = dtypes.result_type(da, db)
    return cast(a, rt), cast(b, rt)


def cast(x, np_dtype):
    """x as a Tensor of np_dtype: a differentiable cast for tensors, a constant otherwise."""
    if isinstance(x, Tensor):
        if x._data.dtype == np_dtype:
            return x
        from .elementwise import Cast
        return Cast.apply(x, dtype=np_dtype)
    return _make(np.asarray(x, dtype=np_dtype))


def floating(x):
    """x itself if floating point, else cast to the default float (exp of an int tensor
    is a float32 tensor in PyTorch)."""
    if not isinstance(x, Tensor):
        x = as_operand(x)
    if x._data.dtype.kind == "f":
        return x
    return cast(x, dtypes.get_default_dtype().np)


def norm_dim(dim, ndim, op="op"):
    """dim (int, tuple, list or None) -> a sorted tuple of non-negative axes, or None."""
    if dim is None:
        return None
    if isinstance(dim, (tuple, list)):
        if len(dim) == 0:
            return None
        axes = tuple(sorted(_one_dim(d, ndim, op) for d in dim))
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"{op}: dim {tuple(dim)} appears multiple times in the list of dims")
        return axes
    return (_one_dim(dim, ndim, op),)


def _one_dim(d, ndim, op):
    if isinstance(d, Tensor):
        d = d.item()
    n = max(ndim, 1)
    if not -n <= d < n:
        raise IndexError(f"{op}: Dimension out of range (expected to be in range of "
                         f"[{-n}, {n - 1}], but got {d})")
    return d % n


def one_dim(d, ndim, op="op"):
    return _one_dim(d, ndim, op)


def shape_arg(shape):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(torch.Size)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def broadcast_error(op, a, b):
    sa, sb = list(np.shape(a)), list(np.shape(b))
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            return RuntimeError(f"{op}: The size of tensor a ({x}) must match the size of tensor "
                                f"b ({y}) at non-singleton dimension {max(len(sa), len(sb)) - i}"
                                f" (shapes {sa} and {sb})")
    return RuntimeError(f"{op}: shapes {sa} and {sb} cannot be broadcast together")


def dim_aliases(fn):
    """Accept NumPy's `axis=` / `keepdims=` for `dim=` / `keepdim=`, as PyTorch's argument
    parser does for every op that takes a dim (x.max(axis=1), x.any(axis=0, keepdims=True))."""
    import functools

    @functools.wraps(fn)
    def f(*args, **kw):
        if kw:
            if "axis" in kw:
                if "dim" in kw:
                    raise TypeError(f"{fn.__name__}() got both 'dim' and its alias 'axis'")
                kw["dim"] = kw.pop("axis")
            if "keepdims" in kw:
                kw["keepdim"] = kw.pop("keepdims")
        return fn(*args, **kw)
    return f
