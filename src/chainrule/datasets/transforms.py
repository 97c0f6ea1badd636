"""Data normalisation (the lecture's "data normalisation") and small sample transforms.

The rule that matters: statistics come from the training split only and are then applied,
unchanged, to validation and test data. Fitting on all the data leaks the test set into
training. ``Standardize`` makes that explicit: ``fit`` on train, ``transform`` the rest.
"""
import numpy as np

from ..tensor import Tensor


def _array(x, name):
    arr = x._data if isinstance(x, Tensor) else np.asarray(x)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name}: expected a real numeric array, got dtype {arr.dtype}")
    return arr


def _float_dtype(arr):
    # Integer inputs (uint8 pixels, digit counts) become the default float type; floats keep
    # their precision (no silent float32 -> float64 upcast).
    if np.issubdtype(arr.dtype, np.floating):
        return arr.dtype
    from .. import dtypes
    return dtypes.get_default_dtype().np


class Standardize:
    """Standardisation ``(x - mean) / std`` with mean and std fitted on the training split.

    ``dim``: the dimension(s) reduced when fitting; the default 0 gives one mean/std per
    feature (per column of an (N, F) matrix, per pixel of (N, H, W) images); ``dim=None``
    gives a single scalar mean/std over everything (MNIST's classic 0.1307 / 0.3081).
    Statistics are computed in float64 and stored in the data's float type. ``std`` is the
    population standard deviation (ddof=0).

    Zero-variance features (a pixel that is 0 in every training image, as in the corners of
    the digits set) would divide by zero; their std is replaced by 1, so they map to
    ``x - mean`` (0 on the training data), and ``zero_variance`` marks them (a boolean array
    with the statistics' shape). ``eps`` (default 0) is added to std otherwise.

    >>> X_tr, X_te = chainrule.tensor([[0., 1.], [2., 1.]]), chainrule.tensor([[4., 3.]])
    >>> s = chainrule.datasets.Standardize().fit(X_tr)
    >>> s.mean.tolist(), s.std.tolist(), s.zero_variance.tolist()
    ([1.0, 1.0], [1.0, 1.0], [False, True])
    >>> s.transform(X_te).tolist()
    [[3.0, 2.0]]
    """

    def __init__(self, dim=0, eps=0.0):
        self.dim = dim
        self.eps = float(eps)
        self.mean = None
        self.std = None
        self.zero_variance = None
        self.n_samples = None

    def _axes(self, ndim, where):
        if self.dim is None:
            return tuple(range(ndim))
        dims = (self.dim,) if isinstance(self.dim, (int, np.integer)) else tuple(self.dim)
        out = []
        for d in dims:
            if not -ndim <= d < ndim:
                raise ValueError(f"Standardize.{where}: dim {d} out of range for a "
                                 f"{ndim}-d input")
            out.append(d % ndim)
        return tuple(sorted(set(out)))

    def fit(self, x):
        """Compute mean and std from ``x`` (the training split only). Returns self."""
        arr = _array(x, "Standardize.fit")
        if arr.ndim == 0 or arr.size == 0:
            raise ValueError(f"Standardize.fit: need a non-empty array, got shape {arr.shape}")
        axes = self._axes(arr.ndim, "fit")
        a64 = arr.astype(np.float64)
        mean = a64.mean(axis=axes, keepdims=True)
        std = a64.std(axis=axes, keepdims=True)
        if not (np.isfinite(mean).all() and np.isfinite(std).all()):
            raise ValueError("Standardize.fit: the data contain NaN or inf")
        # A feature that is constant up to rounding counts as constant too.
        zero = std <= 1e-12 * np.maximum(1.0, np.abs(mean))
        std = np.where(zero, 1.0, std + self.eps)
        out_dtype = _float_dtype(arr)
        self._keep_shape = mean.shape
        self._in_shape = arr.shape
        self._axes_fitted = axes
        self.mean = mean.squeeze(axis=axes).astype(out_dtype)
        self.std = std.squeeze(axis=axes).astype(out_dtype)
        self.zero_variance = zero.squeeze(axis=axes)
        self.n_samples = int(np.prod([arr.shape[a] for a in axes]))
        return self

    def _check(self, arr, where):
        if self.mean is None:
            raise RuntimeError(f"Standardize.{where}: call fit(train_data) first")
        want = tuple(1 if i in self._axes_fitted else s for i, s in enumerate(self._in_shape))
        if arr.ndim != len(want) or any(w != 1 and w != s for w, s in zip(want, arr.shape)):
            raise ValueError(f"Standardize.{where}: input of shape {tuple(arr.shape)} does "
                             f"not match the fitted data's shape {self._in_shape} outside "
                             f"dim {self.dim}")

    def transform(self, x):
        """``(x - mean) / std`` with the fitted statistics; a Tensor in gives a Tensor out."""
        arr = _array(x, "Standardize.transform")
        self._check(arr, "transform")
        dt = _float_dtype(arr)
        mean = self.mean.reshape(self._keep_shape).astype(dt, copy=False)
        std = self.std.reshape(self._keep_shape).astype(dt, copy=False)
        out = (arr.astype(dt, copy=False) - mean) / std
        return Tensor._make(out) if isinstance(x, Tensor) else out

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``: use on the training split only."""
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        """``z * std + mean``: back to the original units."""
        arr = _array(z, "Standardize.inverse_transform")
        self._check(arr, "inverse_transform")
        dt = _float_dtype(arr)
        out = (arr.astype(dt, copy=False) * self.std.reshape(self._keep_shape).astype(dt)
               + self.mean.reshape(self._keep_shape).astype(dt))
        return Tensor._make(out) if isinstance(z, Tensor) else out

    __call__ = transform

    def state_dict(self):
        """The fitted statistics, for ``chainrule.save`` beside a model's weights."""
        if self.mean is None:
            raise RuntimeError("Standardize.state_dict: not fitted")
        return {"dim": self.dim if not isinstance(self.dim, tuple) else list(self.dim),
                "eps": self.eps, "mean": Tensor._make(self.mean.copy()),
                "std": Tensor._make(self.std.copy()),
                "zero_variance": Tensor._make(self.zero_variance.copy()),
                "in_shape": list(self._in_shape), "n_samples": self.n_samples}

    def load_state_dict(self, state):
        dim = state["dim"]
        self.dim = tuple(dim) if isinstance(dim, list) else dim
        self.eps = float(state["eps"])
        self._in_shape = tuple(state["in_shape"])
        self._axes_fitted = self._axes(len(self._in_shape), "load_state_dict")
        unwrap = lambda v: np.asarray(v._data if isinstance(v, Tensor) else v)  # noqa: E731
        self.mean, self.std = unwrap(state["mean"]), unwrap(state["std"])
        self.zero_variance = unwrap(state["zero_variance"]).astype(bool)
        self._keep_shape = tuple(1 if i in self._axes_fitted else s
                                 for i, s in enumerate(self._in_shape))
        self.n_samples = int(state["n_samples"])
        return self

    def __repr__(self):
        if self.mean is None:
            return f"Standardize(dim={self.dim}, not fitted)"
        return (f"Standardize(dim={self.dim}, features={self.mean.size}, "
                f"zero_variance={int(self.zero_variance.sum())}, n_samples={self.n_samples})")


