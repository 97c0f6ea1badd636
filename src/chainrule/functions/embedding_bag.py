"""Pieces of embedding_bag (composed in nn/_functional_extra.py): which bag each index
belongs to, each bag's per-dimension argmax (mode='max'), and GradScale, the identity
whose backward scales the gradient (scale_grad_by_freq)."""
import numpy as np

from ..autograd.function import Op


class GradScale(Op):
    """y = x; dy/dx = scale (a constant array broadcast against x). Under create_graph
    the backward is recorded (g * scale), so grad-of-grad works.

    >>> weight = torch.ones(3, 2, requires_grad=True)
    >>> offsets = torch.tensor([0, 2])
    >>> y = F.embedding_bag(torch.tensor([0, 1, 2]), weight, offsets, mode="mean"); y
    tensor([[1., 1.],
            [1., 1.]], grad_fn=<ScatterAddBackward0>)
    >>> y.sum().backward(); weight.grad
    tensor([[0.5000, 0.5000],
            [0.5000, 0.5000],
            [1.0000, 1.0000]])
    """
    saves = False

    def forward(self, x, *, scale):
        self.scale = scale
        return x.copy()

    def backward(self, g):
        return g * self.scale


def bag_layout(offsets, length, include_last_offset, op="embedding_bag"):
    """(number of bags, bag id of every input position (-1: in no bag)) for 1-D offsets,
    with PyTorch's checks.

    >>> from chainrule.functions.embedding_bag import bag_layout
    >>> bag_layout(np.array([0, 2]), 5, include_last_offset=False)
    (2, array([0, 0, 1, 1, 1]))
    """
    off = np.asarray(offsets, dtype=np.int64).reshape(-1)
    if off.size == 0:
        if include_last_offset:
            raise RuntimeError(f"{op}: include_last_offset: number of offsets should be at "
                               f"least 1")
        return 0, np.full(length, -1, dtype=np.int64)
    if off[0] != 0:
        raise RuntimeError(f"{op}: offsets[0] has to be 0, i.e., the first sequence in the "
                           f"mini-batch has to start from position 0. However, got {off[0]}")
    if off[-1] > length:
        raise RuntimeError(f"{op}: offsets[-1] can not be greater than input's length "
                           f"{length} but got offsets[-1] of {off[-1]}")
    if np.any(np.diff(off) < 0):
        raise RuntimeError(f"{op}: offsets must be non-decreasing, got {off.tolist()}")
    starts = off[:-1] if include_last_offset else off
    end = off[-1] if include_last_offset else length
    pos = np.arange(length)
    bag = np.searchsorted(starts, pos, side="right") - 1
    bag[pos >= end] = -1
    return len(starts), bag


def bag_argmax(values, bag, n_bags):
    """For (L, D) values and each position's bag id (-1: excluded), the position of each
    bag's maximum per dimension (the first, as PyTorch's CPU kernel), and which bags are
    empty. Returns (index (n_bags, D) into values' rows, empty (n_bags,) bool).

    >>> from chainrule.functions.embedding_bag import bag_argmax
    >>> values = np.array([[1.0, 5.0], [3.0, 2.0], [0.0, 1.0]])
    >>> bag_argmax(values, np.array([0, 0, 1]), 2)
    (array([[1, 0],
           [2, 2]]), array([False, False]))
    """
    L, D = values.shape
    keep = bag >= 0
    pos = np.nonzero(keep)[0]
    empty = np.ones(n_bags, dtype=bool)
    best = np.zeros((n_bags, D), dtype=np.int64)
    if pos.size == 0:
        return best, empty
    b = bag[pos]                      # non-decreasing: bags are contiguous ranges
    empty[b] = False
    v = values[pos]
    heads = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    top = np.maximum.reduceat(v, heads, axis=0)                      # (bags present, D)
    group = np.repeat(np.arange(heads.size), np.diff(np.r_[heads, pos.size]))
    t = top[group]
    at_top = (v == t) | (np.isnan(v) & np.isnan(t))                  # a NaN maximum: its row
    hit = np.where(at_top, pos[:, None], L)                          # first maximum wins
    best[b[heads]] = np.minimum.reduceat(hit, heads, axis=0)
    return best, empty
