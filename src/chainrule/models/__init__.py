"""Ready-made models of the lecture: Rosenblatt's perceptron, logistic / softmax
regression, multi-layer perceptrons (and LeNet-5 where available)."""
from .perceptron import Perceptron
from .logistic import LogisticRegression, SoftmaxRegression
from .mlp import MLP, mlp
from .lenet import LeNet5, linear_classifier, mlp_300, mlp_300_100

__all__ = ["Perceptron", "LogisticRegression", "SoftmaxRegression", "MLP", "mlp", "LeNet5",
           "linear_classifier", "mlp_300", "mlp_300_100"]
from .rbm import RBM  # noqa: E402
from .dbn import DBN  # noqa: E402
__all__ += ["RBM", "DBN"]
