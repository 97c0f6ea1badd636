"""Anomaly detection: find the forward line behind a NaN or inf in the backward pass.

>>> x = chainrule.tensor([0.0, 1.0], requires_grad=True)
>>> with chainrule.autograd.detect_anomaly():
...     y = chainrule.sqrt(x).sum()    # x = 0: the gradient 1/(2*sqrt(0)) is inf
...     y.backward()
Traceback (most recent call last):
    ...
RuntimeError: Function 'SqrtBackward0' returned inf values in its 0th output.
...

The message goes on with the stack of the forward call, e.g.

    Traceback of the forward call that created SqrtBackward0 (anomaly mode):
      File "train.py", line 12, in <module>
        y = chainrule.sqrt(x).sum()

While the mode is on, every graph node records the stack of the forward call that made it,
and every backward result is checked for NaN (and for inf, which PyTorch lets through); an
exception raised inside a backward gets that forward stack as a note. Off, it costs
nothing: recording works by swapping the function that numbers new nodes, and the check is
an observer of the engine, whose loop already tests for observers.
"""
import os
import sys
import traceback
import warnings

import numpy as np

from . import engine, function
from ..tensor import Tensor

# [enabled, check_nan]
_STATE = [False, True]
_plain_next_seq = function._next_seq


def is_anomaly_enabled():
    """Returns whether anomaly detection is on.

    Whether anomaly detection is on.

    >>> chainrule.autograd.is_anomaly_enabled()
    False
    >>> with chainrule.autograd.set_detect_anomaly(True):
    ...     chainrule.autograd.is_anomaly_enabled()
    ...
    True
    """
    return _STATE[0]


def is_anomaly_check_nan_enabled():
    """Returns whether anomaly detection checks backward results for NaN.

    Whether anomaly detection checks backward results for NaN.

    >>> with chainrule.autograd.set_detect_anomaly(True, check_nan=False):
    ...     chainrule.autograd.is_anomaly_check_nan_enabled()
    ...
    False
    >>> with chainrule.autograd.set_detect_anomaly(True):
    ...     chainrule.autograd.is_anomaly_check_nan_enabled()
    ...
    True
    """
    return _STATE[1]  # PyTorch keeps the flag apart from the switch (True by default)


def _recording_next_seq():
    """function._next_seq while anomaly mode is on: number the node as always, and keep
    the stack of the forward call on it. Every caller of _next_seq holds the node it
    numbers in a local named `node` (Op.apply, apply1, apply2) or `self` (_FunctionNode)."""
    seq = _plain_next_seq()
    caller = sys._getframe(1)
    node = caller.f_locals.get("node")
    if node is None:
        node = caller.f_locals.get("self")
    if node is not None:
        stack = traceback.extract_stack(caller.f_back)
        # The op's own frames inside chainrule say nothing about the user's line: drop them.
        while len(stack) > 1 and stack[-1].filename.startswith(_PACKAGE_DIR):
            stack.pop()
        node._anomaly_trace = stack
    return seq


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _forward_trace(node):
    stack = getattr(node, "_anomaly_trace", None)
    if stack is None:
        return (f"No forward pass information available for {node.backward_name}: it was "
                "created before anomaly mode was enabled.")
    return (f"Traceback of the forward call that created {node.backward_name} (anomaly "
            "mode):\n" + "".join(traceback.format_list(stack)).rstrip())


class _Observer:
    """The engine observer: checks each node's input gradients once computed."""

    def __call__(self, node, grads_out, grads_in):
        if grads_in is None or not _STATE[1]:
            return
        bad = []  # (what, k): NaN anywhere is reported first, as PyTorch checks only NaN
        for k, g in enumerate(grads_in):
            if g is None:
                continue
            a = g._data if isinstance(g, Tensor) else g
            if not isinstance(a, np.ndarray) or a.dtype.kind not in "fc":
                continue
            with np.errstate(invalid="ignore"):
                if np.isfinite(a).all():
                    continue
            bad.append((0 if np.isnan(a).any() else 1, k))
        if bad:
            what, k = min(bad)
            raise RuntimeError(f"Function '{node.backward_name}' returned {('nan', 'inf')[what]} "
                               f"values in its {k}th output.\n\n{_forward_trace(node)}")

    def error(self, node, exc):
        """An exception inside node's backward: add the forward stack to it."""
        if isinstance(exc, RuntimeError) and "returned " in str(exc) and \
                "Traceback of the forward call" in str(exc):
            return  # our own report, which has it already
        if hasattr(exc, "add_note"):
            exc.add_note(f"Error detected in {node.backward_name}. {_forward_trace(node)}")


_OBSERVER = _Observer()


def _set(enabled, check_nan=True):
    enabled = bool(enabled)
    _STATE[1] = bool(check_nan)
    if enabled == _STATE[0]:
        return
    _STATE[0] = enabled
    if enabled:
        function._next_seq = _recording_next_seq
        engine._TRACE.append(_OBSERVER)
    else:
        function._next_seq = _plain_next_seq
        if _OBSERVER in engine._TRACE:
            engine._TRACE.remove(_OBSERVER)



def set_anomaly_enabled(enabled, check_nan=True):
    """Switches anomaly mode on or off for the rest of the program (torch.set_anomaly_enabled).

    The plain switch behind `set_detect_anomaly` and `detect_anomaly`, without their context
    manager or warning.

    >>> torch.set_anomaly_enabled(True)
    >>> torch.is_anomaly_enabled(), torch.is_anomaly_check_nan_enabled()
    (True, True)
    >>> torch.set_anomaly_enabled(False)
    >>> torch.is_anomaly_enabled()
    False
    """
    _set(enabled, check_nan)


class detect_anomaly:
    """Context manager (and decorator) that turns anomaly detection on inside it.

    >>> x = chainrule.tensor([-1.0, 4.0], requires_grad=True)
    >>> with chainrule.autograd.detect_anomaly():
    ...     y = chainrule.sqrt(x).sum()       # sqrt(-1) is nan, and so is its gradient
    ...     y.backward()
    Traceback (most recent call last):
        ...
    RuntimeError: Function 'SqrtBackward0' returned nan values in its 0th output.
    ...

    check_nan=False keeps the forward stacks (for errors inside backward) without the check.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", stacklevel=2)

    def __enter__(self):
        self._prev = (_STATE[0], _STATE[1])
        _set(True, self.check_nan)
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class set_detect_anomaly:
    """Turn anomaly detection on or off: at once when called (``set_detect_anomaly(True)``),
    and back to the previous state at the end of a ``with`` block.

    >>> _ = chainrule.autograd.set_detect_anomaly(True)          # on from here
    >>> chainrule.autograd.is_anomaly_enabled()
    True
    >>> _ = chainrule.autograd.set_detect_anomaly(False)
    >>> chainrule.autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode, check_nan=True):
        self._prev = (_STATE[0], _STATE[1])
        _set(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False
