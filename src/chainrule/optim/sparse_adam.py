"""SparseAdam: Adam restricted to the rows a sparse gradient touches."""
import math

import numpy as np

from .optimizer import Optimizer


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam: for the entries present in the gradient only,

        m <- m + (1 - beta1)(g - m);  v <- v + (1 - beta2)(g^2 - v)
        p <- p - lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)

    Entries the gradient does not touch keep their moments and values. The gradient is a
    sparse COO tensor (``nn.Embedding(..., sparse=True)``) or, in chainrule, a dense one,
    whose touched entries are its rows with any non-zero value.

    >>> emb = nn.Embedding(4, 2, sparse=True)
    >>> opt = chainrule.optim.SparseAdam(emb.parameters(), lr=0.1)
    >>> before = emb.weight.detach().clone()
    >>> emb(chainrule.tensor([1, 3])).sum().backward(); opt.step()
    >>> (emb.weight != before).any(dim=1)  # only rows 1 and 3 moved
    tensor([False,  True, False,  True])
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i in (0, 1):
            if not 0.0 <= betas[i] < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def _step_group(self, group):
        beta1, beta2 = group["betas"]
        lr, eps = group["lr"], group["eps"]
        for p in group["params"]:
            if p.grad is None:
                continue
            rows, values = _touched(p.grad)
            if group["maximize"]:
                values = -values
            if values.size == 0:
                continue
            st = self._state(p, "exp_avg", "exp_avg_sq")
            st["step"] += 1
            m, v, pd = st["exp_avg"]._data, st["exp_avg_sq"]._data, p._data
            old_m, old_v = m[rows], v[rows]          # copies (fancy indexing)
            dm = (values - old_m) * pd.dtype.type(1 - beta1)
            dv = (values ** 2 - old_v) * pd.dtype.type(1 - beta2)
            m[rows] = old_m + dm
            v[rows] = old_v + dv
            numer = dm + old_m                       # the new moments, in PyTorch's order
            denom = np.sqrt(dv + old_v) + pd.dtype.type(eps)
            t = st["step"]
            step_size = lr * math.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
            pd[rows] += pd.dtype.type(-step_size) * (numer / denom)
            p._version[0] += 1


def _touched(grad):
    """(row indices, their gradient rows) of a sparse COO or dense gradient."""
    if getattr(grad, "is_sparse", False):
        g = grad.coalesce()
        idx = np.asarray(g.indices()._data)
        vals = np.asarray(g.values()._data)
        if idx.shape[0] != 1:
            raise RuntimeError("SparseAdam: only gradients sparse in their first dimension "
                               f"are supported, got {idx.shape[0]} sparse dimensions")
        return idx[0], vals
    d = grad._data
    flat = d.reshape(d.shape[0], -1) if d.ndim > 1 else d.reshape(-1, 1)
    rows = np.flatnonzero(np.any(flat != 0, axis=1))
    return rows, d[rows]
