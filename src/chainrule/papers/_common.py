"""What the MNIST reproductions share: finding and loading the data (pixels in [0, 1]),
the test error, one BLAS thread per process, and running independent trainings in
parallel worker processes."""
import os
import sys
import time

import numpy as np


def mnist_candidates(arg=None):
    """Where MNIST may be: --data, $CHAINRULE_MNIST, ./data/mnist, then shared/data/mnist
    beside the checkout (the project's layout)."""
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", "..", ".."))
    return [arg, os.environ.get("CHAINRULE_MNIST"), os.path.join("data", "mnist"),
            os.path.join(repo, "..", "shared", "data", "mnist"),
            os.path.join(repo, "shared", "data", "mnist")]


def find_mnist(arg=None):
    """The first folder holding MNIST's training images, or None. An explicit `arg` is
    returned as given (the loader then names any missing file: no silent fallback)."""
    if arg:
        return arg
    for root in mnist_candidates():
        if root and os.path.exists(os.path.join(root, "train-images-idx3-ubyte.gz")):
            return root
    return None


_CACHE = {}


def load_mnist01(data=None, train_limit=None, test_limit=None):
    """(Xtr, ytr, Xte, yte): float32 (N, 784) pixels in [0, 1] (what an RBM's Bernoulli
    visible units model) and int64 labels; FileNotFoundError naming the folder if absent."""
    from ..datasets import load_mnist
    root = find_mnist(data)
    if root is None:
        where = data or ", ".join(p for p in mnist_candidates() if p)
        raise FileNotFoundError(f"MNIST not found (looked in {where}); pass --data DIR with "
                                f"the four IDX .gz files, or set CHAINRULE_MNIST")
    key = os.path.abspath(root)
    if key not in _CACHE:  # the report runs several trainings in one process: decode once
        Xtr, ytr = load_mnist(root, train=True, flatten=True, scale=True)
        Xte, yte = load_mnist(root, train=False, flatten=True, scale=True)
        _CACHE.clear()
        _CACHE[key] = (Xtr.numpy(), ytr.numpy(), Xte.numpy(), yte.numpy())
    Xtr, ytr, Xte, yte = _CACHE[key]
    if train_limit:
        Xtr, ytr = Xtr[:train_limit], ytr[:train_limit]
    if test_limit:
        Xte, yte = Xte[:test_limit], yte[:test_limit]
    return (np.ascontiguousarray(Xtr, dtype=np.float32), ytr.astype(np.int64),
            np.ascontiguousarray(Xte, dtype=np.float32), yte.astype(np.int64))


def test_error(model, X, y, batch=2000):
    """Percentage of misclassified rows (eval mode, no graph; train mode restored)."""
    import chainrule
    was = model.training
    model.eval()
    wrong = 0
    with chainrule.no_grad():
        for i in range(0, len(X), batch):
            out = model(chainrule.from_numpy(X[i:i + batch])).numpy()
            wrong += int((out.argmax(1) != y[i:i + batch]).sum())
    model.train(was)
    return 100.0 * wrong / len(X)


def one_blas_thread():
    """Limit BLAS to one thread in this process (the budget is 1 thread per process);
    returns the limiter (keep it alive) or None without threadpoolctl."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return None
    return threadpool_limits(1, user_api="blas")


def blas_threads():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:  # pragma: no cover
        return None
    return max([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"] or [1])


def _worker_init():
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    global _LIMIT
    _LIMIT = one_blas_thread()


def run_parallel(fn, tasks, jobs, log=print):
    """Run fn(**task) for each task dict, in `jobs` worker processes (1 BLAS thread each;
    jobs=1: here, in order). Tasks are started in the order given, so list the longest
    first. Returns the results in task order; a failing task raises here."""
    if jobs <= 1 or len(tasks) <= 1:
        limit = one_blas_thread()  # noqa: F841
        try:
            return [fn(**t) for t in tasks]
        finally:
            if limit is not None:
                limit.restore_original_limits()
    import concurrent.futures as cf
    import multiprocessing as mp
    env_before = os.environ.get("OPENBLAS_NUM_THREADS")
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # spawned children read it at import
    try:
        ctx = mp.get_context("spawn")
        with cf.ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), mp_context=ctx,
                                    initializer=_worker_init) as pool:
            futures = [pool.submit(fn, **t) for t in tasks]
            t0 = time.perf_counter()
            for f in cf.as_completed(futures):
                r = f.result()
                log(f"  finished {r.get('name', '?')} after {time.perf_counter() - t0:.0f} s")
            return [f.result() for f in futures]
    finally:
        if env_before is None:
            os.environ.pop("OPENBLAS_NUM_THREADS", None)
        else:
            os.environ["OPENBLAS_NUM_THREADS"] = env_before


def stderr_log(msg):
    print(msg, file=sys.stderr, flush=True)
