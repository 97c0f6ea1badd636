"""`chainrule reproduce hinton2006`: deep belief nets against the methods that replaced them.

    chainrule reproduce hinton2006 [--quick] [--data DIR] [--jobs N] [--epochs N] [--out DIR]

The 784-500-500-2000-10 network of Hinton, Osindero & Teh (2006), "A fast learning
algorithm for deep belief nets", and Hinton & Salakhutdinov (2006), "Reducing the
dimensionality of data with neural networks", trained four ways on MNIST:

  (a) from random initialisation, sigmoid units, SGD (the "backprop" baseline);
  (b) pretrained greedily as a DBN (three RBMs, CD-1), unrolled, then fine-tuned by the
      same SGD as (a);
  (c) ReLU units and dropout (Srivastava et al. 2014), random initialisation, no pretraining;
  (d) sigmoid units with batch normalisation (Ioffe & Szegedy 2015), random initialisation.

(a), (b) and (d) share the optimiser, learning rate and epochs, so they differ only in the
initialisation or the normalisation. Prints a table of test errors beside the papers'
(DBN 1.25%; backprop from random weights 1.6% and an SVM 1.4%, as Hinton & Salakhutdinov
quote them), the settings, and writes a plot of test error by epoch of all four.

Budget: the full run under 30 minutes on 2 cores, one BLAS thread per process, the runs
spread over --jobs worker processes (default 2); --quick (a subset) well under 2 minutes.
`report_sections(outdir, quick)` gives the demo report its RBM / DBN section: an RBM's
learned filters, its reconstructions and samples drawn by Gibbs chains started from noise.
"""
import json
import math
import os
import time

import numpy as np

from ._common import (blas_threads, find_mnist, load_mnist01, one_blas_thread, run_parallel,
                      stderr_log, test_error)

SIZES = (784, 500, 500, 2000, 10)
PAPER = {"dbn": 1.25, "backprop": 1.6, "svm": 1.4}
# name -> (row title, the paper's number to compare with (or None), SGD learning rate)
RUNS = {
    "sigmoid": ("(a) sigmoid, random init, SGD", PAPER["backprop"], 0.1),
    "dbn": ("(b) DBN-pretrained (CD-1), fine-tuned by SGD", PAPER["dbn"], 0.1),
    "relu_dropout": ("(c) ReLU + dropout, random init, SGD", None, 0.05),
    "batchnorm": ("(d) sigmoid + batch norm, random init, SGD", None, 0.1),
}
ORDER = ("dbn", "batchnorm", "relu_dropout", "sigmoid")  # longest first, for the pool
BATCH = 100
MOMENTUM = 0.9
WARMUP = 0.05                 # fraction of the steps with a linearly rising learning rate
DROPOUT = (0.2, 0.5)          # input, hidden (Srivastava et al. 2014)
# Pretraining as in Hinton & Salakhutdinov's code: CD-1, batch 100, learning rate 0.1,
# weight cost 2e-4, momentum 0.5 for 5 epochs then 0.9.
PRETRAIN = dict(lr=0.1, k=1, weight_decay=2e-4, batch_size=100)
SIZES_BY_MODE = {
    "full": dict(train=None, test=None, epochs=25, pretrain_epochs=15),
    "quick": dict(train=10000, test=2000, epochs=5, pretrain_epochs=3),
    "report": dict(train=1500, test=1000, epochs=2, pretrain_epochs=1),
}


def momentum_schedule(epoch):
    """The RBMs' pretraining momentum at `epoch`: 0.5 for the first 5 epochs, then 0.9.

    >>> from chainrule.papers import hinton2006
    >>> [hinton2006.momentum_schedule(e) for e in (0, 4, 5, 14)]
    [0.5, 0.5, 0.9, 0.9]
    """
    return 0.5 if epoch < 5 else 0.9


def lr_at(step, total, lr):
    """Linear warm-up over the first WARMUP of the steps (the wide sigmoid layers feed the
    softmax head inputs of large norm, and the first full-size steps overshoot), then a
    cosine decay to 0.

    >>> from chainrule.papers import hinton2006
    >>> [round(hinton2006.lr_at(s, 100, 0.1), 4) for s in (0, 4, 5, 50, 99)]
    [0.02, 0.1, 0.1, 0.0541, 0.0]
    """
    warm = max(1, int(WARMUP * total))
    if step < warm:
        return lr * (step + 1) / warm
    return 0.5 * lr * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))


