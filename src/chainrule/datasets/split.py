"""A seeded train/test split for whole-array datasets."""
import numpy as np

from ..tensor import Tensor


def _n_rows(a, where):
    shape = np.shape(a._data if isinstance(a, Tensor) else a)
    if len(shape) == 0:
        raise ValueError(f"train_test_split: {where} is a scalar; expected an array with rows")
    return shape[0]


def _take(a, idx):
    if isinstance(a, Tensor):
        return Tensor._make(a._data[idx])  # a copy (fancy indexing), detached like a dataset
    return np.asarray(a)[idx]


def train_test_split(*arrays, test_size=0.25, seed=0, stratify=None, shuffle=True):
    """Split arrays/tensors that share their first dimension into train and test parts.

    Returns ``[a_train, a_test, b_train, b_test, ...]`` (scikit-learn's order). ``test_size``
    is a fraction in (0, 1) or a count. The split depends only on ``seed``: the same seed
    gives the same split on every machine. ``stratify=y`` keeps each class's proportion in
    both parts (each class is split separately, rounding half the classes up and half down
    so the total matches ``test_size``).

    >>> X, y = chainrule.datasets.load_digits()
    >>> X_tr, X_te, y_tr, y_te = chainrule.datasets.train_test_split(X, y, test_size=0.2, seed=0)
    >>> X_tr.shape[0], X_te.shape[0]
    (1437, 360)
    """
    if not arrays:
        raise ValueError("train_test_split: expected at least one array")
    n = _n_rows(arrays[0], "argument 0")
    for i, a in enumerate(arrays[1:], 1):
        if _n_rows(a, f"argument {i}") != n:
            raise ValueError(f"train_test_split: argument {i} has {_n_rows(a, '')} rows, "
                             f"argument 0 has {n}")
    if isinstance(test_size, float) or isinstance(test_size, np.floating):
        if not 0.0 < test_size < 1.0:
            raise ValueError(f"train_test_split: test_size={test_size} must be in (0, 1) "
                             "as a fraction, or a row count")
        n_test = int(np.ceil(test_size * n))
    else:
        n_test = int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} leaves {n_test} test rows "
                         f"of {n}; both parts must be non-empty")
    rng = np.random.default_rng(seed)
    if stratify is not None:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        labels = np.asarray(stratify._data if isinstance(stratify, Tensor) else stratify)
        if labels.shape != (n,):
            raise ValueError(f"train_test_split: stratify has shape {labels.shape}, "
                             f"expected ({n},)")
        classes, inverse = np.unique(labels, return_inverse=True)
        groups = [np.flatnonzero(inverse == c) for c in range(len(classes))]
        # Ideal per-class test counts, then hand the rounding remainder to the largest
        # fractional parts so the total is exactly n_test.
        ideal = np.array([len(g) for g in groups]) * (n_test / n)
        counts = np.floor(ideal).astype(np.int64)
        short = n_test - counts.sum()
        order = np.argsort(-(ideal - counts), kind="stable")
        counts[order[:short]] += 1
        test_parts, train_parts = [], []
        for g, k in zip(groups, counts):
            g = rng.permutation(g)
            test_parts.append(g[:k])
            train_parts.append(g[k:])
        test_idx = rng.permutation(np.concatenate(test_parts))
        train_idx = rng.permutation(np.concatenate(train_parts))
    else:
        perm = rng.permutation(n) if shuffle else np.arange(n)
        train_idx, test_idx = perm[: n - n_test], perm[n - n_test:]
    out = []
    for a in arrays:
        out.append(_take(a, train_idx))
        out.append(_take(a, test_idx))
    return out
