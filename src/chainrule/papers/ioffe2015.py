"""`chainrule reproduce ioffe2015`: the MNIST experiment of Ioffe & Szegedy (2015), "Batch
normalization: accelerating deep network training by reducing internal covariate shift",
section 4.1 and Figure 1.

    chainrule reproduce ioffe2015 [--quick] [--data DIR] [--steps N] [--out DIR]

A 784-100-100-100-10 network of sigmoid units, weights initialised to small random Gaussian
values, trained by SGD on mini-batches of 60 for 50,000 steps, with and without batch
normalisation before each hidden sigmoid. Measured: the test accuracy over the training
steps (their Figure 1a), and the 15th, 50th and 85th percentiles of the input to one
sigmoid of the last hidden layer over the test images, over training (Figures 1b, 1c):
without BN that distribution drifts; with BN it stays put.
"""
import json
import os
import time

import numpy as np

from ._common import find_mnist, load_mnist01, one_blas_thread, run_parallel, stderr_log

SIZES = (784, 100, 100, 100, 10)
BATCH = 60
LR = 0.5
INIT_STD = 0.1   # "small random Gaussian values" (the paper gives no number)
UNIT = 0         # which last-hidden-layer sigmoid Figure 1b/c follows
PERCENTILES = (15, 50, 85)
MODES = {
    "full": dict(steps=50000, every=500, test=None),
    "quick": dict(steps=5000, every=250, test=None),
    "report": dict(steps=1000, every=50, test=2000),
}
TITLES = {False: "without BN", True: "with BN"}


def build(batchnorm, generator=None):
    """The sigmoid MLP, optionally with BatchNorm1d between each hidden Linear and its
    sigmoid (the Linear then has no bias: BN's shift replaces it).

    >>> from chainrule.papers import ioffe2015
    >>> [type(m).__name__ for m in ioffe2015.build(batchnorm=True)][:4]
    ['Linear', 'BatchNorm1d', 'Sigmoid', 'Linear']
    >>> ioffe2015.build(batchnorm=False)[0]
    Linear(in_features=784, out_features=100, bias=True)
    """
    from .. import nn
    from ..random import rng
    layers, d = [], SIZES[0]
    for width in SIZES[1:-1]:
        layers.append(nn.Linear(d, width, bias=not batchnorm))
        if batchnorm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(nn.Sigmoid())
        d = width
    layers.append(nn.Linear(d, SIZES[-1]))
    g = rng(generator)
    for layer in layers:
        if isinstance(layer, nn.Linear):
            w = layer.weight.detach().numpy()
            w[...] = g.standard_normal(w.shape) * INIT_STD
            if layer.bias is not None:
                layer.bias.detach().numpy()[...] = 0
    return nn.Sequential(*layers)


def train_run(batchnorm, data=None, steps=50000, every=500, test=None, seed=0, log=True):
    """One network, start to end (runs in a worker process); returns a dict with the test
    accuracy and the sigmoid-input percentiles at every `every` steps.

    >>> from chainrule.papers import ioffe2015
    >>> row = ioffe2015.train_run(True, steps=200, every=10, test=2000,
    ...                           log=False)  # needs MNIST # doctest: +SKIP
    >>> row["name"], row["final_accuracy"]  # needs MNIST (the run above) # doctest: +SKIP
    ('with BN', 0.8695)
    """
    import chainrule
    from ..nn import functional as F
    limit = one_blas_thread()  # noqa: F841
    chainrule.manual_seed(seed)
    Xtr, ytr, Xte, yte = load_mnist01(data, None, test)
    net = build(batchnorm)
    opt = chainrule.optim.SGD(net.parameters(), lr=LR)
    pre_sigmoid = net[:-2]     # everything below the last hidden sigmoid
    rng = np.random.default_rng(seed)
    xte = chainrule.from_numpy(Xte)
    at, acc, pct, eval_secs = [], [], [], 0.0

    def evaluate(step):
        t = time.perf_counter()
        net.eval()
        with chainrule.no_grad():
            a = float((net(xte).numpy().argmax(1) == yte).mean())
            z = pre_sigmoid(xte).numpy()[:, UNIT]
        net.train()
        at.append(step)
        acc.append(round(a, 5))
        pct.append([round(float(p), 4) for p in np.percentile(z, PERCENTILES)])
        return time.perf_counter() - t

    t0 = time.perf_counter()
    n = len(Xtr)
    perm, pos = rng.permutation(n), 0
    for step in range(1, steps + 1):
        if pos + BATCH > n:
            perm, pos = rng.permutation(n), 0
        idx = perm[pos:pos + BATCH]
        pos += BATCH
        opt.zero_grad()
        loss = F.cross_entropy(net(chainrule.from_numpy(Xtr[idx])),
                               chainrule.from_numpy(ytr[idx]))
        loss.backward()
        opt.step()
        if step % every == 0 or step == steps:
            eval_secs += evaluate(step)
            if log and (step % (every * 10) == 0 or step == steps):
                stderr_log(f"  ioffe2015 {TITLES[batchnorm]}: step {step}/{steps}, test "
                           f"accuracy {acc[-1]:.4f}, percentiles {pct[-1]}")
    secs = time.perf_counter() - t0 - eval_secs
    return dict(name=TITLES[batchnorm], batchnorm=batchnorm, steps=at, accuracy=acc,
                percentiles=pct, final_accuracy=acc[-1], seconds=round(secs, 1),
                ms_per_step=round(1e3 * secs / steps, 3), train_size=n, test_size=len(Xte))


