"""Indexing: __getitem__ (basic and advanced), gather / scatter_add, index_select, sort,
topk, one_hot. Backward of a read is a scatter-add, so repeated indices accumulate."""
import collections

import numpy as np

from . import dual
from ._util import as_operand, one_dim
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make


def convert_key(key):
    """A Python/NumPy index from one that may hold Tensors or lists."""
    if isinstance(key, tuple):
        return tuple(_convert_one(k) for k in key)
    return _convert_one(key)


def _convert_one(k):
    if isinstance(k, Tensor):
        d = k._data
        if d.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return d
    if isinstance(k, list):
        a = np.asarray(k)
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    return k


def is_basic(key):
    """True when the key only slices (the result is a view, no duplicates possible)."""
    items = key if isinstance(key, tuple) else (key,)
    for k in items:
        if isinstance(k, np.ndarray) or isinstance(k, (list, tuple)):
            return False
        if isinstance(k, (bool, np.bool_)):
            return False
    return True


def _index_error(x_shape, key, err):
    return IndexError(f"index {_key_str(key)} is out of bounds for a tensor of shape "
                      f"{list(x_shape)}: {err}")


def _key_str(key):
    items = key if isinstance(key, tuple) else (key,)
    parts = []
    for k in items:
        if isinstance(k, np.ndarray):
            parts.append(f"array{list(k.shape)}" if k.size > 6 else repr(k.tolist()))
        elif isinstance(k, slice):
            parts.append(":".join("" if v is None else str(v) for v in (k.start, k.stop, k.step)
                                  ).rstrip(":") or ":")
        elif k is Ellipsis:
            parts.append("...")
        else:
            parts.append(repr(k))
    return "[" + ", ".join(parts) + "]"


class GetItem(Op):
    saves = False

    def forward(self, x, key):
        self.in_shape, self.key = x.shape, key
        try:
            out = x[key]
        except IndexError as e:
            raise _index_error(x.shape, key, e) from None
        self.basic = is_basic(key)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    def backward(self, g):
        return IndexAdd.scatter(g, self.key, self.in_shape, self.basic)


class GetItemView(GetItem):
    is_view = True


class IndexAdd(Op):
    """zeros(shape), then g added at key: the backward of GetItem (and its own backward
    is GetItem, which makes indexing twice differentiable)."""
    saves = False

    @staticmethod
    def scatter(g, key, shape, basic):
        if dual.is_array(g):
            out = np.zeros(shape, dtype=g.dtype)
            if basic:
                out[key] = g
            else:
                np.add.at(out, key, g)
            return out
        return IndexAdd.apply(g, key=key, shape=shape, basic=basic)

    def forward(self, g, key, shape, basic):
        self.key = key
        return IndexAdd.scatter(g, key, shape, basic)

    def backward(self, gg):
        return gg[self.key]


def getitem(x, key):
    key = convert_key(key)
    if is_basic(key):
        return GetItemView.apply(x, key=key)
    return GetItem.apply(x, key=key)


