"""More of PyTorch's surface, composed of existing differentiable ops (so their gradients
are the composition's): positive, isin, cov, corrcoef, renorm, unravel_index,
constant_pad_nd, qr, alias_copy and fill.
"""
import numpy as np

from ._util import as_operand
from .. import dtypes, return_types
from ..tensor import Tensor

_make = Tensor._make


def positive(input):  # noqa: A002 - PyTorch's name
    """Returns input itself (unary +); refused for bool tensors, as in PyTorch.

    >>> x = torch.tensor([1.0, -2.0])
    >>> torch.positive(x) is x
    True
    """
    x = as_operand(input)
    if x.dtype == dtypes.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each element, whether it is among test_elements (either may be a number).

    >>> torch.isin(torch.tensor([[1, 2], [3, 4]]), torch.tensor([2, 3]))
    tensor([[False,  True],
            [ True, False]])
    """
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin() received an invalid combination of arguments: expected at "
                        "least one of elements and test_elements to be a Tensor")
    a = as_operand(elements)._data
    b = as_operand(test_elements)._data
    return _make(np.isin(a, b, assume_unique=assume_unique, invert=invert))


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """The covariance matrix of the variables in input's rows (observations in its columns).

    With weights w = fweights * aweights: mean = sum_j w_j x_j / sum w, and
    cov = (x - mean) diag(w) (x - mean)^T / (sum w - correction * sum(w aweights) / sum w)
    (N - correction without weights).

    >>> torch.cov(torch.tensor([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]]))
    tensor([[ 1., -1.],
            [-1.,  1.]])
    """
    from .reduce import sum as _sum
    x = as_operand(input)
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {x.ndim} dimensions")
    if not x.dtype.is_floating_point:
        x = x.to(dtypes.get_default_dtype())
    if x.ndim < 2:
        x = x.reshape(1, -1)
    n_obs = x.shape[1]
    w = None
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        weights = as_operand(weights)
        if weights.ndim > 1 or weights.shape[0] != n_obs:
            raise RuntimeError(f"cov(): expected {name} to have one dimension of size "
                               f"{n_obs} (the number of observations) but got shape "
                               f"{list(weights.shape)}")
        if name == "fweights" and weights.dtype.is_floating_point:
            raise RuntimeError("cov(): expected fweights to have integral dtype")
        if bool((weights._data < 0).any()):
            raise RuntimeError(f"cov(): {name} cannot be negative")
        w = weights if w is None else w * weights
    if w is None:
        avg = x.mean(1)
        w_sum = n_obs
        norm = w_sum - correction
    else:
        w = w.to(x.dtype)
        w_sum = _sum(w)
        avg = _sum(x * w, 1) / w_sum
        if correction == 0:
            norm = w_sum
        elif aweights is None:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * _sum(w * as_operand(aweights).to(x.dtype)) / w_sum
    if float(norm) <= 0:
        import warnings
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", RuntimeWarning, stacklevel=2)
        norm = norm * 0 if isinstance(norm, Tensor) else 0
    xc = x - avg.unsqueeze(1)
    c = (xc if w is None else xc * w) @ xc.t()
    return (c / norm).squeeze()


def corrcoef(input):  # noqa: A002
    """Pearson's correlation coefficients of input's rows: cov_ij / sqrt(cov_ii cov_jj),
    clipped to [-1, 1].

    >>> torch.corrcoef(torch.tensor([[0.0, 1.0, 2.0], [0.0, 1.0, 4.0]]))
    tensor([[1.0000, 0.9608],
            [0.9608, 1.0000]])
    """
    from .elementwise import clamp
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    std = d.sqrt()
    c = c / std.unsqueeze(1)
    c = c / std.unsqueeze(0)
    return clamp(c, -1, 1)


def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice along dim whose p-norm exceeds maxnorm is rescaled to norm maxnorm:
    slice * maxnorm / (norm + 1e-7) (PyTorch's factor); the others are unchanged.

    >>> torch.renorm(torch.tensor([[3.0, 4.0], [0.3, 0.4]]), 2, 0, 1.0)
    tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])
    """
    from .elementwise import where
    from .reduce import norm as _norm
    x = as_operand(input)
    if p <= 0:
        raise RuntimeError(f"renorm: non-positive norm not supported (got p={p})")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    if x.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} "
                           "dimensions")
    d = dim % x.ndim
    others = tuple(i for i in range(x.ndim) if i != d)
    n = _norm(x, p, dim=others, keepdim=True)
    factor = where(n > maxnorm, maxnorm / (n + 1e-7), n * 0 + 1)
    return x * factor   # differentiated through the norm too, as PyTorch's renorm_backward


