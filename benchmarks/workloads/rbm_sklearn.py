"""chainrule's RBM against the anchor, scikit-learn's BernoulliRBM (optional: registered
only when scikit-learn is installed; `make bench` installs it with the `bench` extra).

rbm_fit: both train on the same data with the same hyperparameters -- the 8x8 digits
scaled to [0, 1] per pixel, 64 visible and 100 hidden units, learning rate 0.06, batches of
10 in the same order, 20 epochs, persistent CD-1 (what BernoulliRBM does), weights
N(0, 0.01^2) -- and report the fit's seconds and the pseudo-log-likelihood of the trained
model, computed for both by one NumPy formula with the same flipped units (so the two
numbers differ only by the models).

rbm_pipeline: scikit-learn's example "Restricted Boltzmann Machine features for digit
classification" (digits nudged by one pixel in 4 directions, min-max scaled, 80/20 split
with random_state 0; RBM 100 units, lr 0.06, 10 epochs, batch 10; LogisticRegression C=6000)
run as published, and again with chainrule's RBM in place of BernoulliRBM (the same
LogisticRegression on its features): test accuracy of both.
"""
import gzip
import importlib.util
import pathlib

import numpy as np

from ..common import tic, toc
from . import Workload

ROOT = pathlib.Path(__file__).resolve().parents[2]
DIGITS = ROOT / "src" / "chainrule" / "datasets" / "data" / "digits.csv.gz"
HIDDEN, LR, BATCH, EPOCHS = 100, 0.06, 10, 20
PIPELINE_EPOCHS, PIPELINE_C = 10, 6000.0


def digits():
    """(X float32 (1797, 64), y int64): the UCI digits chainrule ships (the same set as
    sklearn.datasets.load_digits), read with NumPy only."""
    with gzip.open(DIGITS, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.int64)
    return table[:, :64].astype(np.float32), table[:, 64].copy()


def minmax(X):
    """Per-column scaling to [0, 1] (sklearn's minmax_scale; constant columns become 0)."""
    lo, hi = X.min(0), X.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)
    return ((X - lo) / span).astype(np.float32)


def pseudo_likelihood(W, c, b, X, seed=0):
    """Mean of n_visible * log sigmoid(F(v~) - F(v)) with one unit of each row flipped (the
    units drawn from `seed`, so every model is scored on the same flips), and its standard
    error."""
    W, c, b, X = (np.asarray(a, dtype=np.float64) for a in (W, c, b, X))
    rng = np.random.default_rng(seed)
    flip = rng.integers(0, X.shape[1], X.shape[0])
    Xf = X.copy()
    rows = np.arange(len(X))
    Xf[rows, flip] = 1 - Xf[rows, flip]

    def free_energy(v):
        return -(v @ b) - np.logaddexp(0, v @ W.T + c).sum(1)

    per = -X.shape[1] * np.logaddexp(0, -(free_energy(Xf) - free_energy(X)))
    return float(per.mean()), float(per.std() / np.sqrt(len(per)))


def _fit_factory(lib):
    def factory(smoke):
        X = minmax(digits()[0])
        epochs = 1 if smoke else EPOCHS
        if smoke:
            X = X[:200]

        def run():
            if lib == "sklearn":
                from sklearn.neural_network import BernoulliRBM
                model = BernoulliRBM(n_components=HIDDEN, learning_rate=LR, batch_size=BATCH,
                                     n_iter=epochs, random_state=0)
                t0 = tic()
                model.fit(X)
                secs = toc(t0)
                W, c, b = model.components_, model.intercept_hidden_, model.intercept_visible_
            else:
                import chainrule
                from chainrule.models import RBM
                chainrule.manual_seed(0)
                model = RBM(64, HIDDEN, lr=LR, batch_size=BATCH, epochs=epochs,
                            persistent=True, shuffle=False, init_std=0.01)
                t0 = tic()
                model.fit(X)
                secs = toc(t0)
                W, c, b = (model.components_, model.intercept_hidden_,
                           model.intercept_visible_)
            pl, se = pseudo_likelihood(W, c, b, X)
            return secs, {"pseudo_likelihood": pl, "pl_stderr": se, "epochs": epochs,
                          "data": f"digits {X.shape[0]}x64, min-max scaled"}
        return run
    return factory


def nudge(X, y):
    """sklearn's example: each 8x8 image also shifted by one pixel left, right, up and down
    (zero fill): 5 times the data."""
    imgs = X.reshape(-1, 8, 8)
    shifted = [imgs]
    for axis, step in ((1, 1), (1, -1), (2, 1), (2, -1)):
        s = np.roll(imgs, step, axis=axis)
        if axis == 1:
            s[:, 0 if step == 1 else -1, :] = 0
        else:
            s[:, :, 0 if step == 1 else -1] = 0
        shifted.append(s)
    return np.concatenate(shifted).reshape(-1, 64), np.concatenate([y] * 5)


def _pipeline_factory(lib):
    def factory(smoke):
        def run():
            from sklearn.linear_model import LogisticRegression
            from sklearn.model_selection import train_test_split
            X, y = digits()
            X, y = nudge(X, y)
            X = minmax(X)
            Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0)
            if smoke:
                Xtr, ytr = Xtr[:300], ytr[:300]
            epochs = 1 if smoke else PIPELINE_EPOCHS
            t0 = tic()
            if lib == "sklearn":
                from sklearn.neural_network import BernoulliRBM
                rbm = BernoulliRBM(n_components=HIDDEN, learning_rate=LR, batch_size=BATCH,
                                   n_iter=epochs, random_state=0)
                Ftr = rbm.fit_transform(Xtr)
                Fte = rbm.transform(Xte)
            else:
                import chainrule
                from chainrule.models import RBM
                chainrule.manual_seed(0)
                rbm = RBM(64, HIDDEN, lr=LR, batch_size=BATCH, epochs=epochs, persistent=True)
                Ftr = rbm.fit_transform(Xtr)
                Fte = rbm.transform(Xte)
            clf = LogisticRegression(C=PIPELINE_C, max_iter=1000 if not smoke else 100)
            clf.fit(Ftr, ytr)
            acc = 100.0 * float((clf.predict(Fte) == yte).mean())
            secs = toc(t0)
            return acc, {"seconds": secs, "test_images": int(len(yte)),
                         "data": "digits nudged x5, min-max scaled, 80/20 split"}
        return run
    return factory


def workloads():
    if importlib.util.find_spec("sklearn") is None:  # the anchor is optional
        return []
    libs = ("chainrule", "sklearn")
    return [
        Workload("rbm_fit", f"BernoulliRBM fit, digits 64-{HIDDEN}, lr {LR}, batch {BATCH}, "
                 f"{EPOCHS} epochs (PCD-1)", "s", {lib: _fit_factory(lib) for lib in libs},
                 targets={"sklearn": 1.0}, repeats=3, warmup=0, threads=(1,), order=60),
        Workload("rbm_pipeline", f"RBM + LogisticRegression on nudged digits (sklearn's "
                 f"example), test accuracy", "%", {lib: _pipeline_factory(lib) for lib in libs},
                 fresh_process=True, threads=(1,), order=61),
    ]
