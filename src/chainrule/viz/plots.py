"""Plotting helpers for the demos: matplotlib on the Agg backend (no display needed).

Each helper draws on a given Axes; `figure()` / `save()` make and write figures with a
consistent, readable style.
"""
import os

import numpy as np


def _mpl():
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            matplotlib.use("Agg")
        except Exception:  # a backend already in use elsewhere: leave it
            pass
    import matplotlib.pyplot as plt
    return plt


STYLE = {
    "figure.dpi": 100, "savefig.dpi": 110, "font.size": 10.5, "axes.titlesize": 12,
    "axes.titleweight": "bold", "axes.labelsize": 10.5, "legend.fontsize": 9.5,
    "axes.grid": False, "axes.spines.top": False, "axes.spines.right": False,
}

CLASS_COLORS = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2")


def figure(ncols=1, nrows=1, size=(5.0, 4.0), title=None):
    """A new figure with nrows x ncols axes (each roughly `size` inches); returns (fig, axes).

    >>> from chainrule.viz import plots
    >>> fig, axes = plots.figure(2, 1, title="two panels")
    >>> len(axes), fig.get_size_inches().tolist()   # two panels: a list of Axes
    (2, [10.0, 4.0])
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    plt = _mpl()
    plt.rcParams.update(STYLE)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows),
                             squeeze=False)
    if title:
        fig.suptitle(title, fontsize=13, fontweight="bold")
    axes = axes.ravel()
    return fig, (axes[0] if axes.size == 1 else list(axes))


def save(fig, path):
    """Write `fig` as PNG at `path` (folders made as needed), close it, return the path.

    >>> from chainrule.viz import plots
    >>> import os, tempfile
    >>> fig, ax = plots.figure()
    >>> _ = ax.plot([1, 2, 3])
    >>> path = plots.save(fig, os.path.join(tempfile.mkdtemp(), "sub", "line.png"))
    >>> os.path.basename(path), os.path.getsize(path) > 0
    ('line.png', True)
    """
    plt = _mpl()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return str(path)


def decision_regions(ax, predict, X, y, *, resolution=200, margin=0.5, title=None,
                     levels=None, show_points=True, alpha=0.25, s=18):
    """Shade the plane by `predict(grid (M, 2) ndarray) -> class index or probability`
    (M,) and scatter the points X (N, 2) coloured by label y.

    >>> from chainrule.viz import plots
    >>> fig, ax = plots.figure()          # one panel: one Axes
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
    >>> plots.decision_regions(ax, lambda g: (g.sum(1) > 0.5).astype(float), X, y,
    ...                        resolution=50, title="x1 + x2 > 0.5")
    >>> ax.get_title(), len(ax.collections) > 0
    ('x1 + x2 > 0.5', True)
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    x0, x1 = X[:, 0].min() - margin, X[:, 0].max() + margin
    y0, y1 = X[:, 1].min() - margin, X[:, 1].max() + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    z = np.asarray(predict(grid), dtype=np.float64).reshape(gx.shape)
    from matplotlib.colors import ListedColormap
    if levels is None:
        k = max(int(y.max()) + 1 if y.size else 2, 2)
        cmap = ListedColormap(CLASS_COLORS[:k])
        cs = [ax.contourf(gx, gy, z, levels=np.arange(k + 1) - 0.5, cmap=cmap, alpha=alpha)]
    else:
        cs = [ax.contourf(gx, gy, z, levels=levels, cmap="RdBu_r", alpha=alpha)]
        if z.min() < 0.5 < z.max():
            cs.append(ax.contour(gx, gy, z, levels=[0.5], colors="k", linewidths=1.2))
    for c in cs:  # inside the axes anyway; measuring them makes tight_layout slow
        c.set_in_layout(False)
    if show_points:
        scatter(ax, X, y, s=s)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)


