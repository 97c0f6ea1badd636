"""Recurrent translators, the history before the transformer: a GRU encoder-decoder
(sequence to sequence: Sutskever et al. 2014, Cho et al. 2014) with or without additive
attention (Bahdanau, Cho & Bengio 2015).

Both read the source with a bidirectional GRU over a packed batch (so padding never
enters the recurrence). Without attention the decoder sees the source only through one
fixed vector, the two directions' final states; with attention it re-reads every source
position at every step:

    e_tj = v^T tanh(W_a s_{t-1} + U_a h_j),  alpha_t = softmax_j(e_t),  c_t = sum_j alpha_tj h_j
    s_t = GRUCell([y_{t-1}; c_t], s_{t-1}),  logits_t = W_o [s_t; c_t; y_{t-1}] + b_o

The interface is the transformer Translator's (encode / decode / config), so training,
greedy and beam-search decoding and saving are shared (train.py, decode.py, model.py).
"""
import numpy as np

from .. import nn
from ..functions import shape as _S
from ..functions.reduce import log_softmax, softmax
from ..tensor import Tensor
from ..nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

_make = Tensor._make

KINDS = ("gru", "gru-attention")
DEFAULT_RNN_CONFIG = dict(emb=64, hidden=128, max_len=32)


class Seq2SeqGRU(nn.Module):
    """GRU encoder-decoder over token ids; `attention` switches Bahdanau attention on.

    >>> from chainrule.translate.rnn_model import Seq2SeqGRU
    >>> m = Seq2SeqGRU(40, 50, emb=8, hidden=16, attention=True)
    >>> src_ids = torch.tensor([[5, 6, 7], [8, 9, 0]])     # right-padded with <pad> = 0
    >>> tgt_in_ids = torch.tensor([[1, 10, 11], [1, 12, 0]])
    >>> m(src_ids, tgt_in_ids).shape                     # (N, T, 50), teacher forcing
    chainrule.Size([2, 3, 50])
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, emb=64, hidden=128, attention=True,
                 max_len=32, pad_id=0, kind=None):
        super().__init__()
        kind = kind or ("gru-attention" if attention else "gru")
        if kind not in KINDS or (kind == "gru-attention") != bool(attention):
            raise ValueError(f"Seq2SeqGRU: kind {kind!r} does not match attention={attention}")
        self.config = dict(kind=kind, src_vocab_size=src_vocab_size,
                           tgt_vocab_size=tgt_vocab_size, emb=emb, hidden=hidden,
                           attention=bool(attention), max_len=max_len, pad_id=pad_id)
        self.pad_id, self.hidden, self.attention = pad_id, hidden, bool(attention)
        self.src_embed = nn.Embedding(src_vocab_size, emb, padding_idx=pad_id)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, emb, padding_idx=pad_id)
        self.encoder = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.init_state = nn.Linear(2 * hidden, hidden)
        if self.attention:
            self.attn_query = nn.Linear(hidden, hidden, bias=False)   # W_a
            self.attn_key = nn.Linear(2 * hidden, hidden)             # U_a
            self.attn_score = nn.Linear(hidden, 1, bias=False)        # v
        self.cell = nn.GRUCell(emb + 2 * hidden, hidden)
        self.generator = nn.Linear(hidden + 2 * hidden + emb, tgt_vocab_size)

    def _ids(self, a):
        return np.asarray(a._data if isinstance(a, Tensor) else a, dtype=np.int64)

    def _lengths(self, src):
        return np.maximum((src != self.pad_id).sum(axis=1), 1)

    def encode(self, src):
        """src (N, S) ids -> memory (N, S, 2 * hidden): both directions' states at each
        position (zeros at padding)."""
        src = self._ids(src)
        x = self.src_embed(_make(src))
        packed = pack_padded_sequence(x, self._lengths(src), batch_first=True,
                                      enforce_sorted=False)
        out, _ = self.encoder(packed)
        memory, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        return memory

    def _summary(self, memory, src):
        """The fixed-size view of the source: forward state at the last word, backward
        state at the first."""
        N, H = memory.shape[0], self.hidden
        last = self._lengths(src) - 1
        fwd = memory[np.arange(N), last, :H]
        bwd = memory[:, 0, H:]
        return _S.cat([fwd, bwd], -1)

    def decode(self, tgt_in, memory, src, return_attention=False):
        """Logits (N, T, V) for every prefix of tgt_in (N, T) (teacher forcing); with
        return_attention also the attention weights (N, T, S) (None without attention)."""
        src, tgt_in = self._ids(src), self._ids(tgt_in)
        N, T = tgt_in.shape
        summary = self._summary(memory, src)
        state = self.init_state(summary).tanh()
        if self.attention:
            keys = self.attn_key(memory)                                  # (N, S, H)
            blocked = _make(np.where(src == self.pad_id, -np.inf, 0.0)
                            .astype(memory._data.dtype))
        emb = self.tgt_embed(_make(tgt_in))
        logits, maps = [], []
        for t in range(T):
            y = emb[:, t]
            if self.attention:
                scores = self.attn_score((keys + self.attn_query(state).unsqueeze(1)).tanh())
                alpha = softmax(scores.squeeze(-1) + blocked, -1)          # (N, S)
                context = (alpha.unsqueeze(1) @ memory).squeeze(1)         # (N, 2H)
                maps.append(alpha)
            else:
                context = summary
            state = self.cell(_S.cat([y, context], -1), state)
            logits.append(self.generator(_S.cat([state, context, y], -1)))
        out = _S.stack(logits, 1)
        if return_attention:
            return out, (_S.stack(maps, 1) if maps else None)
        return out

    def forward(self, src, tgt_in):
        return self.decode(tgt_in, self.encode(src), src)

    def attention_map(self, src, out_ids, bos_id=1):
        """(len(out_ids) + 1, S): the attention weights while writing each output word and
        <eos> (rows), over the source words (columns). Without attention, a saliency map
        instead: |d log p(word) / d source embedding|, normalised per row - what the
        fixed-vector model's output depends on."""
        from ..autograd.engine import grad
        from ..autograd.grad_mode import enable_grad, no_grad
        src = np.asarray(src, dtype=np.int64).reshape(1, -1)
        tgt_in = np.concatenate([[bos_id], np.asarray(out_ids, np.int64)]).reshape(1, -1)
        if self.attention:
            with no_grad():
                _, maps = self.decode(tgt_in, self.encode(src), src, return_attention=True)
            return maps._data[0]
        rows = []
        eos = 2
        targets = list(np.asarray(out_ids, np.int64)) + [eos]
        with enable_grad():
            for t, tok in enumerate(targets):
                x = self.src_embed(_make(src)).detach().requires_grad_(True)
                packed = pack_padded_sequence(x, self._lengths(src), batch_first=True)
                out, _ = self.encoder(packed)
                memory, _ = pad_packed_sequence(out, batch_first=True,
                                                total_length=src.shape[1])
                logp = log_softmax(self.decode(tgt_in[:, :t + 1], memory, src)[0, t], -1)
                (gx,) = grad(logp[int(tok)], [x])
                g = np.linalg.norm(gx._data[0], axis=-1)
                rows.append(g / max(float(g.sum()), 1e-12))
        return np.stack(rows)


