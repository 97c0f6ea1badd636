"""Recurrent layers as fused ops: one graph node runs a whole layer direction over time.

`RNNLayer` takes the input sequence, the initial state and one direction's weights and
returns (output, h_n) or, for an LSTM, (output, h_n, c_n). Why one node for the whole
sequence rather than a dozen small ops per time step:

* the input projection of every time step is one GEMM (x W_ih^T over T*B rows), so
  each step only adds h W_hh^T and a handful of in-place NumPy passes;
* backward is back-propagation through time in one NumPy loop: per step the gate
  gradients are written into one (T*B, gates) array, and the weight gradients come at
  the end from one GEMM each (dW_ih = dA^T X, dW_hh = dA^T H_prev), not T small ones;
* nothing is recorded per step, so there is no per-op bookkeeping either.

The gates follow PyTorch's layouts and formulas (weight rows (i, f, g, o) for LSTM,
(r, z, n) for GRU, b_hn inside the reset gate's product). Sigmoids are computed as
0.5 + 0.5 tanh(x / 2) so that one tanh call covers every gate of a step; the halving
is folded into copies of the weights (an exact power-of-two scale).

Packed sequences use PyTorch's layout: a (sum(batch_sizes), features) array, time-major,
with batch_sizes[t] rows active at step t (sorted by decreasing length). A dense
(T, B, features) input is the special case batch_sizes = [B] * T. Rows whose sequence
has ended keep their state, so h_n holds each sequence's state at its own last step.

Grad-of-grad: under create_graph the backward rebuilds the layer from ordinary
differentiable ops (matmul, sigmoid, tanh, ... per step) and differentiates that
(`composed_layer`), so the returned gradients are themselves recorded.
"""
import numpy as np

from ..autograd.function import Op, _next_seq
from ..autograd.grad_mode import CREATE_GRAPH, GRAD_ENABLED
from ..tensor import Tensor

_new = object.__new__
_make = Tensor._make

MODES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}  # mode -> gates per unit

# Input order of RNNLayer (None where absent).
_INPUT_NAMES = ("input", "h0", "c0", "weight_ih", "weight_hh", "bias_ih", "bias_hh",
                "weight_hr")


def _steps(n_rows, batch_sizes, reverse):
    """[(first row, rows)] for each time step, in the order the recurrence visits them."""
    steps = []
    s = 0
    for bs in batch_sizes:
        steps.append((s, bs))
        s += bs
    if s != n_rows:
        raise RuntimeError(f"rnn: batch_sizes sum to {s} but the packed input has "
                           f"{n_rows} rows")
    return steps[::-1] if reverse else steps


def _prev_rows(blocks, init, B, reverse):
    """For a uniform batch of B rows per step: the (N, n) array whose rows for each step
    hold the state before that step (the block of the step visited before it, or init)."""
    prev = np.empty_like(blocks)
    if blocks.shape[0]:
        if reverse:
            prev[:-B] = blocks[B:]
            prev[-B:] = init
        else:
            prev[B:] = blocks[:-B]
            prev[:B] = init
    return prev


def _lstm_perm(H):
    """Row order (o, i, f, g) of PyTorch's (i, f, g, o): the three sigmoid gates side by
    side (one affine after the step's tanh), and the three gates whose gradient is
    d c_t times a factor side by side too (one broadcast multiply in backward)."""
    return np.r_[3 * H:4 * H, 0:3 * H]


class _Graft(Op):
    """Identity edge from an input to the fresh leaf that stood for it while the composed
    layer was differentiated (see RNNLayer._composed_backward)."""

    saves = False

    def forward(self, x):
        return x

    def backward(self, grad):
        return grad


