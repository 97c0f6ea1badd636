"""Sparse COO tensors, enough for graph networks: sparse_coo_tensor, to_sparse / to_dense,
coalesce, indices / values, and sparse @ dense with gradients to the dense operand and
to the values. NumPy only.

>>> i = chainrule.tensor([[0, 1, 1], [2, 0, 2]])
>>> A = chainrule.sparse_coo_tensor(i, chainrule.tensor([3., 4., 5.]), (2, 3))
>>> A.to_dense()
tensor([[0., 0., 3.],
        [4., 0., 5.]])
>>> chainrule.sparse.mm(A, chainrule.ones(3, 2))     # a GCN layer's A @ X
tensor([[3., 3.],
        [9., 9.]])
"""
import numpy as np

from . import dtypes
from .autograd.function import Op
from .functions import dual
from .tensor import Tensor, Size

_make = Tensor._make

__all__ = ["SparseTensor", "sparse_coo_tensor", "mm", "spmm", "sum"]


class SparseTensor(Tensor):
    """A COO sparse tensor: int64 `indices` (ndim x nnz), a `values` Tensor (nnz), a shape.

    The values are an ordinary Tensor, so gradients flow to them (and, through
    to_sparse(), to the dense tensor they came from). Dense ops do not read a sparse
    tensor: they raise, pointing to .to_dense().

    >>> A = chainrule.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    >>> A = A.coalesce()                   # sorted, duplicates summed (PyTorch needs it here)
    >>> A.is_sparse, A.indices(), A.values()
    (True, tensor([[0, 1, 1],
            [2, 0, 2]]), tensor([3., 4., 5.]))
    >>> A.t().to_dense()
    tensor([[0., 4.],
            [0., 0.],
            [3., 5.]])
    """

    __slots__ = ("_indices", "_vals", "_size", "_coalesced")

    def __init__(self, *args, **kwargs):
        raise TypeError("make sparse tensors with chainrule.sparse_coo_tensor(indices, values, "
                        "size) or dense.to_sparse()")

    @property
    def _data(self):
        raise RuntimeError("this op does not support sparse COO tensors (chainrule's sparse "
                           "tensors support to_dense, coalesce, indices, values, t, "
                           "sparse.mm and @ with a dense matrix): call .to_dense() first")

    # --- metadata ---------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._size)

    def size(self, dim=None):
        return Size(self._size) if dim is None else self._size[dim]

    @property
    def ndim(self):
        return len(self._size)

    def dim(self):
        return len(self._size)

    def numel(self):
        return int(np.prod(self._size, dtype=np.int64))

    @property
    def dtype(self):
        return self._vals.dtype

    @property
    def is_sparse(self):
        return True

    @property
    def layout(self):
        from .tensor_types import sparse_coo
        return sparse_coo

    @property
    def requires_grad(self):
        return self._vals.requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        pass  # follows the values (set at construction)

    def requires_grad_(self, requires_grad=True):
        self._vals.requires_grad_(requires_grad)
        return self

    @property
    def grad(self):
        """The gradient, as a sparse tensor on the same indices (PyTorch's sparse grad)."""
        g = self._vals.grad
        return None if g is None else _new(self._indices, g, self._size, self._coalesced)

    @grad.setter
    def grad(self, value):
        if value is None:
            self._vals.grad = None
        else:
            raise RuntimeError("assigning .grad of a sparse tensor is not supported")

    @property
    def grad_fn(self):
        return None

    @grad_fn.setter
    def grad_fn(self, value):
        pass

    @property
    def is_leaf(self):
        return self._vals.is_leaf

    # --- COO access -------------------------------------------------------------------
    def _nnz(self):
        return int(self._indices.shape[1])

    def sparse_dim(self):
        return int(self._indices.shape[0])

    def dense_dim(self):
        return 0

    def is_coalesced(self):
        return self._coalesced

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return _make(self._indices)

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return self._vals

    def _values(self):
        return self._vals

    def _indices_(self):
        return _make(self._indices)

    def coalesce(self):
        """Indices sorted (row-major) and unique, duplicate entries summed (differentiably)."""
        if self._coalesced:
            return self
        if self._nnz() == 0:
            return _new(self._indices, self._vals, self._size, True)
        lin = np.ravel_multi_index(tuple(self._indices), self._size)
        uniq, inverse = np.unique(lin, return_inverse=True)
        vals = SumDuplicates.apply(self._vals, inverse=inverse.reshape(-1), n=len(uniq))
        idx = np.stack(np.unravel_index(uniq, self._size)).astype(np.int64).reshape(
            len(self._size), -1)
        return _new(idx, vals, self._size, True)

    def to_dense(self, dtype=None, *, masked_grad=True):
        """The dense tensor (duplicates summed); differentiable in the values."""
        out = ToDense.apply(self._vals, indices=self._indices, size=self._size)
        return out if dtype is None else out.to(dtype)

    def to_sparse(self, *args, **kwargs):
        return self

    def t(self):
        if len(self._size) != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, "
                               f"but self is {len(self._size)}-D")
        return _new(self._indices[::-1].copy(), self._vals, self._size[::-1], False)

    def transpose(self, d0, d1):
        n = len(self._size)
        d0, d1 = d0 % n, d1 % n
        order = list(range(n))
        order[d0], order[d1] = order[d1], order[d0]
        return _new(self._indices[order], self._vals, tuple(self._size[i] for i in order),
                    False)

    def detach(self):
        return _new(self._indices, self._vals.detach(), self._size, self._coalesced)

    def clone(self, memory_format=None):
        return _new(self._indices.copy(), self._vals.clone(), self._size, self._coalesced)

    def to(self, *args, **kwargs):
        from .functions import _to_args
        dtype, _, _, copy, _ = _to_args(args, kwargs)
        vals = self._vals.to(dtype, copy=copy) if dtype is not None else self._vals
        return _new(self._indices, vals, self._size, self._coalesced)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def mm(self, other):
        return mm(self, other)

    def matmul(self, other):
        return mm(self, other)

    def __matmul__(self, other):
        return mm(self, other)

    def __rmatmul__(self, other):
        """dense @ sparse = (sparse^T @ dense^T)^T."""
        return mm(self.t(), other.mT).mT

    def __mul__(self, other):
        if isinstance(other, (int, float)) and not isinstance(other, bool):
            return _new(self._indices, self._vals * other, self._size, self._coalesced)
        raise RuntimeError("sparse * tensor is not supported here: multiply the values, or "
                           "call .to_dense() first")

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1

    def __repr__(self):
        return (f"tensor(indices={_make(self._indices)!r},\n       values={self._vals!r},\n"
                f"       size={tuple(self._size)}, nnz={self._nnz()}, layout=torch.sparse_coo)")

    __str__ = __repr__

    def __len__(self):
        return self._size[0]


