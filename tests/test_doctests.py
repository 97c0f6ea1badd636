"""The docstring examples run: every module's `>>>` examples are doctested, and the public
names of the covered modules each carry a one-line summary and an example.

Each docstring runs in a fresh namespace holding `chainrule`, `torch` (= chainrule), `nn`,
`F` and `np`, with chainrule's generator and NumPy's seeded to 0 before it, so printed
random numbers are the same on every run. Output is compared with NORMALIZE_WHITESPACE and
ELLIPSIS. `# doctest: +SKIP` is allowed only for what needs MNIST, the network or several MPI
processes, and the line must say so in a comment before the directive.

Modules listed in PENDING_EXAMPLES / PENDING_COVERAGE are known not to meet the bar yet
(their docstrings are being written on other branches); their cases are strict xfails, so
the day a module passes, its case fails until it is taken off the list.
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

# The modules whose every public function and class must have a docstring with a one-line
# summary and a `>>>` example (methods may rely on their class's example).
COVERED = [
    "chainrule.creation", "chainrule.cuda", "chainrule.linalg", "chainrule.random",
    "chainrule.sparse", "chainrule.testing",
    "chainrule.datasets", "chainrule.datasets.digits", "chainrule.datasets.mnist",
    "chainrule.datasets.split", "chainrule.datasets.synthetic", "chainrule.datasets.transforms",
    "chainrule.distributions", "chainrule.distributions.bernoulli",
    "chainrule.distributions.beta", "chainrule.distributions.binomial",
    "chainrule.distributions.categorical", "chainrule.distributions.constraints",
    "chainrule.distributions.dirichlet", "chainrule.distributions.distribution",
    "chainrule.distributions.exponential", "chainrule.distributions.gamma",
    "chainrule.distributions.independent", "chainrule.distributions.kl",
    "chainrule.distributions.laplace", "chainrule.distributions.log_normal",
    "chainrule.distributions.multivariate_normal", "chainrule.distributions.normal",
    "chainrule.distributions.one_hot_categorical", "chainrule.distributions.poisson",
    "chainrule.distributions.transformed_distribution", "chainrule.distributions.transforms",
    "chainrule.distributions.uniform", "chainrule.distributions.utils",
    "chainrule.models", "chainrule.models.dbn", "chainrule.models.lenet",
    "chainrule.models.logistic", "chainrule.models.mlp", "chainrule.models.perceptron",
    "chainrule.models.rbm",
    "chainrule.nn.init", "chainrule.nn.utils.clip_grad",
    "chainrule.nn.utils.convert_parameters", "chainrule.nn.utils.parametrizations",
    "chainrule.nn.utils.parametrize", "chainrule.nn.utils.weight_norm",
    "chainrule.optim", "chainrule.optim.adagrad", "chainrule.optim.adam",
    "chainrule.optim.adaptive", "chainrule.optim.asgd", "chainrule.optim.lbfgs",
    "chainrule.optim.lr_scheduler", "chainrule.optim.optimizer", "chainrule.optim.rmsprop",
    "chainrule.optim.rprop", "chainrule.optim.sgd", "chainrule.optim.sparse_adam",
    "chainrule.utils.data", "chainrule.utils.data.dataloader", "chainrule.utils.data.dataset",
    "chainrule.utils.data.distributed", "chainrule.utils.data.sampler",
    # issue 16: docstrings of the ops
    "chainrule.functions.elementwise", "chainrule.functions.special_more",
    "chainrule.functions.special", "chainrule.functions.dual", "chainrule.functions.products",
    "chainrule.functions.linalg",
    # issue 16: the nn library, autograd, the Tensor and the small modules
    "chainrule", "chainrule.amp", "chainrule.amp.autocast_mode", "chainrule.amp.grad_scaler",
    "chainrule.autograd", "chainrule.autograd.anomaly_mode", "chainrule.autograd.engine",
    "chainrule.autograd.function", "chainrule.autograd.functional",
    "chainrule.autograd.grad_mode", "chainrule.autograd.gradcheck",
    "chainrule.autograd.variable", "chainrule.backends", "chainrule.backends.cuda",
    "chainrule.backends.cudnn", "chainrule.backends.mps", "chainrule.cuda.amp",
    "chainrule.dtypes", "chainrule.fft", "chainrule.masked", "chainrule.nn",
    "chainrule.nn.activation", "chainrule.nn.activation_more", "chainrule.nn.adaptive",
    "chainrule.nn.containers", "chainrule.nn.conv", "chainrule.nn.distance",
    "chainrule.nn.dropout", "chainrule.nn.functional", "chainrule.nn.lazy",
    "chainrule.nn.linear", "chainrule.nn.linear_cross_entropy", "chainrule.nn.local_response",
    "chainrule.nn.loss", "chainrule.nn.module", "chainrule.nn.modules",
    "chainrule.nn.modules.utils", "chainrule.nn.normalization", "chainrule.nn.padding",
    "chainrule.nn.parameter", "chainrule.nn.pooling", "chainrule.nn.positional",
    "chainrule.nn.resample", "chainrule.nn.rnn", "chainrule.nn.sparse",
    "chainrule.nn.transformer", "chainrule.nn.utils", "chainrule.nn.utils.rnn",
    "chainrule.signal", "chainrule.signal.windows", "chainrule.tensor",
    "chainrule.tensor_types", "chainrule.type_info",
    # issue 16: shapes, reductions, indexing, decompositions and the nn ops
    "chainrule.functions", "chainrule.functions.shape", "chainrule.functions.reduce",
    "chainrule.functions.decomp", "chainrule.functions.gap_a", "chainrule.functions.index",
    "chainrule.functions.conv", "chainrule.functions.resample",
    "chainrule.functions.pool_indices", "chainrule.functions.inplace_shape",
    "chainrule.functions.inplace", "chainrule.functions.nn_ops",
    "chainrule.functions.embedding_bag", "chainrule.functions.rnn", "chainrule.functions.fold",
    "chainrule.functions.ctc", "chainrule.functions.attention",
    # issue 16: distributed, demos, translator, viz, papers, playground and the CLI
    "chainrule.distributed", "chainrule.distributed.collectives",
    "chainrule.distributed.process_group", "chainrule.distributed.run",
    "chainrule.distributed.nn", "chainrule.distributed.nn.functional", "chainrule.nn.parallel",
    "chainrule.nn.parallel.data_parallel", "chainrule.nn.parallel.distributed",
    "chainrule.nn.sync_batchnorm", "chainrule.demos", "chainrule.demos.all",
    "chainrule.demos.backprop", "chainrule.demos.digits", "chainrule.demos.gradcheck",
    "chainrule.demos.logreg", "chainrule.demos.perceptron", "chainrule.demos.train",
    "chainrule.demos.training", "chainrule.demos.xor", "chainrule.translate",
    "chainrule.translate.cli", "chainrule.translate.compare", "chainrule.translate.data",
    "chainrule.translate.decode", "chainrule.translate.model", "chainrule.translate.rnn_model",
    "chainrule.translate.tokenizer", "chainrule.translate.train", "chainrule.viz",
    "chainrule.viz.graph", "chainrule.viz.plots", "chainrule.viz.report",
    "chainrule.viz.trace", "chainrule.papers", "chainrule.papers.hinton2006",
    "chainrule.papers.ioffe2015", "chainrule.reproduce", "chainrule.distributions.cauchy",
    "chainrule.distributions.counts", "chainrule.distributions.extreme",
    "chainrule.distributions.mixture", "chainrule.distributions.student_t",
    "chainrule.playground", "chainrule.playground.cli", "chainrule.playground.export",
    "chainrule.playground.report", "chainrule.playground.server",
    "chainrule.playground.session", "chainrule.surface", "chainrule.cli",
    "chainrule.serialization", "chainrule.torch_checkpoint",
]

# Modules whose examples are known not to run yet (e.g. docstrings being rewritten on another
# branch): strict xfails, so the day such a module passes its case fails until it is taken off.
PENDING_EXAMPLES = set()


def _all_modules():
    names = ["chainrule"] + sorted(m.name for m in pkgutil.walk_packages(
        chainrule.__path__, "chainrule.") if not m.name.endswith("__main__"))
    return names


def _is_private(name):
    return any(part.startswith("_") for part in name.split("."))


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
    """The public modules outside COVERED, with what they lack (for the report)."""
    out = {}
    for name in _all_modules():
        if name in COVERED or _is_private(name):
            continue
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

