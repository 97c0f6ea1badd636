"""More adaptive optimizers with PyTorch's exact update rules: Adamax, NAdam, RAdam,
Adadelta. In place on the arrays, one loop over the parameters, scratch reused."""
import math

import numpy as np

from .optimizer import Optimizer, _addcmul_sq, _check, _lerp, _weight_decay


class Adamax(Optimizer):
    """Adam with the infinity norm: u <- max(beta2 u, |g| + eps);
    p <- p - lr / (1 - beta1^t) * m / u.

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adamax([w], lr=0.1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.7155, -1.7076], requires_grad=True)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check(**{"learning rate": lr, "epsilon value": eps, "weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, foreach=foreach,
                                      maximize=maximize, differentiable=differentiable,
                                      capturable=capturable))

    def _step_group(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        for p, pd, g in self._grads(group):
            st = self._state(p, "exp_avg", "exp_inf")
            st["step"] = step = st["step"] + 1
            if wd != 0:
                g = g + wd * pd
            m, u = st["exp_avg"]._data, st["exp_inf"]._data
            tmp = self._tmp(p)
            _lerp(m, g, 1 - b1, tmp)
            u *= b2
            np.abs(g, out=tmp)
            tmp += eps
            np.maximum(u, tmp, out=u)
            clr = lr / (1 - b1 ** step)
            np.multiply(m, -clr, out=tmp)
            tmp /= u
            pd += tmp
            p._version[0] += 1


class NAdam(Optimizer):
    """Adam with Nesterov momentum (Dozat, 2016), PyTorch's momentum-decay schedule
    mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay)).

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.NAdam([w], lr=0.1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.7527, -1.7475], requires_grad=True)
    """

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check(**{"learning rate": lr, "epsilon value": eps, "weight_decay value": weight_decay,
                  "momentum_decay value": momentum_decay})
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      capturable=capturable, differentiable=differentiable))

    def _step_group(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        md, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
        for p, pd, g in self._grads(group):
            st = self._state(p, "exp_avg", "exp_avg_sq", mu_product=1.0)
            st["step"] = step = st["step"] + 1
            bc2 = 1 - b2 ** step
            g = _weight_decay(pd, g, lr, wd, decoupled)
            mu = b1 * (1.0 - 0.5 * (0.96 ** (step * md)))
            mu_next = b1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
            # PyTorch keeps mu_product as a float32 scalar tensor: round the same way.
            mu_product = float(np.float32(st["mu_product"]) * np.float32(mu))
            st["mu_product"] = mu_product
            m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
            tmp, denom = self._tmp(p), self._tmp(p, 1)
            _lerp(m, g, 1 - b1, tmp)
            v *= b2
            _addcmul_sq(v, g, 1 - b2, tmp)
            np.divide(v, bc2, out=denom)
            np.sqrt(denom, out=denom)
            denom += eps
            mu_product_next = mu_product * mu_next
            np.multiply(g, -lr * (1.0 - mu) / (1.0 - mu_product), out=tmp)
            tmp /= denom
            pd += tmp
            np.multiply(m, (-lr * mu_next) / (1.0 - mu_product_next), out=tmp)
            tmp /= denom
            pd += tmp
            p._version[0] += 1


class RAdam(Optimizer):
    """Rectified Adam (Liu et al., 2019): plain momentum SGD while the variance estimate
    is unreliable (rho_t <= 5), rectified Adam after.

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.RAdam([w], lr=0.1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.4623, -0.9246], requires_grad=True)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check(**{"learning rate": lr, "epsilon value": eps, "weight_decay value": weight_decay})
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      capturable=capturable, differentiable=differentiable))

    def _step_group(self, group):
        lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        decoupled = group["decoupled_weight_decay"]
        rho_inf = 2 / (1 - b2) - 1
        for p, pd, g in self._grads(group):
            st = self._state(p, "exp_avg", "exp_avg_sq")
            st["step"] = step = st["step"] + 1
            g = _weight_decay(pd, g, lr, wd, decoupled)
            m, v = st["exp_avg"]._data, st["exp_avg_sq"]._data
            tmp, upd = self._tmp(p), self._tmp(p, 1)
            _lerp(m, g, 1 - b1, tmp)
            v *= b2
            _addcmul_sq(v, g, 1 - b2, tmp)
            bc1, bc2 = 1 - b1 ** step, 1 - b2 ** step
            rho_t = rho_inf - 2 * step * (b2 ** step) / bc2
            np.divide(m, bc1, out=upd)
            upd *= lr
            if rho_t > 5.0:
                np.sqrt(v, out=tmp)
                tmp += eps
                np.reciprocal(tmp, out=tmp)   # float / tensor is reciprocal * float in torch
                tmp *= bc2 ** 0.5
                upd *= tmp
                upd *= math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                 / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            pd -= upd
            p._version[0] += 1


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): v <- rho v + (1 - rho) g^2;
    d = sqrt(u + eps) / sqrt(v + eps) * g;  u <- rho u + (1 - rho) d^2;  p <- p - lr d.

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Adadelta([w], lr=1.0)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.9903, -1.9903], requires_grad=True)
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check(**{"learning rate": lr, "epsilon value": eps, "weight_decay value": weight_decay})
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, capturable=capturable,
                                      maximize=maximize, differentiable=differentiable))

    def _step_group(self, group):
        lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        for p, pd, g in self._grads(group):
            st = self._state(p, "square_avg", "acc_delta")
            st["step"] += 1
            if wd != 0:
                g = g + wd * pd
            v, u = st["square_avg"]._data, st["acc_delta"]._data
            tmp, delta = self._tmp(p), self._tmp(p, 1)
            v *= rho
            _addcmul_sq(v, g, 1 - rho, tmp)
            np.add(v, eps, out=tmp)
            np.sqrt(tmp, out=tmp)
            np.add(u, eps, out=delta)
            np.sqrt(delta, out=delta)
            delta /= tmp
            delta *= g
            u *= rho
            _addcmul_sq(u, delta, 1 - rho, tmp)
            np.multiply(delta, -lr, out=tmp)
            pd += tmp
            p._version[0] += 1
