"""AdaptiveLogSoftmaxWithLoss: the adaptive softmax of Grave et al. (2017) for large
vocabularies: frequent classes in a head, rarer ones in clusters reached through it."""
from collections import namedtuple

import numpy as np

from . import _functional as F
from .containers import ModuleList, Sequential
from .linear import Linear
from .module import Module
from .. import functions as _f
from ..creation import zeros_like
from ..tensor import Tensor

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """log p(target | input) by a head over the shortlist and one entry per cluster, times
    the cluster's own softmax (PyTorch's module, parameters and outputs).

    >>> asm = nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7])
    >>> out = asm(chainrule.randn(3, 8), chainrule.tensor([0, 5, 9]))
    >>> out.output.shape, out.loss.shape
    (chainrule.Size([3]), chainrule.Size([]))
    """

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False,
                 device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers "
                             "sorted in an increasing order, where each value is between 1 "
                             "and n_classes-1")
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = cutoffs + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hsz, bias=False, dtype=dtype),
                                        Linear(hsz, osz, bias=False, dtype=dtype)))

    def reset_parameters(self):
        self.head.reset_parameters()
        for i2h, h2o in self.tail:
            i2h.reset_parameters()
            h2o.reset_parameters()

    def forward(self, input_, target_):  # noqa: D401
        targ_dim = target_.dim()
        if targ_dim == 1:
            if input_.size(0) != target_.size(0):
                raise RuntimeError("Input and target should have the same size in the batch "
                                   "dimension.")
            if input_.dim() != 2:
                raise RuntimeError("1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {list(input_.shape)}")
        elif targ_dim == 0:
            if input_.dim() != 1:
                raise RuntimeError("0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {list(input_.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = targ_dim > 0
        x = input_ if batched else input_.unsqueeze(0)
        t = (target_ if batched else target_.unsqueeze(0))._data.astype(np.int64)
        n = t.shape[0]
        if n and (t.min() < 0 or t.max() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{t.min()}, {t.max()}] were found. ")
        output = zeros_like(x[:, 0]) if n else x.sum(1)
        head_index = t.copy()
        for i in range(1, self.n_clusters + 1):
            low, high = self.cutoffs[i - 1], self.cutoffs[i]
            rows = np.flatnonzero((t >= low) & (t < high))
            if rows.size == 0:
                continue
            head_index[rows] = self.shortlist_size + i - 1
            r = Tensor._make(rows)
            cluster = F.log_softmax(self.tail[i - 1](x.index_select(0, r)), dim=1)
            local = cluster.gather(1, Tensor._make((t[rows] - low).reshape(-1, 1)))
            output = output.index_add(0, r, local.squeeze(1))
        head = F.log_softmax(self.head(x), dim=1)
        output = output + head.gather(1, Tensor._make(head_index.reshape(-1, 1))).squeeze(1)
        loss = (-output).mean()
        if not batched:
            output = output.squeeze(0)
        return _ASMoutput(output, loss)

    def _get_full_log_prob(self, x, head_output):
        head = F.log_softmax(head_output, dim=1)
        parts = [head[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = F.log_softmax(self.tail[i](x), dim=1)
            parts.append(cluster + head[:, self.shortlist_size + i].unsqueeze(1))
        return _f.cat(parts, dim=1)

    def log_prob(self, input):  # noqa: A002
        """log p(class | input) for every class: (N, n_classes)."""
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        out = self._get_full_log_prob(x, self.head(x))
        return out if batched else out.squeeze(0)

    def predict(self, input):  # noqa: A002
        """The most likely class, argmax of log_prob (computed without the tails when the
        head's shortlist already wins)."""
        return self.log_prob(input).argmax(dim=-1)