def build_rnn_translator(kind, tokenizer, config=None, min_len=0, log=print):
    """(Seq2SeqGRU for `kind`, parameter count), sized by DEFAULT_RNN_CONFIG and `config`.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.rnn_model import build_rnn_translator
    >>> model, n = build_rnn_translator("gru-attention", tok, config=dict(emb=8, hidden=16),
    ...                                 log=lambda m: None)
    >>> type(model).__name__, n
    ('Seq2SeqGRU', 8944)
    """
    if kind not in KINDS:
        raise ValueError(f"unknown translator model {kind!r}; expected 'transformer' or one "
                         f"of {list(KINDS)}")
    cfg = dict(DEFAULT_RNN_CONFIG)
    cfg.update({k: v for k, v in (config or {}).items() if k in DEFAULT_RNN_CONFIG})
    cfg["max_len"] = max(cfg["max_len"], min_len)
    model = Seq2SeqGRU(len(tokenizer.src), len(tokenizer.tgt), attention=kind == "gru-attention",
                       **cfg)
    n_params = sum(p.numel() for p in model.parameters())
    log(f"model: {n_params} parameters, GRU encoder-decoder ({kind}), embedding "
        f"{cfg['emb']}, hidden {cfg['hidden']} (bidirectional encoder)")
    return model, n_params
