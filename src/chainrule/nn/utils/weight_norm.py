"""The older hook-based weight_norm and spectral_norm (nn.utils.weight_norm /
spectral_norm): extra parameters weight_g/weight_v or weight_orig, and a forward
pre-hook that recomputes `weight` before each call."""
import numpy as np

from ..parameter import Parameter
from ...autograd.grad_mode import no_grad
from ...tensor import Tensor
from .parametrizations import _norm_except_dim

_make = Tensor._make


class WeightNorm:
    """The pre-hook that sets module.<name> = g v / ||v||.

    >>> lin = nn.utils.weight_norm(nn.Linear(3, 2))
    >>> [type(h).__name__ for h in lin._forward_pre_hooks.values()]
    ['WeightNorm']
    """

    def __init__(self, name, dim):
        self.name, self.dim = name, -1 if dim is None else dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    @staticmethod
    def apply(module, name, dim):
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same "
                                   f"parameter {name}")
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(_norm_except_dim(weight, fn.dim).detach()))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparametrise module.<name> as g v / ||v|| with parameters <name>_g and <name>_v.

    >>> lin = nn.utils.weight_norm(nn.Linear(3, 2))
    >>> lin.weight_g.shape, lin.weight_v.shape
    (chainrule.Size([2, 1]), chainrule.Size([2, 3]))
    >>> g, v = lin.weight_g, lin.weight_v
    >>> chainrule.allclose(lin.weight, g * v / v.norm(dim=1, keepdim=True))
    True
    """
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Undo weight_norm: a plain parameter holding the current weight.

    >>> lin = nn.utils.remove_weight_norm(nn.utils.weight_norm(nn.Linear(3, 2)))
    >>> hasattr(lin, "weight_g"), type(lin.weight).__name__
    (False, 'Parameter')
    """
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")


class SpectralNorm:
    """The pre-hook that sets module.<name> = weight_orig / sigma (power iteration on the
    buffers <name>_u, <name>_v in training mode).

    >>> lin = nn.utils.spectral_norm(nn.Linear(3, 3))
    >>> [type(h).__name__ for h in lin._forward_pre_hooks.values()]
    ['SpectralNorm']
    """

    def __init__(self, name="weight", n_power_iterations=1, dim=0, eps=1e-12):
        if n_power_iterations <= 0:
            raise ValueError(f"Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.name, self.dim = name, dim
        self.n_power_iterations, self.eps = n_power_iterations, eps

    def reshape_weight_to_matrix(self, weight):
        if self.dim != 0:
            weight = weight.movedim(self.dim, 0)
        return weight.flatten(1)

    def _normalize(self, x):
        return x / max(np.linalg.norm(x), self.eps)

    def compute_weight(self, module, do_power_iteration):
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        wm = self.reshape_weight_to_matrix(weight)
        if do_power_iteration:
            W = wm._data
            for _ in range(self.n_power_iterations):
                v._data[...] = self._normalize(W.T @ u._data)
                u._data[...] = self._normalize(W @ v._data)
        uc, vc = u.clone(), v.clone()
        sigma = (uc * (wm @ vc)).sum()
        return weight / sigma

    def remove(self, module):
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        del module._buffers[self.name + "_u"]
        del module._buffers[self.name + "_v"]
        del module._parameters[self.name + "_orig"]
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module, module.training))

    @staticmethod
    def apply(module, name, n_power_iterations, dim, eps):
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters[name]
        from ...random import rng
        wm = fn.reshape_weight_to_matrix(weight)
        h, w = wm.shape
        dt = weight._data.dtype
        u = fn._normalize(rng().standard_normal(h).astype(dt))
        v = fn._normalize(rng().standard_normal(w).astype(dt))
        del module._parameters[name]
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, _make(weight._data.copy()))
        module.register_buffer(name + "_u", _make(u))
        module.register_buffer(name + "_v", _make(v))
        module.register_forward_pre_hook(fn)
        return fn


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Divide module.<name> by its largest singular value before every forward.

    >>> lin = nn.utils.spectral_norm(nn.Linear(4, 4))
    >>> for _ in range(20):                 # one power iteration per training forward
    ...     _ = lin(chainrule.randn(1, 4))
    >>> round(chainrule.linalg.svdvals(lin.weight)[0].item(), 3)
    1.0
    """
    if dim is None:
        from ..conv import ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0
    SpectralNorm.apply(module, name, n_power_iterations, dim, eps)
    return module


def remove_spectral_norm(module, name="weight"):
    """Undo spectral_norm: a plain parameter holding the current normalised weight.

    >>> lin = nn.utils.remove_spectral_norm(nn.utils.spectral_norm(nn.Linear(3, 3)))
    >>> hasattr(lin, "weight_orig"), type(lin.weight).__name__
    (False, 'Parameter')
    """
    for k, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, SpectralNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"spectral_norm of '{name}' not found in {module}")
