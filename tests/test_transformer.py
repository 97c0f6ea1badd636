"""nn.MultiheadAttention and the transformer layers: PyTorch parity (same state_dict ->
same outputs and gradients, masks, norm_first, gelu), gradcheck, positional encodings."""
import numpy as np
import pytest

import chainrule
import chainrule.nn as nn
from chainrule.autograd.gradcheck import gradcheck

# torch's own deprecation / nested-tensor notices are not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _torch():
    return pytest.importorskip("torch")


def _copy_from_torch(mod, tmod):
    """Load torch's state_dict into the chainrule module: the names must match 1:1."""
    sd = {k: chainrule.tensor(v.detach().numpy().copy()) for k, v in tmod.state_dict().items()}
    assert sorted(sd) == sorted(mod.state_dict())
    res = mod.load_state_dict(sd)
    assert not res.missing_keys and not res.unexpected_keys


def _t(torch, a, grad=False):
    return torch.tensor(a, requires_grad=grad)


def _c(a, grad=False):
    return chainrule.tensor(a, requires_grad=grad)


def _mask_t(torch, m):
    return None if m is None else torch.tensor(m)


def _mask_c(m):
    return None if m is None else chainrule.tensor(m)


def _check_grads(mod, tmod, pairs, rtol=1e-8, atol=1e-10):
    for (name, p), (tname, tp) in zip(mod.named_parameters(), tmod.named_parameters()):
        assert name == tname
        if tp.grad is None:
            assert p.grad is None or np.allclose(p.grad._data, 0)
            continue
        np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=rtol, atol=atol,
                                   err_msg=name)
    for a, b in pairs:
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=rtol, atol=atol)


MHA_CASES = {
    "self": dict(),
    "self_seq_first": dict(batch_first=False),
    "cross": dict(cross=True),
    "kv_same": dict(kv_same=True),
    "kdim_vdim": dict(cross=True, kdim=5, vdim=3),
    "bool_mask_kpm": dict(attn_mask="bool", kpm="bool"),
    "float_mask_3d": dict(attn_mask="float3d", kpm="float"),
    "weights_per_head": dict(attn_mask="bool", average=False),
    "no_weights_masks": dict(attn_mask="float", kpm="bool", need_weights=False),
    "causal_hint": dict(attn_mask="causal", is_causal=True, need_weights=False),
    "no_bias": dict(bias=False),
    "bias_kv_zero_attn": dict(add_bias_kv=True, add_zero_attn=True, attn_mask="bool",
                              kpm="bool"),
    "unbatched": dict(unbatched=True, kpm="bool"),
}


