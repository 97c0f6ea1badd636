"""Differentiable collectives (torch.distributed.nn)."""
from . import functional  # noqa: F401
from .functional import all_reduce  # noqa: F401
