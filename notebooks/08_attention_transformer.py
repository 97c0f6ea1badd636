# %% [markdown]
# # 8. Attention and the transformer
#
# Machine translation was where sequence models met the lecture's history: recurrent
# encoder–decoders (2014), attention (2015), and the transformer (2017), which keeps only
# attention. Scaled dot-product attention mixes the values $V$ with weights
# $\mathrm{softmax}(QK^\top/\sqrt{d})$: each query looks at every key.

# %%
import math

import numpy as np
import chainrule as torch
from chainrule import nn

torch.manual_seed(0)
q, k, v = torch.randn(1, 3, 4), torch.randn(1, 5, 4), torch.randn(1, 5, 4)
weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(4), dim=-1)
by_hand = weights @ v
fused = nn.functional.scaled_dot_product_attention(q, k, v)
print(weights.sum(-1))            # every row of weights sums to 1
np.testing.assert_allclose(by_hand.numpy(), fused.numpy(), rtol=1e-5, atol=1e-6)

# %% [markdown]
# ## A small transformer learns to reverse sequences
#
# The task: read 6 digits, write them backwards. An encoder–decoder `nn.Transformer`
# with teacher forcing and a causal mask on the decoder.

# %%
V, T, BOS = 10, 6, 10        # digits 0-9, sequence length, begin-of-sequence token


class Reverser(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.src_emb = nn.Embedding(V, d)
        self.tgt_emb = nn.Embedding(V + 1, d)
        self.pos = nn.Parameter(torch.randn(T, d) * 0.1)
        self.core = nn.Transformer(d, nhead=4, num_encoder_layers=1, num_decoder_layers=1,
                                   dim_feedforward=64, dropout=0.0, batch_first=True)
        self.out = nn.Linear(d, V)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(T))

    def forward(self, src, tgt_in):
        s = self.src_emb(src) + self.pos
        t = self.tgt_emb(tgt_in) + self.pos
        return self.out(self.core(s, t, tgt_mask=self.causal))


rng = np.random.default_rng(0)


def batch(n):
    src = rng.integers(0, V, (n, T))
    tgt = src[:, ::-1].copy()
    tgt_in = np.concatenate([np.full((n, 1), BOS), tgt[:, :-1]], axis=1)
    return torch.tensor(src), torch.tensor(tgt_in), torch.tensor(tgt)


model = Reverser()
opt = torch.optim.Adam(model.parameters(), lr=3e-3)
for step in range(300):
    src, tgt_in, tgt = batch(64)
    loss = nn.functional.cross_entropy(model(src, tgt_in).reshape(-1, V), tgt.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"final training loss {loss.item():.3f}")

# %% [markdown]
# Greedy decoding, one token at a time, on new sequences:

# %%
def reverse(src):
    out = torch.full((src.shape[0], 1), BOS, dtype=torch.int64)
    with torch.no_grad():
        for i in range(T):
            pad = torch.full((src.shape[0], T - out.shape[1]), BOS, dtype=torch.int64)
            logits = model(src, torch.cat([out, pad], dim=1))
            out = torch.cat([out, logits[:, i].argmax(-1, keepdim=True)], dim=1)
    return out[:, 1:]


src, _, tgt = batch(200)
pred = reverse(src)
exact = (pred == tgt).all(dim=1).to(torch.float32).mean().item()
print("input ", src[0].tolist(), "\noutput", pred[0].tolist())
print(f"exact match on 200 new sequences: {exact:.1%}")
assert exact > 0.5

# %% [markdown]
# The full translator (English number words to Russian) is `chainrule demo translate`;
# `chainrule translate "forty two"` then uses it.
#
# ## Exercises
#
# 1. Remove the positional parameters `self.pos`: can the model still reverse? Why not?
# 2. Plot the decoder's cross-attention weights for one sequence (they form an
#    anti-diagonal).
# 3. Replace the transformer by `nn.GRU` encoder and decoder (the 2014 seq2seq model).