@pytest.mark.parametrize("case", list(MHA_CASES))
def test_multihead_attention_matches_torch(case):
    torch = _torch()
    c = MHA_CASES[case]
    rs = np.random.RandomState(0)
    N, L, S, E, H = 3, 4, 6, 8, 2
    if not c.get("cross"):
        S = L
    bf = c.get("batch_first", True)
    kw = dict(bias=c.get("bias", True), add_bias_kv=c.get("add_bias_kv", False),
              add_zero_attn=c.get("add_zero_attn", False), kdim=c.get("kdim"),
              vdim=c.get("vdim"), batch_first=bf)
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **kw)
    m = nn.MultiheadAttention(E, H, dtype=chainrule.float64, **kw)
    _copy_from_torch(m, tm)

    def shape(n, t, e):
        if c.get("unbatched"):
            return (t, e)
        return (n, t, e) if bf else (t, n, e)
    q = rs.randn(*shape(N, L, E))
    if c.get("cross"):
        k = rs.randn(*shape(N, S, c.get("kdim") or E))
        v = rs.randn(*shape(N, S, c.get("vdim") or E))
    else:
        k = v = q
    if c.get("kv_same"):
        S = 5
        k = v = rs.randn(*shape(N, S, E))

    am = {"bool": rs.rand(L, S) < 0.3, "float": rs.randn(L, S),
          "float3d": rs.randn(N * H, L, S),
          "causal": np.triu(np.full((L, S), -np.inf), 1)}.get(c.get("attn_mask"))
    if am is not None and am.dtype == bool:
        am[:, 0] = False  # keep every row attendable: PyTorch gives NaN for empty rows
    kpm = None
    if c.get("kpm"):
        kpm = rs.rand(1 if c.get("unbatched") else N, S) < 0.3
        kpm[:, 1] = False
        if c["kpm"] == "float":
            kpm = np.where(kpm, -np.inf, 0.0)
        if c.get("unbatched"):
            kpm = kpm[0]

    tq = _t(torch, q, True)
    cq = _c(q, True)
    if k is q:
        tk = tv = tq
        ck = cv = cq
    elif k is v:
        tk = tv = _t(torch, k, True)
        ck = cv = _c(k, True)
    else:
        tk, tv, ck, cv = _t(torch, k, True), _t(torch, v, True), _c(k, True), _c(v, True)
    opts = dict(need_weights=c.get("need_weights", True),
                average_attn_weights=c.get("average", True), is_causal=c.get("is_causal", False))
    tout, tw = tm(tq, tk, tv, key_padding_mask=_mask_t(torch, kpm),
                  attn_mask=_mask_t(torch, am), **opts)
    out, w = m(cq, ck, cv, key_padding_mask=_mask_c(kpm), attn_mask=_mask_c(am), **opts)
    np.testing.assert_allclose(out._data, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    if tw is None:
        assert w is None
    else:
        np.testing.assert_allclose(w._data, tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = rs.randn(*out.shape)
    (out * _c(g)).sum().backward()
    (tout * _t(torch, g)).sum().backward()
    pairs = [(cq, tq)] + ([(ck, tk)] if ck is not cq else []) + \
        ([(cv, tv)] if cv is not ck else [])
    _check_grads(m, tm, pairs)


def _layer_inputs(rs, N=2, L=5, S=6, E=8, bf=True):
    src = rs.randn(N, S, E) if bf else rs.randn(S, N, E)
    tgt = rs.randn(N, L, E) if bf else rs.randn(L, N, E)
    src_kpm = np.zeros((N, S), bool)
    src_kpm[0, -2:] = True
    tgt_kpm = np.zeros((N, L), bool)
    tgt_kpm[1, -1] = True
    return src, tgt, src_kpm, tgt_kpm


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("batch_first", [True, False])
def test_encoder_layer_matches_torch(norm_first, activation, batch_first):
    torch = _torch()
    rs = np.random.RandomState(1)
    E, H = 8, 2
    torch.manual_seed(1)
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, batch_first=batch_first,
              norm_first=norm_first)
    tl = torch.nn.TransformerEncoderLayer(E, H, dtype=torch.float64, **kw)
    cl = nn.TransformerEncoderLayer(E, H, dtype=chainrule.float64, **kw)
    _copy_from_torch(cl, tl)
    src, _, kpm, _ = _layer_inputs(rs, bf=batch_first)
    S = src.shape[1] if batch_first else src.shape[0]
    mask = rs.randn(S, S)
    ts, cs = _t(torch, src, True), _c(src, True)
    tout = tl(ts, src_mask=_t(torch, mask), src_key_padding_mask=_t(torch, kpm))
    out = cl(cs, src_mask=_c(mask), src_key_padding_mask=_c(kpm))
    np.testing.assert_allclose(out._data, tout.detach().numpy(), rtol=1e-9, atol=1e-11)
    g = rs.randn(*out.shape)
    (out * _c(g)).sum().backward()
    (tout * _t(torch, g)).sum().backward()
    _check_grads(cl, tl, [(cs, ts)])


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_decoder_layer_matches_torch(norm_first, activation):
    torch = _torch()
    rs = np.random.RandomState(2)
    E, H = 8, 4
    torch.manual_seed(2)
    kw = dict(dim_feedforward=16, dropout=0.0, activation=activation, batch_first=True,
              norm_first=norm_first)
    tl = torch.nn.TransformerDecoderLayer(E, H, dtype=torch.float64, **kw)
    cl = nn.TransformerDecoderLayer(E, H, dtype=chainrule.float64, **kw)
    _copy_from_torch(cl, tl)
    mem, tgt, mkpm, tkpm = _layer_inputs(rs)
    L = tgt.shape[1]
    causal = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=torch.float64)
    ccausal = nn.Transformer.generate_square_subsequent_mask(L, dtype=chainrule.float64)
    np.testing.assert_array_equal(ccausal._data, causal.numpy())
    tt, tm_ = _t(torch, tgt, True), _t(torch, mem, True)
    ct, cm = _c(tgt, True), _c(mem, True)
    mmask = rs.rand(L, mem.shape[1]) < 0.3  # bool memory_mask: True = may not attend
    mmask[:, 0] = False
    tout = tl(tt, tm_, tgt_mask=causal, tgt_key_padding_mask=_t(torch, tkpm),
              memory_key_padding_mask=_t(torch, mkpm), tgt_is_causal=True,
              memory_mask=_t(torch, mmask))
    out = cl(ct, cm, tgt_mask=ccausal, tgt_key_padding_mask=_c(tkpm),
             memory_key_padding_mask=_c(mkpm), tgt_is_causal=True, memory_mask=_c(mmask))
    np.testing.assert_allclose(out._data, tout.detach().numpy(), rtol=1e-9, atol=1e-11)
    g = rs.randn(*out.shape)
    (out * _c(g)).sum().backward()
    (tout * _t(torch, g)).sum().backward()
    _check_grads(cl, tl, [(ct, tt), (cm, tm_)])


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(norm_first):
    torch = _torch()
    rs = np.random.RandomState(3)
    E, H = 8, 2
    torch.manual_seed(3)
    kw = dict(d_model=E, nhead=H, num_encoder_layers=2, num_decoder_layers=2,
              dim_feedforward=16, dropout=0.0, batch_first=False, norm_first=norm_first,
              activation="gelu")
    tt = torch.nn.Transformer(dtype=torch.float64, **kw)
    ct = nn.Transformer(dtype=chainrule.float64, **kw)
    _copy_from_torch(ct, tt)
    src, tgt, skpm, tkpm = _layer_inputs(rs, bf=False)
    L = tgt.shape[0]
    mask = nn.Transformer.generate_square_subsequent_mask(L, dtype=chainrule.float64)
    tsrc, ttgt, csrc, ctgt = _t(torch, src, True), _t(torch, tgt, True), _c(src, True), \
        _c(tgt, True)
    tout = tt(tsrc, ttgt, tgt_mask=torch.tensor(mask._data), src_key_padding_mask=_t(torch, skpm),
              memory_key_padding_mask=_t(torch, skpm), tgt_key_padding_mask=_t(torch, tkpm))
    out = ct(csrc, ctgt, tgt_mask=mask, src_key_padding_mask=_c(skpm),
             memory_key_padding_mask=_c(skpm), tgt_key_padding_mask=_c(tkpm))
    np.testing.assert_allclose(out._data, tout.detach().numpy(), rtol=1e-9, atol=1e-11)
    g = rs.randn(*out.shape)
    (out * _c(g)).sum().backward()
    (tout * _t(torch, g)).sum().backward()
    _check_grads(ct, tt, [(csrc, tsrc), (ctgt, ttgt)], rtol=1e-7, atol=1e-9)


