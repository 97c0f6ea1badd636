"""Indexing: __getitem__ (basic and advanced), gather / scatter_add, index_select, sort,
topk, one_hot. Backward of a read is a scatter-add, so repeated indices accumulate."""
from .. import return_types as _rt

import numpy as np

from . import dual
from ._util import as_operand, one_dim
from ..autograd.function import NODE_HOOKS, Op
from ..tensor import Tensor
from .reduce import LogSoftmax

_make = Tensor._make


def convert_key(key):
    """A Python/NumPy index from one that may hold Tensors or lists. Integers mixed with
    tensor indices become a SplitKey (PyTorch applies integers first, NumPy treats them
    as advanced indices, which moves dims elsewhere).

    >>> from chainrule.functions.index import convert_key
    >>> convert_key((torch.tensor([0, 2]), slice(None)))
    (array([0, 2]), slice(None, None, None))
    """
    if isinstance(key, tuple):
        items = tuple(_convert_one(k) for k in key)
        if _needs_split(items):
            return SplitKey(items)
        return items
    if type(key) is SplitKey:
        return key
    return _convert_one(key)


def _is_int(k):
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _needs_split(items):
    has_int = has_adv = False
    for k in items:
        if _is_int(k):
            has_int = True
        elif isinstance(k, np.ndarray) or isinstance(k, (bool, np.bool_)):
            has_adv = True
    return has_int and has_adv


class SplitKey:
    """An index PyTorch's way: the integers (and slices, None, Ellipsis) first, as a basic
    NumPy index (a view), then the tensor indices on that view, each left where its dim
    is, so NumPy's rule for separated advanced indices sees what PyTorch sees. A bool
    scalar becomes a new dim indexed by [0] (True) or [] (False), as in PyTorch.

    >>> from chainrule.functions.index import convert_key, SplitKey
    >>> key = convert_key((0, slice(None), torch.tensor([1, 0])))
    >>> isinstance(key, SplitKey)
    True
    >>> torch.arange(12).reshape(2, 2, 3)[0, :, torch.tensor([1, 0])]
    tensor([[1, 0],
            [4, 3]])
    """
    __slots__ = ("basic", "adv")

    def __init__(self, items):
        basic, adv = [], []
        for k in items:
            if _is_int(k):
                basic.append(k)
            elif isinstance(k, (bool, np.bool_)) or (isinstance(k, np.ndarray) and k.ndim == 0
                                                    and k.dtype == np.bool_):
                basic.append(None)
                adv.append(np.arange(1 if bool(k) else 0))
            elif isinstance(k, np.ndarray):
                basic.extend([slice(None)] * (k.ndim if k.dtype == np.bool_ else 1))
                adv.append(k)
            elif k is None:
                basic.append(None)
                adv.append(slice(None))
            else:  # a slice or Ellipsis
                basic.append(k)
                adv.append(slice(None) if isinstance(k, slice) else k)
        self.basic, self.adv = tuple(basic), tuple(adv)

    def get(self, a):
        return a[self.basic][self.adv]

    def set(self, a, v):
        a[self.basic][self.adv] = v

    def add_at(self, a, v):
        np.add.at(a[self.basic], self.adv, v)


def _get(a, key):
    return key.get(a) if type(key) is SplitKey else a[key]


def _set(a, key, v):
    if type(key) is SplitKey:
        key.set(a, v)
    else:
        if isinstance(v, np.ndarray) and v.ndim and v.size == 1 and np.ndim(a[key]) == 0:
            v = v.reshape(())  # PyTorch drops a one-element value's size-1 dims (NumPy refuses)
        a[key] = v


def _convert_one(k):
    if isinstance(k, Tensor):
        d = k._data
        if d.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        if d.ndim == 0 and d.dtype.kind in "iu":  # a 0-d integer tensor selects, as an int
            return int(d)
        return d
    if isinstance(k, list):
        a = np.asarray(k)
        if a.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return a
    return k


