"""The MLP written by hand in NumPy: the floor a NumPy framework can reach.

Manual backprop, every buffer preallocated once, float32 throughout, in-place ufuncs
(`out=`), no Python objects per step beyond the calls themselves. The updates follow
PyTorch's SGD (momentum, dampening 0) and Adam formulas exactly, so the three libraries
do the same arithmetic and their losses agree.
"""
import math

import numpy as np


class NumpyMLP:
    """Linear-ReLU-...-Linear with softmax cross-entropy (mean over the batch)."""

    def __init__(self, weights, batch):
        self.W = [W.copy() for W, _ in weights]
        self.b = [b.copy() for _, b in weights]
        self.batch = batch
        sizes = [W.shape[0] for W in self.W]
        f32 = np.float32
        self.acts = [np.empty((batch, s), f32) for s in sizes]        # pre-/post-ReLU, logits
        self.deltas = [np.empty((batch, s), f32) for s in sizes]
        self.masks = [np.empty((batch, s), np.bool_) for s in sizes[:-1]]
        self.gW = [np.empty_like(W) for W in self.W]
        self.gb = [np.empty_like(b) for b in self.b]
        # maximum(a, 0) against a scalar misses NumPy's SIMD loop; against zeros it hits it
        # (see _zeros_for in chainrule's elementwise.py for the measurements)
        self.zeros = [np.zeros((min(batch, 4096), s), f32) for s in sizes]
        self.rowbuf = np.empty((batch, 1), f32)
        self.rows = np.arange(batch)

    # --- forward ----------------------------------------------------------------------
    def forward(self, x):
        """Logits for x [n, in] (n <= batch); ReLU outputs kept for backward."""
        n = x.shape[0]
        h = x
        last = len(self.W) - 1
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            a = self.acts[i][:n]
            np.matmul(h, W.T, out=a)
            a += b
            if i < last:
                if a.size < 1 << 20 and n <= len(self.zeros[i]):  # in cache: SIMD loop
                    np.maximum(a, self.zeros[i][:n], out=a)
                else:                  # bigger: one zero row, broadcast, stays in cache
                    np.maximum(a, self.zeros[i][0], out=a)
            h = a
        return h

    def loss_and_grad(self, logits, y):
        """Mean softmax cross-entropy; leaves dL/dlogits in deltas[-1]."""
        n = logits.shape[0]
        m = self.rowbuf[:n]
        d = self.deltas[-1][:n]
        np.max(logits, axis=1, keepdims=True, out=m)
        np.subtract(logits, m, out=d)                  # shifted logits
        rows = self.rows[:n]
        picked = d[rows, y]                            # shifted logit of the target
        np.exp(d, out=d)
        np.sum(d, axis=1, keepdims=True, out=m)
        loss = float(np.mean(np.log(m[:, 0]) - picked))
        d /= m                                         # softmax
        d[rows, y] -= 1.0
        d *= 1.0 / n
        return loss

    def backward(self, x):
        n = x.shape[0]
        for i in range(len(self.W) - 1, -1, -1):
            d = self.deltas[i][:n]
            h = self.acts[i - 1][:n] if i > 0 else x
            np.matmul(d.T, h, out=self.gW[i])
            np.sum(d, axis=0, out=self.gb[i])
            if i > 0:
                dprev = self.deltas[i - 1][:n]
                np.matmul(d, self.W[i], out=dprev)
                mask = self.masks[i - 1][:n]
                np.greater(h, 0, out=mask)             # relu'(0) = 0, as PyTorch
                np.multiply(dprev, mask, out=dprev)

    def params(self):
        return [p for pair in zip(self.W, self.b) for p in pair]

    def grads(self):
        return [g for pair in zip(self.gW, self.gb) for g in pair]


class SGDMomentum:
    """PyTorch's SGD with momentum (dampening 0): b <- m b + g (b = g at step 1);
    p <- p - lr b."""

    def __init__(self, params, lr, momentum):
        self.params, self.lr, self.mom = params, lr, momentum
        self.bufs = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]
        self.started = False

    def step(self, grads):
        for p, g, b, t in zip(self.params, grads, self.bufs, self.tmp):
            if self.started:
                b *= self.mom
                b += g
            else:
                np.copyto(b, g)
            np.multiply(b, -self.lr, out=t)
            p += t
        self.started = True


class Adam:
    """PyTorch's Adam (no weight decay, no amsgrad), in its order of operations."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.eps = params, lr, eps
        self.b1, self.b2 = betas
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]
        self.tmp2 = [np.empty_like(p) for p in params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        b1, b2, t = self.b1, self.b2, self.t
        step_size = self.lr / (1 - b1 ** t)
        bc2_sqrt = math.sqrt(1 - b2 ** t)
        for p, g, m, v, tmp, num in zip(self.params, grads, self.m, self.v, self.tmp,
                                        self.tmp2):
            np.subtract(g, m, out=tmp)                 # m.lerp_(g, 1 - b1)
            tmp *= 1 - b1
            m += tmp
            v *= b2                                    # v <- b2 v + (1 - b2) g^2
            np.multiply(g, 1 - b2, out=tmp)
            tmp *= g
            v += tmp
            np.sqrt(v, out=tmp)                        # denom = sqrt(v) / sqrt(bc2) + eps
            tmp /= bc2_sqrt
            tmp += self.eps
            np.multiply(m, -step_size, out=num)        # p.addcdiv_(m, denom, -step_size)
            num /= tmp
            p += num


def make_optimizer(name, params):
    if name == "sgd":
        return SGDMomentum(params, lr=0.01, momentum=0.9)
    return Adam(params, lr=1e-3)


def train_epoch(model, opt, X, y, batch):
    """One pass over X in contiguous batches; returns the last batch's loss."""
    loss = float("nan")
    for i in range(0, len(X), batch):
        xb, yb = X[i:i + batch], y[i:i + batch]
        logits = model.forward(xb)
        loss = model.loss_and_grad(logits, yb)
        model.backward(xb)
        opt.step(model.grads())
    return loss