def _steps_to(row, target):
    return next((s for s, a in zip(row["steps"], row["accuracy"]) if a >= target), None)


def run_ioffe2015(data=None, quick=False, mode=None, steps=None, jobs=2, seed=0, out=None,
                  log=stderr_log):
    """Both networks (in `jobs` processes); returns {"rows": [plain, bn], ...}.

    >>> from chainrule.papers import ioffe2015
    >>> res = ioffe2015.run_ioffe2015(mode="report", steps=200,
    ...                               jobs=1)  # needs MNIST # doctest: +SKIP
    >>> [r["name"] for r in res["rows"]]  # needs MNIST (the run above) # doctest: +SKIP
    ['without BN', 'with BN']
    """
    mode = mode or ("quick" if quick else "full")
    cfg = dict(MODES[mode])
    if steps:
        cfg["steps"] = int(steps)
        cfg["every"] = max(1, min(cfg["every"], cfg["steps"] // 20))
    root = find_mnist(data)
    if root is None:
        load_mnist01(data)  # raises FileNotFoundError naming where it looked
    log(f"ioffe2015 ({mode}): {cfg['steps']} steps of batch {BATCH} for each network, in "
        f"{min(jobs, 2)} process(es)")
    t0 = time.perf_counter()
    rows = run_parallel(train_run, [dict(batchnorm=bn, data=root, seed=seed, **cfg)
                                    for bn in (True, False)], jobs, log=log)
    rows.sort(key=lambda r: r["batchnorm"])
    plain, bn = rows
    summary = dict(
        final_accuracy={r["name"]: r["final_accuracy"] for r in rows},
        steps_to_plain_final=_steps_to(bn, plain["final_accuracy"]),
        median_drift={r["name"]: round(r["percentiles"][-1][1] - r["percentiles"][0][1], 4)
                      for r in rows},
        spread_change={r["name"]: round((r["percentiles"][-1][2] - r["percentiles"][-1][0])
                                        - (r["percentiles"][0][2] - r["percentiles"][0][0]), 4)
                       for r in rows})
    res = dict(mode=mode, quick=mode != "full", seed=seed, batch=BATCH, lr=LR,
               init_std=INIT_STD, unit=UNIT, sizes=SIZES, rows=rows, summary=summary,
               total_seconds=round(time.perf_counter() - t0, 1), jobs=min(jobs, 2))
    if out:
        os.makedirs(out, exist_ok=True)
        try:
            res["figures"] = [figure1(res, os.path.join(out, "ioffe2015_figure1.png"))]
        except ImportError:  # matplotlib is optional
            pass
        with open(os.path.join(out, "ioffe2015.json"), "w") as f:
            json.dump(res, f, indent=1)
    return res


def format_table(res):
    """Test accuracy by step and the sigmoid inputs' percentiles, with and without BN, as text.

    >>> from chainrule.papers import ioffe2015
    >>> res = ioffe2015.run_ioffe2015(mode="report", steps=200,
    ...                               jobs=1)  # needs MNIST # doctest: +SKIP
    >>> print(ioffe2015.format_table(res))  # needs MNIST (the run above) # doctest: +SKIP
    MNIST, 784-100-100-100-10 sigmoid net, with and without batch norm (Ioffe & Szegedy
      2015, section 4.1, Figure 1)  [report: fewer steps than the paper's 50,000]
    <BLANKLINE>
                 test acc. at step           10       50       90      120      160      200
    without BN                           0.1085   0.1095   0.1025   0.1930   0.1785   0.3250
    with BN                              0.1085   0.8370   0.8450   0.8640   0.8550   0.8695
    ...
    """
    plain, bn = res["rows"]
    s = res["summary"]
    lines = [f"MNIST, 784-100-100-100-10 sigmoid net, with and without batch norm (Ioffe & "
             f"Szegedy 2015, section 4.1, Figure 1)"
             + (f"  [{res['mode']}: fewer steps than the paper's 50,000]" if res["quick"] else ""),
             "", f"{'':<12}{'test acc. at step':>18}{'':>4}" + "".join(
                 f"{st:>9}" for st in _milestones(plain["steps"]))]
    for r in res["rows"]:
        lines.append(f"{r['name']:<12}{'':>22}" + "".join(
            f"{a:>9.4f}" for st, a in zip(r["steps"], r["accuracy"])
            if st in _milestones(r["steps"])))
    lines.append("")
    lines.append(f"input to sigmoid #{res['unit']} of the last hidden layer over the "
                 f"{plain['test_size']:,} test images, percentiles "
                 f"{'/'.join(map(str, PERCENTILES))}:")
    for r in res["rows"]:
        first, last = r["percentiles"][0], r["percentiles"][-1]
        lines.append(f"  {r['name']:<11} step {r['steps'][0]:>6}: "
                     f"{'/'.join(f'{v:+.2f}' for v in first)}   step {r['steps'][-1]:>6}: "
                     f"{'/'.join(f'{v:+.2f}' for v in last)}   median moved "
                     f"{s['median_drift'][r['name']]:+.2f}, 15-85 spread changed "
                     f"{s['spread_change'][r['name']]:+.2f}")
    lines.append("")
    reach = s["steps_to_plain_final"]
    lines.append(f"final test accuracy: without BN {plain['final_accuracy']:.4f}, with BN "
                 f"{bn['final_accuracy']:.4f}; with BN the net first reached the plain net's "
                 f"final accuracy at step {reach if reach else '(never)'} of "
                 f"{plain['steps'][-1]}.")
    lines.append(f"paper (Figure 1, no table): the BN net has the higher test accuracy, and its "
                 f"sigmoid inputs stay stable while the plain net's drift.")
    lines.append(f"Settings: SGD, learning rate {res['lr']} (not given in the paper), batch "
                 f"{res['batch']}, weights N(0, {res['init_std']}^2), biases 0; BatchNorm1d "
                 f"between each hidden Linear (no bias) and its sigmoid, test accuracy with BN's "
                 f"running statistics; pixels in [0, 1]; time {plain['seconds']:.0f} s / "
                 f"{bn['seconds']:.0f} s of training ({plain['ms_per_step']:.2f} / "
                 f"{bn['ms_per_step']:.2f} ms per step), {res['total_seconds']:.0f} s wall in "
                 f"{res['jobs']} process(es), 1 BLAS thread each.")
    return "\n".join(lines)


def _milestones(steps, k=6):
    idx = np.unique(np.linspace(0, len(steps) - 1, k).round().astype(int))
    return [steps[i] for i in idx]


def figure1(res, path):
    """The paper's Figure 1: (a) test accuracy by step, (b, c) the sigmoid input's
    15/50/85th percentiles by step without and with BN.

    >>> from chainrule.papers import ioffe2015
    >>> res = ioffe2015.run_ioffe2015(mode="report", steps=200,
    ...                               jobs=1)  # needs MNIST # doctest: +SKIP
    >>> ioffe2015.figure1(res, "figure1.png")  # needs MNIST (the run above) # doctest: +SKIP
    'figure1.png'
    """
    from ..viz.plots import figure, save
    fig, axes = figure(ncols=3, size=(4.2, 3.4), title="Ioffe & Szegedy (2015) Figure 1, "
                                                        "measured now")
    plain, bn = res["rows"]
    for r in (plain, bn):
        axes[0].plot(r["steps"], r["accuracy"], label=r["name"], lw=1.6)
    axes[0].set_xlabel("training step")
    axes[0].set_ylabel("test accuracy")
    lo = min(min(r["accuracy"][len(r["accuracy"]) // 10:]) for r in (plain, bn))
    axes[0].set_ylim(max(lo - 0.01, 0.0), 1.0)
    axes[0].legend()
    axes[0].set_title("(a) test accuracy")
    p_all = np.array([r["percentiles"] for r in (plain, bn)])
    ylim = (p_all.min() - 0.3, p_all.max() + 0.3)
    for ax, r, tag in ((axes[1], plain, "(b)"), (axes[2], bn, "(c)")):
        p = np.asarray(r["percentiles"])
        for j, q in enumerate(PERCENTILES):
            ax.plot(r["steps"], p[:, j], color="C0", lw=1.8 if q == 50 else 1.0,
                    ls="-" if q == 50 else "--", label=f"{q}th percentile")
        ax.set_ylim(*ylim)
        ax.set_xlabel("training step")
        ax.set_ylabel(f"input to sigmoid #{res['unit']}, last hidden layer")
        ax.set_title(f"{tag} {r['name']}")
        ax.legend(fontsize=7, loc="lower right")
    for ax in axes:
        ax.grid(alpha=0.3)
    return save(fig, path)


def report_sections(outdir, quick):
    """The demo report's batch-norm section (MNIST only: the experiment is MNIST's).

    >>> import tempfile
    >>> from chainrule.papers import ioffe2015
    >>> sections = ioffe2015.report_sections(tempfile.mkdtemp(),
    ...                                       quick=True)  # trains on MNIST # doctest: +SKIP
    >>> [title for title, html, figs in sections]  # after training on MNIST # doctest: +SKIP
    ['2015: batch normalisation (Ioffe & Szegedy, Figure 1)']
    """
    root = find_mnist()
    if root is None:
        return []
    res = run_ioffe2015(data=root, mode="report", jobs=1, log=lambda m: None, out=None)
    fig = figure1(res, os.path.join(outdir, "ioffe2015_figure1.png"))
    plain, bn = res["rows"]
    s = res["summary"]
    html = (f"<p>Ioffe &amp; Szegedy's MNIST experiment (2015, &sect;4.1) at a small scale: "
            f"the 784-100-100-100-10 sigmoid net trained by SGD for {plain['steps'][-1]:,} "
            f"steps of batch {res['batch']} (the paper: 50,000), with and without batch "
            f"normalisation. Test accuracy on {plain['test_size']:,} images: "
            f"{plain['final_accuracy']:.3f} without BN, {bn['final_accuracy']:.3f} with BN. "
            f"The median input to one last-layer sigmoid moved by "
            f"{s['median_drift'][plain['name']]:+.2f} without BN and "
            f"{s['median_drift'][bn['name']]:+.2f} with it (in {res['total_seconds']:.0f} s). "
            f"<code>chainrule reproduce ioffe2015</code> runs the full 50,000 steps.</p>")
    return [("2015: batch normalisation (Ioffe & Szegedy, Figure 1)", html, [fig])]


# --- command line --------------------------------------------------------------------
def _command(args):
    res = run_ioffe2015(data=args.data, quick=args.quick, steps=args.steps, jobs=args.jobs,
                        seed=args.seed, out=args.out)
    print(format_table(res))
    for f in res.get("figures", []):
        print(f"figure: {f}")
    if args.out:
        print(f"results: {os.path.join(args.out, 'ioffe2015.json')}")
    return 0


def register_paper(sub, positive_int):
    """Add `reproduce ioffe2015` to the `reproduce` command's subparsers.

    >>> import argparse
    >>> from chainrule.cli import _positive_int
    >>> parser = argparse.ArgumentParser(prog="chainrule reproduce")
    >>> sub = parser.add_subparsers()
    >>> from chainrule.papers import ioffe2015
    >>> ioffe2015.register_paper(sub, _positive_int)
    >>> args = parser.parse_args(["ioffe2015", "--steps", "1000"])
    >>> args.steps, args.quick
    (1000, False)
    """
    q = sub.add_parser("ioffe2015", help="Ioffe & Szegedy 2015: batch norm on a sigmoid MLP, "
                                         "MNIST (Figure 1)",
                       description="Train the 784-100-100-100-10 sigmoid net on MNIST with and "
                                   "without batch normalisation; test accuracy over training "
                                   "and the 15/50/85th percentiles of one sigmoid's input.")
    q.add_argument("--quick", action="store_true",
                   help=f"{MODES['quick']['steps']} steps instead of {MODES['full']['steps']}")
    q.add_argument("--data", metavar="DIR", default=None,
                   help="MNIST folder with the four IDX .gz files (default: $CHAINRULE_MNIST, "
                        "./data/mnist or shared/data/mnist beside the checkout)")
    q.add_argument("--steps", type=positive_int, default=None,
                   help=f"training steps of each net (default {MODES['full']['steps']})")
    q.add_argument("--jobs", type=positive_int, default=2,
                   help="worker processes, one BLAS thread each (default 2)")
    q.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    q.add_argument("--out", metavar="DIR", default=None,
                   help="write ioffe2015.json and the Figure-1 plot here")
    q.set_defaults(func=_command)
