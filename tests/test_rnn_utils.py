"""nn.utils.rnn: packing and padding against PyTorch, gradients through them, and
recurrent layers on packed / padded batches giving each sequence's own run."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck
from chainrule.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence,
                                    pad_packed_sequence, pad_sequence, unpack_sequence,
                                    unpad_sequence)

LENGTHS_SORTED = [5, 3, 3, 1]
LENGTHS_MIXED = [2, 5, 1, 3]


def _padded(lengths, batch_first, feat=2, seed=0):
    rng = np.random.default_rng(seed)
    T, B = max(lengths), len(lengths)
    x = rng.standard_normal((T, B, feat))
    for b, n in enumerate(lengths):
        x[n:, b] = 0.0
    return np.ascontiguousarray(x.transpose(1, 0, 2)) if batch_first else x


def _np(t):
    return None if t is None else t.detach().numpy()


@pytest.mark.parametrize("lengths,enforce", [(LENGTHS_SORTED, True), (LENGTHS_SORTED, False),
                                             (LENGTHS_MIXED, False)])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_pad_round_trip_matches_torch(lengths, enforce, batch_first):
    torch = pytest.importorskip("torch")
    x = _padded(lengths, batch_first)
    tp = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(x), torch.tensor(lengths),
                                                 batch_first=batch_first,
                                                 enforce_sorted=enforce)
    cp = pack_padded_sequence(cr.tensor(x), cr.tensor(lengths), batch_first=batch_first,
                              enforce_sorted=enforce)
    assert isinstance(cp, PackedSequence)
    np.testing.assert_array_equal(_np(cp.data), tp.data.numpy())
    np.testing.assert_array_equal(_np(cp.batch_sizes), tp.batch_sizes.numpy())
    for a, b in ((cp.sorted_indices, tp.sorted_indices),
                 (cp.unsorted_indices, tp.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(_np(a), b.numpy())
    for total in (None, 7):
        tpad, tlen = torch.nn.utils.rnn.pad_packed_sequence(
            tp, batch_first=batch_first, padding_value=-1.5, total_length=total)
        cpad, clen = pad_packed_sequence(cp, batch_first=batch_first, padding_value=-1.5,
                                         total_length=total)
        np.testing.assert_array_equal(_np(cpad), tpad.numpy())
        np.testing.assert_array_equal(_np(clen), tlen.numpy())
        assert clen.dtype == cr.int64


def test_pack_errors():
    x = cr.tensor(_padded(LENGTHS_MIXED, False))
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_padded_sequence(x, LENGTHS_MIXED)
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(x, [5, 3, 0, 0])
    with pytest.raises(RuntimeError, match="batch_size"):
        pack_padded_sequence(x, [5, 3])
    packed = pack_padded_sequence(x, LENGTHS_MIXED, enforce_sorted=False)
    with pytest.raises(ValueError, match="total_length"):
        pad_packed_sequence(packed, total_length=2)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_and_friends_match_torch(batch_first, side):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    seqs = [rng.standard_normal((n, 3)) for n in (2, 4, 1)]
    tp = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs],
                                         batch_first=batch_first, padding_value=9.0,
                                         padding_side=side)
    cp = pad_sequence([cr.tensor(s) for s in seqs], batch_first=batch_first,
                      padding_value=9.0, padding_side=side)
    np.testing.assert_array_equal(_np(cp), tp.numpy())
    if side == "right":
        parts = unpad_sequence(cp, cr.tensor([2, 4, 1]), batch_first=batch_first)
        for p, s in zip(parts, seqs):
            np.testing.assert_array_equal(_np(p), s)
    tps = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs],
                                           enforce_sorted=False)
    cps = pack_sequence([cr.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(_np(cps.data), tps.data.numpy())
    for p, s in zip(unpack_sequence(cps), seqs):
        np.testing.assert_array_equal(_np(p), s)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        pack_sequence([cr.tensor(s) for s in seqs])


def test_gradients_flow_through_packing_and_padding():
    x = cr.tensor(_padded(LENGTHS_MIXED, True, feat=2), requires_grad=True)

    def round_trip(x):
        packed = pack_padded_sequence(x, LENGTHS_MIXED, batch_first=True,
                                      enforce_sorted=False)
        return pad_packed_sequence(packed, batch_first=True, padding_value=3.0)[0] * 2.0
    assert gradcheck(round_trip, [x])
    seqs = [cr.tensor(np.random.default_rng(i).standard_normal((n, 2)), requires_grad=True)
            for i, n in enumerate((3, 1))]
    assert gradcheck(lambda a, b: pad_sequence([a, b], padding_side="left"), seqs)


def _pair(torch, cls, **kw):
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(2, 3, **kw).double()
    c = getattr(nn, cls)(2, 3, **kw).double()
    c.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return t, c


def _states(res, lstm):
    return [res[1][0], res[1][1]] if lstm else [res[1]]


PACKED_CASES = [("RNN", {}), ("LSTM", {}), ("LSTM", {"proj_size": 2}), ("GRU", {})]


@pytest.mark.parametrize("cls,extra", PACKED_CASES)
@pytest.mark.parametrize("with_hx", [False, True])
def test_packed_input_matches_per_sequence_runs(cls, extra, with_hx):
    """A packed batch gives, for each sequence, exactly what running it alone gives
    (outputs and final states, both directions, two layers), in the user's order."""
    kw = dict(extra, num_layers=2, bidirectional=True)
    c = getattr(nn, cls)(2, 3, **kw).double()
    lstm = cls == "LSTM"
    x = _padded(LENGTHS_MIXED, batch_first=True, seed=4)
    Ho = extra.get("proj_size", 0) or 3
    rng = np.random.default_rng(5)
    h0 = rng.standard_normal((4, len(LENGTHS_MIXED), Ho))
    c0 = rng.standard_normal((4, len(LENGTHS_MIXED), 3))
    hx = None
    if with_hx:
        hx = (cr.tensor(h0), cr.tensor(c0)) if lstm else cr.tensor(h0)
    packed = pack_padded_sequence(cr.tensor(x), LENGTHS_MIXED, batch_first=True,
                                  enforce_sorted=False)
    res = c(packed, hx)
    assert isinstance(res[0], PackedSequence)
    out, lens = pad_packed_sequence(res[0], batch_first=True)
    np.testing.assert_array_equal(_np(lens), LENGTHS_MIXED)
    states = _states(res, lstm)
    for b, n in enumerate(LENGTHS_MIXED):
        hx_b = None
        if with_hx:
            hx_b = (cr.tensor(h0[:, b:b + 1]), cr.tensor(c0[:, b:b + 1])) if lstm else \
                cr.tensor(h0[:, b:b + 1])
        alone = c(cr.tensor(x[b:b + 1, :n]).transpose(0, 1), hx_b)
        np.testing.assert_allclose(_np(out[b, :n]), _np(alone[0][:, 0]), rtol=1e-12,
                                   atol=1e-14)
        assert np.all(_np(out[b, n:]) == 0)
        for s, s_alone in zip(states, _states(alone, lstm)):
            np.testing.assert_allclose(_np(s[:, b]), _np(s_alone[:, 0]), rtol=1e-12,
                                       atol=1e-14)


