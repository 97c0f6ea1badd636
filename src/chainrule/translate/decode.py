"""Greedy and beam-search decoding, and the decoder's cross-attention map."""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor

_make = Tensor._make


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    s = x - m
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))


def greedy_decode(model, src, max_len=None, bos_id=1, eos_id=2, pad_id=0):
    """Most likely next token at each step, for a batch: src (N, S) ids -> (N, T) ids
    (without <bos>; <eos> then <pad> after it).

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> from chainrule.translate.decode import greedy_decode
    >>> ids = greedy_decode(model, tok.src.batch(["forty two", "seven"]), max_len=4)
    >>> ids.shape                        # untrained: the words are random
    (2, 4)
    """
    src = np.asarray(src._data if isinstance(src, Tensor) else src, dtype=np.int64)
    N = src.shape[0]
    max_len = max_len or model.config["max_len"] - 1
    with no_grad():
        memory = model.encode(src)
        ys = np.full((N, 1), bos_id, dtype=np.int64)
        done = np.zeros(N, dtype=bool)
        for _ in range(max_len):
            logits = model.decode(ys, memory, src)._data[:, -1]
            nxt = logits.argmax(-1)
            nxt[done] = pad_id
            ys = np.concatenate([ys, nxt[:, None]], axis=1)
            done |= nxt == eos_id
            if done.all():
                break
    return ys[:, 1:]


def beam_search(model, src, beam_size=4, max_len=None, length_penalty=0.6, bos_id=1,
                eos_id=2):
    """Beam search for one source sentence: src (S,) or (1, S) ids -> (best ids, score).

    Keeps the beam_size most probable prefixes; a finished hypothesis is scored by its
    log-probability divided by the GNMT length penalty ((5 + len) / 6) ** alpha.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> from chainrule.translate.decode import beam_search
    >>> ids, score = beam_search(model, tok.src.encode("forty two"), beam_size=3, max_len=4)
    >>> len(ids) <= 5, score < 0          # a log-probability, length-normalised
    (True, True)
    """
    src = np.asarray(src._data if isinstance(src, Tensor) else src, dtype=np.int64).reshape(1, -1)
    max_len = max_len or model.config["max_len"] - 1
    with no_grad():
        memory = model.encode(src)._data
        beams = np.full((1, 1), bos_id, dtype=np.int64)
        scores = np.zeros(1)
        finished = []

        def norm(score, length):
            return score / (((5.0 + length) / 6.0) ** length_penalty)

        for step in range(max_len):
            B = beams.shape[0]
            mem = _make(np.repeat(memory, B, axis=0))
            logp = _log_softmax(model.decode(beams, mem, np.repeat(src, B, axis=0))
                                ._data[:, -1].astype(np.float64))
            cand = (scores[:, None] + logp).ravel()
            V = logp.shape[1]
            order = np.argsort(-cand)[:2 * beam_size]
            new_beams, new_scores = [], []
            for idx in order:
                b, tok = divmod(int(idx), V)
                if tok == eos_id:
                    finished.append((norm(cand[idx], step + 1), beams[b, 1:].copy()))
                else:
                    new_beams.append(np.append(beams[b], tok))
                    new_scores.append(cand[idx])
                if len(new_beams) == beam_size:
                    break
            # Stop when no live beam can beat the best finished one any more.
            best_done = max((s for s, _ in finished), default=-np.inf)
            if not new_beams or (len(finished) >= beam_size and
                                 norm(max(new_scores), max_len) < best_done):
                break
            beams, scores = np.stack(new_beams), np.array(new_scores)
        if not finished:  # ran out of length: take the best live beam
            finished = [(norm(s, beams.shape[1] - 1), b[1:]) for s, b in zip(scores, beams)]
    score, ids = max(finished, key=lambda t: t[0])
    return ids, float(score)


def cross_attention(model, src, out_ids, bos_id=1, layer=-1):
    """The cross-attention weights of one decoder layer, averaged over heads, for the
    decoded output (without <eos>): (len(out_ids) + 1, S); the decoder reads <bos> w1..wn,
    so row t shows which source tokens it looked at while writing w(t+1), the last row
    while writing <eos>.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> from chainrule.translate.decode import cross_attention
    >>> attn = cross_attention(model, tok.src.encode("forty two"), [5, 6])
    >>> attn.shape, np.allclose(attn.sum(-1), 1)   # (outputs + 1, source words); rows sum to 1
    ((3, 2), True)
    """
    if hasattr(model, "attention_map"):  # the recurrent translators (rnn_model.py)
        return model.attention_map(src, out_ids, bos_id)
    src = np.asarray(src, dtype=np.int64).reshape(1, -1)
    tgt_in = np.concatenate([[bos_id], np.asarray(out_ids, dtype=np.int64)]).reshape(1, -1)
    maps = {}
    mha = model.transformer.decoder.layers[layer].multihead_attn

    def ask_weights(module, args, kwargs):  # the layer asks need_weights=False; override
        kwargs["need_weights"] = True
        return args, kwargs

    def keep(module, args, output):
        maps["w"] = output[1]

    h1 = mha.register_forward_pre_hook(ask_weights, with_kwargs=True)
    h2 = mha.register_forward_hook(keep)
    try:
        with no_grad():
            model.decode(tgt_in, model.encode(src), src)
    finally:
        h1.remove()
        h2.remove()
    return maps["w"]._data[0]