def is_basic(key):
    """True when the key only slices (the result is a view, no duplicates possible).

    >>> from chainrule.functions.index import is_basic
    >>> is_basic((slice(0, 2), None, Ellipsis)), is_basic(([0, 1],))
    (True, False)
    """
    if type(key) is SplitKey:
        return False
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
    if type(key) is SplitKey:
        return _key_str(key.basic) + _key_str(key.adv)
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
    """The node of indexing with tensors or lists (advanced indexing): backward adds g at the key.

    >>> x = torch.zeros(3, requires_grad=True)
    >>> y = x[torch.tensor([0, 2, 2])]; y.grad_fn
    <GetItemBackward0 object>
    >>> y.sum().backward(); x.grad
    tensor([1., 0., 2.])
    """
    saves = False

    def forward(self, x, key):
        self.in_shape, self.key = x.shape, key
        try:
            out = _get(x, key)
        except IndexError as e:
            raise _index_error(x.shape, key, e) from None
        self.basic = is_basic(key)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    def backward(self, g):
        return IndexAdd.scatter(g, self.key, self.in_shape, self.basic)


class GetItemView(GetItem):
    """The node of basic indexing (ints, slices: a view): backward writes g into zeros at the key.

    >>> x = torch.zeros(2, 3, requires_grad=True)
    >>> y = x[0, 1:]; y.grad_fn
    <GetItemViewBackward0 object>
    >>> y.sum().backward(); x.grad
    tensor([[0., 1., 1.],
            [0., 0., 0.]])
    """
    is_view = True


class IndexAdd(Op):
    """zeros(shape), then g added at key: the backward of GetItem (and its own backward
    is GetItem, which makes indexing twice differentiable).

    >>> x = torch.zeros(3, requires_grad=True)
    >>> y = x[torch.tensor([1, 1])]
    >>> y.sum().backward(); x.grad
    tensor([0., 2., 0.])
    """
    saves = False

    @staticmethod
    def scatter(g, key, shape, basic):
        if dual.is_array(g):
            out = np.zeros(shape, dtype=g.dtype)
            if basic:
                out[key] = g
            elif type(key) is SplitKey:
                key.add_at(out, g)
            else:
                np.add.at(out, key, g)
            return out
        return IndexAdd.apply(g, key=key, shape=shape, basic=basic)

    def forward(self, g, key, shape, basic):
        self.key = key
        return IndexAdd.scatter(g, key, shape, basic)

    def backward(self, gg):
        return _get(gg, self.key) if dual.is_array(gg) else gg[self.key]


def getitem(x, key):
    """Tensor.__getitem__: ints, slices, None, Ellipsis give a view; tensors, lists, masks gather.

    >>> x = torch.arange(6).reshape(2, 3)
    >>> x[1], x[:, 1:], x[x > 3], x[torch.tensor([1, 0]), torch.tensor([0, 2])]
    (tensor([3, 4, 5]), tensor([[1, 2],
            [4, 5]]), tensor([4, 5]), tensor([3, 2]))
    """
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
    """The node of gather: backward scatter-adds g into zeros at the gathered positions.

    >>> x = torch.zeros(3, requires_grad=True)
    >>> y = torch.gather(x, 0, torch.tensor([2, 2, 0])); y.grad_fn
    <GatherBackward0 object>
    >>> y.sum().backward(); x.grad
    tensor([1., 0., 2.])
    """
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
        index = self.index
        if (len(self.in_shape) == 2 and self.dim == 1 and index.shape[1] == 1
                and index.shape[0] == self.in_shape[0] and dual.is_array(g)
                and not NODE_HOOKS[0]):
            src = self.inputs[0].grad_fn
            if type(src) is LogSoftmax and "exp_shifted" in src.__dict__:
                # nll_loss over log_softmax: the gradient is zero but for one entry a row.
                # Tell the log_softmax node (it reads these entries instead of all of g;
                # it checks that the very array reaches it, so a gradient summed with
                # another one takes the dense path). Without hooks only: none can see or
                # change g on its way.
                out = np.zeros(self.in_shape, dtype=g.dtype)
                cols, vals = index[:, 0], g[:, 0]
                out[np.arange(out.shape[0]), cols] += vals
                src.one_hot_grad = (out, cols, vals)
                return out
        return ScatterAddZeros.scatter(g, self.dim, index, self.in_shape)


