"""Tensor products and distances composed from recorded ops (so their gradients and
grad-of-grad come from matmul, mul, sum, index): tensordot, kron, cross, cdist."""
import numpy as np

from ._util import as_operand, cast, one_dim, promote
from .. import dtypes
from ..tensor import Tensor


def tensordot(a, b, dims=2, out=None):
    """Sums the products of a and b over the dims to contract (a generalised matmul).

    out[i..., j...] = sum_k a[i..., k...] b[k..., j...]

    dims=n contracts the last n dims of a with the first n of b; dims=([a dims], [b dims]) lists
    the pairs.

    >>> a = torch.arange(6.0).reshape(2, 3)
    >>> b = torch.arange(12.0).reshape(3, 4)
    >>> torch.tensordot(a, b, dims=1)
    tensor([[20., 23., 26., 29.],
            [56., 68., 80., 92.]])
    >>> torch.tensordot(a, b.T, dims=([1], [1]))
    tensor([[20., 23., 26., 29.],
            [56., 68., 80., 92.]])
    >>> torch.tensordot(torch.ones(2, 3), torch.ones(2, 3))
    tensor(6.)
    """
    from .linalg import matmul
    a, b = promote(as_operand(a), as_operand(b))
    na, nb = a._data.ndim, b._data.ndim
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(na, nb):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(na - dims, na)), list(range(dims))
    else:
        da, db = list(dims[0]), list(dims[1])
        if isinstance(da, int) or not isinstance(dims[0], (list, tuple)):
            da, db = [dims[0]], [dims[1]]
    if len(da) != len(db):
        raise RuntimeError(f"both dimension lists should have same length (got {da} and {db})")
    da = [one_dim(d, na, "tensordot") for d in da]
    db = [one_dim(d, nb, "tensordot") for d in db]
    for i, j in zip(da, db):
        # a size-1 dim contracts against any size, as PyTorch broadcasts: sum the other first
        if a._data.shape[i] == 1 and b._data.shape[j] != 1:
            b = b.sum(j, keepdim=True, dtype=b.dtype)
        elif b._data.shape[j] == 1 and a._data.shape[i] != 1:
            a = a.sum(i, keepdim=True, dtype=a.dtype)
        if a._data.shape[i] != b._data.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a._data.shape[i]} in dim {i} and second has size "
                               f"{b._data.shape[j]} in dim {j}")
    fa = [d for d in range(na) if d not in da]
    fb = [d for d in range(nb) if d not in db]
    k = int(np.prod([a._data.shape[d] for d in da])) if da else 1
    sa = [a._data.shape[d] for d in fa]
    sb = [b._data.shape[d] for d in fb]
    am = a.permute(*(fa + da)).reshape(int(np.prod(sa)) if sa else 1, k)
    bm = b.permute(*(db + fb)).reshape(k, int(np.prod(sb)) if sb else 1)
    return matmul(am, bm).reshape(*(sa + sb))


def kron(input, other):  # noqa: A002 - PyTorch's argument names
    """The Kronecker product: blocks input[i, j] * other.

    out[i * m + k, j * n + l] = input[i, j] * other[k, l] (other of shape (m, n))

    >>> torch.kron(torch.eye(2), torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([[1., 2., 0., 0.],
            [3., 4., 0., 0.],
            [0., 0., 1., 2.],
            [0., 0., 3., 4.]])
    >>> torch.kron(torch.tensor([1, 10]), torch.tensor([1, 2, 3]))
    tensor([ 1,  2,  3, 10, 20, 30])
    """
    a, b = promote(as_operand(input), as_operand(other))
    nd = max(a._data.ndim, b._data.ndim)
    sa = (1,) * (nd - a._data.ndim) + a._data.shape
    sb = (1,) * (nd - b._data.ndim) + b._data.shape
    ea = a.reshape(*[v for s in sa for v in (s, 1)])
    eb = b.reshape(*[v for s in sb for v in (1, s)])
    return (ea * eb).reshape(*[x * y for x, y in zip(sa, sb)])


