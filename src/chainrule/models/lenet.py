"""LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, "Gradient-based learning applied to
document recognition") and the fully connected baselines of the paper's MNIST table.

The architecture, as in the paper (Fig. 2):

    input 32x32 (MNIST's 28x28 centred, 2 pixels of padding)
    C1  6 feature maps 5x5 conv        -> 6 @ 28x28
    S2  2x2 subsampling                -> 6 @ 14x14
    C3  16 feature maps 5x5 conv       -> 16 @ 10x10   (the paper: a sparse connection table)
    S4  2x2 subsampling                -> 16 @ 5x5
    C5  120 feature maps 5x5 conv      -> 120 @ 1x1   (a full connection, written as a conv)
    F6  84 units
    output 10 units

Options keep the structure but allow modern choices: activation ("tanh" = the paper's
scaled tanh 1.7159 tanh(2x/3), "relu", "plain_tanh"), pooling ("avg", "max" or
"subsample": the paper's trainable coefficient and bias per map), batch norm after each
conv / F6, the paper's C3 connection table, and dropout before the output. The output is
a linear layer giving logits for cross-entropy, not the paper's RBF units with fixed
7x12 bitmap codes.

>>> net = chainrule.models.LeNet5()                    # the classic layout
>>> net(chainrule.randn(2, 1, 28, 28)).shape          # 28x28 is padded to 32x32
chainrule.Size([2, 10])
>>> modern = chainrule.models.LeNet5(activation="relu", pool="max", batchnorm=True)
>>> modern(chainrule.randn(2, 1, 32, 32)).shape
chainrule.Size([2, 10])
"""
import numpy as np

from .. import nn
from ..functions import conv as _C
from ..functions.shape import pad as _pad
from ..tensor import Tensor

# Table I of the paper: which S2 maps (rows) feed each C3 map (columns).
# Maps 0-5 read 3 contiguous maps, 6-11 read 4 contiguous, 12-14 read 4 non-contiguous,
# 15 reads all six: 60 of the 96 possible connections.
C3_TABLE = np.zeros((16, 6), dtype=bool)
for _j in range(6):
    C3_TABLE[_j, [(_j + i) % 6 for i in range(3)]] = True
    C3_TABLE[6 + _j, [(_j + i) % 6 for i in range(4)]] = True
for _j, _rows in enumerate(([0, 1, 3, 4], [1, 2, 4, 5], [0, 2, 3, 5])):
    C3_TABLE[12 + _j, _rows] = True
C3_TABLE[15] = True

# Test error rates (%) on MNIST from the paper's table of results (no distortions).
PAPER_TEST_ERROR = {"linear": 12.0, "mlp300": 4.7, "mlp300_100": 3.05, "lenet5": 0.95}


class ScaledTanh(nn.Module):
    """f(a) = A tanh(S a) with A = 1.7159, S = 2/3 (the paper's Appendix A): f(1) = 1,
    f(-1) = -1, and the gain is largest around the targets.

    >>> chainrule.models.lenet.ScaledTanh()(chainrule.tensor([0.0, 1.0, 100.0]))
    tensor([0.0000, 1.0000, 1.7159])
    """

    A, S = 1.7159, 2.0 / 3.0

    def forward(self, x):
        return (x * self.S).tanh() * self.A


class Subsampling(nn.Module):
    """LeNet's S-layers: each map's 2x2 block average times a trainable coefficient,
    plus a trainable bias (the paper sums the 4 inputs; the mean differs by a factor the
    coefficient absorbs).

    >>> pool = chainrule.models.lenet.Subsampling(6)
    >>> pool(chainrule.randn(1, 6, 28, 28)).shape, sum(p.numel() for p in pool.parameters())
    (chainrule.Size([1, 6, 14, 14]), 12)
    """

    def __init__(self, channels, kernel_size=2):
        super().__init__()
        self.kernel_size = kernel_size
        self.weight = nn.Parameter(np.ones(channels, dtype=np.float32))
        self.bias = nn.Parameter(np.zeros(channels, dtype=np.float32))

    def forward(self, x):
        y = _C.avg_pool2d(x, self.kernel_size)
        return y * self.weight.reshape(1, -1, 1, 1) + self.bias.reshape(1, -1, 1, 1)

    def extra_repr(self):
        return f"{self.weight.shape[0]}, kernel_size={self.kernel_size}"


