"""A time-series regressor as in many tutorials: variable-length noisy sine windows, a
collate_fn with pad_sequence, pack_padded_sequence(batch_first=True, enforce_sorted=False)
into an LSTM, the last hidden state into a Linear head, MSELoss, Adam with
ReduceLROnPlateau, early stopping keeping copy.deepcopy(model.state_dict())."""
import argparse
import copy
import json

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import Dataset, DataLoader

parser = argparse.ArgumentParser()
parser.add_argument('--epochs', type=int, default=25)
parser.add_argument('--no-shuffle', action='store_true')
args = parser.parse_args()
torch.manual_seed(0)


class SineWindows(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.items = []
        for _ in range(n):
            length = int(rng.integers(8, 25))
            freq, phase = rng.uniform(0.1, 0.3), rng.uniform(0, 2 * np.pi)
            t = np.arange(length + 1)
            wave = np.sin(freq * t + phase) + rng.normal(0, 0.02, length + 1)
            self.items.append((wave[:-1].astype(np.float32), np.float32(wave[-1])))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        x, y = self.items[i]
        return torch.from_numpy(x).unsqueeze(-1), torch.tensor(y)


def collate(batch):
    xs, ys = zip(*batch)
    lengths = torch.tensor([len(x) for x in xs])
    return pad_sequence(xs, batch_first=True), lengths, torch.stack(ys)


class Forecaster(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.lstm = nn.LSTM(input_size=1, hidden_size=hidden, num_layers=1, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, (h_n, c_n) = self.lstm(packed)
        out, out_lengths = pad_packed_sequence(packed_out, batch_first=True)
        assert torch.equal(out_lengths, lengths)
        # the last valid output of each sequence is its final hidden state
        last = out[torch.arange(out.size(0)), lengths - 1]
        assert torch.allclose(last, h_n[-1], atol=1e-6)
        return self.head(h_n[-1]).squeeze(-1)


train_loader = DataLoader(SineWindows(256, 0), batch_size=32, shuffle=not args.no_shuffle, collate_fn=collate)
val_loader = DataLoader(SineWindows(64, 1), batch_size=64, collate_fn=collate)
model = Forecaster()
rng = np.random.default_rng(0)
for name, p in model.named_parameters():
    p.data.copy_(torch.from_numpy(rng.uniform(-0.18, 0.18, p.shape).astype(np.float32)))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=2)

best_loss, best_state, bad_epochs, patience = float('inf'), None, 0, 5
history = []
for epoch in range(args.epochs):
    model.train()
    train_loss = 0.0
    for x, lengths, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x, lengths), y)
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * len(y)
    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(x, l), y).item() * len(y) for x, l, y in val_loader) / len(val_loader.dataset)
    scheduler.step(val_loss)
    lr = optimizer.param_groups[0]['lr']
    history.append({"train": train_loss / len(train_loader.dataset), "val": val_loss, "lr": lr})
    print(f'epoch {epoch:2d} train {history[-1]["train"]:.5f} val {val_loss:.5f} lr {lr:.4g}')
    if val_loss < best_loss:
        best_loss, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
    else:
        bad_epochs += 1
        if bad_epochs >= patience:
            print('early stopping')
            break

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    final = sum(criterion(model(x, l), y).item() * len(y) for x, l, y in val_loader) / len(val_loader.dataset)
assert abs(final - best_loss) < 1e-6, (final, best_loss)  # deepcopy kept the best weights
assert best_loss < 0.1 * history[0]["val"]
print(json.dumps({"history": history, "best": best_loss}))
