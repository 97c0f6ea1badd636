"""SyncBatchNorm: batch normalisation whose statistics cover the whole global batch.

In training each rank's per-channel sums are all-reduced (differentiably, through
chainrule.distributed.nn.functional.all_reduce, whose backward all-reduces the
gradient), so every rank normalises with the mean and variance of all ranks' samples:
the same result as BatchNorm on the concatenated batch. Two passes (sum, then squared
deviations) keep float32 variance accurate. Outside a process group, or in eval with
running statistics, it is BatchNorm.

>>> model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
>>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d replaced
>>> model[1]
SyncBatchNorm(2, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
>>> model(torch.randn(4, 1, 5, 5)).shape
chainrule.Size([4, 2, 3, 3])
"""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..tensor import Tensor
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, *) inputs with statistics synchronised across `process_group`
    (the world by default) in training.

    >>> import chainrule.distributed as dist
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> bn = nn.SyncBatchNorm(2)
    >>> x = torch.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> bn(x)                     # normalised with the mean and variance over all ranks' rows
    tensor([[-1.0000, -1.0000],
            [ 1.0000,  1.0000]], grad_fn=<NormalizeBackward0>)
    >>> bn.running_mean
    tensor([0.2000, 2.0000])
    >>> dist.destroy_process_group()
    """
    _ndims = (2, 3, 4, 5)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, input):  # noqa: A002
        from .. import distributed as dist
        if input.dim() < 2:
            raise ValueError(f"SyncBatchNorm: expected at least 2D input (got {input.dim()}D "
                             f"input of shape {list(input.shape)})")
        use_batch = self.training or self.running_mean is None
        sync = (use_batch and dist.is_initialized()
                and dist.get_world_size(self.process_group) > 1)
        if not sync:
            return _BatchNorm.forward(self, input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked.item())
        return self._sync_forward(input, factor)

    def _sync_forward(self, x, factor):
        from ..distributed.nn.functional import all_reduce
        from ..functions import cat
        group = self.process_group
        C = x.shape[1]
        dims = [0] + list(range(2, x.dim()))
        shape = (1, C) + (1,) * (x.dim() - 2)
        local_n = x.numel() // C
        count = Tensor._make(np.array([float(local_n)], dtype=x.detach().numpy().dtype))
        first = all_reduce(cat([x.sum(dim=dims), count]), group=group)
        total = float(first[C].item())
        if total <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"{int(total)} over all ranks (input size {list(x.shape)})")
        mean = first[:C] / total
        centered = x - mean.reshape(shape)
        var = all_reduce((centered * centered).sum(dim=dims), group=group) / total
        y = centered * (var.reshape(shape) + self.eps).rsqrt()
        if self.weight is not None:
            y = y * self.weight.reshape(shape)
        if self.bias is not None:
            y = y + self.bias.reshape(shape)
        if self.training and self.track_running_stats:
            with no_grad():
                unbiased = var.detach() * (total / (total - 1))
                self.running_mean.mul_(1 - factor).add_(mean.detach() * factor)
                self.running_var.mul_(1 - factor).add_(unbiased * factor)
        return y

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """A copy of `module`'s tree with every BatchNorm*d replaced by a SyncBatchNorm that
        shares its parameters and buffers (the module itself when it is a BatchNorm).

        >>> model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
        >>> model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
        >>> model
        Sequential(
          (0): Linear(in_features=3, out_features=2, bias=True)
          (1): SyncBatchNorm(2, eps=1e-05, momentum=0.1, affine=True, bias=True,
                             track_running_stats=True)
        )
        """
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(module.num_features, module.eps, module.momentum, module.affine,
                      module.track_running_stats, process_group)
            if module.affine:
                out.weight, out.bias = module.weight, module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.training = module.training
        for name, child in module.named_children():
            out.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return out

