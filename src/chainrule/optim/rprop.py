"""Rprop (Riedmiller & Braun, 1993): per-weight step sizes adapted by gradient signs."""
import numpy as np

from .optimizer import Optimizer


class Rprop(Optimizer):
    """PyTorch's Rprop, per parameter p with gradient g and previous gradient g':

        s = sign(g g');  step <- clamp(step * (etaplus if s > 0, etaminus if s < 0, 1),
                                       step_min, step_max)
        where s < 0 the gradient is taken as 0 (no move, and g' <- 0);
        p <- p - sign(g) step;  g' <- g

    >>> w = chainrule.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = chainrule.optim.Rprop([w], lr=0.1)
    >>> for _ in range(3): opt.zero_grad(); (w ** 2).sum().backward(); opt.step()
    >>> w
    tensor([ 0.6360, -1.6360], requires_grad=True)
    """

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        super().__init__(params, dict(lr=lr, etas=etas, step_sizes=step_sizes,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    def _step_group(self, group):
        etaminus, etaplus = group["etas"]
        step_min, step_max = group["step_sizes"]
        for p, pd, g in self._grads(group):
            st = self.state[p]
            if not st:
                st["step"] = 0
                st["prev"] = self._zeros(p)
                st["step_size"] = self._zeros(p)
                st["step_size"]._data[...] = group["lr"]
            st["step"] += 1
            prev, step = st["prev"]._data, st["step_size"]._data
            sign = np.sign(g * prev)
            factor = np.where(sign > 0, pd.dtype.type(etaplus),
                              np.where(sign < 0, pd.dtype.type(etaminus), pd.dtype.type(1)))
            step *= factor
            np.clip(step, step_min, step_max, out=step)
            g = np.where(sign < 0, pd.dtype.type(0), g)
            pd -= np.sign(g) * step
            prev[...] = g
            p._version[0] += 1