def build(name):
    """The 784-500-500-2000-10 net for run `name` (random initialisation: PyTorch's default
    Linear init); for "dbn" the caller unrolls a pretrained DBN instead.

    >>> from chainrule.papers import hinton2006
    >>> net = hinton2006.build("batchnorm")
    >>> [type(m).__name__ for m in net][:4]
    ['Linear', 'BatchNorm1d', 'Sigmoid', 'Linear']
    >>> net[-1]
    Linear(in_features=2000, out_features=10, bias=True)
    """
    from .. import nn
    layers, d = [], SIZES[0]
    if name == "relu_dropout":
        layers.append(nn.Dropout(DROPOUT[0]))
    for width in SIZES[1:-1]:
        if name == "batchnorm":
            layers += [nn.Linear(d, width, bias=False), nn.BatchNorm1d(width), nn.Sigmoid()]
        elif name == "relu_dropout":
            layers += [nn.Linear(d, width), nn.ReLU(), nn.Dropout(DROPOUT[1])]
        else:
            layers += [nn.Linear(d, width), nn.Sigmoid()]
        d = width
    layers.append(nn.Linear(d, SIZES[-1]))
    return nn.Sequential(*layers)


def train_run(name, data=None, train=None, test=None, epochs=25, pretrain_epochs=15, seed=0,
              lr=None, keep_filters=False, log=True):
    """One row of the table, start to end (runs in a worker process): load MNIST, build (or
    pretrain and unroll) the net, train it by SGD with momentum and a cosine-decayed
    learning rate, and measure the test error after every epoch. Returns a dict.

    >>> from chainrule.papers import hinton2006
    >>> row = hinton2006.train_run("sigmoid", train=1500, test=1000, epochs=1,
    ...                            log=False)  # needs MNIST # doctest: +SKIP
    >>> row["title"], row["measured"]  # needs MNIST (the run above) # doctest: +SKIP
    ('(a) sigmoid, random init, SGD', 90.6)
    """
    import chainrule
    from ..models import DBN
    from ..nn import functional as F
    limit = one_blas_thread()  # noqa: F841 (one thread per process: the budget's terms)
    title, paper, default_lr = RUNS[name]
    lr = default_lr if lr is None else lr
    chainrule.manual_seed(seed)
    Xtr, ytr, Xte, yte = load_mnist01(data, train, test)
    say = stderr_log if log else (lambda m: None)
    t0 = time.perf_counter()
    pretrain_secs = 0.0
    if name == "dbn":
        dbn = DBN(SIZES[:-1], **PRETRAIN)
        dbn.pretrain(Xtr, epochs=pretrain_epochs, momentum_schedule=momentum_schedule,
                     log=(lambda m: say(f"  hinton2006 {name}:{m[1:]}")) if log else None)
        net = dbn.to_sequential(n_classes=SIZES[-1])
        pretrain_secs = time.perf_counter() - t0
    else:
        net = build(name)
    opt = chainrule.optim.SGD(net.parameters(), lr=lr, momentum=MOMENTUM)
    rng = np.random.default_rng(seed)
    n = len(Xtr)
    total = epochs * math.ceil(n / BATCH)
    step, errors, losses, eval_secs = 0, [], [], 0.0
    t1 = time.perf_counter()
    net.train()
    for ep in range(epochs):
        perm = rng.permutation(n)
        run = 0.0
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total, lr)
            opt.zero_grad()
            loss = F.cross_entropy(net(chainrule.from_numpy(Xtr[idx])),
                                   chainrule.from_numpy(ytr[idx]))
            loss.backward()
            opt.step()
            run += float(loss) * len(idx)
            step += 1
        losses.append(run / n)
        te = time.perf_counter()
        errors.append(test_error(net, Xte, yte))
        eval_secs += time.perf_counter() - te
        say(f"  hinton2006 {name}: epoch {ep + 1}/{epochs}, training loss {losses[-1]:.4f}, "
            f"test error {errors[-1]:.2f}%")
    train_secs = time.perf_counter() - t1 - eval_secs
    # how saturated the top hidden layer ends (Glorot & Bengio 2010: sigmoid nets from random
    # init drive it to 0 and stall); on test images, eval mode
    net.eval()
    with chainrule.no_grad():
        top = net[:-1](chainrule.from_numpy(Xte[:1000])).numpy()
    net.train()
    res = dict(name=name, title=title, paper=paper, lr=lr, epochs=epochs,
               pretrain_epochs=pretrain_epochs if name == "dbn" else 0,
               test_errors=[round(e, 3) for e in errors], measured=round(errors[-1], 2),
               train_losses=[round(v, 5) for v in losses], pretrain_seconds=round(pretrain_secs, 1),
               train_seconds=round(train_secs, 1),
               seconds_per_epoch=round(train_secs / max(epochs, 1), 2),
               seconds=round(time.perf_counter() - t0, 1), train_size=n, test_size=len(Xte),
               params=sum(p.numel() for p in net.parameters()),
               top_mean=round(float(top.mean()), 4),
               top_dead=round(float((top.max(0) < 0.01).mean()), 4) if name != "relu_dropout"
               else round(float((top.max(0) <= 0).mean()), 4))
    if keep_filters and name == "dbn":
        res["filters"] = dbn.rbms[0]._arrays()[0][:100].copy()
    return res


