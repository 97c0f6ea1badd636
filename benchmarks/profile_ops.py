"""Where a workload's chainrule step spends its time, op by op, forward and backward.

    python benchmarks/profile_ops.py gpt_manual_train
    python benchmarks/profile_ops.py lstm_lm --repeats 3 --top 25

Every autograd node class (chainrule.autograd.function.Op and its subclasses) gets its
`forward` and `backward` timed in CPU time (time.thread_time, so other processes on the
machine do not count) while the workload's chainrule factory runs: one warm-up repeat,
then `--repeats` measured ones. Figures are per training step: a repeat runs the number of
steps its workload module sets (STEPS, or SMOKE_STEPS with --smoke; 1 where it sets none,
e.g. an MLP epoch, or --steps-per-repeat). The table gives milliseconds per step, calls
per step and the share of the step; what it does not list (module calls, the optimizer,
the engine's bookkeeping) is the step less the ops' sum. BLAS runs on 1 thread.
"""
import argparse
import collections
import os
import pathlib
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def instrument(op_base, totals, counts, clock=time.thread_time):
    """Wrap forward / backward of every class below op_base (each defining its own) so that
    totals[(class, method)] accumulates their CPU seconds and counts their calls."""
    for cls in set(_subclasses(op_base)):
        # Multi-output nodes (the recurrent layers) override _run_backward instead of
        # backward; it is timed as their backward, and backward is not timed twice.
        own_run = "_run_backward" in cls.__dict__
        for method, label in (("forward", "forward"),
                              ("_run_backward" if own_run else "backward", "backward")):
            fn = cls.__dict__.get(method)
            if fn is None:
                continue

            def timed(self, *args, _fn=fn, _key=(cls.__name__, label), **kwargs):
                t0 = clock()
                try:
                    return _fn(self, *args, **kwargs)
                finally:
                    totals[_key] += clock() - t0
                    counts[_key] += 1
            setattr(cls, method, timed)


def profile(name, repeats=3, steps_per_repeat=None, smoke=False):
    """(step_seconds, {(op, method): (seconds per step, calls per step)}) for a workload."""
    from benchmarks import workloads as registry
    from chainrule.autograd.function import Op
    totals, counts = collections.defaultdict(float), collections.Counter()
    instrument(Op, totals, counts)
    factory = registry.get(name).factories["chainrule"]
    if steps_per_repeat is None:
        steps_per_repeat = getattr(sys.modules[factory.__module__],
                                   "SMOKE_STEPS" if smoke else "STEPS", 1)
    run = factory(smoke)
    run()                                   # warm-up: caches, first allocations
    totals.clear()
    counts.clear()
    t0 = time.thread_time()
    for _ in range(repeats):
        run()
    steps = repeats * steps_per_repeat
    step = (time.thread_time() - t0) / steps
    return step, {k: (v / steps, counts[k] / steps) for k, v in totals.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("workload")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps-per-repeat", type=int, default=None)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--smoke", action="store_true", help="the workload's tiny set-up")
    a = ap.parse_args(argv)
    step, ops = profile(a.workload, a.repeats, a.steps_per_repeat, a.smoke)
    total = sum(s for s, _ in ops.values())
    print(f"{a.workload}: {step * 1e3:.2f} ms per step (CPU time), ops {total * 1e3:.2f} ms "
          f"({total / step:.0%}), the rest {(step - total) * 1e3:.2f} ms")
    print(f"{'op':28s} {'pass':8s} {'ms/step':>8s} {'calls':>6s} {'share':>6s}")
    for (op, method), (s, n) in sorted(ops.items(), key=lambda kv: -kv[1][0])[:a.top]:
        print(f"{op:28s} {method:8s} {s * 1e3:8.2f} {n:6.1f} {s / step:6.1%}")


if __name__ == "__main__":
    main()
