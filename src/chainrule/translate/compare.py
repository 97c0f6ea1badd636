"""The translation task's history in one table: seq2seq without attention (2014), with
additive attention (2015) and the transformer (2017), trained with the same data, split,
schedule and step budget, evaluated on the same held-out numbers.

`report_sections(outdir, quick)` is the demo report's plug-in (demos/all.py): it trains the
three, tabulates exact match, parameters and training time, and draws an attention map of
each (for the model without attention, whose decoder has none, a saliency map: how much
each output word's log-probability depends on each source word).
"""
import html
import os

from . import data

MODELS = (("gru", "seq2seq, no attention (GRU, 2014)"),
          ("gru-attention", "seq2seq + additive attention (GRU, Bahdanau 2015)"),
          ("transformer", "transformer (2017)"))


def compare_models(quick=True, seed=0, steps=None, log=print):
    """Train each model of MODELS on the same task; [dict(kind, title, test_accuracy,
    n_params, train_seconds, model, tokenizer, test_pairs, ...)].

    It runs train_translator once per entry of MODELS (a minute at the quick size):

    >>> from chainrule.translate.compare import MODELS
    >>> [kind for kind, title in MODELS]
    ['gru', 'gru-attention', 'transformer']
    """
    from .train import train_translator
    if quick:
        common = dict(max_number=999, steps=steps or 150, n_train=3000, n_val=50, n_test=200,
                      batch_size=64, lr=3e-3, warmup=40)
        configs = {"transformer": dict(d_model=32, dim_feedforward=64, dropout=0.0),
                   "gru": dict(emb=32, hidden=64), "gru-attention": dict(emb=32, hidden=64)}
    else:
        common = dict(max_number=data.MAX_NUMBER, steps=steps or 1500, n_train=30000,
                      n_val=300, n_test=1000, batch_size=64, lr=3e-3, warmup=100)
        configs = {"transformer": dict(d_model=64, nhead=4, num_encoder_layers=2,
                                       num_decoder_layers=2, dim_feedforward=128, dropout=0.0),
                   "gru": dict(emb=64, hidden=128), "gru-attention": dict(emb=64, hidden=128)}
    results = []
    for kind, title in MODELS:
        log(f"training {title} ...")
        res = train_translator(seed=seed, progress=False, log=lambda m: None,
                               model_kind=kind, config=configs[kind], **common)
        res.update(kind=kind, title=title, max_number=common["max_number"])
        log(f"  exact match {res['test_accuracy']:.1%} on {len(res['test_pairs'])} held-out "
            f"numbers, {res['n_params']:,} parameters, {res['train_seconds']:.0f} s")
        results.append(res)
    return results


def _example(results):
    """A held-out number with several words that every model is asked about."""
    pairs = results[0]["test_pairs"]
    return max(pairs[:50], key=lambda p: len(p[0].split()))


def attention_maps(results, outdir):
    """One PNG per model: its attention (or saliency) map for the same held-out number.

    >>> from chainrule.translate.train import train_translator
    >>> res = train_translator(max_number=99, steps=20, n_train=200, n_val=10, n_test=10,
    ...     progress=False, log=lambda m: None, model_kind="gru-attention",
    ...     config=dict(emb=8, hidden=16))
    >>> import os, tempfile
    >>> from chainrule.translate.compare import attention_maps
    >>> results = [dict(res, kind="gru-attention", title="seq2seq + attention")]
    >>> [os.path.basename(p) for p in attention_maps(results, tempfile.mkdtemp())]
    ['translate_compare_gru-attention.png']
    >>> results[0]["example"][0]         # the held-out number every model was asked about
    'fifty nine'
    """
    from .cli import attention_figure
    from .decode import beam_search, cross_attention
    en, _ = _example(results)
    paths = []
    for res in results:
        model, tok = res["model"], res["tokenizer"]
        src = tok.src.encode(en)
        ids, _ = beam_search(model, src, beam_size=4)
        ids = [int(i) for i in ids if int(i) != tok.tgt.eos_id]
        attn = cross_attention(model, src, ids)
        what = ("saliency |d log p / d source embedding| (no attention)" if res["kind"] == "gru"
                else "additive attention weights" if res["kind"] == "gru-attention"
                else "cross-attention, last decoder layer (mean over heads)")
        path = os.path.join(outdir, f"translate_compare_{res['kind']}.png")
        attention_figure(attn, tok.src.tokenize(en),
                         [tok.tgt.itos[i] for i in ids] + ["<eos>"], path,
                         title=f"{res['title']}\n{what}")
        res["example"] = (en, tok.tgt.decode(ids))
        paths.append(path)
    return paths


def report_sections(outdir, quick):
    """The report section: the table and the three maps.

    It trains the three models at the quick size (a minute); its table has one row per
    entry of MODELS and its figures are attention_maps':

    >>> from chainrule.translate.compare import MODELS
    >>> [title for kind, title in MODELS]
    ['seq2seq, no attention (GRU, 2014)', 'seq2seq + additive attention (GRU, Bahdanau 2015)',
     'transformer (2017)']
    """
    # The report trains at the quick size in either mode (the full 0..999,999 comparison,
    # compare_models(quick=False), takes about 25 minutes); the section says what ran.
    results = compare_models(quick=True, log=lambda m: None)
    figs = attention_maps(results, outdir)
    rows = "".join(
        f"<tr><td>{html.escape(r['title'])}</td><td>{r['test_accuracy']:.1%}</td>"
        f"<td>{r['n_params']:,}</td><td>{r['train_seconds']:.0f} s</td>"
        f"<td>{html.escape(r['example'][1])}</td></tr>" for r in results)
    r0 = results[0]
    en = html.escape(r0["example"][0])
    body = (f"<p>English to Russian number words, 0..{r0['max_number']:,}, the same training "
            f"data, split, schedule (AdamW, warm-up + cosine, label smoothing) and "
            f"{r0['steps']} steps for each model; exact match with greedy decoding on the "
            f"same {len(r0['test_pairs'])} held-out numbers. The last column is each model's "
            f"beam-search translation of <i>{en}</i>, whose maps are below. Without attention "
            f"the decoder sees the source only as one vector (the encoder's final states), so "
            f"its map is a saliency map; with attention each output word looks back at the "
            f"source words it translates.</p>"
            f"<table><tr><th>model</th><th>exact match</th><th>parameters</th>"
            f"<th>training time</th><th>translation of the example</th></tr>{rows}</table>")
    return [("Translation: seq2seq, attention, transformer", body, figs)]
