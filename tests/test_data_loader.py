"""utils.data: datasets, samplers, collation, DataLoader determinism, random_split."""
from collections import namedtuple

import numpy as np
import pytest

import chainrule as cr
from chainrule.utils.data import (Dataset, IterableDataset, TensorDataset, Subset,
                                  ConcatDataset, DataLoader, random_split, RandomSampler,
                                  SequentialSampler, BatchSampler, SubsetRandomSampler,
                                  WeightedRandomSampler, default_collate)


def _ds(n=10):
    return TensorDataset(cr.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2)),
                         cr.tensor(list(range(n))))


def _labels(loader):
    return [b[1].tolist() for b in loader]


def test_tensor_dataset():
    ds = _ds()
    assert len(ds) == 10
    x, y = ds[3]
    assert x.tolist() == [6.0, 7.0] and y.item() == 3
    with pytest.raises(ValueError, match="Size mismatch"):
        TensorDataset(cr.zeros(3, 2), cr.zeros(4))


def test_sequential_batches_drop_last_and_len():
    ds = _ds()
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [b[0].shape for b in batches] == [(4, 2), (4, 2), (2, 2)]
    assert batches[0][1].dtype == cr.int64 and batches[0][0].dtype == cr.float32
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2 and _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_shuffle_determinism_with_generator_and_default_seed():
    ds = _ds(50)
    a = _labels(DataLoader(ds, batch_size=8, shuffle=True,
                           generator=cr.Generator().manual_seed(7)))
    b = _labels(DataLoader(ds, batch_size=8, shuffle=True,
                           generator=cr.Generator().manual_seed(7)))
    c = _labels(DataLoader(ds, batch_size=8, shuffle=True,
                           generator=cr.Generator().manual_seed(8)))
    assert a == b and a != c
    assert sorted(sum(a, [])) == list(range(50))
    g = cr.Generator().manual_seed(7)
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=g)
    e1, e2 = _labels(loader), _labels(loader)
    assert e1 != e2                      # a new permutation each epoch
    cr.manual_seed(3)
    d1 = _labels(DataLoader(ds, batch_size=8, shuffle=True))
    cr.manual_seed(3)
    d2 = _labels(DataLoader(ds, batch_size=8, shuffle=True))
    assert d1 == d2


def test_fast_path_equals_generic_collation():
    ds = _ds(13)
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=cr.Generator().manual_seed(1)))

    class Plain(Dataset):
        def __len__(self):
            return len(ds)

        def __getitem__(self, i):
            return ds[i]

    slow = list(DataLoader(Plain(), batch_size=5, shuffle=True,
                           generator=cr.Generator().manual_seed(1)))
    for (x1, y1), (x2, y2) in zip(fast, slow):
        np.testing.assert_array_equal(x1.numpy(), x2.numpy())
        np.testing.assert_array_equal(y1.numpy(), y2.numpy())


def test_default_collate_types():
    Point = namedtuple("Point", "x y")
    batch = [{"a": 1, "b": 0.5, "c": "s", "d": np.ones(2, np.float32), "e": True,
              "f": (cr.zeros(2), 3), "p": Point(1, 2.0)}] * 3
    out = default_collate(batch)
    assert out["a"].dtype == cr.int64 and out["a"].tolist() == [1, 1, 1]
    assert out["b"].dtype == cr.float64
    assert out["c"] == ["s", "s", "s"]
    assert out["d"].shape == (3, 2) and out["d"].dtype == cr.float32
    assert out["e"].dtype == cr.bool
    assert isinstance(out["f"], list) and out["f"][0].shape == (3, 2)
    assert isinstance(out["p"], Point) and out["p"].x.tolist() == [1, 1, 1]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([cr.zeros(2), cr.zeros(3)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])


def test_dict_dataset_and_custom_collate():
    class D(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": cr.tensor([float(i)]), "y": i}

    batches = list(DataLoader(D(), batch_size=2))
    assert batches[0]["x"].shape == (2, 1) and batches[2]["y"].tolist() == [4]
    raw = list(DataLoader(D(), batch_size=2, collate_fn=lambda b: b))
    assert isinstance(raw[0], list) and raw[0][1]["y"] == 1
    single = list(DataLoader(D(), batch_size=None))
    assert len(single) == 5 and single[0]["y"] == 0


def test_samplers_and_batch_sampler():
    ds = _ds(10)
    assert list(SequentialSampler(ds)) == list(range(10))
    r = list(RandomSampler(ds, generator=cr.Generator().manual_seed(0)))
    assert sorted(r) == list(range(10))
    rr = list(RandomSampler(ds, replacement=True, num_samples=30,
                            generator=cr.Generator().manual_seed(0)))
    assert len(rr) == 30 and max(rr) < 10
    bs = BatchSampler(SequentialSampler(ds), 3, drop_last=False)
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and len(bs) == 4
    assert len(BatchSampler(SequentialSampler(ds), 3, drop_last=True)) == 3
    loader = DataLoader(ds, batch_sampler=[[9, 0], [5]])
    assert _labels(loader) == [[9, 0], [5]]
    loader = DataLoader(ds, sampler=SubsetRandomSampler([1, 3, 5],
                                                        generator=cr.Generator().manual_seed(0)),
                        batch_size=5)
    assert sorted(_labels(loader)[0]) == [1, 3, 5]
    w = list(WeightedRandomSampler([0.0, 0.0, 1.0], 5, generator=cr.Generator().manual_seed(0)))
    assert w == [2, 2, 2, 2, 2]
    with pytest.raises(ValueError, match="mutually exclusive"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_sampler=[[0]], batch_size=2)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        BatchSampler(SequentialSampler(ds), 0, False)


def test_random_split_lengths_fractions_and_seed():
    ds = _ds(10)
    a, b = random_split(ds, [7, 3], generator=cr.Generator().manual_seed(0))
    assert len(a) == 7 and len(b) == 3
    ia = [a[i][1].item() for i in range(7)]
    ib = [b[i][1].item() for i in range(3)]
    assert sorted(ia + ib) == list(range(10))
    a2, _ = random_split(ds, [7, 3], generator=cr.Generator().manual_seed(0))
    assert a2.indices == a.indices
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=cr.Generator().manual_seed(1))
    assert [len(p) for p in parts] == [5, 3, 2]
    parts = random_split(_ds(11), [0.5, 0.5])
    assert [len(p) for p in parts] == [6, 5]     # remainder goes round-robin from the first
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(ds, [4, 4])
    loader = DataLoader(a, batch_size=4)
    assert _labels(loader) == [ia[:4], ia[4:]]


def test_subset_concat_iterable():
    ds = _ds(6)
    s = Subset(ds, [5, 1])
    assert len(s) == 2 and s[0][1].item() == 5
    c = ConcatDataset([ds, _ds(3)])
    assert len(c) == 9 and c[7][1].item() == 1 and c[-1][1].item() == 2
    assert len(ds + _ds(2)) == 8

    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    with pytest.raises(ValueError, match="shuffle"):
        DataLoader(Stream(), shuffle=True)