def _new(indices, values, size, coalesced):
    t = object.__new__(SparseTensor)
    t._indices, t._vals, t._size, t._coalesced = indices, values, tuple(size), coalesced
    t._out_idx = 0
    t._version = [0]
    return t


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A COO sparse tensor with values at indices (ndim x nnz); size defaults to the
    smallest that holds them. Duplicate indices are summed when coalesced or densified.

    >>> chainrule.sparse_coo_tensor([[0, 1], [1, 0]], [2., 3.], (2, 2)).to_dense()
    tensor([[0., 2.],
            [3., 0.]])
    """
    from .creation import tensor as _tensor
    from .tensor import on_cpu
    if device is not None:
        on_cpu(device, "sparse_coo_tensor")
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"indices must be an int64 tensor (got {idx.dtype})")
    idx = idx.astype(np.int64).reshape(idx.shape[0] if idx.ndim else 0, -1)
    vals = values if isinstance(values, Tensor) else _tensor(values)
    if dtype is not None:
        vals = vals.to(dtype)
    if vals.ndim != 1:
        raise RuntimeError(f"sparse_coo_tensor: values must be 1-D here (no dense dims), got "
                           f"shape {list(vals.shape)}")
    if idx.shape[1] != vals.shape[0]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{idx.shape[1]}, nnz from values: {vals.shape[0]}")
    if size is None:
        size = tuple(int(m) + 1 for m in idx.max(axis=1)) if idx.shape[1] else (0,) * len(idx)
    size = tuple(int(s) for s in size)
    if len(size) != idx.shape[0]:
        raise RuntimeError(f"number of dimensions must be sparse_dim ({idx.shape[0]}) + "
                           f"dense_dim (0), but got {len(size)}")
    for d in range(idx.shape[0]):
        if idx.shape[1] and (idx[d].min() < 0 or idx[d].max() >= size[d]):
            raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is "
                               f"{size[d]} but found index {int(idx[d].max())}")
    if requires_grad:
        vals = vals.detach().requires_grad_(True) if not vals.is_leaf else \
            vals.requires_grad_(True)
    coalesced = bool(is_coalesced) if is_coalesced is not None else _is_sorted_unique(idx, size)
    return _new(idx, vals, size, coalesced and is_coalesced is not False)


def _is_sorted_unique(idx, size):
    if idx.shape[1] <= 1:
        return True
    lin = np.ravel_multi_index(tuple(idx), size)
    return bool(np.all(np.diff(lin) > 0))


def to_sparse(x, sparse_dim=None, *, layout=None):
    """Dense -> COO over the non-zero entries, coalesced; the values stay differentiable.

    >>> S = chainrule.tensor([[0.0, 2.0], [1.0, 0.0]]).to_sparse()
    >>> S.indices(), S.values()
    (tensor([[0, 1],
            [1, 0]]), tensor([2., 1.]))
    """
    if layout is not None and getattr(layout, "name", "sparse_coo") != "sparse_coo":
        raise RuntimeError(f"to_sparse: only the sparse_coo layout is supported, got {layout}")
    a = x._data
    idx = np.stack(np.nonzero(a)).astype(np.int64).reshape(a.ndim, -1)
    vals = x[tuple(_make(i) for i in idx)] if a.ndim else x.reshape(1)
    return _new(idx, vals, a.shape, True)


def mm(sparse, dense):
    """sparse (n x m, COO) @ dense (m x p): a dense n x p result, differentiable in the
    sparse values and the dense matrix (torch.sparse.mm).

    >>> A = chainrule.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], chainrule.tensor([3., 4., 5.],
    ...                                  requires_grad=True), (2, 3))
    >>> X = chainrule.ones(3, 2, requires_grad=True)
    >>> out = chainrule.sparse.mm(A, X)            # A @ X, as a GCN layer's propagation
    >>> out
    tensor([[3., 3.],
            [9., 9.]], grad_fn=<SparseMMBackward0>)
    >>> out.sum().backward(); X.grad                 # column sums of A
    tensor([[4., 4.],
            [0., 0.],
            [8., 8.]])
    """
    if not isinstance(sparse, SparseTensor):
        if isinstance(dense, SparseTensor):
            return mm(dense.t(), sparse.mT).mT
        raise RuntimeError("sparse.mm: expected a sparse COO first argument")
    if isinstance(dense, SparseTensor):
        raise RuntimeError("sparse.mm: sparse @ sparse is not supported here; densify one side")
    if len(sparse._size) != 2:
        raise RuntimeError(f"sparse.mm: expected a 2-D sparse matrix, got {len(sparse._size)}-D")
    vec = dense.ndim == 1
    d = dense.unsqueeze(-1) if vec else dense
    if d.ndim != 2 or d.shape[0] != sparse._size[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sparse._size[0]}x"
                           f"{sparse._size[1]} and {'x'.join(map(str, dense.shape))})")
    vals = sparse._vals
    if vals.dtype != d.dtype:
        raise RuntimeError(f"sparse.mm: expected the same dtype, got {vals.dtype} and {d.dtype}")
    out = SparseMM.apply(vals, d, rows=sparse._indices[0], cols=sparse._indices[1],
                         n=sparse._size[0])
    return out.squeeze(-1) if vec else out


spmm = mm


def sum(input, dim=None, dtype=None):  # noqa: A001,A002 - PyTorch's names
    """Sum of the entries (all, or over `dim`, densely).

    >>> A = chainrule.sparse_coo_tensor([[0, 1, 1], [2, 0, 2]], [3., 4., 5.], (2, 3))
    >>> chainrule.sparse.sum(A), chainrule.sparse.sum(A, dim=0)
    (tensor(12.), tensor([4., 0., 8.]))
    """
    if dim is None:
        return input._vals.sum() if dtype is None else input._vals.sum().to(dtype)
    return input.to_dense().sum(dim)


# --- the ops ----------------------------------------------------------------------------
def _spmm_arrays(vals, dense, rows, cols, n):
    out = np.zeros((n, dense.shape[1]), dtype=np.result_type(vals, dense))
    np.add.at(out, rows, vals[:, None] * dense[cols])
    return out


class SparseMM(Op):
    """out[r] += v * dense[c] for each entry (r, c, v). grads: g_v = sum_j g[r, j] dense[c, j];
    g_dense = A^T g (the same op on the transposed entries)."""

    def forward(self, vals, dense, rows, cols, n):
        self._rows, self._cols, self._m = rows, cols, dense.shape[0]
        return _spmm_arrays(vals, dense, rows, cols, n)

    def backward(self, g):
        vals, dense = self.saved_inputs()
        rows, cols = self._rows, self._cols
        need = self.needs_input_grad
        gv = gd = None
        if need[0]:
            gv = (g[rows] * dense[cols]).sum(-1) if dual.is_array(g) else \
                (g[_make(rows)] * dense[_make(cols)]).sum(-1)
        if need[1]:
            gd = _spmm_arrays(vals, g, cols, rows, self._m) if dual.is_array(g) else \
                SparseMM.apply(vals, g, rows=cols, cols=rows, n=self._m)
        return gv, gd


class ToDense(Op):
    """Scatter-add the values into a dense array; grad: the gradient at the indices."""

    def forward(self, vals, indices, size):
        self._idx = tuple(indices)
        out = np.zeros(size, dtype=vals.dtype)
        np.add.at(out, self._idx, vals)
        return out

    def backward(self, g):
        if dual.is_array(g):
            return g[self._idx]
        return g[tuple(_make(i) for i in self._idx)]


class SumDuplicates(Op):
    """Values of equal indices summed (coalesce); grad: each entry gets its sum's gradient."""

    def forward(self, vals, inverse, n):
        self._inverse = inverse
        out = np.zeros(n, dtype=vals.dtype)
        np.add.at(out, inverse, vals)
        return out

    def backward(self, g):
        return g[self._inverse] if dual.is_array(g) else g[_make(self._inverse)]
