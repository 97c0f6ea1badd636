"""Multi-head attention and the transformer layers, with PyTorch's semantics and
parameter names, so a state_dict maps 1:1 onto torch.nn's.

    MultiheadAttention        in_proj_weight / in_proj_bias (or q/k/v_proj_weight when
                              kdim or vdim differ), out_proj, bias_k / bias_v
    TransformerEncoderLayer   self_attn, linear1, dropout, linear2, norm1, norm2, dropout1/2
    TransformerDecoderLayer   + multihead_attn, norm3, dropout3
    TransformerEncoder / TransformerDecoder / Transformer

Masks follow torch.nn: a bool attn_mask / key_padding_mask marks with True the positions
that may NOT be attended to (the opposite of scaled_dot_product_attention's bool mask); a
float mask is added to the scores. Internally everything runs batch-first: inputs given
sequence-first are transposed once on entry and once on exit.
"""
import copy
import math

import numpy as np

from .. import creation
from ..functions._util import cast
from ..functions.attention import scaled_dot_product_attention
from ..functions.shape import SplitViews, cat as _cat
from ..tensor import Tensor
from . import init
from . import functional as F
from .containers import ModuleList
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter

_make = Tensor._make


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention.out_proj (a plain Linear).

    >>> mha = nn.MultiheadAttention(8, 2)
    >>> type(mha.out_proj).__name__, isinstance(mha.out_proj, nn.Linear)
    ('NonDynamicallyQuantizableLinear', True)
    """


def _mask_array(mask, name, op):
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_ and m.dtype.kind != "f":
        raise RuntimeError(f"{op}: only bool and floating types of {name} are supported, "
                           f"got {m.dtype}")
    return m


def _canonical(mask, dtype):
    """A bool 'masked-out' mask -> additive float (-inf where True); float masks as is.
    Returns a Tensor (float masks keep their graph, if any)."""
    if mask is None:
        return None
    if isinstance(mask, Tensor) and mask._data.dtype.kind == "f":
        return cast(mask, dtype)
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return _make(np.where(m, -np.inf, 0).astype(dtype))
    return _make(m.astype(dtype, copy=False))


def _is_causal_mask(mask, L):
    """True when `mask` is exactly the (L, L) causal mask (float -inf above the diagonal,
    or bool True above it): then the faster is_causal path gives the same result."""
    if mask is None:
        return False
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.shape != (L, L):
        return False
    above = np.triu(np.ones((L, L), dtype=bool), 1)
    if m.dtype == np.bool_:
        return bool(np.array_equal(m, above))
    return bool(np.all(np.isneginf(m[above])) and np.all(m[~above] == 0))


class MultiheadAttention(Module):
    r"""Multi-head attention, as torch.nn.MultiheadAttention.

    MultiHead(Q, K, V) = Concat(head_1..head_h) W^O, head_i = Attention(Q W_i^Q, K W_i^K,
    V W_i^V). forward returns (attn_output, attn_weights); attn_weights is None unless
    need_weights (averaged over heads unless average_attn_weights=False).

    >>> mha = nn.MultiheadAttention(16, 4, batch_first=True)
    >>> x = chainrule.randn(2, 5, 16)
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    (chainrule.Size([2, 5, 16]), chainrule.Size([2, 5, 5]))
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise AssertionError("embed_dim must be divisible by num_heads")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        kw = {"dtype": dtype}
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(creation.empty(3 * embed_dim, embed_dim, **kw))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(creation.empty(embed_dim, embed_dim, **kw))
            self.k_proj_weight = Parameter(creation.empty(embed_dim, self.kdim, **kw))
            self.v_proj_weight = Parameter(creation.empty(embed_dim, self.vdim, **kw))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty(3 * embed_dim, **kw))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, **kw)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty(1, 1, embed_dim, **kw))
            self.bias_v = Parameter(creation.empty(1, 1, embed_dim, **kw))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    # --- the projections ------------------------------------------------------------
    def _project(self, query, key, value):
        """q (N, L, E), k (N, S, E), v (N, S, E) from the inputs (batch-first)."""
        E = self.embed_dim
        b = self.in_proj_bias
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            if query is key and key is value:
                # Self-attention: one GEMM for all three, then split: one node whose
                # backward writes the three gradients into one array.
                qkv = F.linear(query, w, b)
                return SplitViews.apply(qkv, axis=qkv.dim() - 1, sizes=(E, E, E))
            if key is value:
                q = F.linear(query, w[:E], None if b is None else b[:E])
                kv = F.linear(key, w[E:], None if b is None else b[E:])
                return q, kv[..., :E], kv[..., E:]
            ws = (w[:E], w[E:2 * E], w[2 * E:])
        else:
            ws = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        bs = (None, None, None) if b is None else (b[:E], b[E:2 * E], b[2 * E:])
        return (F.linear(query, ws[0], bs[0]), F.linear(key, ws[1], bs[1]),
                F.linear(value, ws[2], bs[2]))

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        op = "MultiheadAttention"
        if query.dim() not in (2, 3):
            raise AssertionError(f"{op}: query should be unbatched 2D or batched 3D tensor but "
                                 f"received {query.dim()}-D query tensor")
        batched = query.dim() == 3
        if key.dim() != query.dim() or value.dim() != query.dim():
            raise AssertionError(f"{op}: key and value should be {query.dim()}D like query, "
                                 f"got key {key.dim()}D and value {value.dim()}D")
        same_kv = key is value
        same_qkv = query is key and same_kv
        if not batched:
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.reshape(1, -1) \
                    if isinstance(key_padding_mask, Tensor) \
                    else np.asarray(key_padding_mask).reshape(1, -1)
        elif not self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        if same_qkv:
            key = value = query
        elif same_kv:
            value = key
        N, L, E = query.shape
        S = key.shape[1]
        if E != self.embed_dim:
            raise AssertionError(f"{op}: was expecting embedding dimension of {self.embed_dim}, "
                                 f"but got {E}")
        if key.shape[0] != N or value.shape[0] != N or value.shape[1] != S:
            raise AssertionError(f"{op}: key shape {list(key.shape)} does not match value shape "
                                 f"{list(value.shape)} or the query's batch size {N}")
        H, hd = self.num_heads, self.head_dim
        dt = query._data.dtype

        kpm = _mask_array(key_padding_mask, "key_padding_mask", op)
        am = _mask_array(attn_mask, "attn_mask", op)
        if is_causal and am is None:
            raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use "
                               "the Transformer module method `generate_square_subsequent_mask` "
                               "to create this mask.")
        if kpm is not None and kpm.shape != (N, S):
            raise AssertionError(f"{op}: expecting key_padding_mask shape of {(N, S)}, but got "
                                 f"{tuple(kpm.shape)}")
        if am is not None:
            if am.ndim == 2:
                if am.shape != (L, S):
                    raise RuntimeError(f"{op}: The shape of the 2D attn_mask is "
                                       f"{tuple(am.shape)}, but should be {(L, S)}.")
            elif am.ndim == 3:
                if am.shape != (N * H, L, S):
                    raise RuntimeError(f"{op}: The shape of the 3D attn_mask is "
                                       f"{tuple(am.shape)}, but should be {(N * H, L, S)}.")
            else:
                raise RuntimeError(f"{op}: attn_mask's dimension {am.ndim} is not supported")

        use_causal = bool(is_causal and kpm is None and not need_weights)
        if use_causal:
            mask = None
        else:
            is_causal = False
            mask = _canonical(attn_mask, dt)
            if mask is not None and mask.dim() == 3:
                mask = mask.reshape(N, H, L, S)

        q, k, v = self._project(query, key, value)

        if self.bias_k is not None and self.bias_v is not None:
            k = _cat([k, self.bias_k.expand(N, 1, E)], 1)
            v = _cat([v, self.bias_v.expand(N, 1, E)], 1)
            if mask is not None:
                mask = _pad_last(mask)
            if kpm is not None:
                kpm = np.pad(kpm, ((0, 0), (0, 1)))
            S += 1
        elif self.bias_k is not None or self.bias_v is not None:
            raise AssertionError(f"{op}: bias_k and bias_v must both be set or both be None")

        # (N, S, E) -> (N, H, S, hd)
        q = q.reshape(N, L, H, hd).transpose(1, 2)
        k = k.reshape(N, S, H, hd).transpose(1, 2)
        v = v.reshape(N, S, H, hd).transpose(1, 2)
        if self.add_zero_attn:
            k = _cat([k, creation.zeros(N, H, 1, hd, dtype=k.dtype)], 2)
            v = _cat([v, creation.zeros(N, H, 1, hd, dtype=v.dtype)], 2)
            if mask is not None:
                mask = _pad_last(mask)
            if kpm is not None:
                kpm = np.pad(kpm, ((0, 0), (0, 1)))
            S += 1

        if kpm is not None:
            kp = _canonical(kpm, dt).reshape(N, 1, 1, S)
            mask = kp if mask is None else mask + kp
        p = self.dropout if self.training else 0.0

        if need_weights:
            # The explicit path (PyTorch's too): the weights are an output.
            scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(-2, -1)
            if mask is not None:
                scores = scores + mask
            w = scores.softmax(-1)
            if p > 0.0:
                w = F.dropout(w, p=p)
            out = w @ v
        else:
            if mask is not None and mask.dim() == 2:
                mask = mask.reshape(1, 1, L, S)
            out = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p,
                                               is_causal=use_causal)
            w = None
        out = F.linear(out.transpose(1, 2).reshape(N, L, E), self.out_proj.weight,
                       self.out_proj.bias)
        if not batched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if w is not None:
            if average_attn_weights:
                w = w.mean(1)
            if not batched:
                w = w.squeeze(0)
        return out, w


