"""The longer lecture demos (digits, training experiments) in fast mode, numbers asserted."""
import pytest

import chainrule
from chainrule.demos import run_demo
from helpers import pngs_ok


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return str(tmp_path_factory.mktemp("demos"))


def test_digits(out):
    res = run_demo("digits", out=out, quick=True, progress=False)
    n = res.numbers
    assert n["n_train"] + n["n_test"] == 1797
    assert n["linear_test_acc"] > 0.85
    assert n["mlp_test_acc"] > 0.85
    assert n["linear_params"] == 650 and n["mlp_params"] == 64 * 64 + 64 + 64 * 10 + 10
    assert n["misclassified"] == round((1 - n["mlp_test_acc"]) * n["n_test"])
    assert "<table" in res.html
    pngs_ok(res)


def test_confusion_matrix():
    from chainrule.demos.digits import confusion_matrix
    cm = confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], 3)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]


def test_training_experiments(out):
    res = run_demo("training", out=out, quick=True, progress=False)
    n = res.numbers
    z, r = n["init"]["zeros"], n["init"]["random"]
    assert z["distinct_units"] == 1 and r["distinct_units"] == 16
    assert z["final_loss"] > r["final_loss"]
    assert set(n["activations"]) == {"sigmoid", "tanh", "relu"}
    norm = n["normalisation"]
    assert norm["standardised"]["final_loss"] < norm["raw (x2 in the hundreds)"]["final_loss"]
    lr = n["learning_rate"]
    assert lr["50.0"]["verdict"] == "diverges"
    assert lr["0.5"]["verdict"] == "learns"
    assert lr["0.001"]["verdict"].startswith("too small")
    assert len(res.figures) == 4
    # every conclusion quotes numbers measured in this run
    for line in res.summary[1:]:
        assert any(ch.isdigit() for ch in line)
    pngs_ok(res)


def test_distinct_units():
    from chainrule import nn
    from chainrule.demos.training import distinct_units
    lin = nn.Linear(3, 4)
    assert distinct_units(lin) == 4
    with chainrule.no_grad():
        lin.weight.fill_(0.5)
        lin.bias.fill_(0.0)
    assert distinct_units(lin) == 1