def scatter(ax, X, y, s=18, labels=None):
    """Points coloured by class (legend labels: labels[c], default "class c").

    >>> from chainrule.viz import plots
    >>> fig, ax = plots.figure()          # one panel: one Axes
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
    >>> plots.scatter(ax, X, y, labels=["off", "on"])
    >>> [c.get_label() for c in ax.collections]
    ['off', 'on']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    X = np.asarray(X)
    y = np.asarray(y).astype(int)
    for c in np.unique(y):
        m = y == c
        ax.scatter(X[m, 0], X[m, 1], s=s, c=CLASS_COLORS[c % len(CLASS_COLORS)],
                   edgecolors="white", linewidths=0.5, zorder=3,
                   label=labels[c] if labels is not None else f"class {c}")


def line(ax, w, b, X, **kw):
    """The line w . x + b = 0 across the x-range of X.

    >>> from chainrule.viz import plots
    >>> fig, ax = plots.figure()          # one panel: one Axes
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); y = np.array([0, 1, 1, 1])
    >>> plots.line(ax, np.array([1.0, 1.0]), -0.5, X, color="k")   # x1 + x2 = 0.5
    >>> ax.lines[0].get_xydata().tolist()
    [[-0.5, 1.0], [1.5, -1.0]]
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    X = np.asarray(X)
    xs = np.array([X[:, 0].min() - 0.5, X[:, 0].max() + 0.5])
    if abs(w[1]) > 1e-12:
        ax.plot(xs, -(w[0] * xs + b) / w[1], **kw)
    elif abs(w[0]) > 1e-12:
        ax.axvline(-b / w[0], **kw)


def curves(ax, series, *, xlabel="epoch", ylabel="loss", title=None, logy=False):
    """Several learning curves: series is {label: sequence of values}.

    >>> from chainrule.viz import plots
    >>> fig, ax = plots.figure()          # one panel: one Axes
    >>> plots.curves(ax, {"train": [1.0, 0.5, 0.25], "test": [1.2, 0.7, 0.5]}, logy=True)
    >>> [l.get_label() for l in ax.lines], ax.get_yscale()
    (['train', 'test'], 'log')
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    for label, ys in series.items():
        ys = np.asarray(ys, dtype=np.float64)
        ax.plot(np.arange(1, len(ys) + 1), ys, label=label, lw=1.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if logy:
        from matplotlib.ticker import FuncFormatter
        ax.set_yscale("log")
        fmt = FuncFormatter(lambda v, _: f"{v:g}")
        ax.yaxis.set_major_formatter(fmt)
        vals = np.concatenate([np.asarray(v, dtype=np.float64).ravel()
                               for v in series.values()] or [np.ones(1)])
        vals = vals[np.isfinite(vals) & (vals > 0)]
        decades = np.log10(vals.max() / vals.min()) if vals.size else 0.0
        # label 2x and 5x minor ticks only when few decades are shown (else they crowd)
        ax.yaxis.set_minor_formatter(FuncFormatter(
            lambda v, _: f"{v:g}" if decades < 1.5 and f"{v:.1e}"[0] in "25" else ""))
    if title:
        ax.set_title(title)
    if len(series) > 1 or any(series):
        ax.legend()
    ax.grid(alpha=0.3)


def confusion(ax, cm, title=None, class_names=None):
    """A confusion matrix (rows: true class, columns: predicted) with counts written in.

    >>> from chainrule.viz import plots
    >>> fig, ax = plots.figure()          # one panel: one Axes
    >>> plots.confusion(ax, np.array([[5, 1], [0, 4]]), class_names=["cat", "dog"])
    >>> [t.get_text() for t in ax.texts]
    ['5', '1', '4']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    cm = np.asarray(cm)
    ax.imshow(cm, cmap="Blues")
    k = cm.shape[0]
    names = class_names or [str(i) for i in range(k)]
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xticklabels(names)
    ax.set_yticklabels(names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    thr = cm.max() / 2 if cm.size else 0
    for i in range(k):
        for j in range(k):
            if cm[i, j]:
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=8,
                        color="white" if cm[i, j] > thr else "black")
    if title:
        ax.set_title(title)


def image_grid(fig_title, images, captions, ncols=8, size=1.3, cmap="gray_r"):
    """A figure of small images with a caption under each; returns the figure.

    >>> from chainrule.viz import plots
    >>> images = [np.eye(8), np.ones((8, 8)), np.zeros((8, 8))]
    >>> fig = plots.image_grid("three images", images, ["eye", "ones", "zeros"], ncols=3)
    >>> [ax.get_xlabel() or ax.get_title() for ax in fig.axes]
    ['eye', 'ones', 'zeros']
    >>> import matplotlib.pyplot as plt; plt.close(fig)
    """
    plt = _mpl()
    plt.rcParams.update(STYLE)
    n = max(len(images), 1)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.6),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, img, cap in zip(axes.ravel(), images, captions):
        ax.imshow(img, cmap=cmap)
        ax.set_title(cap, fontsize=8.5, fontweight="normal")
    fig.suptitle(fig_title, fontsize=12, fontweight="bold")
    return fig
