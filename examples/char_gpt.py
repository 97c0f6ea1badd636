"""A decoder-only character language model (a small GPT) trained on Pride and Prejudice.

    python examples/char_gpt.py                 # ~5 minutes of training, then samples
    python examples/char_gpt.py --minutes 1 --sample 300
    python examples/char_gpt.py --text my.txt --layers 4 --d-model 128

Each character is a token. The model reads a window of `--context` characters and at every
position predicts the next one: token + learned position embeddings, a stack of pre-LN
transformer blocks with causal self-attention (nn.TransformerEncoderLayer under a causal
mask is exactly a GPT block), a final LayerNorm and a Linear over the characters; trained
with cross-entropy and AdamW. Sampling feeds the model its own output, one character at a
time, with a temperature and top-k.

The text (examples/data/pride_and_prejudice.txt) is public domain; see
examples/data/README.md for its source.
"""
import argparse
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


class CharGPT(nn.Module):
    """Token + position embeddings -> n_layer causal blocks -> LayerNorm -> Linear."""

    def __init__(self, vocab_size, context, d_model=96, n_head=4, n_layer=3, dropout=0.0):
        super().__init__()
        self.context = context
        self.tok = nn.Embedding(vocab_size, d_model)
        self.pos = nn.LearnedPositionalEncoding(d_model, max_len=context, dropout=dropout)
        block = nn.TransformerEncoderLayer(d_model, n_head, 4 * d_model, dropout=dropout,
                                           activation="relu", batch_first=True,
                                           norm_first=True)
        self.blocks = nn.TransformerEncoder(block, n_layer)
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        for name, p in self.named_parameters():  # GPT-2's init: N(0, 0.02) matrices
            if p.dim() > 1 and not name.startswith("pos"):
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.pos(self.tok(idx))
        mask = nn.Transformer.generate_square_subsequent_mask(T)
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.ln_f(x))

    @torch.no_grad()
    def generate(self, idx, n, temperature=0.8, top_k=20, generator=None):
        """Append n sampled characters to idx (1, T) int64."""
        rng = np.random.default_rng(generator)
        out = idx._data.tolist()[0]
        for _ in range(n):
            ctx = torch.tensor([out[-self.context:]])
            logits = self(ctx)._data[0, -1].astype(np.float64) / max(temperature, 1e-6)
            if top_k:
                kth = np.sort(logits)[-min(top_k, logits.size)]
                logits = np.where(logits < kth, -np.inf, logits)
            p = np.exp(logits - logits.max())
            out.append(int(rng.choice(p.size, p=p / p.sum())))
        return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--text", default=DEFAULT_TEXT, help="a UTF-8 text file to learn")
    ap.add_argument("--minutes", type=float, default=5.0, help="training time (default 5)")
    ap.add_argument("--max-steps", type=int, default=100000)
    ap.add_argument("--context", type=int, default=64)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--d-model", type=int, default=96)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=3)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--sample", type=int, default=500, help="characters to sample at the end")
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    ap.add_argument("--save", default=None, help="save the weights (.safetensors)")
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
        sys.exit(f"char_gpt: cannot read {args.text}: {e.strerror}")
    if len(text) < args.context + 2:
        sys.exit(f"char_gpt: {args.text} has {len(text)} characters; need more than "
                 f"{args.context + 1}")
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    n_val = max(len(data) // 10, args.context + 2)
    train, val = data[:-n_val], data[-n_val:]
    V = len(chars)
    model = CharGPT(V, args.context, args.d_model, args.heads, args.layers)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{os.path.basename(args.text)}: {len(text):,} characters, vocabulary {V}; "
          f"model {n_params:,} parameters ({args.layers} layers, d_model {args.d_model}, "
          f"{args.heads} heads, context {args.context})")
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99),
                            weight_decay=0.01)

    def batch(src):
        i = rng.integers(0, len(src) - args.context - 1, size=args.batch_size)
        w = np.stack([src[j:j + args.context + 1] for j in i])
        return torch.from_numpy(w[:, :-1].copy()), torch.from_numpy(w[:, 1:].copy())

    def val_loss(n=4):
        model.eval()
        with torch.no_grad():
            ls = [F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1)).item()
                  for x, y in (batch(val) for _ in range(n))]
        model.train()
        return float(np.mean(ls))

    from tqdm import tqdm
    budget = args.minutes * 60
    t0 = time.time()
    bar = tqdm(total=int(budget), unit="s", desc="training",
               bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} s {postfix}")
    step, losses, warmup = 0, [], 100
    while step < args.max_steps and time.time() - t0 < budget:
        # warm-up, then cosine decay over the time budget
        frac = min((time.time() - t0) / budget, 1.0)
        lr = args.lr * min((step + 1) / warmup, 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch(train)
        loss = F.cross_entropy(model(x).reshape(-1, V), y.reshape(-1))
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
        torch.save(model.state_dict(), args.save)
        print(f"saved {args.save}")
    model.eval()
    prompt = "It is a truth universally acknowledged"
    prompt = "".join(c for c in prompt if c in stoi) or chars[0]
    ids = model.generate(torch.tensor([[stoi[c] for c in prompt]]), args.sample,
                         temperature=args.temperature, generator=args.seed)
    print("--- sample ---")
    print("".join(chars[i] for i in ids))
    return 0


if __name__ == "__main__":
    sys.exit(main())
