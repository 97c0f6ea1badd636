"""Minsky and Papert (1969): one perceptron draws a straight line, so it cannot model XOR.

Measured here on the four XOR points (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0:
* Rosenblatt's perceptron cycles forever; its best accuracy over 100 epochs is <= 75%;
* a logistic unit trained by gradient descent gets <= 75%;
* 200,000 random linear units (w1, w2, b): none exceeds 75% (three of four is the best a
  line can do);
* a network of perceptrons (2-2-1 with tanh, 2-4-1 with sigmoid) trained by backprop
  reaches 100%.
All four decision boundaries are drawn.
"""
import os

import numpy as np

from ._common import DemoResult, outdir, pct, timed

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([0, 1, 1, 0], dtype=np.int64)


def best_linear_accuracy(n=200_000, seed=0):
    """The best accuracy on XOR of n random linear threshold units sign(w . x + b).

    >>> from chainrule.demos.xor import best_linear_accuracy
    >>> best_linear_accuracy(1000)       # no line gets all four XOR points right
    0.75
    """
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(n, 2))
    b = rng.normal(size=(n, 1))
    pred = (W @ XOR_X.T.astype(np.float64) + b) > 0
    return float((pred == XOR_Y.astype(bool)).mean(axis=1).max())


def train_mlp(hidden, activation, seed, epochs=600, lr=0.5):
    """A 2-hidden-1 MLP trained full-batch by backprop (SGD with momentum, BCE); returns
    (model, history).

    >>> from chainrule.demos.xor import train_mlp, XOR_X
    >>> net, hist = train_mlp(4, "sigmoid", seed=0, epochs=300, lr=2.0)
    >>> hist["train_acc"][-1]
    1.0
    >>> (net(torch.tensor(XOR_X)).reshape(-1) > 0).long()     # (0,0) (0,1) (1,0) (1,1)
    tensor([0, 1, 1, 0])
    """
    import chainrule
    from ..models import mlp
    from ._train import fit
    chainrule.manual_seed(seed)
    net = mlp([2, hidden, 1], activation=activation)
    opt = chainrule.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    hist = fit(net, chainrule.tensor(XOR_X), chainrule.tensor(XOR_Y), loss="bce", opt=opt,
               epochs=epochs)
    return net, hist