def test_state_dict_names_match_torch_without_torch():
    t = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                       dim_feedforward=16)
    keys = set(t.state_dict())
    for k in ["encoder.layers.0.self_attn.in_proj_weight",
              "encoder.layers.0.self_attn.in_proj_bias", "encoder.layers.0.self_attn.out_proj.weight", "encoder.layers.0.linear1.weight",
              "encoder.layers.0.norm2.bias", "encoder.norm.weight",
              "decoder.layers.0.multihead_attn.in_proj_weight", "decoder.layers.0.norm3.weight",
              "decoder.norm.bias"]:
        assert k in keys
    assert len(keys) == (12 + 2) + (18 + 2)  # layers + final norms, as torch


@pytest.mark.parametrize("masks", ["none", "bool", "kpm_float"])
def test_multihead_attention_gradcheck(masks):
    rs = np.random.RandomState(4)
    m = nn.MultiheadAttention(4, 2, batch_first=True, dtype=chainrule.float64)
    am = kpm = None
    if masks == "bool":
        am = _c(np.array([[False, True, False], [False, False, True]]))
    if masks == "kpm_float":
        kpm = _c(np.array([[0.0, -1.5, 0.0], [0.3, 0.0, -np.inf]]))
    q = _c(rs.randn(2, 2, 4), True)
    kv = _c(rs.randn(2, 3, 4), True)

    assert gradcheck(lambda q, kv: m(q, kv, kv, attn_mask=am, key_padding_mask=kpm)[0],
                     [q, kv])
    assert gradcheck(lambda q, kv: m(q, kv, kv, attn_mask=am, key_padding_mask=kpm,
                                     need_weights=False)[0], [q, kv])
    assert gradcheck(lambda q, kv: m(q, kv, kv, attn_mask=am, key_padding_mask=kpm)[1],
                     [q, kv])


