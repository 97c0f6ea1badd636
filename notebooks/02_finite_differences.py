# %% [markdown]
# # 2. Finite differences: "a good unit test" for backprop
#
# A gradient from backprop can be checked numerically: nudge each input by $\pm h$ and
# compare $\dfrac{f(x + h) - f(x - h)}{2h}$ with the analytic derivative. The central
# difference has error $O(h^2)$; in float64 with $h \approx 10^{-6}$ the two agree to
# about $10^{-9}$ relative. In float32 they do not, which is why gradient checks run in
# float64.

# %%
import numpy as np
import chainrule as torch
from chainrule.autograd import gradcheck


def f(x):
    return (torch.sin(x) * x ** 2).sum()


x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
f(x).backward()
analytic = x.grad.numpy().copy()

h = 1e-6
numeric = np.zeros(3)
for i in range(3):
    e = np.zeros(3)
    e[i] = h
    xp = torch.tensor(x.detach().numpy() + e)
    xm = torch.tensor(x.detach().numpy() - e)
    numeric[i] = (f(xp).item() - f(xm).item()) / (2 * h)
rel = np.abs(analytic - numeric) / np.maximum(np.abs(numeric), 1e-12)
print("analytic:", analytic)
print("numeric: ", numeric)
print("max relative error:", rel.max())
assert rel.max() < 1e-7

# %% [markdown]
# ## How the error depends on h
#
# Too large an $h$ and the truncation error $O(h^2)$ dominates; too small and rounding
# error $O(\varepsilon / h)$ does. The sweet spot in float64 is around $10^{-5}$ to $10^{-6}$.

# %%
for h in (1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11):
    xp = torch.tensor(x.detach().numpy() + np.array([h, 0, 0]))
    xm = torch.tensor(x.detach().numpy() - np.array([h, 0, 0]))
    num = (f(xp).item() - f(xm).item()) / (2 * h)
    print(f"h = {h:.0e}   relative error {abs(num - analytic[0]) / abs(analytic[0]):.2e}")

# %% [markdown]
# ## gradcheck
#
# `chainrule.autograd.gradcheck` does this for every input element of any function and
# reports the worst element when it fails. A deliberately wrong gradient is caught:

# %%
print(gradcheck(f, (x,)))


class WrongSquare(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t * t

    @staticmethod
    def backward(ctx, g):
        (t,) = ctx.saved_tensors
        return g * t          # should be 2 t g


try:
    gradcheck(lambda t: WrongSquare.apply(t).sum(), (x,))
except Exception as err:  # gradcheck raises with the worst element
    print(type(err).__name__, str(err).splitlines()[0])

# %% [markdown]
# ## Exercises
#
# 1. Run the check in float32: how large is the relative error, and why?
# 2. Use the forward difference $(f(x + h) - f(x))/h$: how does its error scale with $h$?
# 3. gradcheck `torch.nn.functional.softmax` and `torch.logsumexp` on random inputs.
