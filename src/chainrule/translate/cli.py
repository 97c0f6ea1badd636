"""`chainrule demo translate` (train and save) and `chainrule translate "forty two"`."""
import os
import time

import numpy as np

from . import data

DEFAULT_STEPS = 1500
# Measured (see the report): this reaches >= 99% exact match on held-out numbers
# in ~1000-1500 steps; a small model with a high learning rate and no dropout learns this
# task fastest (d_model 96 / dropout 0.05 / lr 2e-3 was at 93% after 1200 steps).
DEMO_SETTINGS = dict(batch_size=64, lr=3e-3, warmup=100,
                     config=dict(d_model=64, nhead=4, num_encoder_layers=2,
                                 num_decoder_layers=2, dim_feedforward=128, dropout=0.0))
DEFAULT_TIME_LIMIT = 480.0  # seconds of training: with data, evaluation and saving, < 10 min


def default_model_dir():
    """Where the demo saves the translator and `chainrule translate` looks for it:
    $CHAINRULE_TRANSLATOR, else ~/.cache/chainrule/translator.

    >>> import os
    >>> from unittest import mock
    >>> from chainrule.translate.cli import default_model_dir
    >>> with mock.patch.dict(os.environ, {"CHAINRULE_TRANSLATOR": "/models/ru"}):
    ...     default_model_dir()
    '/models/ru'
    >>> with mock.patch.dict(os.environ, {"CHAINRULE_TRANSLATOR": ""}):
    ...     default_model_dir().endswith(os.path.join(".cache", "chainrule", "translator"))
    True
    """
    env = os.environ.get("CHAINRULE_TRANSLATOR")
    if env:
        return env
    return os.path.join(os.path.expanduser("~"), ".cache", "chainrule", "translator")


def run_demo(args):
    """`chainrule demo translate`: train a translator, report its exact match, save it.

    It trains for minutes (seconds with --quick); the per-stratum table it prints comes from
    strata_table, and the model it saves is what translate_text loads:

    >>> from chainrule.translate.train import train_translator
    >>> res = train_translator(max_number=99, steps=20, n_train=200, n_val=10, n_test=10,
    ...     progress=False, log=lambda m: None, model_kind="gru-attention",
    ...     config=dict(emb=8, hidden=16))
    >>> from chainrule.translate.cli import strata_table
    >>> print(strata_table(res["strata"]).splitlines()[0])
    exact match (greedy) by kind of number:
    """
    from .model import save_translator
    from .train import beam_exact_match, train_translator
    try:
        data.english(0)
    except ImportError as e:
        from ..cli import UserError
        raise UserError(str(e)) from None
    kind = getattr(args, "arch", "transformer")
    if args.quick:  # numbers below 1000: a smaller model, seconds
        kw = dict(max_number=999, steps=args.steps or 300, n_train=3000, n_val=100, n_test=200,
                  batch_size=64, lr=3e-3, warmup=40,
                  config=dict(d_model=32, dim_feedforward=64, dropout=0.0)
                  if kind == "transformer" else dict(emb=32, hidden=64))
    else:
        kw = dict(max_number=data.MAX_NUMBER, steps=args.steps or DEFAULT_STEPS,
                  time_limit=args.time_limit, n_train=30000, n_val=300,
                  n_test=args.test_size, **DEMO_SETTINGS)
    kw["model_kind"] = kind
    t0 = time.time()
    print(f"English number words -> Russian number words, 0..{kw['max_number']:,}; "
          f"pairs from num2words, split by number")
    res = train_translator(seed=args.seed, progress=args.progress, log=print,
                           eval_every=0, blas_threads=args.threads or None, **kw)
    model, tok = res["model"], res["tokenizer"]
    model_dir = args.save or default_model_dir()
    save_translator(model, tok, model_dir)
    print(f"trained {res['steps']} steps in {res['train_seconds']:.0f} s "
          f"(final loss {res['final_loss']:.3f}); data, training and evaluation "
          f"{res['seconds']:.0f} s")
    print(f"exact match on {len(res['test_numbers'])} held-out test numbers (greedy): "
          f"{res['test_accuracy']:.1%}; validation: {res['val_accuracy']:.1%}")
    print(strata_table(res["strata"]))
    n_beam = min(200, len(res["test_pairs"]))
    beam_acc = beam_exact_match(model, tok, res["test_pairs"][:n_beam], beam_size=4)
    print(f"exact match with beam search (width 4) on the first {n_beam} test numbers: "
          f"{beam_acc:.1%}")
    if res["misses"]:
        print("some misses:")
        for n, en, ru, got in res["misses"][:5]:
            print(f"  {n}: {en!r} -> {got!r} (expected {ru!r})")
    from .decode import beam_search
    from .model import load_translator
    model, tok = load_translator(model_dir)  # what `chainrule translate` will use
    for text in ("forty two", "three hundred twenty one", "twenty one thousand five",
                 "five thousand", "one hundred thousand"):
        if any(w not in tok.src.stoi for w in text.split()):
            continue
        ids, _ = beam_search(model, tok.src.encode(data.normalize_english(text)))
        print(f"  {text} -> {tok.tgt.decode(ids)}")
    print(f"saved the model to {os.path.abspath(model_dir)} "
          f"(model.safetensors, config.json, vocab.json)")
    print(f"total time {time.time() - t0:.0f} s; try: chainrule translate \"forty two\"")
    return 0