class ScatterAddZeros(Op):
    """zeros(shape).scatter_add(dim, index, g): the backward of Gather.

    >>> x = torch.zeros(3, requires_grad=True)
    >>> torch.gather(x, 0, torch.tensor([1, 1])).sum().backward(); x.grad
    tensor([0., 2., 0.])
    """
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
    """The node of scatter_add: g to the input as it is, and g gathered at index to src.

    >>> src = torch.ones(3, requires_grad=True)
    >>> y = torch.zeros(2).scatter_add(0, torch.tensor([0, 1, 1]), src); y
    tensor([1., 2.], grad_fn=<ScatterAddBackward0>)
    >>> (y * torch.tensor([1.0, 10.0])).sum().backward(); src.grad
    tensor([ 1., 10., 10.])
    """
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
    """Gathers values along `dim` at `index` (index has input's number of dims).

    `out[i][j] = input[i][index[i][j]]` (dim=1); `out[i][j] = input[index[i][j]][j]` (dim=0)

    >>> torch.gather(torch.tensor([[1, 2], [3, 4]]), 1, torch.tensor([[0, 0], [1, 0]]))
    tensor([[1, 1],
            [4, 3]])
    """
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
    """Adds src's values into input at `index` along `dim` (repeated indices accumulate).

    out[index[i]] += src[i] (dim=0, 1-D)

    >>> torch.zeros(3).scatter_add(0, torch.tensor([0, 2, 2]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([1., 0., 5.])
    """
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


class Scatter(Op):
    """x with src written at index along dim (only index's extent of src is used; with
    duplicate targets the last write wins, as PyTorch's CPU kernel). Gradients: x gets g
    with zeros where written; src gets g gathered at index (zeros beyond index's extent).

    >>> x = torch.zeros(3, requires_grad=True)
    >>> y = x.scatter(0, torch.tensor([1]), torch.tensor([5.0])); y
    tensor([0., 5., 0.], grad_fn=<ScatterBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([1., 0., 1.])
    """
    saves = False

    def forward(self, x, src, dim, index):
        self.dim, self.index, self.src_shape = dim, index, src.shape
        key = _along(index, dim)
        out = x.copy()
        out[key] = src[tuple(slice(0, s) for s in index.shape)]
        self.hit = np.zeros(x.shape, dtype=bool)
        self.hit[key] = True
        return out

    def backward(self, g):
        gx = dual.where(self.hit, 0.0, g) if self.needs_input_grad[0] else None
        gsrc = None
        if self.needs_input_grad[1]:
            gsrc = _src_grad(g, self.dim, self.index, self.src_shape)
        return gx, gsrc


def _src_grad(g, dim, index, src_shape, weight=None):
    """g gathered at index along dim (times weight), zero-padded to src's shape."""
    gs = _gather_np(g, dim, index) if dual.is_array(g) else Gather.apply(g, dim=dim, index=index)
    if weight is not None:
        gs = gs * weight
    if tuple(gs.shape) != tuple(src_shape):
        pads = [(0, s - i) for s, i in zip(src_shape, gs.shape)]
        if dual.is_array(gs):
            gs = np.pad(gs, pads)
        else:
            from .shape import pad
            gs = pad(gs, [v for p in reversed(pads) for v in p])
    return gs


