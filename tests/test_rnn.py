"""Recurrent layers: the fused op against finite differences and its composed twin,
grad-of-grad through the composed path, and nn.RNN / LSTM / GRU and the cells against
PyTorch (state_dict loaded from torch; outputs, final states, input and parameter
gradients) over every option combination."""
import itertools
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.autograd import gradcheck, gradgradcheck
from chainrule.functions.rnn import composed_layer, rnn_layer

GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _rand(rng, *shape, requires_grad=True):
    return cr.tensor(rng.uniform(-1, 1, shape), requires_grad=requires_grad)


def _layer_args(mode, proj, packed, seed=0, H=3, I=2, B=3, batch_sizes=(3, 2, 2, 1)):
    """Inputs of one layer direction in float64: (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)."""
    rng = np.random.default_rng(seed)
    G = GATES[mode]
    Ho = proj or H
    batch_sizes = batch_sizes if packed else None
    x = _rand(rng, sum(batch_sizes), I) if packed else _rand(rng, 3, B, I)
    c0 = _rand(rng, B, H) if mode == "LSTM" else None
    return (x, _rand(rng, B, Ho), c0, _rand(rng, G * H, I), _rand(rng, G * H, Ho),
            _rand(rng, G * H), _rand(rng, G * H), _rand(rng, Ho, H) if proj else None), \
        batch_sizes


def _over_present(fn, args):
    """fn over the non-None args only (what gradcheck differentiates)."""
    present = [a for a in args if a is not None]

    def call(*xs):
        it = iter(xs)
        return fn(*[None if a is None else next(it) for a in args])
    return call, present


LAYER_CASES = [(m, p, packed, rev) for m in GATES for p in ((0, 2) if m == "LSTM" else (0,))
               for packed in (False, True) for rev in (False, True)]


@pytest.mark.parametrize("mode,proj,packed,reverse", LAYER_CASES)
def test_fused_layer_gradcheck_and_matches_composed(mode, proj, packed, reverse):
    args, bs = _layer_args(mode, proj, packed)
    fused = rnn_layer(*args, mode=mode, reverse=reverse, batch_sizes=bs)
    ref = composed_layer(*args, mode=mode, reverse=reverse, batch_sizes=bs)
    assert len(fused) == (3 if mode == "LSTM" else 2)
    for a, b in zip(fused, ref):
        assert a.shape == b.shape
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12,
                                   atol=1e-12)
    call, present = _over_present(
        lambda *a: rnn_layer(*a, mode=mode, reverse=reverse, batch_sizes=bs), args)
    assert gradcheck(call, present)


def test_fused_layer_one_output_used():
    """Gradients when only h_n (or only c_n) gets a gradient: the other seeds are absent."""
    args, bs = _layer_args("LSTM", 0, True)
    for k in (1, 2):
        call, present = _over_present(
            lambda *a: rnn_layer(*a, mode="LSTM", batch_sizes=bs)[k], args)
        assert gradcheck(call, present)


@pytest.mark.parametrize("mode,proj", [("LSTM", 0), ("LSTM", 2), ("GRU", 0),
                                       ("RNN_TANH", 0), ("RNN_RELU", 0)])
def test_fused_layer_gradgradcheck_through_composed(mode, proj):
    args, bs = _layer_args(mode, proj, packed=True, H=2, I=1, B=2, batch_sizes=(2, 1))
    call, present = _over_present(
        lambda *a: rnn_layer(*a, mode=mode, reverse=True, batch_sizes=bs), args)
    assert gradgradcheck(call, present)


def test_create_graph_gradient_is_recorded_and_reaches_real_inputs():
    """The grad-of-grad path hands back recorded gradients connected to the real inputs
    (a non-leaf input too), so a second backward fills their .grad."""
    rng = np.random.default_rng(1)
    x_leaf = _rand(rng, 2, 2, 3)
    x = x_leaf * 2.0
    gru = nn.GRU(3, 4).double()
    out, h = gru(x)
    (gx,) = cr.autograd.grad(out.sum() + h.square().sum(), [x_leaf], create_graph=True)
    assert gx.requires_grad
    gx.square().sum().backward()
    assert x_leaf.grad is not None and gru.weight_hh_l0.grad is not None
    assert np.abs(x_leaf.grad.numpy()).sum() > 0


