"""Datasets for the lecture and beyond: the 8x8 digits (shipped in the package), MNIST from
its IDX files, synthetic 2-D sets, a seeded train/test split, and normalisation fitted on
the training split only.

>>> from chainrule import datasets
>>> X, y = datasets.load_digits()
>>> X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.2, seed=0)
>>> scaler = datasets.Standardize().fit(X_tr)       # statistics from train only
>>> X_tr, X_te = scaler.transform(X_tr), scaler.transform(X_te)
>>> X_tr.shape, X_te.shape
(chainrule.Size([1437, 64]), chainrule.Size([360, 64]))
"""
from .digits import load_digits
from .mnist import MNIST, load_mnist, download_mnist, read_idx, IDXFormatError
from .synthetic import make_xor, make_blobs, make_moons, make_circles, make_spirals
from .split import train_test_split
from .transforms import Standardize, StandardScaler, Normalize, Compose

__all__ = ["load_digits", "MNIST", "load_mnist", "download_mnist", "read_idx",
           "IDXFormatError", "make_xor", "make_blobs", "make_moons", "make_circles",
           "make_spirals", "train_test_split", "Standardize", "StandardScaler", "Normalize",
           "Compose"]
