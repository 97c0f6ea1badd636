"""The docstring examples run: every module's `>>>` examples are doctested, and the public
names of every public module each carry a one-line summary and an example.

Each docstring runs in a fresh namespace holding `chainrule`, `torch` (= chainrule), `nn`,
`F` and `np`, with chainrule's generator and NumPy's seeded to 0 before it, so printed
random numbers are the same on every run. Output is compared with NORMALIZE_WHITESPACE and
ELLIPSIS. `# doctest: +SKIP` is allowed only for what needs MNIST, the network or several MPI
processes, and the line must say so in a comment before the directive.

Modules listed in PENDING_EXAMPLES are known not to run their examples yet; their cases are
strict xfails, so the day a module passes, its case fails until it is taken off the list.
`python tests/test_doctests.py` prints what each module still lacks.
"""
import doctest
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys

import numpy as np
import pytest

import chainrule

FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

# Modules whose import initialises MPI: their examples run in a fresh interpreter (a
# one-process MPI world), so MPI is never initialised inside the pytest process, whose
# tests also start mpiexec jobs.
ISOLATED = ("chainrule.distributed", "chainrule.utils.data.distributed",
            "chainrule.nn.parallel", "chainrule.nn.sync_batchnorm")

# What each module needs that may be absent (an optional extra): its case skips without it.
OPTIONAL = {"chainrule.playground.server": "aiohttp", "chainrule.playground.cli": "aiohttp"}

# What the examples of a module (and its submodules) run that an extra installs: without it
# their case skips (make test installs every extra, so there they run).
OPTIONAL_EXAMPLES = {"chainrule.distributed": "mpi4py", "chainrule.nn.parallel": "mpi4py",
                     "chainrule.nn.sync_batchnorm": "mpi4py", "chainrule.translate": "num2words",
                     "chainrule.viz": "matplotlib", "chainrule.demos": "matplotlib",
                     "chainrule.papers": "matplotlib", "chainrule.reproduce": "matplotlib",
                     "chainrule.cli": "matplotlib", "chainrule.playground": "aiohttp"}


# Modules whose examples are known not to run yet (e.g. docstrings being rewritten on another
# branch): strict xfails, so the day such a module passes its case fails until it is taken off.
PENDING_EXAMPLES = set()


def _all_modules():
    names = ["chainrule"] + sorted(m.name for m in pkgutil.walk_packages(
        chainrule.__path__, "chainrule.") if not m.name.endswith("__main__"))
    return names


def _is_private(name):
    return any(part.startswith("_") for part in name.split("."))


# Every public module: each of its public functions and classes must have a docstring with
# a one-line summary and a `>>>` example (methods may rely on their class's example).
COVERED = [name for name in _all_modules() if not _is_private(name)]


def _import(name):
    need = OPTIONAL.get(name)
    if need:
        pytest.importorskip(need, reason=f"{name} needs the optional {need}")
    return importlib.import_module(name)


def run_doctests(name):
    """Run the examples of module `name`: (number of docstrings with examples, failures)."""
    mod = importlib.import_module(name)
    failures = []
    tests = [t for t in doctest.DocTestFinder(exclude_empty=True).find(mod, name) if t.examples]
    for test in tests:
        test.globs = {"chainrule": chainrule, "torch": chainrule, "nn": chainrule.nn,
                      "F": chainrule.nn.functional, "np": np}
        chainrule.manual_seed(0)
        np.random.seed(0)
        out = []
        runner = doctest.DocTestRunner(optionflags=FLAGS)
        runner.run(test, out=out.append)
        if runner.failures:
            failures.append("".join(out))
    return len(tests), failures


def _check_doctests(name):
    if any(name == p or name.startswith(p + ".") for p in ISOLATED):
        code = ("import sys; sys.path[:0] = [%r]; import test_doctests as t; n, f = "
                "t.run_doctests(%r); print('\\n'.join(f)); sys.exit(1 if f else 0)"
                % (str(__import__("pathlib").Path(__file__).parent), name))
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=300)
        assert r.returncode == 0, f"{name}: examples failed\n{r.stdout[-6000:]}{r.stderr[-3000:]}"
        return
    n, failures = run_doctests(name)
    assert not failures, f"{name}: {len(failures)} of {n} docstrings fail\n" + "\n".join(failures)