class RNNLayer(Op):
    """One direction of one recurrent layer over a whole (possibly packed) sequence.

    Inputs: input (T, B, I) or packed (N, I) with `batch_sizes`; h0 (B, Hout) or None
    (zeros); c0 (B, H) or None (LSTM only); weight_ih (G*H, I); weight_hh (G*H, Hout);
    bias_ih, bias_hh (G*H,) or None; weight_hr (Hout, H) or None (LSTM projections).
    Options: mode ("RNN_TANH", "RNN_RELU", "LSTM", "GRU"), reverse, batch_sizes.
    Outputs: output (same layout as input, Hout features), h_n (B, Hout) and, for LSTM,
    c_n (B, H).

    >>> rnn = nn.GRU(3, 4)
    >>> out, h_n = rnn(torch.randn(5, 2, 3)); out.grad_fn
    <GruLayerBackward0 object>
    >>> out.sum().backward(); rnn.weight_ih_l0.grad.shape
    chainrule.Size([12, 3])
    """

    plain_backward = False
    saved_attrs = ("_saved",)

    @classmethod
    def apply(cls, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, *, mode,
              reverse=False, batch_sizes=None):
        tensors = (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
        needs = tuple(t is not None and t.requires_grad for t in tensors)
        record = GRAD_ENABLED[0] and True in needs
        node = _new(cls)
        node.mode, node.reverse = mode, reverse
        arrays = [None if t is None else t._data for t in tensors]
        outs = node.forward(*arrays, batch_sizes=batch_sizes, record=record)
        node.n_outputs = len(outs)
        results = []
        for i, o in enumerate(outs):
            t = _make(o)
            if record:
                t.requires_grad = True
                t.grad_fn = node
                t._out_idx = i
            results.append(t)
        if record:
            node.inputs = tensors
            node.needs_input_grad = needs
            node.seq = _next_seq()
            node._in_versions = tuple(None if t is None else t._version[0] for t in tensors)
            node._batch_sizes = batch_sizes
        return tuple(results)

    @property
    def name(self):
        return self.mode.lower() + "_layer"

    @property
    def backward_name(self):
        return {"RNN_TANH": "RnnTanh", "RNN_RELU": "RnnRelu", "LSTM": "Lstm",
                "GRU": "Gru"}[self.mode] + "LayerBackward0"

    # --- forward ------------------------------------------------------------------------
    def forward(self, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, *, batch_sizes, record):
        mode = self.mode
        G = MODES[mode]
        dt = x.dtype
        H = w_ih.shape[0] // G
        Hout = w_hh.shape[1]
        if batch_sizes is None:
            T, B = x.shape[0], x.shape[1]
            x2 = x.reshape(T * B, x.shape[2])
            batch_sizes = (B,) * T
        else:
            x2 = x
            B = batch_sizes[0] if len(batch_sizes) else 0
        N = x2.shape[0]
        steps = _steps(N, batch_sizes, self.reverse)
        h = np.zeros((B, Hout), dt) if h0 is None else np.array(h0, dtype=dt)
        out = np.empty((N, Hout), dt)
        # With the same batch at every step (a dense input) the state is carried as a
        # view of the previous step's rows, and what backward needs of it is assembled
        # once at the end (_prev_rows); a packed batch keeps a full state array, updated
        # in place, so finished rows keep their last state.
        uniform = len(set(batch_sizes)) <= 1
        copy_prev = record and not uniform
        hprev = np.empty((N, Hout), dt) if copy_prev else None
        hcur = h

        if mode == "LSTM":
            perm = _lstm_perm(H)
            wih, whh = w_ih[perm], w_hh[perm]
            xg = x2 @ np.ascontiguousarray(wih.T)
            if b_ih is not None:
                xg += b_ih[perm]
            if b_hh is not None:
                xg += b_hh[perm]
            xg[:, :3 * H] *= 0.5
            whh_sT = np.ascontiguousarray(whh.T)  # (Hout, 4H): a plain GEMM is 2x faster
            whh_sT[:, :3 * H] *= 0.5                # than one on a transposed view
            w_hrT = None if w_hr is None else np.ascontiguousarray(w_hr.T)
            c = np.zeros((B, H), dt) if c0 is None else np.array(c0, dtype=dt)
            c_all = np.empty((N, H), dt)
            tc_all = np.empty((N, H), dt)
            cprev = np.empty((N, H), dt) if copy_prev else None
            m_all = np.empty((N, H), dt) if (record and w_hr is not None) else None
            ig = np.empty((B, H), dt)
            ccur = c
            H2, H3 = 2 * H, 3 * H
            for s, bs in steps:
                e = s + bs
                if uniform:
                    hp, cp = hcur, ccur
                else:
                    hp, cp = h[:bs], c[:bs]
                a = xg[s:e]
                a += hp @ whh_sT
                np.tanh(a, out=a)
                sg = a[:, :H3]
                sg *= 0.5
                sg += 0.5                                   # o, i, f: sigmoids
                cs = c_all[s:e]
                np.multiply(a[:, H2:H3], cp, out=cs)        # f * c_{t-1}
                cs += np.multiply(a[:, H:H2], a[:, H3:], out=ig[:bs])  # + i * g
                tc = np.tanh(cs, out=tc_all[s:e])
                if w_hr is None:
                    hn = np.multiply(a[:, :H], tc, out=out[s:e])
                else:
                    m = a[:, :H] * tc
                    if m_all is not None:
                        m_all[s:e] = m
                    hn = np.matmul(m, w_hrT, out=out[s:e])
                if uniform:
                    hcur, ccur = hn, cs
                    continue
                if copy_prev:
                    hprev[s:e] = hp
                    cprev[s:e] = cp
                h[:bs] = hn
                c[:bs] = cs
            if uniform:
                if record:
                    hprev = _prev_rows(out, h, B, self.reverse)
                    cprev = _prev_rows(c_all, c, B, self.reverse)
                h, c = hcur.copy(), ccur.copy()
            if record:
                self._saved = (x2, steps, xg, c_all, tc_all, cprev, m_all, hprev, wih, whh,
                               w_hr, perm, H, B)
            outs = (out, h, c)
        elif mode == "GRU":
            H2 = 2 * H
            xg = x2 @ np.ascontiguousarray(w_ih.T)
            if b_ih is not None:
                xg += b_ih
            if b_hh is not None:
                xg[:, :H2] += b_hh[:H2]
            xg[:, :H2] *= 0.5
            whh_sT = np.ascontiguousarray(w_hh.T)
            whh_sT[:, :H2] *= 0.5
            bhn = None if b_hh is None else b_hh[H2:]
            hgn_all = np.empty((N, H), dt)
            for s, bs in steps:
                e = s + bs
                hp = hcur if uniform else h[:bs]
                a = xg[s:e]
                hg = hp @ whh_sT
                rz = a[:, :H2]
                rz += hg[:, :H2]
                np.tanh(rz, out=rz)
                rz *= 0.5
                rz += 0.5
                hgn = hgn_all[s:e]
                if bhn is None:
                    hgn[...] = hg[:, H2:]
                else:
                    np.add(hg[:, H2:], bhn, out=hgn)
                n = a[:, H2:]
                n += a[:, :H] * hgn
                np.tanh(n, out=n)
                hn = np.subtract(hp, n, out=out[s:e])
                hn *= a[:, H:H2]
                hn += n
                if uniform:
                    hcur = hn
                    continue
                if copy_prev:
                    hprev[s:e] = hp
                h[:bs] = hn
            if uniform:
                if record:
                    hprev = _prev_rows(out, h, B, self.reverse)
                h = hcur.copy()
            if record:
                self._saved = (x2, steps, xg, hgn_all, hprev, w_ih, w_hh, H, B)
            outs = (out, h)
        else:
            xg = x2 @ np.ascontiguousarray(w_ih.T)
            if b_ih is not None:
                xg += b_ih
            if b_hh is not None:
                xg += b_hh
            whhT = np.ascontiguousarray(w_hh.T)
            relu = mode == "RNN_RELU"
            for s, bs in steps:
                e = s + bs
                hp = hcur if uniform else h[:bs]
                a = xg[s:e]
                a += hp @ whhT
                if relu:
                    np.maximum(a, 0, out=a)
                else:
                    np.tanh(a, out=a)
                if uniform:
                    hcur = a
                    continue
                if copy_prev:
                    hprev[s:e] = hp
                h[:bs] = a
            if uniform:
                if record:
                    hprev = _prev_rows(xg, h, B, self.reverse)
                h = hcur.copy()
            # each step's activations are its outputs (a copy when saved: an in-place
            # edit of the output must not reach what backward reads)
            out = xg.copy() if record else xg
            if record:
                self._saved = (x2, steps, xg, hprev, w_ih, w_hh, B)
            outs = (out, h)
        if x.ndim == 3:
            outs = (outs[0].reshape(x.shape[0], x.shape[1], Hout),) + outs[1:]
        return outs

    # --- backward -----------------------------------------------------------------------
    def _run_backward(self, grads):
        self.check_versions()
        if CREATE_GRAPH[0]:
            return self._composed_backward(grads)
        x = self.inputs[0]
        gout = grads[0]
        if gout is not None and gout.ndim == 3:
            gout = gout.reshape(-1, gout.shape[2])
        if self.mode == "LSTM":
            res = self._lstm_backward(gout, grads[1], grads[2])
        elif self.mode == "GRU":
            res = self._gru_backward(gout, grads[1])
        else:
            res = self._rnn_backward(gout, grads[1])
        gx2, gh0, gc0, gwih, gwhh, gb, gbhh, gwhr = res
        need = self.needs_input_grad
        gx = gx2.reshape(x._data.shape) if need[0] else None
        return (gx, gh0 if need[1] else None, gc0 if need[2] else None,
                gwih if need[3] else None, gwhh if need[4] else None,
                gb if need[5] else None, gbhh if need[6] else None,
                gwhr if need[7] else None)

    def _lstm_backward(self, gout, gh_n, gc_n):
        (x2, steps, act, c_all, tc_all, cprev, m_all, hprev, wih, whh, w_hr, perm, H,
         B) = self._saved
        dt = act.dtype
        N = x2.shape[0]
        Hout = whh.shape[1]
        H2, H3 = 2 * H, 3 * H
        dh = np.zeros((B, Hout), dt) if gh_n is None else np.array(gh_n, dtype=dt)
        dc = np.zeros((B, H), dt) if gc_n is None else np.array(gc_n, dtype=dt)
        # Everything that does not depend on the recurrence, for all steps at once:
        # with d c_t known, d(pre-activation) of i, f, g is d c_t times
        # (g s_i', c_{t-1} s_f', i tanh'_g), that of o is d m_t tc s_o'; and
        # d c_t = d m_t o (1 - tc^2) + f d c_{t+1}.
        o, i, f, g = act[:, :H], act[:, H:H2], act[:, H2:H3], act[:, H3:]
        sd = act[:, :H3] * act[:, :H3]
        np.subtract(act[:, :H3], sd, out=sd)                # s (1 - s) for o, i, f
        fac = np.empty((N, 4 * H), dt)
        np.multiply(tc_all, sd[:, :H], out=fac[:, :H])       # o: tc s_o'
        np.multiply(g, sd[:, H:H2], out=fac[:, H:H2])        # i: g s_i'
        np.multiply(cprev, sd[:, H2:H3], out=fac[:, H2:H3])  # f: c_{t-1} s_f'
        tg = fac[:, H3:]
        np.multiply(g, g, out=tg)
        np.subtract(1, tg, out=tg)
        tg *= i                                              # g: i (1 - g^2)
        del sd
        otc = tc_all * tc_all
        np.subtract(1, otc, out=otc)
        otc *= o                                             # o (1 - tc^2)
        da_all = np.empty((N, 4 * H), dt)
        dH_all = np.empty((N, Hout), dt) if w_hr is not None else None
        dct_buf = np.empty((B, H), dt)
        for s, bs in reversed(steps):
            e = s + bs
            d = dh[:bs]
            if gout is not None:
                d += gout[s:e]
            if w_hr is not None:
                dH_all[s:e] = d
                dm = d @ w_hr
            else:
                dm = d
            da = da_all[s:e]
            np.multiply(dm, fac[s:e, :H], out=da[:, :H])                 # o
            dct = np.multiply(dm, otc[s:e], out=dct_buf[:bs])
            dct += dc[:bs]                                               # d c_t
            np.multiply(dct[:, None, :], fac[s:e, H:].reshape(bs, 3, H),
                        out=da[:, H:].reshape(bs, 3, H))                 # i, f, g
            np.multiply(dct, f[s:e], out=dc[:bs])                        # d c_{t-1}
            np.matmul(da, whh, out=dh[:bs])                              # d h_{t-1}
        inv = np.argsort(perm)
        need = self.needs_input_grad
        gx2 = da_all @ wih if need[0] else None
        gwih = (da_all.T @ x2)[inv] if need[3] else None
        gwhh = (da_all.T @ hprev)[inv] if need[4] else None
        gb = da_all.sum(axis=0)[inv] if (need[5] or need[6]) else None
        gwhr = dH_all.T @ m_all if (w_hr is not None and need[7]) else None
        return gx2, dh, dc, gwih, gwhh, gb, None if gb is None else gb.copy(), gwhr

    def _gru_backward(self, gout, gh_n):
        x2, steps, act, hgn_all, hprev, w_ih, w_hh, H, B = self._saved
        dt = act.dtype
        N = x2.shape[0]
        H2 = 2 * H
        dh = np.zeros((B, H), dt) if gh_n is None else np.array(gh_n, dtype=dt)
        da_all = np.empty((N, 3 * H), dt)   # d(pre-activations): r, z, and n's input part
        dhn_all = np.empty((N, H), dt)      # d(W_hn h + b_hn)
        whh_rz, whh_n = w_hh[:H2], w_hh[H2:]
        for s, bs in reversed(steps):
            e = s + bs
            d = dh[:bs]
            if gout is not None:
                d += gout[s:e]
            a = act[s:e]
            r, z, n = a[:, :H], a[:, H:H2], a[:, H2:]
            hp = hprev[s:e]
            da = da_all[s:e]
            dnp = da[:, H2:]
            np.subtract(1, z, out=dnp)
            dnp *= d
            tmp = n * n
            np.subtract(1, tmp, out=tmp)
            dnp *= tmp                                     # d n_pre
            dz = np.subtract(hp, n, out=da[:, H:H2])
            dz *= d
            tmp = z * z
            np.subtract(z, tmp, out=tmp)
            dz *= tmp                                      # d z_pre
            dhn = np.multiply(dnp, r, out=dhn_all[s:e])
            dr = np.multiply(dnp, hgn_all[s:e], out=da[:, :H])
            tmp = r * r
            np.subtract(r, tmp, out=tmp)
            dr *= tmp                                      # d r_pre
            dprev = d * z
            dprev += da[:, :H2] @ whh_rz
            dprev += dhn @ whh_n
            dh[:bs] = dprev
        need = self.needs_input_grad
        gx2 = da_all @ w_ih if need[0] else None
        gwih = da_all.T @ x2 if need[3] else None
        gwhh = None
        if need[4]:
            gwhh = np.empty_like(w_hh)
            np.matmul(da_all[:, :H2].T, hprev, out=gwhh[:H2])
            np.matmul(dhn_all.T, hprev, out=gwhh[H2:])
        gbih = da_all.sum(axis=0) if need[5] else None
        gbhh = None
        if need[6]:
            gbhh = np.concatenate([gbih[:H2] if gbih is not None else
                                   da_all[:, :H2].sum(axis=0), dhn_all.sum(axis=0)])
        return gx2, dh, None, gwih, gwhh, gbih, gbhh, None

    def _rnn_backward(self, gout, gh_n):
        x2, steps, act, hprev, w_ih, w_hh, B = self._saved
        dt = act.dtype
        N = x2.shape[0]
        H = w_hh.shape[1]
        relu = self.mode == "RNN_RELU"
        dh = np.zeros((B, H), dt) if gh_n is None else np.array(gh_n, dtype=dt)
        da_all = np.empty((N, H), dt)
        for s, bs in reversed(steps):
            e = s + bs
            d = dh[:bs]
            if gout is not None:
                d += gout[s:e]
            a = act[s:e]
            da = da_all[s:e]
            if relu:
                np.multiply(d, a > 0, out=da)
            else:
                np.multiply(a, a, out=da)
                np.subtract(1, da, out=da)
                da *= d
            np.matmul(da, w_hh, out=dh[:bs])
        need = self.needs_input_grad
        gx2 = da_all @ w_ih if need[0] else None
        gwih = da_all.T @ x2 if need[3] else None
        gwhh = da_all.T @ hprev if need[4] else None
        gb = da_all.sum(axis=0) if (need[5] or need[6]) else None
        return gx2, dh, None, gwih, gwhh, gb, None if gb is None else gb.copy(), None

    def _composed_backward(self, grads):
        """Gradients as recorded Tensors: rebuild the layer from ordinary ops on fresh
        leaves (so the inner backward stops at them), differentiate it with
        create_graph, then graft each leaf onto the input it stands for, so that a
        higher-order pass flows from the returned gradients into the real inputs."""
        from ..autograd.engine import grad as _grad
        leaves, wrt, grafts = [], [], []
        for t, need in zip(self.inputs, self.needs_input_grad):
            if t is None:
                leaves.append(None)
            elif need:
                leaf = _make(t._data, requires_grad=True)
                graft = _new(_Graft)
                graft.inputs, graft.needs_input_grad = (t,), (True,)
                graft.seq = _next_seq()  # older than everything the rebuild records
                leaves.append(leaf)
                wrt.append(leaf)
                grafts.append((leaf, graft))
            else:
                leaves.append(_make(t._data))
        outs = composed_layer(*leaves, mode=self.mode, reverse=self.reverse,
                              batch_sizes=self._batch_sizes)
        roots, seeds = [], []
        for o, g in zip(outs, grads):
            if g is not None:
                roots.append(o)
                seeds.append(g if isinstance(g, Tensor) else _make(g))
        got = _grad(roots, wrt, seeds, create_graph=True, allow_unused=True)
        for leaf, graft in grafts:
            leaf.grad_fn = graft
        it = iter(got)
        return tuple(next(it) if need else None for need in self.needs_input_grad)


def composed_layer(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, *, mode,
                   reverse=False, batch_sizes=None):
    """The same layer as RNNLayer, built step by step from ordinary differentiable ops
    (the reference the fused op is tested against, and its grad-of-grad path).

    >>> from chainrule.functions.rnn import composed_layer, rnn_layer
    >>> x, w_ih, w_hh = torch.randn(5, 2, 3), torch.randn(4, 3), torch.randn(4, 4)
    >>> a = composed_layer(x, None, None, w_ih, w_hh, mode="RNN_TANH")[0]
    >>> b = rnn_layer(x, None, None, w_ih, w_hh, mode="RNN_TANH")[0]
    >>> torch.allclose(a, b, atol=1e-6)
    True
    """
    from . import shape as S
    G = MODES[mode]
    H = w_ih.shape[0] // G
    Hout = w_hh.shape[1]
    dense = batch_sizes is None
    if dense:
        T, B = x.shape[0], x.shape[1]
        x2 = x.reshape(T * B, x.shape[2])
        batch_sizes = (B,) * T
    else:
        x2 = x
        B = batch_sizes[0] if len(batch_sizes) else 0
    steps = _steps(x2.shape[0], batch_sizes, reverse)
    dt = x._data.dtype
    h = h0 if h0 is not None else _make(np.zeros((B, Hout), dt))
    c = None
    if mode == "LSTM":
        c = c0 if c0 is not None else _make(np.zeros((B, H), dt))
    outs = {}
    for s, bs in steps:
        xs, hp = x2[s:s + bs], h[:bs]
        gi = xs @ w_ih.t()
        gh = hp @ w_hh.t()
        if b_ih is not None:
            gi = gi + b_ih
        if b_hh is not None:
            gh = gh + b_hh
        if mode == "LSTM":
            i, f, g, o = (gi + gh).chunk(4, 1)
            cn = f.sigmoid() * c[:bs] + i.sigmoid() * g.tanh()
            hn = o.sigmoid() * cn.tanh()
            if w_hr is not None:
                hn = hn @ w_hr.t()
            c = cn if bs == B else S.cat([cn, c[bs:]], 0)
        elif mode == "GRU":
            ir, iz, in_ = gi.chunk(3, 1)
            hr, hz, hn_ = gh.chunk(3, 1)
            r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
            n = (in_ + r * hn_).tanh()
            hn = n + z * (hp - n)
        else:
            a = gi + gh
            hn = a.relu() if mode == "RNN_RELU" else a.tanh()
        h = hn if bs == B else S.cat([hn, h[bs:]], 0)
        outs[s] = hn
    out = S.cat([outs[s] for s in sorted(outs)], 0) if outs else \
        _make(np.zeros((0, Hout), dt))
    if dense:
        out = out.reshape(x.shape[0], x.shape[1], Hout)
    return (out, h, c) if mode == "LSTM" else (out, h)


def rnn_layer(x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, w_hr=None, *, mode,
              reverse=False, batch_sizes=None):
    """Run one direction of one recurrent layer (the fused op), checking shapes.

    x: (T, B, I), or packed (N, I) with `batch_sizes`; returns (output, h_n) or, for
    mode "LSTM", (output, h_n, c_n).

    >>> from chainrule.functions.rnn import rnn_layer
    >>> T, B, I, H = 5, 2, 3, 4
    >>> x = torch.randn(T, B, I)
    >>> w_ih, w_hh = torch.randn(3 * H, I), torch.randn(3 * H, H)
    >>> b_ih, b_hh = torch.zeros(3 * H), torch.zeros(3 * H)
    >>> out, h_n = rnn_layer(x, None, None, w_ih, w_hh, b_ih, b_hh, mode="GRU")
    >>> out.shape, h_n.shape, torch.equal(out[-1], h_n)
    (chainrule.Size([5, 2, 4]), chainrule.Size([2, 4]), True)
    """
    if mode not in MODES:
        raise ValueError(f"rnn_layer: unknown mode {mode!r}; expected one of {list(MODES)}")
    G = MODES[mode]
    xs = tuple(x._data.shape)
    if batch_sizes is None and len(xs) != 3:
        raise RuntimeError(f"rnn_layer: expected a (T, B, features) input, got shape {list(xs)}")
    if batch_sizes is not None and len(xs) != 2:
        raise RuntimeError(f"rnn_layer: expected packed (N, features) data, got {list(xs)}")
    if w_ih._data.shape[0] % G or w_ih._data.shape[1] != xs[-1]:
        raise RuntimeError(f"rnn_layer ({mode}): weight_ih of shape {list(w_ih.shape)} does "
                           f"not fit input features {xs[-1]} with {G} gate(s)")
    H = w_ih._data.shape[0] // G
    Hout = H if w_hr is None else w_hr._data.shape[0]
    if tuple(w_hh._data.shape) != (G * H, Hout):
        raise RuntimeError(f"rnn_layer ({mode}): weight_hh has shape {list(w_hh.shape)}, "
                           f"expected {[G * H, Hout]}")
    B = xs[1] if batch_sizes is None else (batch_sizes[0] if len(batch_sizes) else 0)
    for name, t, shape in (("h0", h0, (B, Hout)), ("c0", c0, (B, H))):
        if t is not None and tuple(t._data.shape) != shape:
            raise RuntimeError(f"rnn_layer ({mode}): {name} has shape {list(t.shape)}, "
                               f"expected {list(shape)}")
    if batch_sizes is not None:
        batch_sizes = tuple(int(b) for b in batch_sizes)
    return RNNLayer.apply(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, mode=mode,
                          reverse=bool(reverse), batch_sizes=batch_sizes)
