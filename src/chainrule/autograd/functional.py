"""The lecture's derivative / gradient / Jacobian, as functions: jacobian, hessian, vjp,
jvp, hvp (torch.autograd.functional)."""
import numpy as np

from ..tensor import Tensor
from .engine import grad as _grad
from .grad_mode import enable_grad


def _tuple(x):
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _prep(inputs, create_graph):
    return tuple(t.detach().requires_grad_(True) if (not create_graph or not t.requires_grad)
                 else t for t in inputs)


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns func(inputs) and the vector-Jacobian product v^T J.

    (func(inputs), v^T J): a vector-Jacobian product, what backprop computes.

    >>> from chainrule.autograd.functional import vjp
    >>> vjp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    single = isinstance(inputs, Tensor)
    ins = _prep(_tuple(inputs), create_graph)
    with enable_grad():
        out = func(*ins)
        outs = _tuple(out)
        if v is None:
            if len(outs) != 1 or outs[0]._data.size != 1:
                raise RuntimeError("vjp: v can only be None if the output is a single element")
            vs = [Tensor._make(np.ones_like(outs[0]._data))]
        else:
            vs = list(_tuple(v))
        gs = _grad(list(outs), list(ins), vs, create_graph=create_graph, allow_unused=True)
    gs = tuple(Tensor._make(np.zeros_like(i._data)) if g is None else g for g, i in zip(gs, ins))
    out = out if create_graph else _detach(out)
    return out, (gs[0] if single else gs)


def _detach(out):
    return out.detach() if isinstance(out, Tensor) else tuple(o.detach() for o in out)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """Returns the Jacobian of func at inputs.

    `J[i][j] = d out_i / d in_j`, shaped out.shape + in.shape (torch's layout).

    >>> from chainrule.autograd.functional import jacobian
    >>> jacobian(lambda x: x ** 2, torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    >>> jacobian(lambda x, y: x * y, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])))
    (tensor([[3., 0.],
            [0., 4.]]), tensor([[1., 0.],
            [0., 2.]]))
    """
    single_in = isinstance(inputs, Tensor)
    ins = _prep(_tuple(inputs), create_graph)
    with enable_grad():
        out = func(*ins)
        single_out = isinstance(out, Tensor)
        outs = _tuple(out)
        result = []
        for o in outs:
            rows = [[] for _ in ins]
            for e in range(o._data.size):
                seed = np.zeros(o._data.shape, dtype=o._data.dtype)
                seed.reshape(-1)[e] = 1
                if o.requires_grad:
                    gs = _grad([o], list(ins), [Tensor._make(seed)], retain_graph=True,
                               create_graph=create_graph, allow_unused=True)
                else:
                    gs = [None] * len(ins)
                for k, (g, i) in enumerate(zip(gs, ins)):
                    rows[k].append(Tensor._make(np.zeros_like(i._data)) if g is None else g)
            from ..functions import stack
            per_in = []
            for k, i in enumerate(ins):
                if rows[k]:
                    j = stack(rows[k]).reshape(tuple(o.shape) + tuple(i.shape))
                else:
                    j = Tensor._make(np.zeros(tuple(o.shape) + tuple(i.shape), i._data.dtype))
                per_in.append(j if create_graph else j.detach())
            result.append(per_in[0] if single_in else tuple(per_in))
    return result[0] if single_out else tuple(result)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """Returns the Hessian of a scalar function at inputs.

    H = d^2 f / d in^2 of a scalar function, via the Jacobian of the gradient.

    >>> from chainrule.autograd.functional import hessian
    >>> hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    single = isinstance(inputs, Tensor)

    def grad_fn(*ins):
        out = func(*ins)
        if out._data.size != 1:
            raise RuntimeError("hessian: the function must return a single-element tensor")
        gs = _grad([out], list(ins), create_graph=True, allow_unused=True)
        gs = tuple(Tensor._make(np.zeros_like(i._data)) if g is None else g
                   for g, i in zip(gs, ins))
        return gs[0] if single else gs

    return jacobian(grad_fn, inputs, create_graph=create_graph)


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns func(inputs) and the Jacobian-vector product J v.

    (func(inputs), J v) by the double-vjp trick (reverse mode twice).

    >>> from chainrule.autograd.functional import jvp
    >>> jvp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
    (tensor([1., 4.]), tensor([2., 0.]))
    """
    single = isinstance(inputs, Tensor)
    ins = _prep(_tuple(inputs), create_graph)
    vs = list(_tuple(v)) if v is not None else [Tensor._make(np.ones_like(i._data)) for i in ins]
    with enable_grad():
        out = func(*ins)
        outs = _tuple(out)
        us = [Tensor._make(np.zeros_like(o._data)).requires_grad_(True) for o in outs]
        gs = _grad(list(outs), list(ins), us, create_graph=True, allow_unused=True)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None]
        jv = _grad([g for g, _ in pairs], us, [vv for _, vv in pairs],
                   create_graph=create_graph, allow_unused=True)
    jv = tuple(Tensor._make(np.zeros_like(o._data)) if g is None else g for g, o in zip(jv, outs))
    out = out if create_graph else _detach(out)
    if not create_graph:
        jv = tuple(j.detach() for j in jv)
    return out, (jv[0] if isinstance(out, Tensor) else jv)


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """Returns func(inputs) and the Hessian-vector product H v.

    vhp (v^T H) is the same function here: H is symmetric.

    (func(inputs), H v): Hessian-vector product without forming H.

    >>> from chainrule.autograd.functional import hvp, vhp
    >>> f = lambda x: (x ** 3).sum()
    >>> hvp(f, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    >>> vhp(f, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    (tensor(9.), tensor([ 6., 12.]))
    """
    single = isinstance(inputs, Tensor)
    ins = _prep(_tuple(inputs), create_graph)
    vs = list(_tuple(v))
    with enable_grad():
        out = func(*ins)
        gs = _grad([out], list(ins), create_graph=True, allow_unused=True)
        pairs = [(g, vv) for g, vv in zip(gs, vs) if g is not None]
        dot = sum((g * vv).sum() for g, vv in pairs)
        hv = _grad([dot], list(ins), create_graph=create_graph, allow_unused=True)
    hv = tuple(Tensor._make(np.zeros_like(i._data)) if h is None else
               (h if create_graph else h.detach()) for h, i in zip(hv, ins))
    return (out if create_graph else out.detach()), (hv[0] if single else hv)


vhp = hvp
