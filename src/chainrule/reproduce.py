"""`chainrule reproduce lecun1998`: the MNIST table of LeCun, Bottou, Bengio & Haffner
(1998), "Gradient-based learning applied to document recognition", trained again now.

    chainrule reproduce lecun1998 [--quick] [--data DIR] [--epochs N] [--models ...]

Trains the paper's linear classifier, the 2-layer net with 300 hidden units, the 3-layer
net with 300+100 hidden units and LeNet-5 on MNIST, and prints their test errors side by
side with the paper's. What differs from 1998 is printed under the table: the optimiser
(Adam with a cosine learning-rate decay instead of stochastic diagonal Levenberg-Marquardt),
the loss (cross-entropy on logits instead of MSE to RBF / sigmoid targets), ReLU and max
pooling in LeNet-5 (its modern options), a full C3 connection and the epochs; like the
paper's rows quoted here, no distortions (no data augmentation) and no deslanting.

Also `report_sections(outdir, quick)` for the demo report: LeNet-5's learned first-layer
filters and the feature maps of one digit.
"""
import json
import math
import os
import sys
import time

import numpy as np

from .models.lenet import PAPER_TEST_ERROR, LeNet5, linear_classifier, mlp_300, mlp_300_100

# name -> (row title, the paper's test error %, builder, default epochs, Adam lr)
MODELS = {
    "linear": ("linear classifier (1-layer NN), 784-10", PAPER_TEST_ERROR["linear"],
               lambda: linear_classifier(), 10, 1e-3),
    "mlp300": ("2-layer NN, 300 hidden units", PAPER_TEST_ERROR["mlp300"],
               lambda: mlp_300(), 15, 1e-3),
    "mlp300_100": ("3-layer NN, 300+100 hidden units", PAPER_TEST_ERROR["mlp300_100"],
                   lambda: mlp_300_100(), 15, 1e-3),
    "lenet5": ("LeNet-5 (ReLU, max pool)", PAPER_TEST_ERROR["lenet5"],
               lambda: LeNet5(activation="relu", pool="max"), 15, 2e-3),
    # an extra row on request (--models lenet5_bn): batch norm after each conv and F6
    "lenet5_bn": ("LeNet-5 (ReLU, max pool, batch norm)", PAPER_TEST_ERROR["lenet5"],
                  lambda: LeNet5(activation="relu", pool="max", batchnorm=True), 15, 2e-3),
}
DEFAULT_MODELS = ("linear", "mlp300", "mlp300_100", "lenet5")
BATCH = 128
QUICK = dict(train=4000, test=2000, epochs=2)
LENET_TARGET = 1.0  # % test error the full run must reach

DIFFERENCES = [
    "optimiser: Adam, batch {batch}, learning rate decayed to 0 by a cosine over the run "
    "(paper: stochastic diagonal Levenberg-Marquardt, one sample at a time, 20 passes)",
    "loss: softmax cross-entropy on logits (paper: mean squared error to sigmoid / RBF "
    "targets); ReLU hidden units in the MLPs (paper: sigmoid-like squashing)",
    "LeNet-5: ReLU and 2x2 max pooling (paper: scaled tanh and trainable average "
    "subsampling), C3 fully connected (paper: Table I, 60 of 96 map pairs), a linear output "
    "layer (paper: 10 RBF units with fixed 7x12 codes)",
    "data: the 60,000 training images as given, pixels standardised with the training set's "
    "mean and std, 28x28 centred in LeNet's 32x32 field; no distortions, no deslanting "
    "(as the paper's rows quoted here)",
]


# --- data ----------------------------------------------------------------------------
def mnist_dir(arg=None):
    """--data, else $CHAINRULE_MNIST, else ./data/mnist.

    >>> import os
    >>> from unittest import mock
    >>> from chainrule.reproduce import mnist_dir
    >>> mnist_dir("/data/mnist")
    '/data/mnist'
    >>> with mock.patch.dict(os.environ, {"CHAINRULE_MNIST": ""}):
    ...     mnist_dir()
    'data/mnist'
    """
    return arg or os.environ.get("CHAINRULE_MNIST") or os.path.join("data", "mnist")


