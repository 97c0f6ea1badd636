"""Each lecture demo in its fast mode, with the numbers it measures asserted."""
import os

import numpy as np
import pytest

import chainrule
from chainrule.demos import ORDER, run_demo
from helpers import pngs_ok


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    return str(tmp_path_factory.mktemp("demos"))


def test_backprop_worked_example(out):
    res = run_demo("backprop", out=out, quick=True, progress=False)
    assert res.numbers["values"] == {"x": 1.0, "y": -2.0, "z": 3.0, "q": -1.0, "f": -3.0}
    assert res.numbers["grads"] == {"x": 3.0, "y": 3.0, "z": -1.0, "q": 3.0}
    L = res.numbers["neuron_y"]  # the neuron's output, not a loss (issue 11, item 3)
    assert res.numbers["neuron_dy_db"] == pytest.approx(L * (1 - L), rel=1e-5)
    # dy/dw = y (1 - y) x with x = [1, 2, -0.5]
    np.testing.assert_allclose(res.numbers["neuron_dy_dw"],
                               np.array([1.0, 2.0, -0.5]) * L * (1 - L), rtol=1e-5)
    pngs_ok(res)
    dot = open(os.path.join(out, "backprop_graph.dot")).read()
    assert "q\\nvalue = -1\\ngrad = 3" in dot
    assert "Backward pass" in res.details and "3 × 1 = 3" in res.details
    assert "<table" in res.html


def test_perceptron_separates_the_squares(out):
    res = run_demo("perceptron", out=out, quick=True, progress=False)
    n = res.numbers
    assert n["retina_separated_after"] is not None
    assert 1 <= n["retina_separated_after"] <= 50 * n["retina_train_cards"]
    assert n["retina_test_accuracy"] >= 0.9
    # the learned weights look for light on the left (t = +1) and against it on the right
    assert n["retina_weight_mean_left"] > 0 > n["retina_weight_mean_right"]
    assert n["points_separated_after"] is not None and n["points_final_errors"] == 0
    pngs_ok(res)


def test_rosenblatt_rule_is_gradient_descent_on_E_P():
    from chainrule.models import Perceptron
    p = Perceptron(3, lr=0.5)
    with chainrule.no_grad():
        p.weight.copy_(chainrule.tensor([0.2, -0.4, 0.1]))
    x = chainrule.tensor([1.0, 2.0, -1.0])
    w0 = p.weight.detach().numpy().copy()
    assert float(p.forward(x).item()) < 0          # misclassified for t = +1
    assert p.step(x, 1) is True
    np.testing.assert_allclose(p.weight.detach().numpy(), w0 + 0.5 * 1 * x.numpy())
    assert p.bias.item() == 0.5
    assert p.step(x, 1) is False or p.updates == 2   # correct now (or one more update)
    with pytest.raises(ValueError, match="features"):
        p.forward(chainrule.zeros(2))
    X = chainrule.tensor([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0]])
    crit = p.criterion(X, chainrule.tensor([-1, 1]))
    assert crit.item() >= 0


def test_logreg(out):
    res = run_demo("logreg", out=out, quick=True, progress=False)
    n = res.numbers
    assert n["final_loss"] < n["initial_loss"]
    assert n["final_accuracy"] >= 0.8
    assert n["gradient_vs_closed_form_max_abs_diff"] < 1e-5
    pngs_ok(res)


def test_xor_one_unit_at_most_75_mlp_100(out):
    res = run_demo("xor", out=out, quick=True, progress=False)
    n = res.numbers
    assert n["perceptron_best_acc"] <= 0.75
    assert n["perceptron_separated_at"] is None
    assert n["unit_acc"] <= 0.75 and n["unit_best_acc"] <= 0.75
    assert n["best_random_line_acc"] == 0.75
    assert n["mlp_2_2_1_acc"] == 1.0
    assert n["mlp_2_4_1_acc"] == 1.0
    pngs_ok(res)


def test_gradcheck_float64_below_1e_6(out):
    res = run_demo("gradcheck", out=out, quick=True, progress=False)
    n = res.numbers
    assert len(n["float64"]) == 6
    for name, e in n["float64"].items():
        assert e < 1e-6, (name, e)
    assert n["worst_float32"] > n["worst_float64"]     # why checks are done in float64
    assert n["library_gradcheck"] is True
    pngs_ok(res)


def test_gradcheck_catches_a_wrong_gradient():
    """The demo's finite differences are a real test: a broken backward is caught."""
    from chainrule.demos.gradcheck import relative_error
    assert relative_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert relative_error([1.0, 2.0], [1.0, 2.2]) > 1e-2
    assert relative_error([0.0], [0.0]) == 0.0


def test_unknown_demo():
    with pytest.raises(ValueError, match="unknown demo"):
        run_demo("nope")
    assert ORDER[0] == "backprop" and len(ORDER) == 7


def test_mlp_builder():
    from chainrule.models import MLP, mlp
    net = mlp([2, 4, 1], activation="tanh")
    assert [type(m).__name__ for m in net] == ["Linear", "Tanh", "Linear"]
    assert MLP([3, 5, 5, 2]).sizes == [3, 5, 5, 2]
    with pytest.raises(ValueError, match="activation"):
        mlp([2, 3, 1], activation="nope")
    with pytest.raises(ValueError, match="sizes"):
        mlp([2])
