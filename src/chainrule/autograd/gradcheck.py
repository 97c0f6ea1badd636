"""Finite-difference checks of backprop: gradcheck and gradgradcheck (central
differences in float64, as the lecture recommends: "a good unit test")."""
import numpy as np

from ..tensor import Tensor
from .engine import grad as _grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when backprop's Jacobian and the finite differences disagree.

    >>> from chainrule.autograd.gradcheck import GradcheckError
    >>> class BadSquare(chainrule.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return g * x                 # wrong: should be 2 x g
    ...
    >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    >>> try:
    ...     torch.autograd.gradcheck(BadSquare.apply, (x,))
    ... except GradcheckError as e:
    ...     print(type(e).__name__, isinstance(e, RuntimeError))
    ...
    GradcheckError True
    """
    pass


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _diff_inputs(inputs):
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _numeric_jacobian(fn, inputs, k, eps):
    """d(outputs)/d(inputs[k]) by central differences: one column per input element."""
    x = inputs[k]
    outs = [o._data for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
    sizes = [o.size for o in outs]
    jac = np.zeros((x._data.size, sum(sizes)))
    data = x._data  # perturbed in place, element by element (any strides)
    for j in range(data.size):
        at = np.unravel_index(j, data.shape)
        orig = data[at]
        data[at] = orig + eps
        plus = [o._data.astype(np.float64).ravel().copy() for o in _as_tuple(fn(*inputs))
                if isinstance(o, Tensor)]
        data[at] = orig - eps
        minus = [o._data.astype(np.float64).ravel().copy() for o in _as_tuple(fn(*inputs))
                 if isinstance(o, Tensor)]
        data[at] = orig
        jac[j] = np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]) \
            if plus else 0.0
    return jac


def _analytic_jacobian(fn, inputs, idx):
    outs = [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor)]
    sizes = [o._data.size for o in outs]
    jacs = [np.zeros((inputs[k]._data.size, sum(sizes))) for k in idx]
    col = 0
    for oi, o in enumerate(outs):
        for e in range(o._data.size):
            if not o.requires_grad:
                col += 1
                continue
            seed = np.zeros(o._data.shape, dtype=o._data.dtype)
            seed.reshape(-1)[e] = 1
            gs = _grad([o], [inputs[k] for k in idx], [Tensor._make(seed)], retain_graph=True,
                       allow_unused=True)
            for j, g in enumerate(gs):
                if g is not None:
                    jacs[j][:, col] = g._data.reshape(-1)
            col += 1
    return jacs


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False):
    """Compare backprop's Jacobian with central finite differences.

    Returns True, or raises GradcheckError naming the input, the worst element, and its
    analytic and numeric values. Inputs that require grad should be float64.

    >>> x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    True
    >>> torch.autograd.gradcheck(lambda t: t.sqrt(), (x,), eps=1e-6, atol=1e-5)
    True
    """
    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    idx = _diff_inputs(inputs)
    if not idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for k in idx:
        if inputs[k]._data.dtype != np.float64:
            import warnings
            warnings.warn(f"gradcheck: input {k} is {inputs[k].dtype}, not float64; finite "
                          "differences in single precision are unreliable", stacklevel=2)
    analytic = _analytic_jacobian(func, inputs, idx)
    out_shapes = [o._data.shape for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]
    starts = np.cumsum([0] + [int(np.prod(s)) for s in out_shapes])
    for j, k in enumerate(idx):
        numeric = _numeric_jacobian(func, inputs, k, eps)
        a = analytic[j]
        bad = np.abs(a - numeric) > atol + rtol * np.abs(numeric)
        if bad.any() or not np.all(np.isfinite(a) == np.isfinite(numeric)):
            err = np.abs(a - numeric)
            err = np.where(np.isfinite(err), err, np.inf)
            w = np.unravel_index(np.argmax(err), err.shape)
            # Column w[1] runs over all outputs' elements, concatenated: name the output
            # tensor and the element's index inside it (and inside the input).
            oi = int(np.searchsorted(starts, w[1], side="right") - 1)
            o_at = np.unravel_index(w[1] - starts[oi], out_shapes[oi]) if out_shapes[oi] else ()
            i_at = np.unravel_index(w[0], inputs[k].shape) if inputs[k].shape else ()
            msg = (f"Jacobian mismatch for output {oi} (shape {list(out_shapes[oi])}) at "
                   f"index {tuple(int(v) for v in o_at)} with respect to input {k} (shape "
                   f"{list(inputs[k].shape)}) at index {tuple(int(v) for v in i_at)}: "
                   f"analytic {a[w]:.10g}, numerical {numeric[w]:.10g} (|diff| {err[w]:.3g}; "
                   f"atol {atol}, rtol {rtol})")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True):
    """gradcheck of the backward pass itself (built with create_graph=True).

    >>> x = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradgradcheck(lambda t: t.exp() * t, (x,))
    True
    """
    inputs = _as_tuple(inputs) if not isinstance(inputs, list) else tuple(inputs)
    idx = _diff_inputs(inputs)
    outs = [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor) and o.requires_grad]
    rng = np.random.default_rng(0)
    if grad_outputs is None:
        grad_outputs = [Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype))
                        .requires_grad_() for o in outs]
    grad_outputs = list(_as_tuple(grad_outputs) if not isinstance(grad_outputs, list)
                        else grad_outputs)
    n_in = len(inputs)

    def first_grads(*args):
        ins, gos = args[:n_in], args[n_in:]
        out = [o for o in _as_tuple(func(*ins)) if isinstance(o, Tensor) and o.requires_grad]
        gs = _grad(out, [ins[k] for k in idx], list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_grads, tuple(inputs) + tuple(grad_outputs), eps=eps, atol=atol,
                     rtol=rtol, raise_exception=raise_exception)
