"""The workload registry: every module in this package that defines `workloads()`.

A workload module returns a list of `Workload`s. To add one (LeNet-5, a GPT block, ...),
drop a new file here; `benchmarks/run.py` finds it by itself. Each library's factory runs
in its own worker process, imports only that library, and returns a callable that runs
one repeat and returns the measured value (or (value, {extra: ...})).
"""
import dataclasses
import importlib
import pkgutil
from typing import Callable, Dict, Optional


@dataclasses.dataclass
class Workload:
    name: str                      # short id, used on the command line (--only)
    title: str                     # one line for the table
    unit: str                      # "s", "ms", "us/op", "MB"
    # lib -> factory(smoke: bool) -> run_once() -> value or (value, extras)
    factories: Dict[str, Callable]
    # target ratios chainrule/lib (the issue's), e.g. {"torch": 1.0, "numpy": 1.15}
    targets: Dict[str, float] = dataclasses.field(default_factory=dict)
    repeats: int = 5               # measured repeats (median reported)
    warmup: int = 1                # repeats run and thrown away first
    fresh_process: bool = False    # one process per lib, run once (memory)
    threads: Optional[tuple] = None  # restrict to these thread counts (None: all)
    order: int = 100               # position in the table
    note: str = ""                 # data source etc., filled by the factory at run time


def all_workloads():
    """Every registered workload, in table order."""
    found = []
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_"):
            continue
        m = importlib.import_module(f"{__name__}.{mod.name}")
        if hasattr(m, "workloads"):
            found.extend(m.workloads())
    names = [w.name for w in found]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise RuntimeError(f"benchmark workloads registered twice: {sorted(dup)}")
    return sorted(found, key=lambda w: (w.order, w.name))


def get(name):
    for w in all_workloads():
        if w.name == name:
            return w
    raise KeyError(f"no benchmark workload named {name!r}; known: "
                   f"{', '.join(w.name for w in all_workloads())}")
