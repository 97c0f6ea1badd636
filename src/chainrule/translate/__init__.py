"""English number words -> Russian number words with an encoder-decoder transformer.

The lecture opens with a machine-translation screenshot; this package makes the same
thing, small enough to train on two CPU cores in minutes:

    data.py       pairs from num2words ("three hundred and twenty-one" -> "триста двадцать
                  один"), 0..999,999, split into train / val / test by number
    tokenizer.py  word- or character-level vocabularies, saved as JSON
    model.py      the encoder-decoder transformer (nn.Transformer inside)
    train.py      teacher forcing + label smoothing, AdamW, warm-up / cosine schedule
    decode.py     greedy and beam-search decoding, cross-attention maps
    cli.py        `chainrule demo translate` and `chainrule translate "forty two"`
"""