def test_fused_layer_shape_errors():
    args, _ = _layer_args("GRU", 0, False)
    x, h0, _, w_ih, w_hh, b_ih, b_hh, _ = args
    with pytest.raises(RuntimeError, match="h0 has shape"):
        rnn_layer(x, h0[:2], None, w_ih, w_hh, b_ih, b_hh, mode="GRU")
    with pytest.raises(RuntimeError, match="weight_ih"):
        rnn_layer(x, h0, None, w_ih[:, :1], w_hh, b_ih, b_hh, mode="GRU")
    with pytest.raises(ValueError, match="unknown mode"):
        rnn_layer(x, h0, None, w_ih, w_hh, mode="SRU")


# --- nn modules -----------------------------------------------------------------------------
def test_parameter_names_shapes_and_default_init():
    torch = pytest.importorskip("torch")
    for cls, kw in [("RNN", {}), ("LSTM", {"proj_size": 3}), ("GRU", {}),
                    ("LSTM", {"num_layers": 2, "bidirectional": True})]:
        c = getattr(nn, cls)(4, 5, **kw)
        t = getattr(torch.nn, cls)(4, 5, **kw)
        assert [(k, tuple(v.shape)) for k, v in c.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
        assert c._flat_weights_names == t._flat_weights_names
        assert [[tuple(p.shape) for p in ws] for ws in c.all_weights] == \
            [[tuple(p.shape) for p in ws] for ws in t.all_weights]
        bound = 1 / math.sqrt(5)
        for p in c.parameters():
            assert p.dtype == cr.float32
            assert np.abs(p.detach().numpy()).max() <= bound
            assert p.numel() < 10 or np.abs(p.detach().numpy()).max() > 0.5 * bound
        assert c.flatten_parameters() is None
    for cls in ("RNNCell", "LSTMCell", "GRUCell"):
        c, t = getattr(nn, cls)(4, 5), getattr(torch.nn, cls)(4, 5)
        assert [(k, tuple(v.shape)) for k, v in c.state_dict().items()] == \
            [(k, tuple(v.shape)) for k, v in t.state_dict().items()]
    assert repr(nn.LSTM(4, 5, num_layers=2, batch_first=True, proj_size=2)) == \
        repr(torch.nn.LSTM(4, 5, num_layers=2, batch_first=True, proj_size=2))
    assert repr(nn.RNN(4, 5, nonlinearity="relu")) == repr(torch.nn.RNN(4, 5,
                                                                        nonlinearity="relu"))
    assert repr(nn.RNNCell(4, 5, nonlinearity="relu")) == \
        repr(torch.nn.RNNCell(4, 5, nonlinearity="relu"))


def _pair(torch, cls, kwargs):
    """The torch module (float64, seeded) and chainrule's with torch's state_dict."""
    torch.manual_seed(0)
    t = getattr(torch.nn, cls)(3, 4, **kwargs).double()
    c = getattr(nn, cls)(3, 4, **kwargs).double()
    missing = c.load_state_dict({k: cr.tensor(v.detach().numpy())
                                 for k, v in t.state_dict().items()})
    del missing
    return t, c


def _flat(out, lstm):
    if lstm:
        o, (h, c) = out
        return [o, h, c]
    o, h = out
    return [o, h]


def _compare(torch, t_outs, c_outs, t_inputs, c_inputs, t_mod, c_mod, rtol=1e-10):
    for a, b in zip(t_outs, c_outs):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(b.detach().numpy(), a.detach().numpy(), rtol=rtol,
                                   atol=1e-12)
    # One scalar that weighs every output differently, so every gradient path is used.
    rng = np.random.default_rng(7)
    weights = [rng.standard_normal(tuple(a.shape)) for a in t_outs]
    sum(((a * torch.tensor(w)).sum() for a, w in zip(t_outs, weights))).backward()
    sum(((b * cr.tensor(w)).sum() for b, w in zip(c_outs, weights))).backward()
    for a, b in zip(t_inputs, c_inputs):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=rtol, atol=1e-12)
    for (n, p), (m, q) in zip(t_mod.named_parameters(), c_mod.named_parameters()):
        assert n == m
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), rtol=rtol, atol=1e-12,
                                   err_msg=n)


LAYER_OPTIONS = [
    (cls, extra, layers, bias, batch_first, bidir, with_hx)
    for cls, extra in [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
                       ("LSTM", {"proj_size": 2}), ("GRU", {})]
    for layers, bias, batch_first, bidir, with_hx in itertools.product(
        (1, 2), (True, False), (False, True), (False, True), (False, True))]


