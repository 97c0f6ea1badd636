"""Tensor creation: tensor, zeros, ones, arange, rand, randn, ... with PyTorch's dtypes."""
import operator

import numpy as np

from . import dtypes
from .random import rng
from .tensor import Tensor, on_cpu

_make = Tensor._make


def _finish(arr, requires_grad, device=None):
    if device is not None:
        on_cpu(device, "tensor creation")  # only the CPU exists here
    t = _make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer(data, dtype=None):
    """NumPy array with PyTorch's inferred dtype: arrays and NumPy scalars keep theirs;
    Python floats -> the default float, Python ints -> int64, bools -> bool. With `dtype`,
    Python data converts straight to it."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (np.ndarray, np.generic)):
        return np.asarray(data)
    if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d._data if isinstance(d, Tensor) else d for d in data]
    arr = np.asarray(data) if dtype is None or dtype.kind == "b" else np.asarray(data, dtype)
    if dtype is not None and arr.dtype.kind != "O":
        return arr
    if arr.dtype.kind == "f":
        return arr.astype(dtypes.get_default_dtype().np)
    if arr.dtype.kind in "iu" and arr.dtype != np.int64:
        return arr.astype(np.int64)
    if arr.dtype.kind == "O":
        raise TypeError(f"tensor(): could not infer dtype of {type(data).__name__} (ragged "
                        "nested sequences or unsupported objects)")
    return arr


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (nested lists, scalars or arrays).

    >>> chainrule.tensor([[1, 2], [3, 4]]), chainrule.tensor(2.5, requires_grad=True)
    (tensor([[1, 2],
            [3, 4]]), tensor(2.5000, requires_grad=True))
    """
    try:
        # With an explicit dtype, convert straight to it: going through the default float
        # first would round tensor([0.1], dtype=float64) to float32 precision.
        arr = _infer(data, None if dtype is None else dtypes.get(dtype).np)
    except ValueError as e:
        raise ValueError(f"tensor(): {e}") from None
    arr = np.array(arr, dtype=None if dtype is None else dtypes.get(dtype).np, copy=True)
    if arr.dtype.kind not in "biuf" or arr.dtype not in dtypes._BY_NP:
        arr = arr.astype(dtypes.from_np(np.result_type(arr.dtype)).np)
    return _finish(arr, requires_grad, device)


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but shares memory with a NumPy array or tensor when it can.

    >>> a = np.array([1.0, 2.0])
    >>> t = chainrule.as_tensor(a)
    >>> a[0] = 9.0; t                      # no copy: the tensor sees the change
    tensor([9., 2.], dtype=chainrule.float64)
    """
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    if isinstance(data, np.ndarray):
        arr = data if dtype is None else data.astype(dtypes.get(dtype).np, copy=False)
        return _finish(arr, False, device)
    return tensor(data, dtype=dtype, device=device)


asarray = as_tensor


def from_numpy(arr):
    """A tensor sharing memory with a NumPy array (changes show in both).

    >>> a = np.zeros(3, dtype=np.float32)
    >>> t = chainrule.from_numpy(a)
    >>> t += 1; a                          # changes show in both
    array([1., 1., 1.], dtype=float32)
    """
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray (got {type(arr).__name__})")
    dtypes.from_np(arr.dtype)
    return _make(arr)


def _dtype(dtype, default=None):
    if dtype is None:
        return (default or dtypes.get_default_dtype()).np
    return dtypes.get(dtype).np


def _shape(size, op="tensor"):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        # operator.index, as PyTorch: 2.5 is refused, not truncated to 2.
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        bad = next((s for s in size if not hasattr(s, "__index__")), size)
        raise TypeError(f"{op}(): argument 'size' must be tuple of ints, not "
                        f"{type(bad).__name__}") from None
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension: {list(shape)}")
    return shape


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None):
    """A tensor of zeros of the given size (the default float dtype unless `dtype`).

    >>> chainrule.zeros(2, 3), chainrule.zeros((2,), dtype=chainrule.int64)
    (tensor([[0., 0., 0.],
            [0., 0., 0.]]), tensor([0, 0]))
    """
    shape = _shape(sizes if size is None else (size,), "zeros")
    return _finish(np.zeros(shape, _dtype(dtype)), requires_grad, device)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    """A tensor of ones of the given size.

    >>> chainrule.ones(2, 2)
    tensor([[1., 1.],
            [1., 1.]])
    """
    shape = _shape(sizes if size is None else (size,), "ones")
    return _finish(np.ones(shape, _dtype(dtype)), requires_grad, device)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor of the given size (its values are arbitrary).

    >>> chainrule.empty(2, 3).shape
    chainrule.Size([2, 3])
    """
    shape = _shape(sizes if size is None else (size,), "empty")
    return _finish(np.empty(shape, _dtype(dtype)), requires_grad, device)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """A tensor of `size` filled with `fill_value` (dtype inferred from it unless given).

    >>> chainrule.full((2, 2), 7), chainrule.full((2,), 0.5)
    (tensor([[7, 7],
            [7, 7]]), tensor([0.5000, 0.5000]))
    """
    if dtype is None:
        dtype = dtypes.from_np(dtypes.result_type(fill_value))
    return _finish(np.full(_shape((size,), "full"), fill_value, _dtype(dtype)), requires_grad,
                   device)


