"""Run chainrule's benchmark suite against PyTorch and hand-written NumPy; print one table.

    python benchmarks/run.py                  # everything, 1 and 2 threads; updates BENCHMARKS.md
    python benchmarks/run.py --only op_chain --threads 1 --no-write
    python benchmarks/run.py --smoke          # one tiny step per workload (what the test runs)

How it measures: each (workload, library) runs in its own worker process that imports only
that library, with BLAS / intra-op threads pinned (threadpoolctl for NumPy,
torch.set_num_threads for PyTorch, plus the *_NUM_THREADS variables). Workers set up and warm
up one at a time; then the driver asks them for measured repeats in turn, rotating the
order every repeat and pausing between libraries, so the three see the same machine
conditions. The table reports medians. Memory runs each library once in a fresh process.
"""
import argparse
import datetime
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import workloads as registry  # noqa: E402

LIB_NAMES = {"chainrule": "chainrule", "torch": "PyTorch", "numpy": "NumPy",
             "sklearn": "scikit-learn"}
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


# --- worker side ----------------------------------------------------------------------
def worker(name, lib, threads, smoke, once):
    # Protocol lines go to the real stdout; anything the libraries print goes to stderr.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = sys.stderr
    from benchmarks import common
    limiter = common.set_threads(lib, threads)  # noqa: F841 (keep the limit alive)
    w = registry.get(name)
    run = w.factories[lib](smoke)
    info = {"lib": lib, "version": _version(lib)}
    if lib in ("numpy", "chainrule"):
        from threadpoolctl import threadpool_info
        info["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "num_threads",
                                                "architecture", "threading_layer")}
                        for i in threadpool_info() if i.get("user_api") == "blas"]
    if lib == "torch":
        import torch
        info["torch_threads"] = torch.get_num_threads()
    if once:
        value, extra = _split(run())
        proto.write(json.dumps({"info": info, "value": value, "extra": extra}) + "\n")
        return
    for _ in range(0 if smoke else w.warmup):
        run()
    proto.write(json.dumps({"ready": info}) + "\n")
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "run":
            value, extra = _split(run())
            proto.write(json.dumps({"value": value, "extra": extra}) + "\n")
        elif cmd == "exit":
            break


def _split(r):
    value, extra = (float(r[0]), dict(r[1])) if isinstance(r, tuple) else (float(r), {})
    from benchmarks import common
    ratio = common.last_cpu_over_wall()
    if ratio is not None:
        extra["cpu"] = value * ratio  # the same figure measured in CPU time
    return value, extra


def _version(lib):
    mod = __import__(lib)
    return getattr(mod, "__version__", "?")


# --- driver side ----------------------------------------------------------------------
def _spawn(name, lib, threads, smoke, once=False):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", name, lib,
           str(threads)] + (["--smoke"] if smoke else []) + (["--once"] if once else [])
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=env, cwd=str(ROOT))


def _read(p, what):
    line = p.stdout.readline()
    if not line:
        p.wait()
        raise RuntimeError(f"benchmark worker for {what} died (exit code {p.returncode}); "
                           "its error is printed above")
    return json.loads(line)


