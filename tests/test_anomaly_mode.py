"""autograd anomaly mode: detect_anomaly / set_detect_anomaly name the op that made a NaN
(or inf) gradient and the forward line that created it, and cost nothing when off."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import function as F


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    assert not cr.autograd.is_anomaly_enabled()


def _nan_first_line(t):
    x = t.tensor([0.0, 1.0], requires_grad=True)
    with t.autograd.detect_anomaly():
        y = t.sqrt(x)  # the forward line the report must name
        with pytest.raises(RuntimeError) as e:
            (y * 0).sum().backward()
    return str(e.value).splitlines()[0], str(e.value)


def test_nan_gradient_names_op_and_forward_line_as_torch():
    ours, full = _nan_first_line(cr)
    assert ours == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert "y = t.sqrt(x)  # the forward line the report must name" in full
    assert "test_anomaly_mode.py" in full and "elementwise.py" not in full
    torch = pytest.importorskip("torch")
    assert _nan_first_line(torch)[0] == ours


def test_division_nan_second_input_as_torch():
    def first_line(t):
        x = t.tensor([0.0, 1.0], requires_grad=True)
        with t.autograd.detect_anomaly():
            with pytest.raises(RuntimeError) as e:
                (x / x).sum().backward()
        return str(e.value).splitlines()[0]
    ours = first_line(cr)
    assert ours == "Function 'DivBackward0' returned nan values in its 1th output."
    torch = pytest.importorskip("torch")
    assert first_line(torch) == ours


def test_inf_gradient_raises_too():
    x = cr.tensor([0.0, 4.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        y = cr.sqrt(x).sum()
        with pytest.raises(RuntimeError, match="SqrtBackward0' returned inf values"):
            y.backward()


def test_finite_backward_is_unchanged_and_check_nan_off():
    x = cr.tensor([1.0, 4.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        cr.sqrt(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.5, 0.25])
    x = cr.tensor([0.0], requires_grad=True)
    with cr.autograd.detect_anomaly(check_nan=False):
        assert cr.autograd.is_anomaly_enabled()
        assert not cr.autograd.anomaly_mode.is_anomaly_check_nan_enabled()
        (cr.sqrt(x) * 0).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_set_detect_anomaly_call_and_context():
    cr.autograd.set_detect_anomaly(True)
    try:
        assert cr.autograd.is_anomaly_enabled()
        x = cr.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="LogBackward0' returned"):
            (cr.log(x) * 0).sum().backward()
        with cr.autograd.set_detect_anomaly(False):
            assert not cr.autograd.is_anomaly_enabled()
        assert cr.autograd.is_anomaly_enabled()
    finally:
        cr.autograd.set_detect_anomaly(False)
    assert not cr.autograd.is_anomaly_enabled()


def test_off_records_nothing_and_restores_the_counter():
    x = cr.tensor([1.0], requires_grad=True)
    plain = F._next_seq
    y = x * 2
    assert "_anomaly_trace" not in y.grad_fn.__dict__
    with cr.autograd.detect_anomaly():
        assert F._next_seq is not plain
        z = x * 3
        assert z.grad_fn.seq > y.grad_fn.seq  # numbering continues
        assert "_anomaly_trace" in z.grad_fn.__dict__
        z.backward()  # releasing saved values keeps the trace (it is structure)
        assert "_anomaly_trace" in z.grad_fn.__dict__
    assert F._next_seq is plain
    assert cr.autograd.engine._TRACE == []


def test_error_inside_custom_backward_gets_the_forward_stack():
    class Bad(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    x = cr.tensor([1.0], requires_grad=True)
    with cr.autograd.detect_anomaly():
        y = Bad.apply(x)  # made here
        with pytest.raises(ValueError) as e:
            y.sum().backward()
    notes = "\n".join(getattr(e.value, "__notes__", []))
    if hasattr(e.value, "add_note"):
        assert "Error detected in BadBackward" in notes and "y = Bad.apply(x)  # made here" in notes


def test_node_made_before_the_mode_says_so():
    x = cr.tensor([0.0], requires_grad=True)
    y = cr.sqrt(x)
    with cr.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="created before anomaly mode was enabled"):
            (y * 0).sum().backward()


def test_top_level_anomaly_switches_as_torch():
    """torch.is_anomaly_enabled / is_anomaly_check_nan_enabled / set_anomaly_enabled live at
    the top level too, and set_anomaly_enabled switches the same mode detect_anomaly uses."""
    import chainrule as torch
    assert not torch.is_anomaly_enabled()
    torch.set_anomaly_enabled(True, check_nan=False)
    try:
        assert torch.is_anomaly_enabled() and not torch.is_anomaly_check_nan_enabled()
        assert torch.autograd.is_anomaly_enabled()
    finally:
        torch.set_anomaly_enabled(False)
    # as in PyTorch, the NaN flag is its own (set_anomaly_enabled's check_nan defaults to True)
    assert not torch.is_anomaly_enabled() and torch.is_anomaly_check_nan_enabled()
    with torch.autograd.set_detect_anomaly(True, check_nan=False):
        assert not torch.is_anomaly_check_nan_enabled()
    assert torch.is_anomaly_check_nan_enabled()