def run_hinton2006(data=None, quick=False, mode=None, epochs=None, pretrain_epochs=None,
                   runs=None, jobs=2, seed=0, out=None, log=stderr_log):
    """Train the table's runs (in `jobs` processes); returns {"rows": [...], ...}.

    >>> from chainrule.papers import hinton2006
    >>> res = hinton2006.run_hinton2006(mode="report", epochs=1, pretrain_epochs=1,
    ...                                 jobs=1)  # needs MNIST # doctest: +SKIP
    >>> [r["name"] for r in res["rows"]]  # needs MNIST (the run above) # doctest: +SKIP
    ['sigmoid', 'dbn', 'relu_dropout', 'batchnorm']
    """
    mode = mode or ("quick" if quick else "full")
    cfg = dict(SIZES_BY_MODE[mode])
    if epochs:
        cfg["epochs"] = int(epochs)
    if pretrain_epochs:
        cfg["pretrain_epochs"] = int(pretrain_epochs)
    names = list(runs) if runs else list(ORDER)
    for r in names:
        if r not in RUNS:
            raise ValueError(f"reproduce hinton2006: unknown run {r!r}; choose from "
                             f"{', '.join(RUNS)}")
    names = [r for r in ORDER if r in names]
    root = find_mnist(data)
    if root is None:
        load_mnist01(data)  # raises FileNotFoundError naming where it looked
    log(f"hinton2006 ({mode}): runs {', '.join(names)} in {min(jobs, len(names))} "
        f"process(es), MNIST from {root}")
    t0 = time.perf_counter()
    tasks = [dict(name=r, data=root, train=cfg["train"], test=cfg["test"],
                  epochs=cfg["epochs"], pretrain_epochs=cfg["pretrain_epochs"], seed=seed,
                  keep_filters=out is not None) for r in names]
    rows = run_parallel(train_run, tasks, jobs, log=log)
    order = {r: i for i, r in enumerate(RUNS)}
    rows.sort(key=lambda r: order[r["name"]])
    res = dict(mode=mode, quick=mode != "full", seed=seed, batch=BATCH, momentum=MOMENTUM,
               warmup=WARMUP,
               jobs=min(jobs, len(names)), pretrain=dict(PRETRAIN, momentum="0.5 for 5 epochs, "
                                                           "then 0.9"),
               dropout=DROPOUT, sizes=SIZES, rows=rows, paper=PAPER,
               train_size=rows[0]["train_size"], test_size=rows[0]["test_size"],
               total_seconds=round(time.perf_counter() - t0, 1), threads_per_process=1)
    if out:
        os.makedirs(out, exist_ok=True)
        filters = [r.pop("filters") for r in rows if "filters" in r]
        try:
            res["figures"] = [error_plot(res, os.path.join(out, "hinton2006_test_error.png"))]
            if filters:
                res["figures"].append(filter_figure(
                    filters[0], os.path.join(out, "hinton2006_dbn_filters.png"),
                    "DBN layer 1 (pretrained RBM 784-500): the first 100 filters"))
        except ImportError:  # matplotlib is optional
            pass
        with open(os.path.join(out, "hinton2006.json"), "w") as f:
            json.dump(res, f, indent=1)
    else:
        for r in rows:
            r.pop("filters", None)
    return res