def measure(w, libs, threads, smoke, repeats, pause, log):
    """{lib: {"values": [...], "extra": {...}, "info": {...}}} for one workload."""
    libs = [lib for lib in libs if lib in w.factories]
    out = {}
    if w.fresh_process:
        for lib in libs:
            p = _spawn(w.name, lib, threads, smoke, once=True)
            r = _read(p, f"{w.name}/{lib}")
            p.wait()
            out[lib] = {"values": [r["value"]], "extra": r["extra"], "info": r["info"]}
            log(f"  {w.name:16s} {lib:9s} {r['value']:.4g} {w.unit}")
            time.sleep(pause)
        return out
    procs = {}
    try:
        for lib in libs:  # one at a time: setup and warm-up do not overlap
            procs[lib] = _spawn(w.name, lib, threads, smoke)
            out[lib] = {"values": [], "extra": {}, "info": _read(procs[lib], f"{w.name}/{lib}")
                        ["ready"]}
            time.sleep(pause)
        n = 1 if smoke else (repeats or w.repeats)
        for r in range(n):
            order = libs[r % len(libs):] + libs[:r % len(libs)]
            for lib in order:
                procs[lib].stdin.write("run\n")
                procs[lib].stdin.flush()
                res = _read(procs[lib], f"{w.name}/{lib}")
                out[lib]["values"].append(res["value"])
                if "cpu" in res["extra"]:
                    out[lib].setdefault("cpu", []).append(res["extra"]["cpu"])
                out[lib]["extra"] = res["extra"]
                time.sleep(pause)
        for lib in libs:
            med = statistics.median(out[lib]["values"])
            log(f"  {w.name:16s} {lib:9s} median {med:.4g} {w.unit} "
                f"(of {len(out[lib]['values'])}: "
                + ", ".join(f"{v:.3g}" for v in out[lib]["values"]) + ")")
    finally:
        for p in procs.values():
            if p.poll() is None:
                try:
                    p.stdin.write("exit\n")
                    p.stdin.flush()
                except (BrokenPipeError, OSError):
                    pass
                p.wait(timeout=60)
    return out


def machine_info():
    cpu = platform.processor() or "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        import psutil
        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except ImportError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "simd": _numpy_simd(),
            "blas_env": _blas_env(),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version(), "commit": commit,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "load_before": _load()}