def load(data=None, train_limit=None, test_limit=None):
    """(Xtr, ytr, Xte, yte) as arrays: float32 (N, 1, 28, 28) standardised with the training
    split's mean and std, int64 labels.

    >>> from chainrule.reproduce import load
    >>> Xtr, ytr, Xte, yte = load(train_limit=1000, test_limit=500)  # needs MNIST # doctest: +SKIP
    >>> Xtr.shape, Xtr.dtype, ytr[:5], Xte.shape  # needs MNIST (above) # doctest: +SKIP
    ((1000, 1, 28, 28), dtype('float32'), array([5, 0, 4, 1, 9]), (500, 1, 28, 28))
    """
    from .datasets import load_mnist
    root = mnist_dir(data)
    if not os.path.isdir(root):
        raise FileNotFoundError(f"MNIST folder not found: {root} (pass --data DIR with the four "
                                f"IDX .gz files, or set CHAINRULE_MNIST)")
    Xtr, ytr = load_mnist(root, train=True, flatten=False)
    Xte, yte = load_mnist(root, train=False, flatten=False)
    Xtr, ytr, Xte, yte = Xtr.numpy(), ytr.numpy(), Xte.numpy(), yte.numpy()
    if train_limit:
        Xtr, ytr = Xtr[:train_limit], ytr[:train_limit]
    if test_limit:
        Xte, yte = Xte[:test_limit], yte[:test_limit]
    mean, std = float(Xtr.mean()), float(Xtr.std())
    Xtr = (Xtr - mean) / std
    Xte = (Xte - mean) / std
    return (np.ascontiguousarray(Xtr, dtype=np.float32), ytr.astype(np.int64),
            np.ascontiguousarray(Xte, dtype=np.float32), yte.astype(np.int64))


# --- training --------------------------------------------------------------------------
def test_error(model, X, y, batch=1000):
    """Percentage of misclassified rows (eval mode, no graph).

    >>> from chainrule.reproduce import test_error
    >>> X = np.random.default_rng(0).normal(size=(4, 1, 28, 28)).astype(np.float32)
    >>> y = np.array([0, 1, 2, 3])
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    >>> with torch.no_grad():
    ...     _ = model[1].weight.zero_(), model[1].bias.copy_(torch.arange(10.0))
    >>> test_error(model, X, y)           # always predicts 9: every row wrong
    100.0
    """
    import chainrule
    model.eval()
    wrong = 0
    with chainrule.no_grad():
        for i in range(0, len(X), batch):
            out = model(chainrule.from_numpy(X[i:i + batch])).numpy()
            wrong += int((out.argmax(1) != y[i:i + batch]).sum())
    model.train()
    return 100.0 * wrong / len(X)


def train(model, Xtr, ytr, *, epochs, lr, batch=BATCH, seed=0, progress=False, desc=None,
          log=None, monitor=None):
    """Adam with a per-step cosine decay of the learning rate to 0; returns per-epoch mean
    training losses. With `log`, one line per epoch, plus `monitor(model)` (a string, e.g.
    the test error: reported only, never used to choose anything) when given.

    >>> from chainrule.reproduce import train
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(64, 1, 28, 28)).astype(np.float32)
    >>> y = rng.integers(0, 10, size=64)
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    >>> losses = train(model, X, y, epochs=3, lr=1e-2, batch=32)
    >>> len(losses), losses[-1] < losses[0]
    (3, True)
    """
    import chainrule
    from .nn import functional as F
    opt = chainrule.optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    n = len(Xtr)
    steps_per_epoch = math.ceil(n / batch)
    total = epochs * steps_per_epoch
    step = 0
    losses = []
    bar = _bar(total, desc, progress)
    model.train()
    for ep in range(epochs):
        perm = rng.permutation(n)
        run = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = chainrule.from_numpy(Xtr[idx]), chainrule.from_numpy(ytr[idx])
            for g in opt.param_groups:
                g["lr"] = 0.5 * lr * (1 + math.cos(math.pi * step / total))
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            run += float(loss) * len(idx)
            step += 1
            if bar is not None:
                bar.update(1)
        losses.append(run / n)
        if log is not None:
            extra = f", {monitor(model)}" if monitor is not None else ""
            log(f"  {desc}: epoch {ep + 1}/{epochs}, training loss {losses[-1]:.4f}{extra}")
    if bar is not None:
        bar.close()
    return losses


