# %% [markdown]
# # 7. Restricted Boltzmann machines and the 2006 pretraining story
#
# In 2006 Hinton's group trained deep networks by first learning features without labels:
# a stack of restricted Boltzmann machines (RBMs), each trained by contrastive divergence
# on the features of the one below, then unrolled into a feed-forward network and
# fine-tuned by backprop. Later, better initialisation, ReLU, dropout and batch
# normalisation made the pretraining unnecessary.
#
# An RBM has visible units $v$ and hidden units $h$ with energy
# $E(v, h) = -b^\top v - c^\top h - h^\top W v$. CD-k estimates the gradient of the
# log-likelihood as the positive statistics $\langle h v^\top\rangle_{data}$ minus the
# negative ones after k Gibbs steps.

# %%
import numpy as np
import chainrule as torch
from chainrule import nn
from chainrule.datasets import load_digits
from chainrule.models import RBM, DBN

X, y = load_digits()
X = (X / 16.0).numpy().astype(np.float32)
perm = np.random.default_rng(0).permutation(len(y))
tr, te = perm[:1400], perm[1400:]

rbm = RBM(64, 100, lr=0.06, batch_size=10, epochs=10, generator=torch.Generator().manual_seed(0))
before = rbm.reconstruction_error(X[te])
rbm.fit(X[tr])
after = rbm.reconstruction_error(X[te])
print(f"reconstruction error on held-out digits: {before:.4f} -> {after:.4f}")
assert after < before

# %% [markdown]
# ## Features for a classifier
#
# The hidden probabilities $p(h = 1 \mid v)$ are features; a linear classifier on them:

# %%
def linear_probe(features_tr, features_te, epochs=100):
    torch.manual_seed(0)
    clf = nn.Linear(features_tr.shape[1], 10)
    opt = torch.optim.Adam(clf.parameters(), lr=1e-2)
    Ftr, Fte = torch.tensor(features_tr), torch.tensor(features_te)
    for _ in range(epochs):
        loss = nn.functional.cross_entropy(clf(Ftr), y[tr])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return (clf(Fte).argmax(1) == y[te]).to(torch.float32).mean().item()


acc_rbm = linear_probe(np.asarray(rbm.transform(X[tr])), np.asarray(rbm.transform(X[te])))
print(f"linear classifier on RBM features: {acc_rbm:.1%}")

# %% [markdown]
# ## A deep belief net: greedy pretraining, then fine-tuning

# %%
dbn = DBN([64, 100, 50], lr=0.06, batch_size=10, epochs=5,
          generator=torch.Generator().manual_seed(1))
dbn.pretrain(X[tr])
net = dbn.to_sequential(n_classes=10)
print(net)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
Xtr_t, Xte_t = torch.tensor(X[tr]), torch.tensor(X[te])
for _ in range(150):
    loss = nn.functional.cross_entropy(net(Xtr_t), y[tr])
    opt.zero_grad()
    loss.backward()
    opt.step()
acc_dbn = (net(Xte_t).argmax(1) == y[te]).to(torch.float32).mean().item()
print(f"DBN fine-tuned: {acc_dbn:.1%}")
assert acc_dbn > 0.8

# %% [markdown]
# ## Exercises
#
# 1. Train the RBM with `k=5` or `persistent=True`: does the reconstruction error change?
# 2. Draw samples with `rbm.sample(16, steps=1000)` and show them as 8x8 images.
# 3. Fine-tune the same network from random initialisation: how much does pretraining help
#    on 1,400 digits? And with ReLU units and dropout instead?
