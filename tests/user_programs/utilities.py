"""The small idioms that fill real training scripts: seeding and cudnn flags, a Dataset
returning dicts (default_collate of dicts), random_split, DataLoader(pin_memory, drop_last),
tqdm over a loader, weight-decay parameter groups from named_parameters, OneCycleLR,
gradient accumulation, clip_grad_value_, param_groups[0]['lr'], eval/train, inference_mode,
no_grad as a decorator, counting parameters, print(model), and the tensor one-liners."""
import argparse
import json
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader, Subset, random_split
from torch.utils.data.dataloader import default_collate

from tqdm import tqdm


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


parser = argparse.ArgumentParser()
parser.add_argument("--dropout", type=float, default=0.1)
args = parser.parse_args()
seed_everything(0)
device = 'cuda' if torch.cuda.is_available() else 'cpu'
out = {}


class Regression(Dataset):
    def __init__(self, n=200):
        rng = np.random.default_rng(0)
        self.x = rng.standard_normal((n, 6)).astype(np.float32)
        self.y = (self.x @ rng.standard_normal(6) + 0.1 * rng.standard_normal(n)).astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return {"features": torch.from_numpy(self.x[idx]), "target": torch.tensor(self.y[idx]),
                "meta": {"idx": idx, "name": f"row{idx}"}}


full = Regression()
train_set, val_set = random_split(full, [160, 40], generator=torch.Generator().manual_seed(42))
assert len(train_set) == 160 and len(val_set) == 40
assert sorted(train_set.indices + val_set.indices) == list(range(200))
fractions = random_split(range(10), [0.7, 0.3])
assert [len(s) for s in fractions] == [7, 3]
# torch's and chainrule's generators draw different permutations: split by NumPy from here on,
# so that runs on both can be compared
perm = np.random.default_rng(42).permutation(len(full))
train_set, val_set = Subset(full, perm[:160].tolist()), Subset(full, perm[160:].tolist())
train_loader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=0, pin_memory=True, drop_last=True)
batch = next(iter(train_loader))
assert set(batch) == {"features", "target", "meta"} and batch["features"].shape == (32, 6)
assert batch["meta"]["idx"].dtype == torch.int64 and len(batch["meta"]["name"]) == 32
assert len(train_loader) == 5
collated = default_collate([{"a": torch.ones(2), "b": (1, 2.0)}, {"a": torch.zeros(2), "b": (3, 4.0)}])
out["collated"] = [collated["a"].tolist(), collated["b"][0].tolist(), collated["b"][1].tolist(),
                   str(collated["b"][1].dtype).split(".")[-1]]


class MLP(nn.Module):
    def __init__(self, d_in=6, hidden=32, dropout=0.1):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, hidden), nn.LayerNorm(hidden), nn.ReLU(inplace=True),
                                 nn.Dropout(dropout), nn.Linear(hidden, hidden // 2), nn.GELU(),
                                 nn.Linear(hidden // 2, 1))
        self.bn = nn.BatchNorm1d(d_in, momentum=0.1)
        self.act = nn.LeakyReLU(negative_slope=0.05)
        self.emb = nn.Embedding(10, 3, padding_idx=0)
        self.conv = nn.Conv1d(2, 4, kernel_size=3, padding=1, bias=False)

    def forward(self, x):
        return self.net(self.bn(x)).squeeze(-1)


model = MLP(dropout=args.dropout).to(device)
out["repr"] = repr(model)
print(model)
rng = np.random.default_rng(1)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.3, tuple(p.shape)).astype(np.float32)))
out["n_trainable"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
out["n_total"] = sum(torch.numel(p) for p in model.parameters())
out["names"] = [n for n, _ in model.named_parameters()]
out["buffers"] = [n for n, _ in model.named_buffers()]
out["state_keys"] = list(model.state_dict().keys())

decay, no_decay = [], []
for name, param in model.named_parameters():
    if not param.requires_grad:
        continue
    if len(param.shape) == 1 or name.endswith(".bias") or "bn" in name:
        no_decay.append(param)
    else:
        decay.append(param)
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-2},
                               {"params": no_decay, "weight_decay": 0.0}], lr=1e-3)
epochs, accum = 10, 2
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=5e-2, epochs=epochs,
                                                steps_per_epoch=len(train_loader) // accum)