def _like(x, dtype):
    return x._data.dtype if dtype is None else dtypes.get(dtype).np


def zeros_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Zeros with the shape (and dtype, unless given) of `x`.

    >>> chainrule.zeros_like(chainrule.tensor([[1, 2]]))
    tensor([[0, 0]])
    """
    return _finish(np.zeros(x._data.shape, _like(x, dtype)), requires_grad, device)


def ones_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """Ones with the shape (and dtype, unless given) of `x`.

    >>> chainrule.ones_like(chainrule.tensor([1.5, 2.5]))
    tensor([1., 1.])
    """
    return _finish(np.ones(x._data.shape, _like(x, dtype)), requires_grad, device)


def empty_like(x, *, dtype=None, device=None, requires_grad=False, memory_format=None):
    """An uninitialised tensor with the shape and dtype of `x`.

    >>> chainrule.empty_like(chainrule.zeros(2, 5, dtype=chainrule.float64)).dtype
    chainrule.float64
    """
    return _finish(np.empty(x._data.shape, _like(x, dtype)), requires_grad, device)


def full_like(x, fill_value, *, dtype=None, device=None, requires_grad=False):
    """`fill_value` with the shape (and dtype, unless given) of `x`.

    >>> chainrule.full_like(chainrule.zeros(3), 2.0)
    tensor([2., 2., 2.])
    """
    return _finish(np.full(x._data.shape, fill_value, _like(x, dtype)), requires_grad, device)


def _float_only(dtype, op):
    d = _dtype(dtype)
    if d.kind != "f":
        raise RuntimeError(f"{op}: expected a floating point dtype, got {dtypes.from_np(d)}")
    return d


def _floats(gen, method, shape, d):
    """Draw in the requested precision directly, so a float32 tensor never passes through a
    float64 array twice its size. float32 uses NumPy's float32 samplers, float64 its float64
    ones, float16 the float32 draw rounded (NumPy has no float16 sampler)."""
    if d == np.float64:
        return getattr(gen, method)(shape)
    out = getattr(gen, method)(shape, dtype=np.float32)
    return out if d == np.float32 else out.astype(d)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1), drawn directly in ``dtype``.

    Seeded streams: the same seed (``manual_seed`` or a ``Generator``) and the same dtype
    give the same numbers. float32 and float64 draw from NumPy's samplers of that precision,
    so ``rand(3)`` is not ``rand(3, dtype=float64)`` rounded.

    >>> _ = chainrule.manual_seed(0); a = chainrule.rand(2)
    >>> _ = chainrule.manual_seed(0); bool((a == chainrule.rand(2)).all())
    True
    """
    d = _float_only(dtype, "rand")
    return _finish(_floats(rng(generator), "random", _shape(size, "rand"), d),
                   requires_grad, device)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    """Standard normal samples, drawn directly in ``dtype`` (seeded streams as ``rand``).

    >>> chainrule.randn(2, 3).dtype
    chainrule.float32
    """
    d = _float_only(dtype, "randn")
    return _finish(_floats(rng(generator), "standard_normal", _shape(size, "randn"), d),
                   requires_grad, device)