def settings_lines(res):
    """The table's settings, as lines: optimiser, pretraining, dropout / BN, what differs.

    >>> from chainrule.papers import hinton2006
    >>> res = hinton2006.run_hinton2006(mode="report", epochs=1, pretrain_epochs=1,
    ...                                 jobs=1)  # needs MNIST # doctest: +SKIP
    >>> print(hinton2006.settings_lines(res)[0])  # needs MNIST (the run above) # doctest: +SKIP
    net 784-500-500-2000-10; SGD, momentum 0.9, batch 100, learning rate warmed up linearly ...
    """
    p = res["pretrain"]
    return [
        f"net {'-'.join(map(str, res['sizes']))}; SGD, momentum {res['momentum']}, batch "
        f"{res['batch']}, learning rate warmed up linearly over the first "
        f"{100 * res['warmup']:.0f}% of the steps, then decayed to 0 by a cosine: "
        + ", ".join(f"{r['name']} lr {r['lr']}" for r in res["rows"])
        + "; cross-entropy on logits; pixels in [0, 1], no augmentation",
        f"(b) pretraining: greedy, one RBM per layer, CD-{p['k']}, lr {p['lr']}, batch "
        f"{p['batch_size']}, weight decay {p['weight_decay']}, momentum {p['momentum']}; "
        f"each layer trained on p(h|v) of the one below; then a 2000-10 softmax head "
        f"(PyTorch's default init) and backprop through everything",
        f"(c) dropout {res['dropout'][0]} on the input, {res['dropout'][1]} after each ReLU; "
        f"(d) BatchNorm1d between each Linear (no bias) and its sigmoid",
        "what differs from the papers: Hinton et al. 2006 fine-tuned with the up-down "
        "algorithm (generative, labels joined to the top RBM) and Hinton & Salakhutdinov "
        "with conjugate gradients for many more epochs; here plain SGD for the epochs shown; "
        "the 1.6% and 1.4% are the error rates those papers quote for backprop from random "
        "weights and for an SVM (not trained here)",
    ]


def format_table(res):
    """The test errors beside the papers', with the settings, as text.

    >>> from chainrule.papers import hinton2006
    >>> res = hinton2006.run_hinton2006(mode="report", epochs=1, pretrain_epochs=1,
    ...                                 jobs=1)  # needs MNIST # doctest: +SKIP
    >>> print(hinton2006.format_table(res))  # needs MNIST (the run above) # doctest: +SKIP
    MNIST test error, 784-500-500-2000-10: Hinton, Osindero & Teh (2006) / Hinton &
      Salakhutdinov (2006) vs chainrule now  [report: a subset, not comparable]
    <BLANKLINE>
    run                                              paper      now    best      epochs     time
    (a) sigmoid, random init, SGD                    1.60%   90.60%  90.60%           1       1s
    (b) DBN-pretrained (CD-1), fine-tuned by SGD     1.25%   74.80%  74.80%         1+1       3s
    (c) ReLU + dropout, random init, SGD                 -   82.40%  82.40%           1       1s
    (d) sigmoid + batch norm, random init, SGD           -   86.30%  86.30%           1       2s
    ...
    """
    head = ("MNIST test error, 784-500-500-2000-10: Hinton, Osindero & Teh (2006) / "
            "Hinton & Salakhutdinov (2006) vs chainrule now"
            + (f"  [{res['mode']}: a subset, not comparable]" if res["quick"] else ""))
    lines = [head, ""]
    w = max(len(r["title"]) for r in res["rows"]) + 2
    w = max(w, 38)
    lines.append(f"{'run':<{w}}{'paper':>8}{'now':>9}{'best':>8}{'epochs':>12}{'time':>9}")
    for r in res["rows"]:
        paper = f"{r['paper']:.2f}%" if r["paper"] is not None else "-"
        ep = (f"{r['pretrain_epochs']}+{r['epochs']}" if r["pretrain_epochs"] else
              str(r["epochs"]))
        lines.append(f"{r['title']:<{w}}{paper:>8}{r['measured']:>8.2f}%"
                     f"{min(r['test_errors']):>7.2f}%{ep:>12}{r['seconds']:>8.0f}s")
    lines.append(f"{'SVM, degree-9 polynomial kernel':<{w}}{PAPER['svm']:>7.2f}%{'-':>9}"
                 f"{'-':>8}{'-':>12}{'-':>9}")
    lines.append("")
    lines.append(f"now = test error after the last epoch; best = lowest over the epochs "
                 f"(reported only, chooses nothing). Epochs p+f: p of pretraining per layer, "
                 f"f of fine-tuning.")
    lines.append("top hidden layer (2000 units) at the end, on 1,000 test images: " + "; ".join(
        f"{r['name']} mean activation {r['top_mean']:.3f}, {100 * r['top_dead']:.0f}% of units "
        f"never above {'0' if r['name'] == 'relu_dropout' else '0.01'}" for r in res["rows"]))
    lines.append(f"{res['train_size']:,} training / {res['test_size']:,} test images; total "
                 f"{res['total_seconds']:.0f} s wall in {res['jobs']} process(es), 1 BLAS "
                 f"thread each.")
    dbn = next((r for r in res["rows"] if r["name"] == "dbn"), None)
    if dbn is not None:
        lines.append(f"(b) pretraining took {dbn['pretrain_seconds']:.0f} s; one fine-tuning "
                     f"epoch {dbn['seconds_per_epoch']:.1f} s.")
    lines.append("Settings:")
    lines += ["  - " + s for s in settings_lines(res)]
    return "\n".join(lines)


