"""A character-level LSTM language model (Karpathy's char-rnn) trained on Pride and
Prejudice.

    python examples/char_rnn.py                       # ~5 minutes of training, then samples
    python examples/char_rnn.py --minutes 1 --sample 300
    python examples/char_rnn.py --save ckpt           # checkpoint (weights + vocabulary + step)
    python examples/char_rnn.py --resume ckpt --minutes 2    # ... and train on from it

Each character is a token. The text is cut into `--batch-size` contiguous streams that the
model reads side by side, `--bptt` characters at a time: an embedding, a stacked nn.LSTM
(one fused op per layer: the whole window's recurrence in one graph node) and a Linear over
the characters, trained with cross-entropy and Adam. The LSTM's state is carried from one
window to the next, detached (truncated back-propagation through time), so the model
sees context far beyond a window. Sampling feeds the model its own output one character at
a time, carrying the state, with a temperature.

The text (examples/data/pride_and_prejudice.txt) is public domain; see
examples/data/README.md for its source.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

import chainrule as torch
import chainrule.nn as nn
import chainrule.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TEXT = os.path.join(HERE, "data", "pride_and_prejudice.txt")


class CharRNN(nn.Module):
    """Embedding -> n_layer LSTM (dropout between layers) -> Linear over characters."""

    def __init__(self, vocab_size, emb=64, hidden=256, n_layer=2, dropout=0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, emb)
        self.lstm = nn.LSTM(emb, hidden, n_layer, dropout=dropout if n_layer > 1 else 0.0,
                            batch_first=True)
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, idx, state=None):
        out, state = self.lstm(self.embed(idx), state)
        return self.head(out), state

    @torch.no_grad()
    def generate(self, prompt_ids, n, temperature=0.8, generator=None):
        """prompt_ids (list of ints) followed by n sampled characters."""
        rng = np.random.default_rng(generator)
        out = list(prompt_ids)
        logits, state = self(torch.tensor([out]))
        for _ in range(n):
            z = logits._data[0, -1].astype(np.float64) / max(temperature, 1e-6)
            p = np.exp(z - z.max())
            nxt = int(rng.choice(p.size, p=p / p.sum()))
            out.append(nxt)
            logits, state = self(torch.tensor([[nxt]]), state)
        return out


def save_checkpoint(directory, model, chars, step, config):
    """weights.safetensors + meta.json (vocabulary, step, model config) in `directory`."""
    os.makedirs(directory, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(directory, "weights.safetensors"))
    with open(os.path.join(directory, "meta.json"), "w", encoding="utf-8") as f:
        json.dump({"chars": chars, "step": step, "config": config}, f, ensure_ascii=False)


def load_checkpoint(directory):
    """(model, chars, step) saved by save_checkpoint."""
    with open(os.path.join(directory, "meta.json"), encoding="utf-8") as f:
        meta = json.load(f)
    model = CharRNN(len(meta["chars"]), **meta["config"])
    model.load_state_dict(torch.load(os.path.join(directory, "weights.safetensors")))
    return model, meta["chars"], meta["step"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", default=DEFAULT_TEXT, help="a UTF-8 text file to learn")
    ap.add_argument("--minutes", type=float, default=5.0, help="training time (default 5)")
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--bptt", type=int, default=64, help="characters per window")
    ap.add_argument("--batch-size", type=int, default=32, help="parallel streams")
    ap.add_argument("--emb", type=int, default=64)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.1)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--sample", type=int, default=500, help="characters to sample at the end")
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    ap.add_argument("--save", metavar="DIR", default=None, help="write a checkpoint there")
    ap.add_argument("--resume", metavar="DIR", default=None,
                    help="start from a checkpoint (its model size and vocabulary)")
    args = ap.parse_args(argv)

    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
            threadpool_limits(args.threads, user_api="blas")
        except ImportError:
            pass
    try:
        with open(args.text, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        sys.exit(f"char_rnn: cannot read {args.text}: {e.strerror}")
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    config = dict(emb=args.emb, hidden=args.hidden, n_layer=args.layers, dropout=args.dropout)
    step0 = 0
    if args.resume:
        try:
            model, chars, step0 = load_checkpoint(args.resume)
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"char_rnn: cannot resume from {args.resume}: {e}")
        unknown = sorted(set(text) - set(chars))
        if unknown:
            sys.exit(f"char_rnn: {args.text} has characters the checkpoint's vocabulary lacks: "
                     f"{''.join(unknown)[:20]!r}")
        config = dict(emb=model.embed.embedding_dim, hidden=model.lstm.hidden_size,
                      n_layer=model.lstm.num_layers, dropout=model.lstm.dropout)
    else:
        chars = sorted(set(text))
        model = CharRNN(len(chars), **config)
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    V = len(chars)
    n_val = max(len(data) // 10, 502)
    train, val = data[:-n_val], data[-n_val:]
    if len(train) < args.batch_size * (args.bptt + 1):
        sys.exit(f"char_rnn: {args.text} has {len(text)} characters: too short for "
                 f"{args.batch_size} streams of {args.bptt + 1}")
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{os.path.basename(args.text)}: {len(text):,} characters, vocabulary {V}; model "
          f"{n_params:,} parameters ({config['n_layer']}-layer LSTM, hidden "
          f"{config['hidden']}, embedding {config['emb']}); {args.batch_size} streams, "
          f"windows of {args.bptt}" + (f"; resumed at step {step0}" if args.resume else ""))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    # batch_size contiguous streams, read window by window (state carried across windows)
    L = len(train) // args.batch_size
    streams = train[:L * args.batch_size].reshape(args.batch_size, L)
    n_windows = (L - 1) // args.bptt

    def val_loss():
        model.eval()
        # up to 8 streams of 500 characters of the held-out tail of the text
        n = max(1, min(8, (len(val) - 1) // 500))
        seg = val[:n * 500 + 1]
        xs = np.stack([seg[i * 500:(i + 1) * 500] for i in range(n)])
        ys = np.stack([seg[i * 500 + 1:(i + 1) * 500 + 1] for i in range(n)])
        with torch.no_grad():
            logits, _ = model(torch.from_numpy(xs))
            loss = F.cross_entropy(logits.reshape(-1, V), torch.from_numpy(ys).reshape(-1))
        model.train()
        return loss.item()

    from tqdm import tqdm
    budget = args.minutes * 60
    t0 = time.time()
    bar = tqdm(total=int(budget), unit="s", desc="training",
               bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} s {postfix}")
    step, losses, state = 0, [], None
    offset = int(rng.integers(0, args.bptt))  # a different window phase per run
    while step < args.max_steps and time.time() - t0 < budget:
        w = (step + offset) % n_windows
        if w == 0:
            state = None  # back at the start of the streams
        seg = streams[:, w * args.bptt:(w + 1) * args.bptt + 1]
        x, y = torch.from_numpy(seg[:, :-1].copy()), torch.from_numpy(seg[:, 1:].copy())
        if state is not None:
            state = tuple(s.detach() for s in state)
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        step += 1
        now = min(int(time.time() - t0), int(budget))
        if now != bar.n:  # the bar counts seconds of the time budget
            bar.n = now
            bar.set_postfix_str(f"step {step}, loss {np.mean(losses[-20:]):.3f}")
    bar.close()
    elapsed = time.time() - t0
    print(f"{step} steps in {elapsed:.0f} s; train loss {np.mean(losses[-50:]):.3f}, "
          f"validation loss {val_loss():.3f} (nats/char; uniform guessing: {math.log(V):.2f})")
    if args.save:
        save_checkpoint(args.save, model, chars, step0 + step, config)
        print(f"saved a checkpoint to {args.save} (step {step0 + step})")
    model.eval()
    prompt = "It is a truth universally acknowledged"
    prompt = "".join(c for c in prompt if c in stoi) or chars[0]
    ids = model.generate([stoi[c] for c in prompt], args.sample,
                         temperature=args.temperature, generator=args.seed)
    print("--- sample ---")
    print("".join(chars[i] for i in ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
