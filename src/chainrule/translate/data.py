"""Number-word pairs from num2words, normalised, and a split by number.

The English side is normalised so that the way a person types a number does not matter:
lower case, hyphens and commas become spaces and the British "and" is dropped, so
"Three hundred and twenty-one", "three hundred twenty-one" and "three hundred twenty one"
are the same source sentence. The Russian side is num2words' output as it is.
"""
import re

import numpy as np

MAX_NUMBER = 999_999

_WORD = re.compile(r"[a-zа-яё]+")


def _num2words():
    try:
        from num2words import num2words
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("the translation task generates its pairs with num2words: "
                          "pip install 'chainrule[translate]' (or pip install num2words)") \
            from None
    return num2words


def normalize_english(text):
    """'Three hundred and twenty-one' -> 'three hundred twenty one'."""
    words = _WORD.findall(text.lower().replace("-", " "))
    return " ".join(w for w in words if w != "and")


def english(n):
    """English number words for n, normalised (see normalize_english)."""
    return normalize_english(_num2words()(int(n)))


def russian(n):
    """Russian number words for n, as num2words writes them."""
    return _num2words()(int(n), lang="ru")


def pairs(numbers):
    """[(english, russian)] for the given numbers."""
    return [(english(n), russian(n)) for n in numbers]


def split_numbers(n_val=1000, n_test=1000, max_number=MAX_NUMBER, seed=0):
    """Split 0..max_number by number into (train, val, test) arrays of ints.

    A seeded permutation: test and validation numbers never occur in training, so their
    accuracy measures generalisation to unseen numbers, not memory.
    """
    if n_val + n_test >= max_number + 1:
        raise ValueError(f"split_numbers: n_val + n_test = {n_val + n_test} leaves no training "
                         f"numbers in 0..{max_number}")
    perm = np.random.default_rng(seed).permutation(max_number + 1)
    return perm[n_val + n_test:], perm[n_test:n_test + n_val], perm[:n_test]


def vocabulary_numbers(max_number=MAX_NUMBER):
    """Numbers whose words together hold every word any number up to max_number uses:
    0..999 and the multiples of 1000 (the thousands forms: тысяча / тысячи / тысяч,
    одна / две)."""
    small = list(range(min(max_number, 999) + 1))
    return small + list(range(1000, max_number + 1, 1000))
