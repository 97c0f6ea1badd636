"""scaled_dot_product_attention: forward against a NumPy reference and PyTorch, gradients
by finite differences (with and without masks, dropout, grad-of-grad), error cases."""
import numpy as np
import pytest

import chainrule
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from chainrule.functions.attention import scaled_dot_product_attention as sdpa


def _ref(q, k, v, mask=None, causal=False, scale=None):
    scale = 1 / np.sqrt(q.shape[-1]) if scale is None else scale
    s = q @ np.swapaxes(k, -1, -2) * scale
    if causal:
        mask = np.tril(np.ones((q.shape[-2], k.shape[-2]), bool))
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    m = s.max(-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    e = np.exp(s - m)
    d = e.sum(-1, keepdims=True)
    return (e / np.where(d == 0, 1, d)) @ v


def _qkv(rs, b=(2, 3), L=4, S=6, E=5, Ev=7, dtype=np.float64):
    return (rs.randn(*b, L, E).astype(dtype), rs.randn(*b, S, E).astype(dtype),
            rs.randn(*b, S, Ev).astype(dtype))


def _masks(rs, L, S):
    return {
        "none": {},
        "causal": {"is_causal": True},
        "bool": {"attn_mask": rs.rand(L, S) > 0.3},
        "float": {"attn_mask": rs.randn(1, L, S)},
        "scale": {"scale": 0.3},
    }


@pytest.mark.parametrize("case", ["none", "causal", "bool", "float", "scale"])
def test_forward_matches_reference(case):
    rs = np.random.RandomState(1)
    q, k, v = _qkv(rs)
    kw = _masks(rs, 4, 6)[case]
    out = sdpa(chainrule.tensor(q), chainrule.tensor(k), chainrule.tensor(v),
               **{a: chainrule.tensor(b) if isinstance(b, np.ndarray) else b
                  for a, b in kw.items()})
    ref = _ref(q, k, v, kw.get("attn_mask"), kw.get("is_causal", False), kw.get("scale"))
    assert out.shape == (2, 3, 4, 7)
    np.testing.assert_allclose(out._data, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", ["none", "causal", "bool", "float", "scale"])
def test_gradcheck(case):
    rs = np.random.RandomState(2)
    q, k, v = _qkv(rs, b=(1, 2), L=3, S=4, E=3, Ev=2)
    kw = {a: chainrule.tensor(b) if isinstance(b, np.ndarray) else b
          for a, b in _masks(rs, 3, 4)[case].items()}
    ins = [chainrule.tensor(x, requires_grad=True) for x in (q, k, v)]

    def f(a, b, c):
        return sdpa(a, b, c, **kw)
    assert gradcheck(f, ins)
    assert gradgradcheck(f, ins)


def test_gradcheck_float_mask_requires_grad():
    rs = np.random.RandomState(3)
    q, k, v = _qkv(rs, b=(2,), L=3, S=4, E=3, Ev=2)
    ins = [chainrule.tensor(x, requires_grad=True) for x in (q, k, v, rs.randn(3, 4))]
    assert gradcheck(lambda a, b, c, m: sdpa(a, b, c, attn_mask=m), ins)


def test_gradcheck_broadcast_batch_and_gqa():
    rs = np.random.RandomState(4)
    q = chainrule.tensor(rs.randn(2, 4, 3, 3), requires_grad=True)
    k = chainrule.tensor(rs.randn(2, 2, 5, 3), requires_grad=True)
    v = chainrule.tensor(rs.randn(2, 2, 5, 2), requires_grad=True)
    assert gradcheck(lambda a, b, c: sdpa(a, b, c, enable_gqa=True), [q, k, v])
    # key / value shared across the batch: their gradient is summed over it
    k1 = chainrule.tensor(rs.randn(1, 4, 5, 3), requires_grad=True)
    v1 = chainrule.tensor(rs.randn(1, 4, 5, 2), requires_grad=True)
    assert gradcheck(lambda a, b, c: sdpa(a, b, c), [q, k1, v1])


def test_dropout_gradient_uses_the_same_mask():
    rs = np.random.RandomState(5)
    q, k, v = [chainrule.tensor(x, requires_grad=True)
               for x in _qkv(rs, b=(1,), L=3, S=4, E=3, Ev=2)]

    def f(a, b, c):
        return sdpa(a, b, c, dropout_p=0.4, generator=chainrule.Generator().manual_seed(7))
    out = f(q, k, v)
    assert not np.allclose(out._data, sdpa(q, k, v)._data)
    assert gradcheck(f, [q, k, v])
    g = chainrule.Generator().manual_seed(7)
    a = sdpa(q, k, v, dropout_p=0.5, generator=g)._data
    g = chainrule.Generator().manual_seed(7)
    np.testing.assert_array_equal(a, sdpa(q, k, v, dropout_p=0.5, generator=g)._data)


def test_fully_masked_row_gives_zeros_and_finite_grads():
    rs = np.random.RandomState(6)
    q, k, v = [chainrule.tensor(x, requires_grad=True)
               for x in _qkv(rs, b=(1,), L=3, S=4, E=3, Ev=2)]
    mask = np.ones((3, 4), bool)
    mask[1] = False
    out = sdpa(q, k, v, attn_mask=chainrule.tensor(mask))
    np.testing.assert_array_equal(out._data[0, 1], 0)
    out.sum().backward()
    assert np.isfinite(q.grad._data).all() and np.isfinite(k.grad._data).all()
    m = chainrule.tensor(mask)
    assert gradcheck(lambda a, b, c: sdpa(a, b, c, attn_mask=m), [q, k, v])
    assert gradgradcheck(lambda a, b, c: sdpa(a, b, c, attn_mask=m), [q, k, v])


def test_float32_stays_float32():
    rs = np.random.RandomState(7)
    q, k, v = [chainrule.tensor(x) for x in _qkv(rs, dtype=np.float32)]
    out = sdpa(q, k, v, attn_mask=chainrule.tensor(rs.randn(4, 6)), is_causal=False)
    assert out.dtype == chainrule.float32


def test_errors():
    rs = np.random.RandomState(8)
    q, k, v = [chainrule.tensor(x) for x in _qkv(rs)]
    with pytest.raises(RuntimeError, match="is_causal"):
        sdpa(q, k, v, attn_mask=chainrule.ones(4, 6, dtype=chainrule.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="last dim"):
        sdpa(q, chainrule.randn(2, 3, 6, 4, dtype=chainrule.float64), v)
    with pytest.raises(RuntimeError, match="sequence length"):
        sdpa(q, k, chainrule.randn(2, 3, 5, 7, dtype=chainrule.float64))
    with pytest.raises(RuntimeError, match="attn_mask of shape"):
        sdpa(q, k, v, attn_mask=chainrule.ones(4, 5, dtype=chainrule.bool))
    with pytest.raises(RuntimeError, match="same dtype"):
        sdpa(q, k.float(), v)


@pytest.mark.parametrize("case", ["none", "causal", "bool", "float", "scale"])
def test_matches_torch(case):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rs = np.random.RandomState(9)
    q, k, v = _qkv(rs)
    kw = _masks(rs, 4, 6)[case]
    ins = [chainrule.tensor(x, requires_grad=True) for x in (q, k, v)]
    tins = [torch.tensor(x, requires_grad=True) for x in (q, k, v)]
    out = sdpa(*ins, **{a: chainrule.tensor(b) if isinstance(b, np.ndarray) else b
                        for a, b in kw.items()})
    tout = F.scaled_dot_product_attention(*tins, **{
        a: torch.tensor(b) if isinstance(b, np.ndarray) else b for a, b in kw.items()})
    np.testing.assert_allclose(out._data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = rs.randn(*out.shape)
    (out * chainrule.tensor(w)).sum().backward()
    (tout * torch.tensor(w)).sum().backward()
    for a, b in zip(ins, tins):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=1e-9, atol=1e-11)


def test_empty_sequences():
    """No queries -> empty output; no keys -> zeros (PyTorch's results), gradients too."""
    out = sdpa(chainrule.randn(2, 0, 4), chainrule.randn(2, 3, 4), chainrule.randn(2, 3, 5))
    assert out.shape == (2, 0, 5)
    q = chainrule.randn(2, 3, 4, requires_grad=True)
    out = sdpa(q, chainrule.randn(2, 0, 4), chainrule.randn(2, 0, 5))
    assert out.shape == (2, 3, 5) and np.all(out._data == 0)
    out.sum().backward()
    assert np.all(q.grad._data == 0)
