"""Lazy modules: layers whose input size is read from the first input (PyTorch's
LazyModuleMixin, LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*,
LazyInstanceNorm*).

Until the first forward their parameters are UninitializedParameter / UninitializedBuffer
placeholders (nn/_uninitialized.py). A forward pre-hook calls initialize_parameters(input),
which materialises them with the inferred shapes and runs the regular class's
reset_parameters (the same random draws as building that class directly); then the
module becomes the regular class (cls_to_become): a LazyLinear is a Linear from then on.

    >>> fc = nn.LazyLinear(10)
    >>> fc(chainrule.randn(4, 7)).shape, type(fc).__name__, fc.in_features
    (chainrule.Size([4, 10]), 'Linear', 7)

load_state_dict into a lazy module materialises the placeholders with the checkpoint's
shapes; state_dict of a lazy module holds the placeholders themselves; any computation on
a placeholder (an optimizer step, an init function, an op) raises ValueError.
"""
import itertools

import numpy as np

from ..autograd.grad_mode import no_grad
from ._uninitialized import (UninitializedBuffer, UninitializedParameter,  # noqa: F401
                             UninitializedTensorMixin, is_lazy)
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .linear import Linear
from .normalization import (BatchNorm1d, BatchNorm2d, BatchNorm3d, InstanceNorm1d,
                            InstanceNorm2d, InstanceNorm3d, _NormBase)
from ..tensor import Tensor


class LazyModuleMixin:
    """Mixin for modules that infer their parameters' shapes from the first input.

    Subclasses put UninitializedParameter / UninitializedBuffer placeholders in place of
    their parameters and define initialize_parameters(*inputs); cls_to_become names the
    class the module becomes once every placeholder is materialised.

    >>> fc = nn.LazyLinear(3)
    >>> fc.has_uninitialized_params(), isinstance(fc, chainrule.nn.lazy.LazyModuleMixin)
    (True, True)
    >>> _ = fc(torch.randn(2, 5))
    >>> type(fc).__name__, fc.weight.shape
    ('Linear', chainrule.Size([3, 5]))
    """

    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def initialize_parameters(self, *args, **kwargs):
        """Materialise the placeholders from the first input's properties."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{type(self).__name__}")

    def has_uninitialized_params(self):
        """Whether any parameter or buffer of this module is still a placeholder."""
        return any(is_lazy(t) for t in itertools.chain(self._parameters.values(),
                                                         self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module.__dict__["_initialize_hook"]
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, assign=False):
        # Placeholders take the checkpoint's shapes (PyTorch's _lazy_load_hook); a
        # placeholder saved from a lazy module stays one and counts as loaded.
        still_lazy = []
        for name, t in itertools.chain(self._parameters.items(), self._buffers.items()):
            key = prefix + name
            if t is None or key not in state_dict or not is_lazy(t):
                continue
            value = state_dict[key]
            if is_lazy(value):
                still_lazy.append(key)
            else:
                arr = value._data if isinstance(value, Tensor) else np.asarray(value)
                with no_grad():
                    t.materialize(arr.shape)
        if still_lazy:
            state_dict = {k: v for k, v in state_dict.items() if k not in still_lazy}
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs, assign)
        for key in still_lazy:
            if key in missing_keys:
                missing_keys.remove(key)

    def _replicate_for_data_parallel(self):
        raise RuntimeError("Modules with uninitialized parameters can't be used with "
                           "`DataParallel`. Run a dummy forward pass to correctly initialize "
                           "the modules")


# --- Linear -----------------------------------------------------------------------------
class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is input.shape[-1] of the first input.

    >>> nn.LazyLinear(3)
    LazyLinear(in_features=0, out_features=3, bias=True)
    """

    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(dtype=dtype)
        self.out_features = int(out_features)
        if bias:
            self.bias = UninitializedParameter(dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):  # noqa: A002
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = int(input.shape[-1])
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:  # materialised by load_state_dict (as PyTorch)
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} "
                                     f"is not equal to in_features from self.weight: "
                                     f"{self.weight.shape[-1]}")
            self.in_features = int(input.shape[-1])


