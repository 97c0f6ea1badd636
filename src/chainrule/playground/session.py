"""One playground session: the data set, the network, its optimiser and training loop, and
the pictures of it, all computed by chainrule (the browser page only draws).

A `Config` is the whole setup as a flat dict of short keys (the same keys make the page's
URL, so a shared link restores the setup); every value is validated and a bad one raises
`ConfigError` naming the key, the value and the allowed range. A `Session` holds one
browser tab's state and answers its commands (`step`, `frame`, `backprop`, `gradcheck`,
`set_weight`, `export_*`, ...) with JSON-ready dicts.

>>> from chainrule.playground.session import Config, Session
>>> s = Session(Config.parse({"dataset": "xor", "layers": "4,2"}))
>>> s.step()                     # one epoch over the training points, in mini-batches
>>> round(s.frame()["testLoss"], 4)    # losses, accuracy, heat maps, weights
1.0026
>>> sorted(s.backprop("train", 0))[:4]  # viz.trace of one sample's loss, node by node
['backward', 'features', 'forward', 'grads']

The session uses chainrule's public API only (nn, optim, models.Perceptron, viz.trace,
save): it is a client of the library, like any user script. Not thread-safe: chainrule's
grad mode is process-wide, so the server runs every session's work on one thread.
"""
import base64
import copy
import io
import math
import time

import numpy as np

import chainrule
from chainrule import nn, optim
from chainrule.models import Perceptron
from chainrule.viz import trace as viz_trace

__all__ = ["Config", "ConfigError", "Session", "make_dataset", "make_features", "DATASETS",
           "FEATURES", "LIMITS"]

DOMAIN = 6.0            # points and heat maps cover [-6, 6]^2, as in TensorFlow Playground
OUTPUT_RES = 50         # output heat map: 50 x 50 cells
UNIT_RES = 25           # heat map inside each unit: 25 x 25 cells
HISTORY_MAX = 600       # loss curve points kept (halved by decimation when full: memory flat)
SLICE_SECONDS = 0.02    # while playing, one frame trains for at most this long (or one epoch)

# name -> (kind, number of classes; 0 for regression)
DATASETS = {
    "circle": ("classification", 2), "xor": ("classification", 2),
    "gauss": ("classification", 2), "spiral": ("classification", 2),
    "plane": ("regression", 0), "multigauss": ("regression", 0),
    "blobs3": ("classification", 3), "quadrants4": ("classification", 4),
}
FEATURES = {
    "x1": lambda a, b: a, "x2": lambda a, b: b,
    "x1sq": lambda a, b: a * a, "x2sq": lambda a, b: b * b, "x1x2": lambda a, b: a * b,
    "sinx1": lambda a, b: np.sin(a), "sinx2": lambda a, b: np.sin(b),
}
FEATURE_LABELS = {"x1": "x\u2081", "x2": "x\u2082", "x1sq": "x\u2081\u00b2",
                  "x2sq": "x\u2082\u00b2", "x1x2": "x\u2081x\u2082",
                  "sinx1": "sin x\u2081", "sinx2": "sin x\u2082"}
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
CHOICES = {
    "mode": ("network", "perceptron"),
    "dataset": tuple(DATASETS),
    "act": tuple(ACTIVATIONS),
    "loss": ("mse", "xent"),
    "opt": ("sgd", "momentum", "adam"),
    "init": ("zeros", "uniform", "xavier", "kaiming"),
    "reg": ("none", "l1", "l2"),
}
# key -> (type, low, high): numbers inside [low, high]
LIMITS = {
    "points": (int, 10, 2000), "noise": (int, 0, 50), "ratio": (int, 10, 90),
    "batch": (int, 1, 500), "seed": (int, 0, 2 ** 31 - 1),
    "lr": (float, 1e-5, 10.0), "regRate": (float, 0.0, 10.0), "dropout": (float, 0.0, 0.9),
}
MAX_LAYERS, MAX_UNITS = 6, 8
DEFAULTS = {
    "mode": "network", "dataset": "circle", "points": 500, "noise": 0, "ratio": 50,
    "batch": 10, "seed": 0, "features": ("x1", "x2"), "layers": (4, 2), "act": "tanh",
    "lr": 0.03, "reg": "none", "regRate": 0.0, "loss": "mse", "opt": "sgd", "init": "xavier",
    "dropout": 0.0, "bn": False,
}


class ConfigError(ValueError):
    """A setup value out of bounds or of the wrong kind; the message names the key.

    >>> from chainrule.playground import Config, ConfigError
    >>> try:
    ...     Config.parse({"lr": "fast"})
    ... except ConfigError as e:
    ...     print(e)
    lr: expected a number, got 'fast'
    """


