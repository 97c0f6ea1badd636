"""Multi-layer perceptrons: Linear layers with a non-linearity between them.

>>> net = chainrule.models.mlp([2, 4, 1], activation="tanh")  # the 2-4-1 net that solves XOR
>>> net
Sequential(
  (0): Linear(in_features=2, out_features=4, bias=True)
  (1): Tanh()
  (2): Linear(in_features=4, out_features=1, bias=True)
)
"""
from .. import nn

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def activation(name):
    """An activation module by name: relu, tanh or sigmoid.

    >>> from chainrule.models.mlp import activation
    >>> activation("tanh"), activation("relu")
    (Tanh(), ReLU())
    """
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"mlp: unknown activation {name!r}; choose from "
                         f"{', '.join(ACTIVATIONS)}") from None


def mlp(sizes, activation="relu", bias=True):
    """nn.Sequential of Linear(sizes[i], sizes[i+1]) with `activation` between layers (none
    after the last: it returns logits). sizes = [in, hidden..., out], at least two entries.

    >>> net = chainrule.models.mlp([3, 5, 2], activation="sigmoid")
    >>> [type(m).__name__ for m in net], net(chainrule.randn(4, 3)).shape
    (['Linear', 'Sigmoid', 'Linear'], chainrule.Size([4, 2]))
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"mlp: sizes must be at least [in, out] of positive ints, got {sizes}")
    act = globals()["activation"]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i < len(sizes) - 2:
            layers.append(act(activation))
    return nn.Sequential(*layers)


class MLP(nn.Sequential):
    """An mlp() as a class: MLP([784, 128, 10], activation="relu").

    >>> net = chainrule.models.MLP([2, 4, 1], activation="tanh")
    >>> isinstance(net, nn.Sequential), net(chainrule.randn(8, 2)).shape
    (True, chainrule.Size([8, 1]))
    """

    def __init__(self, sizes, activation="relu", bias=True):
        super().__init__(*mlp(sizes, activation=activation, bias=bias))
        self.sizes = list(sizes)
        self.activation_name = activation