# --- convolutions -----------------------------------------------------------------------
class _LazyConvXdMixin(LazyModuleMixin):
    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):  # noqa: A002
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError(f"{type(self).__name__}: in_channels must be divisible by "
                                 f"groups (in_channels={self.in_channels}, "
                                 f"groups={self.groups})")
            g, k = self.groups, tuple(self.kernel_size)
            with no_grad():
                if self._transposed:
                    self.weight.materialize((self.in_channels, self.out_channels // g) + k)
                else:
                    self.weight.materialize((self.out_channels, self.in_channels // g) + k)
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()
        elif self.in_channels == 0:  # materialised by load_state_dict: record the size
            self.in_channels = self._get_in_channels(input)

    def _get_in_channels(self, input):  # noqa: A002
        unbatched, batched = self._nd + 1, self._nd + 2
        if input.dim() not in (unbatched, batched):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {batched}D (batched) "
                               f"input to {type(self).__name__}, but got input of size: "
                               f"{list(input.shape)}")
        return int(input.shape[1] if input.dim() == batched else input.shape[0])


def _lazy_conv(base, nd):
    class LazyConv(_LazyConvXdMixin, base):
        cls_to_become = base

        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                     groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
            super().__init__(0, out_channels, kernel_size, stride, padding, dilation, groups,
                             False, padding_mode, device, dtype)
            self.weight = UninitializedParameter(dtype=dtype)
            self.out_channels = int(out_channels)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
    LazyConv.__name__ = LazyConv.__qualname__ = f"LazyConv{nd}d"
    LazyConv.__doc__ = (f"Conv{nd}d whose in_channels is read from the first input "
                        f"(dim 1, or dim 0 when unbatched).\n\n"
                        f">>> m = nn.LazyConv{nd}d(4, 3)\n"
                        f">>> _ = m(torch.randn(1, 2{', 5' * nd}))\n"
                        f">>> type(m).__name__, m.in_channels\n"
                        f"('Conv{nd}d', 2)\n")
    return LazyConv


def _lazy_conv_transpose(base, nd):
    class LazyConvTranspose(_LazyConvXdMixin, base):
        cls_to_become = base

        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                     groups=1, bias=True, dilation=1, padding_mode="zeros", device=None,
                     dtype=None):
            super().__init__(0, out_channels, kernel_size, stride, padding, output_padding,
                             groups, False, dilation, padding_mode, device, dtype)
            self.weight = UninitializedParameter(dtype=dtype)
            self.out_channels = int(out_channels)
            if bias:
                self.bias = UninitializedParameter(dtype=dtype)
    LazyConvTranspose.__name__ = LazyConvTranspose.__qualname__ = f"LazyConvTranspose{nd}d"
    LazyConvTranspose.__doc__ = (f"ConvTranspose{nd}d whose in_channels is read from the "
                                 f"first input.\n\n"
                                 f">>> m = nn.LazyConvTranspose{nd}d(4, 3)\n"
                                 f">>> _ = m(torch.randn(1, 2{', 5' * nd}))\n"
                                 f">>> type(m).__name__, m.in_channels\n"
                                 f"('ConvTranspose{nd}d', 2)\n")
    return LazyConvTranspose


LazyConv1d = _lazy_conv(Conv1d, 1)
LazyConv2d = _lazy_conv(Conv2d, 2)
LazyConv3d = _lazy_conv(Conv3d, 3)
LazyConvTranspose1d = _lazy_conv_transpose(ConvTranspose1d, 1)
LazyConvTranspose2d = _lazy_conv_transpose(ConvTranspose2d, 2)
LazyConvTranspose3d = _lazy_conv_transpose(ConvTranspose3d, 3)


# --- batch and instance norm ------------------------------------------------------------
class _LazyNormBase(LazyModuleMixin, _NormBase):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None):
        super().__init__(0, eps, momentum, False, False, device, dtype)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(dtype=dtype)
            self.bias = UninitializedParameter(dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(dtype=dtype)
            self.running_var = UninitializedBuffer(dtype=dtype)
            self.num_batches_tracked = Tensor._make(np.zeros((), np.int64))

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):  # noqa: A002
        if self.has_uninitialized_params():
            self.num_features = int(input.shape[1])
            params = [self.weight, self.bias] if self.affine else []
            stats = [self.running_mean, self.running_var] if self.track_running_stats else []
            fresh = [is_lazy(t) for t in params + stats]
            with no_grad():
                for t in params + stats:
                    if is_lazy(t):
                        t.materialize((self.num_features,))
                if all(fresh):
                    self.reset_parameters()
                else:  # some came from a checkpoint: initialise only the others
                    fills = ([1, 0] if params else []) + ([0, 1] if stats else [])
                    for t, new, fill in zip(params + stats, fresh, fills):
                        if new:
                            t._data[...] = fill
        elif self.num_features == 0 and (self.affine or self.track_running_stats):
            self.num_features = int(input.shape[1])  # materialised by load_state_dict


def _lazy_norm(base, doc):
    class LazyNorm(_LazyNormBase, base):
        cls_to_become = base
    LazyNorm.__name__ = LazyNorm.__qualname__ = "Lazy" + base.__name__
    LazyNorm.__doc__ = doc + (f"\n\n>>> m = nn.Lazy{base.__name__}()\n"
                              f">>> _ = m(torch.randn(2, 3{', 4' * int(base.__name__[-2])}))\n"
                              f">>> type(m).__name__, m.num_features\n"
                              f"('{base.__name__}', 3)\n")
    return LazyNorm


LazyBatchNorm1d = _lazy_norm(BatchNorm1d, "BatchNorm1d whose num_features is input.shape[1].")
LazyBatchNorm2d = _lazy_norm(BatchNorm2d, "BatchNorm2d whose num_features is input.shape[1].")
LazyBatchNorm3d = _lazy_norm(BatchNorm3d, "BatchNorm3d whose num_features is input.shape[1].")
LazyInstanceNorm1d = _lazy_norm(InstanceNorm1d, "InstanceNorm1d whose num_features is "
                                "input.shape[1] (PyTorch's defaults: affine and "
                                "track_running_stats True).")
LazyInstanceNorm2d = _lazy_norm(InstanceNorm2d, "InstanceNorm2d whose num_features is "
                                "input.shape[1].")
LazyInstanceNorm3d = _lazy_norm(InstanceNorm3d, "InstanceNorm3d whose num_features is "
                                "input.shape[1].")