def _bar(total, desc, enabled):
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc=desc, leave=False, file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5, disable=None)  # disable=None: no bar when not on a terminal


def run_lecun1998(data=None, quick=False, epochs=None, models=None, seed=0, out=None,
                  progress=True, log=print):
    """Train the table's models; returns {"rows": [...], "quick": bool, ...}.

    >>> from chainrule.reproduce import run_lecun1998, format_table
    >>> res = run_lecun1998(quick=True, epochs=1, models=["linear"],
    ...                     progress=False)  # needs MNIST # doctest: +SKIP
    MNIST: 4000 training and 2000 test images (--quick subset)
    linear classifier (1-layer NN), 784-10: test error 31.60% (paper 12.0%), 1 epochs, 0 s
    >>> [(r["model"], r["paper"], r["measured"])
    ...  for r in res["rows"]]  # needs MNIST (the run above) # doctest: +SKIP
    [('linear', 12.0, 31.6)]
    """
    import chainrule
    names = list(models) if models else list(DEFAULT_MODELS)
    for m in names:
        if m not in MODELS:
            raise ValueError(f"reproduce lecun1998: unknown model {m!r}; choose from "
                             f"{', '.join(MODELS)}")
    t0 = time.perf_counter()
    Xtr, ytr, Xte, yte = load(data, QUICK["train"] if quick else None,
                              QUICK["test"] if quick else None)
    log(f"MNIST: {len(Xtr)} training and {len(Xte)} test images"
        + (" (--quick subset)" if quick else ""))
    rows = []
    trained = {}
    for name in names:
        title, paper, build, default_epochs, lr = MODELS[name]
        ep = epochs or (QUICK["epochs"] if quick else default_epochs)
        chainrule.manual_seed(seed)
        model = build()
        t1 = time.perf_counter()
        t_mon = [0.0]

        def monitor(m):
            t = time.perf_counter()
            e = test_error(m, Xte, yte)
            t_mon[0] += time.perf_counter() - t
            return f"test error {e:.2f}%"

        losses = train(model, Xtr, ytr, epochs=ep, lr=lr, seed=seed, progress=progress,
                       desc=name, log=log if not progress else None,
                       monitor=monitor if not progress else None)
        secs = time.perf_counter() - t1 - t_mon[0]  # training time, without the monitoring
        err = test_error(model, Xte, yte)
        n_params = sum(p.numel() for p in model.parameters())
        rows.append(dict(model=name, title=title, paper=paper, measured=round(err, 2),
                         epochs=ep, lr=lr, seconds=round(secs, 1), params=n_params,
                         final_train_loss=round(losses[-1], 5)))
        log(f"{title}: test error {err:.2f}% (paper {paper}%), {ep} epochs, {secs:.0f} s")
        trained[name] = model
    res = dict(quick=quick, seed=seed, batch=BATCH, train_size=len(Xtr), test_size=len(Xte),
               rows=rows, total_seconds=round(time.perf_counter() - t0, 1),
               threads=_blas_threads())
    if out:
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "lecun1998.json"), "w") as f:
            json.dump(res, f, indent=2)
        if "lenet5" in trained:
            try:
                res["figures"] = lenet_figures(trained["lenet5"], Xte[:1], out)
            except ImportError:  # matplotlib is optional
                pass
    return res


def _blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return os.cpu_count() or 1
    return max([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] or [1])


