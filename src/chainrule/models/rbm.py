"""Restricted Boltzmann machines (Smolensky 1986, Hinton 2002): the unsupervised feature
learners that started the deep-learning revival of 2006.

An RBM is a bipartite Markov random field over visible units v and hidden units h with
weights W (n_hidden, n_visible), visible biases b and hidden biases c. Its energy is

    Bernoulli-Bernoulli (binary v):     E(v, h) = - b.v - c.h - h.W v
    Gaussian-Bernoulli (real v, var 1): E(v, h) = |v - b|^2 / 2 - c.h - h.W v

and p(v, h) = exp(-E) / Z. Summing out h gives the free energy F(v) = -log sum_h exp(-E):

    Bernoulli:  F(v) = - b.v          - sum_j softplus(c_j + W_j . v)
    Gaussian:   F(v) = |v - b|^2 / 2  - sum_j softplus(c_j + W_j . v)

The conditionals factorise: p(h_j = 1 | v) = sigmoid(c_j + W_j . v), and p(v_i = 1 | h) =
sigmoid(b_i + W^T_i . h) (Bernoulli) or v | h ~ N(b + W^T h, 1) (Gaussian: standardise the
data first). The log-likelihood gradient is "positive minus negative statistics",

    d log p(v) / dW = E[h v^T | v]  -  E_model[h v^T],

and contrastive divergence (CD-k) estimates the model term with k steps of block Gibbs
sampling started at the data; persistent CD (PCD, Tieleman 2008) keeps the chains running
between updates instead. Training adds momentum, L2 weight decay and an optional sparsity
target (Hinton 2010, "A practical guide to training RBMs", sections 9-11).

Two faces, one set of parameters:
- the tensor API (an nn.Module): `free_energy`, `energy` and `forward` (= p(h|v)) are built
  from chainrule ops, so autograd differentiates them; `sample_h`, `sample_v`, `gibbs` and
  `sample` draw from the model;
- the sklearn-like API: `fit(X)`, `partial_fit(X)`, `transform(X)`, `score_samples(X)`
  (pseudo-likelihood), `reconstruction_error(X)`, on NumPy arrays (or tensors). Training
  uses the closed-form CD statistics on the raw arrays: no graph is needed for it.

>>> X = chainrule.datasets.load_digits()[0][:300] / 16      # (300, 64) in [0, 1]
>>> rbm = chainrule.models.RBM(64, 32, lr=0.06, batch_size=10, epochs=3, persistent=True)
>>> H = rbm.fit(X).transform(X)           # H: (300, 32), p(h = 1 | v)
>>> H.shape, rbm.score_samples(X).shape    # pseudo-log-likelihood per sample
((300, 32), (300,))
"""
import math

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..random import rng as _rng
from ..tensor import Tensor

VISIBLE_TYPES = ("bernoulli", "gaussian")


def _sigmoid_(x):
    """In-place logistic sigmoid, overflow-free: sigmoid(x) = (1 + tanh(x / 2)) / 2."""
    x *= 0.5
    np.tanh(x, out=x)
    x += 1.0
    x *= 0.5
    return x


def _softplus(x):
    return np.logaddexp(0.0, x)