def _numpy_simd():
    """The widest SIMD target NumPy's loops dispatch to on this CPU (e.g. X86_V3 for AVX2,
    AVX512_ICL): elementwise ops, and so the ratios to PyTorch, depend on it."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:
        try:        # NumPy 1.x
            from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
        except ImportError:
            return "?"
    enabled = [name for name in __cpu_dispatch__ if __cpu_features__.get(name)]
    return enabled[-1] if enabled else "baseline"


def _blas_env():
    """OpenBLAS settings the environment imposes (OPENBLAS_CORETYPE overrides the kernels
    OpenBLAS would pick for this CPU; PyTorch's own kernels do not read it)."""
    return " ".join(f"{k}={os.environ[k]}" for k in sorted(os.environ)
                    if k.startswith("OPENBLAS_") and k != "OPENBLAS_NUM_THREADS")


def _load():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _fmt(v, unit):
    if v is None:
        return "-"
    if unit == "MB":
        return f"{v:.0f} MB"
    if unit == "us/op":
        return f"{v:.2f} µs/op"
    if unit == "ms":
        return f"{v:.1f} ms"
    if unit == "%":
        return f"{v:.2f}%"
    return f"{v:.2f} s"


def table(results, workloads):
    """The Markdown table: one row per (workload, threads)."""
    rows = ["| workload | threads | chainrule | PyTorch | NumPy | chainrule / PyTorch | "
            "chainrule / NumPy | target |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for w in workloads:
        if "sklearn" in w.factories:  # the anchor comparisons have their own table
            continue
        for threads, res in results.get(w.name, {}).items():
            med = {lib: statistics.median(r["values"]) for lib, r in res.items() if r["values"]}
            cr = med.get("chainrule")
            cells, verdicts = [], []
            for lib in ("torch", "numpy"):
                if cr is None or lib not in med:
                    cells.append("-")
                    continue
                ratio = cr / med[lib]
                cells.append(f"{ratio:.2f}x")
                if lib in w.targets:
                    ok = ratio <= w.targets[lib]
                    verdicts.append(f"<= {w.targets[lib]:.2f}x {LIB_NAMES[lib]}: "
                                    + ("met" if ok else "**not met**"))
            rows.append(f"| {w.title} | {threads} | {_fmt(cr, w.unit)} | "
                        f"{_fmt(med.get('torch'), w.unit)} | {_fmt(med.get('numpy'), w.unit)} | "
                        f"{cells[0]} | {cells[1]} | {'; '.join(verdicts) or '-'} |")
    return "\n".join(rows)


def cpu_table(results, workloads):
    """The same medians in CPU time (process_time), for 1-thread runs: on a machine shared
    with other work, CPU time leaves out the time spent waiting for a core."""
    rows = ["| workload (1 thread, CPU time) | chainrule | PyTorch | NumPy | "
            "chainrule / PyTorch | chainrule / NumPy |", "|---|---:|---:|---:|---:|---:|"]
    for w in workloads:
        res = results.get(w.name, {}).get(1)
        if not res or w.fresh_process or "sklearn" in w.factories:
            continue
        med = {lib: statistics.median(r["cpu"]) for lib, r in res.items() if r.get("cpu")}
        if "chainrule" not in med:
            continue
        cr = med["chainrule"]
        ratios = [f"{cr / med[lib]:.2f}x" if lib in med else "-" for lib in ("torch", "numpy")]
        rows.append(f"| {w.title} | {_fmt(cr, w.unit)} | {_fmt(med.get('torch'), w.unit)} | "
                    f"{_fmt(med.get('numpy'), w.unit)} | {ratios[0]} | {ratios[1]} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def anchor_table(results, workloads):
    """chainrule against scikit-learn (the workloads with an "sklearn" factory): time or
    accuracy side by side, and pseudo-likelihood where the workload reports it."""
    rows = ["| against scikit-learn | threads | chainrule | scikit-learn | chainrule / "
            "scikit-learn | pseudo-likelihood chainrule | scikit-learn | target |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for w in workloads:
        if "sklearn" not in w.factories:
            continue
        for threads, res in results.get(w.name, {}).items():
            med = {lib: statistics.median(r["values"]) for lib, r in res.items() if r["values"]}
            cr, sk = med.get("chainrule"), med.get("sklearn")
            pl = {lib: r["extra"].get("pseudo_likelihood") for lib, r in res.items()}
            se = max((r["extra"].get("pl_stderr") or 0.0) for r in res.values())
            verdicts = []
            if cr is not None and sk is not None and "sklearn" in w.targets:
                ok = cr / sk <= w.targets["sklearn"]
                verdicts.append(f"time <= {w.targets['sklearn']:.2f}x scikit-learn: "
                                + ("met" if ok else "**not met**"))
            if pl.get("chainrule") is not None and pl.get("sklearn") is not None:
                # no worse: within two standard errors of the per-image scores, or better
                ok = pl["chainrule"] >= pl["sklearn"] - 2 * se
                verdicts.append("pseudo-likelihood no worse: " + ("met" if ok else "**not met**"))
            ratio = f"{cr / sk:.2f}x" if cr is not None and sk and w.unit != "%" else "-"
            rows.append(f"| {w.title} | {threads} | {_fmt(cr, w.unit)} | {_fmt(sk, w.unit)} | "
                        f"{ratio} | {_short(pl.get('chainrule')) if pl.get('chainrule') else '-'}"
                        f" | {_short(pl.get('sklearn')) if pl.get('sklearn') else '-'} | "
                        f"{'; '.join(verdicts) or '-'} |")
    return "\n".join(rows) if len(rows) > 2 else ""


def details(results, workloads):
    """Per-library extras: losses (same work done), memory over epochs."""
    lines = []
    for w in workloads:
        for threads, res in results.get(w.name, {}).items():
            for lib, r in res.items():
                extra = {k: v for k, v in r["extra"].items() if k not in ("data", "cpu")}
                if extra:
                    lines.append(f"- {w.name} ({threads} thread{'s' * (threads > 1)}), "
                                 f"{LIB_NAMES[lib]}: "
                                 + ", ".join(f"{k} = {_short(v)}" for k, v in extra.items()))
    return "\n".join(lines)


def _short(v):
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def report(info, results, workloads, command, infos):
    blas = next((i.get("blas") for i in infos if i.get("blas")), None)
    versions = {i["lib"]: i["version"] for i in infos}
    sources = sorted({r["extra"].get("data") for res in results.values() for rr in res.values()
                      for r in rr.values() if r["extra"].get("data")})
    env_s = f", {info['blas_env']} from the environment" if info.get("blas_env") else ""
    blas_s = "; ".join(f"{b['internal_api']} {b['version']} ({b.get('architecture')}, "
                       f"{b.get('threading_layer')}{env_s})" for b in (blas or [])) or "?"
    return "\n".join([
        f"Measured {info['date']} on {info['cpu']} ({info['cores']} cores, {info['memory']}), "
        f"{info['os']}, Python {info['python']}, chainrule {versions.get('chainrule', '?')} "
        f"(commit {info['commit']}), NumPy {versions.get('numpy', '?')} (SIMD "
        f"{info.get('simd', '?')}) with {blas_s}, "
        f"PyTorch {versions.get('torch', '-')}. Load average before / after: "
        f"{info['load_before']} / {info['load_after']}. Data: {', '.join(sources) or '-'}.",
        "",
        f"Reproduce: `{command}`",
        "",
        table(results, workloads),
        "",
        cpu_table(results, workloads),
        "",
        anchor_table(results, workloads),
        "",
        "<details><summary>Per-library details (final loss, memory per epoch)</summary>",
        "",
        details(results, workloads),
        "",
        "</details>",
    ])


def write_markdown(path, body):
    path = pathlib.Path(path)
    text = path.read_text() if path.exists() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip() + f"\n\n## Latest results\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    path.write_text(f"{head}{BEGIN}\n{body}\n{END}{tail}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--worker", nargs=3, metavar=("WORKLOAD", "LIB", "THREADS"),
                    help=argparse.SUPPRESS)
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--only", help="comma-separated workload names (default: all)")
    ap.add_argument("--libs", default="chainrule,torch,numpy,sklearn")
    ap.add_argument("--threads", default="1,2", help="BLAS thread counts, e.g. 1,2")
    ap.add_argument("--repeats", type=int, default=None, help="override each workload's")
    ap.add_argument("--pause", type=float, default=0.2, help="seconds between libraries")
    ap.add_argument("--smoke", action="store_true", help="one tiny step per workload")
    ap.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    ap.add_argument("--json", help="also save raw results here")
    ap.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args(argv)
    if args.worker:
        name, lib, threads = args.worker
        worker(name, lib, int(threads), args.smoke, args.once)
        return 0

    libs = [lib for lib in args.libs.split(",") if lib]
    missing = []
    for lib in ("torch", "sklearn"):
        if lib in libs:
            try:
                __import__(lib)
            except ImportError:
                missing.append(lib)
    if missing:
        print(f"note: {', '.join(missing)} not installed; its column stays empty "
              "(`make bench` installs torch==2.13.0 and scikit-learn)", file=sys.stderr)
        libs = [lib for lib in libs if lib not in missing]
    workloads = registry.all_workloads()
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {w.name for w in workloads}
        if unknown:
            ap.error(f"unknown workload(s) {sorted(unknown)}; known: "
                     f"{', '.join(w.name for w in workloads)}")
        workloads = [w for w in workloads if w.name in wanted]
    thread_counts = [int(t) for t in args.threads.split(",")]
    info = machine_info()

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    results, infos = {}, []
    for threads in thread_counts:
        for w in workloads:
            if w.threads is not None and threads not in w.threads:
                continue
            log(f"[{threads} thread{'s' * (threads > 1)}] {w.name}: {w.title}")
            res = measure(w, libs, threads, args.smoke, args.repeats, args.pause, log)
            results.setdefault(w.name, {})[threads] = res
            infos.extend(r["info"] for r in res.values())
    info["load_after"] = _load()
    command = "make bench" if not (args.only or args.smoke or args.repeats) else \
        "python benchmarks/run.py " + " ".join(a for a in (argv or sys.argv[1:]))
    body = report(info, results, workloads, command, infos)
    print(body)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"info": info, "results": results},
                                                      indent=1))
    if not (args.no_write or args.smoke):
        write_markdown(args.out, body)
        log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
