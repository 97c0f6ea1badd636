"""DataLoader and the default collation (PyTorch's torch.utils.data.dataloader, single process).

Shuffling draws from chainrule.random: pass generator=chainrule.Generator().manual_seed(s)
(or call chainrule.manual_seed) and the same seed gives the same batches.

>>> from chainrule.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(chainrule.randn(100, 3), chainrule.randint(0, 2, (100,)))
>>> for xb, yb in DataLoader(ds, batch_size=64, shuffle=True):
...     print(xb.shape, yb.shape)
chainrule.Size([64, 3]) chainrule.Size([64])
chainrule.Size([36, 3]) chainrule.Size([36])
"""
import collections.abc
import itertools
import numbers

import numpy as np

from ...tensor import Tensor
from .dataset import IterableDataset, TensorDataset
from .sampler import SequentialSampler, RandomSampler, BatchSampler

_make = Tensor._make

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


# --- collation --------------------------------------------------------------------------
def default_collate(batch):
    """Stack a list of samples into a batch, recursively: tensors and arrays are stacked
    into a tensor with a new first dim; ints become an int64 tensor, floats float64
    (PyTorch's rule), bools a bool tensor; strings stay a list; tuples/lists are collated
    per field (as a list; namedtuples keep their type); dicts per key.

    >>> from chainrule.utils.data import default_collate
    >>> default_collate([(chainrule.tensor([1.0, 2.0]), 0), (chainrule.tensor([3.0, 4.0]), 1)])
    [tensor([[1., 2.],
            [3., 4.]]), tensor([0, 1])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        shapes = {tuple(b.shape) for b in batch}
        if len(shapes) != 1:
            raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                               f"but got shapes {sorted(shapes)} in one batch")
        return _make(np.stack([b._data for b in batch]))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSU":
            raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                            f"numbers, dicts or lists; found array of {elem.dtype}")
        return _make(np.stack(batch))
    if isinstance(elem, np.generic):
        return _make(np.asarray(batch))
    if isinstance(elem, bool):
        return _make(np.asarray(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return _make(np.asarray(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return _make(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return type(elem)({k: default_collate([d[k] for d in batch]) for k in elem}) \
            if type(elem) is not dict else {k: default_collate([d[k] for d in batch])
                                            for k in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return type(elem)(*(default_collate(list(s)) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        n = len(elem)
        if any(len(b) != n for b in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(s)) for s in zip(*batch)]
    raise TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, "
                    f"dicts or lists; found {type(elem).__name__}")


def default_convert(data):
    """Identity: the collate used when automatic batching is off (batch_size=None).

    >>> from chainrule.utils.data import default_convert
    >>> default_convert(np.array([1, 2]))
    array([1, 2])
    """
    return data


def get_worker_info():
    """Always None: loading runs in the main process.

    >>> from chainrule.utils.data import get_worker_info
    >>> get_worker_info() is None          # in the main process (no worker processes here)
    True
    """
    return None


# --- loader -----------------------------------------------------------------------------
class DataLoader:
    """Iterate over a dataset in batches.

    DataLoader(dataset, batch_size=1, shuffle=False, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, drop_last=False, generator=None, ...). Loading runs
    in the main process (num_workers is accepted for compatibility). shuffle draws a new
    permutation each epoch from `generator` (or the default generator).

    >>> from chainrule.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(chainrule.arange(10.0), chainrule.arange(10))
    >>> [yb.tolist() for _, yb in DataLoader(ds, batch_size=4)]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    >>> g = chainrule.Generator().manual_seed(0)     # the same seed, the same batches
    >>> loader = DataLoader(ds, batch_size=5, shuffle=True, generator=g)
    >>> [yb.tolist() for _, yb in loader]
    [[4, 6, 2, 7, 3], [5, 9, 0, 8, 1]]
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        self.dataset, self.num_workers, self.generator = dataset, num_workers, generator
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn
        self._iterable = isinstance(dataset, IterableDataset)
        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None or batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 "sampler / batch_sampler option")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle \
                else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size, self.drop_last = batch_size, drop_last
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable
                                                             and batch_size is not None)
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __len__(self):
        if self._iterable:
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self._index_sampler())

    def __iter__(self):
        if self._iterable:
            return self._iter_iterable()
        return self._iter_map()

    def _iter_iterable(self):
        it = iter(self.dataset)
        if self.batch_size is None:
            for x in it:
                yield self.collate_fn(x)
            return
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)

    def _iter_map(self):
        ds, collate = self.dataset, self.collate_fn
        if not self._auto_collation:
            for i in self.sampler:
                yield collate(ds[i])
            return
        # Fast path: a TensorDataset with the default collate is batched by one fancy
        # index per tensor instead of stacking samples one by one (same result).
        fast = (type(ds) is TensorDataset and collate is default_collate
                and not any(t.requires_grad for t in ds.tensors))
        getitems = getattr(ds, "__getitems__", None)
        for batch in self.batch_sampler:
            if fast:
                idx = np.asarray(batch, dtype=np.int64)
                yield [_make(t._data[idx]) for t in ds.tensors]
            elif getitems is not None:
                yield collate(getitems(batch))
            else:
                yield collate([ds[i] for i in batch])
