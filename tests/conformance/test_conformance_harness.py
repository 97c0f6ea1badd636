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


def test_torch_views_keep_their_storage_layout():
    import numpy as np
    import torch
    from chainrule.functions.inplace_shape import _storage_of
    base = torch.arange(24.0)
    for t in (base[5:15], base.reshape(4, 6).t()[1:], base.reshape(4, 6)[:, ::2],
              base.expand(2, 24)):
        arr = H._same_layout(t)
        storage, (shape, strides, offset) = _storage_of(arr)
        assert (shape, strides, offset) == (tuple(t.shape), t.stride(), t.storage_offset())
        np.testing.assert_array_equal(storage, base.numpy())
        np.testing.assert_array_equal(arr, t.numpy())
    fresh = H._same_layout(torch.ones(3, 2))
    assert fresh.base is None and fresh.flags.c_contiguous
    c = H.Converter()(base[5:15].requires_grad_())
    assert c.requires_grad and c.storage_offset() == 5


def test_reference_exception_passes_only_against_mpmath(groups, monkeypatch):
    pytest.importorskip("mpmath")
    r = H.run_op("special.bessel_j0", groups["special.bessel_j0"])
    assert r.status == "correct", r.failures
    samples, chainrule_err, torch_err = r.reference
    assert samples >= 1 and chainrule_err < 1e-13 and torch_err > 1e-7
    # chainrule off from mpmath (by less than torch is): the exception does not cover it
    real = chainrule.special.bessel_j0
    monkeypatch.setattr(chainrule.special, "bessel_j0", lambda x: real(x) * (1 + 1e-9))
    r = H.run_op("special.bessel_j0", groups["special.bessel_j0"])
    assert r.status == "wrong" and "mpmath" in r.first_failure, r.first_failure
    monkeypatch.setattr(chainrule.special, "bessel_j0", real)
    # without mpmath the exception is off: the float64 samples compare with torch
    monkeypatch.setattr(H, "_mpmath", lambda: None)
    r = H.run_op("special.bessel_j0", groups["special.bessel_j0"])
    assert r.status == "wrong" and r.reference is None


def test_reference_exception_needs_torch_to_deviate(monkeypatch):
    """A chainrule value within the (here loosened) mpmath tolerance that differs from a torch
    value which itself matches mpmath is a failure: the exception is for torch's errors."""
    mpmath = pytest.importorskip("mpmath")
    import types
    import numpy as np
    import torch
    x = np.array([0.5, 2.0, 5.2])
    exact = np.array([float(mpmath.besselj(0, v)) for v in x])
    sample = types.SimpleNamespace(input=torch.tensor(x), args=(), kwargs={})
    monkeypatch.setattr(H, "REFERENCE_TOLERANCE", (0.0, 1e-6))
    got = chainrule.tensor(exact + np.array([0.0, 0.0, 5e-7]), dtype=chainrule.float64)
    why = H.reference_check("special.bessel_j0", sample, torch.tensor(exact), got)
    assert isinstance(why, str) and "torch matches" in why
    # the same chainrule values against a torch that is off: the exception applies
    ok = H.reference_check("special.bessel_j0", sample, torch.tensor(exact + 1e-5), got)
    assert isinstance(ok, tuple) and ok[1] > 9e-6
    # float32 samples, and ops not listed, never use it
    s32 = types.SimpleNamespace(input=torch.tensor(x, dtype=torch.float32), args=(), kwargs={})
    assert H.reference_check("special.bessel_j0", s32, torch.tensor(exact), got) is None
    assert H.reference_check("special.bessel_y0", sample, torch.tensor(exact), got) is None