@pytest.mark.parametrize("cls,extra,layers,bias,batch_first,bidir,with_hx", LAYER_OPTIONS)
def test_layer_matches_torch(cls, extra, layers, bias, batch_first, bidir, with_hx):
    torch = pytest.importorskip("torch")
    kw = dict(extra, num_layers=layers, bias=bias, batch_first=batch_first,
              bidirectional=bidir)
    t, c = _pair(torch, cls, kw)
    lstm = cls == "LSTM"
    rng = np.random.default_rng(3)
    T, B, D = 4, 2, 2 if bidir else 1
    x = rng.standard_normal((B, T, 3) if batch_first else (T, B, 3))
    tx, cx = torch.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    t_in, c_in = [tx], [cx]
    t_args, c_args = (tx,), (cx,)
    if with_hx:
        Ho = extra.get("proj_size", 0) or 4
        h0 = rng.standard_normal((layers * D, B, Ho))
        th, ch = torch.tensor(h0, requires_grad=True), cr.tensor(h0, requires_grad=True)
        t_in.append(th)
        c_in.append(ch)
        if lstm:
            c0 = rng.standard_normal((layers * D, B, 4))
            tc, cc = torch.tensor(c0, requires_grad=True), cr.tensor(c0, requires_grad=True)
            t_in.append(tc)
            c_in.append(cc)
            t_args, c_args = (tx, (th, tc)), (cx, (ch, cc))
        else:
            t_args, c_args = (tx, th), (cx, ch)
    _compare(torch, _flat(t(*t_args), lstm), _flat(c(*c_args), lstm), t_in, c_in, t, c)


@pytest.mark.parametrize("cls,extra", [("RNN", {}), ("LSTM", {}), ("LSTM", {"proj_size": 2}),
                                       ("GRU", {})])
def test_unbatched_input_matches_torch(cls, extra):
    torch = pytest.importorskip("torch")
    t, c = _pair(torch, cls, dict(extra, num_layers=2, bidirectional=True))
    x = np.random.default_rng(0).standard_normal((5, 3))
    tx, cx = torch.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    _compare(torch, _flat(t(tx), cls == "LSTM"), _flat(c(cx), cls == "LSTM"), [tx], [cx], t, c)


def test_dropout_between_layers():
    torch = pytest.importorskip("torch")
    t, c = _pair(torch, "LSTM", dict(num_layers=2, dropout=1.0))
    x = np.random.default_rng(0).standard_normal((4, 2, 3))
    # p = 1 zeroes the first layer's output: deterministic, so comparable with torch.
    tx, cx = torch.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    _compare(torch, _flat(t(tx), True), _flat(c(cx), True), [tx], [cx], t, c)
    c2 = nn.GRU(3, 4, num_layers=2, dropout=0.5).double()
    xc = cr.tensor(x)
    c2.eval()
    with cr.no_grad():
        out_eval, h_eval = c2(xc)
        assert np.allclose(c2(xc)[0].numpy(), out_eval.numpy())  # eval: no dropout
        c2.train()
        out_train, h_train = c2(xc)
    assert not np.allclose(out_train.numpy(), out_eval.numpy())
    # dropout sits between layers: the first layer's final state is untouched
    np.testing.assert_allclose(h_train[0].numpy(), h_eval[0].numpy())
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(3, 4, dropout=0.5)


