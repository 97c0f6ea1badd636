"""Logistic regression and its multi-class form (Linear + Softmax), as nn.Modules.

Binary: p(t = 1 | x) = sigmoid(w . x + b), trained on the binary cross-entropy
E(w) = -1/N sum_i [ t_i log p_i + (1 - t_i) log(1 - p_i) ] (the lecture's perceptron with a
sigmoid). Multi-class: p(k | x) = softmax(W x + b)_k with cross-entropy. Both return
*logits* from forward (the losses are fused on logits for stability:
binary_cross_entropy_with_logits, cross_entropy); `predict_proba` applies the squashing.
"""
from .. import nn


class LogisticRegression(nn.Module):
    """One sigmoid unit: forward(x) (N, in_features) -> logits (N,).

    >>> model = chainrule.models.LogisticRegression(2)
    >>> x = chainrule.tensor([[1.0, 2.0], [-1.0, 0.5]])
    >>> p = model.predict_proba(x)                      # sigmoid of the logits
    >>> model(x).shape, bool(((p > 0) & (p < 1)).all())
    (chainrule.Size([2]), True)
    """

    def __init__(self, in_features):
        super().__init__()
        self.linear = nn.Linear(in_features, 1)

    def forward(self, x):
        return self.linear(x).squeeze(-1)

    def predict_proba(self, x):
        """p(t = 1 | x) per sample, shape (N,)."""
        return self.forward(x).sigmoid()


class SoftmaxRegression(nn.Module):
    """Multinomial logistic regression: forward(x) (N, in_features) -> logits (N, classes).

    >>> model = chainrule.models.SoftmaxRegression(64, 10)
    >>> p = model.predict_proba(chainrule.randn(5, 64))
    >>> p.shape, chainrule.allclose(p.sum(-1), chainrule.ones(5))
    (chainrule.Size([5, 10]), True)
    """

    def __init__(self, in_features, num_classes):
        super().__init__()
        self.linear = nn.Linear(in_features, num_classes)

    def forward(self, x):
        return self.linear(x)

    def predict_proba(self, x):
        return self.forward(x).softmax(-1)
