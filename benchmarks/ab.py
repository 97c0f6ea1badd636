"""A/B one benchmark workload between two source trees of chainrule, in alternating processes.

    python benchmarks/ab.py --a ../base_checkout --workload op_chain --rounds 21
    python benchmarks/ab.py --a ../base_checkout --b . --workload mlp_sgd --rounds 3 --repeats 2

Made for a shared, loaded machine. Each round starts one fresh worker process per tree;
each puts its tree's `src/` first on sys.path (the first round prints the
`chainrule.__file__` each imported, the check), builds the named workload from *this*
checkout's benchmarks/workloads (the same workload code measures both trees), and warms up.
Then the driver asks A and B for one measured repeat in turn (A B, B A, A B, ...), so
both see the same few seconds of the machine's load. A repeat is measured in CPU time
(time.process_time via the workloads' tic/toc, or the CPU/wall ratio of the whole call
for a workload with its own timer: a 1-thread run's CPU time is far steadier than its
wall time when others share the cores; --metric wall for the other). BLAS threads
are pinned to --threads.

A round's ratio is B's median over A's median (and, printed beside it, B's minimum over
A's minimum: the repeat least disturbed by other processes). The verdict is the median of
the rounds' ratios with its spread (quartiles, extremes): fresh processes each round, so
one unlucky memory layout or neighbour cannot decide it.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


# --- worker side ----------------------------------------------------------------------
def _worker(tree, workload, lib, warmup, metric, threads, prelude, smoke=False):
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(pathlib.Path(tree).resolve() / "src"))
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = sys.stderr  # whatever the workload prints stays out of the protocol lines
    from benchmarks import common
    from benchmarks import workloads as registry
    limiter = common.set_threads(lib, threads)  # noqa: F841 (keep the limit alive)
    run = registry.get(workload).factories[lib](smoke)
    if prelude:
        exec(prelude, {})
    for _ in range(warmup):
        run()
    mod = sys.modules.get(lib)
    proto.write(json.dumps({"file": getattr(mod, "__file__", None)}) + "\n")
    for line in sys.stdin:
        if line.strip() != "run":
            break
        w0, c0 = time.perf_counter(), time.process_time()
        r = run()
        w1, c1 = time.perf_counter(), time.process_time()
        wall = float(r[0]) if isinstance(r, tuple) else float(r)
        ratio = common.last_cpu_over_wall()
        if ratio is None:
            # A workload timing itself without tic/toc (LeNet-5's timer()): its figure
            # scaled by this repeat's CPU/wall ratio, taken around the whole call.
            ratio = (c1 - c0) / (w1 - w0) if w1 > w0 else 1.0
        proto.write(json.dumps({"value": wall * ratio if metric == "cpu" else wall}) + "\n")


# --- driver side ----------------------------------------------------------------------
class _Proc:
    def __init__(self, tree, args):
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
        env.pop("PYTHONPATH", None)  # the worker sets its own path, its tree first
        cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--worker", str(tree),
               "--workload", args.workload, "--lib", args.lib, "--warmup", str(args.warmup),
               "--metric", args.metric, "--threads", str(args.threads)]
        if args.prelude:
            cmd += ["--prelude", args.prelude]
        if args.smoke:
            cmd.append("--smoke")
        self.tree = tree
        self.p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True, bufsize=1)

    def read(self):
        line = self.p.stdout.readline()
        if not line:
            err = self.p.stderr.read()
            raise SystemExit(f"worker for {self.tree} failed:\n{err[-3000:]}")
        return json.loads(line)

    def run(self):
        self.p.stdin.write("run\n")
        return self.read()["value"]

    def close(self):
        try:
            self.p.stdin.write("exit\n")
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        self.p.wait()


def _quartiles(xs):
    if len(xs) < 2:
        return xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], q[2]


def _load():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def compare(a, b, workload="op_chain", rounds=21, repeats=15, warmup=5, metric="cpu",
            threads=1, lib="chainrule", prelude=None, verbose=True, smoke=False):
    """Run the A/B; returns {"rounds": [...], "ratio": median ratio, "spread": ...,
    "files": {"A": chainrule.__file__ imported by A, ...}, ...}.

    >>> compare("../base", ".", "op_chain", rounds=21)["ratio"]    # B/A, median of rounds
    """
    args = argparse.Namespace(workload=workload, lib=lib, warmup=warmup, metric=metric,
                              threads=threads, prelude=prelude, smoke=smoke)
    trees = {"A": pathlib.Path(a).resolve(), "B": pathlib.Path(b).resolve()}
    for k, t in trees.items():
        if not (t / "src" / lib).is_dir():
            raise SystemExit(f"tree {k} ({t}) has no src/{lib}")
    loads = [_load()]
    rows = []
    for r in range(rounds):
        procs = {}
        try:
            for k in ("AB" if r % 2 == 0 else "BA"):  # start-up order alternates too
                procs[k] = _Proc(trees[k], args)
            files = {k: procs[k].read()["file"] for k in procs}  # ready: warmed up
            vals = {"A": [], "B": []}
            for i in range(repeats):
                for k in ("AB" if (r + i) % 2 == 0 else "BA"):
                    vals[k].append(procs[k].run())
        finally:
            for p in procs.values():
                p.close()
        if r == 0:
            first_files = files
            if verbose:
                for k in "AB":
                    print(f"{k}: {trees[k]}  (imports {files[k]})")
        row = {k: statistics.median(vals[k]) for k in "AB"}
        row.update({k + "_min": min(vals[k]) for k in "AB"})
        row["ratio"] = row["B"] / row["A"]
        row["ratio_min"] = row["B_min"] / row["A_min"]
        row["load"] = _load()
        loads.append(row["load"])
        rows.append(row)
        if verbose:
            print(f"round {r + 1:2d}: A {row['A']:.4g}  B {row['B']:.4g}  B/A {row['ratio']:.4f}"
                  f"  (of minima {row['ratio_min']:.4f})  load {row['load']:.1f}", flush=True)
    out = {"workload": workload, "lib": lib, "metric": metric, "threads": threads,
           "rounds": rows, "repeats": repeats, "trees": {k: str(v) for k, v in trees.items()},
           "load": (min(loads), max(loads)), "files": first_files}
    for label, sfx in (("medians", ""), ("minima", "_min")):
        ratios = [x["ratio" + sfx] for x in rows]
        out["ratio" + sfx] = statistics.median(ratios)
        out["spread" + sfx] = (*_quartiles(ratios), min(ratios), max(ratios))
        out["A" + sfx] = statistics.median([x["A" + sfx] for x in rows])
        out["B" + sfx] = statistics.median([x["B" + sfx] for x in rows])
    if verbose:
        print(f"\n{workload} ({lib}, {metric} time, {threads} thread(s), {rounds} rounds x "
              f"{repeats} repeats each side, load {out['load'][0]:.1f}-{out['load'][1]:.1f})")
        for label, sfx in (("medians", ""), ("minima", "_min")):
            q1, q3, lo, hi = out["spread" + sfx]
            print(f"  per-round {label}: A {out['A' + sfx]:.4g}   B {out['B' + sfx]:.4g}   "
                  f"B/A median {out['ratio' + sfx]:.4f}   quartiles {q1:.4f}-{q3:.4f}   "
                  f"range {lo:.4f}-{hi:.4f}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", help="source tree A (the baseline), holding src/")
    ap.add_argument("--b", default=str(ROOT), help="source tree B (default: this checkout)")
    ap.add_argument("--workload", default="op_chain", help="a name from benchmarks/workloads")
    ap.add_argument("--lib", default="chainrule")
    ap.add_argument("--rounds", type=int, default=21, help="fresh process pairs")
    ap.add_argument("--repeats", type=int, default=15, help="measured repeats per process")
    ap.add_argument("--warmup", type=int, default=5, help="unmeasured repeats per process")
    ap.add_argument("--metric", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prelude", help="Python run in each worker after the workload is built, "
                    "before its warm-up (an experiment, e.g. 'import gc; gc.disable()')")
    ap.add_argument("--smoke", action="store_true", help="the workload's one tiny step (a check "
                    "that the A/B runs, not a measurement)")
    ap.add_argument("--json", help="also write every round's numbers to this file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        return _worker(args.worker, args.workload, args.lib, args.warmup, args.metric,
                       args.threads, args.prelude, args.smoke)
    if not args.a:
        ap.error("--a (the baseline tree) is required")
    out = compare(args.a, args.b, args.workload, args.rounds, args.repeats, args.warmup,
                  args.metric, args.threads, args.lib, args.prelude, smoke=args.smoke)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
