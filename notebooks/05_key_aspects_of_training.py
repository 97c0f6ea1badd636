# %% [markdown]
# # 5. The key aspects of training
#
# The lecture names three: **random initialisation**, the **activation function** and
# **data normalisation**; and the learning rate decides whether gradient descent moves at
# all. Each is measured here on a small problem.

# %%
import numpy as np
import chainrule as torch
from chainrule import nn
from chainrule.datasets import make_moons


def train(model, X, y, lr=0.5, steps=400):
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    target = y.to(torch.float32).unsqueeze(1)
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(model(X), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    acc = ((model(X) > 0).squeeze(1).to(torch.int64) == y).to(torch.float32).mean().item()
    return loss.item(), acc


X, y = make_moons(400, noise=0.15, seed=0)

# %% [markdown]
# ## Initialisation: symmetry
#
# With every weight equal, every hidden unit computes the same function and receives the
# same gradient: the units move, but they stay identical forever — 16 units are worth one.
# (All-zero weights are worse still: every gradient is exactly zero, a flat point where
# nothing moves at all.) Random initialisation breaks the symmetry.

# %%
def make(init):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    if init == "constant":
        for layer in (m[0], m[2]):
            nn.init.constant_(layer.weight, 0.3)
            nn.init.zeros_(layer.bias)
    return m


for init in ("constant", "random"):
    m = make(init)
    W0 = m[0].weight.detach().numpy().copy()
    loss, acc = train(m, X, y)
    W = m[0].weight.detach().numpy()
    distinct = len(np.unique(np.round(W, 6), axis=0))
    moved = np.abs(W - W0).max()
    print(f"{init:8} init: loss {loss:.3f}  accuracy {acc:.1%}  weights moved by up to "
          f"{moved:.2f}  distinct hidden units {distinct}/16")
    assert moved > 0.1 and distinct == (1 if init == "constant" else 16)

# %% [markdown]
# ## Activation functions
#
# Sigmoid saturates and its derivative is at most 1/4, so deep stacks of sigmoids learn
# slowly; tanh and ReLU do better.

# %%
for name, act in (("sigmoid", nn.Sigmoid), ("tanh", nn.Tanh), ("relu", nn.ReLU)):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 16), act(), nn.Linear(16, 16), act(), nn.Linear(16, 1))
    loss, acc = train(m, X, y, lr=0.3, steps=300)
    print(f"{name:8} loss {loss:.3f}  accuracy {acc:.1%}")

# %% [markdown]
# ## Data normalisation
#
# Shift and scale the inputs far from zero and the same network and learning rate stall;
# standardising them (zero mean, unit variance) restores training.

# %%
X_raw = X * 50 + 200
X_std = (X_raw - X_raw.mean(0)) / X_raw.std(0)
for label, data in (("raw", X_raw), ("standardised", X_std)):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    loss, acc = train(m, data, y, lr=0.1)
    print(f"{label:13} loss {loss:.3f}  accuracy {acc:.1%}")

# %% [markdown]
# ## The learning rate
#
# Too small a rate barely moves in the same number of steps; a large one takes big,
# erratic steps (count how often the loss goes *up*).

# %%
def loss_curve(lr, steps=400):
    torch.manual_seed(0)
    m = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    opt = torch.optim.SGD(m.parameters(), lr=lr)
    target = y.to(torch.float32).unsqueeze(1)
    losses = []
    for _ in range(steps):
        loss = nn.functional.binary_cross_entropy_with_logits(m(X_std), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


for lr in (0.001, 0.5, 50.0):
    c = loss_curve(lr)
    ups = int((np.diff(c) > 0).sum())
    print(f"lr {lr:<6} first loss {c[0]:.3f}  last {c[-1]:.3f}  steps where the loss rose: {ups}")
    assert (lr != 0.001 or c[0] - c[-1] < 0.3) and (lr != 50.0 or ups > 20)

# %% [markdown]
# ## Exercises
#
# 1. Initialise with `nn.init.xavier_uniform_` and `nn.init.kaiming_uniform_`: any difference
#    with tanh? with ReLU?
# 2. Replace the standardisation by min–max scaling to [0, 1].
# 3. Add `nn.BatchNorm1d(16)` after the first Linear and train on the raw inputs.