def _cases(pending):
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="docstrings pending "
                                                    "on another branch")) if n in pending
            else n for n in _all_modules()]


@pytest.mark.parametrize("name", _cases(PENDING_EXAMPLES))
def test_examples_run(name):
    _import(name)
    for prefix, need in OPTIONAL_EXAMPLES.items():
        if name == prefix or name.startswith(prefix + "."):
            pytest.importorskip(need, reason=f"{name}'s examples need the optional {need}")
    _check_doctests(name)


# Public modules that are the documented door of private implementation modules.
REEXPORTS = {"chainrule.nn.functional": ("chainrule.nn._functional",
                                         "chainrule.nn._margin_losses",
                                         "chainrule.nn._functional_extra")}


def _public_names(name):
    """The public functions and classes that module `name` documents: those defined in it
    (restricted to __all__ where it has one), and those it re-exports from the private
    modules named in REEXPORTS."""
    mod = importlib.import_module(name)
    exported = getattr(mod, "__all__", None)
    homes = (name,) + REEXPORTS.get(name, ())
    out = {}
    for key, obj in vars(mod).items():
        if key.startswith("_") or (exported is not None and key not in exported):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ in homes:
            out[key] = obj
    return out


def _missing(name):
    bad = []
    for key, obj in _public_names(name).items():
        doc = inspect.getdoc(obj) if obj.__doc__ else None
        if not doc or not doc.splitlines()[0].strip():
            bad.append(f"{key}: no one-line summary")
        elif ">>>" not in doc:
            bad.append(f"{key}: no example")
    return bad


def test_every_covered_module_exists():
    for name in COVERED:
        importlib.import_module(name)
    assert not set(COVERED) & PENDING_EXAMPLES


@pytest.mark.parametrize("name", COVERED)
def test_public_names_have_summary_and_example(name):
    _import(name)
    bad = _missing(name)
    assert not bad, f"{name}:\n  " + "\n  ".join(bad)


_SKIP = re.compile(r"#\s*doctest:.*\+SKIP")


@pytest.mark.parametrize("name", COVERED)
def test_skips_say_why(name):
    """A skipped example names what it needs (MNIST, the network, MPI processes)."""
    src = inspect.getsource(importlib.import_module(name))
    for line in src.splitlines():
        if _SKIP.search(line):
            before = line[:line.index("doctest:")]
            assert re.search(r"MNIST|network|download|MPI|mpiexec|processes", before), (
                f"{name}: a +SKIP without a reason (MNIST / network / MPI): {line.strip()}")


def pending_coverage():
    """The public modules whose names lack a summary or an example, with what they lack."""
    out = {}
    for name in COVERED:
        try:
            bad = _missing(name)
        except ImportError:
            continue
        if bad:
            out[name] = bad
    return out


if __name__ == "__main__":  # python tests/test_doctests.py: what the rest still lacks
    for mod, bad in pending_coverage().items():
        print(f"{mod}: {len(bad)} names lack a summary or an example")


def _documented_modules():
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).parents[1] / "docs"))
    try:
        from build import PUBLIC
    finally:
        sys.path.pop(0)
    return [name for name, _ in PUBLIC]


@pytest.mark.parametrize("name", _documented_modules())
def test_api_reference_names_have_summary_and_example(name):
    """What a public module of the API reference offers, wherever it is defined (re-exports
    and functions made by factories included), has a summary and an example: it is what
    help(torch.xxx) shows."""
    mod = _import(name)
    exported = getattr(mod, "__all__", None)
    bad = []
    for key, obj in vars(mod).items():
        if key.startswith("_") or (exported is not None and key not in exported):
            continue
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if not str(getattr(obj, "__module__", "")).startswith("chainrule"):
            continue
        doc = inspect.getdoc(obj) if obj.__doc__ else None
        if not doc or not doc.splitlines()[0].strip() or ">>>" not in doc:
            bad.append(key)
    assert not bad, f"{name}: no summary or example for " + ", ".join(sorted(bad))