class MaskedConv2d(nn.Conv2d):
    """Conv2d whose weight is multiplied by a fixed 0/1 connection mask (out, in): the
    paper's C3, where each map sees only some of S2's maps ("to break the symmetry").

    >>> from chainrule.models.lenet import MaskedConv2d, C3_TABLE
    >>> conv = MaskedConv2d(6, 16, 5, table=C3_TABLE)      # C3 of the paper
    >>> conv(chainrule.randn(1, 6, 14, 14)).shape, int(conv.mask[:, :, 0, 0].sum())
    (chainrule.Size([1, 16, 10, 10]), 60)
    """

    def __init__(self, in_channels, out_channels, kernel_size, table, **kw):
        super().__init__(in_channels, out_channels, kernel_size, **kw)
        table = np.asarray(table, dtype=bool)
        if table.shape != (out_channels, in_channels):
            raise ValueError(f"MaskedConv2d: connection table must be ({out_channels}, "
                             f"{in_channels}), got {table.shape}")
        mask = table[:, :, None, None] * np.ones((1, 1) + self.kernel_size)
        self.register_buffer("mask", Tensor._make(mask.astype(self.weight._data.dtype)))

    def forward(self, input):  # noqa: A002
        w = self.weight * self.mask
        return _C.conv2d(input, w, self.bias, self.stride, self.padding, self.dilation,
                         self.groups)


def _activation(name):
    if name == "tanh":
        return ScaledTanh()
    if name == "plain_tanh":
        return nn.Tanh()
    if name == "relu":
        return nn.ReLU()
    if name == "sigmoid":
        return nn.Sigmoid()
    raise ValueError(f"LeNet5: unknown activation {name!r}; choose 'tanh' (the paper's scaled "
                     f"tanh), 'plain_tanh', 'relu' or 'sigmoid'")


def _pool(name, channels):
    if name == "avg":
        return nn.AvgPool2d(2)
    if name == "max":
        return nn.MaxPool2d(2)
    if name == "subsample":
        return Subsampling(channels)
    raise ValueError(f"LeNet5: unknown pool {name!r}; choose 'avg', 'max' or 'subsample'")


