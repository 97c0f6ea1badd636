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
    """'Three hundred and twenty-one' -> 'three hundred twenty one'.

    >>> from chainrule.translate.data import normalize_english
    >>> normalize_english("Three hundred and twenty-one")
    'three hundred twenty one'
    """
    words = _WORD.findall(text.lower().replace("-", " "))
    return " ".join(w for w in words if w != "and")


def english(n):
    """English number words for n, normalised (see normalize_english).

    >>> from chainrule.translate.data import english
    >>> english(1021)
    'one thousand twenty one'
    """
    return normalize_english(_num2words()(int(n)))


def russian(n):
    """Russian number words for n, as num2words writes them.

    >>> from chainrule.translate.data import russian
    >>> russian(1021)
    'одна тысяча двадцать один'
    """
    return _num2words()(int(n), lang="ru")


def pairs(numbers):
    """[(english, russian)] for the given numbers.

    >>> from chainrule.translate.data import pairs
    >>> pairs([2, 42])
    [('two', 'два'), ('forty two', 'сорок два')]
    """
    return [(english(n), russian(n)) for n in numbers]


def split_numbers(n_val=1000, n_test=1000, max_number=MAX_NUMBER, seed=0):
    """Split 0..max_number by number into (train, val, test) arrays of ints.

    A seeded permutation: test and validation numbers never occur in training, so their
    accuracy measures generalisation to unseen numbers, not memory.

    >>> from chainrule.translate.data import split_numbers
    >>> train, val, test = split_numbers(n_val=2, n_test=3, max_number=9)
    >>> sorted(train.tolist()), val.tolist(), test.tolist()
    ([0, 1, 5, 8, 9], [7, 3], [4, 6, 2])
    """
    if n_val + n_test >= max_number + 1:
        raise ValueError(f"split_numbers: n_val + n_test = {n_val + n_test} leaves no training "
                         f"numbers in 0..{max_number}")
    perm = np.random.default_rng(seed).permutation(max_number + 1)
    return perm[n_val + n_test:], perm[n_test:n_test + n_val], perm[:n_test]


def vocabulary_numbers(max_number=MAX_NUMBER):
    """Numbers whose words together hold every word any number up to max_number uses:
    0..999 and the multiples of 1000 (the thousands forms: тысяча / тысячи / тысяч,
    одна / две).

    >>> from chainrule.translate.data import vocabulary_numbers
    >>> v = vocabulary_numbers(5000)
    >>> len(v), v[-5:]
    (1005, [1000, 2000, 3000, 4000, 5000])
    """
    small = list(range(min(max_number, 999) + 1))
    return small + list(range(1000, max_number + 1, 1000))


# --- strata: the kinds of numbers a uniform sample almost never shows -------------------------

STRATA = ("uniform", "round", "teens", "power of ten", "single word")
# Strata whose numbers are the task's vocabulary (a handful of numbers, each one word or a
# power of ten): they cannot be held out and still be learnt, so they are always trained on
# and evaluated as "seen"; the other strata are held out (never trained on).
SEEN_STRATA = ("power of ten", "single word")


def stratum_of(n):
    """The stratum of one number (a power of ten first, then one word, round, teens).

    >>> from chainrule.translate.data import stratum_of
    >>> [stratum_of(n) for n in (1000, 42, 7, 300, 15002, 321)]
    ['power of ten', 'uniform', 'single word', 'round', 'teens', 'uniform']
    """
    n = int(n)
    if n >= 1 and 10 ** (len(str(n)) - 1) == n:
        return "power of ten"
    if n < 100 and " " not in english(n):
        return "single word"
    if n >= 100 and n % 100 == 0:
        return "round"  # "five thousand", "three hundred", "forty two thousand", "сто тысяч"
    if 10 <= n % 100 <= 19 or 10 <= (n // 1000) % 100 <= 19:
        return "teens"  # a teen in either three-digit group: "fifteen thousand two"
    return "uniform"


def strata_pools(max_number=MAX_NUMBER):
    """{stratum: sorted array of the numbers 0..max_number in it} (uniform: all numbers).

    >>> from chainrule.translate.data import strata_pools
    >>> {k: len(v) for k, v in strata_pools(999).items()}
    {'uniform': 1000, 'round': 8, 'teens': 90, 'power of ten': 3, 'single word': 26}
    """
    nums = np.arange(max_number + 1)
    power = np.array([10 ** k for k in range(len(str(max_number))) if 10 ** k <= max_number])
    single = np.array([n for n in range(min(max_number, 99) + 1)
                       if " " not in english(n) and n not in set(power.tolist())])
    is_round = (nums >= 100) & (nums % 100 == 0) & ~np.isin(nums, power)
    teen = ((nums % 100 >= 10) & (nums % 100 <= 19)) | (((nums // 1000) % 100 >= 10)
                                                         & ((nums // 1000) % 100 <= 19))
    teen &= ~is_round & ~np.isin(nums, power) & ~np.isin(nums, single)
    return {"uniform": nums, "round": nums[is_round], "teens": nums[teen],
            "power of ten": power, "single word": single}


def split_stratified(n_val=300, n_uniform=1000, n_round=200, n_teens=200,
                     max_number=MAX_NUMBER, seed=0):
    """(train, val, {stratum: test numbers}): a test set per stratum.

    Held out (never in train or val): `n_uniform` uniform numbers, `n_round` round numbers,
    `n_teens` numbers with a teen (each at most a quarter of its stratum). The vocabulary
    strata ("power of ten", "single word") are all in training and all evaluated.

    >>> from chainrule.translate.data import split_stratified
    >>> train, val, test = split_stratified(n_val=5, n_uniform=10, n_round=4, n_teens=4,
    ...                                     max_number=999)
    >>> len(train), len(val), {k: len(v) for k, v in test.items()}
    (979, 5, {'uniform': 10, 'round': 2, 'teens': 4, 'power of ten': 3, 'single word': 26})
    """
    rng = np.random.default_rng(seed)
    pools = strata_pools(max_number)
    seen = np.concatenate([pools[s] for s in SEEN_STRATA])
    test = {}
    taken = set(seen.tolist())
    for name, k in (("round", n_round), ("teens", n_teens)):
        pool = pools[name]
        k = min(k, len(pool) // 4)
        test[name] = rng.choice(pool, size=k, replace=False)
        taken.update(test[name].tolist())
    rest = np.array([n for n in range(max_number + 1) if n not in taken])
    rest = rng.permutation(rest)
    if n_val + n_uniform >= len(rest):
        raise ValueError(f"split_stratified: n_val + n_uniform = {n_val + n_uniform} leaves no "
                         f"training numbers in 0..{max_number}")
    test["uniform"] = rest[:n_uniform]
    val = rest[n_uniform:n_uniform + n_val]
    train = np.concatenate([rest[n_uniform + n_val:], seen])
    for s in SEEN_STRATA:
        test[s] = pools[s]
    return train, val, {s: np.asarray(test[s]) for s in STRATA}
