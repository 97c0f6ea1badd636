"""The GPT-style decoder: the benchmark workload (same code, same weights in chainrule and
PyTorch -> same loss and gradients) and the examples/char_gpt.py script."""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import chainrule

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _gpt_workload():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from benchmarks.workloads import gpt
    return gpt


def test_gpt_workload_matches_torch():
    torch = pytest.importorskip("torch")
    gpt = _gpt_workload()
    (x, y), = gpt.batches(1)
    losses, grads = [], []
    for T in (chainrule, torch):
        model = gpt.build_gpt(T)
        loss = T.nn.CrossEntropyLoss()(model(T.from_numpy(x)).reshape(-1, gpt.VOCAB),
                                       T.from_numpy(y).reshape(-1))
        loss.backward()
        losses.append(float(loss.detach()))
        grads.append({n: p.grad.numpy() if T is torch else p.grad._data
                      for n, p in model.named_parameters()})
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert sorted(grads[0]) == sorted(grads[1])
    for n in grads[0]:
        np.testing.assert_allclose(grads[0][n], grads[1][n], rtol=2e-3, atol=2e-5, err_msg=n)


def test_gpt_workload_runs_a_training_step():
    gpt = _gpt_workload()
    w, = gpt.workloads()
    assert w.name == "gpt_train" and w.targets == {"torch": 1.0}  # issue 17 (was 1.3)
    ms, extra = w.factories["chainrule"](True)()
    assert ms > 0 and np.isfinite(extra["loss"])


def test_char_gpt_example_trains_and_samples(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("char_gpt", ROOT / "examples" / "char_gpt.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 40, encoding="utf-8")
    save = tmp_path / "m.safetensors"
    assert mod.main(["--text", str(text), "--max-steps", "3", "--minutes", "1", "--context",
                     "16", "--batch-size", "4", "--d-model", "16", "--layers", "1",
                     "--sample", "30", "--save", str(save)]) == 0
    out = capsys.readouterr().out
    assert "3 steps" in out and "--- sample ---" in out and save.exists()
    sample = out.split("--- sample ---\n")[1]
    assert len(sample.rstrip("\n")) >= 30 and set(sample) <= set("the cat sat on mat.\n")
    with pytest.raises(SystemExit, match="cannot read"):
        mod.main(["--text", str(tmp_path / "missing.txt")])


def test_char_gpt_model_is_causal():
    spec = importlib.util.spec_from_file_location("char_gpt", ROOT / "examples" / "char_gpt.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    chainrule.manual_seed(0)
    m = mod.CharGPT(10, 8, d_model=16, n_head=2, n_layer=2)
    a = chainrule.tensor([[1, 2, 3, 4, 5, 6]])
    b = chainrule.tensor([[1, 2, 3, 9, 9, 9]])
    with chainrule.no_grad():
        la, lb = m(a)._data, m(b)._data
    np.testing.assert_allclose(la[0, :3], lb[0, :3], rtol=1e-5, atol=1e-6)  # no peeking ahead
    assert not np.allclose(la[0, 3:], lb[0, 3:])
