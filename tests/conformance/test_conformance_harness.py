"""The op_db harness itself: it must see a wrong op as wrong, a missing one as missing, and
read back what COMPATIBILITY.md records."""
import pytest

pytest.importorskip("torch")
pytest.importorskip("expecttest")

import chainrule  # noqa: E402
import opinfo_harness as H  # noqa: E402


@pytest.fixture(scope="module")
def groups():
    return H.group_by_name(H.load_op_db())


def test_correct_op_is_correct(groups):
    r = H.run_op("exp", groups["exp"], max_samples=3)
    assert r.status == "correct", r.failures
    assert "torch.exp" in r.variants and "Tensor.exp" in r.variants
    assert r.total > 0 and {"float32", "float64"} <= set(r.dtypes)


def test_wrong_values_and_wrong_gradients_are_caught(groups, monkeypatch):
    real_exp = chainrule.exp
    monkeypatch.setattr(chainrule, "exp", lambda x: real_exp(x) * 1.001)
    r = H.run_op("exp", groups["exp"], max_samples=3)
    assert r.status == "wrong" and "values differ" in r.first_failure
    # Forward right, backward wrong: the cotangent's gradient catches it.
    monkeypatch.setattr(chainrule, "exp", lambda x: real_exp(x.detach()) + (x - x.detach()))
    r = H.run_op("exp", groups["exp"], max_samples=3, max_int_samples=1)
    assert any("gradient of input 0" in f for f in r.failures), r.failures


def test_missing_and_not_applicable(groups, monkeypatch):
    assert H.run_op("fft.fft", groups["fft.fft"]).status == "n/a: complex"
    assert H.run_op("jiterator_unary", groups["jiterator_unary"]).status == "n/a: CUDA-only"
    monkeypatch.delattr(chainrule, "exp")
    monkeypatch.delattr(chainrule.Tensor, "exp")
    assert H.run_op("exp", groups["exp"]).status == "missing"


def test_families(groups):
    expect = {"abs": "elementwise unary", "atan2": "elementwise binary", "sum": "reductions",
              "nn.functional.relu": "nn.functional", "float": "dtype casts / conversion",
              "linalg.det": "linear algebra", "gather": "indexing / scatter",
              "reshape": "shape / view", "zeros": "creation", "topk": "sorting / selection"}
    assert {n: H.family(n, groups[n]) for n in expect} == expect


def test_recorded_statuses_round_trip(tmp_path):
    f = tmp_path / "C.md"
    f.write_text("| `abs` | correct on all samples | 3/3 | torch.abs |  |\n"
                 "| `div` | correct on >= 90% | 9/10 | torch.div | x |\n"
                 "| `topk` | present but wrong | 1/9 | torch.topk | y |\n"
                 "| `fft.fft` | n/a: complex |\n")
    assert H.recorded_statuses(f) == {"abs": "correct", "div": "mostly", "topk": "wrong",
                                      "fft.fft": "n/a: complex"}
