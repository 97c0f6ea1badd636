"""The 'Automatic Mixed Precision' recipe's training loop, as scripts write it to run on
either a GPU or a CPU: autocast(enabled=use_amp), GradScaler with scale / unscale_ (for
clipping) / step / update, set_to_none zero_grad, a checkpoint holding the scaler's state
and resumed; nanoGPT's `nullcontext() if device_type == 'cpu' else autocast(...)`; an
attention mask filled with torch.finfo(dtype).min."""
import json
import os
import tempfile
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

device = "cuda" if torch.cuda.is_available() else "cpu"
device_type = 'cuda' if 'cuda' in device else 'cpu'
use_amp = device_type == "cuda"
torch.manual_seed(0)
torch.set_float32_matmul_precision('high') if hasattr(torch, 'set_float32_matmul_precision') else None
ctx = nullcontext() if device_type == 'cpu' else torch.amp.autocast(device_type=device_type, dtype=torch.float16)


class MaskedAttentionPool(nn.Module):
    """Score each position, mask the padding with finfo.min, pool, classify."""

    def __init__(self, d_in=8, d=32, n_cls=3):
        super().__init__()
        self.proj = nn.Linear(d_in, d)
        self.score = nn.Linear(d, 1)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(d, n_cls))

    def forward(self, x, pad_mask):
        h = torch.tanh(self.proj(x))
        scores = self.score(h).squeeze(-1)
        scores = scores.masked_fill(pad_mask, torch.finfo(scores.dtype).min)
        w = F.softmax(scores, dim=-1)
        return self.head((w.unsqueeze(-1) * h).sum(1))


rng = np.random.default_rng(0)
n, T = 256, 10
lengths = rng.integers(3, T + 1, n)
x = rng.standard_normal((n, T, 8)).astype(np.float32)
pad = np.arange(T)[None, :] >= lengths[:, None]
x[pad] = 1e4  # garbage in the padding: the mask must hide it
valid_mean = np.where(pad[..., None], 0, x[..., :3]).sum(1) / lengths[:, None]
labels = valid_mean.argmax(1).astype(np.int64)
x, pad, labels = torch.from_numpy(x), torch.from_numpy(pad), torch.from_numpy(labels)

model = MaskedAttentionPool().to(device)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.3, tuple(p.shape)).astype(np.float32)))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
# a huge initial scale overflows the first steps: the scaler must skip them and back off
scaler = torch.amp.GradScaler(device_type, init_scale=2.0 ** 127, growth_interval=20)


def train_steps(n_steps, start):
    losses, scales, skipped = [], [], 0
    for step in range(start, start + n_steps):
        idx = torch.arange(step * 32, step * 32 + 32) % n
        with torch.autocast(device_type=device_type, dtype=torch.float16, enabled=use_amp):
            output = model(x[idx], pad[idx])
            loss = F.cross_entropy(output, labels[idx], reduction='sum')
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        grads_finite = all(torch.isfinite(p.grad).all() for p in model.parameters())
        torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        before = scaler.get_scale()
        scaler.step(opt)
        scaler.update()
        skipped += not grads_finite
        assert grads_finite == (scaler.get_scale() >= before)
        opt.zero_grad(set_to_none=True)
        losses.append(loss.item() / 32)
        scales.append(scaler.get_scale())
    return losses, scales, skipped


losses, scales, skipped = train_steps(60, 0)
print(f"skipped {skipped} overflowing steps; scale now {scales[-1]:g}; loss {losses[0]:.3f} -> {losses[-1]:.3f}")
assert skipped > 0 and scales[-1] < 2.0 ** 127

path = os.path.join(tempfile.mkdtemp(), "ckpt.pt")
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scaler": scaler.state_dict(),
            "iter_num": 60}, path)
more_losses, more_scales, _ = train_steps(10, 60)
checkpoint = torch.load(path, map_location=device)
model.load_state_dict(checkpoint["model"])
opt.load_state_dict(checkpoint["optimizer"])
scaler.load_state_dict(checkpoint["scaler"])
resumed_losses, resumed_scales, _ = train_steps(10, checkpoint["iter_num"])
assert resumed_losses == more_losses and resumed_scales == more_scales  # resuming is exact

model.eval()
with torch.no_grad(), ctx:
    acc = (model(x, pad).argmax(1) == labels).float().mean().item()
print(f"accuracy {acc:.3f}")
assert acc > 0.8
print(json.dumps({"losses": losses + more_losses, "scales": scales + more_scales, "skipped": skipped,
                  "acc": acc, "scaler_state": checkpoint["scaler"]}))
