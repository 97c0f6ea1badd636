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
def mnist_dir():
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.skip(f"MNIST not found at {MNIST_DIR} (set CHAINRULE_MNIST to its folder)")
    return MNIST_DIR
