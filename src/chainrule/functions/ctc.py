"""Connectionist temporal classification (Graves et al., 2006): the loss and its gradient
by the forward-backward algorithm, in log space, vectorised over the batch."""
import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor

_NEG = -np.inf


def _logsumexp2(a, b):
    """log(exp(a) + exp(b)), -inf when both are -inf."""
    m = np.maximum(a, b)
    shift = np.where(np.isinf(m), 0, m)
    with np.errstate(divide="ignore"):
        out = m + np.log(np.exp(a - shift) + np.exp(b - shift))
    return np.where(np.isinf(m) & (m < 0), _NEG, out)


class CTCLoss(Op):
    """-log p(target | input) per sample; input (T, N, C) log-probabilities.

    The gradient is PyTorch's ctc_loss_backward, (exp(log_probs) - occupancy / p) g for
    t < input_length (0 beyond): it assumes normalised log_probs (exp sums to 1 over the
    classes), so it is not the derivative of the loss in unnormalised log_probs, whose
    exact value is -occupancy / p. The two differ by exp(log_probs) g, which a log_softmax's
    Jacobian removes: through log_softmax (how CTC is used, and how op_db / module_db feed
    it) both give the same, exact gradient in the logits. PyTorch is the reference, so the
    direct gradient in log_probs matches PyTorch's. A sample whose loss is infinite gets a
    zero gradient with zero_infinity=True, else NaN, as in PyTorch.

    >>> log_probs = torch.zeros(2, 1, 2).log_softmax(2).requires_grad_()
    >>> loss = F.ctc_loss(log_probs, torch.tensor([[1]]), (2,), (1,), reduction="sum"); loss
    tensor(0.2877, grad_fn=<SumBackward0>)
    >>> loss.backward(); log_probs.grad
    tensor([[[ 0.1667, -0.1667]],
    <BLANKLINE>
            [[ 0.1667, -0.1667]]])
    """

    def forward(self, log_probs, *, targets, input_lengths, target_lengths, blank,
                zero_infinity=False):
        self.zero_infinity = zero_infinity
        lp = log_probs.astype(np.float64)
        self._probs = np.exp(lp)
        T, N, C = lp.shape
        S = int(target_lengths.max()) if N else 0
        L = 2 * S + 1
        ext = np.full((N, L), blank, dtype=np.int64)       # blank, y1, blank, y2, ..., blank
        for n in range(N):
            ext[n, 1:2 * target_lengths[n]:2] = targets[n, :target_lengths[n]]
        valid = np.arange(L)[None, :] < (2 * target_lengths[:, None] + 1)
        # s may come from s - 2 when it is a label different from the label at s - 2.
        skip = np.zeros((N, L), dtype=bool)
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        rows = np.arange(N)[:, None]
        emit = lp[:, rows, ext]                              # (T, N, L)
        alpha = np.full((T, N, L), _NEG)
        alpha[0, :, 0] = emit[0, :, 0]
        alpha[0, :, 1] = np.where(target_lengths > 0, emit[0, :, 1], _NEG)
        for t in range(1, T):
            prev = alpha[t - 1]
            a = prev.copy()
            a[:, 1:] = _logsumexp2(a[:, 1:], prev[:, :-1])
            a[:, 2:] = np.where(skip[:, 2:], _logsumexp2(a[:, 2:], prev[:, :-2]), a[:, 2:])
            alpha[t] = np.where(valid, a + emit[t], _NEG)
        beta = np.full((T, N, L), _NEG)
        last = input_lengths - 1
        end = 2 * target_lengths
        for n in range(N):
            if input_lengths[n] > 0:
                beta[last[n], n, end[n]] = emit[last[n], n, end[n]]
                if target_lengths[n] > 0:
                    beta[last[n], n, end[n] - 1] = emit[last[n], n, end[n] - 1]
        skip_next = np.zeros((N, L), dtype=bool)
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(T - 2, -1, -1):
            nxt = beta[t + 1]
            b = nxt.copy()
            b[:, :-1] = _logsumexp2(b[:, :-1], nxt[:, 1:])
            b[:, :-2] = np.where(skip_next[:, :-2], _logsumexp2(b[:, :-2], nxt[:, 2:]), b[:, :-2])
            inside = (t < last)[:, None] & valid
            beta[t] = np.where(inside, b + emit[t], beta[t])
        ll = np.full(N, _NEG)
        for n in range(N):
            if input_lengths[n] > 0:
                ll[n] = alpha[last[n], n, end[n]]
                if target_lengths[n] > 0:
                    ll[n] = _logsumexp2(ll[n], alpha[last[n], n, end[n] - 1])
        self.saved = (alpha, beta, emit, ext, ll, input_lengths, lp.shape, log_probs.dtype)
        return (-ll).astype(log_probs.dtype)

    def backward(self, g):
        alpha, beta, emit, ext, ll, input_lengths, (T, N, C), dtype = self.saved  # noqa: F841
        gd = g._data if isinstance(g, Tensor) else g
        # Occupancy of (t, s): alpha beta / emit; summed per class c over the s labelled c.
        with np.errstate(invalid="ignore", over="ignore"):
            log_occ = alpha + beta - emit - ll[None, :, None]
        occ = np.where(np.isfinite(log_occ), np.exp(log_occ), 0.0)
        grad = np.zeros((T, N, C))
        for n in range(N):
            if not np.isfinite(ll[n]):
                continue
            np.add.at(grad[:, n, :], (slice(None), ext[n]), occ[:, n, :])
        grad = (self._probs - grad)
        grad[np.arange(T)[:, None] >= input_lengths[None, :]] = 0.0  # beyond each input
        bad = ~np.isfinite(ll)
        grad[:, bad, :] = 0.0 if self.zero_infinity else np.nan
        grad = grad * np.asarray(gd, np.float64)[None, :, None]
        out = grad.astype(dtype)
        return Tensor._make(out) if isinstance(g, Tensor) else out


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """PyTorch's F.ctc_loss: log_probs (T, N, C) or (T, C); targets (N, S) padded or 1-D
    concatenated; 'mean' divides each loss by its target length, then averages.

    loss = -log sum_a prod_t p_t(a_t), over the alignments a of the target (blanks, repeats).
    With 3 classes equally likely over 3 steps, 5 of the 27 paths (112, 122, 012, 102, 120)
    collapse to the target [1, 2], so the loss is log(27 / 5):

    >>> log_probs = torch.zeros(3, 1, 3).log_softmax(2)
    >>> F.ctc_loss(log_probs, torch.tensor([[1, 2]]), (3,), (2,), reduction="none")
    tensor([1.6864])
    """
    from ..nn._functional import _reduction
    reduction = _reduction(reduction)
    unbatched = log_probs.dim() == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.dim() != 3:
        raise RuntimeError(f"ctc_loss: expected log_probs of shape (T, N, C) or (T, C), got "
                           f"{list(log_probs.shape)}")
    T, N, C = lp.shape

    def ints(v):
        a = v._data if isinstance(v, Tensor) else np.asarray(v)
        return np.atleast_1d(a).astype(np.int64)
    il, tl = ints(input_lengths), ints(target_lengths)
    t = ints(targets)
    if unbatched:
        t = t.reshape(1, -1) if t.ndim == 1 else t
    if t.ndim == 1:  # concatenated targets
        offsets = np.concatenate([[0], np.cumsum(tl)[:-1]])
        width = int(tl.max()) if tl.size else 0
        padded = np.zeros((N, width), np.int64)
        for n in range(N):
            padded[n, :tl[n]] = t[offsets[n]:offsets[n] + tl[n]]
        t = padded
    if il.shape[0] != N or tl.shape[0] != N:
        raise RuntimeError(f"ctc_loss: expected input_lengths and target_lengths of size {N}, "
                           f"got {il.shape[0]} and {tl.shape[0]}")
    if (il > T).any():
        raise RuntimeError(f"ctc_loss: input length {int(il.max())} exceeds the input's "
                           f"{T} time steps")
    loss = CTCLoss.apply(lp, targets=t, input_lengths=il, target_lengths=tl, blank=int(blank),
                         zero_infinity=bool(zero_infinity))
    if zero_infinity:
        from . import where
        from ..creation import zeros_like
        inf = Tensor._make(np.isinf(loss._data))
        loss = where(inf, zeros_like(loss), loss)
    if unbatched:
        loss = loss.reshape(())
    if reduction == "mean":
        div = Tensor._make(np.maximum(tl, 1).astype(loss._data.dtype))
        return (loss / (div if not unbatched else div.reshape(()))).mean()
    if reduction == "sum":
        return loss.sum()
    return loss
