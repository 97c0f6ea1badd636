"""Rosenblatt's perceptron (1958), trained with his rule.

y(x) = sign(w . x + b), targets t in {-1, +1}. The lecture's perceptron criterion sums
over the misclassified set M:

    E_P(w) = - sum_{n in M} t_n (w . x_n + b)

and gradient descent on it, one sample at a time, is Rosenblatt's rule

    w <- w - eta grad_w E_P = w + eta t_n x_n,    b <- b + eta t_n     (x_n misclassified).

`Perceptron.step` computes exactly that: it builds E_P for the presented sample with
chainrule's autograd, calls backward, and moves against the gradient, so the rule is
*derived* by backprop rather than hard-coded (and a test checks the two agree).
"""
import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import zeros
from ..tensor import Tensor


class Perceptron:
    """A single threshold unit over `in_features` inputs, weights and bias starting at 0.

    >>> X = chainrule.tensor([[2.0, 1.0], [1.0, 3.0], [-1.0, -2.0], [-2.0, 0.5]])
    >>> t = chainrule.tensor([1.0, 1.0, -1.0, -1.0])     # linearly separable
    >>> p = chainrule.models.Perceptron(2)
    >>> _ = p.fit(X, t)
    >>> p.predict(X), p.errors(X, t)
    (tensor([ 1,  1, -1, -1]), 0)
    """

    def __init__(self, in_features, lr=1.0, dtype=None):
        if int(in_features) < 1:
            raise ValueError(f"Perceptron: in_features must be >= 1, got {in_features}")
        self.in_features = int(in_features)
        self.lr = float(lr)
        self.weight = zeros(self.in_features, dtype=dtype, requires_grad=True)
        self.bias = zeros((), dtype=dtype, requires_grad=True)
        self.presentations = 0   # samples shown so far
        self.updates = 0         # of which misclassified (weights changed)

    def _check(self, x, what):
        if not isinstance(x, Tensor):
            from ..creation import tensor
            x = tensor(np.asarray(x), dtype=self.weight.dtype)
        if x.shape[-1] != self.in_features:
            raise ValueError(f"Perceptron.{what}: expected inputs with {self.in_features} "
                             f"features, got shape {list(x.shape)}")
        return x

    def forward(self, x):
        """The activation w . x + b (before the threshold)."""
        x = self._check(x, "forward")
        return x @ self.weight + self.bias

    __call__ = forward

    def predict(self, x):
        """+1 or -1 per sample (a score of exactly 0 counts as -1)."""
        with no_grad():
            s = self.forward(x)
        return Tensor._make(np.where(s._data > 0, 1, -1).astype(np.int64))

    def criterion(self, x, t):
        """E_P: minus the sum of t_n (w . x_n + b) over the misclassified samples (>= 0)."""
        x = self._check(x, "criterion")
        t = t if isinstance(t, Tensor) else Tensor._make(np.asarray(t, dtype=x._data.dtype))
        s = self.forward(x)
        m = (t._data * s._data) <= 0
        return -(s * t.to(s.dtype) * Tensor._make(m.astype(s._data.dtype))).sum()

    def step(self, x_n, t_n):
        """Present one sample; if misclassified, w <- w - lr grad E_P (= w + lr t_n x_n).
        Returns True when the weights changed."""
        self.presentations += 1
        x_n = self._check(x_n, "step")
        s = self.forward(x_n)
        if float(t_n) * float(s.item()) > 0:
            return False
        loss = -(s * float(t_n))          # E_P restricted to this misclassified sample
        self.weight.grad = None
        self.bias.grad = None
        loss.backward()
        with no_grad():
            self.weight.sub_(self.weight.grad * self.lr)
            self.bias.sub_(self.bias.grad * self.lr)
        self.updates += 1
        return True

    def errors(self, X, t):
        """How many samples of X are misclassified."""
        t = np.asarray(t._data if isinstance(t, Tensor) else t)
        return int((self.predict(X)._data != t).sum())

    def fit(self, X, t, max_epochs=100, shuffle=True, rng=None, callback=None):
        """Cycle through the samples (shuffled each epoch) until an epoch makes no mistake
        or max_epochs pass. callback(self, n, changed) runs after every presentation.
        Returns the number of presentations after which the training set was first
        separated (all samples right), or None if it never was."""
        X = self._check(X, "fit")
        t_arr = np.asarray(t._data if isinstance(t, Tensor) else t)
        if set(np.unique(t_arr).tolist()) - {-1, 1}:
            raise ValueError("Perceptron.fit: targets must be -1 or +1")
        rng = rng if rng is not None else np.random.default_rng(0)
        n = X.shape[0]
        separated_at = None
        Xd = X._data
        for _ in range(max_epochs):
            order = rng.permutation(n) if shuffle else np.arange(n)
            mistakes = 0
            for i in order:
                changed = self.step(Tensor._make(Xd[i]), t_arr[i])
                mistakes += changed
                if changed and separated_at is None and self.errors(X, t_arr) == 0:
                    separated_at = self.presentations
                if callback is not None:
                    callback(self, int(i), changed)
            if mistakes == 0:
                if separated_at is None:   # separated from the start (all-zero can't be)
                    separated_at = self.presentations - n
                break
        return separated_at