def format_table(res):
    """The side-by-side table and what differs, as text.

    >>> from chainrule.reproduce import run_lecun1998, format_table
    >>> res = run_lecun1998(quick=True, epochs=1, models=["linear"],
    ...                     progress=False)  # needs MNIST # doctest: +SKIP
    MNIST: 4000 training and 2000 test images (--quick subset)
    linear classifier (1-layer NN), 784-10: test error 31.60% (paper 12.0%), 1 epochs, 0 s
    >>> print(format_table(res))  # needs MNIST (the run above) # doctest: +SKIP
    MNIST test error: LeCun, Bottou, Bengio & Haffner (1998) vs chainrule now
      [--quick: a subset, not comparable]
    <BLANKLINE>
    model                                      paper      now  epochs    params     time
    linear classifier (1-layer NN), 784-10    12.00%   31.60%       1     7,850       0s
    ...
    """
    head = ("MNIST test error: LeCun, Bottou, Bengio & Haffner (1998) vs chainrule now"
            + ("  [--quick: a subset, not comparable]" if res["quick"] else ""))
    lines = [head, ""]
    w = max(len(r["title"]) for r in res["rows"]) + 2
    lines.append(f"{'model':<{w}}{'paper':>8}{'now':>9}{'epochs':>8}{'params':>10}{'time':>9}")
    for r in res["rows"]:
        lines.append(f"{r['title']:<{w}}{r['paper']:>7.2f}%{r['measured']:>8.2f}%"
                     f"{r['epochs']:>8}{r['params']:>10,}{r['seconds']:>8.0f}s")
    lines.append("")
    lines.append(f"{res['train_size']:,} training / {res['test_size']:,} test images; "
                 f"total {res['total_seconds']:.0f} s on {res['threads']} BLAS thread(s).")
    for r in res["rows"]:
        if r["model"].startswith("lenet5") and not res["quick"]:
            ok = r["measured"] <= LENET_TARGET
            lines.append(f"{r['title']}: target <= {LENET_TARGET:.1f}% test error "
                         f"{'met' if ok else 'NOT met'} ({r['measured']:.2f}%).")
    lines.append("What differs from the paper:")
    for d in DIFFERENCES:
        lines.append("  - " + d.format(batch=res["batch"]))
    return "\n".join(lines)


# --- figures ---------------------------------------------------------------------------
def lenet_figures(model, x, outdir):
    """PNG files: C1's learned 5x5 filters, and the feature maps of one input (C1, S2, C3).

    >>> import os, tempfile
    >>> from chainrule.models import LeNet5
    >>> from chainrule.reproduce import lenet_figures
    >>> x = np.random.default_rng(0).normal(size=(1, 1, 28, 28)).astype(np.float32)
    >>> paths = lenet_figures(LeNet5(), x, tempfile.mkdtemp())   # an untrained LeNet-5
    >>> [os.path.basename(p) for p in paths]
    ['lenet5_c1_filters.png', 'lenet5_feature_maps.png']
    """
    import chainrule
    from .viz.plots import image_grid, save
    w = model.c1.weight.detach().numpy()[:, 0]
    fig = image_grid("LeNet-5: the 6 learned C1 filters (5x5)", list(w),
                     [f"filter {k}" for k in range(len(w))], ncols=6, size=1.4, cmap="RdBu_r")
    paths = [save(fig, os.path.join(outdir, "lenet5_c1_filters.png"))]
    model.eval()
    with chainrule.no_grad():
        feats = model.features(chainrule.from_numpy(np.asarray(x[:1], dtype=np.float32)))
    model.train()
    images = [np.asarray(x[0, 0])]
    captions = ["input"]
    for stage in ("c1", "s2", "c3"):
        maps = feats[stage].numpy()[0]
        images += list(maps)
        captions += [f"{stage.upper()} map {k}" for k in range(len(maps))]
    fig = image_grid("LeNet-5 feature maps of one test digit: C1 (6@28x28), S2 (6@14x14), "
                     "C3 (16@10x10)", images, captions, ncols=8, size=1.25, cmap="viridis")
    paths.append(save(fig, os.path.join(outdir, "lenet5_feature_maps.png")))
    return paths


