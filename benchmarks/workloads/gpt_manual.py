"""GPT training step written by hand, the way nanoGPT's manual path, tutorials and
courses write it (same sizes as gpt.py's fused workload; issue: chainrule <= 1.00x PyTorch).

Two pre-LN blocks, d_model 128, 4 heads, sequence 64, batch 32, vocabulary 65. Attention
is composed from the general ops: separate q / k / v Linears, `q @ k.transpose(-2, -1) *
scale`, `masked_fill` with a causal `tril` mask, `F.softmax`, `att @ v`, an output
projection; the MLP is Linear -> `F.gelu` -> Linear; `LayerNorm`, token and position
`Embedding`s, a final LayerNorm and a Linear head; cross-entropy, AdamW. chainrule and
PyTorch run the very same code from the same initial weights on the same batches.
"""
import importlib
import math

from ..common import tic, toc
from . import Workload
from .gpt import BATCH, D_MODEL, HEADS, LAYERS, SEQ, VOCAB, batches, init_weights

STEPS = 10
SMOKE_STEPS = 1


def build_gpt_manual(T, seed=0):
    """The hand-written model in library T (chainrule or torch), weights drawn with one
    NumPy seed: N(0, 0.02) for matrices, ones / zeros for LayerNorm gains / biases."""
    nn = T.nn
    F = T.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.q = nn.Linear(D_MODEL, D_MODEL)
            self.k = nn.Linear(D_MODEL, D_MODEL)
            self.v = nn.Linear(D_MODEL, D_MODEL)
            self.proj = nn.Linear(D_MODEL, D_MODEL)
            self.register_buffer("bias", T.tril(T.ones(SEQ, SEQ)).view(1, 1, SEQ, SEQ),
                                 persistent=False)

        def forward(self, x):
            B, L, C = x.size()
            hs = C // HEADS
            q = self.q(x).view(B, L, HEADS, hs).transpose(1, 2)
            k = self.k(x).view(B, L, HEADS, hs).transpose(1, 2)
            v = self.v(x).view(B, L, HEADS, hs).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))
            att = att.masked_fill(self.bias[:, :, :L, :L] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
            y = y.transpose(1, 2).contiguous().view(B, L, C)
            return self.proj(y)

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(D_MODEL, 4 * D_MODEL)
            self.proj = nn.Linear(4 * D_MODEL, D_MODEL)

        def forward(self, x):
            return self.proj(F.gelu(self.fc(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(D_MODEL)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(D_MODEL)
            self.mlp = MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(VOCAB, D_MODEL)
            self.pos = nn.Embedding(SEQ, D_MODEL)
            self.blocks = nn.ModuleList([Block() for _ in range(LAYERS)])
            self.ln_f = nn.LayerNorm(D_MODEL)
            self.head = nn.Linear(D_MODEL, VOCAB)
            self.register_buffer("positions", T.arange(SEQ), persistent=False)

        def forward(self, idx):
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(self.positions[:t])
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    return init_weights(T, GPT(), seed, is_norm=lambda name: ".ln_" in name)


def _factory(lib):
    def factory(smoke):
        steps = SMOKE_STEPS if smoke else STEPS
        T = importlib.import_module(lib)
        model = build_gpt_manual(T)
        optimizer = T.optim.AdamW(model.parameters(), lr=3e-4)
        data = [(T.from_numpy(x), T.from_numpy(y)) for x, y in batches(steps)]
        F = T.nn.functional

        def run():
            t0 = tic()
            for xb, yb in data:
                optimizer.zero_grad()
                logits = model(xb)
                loss = F.cross_entropy(logits.view(-1, VOCAB), yb.view(-1))
                loss.backward()
                optimizer.step()
            return toc(t0) * 1e3 / len(data), {"loss": loss.item()}
        return run
    return factory


def workloads():
    return [
        Workload("gpt_manual_train", f"GPT decoder written by hand (q/k/v Linears, masked_fill, "
                 f"softmax, GELU; {LAYERS} layers, d_model {D_MODEL}, {HEADS} heads, seq {SEQ}, "
                 f"batch {BATCH}, vocab {VOCAB}), AdamW training step",
                 "ms", {lib: _factory(lib) for lib in ("chainrule", "torch")},
                 targets={"torch": 1.0}, repeats=5, warmup=1, order=31),
    ]