def strata_table(strata):
    """The per-stratum exact-match lines the demo prints (and the report shows).

    >>> from chainrule.translate.cli import strata_table
    >>> strata = {"uniform": {"accuracy": 0.5, "n": 2, "held_out": True,
    ...                        "misses": [(42, "forty two", "сорок два", "сорок")]}}
    >>> print(strata_table(strata))
    exact match (greedy) by kind of number:
      uniform         50.0% of     2 (held out)
          miss: 42 -> 'сорок' (expected 'сорок два')
    """
    lines = ["exact match (greedy) by kind of number:"]
    for name, r in strata.items():
        how = "held out" if r["held_out"] else "all of them; also in training: the vocabulary"
        lines.append(f"  {name:13s} {r['accuracy']:7.1%} of {r['n']:5d} ({how})")
        for n, _en, ru, got in r["misses"][:2]:
            lines.append(f"      miss: {n} -> {got!r} (expected {ru!r})")
    return "\n".join(lines)


def translate_text(text, model_dir=None, beam_size=4):
    """(normalised source, Russian words, source tokens, output tokens, attention map).

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32,
    ...                    max_len=4).eval()
    >>> import tempfile
    >>> from chainrule.translate.model import save_translator
    >>> d = tempfile.mkdtemp(); save_translator(model, tok, d)     # an untrained model
    >>> from chainrule.translate.cli import translate_text
    >>> src, out, src_tokens, out_tokens, attn = translate_text("Forty-two", d, beam_size=1)
    >>> src, src_tokens, attn.shape == (len(out_tokens), 2)
    ('forty two', ['forty', 'two'], True)
    """
    from .decode import beam_search, cross_attention, greedy_decode
    from .model import load_translator
    model, tok = load_translator(model_dir or default_model_dir())
    src_text = data.normalize_english(text)
    words = tok.src.tokenize(src_text)
    unknown = [w for w in words if w not in tok.src.stoi]
    if not words:
        raise ValueError("translate: nothing to translate (give English number words, e.g. "
                         "\"forty two\")")
    if unknown:
        known = ", ".join(t for t in tok.src.itos[4:])
        raise ValueError(f"translate: unknown word(s) {', '.join(map(repr, unknown))}; the "
                         f"model knows: {known}")
    max_src = model.config["max_len"] - 1
    if len(words) > max_src:
        raise ValueError(f"translate: {len(words)} words is longer than the model's limit of "
                         f"{max_src}")
    src = np.array(tok.src.encode(src_text), dtype=np.int64)
    if beam_size > 1:
        ids, _ = beam_search(model, src, beam_size=beam_size)
    else:
        ids = greedy_decode(model, src[None])[0]
    ids = [int(i) for i in ids]
    if tok.tgt.eos_id in ids:
        ids = ids[:ids.index(tok.tgt.eos_id)]
    out_tokens = [tok.tgt.itos[i] for i in ids]
    # Decoder input <bos> w1 .. wn: row t is where it looked while writing w(t+1) / <eos>.
    attn = cross_attention(model, src, ids)
    return src_text, tok.tgt.decode(ids), words, out_tokens + ["<eos>"], attn


