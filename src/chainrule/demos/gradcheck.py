"""Finite differences against backprop: the lecture's "good unit test".

For a small network (MLP 4-6-5-3, tanh, cross-entropy on 8 samples) every parameter
element theta_i is nudged both ways and

    dL/dtheta_i ~ (L(theta + eps e_i) - L(theta - eps e_i)) / (2 eps)

is compared with backprop's gradient. Per parameter tensor we report the relative error
||g_backprop - g_numeric|| / max(||g_backprop||, ||g_numeric||): in float64 (eps = 1e-6) it
is far below 1e-6; in float32 (eps = 1e-3, the best float32 allows) it is around 1e-3,
which is why gradient checks are done in double precision. The library's
`chainrule.autograd.gradcheck` (every Jacobian entry) is run on the same network too.
"""
import os

import numpy as np

from ._common import DemoResult, outdir, timed


def relative_error(a, b):
    """||a - b|| / max(||a||, ||b||) (0 when both are 0).

    >>> from chainrule.demos.gradcheck import relative_error
    >>> relative_error([1.0, 2.0], [1.0, 2.1])
    0.04299335803923481
    >>> relative_error([0.0], [0.0])
    0.0
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    den = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if den == 0 else float(np.linalg.norm(a - b) / den)


def check_network(dtype="float64", eps=None, seed=0):
    """Build the network in `dtype`, compare backprop with central differences for every
    parameter tensor; returns ({name: relative error}, {name: number of elements}, loss).

    >>> from chainrule.demos.gradcheck import check_network
    >>> errs, sizes, loss = check_network("float64")
    >>> sizes
    {'0.weight': 24, '0.bias': 6, '2.weight': 30, '2.bias': 5, '4.weight': 15, '4.bias': 3}
    >>> max(errs.values()) < 1e-7
    True
    """
    import chainrule
    from ..models import mlp
    from ..nn import functional as F
    chainrule.manual_seed(seed)
    net = mlp([4, 6, 5, 3], activation="tanh")
    net = net.double() if dtype == "float64" else net.float()
    rng = np.random.default_rng(seed)
    x = chainrule.tensor(rng.normal(size=(8, 4)), dtype=getattr(chainrule, dtype))
    y = chainrule.tensor(rng.integers(0, 3, size=8))
    eps = eps if eps is not None else (1e-6 if dtype == "float64" else 1e-3)

    def loss():
        return F.cross_entropy(net(x), y)

    net.zero_grad()
    L = loss()
    L.backward()
    errs, sizes = {}, {}
    with chainrule.no_grad():
        for name, p in net.named_parameters():
            analytic = p.grad.numpy().astype(np.float64)
            numeric = np.zeros_like(analytic)
            flat = p._data.reshape(-1)     # a view: nudging it changes the parameter
            for i in range(flat.size):
                old = flat[i]
                flat[i] = old + eps
                up = float(loss().item())
                flat[i] = old - eps
                down = float(loss().item())
                flat[i] = old
                numeric.reshape(-1)[i] = (up - down) / (2 * eps)
            errs[name] = relative_error(analytic, numeric)
            sizes[name] = int(flat.size)
    return errs, sizes, float(L.item())


def library_gradcheck(seed=0):
    """chainrule.autograd.gradcheck on the float64 network's loss as a function of all
    its parameters (every Jacobian entry against finite differences).

    >>> from chainrule.demos.gradcheck import library_gradcheck
    >>> library_gradcheck()
    True
    """
    import chainrule
    from ..models import mlp
    from ..nn import functional as F
    chainrule.manual_seed(seed)
    net = mlp([4, 6, 5, 3], activation="tanh").double()
    rng = np.random.default_rng(seed)
    x = chainrule.tensor(rng.normal(size=(8, 4)), dtype=chainrule.float64)
    y = chainrule.tensor(rng.integers(0, 3, size=8))
    params = [p.detach().clone().requires_grad_(True) for p in net.parameters()]

    def f(w0, b0, w1, b1, w2, b2):
        h = F.linear(x, w0, b0).tanh()
        h = F.linear(h, w1, b1).tanh()
        return F.cross_entropy(F.linear(h, w2, b2), y)
    return bool(chainrule.autograd.gradcheck(f, params, eps=1e-6, atol=1e-8, rtol=1e-6))


def run(out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the gradient-check demo (backprop against finite differences); returns the DemoResult.

    run() checks every parameter's gradient in float64 and float32 (a few seconds); e.g.

    >>> from chainrule.demos.gradcheck import check_network
    >>> errs, sizes, loss = check_network("float32")
    >>> 1e-6 < max(errs.values()) < 1e-1      # float32: central differences are coarse
    True
    """
    from ..viz import plots

    res = DemoResult("gradcheck", "Gradient check: finite differences against backprop")
    with timed(res):
        outdir(out)
        e64, sizes, L64 = check_network("float64", seed=seed)
        e32, _, _ = check_network("float32", seed=seed)
        lib_ok = library_gradcheck(seed)
        names = list(e64)
        fig, ax = plots.figure(1, 1, size=(7.5, 4.2))
        ypos = np.arange(len(names))
        ax.barh(ypos - 0.2, [max(e64[n], 1e-17) for n in names], height=0.38,
                color="#2563eb", label="float64 (eps = 1e-6)")
        ax.barh(ypos + 0.2, [max(e32[n], 1e-17) for n in names], height=0.38,
                color="#f59e0b", label="float32 (eps = 1e-3)")
        ax.axvline(1e-6, color="#dc2626", ls="--", lw=1.2, label="threshold 1e-6")
        ax.set_xscale("log")
        lo = min(min(e64.values()), min(e32.values()), 1e-6)
        ax.set_xlim(max(lo, 1e-17) / 3, 30.0)   # room on the right for the legend
        ax.set_yticks(ypos)
        ax.set_yticklabels([f"{n}  ({sizes[n]})" for n in names])
        ax.invert_yaxis()
        ax.set_xlabel("relative error ||g_backprop - g_numeric|| / max(||.||)")
        ax.set_title("Backprop against central differences, per parameter tensor")
        ax.legend(loc="lower right", fontsize=8.5)
        ax.grid(alpha=0.3, axis="x")
        f1 = plots.save(fig, os.path.join(out, "gradcheck.png"))

        worst64 = max(e64.values())
        worst32 = max(e32.values())
        res.numbers = {"float64": e64, "float32": e32, "sizes": sizes,
                       "worst_float64": worst64, "worst_float32": worst32,
                       "library_gradcheck": lib_ok, "loss": L64}
        res.summary = [f"MLP 4-6-5-3 (tanh), cross-entropy on 8 samples: "
                       f"{sum(sizes.values())} parameters in {len(sizes)} tensors"]
        res.summary += [f"{n:>9}: float64 {e64[n]:.1e}, float32 {e32[n]:.1e}" for n in names]
        res.summary.append(f"worst float64 relative error {worst64:.1e} "
                           f"({'below' if worst64 < 1e-6 else 'ABOVE'} 1e-6); "
                           f"float32 {worst32:.1e}: check gradients in double precision")
        res.summary.append("chainrule.autograd.gradcheck on the same network (every Jacobian "
                           f"entry): {'passed' if lib_ok else 'FAILED'}")
        res.figures = [f1]
    return res
