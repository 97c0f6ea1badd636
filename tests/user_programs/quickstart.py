"""PyTorch's quickstart tutorial, shortened: a Dataset, DataLoader, an MLP on the GPU if
there is one, train / test loops, save and load the state dict."""
import json
import os
import sys
import tempfile

import numpy as np
import torch
from torch import nn
from torch.utils.data.dataloader import DataLoader
from torch.utils.data.dataset import Dataset
from torch.optim.lr_scheduler import StepLR

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"Using {device} device")
torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False


class Blobs(Dataset):
    def __init__(self, n, seed):
        rng = np.random.default_rng(seed)
        self.y = rng.integers(0, 3, n)
        centers = np.array([[2.0, 0.0], [-2.0, 1.0], [0.0, -2.5]])
        self.x = (centers[self.y] + rng.standard_normal((n, 2)) * 0.6).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, idx):
        return torch.from_numpy(self.x[idx]), int(self.y[idx])


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))

    def forward(self, x):
        return self.linear_relu_stack(self.flatten(x))


train_dataloader = DataLoader(Blobs(600, 1), batch_size=64, shuffle=True)
test_dataloader = DataLoader(Blobs(300, 2), batch_size=64)
model = NeuralNetwork().to(device)
loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
scheduler = StepLR(optimizer, step_size=3, gamma=0.5)


def train(dataloader, model, loss_fn, optimizer):
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()


def test(dataloader, model, loss_fn):
    size, num_batches = len(dataloader.dataset), len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device, non_blocking=True), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    return test_loss / num_batches, correct / size


for t in range(6):
    train(train_dataloader, model, loss_fn, optimizer)
    scheduler.step()
loss, acc = test(test_dataloader, model, loss_fn)

path = os.path.join(tempfile.mkdtemp(), "model.pth")
torch.save(model.state_dict(), path)
model2 = NeuralNetwork().to(device)
model2.load_state_dict(torch.load(path, weights_only=True))
loss2, acc2 = test(test_dataloader, model2, loss_fn)
assert acc2 == acc, (acc, acc2)
print(json.dumps({"accuracy": acc, "loss": loss}))