def unravel_index(indices, shape):
    """The coordinates in a tensor of `shape` of flat (row-major) indices: a tuple of
    int64 tensors, one per dimension.

    >>> torch.unravel_index(torch.tensor([4, 1]), (2, 3))
    (tensor([1, 0]), tensor([1, 1]))
    """
    idx = as_operand(indices)
    if idx.dtype.is_floating_point or idx.dtype == dtypes.bool_:
        raise TypeError(f"unravel_index: expected 'indices' to be an integer tensor, but got "
                        f"{idx.dtype}")
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s)
                                                                          for s in shape)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"unravel_index: 'shape' cannot have negative values, but got "
                           f"{shape}")
    size = int(np.prod(shape, dtype=np.int64))
    a = idx._data.astype(np.int64)
    if a.size and (a.min() < -size or a.max() >= size):
        raise RuntimeError(f"unravel_index: 'indices' must be in range [{-size}, {size - 1}] "
                           f"for shape {shape}")
    a = np.where(a < 0, a + size, a)
    return tuple(_make(c.astype(np.int64)) for c in np.unravel_index(a, shape))


def constant_pad_nd(input, pad, value=0):  # noqa: A002
    """Pads with a constant: F.pad(input, pad, mode='constant', value=value); negative
    pads crop.

    >>> torch.constant_pad_nd(torch.tensor([[1, 2]]), (1, 0), 9)
    tensor([[9, 1, 2]])
    """
    from ..nn import functional as F
    return F.pad(input, pad, mode="constant", value=value)


qr_result = return_types.structseq("qr", ["Q", "R"], """The result of torch.qr: (Q, R).

    >>> torch.qr(torch.tensor([[2.0, 0.0], [0.0, 3.0]])).R
    tensor([[2., 0.],
            [0., 3.]])
    """)


def qr(input, some=True):  # noqa: A002
    """The QR decomposition input = Q R (torch.qr, the older form of linalg.qr): reduced
    with some=True (the default), complete otherwise.

    >>> q, r = torch.qr(torch.tensor([[3.0, 1.0], [4.0, 2.0]]))
    >>> (q @ r).round(decimals=4)
    tensor([[3., 1.],
            [4., 2.]])
    """
    from .. import linalg
    q, r = linalg.qr(input, mode="reduced" if some else "complete")
    return qr_result(q, r)


def alias_copy(input):  # noqa: A002
    """A copy of input (torch.alias_copy: the copying form of an alias).

    >>> x = torch.tensor([1.0, 2.0]); y = torch.alias_copy(x); y[0] = 5.0; x
    tensor([1., 2.])
    """
    return as_operand(input).clone()


def fill(input, value):  # noqa: A002
    """A tensor of input's shape and dtype filled with value (a number or a 0-d tensor;
    the gradient goes to value, none to input's values), the out-of-place fill_.

    >>> torch.fill(torch.zeros(2, 2), 7)
    tensor([[7., 7.],
            [7., 7.]])
    """
    from .elementwise import where
    x = as_operand(input)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor "
                               f"with {value.ndim} dimensions.")
        value = value.to(x.dtype)
    else:
        value = _make(np.asarray(value).astype(x._data.dtype))
    keep = _make(np.zeros(x.shape, bool))
    return where(keep, x, value)


# the Tensor methods PyTorch has among these (torch.isin, unravel_index, ... have none)
GAP_B_METHODS = {"positive": positive, "renorm": renorm, "cov": cov, "corrcoef": corrcoef}
