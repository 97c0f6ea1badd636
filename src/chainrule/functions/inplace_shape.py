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
    """A view of the tensor's storage (the memory its NumPy base owns) with the given sizes,
    strides and offset, in elements of that storage; grad as torch's as_strided_backward: the
    gradient is scattered into the storage geometry (overlaps summed), divided where the
    input's own geometry overlaps itself, and read back through the input's geometry.

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
        storage, self._in_geometry = _storage_of(x)
        return np.lib.stride_tricks.as_strided(storage[offset:], shape=size,
                                               strides=[s * x.itemsize for s in stride],
                                               writeable=False)

    def backward(self, g):
        in_size, in_stride, in_offset = self._in_geometry
        shared = min(in_offset, self._offset)
        inp = _positions(in_size, in_stride, in_offset - shared)
        out = _positions(self._size, self._stride, self._offset - shared)
        n = int(max(inp.max(initial=-1), out.max(initial=-1))) + 1
        count = np.bincount(inp.reshape(-1), minlength=n)
        # each storage element's gradient is shared by the input elements that alias it
        share = np.where(count > 1, 1.0 / np.maximum(count, 1), 1.0)
        if not isinstance(g, Tensor):
            storage = np.zeros(n, dtype=g.dtype)
            np.add.at(storage, out.reshape(-1), g.reshape(-1))
            if (count > 1).any():
                storage = (storage * share).astype(g.dtype, copy=False)
            return storage[inp]
        from .index import scatter_add, take
        storage = scatter_add(_make(np.zeros(n, dtype=g._data.dtype)), 0,
                              _make(out.reshape(-1).copy()), g.reshape(-1))
        if (count > 1).any():
            storage = storage * _make(share.astype(g._data.dtype))
        return take(storage, _make(inp.copy()))


def _positions(size, stride, offset):
    """The storage index of every element of the geometry (size, stride, offset)."""
    idx = np.full(tuple(size), offset, dtype=np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


def _storage_of(a):
    """(a 1-D array over the whole memory `a` views, a's (sizes, strides, offset) in elements
    of it): the owner at the end of NumPy's `.base` chain stands in for torch's storage, and
    a's offset is the distance of the data pointers."""
    item = a.itemsize
    root, link = a, a.base
    while link is not None:  # np.lib.stride_tricks views hold their base through a DummyArray
        if isinstance(link, np.ndarray):
            root = link
        link = getattr(link, "base", None)
    ptr = a.__array_interface__["data"][0]
    start = root.__array_interface__["data"][0]
    if root.flags.contiguous and (ptr - start) % item == 0 and all(
            s % item == 0 for s in a.strides) and root.nbytes >= item:
        flat = root.reshape(-1, order="A").view(np.uint8)
        storage = flat[:root.nbytes // item * item].view(a.dtype)
        offset = (ptr - start) // item
        strides = tuple(s // item for s in a.strides)
        # a view (inside the owner's bytes) the pointers describe correctly
        if offset >= 0 and _positions(a.shape, strides, offset).max(initial=0) < storage.size:
            return storage, (a.shape, strides, offset)
    # a tensor owning its memory (or memory NumPy cannot describe): its own row-major storage
    c = np.ascontiguousarray(a)
    strides = tuple(s // item for s in c.strides) if c.size else (0,) * c.ndim
    return c.reshape(-1), (c.shape, strides, 0)


def storage_offset(input):  # noqa: A002 - PyTorch's names
    """The offset, in elements, of the tensor's first element in its storage (the memory
    its NumPy base owns) (torch.Tensor.storage_offset).

    >>> chainrule.arange(6.)[2:].storage_offset()
    2
    """
    return _storage_of(input._data)[1][2]


def as_strided(input, size, stride, storage_offset=None):  # noqa: A002 - PyTorch's names
    """A strided view of the tensor's storage (torch.as_strided), differentiable.

    Sizes, strides and `storage_offset` are in elements of the storage the tensor views (the
    memory at the end of its NumPy `.base` chain); storage_offset=None keeps the tensor's own.

    >>> chainrule.arange(6.).as_strided((2, 2), (1, 2))
    tensor([[0., 2.],
            [1., 3.]])
    >>> chainrule.arange(6.)[2:].as_strided((2,), (1,), 1)
    tensor([1., 2.])
    """
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape (as_strided: size "
                           f"{list(size)}, stride {list(stride)})")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, "
                           f"got strides: {list(stride)}")
    storage, (_, _, own_offset) = _storage_of(input._data)
    offset = own_offset if storage_offset is None else int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset} (as_strided)")
    item = input._data.itemsize
    need = offset + 1 + sum((sz - 1) * st for sz, st in zip(size, stride)) if all(size) else 0
    if need > storage.size:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{need * item} are out of bounds for storage of size "
                           f"{storage.size * item}")
    out = AsStrided.apply(input, size=size, stride=stride, offset=offset)
    if out.grad_fn is not None:
        node = out.grad_fn
        node._size, node._stride, node._offset = size, stride, offset
    return out
