"""Rosenblatt's perceptron, trained with his rule w <- w + eta t_n x_n on misclassified samples.

(a) The 1958 demonstration (New York Times, July 1958: the "704" "learned to differentiate
    between right and left after fifty attempts"): a 20x20 "retina" of 400 photocells sees
    a square on the left or on the right half; the perceptron learns to tell them apart.
    We report after how many presentations it first classifies every training card right,
    its accuracy on fresh cards, and draw the learned weights as a 20x20 image.
(b) Linearly separable 2-D points: the decision boundary at several stages of convergence.
"""
import os

import numpy as np

from ._common import DemoResult, np_rng, outdir, pct, timed

RETINA = 20


def retina_cards(n, rng, size=RETINA, min_side=3, max_side=7):
    """n images (n, size*size) with one filled square wholly in the left (t=+1) or the
    right half (t=-1), random side and position; balanced classes.

    >>> import numpy as np
    >>> from chainrule.demos.perceptron import retina_cards
    >>> X, t = retina_cards(4, np.random.default_rng(0), size=6, min_side=2, max_side=2)
    >>> X.shape, t
    ((4, 36), array([ 1,  1, -1, -1]))
    >>> X[0].reshape(6, 6)
    array([[0., 0., 0., 0., 0., 0.],
           [1., 1., 0., 0., 0., 0.],
           [1., 1., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0., 0.],
           [0., 0., 0., 0., 0., 0.]], dtype=float32)
    """
    X = np.zeros((n, size, size), dtype=np.float32)
    t = np.where(np.arange(n) % 2 == 0, 1, -1)
    rng.shuffle(t)
    half = size // 2
    for i in range(n):
        s = int(rng.integers(min_side, max_side + 1))
        r = int(rng.integers(0, size - s + 1))
        c = int(rng.integers(0, half - s + 1))
        if t[i] < 0:
            c += half
        X[i, r:r + s, c:c + s] = 1.0
    return X.reshape(n, size * size), t.astype(np.int64)


def separable_points(n, rng, margin=0.6):
    """n 2-D points in two classes (t = +1 / -1) separated by a margin around a random line.

    >>> import numpy as np
    >>> from chainrule.demos.perceptron import separable_points
    >>> X, t = separable_points(5, np.random.default_rng(0))
    >>> X.shape, t
    ((5, 2), array([-1,  1,  1, -1,  1]))
    """
    angle = rng.uniform(0, np.pi)
    w_true = np.array([np.cos(angle), np.sin(angle)])
    b_true = rng.uniform(-0.5, 0.5)
    pts, ts = [], []
    while len(pts) < n:
        p = rng.normal(0, 2.0, size=2)
        d = p @ w_true + b_true
        if abs(d) < margin / 2:
            continue
        pts.append(p)
        ts.append(1 if d > 0 else -1)
    return np.array(pts, dtype=np.float32), np.array(ts, dtype=np.int64)


