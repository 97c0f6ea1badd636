"""The benchmark suite must not rot: every workload runs one tiny step for every library
that is installed, and the libraries agree on the result (they do the same arithmetic).
No timing is asserted anywhere."""
import importlib.util
import math
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import workloads as registry  # noqa: E402

HAVE_TORCH = importlib.util.find_spec("torch") is not None
HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None
ALL = registry.all_workloads()


def _libs(w):
    return [lib for lib in w.factories
            if (lib != "torch" or HAVE_TORCH) and (lib != "sklearn" or HAVE_SKLEARN)]


def test_registry_has_the_issue_workloads():
    names = {w.name for w in ALL}
    assert {"mlp_sgd", "mlp_adam", "op_chain", "mlp_infer", "mlp_memory"} <= names
    for w in ALL:
        assert set(w.factories) <= {"chainrule", "torch", "numpy", "sklearn"}
        assert "chainrule" in w.factories, w.name


@pytest.mark.parametrize("w", [w for w in ALL if not w.fresh_process], ids=lambda w: w.name)
def test_workload_runs_one_tiny_step(w):
    results = {}
    for lib in _libs(w):
        value, extra = registry_run(w, lib)
        assert math.isfinite(value) and value > 0, (w.name, lib, value)
        results[lib] = extra
    if "sklearn" in w.factories:  # two implementations, two random streams: see below
        return
    # Same arithmetic, same numbers: losses / checksums / gradients agree across libraries.
    keys = {k for e in results.values() for k, v in e.items()
            if isinstance(v, float) and k != "cpu"}
    for k in keys:
        vals = {lib: e[k] for lib, e in results.items() if k in e}
        ref = vals["chainrule"]
        for lib, v in vals.items():
            assert v == pytest.approx(ref, rel=2e-3, abs=2e-4), (w.name, k, vals)


def registry_run(w, lib):
    out = w.factories[lib](True)()
    return (out[0], out[1]) if isinstance(out, tuple) else (out, {})


def test_memory_workload_reports_epochs():
    w = registry.get("mlp_memory")
    value, extra = registry_run(w, "chainrule")
    assert value > 0
    assert {"rss_epoch1_mb", "rss_epoch3_mb", "growth_1_to_3_pct"} <= set(extra)


def test_driver_end_to_end(tmp_path):
    """run.py's worker protocol, table and Markdown writer, on the cheapest workload."""
    out = tmp_path / "B.md"
    out.write_text("# Benchmarks\n\nprose stays\n\n<!-- bench:begin -->\nold\n"
                   "<!-- bench:end -->\n\nmore prose\n")
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke",
                        "--only", "op_chain", "--libs", "chainrule,numpy", "--threads", "1",
                        "--pause", "0", "--out", str(out)],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert "| 1,000 elementwise ops" in r.stdout and "µs/op" in r.stdout
    assert "(SIMD " in r.stdout and "(SIMD ?)" not in r.stdout  # the header names NumPy's loops
    assert out.read_text().count("old") == 1  # --smoke never rewrites BENCHMARKS.md
    from benchmarks import run as driver
    driver.write_markdown(out, "new table")
    text = out.read_text()
    assert "new table" in text and "old" not in text
    assert "prose stays" in text and "more prose" in text


def test_op_profiler_times_forward_and_backward_per_op():
    """benchmarks/profile_ops.py on the hand-written GPT's and the LSTM's one-step set-ups:
    each op's forward and backward (the recurrent layer's _run_backward as its backward)."""
    for name, ops in (("gpt_manual_train", ("Linear", "Gelu", "Softmax", "Normalize")),
                      ("lstm_lm", ("RNNLayer", "LogSoftmax"))):
        r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "profile_ops.py"), name,
                            "--smoke", "--repeats", "1", "--top", "100"],
                           capture_output=True, text=True, timeout=300, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        rows = {tuple(line.split()[:2]) for line in r.stdout.splitlines()[2:]}
        for op in ops:
            assert (op, "forward") in rows and (op, "backward") in rows, (op, r.stdout)
        head = r.stdout.splitlines()[0]
        assert head.startswith(f"{name}: ") and "ms per step (CPU time), ops" in head


@pytest.mark.skipif(not HAVE_SKLEARN, reason="scikit-learn is the optional anchor")
def test_sklearn_anchor_workloads_run_and_score_alike():
    """chainrule's RBM and BernoulliRBM trained alike score alike (one smoke epoch), and the
    pipeline gives both an accuracy."""
    fit = registry.get("rbm_fit")
    res = {lib: registry_run(fit, lib)[1] for lib in ("chainrule", "sklearn")}
    a, b = res["chainrule"]["pseudo_likelihood"], res["sklearn"]["pseudo_likelihood"]
    assert a < 0 and b < 0 and abs(a - b) < 0.1 * abs(b), res
    pipe = registry.get("rbm_pipeline")
    for lib in ("chainrule", "sklearn"):
        acc, _ = registry_run(pipe, lib)
        assert 10 < acc <= 100
