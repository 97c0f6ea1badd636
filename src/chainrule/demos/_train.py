"""A plain training loop for the demos, written the PyTorch way (zero_grad, loss.backward(),
optimizer.step()), with history and an optional progress bar."""
import math

import numpy as np

import chainrule
from chainrule import nn

from ._common import progress as _bar


def accuracy(logits, y):
    """Fraction of rows whose arg-max (multi-class logits) or sign (binary logits, 1-D)
    matches y."""
    a = logits.detach().numpy()
    yy = np.asarray(y.numpy() if hasattr(y, "numpy") else y)
    pred = (a > 0).astype(yy.dtype) if a.ndim == 1 else a.argmax(-1)
    return float((pred == yy).mean())


def predict(model, X):
    """Model outputs without recording a graph (eval mode)."""
    was = model.training
    model.eval()
    with chainrule.no_grad():
        out = model(X if isinstance(X, chainrule.Tensor) else chainrule.tensor(X))
    model.train(was)
    return out


def fit(model, X, y, *, loss="ce", opt=None, lr=0.1, epochs=100, batch_size=None, seed=0,
        X_test=None, y_test=None, progress=False, desc=None, stop_on_nan=True):
    """Train `model` on (X, y); return a history dict of per-epoch lists: loss (training,
    mean over the epoch), train_acc, and test_acc when a test set is given.

    loss: "ce" (cross_entropy on (N, C) logits, integer y) or "bce" (BCE with logits on (N,)
    logits, y in {0, 1}). opt: an optimizer (default SGD(lr)). batch_size None = full batch.
    stop_on_nan: stop when the loss is no longer finite (divergence), recording it.
    """
    if opt is None:
        opt = chainrule.optim.SGD(model.parameters(), lr=lr)
    lossf = nn.functional.cross_entropy if loss == "ce" else \
        nn.functional.binary_cross_entropy_with_logits
    yt = y.float() if loss == "bce" else y
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    hist = {"loss": [], "train_acc": []}
    if X_test is not None:
        hist["test_acc"] = []
    it = _bar(range(epochs), desc=desc, enabled=progress)
    model.train()
    for _ in it:
        if batch_size is None or batch_size >= n:
            batches = [None]
        else:
            perm = rng.permutation(n)
            batches = [perm[i:i + batch_size] for i in range(0, n, batch_size)]
        total, count = 0.0, 0
        for idx in batches:
            xb, yb = (X, yt) if idx is None else (X[idx], yt[idx])
            out = model(xb)
            if loss == "bce" and out.ndim == 2:
                out = out.squeeze(-1)
            L = lossf(out, yb)
            opt.zero_grad()
            L.backward()
            opt.step()
            v = float(L.item())
            total += v * (n if idx is None else len(idx))
            count += n if idx is None else len(idx)
        ep_loss = total / count
        hist["loss"].append(ep_loss)
        out = predict(model, X)
        if loss == "bce" and out.ndim == 2:
            out = out.squeeze(-1)
        hist["train_acc"].append(accuracy(out, y))
        if X_test is not None:
            o = predict(model, X_test)
            if loss == "bce" and o.ndim == 2:
                o = o.squeeze(-1)
            hist["test_acc"].append(accuracy(o, y_test))
        if hasattr(it, "set_postfix"):
            it.set_postfix(loss=f"{ep_loss:.4f}")
        if stop_on_nan and not math.isfinite(ep_loss):
            break
    return hist