StandardScaler = Standardize


class Normalize:
    """``(x - mean) / std`` with fixed, given statistics (torchvision's ``Normalize``), e.g.
    ``Normalize(0.1307, 0.3081)`` for MNIST scaled to [0, 1].

    >>> chainrule.datasets.Normalize(0.5, 0.25)(chainrule.tensor([0.0, 0.5, 1.0]))
    tensor([-2.,  0.,  2.])
    """

    def __init__(self, mean, std):
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if np.any(self.std <= 0):
            raise ValueError(f"Normalize: std must be > 0, got {std}")

    def __call__(self, x):
        arr = _array(x, "Normalize")
        dt = _float_dtype(arr)
        out = (arr.astype(dt, copy=False) - self.mean.astype(dt)) / self.std.astype(dt)
        return Tensor._make(out) if isinstance(x, Tensor) else out

    def __repr__(self):
        return f"Normalize(mean={self.mean.tolist()}, std={self.std.tolist()})"


class Compose:
    """Apply transforms one after the other: ``Compose([f, g])(x) == g(f(x))``.

    >>> norm = chainrule.datasets.Normalize(0.5, 0.5)
    >>> t = chainrule.datasets.Compose([norm, lambda x: x * 2])
    >>> t(chainrule.tensor([0.0, 1.0]))
    tensor([-2.,  2.])
    """

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x):
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self):
        inner = "".join(f"\n    {t!r}" for t in self.transforms)
        return f"Compose({inner}\n)"
