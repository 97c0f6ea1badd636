"""randn / rand draw in the requested dtype (issue 11, item 10)."""
import tracemalloc

import numpy as np
import pytest

import chainrule


@pytest.mark.parametrize("fn", ["randn", "rand"])
def test_float32_draw_does_not_allocate_float64(fn):
    n = 4_000_000  # 16 MB in float32; a float64 draw first would peak at 48 MB
    getattr(chainrule, fn)(10)  # warm up
    tracemalloc.start()
    try:
        t = getattr(chainrule, fn)(n)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert t.dtype == chainrule.float32
    assert peak < 1.25 * n * 4, f"{fn} peaked at {peak / 1e6:.1f} MB for a {n * 4 / 1e6} MB tensor"


@pytest.mark.parametrize("fn", ["randn", "rand"])
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_seeded_streams_repeat_per_dtype(fn, dtype):
    d = getattr(chainrule, dtype)
    chainrule.manual_seed(7)
    a = getattr(chainrule, fn)(1000, dtype=d)
    chainrule.manual_seed(7)
    b = getattr(chainrule, fn)(1000, dtype=d)
    g = chainrule.Generator().manual_seed(7)
    c = getattr(chainrule, fn)(1000, dtype=d, generator=g)
    assert a.dtype == d
    np.testing.assert_array_equal(a._data, b._data)
    np.testing.assert_array_equal(a._data, c._data)
    # The documented stream: NumPy's sampler of that precision on PCG64(seed).
    np_dtype = np.float64 if dtype == "float64" else np.float32
    method = "standard_normal" if fn == "randn" else "random"
    ref = getattr(np.random.default_rng(7), method)(1000, dtype=np_dtype).astype(d.np)
    np.testing.assert_array_equal(a._data, ref)


def test_distributions_are_right():
    chainrule.manual_seed(0)
    x = chainrule.randn(200_000)._data
    u = chainrule.rand(200_000)._data
    assert abs(x.mean()) < 0.01 and abs(x.std() - 1) < 0.01
    assert u.min() >= 0 and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    n = chainrule.normal(2.0, 3.0, size=(100_000,))
    assert n.dtype == chainrule.float32 and abs(n._data.mean() - 2) < 0.05
