"""Scaled dot-product attention: softmax(Q K^T * scale + mask) V, as one fused op.

Why one Function rather than a composition of matmul / add / softmax / dropout / matmul:
the composition records five nodes and keeps five intermediate arrays per call; the fused
op keeps only the attention probabilities P (and the dropout mask), and its backward is
four GEMMs plus one row reduction:

    dV = P_d^T dO,  dP_d = dO V^T,  dP = dP_d * keep / (1 - p),
    dS = P * (dP - rowsum(dP * P)),  dQ = scale * dS K,  dK = scale * dS^T Q.

Under create_graph the backward recomputes P from the saved inputs with recorded ops,
so the same formulas give grad-of-grad.
"""
import math

import numpy as np

from . import dual
from ._util import as_operand
from .reduce import _row_max
from ..autograd.function import Op
from ..tensor import Tensor

_make = Tensor._make

_CAUSAL_CACHE = {}


def _causal_additive(L, S, dtype):
    """(L, S) additive mask: 0 where j <= i (top-left aligned, as PyTorch), -inf above."""
    key = (L, S, np.dtype(dtype).str)
    m = _CAUSAL_CACHE.get(key)
    if m is None:
        m = np.where(np.tril(np.ones((L, S), dtype=bool)), 0, -np.inf).astype(dtype)
        m.setflags(write=False)
        if len(_CAUSAL_CACHE) > 64:
            _CAUSAL_CACHE.clear()
        _CAUSAL_CACHE[key] = m
    return m


def _softmax_rows(s):
    """Softmax over the last axis, in place on `s`. Rows masked entirely (all -inf) give
    zeros rather than NaN, as PyTorch's scaled_dot_product_attention does (and with no
    keys at all, S = 0, the output is zeros too)."""
    if s.size == 0:
        return s
    m = _row_max(s, -1)
    finite = np.isfinite(m)
    all_finite = finite.all()
    if not all_finite:
        m = np.where(finite, m, 0)
    s -= m
    np.exp(s, out=s)
    d = s.sum(axis=-1, keepdims=True)
    if not all_finite:
        d = np.where(d == 0, 1, d)
    s /= d
    return s


