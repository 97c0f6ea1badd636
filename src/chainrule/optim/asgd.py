"""ASGD: averaged stochastic gradient descent (Polyak & Juditsky, 1992)."""
import numpy as np

from .optimizer import Optimizer, _check


class ASGD(Optimizer):
    """PyTorch's ASGD, per parameter p with gradient g at step t:

        g <- g + weight_decay p
        p <- p (1 - lambd eta) - eta g
        ax <- ax + mu (p - ax)        (ax <- p while mu == 1)
        eta <- lr / (1 + lambd lr t)^alpha;  mu <- 1 / max(1, t - t0)

    The running average ax is in ``state[p]['ax']``.

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.ASGD([w], lr=0.1, t0=1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.5120, -1.0240], requires_grad=True)
    >>> opt.state[w]["ax"]
    tensor([ 0.5120, -1.0240])
    """

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check(**{"learning rate": lr, "weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _step_group(self, group):
        lr, lambd, alpha, t0, wd = (group[k] for k in ("lr", "lambd", "alpha", "t0",
                                                         "weight_decay"))
        for p, pd, g in self._grads(group):
            st = self.state[p]
            if not st:
                st.update(step=0, eta=_f32(lr), mu=1.0, ax=self._zeros(p))
            st["step"] += 1
            if wd != 0:
                g = g + wd * pd
            eta = st["eta"]
            # eta and mu are float32 scalars in PyTorch's state (its default scalar dtype).
            pd *= pd.dtype.type(1 - lambd * eta)
            pd -= pd.dtype.type(eta) * g
            ax = st["ax"]._data
            if st["mu"] != 1:
                ax += (pd - ax) * pd.dtype.type(st["mu"])
            else:
                ax[...] = pd
            t = st["step"]
            st["eta"] = _f32(lr / ((1 + lambd * lr * t) ** alpha))
            st["mu"] = _f32(1 / max(1, t - t0))
            p._version[0] += 1


def _f32(x):
    return float(np.float32(x))