def _along(index, dim):
    """Open-mesh index tuple addressing `index` along `dim` (for add.at)."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _gather_np(x, dim, index):
    # index may be smaller than x in the other dims (PyTorch allows it): crop x first.
    xs = x[tuple(slice(None) if d == dim else slice(0, index.shape[d]) for d in range(x.ndim))]
    return np.take_along_axis(xs, index, axis=dim)


class Gather(Op):
    saves = False

    def forward(self, x, dim, index):
        self.in_shape, self.dim, self.index = x.shape, dim, index
        if x.ndim != index.ndim and x.ndim:
            raise RuntimeError(f"gather: Index tensor must have the same number of dimensions "
                               f"as input tensor ({index.ndim} vs {x.ndim})")
        for d in range(x.ndim):
            if d != dim and index.shape[d] > x.shape[d]:
                raise RuntimeError(f"gather: Size does not match at dimension {d} expected index "
                                   f"{list(index.shape)} to be smaller than self "
                                   f"{list(x.shape)} apart from dimension {dim}")
        if index.size and (index.min() < -x.shape[dim] or index.max() >= x.shape[dim]):
            raise IndexError(f"gather: index {int(index.max())} is out of bounds for dimension "
                             f"{dim} with size {x.shape[dim]}")
        return _gather_np(x, dim, index)

    def backward(self, g):
        return ScatterAddZeros.scatter(g, self.dim, self.index, self.in_shape)


class ScatterAddZeros(Op):
    """zeros(shape).scatter_add(dim, index, g): the backward of Gather."""
    saves = False

    @staticmethod
    def scatter(g, dim, index, shape):
        if dual.is_array(g):
            out = np.zeros(shape, dtype=g.dtype)
            np.add.at(out, _along(index, dim), g)
            return out
        return ScatterAddZeros.apply(g, dim=dim, index=index, shape=shape)

    def forward(self, g, dim, index, shape):
        self.dim, self.index = dim, index
        return ScatterAddZeros.scatter(g, dim, index, shape)

    def backward(self, gg):
        if dual.is_array(gg):
            return _gather_np(gg, self.dim, self.index)
        return Gather.apply(gg, dim=self.dim, index=self.index)


class ScatterAdd(Op):
    saves = False

    def forward(self, x, src, dim, index):
        self.dim, self.index, self.src_shape = dim, index, src.shape
        out = x.copy()
        sub = src[tuple(slice(0, s) for s in index.shape)]
        np.add.at(out, _along(index, dim), sub)
        return out

    def backward(self, g):
        gsrc = None
        if self.needs_input_grad[1]:
            gsrc = _gather_np(g, self.dim, self.index) if dual.is_array(g) \
                else Gather.apply(g, dim=self.dim, index=self.index)
            if tuple(gsrc.shape) != tuple(self.src_shape):  # src larger than index: zeros
                pads = [(0, s - i) for s, i in zip(self.src_shape, gsrc.shape)]
                if dual.is_array(gsrc):
                    gsrc = np.pad(gsrc, pads)
                else:
                    from .shape import pad
                    gsrc = pad(gsrc, [v for p in reversed(pads) for v in p])
        return g, gsrc


def _index_arg(index, op):
    idx = index._data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    return idx.astype(np.int64, copy=False)


def gather(x, dim, index, *, sparse_grad=False):
    x = as_operand(x)
    idx = _index_arg(index, "gather")
    if idx.size == 0:  # PyTorch checks nothing else for an empty index: an empty result
        return GetItem.apply(x.reshape(-1), key=idx.reshape(idx.shape))
    if x._data.ndim == 0:  # a 0-d input gathers as a 1-element vector, back to 0-d
        return gather(x.reshape(1), dim, index.reshape(1) if idx.ndim == 0 else index,
                      sparse_grad=sparse_grad).reshape(idx.shape)
    d = one_dim(dim, x._data.ndim, "gather")
    return Gather.apply(x, dim=d, index=idx)


def scatter_add(x, dim, index, src):
    x = as_operand(x)
    src = as_operand(src, x._data.dtype) if not isinstance(src, Tensor) else src
    if x._data.ndim == 0:  # 0-d self, index and src: as 1-element vectors, back to 0-d
        one = lambda t: t.reshape(1) if isinstance(t, Tensor) and t._data.ndim == 0 else t  # noqa: E731
        return scatter_add(x.reshape(1), dim, one(index), one(src)).reshape(())
    d = one_dim(dim, x._data.ndim, "scatter_add")
    idx = _index_arg(index, "scatter_add")
    _check_scatter(x._data.shape, d, idx, src._data.shape, "scatter_add")
    return ScatterAdd.apply(x, src, dim=d, index=idx)


def _check_scatter(shape, dim, idx, src_shape, op):
    if idx.ndim != len(shape) or len(src_shape) != len(shape):
        raise RuntimeError(f"{op}(): Index tensor must have the same number of dimensions as "
                           f"self and src tensors (index {list(idx.shape)}, self "
                           f"{list(shape)}, src {list(src_shape)})")
    for k in range(idx.ndim):
        if idx.shape[k] > src_shape[k] or (k != dim and idx.shape[k] > shape[k]):
            raise RuntimeError(f"{op}(): Expected index {list(idx.shape)} to be smaller than "
                               f"self {list(shape)} apart from dimension {dim} and to be "
                               f"smaller size than src {list(src_shape)}")
    if idx.size and (idx.min() < -shape[dim] or idx.max() >= shape[dim]):
        raise IndexError(f"{op}(): index {int(idx.max() if idx.max() >= shape[dim] else idx.min())}"
                         f" is out of bounds for dimension {dim} with size {shape[dim]}")


def scatter(x, dim, index, src=None, value=None, reduce=None):
    """x with src (or value) written at index along dim; duplicate indices keep one."""
    x = as_operand(x)
    if x._data.ndim == 0:  # 0-d self, index and src: as 1-element vectors, back to 0-d
        one = lambda t: t.reshape(1) if isinstance(t, Tensor) and t._data.ndim == 0 else t  # noqa: E731
        return scatter(x.reshape(1), dim, one(index), one(src), value, reduce).reshape(())
    d = one_dim(dim, x._data.ndim, "scatter")
    idx = _index_arg(index, "scatter")
    if src is not None and not isinstance(src, Tensor):  # x.scatter(dim, index, 2.5)
        src, value = None, src
    if reduce == "add":
        if src is None:  # x.scatter(dim, index, 2.5, reduce="add"): the value, in x's dtype
            src = _make(np.full(idx.shape, value, dtype=x._data.dtype))
        return scatter_add(x, d, index, src)
    if src is None:
        src = _make(np.full(idx.shape, value if value is not None else 0, dtype=x._data.dtype))
    from .elementwise import Where
    hit = np.zeros(x._data.shape, dtype=bool)
    hit[_along(idx, d)] = True
    placed = scatter_add(_make(np.zeros_like(x._data)), d, index, src)
    return Where.apply(placed, x, cond=hit)


def index_select(x, dim, index):
    idx = _index_arg(index, "index_select")
    if x._data.ndim == 0:  # PyTorch: a 0-d input with index [0] (or 0) is returned as is
        if idx.size != 1 or int(idx.reshape(-1)[0]) not in (0, -1):
            raise IndexError("index_select(): index out of range in self (a 0-d tensor)")
        return GetItem.apply(x, key=())
    d = one_dim(dim, x._data.ndim, "index_select")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    n = x._data.shape[d] if x._data.ndim else 1
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"index_select(): index out of range in self (dim {d} has size {n})")
    return GetItem.apply(x, key=(slice(None),) * d + (idx.reshape(-1),))


def take(x, index):
    return x.reshape(-1)[index]


def masked_select(x, mask):
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    m = np.broadcast_to(m, np.broadcast_shapes(m.shape, x._data.shape))
    if m.shape != x._data.shape:
        x = x.expand(m.shape)
    return GetItem.apply(x, key=m)


_SortResult = collections.namedtuple("sort", ["values", "indices"])
_TopkResult = collections.namedtuple("topk", ["values", "indices"])


def sort(x, dim=-1, descending=False, stable=False):
    x = as_operand(x)
    if x._data.ndim == 0:
        return _SortResult(x, _make(np.zeros((), np.int64)))
    d = one_dim(dim, x._data.ndim, "sort")
    data = x._data
    if descending:
        # Stable descending order without negating (which overflows int64's minimum and
        # breaks on bool / unsigned): sort the reversed array, reverse back, re-index.
        # NaN, last in ascending order, comes first, as in PyTorch.
        n = data.shape[d]
        idx = n - 1 - np.flip(np.argsort(np.flip(data, d), axis=d, kind="stable"), d)
    else:
        idx = np.argsort(data, axis=d, kind="stable")
    return _SortResult(gather(x, d, _make(idx)), _make(idx.astype(np.int64)))


def argsort(x, dim=-1, descending=False, stable=False):
    return sort(x, dim, descending, stable).indices


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    x = as_operand(x)
    if x._data.ndim == 0:  # PyTorch: a 0-d input is its own top 1 (k 0 or 1), index 0
        if k not in (0, 1):
            raise RuntimeError(f"topk: selected index k ({k}) out of range for a 0-d tensor")
        one_dim(dim, 1, "topk")
        return _TopkResult(GetItem.apply(x, key=()), _make(np.zeros((), np.int64)))
    d = one_dim(dim, x._data.ndim, "topk")
    n = x._data.shape[d] if x._data.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError(f"topk: selected index k ({k}) out of range for dimension {d} of "
                           f"size {n}")
    s = sort(x, d, descending=largest)
    sl = (slice(None),) * d + (slice(0, k),)
    return _TopkResult(s.values[sl], _make(s.indices._data[sl]))


def one_hot(tensor, num_classes=-1):
    idx = _index_arg(tensor, "one_hot")
    if num_classes == -1:
        num_classes = int(idx.max()) + 1 if idx.size else 0
    if idx.size and (idx.min() < 0 or idx.max() >= num_classes):
        raise RuntimeError(f"one_hot: class values must be in [0, {num_classes}), got values "
                           f"in [{int(idx.min())}, {int(idx.max())}]")
    out = np.zeros(idx.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return _make(out)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """The sorted unique elements (or slices along `dim`), with the inverse indices (shaped
    like the input, or like dimension `dim`) and counts when asked for, as torch.unique."""
    if dim is not None:
        dim = one_dim(dim, x._data.ndim, "unique")
        if x._data.shape[dim] == 0 or x._data.size == 0:  # nothing to compare: as is
            res = (x._data.copy(), np.zeros((x._data.shape[dim],), np.int64),
                   np.zeros((x._data.shape[dim],) if x._data.shape[dim] == 0 else (1,), np.int64))
            if x._data.shape[dim]:
                res = (x._data[(slice(None),) * dim + (slice(0, 1),)], res[1],
                       np.array([x._data.shape[dim]], np.int64))
            res = (res[0],) + ((res[1],) if return_inverse else ()) + (
                (res[2],) if return_counts else ())
        else:
            res = np.unique(x._data, return_inverse=return_inverse,
                            return_counts=return_counts, axis=dim)
    else:
        res = np.unique(x._data, return_inverse=return_inverse, return_counts=return_counts)
    if not (return_inverse or return_counts):
        return _make(res)
    out = [_make(res[0])]
    if return_inverse:
        inv = res[1].reshape(x._data.shape if dim is None else (x._data.shape[dim],))
        out.append(_make(inv.astype(np.int64)))
    if return_counts:
        out.append(_make(res[-1].astype(np.int64)))
    return tuple(out)