class ScaledDotProductAttention(Op):
    """Inputs q (..., L, E), k (..., S, E), v (..., S, Ev) and optionally a float mask
    broadcastable to (..., L, S) (a tensor input, so it gets a gradient if it asks).
    Options: `add` a constant additive mask (from a bool mask or is_causal), `scale`,
    `dropout_p` and the generator's draws in `keep`.

    >>> q = torch.tensor([[1.0, 0.0]], requires_grad=True)
    >>> k = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> out = F.scaled_dot_product_attention(q, k, torch.tensor([[1.0], [0.0]])); out
    tensor([[0.6698]], grad_fn=<ScaledDotProductAttentionBackward0>)
    >>> out.backward(); q.grad
    tensor([[ 0.1564, -0.1564]])
    """

    def forward(self, q, k, v, mask=None, *, add, scale, dropout_p, generator):
        self.scale, self.dropout_p, self.add = scale, dropout_p, add
        s = np.matmul(q * np.asarray(scale, q.dtype), np.swapaxes(k, -1, -2))
        if add is not None:
            s += add  # broadcasts over batch dims; s already has the full batch shape
        if mask is not None:
            s = s + mask
        p = _softmax_rows(s)
        self.p = p
        if dropout_p > 0.0:
            from ..random import rng
            keep = rng(generator).random(p.shape) >= dropout_p
            self.keep = keep
            pd = p * keep * np.asarray(1.0 / (1.0 - dropout_p), p.dtype)
        else:
            self.keep = None
            pd = p
        self.pd = pd
        return np.matmul(pd, v)

    def _probs(self, q, k, mask):
        """P and its dropped-out version: saved arrays, or recomputed recorded Tensors."""
        if dual.is_array(q):
            return self.p, self.pd
        from .reduce import softmax
        s = (q * self.scale) @ k.transpose(-1, -2)
        if self.add is not None:
            s = s + _make(self.add)
        if mask is not None:
            s = s + mask
        dead = ~np.isfinite(s._data.max(axis=-1, keepdims=True)) if s._data.size else \
            np.zeros((), bool)
        if dead.any():  # fully masked rows: zeros, as in forward (softmax would give NaN)
            s = dual.where(np.broadcast_to(dead, s.shape), 0.0, s)
            p = dual.where(np.broadcast_to(dead, s.shape), 0.0, softmax(s, -1))
        else:
            p = softmax(s, -1)
        if self.keep is None:
            return p, p
        return p, p * _make((self.keep / (1.0 - self.dropout_p)).astype(q._data.dtype))

    def backward(self, g):
        inputs = self.saved_inputs()
        q, k, v = inputs[0], inputs[1], inputs[2]
        mask = inputs[3] if len(inputs) > 3 else None
        need = self.needs_input_grad
        p, pd = self._probs(q, k, mask)
        gv = dual.sum_to(dual.swapaxes(pd, -1, -2) @ g, v.shape) if need[2] else None
        if not (need[0] or need[1] or (len(need) > 3 and need[3])):
            return (None, None, gv) + ((None,) if len(need) > 3 else ())
        gp = g @ dual.swapaxes(v, -1, -2)
        if self.keep is not None:
            gp = gp * (self.keep * (1.0 / (1.0 - self.dropout_p))).astype(
                gp.dtype if dual.is_array(gp) else gp._data.dtype)
        if dual.is_array(gp):
            # dS = P * (dP - rowsum(dP * P)), in place on the fresh dP (no temporaries the
            # size of the score matrix besides one product); the scale goes on the small
            # (L, E) / (S, E) results.
            row = (gp * p).sum(axis=-1, keepdims=True)
            gp -= row
            gp *= p
            gs = gp
            sc = np.asarray(self.scale, gs.dtype)
            gq = dual.sum_to(np.multiply(gs @ k, sc), q.shape) if need[0] else None
            gk = dual.sum_to(np.multiply(np.swapaxes(gs, -1, -2) @ q, sc), k.shape) \
                if need[1] else None
        else:
            gs = p * (gp - dual.sum(gp * p, -1, keepdims=True))
            gq = dual.sum_to((gs @ k) * self.scale, q.shape) if need[0] else None
            gk = dual.sum_to((dual.swapaxes(gs, -1, -2) @ q) * self.scale, k.shape) \
                if need[1] else None
        if len(need) > 3:
            gm = dual.sum_to(gs, mask.shape) if need[3] else None
            return gq, gk, gv, gm
        return gq, gk, gv


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False, *,
                                 generator=None):
    """softmax(Q K^T * scale + mask) V over the last two dims, as
    torch.nn.functional.scaled_dot_product_attention.

    query (..., L, E), key (..., S, E), value (..., S, Ev) -> (..., L, Ev). `attn_mask`:
    bool (True = may attend) or float (added to the scores), broadcastable to (..., L, S).
    `is_causal` masks j > i (top-left aligned). `scale` defaults to 1/sqrt(E). Rows with
    every key masked give zeros. `dropout_p` is applied always (pass 0.0 in eval), as in
    PyTorch.

    >>> q = k = v = torch.randn(2, 4, 5, 8)
    >>> F.scaled_dot_product_attention(q, k, v, is_causal=True).shape
    chainrule.Size([2, 4, 5, 8])
    >>> q, k = torch.tensor([[1.0, 0.0]]), torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> F.scaled_dot_product_attention(q, k, torch.tensor([[1.0], [-1.0]]), scale=100.0)
    tensor([[1.]])
    """
    q, k, v = as_operand(query), as_operand(key), as_operand(value)
    op = "scaled_dot_product_attention"
    for name, t in (("query", q), ("key", k), ("value", v)):
        if t._data.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have at least 2 dims, got shape "
                               f"{list(t._data.shape)}")
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"{op}: expected floating-point {name}, got {t.dtype}")
    if not (q._data.dtype == k._data.dtype == v._data.dtype):
        raise RuntimeError(f"{op}: Expected query, key, and value to have the same dtype, but "
                           f"got query.dtype: {q.dtype} key.dtype: {k.dtype} and "
                           f"value.dtype: {v.dtype} instead.")
    qs, ks, vs = q._data.shape, k._data.shape, v._data.shape
    if qs[-1] != ks[-1]:
        raise RuntimeError(f"{op}: query's last dim {qs[-1]} != key's last dim {ks[-1]} "
                           f"(query {list(qs)}, key {list(ks)})")
    if ks[-2] != vs[-2]:
        raise RuntimeError(f"{op}: key and value must have the same sequence length, got key "
                           f"{list(ks)} and value {list(vs)}")
    if enable_gqa and q._data.ndim >= 3 and ks[-3] != qs[-3]:
        hq, hk = qs[-3], ks[-3]
        if hq % hk or vs[-3] != hk:
            raise RuntimeError(f"{op}: with enable_gqa the query heads ({hq}) must be a "
                               f"multiple of the key/value heads ({hk}, {vs[-3]})")
        k, v = _repeat_heads(k, hq // hk), _repeat_heads(v, hq // hk)
    L, S = qs[-2], ks[-2]
    dt = q._data.dtype
    if scale is None:
        scale = 1.0 / math.sqrt(qs[-1]) if qs[-1] else 1.0
    add = None
    mask_t = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: _scaled_dot_product_attention: Explicit attn_mask "
                               "should not be set when is_causal=True")
        add = _causal_additive(L, S, dt)
    elif attn_mask is not None:
        m = attn_mask._data if isinstance(attn_mask, Tensor) else np.asarray(attn_mask)
        try:
            np.broadcast_shapes(m.shape, qs[:-1] + (S,))
        except ValueError:
            raise RuntimeError(f"{op}: attn_mask of shape {list(m.shape)} cannot be broadcast "
                               f"to the attention scores' shape {list(qs[:-1] + (S,))}") \
                from None
        if m.dtype == np.bool_:
            add = np.where(m, 0, -np.inf).astype(dt)
        elif m.dtype.kind == "f":
            if isinstance(attn_mask, Tensor) and attn_mask.requires_grad:
                mask_t = attn_mask if m.dtype == dt else attn_mask.to(dt)
            else:
                add = m.astype(dt, copy=False)
        else:
            raise RuntimeError(f"{op}: attn_mask must be bool or float, got {m.dtype}")
    if add is not None:
        # Batch dims of the scores come from q and k; the mask must not add new ones.
        out_shape = np.broadcast_shapes(qs[:-2], ks[:-2]) + (L, S)
        if np.broadcast_shapes(add.shape, out_shape) != out_shape:
            raise RuntimeError(f"{op}: attn_mask of shape {list(add.shape)} broadcasts beyond "
                               f"the scores' shape {list(out_shape)}")
    opts = dict(add=add, scale=float(scale), dropout_p=float(dropout_p), generator=generator)
    if mask_t is not None:
        return ScaledDotProductAttention.apply(q, k, v, mask_t, **opts)
    return ScaledDotProductAttention.apply(q, k, v, **opts)


def _repeat_heads(t, n):
    """(..., H, S, E) -> (..., H * n, S, E), each head repeated n times in place
    (repeat_interleave along the head dim)."""
    shp = tuple(t._data.shape)
    return t.unsqueeze(-3).expand(*shp[:-2], n, *shp[-2:]).reshape(
        *shp[:-3], shp[-3] * n, *shp[-2:])
