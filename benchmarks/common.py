"""Shared pieces of the benchmark workloads: data, initial weights, threads, timing.

Nothing here imports chainrule or torch: each library's worker process imports only the
library it measures, so the memory workload sees one library per process.
"""
import gzip
import os
import pathlib
import time

import numpy as np

MNIST_DIR = pathlib.Path(os.environ.get("CHAINRULE_MNIST", "/work/shared/data/mnist"))
if not MNIST_DIR.exists():  # a clone elsewhere: shared/ beside the repository
    MNIST_DIR = pathlib.Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"

LIBS = ("chainrule", "torch", "numpy")
LAYERS = (784, 512, 256, 10)
BATCH = 128
# MNIST's pixel mean and standard deviation, the usual normalisation.
MEAN, STD = 0.1307, 0.3081


def _read_idx(path, n=None):
    """A tiny IDX reader (magic number, dims, uint8 payload); enough for MNIST. With n,
    only the first n items are decompressed."""
    with gzip.open(path, "rb") as f:
        head = f.read(4)
        ndim = head[3]
        dims = [int.from_bytes(f.read(4), "big") for _ in range(ndim)]
        if n is not None:
            dims[0] = min(dims[0], n)
        count = int(np.prod(dims))
        data = np.frombuffer(f.read(count), np.uint8)
    if data.size != count:
        raise ValueError(f"{path}: expected {dims} elements, found {data.size}")
    return data.reshape(dims)


_CACHE = {}


def mnist_train(n=None):
    """(X float32 [n, 784] normalised, y int64 [n], source): real MNIST when the IDX files
    are there, else random data of the same shape (source says which)."""
    if n in _CACHE:
        return _CACHE[n]
    img = MNIST_DIR / "train-images-idx3-ubyte.gz"
    lab = MNIST_DIR / "train-labels-idx1-ubyte.gz"
    if img.exists() and lab.exists():
        X = _read_idx(img, n).reshape(-1, 784)
        y = _read_idx(lab, n).astype(np.int64)
        source = "MNIST train (60,000 images)" if n is None else f"MNIST train[:{n}]"
    else:
        rng = np.random.default_rng(0)
        m = 60000 if n is None else n
        X = rng.integers(0, 256, (m, 784), dtype=np.uint8)
        y = rng.integers(0, 10, m).astype(np.int64)
        source = f"random uint8 images ({m}x784; MNIST files not found)"
    # One fixed shuffle, the same for every library: batches are contiguous slices.
    # Shuffle the uint8 bytes, then normalise in place: no float temporaries, so the
    # loading peak stays small next to the training's memory.
    perm = np.random.default_rng(1).permutation(len(X))
    X, y = X[perm], y[perm]
    Xf = X.astype(np.float32)
    del X
    Xf *= 1.0 / 255.0
    Xf -= MEAN
    Xf *= 1.0 / STD
    out = (Xf, np.ascontiguousarray(y), source)
    _CACHE[n] = out
    return out


def init_weights(layers=LAYERS, seed=0):
    """[(W [out, in], b [out]), ...] float32, PyTorch's default Linear init
    (uniform in +-1/sqrt(fan_in)); every library starts from these same arrays."""
    rng = np.random.default_rng(seed)
    out = []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        bound = 1.0 / np.sqrt(fan_in)
        W = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, fan_out).astype(np.float32)
        out.append((W, b))
    return out


def set_threads(lib, n):
    """Pin the BLAS / intra-op thread count for this process (NumPy's BLAS through
    threadpoolctl; PyTorch through torch.set_num_threads)."""
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=n)
    except ImportError:  # the driver's *_NUM_THREADS variables still apply
        limiter = None
    if lib == "torch":
        import torch
        torch.set_num_threads(n)
    return limiter


def rss_mb():
    """Resident set size of this process now, in MiB (psutil, or /proc on Linux)."""
    try:
        import psutil
        return psutil.Process().memory_info().rss / 2**20
    except ImportError:
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise


def reset_peak_rss():
    """Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM).
    Returns False where that is not possible (then the peak covers the whole process)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb():
    """Peak resident set size since reset_peak_rss() (else since the process started)."""
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


timer = time.perf_counter
_last = {}


def tic():
    """Start a measurement: wall clock and this process's CPU time."""
    return time.perf_counter(), time.process_time()


def toc(t0):
    """Wall seconds since tic(); the CPU seconds are kept for the worker to report
    (on a shared machine CPU time is the less noisy figure for 1-thread runs)."""
    wall = time.perf_counter() - t0[0]
    _last["wall"], _last["cpu"] = wall, time.process_time() - t0[1]
    return wall


def last_cpu_over_wall():
    """CPU time / wall time of the last tic-toc measurement (None if there was none)."""
    if not _last or not _last["wall"]:
        return None
    r = _last["cpu"] / _last["wall"]
    _last.clear()
    return r
