"""The encoder-decoder transformer for number translation, and its save / load."""
import json
import math
import os

import numpy as np

from .. import nn
from ..tensor import Tensor
from .tokenizer import Tokenizer

_make = Tensor._make

DEFAULT_CONFIG = dict(d_model=64, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                      dim_feedforward=128, dropout=0.0, max_len=32, norm_first=True)


class Translator(nn.Module):
    """Token embeddings (scaled by sqrt(d_model)) + sinusoidal positions -> nn.Transformer
    (batch-first) -> a Linear over the target vocabulary ("Linear + Softmax = class
    probabilities: the last layers of a transformer").

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> src = torch.tensor(tok.src.batch(["forty two"]))
    >>> tgt_in = torch.tensor(tok.tgt.batch(["сорок два"], bos=True))
    >>> model(src, tgt_in).shape          # (N, T, target vocabulary): next-word logits
    chainrule.Size([1, 3, 32])
    """

    def __init__(self, src_vocab_size, tgt_vocab_size, d_model=64, nhead=4,
                 num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=128, dropout=0.0,
                 max_len=32, norm_first=True, pad_id=0):
        super().__init__()
        self.config = dict(src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size,
                           d_model=d_model, nhead=nhead, num_encoder_layers=num_encoder_layers,
                           num_decoder_layers=num_decoder_layers,
                           dim_feedforward=dim_feedforward, dropout=dropout, max_len=max_len,
                           norm_first=norm_first, pad_id=pad_id)
        self.pad_id = pad_id
        self.d_model = d_model
        self.src_embed = nn.Embedding(src_vocab_size, d_model, padding_idx=pad_id)
        self.tgt_embed = nn.Embedding(tgt_vocab_size, d_model, padding_idx=pad_id)
        self.pos = nn.SinusoidalPositionalEncoding(d_model, max_len=max_len, dropout=dropout)
        self.transformer = nn.Transformer(d_model, nhead, num_encoder_layers,
                                          num_decoder_layers, dim_feedforward, dropout,
                                          batch_first=True, norm_first=norm_first)
        self.generator = nn.Linear(d_model, tgt_vocab_size)
        self._scale = math.sqrt(d_model)

    def _src_pad(self, src):
        return src._data == self.pad_id if isinstance(src, Tensor) else src == self.pad_id

    def encode(self, src):
        """src (N, S) int64 ids -> memory (N, S, d_model)."""
        src = src if isinstance(src, Tensor) else _make(np.asarray(src, dtype=np.int64))
        x = self.pos(self.src_embed(src) * self._scale)
        return self.transformer.encoder(x, src_key_padding_mask=self._src_pad(src))

    def decode(self, tgt_in, memory, src):
        """Logits (N, T, V) for every prefix of tgt_in (N, T) (teacher forcing / decoding)."""
        tgt_in = tgt_in if isinstance(tgt_in, Tensor) else _make(np.asarray(tgt_in, np.int64))
        T = tgt_in.shape[1]
        y = self.pos(self.tgt_embed(tgt_in) * self._scale)
        mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=y.dtype)
        h = self.transformer.decoder(y, memory, tgt_mask=mask, tgt_is_causal=True,
                                     memory_key_padding_mask=self._src_pad(src))
        return self.generator(h)

    def forward(self, src, tgt_in):
        return self.decode(tgt_in, self.encode(src), src)


def save_translator(model, tokenizer, directory):
    """model.safetensors + config.json + vocab.json in `directory`.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> import os, tempfile
    >>> from chainrule.translate.model import save_translator
    >>> d = tempfile.mkdtemp()
    >>> save_translator(model, tok, d)
    >>> sorted(os.listdir(d))
    ['config.json', 'model.safetensors', 'vocab.json']
    """
    os.makedirs(directory, exist_ok=True)
    _save_state(model.state_dict(), os.path.join(directory, "model.safetensors"))
    with open(os.path.join(directory, "config.json"), "w") as f:
        json.dump(model.config, f, indent=1)
    tokenizer.save(os.path.join(directory, "vocab.json"))


def load_translator(directory):
    """(model in eval mode, tokenizer) saved by save_translator.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> import tempfile
    >>> from chainrule.translate.model import load_translator, save_translator
    >>> d = tempfile.mkdtemp(); save_translator(model, tok, d)
    >>> model2, tok2 = load_translator(d)
    >>> model2.training, all(torch.equal(a, b) for a, b in zip(model2.parameters(),
    ...                                                       model.parameters()))
    (False, True)
    """
    cfg_path = os.path.join(directory, "config.json")
    if not os.path.exists(cfg_path):
        raise FileNotFoundError(f"no trained translator in {directory} (missing config.json); "
                                "train one with `chainrule demo translate`")
    with open(cfg_path) as f:
        cfg = json.load(f)
    tokenizer = Tokenizer.load(os.path.join(directory, "vocab.json"))
    if cfg.get("kind", "transformer") != "transformer":
        from .rnn_model import Seq2SeqGRU
        model = Seq2SeqGRU(**cfg)
    else:
        model = Translator(**cfg)
    model.load_state_dict(_load_state(os.path.join(directory, "model.safetensors")))
    model.eval()
    return model, tokenizer


def _save_state(state, path):
    try:
        from .. import save
        save(state, path)
        return
    except ImportError:
        pass
    from safetensors.numpy import save_file
    save_file({k: np.ascontiguousarray(v._data) for k, v in state.items()}, path)


def _load_state(path):
    try:
        from .. import load
        return load(path)
    except ImportError:
        pass
    from safetensors.numpy import load_file
    return {k: _make(v) for k, v in load_file(path).items()}