def cross(input, other, dim=None):  # noqa: A002
    """The 3-D cross product along dim (with dim=None: the first dim of size 3, PyTorch's
    deprecated default; torch.linalg.cross uses dim=-1). Broadcasts.

    a x b = (a1 b2 - a2 b1, a2 b0 - a0 b2, a0 b1 - a1 b0)

    >>> torch.cross(torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0]), dim=0)
    tensor([0., 0., 1.])
    >>> torch.linalg.cross(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([[4.0, 5.0, 6.0]]))
    tensor([[-3.,  6., -3.]])
    """
    from .shape import broadcast_tensors, stack
    a, b = promote(as_operand(input), as_operand(other))
    if a._data.shape != b._data.shape:
        a, b = broadcast_tensors(a, b)
    nd = a._data.ndim
    if dim is None:
        sizes = a._data.shape
        if 3 not in sizes:
            raise RuntimeError(f"no dimension of size 3 in input (shape {list(sizes)})")
        d = sizes.index(3)
    else:
        d = one_dim(dim, nd, "cross")
    if a._data.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {d} must have length 3. Got "
                           f"{a._data.shape[d]} and {b._data.shape[d]}")
    a0, a1, a2 = (a[(slice(None),) * d + (i,)] for i in range(3))
    b0, b1, b2 = (b[(slice(None),) * d + (i,)] for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def cdist(x1, x2, p=2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M);
    the gradient at zero distance is 0, as PyTorch's.

    out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p

    >>> x1 = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    >>> x2 = torch.tensor([[3.0, 4.0], [1.0, 0.0], [0.0, 0.0]])
    >>> torch.cdist(x1, x2)
    tensor([[5.0000, 1.0000, 0.0000],
            [3.6056, 1.0000, 1.4142]])
    >>> torch.cdist(x1, x2, p=1.0)
    tensor([[7., 1., 0.],
            [5., 1., 2.]])
    """
    from .reduce import norm
    a, b = as_operand(x1), as_operand(x2)
    if a._data.dtype.kind != "f" or b._data.dtype.kind != "f":
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {a.dtype.name}")
    if a._data.ndim < 2 or b._data.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {a._data.ndim}D")
    if a._data.shape[-1] != b._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: "
                           f"{a._data.shape[-1]} X2: {b._data.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values (got {p})")
    rt = dtypes.result_type(a._data, b._data)
    a, b = cast(a, rt), cast(b, rt)
    d = a.unsqueeze(-2) - b.unsqueeze(-3)          # ..., P, R, M
    return norm(d, p=p, dim=-1)


# --- the fused "beta * input + alpha * product" ops of PyTorch (addmm & co) and addcmul /
# addcdiv: compositions of matmul and the elementwise ops, so every input is differentiable.
def _scaled_sum(input, prod, beta, alpha):  # noqa: A002
    """beta * input + alpha * prod; beta == 0 ignores input (NaN in it included), as
    PyTorch."""
    kind = prod._data.dtype.kind
    if kind == "b":  # bool: and / or, as PyTorch
        from .elementwise import logical_or
        prod = prod if alpha else prod & False
        return prod if not beta else logical_or(as_operand(input), prod)
    if kind in "iu":  # integer tensors take the scalars truncated, as PyTorch
        alpha, beta = int(alpha), int(beta)
    if alpha != 1:
        prod = prod * alpha
    if beta == 0:  # (input's gradient is then zero: none flows to it)
        return prod
    inp = as_operand(input)
    return (inp * beta if beta != 1 else inp) + prod


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """beta * input + alpha * (mat1 @ mat2).

    >>> chainrule.addmm(chainrule.zeros(2, 2), chainrule.eye(2), chainrule.ones(2, 2)).sum()
    tensor(4.)
    """
    from .linalg import mm
    return _maybe_out(_scaled_sum(input, mm(mat1, mat2), beta, alpha), out)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):  # noqa: A002
    """beta * input + alpha * (mat @ vec).

    out = beta * input + alpha * mat @ vec

    >>> m = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> torch.addmv(torch.tensor([1.0, 1.0]), m, torch.tensor([1.0, -1.0]))
    tensor([0., 0.])
    >>> torch.addmv(torch.tensor([1.0, 1.0]), m, torch.tensor([2.0, 3.0]), beta=0.5, alpha=2)
    tensor([16.5000, 36.5000])
    """
    from .linalg import mv
    return _maybe_out(_scaled_sum(input, mv(mat, vec), beta, alpha), out)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """beta * input + alpha * outer(vec1, vec2).

    out[i, j] = beta * input[i, j] + alpha * vec1[i] * vec2[j]

    >>> v1, v2 = torch.tensor([1.0, 2.0]), torch.tensor([1.0, 10.0, 100.0])
    >>> torch.addr(torch.zeros(2, 3), v1, v2)
    tensor([[  1.,  10., 100.],
            [  2.,  20., 200.]])
    >>> torch.addr(torch.ones(2, 3), v1, v2, beta=2, alpha=-1)
    tensor([[   1.,   -8.,  -98.],
            [   0.,  -18., -198.]])
    """
    from .linalg import outer
    return _maybe_out(_scaled_sum(input, outer(vec1, vec2), beta, alpha), out)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """beta * input + alpha * (batch1 @ batch2), batch by batch.

    out[b] = beta * input[b] + alpha * batch1[b] @ batch2[b]

    >>> b1 = torch.arange(8.0).reshape(2, 2, 2)
    >>> out = torch.baddbmm(torch.ones(2, 2, 2), b1, torch.eye(2).expand(2, 2, 2), alpha=10)
    >>> out.shape
    chainrule.Size([2, 2, 2])
    >>> out[1]
    tensor([[41., 51.],
            [61., 71.]])
    """
    from .linalg import bmm
    return _maybe_out(_scaled_sum(input, bmm(batch1, batch2), beta, alpha), out)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):  # noqa: A002
    """beta * input + alpha * sum_b (batch1[b] @ batch2[b]).

    out = beta * input + alpha * sum_b batch1[b] @ batch2[b]

    >>> b1 = torch.arange(8.0).reshape(2, 2, 2)
    >>> torch.addbmm(torch.zeros(2, 2), b1, torch.eye(2).expand(2, 2, 2))
    tensor([[ 4.,  6.],
            [ 8., 10.]])
    """
    from .linalg import bmm
    return _maybe_out(_scaled_sum(input, _sum0(bmm(batch1, batch2)), beta, alpha), out)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):  # noqa: A002
    """input + value * tensor1 * tensor2 (broadcasting).

    >>> chainrule.addcmul(chainrule.ones(2), chainrule.ones(2), chainrule.ones(2), value=3)
    tensor([4., 4.])
    """
    p = as_operand(tensor1) * as_operand(tensor2)
    return _maybe_out(as_operand(input) + (p * value if value != 1 else p), out)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):  # noqa: A002
    """input + value * tensor1 / tensor2 (floating tensors; broadcasting).

    out_i = input_i + value * tensor1_i / tensor2_i

    >>> t1, t2 = torch.tensor([1.0, 3.0]), torch.tensor([2.0, 4.0])
    >>> torch.addcdiv(torch.tensor([1.0, 1.0]), t1, t2, value=2)
    tensor([2.0000, 2.5000])
    """
    t1, t2 = as_operand(tensor1), as_operand(tensor2)
    if t1._data.dtype.kind != "f" and t2._data.dtype.kind != "f":
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a "
                           "future release addcdiv will perform a true division of tensor1 "
                           "and tensor2.")
    q = t1 / t2
    return _maybe_out(as_operand(input) + (q * value if value != 1 else q), out)


def dist(input, other, p=2):  # noqa: A002
    """The p-norm of input - other (broadcast), as a 0-d tensor.

    >>> chainrule.dist(chainrule.zeros(2), chainrule.tensor([3., 4.]))
    tensor(5.)
    """
    from .reduce import norm
    return norm(as_operand(input) - as_operand(other), p)


def _sum0(t):
    return t.sum(0, dtype=t.dtype) if t._data.dtype.kind in "iu" else t.sum(0)


def _maybe_out(result, out):
    if out is None:
        return result
    from .decomp import _out
    return _out(result, out)
