"""The 8x8 handwritten digits (UCI optical recognition set), shipped inside the package.

1,797 grey-level images of the digits 0..9, pixel values 0..16 (see data/README.md for the
source, the authors and the CC BY 4.0 licence). Works offline and needs no scikit-learn.
"""
import gzip
import hashlib
import io
import pathlib

import numpy as np

from .. import dtypes
from ..tensor import Tensor

DIGITS_PATH = pathlib.Path(__file__).resolve().parent / "data" / "digits.csv.gz"
DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
N_DIGITS = 1797

_cache = {}


def _digits_arrays():
    """(pixels uint8 (1797, 64), labels int64 (1797,)), parsed once and cached."""
    if "arrays" not in _cache:
        try:
            raw = DIGITS_PATH.read_bytes()
        except FileNotFoundError:
            raise FileNotFoundError(
                f"load_digits: the packaged data file {DIGITS_PATH} is missing; "
                "reinstall chainrule (the file ships as package data)") from None
        if hashlib.sha256(raw).hexdigest() != DIGITS_SHA256:
            raise RuntimeError(f"load_digits: {DIGITS_PATH} is corrupt (sha256 mismatch); "
                               "reinstall chainrule")
        table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.int64)
        if table.shape != (N_DIGITS, 65):
            raise RuntimeError(f"load_digits: {DIGITS_PATH} has shape {table.shape}, "
                               f"expected ({N_DIGITS}, 65)")
        pixels, labels = table[:, :64].astype(np.uint8), table[:, 64].copy()
        pixels.flags.writeable = False
        labels.flags.writeable = False
        _cache["arrays"] = (pixels, labels)
    return _cache["arrays"]


def load_digits(flatten=True, dtype=None, scale=False):
    """The 1,797 8x8 digit images and their labels, as tensors.

    Returns ``(X, y)``: ``X`` of the default float type (float32) of shape (1797, 64) (``flatten=False``: (1797, 8, 8)),
    pixel values 0..16 (``scale=True`` divides by 16 to get 0..1), and ``y`` int64 (1797,)
    with values 0..9. Each call returns fresh arrays the caller may modify.

    >>> X, y = chainrule.datasets.load_digits()
    >>> X.shape, y.shape, int(X.max()), sorted(set(y.tolist())) == list(range(10))
    (chainrule.Size([1797, 64]), chainrule.Size([1797]), 16, True)
    """
    pixels, labels = _digits_arrays()
    np_dtype = (dtypes.get(dtype) if dtype is not None else dtypes.get_default_dtype()).np
    if not np.issubdtype(np_dtype, np.floating):
        raise TypeError(f"load_digits: dtype must be a floating type, got {dtype}")
    X = pixels.astype(np_dtype)
    if scale:
        X /= np_dtype.type(16)
    if not flatten:
        X = X.reshape(-1, 8, 8)
    return Tensor._make(X), Tensor._make(labels.copy())
