"""What every demo returns, and the small helpers they share."""
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np


@dataclass
class DemoResult:
    """One demo's outcome: a summary (the measured facts, one per line), the numbers
    behind it, the PNG files it wrote, and optional extra HTML (tables) for the report."""
    name: str
    title: str
    summary: list = field(default_factory=list)
    numbers: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    html: str = ""
    seconds: float = 0.0
    details: str = ""     # longer text the CLI prints after the summary (e.g. a trace)

    def text(self):
        lines = [f"== {self.title} ({self.seconds:.1f} s) =="]
        lines += [f"  {s}" for s in self.summary]
        if self.details:
            lines += ["", self.details, ""]
        lines += [f"  figure: {f}" for f in self.figures]
        return "\n".join(lines)


class timed:
    """Context manager that stores the elapsed seconds into result.seconds."""

    def __init__(self, result):
        self.result = result

    def __enter__(self):
        self.t0 = time.perf_counter()
        return self.result

    def __exit__(self, *exc):
        self.result.seconds = time.perf_counter() - self.t0
        return False


def outdir(path):
    os.makedirs(path, exist_ok=True)
    return path


def progress(iterable=None, total=None, desc=None, enabled=True, leave=False):
    """A tqdm bar on stderr when enabled and stderr is a terminal, else the plain iterable."""
    if not enabled:
        return iterable if iterable is not None else range(total)
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        return iterable if iterable is not None else range(total)
    # disable=None: bars on a terminal, none when stderr goes to a file or a CI log
    return tqdm(iterable if iterable is not None else range(total), total=total, desc=desc,
                leave=leave, file=sys.stderr, dynamic_ncols=True, mininterval=0.3,
                disable=None)


def np_rng(seed):
    """A NumPy Generator for data the demo itself makes (seeded: runs are reproducible)."""
    return np.random.default_rng(seed)


def pct(x):
    return f"{100.0 * x:.1f}%"
