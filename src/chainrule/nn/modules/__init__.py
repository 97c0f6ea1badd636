"""chainrule.nn.modules: PyTorch's torch.nn.modules layout over chainrule's layer files.

``from torch.nn.modules.loss import _Loss`` or ``from torch.nn.modules.batchnorm import
_BatchNorm`` name the same classes as chainrule.nn: each PyTorch submodule name below is
the chainrule file that holds those classes (registered under both names, so there is
one class, one module object, and monkeypatching either name patches both).
"""
import sys

from .. import (module, linear, activation, containers, conv, distance, dropout, loss,  # noqa: F401
                normalization, padding, pooling, sparse, transformer, rnn, resample,
                sync_batchnorm, adaptive)
from ..module import Module
from . import utils  # noqa: F401

# torch.nn.modules.<name> -> the chainrule.nn file with its classes.
_LAYOUT = {"module": module, "linear": linear, "flatten": linear, "container": containers,
           "conv": conv, "distance": distance, "dropout": dropout, "loss": loss,
           "batchnorm": normalization, "instancenorm": normalization,
           "normalization": normalization, "padding": padding, "pooling": pooling,
           "sparse": sparse, "transformer": transformer, "activation": activation,
           "rnn": rnn, "upsampling": resample, "pixelshuffle": resample,
           "channelshuffle": resample, "fold": resample, "sync_batchnorm": sync_batchnorm,
           "adaptive": adaptive}

for _name, _file in _LAYOUT.items():
    sys.modules[f"{__name__}.{_name}"] = _file
    globals()[_name] = _file

# PyTorch's activation module also holds MultiheadAttention.
activation.MultiheadAttention = transformer.MultiheadAttention

# torch.nn.modules re-exports every layer class, as torch.nn does.
for _file in set(_LAYOUT.values()):
    for _k, _v in vars(_file).items():
        if isinstance(_v, type) and issubclass(_v, Module) and not _k.startswith("_"):
            globals()[_k] = _v
del _name, _file, _k, _v
