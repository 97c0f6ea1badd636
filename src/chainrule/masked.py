"""torch.masked: reductions and normalisations that ignore masked-out elements.

>>> import chainrule as torch
>>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
>>> m = torch.tensor([[True, False], [True, True]])
>>> torch.masked.sum(x, 1, mask=m)
tensor([1., 2.])
>>> torch.masked.amax(x, 1, mask=m)
tensor([1., 3.])

PyTorch's semantics (torch/masked/_ops.py, strided tensors): `mask` is broadcast to the
input's shape; masked-out elements are replaced by the reduction's identity (0 for sum, 1 for
prod, -inf for amax / logsumexp / softmax, +inf for amin / softmin, NaN for median) and the
ordinary op runs on the result, so a fully masked-out slice gives that identity (mean, var:
0/0 = NaN). Every op is composed from chainrule's differentiable ops, so gradients flow to
the masked-in elements.
"""
import math

import numpy as np

from . import dtypes as _dtypes

_SMALL_INTS = ("uint8", "bool", "int8", "int16", "int32")


def _cr():
    import chainrule
    return chainrule


def _canonical_dim(dim, ndim):
    """dim (None, int or a sequence; () meaning all) as a sorted tuple of non-negative dims."""
    if dim == () or dim is None:
        return tuple(range(ndim))
    n = max(ndim, 1)
    dims = []
    for d in ((dim,) if isinstance(dim, int) else dim):
        if d >= n or d < -n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                             f"{n - 1}], but got {d})")
        if d % n in dims:
            raise RuntimeError(f"dim={d} appears multiple times in the list of dims")
        dims.append(d % n)
    return tuple(sorted(dims))


def _input_mask(input, mask):  # noqa: A002 - PyTorch's argument names
    """mask broadcast to input's shape, as bool."""
    cr = _cr()
    m = mask if isinstance(mask, cr.Tensor) else cr.tensor(mask)
    if tuple(m.shape) != tuple(input.shape):
        if m.ndim > input.ndim:
            raise IndexError("_input_mask expected broadcastable mask (got mask dimensionality "
                             "higher than of the input)")
        m = cr.tensor(np.broadcast_to(m.detach().numpy(), tuple(input.shape)).copy())
    return m.to(cr.bool)


def _identity(op, input, ord=None):  # noqa: A002
    cr = _cr()
    dt = input.dtype
    kind = np.dtype(dt.np).kind
    if op in ("sum", "cumsum"):
        return 0
    if op in ("prod", "cumprod"):
        return 1
    if op in ("amax", "argmax", "logaddexp", "logsumexp"):
        return -math.inf if kind == "f" else (np.iinfo(dt.np).min if kind in "iu" else False)
    if op in ("amin", "argmin"):
        return math.inf if kind == "f" else (np.iinfo(dt.np).max if kind in "iu" else True)
    if op == "norm":
        return math.inf if ord == -math.inf else 0
    if op == "median":
        return math.nan
    raise NotImplementedError(f"identity of {op} on {dt} input")


def _combine(op, input, mask, ord=None):  # noqa: A002
    """input with its masked-out elements replaced by op's identity."""
    cr = _cr()
    if mask is None:
        return input
    m = _input_mask(input, mask)
    fill = cr.tensor(_identity(op, input, ord), dtype=input.dtype)
    return cr.where(m, input, fill)


def _int64_if_small(input, dtype):  # noqa: A002
    if dtype is None:
        dtype = input.dtype
        if dtype.name in _SMALL_INTS:
            dtype = _dtypes.int64
    return dtype


