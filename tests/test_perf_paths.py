"""The fast paths added for the transformer benchmarks (issue 17) compute what the plain
paths compute: GELU's branch-free Phi, Embedding's sort-and-reduce backward, masked_fill
through np.copyto, softmax and LayerNorm in place, the engine's in-place gradient sum.
Each is checked against a reference formula, gradcheck in float64, and PyTorch."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from chainrule.autograd import gradcheck
from chainrule.functions.elementwise import _phi_f32


def _phi_reference(x):
    """Phi in float64 from math.erfc, elementwise."""
    return np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64).ravel()]
                    ).reshape(x.shape)


def test_phi_f32_matches_erfc_including_tails_signed_zero_inf_nan():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.standard_normal(70000) * 4, np.linspace(-13, 13, 2001),
                        [0.0, -0.0, np.inf, -np.inf]]).astype(np.float32)
    got = _phi_f32(x)
    ref = _phi_reference(x)
    ok = ref > 1e-30
    # relative, tails included (z * z rounded in float32 costs ~z^2 eps at x = -13)
    assert np.max(np.abs(got[ok] - ref[ok]) / ref[ok]) < 2e-5
    core = np.abs(x) < 5
    assert np.max(np.abs(got[core] - ref[core]) / ref[core]) < 5e-6
    assert got[-4] == 0.5 and got[-3] == 0.5 and got[-2] == 1.0 and got[-1] == 0.0
    assert np.isnan(_phi_f32(np.array([np.nan] * 70, np.float32))).all()


def test_gelu_float32_against_float64_and_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((8, 64, 33)) * 3).astype(np.float32)
    g = rng.standard_normal(x.shape).astype(np.float32)
    X = cr.from_numpy(x).requires_grad_()
    y = F.gelu(X)
    y.backward(cr.from_numpy(g))
    T = torch.from_numpy(x).requires_grad_()
    ty = torch.nn.functional.gelu(T)
    ty.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(X.grad.numpy(), T.grad.numpy(), rtol=1e-5, atol=1e-6)
    x64 = cr.tensor(x.astype(np.float64)[:1, :4, :5], requires_grad=True)
    assert gradcheck(F.gelu, [x64])


@pytest.mark.parametrize("vocab,shape,padding_idx", [(65, (32, 64), None), (7, (50,), 3),
                                                     (100, (10,), None)])
def test_embedding_backward_sums_rows_as_add_at(vocab, shape, padding_idx):
    rng = np.random.default_rng(2)
    idx = rng.integers(0, vocab, shape)
    w = rng.standard_normal((vocab, 16))
    g = rng.standard_normal(shape + (16,))
    emb = cr.nn.Embedding(vocab, 16, padding_idx=padding_idx, dtype=cr.float64)
    with cr.no_grad():
        emb.weight.copy_(cr.from_numpy(w))
    emb(cr.from_numpy(idx)).backward(cr.from_numpy(g))
    ref = np.zeros_like(w)
    np.add.at(ref, idx.reshape(-1), g.reshape(-1, 16))
    if padding_idx is not None:
        ref[padding_idx] = 0
    np.testing.assert_allclose(emb.weight.grad.numpy(), ref, rtol=1e-12, atol=1e-12)
    wt = cr.tensor(w, requires_grad=True)
    small = cr.from_numpy(idx.reshape(-1)[:12] % 3)   # more tokens than rows: the sort path
    assert gradcheck(lambda w: F.embedding(small, w[:3]), [wt])


def test_embedding_backward_against_torch_many_tokens():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    idx = rng.integers(0, 65, (32, 64))
    g = rng.standard_normal((32, 64, 128)).astype(np.float32)
    emb = cr.nn.Embedding(65, 128)
    temb = torch.nn.Embedding(65, 128)
    emb(cr.from_numpy(idx)).backward(cr.from_numpy(g))
    temb(torch.from_numpy(idx)).backward(torch.from_numpy(g))
    np.testing.assert_allclose(emb.weight.grad.numpy(), temb.weight.grad.numpy(), rtol=1e-5,
                               atol=1e-4)


def test_masked_fill_causal_forward_backward_against_where_and_torch():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((2, 3, 8, 8))
    g = rng.standard_normal(a.shape)
    mask = np.triu(np.ones((8, 8), bool), 1).reshape(1, 1, 8, 8)
    x = cr.tensor(a, requires_grad=True)
    y = x.masked_fill(cr.from_numpy(mask), float("-inf"))
    y.backward(cr.from_numpy(g))
    np.testing.assert_array_equal(y.detach().numpy(), np.where(mask, -np.inf, a))
    first = x.grad.numpy().copy()
    np.testing.assert_array_equal(first, np.where(mask, 0.0, g))
    assert gradcheck(lambda t: t.masked_fill(cr.from_numpy(mask), 0.5), [x])
    # a value tensor that requires grad still gets the masked positions' sum
    v = cr.tensor(2.0, requires_grad=True)
    x.masked_fill(cr.from_numpy(mask), v).sum().backward()
    assert v.grad.item() == pytest.approx(mask.sum() * 6)
    torch = pytest.importorskip("torch")
    tx = torch.tensor(a, requires_grad=True)
    ty = tx.masked_fill(torch.from_numpy(mask), float("-inf"))
    ty.backward(torch.from_numpy(g))
    np.testing.assert_array_equal(first, tx.grad.numpy())


def test_softmax_and_layer_norm_in_place_paths_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((4, 2, 16, 16))
    g = rng.standard_normal(a.shape)
    x = cr.tensor(a, requires_grad=True)
    F.softmax(x, dim=-1).backward(cr.from_numpy(g))
    tx = torch.tensor(a, requires_grad=True)
    torch.nn.functional.softmax(tx, dim=-1).backward(torch.from_numpy(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: F.softmax(t, dim=-1), [cr.tensor(a[:1, :1, :3, :4],
                                                                requires_grad=True)])
    ln = cr.nn.LayerNorm(16, dtype=cr.float64)
    tln = torch.nn.LayerNorm(16, dtype=torch.float64)
    w, b = rng.standard_normal(16), rng.standard_normal(16)
    with cr.no_grad():
        ln.weight.copy_(cr.from_numpy(w))
        ln.bias.copy_(cr.from_numpy(b))
    with torch.no_grad():
        tln.weight.copy_(torch.from_numpy(w))
        tln.bias.copy_(torch.from_numpy(b))
    x = cr.tensor(a, requires_grad=True)
    ln(x).backward(cr.from_numpy(g))
    tx = torch.tensor(a, requires_grad=True)
    tln(tx).backward(torch.from_numpy(g))
    for mine, theirs in ((x.grad, tx.grad), (ln.weight.grad, tln.weight.grad),
                         (ln.bias.grad, tln.bias.grad)):
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-10)


def test_engine_in_place_sum_leaves_aliases_and_hooked_gradients_alone():
    x = cr.tensor(np.ones((4, 5)), requires_grad=True)
    y = x * 2
    (y * 3 + y * 4 + y).sum().backward()          # y used three times: summed in place
    np.testing.assert_array_equal(x.grad.numpy(), np.full((4, 5), 16.0))
    a = cr.tensor(np.ones(3), requires_grad=True)
    b = a * 1.0
    c = b + b                                     # add hands the same array to both uses
    seen = []
    c.register_hook(lambda g: seen.append(g))
    (c * 1.0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(seen[0].numpy(), [1.0, 1.0, 1.0])
    # add hands one array to two tensors' buffers: a later sum into one must not change
    # the other (d = 6u + 8w with u = 2x, w = 3x: 36)
    for order in range(2):
        x = cr.tensor(np.ones(3), requires_grad=True)
        u, w = x * 2.0, x * 3.0
        c = u + w
        d = (u * 5.0 + c + w * 7.0) if order == 0 else (c + w * 7.0 + u * 5.0)
        d.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [36.0, 36.0, 36.0])


def test_softmax_row_max_by_fmax_is_bit_identical_with_nan_and_inf_rows():
    """_row_max (functions/reduce.py) takes np.fmax.reduce over short rows: the softmax
    equals the np.max-based formula bit for bit, NaN / +-inf / all -inf rows included."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((6, 3, 64)) * 5).astype(np.float32)
    x[0, 0, 3] = np.nan
    x[0, 1, :] = -np.inf
    x[0, 2, 7] = np.inf
    x[1, 0, :] = np.nan
    x[1, 1, 5:] = -np.inf
    x[1, 2, 2], x[1, 2, 3:] = np.nan, -np.inf
    with np.errstate(invalid="ignore"):
        e = np.exp(x - x.max(-1, keepdims=True))
        ref = e / e.sum(-1, keepdims=True)
    got = F.softmax(cr.from_numpy(x), -1).numpy()
    np.testing.assert_array_equal(got, ref)
    torch = pytest.importorskip("torch")
    ok = np.isfinite(x).all(-1)
    tx = torch.softmax(torch.from_numpy(x), -1).numpy()
    np.testing.assert_allclose(got[ok], tx[ok], rtol=1e-6, atol=1e-7)
    # the fused attention's softmax: fully masked rows give zeros, as PyTorch's
    q = cr.from_numpy(rng.standard_normal((2, 2, 5, 8)).astype(np.float32))
    mask = np.ones((5, 5), bool)
    mask[1] = False
    out = F.scaled_dot_product_attention(q, q, q, attn_mask=cr.from_numpy(mask))
    t_out = torch.nn.functional.scaled_dot_product_attention(
        torch.from_numpy(q.numpy()), torch.from_numpy(q.numpy()), torch.from_numpy(q.numpy()),
        attn_mask=torch.from_numpy(mask))
    np.testing.assert_allclose(out.numpy(), np.nan_to_num(t_out.numpy()), rtol=1e-5, atol=1e-6)


