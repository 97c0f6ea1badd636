"""Run a picture's own backward pass without touching the user's gradients."""
import contextlib

from ..tensor import Tensor

_UNSET = object()


@contextlib.contextmanager
def own_gradients(tensors, nodes):
    """Inside: every tensor's ``.grad`` starts at None (so a picture shows the gradients of
    its own backward pass, not those accumulated by earlier calls) and ``retain_grad`` may
    be called freely. On exit: each tensor's ``.grad``, its retain_grad flag and each node's
    retained-tensor table are put back as they were. Yields {id(tensor): gradient array}
    filled on exit with the gradients the pass computed."""
    # (GraphEdges, the freed stand-ins of a graph already backpropagated, hold no .grad)
    saved = [(t, t._grad, getattr(t, "_retains_grad", _UNSET)) for t in tensors
             if isinstance(t, Tensor)]
    retained = [(n, n.__dict__.get("_retained", _UNSET) if hasattr(n, "__dict__") else _UNSET)
                for n in nodes]
    retained = [(n, dict(r) if isinstance(r, dict) else r) for n, r in retained]
    for t, _, _ in saved:
        t._grad = None
    grads = {}
    try:
        yield grads
    finally:
        for t, g, flag in saved:
            if t._grad is not None:
                grads[id(t)] = t._grad._data.copy()
            t._grad = g
            if flag is _UNSET:
                try:
                    del t._retains_grad
                except AttributeError:
                    pass
            else:
                t._retains_grad = flag
        for n, r in retained:
            if r is _UNSET:
                n.__dict__.pop("_retained", None)
            else:
                n._retained = r
