"""The lecture, runnable: one module per demo, each with
``run(out, quick=False, seed=0, progress=True) -> DemoResult`` (figures written into `out`,
the measured numbers in ``result.numbers``). ``demos.all.run_all`` runs them all and writes
the HTML report.

    >>> from chainrule.demos import ORDER, run_demo
    >>> ORDER
    ('backprop', 'perceptron', 'logreg', 'xor', 'digits', 'gradcheck', 'training')
"""
import importlib

from ._common import DemoResult

# In lecture order.
ORDER = ("backprop", "perceptron", "logreg", "xor", "digits", "gradcheck", "training")


def run_demo(name, out="chainrule-demo", quick=False, seed=0, progress=True):
    """Run the demo called `name` (one of ORDER) and return its DemoResult.

    >>> import tempfile
    >>> from chainrule.demos import run_demo
    >>> res = run_demo("backprop", out=tempfile.mkdtemp(), progress=False)
    >>> res.title
    'Backpropagation: the worked example f = (x + y) z'
    >>> res.numbers["grads"]
    {'x': 3.0, 'y': 3.0, 'z': -1.0, 'q': 3.0}
    """
    if name not in ORDER:
        raise ValueError(f"unknown demo {name!r}; choose from {', '.join(ORDER)}")
    mod = importlib.import_module(f"{__name__}.{name}")
    return mod.run(out=out, quick=quick, seed=seed, progress=progress)


__all__ = ["run_demo", "ORDER", "DemoResult"]
