"""A/B of one workload between source trees and libraries (chainrule and PyTorch), in CPU time,
rotating rounds (benchmarks/ab.py compares two chainrule trees with alternating repeats).

    python benchmarks/ab_libs.py lstm_lm 12 before=/path/to/old/tree:chainrule \
        after=.:chainrule torch=.:torch

Each LABEL=TREE:LIB starts one run.py worker (1 BLAS / intra-op thread) with TREE's
sources first on the path; the driver asks the workers for one repeat each in turn,
rotating the order every round, and prints each one's median CPU time per step and the
median (and range) of its per-round ratio to the last label, and of the second label to
the first. `LABEL=TREE:LIB,VAR=VALUE,...` also sets environment variables for that worker
(e.g. `sys=.:chainrule,CHAINRULE_MALLOC=system` for chainrule without its malloc setting). On a shared machine the per-round ratios are the figures to quote: both sides
of a ratio ran within a second or two of each other.
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time


def main(argv):
    if len(argv) < 4:
        raise SystemExit(__doc__)
    name, rounds, variants = argv[1], int(argv[2]), argv[3:]
    procs = {}
    for v in variants:
        label, rest = v.split("=", 1)
        tree, lib = rest.rsplit(":", 1)
        lib, *assignments = lib.split(",")
        tree = str(pathlib.Path(tree).resolve())
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                   MKL_NUM_THREADS="1", PYTHONPATH=f"{tree}/src:{tree}")
        env.update(a.split("=", 1) for a in assignments)
        p = subprocess.Popen([sys.executable, f"{tree}/benchmarks/run.py", "--worker", name,
                              lib, "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, env=env, cwd=tree)
        json.loads(p.stdout.readline())  # ready after set-up and warm-up
        procs[label] = p
    labels = list(procs)
    vals = {label: [] for label in labels}
    load0 = os.getloadavg()[0]
    for r in range(rounds):
        order = labels[r % len(labels):] + labels[:r % len(labels)]
        for label in order:
            procs[label].stdin.write("run\n")
            procs[label].stdin.flush()
            res = json.loads(procs[label].stdout.readline())
            vals[label].append(res["extra"].get("cpu", res["value"]))
            time.sleep(0.1)
    for p in procs.values():
        p.stdin.write("exit\n")
        p.stdin.flush()
        p.wait()
    print(f"{name}: {rounds} rounds, load average {load0:.1f} -> {os.getloadavg()[0]:.1f}")
    ref = labels[-1]
    for label in labels:
        rat = [a / b for a, b in zip(vals[label], vals[ref])]
        print(f"  {label:10s} median {statistics.median(vals[label]):8.1f} ms   "
              f"/ {ref}: {statistics.median(rat):.3f} ({min(rat):.3f}-{max(rat):.3f})")
    if len(labels) > 2:
        a, b = labels[0], labels[1]
        rat = [y / x for x, y in zip(vals[a], vals[b])]
        print(f"  {b} / {a}: {statistics.median(rat):.3f} ({min(rat):.3f}-{max(rat):.3f})")


if __name__ == "__main__":
    main(sys.argv)
