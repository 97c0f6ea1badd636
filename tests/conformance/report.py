"""Regenerate COMPATIBILITY.md from PyTorch's own op and module databases (`make compat`).

    python tests/conformance/report.py [--out COMPATIBILITY.md] [--ops NAME ...]

Every number in the file is computed in the run that writes it: op_db's ops against
chainrule (opinfo_harness.py), module_db's modules (module_harness.py), and the optimizers
and distributions torch has, looked up in chainrule by introspection.
"""
import argparse
import collections
import os
import pathlib
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "src"))

import opinfo_harness as H  # noqa: E402

FAMILY_ORDER = ["elementwise unary", "elementwise binary", "reductions", "cumulative",
                "sorting / selection", "shape / view", "indexing / scatter", "linear algebra",
                "nn.functional", "special", "creation", "random", "dtype casts / conversion",
                "masked", "fft"]


def _pct(a, b):
    return f"{100 * a / b:.0f}%" if b else "-"


def _cell(text, limit=220):
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."


def ops_section(results, max_samples):
    applicable = [r for r in results if not r.status.startswith("n/a")]
    na = [r for r in results if r.status.startswith("n/a")]
    count = collections.Counter(r.status for r in applicable)
    present = sum(r.present for r in applicable)
    good = count["correct"] + count["mostly"]
    na_why = collections.Counter(r.status[5:] for r in na)
    lines = [
        "## Ops (PyTorch's OpInfo database, `op_db`)",
        "",
        f"Each op of `torch.testing._internal.common_methods_invocations.op_db` (torch "
        f"{_torch_version()}) is resolved in chainrule by its name and variants (`torch.X`, "
        "`Tensor.X`, `torch.nn.functional.X`, `torch.linalg.X`, `torch.special.X`; op_db's own "
        "lambdas run with `torch` bound to chainrule) and run on op_db's sample inputs in "
        "float32 and float64 (and the integer and bool dtypes op_db lists), at most "
        f"{max_samples} samples per OpInfo and floating dtype ({max(1, max_samples // 3)} per "
        "integer dtype), spread evenly over op_db's list. Compared with torch: forward values, "
        "dtype and shape, and for differentiable ops the gradient of a random cotangent with "
        "respect to every input op_db marks as requiring grad. Ops whose result depends on the "
        "random state are compared on shapes and dtypes. An op's variants (`div.floor_rounding`, "
        "...) count as one op.",
        "",
        "Reference exceptions: for " + ", ".join(f"`{n}`" for n in H.REFERENCE_EXCEPTIONS)
        + ", torch's own float64 kernel is less accurate than chainrule's. A float64 sample "
        "of these ops where chainrule and torch disagree is judged against mpmath at "
        f"{H.REFERENCE_DIGITS} digits instead: it passes only when chainrule matches mpmath "
        f"(rtol {H.REFERENCE_TOLERANCE[0]:g}, atol {H.REFERENCE_TOLERANCE[1]:g} x max(1, |x|)) "
        "and torch is shown to deviate from mpmath where the two disagree (so the exception "
        "lapses by itself once torch is fixed). Float32 samples compare with torch as usual. "
        "The op's row says by how much each differs from mpmath.",
        "",
        "| | ops |",
        "|---|---:|",
        f"| applicable | {len(applicable)} |",
        f"| present in chainrule | {present} ({_pct(present, len(applicable))}) |",
        f"| correct on all samples | {count['correct']} |",
        f"| correct on >= 90% of samples | {count['mostly']} |",
        f"| **present and correct (all or >= 90%)** | **{good} ({_pct(good, len(applicable))} "
        "of applicable)** |",
        f"| present but wrong | {count['wrong']} |",
        f"| present, no sample torch accepts | {count['untested']} |",
        f"| missing | {count['missing']} |",
        f"| not applicable | {len(na)} ("
        + ", ".join(f"{k} {v}" for k, v in sorted(na_why.items())) + ") |",
        "",
        "### Per family",
        "",
        "| family | applicable | present | correct | >= 90% | wrong | missing |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    fams = _families(applicable)
    for fam, rs in fams:
        c = collections.Counter(r.status for r in rs)
        lines.append(f"| {fam} | {len(rs)} | {sum(r.present for r in rs)} | {c['correct']} | "
                     f"{c['mostly']} | {c['wrong'] + c['untested']} | {c['missing']} |")
    for fam, rs in fams:
        lines += ["", f"### {fam}", "",
                  "| op | status | samples passed | chainrule variants | first failure |",
                  "|---|---|---:|---|---|"]
        for r in sorted(rs, key=lambda r: (_rank(r.status), r.name)):
            passed = f"{r.passed}/{r.total}" if r.total else ""
            note = r.first_failure
            if r.reference and r.status in ("correct", "mostly"):
                note = (f"correct against {H.REFERENCE_EXCEPTIONS[r.name][0]} (reference "
                        f"exception, {r.reference[0]} float64 samples): torch's float64 differs "
                        f"from mpmath by up to {r.reference[2]:.1e}, chainrule by "
                        f"{r.reference[1]:.1e}" + (f"; {note}" if note else ""))
            limit = 400 if r.reference else 220   # a reference note carries its numbers
            lines.append(f"| `{r.name}` | {H.STATUS_WORDS[r.status]} | {passed} | "
                         f"{', '.join(r.variants)} | {_cell(note, limit)} |")
    lines += ["", "### Not applicable", "",
              "Complex, sparse-layout, CUDA-only and aten-internal ops, decided from op_db's "
              "data (the CPU dtypes it lists, the type of its `op`, the dtype and layout of its "
              "samples and outputs).", "", "| op | status |", "|---|---|"]
    for r in sorted(na, key=lambda r: r.name):
        lines.append(f"| `{r.name}` | {r.status} |")
    return lines


def _rank(status):
    return ["wrong", "untested", "mostly", "correct", "missing"].index(status)


def _families(results):
    by = collections.defaultdict(list)
    for r in results:
        by[r.family].append(r)
    order = [f for f in FAMILY_ORDER if f in by] + sorted(set(by) - set(FAMILY_ORDER))
    return [(f, by[f]) for f in order]


def _torch_version():
    import torch
    return torch.__version__


def run_ops(names=None, max_samples=None, log=True):
    groups = H.group_by_name(H.load_op_db())
    results = []
    t0 = time.time()
    for i, (name, entries) in enumerate(groups.items()):
        if names and name not in names:
            continue
        results.append(H.run_op(name, entries, max_samples=max_samples))
        if log and i % 50 == 0:
            print(f"  ops: {i}/{len(groups)} ({time.time() - t0:.0f} s)", file=sys.stderr)
    return results


def extra_sections():
    """Modules (module_db), optimizers and distributions, when their harness is there."""
    try:
        import module_harness as M
    except ImportError:
        return []
    return M.report_sections()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "COMPATIBILITY.md"))
    ap.add_argument("--ops", nargs="*", help="only these ops (for debugging; prints, no file)")
    ap.add_argument("--samples", type=int, default=H.MAX_SAMPLES)
    args = ap.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        import torch  # noqa: F401
        import expecttest  # noqa: F401
    except ImportError as e:
        sys.exit(f"report.py needs torch and expecttest (pip install expecttest): {e}")
    t0 = time.time()
    results = run_ops(args.ops, args.samples)
    if args.ops:
        for r in results:
            print(r.name, r.status, f"{r.passed}/{r.total}", r.variants,
                  f"reference (samples, chainrule err, torch err): {r.reference}"
                  if r.reference else "")
            seen = {}
            for f in r.failures:
                key = f.split("] ", 1)[-1].split(": ", 1)[-1][:90]
                seen.setdefault(key, f)
            for f in list(seen.values())[:8]:
                print("   ", f[:400])
        return
    lines = ["# Compatibility with PyTorch", "",
             "Generated by `make compat` (tests/conformance/report.py): do not edit by hand. "
             "tests/conformance/test_conformance_ops.py checks that every op recorded here as "
             "correct stays correct.", ""]
    lines += ops_section(results, args.samples)
    lines += [""] + extra_sections()
    pathlib.Path(args.out).write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {args.out} in {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
