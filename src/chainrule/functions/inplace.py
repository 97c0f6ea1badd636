"""In-place ops (add_, mul_, zero_, copy_, __setitem__, ...) and the version counter.

Every in-place change bumps the tensor's version; a backward that needs a value saved
before the change raises instead of computing a wrong gradient. On a tensor that is
part of a graph, the op is recorded out of place and the tensor is rebased onto the new
node (PyTorch's semantics); on a leaf that requires grad it is refused outside no_grad.

Nodes recorded before the change keep sending their gradients to the old value's history
(the new node remembers it as `_before`; see autograd.engine._as_seen_by). An in-place op
on an indexed view (``h[:, :2] *= w``) is written back into the base through a recorded
__setitem__ (reshape / transpose views through a recorded copy_), so the base's graph sees
it. In-place ops on expanded views are refused, as in PyTorch.
"""
import numpy as np

from ._util import as_operand, cast
from ..autograd.grad_mode import GRAD_ENABLED
from ..tensor import Tensor

_make = Tensor._make


def _check_leaf(t, op):
    if GRAD_ENABLED[0] and t.requires_grad and t.grad_fn is None:
        raise RuntimeError(f"a leaf Variable that requires grad is being used in an in-place "
                           f"operation ({op}). Wrap it in chainrule.no_grad() to update it "
                           f"without recording.")


def _records(t, other):
    return GRAD_ENABLED[0] and (t.requires_grad or (isinstance(other, Tensor)
                                                    and other.requires_grad))


def apply_inplace(t, fn, other=None, op="inplace"):
    """t <- fn(t[, other]) in place. fn maps tensors to a tensor (a recorded op).

    >>> from chainrule.functions.inplace import apply_inplace
    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> x = a * 1
    >>> apply_inplace(x, lambda t, o: t * o, torch.tensor([3.0, 4.0]), "mul_")
    tensor([3., 8.], grad_fn=<MulBackward0>)
    >>> x.sum().backward(); a.grad
    tensor([3., 4.])
    """
    _check_leaf(t, op)
    if _records(t, other):
        node = t.grad_fn
        if getattr(node, "is_view", False):
            from .index import GetItemView
            from .shape import Permute, Reshape
            if type(node) in (GetItemView, Reshape, Permute):  # x[k] += v, x.t().mul_(2)
                return _inplace_on_view(t, node, fn, other, op)
            raise RuntimeError(f"{op}: in-place modification of a {node.name} view of a tensor "
                               "that is part of an autograd graph is not supported (several "
                               "elements may share one memory location); use the "
                               "out-of-place form (e.g. y = y * 2) instead")
        # The old value as its own tensor in the graph (the new op may save it), then
        # rebase t onto the new node. Nodes recorded earlier hold t itself: the new node
        # keeps `old` as `_before`, so the engine still routes their gradients to t's
        # old history (autograd.engine._as_seen_by); ops that saved t's value see its
        # version bumped and raise.
        old = _make(t._data.copy(), t.requires_grad, t.grad_fn)
        old._out_idx = t._out_idx
        new = fn(old) if other is None else fn(old, other)
        _check_result(t, new, op)
        np.copyto(t._data, new._data, casting="unsafe")
        t.grad_fn, t.requires_grad, t._out_idx = new.grad_fn, new.requires_grad, 0
        new.grad_fn._before = old
        if new.grad_fn is not None and "_out_ref" in getattr(new.grad_fn, "__dict__", {}):
            import weakref
            new.grad_fn._out_ref = weakref.ref(t)
            new.grad_fn._out_version = t._version[0] + 1
    else:
        res = fn(t) if other is None else fn(t, other)
        try:
            np.copyto(t._data, res._data, casting="same_kind")
        except TypeError:
            raise RuntimeError(f"{op}: result type {res.dtype.name} can't be cast to the desired "
                               f"output type {t.dtype.name}") from None
        except ValueError:
            raise RuntimeError(f"{op}: output with shape {list(t._data.shape)} doesn't match the "
                               f"broadcast shape {list(res._data.shape)}") from None
    t._version[0] += 1
    return t


