# %% [markdown]
# # 6. Convolutional networks and LeNet-5
#
# A convolution slides a small filter over the image: the same weights at every position
# (weight sharing), each output looking at a small neighbourhood (local receptive field).
# Pooling then shrinks the maps. LeNet-5 (LeCun et al., 1998) stacks two convolution +
# subsampling stages and three fully connected layers.

# %%
import numpy as np
import chainrule as torch
from chainrule import nn
from chainrule.datasets import load_digits
from chainrule.models import LeNet5

# A convolution is a correlation with the filter; check one output by hand.
img = torch.arange(25.0).reshape(1, 1, 5, 5)
edge = torch.tensor([[[[1.0, 0.0, -1.0]] * 3]])   # a vertical-edge filter, 3x3
out = nn.functional.conv2d(img, edge)
by_hand = (img[0, 0, :3, :3] * edge[0, 0]).sum()
print(out.shape, out[0, 0, 0, 0].item(), by_hand.item())
assert out[0, 0, 0, 0].item() == by_hand.item()

# %% [markdown]
# ## LeNet-5 on the digits
#
# The shipped 8x8 digits are upsampled to 32x32 (LeNet-5's input size); a few epochs on
# 2 cores are enough for real filters.

# %%
X, y = load_digits(flatten=False)
X = nn.functional.interpolate((X / 16.0).unsqueeze(1), size=(32, 32), mode="bilinear",
                              align_corners=False)
perm = np.random.default_rng(0).permutation(len(y))
tr, te = perm[:1400], perm[1400:]
torch.manual_seed(0)
model = LeNet5(activation="relu", pool="max")
print(sum(p.numel() for p in model.parameters()), "parameters")
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X[tr], y[tr]),
                                     batch_size=64, shuffle=True)
for epoch in range(4):
    model.train()
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(X[te]).argmax(1) == y[te]).to(torch.float32).mean().item()
    print(f"epoch {epoch + 1}: loss {loss.item():.3f}, test accuracy {acc:.1%}")
assert acc > 0.9

# %% [markdown]
# The first layer's six 5x5 filters after training:

# %%
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt

w = model.c1.weight.detach().numpy()
fig, axes = plt.subplots(1, 6, figsize=(7, 1.4))
for k, ax in enumerate(axes):
    ax.imshow(w[k, 0], cmap="RdBu")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Exercises
#
# 1. Count LeNet-5's parameters layer by layer and compare with an MLP of similar accuracy.
# 2. Replace max pooling by average pooling (`pool="avg"`): what changes?
# 3. Train with `batchnorm=True`: does it converge in fewer epochs?