def attention_figure(attn, src_tokens, out_tokens, path, title=None):
    """Heat map of the cross-attention (rows: output words, columns: source words).

    >>> import os, tempfile
    >>> from chainrule.translate.cli import attention_figure
    >>> attn = np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]])
    >>> path = attention_figure(attn, ["forty", "two"], ["сорок", "два", "<eos>"],
    ...                         os.path.join(tempfile.mkdtemp(), "attn.png"))
    >>> os.path.basename(path), os.path.getsize(path) > 0
    ('attn.png', True)
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(max(4.0, 1.5 + 0.8 * len(src_tokens)),
                                    max(3.0, 1.2 + 0.45 * len(out_tokens))))
    im = ax.imshow(attn, cmap="viridis", vmin=0.0, vmax=max(float(attn.max()), 1e-6),
                   aspect="auto")
    ax.set_xticks(range(len(src_tokens)))
    ax.set_xticklabels(src_tokens, rotation=45, ha="right")
    ax.set_yticks(range(len(out_tokens)))
    ax.set_yticklabels(out_tokens)
    ax.set_xlabel("English (source)")
    ax.set_ylabel("Russian (output)")
    ax.set_title(title or "cross-attention, last decoder layer (mean over heads)", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run_translate(args):
    """`chainrule translate TEXT...`: print the translation (and write the attention map).

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> from chainrule.translate.model import Translator
    >>> model = Translator(len(tok.src), len(tok.tgt), d_model=16, nhead=2, num_encoder_layers=1,
    ...                    num_decoder_layers=1, dim_feedforward=32,
    ...                    max_len=4).eval()
    >>> import tempfile
    >>> from chainrule.translate.model import save_translator
    >>> d = tempfile.mkdtemp(); save_translator(model, tok, d)     # an untrained model
    >>> import argparse
    >>> from chainrule.translate.cli import run_translate
    >>> args = argparse.Namespace(text=["forty", "two"], model=d, beam=1, figure="")
    >>> run_translate(args)      # untrained: random words, then the exit status
    один восемнадцать пять
    0
    """
    text = " ".join(args.text)
    try:
        src, out, src_tokens, out_tokens, attn = translate_text(text, args.model, args.beam)
    except ValueError as e:
        from ..cli import UserError
        raise UserError(str(e)) from None
    print(out)
    if args.figure:
        try:
            path = attention_figure(attn, src_tokens, out_tokens, args.figure,
                                    title=f"{src}\n-> {out}")
        except ImportError:
            import sys
            print("no cross-attention figure: matplotlib is not installed "
                  "(pip install 'chainrule[viz]')", file=sys.stderr)
            return 0
        print(f"cross-attention map: {os.path.abspath(path)}")
    return 0


def _positive(kind):
    def parse(text):
        import argparse
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") \
                from None
        if not v > 0:
            raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
        return v
    return parse


MODEL_KINDS = ("transformer", "gru", "gru-attention")


def _model_kind(text):
    import argparse
    if text not in MODEL_KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown model {text!r}; choose from {', '.join(MODEL_KINDS)} (the directory to "
            f"save in is --save DIR)")
    return text


def register(subparsers):
    """Add `chainrule translate TEXT...`.

    >>> import argparse
    >>> from chainrule.translate.cli import register
    >>> parser = argparse.ArgumentParser(prog="chainrule")
    >>> register(parser.add_subparsers())
    >>> args = parser.parse_args(["translate", "forty", "two", "--beam", "1"])
    >>> args.text, args.beam, args.func.__name__
    (['forty', 'two'], 1, 'run_translate')
    """
    p = subparsers.add_parser(
        "translate", help="translate English number words into Russian with a trained model",
        description="Translate English number words (0 to 999,999; e.g. \"forty two\") into "
                    "Russian with the transformer that `chainrule demo translate` trained, and "
                    "write its cross-attention map as a PNG figure.")
    p.add_argument("text", nargs="+", help="English number words, e.g. forty two")
    p.add_argument("--model", metavar="DIR", default=None,
                   help=f"the saved translator (default: {default_model_dir()})")
    p.add_argument("--beam", type=_positive(int), default=4,
                   help="beam width; 1 = greedy decoding (default 4)")
    p.add_argument("--figure", metavar="PNG", default="translate_attention.png",
                   help="where to write the cross-attention map (default "
                        "./translate_attention.png; '' for none)")
    p.set_defaults(func=run_translate)


def register_demo(demo_subparsers):
    """Add `chainrule demo translate`.

    >>> import argparse
    >>> from chainrule.translate.cli import register_demo
    >>> parser = argparse.ArgumentParser(prog="chainrule demo")
    >>> register_demo(parser.add_subparsers())
    >>> args = parser.parse_args(["translate", "--model", "gru", "--steps", "100"])
    >>> args.arch, args.steps
    ('gru', 100)
    """
    p = demo_subparsers.add_parser(
        "translate", help="train a transformer to translate number words, English -> Russian",
        description="Generate English/Russian number-word pairs with num2words, train an "
                    "encoder-decoder transformer, or with --model a GRU encoder-decoder with "
                    "or without attention (teacher forcing, label smoothing) with a "
                    "progress bar, report exact-match accuracy on held-out numbers and save "
                    "the model for `chainrule translate`.")
    p.add_argument("--model", dest="arch", default="transformer", type=_model_kind,
                   metavar="{transformer,gru,gru-attention}",
                   help="the architecture: the transformer (default), a GRU encoder-decoder "
                        "(seq2seq, 2014) or one with additive attention (Bahdanau, 2015)")
    p.add_argument("--save", metavar="DIR", default=None,
                   help=f"where to save the model (default: {default_model_dir()})")
    p.add_argument("--steps", type=_positive(int), default=None,
                   help=f"training steps (default {DEFAULT_STEPS}; 300 with --quick)")
    p.add_argument("--time-limit", type=_positive(float), default=DEFAULT_TIME_LIMIT,
                   metavar="SECONDS",
                   help=f"stop training after this long (default {DEFAULT_TIME_LIMIT:.0f})")
    p.add_argument("--test-size", type=_positive(int), default=1000,
                   help="held-out test numbers (default 1000)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS threads while training (default 1: fastest for this small model "
                        "on 2 cores; 0 leaves the setting alone)")
    p.add_argument("--quick", action="store_true",
                   help="numbers 0..999 and a few hundred steps (seconds; for tests)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help="no progress bar")
    p.set_defaults(func=run_demo)
