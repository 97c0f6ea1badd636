"""Positional encodings: attention is order-blind, so the position of each token is added
to its embedding. Sinusoidal (fixed, Vaswani et al. 2017) or learned (one vector per
position, as in GPT)."""
import math

import numpy as np

from .. import creation
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_make = Tensor._make


def sinusoidal_table(max_len, d_model, dtype=np.float32):
    """Returns the sinusoidal positional-encoding table of Vaswani et al. (2017).

    (max_len, d_model) table: PE[pos, 2i] = sin(pos / 10000^(2i/d)),
    PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).

    >>> pe = chainrule.nn.positional.sinusoidal_table(3, 4)
    >>> pe.shape, pe.round(4)
    ((3, 4), array([[ 0.    ,  1.    ,  0.    ,  1.    ],
           [ 0.8415,  0.5403,  0.01  ,  1.    ],
           [ 0.9093, -0.4161,  0.02  ,  0.9998]], dtype=float32))
    """
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    div = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
    pe = np.zeros((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(pos * div)
    pe[:, 1::2] = np.cos(pos * div)[:, :d_model // 2]
    return pe.astype(dtype)


def _check(x, max_len, batch_first, who):
    if x.dim() not in (2, 3):
        raise ValueError(f"{who}: expected input of shape (N, T, d_model) (batch_first) or "
                         f"(T, N, d_model) or (T, d_model), got {list(x.shape)}")
    T = x.shape[0] if x.dim() == 2 or not batch_first else x.shape[1]
    if T > max_len:
        raise ValueError(f"{who}: sequence length {T} exceeds max_len={max_len}")
    return T


class _PositionalEncoding(Module):
    """x + table[:T] (then dropout), the table being (max_len, d_model): what the two
    encodings share; each defines _table()."""

    def __init__(self, d_model, max_len, dropout, batch_first):
        super().__init__()
        self.d_model, self.max_len, self.batch_first = d_model, max_len, batch_first
        self.p = dropout

    def extra_repr(self):
        return f"{self.d_model}, max_len={self.max_len}, dropout={self.p}"

    def forward(self, x):
        T = _check(x, self.max_len, self.batch_first, type(self).__name__)
        pe = self._table()[:T]
        if x.dim() == 3 and not self.batch_first:
            pe = pe.unsqueeze(1)
        x = x + pe
        if self.p > 0 and self.training:
            x = F.dropout(x, self.p)
        return x


class SinusoidalPositionalEncoding(_PositionalEncoding):
    """x + PE[:T] (then dropout), with the fixed sinusoidal table as a non-persistent
    buffer (it is recomputed, never saved).

    >>> pe = nn.SinusoidalPositionalEncoding(16, max_len=100, batch_first=True)
    >>> pe(chainrule.zeros(2, 10, 16)).shape
    chainrule.Size([2, 10, 16])
    """

    def __init__(self, d_model, max_len=5000, dropout=0.0, batch_first=True, dtype=None):
        super().__init__(d_model, max_len, dropout, batch_first)
        from .. import dtypes
        dt = (dtypes.get(dtype) if dtype is not None else dtypes.get_default_dtype()).np
        self.register_buffer("pe", _make(sinusoidal_table(max_len, d_model, dt)),
                             persistent=False)

    def _table(self):
        return self.pe


class LearnedPositionalEncoding(_PositionalEncoding):
    """x + W[:T] (then dropout), W a (max_len, d_model) parameter learned with the model
    (initialised N(0, 0.02), as GPT-2).

    >>> pe = nn.LearnedPositionalEncoding(16, max_len=64)
    >>> [n for n, _ in pe.named_parameters()]
    ['weight']
    """

    def __init__(self, d_model, max_len=512, dropout=0.0, batch_first=True, dtype=None):
        super().__init__(d_model, max_len, dropout, batch_first)
        self.weight = Parameter(creation.empty(max_len, d_model, dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self):
        init.normal_(self.weight, 0.0, 0.02)

    def _table(self):
        return self.weight