# --- figures ---------------------------------------------------------------------------
def error_plot(res, path):
    """Test error by epoch of every run, one PNG.

    >>> import os, tempfile
    >>> from chainrule.papers import hinton2006
    >>> res = {"rows": [{"title": "(a) sigmoid", "test_errors": [9.1, 4.0, 2.9]},
    ...                 {"title": "(b) DBN", "test_errors": [3.2, 1.9, 1.5]}]}
    >>> path = hinton2006.error_plot(res, os.path.join(tempfile.mkdtemp(), "err.png"))
    >>> os.path.basename(path), os.path.getsize(path) > 0
    ('err.png', True)
    """
    from ..viz.plots import curves, figure, save
    fig, ax = figure(size=(7.0, 4.4), title="MNIST 784-500-500-2000-10: test error by epoch")
    ax = ax if not isinstance(ax, (list, tuple, np.ndarray)) else np.ravel(ax)[0]
    curves(ax, {r["title"]: r["test_errors"] for r in res["rows"]}, xlabel="epoch of "
           "backprop training (after pretraining for (b))", ylabel="test error (%)", logy=True)
    for name, val in (("DBN 2006", PAPER["dbn"]), ("backprop (2006)", PAPER["backprop"])):
        ax.axhline(val, ls=":", lw=1, color="gray")
        ax.text(0.98, val, f" {name} {val}%", transform=ax.get_yaxis_transform(),
                ha="right", va="bottom", fontsize=8, color="gray")
    return save(fig, path)


def _tiles(W, side):
    return [w.reshape(side, side) for w in W]


def filter_figure(W, path, title, ncols=10):
    """A PNG of weight vectors drawn as square images (red positive, blue negative).

    >>> import os, tempfile
    >>> from chainrule.papers import hinton2006
    >>> W = np.random.default_rng(0).normal(size=(20, 64))      # 20 filters of 8x8
    >>> path = hinton2006.filter_figure(W, os.path.join(tempfile.mkdtemp(), "f.png"), "filters")
    >>> os.path.basename(path)
    'f.png'
    """
    from ..viz.plots import image_grid, save
    side = int(round(math.sqrt(W.shape[1])))
    fig = image_grid(title, _tiles(W, side), [""] * len(W), ncols=ncols, size=0.8,
                     cmap="RdBu_r")
    for ax in fig.axes:   # zero in the middle of the colour map: white = no weight
        for im in ax.get_images():
            lim = float(np.abs(im.get_array()).max()) or 1.0
            im.set_clim(-lim, lim)
    return save(fig, path)


