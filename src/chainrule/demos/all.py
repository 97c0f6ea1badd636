"""`chainrule demo all`: every demo in lecture order, its figures, and one HTML report.

Budget: under 2 minutes on 2 cores (the demos size their data and steps for that; --quick
takes seconds). Progress: one bar over the demos, and inner bars for the longer trainings.
"""
import importlib
import json
import os
import sys
import time

from . import ORDER

# The lecture's words for each topic, shown in the report above the measured numbers.
INTROS = {
    "backprop": "Chain rule on a computational graph: the forward pass computes values and "
                "keeps local derivatives; the backward pass multiplies upstream gradients "
                "by local ones, node by node (q = x + y, f = q z at x = 1, y = -2, z = 3).",
    "perceptron": "Rosenblatt, 1958: one artificial neuron y = sign(w . x), trained on the "
                  "perceptron criterion E_P(w) = -sum over misclassified t_n w . x_n, i.e. "
                  "w <- w + eta t_n x_n. The 1958 demonstration told squares on the left "
                  "from squares on the right on a 400-photocell retina.",
    "logreg": "A sigmoid instead of the threshold: logistic regression, trained by gradient "
              "descent on the binary cross-entropy.",
    "xor": "Minsky and Papert, 1969: a single perceptron draws only a straight line, so it "
           "cannot model XOR. A network of perceptrons, trained by backpropagation, can.",
    "digits": "From one unit to a network on real data: multinomial logistic regression "
              "(Linear + Softmax) against a multi-layer perceptron on 8x8 handwritten digits.",
    "gradcheck": "Finite differences (f(theta + eps) - f(theta - eps)) / 2 eps are too slow "
                 "to train with but make a good unit test of backprop.",
    "training": "Key aspects of training: weight initialisation, activation functions, data "
                "normalisation and the learning rate, each measured on one small MLP.",
}

# Modules that may add sections to the report: report_sections(outdir, quick) ->
# [(title, html_text, [png paths])]. `demo all` passes its own quick flag, so a full run's
# report holds full sections (the header says every number was measured in this run);
# each section states what it ran, at a size that keeps `make demo` to a few minutes.
REPORT_PLUGINS = ("chainrule.reproduce", "chainrule.translate.cli",
                  "chainrule.translate.compare", "chainrule.papers.hinton2006",
                  "chainrule.papers.ioffe2015", "chainrule.playground.report")


def _plugin_sections(out, quick, log):
    from ..cli import _optional
    sections = []
    for modname in REPORT_PLUGINS:
        try:
            mod = _optional(modname)
        except Exception as e:  # a plug-in that fails to import must not sink the report
            log(f"warning: {modname} could not be imported ({type(e).__name__}: {e})")
            continue
        fn = getattr(mod, "report_sections", None) if mod is not None else None
        if fn is None:
            continue
        log(f"building the report sections of {modname}{' (quick mode)' if quick else ''} ...")
        t0 = time.perf_counter()
        try:
            got = list(fn(out, quick))
        except Exception as e:
            log(f"warning: {modname}.report_sections failed ({type(e).__name__}: {e})")
            continue
        secs = time.perf_counter() - t0
        log(f"== extra report sections from {modname} ({secs:.1f} s) ==")
        for k, (title, body, figs) in enumerate(got):
            sections.append({"anchor": f"{modname.replace('.', '-')}-{k}", "title": title,
                             "summary": [f"(built in {secs:.1f} s by {modname})"],
                             "html": body, "figures": list(figs)})
    return sections


def run_all(out="chainrule-demo", quick=False, seed=0, progress=True, verbose=True,
            only=None, plugins=True):
    """Run the demos (all of ORDER, or `only`), write PNGs, report.html and results.json (every
    measured number) into `out` (with the plug-ins' extra report sections unless
    plugins=False); returns the report's path.

    >>> import tempfile
    >>> import os
    >>> from chainrule.demos.all import run_all
    >>> out = tempfile.mkdtemp()
    >>> report = run_all(out, only=["backprop"], progress=False, verbose=False, plugins=False)
    >>> os.path.basename(report)
    'report.html'
    >>> sorted(f for f in os.listdir(out) if f.endswith((".html", ".json")))
    ['report.html', 'results.json']
    """
    from ..viz.report import build_report
    from ._common import progress as bar
    os.makedirs(out, exist_ok=True)
    names = list(only) if only is not None else list(ORDER)
    results = []
    t0 = time.perf_counter()
    pbar = bar(names, desc="demos", enabled=progress, leave=False)

    def log(msg):
        if not verbose:
            return
        if progress and hasattr(pbar, "write"):
            pbar.write(msg, file=sys.stdout)
        else:
            print(msg, flush=True)

    for name in pbar:
        if hasattr(pbar, "set_description"):
            pbar.set_description(f"demo {name}")
        mod = importlib.import_module(f"{__package__}.{name}")
        res = mod.run(out=out, quick=quick, seed=seed, progress=progress)
        results.append(res)
        log(f"== {res.title} ({res.seconds:.1f} s) ==")
        for s in res.summary:
            log(f"  {s}")
    sections = []
    for res in results:
        sections.append({"anchor": res.name, "title": res.title, "intro": INTROS.get(res.name),
                         "summary": res.summary + [f"(ran in {res.seconds:.1f} s)"],
                         "html": res.html, "figures": res.figures})
    if plugins:
        sections += _plugin_sections(out, quick, log)
    total = time.perf_counter() - t0
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as fh:
        json.dump({"seconds": round(total, 2), "quick": bool(quick), "seed": seed,
                   "demos": {r.name: {"title": r.title, "seconds": round(r.seconds, 2),
                                      "summary": r.summary, "numbers": r.numbers,
                                      "figures": [os.path.basename(f) for f in r.figures]}
                             for r in results}},
                  fh, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    path = os.path.join(out, "report.html")
    build_report(sections, path,
                 subtitle=f"{len(results)} demos in {total:.1f} s"
                          f"{' (quick mode)' if quick else ''}, seed {seed}. "
                          "Every number below was measured in this run.")
    log(f"all demos: {total:.1f} s")
    return path
