# %% [markdown]
# # 4. From logistic regression to an MLP on the digits
#
# Logistic regression is one neuron with a sigmoid, trained on the cross-entropy; with $K$
# classes it becomes softmax regression (Linear + Softmax). Adding a hidden layer gives a
# multi-layer perceptron. We train both on the 8x8 digits shipped with chainrule.

# %%
import numpy as np
import chainrule as torch
from chainrule import nn
from chainrule.datasets import load_digits

X, y = load_digits()
X = X / 16.0
perm = np.random.default_rng(0).permutation(len(y))
train, test = perm[:1400], perm[1400:]
Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
print(Xtr.shape, Xte.shape)


def fit(model, epochs=60, lr=1e-2):
    torch.manual_seed(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(Xtr, ytr),
                                         batch_size=64, shuffle=True)
    for _ in range(epochs):
        for xb, yb in loader:
            loss = nn.functional.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        return (model(Xte).argmax(1) == yte).to(torch.float32).mean().item()


torch.manual_seed(0)
softmax_regression = nn.Linear(64, 10)
acc_linear = fit(softmax_regression, epochs=30)
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
acc_mlp = fit(mlp, epochs=30)
print(f"softmax regression: {acc_linear:.1%}   MLP 64-128-10: {acc_mlp:.1%}")
assert acc_linear > 0.85 and acc_mlp > 0.9

# %% [markdown]
# ## What the linear model learned
#
# Each row of the weight matrix is a template the input is compared with:

# %%
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for k, ax in enumerate(axes):
    ax.imshow(softmax_regression.weight.detach().numpy()[k].reshape(8, 8), cmap="RdBu")
    ax.set_title(str(k))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Train the MLP with SGD instead of Adam: which learning rate works?
# 2. Add a second hidden layer: does the test accuracy change?
# 3. Print the confusion matrix of the MLP: which digits are confused?
