# %% [markdown]
# # 1. The computational graph and backpropagation by hand
#
# A neural network is a composite function: a **computational graph** of simple blocks.
# The forward pass computes every block's value and keeps what its local derivatives
# need; the backward pass walks the graph in reverse and applies the **chain rule**.
#
# We start with the lecture's first example, $f = (x + y)\,z$ at $x = 1, y = -2, z = 3$.

# %%
import numpy as np
import chainrule as torch
from chainrule.viz import draw_graph, trace

x = torch.tensor(1.0, requires_grad=True)
y = torch.tensor(-2.0, requires_grad=True)
z = torch.tensor(3.0, requires_grad=True)
q = x + y          # forward: q = -1
f = q * z          # forward: f = -3
print("f =", f.item())

# %% [markdown]
# By hand: $\partial f/\partial z = q = -1$, $\partial f/\partial q = z = 3$, and since
# $\partial q/\partial x = \partial q/\partial y = 1$, the chain rule gives
# $\partial f/\partial x = \partial f/\partial y = 3$. `trace` runs backprop and prints each
# step as on the slides: upstream gradient × local gradient = the product sent on. It
# leaves the tensors' `.grad` as they were (running the cell again shows the same numbers);
# `retain_graph=True` keeps the graph for the real backward pass below.

# %%
t = trace(f, retain_graph=True)
print(t)

# %%
f.backward()
print("x.grad =", x.grad.item(), " y.grad =", y.grad.item(), " z.grad =", z.grad.item())
assert (x.grad.item(), y.grad.item(), z.grad.item()) == (3.0, 3.0, -1.0)

# %% [markdown]
# The graph itself, with values and gradients (graphviz when installed, otherwise a
# matplotlib drawing):

# %%
x2 = torch.tensor(1.0, requires_grad=True)
y2 = torch.tensor(-2.0, requires_grad=True)
z2 = torch.tensor(3.0, requires_grad=True)
g = draw_graph((x2 + y2) * z2, backward=True)
print(g.source[:300])

# %% [markdown]
# ## One neuron
#
# A neuron computes $a = \sigma(w \cdot x + b)$. Its graph has a dot product, an addition
# and a sigmoid; $\sigma'(s) = \sigma(s)(1 - \sigma(s))$ is the local derivative the
# sigmoid block keeps.

# %%
w = torch.tensor([2.0, -3.0], requires_grad=True)
b = torch.tensor(-3.0, requires_grad=True)
inp = torch.tensor([-1.0, -2.0])
s = (w * inp).sum() + b
a = torch.sigmoid(s)
a.backward()
sig = a.item()
print("a =", round(sig, 4), " dw =", w.grad.tolist(), " db =", round(b.grad.item(), 4))
np.testing.assert_allclose(w.grad.numpy(), sig * (1 - sig) * inp.numpy(), rtol=1e-6)

# %% [markdown]
# ## Vector forms: derivative, gradient, Jacobian
#
# For $f: \mathbb{R}^n \to \mathbb{R}$ the derivative is the **gradient** (a vector); for
# $f: \mathbb{R}^n \to \mathbb{R}^m$ it is the **Jacobian** $J_{ij} = \partial f_i / \partial x_j$.
# Backprop computes vector–Jacobian products $v^\top J$ without ever forming $J$;
# `autograd.functional.jacobian` builds the whole matrix, one row per backward pass.

# %%
from chainrule.autograd.functional import jacobian

W = torch.tensor([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])


def layer(v):
    return torch.tanh(W @ v)


v = torch.tensor([0.5, -0.2, 0.1])
J = jacobian(layer, v)
print(J)
# Analytically: J = diag(1 - tanh(Wv)^2) W
expected = (1 - np.tanh(W.numpy() @ v.numpy()) ** 2)[:, None] * W.numpy()
np.testing.assert_allclose(J.numpy(), expected, rtol=1e-5)

# %% [markdown]
# ## Exercises
#
# 1. Compute by hand the gradients of $f = (x y + z)^2$ at $x = 2, y = -1, z = 4$, then
#    check them with `trace`.
# 2. Change the neuron's activation to `torch.tanh` and derive $\partial a / \partial w$.
# 3. For $f(v) = W v$ (no tanh), what is the Jacobian? Check with `jacobian`.
# 4. A vector–Jacobian product: compute `torch.autograd.grad(layer(v), v, u)` for a vector
#    `u` and compare it with `u @ J`.
