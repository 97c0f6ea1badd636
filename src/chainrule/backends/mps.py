"""torch.backends.mps: Apple's Metal backend, absent here."""


def is_available():
    """False: chainrule runs on the CPU.

    >>> torch.backends.mps.is_available()
    False
    >>> torch.device('mps' if torch.backends.mps.is_available() else 'cpu')
    device(type='cpu')
    """
    return False


def is_built():
    """Returns whether this build has the MPS backend: False.

    >>> torch.backends.mps.is_built()
    False
    """
    return False
