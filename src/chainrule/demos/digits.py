"""Linear + Softmax (multinomial logistic regression) against an MLP on the 8x8 digits set.

Both trained the same way (minibatch SGD with momentum, cross-entropy, the same seeded
split: 75% train, 25% test, pixels scaled to 0..1). Output: an accuracy table, learning
curves (training loss, test accuracy per epoch), the MLP's confusion matrix on the test
split, and a grid of the test digits it gets wrong.
"""
import html
import os

import numpy as np

from ._common import DemoResult, outdir, pct, timed


def confusion_matrix(y_true, y_pred, k):
    """cm[i, j] = how many samples of true class i were predicted as j.

    >>> from chainrule.demos.digits import confusion_matrix
    >>> confusion_matrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], k=3)
    array([[1, 1, 0],
           [0, 1, 0],
           [1, 0, 1]])
    """
    cm = np.zeros((k, k), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def run(out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the digits demo (Linear + Softmax against an MLP); returns the DemoResult.

    run(quick=True) trains for a few seconds; what it builds on, the seeded 75/25 split:

    >>> from chainrule.datasets import load_digits, train_test_split
    >>> X, y = load_digits(scale=True)
    >>> Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=0, stratify=y)
    >>> Xtr.shape, Xte.shape
    (chainrule.Size([1347, 64]), chainrule.Size([450, 64]))
    """
    import chainrule
    from ..datasets import load_digits, train_test_split
    from ..models import SoftmaxRegression, mlp
    from ..viz import plots
    from ._train import fit, predict

    res = DemoResult("digits", "Handwritten digits: Linear + Softmax against an MLP")
    with timed(res):
        outdir(out)
        X, y = load_digits(scale=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, seed=seed, stratify=y)
        epochs = 6 if quick else 20
        models = {}
        chainrule.manual_seed(seed)
        models["Linear + Softmax"] = SoftmaxRegression(64, 10)
        chainrule.manual_seed(seed)
        models["MLP 64-64-10 (ReLU)"] = mlp([64, 64, 10], activation="relu")
        hists = {}
        for name, model in models.items():
            opt = chainrule.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
            hists[name] = fit(model, Xtr, ytr, loss="ce", opt=opt, epochs=epochs, batch_size=32,
                              seed=seed, X_test=Xte, y_test=yte, progress=progress,
                              desc=f"digits: {name.split(' (')[0]}")
        n_params = {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()}

        fig, axes = plots.figure(2, 1, size=(5.0, 3.8), title="Digits: learning curves")
        plots.curves(axes[0], {k: h["loss"] for k, h in hists.items()}, xlabel="epoch",
                     ylabel="training loss (cross-entropy)", title="Training loss", logy=True)
        plots.curves(axes[1], {k: h["test_acc"] for k, h in hists.items()}, xlabel="epoch",
                     ylabel="test accuracy", title="Test accuracy")
        f1 = plots.save(axes[0].figure, os.path.join(out, "digits_curves.png"))

        best = "MLP 64-64-10 (ReLU)"
        pred = predict(models[best], Xte).argmax(-1).numpy()
        yt = yte.numpy()
        cm = confusion_matrix(yt, pred, 10)
        fig, ax = plots.figure(1, 1, size=(5.2, 4.6))
        plots.confusion(ax, cm, title=f"{best}: confusion on the test split")
        f2 = plots.save(fig, os.path.join(out, "digits_confusion.png"))

        wrong = np.flatnonzero(pred != yt)
        shown = wrong[:24]
        imgs = [Xte.numpy()[i].reshape(8, 8) for i in shown]
        caps = [f"true {yt[i]}, said {pred[i]}" for i in shown]
        fig = plots.image_grid(f"{best}: {len(wrong)} of {len(yt)} test digits misclassified"
                               f"{' (first 24)' if len(wrong) > 24 else ''}", imgs, caps,
                               ncols=8, size=1.35)
        f3 = plots.save(fig, os.path.join(out, "digits_misclassified.png"))

        rows = []
        for name, h in hists.items():
            rows.append((name, f"{n_params[name]:,}", pct(h["train_acc"][-1]),
                         pct(h["test_acc"][-1]), f"{h['loss'][-1]:.4f}"))
        head = ("model", "parameters", "train accuracy", "test accuracy", "final training loss")
        res.html = ("<table><thead><tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in head)
                    + "</tr></thead><tbody>" + "".join(
                        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                        for r in rows) + "</tbody></table>")
        res.numbers = {"n_train": int(Xtr.shape[0]), "n_test": int(Xte.shape[0]),
                       "epochs": epochs, "misclassified": int(len(wrong))}
        for name, h in hists.items():
            key = "linear" if name.startswith("Linear") else "mlp"
            res.numbers[f"{key}_test_acc"] = h["test_acc"][-1]
            res.numbers[f"{key}_train_acc"] = h["train_acc"][-1]
            res.numbers[f"{key}_params"] = n_params[name]
        res.summary = [f"{Xtr.shape[0]} training / {Xte.shape[0]} test digits, {epochs} epochs "
                       f"of SGD (lr 0.1, momentum 0.9, batch 32)"]
        res.summary += [f"{r[0]}: {r[1]} parameters, train {r[2]}, test {r[3]}" for r in rows]
        # The difference of the rounded figures shown above (96.4% - 95.6% = 0.8 points),
        # so the sentence agrees with the table a reader checks it against.
        d = (float(pct(res.numbers["mlp_test_acc"])[:-1])
             - float(pct(res.numbers["linear_test_acc"])[:-1])) / 100
        res.numbers["mlp_minus_linear_points"] = round(d * 100, 1)
        res.summary.append(f"the MLP is {abs(d) * 100:.1f} points "
                           f"{'better' if d >= 0 else 'worse'} on the test split; "
                           f"it misclassifies {len(wrong)} of {len(yt)} test digits")
        res.figures = [f1, f2, f3]
    return res
