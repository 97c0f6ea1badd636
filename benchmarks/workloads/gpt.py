"""A GPT-style decoder training step (issue 17's target: chainrule <= 1.00x PyTorch; it was 1.3x).

Two pre-LN blocks (causal multi-head self-attention, 4 heads; GELU MLP 4x), d_model 128,
sequence 64, batch 32, vocabulary 65 (tiny-Shakespeare's character count); learned token
and position embeddings, a final LayerNorm, a Linear head; cross-entropy, AdamW. Built
from nn.TransformerEncoderLayer with a causal mask (a decoder-only stack has no cross-
attention: that is an encoder layer under a causal mask). chainrule and PyTorch run the
very same code from the same initial weights on the same batches.
"""
import importlib

import numpy as np

from ..common import tic, toc
from . import Workload

VOCAB, D_MODEL, HEADS, LAYERS, SEQ, BATCH = 65, 128, 4, 2, 64, 32
STEPS = 10
SMOKE_STEPS = 1


def build_gpt(T, seed=0):
    """The model in library T (chainrule or torch), weights drawn with one NumPy seed:
    N(0, 0.02) for matrices, ones / zeros for LayerNorm gains / biases."""
    nn = T.nn

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, D_MODEL)
            self.pos = nn.Embedding(SEQ, D_MODEL)
            layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, 4 * D_MODEL, dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False)
            self.ln_f = nn.LayerNorm(D_MODEL)
            self.head = nn.Linear(D_MODEL, VOCAB)
            self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(SEQ),
                                 persistent=False)
            self.register_buffer("positions", T.arange(SEQ), persistent=False)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(self.positions[:t])
            x = self.blocks(x, mask=self.mask[:t, :t], is_causal=True)
            return self.head(self.ln_f(x))

    return init_weights(T, GPT(), seed, is_norm=lambda name: "norm" in name)


def init_weights(T, model, seed, is_norm):
    """The same weights in either library, drawn with one NumPy seed in sorted name order:
    N(0, 0.02) for matrices, ones / zeros for LayerNorm gains / biases (is_norm(name)),
    zeros for the other biases."""
    rng = np.random.default_rng(seed)
    with T.no_grad():
        for name, p in sorted(model.named_parameters()):
            shape = tuple(p.shape)
            if len(shape) > 1:
                a = rng.normal(0.0, 0.02, shape)
            elif is_norm(name) or name.startswith("ln_f"):
                a = np.ones(shape) if name.endswith("weight") else np.zeros(shape)
            else:
                a = np.zeros(shape)
            p.copy_(T.from_numpy(a.astype(np.float32)))
    return model


def batches(n, seed=1):
    """n fixed (input, target) batches of random tokens: targets are inputs shifted by
    one, as in next-character prediction."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        seq = rng.integers(0, VOCAB, (BATCH, SEQ + 1)).astype(np.int64)
        out.append((np.ascontiguousarray(seq[:, :-1]), np.ascontiguousarray(seq[:, 1:])))
    return out


def _factory(lib):
    def factory(smoke):
        steps = SMOKE_STEPS if smoke else STEPS
        T = importlib.import_module(lib)
        model = build_gpt(T)
        optimizer = T.optim.AdamW(model.parameters(), lr=3e-4)
        loss_fn = T.nn.CrossEntropyLoss()
        data = [(T.from_numpy(x), T.from_numpy(y)) for x, y in batches(steps)]

        def run():
            t0 = tic()
            for xb, yb in data:
                optimizer.zero_grad()
                logits = model(xb)
                loss = loss_fn(logits.reshape(-1, VOCAB), yb.reshape(-1))
                loss.backward()
                optimizer.step()
            return toc(t0) * 1e3 / len(data), {"loss": float(loss)}
        return run
    return factory


def workloads():
    return [
        Workload("gpt_train", f"GPT-style decoder training step ({LAYERS} layers, d_model "
                 f"{D_MODEL}, {HEADS} heads, seq {SEQ}, batch {BATCH}, vocab {VOCAB}), AdamW",
                 "ms", {lib: _factory(lib) for lib in ("chainrule", "torch")},
                 targets={"torch": 1.0}, repeats=5, warmup=1, order=30),
    ]
