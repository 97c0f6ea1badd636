"""Datasets, samplers and DataLoader, laid out as PyTorch's torch.utils.data.

>>> from chainrule.utils.data import DataLoader, TensorDataset
>>> from chainrule.utils.data.dataloader import DataLoader      # PyTorch's submodule paths
>>> from chainrule.utils.data.sampler import RandomSampler
"""
from .dataset import (Dataset, IterableDataset, TensorDataset, Subset, ConcatDataset,  # noqa: F401
                      ChainDataset, StackDataset, random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler,  # noqa: F401
                      WeightedRandomSampler, BatchSampler)
from .dataloader import DataLoader, default_collate, default_convert, get_worker_info  # noqa: F401
from .distributed import DistributedSampler  # noqa: F401
from . import dataset, sampler, dataloader, distributed  # noqa: F401

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset",
           "ChainDataset", "StackDataset", "random_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DataLoader", "default_collate", "default_convert", "get_worker_info",
           "DistributedSampler"]
