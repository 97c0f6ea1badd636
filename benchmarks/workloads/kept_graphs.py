"""Memory of kept graphs (issue 11, item 9): a training loop that appends `loss` (the
tensor, not `loss.item()`) to a list for 5,000 steps. Each kept loss keeps its graph; after
backward that graph must hold only structure (PyTorch's grad_fn chain), not activations.
The value is the RSS growth per 1,000 steps (MiB), measured after steps 1,000 and 5,000 in
a fresh process; target: within 1.5x of PyTorch's. Not timed.

    python benchmarks/run.py --only kept_graph_memory --threads 1 --no-write
"""
import gc
import importlib

from .. import common
from . import Workload

STEPS, EVERY = 5000, 1000
SMOKE_STEPS, SMOKE_EVERY = 60, 20


def _factory(lib):
    def factory(smoke):
        T = importlib.import_module(lib)
        T.manual_seed(0)
        nn = T.nn
        model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
        opt = T.optim.SGD(model.parameters(), lr=0.01)
        y = T.randint(0, 10, (64,))
        steps, every = (SMOKE_STEPS, SMOKE_EVERY) if smoke else (STEPS, EVERY)

        def run():
            losses, marks = [], []
            for step in range(1, steps + 1):
                loss = nn.functional.cross_entropy(model(T.randn(64, 64)), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(loss)  # the tensor: its graph stays alive
                if step % every == 0:
                    gc.collect()
                    marks.append(common.rss_mb())
            growth = (marks[-1] - marks[0]) / (len(marks) - 1) * (EVERY / every)
            return max(growth, 1e-3), {"rss_mb": [round(m, 1) for m in marks],
                                       "kept": len(losses)}
        return run
    return factory


def workloads():
    return [Workload("kept_graph_memory",
                     "RSS growth per 1,000 steps, every loss tensor kept in a list (5,000 "
                     "steps, MLP 64-128-10)", "MB",
                     {lib: _factory(lib) for lib in ("chainrule", "torch")},
                     targets={"torch": 1.5}, repeats=1, warmup=0, fresh_process=True,
                     threads=(1,), order=41)]