def run(out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the XOR demo (one unit against small networks); returns the DemoResult.

    run() takes a few seconds; one of its facts:

    >>> from chainrule.demos.xor import best_linear_accuracy
    >>> best_linear_accuracy(5000)
    0.75
    """
    import chainrule
    from ..models import LogisticRegression, Perceptron
    from ..viz import plots
    from ._train import fit, predict

    res = DemoResult("xor", "XOR: one unit is not enough, a network of units is")
    with timed(res):
        outdir(out)
        X, y = chainrule.tensor(XOR_X), chainrule.tensor(XOR_Y)
        t = chainrule.tensor(2 * XOR_Y - 1)

        # Rosenblatt's perceptron: never converges; track its best accuracy.
        p = Perceptron(2, lr=1.0)
        accs, best_state = [], {}

        def watch(m, i, changed):
            accs.append(1 - m.errors(X, t) / 4)
            if accs[-1] > best_state.get("acc", -1):
                best_state.update(acc=accs[-1], w=m.weight.detach().numpy().copy(),
                                  b=float(m.bias.item()), at=m.presentations)
        sep = p.fit(X, t, max_epochs=100, shuffle=True, rng=np.random.default_rng(seed),
                    callback=watch)
        perc_best, perc_final = max(accs), accs[-1]

        # A logistic unit by gradient descent.
        chainrule.manual_seed(seed)
        lr_unit = LogisticRegression(2)
        h_unit = fit(lr_unit, X, y, loss="bce", lr=1.0, epochs=200 if quick else 400)
        unit_acc = h_unit["train_acc"][-1]
        unit_best = max(h_unit["train_acc"])

        best_line = best_linear_accuracy(50_000 if quick else 200_000, seed)

        # Networks of units: up to 10 random restarts each, reported honestly.
        nets = {}
        for hidden, act in ((2, "tanh"), (4, "sigmoid")):
            tries = 0
            for k in range(10):
                tries += 1
                net, hist = train_mlp(hidden, act, seed=seed + 100 * hidden + k,
                                      epochs=300 if quick else 500,
                                      lr=0.5 if act == "tanh" else 2.0)
                if hist["train_acc"][-1] == 1.0:
                    break
            nets[(hidden, act)] = (net, hist, tries)

        fig, axes = plots.figure(4, 1, size=(3.5, 3.6),
                                 title="XOR: decision boundaries of one unit and of two "
                                       "small networks")

        def sig(model):
            return lambda g: predict(model, chainrule.tensor(g)).reshape(-1).sigmoid().numpy()

        wb, bb = best_state["w"], best_state["b"]
        plots.decision_regions(
            axes[0], lambda g: (g @ wb + bb > 0).astype(np.float64), XOR_X, XOR_Y,
            levels=[-0.5, 0.5, 1.5], margin=0.4, s=90,
            title=f"perceptron, best state in 100 epochs\n{pct(perc_best)} "
                  f"({'never converges' if sep is None else 'converged'})")
        plots.line(axes[0], wb, bb, XOR_X, color="k", lw=1.2)
        axes[0].set_xlim(-0.4, 1.4)
        axes[0].set_ylim(-0.4, 1.4)
        plots.decision_regions(axes[1], sig(lr_unit), XOR_X, XOR_Y, s=90,
                               levels=np.linspace(0, 1, 11), margin=0.4,
                               title=f"logistic unit\naccuracy {pct(unit_acc)}")
        for ax, ((hidden, act), (net, hist, tries)) in zip(axes[2:], nets.items()):
            plots.decision_regions(ax, sig(net), XOR_X, XOR_Y, levels=np.linspace(0, 1, 11), s=90,
                                   margin=0.4,
                                   title=f"MLP 2-{hidden}-1 ({act})\naccuracy "
                                         f"{pct(hist['train_acc'][-1])}")
        f1 = plots.save(axes[0].figure, os.path.join(out, "xor_boundaries.png"))

        fig, ax = plots.figure(1, 1, size=(6.5, 3.8))
        series = {"logistic unit": h_unit["loss"]}
        for (hidden, act), (net, hist, tries) in nets.items():
            series[f"MLP 2-{hidden}-1 ({act})"] = hist["loss"]
        plots.curves(ax, series, xlabel="epoch (full batch)", ylabel="binary cross-entropy",
                     title="XOR: training loss", logy=True)
        f2 = plots.save(fig, os.path.join(out, "xor_loss.png"))

        res.numbers = {"perceptron_best_acc": perc_best, "perceptron_separated_at": sep,
                       "perceptron_final_acc": perc_final,
                       "unit_acc": unit_acc, "unit_best_acc": unit_best,
                       "best_random_line_acc": best_line}
        for (hidden, act), (net, hist, tries) in nets.items():
            res.numbers[f"mlp_2_{hidden}_1_acc"] = hist["train_acc"][-1]
            res.numbers[f"mlp_2_{hidden}_1_tries"] = tries
            res.numbers[f"mlp_2_{hidden}_1_final_loss"] = hist["loss"][-1]
        res.summary = [
            f"perceptron (Rosenblatt's rule, 100 epochs): best accuracy {pct(perc_best)}, "
            + ("never separates the four points" if sep is None else
             f"separated after {sep} presentations (unexpected!)"),
            f"logistic unit (gradient descent): accuracy {pct(unit_acc)} "
            f"(best during training {pct(unit_best)})",
            f"best of {50_000 if quick else 200_000:,} random linear units: {pct(best_line)}",
        ]
        for (hidden, act), (net, hist, tries) in nets.items():
            res.summary.append(
                f"MLP 2-{hidden}-1 ({act}, backprop): accuracy {pct(hist['train_acc'][-1])}, "
                f"final loss {hist['loss'][-1]:.4f}"
                + (f" ({tries} random initialisations tried)" if tries > 1 else ""))
        res.figures = [f1, f2]
    return res
