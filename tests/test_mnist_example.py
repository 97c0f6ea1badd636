"""examples/mnist_mlp.py: runs, checkpoints every epoch, and --resume reproduces the
uninterrupted loss curve exactly (on tiny IDX files built here, so no MNIST is needed)."""
import gzip
import importlib.util
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import chainrule

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "mnist_mlp.py"

pytestmark = pytest.mark.usefixtures("one_blas_thread")  # conftest.py


@pytest.fixture(scope="module")
def mm():
    spec = importlib.util.spec_from_file_location("mnist_mlp_example", EXAMPLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _idx(arr):
    head = bytes([0, 0, 0x08, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return head + arr.astype(np.uint8).tobytes()


@pytest.fixture
def tiny_mnist(tmp_path):
    """A learnable miniature MNIST: class c lights up row block c of a noisy image."""
    rng = np.random.default_rng(0)
    root = tmp_path / "mnist"
    root.mkdir()
    for prefix, n in (("train", 320), ("t10k", 100)):
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        imgs = rng.integers(0, 60, size=(n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(labels):
            imgs[i, 2 * c + 4: 2 * c + 6, 4:24] = 250
        (root / f"{prefix}-images-idx3-ubyte.gz").write_bytes(gzip.compress(_idx(imgs)))
        (root / f"{prefix}-labels-idx1-ubyte.gz").write_bytes(gzip.compress(_idx(labels)))
    return root


def _args(data, out, *extra):
    return ["--data", str(data), "--out", str(out), "--epochs", "3", "--batch-size", "32",
            "--no-progress", *extra]


def _curve(h):
    return {k: v for k, v in h.items() if k != "epoch_time"}


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_resume_reproduces_loss_curve_exactly(mm, tiny_mnist, tmp_path, opt):
    full = mm.main(_args(tiny_mnist, tmp_path / "full", "--optim", opt))
    assert len(full["batch_loss"]) == 3 * 10 and len(full["test_acc"]) == 3
    part = mm.main(_args(tiny_mnist, tmp_path / "part", "--optim", opt, "--stop-after", "2"))
    assert len(part["train_loss"]) == 2
    ck = chainrule.load(tmp_path / "part" / mm.CHECKPOINT)
    assert ck["epoch"] == 2 and set(ck) >= {"model", "optimizer", "rng", "history", "args"}
    chainrule.manual_seed(12345)  # the resumed run must not depend on the process's RNG
    resumed = mm.main(_args(tiny_mnist, tmp_path / "part", "--optim", opt, "--resume"))
    assert _curve(resumed) == _curve(full)  # bit-for-bit equal floats
    # ... and the final weights agree exactly too.
    a = chainrule.load(tmp_path / "full" / mm.CHECKPOINT)["model"]
    b = chainrule.load(tmp_path / "part" / mm.CHECKPOINT)["model"]
    for k in a:
        np.testing.assert_array_equal(a[k]._data, b[k]._data, err_msg=k)
    # The model learned the miniature task (the run is a real training run).
    assert full["test_acc"][-1] >= 0.9


def test_crash_mid_epoch_then_resume(mm, tiny_mnist, tmp_path, monkeypatch):
    full = mm.main(_args(tiny_mnist, tmp_path / "full"))
    real_step, calls = mm.train_step, [0]

    def crashing_step(*a, **k):
        calls[0] += 1
        if calls[0] == 25:  # the 5th batch of epoch 3
            raise KeyboardInterrupt
        return real_step(*a, **k)

    monkeypatch.setattr(mm, "train_step", crashing_step)
    with pytest.raises(KeyboardInterrupt):
        mm.main(_args(tiny_mnist, tmp_path / "crash"))
    monkeypatch.setattr(mm, "train_step", real_step)
    assert chainrule.load(tmp_path / "crash" / mm.CHECKPOINT)["epoch"] == 2
    assert os.listdir(tmp_path / "crash") == [mm.CHECKPOINT]
    resumed = mm.main(_args(tiny_mnist, tmp_path / "crash", "--resume"))
    assert _curve(resumed) == _curve(full)


def test_resume_refuses_other_settings(mm, tiny_mnist, tmp_path):
    mm.main(_args(tiny_mnist, tmp_path / "r", "--stop-after", "1"))
    with pytest.raises(SystemExit, match="--lr"):
        mm.main(_args(tiny_mnist, tmp_path / "r", "--resume", "--lr", "0.5"))
    with pytest.raises(SystemExit, match="no checkpoint"):
        mm.main(_args(tiny_mnist, tmp_path / "empty", "--resume"))


def test_missing_data_names_the_file(mm, tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        mm.main(_args(tmp_path / "nothing", tmp_path / "o"))


def test_cli_progress_bar_and_checkpoint(tiny_mnist, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(EXAMPLE.parents[1] / "src"))
    r = subprocess.run([sys.executable, str(EXAMPLE), "--data", str(tiny_mnist), "--out",
                        str(tmp_path / "cli"), "--epochs", "1", "--batch-size", "64",
                        "--optim", "adam", "--threads", "1"],
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    assert "epoch  1/1" in r.stdout and "final test accuracy" in r.stdout
    # tqdm's bar (on stderr) shows the running loss and accuracy.
    assert "loss=" in r.stderr and "acc=" in r.stderr and "batch" in r.stderr
    ck = chainrule.load(tmp_path / "cli" / "checkpoint.safetensors")
    assert ck["epoch"] == 1 and ck["args"]["optim"] == "adam"
    assert ck["model"]["0.weight"].shape == (512, 784)
    assert ck["model"]["4.weight"].shape == (10, 256)
    assert len(ck["history"]["batch_loss"]) == 5
