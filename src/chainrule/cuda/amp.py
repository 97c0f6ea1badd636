"""torch.cuda.amp: the deprecated spellings of torch.amp's autocast / GradScaler for 'cuda'.
As in PyTorch they warn that they are deprecated; with no CUDA they then disable themselves."""
import warnings

from .. import amp as _amp
from ..amp import custom_fwd as _custom_fwd, custom_bwd as _custom_bwd


class autocast(_amp.autocast):
    """`torch.cuda.amp.autocast(args...)`: `torch.amp.autocast('cuda', args...)`.

    >>> with torch.cuda.amp.autocast(enabled=False):      # deprecated spelling: warns
    ...     y = torch.ones(2) * 3
    ...
    >>> y.dtype
    chainrule.float32
    """

    def __init__(self, enabled=True, dtype=None, cache_enabled=True):
        warnings.warn("`torch.cuda.amp.autocast(args...)` is deprecated. Please use "
                      "`torch.amp.autocast('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


class GradScaler(_amp.GradScaler):
    """`torch.cuda.amp.GradScaler(args...)`: `torch.amp.GradScaler('cuda', args...)`.

    >>> scaler = torch.cuda.amp.GradScaler()     # warns: deprecated, and no CUDA here
    >>> scaler.is_enabled()
    False
    >>> loss = torch.tensor(2.0, requires_grad=True)
    >>> scaler.scale(loss) is loss                # disabled: the loss unscaled
    True
    """

    def __init__(self, init_scale=2.0 ** 16, growth_factor=2.0, backoff_factor=0.5,
                 growth_interval=2000, enabled=True):
        warnings.warn("`torch.cuda.amp.GradScaler(args...)` is deprecated. Please use "
                      "`torch.amp.GradScaler('cuda', args...)` instead.", FutureWarning, stacklevel=2)
        super().__init__("cuda", init_scale=init_scale, growth_factor=growth_factor,
                         backoff_factor=backoff_factor, growth_interval=growth_interval,
                         enabled=enabled)


def custom_fwd(fwd=None, *, cast_inputs=None):
    """torch.cuda.amp.custom_fwd: torch.amp.custom_fwd with device_type='cuda'.

    >>> class Double(torch.autograd.Function):
    ...     @staticmethod
    ...     @torch.cuda.amp.custom_fwd
    ...     def forward(ctx, x):
    ...         return x * 2
    ...     @staticmethod
    ...     @torch.cuda.amp.custom_bwd
    ...     def backward(ctx, g):
    ...         return g * 2
    ...
    >>> Double.apply(torch.tensor([1.5], requires_grad=True))
    tensor([3.], grad_fn=<DoubleBackward>)
    """
    return _custom_fwd(fwd, device_type="cuda", cast_inputs=cast_inputs)


def custom_bwd(bwd=None):
    """torch.cuda.amp.custom_bwd: torch.amp.custom_bwd with device_type='cuda'.

    >>> class Neg(torch.autograd.Function):
    ...     @staticmethod
    ...     @torch.cuda.amp.custom_fwd
    ...     def forward(ctx, x):
    ...         return -x
    ...     @staticmethod
    ...     @torch.cuda.amp.custom_bwd
    ...     def backward(ctx, g):
    ...         return -g
    ...
    >>> x = torch.tensor([1.0], requires_grad=True)
    >>> Neg.apply(x).backward(); x.grad
    tensor([-1.])
    """
    return _custom_bwd(bwd, device_type="cuda")
