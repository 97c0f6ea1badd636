"""The lecture's key aspects of training, as experiments on one small MLP (2-16-16-1) on the
two-moons set, full-batch gradient descent, binary cross-entropy:

1. weight initialisation: random (PyTorch's default) against zero weights (with a non-zero
   output bias, so that gradients are not all zero): every hidden unit gets the same
   gradient, so the units move but stay identical ("symmetry is never broken"). With every
   parameter zero on balanced data, the gradients are exactly 0 (a flat point of the loss):
   measured and reported separately, as it is a different reason not to learn;
2. activation functions: sigmoid, tanh, ReLU (speed and final loss);
3. data normalisation: a feature in the hundreds against standardised inputs;
4. learning rate: too small, good, divergent.

Each experiment is one plot; its one-line conclusion is written from the numbers measured
in this run, not from expectations.
"""
import math
import os

import numpy as np

from ._common import DemoResult, outdir, pct, timed

HIDDEN = 16


def distinct_units(layer, tol=1e-6):
    """How many different hidden units a Linear layer has (rows of [W | b] up to tol).

    >>> from chainrule.demos.training import distinct_units
    >>> layer = nn.Linear(2, 4)
    >>> distinct_units(layer)
    4
    >>> with torch.no_grad():
    ...     _ = layer.weight.zero_(), layer.bias.zero_()
    >>> distinct_units(layer)           # four copies of one unit
    1
    """
    W = layer.weight.detach().numpy().astype(np.float64)
    b = layer.bias.detach().numpy().astype(np.float64)[:, None]
    rows = np.concatenate([W, b], axis=1)
    return len(np.unique(np.round(rows / tol).astype(np.int64), axis=0))


ZERO_INIT_OUTPUT_BIAS = 0.5


def zero_init_gradient(X, y, activation="sigmoid", seed=0):
    """The largest |gradient| of any parameter of the 2-16-16-1 net with every weight and
    bias zero (output bias too), at the start, under the loss the experiments train with:
    exactly 0 on balanced data (a flat point of the loss).

    >>> from chainrule.demos.training import zero_init_gradient
    >>> X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> zero_init_gradient(X, torch.tensor([0, 1, 1, 0]))
    0.0
    """
    import chainrule
    from ..models import mlp
    chainrule.manual_seed(seed)
    net = mlp([2, HIDDEN, HIDDEN, 1], activation=activation)
    with chainrule.no_grad():
        for p in net.parameters():
            p.zero_()
    logits = net(X).reshape(-1)
    chainrule.nn.functional.binary_cross_entropy_with_logits(logits, y.float()).backward()
    return max(float(p.grad.abs().max().item()) for p in net.parameters())


def train_net(X, y, *, activation="tanh", init="random", lr=0.5, momentum=0.9, epochs=300,
              seed=0):
    """Train one 2-16-16-1 MLP; returns (net, history). init="zeros": every weight and
    bias zero except the output bias (ZERO_INIT_OUTPUT_BIAS), so the units do move.

    >>> from chainrule.demos.training import train_net, distinct_units
    >>> X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = torch.tensor([0, 1, 1, 0])
    >>> net, hist = train_net(X, y, init="zeros", epochs=20)
    >>> distinct_units(net[0])          # zero init: the hidden units stay identical
    1
    >>> len(hist["loss"])
    20
    """
    import chainrule
    from ..models import mlp
    from ._train import fit
    chainrule.manual_seed(seed)
    net = mlp([2, HIDDEN, HIDDEN, 1], activation=activation)
    if init == "zeros":
        out_layer = [m for m in net.modules() if isinstance(m, chainrule.nn.Linear)][-1]
        with chainrule.no_grad():
            for p in net.parameters():
                p.zero_()
            out_layer.bias.fill_(ZERO_INIT_OUTPUT_BIAS)
    opt = chainrule.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    hist = fit(net, X, y, loss="bce", opt=opt, epochs=epochs)
    return net, hist


def _first_below(losses, thr):
    for i, v in enumerate(losses):
        if v < thr:
            return i + 1
    return None


def _caption(fig, text):
    import textwrap
    fig.text(0.5, 0.01, "\n".join(textwrap.wrap(text, 92)), ha="center", va="bottom",
             fontsize=9.5, style="italic", color="#374151")


