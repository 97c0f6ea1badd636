"""Reverse-mode automatic differentiation: the engine, Function, grad modes, checks."""
from .engine import backward, grad
from .function import Function, FunctionCtx, Op, Node, once_differentiable
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                        inference_mode)
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import functional
from .anomaly_mode import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                           is_anomaly_check_nan_enabled)
from . import function, grad_mode, anomaly_mode  # noqa: F401
from .variable import Variable
from . import variable  # noqa: F401

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Op", "Node", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck", "GradcheckError", "functional", "once_differentiable",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "Variable"]