def test_multihead_attention_gradgradcheck():
    from chainrule.autograd.gradcheck import gradgradcheck
    rs = np.random.RandomState(8)
    m = nn.MultiheadAttention(4, 2, batch_first=True, dtype=chainrule.float64)
    q, kv = _c(rs.randn(2, 2, 4), True), _c(rs.randn(2, 3, 4), True)
    kpm = _c(np.array([[False, False, True], [False, False, False]]))
    for need_weights in (False, True):
        assert gradgradcheck(lambda q, kv: m(q, kv, kv, key_padding_mask=kpm,
                                             need_weights=need_weights)[0], [q, kv])


def test_encoder_gradcheck_with_padding():
    rs = np.random.RandomState(5)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True,
                                       dtype=chainrule.float64)
    enc = nn.TransformerEncoder(layer, 2)
    kpm = _c(np.array([[False, False, True], [False, False, False]]))
    x = _c(rs.randn(2, 3, 4), True)
    assert gradcheck(lambda x: enc(x, src_key_padding_mask=kpm), [x])


def test_causal_mask_detected_and_same_result():
    rs = np.random.RandomState(6)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)
    enc = nn.TransformerEncoder(layer, 1)
    x = _c(rs.randn(2, 5, 8).astype(np.float32))
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    a = enc(x, mask=mask)                   # detects the causal mask, uses is_causal
    b = enc(x, mask=mask, is_causal=False)  # explicit additive mask
    np.testing.assert_allclose(a._data, b._data, rtol=1e-5, atol=1e-6)
    assert a.dtype == chainrule.float32


def test_dropout_only_in_training():
    rs = np.random.RandomState(7)
    m = nn.MultiheadAttention(8, 2, dropout=0.5, batch_first=True)
    x = _c(rs.randn(2, 5, 8).astype(np.float32))
    m.eval()
    a, b = m(x, x, x)[0], m(x, x, x)[0]
    np.testing.assert_array_equal(a._data, b._data)
    m.train()
    c = m(x, x, x, need_weights=False)[0]
    assert not np.allclose(a._data, c._data)


def test_errors():
    m = nn.MultiheadAttention(8, 2, batch_first=True)
    x = chainrule.randn(2, 5, 8)
    with pytest.raises(AssertionError, match="divisible"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(AssertionError, match="embedding dimension"):
        m(chainrule.randn(2, 5, 6), x, x)
    with pytest.raises(RuntimeError, match="2D attn_mask"):
        m(x, x, x, attn_mask=chainrule.zeros(4, 5))
    with pytest.raises(AssertionError, match="key_padding_mask"):
        m(x, x, x, key_padding_mask=chainrule.zeros(2, 4, dtype=chainrule.bool))
    with pytest.raises(RuntimeError, match="is_causal"):
        m(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    t = nn.Transformer(8, 2, 1, 1, 16, batch_first=True)
    with pytest.raises(RuntimeError, match="batch number"):
        t(chainrule.randn(2, 3, 8), chainrule.randn(3, 3, 8))
    with pytest.raises(RuntimeError, match="d_model"):
        t(chainrule.randn(2, 3, 6), chainrule.randn(2, 3, 6))


def test_sinusoidal_positional_encoding():
    pe = nn.SinusoidalPositionalEncoding(6, max_len=20)
    out = pe(chainrule.zeros(2, 7, 6))
    pos, i = 3, 2  # PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...)
    np.testing.assert_allclose(out._data[1, pos, 2 * i], np.sin(pos / 10000 ** (2 * i / 6)),
                               rtol=1e-6)
    np.testing.assert_allclose(out._data[0, pos, 2 * i + 1], np.cos(pos / 10000 ** (2 * i / 6)),
                               rtol=1e-6)
    assert out.dtype == chainrule.float32
    assert "pe" not in pe.state_dict()  # recomputed, not saved
    seq_first = nn.SinusoidalPositionalEncoding(6, max_len=20, batch_first=False)
    np.testing.assert_allclose(seq_first(chainrule.zeros(7, 2, 6))._data[:, 0], out._data[0])
    with pytest.raises(ValueError, match="max_len"):
        pe(chainrule.zeros(1, 21, 6))


def test_learned_positional_encoding_is_trained():
    pe = nn.LearnedPositionalEncoding(4, max_len=10)
    x = chainrule.zeros(3, 5, 4)
    out = pe(x)
    np.testing.assert_array_equal(out._data[1], pe.weight._data[:5])
    out.sum().backward()
    np.testing.assert_array_equal(pe.weight.grad._data[:5], 3)
    np.testing.assert_array_equal(pe.weight.grad._data[5:], 0)
    assert list(pe.state_dict()) == ["weight"]
