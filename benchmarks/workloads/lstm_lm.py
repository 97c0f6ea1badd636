"""A word-level LSTM language-model training step: PyTorch's word_language_model example
at its defaults (target: chainrule <= 1.10x PyTorch, issue 17; the recurrent-network issue
asked for 1.3x). Reports CPU time as well as wall time.

Embedding 200 -> 2-layer LSTM (hidden 200, dropout 0.2 between layers and on the
embedding and output, as the example's RNNModel) -> Linear decoder over a 10,000-word
vocabulary; log_softmax + NLLLoss; sequence (bptt) 35, batch 20; the hidden state is
carried over from batch to batch, detached (the example's repackage_hidden);
clip_grad_norm_ 0.25 and the example's hand-written SGD step `p.data.add_(p.grad,
alpha=-lr)` with lr 20. Untied weights (the example's default). Random tokens stand in for
WikiText-2 (the cost of a step does not depend on which words they are). chainrule and
PyTorch run the very same code from the same initial weights on the same batches.
"""
import importlib

import numpy as np

from ..common import tic, toc
from . import Workload

VOCAB, EMB, HIDDEN, LAYERS, BPTT, BATCH = 10_000, 200, 200, 2, 35, 20
DROPOUT, LR, CLIP = 0.2, 20.0, 0.25
STEPS = 5
SMOKE_STEPS = 1
SMOKE_VOCAB, SMOKE_BPTT = 500, 5


def build_model(T, vocab=VOCAB, seed=0):
    """The example's RNNModel in library T, weights drawn with one NumPy seed: encoder and
    decoder U(-0.1, 0.1), decoder bias 0 (the example's init_weights), LSTM parameters
    U(-1/sqrt(hidden), 1/sqrt(hidden)) (PyTorch's default)."""
    nn, F = T.nn, T.nn.functional

    class RNNModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.drop = nn.Dropout(DROPOUT)
            self.encoder = nn.Embedding(vocab, EMB)
            self.rnn = nn.LSTM(EMB, HIDDEN, LAYERS, dropout=DROPOUT)
            self.decoder = nn.Linear(HIDDEN, vocab)

        def forward(self, input, hidden):  # noqa: A002
            emb = self.drop(self.encoder(input))
            output, hidden = self.rnn(emb, hidden)
            output = self.drop(output)
            decoded = self.decoder(output).view(-1, vocab)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(LAYERS, bsz, HIDDEN), weight.new_zeros(LAYERS, bsz, HIDDEN))

    model = RNNModel()
    rng = np.random.default_rng(seed)
    stdv = 1.0 / np.sqrt(HIDDEN)
    with T.no_grad():
        for name, p in model.named_parameters():
            shape = tuple(p.shape)
            if name == "decoder.bias":
                a = np.zeros(shape)
            elif name.startswith(("encoder", "decoder")):
                a = rng.uniform(-0.1, 0.1, shape)
            else:
                a = rng.uniform(-stdv, stdv, shape)
            p.copy_(T.from_numpy(a.astype(np.float32)))
    return model


def batches(n, vocab=VOCAB, bptt=BPTT, seed=1):
    """n consecutive (input, target) pairs of a random token stream, time-major (bptt,
    batch) as the example's get_batch: targets are the inputs shifted by one step."""
    rng = np.random.default_rng(seed)
    stream = rng.integers(0, vocab, (n * bptt + 1, BATCH)).astype(np.int64)
    return [(np.ascontiguousarray(stream[i * bptt:(i + 1) * bptt]),
             np.ascontiguousarray(stream[i * bptt + 1:(i + 1) * bptt + 1]))
            for i in range(n)]


def _factory(lib):
    def factory(smoke):
        steps = SMOKE_STEPS if smoke else STEPS
        vocab, bptt = (SMOKE_VOCAB, SMOKE_BPTT) if smoke else (VOCAB, BPTT)
        T = importlib.import_module(lib)
        model = build_model(T, vocab)
        criterion = T.nn.NLLLoss()
        data = [(T.from_numpy(x), T.from_numpy(y)) for x, y in batches(steps, vocab, bptt)]
        # The same number in both libraries (no dropout masks involved): the eval loss of
        # the initial weights on the first batch.
        model.eval()
        with T.no_grad():
            out0, _ = model(data[0][0], model.init_hidden(BATCH))
            eval_loss0 = float(criterion(out0, data[0][1].reshape(-1)))
        model.train()
        state = {"hidden": model.init_hidden(BATCH)}

        def repackage_hidden(h):
            return tuple(v.detach() for v in h)

        def run():
            t0 = tic()
            hidden = state["hidden"]
            for xb, yb in data:
                hidden = repackage_hidden(hidden)
                model.zero_grad()
                output, hidden = model(xb, hidden)
                loss = criterion(output, yb.reshape(-1))
                loss.backward()
                T.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
                for p in model.parameters():
                    p.data.add_(p.grad, alpha=-LR)
            state["hidden"] = hidden
            return toc(t0) * 1e3 / len(data), {"eval_loss0": eval_loss0,
                                                       "train_loss": f"{loss.item():.3f}"}
        return run
    return factory


def workloads():
    return [
        Workload("lstm_lm", f"LSTM language-model training step (word_language_model: "
                 f"{LAYERS} layers, emb/hidden {EMB}, bptt {BPTT}, batch {BATCH}, vocab "
                 f"{VOCAB:,}, dropout {DROPOUT}), clip 0.25, SGD lr {LR:g}",
                 "ms", {lib: _factory(lib) for lib in ("chainrule", "torch")},
                 targets={"torch": 1.1}, repeats=5, warmup=1, order=35),
    ]