class _one_blas_thread:
    """BLAS limited to one thread for a short run: LeNet's GEMMs are small, and on a busy
    machine extra BLAS threads cost more in waiting than they gain."""

    def __enter__(self):
        try:
            from threadpoolctl import threadpool_limits
            self._limit = threadpool_limits(1, user_api="blas")
        except ImportError:  # pragma: no cover
            self._limit = None
        return self

    def __exit__(self, *exc):
        if self._limit is not None:
            self._limit.restore_original_limits()


def _report_data(quick):
    """MNIST (a subset) when its files are found, else the shipped 8x8 digits scaled to
    32x32 (each pixel a 4x4 block): (Xtr, ytr, Xte, yte, source)."""
    candidates = [os.environ.get("CHAINRULE_MNIST"), os.path.join("data", "mnist"),
                  os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data",
                               "mnist")]
    for root in candidates:
        if root and os.path.exists(os.path.join(root, "train-images-idx3-ubyte.gz")):
            n = 2000 if quick else 12000
            Xtr, ytr, Xte, yte = load(root, n, 1000 if quick else 2000)
            return Xtr, ytr, Xte, yte, f"MNIST, {n} training images"
    from .datasets import load_digits
    X, y = load_digits(flatten=False)
    X = np.kron(X.numpy() / 16.0, np.ones((4, 4), dtype=np.float32))[:, None].astype(np.float32)
    X = (X - X.mean()) / X.std()
    y = y.numpy()
    return X[:1400], y[:1400], X[1400:], y[1400:], "8x8 digits scaled to 32x32"


def report_sections(outdir, quick):
    """One report section: LeNet-5 trained for a few epochs, its C1 filters and feature
    maps; every sentence is written from what this run measured.

    >>> import tempfile
    >>> from chainrule.reproduce import report_sections
    >>> sections = report_sections(tempfile.mkdtemp(),
    ...                            quick=True)  # trains on MNIST # doctest: +SKIP
    >>> [title for title, html, figs in sections]  # after training on MNIST # doctest: +SKIP
    ['LeNet-5: learned filters and feature maps']
    """
    import chainrule
    Xtr, ytr, Xte, yte, source = _report_data(quick)
    chainrule.manual_seed(0)
    model = LeNet5(activation="relu", pool="max")
    c1 = [m for m in model.modules() if isinstance(m, chainrule.nn.Conv2d)][0]
    w0 = c1.weight.detach().numpy().copy()
    epochs = 3 if quick else 8
    t0 = time.perf_counter()
    with _one_blas_thread():
        before = test_error(model, Xte, yte)
        train(model, Xtr, ytr, epochs=epochs, lr=2e-3)
        secs = time.perf_counter() - t0
        err = test_error(model, Xte, yte)
    w1 = c1.weight.detach().numpy()
    moved = float(np.linalg.norm(w1 - w0) / np.linalg.norm(w0))
    figs = lenet_figures(model, Xte[:1], outdir)
    if moved >= 0.5:
        filt = (f"They moved {moved:.0%} (relative norm) from their random start, so their "
                "patterns are learned, not the initialisation.")
    else:
        filt = (f"They moved only {moved:.0%} (relative norm) from their random start: after "
                "this short run they are mostly the random initialisation, not learned "
                "detectors (the full training below runs much longer).")
    html = (f"<p>What was run: LeNet-5 (LeCun et al. 1998) with ReLU and max pooling, "
            f"{epochs} epochs of Adam (lr 2e-3) on {source}{' (quick mode)' if quick else ''}, "
            f"in {secs:.1f} s. Test error on {len(Xte)} held-out images: {before:.1f}% "
            f"before training, {err:.1f}% after. The first figure shows the six 5x5 filters "
            f"of C1 (red positive, blue negative). {filt} The second shows one test digit "
            f"after C1 (6 maps), S2 (subsampled) and C3 (16 maps). <code>chainrule reproduce "
            f"lecun1998</code> trains the full model and the paper's MLPs on all of MNIST and "
            f"compares the test errors with the paper's table.</p>")
    return [("LeNet-5: learned filters and feature maps", html, figs)]


