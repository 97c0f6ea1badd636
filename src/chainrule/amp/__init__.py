"""chainrule.amp (torch.amp): autocast and GradScaler, as PyTorch scripts use them.

chainrule computes on the CPU in the inputs' dtypes: `autocast` regions run unchanged (with
PyTorch's "Disabling autocast" warning where they ask for lower precision), and
`GradScaler("cpu")` scales losses and unscales gradients as PyTorch's does, skipping steps
with inf/NaN gradients and adapting the scale.

>>> model = nn.Linear(3, 1)
>>> optimizer = chainrule.optim.SGD(model.parameters(), lr=0.1)
>>> scaler = chainrule.amp.GradScaler("cpu")
>>> with chainrule.autocast(device_type="cpu", enabled=False):
...     loss = model(chainrule.ones(4, 3)).sum()
>>> scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update()
>>> scaler.get_scale()
65536.0
"""
from .autocast_mode import autocast, is_autocast_enabled, custom_fwd, custom_bwd
from .grad_scaler import GradScaler, OptState

__all__ = ["autocast", "is_autocast_enabled", "custom_fwd", "custom_bwd", "GradScaler", "OptState"]
