"""A word- or character-level vocabulary with the four special tokens, saved as JSON."""
import json

import numpy as np

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)


class Vocab:
    """Token <-> id for one language. Ids 0..3 are <pad>, <bos>, <eos>, <unk>.

    >>> from chainrule.translate.tokenizer import Vocab
    >>> v = Vocab.build(["forty two", "two"], level="word")
    >>> v.encode("forty two")
    [4, 5]
    >>> v.decode([4, 5, 2])
    'forty two'
    """

    pad_id, bos_id, eos_id, unk_id = 0, 1, 2, 3

    def __init__(self, tokens, level="word"):
        if level not in ("word", "char"):
            raise ValueError(f"Vocab: level must be 'word' or 'char', got {level!r}")
        tokens = list(tokens)
        if tuple(tokens[:4]) != SPECIALS:
            raise ValueError(f"Vocab: the first four tokens must be {list(SPECIALS)}, got "
                             f"{tokens[:4]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("Vocab: tokens must be unique")
        self.level = level
        self.itos = tokens
        self.stoi = {t: i for i, t in enumerate(tokens)}

    @classmethod
    def build(cls, texts, level="word"):
        """The sorted set of tokens in `texts`, after the specials."""
        seen = set()
        for t in texts:
            seen.update(cls._split(t, level))
        return cls(list(SPECIALS) + sorted(seen), level)

    @staticmethod
    def _split(text, level):
        return text.split() if level == "word" else list(text)

    def __len__(self):
        return len(self.itos)

    def tokenize(self, text):
        return self._split(text, self.level)

    def encode(self, text, bos=False, eos=False):
        """Ids of the tokens of `text` (unknown tokens -> <unk>)."""
        ids = [self.stoi.get(t, self.unk_id) for t in self.tokenize(text)]
        return ([self.bos_id] if bos else []) + ids + ([self.eos_id] if eos else [])

    def decode(self, ids):
        """Text of `ids`, stopping at <eos> and skipping <pad> / <bos>."""
        out = []
        for i in ids:
            i = int(i)
            if i == self.eos_id:
                break
            if i in (self.pad_id, self.bos_id):
                continue
            out.append(self.itos[i] if 0 <= i < len(self.itos) else UNK)
        return (" " if self.level == "word" else "").join(out)

    def batch(self, texts, bos=False, eos=False, length=None):
        """int64 array (len(texts), T) of ids, padded with <pad> on the right."""
        seqs = [self.encode(t, bos, eos) for t in texts]
        T = max((len(s) for s in seqs), default=0) if length is None else length
        out = np.full((len(seqs), T), self.pad_id, dtype=np.int64)
        for r, s in enumerate(seqs):
            if len(s) > T:
                raise ValueError(f"Vocab.batch: a sequence of {len(s)} tokens exceeds length {T}")
            out[r, :len(s)] = s
        return out

    def to_dict(self):
        return {"level": self.level, "tokens": self.itos}

    @classmethod
    def from_dict(cls, d):
        return cls(d["tokens"], d.get("level", "word"))


class Tokenizer:
    """Source and target vocabularies together, saved to / loaded from one JSON file.

    >>> from chainrule.translate.data import pairs
    >>> from chainrule.translate.tokenizer import Tokenizer
    >>> tok = Tokenizer.build(pairs(range(100)))
    >>> len(tok.src), len(tok.tgt)
    (32, 32)
    >>> tok.src.encode("forty two"), tok.tgt.decode(tok.tgt.encode("сорок два", eos=True))
    ([11, 30], 'сорок два')
    """

    def __init__(self, src, tgt):
        self.src, self.tgt = src, tgt

    @classmethod
    def build(cls, pairs, level="word"):
        return cls(Vocab.build([p[0] for p in pairs], level),
                   Vocab.build([p[1] for p in pairs], level))

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"src": self.src.to_dict(), "tgt": self.tgt.to_dict()}, f,
                      ensure_ascii=False, indent=1)

    @classmethod
    def load(cls, path):
        try:
            with open(path, encoding="utf-8") as f:
                d = json.load(f)
            return cls(Vocab.from_dict(d["src"]), Vocab.from_dict(d["tgt"]))
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"Tokenizer.load: cannot read a vocabulary from {path}: {e}") \
                from None
