"""Datasets, samplers and DataLoader (PyTorch's torch.utils.data)."""
from .dataloader import *  # noqa: F401,F403
from .dataloader import default_convert  # noqa: F401