@pytest.mark.parametrize("cls,extra", PACKED_CASES)
def test_packed_input_matches_torch_with_gradients(cls, extra):
    torch = pytest.importorskip("torch")
    t, c = _pair(torch, cls, num_layers=2, bidirectional=True, batch_first=True, **extra)
    lstm = cls == "LSTM"
    x = _padded(LENGTHS_MIXED, batch_first=True, seed=6)
    Ho = extra.get("proj_size", 0) or 3
    h0 = np.random.default_rng(8).standard_normal((4, 4, Ho))
    tx, cx = torch.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    th, ch = torch.tensor(h0, requires_grad=True), cr.tensor(h0, requires_grad=True)
    if lstm:
        c0 = np.random.default_rng(9).standard_normal((4, 4, 3))
        t_hx = (th, torch.tensor(c0))
        c_hx = (ch, cr.tensor(c0))
    else:
        t_hx, c_hx = th, ch
    tres = t(torch.nn.utils.rnn.pack_padded_sequence(tx, LENGTHS_MIXED, batch_first=True,
                                                     enforce_sorted=False), t_hx)
    cres = c(pack_padded_sequence(cx, LENGTHS_MIXED, batch_first=True, enforce_sorted=False),
             c_hx)
    np.testing.assert_allclose(_np(cres[0].data), tres[0].data.detach().numpy(), rtol=1e-10)
    t_outs = [torch.nn.utils.rnn.pad_packed_sequence(tres[0], batch_first=True)[0]] + \
        _states(tres, lstm)
    c_outs = [pad_packed_sequence(cres[0], batch_first=True)[0]] + _states(cres, lstm)
    rng = np.random.default_rng(10)
    ws = [rng.standard_normal(tuple(a.shape)) for a in t_outs]
    for a, b, w in zip(t_outs, c_outs, ws):
        np.testing.assert_allclose(_np(b), a.detach().numpy(), rtol=1e-10, atol=1e-12)
    sum((a * torch.tensor(w)).sum() for a, w in zip(t_outs, ws)).backward()
    sum((b * cr.tensor(w)).sum() for b, w in zip(c_outs, ws)).backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ch.grad.numpy(), th.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (n, p), (_, q) in zip(t.named_parameters(), c.named_parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=n)


def test_padded_batch_with_masking_matches_packed_for_the_forward_direction():
    """Padding at the end does not change a forward-only layer's outputs at valid steps:
    the padded run and the packed run agree there (the reason packing exists is h_n and
    the reverse direction, which padding would corrupt)."""
    gru = nn.GRU(2, 3).double()
    x = _padded(LENGTHS_SORTED, batch_first=False, seed=11)
    dense_out, _ = gru(cr.tensor(x))
    packed_out, h_n = gru(pack_padded_sequence(cr.tensor(x), LENGTHS_SORTED))
    out, _ = pad_packed_sequence(packed_out)
    for b, n in enumerate(LENGTHS_SORTED):
        np.testing.assert_allclose(_np(out[:n, b]), _np(dense_out[:n, b]), rtol=1e-12)
        np.testing.assert_allclose(_np(h_n[0, b]), _np(out[n - 1, b]), rtol=1e-12)
