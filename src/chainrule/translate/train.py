"""Training the translator: teacher forcing, label smoothing, AdamW with warm-up and
cosine decay; exact-match evaluation on held-out numbers."""
import contextlib
import math
import time

import numpy as np

from .. import nn, optim
from ..autograd.grad_mode import no_grad
from ..random import manual_seed
from ..tensor import Tensor
from . import data
from .decode import greedy_decode
from .model import DEFAULT_CONFIG, Translator
from .tokenizer import Tokenizer

_make = Tensor._make


def encode_pairs(tokenizer, pairs):
    """(src ids (P, S), tgt ids (P, T) = <bos> words <eos>), right-padded.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.train import encode_pairs
    >>> src, tgt = encode_pairs(tok, pairs([42, 7]))
    >>> src
    array([[11, 30],
           [18,  0]])
    >>> tgt                              # <bos>=1 ... <eos>=2, then <pad>=0
    array([[ 1, 23,  7,  2],
           [ 1, 21,  2,  0]])
    """
    src = tokenizer.src.batch([p[0] for p in pairs])
    tgt = tokenizer.tgt.batch([p[1] for p in pairs], bos=True, eos=True)
    return src, tgt


def sample_training_numbers(train_numbers, n, rng, max_number, vocab_copies=20):
    """n training numbers: 40% uniform over the training split, 30% with a uniformly drawn
    number of digits (so 'forty two' is seen as often as 'forty two thousand ...'), 20%
    round numbers ('five thousand', 'сто тысяч': a uniform sample almost never shows them,
    and a model that never saw one keeps writing after 'тысяч'), 10% numbers with a teen;
    then every vocabulary-stratum number (single words, powers of ten) `vocab_copies` times.
    Only numbers of the training split are drawn.

    >>> from chainrule.translate.train import sample_training_numbers
    >>> nums = sample_training_numbers(np.arange(1000), 50, np.random.default_rng(0), 999,
    ...                                vocab_copies=1)
    >>> len(nums), int(nums.min()) >= 0, int(nums.max()) <= 999
    (59, True, True)
    """
    pool = np.asarray(train_numbers)
    strata = data.strata_pools(max_number)
    n_round, n_teens = n // 5, n // 10
    n_digit = (3 * n) // 10
    extra = []
    for name, k in (("round", n_round), ("teens", n_teens)):
        sub = np.intersect1d(pool, strata[name])
        if len(sub):
            extra.append(rng.choice(sub, size=k, replace=True))
    vocab = np.intersect1d(pool, np.concatenate([strata[s] for s in data.SEEN_STRATA]))
    extra.append(np.repeat(vocab, vocab_copies))
    n_uniform = max(0, n - n_digit - sum(len(e) for e in extra))
    uniform = rng.choice(pool, size=n_uniform, replace=len(pool) < n_uniform)
    ordered = np.sort(pool)
    n_digits = len(str(max_number))
    digits = rng.integers(1, n_digits + 1, size=n_digit)
    lo = np.where(digits == 1, 0, 10 ** (digits - 1))
    hi = np.minimum(10 ** digits, max_number + 1)
    lo_i, hi_i = np.searchsorted(ordered, lo), np.searchsorted(ordered, hi)
    ok = hi_i > lo_i
    pick = lo_i[ok] + (rng.random(ok.sum()) * (hi_i[ok] - lo_i[ok])).astype(np.int64)
    return rng.permutation(np.concatenate([uniform, ordered[pick]] + extra))


def _trim(a, pad_id=0):
    """Drop the all-padding columns on the right of a batch."""
    used = (a != pad_id).any(axis=0)
    last = int(np.nonzero(used)[0].max()) + 1 if used.any() else 1
    return a[:, :last]


