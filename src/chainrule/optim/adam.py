"""Adam and AdamW (Kingma & Ba, 2015; Loshchilov & Hutter, 2019)."""
import math

import numpy as np

from .optimizer import Optimizer, _addcmul_sq, _lerp, _weight_decay


class Adam(Optimizer):
    """PyTorch's Adam update, per parameter p with gradient g at step t:

        g <- g + weight_decay * p          (L2; AdamW decays p directly instead)
        m <- m + (1 - beta1) (g - m)       (lerp)
        v <- beta2 v + (1 - beta2) g^2
        vmax <- max(vmax, v)               (amsgrad, then used for v below)
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)


    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adam([w], lr=0.1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.7016, -1.7006], requires_grad=True)
    """

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable, fused=fused,
                                      decoupled_weight_decay=(decoupled_weight_decay
                                                              or self._decoupled)))

    def _step_group(self, group):
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, amsgrad = group["weight_decay"], group["amsgrad"]
        decoupled = group.get("decoupled_weight_decay", self._decoupled)
        buffers = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if amsgrad else ())
        for p, pd, g in self._grads(group):
            st = self._state(p, *buffers)
            st["step"] = step = st["step"] + 1
            g = _weight_decay(pd, g, lr, wd, decoupled)
            m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
            tmp = self._tmp(p)
            _lerp(m, g, 1 - beta1, tmp)
            v *= beta2
            _addcmul_sq(v, g, 1 - beta2, tmp)
            bc1 = 1 - beta1 ** step
            bc2_sqrt = math.sqrt(1 - beta2 ** step)
            step_size = lr / bc1
            if amsgrad:
                vmax = st["max_exp_avg_sq"]._data
                np.maximum(vmax, v, out=vmax)
                np.sqrt(vmax, out=tmp)
            else:
                np.sqrt(v, out=tmp)
            tmp /= bc2_sqrt
            tmp += eps
            # addcdiv_(m, denom, value=-step_size): (value * m) / denom, PyTorch's order
            num = self._tmp(p, 1)
            np.multiply(m, -step_size, out=num)
            num /= tmp
            pd += num
            p._version[0] += 1


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p (1 - lr * weight_decay) before the Adam
    step (default weight_decay=0.01).

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.AdamW([w], lr=0.1, weight_decay=0.1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.6751, -1.6444], requires_grad=True)
    """

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