class Config(dict):
    """The playground's setup: a validated dict with the keys of `DEFAULTS`.

    >>> from chainrule.playground import Config
    >>> Config.parse({"dataset": "spiral", "layers": "8,8,4", "lr": "0.01"})["layers"]
    (8, 8, 4)
    >>> Config.parse({"layers": "9"})
    Traceback (most recent call last):
        ...
    chainrule.playground.session.ConfigError: layers: a hidden layer has 1 to 8 ...
    """

    @classmethod
    def parse(cls, values=None, base=None):
        """Validate `values` (strings from a URL or JSON values) over `base` (default:
        DEFAULTS); unknown keys are errors, so a typo in a shared link is not ignored."""
        if values is None:
            values = {}
        if not isinstance(values, dict):
            raise ConfigError(f"setup: expected an object of settings, got "
                              f"{type(values).__name__}")
        cfg = dict(DEFAULTS if base is None else base)
        for key, raw in values.items():
            if key not in DEFAULTS:
                raise ConfigError(f"unknown setting {key!r} (known: {', '.join(DEFAULTS)})")
            cfg[key] = _parse_value(key, raw)
        kind, n_classes = DATASETS[cfg["dataset"]]
        if cfg["loss"] == "xent" and kind != "classification":
            raise ConfigError(f"loss: cross-entropy needs a classification data set; "
                              f"{cfg['dataset']!r} is regression (use mse)")
        if cfg["mode"] == "perceptron" and n_classes != 2:
            raise ConfigError(f"mode: the perceptron separates two classes; "
                              f"{cfg['dataset']!r} is {kind}"
                              + (f" with {n_classes} classes" if n_classes else ""))
        if cfg["bn"] and cfg["batch"] < 2 and cfg["mode"] == "network" and cfg["layers"]:
            raise ConfigError("batch: batch norm needs a batch of at least 2 points "
                              "(it normalises over the batch)")
        n_train = _split_sizes(cfg["points"], cfg["ratio"])[0]
        if cfg["batch"] > n_train:
            raise ConfigError(f"batch: {cfg['batch']} is more than the {n_train} training "
                              f"points")
        return cls(cfg)

    def to_query(self):
        """The setup as {key: string}, the page's URL form (parse() reads it back)."""
        out = {}
        for k, v in self.items():
            if k in ("features", "layers"):
                out[k] = ",".join(str(x) for x in v)
            elif isinstance(v, bool):
                out[k] = "1" if v else "0"
            else:
                out[k] = repr(v) if isinstance(v, float) else str(v)
        return out

    @property
    def kind(self):
        return DATASETS[self["dataset"]][0]

    @property
    def n_classes(self):
        return DATASETS[self["dataset"]][1]


def _parse_value(key, raw):
    if key in CHOICES:
        if raw not in CHOICES[key]:
            raise ConfigError(f"{key}: expected one of {', '.join(CHOICES[key])}, got {raw!r}")
        return raw
    if key == "bn":
        if raw in (True, False, 0, 1, "0", "1", "true", "false"):
            return raw in (True, 1, "1", "true")
        raise ConfigError(f"bn: expected 0 or 1 (off / on), got {raw!r}")
    if key == "features":
        items = _list(key, raw)
        bad = [f for f in items if f not in FEATURES]
        if bad:
            raise ConfigError(f"features: unknown {bad[0]!r} (known: {', '.join(FEATURES)})")
        if not items:
            raise ConfigError("features: choose at least one input feature")
        if len(set(items)) != len(items):
            raise ConfigError(f"features: listed twice in {','.join(items)}")
        return tuple(f for f in FEATURES if f in items)   # canonical order
    if key == "layers":
        items = _list(key, raw)
        if len(items) > MAX_LAYERS:
            raise ConfigError(f"layers: at most {MAX_LAYERS} hidden layers, got {len(items)}")
        units = []
        for u in items:
            n = _number(key, u, int)
            if not 1 <= n <= MAX_UNITS:
                raise ConfigError(f"layers: a hidden layer has 1 to {MAX_UNITS} units, got {n}")
            units.append(n)
        return tuple(units)
    typ, lo, hi = LIMITS[key]
    v = _number(key, raw, typ)
    if not lo <= v <= hi:
        raise ConfigError(f"{key}: must be between {lo} and {hi}, got {raw!r}")
    return v


def _list(key, raw):
    if isinstance(raw, str):
        return [s.strip() for s in raw.split(",") if s.strip()]
    if isinstance(raw, (list, tuple)):
        return [s.strip() if isinstance(s, str) else s for s in raw]
    raise ConfigError(f"{key}: expected a comma-separated list, got {raw!r}")


def _number(key, raw, typ):
    if isinstance(raw, bool):
        raise ConfigError(f"{key}: expected a number, got {raw!r}")
    try:
        if typ is int:
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
            v = int(raw)
        else:
            v = float(raw)
    except (TypeError, ValueError):
        kind = "an integer" if typ is int else "a number"
        raise ConfigError(f"{key}: expected {kind}, got {raw!r}") from None
    if typ is float and not math.isfinite(v):
        raise ConfigError(f"{key}: expected a finite number, got {raw!r}")
    return v


