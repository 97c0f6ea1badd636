"""`chainrule train` / `eval` robustness (issue 11, item 7): divergence keeps the last good
checkpoint, the output path is checked first, a checkpoint per epoch and --resume, Ctrl-C
saves what was trained, eval remembers the data folder, bad --models/--out are one line."""
import gzip
import struct

import numpy as np
import pytest

import chainrule
from chainrule import cli

BASE = ["train", "digits", "--model", "linear", "--limit", "200", "--batch-size", "50",
        "--no-progress", "--lr", "0.1"]


def _one_error_line(capsys):
    err = [ln for ln in capsys.readouterr().err.strip().splitlines() if ln]
    assert len(err) == 1 and err[0].startswith("chainrule: error: "), err
    return err[0]


def _patch_loss(monkeypatch, at_call, what):
    """Make the training loss misbehave on its at_call-th call (4 steps per epoch here)."""
    real = chainrule.nn.functional.cross_entropy
    calls = [0]

    def loss(*a, **k):
        calls[0] += 1
        if calls[0] == at_call:
            if what == "nan":
                return real(*a, **k) * float("nan")
            raise KeyboardInterrupt
        return real(*a, **k)
    monkeypatch.setattr(chainrule.nn.functional, "cross_entropy", loss)


def test_divergence_stops_and_keeps_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    out = tmp_path / "runs"
    _patch_loss(monkeypatch, 6, "nan")  # step 2 of epoch 2
    assert cli.main(BASE + ["--epochs", "3", "--out", str(out)]) == 2
    line = _one_error_line(capsys)
    assert "diverged" in line and "epoch 2" in line and "checkpoint of epoch 1" in line
    ck = chainrule.load(out / "digits-linear.safetensors")
    assert ck["epoch"] == 1 and len(ck["history"]["loss"]) == 1
    assert all(np.isfinite(v._data).all() for v in ck["model"].values())


def test_output_path_checked_before_training(tmp_path, capsys):
    f = tmp_path / "afile"
    f.write_text("x")
    assert cli.main(BASE + ["--out", str(f)]) == 2
    line = _one_error_line(capsys)
    assert "--out" in line and "is a file" in line
    capsys.readouterr()
    assert cli.main(["demo", "backprop", "--out", str(f)]) == 2
    assert "is a file" in _one_error_line(capsys)


def _weights(path):
    return {k: v._data for k, v in chainrule.load(path)["model"].items()}


def test_checkpoint_every_epoch_and_resume_continues_exactly(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    assert cli.main(BASE + ["--epochs", "4", "--out", str(a)]) == 0
    assert cli.main(BASE + ["--epochs", "2", "--out", str(b)]) == 0
    ck = chainrule.load(b / "digits-linear.safetensors")
    assert ck["epoch"] == 2 and ck["state"] == "complete" and "optimizer" in ck
    assert cli.main(BASE + ["--epochs", "4", "--out", str(b), "--resume"]) == 0
    wa, wb = _weights(a / "digits-linear.safetensors"), _weights(b / "digits-linear.safetensors")
    for k in wa:
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)
    assert chainrule.load(b / "digits-linear.safetensors")["history"]["loss"] == \
        chainrule.load(a / "digits-linear.safetensors")["history"]["loss"]
    capsys.readouterr()
    assert cli.main(BASE + ["--epochs", "4", "--out", str(b), "--resume"]) == 2
    assert "already trained 4 epochs" in _one_error_line(capsys)
    assert cli.main(BASE + ["--epochs", "5", "--out", str(tmp_path / "c"), "--resume"]) == 2
    assert "no checkpoint" in _one_error_line(capsys)
    assert cli.main(BASE[:-1] + ["0.2", "--epochs", "5", "--out", str(b), "--resume"]) == 2
    assert "other settings" in _one_error_line(capsys)


def test_ctrl_c_saves_what_was_trained(tmp_path, monkeypatch, capsys):
    out = tmp_path / "runs"
    _patch_loss(monkeypatch, 7, "interrupt")  # epoch 2, after 2 of its 4 steps
    assert cli.main(BASE + ["--epochs", "3", "--out", str(out)]) == 130
    text = capsys.readouterr().out
    assert "interrupted in epoch 2" in text and "--resume" in text
    ck = chainrule.load(out / "digits-linear.safetensors")
    assert ck["state"] == "interrupted" and ck["epoch"] == 1
    monkeypatch.undo()
    assert cli.main(BASE + ["--epochs", "3", "--out", str(out), "--resume"]) == 0
    assert chainrule.load(out / "digits-linear.safetensors")["epoch"] == 3


def _fake_mnist(root, n_train=120, n_test=60):
    rng = np.random.default_rng(0)
    root.mkdir()
    for split, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        with gzip.open(root / f"{split}-images-idx3-ubyte.gz", "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, 28, 28) + images.tobytes())
        with gzip.open(root / f"{split}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + labels.tobytes())


def test_eval_remembers_the_data_folder(tmp_path, monkeypatch, capsys):
    data = tmp_path / "mymnist"
    _fake_mnist(data)
    monkeypatch.chdir(tmp_path)  # ./data/mnist does not exist here
    monkeypatch.delenv("CHAINRULE_MNIST", raising=False)
    assert cli.main(["train", "mnist", "--model", "linear", "--epochs", "1", "--data",
                     str(data), "--out", "runs", "--no-progress"]) == 0
    capsys.readouterr()
    assert cli.main(["eval", "runs/mnist-linear.safetensors"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    import shutil
    shutil.move(str(data), str(tmp_path / "moved"))
    assert cli.main(["eval", "runs/mnist-linear.safetensors"]) == 2
    line = _one_error_line(capsys)
    assert "--data DIR" in line and "mymnist" in line
    assert cli.main(["eval", "runs/mnist-linear.safetensors", "--data",
                     str(tmp_path / "moved")]) == 0


def test_bad_models_and_out_for_reproduce_are_one_line(tmp_path, capsys):
    assert cli.main(["reproduce", "lecun1998", "--models", "linear,bogus", "--quick",
                     "--no-progress"]) == 2
    line = _one_error_line(capsys)
    assert "'bogus'" in line and "choose from" in line
    f = tmp_path / "file"
    f.write_text("x")
    assert cli.main(["reproduce", "lecun1998", "--models", "linear", "--out", str(f),
                     "--quick", "--no-progress"]) == 2
    assert "is a file" in _one_error_line(capsys)


def test_translate_figure_reports_its_path(tmp_path, capsys):
    pytest.importorskip("num2words")
    pytest.importorskip("matplotlib")
    model = str(tmp_path / "m")
    assert cli.main(["demo", "translate", "--quick", "--steps", "5", "--save", model,
                     "--no-progress"]) == 0
    capsys.readouterr()
    fig = tmp_path / "att.png"
    assert cli.main(["translate", "two", "--model", model, "--figure", str(fig)]) == 0
    assert f"cross-attention map: {fig}" in capsys.readouterr().out and fig.exists()


def test_progress_bars_off_when_not_a_terminal(monkeypatch):
    import io
    import sys
    from chainrule import reproduce
    from chainrule.demos._common import progress
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    for bar in (reproduce._bar(10, "x", True), progress(range(3), enabled=True)):
        assert getattr(bar, "disable", True) is True
    assert sys.stderr.getvalue() == ""
