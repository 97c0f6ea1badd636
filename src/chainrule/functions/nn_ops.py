"""Fused neural-network ops: cross-entropy on logits, BCE (with logits), embedding lookup.

Why fused: cross-entropy built from softmax -> log -> pick underflows to log(0) = -inf for
logits of magnitude ~1e2 (float32) and its graph has four nodes; computed as one op on
logits via log-softmax (x - max - log sum exp(x - max)) it is exact for logits of
magnitude 1e4 and its backward is the classic softmax - onehot. Backwards are written
with `dual` helpers / Tensor methods, so create_graph=True (grad-of-grad) still works.
"""
import numpy as np

from ..autograd.function import Op
from . import dual
from .elementwise import softplus
from .index import IndexAdd


def _reduce(loss, reduction, denom):
    if reduction == "none":
        return loss
    s = loss.sum(dtype=loss.dtype)
    if reduction == "sum":
        return np.asarray(s, dtype=loss.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):  # all targets ignored: nan, as PyTorch
        return np.asarray(s / denom, dtype=loss.dtype)


def _grad_scale(g, reduction, denom):
    """The upstream gradient as a per-element factor: g (none), g (sum), g / denom (mean)."""
    if reduction == "mean":
        # denom == 0 only when every coefficient is 0 (all targets ignored): gradient 0.
        inv = 1.0 / denom if denom else 0.0
        return g * inv
    return g


class CrossEntropy(Op):
    """Cross-entropy of logits x against class indices, fused with log-softmax.

    Class axis `axis` (1, or 0 for an unbatched (C,) input). Per element (class
    smoothing eps, class weights w, C classes, target t, ignored elements have w_t = 0):
        loss = -(1 - eps) w_t logp_t - eps / C sum_c w_c logp_c
    'mean' divides the sum by sum of w_t over non-ignored elements (PyTorch's rule).
    d loss / dx = softmax(x) * Q - q, with q the per-class coefficients and Q = sum_c q_c.
    """

    def forward(self, x, *, target, axis, weight, ignore_index, label_smoothing, reduction):
        C = x.shape[axis]
        valid = target != ignore_index
        tt = np.where(valid, target, 0) if not valid.all() else target
        if tt.size and (tt.min() < 0 or tt.max() >= C):
            bad = tt[(tt < 0) | (tt >= C)].flat[0]
            raise IndexError(f"cross_entropy: Target {bad} is out of bounds (input has {C} "
                             f"classes; input shape {list(x.shape)}, target shape "
                             f"{list(target.shape)})")
        m = x.max(axis=axis, keepdims=True)
        logp = x - m
        logp -= np.log(np.exp(logp).sum(axis=axis, keepdims=True))
        idx = np.expand_dims(tt, axis)
        picked = np.take_along_axis(logp, idx, axis).squeeze(axis)
        coef = (weight[tt] if weight is not None else np.ones(tt.shape, x.dtype))
        if not valid.all():
            coef = coef * valid
        eps = label_smoothing
        loss = -(1 - eps) * coef * picked if eps else -coef * picked
        if eps:
            wb = 1 if weight is None else weight.reshape((-1,) + (1,) * (x.ndim - axis - 1))
            smooth = -(logp * wb).sum(axis=axis)
            loss = loss + (eps / C) * smooth * valid
            self.wsum = float(C if weight is None else weight.sum())
            self.wb = wb
        denom = float(coef.sum()) if reduction == "mean" else 1.0
        self.logp, self.idx, self.coef, self.valid = logp, idx, coef, valid
        self.axis, self.eps, self.C, self.reduction, self.denom = axis, eps, C, reduction, denom
        return _reduce(loss.astype(x.dtype, copy=False), reduction, denom)

    def backward(self, g):
        a, eps, C = self.axis, self.eps, self.C
        dt = self.logp.dtype
        A = (self.coef * (1 - eps)).astype(dt, copy=False)
        Q = A + (eps / C) * self.wsum * self.valid if eps else A
        ge = _grad_scale(g, self.reduction, self.denom)
        if dual.is_array(g):
            p = np.exp(self.logp)
            if self.reduction == "none":
                ge = np.asarray(ge, dt)
                grad = p * np.expand_dims((Q * ge).astype(dt, copy=False), a)
                Ag = np.expand_dims(A * ge, a)
            else:
                ge = dt.type(ge)
                grad = p * np.expand_dims(Q.astype(dt, copy=False), a)
                grad *= ge
                Ag = np.expand_dims(A, a) * ge
            cur = np.take_along_axis(grad, self.idx, a)
            np.put_along_axis(grad, self.idx, cur - Ag, a)
            if eps:
                v = np.expand_dims(self.valid * ge, a)
                grad -= ((eps / C) * self.wb * v).astype(dt, copy=False)
            return grad
        # create_graph: the same formula in recorded ops (x as a Tensor).
        (x,) = self.saved_inputs()
        p = x.softmax(a)
        q = np.zeros(self.logp.shape, dt)
        np.put_along_axis(q, self.idx, np.expand_dims(A, a), a)
        if eps:
            q = q + ((eps / C) * self.wb * np.expand_dims(self.valid, a)).astype(dt)
        Qe = np.expand_dims(np.asarray(Q, dt), a)
        G = ge.unsqueeze(a) if self.reduction == "none" else ge
        return G * (p * Qe - q)


