"""A transformer encoder written from scratch, as in tutorials: sinusoidal positional
encodings kept with register_buffer, nn.MultiheadAttention(batch_first=True) with a key
padding mask, pre-LayerNorm blocks in nn.ModuleList, a causal mask from
nn.Transformer.generate_square_subsequent_mask for a decoder-only variant, AdamW with warmup
via LambdaLR, label smoothing. Task: reverse a digit sequence."""
import argparse
import json
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument('--steps', type=int, default=300)
parser.add_argument('--dropout', type=float, default=0.1)
args = parser.parse_args()
torch.manual_seed(0)
PAD, VOCAB, LEN = 0, 12, 8


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=64):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x):
        x = x + self.pe[:, :x.size(1)]
        return self.dropout(x)


class Block(nn.Module):
    def __init__(self, d_model, nhead, dropout):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = nn.MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=True)
        self.ln2 = nn.LayerNorm(d_model)
        self.ff = nn.Sequential(nn.Linear(d_model, 4 * d_model), nn.GELU(), nn.Linear(4 * d_model, d_model),
                                nn.Dropout(dropout))

    def forward(self, x, attn_mask=None, key_padding_mask=None):
        h = self.ln1(x)
        a, w = self.attn(h, h, h, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=True)
        x = x + a
        x = x + self.ff(self.ln2(x))
        return x, w


class Reverser(nn.Module):
    def __init__(self, d_model=32, nhead=4, layers=2, dropout=0.1):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.pos = PositionalEncoding(d_model, dropout)
        self.blocks = nn.ModuleList([Block(d_model, nhead, dropout) for _ in range(layers)])
        self.norm = nn.LayerNorm(d_model)
        self.out = nn.Linear(d_model, VOCAB)

    def forward(self, src, causal=False):
        x = self.pos(self.embed(src) * math.sqrt(self.d_model))
        mask = nn.Transformer.generate_square_subsequent_mask(src.size(1)) if causal else None
        weights = []
        for block in self.blocks:
            x, w = block(x, attn_mask=mask, key_padding_mask=(src == PAD))
            weights.append(w)
        return self.out(self.norm(x)), weights


def batch(n, rng):
    lengths = rng.integers(4, LEN + 1, n)
    src = np.zeros((n, LEN), np.int64)
    tgt = np.zeros((n, LEN), np.int64)
    for i, l in enumerate(lengths):
        digits = rng.integers(2, VOCAB, l)
        src[i, :l], tgt[i, :l] = digits, digits[::-1]
    return torch.from_numpy(src), torch.from_numpy(tgt)


model = Reverser(dropout=args.dropout)
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, p in model.named_parameters():
        if name.endswith('bias'):
            p.zero_()
        elif 'ln' in name or 'norm' in name:
            p.fill_(1.0)
        else:
            p.copy_(torch.from_numpy(rng.normal(0, 0.1, tuple(p.shape)).astype(np.float32)))
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
buffers = sorted(k for k in model.state_dict() if 'pe' in k.split('.'))
print(f'{n_params} parameters; buffers {buffers}')
decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
optimizer = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.01},
                               {'params': no_decay, 'weight_decay': 0.0}], lr=3e-3)
warmup = 30
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.05)

losses = []
for step in range(args.steps):
    model.train()
    src, tgt = batch(32, rng)
    logits, _ = model(src)
    loss = criterion(logits.reshape(-1, VOCAB), tgt.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    losses.append(loss.item())
    if step % 50 == 0:
        print(f'step {step:4d} loss {loss.item():.4f} lr {scheduler.get_last_lr()[0]:.2e}')

model.eval()
src, tgt = batch(200, np.random.default_rng(1))
with torch.no_grad():
    logits, weights = model(src)
    pred = logits.argmax(-1).masked_fill(src == PAD, PAD)
    exact = (pred == tgt).all(dim=1).float().mean().item()
    causal_logits, _ = model(src, causal=True)
assert weights[0].shape == (200, LEN, LEN)
# weights of padded keys are zero; every query's weights sum to one
assert weights[0].masked_select((src == PAD).unsqueeze(1).expand(-1, LEN, -1)).abs().max() < 1e-6
torch.testing.assert_close(weights[-1].sum(-1), torch.ones(200, LEN))
print(f'exact match on held-out sequences: {exact:.3f}')
print(json.dumps({"losses": losses, "exact": exact, "n_params": n_params, "buffers": buffers,
                  "causal0": causal_logits[0, 0].tolist()}))