def rbm_figures(rbm, X, outdir, prefix, source, steps=(1, 10, 100, 1000), n_chains=10,
                generator=None):
    """Three PNGs of a trained Bernoulli RBM: its first filters, test rows beside their
    mean-field reconstructions, and Gibbs chains from uniform noise after `steps` rounds
    (each shown as E[v | h] of its last round).

    >>> import os, tempfile
    >>> from chainrule.datasets import load_digits
    >>> from chainrule.models import RBM
    >>> from chainrule.papers import hinton2006
    >>> X = load_digits(scale=True)[0].numpy()[:200]
    >>> rbm = RBM(64, 16, epochs=1).fit(X)
    >>> paths = hinton2006.rbm_figures(rbm, X, tempfile.mkdtemp(), "rbm", "the digits",
    ...                                steps=(1, 10), n_chains=3)
    >>> [os.path.basename(p) for p in paths]
    ['rbm_filters.png', 'rbm_reconstructions.png', 'rbm_gibbs_samples.png']
    """
    from ..viz.plots import image_grid, save
    side = int(round(math.sqrt(rbm.n_visible)))
    W = rbm._arrays()[0][:min(rbm.n_hidden, 50)]
    paths = [filter_figure(W, os.path.join(outdir, f"{prefix}_filters.png"),
                           f"RBM {rbm.n_visible}-{rbm.n_hidden} on {source}: "
                           f"{len(W)} learned filters (weights into hidden units)")]
    x = X[:10]
    rec = rbm.reconstruct(x)
    fig = image_grid(f"RBM reconstructions: test images (top) and E[v | p(h | v)] (bottom), "
                     f"mean squared error {rbm.reconstruction_error(X):.4f}",
                     list(x.reshape(-1, side, side)) + list(rec.reshape(-1, side, side)),
                     [""] * 20, ncols=10, size=0.9)
    paths.append(save(fig, os.path.join(outdir, f"{prefix}_reconstructions.png")))
    g = rbm._gen(generator)
    v = (g.random((n_chains, rbm.n_visible)) < 0.5).astype(np.float32)
    images, captions, done = [], [], 0
    images += list(v.reshape(-1, side, side))
    captions += ["noise"] + [""] * (n_chains - 1)
    for s in steps:
        mean, v = rbm.gibbs(v, steps=s - done, generator=g)
        v, done = v.numpy(), s
        images += list(mean.numpy().reshape(-1, side, side))
        captions += [f"{s} Gibbs steps"] + [""] * (n_chains - 1)
    fig = image_grid(f"Samples from the RBM: {n_chains} Gibbs chains started from uniform "
                     f"noise (one per column)", images, captions, ncols=n_chains, size=0.9)
    paths.append(save(fig, os.path.join(outdir, f"{prefix}_gibbs_samples.png")))
    return paths


def _report_rbm(quick):
    """An RBM for the report's figures: on MNIST (a subset) when found, else the digits."""
    import chainrule
    from ..models import RBM
    chainrule.manual_seed(0)
    root = find_mnist()
    if root is not None:
        Xtr, _, Xte, _ = load_mnist01(root, 3000 if quick else 10000, 500)
        rbm = RBM(784, 200, lr=0.05, batch_size=20, momentum=0.5, weight_decay=2e-4,
                  persistent=True, epochs=4 if quick else 10)
        source = f"MNIST ({len(Xtr):,} training images)"
    else:
        X = chainrule.datasets.load_digits(scale=True)[0].numpy()
        Xtr, Xte = X[:1500], X[1500:]
        rbm = RBM(64, 100, lr=0.06, batch_size=10, persistent=True, epochs=20)
        source = "the 8x8 digits (MNIST not found)"
    t0 = time.perf_counter()
    rbm.fit(Xtr)
    return rbm, Xte, source, time.perf_counter() - t0, root