def _save(fig, path, caption):
    from ..viz import plots
    _caption(fig, caption)
    fig.tight_layout(rect=(0, 0.11, 1, 1))
    fig.savefig(path)
    plots._mpl().close(fig)
    return path


def run(out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the training demo (init, activations, normalisation, lr); returns the DemoResult.

    run() trains many small nets (several seconds); one of its facts, with a random init:

    >>> from chainrule.demos.training import train_net, distinct_units
    >>> X = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> net, hist = train_net(X, torch.tensor([0, 1, 1, 0]), epochs=5)
    >>> distinct_units(net[0])          # 16 different hidden units
    16
    """
    import chainrule
    from ..datasets import Standardize, make_moons
    from ..viz import plots
    from ._common import progress as bar

    res = DemoResult("training", "Training: initialisation, activations, normalisation, "
                                 "learning rate")
    with timed(res):
        outdir(out)
        n = 200 if quick else 400
        E = 80 if quick else 300
        X, y = make_moons(n, noise=0.2, seed=seed)
        steps = bar(total=10, desc="training experiments", enabled=progress)
        tick = getattr(steps, "update", lambda k=1: None)
        nums = {}

        # 1. initialisation (sigmoid units). Zero weights with a non-zero output bias: the
        # units move, but all alike. All-zero (bias too) on balanced data: a flat point.
        flat_grad = zero_init_gradient(X, y, seed=seed)
        balance = float(np.mean(y.numpy() if hasattr(y, "numpy") else y))
        init = {}
        for kind in ("random", "zeros"):
            net, h = train_net(X, y, activation="sigmoid", init=kind, epochs=E, seed=seed)
            init[kind] = (net, h, distinct_units(net[0]),
                          float(np.linalg.norm(net[0].weight.detach().numpy())))
            tick()
        fig, ax = plots.figure(1, 1, size=(7.0, 4.2))
        plots.curves(ax, {f"{k} init ({init[k][2]} distinct hidden "
                          f"unit{'' if init[k][2] == 1 else 's'})": init[k][1]["loss"]
                          for k in init}, xlabel="epoch (full batch)",
                     ylabel="training loss (BCE)",
                     title="1. Weight initialisation (MLP 2-16-16-1, sigmoid)")
        r, z = init["random"], init["zeros"]
        moved = z[3] > 1e-6
        c1 = (f"Zero weights (output bias {ZERO_INIT_OUTPUT_BIAS:g}): after {E} epochs the "
              f"{HIDDEN} first-layer units are {z[2]} distinct "
              + (f"- their weights moved (norm {z[3]:.3g}) but all alike, as every unit gets "
                 f"the same gradient: symmetry is never broken"
                 if moved and z[2] == 1 else
                 f"(first-layer weight norm {z[3]:.3g})")
              + f"; loss {z[1]['loss'][-1]:.3f}, accuracy {pct(z[1]['train_acc'][-1])}. "
              f"Random: {r[2]} distinct units, loss {r[1]['loss'][-1]:.3f}, accuracy "
              f"{pct(r[1]['train_acc'][-1])}. With every parameter zero (output bias too) on "
              f"these data ({pct(balance)} positive), the largest gradient at the start is "
              f"{flat_grad:.2g}"
              + (" (zero up to float32 rounding): a flat point of the loss, where nothing "
                 "moves at all - a different failure from symmetry." if flat_grad < 1e-6
                 else "."))
        f1 = _save(fig, os.path.join(out, "training_init.png"), c1)
        nums["init"] = {k: {"final_loss": v[1]["loss"][-1], "accuracy": v[1]["train_acc"][-1],
                            "distinct_units": v[2], "w1_norm": v[3]} for k, v in init.items()}
        nums["init"]["all_zero_max_grad"] = flat_grad
        nums["init"]["positive_fraction"] = balance

        # 2. activation functions
        acts = {}
        thr = 0.2
        for a in ("sigmoid", "tanh", "relu"):
            _, h = train_net(X, y, activation=a, epochs=E, seed=seed)
            acts[a] = h
            tick()
        fig, ax = plots.figure(1, 1, size=(7.0, 4.2))
        plots.curves(ax, {a: h["loss"] for a, h in acts.items()}, xlabel="epoch (full batch)",
                     ylabel="training loss (BCE)", logy=True,
                     title="2. Activation functions (SGD lr 0.5, momentum 0.9)")
        ax.axhline(thr, color="#9ca3af", ls=":", lw=1)
        reach = {a: _first_below(h["loss"], thr) for a, h in acts.items()}
        order = sorted(acts, key=lambda a: acts[a]["loss"][-1])
        parts = [f"{a}: loss {acts[a]['loss'][-1]:.3f}, "
                 + (f"below {thr} at epoch {reach[a]}" if reach[a] else f"never below {thr}")
                 for a in order]
        c2 = (f"Lowest final loss: {order[0]}; highest: {order[-1]}. " + "; ".join(parts) + ".")
        f2 = _save(fig, os.path.join(out, "training_activations.png"), c2)
        nums["activations"] = {a: {"final_loss": h["loss"][-1], "epochs_to_0.2": reach[a],
                                   "accuracy": h["train_acc"][-1]} for a, h in acts.items()}

        # 3. normalisation: the second feature in the hundreds (say, millimetres + offset)
        scale = chainrule.tensor([1.0, 100.0])
        shift = chainrule.tensor([0.0, 300.0])
        X_raw = X * scale + shift
        X_std = Standardize().fit(X_raw).transform(X_raw)
        norm = {}
        for label, data in (("raw (x2 in the hundreds)", X_raw), ("standardised", X_std)):
            _, h = train_net(data, y, activation="tanh", epochs=E, seed=seed)
            norm[label] = h
            tick()
        fig, ax = plots.figure(1, 1, size=(7.0, 4.2))
        plots.curves(ax, {k: h["loss"] for k, h in norm.items()}, xlabel="epoch (full batch)",
                     ylabel="training loss (BCE)",
                     title="3. Data normalisation (tanh, same learning rate)")
        (kr, hr), (ks, hs) = norm.items()
        better = hs["loss"][-1] < hr["loss"][-1]
        if better and hr["train_acc"][-1] < 0.75:
            verdict_norm = "makes the difference between learning and not"
        else:
            verdict_norm = "helps" if better else "did not help here"
        c3 = (f"Standardised inputs: loss {hs['loss'][-1]:.3f}, accuracy "
              f"{pct(hs['train_acc'][-1])}; raw inputs: loss {hr['loss'][-1]:.3f}, accuracy "
              f"{pct(hr['train_acc'][-1])} - normalisation "
              f"{verdict_norm}.")
        f3 = _save(fig, os.path.join(out, "training_normalisation.png"), c3)
        nums["normalisation"] = {k: {"final_loss": h["loss"][-1], "accuracy": h["train_acc"][-1]}
                                 for k, h in norm.items()}

        # 4. learning rate (plain SGD, no momentum)
        lrs = {}
        for lr in (0.001, 0.5, 50.0):
            _, h = train_net(X, y, activation="tanh", lr=lr, momentum=0.0, epochs=E, seed=seed)
            lrs[lr] = h
            tick()
        if hasattr(steps, "close"):
            steps.close()
        verdict = {}
        for lr, h in lrs.items():
            first, last = h["loss"][0], h["loss"][-1]
            if not math.isfinite(last) or last > first:
                verdict[lr] = "diverges"
            elif last > 0.8 * first:
                verdict[lr] = "too small: barely moves"
            else:
                verdict[lr] = "learns"
        fig, ax = plots.figure(1, 1, size=(7.0, 4.2))
        plots.curves(ax, {f"lr = {lr:g} ({verdict[lr]})": h["loss"] for lr, h in lrs.items()},
                     xlabel="epoch (full batch)", ylabel="training loss (BCE)", logy=True,
                     title="4. Learning rate (tanh, plain SGD)")
        c4 = "; ".join(f"lr {lr:g}: loss {h['loss'][0]:.3f} -> {h['loss'][-1]:.3g} "
                       f"({verdict[lr]})" for lr, h in lrs.items()) + "."
        f4 = _save(fig, os.path.join(out, "training_learning_rate.png"), c4)
        nums["learning_rate"] = {str(lr): {"first_loss": h["loss"][0], "final_loss": h["loss"][-1],
                                           "verdict": verdict[lr],
                                           "accuracy": h["train_acc"][-1]}
                                 for lr, h in lrs.items()}

        res.numbers = nums
        res.summary = [f"two moons, {n} points, MLP 2-16-16-1, {E} full-batch epochs each",
                       "1. " + c1, "2. " + c2, "3. " + c3, "4. " + c4]
        res.figures = [f1, f2, f3, f4]
    return res
