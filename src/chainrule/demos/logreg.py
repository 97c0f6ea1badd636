"""Logistic regression: the perceptron with a sigmoid, p(t=1 | x) = sigmoid(w . x + b),
trained by gradient descent on the binary cross-entropy

    E(w) = -1/N sum_i [ t_i log sigmoid(w . x_i) + (1 - t_i) log(1 - sigmoid(w . x_i)) ].

On two overlapping 2-D clouds: the decision boundary (p = 0.5, with p shaded) at a few
stages, and the loss curve. The gradient descent step is written out (w <- w - lr dE/dw)
with the gradient from backprop, and cross-checked against the closed form
dE/dw = 1/N sum_i (p_i - t_i) x_i.
"""
import os

import numpy as np

from ._common import DemoResult, outdir, pct, timed


def overlapping_clouds(n, seed, centers=((-1.0, -0.5), (1.0, 0.8)), std=0.9):
    """Two Gaussian clouds that overlap (no line separates them): (X float32, y int64).

    >>> from chainrule.demos.logreg import overlapping_clouds
    >>> X, y = overlapping_clouds(4, seed=0)
    >>> X
    tensor([[-0.8868, -0.6189],
            [-1.4821, -0.1746],
            [ 1.5764,  0.8944],
            [ 2.1736,  1.6524]])
    >>> y
    tensor([0, 0, 1, 1])
    """
    import chainrule
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = np.asarray(centers)[y] + rng.normal(0, std, size=(n, 2))
    p = rng.permutation(n)
    return chainrule.tensor(X[p].astype(np.float32)), chainrule.tensor(y[p].astype(np.int64))


def run(out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the logistic regression demo; figures into `out`; returns the DemoResult.

    run() trains for a few seconds; its data and one gradient, checked against the closed
    form dE/dw = 1/N sum_i (p_i - t_i) x_i:

    >>> from chainrule.demos.logreg import overlapping_clouds
    >>> X, y = overlapping_clouds(200, seed=0)
    >>> w = torch.zeros(2, requires_grad=True)
    >>> F.binary_cross_entropy_with_logits(X @ w, y.float()).backward()
    >>> closed = ((torch.sigmoid(X @ w) - y.float())[:, None] * X).mean(0)
    >>> torch.allclose(w.grad, closed)
    True
    """
    import chainrule
    from ..models import LogisticRegression
    from ..nn import functional as F
    from ..viz import plots
    from ._train import predict

    res = DemoResult("logreg", "Logistic regression: sigmoid + cross-entropy by gradient descent")
    with timed(res):
        outdir(out)
        n = 200 if quick else 400
        X, y = overlapping_clouds(n, seed)
        chainrule.manual_seed(seed)
        model = LogisticRegression(2)
        lr, epochs = 0.5, (100 if quick else 300)
        yf = y.float()
        losses, accs, snaps = [], [], {}
        grad_err = 0.0
        snap_at = sorted({1, 5, 20, epochs})
        for ep in range(1, epochs + 1):
            logits = model(X)
            loss = F.binary_cross_entropy_with_logits(logits, yf)
            model.zero_grad()
            loss.backward()
            if ep == 1:
                # backprop's gradient against the closed form 1/N X^T (p - t)
                p = logits.detach().sigmoid().numpy().astype(np.float64)
                closed = X.numpy().astype(np.float64).T @ (p - yf.numpy()) / n
                bp = model.linear.weight.grad.numpy().reshape(-1)
                grad_err = float(np.abs(closed - bp).max())
            with chainrule.no_grad():
                for prm in model.parameters():
                    prm -= lr * prm.grad          # gradient descent, by hand
            losses.append(float(loss.item()))
            with chainrule.no_grad():
                accs.append(float(((model(X) > 0).long() == y).float().mean().item()))
            if ep in snap_at:
                snaps[ep] = (model.linear.weight.detach().numpy().reshape(-1).copy(),
                             float(model.linear.bias.item()), accs[-1])

        Xn, yn = X.numpy(), y.numpy()
        fig, axes = plots.figure(2, 1, size=(4.8, 4.2),
                                 title="Logistic regression on two overlapping clouds")
        plots.decision_regions(
            axes[0], lambda g: predict(model, chainrule.tensor(g)).sigmoid().numpy(), Xn, yn,
            levels=np.linspace(0, 1, 11), title=f"p(class 1 | x) after {epochs} steps, "
                                                f"accuracy {pct(accs[-1])}")
        styles = [":", "-.", "--", "-"]
        for (ep, (w, b, acc)), st in zip(sorted(snaps.items()), styles):
            plots.line(axes[0], w, b, Xn, color="k", ls=st, lw=1.3,
                       label=f"step {ep}: {pct(acc)}")
        axes[0].legend(loc="lower right", fontsize=8.5)
        axes[0].set_xlim(Xn[:, 0].min() - 0.5, Xn[:, 0].max() + 0.5)
        axes[0].set_ylim(Xn[:, 1].min() - 0.5, Xn[:, 1].max() + 0.5)
        plots.curves(axes[1], {"training loss (BCE)": losses}, xlabel="gradient descent step",
                     ylabel="binary cross-entropy", title=f"Loss curve (lr = {lr})")
        f1 = plots.save(axes[0].figure, os.path.join(out, "logreg.png"))

        res.numbers = {"n": n, "steps": epochs, "lr": lr, "initial_loss": losses[0],
                       "final_loss": losses[-1], "final_accuracy": accs[-1],
                       "gradient_vs_closed_form_max_abs_diff": grad_err}
        res.summary = [
            f"{n} points, {epochs} full-batch gradient descent steps (lr {lr}): loss "
            f"{losses[0]:.4f} -> {losses[-1]:.4f}, training accuracy {pct(accs[-1])}",
            f"backprop's dE/dw against the closed form (1/N) X^T (p - t): max difference "
            f"{grad_err:.1e}",
        ]
        res.figures = [f1]
    return res