def rand_like(x, *, dtype=None, generator=None, device=None, requires_grad=False,
              memory_format=None):
    """Uniform [0, 1) samples shaped like x (its dtype unless `dtype`).

    >>> chainrule.rand_like(chainrule.zeros(2, 3)).shape
    chainrule.Size([2, 3])
    """
    return rand(*x._data.shape, dtype=dtype or x.dtype, generator=generator, device=device,
                requires_grad=requires_grad)


def randn_like(x, *, dtype=None, generator=None, device=None, requires_grad=False,
               memory_format=None):
    """Standard normal samples shaped like x (its dtype unless `dtype`).

    >>> chainrule.randn_like(chainrule.zeros(2, dtype=chainrule.float64)).dtype
    chainrule.float64
    """
    return randn(*x._data.shape, dtype=dtype or x.dtype, generator=generator, device=device,
                 requires_grad=requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """randint(high, size) or randint(low, high, size): integers in [low, high).

    >>> x = chainrule.randint(3, 7, (1000,))
    >>> x.dtype, int(x.min()), int(x.max())
    (chainrule.int64, 3, 6)
    """
    if size is None:  # randint(high, size)
        low, high, size = 0, low, high
    if high is None or size is None:
        raise TypeError("randint() missing required arguments: high and size")
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    d = _dtype(dtype, dtypes.int64)
    return _finish(rng(generator).integers(low, high, size=_shape((size,))).astype(d),
                   requires_grad, device)


def randint_like(x, low=0, high=None, *, dtype=None, generator=None, device=None,
                 requires_grad=False, memory_format=None):
    """Random integers in [low, high) shaped like x.

    >>> r = chainrule.randint_like(chainrule.zeros(5), 3, 6)
    >>> r.shape, bool(((r >= 3) & (r < 6)).all())
    (chainrule.Size([5]), True)
    """
    if high is None:
        low, high = 0, low
    return randint(low, high, tuple(x._data.shape), dtype=dtype or x.dtype, generator=generator,
                   device=device, requires_grad=requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0..n-1 (int64).

    >>> sorted(chainrule.randperm(5).tolist())
    [0, 1, 2, 3, 4]
    """
    d = _dtype(dtype, dtypes.int64)
    return _finish(rng(generator).permutation(int(n)).astype(d), requires_grad, device)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Samples of N(mean, std^2): tensors broadcast, or scalars with `size`.

    >>> chainrule.normal(0.0, 1.0, size=(2, 3)).shape
    chainrule.Size([2, 3])
    >>> chainrule.normal(chainrule.zeros(4), 0.1).shape
    chainrule.Size([4])
    """
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
    else:
        shape = _shape((size,))
    if np.any(np.asarray(s) < 0):
        raise RuntimeError("normal expects std >= 0.0")
    ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    d = _dtype(dtype) if ref is None or dtype is not None else ref._data.dtype
    z = _floats(rng(generator), "standard_normal", shape, d if d.kind == "f" else np.float64)
    out = m + s * z
    return _finish(np.asarray(out).astype(d, copy=False), requires_grad, device)


def bernoulli(p, *, generator=None):
    """0/1 samples, 1 with probability p (elementwise), in p's dtype.

    >>> chainrule.bernoulli(chainrule.tensor([0.0, 1.0, 0.0, 1.0]))
    tensor([0., 1., 0., 1.])
    """
    pd = p._data if isinstance(p, Tensor) else np.asarray(p)
    return _make((rng(generator).random(pd.shape) < pd).astype(pd.dtype))


def multinomial(probs, num_samples, replacement=False, *, generator=None):
    """num_samples category indices per row of `probs` (unnormalised weights), without
    replacement unless `replacement`.

    >>> chainrule.multinomial(chainrule.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
    tensor([1, 1])
    >>> sorted(chainrule.multinomial(chainrule.tensor([1.0, 1.0, 1.0]), 3).tolist())
    [0, 1, 2]
    """
    p = probs._data.astype(np.float64)
    single = p.ndim == 1
    p2 = p.reshape(1, -1) if single else p
    g = rng(generator)
    out = np.empty((p2.shape[0], num_samples), dtype=np.int64)
    for i, row in enumerate(p2):
        row = row / row.sum()
        out[i] = g.choice(len(row), size=num_samples, replace=replacement, p=row)
    return _make(out[0] if single else out)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    """Values from start to end (excluded) in steps of `step`; arange(end) starts at 0.

    >>> chainrule.arange(4), chainrule.arange(0, 1, 0.25)
    (tensor([0, 1, 2, 3]), tensor([0.0000, 0.2500, 0.5000, 0.7500]))
    """
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in vals)
        d = dtypes.get_default_dtype().np if is_float else np.dtype(np.int64)
    else:
        d = dtypes.get(dtype).np
    return _finish(np.arange(*vals, dtype=np.float64 if d.kind == "f" else None).astype(d),
                   requires_grad, device)


def _number(v):
    """A 0-d tensor bound (torch.linspace(tensor(0.), tensor(1), 5)) as a Python number."""
    return v.item() if isinstance(v, Tensor) else v


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    """`steps` evenly spaced values from start to end, both included.

    >>> chainrule.linspace(0, 1, 5)
    tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
    """
    start, end, steps = _number(start), _number(end), _number(steps)
    return _finish(np.linspace(start, end, int(steps)).astype(_dtype(dtype)), requires_grad,
                   device)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """`steps` values base ** linspace(start, end, steps).

    >>> chainrule.logspace(0, 2, 3)
    tensor([  1.,  10., 100.])
    """
    start, end, steps = _number(start), _number(end), _number(steps)
    d = _dtype(dtype)
    if d.kind in "iub":  # PyTorch takes integer exponents' bounds as integers
        start, end = int(start), int(end)
    return _finish(np.logspace(start, end, int(steps), base=base).astype(d), requires_grad,
                   device)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    """The n x m (default n x n) identity matrix.

    >>> chainrule.eye(2, 3)
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    return _finish(np.eye(n, m, dtype=_dtype(dtype)), requires_grad, device)


def diag(x, diagonal=0):
    """1-D input: a square matrix with x on the given diagonal; 2-D input: that diagonal.
    Differentiable both ways (an index-add and an advanced index).

    >>> chainrule.diag(chainrule.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    >>> chainrule.diag(chainrule.tensor([[1, 2], [3, 4]]))
    tensor([1, 4])
    """
    k = int(diagonal)
    if x._data.ndim == 1:
        n = x._data.shape[0] + abs(k)
        idx = np.arange(x._data.shape[0])
        key = (idx, idx + k) if k >= 0 else (idx - k, idx)
        if x.requires_grad:
            from .functions.index import IndexAdd
            return IndexAdd.apply(x, key=key, shape=(n, n), basic=False)
        return _make(np.diag(x._data, k))
    if x._data.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x._data.ndim}D")
    r, c = x._data.shape
    m = max(0, min(r, c - k) if k >= 0 else min(r + k, c))
    idx = np.arange(m)
    return x[(idx, idx + k) if k >= 0 else (idx - k, idx)]