train_loader = DataLoader(train_set, batch_size=32, shuffle=False, num_workers=0, pin_memory=True, drop_last=True)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    total, n = 0.0, 0
    for b in loader:
        pred = model(b["features"].to(device, non_blocking=True))
        total += F.mse_loss(pred, b["target"], reduction="sum").item()
        n += len(pred)
    model.train()
    return total / n


val_loader = DataLoader(val_set, batch_size=16)
out["val0"] = evaluate(model, val_loader)
lrs, losses = [], []
model.train()
for epoch in range(epochs):
    optimizer.zero_grad()
    for step, b in enumerate(tqdm(train_loader, desc=f"epoch {epoch}", leave=False)):
        x, y = b["features"].to(device), b["target"].to(device)
        loss = F.mse_loss(model(x), y) / accum
        loss.backward()
        if (step + 1) % accum == 0:
            torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            lrs.append(optimizer.param_groups[0]['lr'])
        losses.append(loss.item() * accum)
out["lrs"], out["losses"] = lrs, losses
out["val"] = evaluate(model, val_loader)
assert np.mean(losses[-5:]) < 0.5 * np.mean(losses[:5]), losses
assert model.training

with torch.inference_mode():
    x = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    pred = model(torch.ones(5, 6))
    assert not pred.requires_grad
out["pred"] = pred.tolist()
out["no_grad_is_enabled"] = torch.is_grad_enabled()

# tensor one-liners
a, b = torch.chunk(x, 2, dim=1)
parts = torch.split(x, [1, 2], dim=0)
w = torch.where(x > 5, x, torch.zeros_like(x))
c = torch.clamp(x, min=2.0, max=9.0)
e = torch.einsum('ij,kj->ik', x, x)
bmm = torch.einsum('bij,bjk->bik', x.unsqueeze(0), x.T.unsqueeze(0))
s = torch.stack([x, x * 2], dim=0)
cat = torch.cat([a, b], dim=1)
out["ops"] = {
    "chunk": [a.shape[1], b.shape[1]], "split": [p.shape[0] for p in parts], "where": w.tolist(),
    "clamp": c.tolist(), "einsum": e.tolist(), "bmm": bmm.squeeze(0).tolist(), "stack": list(s.shape),
    "cat_equal": torch.equal(cat, x), "numel": torch.numel(x), "item": x.sum().item(),
    "max": x.max(dim=1).values.tolist(), "argmax": x.argmax().item(), "mean": x.mean(0).tolist(),
    "std": x.std(dim=0, unbiased=True).tolist(), "topk": torch.topk(x.flatten(), 3).indices.tolist(),
    "softmax": F.softmax(x, dim=-1)[0].tolist(), "onehot": F.one_hot(torch.tensor([0, 2]), 3).tolist(),
    "masked": x[x > 8].tolist(), "nonzero": torch.nonzero(w[0]).flatten().tolist(),
    "unique": torch.unique(torch.tensor([3, 1, 3, 2])).tolist(), "sort": torch.sort(x[0], descending=True)[1].tolist(),
    "cumsum": x.cumsum(dim=1)[-1].tolist(), "norm": x.norm(dim=1).tolist(), "allclose": torch.allclose(x, x + 1e-9),
    "view": list(x.view(-1, 2).shape), "permute": list(x.unsqueeze(0).permute(2, 0, 1).shape),
    "expand": list(x[:, :1].expand(-1, 5).shape), "repeat": list(x.repeat(2, 1).shape),
    "gather": torch.gather(x, 1, torch.tensor([[0], [1], [2]])).flatten().tolist(),
    "index_select": torch.index_select(x, 0, torch.tensor([2, 0])).tolist(),
    "tolist_int": torch.tensor([1, 2]).tolist(), "dtype": str(x.long().dtype).split(".")[-1], "float_item": type(x[0, 0].item()).__name__,
    "int_item": type(torch.tensor(3).item()).__name__, "bool_item": type((x > 0).all().item()).__name__,
}


@torch.no_grad()
def decorated(t):
    return t * 2, torch.is_grad_enabled()


q = torch.ones(2, requires_grad=True)
r, enabled = decorated(q)
assert not r.requires_grad and not enabled and torch.is_grad_enabled()
with torch.enable_grad():
    assert torch.is_grad_enabled()
torch.set_grad_enabled(False)
assert not (q * 2).requires_grad
torch.set_grad_enabled(True)
print(json.dumps(out))