def _split_sizes(points, ratio):
    n_train = max(1, min(points - 1, round(points * ratio / 100)))
    return n_train, points - n_train


# --- data -----------------------------------------------------------------------------

def make_dataset(name, points=500, noise=0, seed=0):
    """The playground's 2-D data sets, on [-6, 6]^2 (TensorFlow Playground's constructions,
    plus two multi-class sets). Returns (X float64 (N, 2), y): class indices (int64) for
    classification, targets in [-1, 1] (float64) for regression. noise: 0-50 (percent).

    >>> from chainrule.playground import make_dataset
    >>> X, y = make_dataset("xor", points=200, noise=10, seed=1)
    >>> X.shape, y.dtype, sorted(set(y.tolist()))
    ((200, 2), dtype('int64'), [0, 1])
    """
    if name not in DATASETS:
        raise ConfigError(f"dataset: expected one of {', '.join(DATASETS)}, got {name!r}")
    rng = np.random.default_rng(seed)
    nz = noise / 100.0
    n = points
    u = lambda lo, hi, size=n: rng.uniform(lo, hi, size)   # noqa: E731
    if name == "circle":        # inside radius 2.5 vs a ring 3.5-5; noise blurs the border
        half = n // 2
        r = np.concatenate([u(0, 2.5, half), u(3.5, 5.0, n - half)])
        ang = u(0, 2 * np.pi)
        X = np.stack([r * np.sin(ang), r * np.cos(ang)], 1)
        Xn = X + u(-5, 5, (n, 2)) * nz
        y = (np.hypot(Xn[:, 0], Xn[:, 1]) < 3.0).astype(np.int64)
    elif name == "xor":         # quadrants, kept 0.3 away from the axes
        X = u(-5, 5, (n, 2))
        X += np.where(X > 0, 0.3, -0.3)
        Xn = X + u(-5, 5, (n, 2)) * nz
        y = (Xn[:, 0] * Xn[:, 1] >= 0).astype(np.int64)
    elif name == "gauss":       # two Gaussians at (2, 2) and (-2, -2); noise widens them
        std = math.sqrt(0.5 + 3.5 * nz / 0.5)
        half = n // 2
        y = np.concatenate([np.ones(half), np.zeros(n - half)]).astype(np.int64)
        centre = np.where(y[:, None] == 1, 2.0, -2.0)
        X = centre + std * rng.standard_normal((n, 2))
    elif name == "spiral":      # two interleaved arms
        half = n // 2
        i = np.concatenate([np.arange(half) / half, np.arange(n - half) / (n - half)])
        y = np.concatenate([np.ones(half), np.zeros(n - half)]).astype(np.int64)
        r = i * 5
        t = 1.75 * i * 2 * np.pi + np.where(y == 1, 0.0, np.pi)
        X = np.stack([r * np.sin(t), r * np.cos(t)], 1) + u(-1, 1, (n, 2)) * nz * 5
    elif name == "plane":       # y = (x1 + x2) / 10 (noise on the inputs of the label)
        X = u(-6, 6, (n, 2))
        Xn = X + u(-6, 6, (n, 2)) * nz
        y = np.clip((Xn[:, 0] + Xn[:, 1]) / 10.0, -1, 1)
    elif name == "multigauss":  # six signed Gaussian bumps; the strongest one wins
        bumps = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1],
                          [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]])
        X = u(-6, 6, (n, 2))
        Xn = X + u(-6, 6, (n, 2)) * nz
        d2 = ((Xn[:, None, :] - bumps[None, :, :2]) ** 2).sum(-1)
        vals = bumps[None, :, 2] * np.exp(-d2 / 2.0)
        y = vals[np.arange(n), np.abs(vals).argmax(1)]
    elif name == "blobs3":      # three Gaussian clusters 120 degrees apart
        y = np.arange(n) % 3
        ang = np.pi / 2 + 2 * np.pi * y / 3
        X = 3.2 * np.stack([np.cos(ang), np.sin(ang)], 1)
        X = X + (0.8 + 3 * nz) * rng.standard_normal((n, 2))
        y = y.astype(np.int64)
    else:                       # quadrants4: the class is the quadrant, 0-3 anticlockwise
        X = u(-5, 5, (n, 2))
        X += np.where(X > 0, 0.3, -0.3)
        Xn = X + u(-5, 5, (n, 2)) * nz
        y = np.where(Xn[:, 0] >= 0, np.where(Xn[:, 1] >= 0, 0, 3),
                     np.where(Xn[:, 1] >= 0, 1, 2)).astype(np.int64)
    X = np.clip(X, -DOMAIN, DOMAIN)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def make_features(X, features):
    """The network's inputs: the chosen features of each point, float32 (N, len(features)).

    >>> from chainrule.playground import make_features
    >>> make_features(np.array([[1.0, 2.0]]), ("x1", "x1x2")).tolist()
    [[1.0, 2.0]]
    """
    a, b = X[:, 0], X[:, 1]
    return np.stack([FEATURES[f](a, b) for f in features], 1).astype(np.float32)


