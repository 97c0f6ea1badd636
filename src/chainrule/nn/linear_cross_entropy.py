"""linear_cross_entropy: a Linear layer's logits fed to cross-entropy, in one call
(PyTorch 2.13's F.linear_cross_entropy / nn.LinearCrossEntropyLoss).

chainrule computes it by the reference path (linear, then the fused cross-entropy);
LinearCrossEntropyOptions is accepted for PyTorch code that passes it, and gives the same
numbers (PyTorch's chunked path is an optimisation with equal results).
"""
import math

from . import _functional as F
from .linear import Linear
from .loss import _WeightedLoss


class LinearCrossEntropyOptions:
    """PyTorch's chunking options for linear_cross_entropy (kept for compatibility).

    >>> opts = nn.LinearCrossEntropyOptions(chunking_method='auto')
    >>> opts.acc_policy, opts.chunking_method
    ('auto', 'auto')
    >>> x, W = torch.tensor([[1.0, 0.0]]), torch.tensor([[2.0, 0.0], [0.0, 0.0]])
    >>> F.linear_cross_entropy(x, W, torch.tensor([0]), options=opts)
    tensor(0.1269)
    """

    def __init__(self, acc_policy="auto", chunking_method="auto", **kwargs):
        self.acc_policy, self.chunking_method = acc_policy, chunking_method
        self.__dict__.update(kwargs)

    def __repr__(self):
        return (f"LinearCrossEntropyOptions(acc_policy={self.acc_policy!r}, "
                f"chunking_method={self.chunking_method!r})")


def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None, weight=None,  # noqa: A002
                         reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """Returns the cross-entropy of a linear layer's logits, in one call.

    cross_entropy(linear(input, W, b), target) with W of shape (C, *out_features, in).

    >>> x = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> W = torch.tensor([[2.0, 0.0], [0.0, 0.0], [0.0, 3.0]])     # 3 classes, 2 features
    >>> F.linear_cross_entropy(x, W, torch.tensor([0, 2]))
    tensor(0.1672)
    >>> F.cross_entropy(F.linear(x, W), torch.tensor([0, 2]))
    tensor(0.1672)
    """
    if input.dim() < 1 or input.dim() > 2:
        raise RuntimeError(f"expected input with dimensionality 1 or 2, got {input.dim()}")
    if linear_weight.dim() < 2:
        raise RuntimeError(f"expected linear_weight with dimensionality at least 2, got "
                           f"{linear_weight.dim()}")
    in_features = input.shape[-1]
    if in_features != linear_weight.shape[-1]:
        raise RuntimeError(f"expected equal input and linear_weight last dimensions "
                           f"(in_features), got {input.shape[-1]} and "
                           f"{linear_weight.shape[-1]}, respectively")
    num_classes = linear_weight.shape[0]
    out_features = tuple(linear_weight.shape[1:-1])
    if linear_bias is not None and tuple(linear_bias.shape) != (num_classes, *out_features):
        raise RuntimeError(f"expected linear_bias shape {(num_classes, *out_features)}, got "
                           f"{tuple(linear_bias.shape)}")
    batch = tuple(input.shape[:-1])
    if out_features and not batch:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, "
                           f"(N, {in_features}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    flat = math.prod(out_features, start=num_classes)
    w = linear_weight.reshape(flat, in_features) if out_features else linear_weight
    b = linear_bias.reshape(flat) if (out_features and linear_bias is not None) else linear_bias
    logits = F.linear(input, w, b).reshape(*batch, num_classes, *out_features)
    return F.cross_entropy(logits, target, weight=weight, reduction=reduction,
                           ignore_index=-100 if ignore_index is None else ignore_index,
                           label_smoothing=label_smoothing)


class LinearCrossEntropyLoss(_WeightedLoss):
    """A Linear layer (in_features -> num_classes x out_features) and cross-entropy.

    >>> loss = nn.LinearCrossEntropyLoss(4, 3)
    >>> loss.linear.weight.shape
    chainrule.Size([3, 4])
    >>> loss(torch.randn(5, 4), torch.tensor([0, 1, 2, 0, 1])).shape
    chainrule.Size([])
    """

    def __init__(self, in_features, num_classes, *, out_features=(), bias=False, device=None,
                 dtype=None, reduction="mean", weight=None, ignore_index=None,
                 label_smoothing=0.0, options=None):
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes, self.out_features = num_classes, tuple(out_features)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        self.linear = Linear(in_features, math.prod(self.out_features, start=num_classes),
                             bias=bias, dtype=dtype)
        self.options = options

    def forward(self, input, target):  # noqa: A002
        w = self.linear.weight.reshape(self.num_classes, *self.out_features,
                                       self.linear.in_features)
        b = self.linear.bias.reshape(self.num_classes, *self.out_features) \
            if self.linear.bias is not None else None
        return linear_cross_entropy(input, w, target, linear_bias=b, weight=self.weight,
                                    reduction=self.reduction, ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self):
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
