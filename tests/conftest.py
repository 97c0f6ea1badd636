import os
import pathlib

import numpy as np
import pytest

import chainrule

# Real MNIST, when the project's shared data sits beside the checkout.
MNIST_DIR = pathlib.Path(os.environ.get(
    "CHAINRULE_MNIST", pathlib.Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mnist"))


@pytest.fixture(autouse=True)
def _seed():
    chainrule.manual_seed(0)
    np.random.seed(0)
    yield


@pytest.fixture
def one_blas_thread():
    """Single-threaded BLAS for the test (restored afterwards): small GEMMs gain nothing from
    BLAS threads, OpenBLAS's spinning threads make them 5-10x slower on a busy 2-core
    machine, and the numbers then do not depend on the thread count."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def mnist_dir():
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST not found at {MNIST_DIR} (set CHAINRULE_MNIST to its folder)")
    return MNIST_DIR