def report_sections(outdir, quick):
    """The demo report's RBM / DBN section: an RBM's filters, reconstructions and Gibbs
    samples from noise; with MNIST, also a small (a)-(d) comparison (fewer images and
    epochs than --quick, to keep the report fast).

    >>> import tempfile
    >>> from chainrule.papers import hinton2006
    >>> sections = hinton2006.report_sections(tempfile.mkdtemp(),
    ...                                        quick=True)  # trains on MNIST # doctest: +SKIP
    >>> [title for title, html, figs in sections]  # after training on MNIST # doctest: +SKIP
    ['2006: restricted Boltzmann machines and deep belief nets']
    """
    limit = one_blas_thread()  # noqa: F841
    rbm, Xte, source, secs, root = _report_rbm(quick)
    figs = rbm_figures(rbm, Xte, outdir, "rbm", source)
    pl = rbm.pseudo_likelihood(Xte, generator=np.random.default_rng(0))
    html = (f"<p>A restricted Boltzmann machine ({rbm.n_visible} visible, {rbm.n_hidden} "
            f"hidden units), trained by persistent contrastive divergence on {source} for "
            f"{rbm.epochs} epochs in {secs:.1f} s: reconstruction error "
            f"{rbm.reconstruction_error(Xte):.4f} per pixel and pseudo-log-likelihood "
            f"{pl:.1f} nats per image on {len(Xte)} held-out images. The figures show the "
            f"weights into the first hidden units (red positive, blue negative), held-out "
            f"images beside their reconstructions, and what the model imagines: Gibbs chains "
            f"v &rarr; h &rarr; v started from uniform noise.</p>")
    if root is not None:
        t0 = time.perf_counter()
        res = run_hinton2006(data=root, mode="report", jobs=1, log=lambda m: None)
        rows = "".join(
            f"<tr><td>{r['title']}</td><td>{r['paper'] if r['paper'] is not None else '-'}"
            f"</td><td>{r['measured']:.2f}%</td><td>{r['seconds']:.1f} s</td></tr>"
            for r in res["rows"])
        html += (f"<p>The 784-500-500-2000-10 network of Hinton et al. (2006), trained four "
                 f"ways on only {res['train_size']:,} MNIST images for "
                 f"{res['rows'][0]['epochs']} epochs ({time.perf_counter() - t0:.0f} s in "
                 f"all; far too little for the papers' numbers, which need "
                 f"<code>chainrule reproduce hinton2006</code>):</p><table><tr><th>run</th>"
                 f"<th>paper (%)</th><th>test error, {res['test_size']:,} images</th>"
                 f"<th>time</th></tr>{rows}</table>")
    if limit is not None:
        limit.restore_original_limits()
    return [("2006: restricted Boltzmann machines and deep belief nets", html, figs)]


# --- command line --------------------------------------------------------------------
def _command(args):
    runs = args.runs.split(",") if args.runs else None
    res = run_hinton2006(data=args.data, quick=args.quick, epochs=args.epochs,
                         pretrain_epochs=args.pretrain_epochs, runs=runs, jobs=args.jobs,
                         seed=args.seed, out=args.out)
    print(format_table(res))
    for f in res.get("figures", []):
        print(f"figure: {f}")
    if args.out:
        print(f"results: {os.path.join(args.out, 'hinton2006.json')}")
    return 0


def register_paper(sub, positive_int):
    """Add `reproduce hinton2006` to the `reproduce` command's subparsers.

    >>> import argparse
    >>> from chainrule.cli import _positive_int
    >>> parser = argparse.ArgumentParser(prog="chainrule reproduce")
    >>> sub = parser.add_subparsers()
    >>> from chainrule.papers import hinton2006
    >>> hinton2006.register_paper(sub, _positive_int)
    >>> args = parser.parse_args(["hinton2006", "--quick", "--runs", "dbn,sigmoid"])
    >>> args.quick, args.runs, args.jobs
    (True, 'dbn,sigmoid', 2)
    """
    q = sub.add_parser("hinton2006", help="Hinton et al. 2006: DBN pretraining vs backprop, "
                                          "dropout and batch norm on MNIST",
                       description="Train the 784-500-500-2000-10 net on MNIST (a) from "
                                   "random init with sigmoids and SGD, (b) DBN-pretrained "
                                   "then fine-tuned, (c) with ReLU and dropout, (d) with "
                                   "batch norm; print the test errors beside the papers'.")
    full, quick = SIZES_BY_MODE["full"], SIZES_BY_MODE["quick"]
    q.add_argument("--quick", action="store_true",
                   help=f"a subset ({quick['train']} training / {quick['test']} test images, "
                        f"{quick['pretrain_epochs']} pretraining + {quick['epochs']} epochs)")
    q.add_argument("--data", metavar="DIR", default=None,
                   help="MNIST folder with the four IDX .gz files (default: $CHAINRULE_MNIST, "
                        "./data/mnist or shared/data/mnist beside the checkout)")
    q.add_argument("--epochs", type=positive_int, default=None,
                   help=f"backprop epochs of every run (default {full['epochs']})")
    q.add_argument("--pretrain-epochs", type=positive_int, default=None,
                   help=f"RBM epochs per layer for (b) (default {full['pretrain_epochs']})")
    q.add_argument("--runs", default=None, metavar="LIST",
                   help=f"comma-separated, from {','.join(RUNS)} (default: all)")
    q.add_argument("--jobs", type=positive_int, default=2,
                   help="worker processes, one BLAS thread each (default 2)")
    q.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    q.add_argument("--out", metavar="DIR", default=None,
                   help="write hinton2006.json, the test-error plot and the DBN's filters")
    q.set_defaults(func=_command)
