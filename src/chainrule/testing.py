"""chainrule.testing.assert_close: PyTorch's comparison of tensors, numbers and containers.

Default tolerances by dtype are PyTorch's (float16: rtol 1e-3, atol 1e-5; float32: 1.3e-6,
1e-5; float64: 1e-7, 1e-7; integers and bool: exact), and so are the failure messages:

>>> chainrule.testing.assert_close(chainrule.tensor([1., 2., 3.]), chainrule.tensor([1., 2.1, 3.]))
Traceback (most recent call last):
AssertionError: Tensor-likes are not close!
<BLANKLINE>
Mismatched elements: 1 / 3 (33.3%)
Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)
Greatest relative difference: 0.04761900380253792 at index (1,) (up to 1.3e-06 allowed)
"""
import collections.abc
import numbers

import numpy as np

from . import dtypes
from .tensor import Tensor

__all__ = ["assert_close", "assert_allclose", "make_tensor"]

# (rtol, atol) by NumPy dtype, as torch.testing._comparison._DTYPE_PRECISIONS.
_PRECISIONS = {np.dtype(np.float16): (1e-3, 1e-5), np.dtype(np.float32): (1.3e-6, 1e-5),
               np.dtype(np.float64): (1e-7, 1e-7)}


class _Failure(Exception):
    def __init__(self, kind, msg):
        super().__init__(msg)
        self.kind, self.msg = kind, msg


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Raise AssertionError unless `actual` and `expected` are close:
    |actual - expected| <= atol + rtol * |expected| elementwise, with equal shapes (and
    dtypes unless check_dtype=False). Works on tensors, NumPy arrays, Python numbers and
    (nested) sequences and mappings of them.

    >>> chainrule.testing.assert_close(chainrule.ones(3), chainrule.ones(3) + 1e-7)   # passes
    >>> chainrule.testing.assert_close(chainrule.ones(2), chainrule.ones(2).double())
    Traceback (most recent call last):
    ...
    AssertionError: The values for attribute 'dtype' do not match: torch.float32 != torch.float64.
    """
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got "
                         f"no {'atol' if atol is None else 'rtol'}.")
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_dtype, check_stride, [])
    except _Failure as f:
        text = f.msg
        if msg is not None:
            text = msg(text) if callable(msg) else msg
        raise f.kind(text) from None


def assert_allclose(actual, expected, rtol=None, atol=None, equal_nan=True, msg=""):
    """The deprecated spelling: as assert_close with check_dtype=False and equal_nan=True.

    >>> a = chainrule.tensor([1.0, float("nan")])
    >>> chainrule.testing.assert_allclose(a, a.double())    # dtypes may differ; NaN == NaN
    """
    if not isinstance(actual, Tensor):
        actual = Tensor._make(np.asarray(actual))
    if not isinstance(expected, Tensor):
        expected = Tensor._make(np.asarray(expected, dtype=actual._data.dtype))
    assert_close(actual, expected, rtol=rtol, atol=atol, equal_nan=equal_nan,
                 check_dtype=False, msg=msg or None)


def _where(path):
    return "" if not path else "\n\nThe failure occurred for item " + "".join(
        f"[{p!r}]" for p in path)


def _compare(a, e, rtol, atol, equal_nan, check_dtype, check_stride, path):
    tensor_like = (Tensor, np.ndarray)
    if isinstance(a, tensor_like) or isinstance(e, tensor_like):
        if not (isinstance(a, Tensor) and isinstance(e, Tensor)
                or isinstance(a, np.ndarray) and isinstance(e, np.ndarray)):
            raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type "
                                      f"{_type_name(a)} and {_type_name(e)}.")
        return _compare_arrays(a, e, rtol, atol, equal_nan, check_dtype, check_stride, path)
    if isinstance(a, (numbers.Number, np.generic)) and isinstance(e, (numbers.Number,
                                                                      np.generic)):
        return _compare_scalars(a, e, rtol, atol, equal_nan, check_dtype, path)
    if isinstance(a, collections.abc.Mapping) and isinstance(e, collections.abc.Mapping):
        if set(a) != set(e):
            raise _Failure(AssertionError, f"The keys of the mappings do not match:\n"
                                           f"Missing keys in the actual mapping: "
                                           f"{sorted(map(repr, set(e) - set(a)))}\n"
                                           f"Extra keys in the actual mapping: "
                                           f"{sorted(map(repr, set(a) - set(e)))}" + _where(path))
        for k in e:
            _compare(a[k], e[k], rtol, atol, equal_nan, check_dtype, check_stride, path + [k])
        return
    seq = collections.abc.Sequence
    if isinstance(a, seq) and isinstance(e, seq) and not isinstance(a, str) \
            and not isinstance(e, str):
        if len(a) != len(e):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: {len(a)} != "
                                           f"{len(e)}" + _where(path))
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, rtol, atol, equal_nan, check_dtype, check_stride, path + [i])
        return
    if a is None and e is None:
        return
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type "
                              f"{_type_name(a)} and {_type_name(e)}.")


def _type_name(x):
    if isinstance(x, Tensor):
        return "<class 'torch.Tensor'>"
    return str(type(x))


def _tolerances(*np_dtypes):
    tols = [_PRECISIONS.get(d, (0.0, 0.0)) for d in np_dtypes]
    return max(t[0] for t in tols), max(t[1] for t in tols)


def _compare_scalars(a, e, rtol, atol, equal_nan, check_dtype, path):
    def kind(x):
        if isinstance(x, (bool, np.bool_)):
            return np.dtype(np.bool_)
        if isinstance(x, (numbers.Integral, np.integer)):
            return np.dtype(np.int64)
        return np.dtype(np.float64)
    if rtol is None:
        rtol, atol = _tolerances(kind(a), kind(e))
    if bool(_elementwise_close(np.float64(a), np.float64(e), rtol, atol, equal_nan)):
        return
    raise _Failure(AssertionError, _scalar_message(a, e, rtol, atol) + _where(path))


def _scalar_message(a, e, rtol, atol):
    abs_diff = abs(a - e)
    rel_diff = float("inf") if e == 0 else abs_diff / abs(e)
    return _message("Scalars", f"Expected {e} but got {a}.", f"Absolute difference: {abs_diff}",
                    f"Relative difference: {rel_diff}", rtol, atol)


def _message(what, extra, abs_line, rel_line, rtol, atol):
    equality = rtol == 0 and atol == 0
    if not equality:
        abs_line += f" (up to {atol} allowed)"
        rel_line += f" (up to {rtol} allowed)"
    return (f"{what} are not {'equal' if equality else 'close'}!\n\n{extra}\n{abs_line}\n"
            f"{rel_line}")


def _compare_arrays(a, e, rtol, atol, equal_nan, check_dtype, check_stride, path):
    is_tensor = isinstance(a, Tensor)
    x = a._data if is_tensor else a
    y = e._data if is_tensor else e
    if x.shape != y.shape:
        shape = (lambda s: f"torch.Size({list(s)})") if is_tensor else tuple
        raise _Failure(AssertionError, f"The values for attribute 'shape' do not match: "
                                       f"{shape(x.shape)} != {shape(y.shape)}." + _where(path))
    if check_dtype and x.dtype != y.dtype:
        name = (lambda d: "torch." + dtypes.from_np(d).name) if is_tensor else str
        raise _Failure(AssertionError, f"The values for attribute 'dtype' do not match: "
                                       f"{name(x.dtype)} != {name(y.dtype)}." + _where(path))
    if check_stride and is_tensor and a.stride() != e.stride():
        raise _Failure(AssertionError, f"The values for attribute 'stride()' do not match: "
                                       f"{a.stride()} != {e.stride()}." + _where(path))
    if rtol is None:
        rtol, atol = _tolerances(x.dtype, y.dtype)
    if x.dtype != y.dtype:
        common = np.result_type(x.dtype, y.dtype)
        x, y = x.astype(common), y.astype(common)
    if x.dtype.kind in "f":
        matches = _elementwise_close(x, y, rtol, atol, equal_nan)
    else:
        matches = x == y if rtol == 0 and atol == 0 else _elementwise_close(
            x.astype(np.float64), y.astype(np.float64), rtol, atol, equal_nan)
    if matches.all():
        return
    if x.ndim == 0:
        raise _Failure(AssertionError, _scalar_message(x.item(), y.item(), rtol, atol)
                       + _where(path))
    n, bad = matches.size, int(matches.size - matches.sum())
    if x.dtype.kind in "f":
        xf, yf = x.reshape(-1), y.reshape(-1)
    else:  # integers and bools: differences in int64, ratios in the default float dtype
        xf, yf = x.reshape(-1).astype(np.int64), y.reshape(-1).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        abs_diff = np.abs(xf - yf)
        abs_diff[matches.reshape(-1)] = 0
        rel_dtype = xf.dtype if xf.dtype.kind == "f" else dtypes.get_default_dtype().np
        rel_diff = abs_diff.astype(rel_dtype) / np.abs(yf).astype(rel_dtype)
        rel_diff[matches.reshape(-1)] = 0
    ia, ir = int(np.argmax(abs_diff)), int(np.argmax(rel_diff))  # NaN first, as torch.max
    unravel = (lambda i: tuple(int(k) for k in np.unravel_index(i, x.shape)))
    raise _Failure(AssertionError, _message(
        "Tensor-likes", f"Mismatched elements: {bad} / {n} ({bad / n:.1%})",
        f"Greatest absolute difference: {abs_diff[ia].item()} at index {unravel(ia)}",
        f"Greatest relative difference: {rel_diff[ir].item()} at index {unravel(ir)}",
        rtol, atol) + _where(path))


def _elementwise_close(x, y, rtol, atol, equal_nan):
    """torch.isclose: equal (including equal infinities), or finite and within tolerance."""
    with np.errstate(invalid="ignore", over="ignore"):
        ok = (x == y) | (np.isfinite(x) & np.isfinite(y)
                         & (np.abs(x - y) <= atol + rtol * np.abs(y)))
    if equal_nan:
        ok |= np.isnan(x) & np.isnan(y)
    return ok


def make_tensor(*shape, dtype, device=None, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A random tensor of `shape` and `dtype`, values uniform in [low, high) (defaults as
    PyTorch: [-9, 9] for floats and signed ints, [0, 10) for uint8, {False, True} for bool).

    >>> t = chainrule.testing.make_tensor(2, 3, dtype=chainrule.float32, low=-1, high=1)
    >>> t.shape, t.dtype, bool((t >= -1).all() and (t < 1).all())
    (chainrule.Size([2, 3]), chainrule.float32, True)
    """
    from .random import rng
    from .tensor import on_cpu
    if device is not None:
        on_cpu(device, "make_tensor")
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    d = dtypes.get(dtype).np
    g = rng(None)
    if d.kind == "b":
        arr = g.integers(0, 2, shape).astype(np.bool_)
    elif d.kind in "iu":
        lo = (0 if d.kind == "u" else -9) if low is None else int(np.ceil(low))
        hi = 10 if high is None else int(np.ceil(high))
        arr = g.integers(lo, hi, shape).astype(d)
    else:
        lo = -9.0 if low is None else low
        hi = 9.0 if high is None else high
        arr = g.uniform(lo, hi, shape).astype(d)
    if exclude_zero:
        arr[arr == 0] = 1 if d.kind != "f" else np.finfo(d).tiny
    t = Tensor._make(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t