def _b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode("ascii")


def _to_byte(v):
    """Values in [-1, 1] as bytes 0-255 (the page maps them back to colours)."""
    return np.round((np.clip(v, -1, 1) + 1) * 127.5).astype(np.uint8)


def _jsonable(a):
    a = np.asarray(a, dtype=np.float64)
    return a.item() if a.ndim == 0 else a.tolist()


# --- the session ------------------------------------------------------------------------

class Session:
    """One tab's playground: data, network (or perceptron), optimiser, loss history.

    >>> from chainrule.playground import Config, Session
    >>> s = Session(Config.parse({"dataset": "xor"}))
    >>> for _ in range(5): s.step()
    >>> s.frame()["epoch"]
    5
    """

    def __init__(self, config=None):
        self.config = config if isinstance(config, Config) else Config.parse(config)
        self.last_used = time.monotonic()
        self._grid_X = self._grid(OUTPUT_RES)
        self._make_data()
        self._build()

    # --- setup ------------------------------------------------------------------------
    @staticmethod
    def _grid(res):
        c = (np.arange(res) + 0.5) / res * 2 * DOMAIN - DOMAIN
        gx, gy = np.meshgrid(c, c[::-1])      # row 0 at the top (x2 = +6)
        return np.stack([gx.ravel(), gy.ravel()], 1)

    def _make_data(self):
        c = self.config
        X, y = make_dataset(c["dataset"], c["points"], c["noise"], c["seed"])
        n_train, _ = _split_sizes(c["points"], c["ratio"])
        self.X_train, self.X_test = X[:n_train], X[n_train:]
        self.y_train, self.y_test = y[:n_train], y[n_train:]

    def _targets(self, y):
        """The loss's target tensor for labels y, as the output head expects it."""
        c = self.config
        if c["mode"] == "perceptron":
            return np.where(y == 1, 1.0, -1.0).astype(np.float32)
        if c.kind == "regression":
            return y.astype(np.float32)[:, None]
        if c.n_classes == 2:
            if c["loss"] == "xent":
                return y.astype(np.float32)[:, None]            # BCE-with-logits: 0 / 1
            return np.where(y == 1, 1.0, -1.0).astype(np.float32)[:, None]  # tanh: -1 / +1
        if c["loss"] == "xent":
            return y.astype(np.int64)                            # class indices
        return np.eye(c.n_classes, dtype=np.float32)[y]          # one-hot for softmax + MSE

    def _build(self):
        """(Re)build the model and optimiser from the config; clears the history."""
        c = self.config
        self.F_train = chainrule.tensor(make_features(self.X_train, c["features"]))
        self.F_test = chainrule.tensor(make_features(self.X_test, c["features"]))
        self.F_grid = chainrule.tensor(make_features(self._grid_X, c["features"]))
        self.F_unit_grid = chainrule.tensor(make_features(self._grid(UNIT_RES), c["features"]))
        self.T_train = chainrule.tensor(self._targets(self.y_train))
        self.T_test = chainrule.tensor(self._targets(self.y_test))
        self.generation = getattr(self, "generation", 0) + 1   # frames of older builds: stale
        self.epoch = 0
        self.steps = 0
        self.history = []            # [epoch, train loss, test loss]
        self.history_stride = 1
        self._frames = 0
        self._order = None
        self._pos = 0
        self.converged = False
        self.gen = chainrule.Generator().manual_seed(c["seed"] + 1)
        self._perm_rng = np.random.default_rng(c["seed"] + 2)
        n_in = len(c["features"])
        if c["mode"] == "perceptron":
            self.model = None
            self.perceptron = Perceptron(n_in, lr=c["lr"])
            self.optimizer = None
            self.loss_fn = None
            self._record()
            return
        self.perceptron = None
        n_out = c.n_classes if c.n_classes > 2 else 1
        layers, d = [], n_in
        for units in c["layers"]:
            layers.append(nn.Linear(d, units))
            if c["bn"]:
                layers.append(nn.BatchNorm1d(units))
            layers.append(ACTIVATIONS[c["act"]]())
            if c["dropout"] > 0:
                layers.append(nn.Dropout(c["dropout"]))
            d = units
        layers.append(nn.Linear(d, n_out))
        self.model = nn.Sequential(*layers)
        self._training = True
        self.linears = [m for m in self.model if isinstance(m, nn.Linear)]
        self._init_weights()
        if c.kind == "classification" and c["loss"] == "xent":
            self.loss_fn = nn.BCEWithLogitsLoss() if n_out == 1 else nn.CrossEntropyLoss()
        else:
            self.loss_fn = nn.MSELoss()
        params = list(self.model.parameters())
        if c["opt"] == "sgd":
            self.optimizer = optim.SGD(params, lr=c["lr"])
        elif c["opt"] == "momentum":
            self.optimizer = optim.SGD(params, lr=c["lr"], momentum=0.9)
        else:
            self.optimizer = optim.Adam(params, lr=c["lr"])
        self._record()

    def _set_training(self, on):
        """model.train() / eval() only when the mode changes (each walks every module)."""
        if self._training is not on:
            self.model.train(on)
            self._training = on

    def _init_weights(self):
        c = self.config
        init, g = c["init"], self.gen
        gain = nn.init.calculate_gain(c["act"] if c["act"] != "linear" else "linear")
        with chainrule.no_grad():
            for lin in self.linears:
                if init == "zeros":
                    nn.init.zeros_(lin.weight)
                    nn.init.zeros_(lin.bias)
                elif init == "uniform":      # TensorFlow Playground's: U(-0.5, 0.5), bias 0.1
                    nn.init.uniform_(lin.weight, -0.5, 0.5, generator=g)
                    nn.init.constant_(lin.bias, 0.1)
                elif init == "xavier":
                    nn.init.xavier_uniform_(lin.weight, gain=gain, generator=g)
                    nn.init.zeros_(lin.bias)
                else:
                    nn.init.kaiming_uniform_(lin.weight, nonlinearity="relu", generator=g)
                    nn.init.zeros_(lin.bias)

    def update(self, values):
        """Change settings (validated against the current ones). Data settings regenerate
        the points; any change rebuilds the network from its initialisation."""
        new = Config.parse(values, base=self.config)
        data_keys = ("dataset", "points", "noise", "ratio", "seed")
        data_changed = any(new[k] != self.config[k] for k in data_keys)
        self.config = new
        if data_changed:
            self._make_data()
        self._build()

    def reset(self):
        """Back to the initial weights (the same seed gives the same ones) and epoch 0."""
        self._build()

    def regenerate(self):
        """New points (the next data seed), network reset."""
        self.update({"seed": (self.config["seed"] + 1) % (2 ** 31)})

    # --- the model's pieces -----------------------------------------------------------
    def _head(self, z):
        """The network's prediction from the last layer's output z (logits)."""
        c = self.config
        if c.kind == "regression":
            return z
        if z.shape[-1] == 1:
            return z.tanh() if c["loss"] == "mse" else z.sigmoid() * 2 - 1
        return z.softmax(-1)

    def _data_loss(self, z, t):
        c = self.config
        if c.kind == "classification" and c["loss"] == "mse":
            return self.loss_fn(self._head(z), t)
        return self.loss_fn(z, t)

    def _penalty(self):
        c = self.config
        if c["reg"] == "none" or c["regRate"] == 0:
            return None
        terms = [(lin.weight.abs().sum() if c["reg"] == "l1" else (lin.weight * lin.weight).sum()
                  * 0.5) for lin in self.linears]
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total * c["regRate"]

    def _scores(self, F):
        """Perceptron mode: w . x + b for every row of F (no graph)."""
        with chainrule.no_grad():
            return self.perceptron(F).numpy()

    # --- training ---------------------------------------------------------------------
    def _next_batch(self):
        n = len(self.y_train)
        if self._order is None or self._pos >= n:
            self._order = self._perm_rng.permutation(n)
            self._pos = 0
        b = self.config["batch"]
        idx = self._order[self._pos:self._pos + b]
        self._pos += b
        if self._pos >= n:
            self.epoch += 1
        return idx

    def train_batch(self):
        """One optimiser step on the next mini-batch; True when it ended an epoch."""
        if self.perceptron is not None:
            return self._perceptron_present()
        idx = self._next_batch()
        ended = self._pos >= len(self.y_train)
        if self.config["bn"] and self.config["layers"] and len(idx) < 2:
            # batch norm cannot normalise a batch of one point: skip it (the script too)
            return ended
        self._set_training(True)
        sel = chainrule.tensor(idx)
        loss = self._data_loss(self.model(self.F_train[sel]), self.T_train[sel])
        pen = self._penalty()
        if pen is not None:
            loss = loss + pen
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.steps += 1
        return ended

    def _perceptron_present(self):
        """Rosenblatt's rule: present the next sample (w, b move only on a mistake)."""
        n = len(self.y_train)
        if self._order is None or self._pos >= n:
            self._order = self._perm_rng.permutation(n)
            self._pos = 0
            self._mistakes_this_epoch = 0
        i = int(self._order[self._pos])
        self._pos += 1
        changed = self.perceptron.step(self.F_train[i], float(self.T_train[i].item()))
        if changed:
            self.steps += 1
            self._mistakes_this_epoch += 1
        ended = self._pos >= n
        if ended:
            self.epoch += 1
            if self._mistakes_this_epoch == 0:
                self.converged = True
        self._last_changed = changed
        return ended

    def step(self):
        """One epoch (the Step button). Perceptron mode: present samples until the next
        mistake (the line moves once) or the end of the epoch."""
        self.last_used = time.monotonic()
        if self.perceptron is not None:
            if self.converged:
                return
            while True:
                ended = self._perceptron_present()
                if self._last_changed or ended:
                    break
        else:
            while not self.train_batch():
                pass
        self._record()

    def advance(self, seconds=SLICE_SECONDS):
        """While playing: train up to one epoch or `seconds`, then return the frame."""
        self.last_used = time.monotonic()
        t0 = time.perf_counter()
        if self.perceptron is not None:
            if not self.converged:
                self.step()
        else:
            while not self.train_batch():
                if time.perf_counter() - t0 > seconds:
                    break
            self._record()
        return self.frame()

    # --- measuring ----------------------------------------------------------------------
    def _evaluate(self, F, T, y):
        """(data loss, accuracy or None, predicted classes or None) on one split."""
        c = self.config
        if self.perceptron is not None:
            s = self._scores(F)
            pred = (s > 0).astype(np.int64)
            t = T.numpy()
            loss = float(np.maximum(0, -t * s).mean())    # the perceptron criterion E_P / N
            return loss, float((pred == y).mean()), pred
        self._set_training(False)
        with chainrule.no_grad():
            z = self.model(F)
            loss = float(self._data_loss(z, T).item())
            if c.kind != "classification":
                return loss, None, None
            zn = z.numpy()
            pred = (zn[:, 0] > 0).astype(np.int64) if zn.shape[1] == 1 else zn.argmax(1)
        return loss, float((pred == y).mean()), pred

    def _record(self):
        tr, acc_tr, _ = self._evaluate(self.F_train, self.T_train, self.y_train)
        te, acc_te, pred_te = self._evaluate(self.F_test, self.T_test, self.y_test)
        self._metrics = {"trainLoss": tr, "testLoss": te, "trainAcc": acc_tr,
                         "testAcc": acc_te, "pred_test": pred_te}
        self._frames += 1
        if (self._frames - 1) % self.history_stride == 0:
            self.history.append([self.epoch + self._pos / max(1, len(self.y_train))
                                 if self._pos < len(self.y_train) else self.epoch, tr, te])
            if len(self.history) >= HISTORY_MAX:      # keep memory flat: every other point
                self.history = self.history[::2]
                self.history_stride *= 2

    def confusion(self):
        """Test-set confusion matrix, rows = true class, columns = predicted."""
        k = max(2, self.config.n_classes)
        m = np.zeros((k, k), dtype=np.int64)
        pred = self._metrics["pred_test"]
        if pred is not None:
            np.add.at(m, (self.y_test, pred), 1)
        return m.tolist()

    def _unit_maps(self):
        """Every unit's output over the plane (the small heat maps), scaled into [-1, 1]:
        features layer, then each hidden layer after its activation. Computed on the
        coarse unit grid (a quarter of the output's points: these maps are 40 px wide)."""
        layers = [self.F_unit_grid.numpy()]
        if self.model is not None:
            self._set_training(False)
            with chainrule.no_grad():
                h = self.F_unit_grid
                for m in self.model[:-1]:
                    h = m(h)
                    if isinstance(m, tuple(ACTIVATIONS.values())):
                        layers.append(h.numpy())
        out = []
        for a in layers:
            scale = np.abs(a).max(0)
            scale[scale == 0] = 1
            b = np.ascontiguousarray(_to_byte(a / scale).T)
            out.append([_b64(row) for row in b])
        return out

    def _output_map(self):
        c = self.config
        if self.perceptron is not None:
            s = self._scores(self.F_grid)
            return {"kind": "signed", "data": _b64(_to_byte(np.sign(s) * np.minimum(
                1, np.abs(s) / (np.abs(s).max() or 1) * 4)))}
        self._set_training(False)
        with chainrule.no_grad():
            p = self._head(self.model(self.F_grid)).numpy()
        if p.shape[1] == 1:
            return {"kind": "signed", "data": _b64(_to_byte(p[:, 0]))}
        return {"kind": "classes", "cls": _b64(p.argmax(1).astype(np.uint8)),
                "conf": _b64(_to_byte(p.max(1) * 2 - 1))}

    def weights(self):
        """[{"W": out x in, "b": out}] per Linear layer (or the perceptron's w, b)."""
        if self.perceptron is not None:
            return [{"W": [_jsonable(self.perceptron.weight.detach().numpy())],
                     "b": [_jsonable(self.perceptron.bias.detach().numpy())]}]
        return [{"W": _jsonable(lin.weight.detach().numpy()),
                 "b": _jsonable(lin.bias.detach().numpy())} for lin in self.linears]

    def frame(self):
        """What the page draws after an update: losses, accuracy, confusion matrix, the
        output heat map, each unit's heat map, the weights, the newest loss-curve point."""
        m = self._metrics
        out = {"type": "frame", "generation": self.generation, "epoch": self.epoch,
               "steps": self.steps,
               "trainLoss": m["trainLoss"], "testLoss": m["testLoss"],
               "trainAcc": m["trainAcc"], "testAcc": m["testAcc"],
               "history": self.history[-1], "historyLength": len(self.history),
               "output": self._output_map(), "units": self._unit_maps(),
               "weights": self.weights(), "converged": self.converged}
        if self.config.kind == "classification":
            out["confusion"] = self.confusion()
        if self.perceptron is not None:
            out["perceptron"] = {"updates": self.perceptron.updates,
                                 "presentations": self.perceptron.presentations}
        return out

    def state(self):
        """Everything the page needs after (re)building: setup, points, full history,
        layer sizes, feature names, and the current frame."""
        c = self.config
        sizes = [len(c["features"])]
        if self.model is not None:
            sizes += list(c["layers"]) + [self.linears[-1].out_features]
        else:
            sizes += [1]
        return {"type": "state", "config": c.to_query(), "kind": c.kind,
                "nClasses": c.n_classes, "mode": c["mode"],
                "features": [FEATURE_LABELS[f] for f in c["features"]], "sizes": sizes,
                "domain": DOMAIN, "outputRes": OUTPUT_RES, "unitRes": UNIT_RES,
                "train": {"x": self.X_train.round(4).tolist(),
                          "y": self.y_train.round(4).tolist()},
                "test": {"x": self.X_test.round(4).tolist(),
                         "y": self.y_test.round(4).tolist()},
                "fullHistory": self.history, "frame": self.frame()}

    # --- editing ------------------------------------------------------------------------
    def set_weight(self, layer, to, frm=None, value=0.0):
        """Set one weight (layer: 0-based Linear index; to: output unit; frm: input unit)
        or, with frm None, the bias of unit `to`. Returns the frame."""
        value = _number("value", value, float)
        if abs(value) > 100:
            raise ConfigError(f"value: a weight must be within [-100, 100], got {value}")
        if self.perceptron is not None:
            W, b = self.perceptron.weight, self.perceptron.bias
            if _number("layer", layer, int) != 0 or _number("to", to, int) != 0:
                raise ConfigError("the perceptron has one layer (0) with one unit (0)")
            target, index = (b, ()) if frm is None else (W, (self._index("from", frm,
                                                                         W.shape[0]),))
        else:
            layer = self._index("layer", layer, len(self.linears))
            lin = self.linears[layer]
            to = self._index("to", to, lin.out_features)
            if frm is None:
                target, index = lin.bias, (to,)
            else:
                target, index = lin.weight, (to, self._index("from", frm, lin.in_features))
        with chainrule.no_grad():
            target[index] = value
        self._record()
        return self.frame()

    @staticmethod
    def _index(name, v, n):
        i = _number(name, v, int)
        if not 0 <= i < n:
            raise ConfigError(f"{name}: must be between 0 and {n - 1}, got {v!r}")
        return i

    def _sample(self, split, index):
        if split not in ("train", "test"):
            raise ConfigError(f"split: expected train or test, got {split!r}")
        X = self.X_train if split == "train" else self.X_test
        index = self._index("index", index, len(X))
        F = self.F_train if split == "train" else self.F_test
        T = self.T_train if split == "train" else self.T_test
        y = self.y_train if split == "train" else self.y_test
        return index, X[index], F[index:index + 1], T[index:index + 1], y[index]

    # --- backprop mode ------------------------------------------------------------------
    def backprop(self, split, index):
        """The computational graph of one sample's data loss, traced by `chainrule.viz.trace`
        (network in eval mode: no dropout, batch norm with its running statistics): every
        node's forward value and local derivatives, then the backward pass in the engine's
        order (upstream, local, product per input) and the leaves' gradients."""
        if self.perceptron is not None:
            raise ConfigError("backprop: the perceptron rule uses no gradient (switch to a "
                              "network to see backprop)")
        index, point, F, T, label = self._sample(split, index)
        model = self.model
        self._set_training(False)
        names = self.param_names()
        x = F.detach()
        x.name = "x"
        t = T.detach()
        t.name = "t"
        h = x
        k = 0
        for m in model:
            h = m(h)
            if isinstance(m, nn.Linear):
                k += 1
                h.name = f"z{k}" if m is not self.linears[-1] else "z_out"
            elif isinstance(m, nn.BatchNorm1d):
                h.name = f"n{k}"
            elif isinstance(m, nn.Identity):
                h = h * 1.0        # a visible node for the linear activation (derivative 1)
                h.name = f"a{k}"
            elif not isinstance(m, nn.Dropout):
                h.name = f"a{k}"
        c = self.config
        if c.kind == "classification" and c["loss"] == "mse":
            yhat = self._head(h)
            yhat.name = "y"
            L = self.loss_fn(yhat, t)
        else:
            L = self.loss_fn(h, t)
        L.name = "L"
        self.optimizer.zero_grad()
        tr = viz_trace(L, params=names, local_names=False)
        self.optimizer.zero_grad()         # tracing accumulated into .grad: leave it clean
        return trace_to_json(tr, extra={
            "split": split, "index": index, "point": _jsonable(point),
            "label": _jsonable(label), "features": list(c["features"]),
            "note": "network in eval mode (no dropout; batch norm uses running statistics); "
                    "the data loss of this sample, without the regularisation term"})

    def param_names(self):
        """{display name: parameter}: W1, b1, ... (and gamma1, beta1 for batch norm)."""
        names, k = {}, 0
        for m in self.model:
            if isinstance(m, nn.Linear):
                k += 1
                names[f"W{k}"] = m.weight
                names[f"b{k}"] = m.bias
            elif isinstance(m, nn.BatchNorm1d):
                names[f"gamma{k}"] = m.weight
                names[f"beta{k}"] = m.bias
        return names

    # --- gradient check ----------------------------------------------------------------
    def gradcheck(self, max_points=64, eps=1e-6):
        """Finite differences against backprop for the current weights: the full-batch
        training loss (first max_points points, regularisation included, eval mode) in
        float64; central differences for every parameter. Returns the worst relative
        error |a - n| / max(|a| + |n|, 1e-8) and where it is."""
        if self.perceptron is not None:
            raise ConfigError("gradcheck: the perceptron rule uses no gradient")
        probe = copy.copy(self)           # a float64 twin; the session's own model untouched
        probe.model = copy.deepcopy(self.model).double()
        probe.model.eval()
        probe.linears = [m for m in probe.model if isinstance(m, nn.Linear)]
        n = min(max_points, len(self.y_train))
        F = probe.F_train[:n].double()
        T = probe.T_train[:n]
        if T.dtype != chainrule.int64:
            T = T.double()

        def objective():
            loss = probe._data_loss(probe.model(F), T)
            pen = probe._penalty()
            return loss if pen is None else loss + pen

        params = list(probe.model.parameters())
        for p in params:
            p.grad = None
        objective().backward()
        worst, where, count = 0.0, None, 0
        names = {id(p): n for n, p in probe.param_names().items()}
        with chainrule.no_grad():
            for p in params:
                analytic = p.grad.numpy().copy() if p.grad is not None else np.zeros(p.shape)
                for i in range(p.numel()):
                    at = tuple(int(j) for j in np.unravel_index(i, tuple(p.shape)))
                    old = float(p[at].item())
                    p[at] = old + eps
                    up = float(objective().item())
                    p[at] = old - eps
                    down = float(objective().item())
                    p[at] = old
                    num = (up - down) / (2 * eps)
                    a = float(analytic.reshape(-1)[i])
                    rel = abs(a - num) / max(abs(a) + abs(num), 1e-8)
                    count += 1
                    if where is None or rel > worst:
                        worst = rel
                        where = {"param": names.get(id(p), "?"), "index": i,
                                 "backprop": a, "numeric": num}
        return {"type": "gradcheck", "worstRelError": worst, "where": where,
                "parameters": count, "points": n, "eps": eps}

    # --- export -------------------------------------------------------------------------
    def export_checkpoint(self):
        """The trained model as a chainrule checkpoint (safetensors bytes): the state dict
        and the setup (as its URL query), loadable with chainrule.load."""
        if self.perceptron is not None:
            state = {"weight": self.perceptron.weight.detach(),
                     "bias": self.perceptron.bias.detach()}
        else:
            state = self.model.state_dict()
        buf = io.BytesIO()
        chainrule.save({"model": state, "config": self.config.to_query(),
                        "epoch": self.epoch}, buf)
        return buf.getvalue()

    def export_script(self, epochs=None):
        """A short runnable Python script that rebuilds this data set and network and trains
        it the same way (same seed, initialisation, optimiser, loss)."""
        from .export import script_for
        return script_for(self.config, epochs if epochs is not None else max(self.epoch, 100))