def test_malloc_keeps_freed_memory_unless_told_not_to():
    """chainrule asks glibc's malloc at import to keep freed blocks (backend.py);
    CHAINRULE_MALLOC=system leaves malloc alone. Off glibc nothing is set."""
    import os
    import subprocess
    import sys
    code = "import chainrule; print(chainrule.backend.KEEPS_FREED_MEMORY)"
    env = dict(os.environ)
    env.pop("CHAINRULE_MALLOC", None)
    on_glibc = cr.backend._glibc() is not None
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == str(on_glibc)
    env["CHAINRULE_MALLOC"] = "system"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == "False"
    assert cr.backend.release_memory() in (True, False)


def test_gelu_backward_from_kept_gauss_is_bit_identical_to_recomputing_it():
    """Forward keeps exp(-x^2 / 2) for backward; the same gradient bits as the path that
    evaluates it again (taken for a non-contiguous gradient); Phi(0) is exactly 1/2."""
    rng = np.random.default_rng(6)
    x = (rng.standard_normal((40, 130)) * 3).astype(np.float32)
    g = rng.standard_normal((130, 40)).astype(np.float32)
    grads = []
    for gg in (np.ascontiguousarray(g.T), g.T):
        cx = cr.tensor(x, requires_grad=True)
        F.gelu(cx).backward(cr.tensor(gg))
        grads.append(cx.grad.numpy())
    assert not g.T.flags.c_contiguous
    assert np.array_equal(grads[0].view(np.int32), grads[1].view(np.int32))
    zero = cr.tensor(np.zeros(64, np.float32), requires_grad=True)
    F.gelu(zero).sum().backward()
    assert (zero.grad.numpy() == 0.5).all()


