"""In-place shape ops (unsqueeze_, squeeze_, t_, transpose_, resize_, resize_as_) and
as_strided.

The shape ops change which view of its memory a tensor is; the memory stays. On a tensor in
a graph the out-of-place op is recorded and the tensor rebased onto the new node (as the
value in-place ops do, functions/inplace.py), and the version counter is bumped, so a
backward that saved the tensor with its old shape raises instead of misreading it.

>>> x = chainrule.zeros(3)
>>> x.unsqueeze_(0).shape
chainrule.Size([1, 3])
"""
import numpy as np

from . import shape as S
from .inplace import _check_leaf
from ..autograd.function import Op
from ..autograd.grad_mode import GRAD_ENABLED
from ..tensor import Tensor

_make = Tensor._make


def _reshape_inplace(t, fn, op):
    """t becomes fn(t) (a view of the same memory), recorded when t is in a graph."""
    _check_leaf(t, op)
    if GRAD_ENABLED[0] and t.requires_grad:
        old = _make(t._data, True, t.grad_fn)
        old._out_idx, old._version = t._out_idx, t._version
        new = fn(old)
        t._data, t.grad_fn, t._out_idx = new._data, new.grad_fn, 0
        new.grad_fn._before = old
    else:
        t._data = fn(t)._data
    t._version[0] += 1
    return t


def unsqueeze_(self, dim):
    """Tensor.unsqueeze_: inserts a dim of size 1 at `dim`, in place.

    >>> x = torch.tensor([1, 2])
    >>> x.unsqueeze_(1); x.shape
    tensor([[1],
            [2]])
    chainrule.Size([2, 1])
    """
    return _reshape_inplace(self, lambda a: S.unsqueeze(a, dim), "unsqueeze_")


def squeeze_(self, dim=None):
    """Tensor.squeeze_: removes dims of size 1 (all, or only `dim`), in place.

    >>> x = torch.zeros(1, 2, 1)
    >>> x.squeeze_(); x.shape
    tensor([0., 0.])
    chainrule.Size([2])
    """
    return _reshape_inplace(self, lambda a: S.squeeze(a, dim), "squeeze_")


def t_(self):
    """Tensor.t_: transposes a matrix in place.

    >>> x = torch.tensor([[1, 2, 3]])
    >>> x.t_()
    tensor([[1],
            [2],
            [3]])
    """
    return _reshape_inplace(self, S.t, "t_")


def transpose_(self, dim0, dim1):
    """Tensor.transpose_: swaps dims dim0 and dim1 in place.

    >>> x = torch.zeros(2, 3, 4)
    >>> x.transpose_(0, 2).shape
    chainrule.Size([4, 3, 2])
    """
    return _reshape_inplace(self, lambda a: S.transpose(a, dim0, dim1), "transpose_")


def resize_(self, *sizes, memory_format=None):
    """Give the tensor `sizes`, keeping its first elements in row-major order; new elements
    are zero (PyTorch leaves them uninitialised). Refused for tensors that require grad.

    >>> x = torch.tensor([1, 2, 3, 4, 5, 6])
    >>> x.resize_(2, 2)
    tensor([[1, 2],
            [3, 4]])
    """
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(s) for s in sizes)
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"resize_: Trying to create tensor with negative dimension: "
                           f"{list(sizes)}")
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    n = int(np.prod(sizes, dtype=np.int64))
    flat = self._data.reshape(-1)
    if n <= flat.size:
        self._data = flat[:n].reshape(sizes)
    else:
        grown = np.zeros(n, dtype=self._data.dtype)
        grown[:flat.size] = flat
        self._data = grown.reshape(sizes)
    self._version[0] += 1
    return self


def resize_as_(self, other, memory_format=None):
    """Tensor.resize_as_: resize_ to other's shape.

    >>> x = torch.tensor([1, 2, 3, 4])
    >>> x.resize_as_(torch.zeros(2, 2))
    tensor([[1, 2],
            [3, 4]])
    """
    return resize_(self, tuple(other.shape))


class AsStrided(Op):
    """A view of the tensor's row-major elements with the given sizes, strides (in
    elements) and offset; grad: each element's gradients summed back to its position.

    >>> x = torch.arange(4.0, requires_grad=True)
    >>> y = torch.as_strided(x, (3, 2), (1, 1)); y
    tensor([[0., 1.],
            [1., 2.],
            [2., 3.]], grad_fn=<AsStridedBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([1., 2., 2., 1.])
    """
    is_view = True

    def forward(self, x, size, stride, offset):
        self._shape = x.shape
        flat = x.reshape(-1)
        return np.lib.stride_tricks.as_strided(flat[offset:], shape=size,
                                               strides=[s * x.itemsize for s in stride],
                                               writeable=False)

    def backward(self, g):
        n = int(np.prod(self._shape, dtype=np.int64))
        idx = _positions(n, self._size, self._stride, self._offset)
        if not isinstance(g, Tensor):
            out = np.zeros(n, dtype=g.dtype)
            np.add.at(out, idx.reshape(-1), g.reshape(-1))
            return out.reshape(self._shape)
        from .index import scatter_add
        zeros = _make(np.zeros(n, dtype=g._data.dtype))
        return scatter_add(zeros, 0, _make(idx.reshape(-1).copy()), g.reshape(-1)).reshape(
            self._shape)


def _positions(n, size, stride, offset):
    base = np.arange(n, dtype=np.int64)
    return np.lib.stride_tricks.as_strided(base[offset:], shape=size,
                                           strides=[s * base.itemsize for s in stride])


def as_strided(input, size, stride, storage_offset=0):  # noqa: A002 - PyTorch's names
    """A strided view of a contiguous tensor's elements (torch.as_strided), differentiable.

    >>> chainrule.arange(6.).as_strided((2, 2), (1, 2))
    tensor([[0., 2.],
            [1., 3.]])
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape (as_strided: size "
                           f"{list(size)}, stride {list(stride)})")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, "
                           f"got strides: {list(stride)}")
    if not input._data.flags.c_contiguous:
        raise RuntimeError("as_strided: chainrule supports it on contiguous tensors only; "
                           "call .contiguous() first")
    n = input._data.size
    need = storage_offset + 1 + sum((sz - 1) * st for sz, st in zip(size, stride)) \
        if all(size) else 0
    if need > n:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {storage_offset}, and itemsize {input._data.itemsize} "
                           f"requiring a storage size of {need * input._data.itemsize} are out "
                           f"of bounds for storage of size {n * input._data.itemsize}")
    out = AsStrided.apply(input, size=size, stride=stride, offset=int(storage_offset))
    if out.grad_fn is not None:
        node = out.grad_fn
        node._size, node._stride, node._offset = size, stride, int(storage_offset)
    return out