@pytest.mark.parametrize("cls", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("batched,with_hx,bias", list(itertools.product((True, False),
                                                                        (True, False),
                                                                        (True, False))))
def test_cells_match_torch(cls, batched, with_hx, bias):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    extra = {"nonlinearity": "relu"} if cls == "RNNCell" and bias else {}
    t = getattr(torch.nn, cls)(3, 4, bias=bias, **extra).double()
    c = getattr(nn, cls)(3, 4, bias=bias, **extra).double()
    c.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    rng = np.random.default_rng(2)
    shape = (2, 3) if batched else (3,)
    hshape = (2, 4) if batched else (4,)
    x = rng.standard_normal(shape)
    tx, cx = torch.tensor(x, requires_grad=True), cr.tensor(x, requires_grad=True)
    t_in, c_in, t_hx, c_hx = [tx], [cx], None, None
    if with_hx:
        hs = [rng.standard_normal(hshape) for _ in range(2 if cls == "LSTMCell" else 1)]
        ths = [torch.tensor(h, requires_grad=True) for h in hs]
        chs = [cr.tensor(h, requires_grad=True) for h in hs]
        t_in += ths
        c_in += chs
        t_hx = tuple(ths) if cls == "LSTMCell" else ths[0]
        c_hx = tuple(chs) if cls == "LSTMCell" else chs[0]
    to, co = t(tx, t_hx), c(cx, c_hx)
    to = list(to) if isinstance(to, tuple) else [to]
    co = list(co) if isinstance(co, tuple) else [co]
    _compare(torch, to, co, t_in, c_in, t, c)


def test_cell_steps_are_one_node_and_gradchecked():
    cell = nn.LSTMCell(2, 3).double()
    x = cr.randn(2, 2, dtype=cr.float64, requires_grad=True)
    h, c = cell(x)
    assert h.grad_fn is c.grad_fn and h.grad_fn.backward_name == "LstmLayerBackward0"
    for cell in (nn.RNNCell(2, 3), nn.LSTMCell(2, 3), nn.GRUCell(2, 3)):
        cell = cell.double()
        h0 = cr.randn(2, 3, dtype=cr.float64, requires_grad=True)

        def step(x, h0, cell=cell):
            hx = (h0, h0 * 0.5) if isinstance(cell, nn.LSTMCell) else h0
            return cell(x, hx)
        assert gradcheck(step, [x, h0])
        assert gradgradcheck(step, [x, h0])


def test_training_mode_gradients_and_loop_of_cells_match_layer():
    """An LSTMCell unrolled by hand gives the LSTM layer's output (same weights)."""
    lstm = nn.LSTM(3, 4).double()
    cell = nn.LSTMCell(3, 4).double()
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    x = cr.randn(5, 2, 3, dtype=cr.float64)
    out, (h_n, c_n) = lstm(x)
    h = c = cr.zeros(2, 4, dtype=cr.float64)
    for t in range(5):
        h, c = cell(x[t], (h, c))
        np.testing.assert_allclose(h.detach().numpy(), out[t].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(c.detach().numpy(), c_n[0].detach().numpy(), rtol=1e-12)


def test_module_errors():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size"):
        lstm(cr.randn(5, 2, 7))
    with pytest.raises(RuntimeError, match="Expected hidden size"):
        lstm(cr.randn(5, 2, 3), (cr.zeros(1, 2, 4), cr.zeros(2, 2, 4)))
    with pytest.raises(RuntimeError, match="hx must be a tuple"):
        lstm(cr.randn(5, 2, 3), cr.zeros(2, 2, 4))
    with pytest.raises(ValueError, match="2D or 3D"):
        nn.GRU(3, 4)(cr.randn(1, 5, 2, 3))
    with pytest.raises(RuntimeError, match="input must have the type"):
        nn.GRU(3, 4)(cr.randn(5, 2, 3, dtype=cr.float64))
    with pytest.raises(ValueError, match="proj_size has to be smaller"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="Unknown nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="1D or 2D"):
        nn.GRUCell(3, 4)(cr.randn(1, 2, 3))
    with pytest.raises(RuntimeError, match="inconsistent input_size"):
        nn.GRUCell(3, 4)(cr.randn(2, 5))


def test_float32_training_step_learns():
    """A float32 LSTM regressor trains (loss falls): the default-dtype path end to end."""
    cr.manual_seed(0)
    lstm, head = nn.LSTM(1, 8, batch_first=True), nn.Linear(8, 1)
    opt = cr.optim.Adam(list(lstm.parameters()) + list(head.parameters()), lr=0.05)
    t = np.linspace(0, 4 * np.pi, 41, dtype=np.float32)
    x = cr.tensor(np.sin(t)[None, :-1, None].repeat(4, 0))
    y = cr.tensor(np.sin(t)[None, 1:, None].repeat(4, 0))
    losses = []
    for _ in range(40):
        opt.zero_grad()
        out, _ = lstm(x)
        loss = ((head(out) - y) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert out.dtype == cr.float32
    assert losses[-1] < 0.2 * losses[0]


def test_log_softmax_blocked_rows_path_matches_torch():
    """The LM's log_softmax over a large (rows, vocab) input takes a blocked in-place path
    (functions/reduce.py); values and gradients as PyTorch, grad-of-grad unchanged."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((37, 2000)) * 5
    w = rng.standard_normal((37, 2000))
    cx, tx = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cy, ty = nn.functional.log_softmax(cx, 1), torch.log_softmax(tx, 1)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-12,
                               atol=1e-12)
    (cy * cr.tensor(w)).sum().backward()
    (ty * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    small = cr.tensor(rng.standard_normal((3, 5)), requires_grad=True)
    assert gradgradcheck(lambda t: nn.functional.log_softmax(t, 1), [small])


def test_log_softmax_blocked_rows_float32_tail_and_inf_match_torch():
    """The blocked path in float32 (row sums by BLAS): a row count that is not a multiple
    of the block, a row with -inf entries and one with a huge logit, as PyTorch."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((43, 3001)) * 4).astype(np.float32)
    x[5, :7] = -np.inf
    x[11, 3] = 1e30
    g = rng.standard_normal(x.shape).astype(np.float32)
    cx, tx = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    cy, ty = nn.functional.log_softmax(cx, 1), torch.log_softmax(tx, 1)
    assert cy.dtype == cr.float32
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-5,
                               atol=1e-5)
    (cy * cr.tensor(g)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-4, atol=1e-4)


def test_nll_over_blocked_log_softmax_matches_torch():
    """nll_loss over the blocked log_softmax (the LM's loss) takes NLL's one-entry-a-row
    gradient without reading its zeros: weights, ignore_index, sum and mean as PyTorch;
    with a second consumer of the log-probabilities the dense path gives the same."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((70, 1500)) * 3).astype(np.float32)
    t = rng.integers(0, 1500, 70)
    t[[4, 9]] = -100
    w = rng.random(1500).astype(np.float32)
    for kw in ({}, {"weight": w}, {"reduction": "sum"}):
        for second in (False, True):
            grads = []
            for T in (cr, torch):
                a = T.tensor(x, requires_grad=True)
                y = T.nn.functional.log_softmax(a, dim=1)
                args = {k: T.tensor(v) if k == "weight" else v for k, v in kw.items()}
                loss = T.nn.functional.nll_loss(y, T.tensor(t), **args)
                if second:
                    loss = loss + (y * 0.5).mean()
                loss.backward()
                grads.append((float(loss), a.grad.numpy()))
            assert grads[0][0] == pytest.approx(grads[1][0], rel=1e-5)
            np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-4, atol=1e-7)


def test_log_softmax_one_hot_gradient_path_is_the_dense_one_bit_for_bit():
    """The sparse backward (NLL's gradient marked by gather) gives the very bits of the
    dense backward on the same gradient, signed zeros of ignored rows included."""
    from chainrule.autograd import grad_mode
    rng = np.random.default_rng(3)
    x = cr.tensor((rng.standard_normal((40, 2000)) * 4).astype(np.float32),
                  requires_grad=True)
    y = nn.functional.log_softmax(x, 1)
    node = y.grad_fn
    cols = rng.integers(0, 2000, 40)
    vals = rng.standard_normal(40).astype(np.float32)
    vals[[1, 2]] = [0.0, -0.0]
    g = np.zeros((40, 2000), np.float32)
    g[np.arange(40), cols] += vals
    grad_mode.RETAIN_GRAPH[0] = True   # as retain_graph=True: backward keeps its buffers
    try:
        dense = node.backward(g)
        node.one_hot_grad = (g, cols, vals)
        sparse = node.backward(g)
    finally:
        grad_mode.RETAIN_GRAPH[0] = False
    assert np.array_equal(dense.view(np.int32), sparse.view(np.int32))


def test_blocked_log_softmax_backward_twice_with_retain_graph():
    """backward writes into the forward's kept buffer only when the graph is not kept:
    two backward passes with retain_graph=True give the same gradient."""
    rng = np.random.default_rng(4)
    x = cr.tensor(rng.standard_normal((300, 400)), requires_grad=True)
    t = cr.tensor(rng.integers(0, 400, 300))
    loss = nn.functional.nll_loss(nn.functional.log_softmax(x, 1), t)
    loss.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    x.grad = None
    loss.backward()
    np.testing.assert_array_equal(first, x.grad.numpy())
    x.grad = None
    y = nn.functional.log_softmax(x, 1)
    (y * y).sum().backward(retain_graph=True)
    first = x.grad.numpy().copy()
    x.grad = None
    (y * y).sum().backward()
    np.testing.assert_array_equal(first, x.grad.numpy())