def test_split_views_backward_is_the_sum_of_the_slices_scatters():
    """SplitViews (MultiheadAttention's q / k / v): one array written by pieces equals
    the engine's sum of one zero-filled scatter per piece bit for bit (-0.0 included),
    with some pieces unused, and under create_graph."""
    from chainrule.functions.shape import SplitViews
    rng = np.random.default_rng(13)
    a = rng.standard_normal((3, 5, 12)).astype(np.float32)
    for used in ((0, 1, 2), (0, 2), (1,), (2, 0)):
        gs = [rng.standard_normal((3, 5, 4)).astype(np.float32) for _ in range(3)]
        for g in gs:
            g[0, 0, :2] = -0.0
        x1 = cr.tensor(a, requires_grad=True)
        x2 = cr.tensor(a, requires_grad=True)
        parts = SplitViews.apply(x1 * 1.0, axis=2, sizes=(4, 4, 4))
        h = x2 * 1.0
        ref = (h[..., :4], h[..., 4:8], h[..., 8:])
        for k in used:
            np.testing.assert_array_equal(parts[k].detach().numpy(), ref[k].detach().numpy())
        sum(((parts[k] * cr.from_numpy(gs[k])).sum() for k in used), cr.tensor(0.0)).backward()
        sum(((ref[k] * cr.from_numpy(gs[k])).sum() for k in used), cr.tensor(0.0)).backward()
        assert x1.grad.numpy().tobytes() == x2.grad.numpy().tobytes()
    # grad of grad through the split
    x = cr.tensor(rng.standard_normal((2, 6)), requires_grad=True)
    p, q = SplitViews.apply(x, axis=1, sizes=(2, 4))
    g, = cr.autograd.grad((p ** 3).sum() + (q ** 2).sum(), x, create_graph=True)
    g.sum().backward()
    want = np.concatenate([6 * x.detach().numpy()[:, :2], np.full((2, 4), 2.0)], 1)
    np.testing.assert_allclose(x.grad.numpy(), want)
    assert gradcheck(lambda t: SplitViews.apply(t, axis=1, sizes=(2, 4))[1] * 2, [x])
    # views of x: the version counter is shared, and changing one in place is refused
    y = x * 1.0
    p, q = SplitViews.apply(y, axis=1, sizes=(2, 4))
    assert p._version is y._version
    with pytest.raises(RuntimeError, match="in-place"):
        p.mul_(2)
    with cr.no_grad():
        p, q = SplitViews.apply(y, axis=1, sizes=(3, 3))
        q.zero_()
    np.testing.assert_array_equal(y.detach().numpy()[:, 3:], 0.0)


