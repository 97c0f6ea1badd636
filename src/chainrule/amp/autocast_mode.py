"""autocast: PyTorch's mixed-precision regions. chainrule has no lower-precision kernels, so
an enabled region warns once per entry and runs its ops in their inputs' dtypes, as PyTorch
itself does for a device without CUDA or a dtype its CPU autocast does not support."""
import functools
import warnings

from ..tensor import device as _device

# the device types PyTorch's device strings accept (its error lists them)
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
                 "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia",
                 "privateuseone")


def is_autocast_enabled(device_type=None):
    """Returns whether an autocast region is active: always False here (see autocast).

    False: no autocast region is ever active in chainrule (see autocast).

    >>> torch.is_autocast_enabled()
    False
    >>> with torch.autocast(device_type='cpu'):   # warns and disables itself: no bfloat16 kernels
    ...     torch.is_autocast_enabled('cpu')
    ...
    False
    """
    return False


class autocast:
    """`with autocast(device_type, dtype=None, enabled=True, cache_enabled=None):` or as a
    decorator. With enabled=False it does nothing, as in PyTorch. Enabled, it warns
    'Disabling autocast' and does nothing: on 'cuda' (and every non-CPU device) because there
    is none, as PyTorch without CUDA; on 'cpu' because chainrule has no float16/bfloat16
    kernels, as PyTorch for a CPU autocast dtype it does not support. Results are then those
    of the full-precision program.

    >>> with chainrule.autocast(device_type="cpu", enabled=False):
    ...     y = chainrule.ones(2, 2) @ chainrule.ones(2, 2)
    >>> y.dtype
    chainrule.float32
    """

    def __init__(self, device_type, dtype=None, enabled=True, cache_enabled=None):
        if isinstance(device_type, _device):
            device_type = device_type.type
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: `{type(device_type)}`")
        if device_type not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start "
                               f"of device string: {device_type}")
        self.device, self.fast_dtype, self._enabled = device_type, dtype, bool(enabled)
        if self._enabled:
            if device_type != "cpu":
                why = (f"User provided device_type of '{device_type}', but chainrule runs on the "
                       "CPU only.")
            else:
                why = ("In CPU autocast, but chainrule has no lower-precision (float16 / bfloat16) "
                       "kernels: ops keep their inputs' dtypes.")
            warnings.warn(f"{why} Disabling autocast.", UserWarning, stacklevel=2)
            self._enabled = False

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def decorate_autocast(*args, **kwargs):
            with self:
                return func(*args, **kwargs)
        return decorate_autocast


def custom_fwd(fwd=None, *, device_type="cuda", cast_inputs=None):
    """Decorator for an autograd.Function's forward under autocast. No autocast region is
    ever active here, so (as PyTorch outside one) the forward runs with its inputs as given.

    >>> class Scale(torch.autograd.Function):
    ...     @staticmethod
    ...     @torch.amp.custom_fwd(device_type='cpu')
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     @torch.amp.custom_bwd(device_type='cpu')
    ...     def backward(ctx, g):
    ...         return g * 2
    ...
    >>> x = torch.tensor([1.0, 3.0], requires_grad=True)
    >>> Scale.apply(x).sum().backward(); x.grad
    tensor([2., 2.])
    """
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    return fwd


def custom_bwd(bwd=None, *, device_type="cuda"):
    """Decorator for an autograd.Function's backward: runs it in the forward's autocast
    state, which in chainrule is always 'off'.

    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     @torch.amp.custom_fwd(device_type='cpu')
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @torch.amp.custom_bwd(device_type='cpu')
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 2 * x * g
    ...
    >>> x = torch.tensor([3.0], requires_grad=True)
    >>> Square.apply(x).backward(); x.grad
    tensor([6.])
    """
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)
    return bwd
