"""The `chainrule` command: --help everywhere, one-line errors, train / eval, plug-ins."""
import os
import subprocess
import sys
import types

import pytest

from chainrule import cli

SUBCOMMANDS = [[], ["demo"], ["train"], ["eval"], ["demo", "all"]] + \
    [["demo", d] for d in cli.DEMOS]


def run_cli(*args, cwd=None, timeout=120):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=cwd, env=env)


def _one_line_error(r):
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error:" in ln]
    assert len(errors) == 1, r.stderr
    return errors[0]


@pytest.mark.parametrize("args", SUBCOMMANDS, ids=lambda a: " ".join(a) or "chainrule")
def test_help(args, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main([*args, "--help"])
    assert e.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: chainrule")
    if args == ["demo"]:
        for d in list(cli.DEMOS) + ["all"]:
            assert d in out


def test_help_subprocess_and_version():
    r = run_cli("--help")
    assert r.returncode == 0 and "demo" in r.stdout and "train" in r.stdout
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("chainrule ")


@pytest.mark.parametrize("args,needle", [
    ([], "required"),
    (["demo"], "required"),
    (["demo", "nope"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
    (["train", "imagenet"], "invalid choice"),
    (["train", "digits", "--epochs", "0"], "positive integer"),
    (["train", "digits", "--epochs", "many"], "positive integer"),
    (["train", "digits", "--lr", "-1"], "positive number"),
    (["demo", "xor", "--seed", "x"], "invalid int"),
    (["eval"], "required"),
])
def test_bad_arguments_one_line(args, needle, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if "error:" in ln]
    assert len(errors) == 1 and needle in errors[0], err


def test_bad_argument_in_a_real_process():
    line = _one_line_error(run_cli("train", "digits", "--epochs", "0"))
    assert "positive integer" in line


def test_missing_and_bad_files_one_line(tmp_path, capsys):
    line = _one_line_error(run_cli("eval", str(tmp_path / "missing.safetensors")))
    assert "missing.safetensors" in line

    def main_error(*args):
        assert cli.main(list(args)) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("chainrule: error: "), err
        return err[0]
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x80\x04 definitely a pickle")
    assert "bad.safetensors" in main_error("eval", str(bad))
    line = main_error("train", "mnist", "--data", str(tmp_path / "nowhere"))
    assert "MNIST" in line and "--data" in line
    assert "train-images-idx3-ubyte.gz" in main_error("train", "mnist", "--data", str(tmp_path))


def test_eval_refuses_foreign_checkpoint(tmp_path, capsys):
    import chainrule
    p = tmp_path / "w.safetensors"
    chainrule.save({"weight": chainrule.zeros(2)}, str(p))
    assert cli.main(["eval", str(p)]) == 2
    err = capsys.readouterr().err
    assert "not a checkpoint written by `chainrule train`" in err


def test_train_then_eval_digits(tmp_path, capsys):
    out = tmp_path / "runs"
    rc = cli.main(["train", "digits", "--model", "linear", "--epochs", "2", "--limit", "400",
                   "--out", str(out), "--no-progress", "--lr", "0.1"])
    assert rc == 0
    text = capsys.readouterr().out
    ckpt = out / "digits-linear.safetensors"
    assert ckpt.exists() and (out / "digits-linear-curve.png").exists()
    acc_line = [ln for ln in text.splitlines() if ln.startswith("test accuracy:")][0]
    acc = float(acc_line.split()[-1].rstrip("%"))
    assert acc > 70
    # eval in a fresh process reproduces the same accuracy from the checkpoint alone
    r = run_cli("eval", str(ckpt))
    assert r.returncode == 0, r.stderr
    assert f"test accuracy {acc:.2f}%" in r.stdout


def test_train_mnist_when_available(tmp_path, mnist_dir, capsys):
    rc = cli.main(["train", "mnist", "--model", "linear", "--epochs", "1", "--limit", "2000",
                   "--data", str(mnist_dir), "--out", str(tmp_path), "--no-progress"])
    assert rc == 0
    assert cli.main(["eval", str(tmp_path / "mnist-linear.safetensors"),
                     "--data", str(mnist_dir)]) == 0
    out = capsys.readouterr().out
    acc = float(out.strip().splitlines()[-1].split("test accuracy ")[1].split("%")[0])
    assert acc > 75


def test_demo_subcommand_prints_numbers(tmp_path):
    r = run_cli("demo", "backprop", "--out", str(tmp_path), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "q = x + y = -1, f = q z = -3" in r.stdout
    assert "df/dx = 3, df/dy = 3" in r.stdout
    assert (tmp_path / "backprop_graph.png").exists()


def test_plugins_register_commands_and_demos(monkeypatch, capsys):
    mod = types.ModuleType("chainrule_test_plugin")
    seen = {}

    def register(sub):
        p = sub.add_parser("hello", help="say hello")
        p.add_argument("--name", default="world")
        p.set_defaults(func=lambda a: print(f"hello {a.name}") or 0)

    def register_demo(dsub):
        p = dsub.add_parser("extra", help="an extra demo")
        p.set_defaults(func=lambda a: seen.setdefault("ran", True) and 0)

    mod.register, mod.register_demo = register, register_demo
    monkeypatch.setitem(sys.modules, "chainrule_test_plugin", mod)
    monkeypatch.setattr(cli, "OPTIONAL_COMMANDS", ("chainrule_test_plugin",
                                                   "chainrule_absent_plugin"))
    assert cli.main(["hello", "--name", "lecture"]) == 0
    assert "hello lecture" in capsys.readouterr().out
    assert cli.main(["demo", "extra"]) == 0
    assert seen["ran"]


def test_optional_plugins(monkeypatch, tmp_path):
    assert cli._optional("chainrule_absent_plugin") is None
    # a plug-in whose optional dependency is not installed is skipped ...
    (tmp_path / "chainrule_needs_extra.py").write_text("import a_missing_extra_package_xyz\n")
    # ... but a plug-in with a real bug is not hidden
    (tmp_path / "chainrule_buggy_plugin.py").write_text("raise RuntimeError('bug')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cli._optional("chainrule_needs_extra") is None
    with pytest.raises(RuntimeError, match="bug"):
        cli._optional("chainrule_buggy_plugin")


def test_report_plugin_sections(monkeypatch, tmp_path):
    from chainrule.demos import all as demo_all
    mod = types.ModuleType("chainrule.test_report_plugin")
    png = tmp_path / "p.png"
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(2, 2))
    fig.savefig(png)
    plt.close(fig)
    mod.report_sections = lambda outdir, quick: [("Extra: feature maps", "<p>extra body</p>",
                                                  [str(png)])]
    monkeypatch.setitem(sys.modules, "chainrule.test_report_plugin", mod)
    monkeypatch.setattr(demo_all, "REPORT_PLUGINS", ("chainrule.test_report_plugin",))
    path = demo_all.run_all(out=str(tmp_path / "r"), quick=True, progress=False,
                            verbose=False, only=["backprop"])
    html = open(path, encoding="utf-8").read()
    assert "Extra: feature maps" in html and "<p>extra body</p>" in html
    assert html.count("<img ") == 3     # two graph pictures + the plug-in's figure


@pytest.mark.slow
def test_demo_all_quick_writes_report(tmp_path):
    r = run_cli("demo", "all", "--quick", "--out", str(tmp_path / "demo"), "--no-progress",
                timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    report = tmp_path / "demo" / "report.html"
    assert f"report: {report}" in r.stdout
    html = report.read_text(encoding="utf-8")
    for anchor in ("backprop", "perceptron", "logreg", "xor", "digits", "gradcheck",
                   "training"):
        assert f'<section id="{anchor}">' in html
    assert html.count("<img ") >= 17
    assert "src=\"http" not in html and "<script" not in html   # self-contained
    import json
    res = json.loads((tmp_path / "demo" / "results.json").read_text())
    assert res["demos"]["xor"]["numbers"]["mlp_2_2_1_acc"] == 1.0
    assert res["demos"]["backprop"]["numbers"]["grads"]["x"] == 3.0


def test_missing_matplotlib_is_a_one_line_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # import matplotlib fails
    for name in [m for m in sys.modules if m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    assert cli.main(["demo", "perceptron", "--out", str(tmp_path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["chainrule: error: this command draws figures and needs matplotlib "
                   "(pip install 'chainrule[viz]')"]
