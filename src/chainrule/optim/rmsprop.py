"""RMSprop (Hinton's lecture 6e; PyTorch's variant with eps outside the sqrt)."""
import numpy as np

from .optimizer import Optimizer, _addcmul_sq, _check, _lerp


class RMSprop(Optimizer):
    """PyTorch's RMSprop update, per parameter p with gradient g:

        g <- g + weight_decay * p
        v <- alpha v + (1 - alpha) g^2
        centered: a <- a + (1 - alpha)(g - a);  d = sqrt(v - a^2) + eps,  else d = sqrt(v) + eps
        momentum > 0: b <- momentum b + g / d;  p <- p - lr b
        otherwise:    p <- p - lr g / d

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.RMSprop([w], lr=0.01, momentum=0.9)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.5529, -1.5441], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check(**{"learning rate": lr, "epsilon value": eps, "momentum value": momentum,
                  "weight_decay value": weight_decay, "alpha value": alpha})
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      capturable=capturable, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable))

    def _step_group(self, group):
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        wd, mom, centered = group["weight_decay"], group["momentum"], group["centered"]
        buffers = (("square_avg",) + (("momentum_buffer",) if mom > 0 else ())
                   + (("grad_avg",) if centered else ()))
        for p, pd, g in self._grads(group):
            st = self._state(p, *buffers)
            st["step"] += 1
            if wd != 0:
                g = g + wd * pd
            v = st["square_avg"]._data
            tmp, avg = self._tmp(p), self._tmp(p, 1)
            v *= alpha
            _addcmul_sq(v, g, 1 - alpha, tmp)
            if centered:
                a = st["grad_avg"]._data
                _lerp(a, g, 1 - alpha, tmp)
                np.negative(a, out=tmp)
                tmp *= a
                np.add(v, tmp, out=avg)
                np.sqrt(avg, out=avg)
            else:
                np.sqrt(v, out=avg)
            avg += eps
            if mom > 0:
                b = st["momentum_buffer"]._data
                b *= mom
                np.divide(g, avg, out=tmp)
                b += tmp
                np.multiply(b, -lr, out=tmp)
            else:
                np.multiply(g, -lr, out=tmp)
                tmp /= avg
            pd += tmp
            p._version[0] += 1
