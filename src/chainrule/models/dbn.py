"""Deep belief nets (Hinton, Osindero & Teh 2006): a stack of RBMs trained greedily, one
layer at a time, each on the hidden activities of the one below; then unrolled into a
feed-forward net and fine-tuned by backprop (Hinton & Salakhutdinov 2006).

    784 -> RBM(784, 500) -> p(h1|v) -> RBM(500, 500) -> p(h2|h1) -> RBM(500, 2000)
    => nn.Sequential(Linear(784, 500), Sigmoid(), Linear(500, 500), Sigmoid(),
                     Linear(500, 2000), Sigmoid(), Linear(2000, 10))

Each RBM's weight (n_hidden, n_visible) and hidden bias become one Linear layer: the
unrolled net's activations are exactly the stack's mean-field up-pass p(h_l | h_{l-1}).

>>> X = chainrule.datasets.load_digits()[0][:300] / 16       # pixels in [0, 1]
>>> dbn = chainrule.models.DBN([64, 32, 16], lr=0.1, batch_size=20)
>>> _ = dbn.pretrain(X, epochs=2)
>>> net = dbn.to_sequential(n_classes=10)     # fine-tune with any optimiser
>>> net(X[:5]).shape
chainrule.Size([5, 10])
"""
from .. import nn
from ..random import rng as _rng
from .rbm import RBM


class DBN(nn.Module):
    """A stack of RBMs over layer sizes ``sizes`` (visible first), trained greedily by
    ``pretrain`` and unrolled by ``to_sequential``. Keyword arguments go to every RBM
    (``RBM``'s training settings); ``visible`` sets the bottom RBM's visible units (the
    upper ones see probabilities in [0, 1] and are Bernoulli).

    >>> X = chainrule.datasets.load_digits()[0][:200] / 16       # (200, 64) in [0, 1]
    >>> dbn = chainrule.models.DBN([64, 32, 16], batch_size=10)
    >>> _ = dbn.pretrain(X, epochs=2)
    >>> dbn.transform(X).shape                # the top layer's p(h | v)
    (200, 16)
    """

    def __init__(self, sizes, visible="bernoulli", **rbm_kwargs):
        super().__init__()
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"DBN: sizes must list at least two positive layer sizes, got "
                             f"{sizes}")
        self.sizes = sizes
        self.rbms = nn.ModuleList([
            RBM(n_in, n_out, visible=visible if i == 0 else "bernoulli", **rbm_kwargs)
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))])

    def extra_repr(self):
        return "sizes=" + "-".join(map(str, self.sizes))

    def pretrain(self, X, epochs=None, momentum_schedule=None, log=None):
        """Greedy layer-wise training: fit the bottom RBM on X, then each next RBM on the
        mean-field activities p(h | v) of the one below. ``momentum_schedule(epoch)`` (0-based)
        sets every RBM's momentum per epoch (Hinton & Salakhutdinov: 0.5 for 5 epochs, then
        0.9). Returns self."""
        data = X
        for li, rbm in enumerate(self.rbms):
            n_epochs = rbm.epochs if epochs is None else int(epochs)
            for ep in range(n_epochs):
                if momentum_schedule is not None:
                    rbm.momentum = float(momentum_schedule(ep))
                rbm.fit(data, epochs=1)
                if log is not None:
                    log(f"  DBN layer {li + 1}/{len(self.rbms)} ({rbm.n_visible}-"
                        f"{rbm.n_hidden}): epoch {ep + 1}/{n_epochs}, reconstruction error "
                        f"{rbm.history[-1]['reconstruction_error']:.4f}")
            data = rbm.transform(data)
        return self

    fit = pretrain

    def transform(self, X):
        """The mean-field up-pass: the top RBM's p(h | v) for each row of X, an ndarray."""
        for rbm in self.rbms:
            X = rbm.transform(X)
        return X

    def up_pass(self, X):
        """Every layer's mean-field activities [p(h1 | v), p(h2 | h1), ...], ndarrays."""
        out = []
        for rbm in self.rbms:
            X = rbm.transform(X)
            out.append(X)
        return out

    def forward(self, v):
        """The up-pass as a differentiable tensor computation (the top layer's p(h | v))."""
        for rbm in self.rbms:
            v = rbm(v)
        return v

    def to_sequential(self, n_classes=None, head_init_std=None):
        """An ``nn.Sequential`` of Linear + Sigmoid layers holding copies of the RBMs'
        weights and hidden biases (so its activations equal the mean-field up-pass), plus a
        ``Linear(sizes[-1], n_classes)`` classifier head (PyTorch's default init, or
        N(0, head_init_std^2) and zero bias) when n_classes is given. The copies are
        independent of the DBN: fine-tuning does not change the RBMs.

        >>> dbn = chainrule.models.DBN([64, 32, 16])
        >>> net = dbn.to_sequential(n_classes=10)
        >>> [type(m).__name__ for m in net]
        ['Linear', 'Sigmoid', 'Linear', 'Sigmoid', 'Linear']
        >>> v = chainrule.rand(3, 64)
        >>> np.allclose(net[:4](v).detach().numpy(), dbn.transform(v), atol=1e-6)
        True
        """
        layers = []
        for rbm in self.rbms:
            W, c, _ = rbm._arrays()
            lin = nn.Linear(rbm.n_visible, rbm.n_hidden, dtype=rbm.weight.dtype)
            lin.weight.detach().numpy()[...] = W
            lin.bias.detach().numpy()[...] = c
            layers += [lin, nn.Sigmoid()]
        if n_classes is not None:
            head = nn.Linear(self.sizes[-1], int(n_classes), dtype=self.rbms[-1].weight.dtype)
            if head_init_std is not None:
                g = _rng()
                head.weight.detach().numpy()[...] = g.standard_normal(
                    tuple(head.weight.shape)) * head_init_std
                head.bias.detach().numpy()[...] = 0
            layers.append(head)
        return nn.Sequential(*layers)