class LeNet5(nn.Module):
    """LeNet-5: C1-S2-C3-S4-C5-F6-output, for 1x32x32 inputs (1x28x28 are zero-padded).

    Args:
        num_classes: output units (10).
        activation: "tanh" (the paper's 1.7159 tanh(2x/3)), "plain_tanh", "relu", "sigmoid".
        pool: "avg", "max", or "subsample" (the paper's trainable scale and bias per map).
        batchnorm: BatchNorm2d after C1, C3 and C5, BatchNorm1d after F6 (before activations).
        connection_table: C3 uses the paper's Table I (60 of 96 map pairs connected).
        dropout: dropout probability before the output layer (0 = none).
        in_channels: input channels (1 for MNIST).

    Attributes c1 ... f6 and `output` name the paper's layers; `features(x)` returns the
    activations after each stage (for the feature-map figures).

    >>> net = chainrule.models.LeNet5()
    >>> net(chainrule.randn(2, 1, 28, 28)).shape
    chainrule.Size([2, 10])
    """

    def __init__(self, num_classes=10, activation="tanh", pool="avg", batchnorm=False,
                 connection_table=False, dropout=0.0, in_channels=1):
        super().__init__()
        self.config = dict(num_classes=num_classes, activation=activation, pool=pool,
                           batchnorm=batchnorm, connection_table=connection_table,
                           dropout=dropout, in_channels=in_channels)
        bn = bool(batchnorm)
        self.c1 = nn.Conv2d(in_channels, 6, 5, bias=not bn)
        self.bn1 = nn.BatchNorm2d(6) if bn else nn.Identity()
        self.act1 = _activation(activation)
        self.s2 = _pool(pool, 6)
        if connection_table:
            self.c3 = MaskedConv2d(6, 16, 5, C3_TABLE, bias=not bn)
        else:
            self.c3 = nn.Conv2d(6, 16, 5, bias=not bn)
        self.bn3 = nn.BatchNorm2d(16) if bn else nn.Identity()
        self.act3 = _activation(activation)
        self.s4 = _pool(pool, 16)
        self.c5 = nn.Conv2d(16, 120, 5, bias=not bn)
        self.bn5 = nn.BatchNorm2d(120) if bn else nn.Identity()
        self.act5 = _activation(activation)
        self.f6 = nn.Linear(120, 84, bias=not bn)
        self.bn6 = nn.BatchNorm1d(84) if bn else nn.Identity()
        self.act6 = _activation(activation)
        self.drop = nn.Dropout(dropout) if dropout else nn.Identity()
        self.output = nn.Linear(84, num_classes)

    @staticmethod
    def _prepare(x):
        if x.dim() == 3:
            x = x.unsqueeze(1)
        if x.dim() != 4:
            raise RuntimeError(f"LeNet5: expected input (N, C, 32, 32) or (N, C, 28, 28), got "
                               f"{list(x.shape)}")
        if tuple(x.shape[2:]) == (28, 28):
            x = _pad(x, (2, 2, 2, 2))  # the paper centres the 28x28 digit in a 32x32 field
        elif tuple(x.shape[2:]) != (32, 32):
            raise RuntimeError(f"LeNet5: expected 32x32 or 28x28 images, got "
                               f"{list(x.shape[2:])}")
        return x

    def features(self, x):
        """Dict of the activations after each stage: c1, s2, c3, s4, c5, f6."""
        out = {}
        x = self._prepare(x)
        x = out["c1"] = self.act1(self.bn1(self.c1(x)))
        x = out["s2"] = self.s2(x)
        x = out["c3"] = self.act3(self.bn3(self.c3(x)))
        x = out["s4"] = self.s4(x)
        x = out["c5"] = self.act5(self.bn5(self.c5(x)))
        out["f6"] = self.act6(self.bn6(self.f6(x.flatten(1))))
        return out

    def forward(self, x):
        x = self._prepare(x)
        x = self.s2(self.act1(self.bn1(self.c1(x))))
        x = self.s4(self.act3(self.bn3(self.c3(x))))
        x = self.act5(self.bn5(self.c5(x))).flatten(1)
        x = self.act6(self.bn6(self.f6(x)))
        return self.output(self.drop(x))


def linear_classifier(in_features=784, num_classes=10):
    """The paper's "linear classifier": each output unit a weighted sum of the 784 pixels
    plus a bias (one Linear layer on the flattened image).

    >>> net = chainrule.models.linear_classifier()
    >>> net(chainrule.randn(2, 1, 28, 28)).shape
    chainrule.Size([2, 10])
    """
    return nn.Sequential(nn.Flatten(), nn.Linear(in_features, num_classes))


def mlp_300(in_features=784, num_classes=10, activation="relu"):
    """The paper's "2-layer NN, 300 hidden units": 784-300-10.

    >>> net = chainrule.models.mlp_300()
    >>> net(chainrule.randn(2, 1, 28, 28)).shape, sum(p.numel() for p in net.parameters())
    (chainrule.Size([2, 10]), 238510)
    """
    from .mlp import mlp
    return nn.Sequential(nn.Flatten(), *mlp([in_features, 300, num_classes], activation))


def mlp_300_100(in_features=784, num_classes=10, activation="relu"):
    """The paper's "3-layer NN, 300+100 hidden units": 784-300-100-10.

    >>> net = chainrule.models.mlp_300_100()
    >>> net(chainrule.randn(2, 784)).shape
    chainrule.Size([2, 10])
    """
    from .mlp import mlp
    return nn.Sequential(nn.Flatten(), *mlp([in_features, 300, 100, num_classes], activation))


__all__ = ["LeNet5", "ScaledTanh", "Subsampling", "MaskedConv2d", "C3_TABLE",
           "PAPER_TEST_ERROR", "linear_classifier", "mlp_300", "mlp_300_100"]