def run(out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the perceptron demo (the retina, separable points); returns the DemoResult.

    run() takes a few seconds; the same rule on a few separable points:

    >>> import numpy as np
    >>> from chainrule.demos.perceptron import separable_points
    >>> from chainrule.models import Perceptron
    >>> X, t = separable_points(20, np.random.default_rng(0))
    >>> p = Perceptron(2, lr=1.0)
    >>> p.fit(torch.tensor(X), torch.tensor(t), max_epochs=50) is not None   # it converges
    True
    >>> p.errors(torch.tensor(X), torch.tensor(t))
    0
    """
    import chainrule
    from ..models.perceptron import Perceptron
    from ..viz import plots

    res = DemoResult("perceptron", "Rosenblatt's perceptron (1958)")
    with timed(res):
        outdir(out)
        rng = np_rng(seed)
        # (a) the retina
        n_train, n_test = (40, 200) if quick else (100, 1000)
        Xtr, ttr = retina_cards(n_train, rng)
        Xte, tte = retina_cards(n_test, rng)
        p = Perceptron(RETINA * RETINA, lr=1.0)
        Xtr_t = chainrule.tensor(Xtr)
        errors_curve = []

        def cb(m, i, changed):
            errors_curve.append(m.errors(Xtr_t, ttr) if changed or not errors_curve
                                else errors_curve[-1])
        sep = p.fit(Xtr_t, chainrule.tensor(ttr), max_epochs=50, rng=np_rng(seed + 1),
                    callback=cb)
        test_acc = 1.0 - p.errors(chainrule.tensor(Xte), tte) / n_test
        w = p.weight.detach().numpy().reshape(RETINA, RETINA)
        left_mean, right_mean = float(w[:, :RETINA // 2].mean()), float(w[:, RETINA // 2:].mean())

        fig, axes = plots.figure(3, 1, size=(4.2, 3.8),
                                 title="(a) The 1958 demonstration: "
                                       "square on the left or on the right?")
        for k, ax in enumerate(axes[:2]):
            idx = int(np.flatnonzero(ttr == (1 if k == 0 else -1))[0])
            ax.imshow(Xtr[idx].reshape(RETINA, RETINA), cmap="gray_r", vmin=0, vmax=1)
            ax.axvline(RETINA / 2 - 0.5, color="#999999", lw=0.8, ls="--")
            ax.set_title(f"a card, t = {'+1 (left)' if k == 0 else '-1 (right)'}")
            ax.set_xticks([])
            ax.set_yticks([])
        lim = float(np.abs(w).max()) or 1.0
        im = axes[2].imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
        axes[2].axvline(RETINA / 2 - 0.5, color="#555555", lw=0.8, ls="--")
        axes[2].set_title("learned weights w (400 photocells)")
        axes[2].set_xticks([])
        axes[2].set_yticks([])
        axes[2].figure.colorbar(im, ax=axes[2], fraction=0.046, pad=0.04)
        f1 = plots.save(axes[0].figure, os.path.join(out, "perceptron_retina.png"))

        fig, ax = plots.figure(1, 1, size=(6.5, 3.6))
        ax.plot(np.arange(1, len(errors_curve) + 1), errors_curve, lw=1.6, color="#2563eb")
        if sep is not None:
            ax.axvline(sep, color="#dc2626", ls="--", lw=1.2,
                       label=f"all {n_train} cards right after {sep} presentations")
        ax.axvline(50, color="#9ca3af", ls=":", lw=1.2,
                   label="1958 press report: learned 'after fifty attempts'")
        ax.legend()
        ax.set_xlabel("presentations (one card each)")
        ax.set_ylabel("training cards misclassified")
        ax.set_title("(a) Rosenblatt's rule on the retina: errors over time")
        ax.grid(alpha=0.3)
        f2 = plots.save(fig, os.path.join(out, "perceptron_retina_errors.png"))

        # (b) separable 2-D points, boundary at several stages
        n_pts = 40 if quick else 80
        X2, t2 = separable_points(n_pts, rng)
        q = Perceptron(2, lr=0.5)
        snaps = []

        def snap(m, i, changed):
            if changed:
                snaps.append((m.presentations, m.updates, m.weight.detach().numpy().copy(),
                              float(m.bias.item()), m.errors(X2t, t2)))
        X2t = chainrule.tensor(X2)
        sep2 = q.fit(X2t, chainrule.tensor(t2), max_epochs=200, rng=np_rng(seed + 2),
                     callback=snap)
        picks = _stages(len(snaps))
        fig, axes = plots.figure(len(picks), 1, size=(3.6, 3.6),
                                 title="(b) Decision boundary w . x + b = 0 "
                                       "while the rule converges")
        axes = axes if isinstance(axes, list) else [axes]
        for ax, k in zip(axes, picks):
            pres, upd, wk, bk, err = snaps[k]
            plots.scatter(ax, X2, (t2 > 0).astype(int), labels=("t = -1", "t = +1"))
            plots.line(ax, wk, bk, X2, color="k", lw=2)
            ax.set_xlim(X2[:, 0].min() - 0.5, X2[:, 0].max() + 0.5)
            ax.set_ylim(X2[:, 1].min() - 0.5, X2[:, 1].max() + 0.5)
            ax.set_title(f"after {_n(pres, 'presentation')}\n{_n(upd, 'update')}, "
                         f"{_n(err, 'error')}",
                         fontsize=10.5)
            ax.set_xlabel("$x_1$")
            ax.set_ylabel("$x_2$")
        axes[0].legend(loc="lower right", fontsize=8.5)
        f3 = plots.save(axes[0].figure, os.path.join(out, "perceptron_2d_stages.png"))

        res.numbers = {
            "retina_train_cards": n_train, "retina_separated_after": sep,
            "retina_updates": p.updates, "retina_test_accuracy": test_acc,
            "retina_weight_mean_left": left_mean, "retina_weight_mean_right": right_mean,
            "points": n_pts, "points_separated_after": sep2, "points_updates": q.updates,
            "points_final_errors": q.errors(X2t, t2),
        }
        res.summary = [
            f"(a) retina: all {n_train} training cards right after {sep} presentations "
            f"({p.updates} weight updates); accuracy on {n_test} fresh cards: {pct(test_acc)}",
            f"    learned weights: mean {left_mean:+.2f} on the left half, {right_mean:+.2f} on "
            f"the right half (the perceptron 'looks' for light on the left)",
            f"(b) {n_pts} separable 2-D points: separated after {sep2} presentations "
            f"({q.updates} updates); final training errors: {res.numbers['points_final_errors']}",
        ]
        res.figures = [f1, f2, f3]
    return res


def _stages(n, k=4):
    """Indices of up to k snapshots: the first update, two in between, the last."""
    if n <= k:
        return list(range(n))
    idx = sorted({0, max(1, n // 8), max(2, n // 3), n - 1})
    return idx


def _n(k, word):
    return f"{k} {word}{'' if k == 1 else 's'}"