def scatter(x, dim, index, src=None, value=None, reduce=None):
    """x with src (or value) written at index along dim (PyTorch's scatter).

    >>> torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), torch.tensor([[1.0], [2.0]]))
    tensor([[0., 0., 1.],
            [2., 0., 0.]])
    >>> torch.zeros(3).scatter(0, torch.tensor([1]), value=7.0)
    tensor([0., 7., 0.])
    """
    x = as_operand(x)
    if x._data.ndim == 0:  # 0-d self, index and src: as 1-element vectors, back to 0-d
        one = lambda t: t.reshape(1) if isinstance(t, Tensor) and t._data.ndim == 0 else t  # noqa: E731
        return scatter(x.reshape(1), dim, one(index), one(src), value, reduce).reshape(())
    d = one_dim(dim, x._data.ndim, "scatter")
    idx = _index_arg(index, "scatter")
    if src is not None and not isinstance(src, Tensor):  # x.scatter(dim, index, 2.5)
        src, value = None, src
    if src is None:
        src = _make(np.full(idx.shape, value if value is not None else 0, dtype=x._data.dtype))
    elif src._data.dtype != x._data.dtype:
        raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (got "
                           f"{x.dtype.name} and {src.dtype.name})")
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter(): reduce argument must be either add or multiply, got "
                               f"{reduce!r}")
        return scatter_reduce(x, d, index, src, "sum" if reduce == "add" else "prod")
    _check_scatter(x._data.shape, d, idx, src._data.shape, "scatter")
    return Scatter.apply(x, src, dim=d, index=idx)


_REDUCES = ("sum", "prod", "mean", "amax", "amin")


