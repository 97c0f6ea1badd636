"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, required


class SGD(Optimizer):
    """PyTorch's SGD update, per parameter p with gradient g:

        g <- g + weight_decay * p                 (if weight_decay)
        b <- g (first step), else momentum * b + (1 - dampening) * g
        g <- g + momentum * b (nesterov) or b      (if momentum)
        p <- p - lr * g                            (maximize: g <- -g first)

    Minimising ||w||^2 from (1, -2):

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.0620, -0.1240], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        if lr is not required and lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize, foreach=foreach,
                                      differentiable=differentiable, fused=fused))

    def _step_group(self, group):
        lr, wd = group["lr"], group["weight_decay"]
        mom, damp, nesterov = group["momentum"], group["dampening"], group["nesterov"]
        maximize = group["maximize"]
        state = self.state
        for p, pd, g in self._grads(group):
            if wd != 0:  # with maximize g is already a fresh copy: add in place
                g = g + wd * pd if not maximize else np.add(g, wd * pd, out=g)
            tmp = self._tmp(p)
            if mom != 0:
                st = state[p]
                buf = st.get("momentum_buffer")
                if buf is None:
                    st["momentum_buffer"] = Tensor._make(np.array(g, copy=True))
                    b = st["momentum_buffer"]._data
                else:
                    b = buf._data
                    b *= mom
                    if damp != 0:
                        np.multiply(g, 1 - damp, out=tmp)
                        b += tmp
                    else:
                        b += g
                if nesterov:
                    np.multiply(b, mom, out=tmp)
                    tmp += g
                    g = tmp
                else:
                    g = b
            np.multiply(g, -lr, out=tmp)
            pd += tmp
            p._version[0] += 1