def test_multihead_self_attention_split_gradients_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    E, H = 16, 4
    mha = cr.nn.MultiheadAttention(E, H, batch_first=True)
    tmha = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():
        for (n, p), (tn, tp) in zip(mha.named_parameters(), tmha.named_parameters()):
            assert n == tn
            tp.copy_(torch.from_numpy(p.detach().numpy()))
    a = rng.standard_normal((3, 7, E)).astype(np.float32)
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    mask = cr.nn.Transformer.generate_square_subsequent_mask(7)
    out, _ = mha(x, x, x, attn_mask=mask, need_weights=False, is_causal=True)
    tout, _ = tmha(tx, tx, tx, attn_mask=torch.from_numpy(mask.numpy()), need_weights=False,
                   is_causal=True)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(cr.from_numpy(g))
    tout.backward(torch.from_numpy(g))
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mha.in_proj_weight.grad.numpy(),
                               tmha.in_proj_weight.grad.numpy(), rtol=1e-4, atol=1e-5)


def test_softmax_backward_in_place_is_bit_identical():
    """Softmax's backward subtracts y * sum(g * y) in place: the plain formula's bits
    (NaN, +-inf, all -inf rows), small and large rows, along another dim too."""
    rng = np.random.default_rng(15)
    for dt in (np.float32, np.float64):
        a = (rng.standard_normal((8, 3, 64, 64)) * 30).astype(dt)
        a = np.where(np.tril(np.ones((64, 64), bool)), a, -np.inf).astype(dt)
        a[0, 0, 3], a[0, 1, 5, 2], a[0, 2, 7, 1] = -np.inf, np.nan, np.inf
        with np.errstate(all="ignore"):
            m = a.max(-1, keepdims=True)
            z = np.exp(a - m)
            ref = z / z.sum(-1, keepdims=True)
            x = cr.tensor(a, requires_grad=True)
            y = F.softmax(x, dim=-1)
            g = rng.standard_normal(a.shape).astype(dt)
            y.backward(cr.from_numpy(g))
            gy = g * ref
            want = gy - ref * gy.sum(-1, keepdims=True)
        assert y.detach().numpy().tobytes() == ref.tobytes()
        assert x.grad.numpy().tobytes() == want.tobytes()
    for shape, dim in (((3, 5), -1), ((70, 300), 0), ((300, 300), -1), ((5, 70000), -1)):
        a = rng.standard_normal(shape).astype(np.float32)
        x = cr.tensor(a, requires_grad=True)
        y = F.softmax(x, dim=dim)
        g = rng.standard_normal(shape).astype(np.float32)
        y.backward(cr.from_numpy(g))
        r = y.detach().numpy()
        gy = g * r
        assert x.grad.numpy().tobytes() == (gy - r * gy.sum(dim, keepdims=True)).tobytes()
    assert gradcheck(lambda t: F.softmax(t, dim=-1), [cr.tensor(rng.standard_normal((3, 7)),
                                                                requires_grad=True)])


def test_attention_backward_ds_in_place_matches_the_formula():
    """The fused attention's backward forms dS = P * (dP - rowsum(dP * P)) in place on dP:
    q, k, v gradients against the formula in float64 NumPy (causal, a fully masked row,
    a float mask, float32 and float64)."""
    rng = np.random.default_rng(16)
    m = np.tril(np.ones((64, 64), bool))
    m[5] = False
    for dt, tol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        cases = ((dict(is_causal=True), np.where(np.tril(np.ones((64, 64), bool)), 0, -np.inf)),
                 (dict(attn_mask=cr.from_numpy(m)), np.where(m, 0, -np.inf)),
                 (None, rng.standard_normal((64, 64)).astype(dt)))
        for kw, additive in cases:
            if kw is None:
                kw = dict(attn_mask=cr.from_numpy(additive))
            a = [rng.standard_normal((4, 3, 64, 16)).astype(dt) for _ in range(3)]
            q, k, v = (cr.tensor(x, requires_grad=True) for x in a)
            o = F.scaled_dot_product_attention(q, k, v, **kw)
            o.backward(cr.from_numpy(np.ones(o.shape, dt)))
            with np.errstate(all="ignore"):
                qa, ka, va = (x.astype(np.float64) for x in a)
                scale = 1 / np.sqrt(16)
                s = qa @ np.swapaxes(ka, -1, -2) * scale + additive
                z = np.exp(s - s.max(-1, keepdims=True))
                p = z / z.sum(-1, keepdims=True)
                p[~np.isfinite(s).any(-1)] = 0      # a fully masked row attends to nothing,
                g = np.ones(o.shape)                # as in PyTorch
                dp = g @ np.swapaxes(va, -1, -2)
                ds = p * (dp - (dp * p).sum(-1, keepdims=True))
                want = (ds @ ka * scale, np.swapaxes(ds, -1, -2) @ qa * scale,
                        np.swapaxes(p, -1, -2) @ g)
            for t, w in zip((q, k, v), want):
                np.testing.assert_allclose(t.grad.numpy(), w, rtol=tol, atol=tol)
