"""Collectives that autograd differentiates through (torch.distributed.nn.functional).

all_reduce(SUM) is y = sum over ranks of x, the same y on every rank, so each rank's
dL/dx is the sum over ranks of dL/dy: the backward is itself an all_reduce(SUM).
SyncBatchNorm builds its cross-rank statistics from this.

>>> import chainrule.distributed as dist
>>> from chainrule.distributed.nn.functional import all_reduce
>>> dist.init_process_group("gloo")     # a one-process world here; mpiexec -n N for more
>>> local_sum = chainrule.tensor([2.0, 3.0], requires_grad=True)
>>> total = all_reduce(local_sum)       # differentiable
>>> total.sum().backward(); local_sum.grad
tensor([1., 1.])
>>> dist.destroy_process_group()
"""
from ...autograd.function import Function
from ..collectives import ReduceOp, all_reduce as _all_reduce_inplace

__all__ = ["all_reduce"]


class _AllReduceSum(Function):
    @staticmethod
    def forward(ctx, group, tensor):
        ctx.group = group
        out = tensor.clone()
        _all_reduce_inplace(out, op=ReduceOp.SUM, group=group)
        return out

    @staticmethod
    def backward(ctx, grad):
        g = grad.clone()
        _all_reduce_inplace(g, op=ReduceOp.SUM, group=ctx.group)
        return None, g


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """The sum over ranks of `tensor`, as a new tensor recorded for autograd (out of place,
    unlike dist.all_reduce). Only ReduceOp.SUM is differentiable here.

    >>> import chainrule.distributed as dist
    >>> from chainrule.distributed.nn.functional import all_reduce
    >>> dist.init_process_group("gloo")   # a one-process world here; mpiexec -n N for more
    >>> x = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> y = all_reduce(x * 3)               # y = sum over ranks of 3x
    >>> y.sum().backward()
    >>> y, x.grad                           # dL/dx = 3 * (number of ranks)
    (tensor([3., 6.], grad_fn=<_AllReduceSumBackward>), tensor([3., 3.]))
    >>> dist.destroy_process_group()
    """
    if op is not ReduceOp.SUM:
        raise NotImplementedError(f"distributed.nn.functional.all_reduce: only ReduceOp.SUM "
                                  f"is differentiable here (got {op})")
    return _AllReduceSum.apply(group, tensor)