def trace_to_json(tr, extra=None):
    """A `viz.Trace` as JSON-ready lists: forward nodes (op, inputs, value, local
    derivatives) and backward steps (upstream, then per input local and product), values
    exactly as trace recorded them (float32 widened to Python floats)."""
    fwd = [{"index": s.index, "op": s.op, "output": s.output[0],
            "value": _jsonable(s.output[1]),
            "inputs": [{"name": n, "value": None if v is None else _jsonable(v),
                        "requiresGrad": rg} for n, v, rg in s.inputs],
            "local": [{"name": n, "value": None if d is None else _jsonable(d), "note": note}
                      for n, d, note in s.local]} for s in tr.forward]
    bwd = [{"index": s.index, "op": s.op, "output": s.output,
            "upstream": None if s.upstream is None else _jsonable(s.upstream),
            "parts": [{"name": n, "local": None if loc is None else _jsonable(loc),
                       "product": _jsonable(prod)} for n, loc, prod in s.parts]}
           for s in tr.backward]
    _, brows, _ = tr.rows()
    out = {"type": "backprop", "forward": fwd, "backward": bwd,
           "grads": {k: _jsonable(v) for k, v in tr.grads.items()},
           "loss": _jsonable(tr.values.get(tr.output_name, np.nan)),
           "text": [list(r) for r in brows], "output": tr.output_name}
    if extra:
        out.update(extra)
    return out
