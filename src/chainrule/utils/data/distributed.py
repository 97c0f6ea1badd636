"""DistributedSampler: each rank's share of a dataset (torch.utils.data.distributed).

The index assignment is PyTorch's exactly: the permutation is torch.randperm's on a
Mersenne Twister seeded with seed + epoch (reproduced with NumPy's MT19937 under the
same 32-bit seeding), padded by repetition to a multiple of the number of replicas (or
cut, with drop_last), and rank r takes every num_replicas-th index from r. So a seed
gives each rank the same samples as under PyTorch.

>>> from chainrule.utils.data import DataLoader, DistributedSampler, TensorDataset
>>> train_set = TensorDataset(chainrule.arange(8.0))
>>> sampler = DistributedSampler(train_set, num_replicas=2, rank=1, shuffle=True, seed=0)
>>> loader = DataLoader(train_set, batch_size=2, sampler=sampler)
>>> for epoch in range(2):
...     sampler.set_epoch(epoch)          # a new shuffle each epoch, the same on all ranks
...     print([x.tolist() for (x,) in loader])
[[0.0, 3.0], [5.0, 6.0]]
[[4.0, 6.0], [3.0, 0.0]]
"""
import math

import numpy as np

from .sampler import Sampler

__all__ = ["DistributedSampler", "torch_randperm"]


def torch_randperm(n, seed):
    """torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist(), without
    torch: PyTorch's CPU randperm swaps r[i] with r[i + mt() % (n - i)] for i < n - 1,
    drawing 32-bit outputs of mt19937 initialised with the seed's low 32 bits.

    >>> from chainrule.utils.data.distributed import torch_randperm
    >>> torch_randperm(8, seed=0)      # torch.randperm(8, generator=g) with g seeded to 0
    [4, 0, 7, 3, 2, 5, 1, 6]
    """
    n = int(n)
    if n >= 2 ** 32 // 20:  # PyTorch switches to a 64-bit draw there; never needed for us
        raise ValueError(f"torch_randperm: n={n} is beyond the range reproduced here")
    r = list(range(n))
    if n < 2:
        return r
    bits = np.random.RandomState(int(seed) & 0xFFFFFFFF)._bit_generator  # init_genrand(seed)
    draws = bits.random_raw(n - 1).astype(np.int64)
    swap = (draws % np.arange(n, 1, -1, dtype=np.int64) + np.arange(n - 1)).tolist()
    for i, z in enumerate(swap):
        r[i], r[z] = r[z], r[i]
    return r


class DistributedSampler(Sampler):
    """The indices of `dataset` that rank `rank` of `num_replicas` processes takes.

    num_replicas / rank default to the process group's; shuffle draws a permutation from
    seed + epoch (call set_epoch each epoch); without drop_last the indices are padded by
    repetition so every rank gets ceil(len / num_replicas) samples, with it the tail is cut.

    >>> from chainrule.utils.data import DistributedSampler
    >>> [list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False))
    ...  for r in range(3)]                 # padded by repetition to 12 indices
    [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    >>> s = DistributedSampler(range(10), num_replicas=2, rank=0, seed=0)
    >>> s.set_epoch(1); len(s)
    5
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed as dist
            if not dist.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = dist.get_world_size()
            if rank is None:
                rank = dist.get_rank()
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be positive (got "
                             f"{num_replicas})")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval [0, "
                             f"{num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = int(num_replicas)
        self.rank = int(rank)
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = torch_randperm(n, self.seed + self.epoch)
        else:
            indices = list(range(n))
        if not self.drop_last:
            padding = self.total_size - len(indices)
            if padding <= len(indices):
                indices += indices[:padding]
            else:
                indices += (indices * math.ceil(padding / len(indices)))[:padding]
        else:
            indices = indices[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Use epoch in the shuffle's seed: each epoch another order, the same on all ranks."""
        self.epoch = epoch