class RBM(nn.Module):
    """A restricted Boltzmann machine with binary hidden units and Bernoulli or Gaussian
    (unit-variance) visible units, trained by CD-k or persistent CD.

    Parameters: ``weight`` (n_hidden, n_visible) -- the layout of ``nn.Linear(n_visible,
    n_hidden)``, so a trained RBM unrolls into a Linear layer -- ``h_bias`` (n_hidden,) and
    ``v_bias`` (n_visible,). Weights start at N(0, init_std^2), biases at 0.

    Training settings (used by ``fit`` / ``partial_fit``): ``lr`` (applied to the batch
    mean of the statistics), ``k`` Gibbs steps, ``persistent`` (PCD), ``momentum``,
    ``weight_decay`` (L2 on the weights), ``sparsity_target`` with ``sparsity_cost`` and
    ``sparsity_decay`` (the running estimate of each hidden unit's mean activation),
    ``batch_size``, ``epochs``, ``shuffle``.

    >>> X = chainrule.datasets.load_digits()[0][:300] / 16      # (300, 64) in [0, 1]
    >>> rbm = chainrule.models.RBM(64, 32, k=1, lr=0.1, momentum=0.5, weight_decay=2e-4)
    >>> before = rbm.reconstruction_error(X)
    >>> _ = rbm.fit(X, epochs=3)
    >>> rbm.reconstruction_error(X) < before, rbm.transform(X).shape
    (True, (300, 32))
    >>> mean, v = rbm.sample(4, steps=10)     # Gibbs chains started from noise
    >>> v.shape
    chainrule.Size([4, 64])
    """

    def __init__(self, n_visible, n_hidden, visible="bernoulli", *, lr=0.1, k=1,
                 persistent=False, momentum=0.0, weight_decay=0.0, sparsity_target=None,
                 sparsity_cost=0.0, sparsity_decay=0.9, batch_size=10, epochs=10,
                 shuffle=True, init_std=0.01, generator=None, dtype=None):
        super().__init__()
        n_visible, n_hidden = int(n_visible), int(n_hidden)
        if n_visible < 1 or n_hidden < 1:
            raise ValueError(f"RBM: n_visible and n_hidden must be >= 1, got {n_visible}, "
                             f"{n_hidden}")
        if visible not in VISIBLE_TYPES:
            raise ValueError(f"RBM: visible must be one of {VISIBLE_TYPES}, got {visible!r}")
        if int(k) < 1:
            raise ValueError(f"RBM: k (Gibbs steps per update) must be >= 1, got {k}")
        if sparsity_target is not None and not 0.0 < sparsity_target < 1.0:
            raise ValueError(f"RBM: sparsity_target must be in (0, 1), got {sparsity_target}")
        for name, val in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay),
                          ("sparsity_cost", sparsity_cost), ("init_std", init_std)):
            if val < 0:
                raise ValueError(f"RBM: {name} must be >= 0, got {val}")
        if int(batch_size) < 1 or int(epochs) < 0:
            raise ValueError(f"RBM: batch_size must be >= 1 and epochs >= 0, got "
                             f"{batch_size}, {epochs}")
        from .. import dtypes
        np_dtype = (dtypes.get(dtype) if dtype is not None else dtypes.get_default_dtype()).np
        if not np.issubdtype(np_dtype, np.floating):
            raise TypeError(f"RBM: dtype must be a floating type, got {dtype}")
        self.n_visible, self.n_hidden, self.visible = n_visible, n_hidden, visible
        self.lr, self.k, self.persistent = float(lr), int(k), bool(persistent)
        self.momentum, self.weight_decay = float(momentum), float(weight_decay)
        self.sparsity_target, self.sparsity_cost = sparsity_target, float(sparsity_cost)
        self.sparsity_decay = float(sparsity_decay)
        self.batch_size, self.epochs, self.shuffle = int(batch_size), int(epochs), bool(shuffle)
        self.generator = generator
        g = _rng(generator)
        self.weight = nn.Parameter((g.standard_normal((n_hidden, n_visible)) * init_std)
                                   .astype(np_dtype))
        self.h_bias = nn.Parameter(np.zeros(n_hidden, dtype=np_dtype))
        self.v_bias = nn.Parameter(np.zeros(n_visible, dtype=np_dtype))
        # training state in one plain dict: Module.__setattr__ is too slow to run per batch.
        # velocity: momentum buffers (dW, dc, db); chain: PCD's persistent hidden states;
        # q: running mean activation of the hidden units (sparsity)
        self._state = {"velocity": None, "chain": None, "q": None, "updates": 0}
        self.history = []           # one dict per epoch of fit(): reconstruction error

    def _gen(self, generator):
        """The NumPy Generator to draw from: `generator` (a chainrule.Generator or a NumPy
        one), else the RBM's own, else chainrule's default (seeded by manual_seed)."""
        g = generator if generator is not None else self.generator
        return g if isinstance(g, np.random.Generator) else _rng(g)

    def extra_repr(self):
        return (f"n_visible={self.n_visible}, n_hidden={self.n_hidden}, "
                f"visible={self.visible!r}, k={self.k}, persistent={self.persistent}")

    # --- raw arrays ----------------------------------------------------------------------
    def _arrays(self):
        """(W, c, b) as the parameters' own ndarrays (updated in place by training)."""
        p = self._parameters  # numpy(force=True): the array itself, no Tensor made per call
        return (p["weight"].numpy(force=True), p["h_bias"].numpy(force=True),
                p["v_bias"].numpy(force=True))

    def _as_array(self, X, what):
        if isinstance(X, Tensor):
            X = X.detach().numpy()
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None]
        if X.ndim != 2 or X.shape[1] != self.n_visible:
            raise ValueError(f"RBM.{what}: expected inputs of shape (n, {self.n_visible}), "
                             f"got {tuple(X.shape)}")
        if not np.issubdtype(X.dtype, np.number) and X.dtype != bool:
            raise TypeError(f"RBM.{what}: expected numbers, got dtype {X.dtype}")
        return np.ascontiguousarray(X, dtype=self._arrays()[0].dtype)

    def _mean_h(self, v):
        W, c, _ = self._arrays()
        a = v @ W.T
        a += c
        return _sigmoid_(a)

    def _mean_v(self, h):
        W, _, b = self._arrays()
        a = h @ W
        a += b
        return a if self.visible == "gaussian" else _sigmoid_(a)

    def _bernoulli(self, p, g):
        return (g.random(p.shape, dtype=p.dtype) < p).astype(p.dtype)

    def _sample_v(self, h, g):
        m = self._mean_v(h)
        if self.visible == "gaussian":
            return m, m + g.standard_normal(m.shape, dtype=m.dtype)
        return m, self._bernoulli(m, g)

    def _gibbs_from_h(self, h, steps, g):
        """`steps` rounds h -> v -> h; returns (v sample, p(h|v), h sample) of the last."""
        for _ in range(steps):
            _, v = self._sample_v(h, g)
            ph = self._mean_h(v)
            h = self._bernoulli(ph, g)
        return v, ph, h

    def _free_energy(self, v):
        W, c, b = self._arrays()
        a = v @ W.T
        a += c
        hidden = _softplus(a).sum(1)
        if self.visible == "gaussian":
            return 0.5 * ((v - b) ** 2).sum(1) - hidden
        return -(v @ b) - hidden

    # --- the textbook gradient -----------------------------------------------------------
    def cd_statistics(self, v0, k=None, persistent=None, generator=None):
        """Contrastive-divergence estimate of d mean log p(v) / d(W, c, b) on the batch v0,
        as ndarrays ``(dW, dc, db)``: positive statistics (p(h|v0) v0^T, averaged over the
        batch) minus negative ones (p(h|v_k) v_k^T at the end of k Gibbs steps, started from
        the data, or from the persistent chains with persistent=True). No update is made;
        ``partial_fit`` applies it.

        >>> rbm = chainrule.models.RBM(6, 3)
        >>> dW, dc, db = rbm.cd_statistics(chainrule.rand(10, 6).round(), k=1)
        >>> dW.shape, dc.shape, db.shape
        ((3, 6), (3,), (6,))
        """
        return self._cd(self._as_array(v0, "cd_statistics"), k, persistent, generator)[:3]

    def _cd(self, v0, k=None, persistent=None, generator=None):
        """(dW, dc, db, p(h|v0), v0) for the batch v0 (an ndarray of the RBM's dtype)."""
        k = self.k if k is None else int(k)
        persistent = self.persistent if persistent is None else persistent
        g = self._gen(generator)
        ph0 = self._mean_h(v0)
        if persistent:
            chain = self._state["chain"]
            if chain is None or chain.shape != ph0.shape:
                chain = self._bernoulli(ph0, g)
            h = chain
        else:
            h = self._bernoulli(ph0, g)
        vk, phk, hk = self._gibbs_from_h(h, k, g)
        if persistent:
            self._state["chain"] = hk
        n = v0.shape[0]
        dW = ph0.T @ v0
        dW -= phk.T @ vk
        dW /= n
        dc = (ph0.sum(0) - phk.sum(0)) / n
        db = (v0.sum(0) - vk.sum(0)) / n
        return dW, dc.astype(dW.dtype), db.astype(dW.dtype), ph0, v0

    def partial_fit(self, X, y=None):
        """One update on the batch X (all of it): CD-k / PCD statistics, plus sparsity, weight
        decay and momentum. Returns self."""
        return self._update(self._as_array(X, "partial_fit"))

    def _update(self, v0):
        dW, dc, db, ph0, v0 = self._cd(v0)
        W, c, b = self._arrays()
        if self.sparsity_target is not None and self.sparsity_cost > 0:
            # Hinton's guide, 11.3: the cross-entropy penalty's derivative wrt each hidden
            # unit's input is (q - target), with q a running mean of its activation
            q_batch, q = ph0.mean(0), self._state["q"]
            q = q_batch if q is None else \
                self.sparsity_decay * q + (1 - self.sparsity_decay) * q_batch
            self._state["q"] = q
            push = (self.sparsity_cost * (self.sparsity_target - q)).astype(W.dtype)
            dc += push
            dW += np.outer(push, v0.mean(0))
        if self.weight_decay:
            dW -= self.weight_decay * W
        lr = W.dtype.type(self.lr)
        if self.momentum:
            if self._state["velocity"] is None:
                self._state["velocity"] = (np.zeros_like(W), np.zeros_like(c),
                                           np.zeros_like(b))
            mom = W.dtype.type(self.momentum)
            for vel, grad, p in zip(self._state["velocity"], (dW, dc, db), (W, c, b)):
                vel *= mom
                vel += lr * grad
                p += vel
        else:
            W += lr * dW
            c += lr * dc
            b += lr * db
        self._state["updates"] += 1
        return self

    @property
    def n_updates(self):
        """Parameter updates made so far (mini-batches seen by fit / partial_fit)."""
        return self._state["updates"]

    def fit(self, X, y=None, epochs=None, log=None):
        """Train on X (n, n_visible) for ``epochs`` (default: the constructor's) passes in
        mini-batches of ``batch_size``; records each epoch's reconstruction error in
        ``history`` (and passes a one-line summary to ``log`` when given). Returns self."""
        X = self._as_array(X, "fit")
        g = self._gen(None)
        n = X.shape[0]
        epochs = self.epochs if epochs is None else int(epochs)
        for ep in range(epochs):
            order = g.permutation(n) if self.shuffle else None
            for i in range(0, n, self.batch_size):
                vb = X[order[i:i + self.batch_size]] if order is not None else \
                    X[i:i + self.batch_size]
                self._update(vb)
            err = self.reconstruction_error(X[:min(n, 2000)])
            self.history.append({"epoch": len(self.history) + 1, "reconstruction_error": err})
            if log is not None:
                log(f"  RBM {self.n_visible}-{self.n_hidden}: epoch {ep + 1}/{epochs}, "
                    f"reconstruction error {err:.4f}")
        return self

    def transform(self, X):
        """p(h = 1 | v) for each row of X, as an ndarray (n, n_hidden): the features."""
        return self._mean_h(self._as_array(X, "transform"))

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def reconstruct(self, X):
        """The mean-field reconstruction E[v | h = p(h|v)] of each row, an ndarray."""
        return self._mean_v(self._mean_h(self._as_array(X, "reconstruct")))

    def reconstruction_error(self, X):
        """Mean squared error per visible unit between X and its mean-field reconstruction
        (a cheap training monitor, not the objective)."""
        X = self._as_array(X, "reconstruction_error")
        return float(((X - self.reconstruct(X)) ** 2).mean())

    def score_samples(self, X, generator=None):
        """Pseudo-log-likelihood of each row (binary visible units), estimated as
        scikit-learn's BernoulliRBM does: n_visible * log sigmoid(F(v~) - F(v)), with v~ the
        row with one randomly chosen unit flipped. An ndarray (n,)."""
        if self.visible != "bernoulli":
            raise ValueError("RBM.score_samples: the pseudo-likelihood is defined here for "
                             "Bernoulli visible units; use reconstruction_error for "
                             "visible='gaussian'")
        v = self._as_array(X, "score_samples")
        g = self._gen(generator)
        flip = g.integers(0, self.n_visible, v.shape[0])
        v_ = v.copy()
        rows = np.arange(v.shape[0])
        v_[rows, flip] = 1 - v_[rows, flip]
        delta = (self._free_energy(v_) - self._free_energy(v)).astype(np.float64)
        return -self.n_visible * _softplus(-delta)   # n * log sigmoid(delta)

    def pseudo_likelihood(self, X, generator=None):
        """The mean of ``score_samples(X)``: one number to compare models by."""
        return float(np.mean(self.score_samples(X, generator)))

    # --- the tensor API (differentiable where it is a formula) ---------------------------
    def _tensor(self, x, what):
        if isinstance(x, Tensor):
            if x.ndim not in (1, 2) or x.shape[-1] != self.n_visible:
                raise ValueError(f"RBM.{what}: expected a tensor of shape (n, "
                                 f"{self.n_visible}), got {list(x.shape)}")
            if x.dtype != self.weight.dtype:
                raise RuntimeError(f"RBM.{what}: input dtype {x.dtype} differs from the "
                                   f"RBM's {self.weight.dtype} (cast the input)")
            return x
        return Tensor._make(self._as_array(x, what))

    def forward(self, v):
        """p(h = 1 | v) = sigmoid(v W^T + c), differentiable (the unrolled layer)."""
        return F.sigmoid(F.linear(self._tensor(v, "forward"), self.weight, self.h_bias))

    def free_energy(self, v):
        """F(v) per row, a differentiable tensor (n,): log p(v) = -F(v) - log Z.

        >>> rbm = chainrule.models.RBM(6, 3)
        >>> rbm.free_energy(chainrule.zeros(5, rbm.n_visible)).shape
        chainrule.Size([5])
        """
        v = self._tensor(v, "free_energy")
        hidden = F.softplus(F.linear(v, self.weight, self.h_bias)).sum(-1)
        if self.visible == "gaussian":
            return ((v - self.v_bias) ** 2).sum(-1) * 0.5 - hidden
        return -(v * self.v_bias).sum(-1) - hidden

    def energy(self, v, h):
        """E(v, h) per row, a differentiable tensor (n,)."""
        v = self._tensor(v, "energy")
        if not isinstance(h, Tensor):
            h = Tensor._make(np.asarray(h, dtype=v.detach().numpy().dtype))
        if h.shape[-1] != self.n_hidden or h.shape[:-1] != v.shape[:-1]:
            raise ValueError(f"RBM.energy: h must have shape {list(v.shape[:-1])} + "
                             f"[{self.n_hidden}], got {list(h.shape)}")
        inter = (F.linear(v, self.weight) * h).sum(-1)
        hid = (h * self.h_bias).sum(-1)
        if self.visible == "gaussian":
            return ((v - self.v_bias) ** 2).sum(-1) * 0.5 - hid - inter
        return -(v * self.v_bias).sum(-1) - hid - inter

    def sample_h(self, v, generator=None):
        """(p(h = 1 | v), a binary sample of h): two tensors (n, n_hidden)."""
        p = self._mean_h(self._as_array(v, "sample_h"))
        h = self._bernoulli(p, self._gen(generator))
        return Tensor._make(p), Tensor._make(h)

    def sample_v(self, h, generator=None):
        """(E[v | h], a sample of v | h): two tensors (n, n_visible); binary samples for
        Bernoulli visible units, mean + N(0, 1) noise for Gaussian ones."""
        if isinstance(h, Tensor):
            h = h.detach().numpy()
        h = np.asarray(h, dtype=self._arrays()[0].dtype)
        if h.ndim == 1:
            h = h[None]
        if h.ndim != 2 or h.shape[1] != self.n_hidden:
            raise ValueError(f"RBM.sample_v: expected h of shape (n, {self.n_hidden}), got "
                             f"{tuple(h.shape)}")
        m, v = self._sample_v(h, self._gen(generator))
        return Tensor._make(m), Tensor._make(v)

    def gibbs(self, v, steps=1, generator=None):
        """Run `steps` rounds of block Gibbs sampling v -> h -> v from v; returns
        (E[v | h], v sample) of the last round, two tensors (n, n_visible)."""
        v = self._as_array(v, "gibbs")
        g = self._gen(generator)
        if int(steps) < 1:
            raise ValueError(f"RBM.gibbs: steps must be >= 1, got {steps}")
        for _ in range(int(steps)):
            h = self._bernoulli(self._mean_h(v), g)
            m, v = self._sample_v(h, g)
        return Tensor._make(m), Tensor._make(v)

    def sample(self, n, steps=1000, init=None, generator=None):
        """Draw n fantasies by running Gibbs chains for `steps` rounds from noise (uniform
        binary noise, or N(0, 1) for Gaussian units), or from `init`; returns (E[v | h] of the
        last round, the sample), tensors (n, n_visible)."""
        g = self._gen(generator)
        dt = self._arrays()[0].dtype
        if init is None:
            init = (g.standard_normal((int(n), self.n_visible)).astype(dt)
                    if self.visible == "gaussian" else
                    (g.random((int(n), self.n_visible)) < 0.5).astype(dt))
        return self.gibbs(init, steps, g)

    def log_partition(self):
        """log Z by enumerating all 2^n_hidden hidden states (exact; only for small RBMs,
        n_hidden <= 20): log Z = logsumexp_h [c.h + sum_i log sum_{v_i} exp(v_i (b + W^T h)_i)]."""
        if self.n_hidden > 20:
            raise ValueError(f"RBM.log_partition: enumerates 2^n_hidden states; "
                             f"n_hidden = {self.n_hidden} is too many (max 20)")
        W, c, b = (a.astype(np.float64) for a in self._arrays())
        H = ((np.arange(2 ** self.n_hidden)[:, None] >> np.arange(self.n_hidden)) & 1) \
            .astype(np.float64)
        a = b + H @ W
        if self.visible == "gaussian":
            # integral over v of exp(-|v-b|^2/2 + v.W^T h) = (2 pi)^(n/2) exp(|a|^2/2 - |b|^2/2)
            per_h = H @ c + 0.5 * (a ** 2).sum(1) - 0.5 * (b ** 2).sum() + \
                0.5 * self.n_visible * math.log(2 * math.pi)
        else:
            per_h = H @ c + _softplus(a).sum(1)
        m = per_h.max()
        return float(m + np.log(np.exp(per_h - m).sum()))

    def log_likelihood(self, X):
        """Exact mean log p(v) over the rows of X (small RBMs: uses log_partition)."""
        v = self._as_array(X, "log_likelihood").astype(np.float64)
        with no_grad():
            fe = self._free_energy(v)
        return float(-fe.mean() - self.log_partition())

    # sklearn's attribute names, for users coming from BernoulliRBM
    @property
    def components_(self):
        return self.weight.detach().numpy()

    @property
    def intercept_hidden_(self):
        return self.h_bias.detach().numpy()

    @property
    def intercept_visible_(self):
        return self.v_bias.detach().numpy()
