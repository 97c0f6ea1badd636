"""examples/char_rnn.py: a tiny run trains, checkpoints, resumes and samples."""
import importlib.util
import pathlib

import numpy as np
import pytest

import chainrule

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("char_rnn", ROOT / "examples" / "char_rnn.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_char_rnn_trains_checkpoints_resumes_and_samples(tmp_path, capsys):
    mod = _module()
    text = tmp_path / "t.txt"
    text.write_text("the cat sat on the mat. " * 80, encoding="utf-8")
    ckpt = tmp_path / "ckpt"
    small = ["--text", str(text), "--minutes", "1", "--bptt", "16", "--batch-size", "4",
             "--emb", "8", "--hidden", "16", "--sample", "30"]
    assert mod.main(small + ["--max-steps", "40", "--save", str(ckpt)]) == 0
    out = capsys.readouterr().out
    assert "40 steps" in out and "--- sample ---" in out
    assert (ckpt / "weights.safetensors").exists() and (ckpt / "meta.json").exists()
    first_loss = float(out.split("train loss ")[1].split(",")[0])
    sample = out.split("--- sample ---\n")[1]
    assert len(sample.rstrip("\n")) >= 30 and set(sample) <= set("the cat sat on mat.\nI")
    assert mod.main(small + ["--max-steps", "40", "--resume", str(ckpt), "--save",
                             str(ckpt)]) == 0
    out = capsys.readouterr().out
    assert "resumed at step 40" in out and "(step 80)" in out
    assert float(out.split("train loss ")[1].split(",")[0]) < first_loss
    with pytest.raises(SystemExit, match="cannot read"):
        mod.main(["--text", str(tmp_path / "missing.txt")])


def test_char_rnn_generate_carries_the_state():
    mod = _module()
    chainrule.manual_seed(0)
    m = mod.CharRNN(7, emb=4, hidden=8, n_layer=2)
    m.eval()
    ids = m.generate([1, 2, 3], 5, generator=0)
    assert ids[:3] == [1, 2, 3] and len(ids) == 8
    # the state carried one character at a time equals running the whole sequence
    with chainrule.no_grad():
        full, _ = m(chainrule.tensor([ids]))
        part, state = m(chainrule.tensor([ids[:4]]))
        rest, _ = m(chainrule.tensor([ids[4:]]), state)
    np.testing.assert_allclose(full._data[0, 4:], rest._data[0], rtol=1e-5, atol=1e-6)
