"""Ready-made models of the lecture: Rosenblatt's perceptron, logistic / softmax
regression, multi-layer perceptrons (and LeNet-5 where available)."""
from .perceptron import Perceptron
from .logistic import LogisticRegression, SoftmaxRegression
from .mlp import MLP, mlp

__all__ = ["Perceptron", "LogisticRegression", "SoftmaxRegression", "MLP", "mlp"]
