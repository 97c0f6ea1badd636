"""torch.backends.mps: Apple's Metal backend, absent here."""


def is_available():
    """False: chainrule runs on the CPU."""
    return False


def is_built():
    return False
