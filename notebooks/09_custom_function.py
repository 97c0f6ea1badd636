# %% [markdown]
# # 9. Writing your own differentiable block
#
# Every block of the graph needs two things: its forward computation, and its local
# derivative to multiply the upstream gradient by in the backward pass. A custom
# `autograd.Function` provides both; `gradcheck` verifies the pair.
#
# Example: the "swish" activation $f(x) = x\,\sigma(x)$ with
# $f'(x) = \sigma(x) + x\,\sigma(x)(1 - \sigma(x))$.

# %%
import numpy as np
import chainrule as torch
from chainrule.autograd import Function, gradcheck


class Swish(Function):
    @staticmethod
    def forward(ctx, x):
        s = torch.sigmoid(x)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad_output):
        x, s = ctx.saved_tensors
        return grad_output * (s + x * s * (1 - s))


x = torch.randn(5, dtype=torch.float64, requires_grad=True)
y = Swish.apply(x)
y.sum().backward()
print(x.grad)
print("gradcheck:", gradcheck(Swish.apply, (x,)))
np.testing.assert_allclose(y.detach().numpy(),
                           torch.nn.functional.silu(x).detach().numpy(), rtol=1e-12)

# %% [markdown]
# ## Using the block in a model
#
# A Function's `apply` composes with every other op: here inside a small network trained
# by gradient descent.

# %%
from chainrule import nn


class SwishLayer(nn.Module):
    def forward(self, x):
        return Swish.apply(x)


torch.manual_seed(0)
net = nn.Sequential(nn.Linear(1, 16), SwishLayer(), nn.Linear(16, 1))
X = torch.linspace(-3, 3, 64).unsqueeze(1)
Y = torch.sin(X)
opt = torch.optim.Adam(net.parameters(), lr=1e-2)
for step in range(500):
    loss = ((net(X) - Y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
print(f"fit of sin(x): mean squared error {loss.item():.4f}")
assert loss.item() < 0.01

# %% [markdown]
# ## What goes wrong, and how gradcheck tells you
#
# A backward that forgets a term passes silently in training but fails the check:

# %%
class BrokenSwish(Swish):
    @staticmethod
    def backward(ctx, grad_output):
        x, s = ctx.saved_tensors
        return grad_output * s     # the x s (1 - s) term is missing


try:
    gradcheck(BrokenSwish.apply, (x,))
    raise AssertionError("gradcheck should have failed")
except Exception as err:
    print(type(err).__name__ + ":", str(err).splitlines()[0])

# %% [markdown]
# ## Exercises
#
# 1. Write `Softplus` ($\log(1 + e^x)$) as a Function with a numerically stable forward.
# 2. A Function with two inputs: $f(a, b) = a^2 b$; return one gradient per input.
# 3. Use `ctx.needs_input_grad` to skip the gradient nobody asked for.