class BCEWithLogits(Op):
    """Binary cross-entropy on logits, fused (stable for any logit magnitude):
        l = w [(1 - y) x + (1 + (pw - 1) y) softplus(-x)],  softplus(-x) = log1p(e^-|x|) + max(-x, 0)
    d l / dx = w [(1 - y) - (1 + (pw - 1) y) sigmoid(-x)];  d l / dy = w [-x + (pw - 1) softplus(-x)]
    """

    def forward(self, x, y, *, weight, pos_weight, reduction):
        sp = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)
        if pos_weight is not None:
            lw = 1 + (pos_weight - 1) * y
            loss = (1 - y) * x + lw * sp
        else:
            loss = (1 - y) * x + sp
        if weight is not None:
            loss = loss * weight
        self.weight, self.pos_weight, self.reduction = weight, pos_weight, reduction
        self.denom = float(loss.size)
        self.shape = loss.shape
        return _reduce(loss.astype(x.dtype, copy=False), reduction, self.denom)

    def backward(self, g):
        x, y = self.saved_inputs()
        nx, ny = self.needs_input_grad
        pw, w = self.pos_weight, self.weight
        G = _grad_scale(g, self.reduction, self.denom)
        if w is not None:
            G = G * w
        gx = gy = None
        s = dual.sigmoid(-x)
        if nx:
            lw = 1 + (pw - 1) * y if pw is not None else 1
            gx = dual.sum_to(dual.broadcast_to(G * ((1 - y) - lw * s), self.shape), x.shape)
        if ny:
            if pw is not None:
                sp = np.logaddexp(0, -x) if dual.is_array(x) else softplus(-x)
                d = -x + (pw - 1) * sp
            else:
                d = -x
            gy = dual.sum_to(dual.broadcast_to(G * d, self.shape), y.shape)
        return gx, gy


class BCE(Op):
    """Binary cross-entropy on probabilities, logs clamped at -100 as in PyTorch:
        l = -w [y max(log x, -100) + (1 - y) max(log(1 - x), -100)]
    d l / dx = w (x - y) / max(x (1 - x), 1e-12)   (PyTorch's backward formula)."""

    def forward(self, x, y, *, weight, reduction):
        if x.size and (np.nanmin(x) < 0 or np.nanmax(x) > 1):
            raise RuntimeError("binary_cross_entropy: all elements of input should be between "
                               "0 and 1")
        with np.errstate(divide="ignore"):
            logx = np.maximum(np.log(x), -100)
            log1mx = np.maximum(np.log1p(-x), -100)
        loss = -(y * logx + (1 - y) * log1mx)
        if weight is not None:
            loss = loss * weight
        self.weight, self.reduction = weight, reduction
        self.denom, self.shape = float(loss.size), loss.shape
        return _reduce(loss.astype(x.dtype, copy=False), reduction, self.denom)

    def backward(self, g):
        x, y = self.saved_inputs()
        nx, ny = self.needs_input_grad
        G = _grad_scale(g, self.reduction, self.denom)
        if self.weight is not None:
            G = G * self.weight
        gx = gy = None
        arr = dual.is_array(x)
        if nx:
            den = np.maximum((1 - x) * x, 1e-12) if arr else ((1 - x) * x).clamp(min=1e-12)
            gx = dual.sum_to(dual.broadcast_to(G * (x - y) / den, self.shape), x.shape)
        if ny:
            if arr:
                with np.errstate(divide="ignore"):
                    d = np.maximum(np.log1p(-x), -100) - np.maximum(np.log(x), -100)
            else:
                d = (1 - x).log().clamp(min=-100) - x.log().clamp(min=-100)
            gy = dual.sum_to(dual.broadcast_to(G * d, self.shape), y.shape)
        return gx, gy


class Embedding(Op):
    """weight[indices]; the backward adds rows back (np.add.at), skipping padding_idx."""
    saves = False

    def forward(self, weight, *, indices, padding_idx):
        self.indices, self.padding_idx, self.wshape = indices, padding_idx, weight.shape
        return weight[indices]

    def backward(self, g):
        if self.padding_idx is not None:
            keep = (self.indices != self.padding_idx)[..., None]
            g = g * keep.astype(g.dtype if dual.is_array(g) else g.data.dtype)
        if dual.is_array(g):
            out = np.zeros(self.wshape, dtype=g.dtype)
            np.add.at(out, self.indices.reshape(-1), g.reshape(-1, self.wshape[1]))
            return out
        return IndexAdd.scatter(g, (self.indices,), self.wshape, False)
