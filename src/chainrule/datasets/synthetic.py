"""Synthetic 2-D classification sets for the lecture's demos: xor, blobs, moons, circles,
spirals.

Each ``make_*`` returns ``(X, y)``: ``X`` a float32 tensor (default float type) of shape
(N, 2) and ``y`` an int64 tensor (N,) of class indices. Randomness comes from ``seed``
(an int: the same seed gives the same set everywhere) or, when ``seed`` is None, from
``generator`` / chainrule's default generator (so ``chainrule.manual_seed`` controls it).
"""
import numpy as np

from .. import dtypes
from .. import random as _random
from ..tensor import Tensor


def _rng(seed, generator, name):
    if seed is not None:
        if generator is not None:
            raise ValueError(f"{name}: pass seed or generator, not both")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"{name}: seed must be a non-negative int, got {seed!r}")
        return np.random.default_rng(int(seed))
    return _random.rng(generator)


def _counts(n, k, name):
    """n samples over k classes as evenly as possible (the first n % k get one more)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < k:
        raise ValueError(f"{name}: n_samples must be an int >= {k} (one per class), got {n!r}")
    return [n // k + (1 if j < n % k else 0) for j in range(k)]


def _check_noise(noise, name):
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{name}: noise must be a finite number >= 0, got {noise!r}")


def _finish(X, y, rng, shuffle):
    if shuffle:
        perm = rng.permutation(len(y))
        X, y = X[perm], y[perm]
    X = np.ascontiguousarray(X, dtype=dtypes.get_default_dtype().np)
    return Tensor._make(X), Tensor._make(np.ascontiguousarray(y, dtype=np.int64))


def make_xor(n_samples=200, *, noise=0.1, shuffle=True, seed=None, generator=None):
    """XOR: points scattered around the corners of the unit square, ``y = x1 XOR x2``.

    Corners (0,0) and (1,1) are class 0, (0,1) and (1,0) class 1; each point gets Gaussian
    noise of standard deviation ``noise``. No line separates the classes: the lecture's
    example of what a single perceptron cannot learn. ``make_xor(4, noise=0, shuffle=False)``
    is exactly the truth table.

    >>> X, y = chainrule.datasets.make_xor(4, noise=0.0, shuffle=False)
    >>> X.tolist(), y.tolist()
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])
    """
    _check_noise(noise, "make_xor")
    _counts(n_samples, 4, "make_xor")
    rng = _rng(seed, generator, "make_xor")
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n_samples) % 4
    X = corners[which] + noise * rng.standard_normal((n_samples, 2))
    y = np.array([0, 1, 1, 0])[which]
    return _finish(X, y, rng, shuffle)


def make_blobs(n_samples=200, *, centers=2, cluster_std=0.5, shuffle=True, seed=None,
               generator=None):
    """Gaussian blobs that are guaranteed linearly separable.

    ``centers``: a number of classes k (centres evenly spaced on a circle of radius 2.5) or
    a (k, 2) array of centres. Each point is drawn from N(centre, cluster_std^2 I) and
    redrawn while it lies farther than 0.45 x (smallest distance between two centres) from
    its centre, so every point is nearer its own centre than any other: the nearest-centre
    rule, a linear classifier, separates the classes exactly (for k = 2, a single line).

    >>> X, y = chainrule.datasets.make_blobs(100, centers=3, seed=0)
    >>> X.shape, y.bincount()
    (chainrule.Size([100, 2]), tensor([34, 33, 33]))
    """
    name = "make_blobs"
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = int(centers)
        if k < 1:
            raise ValueError(f"{name}: centers must be >= 1, got {k}")
        angles = np.pi / 4 + 2 * np.pi * np.arange(k) / k
        C = 2.5 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        C = np.asarray(centers._data if isinstance(centers, Tensor) else centers, np.float64)
        if C.ndim != 2 or C.shape[1] != 2 or C.shape[0] < 1:
            raise ValueError(f"{name}: centers must be an int or a (k, 2) array, "
                             f"got shape {C.shape}")
        k = C.shape[0]
    if not np.isfinite(cluster_std) or cluster_std <= 0:
        raise ValueError(f"{name}: cluster_std must be > 0, got {cluster_std!r}")
    counts = _counts(n_samples, k, name)
    rng = _rng(seed, generator, name)
    if k > 1:
        d = np.sqrt(((C[:, None, :] - C[None, :, :]) ** 2).sum(-1))
        dmin = d[~np.eye(k, dtype=bool)].min()
        if dmin == 0:
            raise ValueError(f"{name}: two centres coincide; the classes cannot be separated")
        radius = 0.45 * dmin
    else:
        radius = np.inf
    Xs, ys = [], []
    for j, m in enumerate(counts):
        pts = C[j] + cluster_std * rng.standard_normal((m, 2))
        far = np.sqrt(((pts - C[j]) ** 2).sum(1)) > radius
        while far.any():  # rejection: redraw the few points past the separating radius
            pts[far] = C[j] + cluster_std * rng.standard_normal((int(far.sum()), 2))
            far = np.sqrt(((pts - C[j]) ** 2).sum(1)) > radius
        Xs.append(pts)
        ys.append(np.full(m, j))
    return _finish(np.concatenate(Xs), np.concatenate(ys), rng, shuffle)


def make_moons(n_samples=200, *, noise=0.1, shuffle=True, seed=None, generator=None):
    """Two interleaving half circles (scikit-learn's construction): class 0 is the upper arc
    (cos t, sin t), class 1 the lower arc (1 - cos t, 0.5 - sin t), t in [0, pi], plus
    Gaussian noise of standard deviation ``noise``.

    >>> X, y = chainrule.datasets.make_moons(100, noise=0.0, seed=0)
    >>> X.shape, y.bincount()
    (chainrule.Size([100, 2]), tensor([50, 50]))
    """
    _check_noise(noise, "make_moons")
    n0, n1 = _counts(n_samples, 2, "make_moons")
    rng = _rng(seed, generator, "make_moons")
    t0, t1 = np.linspace(0, np.pi, n0), np.linspace(0, np.pi, n1)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, rng, shuffle)


def make_circles(n_samples=200, *, noise=0.05, factor=0.5, shuffle=True, seed=None,
                 generator=None):
    """A circle inside a circle: class 0 on the unit circle, class 1 on the circle of radius
    ``factor`` (0 < factor < 1), plus Gaussian noise of standard deviation ``noise``.

    >>> X, y = chainrule.datasets.make_circles(100, noise=0.0, factor=0.5, seed=0)
    >>> r = X.norm(dim=1)                      # outer circle radius 1, inner radius 0.5
    >>> [round(r[y == c].min().item(), 4) for c in (0, 1)] == [1.0, 0.5]
    True
    """
    _check_noise(noise, "make_circles")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor!r}")
    n0, n1 = _counts(n_samples, 2, "make_circles")
    rng = _rng(seed, generator, "make_circles")
    t0 = np.linspace(0, 2 * np.pi, n0, endpoint=False)
    t1 = np.linspace(0, 2 * np.pi, n1, endpoint=False)
    X = np.concatenate([np.stack([np.cos(t0), np.sin(t0)], 1),
                        factor * np.stack([np.cos(t1), np.sin(t1)], 1)])
    y = np.concatenate([np.zeros(n0), np.ones(n1)])
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, y, rng, shuffle)


def make_spirals(n_samples=300, *, n_classes=2, turns=1.0, noise=0.05, shuffle=True,
                 seed=None, generator=None):
    """Interleaved spiral arms, one per class (the classic "hard for a linear model" set).

    Arm j: radius r from 0.05 to 1, angle ``2 pi turns r + 2 pi j / n_classes``; each point
    is r (cos angle, sin angle) plus Gaussian noise of standard deviation ``noise``.

    >>> X, y = chainrule.datasets.make_spirals(300, n_classes=3, seed=0)
    >>> X.shape, y.bincount()
    (chainrule.Size([300, 2]), tensor([100, 100, 100]))
    """
    _check_noise(noise, "make_spirals")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) \
            or n_classes < 2:
        raise ValueError(f"make_spirals: n_classes must be an int >= 2, got {n_classes!r}")
    if not np.isfinite(turns) or turns <= 0:
        raise ValueError(f"make_spirals: turns must be > 0, got {turns!r}")
    counts = _counts(n_samples, n_classes, "make_spirals")
    rng = _rng(seed, generator, "make_spirals")
    Xs, ys = [], []
    for j, m in enumerate(counts):
        r = np.linspace(0.05, 1.0, m)
        a = 2 * np.pi * turns * r + 2 * np.pi * j / n_classes
        Xs.append(r[:, None] * np.stack([np.cos(a), np.sin(a)], 1))
        ys.append(np.full(m, j))
    X = np.concatenate(Xs)
    X = X + noise * rng.standard_normal(X.shape)
    return _finish(X, np.concatenate(ys), rng, shuffle)
