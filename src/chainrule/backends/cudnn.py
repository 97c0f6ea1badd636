"""torch.backends.cudnn's flags. Scripts set them for speed or reproducibility
(``cudnn.benchmark = True``, ``cudnn.deterministic = True``); chainrule has no cuDNN, so
they are plain attributes with PyTorch's defaults, read by nothing. NumPy's kernels are
deterministic already."""
enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: no cuDNN here.

    >>> torch.backends.cudnn.is_available()
    False
    """
    return False


def version():
    """None: no cuDNN here (what PyTorch returns when it has none).

    >>> torch.backends.cudnn.version() is None
    True
    """
    return None