class ScatterReduce(Op):
    """x with src reduced into it at index along dim (sum, prod, mean, amax, amin),
    include_self deciding whether x's own value at a target takes part. Gradients as
    PyTorch: mean divides by the count; amax / amin split evenly among the members equal
    to the result; prod is the product of the other members (exact at zeros).

    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = x.scatter_reduce(0, torch.tensor([0, 0]), torch.tensor([3.0, 4.0]), "amax"); y
    tensor([4., 2.], grad_fn=<ScatterReduceBackward0>)
    >>> y.sum().backward(); x.grad
    tensor([0., 1.])
    """

    def forward(self, x, src, dim, index, reduce, include_self):
        self.dim, self.index, self.src_shape = dim, index, src.shape
        self.reduce, self.include_self = reduce, include_self
        key = _along(index, dim)
        s = src[tuple(slice(0, n) for n in index.shape)]
        hit = np.zeros(x.shape, dtype=bool)
        hit[key] = True
        out = x.copy()
        if not include_self:
            out[hit] = _identity(reduce, x.dtype)
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum,
                 "amin": np.minimum}[reduce]
        ufunc.at(out, key, s)
        count = None
        if reduce == "mean":
            count = np.zeros(x.shape, np.int64)
            np.add.at(count, key, 1)
            if include_self:
                count += 1
            safe = np.maximum(count, 1)
            if out.dtype.kind == "f":
                out = np.where(hit, out / safe, out).astype(x.dtype)
            else:
                out = np.where(hit, out // safe, out).astype(x.dtype)
        self.saved = (key, s, hit, count, out)
        return out

    def backward(self, g):
        key, s, hit, count, out = self.saved
        if self.reduce == "prod" and not dual.is_array(g):
            raise RuntimeError("scatter_reduce: double backward with reduce='prod' is not "
                               "supported")
        (x, _) = (t._data for t in self.inputs)
        self.check_versions()
        incl = self.include_self
        dt = x.dtype
        if self.reduce == "sum":
            wx = np.where(hit & (not incl), 0, 1).astype(dt)
            ws = None
        elif self.reduce == "mean":
            inv = 1.0 / np.maximum(count, 1)
            wx = np.where(hit, inv if incl else 0, 1).astype(dt)
            ws = _gather_np(inv, self.dim, self.index).astype(dt)
        elif self.reduce in ("amax", "amin"):
            # PyTorch counts x's own value among the ties even with include_self=False
            # (its gradient is then 0): the members' shares follow that count.
            eq_self = (x == out) & hit
            at = _gather_np(out, self.dim, self.index)
            eq_src = s == at
            cnt = eq_self.astype(np.int64)
            np.add.at(cnt, key, eq_src)
            cnt = np.maximum(cnt, 1)
            wx = np.where(hit, eq_self / cnt * incl, 1).astype(dt)
            ws = (eq_src / _gather_np(cnt, self.dim, self.index)).astype(dt)
        else:  # prod: the product of the other members of each target's set
            zeros = np.where(hit & incl, x == 0, 0).astype(np.int64)
            np.add.at(zeros, key, s == 0)
            nz = np.where(hit & incl & (x != 0), x, 1).astype(dt)
            np.multiply.at(nz, key, np.where(s == 0, 1, s))
            with np.errstate(divide="ignore", invalid="ignore"):
                wx = np.where(x == 0, np.where(zeros == 1, nz, 0),
                              np.where(zeros == 0, out / np.where(x == 0, 1, x), 0))
            wx = np.where(hit, wx if incl else 0, 1).astype(dt)
            zs = _gather_np(zeros, self.dim, self.index)
            nzs = _gather_np(nz, self.dim, self.index)
            outs = _gather_np(out, self.dim, self.index)
            with np.errstate(divide="ignore", invalid="ignore"):
                ws = np.where(s == 0, np.where(zs == 1, nzs, 0),
                              np.where(zs == 0, outs / np.where(s == 0, 1, s), 0)).astype(dt)
        gx = g * wx if self.needs_input_grad[0] else None
        gsrc = _src_grad(g, self.dim, self.index, self.src_shape, ws) \
            if self.needs_input_grad[1] else None
        return gx, gsrc


def _identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    info = np.iinfo(dtype)  # (-max would overflow an unsigned type)
    return info.min if reduce == "amax" else info.max


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """Reduce src into input at index along dim: reduce is 'sum', 'prod', 'mean', 'amax' or
    'amin'. >>> x.scatter_reduce(0, idx, src, reduce="amax", include_self=False)"""
    x = as_operand(input)
    if reduce not in _REDUCES:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    src = as_operand(src)
    if src._data.dtype != x._data.dtype:
        raise RuntimeError(f"scatter_reduce(): Expected self.dtype to be equal to src.dtype "
                           f"(got {x.dtype.name} and {src.dtype.name})")
    d = one_dim(dim, x._data.ndim, "scatter_reduce")
    idx = _index_arg(index, "scatter_reduce")
    if x._data.ndim == 0:  # a 0-d self: the 1-element case, shaped back
        return scatter_reduce(x.reshape(1), 0, _make(idx.reshape(-1)), src.reshape(-1), reduce,
                              include_self=include_self).reshape(())
    _check_scatter(x._data.shape, d, idx, src._data.shape, "scatter_reduce")
    return ScatterReduce.apply(x, src, dim=d, index=idx, reduce=reduce,
                               include_self=bool(include_self))


def _dim_key(x, dim, index, op):
    """(dim, key addressing index's entries along dim, the 1-D index array)."""
    nd = x._data.ndim
    d = one_dim(dim, nd, op)
    idx = _index_arg(index, op)
    if idx.ndim > 1:
        raise IndexError(f"{op}(): Index is supposed to be a vector")
    idx = idx.reshape(-1)
    n = x._data.shape[d] if nd else 1
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = int(idx.max() if idx.max() >= n else idx.min())
        raise IndexError(f"{op}(): index {bad} is out of bounds for dimension {d} with size {n}")
    return d, ((slice(None),) * d + (idx,) if nd else (idx,)), idx


def _check_source(x, d, idx, source, op):
    want = list(x._data.shape)
    if want:
        want[d] = idx.size
    got = list(source._data.shape)
    if got != want and not (not want and source._data.size == idx.size):
        raise RuntimeError(f"{op}(): source of shape {got} does not match the indexed shape "
                           f"{want} (self {list(x._data.shape)}, dim {d}, index of "
                           f"{idx.size} entries)")


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002
    """input with alpha * source added at index along dim (repeated indices accumulate).

    >>> torch.index_add(torch.zeros(3), 0, torch.tensor([0, 2, 0]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([4., 0., 2.])
    """
    from ._util import cast
    x = as_operand(input)
    d, key, idx = _dim_key(x, dim, index, "index_add")
    src = cast(as_operand(source), x._data.dtype)
    _check_source(x, d, idx, src, "index_add")
    if not x._data.ndim:
        x1 = x.reshape(1)
        return (x1 + IndexAdd.apply(src.reshape(-1) * alpha if alpha != 1 else src.reshape(-1),
                                    key=key, shape=(1,), basic=False)).reshape(())
    if alpha != 1:
        src = src * alpha
    return x + IndexAdd.apply(src, key=key, shape=x._data.shape, basic=False)


def index_copy(input, dim, index, source):  # noqa: A002
    """input with source's slices written at index along dim.

    >>> torch.index_copy(torch.zeros(2, 2), 0, torch.tensor([1]), torch.tensor([[5.0, 6.0]]))
    tensor([[0., 0.],
            [5., 6.]])
    """
    from ._util import cast
    from .inplace import IndexPut
    x = as_operand(input)
    d, key, idx = _dim_key(x, dim, index, "index_copy")
    src = cast(as_operand(source), x._data.dtype)
    _check_source(x, d, idx, src, "index_copy")
    if not x._data.ndim:
        return IndexPut.apply(x.reshape(1), src.reshape(-1), key=key).reshape(())
    return IndexPut.apply(x, src, key=key)


def index_fill(input, dim, index, value):  # noqa: A002
    """input with the slices at index along dim set to value (a number or a 0-d tensor).

    >>> torch.index_fill(torch.zeros(2, 3), 1, torch.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    from ._util import cast
    from .inplace import IndexPut
    x = as_operand(input)
    d, key, idx = _dim_key(x, dim, index, "index_fill")
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value._data.ndim} dimension(s).")
    v = cast(as_operand(value), x._data.dtype)
    key = key[:-1] + (np.unique(key[-1]),)  # each filled slice once (value's gradient)
    if not x._data.ndim:
        return IndexPut.apply(x.reshape(1), v, key=key).reshape(())
    return IndexPut.apply(x, v, key=key)


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """input with values put at the tensor indices (a tuple, one per leading dim; None for
    a whole dim); accumulate=True adds (repeated indices accumulate).

    >>> index = (torch.tensor([0, 0]),)
    >>> torch.index_put(torch.zeros(3), index, torch.tensor([1.0, 2.0]), accumulate=True)
    tensor([3., 0., 0.])
    """
    from ._util import cast
    from .inplace import IndexPut
    x = as_operand(input)
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be a tuple of Tensors")
    key = convert_key(tuple(slice(None) if i is None else i for i in indices))
    v = cast(as_operand(values), x._data.dtype)
    if not accumulate:
        return IndexPut.apply(x, v, key=key)
    target = _get(x._data, key).shape
    if tuple(v._data.shape) != target:
        v = v.expand(*target)
    return x + IndexAdd.apply(v, key=key, shape=x._data.shape, basic=False)


def masked_scatter(input, mask, source):  # noqa: A002
    """input with the positions where mask is True filled, in order, from source's
    elements.

    >>> mask = torch.tensor([True, False, True])
    >>> torch.masked_scatter(torch.zeros(3), mask, torch.tensor([7.0, 8.0, 9.0]))
    tensor([7., 0., 8.])
    """
    from ._util import cast
    from .inplace import IndexPut
    x = as_operand(input)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {m.dtype}")
    shape = np.broadcast_shapes(m.shape, x._data.shape)
    if shape != x._data.shape:
        x = x.expand(*shape)
    m = np.broadcast_to(m, shape)
    k = int(m.sum())
    src = cast(as_operand(source), x._data.dtype)
    if src._data.size < k:
        raise RuntimeError(f"masked_scatter: expected source to have at least {k} elements "
                           f"(the mask's True count), got {src._data.size}")
    return IndexPut.apply(x, src.reshape(-1)[:k], key=np.ascontiguousarray(m))


def take_along_dim(input, indices, dim=None):  # noqa: A002
    """Values of input at indices along dim (broadcasting the other dims); dim=None: of
    the flattened input at the flattened indices.

    >>> x = torch.tensor([[10, 30, 20], [60, 40, 50]])
    >>> torch.take_along_dim(x, torch.argsort(x, dim=1), dim=1)
    tensor([[10, 20, 30],
            [40, 50, 60]])
    """
    x = as_operand(input)
    idx = _index_arg(indices, "take_along_dim")
    if dim is None:
        return GetItem.apply(x.reshape(-1), key=idx.reshape(-1))
    nd = x._data.ndim
    if idx.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{idx.ndim} dimensions for indices")
    d = one_dim(dim, nd, "take_along_dim")
    xs, isz = list(x._data.shape), list(idx.shape)
    xs[d] = isz[d] = 1
    b = list(np.broadcast_shapes(tuple(xs), tuple(isz)))
    bx, bi = b.copy(), b.copy()
    bx[d], bi[d] = x._data.shape[d], idx.shape[d]
    if tuple(bx) != x._data.shape:
        x = x.expand(*bx)
    idx = np.broadcast_to(idx, bi)
    return gather(x, d, _make(np.ascontiguousarray(idx)))


def index_select(x, dim, index):
    """Returns the slices of input at `index` (a 1-D tensor) along `dim`, as a new tensor.

    >>> torch.index_select(torch.tensor([[1, 2], [3, 4], [5, 6]]), 0, torch.tensor([2, 0]))
    tensor([[5, 6],
            [1, 2]])
    """
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
    """Returns input's elements at `index`, input seen as 1-D.

    >>> torch.take(torch.tensor([[1, 2], [3, 4]]), torch.tensor([0, 3]))
    tensor([1, 4])
    """
    return x.reshape(-1)[index]


def masked_select(x, mask):
    """Returns input's elements where `mask` (broadcast to input) is True, as a 1-D tensor.

    >>> x = torch.tensor([[1, -2], [-3, 4]])
    >>> torch.masked_select(x, x > 0)
    tensor([1, 4])
    """
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    m = np.broadcast_to(m, np.broadcast_shapes(m.shape, x._data.shape))
    if m.shape != x._data.shape:
        x = x.expand(m.shape)
    return GetItem.apply(x, key=m)


_SortResult, _TopkResult = _rt.sort, _rt.topk


def sort(x, dim=-1, descending=False, stable=False):
    """Sorts along `dim` (ascending unless descending=True): (values, indices).

    >>> values, indices = torch.sort(torch.tensor([3, 1, 2])); values, indices
    (tensor([1, 2, 3]), tensor([1, 2, 0]))
    >>> torch.sort(torch.tensor([3, 1, 2]), descending=True).values
    tensor([3, 2, 1])
    """
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
    """Returns the indices that sort input along `dim`.

    >>> x = torch.tensor([3, 1, 2])
    >>> torch.argsort(x), torch.argsort(x, descending=True)
    (tensor([1, 2, 0]), tensor([0, 2, 1]))
    """
    return sort(x, dim, descending, stable).indices


def topk(x, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """Returns the k largest (smallest: largest=False) elements along `dim`: (values, indices).

    >>> values, indices = torch.topk(torch.tensor([1, 5, 3, 4]), 2); values, indices
    (tensor([5, 4]), tensor([1, 3]))
    """
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
    """F.one_hot: each integer i of input becomes a vector of num_classes zeros with a 1 at i.

    >>> F.one_hot(torch.tensor([0, 2, 1]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1],
            [0, 1, 0]])
    """
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
    like the input, or like dimension `dim`) and counts when asked for, as torch.unique.

    >>> torch.unique(torch.tensor([3, 1, 3, 2, 1]))
    tensor([1, 2, 3])
    >>> torch.unique(torch.tensor([3, 1, 3]), return_inverse=True, return_counts=True)
    (tensor([1, 3]), tensor([1, 0, 1]), tensor([1, 2]))
    """
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
