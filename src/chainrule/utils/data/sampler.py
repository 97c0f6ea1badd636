"""Samplers: the index streams a DataLoader draws from (PyTorch's torch.utils.data.sampler).

Random samplers draw from chainrule.random (`generator`, or the default generator), so a
seed gives the same indices every time.
"""
import itertools

import numpy as np

from ...random import rng
from ...tensor import Tensor

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]


class Sampler:
    """Yields dataset indices.

    >>> from chainrule.utils.data import Sampler
    >>> class Reversed(Sampler):
    ...     def __init__(self, n): self.n = n
    ...     def __iter__(self): return iter(range(self.n - 1, -1, -1))
    ...     def __len__(self): return self.n
    >>> list(Reversed(4))
    [3, 2, 1, 0]
    """

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1.

    >>> from chainrule.utils.data import SequentialSampler
    >>> list(SequentialSampler(range(4)))
    [0, 1, 2, 3]
    """

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation each epoch (or num_samples draws with replacement), from
    `generator` or the default generator.

    >>> from chainrule.utils.data import RandomSampler
    >>> sorted(RandomSampler(range(5)))       # a permutation
    [0, 1, 2, 3, 4]
    >>> len(list(RandomSampler(range(5), replacement=True, num_samples=8)))
    8
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement = data_source, replacement
        self._num_samples, self.generator = num_samples, generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        # Lazy, in chunks, as PyTorch: `num_samples=int(1e10)` (an "infinite" sampler) must
        # not draw every index up front. NumPy's bounded integers consume the generator
        # draw by draw, so chunked draws give the same stream as one big draw.
        n = len(self.data_source)
        g = rng(self.generator)
        if self.replacement:
            for start in range(0, self.num_samples, _CHUNK):
                yield from g.integers(0, n, min(_CHUNK, self.num_samples - start)).tolist()
            return
        reps, rem = divmod(self.num_samples, n)
        for _ in range(reps):
            yield from g.permutation(n).tolist()
        if rem:
            yield from g.permutation(n)[:rem].tolist()

    def __len__(self):
        return self.num_samples


# Indices drawn per generator call by RandomSampler(replacement=True) (PyTorch draws 32).
_CHUNK = 32


class SubsetRandomSampler(Sampler):
    """The given indices in a random order.

    >>> from chainrule.utils.data import SubsetRandomSampler
    >>> sorted(SubsetRandomSampler([2, 5, 7]))
    [2, 5, 7]
    """

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        for i in rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """num_samples indices drawn with probability proportional to weights.

    >>> from chainrule.utils.data import WeightedRandomSampler
    >>> draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], num_samples=1000))
    >>> draws.count(0), round(draws.count(2) / draws.count(1))   # weight 0 never drawn; 3:1
    (0, 3)
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not isinstance(num_samples, int) or isinstance(num_samples, bool) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got "
                             f"num_samples={num_samples}")
        w = np.asarray(weights._data if isinstance(weights, Tensor) else weights, np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape "
                             f"{tuple(w.shape)}")
        self.weights, self.num_samples = w, num_samples
        self.replacement, self.generator = replacement, generator

    def __iter__(self):
        p = self.weights / self.weights.sum()
        return iter(rng(self.generator).choice(len(p), self.num_samples, self.replacement,
                                               p=p).tolist())

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size (the last one shorter
    unless drop_last).

    >>> from chainrule.utils.data import BatchSampler, SequentialSampler
    >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6]]
    """

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        it = iter(self.sampler)
        bs = self.batch_size
        while True:
            batch = list(itertools.islice(it, bs))
            if not batch or (self.drop_last and len(batch) < bs):
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
