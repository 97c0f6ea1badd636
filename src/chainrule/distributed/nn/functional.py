"""Collectives that autograd differentiates through (torch.distributed.nn.functional).

all_reduce(SUM) is y = sum over ranks of x, the same y on every rank, so each rank's
dL/dx is the sum over ranks of dL/dy: the backward is itself an all_reduce(SUM).
SyncBatchNorm builds its cross-rank statistics from this.

>>> total = chainrule.distributed.nn.functional.all_reduce(local_sum)   # differentiable
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
    unlike dist.all_reduce). Only ReduceOp.SUM is differentiable here."""
    if op is not ReduceOp.SUM:
        raise NotImplementedError(f"distributed.nn.functional.all_reduce: only ReduceOp.SUM "
                                  f"is differentiable here (got {op})")
    return _AllReduceSum.apply(group, tensor)