def _pad_last(mask):
    """One more key column that every query may attend to (bias_k / zero attention)."""
    return _cat([mask, creation.zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], -1)


def _get_activation(activation):
    if callable(activation):
        return activation
    if activation == "relu":
        return F.relu
    if activation == "gelu":
        return F.gelu
    raise RuntimeError(f"activation should be relu/gelu, not {activation}")


class TransformerEncoderLayer(Module):
    """Self-attention + feed-forward block (Vaswani et al. 2017), as
    torch.nn.TransformerEncoderLayer. norm_first=True is the pre-LN variant.

    >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    >>> layer(torch.randn(3, 5, 8)).shape
    chainrule.Size([3, 5, 8])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = _get_activation(activation)
        self.batch_first = batch_first

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerDecoderLayer(Module):
    """Self-attention, cross-attention over the encoder's memory, feed-forward, as
    torch.nn.TransformerDecoderLayer.

    >>> layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    >>> tgt, memory = torch.randn(3, 4, 8), torch.randn(3, 6, 8)
    >>> layer(tgt, memory).shape
    chainrule.Size([3, 4, 8])
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):
        super().__init__()
        kw = {"dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **kw)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                                 batch_first=batch_first, **kw)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **kw)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **kw)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **kw)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _get_activation(activation)
        self.batch_first = batch_first

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False):
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask,
                                    memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask,
                                               memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal=False):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                           is_causal=is_causal, need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, mem, attn_mask, key_padding_mask, is_causal=False):
        x = self.multihead_attn(x, mem, mem, attn_mask=attn_mask,
                                key_padding_mask=key_padding_mask, is_causal=is_causal,
                                need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))


