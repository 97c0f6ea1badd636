"""'What is torch.nn really?' style: hand-made weights, manual SGD through .data and
no_grad, then the same with nn.Module pieces imported by their PyTorch module paths."""
import json
import math

import numpy as np
import torch
from torch.nn.modules.loss import _Loss
from torch.nn.parameter import Parameter
import torch.nn.functional as F
import torch.nn.init as init

rng = np.random.default_rng(0)
x_np = rng.standard_normal((64, 5)).astype(np.float32)
y_np = (x_np @ np.array([1.0, -2.0, 0.5, 0.0, 3.0], np.float32) > 0).astype(np.int64)
x_train, y_train = torch.tensor(x_np), torch.tensor(y_np)

weights = torch.tensor(rng.standard_normal((5, 2)).astype(np.float32) / math.sqrt(5))
weights.requires_grad_()
bias = torch.zeros(2, requires_grad=True)
lr = 0.5
history = []
for epoch in range(20):
    pred = x_train @ weights + bias
    loss = F.cross_entropy(pred, y_train)
    loss.backward()
    history.append(loss.item())
    weights.data -= lr * weights.grad          # the classic tutorial step
    bias.data.add_(bias.grad, alpha=-lr)
    weights.grad.zero_()
    bias.grad = None
assert history[-1] < history[0]


class SmoothL1(_Loss):
    def forward(self, input, target):
        return F.smooth_l1_loss(input, target, reduction=self.reduction)


w = Parameter(torch.empty(5, 1))
init.xavier_uniform_(w)
w.data.copy_(torch.tensor(rng.standard_normal((5, 1)).astype(np.float32)))
crit = SmoothL1()
target = y_train.float().unsqueeze(1)
with torch.no_grad():
    before = crit(x_train @ w, target).item()
for _ in range(30):
    l = crit(x_train @ w, target)
    l.backward()
    with torch.no_grad():
        w -= 0.1 * w.grad
        w.grad.zero_()
after = crit(x_train @ w, target).item()
assert after < before
print(json.dumps({"history": history, "after": after, "weights": weights.detach().numpy().ravel().tolist()}))
