"""Adagrad (Duchi et al., 2011)."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, _check


class Adagrad(Optimizer):
    """PyTorch's Adagrad update, per parameter p with gradient g at step t:

        g <- g + weight_decay * p
        clr = lr / (1 + (t - 1) lr_decay)
        s <- s + g^2                      (s starts at initial_accumulator_value)
        p <- p - clr g / (sqrt(s) + eps)

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adagrad([w], lr=0.5)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.1564, -0.9836], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        _check(**{"learning rate": lr, "lr_decay value": lr_decay,
                  "weight_decay value": weight_decay,
                  "initial_accumulator_value value": initial_accumulator_value,
                  "epsilon value": eps})
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps,
                                      weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        # PyTorch creates Adagrad's state eagerly.
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p, group)

    def _init_state(self, p, group):
        st = self.state[p]
        st["step"] = 0
        st["sum"] = Tensor._make(np.full_like(p._data, group["initial_accumulator_value"]))
        return st

    def add_param_group(self, param_group):
        super().add_param_group(param_group)
        if hasattr(self, "state"):
            for p in self.param_groups[-1]["params"]:
                if p not in self.state:
                    self._init_state(p, self.param_groups[-1])

    def _step_group(self, group):
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        wd = group["weight_decay"]
        state = self.state
        for p, pd, g in self._grads(group):
            st = state[p]
            if not st:
                st = self._init_state(p, group)
            st["step"] = step = st["step"] + 1
            if wd != 0:
                g = g + wd * pd
            clr = lr / (1 + (step - 1) * lr_decay)
            s = st["sum"]._data
            tmp, std = self._tmp(p), self._tmp(p, 1)
            np.multiply(g, g, out=tmp)
            s += tmp
            np.sqrt(s, out=std)
            std += eps
            np.multiply(g, -clr, out=tmp)
            tmp /= std
            pd += tmp
            p._version[0] += 1