def _inplace_on_view(t, node, fn, other, op):
    """t, a view of `base` (base[key], base.reshape(...), base.permute(...)), changed in
    place: write the new value into the base with a recorded op (__setitem__ or copy_), so
    the base's history includes it, then make t a fresh view of the new base."""
    from .index import GetItemView
    from .shape import Permute, Reshape
    base = node.inputs[0]
    old = _make(t._data.copy(), t.requires_grad, t.grad_fn)
    old._out_idx = t._out_idx
    new = fn(old) if other is None else fn(old, other)
    _check_result(t, new, op)
    kind = type(node)
    if kind is GetItemView:
        setitem(base, node.key, new)  # bumps the version that base and t share
        fresh = GetItemView.apply(base, key=node.key)
    elif kind is Reshape:
        copy_(base, new.reshape(node.in_shape))
        fresh = Reshape.apply(base, shape=t._data.shape)
    else:
        copy_(base, new.permute(*node.inv))
        fresh = Permute.apply(base, axes=tuple(int(a) for a in np.argsort(node.inv)))
    if not np.shares_memory(t._data, base._data):  # NumPy reshape may have copied
        np.copyto(t._data, fresh._data)
    t.grad_fn = fresh.grad_fn
    t.requires_grad, t._out_idx = True, 0
    fresh.grad_fn._before = old  # nodes that used t before keep its old history
    return t


def _check_result(t, new, op):
    if new._data.shape != t._data.shape:
        raise RuntimeError(f"{op}: output with shape {list(t._data.shape)} doesn't match the "
                           f"broadcast shape {list(new._data.shape)}")
    if not np.can_cast(new._data.dtype, t._data.dtype, "same_kind"):
        raise RuntimeError(f"{op}: result type {new.dtype.name} can't be cast to the desired "
                           f"output type {t.dtype.name}")


def _filled(a, v):
    """a with every element replaced by v (broadcast): a recorded op whose gradient is 0 for
    a and summed for v. (a * 0 + v would turn inf / NaN in a into NaN.)"""
    from .elementwise import Where
    return Where.apply(cast(as_operand(v), a._data.dtype), a, cond=np.ones((), dtype=bool))


# add_ / sub_ / mul_ that write straight into the tensor's buffer when nothing is recorded
# (an optimizer step such as p.data.add_(p.grad, alpha=-lr)): the same ufuncs on the same
# float32 operands as the out-of-place path, so bit-identical, without its two full-size
# temporaries and the copy back.
_DIRECT = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply}
_BLOCK = 1 << 15


def _direct(t, other, name, kw):
    """Do t <op>= other in place and return True, or return False (take the general path)."""
    ufunc = _DIRECT.get(name)
    if ufunc is None or (GRAD_ENABLED[0] and t.requires_grad):
        return False
    a = t._data
    dt = a.dtype
    if dt.kind != "f" or not a.flags.writeable:
        return False
    if isinstance(other, Tensor):
        if other.requires_grad and GRAD_ENABLED[0]:
            return False
        b = other._data
        if b.dtype != dt:
            return False
        if b.shape != a.shape:
            try:
                if np.broadcast_shapes(b.shape, a.shape) != a.shape:
                    return False
            except ValueError:      # shapes that do not broadcast: the general path says so
                return False
    elif type(other) in (float, int, bool):
        b = np.asarray(other, dtype=dt)
    else:
        return False
    alpha = kw.pop("alpha", 1) if name != "mul_" else 1
    if kw or type(alpha) not in (float, int, bool):
        return False
    if alpha != 1:
        alpha = np.asarray(alpha, dtype=dt)
        if a.size > _BLOCK and b.shape == a.shape and a.flags.c_contiguous \
                and b.flags.c_contiguous and not np.may_share_memory(a, b):
            # alpha * b by blocks into one small buffer: no full-size temporary (whose
            # fresh pages cost more than the multiply), the same values
            fa, fb = a.reshape(-1), b.reshape(-1)
            tmp = np.empty(_BLOCK, dt)
            for i in range(0, fa.size, _BLOCK):
                tb = np.multiply(fb[i:i + _BLOCK], alpha, out=tmp[:min(_BLOCK, fa.size - i)])
                ufunc(fa[i:i + _BLOCK], tb, out=fa[i:i + _BLOCK])
            t._version[0] += 1
            return True
        b = np.multiply(b, alpha)
    ufunc(a, b, out=a)
    t._version[0] += 1
    return True


def _binary_inplace(name, fn):
    def method(self, other, **kw):
        if _direct(self, other, name, dict(kw)):
            return self
        if kw:
            return apply_inplace(self, lambda a, b: fn(a, b, **kw), other, name)
        return apply_inplace(self, fn, other, name)
    method.__name__ = name
    return method