def exact_match(model, tokenizer, numbers, pairs=None, batch_size=500):
    """(accuracy, [(number, source, expected, got) for the misses]) with greedy decoding.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> from chainrule.translate.train import exact_match
    >>> acc, misses = exact_match(model, tok, [42, 7])
    >>> acc, [m[:3] for m in misses]      # untrained: every number missed
    (0.0, [(42, 'forty two', 'сорок два'), (7, 'seven', 'семь')])
    """
    numbers = list(numbers)
    pairs = pairs if pairs is not None else data.pairs(numbers)
    was_training = model.training
    model.eval()
    hits, misses = 0, []
    for i in range(0, len(pairs), batch_size):
        chunk = pairs[i:i + batch_size]
        src = tokenizer.src.batch([p[0] for p in chunk])
        out = greedy_decode(model, src)
        for n, (en, ru), ids in zip(numbers[i:i + batch_size], chunk, out):
            got = tokenizer.tgt.decode(ids)
            if got == ru:
                hits += 1
            else:
                misses.append((n, en, ru, got))
    model.train(was_training)
    return hits / max(len(pairs), 1), misses


def beam_exact_match(model, tokenizer, pairs, beam_size=4):
    """Exact-match accuracy of beam search over (english, russian) pairs (one sentence at a
    time, the beams batched).

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32).eval()
    >>> from chainrule.translate.train import beam_exact_match
    >>> beam_exact_match(model, tok, pairs([42]), beam_size=2)
    0.0
    """
    from .decode import beam_search
    was_training = model.training
    model.eval()
    hits = 0
    for en, ru in pairs:
        ids, _ = beam_search(model, tokenizer.src.encode(en), beam_size=beam_size)
        hits += tokenizer.tgt.decode(ids) == ru
    model.train(was_training)
    return hits / max(len(pairs), 1)


def train_translator(max_number=data.MAX_NUMBER, steps=1500, batch_size=64, lr=3e-3,
                     warmup=100, label_smoothing=0.1, n_train=30000, n_val=300, n_test=1000,
                     seed=0, config=None, progress=True, eval_every=0, time_limit=None,
                     log=print, blas_threads=1, model_kind="transformer"):
    """Generate the data, train a Translator, evaluate it on the held-out test numbers.

    Returns a dict: model, tokenizer, test accuracy, val accuracy, misses, seconds, steps.
    `time_limit` (seconds) stops training early and still evaluates. `blas_threads` limits
    BLAS for the run (restored after; None leaves it alone): this model's GEMMs are small,
    and on two shared cores a second BLAS thread mostly spins - measured 5x slower steps.
    `model_kind`: "transformer" (model.py), or "gru" / "gru-attention" (rnn_model.py).

    >>> from chainrule.translate.train import train_translator
    >>> res = train_translator(max_number=99, steps=20, n_train=200, n_val=10, n_test=10,
    ...     progress=False, log=lambda m: None,
    ...     config=dict(d_model=16, nhead=2, dim_feedforward=32))
    >>> res["steps"], len(res["test_numbers"]), sorted(res["strata"])
    (20, 10, ['power of ten', 'round', 'single word', 'teens', 'uniform'])
    """
    with _blas_limit(blas_threads):
        return _train(max_number, steps, batch_size, lr, warmup, label_smoothing, n_train,
                      n_val, n_test, seed, config, progress, eval_every, time_limit, log,
                      model_kind)