def sum(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A001,A002
    """Sum of the masked-in elements over dim.

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.sum(x, 1, mask=m)
    tensor([1., 2.])
    >>> torch.masked.sum(x, mask=m)
    tensor(3.)
    """
    cr = _cr()
    dtype = _int64_if_small(input, dtype)
    dims = _canonical_dim(dim, input.ndim)
    x = _combine("sum", input, mask)
    if input.ndim == 0:
        return x.to(dtype)
    return cr.sum(x, dims, bool(keepdim), dtype=dtype)


def prod(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Product of the masked-in elements over dim.

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.prod(x, 1, mask=m)
    tensor([ 1., -3.])
    """
    dtype = _int64_if_small(input, dtype)
    dims = _canonical_dim(dim, input.ndim)
    r = _combine("prod", input, mask).to(dtype)
    if input.ndim == 0:
        return r
    for d in reversed(dims):
        r = r.prod(dim=d, keepdim=bool(keepdim))
    return r


def cumsum(input, dim, *, dtype=None, mask=None):  # noqa: A002
    """Running sum along dim, masked-out elements counting as 0.

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.cumsum(x, 1, mask=m)
    tensor([[1., 1.],
            [3., 2.]])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return cr.cumsum(_combine("sum", input, mask), d, dtype=dtype).to(dtype)


def cumprod(input, dim, *, dtype=None, mask=None):  # noqa: A002
    """Running product along dim, masked-out elements counting as 1.

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.cumprod(x, 1, mask=m)
    tensor([[ 1.,  1.],
            [ 3., -3.]])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return cr.cumprod(_combine("prod", input, mask), d, dtype=dtype).to(dtype)


def _minmax(op, input, dim, keepdim, dtype, mask):  # noqa: A002
    cr = _cr()
    dtype = dtype or input.dtype
    x = _combine(op, input, mask)
    dims = _canonical_dim(dim, x.ndim)
    fn = cr.amax if op == "amax" else cr.amin
    if x.ndim == 0:
        return x.to(dtype)
    return fn(x, dims, bool(keepdim)).to(dtype)


def amax(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Maximum of the masked-in elements (-inf where none).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.amax(x, 1, mask=m)
    tensor([1., 3.])
    >>> torch.masked.amax(x, 1, mask=torch.tensor([[False, False], [True, True]]))
    tensor([-inf, 3.])
    """
    return _minmax("amax", input, dim, keepdim, dtype, mask)


def amin(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Minimum of the masked-in elements (+inf where none).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.amin(x, 1, mask=m)
    tensor([ 1., -1.])
    """
    return _minmax("amin", input, dim, keepdim, dtype, mask)


def argmax(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Index of the maximum among the masked-in elements (cast to dtype, input's by default).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.argmax(x, 1, mask=m)
    tensor([0., 0.])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    return cr.argmax(_combine("argmax", input, mask), dim, bool(keepdim)).to(dtype)


def argmin(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Index of the minimum among the masked-in elements.

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.argmin(x, 1, mask=m)
    tensor([0., 1.])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    return cr.argmin(_combine("argmin", input, mask), dim, bool(keepdim)).to(dtype)


def _count(input, dim, keepdim, mask):  # noqa: A002
    cr = _cr()
    if mask is None:
        ones = cr.ones(tuple(input.shape), dtype=cr.int64)
        return sum(ones, dim, keepdim=keepdim)
    m = _input_mask(input, mask)
    if input.ndim == 0:
        return m.to(cr.int64)
    return m.sum(dim=_canonical_dim(dim, input.ndim), keepdim=bool(keepdim))


def mean(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Mean of the masked-in elements (NaN where none).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.mean(x, 1, mask=m)
    tensor([1., 1.])
    >>> torch.masked.mean(x, 1, mask=torch.tensor([[False, False], [True, True]]))
    tensor([nan, 1.])
    """
    source = "Optional"
    if dtype is None:
        dtype, source = input.dtype, "Input"
    if not dtype.is_floating_point:
        raise ValueError(f"mean(): Could not infer output dtype. {source} dtype must be either "
                         f"a floating point or complex dtype. Got: {dtype}")
    total = sum(input, dim, keepdim=keepdim, dtype=dtype, mask=mask)
    return total / _count(input, dim, keepdim, mask)


def median(input, dim=-1, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Median of the masked-in elements along dim (NaN where none, for float input).

    >>> v, mv = torch.tensor([[1.0, 9.0, 2.0, 3.0]]), torch.tensor([[True, False, True, True]])
    >>> torch.masked.median(v, 1, mask=mv)
    tensor([2.])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    d = _canonical_dim(dim, input.ndim)[0]
    is_float = input.is_floating_point()
    if not is_float:
        input = input.to(cr.float32)
    x = _combine("median", input, mask)
    out = cr.nanmedian(x, d, keepdim)[0] if x.ndim else x
    if is_float:
        return out
    if not bool(cr.isnan(out).any()):
        return out.to(dtype)
    raise ValueError("masked median expects no fully masked out rows if dtype is not "
                     "floating point")


def logsumexp(input, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """log sum exp of the masked-in elements (-inf where none).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.logsumexp(x, 1, mask=m)
    tensor([1.0000, 3.0181])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    dims = _canonical_dim(dim, input.ndim)
    x = _combine("logsumexp", input, mask)
    if x.ndim == 0:
        return x.to(dtype)
    return cr.logsumexp(x, dims, keepdim=keepdim).to(dtype)


def logaddexp(input, other, *, dtype=None, input_mask=None, other_mask=None):  # noqa: A002
    """logaddexp with each operand's masked-out elements treated as -inf.

    >>> a, b = torch.tensor([0.0, 1.0]), torch.tensor([0.0, 2.0])
    >>> ma, mb = torch.tensor([True, True]), torch.tensor([True, False])
    >>> torch.masked.logaddexp(a, b, input_mask=ma, other_mask=mb)
    tensor([0.6931, 1.0000])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    return cr.logaddexp(_combine("logaddexp", input, input_mask),
                        _combine("logaddexp", other, other_mask)).to(dtype)


def norm(input, ord=2.0, dim=None, *, keepdim=False, dtype=None, mask=None):  # noqa: A002
    """Vector ord-norm of the masked-in elements.

    >>> v, mv = torch.tensor([[3.0, 1.0, 4.0]]), torch.tensor([[True, False, True]])
    >>> torch.masked.norm(v, 2.0, 1, mask=mv)
    tensor([5.])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    x = _combine("norm", input, mask, ord)
    return cr.linalg.vector_norm(x, ord, _canonical_dim(dim, input.ndim), bool(keepdim),
                                 dtype=dtype)


def _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, take_sqrt):  # noqa: A002
    cr = _cr()
    if unbiased is not None and correction is not None:
        raise ValueError("Only one of unbiased and correction may be given")
    corr = 1.0
    if unbiased is not None:
        corr = 1.0 if unbiased else 0.0
    if correction is not None:
        corr = float(correction)
    if dtype is None:
        dtype = input.dtype if input.dtype.is_floating_point else cr.float32
    compute = dtype if dtype.is_floating_point else cr.float32
    count = _count(input, dim, True, mask)
    total = sum(input, dim, keepdim=True, dtype=dtype, mask=mask)
    x = input - total / count
    sq = sum(x * x, dim, keepdim=keepdim, dtype=compute, mask=mask)
    if not keepdim:
        count = count.reshape(tuple(sq.shape))
    if corr != 0:
        count = count.to(compute) - corr
        count = cr.maximum(count, cr.zeros((), dtype=compute))
    out = (sq / count).to(dtype)
    return out.sqrt() if take_sqrt else out


def var(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,  # noqa: A002
        mask=None):
    """Variance of the masked-in elements (correction 1 by default).

    >>> v, mv = torch.tensor([[1.0, 9.0, 3.0]]), torch.tensor([[True, False, True]])
    >>> torch.masked.var(v, 1, mask=mv)
    tensor([2.])
    """
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, False)


def std(input, dim=None, unbiased=None, *, correction=None, keepdim=False, dtype=None,  # noqa: A002
        mask=None):
    """Standard deviation of the masked-in elements.

    >>> v, mv = torch.tensor([[1.0, 9.0, 3.0]]), torch.tensor([[True, False, True]])
    >>> torch.masked.std(v, 1, mask=mv, correction=0)
    tensor([1.])
    """
    return _std_var(input, dim, unbiased, correction, keepdim, dtype, mask, True)


def softmax(input, dim, *, dtype=None, mask=None):  # noqa: A002
    """softmax along dim over the masked-in elements (masked-out ones get 0).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.softmax(x, 1, mask=m)
    tensor([[1.0000, 0.0000],
            [0.9820, 0.0180]])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return cr.nn.functional.softmax(_combine("amax", input, mask), d, dtype=dtype)


def log_softmax(input, dim, *, dtype=None, mask=None):  # noqa: A002
    """log_softmax along dim over the masked-in elements (masked-out ones get -inf).

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.log_softmax(x, 1, mask=m)
    tensor([[ 0.0000,    -inf],
            [-0.0181, -4.0181]])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return cr.nn.functional.log_softmax(_combine("amax", input, mask), d, dtype=dtype)


def softmin(input, dim, *, dtype=None, mask=None):  # noqa: A002
    """softmin along dim over the masked-in elements.

    >>> x = torch.tensor([[1.0, 5.0], [3.0, -1.0]])
    >>> m = torch.tensor([[True, False], [True, True]])
    >>> torch.masked.softmin(x, 1, mask=m)
    tensor([[1.0000, 0.0000],
            [0.0180, 0.9820]])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    d = _canonical_dim(dim, input.ndim)[0]
    return cr.nn.functional.softmin(_combine("amin", input, mask), d, dtype=dtype)


def normalize(input, ord, dim, *, eps=1e-12, dtype=None, mask=None):  # noqa: A002
    """input divided by its masked ord-norm along dim (masked-out elements become 0).

    >>> v, mv = torch.tensor([[3.0, 1.0, 4.0]]), torch.tensor([[True, False, True]])
    >>> torch.masked.normalize(v, 2.0, 1, mask=mv)
    tensor([[0.6000, 0.0000, 0.8000]])
    """
    cr = _cr()
    dtype = dtype or input.dtype
    x = _combine("sum", input, mask)
    nrm = norm(input, ord, dim, keepdim=True, dtype=dtype, mask=mask)
    return x / cr.maximum(nrm, cr.full((), eps, dtype=nrm.dtype))