# --- command line --------------------------------------------------------------------------
def _command(args):
    from .cli import UserError
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    if args.models is not None and not models:
        raise UserError("--models: empty list; choose from " + ", ".join(MODELS))
    bad = [m for m in models or () if m not in MODELS]
    if bad:
        raise UserError(f"--models: unknown model{'s' if len(bad) > 1 else ''} "
                        f"{', '.join(map(repr, bad))}; choose from {', '.join(MODELS)}")
    if args.out:
        from .demos.train import prepare_out
        prepare_out(args.out)
    limit = None
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
            limit = threadpool_limits(int(args.threads), user_api="blas")
        except ImportError:
            print("chainrule: --threads needs the threadpoolctl package; using NumPy's "
                  "default BLAS threads", file=sys.stderr)
    try:
        res = run_lecun1998(data=args.data, quick=args.quick, epochs=args.epochs,
                            models=models, seed=args.seed, out=args.out,
                            progress=args.progress, log=lambda m: print(m, file=sys.stderr))
    finally:
        if limit is not None:
            limit.restore_original_limits()
    print(format_table(res))
    if args.out:
        print(f"\nresults: {os.path.join(args.out, 'lecun1998.json')}")
    return 0




def register(subparsers):
    """Add `reproduce lecun1998` to the `chainrule` command.

    >>> import argparse
    >>> from chainrule.reproduce import register
    >>> parser = argparse.ArgumentParser(prog="chainrule")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["reproduce", "lecun1998", "--quick", "--models", "linear"])
    >>> args.quick, args.models
    (True, 'linear')
    """
    p = subparsers.add_parser("reproduce", help="train a classic paper's models again and "
                                                "compare with its published numbers",
                              description="Reproduce a classic result.")
    sub = p.add_subparsers(dest="paper", metavar="PAPER")
    sub.required = True
    q = sub.add_parser("lecun1998", help="LeCun et al. 1998: linear, MLPs and LeNet-5 on MNIST",
                       description="Train the linear classifier, the 784-300-10 and "
                                   "784-300-100-10 networks and LeNet-5 on MNIST and print "
                                   "their test errors beside those of LeCun, Bottou, Bengio "
                                   "& Haffner (1998), with what differs from the paper.")
    q.add_argument("--quick", action="store_true",
                   help=f"a subset ({QUICK['train']} training / {QUICK['test']} test images, "
                        f"{QUICK['epochs']} epochs): seconds, for smoke tests")
    q.add_argument("--data", metavar="DIR", default=None,
                   help="MNIST folder with the four IDX .gz files (default: $CHAINRULE_MNIST "
                        "or ./data/mnist)")
    q.add_argument("--epochs", type=_positive_int, default=None,
                   help="epochs for every model (default: linear 10, MLPs 15, LeNet-5 15)")
    q.add_argument("--models", default=None, metavar="LIST",
                   help=f"comma-separated, from {','.join(MODELS)} (default: "
                        f"{','.join(DEFAULT_MODELS)})")
    q.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    q.add_argument("--threads", type=_positive_int, default=None,
                   help="BLAS threads (default: NumPy's)")
    q.add_argument("--out", metavar="DIR", default=None,
                   help="write lecun1998.json and LeNet-5's filter / feature-map figures here")
    q.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bars (per-epoch lines instead)")
    q.set_defaults(func=_command)
    # the later papers live in chainrule.papers, one module each
    import importlib
    from .papers import PAPERS
    for modname in PAPERS:
        importlib.import_module(modname).register_paper(sub, _positive_int)


def _positive_int(s):
    import argparse
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {s!r}")
    return v
