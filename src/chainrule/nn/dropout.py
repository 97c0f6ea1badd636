"""Dropout layers: active in train mode, identity in eval mode."""
from . import _functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability p in training, scaling the rest by 1/(1-p).

    >>> drop = nn.Dropout(0.5)
    >>> drop(torch.ones(8))
    tensor([2., 2., 2., 0., 0., 0., 0., 0.])
    >>> x = torch.ones(3)
    >>> drop.eval()(x) is x
    True
    """

    def forward(self, input):  # noqa: A002
        return F.dropout(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) inputs in training.

    >>> out = nn.Dropout1d(0.5)(torch.ones(1, 4, 3))
    >>> out
    tensor([[[2., 2., 2.],
             [2., 2., 2.],
             [2., 2., 2.],
             [0., 0., 0.]]])
    """
    def forward(self, input):  # noqa: A002
        return F.dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs in training.

    >>> out = nn.Dropout2d(0.5)(torch.ones(1, 4, 2, 2))
    >>> out.sum((2, 3))
    tensor([[8., 8., 8., 0.]])
    """
    def forward(self, input):  # noqa: A002
        return F.dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) inputs in training.

    >>> out = nn.Dropout3d(0.5)(torch.ones(1, 4, 2, 2, 2))
    >>> out.sum((2, 3, 4))
    tensor([[16., 16., 16.,  0.]])
    """
    def forward(self, input):  # noqa: A002
        return F.dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps the mean and variance of SELU activations.

    >>> drop = nn.AlphaDropout(0.2)
    >>> x = torch.randn(10000)
    >>> y = drop(x)
    >>> round(y.mean().item(), 1), round(y.std().item(), 1)
    (0.0, 1.0)
    >>> drop.eval()(x) is x
    True
    """
    def forward(self, input):  # noqa: A002
        return F.alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (for SELU networks on (N, C, *) inputs).

    >>> y = nn.FeatureAlphaDropout(0.5)(torch.ones(1, 4, 3))
    >>> y.shape
    chainrule.Size([1, 4, 3])
    >>> bool((y == y[:, :, :1]).all())
    True
    """
    def forward(self, input):  # noqa: A002
        from ._functional_extra import feature_alpha_dropout
        return feature_alpha_dropout(input, self.p, self.training)
