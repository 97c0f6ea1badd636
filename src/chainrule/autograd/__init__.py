"""Reverse-mode automatic differentiation: the engine, Function, grad modes, checks."""
from .engine import backward, grad
from .function import Function, FunctionCtx, Op, Node, once_differentiable
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, is_grad_enabled,
                        inference_mode)
from .gradcheck import gradcheck, gradgradcheck, GradcheckError
from . import functional

__all__ = ["backward", "grad", "Function", "FunctionCtx", "Op", "Node", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "inference_mode",
           "gradcheck", "gradgradcheck", "GradcheckError", "functional", "once_differentiable"]
