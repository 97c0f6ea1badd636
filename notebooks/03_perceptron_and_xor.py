# %% [markdown]
# # 3. Rosenblatt's perceptron and the XOR wall
#
# The perceptron (Rosenblatt, 1958) is one threshold unit: $y = \mathrm{sign}(w\cdot x + b)$.
# Its learning rule changes the weights only on a mistake: $w \leftarrow w + \eta\, t\, x$.
# That is gradient descent on the perceptron criterion
# $E_P = -\sum_{\text{misclassified}} t_n (w \cdot x_n + b)$, and chainrule's
# `models.Perceptron` computes the update by backprop on exactly that criterion.

# %%
import numpy as np
import chainrule as torch
from chainrule import nn
from chainrule.models import Perceptron
from chainrule.datasets import make_blobs, make_xor

X, y = make_blobs(200, centers=2, cluster_std=1.0, seed=3)
t = torch.tensor(np.where(y.numpy() == 1, 1, -1))
p = Perceptron(2)
separated_after = p.fit(X, t, max_epochs=50)
print("separated after", separated_after, "presentations;", p.updates, "updates")
print("training errors:", p.errors(X, t))
assert p.errors(X, t) == 0

# %% [markdown]
# The convergence theorem: on linearly separable data the rule stops after finitely many
# mistakes. On XOR no line separates the classes, so the perceptron keeps making them.

# %%
Xx, yx = make_xor(200, noise=0.1, seed=0)
tx = torch.tensor(np.where(yx.numpy() == 1, 1, -1))
px = Perceptron(2)
print("XOR separated:", px.fit(Xx, tx, max_epochs=50))
acc_perceptron = 1 - px.errors(Xx, tx) / len(tx)
print(f"perceptron accuracy on XOR: {acc_perceptron:.1%}")
assert acc_perceptron <= 0.8

# %% [markdown]
# ## A hidden layer breaks the wall
#
# Two tanh units in a hidden layer can represent XOR. Trained by backprop and gradient
# descent on the binary cross-entropy:

# %%
torch.manual_seed(1)
net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.5)
target = yx.to(torch.float32).unsqueeze(1)
for step in range(1500):
    loss = nn.functional.binary_cross_entropy_with_logits(net(Xx), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
acc_mlp = ((net(Xx) > 0).to(torch.int64).squeeze(1) == yx).to(torch.float32).mean().item()
print(f"2-4-1 network: loss {loss.item():.3f}, accuracy {acc_mlp:.1%}")
assert acc_mlp > 0.95

# %% [markdown]
# ## Exercises
#
# 1. Change the learning rate of the perceptron: does the number of updates change? Why
#    not the final separating direction?
# 2. Make the blobs overlap (`cluster_std=2.0`): what does the perceptron do?
# 3. Find the smallest hidden layer that learns XOR reliably over 10 seeds.