def _unary_inplace(name, fn):
    def method(self, *args, **kw):
        return apply_inplace(self, lambda a: fn(a, *args, **kw), None, name)
    method.__name__ = name
    return method


def zero_(t):
    """Tensor.zero_: fills the tensor with zeros, in place.

    >>> torch.tensor([1.0, 2.0]).zero_()
    tensor([0., 0.])
    """
    return fill_(t, 0)


def fill_(t, value):
    """Tensor.fill_: fills the tensor with `value` (a number or a 0-d tensor), in place.

    >>> torch.zeros(3).fill_(7.0)
    tensor([7., 7., 7.])
    """
    _check_leaf(t, "fill_")
    if _records(t, value):
        return apply_inplace(t, _filled, value, "fill_")
    t._data[...] = value._data if isinstance(value, Tensor) else value
    t._version[0] += 1
    return t


def copy_(t, src, non_blocking=False):
    """Tensor.copy_: copies src (broadcast, cast to self's dtype) into the tensor, in place.

    >>> x = torch.zeros(2, 2)
    >>> x.copy_(torch.tensor([1, 2]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    _check_leaf(t, "copy_")
    src = as_operand(src)
    if _records(t, src):
        return apply_inplace(t, _filled, src, "copy_")
    try:
        np.copyto(t._data, np.broadcast_to(src._data, t._data.shape), casting="unsafe")
    except ValueError:
        raise RuntimeError(f"copy_: source of shape {list(src._data.shape)} cannot be broadcast to "
                           f"{list(t._data.shape)}") from None
    t._version[0] += 1
    return t


def setitem(t, key, value):
    """t[key] = value, differentiable with respect to both t's old value and value.

    >>> x = torch.zeros(3)
    >>> x[1:] = torch.tensor([5.0, 6.0]); x
    tensor([0., 5., 6.])
    >>> w = torch.tensor([2.0], requires_grad=True)
    >>> y = torch.zeros(3)
    >>> y[0] = w
    >>> (y * 3).sum().backward(); w.grad
    tensor([3.])
    """
    from .index import convert_key, is_basic
    key = convert_key(key)
    _check_leaf(t, "__setitem__")
    if GRAD_ENABLED[0] and (t.requires_grad or (isinstance(value, Tensor)
                                                and value.requires_grad)):
        def put(old, v):  # a plain number too: the overwritten elements get no gradient
            return IndexPut.apply(old, cast(as_operand(v), old._data.dtype), key=key)
        return apply_inplace(t, put, value, "__setitem__")
    v = value._data if isinstance(value, Tensor) else value
    from .index import _set
    try:
        _set(t._data, key, v)
    except IndexError as e:
        raise IndexError(f"__setitem__: {e} (tensor of shape {list(t._data.shape)})") from None
    except ValueError as e:
        raise RuntimeError(f"__setitem__: {e}") from None
    t._version[0] += 1
    _ = is_basic
    return t


from ..autograd.function import Op  # noqa: E402


class IndexPut(Op):
    """out = x with out[key] = v. Gradients: x gets g with zeros at key; v gets g[key]
    summed to v's shape. Needs no saved values (v may be a view of x, changed right after).

    >>> x = torch.ones(3, requires_grad=True)
    >>> v = torch.tensor([5.0], requires_grad=True)
    >>> y = x * 1; y[1] = v; y.grad_fn
    <IndexPutBackward0 object>
    >>> y.backward(torch.tensor([1.0, 2.0, 3.0])); x.grad, v.grad
    (tensor([1., 0., 3.]), tensor([2.]))
    """
    saves = False

    def forward(self, x, v, key):
        from .index import _set
        self.key, self.vshape = key, v.shape
        out = x.copy()
        _set(out, key, v)
        self.mask = np.zeros(x.shape, dtype=bool)
        _set(self.mask, key, True)
        return out

    def backward(self, g):
        from . import dual
        gx = dual.where(self.mask, 0.0, g) if self.needs_input_grad[0] else None
        gv = None
        if self.needs_input_grad[1]:
            from .index import _get
            gk = _get(g, self.key) if dual.is_array(g) else g[self.key]
            missing = len(self.vshape) - len(gk.shape)
            if missing > 0:  # a one-element value put into one element: its leading 1-dims
                gk = dual.reshape(gk, (1,) * missing + tuple(gk.shape))
            gv = dual.sum_to(gk, self.vshape)
        return gx, gv