def _get_clones(module, n):
    return ModuleList([copy.deepcopy(module) for _ in range(n)])


def _seq_len(x, batch_first):
    if x.dim() == 2:
        return x.shape[0]
    return x.shape[1] if batch_first else x.shape[0]


class TransformerEncoder(Module):
    """A stack of num_layers copies of encoder_layer, then an optional norm.

    >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    >>> encoder = nn.TransformerEncoder(layer, num_layers=2)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
    >>> encoder(torch.randn(3, 5, 8), mask=mask).shape, len(encoder.layers)
    (chainrule.Size([3, 5, 8]), 2)
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):
        super().__init__()
        self.layers = _get_clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        first = self.layers[0] if len(self.layers) else None
        bf = getattr(first, "batch_first", False)
        if is_causal is None:
            is_causal = _is_causal_mask(mask, _seq_len(src, bf))
        out = src
        for mod in self.layers:
            out = mod(out, src_mask=mask, is_causal=is_causal,
                      src_key_padding_mask=src_key_padding_mask)
        if self.norm is not None:
            out = self.norm(out)
        return out


class TransformerDecoder(Module):
    """A stack of num_layers copies of decoder_layer, then an optional norm.

    >>> layer = nn.TransformerDecoderLayer(d_model=8, nhead=2, dim_feedforward=16, batch_first=True)
    >>> decoder = nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(8))
    >>> decoder(torch.randn(3, 4, 8), torch.randn(3, 6, 8)).shape
    chainrule.Size([3, 4, 8])
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _get_clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False):
        first = self.layers[0] if len(self.layers) else None
        bf = getattr(first, "batch_first", False)
        if tgt_is_causal is None:
            tgt_is_causal = _is_causal_mask(tgt_mask, _seq_len(tgt, bf))
        out = tgt
        for mod in self.layers:
            out = mod(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                      tgt_key_padding_mask=tgt_key_padding_mask,
                      memory_key_padding_mask=memory_key_padding_mask,
                      tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """The encoder-decoder transformer of "Attention Is All You Need", as
    torch.nn.Transformer (final LayerNorms on both stacks, xavier-uniform init).

    >>> model = nn.Transformer(d_model=32, nhead=4, num_encoder_layers=2,
    ...                        num_decoder_layers=2, dim_feedforward=64, batch_first=True)
    >>> src, tgt = chainrule.randn(3, 7, 32), chainrule.randn(3, 5, 32)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(5)
    >>> model(src, tgt, tgt_mask=mask).shape
    chainrule.Size([3, 5, 32])
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):
        super().__init__()
        kw = {"dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first, norm_first,
                                            bias, **kw)
            self.encoder = TransformerEncoder(layer, num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                        **kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout,
                                            activation, layer_norm_eps, batch_first, norm_first,
                                            bias, **kw)
            self.decoder = TransformerDecoder(layer, num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias,
                                                        **kw))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):
        batched = src.dim() == 3
        if not self.batch_first and src.shape[1] != tgt.shape[1] and batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if self.batch_first and src.shape[0] != tgt.shape[0] and batched:
            raise RuntimeError("the batch number of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError("the feature number of src and tgt must be equal to d_model")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: -inf above the diagonal, 0 on and below it."""
        from .. import dtypes
        dt = dtypes.get(dtype).np if dtype is not None else dtypes.get_default_dtype().np
        return _make(np.triu(np.full((sz, sz), -np.inf, dtype=dt), 1))

    def _reset_parameters(self):
        for p in self.parameters():
            if p.dim() > 1:
                init.xavier_uniform_(p)