@contextlib.contextmanager
def _blas_limit(n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        n = None
    if n is None:
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield


def _train(max_number, steps, batch_size, lr, warmup, label_smoothing, n_train, n_val, n_test,
           seed, config, progress, eval_every, time_limit, log, model_kind="transformer"):
    t0 = time.time()
    manual_seed(seed)
    rng = np.random.default_rng(seed)
    train_nums, val_nums, test_strata = data.split_stratified(
        n_val=n_val, n_uniform=n_test, max_number=max_number, seed=seed)
    test_nums = test_strata["uniform"]
    tokenizer = Tokenizer.build(data.pairs(data.vocabulary_numbers(max_number)))
    numbers = sample_training_numbers(train_nums, n_train, rng, max_number)
    src_all, tgt_all = encode_pairs(tokenizer, data.pairs(numbers))
    val_pairs = data.pairs(val_nums)
    test_pairs = data.pairs(test_nums)
    held_out = sum(len(v) for k, v in test_strata.items() if k not in data.SEEN_STRATA)
    log(f"data: {len(numbers)} training pairs drawn from {len(train_nums)} training numbers, "
        f"{len(val_nums)} validation, {held_out} held-out test numbers in "
        f"{len(data.STRATA) - len(data.SEEN_STRATA)} strata "
        f"({time.time() - t0:.1f} s)")

    if model_kind != "transformer":
        from .rnn_model import build_rnn_translator
        model, n_params = build_rnn_translator(model_kind, tokenizer, config,
                                               max(src_all.shape[1], tgt_all.shape[1]) + 1, log)
    else:
        cfg = dict(DEFAULT_CONFIG)
        cfg.update(config or {})
        cfg["max_len"] = max(cfg["max_len"], src_all.shape[1] + 1, tgt_all.shape[1] + 1)
        model = Translator(len(tokenizer.src), len(tokenizer.tgt), **cfg)
        n_params = sum(p.numel() for p in model.parameters())
        log(f"model: {n_params} parameters, d_model={cfg['d_model']}, "
            f"{cfg['num_encoder_layers']}+{cfg['num_decoder_layers']} layers")
    opt = optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.98), weight_decay=0.01)

    def schedule(step):  # linear warm-up, then cosine decay to 5%
        if step < warmup:
            return (step + 1) / warmup
        t = (step - warmup) / max(1, steps - warmup)
        return 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(t, 1.0)))
    criterion = nn.CrossEntropyLoss(ignore_index=tokenizer.tgt.pad_id,
                                    label_smoothing=label_smoothing)
    V = len(tokenizer.tgt)

    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=steps, desc="training", unit="step", dynamic_ncols=True,
                   disable=None)  # no bar when stderr is not a terminal
    model.train()
    t_train = time.time()
    losses = []
    step = 0
    val_acc = None
    for step in range(1, steps + 1):
        for group in opt.param_groups:
            group["lr"] = lr * schedule(step - 1)
        idx = rng.integers(0, len(src_all), size=batch_size)
        src = _trim(src_all[idx])
        tgt = _trim(tgt_all[idx])
        logits = model(src, tgt[:, :-1])
        loss = criterion(logits.reshape(-1, V), _make(tgt[:, 1:].reshape(-1)))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(float(loss.item()))
        if bar is not None:
            bar.update(1)
            if step % 10 == 0:
                bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
        if eval_every and step % eval_every == 0:
            val_acc, _ = exact_match(model, tokenizer, val_nums, val_pairs)
            msg = f"step {step}: loss {np.mean(losses[-50:]):.3f}, val exact match {val_acc:.3f}"
            (bar.write if bar is not None else log)(msg)
        if time_limit is not None and time.time() - t_train > time_limit:
            (bar.write if bar is not None else log)(
                f"time limit of {time_limit:.0f} s reached at step {step}")
            break
    if bar is not None:
        bar.close()
    train_s = time.time() - t_train
    model.eval()
    with no_grad():
        val_acc, _ = exact_match(model, tokenizer, val_nums, val_pairs)
        test_acc, misses = exact_match(model, tokenizer, test_nums, test_pairs)
        strata = {}
        for name, nums in test_strata.items():
            acc, miss = ((test_acc, misses) if name == "uniform"
                         else exact_match(model, tokenizer, nums))
            strata[name] = dict(accuracy=acc, n=len(nums), misses=miss,
                                held_out=name not in data.SEEN_STRATA)
    return dict(strata=strata, model=model, tokenizer=tokenizer, test_accuracy=test_acc, test_pairs=test_pairs,
                val_accuracy=val_acc, misses=misses, seconds=time.time() - t0,
                train_seconds=train_s, steps=step, final_loss=float(np.mean(losses[-50:])),
                test_numbers=test_nums, n_params=n_params, model_kind=model_kind)
